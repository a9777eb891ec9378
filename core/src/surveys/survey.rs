//! Surveys: their definitions (read strictly, every problem named with its
//! field), the question types and their scales, and what an answer means.
//! The widget renders what this module validated; the journey reads the
//! answers it produces (`survey_answered`).
//!
//! | type | scale | wording | higher is better |
//! |---|---|---|---|
//! | `csat` | 1–5 | "How satisfied are you with …?" (stars, numbers or faces) | yes |
//! | `ces` | 1–7 | CES 2.0 agreement, or the ease wording | yes |
//! | `nps` | 0–10 | "How likely are you to recommend …?" | yes |
//! | `thumbs` | 0–1 | down, up | yes |
//! | `text` | — | free text, whose question may depend on the previous score | — |

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{describe, expected, item_path, FieldError};
use crate::base::json::Value;
use crate::journey::Emotion;
use crate::surveys::targeting::Targeting;
use crate::surveys::theme::Theme;

const CODE: &str = "invalid_survey";
/// Longest text a site may give for a question, label or message.
pub const MAX_TEXT: usize = 500;
/// Most questions in one survey.
pub const MAX_QUESTIONS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionType {
    Csat,
    Ces,
    Nps,
    Thumbs,
    Text,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Csat => "csat",
            QuestionType::Ces => "ces",
            QuestionType::Nps => "nps",
            QuestionType::Thumbs => "thumbs",
            QuestionType::Text => "text",
        }
    }

    fn parse(name: &str) -> Option<QuestionType> {
        [
            QuestionType::Csat,
            QuestionType::Ces,
            QuestionType::Nps,
            QuestionType::Thumbs,
            QuestionType::Text,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }

    /// The scale's lowest and highest value; none for free text.
    pub fn scale(self) -> Option<(u64, u64)> {
        match self {
            QuestionType::Csat => Some((1, 5)),
            QuestionType::Ces => Some((1, 7)),
            QuestionType::Nps => Some((0, 10)),
            QuestionType::Thumbs => Some((0, 1)),
            QuestionType::Text => None,
        }
    }

    /// `value` on a 0–1 scale where higher is better; none when it is off the scale.
    pub fn normalize(self, value: u64) -> Option<f64> {
        let (min, max) = self.scale()?;
        (min..=max)
            .contains(&value)
            .then(|| (value - min) as f64 / (max - min) as f64)
    }
}

/// How a CSAT scale is drawn (the values are 1–5 whatever the look).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsatStyle {
    Stars,
    Numbers,
    Faces,
}

/// Which CES wording is shown; the answer says which was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CesWording {
    /// CES 2.0: "‹Company› made it easy for me to …", strongly disagree → strongly agree.
    Agreement,
    /// "How easy was it to …?", very difficult → very easy.
    Ease,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub kind: QuestionType,
    /// The question as the site wrote it; none: the built-in wording.
    pub text: Option<String>,
    pub style: CsatStyle,
    pub wording: CesWording,
    /// For a follow-up: the question after a low score, and after a high one.
    pub text_after_low: Option<String>,
    pub text_after_high: Option<String>,
    /// Whether the visitor may go on without answering.
    pub optional: bool,
}

impl Question {
    /// A follow-up's question, given the emotion of the previous answer.
    pub fn text_for(&self, previous: Option<Emotion>) -> Option<&str> {
        let chosen = match previous {
            Some(Emotion::Negative) => self.text_after_low.as_deref(),
            Some(Emotion::Positive) => self.text_after_high.as_deref(),
            _ => None,
        };
        chosen.or(self.text.as_deref())
    }
}

/// Where a survey appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    #[default]
    BottomRight,
    BottomLeft,
    TopRight,
    TopLeft,
    Center,
    /// Centred over a dimmed page; focus stays inside until it closes.
    Modal,
    /// Inside the element `target` names, in the page's flow.
    Inline,
    /// A small "Feedback" tab on the page's edge that opens the survey.
    Tab,
}

const PLACEMENTS: &[(&str, Placement)] = &[
    ("bottom-right", Placement::BottomRight),
    ("bottom-left", Placement::BottomLeft),
    ("top-right", Placement::TopRight),
    ("top-left", Placement::TopLeft),
    ("center", Placement::Center),
    ("modal", Placement::Modal),
    ("inline", Placement::Inline),
    ("tab", Placement::Tab),
];

impl Placement {
    pub fn as_str(self) -> &'static str {
        PLACEMENTS
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("bottom-right", |(name, _)| name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    pub id: String,
    pub questions: Vec<Question>,
    pub placement: Placement,
    /// For `inline`: a CSS selector of the element to render into.
    pub target: Option<String>,
    pub theme: Theme,
    /// Language forced by the site (`fr`, `en-GB`); none: the page's.
    pub language: Option<String>,
    /// Built-in strings overridden for this survey, by name (see `BUILTIN`).
    pub strings: Vec<(String, String)>,
    /// Who sees it, when and how often (`trigger`, `audience`, `sample`, …).
    pub targeting: Targeting,
    /// A/B variants: each a copy of the survey with some fields changed.
    pub variants: Vec<Variant>,
}

/// One variant of a survey, given to a fixed share of visitors.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub id: String,
    pub weight: u32,
    /// The survey as this variant shows it.
    pub survey: Survey,
}

