//! The tracker's side of survey targeting: what happened (events, journey
//! changes, browser signals) fires triggers; a survey whose rules pass
//! becomes a `survey` notice, which the shell schedules (after the
//! trigger's delay) and then claims: the rules are judged again against
//! the stored history, which the claim writes before the survey is drawn.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{parse, write_string, ObjectWriter, Value};
use crate::base::platform::Store;
use crate::capture::event::EventKind;
use crate::journey::Changes;
use crate::surveys::condition::Facts;
use crate::surveys::targeting::{judge, write_checks, Check, History, Moment, Occurrence, Watch};

use super::{Tracker, TRAITS_KEY};

/// What one recorded event did, for the triggers.
pub(super) struct Happened<'a> {
    pub kind: EventKind,
    pub name: &'a str,
    pub properties: &'a str,
    /// The event made a journey step (its touchpoint is the last step's).
    pub new_step: bool,
    pub changes: &'a Changes,
    pub session_started: bool,
}

/// The outcome of a claim: shown (with its variant, if any) or why not.
pub enum Claim {
    Granted { variant: String },
    Refused(Vec<Check>),
}

impl Tracker {
    /// Whether any survey has a trigger (else nothing here runs per event).
    pub fn has_survey_triggers(&self) -> bool {
        self.config.surveys.iter().any(|s| !s.targeting.triggers.is_empty())
    }

    /// What the page must watch for: time on page, scroll depth, exit intent, clicks.
    pub fn survey_watch_json(&self) -> String {
        let mut out = String::new();
        Watch::of(self.config.surveys.iter().flat_map(|s| s.targeting.triggers.iter())).write_json(&mut out);
        out
    }

    pub(super) fn trigger_surveys_after(&mut self, happened: &Happened, now: u64) {
        // A survey's own events never trigger another.
        if happened.name.starts_with("survey_") || happened.kind.is_profile() {
            return;
        }
        let journey = self.journey.as_ref();
        let touchpoint = journey
            .filter(|_| happened.new_step)
            .and_then(|j| j.steps.last())
            .map(|step| step.touchpoint.clone());
        self.trigger_surveys(
            Occurrence::Event {
                name: happened.name,
                properties: happened.properties,
                touchpoint: touchpoint.as_deref(),
            },
            now,
        );
        if happened.kind == EventKind::Page {
            let index = self.journey.as_ref().map_or(1, |j| j.page_count);
            self.trigger_surveys(Occurrence::PageView(index), now);
        }
        if happened.session_started {
            let index = self.session.as_ref().map_or(1, |s| s.index);
            self.trigger_surveys(Occurrence::SessionStart(index), now);
        }
        let changes = happened.changes;
        if let Some(stage) = changes
            .stage_entered
            .and_then(|i| self.config.journey.stages.get(i))
            .cloned()
        {
            self.trigger_surveys(Occurrence::Stage(&stage), now);
        }
        if let Some(kind) = &changes.friction {
            self.trigger_surveys(Occurrence::Friction(kind), now);
        }
        if changes.converted {
            let goal = self
                .journey
                .as_ref()
                .and_then(|j| j.conversions.last())
                .map(|c| c.name.clone());
            self.trigger_surveys(Occurrence::Conversion(goal.as_deref().unwrap_or("")), now);
        }
    }

    /// Fires the triggers `occurrence` matches on the current page: each
    /// survey whose rules pass now becomes a `survey` notice.
    pub fn trigger_surveys(&mut self, occurrence: Occurrence, now: u64) {
        self.trigger_surveys_from(0, occurrence, "", now);
    }

    /// A browser signal (time on page, scroll, exit intent, a click) on
    /// page `href`, which may be one no event was recorded on yet.
    pub fn signal_surveys(&mut self, occurrence: Occurrence, href: &str, now: u64) {
        self.trigger_surveys_from(0, occurrence, href, now);
    }

    /// `trigger_surveys` for the surveys from the `first`-th on, on page
    /// `href` (empty: the page of the last event).
    pub(super) fn trigger_surveys_from(&mut self, first: usize, occurrence: Occurrence, href: &str, now: u64) {
        let url = if href.is_empty() {
            self.page.url.clone()
        } else {
            href.to_string()
        };
        let path = crate::base::url::path_of(&url);
        let mut due: Vec<(String, u64)> = Vec::new();
        for survey in self.config.surveys.iter().skip(first) {
            let fired = survey
                .targeting
                .triggers
                .iter()
                .find(|t| t.fires(&occurrence, &url, path));
            let Some(trigger) = fired else { continue };
            let checks = self.judge_survey(survey, &self.history, now, "", &url);
            if checks.iter().all(|c| c.ok) {
                due.push((survey.id.clone(), trigger.delay_ms));
            }
        }
        for (id, delay) in due {
            let mut notice = String::new();
            ObjectWriter::new(&mut notice)
                .str("type", "survey")
                .str("survey", &id)
                .num("delay", delay)
                .str("path", path)
                .finish();
            self.notices.push(notice);
        }
    }

