//! Partitions of the outbox: the main one (`endpoint`, partition 0) and
//! one per destination of `init({ destinations })`, each with its own
//! queue, caps, batch limits and retry state, so that a slow or failing
//! backend never holds up another. An event goes to every destination
//! whose filter admits it; in durable storage a destination's copy is
//! keyed `<destination id>/<event id>` (event ids never contain `/`), so
//! one store and one sending tab serve every partition.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::capture::event::EventKind;

use super::Tracker;

#[cfg(feature = "destinations")]
pub use with_destinations::Route;

/// Builds without destinations (the shipped SDK, until its delivery to
/// several backends is done) have the main partition only: the same calls,
/// none of the routing code.
#[cfg(not(feature = "destinations"))]
mod without_destinations {
    use crate::base::platform::Random;
    use crate::capture::event::EventKind;
    use crate::delivery::outbox::{Outbox, Retention, Settled};
    #[allow(unused_imports)]
    use crate::prelude::*;

    use super::Tracker;

    impl Tracker {
        pub fn partitions(&self) -> usize {
            1
        }

        pub fn partition(&self, p: usize) -> Option<&Outbox> {
            (p == 0).then_some(&self.outbox)
        }

        pub(in crate::tracker) fn routes_wake(&self, _now: u64) -> Option<u64> {
            None
        }

        pub(in crate::tracker) fn enqueue(
            &mut self,
            id: &str,
            json: String,
            keep: Retention,
            ts: u64,
            kind: EventKind,
            name: &str,
        ) {
            if self.main_takes(kind, name) {
                self.outbox.push(id, json, keep, ts);
            }
        }

        pub fn next_batch_of(&mut self, p: usize, now: u64, force: bool, random: &mut dyn Random) -> Option<String> {
            (p == 0).then(|| self.next_batch(now, force, random)).flatten()
        }

        /// See the build with destinations: the endpoint's batch is never split.
        pub fn settle_of(
            &mut self,
            p: usize,
            status: u16,
            retry_after_ms: Option<u64>,
            now: u64,
            random: &mut dyn Random,
            _kept: Option<&[&str]>,
        ) -> Option<Settled> {
            let jitter = random.unit();
            (p == 0)
                .then(|| self.outbox.settle(status, retry_after_ms, now, jitter))
                .flatten()
        }

        pub fn take_writes(&mut self, max_bytes: usize) -> String {
            self.outbox.take_writes(max_bytes)
        }

        pub fn take_deletes(&mut self) -> String {
            self.outbox.take_deletes()
        }

        pub fn adopt(&mut self, key: &str, at: u64, seq: u32, keep: Retention, json: String) -> bool {
            self.outbox.adopt(key, at, seq, keep, json)
        }

        pub fn set_sender(&mut self, sender: bool) {
            self.outbox.set_sender(sender);
        }

        pub fn limit_outboxes(&mut self, events: usize, bytes: usize) {
            self.outbox.limit(events, bytes);
        }

        pub fn pending(&self) -> usize {
            self.outbox.len()
        }
    }
}

impl Tracker {
    /// Whether the main outbox (the endpoint) takes an event.
    pub(in crate::tracker) fn main_takes(&self, kind: EventKind, name: &str) -> bool {
        !self.config.endpoint.is_empty()
            && (!self.config.summaries_only || kind.is_profile() || name == crate::journey::SUMMARY_EVENT)
    }
}

#[cfg(feature = "destinations")]
mod with_destinations {
    #[allow(unused_imports)]
    use crate::prelude::*;

    use crate::base::platform::{new_id, Random};
    use crate::capture::event::EventKind;
    use crate::delivery::outbox::{Outbox, OutboxPolicy, Retention, Settled};
    use crate::destinations::Destination;

    use super::Tracker;

    /// A destination and its outbox.
    pub struct Route {
        pub destination: Destination,
        pub outbox: Outbox,
    }

    impl Route {
        pub fn new(destination: Destination, main: &OutboxPolicy) -> Route {
            let policy = OutboxPolicy {
                max_batch_bytes: main.max_batch_bytes.min(destination.max_bytes),
                max_batch_events: destination.max_events,
                ..main.clone()
            };
            Route {
                destination,
                outbox: Outbox::new(policy),
            }
        }
    }

    impl Tracker {
        /// How many partitions there are: the main one and one per destination.
        pub fn partitions(&self) -> usize {
            1 + self.routes.len()
        }

        /// The outbox of partition `p` (0: the main one).
        pub fn partition(&self, p: usize) -> Option<&Outbox> {
            match p {
                0 => Some(&self.outbox),
                _ => self.routes.get(p - 1).map(|r| &r.outbox),
            }
        }

        fn partition_mut(&mut self, p: usize) -> Option<&mut Outbox> {
            match p {
                0 => Some(&mut self.outbox),
                _ => self.routes.get_mut(p - 1).map(|r| &mut r.outbox),
            }
        }

