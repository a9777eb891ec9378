// The destination encoders' output (the golden fixtures written by
// core/tests/golden_destinations.rs) read by strict stand-ins for Segment and
// Snowplow written in JavaScript from the backends' specifications: two
// independent readings of each format must agree, and each stand-in must
// refuse what the real backend would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';
import { validateSegment, validateSnowplow, validatePosthog, validateGa4, duplicateKeys, startBackend, RULES } from './backends.mjs';

const fixture = (name) => JSON.parse(readFileSync(join(ROOT, 'core/tests/fixtures/destinations', name + '.json'), 'utf8'));
const headersOf = (request) => Object.fromEntries([['content-type', request.contentType], ...Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])]);

test('the Segment encoding is a valid HTTP Tracking API batch, and the stand-in refuses broken ones', () => {
  const [request] = fixture('segment').requests;
  assert.deepEqual(validateSegment(JSON.stringify(request.body), headersOf(request)), []);
  const broken = structuredClone(request.body);
  delete broken.batch[0].messageId;
  broken.batch[1].timestamp = '1795373616292';
  delete broken.batch[2].event;
  delete broken.batch[3].anonymousId;
  delete broken.writeKey;
  assert.deepEqual(validateSegment(JSON.stringify(broken), {}), [
    'no write key (body writeKey or Basic auth)',
    'batch[0].messageId missing',
    'batch[1].timestamp is not ISO 8601',
    'batch[2].event missing',
    'batch[3] has neither anonymousId nor userId',
  ]);
});

test('the Snowplow encoding is valid tracker protocol whose events match the committed schemas', () => {
  const [request] = fixture('snowplow').requests;
  assert.deepEqual(validateSnowplow(JSON.stringify(request.body), headersOf(request)), []);
  const broken = structuredClone(request.body);
  broken.data[0].eid = 'not-a-uuid';
  broken.data[1].dtm = 1795373616292; // a number, not a string
  const answer = JSON.parse(broken.data[3].ue_pr);
  delete answer.data.data.submission;
  answer.data.data.questionType = 'stars';
  broken.data[3].ue_pr = JSON.stringify(answer);
  const event = JSON.parse(broken.data[2].ue_pr);
  event.data.data.extra = 1;
  broken.data[2].ue_pr = JSON.stringify(event);
  assert.deepEqual(validateSnowplow(JSON.stringify(broken), headersOf(request)), [
    'data[0].eid is not a UUID',
    'data[1].dtm is not a string',
    'data[2].ue_pr.data.data.extra is not in the schema',
    'data[3].ue_pr.data.data.submission is required',
    'data[3].ue_pr.data.data.questionType is not one of csat, ces, nps, thumbs, text',
  ]);
});

test('a stand-in backend answers 200 to a valid request, 400 with the problems, or the failure it is told', async () => {
  const backend = await startBackend(validateSegment);
  const [request] = fixture('segment').requests;
  const post = (body) => fetch(backend.url + '/v1/batch', { method: 'POST', headers: { 'Content-Type': request.contentType }, body });
  assert.equal((await post(JSON.stringify(request.body))).status, 200);
  assert.equal(backend.received[0].body.batch.length, 8);
  const refused = await post('{"batch":[]}');
  assert.equal(refused.status, 400);
  assert.deepEqual((await refused.json()).problems, ['no write key (body writeKey or Basic auth)', 'batch must be a non-empty array']);
  backend.fail = 503;
  assert.equal((await post(JSON.stringify(request.body))).status, 503);
  await backend.stop();
});

// Every golden request file (core/tests/fixtures/destinations): the ordinary
// batch's, the stressing one's (stress-batch.json) and the group and alias
// one's (profile-batch.json), checked against the
// backend's published rules (backend-rules.json), which are written from the
// backends' documentation and share nothing with the encoders' constants.
const NOW = 1795375416191; // sentAt of the fixture batches
const VALIDATORS = { segment: validateSegment, posthog: validatePosthog, snowplow: validateSnowplow, ga4: validateGa4 };
const fixtureText = (name) => readFileSync(join(ROOT, 'core/tests/fixtures/destinations', name + '.json'), 'utf8');

for (const [backend, validate] of Object.entries(VALIDATORS)) {
  test(backend + ': every golden request keeps the published rules, and no object has a key twice', () => {
    for (const name of [backend, 'stress-' + backend, 'profile-' + backend]) {
      assert.deepEqual(duplicateKeys(fixtureText(name)), [], name + ' has a key twice');
      const { requests } = fixture(name);
      assert.ok(requests.length > 0, name);
      requests.forEach((request, i) => {
        const problems = validate(JSON.stringify(request.body), headersOf(request), request.url, NOW);
        assert.deepEqual(problems, [], name + ' request ' + i);
      });
    }
  });
}