impl Survey {
    /// The variant this visitor sees (by a fixed draw), or none.
    pub fn variant_for(&self, visitor_id: &str) -> Option<&Variant> {
        if self.variants.is_empty() {
            return None;
        }
        let weights: Vec<u32> = self.variants.iter().map(|v| v.weight).collect();
        self.variants
            .get(crate::surveys::targeting::pick_variant(&self.id, visitor_id, &weights))
    }

    /// The survey as variant `id` shows it (itself for none or an unknown id).
    pub fn as_variant(&self, id: &str) -> &Survey {
        self.variants.iter().find(|v| v.id == id).map_or(self, |v| &v.survey)
    }

    /// Its questions and look without its rules or variants: what a variant
    /// starts from (it is only ever shown; the base survey's rules decide).
    /// Not `clone()`: copying the rules would bring their code into the wasm.
    fn look_copy(&self) -> Survey {
        Survey {
            id: self.id.clone(),
            questions: self.questions.clone(),
            placement: self.placement,
            target: self.target.clone(),
            theme: self.theme.clone(),
            language: self.language.clone(),
            strings: self.strings.clone(),
            targeting: Targeting::default(),
            variants: Vec::new(),
        }
    }

    /// Console warnings for colours of its theme that are hard to read.
    pub fn contrast_warnings(&self) -> Vec<String> {
        let mut field = String::from("surveys[\"");
        field.push_str(&self.id);
        field.push_str("\"].theme");
        self.theme.contrast_warnings(&field)
    }
}

/// Surveys read from a list, and the definitions refused: a bad survey
/// is left out with an error naming it, the field and the problem, and the
/// others still load (so does the rest of the SDK).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurveyList {
    pub surveys: Vec<Survey>,
    pub errors: Vec<FieldError>,
}

/// Reads the `surveys` option: an array of definitions.
pub fn parse_surveys(value: &Value) -> SurveyList {
    let mut list = SurveyList::default();
    let Value::Array(items) = value else {
        list.errors.push(
            expected(CODE, "options.surveys", "an array of surveys", value)
                .with_fix("surveys: [{ id: 'csat-checkout', questions: [{ type: 'csat' }] }]"),
        );
        return list;
    };
    for (index, item) in items.iter().enumerate() {
        match parse_survey(item, index) {
            Ok(survey) if list.surveys.iter().any(|s| s.id == survey.id) => list.errors.push(
                FieldError::new(
                    CODE,
                    item_path("surveys", index, "id"),
                    "repeats the id of another survey",
                )
                .with_fix("Give every survey its own id"),
            ),
            Ok(survey) => list.surveys.push(survey),
            Err(error) => list.errors.push(error),
        }
    }
    list
}

fn parse_survey(item: &Value, index: usize) -> Result<Survey, FieldError> {
    let path = |field: &str| item_path("surveys", index, field);
    let Value::Object(fields) = item else {
        return Err(expected(CODE, path(""), "a survey object", item));
    };
    let id = match item.get("id") {
        Some(Value::String(id)) if is_id(id) => id.clone(),
        Some(other) => {
            return Err(expected(CODE, path("id"), "1 to 64 letters, digits or -_.", other)
                .with_fix("e.g. id: 'csat-checkout'"))
        }
        None => return Err(FieldError::new(CODE, path("id"), "is required").with_fix("e.g. id: 'csat-checkout'")),
    };
    // From here on errors name the survey by its id, which is what a site searches for.
    let named = |field: &str| {
        let mut p = String::from("surveys[\"");
        p.push_str(&id);
        p.push_str("\"]");
        if !field.is_empty() {
            p.push('.');
            p.push_str(field);
        }
        p
    };
    let mut survey = Survey {
        id: id.clone(),
        questions: Vec::new(),
        placement: Placement::default(),
        target: None,
        theme: Theme::default(),
        language: None,
        strings: Vec::new(),
        targeting: Targeting::default(),
        variants: Vec::new(),
    };
    let mut variants = None;
    for (key, value) in fields {
        match key.as_str() {
            "id" => {}
            "variants" => variants = Some(value),
            key if crate::surveys::targeting::FIELDS.contains(&key) => survey.targeting.read(key, value, &named)?,
            _ => read_look(&mut survey, key, value, &named)?,
        }
    }
    check_look(&survey, &named)?;
    if let Some(value) = variants {
        survey.variants = parse_variants(&survey, value, &named)?;
    }
    Ok(survey)
}

/// The fields a variant may change: what is asked and how it looks.
const VARIANT_FIELDS: [&str; 6] = ["questions", "language", "strings", "placement", "target", "theme"];

