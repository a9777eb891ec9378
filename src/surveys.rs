//! The survey operations of the build with surveys (`feature = "surveys"`),
//! reached through the port's one `call` (`port::op::SURVEY_*`, see
//! [`call`]): triggers from browser signals, claims at display,
//! `survey.explain`, one showing's open, answers and close, and the
//! definitions of `surveysUrl`. Pages without surveys load the build
//! without this file, and no build has exports of its own for surveys, so
//! the survey kit needs no glue.

use alloc::string::{String, ToString};

use parcours_core::json::write_string;
use parcours_core::platform::new_id;
use parcours_core::port::op;
use parcours_core::surveys::prompt::{refusal_json, Prompt};
use parcours_core::surveys::targeting::Occurrence;
use parcours_core::tracker::surveys::claim_json;

use super::{ms, Shell, NOTICES};

/// Runs survey operation `op` (see `port::op::SURVEY_*` for its arguments;
/// `s2` carries a JSON array of strings where an operation reads more than
/// one text). None for an operation that is not a survey's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call(s: &mut Shell, op: u8, s1: &str, s2: &str, a: f64, b: f64, c: f64) -> Option<String> {
    let several = matches!(
        op,
        op::SURVEY_CLAIM | op::SURVEY_EXPLAIN | op::SURVEY_OPEN | op::SURVEYS_RECEIVED
    );
    let texts: alloc::vec::Vec<String> = match parcours_core::json::parse(if several { s2 } else { "" }) {
        Ok(parcours_core::json::Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => alloc::vec::Vec::new(),
    };
    let text = |i: usize| texts.get(i).map_or("", String::as_str);
    Some(match op {
        op::SURVEY_SIGNAL => {
            let mut out = String::new();
            parcours_core::num::push_u64(&mut out, u64::from(survey_signal(s, a as u8, b, s1, s2, c)));
            out
        }
        op::SURVEY_CLAIM => survey_claim(s, s1, text(0), text(1), text(2), a > 0.0, b),
        op::SURVEY_EXPLAIN => s.tracker.explain_survey(s1, &s.store, ms(a), text(0), text(1)),
        op::SURVEY_OPEN => survey_open(s, s1, text(0), text(1), a),
        op::SURVEY_ANSWER => survey_answer(s, s1, a, s2),
        op::SURVEY_CLOSE => survey_close(s, s1, a),
        op::SURVEYS_CACHED => with_watch(s.tracker.cached_surveys(s1, &s.store, ms(a)).to_json(), &s.tracker),
        op::SURVEYS_RECEIVED => {
            let applied = s
                .tracker
                .received_surveys(s1, a as u16, text(0), text(1), &mut s.store, ms(b));
            with_watch(applied.to_json(), &s.tracker)
        }
        _ => return None,
    })
}

/// A browser signal for survey triggers: `kind` 0 time on page (`value`
/// ms), 1 scroll depth (`value` percent), 2 exit intent, 3 a click inside
/// an element matching selector `text`, on page `href`. Returns the
/// `record` bits (2: notices wait).
fn survey_signal(s: &mut Shell, kind: u8, value: f64, text: &str, href: &str, now: f64) -> u32 {
    let occurrence = match kind {
        0 => Occurrence::TimeOnPage(value as u64),
        1 => Occurrence::Scroll(value as u32),
        2 => Occurrence::ExitIntent,
        _ => Occurrence::Click(text),
    };
    s.tracker.signal_surveys(occurrence, href, ms(now));
    if s.tracker.pending_notices() > 0 {
        NOTICES
    } else {
        0
    }
}

/// Claims survey `id` for display now on page `href`: the rules are
/// judged against the stored history (unless `forced`: `survey.show`),
/// including that the visitor is still on `trigger_path` when it is given,
/// and a granted claim is written to the history. Returns
/// `{"ok":true,"variant":…}` or `{"ok":false,"checks":[…]}`.
#[allow(clippy::too_many_arguments)]
fn survey_claim(
    s: &mut Shell,
    id: &str,
    href: &str,
    languages: &str,
    trigger_path: &str,
    forced: bool,
    now: f64,
) -> String {
    let claim = s
        .tracker
        .claim_survey(id, &mut s.store, ms(now), href, languages, trigger_path, forced);
    claim_json(&claim)
}

