//! Touchpoints from outside the website (a store visit, a support call, an
//! email click), sent by a site's servers to the collector's
//! `POST /v1/touchpoints` for a known user id. Each becomes a one-step
//! journey of that user, written by [`parcours_core::journey::Journey`] itself (so
//! its stage, emotion and answers follow the same rules as the website's)
//! and stored as a `journey_summary` event under the visitor id the user was
//! last seen with: on the map it joins that user's journey.
//!
//! ```json
//! {"touchpoints":[{"userId":"user_42","touchpoint":"Store visit","at":"2026-11-20T10:30:00Z",
//!   "channel":"offline","stage":"purchase","id":"pos-8812",
//!   "answers":[{"survey":"store-csat","questionType":"csat","value":4}]}]}
//! ```

use parcours_core::attribution::{Channel, Touch, CHANNELS};
use parcours_core::error::{describe, expected, field_path, parse_each, FieldError};
use parcours_core::event::EventKind;
use parcours_core::journey::{Journey, JourneyRules, Observed, ANSWER_EVENT, SUMMARY_EVENT};
use parcours_core::json::{self, write_string, ObjectWriter, Value};

const CODE: &str = "invalid_touchpoint";
/// Touchpoints in one request.
pub const MAX_TOUCHPOINTS: usize = 1_000;

/// One checked offline touchpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct OfflineTouchpoint {
    /// Unique per touchpoint: sending it again stores nothing new.
    pub id: String,
    pub user_id: String,
    pub touchpoint: String,
    pub channel: Channel,
    pub stage: Option<String>,
    /// When, in ms since 1970.
    pub at: u64,
    /// (survey, question type, value)
    pub answers: Vec<(String, String, u64)>,
}

/// Reads `{"touchpoints":[…]}` against the stage model `stages`; the first
/// bad field refuses the whole request, naming it (`touchpoints[2].at`).
pub fn parse(text: &str, stages: &[String]) -> Result<Vec<OfflineTouchpoint>, FieldError> {
    let body = json::parse(text).map_err(|e| {
        let mut problem = String::from("is not JSON: ");
        problem.push_str(e.problem);
        problem.push_str(" at byte ");
        problem.push_str(&parcours_core::num::u64_to_string(e.offset as u64));
        FieldError::new(CODE, "body", problem)
            .with_fix("Send {\"touchpoints\":[{\"userId\":…,\"touchpoint\":…,\"at\":…}]}")
    })?;
    let list = match body.get("touchpoints") {
        Some(Value::Array(list)) if !list.is_empty() && list.len() <= MAX_TOUCHPOINTS => list,
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(FieldError::new(CODE, "touchpoints", "is empty"));
        }
        Some(Value::Array(_)) => {
            return Err(FieldError::new(CODE, "touchpoints", "holds more than 1000 touchpoints")
                .with_fix("Send them in several requests"));
        }
        Some(other) => return Err(expected(CODE, "touchpoints", "a list", other)),
        None => {
            return Err(FieldError::new(CODE, "touchpoints", "is required")
                .with_fix("Send {\"touchpoints\":[{\"userId\":…,\"touchpoint\":…,\"at\":…}]}"))
        }
    };
    parse_each(list, "touchpoints", |item, path| parse_one(item, path, stages))
}

