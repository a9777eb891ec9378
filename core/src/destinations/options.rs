//! The `destinations` option, checked in full (the encoder module does this
//! before the SDK starts; the SDK's module reads only the routes it writes).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, field_path, index_path, FieldError};
use crate::base::json::Value;

use super::{Destination, Filter, Format, FORMATS};

/// Where the backend's cloud takes batches, when it has one URL for all.
fn default_url(format: Format) -> &'static str {
    match format {
        Format::Segment => "https://api.segment.io/v1/batch",
        Format::PostHog => "https://us.i.posthog.com/batch/",
        Format::Ga4 => "https://www.google-analytics.com/mp/collect",
        _ => "",
    }
}

const CODE: &str = "invalid_option";

/// Reads `destinations` in full: each is checked on its own, and one with
/// a problem is left out with an error naming it, the field and the fix.
pub fn parse_destinations(value: &Value) -> (Vec<Destination>, Vec<FieldError>) {
    parse_list(value, parse_destination)
}

type ParseItem = fn(&Value, &str) -> Result<Destination, FieldError>;

fn parse_list(value: &Value, parse_item: ParseItem) -> (Vec<Destination>, Vec<FieldError>) {
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
        match parse_item(item, &path) {
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

/// A string field of `item`: "" when absent, else a non-empty string.
fn text_field(item: &Value, path: &str, key: &str) -> Result<String, FieldError> {
    match item.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 2_000 => Ok(s.clone()),
        Some(other) => Err(expected(CODE, field_path(path, key), "a non-empty string", other)),
    }
}

/// Type, id, batch limits and filter.
fn parse_route(item: &Value, path: &str) -> Result<Destination, FieldError> {
    let field = |key: &str| field_path(path, key);
    if !matches!(item, Value::Object(_)) {
        return Err(expected(CODE, path, "a destination object", item));
    }
    let kind = text_field(item, path, "type")?;
    let Some(&(_, format)) = FORMATS.iter().find(|(name, _)| *name == kind) else {
        let got = item.get("type").unwrap_or(&Value::Null);
        return Err(expected(
            CODE,
            field("type"),
            "parcours, segment, rudderstack, posthog, snowplow, ga4 or webhook",
            got,
        ));
    };
    // The id keys the destination's copies in durable storage (`<id>/<event id>`).
    let id = match text_field(item, path, "id")? {
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
                    let what = crate::words! {{
                        let mut what = String::from("a whole number from 1 to ");
                        crate::base::num::push_u64(&mut what, default as u64);
                        what.push_str(" (this backend's limit)");
                        what
                    }};
                    Err(expected(CODE, field(key), &what, v))
                }
            },
        }
    };
    let mut filter = Filter {
        sample_bp: 10_000,
        ..Filter::default()
    };
    if let Some(events) = item.get("events").filter(|v| !matches!(v, Value::Null)) {
        filter.events = crate::base::error::string_list(&field("events"), "an array of event names", events)?;
    }
    match item.get("summariesOnly") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => filter.summaries_only = *b,
        Some(other) => return Err(expected(CODE, field("summariesOnly"), "true or false", other)),
    }
    if let Some(sample) = item.get("sample").filter(|v| !matches!(v, Value::Null)) {
        filter.sample_bp = crate::delivery::sampling::percent_bp(sample)
            .ok_or_else(|| expected(CODE, field("sample"), "a percentage from 0 to 100", sample))?;
    }
    Ok(Destination {
        id,
        format,
        url: String::new(),
        key: String::new(),
        secret: String::new(),
        headers: Vec::new(),
        max_events: limit("maxEvents", default_events)?,
        max_bytes: limit("maxBytes", default_bytes)?,
        filter,
        events_key: String::from("events"),
        envelope: Vec::new(),
    })
}

/// The route, then where and how to send: URL, keys, headers, envelope.
fn parse_destination(item: &Value, path: &str) -> Result<Destination, FieldError> {
    let mut d = parse_route(item, path)?;
    let field = |key: &str| field_path(path, key);
    let format = d.format;
    let (key_name, secret_name) = match format {
        Format::PostHog => ("apiKey", ""),
        Format::Snowplow => ("appId", ""),
        Format::Ga4 => ("measurementId", "apiSecret"),
        Format::Webhook => ("", ""),
        _ => ("writeKey", ""),
    };
    if !key_name.is_empty() {
        d.key = text_field(item, path, key_name)?;
    }
    if !secret_name.is_empty() {
        d.secret = text_field(item, path, secret_name)?;
    }
    let needs_key = !matches!(format, Format::Parcours | Format::Webhook | Format::Snowplow);
    if needs_key && d.key.is_empty() {
        return Err(FieldError::new(CODE, field(key_name), "is required for this type")
            .with_fix("Copy it from the backend's settings for this source"));
    }
    if !secret_name.is_empty() && d.secret.is_empty() {
        return Err(FieldError::new(CODE, field(secret_name), "is required for ga4")
            .with_fix("Create one under Admin > Data streams > Measurement Protocol API secrets"));
    }
    d.url = text_field(item, path, "url")?;
    if d.url.is_empty() {
        d.url = default_url(format).to_string();
    }
    if d.url.is_empty() {
        return Err(FieldError::new(CODE, field("url"), "is required for this type")
            .with_fix("Set it to the backend's address, e.g. url: 'https://collector.example.com'"));
    }
    let url = &d.url;
    if !(url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//")))
    {
        let got = item.get("url").unwrap_or(&Value::Null);
        return Err(expected(
            CODE,
            field("url"),
            "an absolute http(s) URL or a path on this site",
            got,
        ));
    }
    match item.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(pairs)) => {
            for (name, value) in pairs {
                match value.as_str() {
                    Some(v) if is_header_name(name) => d.headers.push((name.clone(), v.to_string())),
                    _ => {
                        let at = field(&(String::from("headers.") + name));
                        return Err(expected(CODE, at, "a header name with a string value", value));
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
    if let Some(shape) = item.get("envelope").filter(|v| !matches!(v, Value::Null)) {
        if format != Format::Webhook {
            return Err(FieldError::new(CODE, field("envelope"), "is only for type webhook"));
        }
        let Value::Object(fields) = shape else {
            let what = "an object of fields, with the events under \"$events\"";
            return Err(expected(CODE, field("envelope"), what, shape));
        };
        for (name, value) in fields {
            match value {
                // The one field whose value is the string "$events" holds the events.
                Value::String(s) if s == "$events" => d.events_key = name.clone(),
                _ => d.envelope.push((name.clone(), value.clone())),
            }
        }
    }
    Ok(d)
}

/// An HTTP header name (a token); `Content-Type` is the encoder's.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && !name.eq_ignore_ascii_case("content-type")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
