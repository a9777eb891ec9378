// Destinations in Chromium: one page sends to the collector, a strict
// Segment stand-in, a strict Snowplow stand-in and a site's own transport
// at once. Every event reaches each, in each backend's format; a failing
// backend holds up none of the others and gets its events once it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, startCollector, waitForEvents } from './harness.mjs';
import { startBackend, validateSegment, validateSnowplow } from './backends.mjs';

const env = {};
before(async () => {
  env.collector = await startCollector();
  env.browser = await launchBrowser();
  env.segment = await startBackend(validateSegment);
  env.snowplow = await startBackend(validateSnowplow);
});
after(async () => {
  await env.browser?.close();
  await env.collector?.stop();
  await env.segment?.stop();
  await env.snowplow?.stop();
});

/** A fresh visitor on a blank page with the three destinations and a transport of the site's own. */
async function start() {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/blank.html');
  await page.evaluate(
    ({ segment, snowplow }) => {
      window.viaTransport = [];
      window.flushes = [];
      parcours.on('flush', (f) => window.flushes.push(f));
      window.ready = new Promise((resolve) => parcours.on('ready', resolve));
      parcours.init({
        endpoint: '/v1/batch',
        flushInterval: 200,
        capturePageview: false,
        destinations: [
          { type: 'segment', writeKey: 'wk_test', url: segment + '/v1/batch' },
          { type: 'snowplow', url: snowplow, appId: 'shop' },
          { id: 'mine', type: 'webhook', url: 'https://hooks.invalid/in', envelope: { site: 'shop', items: '$events' },
            // The site's own code: drops one event, sends the rest itself.
            transform: (event) => (event.name === 'Private' ? null : event),
            transport: (request) => { window.viaTransport.push(JSON.parse(request.body)); return Promise.resolve({ status: 200 }); } },
          // GA4 through a transport too (no network here): its encoder renames events, and says so.
          { type: 'ga4', measurementId: 'G-TEST', apiSecret: 's', transport: (request) => { window.viaGa4 = (window.viaGa4 || []).concat(request); return Promise.resolve(); } },
          { type: 'posthog' }, // no apiKey: refused, reported, the others work
        ],
      });
      return window.ready;
    },
    { segment: env.segment.url, snowplow: env.snowplow.url },
  );
  return page;
}

const names = ['Viewed Plan', 'Added to Cart', 'Private', 'Order Completed'];

