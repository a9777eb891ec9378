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

/** A fresh visitor on a page taller than the window, with `surveys` defined. */
async function startTall(surveys) {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/survey.html');
  await page.evaluate(() => {
    document.body.style.height = '4000px';
    const help = document.createElement('button');
    help.id = 'help';
    help.innerHTML = '<span>Need help?</span>';
    document.querySelector('main').append(help);
  });
  await page.evaluate((surveys) => {
    window.ready = new Promise((resolve) => parcours.on('ready', resolve));
    parcours.init({ endpoint: '/v1/batch', capturePageview: false, surveys });
    return window.ready;
  }, surveys);
  return page;
}

test('browser signals fire their triggers: time on page, scroll depth, exit intent, a click', async () => {
  const survey = (id, trigger) => ({ id, trigger, questions: [{ type: 'csat' }] });

  const timed = await startTall([survey('timed', { timeOnPage: 2 })]);
  const loadedAt = await timed.evaluate(() => performance.now());
  await timed.locator('.card').waitFor({ timeout: 5000 });
  const shownAt = await timed.evaluate(() => performance.now());
  assert.ok(shownAt >= 2000, `time on the page counts from the navigation: shown at ${Math.round(shownAt)} ms`);
  assert.ok(shownAt - loadedAt < 4000);

  const scrolled = await startTall([survey('scrolled', { scrollDepth: 50 })]);
  await scrolled.mouse.wheel(0, 800);
  await scrolled.waitForTimeout(600);
  assert.equal(await onScreen(scrolled), 0, 'a fifth of the page is not half');
  await scrolled.mouse.wheel(0, 1600);
  await scrolled.locator('.card').waitFor({ timeout: 3000 });

  const leaving = await startTall([survey('leaving', { exitIntent: true })]);
  await leaving.mouse.move(300, 200);
  await leaving.mouse.move(300, 100);
  await leaving.waitForTimeout(300);
  assert.equal(await onScreen(leaving), 0, 'moving inside the page is not leaving');
  // The pointer leaves through the top edge, towards the tabs and the address bar.
  await leaving.mouse.move(300, -10, { steps: 4 });
  await leaving.locator('.card').waitFor({ timeout: 3000 });

  const clicked = await startTall([survey('clicked', { click: '#help' })]);
  await clicked.click('h1');
  await clicked.waitForTimeout(300);
  assert.equal(await onScreen(clicked), 0, 'a click elsewhere');
  await clicked.click('#help span'); // inside the element the selector names
  await clicked.locator('.card').waitFor({ timeout: 3000 });

  for (const page of [timed, scrolled, leaving, clicked]) {
    assert.deepEqual(page.pageErrors, []);
    await page.context().close();
  }
});

test('traits given on a page without surveys reach the audiences of a page with them', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  // The page without surveys loads the build without survey code, which keeps the traits for the others.
  await startOnBlank(page, env.collector);
  await page.evaluate(() => (parcours.identify('user_pro', { plan: 'pro' }), parcours.flush()));
  const wasms = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasms.push(r.url().split('/').pop()));
  await startOnBlank(page, env.collector, {
    surveyCooldownDays: 0,
    surveys: [{ id: 'pro-nps', questions: [{ type: 'nps' }], audience: { trait: 'plan', eq: 'pro' } }],
  });
  assert.deepEqual(wasms, ['parcours_surveys_bg.wasm']);
  const verdict = await page.evaluate(() => parcours.survey.explain('pro-nps'));
  const audience = verdict.checks.find((c) => c.rule === 'audience');
  assert.equal(audience.ok, true, JSON.stringify(verdict));
  await context.close();
});
