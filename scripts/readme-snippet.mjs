// Puts the snippet of the last build (www/dist/snippet.min.js, with its
// integrity hash) and its size into README.md. Run after a build that
// changed the bundle; the test suite fails while the two differ.
//
//   node scripts/readme-snippet.mjs          check (exit 1 when out of date)
//   node scripts/readme-snippet.mjs --write  update README.md
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = readFileSync(new URL('www/dist/snippet.min.js', root), 'utf8').trim();
const readmeUrl = new URL('README.md', root);
const readme = readFileSync(readmeUrl, 'utf8');
const updated = readme
  .replace(/(```html\n<script>\n)[^\n]+\n/, (_, start) => start + built + '\n')
  .replace(/\(\d+ bytes; it defines/, `(${built.length} bytes; it defines`);
if (updated === readme) process.exit(0);
if (process.argv.includes('--write')) {
  writeFileSync(readmeUrl, updated);
  console.log('README.md: snippet updated');
} else {
  console.log('README.md shows an older snippet than this build: run `node scripts/readme-snippet.mjs --write`');
  process.exit(1);
}
