// The journey map, end to end: three visitors walk the demo shop in
// Chromium and answer its surveys, a store visit arrives from the shop's
// servers, and the collector's map page shows exactly their numbers.
// Screenshots of the map go to test-results/map/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ROOT, axeViolations, startCollector, launchBrowser, openPage } from './harness.mjs';

const SHOTS = ROOT + 'test-results/map/';
mkdirSync(SHOTS, { recursive: true });
const env = {};
before(async () => {
  env.collector = await startCollector(['--server-key', 'shop-server-key-01']);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.collector?.stop();
});

const ready = (page) => page.waitForFunction(() => window.parcours && parcours.journey && parcours.journey()?.journey);
const answer = async (page, label) => {
  await page.locator(`[role=radio][aria-label^="${label}"]`).click();
  await page.locator('.send').click();
};
/** Ends the visit: its journey is summarised and everything delivered. */
const leave = (page) => page.evaluate(async () => {
  parcours.reset();
  await parcours.flush();
});

async function visitorA(base) {
  const page = await openPage(env.browser);
  // From the newsletter to an order, with a CSAT of 4 after checkout.
  await page.goto(base + '?utm_source=newsletter&utm_medium=email&utm_campaign=spring');
  await ready(page);
  await page.click('text=Subscribe and save');
  await page.waitForURL('**/pricing.html');
  await page.click('text=Choose Daily');
  await page.waitForURL('**/signup.html?plan=daily');
  await page.fill('input[name=email]', 'ada@example.com');
  await page.fill('input[name=password]', 'correct horse');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => parcours.journey().journey.conversions.length === 1);
  await page.goto(base + 'checkout.html');
  await ready(page);
  await page.fill('input[name=name]', 'Ada');
  await page.fill('input[name=address]', '1 rue du Café');
  await page.fill('input[name=card]', '4111111111111111');
  await page.click('button[type=submit]');
  await answer(page, '4 of 5');
  // The follow-up question: a comment the collector reads as positive.
  await page.locator('textarea').fill('Fast delivery, great coffee');
  await page.locator('.send').click();
  await page.keyboard.press('Escape'); // closes the thanks
  const userId = await page.evaluate(() => localStorage.getItem('parcours.uid'));
  // She comes back two hours later (the stored session edited from a page
  // without Parcours): a return visit, with the NPS survey; 9.
  await page.goto(env.collector.url + '/e2e/survey.html');
  await page.evaluate(() => {
    const parts = localStorage.getItem('parcours.session').split('|');
    parts[3] = String(Date.now() - 2 * 3600 * 1000);
    localStorage.setItem('parcours.session', parts.join('|'));
  });
  await page.goto(base);
  await answer(page, '9 of 10');
  await page.locator('.x').click();
  await leave(page);
  await page.context().close();
  return userId;
}

async function visitorB(base) {
  // Straight to a product, adds it to the cart, leaves.
  const page = await openPage(env.browser);
  await page.goto(base + 'product.html');
  await ready(page);
  await page.click('text=Add to cart');
  await page.waitForFunction(() => parcours.journey().journey.steps.some((s) => s.touchpoint === 'Added to Cart'));
  await leave(page);
  await page.context().close();
}

async function visitorC(base) {
  // Asks support for help and finds it hard: a CES of 2.
  const page = await openPage(env.browser);
  await page.goto(base + 'support.html');
  await ready(page);
  await page.fill('textarea[name=message]', 'My grinder is noisy');
  await page.click('button[type=submit]');
  await answer(page, '2 of 7');
  await page.locator('.x').click();
  await leave(page);
  await page.context().close();
}

async function mapFigures(query = '') {
  const response = await fetch(env.collector.url + '/v1/map' + query);
  assert.equal(response.status, 200);
  return response.json();
}

