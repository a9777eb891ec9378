//! The collector's HTTP contract, exercised through its real router.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use parcours_collector::app::{router, Settings};
use parcours_collector::store::Store;
use parcours_core::json::{self, Value};
use tower::ServiceExt;

/// The events of these tests are dated near 1970, outside the window the
/// collector accepts (`window.rs`, tested on its own and below with it on).
fn app_with(settings: Settings) -> Router {
    router(
        Store::open_in_memory().unwrap(),
        Settings {
            time_window: false,
            ..settings
        },
    )
}

fn app() -> Router {
    app_with(Settings::default())
}

/// Every store the tests reach: SQLite always, and ClickHouse when
/// `PARCOURS_CLICKHOUSE` names a server (`.ci/run` starts one), each test
/// in a fresh database of its own.
fn stores() -> Vec<Store> {
    let mut stores = vec![Store::open_in_memory().unwrap()];
    if let Ok(server) = std::env::var("PARCOURS_CLICKHOUSE") {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = format!(
            "{}/parcours_test_{}_{n}",
            server.trim_end_matches('/'),
            std::process::id()
        );
        let store = Store::clickhouse(&url, None).unwrap_or_else(|e| panic!("PARCOURS_CLICKHOUSE: {e}"));
        if let Store::ClickHouse(clickhouse) = &store {
            clickhouse.truncate().unwrap();
        }
        stores.push(store);
    }
    stores
}

/// The same collector on each store of [`stores`].
fn apps_with(settings: Settings) -> Vec<Router> {
    stores()
        .into_iter()
        .map(|store| {
            let settings = Settings {
                time_window: false,
                ..settings.clone()
            };
            router(store, settings)
        })
        .collect()
}

fn apps() -> Vec<Router> {
    apps_with(Settings::default())
}

fn event(id: &str, session: &str, name: &str, ts: u64) -> String {
    format!(
        r#"{{"id":"{id}","type":"track","name":"{name}","ts":{ts},"visitorId":"v1","sessionId":"{session}",
            "properties":{{"plan":"pro"}},"context":{{"page":{{"url":"https://shop.example/p","path":"/p",
            "title":"P","referrer":""}},"library":{{"name":"parcours","version":"0.1.0"}}}}}}"#
    )
}

fn batch(events: &[String]) -> String {
    format!(r#"{{"v":1,"batchId":"b1","sentAt":1,"events":[{}]}}"#, events.join(","))
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    body: String,
    headers: &[(&str, &str)],
) -> (StatusCode, String, axum::http::HeaderMap) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap(), headers)
}

async fn post_batch(app: &Router, body: String) -> (StatusCode, Value) {
    let (status, text, _) = send(
        app,
        Method::POST,
        "/v1/batch",
        body,
        &[("content-type", "text/plain;charset=UTF-8")],
    )
    .await;
    (
        status,
        json::parse(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
    )
}

async fn stored_events(app: &Router, query: &str) -> Vec<Value> {
    // The admin key of the tests that set one; ignored by collectors without.
    let auth = [("authorization", "Bearer s3cret")];
    let (status, text, _) = send(app, Method::GET, &format!("/v1/events?{query}"), String::new(), &auth).await;
    assert_eq!(status, StatusCode::OK);
    match json::parse(&text).unwrap().get("events") {
        Some(Value::Array(events)) => events.clone(),
        _ => panic!("no events array in {text}"),
    }
}

#[tokio::test]
async fn a_valid_batch_is_stored_and_can_be_read_back_in_order() {
    for app in apps() {
        let (status, body) = post_batch(
            &app,
            batch(&[event("e1", "s1", "First", 10), event("e2", "s1", "Second", 20)]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.get("accepted").unwrap().as_u64(), Some(2));
        let events = stored_events(&app, "session=s1").await;
        let names: Vec<_> = events
            .iter()
            .map(|e| e.get("name").unwrap().as_str().unwrap())
            .collect();
        assert_eq!(names, ["First", "Second"]);
        assert_eq!(
            events[0].get("properties").unwrap().get("plan").unwrap().as_str(),
            Some("pro")
        );
        assert!(events[0].get("receivedAt").unwrap().as_u64().unwrap() > 0);
        assert!(stored_events(&app, "session=other").await.is_empty());
        assert_eq!(stored_events(&app, "visitor=v1").await.len(), 2);
    }
}

#[tokio::test]
async fn a_resent_event_is_acknowledged_but_not_duplicated() {
    for app in apps() {
        let body = batch(&[event("e1", "s1", "A", 10), event("e2", "s1", "B", 11)]);
        post_batch(&app, body.clone()).await;
        let (status, answer) = post_batch(&app, body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer.get("accepted").unwrap().as_u64(), Some(0));
        assert_eq!(answer.get("duplicates").unwrap().as_u64(), Some(2));
        let (_, answer) = post_batch(&app, batch(&[event("e3", "s1", "C", 12), event("e3", "s1", "C", 12)])).await;
        assert_eq!(answer.get("accepted").unwrap().as_u64(), Some(1));
        assert_eq!(stored_events(&app, "session=s1").await.len(), 3);
    }
}

#[tokio::test]
async fn a_bad_event_is_refused_alone_named_in_the_answer_and_the_others_are_stored() {
    for app in apps() {
        let bad = event("e2", "s1", "B", 11).replace("\"ts\":11", "\"ts\":\"yesterday\"");
        // A string sliced through an emoji, as JSON.stringify writes it.
        let sliced = event("e3", "s1", "C", 12).replace("\"plan\":\"pro\"", "\"q\":\"\\ud83d\"");
        let body = batch(&[event("e1", "s1", "A", 10), bad, sliced, event("e4", "s1", "D", 13)]);
        let (status, answer) = post_batch(&app, body).await;
        assert_eq!(status, StatusCode::OK, "{answer:?}");
        assert_eq!(answer.get("accepted").unwrap().as_u64(), Some(3));
        let Some(Value::Array(refused)) = answer.get("refused") else {
            panic!("no refused list: {answer:?}")
        };
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].get("index").unwrap().as_u64(), Some(1));
        assert_eq!(refused[0].get("id").unwrap().as_str(), Some("e2"));
        assert_eq!(refused[0].get("field").unwrap().as_str(), Some("events[1].ts"));
        assert!(refused[0]
            .get("message")
            .unwrap()
            .as_str()
            .unwrap()
            .contains("\"yesterday\""));
        let names: Vec<String> = stored_events(&app, "session=s1")
            .await
            .iter()
            .map(|e| e.get("name").unwrap().as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["A", "C", "D"], "every valid event is stored");
        let sliced = &stored_events(&app, "session=s1").await[1];
        assert_eq!(
            sliced.get("properties").unwrap().get("q").unwrap().as_str(),
            Some("\u{fffd}")
        );
    }
}

