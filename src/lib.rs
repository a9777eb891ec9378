//! The browser shell of Parcours: the functions the JavaScript facade calls.
//!
//! Division of labour (see HACKING.md): the hand-written JavaScript in `www/`
//! owns everything that calls back later (timers, listeners, `fetch`), so
//! that a trapped WebAssembly instance can be switched off cleanly without
//! leaving callbacks into it behind. This crate owns storage, randomness,
//! page context and, through `parcours-core`, every decision.
//!
//! Panic strategy: release builds use `panic = "abort"`, so a bug traps; the
//! facade catches the trap, logs it once and disables the SDK. Nothing here
//! unwraps a browser call: each has a fallback.
//!
//! Calls return small codes or JSON text rather than JS objects: that keeps
//! the generated glue, and the per-event cost, small.

// The shipped bundle (feature "bundle", set by scripts/build.sh) is no_std
// with its own allocator and panic handler; tests and native builds use std.
#![cfg_attr(all(feature = "bundle", target_arch = "wasm32"), no_std)]

extern crate alloc;

mod random;
mod storage;
/// `parcours.survey`: only in the build with surveys.
#[cfg(feature = "surveys")]
mod surveys;

use alloc::string::{String, ToString};
use core::cell::RefCell;

use parcours_core::config::{parse_options, Persistence};
use parcours_core::consent::ConsentState;
use parcours_core::event::EventKind;
use parcours_core::json::{push_list, write_string};
use parcours_core::num::push_u64;
use parcours_core::retry::Disposition;
#[cfg(feature = "surveys")]
use parcours_core::surveys::prompt::Prompt;
use parcours_core::tracker::Tracker;
use parcours_core::tracker::OPT_OUT_KEY;
use wasm_bindgen::prelude::*;

use random::CryptoRandom;
use storage::BrowserStore;

struct Shell {
    tracker: Tracker,
    store: BrowserStore,
    random: CryptoRandom,
    last_error: String,
    /// The document's title and referrer as of the current run of `record`s.
    title: String,
    referrer: String,
    /// The page URL of the last `record`, as the page gave it (the tracker
    /// keeps it minimised and masked, so it cannot tell a new page by it).
    href: String,
    /// The surveys on screen (a waiting "Feedback" tab and a prompt can
    /// both be), by submission id.
    #[cfg(feature = "surveys")]
    prompts: alloc::vec::Vec<Prompt>,
}

/// The SDK's state. WebAssembly here is single-threaded, and no call into
/// JavaScript happens while it is borrowed, so one cell suffices.
struct Global(RefCell<Option<Shell>>);
// SAFETY: see above; there is only one thread.
unsafe impl Sync for Global {}
static SHELL: Global = Global(RefCell::new(None));

// The shipped bundle's allocator, and a panic handler that traps: the facade
// catches the trap and disables the SDK.
parcours_core::bundle_runtime!();

use parcours_core::port::{self, op, NOTICES, RECORD_ERROR};

fn with_shell<T>(default: T, f: impl FnOnce(&mut Shell) -> T) -> T {
    match SHELL.0.try_borrow_mut().as_deref_mut() {
        Ok(Some(shell)) => f(shell),
        _ => default,
    }
}

fn ms(t: f64) -> u64 {
    if t.is_finite() && t > 0.0 {
        t as u64
    } else {
        0
    }
}

