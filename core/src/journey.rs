//! The journey of one session, computed as events arrive: ordered steps with
//! dwell times, stages entered, conversions, friction and feedback attached
//! to the step where they happened, an emotion per step, moments of truth.
//!
//! Which events are what:
//! - a page view is a step whose touchpoint is the path (or `properties.touchpoint`);
//! - a track event is a step named after the event (or `properties.touchpoint`);
//!   `properties.stage` naming a stage enters it directly;
//! - `friction` (`properties.type`) attaches friction to the current step;
//! - `survey_answered` (`properties.questionType`, `value`, `survey`) attaches
//!   feedback, which sets the step's emotion (rules in the product brief);
//! - `identify`, `journey_summary`, `page_leave`, `link_clicked` and the
//!   `form_*` events are not steps (friction derived from forms attaches to
//!   the page's step).
//!
//! The journey is written in one JSON shape, used both as the
//! `journey_summary` event's properties and to keep it in storage between
//! page loads (`to_json` / `from_json`).

pub mod attribution;
pub mod session;
pub mod stages;

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, FieldError};
use crate::base::json::{self, ObjectWriter, Value};
use crate::base::url::contains;
use crate::capture::event::EventKind;
#[cfg(feature = "vitals")]
use crate::capture::vitals::Vitals;
use crate::journey::attribution::Touch;
use crate::journey::stages::{StageRule, StepFacts};

pub const SUMMARY_EVENT: &str = "journey_summary";
pub const FRICTION_EVENT: &str = "friction";
pub const ANSWER_EVENT: &str = "survey_answered";
/// Reports on a page being left (dwell, engaged time, scroll); not a step.
pub const PAGE_LEAVE_EVENT: &str = "page_leave";
/// `form_started`, `form_submitted`, `form_abandoned`, `form_invalid`; not steps.
pub const FORM_EVENT_PREFIX: &str = "form_";
/// An outbound or download link was clicked; not a step.
pub const LINK_EVENT: &str = "link_clicked";

/// What the page reports as the visitor leaves it (`page_leave`,
/// `form_abandoned`) rather than something the visitor did: it belongs to
/// the session it ends and never opens or extends one.
pub fn is_passive(kind: EventKind, name: &str) -> bool {
    kind == EventKind::Track && (name == PAGE_LEAVE_EVENT || name == "form_abandoned")
}
/// Gaps between events count as engaged time up to this long.
const ENGAGED_GAP_CAP_MS: u64 = 30_000;
/// A session shorter than this, with one page and no conversion, bounced.
const ENGAGED_SESSION_MS: u64 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emotion {
    Negative,
    Neutral,
    Positive,
}

impl Emotion {
    pub fn as_str(self) -> &'static str {
        match self {
            Emotion::Negative => "negative",
            Emotion::Neutral => "neutral",
            Emotion::Positive => "positive",
        }
    }

    fn parse(s: &str) -> Emotion {
        match s {
            "negative" => Emotion::Negative,
            "positive" => Emotion::Positive,
            _ => Emotion::Neutral,
        }
    }

    fn score(self) -> &'static str {
        match self {
            Emotion::Negative => "-1",
            Emotion::Neutral => "0",
            Emotion::Positive => "1",
        }
    }

    /// The emotion a feedback answer expresses (product brief): CSAT 4-5
    /// positive, 3 neutral, 1-2 negative; CES 5-7 positive, 4 neutral, 1-3
    /// negative; NPS 9-10 positive, 7-8 neutral, 0-6 negative; thumbs 1 up, 0 down.
    pub fn of_answer(question_type: &str, value: u64) -> Option<Emotion> {
        let (low, high) = match question_type {
            "csat" => (2, 4),
            "ces" => (3, 5),
            "nps" => (6, 9),
            "thumbs" => (0, 1),
            _ => return None,
        };
        Some(if value <= low {
            Emotion::Negative
        } else if value >= high {
            Emotion::Positive
        } else {
            Emotion::Neutral
        })
    }
}

/// A conversion goal from the config.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    pub event: String,
    pub value_property: Option<String>,
    pub currency_property: Option<String>,
    pub currency: Option<String>,
}

/// The journey settings from the config.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyRules {
    pub stages: Vec<String>,
    pub rules: Vec<StageRule>,
    pub goals: Vec<Goal>,
    /// Steps kept per session; later ones are counted, not kept.
    pub max_steps: usize,
    /// Back-and-forth between two pages (A, B, A, B) is friction.
    pub navigation_loops: bool,
    /// Back to the previous page within this long of landing on one is a quick back.
    pub quick_back_ms: Option<u64>,
}

