//! The journey-engine benchmark of `server/benches/journey.rs`, in WebAssembly
//! in headless Chromium (prints figures; asserts only that events flowed):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --release --target wasm32-unknown-unknown --test journey_bench -- --nocapture`
#![cfg(target_arch = "wasm32")]

use parcours_core::config::parse_options;
use parcours_core::platform::{MemoryStore, SeededRandom};
use parcours_core::tracker::Tracker;
use parcours_server::simulate::{play, visitor, Call};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const OPTIONS: &str = r#"{"endpoint":"/v1/batch","summariesOnly":true,
  "stageRules":[{"stage":"consideration","url":"/demo/pricing.html"},{"stage":"decision","url":{"prefix":"/demo/signup"}},
                {"stage":"purchase","event":"Order Completed"},{"stage":"retention","event":"Support Requested"}],
  "conversions":[{"event":"Order Completed","valueProperty":"total","currencyProperty":"currency"}]}"#;

#[wasm_bindgen_test]
fn journey_engine_throughput_in_the_browser() {
    let target = 1_000_000;
    let mut visitors: Vec<Vec<Call>> = Vec::new();
    let (mut total, mut seed) = (0, 1);
    while total < target {
        let calls = visitor(seed, 1 + (seed % 5) as u32, 1_700_000_000_000);
        total += calls.len();
        visitors.push(calls);
        seed += 1;
    }
    let config = parse_options(OPTIONS).unwrap().config;
    let mut rates = Vec::new();
    for _ in 0..3 {
        let mut random = SeededRandom(42);
        let mut engine_ms = 0.0;
        for calls in &visitors {
            let started = js_sys::Date::now();
            let mut store = MemoryStore::default();
            let mut tracker = Tracker::start(config.clone(), &mut store, &mut random, 1_700_000_000_000);
            play(&mut tracker, &mut store, &mut random, calls);
            let end = calls.last().map_or(0, |c| c.ts) + 86_400_000;
            tracker.tick(end);
            engine_ms += js_sys::Date::now() - started;
            while tracker.next_batch(end, true, &mut random).is_some() {
                tracker.settle(200, None, end, &mut random);
            }
        }
        rates.push(total as f64 / (engine_ms / 1000.0));
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    console_log!(
        "journey engine in wasm (Chromium): {} events, {} visitors: median {:.0} events/s (runs: {:.0}, {:.0}, {:.0})",
        total,
        visitors.len(),
        rates[1],
        rates[0],
        rates[1],
        rates[2]
    );
    assert!(rates[1] > 0.0);
}
