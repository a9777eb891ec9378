//! The time window an event's `ts` must fall in. Browsers' clocks drift and
//! the SDK keeps events in storage until the next visit, so the window is
//! wide; outside it a `ts` is a broken clock or an attack (200 events dated
//! 9999-12-31 would sit on top of every list, a `ts` past 2^63 would be
//! stored as a negative number).

use parcours_core::batch::{ReceivedBatch, RefusedEvent};
use parcours_core::error::FieldError;

/// Furthest in the future an event may be dated: a day of clock skew.
pub const AHEAD_MS: u64 = 24 * 60 * 60 * 1000;
/// Furthest in the past: 400 days (a visitor back after a year brings
/// what the SDK stored at the last visit).
pub const BEHIND_MS: u64 = 400 * 24 * 60 * 60 * 1000;

/// Moves the events of `batch` dated outside the window around `now`
/// (ms) to its refused ones, each with its field and the window.
pub fn refuse_outside(batch: &mut ReceivedBatch, now: u64) {
    let (earliest, latest) = (now.saturating_sub(BEHIND_MS), now.saturating_add(AHEAD_MS));
    let mut index = 0;
    let mut kept = Vec::with_capacity(batch.events.len());
    for event in std::mem::take(&mut batch.events) {
        // Indexes count the batch's events, refused ones included.
        while batch.refused.iter().any(|r| r.index == index) {
            index += 1;
        }
        if (earliest..=latest).contains(&event.ts) {
            kept.push(event);
        } else {
            let problem = format!(
                "is {}, outside the accepted window (400 days ago to a day ahead of the collector's clock)",
                event.ts
            );
            batch.refused.push(RefusedEvent {
                index,
                id: Some(event.id.clone()),
                error: FieldError::new("invalid_batch", format!("events[{index}].ts"), problem)
                    .with_fix("Send the time the event happened, in milliseconds since 1970 (Date.now())"),
            });
        }
        index += 1;
    }
    batch.refused.sort_by_key(|r| r.index);
    batch.events = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &str = r#""context":{"page":{"url":"https://s.example/","path":"/","title":"","referrer":""},"library":{"name":"parcours","version":"0"}}"#;

    fn batch(times: &[u64]) -> ReceivedBatch {
        let events: Vec<String> = times
            .iter()
            .enumerate()
            .map(|(i, ts)| {
                format!(
                    r#"{{"id":"e{i}","type":"track","name":"n","ts":{ts},"visitorId":"v","sessionId":"s",{CONTEXT}}}"#
                )
            })
            .collect();
        parcours_core::batch::decode(&format!(r#"{{"v":1,"events":[{}]}}"#, events.join(","))).unwrap()
    }

    #[test]
    fn events_dated_out_of_the_window_are_refused_with_their_index_and_the_rest_kept() {
        let now = 1_800_000_000_000;
        let mut b = batch(&[
            now,
            253_402_300_799_000,
            now - AHEAD_MS,
            u64::MAX,
            now + AHEAD_MS,
            now - BEHIND_MS - 1,
        ]);
        assert!(b.refused.is_empty(), "{:?}", b.refused);
        refuse_outside(&mut b, now);
        let kept: Vec<&str> = b.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(kept, ["e0", "e2", "e4"]);
        let refused: Vec<(usize, &str)> = b.refused.iter().map(|r| (r.index, r.error.field.as_str())).collect();
        assert_eq!(refused, [(1, "events[1].ts"), (3, "events[3].ts"), (5, "events[5].ts")]);
        assert!(b.refused[0].error.message().contains("outside the accepted window"));
    }

    #[test]
    fn indexes_stay_right_next_to_events_the_decoder_refused() {
        let now = 1_800_000_000_000;
        let body = format!(
            r#"{{"v":1,"events":[{{"id":"bad"}},{{"id":"e1","type":"track","name":"n","ts":{},"visitorId":"v","sessionId":"s",{CONTEXT}}}]}}"#,
            u64::MAX
        );
        let mut b = parcours_core::batch::decode(&body).unwrap();
        refuse_outside(&mut b, now);
        let refused: Vec<usize> = b.refused.iter().map(|r| r.index).collect();
        assert_eq!(refused, [0, 1]);
        assert!(b.events.is_empty());
    }
}
