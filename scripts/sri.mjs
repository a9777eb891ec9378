// Prints the Subresource Integrity value (sha256) of the file given.
// SHA-256 is one of the three digests browsers accept for integrity (with
// SHA-384 and SHA-512), and the shortest: the loader carries seven of these
// hashes, which compress not at all (44 characters each instead of 64).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/sri.mjs <file>');
  process.exit(2);
}
console.log('sha256-' + createHash('sha256').update(readFileSync(file)).digest('base64'));