#[tokio::test]
async fn a_batch_of_only_bad_events_is_refused_whole_with_the_field_named() {
    let app = app();
    let bad = event("e2", "s1", "B", 11).replace("\"ts\":11", "\"ts\":\"yesterday\"");
    let (status, answer) = post_batch(&app, batch(&[bad])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = answer.get("error").unwrap();
    assert_eq!(error.get("code").unwrap().as_str(), Some("invalid_batch"));
    assert_eq!(error.get("field").unwrap().as_str(), Some("events[0].ts"));
    assert!(
        stored_events(&app, "").await.is_empty(),
        "nothing of a refused batch is stored"
    );

    let (status, answer) = post_batch(&app, "{not json".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.get("error").unwrap().get("field").unwrap().as_str(),
        Some("body")
    );
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let app = app_with(Settings {
        max_body_bytes: 2_000,
        ..Settings::default()
    });
    let events: Vec<String> = (0..20).map(|i| event(&format!("e{i}"), "s1", "Big", i)).collect();
    let (status, answer) = post_batch(&app, batch(&events)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        answer.get("error").unwrap().get("code").unwrap().as_str(),
        Some("body_too_large")
    );
    assert!(stored_events(&app, "").await.is_empty());
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = app_with(Settings {
        allowed_origins: vec!["https://shop.example".into()],
        ..Settings::default()
    });
    let preflight = |origin: &'static str| {
        let app = app.clone();
        async move {
            let headers = [
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ];
            send(&app, Method::OPTIONS, "/v1/batch", String::new(), &headers)
                .await
                .2
        }
    };
    let allowed = preflight("https://shop.example").await;
    assert_eq!(
        allowed.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "https://shop.example"
    );
    let refused = preflight("https://evil.example").await;
    assert!(refused.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

    let (_, _, headers) = send(
        &app,
        Method::POST,
        "/v1/batch",
        batch(&[event("e1", "s", "A", 1)]),
        &[("origin", "https://shop.example")],
    )
    .await;
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "https://shop.example"
    );
}

