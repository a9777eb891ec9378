//! Destinations: Parcours' events, journey summaries and survey answers in
//! the format another backend expects. An encoder takes a Parcours batch
//! (format v1, what the collector receives, decoded by `batch::decode`, so
//! it is validated once and the same way everywhere) and returns the HTTP
//! requests to send, with a note for everything it had to shorten or leave
//! out to respect the backend's limits. Encoders are pure functions of the
//! batch, the destination and the time; their tests compare them field by
//! field with fixtures written from each backend's published format.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::batch::{ReceivedBatch, ReceivedEvent};
use crate::error::{expected, field_path, index_path, FieldError};
use crate::event::EventKind;
use crate::json::{parse, Value};

pub mod ga4;
pub mod posthog;
pub mod segment;
pub mod snowplow;
pub mod webhook;

/// The formats Parcours can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Parcours' own batch (what its collector takes).
    Parcours,
    /// Segment's HTTP Tracking API, `/v1/batch`.
    Segment,
    /// RudderStack's HTTP API: Segment's format, with Basic auth.
    RudderStack,
    /// PostHog's capture API, `/batch/`.
    PostHog,
    /// Snowplow's tracker protocol, POST to `/com.snowplowanalytics.snowplow/tp2`.
    Snowplow,
    /// GA4's Measurement Protocol, `/mp/collect`.
    Ga4,
    /// A JSON POST of the events in an envelope the site chooses.
    Webhook,
}

const FORMATS: [(&str, Format); 7] = [
    ("parcours", Format::Parcours),
    ("segment", Format::Segment),
    ("rudderstack", Format::RudderStack),
    ("posthog", Format::PostHog),
    ("snowplow", Format::Snowplow),
    ("ga4", Format::Ga4),
    ("webhook", Format::Webhook),
];

impl Format {
    pub fn name(self) -> &'static str {
        FORMATS.iter().find(|(_, f)| *f == self).map_or("", |(name, _)| name)
    }

    /// The backend's own limits: most events and bytes in one request.
    pub fn limits(self) -> (usize, usize) {
        match self {
            Format::Segment | Format::RudderStack => (500, segment::MAX_BATCH_BYTES),
            Format::PostHog => (1_000, 20_000_000),
            Format::Snowplow => (100, 50_000),
            Format::Ga4 => (ga4::MAX_EVENTS, ga4::MAX_BODY_BYTES),
            Format::Parcours | Format::Webhook => (500, 60_000),
        }
    }

    /// Where the backend's cloud takes batches, when it has one URL for all.
    fn default_url(self) -> &'static str {
        match self {
            Format::Segment => "https://api.segment.io/v1/batch",
            Format::PostHog => "https://us.i.posthog.com/batch/",
            Format::Ga4 => "https://www.google-analytics.com/mp/collect",
            _ => "",
        }
    }
}

/// Which events a destination receives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Only these event names (empty: all).
    pub events: Vec<String>,
    /// Only journey summaries, identify calls and survey answers.
    pub summaries_only: bool,
    /// Share of visitors sent, in basis points (10,000: all).
    pub sample_bp: u32,
}

impl Filter {
    /// Whether an event of `kind` named `name` goes to this destination
    /// (`draw`: the visitor's fixed draw in 0..10,000).
    pub fn admits(&self, kind: EventKind, name: &str, draw: u32) -> bool {
        if draw >= self.sample_bp {
            return false;
        }
        if self.summaries_only
            && kind != EventKind::Identify
            && name != crate::journey::SUMMARY_EVENT
            && name != crate::journey::ANSWER_EVENT
        {
            return false;
        }
        self.events.is_empty() || self.events.iter().any(|e| e == name)
    }
}

