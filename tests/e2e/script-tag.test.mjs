// The SDK as a site owner installs it: the snippet and the script-tag bundle,
// in Debian's Chromium, against the real collector and its SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, fetchEvents, waitForEvents, VERSION, withCollectorAndBrowser } from './harness.mjs';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const env = withCollectorAndBrowser();

test('the demo shop records page views and actions with every required field', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/demo/product.html?utm_source=newsletter`, { waitUntil: 'load' });
  await page.click('button[data-action="add-to-cart"]');
  const events = await waitForEvents(env.collector, '', (evs) => evs.some((e) => e.name === 'Added to Cart'));
  const pageView = events.find((e) => e.type === 'page');
  const added = events.find((e) => e.name === 'Added to Cart');
  assert.ok(pageView, 'a page view is recorded at init');
  for (const event of [pageView, added]) {
    assert.match(event.id, UUID_V7);
    assert.ok(Math.abs(event.ts - Date.now()) < 60000, 'timestamp is now');
    assert.ok(event.visitorId && event.sessionId);
    assert.equal(event.context.page.path, '/demo/product.html');
    assert.equal(event.context.page.url, `${env.collector.url}/demo/product.html?utm_source=newsletter`);
    assert.equal(event.context.page.title, 'Beans · Torréfaction Parcours');
    assert.deepEqual(event.context.library, { name: 'parcours', version: VERSION });
  }
  assert.equal(added.visitorId, pageView.visitorId);
  assert.equal(added.sessionId, pageView.sessionId);
  assert.deepEqual(added.properties, { product: 'ethiopia-guji', price: 14.5, currency: 'EUR' });
  assert.notEqual(added.id, pageView.id);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('calls made before the SDK loaded are replayed in order, with their own time', async () => {
  const page = await openPage(env.browser);
  const before = Date.now();
  await page.goto(`${env.collector.url}/e2e/queued.html`);
  const flushed = await page.evaluate(() => window.flushed);
  assert.deepEqual(flushed, { ok: true, pending: 0 });
  const events = await fetchEvents(env.collector, 'visitor=' + (await page.evaluate(() => parcours.debug().visitorId)));
  assert.deepEqual(events.map((e) => e.type + ':' + e.name), ['page:page_view', 'track:first', 'identify:identify', 'track:second', 'track:third']);
  const ts = events.map((e) => e.ts);
  assert.deepEqual([...ts].sort((a, b) => a - b), ts, 'timestamps follow call order');
  assert.ok(ts[0] >= before - 1000);
  assert.deepEqual(events[3].properties, { n: 2, nested: { ok: true }, list: [1, 2] });
  assert.deepEqual(events[2].traits, { plan: 'pro' });
  assert.equal(events[1].userId, undefined, 'before identify');
  assert.equal(events[3].userId, 'user-7', 'after identify');
  assert.equal(new Set(events.map((e) => e.sessionId)).size, 1);
  await page.context().close();
});

test('the visitor and session survive a reload; reset() starts a new visitor', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/queued.html`);
  await page.evaluate(() => window.flushed);
  const first = await page.evaluate(() => parcours.debug());
  await page.reload();
  await page.evaluate(() => window.flushed);
  const second = await page.evaluate(() => parcours.debug());
  assert.equal(second.visitorId, first.visitorId);
  assert.equal(second.sessionId, first.sessionId);
  assert.equal(second.userId, 'user-7');
  const after = await page.evaluate(async () => {
    parcours.reset();
    parcours.track('after reset');
    await parcours.flush();
    return parcours.debug();
  });
  assert.notEqual(after.visitorId, first.visitorId);
  assert.notEqual(after.sessionId, first.sessionId);
  assert.equal(after.userId, null);
  const events = await fetchEvents(env.collector, 'visitor=' + after.visitorId);
  assert.deepEqual(events.map((e) => e.name), ['after reset']);
  assert.equal(events[0].userId, undefined);
  await page.context().close();
});

