//! Who the visitor is beyond the two ids, as Segment's and PostHog's users
//! expect it: super properties (`register`, `register_once`, `unregister`:
//! kept in storage and added to every event), the group the user belongs
//! to (`group`: a `group` event, then `context.groupId` on every event) and
//! aliases (`alias`: an `alias` event saying two ids are one person). Also
//! the site's `beforeSend` hook, which sees each event before it is stored.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Recorded, Tracker, CODE, MAX_USER_ID_LEN};
use crate::base::error::{reason, FieldError};
use crate::base::json::{parse, write_string, Value};
use crate::base::platform::{Random, Store};
use crate::capture::event::EventKind;

/// The super properties, a JSON object's text.
pub const PROPS_KEY: &str = "parcours.props";
/// The group id given to the last `group` call.
pub const GROUP_KEY: &str = "parcours.group";
/// The most the super properties may take, as JSON text.
pub const MAX_PROPS_BYTES: usize = 8_192;

/// The site's `beforeSend`, as the shell runs it: the event's JSON text in;
/// out `None` to drop it, or the event to store. The shell checks that what
/// the site's function returned is this event (same id, type, time, visitor
/// and session); the core checks that it still fits a batch.
pub type BeforeSend = Box<dyn FnMut(&str) -> Option<String>>;

/// `over`'s fields on `base`'s (both a JSON object's text or empty); with
/// `keep`, a field `base` has keeps its value. `None` when `over` is not an object.
fn merge(base: &str, over: &str, keep: bool) -> Option<String> {
    let Ok(Value::Object(mut fields)) = parse(if base.is_empty() { "{}" } else { base }) else {
        return None;
    };
    let Ok(Value::Object(given)) = parse(over) else {
        return None;
    };
    for (key, value) in given {
        match fields.iter().position(|(k, _)| *k == key) {
            Some(_) if keep => {}
            Some(i) => fields[i].1 = value,
            None => fields.push((key, value)),
        }
    }
    Some(Value::Object(fields).to_json())
}

fn check_id(id: &str, field: &str) -> Result<(), FieldError> {
    if id.is_empty() || id.len() > MAX_USER_ID_LEN {
        return Err(FieldError::refused(CODE, field, reason::ID));
    }
    Ok(())
}

impl Tracker {
    /// `register(properties)` (`once`: `register_once`, which keeps a value
    /// already set): merged into the super properties every later event carries.
    pub fn register(&mut self, properties: &str, once: bool, store: &mut dyn Store) -> Result<(), FieldError> {
        let text = merge(&self.super_props, properties, once)
            .ok_or_else(|| FieldError::refused(CODE, "properties", reason::PROPERTIES))?;
        if text.len() > MAX_PROPS_BYTES {
            return Err(FieldError::refused(CODE, "properties", reason::SUPER_SIZE));
        }
        store.set(PROPS_KEY, &text);
        self.super_props = text;
        Ok(())
    }

    /// `unregister(name)`: later events no longer carry that super property.
    pub fn unregister(&mut self, name: &str, store: &mut dyn Store) {
        if let Ok(Value::Object(mut fields)) = parse(&self.super_props) {
            fields.retain(|(key, _)| key != name);
            self.super_props = Value::Object(fields).to_json();
            store.set(PROPS_KEY, &self.super_props);
        }
    }

    /// The super properties with `properties` (a JSON object's text or
    /// empty) over them; `None` when there are none to add.
    pub(super) fn with_super_props(&self, properties: &str) -> Option<String> {
        if self.super_props.len() <= 2 {
            return None;
        }
        merge(
            &self.super_props,
            if properties.is_empty() { "{}" } else { properties },
            false,
        )
    }

    /// `group(groupId, traits)`: a `group` event, and `context.groupId` on
    /// every event after it (until `reset`).
    pub fn group(
        &mut self,
        group_id: &str,
        traits: &str,
        ts: u64,
        store: &mut dyn Store,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        check_id(group_id, "groupId")?;
        let previous = core::mem::replace(&mut self.group_id, group_id.to_string());
        let result = self.record_profile(EventKind::Group, "groupId", group_id, traits, ts, random);
        if result.is_err() {
            self.group_id = previous;
        } else {
            store.set(GROUP_KEY, group_id);
        }
        result
    }

    /// `alias(userId, previousId)`: an `alias` event telling the backend
    /// that `previous_id` (by default the user id, or else the visitor's
    /// anonymous id) and `user_id` are the same person. Changes no id here.
    pub fn alias(
        &mut self,
        user_id: &str,
        previous_id: &str,
        ts: u64,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        check_id(user_id, "userId")?;
        let previous_id = match previous_id {
            "" => self.user_id.clone().unwrap_or_else(|| self.visitor_id.clone()),
            given => given.to_string(),
        };
        check_id(&previous_id, "previousId")?;
        // The event names the new id as its user, as in Segment's spec.
        let current = self.user_id.replace(user_id.to_string());
        let result = self.record_profile(EventKind::Alias, "previousId", &previous_id, "", ts, random);
        self.user_id = current;
        result
    }

