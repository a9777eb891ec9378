// The public Parcours API, shared by the script tag and the npm package.
//
// Calls are captured in a plain array at almost no cost (a timestamp, the
// URL, JSON.stringify of the properties) and handed to the WebAssembly core
// in short slices (the first when the caller's task ends, the rest between
// other work), so a burst of thousands of calls never blocks the page. This file owns everything that calls back later (timers,
// listeners, fetch); the core owns every decision. Nothing here throws into
// the host page: bad arguments warn, a trap in the core disables the SDK.

import { createDelivery } from './delivery.js';
import { watchUrl } from './navigation.js';
import { trackPages } from './pages.js';
import { trackTouchpoints } from './touchpoints.js';
import { reportEnvironment } from './device.js';
import { SHELL_OPTIONS } from './shell-options.js';
import { trackForms } from './forms.js';
import { watchFriction } from './friction.js';

import { TRACK, PAGE, IDENTIFY, RESET, GROUP, ALIAS, REGISTER, UNREGISTER, RECORD_ERROR, NOTICES, BEGIN, END, SIGNAL, TAKE_NOTICES, TAKE_ERROR, JOURNEY, STATE, ENCODE } from './codes.js';

/** Most calls kept while the SDK loads or init() has not succeeded yet. */
const MAX_EARLY_CALLS = 10000;
/** A slice of core work yields to the page after this many milliseconds. */
const SLICE_MS = 6;

/** An error reported by Parcours: `code` and `field` say what to fix. */
export class ParcoursError extends Error {
  constructor(info) {
    super(info.message);
    this.name = 'ParcoursError';
    this.code = info.code;
    this.field = info.field;
  }
}

const trackProperties = (name) => 'track("' + name + '") properties';
const warn = (message) => console.warn('[parcours] ' + message);

/** A value named in a warning; never throws (a BigInt, a revoked proxy, a Symbol). */
function describe(value) {
  try {
    return typeof value === 'string' ? JSON.stringify(value.length > 100 ? value.slice(0, 100) + '…' : value) : String(value).slice(0, 100);
  } catch (e) {
    return typeof value;
  }
}

/** An exception's message; never throws. */
const messageOf = (e) => describe(e && typeof e === 'object' ? e.message : e);

/** `what(name)` names the argument in a warning; built only when one is needed. */
function stringifyObject(value, what, name) {
  if (value === undefined || value === null) return '';
  try {
    if (typeof value !== 'object' || Array.isArray(value)) {
      warn(what(name) + ' must be a plain object; got ' + (Array.isArray(value) ? 'an array' : typeof value) + '. The call was ignored.');
      return null;
    }
    return JSON.stringify(value);
  } catch (e) {
    // A throwing getter or toJSON, a BigInt, a cycle, a revoked proxy.
    warn(what(name) + ' could not be serialised (' + messageOf(e) + '). The call was ignored.');
    return null;
  }
}

/**
 * `fn` that never throws into the page: an exception (from a hostile
 * argument, or a bug) is a warning, and the call answers `fallback()`.
 * A promise it returns never rejects either.
 */
function neverThrows(name, fn, fallback) {
  // Two parameters (no API function takes more): no `arguments` object on the hot path.
  return (a, b) => {
    try {
      return fn(a, b);
    } catch (e) {
      warn('parcours.' + name + '() was ignored: ' + messageOf(e));
      return fallback();
    }
  };
}

/** localStorage or sessionStorage, or null where merely reading it throws (blocked storage). */
function storageOrNull(name = 'localStorage') {
  try {
    return globalThis[name] || null;
  } catch (e) {
    return null;
  }
}
const localStorageOrNull = () => storageOrNull('localStorage');

/**
 * Creates the API object. `loadCore(options, surveys, destinations)`
 * resolves to the core module (the wasm-bindgen exports) once the
 * WebAssembly is instantiated (the build for what init() defines);
 * `loadSurveyKit(options)` to the survey kit (survey-kit.js), loaded with a
 * build with surveys only; `loadDestinationKit(options)` to the destinations
 * kit (destinations-kit.js), loaded only when init() defines destinations
 * (their encoders are in the builds with destinations); `loadWidget(options)` to the
 * survey widget's presenter, the first time a survey is shown;
 * `loadExplain(options)` to the diagnostics build ({ explain, explainSurveys, explainRefusal }),
 * which words the errors the shipped builds report by code and field only.
 */
