//! The options object given to `init`, validated once: every field has a
//! default, a wrong value is refused with the field, the value and the fix,
//! and an unknown key is reported (with a suggestion) but does not stop the
//! SDK, so a page written for a newer version still works.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{describe, expected, string_list, FieldError};
use crate::base::json::{self, Value};
use crate::base::num::push_u64;
use crate::capture::autocapture::{parse_declared, parse_params, Autocapture};
use crate::capture::consent::Consent;
use crate::capture::friction::{parse_friction, FrictionConfig};
use crate::journey::stages::{parse_rules, parse_stages};
use crate::journey::{parse_goals, JourneyRules};

mod table;
pub use table::{Kind, OPTIONS};
#[cfg(any(test, feature = "texts"))]
pub use table::{OptionDoc, OPTION_DOCS};

/// Validated SDK options. Times are in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where batches are POSTed (absolute http(s) URL or a path on this site).
    pub endpoint: String,
    /// Sent with every batch so the collector can tell sites apart.
    pub write_key: Option<String>,
    /// Send as soon as this many events wait.
    pub flush_at: u32,
    /// Send events that have waited this long, even if few.
    pub flush_interval_ms: u64,
    /// Upper bound of one request body; keeps page-hide requests inside the
    /// browser's 64 KB keepalive budget.
    pub max_batch_bytes: u32,
    /// Bounds of the local queue; beyond them the oldest events are dropped and counted.
    pub max_queue_events: u32,
    pub max_queue_bytes: u32,
    /// A session ends after this much inactivity...
    pub session_timeout_ms: u64,
    /// ...or when it has lasted this long.
    pub max_session_ms: u64,
    /// Record a page view as soon as the SDK starts.
    pub capture_pageview: bool,
    /// Log what the SDK does in the console.
    pub debug: bool,
    /// Stage model, stage rules, conversion goals.
    pub journey: JourneyRules,
    /// Send journey summaries (and identify calls) but no raw events.
    pub summaries_only: bool,
    /// Page views of single-page apps, declared touchpoints, stripped parameters.
    pub autocapture: Autocapture,
    /// Friction detectors and their thresholds.
    pub friction: FrictionConfig,
    /// Consent as the site starts it (before `parcours.consent(…)` and privacy signals).
    pub consent: Consent,
    /// Do Not Track and Global Privacy Control deny analytics.
    pub respect_privacy_signals: bool,
    /// Gzip batch bodies where the browser can (the collector accepts them).
    pub compress: bool,
    /// Where identity, session and journey are kept (`persistence`).
    pub persistence: Persistence,
    /// Feedback surveys the widget can show (`surveys`). Only builds with
    /// surveys hold them: the others never read a survey, nor carry the
    /// code that would drop one.
    #[cfg(feature = "surveys")]
    pub surveys: Vec<crate::surveys::survey::Survey>,
    /// Days between any two surveys shown by their triggers (`surveyCooldownDays`).
    pub survey_cooldown_days: u64,
    /// Where more survey definitions are served (`surveysUrl`); empty for none.
    pub surveys_url: String,
    /// How long fetched definitions are used before they are revalidated (`surveysTtlSeconds`).
    pub surveys_ttl_ms: u64,
    /// Backends that receive the events besides `endpoint` (`destinations`).
    pub destinations: Vec<crate::destinations::Destination>,
}

impl Config {
    #[cfg(feature = "surveys")]
    /// The survey with this id, if `surveys` defines it (and it was valid).
    pub fn survey(&self, id: &str) -> Option<&crate::surveys::survey::Survey> {
        self.surveys.iter().find(|survey| survey.id == id)
    }
}

