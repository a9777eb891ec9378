//! The queue of encoded events waiting to be sent, and the policy that
//! decides when to send, what goes in a batch, and what to drop when full.
//!
//! One batch is in flight at a time, so events reach the backend in order,
//! and a burst coalesces into few large batches rather than many small ones.
//! A batch keeps its events until the backend's answer is known.
//!
//! The queue is mirrored in durable browser storage by the shell: every
//! event is handed over for writing when it is queued (`take_writes`) and
//! forgotten there once delivered or dropped (`take_deletes`). Only one tab
//! sends (the *sender*); the others write and then let go of their events,
//! which the sender adopts (`adopt`) from storage or from a message. Events
//! are ordered by time, then id, so every tab sees the same order.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::write_string;
use crate::base::num::push_u64;
use crate::delivery::retry::{classify, retry_delay_ms, Disposition};

/// Batch format version written in every body.
pub const BATCH_FORMAT_VERSION: u64 = 1;

/// Bytes of a batch body besides its events (envelope, ids, counters).
const ENVELOPE_BYTES: usize = 240;

/// Ids of settled events remembered, so that a late copy from storage or
/// from another tab is not sent again.
const REMEMBERED_SETTLED: usize = 4_096;

/// What the page may have in flight at once with `keepalive` (fetch and
/// `sendBeacon` share the browser's 64 KiB budget per page): page-hide
/// requests stay under it, leaving room for the page's own.
pub const KEEPALIVE_BUDGET: usize = 60_000;

/// How long an event is worth keeping when the queue is full: raw events
/// are dropped first, journey summaries and survey answers last, since
/// each stands for many raw events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retention {
    #[default]
    Raw,
    Longest,
}

impl Retention {
    pub fn code(self) -> u8 {
        match self {
            Retention::Raw => 0,
            Retention::Longest => 1,
        }
    }