impl Default for JourneyRules {
    fn default() -> Self {
        JourneyRules {
            stages: crate::journey::stages::DEFAULT_STAGES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rules: Vec::new(),
            goals: Vec::new(),
            max_steps: 200,
            navigation_loops: true,
            quick_back_ms: Some(5_000),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Feedback {
    pub survey: String,
    /// The A/B variant of the survey that was shown (empty: none).
    pub variant: String,
    pub question_type: String,
    pub value: u64,
    /// A free-text answer's words (empty for a scored one).
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub touchpoint: String,
    pub kind: &'static str,
    pub path: String,
    pub stage: Option<usize>,
    pub at: u64,
    pub emotion: Emotion,
    /// Set by feedback, which outranks friction.
    pub emotion_from_feedback: bool,
    pub friction: Vec<String>,
    pub feedback: Vec<Feedback>,
    /// A page step's Core Web Vitals (see `vitals`).
    #[cfg(feature = "vitals")]
    pub vitals: Vitals,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageEntry {
    pub stage: usize,
    pub at: u64,
    pub touchpoint: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conversion {
    pub name: String,
    /// The value as its number text, so no float is ever re-formatted.
    pub value: Option<String>,
    pub currency: Option<String>,
    pub at: u64,
    pub step: Option<usize>,
}

/// What one observed event changed, for live notifications.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub stage_entered: Option<usize>,
    pub friction: Option<String>,
    pub converted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    pub session_id: String,
    pub session_index: u32,
    pub previous_session_id: Option<String>,
    pub started_at: u64,
    pub last_activity_at: u64,
    pub touch: Touch,
    pub steps: Vec<Step>,
    pub truncated_steps: u32,
    pub stages: Vec<StageEntry>,
    pub current_stage: Option<usize>,
    pub furthest_stage: Option<usize>,
    pub conversions: Vec<Conversion>,
    pub friction_count: Vec<(String, u32)>,
    pub page_count: u32,
    pub event_count: u32,
    pub engaged_ms: u64,
}

/// One event, as the journey sees it.
pub struct Observed<'a> {
    pub kind: EventKind,
    pub name: &'a str,
    /// The event's properties as JSON text (or empty).
    pub properties: &'a str,
    pub path: &'a str,
    pub ts: u64,
}

impl Journey {
    pub fn new(session_id: &str, session_index: u32, previous: Option<&str>, touch: Touch, at: u64) -> Journey {
        Journey {
            session_id: session_id.to_string(),
            session_index,
            previous_session_id: previous.map(str::to_string),
            started_at: at,
            last_activity_at: at,
            touch,
            steps: Vec::new(),
            truncated_steps: 0,
            stages: Vec::new(),
            current_stage: None,
            furthest_stage: None,
            conversions: Vec::new(),
            friction_count: Vec::new(),
            page_count: 0,
            event_count: 0,
            engaged_ms: 0,
        }
    }

    fn needs_properties(rules: &JourneyRules, ev: &Observed) -> bool {
        !ev.properties.is_empty()
            && (ev.name == FRICTION_EVENT
                || ev.name == ANSWER_EVENT
                || contains(ev.properties, "\"touchpoint\"")
                || contains(ev.properties, "\"stage\"")
                || rules
                    .rules
                    .iter()
                    .any(|r| r.needs_properties() && r.event.as_deref().is_none_or(|e| e == ev.name))
                || rules
                    .goals
                    .iter()
                    .any(|g| g.event == ev.name && (g.value_property.is_some() || g.currency_property.is_some())))
    }

    /// Takes one event into the journey.
    pub fn observe(&mut self, rules: &JourneyRules, ev: &Observed) -> Changes {
        let mut changes = Changes::default();
        if ev.kind.is_profile() || ev.name == SUMMARY_EVENT {
            return changes;
        }
        if ev.ts > self.last_activity_at {
            self.engaged_ms += (ev.ts - self.last_activity_at).min(ENGAGED_GAP_CAP_MS);
            self.last_activity_at = ev.ts;
        }
        self.event_count += 1;
        // Reports about the current page (leaving it, its forms, its links) are not steps.
        // Nor are a survey's showing, completion and dismissal (its answers are feedback on a step).
        let survey_report = ev.name.starts_with("survey_") && ev.name != ANSWER_EVENT;
        if ev.name == PAGE_LEAVE_EVENT
            || ev.name == LINK_EVENT
            || ev.name.starts_with(FORM_EVENT_PREFIX)
            || survey_report
        {
            return changes;
        }
        let parsed = if Self::needs_properties(rules, ev) {
            json::parse(ev.properties).ok()
        } else {
            None
        };
        let prop = |key: &str| parsed.as_ref().and_then(|p| p.get(key));
        let prop_str = |key: &str| prop(key).and_then(Value::as_str).filter(|s| !s.is_empty());

        if ev.name == FRICTION_EVENT && ev.kind == EventKind::Track {
            let kind = prop_str("type").unwrap_or("unknown").to_string();
            self.add_friction(&kind);
            changes.friction = Some(kind);
            return changes;
        }
        if ev.name == ANSWER_EVENT && ev.kind == EventKind::Track {
            let question_type = prop_str("questionType").unwrap_or_default().to_string();
            // A score, or free text (which the collector reads the sentiment of).
            let value = prop("value").and_then(Value::as_u64);
            let text = prop_str("text");
            if value.is_some() || text.is_some() {
                let emotion = value.and_then(|value| Emotion::of_answer(&question_type, value));
                let feedback = Feedback {
                    survey: prop_str("survey").unwrap_or_default().to_string(),
                    variant: prop_str("variant").unwrap_or_default().to_string(),
                    question_type,
                    value: value.unwrap_or(0),
                    text: text.unwrap_or_default().to_string(),
                };
                // The step the answer was given at (its `touchpoint`), else the latest.
                let at = prop_str("touchpoint")
                    .and_then(|t| self.steps.iter().rposition(|step| step.touchpoint == t))
                    .or(self.steps.len().checked_sub(1));
                if let Some(step) = at.and_then(|i| self.steps.get_mut(i)) {
                    step.feedback.push(feedback);
                    if let Some(emotion) = emotion {
                        step.emotion = emotion;
                        step.emotion_from_feedback = true;
                    }
                }
                if emotion == Some(Emotion::Negative) {
                    self.add_friction("low_feedback");
                    changes.friction = Some("low_feedback".into());
                }
            }
            return changes;
        }

        let (kind, default_touchpoint) = match ev.kind {
            EventKind::Page => ("page", ev.path),
            _ => ("track", ev.name),
        };
        let declared = prop_str("touchpoint");
        let touchpoint = declared.unwrap_or(default_touchpoint);
        if ev.kind == EventKind::Page {
            self.page_count += 1;
        }
        let facts = StepFacts {
            touchpoint,
            event: ev.name,
            path: ev.path,
            properties: parsed.as_ref(),
        };
        let explicit = prop_str("stage").and_then(|s| rules.stages.iter().position(|name| name == s));
        // When several rules match (a URL rule and an event rule on that page), the furthest stage wins.
        let matched = explicit.or_else(|| rules.rules.iter().filter(|r| r.matches(&facts)).map(|r| r.stage).max());
        // A journey begins in the first stage when no rule says otherwise.
        let entered = matched.or_else(|| self.current_stage.is_none().then_some(0));
        if let Some(stage) = entered {
            if self.current_stage != Some(stage) {
                self.current_stage = Some(stage);
                if !self.stages.iter().any(|s| s.stage == stage) {
                    self.stages.push(StageEntry {
                        stage,
                        at: ev.ts,
                        touchpoint: touchpoint.to_string(),
                    });
                    changes.stage_entered = Some(stage);
                }
                self.furthest_stage = Some(self.furthest_stage.map_or(stage, |f| f.max(stage)));
            }
        }
        if self.steps.len() < rules.max_steps {
            self.steps.push(Step {
                touchpoint: touchpoint.to_string(),
                kind: if declared.is_some() { "touchpoint" } else { kind },
                path: ev.path.to_string(),
                stage: self.current_stage,
                at: ev.ts,
                emotion: Emotion::Neutral,
                emotion_from_feedback: false,
                friction: Vec::new(),
                feedback: Vec::new(),
                #[cfg(feature = "vitals")]
                vitals: Vitals::default(),
            });
        } else {
            self.truncated_steps += 1;
        }
        if ev.kind == EventKind::Page {
            if let Some((kind, at)) = self.page_friction(rules) {
                self.add_friction_at(kind, at);
                changes.friction = Some(kind.into());
            }
        }
        if let Some(goal) = rules.goals.iter().find(|g| g.event == ev.name) {
            let number = |key: &Option<String>| match key.as_ref().and_then(|k| prop(k)) {
                Some(Value::Number(n)) => Some(n.clone()),
                _ => None,
            };
            let currency = goal
                .currency_property
                .as_ref()
                .and_then(|k| prop_str(k))
                .map(str::to_string)
                .or_else(|| goal.currency.clone());
            self.conversions.push(Conversion {
                name: ev.name.to_string(),
                value: number(&goal.value_property),
                currency,
                at: ev.ts,
                step: (self.truncated_steps == 0).then(|| self.steps.len() - 1),
            });
            changes.converted = true;
        }
        changes
    }

    /// Friction the latest page step shows, with the step it goes on: back
    /// and forth between two pages (A, B, A, B) on the latest, else a quick
    /// back (A, B, then A again within `quick_back_ms` of landing on B) on B.
    /// One friction point a page step.
    fn page_friction(&self, rules: &JourneyRules) -> Option<(&'static str, usize)> {
        // The latest page steps, newest first.
        let mut pages = [0usize; 4];
        let mut n = 0;
        for (i, step) in self.steps.iter().enumerate().rev() {
            if step.kind == "page" {
                pages[n] = i;
                n += 1;
                if n == 4 {
                    break;
                }
            }
        }
        let page = |k: usize| &self.steps[pages[k]];
        let same = |j: usize, k: usize| page(j).touchpoint == page(k).touchpoint;
        if n == 4 && rules.navigation_loops && same(3, 1) && same(2, 0) && !same(3, 2) {
            return Some(("navigation_loop", pages[0]));
        }
        let within = rules.quick_back_ms?;
        (n >= 3 && same(0, 2) && !same(0, 1) && page(0).at.saturating_sub(page(1).at) <= within)
            .then_some(("quick_back", pages[1]))
    }

    /// The latest page step.
    #[cfg(feature = "vitals")]
    pub fn page_step_mut(&mut self) -> Option<&mut Step> {
        self.steps.iter_mut().rev().find(|step| step.kind == "page")
    }

    fn add_friction(&mut self, kind: &str) {
        self.add_friction_at(kind, self.steps.len().wrapping_sub(1));
    }

    /// Friction of `kind` on step `at` (none when there is no such step).
    fn add_friction_at(&mut self, kind: &str, at: usize) {
        match self.friction_count.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => *n += 1,
            None => self.friction_count.push((kind.to_string(), 1)),
        }
        if let Some(step) = self.steps.get_mut(at) {
            step.friction.push(kind.to_string());
            if !step.emotion_from_feedback {
                step.emotion = Emotion::Negative;
            }
        }
    }

    pub fn duration_ms(&self) -> u64 {
        self.last_activity_at.saturating_sub(self.started_at)
    }

    /// Not engaged: under 10 s, at most one page, no conversion (GA4's rule).
    pub fn bounced(&self) -> bool {
        self.duration_ms() < ENGAGED_SESSION_MS && self.page_count <= 1 && self.conversions.is_empty()
    }

    fn dwell_ms(&self, i: usize) -> u64 {
        let at = self.steps.get(i).map_or(0, |s| s.at);
        let next = self.steps.get(i + 1).map_or(self.last_activity_at, |s| s.at);
        next.saturating_sub(at)
    }

    /// Moments where perception can flip: `(step, reason)`.
    pub fn moments_of_truth(&self) -> Vec<(usize, &'static str)> {
        let mut moments = Vec::new();
        let conversion_steps: Vec<usize> = self.conversions.iter().filter_map(|c| c.step).collect();
        for (i, step) in self.steps.iter().enumerate() {
            if step.emotion_from_feedback && step.emotion != Emotion::Neutral {
                moments.push((i, "strong_emotion"));
            }
            if conversion_steps.first() == Some(&i) {
                moments.push((i, "first_conversion"));
            }
            if ["support", "contact", "chat"]
                .iter()
                .any(|w| contains_ignoring_case(&step.touchpoint, w))
            {
                moments.push((i, "support_contact"));
            }
            if !step.friction.is_empty() {
                if conversion_steps.iter().any(|&c| c == i || c == i + 1) {
                    moments.push((i, "friction_before_conversion"));
                } else if i + 1 == self.steps.len() {
                    moments.push((i, "friction_before_exit"));
                }
            }
        }
        moments
    }

    /// Writes the journey as JSON (the `journey_summary` properties). With
    /// `end_reason`, the session is over.
    pub fn write_json(&self, rules: &JourneyRules, end_reason: Option<&str>, out: &mut String) {
        let stage_name = |i: usize| rules.stages.get(i).map_or("", String::as_str);
        let mut o = ObjectWriter::new(out);
        o.num("v", 1)
            .str("sessionId", &self.session_id)
            .num("sessionIndex", self.session_index as u64);
        if let Some(previous) = &self.previous_session_id {
            o.str("previousSessionId", previous);
        }
        o.num("startedAt", self.started_at)
            .num("lastActivityAt", self.last_activity_at);
        if let Some(reason) = end_reason {
            o.str("endReason", reason);
        }
        o.str("channel", self.touch.channel().as_str());
        self.touch.write_json(o.key("touch"));
        o.str("landing", self.steps.first().map_or("", |s| s.touchpoint.as_str()));
        o.str("exit", self.steps.last().map_or("", |s| s.touchpoint.as_str()));
        let steps = o.key("steps");
        steps.push('[');
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                steps.push(',');
            }
            let mut s = ObjectWriter::new(steps);
            s.str("touchpoint", &step.touchpoint).str("kind", step.kind);
            if step.path != step.touchpoint {
                s.str("path", &step.path); // a page step's touchpoint is its path
            }
            if let Some(stage) = step.stage {
                s.str("stage", stage_name(stage));
            }
            s.num("at", step.at.saturating_sub(self.started_at))
                .num("dwellMs", self.dwell_ms(i));
            s.str("emotion", step.emotion.as_str());
            if step.emotion_from_feedback {
                s.bool("emotionFromFeedback", true);
            }
            if !step.friction.is_empty() {
                let f = s.key("friction");
                f.push('[');
                for (j, kind) in step.friction.iter().enumerate() {
                    if j > 0 {
                        f.push(',');
                    }
                    json::write_string(f, kind);
                }
                f.push(']');
            }
            #[cfg(feature = "vitals")]
            if !step.vitals.is_empty() {
                step.vitals.write_json(s.key("vitals"));
            }
            if !step.feedback.is_empty() {
                let f = s.key("feedback");
                f.push('[');
                for (j, answer) in step.feedback.iter().enumerate() {
                    if j > 0 {
                        f.push(',');
                    }
                    let mut a = ObjectWriter::new(f);
                    a.str("survey", &answer.survey)
                        .str_if("variant", &answer.variant)
                        .str("questionType", &answer.question_type);
                    if answer.text.is_empty() {
                        a.num("value", answer.value);
                    } else {
                        a.str("text", &answer.text);
                    }
                    a.finish();
                }
                f.push(']');
            }
            s.finish();
        }
        steps.push(']');
        o.num("truncatedSteps", self.truncated_steps as u64);
        let stages = o.key("stages");
        stages.push('[');
        for (i, entry) in self.stages.iter().enumerate() {
            if i > 0 {
                stages.push(',');
            }
            ObjectWriter::new(stages)
                .str("stage", stage_name(entry.stage))
                .num("at", entry.at.saturating_sub(self.started_at))
                .str("touchpoint", &entry.touchpoint)
                .finish();
        }
        stages.push(']');
        if let Some(stage) = self.current_stage {
            o.str("currentStage", stage_name(stage));
        }
        if let Some(stage) = self.furthest_stage {
            o.str("furthestStage", stage_name(stage));
        }
        let conversions = o.key("conversions");
        conversions.push('[');
        for (i, c) in self.conversions.iter().enumerate() {
            if i > 0 {
                conversions.push(',');
            }
            let mut w = ObjectWriter::new(conversions);
            w.str("name", &c.name);
            if let Some(value) = &c.value {
                w.raw("value", value);
            }
            if let Some(currency) = &c.currency {
                w.str("currency", currency);
            }
            w.num("at", c.at.saturating_sub(self.started_at));
            if let Some(step) = c.step {
                w.num("step", step as u64);
            }
            w.finish();
        }
        conversions.push(']');
        let friction = o.key("friction");
        let mut f = ObjectWriter::new(friction);
        for (kind, n) in &self.friction_count {
            f.num(kind, *n as u64);
        }
        f.finish();
        let curve = o.key("emotionCurve");
        curve.push('[');
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                curve.push(',');
            }
            curve.push_str(step.emotion.score());
        }
        curve.push(']');
        let moments = o.key("momentsOfTruth");
        moments.push('[');
        for (i, (step, reason)) in self.moments_of_truth().iter().enumerate() {
            if i > 0 {
                moments.push(',');
            }
            ObjectWriter::new(moments)
                .num("step", *step as u64)
                .str("reason", reason)
                .finish();
        }
        moments.push(']');
        o.num("pageCount", self.page_count as u64)
            .num("eventCount", self.event_count as u64)
            .num("engagedMs", self.engaged_ms)
            .num("durationMs", self.duration_ms())
            .bool("bounce", self.bounced());
        o.finish();
    }

    pub fn to_json(&self, rules: &JourneyRules) -> String {
        let mut out = String::with_capacity(1_024 + self.steps.len() * 160);
        self.write_json(rules, None, &mut out);
        out
    }

    /// Reads what `write_json` wrote (stages by name against `rules`).
    /// `None` for anything unreadable: a corrupt stored journey is dropped.
    pub fn from_json(text: &str, rules: &JourneyRules) -> Option<Journey> {
        let v = json::parse(text).ok()?;
        let started_at = num(&v, "startedAt")?;
        let stage = |v: &Value, key: &str| {
            let name = v.get(key)?.as_str()?;
            rules.stages.iter().position(|n| n == name)
        };
        let mut journey = Journey::new(
            v.get("sessionId")?.as_str()?,
            num(&v, "sessionIndex")? as u32,
            v.get("previousSessionId").and_then(Value::as_str),
            v.get("touch").and_then(Touch::from_json).unwrap_or_default(),
            started_at,
        );
        journey.last_activity_at = num(&v, "lastActivityAt")?;
        journey.truncated_steps = num(&v, "truncatedSteps").unwrap_or(0) as u32;
        journey.current_stage = stage(&v, "currentStage");
        journey.furthest_stage = stage(&v, "furthestStage");
        journey.page_count = num(&v, "pageCount").unwrap_or(0) as u32;
        journey.event_count = num(&v, "eventCount").unwrap_or(0) as u32;
        journey.engaged_ms = num(&v, "engagedMs").unwrap_or(0);
        for s in array(&v, "steps") {
            let touchpoint = string(s, "touchpoint");
            let mut step = Step {
                path: s
                    .get("path")
                    .and_then(Value::as_str)
                    .map_or_else(|| touchpoint.clone(), str::to_string),
                touchpoint,
                kind: match s.get("kind").and_then(Value::as_str) {
                    Some("page") => "page",
                    Some("touchpoint") => "touchpoint",
                    _ => "track",
                },
                stage: stage(s, "stage"),
                at: started_at + num(s, "at").unwrap_or(0),
                emotion: Emotion::parse(s.get("emotion").and_then(Value::as_str).unwrap_or_default()),
                emotion_from_feedback: s.get("emotionFromFeedback").and_then(Value::as_bool).unwrap_or(false),
                friction: Vec::new(),
                feedback: Vec::new(),
                #[cfg(feature = "vitals")]
                vitals: Vitals::from_json(s.get("vitals")),
            };
            for kind in array(s, "friction") {
                step.friction.push(kind.as_str().unwrap_or_default().to_string());
            }
            for answer in array(s, "feedback") {
                step.feedback.push(Feedback {
                    survey: string(answer, "survey"),
                    variant: string(answer, "variant"),
                    question_type: string(answer, "questionType"),
                    value: num(answer, "value").unwrap_or(0),
                    text: string(answer, "text"),
                });
            }
            journey.steps.push(step);
        }
        for entry in array(&v, "stages") {
            if let Some(index) = stage(entry, "stage") {
                journey.stages.push(StageEntry {
                    stage: index,
                    at: started_at + num(entry, "at").unwrap_or(0),
                    touchpoint: string(entry, "touchpoint"),
                });
            }
        }
        for c in array(&v, "conversions") {
            journey.conversions.push(Conversion {
                name: string(c, "name"),
                value: match c.get("value") {
                    Some(Value::Number(n)) => Some(n.clone()),
                    _ => None,
                },
                currency: c.get("currency").and_then(Value::as_str).map(str::to_string),
                at: started_at + num(c, "at").unwrap_or(0),
                step: num(c, "step").map(|s| s as usize),
            });
        }
        if let Some(Value::Object(counts)) = v.get("friction") {
            for (kind, n) in counts {
                journey
                    .friction_count
                    .push((kind.clone(), n.as_u64().unwrap_or(0) as u32));
            }
        }
        Some(journey)
    }
}

