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

use crate::base::json::Value;
use crate::capture::event::EventKind;

#[cfg(feature = "destinations")]
mod encoding;
#[cfg(feature = "destinations")]
pub mod ga4;
#[cfg(feature = "destinations")]
mod options;
#[cfg(feature = "destinations")]
pub mod posthog;
#[cfg(feature = "destinations")]
pub mod segment;
#[cfg(feature = "destinations")]
pub mod snowplow;
#[cfg(feature = "destinations")]
pub mod webhook;

#[cfg(feature = "destinations")]
pub(crate) use encoding::{
    dimensions, fit_id, ids, merge_site, note, push_events, request, runs, whole_batch, write_each, Event,
};
#[cfg(feature = "destinations")]
pub use encoding::{encode, encode_json, uuid_for, Encoded, Request};
#[cfg(feature = "destinations")]
pub use options::parse_destinations;

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
            && !kind.is_profile()
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

/// A batch event as the collector would receive it, for the encoders' tests.
#[cfg(all(test, feature = "destinations"))]
pub(crate) fn test_event(id: &str, kind: &str, name: &str, user: &str, url: &str, properties: &str) -> String {
    String::from(r#"{"id":""#)
        + id
        + r#"","type":""#
        + kind
        + r#"","name":""#
        + name
        + r#"","ts":1795375416000,"visitorId":"v","sessionId":"01a2049b-4857-7fac-a68c-e528d1641e95","userId":""#
        + user
        + r#"","properties":"#
        + properties
        + r#","context":{"page":{"url":""#
        + url
        + r#"","path":"/p","title":"P","referrer":""},"library":{"name":"parcours","version":"0"}}}"#
}

#[cfg(all(test, feature = "destinations"))]
mod tests {
    use super::*;
    use crate::base::error::FieldError;

    fn parse(text: &str) -> (Vec<Destination>, Vec<FieldError>) {
        parse_destinations(&crate::base::json::parse(text).unwrap())
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
        let batch = crate::delivery::batch::decode(&body).unwrap();
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
    fn encode_json_answers_the_requests_or_the_batch_error() {
        let batch = include_str!("../../tests/fixtures/destinations/batch.json");
        let (segment, _) = parse(r#"[{"type":"segment","writeKey":"wk"}]"#);
        let out = crate::base::json::parse(&encode_json(&segment[0], batch, 1_795_375_416_191)).unwrap();
        let Some(Value::Array(requests)) = out.get("requests") else {
            panic!("{out:?}")
        };
        assert_eq!(
            requests[0].get("url").unwrap().as_str(),
            Some("https://api.segment.io/v1/batch")
        );
        assert_eq!(
            requests[0].get("contentType").unwrap().as_str(),
            Some("text/plain;charset=UTF-8"),
            "no CORS preflight"
        );
        assert!(crate::base::json::parse(requests[0].get("body").unwrap().as_str().unwrap()).is_ok());
        let Some(Value::Array(events)) = requests[0].get("events") else {
            panic!()
        };
        assert!(!events.is_empty(), "a request names the events it carries");
        let not_a_batch = crate::base::json::parse(&encode_json(&segment[0], "{}", 0)).unwrap();
        assert_eq!(
            not_a_batch.get("error").unwrap().get("field").unwrap().as_str(),
            Some("v")
        );
    }

    #[test]
    fn ids_become_uuids_that_stay_the_same() {
        let uuid = "01a2049b-4857-7e78-915a-7b381e2905de";
        assert_eq!(uuid_for(uuid), uuid);
        let made = uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e95");
        assert!(crate::base::id::is_uuid(&made));
        assert_eq!(made.as_bytes()[14], b'8', "version 8");
        assert!(matches!(made.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "RFC variant");
        assert_eq!(made, uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e95"));
        assert_ne!(made, uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e96"));
    }

    #[test]
    fn ga4_names_are_snake_case_short_and_never_reserved() {
        // Valid names (letters of any script) go as they are.
        for name in ["order_completed", "Signup", "Покупка", "購入", "a1_b2"] {
            assert_eq!(ga4::event_name(name), name);
        }
        // Others are rewritten, never into the same name as another.
        let rewritten: Vec<String> = [
            "Order Completed",
            "order-completed",
            "order completed",
            "🚀🎉",
            "🎉🚀",
            "¡¿",
            "3D View!",
        ]
        .iter()
        .map(|n| ga4::event_name(n))
        .collect();
        assert!(rewritten[0].starts_with("Order_Completed_"), "{rewritten:?}");
        assert!(rewritten[1].starts_with("order_completed_"), "{rewritten:?}");
        assert!(rewritten[3].starts_with("event_"), "{rewritten:?}");
        assert!(rewritten[6].starts_with("parcours_3D_View_"), "{rewritten:?}");
        let mut distinct = rewritten.clone();
        distinct.push("order_completed".into());
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), rewritten.len() + 1, "no two names merge: {rewritten:?}");
        for name in [
            "session_start",
            "session_start_with_rollout",
            "ga_custom",
            "Firebase_x",
            "user_engagement",
        ] {
            let sent = ga4::event_name(name);
            assert!(sent.starts_with("parcours_"), "{name} -> {sent}");
        }
        assert!(rewritten.iter().all(|n| n.chars().count() <= 40));
        assert_eq!(ga4::event_name(&"x ".repeat(40)).chars().count(), 40);
        // Parameters: camelCase becomes snake_case; letters of any script
        // stay; any other rewrite ends with a hash, so names never merge.
        assert_eq!(
            ga4::param_name("maxScrollPercent"),
            ("max_scroll_percent".into(), false)
        );
        assert_eq!(ga4::param_name("цена"), ("цена".into(), false));
        let params: Vec<String> = [
            "цена!",
            "цена?",
            "🚀",
            "🎉",
            "price-1",
            "price 1",
            "1st",
            "ga_x",
            &"a".repeat(60),
        ]
        .iter()
        .map(|n| ga4::param_name(n))
        .inspect(|(_, hashed)| assert!(hashed))
        .map(|(name, _)| name)
        .collect();
        assert!(
            params[0].starts_with("цена_") && params[2].starts_with("param_"),
            "{params:?}"
        );
        assert!(
            params[6].starts_with("p_1st_") && params[7].starts_with("p_ga_x_"),
            "{params:?}"
        );
        assert!(params.iter().all(|n| n.chars().count() <= 40), "{params:?}");
        let mut distinct = params.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), params.len(), "no two parameters merge: {params:?}");
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

    /// `key` of the first two items (the two users with long ids).
    fn first_two<'a>(items: &'a [Value], key: &str) -> Vec<&'a str> {
        items[..2]
            .iter()
            .map(|item| item.get(key).unwrap().as_str().unwrap())
            .collect()
    }

    /// Fails unless one of the encoder's notes contains `text`.
    fn assert_noted(encoded: &Encoded, text: &str) {
        assert!(
            encoded.notes.iter().any(|n| n.contains(text)),
            "no note with {text:?} in {:?}",
            encoded.notes
        );
    }

    /// Every object in `v` has each key once.
    fn assert_no_duplicate_keys(v: &crate::base::json::Value, at: &str) {
        use crate::base::json::Value;
        match v {
            Value::Object(fields) => {
                let mut keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                keys.sort_unstable();
                let before = keys.len();
                keys.dedup();
                assert_eq!(before, keys.len(), "a key twice in an object of {at}");
                fields.iter().for_each(|(_, v)| assert_no_duplicate_keys(v, at));
            }
            Value::Array(items) => items.iter().for_each(|v| assert_no_duplicate_keys(v, at)),
            _ => {}
        }
    }

    #[test]
    fn backends_keep_their_own_keys_ids_that_fit_and_the_small_properties_of_a_large_event() {
        use crate::base::json::{parse as json, Value};
        let long_user = |tail: &str| "u".repeat(255) + tail; // 256, the longest user id
        let event = |id: &str, kind: &str, name: &str, user: &str, properties: &str| {
            test_event(id, kind, name, user, "https://shop.example/p", properties)
        };
        let big =
            String::from(r#"{"small":1,"big":""#) + &"x".repeat(40_000) + r#"","medium":""# + &"y".repeat(100) + "\"}";
        let body = String::from(r#"{"v":1,"events":["#)
            + &event(
                "a",
                "track",
                "X",
                &long_user("1"),
                r#"{"$session_id":"evil","$current_url":"cu","ok":true}"#,
            )
            + ","
            + &event("b", "track", "X", &long_user("2"), "{}")
            + ","
            + &event("c", "page", "page_view", "u", r#"{"url":"mine","title":"Mine"}"#)
            + ","
            + &event("d", "track", "Big", "u", &big)
            + "]}";
        let batch = crate::delivery::batch::decode(&body).unwrap();
        let (list, errors) = parse(
            r#"[{"type":"segment","writeKey":"k"},{"type":"posthog","apiKey":"k"},{"type":"snowplow","url":"https://sp.example"},{"type":"ga4","measurementId":"G-1","apiSecret":"s"}]"#,
        );
        assert!(errors.is_empty());
        for destination in &list {
            let encoded = encode(destination, &batch, 1_795_375_416_191);
            for request in &encoded.requests {
                assert_no_duplicate_keys(&json(&request.body).unwrap(), &destination.id);
            }
            let body = json(&encoded.requests[0].body).unwrap();
            match destination.id.as_str() {
                "posthog" => {
                    let Some(Value::Array(events)) = body.get("batch") else {
                        panic!()
                    };
                    let ids = first_two(events, "distinct_id");
                    assert!(ids.iter().all(|id| id.chars().count() <= 200), "{ids:?}");
                    assert_ne!(ids[0], ids[1], "two users sharing 200 characters stay two people");
                    let p = events[0].get("properties").unwrap();
                    assert_eq!(
                        p.get("$session_id").unwrap().as_str(),
                        Some("01a2049b-4857-7fac-a68c-e528d1641e95")
                    );
                    assert_eq!(p.get("$current_url").unwrap().as_str(), Some("https://shop.example/p"));
                    assert_eq!(p.get("site_$session_id").unwrap().as_str(), Some("evil"));
                    assert_eq!(
                        p.get("parcours_user_id").unwrap().as_str(),
                        Some(long_user("1").as_str())
                    );
                    assert_noted(&encoded, "sent as \"site_$current_url\"");
                }
                "segment" => {
                    let Some(Value::Array(messages)) = body.get("batch") else {
                        panic!()
                    };
                    let page = messages[2].get("properties").unwrap();
                    assert_eq!(page.get("url").unwrap().as_str(), Some("https://shop.example/p"));
                    assert_eq!(page.get("site_title").unwrap().as_str(), Some("Mine"));
                    let large = &messages[3];
                    assert!(large.to_json().len() <= 32_000);
                    let p = large.get("properties").unwrap();
                    assert!(p.get("big").is_none(), "the largest value is cut");
                    assert_eq!(
                        (p.get("small").is_some(), p.get("medium").is_some()),
                        (true, true),
                        "the others are kept"
                    );
                    assert_noted(&encoded, "without its largest properties: big");
                }
                "snowplow" => {
                    let Some(Value::Array(payloads)) = body.get("data") else {
                        panic!()
                    };
                    let uids = first_two(payloads, "uid");
                    assert!(uids.iter().all(|u| u.chars().count() <= 255));
                    assert_ne!(uids[0], uids[1]);
                    let contexts = json(payloads[0].get("co").unwrap().as_str().unwrap()).unwrap();
                    let Some(Value::Array(contexts)) = contexts.get("data") else {
                        panic!()
                    };
                    let session = contexts[0].get("data").unwrap();
                    assert_eq!(
                        session.get("userId").unwrap().as_str(),
                        Some(long_user("1").as_str()),
                        "the id itself is kept"
                    );
                    assert_noted(&encoded, "the id in the session context's userId");
                }
                _ => {}
            }
        }
    }
}
