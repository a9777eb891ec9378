//! Browser tests of the shell's adapters (localStorage, Web Crypto, page
//! context) in headless Chromium: `cargo test --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use parcours_core::json::{self, Value};
use parcours_core::port::op;

/// The port's `call` with `s1` and up to five numbers.
fn call(op: u8, s1: &str, numbers: &[f64]) -> String {
    let n = |i: usize| numbers.get(i).copied().unwrap_or(0.0);
    parcours::call(op, Some(s1.into()), None, n(0), n(1), n(2), n(3), n(4))
}
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn crypto() -> Option<web_sys::Crypto> {
    web_sys::window().unwrap().crypto().ok()
}

/// Starts the shell the way the facade does.
fn start(options: &str) -> String {
    parcours::start(options, now(), Some(storage()), None, crypto(), "{}", "", None)
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn events(body: &str) -> Vec<Value> {
    match json::parse(body).unwrap().get("events") {
        Some(Value::Array(events)) => events.clone(),
        other => panic!("no events: {other:?}"),
    }
}

#[wasm_bindgen_test]
fn start_reports_bad_options_with_the_field() {
    let report = json::parse(&start(r#"{"endpoint":"/b","flushAt":0}"#)).unwrap();
    assert_eq!(report.get("ok").unwrap().as_bool(), Some(false));
    assert_eq!(
        report.get("error").unwrap().get("field").unwrap().as_str(),
        Some("options.flushAt")
    );
}

#[wasm_bindgen_test]
fn events_carry_the_real_page_and_a_visitor_kept_in_local_storage() {
    storage().clear().unwrap();
    let report = json::parse(&start(r#"{"endpoint":"/v1/batch","flushAt":1}"#)).unwrap();
    assert_eq!(report.get("ok").unwrap().as_bool(), Some(true));
    assert_eq!(report.get("persistent").unwrap().as_bool(), Some(true));
    let stored_visitor = storage().get_item("parcours.vid").unwrap().expect("visitor id stored");

    let href = web_sys::window().unwrap().location().href().unwrap();
    call(op::BEGIN, "Test page", &[]);
    assert_eq!(parcours::record(0, "Clicked", r#"{"a":1}"#, now(), &href) & 1, 0);
    call(op::END, "", &[]);
    let body = call(op::NEXT_BATCH, "", &[0.0, now(), 0.0]);
    let event = &events(&body)[0];
    assert_eq!(event.get("visitorId").unwrap().as_str(), Some(stored_visitor.as_str()));
    let page = event.get("context").unwrap().get("page").unwrap();
    assert_eq!(page.get("url").unwrap().as_str(), Some(href.as_str()));
    assert_eq!(page.get("title").unwrap().as_str(), Some("Test page"));
    assert!(
        storage().get_item("parcours.session").unwrap().is_some(),
        "session shared through storage"
    );

    // A second start (a new page load) keeps the visitor.
    start(r#"{"endpoint":"/v1/batch"}"#);
    let state = json::parse(&call(op::STATE, "", &[])).unwrap();
    assert_eq!(state.get("visitorId").unwrap().as_str(), Some(stored_visitor.as_str()));
}

#[wasm_bindgen_test]
fn ids_from_web_crypto_are_unique() {
    storage().clear().unwrap();
    start(r#"{"endpoint":"/v1/batch","flushAt":1000,"maxBatchBytes":1000000}"#);
    let href = web_sys::window().unwrap().location().href().unwrap();
    for _ in 0..500 {
        parcours::record(0, "e", "", now(), &href);
    }
    let body = call(op::NEXT_BATCH, "", &[0.0, now(), 1.0]);
    let mut ids: Vec<String> = events(&body)
        .iter()
        .map(|e| e.get("id").unwrap().as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 500);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 500);
}

#[wasm_bindgen_test]
fn blocked_storage_falls_back_to_memory() {
    let report = json::parse(&parcours::start(
        r#"{"endpoint":"/v1/batch"}"#,
        now(),
        None,
        None,
        crypto(),
        "{}",
        "",
        None,
    ))
    .unwrap();
    assert_eq!(report.get("ok").unwrap().as_bool(), Some(true));
    assert_eq!(report.get("persistent").unwrap().as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn a_full_storage_quota_degrades_to_memory_without_failing() {
    let local = storage();
    local.clear().unwrap();
    // Fill localStorage to its quota.
    let chunk = "x".repeat(512 * 1024);
    let mut i = 0;
    while local.set_item(&format!("filler{i}"), &chunk).is_ok() {
        i += 1;
    }
    let small = "y".repeat(1024);
    while local.set_item(&format!("small{i}"), &small).is_ok() {
        i += 1;
    }
    let report = json::parse(&start(r#"{"endpoint":"/v1/batch","flushAt":1}"#)).unwrap();
    assert_eq!(report.get("ok").unwrap().as_bool(), Some(true));
    let href = web_sys::window().unwrap().location().href().unwrap();
    call(op::BEGIN, "Test page", &[]);
    assert_eq!(parcours::record(0, "still works", "", now(), &href) & 1, 0);
    call(op::END, "", &[]);
    assert_eq!(events(&call(op::NEXT_BATCH, "", &[0.0, now(), 1.0])).len(), 1);
    let state = json::parse(&call(op::STATE, "", &[])).unwrap();
    assert_eq!(state.get("storageDegraded").unwrap().as_bool(), Some(true));
    local.clear().unwrap();
}
