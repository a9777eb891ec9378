// Nothing a page passes to Parcours reaches the page as an exception or a
// rejected promise, and one bad string never costs the other events their
// delivery. In Debian's Chromium against the real collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForEvents, withCollectorAndBrowser, startOnBlank } from './harness.mjs';

const env = withCollectorAndBrowser();

test('every API function called with hostile values throws nothing, rejects nothing, and tracking still works', async () => {
  const page = await openPage(env.browser);
  await startOnBlank(page, env.collector, { flushInterval: 200 });
  const outcome = await page.evaluate(async () => {
    const rejections = [];
    addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason)));
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const cyclic = { a: 1 };
    cyclic.self = cyclic;
    const ownKeysThrow = new Proxy({}, { ownKeys() { throw new Error('ownKeys'); } });
    const hostile = [
      undefined, null, 1n, Symbol('s'), revoked.proxy, cyclic, ownKeysThrow,
      { get b() { throw new Error('getter'); } },
      { toJSON() { throw new Error('toJSON'); } },
      'x'.repeat(2000000), NaN, -1, [], [1, 2], () => 1, new Date(NaN), Object.create(null),
    ];
    const calls = [
      (v) => parcours.track(v), (v) => parcours.track('hostile', v), (v) => parcours.page(v),
      (v) => parcours.identify(v), (v) => parcours.identify('u1', v), (v) => parcours.touchpoint(v),
      (v) => parcours.touchpoint('t', v), (v) => parcours.consent(v), (v) => parcours.consent({ analytics: v }),
      (v) => parcours.on(v, 5), (v) => parcours.on('flush', v), (v) => parcours.on(v, () => {}),
      (v) => parcours.init(v), (v) => parcours.flush(v), (v) => parcours.debug(v), (v) => parcours.journey(v),
      (v) => parcours.survey.show(v), (v) => parcours.survey.hide(v), (v) => parcours.survey.explain(v),
    ];
    const thrown = [];
    const promises = [];
    for (const [i, call] of calls.entries()) {
      for (const [j, value] of hostile.entries()) {
        try {
          const result = call(value);
          if (result && typeof result.then === 'function') promises.push(result.then(() => null, (e) => 'call ' + i + ' value ' + j + ' rejected: ' + e));
        } catch (e) {
          thrown.push('call ' + i + ' value ' + j + ' threw: ' + e);
        }
      }
    }
    const timeout = new Promise((resolve) => setTimeout(() => resolve(['a promise did not settle within 3 s']), 3000));
    const rejected = await Promise.race([Promise.all(promises).then((all) => all.filter(Boolean)), timeout]);
    await new Promise((r) => setTimeout(r, 100));
    parcours.track('after hostile calls', { ok: true });
    const flushed = await parcours.flush();
    return { thrown, rejected, rejections, flushed, state: parcours.debug() };
  });
  assert.deepEqual(outcome.thrown, [], 'nothing thrown');
  assert.deepEqual(outcome.rejected, [], 'no promise rejected, every one settled');
  assert.deepEqual(outcome.rejections, [], 'no unhandled rejection');
  assert.deepEqual(page.pageErrors, [], 'no page error');
  assert.ok(outcome.state, 'Parcours still runs');
  await waitForEvents(env.collector, 'name=' + encodeURIComponent('after hostile calls'), (evs) => evs.length === 1);
  assert.ok(page.consoleMessages.some((m) => m.type === 'warning' && /could not be serialised|must be/.test(m.text)), 'the console says what was wrong');
  await page.context().close();
});

test('a string sliced through an emoji becomes U+FFFD, and the events around it are delivered', async () => {
  const page = await openPage(env.browser);
  await startOnBlank(page, env.collector, { flushInterval: 200 });
  await page.evaluate(() => {
    parcours.track('surrogate-before', { n: 1 });
    parcours.track('surrogate-bad', { q: '😀😀'.slice(0, 3), [('😀').slice(0, 1)]: 'key' });
    parcours.identify('user-1', { name: 'Zoë' + '😀'.slice(1) });
    parcours.track('surrogate-after', { n: 2 });
    return parcours.flush();
  });
  const events = await waitForEvents(env.collector, '', (evs) => ['surrogate-before', 'surrogate-bad', 'surrogate-after'].every((n) => evs.some((e) => e.name === n)) && evs.some((e) => e.userId === 'user-1' && e.type === 'identify'));
  const bad = events.find((e) => e.name === 'surrogate-bad');
  assert.equal(bad.properties.q, '😀\uFFFD');
  assert.equal(bad.properties['\uFFFD'], 'key');
  const identify = events.find((e) => e.name === 'identify' && e.userId === 'user-1');
  assert.equal((identify.traits || identify.properties).name, 'Zoë\uFFFD');
  assert.equal(await page.evaluate(() => parcours.debug().dropped), 0, 'nothing dropped');
  await page.context().close();
});

test('a later event on a page opened without a referrer carries no referrer', async () => {
  const page = await openPage(env.browser);
  // A query parameter Parcours strips: the recorded URL differs from the page's.
  await startOnBlank(page, env.collector, { flushInterval: 200, capturePageview: true }, '/e2e/blank.html?session_token=abc&x=1');
  await page.evaluate(() => {
    parcours.track('referrer-later', {});
    return parcours.flush();
  });
  const events = await waitForEvents(env.collector, '', (evs) => evs.some((e) => e.name === 'referrer-later'));
  const later = events.find((e) => e.name === 'referrer-later');
  assert.equal(later.context.page.referrer, '', JSON.stringify(later.context.page));
  assert.equal(later.context.page.url, events.find((e) => e.type === 'page' && e.sessionId === later.sessionId).context.page.url);
  await page.context().close();
});
