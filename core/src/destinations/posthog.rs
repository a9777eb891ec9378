//! PostHog's capture API batch (`POST /batch/`): `{"api_key","batch":[…]}`
//! of events with `event`, `distinct_id` (the user id once known, else the
//! visitor), `timestamp`, `uuid` (the event id, or a UUID made from it, so
//! PostHog drops a resent copy) and `properties`, where PostHog's own keys
//! carry the session (`$session_id`), the device (`$device_id`: the visitor
//! id) and the page (`$current_url`, `$pathname`, `$referrer`). Page views
//! and page leaves are `$pageview` and `$pageleave`; `identify` is
//! `$identify` with the traits in `$set` and the visitor in
//! `$anon_distinct_id`, which merges the visitor's earlier events into the
//! person. Journey summaries and survey answers keep their names and
//! properties.
//!
//! Limits: PostHog refuses an event over 1 MB; its properties are left
//! out (noted).

#[allow(unused_imports)]
use crate::prelude::*;

use super::{dimensions, fit_id, merge_site, uuid_for, whole_batch, write_each, Destination, Encoded, Event};
use crate::base::date::push_timestamp;
use crate::base::json::{write_string, ObjectWriter, Value};
use crate::capture::event::EventKind;

pub const MAX_EVENT_BYTES: usize = 1_000_000;

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let mut body = String::from("{\"api_key\":");
    write_string(&mut body, &destination.key);
    body.push_str(",\"historical_migration\":false,\"sent_at\":\"");
    push_timestamp(&mut body, now);
    body.push_str("\",\"batch\":[");
    let limit = "PostHog's 1 MB per event";
    body.push_str(&write_each(destination, events, MAX_EVENT_BYTES, limit, encoded, write_event).join(","));
    body.push_str("]}");
    encoded
        .requests
        .push(whole_batch(destination, "application/json", body, events));
}

/// The PostHog group type of `group()`'s groups.
const GROUP_TYPE: &str = "company";

/// PostHog cuts a `distinct_id` to 200 characters: a longer one would merge people.
const MAX_DISTINCT_ID: usize = 200;

fn write_event(event: &Event, site: &Value, problems: &mut Vec<String>) -> String {
    let source = event.source;
    let name = match (source.kind, source.name.as_str()) {
        (EventKind::Page, _) => "$pageview",
        (EventKind::Identify, _) => "$identify",
        (EventKind::Group, _) => "$groupidentify",
        (EventKind::Alias, _) => "$create_alias",
        (_, "page_leave") => "$pageleave",
        (_, name) => name,
    };
    let mut properties: Vec<(String, Value)> = Vec::new();
    let mut set = |key: &str, value: Value| properties.push((key.to_string(), value));
    let text = |s: &str| Value::String(s.to_string());
    set("$session_id", text(&source.session_id));
    set("$device_id", text(&source.visitor_id));
    set("$current_url", text(&source.url));
    set("$pathname", text(&source.path));
    set("$referrer", text(&source.referrer));
    set("title", text(&source.title));
    set("$lib", text(&source.library_name));
    set("$lib_version", text(&source.library_version));
    if !event.device("language").is_empty() {
        set("$browser_language", text(event.device("language")));
    }
    if !event.device("timeZone").is_empty() {
        set("$timezone", text(event.device("timeZone")));
    }
    if let Some((width, height)) = dimensions(event.device("screen")) {
        set("$screen_width", Value::Number(crate::base::num::u64_to_string(width)));
        set("$screen_height", Value::Number(crate::base::num::u64_to_string(height)));
    }
    let distinct = source.user_id.as_deref().unwrap_or(&source.visitor_id);
    let fitted = fit_id(distinct, MAX_DISTINCT_ID);
    if fitted.is_some() {
        set("parcours_user_id", text(distinct));
        problems.push(String::from(
            "has a user id over PostHog's 200 characters; sent as a hash that fits, the id in parcours_user_id",
        ));
    }
    // PostHog's groups have a type; Parcours' one group per user is a "company".
    if !event.group_id().is_empty() {
        set(
            "$groups",
            Value::Object(Vec::from([(GROUP_TYPE.into(), text(event.group_id()))])),
        );
    }
    if source.kind == EventKind::Identify {
        set("$anon_distinct_id", text(&source.visitor_id));
        set("$set", site.clone());
    } else if source.kind == EventKind::Group {
        set("$group_type", text(GROUP_TYPE));
        set("$group_key", text(event.text("groupId")));
        set("$group_set", site.clone());
    } else if source.kind == EventKind::Alias {
        // PostHog's alias event: `alias` is the other id of `distinct_id`'s person.
        set("alias", text(event.text("previousId")));
    } else if let Value::Object(fields) = site {
        merge_site(&mut properties, fields, "PostHog", problems);
    }
    let mut out = String::new();
    let mut e = ObjectWriter::new(&mut out);
    e.str("event", name)
        .str("distinct_id", fitted.as_deref().unwrap_or(distinct))
        .str("uuid", &uuid_for(&source.id));
    let timestamp = e.key("timestamp");
    timestamp.push('"');
    push_timestamp(timestamp, source.ts);
    timestamp.push('"');
    e.raw("properties", &Value::Object(properties).to_json());
    e.finish();
    out
}