test('visitors walk the demo shop and the map shows exactly their journeys', async () => {
  const base = env.collector.url + '/demo/';
  const userId = await visitorA(base);
  await visitorB(base);
  await visitorC(base);
  // Ada's store visit, from the shop's till: it joins her journey.
  const response = await fetch(env.collector.url + '/v1/touchpoints', {
    method: 'POST',
    headers: { authorization: 'Bearer shop-server-key-01', 'content-type': 'application/json' },
    body: JSON.stringify({ touchpoints: [{ userId, touchpoint: 'Store visit', at: Date.now(), stage: 'retention', answers: [{ questionType: 'csat', value: 5 }] }] }),
  });
  assert.deepEqual(await response.json(), { accepted: 1, duplicates: 0, joined: 1 });
  let figures;
  for (let i = 0; i < 50; i++) {
    figures = await mapFigures();
    if (figures.sessions === 5) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Worked out from the walks: Ada's two visits and her store visit, Bob's
  // product page, Cleo's support request.
  assert.deepEqual([figures.sessions, figures.visitors, figures.conversions], [5, 3, 1]);
  const stage = Object.fromEntries(figures.stages.map((s) => [s.name, [s.sessions, s.visitors, s.exits]]));
  assert.deepEqual(stage, {
    awareness: [3, 2, 1], // Ada twice, Cleo; Ada's return visit stopped there
    consideration: [2, 2, 1], // Ada, Bob (a product page is consideration)
    decision: [1, 1, 0],
    purchase: [1, 1, 1],
    retention: [2, 2, 2], // Cleo's support request, Ada's store visit
    advocacy: [0, 0, 0],
  });
  const steps = figures.steps.map((s) => [s.from, s.reached, s.movedOn, s.conversion]);
  assert.deepEqual(steps, [
    ['awareness', 3, 1, 33.33],
    ['consideration', 2, 1, 50],
    ['decision', 1, 1, 100],
    ['purchase', 1, 0, 0],
    ['retention', 2, 0, 0],
  ]);
  const touchpoint = (name) => figures.touchpoints.find((t) => t.name === name);
  assert.deepEqual(touchpoint('Order Completed').scores, { csat: 100, csatAnswers: 1, cesMean: null, cesEasy: null, cesAnswers: 0, nps: null, npsAnswers: 0 });
  assert.deepEqual(touchpoint('Order Completed').comments, { negative: 0, neutral: 0, positive: 1 }, "Ada's comment");
  assert.equal(touchpoint('/demo/').scores.nps, 100, 'a 9 is a promoter');
  assert.deepEqual([touchpoint('Support Requested').scores.cesMean, touchpoint('Support Requested').scores.cesEasy], [2, 0]);
  assert.deepEqual(touchpoint('Support Requested').friction, { low_feedback: 1 }, 'a low answer is friction');
  assert.deepEqual([touchpoint('Store visit').stage, touchpoint('Store visit').scores.csat], ['retention', 100]);
  assert.deepEqual(figures.stages.find((s) => s.name === 'retention').emotion, 0, 'one negative, one positive');
  // The key figures: Ada's order in 5 sessions; her CSAT 4 and the store's 5;
  // Cleo's CES 2; Ada's NPS 9.
  const { kpis, trend } = figures;
  assert.deepEqual(
    [kpis.sessions, kpis.conversionRate, kpis.csat, kpis.csatAnswers, kpis.cesMean, kpis.nps, kpis.npsAnswers],
    [5, 20, 100, 2, 2, 100, 1],
  );
  assert.equal(kpis.frictionShare, 20, "Cleo's low answer is the only friction");
  // Bob's one page and the store visit bounced (one page or none, no
  // conversion, under 10 s); Ada's return and Cleo's visit too unless the
  // machine made them last 10 s; Ada's first visit converted.
  assert.ok(kpis.bounceRate >= 40 && kpis.bounceRate <= 80, JSON.stringify(kpis));
  // Every session started today (two days if the test runs across midnight UTC).
  assert.equal(trend.period, 'day');
  assert.ok(trend.points.length >= 1 && trend.points.length <= 2, JSON.stringify(trend));
  assert.equal(trend.points.reduce((n, p) => n + p.sessions, 0), 5);
  assert.equal(trend.points.at(-1).start, new Date().toISOString().slice(0, 10));
  assert.deepEqual(figures.opportunities, [], 'five sessions are too few to rank anything');

  // The page shows the same numbers.
  const page = await openPage(env.browser);
  await page.setViewportSize({ width: 1500, height: 1000 });
  await page.goto(env.collector.url + '/map');
  await page.waitForSelector('body[data-ready=true]');
  assert.equal(await page.locator('#status').textContent(), '');
  const totals = await page.locator('#totals dd').allTextContents();
  assert.deepEqual(totals.slice(0, 7), ['5', '3', '1', '20 %', '100 %', '2.0', '+100']);
  assert.deepEqual(totals.slice(7), [Math.round(kpis.frictionShare) + ' %', Math.round(kpis.bounceRate) + ' %']);
  // A small chart per key figure, said in words, and all of them in a table.
  assert.equal(await page.locator('#trends svg').count(), 7);
  const today = trend.points.at(-1).start;
  assert.match(await page.locator('#trend-conversionRate').getAttribute('aria-label'), new RegExp('^Conversion rate per day: .*' + today + ' \\d+ %$'));
  assert.match(await page.locator('#trend-csat').getAttribute('aria-label'), new RegExp(today + ' 100 %$'));
  assert.ok(await page.locator('#no-opportunity').isVisible(), 'the page says why no opportunity is listed');
  const todayRow = await page.locator('#trend-table tbody tr').last().allTextContents();
  assert.match(todayRow[0], new RegExp('^' + today));
  const head = (name) => page.locator(`section[aria-label="Stage ${name}"] .stage-head`).textContent();
  assert.match(await head('awareness'), /3 sessions · 2 visitors/);
  assert.match(await head('retention'), /2 sessions · 2 visitors.*CSAT 100 % \(1\) · CES 2\.0, 0 % easy \(1\)/);
  const arrows = await page.locator('.arrow').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.equal(arrows[0], '33 % of 3 sessions went on to consideration, in a median ' + arrows[0].split('median ')[1]);
  assert.match(arrows[1], /^50 % of 2 sessions went on to decision/);
  const card = (name) => page.locator(`.card[data-touchpoint="${name}"]`);
  assert.equal(await card('Order Completed').textContent(), 'Order Completed1 session · 1 visitor · 1 left hereEmotion positive (1.00)CSAT 100 % (1)Comments: 1 positive');
  assert.equal(
    await card('Support Requested').textContent(),
    '⚠ Moment of truthSupport Requested1 session · 1 visitor · 1 left hereEmotion negative (-1.00)CES 2.0, 0 % easy (1)Friction: low feedback ×1',
  );
  assert.equal(await card('Support Requested').getAttribute('class'), 'card hot', 'friction in every session there');
  assert.match(await card('/demo/').textContent(), /NPS \+100 \(1\)/);
  assert.equal(await page.locator('#paths svg').count(), 1, 'the charts are drawn (library served by the collector)');
  assert.equal(await page.locator('#funnel svg').count(), 1);
  // The funnel reads "reached at least this stage": it never widens.
  const funnel = await page.locator('#funnel').getAttribute('aria-label');
  assert.match(funnel, /^Sessions that reached at least each stage: awareness \d+, consideration \d+ \(\d+% of the stage before\)/);
  const widths = funnel.split(': ')[1].split(', ').map((part) => Number(part.split(' ')[1]));
  assert.ok(widths.every((n, i) => i === 0 || n <= widths[i - 1]), funnel);
  await page.screenshot({ path: SHOTS + 'map.png', fullPage: true });
  assert.deepEqual(await axeViolations(page), [], 'axe-core on the map');

  // Drill down from a touchpoint to its session and the answer given there, by keyboard.
  await card('Order Completed').focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#drill table');
  assert.equal(await page.locator('#drill-summary').textContent(), '1 session passed through it.');
  const row = await page.locator('#drill tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(row.slice(1, 7), ['email', 'desktop', 'purchase', 'positive', '', 'CSAT 4, “Fast delivery, great coffee” (positive)']);
  await page.screenshot({ path: SHOTS + 'map-drill-down.png' });
  assert.deepEqual(await axeViolations(page), [], 'axe-core on the drill-down');
  await page.keyboard.press('Escape');

  // A filter in the page: returning visitors only (Ada's return and her store visit).
  await page.selectOption('select[name=visitor]', 'returning');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#totals dd').textContent === '2');
  assert.match(page.url(), /visitor=returning/, 'the filter is in the address, to share');
  await page.screenshot({ path: SHOTS + 'map-returning.png', fullPage: true });

  // Compare two segments: Ada's newsletter visit (the only email session,
  // which converted) against every channel (1 conversion in 5 sessions).
  const compared = await mapFigures('?channel=email&compareChannel=all');
  const conversion = compared.comparison.figures.find((f) => f.figure === 'conversionRate');
  assert.deepEqual(conversion, { figure: 'conversionRate', a: 100, b: 20, delta: 80, aCount: 1, bCount: 5, trusted: false, note: 'too few to trust: fewer than 30 on one side' });
  assert.equal(compared.comparison.kpis.sessions, 5);
  await page.selectOption('select[name=visitor]', '');
  await page.selectOption('select[name=channel]', 'email');
  await page.selectOption('select[name=compareChannel]', 'all');
  await page.click('button[type=submit]');
  await page.waitForSelector('#comparison:not([hidden]) tbody tr');
  const rate = await page.locator('#comparison tbody tr', { hasText: 'Conversion rate' }).locator('th, td').allTextContents();
  assert.deepEqual(rate, ['Conversion rate', '100 % (1)', '20 % (5)', '+80 pts', 'no: too few to trust: fewer than 30 on one side']);
  assert.match(page.url(), /compareChannel=all/);
  await page.screenshot({ path: SHOTS + 'map-compared.png', fullPage: true });
  assert.deepEqual(await axeViolations(page), [], 'axe-core on the map with a comparison');
  const comparedCsv = await (await fetch(env.collector.url + '/v1/map.csv?channel=email&compareChannel=all')).text();
  assert.match(comparedCsv, /\ntotal,all sessions,,1,1,,/);
  assert.match(comparedCsv, /\ncompared_total,all sessions,,5,3,,/);

  // Exports: CSV, and the SVG saved beside the screenshots.
  const csv = await (await fetch(env.collector.url + '/v1/map.csv')).text();
  assert.ok(csv.includes('\ntouchpoint,Store visit,retention,1,1,1,100,1,'), csv);
  assert.ok(csv.includes('\ntotal,all sessions,,5,3,,100,2,2,0,1,100,1,,'), csv);
  assert.ok(csv.includes('\ntrend,' + today + ',day,'), csv);
  const svg = await (await fetch(env.collector.url + '/v1/map.svg')).text();
  assert.match(svg, /^<svg[^>]*><title>Customer journey map: 5 sessions, 3 visitors, 1 converted<\/title>/);
  writeFileSync(SHOTS + 'map.svg', svg);
  const png = await page.evaluate(async () => {
    const clicked = new Promise((resolve) => {
      const original = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function () {
        HTMLAnchorElement.prototype.click = original;
        resolve(this.download + ' ' + this.href.slice(0, 5));
      };
    });
    document.getElementById('export-png').click();
    return clicked;
  });
  assert.equal(png, 'journey-map.png blob:', 'the PNG is made in the page from the SVG');
  await page.context().close();
});

test('npm start seeds simulated visitors once: the map is readable at a glance on a first start', async () => {
  const { execFileSync } = await import('node:child_process');
  const { COLLECTOR } = await import('./harness.mjs');
  const collector = await startCollector();
  try {
    await collector.pause();
    const seed = () => execFileSync(COLLECTOR, ['seed', '--events', '5000', '--if-empty', '--db', collector.db], { encoding: 'utf8' });
    assert.match(seed(), /^seed: 50\d\d events of \d+ simulated visitors/);
    assert.match(seed(), /already holds events; nothing added/);
    await collector.resume();
    const figures = await (await fetch(collector.url + '/v1/map')).json();
    assert.ok(figures.sessions > 300 && figures.visitors > 100, `${figures.sessions} sessions, ${figures.visitors} visitors`);
    assert.ok(figures.stages.every((s, i) => i === 5 || s.sessions > 0), 'journeys reach every stage but advocacy');
    const page = await openPage(env.browser);
    await page.setViewportSize({ width: 1500, height: 1000 });
    await page.goto(collector.url + '/map');
    await page.waitForSelector('body[data-ready=true]');
    assert.equal(await page.locator('#totals dd').first().textContent(), String(figures.sessions));
    assert.ok((await page.locator('.card.hot').count()) > 0, 'struggles stand out as moments of truth');
    // The simulated visitors who struggle act and go on less often: the
    // opportunities find it, each past chance on enough sessions, biggest loss first.
    const found = figures.opportunities;
    assert.ok(found.length >= 2, JSON.stringify(found));
    for (const [i, o] of found.entries()) {
      assert.ok(o.sessionsWith >= 30 && o.sessionsWithout >= 30 && o.rateWith < o.rateWithout, JSON.stringify(o));
      if (i > 0) assert.ok(o.lost <= found[i - 1].lost, 'ranked by loss');
    }
    console.log('top opportunities of the seeded demo:\n' + found.slice(0, 3).map((o) => '  ' + o.text).join('\n'));
    const items = await page.locator('#opportunities li').allTextContents();
    assert.equal(items.length, found.length);
    assert.ok(items[0].startsWith(found[0].text.charAt(0).toUpperCase() + found[0].text.slice(1)), items[0]);
    await page.screenshot({ path: SHOTS + 'map-demo.png', fullPage: true });
    // The paths' labels never overlap, on a laptop and on a phone (and the
    // screenshots show it): every pair of label boxes is checked.
    for (const [name, width] of [['laptop', 1280], ['phone', 390]]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(400); // the labels are fitted again after a resize
      const boxes = await page.locator('#paths svg text').evaluateAll((texts) =>
        texts.filter((t) => t.textContent.trim()).map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }));
      assert.ok(boxes.length >= 4, `${name}: ${boxes.length} labels drawn`);
      const chart = await page.locator('#paths').boundingBox();
      for (const [i, a] of boxes.entries()) {
        assert.ok(a.left >= chart.x - 1 && a.right <= chart.x + chart.width + 1, `${name}: "${a.text}" stays inside the chart`);
        for (const b of boxes.slice(i + 1)) {
          const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          assert.ok(apart, `${name} (${width} px): "${a.text}" and "${b.text}" overlap: ${JSON.stringify([a, b])}`);
        }
      }
      await page.locator('#paths').screenshot({ path: SHOTS + `paths-${name}.png` });
    }
    await page.context().close();
  } finally {
    await collector.stop();
  }
});
