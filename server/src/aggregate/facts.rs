//! What the journey map needs of one journey summary, and nothing more: a
//! summary's "facts". A collector writes them as one short line beside the
//! stored summary, so that the map reads ~0.3 KB a session instead of the
//! ~1.8 KB summary and splits it instead of parsing JSON: the map of a
//! million events stays under a second.
//!
//! The line: `id TAB visitor TAB user TAB sessionIndex TAB startedAt TAB
//! channel TAB device TAB converted TAB stages TAB steps TAB bounced`, where stages are
//! `name US at` joined by RS, and steps are `touchpoint US stage US emotion
//! US friction US feedback` joined by RS (friction kinds, and answers as
//! `type FS value FS variant`, each joined by GS). Control characters in
//! names become spaces. Fields added later come last and may be missing
//! (lines stored by an older collector): `bounced` reads as `0` then, and a
//! step's sixth part, its vitals `lcpMs FS inpMs FS cls` (CLS in
//! thousandths, each empty when not measured), as none.

use parcours_core::json::Value;
use parcours_core::num::push_u64;

const TAB: char = '\t';
const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const GS: char = '\u{1d}';
const FS: char = '\u{1c}';

/// One answer: question type, value, survey variant ("" for none). A
/// free-text answer's value is its sentiment's code (see [`crate::sentiment`]):
/// the words themselves stay in the stored events.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer<'a> {
    pub kind: &'a str,
    pub value: u64,
    pub variant: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepFacts<'a> {
    pub touchpoint: &'a str,
    pub stage: &'a str,
    /// −1, 0 or 1.
    pub emotion: i8,
    pub friction: Vec<&'a str>,
    pub feedback: Vec<Answer<'a>>,
    /// The page's LCP (ms), INP (ms) and CLS (thousandths), when measured.
    pub vitals: [Option<u64>; 3],
}