/// `persistence`: `local` (default: localStorage, shared by tabs and visits),
/// `session` (sessionStorage: one tab's visit, no lasting id) or `none`
/// (memory: one page load; cookieless).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    Local,
    Session,
    None,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: String::new(),
            write_key: None,
            flush_at: 30,
            flush_interval_ms: 5_000,
            max_batch_bytes: 60_000,
            max_queue_events: 10_000,
            max_queue_bytes: 10_000_000,
            session_timeout_ms: 30 * 60_000,
            max_session_ms: 24 * 60 * 60_000,
            capture_pageview: true,
            debug: false,
            journey: JourneyRules::default(),
            summaries_only: false,
            autocapture: Autocapture::default(),
            friction: FrictionConfig::default(),
            consent: Consent::default(),
            respect_privacy_signals: true,
            compress: true,
            persistence: Persistence::Local,
            #[cfg(feature = "surveys")]
            surveys: Vec::new(),
            survey_cooldown_days: 7,
            surveys_url: String::new(),
            surveys_ttl_ms: 300_000,
            destinations: Vec::new(),
        }
    }
}

/// Every option `init` knows, for unknown-key detection and suggestions.
pub fn known_options() -> impl Iterator<Item = &'static str> {
    OPTIONS.iter().map(|option| option.0)
}

/// The result of reading options: the config and what was ignored.
#[derive(Debug)]
pub struct Parsed {
    pub config: Config,
    /// Human-readable notes about ignored keys and hard-to-read themes.
    pub warnings: Vec<String>,
    /// Survey definitions left out (the rest of the options still apply).
    pub survey_errors: Vec<FieldError>,
    /// Destinations left out (the others, and the rest of the options, still apply).
    pub destination_errors: Vec<FieldError>,
}

const CODE: &str = "invalid_option";

