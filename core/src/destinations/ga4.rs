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
//! request), event names of 40 characters of letters (any script), digits
//! and `_` starting with a letter and not reserved, parameter names of 40
//! from `[a-z0-9_]`, 25 parameters an event, text values of 100 characters
//! (`page_location` 1,000, `page_referrer` 420, `page_title` 300), events at
//! most 72 hours old, 130 KB a request.
//!
//! An event name GA4 would refuse is rewritten, and since two names could
//! become one (`Order Completed`, `order-completed`), a rewritten name ends
//! with six hex digits of a hash of the original: two different names never
//! merge. A valid name is sent as it is. `engagement_time_msec` is the
//! engaged time Parcours measured (`engagedMs` of `page_leave` and journey
//! summaries), 1 on other events (GA4 needs it to count the session).

#[allow(unused_imports)]
use crate::prelude::*;

use super::{request, Destination, Encoded, Event};
use crate::base::json::{write_string, ObjectWriter, Value};
use crate::base::num::{fnv1a, push_hex, FNV_OFFSET};
use crate::capture::event::EventKind;

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
    "session_start_with_rollout",
    "user_engagement",
];
const RESERVED_PREFIXES: &[&str] = &["google_", "ga_", "firebase_", "gtag."];

/// The longest text value of parameter `key` (GA4's limits).
fn max_value(key: &str) -> usize {
    match key {
        "page_location" => 1_000,
        "page_referrer" => 420,
        "page_title" => 300,
        _ => MAX_VALUE,
    }
}

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let mut url = destination.url.clone();
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str("measurement_id=");
    push_query_value(&mut url, &destination.key);
    url.push_str("&api_secret=");
    push_query_value(&mut url, &destination.secret);
    // One request per run of events of the same visitor and user, 25 at most.
    let mut run: Vec<String> = Vec::new();
    let mut carried: Vec<String> = Vec::new();
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
                let events = core::mem::take(&mut carried);
                encoded.requests.push(request(
                    destination,
                    url.clone(),
                    "application/json",
                    body(o, &run),
                    events,
                ));
            }
            run.clear();
            size = 0;
        }
        owner = Some(this);
        size += written.len() + 1;
        run.push(written);
        carried.push(source.id.clone());
    }
    if let (Some(o), false) = (owner, run.is_empty()) {
        encoded
            .requests
            .push(request(destination, url, "application/json", body(o, &run), carried));
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
        // GA4's recommended event for joining a group (group_id below).
        EventKind::Group => String::from("join_group"),
        EventKind::Alias => String::from("alias"),
        EventKind::Track => event_name(&source.name),
    };
    if source.kind == EventKind::Track && name != source.name {
        // (Only a name GA4 would refuse is rewritten.)
        let mut note = String::from("is named ");
        write_string(&mut note, &name);
        note.push_str(" in GA4 (letters, digits and _ from a letter, 40 at most, not reserved; the hash keeps different names apart)");
        encoded.notes.push(super::note(destination, event, &note));
    }
    let mut params: Vec<(String, Value)> = Vec::new();
    let number = |n: u64| Value::Number(crate::base::num::u64_to_string(n));
    params.push(("session_id".into(), number(session_seconds(&source.session_id))));
    let engaged = event
        .properties()
        .get("engagedMs")
        .and_then(Value::as_u64)
        .filter(|ms| *ms > 0);
    params.push(("engagement_time_msec".into(), number(engaged.unwrap_or(1))));
    params.push(("page_location".into(), Value::String(source.url.clone())));
    params.push(("page_title".into(), Value::String(source.title.clone())));
    if !source.referrer.is_empty() {
        params.push(("page_referrer".into(), Value::String(source.referrer.clone())));
    }
    let own = params.len();
    if source.kind == EventKind::Group {
        params.push(("group_id".into(), Value::String(event.text("groupId").into())));
    }
    if !source.kind.is_profile() {
        if let Value::Object(fields) = event.properties() {
            flatten(fields, "", &mut params);
        }
    }
    // Limits: names, text length, count.
    let mut cut = Vec::new();
    let mut renamed = Vec::new();
    let mut kept: Vec<(String, Value)> = Vec::new();
    for (i, (original, value)) in params.into_iter().enumerate() {
        let (mut key, mut hashed) = if i < own {
            (original.clone(), false)
        } else {
            param_name(&original)
        };
        if kept.iter().any(|(k, _)| *k == key) && !hashed {
            // `dwellMs` and `dwell_ms` in one event: the second gets a hash.
            key = with_hash(&key, &original);
            hashed = true;
        }
        if kept.iter().any(|(k, _)| *k == key) {
            cut.push(key + " (the name is taken)");
            continue;
        }
        if hashed {
            let mut pair = String::new();
            write_string(&mut pair, &original);
            pair.push_str(" as ");
            pair.push_str(&key);
            renamed.push(pair);
        }
        if kept.len() == MAX_PARAMS {
            cut.push(key);
            continue;
        }
        let most = max_value(&key);
        let value = match value {
            Value::String(s) if s.chars().count() > most => {
                cut.push(key.clone() + " (shortened)");
                Value::String(s.chars().take(most).collect())
            }
            other => other,
        };
        kept.push((key, value));
    }
    if !renamed.is_empty() {
        let mut note = String::from("has parameters renamed for GA4 (letters, digits and _ from a letter, 40 at most; the hash keeps different names apart): ");
        note.push_str(&renamed.join(", "));
        encoded.notes.push(super::note(destination, event, &note));
    }
    if !cut.is_empty() {
        let mut note = String::from("exceeds GA4's parameter limits (25 per event, 100 characters per value, page_location 1000, page_referrer 420, page_title 300): ");
        note.push_str(&cut.join(", "));
        encoded.notes.push(super::note(destination, event, &note));
    }
    let mut out = String::new();
    let mut e = ObjectWriter::new(&mut out);
    e.str("name", &name);
    let micros = e.key("timestamp_micros");
    crate::base::num::push_u64(micros, source.ts);
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
                Value::Number(crate::base::num::u64_to_string(items.len() as u64)),
            )),
            other => out.push((name, other.clone())),
        }
    }
}