#[derive(Clone, Debug, PartialEq)]
pub struct Facts<'a> {
    /// The summary event's id (the drill-down fetches it whole).
    pub id: &'a str,
    pub visitor: &'a str,
    pub user: &'a str,
    pub session_index: u64,
    pub started_at: u64,
    pub channel: &'a str,
    pub device: &'a str,
    pub converted: bool,
    /// Not engaged (the SDK's rule: under 10 s, one page, no conversion).
    pub bounced: bool,
    /// Stages entered, with when (ms after the start).
    pub stages: Vec<(&'a str, u64)>,
    pub steps: Vec<StepFacts<'a>>,
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn list(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

impl<'a> Facts<'a> {
    /// From a stored `journey_summary` event (properties: the summary).
    pub fn from_summary(event: &'a Value) -> Option<Facts<'a>> {
        let summary = event.get("properties")?;
        let number = |key: &str| summary.get(key).and_then(Value::as_u64).unwrap_or(0);
        let steps = list(summary.get("steps"))
            .iter()
            .map(|step| StepFacts {
                touchpoint: text(step, "touchpoint"),
                stage: text(step, "stage"),
                emotion: match text(step, "emotion") {
                    "positive" => 1,
                    "negative" => -1,
                    _ => 0,
                },
                friction: list(step.get("friction")).iter().filter_map(Value::as_str).collect(),
                feedback: list(step.get("feedback"))
                    .iter()
                    .map(|answer| Answer {
                        kind: text(answer, "questionType"),
                        value: match answer.get("text").and_then(Value::as_str) {
                            Some(words) => crate::sentiment::of(words).code(),
                            None => answer.get("value").and_then(Value::as_u64).unwrap_or(0),
                        },
                        variant: text(answer, "variant"),
                    })
                    .collect(),
                vitals: vitals_of(step.get("vitals")),
            })
            .collect();
        Some(Facts {
            id: text(event, "id"),
            visitor: text(event, "visitorId"),
            user: text(event, "userId"),
            session_index: number("sessionIndex"),
            started_at: number("startedAt"),
            channel: text(summary, "channel"),
            device: event
                .get("context")
                .and_then(|c| c.get("device"))
                .map_or("", |d| text(d, "class")),
            converted: !list(summary.get("conversions")).is_empty(),
            bounced: summary.get("bounce").and_then(Value::as_bool).unwrap_or(false),
            stages: list(summary.get("stages"))
                .iter()
                .map(|entry| {
                    (
                        text(entry, "stage"),
                        entry.get("at").and_then(Value::as_u64).unwrap_or(0),
                    )
                })
                .collect(),
            steps,
        })
    }

    /// The one-line form (see the module's comment).
    pub fn encode(&self, out: &mut String) {
        for (i, field) in [self.id, self.visitor, self.user].iter().enumerate() {
            if i > 0 {
                out.push(TAB);
            }
            clean(out, field);
        }
        for n in [self.session_index, self.started_at] {
            out.push(TAB);
            push_u64(out, n);
        }
        out.push(TAB);
        clean(out, self.channel);
        out.push(TAB);
        clean(out, self.device);
        out.push(TAB);
        out.push(if self.converted { '1' } else { '0' });
        out.push(TAB);
        for (i, (stage, at)) in self.stages.iter().enumerate() {
            if i > 0 {
                out.push(RS);
            }
            clean(out, stage);
            out.push(US);
            push_u64(out, *at);
        }
        out.push(TAB);
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push(RS);
            }
            clean(out, step.touchpoint);
            out.push(US);
            clean(out, step.stage);
            out.push(US);
            out.push(match step.emotion {
                1 => '+',
                -1 => '-',
                _ => '0',
            });
            out.push(US);
            for (j, kind) in step.friction.iter().enumerate() {
                if j > 0 {
                    out.push(GS);
                }
                clean(out, kind);
            }
            out.push(US);
            for (j, answer) in step.feedback.iter().enumerate() {
                if j > 0 {
                    out.push(GS);
                }
                clean(out, answer.kind);
                out.push(FS);
                push_u64(out, answer.value);
                out.push(FS);
                clean(out, answer.variant);
            }
            if step.vitals.iter().any(Option::is_some) {
                out.push(US);
                for (j, value) in step.vitals.iter().enumerate() {
                    if j > 0 {
                        out.push(FS);
                    }
                    if let Some(n) = value {
                        push_u64(out, *n);
                    }
                }
            }
        }
        out.push(TAB);
        out.push(if self.bounced { '1' } else { '0' });
    }

    /// Reads the one-line form; `None` for a line that is not one.
    pub fn decode(line: &'a str) -> Option<Facts<'a>> {
        let mut fields = line.split(TAB);
        let mut next = || fields.next();
        let (id, visitor, user) = (next()?, next()?, next()?);
        let session_index = next()?.parse().ok()?;
        let started_at = next()?.parse().ok()?;
        let (channel, device) = (next()?, next()?);
        let converted = next()? == "1";
        let stages = parts(next()?, RS)
            .map(|entry| {
                let (stage, at) = entry.split_once(US)?;
                Some((stage, at.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()?;
        let steps = parts(next()?, RS)
            .map(|step| {
                let mut f = step.split(US);
                let touchpoint = f.next()?;
                let stage = f.next()?;
                let emotion = match f.next()? {
                    "+" => 1,
                    "-" => -1,
                    _ => 0,
                };
                let friction = parts(f.next()?, GS).collect();
                let feedback = parts(f.next()?, GS)
                    .map(|answer| {
                        let mut a = answer.split(FS);
                        Some(Answer {
                            kind: a.next()?,
                            value: a.next()?.parse().ok()?,
                            variant: a.next().unwrap_or(""),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                let mut vitals = [None; 3];
                for (slot, value) in vitals.iter_mut().zip(f.next().unwrap_or("").split(FS)) {
                    *slot = value.parse().ok();
                }
                Some(StepFacts {
                    touchpoint,
                    stage,
                    emotion,
                    friction,
                    feedback,
                    vitals,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let bounced = next() == Some("1");
        Some(Facts {
            id,
            visitor,
            user,
            session_index,
            started_at,
            channel,
            device,
            converted,
            bounced,
            stages,
            steps,
        })
    }
}

/// A summary step's `vitals` (as the SDK writes them): LCP and INP in ms,
/// CLS in thousandths.
fn vitals_of(vitals: Option<&Value>) -> [Option<u64>; 3] {
    let v = parcours_core::vitals::Vitals::from_json(vitals);
    [v.lcp_ms, v.inp_ms, v.cls]
}

/// The items of a joined list (none for an empty field).
fn parts(field: &str, separator: char) -> impl Iterator<Item = &str> {
    field.split(separator).filter(move |_| !field.is_empty())
}

/// Writes `text` with its control characters as spaces.
fn clean(out: &mut String, text: &str) {
    if text.chars().any(char::is_control) {
        out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
    } else {
        out.push_str(text);
    }
}
