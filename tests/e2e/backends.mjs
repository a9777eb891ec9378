// Strict stand-ins for other backends, for the destination tests: each
// checks a request against the backend's published rules and refuses it
// (400, with every problem listed) at the first deviation, the way a real
// backend would drop or reject it. The rules are data in
// backend-rules.json, written from the backends' documentation, not from
// Parcours' encoders, so the two check each other.
//
//   validateSegment(body, headers)        Segment HTTP Tracking API, POST /v1/batch
//   validatePosthog(body)                 PostHog capture API, POST /batch/
//   validateSnowplow(body, headers)       Snowplow tracker protocol, POST …/tp2
//   validateGa4(body, headers, url, now)  GA4 Measurement Protocol, POST /mp/collect
//   duplicateKeys(body)                   keys written twice in one object
//   startBackend(validate)                an HTTP server that answers with them
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

export const RULES = JSON.parse(readFileSync(new URL('./backend-rules.json', import.meta.url), 'utf8'));

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const chars = (text) => [...text].length;

/**
 * The paths of keys written twice in one object of JSON `text`
 * (JSON.parse keeps the last one silently; backends differ on which wins).
 */
export function duplicateKeys(text) {
  const found = [];
  let i = 0;
  const space = () => {
    while (' \t\n\r'.includes(text[i]) && i < text.length) i++;
  };
  const string = () => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return JSON.parse(text.slice(start, ++i));
  };
  const value = (path) => {
    space();
    const open = text[i];
    if (open === '"') return string();
    if (open !== '{' && open !== '[') {
      while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
      return;
    }
    i++;
    const seen = new Set();
    for (let n = 0; ; n++) {
      space();
      if (text[i] === '}' || text[i] === ']') return i++;
      let at = path + '[' + n + ']';
      if (open === '{') {
        const key = string();
        at = path + '.' + key;
        if (seen.has(key)) found.push(at);
        seen.add(key);
        space();
        i++; // the colon
      }
      value(at);
      space();
      if (text[i] === ',') i++;
    }
  };
  value('');
  return found;
}

const parsed = (text, problems) => {
  for (const path of duplicateKeys(text)) problems.push('key written twice: ' + path);
  try {
    return JSON.parse(text);
  } catch (e) {
    problems.push('body is not JSON');
    return null;
  }
};

/** Segment: the HTTP Tracking API's batch (RULES.segment). */
export function validateSegment(text, headers = {}) {
  const rules = RULES.segment;
  const problems = [];
  if (Buffer.byteLength(text) > rules.maxRequestBytes) problems.push('batch is over 500 KB');
  const body = parsed(text, problems);
  if (!body) return problems;
  const auth = headers.authorization || '';
  if (!body.writeKey && !auth.startsWith('Basic ')) problems.push('no write key (body writeKey or Basic auth)');
  if (!Array.isArray(body.batch) || body.batch.length === 0) return problems.concat('batch must be a non-empty array');
  if (body.sentAt !== undefined && !ISO_8601.test(body.sentAt)) problems.push('sentAt is not ISO 8601');
  body.batch.forEach((m, i) => {
    const at = 'batch[' + i + ']';
    if (!isObject(m)) return problems.push(at + ' is not an object');
    if (Buffer.byteLength(JSON.stringify(m)) > rules.maxMessageBytes) problems.push(at + ' is over 32 KB');
    if (!rules.types.includes(m.type)) problems.push(at + '.type ' + m.type);
    if (typeof m.messageId !== 'string' || !m.messageId) problems.push(at + '.messageId missing');
    if (!rules.oneOf.some((id) => m[id])) problems.push(at + ' has neither anonymousId nor userId');
    for (const id of rules.oneOf) if (m[id] !== undefined && typeof m[id] !== 'string') problems.push(at + '.' + id + ' is not a string');
    if (!ISO_8601.test(m.timestamp || '')) problems.push(at + '.timestamp is not ISO 8601');
    if (m.type === 'track' && (typeof m.event !== 'string' || !m.event)) problems.push(at + '.event missing');
    if (m.type === 'page' && m.name !== undefined && typeof m.name !== 'string') problems.push(at + '.name is not a string');
    for (const field of rules.objects) if (m[field] !== undefined && !isObject(m[field])) problems.push(at + '.' + field + ' is not an object');
  });
  return problems;
}

