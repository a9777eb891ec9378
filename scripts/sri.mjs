// Prints Subresource Integrity hashes of the script-tag files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

for (const file of ['www/dist/parcours.js', 'www/dist/parcours_bg.wasm']) {
  const digest = createHash('sha384').update(readFileSync(new URL('../' + file, import.meta.url))).digest('base64');
  console.log(`SRI ${file}: sha384-${digest}`);
}
