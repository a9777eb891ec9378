// The npm package where there is no browser page: server rendering (Next.js,
// Nuxt), Node scripts, test runners without a DOM. The real built package
// (pkg/) in plain Node: importing it has no side effect and every function
// is a harmless no-op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

test('imported in Node, the package lets the process exit by itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parcours-node-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'pkg'), join(dir, 'node_modules', 'parcours'));
    const started = Date.now();
    const run = spawnSync(process.execPath, ['-e', "import('parcours').then((p) => p.track('server side'))"], { cwd: dir, timeout: 10000, encoding: 'utf8' });
    assert.equal(run.status, 0, 'exit status ' + run.status + ' ' + run.stderr);
    assert.ok(Date.now() - started < 3000, 'exited within 3 s');
    assert.equal(run.stderr, '', 'nothing printed as an error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in Node every function of the API does nothing, throws nothing, and every promise settles', async () => {
  const parcours = await import(join(ROOT, 'pkg', 'index.js'));
  const calls = {
    init: [{ endpoint: '/v1/batch', writeKey: 'wk' }],
    track: ['Signed Up', { plan: 'pro' }],
    page: [{ section: 'docs' }],
    identify: ['user_42', { plan: 'pro' }],
    touchpoint: ['pricing_viewed'],
    consent: ['granted'],
    group: ['acme', { plan: 'enterprise' }],
    alias: ['user_42'],
    register: [{ app: '4.2' }],
    register_once: [{ landing: '/pricing' }],
    unregister: ['app'],
    anonymousId: [],
    ready: [],
    optOut: [],
    reset: [],
    shutdown: [],
    journey: [],
    debug: [],
    on: ['ready', () => {}],
    flush: [],
  };
  const functions = Object.keys(parcours).filter((name) => typeof parcours[name] === 'function' && name !== 'ParcoursError');
  assert.deepEqual(functions.sort(), Object.keys(calls).sort(), 'every exported function is called here');
  const within3s = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('did not settle within 3 s')), 3000))]);
  for (const [name, args] of Object.entries(calls)) {
    const result = parcours[name](...args);
    if (name === 'flush') assert.deepEqual(await within3s(result), { ok: false, pending: 0 });
    else if (name === 'on') assert.equal(typeof result, 'function', 'on() returns a remover');
    else if (name === 'ready') assert.equal(await within3s(result), null, 'ready() resolves with null: never ready here');
    else if (name === 'journey' || name === 'debug' || name === 'anonymousId') assert.equal(result, null);
    else assert.equal(result, undefined, name);
  }
  assert.equal(parcours.consent(), null, 'consent() reads null: nothing was decided here');
  assert.equal(await within3s(parcours.survey.show('checkout-csat')), false);
  assert.equal(parcours.survey.hide('checkout-csat'), undefined);
  assert.equal(parcours.survey.explain('checkout-csat').show, false);
  assert.equal(parcours.default.track, parcours.track, 'the default export is the same API');
});
