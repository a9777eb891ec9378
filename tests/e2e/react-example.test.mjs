// The React example (examples/react) as its README runs it: built by Vite
// with its own config, served beside the collector, used in Chromium by
// links and buttons. Checked at the collector: one page view per route the
// router showed (none twice under StrictMode, none from Parcours' own
// history watch), the order, and the survey shown after it, answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vite from 'vite';
import { startCollector, launchBrowser, openPage, waitForEvents, ROOT } from './harness.mjs';

let collector;
let browser;
const EXAMPLE = join(ROOT, 'examples/react');
/** Served by the collector at /e2e/react/. */
const OUT = join(ROOT, 'www/e2e/react');

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  // vite.build sets NODE_ENV=production for the whole process; the dev
  // server's test needs React's development build (StrictMode's double
  // effects), so it is put back as it was.
  const nodeEnv = process.env.NODE_ENV;
  await vite.build({
    root: EXAMPLE,
    configFile: join(EXAMPLE, 'vite.config.js'),
    logLevel: 'warn',
    base: '/e2e/react/',
    // The example depends on "parcours": "file:../../pkg"; its node_modules
    // is not installed here, so the same package is resolved from pkg/.
    resolve: { alias: { parcours: join(ROOT, 'pkg') } },
    build: { outDir: OUT, emptyOutDir: true },
  });
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

/** Uses the example at `url` as a visitor would, then checks what reached the collector. */
async function shopAndAnswer(url) {
  const page = await openPage(browser);
  await page.goto(url);
  await page.getByRole('heading', { name: 'Coffees' }).waitFor();
  await page.getByRole('link', { name: 'Checkout' }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('status').filter({ hasText: 'on its way' }).waitFor();

  // The survey the action asked for: a CSAT card, answered by keyboard-reachable radios.
  await page.locator('[role=radio][aria-label="5 of 5, very satisfied"]').click();
  await page.locator('.send').click();
  await page.locator('[role=status]').filter({ hasText: 'Thank you for your feedback!' }).waitFor();
  const visitorId = await page.evaluate(() => localStorage.getItem('parcours.vid'));

  const events = await waitForEvents(collector, 'visitor=' + visitorId, (evs) => evs.some((e) => e.name === 'survey_completed'));
  const pageViews = events.filter((e) => e.type === 'page');
  assert.deepEqual(
    pageViews.map((e) => e.properties.route),
    ['/', '/checkout'],
    'one page view per route, from the router: ' + JSON.stringify(pageViews.map((e) => e.context.page.path)),
  );
  const base = new URL(url).pathname;
  assert.deepEqual(pageViews.map((e) => e.context.page.path), [base, base + 'checkout']);
  const order = events.find((e) => e.name === 'Order Completed');
  assert.deepEqual(order.properties, { total: 14.5, currency: 'EUR' });
  const answered = events.find((e) => e.name === 'survey_answered');
  assert.equal(answered.properties.survey, 'order-csat');
  assert.equal(answered.properties.value, 5);
  assert.ok(answered.ts > order.ts, 'the survey came after the order');
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(page.consoleMessages.filter((m) => m.type === 'error' || (m.type === 'warning' && m.text.includes('[parcours]'))), [], 'no console error, no warning from Parcours');
  await page.context().close();
}

test('the React example, built: page views from the router, the order tracked, the survey shown after it and answered', async () => {
  await shopAndAnswer(`${collector.url}/e2e/react/`);
});

test('the React example on the Vite dev server (StrictMode mounts twice): still one start and one page view per route', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'parcours-react-vite-'));
  const server = await vite.createServer({
    root: EXAMPLE,
    configFile: join(EXAMPLE, 'vite.config.js'),
    logLevel: 'warn',
    resolve: { alias: { parcours: join(ROOT, 'pkg') } },
    server: { port: 0, host: '127.0.0.1', proxy: { '/v1': collector.url } },
    // The pre-bundled dependencies go to a temporary folder, not into the example.
    cacheDir,
  });
  await server.listen();
  try {
    await shopAndAnswer(server.resolvedUrls.local[0]);
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
