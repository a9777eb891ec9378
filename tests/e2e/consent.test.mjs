// Consent and privacy signals: nothing on the wire and nothing in storage
// before consent is granted; denied erases what was stored; Global Privacy
// Control set by the browser denies analytics unless the site opts out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, fetchEvents, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

/** What Parcours keeps in the browser: localStorage keys and IndexedDB databases. */
const storedKeys = (page) =>
  page.evaluate(async () => {
    const databases = (await indexedDB.databases()).map((d) => 'indexedDB:' + d.name);
    return [...Object.keys(localStorage), ...databases].filter((k) => /^(indexedDB:)?parcours/.test(k)).sort();
  });

/**
 * The stored keys once they equal `expected`, or after 2 s: deleting the
 * IndexedDB outbox waits for a connection still opening to close.
 */
async function keysOnceErased(page, expected) {
  let keys = await storedKeys(page);
  for (let i = 0; i < 40 && JSON.stringify(keys) !== JSON.stringify(expected); i++) {
    await page.waitForTimeout(50);
    keys = await storedKeys(page);
  }
  return keys;
}

test('pending consent holds calls in memory; granted sends them with their own times', async () => {
  const page = await openPage(env.browser);
  const requests = [];
  page.on('request', (r) => r.url().includes('/v1/batch') && requests.push(r.url()));
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const calledAt = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', consent: 'pending', flushInterval: 100 });
    const at = Date.now();
    parcours.track('before consent', { n: 1 });
    await new Promise((r) => parcours.on('ready', r));
    return at;
  });
  await page.waitForTimeout(800);
  assert.deepEqual(requests, [], 'nothing on the wire while pending');
  assert.deepEqual(await storedKeys(page), [], 'nothing in storage while pending');
  assert.deepEqual(await page.evaluate(() => parcours.flush()), { ok: false, pending: 2 });

  const visitorId = await page.evaluate(async () => {
    parcours.consent('granted');
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length === 2);
  assert.deepEqual(events.map((e) => e.name), ['page_view', 'before consent']);
  assert.ok(events[1].ts >= calledAt && events[1].ts < calledAt + 500, 'recorded with the time of the call');
  assert.ok((await storedKeys(page)).includes('parcours.vid'), 'the visitor id is stored once granted');
});

test('denied drops what was held, stops recording and erases what Parcours stored', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const visitorId = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch' });
    await new Promise((r) => parcours.on('ready', r));
    parcours.track('while granted');
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  assert.ok((await storedKeys(page)).includes('indexedDB:parcours'), 'the outbox is in IndexedDB');
  assert.ok((await storedKeys(page)).length >= 4);
  const after = await page.evaluate(async () => {
    parcours.consent('denied');
    parcours.track('after denial');
    history.pushState({}, '', '/e2e/after-denial'); // no page view: listeners are gone
    document.body.insertAdjacentHTML('beforeend', '<button id="t" data-parcours-touchpoint="t">t</button>');
    document.getElementById('t').click();
    return parcours.flush();
  });
  assert.deepEqual(after, { ok: true, pending: 0 });
  await page.waitForTimeout(200); // deleting a database completes asynchronously
  assert.deepEqual(await keysOnceErased(page, []), [], 'storage erased, the outbox database too');
  await page.waitForTimeout(500);
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(events.map((e) => e.name), ['page_view', 'while granted']);
});

test('Global Privacy Control denies analytics unless the site opts out', async () => {
  const context = await env.browser.newContext();
  // How Brave and the GPC extensions expose the signal.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => r.url().includes('/v1/batch') && requests.push(r.url()));
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const honoured = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', flushInterval: 100 });
    await new Promise((r) => parcours.on('ready', r));
    parcours.track('with gpc');
    return parcours.flush();
  });
  assert.deepEqual(honoured, { ok: true, pending: 0 });
  await page.waitForTimeout(500);
  assert.deepEqual(requests, []);
  assert.deepEqual(await storedKeys(page), []);

  const optedOut = await context.newPage();
  await optedOut.goto(`${env.collector.url}/e2e/blank.html`);
  const visitorId = await optedOut.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', respectPrivacySignals: false, capturePageview: false });
    parcours.track('site ignores signals');
    await new Promise((r) => parcours.on('ready', r));
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(events.map((e) => e.name), ['site ignores signals']);
  await context.close();
});

