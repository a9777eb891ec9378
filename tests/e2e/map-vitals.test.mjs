// Web Vitals on the journey map: journey summaries whose page steps carry
// LCP, INP and CLS (as the SDK's page-experience build writes them) are
// posted to a real collector, and each touchpoint card of /map shows the
// 75th percentile, in words and coloured by Google's rating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, openPage, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

/** A stored-as-sent journey summary of one session through / and /pricing. */
function summary(i, vitals, now) {
  const id = 'vitals-' + i;
  return {
    id: 'j-' + id, type: 'track', name: 'journey_summary', ts: now, visitorId: 'visitor-' + i, sessionId: id,
    context: { page: { url: 'https://shop.example/pricing', path: '/pricing', title: 'Pricing', referrer: '' } },
    properties: {
      v: 1, sessionId: id, sessionIndex: 1, startedAt: now - 60000, lastActivityAt: now, endReason: 'timeout', channel: 'direct',
      landing: '/', exit: '/pricing', truncatedSteps: 0, furthestStage: 'consideration', conversions: [], friction: {},
      steps: [
        { touchpoint: '/', kind: 'page', stage: 'awareness', at: 0, dwellMs: 4000, emotion: 'neutral' },
        { touchpoint: '/pricing', kind: 'page', stage: 'consideration', at: 4000, dwellMs: 0, emotion: 'neutral', vitals },
      ],
      stages: [{ stage: 'awareness', at: 0, touchpoint: '/' }, { stage: 'consideration', at: 4000, touchpoint: '/pricing' }],
      emotionCurve: [0, 0], momentsOfTruth: [], pageCount: 2, eventCount: 2, engagedMs: 4000, durationMs: 60000, bounce: false,
    },
  };
}

test('each touchpoint card shows its vitals at the 75th percentile, rated in words and colour', async () => {
  const now = Date.now();
  // Worked out by hand: LCP 1.2, 2.0, 3.0, 5.0 s -> p75 3.0 s (needs
  // improvement); INP 100, 600 ms -> 600 (poor); CLS 0.05 -> good.
  const vitals = [{ lcpMs: 1200, inpMs: 100 }, { lcpMs: 3000, cls: 0.05 }, { lcpMs: 2000, inpMs: 600 }, { lcpMs: 5000 }];
  const events = vitals.map((v, i) => summary(i, v, now));
  const response = await fetch(env.collector.url + '/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ v: 1, batchId: 'vitals-batch', sentAt: now, events }),
  });
  assert.equal(response.status, 200, await response.text());
  const figures = await (await fetch(env.collector.url + '/v1/map')).json();
  const pricing = figures.touchpoints.find((t) => t.name === '/pricing');
  assert.deepEqual(pricing.vitals, {
    lcpMs: { p75: 3000, n: 4, rating: 'needs_improvement' },
    inpMs: { p75: 600, n: 2, rating: 'poor' },
    cls: { p75: 0.05, n: 1, rating: 'good' },
  });
  assert.deepEqual(figures.touchpoints.find((t) => t.name === '/').vitals, {});

  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/map');
  const card = page.locator('.card[data-touchpoint="/pricing"]');
  await card.waitFor();
  const badges = await card.locator('.vital').evaluateAll((nodes) => nodes.map((n) => [n.textContent, n.className, getComputedStyle(n).backgroundColor]));
  assert.deepEqual(badges.map((b) => b[0]), ['LCP 3.0 s needs improvement', 'INP 600 ms poor', 'CLS 0.05 good']);
  assert.deepEqual(badges.map((b) => b[1]), ['vital needs_improvement', 'vital poor', 'vital good']);
  assert.equal(new Set(badges.map((b) => b[2])).size, 3, 'three ratings, three colours');
  // The words are part of the card's accessible name: colour is never the only sign.
  assert.match(await card.getAttribute('aria-label') ?? await card.textContent(), /LCP 3\.0 s needs improvement/);
  assert.equal(await page.locator('.card[data-touchpoint="/"] .vital').count(), 0, 'nothing measured, nothing shown');
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});
