// Survey definitions served by the collector (--surveys FILE, GET /v1/surveys)
// and loaded with init({ surveysUrl }), in Chromium: a bad definition is
// skipped with its error while the rest load and trigger; the copy cached in
// localStorage is used within its TTL without a request, revalidated with a
// 304 after it, replaced when the file changes, and kept when the browser is
// offline or the collector fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startCollector } from './harness.mjs';

const FILE = join(mkdtempSync(join(tmpdir(), 'parcours-surveys-')), 'surveys.json');
const DEFINITIONS = {
  surveys: [
    { id: 'help-ces', trigger: { click: '#help' }, questions: [{ type: 'ces' }] },
    { id: 'broken', questions: [{ type: 'stars' }] },
    { id: 'welcome', trigger: { pageView: true }, questions: [{ type: 'nps' }] },
  ],
};
const env = {};
before(async () => {
  writeFileSync(FILE, JSON.stringify(DEFINITIONS));
  env.collector = await startCollector(['--surveys', FILE]);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.collector?.stop();
});

/** Opens the survey test page in `context` and starts Parcours with surveysUrl; records what happens. */
async function visit(context, options = {}) {
  const page = await context.newPage();
  const seen = { requests: [], statuses: [], errors: [], pageErrors: [] };
  page.on('request', (r) => r.url().endsWith('/v1/surveys') && seen.requests.push(r.headers()['if-none-match'] || ''));
  page.on('response', (r) => r.url().endsWith('/v1/surveys') && seen.statuses.push(r.status()));
  page.on('pageerror', (e) => seen.pageErrors.push(e));
  await page.goto(env.collector.url + '/e2e/survey.html');
  await page.exposeFunction('reportError', (error) => seen.errors.push(error));
  await page.evaluate((options) => {
    const help = document.createElement('button');
    help.id = 'help';
    help.textContent = 'Help';
    document.querySelector('main').append(help);
    window.ready = new Promise((resolve) => parcours.on('ready', resolve));
    parcours.on('error', (e) => window.reportError({ code: e.code, field: e.field, message: e.message }));
    parcours.init(Object.assign({ endpoint: '/v1/batch', surveysUrl: '/v1/surveys', surveyCooldownDays: 0 }, options));
    return window.ready;
  }, options);
  return { page, seen };
}

const cached = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('parcours.surveys.remote')));
const explain = (page, id) => page.evaluate((id) => parcours.survey.explain(id), id);

test('definitions from the collector load, trigger and are cached; a bad one is reported and skipped', async () => {
  const context = await env.browser.newContext();
  const first = await visit(context);
  // Fetched after the page view was recorded: its trigger still fires.
  await first.page.locator('.card').waitFor({ timeout: 5000 });
  assert.match(await first.page.locator('parcours-widget').evaluate((w) => w.shadowRoot.textContent), /recommend/, 'welcome (NPS) on its page view');
  assert.deepEqual(first.seen.requests, [''], 'one request, nothing cached yet');
  const broken = first.seen.errors.find((e) => e.code === 'invalid_remote_surveys');
  assert.equal(broken.field, 'surveys["broken"].questions[0].type');
  assert.match(broken.message, /\(in the surveys from http:\/\/127\.0\.0\.1:\d+\/v1\/surveys\)/);
  assert.equal((await explain(first.page, 'broken')).show, false);
  const copy = await cached(first.page);
  assert.match(copy.etag, /^"[0-9a-f]{16}"$/);
  await first.page.evaluate(() => parcours.survey.hide('welcome'));

  // The next page, within the TTL: no request; the click trigger works from the cached copy.
  const second = await visit(context);
  await second.page.click('#help');
  await second.page.locator('.card').waitFor({ timeout: 3000 });
  assert.match(await second.page.locator('parcours-widget').evaluate((w) => w.shadowRoot.textContent), /easy/, 'help-ces (CES) on the click');
  assert.deepEqual(second.seen.requests, [], 'the cached copy is fresh for surveysTtlSeconds (default 300)');
  assert.deepEqual([...first.seen.pageErrors, ...second.seen.pageErrors], []);
  await context.close();
});