test('every event reaches the collector, Segment, Snowplow and the site transport, each in its own format', async () => {
  const page = await start();
  const errors = page.consoleMessages.filter((m) => m.type === 'error').map((m) => m.text);
  assert.ok(errors.some((e) => e.includes('options.destinations[4].apiKey')), 'the bad destination is named: ' + errors);
  for (const name of names) await page.evaluate((name) => parcours.track(name, { plan: 'pro' }), name);
  await page.evaluate(() => parcours.identify('u-1', { plan: 'pro' }));
  await page.evaluate(() => parcours.flush());
  const visitor = await page.evaluate(() => parcours.debug().visitorId);
  const stored = await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.length >= 5);
  const ids = stored.map((e) => e.id).sort();
  const wait = async (what, count) => {
    for (let i = 0; i < 100 && count() < ids.length - (what === 'transport' ? 1 : 0); i++) await page.waitForTimeout(100);
  };
  const segmentIds = () => env.segment.received.flatMap((r) => r.body.batch).filter((m) => m.anonymousId === visitor).map((m) => m.messageId);
  const snowplowIds = () => env.snowplow.received.flatMap((r) => r.body.data).filter((p) => p.duid === visitor).map((p) => p.eid);
  const transported = async () => (await page.evaluate(() => window.viaTransport)).flatMap((b) => b.items);
  await wait('segment', () => segmentIds().length);
  await wait('snowplow', () => snowplowIds().length);
  assert.deepEqual(segmentIds().sort(), ids, 'Segment: every event, by messageId');
  assert.deepEqual(snowplowIds().sort(), ids, 'Snowplow: every event, by eid');
  assert.deepEqual(env.segment.refused.concat(env.snowplow.refused), [], 'both stand-ins accepted every request');
  const viaTransport = await page.evaluate(() => window.viaTransport);
  assert.equal(viaTransport[0].site, 'shop', 'the envelope of the webhook');
  assert.deepEqual((await transported()).map((e) => e.name).sort(), ['Added to Cart', 'Order Completed', 'Viewed Plan', 'identify'], 'transform dropped "Private"');
  const identify = env.segment.received.flatMap((r) => r.body.batch).find((m) => m.type === 'identify' && m.anonymousId === visitor);
  assert.deepEqual([identify.userId, identify.traits.plan], ['u-1', 'pro']);
  // What an encoder cut for its backend is in that destination's flush event.
  await page.waitForFunction(() => window.flushes.some((f) => f.destination === 'ga4'));
  const flushes = await page.evaluate(() => window.flushes);
  const ga4 = flushes.filter((f) => f.destination === 'ga4').flatMap((f) => f.notes);
  assert.ok(ga4.some((n) => n.includes('("Order Completed") is named "Order_Completed_3935a2" in GA4')), JSON.stringify(ga4));
  assert.deepEqual(flushes.filter((f) => f.destination === 'segment').flatMap((f) => f.notes), [], 'Segment took every event as it was');
  const request = (await page.evaluate(() => window.viaGa4))[0];
  assert.match(request.url, /\/mp\/collect\?measurement_id=G-TEST&api_secret=s$/);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a failing destination holds up none of the others and gets its events once it is back', async () => {
  env.segment.fail = 500;
  const page = await start();
  const visitor = await page.evaluate(() => parcours.debug().visitorId);
  const startedAt = Date.now();
  for (const name of names) await page.evaluate((name) => parcours.track(name), name);
  await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.length === names.length, 5000);
  const snowplowed = () => env.snowplow.received.flatMap((r) => r.body.data).filter((p) => p.duid === visitor).length;
  for (let i = 0; i < 50 && snowplowed() < names.length; i++) await page.waitForTimeout(100);
  assert.equal(snowplowed(), names.length, 'Snowplow got every event while Segment failed');
  assert.ok(Date.now() - startedAt < 8000, 'without waiting for Segment');
  const segmented = () => env.segment.received.flatMap((r) => r.body.batch).filter((m) => m.anonymousId === visitor).length;
  assert.equal(segmented(), 0);
  env.segment.fail = 0; // back: the events waited in its outbox
  for (let i = 0; i < 300 && segmented() < names.length; i++) await page.waitForTimeout(100);
  assert.equal(segmented(), names.length, 'Segment got them after its backoff');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a backend that fails the middle request of a split batch gets every event exactly once after the retry', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/blank.html');
  const received = await page.evaluate(async () => {
    const received = [];
    let requests = 0;
    window.ready = new Promise((resolve) => parcours.on('ready', resolve));
    parcours.init({
      endpoint: '/v1/batch',
      flushInterval: 100000,
      capturePageview: false,
      destinations: [{
        type: 'ga4', measurementId: 'G-TEST', apiSecret: 's',
        // GA4 takes one user a request: three users make three requests; the second fails once.
        transport: (request) => {
          requests++;
          if (requests === 2) return Promise.resolve({ status: 500 });
          for (const e of JSON.parse(request.body).events) received.push(e.params.n === undefined ? e.name + ':' + JSON.parse(request.body).user_id : e.params.n);
          return Promise.resolve({ status: 204 });
        },
      }],
    });
    await window.ready;
    let n = 0;
    for (const user of ['u1', 'u2', 'u3']) {
      parcours.identify(user);
      for (let i = 0; i < 3; i++) parcours.track('Viewed', { n: n++ });
    }
    await parcours.flush();
    for (let i = 0; i < 100 && received.length < 12; i++) await new Promise((r) => setTimeout(r, 100));
    return { received, requests };
  });
  const numbers = received.received.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  assert.deepEqual(numbers, [0, 1, 2, 3, 4, 5, 6, 7, 8], 'every event once: ' + JSON.stringify(received));
  assert.deepEqual(received.received.filter((x) => typeof x === 'string').sort(), ['identify:u1', 'identify:u2', 'identify:u3']);
  assert.equal(received.requests, 4, 'three requests, then again only the failed one and the one that waited after it');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('each page loads the build for what it defines, and the destinations kit only with destinations', async () => {
  const load = async (path) => {
    const page = await openPage(env.browser);
    const files = [];
    page.on('request', (r) => files.push(r.url().split('/').pop()));
    await page.goto(env.collector.url + path);
    await page.waitForFunction(() => window.sent && window.sent.length > 0);
    const sent = await page.evaluate(() => window.sent.map((r) => JSON.parse(r.body).events.map((e) => e.name)).flat());
    await page.context().close();
    return { files: files.filter((f) => /\.wasm$|^parcours-/.test(f)).sort(), sent };
  };
  // Valid options: nothing to explain, so the diagnostics build is never fetched.
  const destinationsOnly = await load('/e2e/destinations.html');
  assert.deepEqual(destinationsOnly.files, ['parcours-destinations.js', 'parcours_destinations_bg.wasm']);
  assert.ok(destinationsOnly.sent.includes('Page Opened'));
  const both = await load('/e2e/destinations.html?surveys');
  assert.deepEqual(both.files, ['parcours-destinations.js', 'parcours-surveys.js', 'parcours_full_bg.wasm']);
});
