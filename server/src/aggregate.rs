//! The journey map's numbers, from journey summaries: per stage and per
//! touchpoint, how many sessions and visitors, how many move on to the next
//! stage and how long it takes them, where they stop, the most common
//! paths, friction by type, CSAT, CES and NPS with their response counts,
//! and the emotion curve. The collector (SQLite or ClickHouse) hands each
//! stored `journey_summary` event to [`JourneyMap::add`]; the rules of
//! what a journey is stay those of [`parcours_core::journey`], which wrote the
//! summaries.
//!
//! Scores, exactly as the product defines them: CSAT = % of answers 4 or 5
//! (1–5); CES = the mean (1–7) and the % of 5–7; NPS = % promoters (9–10)
//! − % detractors (0–6).

use std::collections::BTreeMap;

use parcours_core::json::{push_list, write_string, ObjectWriter, Value};

mod compare;
mod facts;
pub mod opportunities;
mod trends;
pub use compare::{Comparison, Difference};
pub use facts::{Answer, Facts, StepFacts};
use parcours_core::num::push_u64;
pub use trends::{Days, Kpis, Period, Trend, MAX_DAYS};

/// Which journeys count (each test passes when unset).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub channel: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    pub device: Option<String>,
    /// `Some(true)`: returning visitors only (their second session or later).
    pub returning: Option<bool>,
    /// From and to, in ms since 1970 (the session's start).
    pub from: Option<u64>,
    pub to: Option<u64>,
    /// Sessions that answered this A/B variant of a survey.
    pub variant: Option<String>,
    /// Sessions that passed through this touchpoint (the drill-down).
    pub touchpoint: Option<String>,
}

impl Filter {
    /// Whether a journey passes every test.
    pub fn keeps(&self, facts: &Facts) -> bool {
        self.channel.as_ref().is_none_or(|c| c == facts.channel)
            && self.device.as_ref().is_none_or(|d| d == facts.device)
            && self.returning.is_none_or(|r| r == (facts.session_index > 1))
            && self.from.is_none_or(|from| facts.started_at >= from)
            && self.to.is_none_or(|to| facts.started_at < to)
            && self.variant.as_ref().is_none_or(|variant| {
                facts
                    .steps
                    .iter()
                    .flat_map(|step| &step.feedback)
                    .any(|answer| answer.variant == variant)
            })
            && self
                .touchpoint
                .as_ref()
                .is_none_or(|t| facts.steps.iter().any(|step| step.touchpoint == t))
    }
}

