//! Reading a Parcours batch (format v1) on the receiving side, strictly:
//! every problem is reported with the path of the field, so a sender can fix
//! it. The collector uses this; it is the same model the SDK writes.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{describe, FieldError};
use crate::base::json::{self, Value};
use crate::base::num::u64_to_string;
use crate::capture::event::EventKind;
use crate::delivery::outbox::BATCH_FORMAT_VERSION;

/// Most events one batch may carry.
pub const MAX_EVENTS_PER_BATCH: usize = 2_000;

/// One event as a receiver sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedEvent {
    pub id: String,
    pub kind: EventKind,
    pub name: String,
    pub ts: u64,
    pub visitor_id: String,
    pub session_id: String,
    pub user_id: Option<String>,
    pub url: String,
    pub path: String,
    pub title: String,
    pub referrer: String,
    pub library_name: String,
    pub library_version: String,
    /// `properties` (or `traits` for identify) as JSON text; `{}` when absent.
    pub properties: String,
    /// The whole event as received, for fields this version does not model.
    pub raw: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedBatch {
    pub batch_id: Option<String>,
    pub sent_at: Option<u64>,
    pub write_key: Option<String>,
    /// Events the sender had to drop before this batch.
    pub dropped: u64,
    /// The valid events, in order.
    pub events: Vec<ReceivedEvent>,
    /// The others, each with what is wrong: one bad event never costs the
    /// valid events of its batch.
    pub refused: Vec<RefusedEvent>,
}

/// An event of a batch that is not valid.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedEvent {
    /// Its place in the batch's `events`.
    pub index: usize,
    /// Its `id`, when it has a string one.
    pub id: Option<String>,
    pub error: FieldError,
}

impl RefusedEvent {
    /// `{"index":…,"id":…,"code":…,"field":…,"message":…}`
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"index\":");
        out.push_str(&u64_to_string(self.index as u64));
        if let Some(id) = &self.id {
            out.push_str(",\"id\":");
            json::write_string(&mut out, id);
        }
        out.push(',');
        let error = self.error.to_json();
        out.push_str(error.get(1..).unwrap_or_default());
        out
    }
}

const CODE: &str = "invalid_batch";

fn bad(field: impl Into<String>, problem: impl Into<String>) -> FieldError {
    FieldError::new(CODE, field, problem)
}

/// Parses and validates a batch body. A bad envelope refuses the batch; a
/// bad event is refused alone (`ReceivedBatch::refused`).
pub fn decode(body: &str) -> Result<ReceivedBatch, FieldError> {
    let root = json::parse(body).map_err(|e| {
        let mut problem = String::from("is not valid JSON (");
        problem.push_str(e.problem);
        problem.push_str(" at byte ");
        problem.push_str(&u64_to_string(e.offset as u64));
        problem.push(')');
        bad("body", problem)
    })?;
    if !matches!(root, Value::Object(_)) {
        return Err(bad(
            "body",
            crate::words!("expected a JSON object, got ".to_string() + &describe(&root)),
        ));
    }
    match root.get("v") {
        Some(v) if v.as_u64() == Some(BATCH_FORMAT_VERSION) => {}
        Some(v) => {
            return Err(bad(
                "v",
                crate::words!("unsupported batch format version ".to_string() + &describe(v)),
            )
            .with_fix("This collector reads version 1"))
        }
        None => return Err(bad("v", "is required").with_fix("Send {\"v\":1,\"events\":[…]}")),
    }
    let events = match root.get("events") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(bad(
                "events",
                crate::words!("expected an array, got ".to_string() + &describe(other)),
            ))
        }
        None => return Err(bad("events", "is required")),
    };
    if events.len() > MAX_EVENTS_PER_BATCH {
        return Err(bad("events", "has more than 2000 events").with_fix("Split the batch"));
    }
    let batch_id = optional_id(&root, "batchId", "batchId")?;
    let write_key = optional_string(&root, "writeKey", "writeKey", 64)?;
    let sent_at = optional_u64(&root, "sentAt", "sentAt")?;
    let dropped = optional_u64(&root, "dropped", "dropped")?.unwrap_or(0);
    let mut decoded = Vec::with_capacity(events.len());
    let mut refused = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let path = "events[".to_string() + &u64_to_string(i as u64) + "]";
        match decode_event(event, &path) {
            Ok(event) => decoded.push(event),
            Err(error) => refused.push(RefusedEvent {
                index: i,
                id: event.get("id").and_then(Value::as_str).map(String::from),
                error,
            }),
        }
    }
    Ok(ReceivedBatch {
        batch_id,
        sent_at,
        write_key,
        dropped,
        events: decoded,
        refused,
    })
}

