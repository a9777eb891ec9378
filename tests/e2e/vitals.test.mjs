// The page-experience detectors in Chromium, as the script tag ships them,
// on a page with a slow button, a late banner that shifts the layout and a
// long scroll. The browser's own
// performance entries go through the shell's observers to the core, which
// keeps the page step's vitals and records the friction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

test('a slow click, a late layout shift and scrolling back and forth are measured and are friction', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/vitals.html');
  const visitorId = await page.evaluate(async () => {
    parcours.init({ endpoint: '/v1/batch', flushInterval: 200 });
    await new Promise((resolve) => parcours.on('ready', resolve));
    return parcours.anonymousId();
  });
  await page.click('#slow'); // its handler keeps the page busy for 700 ms
  await page.waitForTimeout(1000); // past the 500 ms after an input that a shift is forgiven
  await page.evaluate(() => window.shiftLayout());
  // Down, up, down, up, down: four turns of more than half a screen within 10 s.
  for (const y of [1500, 200, 1600, 100, 1500]) {
    await page.evaluate((to) => window.scrollTo(0, to), y);
    await page.waitForTimeout(300);
  }
  await page.waitForFunction(() => {
    const step = parcours.journey().journey.steps[0];
    return step.vitals && step.vitals.cls >= 0.25 && (step.friction || []).includes('excessive_scroll');
  });
  const step = await page.evaluate(() => parcours.journey().journey.steps[0]);
  assert.equal(step.kind, 'page');
  assert.ok(step.vitals.lcpMs > 0, 'LCP of the headline: ' + JSON.stringify(step.vitals));
  assert.ok(step.vitals.inpMs >= 700, 'INP is the slow click: ' + JSON.stringify(step.vitals));
  assert.ok(step.vitals.cls >= 0.25, 'the banner shifted the layout: ' + JSON.stringify(step.vitals));
  assert.deepEqual(step.friction, ['slow_interaction', 'layout_shift', 'excessive_scroll']);
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.filter((e) => e.name === 'friction').length >= 3);
  const friction = Object.fromEntries(events.filter((e) => e.name === 'friction').map((e) => [e.properties.type, e.properties]));
  assert.equal(friction.slow_interaction.target, 'button#slow');
  assert.ok(friction.slow_interaction.durationMs >= 700, JSON.stringify(friction.slow_interaction));
  assert.ok(friction.layout_shift.cls >= 0.25, JSON.stringify(friction.layout_shift));
  assert.equal(friction.excessive_scroll.turns, 4);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
