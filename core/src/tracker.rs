//! The tracker: turns calls (`track`, `page`, `identify`) into complete,
//! encoded events, keeps the visitor and session identity, and owns the
//! outbox. The shell feeds it time, randomness and storage.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::config::Config;
use crate::error::FieldError;
use crate::event::{EventFields, EventKind, PageContext};
use crate::outbox::{Outbox, OutboxPolicy, Settled};
use crate::platform::{new_id, Random, Store};
use crate::session::{SessionRules, SessionStart, SessionState};

/// Storage keys, shared by every tab of the site.
pub const VISITOR_KEY: &str = "parcours.vid";
pub const USER_KEY: &str = "parcours.uid";
pub const SESSION_KEY: &str = "parcours.session";

/// The longest event name and user id accepted.
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_USER_ID_LEN: usize = 256;

/// What recording an event changed, for the shell to announce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub session_started: Option<SessionStart>,
}

pub struct Tracker {
    config: Config,
    rules: SessionRules,
    visitor_id: String,
    user_id: Option<String>,
    session: Option<SessionState>,
    page: PageContext,
    outbox: Outbox,
    scratch: String,
}

const CODE: &str = "invalid_call";

impl Tracker {
    /// Starts with the visitor identity found in `store`, creating it if new.
    pub fn start(config: Config, store: &mut dyn Store, random: &mut dyn Random, now: u64) -> Tracker {
        let visitor_id = match store.get(VISITOR_KEY) {
            Some(id) if crate::id::is_valid_client_id(&id) => id,
            _ => {
                let id = new_id(now, random);
                store.set(VISITOR_KEY, &id);
                id
            }
        };
        let user_id = store
            .get(USER_KEY)
            .filter(|u| !u.is_empty() && u.len() <= MAX_USER_ID_LEN);
        let session = store.get(SESSION_KEY).and_then(|s| SessionState::from_storage(&s));
        let outbox = Outbox::new(OutboxPolicy {
            flush_at: config.flush_at as usize,
            flush_interval_ms: config.flush_interval_ms,
            max_batch_bytes: config.max_batch_bytes as usize,
            max_events: config.max_queue_events as usize,
            max_bytes: config.max_queue_bytes as usize,
        });
        Tracker {
            rules: SessionRules {
                timeout_ms: config.session_timeout_ms,
                max_length_ms: config.max_session_ms,
            },
            config,
            visitor_id,
            user_id,
            session,
            page: PageContext::default(),
            outbox,
            scratch: String::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn visitor_id(&self) -> &str {
        &self.visitor_id
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    pub fn session(&self) -> Option<&SessionState> {
        self.session.as_ref()
    }

    pub fn page(&self) -> &PageContext {
        &self.page
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Sets the page that following events happened on.
    pub fn set_page(&mut self, url: &str, title: &str, referrer: &str) {
        self.page = PageContext::new(url, title, referrer);
    }

    /// Picks up the session as another tab may have left it.
    pub fn load_session(&mut self, store: &dyn Store) {
        if let Some(stored) = store.get(SESSION_KEY).and_then(|s| SessionState::from_storage(&s)) {
            let newer = match &self.session {
                Some(mine) => stored.id != mine.id || stored.last_activity_at > mine.last_activity_at,
                None => true,
            };
            if newer {
                self.session = Some(stored);
            }
        }
    }

    /// Saves the session so other tabs continue it.
    pub fn save_session(&self, store: &mut dyn Store) {
        if let Some(session) = &self.session {
            store.set(SESSION_KEY, &session.to_storage());
        }
    }

    /// Records one call. `properties` is a JSON object's text or empty.
    pub fn record(
        &mut self,
        kind: EventKind,
        name: &str,
        properties: &str,
        ts: u64,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(
                FieldError::new(CODE, "name", "must be a non-empty string of at most 200 characters")
                    .with_fix("Name events like 'Signed Up' or 'checkout_started'"),
            );
        }
        let properties = properties.trim();
        let is_object = properties.starts_with('{') && properties.ends_with('}');
        if !properties.is_empty() && !is_object {
            return Err(FieldError::new(CODE, "properties", "must be a plain object")
                .with_fix("Pass an object such as { plan: 'pro' }, or nothing"));
        }
        let session_started = self.rules.touch(&mut self.session, ts, || new_id(ts, random));
        let session_id = self.session.as_ref().map_or("", |s| s.id.as_str());
        let id = new_id(ts, random);
        self.scratch.clear();
        EventFields {
            id: &id,
            kind,
            name,
            ts,
            visitor_id: &self.visitor_id,
            session_id,
            user_id: self.user_id.as_deref(),
            properties,
            page: &self.page,
        }
        .encode(&mut self.scratch);
        if self.scratch.len() > self.outbox.policy().max_event_bytes() {
            return Err(
                FieldError::new(CODE, "properties", "make the event larger than one batch may be")
                    .with_fix("Send fewer or shorter properties (an event must stay under options.maxBatchBytes)"),
            );
        }
        self.outbox.push(self.scratch.clone(), ts);
        Ok(Recorded { session_started })
    }

    /// Ties this visitor to a user id from the site, then records an
    /// `identify` event carrying `traits`.
    pub fn identify(
        &mut self,
        user_id: &str,
        traits: &str,
        ts: u64,
        store: &mut dyn Store,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        if user_id.is_empty() || user_id.len() > MAX_USER_ID_LEN {
            return Err(
                FieldError::new(CODE, "userId", "must be a non-empty string of at most 256 characters")
                    .with_fix("Pass your own stable id for the user, e.g. identify('user_42')"),
            );
        }
        let previous = self.user_id.replace(user_id.to_string());
        let result = self.record(EventKind::Identify, "identify", traits, ts, random);
        if result.is_err() {
            self.user_id = previous;
        } else {
            store.set(USER_KEY, user_id);
        }
        result
    }

    /// Forgets the user and the visitor: a new anonymous id and a new session
    /// follow. Events already recorded are still delivered.
    pub fn reset(&mut self, store: &mut dyn Store, random: &mut dyn Random, now: u64) {
        for key in [VISITOR_KEY, USER_KEY, SESSION_KEY] {
            store.remove(key);
        }
        self.visitor_id = new_id(now, random);
        store.set(VISITOR_KEY, &self.visitor_id);
        self.user_id = None;
        self.session = None;
    }

    /// The next batch body to send, if one is due.
    pub fn next_batch(&mut self, now: u64, force: bool, random: &mut dyn Random) -> Option<String> {
        if !self.outbox.due(now, force) {
            return None;
        }
        let id = new_id(now, random);
        self.outbox.take_batch(id, now, self.config.write_key.as_deref())
    }

    /// Applies the backend's answer to the batch in flight.
    pub fn settle(
        &mut self,
        status: u16,
        retry_after_ms: Option<u64>,
        now: u64,
        random: &mut dyn Random,
    ) -> Option<Settled> {
        let jitter = random.unit();
        self.outbox.settle(status, retry_after_ms, now, jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_options;
    use crate::json::{self, Value};
    use crate::platform::{MemoryStore, SeededRandom};

    fn tracker(store: &mut MemoryStore) -> Tracker {
        let config = parse_options(r#"{"endpoint":"/v1/batch","flushAt":2,"writeKey":"k"}"#)
            .unwrap()
            .config;
        let mut t = Tracker::start(config, store, &mut SeededRandom(1), 1_000);
        t.set_page("https://shop.example/pricing?x=1", "Pricing", "https://www.google.com/");
        t
    }

    fn events(body: &str) -> Vec<Value> {
        match json::parse(body).unwrap().get("events") {
            Some(Value::Array(events)) => events.clone(),
            _ => panic!("no events"),
        }
    }

    #[test]
    fn events_carry_ids_visitor_session_page_and_library() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let mut rng = SeededRandom(2);
        let r = t
            .record(EventKind::Track, "Viewed Plan", r#"{"plan":"pro"}"#, 2_000, &mut rng)
            .unwrap();
        assert_eq!(r.session_started, Some(SessionStart::FirstVisit));
        t.record(EventKind::Page, "page_view", "", 2_500, &mut rng).unwrap();
        let body = t.next_batch(2_500, false, &mut rng).expect("flushAt reached");
        let evs = events(&body);
        assert_eq!(evs.len(), 2);
        let first = &evs[0];
        assert_eq!(first.get("visitorId").unwrap().as_str(), Some(t.visitor_id()));
        assert_eq!(
            first.get("sessionId").unwrap().as_str(),
            Some(t.session().unwrap().id.as_str())
        );
        assert_eq!(first.get("ts").unwrap().as_u64(), Some(2_000));
        assert_ne!(first.get("id"), evs[1].get("id"));
        assert_eq!(
            first
                .get("context")
                .unwrap()
                .get("page")
                .unwrap()
                .get("path")
                .unwrap()
                .as_str(),
            Some("/pricing")
        );
        assert_eq!(json::parse(&body).unwrap().get("writeKey").unwrap().as_str(), Some("k"));
    }

    #[test]
    fn the_visitor_id_persists_across_page_loads() {
        let mut store = MemoryStore::default();
        let first = tracker(&mut store).visitor_id().to_string();
        let second = tracker(&mut store).visitor_id().to_string();
        assert_eq!(first, second);
    }

    #[test]
    fn two_tabs_share_one_session_through_storage() {
        let mut store = MemoryStore::default();
        let mut a = tracker(&mut store);
        let mut b = tracker(&mut store);
        let mut rng = SeededRandom(3);
        a.record(EventKind::Track, "x", "", 10_000, &mut rng).unwrap();
        a.save_session(&mut store);
        b.load_session(&store);
        let r = b.record(EventKind::Track, "y", "", 11_000, &mut rng).unwrap();
        assert_eq!(r.session_started, None);
        assert_eq!(a.session().unwrap().id, b.session().unwrap().id);
    }

    #[test]
    fn identify_sets_the_user_on_later_events_and_reset_forgets_it() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let mut rng = SeededRandom(4);
        t.identify("user_42", r#"{"plan":"pro"}"#, 5_000, &mut store, &mut rng)
            .unwrap();
        t.record(EventKind::Track, "after", "", 5_001, &mut rng).unwrap();
        let evs = events(&t.next_batch(5_001, true, &mut rng).unwrap());
        assert_eq!(evs[0].get("type").unwrap().as_str(), Some("identify"));
        assert_eq!(evs[1].get("userId").unwrap().as_str(), Some("user_42"));
        assert_eq!(store.get(USER_KEY).as_deref(), Some("user_42"));

        let old_visitor = t.visitor_id().to_string();
        t.reset(&mut store, &mut rng, 6_000);
        assert_ne!(t.visitor_id(), old_visitor);
        assert_eq!(t.user_id(), None);
        assert_eq!(store.get(USER_KEY), None);
    }

    #[test]
    fn bad_calls_are_refused_with_the_field_and_change_nothing() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let mut rng = SeededRandom(5);
        assert_eq!(
            t.record(EventKind::Track, "", "", 1, &mut rng).unwrap_err().field,
            "name"
        );
        assert_eq!(
            t.record(EventKind::Track, "x", "[1]", 1, &mut rng).unwrap_err().field,
            "properties"
        );
        let huge = "{\"a\":\"".to_string() + &"x".repeat(70_000) + "\"}";
        assert_eq!(
            t.record(EventKind::Track, "x", &huge, 1, &mut rng).unwrap_err().field,
            "properties"
        );
        assert_eq!(t.identify("", "", 1, &mut store, &mut rng).unwrap_err().field, "userId");
        assert!(t.outbox().is_empty());
    }
}