/// Validates the options (JSON text) and starts the tracker. `local` and
/// `session` are the page's localStorage and sessionStorage (none where
/// reading them threw; `persistence` picks one) and `crypto` its
/// Web Crypto: the facade reads those globals, which keeps the global-object
/// lookup machinery out of the wasm. `device` is what the browser reports of
/// the device (JSON; see `parcours_core::device`), `referrer` the
/// document's (it never changes in a document). Returns a JSON report:
/// `{"texts":…,"ok":true,"warnings":[…],"endpoint":…}` or
/// `{"texts":…,"ok":false,"error":{"code","field","message"}}`; `texts`
/// false when the errors have no words (the shipped builds: see `explain`).
/// `before_send`: the facade's wrapper of the site's `beforeSend`, if any.
/// Each of the page's objects is its own argument: a struct of them would
/// need glue of its own.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn start(
    options: &str,
    now: f64,
    local: Option<web_sys::Storage>,
    session: Option<web_sys::Storage>,
    crypto: Option<web_sys::Crypto>,
    environment: &str,
    referrer: &str,
    before_send: Option<Hook>,
) -> String {
    let parsed = match parse_options(options) {
        Ok(parsed) => parsed,
        Err(error) => return TEXTS_FLAG.to_string() + "\"ok\":false,\"error\":" + &error.to_json() + "}",
    };
    // The options say where state lives: localStorage, sessionStorage, or memory only (cookieless).
    let storage = match parsed.config.persistence {
        Persistence::Local => local,
        Persistence::Session => session,
        Persistence::None => None,
    };
    let opt_out_flag = storage
        .as_ref()
        .and_then(|s| s.get_item(OPT_OUT_KEY).ok().flatten())
        .is_some();
    let consent = match parcours_core::consent::in_force(
        parsed.config.consent,
        parsed.config.respect_privacy_signals,
        environment,
        opt_out_flag,
    ) {
        Ok(consent) => consent,
        Err(error) => return TEXTS_FLAG.to_string() + "\"ok\":false,\"error\":" + &error.to_json() + "}",
    };
    // Without analytics consent nothing touches the browser's storage.
    let granted = consent.analytics == ConsentState::Granted;
    if granted && opt_out_flag {
        if let Some(s) = &storage {
            let _ = s.remove_item(OPT_OUT_KEY); // the page granted consent again
        }
    }
    let mut store = BrowserStore::open(if granted { storage } else { None });
    let mut random = CryptoRandom::new(crypto);
    let mut tracker = Tracker::start(parsed.config, &mut store, &mut random, ms(now));
    tracker.set_device(environment);
    if let Some(hook) = before_send {
        tracker.set_before_send(Some(alloc::boxed::Box::new(move |event: &str| {
            hook.call(&JsValue::NULL, event)
        })));
    }

    let mut report = TEXTS_FLAG.to_string() + "\"ok\":true,\"warnings\":";
    push_list(&mut report, &parsed.warnings, |out, warning| write_string(out, warning));
    report.push_str(",\"endpoint\":");
    let config = tracker.config();
    write_string(&mut report, &config.endpoint);
    report.push_str(",\"capturePageview\":");
    report.push_str(if config.capture_pageview { "true" } else { "false" });
    report.push_str(",\"debug\":");
    report.push_str(if config.debug { "true" } else { "false" });
    report.push_str(",\"autocapture\":");
    config.autocapture.write_json(&mut report);
    report.push_str(",\"friction\":");
    config.friction.write_json(&mut report);
    report.push_str(",\"consent\":");
    consent.write_json(&mut report);
    report.push_str(",\"persistent\":");
    report.push_str(if store.is_persistent() { "true" } else { "false" });
    report.push_str(",\"persistence\":\"");
    report.push_str(match config.persistence {
        Persistence::Local => "local",
        Persistence::Session => "session",
        Persistence::None => "none",
    });
    report.push_str("\",\"compress\":");
    report.push_str(if config.compress { "true" } else { "false" });
    report.push_str(",\"partitions\":");
    push_u64(&mut report, tracker.partitions() as u64);
    // What the survey kit reads (it is loaded only with the build with surveys).
    #[cfg(feature = "surveys")]
    {
        report.push_str(",\"surveyWatch\":");
        report.push_str(&tracker.survey_watch_json());
        report.push_str(",\"surveysUrl\":");
        write_string(&mut report, &tracker.config().surveys_url);
    }
    report.push_str(",\"surveyErrors\":");
    push_list(&mut report, &parsed.survey_errors, |out, error| {
        out.push_str(&error.to_json())
    });
    // The destinations kept, in the order of their partitions (1, 2, …),
    // and one error per destination left out.
    #[cfg(feature = "destinations")]
    {
        report.push_str(",\"destinations\":");
        push_list(&mut report, &tracker.config().destinations, |out, d| {
            write_string(out, &d.id)
        });
        report.push_str(",\"destinationErrors\":");
        push_list(&mut report, &parsed.destination_errors, |out, error| {
            out.push_str(&error.to_json())
        });
    }
    report.push('}');
    if let Ok(mut shell) = SHELL.0.try_borrow_mut() {
        *shell = Some(Shell {
            tracker,
            store,
            random,
            last_error: String::new(),
            title: String::new(),
            referrer: referrer.to_string(),
            href: String::new(),
            #[cfg(feature = "surveys")]
            prompts: alloc::vec::Vec::new(),
        });
    }
    report
}

