//! The options of `init()`, one row each: the one source of their names,
//! kinds, ranges, defaults, TypeScript types and documentation.
//!
//! `parse_options` reads the kinds (`OPTIONS`: an integer or a boolean
//! costs a row, not code). The words (`OPTION_DOCS`) exist only in the
//! builds with texts and in tests: `tests/options_docs.rs` renders from them
//! the `ParcoursSettings` TypeScript interface (`src/options.d.ts`), the
//! README's options table and the shell's own option names
//! (`www/src/shell-options.js`), and fails when any of them drifts
//! (`PARCOURS_UPDATE_DOCS=1` rewrites them).

#[allow(unused_imports)]
use crate::prelude::*;

use super::Config;

/// What an option takes, as the validator reads it.
pub enum Kind {
    /// An integer from `min` to `max`, and where it goes.
    Int(u64, u64, fn(&mut Config, u64)),
    /// true or false, and where it goes.
    Bool(fn(&mut Config, bool)),
    /// Read by its own function in `parse_options`.
    Own,
    /// For the JavaScript shell only (`wasmUrl`, …): never given to the core.
    Shell,
}

/// An option's words, for the generated documentation.
#[cfg(any(test, feature = "texts"))]
pub struct OptionDoc {
    pub name: &'static str,
    /// Its TypeScript type.
    pub ts: &'static str,
    /// Its default as the README shows it.
    pub default: &'static str,
    /// One line on what it does.
    pub doc: &'static str,
}

macro_rules! options {
    ($($name:literal: $kind:expr, $ts:literal, $default:literal, $doc:literal;)*) => {
        /// Every option in the order the documentation shows them.
        pub const OPTIONS: &[(&str, Kind)] = &[$(($name, $kind)),*];

        /// The words of `OPTIONS`, row for row.
        #[cfg(any(test, feature = "texts"))]
        pub const OPTION_DOCS: &[OptionDoc] = &[$(OptionDoc { name: $name, ts: $ts, default: $default, doc: $doc }),*];
    };
}

use Kind::{Bool, Int, Own, Shell};

