//! Snowplow's tracker protocol, POSTed to
//! `<collector>/com.snowplowanalytics.snowplow/tp2` as `payload_data`: one
//! object of string fields per event: `e` (`pv` for a page view, `ue` for
//! the rest), `eid` (a UUID: the event id or one made from it), `dtm` (when
//! it happened) and `stm` (when it was sent), `duid` (the visitor), `sid`
//! (the session, as a UUID), `uid` once identified, the page (`url`,
//! `page`, `refr`) and the device (`lang`, `tz`, `res`, `vp`). Everything
//! else is a self-describing event in `ue_pr`, under schemas committed in
//! `schemas/dev.parcours/`: `journey_summary`, `survey_answer`, `identify`
//! and `event` (any other, with its name and properties); each event also
//! carries the `session` context (`co`).
//!
//! Limits: a request stays under 50 KB (the JavaScript tracker's default);
//! an event that alone is larger is sent without its properties (noted).

#[allow(unused_imports)]
use crate::prelude::*;

use super::{fit_id, ids, request, runs, uuid_for, write_each, Destination, Encoded, Event};
use crate::base::json::{ObjectWriter, Value};
use crate::base::num::u64_to_string;
use crate::capture::event::EventKind;

pub const PATH: &str = "/com.snowplowanalytics.snowplow/tp2";
pub const MAX_REQUEST_BYTES: usize = 50_000;
const PAYLOAD_DATA: &str = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
const UNSTRUCT: &str = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
const CONTEXTS: &str = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0";

/// The schema of each kind of Parcours event (`iglu:dev.parcours/<name>/jsonschema/1-0-0`).
pub fn schema(name: &str) -> String {
    String::from("iglu:dev.parcours/") + name + "/jsonschema/1-0-0"
}

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let url = if destination.url.ends_with(PATH) {
        destination.url.clone()
    } else {
        String::from(destination.url.trim_end_matches('/')) + PATH
    };
    let limit = "Snowplow's 50 KB per request";
    let write = |event: &Event, properties: &Value, problems: &mut Vec<String>| {
        write_payload(destination, event, now, properties, problems)
    };
    let payloads = write_each(destination, events, MAX_REQUEST_BYTES - 200, limit, encoded, write);
    for run in runs(&payloads, MAX_REQUEST_BYTES, 120) {
        let mut body = String::from("{\"schema\":\"");
        body.push_str(PAYLOAD_DATA);
        body.push_str("\",\"data\":[");
        body.push_str(&payloads[run.clone()].join(","));
        body.push_str("]}");
        encoded.requests.push(request(
            destination,
            url.clone(),
            "application/json; charset=UTF-8",
            body,
            ids(&events[run]),
        ));
    }
}

/// Snowplow's atomic `user_id` column holds 255 characters.
const MAX_UID: usize = 255;

fn write_payload(
    destination: &Destination,
    event: &Event,
    now: u64,
    properties: &Value,
    problems: &mut Vec<String>,
) -> String {
    let source = event.source;
    let mut out = String::new();
    let mut p = ObjectWriter::new(&mut out);
    p.str("e", if source.kind == EventKind::Page { "pv" } else { "ue" })
        .str("eid", &uuid_for(&source.id))
        .str("dtm", &u64_to_string(source.ts))
        .str("stm", &u64_to_string(now))
        .str("tv", &(String::from("parcours-") + &source.library_version))
        .str("p", "web")
        .str_if("aid", &destination.key)
        .str("duid", &source.visitor_id)
        .str("sid", &uuid_for(&source.session_id));
    // A user id too long for `uid` goes as a hash that fits, the id itself
    // in the session context's `userId`.
    let fitted = source.user_id.as_deref().and_then(|user| fit_id(user, MAX_UID));
    if let Some(user) = &source.user_id {
        if fitted.is_some() {
            problems.push(String::from(
                "has a user id over Snowplow's 255 characters; sent as a hash that fits, the id in the session context's userId",
            ));
        }
        p.str("uid", fitted.as_deref().unwrap_or(user));
    }
    p.str("url", &source.url)
        .str_if("page", &source.title)
        .str_if("refr", &source.referrer)
        .str_if("lang", event.device("language"))
        .str_if("tz", event.device("timeZone"))
        .str_if("res", event.device("screen"))
        .str_if("vp", event.device("viewport"));
    if source.kind != EventKind::Page {
        let (name, data) = match (source.kind, source.name.as_str()) {
            (EventKind::Identify, _) => ("identify", object(&[("traits", properties.clone())])),
            (EventKind::Group, _) => (
                "group",
                object(&[
                    ("groupId", Value::String(event.text("groupId").into())),
                    ("traits", properties.clone()),
                ]),
            ),
            (EventKind::Alias, _) => (
                "alias",
                object(&[("previousId", Value::String(event.text("previousId").into()))]),
            ),
            (_, crate::journey::SUMMARY_EVENT) => ("journey_summary", properties.clone()),
            (_, crate::journey::ANSWER_EVENT) => ("survey_answer", properties.clone()),
            (_, name) => (
                "event",
                object(&[
                    ("name", Value::String(name.to_string())),
                    ("properties", properties.clone()),
                ]),
            ),
        };
        let inner = object(&[("schema", Value::String(schema(name))), ("data", data)]);
        let outer = object(&[("schema", Value::String(UNSTRUCT.to_string())), ("data", inner)]);
        p.str("ue_pr", &outer.to_json());
    }
    let mut session = Vec::from([
        ("sessionId", Value::String(source.session_id.clone())),
        ("visitorId", Value::String(source.visitor_id.clone())),
    ]);
    if let (Some(_), Some(user)) = (&fitted, &source.user_id) {
        session.push(("userId", Value::String(user.clone())));
    }
    let session = object(&session);
    let context = object(&[("schema", Value::String(schema("session"))), ("data", session)]);
    let contexts = object(&[
        ("schema", Value::String(CONTEXTS.to_string())),
        ("data", Value::Array(Vec::from([context]))),
    ]);
    p.str("co", &contexts.to_json());
    p.finish();
    out
}

fn object(fields: &[(&str, Value)]) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}
