// Strict stand-ins for other backends, for the destination tests: each
// checks a request against the backend's published format and refuses it
// (400, with every problem listed) at the first deviation, the way a real
// backend would drop or reject it. Written from the specifications, not from
// Parcours' encoders, so the two check each other.
//
//   validateSegment(body, headers)  Segment HTTP Tracking API, POST /v1/batch
//   validateSnowplow(body, headers) Snowplow tracker protocol, POST …/tp2
//   startBackend(validate)          an HTTP server that answers with them
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Segment: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/ */
export function validateSegment(text, headers = {}) {
  const problems = [];
  if (Buffer.byteLength(text) > 500 * 1024) problems.push('batch is over 500 KB');
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return ['body is not JSON'];
  }
  const auth = headers.authorization || '';
  if (!body.writeKey && !auth.startsWith('Basic ')) problems.push('no write key (body writeKey or Basic auth)');
  if (!Array.isArray(body.batch) || body.batch.length === 0) return problems.concat('batch must be a non-empty array');
  if (body.sentAt !== undefined && !ISO_8601.test(body.sentAt)) problems.push('sentAt is not ISO 8601');
  body.batch.forEach((m, i) => {
    const at = 'batch[' + i + ']';
    if (!isObject(m)) return problems.push(at + ' is not an object');
    if (Buffer.byteLength(JSON.stringify(m)) > 32 * 1024) problems.push(at + ' is over 32 KB');
    if (!['track', 'page', 'identify', 'screen', 'group', 'alias'].includes(m.type)) problems.push(at + '.type ' + m.type);
    if (typeof m.messageId !== 'string' || !m.messageId) problems.push(at + '.messageId missing');
    if (!m.anonymousId && !m.userId) problems.push(at + ' has neither anonymousId nor userId');
    for (const id of ['anonymousId', 'userId']) if (m[id] !== undefined && typeof m[id] !== 'string') problems.push(at + '.' + id + ' is not a string');
    if (!ISO_8601.test(m.timestamp || '')) problems.push(at + '.timestamp is not ISO 8601');
    if (m.type === 'track' && (typeof m.event !== 'string' || !m.event)) problems.push(at + '.event missing');
    if (m.type === 'page' && m.name !== undefined && typeof m.name !== 'string') problems.push(at + '.name is not a string');
    for (const field of ['properties', 'traits', 'context']) if (m[field] !== undefined && !isObject(m[field])) problems.push(at + '.' + field + ' is not an object');
  });
  return problems;
}

const PAYLOAD_DATA = /^iglu:com\.snowplowanalytics\.snowplow\/payload_data\/jsonschema\/1-0-\d+$/;
const EVENT_TYPES = ['pv', 'pp', 'ue', 'se', 'tr', 'ti', 'ad'];
const PLATFORMS = ['web', 'mob', 'pc', 'srv', 'app', 'tv', 'cnsl', 'iot'];

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

/** Snowplow: https://docs.snowplow.io/docs/sources/trackers/snowplow-tracker-protocol/ */
export function validateSnowplow(text, headers = {}) {
  const problems = [];
  if (!/^application\/json/i.test(headers['content-type'] || '')) problems.push('content type is not application/json');
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return ['body is not JSON'];
  }
  if (!PAYLOAD_DATA.test(body.schema || '')) problems.push('schema is not payload_data');
  if (!Array.isArray(body.data) || body.data.length === 0) return problems.concat('data must be a non-empty array');
  body.data.forEach((p, i) => {
    const at = 'data[' + i + ']';
    if (!isObject(p)) return problems.push(at + ' is not an object');
    for (const [key, value] of Object.entries(p)) if (typeof value !== 'string') problems.push(at + '.' + key + ' is not a string');
    if (!EVENT_TYPES.includes(p.e)) problems.push(at + '.e ' + p.e);
    if (!PLATFORMS.includes(p.p)) problems.push(at + '.p ' + p.p);
    if (!p.tv) problems.push(at + '.tv missing');
    if (!UUID.test(p.eid || '')) problems.push(at + '.eid is not a UUID');
    if (p.sid !== undefined && !UUID.test(p.sid)) problems.push(at + '.sid is not a UUID');
    for (const time of ['dtm', 'stm']) if (typeof p[time] === 'string' && !/^\d{13}$/.test(p[time])) problems.push(at + '.' + time + ' is not milliseconds');
    if (p.e === 'pv' && !p.url) problems.push(at + ': a page view needs url');
    if (p.e === 'ue') {
      if (!p.ue_pr) return problems.push(at + ': a self-describing event needs ue_pr');
      try {
        const envelope = JSON.parse(p.ue_pr);
        if (envelope.schema !== 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0') problems.push(at + '.ue_pr schema ' + envelope.schema);
        selfDescribing(envelope.data, at + '.ue_pr.data', problems);
      } catch (e) {
        problems.push(at + '.ue_pr is not JSON');
      }
    }
    if (p.co) {
      try {
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
      const problems = validate(text, request.headers);
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