/// What a build without the words of errors (the four shipped ones) found
/// wrong in `options`, explained: `{"errors":[{code,field,message}…],
/// "warnings":[…]}` with the error that stops `start` or those of the
/// surveys and destinations left out. Only in the diagnostics build, which
/// the facade fetches when there is something to explain; it reads the
/// options and touches nothing.
#[cfg(feature = "texts")]
#[wasm_bindgen]
pub fn explain(options: &str) -> String {
    let mut errors = alloc::vec::Vec::new();
    let mut warnings = alloc::vec::Vec::new();
    match parse_options(options) {
        Ok(parsed) => {
            errors.extend(parsed.survey_errors);
            errors.extend(parsed.destination_errors);
            warnings = parsed.warnings;
        }
        Err(error) => errors.push(error),
    }
    explained(&errors, &warnings)
}

/// A call the shipped builds refused at run time (`field`, and the
/// `reason` they reported), worded: `{"errors":[{code,field,message}]}`.
#[cfg(feature = "texts")]
#[wasm_bindgen]
pub fn explain_refusal(field: &str, reason: &str) -> String {
    let (problem, fix) = parcours_core::error::reason_words(reason);
    let error = parcours_core::error::FieldError::always("invalid_call", field, problem, fix);
    explained(&[error], &[])
}

/// The same for survey definitions served at `url` (`body`, as fetched).
#[cfg(all(feature = "texts", feature = "surveys"))]
#[wasm_bindgen]
pub fn explain_surveys(url: &str, body: &str) -> String {
    explained(&parcours_core::tracker::remote::explain_remote(url, body), &[])
}

#[cfg(feature = "texts")]
fn explained(errors: &[parcours_core::error::FieldError], warnings: &[String]) -> String {
    let mut out = String::from("{\"errors\":");
    push_list(&mut out, errors, |out, error| out.push_str(&error.to_json()));
    out.push_str(",\"warnings\":");
    push_list(&mut out, warnings, |out, warning| write_string(out, warning));
    out.push('}');
    out
}

/// Opens `start`'s report: whether its errors have words (`texts`: false
/// in the shipped builds, whose errors `explain` words).
const TEXTS_FLAG: &str = if cfg!(feature = "texts") {
    "{\"texts\":true,"
} else {
    "{\"texts\":false,"
};

/// Removes everything Parcours keeps in `storage` (consent denied, opt-out).
#[wasm_bindgen]
pub fn erase(storage: Option<web_sys::Storage>) {
    if let Some(storage) = storage {
        for key in parcours_core::tracker::STORAGE_KEYS {
            let _ = storage.remove_item(key);
        }
    }
}

/// The visitor opts out: everything Parcours stored is erased and a flag
/// keeps later visits out until the page grants consent again.
#[wasm_bindgen]
pub fn opt_out(local: Option<web_sys::Storage>, session: Option<web_sys::Storage>) {
    let persistence = with_shell(Persistence::Local, |s| s.tracker.config().persistence);
    let kept = match persistence {
        Persistence::Local => local.clone(),
        Persistence::Session => session.clone(),
        Persistence::None => None, // cookieless: nothing may last, not even this choice
    };
    erase(local);
    erase(session);
    if let Some(s) = &kept {
        let _ = s.set_item(OPT_OUT_KEY, "1");
    }
}

#[wasm_bindgen]
extern "C" {
    /// The facade's wrapper of the site's `beforeSend`: the event's JSON
    /// text in, the event's text out or null to drop it. It never throws
    /// (it catches what the site's function throws), so the call needs no
    /// exception glue.
    #[wasm_bindgen(typescript_type = "(event: string) => string | null")]
    pub type Hook;
    #[wasm_bindgen(method)]
    fn call(this: &Hook, context: &JsValue, event: &str) -> Option<String>;
}

