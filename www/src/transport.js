// Sends one batch body and reports the HTTP status (0 when there was no
// answer), Retry-After in milliseconds (-1 when absent), whether the body
// went gzipped, and how many of its events the collector refused (it stores
// the others and names those in its answer). Never rejects.
//
// A Parcours batch goes as text/plain: a "simple" CORS request, so no
// preflight round-trip, and one that browsers allow with keepalive on page
// hide. A gzipped body keeps that content type; the collector recognises
// gzip by its first bytes. Other backends' requests (destinations) go with
// the content type and headers their encoder chose, never gzipped.

const TIMEOUT_MS = 15000;
/** Smaller bodies gain too little from gzip to be worth the work. */
const COMPRESS_FROM_BYTES = 1024;

export function send(url, body, compress) {
  const gzip = compress && body.length >= COMPRESS_FROM_BYTES && typeof CompressionStream === 'function';
  return (gzip ? gzipped(body) : Promise.resolve(null)).then((packed) => post(url, packed || body, !!packed));
}

/** One request of a destination: `{ url, contentType, headers: [[name, value]…], body }`. */
export function sendRequest(request) {
  return post(request.url, request.body, false, Object.fromEntries([['Content-Type', request.contentType]].concat(request.headers)));
}

/**
 * Page hide: one request that must outlive the page. `fetch` with keepalive
 * where the browser has it, else (or when it refuses, e.g. over the page's
 * 64 KiB keepalive budget) `sendBeacon`. Resolves to the status, or 0 when
 * none can be known (a beacon has no answer: its events stay stored until
 * one comes, and the collector drops the copies).
 */
export function sendAtHide(url, body) {
  const beacon = () => {
    try {
      navigator.sendBeacon(url, body);
    } catch (e) {
      // nothing more to try: the events stay stored for the next visit
    }
    return 0;
  };
  if (typeof Request !== 'function' || !('keepalive' in Request.prototype)) return Promise.resolve(beacon());
  try {
    return fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, credentials: 'omit', keepalive: true }).then(
      (response) => response.status,
      beacon,
    );
  } catch (e) {
    return Promise.resolve(beacon());
  }
}

function gzipped(text) {
  try {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Response(stream).arrayBuffer().catch(() => null);
  } catch (e) {
    return Promise.resolve(null);
  }
}

function post(url, body, compressed, headers) {
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), TIMEOUT_MS) : 0;
  return fetch(url, {
    method: 'POST',
    body,
    headers: headers || { 'Content-Type': 'text/plain;charset=UTF-8' },
    credentials: 'omit',
    signal: controller ? controller.signal : undefined,
  })
    .then((response) => refusedIn(response).then((refused) => ({ status: response.status, retryAfter: retryAfterMs(response.headers.get('Retry-After')), compressed, refused })))
    .catch(() => ({ status: 0, retryAfter: -1, compressed, refused: 0 }))
    .finally(() => clearTimeout(timer));
}

/** How many events a 200 answer says were refused (`{ "refused": [...] }`), else 0. */
function refusedIn(response) {
  if (response.status !== 200 || !/json/.test(response.headers.get('Content-Type') || '')) return Promise.resolve(0);
  return response.json().then(
    (answer) => (answer && Array.isArray(answer.refused) ? answer.refused.length : 0),
    () => 0,
  );
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header) {
  if (!header) return -1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : -1;
}
