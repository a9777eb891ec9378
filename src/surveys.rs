//! The survey exports of the build with surveys (`feature = "surveys"`):
//! triggers from browser signals, claims at display, `survey.explain`,
//! and one showing's open, answers and close. Pages without surveys load
//! the build without this file.

use alloc::string::{String, ToString};

use parcours_core::json::write_string;
use parcours_core::platform::new_id;
use parcours_core::surveys::prompt::{refusal_json, Prompt};
use parcours_core::surveys::targeting::Occurrence;
use parcours_core::tracker::surveys::claim_json;
use wasm_bindgen::prelude::*;

use super::{ms, with_shell, NOTICES};

/// A browser signal for survey triggers: `kind` 0 time on page (`value`
/// ms), 1 scroll depth (`value` percent), 2 exit intent, 3 a click inside
/// an element matching selector `text`, on page `href`. Returns the
/// `record` bits (2: notices wait).
#[wasm_bindgen]
pub fn survey_signal(kind: u8, value: f64, text: &str, href: &str, now: f64) -> u32 {
    with_shell(0, |s| {
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
    })
}

/// Claims survey `id` for display now on page `href`: the rules are
/// judged against the stored history (unless `forced`: `survey.show`),
/// including that the visitor is still on `trigger_path` when it is given,
/// and a granted claim is written to the history. Returns
/// `{"ok":true,"variant":…}` or `{"ok":false,"checks":[…]}`.
#[wasm_bindgen]
pub fn survey_claim(id: &str, href: &str, languages: &str, trigger_path: &str, forced: bool, now: f64) -> String {
    with_shell(String::new(), |s| {
        let claim = s
            .tracker
            .claim_survey(id, &mut s.store, ms(now), href, languages, trigger_path, forced);
        claim_json(&claim)
    })
}

/// Why survey `id` would or would not show now: `{"survey","show","triggers","variant","checks":[…]}`.
#[wasm_bindgen]
pub fn survey_explain(id: &str, href: &str, languages: &str, now: f64) -> String {
    with_shell(String::new(), |s| {
        s.tracker.explain_survey(id, &s.store, ms(now), href, languages)
    })
}

/// Starts showing survey `id` (as `variant`, empty for none) in the first
/// built-in language of `languages` (comma-separated: the page's, then the
/// browser's). Returns `{"frame":…,"step":…,"shown":…}` (the widget's plans
/// and the `survey_shown` properties), or `{"error":{code,field,message}}`.
#[wasm_bindgen]
pub fn survey_open(id: &str, variant: &str, languages: &str, now: f64) -> String {
    with_shell(String::new(), |s| {
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
        out.push_str(",\"shown\":");
        out.push_str(&prompt.shown_json(survey, s.tracker.moment()));
        out.push_str(",\"submission\":");
        write_string(&mut out, &submission);
        out.push('}');
        // Showing a survey again replaces its earlier showing.
        s.prompts.retain(|p| p.survey != prompt.survey);
        s.prompts.push(prompt);
        out
    })
}

/// Answers the question on screen of showing `submission`: `value` on its
/// scale (negative: none) or `text`. Returns
/// `{"step":…,"answered":…|null,"completed":…|null}` or
/// `{"refused":"required"|"invalid"}` (nothing moved).
#[wasm_bindgen]
pub fn survey_answer(submission: &str, value: f64, text: &str) -> String {
    with_shell(String::new(), |s| {
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
                out.push_str(",\"answered\":");
                out.push_str(outcome.answered.as_deref().unwrap_or("null"));
                out.push_str(",\"completed\":");
                out.push_str(outcome.completed.as_deref().unwrap_or("null"));
                out.push('}');
                out
            }
            Err(refusal) => refusal_json(refusal),
        }
    })
}

/// Closes showing `submission`. Returns the `survey_dismissed`
/// properties, or an empty string when it was completed (or is unknown).
#[wasm_bindgen]
pub fn survey_close(submission: &str, now: f64) -> String {
    with_shell(String::new(), |s| {
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
    })
}

/// Loads the cached survey definitions of `url` (`surveysUrl`, resolved).
/// Returns `{"fresh","etag","loaded","errors","warnings","watch"}`: fetch
/// again unless `fresh`, with `If-None-Match: etag` when there is one.
#[wasm_bindgen]
pub fn surveys_cached(url: &str, now: f64) -> String {
    with_shell(String::new(), |s| {
        let applied = s.tracker.cached_surveys(url, &s.store, ms(now));
        with_watch(applied.to_json(), &s.tracker)
    })
}

/// The answer to the fetch of `url`: `status` 200 with `body`, or 304.
/// Returns what `surveys_cached` does; notices may wait (triggers that
/// fired before the definitions arrived).
#[wasm_bindgen]
pub fn surveys_received(url: &str, status: u16, etag: &str, body: &str, now: f64) -> String {
    with_shell(String::new(), |s| {
        let applied = s
            .tracker
            .received_surveys(url, status, etag, body, &mut s.store, ms(now));
        with_watch(applied.to_json(), &s.tracker)
    })
}

/// Adds `"watch"` (what the page must watch for, now) to a JSON object.
fn with_watch(mut json: String, tracker: &parcours_core::tracker::Tracker) -> String {
    json.pop();
    json.push_str(",\"watch\":");
    json.push_str(&tracker.survey_watch_json());
    json.push('}');
    json
}
