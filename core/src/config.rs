//! The options object given to `init`, validated once: every field has a
//! default, a wrong value is refused with the field, the value and the fix,
//! and an unknown key is reported (with a suggestion) but does not stop the
//! SDK, so a page written for a newer version still works.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{describe, FieldError};
use crate::json::{self, Value};
use crate::num::push_u64;

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: String::new(),
            write_key: None,
            flush_at: 30,
            flush_interval_ms: 5_000,
            max_batch_bytes: 60_000,
            max_queue_events: 20_000,
            max_queue_bytes: 8_000_000,
            session_timeout_ms: 30 * 60_000,
            max_session_ms: 24 * 60 * 60_000,
            capture_pageview: true,
            debug: false,
        }
    }
}

/// Every option `init` knows, for unknown-key detection and suggestions.
pub const KNOWN_OPTIONS: &[&str] = &[
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
];

/// The result of reading options: the config and what was ignored.
#[derive(Debug)]
pub struct Parsed {
    pub config: Config,
    /// Human-readable notes about ignored keys.
    pub warnings: Vec<String>,
}

const CODE: &str = "invalid_option";

/// Validates the options given as JSON text (what `JSON.stringify(options)` produced).
pub fn parse_options(text: &str) -> Result<Parsed, FieldError> {
    let value = json::parse(text)
        .map_err(|e| FieldError::new(CODE, "options", e.problem).with_fix("Pass a plain object to init()"))?;
    let Value::Object(fields) = &value else {
        return Err(FieldError::new(
            CODE,
            "options",
            "expected an object, got ".to_string() + &describe(&value),
        )
        .with_fix("Call init({ endpoint: '/v1/batch' })"));
    };
    let mut config = Config::default();
    let mut warnings = Vec::new();
    let mut has_endpoint = false;
    for (key, value) in fields {
        if matches!(value, Value::Null) {
            continue; // null means "use the default"
        }
        match key.as_str() {
            "endpoint" => {
                config.endpoint = endpoint(value)?;
                has_endpoint = true;
            }
            "writeKey" => config.write_key = Some(write_key(value)?),
            "flushAt" => config.flush_at = int(key, value, 1, 1_000)? as u32,
            "flushInterval" => config.flush_interval_ms = int(key, value, 100, 300_000)?,
            "maxBatchBytes" => config.max_batch_bytes = int(key, value, 1_000, 1_000_000)? as u32,
            "maxQueueEvents" => config.max_queue_events = int(key, value, 10, 1_000_000)? as u32,
            "maxQueueBytes" => config.max_queue_bytes = int(key, value, 10_000, 100_000_000)? as u32,
            "sessionTimeoutMinutes" => config.session_timeout_ms = int(key, value, 1, 24 * 60)? * 60_000,
            "maxSessionMinutes" => config.max_session_ms = int(key, value, 1, 7 * 24 * 60)? * 60_000,
            "capturePageview" => config.capture_pageview = boolean(key, value)?,
            "debug" => config.debug = boolean(key, value)?,
            unknown => warnings.push(unknown_key_warning(unknown)),
        }
    }
    if !has_endpoint {
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
    Ok(Parsed { config, warnings })
}

fn field_path(key: &str) -> String {
    "options.".to_string() + key
}

fn endpoint(value: &Value) -> Result<String, FieldError> {
    let fix = "Use an absolute http(s) URL or a path on this site, e.g. '/v1/batch'";
    let Some(url) = value.as_str() else {
        return Err(FieldError::new(
            CODE,
            "options.endpoint",
            "expected a string, got ".to_string() + &describe(value),
        )
        .with_fix(fix));
    };
    let scheme_ok =
        url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//"));
    if !scheme_ok || url.len() > 2_000 || url.contains(char::is_whitespace) {
        return Err(FieldError::new(
            CODE,
            "options.endpoint",
            "is not a usable URL: ".to_string() + &describe(value),
        )
        .with_fix(fix));
    }
    Ok(url.to_string())
}

fn write_key(value: &Value) -> Result<String, FieldError> {
    match value.as_str() {
        Some(key) if crate::id::is_valid_client_id(key) => Ok(key.to_string()),
        _ => Err(FieldError::new(
            CODE,
            "options.writeKey",
            "expected 1 to 64 letters, digits or -_.:, got ".to_string() + &describe(value),
        )
        .with_fix("Copy the write key exactly as your collector prints it")),
    }
}

fn int(key: &str, value: &Value, min: u64, max: u64) -> Result<u64, FieldError> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => {
            let mut problem = String::from("expected an integer from ");
            push_u64(&mut problem, min);
            problem.push_str(" to ");
            push_u64(&mut problem, max);
            problem.push_str(", got ");
            problem.push_str(&describe(value));
            Err(FieldError::new(CODE, field_path(key), problem).with_fix("Leave it out to use the default"))
        }
    }
}

fn boolean(key: &str, value: &Value) -> Result<bool, FieldError> {
    value.as_bool().ok_or_else(|| {
        FieldError::new(
            CODE,
            field_path(key),
            "expected true or false, got ".to_string() + &describe(value),
        )
    })
}

fn unknown_key_warning(key: &str) -> String {
    let mut out = field_path(key);
    out.push_str(" is not a Parcours option and was ignored");
    if let Some(near) = closest_option(key) {
        out.push_str(" (did you mean ");
        out.push_str(near);
        out.push_str("?)");
    }
    out
}

/// The known option nearest to a misspelt key, if one is close enough.
fn closest_option(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    KNOWN_OPTIONS
        .iter()
        .map(|known| (edit_distance(&lower, &known.to_ascii_lowercase()), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
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