/// Whether `haystack` contains the lower-case ASCII `needle`, in any case.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn num(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn string(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

const CODE: &str = "invalid_option";

/// Reads `options.conversions`: `[{ event, valueProperty?, currencyProperty?, currency? }]`.
pub fn parse_goals(value: &Value) -> Result<Vec<Goal>, FieldError> {
    let Value::Array(items) = value else {
        return Err(expected(CODE, "options.conversions", "an array", value));
    };
    let mut goals = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = |field: &str| crate::base::error::item_path("conversions", i, field);
        let Value::Object(fields) = item else {
            return Err(FieldError::new(
                CODE,
                path(""),
                "expected an object such as { event: \"Order Completed\", valueProperty: \"total\" }",
            ));
        };
        let mut goal = Goal {
            event: String::new(),
            value_property: None,
            currency_property: None,
            currency: None,
        };
        for (key, field) in fields {
            let text = match field.as_str() {
                Some(s) if !s.is_empty() => s.to_string(),
                _ => return Err(expected(CODE, path(key), "a non-empty string", field)),
            };
            match key.as_str() {
                "event" => goal.event = text,
                "valueProperty" => goal.value_property = Some(text),
                "currencyProperty" => goal.currency_property = Some(text),
                "currency" => goal.currency = Some(text),
                other => {
                    return Err(FieldError::new(CODE, path(other), "is not a conversion field")
                        .with_fix("Use event, valueProperty, currencyProperty, currency"))
                }
            }
        }
        if goal.event.is_empty() {
            return Err(FieldError::new(CODE, path("event"), "is required")
                .with_fix("Name the event that counts as this conversion"));
        }
        goals.push(goal);
    }
    Ok(goals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;
    use crate::journey::stages::parse_rules;

    fn rules(text: &str) -> JourneyRules {
        let mut rules = JourneyRules::default();
        rules.rules = parse_rules(&parse(text).unwrap(), &rules.stages).unwrap();
        rules
    }

    fn observe(
        journey: &mut Journey,
        rules: &JourneyRules,
        kind: EventKind,
        name: &str,
        path: &str,
        ts: u64,
    ) -> Changes {
        journey.observe(
            rules,
            &Observed {
                kind,
                name,
                properties: "",
                path,
                ts,
            },
        )
    }

    #[test]
    fn when_rules_compete_the_furthest_stage_wins() {
        let rules = rules(r#"[{"stage":"decision","url":"/checkout"},{"stage":"purchase","event":"Order Completed"}]"#);
        let mut j = Journey::new("s", 1, None, Touch::default(), 0);
        observe(&mut j, &rules, EventKind::Page, "page_view", "/checkout", 1);
        assert_eq!(j.current_stage, Some(2));
        let changes = observe(&mut j, &rules, EventKind::Track, "Order Completed", "/checkout", 2);
        assert_eq!(changes.stage_entered, Some(3));
        assert_eq!(j.furthest_stage, Some(3));
    }

    #[test]
    fn a_survey_is_not_a_step_and_its_answer_lands_on_the_step_it_was_given_at() {
        let rules = JourneyRules::default();
        let mut j = Journey::new("s", 1, None, Touch::default(), 0);
        observe(&mut j, &rules, EventKind::Track, "Order Completed", "/checkout", 1);
        observe(&mut j, &rules, EventKind::Track, "survey_shown", "/checkout", 2);
        observe(&mut j, &rules, EventKind::Page, "page_view", "/thanks", 3);
        let answer = r#"{"survey":"csat","questionType":"csat","value":5,"touchpoint":"Order Completed"}"#;
        j.observe(
            &rules,
            &Observed {
                kind: EventKind::Track,
                name: ANSWER_EVENT,
                properties: answer,
                path: "/thanks",
                ts: 4,
            },
        );
        let steps: Vec<&str> = j.steps.iter().map(|s| s.touchpoint.as_str()).collect();
        assert_eq!(steps, ["Order Completed", "/thanks"]);
        assert_eq!(j.steps[0].emotion, Emotion::Positive);
        assert_eq!(j.steps[0].feedback.len(), 1);
        assert!(j.steps[1].feedback.is_empty());
        // A free-text follow-up lands there too, with its words and no score:
        // the collector reads its sentiment. The emotion stays the score's.
        let text = r#"{"survey":"csat","questionType":"text","text":"Trop lent, \"vraiment\"","touchpoint":"Order Completed"}"#;
        j.observe(
            &rules,
            &Observed {
                kind: EventKind::Track,
                name: ANSWER_EVENT,
                properties: text,
                path: "/thanks",
                ts: 5,
            },
        );
        assert_eq!(j.steps[0].feedback[1].text, "Trop lent, \"vraiment\"");
        assert_eq!(j.steps[0].emotion, Emotion::Positive);
        let json = j.to_json(&rules);
        assert!(
            json.contains(r#"{"survey":"csat","questionType":"text","text":"Trop lent, \"vraiment\""}"#),
            "{json}"
        );
        let back = Journey::from_json(&json, &rules).unwrap();
        assert_eq!(back.steps[0].feedback, j.steps[0].feedback, "kept across pages");
    }

    #[test]
    fn answers_map_to_emotions_as_the_brief_defines() {
        let e = |t: &str, v: u64| Emotion::of_answer(t, v);
        assert_eq!(
            [e("csat", 1), e("csat", 2), e("csat", 3), e("csat", 4), e("csat", 5)],
            [
                Some(Emotion::Negative),
                Some(Emotion::Negative),
                Some(Emotion::Neutral),
                Some(Emotion::Positive),
                Some(Emotion::Positive)
            ]
        );
        assert_eq!(
            [e("ces", 3), e("ces", 4), e("ces", 5)],
            [Some(Emotion::Negative), Some(Emotion::Neutral), Some(Emotion::Positive)]
        );
        assert_eq!(
            [e("nps", 6), e("nps", 7), e("nps", 8), e("nps", 9)],
            [
                Some(Emotion::Negative),
                Some(Emotion::Neutral),
                Some(Emotion::Neutral),
                Some(Emotion::Positive)
            ]
        );
        assert_eq!(
            [e("thumbs", 0), e("thumbs", 1)],
            [Some(Emotion::Negative), Some(Emotion::Positive)]
        );
        assert_eq!(e("stars", 3), None);
    }

    #[test]
    fn back_and_forth_between_two_pages_is_friction() {
        // (Pages a millisecond apart would also be quick backs: those are tested below.)
        let rules = JourneyRules {
            quick_back_ms: None,
            ..JourneyRules::default()
        };
        let mut j = Journey::new("s", 1, None, Touch::default(), 0);
        let mut loops = 0;
        for (i, path) in ["/a", "/b", "/a", "/c", "/a", "/c"].iter().enumerate() {
            if observe(&mut j, &rules, EventKind::Page, "page_view", path, i as u64)
                .friction
                .is_some()
            {
                loops += 1;
            }
        }
        assert_eq!(loops, 1, "/a /c /a /c");
        assert_eq!(j.steps[5].friction, vec!["navigation_loop"]);
    }

    #[test]
    fn back_to_the_previous_page_within_seconds_is_a_quick_back_on_the_page_left() {
        let rules = JourneyRules::default();
        let mut j = Journey::new("s", 1, None, Touch::default(), 0);
        let mut found = Vec::new();
        // /pricing for 3 s then back: a quick back on /pricing. /plans for 9 s
        // then back: none. /b, /c: no return. (A loop A, B, A, B is one
        // quick back, then a navigation loop: one friction point a page.)
        let visits = [
            ("/", 0),
            ("/pricing", 1_000),
            ("/", 4_000),
            ("/plans", 6_000),
            ("/", 15_000),
            ("/b", 16_000),
            ("/c", 17_000),
        ];
        for (path, at) in visits {
            found.push(observe(&mut j, &rules, EventKind::Page, "page_view", path, at).friction);
        }
        assert_eq!(found[2].as_deref(), Some("quick_back"));
        assert_eq!(found.iter().flatten().count(), 1, "{found:?}");
        assert_eq!(
            j.steps[1].friction,
            vec!["quick_back"],
            "on the page left, not the one returned to"
        );
        assert!(j.steps[2].friction.is_empty());
        assert_eq!(j.friction_count, vec![("quick_back".to_string(), 1)]);
        let mut loop_ = Journey::new("s", 1, None, Touch::default(), 0);
        for (i, path) in ["/a", "/b", "/a", "/b"].iter().enumerate() {
            observe(&mut loop_, &rules, EventKind::Page, "page_view", path, i as u64);
        }
        let kinds: Vec<&[String]> = loop_.steps.iter().map(|s| s.friction.as_slice()).collect();
        assert_eq!(kinds[1], ["quick_back"]);
        assert_eq!(kinds[3], ["navigation_loop"]);
        assert_eq!(kinds.iter().map(|k| k.len()).sum::<usize>(), 2);
        let off = JourneyRules {
            quick_back_ms: None,
            ..JourneyRules::default()
        };
        let mut k = Journey::new("s", 1, None, Touch::default(), 0);
        for (path, at) in &visits[..3] {
            assert_eq!(
                observe(&mut k, &off, EventKind::Page, "page_view", path, *at).friction,
                None
            );
        }
    }

    #[test]
    fn a_declared_stage_or_touchpoint_in_properties_is_used() {
        let rules = JourneyRules::default();
        let mut j = Journey::new("s", 1, None, Touch::default(), 0);
        j.observe(
            &rules,
            &Observed {
                kind: EventKind::Track,
                name: "Clicked",
                properties: r#"{"touchpoint":"pricing-cta","stage":"decision"}"#,
                path: "/",
                ts: 1,
            },
        );
        assert_eq!(j.steps[0].touchpoint, "pricing-cta");
        assert_eq!(j.steps[0].kind, "touchpoint");
        assert_eq!(j.current_stage, Some(2));
    }
}
