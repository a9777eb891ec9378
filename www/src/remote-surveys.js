// Survey definitions served from init({ surveysUrl }). The core keeps the
// last copy in localStorage with its ETag and decides what loads: a copy
// younger than surveysTtlSeconds is used as is; an older one is used at
// once and revalidated (If-None-Match, so an unchanged list costs a 304).
// Offline or on an error, the cached copy stays in use and the console
// says why; an offline browser tries again when it is back online.

import { SURVEYS_CACHED, SURVEYS_RECEIVED } from './codes.js';

/** A fetch that takes longer is abandoned (the cached copy stays in use). */
const FETCH_TIMEOUT_MS = 10000;

/** `sdk`: { guarded, reportError, applied(result, url) }. */
export function createRemoteSurveys(sdk) {
  let fetching = false;
  let waitingForOnline = false;

  function revalidate(url, cached) {
    if (fetching) return;
    if (navigator.onLine === false) {
      if (!waitingForOnline) {
        waitingForOnline = true;
        addEventListener('online', () => {
          waitingForOnline = false;
          revalidate(url, cached);
        }, { once: true });
      }
      return;
    }
    fetching = true;
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = controller && setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    fetch(url, {
      headers: cached.etag ? { 'If-None-Match': cached.etag } : {},
      credentials: 'omit',
      cache: 'no-store',
      signal: controller ? controller.signal : undefined,
    })
      .then((response) => {
        if (response.status === 304) return [304, '', ''];
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text().then((body) => [200, response.headers.get('ETag') || '', body]);
      })
      .then(
        ([status, etag, body]) => {
          const result = sdk.guarded((c) => JSON.parse(c.call(SURVEYS_RECEIVED, url, JSON.stringify([etag, body]), status, Date.now())), null);
          if (result) sdk.applied(result, url);
        },
        (error) => {
          const kept = cached.loaded ? 'the ' + cached.loaded + ' surveys cached from it stay in use' : 'none of its surveys is loaded';
          sdk.reportError({
            code: 'surveys_unavailable',
            field: 'options.surveysUrl',
            message: 'options.surveysUrl: ' + url + ' could not be loaded (' + (error && error.name === 'AbortError' ? 'no answer in 10 s' : error && error.message) + '); ' + kept + '. It is tried again at the next page load',
          });
        },
      )
      .finally(() => {
        fetching = false;
        clearTimeout(timer);
      });
  }

  return {
    /** Loads the definitions of `url` (absolute): the cached copy now, a fresh one if it is stale. */
    load(url) {
      const cached = sdk.guarded((c) => JSON.parse(c.call(SURVEYS_CACHED, url, '', Date.now())), null);
      if (!cached) return;
      sdk.applied(cached, url);
      if (!cached.fresh) revalidate(url, cached);
    },
  };
}
