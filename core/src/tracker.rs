//! The tracker: turns calls (`track`, `page`, `identify`) into complete,
//! encoded events, keeps the visitor, session and journey, emits a
//! `journey_summary` when a session ends, and owns the outbox. The shell
//! feeds it time, randomness and storage.
//!
//! Storage (shared by every tab of the site): the visitor id, the user id,
//! the session line, the current session's journey, and a revision number
//! that tells a tab when another one changed the journey.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{reason, FieldError};
use crate::base::json::ObjectWriter;
use crate::base::num::{parse_u64, u64_to_string};
use crate::base::platform::{new_id, Random, Store};
use crate::capture::event::{EventFields, EventKind, PageContext};
use crate::capture::friction::{scrub_error, FrictionState};
use crate::config::Config;
use crate::delivery::outbox::{Outbox, OutboxPolicy, Retention, Settled};
use crate::journey::attribution::{classify, Touch};
use crate::journey::session::{begin_next, SessionRules, SessionStart, SessionState};
use crate::journey::{Changes, Journey, Observed, SUMMARY_EVENT};
#[cfg(feature = "surveys")]
use crate::surveys::targeting::History;

/// Super properties, groups, aliases and the `beforeSend` hook.
pub mod profile;
/// Survey definitions served from a URL.
#[cfg(feature = "surveys")]
pub mod remote;
/// The destinations' partitions of the outbox.
pub mod routes;
/// Survey triggers and the rules judged at display.
#[cfg(feature = "surveys")]
pub mod surveys;

pub const VISITOR_KEY: &str = "parcours.vid";
pub const USER_KEY: &str = "parcours.uid";
pub const SESSION_KEY: &str = "parcours.session";
pub const JOURNEY_KEY: &str = "parcours.journey";
pub const JOURNEY_REV_KEY: &str = "parcours.journey.rev";
/// First and last (non-direct) touch of the visitor.
pub const TOUCHES_KEY: &str = "parcours.touches";
/// The visitor opted out (`parcours.optOut()`): the one thing kept, so that
/// later visits stay out until the page grants consent again.
pub const OPT_OUT_KEY: &str = "parcours.optout";
/// Survey definitions fetched from `surveysUrl` (see `remote`).
pub const REMOTE_KEY: &str = "parcours.surveys.remote";
/// The traits given to `identify`, for survey audiences.
pub const TRAITS_KEY: &str = "parcours.traits";
/// Everything Parcours keeps in the browser's storage (erased on denied consent).
pub const STORAGE_KEYS: [&str; 11] = [
    VISITOR_KEY,
    USER_KEY,
    SESSION_KEY,
    JOURNEY_KEY,
    JOURNEY_REV_KEY,
    TOUCHES_KEY,
    TRAITS_KEY,
    crate::base::platform::SURVEY_HISTORY_KEY,
    REMOTE_KEY,
    profile::PROPS_KEY,
    profile::GROUP_KEY,
];

/// The longest event name and user id accepted.
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_USER_ID_LEN: usize = 256;

/// What recording an event changed, for the shell to announce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub session_started: Option<SessionStart>,
    /// Notices (JSON objects with a `type`) waiting in `take_notices`.
    pub notices: usize,
}

