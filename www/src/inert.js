// The API where there is no browser page (server rendering, Node, a test
// runner without a DOM): the same functions, each doing nothing. Nothing
// is created at import and nothing keeps the process alive; every promise
// resolves at once, as it would for a page that never sends (flush() with
// { ok: false, pending: 0 }, survey.show() with false).

const nothing = () => undefined;
const WHY = 'no browser page here (server rendering or Node): Parcours does nothing';

export function inertApi() {
  return {
    init: nothing,
    track: nothing,
    page: nothing,
    identify: nothing,
    touchpoint: nothing,
    consent: (state) => (state === undefined ? null : undefined),
    optOut: nothing,
    shutdown: nothing,
    reset: nothing,
    group: nothing,
    alias: nothing,
    register: nothing,
    register_once: nothing,
    unregister: nothing,
    anonymousId: () => null,
    ready: () => Promise.resolve(null),
    flush: () => Promise.resolve({ ok: false, pending: 0 }),
    on: () => nothing,
    journey: () => null,
    debug: () => null,
    survey: {
      show: () => Promise.resolve(false),
      hide: nothing,
      explain: (id) => ({ survey: id, show: false, checks: [{ rule: 'browser', ok: false, detail: WHY }] }),
    },
  };
}

/** True where Parcours can run: a window with a document. */
export const inBrowser = () => typeof window !== 'undefined' && typeof document !== 'undefined';
