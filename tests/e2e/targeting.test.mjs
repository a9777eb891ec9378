// Survey targeting in Chromium, with the real script tag and collector:
// a trigger's delay and a single-page navigation during it, two tabs that
// fire the same trigger at once, a return visit after the cooldown, and
// survey.explain() saying which rule holds a survey back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startOnBlank, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();
const DAY = 86_400_000;

const SURVEYS = [
  { id: 'after-order', trigger: { event: 'Order Completed', where: { total: { gte: 50 } }, delay: 1 }, questions: [{ type: 'csat' }] },
  { id: 'after-support', trigger: { event: 'Support Requested' }, questions: [{ type: 'ces' }] },
];

const start = (page, options = {}) => startOnBlank(page, env.collector, Object.assign({ surveys: SURVEYS, flushAt: 1 }, options), '/e2e/survey.html');
const onScreen = (page) => page.evaluate(() => document.querySelectorAll('parcours-widget').length);
const failed = (explanation) => explanation.checks.filter((c) => !c.ok).map((c) => c.rule);

test('a trigger shows its survey after the delay, and not once the visitor has left the page', async () => {
  const page = await openPage(env.browser);
  await start(page);
  await page.evaluate(() => parcours.track('Order Completed', { total: 20 }));
  await page.waitForTimeout(1500);
  assert.equal(await onScreen(page), 0, 'the property filter (total >= 50) holds it back');

  await page.evaluate(() => parcours.track('Order Completed', { total: 80 }));
  assert.equal((await page.evaluate(() => parcours.survey.explain('after-order'))).scheduled, true, 'waiting for its delay');
  await page.evaluate(() => history.pushState({}, '', '/e2e/elsewhere'));
  await page.waitForTimeout(1800);
  assert.equal(await onScreen(page), 0, 'a single-page navigation during the delay cancels it');

  await page.evaluate(() => history.pushState({}, '', '/e2e/survey.html'));
  await page.evaluate(() => parcours.track('Order Completed', { total: 80 }));
  await page.waitForTimeout(400);
  assert.equal(await onScreen(page), 0, 'not before its delay');
  await page.locator('.card').waitFor({ timeout: 3000 });
  const visitor = await page.evaluate(() => parcours.debug().visitorId);
  const shown = await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.some((e) => e.name === 'survey_shown'));
  assert.equal(shown.filter((e) => e.name === 'survey_shown').length, 1);
  const history = await page.evaluate(() => JSON.parse(localStorage.getItem('parcours.surveys')));
  assert.equal(history.s[0][0], 'after-order', 'the showing is in the history, for every tab and later visits');
  assert.deepEqual(failed(await page.evaluate(() => parcours.survey.explain('after-order'))), ['frequency', 'session', 'cooldown'], 'once per visitor, by default');
  assert.deepEqual(page.pageErrors, []);
});

test('two tabs fire the same trigger at once: the survey shows in one of them', async () => {
  const context = await env.browser.newContext();
  const [a, b] = [await context.newPage(), await context.newPage()];
  for (const page of [a, b]) {
    page.pageErrors = [];
    page.on('pageerror', (e) => page.pageErrors.push(e));
    await start(page);
  }
  await Promise.all([a, b].map((page) => page.evaluate(() => parcours.track('Support Requested'))));
  await a.waitForTimeout(1500);
  const counts = [await onScreen(a), await onScreen(b)];
  assert.deepEqual(counts.sort(), [0, 1], 'claims are atomic across tabs (Web Locks), and the mark is written before drawing');
  assert.deepEqual([...a.pageErrors, ...b.pageErrors], []);
  await context.close();
});

test('a return visit after the cooldown shows the next survey; explain() says what held it back', async () => {
  const page = await openPage(env.browser);
  await start(page);
  await page.evaluate(() => parcours.track('Support Requested'));
  await page.locator('.card').waitFor();
  await page.locator('.x').click();
  await page.evaluate(() => parcours.track('Order Completed', { total: 99 }));
  await page.waitForTimeout(1500);
  assert.equal(await onScreen(page), 0, 'a second survey within 7 days of the first');
  const held = await page.evaluate(() => parcours.survey.explain('after-order'));
  assert.deepEqual(failed(held), ['cooldown']);
  assert.match(held.checks.find((c) => c.rule === 'cooldown').detail, /7-day cooldown between surveys/);

  // Eight days later (the history's and the session's times moved back, as
  // the clock would move forward; edited from a page where Parcours is not
  // started, so nothing rewrites them), a return visit: the cooldown is over.
  await page.goto(env.collector.url + '/e2e/survey.html');
  await page.evaluate((days) => {
    const history = JSON.parse(localStorage.getItem('parcours.surveys'));
    history.last -= days;
    for (const entry of history.s) (entry[2] -= days), (entry[3] -= days);
    localStorage.setItem('parcours.surveys', JSON.stringify(history));
    const session = localStorage.getItem('parcours.session').split('|');
    session[3] = String(Number(session[3]) - days);
    localStorage.setItem('parcours.session', session.join('|'));
  }, 8 * DAY);
  await start(page);
  assert.equal((await page.evaluate(() => parcours.survey.explain('after-order'))).show, true);
  assert.deepEqual(failed(await page.evaluate(() => parcours.survey.explain('after-support'))), ['frequency'], 'shown once already');
  await page.evaluate(() => parcours.track('Order Completed', { total: 99 }));
  await page.locator('.card').waitFor({ timeout: 3000 });
  assert.deepEqual(page.pageErrors, []);
});
