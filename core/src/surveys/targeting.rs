//! Who sees which survey, when, and how rarely: triggers, audience,
//! sampling, frequency caps, schedule and variants, read from a survey's
//! definition and judged here, so every rule is tested natively.
//!
//! A survey with a `trigger` is shown by the SDK when it fires and every
//! rule passes; one without is shown only by `survey.show(id)`. The rules
//! are judged when the trigger fires and again at the moment of display
//! (`claim`), against this browser's [`History`], which is written before
//! the survey is drawn so that another tab sees it at once.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, field_path, FieldError};
use crate::base::json::{parse, write_string, ObjectWriter, Value};
use crate::base::num::push_u64;
use crate::delivery::sampling::{draw, percent_bp};
use crate::surveys::condition::{Comparison, Condition, Facts, UrlRule};

const CODE: &str = "invalid_survey";
use crate::base::date::{parse_date, push_date, DAY_MS};
/// Where this browser's survey history is kept (shared by tabs).
pub use crate::base::platform::SURVEY_HISTORY_KEY as HISTORY_KEY;
/// The longest delay after a trigger (seconds).
const MAX_DELAY_S: u64 = 3_600;

/// What makes a survey appear.
#[derive(Clone, Debug, PartialEq)]
pub enum On {
    /// A tracked event by name (`page_view` included).
    Event(String),
    /// A journey step with this touchpoint.
    Touchpoint(String),
    /// The journey enters this stage.
    Stage(String),
    /// A conversion (any, or of this goal).
    Conversion(Option<String>),
    /// A friction signal (any, or of this type: `rage_click`, `form_abandoned`, …).
    Friction(Option<String>),
    /// A page view (usually with `url` rules).
    PageView,
    /// This long on the page (ms).
    TimeOnPage(u64),
    /// Scrolled this far down the page (percent).
    ScrollDepth(u32),
    /// The pointer leaves the top of the window (desktop).
    ExitIntent,
    /// A click inside an element matching this CSS selector.
    Click(String),
    /// The visitor's Nth session begins.
    Session(u32),
    /// The Nth page view of a session.
    Page(u32),
}