test('personal data in URLs, titles and properties is masked before it leaves the page', async () => {
  const page = await openPage(env.browser);
  const base = env.collector.url;
  await page.goto(`${base}/e2e/pii.html?email=ada.lovelace%40example.com&session=abc123&utm_source=newsletter#/u/ada.lovelace@example.com`);
  const visitorId = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch' });
    parcours.track('Profile Updated', {
      email: 'ada.lovelace@example.com',
      phone: '+33 6 12 34 56 78',
      card: '4111 1111 1111 1111',
      apiKey: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc9XyZ1234',
      note: 'prefers decaf',
      orderId: 'ord-1795349560709',
    });
    document.querySelector('#profile input').dispatchEvent(new Event('input', { bubbles: true })); // a form: never its values
    await new Promise((r) => parcours.on('ready', r));
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  const text = JSON.stringify(events);
  for (const secret of ['ada.lovelace', '12 34 56 78', '4111', 'sk_live', 'abc123']) assert.ok(!text.includes(secret), `${secret} is nowhere`);
  const updated = events.find((e) => e.name === 'Profile Updated');
  assert.deepEqual(updated.properties, { email: '[email]', phone: '[phone]', card: '[card]', apiKey: '[token]', note: 'prefers decaf', orderId: 'ord-1795349560709' });
  const pageView = events.find((e) => e.type === 'page');
  assert.equal(pageView.context.page.url, `${base}/e2e/pii.html?utm_source=newsletter#/u/[email]`, 'only allowlisted parameters, data masked');
  assert.equal(pageView.context.page.title, 'Account of [email] · [phone]');
});

test('optOut() erases storage and keeps the visitor out on the next page load; shutdown() restores history', async () => {
  const page = await openPage(env.browser);
  const requests = [];
  page.on('request', (r) => r.url().includes('/v1/batch') && requests.push(r.url()));
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch' });
    await new Promise((r) => parcours.on('ready', r));
    parcours.optOut();
  });
  assert.deepEqual(await keysOnceErased(page, ['parcours.optout']), ['parcours.optout'], 'only the choice is kept');
  await page.reload();
  requests.length = 0;
  const state = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', flushInterval: 100 });
    await new Promise((r) => parcours.on('ready', r));
    parcours.track('after opting out');
    return parcours.flush();
  });
  assert.deepEqual(state, { ok: true, pending: 0 });
  await page.waitForTimeout(300);
  assert.deepEqual(requests, [], 'the next visit stays out');

  const restored = await page.evaluate(() => {
    parcours.consent('granted'); // the page grants consent again: back in, flag removed
    const wrapped = history.pushState.toString().includes('[native code]');
    parcours.shutdown();
    return { wrapped, native: history.pushState.toString().includes('[native code]'), keys: Object.keys(localStorage) };
  });
  assert.equal(restored.wrapped, false, 'tracking wraps pushState');
  assert.equal(restored.native, true, 'shutdown() restores it');
  assert.ok(!restored.keys.includes('parcours.optout'));
});

test('the SDK works under a strict Content Security Policy without a single violation', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/csp.html`);
  await page.waitForFunction(() => window.parcours && parcours.debug && parcours.debug());
  await page.click('#buy');
  const { visitorId, violations } = await page.evaluate(async () => {
    parcours.track('under csp');
    await parcours.flush();
    return { visitorId: parcours.debug().visitorId, violations: window.cspViolations };
  });
  assert.deepEqual(violations, []);
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(events.map((e) => (e.name === 'touchpoint' ? 'touchpoint:' + e.properties.touchpoint : e.name)), ['page_view', 'touchpoint:buy', 'under csp']);
  assert.deepEqual(page.pageErrors, []);
});

test('cookieless: persistence "none" keeps nothing in storage, "session" only in the tab', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const none = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', persistence: 'none' });
    await new Promise((r) => parcours.on('ready', r));
    parcours.track('cookieless');
    await parcours.flush();
    return { state: parcours.debug(), local: Object.keys(localStorage), session: Object.keys(sessionStorage), journey: parcours.journey().journey };
  });
  assert.deepEqual([none.local, none.session], [[], []], 'nothing stored anywhere');
  assert.equal(none.journey.steps.length, 2, 'the journey is still computed for the page');
  const events = await fetchEvents(env.collector, 'visitor=' + none.state.visitorId);
  assert.deepEqual(events.map((e) => e.name), ['page_view', 'cookieless']);

  const tab = await openPage(env.browser);
  await tab.goto(`${env.collector.url}/e2e/blank.html`);
  const keys = await tab.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', persistence: 'session' });
    await new Promise((r) => parcours.on('ready', r));
    return { local: Object.keys(localStorage), session: Object.keys(sessionStorage).filter((k) => k.startsWith('parcours')) };
  });
  assert.deepEqual(keys.local, []);
  assert.ok(keys.session.includes('parcours.vid'));
});
