// The analytics API Segment's and PostHog's users expect, in Chromium
// through the script tag, against the real collector: group and alias,
// super properties kept across pages, beforeSend changing or dropping
// events before they are stored, the anonymous id, ready() and a late
// on('ready'), and the consent in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startOnBlank, fetchEvents, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();

test('group, alias and super properties reach the collector as Segment names them, and last across pages until reset', async () => {
  const page = await openPage(env.browser);
  await startOnBlank(page, env.collector);
  const visitorId = await page.evaluate(async () => {
    parcours.register({ plan: 'pro', appVersion: '4.2' });
    parcours.register_once({ plan: 'free', firstPage: '/blank' });
    parcours.group('acme', { name: 'Acme', employees: 120 });
    parcours.track('Invoice Sent', { appVersion: 'own value' });
    parcours.alias('user_42');
    await parcours.flush();
    return parcours.anonymousId();
  });
  assert.match(visitorId, /^[0-9a-f-]{36}$/);
  let events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length === 3);
  const [group, invoice, alias] = events;
  assert.equal(group.type, 'group');
  assert.equal(group.groupId, 'acme');
  assert.deepEqual(group.traits, { name: 'Acme', employees: 120 });
  assert.equal(invoice.context.groupId, 'acme', 'events after group() carry context.groupId');
  assert.deepEqual(invoice.properties, { plan: 'pro', appVersion: 'own value', firstPage: '/blank' }, 'register_once kept plan; the event’s own value won');
  assert.equal(alias.type, 'alias');
  assert.equal(alias.userId, 'user_42');
  assert.equal(alias.previousId, visitorId, 'by default the anonymous id is aliased');

  // The next page load of the site still adds them; unregister and reset take them away.
  await startOnBlank(page, env.collector);
  await page.evaluate(async () => {
    parcours.track('next page');
    parcours.unregister('appVersion');
    parcours.track('unregistered');
    parcours.reset();
    parcours.track('after reset');
    await parcours.flush();
  });
  events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length >= 5);
  const next = events.find((e) => e.name === 'next page');
  assert.deepEqual(next.properties, { plan: 'pro', appVersion: '4.2', firstPage: '/blank' });
  assert.equal(next.context.groupId, 'acme');
  assert.deepEqual(events.find((e) => e.name === 'unregistered').properties, { plan: 'pro', firstPage: '/blank' });
  const newVisitor = await page.evaluate(() => parcours.anonymousId());
  assert.notEqual(newVisitor, visitorId, 'reset() gives a new anonymous id');
  const [afterReset] = await waitForEvents(env.collector, 'visitor=' + newVisitor, (evs) => evs.some((e) => e.name === 'after reset'));
  assert.equal(afterReset.properties, undefined, 'no super property after reset');
  assert.equal(afterReset.context.groupId, undefined, 'no group after reset');
  assert.deepEqual(page.pageErrors, []);
});

test('bad arguments to the new calls warn and record nothing; the page never sees an exception', async () => {
  const page = await openPage(env.browser);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await startOnBlank(page, env.collector);
  const visitorId = await page.evaluate(async () => {
    parcours.group('');
    parcours.alias(42);
    parcours.register([1, 2]);
    parcours.register('plan');
    parcours.unregister();
    parcours.track('only this');
    await parcours.flush();
    return parcours.anonymousId();
  });
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length >= 1);
  assert.deepEqual(events.map((e) => e.name), ['only this']);
  assert.equal(events[0].properties, undefined, 'nothing was registered');
  for (const call of ['group(groupId', 'alias(userId', 'register() properties must be a plain object', 'unregister(name)']) {
    assert.ok(warnings.some((w) => w.includes(call)), call + ' warned: ' + warnings.join(' | '));
  }
  assert.deepEqual(page.pageErrors, []);
});

