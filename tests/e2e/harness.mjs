// Shared pieces of the end-to-end tests: a real collector on a free port with
// a fresh SQLite file, Debian's Chromium driven by playwright-core, and
// helpers to wait for what reached the collector.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** The workspace version, which the SDK reports as its library version. */
export const VERSION = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8').match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
export const COLLECTOR = join(ROOT, 'target/debug/parcours-collector');
export const RELEASE_COLLECTOR = join(ROOT, 'target/release/parcours-collector');

/** The collector (the debug build unless `binary` says otherwise) with a fresh SQLite file. */
export async function startCollector(extraArgs = [], binary = COLLECTOR) {
  if (!existsSync(binary)) throw new Error('collector not built: run `cargo build -p parcours-collector`');
  // As `npm start` does: the demo shop's surveys come from the collector.
  if (!extraArgs.includes('--surveys')) extraArgs = ['--surveys', join(ROOT, 'www/demo/surveys.json'), ...extraArgs];
  const dir = mkdtempSync(join(tmpdir(), 'parcours-e2e-'));
  const db = join(dir, 'events.db');
  let { child, url } = await spawnCollector(binary, ['--port', '0', '--db', db, '--www', join(ROOT, 'www'), ...extraArgs]);
  const port = new URL(url).port;
  const exit = async () => {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  };
  return {
    url,
    db,
    /** Stops the process but keeps its database, as a crash or a deploy would. */
    pause: exit,
    /** Starts it again on the same port with the same database. */
    async resume() {
      ({ child } = await spawnCollector(binary, ['--port', port, '--db', db, '--www', join(ROOT, 'www'), ...extraArgs]));
    },
    async stop() {
      await exit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function spawnCollector(binary, args) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('collector did not start: ' + out)), 15000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error('collector exited with ' + code + ': ' + out)));
  });
  child.stdout.resume();
  return { child, url };
}

/** Starts Parcours on a test page (the blank one by default) in `page` and waits until it is ready. */
export async function startOnBlank(page, collector, options = {}, path = '/e2e/blank.html') {
  await page.goto(collector.url + path);
  await page.evaluate((options) => {
    window.ready = new Promise((resolve) => parcours.on('ready', resolve));
    parcours.init(Object.assign({ endpoint: '/v1/batch', capturePageview: false }, options));
    return window.ready;
  }, options);
}

/**
 * An init script for pages whose browser storage is full: IndexedDB puts
 * and Parcours' localStorage writes throw QuotaExceededError, as they do
 * when the disk quota is used up.
 */
export function refuseStorageWrites() {
  const full = () => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  IDBObjectStore.prototype.put = full;
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (String(key).startsWith('parcours.outbox')) full();
    return setItem.call(this, key, value);
  };
}

/** Debian's Chromium; Playwright gives each launch a fresh temporary profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console messages and uncaught page errors. */
export async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.consoleMessages = [];
  page.pageErrors = [];
  page.on('console', (m) => page.consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => page.pageErrors.push(e));
  return page;
}

/** axe-core's violations on the page (shadow roots included), as readable lines. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => !!window.axe))) {
    // Evaluated rather than added as a script tag: the collector's pages
    // refuse inline scripts (Content-Security-Policy), as they should.
    await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') + '\n;0');
  }
  return page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ') + ' (' + n.failureSummary + ')').join(', ')));
}

export async function fetchEvents(collector, query = '') {
  const response = await fetch(`${collector.url}/v1/events?limit=100000&${query}`);
  return (await response.json()).events;
}

/** Polls the collector until `predicate(events)` holds, or fails after `timeout`. */
export async function waitForEvents(collector, query, predicate, timeout = 15000) {
  const start = Date.now();
  let events = [];
  while (Date.now() - start < timeout) {
    events = await fetchEvents(collector, query);
    if (predicate(events)) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for events (${events.length} so far): ${JSON.stringify(events.map((e) => e.name))}`);
}

/**
 * Registers a collector and a browser shared by the tests of one file:
 * `const env = withCollectorAndBrowser();` then `env.collector`, `env.browser`.
 */
export function withCollectorAndBrowser() {
  const env = {};
  before(async () => {
    env.collector = await startCollector();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.collector?.stop();
  });
  return env;
}
