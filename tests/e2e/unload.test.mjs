// Nothing lost at the last moment: a visitor who calls track() and leaves
// for another site in the same task, a tab closed in the middle of a burst.
// In Debian's Chromium against the real collector; every scenario runs 20
// times and must deliver every event each time. A report prints the
// figures and is written to test-results/unload-report.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ROOT, startCollector, launchBrowser, fetchEvents, startOnBlank } from './harness.mjs';

const RUNS = 20;
const EVENTS = 50;
const WITHIN_MS = 3000;
const report = [];
let collector;
let browser;
let elsewhere; // another site, where the visitor goes

before(async () => {
  collector = await startCollector(['--rate-ip', '0']);
  browser = await launchBrowser();
  const server = createServer((request, response) => response.end('<!doctype html><title>Elsewhere</title><p>another site'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  elsewhere = { url: 'http://127.0.0.1:' + server.address().port + '/', close: () => server.close() };
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  elsewhere?.close();
  const lines = ['| scenario | runs | complete within 3 s | events at 3 s (min / median) | time to all (median / max) |', '|---|---|---|---|---|', ...report];
  console.log('\nPage-hide delivery report\n' + lines.join('\n'));
  mkdirSync(ROOT + 'test-results', { recursive: true });
  writeFileSync(ROOT + 'test-results/unload-report.md', lines.join('\n') + '\n');
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Polls until `name` has `count` events or `WITHIN_MS` passed since `from`; the count and when it was reached. */
async function arrivals(name, from) {
  let events = [];
  while (Date.now() - from < WITHIN_MS) {
    events = await fetchEvents(collector, 'name=' + name);
    if (events.length >= EVENTS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const numbers = events.map((e) => e.properties.n).sort((a, b) => a - b);
  assert.deepEqual(numbers, [...new Set(numbers)], name + ': no event stored twice');
  return { count: events.length, ms: Date.now() - from };
}

/** 50 track() calls and a navigation to another site, in one task. */
function trackAndLeave(page, name, to) {
  return page.evaluate(
    ({ name, count, to }) => {
      for (let n = 0; n < count; n++) parcours.track(name, { n });
      location.href = to;
    },
    { name, count: EVENTS, to },
  );
}

/**
 * Runs `leave(name, context)` RUNS times, each in a fresh browser context
 * (closed once the events are counted: closing it at once could cut a
 * keepalive request short, which no visitor's browser does); each run must
 * see all its events at the collector within 3 s.
 */
async function scenario(title, leave) {
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    const name = 'unload-' + title.replace(/\W+/g, '-') + '-' + run;
    const context = await browser.newContext();
    const from = await leave(name, context);
    results.push(await arrivals(name, from));
    await context.close();
  }
  const complete = results.filter((r) => r.count === EVENTS).length;
  const counts = results.map((r) => r.count);
  const times = results.filter((r) => r.count === EVENTS).map((r) => r.ms);
  report.push(`| ${title} | ${RUNS} | ${complete} of ${RUNS} | ${Math.min(...counts)} / ${median(counts)} | ${times.length ? median(times) + ' / ' + Math.max(...times) + ' ms' : '-'} |`);
  assert.equal(complete, RUNS, `${title}: ${EVENTS} events at the collector within 3 s in every run (got ${counts.join(', ')})`);
}

test('50 calls then leaving for another site: all 50 at the backend within 3 s, every run', async () => {
  await scenario('alone', async (name, context) => {
    const page = await context.newPage();
    await startOnBlank(page, collector);
    const from = Date.now();
    await trackAndLeave(page, name, elsewhere.url);
    await page.waitForURL(elsewhere.url);
    return from;
  });
});

test('the same with a second tab of the site open (the leaving tab only writes)', async () => {
  await scenario('second tab open', async (name, context) => {
    const first = await context.newPage();
    await startOnBlank(first, collector);
    const page = await context.newPage();
    await startOnBlank(page, collector);
    const from = Date.now();
    await trackAndLeave(page, name, elsewhere.url);
    await page.waitForURL(elsewhere.url);
    return from; // the first tab stays open until the events are counted
  });
});

test('the same with a batch in flight at the moment of leaving', async () => {
  await scenario('batch in flight', async (name, context) => {
    const page = await context.newPage();
    await startOnBlank(page, collector, { flushAt: 10 });
    // The first batch gets no answer: it is still in flight when the visitor leaves.
    let held = false;
    await page.route('**/v1/batch', (route) => {
      if (held) return route.continue();
      held = true; // never answered; the navigation cancels it
    });
    const inFlight = page.waitForRequest((r) => r.url().endsWith('/v1/batch'));
    await page.evaluate((name) => {
      for (let n = 0; n < 10; n++) parcours.track(name, { n });
    }, name);
    await inFlight;
    const from = Date.now();
    await page.evaluate(
      ({ name, count, to }) => {
        for (let n = 10; n < count; n++) parcours.track(name, { n });
        location.href = to;
      },
      { name, count: EVENTS, to: elsewhere.url },
    );
    await page.waitForURL(elsewhere.url);
    return from;
  });
});

test('a tab closed mid-burst: a third tab\'s flush() resolves once every event has arrived, none stored twice', async () => {
  const results = [];
  for (let round = 0; round < RUNS; round++) {
    const name = 'closed-tab-' + round;
    const context = await browser.newContext();
    const staying = await context.newPage();
    await startOnBlank(staying, collector);
    const closing = await context.newPage();
    await startOnBlank(closing, collector);
    // The closing tab tracks in tasks of 250 calls with short pauses, as a
    // busy page does, and counts each finished task in localStorage
    // (synchronous, shared with the other tabs). A task the browser cuts
    // short when the tab closes is not counted: that is a crash, not a call.
    const burst = closing.evaluate((name) => {
      let n = 0;
      (function more() {
        for (const end = n + 250; n < end; n++) parcours.track(name, { n, tab: 'closing' });
        localStorage.setItem('test.tracked', String(n));
        // At most 4,000: under the outbox's 10,000 even on a slow machine.
        if (n < 4000) setTimeout(more, 10);
      })();
    }, name);
    await burst;
    await staying.evaluate((name) => {
      for (let n = 0; n < 100; n++) parcours.track(name, { n, tab: 'staying' });
    }, name);
    await closing.waitForTimeout(30 + (round % 5) * 20); // a few tasks of the burst, different each round
    await closing.close({ runBeforeUnload: false });
    const third = await context.newPage();
    await startOnBlank(third, collector);
    const started = Date.now();
    const answer = await third.evaluate(() => parcours.flush());
    const waited = Date.now() - started;
    const tracked = Number(await third.evaluate(() => localStorage.getItem('test.tracked')));
    const events = await fetchEvents(collector, 'name=' + name);
    const closingNs = events.filter((e) => e.properties.tab === 'closing').map((e) => e.properties.n).sort((a, b) => a - b);
    const stayingCount = events.filter((e) => e.properties.tab === 'staying').length;
    results.push({ tracked, arrived: closingNs.length, waited, answer });
    assert.deepEqual(answer, { ok: true, pending: 0 }, `round ${round}: flush() answers ${JSON.stringify(answer)}`);
    assert.equal(stayingCount, 100, `round ${round}: the staying tab's events`);
    assert.deepEqual(closingNs.slice(0, tracked), [...Array(tracked).keys()], `round ${round}: the closed tab tracked ${tracked}, ${closingNs.length} arrived (each once) when flush() resolved`);
    assert.equal(new Set(closingNs).size, closingNs.length, `round ${round}: none stored twice`);
    const left = await staying.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parcours.outbox.')).length);
    assert.ok(left <= 1000, `round ${round}: ${left} spilled records in localStorage (at most 1000)`);
    await context.close();
  }
  const tracked = results.map((r) => r.tracked);
  report.push(`| tab closed mid-burst, flush() in a third tab | ${RUNS} | ${results.length} of ${RUNS} complete when flush() resolved | ${Math.min(...tracked)}–${Math.max(...tracked)} tracked by the closed tab | flush() waited ${median(results.map((r) => r.waited))} / ${Math.max(...results.map((r) => r.waited))} ms |`);
});