/// Reads one of the fields that say what a survey asks and how it looks.
fn read_look(survey: &mut Survey, key: &str, value: &Value, named: &dyn Fn(&str) -> String) -> Result<(), FieldError> {
    match key {
        "questions" => survey.questions = parse_questions(value, named)?,
        "language" => survey.language = Some(language(value, &named("language"))?),
        "strings" => survey.strings = parse_strings(value, &named)?,
        "placement" => {
            survey.placement = value
                .as_str()
                .and_then(|name| PLACEMENTS.iter().find(|(n, _)| *n == name))
                .map(|(_, p)| *p)
                .ok_or_else(|| {
                    expected(CODE, named("placement"), "a placement", value)
                        .with_fix("Use bottom-right, bottom-left, top-right, top-left, center, modal, inline or tab")
                })?
        }
        "target" => match value.as_str() {
            Some(t) if !t.trim().is_empty() && t.len() <= 200 => survey.target = Some(t.to_string()),
            _ => {
                return Err(expected(
                    CODE,
                    named("target"),
                    "a CSS selector such as \"#feedback\"",
                    value,
                ))
            }
        },
        "theme" => survey.theme = Theme::parse(value, &named("theme"))?,
        other => {
            return Err(FieldError::new(CODE, named(other), "is not a survey field").with_fix(
                "Survey fields: id, questions, language, strings, placement, target, theme, \
                     trigger, audience, sample, frequency, schedule, variants",
            ))
        }
    }
    Ok(())
}

/// A survey must ask something, and an inline one must say where.
fn check_look(survey: &Survey, named: &dyn Fn(&str) -> String) -> Result<(), FieldError> {
    if survey.placement == Placement::Inline && survey.target.is_none() {
        return Err(
            FieldError::new(CODE, named("target"), "is required for an inline survey")
                .with_fix("Name the element to render into, e.g. target: '#feedback'"),
        );
    }
    if survey.questions.is_empty() {
        return Err(
            FieldError::new(CODE, named("questions"), "is required: at least one question")
                .with_fix("questions: [{ type: 'csat' }]"),
        );
    }
    Ok(())
}

/// Reads `variants: [{ id, weight?, …fields to change }]`.
fn parse_variants(base: &Survey, value: &Value, named: &dyn Fn(&str) -> String) -> Result<Vec<Variant>, FieldError> {
    let field = named("variants");
    let items = match value {
        Value::Array(items) if (2..=10).contains(&items.len()) => items,
        _ => {
            return Err(expected(CODE, field, "an array of 2 to 10 variants", value)
                .with_fix("variants: [{ id: 'a' }, { id: 'b', placement: 'modal' }]"))
        }
    };
    let mut variants: Vec<Variant> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = crate::base::error::index_path(&field, i);
        let in_variant = |f: &str| {
            if f.is_empty() {
                at.clone()
            } else {
                crate::base::error::field_path(&at, f)
            }
        };
        let Value::Object(fields) = item else {
            return Err(expected(CODE, at.clone(), "a variant object", item));
        };
        let id = match item.get("id") {
            Some(Value::String(id)) if is_id(id) && !variants.iter().any(|v| &v.id == id) => id.clone(),
            other => {
                return Err(FieldError::new(
                    CODE,
                    in_variant("id"),
                    "must be a unique id of 1 to 64 letters, digits or -_.",
                )
                .with_fix(if other.is_none() {
                    "Give each variant an id, e.g. id: 'a'"
                } else {
                    "Give each variant its own id"
                }))
            }
        };
        let mut survey = base.look_copy();
        let mut weight = 1;
        for (key, value) in fields {
            match key.as_str() {
                "id" => {}
                "weight" => match value.as_u64() {
                    Some(w @ 1..=100) => weight = w as u32,
                    _ => {
                        return Err(expected(
                            CODE,
                            in_variant("weight"),
                            "a whole number from 1 to 100",
                            value,
                        ))
                    }
                },
                key if VARIANT_FIELDS.contains(&key) => read_look(&mut survey, key, value, &in_variant)?,
                other => {
                    return Err(
                        FieldError::new(CODE, in_variant(other), "is not a field a variant can change")
                            .with_fix("A variant may change questions, language, strings, placement, target, theme"),
                    )
                }
            }
        }
        check_look(&survey, &in_variant)?;
        variants.push(Variant { id, weight, survey });
    }
    Ok(variants)
}