/// Something that happened, for triggers to match.
#[derive(Clone, Copy, Debug)]
pub enum Occurrence<'a> {
    /// A recorded event; `touchpoint` when it made a journey step.
    Event {
        name: &'a str,
        properties: &'a str,
        touchpoint: Option<&'a str>,
    },
    Stage(&'a str),
    Conversion(&'a str),
    Friction(&'a str),
    PageView(u32),
    SessionStart(u32),
    TimeOnPage(u64),
    Scroll(u32),
    ExitIntent,
    Click(&'a str),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub on: On,
    /// Property filters of an event or touchpoint trigger (`where`).
    pub filter: Vec<(String, Comparison)>,
    /// The page must pass these (`url`).
    pub pages: Vec<UrlRule>,
    pub delay_ms: u64,
}

/// How often one visitor may see a survey.
#[derive(Clone, Debug, PartialEq)]
pub struct Frequency {
    /// None: once (the default); else again after this many days.
    pub every_days: Option<u64>,
    /// Days to wait after a dismissal before showing it again.
    pub after_dismissal_days: u64,
    /// Most showings in one session.
    pub per_session: u32,
}

impl Default for Frequency {
    fn default() -> Self {
        Frequency {
            every_days: None,
            after_dismissal_days: 0,
            per_session: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Targeting {
    /// Any of them shows the survey; none: only `survey.show(id)` does.
    pub triggers: Vec<Trigger>,
    pub audience: Option<Condition>,
    /// Share of visitors, in hundredths of a percent (10000: all).
    pub sample: u32,
    pub frequency: Frequency,
    pub starts_at: Option<u64>,
    pub ends_at: Option<u64>,
    /// Stop once this browser has sent this many responses.
    pub max_responses: Option<u32>,
}

impl Default for Targeting {
    fn default() -> Self {
        Targeting {
            triggers: Vec::new(),
            audience: None,
            sample: 10_000,
            frequency: Frequency::default(),
            starts_at: None,
            ends_at: None,
            max_responses: None,
        }
    }
}

/// The survey fields this module reads.
pub const FIELDS: [&str; 5] = ["trigger", "audience", "sample", "frequency", "schedule"];

impl Targeting {
    /// Reads one of [`FIELDS`]; `named` makes a field's path.
    pub fn read(&mut self, key: &str, value: &Value, named: &dyn Fn(&str) -> String) -> Result<(), FieldError> {
        match key {
            "trigger" => {
                self.triggers = crate::base::error::parse_one_or_many(value, &named("trigger"), Trigger::parse)?
            }
            "audience" => self.audience = Some(Condition::parse(value, &named("audience"))?),
            "sample" => {
                self.sample = percent_bp(value).ok_or_else(|| {
                    expected(CODE, named("sample"), "a percentage from 0 to 100", value)
                        .with_fix("e.g. sample: 25 shows the survey to a quarter of visitors")
                })?;
            }
            "frequency" => self.read_frequency(value, &named("frequency"))?,
            "schedule" => self.read_schedule(value, &named("schedule"))?,
            _ => {}
        }
        Ok(())
    }

    fn read_frequency(&mut self, value: &Value, field: &str) -> Result<(), FieldError> {
        let Value::Object(fields) = value else {
            return Err(expected(CODE, field, "an object such as { every: 30 }", value));
        };
        for (key, item) in fields {
            let path = field_path(field, key);
            match key.as_str() {
                "every" => {
                    self.frequency.every_days = match item {
                        Value::String(s) if s == "once" => None,
                        _ => Some(days(item, &path)?),
                    }
                }
                "afterDismissal" => self.frequency.after_dismissal_days = days(item, &path)?,
                "perSession" => {
                    self.frequency.per_session = match item.as_u64() {
                        Some(n @ 1..=100) => n as u32,
                        _ => return Err(expected(CODE, path, "a count from 1 to 100", item)),
                    }
                }
                _ => {
                    return Err(FieldError::new(CODE, path, "is not a frequency setting")
                        .with_fix("Frequency: every (days, or \"once\"), afterDismissal (days), perSession"))
                }
            }
        }
        Ok(())
    }

    fn read_schedule(&mut self, value: &Value, field: &str) -> Result<(), FieldError> {
        let Value::Object(fields) = value else {
            return Err(expected(
                CODE,
                field,
                "an object such as { start: \"2026-12-01\" }",
                value,
            ));
        };
        for (key, item) in fields {
            let path = field_path(field, key);
            match key.as_str() {
                "start" | "end" => {
                    let Some(at) = item.as_str().and_then(parse_date) else {
                        return Err(expected(
                            CODE,
                            path,
                            "a date such as \"2026-12-01\" or \"2026-12-01T09:00Z\"",
                            item,
                        ));
                    };
                    if key == "start" {
                        self.starts_at = Some(at);
                    } else {
                        // A bare date ends at the end of that day.
                        let whole_day = item.as_str().is_some_and(|s| s.len() == 10);
                        self.ends_at = Some(at + if whole_day { DAY_MS - 1 } else { 0 });
                    }
                }
                "maxResponses" => {
                    self.max_responses = match item.as_u64() {
                        Some(n @ 1..=10_000) => Some(n as u32),
                        _ => return Err(expected(CODE, path, "a count from 1 to 10000", item)),
                    }
                }
                _ => {
                    return Err(FieldError::new(CODE, path, "is not a schedule setting")
                        .with_fix("Schedule: start, end (dates), maxResponses"))
                }
            }
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            if end < start {
                return Err(FieldError::new(CODE, field_path(field, "end"), "is before start"));
            }
        }
        Ok(())
    }
}

const TRIGGER_FIX: &str = "A trigger names one of event, touchpoint, stage, conversion, friction, pageView, \
                           timeOnPage (seconds), scrollDepth (percent), exitIntent, click (a CSS selector), \
                           session (Nth), page (Nth), with optional where, url and delay (seconds)";

impl Trigger {
    pub fn parse(value: &Value, field: &str) -> Result<Trigger, FieldError> {
        let Value::Object(fields) = value else {
            return Err(expected(CODE, field, "a trigger object", value).with_fix(TRIGGER_FIX));
        };
        let mut trigger = Trigger {
            on: On::PageView,
            filter: Vec::new(),
            pages: Vec::new(),
            delay_ms: 0,
        };
        let mut named_on = None;
        for (key, item) in fields {
            let path = field_path(field, key);
            let on = match key.as_str() {
                "where" => {
                    let Value::Object(filters) = item else {
                        return Err(expected(CODE, path, "an object of property filters", item));
                    };
                    for (name, test) in filters {
                        trigger
                            .filter
                            .push((name.clone(), Comparison::parse(test, &field_path(&path, name))?));
                    }
                    continue;
                }
                "url" => {
                    trigger.pages = UrlRule::parse_all(item, &path)?;
                    continue;
                }
                "delay" => {
                    trigger.delay_ms = match item.as_u64() {
                        Some(s) if s <= MAX_DELAY_S => s * 1000,
                        _ => return Err(expected(CODE, path, "seconds from 0 to 3600", item)),
                    };
                    continue;
                }
                "event" | "touchpoint" | "stage" | "click" => {
                    let Some(name) = item.as_str().filter(|n| !n.is_empty() && n.len() <= 200) else {
                        return Err(expected(CODE, path, "a name", item));
                    };
                    let name = name.to_string();
                    match key.as_str() {
                        "event" => On::Event(name),
                        "touchpoint" => On::Touchpoint(name),
                        "stage" => On::Stage(name),
                        _ => On::Click(name),
                    }
                }
                "conversion" | "friction" => {
                    let which = match item {
                        Value::Bool(true) => None,
                        Value::String(s) if !s.is_empty() => Some(s.clone()),
                        _ => return Err(expected(CODE, path, "true (any) or a name", item)),
                    };
                    if key == "conversion" {
                        On::Conversion(which)
                    } else {
                        On::Friction(which)
                    }
                }
                "pageView" | "exitIntent" => {
                    if item.as_bool() != Some(true) {
                        return Err(expected(CODE, path, "true", item));
                    }
                    if key == "pageView" {
                        On::PageView
                    } else {
                        On::ExitIntent
                    }
                }
                "timeOnPage" => match item.as_u64() {
                    Some(s @ 1..=86_400) => On::TimeOnPage(s * 1000),
                    _ => return Err(expected(CODE, path, "seconds from 1 to 86400", item)),
                },
                "scrollDepth" => match item.as_u64() {
                    Some(p @ 1..=100) => On::ScrollDepth(p as u32),
                    _ => return Err(expected(CODE, path, "a percentage from 1 to 100", item)),
                },
                "session" | "page" => match item.as_u64() {
                    Some(n @ 1..=10_000) if key == "session" => On::Session(n as u32),
                    Some(n @ 1..=10_000) => On::Page(n as u32),
                    _ => return Err(expected(CODE, path, "a count from 1", item)),
                },
                _ => return Err(FieldError::new(CODE, path, "is not a trigger setting").with_fix(TRIGGER_FIX)),
            };
            if named_on.replace(key.as_str()).is_some() {
                return Err(FieldError::new(CODE, field, "names more than one trigger")
                    .with_fix("Give several triggers as an array: trigger: [{ event: 'a' }, { stage: 'b' }]"));
            }
            trigger.on = on;
        }
        if named_on.is_none() && trigger.pages.is_empty() {
            return Err(FieldError::new(CODE, field, "names no trigger").with_fix(TRIGGER_FIX));
        }
        let filters_events = matches!(trigger.on, On::Event(_) | On::Touchpoint(_));
        if !trigger.filter.is_empty() && !filters_events {
            return Err(FieldError::new(
                CODE,
                field_path(field, "where"),
                "filters only event and touchpoint triggers",
            ));
        }
        Ok(trigger)
    }

    /// Whether `occurrence` on the page `url` (path `path`) fires this trigger.
    pub fn fires(&self, occurrence: &Occurrence, url: &str, path: &str) -> bool {
        let matched = match (&self.on, occurrence) {
            (On::Event(want), Occurrence::Event { name, properties, .. }) => {
                want == name && self.filter_passes(properties)
            }
            (
                On::Touchpoint(want),
                Occurrence::Event {
                    touchpoint: Some(touchpoint),
                    properties,
                    ..
                },
            ) => want == touchpoint && self.filter_passes(properties),
            (On::Stage(want), Occurrence::Stage(stage)) => want == stage,
            (On::Conversion(want), Occurrence::Conversion(goal)) => want.as_ref().is_none_or(|w| w == goal),
            (On::Friction(want), Occurrence::Friction(kind)) => want.as_ref().is_none_or(|w| w == kind),
            (On::PageView, Occurrence::PageView(_)) => true,
            (On::TimeOnPage(want), Occurrence::TimeOnPage(ms)) => want == ms,
            (On::ScrollDepth(want), Occurrence::Scroll(percent)) => want == percent,
            (On::ExitIntent, Occurrence::ExitIntent) => true,
            (On::Click(want), Occurrence::Click(selector)) => want == selector,
            (On::Session(want), Occurrence::SessionStart(index)) => want == index,
            (On::Page(want), Occurrence::PageView(index)) => want == index,
            _ => false,
        };
        matched && self.pages.iter().all(|rule| rule.test(url, path))
    }

    fn filter_passes(&self, properties: &str) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let parsed = parse(properties).ok();
        self.filter
            .iter()
            .all(|(name, test)| test.test(parsed.as_ref().and_then(|p| p.get(name))))
    }
}

/// What the page asks the SDK to watch for the triggers (the others come
/// from events the SDK records anyway).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Watch {
    pub time_on_page_ms: Vec<u64>,
    pub scroll_depths: Vec<u32>,
    pub exit_intent: bool,
    pub clicks: Vec<String>,
}

impl Watch {
    pub fn of<'a>(triggers: impl Iterator<Item = &'a Trigger>) -> Watch {
        let mut watch = Watch::default();
        for trigger in triggers {
            match &trigger.on {
                On::TimeOnPage(ms) if !watch.time_on_page_ms.contains(ms) => watch.time_on_page_ms.push(*ms),
                On::ScrollDepth(p) if !watch.scroll_depths.contains(p) => watch.scroll_depths.push(*p),
                On::ExitIntent => watch.exit_intent = true,
                On::Click(s) if !watch.clicks.contains(s) => watch.clicks.push(s.clone()),
                _ => {}
            }
        }
        watch
    }

    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"timeOnPage\":[");
        for (i, ms) in self.time_on_page_ms.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_u64(out, *ms);
        }
        out.push_str("],\"scrollDepth\":[");
        for (i, p) in self.scroll_depths.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_u64(out, *p as u64);
        }
        out.push_str("],\"exitIntent\":");
        out.push_str(if self.exit_intent { "true" } else { "false" });
        out.push_str(",\"clicks\":[");
        for (i, s) in self.clicks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, s);
        }
        out.push_str("]}");
    }
}