test('the rule checkers catch what each backend refuses: reserved and merged names, long ids, duplicate keys, long values', () => {
  assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}]},"a":"x"}'), ['.b.c[0].d', '.a']);
  assert.deepEqual(duplicateKeys('{"a\\"b":1,"a\\u0022b":2,"s":"}{\\\\"}'), ['.a"b']);
  const ga4 = (events, user) => JSON.stringify({ client_id: 'c', ...(user ? { user_id: user } : {}), events });
  const params = { session_id: 1, engagement_time_msec: 1 };
  const url = '/mp/collect?measurement_id=G-1&api_secret=s';
  assert.deepEqual(
    validateGa4(
      ga4([
        { name: 'session_start_with_rollout', params },
        { name: 'Order Completed', params },
        { name: 'Покупка', params: { ...params, page_location: 'x'.repeat(1001), цена: 1, ga_x: 1 } },
        { name: 'ok', params: { session_id: 1 }, timestamp_micros: (NOW - 73 * 3600e3) * 1000 },
      ], 'u'.repeat(257)),
      {},
      url,
      NOW,
    ),
    [
      'user_id is not a string of 256 characters at most',
      'events[0].name "session_start_with_rollout" is reserved',
      'events[1].name "Order Completed" is not letters, digits and _ from a letter',
      'events[2].params.page_location is over 1000 characters',
      'events[2].params "ga_x" is reserved',
      'events[3] is older than 72 hours',
      'events[3].params.engagement_time_msec missing',
    ],
  );
  assert.deepEqual(
    validatePosthog('{"api_key":"k","batch":[{"event":"x","distinct_id":"' + 'u'.repeat(201) + '","properties":{"$session_id":"a","$session_id":"b"}}]}'),
    ['key written twice: .batch[0].properties.$session_id', 'batch[0].distinct_id is over 200 characters (PostHog cuts it)'],
  );
  const [snowplow] = fixture('snowplow').requests;
  const long = structuredClone(snowplow.body);
  long.data[0].uid = 'u'.repeat(256);
  assert.deepEqual(validateSnowplow(JSON.stringify(long), headersOf(snowplow)), ['data[0].uid is over 255 characters']);
});

test('the stressing batch reaches each backend whole and attributed right', () => {
  const bodies = (name) => fixture('stress-' + name).requests.map((r) => r.body);
  const batch = JSON.parse(fixtureText('stress-batch'));
  const named = (name) => batch.events.findIndex((e) => e.name === name);

  // GA4: one event per name the site used, none merged, none reserved; the campaign of a long URL kept; engaged time measured.
  const ga4 = bodies('ga4').flatMap((b) => b.events);
  const fresh = batch.events.filter((e) => NOW - e.ts <= RULES.ga4.maxAgeHours * 3600e3);
  assert.equal(ga4.length, fresh.length, 'every event but the 80-hour-old one');
  assert.equal(fresh.length, batch.events.length - 1);
  const sentNames = new Map(fresh.flatMap((e, i) => (e.type === 'track' ? [[e.name, ga4[i].name]] : [])));
  assert.equal(new Set(sentNames.values()).size, sentNames.size, 'no two names merge: ' + JSON.stringify([...sentNames]));
  assert.equal(sentNames.get('Покупка'), 'Покупка');
  assert.equal(sentNames.get('購入'), '購入');
  assert.ok(!RULES.ga4.reservedEvents.includes(sentNames.get('session_start_with_rollout')));
  assert.match(ga4[0].params.page_location, /utm_campaign=winter_sale$/);
  assert.equal(ga4.find((e) => e.name === 'page_leave').params.engagement_time_msec, 1661);

  // PostHog: two users sharing 200 characters stay two people; its own keys stay its own.
  const posthog = bodies('posthog').flatMap((b) => b.batch);
  const users = posthog.filter((e) => e.properties.parcours_user_id).map((e) => e.distinct_id);
  assert.equal(new Set(users).size, 2, 'two people');
  assert.ok(users.every((id) => [...id].length <= RULES.posthog.maxDistinctId));
  const x = posthog[named('X')];
  assert.equal(x.properties.$session_id, batch.events[named('X')].sessionId);
  assert.equal(x.properties.$current_url, batch.events[named('X')].context.page.url);
  assert.equal(x.properties.site_$session_id, 'evil');

  // Segment: page() given url and title keeps the page's own; a large event keeps its small properties.
  const segment = bodies('segment').flatMap((b) => b.batch);
  const page = segment[named('X') + 1];
  assert.equal(page.properties.url, batch.events[named('X') + 1].context.page.url);
  assert.equal(page.properties.site_url, 'mine');
  const big = segment[named('Big')];
  assert.ok(Buffer.byteLength(JSON.stringify(big)) <= RULES.segment.maxMessageBytes);
  assert.deepEqual(Object.keys(big.properties).sort(), ['medium', 'small']);

  // Snowplow: long user ids fit `uid`, stay apart, and the id itself travels in the session context.
  const snowplow = bodies('snowplow').flatMap((b) => b.data).filter((p) => p.uid);
  assert.equal(new Set(snowplow.map((p) => p.uid)).size, 2);
  for (const p of snowplow) {
    const session = JSON.parse(p.co).data[0].data;
    assert.ok(session.userId.startsWith('u'.repeat(255)) && p.uid !== session.userId);
  }
});