#[tokio::test]
async fn the_sessions_page_lists_sessions_and_escapes_visitor_data() {
    for app in apps() {
        let hostile = event("e1", "s1", "A", 1_732_270_000_000)
            .replace("\"title\":\"P\"", "\"title\":\"<script>alert(1)</script>\"")
            .replace("\"path\":\"/p\"", "\"path\":\"/<b>x</b>\"");
        post_batch(&app, batch(&[hostile])).await;
        let (status, html, _) = send(&app, Method::GET, "/sessions", String::new(), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("/sessions/s1"));
        assert!(html.contains("/&lt;b&gt;x&lt;/b&gt;"));
        assert!(!html.contains("<b>x</b>"));
        let (status, html, _) = send(&app, Method::GET, "/sessions/s1", String::new(), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("&quot;plan&quot;:&quot;pro&quot;"));
        let (status, _, _) = send(&app, Method::GET, "/sessions/nope", String::new(), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[test]
fn the_database_file_keeps_events_across_restarts() {
    let dir = std::env::temp_dir().join(format!("parcours-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.db");
    let decoded = parcours_core::batch::decode(&batch(&[event("e1", "s1", "A", 1)])).unwrap();
    Store::open(&path).unwrap().insert_batch(&decoded, 5).unwrap();
    let reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.count_events().unwrap(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_session_page_shows_its_journey_summary() {
    for app in apps() {
        let summary = r#"{"v":1,"sessionId":"s1","sessionIndex":1,"startedAt":1,"lastActivityAt":9,"endReason":"timeout","channel":"email",
            "touch":{"channel":"email","source":"newsletter","campaign":"spring","at":1},"landing":"/","exit":"/pricing",
            "steps":[{"touchpoint":"/","kind":"page","stage":"awareness","at":0,"dwellMs":4000,"emotion":"neutral"},
                     {"touchpoint":"/<pricing>","kind":"page","stage":"consideration","at":4000,"dwellMs":0,"emotion":"negative","friction":["rage_click"]}],
            "truncatedSteps":0,"stages":[{"stage":"awareness","at":0,"touchpoint":"/"},{"stage":"consideration","at":4000,"touchpoint":"/pricing"}],
            "furthestStage":"consideration","conversions":[],"friction":{"rage_click":1},"emotionCurve":[0,-1],"momentsOfTruth":[],
            "pageCount":2,"eventCount":3,"engagedMs":4000,"durationMs":8000,"bounce":false}"#;
        let summary_event = format!(
            r#"{{"id":"j-s1","type":"track","name":"journey_summary","ts":9,"visitorId":"v1","sessionId":"s1","properties":{summary},
                "context":{{"page":{{"url":"https://shop.example/p","path":"/p","title":"P","referrer":""}}}}}}"#
        );
        post_batch(&app, batch(&[event("e1", "s1", "A", 1), summary_event])).await;
        let (_, html, _) = send(&app, Method::GET, "/sessions/s1", String::new(), &[]).await;
        assert!(html.contains("<h2>Journey <small>(timeout)</small></h2>"), "{html}");
        assert!(html.contains("email newsletter spring"));
        assert!(html.contains("awareness → consideration"));
        assert!(html.contains("rage_click ×1"));
        assert!(html.contains("/&lt;pricing&gt;"), "step names are escaped");
        let (_, list, _) = send(&app, Method::GET, "/sessions", String::new(), &[]).await;
        assert!(list.contains("<td>email</td><td>consideration</td>"), "{list}");
    }
}

#[tokio::test]
async fn a_visitor_is_erased_only_with_the_admin_key() {
    for keyed in apps_with(Settings {
        admin_key: Some("s3cret".into()),
        ..Settings::default()
    }) {
        post_batch(&keyed, batch(&[event("e1", "s1", "A", 1), event("e2", "s1", "B", 2)])).await;
        let (status, _, _) = send(&keyed, Method::DELETE, "/v1/visitors/v1", String::new(), &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = send(
            &keyed,
            Method::DELETE,
            "/v1/visitors/v1",
            String::new(),
            &[("authorization", "Bearer nope")],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            stored_events(&keyed, "visitor=v1").await.len(),
            2,
            "nothing erased without the key"
        );
        let (status, body, _) = send(
            &keyed,
            Method::DELETE,
            "/v1/visitors/v1",
            String::new(),
            &[("authorization", "Bearer s3cret")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, r#"{"deleted":2}"#);
        // ClickHouse deletes by a mutation, applied in the background.
        let mut left = stored_events(&keyed, "visitor=v1").await.len();
        for _ in 0..50 {
            if left == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            left = stored_events(&keyed, "visitor=v1").await.len();
        }
        assert_eq!(left, 0, "erased");
    }

    let without_key = app();
    let (status, _, _) = send(
        &without_key,
        Method::DELETE,
        "/v1/visitors/v1",
        String::new(),
        &[("authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "erasure needs a configured admin key");
}

fn error_field(answer: &Value) -> (Option<&str>, Option<&str>) {
    let error = answer.get("error").expect("an error object");
    (
        error.get("code").and_then(Value::as_str),
        error.get("field").and_then(Value::as_str),
    )
}

fn keyed_batch(key: &str, id: &str) -> String {
    format!(
        r#"{{"v":1,"batchId":"b-{id}","sentAt":1,"writeKey":"{key}","events":[{}]}}"#,
        event(id, "s1", "A", 1)
    )
}

#[tokio::test]
async fn a_batch_without_a_valid_write_key_gets_401_and_is_not_stored() {
    let app = app_with(Settings {
        write_keys: vec!["wk_live".into(), "wk_test".into()],
        ..Settings::default()
    });
    let (status, answer) = post_batch(&app, batch(&[event("e1", "s1", "A", 1)])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_field(&answer), (Some("unauthorized"), Some("writeKey")));
    let (status, answer) = post_batch(&app, keyed_batch("wk_nope", "e2")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer
        .get("error")
        .unwrap()
        .get("message")
        .unwrap()
        .as_str()
        .unwrap()
        .contains("--write-key"));
    assert!(stored_events(&app, "").await.is_empty());
    let (status, _) = post_batch(&app, keyed_batch("wk_test", "e3")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored_events(&app, "").await.len(), 1);
}

#[tokio::test]
async fn too_many_batches_from_one_address_get_429_with_retry_after() {
    let app = app_with(Settings {
        ip_rate_per_minute: 60, // bursts of ten
        ..Settings::default()
    });
    for i in 0..10 {
        let (status, _) = post_batch(&app, batch(&[event(&format!("e{i}"), "s1", "A", i)])).await;
        assert_eq!(status, StatusCode::OK, "batch {i} is within the burst");
    }
    let (status, text, headers) = send(
        &app,
        Method::POST,
        "/v1/batch",
        batch(&[event("e99", "s1", "A", 1)]),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "1");
    assert_eq!(
        error_field(&json::parse(&text).unwrap()),
        (Some("rate_limited"), Some("ip"))
    );
    assert_eq!(
        stored_events(&app, "").await.len(),
        10,
        "the refused batch was not stored"
    );
}

#[tokio::test]
async fn each_write_key_has_its_own_rate_limit() {
    let app = app_with(Settings {
        write_keys: vec!["busy".into(), "calm".into()],
        ip_rate_per_minute: 0,
        key_rate_per_minute: 60,
        ..Settings::default()
    });
    for i in 0..10 {
        assert_eq!(
            post_batch(&app, keyed_batch("busy", &format!("e{i}"))).await.0,
            StatusCode::OK
        );
    }
    let (status, answer) = post_batch(&app, keyed_batch("busy", "e10")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_field(&answer), (Some("rate_limited"), Some("writeKey")));
    // Batches that store nothing never spend the limit the site's visitors share.
    for i in 0..20 {
        let empty = format!(r#"{{"v":1,"batchId":"empty-{i}","sentAt":1,"writeKey":"calm","events":[]}}"#);
        assert_eq!(post_batch(&app, empty).await.0, StatusCode::OK);
        let bad = format!(r#"{{"v":1,"batchId":"bad-{i}","sentAt":1,"writeKey":"calm","events":[{{"id":"x"}}]}}"#);
        assert_eq!(post_batch(&app, bad).await.0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(post_batch(&app, keyed_batch("calm", "e11")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_batch_from_an_origin_not_listed_gets_403() {
    let app = app_with(Settings {
        allowed_origins: vec!["https://shop.example".into()],
        ..Settings::default()
    });
    let body = batch(&[event("e1", "s1", "A", 1)]);
    let (status, text, _) = send(
        &app,
        Method::POST,
        "/v1/batch",
        body.clone(),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_field(&json::parse(&text).unwrap()),
        (Some("origin_not_allowed"), Some("origin"))
    );
    assert!(stored_events(&app, "").await.is_empty());
    let (status, _, _) = send(
        &app,
        Method::POST,
        "/v1/batch",
        body,
        &[("origin", "https://shop.example")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

async fn post_bytes(app: &Router, body: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/batch")
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, json::parse(std::str::from_utf8(&bytes).unwrap()).unwrap())
}

#[tokio::test]
async fn gzip_bodies_are_inflated_within_the_body_limit() {
    let app = app_with(Settings {
        max_body_bytes: 20_000,
        ..Settings::default()
    });
    let (status, _) = post_bytes(&app, gzip(batch(&[event("e1", "s1", "A", 1)]).as_bytes())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored_events(&app, "").await.len(), 1);

    // A few hundred bytes that would inflate to a megabyte.
    let bomb = gzip(&vec![b' '; 1_000_000]);
    assert!(bomb.len() < 20_000);
    let (status, answer) = post_bytes(&app, bomb).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_field(&answer), (Some("body_too_large"), Some("body")));

    let (status, answer) = post_bytes(&app, vec![0x1f, 0x8b, 1, 2, 3]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&answer), (Some("invalid_batch"), Some("body")));
}

#[tokio::test]
async fn with_an_admin_key_reading_events_and_pages_needs_it() {
    let app = app_with(Settings {
        admin_key: Some("s3cret".into()),
        ..Settings::default()
    });
    post_batch(&app, batch(&[event("e1", "s1", "A", 1)])).await;
    for uri in ["/v1/events", "/sessions", "/sessions/s1"] {
        let (status, _, headers) = send(&app, Method::GET, uri, String::new(), &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(
            headers.get(header::WWW_AUTHENTICATE).is_some(),
            "{uri} asks the browser for the key"
        );
        let (status, _, _) = send(
            &app,
            Method::GET,
            uri,
            String::new(),
            &[("authorization", "Bearer s3cret")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{uri} with the bearer key");
        // "any:s3cret" in base64, as a browser sends it after the prompt.
        let (status, _, _) = send(
            &app,
            Method::GET,
            uri,
            String::new(),
            &[("authorization", "Basic YW55OnMzY3JldA==")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{uri} with Basic auth");
    }
}

#[tokio::test]
async fn a_batch_of_more_events_than_allowed_is_refused_whole() {
    let app = app_with(Settings {
        max_body_bytes: 10_000_000,
        ..Settings::default()
    });
    let count = parcours_core::batch::MAX_EVENTS_PER_BATCH + 1;
    let events: Vec<String> = (0..count)
        .map(|i| event(&format!("e{i}"), "s1", "A", i as u64))
        .collect();
    let (status, answer) = post_batch(&app, batch(&events)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_field(&answer), (Some("invalid_batch"), Some("events")));
    assert!(stored_events(&app, "").await.is_empty(), "nothing of it is stored");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let limited = |trust_proxy| {
        app_with(Settings {
            ip_rate_per_minute: 6, // bursts of one
            trust_proxy,
            ..Settings::default()
        })
    };
    let post_from = |app: Router, client: &'static str, id: &'static str| async move {
        let headers = [("x-forwarded-for", client)];
        send(
            &app,
            Method::POST,
            "/v1/batch",
            batch(&[event(id, "s1", "A", 1)]),
            &headers,
        )
        .await
        .0
    };
    let trusted = limited(true);
    assert_eq!(post_from(trusted.clone(), "203.0.113.1", "e1").await, StatusCode::OK);
    assert_eq!(
        post_from(trusted.clone(), "198.51.100.9, 203.0.113.2", "e2").await,
        StatusCode::OK,
        "another client: the last entry is the one the proxy added"
    );
    assert_eq!(
        post_from(trusted.clone(), "203.0.113.1", "e3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let untrusted = limited(false);
    assert_eq!(post_from(untrusted.clone(), "203.0.113.1", "e4").await, StatusCode::OK);
    assert_eq!(
        post_from(untrusted.clone(), "203.0.113.2", "e5").await,
        StatusCode::TOO_MANY_REQUESTS,
        "without --trust-proxy the header is ignored: one peer, one limit"
    );
}

#[tokio::test]
async fn survey_definitions_are_served_with_an_etag_revalidated_and_reread_when_edited() {
    let dir = std::env::temp_dir().join(format!("parcours-surveys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("surveys.json");
    std::fs::write(&file, r#"{"surveys":[{"id":"nps","questions":[{"type":"nps"}]}]}"#).unwrap();
    let app = app_with(Settings {
        surveys_file: Some(file.clone()),
        ..Settings::default()
    });
    let origin = ("origin", "https://shop.example");
    let (status, body, headers) = send(&app, Method::GET, "/v1/surveys", String::new(), &[origin]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"id\":\"nps\""));
    let etag = headers.get(header::ETAG).unwrap().to_str().unwrap().to_string();
    assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-cache");
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap(),
        "etag",
        "a page on another origin can read the ETag"
    );
    let revalidate = [origin, ("if-none-match", etag.as_str())];
    let (status, body, _) = send(&app, Method::GET, "/v1/surveys", String::new(), &revalidate).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));

    // Edited: a new ETag and the new text, without a restart.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&file, r#"{"surveys":[{"id":"ces","questions":[{"type":"ces"}]}]}"#).unwrap();
    let (status, body, headers) = send(&app, Method::GET, "/v1/surveys", String::new(), &revalidate).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"id\":\"ces\""));
    assert_ne!(headers.get(header::ETAG).unwrap().to_str().unwrap(), etag);

    // A cross-origin If-None-Match is preflighted: the collector allows it.
    let preflight = [
        origin,
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "if-none-match"),
    ];
    let (_, _, headers) = send(&app, Method::OPTIONS, "/v1/surveys", String::new(), &preflight).await;
    assert!(headers
        .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("if-none-match"));
    std::fs::remove_file(&file).unwrap();
    let (status, body, _) = send(&app, Method::GET, "/v1/surveys", String::new(), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("surveys_unavailable"));

    let (status, body, _) = send(
        &app_with(Settings::default()),
        Method::GET,
        "/v1/surveys",
        String::new(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("--surveys FILE"));
}

#[tokio::test]
async fn the_journey_map_aggregates_the_stored_summaries() {
    for app in apps() {
        let summary = |id: &str, visitor: &str, index: u64, channel: &str, stages: &str, steps: &str| {
            format!(
                r#"{{"id":"{id}","type":"track","name":"journey_summary","ts":{ts},"visitorId":"{visitor}","sessionId":"s{id}",
                    "properties":{{"v":1,"sessionIndex":{index},"startedAt":{ts},"channel":"{channel}","stages":{stages},"steps":{steps},"conversions":[]}},
                    "context":{{"page":{{"url":"https://shop.example/"}},"device":{{"class":"desktop"}}}}}}"#,
                ts = 1_000 * index,
            )
        };
        let events = [
            summary(
                "j1",
                "A",
                1,
                "email",
                r#"[{"stage":"awareness","at":0},{"stage":"consideration","at":4000}]"#,
                r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"},{"touchpoint":"/pricing","stage":"consideration","emotion":"positive","feedback":[{"questionType":"nps","value":10}]}]"#,
            ),
            summary(
                "j2",
                "B",
                1,
                "direct",
                r#"[{"stage":"awareness","at":0}]"#,
                r#"[{"touchpoint":"/","stage":"awareness","emotion":"negative","friction":["rage_click"],"feedback":[{"questionType":"nps","value":3}]}]"#,
            ),
            summary(
                "j3",
                "A",
                2,
                "email",
                r#"[{"stage":"awareness","at":0}]"#,
                r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"}]"#,
            ),
            event("e1", "s1", "Not a summary", 5),
        ];
        assert_eq!(post_batch(&app, batch(&events)).await.0, StatusCode::OK);
        let map = |query: &'static str| {
            let app = app.clone();
            async move {
                let (status, body, _) = send(
                    &app,
                    Method::GET,
                    &format!("/v1/map?stages=awareness,consideration{query}"),
                    String::new(),
                    &[],
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                json::parse(&body).unwrap()
            }
        };
        let all = map("").await;
        assert_eq!(
            (
                all.get("sessions").unwrap().as_u64(),
                all.get("visitors").unwrap().as_u64()
            ),
            (Some(3), Some(2))
        );
        let Some(Value::Array(steps)) = all.get("steps") else {
            panic!()
        };
        assert_eq!(
            steps[0].to_json(),
            r#"{"from":"awareness","to":"consideration","reached":3,"movedOn":1,"conversion":33.33,"medianMs":4000}"#
        );
        let Some(Value::Array(touchpoints)) = all.get("touchpoints") else {
            panic!()
        };
        let home = &touchpoints[0];
        assert_eq!(home.get("name").unwrap().as_str(), Some("/"));
        assert_eq!(home.get("friction").unwrap().to_json(), r#"{"rage_click":1}"#);
        assert_eq!(
            home.get("scores").unwrap().get("nps").unwrap(),
            &Value::Number("-100".into())
        );
        let email = map("&channel=email").await;
        assert_eq!(email.get("sessions").unwrap().as_u64(), Some(2));
        let returning = map("&visitor=returning").await;
        assert_eq!(returning.get("sessions").unwrap().as_u64(), Some(1));
        let (status, body, _) = send(&app, Method::GET, "/v1/map?visitor=old", String::new(), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("expected new or returning"));
    }
}

/// A journey summary of `visitor` (and `user`) through `steps`, as the SDK stores it.
fn summary_event(id: &str, visitor: &str, user: Option<&str>, index: u64, steps: &str) -> String {
    let user = user.map_or(String::new(), |u| format!(r#""userId":"{u}","#));
    format!(
        r#"{{"id":"{id}","type":"track","name":"journey_summary","ts":{ts},"visitorId":"{visitor}",{user}"sessionId":"s{id}",
            "properties":{{"v":1,"sessionIndex":{index},"startedAt":{ts},"channel":"direct","stages":[{{"stage":"awareness","at":0}}],"steps":{steps},"conversions":[]}},
            "context":{{"page":{{"url":"https://shop.example/"}},"device":{{"class":"mobile"}}}}}}"#,
        ts = 1_700_000_000_000 + 1_000 * index,
    )
}

async fn get_text(app: &Router, uri: &str) -> (StatusCode, String, axum::http::HeaderMap) {
    send(app, Method::GET, uri, String::new(), &[]).await
}

#[tokio::test]
async fn offline_touchpoints_need_a_server_key_and_join_the_users_journey() {
    let closed = app();
    let (status, body, _) = send(&closed, Method::POST, "/v1/touchpoints", "{}".into(), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("--server-key"));
    for app in apps_with(Settings {
        server_keys: vec!["srv".into()],
        ..Settings::default()
    }) {
        let web = summary_event(
            "j1",
            "v-ann",
            Some("ann@example.com"),
            1,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"}]"#,
        );
        assert_eq!(post_batch(&app, batch(&[web])).await.0, StatusCode::OK);
        let visit = r#"{"touchpoints":[{"userId":"ann@example.com","touchpoint":"Store visit","at":1700000100000,"stage":"purchase",
            "id":"pos-1","answers":[{"questionType":"csat","value":5}]},
            {"userId":"bob","touchpoint":"Support call","at":1700000200000,"stage":"retention"}]}"#;
        let post = |body: &str, key: &'static str| {
            let (app, body) = (app.clone(), body.to_string());
            async move { send(&app, Method::POST, "/v1/touchpoints", body, &[("authorization", key)]).await }
        };
        let (status, _, _) = post(visit, "Bearer wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body, _) = post(&visit.replace("\"value\":5", "\"value\":9"), "Bearer srv").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("touchpoints[0].answers[0].value"), "{body}");
        let (status, body, _) = post(visit, "Bearer srv").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, r#"{"accepted":2,"duplicates":0,"joined":1}"#)
        );
        let (_, again, _) = post(visit, "Bearer srv").await;
        assert_eq!(
            again, r#"{"accepted":0,"duplicates":2,"joined":2}"#,
            "sent twice, stored once (and Bob is known now, by his first touchpoint)"
        );
        let (_, map, _) = get_text(&app, "/v1/map").await;
        let map = json::parse(&map).unwrap();
        assert_eq!(
            (
                map.get("sessions").unwrap().as_u64(),
                map.get("visitors").unwrap().as_u64()
            ),
            (Some(3), Some(2)),
            "Ann's store visit is her second session, Bob a new visitor"
        );
        let (_, returning, _) = get_text(&app, "/v1/map?visitor=returning&channel=offline").await;
        let returning = json::parse(&returning).unwrap();
        let Some(Value::Array(touchpoints)) = returning.get("touchpoints") else {
            panic!()
        };
        assert_eq!(touchpoints.len(), 1);
        assert_eq!(touchpoints[0].get("name").unwrap().as_str(), Some("Store visit"));
        assert_eq!(touchpoints[0].get("stage").unwrap().as_str(), Some("purchase"));
        assert_eq!(
            touchpoints[0].get("scores").unwrap().get("csat").unwrap(),
            &Value::Number("100".into())
        );
    }
}

#[tokio::test]
async fn the_map_exports_as_csv_and_svg_and_drills_down_to_sessions() {
    for app in apps() {
        let steps = |emotion: &str, value: u64, variant: &str| {
            format!(
                r#"[{{"touchpoint":"/","stage":"awareness","emotion":"neutral"}},{{"touchpoint":"/pricing","stage":"awareness","emotion":"{emotion}",
                    "friction":["rage_click"],"feedback":[{{"survey":"s","variant":"{variant}","questionType":"csat","value":{value}}}]}}]"#
            )
        };
        let events = [
            summary_event("j1", "v1", None, 1, &steps("positive", 5, "a")),
            summary_event("j2", "v2", Some("u2"), 2, &steps("negative", 1, "b")),
            summary_event(
                "j3",
                "v3",
                None,
                3,
                r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"}]"#,
            ),
        ];
        assert_eq!(post_batch(&app, batch(&events)).await.0, StatusCode::OK);
        let (status, csv, headers) = get_text(&app, "/v1/map.csv?stages=awareness").await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("journey-map.csv"));
        assert!(csv.contains("\ntouchpoint,/pricing,awareness,2,2,2,50,2,"), "{csv}");
        let (status, svg, headers) = get_text(&app, "/v1/map.svg?stages=awareness").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert!(
            svg.starts_with("<svg") && svg.contains("3 sessions, 3 visitors"),
            "{svg}"
        );
        assert!(
            svg.contains("⚠ /pricing"),
            "friction in every session there: a moment of truth"
        );
        let (_, variant, _) = get_text(&app, "/v1/map?variant=b").await;
        assert_eq!(
            json::parse(&variant).unwrap().get("sessions").unwrap().as_u64(),
            Some(1)
        );
        let (status, drill, _) = get_text(&app, "/v1/map/sessions?touchpoint=/pricing&limit=1").await;
        assert_eq!(status, StatusCode::OK, "{drill}");
        let drill = json::parse(&drill).unwrap();
        assert_eq!(drill.get("matched").unwrap().as_u64(), Some(2));
        let Some(Value::Array(sessions)) = drill.get("sessions") else {
            panic!()
        };
        assert_eq!(sessions.len(), 1, "the limit");
        assert_eq!(
            sessions[0].to_json(),
            r#"{"sessionId":"sj2","visitorId":"v2","userId":"u2","startedAt":1700000002000,"channel":"direct","device":"mobile","steps":2,"emotion":"negative","friction":["rage_click"],"answers":[{"survey":"s","variant":"b","questionType":"csat","value":1}]}"#,
            "the newest session, with what happened at the touchpoint"
        );
        let (status, body, _) = get_text(&app, "/v1/map/sessions").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("touchpoint"));
        let (status, body, _) = get_text(&app, "/v1/map?from=yesterday").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("YYYY-MM-DD"));
    }
}

#[tokio::test]
async fn the_default_map_is_kept_live_through_new_journeys_duplicates_other_writers_and_erasure() {
    let dir = std::env::temp_dir().join(format!("parcours-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.db");
    let app = router(
        Store::open(&path).unwrap(),
        Settings {
            admin_key: Some("s3cret".into()),
            time_window: false, // journeys dated near 1970
            ..Settings::default()
        },
    );
    let auth = [("authorization", "Bearer s3cret")];
    let map = || {
        let app = app.clone();
        async move {
            let (status, body, headers) = send(&app, Method::GET, "/v1/map", String::new(), &auth).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let timing = headers["server-timing"].to_str().unwrap().to_string();
            (
                json::parse(&body).unwrap().get("sessions").unwrap().as_u64().unwrap(),
                timing,
            )
        }
    };
    let journey = |id: &str, visitor: &str| {
        summary_event(
            id,
            visitor,
            None,
            1,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"}]"#,
        )
    };
    post_batch(&app, batch(&[journey("j1", "v1")])).await;
    let (sessions, timing) = map().await;
    assert_eq!(sessions, 1);
    assert!(timing.contains("kept live"), "{timing}");
    post_batch(&app, batch(&[journey("j2", "v2")])).await;
    post_batch(&app, batch(&[journey("j2", "v2")])).await;
    assert_eq!(map().await.0, 2, "a new journey counts once, its resend not at all");
    let other_process = Store::open(&path).unwrap();
    other_process
        .insert_batch(
            &parcours_core::batch::decode(&batch(&[journey("j3", "v3")])).unwrap(),
            1,
        )
        .unwrap();
    assert_eq!(map().await.0, 3, "a journey stored by another process is noticed");
    let (status, _, _) = send(&app, Method::DELETE, "/v1/visitors/v1", String::new(), &auth).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(map().await.0, 2, "an erased visitor leaves the map");
    let (_, _, headers) = send(&app, Method::GET, "/v1/map?channel=direct", String::new(), &auth).await;
    assert!(
        headers["server-timing"].to_str().unwrap().contains("aggregated"),
        "filtered views are computed afresh"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_collector_pages_forbid_framing_and_foreign_scripts_and_every_answer_says_nosniff() {
    let www = std::env::temp_dir().join(format!("parcours-www-{}", std::process::id()));
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("shop.html"), "<!doctype html><script>inline()</script>").unwrap();
    let app = app_with(Settings {
        www_dir: Some(www.clone()),
        ..Settings::default()
    });
    let headers = |uri: &'static str| {
        let app = app.clone();
        async move {
            let response = app
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            response.headers().clone()
        }
    };
    for page in ["/map", "/sessions"] {
        let h = headers(page).await;
        let policy = h.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(
            policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"),
            "{page}: {policy}"
        );
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    }
    let api = headers("/v1/stats").await;
    assert_eq!(api.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    let site = headers("/shop.html").await;
    assert_eq!(site.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert!(
        site.get(header::CONTENT_SECURITY_POLICY).is_none(),
        "the site's own pages keep their headers (their inline snippet)"
    );
    std::fs::remove_dir_all(&www).unwrap();
}

#[tokio::test]
async fn an_event_dated_far_in_the_future_is_refused_alone() {
    let app = router(Store::open_in_memory().unwrap(), Settings::default());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let (status, answer) = post_batch(
        &app,
        batch(&[
            event("now", "s1", "A", now),
            event("far", "s1", "B", 253_402_300_799_000),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer.get("accepted").unwrap().as_u64(), Some(1));
    let Some(Value::Array(refused)) = answer.get("refused") else {
        panic!("{answer:?}")
    };
    assert_eq!(refused[0].get("field").unwrap().as_str(), Some("events[1].ts"));
    assert_eq!(stored_events(&app, "session=s1").await.len(), 1);
}

#[tokio::test]
async fn erasing_a_user_id_erases_the_events_of_its_visitors_from_before_identify() {
    let user_event = |id: &str, visitor: &str, user: Option<&str>| {
        let user = user.map_or(String::new(), |u| format!(r#""userId":"{u}","#));
        format!(
            r#"{{"id":"{id}","type":"track","name":"A","ts":5,"visitorId":"{visitor}",{user}"sessionId":"s-{visitor}",
                "context":{{"page":{{"url":"https://shop.example/p","path":"/p","title":"P","referrer":""}},"library":{{"name":"parcours","version":"0.1.0"}}}}}}"#
        )
    };
    for app in apps_with(Settings {
        admin_key: Some("s3cret".into()),
        ..Settings::default()
    }) {
        post_batch(
            &app,
            batch(&[
                user_event("before", "v7", None),
                user_event("after", "v7", Some("u7")),
                user_event("phone", "v8", Some("u7")),
                user_event("other", "v9", None),
            ]),
        )
        .await;
        let (status, body, _) = send(
            &app,
            Method::DELETE,
            "/v1/visitors/u7",
            String::new(),
            &[("authorization", "Bearer s3cret")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body, r#"{"deleted":3}"#,
            "the user's events and its visitors' earlier ones"
        );
        let mut left = usize::MAX;
        for _ in 0..50 {
            left = stored_events(&app, "visitor=v7").await.len() + stored_events(&app, "visitor=v8").await.len();
            if left == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await; // ClickHouse mutations
        }
        assert_eq!(left, 0);
        assert_eq!(
            stored_events(&app, "visitor=v9").await.len(),
            1,
            "another visitor is kept"
        );
    }
}

#[tokio::test]
async fn journeys_forged_with_thousands_of_touchpoints_leave_the_map_small_and_readable() {
    for app in apps() {
        for j in 0..3 {
            let steps: Vec<String> = (0..10_000)
                .map(|i| format!(r#"{{"touchpoint":"/forged/{j}/{i}","stage":"awareness","emotion":"neutral"}}"#))
                .collect();
            let body = batch(&[summary_event(
                &format!("f{j}"),
                &format!("vf{j}"),
                None,
                1,
                &format!("[{}]", steps.join(",")),
            )]);
            assert!(body.len() < 1_000_000, "within the default body limit");
            assert_eq!(post_batch(&app, body).await.0, StatusCode::OK);
        }
        let (status, body, _) = get_text(&app, "/v1/map").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.len() < 200_000, "/v1/map is {} bytes", body.len());
        let map = json::parse(&body).unwrap();
        let Some(Value::Array(touchpoints)) = map.get("touchpoints") else {
            panic!()
        };
        assert_eq!(touchpoints.len(), 200, "the busiest shown");
        assert_eq!(
            map.get("touchpointsNotShown").unwrap().as_u64(),
            Some(101),
            "and how many more"
        );
        assert!(touchpoints
            .iter()
            .any(|t| t.get("name").and_then(Value::as_str) == Some("(other touchpoints)")));
    }
}

#[tokio::test]
async fn a_session_of_huge_events_is_shown_a_page_at_a_time_with_long_values_cut() {
    for app in apps() {
        let big = "x".repeat(100_000);
        for chunk in 0..5 {
            let events: Vec<String> = (0..50)
                .map(|i| {
                    let n = chunk * 50 + i;
                    format!(
                        r#"{{"id":"h{n}","type":"track","name":"Big","ts":{n},"visitorId":"v1","sessionId":"huge",
                            "properties":{{"blob":"{big}"}},"context":{{"page":{{"url":"https://shop.example/p","path":"/p","title":"P","referrer":""}},"library":{{"name":"parcours","version":"0.1.0"}}}}}}"#
                    )
                })
                .collect();
            // Five events a batch: within the default body limit.
            for ten in events.chunks(5) {
                assert_eq!(post_batch(&app, batch(ten)).await.0, StatusCode::OK);
            }
        }
        let (status, first, _) = get_text(&app, "/sessions/huge").await;
        assert_eq!(status, StatusCode::OK);
        assert!(first.len() < 500_000, "one page is {} bytes, not 25 MB", first.len());
        assert!(first.contains("events 1 to 200"), "{}", &first[..300]);
        assert!(
            first.contains("(100011 characters)"),
            "a long value is cut and says how long it was"
        );
        assert!(first.contains("href=\"?page=2\""));
        let (_, second, _) = get_text(&app, "/sessions/huge?page=2").await;
        assert!(second.contains("events 201 to 250") && second.contains("href=\"?page=1\""));
        assert!(!second.contains("?page=3"));
        let (status, _, _) = get_text(&app, "/sessions/huge?page=9").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// The value of the sample `name` (with its labels) in a /metrics answer.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_stored_refused_and_rate_limited_batches_and_their_latency() {
    let app = app_with(Settings {
        ip_rate_per_minute: 6, // a burst of one
        admin_key: Some("s3cret-admin-key-1".into()),
        ..Settings::default()
    });
    let bad = event("e2", "s1", "B", 11).replace("\"ts\":11", "\"ts\":\"yesterday\"");
    let (status, _) = post_batch(&app, batch(&[event("e1", "s1", "A", 10), bad])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post_batch(&app, batch(&[event("e3", "s1", "A", 12)])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = send(&app, Method::GET, "/metrics", String::new(), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the admin key guards them");
    let auth = [("authorization", "Bearer s3cret-admin-key-1")];
    let (status, text, headers) = send(&app, Method::GET, "/metrics", String::new(), &auth).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    assert_eq!(sample(&text, "parcours_batches_stored_total"), Some(1.0));
    assert_eq!(sample(&text, "parcours_events_accepted_total"), Some(1.0));
    assert_eq!(
        sample(&text, "parcours_events_refused_total{code=\"invalid_batch\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "parcours_batches_refused_total{code=\"rate_limited\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "parcours_batch_request_seconds_count"), Some(2.0));
    assert_eq!(sample(&text, "parcours_store_write_seconds_count"), Some(1.0));
    assert!(sample(&text, "parcours_store_write_seconds_bucket{le=\"+Inf\"}") == Some(1.0));
}

#[tokio::test]
async fn wrong_admin_keys_are_throttled_per_client_and_the_right_key_is_not_guessed() {
    let app = app_with(Settings {
        admin_key: Some("the-real-admin-key".into()),
        ..Settings::default()
    });
    let get = |key: &'static str| {
        let app = app.clone();
        async move {
            let auth = format!("Bearer {key}");
            send(
                &app,
                Method::GET,
                "/v1/events",
                String::new(),
                &[("authorization", auth.as_str())],
            )
            .await
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..1_000 {
        statuses.push(get("a-wrong-admin-key-0").await.0);
    }
    let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(
        unauthorized, 10,
        "a burst of ten wrong keys is answered; then the client waits"
    );
    assert_eq!(statuses[999], StatusCode::TOO_MANY_REQUESTS);
    // While it waits, even the right key is not tried: guessing gains nothing.
    let (status, text, headers) = get("the-real-admin-key").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(
        error_field(&json::parse(&text).unwrap()),
        (Some("rate_limited"), Some("authorization"))
    );
    // Batches are not held up by it.
    let (status, _) = post_batch(&app, batch(&[event("e1", "s1", "A", 10)])).await;
    assert_eq!(status, StatusCode::OK);
}

/// ClickHouse over HTTPS, when `scripts/clickhouse.sh` could make its server
/// a certificate (`PARCOURS_CLICKHOUSE_TLS`, `PARCOURS_CLICKHOUSE_CA`: the
/// test command exports them): with the private CA trusted, events go in
/// and come back; without it, or with another CA, the store refuses to
/// start and says the certificate is the reason.
#[tokio::test]
async fn clickhouse_over_tls_checks_the_servers_certificate() {
    let (Ok(url), Ok(ca)) = (
        std::env::var("PARCOURS_CLICKHOUSE_TLS"),
        std::env::var("PARCOURS_CLICKHOUSE_CA"),
    ) else {
        eprintln!("no ClickHouse over TLS here (PARCOURS_CLICKHOUSE_TLS): skipped");
        return;
    };
    let url = format!("{}/parcours_tls_{}", url.trim_end_matches('/'), std::process::id());
    let store = Store::clickhouse(&url, Some(std::path::Path::new(&ca))).unwrap_or_else(|e| panic!("over TLS: {e}"));
    assert!(store.describe().ends_with("(TLS)"), "{}", store.describe());
    let app = router(
        store,
        Settings {
            time_window: false,
            ..Settings::default()
        },
    );
    let body = batch(&[event("tls-1", "s1", "Signed Up", 1_700_000_000_000)]);
    let (status, answer, _) = send(&app, Method::POST, "/v1/batch", body, &[]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.contains("\"accepted\":1"), "{answer}");

    // The web's roots do not know the private CA.
    let refused = Store::clickhouse(&url, None)
        .err()
        .expect("an unknown CA is refused")
        .to_string();
    assert!(
        refused.to_lowercase().contains("certificate") || refused.contains("UnknownIssuer"),
        "{refused}"
    );
    // A file that is not a CA certificate says so.
    let not_pem = std::env::temp_dir().join(format!("parcours-not-a-ca-{}", std::process::id()));
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let refused = Store::clickhouse(&url, Some(&not_pem))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        refused.contains("--store-ca") && refused.contains("no certificate"),
        "{refused}"
    );
    std::fs::remove_file(&not_pem).unwrap();
    // --store-ca over plain HTTP is a mistake worth naming.
    if let Ok(plain) = std::env::var("PARCOURS_CLICKHOUSE") {
        let refused = Store::clickhouse(&plain, Some(std::path::Path::new(&ca)))
            .err()
            .expect("refused")
            .to_string();
        assert!(refused.contains("clickhouses://"), "{refused}");
    }
}