/// An event name GA4 takes: the name itself when it is valid (letters of any
/// script, digits and `_`, starting with a letter, 40 at most, not
/// reserved); otherwise a rewritten one ending in `_` and six hex digits of
/// a hash of the original, so that two different names never become one.
pub fn event_name(name: &str) -> String {
    let valid = |n: &str| {
        n.chars().next().is_some_and(char::is_alphabetic)
            && n.chars().all(|c| c.is_alphanumeric() || c == '_')
            && n.chars().count() <= MAX_NAME
    };
    let reserved = |n: &str| {
        let lower = n.to_ascii_lowercase();
        RESERVED_EVENTS.contains(&lower.as_str()) || RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
    };
    if valid(name) && !reserved(name) {
        return name.to_string();
    }
    let mut base = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('_') {
            base.push('_');
        }
    }
    let mut base = String::from(base.trim_end_matches('_'));
    if !base.chars().next().is_some_and(char::is_alphabetic) || reserved(&base) {
        base.insert_str(0, if base.is_empty() { "event" } else { "parcours_" });
    }
    with_hash(&base, name)
}

/// `base`, cut to leave room, then `_` and six hex digits of a hash of
/// `original`: a rewritten name that no other original can share.
fn with_hash(base: &str, original: &str) -> String {
    let mut out: String = base.chars().take(MAX_NAME - 7).collect();
    out.push('_');
    push_hex(&mut out, fnv1a(FNV_OFFSET, original.bytes()), 6);
    out
}

