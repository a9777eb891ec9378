// Sending a destination's batch (init({ destinations })): the site's
// transform callback, then the requests the core encodes for that backend,
// sent by the site's transport callback or by fetch. The core decides what
// each destination gets and when; an answer other than 2xx leaves the batch
// in its outbox for the core's retry rules.
//
// `list`: the destinations the core kept after its check, in the order of
// their partitions: [{ id, options }] (options as given to init, callbacks
// included). `encode(i, body)`: the core's requests for destination i's
// batch (JSON, see parcours_core::destinations::Encoded::to_json).

import { sendRequest } from './transport.js';

const DELIVERED = { status: 200, retryAfter: -1 };

export function createDestinations(list, encodeIn, sdk) {
  const warned = new Set();
  const warnOnce = (id, message) => {
    if (!warned.has(id + message)) warned.add(id + message), sdk.warn(message);
  };

  /**
   * The site's transform(event) on each event: an object replaces it, null
   * or false drops it. `origin` maps each event's id after the transform to
   * its id in the outbox (a transform may change ids).
   */
  function transformed(destination, body, origin) {
    const transform = destination.options.transform;
    if (typeof transform !== 'function') return body;
    const batch = JSON.parse(body);
    batch.events = batch.events
      .map((event) => {
        const id = event.id;
        let result;
        try {
          result = transform(event);
          result = result && typeof result === 'object' ? result : null;
        } catch (e) {
          // A bug in the callback loses nothing: the event goes as it is.
          warnOnce(destination.id, 'destinations["' + destination.id + '"].transform threw (' + (e && e.message) + '); events are sent untransformed');
          result = event;
        }
        if (result) origin.set(String(result.id), id);
        return result;
      })
      .filter(Boolean);
    return batch.events.length ? JSON.stringify(batch) : '';
  }

  /** Destination i's batch encoded ({ requests, notes }), or null when the core refused it (reported). */
  function encode(i, body) {
    const answer = encodeIn(i, body);
    if (!answer) return null; // the core is off (an internal error, already reported)
    const encoded = JSON.parse(answer);
    if (encoded.error) {
      sdk.reportError(encoded.error);
      return null;
    }
    if (sdk.debug()) for (const note of encoded.notes) console.debug('[parcours] ' + note);
    return encoded;
  }

  /** Sends one request: through the site's transport callback, or fetch. */
  function deliver(destination, request) {
    const transport = destination.options.transport;
    if (typeof transport !== 'function') return sendRequest(request);
    return Promise.resolve()
      .then(() => transport(Object.assign({ destination: destination.id }, request)))
      .then(
        (answer) => ({ status: (answer && answer.status) || 200, retryAfter: -1 }),
        () => ({ status: 0, retryAfter: -1 }), // kept, and tried again later
      );
  }

  return {
    id: (i) => list[i].id,

    /**
     * Sends destination `i`'s batch (a Parcours batch); resolves to the
     * answer of the first request that failed (or a 200), with the encoder's
     * notes (what it cut for the backend's limits) and, when one failed,
     * `kept`: the ids of the events of that request and the ones after it.
     * The core lets the others go, so a retry never resends what the
     * backend already accepted.
     */
    sendTo(i, body) {
      const destination = list[i];
      const origin = new Map();
      const events = transformed(destination, body, origin);
      if (!events) return Promise.resolve(DELIVERED);
      const encoded = encode(i, events);
      if (!encoded) return Promise.resolve({ status: 400, retryAfter: -1 });
      let failed = null;
      const kept = [];
      // One after the other; after a failure the rest wait for the retry.
      return encoded.requests
        .reduce(
          (previous, request) =>
            previous.then(() => {
              const keep = () => kept.push(...(request.events || []).map((id) => (origin.has(id) ? origin.get(id) : id)));
              if (failed) return keep();
              return deliver(destination, request).then((answer) => {
                if (answer.status >= 200 && answer.status < 300) return;
                failed = answer;
                keep();
              });
            }),
          Promise.resolve(),
        )
        .then(() => Object.assign({ notes: encoded.notes }, failed ? Object.assign({ kept }, failed) : DELIVERED));
    },
  };
}