test('loading the snippet and the bundle twice records each call once', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/twice.html`);
  await page.waitForFunction(() => window.parcours && window.parcours.debug && window.parcours.debug());
  const visitorId = await page.evaluate(async () => {
    parcours.track('once');
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(events.map((e) => e.name).sort(), ['once', 'page_view']);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('an option error is worded by the diagnostics build, fetched only then; without it the error keeps its code and field', async () => {
  const run = async (blockDiagnostics) => {
    const page = await openPage(env.browser);
    const files = [];
    page.on('request', (r) => files.push(r.url().split('/').pop()));
    if (blockDiagnostics) await page.route('**/dist/parcours-explain.js', (route) => route.abort());
    await page.goto(`${env.collector.url}/e2e/blank.html`);
    const error = await page.evaluate(
      () =>
        new Promise((resolve) => {
          parcours.on('error', (e) => resolve({ code: e.code, field: e.field, message: e.message }));
          parcours.init({ endpoint: '/v1/batch', maxQueueEvents: 5 });
        }),
    );
    await page.context().close();
    return { error, files };
  };
  const worded = await run(false);
  assert.deepEqual(worded.error, {
    code: 'invalid_option',
    field: 'options.maxQueueEvents',
    message: 'options.maxQueueEvents: expected an integer from 10 to 1000000, got 5. Leave it out to use the default',
  });
  assert.ok(worded.files.includes('parcours-explain.js') && worded.files.includes('parcours_explain_bg.wasm'), worded.files.join(' '));
  const unworded = await run(true);
  assert.deepEqual(unworded.error, {
    code: 'invalid_option',
    field: 'options.maxQueueEvents',
    message: 'options.maxQueueEvents: invalid (invalid_option; the explanation could not be loaded)',
  });
  // Valid options never download a word; with debug on, the words come at
  // start, before any error needs them (and a blocked download throws nothing).
  for (const [debug, blocked] of [[false, false], [true, false], [true, true]]) {
    const page = await openPage(env.browser);
    const files = [];
    page.on('request', (r) => files.push(r.url().split('/').pop()));
    if (blocked) await page.route('**/dist/parcours-explain.js', (route) => route.abort());
    await page.goto(`${env.collector.url}/e2e/blank.html`);
    await page.evaluate(([debug, blocked]) => new Promise((resolve) => {
      parcours.on('ready', resolve);
      // With the diagnostics blocked, an unknown option is still named plainly.
      parcours.init(Object.assign({ endpoint: '/v1/batch', debug }, blocked ? { colour: 'blue' } : {}));
    }), [debug, blocked]);
    await page.waitForTimeout(500);
    if (blocked) assert.ok(page.consoleMessages.some((m) => m.text.includes('options.colour is not a Parcours option and was ignored')), JSON.stringify(page.consoleMessages));
    assert.equal(files.includes('parcours-explain.js'), debug, `debug ${debug}: ${files.join(' ')}`);
    assert.equal(files.includes('parcours_explain_bg.wasm'), debug && !blocked, `debug ${debug}, blocked ${blocked}: ${files.join(' ')}`);
    assert.deepEqual(page.pageErrors, [], 'nothing thrown or left unhandled in the page');
    await page.context().close();
  }
});

test('when the wasm cannot be loaded, flush() settles at once and says nothing was sent', async () => {
  const page = await openPage(env.browser);
  await page.route('**/dist/parcours_bg.wasm', (route) => route.abort());
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const outcome = await page.evaluate(async () => {
    const error = new Promise((resolve) => parcours.on('error', (e) => resolve(e.code)));
    parcours.init({ endpoint: '/v1/batch', capturePageview: false });
    parcours.track('kept');
    const waiting = parcours.flush(); // called while the wasm is still on its way
    const timeout = new Promise((resolve) => setTimeout(() => resolve('no answer within 3 s'), 3000));
    return { code: await error, waiting: await Promise.race([waiting, timeout]), after: await Promise.race([parcours.flush(), timeout]) };
  });
  assert.equal(outcome.code, 'load_failed');
  assert.deepEqual(outcome.waiting, { ok: false, pending: 1 }, 'the call is kept for a later init()');
  assert.deepEqual(outcome.after, { ok: false, pending: 1 });
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a call the core refuses is worded by the diagnostics build, fetched for it, and nothing else is lost', async () => {
  const page = await openPage(env.browser);
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const outcome = await page.evaluate(async () => {
    const errors = [];
    parcours.on('error', (e) => errors.push({ code: e.code, field: e.field, message: e.message }));
    parcours.init({ endpoint: '/v1/batch', capturePageview: false });
    parcours.track('n'.repeat(201)); // the core's limit: 200 characters
    parcours.register({ big: 'x'.repeat(9000) }); // super properties past 8192 bytes
    parcours.track('kept');
    await parcours.flush();
    for (let i = 0; i < 50 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    return { errors, visitorId: parcours.debug().visitorId };
  });
  // The shipped build says code, field and reason; the diagnostics build has the words.
  assert.deepEqual(outcome.errors, [
    { code: 'invalid_call', field: 'name', message: "name: must be a non-empty string of at most 200 characters. Name events like 'Signed Up' or 'checkout_started'" },
    { code: 'invalid_call', field: 'properties', message: 'properties: would make the super properties longer than 8192 bytes of JSON. unregister(name) removes one' },
  ]);
  assert.ok(fetched.some((p) => p.endsWith('/parcours_explain_bg.wasm')), 'the words were fetched: ' + fetched.join(' '));
  const text = page.consoleMessages.map((m) => m.text).join('\n');
  assert.match(text, /name: must be a non-empty string of at most 200 characters/);
  const events = await waitForEvents(env.collector, 'visitor=' + outcome.visitorId, (evs) => evs.length >= 1);
  assert.deepEqual(events.map((e) => [e.name, e.properties]), [['kept', undefined]], 'the refused calls changed nothing');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('bad arguments warn with the fix and never throw into the page', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const outcome = await page.evaluate(async () => {
    const errors = [];
    parcours.on('error', (e) => errors.push({ code: e.code, field: e.field, isError: e instanceof Error }));
    parcours.init({ endpoint: '/v1/batch', flushAt: 'ten' });
    await new Promise((r) => setTimeout(r, 500));
    const circular = {};
    circular.self = circular;
    let threw = false;
    try {
      parcours.track(42);
      parcours.track('circular', circular);
      parcours.track('list', [1, 2]);
      parcours.identify({});
      parcours.on('ready', 'not a function');
    } catch (e) {
      threw = true;
    }
    // A corrected init starts the SDK; the calls above were refused, not queued.
    parcours.init({ endpoint: '/v1/batch', flushinterval: 100 });
    parcours.track('valid');
    const flushed = await parcours.flush();
    return { errors, threw, flushed, visitorId: parcours.debug().visitorId };
  });
  assert.equal(outcome.threw, false);
  assert.deepEqual(outcome.errors, [{ code: 'invalid_option', field: 'options.flushAt', isError: true }]);
  const text = page.consoleMessages.map((m) => m.text).join('\n');
  assert.match(text, /options\.flushAt: expected an integer from 1 to 1000, got "ten"/);
  assert.match(text, /track\(name, properties\?\): name must be a non-empty string; got number/);
  assert.match(text, /track\("circular"\) properties could not be serialised/);
  assert.match(text, /track\("list"\) properties must be a plain object; got an array/);
  assert.match(text, /identify\(userId, traits\?\): userId must be a non-empty string/);
  // An unknown option is worded by the diagnostics build, fetched for it.
  for (let i = 0; i < 50 && !page.consoleMessages.some((m) => m.text.includes('did you mean')); i++) await page.waitForTimeout(100);
  const warned = page.consoleMessages.map((m) => m.text).join('\n');
  assert.match(warned, /options\.flushinterval is not a Parcours option and was ignored \(did you mean flushInterval\?\)/);
  assert.deepEqual(outcome.flushed, { ok: true, pending: 0 });
  const events = await fetchEvents(env.collector, 'visitor=' + outcome.visitorId);
  assert.deepEqual(events.map((e) => e.name), ['page_view', 'valid']);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('events wait while the collector answers 5xx, then arrive once it recovers', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  let failures = 2;
  await page.route('**/v1/batch', (route) => (failures-- > 0 ? route.fulfill({ status: 503, headers: { 'Retry-After': '0' }, body: 'down' }) : route.continue()));
  const visitorId = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', flushInterval: 100 });
    parcours.track('kept through failures');
    await new Promise((r) => parcours.on('ready', r));
    return parcours.debug().visitorId;
  });
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length === 2, 20000);
  assert.deepEqual(events.map((e) => e.name), ['page_view', 'kept through failures']);
  assert.ok(failures < 0, 'the failing answers were really given');
  await page.context().close();
});

test('each call records the URL it was made on, even when the app navigates in the same task', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const visitorId = await page.evaluate(async () => {
    // Page views by hand here (automatic SPA page views are tested in autocapture.test.mjs).
    parcours.init({ endpoint: '/v1/batch', capturePageview: false, captureSpaPageviews: false, keepQueryParams: ['plan'] });
    await new Promise((r) => parcours.on('ready', r));
    // A router that reaches the (wrapped) history API, all in one task:
    parcours.track('on start');
    history.pushState({}, '', '/e2e/spa/pricing?plan=pro');
    parcours.page();
    history.replaceState({}, '', '/e2e/spa/pricing#faq');
    parcours.track('on faq');
    history.back();
    await new Promise((r) => addEventListener('popstate', r, { once: true }));
    parcours.track('after back');
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(
    events.map((e) => [e.name, e.context.page.url.replace(env.collector.url, '')]),
    [
      ['on start', '/e2e/blank.html'],
      ['page_view', '/e2e/spa/pricing?plan=pro'],
      ['on faq', '/e2e/spa/pricing#faq'],
      ['after back', '/e2e/blank.html'],
    ],
  );
  assert.equal(events[1].context.page.referrer, `${env.collector.url}/e2e/blank.html`, 'an in-app navigation has the previous URL as referrer');
  await page.context().close();
});

test('a changed copy of the bundle or of its wasm is refused by Subresource Integrity', async () => {
  // Each page loads the builds for what it defines: the demo surveys, queued.html
  // neither, destinations.html destinations (and surveys with ?surveys).
  const pages = {
    'parcours.js': '/demo/index.html',
    'parcours_surveys_bg.wasm': '/demo/index.html',
    'parcours-surveys.js': '/demo/index.html',
    'parcours_bg.wasm': '/e2e/queued.html',
    'parcours_destinations_bg.wasm': '/e2e/destinations.html',
    'parcours-destinations.js': '/e2e/destinations.html',
    'parcours_full_bg.wasm': '/e2e/destinations.html?surveys',
  };
  const recordedOn = async (path) => (await fetchEvents(env.collector, '')).filter((e) => e.context?.page?.path === path.split('?')[0]).length;
  for (const [file, path] of Object.entries(pages)) {
    const before = await recordedOn(path); // other tests visit these pages too
    const page = await openPage(env.browser);
    // As a compromised CDN would: the same file with one byte changed.
    await page.route(`**/dist/${file}`, async (route) => {
      const response = await route.fetch();
      const body = await response.body();
      body[body.length - 2] ^= 1;
      await route.fulfill({ response, body });
    });
    await page.goto(env.collector.url + path, { waitUntil: 'load' });
    await page.waitForTimeout(500);
    const state = await page.evaluate(() => ({ loaded: !!window.parcours.__parcours, first: window.parcours._q?.[0]?.[0] }));
    const integrityErrors = page.consoleMessages.filter((m) => /integrity|load_failed/i.test(m.text));
    assert.ok(integrityErrors.length > 0, `${file}: the browser or Parcours says why it did not start: ${JSON.stringify(page.consoleMessages)}`);
    if (file === 'parcours.js') assert.deepEqual(state, { loaded: false, first: 'init' }, 'the changed bundle never ran; the snippet still holds the calls');
    assert.deepEqual(page.pageErrors, [], `${file}: nothing thrown into the page`);
    assert.equal(await recordedOn(path), before, `${file}: nothing recorded by an unverified SDK`);
    await page.context().close();
  }
});