pub struct Tracker {
    config: Config,
    rules: SessionRules,
    visitor_id: String,
    user_id: Option<String>,
    session: Option<SessionState>,
    journey: Option<Journey>,
    /// The stored journey revision this tab has seen or written.
    journey_rev: u64,
    journey_dirty: bool,
    /// This page load has not recorded an event yet: its URL and referrer
    /// say how the visitor arrived.
    landing: bool,
    first_touch: Option<Touch>,
    last_touch: Option<Touch>,
    page: PageContext,
    outbox: Outbox,
    notices: Vec<String>,
    scratch: String,
    /// `{…}` device context for every event, or empty.
    device: String,
    friction: FrictionState,
    #[cfg(feature = "vitals")]
    vitals: crate::capture::vitals::VitalsState,
    /// Forms already reported as long or repeatedly invalid on this page.
    flagged_forms: Vec<(String, &'static str)>,
    /// The traits given to `identify` (merged), for survey audiences.
    #[cfg(feature = "surveys")]
    traits: Option<crate::base::json::Value>,
    /// The surveys shown in this browser (re-read from storage at each claim).
    #[cfg(feature = "surveys")]
    history: History,
    /// Recording a passive event (`journey::is_passive`) and what it causes.
    passive: bool,
    /// How many of `config.surveys` came from `init`; those after came from `surveysUrl`.
    #[cfg(feature = "surveys")]
    init_surveys: usize,
    /// One outbox per destination, besides the main one.
    #[cfg(feature = "destinations")]
    routes: Vec<routes::Route>,
    /// What `register` adds to every event: a JSON object's text, or empty (see `profile`).
    super_props: String,
    /// The last `group` call's id (`context.groupId`), or empty.
    group_id: String,
    before_send: Option<profile::BeforeSend>,
}

const CODE: &str = "invalid_call";

impl Tracker {
    /// Starts with the visitor identity, session and journey found in `store`.
    pub fn start(config: Config, store: &mut dyn Store, random: &mut dyn Random, now: u64) -> Tracker {
        let visitor_id = match store.get(VISITOR_KEY) {
            Some(id) if crate::base::id::is_valid_client_id(&id) => id,
            _ => {
                let id = new_id(now, random);
                store.set(VISITOR_KEY, &id);
                id
            }
        };
        let user_id = store
            .get(USER_KEY)
            .filter(|u| !u.is_empty() && u.len() <= MAX_USER_ID_LEN);
        let outbox = Outbox::new(OutboxPolicy {
            flush_at: config.flush_at as usize,
            flush_interval_ms: config.flush_interval_ms,
            max_batch_bytes: config.max_batch_bytes as usize,
            max_batch_events: crate::delivery::batch::MAX_EVENTS_PER_BATCH,
            max_events: config.max_queue_events as usize,
            max_bytes: config.max_queue_bytes as usize,
        });
        let (first_touch, last_touch) = load_touches(store);
        let mut tracker = Tracker {
            rules: SessionRules {
                timeout_ms: config.session_timeout_ms,
                max_length_ms: config.max_session_ms,
            },
            #[cfg(feature = "surveys")]
            init_surveys: config.surveys.len(),
            #[cfg(feature = "destinations")]
            routes: config
                .destinations
                .iter()
                .map(|d| routes::Route::new(d.clone(), outbox.policy()))
                .collect(),
            config,
            visitor_id,
            user_id,
            session: None,
            journey: None,
            journey_rev: u64::MAX,
            journey_dirty: false,
            landing: false,
            first_touch,
            last_touch,
            page: PageContext::default(),
            outbox,
            notices: Vec::new(),
            scratch: String::new(),
            device: String::new(),
            friction: FrictionState::default(),
            #[cfg(feature = "vitals")]
            vitals: Default::default(),
            flagged_forms: Vec::new(),
            // The traits surveys' audiences judge and the surveys' history
            // (shown, answered): only builds with surveys read them.
            #[cfg(feature = "surveys")]
            traits: store.get(TRAITS_KEY).and_then(|t| crate::base::json::parse(&t).ok()),
            #[cfg(feature = "surveys")]
            history: History::load(store),
            passive: false,
            super_props: store.get(profile::PROPS_KEY).unwrap_or_default(),
            group_id: store.get(profile::GROUP_KEY).unwrap_or_default(),
            before_send: None,
        };
        tracker.load_session(store);
        tracker
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

    pub fn journey(&self) -> Option<&Journey> {
        self.journey.as_ref()
    }

    /// The touchpoint and stage the visitor is at now, for a survey answer.
    #[cfg(feature = "surveys")]
    pub fn moment(&self) -> crate::surveys::prompt::Moment<'_> {
        let Some(journey) = &self.journey else {
            return crate::surveys::prompt::Moment::default();
        };
        crate::surveys::prompt::Moment {
            touchpoint: journey.steps.last().map_or("", |step| step.touchpoint.as_str()),
            stage: journey
                .current_stage
                .and_then(|i| self.config.journey.stages.get(i))
                .map_or("", |stage| stage.as_str()),
        }
    }

