// Benchmark (prints figures; asserts nothing): how long a script-tag install
// takes to be ready, where that time goes, and the same for a peer tracker
// loaded the same way in the same run (@snowplow/browser-tracker's UMD file
// from npm), cold page loads taken in turns, in headless Chromium against
// the real collector.
//
// Parcours' breakdown is read from outside the SDK, so the shipped code
// carries no timing marks: resource timing for the downloads, and wrappers
// installed before the page's scripts run around WebAssembly.instantiate*,
// the core's exports, Temporal and Intl.DateTimeFormat (the time zone), IndexedDB's open
// and navigator.locks (the sender election). Every figure is milliseconds
// from the moment the page's first script runs (where the peer's and
// Parcours' clocks both start).
//
// Usage: npm run bench:ready [-- --runs 9]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, launchBrowser, ROOT } from '../e2e/harness.mjs';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 9;
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const SNOWPLOW = readFileSync(join(ROOT, 'node_modules/@snowplow/browser-tracker/dist/index.umd.min.js'), 'utf8');
const SNOWPLOW_VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules/@snowplow/browser-tracker/package.json'), 'utf8')).version;

/** Installed before any script of the Parcours page: records when each step starts and ends. */
function instrument() {
  const marks = (window.__marks = []);
  const mark = (name) => marks.push([name, performance.now()]);
  const timed = (name, run) => {
    mark(name + '>');
    const out = run();
    mark(name + '<');
    return out;
  };
  const wrapExports = (result) => {
    const exports = (result.instance || result).exports;
    const wrapped = {};
    for (const [key, value] of Object.entries(exports)) {
      wrapped[key] = typeof value === 'function' && key === 'start' ? (...a) => timed('core.start', () => value(...a)) : value;
    }
    const instance = { exports: wrapped };
    return result.instance ? { module: result.module, instance } : instance;
  };
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      mark('instantiate>');
      return original.apply(this, args).then((result) => (mark('instantiate<'), wrapExports(result)));
    };
  }
  if (globalThis.Temporal) {
    const zoneId = Temporal.Now.timeZoneId;
    Temporal.Now.timeZoneId = (...args) => timed('timeZone', () => zoneId.apply(Temporal.Now, args));
  }
  const DateTimeFormat = Intl.DateTimeFormat;
  Intl.DateTimeFormat = function (...args) {
    return timed('timeZone', () => new DateTimeFormat(...args));
  };
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) {
    mark('storage>');
    const request = open.apply(this, args);
    request.addEventListener('success', () => mark('storage<'));
    return request;
  };
  if (navigator.locks) {
    const request = navigator.locks.request.bind(navigator.locks);
    navigator.locks.request = (name, ...rest) => {
      mark('election>');
      const callback = rest.pop();
      return request(name, ...rest, (lock) => (mark('election<'), callback(lock)));
    };
  }
}

const collector = await startCollector(['--rate-ip', '0']);
const browser = await launchBrowser();
const parcoursRuns = [];
const peerRuns = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // Parcours: the benchmark page (script tag, init at once, no automatic page view).
    let context = await browser.newContext();
    let page = await context.newPage();
    await page.addInitScript(instrument);
    await page.goto(`${collector.url}/e2e/bench.html`);
    parcoursRuns.push(
      await page.evaluate(async () => {
        const readyAt = await window.readyAt;
        await new Promise((r) => setTimeout(r, 300)); // storage and election settle behind ready
        const zero = window.scriptStart;
        const resource = (file) => performance.getEntriesByType('resource').find((e) => e.name.endsWith('/' + file));
        const at = (name) => {
          const found = window.__marks.find(([n]) => n === name);
          return found ? found[1] - zero : NaN;
        };
        const js = resource('parcours.js');
        const wasm = resource('parcours_bg.wasm');
        return {
          ready: readyAt - zero,
          scriptArrived: js ? js.responseEnd - zero : NaN,
          wasmRequested: wasm ? wasm.startTime - zero : NaN,
          wasmArrived: wasm ? wasm.responseEnd - zero : NaN,
          instantiate: at('instantiate<') - at('instantiate>'),
          instantiated: at('instantiate<'),
          timeZone: at('timeZone<') - at('timeZone>'),
          timeZoneAt: at('timeZone>'),
          coreStart: at('core.start<') - at('core.start>'),
          coreStarted: at('core.start<'),
          storageOpened: at('storage<'),
          electionWon: at('election<'),
        };
      }),
    );
    await context.close();

    // The peer: its UMD file by a script tag, a tracker made at once (ready when newTracker returns).
    context = await browser.newContext();
    page = await context.newPage();
    await page.route('**/peer/*', (route) =>
      route.request().url().endsWith('/sp.js')
        ? route.fulfill({ contentType: 'text/javascript', body: SNOWPLOW })
        : route.fulfill({
            contentType: 'text/html',
            body:
              '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Peer</title>' +
              '<script>window.scriptStart = performance.now();</script><script src="/peer/sp.js"></script>' +
              `<script>snowplowBrowserTracking.newTracker('sp', '${collector.url}/peer-sink', { appId: 'bench' });` +
              'window.readyAt = performance.now();</script></head><body></body></html>',
          }),
    );
    await page.goto(`${collector.url}/peer/index.html`);
    peerRuns.push(await page.evaluate(() => ({ ready: window.readyAt - window.scriptStart })));
    await context.close();
  }
} finally {
  await browser.close();
  await collector.stop();
}

const m = (key, rows = parcoursRuns) => median(rows.map((r) => r[key]).filter(Number.isFinite));
const f = (x) => (Number.isFinite(x) ? x.toFixed(1).padStart(6) : '     –');
console.log(`medians over ${RUNS} cold page loads each, taken in turns (headless Chromium, this machine, loopback):\n`);
console.log(`Parcours, page without surveys: script start -> ready ${f(m('ready'))} ms`);
console.log(`  parcours.js downloaded             at ${f(m('scriptArrived'))}`);
console.log(`  wasm requested (init called)       at ${f(m('wasmRequested'))}`);
console.log(`  wasm downloaded                    at ${f(m('wasmArrived'))}`);
console.log(`  compiled and instantiated          at ${f(m('instantiated'))}   (instantiate ${f(m('instantiate'))} ms, compiling while it downloads)`);
console.log(`  time zone read                     at ${f(m('timeZoneAt'))}   (took ${f(m('timeZone'))} ms)`);
console.log(`  core started (options, state)      at ${f(m('coreStarted'))}   (start() ${f(m('coreStart'))} ms)`);
console.log(`  ready                              at ${f(m('ready'))}`);
console.log(`  durable storage open (behind it)   at ${f(m('storageOpened'))}`);
console.log(`  sender elected (behind it)         at ${f(m('electionWon'))}`);
console.log(`\n@snowplow/browser-tracker ${SNOWPLOW_VERSION} (UMD, script tag): script start -> tracker made ${f(m('ready', peerRuns))} ms`);
console.log(`ratio Parcours / peer ready: ${(m('ready') / m('ready', peerRuns)).toFixed(2)}`);
console.log(`per run, Parcours: ${parcoursRuns.map((r) => r.ready.toFixed(0)).join(', ')}; peer: ${peerRuns.map((r) => r.ready.toFixed(0)).join(', ')}`);
