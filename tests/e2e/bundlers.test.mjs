// The npm package as front-end developers meet it: `npm pack` of pkg/,
// installed into a fresh app (tests/bundlers/app.js), bundled by each
// bundler the README's table lists — Vite (build, and the dev servers of
// Vite 8 and 6),
// webpack 5, esbuild (ESM and IIFE), Rollup — then loaded in Chromium,
// delivering its events to the real collector. Where a bundler needs a
// setting, the test uses exactly the one the README gives; a wasm that
// cannot be found is a clear error, and flush() still settles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import * as vite from 'vite';
import * as vite6 from 'vite6';
import webpack from 'webpack';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { minify as terser } from 'terser';
import { startCollector, launchBrowser, openPage, fetchEvents, ROOT } from './harness.mjs';

let collector;
let browser;
let appDir;
/** Served by the collector at /e2e/bundlers/<bundler>/. */
const OUT = join(ROOT, 'www/e2e/bundlers');
const sizes = {};

before(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'parcours-bundled-app-'));
  execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', appDir, '--silent'], { stdio: 'pipe' });
  const tarball = readdirSync(appDir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'shop-app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', './' + tarball], { cwd: appDir, stdio: 'pipe' });
  mkdirSync(join(appDir, 'src'));
  copyFileSync(join(ROOT, 'tests/bundlers/app.js'), join(appDir, 'src/app.js'));
  // Vite's entry, for its build and its dev server.
  writeFileSync(join(appDir, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bundled</title><script type="module" src="/src/app.js"></script></head><body><h1>A bundled app</h1></body></html>');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  rmSync(appDir, { recursive: true, force: true });
  // What each bundle weighs for a page without surveys (gzip of each file a page loads at start).
  console.log('bundle sizes (gzip, JS + wasm loaded by the page):', JSON.stringify(sizes));
});

