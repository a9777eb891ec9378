//! One showing of a survey: which question is on screen, what the visitor
//! answered, and what the widget draws next. The widget is a thin renderer:
//! everything it shows (texts in the chosen language, option faces and
//! accessible names, the placement and theme) comes from the plans written
//! here, and every answer comes back here to become an event.
//!
//! Events (the shell records them like any `track` call, so consent,
//! masking and delivery apply):
//! - `survey_shown` when it appears,
//! - `survey_answered` per question (partial answers are kept),
//! - `survey_completed` after the last question,
//! - `survey_dismissed` when closed before that;
//!
//! all with the same `submission` id.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{write_string, ObjectWriter};
use crate::journey::Emotion;
use crate::surveys::survey::{
    answer_properties, choose_language, default_question, emotion_of, is_right_to_left, option_name, value_meaning,
    Answer, AnswerContext, CsatStyle, Placement, QuestionType, Survey,
};

/// Where the visitor is in their journey when they answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Moment<'a> {
    pub touchpoint: &'a str,
    pub stage: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub survey: String,
    /// The A/B variant shown (empty: none), in every event.
    pub variant: String,
    pub submission: String,
    /// The built-in strings' language (`en`, `fr`).
    pub language: &'static str,
    /// Whether the survey's own (or the page's) language is written right
    /// to left: the layout and the scales mirror, whatever the strings.
    pub rtl: bool,
    /// The question on screen; `questions.len()` once thanked.
    pub index: usize,
    pub answered: usize,
    previous: Option<Emotion>,
}

/// What the shell records after an answer, and what the widget draws next.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// `survey_answered` properties; none for a skipped optional question.
    pub answered: Option<String>,
    /// `survey_completed` properties once the last question is answered.
    pub completed: Option<String>,
    /// The next step's plan (a question, or the thank-you step).
    pub step: String,
}

/// Why an answer was not taken (nothing moves; the widget says so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A required question was left without a choice.
    Required,
    /// The value is not on the question's scale, or the survey is over.
    Invalid,
}