fn parse_one(item: &Value, path: &str, stages: &[String]) -> Result<OfflineTouchpoint, FieldError> {
    if !matches!(item, Value::Object(_)) {
        return Err(expected(CODE, path, "an object", item));
    }
    let at_path = |key: &str| field_path(path, key);
    let text = |key: &str, max: usize, required: bool| -> Result<Option<String>, FieldError> {
        match item.get(key) {
            None | Some(Value::Null) if required => Err(FieldError::new(CODE, at_path(key), "is required")),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= max => Ok(Some(s.clone())),
            Some(other) => {
                let what =
                    String::from("a non-empty string of at most ") + &parcours_core::num::u64_to_string(max as u64);
                Err(expected(CODE, at_path(key), &(what + " characters"), other))
            }
        }
    };
    let user_id = text("userId", 256, true)?.unwrap_or_default();
    let touchpoint = text("touchpoint", 200, true)?.unwrap_or_default();
    let at = match item.get("at") {
        Some(v @ Value::Number(_)) => v.as_u64(),
        Some(Value::String(s)) => parcours_core::date::parse_date(s),
        _ => None,
    }
    .filter(|at| *at > 0)
    .ok_or_else(|| {
        let got = item.get("at").map_or(String::from("nothing"), describe);
        FieldError::new(
            CODE,
            at_path("at"),
            String::from("expected a time (ms since 1970, or \"2026-11-20T10:30:00Z\"), got ") + &got,
        )
    })?;
    let channel = match text("channel", 32, false)? {
        None => Channel::Offline,
        Some(name) => Channel::parse(&name).ok_or_else(|| {
            let names: Vec<&str> = CHANNELS.iter().map(|c| c.as_str()).collect();
            FieldError::new(
                CODE,
                at_path("channel"),
                String::from("expected one of ") + &names.join(", ") + ", got \"" + &name + "\"",
            )
        })?,
    };
    let stage = text("stage", 64, false)?;
    if let Some(name) = &stage {
        if !stages.contains(name) {
            return Err(FieldError::new(
                CODE,
                at_path("stage"),
                String::from("expected a stage of the model (") + &stages.join(", ") + "), got \"" + name + "\"",
            ));
        }
    }
    let id = match text("id", ID_MAX, false)? {
        Some(id) if parcours_core::id::is_valid_client_id(&id) => id,
        Some(id) => {
            return Err(FieldError::new(
                CODE,
                at_path("id"),
                String::from("expected letters, digits or -_.:, got \"") + &id + "\"",
            ))
        }
        // Without an id, the same touchpoint sent twice is still stored once.
        None => hex(fnv(&[&user_id, &touchpoint, &parcours_core::num::u64_to_string(at)])),
    };
    let answers = match item.get("answers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => parse_each(list, &at_path("answers"), parse_answer)?,
        Some(other) => return Err(expected(CODE, at_path("answers"), "a list", other)),
    };
    Ok(OfflineTouchpoint {
        id,
        user_id,
        touchpoint,
        channel,
        stage,
        at,
        answers,
    })
}

/// Longest `id`: the session id made of it (`offline-<id>`) must be a
/// valid id (at most 64 characters), like every id the store keeps.
const ID_MAX: usize = 64 - SESSION_PREFIX.len();
const SESSION_PREFIX: &str = "offline-";

fn parse_answer(item: &Value, path: &str) -> Result<(String, String, u64), FieldError> {
    let kind = item.get("questionType").and_then(Value::as_str).unwrap_or("");
    let range = match kind {
        "csat" => 1..=5,
        "ces" => 1..=7,
        "nps" => 0..=10,
        _ => {
            let got = item.get("questionType").map_or(String::from("nothing"), describe);
            return Err(FieldError::new(
                CODE,
                field_path(path, "questionType"),
                String::from("expected csat, ces or nps, got ") + &got,
            ));
        }
    };
    let value = item.get("value").and_then(Value::as_u64).filter(|v| range.contains(v));
    let Some(value) = value else {
        let got = item.get("value").map_or(String::from("nothing"), describe);
        let mut problem = String::from("expected a whole number from ");
        problem.push_str(&parcours_core::num::u64_to_string(*range.start()));
        problem.push_str(" to ");
        problem.push_str(&parcours_core::num::u64_to_string(*range.end()));
        problem.push_str(" for ");
        problem.push_str(kind);
        problem.push_str(", got ");
        problem.push_str(&got);
        return Err(FieldError::new(CODE, field_path(path, "value"), problem));
    };
    let survey = item.get("survey").and_then(Value::as_str).unwrap_or(kind);
    Ok((survey.to_string(), kind.to_string(), value))
}

