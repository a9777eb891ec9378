// The batches the SDK really sends, captured in Chromium, against the JSON
// Schema the npm package ships (pkg/batch.schema.json), read by ajv: what a
// backend is told it will receive is what it receives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { ROOT, openPage, startOnBlank, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();
const schema = JSON.parse(readFileSync(ROOT + 'pkg/batch.schema.json', 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

test('every batch the SDK sends is valid against the shipped schema, and the schema refuses a broken one', async () => {
  const page = await openPage(env.browser);
  const bodies = [];
  await page.route('**/v1/batch', (route) => {
    bodies.push(route.request().postData());
    return route.continue();
  });
  await startOnBlank(page, env.collector, { compress: false, capturePageview: true, writeKey: 'schema_site' });
  await page.evaluate(async () => {
    parcours.track('Signed Up', { plan: 'pro', seats: 3, nested: { a: [1, 'x'] } });
    parcours.identify('user_42', { plan: 'pro' });
    parcours.page({ section: 'pricing' });
    parcours.touchpoint('chat-opened', { topic: 'billing' });
    parcours.reset(); // ends the journey: a journey_summary goes too
    return parcours.flush();
  });
  const events = [];
  for (const body of bodies) {
    const batch = JSON.parse(body);
    assert.ok(validate(batch), JSON.stringify(validate.errors, null, 1));
    events.push(...batch.events);
  }
  const names = events.map((e) => e.name);
  for (const name of ['page_view', 'Signed Up', 'identify', 'touchpoint', 'journey_summary']) assert.ok(names.includes(name), `${name} in ${names}`);

  const broken = JSON.parse(bodies[0]);
  delete broken.events[0].sessionId;
  broken.events[0].type = 'click';
  assert.equal(validate(broken), false);
  assert.deepEqual(validate.errors.map((e) => e.instancePath + ' ' + e.keyword).sort(), ['/events/0 required', '/events/0/type enum']);
});
