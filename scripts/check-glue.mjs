// Checks that a wasm-bindgen module can run with another build's JS glue:
// every function it imports must be one the glue provides. The SDK ships
// two builds (with and without surveys) behind one glue.
// Usage: node scripts/check-glue.mjs <glue.js> <module.wasm>
import { readFileSync } from 'node:fs';

const [glue, wasm] = process.argv.slice(2);
const text = readFileSync(glue, 'utf8');
const module = new WebAssembly.Module(readFileSync(wasm));
const missing = WebAssembly.Module.imports(module)
  .filter((i) => i.kind === 'function' && !text.includes(i.name + ':') && !text.includes(i.name + ' ='))
  .map((i) => i.module + '.' + i.name);
if (missing.length) {
  console.error(`check-glue: ${wasm} imports what ${glue} does not provide:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-glue: ${wasm} runs with ${glue} (${WebAssembly.Module.imports(module).length} imports)`);
