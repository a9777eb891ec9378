//! GA4's Measurement Protocol (`POST /mp/collect?measurement_id=…&api_secret=…`):
//! `{"client_id","user_id","events":[{"name","timestamp_micros","params"}]}`.
//! The visitor id is the `client_id`; a page view is GA4's `page_view` with
//! `page_location`, `page_title` and `page_referrer`; every event carries
//! `session_id` (the Parcours session's start, in seconds, as GA4's own
//! are) and `engagement_time_msec`, which GA4 needs to count the session.
//! Other events keep their names, in GA4's form (`Order Completed` becomes
//! `order_completed`), with their properties as parameters in the same
//! form (`dwellMs` becomes `dwell_ms`): nested objects one level flat
//! (`touch.source` becomes `touch_source`), lists of text or numbers
//! joined, lists of objects counted (`steps_count`). GA4 forbids personal
//! data, so `identify` sends the user id and none of the traits.
//!
//! Limits, each enforced and noted: 25 events a request (one visitor per
//! request), event and parameter names of 40 characters from
//! `[A-Za-z0-9_]` starting with a letter and not reserved, 25 parameters
//! an event, text values of 100 characters, events at most 72 hours old,
//! 130 KB a request.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{request, Destination, Encoded, Event};
use crate::event::EventKind;
use crate::json::{write_string, ObjectWriter, Value};

pub const MAX_EVENTS: usize = 25;
pub const MAX_BODY_BYTES: usize = 130_000;
const MAX_NAME: usize = 40;
const MAX_PARAMS: usize = 25;
const MAX_VALUE: usize = 100;
const MAX_AGE_MS: u64 = 72 * 3_600_000;

/// Names GA4 keeps for itself (its Measurement Protocol reference).
const RESERVED_EVENTS: &[&str] = &[
    "ad_activeview",
    "ad_click",
    "ad_exposure",
    "ad_impression",
    "ad_query",
    "ad_reward",
    "adunit_exposure",
    "app_background",
    "app_clear_data",
    "app_exception",
    "app_remove",
    "app_store_refund",
    "app_store_subscription_cancel",
    "app_store_subscription_convert",
    "app_store_subscription_renew",
    "app_update",
    "app_upgrade",
    "dynamic_link_app_open",
    "dynamic_link_app_update",
    "dynamic_link_first_open",
    "error",
    "firebase_campaign",
    "firebase_in_app_message_action",
    "firebase_in_app_message_dismiss",
    "firebase_in_app_message_impression",
    "first_open",
    "first_visit",
    "in_app_purchase",
    "notification_dismiss",
    "notification_foreground",
    "notification_open",
    "notification_receive",
    "notification_send",
    "os_update",
    "screen_view",
    "session_start",
    "user_engagement",
];
const RESERVED_PREFIXES: &[&str] = &["google_", "ga_", "firebase_"];

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let mut url = destination.url.clone();
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str("measurement_id=");
    push_query_value(&mut url, &destination.key);
    url.push_str("&api_secret=");
    push_query_value(&mut url, &destination.secret);
    // One request per run of events of the same visitor and user, 25 at most.
    let mut run: Vec<String> = Vec::new();
    let mut owner: Option<(&str, Option<&str>)> = None;
    let mut size = 0;
    for event in events {
        let source = event.source;
        if now.saturating_sub(source.ts) > MAX_AGE_MS {
            encoded.notes.push(super::note(
                destination,
                event,
                "is older than the 72 hours GA4 accepts; left out",
            ));
            continue;
        }
        let written = write_event(destination, event, encoded);
        let this = (source.visitor_id.as_str(), source.user_id.as_deref());
        if owner.is_some_and(|o| o != this) || run.len() == MAX_EVENTS || size + written.len() > MAX_BODY_BYTES - 500 {
            if let Some(o) = owner {
                encoded
                    .requests
                    .push(request(destination, url.clone(), "application/json", body(o, &run)));
            }
            run.clear();
            size = 0;
        }
        owner = Some(this);
        size += written.len() + 1;
        run.push(written);
    }
    if let (Some(o), false) = (owner, run.is_empty()) {
        encoded
            .requests
            .push(request(destination, url, "application/json", body(o, &run)));
    }
}

fn body((client, user): (&str, Option<&str>), events: &[String]) -> String {
    let mut out = String::new();
    let mut b = ObjectWriter::new(&mut out);
    b.str("client_id", client);
    if let Some(user) = user {
        b.str("user_id", user);
    }
    let list = b.key("events");
    list.push('[');
    list.push_str(&events.join(","));
    list.push(']');
    b.finish();
    out
}