/** PostHog: the capture API's batch (RULES.posthog). */
export function validatePosthog(text) {
  const rules = RULES.posthog;
  const problems = [];
  if (Buffer.byteLength(text) > rules.maxRequestBytes) problems.push('batch is over 20 MB');
  const body = parsed(text, problems);
  if (!body) return problems;
  if (typeof body.api_key !== 'string' || !body.api_key) problems.push('api_key missing');
  if (!Array.isArray(body.batch) || body.batch.length === 0) return problems.concat('batch must be a non-empty array');
  body.batch.forEach((e, i) => {
    const at = 'batch[' + i + ']';
    if (!isObject(e)) return problems.push(at + ' is not an object');
    if (Buffer.byteLength(JSON.stringify(e)) > rules.maxEventBytes) problems.push(at + ' is over 1 MB');
    for (const key of rules.required) if (typeof e[key] !== 'string' || !e[key]) problems.push(at + '.' + key + ' missing');
    if (typeof e.distinct_id === 'string' && chars(e.distinct_id) > rules.maxDistinctId) problems.push(at + '.distinct_id is over 200 characters (PostHog cuts it)');
    if (e.uuid !== undefined && !UUID.test(e.uuid)) problems.push(at + '.uuid is not a UUID');
    if (e.timestamp !== undefined && !ISO_8601.test(e.timestamp)) problems.push(at + '.timestamp is not ISO 8601');
    if (e.properties !== undefined && !isObject(e.properties)) problems.push(at + '.properties is not an object');
  });
  return problems;
}

const PAYLOAD_DATA = /^iglu:com\.snowplowanalytics\.snowplow\/payload_data\/jsonschema\/1-0-\d+$/;

/** The self-describing schemas committed in schemas/, by Iglu URI. */
function igluSchema(uri) {
  const match = /^iglu:([^/]+)\/([^/]+)\/jsonschema\/(\d+-\d+-\d+)$/.exec(uri);
  if (!match) return null;
  if (match[1] === 'com.snowplowanalytics.snowplow') return { type: 'object' }; // Snowplow's own envelopes
  try {
    return JSON.parse(readFileSync(join(ROOT, 'schemas', match[1], match[2], 'jsonschema', match[3]), 'utf8'));
  } catch (e) {
    return null;
  }
}

/** The part of JSON Schema those schemas use: type, enum, required, properties, additionalProperties, items, lengths, bounds. */
function conforms(value, schema, at, problems) {
  const types = [].concat(schema.type || []);
  const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (types.length && !types.some((t) => t === typeOf(value) || (t === 'number' && typeof value === 'number'))) {
    return problems.push(at + ' is ' + typeOf(value) + ', not ' + types.join(' or '));
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(at + ' is not one of ' + schema.enum.join(', '));
  if (typeof value === 'string' && schema.maxLength !== undefined && [...value].length > schema.maxLength) problems.push(at + ' is too long');
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) problems.push(at + ' is below ' + schema.minimum);
  if (typeof value === 'number' && schema.maximum !== undefined && value > schema.maximum) problems.push(at + ' is above ' + schema.maximum);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => conforms(item, schema.items, at + '[' + i + ']', problems));
  if (isObject(value)) {
    for (const key of schema.required || []) if (!(key in value)) problems.push(at + '.' + key + ' is required');
    for (const [key, item] of Object.entries(value)) {
      const inner = (schema.properties || {})[key];
      if (inner) conforms(item, inner, at + '.' + key, problems);
      else if (schema.additionalProperties === false) problems.push(at + '.' + key + ' is not in the schema');
    }
  }
}

/** A self-describing JSON ({ schema, data }) whose data conforms to its schema. */
function selfDescribing(value, at, problems) {
  if (!isObject(value) || typeof value.schema !== 'string') return problems.push(at + ' is not self-describing');
  const schema = igluSchema(value.schema);
  if (!schema) return problems.push(at + ': unknown schema ' + value.schema);
  conforms(value.data, schema, at + '.data', problems);
}

