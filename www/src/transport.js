// Sends one batch body and reports the HTTP status (0 when there was no
// answer) and Retry-After in milliseconds (-1 when absent). Never rejects.
//
// The body goes as text/plain: a "simple" CORS request, so no preflight
// round-trip, and one that browsers allow with keepalive on page hide.

const TIMEOUT_MS = 15000;

export function send(url, body, keepalive) {
  let timer = 0;
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  if (controller && !keepalive) timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  return fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    credentials: 'omit',
    keepalive: keepalive && body.length < 60000,
    signal: controller ? controller.signal : undefined,
  })
    .then((response) => ({ status: response.status, retryAfter: retryAfterMs(response.headers.get('Retry-After')) }))
    .catch(() => ({ status: 0, retryAfter: -1 }))
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
