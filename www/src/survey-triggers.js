// Watches the page for the survey triggers the core cannot see in events:
// time on the page, scroll depth, exit intent (desktop) and clicks inside
// elements matching a selector. Only what some survey asks for is watched
// (`watch` is the core's list, which changes when definitions arrive from
// surveysUrl); each reaches the core as `signal(kind, value, text)`, and the
// core decides which survey it fires.

const TIME = 0;
const SCROLL = 1;
const EXIT = 2;
const CLICK = 3;

export function watchSurveyTriggers(signal, watch) {
  const timers = [];
  const listening = [];
  // Time on the page counts from the navigation (0), or from an SPA route change.
  let pageStart = 0;
  let scrolled = new Set();
  let exited = false;
  let scrollQueued = false;
  const on = (target, type, handler, options) => {
    target.addEventListener(type, handler, options);
    listening.push(() => target.removeEventListener(type, handler, options));
  };

  function armTimers() {
    for (const timer of timers) clearTimeout(timer);
    timers.length = 0;
    const spent = performance.now() - pageStart;
    for (const ms of watch.timeOnPage) timers.push(setTimeout(() => signal(TIME, ms, ''), Math.max(0, ms - spent)));
  }

  function measureScroll() {
    scrollQueued = false;
    const height = document.documentElement.scrollHeight;
    const depth = height > 0 ? ((scrollY + innerHeight) / height) * 100 : 100;
    for (const percent of watch.scrollDepth) {
      if (depth >= percent && !scrolled.has(percent)) {
        scrolled.add(percent);
        signal(SCROLL, percent, '');
      }
    }
  }

  function listen() {
    if (watch.scrollDepth.length) {
      on(window, 'scroll', () => {
        if (!scrollQueued) {
          scrollQueued = true;
          requestAnimationFrame(measureScroll);
        }
      }, { passive: true });
    }
    // Exit intent is a desktop gesture: the pointer leaving through the top edge.
    const finePointer = typeof matchMedia === 'function' && matchMedia('(pointer: fine)').matches;
    if (watch.exitIntent && finePointer) {
      on(document, 'mouseout', (event) => {
        if (!exited && !event.relatedTarget && event.clientY <= 0) {
          exited = true;
          signal(EXIT, 0, '');
        }
      });
    }
    if (watch.clicks.length) {
      on(document, 'click', (event) => {
        const target = event.target;
        if (!target || typeof target.closest !== 'function') return;
        for (const selector of watch.clicks) {
          let inside = null;
          try {
            inside = target.closest(selector);
          } catch (e) {
            inside = null; // a selector this browser cannot read never matches
          }
          if (inside) signal(CLICK, 0, selector);
        }
      }, true);
    }
    armTimers();
  }

  function unlisten() {
    for (const timer of timers) clearTimeout(timer);
    timers.length = 0;
    for (const off of listening) off();
    listening.length = 0;
  }

  listen();

  return {
    /** A new page (SPA route): time and scroll count from zero. */
    newPage() {
      pageStart = performance.now();
      scrolled = new Set();
      exited = false;
      armTimers();
    },
    /** The surveys changed (definitions from surveysUrl): watch what they ask for now. */
    update(next) {
      unlisten();
      watch = next;
      listen();
      // The visitor may have scrolled past a depth before it was watched.
      if (watch.scrollDepth.length) measureScroll();
    },
    stop: unlisten,
  };
}

/** Whether `watch` asks for anything at all. */
export const watchesAnything = (watch) => watch.timeOnPage.length || watch.scrollDepth.length || watch.exitIntent || watch.clicks.length;
