// The journey computed in the browser, across page loads of the demo shop,
// live through parcours.journey() and on('stage'), and summarised to the
// collector when the session ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

test('a visit through the demo shop becomes a journey, live and as a summary', async () => {
  const page = await openPage(env.browser);
  // Arrive from a newsletter, then walk the shop as a visitor would.
  await page.goto(`${env.collector.url}/demo/?utm_source=newsletter&utm_medium=email&utm_campaign=spring`);
  await page.waitForFunction(() => parcours.journey && parcours.journey()?.journey);
  await page.click('text=Subscribe and save');
  await page.waitForURL('**/pricing.html');
  await page.click('text=Choose Daily');
  await page.waitForURL('**/signup.html?plan=daily');
  await page.evaluate(() => {
    window.frictionSeen = [];
    parcours.on('friction', (detail) => window.frictionSeen.push(detail.friction));
  });
  await page.click('button[type=submit]'); // empty form: the shop reports a validation error
  await page.fill('input[name=email]', 'ada@example.com');
  await page.fill('input[name=password]', 'correct horse');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => parcours.journey().journey.conversions.length === 1);
  const friction = await page.evaluate(() => window.frictionSeen);
  await page.goto(`${env.collector.url}/demo/checkout.html`);
  await page.waitForFunction(() => parcours.journey && parcours.journey()?.journey?.currentStage === 'decision');
  await page.evaluate(() => {
    window.stagesSeen = [];
    parcours.on('stage', (detail) => window.stagesSeen.push(detail.stage));
  });
  await page.fill('input[name=name]', 'Ada');
  await page.fill('input[name=address]', '1 rue du Café');
  await page.fill('input[name=card]', '4111111111111111');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => parcours.journey().journey.conversions.length === 2);

  const live = await page.evaluate(() => ({ state: parcours.journey(), stages: window.stagesSeen }));
  const j = live.state.journey;
  assert.equal(j.channel, 'email');
  assert.equal(j.touch.campaign, 'spring');
  assert.deepEqual(j.stages.map((s) => s.stage), ['awareness', 'consideration', 'decision', 'purchase']);
  assert.equal(j.currentStage, 'purchase');
  assert.deepEqual(live.stages, ['purchase'], 'on("stage") fired when the order entered purchase');
  assert.deepEqual(friction, ['validation_error'], 'on("friction") fired for the shop-reported validation error');
  assert.deepEqual(j.friction, { validation_error: 1 });
  assert.equal(j.pageCount, 4);
  assert.deepEqual(
    j.steps.map((s) => s.touchpoint),
    ['/demo/', 'CTA Clicked', '/demo/pricing.html', 'Plan Chosen', '/demo/signup.html', 'Signed Up', '/demo/checkout.html', 'Order Completed'],
  );
  assert.equal(j.steps[4].emotion, 'negative', 'the friction is on the sign-up step');
  assert.deepEqual(j.conversions.map((c) => [c.name, c.value, c.currency]), [['Signed Up', undefined, undefined], ['Order Completed', 42.5, 'EUR']]);
  assert.equal(live.state.firstTouch.channel, 'email');
  // The debug panel shows it too.
  assert.match(await page.textContent('.journey-panel'), /email · newsletter · spring/);

  // The shop asks for a rating after the order (its survey_shown counts as an event, not a step).
  await page.locator('[role=radio]').first().waitFor();

  // The visitor logs out: the session ends and its summary reaches the collector.
  const sessionId = j.sessionId;
  await page.evaluate(async () => {
    parcours.reset();
    await parcours.flush();
  });
  const [summary] = await waitForEvents(env.collector, 'name=journey_summary&session=' + sessionId, (evs) => evs.length === 1);
  assert.equal(summary.id, 'j-' + sessionId);
  const s = summary.properties;
  assert.equal(s.endReason, 'reset');
  assert.equal(s.channel, 'email');
  assert.deepEqual(s.stages.map((x) => x.stage), ['awareness', 'consideration', 'decision', 'purchase']);
  assert.deepEqual(s.conversions.map((c) => c.name), ['Signed Up', 'Order Completed']);
  assert.equal(s.eventCount, 18, '9 calls, 3 page_leave reports, 5 form events and the survey shown after checkout');
  assert.equal(s.steps.length, 8, 'the survey is not a step of the journey');
  const html = await (await fetch(`${env.collector.url}/sessions/${sessionId}`)).text();
  assert.match(html, /<h2>Journey <small>\(reset\)<\/small><\/h2>/);
  assert.deepEqual(page.pageErrors, []);
});

// Worked out by hand (issue 22): a visitor lands on the shop directly, stays
// idle past the 30-minute timeout, then types the checkout address. The
// home page's page_leave, recorded as it goes, belongs to the first session;
// the second session is direct and lands on the checkout, not on the home
// page whose leave used to open it.
test('an idle return through a new page starts a session there, not with the old page’s leave', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const t0 = Date.now();
  await context.clock.setFixedTime(t0);
  await page.goto(`${env.collector.url}/demo/`);
  await page.waitForFunction(() => parcours.journey && parcours.journey()?.journey);
  const first = await page.evaluate(() => parcours.journey().journey);
  const visitorId = await page.evaluate(() => parcours.debug().visitorId);
  assert.equal(first.channel, 'direct');
  await context.clock.setFixedTime(t0 + 40 * 60_000);
  await page.goto(`${env.collector.url}/demo/checkout.html`);
  await page.waitForFunction(() => parcours.journey && parcours.journey()?.journey?.sessionIndex === 2);
  const second = await page.evaluate(async () => (await parcours.flush(), parcours.journey().journey));
  assert.equal(second.channel, 'direct');
  assert.equal(second.landing, '/demo/checkout.html');
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.some((e) => e.name === 'page_leave'));
  const leave = events.find((e) => e.name === 'page_leave');
  assert.equal(leave.sessionId, first.sessionId, 'the leave belongs to the session it ends');
  assert.equal(leave.context.page.path, '/demo/');
  await context.close();
});
