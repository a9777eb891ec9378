//! Segment's HTTP Tracking API batch (`POST /v1/batch`), which RudderStack
//! accepts too: `{"batch":[…],"sentAt":…}` of `track`, `page` and
//! `identify` messages, each with `messageId` (the event id, so a resent
//! event is dropped by Segment), `anonymousId` (the visitor), `userId` when
//! known, an ISO 8601 `timestamp` and a `context`. Journey summaries and
//! survey answers are `track` messages with their properties as Parcours
//! writes them. Segment reads the write key from the body, so the request
//! stays a CORS-simple `text/plain`; RudderStack needs it as Basic auth.
//!
//! Limits: a message over 32 KB is refused by Segment, so its properties
//! are left out (noted); a batch over 500 KB is split across requests.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{dimensions, ids, merge_site, request, runs, write_each, Destination, Encoded, Event, Format};
use crate::base::date::push_timestamp;
use crate::base::json::{write_string, ObjectWriter, Value};
use crate::capture::event::EventKind;

pub const MAX_MESSAGE_BYTES: usize = 32_000;
pub const MAX_BATCH_BYTES: usize = 500_000;

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let limit = "Segment's 32 KB per message";
    let messages = write_each(destination, events, MAX_MESSAGE_BYTES, limit, encoded, write_message);
    // Each request stays under 500 KB (the envelope takes a few hundred bytes).
    for run in runs(&messages, MAX_BATCH_BYTES, 300) {
        let body = envelope(destination, &messages[run.clone()], now);
        let rudderstack = destination.format == Format::RudderStack;
        let content_type = if rudderstack {
            "application/json"
        } else {
            "text/plain;charset=UTF-8"
        };
        let mut req = request(
            destination,
            destination.url.clone(),
            content_type,
            body,
            ids(&events[run]),
        );
        if rudderstack {
            let mut auth = String::from("Basic ");
            auth.push_str(&base64(&(destination.key.clone() + ":")));
            req.headers.push((String::from("Authorization"), auth));
        }
        encoded.requests.push(req);
    }
}

fn envelope(destination: &Destination, messages: &[String], now: u64) -> String {
    let mut body = String::from("{\"batch\":[");
    body.push_str(&messages.join(","));
    body.push_str("],\"sentAt\":\"");
    push_timestamp(&mut body, now);
    body.push('"');
    if destination.format == Format::Segment {
        body.push_str(",\"writeKey\":");
        write_string(&mut body, &destination.key);
    }
    body.push('}');
    body
}

fn write_message(event: &Event, properties: &Value, problems: &mut Vec<String>) -> String {
    let source = event.source;
    let mut out = String::new();
    let mut m = ObjectWriter::new(&mut out);
    m.str("type", source.kind.as_str())
        .str("messageId", &source.id)
        .str("anonymousId", &source.visitor_id);
    if let Some(user) = &source.user_id {
        m.str("userId", user);
    }
    let timestamp = m.key("timestamp");
    timestamp.push('"');
    push_timestamp(timestamp, source.ts);
    timestamp.push('"');
    match source.kind {
        EventKind::Track => {
            m.str("event", &source.name).raw("properties", &properties.to_json());
        }
        EventKind::Page => {
            // Segment's page properties: the page's own fields, then the site's.
            let mut page = Vec::new();
            for (key, value) in [
                ("path", &source.path),
                ("referrer", &source.referrer),
                ("search", &event.search().to_string()),
                ("title", &source.title),
                ("url", &source.url),
            ] {
                page.push((key.to_string(), Value::String(value.clone())));
            }
            if let Value::Object(fields) = properties {
                merge_site(&mut page, fields, "Segment", problems);
            }
            m.str_if("name", &source.title)
                .raw("properties", &Value::Object(page).to_json());
        }
        EventKind::Identify => {
            m.raw("traits", &properties.to_json());
        }
        EventKind::Group => {
            m.str("groupId", event.text("groupId"))
                .raw("traits", &properties.to_json());
        }
        EventKind::Alias => {
            m.str("previousId", event.text("previousId"));
        }
    }
    write_context(event, m.key("context"));
    m.finish();
    out
}

/// Segment's `context`: library, page, locale, timezone, screen, and the
/// Parcours session (Segment has no field of its own for it).
fn write_context(event: &Event, out: &mut String) {
    let source = event.source;
    let mut c = ObjectWriter::new(out);
    let mut library = String::new();
    ObjectWriter::new(&mut library)
        .str("name", &source.library_name)
        .str("version", &source.library_version)
        .finish();
    c.raw("library", &library);
    let mut page = String::new();
    ObjectWriter::new(&mut page)
        .str("path", &source.path)
        .str("referrer", &source.referrer)
        .str("search", event.search())
        .str("title", &source.title)
        .str("url", &source.url)
        .finish();
    c.raw("page", &page);
    c.str_if("groupId", event.group_id());
    c.str_if("locale", event.device("language"))
        .str_if("timezone", event.device("timeZone"));
    if let Some((width, height)) = dimensions(event.device("screen")) {
        let mut screen = String::new();
        ObjectWriter::new(&mut screen)
            .num("width", width)
            .num("height", height)
            .finish();
        c.raw("screen", &screen);
    }
    let mut parcours = String::new();
    ObjectWriter::new(&mut parcours)
        .str("sessionId", &source.session_id)
        .finish();
    c.raw("parcours", &parcours);
    c.finish();
}

/// Standard base64 with padding (Basic auth).
pub fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