fn parse_questions(value: &Value, named: &dyn Fn(&str) -> String) -> Result<Vec<Question>, FieldError> {
    let Value::Array(items) = value else {
        return Err(expected(CODE, named("questions"), "an array of questions", value));
    };
    if items.len() > MAX_QUESTIONS {
        return Err(FieldError::new(CODE, named("questions"), "has more than 10 questions")
            .with_fix("Ask fewer questions: long surveys are abandoned"));
    }
    let mut questions = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut at = String::from("questions[");
        crate::base::num::push_u64(&mut at, i as u64);
        at.push(']');
        let field = |name: &str| {
            let mut p = at.clone();
            p.push('.');
            p.push_str(name);
            named(&p)
        };
        let Value::Object(fields) = item else {
            return Err(expected(CODE, named(&at), "a question object", item));
        };
        let kind = match item.get("type") {
            Some(Value::String(t)) => QuestionType::parse(t).ok_or_else(|| {
                let mut problem = String::from("is ");
                problem.push_str(&describe(item.get("type").unwrap_or(&Value::Null)));
                problem.push_str(", not a question type");
                FieldError::new(CODE, field("type"), problem).with_fix("Use csat, ces, nps, thumbs or text")
            })?,
            Some(other) => return Err(expected(CODE, field("type"), "csat, ces, nps, thumbs or text", other)),
            None => {
                return Err(
                    FieldError::new(CODE, field("type"), "is required").with_fix("Use csat, ces, nps, thumbs or text")
                )
            }
        };
        let mut question = Question {
            kind,
            text: None,
            style: CsatStyle::Numbers,
            wording: CesWording::Agreement,
            text_after_low: None,
            text_after_high: None,
            optional: kind == QuestionType::Text,
        };
        for (key, value) in fields {
            match key.as_str() {
                "type" => {}
                "text" => question.text = Some(text(value, &field("text"))?),
                "style" if kind == QuestionType::Csat => {
                    question.style = match value.as_str() {
                        Some("stars") => CsatStyle::Stars,
                        Some("numbers") => CsatStyle::Numbers,
                        Some("faces") => CsatStyle::Faces,
                        _ => return Err(expected(CODE, field("style"), "stars, numbers or faces", value)),
                    }
                }
                "wording" if kind == QuestionType::Ces => {
                    question.wording = match value.as_str() {
                        Some("agreement") => CesWording::Agreement,
                        Some("ease") => CesWording::Ease,
                        _ => return Err(expected(CODE, field("wording"), "agreement or ease", value)),
                    }
                }
                "ifLow" if kind == QuestionType::Text => question.text_after_low = Some(text(value, &field("ifLow"))?),
                "ifHigh" if kind == QuestionType::Text => {
                    question.text_after_high = Some(text(value, &field("ifHigh"))?)
                }
                "optional" => {
                    question.optional = value
                        .as_bool()
                        .ok_or_else(|| expected(CODE, field("optional"), "true or false", value))?
                }
                other => {
                    let mut problem = String::from("is not a field of a ");
                    problem.push_str(kind.as_str());
                    problem.push_str(" question");
                    return Err(FieldError::new(CODE, field(other), problem).with_fix(
                        "Question fields: type, text, optional; style (csat); wording (ces); ifLow, ifHigh (text)",
                    ));
                }
            }
        }
        if kind == QuestionType::Text
            && i == 0
            && (question.text_after_low.is_some() || question.text_after_high.is_some())
        {
            return Err(
                FieldError::new(CODE, field("ifLow"), "needs a scored question before it")
                    .with_fix("Put the text question after a csat, ces, nps or thumbs question"),
            );
        }
        questions.push(question);
    }
    Ok(questions)
}

fn parse_strings(value: &Value, named: &dyn Fn(&str) -> String) -> Result<Vec<(String, String)>, FieldError> {
    let Value::Object(fields) = value else {
        return Err(expected(CODE, named("strings"), "an object of strings", value));
    };
    let mut strings = Vec::new();
    for (key, value) in fields {
        let mut path = String::from("strings.");
        path.push_str(key);
        if !BUILTIN.iter().any(|(name, ..)| name == key) {
            return Err(FieldError::new(CODE, named(&path), "is not a string Parcours shows")
                .with_fix("Strings: thanks, submit, next, close, skip, tab, textPlaceholder, required"));
        }
        strings.push((key.clone(), text(value, &named(&path))?));
    }
    Ok(strings)
}

/// Text shown to visitors: rendered as text (never HTML) by the widget,
/// so any characters are allowed; only its length is bounded.
fn text(value: &Value, field: &str) -> Result<String, FieldError> {
    match value {
        Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_TEXT => Ok(s.clone()),
        _ => Err(expected(
            CODE,
            field,
            "a non-empty string of at most 500 characters",
            value,
        )),
    }
}

fn language(value: &Value, field: &str) -> Result<String, FieldError> {
    match value.as_str() {
        Some(tag) if is_language_tag(tag) => Ok(tag.to_string()),
        _ => Err(expected(
            CODE,
            field,
            "a language tag such as \"fr\" or \"en-GB\"",
            value,
        )),
    }
}

fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let base = parts.next().unwrap_or("");
    (2..=3).contains(&base.len())
        && base.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Languages with built-in strings.
pub const LANGUAGES: &[&str] = &["en", "fr"];

/// The built-in language to use: the first of `preferred` (the survey's
/// language, then the page's `lang`, then the browser's) whose base
/// language is built in; English otherwise, so a survey is never hidden
/// for want of a translation.
pub fn choose_language<'a>(preferred: impl IntoIterator<Item = &'a str>) -> &'static str {
    for tag in preferred {
        let base = tag.split(['-', '_']).next().unwrap_or("");
        if let Some(found) = LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(base)) {
            return found;
        }
    }
    "en"
}

/// Whether a language is written right to left (the widget mirrors).
pub fn is_right_to_left(tag: &str) -> bool {
    let base = tag.split(['-', '_']).next().unwrap_or("");
    ["ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(base))
}

/// Built-in strings: name, English, French.
const BUILTIN: &[(&str, &str, &str)] = &[
    ("thanks", "Thank you for your feedback!", "Merci pour votre avis !"),
    ("submit", "Send", "Envoyer"),
    ("next", "Next", "Suivant"),
    ("close", "Close", "Fermer"),
    ("skip", "Skip", "Passer"),
    ("tab", "Feedback", "Votre avis"),
    (
        "textPlaceholder",
        "Your answer (optional)",
        "Votre réponse (facultatif)",
    ),
    (
        "required",
        "Choose an answer to go on.",
        "Choisissez une réponse pour continuer.",
    ),
];

/// A built-in string in a built-in language (`choose_language`), before
/// the survey's overrides (`Survey::string`).
pub fn builtin(language: &str, name: &str) -> &'static str {
    BUILTIN
        .iter()
        .find(|(key, ..)| *key == name)
        .map_or("", |(_, en, fr)| if language == "fr" { fr } else { en })
}

