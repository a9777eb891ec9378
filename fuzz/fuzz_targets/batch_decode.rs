//! The collector's batch decoder on arbitrary bodies: it must never panic,
//! every refusal must name a field, and what it accepts must be consistent
//! with the limits it promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcours_core::batch::{decode, MAX_EVENTS_PER_BATCH};
use parcours_core::json;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    match decode(body) {
        Ok(batch) => {
            assert!(batch.events.len() <= MAX_EVENTS_PER_BATCH);
            for event in &batch.events {
                assert!(!event.id.is_empty(), "an accepted event has an id");
                // What the collector stores must itself be valid JSON.
                json::parse(&event.raw).expect("raw is JSON");
                json::parse(&event.properties).expect("properties are JSON");
            }
        }
        Err(error) => {
            assert!(!error.message().is_empty());
            assert!(!error.to_json().is_empty());
            json::parse(&error.to_json()).expect("the error answer is JSON");
        }
    }
});
