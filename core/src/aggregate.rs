//! The journey map's numbers, from journey summaries: per stage and per
//! touchpoint, how many sessions and visitors, how many move on to the next
//! stage and how long it takes them, where they stop, the most common
//! paths, friction by type, CSAT, CES and NPS with their response counts,
//! and the emotion curve. The collector (SQLite or ClickHouse) hands each
//! stored `journey_summary` event to [`JourneyMap::add`]; the rules of
//! what a journey is stay those of [`crate::journey`], which wrote the
//! summaries.
//!
//! Scores, exactly as the product defines them: CSAT = % of answers 4 or 5
//! (1–5); CES = the mean (1–7) and the % of 5–7; NPS = % promoters (9–10)
//! − % detractors (0–6).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json::{push_list, write_string, ObjectWriter, Value};
use crate::num::push_u64;

/// Which journeys count (each test passes when unset).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub channel: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    pub device: Option<String>,
    /// `Some(true)`: returning visitors only (their second session or later).
    pub returning: Option<bool>,
    /// From and to, in ms since 1970 (the session's start).
    pub from: Option<u64>,
    pub to: Option<u64>,
}

/// Answers to the three kinds of score.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    pub csat_answers: u64,
    pub csat_satisfied: u64,
    pub ces_answers: u64,
    pub ces_sum: u64,
    pub ces_easy: u64,
    pub nps_answers: u64,
    pub promoters: u64,
    pub detractors: u64,
}

impl Scores {
    fn add(&mut self, question_type: &str, value: u64) {
        match question_type {
            "csat" if (1..=5).contains(&value) => {
                self.csat_answers += 1;
                self.csat_satisfied += u64::from(value >= 4);
            }
            "ces" if (1..=7).contains(&value) => {
                self.ces_answers += 1;
                self.ces_sum += value;
                self.ces_easy += u64::from(value >= 5);
            }
            "nps" if value <= 10 => {
                self.nps_answers += 1;
                self.promoters += u64::from(value >= 9);
                self.detractors += u64::from(value <= 6);
            }
            _ => {}
        }
    }

    /// % of CSAT answers that are 4 or 5.
    pub fn csat(&self) -> Option<f64> {
        percent(self.csat_satisfied, self.csat_answers)
    }

    /// Mean CES answer (1–7).
    pub fn ces_mean(&self) -> Option<f64> {
        (self.ces_answers > 0).then(|| self.ces_sum as f64 / self.ces_answers as f64)
    }

    /// % of CES answers from 5 to 7.
    pub fn ces_easy(&self) -> Option<f64> {
        percent(self.ces_easy, self.ces_answers)
    }

    /// % promoters − % detractors, from −100 to 100.
    pub fn nps(&self) -> Option<f64> {
        Some(percent(self.promoters, self.nps_answers)? - percent(self.detractors, self.nps_answers)?)
    }

    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        push_number(o.key("csat"), self.csat());
        o.num("csatAnswers", self.csat_answers);
        push_number(o.key("cesMean"), self.ces_mean());
        push_number(o.key("cesEasy"), self.ces_easy());
        o.num("cesAnswers", self.ces_answers);
        push_number(o.key("nps"), self.nps());
        o.num("npsAnswers", self.nps_answers);
        o.finish();
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// One stage or touchpoint's figures.
#[derive(Clone, Debug, Default)]
pub struct Place {
    pub name: String,
    /// The stage a touchpoint was most often in (touchpoints only).
    pub stage: String,
    pub sessions: u64,
    visitors: Vec<String>,
    /// Friction by type.
    pub friction: Vec<(String, u64)>,
    pub scores: Scores,
    /// Sum of emotions (−1, 0, 1) and how many, for the average.
    emotion_sum: i64,
    emotion_count: u64,
    /// Sessions whose journey ended here (their last step, or their furthest stage).
    pub exits: u64,
}

impl Place {
    fn named(name: &str) -> Place {
        Place {
            name: name.to_string(),
            ..Place::default()
        }
    }

    pub fn visitors(&self) -> u64 {
        self.visitors.len() as u64
    }

    /// The average emotion, from −1 (negative) to 1 (positive).
    pub fn emotion(&self) -> Option<f64> {
        (self.emotion_count > 0).then(|| self.emotion_sum as f64 / self.emotion_count as f64)
    }

    pub fn friction_count(&self) -> u64 {
        self.friction.iter().map(|(_, n)| n).sum()
    }

    fn count_visitor(&mut self, visitor: &str) {
        if let Err(at) = self.visitors.binary_search_by(|v| v.as_str().cmp(visitor)) {
            self.visitors.insert(at, visitor.to_string());
        }
    }

    fn add_friction(&mut self, kind: &str) {
        match self.friction.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => *n += 1,
            None => self.friction.push((kind.to_string(), 1)),
        }
    }

    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.str("name", &self.name)
            .str_if("stage", &self.stage)
            .num("sessions", self.sessions)
            .num("visitors", self.visitors())
            .num("exits", self.exits);
        push_number(o.key("emotion"), self.emotion());
        let friction = o.key("friction");
        friction.push('{');
        for (i, (kind, n)) in self.friction.iter().enumerate() {
            if i > 0 {
                friction.push(',');
            }
            write_string(friction, kind);
            friction.push(':');
            push_u64(friction, *n);
        }
        friction.push('}');
        self.scores.write_json(o.key("scores"));
        o.finish();
    }
}