/// The question asked when the site gives no text.
pub fn default_question(kind: QuestionType, wording: CesWording, language: &str) -> &'static str {
    let french = language == "fr";
    match (kind, wording) {
        (QuestionType::Csat, _) if french => "Êtes-vous satisfait de votre expérience ?",
        (QuestionType::Csat, _) => "How satisfied are you with your experience?",
        (QuestionType::Ces, CesWording::Agreement) if french => {
            "Le site m'a permis de faire facilement ce que je voulais."
        }
        (QuestionType::Ces, CesWording::Agreement) => "The site made it easy for me to do what I wanted.",
        (QuestionType::Ces, CesWording::Ease) if french => "Était-il facile de faire ce que vous vouliez ?",
        (QuestionType::Ces, CesWording::Ease) => "How easy was it to do what you wanted?",
        (QuestionType::Nps, _) if french => "Quelle est la probabilité que vous nous recommandiez à un proche ?",
        (QuestionType::Nps, _) => "How likely are you to recommend us to a friend or colleague?",
        (QuestionType::Thumbs, _) if french => "Cela vous a-t-il été utile ?",
        (QuestionType::Thumbs, _) => "Was this helpful?",
        (QuestionType::Text, _) if french => "Souhaitez-vous nous dire quelque chose ?",
        (QuestionType::Text, _) => "Is there anything you would like to tell us?",
    }
}

/// The meaning of a value on its scale, for its accessible name
/// (`option_name`): "satisfied", "strongly agree", "not at all likely".
/// Empty where the number says it all (NPS between its ends).
pub fn value_meaning(kind: QuestionType, wording: CesWording, value: u64, language: &str) -> &'static str {
    let fr = language == "fr";
    let pick = |list_en: &[&'static str], list_fr: &[&'static str], i: u64| {
        let list = if fr { list_fr } else { list_en };
        list.get(i as usize).copied().unwrap_or("")
    };
    match kind {
        QuestionType::Csat => pick(
            &[
                "very dissatisfied",
                "dissatisfied",
                "neutral",
                "satisfied",
                "very satisfied",
            ],
            &[
                "très insatisfait",
                "insatisfait",
                "neutre",
                "satisfait",
                "très satisfait",
            ],
            value.wrapping_sub(1),
        ),
        QuestionType::Ces if wording == CesWording::Agreement => pick(
            &[
                "strongly disagree",
                "disagree",
                "somewhat disagree",
                "neither agree nor disagree",
                "somewhat agree",
                "agree",
                "strongly agree",
            ],
            &[
                "pas du tout d'accord",
                "pas d'accord",
                "plutôt pas d'accord",
                "ni d'accord ni pas d'accord",
                "plutôt d'accord",
                "d'accord",
                "tout à fait d'accord",
            ],
            value.wrapping_sub(1),
        ),
        QuestionType::Ces => pick(
            &[
                "very difficult",
                "difficult",
                "somewhat difficult",
                "neither easy nor difficult",
                "somewhat easy",
                "easy",
                "very easy",
            ],
            &[
                "très difficile",
                "difficile",
                "plutôt difficile",
                "ni facile ni difficile",
                "plutôt facile",
                "facile",
                "très facile",
            ],
            value.wrapping_sub(1),
        ),
        QuestionType::Nps => match value {
            0 if fr => "pas du tout probable",
            0 => "not at all likely",
            10 if fr => "très probable",
            10 => "extremely likely",
            _ => "",
        },
        QuestionType::Thumbs => pick(
            &["thumbs down", "thumbs up"],
            &["pouce vers le bas", "pouce vers le haut"],
            value,
        ),
        QuestionType::Text => "",
    }
}

/// The accessible name of one option of a scale: "4 of 5, satisfied".
pub fn option_name(kind: QuestionType, wording: CesWording, value: u64, language: &str) -> String {
    let meaning = value_meaning(kind, wording, value, language);
    if kind == QuestionType::Thumbs {
        return meaning.to_string();
    }
    let (_, max) = kind.scale().unwrap_or((0, 0));
    let mut name = String::new();
    crate::base::num::push_u64(&mut name, value);
    name.push_str(if language == "fr" { " sur " } else { " of " });
    crate::base::num::push_u64(&mut name, max);
    if !meaning.is_empty() {
        name.push_str(", ");
        name.push_str(meaning);
    }
    name
}

impl Survey {
    /// A string for this survey: the site's override, else the built-in one.
    pub fn string<'a>(&'a self, language: &str, name: &str) -> &'a str {
        self.strings
            .iter()
            .find(|(key, _)| key == name)
            .map_or_else(|| builtin(language, name), |(_, text)| text.as_str())
    }
}

