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

use crate::event::EventKind;
use crate::json::Value;

#[cfg(feature = "encoders")]
mod encoding;
#[cfg(feature = "encoders")]
pub mod ga4;
#[cfg(feature = "encoders")]
mod options;
#[cfg(feature = "encoders")]
pub mod posthog;
#[cfg(feature = "encoders")]
pub mod segment;
#[cfg(feature = "encoders")]
pub mod snowplow;
#[cfg(feature = "encoders")]
pub mod webhook;

#[cfg(feature = "encoders")]
pub(crate) use encoding::{dimensions, note, push_events, request, runs, write_each, Event};
#[cfg(feature = "encoders")]
pub use encoding::{encode, uuid_for, Encoded, Request};
#[cfg(feature = "encoders")]
pub use options::{parse_destinations, write_routes};

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

pub(crate) const FORMATS: [(&str, Format); 7] = [
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
            Format::Segment | Format::RudderStack => (500, 500_000),
            Format::PostHog => (1_000, 20_000_000),
            Format::Snowplow => (100, 50_000),
            Format::Ga4 => (25, 130_000),
            Format::Parcours | Format::Webhook => (500, 60_000),
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

/// The routes of destinations already checked in full, in the compact form
/// the encoder module writes (`write_routes`) and the SDK's module reads:
/// `[[type, id, maxEvents, maxBytes, summariesOnly, samplePermyriad, [events…]]…]`.
/// Internal and pre-validated, so it carries no error texts: an entry that
/// does not fit is skipped.
pub fn read_routes(value: &Value) -> Vec<Destination> {
    let Value::Array(items) = value else { return Vec::new() };
    let mut routes = Vec::new();
    for item in items {
        let Value::Array(f) = item else { continue };
        let text = |i: usize| f.get(i).and_then(Value::as_str);
        let number = |i: usize| f.get(i).and_then(Value::as_u64).unwrap_or(0) as usize;
        let (Some(kind), Some(id)) = (text(0), text(1)) else {
            continue;
        };
        let Some(&(_, format)) = FORMATS.iter().find(|(name, _)| *name == kind) else {
            continue;
        };
        let events = match f.get(6) {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => Vec::new(),
        };
        routes.push(Destination {
            id: id.to_string(),
            format,
            url: String::new(),
            key: String::new(),
            secret: String::new(),
            headers: Vec::new(),
            max_events: number(2).max(1),
            max_bytes: number(3).max(1_000),
            filter: Filter {
                events,
                summaries_only: f.get(4).and_then(Value::as_bool).unwrap_or(false),
                sample_bp: number(5) as u32,
            },
            events_key: String::new(),
            envelope: Vec::new(),
        });
    }
    routes
}

#[cfg(all(test, feature = "encoders"))]
mod tests {
    use super::*;
    use crate::error::FieldError;

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
    fn routes_written_by_the_encoder_module_read_back_the_same() {
        let (checked, _) = parse(
            r#"[{"type":"ga4","measurementId":"G-1","apiSecret":"s","events":["Order Completed"],"sample":12.5,"maxEvents":10},
                {"id":"hook","type":"webhook","url":"https://h.example","summariesOnly":true}]"#,
        );
        let routes = read_routes(&crate::json::parse(&write_routes(&checked)).unwrap());
        assert_eq!(routes.len(), 2);
        for (route, full) in routes.iter().zip(&checked) {
            assert_eq!(
                (&route.id, route.format, route.max_events, route.max_bytes),
                (&full.id, full.format, full.max_events, full.max_bytes)
            );
            assert_eq!(route.filter, full.filter);
            assert!(
                route.url.is_empty() && route.key.is_empty(),
                "routing needs no address or key"
            );
        }
        assert!(read_routes(&crate::json::parse(r#"[["nope","x"],"junk",["segment"]]"#).unwrap()).is_empty());
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