/// Sessions that reached a stage and the next one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub from: String,
    pub to: String,
    /// Sessions that reached `from`, and of those, `to` later.
    pub reached: u64,
    pub moved_on: u64,
    /// Milliseconds from `from` to `to`, one per session that moved on.
    times: Vec<u64>,
}

impl Step {
    /// % of the sessions at `from` that reached `to`.
    pub fn conversion(&self) -> Option<f64> {
        percent(self.moved_on, self.reached)
    }

    /// The median time from `from` to `to`, in ms.
    pub fn median_ms(&self) -> Option<u64> {
        let mut times = self.times.clone();
        times.sort_unstable();
        match times.len() {
            0 => None,
            n if n % 2 == 1 => Some(times[n / 2]),
            n => Some((times[n / 2 - 1] + times[n / 2]) / 2),
        }
    }
}

/// The journey map: fed journey summaries, it holds every figure.
#[derive(Clone, Debug, Default)]
pub struct JourneyMap {
    filter: Filter,
    /// The stage model, in order (the site's `stages`).
    pub stages: Vec<Place>,
    pub touchpoints: Vec<Place>,
    pub steps: Vec<Step>,
    /// Paths of touchpoints (repeats in a row counted once) and how many sessions took each.
    pub paths: Vec<(Vec<String>, u64)>,
    pub sessions: u64,
    visitors: Vec<String>,
    pub conversions: u64,
}

impl JourneyMap {
    /// A map for the stage model `stages` (in order) and `filter`.
    pub fn new(stages: &[&str], filter: Filter) -> JourneyMap {
        JourneyMap {
            filter,
            stages: stages.iter().map(|s| Place::named(s)).collect(),
            steps: stages
                .windows(2)
                .map(|pair| Step {
                    from: pair[0].to_string(),
                    to: pair[1].to_string(),
                    ..Step::default()
                })
                .collect(),
            ..JourneyMap::default()
        }
    }

    pub fn visitors(&self) -> u64 {
        self.visitors.len() as u64
    }