/// What this browser remembers of one survey.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    pub id: String,
    pub shown: u32,
    pub last_shown: u64,
    pub last_dismissed: u64,
    pub responses: u32,
    /// The session of the latest showings, and how many it had.
    pub session: String,
    pub session_shown: u32,
}

/// This browser's survey history (localStorage, shared by its tabs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// When any survey was last shown (the global cooldown counts from it).
    pub last_shown_any: u64,
    pub surveys: Vec<Seen>,
}

impl History {
    /// Reads what `to_json` wrote; anything unreadable is an empty history.
    pub fn from_json(text: &str) -> History {
        let Ok(value) = parse(text) else {
            return History::default();
        };
        let mut history = History {
            last_shown_any: value.get("last").and_then(Value::as_u64).unwrap_or(0),
            surveys: Vec::new(),
        };
        if let Some(Value::Array(items)) = value.get("s") {
            for item in items {
                let Value::Array(f) = item else { continue };
                let num = |i: usize| f.get(i).and_then(Value::as_u64).unwrap_or(0);
                let text = |i: usize| f.get(i).and_then(Value::as_str).unwrap_or("").to_string();
                history.surveys.push(Seen {
                    id: text(0),
                    shown: num(1) as u32,
                    last_shown: num(2),
                    last_dismissed: num(3),
                    responses: num(4) as u32,
                    session: text(5),
                    session_shown: num(6) as u32,
                });
            }
        }
        history
    }

