//! What to do with a batch after the backend answered, and how long to wait
//! before trying again.

#[allow(unused_imports)]
use crate::prelude::*;

/// The decision for one HTTP outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// The backend has the events: forget them.
    Delivered,
    /// A transient failure: keep the events and try again later.
    Retry,
    /// The backend refuses this batch for good: drop it and report it.
    Reject,
}

/// Status 0 stands for "no HTTP answer" (network error, timeout, blocked).
///
/// | status | disposition |
/// |---|---|
/// | 2xx | delivered |
/// | 0, 408, 429, 5xx | retry |
/// | other 4xx, 1xx, 3xx | reject |
pub fn classify(status: u16) -> Disposition {
    match status {
        200..=299 => Disposition::Delivered,
        0 | 408 | 429 | 500..=599 => Disposition::Retry,
        _ => Disposition::Reject,
    }
}

pub const BASE_DELAY_MS: u64 = 1_000;
pub const MAX_DELAY_MS: u64 = 5 * 60_000;

/// Delay before retry number `attempt` (1 for the first retry): exponential
/// from one second, capped at five minutes, with "equal jitter" (half fixed,
/// half random) so that many browsers do not retry in step; never shorter
/// than the server's `Retry-After`.
pub fn backoff_ms(attempt: u32, retry_after_ms: Option<u64>, jitter_unit: f64) -> u64 {
    let exponent = attempt.saturating_sub(1).min(20);
    let ceiling = (BASE_DELAY_MS << exponent).min(MAX_DELAY_MS);
    let half = ceiling / 2;
    let delay = half + (half as f64 * jitter_unit.clamp(0.0, 1.0)) as u64;
    delay.max(retry_after_ms.unwrap_or(0).min(24 * 3_600_000))
}

/// Failures without any HTTP answer after which the sender assumes it is
/// blocked (an extension, a firewall) rather than briefly unlucky.
pub const BLOCKED_AFTER_ATTEMPTS: u32 = 8;
/// How often a blocked sender still tries.
pub const BLOCKED_DELAY_MS: u64 = 30 * 60_000;

/// Delay before retry number `attempt` after an answer with `status`: the
/// backoff, or, once the requests have gone unanswered many times in a row
/// (status 0 while the browser says it is online), a long interval instead
/// of hammering a request something keeps blocking.
pub fn retry_delay_ms(status: u16, attempt: u32, retry_after_ms: Option<u64>, jitter_unit: f64) -> u64 {
    let delay = backoff_ms(attempt, retry_after_ms, jitter_unit);
    if status == 0 && attempt >= BLOCKED_AFTER_ATTEMPTS {
        delay.max(BLOCKED_DELAY_MS)
    } else {
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        for s in [200, 202, 204] {
            assert_eq!(classify(s), Disposition::Delivered);
        }
        for s in [0, 408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(s), Disposition::Retry, "{s}");
        }
        for s in [301, 400, 401, 403, 404, 413, 422] {
            assert_eq!(classify(s), Disposition::Reject, "{s}");
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        assert_eq!(backoff_ms(1, None, 0.0), 500);
        assert_eq!(backoff_ms(1, None, 1.0), 1_000);
        assert_eq!(backoff_ms(4, None, 1.0), 8_000);
        assert_eq!(backoff_ms(40, None, 1.0), MAX_DELAY_MS);
        for attempt in 1..30 {
            let d = backoff_ms(attempt, None, 0.5);
            assert!((375..=MAX_DELAY_MS).contains(&d), "{attempt}: {d}");
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        assert_eq!(backoff_ms(1, Some(30_000), 0.0), 30_000);
        assert_eq!(backoff_ms(10, Some(1_000), 1.0), 512_000.min(MAX_DELAY_MS));
    }

    #[test]
    fn an_unanswered_sender_backs_off_to_a_long_interval() {
        let early = retry_delay_ms(0, BLOCKED_AFTER_ATTEMPTS - 1, None, 1.0);
        assert!(early <= MAX_DELAY_MS);
        assert_eq!(retry_delay_ms(0, BLOCKED_AFTER_ATTEMPTS, None, 0.0), BLOCKED_DELAY_MS);
        assert!(
            retry_delay_ms(503, 30, None, 1.0) <= MAX_DELAY_MS,
            "a server that answers is retried at the usual pace"
        );
    }
}