/// Validates the options given as JSON text (what `JSON.stringify(options)` produced).
pub fn parse_options(text: &str) -> Result<Parsed, FieldError> {
    let value = json::parse(text)
        .map_err(|e| FieldError::new(CODE, "options", e.problem).with_fix("Pass a plain object to init()"))?;
    let Value::Object(fields) = &value else {
        return Err(expected(CODE, "options", "an object", &value).with_fix("Call init({ endpoint: '/v1/batch' })"));
    };
    let mut config = Config::default();
    let mut warnings = Vec::new();
    let mut survey_errors = Vec::new();
    let mut destination_errors = Vec::new();
    let mut has_endpoint = false;
    let mut stage_rules = None; // read once the stage model is known
    let mut declared = None;
    for (key, value) in fields {
        if matches!(value, Value::Null) {
            continue; // null means "use the default"
        }
        match OPTIONS.iter().find(|(name, _)| name == key).map(|(_, kind)| kind) {
            Some(Kind::Int(min, max, set)) => {
                set(&mut config, int(key, value, *min, *max)?);
                continue;
            }
            Some(Kind::Bool(set)) => {
                set(&mut config, boolean(key, value)?);
                continue;
            }
            Some(Kind::Shell) => continue, // the shell's own (wasmUrl, …)
            _ => {}
        }
        match key.as_str() {
            "endpoint" => {
                config.endpoint = url_option("options.endpoint", value)?;
                has_endpoint = true;
            }
            "writeKey" => config.write_key = Some(write_key(value)?),
            "stages" => config.journey.stages = parse_stages(value)?,
            "stageRules" => stage_rules = Some(value),
            "touchpoints" => declared = Some(value),
            "stripQueryParams" => config.autocapture.strip_params = parse_params(value)?,
            "keepQueryParams" => match value {
                Value::Bool(all) => config.autocapture.keep_all_params = *all,
                _ => {
                    config.autocapture.keep_params =
                        string_list("options.keepQueryParams", "true or an array of parameter names", value)?
                }
            },
            "friction" => config.friction = parse_friction(value)?,
            "consent" => config.consent = config.consent.read("options.consent", value)?,
            "persistence" => {
                config.persistence = match value.as_str() {
                    Some("local") => Persistence::Local,
                    Some("session") => Persistence::Session,
                    Some("none") => Persistence::None,
                    _ => {
                        return Err(expected(
                            CODE,
                            "options.persistence",
                            "\"local\", \"session\" or \"none\"",
                            value,
                        ))
                    }
                }
            }
            "conversions" => config.journey.goals = parse_goals(value)?,
            #[cfg(feature = "destinations")]
            "destinations" => {
                (config.destinations, destination_errors) = crate::destinations::parse_destinations(value);
            }
            // Pages whose init() defines destinations load a build with them;
            // an empty list needs none.
            #[cfg(not(feature = "destinations"))]
            "destinations" => match value {
                Value::Array(list) if list.is_empty() => {}
                Value::Array(_) => destination_errors.push(
                    FieldError::new(
                        CODE,
                        "options.destinations",
                        "needs the build of Parcours with destinations",
                    )
                    .with_fix("With init({ wasmUrl }), point wasmUrl at parcours_destinations_bg.wasm"),
                ),
                _ => destination_errors.push(expected(
                    CODE,
                    "options.destinations",
                    "an array of destinations",
                    value,
                )),
            },
            #[cfg(feature = "surveys")]
            "surveys" => {
                let list = crate::surveys::survey::parse_surveys(value);
                for survey in &list.surveys {
                    warnings.extend(survey.contrast_warnings());
                }
                config.surveys = list.surveys;
                survey_errors = list.errors;
            }
            #[cfg(feature = "surveys")]
            "surveysUrl" => config.surveys_url = url_option("options.surveysUrl", value)?,
            #[cfg(not(feature = "surveys"))]
            "surveys" | "surveysUrl" => survey_errors.push(
                FieldError::new(
                    CODE,
                    "options.".to_string() + key,
                    "needs the build of Parcours with surveys",
                )
                .with_fix("With init({ wasmUrl }), point wasmUrl at parcours_surveys_bg.wasm"),
            ),
            unknown => warnings.push(unknown_key_warning(unknown)),
        }
    }
    if let Some(rules) = stage_rules {
        config.journey.rules = parse_rules(rules, &config.journey.stages)?;
    }
    config.journey.navigation_loops = config.friction.navigation_loops;
    config.journey.quick_back_ms = config.friction.quick_back_ms;
    if let Some(declared) = declared {
        config.autocapture.declared = parse_declared(declared, &config.journey.stages)?;
    }
    if !has_endpoint && config.destinations.is_empty() {
        return Err(FieldError::new(CODE, "options.endpoint", "is required")
            .with_fix("Set it to your collector's batch URL, e.g. endpoint: 'https://collect.example.com/v1/batch'"));
    }
    if config.session_timeout_ms > config.max_session_ms {
        return Err(FieldError::new(
            CODE,
            "options.sessionTimeoutMinutes",
            "is longer than options.maxSessionMinutes",
        )
        .with_fix("Make the inactivity timeout shorter than the maximum session length"));
    }
    Ok(Parsed {
        config,
        warnings,
        survey_errors,
        destination_errors,
    })
}

fn field_path(key: &str) -> String {
    "options.".to_string() + key
}

/// An option that is a URL: absolute http(s), or a path on this site.
fn url_option(field: &str, value: &Value) -> Result<String, FieldError> {
    let fix = "Use an absolute http(s) URL or a path on this site (starting with /)";
    let Some(url) = value.as_str() else {
        return Err(expected(CODE, field, "a string", value).with_fix(fix));
    };
    let scheme_ok =
        url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//"));
    if !scheme_ok || url.len() > 2_000 || url.bytes().any(|b| b.is_ascii_whitespace()) {
        let problem = crate::words!("is not a usable URL: ".to_string() + &describe(value));
        return Err(FieldError::new(CODE, field, problem).with_fix(fix));
    }
    Ok(url.to_string())
}

fn write_key(value: &Value) -> Result<String, FieldError> {
    match value.as_str() {
        Some(key) if crate::base::id::is_valid_client_id(key) => Ok(key.to_string()),
        _ => Err(
            expected(CODE, "options.writeKey", "1 to 64 letters, digits or -_.:", value)
                .with_fix("Copy the write key exactly as your collector prints it"),
        ),
    }
}

