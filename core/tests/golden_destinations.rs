//! Golden tests of the destination encoders: one Parcours batch
//! (tests/fixtures/destinations/batch.json: a page view with UTM tags, a page
//! leave, an order with nested and long properties, a survey answer, an
//! identify with traits, an event with a name GA4 reserves, a journey
//! summary, and a second visitor's page view) encoded for every format must
//! equal the committed `<format>.json`. Each format is then checked field by
//! field against its backend's published specification, so a fixture
//! rewritten by mistake still fails. After a deliberate change:
//! `PARCOURS_UPDATE_GOLDEN=1 cargo test -p parcours-core --test golden_destinations`,
//! then read the diff.

use std::path::Path;

use parcours_core::batch;
use parcours_core::destinations::{encode, parse_destinations, Destination, Encoded};
use parcours_core::json::{self, Value};

/// `sentAt` of the fixture batch: what "now" is when it is encoded.
const NOW: u64 = 1_795_375_416_191;

fn destination(options: &str) -> Destination {
    let (mut list, errors) = parse_destinations(&json::parse(&format!("[{options}]")).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    list.remove(0)
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/destinations"))
}

/// Encodes the fixture batch and compares it with `<name>.json`: the requests, their bodies parsed.
fn golden(name: &str, options: &str) -> (Encoded, Vec<Value>) {
    golden_of("batch.json", name, options)
}

/// `golden` for the batch in `batch_file`.
fn golden_of(batch_file: &str, name: &str, options: &str) -> (Encoded, Vec<Value>) {
    let text = std::fs::read_to_string(fixtures().join(batch_file)).unwrap();
    let batch = batch::decode(&text).unwrap();
    let encoded = encode(&destination(options), &batch, NOW);
    let bodies: Vec<Value> = encoded
        .requests
        .iter()
        .map(|r| json::parse(&r.body).unwrap_or_else(|e| panic!("{name}: body is not JSON: {e:?}")))
        .collect();
    let actual = Value::Object(vec![
        (
            "requests".into(),
            Value::Array(
                encoded
                    .requests
                    .iter()
                    .zip(&bodies)
                    .map(|(r, body)| {
                        let headers = r
                            .headers
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect();
                        Value::Object(vec![
                            ("url".into(), Value::String(r.url.clone())),
                            ("contentType".into(), Value::String(r.content_type.into())),
                            ("headers".into(), Value::Object(headers)),
                            ("body".into(), body.clone()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "notes".into(),
            Value::Array(encoded.notes.iter().map(|n| Value::String(n.clone())).collect()),
        ),
    ]);
    let path = fixtures().join(format!("{name}.json"));
    if std::env::var_os("PARCOURS_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, pretty(&actual, 0) + "\n").unwrap();
    }
    let expected = json::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(actual, expected, "{name}: differs from {}", path.display());
    (encoded, bodies)
}

/// Indented JSON, so a fixture's diff is readable.
fn pretty(value: &Value, depth: usize) -> String {
    let pad = "  ".repeat(depth + 1);
    let end = "  ".repeat(depth);
    match value {
        Value::Array(items) if !items.is_empty() => {
            let inner: Vec<String> = items.iter().map(|i| pad.clone() + &pretty(i, depth + 1)).collect();
            format!("[\n{}\n{end}]", inner.join(",\n"))
        }
        Value::Object(fields) if !fields.is_empty() => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{pad}{}: {}", Value::String(k.clone()).to_json(), pretty(v, depth + 1)))
                .collect();
            format!("{{\n{}\n{end}}}", inner.join(",\n"))
        }
        other => other.to_json(),
    }
}

fn s<'a>(value: &'a Value, key: &str) -> &'a str {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{key} is not a string in {}", value.to_json()))
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    match value.get(key) {
        Some(Value::Array(items)) => items,
        _ => panic!("{key} is not a list in {}", value.to_json()),
    }
}

fn is_iso_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z'
}

fn is_uuid(text: &str) -> bool {
    parcours_core::id::is_uuid(text)
}

#[test]
fn segment_batch_follows_the_http_tracking_api() {
    let (encoded, bodies) = golden("segment", r#"{"type":"segment","writeKey":"wk_123"}"#);
    let request = &encoded.requests[0];
    assert_eq!(request.url, "https://api.segment.io/v1/batch");
    assert_eq!(request.content_type, "text/plain;charset=UTF-8", "no CORS preflight");
    let body = &bodies[0];
    assert_eq!(s(body, "writeKey"), "wk_123");
    assert!(is_iso_timestamp(s(body, "sentAt")));
    let messages = list(body, "batch");
    assert_eq!(messages.len(), 8);
    for m in messages {
        assert!(["track", "page", "identify"].contains(&s(m, "type")));
        assert!(!s(m, "messageId").is_empty() && !s(m, "anonymousId").is_empty());
        assert!(is_iso_timestamp(s(m, "timestamp")));
        let context = m.get("context").unwrap();
        assert_eq!(s(context.get("library").unwrap(), "name"), "parcours");
        assert!(m.to_json().len() <= 32_000, "Segment's 32 KB per message");
    }
    let page = &messages[0];
    assert_eq!(
        s(page.get("properties").unwrap(), "search"),
        "?utm_source=news&utm_medium=email"
    );
    assert_eq!(
        s(page.get("context").unwrap().get("page").unwrap(), "referrer"),
        "https://mail.example/"
    );
    let order = &messages[2];
    assert_eq!(s(order, "event"), "Order Completed");
    assert_eq!(
        order.get("properties").unwrap().get("total").unwrap(),
        &Value::Number("42.5".into())
    );
    let identify = &messages[4];
    assert_eq!(
        (s(identify, "userId"), s(identify.get("traits").unwrap(), "plan")),
        ("u-42", "pro")
    );
    assert_eq!(s(&messages[6], "event"), "journey_summary");

    let rudder =
        destination(r#"{"type":"rudderstack","writeKey":"rs_1","url":"https://hosted.rudderlabs.com/v1/batch"}"#);
    let text = std::fs::read_to_string(fixtures().join("batch.json")).unwrap();
    let encoded = encode(&rudder, &batch::decode(&text).unwrap(), NOW);
    assert_eq!(
        encoded.requests[0].headers,
        vec![("Authorization".to_string(), "Basic cnNfMTo=".to_string())]
    );
    assert!(
        !encoded.requests[0].body.contains("writeKey"),
        "RudderStack takes the key as Basic auth"
    );
}

#[test]
fn posthog_batch_follows_the_capture_api() {
    let (encoded, bodies) = golden("posthog", r#"{"type":"posthog","apiKey":"phc_abc"}"#);
    assert_eq!(encoded.requests[0].url, "https://us.i.posthog.com/batch/");
    let body = &bodies[0];
    assert_eq!(s(body, "api_key"), "phc_abc");
    let events = list(body, "batch");
    let names: Vec<&str> = events.iter().map(|e| s(e, "event")).collect();
    assert_eq!(
        names,
        [
            "$pageview",
            "$pageleave",
            "Order Completed",
            "survey_answered",
            "$identify",
            "session_start",
            "journey_summary",
            "$pageview"
        ]
    );
    for e in events {
        assert!(is_uuid(s(e, "uuid")), "PostHog wants a UUID");
        assert!(is_iso_timestamp(s(e, "timestamp")));
        let p = e.get("properties").unwrap();
        assert!(!s(p, "$session_id").is_empty() && !s(p, "$current_url").is_empty());
    }
    assert_eq!(
        s(&events[0], "distinct_id"),
        "01a2049b-488d-7a2f-b550-c139f095e192",
        "the visitor before identify"
    );
    let identify = &events[4];
    assert_eq!(s(identify, "distinct_id"), "u-42");
    let p = identify.get("properties").unwrap();
    assert_eq!(
        s(p, "$anon_distinct_id"),
        "01a2049b-488d-7a2f-b550-c139f095e192",
        "merges the visitor into the person"
    );
    assert_eq!(s(p.get("$set").unwrap(), "plan"), "pro");
    assert_eq!(
        s(&events[6], "uuid"),
        parcours_core::destinations::uuid_for("j-01a2049b-4857-7fac-a68c-e528d1641e95")
    );
}

#[test]
fn snowplow_payload_follows_the_tracker_protocol() {
    let (encoded, bodies) = golden(
        "snowplow",
        r#"{"type":"snowplow","url":"https://collector.example.com/","appId":"shop"}"#,
    );
    assert_eq!(
        encoded.requests[0].url,
        "https://collector.example.com/com.snowplowanalytics.snowplow/tp2"
    );
    let body = &bodies[0];
    assert_eq!(
        s(body, "schema"),
        "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
    );
    let payloads = list(body, "data");
    assert_eq!(payloads.len(), 8);
    for p in payloads {
        let Value::Object(fields) = p else { panic!() };
        assert!(
            fields.iter().all(|(_, v)| matches!(v, Value::String(_))),
            "every field is a string"
        );
        for required in ["e", "eid", "dtm", "stm", "tv", "p", "duid", "sid", "url", "co"] {
            assert!(p.get(required).is_some(), "{required}");
        }
        assert!(is_uuid(s(p, "eid")) && is_uuid(s(p, "sid")));
        assert_eq!((s(p, "aid"), s(p, "p")), ("shop", "web"));
        let contexts = json::parse(s(p, "co")).unwrap();
        assert_eq!(
            s(&contexts, "schema"),
            "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"
        );
        assert_eq!(
            s(&list(&contexts, "data")[0], "schema"),
            "iglu:dev.parcours/session/jsonschema/1-0-0"
        );
    }
    assert_eq!(s(&payloads[0], "e"), "pv");
    assert_eq!(s(&payloads[0], "refr"), "https://mail.example/");
    let schema_of = |p: &Value| {
        let ue = json::parse(s(p, "ue_pr")).unwrap();
        assert_eq!(
            s(&ue, "schema"),
            "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
        );
        s(ue.get("data").unwrap(), "schema").to_string()
    };
    let schemas: Vec<String> = payloads[1..7].iter().map(schema_of).collect();
    assert_eq!(
        schemas,
        [
            "iglu:dev.parcours/event/jsonschema/1-0-0",
            "iglu:dev.parcours/event/jsonschema/1-0-0",
            "iglu:dev.parcours/survey_answer/jsonschema/1-0-0",
            "iglu:dev.parcours/identify/jsonschema/1-0-0",
            "iglu:dev.parcours/event/jsonschema/1-0-0",
            "iglu:dev.parcours/journey_summary/jsonschema/1-0-0",
        ]
    );
    assert_eq!(s(&payloads[4], "uid"), "u-42");
    // Every self-describing schema the encoder names is committed in the repository.
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/dev.parcours"));
    for name in ["event", "survey_answer", "identify", "journey_summary", "session"] {
        let file = root.join(name).join("jsonschema/1-0-0");
        let schema = json::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(s(schema.get("self").unwrap(), "name"), name, "{}", file.display());
    }
}

#[test]
fn ga4_requests_follow_the_measurement_protocol_and_its_limits() {
    let (encoded, bodies) = golden(
        "ga4",
        r#"{"type":"ga4","measurementId":"G-TEST123","apiSecret":"s3cr/t"}"#,
    );
    assert_eq!(
        encoded.requests[0].url,
        "https://www.google-analytics.com/mp/collect?measurement_id=G-TEST123&api_secret=s3cr%2Ft"
    );
    assert_eq!(
        bodies.len(),
        3,
        "one request per visitor (and user): the anonymous run, the identified run, the other visitor"
    );
    let mut names = Vec::new();
    for body in &bodies {
        assert!(!s(body, "client_id").is_empty());
        let events = list(body, "events");
        assert!(events.len() <= 25);
        for e in events {
            let name = s(e, "name");
            names.push(name.to_string());
            assert!(name.len() <= 40 && name.as_bytes()[0].is_ascii_alphabetic());
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{name}");
            let Some(Value::Object(params)) = e.get("params") else {
                panic!()
            };
            assert!(params.len() <= 25);
            for (key, value) in params {
                assert!(key.len() <= 40 && !key.starts_with("ga_") && !key.starts_with("google_"));
                if let Value::String(text) = value {
                    let most = match key.as_str() {
                        "page_location" => 1_000,
                        "page_referrer" => 420,
                        "page_title" => 300,
                        _ => 100,
                    };
                    assert!(text.chars().count() <= most, "{key}");
                }
                assert!(
                    !matches!(value, Value::Object(_) | Value::Array(_)),
                    "{key}: scalars only"
                );
            }
            assert!(e.get("params").unwrap().get("session_id").is_some());
            assert!(e.get("params").unwrap().get("engagement_time_msec").is_some());
        }
    }
    assert_eq!(
        names,
        [
            "page_view",
            "page_leave",
            "Order_Completed_3935a2",
            "survey_answered",
            "identify",
            "parcours_session_start_5cd8e4",
            "journey_summary",
            "page_view"
        ]
    );
    assert_eq!(s(&bodies[1], "user_id"), "u-42");
    let identify = &list(&bodies[1], "events")[0];
    assert!(
        identify.get("params").unwrap().get("email").is_none(),
        "no personal data to GA4"
    );
    assert!(encoded
        .notes
        .iter()
        .any(|n| n.contains("\"Order Completed\") is named \"Order_Completed_3935a2\"")));
    assert!(
        encoded.notes.iter().any(|n| n.contains("note (shortened)")),
        "{:?}",
        encoded.notes
    );
}

#[test]
fn webhook_sends_the_events_in_the_sites_envelope() {
    let (encoded, bodies) = golden(
        "webhook",
        r#"{"type":"webhook","url":"https://hooks.example.com/in","headers":{"X-Token":"t"},"envelope":{"source":"shop","data":"$events"}}"#,
    );
    assert_eq!(
        encoded.requests[0].headers,
        vec![("X-Token".to_string(), "t".to_string())]
    );
    let body = &bodies[0];
    assert_eq!(s(body, "source"), "shop");
    assert_eq!(list(body, "data").len(), 8);
    assert!(body.get("events").is_none());
}

#[test]
fn the_parcours_format_is_the_batch_the_collector_takes() {
    let (encoded, _) = golden(
        "parcours",
        r#"{"type":"parcours","url":"/v1/batch","writeKey":"site_b"}"#,
    );
    let decoded = batch::decode(&encoded.requests[0].body).expect("the collector's own decoder reads it");
    assert_eq!(decoded.write_key.as_deref(), Some("site_b"));
    assert_eq!(decoded.events.len(), 8);
}

/// The stressing batch (`stress-batch.json`), one request file per backend
/// (`stress-<backend>.json`), which tests/e2e/destination-rules.test.mjs
/// checks against each backend's published rules: a name GA4 reserves
/// (`session_start_with_rollout`), a 700-character URL whose campaign is at
/// its end, names in Cyrillic, Japanese and emoji and two spellings of one
/// name, a `page_leave` with its engaged time, site properties named like
/// PostHog's and Segment's own, a 40 KB value beside small ones, 60
/// properties, nested values, an 80-hour-old event, and two users whose
/// 256-character ids share their first 255.
#[test]
fn the_stressing_batch_has_a_golden_request_file_per_backend() {
    for (name, options) in [
        ("stress-segment", r#"{"type":"segment","writeKey":"wk_test"}"#),
        ("stress-posthog", r#"{"type":"posthog","apiKey":"phc_test"}"#),
        (
            "stress-snowplow",
            r#"{"type":"snowplow","url":"https://sp.example.com","appId":"shop"}"#,
        ),
        (
            "stress-ga4",
            r#"{"type":"ga4","measurementId":"G-TEST123","apiSecret":"s"}"#,
        ),
    ] {
        let (encoded, _) = golden_of("stress-batch.json", name, options);
        assert!(!encoded.notes.is_empty(), "{name}: every backend has something to note");
    }
}

/// Who the user is (`profile-batch.json`): a `group` call, an event after it
/// (its `context.groupId`) and an `alias`, as each backend names them:
/// Segment's own group and alias calls, PostHog's `$groupidentify`,
/// `$groups` and `$create_alias`, Snowplow's self-describing `group` and
/// `alias`, GA4's recommended `join_group`.
#[test]
fn group_and_alias_reach_each_backend_as_its_own_calls() {
    let (_, segment) = golden_of(
        "profile-batch.json",
        "profile-segment",
        r#"{"type":"segment","writeKey":"wk_test"}"#,
    );
    let messages = list(&segment[0], "batch");
    assert_eq!(s(&messages[0], "type"), "group");
    assert_eq!(s(&messages[0], "groupId"), "acme");
    assert_eq!(s(messages[0].get("traits").unwrap(), "plan"), "enterprise");
    assert_eq!(s(messages[1].get("context").unwrap(), "groupId"), "acme");
    assert_eq!(s(&messages[2], "type"), "alias");
    assert_eq!(s(&messages[2], "userId"), "user_42");
    assert_eq!(s(&messages[2], "previousId"), "01a204a0-0000-7000-8000-0000000000aa");

    let (_, posthog) = golden_of(
        "profile-batch.json",
        "profile-posthog",
        r#"{"type":"posthog","apiKey":"phc_test"}"#,
    );
    let events = list(&posthog[0], "batch");
    let props = |i: usize| events[i].get("properties").unwrap();
    assert_eq!(s(&events[0], "event"), "$groupidentify");
    assert_eq!(s(props(0), "$group_type"), "company");
    assert_eq!(s(props(0), "$group_key"), "acme");
    assert_eq!(s(props(0).get("$group_set").unwrap(), "name"), "Acme");
    assert_eq!(s(props(1).get("$groups").unwrap(), "company"), "acme");
    assert_eq!(s(&events[2], "event"), "$create_alias");
    assert_eq!(s(&events[2], "distinct_id"), "user_42");
    assert_eq!(s(props(2), "alias"), "01a204a0-0000-7000-8000-0000000000aa");

    let (_, snowplow) = golden_of(
        "profile-batch.json",
        "profile-snowplow",
        r#"{"type":"snowplow","url":"https://sp.example.com","appId":"shop"}"#,
    );
    let payloads = list(&snowplow[0], "data");
    let inner = |i: usize| {
        let outer = json::parse(s(&payloads[i], "ue_pr")).unwrap();
        outer.get("data").unwrap().clone()
    };
    assert_eq!(s(&inner(0), "schema"), "iglu:dev.parcours/group/jsonschema/1-0-0");
    assert_eq!(s(inner(0).get("data").unwrap(), "groupId"), "acme");
    assert_eq!(s(&inner(2), "schema"), "iglu:dev.parcours/alias/jsonschema/1-0-0");

    let (_, ga4) = golden_of(
        "profile-batch.json",
        "profile-ga4",
        r#"{"type":"ga4","measurementId":"G-TEST123","apiSecret":"s"}"#,
    );
    let names: Vec<&str> = ga4
        .iter()
        .flat_map(|b| list(b, "events"))
        .map(|e| s(e, "name"))
        .collect();
    assert_eq!(names, ["join_group", "invoice_sent", "alias"]);
    let join = &list(&ga4[0], "events")[0];
    assert_eq!(s(join.get("params").unwrap(), "group_id"), "acme");
}
