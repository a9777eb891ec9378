//! Counters and latency histograms of the batch route, served at
//! `GET /metrics` in Prometheus' text format (version 0.0.4). Lock-free
//! counters on the hot path; refusal reasons (a handful of codes) behind a
//! mutex taken only when a batch or an event is refused.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// A latency histogram: cumulative bucket counts, their sum and count.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// The sum, in microseconds.
    sum_us: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// What the batch route did since the collector started.
#[derive(Default)]
pub struct Metrics {
    events_accepted: AtomicU64,
    events_duplicate: AtomicU64,
    /// Events refused one by one inside a stored batch, by code.
    events_refused: Mutex<BTreeMap<String, u64>>,
    /// Whole batches refused, by code (`rate_limited`, `unauthorized`, …).
    batches_refused: Mutex<BTreeMap<String, u64>>,
    /// Batches stored.
    batches_stored: AtomicU64,
    /// Time from a batch's arrival to its answer.
    request: Histogram,
    /// Time the store took to write a batch.
    store: Histogram,
}

fn add(counts: &Mutex<BTreeMap<String, u64>>, code: &str, n: u64) {
    if let Ok(mut counts) = counts.lock() {
        *counts.entry(code.to_string()).or_default() += n;
    }
}

impl Metrics {
    /// A batch refused whole, with its error code.
    pub fn batch_refused(&self, code: &str) {
        add(&self.batches_refused, code, 1);
    }

    /// A batch stored: its new and duplicate events, and the codes of the events refused in it.
    pub fn batch_stored<'a>(
        &self,
        accepted: usize,
        duplicates: usize,
        refused: impl Iterator<Item = &'a str>,
        store_time: Duration,
    ) {
        self.batches_stored.fetch_add(1, Ordering::Relaxed);
        self.events_accepted.fetch_add(accepted as u64, Ordering::Relaxed);
        self.events_duplicate.fetch_add(duplicates as u64, Ordering::Relaxed);
        for code in refused {
            add(&self.events_refused, code, 1);
        }
        self.store.observe(store_time);
    }

    /// A batch request answered, after `elapsed`.
    pub fn answered(&self, elapsed: Duration) {
        self.request.observe(elapsed);
    }

    /// Everything, in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        let by_code = |out: &mut String, name: &str, help: &str, counts: &Mutex<BTreeMap<String, u64>>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            if let Ok(counts) = counts.lock() {
                for (code, n) in counts.iter() {
                    let _ = writeln!(out, "{name}{{code=\"{code}\"}} {n}");
                }
            }
        };
        counter(
            &mut out,
            "parcours_batches_stored_total",
            "Batches stored.",
            self.batches_stored.load(Ordering::Relaxed),
        );
        by_code(
            &mut out,
            "parcours_batches_refused_total",
            "Batches refused whole, by error code (rate_limited is a rate-limited request).",
            &self.batches_refused,
        );
        counter(
            &mut out,
            "parcours_events_accepted_total",
            "Events stored.",
            self.events_accepted.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "parcours_events_duplicate_total",
            "Events received again and skipped (their id was stored).",
            self.events_duplicate.load(Ordering::Relaxed),
        );
        by_code(
            &mut out,
            "parcours_events_refused_total",
            "Events refused alone in a batch whose others were stored, by error code.",
            &self.events_refused,
        );
        self.request.write(
            &mut out,
            "parcours_batch_request_seconds",
            "Time from a batch's arrival to its answer.",
        );
        self.store.write(
            &mut out,
            "parcours_store_write_seconds",
            "Time the store took to write a batch.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_render_in_prometheus_text_format() {
        let m = Metrics::default();
        m.batch_stored(3, 1, ["invalid_batch"].into_iter(), Duration::from_millis(2));
        m.batch_refused("rate_limited");
        m.batch_refused("rate_limited");
        m.answered(Duration::from_millis(30));
        let text = m.render();
        for line in [
            "parcours_batches_stored_total 1",
            "parcours_events_accepted_total 3",
            "parcours_events_duplicate_total 1",
            "parcours_events_refused_total{code=\"invalid_batch\"} 1",
            "parcours_batches_refused_total{code=\"rate_limited\"} 2",
            "parcours_batch_request_seconds_bucket{le=\"0.025\"} 0",
            "parcours_batch_request_seconds_bucket{le=\"0.05\"} 1",
            "parcours_batch_request_seconds_bucket{le=\"+Inf\"} 1",
            "parcours_batch_request_seconds_count 1",
            "parcours_store_write_seconds_bucket{le=\"0.005\"} 1",
            "# TYPE parcours_store_write_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }
}