/// Where and how an answer was given, for its event.
#[derive(Clone, Debug, Default)]
pub struct AnswerContext<'a> {
    /// Stays the same across the questions of one showing of a survey.
    pub submission: &'a str,
    pub language: &'a str,
    /// The touchpoint and stage of the journey when the answer was given.
    pub touchpoint: &'a str,
    pub stage: &'a str,
    /// The A/B variant shown, if any.
    pub variant: &'a str,
}

/// What a visitor answered to one question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer<'a> {
    Score(u64),
    Text(&'a str),
}

/// The properties of a `survey_answered` event: the survey, the question
/// (index, type, scale, wording), the raw and normalised value (0–1,
/// higher is better) or the text, and where in the journey it was given.
/// None when the answer does not fit the question.
pub fn answer_properties(survey: &Survey, index: usize, answer: Answer, context: &AnswerContext) -> Option<String> {
    let question = survey.questions.get(index)?;
    let mut out = String::with_capacity(256);
    let mut w = crate::base::json::ObjectWriter::new(&mut out);
    w.str("survey", &survey.id)
        .str("submission", context.submission)
        .num("question", index as u64)
        .str("questionType", question.kind.as_str());
    match (question.kind.scale(), answer) {
        (Some((min, max)), Answer::Score(value)) => {
            let normalized = question.kind.normalize(value)?;
            w.num("scaleMin", min).num("scaleMax", max).num("value", value);
            push_decimal(w.key("normalized"), normalized);
        }
        (None, Answer::Text(text)) => {
            w.str("text", text);
        }
        _ => return None,
    }
    if question.kind == QuestionType::Ces {
        let wording = match question.wording {
            CesWording::Agreement => "agreement",
            CesWording::Ease => "ease",
        };
        w.str("wording", wording);
    }
    if question.kind == QuestionType::Csat {
        let style = match question.style {
            CsatStyle::Stars => "stars",
            CsatStyle::Numbers => "numbers",
            CsatStyle::Faces => "faces",
        };
        w.str("style", style);
    }
    w.str_if("language", context.language)
        .str_if("touchpoint", context.touchpoint)
        .str_if("stage", context.stage)
        .str_if("variant", context.variant)
        .finish();
    Some(out)
}

/// A number from 0 to 1 with at most three decimals, written by hand: no
/// float formatting in the wasm.
fn push_decimal(out: &mut String, x: f64) {
    let thousandths = (x.clamp(0.0, 1.0) * 1000.0 + 0.5) as u64;
    crate::base::num::push_u64(out, thousandths / 1000);
    let frac = thousandths % 1000;
    if frac != 0 {
        out.push('.');
        let mut digits = String::new();
        crate::base::num::push_u64(&mut digits, 1000 + frac);
        out.push_str(digits.get(1..).unwrap_or_default().trim_end_matches('0'));
    }
}