options! {
    "endpoint": Own, "string", "required (unless `destinations`)",
        "Where batches are POSTed: an absolute `http(s)` URL or a path on this site.";
    "destinations": Own, "Destination[]", "none",
        "Other backends that get the events too, each with its own outbox, batch limits and retries (see Destinations); a refused one is reported and left out.";
    "writeKey": Own, "string", "none",
        "Identifies your site to the collector (1-64 of `A-Z a-z 0-9 - _ . :`).";
    "flushAt": Int(1, 1_000, |c, v| c.flush_at = v as u32), "number", "30",
        "Send as soon as this many events wait.";
    "flushInterval": Int(100, 300_000, |c, v| c.flush_interval_ms = v), "number", "5000",
        "Send waiting events after this many milliseconds.";
    "maxBatchBytes": Int(1_000, 1_000_000, |c, v| c.max_batch_bytes = v as u32), "number", "60000",
        "Largest request body in bytes; keeps page-hide requests inside the browser's 64 KB keepalive budget.";
    "maxQueueEvents": Int(10, 1_000_000, |c, v| c.max_queue_events = v as u32), "number", "10000",
        "Most events waiting (all tabs together; 1000 in the localStorage fallback); beyond it the oldest raw events are dropped first and counted (`dropped` in the next batch).";
    "maxQueueBytes": Int(10_000, 100_000_000, |c, v| c.max_queue_bytes = v as u32), "number", "10000000",
        "The same bound in bytes (1000000 in the localStorage fallback).";
    "compress": Bool(|c, v| c.compress = v), "boolean", "true",
        "Gzip batch bodies of 1 KB or more where the browser has `CompressionStream`; turn off for an endpoint that does not inflate them.";
    "sessionTimeoutMinutes": Int(1, 24 * 60, |c, v| c.session_timeout_ms = v * 60_000), "number", "30",
        "Minutes of inactivity after which a session ends.";
    "maxSessionMinutes": Int(1, 7 * 24 * 60, |c, v| c.max_session_ms = v * 60_000), "number", "1440",
        "Minutes after which a session ends however active it is; sessions are shared by all tabs of the site.";
    "capturePageview": Bool(|c, v| c.capture_pageview = v), "boolean", "true",
        "Record a page view at `init`.";
    "debug": Bool(|c, v| c.debug = v), "boolean", "false",
        "Log what Parcours does (each batch, each decision) in the console.";
    "stages": Own, "string[]", "awareness, consideration, decision, purchase, retention, advocacy",
        "The journey's stages, in order.";
    "stageRules": Own, "StageRule[]", "none",
        "Which touchpoints enter which stage; every condition given must hold.";
    "conversions": Own, "{ event: string; valueProperty?: string; currencyProperty?: string; currency?: string }[]", "none",
        "Events that count as conversions, and where to read their value.";
    "summariesOnly": Bool(|c, v| c.summaries_only = v), "boolean", "false",
        "Send journey summaries (and identify calls) but no raw events.";
    "maxJourneySteps": Int(10, 1_000, |c, v| c.journey.max_steps = v as usize), "number", "200",
        "Steps kept per session journey; later ones are counted.";
    "captureSpaPageviews": Bool(|c, v| c.autocapture.spa_pageviews = v), "boolean", "true",
        "Page views on history changes and `#/` or `#!` hash routes.";
    "pageviewOnReplaceState": Bool(|c, v| c.autocapture.replace_state_pageviews = v), "boolean", "false",
        "A `replaceState` that keeps the path records a page view.";
    "captureTouchpoints": Bool(|c, v| c.autocapture.touchpoints = v), "boolean", "true",
        "Record `data-parcours-touchpoint` clicks and `data-parcours-view` views.";
    "touchpoints": Own, "{ selector: string; name: string; stage?: string; trigger?: 'click' | 'view' }[]", "none",
        "Touchpoints declared by CSS selector.";
    "keepQueryParams": Own, "true | string[]", "UTM tags and click ids",
        "More query parameters to keep in recorded URLs, or `true` for all.";
    "stripQueryParams": Own, "string[]", "none",
        "Query parameters always removed from recorded URLs and referrers (also with `keepQueryParams: true`).";
    "maskPersonalData": Bool(|c, v| c.autocapture.mask = v), "boolean", "true",
        "Mask emails, card numbers, phones and tokens in URLs, titles and properties.";
    "consent": Own, "ConsentState | { analytics?: ConsentState; feedback?: ConsentState }", "`'granted'`",
        "Consent at start, for every purpose or per purpose (see Privacy).";
    "respectPrivacySignals": Bool(|c, v| c.respect_privacy_signals = v), "boolean", "true",
        "Do Not Track and Global Privacy Control deny analytics.";
    "persistence": Own, "'local' | 'session' | 'none'", "`'local'`",
        "Where the visitor, session and journey are kept: `localStorage`, `sessionStorage` (one tab) or nowhere (cookieless, one page load).";
    "friction": Own, "FrictionOptions", "all on",
        "Friction detectors and their thresholds; `false` turns one off (see below).";
    "captureForms": Bool(|c, v| c.autocapture.forms = v), "boolean", "true",
        "Form events and outbound or download links.";
    "surveys": Own, "Survey[]", "none",
        "Feedback surveys (see Feedback surveys); a bad definition is reported and left out, the others load.";
    "surveyCooldownDays": Int(0, 365, |c, v| c.survey_cooldown_days = v), "number", "7",
        "Days between any two surveys shown by their triggers; 0 turns the cooldown off.";
    "surveysUrl": Own, "string", "none",
        "More surveys, served at this URL as `{ \"surveys\": [ … ] }` (e.g. the collector's `/v1/surveys`; see Remote definitions).";
    "surveysTtlSeconds": Int(0, 86_400, |c, v| c.surveys_ttl_ms = v * 1_000), "number", "300",
        "Seconds a fetched copy of `surveysUrl` is used before it is revalidated.";
    "wasmUrl": Shell, "string | URL", "beside the script",
        "Where to load the WebAssembly from (the build for what `init` defines: `parcours_bg.wasm`, `parcours_surveys_bg.wasm`, …).";
    "widgetUrl": Shell, "string | URL", "beside the script",
        "Script tag only: where `parcours-widget.js` is.";
    "nonce": Shell, "string", "none",
        "The nonce of your Content Security Policy, for the widget's style (and script) element.";
    "beforeSend": Shell, "(event: BatchEvent) => BatchEvent | null", "none",
        "Sees every event before it is stored: return it (changed or not), or `null` to drop it. Its id, type, time, visitor and session stay as they were.";
}
