// Delivery as visitors meet it: an unreachable collector, several tabs,
// going offline, storage that refuses writes; in Debian's Chromium against
// the real collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { openPage, fetchEvents, waitForEvents, withCollectorAndBrowser, refuseStorageWrites, startOnBlank } from './harness.mjs';

const env = withCollectorAndBrowser();

/** Starts Parcours on a blank page, sending after 200 ms rather than 5 s. */
const startOn = (page, options = {}) => startOnBlank(page, env.collector, { flushInterval: 200, ...options });

function track(page, name, count, from = 0) {
  return page.evaluate(
    ({ name, count, from }) => {
      for (let i = from; i < from + count; i++) parcours.track(name, { n: i });
    },
    { name, count, from },
  );
}

/** Asserts the collector holds events `name` numbered 0..count-1, each once. */
async function expectExactlyOnce(name, count) {
  const events = await waitForEvents(env.collector, 'name=' + encodeURIComponent(name), (evs) => evs.length >= count, 30000);
  const numbers = events.map((e) => e.properties.n).sort((a, b) => a - b);
  assert.equal(events.length, count, `${name}: ${events.length} stored for ${count} tracked`);
  assert.deepEqual(numbers, [...Array(count).keys()], `${name}: every event once`);
}

test('events tracked while the collector is unreachable are sent on the next visit', async () => {
  const context = await env.browser.newContext();
  const first = await context.newPage();
  await first.route('**/v1/batch', (route) => route.abort('connectionrefused'));
  await startOn(first);
  await track(first, 'unreachable', 50);
  await first.evaluate(() => parcours.flush());
  await first.waitForTimeout(300); // written to IndexedDB, sending failed
  // Offline as the tab closes: page hide would otherwise deliver them at once.
  await context.setOffline(true);
  await first.close();
  await context.setOffline(false);
  assert.equal((await fetchEvents(env.collector, 'name=unreachable')).length, 0, 'nothing got through');

  const next = await context.newPage();
  await startOn(next);
  await expectExactlyOnce('unreachable', 50);
  await context.close();
});

test('three tabs track at once: one sends, every event arrives once, none is sent twice', async () => {
  const context = await env.browser.newContext();
  const tabs = await Promise.all([0, 1, 2].map(() => context.newPage()));
  for (const tab of tabs) await startOn(tab);
  const before = await (await fetch(env.collector.url + '/v1/stats')).json();
  await Promise.all(tabs.map((tab, i) => track(tab, 'three-tabs', 300, i * 300)));
  await expectExactlyOnce('three-tabs', 900);
  const roles = await Promise.all(tabs.map((tab) => tab.evaluate(() => parcours.debug().sender)));
  assert.deepEqual(roles.filter(Boolean).length, 1, `one sending tab: ${roles}`);
  const after = await (await fetch(env.collector.url + '/v1/stats')).json();
  assert.equal(after.duplicatesReceived - before.duplicatesReceived, 0, 'no event reached the collector twice');

  // The sending tab closes: another takes over and sends what the others track.
  await tabs[roles.indexOf(true)].close();
  const rest = tabs.filter((_, i) => !roles[i]);
  await track(rest[0], 'after-sender-closed', 40);
  await expectExactlyOnce('after-sender-closed', 40);
  await context.close();
});

test('without Web Locks a lease in localStorage elects one sender, and every event arrives once', async () => {
  const context = await env.browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  const tabs = await Promise.all([0, 1].map(() => context.newPage()));
  for (const tab of tabs) await startOn(tab);
  await Promise.all(tabs.map((tab, i) => track(tab, 'lease-tabs', 200, i * 200)));
  await expectExactlyOnce('lease-tabs', 400);
  const roles = await Promise.all(tabs.map((tab) => tab.evaluate(() => parcours.debug().sender)));
  assert.equal(roles.filter(Boolean).length, 1, `one sending tab: ${roles}`);
  await context.close();
});

test('offline: nothing is attempted, and sending resumes when the browser is back online', async () => {
  const context = await env.browser.newContext();
  const tab = await context.newPage();
  await startOn(tab);
  let attempts = 0;
  tab.on('request', (request) => request.url().endsWith('/v1/batch') && attempts++);
  await context.setOffline(true);
  await track(tab, 'offline', 30);
  await tab.waitForTimeout(1500);
  assert.equal(attempts, 0, 'no request while offline');
  await context.setOffline(false);
  await expectExactlyOnce('offline', 30);
  await context.close();
});

test('storage that refuses writes degrades to memory with a warning and loses nothing', async () => {
  const page = await openPage(env.browser);
  await page.addInitScript(refuseStorageWrites);
  await startOn(page);
  await track(page, 'storage-full', 200);
  await expectExactlyOnce('storage-full', 200);
  assert.ok(page.consoleMessages.some((m) => m.type === 'warning' && /storage refused the outbox/.test(m.text)), 'the console says why');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a clock stepped back while the page tracks keeps the events in the order tracked', async () => {
  const page = await openPage(env.browser);
  const bodies = [];
  page.on('request', (request) => request.url().endsWith('/v1/batch') && bodies.push(request.postDataBuffer()));
  await startOn(page);
  await page.evaluate(() => {
    parcours.track('stepped-clock', { n: 0 });
    // The system's time sync steps the clock back 2 s, as a VM's may.
    const now = Date.now;
    Date.now = () => now() - 2000;
    for (let n = 1; n < 20; n++) parcours.track('stepped-clock', { n });
    return new Promise((resolve) => setTimeout(() => ((Date.now = now), resolve()), 0));
  });
  await page.evaluate(() => parcours.flush());
  await expectExactlyOnce('stepped-clock', 20);
  const read = (body) => JSON.parse(body[0] === 0x1f ? gunzipSync(body).toString() : body.toString());
  const sent = bodies.flatMap((body) => read(body).events.filter((e) => e.name === 'stepped-clock').map((e) => e.properties.n));
  assert.deepEqual(sent, [...Array(20).keys()], 'sent in the order tracked');
  await page.context().close();
});

test('batches go gzipped, in order, under the byte limit', async () => {
  const page = await openPage(env.browser);
  const bodies = [];
  page.on('request', (request) => request.url().endsWith('/v1/batch') && bodies.push(request.postDataBuffer()));
  await startOn(page, { maxBatchBytes: 20000 });
  await track(page, 'gzipped', 300);
  await page.evaluate(() => parcours.flush());
  await expectExactlyOnce('gzipped', 300);
  assert.ok(bodies.length >= 2, `${bodies.length} batches`);
  for (const body of bodies) {
    assert.deepEqual([body[0], body[1]], [0x1f, 0x8b], 'a gzip body');
    assert.ok(body.length < 20000, `${body.length} bytes on the wire`);
  }
  const sent = bodies.flatMap((body) => JSON.parse(gunzipSync(body).toString()).events.map((e) => e.properties.n));
  assert.deepEqual(sent, [...Array(300).keys()], 'sent in the order tracked, each once');
  await page.context().close();
});