/// Starts showing survey `id` (as `variant`, empty for none) in the first
/// built-in language of `languages` (comma-separated: the page's, then the
/// browser's). Returns `{"frame":…,"step":…,"submission":…}` (the widget's
/// plans), a newline and the `survey_shown` properties (recorded as they
/// are: no JSON round trip through JavaScript); or `{"error":{…}}`.
fn survey_open(s: &mut Shell, id: &str, variant: &str, languages: &str, now: f64) -> String {
    {
        let Some(base) = s.tracker.config().survey(id) else {
            let error = parcours_core::error::FieldError::new(
                "unknown_survey",
                "id",
                "is not the id of a survey in options.surveys",
            )
            .with_fix("Check the id, and the console for a survey that was refused at init()");
            return "{\"error\":".to_string() + &error.to_json() + "}";
        };
        let submission = new_id(ms(now), &mut s.random);
        let survey = base.as_variant(variant);
        let mut prompt = Prompt::open(survey, &submission, languages.split(','));
        if base.variants.iter().any(|v| v.id == variant) {
            prompt.variant = variant.to_string();
        }
        let mut out = String::from("{\"frame\":");
        out.push_str(&prompt.frame_json(survey));
        out.push_str(",\"step\":");
        out.push_str(&prompt.step_json(survey));
        out.push_str(",\"submission\":");
        write_string(&mut out, &submission);
        out.push_str("}\n");
        out.push_str(&prompt.shown_json(survey, s.tracker.moment()));
        // Showing a survey again replaces its earlier showing.
        s.prompts.retain(|p| p.survey != prompt.survey);
        s.prompts.push(prompt);
        out
    }
}

/// Answers the question on screen of showing `submission`: `value` on its
/// scale (negative: none) or `text`. Returns
/// `{"step":…}`, then on lines of their own the `survey_answered` and
/// `survey_completed` properties (empty when none), recorded as they are;
/// or `{"refused":"required"|"invalid"}` (nothing moved).
fn survey_answer(s: &mut Shell, submission: &str, value: f64, text: &str) -> String {
    {
        let invalid = || refusal_json(parcours_core::surveys::prompt::Refusal::Invalid);
        let Some(prompt) = s.prompts.iter_mut().find(|p| p.submission == submission) else {
            return invalid();
        };
        let Some(survey) = s.tracker.config().survey(&prompt.survey) else {
            return invalid();
        };
        let survey = survey.as_variant(&prompt.variant);
        let value = (value >= 0.0).then_some(value as u64);
        match prompt.answer(survey, value, text, s.tracker.moment()) {
            Ok(outcome) => {
                if outcome.completed.is_some() {
                    let id = prompt.survey.clone();
                    s.tracker.survey_closed(&id, true, &mut s.store, 0);
                }
                let mut out = String::from("{\"step\":");
                out.push_str(&outcome.step);
                out.push_str("}\n");
                out.push_str(outcome.answered.as_deref().unwrap_or_default());
                out.push('\n');
                out.push_str(outcome.completed.as_deref().unwrap_or_default());
                out
            }
            Err(refusal) => refusal_json(refusal),
        }
    }
}

/// Closes showing `submission`. Returns the `survey_dismissed`
/// properties, or an empty string when it was completed (or is unknown).
fn survey_close(s: &mut Shell, submission: &str, now: f64) -> String {
    {
        let Some(at) = s.prompts.iter().position(|p| p.submission == submission) else {
            return String::new();
        };
        let prompt = s.prompts.swap_remove(at);
        let dismissed = s
            .tracker
            .config()
            .survey(&prompt.survey)
            .and_then(|survey| prompt.dismissed_json(survey.as_variant(&prompt.variant), s.tracker.moment()))
            .unwrap_or_default();
        if !dismissed.is_empty() {
            s.tracker.survey_closed(&prompt.survey, false, &mut s.store, ms(now));
        }
        dismissed
    }
}

/// Adds `"watch"` (what the page must watch for, now) to a JSON object.
fn with_watch(mut json: String, tracker: &parcours_core::tracker::Tracker) -> String {
    json.pop();
    json.push_str(",\"watch\":");
    json.push_str(&tracker.survey_watch_json());
    json.push('}');
    json
}
