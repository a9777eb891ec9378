//! Encoding a Parcours batch for a destination: the requests, the notes,
//! and the helpers every format shares.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::batch::{ReceivedBatch, ReceivedEvent};
use crate::event::EventKind;
use crate::json::{parse, Value};

use super::{ga4, posthog, segment, snowplow, webhook, Destination, Format};

/// One HTTP request to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What an encoder produced: the requests, and what it had to cut.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    pub requests: Vec<Request>,
    /// One sentence per event shortened or left out, naming it and the limit.
    pub notes: Vec<String>,
}

/// Encodes a batch for `destination`.
pub fn encode(destination: &Destination, batch: &ReceivedBatch, now: u64) -> Encoded {
    let events: Vec<Event> = batch.events.iter().map(Event::of).collect();
    let mut encoded = Encoded::default();
    match destination.format {
        Format::Parcours => encoded.requests.push(parcours(destination, batch, &events, now)),
        Format::Segment | Format::RudderStack => segment::encode(destination, &events, now, &mut encoded),
        Format::PostHog => posthog::encode(destination, &events, now, &mut encoded),
        Format::Snowplow => snowplow::encode(destination, &events, now, &mut encoded),
        Format::Ga4 => ga4::encode(destination, &events, now, &mut encoded),
        Format::Webhook => webhook::encode(destination, &events, now, &mut encoded),
    }
    encoded
}

/// Parcours' own batch: the events as they are, with this destination's write key.
fn parcours(destination: &Destination, batch: &ReceivedBatch, events: &[Event], now: u64) -> Request {
    let mut body = String::from("{\"v\":1,\"batchId\":");
    crate::json::write_string(&mut body, batch.batch_id.as_deref().unwrap_or(""));
    body.push_str(",\"sentAt\":");
    crate::num::push_u64(&mut body, now);
    if !destination.key.is_empty() {
        body.push_str(",\"writeKey\":");
        crate::json::write_string(&mut body, &destination.key);
    }
    body.push_str(",\"events\":");
    push_events(&mut body, events);
    body.push('}');
    request(destination, destination.url.clone(), "text/plain;charset=UTF-8", body)
}

/// The events as Parcours wrote them, as a JSON array.
pub(crate) fn push_events(body: &mut String, events: &[Event]) {
    body.push('[');
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&event.source.raw);
    }
    body.push(']');
}

pub(crate) fn request(destination: &Destination, url: String, content_type: &'static str, body: String) -> Request {
    Request {
        url,
        content_type,
        headers: destination.headers.clone(),
        body,
    }
}

/// An event of the batch with its JSON at hand.
pub(crate) struct Event<'a> {
    pub source: &'a ReceivedEvent,
    pub json: Value,
}

impl<'a> Event<'a> {
    fn of(source: &'a ReceivedEvent) -> Event<'a> {
        Event {
            source,
            json: parse(&source.raw).unwrap_or(Value::Null),
        }
    }

    /// `properties` (`traits` for identify), or an empty object.
    pub fn properties(&self) -> &Value {
        static EMPTY: Value = Value::Object(Vec::new());
        let key = if self.source.kind == EventKind::Identify {
            "traits"
        } else {
            "properties"
        };
        self.json
            .get(key)
            .filter(|v| matches!(v, Value::Object(_)))
            .unwrap_or(&EMPTY)
    }

    /// A field of `context.device` (`language`, `timeZone`, `screen`, `viewport`, `class`), or "".
    pub fn device(&self, key: &str) -> &str {
        self.json
            .get("context")
            .and_then(|c| c.get("device"))
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The query string of the page URL, with its `?` (Segment's `search`).
    pub fn search(&self) -> &str {
        let url = self.source.url.as_str();
        let end = url.find('#').unwrap_or(url.len());
        url.get(..end)
            .and_then(|u| u.find('?').and_then(|q| u.get(q..)))
            .unwrap_or("")
    }
}

/// Writes each event with `write(event, with_properties)`; one whose text
/// is over `max_bytes` is written again without its properties, and the
/// note says so (`limit` names the backend's limit).
pub(crate) fn write_each(
    destination: &Destination,
    events: &[Event],
    max_bytes: usize,
    limit: &str,
    encoded: &mut Encoded,
    write: impl Fn(&Event, bool) -> String,
) -> Vec<String> {
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        let mut text = write(event, true);
        if text.len() > max_bytes {
            text = write(event, false);
            let mut problem = String::from("is over ");
            problem.push_str(limit);
            problem.push_str("; sent without its properties");
            encoded.notes.push(note(destination, event, &problem));
        }
        written.push(text);
    }
    written
}

/// Splits written items into runs whose texts (with `overhead` for the
/// envelope) stay under `max_bytes`; an item larger than that goes alone.
pub(crate) fn runs(items: &[String], max_bytes: usize, overhead: usize) -> Vec<&[String]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut size = overhead;
        while end < items.len() && (end == start || size + items[end].len() < max_bytes) {
            size += items[end].len() + 1;
            end += 1;
        }
        out.push(&items[start..end]);
        start = end;
    }
    out
}

/// A note for the site: `<destination>: event <id> ("<name>") <problem>`.
pub(crate) fn note(destination: &Destination, event: &Event, problem: &str) -> String {
    let mut out = destination.id.clone();
    out.push_str(": event ");
    out.push_str(&event.source.id);
    out.push_str(" (\"");
    out.push_str(&event.source.name);
    out.push_str("\") ");
    out.push_str(problem);
    out
}

/// `"1280x720"` as (1280, 720).
pub(crate) fn dimensions(text: &str) -> Option<(u64, u64)> {
    let (w, h) = text.split_once('x')?;
    Some((crate::num::parse_u64(w)?, crate::num::parse_u64(h)?))
}

/// `id` when it is a UUID, else a UUID made from a hash of it (version 8,
/// the version for custom UUIDs): backends that want UUIDs (PostHog,
/// Snowplow) get the same one each time an event is resent, so they can
/// drop the copy. Journey summaries' ids (`j-<session id>`) are not UUIDs.
pub fn uuid_for(id: &str) -> String {
    if crate::id::is_uuid(id) {
        return id.to_string();
    }
    let hash = |seed: u64| {
        id.bytes()
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    };
    let (high, low) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    let high = (high & !0xf000) | 0x8000; // version 8
    let low = (low & !(0xc << 60)) | (0x8 << 60); // the RFC 9562 variant
    let mut hex = String::new();
    for word in [high, low] {
        for shift in (0..16).rev() {
            hex.push(char::from(b"0123456789abcdef"[((word >> (shift * 4)) & 0xf) as usize]));
        }
    }
    let mut out = String::new();
    for (i, c) in hex.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    out
}
