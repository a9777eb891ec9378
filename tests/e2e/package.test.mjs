// What ships: the npm package's manifest, the README's snippet, and rules
// the bundle must keep (no unload listener, no eval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { ROOT, VERSION } from './harness.mjs';
import { withSnippet } from '../../scripts/readme-snippet.mjs';

const read = (file) => readFileSync(ROOT + file, 'utf8');

test('the README shows exactly the snippet the build produces, and its size', () => {
  const built = read('www/dist/snippet.min.js').trim();
  const readme = read('README.md');
  assert.equal(readme, withSnippet(readme, built), 'run `node scripts/readme-snippet.mjs --write`');
  // 574 bytes until parcours.survey.show was queued too (issue 5).
  assert.ok(built.length < 700, `snippet is ${built.length} bytes`);
});

test('the npm package manifest points at files that exist', () => {
  const pkg = JSON.parse(read('pkg/package.json'));
  assert.equal(pkg.name, 'parcours');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.exports['.'].types, './index.d.ts');
  assert.equal(pkg.exports['.'].import, './index.js');
  for (const file of pkg.files) assert.ok(existsSync(ROOT + 'pkg/' + file), `pkg/${file} exists`);
  assert.equal(pkg.version, VERSION);
});

test('the npm package carries its license, where it lives, its own README and the batch schema', () => {
  const pkg = JSON.parse(read('pkg/package.json'));
  assert.equal(pkg.license, 'MIT');
  assert.ok(pkg.files.includes('LICENSE') && read('pkg/LICENSE').startsWith('MIT License'));
  for (const field of ['repository', 'homepage', 'bugs', 'engines']) assert.ok(pkg[field], `package.json has ${field}`);
  assert.equal(pkg.engines.node, '>=18');
  assert.equal(pkg.exports['./batch.schema.json'], './batch.schema.json');
  assert.equal(JSON.parse(read('pkg/batch.schema.json')).title, 'Parcours batch, format version 1');
  // Written for the package's users: no repository set-up, and no link that only works in the repository.
  const readme = read('pkg/README.md');
  assert.match(readme, /^# Parcours\n\n\*\*Parcours\*\* is a customer-journey SDK/);
  assert.match(readme, /## Install from npm/);
  assert.doesNotMatch(readme, /^npm (start|test) +#|^## The collector/m);
  assert.doesNotMatch(readme, /\]\((?!https?:|#)/, 'relative links point at the repository');
});

test('the bundle never listens to unload and never evaluates strings', () => {
  for (const file of ['www/dist/parcours.js', 'pkg/facade.js', 'pkg/port.js', 'pkg/index.js']) {
    const code = read(file);
    assert.doesNotMatch(code, /["'](before)?unload["']/, `${file} has no unload listener (it breaks the back/forward cache)`);
    assert.doesNotMatch(code, /\beval\(|new Function\(/, `${file} uses no eval`);
  }
});