fn int(key: &str, value: &Value, min: u64, max: u64) -> Result<u64, FieldError> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => {
            let problem = crate::words! {{
                let mut problem = String::from("expected an integer from ");
                push_u64(&mut problem, min);
                problem.push_str(" to ");
                push_u64(&mut problem, max);
                problem.push_str(", got ");
                problem.push_str(&describe(value));
                problem
            }};
            Err(FieldError::new(CODE, field_path(key), problem).with_fix("Leave it out to use the default"))
        }
    }
}

fn boolean(key: &str, value: &Value) -> Result<bool, FieldError> {
    value
        .as_bool()
        .ok_or_else(|| expected(CODE, field_path(key), "true or false", value))
}

/// A key that is not an option: its path, and in a build with words
/// (`texts`) what is wrong and the option it probably meant. The shipped
/// builds give the path only; the facade has the diagnostics build word it.
fn unknown_key_warning(key: &str) -> String {
    let mut out = field_path(key);
    if cfg!(feature = "texts") {
        out.push_str(" is not a Parcours option and was ignored");
        if let Some(near) = closest_option(key) {
            out.push_str(" (did you mean ");
            out.push_str(near);
            out.push_str("?)");
        }
    }
    out
}

/// The known option a misspelt key was probably meant to be: the same
/// ignoring case, or one letter added, missing or changed. (A linear check,
/// not a full edit distance: it catches the common typos for little code.)
fn closest_option(key: &str) -> Option<&'static str> {
    known_options().find(|known| within_one_edit(key.as_bytes(), known.as_bytes()))
}

fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let same = |x: &u8, y: &u8| x.eq_ignore_ascii_case(y);
    let prefix = short.iter().zip(long).take_while(|(x, y)| same(x, y)).count();
    let (short_rest, long_rest) = (
        short.get(prefix..).unwrap_or_default(),
        long.get(prefix..).unwrap_or_default(),
    );
    // Skip the one differing letter: in the longer key only (insertion), or in both (change).
    let skip_both = short.len() == long.len();
    let short_tail = if skip_both {
        short_rest.get(1..).unwrap_or_default()
    } else {
        short_rest
    };
    let long_tail = long_rest.get(1..).unwrap_or_default();
    short_tail.len() == long_tail.len() && short_tail.iter().zip(long_tail).all(|(x, y)| same(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_options_get_the_documented_defaults() {
        let parsed = parse_options(r#"{"endpoint":"/v1/batch"}"#).unwrap();
        assert_eq!(
            parsed.config,
            Config {
                endpoint: "/v1/batch".into(),
                ..Config::default()
            }
        );
        assert!(parsed.warnings.is_empty());
        assert_eq!(parsed.config.flush_at, 30);
        assert_eq!(parsed.config.session_timeout_ms, 1_800_000);
    }

    #[test]
    fn every_option_is_read() {
        let parsed = parse_options(
            r#"{"endpoint":"https://c.example/v1/batch","writeKey":"wk_1","flushAt":5,"flushInterval":1000,
               "maxBatchBytes":20000,"maxQueueEvents":100,"maxQueueBytes":50000,"sessionTimeoutMinutes":10,
               "maxSessionMinutes":60,"capturePageview":false,"debug":true}"#,
        )
        .unwrap();
        let c = parsed.config;
        assert_eq!(c.write_key.as_deref(), Some("wk_1"));
        assert_eq!((c.flush_at, c.flush_interval_ms, c.max_batch_bytes), (5, 1000, 20000));
        assert_eq!((c.max_queue_events, c.max_queue_bytes), (100, 50000));
        assert_eq!((c.session_timeout_ms, c.max_session_ms), (600_000, 3_600_000));
        assert!(!c.capture_pageview && c.debug);
    }

    #[test]
    fn a_wrong_value_names_field_value_and_range() {
        let err = parse_options(r#"{"endpoint":"/b","flushAt":"10"}"#).unwrap_err();
        assert_eq!(err.code, "invalid_option");
        assert_eq!(err.field, "options.flushAt");
        assert_eq!(err.problem, "expected an integer from 1 to 1000, got \"10\"");
        let err = parse_options(r#"{"endpoint":"/b","flushAt":0}"#).unwrap_err();
        assert_eq!(err.problem, "expected an integer from 1 to 1000, got 0");
    }

    #[test]
    fn endpoint_is_required_and_must_be_a_url() {
        assert_eq!(parse_options("{}").unwrap_err().field, "options.endpoint");
        for bad in [r#""ftp://x""#, r#""//evil.example""#, r#""not a url""#, "12"] {
            let err = parse_options(&(r#"{"endpoint":"#.to_string() + bad + "}")).unwrap_err();
            assert_eq!(err.field, "options.endpoint", "{bad}");
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_a_suggestion_and_ignored() {
        let parsed = parse_options(r#"{"endpoint":"/b","flushat":3,"colour":"red"}"#).unwrap();
        assert_eq!(parsed.config.flush_at, 30);
        assert_eq!(
            parsed.warnings,
            vec![
                "options.flushat is not a Parcours option and was ignored (did you mean flushAt?)".to_string(),
                "options.colour is not a Parcours option and was ignored".to_string(),
            ]
        );
    }

    #[test]
    fn every_documented_option_is_known() {
        let known: Vec<_> = known_options().collect();
        assert_eq!(known.len(), 38, "34 for the core, 4 for the shell");
        for option in [
            "endpoint",
            "writeKey",
            "flushAt",
            "flushInterval",
            "maxBatchBytes",
            "maxQueueEvents",
            "maxQueueBytes",
            "sessionTimeoutMinutes",
            "maxSessionMinutes",
            "capturePageview",
            "debug",
            "compress",
            "surveyCooldownDays",
            "surveysUrl",
            "surveysTtlSeconds",
            "beforeSend",
        ] {
            assert!(known.contains(&option), "{option}");
        }
    }

    #[test]
    fn a_bad_survey_is_reported_and_the_sdk_still_starts() {
        let parsed = parse_options(
            r##"{"endpoint":"/b","surveys":[{"id":"ok","questions":[{"type":"csat"}],"theme":{"brand":"#ffee00"}},
                 {"id":"bad","questions":[{"type":"csat","style":"hearts"}]}]}"##,
        )
        .unwrap();
        assert_eq!(parsed.config.surveys.len(), 1);
        assert_eq!(parsed.survey_errors[0].field, "surveys[\"bad\"].questions[0].style");
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.starts_with("surveys[\"ok\"].theme: onBrand on brand")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn typos_within_one_letter_or_case_are_recognised() {
        assert_eq!(closest_option("flushat"), Some("flushAt"));
        assert_eq!(closest_option("FLUSHAT"), Some("flushAt"));
        assert_eq!(closest_option("flushIntervall"), Some("flushInterval"));
        assert_eq!(closest_option("flushInteral"), Some("flushInterval"));
        assert_eq!(closest_option("writekey"), Some("writeKey"));
        assert_eq!(closest_option("wrteKy"), None);
        assert_eq!(closest_option("colour"), None);
        assert_eq!(closest_option(""), None);
        assert!(within_one_edit(b"abc", b"abc"));
        assert!(within_one_edit(b"abc", b"abd"));
        assert!(within_one_edit(b"abc", b"xabc"));
        assert!(!within_one_edit(b"abc", b"cab"));
    }

    #[test]
    fn not_an_object_is_refused() {
        assert_eq!(
            parse_options("[]").unwrap_err().problem,
            "expected an object, got an array"
        );
        assert_eq!(parse_options("{").unwrap_err().field, "options");
    }

    #[test]
    fn inactivity_timeout_cannot_exceed_session_length() {
        let err = parse_options(r#"{"endpoint":"/b","sessionTimeoutMinutes":90,"maxSessionMinutes":60}"#).unwrap_err();
        assert_eq!(err.field, "options.sessionTimeoutMinutes");
    }
}