/// Records one call made at `ts` on the page `href`. `kind`: a call code of
/// `parcours_core::port` (`name`: the event's name, or the user id for
/// identify and alias, the group id for group, "once" for register_once, the
/// property for unregister). `payload` is a JSON object's text or empty (the
/// previous id for alias). Returns bits (`RECORD_ERROR`: see
/// `op::TAKE_ERROR`; `NOTICES`).
#[wasm_bindgen]
pub fn record(kind: u8, name: &str, payload: &str, ts: f64, href: &str) -> u32 {
    with_shell(RECORD_ERROR, |s| {
        if s.href != href {
            // A new page: the previous one is the referrer of a same-document navigation.
            let referrer = if s.href.is_empty() {
                s.referrer.clone()
            } else {
                core::mem::take(&mut s.href)
            };
            s.tracker.set_page(href, &s.title, &referrer);
            s.href = href.to_string();
        }
        let ts = ms(ts);
        let (tracker, store, random) = (&mut s.tracker, &mut s.store, &mut s.random);
        let result = match kind {
            port::TRACK => tracker.record(EventKind::Track, name, payload, ts, random),
            port::PAGE => tracker.record(EventKind::Page, name, payload, ts, random),
            port::IDENTIFY => tracker.identify(name, payload, ts, store, random),
            port::GROUP => tracker.group(name, payload, ts, store, random),
            // `payload`: the previous id, or empty for the current one.
            port::ALIAS => tracker.alias(name, payload, ts, random),
            port::REGISTER => tracker
                .register(payload, name == "once", store)
                .map(|()| Default::default()),
            port::UNREGISTER => {
                tracker.unregister(name, store);
                Ok(Default::default())
            }
            port::RESET => {
                tracker.reset(store, random, ts);
                Ok(Default::default())
            }
            _ => return RECORD_ERROR,
        };
        match result {
            Ok(recorded) if recorded.notices > 0 => NOTICES,
            Ok(_) => 0,
            Err(error) => {
                s.last_error = error.to_json();
                RECORD_ERROR
            }
        }
    })
}

/// Everything else the shell asks of the core, by operation
/// (`parcours_core::port::op`: each says which arguments it reads). One
/// export rather than one per operation: the glue, every build's
/// identical, stays small, and the kits need none of their own. Every
/// answer is text (a number's decimal digits, "1" for true).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn call(op: u8, s1: Option<String>, s2: Option<String>, a: f64, b: f64, c: f64, d: f64, e: f64) -> String {
    let s1 = s1.unwrap_or_default();
    let s2 = s2.unwrap_or_default();
    with_shell(String::new(), |s| {
        let number = |n: u64| {
            let mut out = String::new();
            push_u64(&mut out, n);
            out
        };
        match op {
            op::BEGIN => {
                s.tracker.load_session(&s.store);
                if s.title != s1 {
                    s.title = s1;
                }
            }
            op::END => s.tracker.save_session(&mut s.store),
            op::SIGNAL => return number(u64::from(signal(s, a as u8, b, c, d, &s1, &s2))),
            op::TAKE_NOTICES => return s.tracker.take_notices(),
            op::TAKE_ERROR => return core::mem::take(&mut s.last_error),
            op::JOURNEY => return s.tracker.journey_json(),
            op::STATE => return state(s),
            op::NEXT_BATCH => {
                return s
                    .tracker
                    .next_batch_of(a as usize, ms(b), c > 0.0, &mut s.random)
                    .unwrap_or_default()
            }
            op::SETTLE => return settle(s, a as usize, b as u16, c, ms(d), ms(e), &s1),
            op::HIDE_BATCH => return s.tracker.next_hide_batch(ms(a), &mut s.random).unwrap_or_default(),
            op::SETTLE_HIDE => s.tracker.settle_hide(&s1, a as u16),
            op::CONFIRM => s.tracker.confirm(&s1),
            op::TAKE_WRITES => return s.tracker.take_writes(a as usize),
            op::TAKE_DELETES => return s.tracker.take_deletes(),
            op::ADOPT => {
                let keep = parcours_core::outbox::Retention::from_code(c as u8);
                if s.tracker.adopt(&s1, ms(a), b as u32, keep, s2) {
                    return "1".into();
                }
            }
            op::SET_SENDER => s.tracker.set_sender(a > 0.0),
            op::LIMIT_OUTBOX => s.tracker.limit_outboxes(a as usize, b as usize),
            op::NEXT_WAKE => {
                return match s.tracker.next_wake(ms(a)) {
                    Some(t) => number(t),
                    None => "-1".into(),
                }
            }
            op::PENDING => return number(s.tracker.pending() as u64),
            #[cfg(feature = "surveys")]
            op::SURVEY_SIGNAL..=op::SURVEYS_RECEIVED => {
                return surveys::call(s, op, &s1, &s2, a, b, c).unwrap_or_default();
            }
            #[cfg(feature = "destinations")]
            op::ENCODE => {
                if let Some(destination) = s.tracker.config().destinations.get(a as usize) {
                    return parcours_core::destinations::encode_json(destination, &s1, ms(b));
                }
            }
            _ => {}
        }
        String::new()
    })
}