impl OfflineTouchpoint {
    /// The visitor id of a user never seen on the website.
    pub fn visitor_of_unknown_user(&self) -> String {
        String::from("user:") + &hex(fnv(&[&self.user_id]))
    }

    /// The stored event: a `journey_summary` of one step, for `visitor_id`,
    /// whose `session_index`-th session it is, in the batch format.
    pub fn summary_event(&self, visitor_id: &str, session_index: u32, rules: &JourneyRules) -> String {
        let session_id = String::from(SESSION_PREFIX) + &self.id;
        let touch = Touch {
            channel: Some(self.channel),
            landing_path: self.touchpoint.clone(),
            at: self.at,
            ..Touch::default()
        };
        let mut journey = Journey::new(&session_id, session_index, None, touch, self.at);
        let mut declared = String::new();
        let mut o = ObjectWriter::new(&mut declared);
        o.str("touchpoint", &self.touchpoint);
        if let Some(stage) = &self.stage {
            o.str("stage", stage);
        }
        o.finish();
        journey.observe(rules, &observed(EventKind::Track, &self.touchpoint, &declared, self.at));
        for (survey, kind, value) in &self.answers {
            let mut answer = String::new();
            ObjectWriter::new(&mut answer)
                .str("survey", survey)
                .str("questionType", kind)
                .num("value", *value)
                .str("touchpoint", &self.touchpoint)
                .finish();
            journey.observe(rules, &observed(EventKind::Track, ANSWER_EVENT, &answer, self.at));
        }
        if let Some(step) = journey.steps.first_mut() {
            step.kind = "offline";
            step.path = self.touchpoint.clone(); // no page: the touchpoint is its own place
        }
        let mut summary = String::new();
        journey.write_json(rules, Some("offline"), &mut summary);
        let mut event = String::new();
        let mut e = ObjectWriter::new(&mut event);
        e.str("id", &(String::from("o-") + &self.id))
            .str("type", "track")
            .str("name", SUMMARY_EVENT)
            .num("ts", self.at)
            .str("visitorId", visitor_id)
            .str("sessionId", &session_id)
            .str("userId", &self.user_id)
            .raw("properties", &summary);
        let context = e.key("context");
        context.push_str("{\"page\":{\"url\":\"\"},\"library\":{\"name\":\"parcours-collector\"},\"offline\":");
        write_string(context, self.channel.as_str());
        context.push('}');
        e.finish();
        event
    }
}

fn observed<'a>(kind: EventKind, name: &'a str, properties: &'a str, ts: u64) -> Observed<'a> {
    Observed {
        kind,
        name,
        properties,
        path: "",
        ts,
    }
}

/// FNV-1a over the parts, separated by a zero byte.
fn fnv(parts: &[&str]) -> u64 {
    parts
        .iter()
        .enumerate()
        .fold(parcours_core::num::FNV_OFFSET, |h, (i, part)| {
            let separator: &[u8] = if i > 0 { &[0] } else { &[] };
            parcours_core::num::fnv1a(h, separator.iter().chain(part.as_bytes()).copied())
        })
}