/// Answers to the three kinds of score.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    pub csat_answers: u64,
    pub csat_satisfied: u64,
    pub ces_answers: u64,
    pub ces_sum: u64,
    /// The sum of the answers' squares, for the spread of the mean.
    pub ces_squares: u64,
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
                self.ces_squares += value * value;
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

    /// The CSV's seven score cells, from `csat` to `nps_answers`.
    fn csv_cells(&self) -> [Cell; 7] {
        use Cell::{Count, Figure};
        [
            Figure(self.csat()),
            Count(self.csat_answers),
            Figure(self.ces_mean()),
            Figure(self.ces_easy()),
            Count(self.ces_answers),
            Figure(self.nps()),
            Count(self.nps_answers),
        ]
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

/// Counts one answer: a free text by its sentiment in `comments`
/// (negative, neutral, positive), a score in `scores`.
fn count_answer(scores: &mut Scores, comments: &mut [u64; 3], answer: &Answer) {
    if answer.kind == "text" {
        comments[crate::sentiment::Sentiment::from_code(answer.value) as usize] += 1;
    } else {
        scores.add(answer.kind, answer.value);
    }
}

/// `{"negative":n,"neutral":n,"positive":n}`.
fn write_comments(out: &mut String, comments: [u64; 3]) {
    let mut o = ObjectWriter::new(out);
    for (name, n) in crate::sentiment::Sentiment::NAMES.iter().zip(comments) {
        o.num(name, n);
    }
    o.finish();
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// One stage or touchpoint's figures.
#[derive(Clone, Debug, Default)]
pub struct Place {
    pub name: String,
    /// The stage a touchpoint was most often in (touchpoints only; ties go
    /// to the earlier stage of the model).
    pub stage: String,
    /// Steps at this touchpoint in each stage of the model (touchpoints only).
    stage_counts: Vec<u64>,
    pub sessions: u64,
    /// Visitors, one bit per visitor number (see `JourneyMap::visitor_ids`).
    visitor_bits: Vec<u64>,
    visitors: u64,
    /// Friction by type.
    pub friction: Vec<(String, u64)>,
    pub scores: Scores,
    /// Sum of emotions (−1, 0, 1) and how many, for the average.
    emotion_sum: i64,
    emotion_count: u64,
    /// Sessions whose journey ended here (their last step, or their furthest stage).
    pub exits: u64,
    /// What became of the sessions through here (touchpoints only), and of
    /// those that met each kind of friction here.
    pub outcomes: Outcomes,
    pub friction_outcomes: Vec<(String, Outcomes)>,
    /// Free-text answers by sentiment: negative, neutral, positive.
    pub comments: [u64; 3],
    /// Each page step's LCP, INP and CLS here (see [`VITALS`]).
    vitals: [Vec<u64>; 3],
}

/// The Core Web Vitals as `/v1/map` names them, each with Google's
/// thresholds: good up to the first, poor above the second (CLS in
/// thousandths), so the map colours a 75th percentile as Google does.
pub const VITALS: [(&str, u64, u64); 3] = [("lcpMs", 2_500, 4_000), ("inpMs", 200, 500), ("cls", 100, 250)];

/// Google's rating of a vital's value: `good`, `needs_improvement` or `poor`.
pub fn vital_rating(vital: usize, value: u64) -> &'static str {
    let (_, good, poor) = VITALS[vital];
    if value <= good {
        "good"
    } else if value <= poor {
        "needs_improvement"
    } else {
        "poor"
    }
}

/// The 75th percentile (nearest rank) of `values`: selected, not sorted
/// (the live map answers every request from a million events' values).
fn p75(values: &[u64]) -> Option<u64> {
    let rank = (values.len() * 3).div_ceil(4).checked_sub(1)?;
    let mut values = values.to_vec();
    Some(*values.select_nth_unstable(rank).1)
}

/// What became of some sessions: how many converted, and of those in a
/// stage with a next one, how many went further.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcomes {
    pub sessions: u64,
    pub converted: u64,
    /// Sessions here in a stage of the model before the last one.
    pub staged: u64,
    /// Of those, sessions whose furthest stage came later.
    pub moved_on: u64,
}

impl Outcomes {
    fn add(&mut self, converted: bool, moved_on: Option<bool>) {
        self.sessions += 1;
        self.converted += u64::from(converted);
        if let Some(moved_on) = moved_on {
            self.staged += 1;
            self.moved_on += u64::from(moved_on);
        }
    }
}

/// Most distinct kinds of friction counted per touchpoint or stage; forged
/// summaries naming more have the rest counted as `OTHER_FRICTION`.
pub const MAX_FRICTION_KINDS: usize = 50;
pub const OTHER_FRICTION: &str = "other";