    /// Adds one stored `journey_summary` event (the whole event: its
    /// properties are the summary, its context the device). Returns false
    /// when the filter leaves it out or it is not a summary.
    pub fn add(&mut self, event: &Value) -> bool {
        let Some(summary) = event.get("properties") else {
            return false;
        };
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0);
        let visitor = text(event, "visitorId");
        let channel = text(summary, "channel");
        let device = event
            .get("context")
            .and_then(|c| c.get("device"))
            .map_or(String::new(), |d| text(d, "class"));
        let started_at = number(summary, "startedAt");
        let returning = number(summary, "sessionIndex") > 1;
        let f = &self.filter;
        let keep = f.channel.as_ref().is_none_or(|c| *c == channel)
            && f.device.as_ref().is_none_or(|d| *d == device)
            && f.returning.is_none_or(|r| r == returning)
            && f.from.is_none_or(|from| started_at >= from)
            && f.to.is_none_or(|to| started_at < to);
        if !keep || visitor.is_empty() {
            return false;
        }
        self.sessions += 1;
        if let Err(at) = self.visitors.binary_search(&visitor) {
            self.visitors.insert(at, visitor.clone());
        }
        if matches!(summary.get("conversions"), Some(Value::Array(c)) if !c.is_empty()) {
            self.conversions += 1;
        }
        // Stages reached, in the model's order, with when.
        let mut reached: Vec<(usize, u64)> = Vec::new();
        if let Some(Value::Array(entries)) = summary.get("stages") {
            for entry in entries {
                let name = text(entry, "stage");
                if let Some(i) = self.stages.iter().position(|s| s.name == name) {
                    if !reached.iter().any(|(j, _)| *j == i) {
                        reached.push((i, number(entry, "at")));
                    }
                }
            }
        }
        for (i, _) in &reached {
            let stage = &mut self.stages[*i];
            stage.sessions += 1;
            stage.count_visitor(&visitor);
        }
        if let Some(&(furthest, _)) = reached.iter().max_by_key(|(i, _)| *i) {
            self.stages[furthest].exits += 1;
        }
        for (k, step) in self.steps.iter_mut().enumerate() {
            let at = |i: usize| reached.iter().find(|(j, _)| *j == i).map(|(_, at)| *at);
            if let Some(from) = at(k) {
                step.reached += 1;
                if let Some(to) = at(k + 1) {
                    step.moved_on += 1;
                    step.times.push(to.saturating_sub(from));
                }
            }
        }
        // Touchpoints: sessions, visitors, friction, answers, emotion; and the path.
        let mut path: Vec<String> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let steps = match summary.get("steps") {
            Some(Value::Array(steps)) => steps.as_slice(),
            _ => &[],
        };
        for (n, step) in steps.iter().enumerate() {
            let name = text(step, "touchpoint");
            if name.is_empty() {
                continue;
            }
            if path.last() != Some(&name) {
                path.push(name.clone());
            }
            let stage_name = text(step, "stage");
            let at = match self.touchpoints.iter().position(|t| t.name == name) {
                Some(at) => at,
                None => {
                    self.touchpoints.push(Place::named(&name));
                    self.touchpoints.len() - 1
                }
            };
            let stage = self.stages.iter().position(|s| s.name == stage_name);
            let touchpoint = &mut self.touchpoints[at];
            if touchpoint.stage.is_empty() {
                touchpoint.stage = stage_name.clone();
            }
            if !seen.contains(&name) {
                seen.push(name.clone());
                touchpoint.sessions += 1;
                touchpoint.count_visitor(&visitor);
            }
            if n + 1 == steps.len() {
                touchpoint.exits += 1;
            }
            let emotion = match step.get("emotion").and_then(Value::as_str) {
                Some("positive") => 1,
                Some("negative") => -1,
                _ => 0,
            };
            touchpoint.emotion_sum += emotion;
            touchpoint.emotion_count += 1;
            if let Some(i) = stage {
                self.stages[i].emotion_sum += emotion;
                self.stages[i].emotion_count += 1;
            }
            let touchpoint = &mut self.touchpoints[at];
            for kind in step.get("friction").into_iter().flat_map(items) {
                if let Some(kind) = kind.as_str() {
                    touchpoint.add_friction(kind);
                    if let Some(i) = stage {
                        self.stages[i].add_friction(kind);
                    }
                }
            }
            let touchpoint = &mut self.touchpoints[at];
            for answer in step.get("feedback").into_iter().flat_map(items) {
                let kind = text(answer, "questionType");
                let value = number(answer, "value");
                touchpoint.scores.add(&kind, value);
                if let Some(i) = stage {
                    self.stages[i].scores.add(&kind, value);
                }
            }
        }
        if !path.is_empty() {
            match self.paths.iter_mut().find(|(p, _)| *p == path) {
                Some((_, n)) => *n += 1,
                None => self.paths.push((path, 1)),
            }
        }
        true
    }

    /// The `n` most common paths, most taken first (ties: the shorter, then alphabetical).
    pub fn top_paths(&self, n: usize) -> Vec<(Vec<String>, u64)> {
        let mut paths = self.paths.clone();
        paths.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.len().cmp(&b.0.len())).then(a.0.cmp(&b.0)));
        paths.truncate(n);
        paths
    }

    /// The emotion curve: each stage's average emotion, in the model's order.
    pub fn emotion_curve(&self) -> Vec<Option<f64>> {
        self.stages.iter().map(Place::emotion).collect()
    }

    /// Everything, for the map page and the JSON export.
    pub fn to_json(&self, top: usize) -> String {
        let mut out = String::new();
        let mut o = ObjectWriter::new(&mut out);
        o.num("sessions", self.sessions)
            .num("visitors", self.visitors())
            .num("conversions", self.conversions);
        push_list(o.key("stages"), &self.stages, |out, place| place.write_json(out));
        push_list(o.key("touchpoints"), &self.touchpoints, |out, place| {
            place.write_json(out)
        });
        push_list(o.key("steps"), &self.steps, |out, step| {
            let mut s = ObjectWriter::new(out);
            s.str("from", &step.from)
                .str("to", &step.to)
                .num("reached", step.reached)
                .num("movedOn", step.moved_on);
            push_number(s.key("conversion"), step.conversion());
            push_number(s.key("medianMs"), step.median_ms().map(|ms| ms as f64));
            s.finish();
        });
        push_list(o.key("paths"), &self.top_paths(top), |out, (path, n)| {
            out.push_str("{\"path\":");
            let names: Vec<Value> = path.iter().map(|p| Value::String(p.clone())).collect();
            Value::Array(names).write(out);
            out.push_str(",\"sessions\":");
            push_u64(out, *n);
            out.push('}');
        });
        o.finish();
        out
    }
}

fn items(value: &Value) -> core::slice::Iter<'_, Value> {
    match value {
        Value::Array(items) => items.iter(),
        _ => [].iter(),
    }
}

/// A number with up to two decimals, or `null`.
fn push_number(out: &mut String, value: Option<f64>) {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        out.push_str("null");
        return;
    };
    // Rounded half away from zero (no `f64::round` without std).
    let scaled = v * 100.0;
    let hundredths = if scaled < 0.0 {
        (scaled - 0.5) as i64
    } else {
        (scaled + 0.5) as i64
    };
    if hundredths < 0 {
        out.push('-');
    }
    let abs = hundredths.unsigned_abs();
    push_u64(out, abs / 100);
    if !abs.is_multiple_of(100) {
        out.push('.');
        let rest = abs % 100;
        if rest < 10 {
            out.push('0');
        }
        push_u64(out, if rest.is_multiple_of(10) { rest / 10 } else { rest });
    }
}

#[cfg(test)]
mod tests;
