//! The queue of encoded events waiting to be sent, and the policy that
//! decides when to send, what goes in a batch, and what to drop when full.
//!
//! One batch is in flight at a time, so events reach the backend in order,
//! and a burst coalesces into few large batches rather than many small ones.
//! A batch keeps its events until the backend's answer is known.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::collections::VecDeque;

use crate::json::write_string;
use crate::num::push_u64;
use crate::retry::{backoff_ms, classify, Disposition};

/// Batch format version written in every body.
pub const BATCH_FORMAT_VERSION: u64 = 1;

/// Bytes of a batch body besides its events (envelope, ids, counters).
const ENVELOPE_BYTES: usize = 240;

#[derive(Clone, Debug)]
struct Queued {
    json: String,
    queued_at: u64,
}

/// Limits and thresholds, from the config.
#[derive(Clone, Debug)]
pub struct OutboxPolicy {
    pub flush_at: usize,
    pub flush_interval_ms: u64,
    pub max_batch_bytes: usize,
    pub max_events: usize,
    pub max_bytes: usize,
}

impl OutboxPolicy {
    /// The largest single event that fits in a batch.
    pub fn max_event_bytes(&self) -> usize {
        self.max_batch_bytes - ENVELOPE_BYTES
    }
}

/// What happened to a settled batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    pub disposition: Disposition,
    pub events: usize,
    /// When the next attempt may start (0: now).
    pub retry_at: u64,
}

#[derive(Debug)]
struct InFlight {
    id: String,
    events: Vec<Queued>,
}

#[derive(Debug)]
pub struct Outbox {
    policy: OutboxPolicy,
    queue: VecDeque<Queued>,
    queued_bytes: usize,
    in_flight: Option<InFlight>,
    /// Consecutive failed attempts of the batch at the head.
    attempts: u32,
    not_before: u64,
    /// Dropped since the last delivered batch, reported in the next one.
    dropped_unreported: u64,
    /// Dropped since start, for inspection.
    pub dropped_total: u64,
}

impl Outbox {
    pub fn new(policy: OutboxPolicy) -> Outbox {
        Outbox {
            policy,
            queue: VecDeque::new(),
            queued_bytes: 0,
            in_flight: None,
            attempts: 0,
            not_before: 0,
            dropped_unreported: 0,
            dropped_total: 0,
        }
    }

    pub fn policy(&self) -> &OutboxPolicy {
        &self.policy
    }

