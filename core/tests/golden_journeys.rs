//! Golden tests: realistic recorded journeys (tests/fixtures/journeys/*.json)
//! played through the tracker; the journey_summary must equal the committed
//! `*.summary.json`, field by field. After a deliberate change, rewrite the
//! expectations with `PARCOURS_UPDATE_GOLDEN=1 cargo test --test golden_journeys`
//! and read the diff before committing it.

use std::path::Path;

use parcours_core::config::parse_options;
use parcours_core::event::EventKind;
use parcours_core::json::{self, Value};
use parcours_core::platform::{MemoryStore, SeededRandom};
use parcours_core::tracker::Tracker;

const START: u64 = 1_790_000_000_000;

fn summary_of(fixture: &Value) -> Value {
    let options = fixture.get("options").unwrap().to_json();
    let config = parse_options(&options).unwrap().config;
    let mut store = MemoryStore::default();
    let mut random = SeededRandom(1);
    let mut tracker = Tracker::start(config, &mut store, &mut random, START);
    let Some(Value::Array(calls)) = fixture.get("calls") else {
        panic!("calls")
    };
    let mut last = START;
    for call in calls {
        let at = START + call.get("at").unwrap().as_u64().unwrap();
        last = at;
        if let Some(url) = call.get("page").and_then(Value::as_str) {
            match call.get("referrer").and_then(Value::as_str) {
                Some(referrer) => tracker.begin_page_load(url, "Shop", referrer),
                None => {
                    let previous = tracker.page().url.clone();
                    tracker.set_page(url, "Shop", &previous);
                }
            }
            tracker
                .record(EventKind::Page, "page_view", "", at, &mut random)
                .unwrap();
        } else {
            let name = call.get("track").unwrap().as_str().unwrap();
            let properties = call.get("properties").map(Value::to_json).unwrap_or_default();
            tracker
                .record(EventKind::Track, name, &properties, at, &mut random)
                .unwrap();
        }
    }
    let end = match fixture.get("end").and_then(Value::as_str) {
        Some("reset") => {
            tracker.reset(&mut store, &mut random, last + 1);
            last + 1
        }
        _ => last + 31 * 60_000,
    };
    let mut summaries = Vec::new();
    while let Some(body) = tracker.next_batch(end, true, &mut random) {
        if let Some(Value::Array(events)) = json::parse(&body).unwrap().get("events") {
            summaries.extend(
                events
                    .iter()
                    .filter(|e| e.get("name").and_then(Value::as_str) == Some("journey_summary"))
                    .cloned(),
            );
        }
        tracker.settle(200, None, end, &mut random);
    }
    assert_eq!(summaries.len(), 1, "one summary");
    let mut summary = summaries.remove(0).get("properties").unwrap().clone();
    // Ids come from the random source: compare their presence, not their value.
    if let Value::Object(fields) = &mut summary {
        for (key, value) in fields.iter_mut() {
            if key == "sessionId" {
                *value = Value::String("<session id>".into());
            }
        }
    }
    summary
}

/// Pretty JSON, one field per line, so a golden diff reads like a review.
fn pretty(value: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            out.push_str("{\n");
            for (i, (key, v)) in fields.iter().enumerate() {
                out.push_str(&pad);
                json::write_string(out, key);
                out.push_str(": ");
                pretty(v, indent + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
        Value::Array(items) if items.iter().any(|v| matches!(v, Value::Object(_))) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                out.push_str(&pad);
                pretty(v, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        other => other.write(out),
    }
}

#[test]
fn recorded_journeys_summarise_as_committed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journeys");
    let update = std::env::var("PARCOURS_UPDATE_GOLDEN").is_ok();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".json") || name.ends_with(".summary.json") {
            continue;
        }
        let fixture = json::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let summary = summary_of(&fixture);
        let expected_path = dir.join(name.replace(".json", ".summary.json"));
        if update {
            let mut text = String::new();
            pretty(&summary, 0, &mut text);
            std::fs::write(&expected_path, text + "\n").unwrap();
        }
        let expected = json::parse(
            &std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|_| panic!("{} is missing", expected_path.display())),
        )
        .unwrap();
        let (Value::Object(got), Value::Object(want)) = (&summary, &expected) else {
            panic!()
        };
        for (key, value) in want {
            let actual = got.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            assert_eq!(actual, Some(value), "{name}: field {key}");
        }
        assert_eq!(got.len(), want.len(), "{name}: same fields");
        checked += 1;
    }
    assert_eq!(checked, 3, "every fixture was checked");
}
