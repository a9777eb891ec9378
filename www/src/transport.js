// Sends one batch body and reports the HTTP status (0 when there was no
// answer), Retry-After in milliseconds (-1 when absent) and whether the body
// went gzipped. Never rejects.
//
// A Parcours batch goes as text/plain: a "simple" CORS request, so no
// preflight round-trip, and one that browsers allow with keepalive on page
// hide. A gzipped body keeps that content type; the collector recognises
// gzip by its first bytes. Other backends' requests (destinations) go with
// the content type and headers their encoder chose, never gzipped.

const TIMEOUT_MS = 15000;
/** Smaller bodies gain too little from gzip to be worth the work. */
const COMPRESS_FROM_BYTES = 1024;

export function send(url, body, keepalive, compress) {
  const gzip = compress && !keepalive && body.length >= COMPRESS_FROM_BYTES && typeof CompressionStream === 'function';
  return (gzip ? gzipped(body) : Promise.resolve(null)).then((packed) => post(url, packed || body, keepalive, !!packed));
}

/** One request of a destination: `{ url, contentType, headers: [[name, value]…], body }`. */
export function sendRequest(request) {
  return post(request.url, request.body, false, false, Object.fromEntries([['Content-Type', request.contentType]].concat(request.headers)));
}

function gzipped(text) {
  try {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Response(stream).arrayBuffer().catch(() => null);
  } catch (e) {
    return Promise.resolve(null);
  }
}

function post(url, body, keepalive, compressed, headers) {
  let timer = 0;
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  if (controller && !keepalive) timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const size = typeof body === 'string' ? body.length : body.byteLength;
  return fetch(url, {
    method: 'POST',
    body,
    headers: headers || { 'Content-Type': 'text/plain;charset=UTF-8' },
    credentials: 'omit',
    keepalive: keepalive && size < 60000,
    signal: controller ? controller.signal : undefined,
  })
    .then((response) => ({ status: response.status, retryAfter: retryAfterMs(response.headers.get('Retry-After')), compressed }))
    .catch(() => ({ status: 0, retryAfter: -1, compressed }))
    .finally(() => clearTimeout(timer));
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header) {
  if (!header) return -1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : -1;
}