/// A browser signal for the friction detectors: `kind` `SIGNAL_CLICK` at
/// (a, b) on `text` (`text2` "1" when interactive), `SIGNAL_ACTIVITY`,
/// `SIGNAL_ERROR` `text` from `text2` at line `a`, `SIGNAL_TIMING` (a load
/// ms, b LCP ms), the vitals' entries and `SIGNAL_SCROLL` (see `port`). Returns the `record` bits (`NOTICES`: notices wait).
fn signal(s: &mut Shell, kind: u8, a: f64, b: f64, t: f64, text: &str, text2: &str) -> u32 {
    let t = ms(t);
    match kind {
        port::SIGNAL_CLICK => s
            .tracker
            .signal_click(a as i64, b as i64, t, text2 == "1", text, &mut s.random),
        port::SIGNAL_ACTIVITY => s.tracker.signal_activity(t),
        port::SIGNAL_ERROR => s.tracker.signal_error(text, text2, ms(a), t, &mut s.random),
        port::SIGNAL_TIMING => s.tracker.signal_timing(ms(a), ms(b), t, &mut s.random),
        #[cfg(feature = "vitals")]
        port::SIGNAL_SCROLL => s.tracker.signal_scroll(a as i64, b as i64, t, &mut s.random),
        #[cfg(feature = "vitals")]
        _ => s.tracker.signal_vital(kind, ms(a), ms(b), text, t, &mut s.random),
        #[cfg(not(feature = "vitals"))]
        _ => {}
    }
    if s.tracker.pending_notices() > 0 {
        NOTICES
    } else {
        0
    }
}