/// The entry of `kind` in `list`, added when new (past the bound, `OTHER_FRICTION`'s).
fn kind_entry<'l, T: Default>(list: &'l mut Vec<(String, T)>, kind: &str) -> &'l mut T {
    let kind = if list.len() >= MAX_FRICTION_KINDS && !list.iter().any(|(k, _)| k == kind) {
        OTHER_FRICTION
    } else {
        kind
    };
    let at = match list.iter().position(|(k, _)| k == kind) {
        Some(at) => at,
        None => {
            list.push((kind.to_string(), T::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

impl Place {
    fn named(name: &str) -> Place {
        Place {
            name: name.to_string(),
            ..Place::default()
        }
    }

    pub fn visitors(&self) -> u64 {
        self.visitors
    }

    /// The average emotion, from −1 (negative) to 1 (positive).
    pub fn emotion(&self) -> Option<f64> {
        (self.emotion_count > 0).then(|| self.emotion_sum as f64 / self.emotion_count as f64)
    }

    pub fn friction_count(&self) -> u64 {
        self.friction.iter().map(|(_, n)| n).sum()
    }

    fn count_visitor(&mut self, visitor: u32) {
        let (word, bit) = (visitor as usize / 64, 1u64 << (visitor % 64));
        if word >= self.visitor_bits.len() {
            self.visitor_bits.resize(word + 1, 0);
        }
        if self.visitor_bits[word] & bit == 0 {
            self.visitor_bits[word] |= bit;
            self.visitors += 1;
        }
    }

    /// A step's emotion, friction and answers, here.
    fn add_step(&mut self, step: &StepFacts) {
        self.emotion_sum += i64::from(step.emotion);
        self.emotion_count += 1;
        for kind in &step.friction {
            self.add_friction(kind);
        }
        for answer in &step.feedback {
            count_answer(&mut self.scores, &mut self.comments, answer);
        }
    }

    fn add_friction(&mut self, kind: &str) {
        *kind_entry(&mut self.friction, kind) += 1;
    }

    /// The 75th percentile of each vital (see [`VITALS`]) and how many page steps measured it.
    pub fn vitals_p75(&self) -> [(Option<u64>, usize); 3] {
        [0, 1, 2].map(|i| (p75(&self.vitals[i]), self.vitals[i].len()))
    }

    /// `{"lcpMs":{"p75":…,"n":…,"rating":…},…}`, the measured ones.
    fn write_vitals(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        for (i, (p75, n)) in self.vitals_p75().into_iter().enumerate() {
            let Some(p75) = p75 else { continue };
            let mut v = ObjectWriter::new(o.key(VITALS[i].0));
            if i == 2 {
                parcours_core::num::push_thousandths(v.key("p75"), p75);
            } else {
                v.num("p75", p75);
            }
            v.num("n", n as u64).str("rating", vital_rating(i, p75)).finish();
        }
        o.finish();
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
        let mut by_count: Vec<&(String, u64)> = self.friction.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (i, (kind, n)) in by_count.into_iter().enumerate() {
            if i > 0 {
                friction.push(',');
            }
            write_string(friction, kind);
            friction.push(':');
            push_u64(friction, *n);
        }
        friction.push('}');
        self.scores.write_json(o.key("scores"));
        write_comments(o.key("comments"), self.comments);
        self.write_vitals(o.key("vitals"));
        o.finish();
    }
}

/// Names numbered in the order met (visitor ids, touchpoints): found by a
/// hash of the name first, so that a million lookups compare numbers, not
/// 36-character ids.
#[derive(Clone, Debug, Default)]
struct Names {
    by_hash: BTreeMap<u64, Vec<u32>>,
    names: Vec<String>,
}

impl Names {
    fn len(&self) -> usize {
        self.names.len()
    }

    fn hash(name: &str) -> u64 {
        parcours_core::num::fnv1a(parcours_core::num::FNV_OFFSET, name.bytes())
    }

    /// The name's number, if it was met.
    fn find(&self, name: &str) -> Option<u32> {
        let same = self.by_hash.get(&Self::hash(name))?;
        same.iter().find(|n| self.names[**n as usize] == name).copied()
    }

    /// The name's number, given the next one when it is new.
    fn number(&mut self, name: &str) -> u32 {
        let hash = Self::hash(name);
        let same = self.by_hash.entry(hash).or_default();
        if let Some(n) = same.iter().find(|n| self.names[**n as usize] == name) {
            return *n;
        }
        let n = self.names.len() as u32;
        same.push(n);
        self.names.push(name.to_string());
        n
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

/// Where the journeys name more touchpoints than a map can show (a site
/// with thousands of pages, or summaries forged to break the map), the
/// touchpoints past these bounds are counted together under `OTHER`.
pub const OTHER: &str = "(other touchpoints)";
/// Most distinct touchpoints one journey adds; the rest of its steps go to `OTHER`.
pub const MAX_TOUCHPOINTS_PER_JOURNEY: usize = 100;
/// Most distinct touchpoints the map keeps; new ones past it go to `OTHER`.
pub const MAX_TOUCHPOINTS: usize = 2_000;
/// Most touchpoints the map shows (the busiest); the JSON says how many more there are.
pub const SHOWN_TOUCHPOINTS: usize = 200;
/// Most distinct paths kept, and most touchpoints in one path.
pub const MAX_PATHS: usize = 10_000;
pub const MAX_PATH_STEPS: usize = 30;

/// The journey map: fed journey summaries, it holds every figure.
#[derive(Clone, Debug, Default)]
pub struct JourneyMap {
    filter: Filter,
    /// The stage model, in order (the site's `stages`).
    pub stages: Vec<Place>,
    pub touchpoints: Vec<Place>,
    pub steps: Vec<Step>,
    /// Paths of touchpoints (by their place in `touchpoints`; repeats in
    /// a row counted once) and how many sessions took each.
    paths: BTreeMap<Vec<u32>, u64>,
    /// Every journey counted: sessions, conversions, bounces, friction, answers.
    pub totals: Kpis,
    /// The same per day, for the trends.
    pub days: Days,
    /// Each visitor id met, and its number.
    visitor_ids: Names,
    /// Where each touchpoint is in `touchpoints`.
    touchpoint_index: Names,
    /// Sessions whose path was not kept (past `MAX_PATHS`).
    pub paths_not_kept: u64,
    /// The funnel: sessions whose furthest stage is this one or a later
    /// one, per stage of the model (never wider than the stage before).
    pub funnel: Vec<u64>,
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
            funnel: stages.iter().map(|_| 0).collect(),
            ..JourneyMap::default()
        }
    }

    pub fn visitors(&self) -> u64 {
        self.visitor_ids.len() as u64
    }

    /// Adds one stored `journey_summary` event (the whole event: its
    /// properties are the summary, its context the device). Returns false
    /// when the filter leaves it out or it is not a summary.
    pub fn add(&mut self, event: &Value) -> bool {
        Facts::from_summary(event).is_some_and(|facts| self.add_facts(&facts))
    }

    /// Adds one journey's facts (as a collector stores them beside the
    /// summary). Returns false when the filter leaves it out.
    pub fn add_facts(&mut self, facts: &Facts) -> bool {
        if !self.filter.keeps(facts) || facts.visitor.is_empty() {
            return false;
        }
        self.totals.add(facts);
        self.days.add(facts);
        let visitor = self.visitor_ids.number(facts.visitor);
        // Stages reached, in the model's order, with when.
        let mut reached: Vec<(usize, u64)> = Vec::new();
        for (name, at) in &facts.stages {
            if let Some(i) = self.stages.iter().position(|s| s.name == *name) {
                if !reached.iter().any(|(j, _)| *j == i) {
                    reached.push((i, *at));
                }
            }
        }
        for (i, _) in &reached {
            let stage = &mut self.stages[*i];
            stage.sessions += 1;
            stage.count_visitor(visitor);
        }
        if let Some(&(furthest, _)) = reached.iter().max_by_key(|(i, _)| *i) {
            self.stages[furthest].exits += 1;
            for reached_at_least in self.funnel.iter_mut().take(furthest + 1) {
                *reached_at_least += 1;
            }
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
        let mut path: Vec<u32> = Vec::new();
        let mut seen: Vec<usize> = Vec::new();
        // Per touchpoint met: its stage in this session and the friction met there.
        let mut met: Vec<(Option<usize>, Vec<&str>)> = Vec::new();
        for (n, step) in facts.steps.iter().enumerate() {
            if step.touchpoint.is_empty() {
                continue;
            }
            let known = self.touchpoint_index.find(step.touchpoint).is_some();
            let full = seen.len() >= MAX_TOUCHPOINTS_PER_JOURNEY || self.touchpoints.len() >= MAX_TOUCHPOINTS;
            let at = self.touchpoint_at(if known || !full { step.touchpoint } else { OTHER });
            if path.last() != Some(&(at as u32)) && path.len() < MAX_PATH_STEPS {
                path.push(at as u32);
            }
            let stage = self.stages.iter().position(|s| s.name == step.stage);
            let touchpoint = &mut self.touchpoints[at];
            if let Some(i) = stage {
                touchpoint.stage_counts.resize(self.stages.len(), 0);
                touchpoint.stage_counts[i] += 1;
                let counts = &touchpoint.stage_counts;
                let most = (0..counts.len()).rev().max_by_key(|j| counts[*j]).unwrap_or(i);
                if touchpoint.stage != self.stages[most].name {
                    touchpoint.stage = self.stages[most].name.clone();
                }
            }
            let here = match seen.iter().position(|s| *s == at) {
                Some(k) => k,
                None => {
                    seen.push(at);
                    met.push((None, Vec::new()));
                    touchpoint.sessions += 1;
                    touchpoint.count_visitor(visitor);
                    seen.len() - 1
                }
            };
            let (stage_here, kinds) = &mut met[here];
            *stage_here = stage_here.or(stage);
            for kind in &step.friction {
                if !kinds.contains(kind) {
                    kinds.push(kind);
                }
            }
            if n + 1 == facts.steps.len() {
                touchpoint.exits += 1;
            }
            touchpoint.add_step(step);
            for (values, value) in touchpoint.vitals.iter_mut().zip(step.vitals) {
                values.extend(value);
            }
            if let Some(i) = stage {
                self.stages[i].add_step(step);
            }
        }
        let furthest = reached.iter().map(|(i, _)| *i).max();
        for (at, (stage, kinds)) in seen.iter().zip(&met) {
            let last_stage = self.stages.len().saturating_sub(1);
            let moved_on = stage
                .filter(|s| *s < last_stage)
                .map(|s| furthest.is_some_and(|f| f > s));
            let touchpoint = &mut self.touchpoints[*at];
            touchpoint.outcomes.add(facts.converted, moved_on);
            for kind in kinds {
                kind_entry(&mut touchpoint.friction_outcomes, kind).add(facts.converted, moved_on);
            }
        }
        if !path.is_empty() {
            if self.paths.len() < MAX_PATHS || self.paths.contains_key(&path) {
                *self.paths.entry(path).or_insert(0) += 1;
            } else {
                self.paths_not_kept += 1;
            }
        }
        true
    }

    /// The place of a touchpoint in `touchpoints`, added when new.
    fn touchpoint_at(&mut self, name: &str) -> usize {
        let at = self.touchpoint_index.number(name) as usize;
        if at == self.touchpoints.len() {
            self.touchpoints.push(Place::named(name));
        }
        at
    }

    /// The `n` most common paths, most taken first (ties: the shorter, then alphabetical).
    pub fn top_paths(&self, n: usize) -> Vec<(Vec<String>, u64)> {
        let name = |at: &u32| self.touchpoints[*at as usize].name.clone();
        let mut paths: Vec<(Vec<String>, u64)> = self
            .paths
            .iter()
            .map(|(p, n)| (p.iter().map(name).collect(), *n))
            .collect();
        paths.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.len().cmp(&b.0.len())).then(a.0.cmp(&b.0)));
        paths.truncate(n);
        paths
    }

    /// Touchpoints by stage (in the model's order, then those outside it),
    /// busiest first, then by name: the same order whatever order the
    /// journeys came in.
    pub fn sorted_touchpoints(&self) -> Vec<&Place> {
        let stage_of = |t: &Place| self.stages.iter().position(|s| s.name == t.stage).unwrap_or(usize::MAX);
        let mut sorted: Vec<&Place> = self.touchpoints.iter().collect();
        sorted.sort_by(|a, b| {
            stage_of(a)
                .cmp(&stage_of(b))
                .then(b.sessions.cmp(&a.sessions))
                .then(a.name.cmp(&b.name))
        });
        sorted
    }

    /// The `SHOWN_TOUCHPOINTS` busiest touchpoints, in `sorted_touchpoints`'
    /// order, and how many others there are.
    pub fn shown_touchpoints(&self) -> (Vec<&Place>, usize) {
        let mut busiest: Vec<&Place> = self.touchpoints.iter().collect();
        busiest.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.name.cmp(&b.name)));
        let hidden = busiest.len().saturating_sub(SHOWN_TOUCHPOINTS);
        busiest.truncate(SHOWN_TOUCHPOINTS);
        let shown: Vec<&Place> = self
            .sorted_touchpoints()
            .into_iter()
            .filter(|t| busiest.iter().any(|b| core::ptr::eq(*b, *t)))
            .collect();
        (shown, hidden)
    }

    /// The emotion curve: each stage's average emotion, in the model's order.
    pub fn emotion_curve(&self) -> Vec<Option<f64>> {
        self.stages.iter().map(Place::emotion).collect()
    }

    /// The key figures by `period` (else the one that suits the span) over
    /// the filter's dates, else those of the journeys.
    pub fn trend(&self, period: Option<Period>) -> Trend {
        let (from, to) = self.filter_days();
        self.days.trend(period, from, to)
    }

    /// The first and last day the filter's period covers, when it says.
    fn filter_days(&self) -> (Option<u64>, Option<u64>) {
        let day = |ms: u64| ms / parcours_core::date::DAY_MS;
        (
            self.filter.from.map(day),
            self.filter.to.map(|to| day(to.saturating_sub(1))),
        )
    }

    /// Where the journeys lose most, ranked (see [`opportunities`]).
    pub fn opportunities(&self) -> Vec<opportunities::Opportunity> {
        let (from, to) = self.filter_days();
        opportunities::ranked(self, self.days.span(from, to))
    }

    /// Everything, for the map page and the JSON export: the `top` paths
    /// and the trend by `period`.
    pub fn to_json(&self, top: usize, period: Option<Period>) -> String {
        self.to_json_compared(top, period, None)
    }

    /// The same, with the comparison with `compared` (another period or
    /// segment, on the same stages) when there is one.
    pub fn to_json_compared(&self, top: usize, period: Option<Period>, compared: Option<&JourneyMap>) -> String {
        let mut out = String::new();
        let mut o = ObjectWriter::new(&mut out);
        o.num("sessions", self.totals.sessions)
            .num("visitors", self.visitors())
            .num("conversions", self.totals.conversions);
        let mut kpis = ObjectWriter::new(o.key("kpis"));
        self.totals.write_fields(&mut kpis);
        kpis.finish();
        self.trend(period).write_json(o.key("trend"), self.days.not_kept);
        push_list(o.key("stages"), &self.stages, |out, place| place.write_json(out));
        let funnel: Vec<(usize, &u64)> = self.funnel.iter().enumerate().collect();
        push_list(o.key("funnel"), &funnel, |out, (i, n)| {
            let mut f = ObjectWriter::new(out);
            f.str("stage", &self.stages[*i].name).num("sessions", **n);
            // The share of the stage before that got this far.
            let before = i.checked_sub(1).map(|b| self.funnel[b]);
            push_number(f.key("keptPercent"), before.and_then(|b| percent(**n, b)));
            f.finish();
        });
        let (shown, hidden) = self.shown_touchpoints();
        push_list(o.key("touchpoints"), &shown, |out, place| place.write_json(out));
        // What the page leaves out, so that it can say so.
        o.num("touchpointsNotShown", hidden as u64)
            .num("pathsNotKept", self.paths_not_kept);
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
        opportunities::write_json(o.key("opportunities"), &self.opportunities());
        if let Some(b) = compared {
            Comparison { a: self, b }.write_json(o.key("comparison"));
        }
        o.finish();
        out
    }
}

/// The CSV's columns: level, name and stage, then the figures.
const CSV_COLUMNS: [&str; 26] = [
    "level",
    "name",
    "stage",
    "sessions",
    "visitors",
    "exits",
    "csat",
    "csat_answers",
    "ces_mean",
    "ces_easy",
    "ces_answers",
    "nps",
    "nps_answers",
    "emotion",
    "friction",
    "conversion_to_next",
    "median_ms_to_next",
    "conversion_rate",
    "friction_share",
    "bounce_rate",
    "comments_positive",
    "comments_neutral",
    "comments_negative",
    "lcp_p75_ms",
    "inp_p75_ms",
    "cls_p75",
];
/// The figure columns (after level, name and stage).
const CSV_FIGURES: usize = CSV_COLUMNS.len() - 3;

/// A CSV cell after the text ones: a figure (two decimals), a count, or blank.
enum Cell {
    Figure(Option<f64>),
    Count(u64),
}

impl Cell {
    fn text(&self) -> String {
        let mut out = String::new();
        match self {
            Cell::Figure(Some(v)) => push_number(&mut out, Some(*v)),
            Cell::Count(n) => push_u64(&mut out, *n),
            Cell::Figure(None) => {}
        }
        out
    }
}

/// The CSV being written: the `csv` crate quotes what needs it, and a text
/// cell a spreadsheet would run as a formula (a visitor-supplied name
/// starting with `=`, `+`, `-` or `@`) is defused with a leading `'`.
struct CsvOut(csv::Writer<Vec<u8>>);

impl CsvOut {
    fn new() -> CsvOut {
        let mut out = CsvOut(csv::Writer::from_writer(Vec::new()));
        // Writing to memory cannot fail.
        let _ = out.0.write_record(CSV_COLUMNS);
        out
    }

    fn row(&mut self, texts: &[&str], figures: &[Cell]) {
        let texts = texts.iter().map(|cell| {
            if cell.starts_with(['=', '+', '-', '@']) {
                format!("'{cell}")
            } else {
                cell.to_string()
            }
        });
        let _ = self.0.write_record(texts.chain(figures.iter().map(Cell::text)));
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

impl JourneyMap {
    /// The figures as CSV, for spreadsheets: one row for all sessions, one
    /// per stage, touchpoint, top path and point of the trend by `period`,
    /// with blank cells where there is no figure.
    pub fn to_csv(&self, top: usize, period: Option<Period>) -> String {
        self.to_csv_compared(top, period, None)
    }

    /// The same, then the rows of `compared` (another period or segment),
    /// their levels prefixed with `compared_`.
    pub fn to_csv_compared(&self, top: usize, period: Option<Period>, compared: Option<&JourneyMap>) -> String {
        let mut out = CsvOut::new();
        self.csv_rows(&mut out, "", top, period);
        if let Some(b) = compared {
            b.csv_rows(&mut out, "compared_", top, period);
        }
        out.finish()
    }

    fn csv_rows(&self, out: &mut CsvOut, prefix: &str, top: usize, period: Option<Period>) {
        use Cell::{Count, Figure};
        let level = |name: &str| format!("{prefix}{name}");
        // All sessions, and each point of the trend: the key figures.
        let kpi_row = |out: &mut CsvOut, level: &str, name: &str, period: &str, k: &Kpis, visitors: Option<u64>| {
            let mut cells = vec![Count(k.sessions), visitors.map_or(Figure(None), Count), Figure(None)];
            cells.extend(k.scores.csv_cells());
            cells.extend([
                Figure(None),
                Count(k.with_friction),
                Figure(None),
                Figure(None),
                Figure(k.conversion_rate()),
                Figure(k.friction_share()),
                Figure(k.bounce_rate()),
                Count(k.comments[2]),
                Count(k.comments[1]),
                Count(k.comments[0]),
            ]);
            cells.resize_with(CSV_FIGURES, || Figure(None));
            out.row(&[level, name, period], &cells);
        };
        kpi_row(
            out,
            &level("total"),
            "all sessions",
            "",
            &self.totals,
            Some(self.visitors()),
        );
        let rows = self
            .stages
            .iter()
            .map(|s| ("stage", s))
            .chain(self.sorted_touchpoints().into_iter().map(|t| ("touchpoint", t)));
        for (kind, place) in rows {
            let step = (kind == "stage")
                .then(|| self.steps.iter().find(|s| s.from == place.name))
                .flatten();
            let stage = if kind == "stage" { &place.name } else { &place.stage };
            let mut cells = vec![Count(place.sessions), Count(place.visitors()), Count(place.exits)];
            cells.extend(place.scores.csv_cells());
            cells.extend([
                Figure(place.emotion()),
                Count(place.friction_count()),
                Figure(step.and_then(Step::conversion)),
                Figure(step.and_then(Step::median_ms).map(|ms| ms as f64)),
                Figure(None),
                Figure(None),
                Figure(None),
                Count(place.comments[2]),
                Count(place.comments[1]),
                Count(place.comments[0]),
            ]);
            let [lcp, inp, cls] = place.vitals_p75().map(|(p75, _)| p75);
            cells.extend([
                Figure(lcp.map(|ms| ms as f64)),
                Figure(inp.map(|ms| ms as f64)),
                Figure(cls.map(|thousandths| thousandths as f64 / 1000.0)),
            ]);
            out.row(&[&level(kind), &place.name, stage], &cells);
        }
        for (path, n) in self.top_paths(top) {
            let mut cells = vec![Count(n)];
            cells.resize_with(CSV_FIGURES, || Figure(None));
            out.row(&[&level("path"), &path.join(" > "), ""], &cells);
        }
        for opportunity in self.opportunities() {
            // The sessions that met the friction, and their rate of the outcome.
            // conversion_rate, or conversion_to_next for the next stage, and friction_share.
            let mut cells = vec![Count(opportunity.difference.a_count)];
            cells.resize_with(CSV_FIGURES, || Figure(None));
            let rate_at = match opportunity.outcome {
                opportunities::Outcome::Conversion => 14,
                opportunities::Outcome::NextStage => 12,
            };
            cells[rate_at] = Figure(opportunity.difference.a);
            cells[15] = Figure(Some(opportunity.share));
            out.row(
                &[&level("opportunity"), &opportunity.text(), &opportunity.stage],
                &cells,
            );
        }
        let trend = self.trend(period);
        for (start, kpis) in &trend.points {
            kpi_row(
                out,
                &level("trend"),
                &trends::day_text(*start),
                trend.period.name(),
                kpis,
                None,
            );
        }
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
