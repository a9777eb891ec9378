// The npm package as a front-end developer meets it: `npm pack` of pkg/,
// installed into a fresh app, bundled by esbuild, run in Chromium against
// the real collector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startCollector, launchBrowser, openPage, fetchEvents, ROOT } from './harness.mjs';

let collector;
let browser;
let appDir;
const OUT = join(ROOT, 'www/e2e/npm-build');

before(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'parcours-npm-app-'));
  execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', appDir, '--silent'], { stdio: 'pipe' });
  const tarball = readdirSync(appDir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'shop-app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', './' + tarball], { cwd: appDir, stdio: 'pipe' });
  copyFileSync(join(ROOT, 'tests/e2e/npm-app/app.js'), join(appDir, 'app.js'));
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await build({ entryPoints: [join(appDir, 'app.js')], bundle: true, format: 'esm', minify: true, outfile: join(OUT, 'app.js'), absWorkingDir: appDir, logLevel: 'warning' });
  // esbuild leaves `new URL('parcours_bg.wasm', import.meta.url)` as is: the
  // wasm ships beside the bundle, as the package README says.
  copyFileSync(join(appDir, 'node_modules/parcours/parcours_bg.wasm'), join(OUT, 'parcours_bg.wasm'));
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  rmSync(appDir, { recursive: true, force: true });
});

test('a bundled app imports the package and its events reach the collector', async () => {
  const page = await openPage(browser);
  await page.goto(`${collector.url}/e2e/npm.html`);
  const { flushed, state } = await page.evaluate(() => window.result);
  assert.deepEqual(flushed, { ok: true, pending: 0 });
  assert.equal(state.userId, 'npm-user');
  const events = await fetchEvents(collector, 'visitor=' + state.visitorId);
  assert.deepEqual(events.map((e) => `${e.type}:${e.name}`), ['page:page_view', 'track:bundled', 'identify:identify']);
  assert.deepEqual(events[1].properties, { via: 'esbuild' });
  assert.equal(events[1].context.page.path, '/e2e/npm.html');
  assert.deepEqual(events[2].traits, { source: 'bundle' });
  assert.equal(await page.evaluate(() => 'parcours' in window), false, 'the npm build defines no global');
  assert.deepEqual(page.pageErrors, []);
});