/** Snowplow: the tracker protocol (RULES.snowplow), events against the committed schemas. */
export function validateSnowplow(text, headers = {}) {
  const rules = RULES.snowplow;
  const problems = [];
  if (!/^application\/json/i.test(headers['content-type'] || '')) problems.push('content type is not application/json');
  const body = parsed(text, problems);
  if (!body) return problems;
  if (!PAYLOAD_DATA.test(body.schema || '')) problems.push('schema is not payload_data');
  if (!Array.isArray(body.data) || body.data.length === 0) return problems.concat('data must be a non-empty array');
  body.data.forEach((p, i) => {
    const at = 'data[' + i + ']';
    if (!isObject(p)) return problems.push(at + ' is not an object');
    for (const [key, value] of Object.entries(p)) if (typeof value !== 'string') problems.push(at + '.' + key + ' is not a string');
    if (!rules.eventTypes.includes(p.e)) problems.push(at + '.e ' + p.e);
    if (!rules.platforms.includes(p.p)) problems.push(at + '.p ' + p.p);
    for (const [key, most] of Object.entries(rules.maxLength)) {
      if (typeof p[key] === 'string' && chars(p[key]) > most) problems.push(at + '.' + key + ' is over ' + most + ' characters');
    }
    if (!p.tv) problems.push(at + '.tv missing');
    if (!UUID.test(p.eid || '')) problems.push(at + '.eid is not a UUID');
    if (p.sid !== undefined && !UUID.test(p.sid)) problems.push(at + '.sid is not a UUID');
    for (const time of ['dtm', 'stm']) if (typeof p[time] === 'string' && !/^\d{13}$/.test(p[time])) problems.push(at + '.' + time + ' is not milliseconds');
    if (p.e === 'pv' && !p.url) problems.push(at + ': a page view needs url');
    if (p.e === 'ue') {
      if (!p.ue_pr) return problems.push(at + ': a self-describing event needs ue_pr');
      try {
        for (const path of duplicateKeys(p.ue_pr)) problems.push(at + '.ue_pr: key written twice: ' + path);
        const envelope = JSON.parse(p.ue_pr);
        if (envelope.schema !== 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0') problems.push(at + '.ue_pr schema ' + envelope.schema);
        selfDescribing(envelope.data, at + '.ue_pr.data', problems);
      } catch (e) {
        problems.push(at + '.ue_pr is not JSON');
      }
    }
    if (p.co) {
      try {
        for (const path of duplicateKeys(p.co)) problems.push(at + '.co: key written twice: ' + path);
        const contexts = JSON.parse(p.co);
        if (contexts.schema !== 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0') problems.push(at + '.co schema ' + contexts.schema);
        (contexts.data || []).forEach((c, j) => selfDescribing(c, at + '.co.data[' + j + ']', problems));
      } catch (e) {
        problems.push(at + '.co is not JSON');
      }
    }
  });
  return problems;
}

/**
 * GA4: the Measurement Protocol (RULES.ga4). `url` (the request's) carries measurement_id
 * and api_secret; `now` (ms) dates the 72-hour window.
 */
export function validateGa4(text, headers = {}, url = '', now = Date.now()) {
  const rules = RULES.ga4;
  const problems = [];
  const query = new URL(url, 'https://www.google-analytics.com').searchParams;
  for (const key of ['measurement_id', 'api_secret']) if (!query.get(key)) problems.push(key + ' missing from the URL');
  if (Buffer.byteLength(text) > rules.maxRequestBytes) problems.push('body is over 130 KB');
  const body = parsed(text, problems);
  if (!body) return problems;
  if (typeof body.client_id !== 'string' || !body.client_id) problems.push('client_id missing');
  if (body.user_id !== undefined && (typeof body.user_id !== 'string' || chars(body.user_id) > rules.maxUserIdLength)) problems.push('user_id is not a string of 256 characters at most');
  if (!Array.isArray(body.events) || body.events.length === 0) return problems.concat('events must be a non-empty array');
  if (body.events.length > rules.maxEvents) problems.push('more than 25 events');
  const nameProblem = (name, reserved, prefixes) => {
    if (typeof name !== 'string' || !name) return 'is missing';
    if (chars(name) > rules.maxNameLength) return 'is over 40 characters';
    if (!/^\p{L}[\p{L}\p{N}_]*$/u.test(name)) return 'is not letters, digits and _ from a letter';
    if (reserved.includes(name) || prefixes.some((p) => name.startsWith(p))) return 'is reserved';
    return '';
  };
  body.events.forEach((e, i) => {
    const at = 'events[' + i + ']';
    if (!isObject(e)) return problems.push(at + ' is not an object');
    const bad = nameProblem(e.name, rules.reservedEvents, rules.reservedEventPrefixes);
    if (bad) problems.push(at + '.name ' + JSON.stringify(e.name) + ' ' + bad);
    if (e.timestamp_micros !== undefined && now * 1000 - e.timestamp_micros > rules.maxAgeHours * 3600e6) problems.push(at + ' is older than 72 hours');
    const params = e.params || {};
    if (!isObject(params)) return problems.push(at + '.params is not an object');
    if (Object.keys(params).length > rules.maxParams) problems.push(at + ' has more than 25 parameters');
    for (const key of rules.requiredParams) if (!(key in params)) problems.push(at + '.params.' + key + ' missing');
    for (const [key, value] of Object.entries(params)) {
      const badKey = nameProblem(key, rules.reservedParams, rules.reservedParamPrefixes);
      if (badKey) problems.push(at + '.params ' + JSON.stringify(key) + ' ' + badKey);
      if (isObject(value) || Array.isArray(value)) problems.push(at + '.params.' + key + ' is not a number or text');
      const most = rules.valueLength[key] || rules.maxValueLength;
      if (typeof value === 'string' && chars(value) > most) problems.push(at + '.params.' + key + ' is over ' + most + ' characters');
    }
  });
  return problems;
}

/**
 * An HTTP server on a free port that answers POSTs with `validate`: 200
 * and the body kept in `received`, or 400 with the problems. `fail` set to
 * a status makes it answer that instead (a failing backend). CORS is open.
 */
export async function startBackend(validate) {
  const backend = { received: [], refused: [], fail: 0, url: '' };
  const server = createServer((request, response) => {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Headers', 'content-type, authorization');
    if (request.method === 'OPTIONS') return response.writeHead(204).end();
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      if (backend.fail) return response.writeHead(backend.fail).end();
      const problems = validate(text, request.headers, request.url);
      if (problems.length) {
        backend.refused.push(problems);
        return response.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ problems }));
      }
      backend.received.push({ path: request.url, body: JSON.parse(text), headers: request.headers });
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.url = 'http://127.0.0.1:' + server.address().port;
  backend.stop = () => new Promise((resolve) => server.close(resolve));
  return backend;
}
