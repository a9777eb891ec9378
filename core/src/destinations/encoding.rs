//! Encoding a Parcours batch for a destination: the requests, the notes,
//! and the helpers every format shares.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{parse, push_list, write_string, Value};
use crate::base::num::{fnv1a, push_hex, FNV_OFFSET};
use crate::delivery::batch::{ReceivedBatch, ReceivedEvent};

use super::{ga4, posthog, segment, snowplow, webhook, Destination, Format};

/// One HTTP request to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The ids of the Parcours events it carries: a request settles its own
    /// events, so a retry resends only the requests that failed.
    pub events: Vec<String>,
}

/// What an encoder produced: the requests, and what it had to cut.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    pub requests: Vec<Request>,
    /// One sentence per event shortened or left out, naming it and the limit.
    pub notes: Vec<String>,
}

impl Encoded {
    /// `{"requests":[{"url","contentType","headers":[[name,value]…],"body",
    /// "events":[ids]}…],"notes":[…]}`: what the shell sends.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"requests\":");
        push_list(&mut out, &self.requests, |out, request| {
            out.push_str("{\"url\":");
            write_string(out, &request.url);
            out.push_str(",\"contentType\":");
            write_string(out, request.content_type);
            out.push_str(",\"headers\":");
            push_list(out, &request.headers, |out, (name, value)| {
                out.push('[');
                write_string(out, name);
                out.push(',');
                write_string(out, value);
                out.push(']');
            });
            out.push_str(",\"body\":");
            write_string(out, &request.body);
            out.push_str(",\"events\":");
            push_list(out, &request.events, |out, id| write_string(out, id));
            out.push('}');
        });
        out.push_str(",\"notes\":");
        push_list(&mut out, &self.notes, |out, note| write_string(out, note));
        out.push('}');
        out
    }
}

/// Encodes `batch` (a Parcours batch as JSON, format v1) for `destination`:
/// the requests as JSON (`Encoded::to_json`), or `{"error":{…}}`.
pub fn encode_json(destination: &Destination, batch: &str, now: u64) -> String {
    match crate::delivery::batch::decode(batch) {
        Ok(decoded) => encode(destination, &decoded, now).to_json(),
        Err(error) => String::from("{\"error\":") + &error.to_json() + "}",
    }
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
    crate::base::json::write_string(&mut body, batch.batch_id.as_deref().unwrap_or(""));
    body.push_str(",\"sentAt\":");
    crate::base::num::push_u64(&mut body, now);
    if !destination.key.is_empty() {
        body.push_str(",\"writeKey\":");
        crate::base::json::write_string(&mut body, &destination.key);
    }
    body.push_str(",\"events\":");
    push_events(&mut body, events);
    body.push('}');
    whole_batch(destination, "text/plain;charset=UTF-8", body, events)
}

/// The one request of a backend that takes a whole batch at once, to its URL.
pub(crate) fn whole_batch(
    destination: &Destination,
    content_type: &'static str,
    body: String,
    events: &[Event],
) -> Request {
    request(destination, destination.url.clone(), content_type, body, ids(events))
}

/// The ids of `events`, for `Request::events`.
pub(crate) fn ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.source.id.clone()).collect()
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