test('beforeSend sees every event before it is stored: a change is stored, a drop is never stored, a slip keeps the event', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/blank.html');
  const { visitorId, seen, errors, pending, eventCount } = await page.evaluate(async () => {
    const seen = [];
    const errors = [];
    parcours.on('error', (e) => errors.push(e.field + ': ' + e.message));
    parcours.init({
      endpoint: '/v1/batch',
      capturePageview: false,
      beforeSend(event) {
        seen.push(event.name);
        if (event.name === 'drop me') return null;
        if (event.name === 'email entered') {
          delete event.properties.email;
          event.properties.redacted = true;
        }
        if (event.name === 'steal the id') event.id = 'x';
        if (event.name === 'forgot to return') return undefined;
        if (event.name === 'throws') throw new Error('hook bug');
        return event;
      },
    });
    await parcours.ready();
    for (const name of ['kept', 'drop me', 'steal the id', 'forgot to return', 'throws']) parcours.track(name);
    parcours.track('email entered', { email: 'ada@example.com', step: 2 });
    await parcours.flush();
    return { visitorId: parcours.anonymousId(), seen, errors, pending: parcours.debug().pending, eventCount: parcours.journey().journey.eventCount };
  });
  assert.deepEqual(seen, ['kept', 'drop me', 'steal the id', 'forgot to return', 'throws', 'email entered']);
  const events = await waitForEvents(env.collector, 'visitor=' + visitorId, (evs) => evs.length >= 5);
  assert.deepEqual(events.map((e) => e.name), ['kept', 'steal the id', 'forgot to return', 'throws', 'email entered']);
  assert.deepEqual(events[4].properties, { step: 2, redacted: true });
  assert.notEqual(events[1].id, 'x', 'the id stays the SDK’s');
  assert.equal(pending, 0, 'nothing left waiting: the dropped event was never stored');
  assert.equal(errors.length, 3, errors.join(' | '));
  assert.match(errors[0], /^beforeSend: options\.beforeSend changed the event’s id\. The event was kept as it was/);
  assert.match(errors[1], /^beforeSend: options\.beforeSend returned undefined, not the event/);
  assert.match(errors[2], /^beforeSend: options\.beforeSend threw \("hook bug"\)/);
  assert.equal(eventCount, 5, 'the journey computed in the browser never saw the dropped event');
  assert.deepEqual(page.pageErrors, []);
});

test('beforeSend that is not a function is refused with its field, and init can be called again', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/blank.html');
  const result = await page.evaluate(async () => {
    const errors = [];
    parcours.on('error', (e) => errors.push({ code: e.code, field: e.field }));
    parcours.init({ endpoint: '/v1/batch', beforeSend: 'redact' });
    parcours.init({ endpoint: '/v1/batch', capturePageview: false });
    await parcours.ready();
    return errors;
  });
  assert.deepEqual(result, [{ code: 'invalid_option', field: 'options.beforeSend' }]);
});

test('ready() and an on("ready") added after ready both fire; anonymousId() and consent() answer once ready', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/blank.html');
  const before = await page.evaluate(() => ({ id: parcours.anonymousId(), consent: parcours.consent() }));
  assert.deepEqual(before, { id: null, consent: null }, 'nothing to tell before init');
  await page.evaluate(() => {
    parcours.init({ endpoint: '/v1/batch', capturePageview: false, consent: { analytics: 'granted', feedback: 'pending' } });
    return parcours.ready();
  });
  const late = await page.evaluate(async () => {
    const order = [];
    const callbackState = await new Promise((resolve) => parcours.ready((state) => (order.push('ready'), resolve(state))));
    const onState = await new Promise((resolve) => parcours.on('ready', (state) => (order.push('on'), resolve(state))));
    // A listener removed before its turn is not called.
    let removedCalled = false;
    parcours.on('ready', () => (removedCalled = true))();
    await new Promise((r) => setTimeout(r, 50));
    return { order, callbackState, onState, removedCalled, id: parcours.anonymousId(), debugId: parcours.debug().visitorId, consent: parcours.consent() };
  });
  assert.deepEqual(late.order, ['ready', 'on']);
  assert.equal(late.callbackState.visitorId, late.debugId);
  assert.equal(late.onState.visitorId, late.debugId);
  assert.equal(late.removedCalled, false);
  assert.equal(late.id, late.debugId);
  assert.deepEqual(late.consent, { analytics: 'granted', feedback: 'pending' });
  const denied = await page.evaluate(() => (parcours.consent('denied'), parcours.consent()));
  assert.deepEqual(denied, { analytics: 'denied', feedback: 'denied' });
  assert.deepEqual(page.pageErrors, []);
});

test('the snippet queues the new calls before the SDK has loaded and replays them in order', async () => {
  const page = await openPage(env.browser);
  await page.goto(env.collector.url + '/e2e/queued-everyday.html');
  const state = await page.evaluate(() => window.readyState);
  assert.deepEqual(await page.evaluate(() => window.flushed), { ok: true, pending: 0 });
  const events = await fetchEvents(env.collector, 'visitor=' + state.visitorId);
  assert.deepEqual(events.map((e) => e.name), ['group', 'queued']);
  assert.deepEqual(events[1].properties, { source: 'snippet' });
  assert.equal(events[1].context.groupId, 'acme');
  assert.deepEqual(page.pageErrors, []);
});
