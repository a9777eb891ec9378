// Proof by fault injection: 10,000 events tracked while the collector (or
// the browser) misbehaves, in Debian's Chromium against the real collector
// started with --fault-injection. In every scenario the collector must end
// with exactly the events tracked: none missing, none stored twice. A report
// prints, per scenario, tracked / delivered / duplicates / resent / drain time,
// and is written to test-results/fault-report.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ROOT, startCollector, launchBrowser, fetchEvents, refuseStorageWrites, startOnBlank } from './harness.mjs';

const EVENTS = 10000;
const DRAIN_TIMEOUT_MS = 240000;
const report = [];
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const lines = [
    '| scenario | tracked | delivered | duplicates stored | resent (deduplicated) | time to drain |',
    '|---|---|---|---|---|---|',
    ...report.map((r) => `| ${r.name} | ${r.tracked} | ${r.delivered} | ${r.duplicates} | ${r.resent} | ${(r.drainMs / 1000).toFixed(1)} s |`),
  ];
  console.log('\nFault injection report (10,000 events per scenario)\n' + lines.join('\n'));
  mkdirSync(ROOT + 'test-results', { recursive: true });
  writeFileSync(ROOT + 'test-results/fault-report.md', lines.join('\n') + '\n');
});

async function faults(collector, mode) {
  const response = await fetch(collector.url + '/v1/faults', { method: 'POST', body: JSON.stringify(mode) });
  assert.equal(response.status, 200);
}

async function open(context, collector) {
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(e));
  await startOnBlank(page, collector);
  return page;
}

/** Tracks events numbered from..to-1, in tasks of 500 like a busy page. */
function track(page, from, to) {
  return page.evaluate(
    ({ from, to }) =>
      new Promise((resolve) => {
        let n = from;
        (function burst() {
          for (const end = Math.min(n + 500, to); n < end; n++) parcours.track('fault', { n });
          if (n < to) setTimeout(burst, 0);
          else resolve();
        })();
      }),
    { from, to },
  );
}

/**
 * Runs one scenario: `act({ collector, context, open })` tracks the events
 * (numbered 0..EVENTS-1) and misbehaves; then the collector must drain to
 * exactly those events.
 */
async function scenario(name, act, { initScript } = {}) {
  const collector = await startCollector(['--fault-injection', '--rate-ip', '0']);
  const context = await browser.newContext();
  if (initScript) await context.addInitScript(initScript);
  const started = Date.now();
  try {
    await act({ collector, context, open: () => open(context, collector) });
    let events = [];
    while (Date.now() - started < DRAIN_TIMEOUT_MS) {
      events = await fetchEvents(collector, 'name=fault');
      if (events.length >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const drainMs = Date.now() - started;
    const numbers = new Set(events.map((e) => e.properties.n));
    const stats = await (await fetch(collector.url + '/v1/stats')).json();
    report.push({ name, tracked: EVENTS, delivered: numbers.size, duplicates: events.length - numbers.size, resent: stats.duplicatesReceived, drainMs });
    for (const page of context.pages()) assert.deepEqual(page.pageErrors || [], [], 'nothing thrown into the page');
    const missing = [...Array(EVENTS).keys()].filter((n) => !numbers.has(n));
    assert.equal(numbers.size, EVENTS, `${name}: ${EVENTS - numbers.size} events missing (${missing.slice(0, 10).join(', ')})`);
    assert.equal(events.length, EVENTS, `${name}: ${events.length - numbers.size} events stored twice`);
    assert.equal(stats.droppedBySenders, 0, `${name}: the SDK reported dropping events`);
  } finally {
    await context.close();
    await collector.stop();
  }
}

test('(a) the collector answers 500 to half the requests', () =>
  scenario('a. 500 for half the requests', async ({ collector, open }) => {
    await faults(collector, { mode: 'fail_half' });
    await track(await open(), 0, EVENTS);
  }));

test('(b) the collector answers 429 with Retry-After', () =>
  scenario('b. 429 with Retry-After: 1', async ({ collector, open }) => {
    await faults(collector, { mode: 'rate_limit', retryAfter: 1 });
    await track(await open(), 0, EVENTS);
  }));

test('(c) the collector is stopped for 30 s and restarted', () =>
  scenario('c. collector down 30 s', async ({ collector, open }) => {
    const page = await open();
    await track(page, 0, EVENTS / 2);
    await collector.pause();
    await track(page, EVENTS / 2, EVENTS);
    await new Promise((r) => setTimeout(r, 30000));
    await collector.resume();
  }));

test('(d) the collector hangs past the request timeout', () =>
  scenario('d. hangs 20 s (timeout 15 s)', async ({ collector, open }) => {
    await faults(collector, { mode: 'hang', ms: 20000, count: 1 });
    await track(await open(), 0, EVENTS);
  }));

test('(e) the page is closed in the middle of a burst and reopened', () =>
  scenario('e. page closed mid-burst', async ({ collector, open }) => {
    // Sending is slowed so that much is still waiting when the page closes.
    await faults(collector, { mode: 'fail_half' });
    const first = await open();
    await track(first, 0, EVENTS / 2);
    await first.close({ runBeforeUnload: true });
    await faults(collector, { mode: 'none' });
    const second = await open();
    await track(second, EVENTS / 2, EVENTS);
  }));

test('(f) the browser goes offline and back', () =>
  scenario('f. offline 5 s', async ({ context, open }) => {
    const page = await open();
    await track(page, 0, EVENTS / 2);
    await context.setOffline(true);
    await track(page, EVENTS / 2, EVENTS);
    await new Promise((r) => setTimeout(r, 5000));
    await context.setOffline(false);
  }));

test('(g) three tabs track at once', () =>
  scenario('g. three tabs', async ({ open }) => {
    const tabs = [await open(), await open(), await open()];
    const third = Math.ceil(EVENTS / 3);
    await Promise.all(tabs.map((tab, i) => track(tab, i * third, Math.min((i + 1) * third, EVENTS))));
  }));

test('(h) browser storage is full', () =>
  scenario(
    'h. storage full',
    async ({ open }) => {
      await track(await open(), 0, EVENTS);
    },
    { initScript: refuseStorageWrites },
  ));