    pub fn page(&self) -> &PageContext {
        &self.page
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The outbox, for the shell's durable storage and sender election.
    pub fn outbox_mut(&mut self) -> &mut Outbox {
        &mut self.outbox
    }

    /// Sets the page that following events happened on. The first page of a
    /// page load is a landing: its URL and referrer say how the visitor came.
    pub fn set_page(&mut self, url: &str, title: &str, referrer: &str) {
        if self.page.url.is_empty() {
            self.landing = true;
        }
        let a = &self.config.autocapture;
        let keep = crate::journey::attribution::ATTRIBUTION_PARAMS;
        let minimize = |u: &str| {
            crate::capture::privacy::minimize_url(u, keep, &a.keep_params, a.keep_all_params, &a.strip_params, a.mask)
        };
        let masked_title = if a.mask {
            crate::capture::privacy::mask_text(title)
        } else {
            None
        };
        let title = masked_title.as_deref().unwrap_or(title);
        self.page = PageContext::new(&minimize(url), title, &minimize(referrer));
    }

    /// Sets the device context from what the browser reported (see `device::device_context`).
    pub fn set_device(&mut self, reported: &str) {
        self.device = crate::capture::device::device_context(reported);
        self.page = PageContext::new(&self.page.url, &self.page.title, &self.page.referrer);
    }

    /// A new page load in this tracker (what a fresh tracker would see):
    /// the page is a landing again.
    pub fn begin_page_load(&mut self, url: &str, title: &str, referrer: &str) {
        self.page = PageContext::default();
        self.flagged_forms.clear();
        self.set_page(url, title, referrer);
    }

    /// Picks up the session (and journey) as another tab may have left them.
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
        let rev = store.get(JOURNEY_REV_KEY).and_then(|r| parse_u64(&r)).unwrap_or(0);
        if rev != self.journey_rev {
            self.journey_rev = rev;
            let session_id = self.session.as_ref().map(|s| s.id.as_str());
            self.journey = store
                .get(JOURNEY_KEY)
                .and_then(|text| Journey::from_json(&text, &self.config.journey))
                .filter(|j| Some(j.session_id.as_str()) == session_id);
        }
    }

    /// Saves the session, and the journey if it changed, for other tabs and page loads.
    pub fn save_session(&mut self, store: &mut dyn Store) {
        if let Some(session) = &self.session {
            store.set(SESSION_KEY, &session.to_storage());
        }
        if self.journey_dirty {
            self.journey_dirty = false;
            match &self.journey {
                Some(journey) => store.set(JOURNEY_KEY, &journey.to_json(&self.config.journey)),
                None => {
                    store.remove(JOURNEY_KEY);
                    true
                }
            };
            // A revision above any this or another tab has written.
            let stored = store.get(JOURNEY_REV_KEY).and_then(|r| parse_u64(&r)).unwrap_or(0);
            let mine = if self.journey_rev == u64::MAX {
                0
            } else {
                self.journey_rev
            };
            self.journey_rev = stored.max(mine) + 1;
            store.set(JOURNEY_REV_KEY, &u64_to_string(self.journey_rev));
            save_touches(store, self.first_touch.as_ref(), self.last_touch.as_ref());
        }
    }

    /// Notices waiting in `take_notices`.
    pub fn pending_notices(&self) -> usize {
        self.notices.len()
    }

