//! `parcours-collector seed`: fills a store with simulated visitors of the
//! demo shop (`parcours_server::simulate`), recorded by the SDK's own core
//! with the demo's stage rules and conversions, so that the events, the
//! journey summaries and their figures are what real visits would give.
//! Some signed-up visitors also get an offline touchpoint (a store visit or
//! a support call), as `POST /v1/touchpoints` would record it.

use parcours_core::batch::{self, ReceivedBatch};
use parcours_core::config::parse_options;
use parcours_core::date::DAY_MS;
use parcours_core::platform::{MemoryStore, SeededRandom};
use parcours_core::tracker::Tracker;
use parcours_server::offline::OfflineTouchpoint;
use parcours_server::simulate::{play, visitor};

use crate::store::{Store, StoreError, Stored};

/// The demo shop's `init` options (`www/demo/shop.js`), with batches as
/// large as the SDK allows so that seeding is quick.
const DEMO_OPTIONS: &str = r#"{"endpoint":"/v1/batch","writeKey":"demo_site","flushAt":1000,
  "maxQueueEvents":1000000,"maxQueueBytes":100000000,
  "stageRules":[{"stage":"consideration","url":"/demo/product.html"},{"stage":"consideration","url":"/demo/pricing.html"},
                {"stage":"decision","url":"/demo/signup.html"},{"stage":"decision","url":"/demo/checkout.html"},
                {"stage":"purchase","event":"Order Completed"},{"stage":"retention","event":"Support Requested"}],
  "conversions":[{"event":"Order Completed","valueProperty":"total","currencyProperty":"currency"},{"event":"Signed Up"}]}"#;

/// Devices as the browser would report them: mostly phones, then desktops.
const DEVICES: [&str; 20] = [
    MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, MOBILE, DESKTOP, DESKTOP, DESKTOP,
    DESKTOP, DESKTOP, DESKTOP, DESKTOP, TABLET, TABLET,
];
const MOBILE: &str = r#"{"screenWidth":390,"screenHeight":844,"touchPoints":5,"mobile":true,"language":"fr-FR"}"#;
const DESKTOP: &str = r#"{"screenWidth":1920,"screenHeight":1080,"touchPoints":0,"mobile":false,"language":"fr-FR"}"#;
const TABLET: &str = r#"{"screenWidth":820,"screenHeight":1180,"touchPoints":5,"mobile":false,"language":"fr-FR"}"#;

/// The shortest period seeded: room for a visitor's return visits.
const MIN_DAYS: u64 = 17;

/// Events written to the store at a time.
const CHUNK_EVENTS: usize = 20_000;

pub struct SeedOptions {
    /// At least this many events (the last visitor completes its visits).
    pub events: usize,
    /// Visits happen over the `days` before `now` (ms since 1970).
    pub now: u64,
    pub days: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub events: usize,
    pub visitors: usize,
    pub sessions: usize,
    pub offline: usize,
    pub duplicates: usize,
}

/// Simulates visitors into `store` until `options.events` events are
/// stored; `progress` hears the running count after each write.
pub fn seed(store: &Store, options: &SeedOptions, mut progress: impl FnMut(usize)) -> Result<Seeded, StoreError> {
    let config = parse_options(DEMO_OPTIONS)
        .map_err(|e| StoreError(format!("demo options: {}", e.message())))?
        .config;
    let rules = config.journey.clone();
    // A visitor's four visits at most are up to five days apart: first
    // visits start early enough for the last to fall before now.
    let days = options.days.max(MIN_DAYS);
    let first_day = options.now.saturating_sub(days * DAY_MS);
    let span = (days - MIN_DAYS + 1) * DAY_MS;
    let mut seeded = Seeded::default();
    let mut pending: Vec<ReceivedBatch> = Vec::new();
    let mut pending_events = 0;
    let mut write = |pending: &mut Vec<ReceivedBatch>, seeded: &mut Seeded| -> Result<(), StoreError> {
        let stored: Stored = store.insert_batches(pending, options.now as i64, &mut |_| {})?;
        seeded.events += stored.accepted;
        seeded.duplicates += stored.duplicates;
        pending.clear();
        progress(seeded.events);
        Ok(())
    };
    let mut visitor_seed: u64 = 1;
    while seeded.events + pending_events < options.events {
        let sessions = 1 + (visitor_seed % 4) as u32;
        let start = first_day + visitor_seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) % span;
        let calls = visitor(visitor_seed, sessions, start);
        let mut random = SeededRandom(visitor_seed);
        let mut memory = MemoryStore::default();
        let mut tracker = Tracker::start(config.clone(), &mut memory, &mut random, start);
        tracker.set_device(DEVICES[(visitor_seed % DEVICES.len() as u64) as usize]);
        play(&mut tracker, &mut memory, &mut random, &calls);
        let end = calls.last().map_or(start, |c| c.ts) + DAY_MS;
        tracker.tick(end);
        while let Some(text) = tracker.next_batch(end, true, &mut random) {
            let decoded = batch::decode(&text).map_err(|e| StoreError(format!("simulated batch: {}", e.message())))?;
            pending_events += decoded.events.len();
            pending.push(decoded);
            tracker.settle(200, None, end, &mut random);
        }
        if let Some(user) = tracker.user_id().filter(|_| visitor_seed.is_multiple_of(5)) {
            let touchpoint = offline_touchpoint(visitor_seed, user, end);
            let event = touchpoint.summary_event(tracker.visitor_id(), sessions + 1, &rules);
            let decoded = batch::decode(&format!("{{\"v\":1,\"events\":[{event}]}}"))
                .map_err(|e| StoreError(format!("offline touchpoint: {}", e.message())))?;
            pending_events += 1;
            pending.push(decoded);
            seeded.offline += 1;
        }
        seeded.visitors += 1;
        seeded.sessions += sessions as usize;
        if pending_events >= CHUNK_EVENTS {
            write(&mut pending, &mut seeded)?;
            pending_events = 0;
        }
        visitor_seed += 1;
    }
    if !pending.is_empty() {
        write(&mut pending, &mut seeded)?;
    }
    Ok(seeded)
}

