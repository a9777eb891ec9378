//! Invariants of the journey engine over arbitrary event sequences, with
//! clock skew and long gaps: every event belongs to exactly one session and
//! that session's summary counts it; dwell times and offsets are never
//! negative; stages are listed in the order they were entered.

use parcours_core::config::parse_options;
use parcours_core::event::EventKind;
use parcours_core::json::{self, Value};
use parcours_core::platform::{MemoryStore, SeededRandom};
use parcours_core::tracker::Tracker;
use proptest::prelude::*;
use std::collections::HashMap;

const PAGES: [&str; 5] = ["/", "/pricing", "/signup", "/checkout", "/support"];
const EVENTS: [(&str, &str); 4] = [
    ("Plan Chosen", r#"{"plan":"pro"}"#),
    ("Order Completed", r#"{"total":10}"#),
    ("friction", r#"{"type":"rage_click"}"#),
    ("survey_answered", r#"{"questionType":"nps","value":3}"#),
];

#[derive(Debug, Clone)]
struct Step {
    gap_ms: u64,
    skew_ms: i64,
    page: Option<usize>,
    event: usize,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let gap = prop_oneof![8 => 0u64..120_000, 1 => 30 * 60_000u64..3 * 3_600_000];
    prop::collection::vec(
        (gap, -5_000i64..5_000, prop::option::of(0..PAGES.len()), 0..EVENTS.len()).prop_map(
            |(gap_ms, skew_ms, page, event)| Step {
                gap_ms,
                skew_ms,
                page,
                event,
            },
        ),
        1..60,
    )
}

fn events_of(body: &str) -> Vec<Value> {
    match json::parse(body).unwrap().get("events") {
        Some(Value::Array(events)) => events.clone(),
        _ => panic!("no events"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_event_is_in_one_session_and_its_summary_counts_it(script in steps()) {
        let config = parse_options(r#"{"endpoint":"/b","flushAt":1000,
            "stageRules":[{"stage":"consideration","url":"/pricing"},{"stage":"decision","url":"/signup"},
                          {"stage":"purchase","event":"Order Completed"}]}"#).unwrap().config;
        let mut store = MemoryStore::default();
        let mut random = SeededRandom(1);
        let mut tracker = Tracker::start(config, &mut store, &mut random, 1_000_000);
        tracker.set_page("https://s.example/", "S", "");
        let mut now: u64 = 1_000_000;
        let mut sent = Vec::new();
        for step in &script {
            now += step.gap_ms;
            let ts = (now as i64 + step.skew_ms) as u64;
            let (kind, name, props) = match step.page {
                Some(p) => {
                    let previous = tracker.page().url.clone();
                    tracker.set_page(&("https://s.example".to_string() + PAGES[p]), "S", &previous);
                    (EventKind::Page, "page_view", "")
                }
                None => (EventKind::Track, EVENTS[step.event].0, EVENTS[step.event].1),
            };
            tracker.load_session(&store);
            tracker.record(kind, name, props, ts, &mut random).unwrap();
            tracker.save_session(&mut store);
        }
        tracker.reset(&mut store, &mut random, now + 1);
        while let Some(body) = tracker.next_batch(now + 1, true, &mut random) {
            sent.extend(events_of(&body));
            tracker.settle(200, None, now + 1, &mut random);
        }

        let mut raw_per_session: HashMap<String, u64> = HashMap::new();
        let mut pages_per_session: HashMap<String, u64> = HashMap::new();
        let mut summaries: HashMap<String, Value> = HashMap::new();
        for event in &sent {
            let session = event.get("sessionId").unwrap().as_str().unwrap().to_string();
            if event.get("name").unwrap().as_str() == Some("journey_summary") {
                prop_assert!(summaries.insert(session, event.get("properties").unwrap().clone()).is_none(), "one summary per session");
            } else {
                *raw_per_session.entry(session.clone()).or_default() += 1;
                if event.get("type").unwrap().as_str() == Some("page") {
                    *pages_per_session.entry(session).or_default() += 1;
                }
            }
        }
        prop_assert_eq!(raw_per_session.values().sum::<u64>(), script.len() as u64);
        prop_assert_eq!(raw_per_session.len(), summaries.len(), "every session with events is summarised");
        for (session, count) in &raw_per_session {
            let summary = &summaries[session];
            prop_assert_eq!(summary.get("eventCount").unwrap().as_u64(), Some(*count));
            prop_assert_eq!(summary.get("pageCount").unwrap().as_u64(), Some(pages_per_session.get(session).copied().unwrap_or(0)));
            prop_assert!(summary.get("durationMs").unwrap().as_u64().is_some());
            let Some(Value::Array(steps)) = summary.get("steps") else { panic!() };
            for step in steps {
                prop_assert!(step.get("dwellMs").unwrap().as_u64().is_some(), "dwell is a non-negative integer");
                prop_assert!(step.get("at").unwrap().as_u64().is_some(), "offset is a non-negative integer");
            }
            // Stages are listed in the order the steps first reached them.
            let Some(Value::Array(stages)) = summary.get("stages") else { panic!() };
            let listed: Vec<&str> = stages.iter().map(|s| s.get("stage").unwrap().as_str().unwrap()).collect();
            let mut reached: Vec<&str> = Vec::new();
            for step in steps {
                if let Some(stage) = step.get("stage").and_then(Value::as_str) {
                    if !reached.contains(&stage) {
                        reached.push(stage);
                    }
                }
            }
            prop_assert_eq!(&listed, &reached);
        }
    }
}