    /// Events waiting, including those of the batch in flight.
    pub fn len(&self) -> usize {
        self.queue.len() + self.in_flight.as_ref().map_or(0, |b| b.events.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Queues an encoded event. When the queue is full the oldest waiting
    /// events are dropped (and counted) to make room: recent behaviour is
    /// worth more than old, and memory must stay bounded.
    pub fn push(&mut self, json: String, now: u64) {
        self.queued_bytes += json.len();
        self.queue.push_back(Queued { json, queued_at: now });
        while self.queue.len() > self.policy.max_events || self.queued_bytes > self.policy.max_bytes {
            let Some(old) = self.queue.pop_front() else { break };
            self.queued_bytes -= old.json.len();
            self.dropped_unreported += 1;
            self.dropped_total += 1;
        }
    }

    /// Whether a batch should be sent at `now`. `force` (flush(), page hide)
    /// sends whatever waits, but still respects a pending backoff.
    pub fn due(&self, now: u64, force: bool) -> bool {
        if self.in_flight.is_some() || self.queue.is_empty() || now < self.not_before {
            return false;
        }
        force
            || self.queue.len() >= self.policy.flush_at
            || self.queued_bytes + ENVELOPE_BYTES >= self.policy.max_batch_bytes
            || self.attempts > 0
            || now.saturating_sub(self.queue[0].queued_at) >= self.policy.flush_interval_ms
    }

    /// Milliseconds from `now` until `due` may turn true without new events,
    /// or `None` when nothing waits (or a batch is in flight).
    pub fn next_wake(&self, now: u64) -> Option<u64> {
        if self.in_flight.is_some() {
            return None;
        }
        let oldest = self.queue.front()?;
        let by_age = oldest.queued_at + self.policy.flush_interval_ms;
        let at = if self.attempts > 0 {
            self.not_before
        } else {
            by_age.max(self.not_before)
        };
        Some(at.saturating_sub(now))
    }

    /// Takes the oldest events that fit in one body and returns that body.
    /// The events stay owned by the outbox until `settle`.
    pub fn take_batch(&mut self, batch_id: String, now: u64, write_key: Option<&str>) -> Option<String> {
        if self.in_flight.is_some() || self.queue.is_empty() {
            return None;
        }
        let mut body = String::with_capacity(self.policy.max_batch_bytes.min(self.queued_bytes + ENVELOPE_BYTES));
        body.push_str("{\"v\":");
        push_u64(&mut body, BATCH_FORMAT_VERSION);
        body.push_str(",\"batchId\":\"");
        body.push_str(&batch_id);
        body.push_str("\",\"sentAt\":");
        push_u64(&mut body, now);
        if let Some(key) = write_key {
            body.push_str(",\"writeKey\":");
            write_string(&mut body, key);
        }
        if self.dropped_unreported > 0 {
            body.push_str(",\"dropped\":");
            push_u64(&mut body, self.dropped_unreported);
        }
        body.push_str(",\"events\":[");
        let mut events = Vec::new();
        let budget = self.policy.max_batch_bytes.saturating_sub(body.len() + 2);
        let mut used = 0;
        while let Some(next) = self.queue.front() {
            let cost = next.json.len() + 1;
            if !events.is_empty() && used + cost > budget {
                break;
            }
            used += cost;
            let event = self.queue.pop_front()?;
            self.queued_bytes -= event.json.len();
            if !events.is_empty() {
                body.push(',');
            }
            body.push_str(&event.json);
            events.push(event);
        }
        body.push_str("]}");
        self.in_flight = Some(InFlight { id: batch_id, events });
        Some(body)
    }

    /// The id of the batch in flight.
    pub fn in_flight_id(&self) -> Option<&str> {
        self.in_flight.as_ref().map(|b| b.id.as_str())
    }

    /// Applies the backend's answer to the batch in flight (`status` 0 for a
    /// network error). Retried events go back to the head of the queue, in order.
    pub fn settle(&mut self, status: u16, retry_after_ms: Option<u64>, now: u64, jitter_unit: f64) -> Option<Settled> {
        let batch = self.in_flight.take()?;
        let events = batch.events.len();
        let disposition = classify(status);
        match disposition {
            Disposition::Delivered => {
                self.attempts = 0;
                self.not_before = 0;
                self.dropped_unreported = 0;
            }
            Disposition::Retry => {
                self.attempts += 1;
                self.not_before = now + backoff_ms(self.attempts, retry_after_ms, jitter_unit);
                for event in batch.events.into_iter().rev() {
                    self.queued_bytes += event.json.len();
                    self.queue.push_front(event);
                }
            }
            Disposition::Reject => {
                self.attempts = 0;
                self.not_before = 0;
                self.dropped_unreported += events as u64;
                self.dropped_total += events as u64;
            }
        }
        Some(Settled {
            disposition,
            events,
            retry_at: self.not_before,
        })
    }

    /// Forgets every waiting event (reset, opt-out).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.queued_bytes = 0;
        self.in_flight = None;
        self.attempts = 0;
        self.not_before = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn policy() -> OutboxPolicy {
        OutboxPolicy {
            flush_at: 3,
            flush_interval_ms: 1_000,
            max_batch_bytes: 1_000,
            max_events: 10,
            max_bytes: 100_000,
        }
    }

    fn event(n: usize) -> String {
        "{\"n\":".to_string() + &crate::num::u64_to_string(n as u64) + "}"
    }

    fn numbers(body: &str) -> Vec<u64> {
        let v = json::parse(body).unwrap();
        let json::Value::Array(events) = v.get("events").unwrap() else {
            panic!()
        };
        events.iter().map(|e| e.get("n").unwrap().as_u64().unwrap()).collect()
    }

    #[test]
    fn sends_by_count_by_age_and_on_demand() {
        let mut o = Outbox::new(policy());
        o.push(event(1), 0);
        assert!(!o.due(10, false));
        assert!(o.due(10, true));
        assert_eq!(o.next_wake(10), Some(990));
        assert!(o.due(1_000, false));
        o.push(event(2), 20);
        o.push(event(3), 30);
        assert!(o.due(30, false));
    }

    #[test]
    fn one_batch_in_flight_and_delivery_in_order() {
        let mut o = Outbox::new(policy());
        for n in 0..5 {
            o.push(event(n), 0);
        }
        let body = o.take_batch("b1".into(), 5, Some("wk")).unwrap();
        assert_eq!(numbers(&body), vec![0, 1, 2, 3, 4]);
        let v = json::parse(&body).unwrap();
        assert_eq!(v.get("v").unwrap().as_u64(), Some(1));
        assert_eq!(v.get("writeKey").unwrap().as_str(), Some("wk"));
        o.push(event(5), 6);
        assert!(
            o.take_batch("b2".into(), 6, None).is_none(),
            "second batch while one is in flight"
        );
        assert!(!o.due(10_000, true));
        let settled = o.settle(200, None, 7, 0.5).unwrap();
        assert_eq!(settled.disposition, Disposition::Delivered);
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn batches_respect_the_byte_limit() {
        let mut o = Outbox::new(OutboxPolicy {
            max_batch_bytes: 100,
            ..policy()
        });
        for n in 0..10 {
            o.push(event(n), 0);
        }
        let mut seen = Vec::new();
        let mut i = 0;
        while let Some(body) = o.take_batch("b".to_string() + &crate::num::u64_to_string(i), 0, None) {
            assert!(body.len() <= 100, "{}", body.len());
            seen.extend(numbers(&body));
            o.settle(204, None, 0, 0.0);
            i += 1;
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert!(i >= 2);
    }

    #[test]
    fn a_failed_batch_returns_to_the_head_and_waits_for_backoff() {
        let mut o = Outbox::new(policy());
        o.push(event(1), 0);
        o.push(event(2), 0);
        o.take_batch("b".into(), 0, None).unwrap();
        o.push(event(3), 1);
        let s = o.settle(503, Some(5_000), 100, 0.0).unwrap();
        assert_eq!(s.disposition, Disposition::Retry);
        assert_eq!(s.retry_at, 5_100);
        assert!(!o.due(5_000, true), "forced flush still respects the backoff");
        assert_eq!(o.next_wake(100), Some(5_000));
        assert!(o.due(5_100, false), "a retry is due without waiting for the count");
        let body = o.take_batch("b".into(), 5_100, None).unwrap();
        assert_eq!(numbers(&body), vec![1, 2, 3]);
    }

    #[test]
    fn a_rejected_batch_is_dropped_and_reported_in_the_next() {
        let mut o = Outbox::new(policy());
        o.push(event(1), 0);
        o.take_batch("b".into(), 0, None).unwrap();
        assert_eq!(o.settle(400, None, 0, 0.0).unwrap().disposition, Disposition::Reject);
        o.push(event(2), 0);
        let body = o.take_batch("c".into(), 0, None).unwrap();
        assert_eq!(json::parse(&body).unwrap().get("dropped").unwrap().as_u64(), Some(1));
        o.settle(200, None, 0, 0.0);
        o.push(event(3), 0);
        let body = o.take_batch("d".into(), 0, None).unwrap();
        assert!(json::parse(&body).unwrap().get("dropped").is_none());
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let mut o = Outbox::new(policy());
        for n in 0..15 {
            o.push(event(n), 0);
        }
        assert_eq!(o.len(), 10);
        assert_eq!(o.dropped_total, 5);
        let body = o.take_batch("b".into(), 0, None).unwrap();
        assert_eq!(numbers(&body)[0], 5);
        assert_eq!(json::parse(&body).unwrap().get("dropped").unwrap().as_u64(), Some(5));
    }
}
