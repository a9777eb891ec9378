// Puts the snippet of the last build (www/dist/snippet.min.js, with its
// integrity hash) and its size into README.md. Run after a build that
// changed the bundle; the test suite fails while the two differ.
//
//   node scripts/readme-snippet.mjs          check (exit 1 when out of date)
//   node scripts/readme-snippet.mjs --write  update README.md
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const SNIPPET_BLOCK = /(```html\n<script>\n)[^\n]+\n/;
const SIZE_NOTE = /\(\d+ bytes; it defines/;

/** `readme` showing `snippet` and its size; throws when README lacks either place. */
export function withSnippet(readme, snippet) {
  if (!SNIPPET_BLOCK.test(readme) || !SIZE_NOTE.test(readme)) {
    throw new Error('README.md has no snippet block (```html then <script>) or no "(N bytes; it defines" note');
  }
  return readme
    .replace(SNIPPET_BLOCK, (_, start) => start + snippet + '\n')
    .replace(SIZE_NOTE, `(${snippet.length} bytes; it defines`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = new URL('../', import.meta.url);
  const built = readFileSync(new URL('www/dist/snippet.min.js', root), 'utf8').trim();
  const readmeUrl = new URL('README.md', root);
  const readme = readFileSync(readmeUrl, 'utf8');
  const updated = withSnippet(readme, built);
  if (updated === readme) process.exit(0);
  if (process.argv.includes('--write')) {
    writeFileSync(readmeUrl, updated);
    console.log('README.md: snippet updated');
  } else {
    console.log('README.md shows an older snippet than this build: run `node scripts/readme-snippet.mjs --write`');
    process.exit(1);
  }
}
