//! Fault injection for the delivery tests: with `--fault-injection`, a
//! test switches the collector into a failure mode through
//! `POST /v1/faults {"mode": …}` and the batch route misbehaves accordingly.
//! Off by default, and never on unless the flag is given.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use parcours_core::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Behave.
    None,
    /// Answer 500 to every other batch.
    FailHalf,
    /// Answer 429 with `Retry-After: retry_after_s` to every other batch.
    RateLimit { retry_after_s: u64 },
    /// Hold the next `count` batches for `ms` before storing them (the
    /// sender has given up by then and retries).
    Hang { ms: u64, count: u64 },
}

/// What to do with one batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Proceed,
    Fail(u16, Option<u64>),
    Delay(Duration),
}

#[derive(Debug)]
pub struct Faults {
    mode: Mutex<Mode>,
    seen: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            mode: Mutex::new(Mode::None),
            seen: AtomicU64::new(0),
        }
    }
}

impl Faults {
    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
        self.seen.store(0, Ordering::SeqCst);
    }

    pub fn next(&self) -> Action {
        let mode = *self.mode.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        match mode {
            Mode::None => Action::Proceed,
            Mode::FailHalf if n.is_multiple_of(2) => Action::Fail(500, None),
            Mode::RateLimit { retry_after_s } if n.is_multiple_of(2) => Action::Fail(429, Some(retry_after_s)),
            Mode::Hang { ms, count } if n < count => Action::Delay(Duration::from_millis(ms)),
            _ => Action::Proceed,
        }
    }
}

/// Reads `{"mode":"none"|"fail_half"|"rate_limit"|"hang","retryAfter":s,"ms":n,"count":n}`.
pub fn parse_mode(body: &str) -> Result<Mode, String> {
    let value = json::parse(body).map_err(|e| format!("not JSON: {}", e.problem))?;
    let number = |key: &str, default: u64| value.get(key).and_then(|v| v.as_u64()).unwrap_or(default);
    match value.get("mode").and_then(|m| m.as_str()) {
        Some("none") => Ok(Mode::None),
        Some("fail_half") => Ok(Mode::FailHalf),
        Some("rate_limit") => Ok(Mode::RateLimit {
            retry_after_s: number("retryAfter", 1),
        }),
        Some("hang") => Ok(Mode::Hang {
            ms: number("ms", 20_000),
            count: number("count", 1),
        }),
        other => Err(format!(
            "mode: expected none, fail_half, rate_limit or hang, got {other:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_fail_every_other_batch_or_the_first_ones() {
        let faults = Faults::default();
        assert_eq!(faults.next(), Action::Proceed);
        faults.set(parse_mode(r#"{"mode":"fail_half"}"#).unwrap());
        let actions: Vec<_> = (0..4).map(|_| faults.next()).collect();
        assert_eq!(
            actions,
            [
                Action::Fail(500, None),
                Action::Proceed,
                Action::Fail(500, None),
                Action::Proceed
            ]
        );
        faults.set(parse_mode(r#"{"mode":"rate_limit","retryAfter":2}"#).unwrap());
        assert_eq!(faults.next(), Action::Fail(429, Some(2)));
        faults.set(parse_mode(r#"{"mode":"hang","ms":50,"count":1}"#).unwrap());
        assert_eq!(faults.next(), Action::Delay(Duration::from_millis(50)));
        assert_eq!(faults.next(), Action::Proceed);
        assert!(parse_mode(r#"{"mode":"chaos"}"#).unwrap_err().contains("mode"));
    }
}