    /// Records a group or alias event with its own id field `key`.
    fn record_profile(
        &mut self,
        kind: EventKind,
        key: &str,
        id: &str,
        traits: &str,
        ts: u64,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        let mut extra = String::from(",\"");
        extra.push_str(key);
        extra.push_str("\":");
        write_string(&mut extra, id);
        self.record_with(kind, kind.as_str(), traits, &extra, ts, random)
    }

    /// Sets (or removes) the site's `beforeSend` hook.
    pub fn set_before_send(&mut self, hook: Option<BeforeSend>) {
        self.before_send = hook;
    }

    /// The event as `beforeSend` leaves it; `None` when the hook drops it.
    /// One it made too large for a batch is kept as it was, with an `error`
    /// notice saying why.
    pub(super) fn before_send(&mut self, json: String) -> Option<String> {
        let Some(hook) = self.before_send.as_mut() else {
            return Some(json);
        };
        let changed = hook(&json)?;
        if changed.len() <= self.outbox.policy().max_event_bytes() {
            return Some(changed);
        }
        let error = FieldError::refused(CODE, "beforeSend", reason::BEFORE_SEND_SIZE);
        self.notices
            .push(String::from("{\"type\":\"error\",\"error\":") + &error.to_json() + "}");
        Some(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::platform::{MemoryStore, SeededRandom};
    use crate::config::parse_options;
    use std::cell::RefCell;
    use std::rc::Rc;

    fn tracker(store: &mut MemoryStore) -> Tracker {
        let config = parse_options(r#"{"endpoint":"/v1/batch","flushAt":100}"#)
            .unwrap()
            .config;
        let mut t = Tracker::start(config, store, &mut SeededRandom(1), 1_000);
        t.set_page("https://shop.example/pricing", "Pricing", "");
        t
    }

    /// Every event waiting, as JSON values.
    fn sent(t: &mut Tracker) -> Vec<Value> {
        let body = t.next_batch(10_000, true, &mut SeededRandom(9)).unwrap_or_default();
        match parse(&body).ok().and_then(|b| b.get("events").cloned()) {
            Some(Value::Array(events)) => events,
            _ => Vec::new(),
        }
    }

    fn at<'a>(event: &'a Value, path: &[&str]) -> Option<&'a Value> {
        path.iter().try_fold(event, |v, key| v.get(key))
    }

    #[test]
    fn super_properties_go_on_every_later_event_under_its_own_and_last_across_page_loads() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let rng = &mut SeededRandom(2);
        t.record(EventKind::Track, "before", "", 2_000, rng).unwrap();
        t.register(r#"{"plan":"pro","app":"4.2"}"#, false, &mut store).unwrap();
        t.register(r#"{"plan":"free","first":"/pricing"}"#, true, &mut store)
            .unwrap();
        t.record(EventKind::Track, "after", r#"{"app":"mine"}"#, 3_000, rng)
            .unwrap();
        t.record(EventKind::Page, "page_view", "", 3_500, rng).unwrap();
        let events = sent(&mut t);
        assert_eq!(at(&events[0], &["properties"]), None, "nothing before register");
        assert_eq!(
            at(&events[1], &["properties"]).unwrap().to_json(),
            r#"{"plan":"pro","app":"mine","first":"/pricing"}"#,
            "register_once kept plan; the event's own app won"
        );
        assert_eq!(at(&events[2], &["properties", "plan"]).unwrap().as_str(), Some("pro"));

        // The next page load reads them from storage; unregister and reset remove them.
        let mut t = tracker(&mut store);
        t.record(EventKind::Track, "next page", "", 4_000, rng).unwrap();
        t.unregister("plan", &mut store);
        t.record(EventKind::Track, "unregistered", "", 4_100, rng).unwrap();
        t.reset(&mut store, rng, 4_200);
        t.record(EventKind::Track, "after reset", "", 4_300, rng).unwrap();
        let events = sent(&mut t);
        assert_eq!(at(&events[0], &["properties", "plan"]).unwrap().as_str(), Some("pro"));
        assert_eq!(at(&events[1], &["properties", "plan"]), None);
        assert_eq!(at(&events[1], &["properties", "app"]).unwrap().as_str(), Some("4.2"));
        let last = events.last().unwrap();
        assert_eq!(last.get("name").unwrap().as_str(), Some("after reset"));
        assert_eq!(last.get("properties"), None);
        assert_eq!(store.get(PROPS_KEY), None);
    }

    #[test]
    fn register_refuses_what_is_not_an_object_or_too_large_and_keeps_what_it_had() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        t.register(r#"{"plan":"pro"}"#, false, &mut store).unwrap();
        let error = t.register("[1]", false, &mut store).unwrap_err();
        assert_eq!((error.code, error.field.as_str()), ("invalid_call", "properties"));
        let huge = String::from(r#"{"notes":""#) + &"x".repeat(MAX_PROPS_BYTES) + r#""}"#;
        let error = t.register(&huge, false, &mut store).unwrap_err();
        assert!(error.problem.contains("8192 bytes"), "{}", error.problem);
        assert_eq!(store.get(PROPS_KEY).as_deref(), Some(r#"{"plan":"pro"}"#));
    }

    #[test]
    fn group_records_a_group_event_and_puts_the_group_in_every_later_context() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let rng = &mut SeededRandom(2);
        t.group("acme", r#"{"plan":"enterprise"}"#, 2_000, &mut store, rng)
            .unwrap();
        t.record(EventKind::Track, "Invoice Sent", "", 2_100, rng).unwrap();
        assert!(t.group("", "", 2_200, &mut store, rng).is_err());
        let events = sent(&mut t);
        assert_eq!(events[0].get("type").unwrap().as_str(), Some("group"));
        assert_eq!(events[0].get("groupId").unwrap().as_str(), Some("acme"));
        assert_eq!(
            at(&events[0], &["traits", "plan"]).unwrap().as_str(),
            Some("enterprise")
        );
        assert_eq!(at(&events[1], &["context", "groupId"]).unwrap().as_str(), Some("acme"));
        assert_eq!(events.len(), 2, "a refused group records nothing");
        // A group is who the user is, not a step of the journey.
        assert_eq!(t.journey().unwrap().event_count, 1, "only Invoice Sent");
        let mut again = tracker(&mut store);
        again.record(EventKind::Track, "next page", "", 3_000, rng).unwrap();
        assert_eq!(
            at(&sent(&mut again)[0], &["context", "groupId"]).unwrap().as_str(),
            Some("acme")
        );
    }

    #[test]
    fn alias_names_both_ids_and_changes_neither() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let rng = &mut SeededRandom(2);
        let visitor = t.visitor_id().to_string();
        t.alias("user_42", "", 2_000, rng).unwrap();
        t.identify("user_42", "", 2_100, &mut store, rng).unwrap();
        t.alias("crm-7", "old@example.com", 2_200, rng).unwrap();
        let events = sent(&mut t);
        assert_eq!(events[0].get("type").unwrap().as_str(), Some("alias"));
        assert_eq!(events[0].get("userId").unwrap().as_str(), Some("user_42"));
        assert_eq!(events[0].get("previousId").unwrap().as_str(), Some(visitor.as_str()));
        assert_eq!(events[2].get("previousId").unwrap().as_str(), Some("old@example.com"));
        assert_eq!(t.user_id(), Some("user_42"), "alias changes no id");
        assert_eq!(t.alias(&"x".repeat(257), "", 2_300, rng).unwrap_err().field, "userId");
    }

    #[test]
    fn before_send_changes_or_drops_events_before_they_are_stored_and_one_too_large_is_kept_as_it_was() {
        let mut store = MemoryStore::default();
        let mut t = tracker(&mut store);
        let rng = &mut SeededRandom(2);
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        t.set_before_send(Some(Box::new(move |event: &str| {
            log.borrow_mut().push(event.to_string());
            let value = parse(event).unwrap();
            match value.get("name").and_then(Value::as_str) {
                Some("drop me") => None,
                Some("rename me") => Some(event.replace("rename me", "renamed")),
                Some("too large") => {
                    Some(event.replace("\"too large\"", &("\"".to_string() + &"x".repeat(600_000) + "\"")))
                }
                _ => Some(event.to_string()),
            }
        })));
        for name in ["kept", "drop me", "rename me", "too large"] {
            t.record(EventKind::Track, name, "", 2_000, rng).unwrap();
        }
        let names: Vec<_> = sent(&mut t)
            .iter()
            .map(|e| e.get("name").unwrap().as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["kept", "renamed", "too large"]);
        assert_eq!(seen.borrow().len(), 4, "the hook saw every event");
        let notices = t.take_notices();
        assert!(notices.contains(r#""field":"beforeSend""#), "{notices}");
        assert!(notices.contains("larger than one batch"), "{notices}");
        // A dropped event is not in the journey either.
        assert_eq!(t.journey().unwrap().event_count, 3);
    }
}