/// A parameter name in GA4's form, and whether it had to be rewritten
/// beyond case. GA4 takes letters of any script, digits and `_`, from a
/// letter, 40 at most, without its reserved prefixes. camelCase becomes
/// snake_case (`dwellMs` is `dwell_ms`, as GA4's own parameters are
/// named); any other change (a character GA4 refuses, a leading digit, a
/// reserved prefix, a cut) ends the name with a hash of the original, as
/// `event_name` does, so two names never become one.
pub fn param_name(name: &str) -> (String, bool) {
    let mut out = String::new();
    let mut previous_lower = false;
    let mut rewritten = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase();
        if c.is_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else {
            rewritten = true;
            if !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    let mut base = String::from(out.trim_matches('_'));
    rewritten |= base.len() != out.len();
    if !base.chars().next().is_some_and(char::is_alphabetic) || RESERVED_PREFIXES.iter().any(|p| base.starts_with(p)) {
        base.insert_str(0, if base.is_empty() { "param" } else { "p_" });
        rewritten = true;
    }
    if rewritten || base.chars().count() > MAX_NAME {
        (with_hash(&base, name), true)
    } else {
        (base, false)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;
    use crate::destinations::{encode as encode_batch, parse_destinations};

    const NOW: u64 = 1_795_375_416_191;

    use crate::destinations::test_event as event;

    #[test]
    fn long_urls_keep_their_campaign_engagement_is_measured_and_each_request_names_its_events() {
        let url = String::from("https://shop.example/p?") + &"x".repeat(880) + "&utm_medium=email&utm_campaign=spring";
        let body = String::from(r#"{"v":1,"events":["#)
            + &event("a", "page", "page_view", "u1", &url, "{}")
            + ","
            + &event("b", "track", "page_leave", "u1", &url, r#"{"engagedMs":1661}"#)
            + ","
            + &event(
                "c",
                "track",
                "session_start_with_rollout",
                "u1",
                "https://shop.example/",
                "{}",
            )
            + ","
            + &event("d", "track", "Signed Up", "u2", "https://shop.example/", "{}")
            + "]}";
        let batch = crate::delivery::batch::decode(&body).unwrap();
        let (list, _) =
            parse_destinations(&parse(r#"[{"type":"ga4","measurementId":"G-1","apiSecret":"s"}]"#).unwrap());
        let encoded = encode_batch(&list[0], &batch, NOW);
        assert_eq!(encoded.requests.len(), 2, "one user per request");
        assert_eq!(encoded.requests[0].events, ["a", "b", "c"]);
        assert_eq!(encoded.requests[1].events, ["d"]);
        let first = parse(&encoded.requests[0].body).unwrap();
        let Some(Value::Array(events)) = first.get("events") else {
            panic!()
        };
        let params = |i: usize| events[i].get("params").unwrap();
        assert_eq!(
            params(0).get("page_location").unwrap().as_str(),
            Some(url.as_str()),
            "the whole URL, campaign included"
        );
        assert_eq!(params(1).get("engagement_time_msec").unwrap().as_u64(), Some(1661));
        assert_eq!(params(0).get("engagement_time_msec").unwrap().as_u64(), Some(1));
        let renamed = events[2].get("name").unwrap().as_str().unwrap();
        assert!(
            renamed.starts_with("parcours_session_start_with_rollo") && renamed.chars().count() == 40,
            "{renamed}"
        );
        let long = String::from("https://shop.example/") + &"y".repeat(1_200);
        let body = String::from(r#"{"v":1,"events":["#) + &event("e", "page", "page_view", "u1", &long, "{}") + "]}";
        let encoded = encode_batch(&list[0], &crate::delivery::batch::decode(&body).unwrap(), NOW);
        let sent = parse(&encoded.requests[0].body).unwrap();
        let Some(Value::Array(events)) = sent.get("events") else {
            panic!()
        };
        let location = events[0]
            .get("params")
            .unwrap()
            .get("page_location")
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(location.chars().count(), 1_000, "cut at GA4's 1,000 for page_location");
        assert!(encoded.notes.iter().any(|n| n.contains("page_location (shortened)")));
    }
}