export function createParcours(loadCore, loadSurveyKit, loadDestinationKit, loadWidget, loadExplain) {
  const calls = []; // flat: kind, name, payload, ts, href
  const listeners = new Map();
  let core = null;
  let started = false;
  let dead = false;
  let debug = false;
  let sliceScheduled = false;
  let leaving = false; // after pagehide, until a pageshow (the back/forward cache)
  let loading = null;
  let initPageview = -1; // where init() queued its page view, while it may still fail
  let replayTime = 0;
  // The latest time a call was stamped with: a clock stepped back (by the
  // system's time sync) never stamps a later call earlier, so the core,
  // which orders events by time, keeps them in the order they were made.
  let stamped = 0;
  // location.href, read at most once per task and re-read after any navigation.
  let href = null;
  const forgetHref = () => (href = null);
  let stopWatchingUrl = null; // set once started: importing the package changes nothing
  let coreOptions = '';
  // Analytics consent in force ('granted', 'pending', 'denied') and what the page said with consent().
  let consentNow = 'pending';
  let feedbackNow = 'pending';
  let consentSaid = null;
  let jsOptionsGiven = {};
  let whenStarted = null;
  let markStarted = null;
  let pages = null;
  let touchpoints = null;
  let forms = null;
  let wiring = false; // while startListening sets the watchers up
  let friction = null; // while replaying the snippet's queue: the original call time
  // The survey kit arrives with the build of the wasm with surveys; until
  // then (and for good on pages without surveys) survey.* only explains.
  const nothing = () => {};
  let surveys = {
    show: (id) => (warn('survey.show(' + describe(id) + ') was ignored: init() defines no surveys (options surveys or surveysUrl)'), false),
    explain: (id) => ({ survey: id, show: false, checks: [{ rule: 'ready', ok: false, detail: started ? 'init() defines no surveys' : 'Parcours has not started' }] }),
    triggered: nothing,
    hide: nothing,
    hideAll: nothing,
    started: nothing,
    listen: nothing,
    newPage: nothing,
    stop: nothing,
  };
  let surveyKit = false;
  let destinationKit = null; // the destinations kit, loaded when init() defines destinations
  let destinations = null; // createDestinations(), for the destinations the core kept
  let explainer = null; // the diagnostics build, once fetched
  let wordsIn = false; // the running build words its errors (only the diagnostics build does)
  let readyState = null; // what 'ready' reported, once it did

  const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null;
  if (channel) channel.port1.onmessage = () => runSlice();

  function emit(name, detail) {
    for (const callback of listeners.get(name) || []) tell(name, callback, detail);
  }

  function tell(name, callback, detail) {
    try {
      callback(detail);
    } catch (e) {
      console.error('[parcours] an on("' + name + '") listener threw', e);
    }
  }

  /** Hands the core's notices on: a triggered survey to the surveys, an error to reportError, the rest to on() listeners. */
  function handleNotices(c) {
    for (const notice of JSON.parse(c.call(TAKE_NOTICES))) {
      if (notice.type === 'survey') surveys.triggered(notice);
      else if (notice.type === 'error') reportRefusal(notice.error);
      else emit(notice.type, notice);
    }
  }

  /**
   * A call the core refused at run time: the shipped builds say its code,
   * field and `reason` only, and the diagnostics build words it.
   */
  function reportRefusal(info) {
    if (!info.reason || wordsIn) return reportError(info);
    reportWorded({ texts: false }, [info], (m) => m.explainRefusal(info.field, info.reason));
  }

  function reportError(info) {
    const error = new ParcoursError(info);
    console.error('[parcours] ' + info.message);
    emit('error', error);
    return error;
  }

  /** Runs `fn` against the core; a trap (a bug) switches the SDK off cleanly. */
  function guarded(fn, fallback) {
    if (dead || !core) return fallback;
    try {
      return fn(core);
    } catch (e) {
      shutDown(e);
      return fallback;
    }
  }

  function shutDown(cause) {
    if (dead) return;
    dead = true;
    calls.length = 0;
    stopListening();
    console.error('[parcours] disabled after an internal error; the page is not affected.', cause);
    delivery.abandon();
  }

  const delivery = createDelivery(
    {
      guarded,
      emit,
      reportError,
      callsWaiting: () => calls.length > 0,
      sendTo: (i, body) => destinations.sendTo(i, body),
      destinationId: (i) => destinations.id(i),
    },
    storageOrNull,
  );

  /** Queues one call; `at` overrides the URL it happened on (a page being left). */
  function capture(kind, name, payload, at) {
    if (dead || payload === null || (started && consentNow === 'denied')) return;
    if (!started && calls.length >= MAX_EARLY_CALLS * 5) {
      if (calls.length === MAX_EARLY_CALLS * 5) warn('init() has not succeeded; further calls are dropped until it does.');
      return;
    }
    if (href === null || !stopWatchingUrl) {
      href = location.href;
      // Another task may change the URL in ways no event reports at once
      // (location.hash = …, a router holding the unwrapped pushState).
      queueMicrotask(forgetHref);
    }
    calls.push(kind, name, payload, replayTime || (stamped = Math.max(stamped, Date.now())), at || href);
    // After pagehide a closing page may still run a task or two, but not
    // the microtasks after them: each call is recorded and spilled at once.
    if (leaving) runSlice(true);
    else scheduleSlice();
  }

  /** A touchpoint: a `touchpoint` event whose properties name it first. */
  function captureTouchpoint(name, properties) {
    let merged = null;
    try {
      merged = Object.assign({ touchpoint: name }, properties);
    } catch (e) {
      warn('touchpoint("' + name + '") properties could not be read (' + messageOf(e) + '). The call was ignored.');
      return;
    }
    capture(TRACK, 'touchpoint', stringifyObject(merged, () => 'touchpoint() properties'));
  }

  function onNavigate(kind) {
    forgetHref();
    if (friction) friction.activity();
    if (pages && pages.onNavigate(kind)) {
      if (forms) forms.leave();
      if (touchpoints) touchpoints.newPage();
      surveys.newPage();
    }
  }

  /** A friction signal, handled at once, after the calls captured before it. */
  function signal(kind, a, b, text, text2) {
    // A watcher reporting while it is set up (where the page is scrolled)
    // waits for the start to finish: handling it records the waiting calls,
    // whose page view must find the survey definitions applied after.
    if (wiring) return queueMicrotask(() => signal(kind, a, b, text, text2));
    if (!started || dead || consentNow !== 'granted') return;
    if (calls.length) runSlice(true);
    guarded((c) => {
      c.call(BEGIN, document.title);
      const result = c.call(SIGNAL, text, text2, kind, a, b, Date.now());
      c.call(END);
      if (result & NOTICES) handleNotices(c);
    });
    delivery.pump(false);
  }


  /**
   * The first slice runs as soon as the caller's task ends, so what a task
   * recorded is in the core (and on its way to storage) before anything
   * else can happen, a tab closed mid-burst included; a backlog (`later`)
   * continues in tasks of its own, so the page stays responsive.
   */
  function scheduleSlice(later) {
    if (sliceScheduled || !started || dead || consentNow !== 'granted') return;
    sliceScheduled = true;
    if (!later) queueMicrotask(runSlice);
    else if (channel) channel.port2.postMessage(0);
    else setTimeout(runSlice, 0);
  }

  /** Hands captured calls to the core for at most SLICE_MS (or all, when `all`). */
  function runSlice(all) {
    sliceScheduled = false;
    // Pending consent: calls wait here, in memory only.
    if (!started || dead || consentNow !== 'granted') return;
    const deadline = performance.now() + SLICE_MS;
    let i = 0;
    guarded((c) => {
      c.call(BEGIN, document.title);
      while (i < calls.length && (all || performance.now() < deadline)) {
        const result = c.record(calls[i], calls[i + 1], calls[i + 2], calls[i + 3], calls[i + 4]);
        if (result & RECORD_ERROR) {
          const info = JSON.parse(c.call(TAKE_ERROR) || '{"code":"invalid_call","field":"","message":"call refused"}');
          reportRefusal(info);
        }
        if (result & NOTICES) handleNotices(c);
        i += 5;
      }
      c.call(END);
    });
    calls.splice(0, i);
    if (calls.length) scheduleSlice(true);
    // A page being closed still runs for a moment after pagehide: what it
    // records then is spilled and sent at once, as at the hide itself.
    if (leaving) delivery.hide();
    else delivery.pump(false);
  }

  function onHide(event) {
    if (event.type === 'pageshow') return (leaving = false); // back from the back/forward cache
    if (event.type === 'visibilitychange' && document.visibilityState !== 'hidden') return;
    if (!started || dead) return;
    if (friction) friction.flush();
    if (event.type === 'pagehide') {
      leaving = true;
      if (forms) forms.leave();
      if (pages) pages.leave();
    }
    runSlice(true);
    delivery.hide();
  }

  /** Starts (or restarts, after a consent change) the core; true when it started. */
  function startCore() {
    const environment = reportEnvironment(consentSaid);
    const hook = jsOptionsGiven.beforeSend && beforeSend(jsOptionsGiven.beforeSend);
    const report = guarded((c) => JSON.parse(c.start(coreOptions, Date.now(), localStorageOrNull(), storageOrNull('sessionStorage'), globalThis.crypto, environment, document.referrer, hook)), null);
    if (!report) return false;
    if (!report.ok) {
      reportWorded(report, [report.error], (m) => m.explain(coreOptions));
      return false;
    }
    debug = report.debug;
    wordsIn = report.texts;
    // With debug on, the words of errors are fetched now, before any error needs them.
    // (Its failure is handled where it is used; none is left unhandled in the page.)
    if (debug && !report.texts && !explainer) diagnostics().catch(() => {});
    if (destinationKit && !destinations) useDestinations(report);
    consentNow = report.consent.analytics;
    feedbackNow = report.consent.feedback;
    if (consentNow === 'granted') delivery.begin(report);
    else delivery.end(consentNow === 'denied');
    if (consentNow === 'denied') {
      // Denied: nothing kept, nothing listening, nothing left in storage.
      calls.length = 0;
      stopListening();
      guarded((c) => {
        c.erase(localStorageOrNull());
        c.erase(storageOrNull('sessionStorage'));
      });
      if (debug) console.debug('[parcours] analytics consent denied: nothing is recorded');
    }
    return report;
  }

  /**
   * The site's beforeSend, as the core calls it: the event's JSON text in,
   * the event's text out (null: dropped). What it returns must be the same
   * event (the core checks that it fits a batch); one that throws, returns
   * nothing or another event keeps the event as it was, and says why.
   */
  const IDENTITY = ['id', 'type', 'ts', 'visitorId', 'sessionId'];
  function beforeSend(hook) {
    return (text) => {
      let problem;
      try {
        // One parse: what identifies the event is read before the hook may change it.
        const given = JSON.parse(text);
        const identity = IDENTITY.map((k) => given[k]);
        const event = hook(given);
        if (event === null || event === false) return null;
        problem = !event || typeof event !== 'object' ? 'returned ' + describe(event) + ', not the event' : IDENTITY.find((k, i) => event[k] !== identity[i]);
        if (!problem) return JSON.stringify(event);
        if (problem.length < 10) problem = 'changed the event’s ' + problem;
      } catch (e) {
        problem = 'threw (' + messageOf(e) + ')';
      }
      reportError({ code: 'invalid_call', field: 'beforeSend', message: 'options.beforeSend ' + problem + '. The event was kept as it was: return it (changed or not), or null to drop it' });
      return text;
    };
  }

  function startListening(report) {
    if (stopWatchingUrl) return;
    wiring = true;
    try {
      stopWatchingUrl = watchUrl(onNavigate);
      pages = trackPages(capture, report.autocapture);
      if (report.autocapture.touchpoints || report.autocapture.declared.length) touchpoints = trackTouchpoints(captureTouchpoint, report.autocapture);
      if (report.autocapture.forms) forms = trackForms((name, properties) => capture(TRACK, name, JSON.stringify(properties)));
      friction = watchFriction(signal, report.friction);
      surveys.listen(report);
      addEventListener('visibilitychange', onHide, true);
      addEventListener('pagehide', onHide, true);
      addEventListener('pageshow', onHide, true);
    } finally {
      wiring = false;
    }
  }

  function stopListening() {
    for (const part of [pages, touchpoints, forms, friction, surveys]) if (part) part.stop();
    pages = touchpoints = forms = friction = null;
    if (stopWatchingUrl) stopWatchingUrl();
    stopWatchingUrl = null;
    removeEventListener('visibilitychange', onHide, true);
    removeEventListener('pagehide', onHide, true);
    removeEventListener('pageshow', onHide, true);
  }

  function start(options, jsOptions, surveysDefined) {
    coreOptions = options;
    jsOptionsGiven = jsOptions;
    const destinationsDefined = Array.isArray(jsOptions.destinations) && jsOptions.destinations.length > 0;
    if (!loading) {
      loading = Promise.all([
        loadCore(jsOptions, surveysDefined, destinationsDefined),
        surveysDefined && loadSurveyKit(jsOptions),
        destinationsDefined && loadDestinationKit(jsOptions),
      ]);
    }
    loading.then(
      ([module, kit, destinationKitLoaded]) => {
        if (dead) return;
        if (kit && !surveyKit) surveys = (surveyKit = kit).connectSurveys(surveySdk);
        if (destinationKitLoaded) destinationKit = destinationKitLoaded;
        core = module;
        const report = startCore();
        if (!report) {
          core = null;
          // The page view this init() queued goes with it; a corrected init() adds its own.
          if (initPageview >= 0) calls.splice(initPageview, 5);
          initPageview = -1;
          return;
        }
        warnWorded(report);
        // The surveys and destinations left out are reported before ready.
        const refused = report.surveyErrors.concat(report.destinationErrors || []);
        const reported = reportWorded(report, refused, (m) => m.explain(coreOptions));
        started = true;
        if (markStarted) markStarted();
        if (consentNow !== 'denied') startListening(report);
        surveys.started(report);
        reported.then(() => {
          if (!core) return;
          readyState = JSON.parse(core.call(STATE));
          emit('ready', readyState);
        });
        runSlice();
      },
      (error) => {
        loading = null;
        reportError({ code: 'load_failed', field: 'wasmUrl', message: 'Parcours could not be loaded (' + (error && error.message) + '); calls are kept until init() is called again' });
        // Nothing can be sent until then: a waiting flush() says so now.
        delivery.answerWaiters({ ok: false, pending: calls.length / 5 });
      },
    );
  }

  /** The diagnostics build (the words of errors), fetched the first time it is asked for. */
  function diagnostics() {
    return (explainer = explainer || loadExplain(jsOptionsGiven));
  }

  /**
   * Reports `errors` from the core. The shipped builds give their code and
   * field only (`texts` false): the diagnostics build, fetched the first
   * time there is something to explain, words them (`ask(module)` answers
   * its JSON); if it cannot be loaded, each goes with its code and field.
   */
  function reportWorded({ texts }, errors, ask) {
    if (texts || !errors.length) return Promise.resolve(errors.forEach(reportError));
    return diagnostics()
      .then((module) => {
        const worded = new Map(JSON.parse(ask(module)).errors.map((e) => [e.field, e]));
        return errors.map((e) => worded.get(e.field) || e);
      })
      .catch(() => errors.map((e) => Object.assign({}, e, { message: e.message + ' (' + e.code + '; the explanation could not be loaded)' })))
      .then((worded) => worded.forEach(reportError));
  }

  /**
   * Warns of the options that are not Parcours options. The shipped builds
   * name them only (`texts` false): the diagnostics build says what each
   * probably meant; without it, each is said plainly.
   */
  function warnWorded({ texts, warnings }) {
    if (texts || !warnings.length) return warnings.forEach(warn);
    diagnostics()
      .then((module) => JSON.parse(module.explain(coreOptions)).warnings)
      .catch(() => warnings.map((field) => field + ' is not a Parcours option and was ignored'))
      .then((worded) => worded.forEach(warn));
  }

  /**
   * The core checked init's destinations: each refused one is reported, and
   * the kept ones (`report.destinations`, in the order of their partitions)
   * are sent by the kit, with their callbacks (transform, transport).
   */
  function useDestinations(report) {
    const given = jsOptionsGiven.destinations;
    const kept = report.destinations.map((id) => ({ id, options: given.find((d) => d && (d.id || d.type) === id) }));
    const encode = (i, body) => guarded((c) => c.call(ENCODE, body, '', i, Date.now()), '');
    destinations = destinationKit.createDestinations(kept, encode, { warn, reportError, debug: () => debug });
  }

  function whenReady() {
    if (started) return Promise.resolve();
    if (!whenStarted) whenStarted = new Promise((resolve) => (markStarted = resolve));
    return whenStarted;
  }


  /** What the survey kit may do with the SDK (see survey-wiring.js). */
  const surveySdk = {
    guarded,
    warn,
    reportError,
    reportWorded,
    signal(fn) {
      if (!started || dead || consentNow !== 'granted') return;
      if (calls.length) runSlice(true);
      guarded((c) => {
        fn(c);
        handleNotices(c);
      });
    },
    consent: () => ({ analytics: consentNow, feedback: feedbackNow }),
    listening: () => !!stopWatchingUrl,
    /** Records Parcours' own event `name` with `properties`, JSON text from the core as it is. */
    record(name, properties) {
      capture(TRACK, name, properties);
      if (listeners.has(name)) emit(name, JSON.parse(properties));
    },
    catchUp() {
      if (calls.length) runSlice(true);
    },
    refusal() {
      if (dead) return 'Parcours is shut down';
      if (feedbackNow !== 'granted') return 'feedback consent is ' + feedbackNow + '; surveys show once it is granted';
      if (consentNow === 'denied') return 'analytics consent is denied, so answers could not be recorded';
      return '';
    },
    ready: whenReady,
    loadWidget: () => loadWidget(jsOptionsGiven),
    nonce: () => jsOptionsGiven.nonce || '',
    debug: () => debug,
  };

  const api = {
    /** Starts Parcours. See ParcoursOptions for every option. */
    init(options) {
      if (started) return warn('init() was already called; this call was ignored.');
      if (!options || typeof options !== 'object' || Array.isArray(options)) {
        reportError({ code: 'invalid_option', field: 'options', message: 'options: expected an object. Call init({ endpoint: "/v1/batch" })' });
        return;
      }
      const jsOptions = {};
      const coreOptions = {};
      for (const key of Object.keys(options)) {
        if (SHELL_OPTIONS.includes(key)) jsOptions[key] = options[key];
        else coreOptions[key] = options[key];
      }
      // The core checks destinations; their callbacks stay here.
      jsOptions.destinations = options.destinations;
      if (jsOptions.beforeSend != null && typeof jsOptions.beforeSend !== 'function') {
        reportError({ code: 'invalid_option', field: 'options.beforeSend', message: 'options.beforeSend: expected a function (event) => event or null, got ' + describe(jsOptions.beforeSend) });
        return;
      }
      const text = stringifyObject(coreOptions, () => 'options');
      if (text === null) return;
      initPageview = -1;
      if (options.capturePageview !== false) {
        initPageview = calls.length;
        capture(PAGE, 'page_view', '');
      }
      // Survey code is in a build of its own: only pages that define surveys load it.
      start(text, jsOptions, options.surveys != null || options.surveysUrl != null);
    },

    /** Records an event: track('Signed Up', { plan: 'pro' }). */
    track(name, properties) {
      if (typeof name !== 'string' || !name) return warn('track(name, properties?): name must be a non-empty string; got ' + typeof name + '. The call was ignored.');
      capture(TRACK, name, stringifyObject(properties, trackProperties, name));
    },

    /** Records a page view (automatic at init unless capturePageview is false). */
    page(properties) {
      capture(PAGE, 'page_view', stringifyObject(properties, () => 'page() properties'));
    },

    /** Ties the visitor to your user id; traits describe the user. */
    identify(userId, traits) {
      if (typeof userId === 'number' && isFinite(userId)) userId = String(userId);
      if (typeof userId !== 'string' || !userId) return warn('identify(userId, traits?): userId must be a non-empty string; got ' + typeof userId + '. The call was ignored.');
      capture(IDENTIFY, userId, stringifyObject(traits, () => 'identify() traits'));
    },

    /** Puts the user in a group (a company, an account): group('acme', { plan: 'enterprise' }). Later events carry context.groupId. */
    group(groupId, traits) {
      if (typeof groupId === 'number' && isFinite(groupId)) groupId = String(groupId);
      if (typeof groupId !== 'string' || !groupId) return warn('group(groupId, traits?): groupId must be a non-empty string; got ' + typeof groupId + '. The call was ignored.');
      capture(GROUP, groupId, stringifyObject(traits, () => 'group() traits'));
    },

    /** Tells the backend that previousId (by default the current user or anonymous id) and userId are one person. */
    alias(userId, previousId) {
      if (typeof userId !== 'string' || !userId || (previousId != null && (typeof previousId !== 'string' || !previousId))) {
        return warn('alias(userId, previousId?): both must be non-empty strings; got ' + typeof userId + ', ' + typeof previousId + '. The call was ignored.');
      }
      capture(ALIAS, userId, previousId || '');
    },

    /** Super properties: added to every later event (its own properties win), kept across pages until reset(). */
    register(properties) {
      capture(REGISTER, '', stringifyObject(properties, () => 'register() properties') || null);
    },

    /** Like register, but keeps a value already registered (e.g. the first landing page). */
    register_once(properties) {
      capture(REGISTER, 'once', stringifyObject(properties, () => 'register_once() properties') || null);
    },

    /** Removes one super property. */
    unregister(name) {
      if (typeof name !== 'string' || !name) return warn('unregister(name): name must be a non-empty string. The call was ignored.');
      capture(UNREGISTER, name, '');
    },

    /** The visitor's anonymous id (null until Parcours is ready). */
    anonymousId() {
      return readyState && guarded((c) => JSON.parse(c.call(STATE)).visitorId, null);
    },

    /** Calls `callback` once Parcours is ready (at once if it is); resolves with its state. */
    ready(callback) {
      return new Promise((resolve) => {
        const done = (state) => {
          resolve(state);
          if (typeof callback === 'function') callback(state);
        };
        const stop = api.on('ready', (state) => (stop(), done(state)));
      });
    },

    /** Records a touchpoint from code: touchpoint('chat-opened', { topic: 'billing' }). */
    touchpoint(name, properties) {
      if (typeof name !== 'string' || !name) return warn('touchpoint(name, properties?): name must be a non-empty string; got ' + typeof name + '. The call was ignored.');
      if (properties !== undefined && properties !== null && (typeof properties !== 'object' || Array.isArray(properties))) {
        return warn('touchpoint("' + name + '") properties must be a plain object. The call was ignored.');
      }
      captureTouchpoint(name, properties);
    },

    /**
     * Sets consent: 'granted', 'pending' or 'denied' for every purpose, or
     * { analytics, feedback }. Pending keeps calls in memory only; granted
     * sends them; denied drops them, stops listening and erases what Parcours stored.
     */
    consent(state) {
      if (state === undefined) return started ? { analytics: consentNow, feedback: feedbackNow } : null;
      const valid = (s) => s === 'granted' || s === 'pending' || s === 'denied';
      const ok = valid(state) || (state && typeof state === 'object' && Object.keys(state).every((k) => (k === 'analytics' || k === 'feedback') && valid(state[k])));
      if (!ok) return warn('consent(state): expected "granted", "pending", "denied" or { analytics, feedback }; got ' + describe(state) + '. The call was ignored.');
      consentSaid = Object.assign({}, typeof consentSaid === 'object' ? consentSaid : {}, typeof state === 'string' ? { analytics: state, feedback: state } : state);
      if (!started || !core) return;
      const report = startCore();
      if (!report) return;
      if (consentNow === 'granted') startListening(report);
      surveys.started(report);
      if (consentNow === 'granted') runSlice();
      emit('consent', report.consent);
    },

    /** The visitor opts out: like consent('denied'), and later visits stay out until consent is granted again. */
    optOut() {
      consentSaid = { analytics: 'denied', feedback: 'denied' };
      if (!started || !core) return;
      guarded((c) => c.opt_out(localStorageOrNull(), storageOrNull('sessionStorage')));
      api.consent('denied');
    },

    /**
     * Stops Parcours on this page: what waits is sent (keepalive), every
     * listener is removed and history.pushState/replaceState are restored.
     */
    shutdown() {
      if (dead) return;
      surveys.hideAll();
      if (started && consentNow === 'granted') onHide({ type: 'pagehide' });
      stopListening();
      delivery.end(false);
      dead = true;
    },

    /** Forgets the user and starts a new anonymous visitor (e.g. on logout). */
    reset() {
      capture(RESET, '', '');
    },

    /** Sends everything recorded so far. Resolves to { ok, pending }; never rejects. */
    flush() {
      return new Promise((resolve) => {
        if (dead) return resolve({ ok: false, pending: 0 });
        // Nothing loading (no init() yet, or the wasm could not be loaded): nothing can be sent.
        if (!started && !loading) return resolve({ ok: false, pending: calls.length / 5 });
        // Without analytics consent there is nothing to send (pending calls wait in memory).
        if (started && consentNow !== 'granted') return resolve({ ok: consentNow === 'denied', pending: consentNow === 'denied' ? 0 : calls.length / 5 });
        delivery.flush(resolve);
        // Recorded in slices like any other call: a flush after a burst never blocks the page.
        scheduleSlice();
      });
    },

    /** Listens to 'ready', 'session', 'flush' or 'error'. Returns a function that stops listening. */
    on(name, callback) {
      if (typeof callback !== 'function') {
        warn('on(' + describe(name) + ', callback): callback must be a function. The call was ignored.');
        return () => {};
      }
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(callback);
      // Added after ready: it is told at once (in a microtask), like the others were.
      if (name === 'ready' && readyState) {
        queueMicrotask(() => listeners.get(name).has(callback) && tell(name, callback, readyState));
      }
      return () => listeners.get(name).delete(callback);
    },

    /**
     * The visitor's journey in this session, computed in the browser: steps,
     * stages, channel, friction, emotions; plus first and last touch.
     */
    journey() {
      return guarded((c) => JSON.parse(c.call(JOURNEY)), null);
    },

    /**
     * Feedback surveys defined in init({ surveys }): survey.show(id) shows
     * one now (resolves to true once on screen), survey.hide(id) takes it away.
     */
    survey: {
      show: (id) => whenReady().then(() => surveys.show(id)).catch(() => false),
      hide: (id) => surveys.hide(id),
      /** Why survey `id` would or would not show now: { show, checks: [{ rule, ok, detail }] }. */
      explain: (id) => surveys.explain(id),
    },

    /** Identity and queue state, for debugging. */
    debug() {
      return guarded((c) => JSON.parse(c.call(STATE)), null);
    },
  };

  // Nothing any call is given reaches the page as an exception or a rejection.
  const answers = {
    flush: () => Promise.resolve({ ok: false, pending: 0 }),
    on: () => () => {},
    journey: () => null,
    debug: () => null,
    anonymousId: () => null,
    consent: () => null,
    ready: () => new Promise(() => {}),
  };
  for (const name of Object.keys(api)) {
    if (typeof api[name] === 'function') api[name] = neverThrows(name, api[name], answers[name] || (() => undefined));
  }
  const flush = api.flush;
  api.flush = () => flush().catch(answers.flush);
  api.survey.show = neverThrows('survey.show', api.survey.show, () => Promise.resolve(false));
  api.survey.hide = neverThrows('survey.hide', api.survey.hide, () => undefined);
  api.survey.explain = neverThrows('survey.explain', api.survey.explain, () => ({ show: false, checks: [] }));

  /** Replays a call queued by the snippet, keeping its original time. */
  function replay(method, args, ts, resolve) {
    if (method === 'flush') return api.flush().then(resolve);
    if (method === 'survey.show') return api.survey.show(args[0]);
    if (typeof api[method] !== 'function') return warn('parcours.' + method + '() does not exist; the queued call was ignored.');
    replayTime = ts || 0;
    try {
      api[method].apply(api, args);
    } finally {
      replayTime = 0;
    }
  }

  return { api, replay };
}
