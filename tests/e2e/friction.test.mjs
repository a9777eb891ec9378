// Friction, forms and links on a page built for it: each action produces
// exactly the expected events at the collector, and friction lands on the
// journey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

test('rage and dead clicks, error clicks, slow pages, forms, links, quick backs and loops are recorded once each', async () => {
  const page = await openPage(env.browser);
  const base = env.collector.url;
  await page.goto(`${base}/e2e/friction.html`);
  await page.waitForFunction(() => parcours.debug && parcours.debug());
  const visitorId = await page.evaluate(() => parcours.debug().visitorId);
  await page.waitForTimeout(1300); // the slow-page check runs a second after load

  // Four quick clicks on a button that does nothing: one friction point, a
  // rage click of four clicks marked dead (not also a dead click).
  for (let i = 0; i < 4; i++) await page.click('#rage', { delay: 10 });
  await page.waitForTimeout(1200);
  await page.click('#dead'); // nothing happens: dead click after 1 s
  await page.waitForTimeout(1200);
  await page.click('#works'); // the page reacts: not dead
  for (let i = 0; i < 3; i++) await page.click('#ignored'); // in an ignored carousel
  await page.waitForTimeout(1300);
  await page.click('#throw');
  await page.click('#download');
  await page.click('#outbound');
  await page.fill('#long-form input[name=a]', 'x'); // starts a long form
  await page.click('#long-form button'); // invalid: 8 required fields empty
  await page.click('#long-form button'); // invalid again: repeated
  await page.fill('#newsletter input', 'a'); // started, never sent
  await page.evaluate(() => {
    for (const path of ['/e2e/a', '/e2e/b', '/e2e/a', '/e2e/b']) history.pushState({}, '', path);
  });
  const journey = await page.evaluate(async () => {
    await parcours.flush();
    return parcours.journey().journey;
  });
  await page.goto(`${base}/e2e/blank.html`);

  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.some((e) => e.properties?.type === 'form_abandonment'));
  const seen = events
    .filter((e) => ['friction', 'link_clicked'].includes(e.name) || e.name.startsWith('form_'))
    .map((e) => (e.name === 'friction' ? `friction:${e.properties.type}` : e.name === 'link_clicked' ? `link:${e.properties.href}` : `${e.name}:${e.properties.form}`));
  assert.deepEqual(seen, [
    'friction:slow_page',
    'friction:rage_click',
    'friction:dead_click',
    'friction:error_click', // the click on #throw, followed by its error: one friction point
    `link:${base}/files/brochure.pdf`,
    'link:https://partner.example.org/offer',
    'form_started:long-form',
    'friction:long_form',
    'form_invalid:long-form',
    'form_invalid:long-form',
    'friction:repeated_validation_error',
    'form_started:newsletter',
    // (the back-and-forth loop is found by the journey itself: see journey.friction below)
    'form_abandoned:long-form',
    'friction:form_abandonment',
    'form_abandoned:newsletter',
    'friction:form_abandonment',
  ]);
  const byType = (type) => events.find((e) => e.properties?.type === type).properties;
  assert.deepEqual(byType('rage_click'), { type: 'rage_click', target: 'button#rage', clicks: 4, dead: true });
  assert.equal(byType('dead_click').target, 'button#dead.primary');
  assert.match(byType('error_click').message, /Cannot read properties of undefined/);
  assert.equal(byType('error_click').source, `${base}/e2e/friction.html`);
  assert.equal(byType('error_click').target, 'button#throw', 'the element clicked');
  assert.deepEqual(byType('long_form'), { type: 'long_form', form: 'long-form', required: 9 });
  const started = events.find((e) => e.name === 'form_started');
  assert.deepEqual(started.properties, { form: 'long-form', fields: 10, required: 9 });
  assert.ok(!JSON.stringify(events).includes('"x"'), 'no field value is ever read');
  // Leaving the page in the app (pushState) abandoned both started forms.
  assert.deepEqual(journey.friction, {
    slow_page: 1,
    rage_click: 1,
    dead_click: 1,
    error_click: 1,
    long_form: 1,
    repeated_validation_error: 1,
    form_abandonment: 2,
    quick_back: 1, // /e2e/a, /e2e/b, /e2e/a at once: back from /e2e/b
    navigation_loop: 1, // then /e2e/b: a loop (not also a second quick back)
  });
  assert.deepEqual(journey.steps.filter((s) => s.friction?.includes('quick_back')).map((s) => s.touchpoint), ['/e2e/b']);
});