fn decode_event(event: &Value, path: &str) -> Result<ReceivedEvent, FieldError> {
    if !matches!(event, Value::Object(_)) {
        return Err(bad(
            path,
            crate::words!("expected an object, got ".to_string() + &describe(event)),
        ));
    }
    let at = |name: &str| path.to_string() + "." + name;
    let id = required_id(event, "id", &at("id"))?;
    let kind_text = required_string(event, "type", &at("type"), 16)?;
    let kind = EventKind::parse(&kind_text).ok_or_else(|| {
        bad(
            at("type"),
            crate::words!(
                "expected \"track\", \"page\", \"identify\", \"group\" or \"alias\", got ".to_string()
                    + &describe(&Value::String(kind_text.clone()))
            ),
        )
    })?;
    let name = required_string(event, "name", &at("name"), 200)?;
    let ts = match event.get("ts") {
        Some(v) => v.as_u64().ok_or_else(|| {
            bad(
                at("ts"),
                crate::words!("expected a timestamp in milliseconds since 1970, got ".to_string() + &describe(v)),
            )
        })?,
        None => return Err(bad(at("ts"), "is required")),
    };
    let visitor_id = required_id(event, "visitorId", &at("visitorId"))?;
    let session_id = required_id(event, "sessionId", &at("sessionId"))?;
    let user_id = optional_string(event, "userId", &at("userId"), 256)?;
    let props_key = kind.properties_key();
    // A group names its group; an alias both ids (Segment's spec).
    match kind {
        EventKind::Group => {
            required_string(event, "groupId", &at("groupId"), 256)?;
        }
        EventKind::Alias => {
            required_string(event, "previousId", &at("previousId"), 256)?;
            required_string(event, "userId", &at("userId"), 256)?;
        }
        _ => {}
    }
    let properties = match event.get(props_key) {
        None | Some(Value::Null) => "{}".to_string(),
        Some(v @ Value::Object(_)) => v.to_json(),
        Some(v) => {
            return Err(bad(
                at(props_key),
                crate::words!("expected an object, got ".to_string() + &describe(v)),
            ))
        }
    };
    let context = match event.get("context") {
        Some(c @ Value::Object(_)) => c,
        Some(other) => {
            return Err(bad(
                at("context"),
                crate::words!("expected an object, got ".to_string() + &describe(other)),
            ))
        }
        None => return Err(bad(at("context"), "is required")),
    };
    let page = context.get("page").unwrap_or(&Value::Null);
    let page_path = at("context.page");
    if !matches!(page, Value::Object(_)) {
        return Err(bad(page_path, "is required and must be an object"));
    }
    let library = context.get("library").unwrap_or(&Value::Null);
    Ok(ReceivedEvent {
        id,
        kind,
        name,
        ts,
        visitor_id,
        session_id,
        user_id,
        url: required_string(page, "url", &(page_path.clone() + ".url"), 4_000)?,
        path: optional_string(page, "path", &(page_path.clone() + ".path"), 2_000)?.unwrap_or_default(),
        title: optional_string(page, "title", &(page_path.clone() + ".title"), 1_000)?.unwrap_or_default(),
        referrer: optional_string(page, "referrer", &(page_path + ".referrer"), 4_000)?.unwrap_or_default(),
        library_name: optional_string(library, "name", &at("context.library.name"), 64)?.unwrap_or_default(),
        library_version: optional_string(library, "version", &at("context.library.version"), 64)?.unwrap_or_default(),
        properties,
        raw: event.to_json(),
    })
}