    /// The history as stored now (another tab may have written it since).
    pub fn load(store: &dyn crate::base::platform::Store) -> History {
        History::from_json(&store.get(HISTORY_KEY).unwrap_or_default())
    }

    pub fn save(&self, store: &mut dyn crate::base::platform::Store) {
        store.set(HISTORY_KEY, &self.to_json());
    }

    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"last\":");
        push_u64(&mut out, self.last_shown_any);
        out.push_str(",\"s\":[");
        for (i, s) in self.surveys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            write_string(&mut out, &s.id);
            for n in [s.shown as u64, s.last_shown, s.last_dismissed, s.responses as u64] {
                out.push(',');
                push_u64(&mut out, n);
            }
            out.push(',');
            write_string(&mut out, &s.session);
            out.push(',');
            push_u64(&mut out, s.session_shown as u64);
            out.push(']');
        }
        out.push_str("]}");
        out
    }

    pub fn seen(&self, id: &str) -> Option<&Seen> {
        self.surveys.iter().find(|s| s.id == id)
    }

    fn entry(&mut self, id: &str) -> &mut Seen {
        let at = match self.surveys.iter().position(|s| s.id == id) {
            Some(at) => at,
            None => {
                self.surveys.push(Seen {
                    id: id.to_string(),
                    ..Seen::default()
                });
                self.surveys.len() - 1
            }
        };
        &mut self.surveys[at]
    }

    /// Survey `id` goes on screen now, in `session`.
    pub fn mark_shown(&mut self, id: &str, session: &str, now: u64) {
        self.last_shown_any = self.last_shown_any.max(now);
        let seen = self.entry(id);
        seen.shown += 1;
        seen.last_shown = now;
        if seen.session != session {
            seen.session = session.to_string();
            seen.session_shown = 0;
        }
        seen.session_shown += 1;
    }

    pub fn mark_dismissed(&mut self, id: &str, now: u64) {
        self.entry(id).last_dismissed = now;
    }

    pub fn mark_response(&mut self, id: &str) {
        self.entry(id).responses += 1;
    }
}

