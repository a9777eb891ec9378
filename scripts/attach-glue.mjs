// Lets a copy of a wasm-bindgen glue module call into an instance another
// copy created. The script-tag loader (parcours.js) instantiates every build
// with the lite build's glue; the survey kit brings the glue of its build
// for its own exports (survey_*), bound to that instance by the
// `__attach(exports)` this script appends. So the page without surveys
// carries no wrapper it never calls. (Every build shares the port's
// `call`, so the destinations kit needs no glue.)
// Usage: node scripts/attach-glue.mjs <glue.js>
import { readFileSync, writeFileSync } from 'node:fs';

const [glue] = process.argv.slice(2);
let text = readFileSync(glue, 'utf8');
// The glue's own names for the instance's exports and its memory views
// (wasm-bindgen 0.2.130; the build fails here if a new version renames them).
for (const name of ['let wasmModule, wasmInstance, wasm;', 'let cachedDataViewMemory0 = null;', 'let cachedUint8ArrayMemory0 = null;']) {
  if (!text.includes(name)) {
    console.error(`attach-glue: ${glue} has no "${name}": wasm-bindgen's glue changed; update scripts/attach-glue.mjs`);
    process.exit(1);
  }
}
if (!text.includes('export function __attach(')) {
  text +=
    '\n/** Binds this copy of the glue to the instance whose `exports` another copy created (scripts/attach-glue.mjs). */\n' +
    'export function __attach(exports) {\n    wasm = exports;\n    cachedDataViewMemory0 = null;\n    cachedUint8ArrayMemory0 = null;\n}\n';
  writeFileSync(glue, text);
}