test('a stale copy is revalidated (304), replaced when the file changes, and kept when offline or on a 500', async () => {
  const context = await env.browser.newContext();
  const stale = { surveysTtlSeconds: 0 };
  const first = await visit(context, stale);
  await first.page.waitForFunction(() => localStorage.getItem('parcours.surveys.remote'));
  const etag = (await cached(first.page)).etag;

  const unchanged = await visit(context, stale);
  await unchanged.page.waitForTimeout(500);
  assert.deepEqual(unchanged.seen.requests, [etag], 'revalidated with If-None-Match');
  assert.deepEqual(unchanged.seen.statuses, [304]);

  // The site owner edits the file: the collector serves it at once, and the next page uses it.
  writeFileSync(FILE, JSON.stringify({ surveys: [{ id: 'exit-csat', trigger: { exitIntent: true }, questions: [{ type: 'csat' }] }] }));
  const edited = await visit(context, stale);
  await edited.page.waitForFunction((old) => JSON.parse(localStorage.getItem('parcours.surveys.remote')).etag !== old, etag);
  assert.deepEqual(edited.seen.statuses, [200]);
  assert.equal((await explain(edited.page, 'exit-csat')).show, true);
  assert.match((await explain(edited.page, 'help-ces')).error, /no survey has this id/, 'removed from the file, gone from the page');

  // Offline (once the SDK has loaded, before consent lets surveys load): no
  // request, and the cached definitions still work.
  const offline = await visit(context, { ...stale, consent: 'pending' });
  await context.setOffline(true);
  await offline.page.evaluate(() => parcours.consent('granted'));
  assert.deepEqual(offline.seen.requests, []);
  assert.equal((await explain(offline.page, 'exit-csat')).show, true, 'used from the cache');
  // Back online, the page fetches the copy it could not.
  await context.setOffline(false);
  await offline.page.waitForTimeout(500);
  assert.equal(offline.seen.statuses.length, 1, 'fetched once the browser is online again');

  // The collector fails: the cached definitions stay, and the error says so.
  await context.route('**/v1/surveys', (route) => route.fulfill({ status: 500, body: 'oops' }));
  const failing = await visit(context, stale);
  await failing.page.waitForTimeout(500);
  const unavailable = failing.seen.errors.find((e) => e.code === 'surveys_unavailable');
  assert.equal(unavailable.field, 'options.surveysUrl');
  assert.match(unavailable.message, /could not be loaded \(HTTP 500\); the 1 surveys cached from it stay in use/);
  assert.equal((await explain(failing.page, 'exit-csat')).show, true);
  for (const visited of [first, unchanged, edited, offline, failing]) assert.deepEqual(visited.seen.pageErrors, []);
  await context.close();
  writeFileSync(FILE, JSON.stringify(DEFINITIONS));
});

test('from another origin: the ETag is readable and revalidation passes the CORS preflight', async () => {
  const context = await env.browser.newContext();
  // The page on 127.0.0.1, the definitions on localhost: two origins, one collector.
  const crossOrigin = env.collector.url.replace('127.0.0.1', 'localhost') + '/v1/surveys';
  const options = { surveysUrl: crossOrigin, surveysTtlSeconds: 0 };
  const first = await visit(context, options);
  await first.page.waitForFunction(() => localStorage.getItem('parcours.surveys.remote'));
  const etag = (await cached(first.page)).etag;
  assert.match(etag, /^"[0-9a-f]{16}"$/, 'Access-Control-Expose-Headers lets the page read the ETag');
  const again = await visit(context, options);
  await again.page.waitForTimeout(500);
  assert.deepEqual(again.seen.requests, [etag]);
  assert.deepEqual(again.seen.statuses, [304], 'If-None-Match allowed by the preflight');
  assert.equal((await explain(again.page, 'help-ces')).show, true);
  assert.deepEqual([...first.seen.errors, ...again.seen.errors].filter((e) => e.code !== 'invalid_remote_surveys'), []);
  await context.close();
});