/// Identity and queue state as JSON, for `parcours.debug()` and tests.
fn state(s: &Shell) -> String {
    {
        let t = &s.tracker;
        let mut out = String::from("{\"visitorId\":");
        write_string(&mut out, t.visitor_id());
        out.push_str(",\"userId\":");
        match t.user_id() {
            Some(u) => write_string(&mut out, u),
            None => out.push_str("null"),
        }
        out.push_str(",\"sessionId\":");
        match t.session() {
            Some(session) => {
                write_string(&mut out, &session.id);
                out.push_str(",\"sessionIndex\":");
                push_u64(&mut out, session.index as u64);
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"pending\":");
        push_u64(&mut out, t.outbox().len() as u64);
        out.push_str(",\"dropped\":");
        push_u64(&mut out, t.outbox().dropped_total);
        out.push_str(",\"refused\":");
        push_u64(&mut out, t.outbox().refused_total);
        out.push_str(",\"sender\":");
        out.push_str(if t.outbox().is_sender() { "true" } else { "false" });
        out.push_str(",\"storageDegraded\":");
        out.push_str(if s.store.degraded { "true" } else { "false" });
        out.push('}');
        out
    }
}

/// Applies the answer to partition `p`'s batch in flight (see `op::SETTLE`).
fn settle(s: &mut Shell, p: usize, status: u16, retry_after: f64, now: u64, refused: u64, kept: &str) -> String {
    s.tracker.note_refused(p, refused);
    let retry_after = (retry_after >= 0.0).then(|| ms(retry_after));
    // Only a destination's batch goes as several requests.
    #[cfg(feature = "destinations")]
    let kept = match parcours_core::json::parse(kept) {
        Ok(parcours_core::json::Value::Array(items)) => Some(items),
        _ => None,
    };
    #[cfg(feature = "destinations")]
    let kept: Option<alloc::vec::Vec<&str>> = kept
        .as_ref()
        .map(|items| items.iter().filter_map(parcours_core::json::Value::as_str).collect());
    #[cfg(not(feature = "destinations"))]
    let kept: Option<alloc::vec::Vec<&str>> = {
        let _ = kept;
        None
    };
    match s
        .tracker
        .settle_of(p, status, retry_after, now, &mut s.random, kept.as_deref())
    {
        Some(settled) => {
            let disposition = match settled.disposition {
                Disposition::Delivered => 0,
                Disposition::Retry => 1,
                Disposition::Reject => 2,
            };
            let mut out = String::new();
            push_u64(&mut out, disposition + 4 * settled.events as u64);
            out
        }
        None => "-1".into(),
    }
}

/// `ParcoursSettings` and `ShellSettings`, generated from the option table
/// (core/src/config/table.rs) by core/tests/options_docs.rs.
#[wasm_bindgen(typescript_custom_section)]
const SETTINGS_TYPE: &'static str = include_str!("options.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TYPE: &'static str = r#"
/** Options of `init()`: `endpoint`, or `destinations`, or both; every other field is optional. */
export type ParcoursOptions = ParcoursSettings & ({ endpoint: string } | { destinations: Destination[] });

/** Friction detectors and their thresholds; `false` turns one off. */
export interface FrictionOptions {
  rageClicks?: false | { clicks?: number; withinMs?: number; radiusPx?: number };
  deadClicks?: false | number;
  errors?: boolean;
  errorClicks?: false | number;
  slowPageMs?: false | number;
  longFormRequired?: false | number;
  repeatedInvalid?: false | number;
  formAbandonment?: boolean;
  navigationLoops?: boolean;
  quickBackMs?: false | number;
  slowInteractionMs?: false | number;
  layoutShift?: false | number;
  excessiveScrolls?: false | number;
  webVitals?: boolean;
  ignore?: string[];
}

/** A backend that receives Parcours' events in its own format. */
export type Destination = DestinationCommon & (
  | { type: 'parcours'; url: string; writeKey?: string }
  | { type: 'segment'; writeKey: string; url?: string }
  | { type: 'rudderstack'; writeKey: string; url: string }
  | { type: 'posthog'; apiKey: string; url?: string }
  | { type: 'snowplow'; url: string; appId?: string }
  | { type: 'ga4'; measurementId: string; apiSecret: string; url?: string }
  | { type: 'webhook'; url: string; envelope?: Record<string, unknown> }
);

/** What every destination may set. */
export interface DestinationCommon {
  /** Names it in errors, events and storage (1-32 letters, digits, - or _). Default: its type. */
  id?: string;
  /** Sent with each request (not Content-Type). */
  headers?: Record<string, string>;
  /** Most events in one request (at most the backend's limit). */
  maxEvents?: number;
  /** Most bytes in one request (at most the backend's limit). */
  maxBytes?: number;
  /** Only these event names. */
  events?: string[];
  /** Only journey summaries, identify calls and survey answers. */
  summariesOnly?: boolean;
  /** Percentage of visitors sent (a fixed draw per visitor). Default 100. */
  sample?: number;
  /** Changes each event before it is encoded; return null or false to leave it out. */
  transform?: (event: Record<string, unknown>) => Record<string, unknown> | null | false;
  /** Sends each encoded request yourself; the batch stays in the outbox until the promise resolves (a rejection retries it). */
  transport?: (request: DestinationRequest) => Promise<{ status?: number } | void>;
}

/** One encoded request for a destination, as `transport` receives it. */
export interface DestinationRequest {
  destination: string;
  url: string;
  contentType: string;
  headers: [string, string][];
  body: string;
}

/** A feedback survey: questions in sequence, then a thank-you step. */
export interface Survey {
  /** 1-64 letters, digits or -_. */
  id: string;
  questions: SurveyQuestion[];
  /** Force a language ("fr", "ar"); default: the page's, then the browser's, falling back to English. */
  language?: string;
  /** Override any built-in string for this survey. */
  strings?: Partial<Record<'thanks' | 'submit' | 'next' | 'close' | 'skip' | 'tab' | 'textPlaceholder' | 'required', string>>;
  /** Default "bottom-right". "inline" renders into `target`; "tab" shows a Feedback tab on the page edge that opens the survey. */
  placement?: 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left' | 'center' | 'modal' | 'inline' | 'tab';
  /** CSS selector of the element an inline survey renders into. */
  target?: string;
  /** Hex colours (their contrast is checked), CSS length, font list; mode follows prefers-color-scheme unless set. */
  theme?: { brand?: string; onBrand?: string; background?: string; text?: string; radius?: string; font?: string; mode?: 'auto' | 'light' | 'dark' };
  /** What shows it (any of several); without one only `parcours.survey.show(id)` does. */
  trigger?: SurveyTrigger | SurveyTrigger[];
  /** Who it is for; keys of one object must all hold. */
  audience?: SurveyAudience;
  /** Percentage of visitors (a fixed draw per visitor). Default 100. */
  sample?: number;
  /** Default: once per visitor, at most once per session. */
  frequency?: { every?: number | 'once'; afterDismissal?: number; perSession?: number };
  /** Dates in UTC ("2026-12-01" or "2026-12-01T09:00Z"); stop after this browser sent maxResponses. */
  schedule?: { start?: string; end?: string; maxResponses?: number };
  /** A/B variants: each may change questions, language, strings, placement, target, theme. */
  variants?: ({ id: string; weight?: number } & Partial<Pick<Survey, 'questions' | 'language' | 'strings' | 'placement' | 'target' | 'theme'>>)[];
}

/** A page URL rule: a text starting with "/" is compared with the path, any other with the whole URL. */
export type UrlRule = Partial<Record<'equals' | 'contains' | 'startsWith' | 'endsWith' | 'matches' | 'notEquals' | 'notContains' | 'notStartsWith' | 'notEndsWith' | 'notMatches', string>>;

/** A comparison of a value: a bare value means equality. */
export type Comparison = string | number | boolean | null | Partial<Record<'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains', string | number | boolean>> | { in: unknown[] } | { exists: boolean };

/** One trigger: one of event … page, with optional where (event/touchpoint properties), url and delay (seconds). */
export type SurveyTrigger = (
  | { event: string }
  | { touchpoint: string }
  | { stage: string }
  | { conversion: true | string }
  | { friction: true | string }
  | { pageView: true }
  | { timeOnPage: number }
  | { scrollDepth: number }
  | { exitIntent: true }
  | { click: string }
  | { session: number }
  | { page: number }
  | {}
) & { where?: Record<string, Comparison>; url?: UrlRule | UrlRule[]; delay?: number };

export type SurveyAudience =
  | SurveyAudience[]
  | {
      all?: SurveyAudience[];
      any?: SurveyAudience[];
      not?: SurveyAudience;
      trait?: string;
      eq?: unknown; ne?: unknown; gt?: number; gte?: number; lt?: number; lte?: number; contains?: string; in?: unknown[]; exists?: boolean;
      visitor?: 'new' | 'returning';
      channel?: string | string[];
      device?: 'mobile' | 'tablet' | 'desktop' | ('mobile' | 'tablet' | 'desktop')[];
      language?: string | string[];
      stageReached?: string;
      url?: UrlRule;
    };

export type SurveyQuestion =
  | { type: 'csat'; text?: string; style?: 'stars' | 'numbers' | 'faces'; optional?: boolean }
  | { type: 'ces'; text?: string; wording?: 'agreement' | 'ease'; optional?: boolean }
  | { type: 'nps' | 'thumbs'; text?: string; optional?: boolean }
  /** Free text; `ifLow` / `ifHigh` replace `text` after a low / high score on the previous question. */
  | { type: 'text'; text?: string; ifLow?: string; ifHigh?: string; optional?: boolean };

export type ConsentState = 'granted' | 'pending' | 'denied';

/** Maps touchpoints to a stage. `url` matches the path: a glob (`*` within a segment, `**` across) or { exact | prefix | glob }. */
export interface StageRule {
  stage: string;
  touchpoint?: string;
  event?: string;
  url?: string | { exact: string } | { prefix: string } | { glob: string };
  properties?: Record<string, unknown>;
}
"#;