impl Prompt {
    /// Starts showing `survey` in the first built-in language of
    /// `languages` (the survey's own language wins).
    pub fn open<'a>(survey: &'a Survey, submission: &str, languages: impl IntoIterator<Item = &'a str>) -> Prompt {
        let mut languages = survey.language.as_deref().into_iter().chain(languages).peekable();
        let rtl = languages.peek().is_some_and(|first| is_right_to_left(first));
        Prompt {
            survey: survey.id.clone(),
            variant: String::new(),
            submission: submission.to_string(),
            language: choose_language(languages),
            rtl,
            index: 0,
            answered: 0,
            previous: None,
        }
    }

    pub fn is_done(&self, survey: &Survey) -> bool {
        self.index >= survey.questions.len()
    }

    /// The widget's frame: placement, direction, theme and the strings
    /// around the questions.
    pub fn frame_json(&self, survey: &Survey) -> String {
        let mut out = String::with_capacity(256);
        let mut theme = String::new();
        survey.theme.write_css(&mut theme);
        let mut w = ObjectWriter::new(&mut out);
        w.str("survey", &survey.id)
            .str("lang", self.language)
            .str("dir", if self.rtl { "rtl" } else { "ltr" })
            .str("placement", survey.placement.as_str())
            .str_if("target", survey.target.as_deref().unwrap_or(""))
            .str("mode", survey.theme.mode.as_str())
            .str_if("theme", &theme)
            .str("label", survey.string(self.language, "tab"))
            .str("close", survey.string(self.language, "close"))
            .bool("modal", survey.placement == Placement::Modal)
            .finish();
        out
    }

    /// The current step: a scored question, a free-text one, or thanks.
    pub fn step_json(&self, survey: &Survey) -> String {
        let mut out = String::with_capacity(512);
        let lang = self.language;
        let Some(question) = survey.questions.get(self.index) else {
            ObjectWriter::new(&mut out)
                .str("kind", "thanks")
                .str("text", survey.string(lang, "thanks"))
                .str("close", survey.string(lang, "close"))
                .finish();
            return out;
        };
        let text = question
            .text_for(self.previous)
            .unwrap_or_else(|| default_question(question.kind, question.wording, lang));
        let last = self.index + 1 == survey.questions.len();
        let mut w = ObjectWriter::new(&mut out);
        w.str("text", text)
            .str("submit", survey.string(lang, if last { "submit" } else { "next" }))
            .bool("optional", question.optional)
            .str("skip", survey.string(lang, "skip"));
        match question.kind.scale() {
            None => {
                w.str("kind", "text")
                    .str("placeholder", survey.string(lang, "textPlaceholder"));
            }
            Some((min, max)) => {
                w.str("kind", "scale")
                    .str("type", question.kind.as_str())
                    .str(
                        "style",
                        match question.style {
                            CsatStyle::Stars if question.kind == QuestionType::Csat => "stars",
                            CsatStyle::Faces if question.kind == QuestionType::Csat => "faces",
                            _ => "numbers",
                        },
                    )
                    .str("required", survey.string(lang, "required"))
                    .str("low", value_meaning(question.kind, question.wording, min, lang))
                    .str("high", value_meaning(question.kind, question.wording, max, lang));
                let options = w.key("options");
                options.push('[');
                for value in min..=max {
                    if value > min {
                        options.push(',');
                    }
                    let mut face = String::new();
                    push_face(&mut face, question.kind, question.style, value);
                    ObjectWriter::new(options)
                        .num("v", value)
                        .str("face", &face)
                        .str("name", &option_name(question.kind, question.wording, value, lang))
                        .finish();
                }
                options.push(']');
            }
        }
        w.finish();
        out
    }

    /// `survey_shown` properties.
    pub fn shown_json(&self, survey: &Survey, moment: Moment) -> String {
        self.event_json(moment, |w| {
            w.num("questions", survey.questions.len() as u64)
                .str("placement", survey.placement.as_str())
                .str("language", self.language);
        })
    }

    /// The properties every survey event has (the survey, the submission,
    /// where in the journey) around those of `fields`.
    fn event_json(&self, moment: Moment, fields: impl FnOnce(&mut ObjectWriter)) -> String {
        let mut out = String::with_capacity(160);
        let mut w = ObjectWriter::new(&mut out);
        w.str("survey", &self.survey)
            .str_if("variant", &self.variant)
            .str("submission", &self.submission);
        fields(&mut w);
        w.str_if("touchpoint", moment.touchpoint)
            .str_if("stage", moment.stage)
            .finish();
        out
    }

    /// `survey_dismissed` properties: closed at question `index` after
    /// `answered` answers. None once completed (closing the thanks is not
    /// a dismissal).
    pub fn dismissed_json(&self, survey: &Survey, moment: Moment) -> Option<String> {
        if self.is_done(survey) {
            return None;
        }
        Some(self.event_json(moment, |w| {
            w.num("atQuestion", self.index as u64)
                .num("answered", self.answered as u64);
        }))
    }

    /// Takes the answer to the current question (`value` for a scale,
    /// `text` for free text, neither to skip an optional one) and moves on.
    pub fn answer(
        &mut self,
        survey: &Survey,
        value: Option<u64>,
        text: &str,
        moment: Moment,
    ) -> Result<Outcome, Refusal> {
        let question = survey.questions.get(self.index).ok_or(Refusal::Invalid)?;
        let answer = match (question.kind.scale(), value) {
            (Some(_), Some(value)) => Some(Answer::Score(value)),
            (Some(_), None) if question.optional => None,
            (Some(_), None) => return Err(Refusal::Required),
            (None, _) if text.trim().is_empty() => None, // free text left empty: skipped
            (None, _) => Some(Answer::Text(text)),
        };
        let answered = match answer {
            Some(answer) => {
                let context = AnswerContext {
                    submission: &self.submission,
                    language: self.language,
                    touchpoint: moment.touchpoint,
                    stage: moment.stage,
                    variant: &self.variant,
                };
                Some(answer_properties(survey, self.index, answer, &context).ok_or(Refusal::Invalid)?)
            }
            None => None,
        };
        if let Some(Answer::Score(value)) = answer {
            self.previous = emotion_of(question.kind, value);
        }
        if answered.is_some() {
            self.answered += 1;
        }
        self.index += 1;
        let completed = self.is_done(survey).then(|| {
            self.event_json(moment, |w| {
                w.num("answered", self.answered as u64);
            })
        });
        Ok(Outcome {
            answered,
            completed,
            step: self.step_json(survey),
        })
    }
}

/// What an option shows: its number, a star, a face or a thumb.
fn push_face(out: &mut String, kind: QuestionType, style: CsatStyle, value: u64) {
    const FACES: [&str; 5] = ["😞", "🙁", "😐", "🙂", "😀"];
    match (kind, style) {
        (QuestionType::Thumbs, _) => out.push_str(if value == 1 { "👍" } else { "👎" }),
        (QuestionType::Csat, CsatStyle::Stars) => out.push('★'),
        (QuestionType::Csat, CsatStyle::Faces) => out.push_str(FACES.get(value as usize - 1).copied().unwrap_or("")),
        _ => crate::base::num::push_u64(out, value),
    }
}