/// The emotion of an answer, as the journey records it.
pub fn emotion_of(kind: QuestionType, value: u64) -> Option<Emotion> {
    Emotion::of_answer(kind.as_str(), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    fn surveys(json: &str) -> Result<Vec<Survey>, FieldError> {
        let list = parse_surveys(&parse(json).unwrap());
        match list.errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(list.surveys),
        }
    }

    fn error(json: &str) -> (String, String) {
        let e = surveys(json).unwrap_err();
        (e.field, e.problem)
    }

    #[test]
    fn targeting_and_variants_are_read_with_the_survey() {
        let list = surveys(
            r#"[{"id":"nps","questions":[{"type":"nps"}],"trigger":{"stage":"retention","delay":10},
                "sample":25,"frequency":{"every":90},
                "variants":[{"id":"a"},{"id":"b","weight":3,"placement":"modal","questions":[{"type":"nps","text":"Recommend us?"}]}]}]"#,
        )
        .unwrap();
        let nps = &list[0];
        assert_eq!(nps.targeting.triggers[0].delay_ms, 10_000);
        assert_eq!(nps.targeting.sample, 2_500);
        assert_eq!(nps.targeting.frequency.every_days, Some(90));
        assert_eq!(nps.variants.len(), 2);
        let b = nps.as_variant("b");
        assert_eq!(
            (b.placement, b.questions[0].text.as_deref()),
            (Placement::Modal, Some("Recommend us?"))
        );
        assert_eq!(nps.as_variant("a").placement, Placement::BottomRight);
        assert!(
            b.targeting.triggers.is_empty() && b.variants.is_empty(),
            "a variant changes the look, not who sees it: the survey's own rules decide"
        );
        let mut counts = [0; 2];
        for i in 0..4_000u32 {
            let visitor = String::from("visitor-") + &crate::base::num::u64_to_string(i as u64);
            let v = nps.variant_for(&visitor).unwrap();
            counts[(v.id == "b") as usize] += 1;
            assert_eq!(nps.variant_for(&visitor).unwrap().id, v.id, "fixed per visitor");
        }
        assert!((counts[1] as f64 / 4_000.0 - 0.75).abs() < 0.03, "weights: {counts:?}");
    }

    #[test]
    fn bad_targeting_or_variants_name_the_survey_and_field() {
        let base = |extra: &str| String::from(r#"[{"id":"nps","questions":[{"type":"nps"}],"#) + extra + "}]";
        assert_eq!(
            error(&base(r#""trigger":{"event":"a","stage":"b"}"#)).0,
            "surveys[\"nps\"].trigger"
        );
        assert_eq!(error(&base(r#""sample":-5"#)).0, "surveys[\"nps\"].sample");
        assert_eq!(
            error(&base(r#""variants":[{"id":"a"}]"#)).0,
            "surveys[\"nps\"].variants"
        );
        assert_eq!(
            error(&base(r#""variants":[{"id":"a"},{"id":"b","placement":"sideways"}]"#)).0,
            "surveys[\"nps\"].variants[1].placement"
        );
        assert_eq!(
            error(&base(r#""variants":[{"id":"a"},{"id":"a"}]"#)).0,
            "surveys[\"nps\"].variants[1].id"
        );
        assert_eq!(
            error(&base(r#""variants":[{"id":"a"},{"id":"b","sample":5}]"#)).0,
            "surveys[\"nps\"].variants[1].sample"
        );
    }

    #[test]
    fn a_bad_survey_is_left_out_and_the_others_load() {
        let list = parse_surveys(
            &parse(r##"[{"id":"good","questions":[{"type":"nps"}]},{"id":"bad","questions":[{"type":"stars"}]},
                       {"id":"inline","placement":"inline","questions":[{"type":"csat"}]},
                       {"id":"card","placement":"top-left","theme":{"brand":"#123456"},"questions":[{"type":"csat"}]}]"##)
            .unwrap(),
        );
        let ids: Vec<&str> = list.surveys.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["good", "card"]);
        let fields: Vec<&str> = list.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["surveys[\"bad\"].questions[0].type", "surveys[\"inline\"].target"]
        );
        assert_eq!(list.surveys[1].placement, Placement::TopLeft);
        assert_eq!(list.surveys[1].placement.as_str(), "top-left");
        assert_eq!(list.surveys[0].placement, Placement::BottomRight, "the default");
    }

    #[test]
    fn a_full_definition_is_read() {
        let s = surveys(
            r#"[{"id":"after-checkout","language":"fr","placement":"bottom-right",
                "questions":[{"type":"csat","style":"stars","text":"Satisfait du paiement ?"},
                             {"type":"text","ifLow":"Qu'est-ce qui n'a pas marché ?","ifHigh":"Qu'avez-vous aimé ?"}],
                "strings":{"thanks":"Merci !"}},
               {"id":"support-ces","questions":[{"type":"ces","wording":"ease"}]}]"#,
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].questions[0].style, CsatStyle::Stars);
        assert_eq!(s[0].language.as_deref(), Some("fr"));
        assert_eq!(s[0].strings, vec![("thanks".to_string(), "Merci !".to_string())]);
        assert!(
            s[0].questions[1].optional,
            "free text is optional unless said otherwise"
        );
        assert_eq!(s[1].questions[0].wording, CesWording::Ease);
    }

    #[test]
    fn errors_name_the_survey_the_field_and_the_problem() {
        assert_eq!(error(r#"{}"#).0, "options.surveys");
        assert_eq!(error(r#"[{"questions":[]}]"#).0, "options.surveys[0].id");
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"stars"}]}]"#),
            (
                "surveys[\"a\"].questions[0].type".to_string(),
                "is \"stars\", not a question type".to_string()
            )
        );
        assert_eq!(error(r#"[{"id":"a","questions":[]}]"#).0, "surveys[\"a\"].questions");
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"nps","style":"stars"}]}]"#).0,
            "surveys[\"a\"].questions[0].style",
            "a style is for csat only"
        );
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"csat","text":""}]}]"#).0,
            "surveys[\"a\"].questions[0].text"
        );
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"csat"}]},{"id":"a","questions":[{"type":"nps"}]}]"#).0,
            "options.surveys[1].id"
        );
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"csat"}],"strings":{"thx":"Merci"}}]"#).0,
            "surveys[\"a\"].strings.thx"
        );
        assert_eq!(
            error(r#"[{"id":"a","questions":[{"type":"text","ifLow":"Why?"}]}]"#).0,
            "surveys[\"a\"].questions[0].ifLow"
        );
        assert_eq!(
            error(r#"[{"id":"a","language":"french!","questions":[{"type":"csat"}]}]"#).0,
            "surveys[\"a\"].language"
        );
        let long = "x".repeat(501);
        let json = "[{\"id\":\"a\",\"questions\":[{\"type\":\"csat\",\"text\":\"".to_string() + &long + "\"}]}]";
        assert_eq!(error(&json).0, "surveys[\"a\"].questions[0].text");
    }

    #[test]
    fn scales_normalise_so_that_higher_is_better() {
        assert_eq!(QuestionType::Csat.normalize(1), Some(0.0));
        assert_eq!(QuestionType::Csat.normalize(4), Some(0.75));
        assert_eq!(QuestionType::Ces.normalize(7), Some(1.0));
        assert_eq!(QuestionType::Nps.normalize(0), Some(0.0));
        assert_eq!(QuestionType::Nps.normalize(9), Some(0.9));
        assert_eq!(QuestionType::Thumbs.normalize(1), Some(1.0), "up is the higher value");
        assert_eq!(QuestionType::Csat.normalize(6), None, "off the scale");
        assert_eq!(QuestionType::Ces.normalize(0), None);
        assert_eq!(QuestionType::Text.normalize(1), None);
    }

    #[test]
    fn a_follow_up_asks_what_went_wrong_after_a_low_score() {
        let s = surveys(
            r#"[{"id":"a","questions":[{"type":"nps"},
                {"type":"text","text":"Anything else?","ifLow":"What went wrong?","ifHigh":"What did you like?"}]}]"#,
        )
        .unwrap();
        let follow_up = &s[0].questions[1];
        let after = |score| follow_up.text_for(emotion_of(QuestionType::Nps, score));
        assert_eq!(after(3), Some("What went wrong?"));
        assert_eq!(after(8), Some("Anything else?"));
        assert_eq!(after(10), Some("What did you like?"));
    }

    #[test]
    fn every_option_has_an_accessible_name_in_english_and_french() {
        let agreement = CesWording::Agreement;
        assert_eq!(option_name(QuestionType::Csat, agreement, 4, "en"), "4 of 5, satisfied");
        assert_eq!(
            option_name(QuestionType::Csat, agreement, 1, "fr"),
            "1 sur 5, très insatisfait"
        );
        assert_eq!(
            option_name(QuestionType::Ces, agreement, 7, "en"),
            "7 of 7, strongly agree"
        );
        assert_eq!(
            option_name(QuestionType::Ces, CesWording::Ease, 1, "en"),
            "1 of 7, very difficult"
        );
        assert_eq!(
            option_name(QuestionType::Nps, agreement, 0, "en"),
            "0 of 10, not at all likely"
        );
        assert_eq!(option_name(QuestionType::Nps, agreement, 7, "en"), "7 of 10");
        assert_eq!(
            option_name(QuestionType::Thumbs, agreement, 1, "fr"),
            "pouce vers le haut"
        );
        for language in LANGUAGES {
            for kind in [QuestionType::Csat, QuestionType::Ces, QuestionType::Thumbs] {
                let (min, max) = kind.scale().unwrap();
                for value in min..=max {
                    assert!(
                        !value_meaning(kind, agreement, value, language).is_empty(),
                        "{kind:?} {value} {language}"
                    );
                }
            }
            for (name, ..) in BUILTIN {
                assert!(!builtin(language, name).is_empty(), "{name} in {language}");
            }
        }
    }

    #[test]
    fn an_answer_carries_the_question_the_scale_both_values_and_the_journey() {
        let all = surveys(
            r#"[{"id":"support","questions":[{"type":"ces","wording":"ease"},{"type":"text"},{"type":"nps"}]}]"#,
        )
        .unwrap();
        let s = &all[0];
        let context = AnswerContext {
            submission: "sub-1",
            language: "en",
            touchpoint: "/support",
            stage: "retention",
            variant: "",
        };
        let score = answer_properties(s, 0, Answer::Score(5), &context).unwrap();
        assert_eq!(
            score,
            concat!(
                r#"{"survey":"support","submission":"sub-1","question":0,"questionType":"ces","scaleMin":1,"#,
                r#""scaleMax":7,"value":5,"normalized":0.667,"wording":"ease","language":"en","#,
                r#""touchpoint":"/support","stage":"retention"}"#
            )
        );
        let text = answer_properties(s, 1, Answer::Text("Slow \"chat\""), &context).unwrap();
        assert!(
            text.contains(r#""questionType":"text","text":"Slow \"chat\"""#),
            "{text}"
        );
        let nps = answer_properties(s, 2, Answer::Score(10), &context).unwrap();
        assert!(nps.contains(r#""value":10,"normalized":1,"#), "{nps}");
        assert!(
            answer_properties(s, 0, Answer::Score(8), &context).is_none(),
            "off the scale"
        );
        assert!(
            answer_properties(s, 0, Answer::Text("x"), &context).is_none(),
            "text for a score"
        );
        assert!(
            answer_properties(s, 9, Answer::Score(1), &context).is_none(),
            "no such question"
        );
        // What the journey reads of it.
        assert_eq!(parse(&score).unwrap().get("value").unwrap().as_u64(), Some(5));
        assert_eq!(emotion_of(QuestionType::Ces, 5), Some(Emotion::Positive));
    }

    #[test]
    fn a_survey_overrides_built_in_strings() {
        let s = surveys(r#"[{"id":"a","questions":[{"type":"csat"}],"strings":{"thanks":"Cheers!"}}]"#).unwrap();
        assert_eq!(s[0].string("en", "thanks"), "Cheers!");
        assert_eq!(s[0].string("fr", "submit"), "Envoyer");
    }

    #[test]
    fn the_language_falls_back_to_the_base_then_to_english() {
        assert_eq!(choose_language(["fr-CA"]), "fr");
        assert_eq!(choose_language(["de-DE", "fr"]), "fr");
        assert_eq!(
            choose_language(["pt-BR"]),
            "en",
            "never hidden for want of a translation"
        );
        assert_eq!(choose_language([]), "en");
        assert!(is_right_to_left("ar-EG"));
        assert!(!is_right_to_left("fr"));
    }
}