/// One rule's verdict, for `survey.explain(id)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub rule: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// Everything the rules are judged on, at one moment.
#[derive(Clone, Debug)]
pub struct Moment<'a> {
    pub now: u64,
    pub visitor_id: &'a str,
    pub session_id: &'a str,
    pub facts: Facts<'a>,
    /// Days between any two surveys (`surveyCooldownDays`).
    pub cooldown_days: u64,
}

/// Judges every rule of `survey` (its trigger aside) against `history`.
/// The survey shows when every check is ok.
pub fn judge(id: &str, targeting: &Targeting, history: &History, moment: &Moment) -> Vec<Check> {
    let now = moment.now;
    let seen = history.seen(id);
    let mut checks = Vec::with_capacity(8);
    let mut check = |rule: &'static str, ok: bool, detail: String| checks.push(Check { rule, ok, detail });

    let mut detail = String::new();
    let ok = match (targeting.starts_at, targeting.ends_at) {
        (Some(start), _) if now < start => {
            detail.push_str("starts ");
            push_date(&mut detail, start);
            false
        }
        (_, Some(end)) if now > end => {
            detail.push_str("ended ");
            push_date(&mut detail, end);
            false
        }
        (None, None) => {
            detail.push_str("always on");
            true
        }
        _ => {
            detail.push_str("running");
            true
        }
    };
    check("schedule", ok, detail);

    if let Some(max) = targeting.max_responses {
        let responses = seen.map_or(0, |s| s.responses);
        let mut detail = String::new();
        push_u64(&mut detail, responses as u64);
        detail.push_str(" of at most ");
        push_u64(&mut detail, max as u64);
        detail.push_str(" responses from this browser");
        check("responses", responses < max, detail);
    }

    if let Some(audience) = &targeting.audience {
        let mut why = String::new();
        let ok = audience.holds(&moment.facts, &mut why);
        check("audience", ok, if ok { "matches".to_string() } else { why });
    }

    if targeting.sample < 10_000 {
        let draw = draw("sample", id, moment.visitor_id);
        let ok = draw < targeting.sample;
        let mut detail = String::from(if ok { "in the " } else { "outside the " });
        push_percent(&mut detail, targeting.sample);
        detail.push_str(" % sample (this visitor draws ");
        push_percent(&mut detail, draw);
        detail.push(')');
        check("sample", ok, detail);
    }

    let frequency = &targeting.frequency;
    let mut detail = String::new();
    let ok = match (seen.filter(|s| s.shown > 0), frequency.every_days) {
        (None, _) => {
            detail.push_str("not shown to this visitor before");
            true
        }
        (Some(s), None) => {
            detail.push_str("shown once already (");
            push_date(&mut detail, s.last_shown);
            detail.push_str("); shown once per visitor");
            false
        }
        (Some(s), Some(days)) => {
            let ok = now >= s.last_shown + days * DAY_MS;
            detail.push_str("last shown ");
            push_date(&mut detail, s.last_shown);
            detail.push_str("; again after ");
            push_u64(&mut detail, days);
            detail.push_str(" days");
            ok
        }
    };
    check("frequency", ok, detail);

    if let Some(s) = seen.filter(|s| s.last_dismissed > 0 && frequency.after_dismissal_days > 0) {
        let ok = now >= s.last_dismissed + frequency.after_dismissal_days * DAY_MS;
        let mut detail = String::from("dismissed ");
        push_date(&mut detail, s.last_dismissed);
        detail.push_str("; wait ");
        push_u64(&mut detail, frequency.after_dismissal_days);
        detail.push_str(" days");
        check("dismissal", ok, detail);
    }

    let this_session = seen
        .filter(|s| s.session == moment.session_id)
        .map_or(0, |s| s.session_shown);
    let mut detail = String::new();
    push_u64(&mut detail, this_session as u64);
    detail.push_str(" of at most ");
    push_u64(&mut detail, frequency.per_session as u64);
    detail.push_str(" this session");
    check("session", this_session < frequency.per_session, detail);

    let cooldown = moment.cooldown_days * DAY_MS;
    let last = history.last_shown_any;
    let mut detail = String::new();
    let ok = last == 0 || cooldown == 0 || now >= last + cooldown;
    if last == 0 {
        detail.push_str("no survey shown before");
    } else {
        detail.push_str("a survey was last shown ");
        push_date(&mut detail, last);
        detail.push_str("; ");
        push_u64(&mut detail, moment.cooldown_days);
        detail.push_str("-day cooldown between surveys");
    }
    check("cooldown", ok, detail);
    checks
}

