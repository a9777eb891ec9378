// Runs each build of the core through www/src/port.js, the hand-written
// side of wasm-bindgen's calling convention: every function a build imports
// must be one the port provides, and a start, a few recorded calls (with
// text past ASCII), a storage that throws and the answers read back must
// come out as the core wrote them. A wasm-bindgen update that changes the
// convention fails here, at build time, instead of on a page.
// Usage: node scripts/check-port.mjs <module.wasm>...
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { TRACK, STATE, BEGIN, END, JOURNEY } from '../www/src/codes.js';

const portUrl = pathToFileURL(new URL('../www/src/port.js', import.meta.url).pathname);

for (const [n, file] of process.argv.slice(2).entries()) {
  const bytes = readFileSync(file);
  // A fresh copy of the port per build (it holds one instance, as on a page).
  const port = await import(portUrl + '?build=' + n);
  const missing = WebAssembly.Module.imports(new WebAssembly.Module(bytes))
    .filter((i) => i.kind === 'function' && !port.IMPORTED.includes(port.importName(i.name)))
    .map((i) => i.module + '.' + i.name);
  if (missing.length) {
    console.error(`check-port: ${file} imports what www/src/port.js does not provide:\n  ${missing.join('\n  ')}`);
    process.exit(1);
  }
  const core = await port.loadCore(new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } }));
  const kept = new Map();
  const local = {
    getItem: (key) => (kept.has(key) ? kept.get(key) : null),
    setItem: (key, value) => kept.set(key, value),
    removeItem: (key) => kept.delete(key),
  };
  const blocked = {
    getItem: () => null,
    setItem: () => {},
    removeItem: () => {
      throw new Error('SecurityError');
    },
  };
  const seen = [];
  const hook = (text) => (seen.push(JSON.parse(text)), text.replace('"café"', '"thé"'));
  const report = JSON.parse(core.start(JSON.stringify({ endpoint: '/v1/batch', capturePageview: false }), Date.now(), local, blocked, globalThis.crypto, '{"language":"fr-FR"}', 'https://exemple.fr/€', hook));
  assert.equal(report.ok, true, file + ': ' + JSON.stringify(report));
  core.call(BEGIN, 'Page – accueil');
  const result = core.record(TRACK, 'Commande passée ✓', JSON.stringify({ boisson: 'café' }), Date.now(), 'https://exemple.fr/panier?x=é');
  core.call(END);
  assert.equal(result & 1, 0, file + ': the call was refused');
  assert.equal(seen.length, 1, file + ': beforeSend saw the event');
  assert.equal(seen[0].name, 'Commande passée ✓');
  const state = JSON.parse(core.call(STATE));
  assert.match(state.visitorId, /^[0-9a-f-]{36}$/, file + ': a visitor id from crypto.getRandomValues');
  const journey = core.call(JOURNEY);
  assert.match(journey, /Commande passée ✓/, file + ': the journey has the event, text past ASCII intact');
  assert.ok([...kept.keys()].some((key) => key.startsWith('parcours.')), file + ': the session was written to storage');
  core.erase(blocked); // the exception reaches the core, which carries on
  core.erase(local);
  assert.ok(![...kept.keys()].some((key) => key.startsWith('parcours.')), file + ': erase() removed it');
  console.log(`check-port: ${file} runs through www/src/port.js (${WebAssembly.Module.imports(new WebAssembly.Module(bytes)).length} imports)`);
}