    pub fn from_code(code: u8) -> Retention {
        if code == 1 {
            Retention::Longest
        } else {
            Retention::Raw
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Queued {
    at: u64,
    /// Order of calls within a millisecond in the tab that recorded it.
    seq: u32,
    id: String,
    json: String,
    keep: Retention,
    /// Already in durable storage (or handed over to be written).
    written: bool,
    /// In a page-hide request that has not been answered yet.
    hiding: bool,
}

impl Queued {
    /// Order of the queue: time, then seq, then id (unique).
    fn key(&self) -> (u64, u32, &str) {
        (self.at, self.seq, &self.id)
    }
}

/// FNV-1a: settled ids are remembered as hashes (a few kilobytes, no set
/// structure in the shipped code).
fn id_hash(id: &str) -> u64 {
    crate::base::num::fnv1a(crate::base::num::FNV_OFFSET, id.bytes())
}

/// Limits and thresholds, from the config.
#[derive(Clone, Debug)]
pub struct OutboxPolicy {
    pub flush_at: usize,
    pub flush_interval_ms: u64,
    pub max_batch_bytes: usize,
    /// Most events in one batch (a backend's own limit, e.g. GA4's 25).
    pub max_batch_events: usize,
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

/// A page-hide request not yet answered: its id, its events' ids, its size.
#[derive(Debug)]
struct Hiding {
    id: String,
    events: Vec<String>,
    bytes: usize,
}

#[derive(Debug)]
pub struct Outbox {
    policy: OutboxPolicy,
    /// Sorted by `Queued::key`; new events almost always go at the back.
    /// (A Vec: a batch leaves as one drained prefix, and Vec's code is
    /// smaller in the shipped wasm than a ring buffer's.)
    queue: Vec<Queued>,
    queued_bytes: usize,
    in_flight: Option<InFlight>,
    /// Consecutive failed attempts of the batch at the head.
    attempts: u32,
    /// Whether the last failure was a refusal (a 4xx): a second in a row drops.
    refused_once: bool,
    not_before: u64,
    /// Events not yet handed over for writing.
    unwritten: usize,
    /// Ids to remove from durable storage.
    deletes: Vec<String>,
    /// This tab sends; otherwise it only writes.
    sender: bool,
    /// Dropped since the last delivered batch, reported in the next one.
    dropped_unreported: u64,
    /// Dropped since start, for inspection.
    pub dropped_total: u64,
    /// Tie-breaker of events recorded in the same millisecond.
    next_seq: u32,
    /// Hashes of recently delivered or dropped ids: a ring, `settled_next`
    /// is where the next one goes once it is full.
    settled: Vec<u64>,
    settled_next: usize,
    /// A writer's own events once written, until the sender says they are
    /// delivered (`confirm`): what this tab sends itself at page hide. The
    /// newest, within `KEEPALIVE_BUDGET` bytes.
    own: Vec<Queued>,
    own_bytes: usize,
    /// Page-hide requests not yet answered.
    hiding: Vec<Hiding>,
    /// Events at the head of the queue from a refused batch, sent in smaller
    /// batches until the refused ones are found (`batch_limit` each).
    suspect: usize,
    batch_limit: usize,
    /// Events the backend refused for good, since start.
    pub refused_total: u64,
}

/// Whether a refusal with `status` may be about some of the events only
/// (a malformed one, a body too large), so that halving the batch finds
/// them; a refused key or a wrong URL refuses every event alike.
fn refusal_of_content(status: u16) -> bool {
    matches!(status, 400 | 413 | 422)
}

impl Outbox {
    pub fn new(policy: OutboxPolicy) -> Outbox {
        Outbox {
            policy,
            queue: Vec::new(),
            queued_bytes: 0,
            in_flight: None,
            attempts: 0,
            refused_once: false,
            not_before: 0,
            unwritten: 0,
            deletes: Vec::new(),
            sender: true,
            dropped_unreported: 0,
            dropped_total: 0,
            next_seq: 0,
            settled: Vec::new(),
            settled_next: 0,
            own: Vec::new(),
            own_bytes: 0,
            hiding: Vec::new(),
            suspect: 0,
            batch_limit: 0,
            refused_total: 0,
        }
    }

    pub fn policy(&self) -> &OutboxPolicy {
        &self.policy
    }

    /// Lowers the caps (e.g. when only a small storage is available).
    pub fn limit(&mut self, max_events: usize, max_bytes: usize) {
        self.policy.max_events = self.policy.max_events.min(max_events.max(1));
        self.policy.max_bytes = self.policy.max_bytes.min(max_bytes.max(1));
        self.enforce_caps();
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

    pub fn is_sender(&self) -> bool {
        self.sender
    }

    /// Makes this tab the sender, or a writer only. A writer keeps nothing
    /// once written; a sender that steps down forgets what it held (it is
    /// in storage, where the next sender finds it).
    pub fn set_sender(&mut self, sender: bool) {
        if self.sender == sender {
            return;
        }
        self.sender = sender;
        // A new sender reads every stored event, its own included; until that
        // read is in, its own written events stay queued here, so a page
        // hidden in between still sends them.
        let own = core::mem::take(&mut self.own);
        self.own_bytes = 0;
        if sender {
            self.requeue(own);
        } else {
            self.release_written();
            if let Some(batch) = self.in_flight.take() {
                // Its answer no longer matters here: the next sender resends it.
                self.requeue(batch.events);
                self.release_written();
            }
            self.attempts = 0;
            self.not_before = 0;
        }
    }

    /// Queues a new event. When the queue is full the oldest raw events are
    /// dropped (and counted) to make room: recent behaviour is worth more
    /// than old, and memory and storage must stay bounded.
    pub fn push(&mut self, id: &str, json: String, keep: Retention, now: u64) {
        self.next_seq = self.next_seq.wrapping_add(1);
        let seq = self.next_seq;
        self.insert(Queued {
            at: now,
            seq,
            id: id.to_string(),
            json,
            keep,
            written: false,
            hiding: false,
        });
    }

    /// Has durable storage remove `id` (a record no partition wants).
    pub fn forget(&mut self, id: &str) {
        self.deletes.push(id.to_string());
    }

    /// Takes in an event found in durable storage (or announced by another
    /// tab). Returns false when it is already known here.
    pub fn adopt(&mut self, id: &str, at: u64, seq: u32, keep: Retention, json: String) -> bool {
        let in_flight = self
            .in_flight
            .as_ref()
            .is_some_and(|b| b.events.iter().any(|q| q.id == id));
        if self.settled.contains(&id_hash(id)) {
            // A stale copy (a tab closed before it could delete it, or a
            // spill beside its chunk): storage lets go of it too.
            self.deletes.push(id.to_string());
            return false;
        }
        if in_flight || self.position((at, seq, id)).is_ok() {
            return false;
        }
        self.insert(Queued {
            at,
            seq,
            id: id.to_string(),
            json,
            keep,
            written: true,
            hiding: false,
        });
        true
    }

    /// Where an event with `key` is (Ok) or would go (Err).
    fn position(&self, key: (u64, u32, &str)) -> Result<usize, usize> {
        match self.queue.last() {
            Some(last) if last.key() < key => Err(self.queue.len()),
            _ => self.queue.binary_search_by(|q| q.key().cmp(&key)),
        }
    }

    fn insert(&mut self, event: Queued) {
        self.queued_bytes += event.json.len();
        if !event.written {
            self.unwritten += 1;
        }
        match self.position(event.key()) {
            Ok(at) => {
                // The same event twice: kept once.
                let old = core::mem::replace(&mut self.queue[at], event);
                self.queued_bytes -= old.json.len();
                if !old.written {
                    self.unwritten -= 1;
                }
            }
            Err(at) => self.queue.insert(at, event),
        }
        self.enforce_caps();
    }

    fn enforce_caps(&mut self) {
        while self.queue.len() > self.policy.max_events || self.queued_bytes > self.policy.max_bytes {
            let victim = self.queue.iter().position(|q| q.keep == Retention::Raw).unwrap_or(0);
            if self.queue.is_empty() {
                break;
            }
            let old = self.queue.remove(victim);
            self.queued_bytes -= old.json.len();
            self.remember_settled(&old.id);
            if old.written {
                self.deletes.push(old.id);
            } else {
                self.unwritten -= 1;
            }
            self.dropped_unreported += 1;
            self.dropped_total += 1;
        }
    }

    /// Events to write to durable storage, as a JSON array of
    /// `{"id","at","seq","keep","body"}` (body: the event's JSON as a string), or
    /// an empty string when there is nothing new; about `max_bytes` at most
    /// (at least one record), so that a backlog is written in pieces rather
    /// than in one long task. A writer tab lets go of them here; if the
    /// write fails, the shell adopts them back.
    pub fn take_writes(&mut self, max_bytes: usize) -> String {
        if self.unwritten == 0 {
            return String::new();
        }
        let mut out = String::from("[");
        for event in self.queue.iter_mut().filter(|q| !q.written) {
            if out.len() > 1 {
                if out.len() >= max_bytes {
                    break;
                }
                out.push(',');
            }
            out.push_str("{\"id\":");
            write_string(&mut out, &event.id);
            out.push_str(",\"at\":");
            push_u64(&mut out, event.at);
            out.push_str(",\"seq\":");
            push_u64(&mut out, u64::from(event.seq));
            out.push_str(",\"keep\":");
            push_u64(&mut out, u64::from(event.keep.code()));
            out.push_str(",\"body\":");
            write_string(&mut out, &event.json);
            out.push('}');
            event.written = true;
            self.unwritten -= 1;
        }
        out.push(']');
        if !self.sender {
            self.release_written();
        }
        out
    }

    /// A writer lets go of what is written: the sender delivers it. The
    /// newest stay in `own` for this tab's page-hide request.
    fn release_written(&mut self) {
        let (bytes, own, own_bytes) = (&mut self.queued_bytes, &mut self.own, &mut self.own_bytes);
        self.queue.retain_mut(|q| {
            if !q.written {
                return true;
            }
            *bytes -= q.json.len();
            *own_bytes += q.json.len();
            own.push(core::mem::take(q));
            false
        });
        // The newest within the budget: the oldest go first.
        let mut excess = self.own_bytes.saturating_sub(KEEPALIVE_BUDGET);
        let own_bytes = &mut self.own_bytes;
        self.own.retain(|q| {
            let keep = excess == 0;
            if !keep {
                excess = excess.saturating_sub(q.json.len());
                *own_bytes -= q.json.len();
            }
            keep
        });
    }

    /// The sender delivered (or dropped) these events: a writer forgets its copies.
    pub fn confirm(&mut self, ids: &[&str]) {
        let bytes = &mut self.own_bytes;
        self.own.retain(|q| {
            let gone = ids.contains(&q.id.as_str());
            if gone {
                *bytes -= q.json.len();
            }
            !gone
        });
    }

    /// Ids to remove from durable storage (delivered or dropped), as a JSON
    /// array, or an empty string when there are none.
    pub fn take_deletes(&mut self) -> String {
        if self.deletes.is_empty() {
            return String::new();
        }
        let mut out = String::from("[");
        for (i, id) in self.deletes.drain(..).enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, &id);
        }
        out.push(']');
        out
    }

    /// Whether a batch should be sent at `now`. `force` (flush(), page hide)
    /// sends whatever waits, but still respects a pending backoff.
    pub fn due(&self, now: u64, force: bool) -> bool {
        if !self.sender || self.in_flight.is_some() || self.queue.is_empty() || now < self.not_before {
            return false;
        }
        force
            || self.queue.len() >= self.policy.flush_at
            || self.queued_bytes + ENVELOPE_BYTES >= self.policy.max_batch_bytes
            || self.attempts > 0
            || now.saturating_sub(self.oldest_at()) >= self.policy.flush_interval_ms
    }

    fn oldest_at(&self) -> u64 {
        self.queue.first().map_or(0, |q| q.at)
    }

    /// Milliseconds from `now` until `due` may turn true without new events,
    /// or `None` when nothing waits (or a batch is in flight).
    pub fn next_wake(&self, now: u64) -> Option<u64> {
        if !self.sender || self.in_flight.is_some() || self.queue.is_empty() {
            return None;
        }
        let by_age = self.oldest_at() + self.policy.flush_interval_ms;
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
        if !self.sender || self.in_flight.is_some() || self.queue.is_empty() {
            return None;
        }
        let mut body = self.envelope(&batch_id, now, write_key, self.dropped_unreported);
        let budget = self.policy.max_batch_bytes.saturating_sub(body.len() + 2);
        let mut used = 0;
        let mut count = 0;
        let most = match self.batch_limit {
            0 => self.policy.max_batch_events,
            limit => limit.min(self.policy.max_batch_events),
        };
        for event in &self.queue {
            let cost = event.json.len() + 1;
            if count > 0 && (used + cost > budget || count == most) {
                break;
            }
            used += cost;
            if count > 0 {
                body.push(',');
            }
            body.push_str(&event.json);
            count += 1;
        }
        let events: Vec<Queued> = self.queue.drain(..count).collect();
        for event in &events {
            self.queued_bytes -= event.json.len();
            if !event.written {
                self.unwritten -= 1;
            }
        }
        body.push_str("]}");
        self.in_flight = Some(InFlight { id: batch_id, events });
        Some(body)
    }

    /// A batch body up to its first event: `{"v":1,…,"events":[`.
    /// `dropped`: the count to report (page-hide requests report none, so it is never counted twice).
    fn envelope(&self, batch_id: &str, now: u64, write_key: Option<&str>, dropped: u64) -> String {
        let mut body = String::with_capacity(self.policy.max_batch_bytes.min(self.queued_bytes + ENVELOPE_BYTES));
        body.push_str("{\"v\":");
        push_u64(&mut body, BATCH_FORMAT_VERSION);
        body.push_str(",\"batchId\":\"");
        body.push_str(batch_id);
        body.push_str("\",\"sentAt\":");
        push_u64(&mut body, now);
        if let Some(key) = write_key {
            body.push_str(",\"writeKey\":");
            write_string(&mut body, key);
        }
        if dropped > 0 {
            body.push_str(",\"dropped\":");
            push_u64(&mut body, dropped);
        }
        body.push_str(",\"events\":[");
        body
    }

    /// The batch id of a body this outbox wrote (`{"v":1,"batchId":"…"`).
    /// Bytes, not `str` patterns: those bring `core::fmt` into the wasm.
    pub fn batch_id_of(body: &str) -> Option<&str> {
        const PREFIX: &[u8] = b"{\"v\":1,\"batchId\":\"";
        let rest = body.as_bytes().strip_prefix(PREFIX)?;
        let end = rest.iter().position(|&b| b == b'"')?;
        body.get(PREFIX.len()..PREFIX.len() + end)
    }

    /// The id of the batch in flight.
    pub fn in_flight_id(&self) -> Option<&str> {
        self.in_flight.as_ref().map(|b| b.id.as_str())
    }

    /// Applies the backend's answer to the batch in flight (`status` 0 for a
    /// network error). Retried events go back to the queue, in order. A
    /// refused batch is tried once more (a proxy's passing 4xx happens);
    /// refused again for its content (400, 413, 422), it is sent in halves
    /// until the refused events are found, so a valid event is never dropped
    /// for another's sake; a single refused event, or a batch refused for
    /// any other reason (a wrong key or URL), is dropped and reported.
    pub fn settle(&mut self, status: u16, retry_after_ms: Option<u64>, now: u64, jitter_unit: f64) -> Option<Settled> {
        let batch = self.in_flight.take()?;
        let events = batch.events.len();
        let mut disposition = classify(status);
        if disposition == Disposition::Reject && !self.refused_once && self.suspect == 0 {
            self.refused_once = true;
            disposition = Disposition::Retry;
        } else if disposition == Disposition::Reject && events > 1 && refusal_of_content(status) {
            // Halve: the next batches take at most half of these at a time.
            self.refused_once = false;
            self.suspect = self.suspect.max(events);
            self.batch_limit = events.div_ceil(2);
            self.requeue(batch.events);
            return Some(Settled {
                disposition: Disposition::Retry,
                events,
                retry_at: now,
            });
        }
        match disposition {
            Disposition::Delivered | Disposition::Reject => {
                if disposition == Disposition::Reject {
                    self.dropped_unreported += events as u64;
                    self.dropped_total += events as u64;
                    self.refused_total += events as u64;
                } else {
                    self.dropped_unreported = 0;
                }
                self.suspect = self.suspect.saturating_sub(events);
                if self.suspect == 0 {
                    self.batch_limit = 0;
                }
                self.attempts = 0;
                self.refused_once = false;
                self.not_before = 0;
                for event in batch.events {
                    self.remember_settled(&event.id);
                    if event.written {
                        self.deletes.push(event.id);
                    }
                }
            }
            Disposition::Retry => {
                self.attempts += 1;
                if classify(status) == Disposition::Retry {
                    self.refused_once = false;
                }
                self.not_before = now + retry_delay_ms(status, self.attempts, retry_after_ms, jitter_unit);
                self.requeue(batch.events);
                self.enforce_caps();
            }
        }
        Some(Settled {
            disposition,
            events,
            retry_at: self.not_before,
        })
    }

    /// The batch in flight went as several requests (a destination's backend
    /// takes fewer events per request) and only those carrying `kept` failed
    /// (or were not sent): every other event of the batch is delivered and
    /// leaves the outbox now, and `status` settles the rest, so a retry never
    /// resends what a backend already accepted. Ids are the events' own (a
    /// destination's key is `<destination>/<event id>`).
    pub fn settle_split(
        &mut self,
        kept: &[&str],
        status: u16,
        retry_after_ms: Option<u64>,
        now: u64,
        jitter_unit: f64,
    ) -> Option<Settled> {
        let batch = self.in_flight.as_mut()?;
        let event_id = |key: &str| -> usize { key.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1) };
        let (delivered, rest): (Vec<Queued>, Vec<Queued>) = batch
            .events
            .drain(..)
            .partition(|q| !kept.contains(&q.id.get(event_id(&q.id)..).unwrap_or_default()));
        batch.events = rest;
        let sent = delivered.len();
        for event in delivered {
            self.remember_settled(&event.id);
            if event.written {
                self.deletes.push(event.id);
            }
        }
        if self.in_flight.as_ref().is_some_and(|b| b.events.is_empty()) {
            return self
                .settle(200, None, now, jitter_unit)
                .map(|s| Settled { events: sent, ..s });
        }
        self.settle(status, retry_after_ms, now, jitter_unit)
    }

    /// The backend stored a batch but refused `count` of its events (it
    /// named them in its answer): counted with what was refused.
    pub fn note_refused(&mut self, count: u64) {
        self.refused_total += count;
    }

    /// Page hide: the next request of what this tab has not yet seen
    /// delivered, or `None` when all of it is on its way (or the keepalive
    /// budget is spent). A sender sends its batch in flight (the page may
    /// cancel that request) and its queue; a writer its own events, written
    /// or not. Events stay queued until a request's answer (`settle_hide`),
    /// so a page that lives on loses nothing, and the backend drops what
    /// arrives twice by id.
    pub fn take_hide_batch(&mut self, batch_id: String, now: u64, write_key: Option<&str>) -> Option<String> {
        let spent: usize = self.hiding.iter().map(|h| h.bytes).sum();
        let room = KEEPALIVE_BUDGET.saturating_sub(spent).min(self.policy.max_batch_bytes);
        let mut body = self.envelope(&batch_id, now, write_key, self.dropped_unreported);
        let budget = room.saturating_sub(body.len() + 2);
        let most = self.policy.max_batch_events;
        let mut used = 0;
        let mut ids = Vec::new();
        let in_flight = self.in_flight.as_mut().map(|b| &mut b.events[..]).unwrap_or(&mut []);
        let candidates = in_flight
            .iter_mut()
            .chain(self.queue.iter_mut())
            .chain(self.own.iter_mut());
        for event in candidates.filter(|q| !q.hiding) {
            let cost = event.json.len() + 1;
            if used + cost > budget || ids.len() == most {
                break;
            }
            used += cost;
            if !ids.is_empty() {
                body.push(',');
            }
            body.push_str(&event.json);
            event.hiding = true;
            ids.push(event.id.clone());
        }
        if ids.is_empty() {
            return None;
        }
        body.push_str("]}");
        self.hiding.push(Hiding {
            id: batch_id,
            events: ids,
            bytes: body.len(),
        });
        Some(body)
    }

    /// The answer to page-hide request `batch_id`: delivered events leave the
    /// queue (and storage); after a failure they may go in a later request.
    pub fn settle_hide(&mut self, batch_id: &str, status: u16) {
        let mut ids = Vec::new();
        self.hiding.retain_mut(|h| {
            let this = ids.is_empty() && h.id == batch_id;
            if this {
                ids = core::mem::take(&mut h.events);
            }
            !this
        });
        if ids.is_empty() {
            return;
        }
        let delivered = classify(status) == Disposition::Delivered;
        // The batch in flight is settled by its own answer; the others may go again.
        let in_flight = self.in_flight.as_mut().map(|b| &mut b.events[..]).unwrap_or(&mut []);
        for q in in_flight
            .iter_mut()
            .chain(self.own.iter_mut())
            .chain(self.queue.iter_mut())
        {
            q.hiding = q.hiding && !ids.contains(&q.id);
        }
        if !delivered {
            return;
        }
        let mut settled = Vec::new();
        let bytes = &mut self.queued_bytes;
        self.queue.retain(|q| {
            let sent = ids.contains(&q.id);
            if sent {
                *bytes -= q.json.len();
                settled.push((q.id.clone(), q.written));
            }
            !sent
        });
        for (id, written) in settled {
            self.remember_settled(&id);
            if written {
                self.deletes.push(id);
            } else {
                self.unwritten -= 1;
            }
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.confirm(&ids);
    }

    fn remember_settled(&mut self, id: &str) {
        let hash = id_hash(id);
        if self.settled.len() < REMEMBERED_SETTLED {
            self.settled.push(hash);
        } else {
            self.settled[self.settled_next] = hash;
            self.settled_next = (self.settled_next + 1) % REMEMBERED_SETTLED;
        }
    }

    /// Puts a batch back at the head of the queue, in order.
    fn requeue(&mut self, events: Vec<Queued>) {
        for event in events {
            // (Never already queued: adopt() refuses what is in flight.)
            if let Err(at) = self.position(event.key()) {
                self.queued_bytes += event.json.len();
                if !event.written {
                    self.unwritten += 1;
                }
                self.queue.insert(at, event);
            }
        }
    }

    /// Forgets every waiting event (reset, opt-out); storage is erased by the
    /// shell as a whole.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.queued_bytes = 0;
        self.in_flight = None;
        self.attempts = 0;
        self.refused_once = false;
        self.not_before = 0;
        self.unwritten = 0;
        self.deletes.clear();
        self.own.clear();
        self.own_bytes = 0;
        self.hiding.clear();
        self.suspect = 0;
        self.batch_limit = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json;

    fn policy() -> OutboxPolicy {
        OutboxPolicy {
            flush_at: 3,
            flush_interval_ms: 1_000,
            max_batch_bytes: 1_000,
            max_batch_events: 2_000,
            max_events: 10,
            max_bytes: 100_000,
        }
    }

    fn event(n: usize) -> String {
        "{\"n\":".to_string() + &crate::base::num::u64_to_string(n as u64) + "}"
    }

    fn push(o: &mut Outbox, n: usize, at: u64) {
        o.push(&id(n), event(n), Retention::Raw, at);
    }

    fn id(n: usize) -> String {
        "e".to_string() + &crate::base::num::u64_to_string(n as u64)
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
        push(&mut o, 1, 0);
        assert!(!o.due(10, false));
        assert!(o.due(10, true));
        assert_eq!(o.next_wake(10), Some(990));
        assert!(o.due(1_000, false));
        push(&mut o, 2, 20);
        push(&mut o, 3, 30);
        assert!(o.due(30, false));
    }

    #[test]
    fn one_batch_in_flight_and_delivery_in_order() {
        let mut o = Outbox::new(policy());
        for n in 0..5 {
            push(&mut o, n, 0);
        }
        let body = o.take_batch("b1".into(), 5, Some("wk")).unwrap();
        assert_eq!(numbers(&body), vec![0, 1, 2, 3, 4]);
        let v = json::parse(&body).unwrap();
        assert_eq!(v.get("v").unwrap().as_u64(), Some(1));
        assert_eq!(v.get("writeKey").unwrap().as_str(), Some("wk"));
        push(&mut o, 5, 6);
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
            push(&mut o, n, 0);
        }
        let mut seen = Vec::new();
        let mut i = 0;
        while let Some(body) = o.take_batch("b".to_string() + &crate::base::num::u64_to_string(i), 0, None) {
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
        push(&mut o, 1, 0);
        push(&mut o, 2, 0);
        o.take_batch("b".into(), 0, None).unwrap();
        push(&mut o, 3, 1);
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
        push(&mut o, 1, 0);
        o.take_batch("b".into(), 0, None).unwrap();
        let first = o.settle(400, None, 0, 0.0).unwrap();
        assert_eq!(first.disposition, Disposition::Retry, "a refusal is tried once more");
        o.take_batch("b".into(), first.retry_at, None).unwrap();
        assert_eq!(o.settle(400, None, 0, 0.0).unwrap().disposition, Disposition::Reject);
        push(&mut o, 2, 0);
        let body = o.take_batch("c".into(), 0, None).unwrap();
        assert_eq!(json::parse(&body).unwrap().get("dropped").unwrap().as_u64(), Some(1));
        o.settle(200, None, 0, 0.0);
        push(&mut o, 3, 0);
        let body = o.take_batch("d".into(), 0, None).unwrap();
        assert!(json::parse(&body).unwrap().get("dropped").is_none());
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_them() {
        let mut o = Outbox::new(policy());
        for n in 0..15 {
            push(&mut o, n, 0);
        }
        assert_eq!(o.len(), 10);
        assert_eq!(o.dropped_total, 5);
        let body = o.take_batch("b".into(), 0, None).unwrap();
        assert_eq!(numbers(&body)[0], 5);
        assert_eq!(json::parse(&body).unwrap().get("dropped").unwrap().as_u64(), Some(5));
    }

    fn ids(list: &str) -> Vec<String> {
        match json::parse(list).unwrap() {
            json::Value::Array(items) => items
                .iter()
                .map(|v| v.get("id").and_then(|i| i.as_str()).or(v.as_str()).unwrap().to_string())
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_full_queue_drops_raw_events_before_summaries() {
        let mut o = Outbox::new(OutboxPolicy {
            max_events: 4,
            ..policy()
        });
        o.push("j-s1", "{\"n\":100}".into(), Retention::Longest, 0);
        for n in 1..=5 {
            push(&mut o, n, n as u64);
        }
        let body = o.take_batch("b".into(), 10, None).unwrap();
        assert_eq!(
            numbers(&body),
            vec![100, 3, 4, 5],
            "the summary outlives older raw events"
        );
        assert_eq!(json::parse(&body).unwrap().get("dropped").unwrap().as_u64(), Some(2));
    }

    #[test]
    fn every_event_is_handed_to_storage_and_deleted_once_delivered() {
        let mut o = Outbox::new(policy());
        push(&mut o, 1, 0);
        push(&mut o, 2, 1);
        let writes = o.take_writes(usize::MAX);
        assert_eq!(ids(&writes), vec!["e1", "e2"]);
        let first = json::parse(&writes).unwrap();
        let json::Value::Array(records) = first else { panic!() };
        assert_eq!(records[0].get("body").unwrap().as_str(), Some("{\"n\":1}"));
        assert_eq!(records[0].get("keep").unwrap().as_u64(), Some(0));
        assert_eq!(o.take_writes(usize::MAX), "", "written once");
        push(&mut o, 3, 2);
        o.take_batch("b".into(), 2, None).unwrap();
        assert_eq!(o.take_deletes(), "", "nothing deleted before the answer");
        o.settle(200, None, 3, 0.0);
        assert_eq!(
            ids(&o.take_deletes()),
            vec!["e1", "e2"],
            "e3 was delivered before it was written"
        );
        assert_eq!(o.take_writes(usize::MAX), "");
    }

    #[test]
    fn a_backlog_is_handed_to_storage_in_pieces() {
        let mut o = Outbox::new(policy());
        for n in 0..10 {
            push(&mut o, n, n as u64);
        }
        let first = o.take_writes(60);
        assert!(ids(&first).len() < 10, "{first}");
        let mut all = ids(&first);
        loop {
            let more = o.take_writes(60);
            if more.is_empty() {
                break;
            }
            all.extend(ids(&more));
        }
        assert_eq!(all, (0..10).map(id).collect::<Vec<_>>(), "every event once, in order");
    }

    #[test]
    fn a_writer_tab_lets_go_of_written_events_and_the_sender_adopts_them_once() {
        let mut writer = Outbox::new(policy());
        writer.set_sender(false);
        push(&mut writer, 1, 5);
        push(&mut writer, 2, 6);
        assert!(!writer.due(100_000, true), "a writer never sends");
        let writes = writer.take_writes(usize::MAX);
        assert!(writer.is_empty(), "handed over to storage");

        let mut sender = Outbox::new(policy());
        push(&mut sender, 9, 1);
        let json::Value::Array(records) = json::parse(&writes).unwrap() else {
            panic!()
        };
        for record in &records {
            let adopt = |o: &mut Outbox| {
                o.adopt(
                    record.get("id").unwrap().as_str().unwrap(),
                    record.get("at").unwrap().as_u64().unwrap(),
                    record.get("seq").unwrap().as_u64().unwrap() as u32,
                    Retention::from_code(record.get("keep").unwrap().as_u64().unwrap() as u8),
                    record.get("body").unwrap().as_str().unwrap().to_string(),
                )
            };
            assert!(adopt(&mut sender));
            assert!(!adopt(&mut sender), "the same record twice is one event");
        }
        let body = sender.take_batch("b".into(), 10, None).unwrap();
        assert_eq!(numbers(&body), vec![9, 1, 2], "ordered by time across tabs");
        sender.settle(200, None, 11, 0.0);
        assert_eq!(ids(&sender.take_deletes()), vec!["e1", "e2"]);
        assert!(
            !sender.adopt("e1", 5, 1, Retention::Raw, event(1)),
            "a late copy of a delivered event is not sent again"
        );
        assert!(sender.is_empty());
    }

    #[test]
    fn a_writer_elected_sender_keeps_its_written_events_until_storage_is_read() {
        // Leaving just after the election: storage has not been read yet,
        // and the page-hide request must still carry this tab's events.
        let mut o = Outbox::new(policy());
        o.set_sender(false);
        push(&mut o, 1, 5);
        push(&mut o, 2, 6);
        o.take_writes(usize::MAX);
        o.set_sender(true);
        assert_eq!(o.len(), 2, "still queued in the new sender");
        assert!(
            o.take_writes(usize::MAX).is_empty(),
            "already written: not written twice"
        );
        assert!(
            !o.adopt("e1", 5, 1, Retention::Raw, event(1)),
            "the stored copy is the same event"
        );
        let body = o.take_hide_batch("h".into(), 10, None).unwrap();
        assert_eq!(numbers(&body), vec![1, 2]);
    }

    #[test]
    fn a_sender_that_steps_down_leaves_its_batch_to_the_next() {
        let mut o = Outbox::new(policy());
        push(&mut o, 1, 0);
        o.take_writes(usize::MAX);
        push(&mut o, 2, 1);
        o.take_batch("b".into(), 1, None).unwrap();
        o.set_sender(false);
        assert!(o.settle(200, None, 2, 0.0).is_none(), "a late answer changes nothing");
        assert_eq!(
            ids(&o.take_writes(usize::MAX)),
            vec!["e2"],
            "what was never written is written now"
        );
        assert!(o.is_empty());
        assert_eq!(o.take_deletes(), "", "nothing deleted: the next sender sends it");
    }

    #[test]
    fn lowering_the_caps_drops_the_oldest_and_deletes_them_from_storage() {
        let mut o = Outbox::new(policy());
        for n in 0..6 {
            push(&mut o, n, n as u64);
        }
        o.take_writes(usize::MAX);
        o.limit(4, 1_000_000);
        assert_eq!(o.len(), 4);
        assert_eq!(ids(&o.take_deletes()), vec!["e0", "e1"]);
    }

    #[test]
    fn page_hide_sends_the_batch_in_flight_and_the_queue_and_settles_on_the_answer() {
        let mut o = Outbox::new(policy());
        for n in 0..5 {
            push(&mut o, n, n as u64);
        }
        o.take_writes(usize::MAX);
        o.take_batch("b1".into(), 5, None).unwrap();
        push(&mut o, 5, 6);
        let body = o.take_hide_batch("h1".into(), 7, Some("wk")).unwrap();
        assert_eq!(
            numbers(&body),
            vec![0, 1, 2, 3, 4, 5],
            "the batch in flight is no reason to send nothing"
        );
        assert_eq!(Outbox::batch_id_of(&body), Some("h1"));
        assert!(json::parse(&body).unwrap().get("dropped").is_none());
        assert!(
            o.take_hide_batch("h2".into(), 7, None).is_none(),
            "each event once per hide"
        );
        assert_eq!(o.len(), 6, "kept until an answer");
        o.settle_hide("h1", 200);
        assert_eq!(
            o.len(),
            5,
            "the queued event is delivered; the batch in flight waits for its own answer"
        );
        assert_eq!(o.take_deletes(), "", "e5 was never written");
        o.settle(0, None, 8, 0.0);
        assert_eq!(
            o.len(),
            5,
            "a cancelled batch goes back to the queue (the backend drops the copies)"
        );
    }

    #[test]
    fn a_failed_page_hide_request_leaves_its_events_for_the_next() {
        let mut o = Outbox::new(policy());
        push(&mut o, 1, 0);
        o.take_hide_batch("h1".into(), 1, None).unwrap();
        o.settle_hide("h1", 503);
        assert_eq!(numbers(&o.take_hide_batch("h2".into(), 2, None).unwrap()), vec![1]);
        o.settle_hide("unknown", 200);
        o.settle_hide("h2", 204);
        assert!(o.is_empty());
        assert!(
            !o.adopt("e1", 0, 1, Retention::Raw, event(1)),
            "delivered at hide: never sent again"
        );
    }

    #[test]
    fn page_hide_requests_stay_within_the_keepalive_budget() {
        let mut o = Outbox::new(OutboxPolicy {
            max_batch_bytes: 30_000,
            max_events: 1_000,
            max_bytes: 1_000_000,
            ..policy()
        });
        let big = "x".repeat(1_000);
        for n in 0..100 {
            o.push(
                &id(n),
                "{\"n\":".to_string() + &crate::base::num::u64_to_string(n as u64) + ",\"p\":\"" + &big + "\"}",
                Retention::Raw,
                n as u64,
            );
        }
        let mut bodies = Vec::new();
        let mut i = 0;
        while let Some(body) = o.take_hide_batch("h".to_string() + &crate::base::num::u64_to_string(i), 1, None) {
            bodies.push(body);
            i += 1;
        }
        assert!(
            bodies.len() >= 2,
            "several requests when one would pass the per-request limit"
        );
        assert!(bodies.iter().all(|b| b.len() <= 30_000));
        let total: usize = bodies.iter().map(String::len).sum();
        assert!(total <= KEEPALIVE_BUDGET, "{total}");
        let sent: Vec<u64> = bodies.iter().flat_map(|b| numbers(b)).collect();
        assert_eq!(
            sent,
            (0..sent.len() as u64).collect::<Vec<_>>(),
            "oldest first, each once"
        );
        o.settle_hide("h0", 200);
        assert!(
            o.take_hide_batch("h9".into(), 2, None).is_some(),
            "an answered request frees its share of the budget"
        );
    }

    #[test]
    fn a_writer_sends_its_own_unconfirmed_events_at_page_hide() {
        let mut writer = Outbox::new(policy());
        writer.set_sender(false);
        push(&mut writer, 1, 1);
        push(&mut writer, 2, 2);
        writer.take_writes(usize::MAX);
        push(&mut writer, 3, 3);
        assert_eq!(writer.len(), 1, "written events are the sender's to deliver");
        writer.confirm(&["e1"]);
        let body = writer.take_hide_batch("h".into(), 4, None).unwrap();
        assert_eq!(
            numbers(&body),
            vec![3, 2],
            "what is not yet written, then what the sender has not confirmed"
        );
        writer.settle_hide("h", 200);
        assert!(writer.is_empty());
        assert_eq!(
            writer.take_writes(usize::MAX),
            "",
            "delivered before it was written: never written"
        );
    }

    #[test]
    fn a_refused_batch_is_halved_until_the_refused_event_is_found() {
        let mut o = Outbox::new(OutboxPolicy {
            flush_at: 100,
            ..policy()
        });
        for n in 0..8 {
            push(&mut o, n, n as u64);
        }
        let bad = 5;
        let mut delivered = Vec::new();
        let mut requests = 0;
        while let Some(body) = o.take_batch("b".into(), 100, None) {
            requests += 1;
            let sent = numbers(&body);
            let status = if sent.contains(&bad) { 400 } else { 200 };
            if status == 200 {
                delivered.extend(sent);
            }
            o.settle(status, None, 100, 0.0).unwrap();
            assert!(requests < 20);
        }
        assert_eq!(delivered, vec![0, 1, 2, 3, 4, 6, 7], "every valid event is delivered");
        assert_eq!(o.refused_total, 1);
        assert_eq!(o.dropped_total, 1);
        assert!(requests <= 9, "{requests} requests");
        push(&mut o, 9, 200);
        push(&mut o, 10, 201);
        assert_eq!(
            numbers(&o.take_batch("c".into(), 300, None).unwrap()),
            vec![9, 10],
            "whole batches again"
        );
    }

    #[test]
    fn a_batch_refused_for_its_key_is_not_halved() {
        let mut o = Outbox::new(policy());
        for n in 0..4 {
            push(&mut o, n, 0);
        }
        o.take_batch("b".into(), 0, None).unwrap();
        o.settle(401, None, 0, 0.0);
        o.take_batch("b".into(), 0, None).unwrap();
        assert_eq!(o.settle(401, None, 0, 0.0).unwrap().disposition, Disposition::Reject);
        assert!(o.is_empty());
        assert_eq!(o.refused_total, 4);
    }

    #[test]
    fn a_split_batch_settles_each_request_on_its_own() {
        let mut o = Outbox::new(policy());
        for n in 0..6 {
            o.push(&("ga4/".to_string() + &id(n)), event(n), Retention::Raw, n as u64);
        }
        o.take_writes(usize::MAX);
        o.take_batch("b".into(), 10, None).unwrap();
        // Three requests of two; the second failed with a 500.
        let settled = o.settle_split(&["e2", "e3"], 500, None, 10, 0.0).unwrap();
        assert_eq!(settled.disposition, Disposition::Retry);
        assert_eq!(ids(&o.take_deletes()), vec!["ga4/e0", "ga4/e1", "ga4/e4", "ga4/e5"]);
        let retry = o.take_batch("c".into(), settled.retry_at, None).unwrap();
        assert_eq!(
            numbers(&retry),
            vec![2, 3],
            "only the failed request's events are sent again"
        );
        assert!(
            !o.adopt("ga4/e0", 0, 1, Retention::Raw, event(0)),
            "a delivered event is never taken back"
        );
        let last = o.settle_split(&[], 500, None, 20, 0.0).unwrap();
        assert_eq!(last.disposition, Disposition::Delivered, "nothing kept: all delivered");
        assert!(o.is_empty());
    }

    #[test]
    fn a_stale_copy_of_a_delivered_event_is_deleted_from_storage() {
        let mut o = Outbox::new(policy());
        push(&mut o, 1, 0);
        o.take_batch("b".into(), 0, None).unwrap();
        o.settle(200, None, 0, 0.0);
        o.take_deletes();
        assert!(!o.adopt("e1", 0, 1, Retention::Raw, event(1)));
        assert_eq!(ids(&o.take_deletes()), vec!["e1"]);
    }
}
