//! Per-client rate limits: one token bucket per key (a write key or an IP
//! address). A client may burst up to ten seconds' worth of its rate, then
//! is held to the rate; a refused request learns when to come back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle (full) ones are forgotten, so a flood of
/// distinct clients cannot grow memory without bound.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute per client; 0 turns the limit off.
    pub fn new(per_minute: u32) -> RateLimiter {
        let per_second = f64::from(per_minute) / 60.0;
        RateLimiter {
            per_second,
            burst: (per_second * 10.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_off(&self) -> bool {
        self.per_second == 0.0
    }

    /// Takes one token for `client` at `now`, or says how long until one is
    /// available.
    pub fn check(&self, client: &str, now: Instant) -> Result<(), Duration> {
        if self.is_off() {
            return Ok(());
        }
        // A poisoned lock only means another request panicked mid-update;
        // the counters are still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(client) {
            self.forget_idle(&mut buckets, now);
        }
        let bucket = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }

    /// Whether `client` has a token at `now`, without taking it (how long
    /// until it has one otherwise).
    pub fn peek(&self, client: &str, now: Instant) -> Result<(), Duration> {
        if self.is_off() {
            return Ok(());
        }
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(bucket) = buckets.get(client) else {
            return Ok(());
        };
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        let tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }

    fn forget_idle(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        let refill = Duration::from_secs_f64(self.burst / self.per_second);
        buckets.retain(|_, b| now.saturating_duration_since(b.updated) < refill);
        if buckets.len() >= MAX_TRACKED {
            // Everyone is active: start over rather than grow.
            buckets.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_ten_seconds_then_the_rate() {
        let limiter = RateLimiter::new(60); // one a second, bursts of ten
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(limiter.check("a", t0).is_ok(), "request {i} of the burst");
        }
        let wait = limiter.check("a", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limiter.check("b", t0).is_ok(), "clients are counted apart");
        assert!(limiter.check("a", t0 + Duration::from_millis(1_001)).is_ok());
        assert!(limiter.check("a", t0 + Duration::from_millis(1_002)).is_err());
    }

    #[test]
    fn zero_is_unlimited() {
        let limiter = RateLimiter::new(0);
        let t0 = Instant::now();
        assert!((0..10_000).all(|_| limiter.check("a", t0).is_ok()));
    }

    #[test]
    fn many_clients_do_not_grow_memory_without_bound() {
        let limiter = RateLimiter::new(60);
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED + 10 {
            let _ = limiter.check(&i.to_string(), t0 + Duration::from_secs(i as u64 / 1_000));
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_TRACKED);
    }
}