        fn outboxes_mut(&mut self) -> impl Iterator<Item = &mut Outbox> {
            core::iter::once(&mut self.outbox).chain(self.routes.iter_mut().map(|r| &mut r.outbox))
        }

        /// Queues a recorded event: in the main outbox (when there is an
        /// endpoint and it takes this event) and in each destination that admits it.
        pub(in crate::tracker) fn enqueue(
            &mut self,
            id: &str,
            json: String,
            keep: Retention,
            ts: u64,
            kind: EventKind,
            name: &str,
        ) {
            for route in &mut self.routes {
                let draw = crate::delivery::sampling::draw("destination", &route.destination.id, &self.visitor_id);
                if route.destination.filter.admits(kind, name, draw) {
                    let mut key = route.destination.id.clone();
                    key.push('/');
                    key.push_str(id);
                    route.outbox.push(&key, json.clone(), keep, ts);
                }
            }
            if self.main_takes(kind, name) {
                self.outbox.push(id, json, keep, ts);
            }
        }

        /// The next batch of partition `p`, if one is due (a Parcours batch:
        /// the shell encodes it for the destination's backend).
        pub fn next_batch_of(&mut self, p: usize, now: u64, force: bool, random: &mut dyn Random) -> Option<String> {
            if p == 0 {
                return self.next_batch(now, force, random);
            }
            self.tick(now);
            let outbox = self.routes.get_mut(p - 1).map(|r| &mut r.outbox)?;
            if !outbox.due(now, force) {
                return None;
            }
            outbox.take_batch(new_id(now, random), now, None)
        }

        /// Applies a backend's answer to partition `p`'s batch in flight.
        /// `kept`: when the batch went as several requests and some failed,
        /// the ids of the events those carried (see `Outbox::settle_split`).
        pub fn settle_of(
            &mut self,
            p: usize,
            status: u16,
            retry_after_ms: Option<u64>,
            now: u64,
            random: &mut dyn Random,
            kept: Option<&[&str]>,
        ) -> Option<Settled> {
            let jitter = random.unit();
            let outbox = self.partition_mut(p)?;
            match kept {
                Some(kept) => outbox.settle_split(kept, status, retry_after_ms, now, jitter),
                None => outbox.settle(status, retry_after_ms, now, jitter),
            }
        }

        /// Events of every partition to write to durable storage (one JSON array), or "".
        pub fn take_writes(&mut self, max_bytes: usize) -> String {
            let parts: Vec<String> = self
                .outboxes_mut()
                .map(|o| o.take_writes(max_bytes))
                .filter(|w| !w.is_empty())
                .collect();
            join_arrays(&parts)
        }

        /// Durable ids of every partition to remove (one JSON array), or "".
        pub fn take_deletes(&mut self) -> String {
            let parts: Vec<String> = self
                .outboxes_mut()
                .map(Outbox::take_deletes)
                .filter(|d| !d.is_empty())
                .collect();
            join_arrays(&parts)
        }

        /// Takes in an event found in durable storage: its partition is named
        /// by its key. A copy for a destination that is no longer configured is
        /// removed from storage.
        pub fn adopt(&mut self, key: &str, at: u64, seq: u32, keep: Retention, json: String) -> bool {
            let Some((destination, _)) = key.split_once('/') else {
                return self.outbox.adopt(key, at, seq, keep, json);
            };
            match self.routes.iter_mut().find(|r| r.destination.id == destination) {
                Some(route) => route.outbox.adopt(key, at, seq, keep, json),
                None => {
                    self.outbox.forget(key);
                    false
                }
            }
        }

        /// Whether this tab sends (every partition) or only writes.
        pub fn set_sender(&mut self, sender: bool) {
            for outbox in self.outboxes_mut() {
                outbox.set_sender(sender);
            }
        }

        /// Lowers every partition's caps (a small storage).
        pub fn limit_outboxes(&mut self, events: usize, bytes: usize) {
            for outbox in self.outboxes_mut() {
                outbox.limit(events, bytes);
            }
        }

        /// Events not yet delivered, in every partition.
        pub fn pending(&self) -> usize {
            self.outbox.len() + self.routes.iter().map(|r| r.outbox.len()).sum::<usize>()
        }

        pub(in crate::tracker) fn routes_wake(&self, now: u64) -> Option<u64> {
            self.routes.iter().filter_map(|r| r.outbox.next_wake(now)).min()
        }
    }

    /// `[a…]`, `[b…]` as `[a…,b…]`; "" for none.
    fn join_arrays(parts: &[String]) -> String {
        if parts.len() <= 1 {
            return parts.first().cloned().unwrap_or_default();
        }
        let mut out = String::from("[");
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(part.strip_prefix('[').and_then(|p| p.strip_suffix(']')).unwrap_or(""));
        }
        out.push(']');
        out
    }
}