/// A store visit (with a CSAT answer) or a support call (with a CES answer).
fn offline_touchpoint(seed: u64, user: &str, at: u64) -> OfflineTouchpoint {
    let store_visit = seed.is_multiple_of(2);
    let (touchpoint, stage, kind, values): (&str, &str, &str, &[u64]) = if store_visit {
        ("Store visit", "purchase", "csat", &[5, 4, 4, 3, 2])
    } else {
        ("Support call", "retention", "ces", &[7, 6, 5, 3, 2])
    };
    let value = values[(seed / 10 % values.len() as u64) as usize];
    OfflineTouchpoint {
        id: format!("seed-{seed}"),
        user_id: user.to_string(),
        touchpoint: touchpoint.to_string(),
        channel: parcours_core::attribution::Channel::Offline,
        stage: Some(stage.to_string()),
        at,
        answers: vec![(format!("{touchpoint} survey"), kind.to_string(), value)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_stores_realistic_journeys_that_the_map_reads() {
        let store = Store::open_in_memory().unwrap();
        let options = SeedOptions {
            events: 3_000,
            now: 1_795_000_000_000,
            days: 30,
        };
        let seeded = seed(&store, &options, |_| {}).unwrap();
        assert!(seeded.events >= 3_000 && seeded.duplicates == 0, "{seeded:?}");
        assert_eq!(store.count_events().unwrap() as usize, seeded.events);
        let stages = parcours_core::journey::JourneyRules::default().stages;
        let map = crate::live::aggregate(&store, &stages, Default::default()).unwrap();
        assert_eq!(
            map.totals.sessions as usize,
            seeded.sessions + seeded.offline,
            "one summary per session"
        );
        assert!(map
            .touchpoints
            .iter()
            .any(|t| t.name == "/demo/pricing.html" && t.stage == "consideration"));
        assert!(map
            .touchpoints
            .iter()
            .any(|t| t.name == "Store visit" || t.name == "Support call"));
        let scores = |name: &str| map.stages.iter().find(|s| s.name == name).unwrap().scores.clone();
        assert!(scores("purchase").csat_answers > 0, "CSAT after orders");
        assert!(scores("retention").ces_answers > 0, "CES after support requests");
        assert!(
            map.stages.iter().map(|s| s.scores.nps_answers).sum::<u64>() > 0,
            "NPS on return visits"
        );
        // Page loads report their vitals: the pricing page paints late,
        // checkout answers slowly, and the slowest are friction.
        let vitals = |name: &str| {
            let place = map.touchpoints.iter().find(|t| t.name == name).unwrap();
            place.vitals_p75().map(|(p75, n)| (p75.unwrap(), n))
        };
        let ([pricing_lcp, _, _], [home_lcp, _, _]) = (vitals("/demo/pricing.html"), vitals("/demo/"));
        assert!(
            pricing_lcp.1 > 0 && pricing_lcp.0 > 2_500 && home_lcp.0 < pricing_lcp.0,
            "{pricing_lcp:?} {home_lcp:?}"
        );
        assert!(vitals("/demo/checkout.html")[1].0 > 500, "checkout's INP is poor");
        let friction = |kind: &str| {
            map.touchpoints
                .iter()
                .any(|t| t.friction.iter().any(|(k, _)| k == kind))
        };
        assert!(friction("slow_interaction") && friction("layout_shift"));
        // Deterministic: the same options store the same events.
        let again = Store::open_in_memory().unwrap();
        assert_eq!(seed(&again, &options, |_| {}).unwrap(), seeded);
    }
}
