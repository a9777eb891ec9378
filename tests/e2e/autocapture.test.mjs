// What the SDK records by itself in a single-page app: page views on route
// changes (and none on a same-path replaceState or an in-page anchor), page
// leave reports, declared touchpoints by attribute, selector and code,
// device context and stripped URL parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, fetchEvents, waitForEvents, withCollectorAndBrowser, startOnBlank } from './harness.mjs';

const env = withCollectorAndBrowser();

test('a single-page app gets exactly its page views, leaves and touchpoints', async () => {
  const page = await openPage(env.browser);
  const base = env.collector.url;
  await page.goto(`${base}/e2e/spa-app.html?token=secret123&utm_source=news`);
  await page.waitForFunction(() => parcours.debug && parcours.debug());
  const visitorId = await page.evaluate(() => parcours.debug().visitorId);

  await page.click('#to-pricing');
  await page.click('#same-path'); // same path, new query: no page view
  await page.click('#hash-route'); // #/cart is a route
  await page.waitForFunction(() => location.hash === '#/cart');
  await page.evaluate(() => history.back());
  await page.waitForFunction(() => location.hash === '');
  await page.waitForTimeout(100);
  await page.click('#anchor'); // #reviews is an anchor, not a route
  await page.click('#cta-inner'); // inside a data-parcours-touchpoint element
  await page.click('#chat'); // declared by selector in init
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForTimeout(300);
  await page.evaluate(() => parcours.touchpoint('coupon-copied', { code: 'SPRING' }));
  const journey = await page.evaluate(async () => {
    await parcours.flush();
    return parcours.journey().journey;
  });
  await page.goto(`${base}/e2e/blank.html`); // pagehide: the last page is reported as left

  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.filter((e) => e.name === 'page_leave').length === 4);
  const path = (e) => e.context.page.url.replace(base, '');
  const describe = (e) => (e.name === 'touchpoint' ? `touchpoint:${e.properties.touchpoint}:${e.properties.trigger}` : `${e.name} ${path(e)}`);
  assert.deepEqual(events.map(describe), [
    'page_view /e2e/spa-app.html?utm_source=news',
    'page_leave /e2e/spa-app.html?utm_source=news',
    'page_view /e2e/spa/pricing?plan=pro',
    'page_leave /e2e/spa/pricing?sort=price',
    'page_view /e2e/spa/pricing?sort=price#/cart',
    'page_leave /e2e/spa/pricing?sort=price#/cart',
    'page_view /e2e/spa/pricing?sort=price',
    'touchpoint:pricing-cta:click',
    'touchpoint:chat-opened:click',
    ...events.filter((e) => e.properties?.trigger === 'view').map(describe),
    'touchpoint:coupon-copied:undefined',
    'page_leave /e2e/spa/pricing?sort=price', // an anchor (#reviews) is not a new page
  ]);
  const views = events.filter((e) => e.properties?.trigger === 'view').map((e) => e.properties.touchpoint).sort();
  assert.deepEqual(views, ['faq-section', 'faq-seen']);

  assert.ok(!JSON.stringify(events).includes('secret123'), 'the stripped parameter is nowhere');
  const cta = events.find((e) => e.properties?.touchpoint === 'pricing-cta');
  assert.deepEqual(cta.properties, { touchpoint: 'pricing-cta', plan: 'pro', stage: 'consideration', trigger: 'click' });
  const leave = events.find((e) => e.name === 'page_leave');
  assert.ok(leave.properties.dwellMs >= 0 && leave.properties.engagedMs >= 0 && leave.properties.maxScrollPercent > 0);
  const lastLeave = events.at(-1);
  assert.equal(lastLeave.properties.maxScrollPercent, 100, 'the visitor scrolled to the bottom');
  const spaView = events.find((e) => path(e) === '/e2e/spa/pricing?plan=pro');
  assert.equal(spaView.context.page.referrer, `${base}/e2e/spa-app.html?utm_source=news`);
  assert.deepEqual(Object.keys(spaView.context.device).sort(), ['class', 'language', 'platform', 'screen', 'timeZone', 'viewport']);
  assert.equal(spaView.context.device.class, 'desktop');
  assert.equal(spaView.context.device.viewport, '1280x720');

  // The journey takes touchpoints as steps with their stages; leaves are not steps.
  assert.deepEqual(
    journey.steps.map((s) => `${s.kind}:${s.touchpoint}`).filter((s) => !s.includes('faq')),
    ['page:/e2e/spa-app.html', 'page:/e2e/spa/pricing', 'page:/e2e/spa/pricing', 'page:/e2e/spa/pricing', 'touchpoint:pricing-cta', 'touchpoint:chat-opened', 'touchpoint:coupon-copied'],
  );
  assert.deepEqual(journey.stages.map((s) => s.stage), ['awareness', 'consideration', 'retention']);
  assert.deepEqual(page.pageErrors, []);
});

test('automatic capture can be switched off', async () => {
  const page = await openPage(env.browser);
  await page.goto(`${env.collector.url}/e2e/blank.html`);
  const visitorId = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', captureSpaPageviews: false, captureTouchpoints: false });
    await new Promise((r) => parcours.on('ready', r));
    history.pushState({}, '', '/e2e/elsewhere');
    document.body.insertAdjacentHTML('beforeend', '<button id="b" data-parcours-touchpoint="x">x</button>');
    document.getElementById('b').click();
    await parcours.flush();
    return parcours.debug().visitorId;
  });
  const events = await fetchEvents(env.collector, 'visitor=' + visitorId);
  assert.deepEqual(events.map((e) => e.name), ['page_view']);
});

test('events carry the visitor’s time zone, from Temporal or, where it is missing, from Intl', async () => {
  for (const [zone, hideTemporal] of [['Asia/Tokyo', false], ['America/Sao_Paulo', true]]) {
    const context = await env.browser.newContext({ timezoneId: zone });
    const page = await context.newPage();
    if (hideTemporal) await page.addInitScript(() => delete globalThis.Temporal);
    await startOnBlank(page, env.collector);
    assert.equal(await page.evaluate(() => typeof globalThis.Temporal), hideTemporal ? 'undefined' : 'object', 'this Chromium has Temporal');
    const visitorId = await page.evaluate(() => parcours.debug().visitorId);
    await page.evaluate(() => (parcours.track('Zone Checked'), parcours.flush()));
    const [event] = await waitForEvents(env.collector, 'visitor=' + visitorId, (events) => events.length > 0);
    assert.equal(event.context.device.timeZone, zone);
    await context.close();
  }
});
