//! Native benchmark of the journey engine (prints figures; asserts nothing):
//! 1,000,000 synthetic events from many visitors over many sessions, through
//! the tracker as the browser runs it (sessions, attribution, stage rules,
//! journeys, summaries), once with summaries only and once also encoding every
//! raw event for delivery. Also reports the memory one active session holds.
//!
//! `cargo bench -p parcours-server --bench journey` (add `-- 200000` for fewer events).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use parcours_core::config::parse_options;
use parcours_core::platform::{MemoryStore, SeededRandom, Store};
use parcours_core::tracker::Tracker;
use parcours_server::simulate::{play, visitor, Call};

/// Counts live heap bytes, to measure what a session holds.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}
#[global_allocator]
static ALLOCATOR: Counting = Counting;

const OPTIONS: &str = r#"{"endpoint":"/v1/batch","flushAt":1000,"maxQueueEvents":1000000,"maxQueueBytes":100000000,
  "stageRules":[{"stage":"consideration","url":"/demo/pricing.html"},{"stage":"decision","url":{"prefix":"/demo/signup"}},
                {"stage":"purchase","event":"Order Completed"},{"stage":"retention","event":"Support Requested"}],
  "conversions":[{"event":"Order Completed","valueProperty":"total","currencyProperty":"currency"}]"#;

fn workload(target: usize) -> Vec<Vec<Call>> {
    let mut visitors = Vec::new();
    let mut total = 0;
    let mut seed = 1;
    while total < target {
        let calls = visitor(seed, 1 + (seed % 5) as u32, 1_700_000_000_000);
        total += calls.len();
        visitors.push(calls);
        seed += 1;
    }
    visitors
}

/// Returns (events, seconds in the engine, seconds assembling batches, batches).
/// The engine's time covers every call and every summary (the last session's
/// included); assembling request bodies is delivery's work, timed apart.
fn run(visitors: &[Vec<Call>], extra: &str) -> (usize, f64, f64, usize) {
    let config = parse_options(&(OPTIONS.to_string() + extra + "}")).unwrap().config;
    let mut random = SeededRandom(42);
    let (mut events, mut engine, mut delivery, mut batches) = (0, 0.0, 0.0, 0);
    for calls in visitors {
        let started = Instant::now();
        let mut store = MemoryStore::default();
        let mut tracker = Tracker::start(config.clone(), &mut store, &mut random, 1_700_000_000_000);
        play(&mut tracker, &mut store, &mut random, calls);
        let end = calls.last().map_or(0, |c| c.ts) + 86_400_000;
        tracker.tick(end);
        engine += started.elapsed().as_secs_f64();
        events += calls.len();
        let started = Instant::now();
        while tracker.next_batch(end, true, &mut random).is_some() {
            tracker.settle(200, None, end, &mut random);
            batches += 1;
        }
        delivery += started.elapsed().as_secs_f64();
    }
    (events, engine, delivery, batches)
}

fn main() {
    let target: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let visitors = workload(target);
    let sessions: u64 = (1..=visitors.len() as u64).map(|s| 1 + s % 5).sum();
    println!(
        "workload: {} events, {} visitors, {} sessions",
        visitors.iter().map(Vec::len).sum::<usize>(),
        visitors.len(),
        sessions
    );
    let modes = [
        ("journey engine (summariesOnly)", r#","summariesOnly":true"#),
        ("engine + raw event encoding", ""),
    ];
    let only = std::env::var("PARCOURS_BENCH_MODE").ok();
    for (label, extra) in modes
        .into_iter()
        .filter(|(label, _)| only.as_deref().is_none_or(|o| label.contains(o)))
    {
        let mut rates = Vec::new();
        let mut delivery_rates = Vec::new();
        for _ in 0..3 {
            let (events, engine, delivery, _) = run(&visitors, extra);
            rates.push(events as f64 / engine);
            delivery_rates.push(events as f64 / delivery);
        }
        rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
        delivery_rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{label:34} median {:>10.0} events/s (runs: {}); batch assembly {:.0} events/s",
            rates[1],
            rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", "),
            delivery_rates[1]
        );
    }

    // Memory one active session holds: a visitor deep in a long session.
    let config = parse_options(&(OPTIONS.to_string() + r#","summariesOnly":true}"#))
        .unwrap()
        .config;
    let mut random = SeededRandom(7);
    let calls: Vec<Call> = visitor(3, 1, 0)
        .into_iter()
        .cycle()
        .take(200)
        .enumerate()
        .map(|(i, mut c)| {
            c.ts = i as u64 * 5_000;
            c
        })
        .collect();
    let mut store = MemoryStore::default();
    let before = LIVE.load(Ordering::Relaxed);
    let mut tracker = Tracker::start(config, &mut store, &mut random, 0);
    let after_start = LIVE.load(Ordering::Relaxed);
    play(&mut tracker, &mut store, &mut random, &calls[..20]);
    let after_20 = LIVE.load(Ordering::Relaxed);
    play(&mut tracker, &mut store, &mut random, &calls[20..]);
    let after_200 = LIVE.load(Ordering::Relaxed);
    println!(
        "memory per active session: tracker {} B, +{} B after 20 events, +{} B after 200 (steps capped at maxJourneySteps=200); stored journey {} B",
        after_start - before,
        after_20 - after_start,
        after_200 - after_start,
        store.get(parcours_core::tracker::JOURNEY_KEY).map_or(0, |j| j.len())
    );
    drop(tracker);
}
