// Page views of single-page apps and what happened on each page: when the
// route changes (history API, back/forward, hash routes like #/cart) or a
// page comes back from the back/forward cache, the page that is left gets a
// `page_leave` event (dwell, engaged time while visible and focused, deepest
// scroll) and the new one a page view. A replaceState that keeps the path
// records nothing unless pageviewOnReplaceState is set; the same route twice
// in a row (hash change plus popstate) counts once.

const HASH_ROUTE = /^#[!/]/;

/** The part of a URL that names a route: path, query and a #/ or #! hash. */
export function routeOf(url) {
  const u = new URL(url);
  return u.pathname + u.search + (HASH_ROUTE.test(u.hash) ? u.hash : '');
}

function pathOf(route) {
  return route.split(/[?#]/)[0];
}

/**
 * `record(kind, name, propertiesJson, href)` records into the SDK;
 * `settings` is the core's autocapture report.
 */
export function trackPages(record, settings) {
  let route = routeOf(location.href);
  let href = location.href;
  let enteredAt = performance.now();
  let engagedMs = 0;
  let engagedSince = null;
  let maxScroll = 0;
  let scrollQueued = false;

  const engaged = () => document.visibilityState === 'visible' && document.hasFocus();
  function updateEngagement() {
    const now = performance.now();
    if (engagedSince !== null) engagedMs += now - engagedSince;
    engagedSince = engaged() ? now : null;
  }
  function measureScroll() {
    scrollQueued = false;
    const height = document.documentElement.scrollHeight;
    const seen = height > 0 ? Math.min(100, Math.round(((scrollY + innerHeight) / height) * 100)) : 100;
    if (seen > maxScroll) maxScroll = seen;
  }
  function onScroll() {
    if (!scrollQueued) {
      scrollQueued = true;
      requestAnimationFrame(measureScroll);
    }
  }

  /** Reports the page being left, then starts measuring the next. */
  function leave() {
    updateEngagement();
    measureScroll();
    const properties = {
      dwellMs: Math.round(performance.now() - enteredAt),
      engagedMs: Math.round(engagedMs),
      maxScrollPercent: maxScroll,
    };
    record(0, 'page_leave', JSON.stringify(properties), href);
    enteredAt = performance.now();
    engagedMs = 0;
    engagedSince = engaged() ? enteredAt : null;
    maxScroll = 0;
  }

  function enter() {
    route = routeOf(location.href);
    href = location.href;
    record(1, 'page_view', '', href);
    requestAnimationFrame(measureScroll);
  }

  /** A history change (`push`, `replace`, `pop` or `hash`); true when it made a page view. */
  function onNavigate(kind) {
    if (!settings.spaPageviews) return false;
    const next = routeOf(location.href);
    if (next === route) return false;
    if (kind === 'replace' && !settings.replaceStatePageviews && pathOf(next) === pathOf(route)) {
      route = next; // same page, new query: no phantom page view
      href = location.href;
      return false;
    }
    leave();
    enter();
    return true;
  }

  function onPageShow(event) {
    if (event.persisted) enter(); // restored from the back/forward cache
  }

  addEventListener('scroll', onScroll, { passive: true });
  addEventListener('pageshow', onPageShow, true);
  for (const type of ['visibilitychange', 'focus', 'blur']) addEventListener(type, updateEngagement, true);
  updateEngagement();
  requestAnimationFrame(measureScroll);

  return {
    onNavigate,
    /** The page is going away (pagehide): report it before the last send. */
    leave,
    stop() {
      removeEventListener('scroll', onScroll, { passive: true });
      removeEventListener('pageshow', onPageShow, true);
      for (const type of ['visibilitychange', 'focus', 'blur']) removeEventListener(type, updateEngagement, true);
    },
  };
}
