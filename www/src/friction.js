// Browser signals for the friction detectors in the core: clicks (where,
// on what, whether it looks interactive), the page reacting (DOM changes,
// requests, navigation), uncaught errors and rejections, page timings, the
// performance entries behind the Web Vitals, and scrolling. The core decides
// what is friction and computes the vitals; this file only observes, passively.

import { SIGNAL_CLICK, SIGNAL_ACTIVITY, SIGNAL_ERROR, SIGNAL_TIMING, SIGNAL_LCP, SIGNAL_INTERACTION, SIGNAL_SHIFT, SIGNAL_SCROLL } from './codes.js';

const INTERACTIVE = 'a[href],button,input,select,textarea,label,summary,[role=button],[role=link],[role=tab],[onclick],[tabindex]';

/** `tag#id.class` of an element: enough to find it, nothing it says. */
function describe(element) {
  let text = element.tagName.toLowerCase();
  if (element.id) text += '#' + element.id;
  const cls = typeof element.className === 'string' && element.className.trim().split(/\s+/)[0];
  if (cls) text += '.' + cls;
  return text.slice(0, 100);
}

/** `signal(kind, a, b, text, text2)` reports to the core (`kind`: a SIGNAL_* code); `settings` is the core's friction report. */
export function watchFriction(signal, settings) {
  const ignore = settings.ignore.filter((selector) => {
    try {
      document.querySelector(selector);
      return true;
    } catch (e) {
      console.warn('[parcours] options.friction.ignore: ' + JSON.stringify(selector) + ' is not a valid CSS selector.');
      return false;
    }
  });
  const ignored = ignore.join(',');
  let lastClick = -Infinity;
  const cleanups = [];
  const listen = (target, type, handler, options) => {
    target.addEventListener(type, handler, options);
    cleanups.push(() => target.removeEventListener(type, handler, options));
  };
  const observers = [];
  /** Calls `each` with every `type` performance entry, past ones too unless `options` say not (nothing in a browser without them). */
  const observe = (type, each, options) => {
    try {
      const observer = new PerformanceObserver((list) => list.getEntries().forEach(each));
      observer.observe(Object.assign({ type, buffered: true }, options));
      observers.push([observer, each]);
      cleanups.push(() => observer.disconnect());
    } catch (e) {
      /* not in this browser */
    }
  };

  /** The page reacted; worth telling the core only while a click waits. */
  function activity() {
    if (performance.now() - lastClick < 5000) signal(SIGNAL_ACTIVITY, 0, 0, '', '');
  }

  if (settings.clicks) {
    listen(
      document,
      'click',
      (event) => {
        const target = event.target instanceof Element ? event.target : null;
        if (!target || (ignored && target.closest(ignored))) return;
        lastClick = performance.now();
        const interactive = target.closest(INTERACTIVE);
        signal(SIGNAL_CLICK, Math.round(event.clientX), Math.round(event.clientY), describe(interactive || target), interactive ? '1' : '');
      },
      { capture: true, passive: true },
    );
    if (typeof MutationObserver === 'function') {
      const observer = new MutationObserver(activity);
      observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      cleanups.push(() => observer.disconnect());
    }
    observe('resource', activity, { buffered: false }); // requests, from now on
  }

  if (settings.errors) {
    listen(window, 'error', (event) => {
      if (event instanceof ErrorEvent) signal(SIGNAL_ERROR, event.lineno || 0, 0, String(event.message || 'error'), String(event.filename || ''));
    });
    listen(window, 'unhandledrejection', (event) => {
      const reason = event.reason;
      signal(SIGNAL_ERROR, 0, 0, 'Unhandled rejection: ' + String(reason && reason.message ? reason.message : reason), '');
    });
  }

  let lcp = 0;
  if (settings.timing || settings.vitals) {
    observe('largest-contentful-paint', (entry) => {
      lcp = Math.max(lcp, entry.startTime);
      if (settings.vitals) signal(SIGNAL_LCP, Math.round(entry.startTime), 0, '', '');
    });
  }
  if (settings.vitals) {
    // Entries of 40 ms or more (as web-vitals): shorter ones never decide INP.
    observe('event', (entry) => entry.interactionId && signal(SIGNAL_INTERACTION, Math.round(entry.duration), entry.interactionId, entry.target ? describe(entry.target) : '', ''), { durationThreshold: 40 });
    observe('layout-shift', (entry) => entry.hadRecentInput || signal(SIGNAL_SHIFT, Math.round(entry.value * 1e4), Math.round(entry.startTime), '', ''));
  }

  if (settings.timing) {
    const report = () => {
      const nav = performance.getEntriesByType('navigation')[0];
      const load = nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : 0;
      signal(SIGNAL_TIMING, Math.round(load), Math.round(lcp), '', '');
    };
    // Once the page has loaded and painted (or at once if it already has).
    const later = () => setTimeout(report, 1000);
    if (document.readyState === 'complete') later();
    else listen(window, 'load', later, { once: true });
  }

  if (settings.scroll) {
    // Where the page is now, then at most every 100 ms while it scrolls.
    const where = () => signal(SIGNAL_SCROLL, Math.round(scrollY), innerHeight, '', '');
    where();
    let waiting = 0;
    listen(
      window,
      'scroll',
      () => {
        waiting =
          waiting ||
          setTimeout(() => {
            waiting = 0;
            where();
          }, 100);
      },
      { passive: true },
    );
  }

  return {
    activity,
    /** Hands the core the entries the browser has not delivered yet: the page is being hidden. */
    flush() {
      for (const [observer, each] of observers) observer.takeRecords().forEach(each);
    },
    stop() {
      for (const cleanup of cleanups) cleanup();
    },
  };
}