    /// Notices since the last call, as a JSON array.
    pub fn take_notices(&mut self) -> String {
        let mut out = String::from("[");
        for (i, notice) in self.notices.drain(..).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&notice);
        }
        out.push(']');
        out
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
        self.record_with(kind, name, properties, "", ts, random)
    }

    /// `record` with the event's own `,"key":value` fields (`extra`).
    fn record_with(
        &mut self,
        kind: EventKind,
        name: &str,
        properties: &str,
        extra: &str,
        ts: u64,
        random: &mut dyn Random,
    ) -> Result<Recorded, FieldError> {
        // A burst of clicks still going when the page is left ends with it.
        if kind == EventKind::Track && name == crate::journey::PAGE_LEAVE_EVENT {
            if let Some((found, fields)) = self.friction.end_burst() {
                self.record_friction(found, &fields, ts, random);
            }
        }
        // What a passive event causes (the friction of an abandoned form) is passive too.
        let passive = self.passive || crate::journey::is_passive(kind, name);
        if passive && self.session.is_none() {
            return Ok(Recorded::default()); // nothing to belong to
        }
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(FieldError::refused(CODE, "name", reason::NAME));
        }
        let properties = properties.trim_ascii(); // JSON's whitespace is ASCII (no Unicode tables in the bundle)
        let is_object = properties.starts_with('{') && properties.ends_with('}');
        if !properties.is_empty() && !is_object {
            return Err(FieldError::refused(CODE, "properties", reason::PROPERTIES));
        }
        // Valid strings only: an unpaired surrogate (a string sliced through
        // an emoji) becomes U+FFFD, so no backend refuses the event for it.
        let repaired = crate::base::json::repair_surrogates(properties);
        let properties = repaired.as_deref().unwrap_or(properties);
        let merged = if kind.is_profile() {
            None
        } else {
            self.with_super_props(properties)
        };
        let properties = merged.as_deref().unwrap_or(properties);
        // Personal data is masked before anything is stored or sent.
        let masked = if self.config.autocapture.mask {
            crate::capture::privacy::mask_json(properties)
        } else {
            None
        };
        let properties = masked.as_deref().unwrap_or(properties);
        // A passive event is left in the session as it is, even timed out: a
        // page leave ends the page it reports on.
        let session_started = if passive {
            None
        } else {
            self.advance_session(ts, random)
        };
        if !self.config.summaries_only || kind.is_profile() || self.partitions() > 1 {
            let id = new_id(ts, random);
            self.encode(&id, kind, name, properties, extra, ts);
            if self.scratch.len() > self.outbox.policy().max_event_bytes() {
                return Err(FieldError::refused(CODE, "properties", reason::EVENT_SIZE));
            }
            let keep = retention_of(name);
            let json = core::mem::take(&mut self.scratch);
            // Dropped by the site's beforeSend: never stored, never in the journey.
            let Some(json) = self.before_send(json) else {
                return Ok(Recorded::default());
            };
            self.enqueue(&id, json, keep, ts, kind, name);
        }
        // `changes` and `new_step` are read by survey triggers (builds with surveys).
        #[cfg_attr(not(feature = "surveys"), allow(unused_variables))]
        let (changes, new_step) = match &mut self.journey {
            Some(journey) => {
                let observed = Observed {
                    kind,
                    name,
                    properties,
                    path: &self.page.path,
                    ts,
                };
                let steps = journey.steps.len();
                let changes = journey.observe(&self.config.journey, &observed);
                let new_step = journey.steps.len() > steps;
                self.journey_dirty = true;
                self.announce(&changes);
                (changes, new_step)
            }
            None => (Changes::default(), false),
        };
        // Without surveys in this build the whole block is left out of it.
        #[cfg(feature = "surveys")]
        if self.has_survey_triggers() {
            let happened = surveys::Happened {
                kind,
                name,
                properties,
                new_step,
                changes: &changes,
                session_started: session_started.is_some(),
            };
            self.trigger_surveys_after(&happened, ts);
        }
        // After the form event is on the journey, so its friction attaches to it.
        if name.starts_with("form_") && kind == EventKind::Track {
            self.passive = passive;
            self.form_friction(name, properties, ts, random);
            self.passive = false;
        }
        Ok(Recorded {
            session_started,
            notices: self.notices.len(),
        })
    }

    fn encode(&mut self, id: &str, kind: EventKind, name: &str, properties: &str, extra: &str, ts: u64) {
        self.page.prepare(&self.device);
        // Sized once: the buffer moves into the outbox, so growing it would reallocate per event.
        self.scratch = String::with_capacity(self.page.encoded_len() + name.len() + properties.len() + 220);
        EventFields {
            id,
            kind,
            name,
            ts,
            visitor_id: &self.visitor_id,
            session_id: self.session.as_ref().map_or("", |s| s.id.as_str()),
            user_id: self.user_id.as_deref(),
            properties,
            page: &self.page,
            extra,
            group_id: &self.group_id,
        }
        .encode(&mut self.scratch);
    }

    /// Continues the session or begins the next one (summarising the one that
    /// ended). A landing through a different campaign begins a new session.
    fn advance_session(&mut self, ts: u64, random: &mut dyn Random) -> Option<SessionStart> {
        let landing = core::mem::take(&mut self.landing);
        let mut start = self.rules.must_restart(self.session.as_ref(), ts);
        if start.is_none() && landing && has_campaign_params(&self.page.url) {
            // Classifying costs: only a landing that carries a campaign can change it.
            let touch = classify(&self.page.url, &self.page.referrer, ts);
            if self.journey.as_ref().is_some_and(|j| j.touch.is_new_campaign(&touch)) {
                start = Some(SessionStart::NewCampaign);
            }
        }
        let Some(reason) = start else {
            if let Some(session) = &mut self.session {
                session.last_activity_at = session.last_activity_at.max(ts);
            }
            if self.journey.is_none() {
                // A session whose journey another page load already summarised
                // (or lost) goes on with a fresh journey.
                self.begin_journey(ts);
            }
            return None;
        };
        self.end_journey(reason.end_reason());
        begin_next(&mut self.session, ts, || new_id(ts, random));
        self.begin_journey(ts);
        if let (Some(session), Some(journey)) = (&self.session, &self.journey) {
            let mut notice = String::new();
            ObjectWriter::new(&mut notice)
                .str("type", "session")
                .str("sessionId", &session.id)
                .num("sessionIndex", session.index as u64)
                .str("channel", journey.touch.channel().as_str())
                .str("reason", reason.end_reason())
                .finish();
            self.notices.push(notice);
        }
        Some(reason)
    }

    fn begin_journey(&mut self, ts: u64) {
        let Some(session) = &self.session else { return };
        let touch = classify(&self.page.url, &self.page.referrer, ts);
        if self.first_touch.is_none() {
            self.first_touch = Some(touch.clone());
        }
        if touch.channel() != crate::journey::attribution::Channel::Direct
            && touch.channel() != crate::journey::attribution::Channel::Internal
            || self.last_touch.is_none()
        {
            self.last_touch = Some(touch.clone());
        }
        self.journey = Some(Journey::new(
            &session.id,
            session.index,
            session.previous_id.as_deref(),
            touch,
            ts,
        ));
        self.journey_dirty = true;
    }

    /// Emits the current journey as a `journey_summary` event and forgets it.
    fn end_journey(&mut self, reason: &str) {
        let Some(mut journey) = self.journey.take() else { return };
        self.journey_dirty = true;
        if journey.event_count == 0 {
            return;
        }
        let mut properties = String::with_capacity(1_024 + journey.steps.len() * 160);
        loop {
            properties.clear();
            journey.write_json(&self.config.journey, Some(reason), &mut properties);
            // The summary must fit in one batch: drop later steps until it does.
            if properties.len() + 2_000 <= self.outbox.policy().max_event_bytes() || journey.steps.len() <= 1 {
                break;
            }
            let keep = journey.steps.len() / 2;
            journey.truncated_steps += (journey.steps.len() - keep) as u32;
            journey.steps.truncate(keep);
            journey
                .conversions
                .iter_mut()
                .for_each(|c| c.step = c.step.filter(|s| *s < keep));
        }
        // One id per session: two tabs that both summarise it send one event.
        let id = "j-".to_string() + &journey.session_id;
        let ts = journey.last_activity_at;
        self.page.prepare(&self.device);
        self.scratch = String::with_capacity(self.page.encoded_len() + properties.len() + 240);
        EventFields {
            id: &id,
            kind: EventKind::Track,
            name: SUMMARY_EVENT,
            ts,
            visitor_id: &self.visitor_id,
            session_id: &journey.session_id,
            user_id: self.user_id.as_deref(),
            properties: &properties,
            page: &self.page,
            extra: "",
            group_id: &self.group_id,
        }
        .encode(&mut self.scratch);
        let json = core::mem::take(&mut self.scratch);
        if let Some(json) = self.before_send(json) {
            self.enqueue(&id, json, Retention::Longest, ts, EventKind::Track, SUMMARY_EVENT);
        }
    }

    fn announce(&mut self, changes: &Changes) {
        let Some(journey) = &self.journey else { return };
        let touchpoint = journey.steps.last().map_or("", |s| s.touchpoint.as_str());
        if let Some(stage) = changes.stage_entered {
            let mut notice = String::new();
            ObjectWriter::new(&mut notice)
                .str("type", "stage")
                .str(
                    "stage",
                    self.config.journey.stages.get(stage).map_or("", String::as_str),
                )
                .str("touchpoint", touchpoint)
                .finish();
            self.notices.push(notice);
        }
        if let Some(kind) = &changes.friction {
            let mut notice = String::new();
            ObjectWriter::new(&mut notice)
                .str("type", "friction")
                .str("friction", kind)
                .str("touchpoint", touchpoint)
                .finish();
            self.notices.push(notice);
        }
        if changes.converted {
            let mut notice = String::new();
            ObjectWriter::new(&mut notice)
                .str("type", "conversion")
                .str("touchpoint", touchpoint)
                .finish();
            self.notices.push(notice);
        }
    }

    /// Records a `friction` event of `kind` with extra properties (`{…}` fields, no braces).
    fn record_friction(&mut self, kind: &str, fields: &str, ts: u64, random: &mut dyn Random) {
        let mut properties = String::from("{\"type\":");
        crate::base::json::write_string(&mut properties, kind);
        if !fields.is_empty() {
            properties.push(',');
            properties.push_str(fields);
        }
        properties.push('}');
        let _ = self.record(
            EventKind::Track,
            crate::journey::FRICTION_EVENT,
            &properties,
            ts,
            random,
        );
    }

    /// Friction the core derives from form events: long forms, repeated
    /// validation errors, abandonment (each form reported once per page).
    fn form_friction(&mut self, name: &str, properties: &str, ts: u64, random: &mut dyn Random) {
        let Ok(props) = crate::base::json::parse(properties) else {
            return;
        };
        let form = props
            .get("form")
            .and_then(crate::base::json::Value::as_str)
            .unwrap_or("form")
            .to_string();
        let count = |key: &str| props.get(key).and_then(crate::base::json::Value::as_u64).unwrap_or(0);
        let config = &self.config.friction;
        let kind = match name {
            "form_started" | "form_submitted"
                if config.long_form_required.is_some_and(|max| count("required") > max) =>
            {
                "long_form"
            }
            "form_invalid" if config.repeated_invalid.is_some_and(|n| count("invalidCount") >= n) => {
                "repeated_validation_error"
            }
            "form_abandoned" if config.form_abandonment => "form_abandonment",
            _ => return,
        };
        if kind != "form_abandonment" {
            if self.flagged_forms.iter().any(|(f, k)| *f == form && *k == kind) {
                return;
            }
            self.flagged_forms.push((form.clone(), kind));
        }
        let mut fields = String::from("\"form\":");
        crate::base::json::write_string(&mut fields, &form);
        fields.push_str(",\"required\":");
        crate::base::num::push_u64(&mut fields, count("required"));
        self.record_friction(kind, &fields, ts, random);
    }

    /// A click at (x, y): a burst of them is a rage click and a click
    /// without reaction a dead click, each recorded when its wait is over
    /// (`tick`) or when a click elsewhere ends the burst. `target` describes
    /// the element (tag, id, first class; never its text).
    pub fn signal_click(&mut self, x: i64, y: i64, t: u64, interactive: bool, target: &str, random: &mut dyn Random) {
        if let Some((kind, fields)) = self.friction.click(&self.config.friction, x, y, t, interactive, target) {
            self.record_friction(kind, &fields, t, random);
        }
    }

    /// The page reacted at `t` (DOM change, request, navigation).
    pub fn signal_activity(&mut self, t: u64) {
        self.friction.activity(t);
    }

    /// An uncaught error or unhandled rejection.
    pub fn signal_error(&mut self, message: &str, source: &str, line: u64, t: u64, random: &mut dyn Random) {
        if !self.config.friction.errors {
            return;
        }
        let (message, source) = scrub_error(message, source);
        let mut fields = String::from("\"message\":");
        crate::base::json::write_string(&mut fields, &message);
        if !source.is_empty() {
            fields.push_str(",\"source\":");
            crate::base::json::write_string(&mut fields, &source);
        }
        fields.push_str(",\"line\":");
        crate::base::num::push_u64(&mut fields, line);
        // An error right after a click is what the click did: one friction point.
        let clicked = self
            .friction
            .error_after_click(self.config.friction.error_click_ms, t, &mut fields);
        let kind = if clicked { "error_click" } else { "js_error" };
        self.record_friction(kind, &fields, t, random);
    }

    /// Page load and Largest Contentful Paint times (ms; 0 when unknown).
    pub fn signal_timing(&mut self, load_ms: u64, lcp_ms: u64, t: u64, random: &mut dyn Random) {
        let Some(limit) = self.config.friction.slow_page_ms else {
            return;
        };
        if load_ms > limit || lcp_ms > limit {
            let mut fields = String::from("\"loadMs\":");
            crate::base::num::push_u64(&mut fields, load_ms);
            fields.push_str(",\"lcpMs\":");
            crate::base::num::push_u64(&mut fields, lcp_ms);
            self.record_friction("slow_page", &fields, t, random);
        }
    }

    #[cfg(feature = "vitals")]
    /// A browser performance measure (`port::SIGNAL_LCP`, `SIGNAL_INTERACTION`
    /// or `SIGNAL_SHIFT`, with its numbers: see `vitals`) for the current page
    /// step, which keeps the page's vitals; friction it reveals is recorded.
    pub fn signal_vital(&mut self, kind: u8, a: u64, b: u64, target: &str, t: u64, random: &mut dyn Random) {
        let Some(page) = self.journey.as_mut().and_then(Journey::page_step_mut) else {
            return;
        };
        let state = &mut self.vitals;
        state.on_page(page.at);
        let friction = &self.config.friction;
        let found = match kind {
            crate::port::SIGNAL_LCP => {
                state.lcp(a);
                None
            }
            crate::port::SIGNAL_INTERACTION => state.interaction(b, a, friction.slow_interaction_ms, target),
            _ => state.shift(a, b, friction.layout_shift),
        };
        if friction.web_vitals && page.vitals != state.vitals {
            page.vitals = state.vitals;
            self.journey_dirty = true;
        }
        if let Some((kind, fields)) = found {
            self.record_friction(kind, &fields, t, random);
        }
    }

    #[cfg(feature = "vitals")]
    /// The page scrolled to `y` (`screen` px high).
    pub fn signal_scroll(&mut self, y: i64, screen: i64, t: u64, random: &mut dyn Random) {
        if let Some((kind, fields)) = self.friction.scroll(&self.config.friction, y, screen, t) {
            self.record_friction(kind, &fields, t, random);
        }
    }

    /// Records a rage or dead click whose wait is over.
    pub fn check_dead_click(&mut self, now: u64, random: &mut dyn Random) {
        if let Some((kind, fields)) = self.friction.due(&self.config.friction, now) {
            self.record_friction(kind, &fields, now, random);
        }
    }

    /// Ends the session if it timed out with the page still open: its summary
    /// goes out now rather than at the next event.
    pub fn tick(&mut self, now: u64) {
        if let Some(reason) = self.rules.must_restart(self.session.as_ref(), now) {
            if self.journey.is_some() {
                self.end_journey(reason.end_reason());
            }
        }
    }

    /// The current journey as JSON, with the visitor's first and last touch.
    pub fn journey_json(&self) -> String {
        let mut out = String::new();
        let mut o = ObjectWriter::new(&mut out);
        match &self.journey {
            Some(journey) => journey.write_json(&self.config.journey, None, o.key("journey")),
            None => o.key("journey").push_str("null"),
        }
        for (key, touch) in [("firstTouch", &self.first_touch), ("lastTouch", &self.last_touch)] {
            match touch {
                Some(t) => t.write_json(o.key(key)),
                None => o.key(key).push_str("null"),
            }
        }
        o.finish();
        out
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
            return Err(FieldError::refused(CODE, "userId", reason::USER_ID));
        }
        let previous = self.user_id.replace(user_id.to_string());
        let result = self.record(EventKind::Identify, "identify", traits, ts, random);
        if result.is_err() {
            self.user_id = previous;
        } else {
            store.set(USER_KEY, user_id);
            #[cfg(feature = "surveys")]
            self.merge_traits(traits, store);
            // Kept for the pages with surveys, whose build merges them;
            // this build only keeps the latest (no JSON work here).
            #[cfg(not(feature = "surveys"))]
            if traits.len() > 2 {
                store.set(TRAITS_KEY, traits);
            }
        }
        result
    }

    /// Forgets the user and the visitor: the journey so far is summarised,
    /// then a new anonymous id and a new session follow. Events already
    /// recorded are still delivered.
    pub fn reset(&mut self, store: &mut dyn Store, random: &mut dyn Random, now: u64) {
        self.end_journey("reset");
        for key in [
            VISITOR_KEY,
            USER_KEY,
            SESSION_KEY,
            JOURNEY_KEY,
            TOUCHES_KEY,
            TRAITS_KEY,
            profile::PROPS_KEY,
            profile::GROUP_KEY,
        ] {
            store.remove(key);
        }
        #[cfg(feature = "surveys")]
        {
            self.traits = None;
        }
        self.super_props.clear();
        self.group_id.clear();
        self.visitor_id = new_id(now, random);
        store.set(VISITOR_KEY, &self.visitor_id);
        self.user_id = None;
        self.session = None;
        self.first_touch = None;
        self.last_touch = None;
        self.journey_dirty = true;
    }

    /// The next batch body to send, if one is due (after ending a session
    /// that timed out, so its summary goes with it).
    pub fn next_batch(&mut self, now: u64, force: bool, random: &mut dyn Random) -> Option<String> {
        self.tick(now);
        self.check_dead_click(now, random);
        if !self.outbox.due(now, force) {
            return None;
        }
        let id = new_id(now, random);
        self.outbox.take_batch(id, now, self.config.write_key.as_deref())
    }

    /// Page hide: the next request (to the endpoint) of what this tab has not
    /// seen delivered, within the keepalive budget; `None` when all is on its
    /// way. See `Outbox::take_hide_batch`.
    pub fn next_hide_batch(&mut self, now: u64, random: &mut dyn Random) -> Option<String> {
        if self.config.endpoint.is_empty() {
            return None;
        }
        let id = new_id(now, random);
        self.outbox.take_hide_batch(id, now, self.config.write_key.as_deref())
    }

    /// A backend stored partition `p`'s batch without `count` of its events.
    pub fn note_refused(&mut self, p: usize, count: u64) {
        if p == 0 && count > 0 {
            self.outbox.note_refused(count);
        }
    }

    /// The answer to a page-hide request (the body `next_hide_batch` gave).
    pub fn settle_hide(&mut self, body: &str, status: u16) {
        if let Some(id) = Outbox::batch_id_of(body) {
            let id = id.to_string();
            self.outbox.settle_hide(&id, status);
        }
    }

    /// The sender delivered these events (a JSON array of ids, as
    /// `take_deletes` wrote it there): this tab forgets its copies.
    pub fn confirm(&mut self, ids_json: &str) {
        if let Ok(crate::base::json::Value::Array(items)) = crate::base::json::parse(ids_json) {
            let ids: Vec<&str> = items.iter().filter_map(crate::base::json::Value::as_str).collect();
            self.outbox.confirm(&ids);
        }
    }

    /// Milliseconds until a batch may be due or the session times out.
    pub fn next_wake(&self, now: u64) -> Option<u64> {
        let session_end = match (&self.session, &self.journey) {
            (Some(s), Some(_)) => Some((s.last_activity_at + self.rules.timeout_ms).saturating_sub(now)),
            _ => None,
        };
        let dead_click = self
            .friction
            .deadline(&self.config.friction)
            .map(|at| at.saturating_sub(now));
        [
            self.outbox.next_wake(now),
            self.routes_wake(now),
            session_end,
            dead_click,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Applies the backend's answer to the batch in flight.
    pub fn settle(
        &mut self,
        status: u16,
        retry_after_ms: Option<u64>,
        now: u64,
        random: &mut dyn Random,
    ) -> Option<Settled> {
        self.settle_of(0, status, retry_after_ms, now, random, None)
    }
}

/// Whether the URL's query names an attribution parameter (UTM tag, click id).
/// Survey answers stand for what a visitor said: kept longest when the
/// queue is full, like journey summaries.
fn retention_of(name: &str) -> Retention {
    if name.starts_with("survey_") {
        Retention::Longest
    } else {
        Retention::Raw
    }
}

fn has_campaign_params(url: &str) -> bool {
    let query = crate::base::url::query_of(url);
    !query.is_empty()
        && crate::journey::attribution::ATTRIBUTION_PARAMS
            .iter()
            .any(|p| crate::base::url::param_in(query, p).is_some())
}

fn load_touches(store: &dyn Store) -> (Option<Touch>, Option<Touch>) {
    let Some(value) = store.get(TOUCHES_KEY).and_then(|t| crate::base::json::parse(&t).ok()) else {
        return (None, None);
    };
    let touch = |key: &str| value.get(key).and_then(Touch::from_json);
    (touch("first"), touch("last"))
}

fn save_touches(store: &mut dyn Store, first: Option<&Touch>, last: Option<&Touch>) {
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    let mut out = String::new();
    let mut o = ObjectWriter::new(&mut out);
    first.write_json(o.key("first"));
    last.write_json(o.key("last"));
    o.finish();
    store.set(TOUCHES_KEY, &out);
}

#[cfg(test)]
mod tests;