fn write_event(destination: &Destination, event: &Event, encoded: &mut Encoded) -> String {
    let source = event.source;
    let name = match source.kind {
        EventKind::Page => String::from("page_view"),
        EventKind::Identify => String::from("identify"),
        EventKind::Track => event_name(&source.name),
    };
    if source.kind == EventKind::Track && name != source.name {
        let mut note = String::from("is named ");
        write_string(&mut note, &name);
        note.push_str(" in GA4 (snake case, 40 characters at most, not a reserved name)");
        encoded.notes.push(super::note(destination, event, &note));
    }
    let mut params: Vec<(String, Value)> = Vec::new();
    let number = |n: u64| Value::Number(crate::num::u64_to_string(n));
    params.push(("session_id".into(), number(session_seconds(&source.session_id))));
    params.push(("engagement_time_msec".into(), number(1)));
    params.push(("page_location".into(), Value::String(source.url.clone())));
    params.push(("page_title".into(), Value::String(source.title.clone())));
    if !source.referrer.is_empty() {
        params.push(("page_referrer".into(), Value::String(source.referrer.clone())));
    }
    let own = params.len();
    if source.kind != EventKind::Identify {
        if let Value::Object(fields) = event.properties() {
            flatten(fields, "", &mut params);
        }
    }
    // Limits: names, text length, count.
    let mut cut = Vec::new();
    let mut kept: Vec<(String, Value)> = Vec::new();
    for (i, (key, value)) in params.into_iter().enumerate() {
        let key = if i < own { key } else { param_name(&key) };
        if key.is_empty() {
            cut.push(String::from("a parameter with no usable name"));
            continue;
        }
        if kept.iter().any(|(k, _)| *k == key) {
            cut.push(key + " (the name is taken)");
            continue;
        }
        if kept.len() == MAX_PARAMS {
            cut.push(key);
            continue;
        }
        let value = match value {
            Value::String(s) if s.chars().count() > MAX_VALUE => {
                cut.push(key.clone() + " (shortened)");
                Value::String(s.chars().take(MAX_VALUE).collect())
            }
            other => other,
        };
        kept.push((key, value));
    }
    if !cut.is_empty() {
        let mut note = String::from("exceeds GA4's parameter limits (25 per event, 100 characters per value): ");
        note.push_str(&cut.join(", "));
        encoded.notes.push(super::note(destination, event, &note));
    }
    let mut out = String::new();
    let mut e = ObjectWriter::new(&mut out);
    e.str("name", &name);
    let micros = e.key("timestamp_micros");
    crate::num::push_u64(micros, source.ts);
    micros.push_str("000");
    e.raw("params", &Value::Object(kept).to_json());
    e.finish();
    out
}

/// Properties as GA4 parameters: scalars as they are, objects one level
/// flat, lists of text or numbers joined with commas, lists of anything
/// else counted.
fn flatten(fields: &[(String, Value)], prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in fields {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            String::from(prefix) + "_" + key
        };
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push((name, Value::String(String::from(if *b { "true" } else { "false" })))),
            Value::Object(inner) if prefix.is_empty() => flatten(inner, &name, out),
            Value::Object(_) => out.push((name, Value::String(value.to_json()))),
            Value::Array(items) if items.iter().all(|i| matches!(i, Value::String(_) | Value::Number(_))) => {
                let joined: Vec<&str> = items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(t) | Value::Number(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect();
                out.push((name, Value::String(joined.join(","))));
            }
            Value::Array(items) => out.push((
                name + "_count",
                Value::Number(crate::num::u64_to_string(items.len() as u64)),
            )),
            other => out.push((name, other.clone())),
        }
    }
}

/// An event name in GA4's form: snake case, `_` for anything else, starting
/// with a letter, 40 at most, never a reserved name or prefix.
pub fn event_name(name: &str) -> String {
    let mut out = param_name(name);
    if out.is_empty() {
        out.push_str("event");
    }
    if RESERVED_EVENTS.contains(&out.as_str()) {
        out.insert_str(0, "parcours_");
        out.truncate(MAX_NAME);
    }
    out
}

/// A parameter name in GA4's form (see `event_name`); empty when nothing is left.
pub fn param_name(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        // camelCase words become snake_case ones: dwellMs -> dwell_ms.
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        out.insert_str(0, "p_");
    }
    if RESERVED_PREFIXES.iter().any(|p| out.starts_with(p)) {
        out.insert_str(0, "p_");
    }
    out.truncate(MAX_NAME);
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// GA4 counts sessions by a number: the session's start in seconds. A
/// Parcours session id (a UUID v7) begins with its start in milliseconds.
fn session_seconds(session_id: &str) -> u64 {
    let hex: String = session_id.chars().filter(|c| *c != '-').take(12).collect();
    match u64::from_str_radix(&hex, 16) {
        Ok(ms) if hex.len() == 12 => ms / 1_000,
        _ => session_id
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) as u64,
    }
}

fn push_query_value(out: &mut String, value: &str) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
            out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
        }
    }
}