/// One destination of `init({ destinations })`.
#[derive(Clone, Debug, PartialEq)]
pub struct Destination {
    /// Names it in errors, events and its outbox partition (default: its type).
    pub id: String,
    pub format: Format,
    pub url: String,
    /// `writeKey` (Parcours, Segment, RudderStack), `apiKey` (PostHog),
    /// `appId` (Snowplow) or `measurementId` (GA4).
    pub key: String,
    /// GA4's `apiSecret`.
    pub secret: String,
    pub headers: Vec<(String, String)>,
    pub max_events: usize,
    pub max_bytes: usize,
    pub filter: Filter,
    /// Webhook: the key of the events list, and fields added to every body.
    pub events_key: String,
    pub envelope: Vec<(String, Value)>,
}

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
    body.push_str(",\"events\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&event.source.raw);
    }
    body.push_str("]}");
    request(destination, destination.url.clone(), "text/plain;charset=UTF-8", body)
}

fn request(destination: &Destination, url: String, content_type: &'static str, body: String) -> Request {
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

const CODE: &str = "invalid_option";

/// Reads `destinations`: each is checked on its own, and one with a
/// problem is left out with an error naming it, the field and the fix.
pub fn parse_destinations(value: &Value) -> (Vec<Destination>, Vec<FieldError>) {
    let mut destinations: Vec<Destination> = Vec::new();
    let mut errors = Vec::new();
    let Value::Array(items) = value else {
        errors.push(
            expected(CODE, "options.destinations", "an array of destinations", value)
                .with_fix("destinations: [{ type: 'segment', writeKey: '…' }]"),
        );
        return (destinations, errors);
    };
    for (index, item) in items.iter().enumerate() {
        let path = index_path("options.destinations", index);
        match parse_destination(item, &path) {
            Ok(d) if destinations.iter().any(|o| o.id == d.id) => errors.push(
                FieldError::new(CODE, field_path(&path, "id"), "repeats the id of another destination")
                    .with_fix("Give each destination of the same type its own id"),
            ),
            Ok(d) => destinations.push(d),
            Err(e) => errors.push(e),
        }
    }
    (destinations, errors)
}

fn parse_destination(item: &Value, path: &str) -> Result<Destination, FieldError> {
    let field = |key: &str| field_path(path, key);
    if !matches!(item, Value::Object(_)) {
        return Err(expected(CODE, path, "a destination object", item));
    }
    let text = |key: &str| -> Result<String, FieldError> {
        match item.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 2_000 => Ok(s.clone()),
            Some(other) => Err(expected(CODE, field(key), "a non-empty string", other)),
        }
    };
    let kind = text("type")?;
    let Some(&(_, format)) = FORMATS.iter().find(|(name, _)| *name == kind) else {
        let got = item.get("type").unwrap_or(&Value::Null);
        return Err(expected(
            CODE,
            field("type"),
            "parcours, segment, rudderstack, posthog, snowplow, ga4 or webhook",
            got,
        ));
    };
    let (key_name, secret_name) = match format {
        Format::PostHog => ("apiKey", ""),
        Format::Snowplow => ("appId", ""),
        Format::Ga4 => ("measurementId", "apiSecret"),
        Format::Webhook => ("", ""),
        _ => ("writeKey", ""),
    };
    let key = if key_name.is_empty() {
        String::new()
    } else {
        text(key_name)?
    };
    let secret = if secret_name.is_empty() {
        String::new()
    } else {
        text(secret_name)?
    };
    let needs_key = !matches!(format, Format::Parcours | Format::Webhook | Format::Snowplow);
    if needs_key && key.is_empty() {
        return Err(FieldError::new(CODE, field(key_name), "is required for this type")
            .with_fix("Copy it from the backend's settings for this source"));
    }
    if !secret_name.is_empty() && secret.is_empty() {
        return Err(FieldError::new(CODE, field(secret_name), "is required for ga4")
            .with_fix("Create one under Admin > Data streams > Measurement Protocol API secrets"));
    }
    let mut url = text("url")?;
    if url.is_empty() {
        url = format.default_url().to_string();
    }
    if url.is_empty() {
        return Err(FieldError::new(CODE, field("url"), "is required for this type")
            .with_fix("Set it to the backend's address, e.g. url: 'https://collector.example.com'"));
    }
    if !(url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//")))
    {
        return Err(expected(
            CODE,
            field("url"),
            "an absolute http(s) URL or a path on this site",
            item.get("url").unwrap_or(&Value::Null),
        ));
    }
    // The id keys the destination's copies in durable storage (`<id>/<event id>`).
    let id = match text("id")? {
        id if id.is_empty() => kind.clone(),
        id if id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => id,
        _ => {
            let got = item.get("id").unwrap_or(&Value::Null);
            return Err(expected(CODE, field("id"), "1 to 32 letters, digits, - or _", got));
        }
    };
    let (default_events, default_bytes) = format.limits();
    let limit = |key: &str, default: usize| -> Result<usize, FieldError> {
        match item.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 && n as usize <= default => Ok(n as usize),
                _ => {
                    let mut what = String::from("a whole number from 1 to ");
                    crate::num::push_u64(&mut what, default as u64);
                    what.push_str(" (this backend's limit)");
                    Err(expected(CODE, field(key), &what, v))
                }
            },
        }
    };
    let mut headers = Vec::new();
    match item.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(pairs)) => {
            for (name, value) in pairs {
                match value.as_str() {
                    Some(v) if is_header_name(name) => headers.push((name.clone(), v.to_string())),
                    _ => {
                        return Err(expected(
                            CODE,
                            field(&(String::from("headers.") + name)),
                            "a header name with a string value",
                            value,
                        ))
                    }
                }
            }
        }
        Some(other) => {
            return Err(expected(
                CODE,
                field("headers"),
                "an object of header names and values",
                other,
            ))
        }
    }
    let mut filter = Filter {
        sample_bp: 10_000,
        ..Filter::default()
    };
    if let Some(events) = item.get("events").filter(|v| !matches!(v, Value::Null)) {
        filter.events = crate::config::string_list(&field("events"), "an array of event names", events)?;
    }
    match item.get("summariesOnly") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => filter.summaries_only = *b,
        Some(other) => return Err(expected(CODE, field("summariesOnly"), "true or false", other)),
    }
    if let Some(sample) = item.get("sample").filter(|v| !matches!(v, Value::Null)) {
        filter.sample_bp = crate::targeting::percent_bp(sample)
            .ok_or_else(|| expected(CODE, field("sample"), "a percentage from 0 to 100", sample))?;
    }
    let mut events_key = String::from("events");
    let mut envelope = Vec::new();
    if let Some(shape) = item.get("envelope").filter(|v| !matches!(v, Value::Null)) {
        if format != Format::Webhook {
            return Err(FieldError::new(CODE, field("envelope"), "is only for type webhook"));
        }
        let Value::Object(fields) = shape else {
            return Err(expected(
                CODE,
                field("envelope"),
                "an object of fields, with the events under \"events\"",
                shape,
            ));
        };
        for (name, value) in fields {
            match value {
                // The one field whose value is the string "$events" holds the events.
                Value::String(s) if s == "$events" => events_key = name.clone(),
                _ => envelope.push((name.clone(), value.clone())),
            }
        }
    }
    Ok(Destination {
        id,
        format,
        url,
        key,
        secret,
        headers,
        max_events: limit("maxEvents", default_events)?,
        max_bytes: limit("maxBytes", default_bytes)?,
        filter,
        events_key,
        envelope,
    })
}