/** An index.html beside a bundle: `module` for ESM output. */
function page(dir, module) {
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bundled</title><script ${module ? 'type="module" ' : ''}src="app.js"></script></head><body><h1>A bundled app</h1></body></html>`);
}

/** Copies the package's .wasm files beside a bundle (what the README says for esbuild and Rollup). */
function copyWasm(dir) {
  for (const file of readdirSync(join(appDir, 'node_modules/parcours')).filter((f) => f.endsWith('.wasm'))) {
    copyFileSync(join(appDir, 'node_modules/parcours', file), join(dir, file));
  }
}

/** The gzip size of the JavaScript and the lite wasm a page loads, from what the browser fetched. */
function measure(bundler, dir, fetched) {
  let total = 0;
  for (const url of fetched) {
    const file = join(dir, new URL(url).pathname.split('/').pop());
    total += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  sizes[bundler] = total;
}

/** Opens `url`, waits for the app's result and checks what reached the collector. */
async function delivers(bundler, url, dir) {
  const tab = await openPage(browser);
  const fetched = [];
  tab.on('requestfinished', (r) => /\.(js|wasm)$/.test(new URL(r.url()).pathname) && fetched.push(r.url()));
  await tab.goto(url);
  const { flushed, state, errors } = await tab.evaluate(() => window.result);
  assert.deepEqual(errors, [], bundler + ': no error');
  assert.deepEqual(flushed, { ok: true, pending: 0 }, bundler + ': flush() delivered');
  assert.equal(state.userId, 'npm-user');
  const events = await fetchEvents(collector, 'visitor=' + state.visitorId);
  assert.deepEqual(events.map((e) => `${e.type}:${e.name}`), ['page:page_view', 'track:bundled', 'identify:identify']);
  assert.deepEqual(events[1].properties, { via: bundler });
  assert.deepEqual(events[2].traits, { source: 'bundle' });
  assert.equal(await tab.evaluate(() => 'parcours' in window), false, 'the npm build defines no global');
  assert.ok(fetched.some((u) => u.endsWith('.wasm')), bundler + ': the wasm was fetched');
  assert.deepEqual(tab.pageErrors, []);
  if (dir) measure(bundler, dir, fetched);
  await tab.context().close();
}

test('Vite: a production build finds the wasm by itself', async () => {
  const out = join(OUT, 'vite');
  await vite.build({ root: appDir, configFile: false, logLevel: 'warn', base: '/e2e/bundlers/vite/', build: { outDir: out, emptyOutDir: true, assetsDir: '' } });
  await delivers('vite', `${collector.url}/e2e/bundlers/vite/index.html?via=vite`, out);
});

/** A Vite dev server (`createServer` of that Vite) on the app, with `/v1` proxied to the collector. */
async function devServer(createServer, settings) {
  const server = await createServer({ root: appDir, configFile: false, logLevel: 'warn', server: { port: 0, host: '127.0.0.1', proxy: { '/v1': collector.url } }, ...settings });
  await server.listen();
  return server;
}

test('Vite 8: the dev server, with no setting', async () => {
  const server = await devServer(vite.createServer, {});
  try {
    await delivers('vite-dev', `${server.resolvedUrls.local[0]}index.html?via=vite-dev`);
  } finally {
    await server.close();
  }
});

test("Vite 6: the dev server, with the README's optimizeDeps.exclude", async () => {
  // Without it, Vite 6 pre-bundles the package into .vite/deps and the
  // wasm's URL points there, where the dev server answers index.html.
  const server = await devServer(vite6.createServer, { optimizeDeps: { exclude: ['parcours'] } });
  try {
    await delivers('vite6-dev', `${server.resolvedUrls.local[0]}index.html?via=vite6-dev`);
  } finally {
    await server.close();
  }
});

test('webpack 5: a production build finds the wasm by itself', async () => {
  const out = join(OUT, 'webpack');
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: 'production', context: appDir, entry: './src/app.js', output: { path: out, filename: 'app.js', publicPath: '/e2e/bundlers/webpack/', clean: true } }, (error, result) => (error ? reject(error) : resolve(result))),
  );
  assert.equal(stats.hasErrors(), false, stats.toString('errors-only'));
  page(out, false);
  await delivers('webpack', `${collector.url}/e2e/bundlers/webpack/index.html?via=webpack`, out);
});

test('esbuild, ESM with splitting: the wasm files copied beside the bundle', async () => {
  const out = join(OUT, 'esbuild');
  // splitting: the survey, destinations and widget code stay in chunks of their own.
  await esbuild.build({ entryPoints: { app: join(appDir, 'src/app.js') }, bundle: true, format: 'esm', splitting: true, minify: true, outdir: out, absWorkingDir: appDir, logLevel: 'warning' });
  copyWasm(out);
  page(out, true);
  await delivers('esbuild', `${collector.url}/e2e/bundlers/esbuild/index.html?via=esbuild`, out);
});

test('esbuild, IIFE: without wasmUrl a clear error and flush() settles; with it, delivered', async () => {
  const out = join(OUT, 'esbuild-iife');
  // esbuild warns that import.meta is empty in an IIFE: that is the case under test.
  await esbuild.build({ entryPoints: [join(appDir, 'src/app.js')], bundle: true, format: 'iife', minify: true, outfile: join(out, 'app.js'), absWorkingDir: appDir, logLevel: 'error' });
  copyWasm(out);
  page(out, false);

  const tab = await openPage(browser);
  await tab.goto(`${collector.url}/e2e/bundlers/esbuild-iife/index.html?via=esbuild-iife`);
  const { flushed, state, errors } = await tab.evaluate(() => window.result);
  assert.equal(flushed.ok, false, 'nothing could be sent');
  assert.equal(state, null, 'not started');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].code, 'load_failed');
  assert.equal(errors[0].field, 'wasmUrl');
  assert.match(errors[0].message, /no import\.meta\.url.*pass init\(\{ wasmUrl \}\)/);
  assert.deepEqual(tab.pageErrors, [], 'nothing uncaught');
  await tab.context().close();

  await delivers('esbuild-iife', `${collector.url}/e2e/bundlers/esbuild-iife/index.html?via=esbuild-iife&wasmUrl=/e2e/bundlers/esbuild-iife/parcours_bg.wasm`, out);
});

test('Rollup: node-resolve, and the wasm files copied beside the bundle', async () => {
  const out = join(OUT, 'rollup');
  const bundle = await rollup({ input: join(appDir, 'src/app.js'), plugins: [nodeResolve({ browser: true, rootDir: appDir })], onwarn: (w) => assert.fail('rollup warned: ' + w.message) });
  // Minified as a site would (terser), so that its size compares with the others'.
  const minify = { name: 'terser', renderChunk: async (code) => (await terser(code, { module: true })).code };
  await bundle.write({ dir: out, format: 'es', entryFileNames: 'app.js', plugins: [minify] });
  await bundle.close();
  copyWasm(out);
  page(out, true);
  await delivers('rollup', `${collector.url}/e2e/bundlers/rollup/index.html?via=rollup`, out);
});

test('a wasm that is not where the bundle looks: a clear error naming the URL, nothing uncaught, flush() settles', async () => {
  const out = join(OUT, 'esbuild-no-wasm');
  await esbuild.build({ entryPoints: [join(appDir, 'src/app.js')], bundle: true, format: 'esm', outfile: join(out, 'app.js'), absWorkingDir: appDir, logLevel: 'warning' });
  page(out, true);
  const tab = await openPage(browser);
  await tab.goto(`${collector.url}/e2e/bundlers/esbuild-no-wasm/index.html?via=none`);
  const { flushed, errors } = await tab.evaluate(() => window.result);
  assert.equal(flushed.ok, false);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].field, 'wasmUrl');
  assert.match(errors[0].message, /\/e2e\/bundlers\/esbuild-no-wasm\/parcours_bg\.wasm is not WebAssembly Parcours can load \(.*404.*\)\. Serve the package's \.wasm files beside the bundle/);
  assert.deepEqual(tab.pageErrors, []);
  await tab.context().close();
});