pub(crate) fn request(
    destination: &Destination,
    url: String,
    content_type: &'static str,
    body: String,
    events: Vec<String>,
) -> Request {
    Request {
        url,
        content_type,
        headers: destination.headers.clone(),
        body,
        events,
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
        let key = self.source.kind.properties_key();
        self.json
            .get(key)
            .filter(|v| matches!(v, Value::Object(_)))
            .unwrap_or(&EMPTY)
    }

    /// A top-level text field of the event (`groupId`, `previousId`), or "".
    pub fn text(&self, key: &str) -> &str {
        self.json.get(key).and_then(Value::as_str).unwrap_or("")
    }

    /// `context.groupId`: the group of the user's last `group` call, or "".
    pub fn group_id(&self) -> &str {
        self.json
            .get("context")
            .and_then(|c| c.get("groupId"))
            .and_then(Value::as_str)
            .unwrap_or("")
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

/// Writes each event with `write(event, properties, problems)`. One whose
/// text is over `max_bytes` is written again without its largest property
/// values, one at a time, until it fits (the small ones are kept), and the
/// note names what was cut (`limit` names the backend's limit). What the
/// writer pushes to `problems` (a renamed property, a hashed id) becomes a
/// note too.
pub(crate) fn write_each(
    destination: &Destination,
    events: &[Event],
    max_bytes: usize,
    limit: &str,
    encoded: &mut Encoded,
    write: impl Fn(&Event, &Value, &mut Vec<String>) -> String,
) -> Vec<String> {
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        let mut problems = Vec::new();
        let mut text = write(event, event.properties(), &mut problems);
        if text.len() > max_bytes {
            let mut fields = match event.properties() {
                Value::Object(fields) => fields.clone(),
                _ => Vec::new(),
            };
            let mut cut = Vec::new();
            while text.len() > max_bytes && !fields.is_empty() {
                let size = |i: usize| fields[i].0.len() + fields[i].1.to_json().len();
                let largest = (0..fields.len()).max_by_key(|&i| size(i)).unwrap_or(0);
                cut.push(fields.remove(largest).0);
                problems.clear();
                text = write(event, &Value::Object(fields.clone()), &mut problems);
            }
            let mut problem = String::from("is over ");
            problem.push_str(limit);
            problem.push_str("; sent without its largest properties: ");
            problem.push_str(&cut.join(", "));
            encoded.notes.push(note(destination, event, &problem));
        }
        for problem in problems {
            encoded.notes.push(note(destination, event, &problem));
        }
        written.push(text);
    }
    written
}

/// `id` when it has at most `max` characters; else its first characters and
/// a hash of the whole (`~` and 16 hex digits), `max` in all: stable, and
/// two ids that share a beginning stay apart (a backend that cuts long ids
/// would merge them). `None` when it fits.
pub(crate) fn fit_id(id: &str, max: usize) -> Option<String> {
    if id.chars().count() <= max {
        return None;
    }
    let mut out: String = id.chars().take(max.saturating_sub(17)).collect();
    out.push('~');
    push_hex(&mut out, fnv1a(FNV_OFFSET, id.bytes()), 16);
    Some(out)
}

/// Adds the site's `fields` after a backend's `own` ones: a site key that is
/// one of the backend's is renamed `site_<key>` (and noted in `problems`),
/// so no object ever has a key twice and the backend's fields are its own.
pub(crate) fn merge_site(
    own: &mut Vec<(String, Value)>,
    fields: &[(String, Value)],
    backend: &str,
    problems: &mut Vec<String>,
) {
    let taken: Vec<String> = own.iter().map(|(k, _)| k.clone()).collect();
    for (key, value) in fields {
        if !taken.contains(key) {
            own.push((key.clone(), value.clone()));
            continue;
        }
        let renamed = String::from("site_") + key;
        let mut problem = String::from("has a property ");
        crate::base::json::write_string(&mut problem, key);
        problem.push_str(", which is ");
        problem.push_str(backend);
        problem.push_str("'s own; sent as ");
        crate::base::json::write_string(&mut problem, &renamed);
        problems.push(problem);
        if !own.iter().any(|(k, _)| *k == renamed) {
            own.push((renamed, value.clone()));
        }
    }
}

/// Splits written items into runs whose texts (with `overhead` for the
/// envelope) stay under `max_bytes`; an item larger than that goes alone.
/// Each run is a range of `items` (and of the events they were written from).
pub(crate) fn runs(items: &[String], max_bytes: usize, overhead: usize) -> Vec<core::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut size = overhead;
        while end < items.len() && (end == start || size + items[end].len() < max_bytes) {
            size += items[end].len() + 1;
            end += 1;
        }
        out.push(start..end);
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
    Some((crate::base::num::parse_u64(w)?, crate::base::num::parse_u64(h)?))
}

/// `id` when it is a UUID, else a UUID made from a hash of it (version 8,
/// the version for custom UUIDs): backends that want UUIDs (PostHog,
/// Snowplow) get the same one each time an event is resent, so they can
/// drop the copy. Journey summaries' ids (`j-<session id>`) are not UUIDs.
pub fn uuid_for(id: &str) -> String {
    if crate::base::id::is_uuid(id) {
        return id.to_string();
    }
    let (high, low) = (fnv1a(FNV_OFFSET, id.bytes()), fnv1a(0x8422_2325_cbf2_9ce4, id.bytes()));
    let high = (high & !0xf000) | 0x8000; // version 8
    let low = (low & !(0xc << 60)) | (0x8 << 60); // the RFC 9562 variant
    let mut hex = String::new();
    for word in [high, low] {
        push_hex(&mut hex, word, 16);
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