/// A refusal as the widget shows it: `{"refused":"required"}`.
pub fn refusal_json(refusal: Refusal) -> String {
    let mut out = String::from("{\"refused\":");
    write_string(
        &mut out,
        match refusal {
            Refusal::Required => "required",
            Refusal::Invalid => "invalid",
        },
    );
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::{parse, Value};
    use crate::surveys::survey::parse_surveys;

    fn survey(json: &str) -> Survey {
        parse_surveys(&parse(json).unwrap()).surveys.remove(0)
    }

    fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
        v.get(key).unwrap_or_else(|| panic!("no {key}"))
    }

    const AT: Moment = Moment {
        touchpoint: "/checkout",
        stage: "purchase",
    };

    #[test]
    fn a_survey_runs_question_by_question_with_one_submission_id() {
        let s = survey(
            r#"[{"id":"checkout","questions":[{"type":"csat","style":"stars"},
                {"type":"text","ifLow":"What went wrong?","ifHigh":"What did you like?"}]}]"#,
        );
        let mut p = Prompt::open(&s, "sub-9", ["fr-FR", "en"]);
        assert_eq!(p.language, "fr");
        let step = parse(&p.step_json(&s)).unwrap();
        assert_eq!(field(&step, "kind").as_str(), Some("scale"));
        assert_eq!(field(&step, "style").as_str(), Some("stars"));
        assert_eq!(field(&step, "submit").as_str(), Some("Suivant"));
        let Value::Array(options) = field(&step, "options") else {
            panic!()
        };
        assert_eq!(options.len(), 5);
        assert_eq!(field(&options[3], "name").as_str(), Some("4 sur 5, satisfait"));
        assert_eq!(field(&options[3], "face").as_str(), Some("★"));

        assert_eq!(
            p.answer(&s, None, "", AT),
            Err(Refusal::Required),
            "a csat needs a choice"
        );
        assert_eq!(p.answer(&s, Some(6), "", AT), Err(Refusal::Invalid), "off the scale");
        assert_eq!(p.index, 0, "nothing moved");

        let first = p.answer(&s, Some(2), "", AT).unwrap();
        let answered = parse(first.answered.as_deref().unwrap()).unwrap();
        assert_eq!(field(&answered, "submission").as_str(), Some("sub-9"));
        assert_eq!(field(&answered, "touchpoint").as_str(), Some("/checkout"));
        assert_eq!(field(&answered, "stage").as_str(), Some("purchase"));
        assert!(first.completed.is_none());
        let next = parse(&first.step).unwrap();
        assert_eq!(field(&next, "kind").as_str(), Some("text"));
        assert_eq!(
            field(&next, "text").as_str(),
            Some("What went wrong?"),
            "asked after a low score"
        );

        let second = p.answer(&s, None, "Trop lent", AT).unwrap();
        assert!(second.answered.unwrap().contains("\"text\":\"Trop lent\""));
        let done = parse(second.completed.as_deref().unwrap()).unwrap();
        assert_eq!(field(&done, "answered").as_u64(), Some(2));
        assert_eq!(field(&done, "submission").as_str(), Some("sub-9"));
        assert_eq!(field(&parse(&second.step).unwrap(), "kind").as_str(), Some("thanks"));
        assert!(
            p.dismissed_json(&s, AT).is_none(),
            "closing the thanks is not a dismissal"
        );
    }

    #[test]
    fn a_skipped_free_text_records_nothing_but_completes() {
        let s = survey(r#"[{"id":"a","questions":[{"type":"thumbs"},{"type":"text"}]}]"#);
        let mut p = Prompt::open(&s, "sub", []);
        p.answer(&s, Some(1), "", AT).unwrap();
        let skipped = p.answer(&s, None, "   ", AT).unwrap();
        assert!(skipped.answered.is_none());
        assert!(skipped.completed.unwrap().contains("\"answered\":1"));
    }

    #[test]
    fn a_dismissal_says_where_the_visitor_stopped() {
        let s = survey(r#"[{"id":"a","questions":[{"type":"nps"},{"type":"text"}]}]"#);
        let mut p = Prompt::open(&s, "sub", []);
        p.answer(&s, Some(9), "", AT).unwrap();
        let dismissed = parse(&p.dismissed_json(&s, AT).unwrap()).unwrap();
        assert_eq!(field(&dismissed, "atQuestion").as_u64(), Some(1));
        assert_eq!(field(&dismissed, "answered").as_u64(), Some(1));
    }

    #[test]
    fn the_frame_carries_placement_direction_and_theme() {
        let s = survey(
            r##"[{"id":"a","language":"ar","placement":"modal","theme":{"brand":"#0b57d0","mode":"dark"},
                "questions":[{"type":"nps"}]}]"##,
        );
        assert_eq!(
            Prompt::open(&s, "sub", ["fr"]).language,
            "fr",
            "the next language the page offers"
        );
        let p = Prompt::open(&s, "sub", []);
        assert_eq!(
            p.language, "en",
            "Arabic has no built-in strings yet: English, never hidden"
        );
        let frame = parse(&p.frame_json(&s)).unwrap();
        assert_eq!(
            field(&frame, "dir").as_str(),
            Some("rtl"),
            "the layout follows the survey's language"
        );
        assert_eq!(field(&frame, "placement").as_str(), Some("modal"));
        assert_eq!(field(&frame, "modal").as_bool(), Some(true));
        assert_eq!(field(&frame, "mode").as_str(), Some("dark"));
        assert_eq!(
            field(&frame, "theme").as_str(),
            Some(":host{--parcours-brand:#0b57d0!important}")
        );
        let shown = parse(&p.shown_json(&s, AT)).unwrap();
        assert_eq!(field(&shown, "questions").as_u64(), Some(1));
    }
}