/// Writes checks as `[{"rule","ok","detail"}]`.
pub fn write_checks(checks: &[Check], out: &mut String) {
    out.push('[');
    for (i, c) in checks.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        ObjectWriter::new(out)
            .str("rule", c.rule)
            .bool("ok", c.ok)
            .str("detail", &c.detail)
            .finish();
    }
    out.push(']');
}

/// Picks a variant by weight from the visitor's fixed draw: `weights` in
/// order; returns the index.
pub fn pick_variant(id: &str, visitor_id: &str, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|w| *w as u64).sum();
    if total == 0 {
        return 0;
    }
    let mut point = draw("variant", id, visitor_id) as u64 * total / 10_000;
    for (i, w) in weights.iter().enumerate() {
        if point < *w as u64 {
            return i;
        }
        point -= *w as u64;
    }
    weights.len() - 1
}

fn push_percent(out: &mut String, hundredths: u32) {
    push_u64(out, (hundredths / 100) as u64);
    let cents = hundredths % 100;
    if cents > 0 {
        out.push('.');
        if cents < 10 {
            out.push('0');
        }
        push_u64(out, cents as u64);
    }
}

fn days(value: &Value, field: &str) -> Result<u64, FieldError> {
    match value.as_u64() {
        Some(d) if d <= 3_650 => Ok(d),
        _ => Err(expected(CODE, field, "a number of days from 0 to 3650", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targeting(json: &str) -> Targeting {
        let value = parse(json).unwrap();
        let mut t = Targeting::default();
        let named = |f: &str| String::from("s.") + f;
        for (key, item) in match &value {
            Value::Object(fields) => fields.clone(),
            _ => Vec::new(),
        } {
            t.read(&key, &item, &named).unwrap();
        }
        t
    }

    fn error(json: &str) -> String {
        let value = parse(json).unwrap();
        let mut t = Targeting::default();
        let named = |f: &str| String::from("s.") + f;
        let Value::Object(fields) = &value else { panic!() };
        let (key, item) = &fields[0];
        t.read(key, item, &named).unwrap_err().field
    }

    fn moment<'a>(now: u64, visitor: &'a str, session: &'a str) -> Moment<'a> {
        Moment {
            now,
            visitor_id: visitor,
            session_id: session,
            facts: Facts::default(),
            cooldown_days: 7,
        }
    }

    const PAGE: (&str, &str) = ("https://shop.test/checkout/done", "/checkout/done");

    fn fires(t: &Targeting, occurrence: Occurrence) -> bool {
        t.triggers.iter().any(|tr| tr.fires(&occurrence, PAGE.0, PAGE.1))
    }

    #[test]
    fn triggers_match_events_with_filters_stages_signals_and_pages() {
        let t = targeting(
            r##"{"trigger":[{"event":"Order Completed","where":{"total":{"gt":50},"currency":"EUR"},"delay":10},
                {"stage":"retention"},{"friction":"rage_click"},{"timeOnPage":30},{"click":"#help"},
                {"session":2},{"url":{"startsWith":"/pricing"}}]}"##,
        );
        let event = |properties| Occurrence::Event {
            name: "Order Completed",
            properties,
            touchpoint: None,
        };
        assert!(fires(&t, event(r#"{"total":80,"currency":"EUR"}"#)));
        assert!(!fires(&t, event(r#"{"total":20,"currency":"EUR"}"#)), "numeric filter");
        assert!(!fires(&t, event(r#"{"total":80}"#)), "every filter must hold");
        assert_eq!(t.triggers[0].delay_ms, 10_000);
        assert!(fires(&t, Occurrence::Stage("retention")));
        assert!(!fires(&t, Occurrence::Stage("purchase")));
        assert!(fires(&t, Occurrence::Friction("rage_click")));
        assert!(!fires(&t, Occurrence::Friction("dead_click")));
        assert!(fires(&t, Occurrence::TimeOnPage(30_000)));
        assert!(fires(&t, Occurrence::Click("#help")));
        assert!(fires(&t, Occurrence::SessionStart(2)) && !fires(&t, Occurrence::SessionStart(3)));
        assert!(!fires(&t, Occurrence::PageView(1)), "the URL rule: not on /pricing");
        let pricing = &t.triggers[6];
        assert!(pricing.fires(&Occurrence::PageView(1), "https://shop.test/pricing", "/pricing"));
        let tp = targeting(r#"{"trigger":{"touchpoint":"Support Requested","url":{"notContains":"/admin"}}}"#);
        let step = Occurrence::Event {
            name: "touchpoint",
            properties: "{}",
            touchpoint: Some("Support Requested"),
        };
        assert!(fires(&tp, step));
        let w = Watch::of(t.triggers.iter());
        let mut json = String::new();
        w.write_json(&mut json);
        assert_eq!(
            json,
            r##"{"timeOnPage":[30000],"scrollDepth":[],"exitIntent":false,"clicks":["#help"]}"##
        );
    }

    #[test]
    fn bad_targeting_names_its_field() {
        assert_eq!(error(r#"{"trigger":{"event":"a","stage":"b"}}"#), "s.trigger");
        assert_eq!(error(r#"{"trigger":{"delay":5}}"#), "s.trigger");
        assert_eq!(
            error(r#"{"trigger":[{"event":"a"},{"scrollDepth":120}]}"#),
            "s.trigger[1].scrollDepth"
        );
        assert_eq!(
            error(r#"{"trigger":{"event":"a","where":{"total":{"gt":"x"}}}}"#),
            "s.trigger.where.total.gt"
        );
        assert_eq!(error(r#"{"trigger":{"stage":"a","where":{"x":1}}}"#), "s.trigger.where");
        assert_eq!(error(r#"{"trigger":{"event":"a","delay":7200}}"#), "s.trigger.delay");
        assert_eq!(error(r#"{"sample":150}"#), "s.sample");
        assert_eq!(error(r#"{"frequency":{"every":"weekly"}}"#), "s.frequency.every");
        assert_eq!(error(r#"{"frequency":{"cap":1}}"#), "s.frequency.cap");
        assert_eq!(error(r#"{"schedule":{"start":"01/12/2026"}}"#), "s.schedule.start");
        assert_eq!(
            error(r#"{"schedule":{"start":"2026-12-02","end":"2026-12-01"}}"#),
            "s.schedule.end"
        );
        assert_eq!(error(r#"{"audience":{"visitor":"old"}}"#), "s.audience.visitor");
    }

    #[test]
    fn the_rules_say_which_passed_and_which_failed() {
        let t = targeting(
            r#"{"schedule":{"start":"2026-11-01","end":"2026-11-30","maxResponses":2},"sample":100,
                "frequency":{"every":30,"afterDismissal":10,"perSession":1}}"#,
        );
        let now = parse_date("2026-11-22").unwrap();
        let mut history = History::default();
        let ok = |checks: &[Check]| checks.iter().all(|c| c.ok);
        assert!(ok(&judge("nps", &t, &history, &moment(now, "v1", "s1"))));
        history.mark_shown("nps", "s1", now);
        let checks = judge("nps", &t, &history, &moment(now + 1_000, "v1", "s1"));
        let failed: Vec<_> = checks.iter().filter(|c| !c.ok).map(|c| c.rule).collect();
        assert_eq!(failed, ["frequency", "session", "cooldown"]);
        let frequency = checks.iter().find(|c| c.rule == "frequency").unwrap();
        assert_eq!(frequency.detail, "last shown 2026-11-22; again after 30 days");
        let late = parse_date("2026-12-05").unwrap();
        let checks = judge("nps", &t, &history, &moment(late, "v1", "s2"));
        assert_eq!(checks[0].detail, "ended 2026-11-30");
        let early = parse_date("2026-10-05").unwrap();
        assert_eq!(
            judge("nps", &t, &History::default(), &moment(early, "v", "s"))[0].detail,
            "starts 2026-11-01"
        );
        history.mark_response("nps");
        history.mark_response("nps");
        let responses = judge("nps", &t, &history, &moment(now, "v1", "s1"));
        assert!(!responses.iter().find(|c| c.rule == "responses").unwrap().ok);
        let round_trip = History::from_json(&history.to_json());
        assert_eq!(round_trip, history);
        assert_eq!(History::from_json("not json"), History::default());
    }

    fn next(random: &mut crate::base::platform::SeededRandom) -> u64 {
        let mut bytes = [0u8; 8];
        crate::base::platform::Random::fill(random, &mut bytes);
        u64::from_le_bytes(bytes) >> 1
    }

    #[test]
    fn sampling_sticks_and_hits_the_share_within_one_percent_over_100000_visitors() {
        let mut random = crate::base::platform::SeededRandom(7);
        let visitors: Vec<String> = (0..100_000u64)
            .map(|i| crate::base::platform::new_id(1_790_000_000_000 + i * 977, &mut random))
            .collect();
        for percent in ["10", "25", "50", "2.5"] {
            let t = targeting(&(String::from(r#"{"sample":"#) + percent + "}"));
            let shown = visitors.iter().filter(|v| draw("sample", "nps", v) < t.sample).count() as f64;
            let share = shown / 1_000.0;
            let want = crate::base::num::parse_f64(percent).unwrap();
            assert!((share - want).abs() <= 1.0, "{percent} %: {share} %");
        }
        let v = &visitors[0];
        assert_eq!(
            draw("sample", "nps", v),
            draw("sample", "nps", v),
            "a visitor's draw never changes"
        );
        assert_ne!(
            (0..20).map(|i| draw("sample", "nps", &visitors[i])).collect::<Vec<_>>(),
            (0..20)
                .map(|i| draw("sample", "csat", &visitors[i]))
                .collect::<Vec<_>>(),
            "surveys draw independently"
        );
        let mut counts = [0u32; 3];
        for v in &visitors {
            counts[pick_variant("nps", v, &[1, 1, 2])] += 1;
        }
        assert!(
            counts
                .iter()
                .zip([25_000, 25_000, 50_000])
                .all(|(c, w)| (*c as i64 - w).abs() < 1_000),
            "{counts:?}"
        );
    }

    #[test]
    fn caps_are_never_exceeded_across_simulated_days_and_tabs() {
        // Three tabs of one browser share its stored history, but each
        // judges a trigger with its own copy, which another tab may have
        // made stale. The claim at display re-reads the store (under a Web
        // Lock in the browser, so claims run one by one), as the shell does.
        let weekly = targeting(r#"{"frequency":{"every":14,"afterDismissal":30,"perSession":1}}"#);
        let once = Targeting::default();
        let mut random = crate::base::platform::SeededRandom(42);
        let mut stored = History::default().to_json();
        let mut tabs = [History::default(), History::default(), History::default()];
        let mut refused_at_claim = 0;
        let mut shows: Vec<(&str, u64, String)> = Vec::new();
        let start = parse_date("2026-01-01").unwrap();
        let mut now = start;
        let mut session = 0;
        while now < start + 120 * DAY_MS {
            now += next(&mut random) % (6 * 3_600_000);
            if next(&mut random).is_multiple_of(5) {
                session += 1;
            }
            let session_id = String::from("s") + &crate::base::num::u64_to_string(session);
            let tab = (next(&mut random) % 3) as usize;
            for (id, t) in [("weekly", &weekly), ("once", &once)] {
                let m = moment(now, "visitor", &session_id);
                if !judge(id, t, &tabs[tab], &m).iter().all(|c| c.ok) {
                    continue;
                }
                let mut fresh = History::from_json(&stored);
                if judge(id, t, &fresh, &m).iter().all(|c| c.ok) {
                    fresh.mark_shown(id, &session_id, now);
                    shows.push((id, now, session_id.clone()));
                    if next(&mut random).is_multiple_of(2) {
                        fresh.mark_dismissed(id, now + 60_000);
                    }
                    stored = fresh.to_json();
                } else {
                    refused_at_claim += 1;
                }
                tabs[tab] = fresh;
            }
        }
        assert!(
            refused_at_claim > 0,
            "stale tabs did try: the claim is what holds the caps"
        );
        assert_eq!(shows.iter().filter(|s| s.0 == "once").count(), 1, "once means once");
        for pair in shows.windows(2) {
            assert!(
                pair[1].1 - pair[0].1 >= 7 * DAY_MS,
                "7-day cooldown between any two surveys"
            );
        }
        let weekly_shows: Vec<_> = shows.iter().filter(|s| s.0 == "weekly").collect();
        assert!(
            weekly_shows.len() >= 4,
            "the weekly survey returns: {}",
            weekly_shows.len()
        );
        for pair in weekly_shows.windows(2) {
            assert!(pair[1].1 - pair[0].1 >= 14 * DAY_MS);
            assert_ne!(pair[0].2, pair[1].2, "at most once per session");
        }
    }
}