fn hex(n: u64) -> String {
    let mut out = String::new();
    parcours_core::num::push_hex(&mut out, n, 16);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> Vec<String> {
        JourneyRules::default().stages
    }

    #[test]
    fn a_store_visit_with_an_answer_becomes_a_one_step_journey() {
        let text = r#"{"touchpoints":[{"userId":"ann@example.com","touchpoint":"Store visit","at":"2026-11-20T10:30:00Z",
            "stage":"purchase","id":"pos-1","answers":[{"questionType":"csat","value":2}]}]}"#;
        let parsed = parse(text, &stages()).unwrap();
        assert_eq!(parsed[0].channel, Channel::Offline);
        let event = json::parse(&parsed[0].summary_event("v-ann", 3, &JourneyRules::default())).unwrap();
        assert_eq!(event.get("id").unwrap().as_str(), Some("o-pos-1"));
        assert_eq!(event.get("visitorId").unwrap().as_str(), Some("v-ann"));
        let summary = event.get("properties").unwrap();
        assert_eq!(summary.get("sessionIndex").unwrap().as_u64(), Some(3));
        assert_eq!(summary.get("channel").unwrap().as_str(), Some("offline"));
        assert_eq!(summary.get("startedAt").unwrap().as_u64(), Some(1_795_170_600_000));
        let Some(Value::Array(steps)) = summary.get("steps") else {
            panic!("no steps")
        };
        assert_eq!(
            steps[0].to_json(),
            r#"{"touchpoint":"Store visit","kind":"offline","stage":"purchase","at":0,"dwellMs":0,"emotion":"negative","emotionFromFeedback":true,"friction":["low_feedback"],"feedback":[{"survey":"csat","questionType":"csat","value":2}]}"#,
            "a CSAT of 2 is negative and low-feedback friction, as on the website"
        );
        let batch = String::from(r#"{"v":1,"events":["#)
            + &parsed[0].summary_event("v-ann", 3, &JourneyRules::default())
            + "]}";
        assert!(parcours_core::batch::decode(&batch).is_ok(), "stored like any event");
    }

    #[test]
    fn each_bad_field_is_named_and_an_id_is_made_when_none_is_given() {
        let err = |text: &str| parse(text, &stages()).unwrap_err().message();
        assert!(err("[]").contains("touchpoints: is required"));
        assert!(err(r#"{"touchpoints":[{"touchpoint":"x","at":1}]}"#).contains("touchpoints[0].userId: is required"));
        assert!(
            err(r#"{"touchpoints":[{"userId":"u","touchpoint":"x","at":"yesterday"}]}"#)
                .contains("touchpoints[0].at: expected a time")
        );
        assert!(
            err(r#"{"touchpoints":[{"userId":"u","touchpoint":"x","at":1,"channel":"fax"}]}"#)
                .contains("expected one of direct,")
        );
        assert!(
            err(r#"{"touchpoints":[{"userId":"u","touchpoint":"x","at":1,"stage":"nirvana"}]}"#)
                .contains("touchpoints[0].stage: expected a stage of the model (awareness,")
        );
        assert!(err(
            r#"{"touchpoints":[{"userId":"u","touchpoint":"x","at":1,"answers":[{"questionType":"nps","value":11}]}]}"#
        )
        .contains("touchpoints[0].answers[0].value: expected a whole number from 0 to 10 for nps, got 11"));
        // The longest id the derived session id (offline-<id>, 64 at most) allows, and one more.
        let with_id = |n: usize| {
            String::from(r#"{"touchpoints":[{"userId":"u","touchpoint":"x","at":1,"id":""#) + &"i".repeat(n) + r#""}]}"#
        };
        let longest = &parse(&with_id(56), &stages()).unwrap()[0];
        let event = parcours_core::json::parse(&longest.summary_event("v", 1, &JourneyRules::default())).unwrap();
        let session = event.get("sessionId").unwrap().as_str().unwrap();
        assert!(parcours_core::id::is_valid_client_id(session), "{session}");
        assert!(err(&with_id(57)).contains("touchpoints[0].id: expected a non-empty string of at most 56 characters"));
        let twice = r#"{"touchpoints":[{"userId":"u","touchpoint":"Call","at":5,"channel":"email"}]}"#;
        let (a, b) = (parse(twice, &stages()).unwrap(), parse(twice, &stages()).unwrap());
        assert_eq!(a[0].id, b[0].id);
        assert_eq!(a[0].id.len(), 16);
        assert_eq!(a[0].channel, Channel::Email);
        assert!(a[0].visitor_of_unknown_user().starts_with("user:"));
    }
}