    /// Judges survey `id` for display now, against the history in
    /// `store`, on the page `href` (languages: the page's and browser's,
    /// comma-separated). `trigger_path`: the path it was triggered on (the
    /// visitor must still be there); empty for `survey.show`, which is the
    /// site's own decision: `forced` skips the rules. A granted claim is
    /// written to the history before the survey is drawn.
    #[allow(clippy::too_many_arguments)]
    pub fn claim_survey(
        &mut self,
        id: &str,
        store: &mut dyn Store,
        now: u64,
        href: &str,
        languages: &str,
        trigger_path: &str,
        forced: bool,
    ) -> Claim {
        self.history = History::load(store);
        let Some(survey) = self.config.survey(id) else {
            return Claim::Refused(Vec::new());
        };
        if !forced {
            let mut checks = self.judge_survey(survey, &self.history, now, languages, href);
            if !trigger_path.is_empty() {
                let path = crate::base::url::path_of(href);
                let mut detail = String::from("triggered on ");
                detail.push_str(trigger_path);
                if path != trigger_path {
                    detail.push_str("; the visitor is now on ");
                    detail.push_str(path);
                }
                checks.push(Check {
                    rule: "page",
                    ok: path == trigger_path,
                    detail,
                });
            }
            if checks.iter().any(|c| !c.ok) {
                return Claim::Refused(checks);
            }
        }
        let variant = survey
            .variant_for(&self.visitor_id)
            .map(|v| v.id.clone())
            .unwrap_or_default();
        let session = self.session.as_ref().map_or("", |s| s.id.as_str()).to_string();
        self.history.mark_shown(id, &session, now);
        self.history.save(store);
        Claim::Granted { variant }
    }

    /// `survey.explain(id)`: `{"survey","show","triggers","variant","checks":[…]}`.
    pub fn explain_survey(&mut self, id: &str, store: &dyn Store, now: u64, href: &str, languages: &str) -> String {
        self.history = History::load(store);
        let mut out = String::new();
        let Some(survey) = self.config.survey(id) else {
            let mut w = ObjectWriter::new(&mut out);
            w.str("survey", id).bool("show", false).str(
                "error",
                "no survey has this id (see the console for surveys refused at init)",
            );
            w.finish();
            return out;
        };
        let checks = self.judge_survey(survey, &self.history, now, languages, href);
        let mut list = String::new();
        write_checks(&checks, &mut list);
        let variant = survey.variant_for(&self.visitor_id).map_or("", |v| v.id.as_str());
        ObjectWriter::new(&mut out)
            .str("survey", id)
            .bool("show", checks.iter().all(|c| c.ok))
            .num("triggers", survey.targeting.triggers.len() as u64)
            .str_if("variant", variant)
            .raw("checks", &list)
            .finish();
        out
    }

    /// The survey went away: dismissed (before the end) or completed.
    pub fn survey_closed(&mut self, id: &str, completed: bool, store: &mut dyn Store, now: u64) {
        self.history = History::load(store);
        if completed {
            self.history.mark_response(id);
        } else {
            self.history.mark_dismissed(id, now);
        }
        self.history.save(store);
    }

    /// Merges the traits given to `identify` into those kept for audiences.
    pub(super) fn merge_traits(&mut self, traits: &str, store: &mut dyn Store) {
        let Ok(Value::Object(given)) = parse(traits) else {
            return;
        };
        let mut merged = match self.traits.take() {
            Some(Value::Object(fields)) => fields,
            _ => Vec::new(),
        };
        for (key, value) in given {
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => merged.push((key, value)),
            }
        }
        let merged = Value::Object(merged);
        store.set(TRAITS_KEY, &merged.to_json());
        self.traits = Some(merged);
    }

    fn judge_survey(
        &self,
        survey: &crate::surveys::survey::Survey,
        history: &History,
        now: u64,
        languages: &str,
        href: &str,
    ) -> Vec<Check> {
        let device = parse(&self.device).ok();
        let device_field = |key: &str| {
            device
                .as_ref()
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let journey = self.journey.as_ref();
        let stages = journey.map_or(Vec::new(), |j| {
            j.stages
                .iter()
                .filter_map(|e| self.config.journey.stages.get(e.stage).map(String::as_str))
                .collect()
        });
        let mut language_list: Vec<&str> = languages.split(',').filter(|l| !l.is_empty()).collect();
        if language_list.is_empty() && !device_field("language").is_empty() {
            language_list.push(device_field("language"));
        }
        let url = if href.is_empty() { self.page.url.as_str() } else { href };
        let facts = Facts {
            returning: self.session.as_ref().is_some_and(|s| s.index > 1),
            channel: journey.map_or("direct", |j| j.touch.channel().as_str()),
            device: device_field("class"),
            languages: language_list,
            stages,
            traits: self.traits.as_ref(),
            url,
            path: crate::base::url::path_of(url),
        };
        // A session past its timeout is over: the next event begins another.
        let session = self
            .session
            .as_ref()
            .filter(|s| self.rules.must_restart(Some(s), now).is_none());
        let moment = Moment {
            now,
            visitor_id: &self.visitor_id,
            session_id: session.map_or("", |s| s.id.as_str()),
            facts,
            cooldown_days: self.config.survey_cooldown_days,
        };
        judge(&survey.id, &survey.targeting, history, &moment)
    }
}

/// Writes a claim's answer for the shell: `{"ok":true,"variant":…}` or
/// `{"ok":false,"checks":[…]}`.
pub fn claim_json(claim: &Claim) -> String {
    let mut out = String::from("{\"ok\":");
    match claim {
        Claim::Granted { variant } => {
            out.push_str("true,\"variant\":");
            write_string(&mut out, variant);
        }
        Claim::Refused(checks) => {
            out.push_str("false,\"checks\":");
            write_checks(checks, &mut out);
        }
    }
    out.push('}');
    out
}
