//! Consent: per purpose (analytics, feedback), `pending`, `granted` or
//! `denied`, from `init`, from `parcours.consent(…)`, and from the browser's
//! privacy signals. Do Not Track and Global Privacy Control count as
//! `denied` for analytics unless the site turns `respectPrivacySignals` off.
//!
//! What each state means is enforced by the shell: `pending` keeps calls in
//! memory only (no storage read or written, nothing sent); `granted` starts
//! tracking; `denied` drops what was held, stops listening and erases what
//! Parcours stored.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, FieldError};
use crate::base::json::{ObjectWriter, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentState {
    Pending,
    Granted,
    Denied,
}

impl ConsentState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Pending => "pending",
            ConsentState::Granted => "granted",
            ConsentState::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentState> {
        match s {
            "pending" => Some(ConsentState::Pending),
            "granted" => Some(ConsentState::Granted),
            "denied" => Some(ConsentState::Denied),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consent {
    pub analytics: ConsentState,
    pub feedback: ConsentState,
}

impl Default for Consent {
    fn default() -> Self {
        Consent {
            analytics: ConsentState::Granted,
            feedback: ConsentState::Granted,
        }
    }
}

const STATES: &str = "\"granted\", \"pending\" or \"denied\"";

impl Consent {
    /// Reads `"granted"` (every purpose) or `{ analytics?, feedback? }`, on top of `self`.
    pub fn read(self, field: &str, value: &Value) -> Result<Consent, FieldError> {
        let state = |path: &str, v: &Value| {
            v.as_str()
                .and_then(ConsentState::parse)
                .ok_or_else(|| expected("invalid_option", path, STATES, v))
        };
        match value {
            Value::String(_) => {
                let s = state(field, value)?;
                Ok(Consent {
                    analytics: s,
                    feedback: s,
                })
            }
            Value::Object(fields) => {
                let mut c = self;
                for (key, v) in fields {
                    let path = field.to_string() + "." + key;
                    match key.as_str() {
                        "analytics" => c.analytics = state(&path, v)?,
                        "feedback" => c.feedback = state(&path, v)?,
                        _ => {
                            return Err(FieldError::new("invalid_option", path, "is not a consent purpose")
                                .with_fix("Use analytics or feedback"))
                        }
                    }
                }
                Ok(c)
            }
            _ => Err(expected(
                "invalid_option",
                field,
                "\"granted\", \"pending\", \"denied\" or { analytics, feedback }",
                value,
            )),
        }
    }

    /// The consent in force: a browser privacy signal (Do Not Track, Global
    /// Privacy Control) denies analytics when the site respects them.
    pub fn effective(self, do_not_track: bool, global_privacy_control: bool, respect_signals: bool) -> Consent {
        let mut c = self;
        if respect_signals && (do_not_track || global_privacy_control) {
            c.analytics = ConsentState::Denied;
        }
        c
    }

    pub fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .str("analytics", self.analytics.as_str())
            .str("feedback", self.feedback.as_str())
            .finish();
    }
}

/// The consent in force at start: `options.consent` (`configured`), then
/// what the page said with `parcours.consent(…)` (`environment.consent`) or,
/// failing that, an earlier opt-out, then the browser's privacy signals
/// (`doNotTrack`, `globalPrivacyControl` in `environment`, JSON from the
/// shell) when `respect_signals` (`options.respectPrivacySignals`).
pub fn in_force(
    configured: Consent,
    respect_signals: bool,
    environment: &str,
    opted_out: bool,
) -> Result<Consent, FieldError> {
    let env = crate::base::json::parse(environment).unwrap_or(Value::Null);
    let flag = |key: &str| env.get(key).and_then(Value::as_bool).unwrap_or(false);
    let mut consent = configured;
    match env.get("consent").filter(|v| !matches!(v, Value::Null)) {
        Some(said) => consent = consent.read("consent", said)?,
        // An earlier optOut() holds until the page grants consent again.
        None if opted_out => consent.analytics = ConsentState::Denied,
        None => {}
    }
    Ok(consent.effective(flag("doNotTrack"), flag("globalPrivacyControl"), respect_signals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    #[test]
    fn consent_is_read_whole_or_per_purpose() {
        let base = Consent::default();
        let all = base.read("options.consent", &parse(r#""pending""#).unwrap()).unwrap();
        assert_eq!(
            (all.analytics, all.feedback),
            (ConsentState::Pending, ConsentState::Pending)
        );
        let some = base
            .read("options.consent", &parse(r#"{"feedback":"denied"}"#).unwrap())
            .unwrap();
        assert_eq!(
            (some.analytics, some.feedback),
            (ConsentState::Granted, ConsentState::Denied)
        );
        let err = base.read("options.consent", &parse(r#""yes""#).unwrap()).unwrap_err();
        assert_eq!(
            err.message(),
            "options.consent: expected \"granted\", \"pending\" or \"denied\", got \"yes\""
        );
        assert_eq!(
            base.read("options.consent", &parse(r#"{"ads":"granted"}"#).unwrap())
                .unwrap_err()
                .field,
            "options.consent.ads"
        );
    }

    #[test]
    fn an_opt_out_holds_until_the_page_grants_again() {
        let config = crate::config::Config::default();
        assert_eq!(
            in_force(config.consent, config.respect_privacy_signals, "{}", true)
                .unwrap()
                .analytics,
            ConsentState::Denied
        );
        assert_eq!(
            in_force(
                config.consent,
                config.respect_privacy_signals,
                r#"{"consent":{"analytics":"granted"}}"#,
                true
            )
            .unwrap()
            .analytics,
            ConsentState::Granted
        );
        assert_eq!(
            in_force(
                config.consent,
                config.respect_privacy_signals,
                r#"{"globalPrivacyControl":true}"#,
                false
            )
            .unwrap()
            .analytics,
            ConsentState::Denied
        );
        assert_eq!(
            in_force(config.consent, config.respect_privacy_signals, "{}", false)
                .unwrap()
                .analytics,
            ConsentState::Granted
        );
    }

    #[test]
    fn privacy_signals_deny_analytics_unless_the_site_opts_out() {
        let granted = Consent::default();
        assert_eq!(granted.effective(false, true, true).analytics, ConsentState::Denied);
        assert_eq!(granted.effective(true, false, true).analytics, ConsentState::Denied);
        assert_eq!(
            granted.effective(true, true, true).feedback,
            ConsentState::Granted,
            "feedback is a separate purpose"
        );
        assert_eq!(granted.effective(true, true, false).analytics, ConsentState::Granted);
        assert_eq!(granted.effective(false, false, true).analytics, ConsentState::Granted);
    }
}