/// An HTTP header name (a token); `Content-Type` is the encoder's.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && !name.eq_ignore_ascii_case("content-type")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Destination>, Vec<FieldError>) {
        parse_destinations(&crate::json::parse(text).unwrap())
    }

    #[test]
    fn a_bad_destination_is_left_out_with_its_field_and_the_others_load() {
        let (ok, errors) = parse(
            r#"[{"type":"segment","writeKey":"wk"},
                {"type":"mixpanel"},
                {"type":"posthog"},
                {"type":"ga4","measurementId":"G-1"},
                {"type":"snowplow"},
                {"type":"segment","writeKey":"other"},
                {"type":"webhook","url":"https://h.example/in","maxEvents":5000},
                {"type":"parcours","url":"/v1/batch","headers":{"Content-Type":"x"}},
                {"id":"eu","type":"posthog","apiKey":"phc","url":"https://eu.i.posthog.com/batch/","events":["Order Completed"],"sample":10}]"#,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "options.destinations[1].type",
                "options.destinations[2].apiKey",
                "options.destinations[3].apiSecret",
                "options.destinations[4].url",
                "options.destinations[5].id",
                "options.destinations[6].maxEvents",
                "options.destinations[7].headers.Content-Type",
            ]
        );
        assert!(
            errors[0].message().contains("got \"mixpanel\""),
            "{}",
            errors[0].message()
        );
        assert!(errors[5].message().contains("1 to 500 (this backend's limit)"));
        let ids: Vec<&str> = ok.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["segment", "eu"]);
        assert_eq!(
            ok[0].url, "https://api.segment.io/v1/batch",
            "the backend's cloud by default"
        );
        assert_eq!((ok[1].filter.sample_bp, ok[1].filter.events.len()), (1_000, 1));
    }

    #[test]
    fn filters_pick_events_summaries_and_a_share_of_visitors() {
        let event = |id: &str, kind: &str, name: &str| {
            String::from(r#"{"id":""#)
                + id
                + r#"","type":""#
                + kind
                + r#"","name":""#
                + name
                + r#"","ts":1,"visitorId":"v","sessionId":"s","userId":"u","context":{"page":{"url":"https://a.example/","path":"/","title":"","referrer":""},"library":{"name":"parcours","version":"0"}}}"#
        };
        let body = String::from(r#"{"v":1,"events":["#)
            + &event("a", "track", "Order Completed")
            + ","
            + &event("b", "track", "journey_summary")
            + ","
            + &event("c", "identify", "identify")
            + "]}";
        let batch = crate::batch::decode(&body).unwrap();
        let admitted = |filter: &Filter, draw: u32| -> Vec<&str> {
            batch
                .events
                .iter()
                .filter(|e| filter.admits(e.kind, &e.name, draw))
                .map(|e| e.id.as_str())
                .collect()
        };
        let all = Filter {
            sample_bp: 10_000,
            ..Filter::default()
        };
        assert_eq!(admitted(&all, 9_999), ["a", "b", "c"]);
        let summaries = Filter {
            summaries_only: true,
            ..all.clone()
        };
        assert_eq!(admitted(&summaries, 0), ["b", "c"]);
        let named = Filter {
            events: Vec::from([String::from("Order Completed")]),
            ..all.clone()
        };
        assert_eq!(admitted(&named, 0), ["a"]);
        let tenth = Filter {
            sample_bp: 1_000,
            ..all
        };
        assert_eq!((admitted(&tenth, 999).len(), admitted(&tenth, 1_000).len()), (3, 0));
    }

    #[test]
    fn ids_become_uuids_that_stay_the_same() {
        let uuid = "01a2049b-4857-7e78-915a-7b381e2905de";
        assert_eq!(uuid_for(uuid), uuid);
        let made = uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e95");
        assert!(crate::id::is_uuid(&made));
        assert_eq!(made.as_bytes()[14], b'8', "version 8");
        assert!(matches!(made.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "RFC variant");
        assert_eq!(made, uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e95"));
        assert_ne!(made, uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e96"));
    }

    #[test]
    fn ga4_names_are_snake_case_short_and_never_reserved() {
        assert_eq!(ga4::event_name("Order Completed"), "order_completed");
        assert_eq!(ga4::event_name("session_start"), "parcours_session_start");
        assert_eq!(ga4::event_name("3D View!"), "p_3d_view");
        assert_eq!(ga4::event_name("ga_custom"), "p_ga_custom");
        assert_eq!(ga4::event_name("¡¿"), "event");
        assert_eq!(ga4::param_name("maxScrollPercent"), "max_scroll_percent");
        assert_eq!(ga4::param_name(&"a".repeat(60)).len(), 40);
    }

    #[test]
    fn basic_auth_is_standard_base64() {
        for (text, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("rs_1:", "cnNfMTo="),
        ] {
            assert_eq!(segment::base64(text), encoded);
        }
    }
}