fn required_string(obj: &Value, key: &str, path: &str, max: usize) -> Result<String, FieldError> {
    optional_string(obj, key, path, max)?.ok_or_else(|| bad(path, "is required"))
}

fn optional_string(obj: &Value, key: &str, path: &str, max: usize) -> Result<Option<String>, FieldError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(bad(
            path,
            crate::words!("is longer than ".to_string() + &u64_to_string(max as u64) + " bytes"),
        )),
        Some(other) => Err(bad(
            path,
            crate::words!("expected a string, got ".to_string() + &describe(other)),
        )),
    }
}

fn required_id(obj: &Value, key: &str, path: &str) -> Result<String, FieldError> {
    optional_id(obj, key, path)?.ok_or_else(|| bad(path, "is required"))
}

fn optional_id(obj: &Value, key: &str, path: &str) -> Result<Option<String>, FieldError> {
    match optional_string(obj, key, path, 64)? {
        Some(id) if !crate::base::id::is_valid_client_id(&id) => Err(bad(
            path,
            crate::words!("expected 1 to 64 letters, digits or -_.:, got ".to_string() + &describe(&Value::String(id))),
        )),
        other => Ok(other),
    }
}

fn optional_u64(obj: &Value, key: &str, path: &str) -> Result<Option<u64>, FieldError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            bad(
                path,
                crate::words!("expected a non-negative integer, got ".to_string() + &describe(v)),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::platform::{MemoryStore, SeededRandom};
    use crate::config::parse_options;
    use crate::tracker::Tracker;

    /// A batch exactly as the SDK writes it.
    fn sdk_batch() -> String {
        let config = parse_options(r#"{"endpoint":"/b","writeKey":"wk"}"#).unwrap().config;
        let mut store = MemoryStore::default();
        let mut rng = SeededRandom(9);
        let mut t = Tracker::start(config, &mut store, &mut rng, 1);
        t.set_page("https://s.example/a?b=1", "A", "");
        t.record(EventKind::Page, "page_view", "", 10, &mut rng).unwrap();
        t.identify("u1", r#"{"plan":"pro"}"#, 11, &mut store, &mut rng).unwrap();
        t.record(EventKind::Track, "Bought", r#"{"total":9.99}"#, 12, &mut rng)
            .unwrap();
        t.next_batch(13, true, &mut rng).unwrap()
    }

    #[test]
    fn reads_what_the_sdk_writes() {
        let batch = decode(&sdk_batch()).unwrap();
        assert_eq!(batch.write_key.as_deref(), Some("wk"));
        assert_eq!(batch.sent_at, Some(13));
        assert_eq!(batch.events.len(), 3);
        let [page, identify, bought] = &batch.events[..] else {
            panic!()
        };
        assert_eq!(
            (page.kind, page.path.as_str(), page.title.as_str()),
            (EventKind::Page, "/a", "A")
        );
        assert_eq!(identify.properties, r#"{"plan":"pro"}"#);
        assert_eq!(bought.user_id.as_deref(), Some("u1"));
        assert_eq!(bought.properties, r#"{"total":9.99}"#);
        assert_eq!(bought.library_name, "parcours");
        assert_eq!(page.visitor_id, bought.visitor_id);
    }

    /// The batch's refusal, or its first refused event's.
    fn error_for(body: &str) -> FieldError {
        match decode(body) {
            Err(error) => error,
            Ok(batch) => batch.refused.into_iter().next().expect("something refused").error,
        }
    }

    #[test]
    fn group_and_alias_events_are_read_and_need_their_ids() {
        let config = parse_options(r#"{"endpoint":"/b"}"#).unwrap().config;
        let mut store = MemoryStore::default();
        let mut rng = SeededRandom(9);
        let mut t = Tracker::start(config, &mut store, &mut rng, 1);
        t.set_page("https://s.example/a", "A", "");
        t.group("acme", r#"{"plan":"pro"}"#, 10, &mut store, &mut rng).unwrap();
        t.alias("u2", "u1", 11, &mut rng).unwrap();
        let body = t.next_batch(13, true, &mut rng).unwrap();
        let batch = decode(&body).unwrap();
        let kinds: Vec<_> = batch.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Group, EventKind::Alias]);
        assert_eq!(batch.events[0].properties, r#"{"plan":"pro"}"#, "a group's traits");
        assert_eq!(
            error_for(&body.replace("\"groupId\":\"acme\",", "")).field,
            "events[0].groupId"
        );
        assert_eq!(
            error_for(&body.replace("\"previousId\":\"u1\",", "")).field,
            "events[1].previousId"
        );
    }

    #[test]
    fn every_refusal_names_the_field() {
        assert_eq!(error_for("nope").field, "body");
        assert_eq!(error_for("[]").field, "body");
        assert_eq!(error_for(r#"{"events":[]}"#).field, "v");
        assert_eq!(error_for(r#"{"v":2,"events":[]}"#).field, "v");
        assert_eq!(error_for(r#"{"v":1}"#).field, "events");
        assert_eq!(error_for(r#"{"v":1,"events":{}}"#).field, "events");
        assert_eq!(error_for(r#"{"v":1,"events":[1]}"#).field, "events[0]");
        let good = sdk_batch();
        let cases = [
            ("\"type\":\"track\"", "\"type\":\"click\"", "events[2].type"),
            ("\"ts\":12", "\"ts\":\"12\"", "events[2].ts"),
            (
                "\"properties\":{\"total\":9.99}",
                "\"properties\":[1]",
                "events[2].properties",
            ),
            ("\"visitorId\":\"", "\"visitorId\":\"bad id ", "events[0].visitorId"),
        ];
        for (from, to, field) in cases {
            let body = if from == "\"visitorId\":\"" {
                good.replacen(from, to, 1)
            } else {
                good.replace(from, to)
            };
            let err = error_for(&body);
            assert_eq!(err.field, field, "{}", err.message());
        }
        let err = error_for(&good.replace("\"ts\":12", "\"ts\":\"12\""));
        assert_eq!(
            err.message(),
            "events[2].ts: expected a timestamp in milliseconds since 1970, got \"12\""
        );
    }

    #[test]
    fn a_bad_event_is_refused_alone_and_named() {
        let good = sdk_batch();
        let body = good
            .replace("\"ts\":12", "\"ts\":-1")
            .replace("\"events\":[", "\"events\":[1,");
        let batch = decode(&body).unwrap();
        assert_eq!(batch.events.len(), 2, "the valid events are kept");
        let refused: Vec<(usize, Option<&str>, &str)> = batch
            .refused
            .iter()
            .map(|r| (r.index, r.id.as_deref(), r.error.field.as_str()))
            .collect();
        assert_eq!(refused.len(), 2);
        assert_eq!((refused[0].0, refused[0].1, refused[0].2), (0, None, "events[0]"));
        assert_eq!((refused[1].0, refused[1].2), (3, "events[3].ts"));
        assert!(refused[1].1.is_some(), "named by its id");
        let answer = batch.refused[1].to_json();
        assert!(json::parse(&answer).is_ok(), "{answer}");
        assert!(answer.starts_with("{\"index\":3,\"id\":"), "{answer}");
    }

    #[test]
    fn a_lone_surrogate_reads_as_the_replacement_character() {
        let body = sdk_batch().replace("\"total\":9.99", "\"q\":\"\\ud83d\",\"total\":9.99");
        let batch = decode(&body).unwrap();
        assert!(batch.refused.is_empty());
        assert_eq!(batch.events[2].properties, "{\"q\":\"\u{fffd}\",\"total\":9.99}");
    }

    #[test]
    fn an_empty_batch_is_valid() {
        assert_eq!(decode(r#"{"v":1,"events":[]}"#).unwrap().events.len(), 0);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_bodies_never_panic(s in any::<String>()) {
                let _ = decode(&s);
            }
        }
    }
}
