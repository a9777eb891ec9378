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
import { validateSegment, validateSnowplow, startBackend } from './backends.mjs';

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
