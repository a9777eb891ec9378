//! The conditions of survey targeting: comparisons of a value (an event
//! property, a visitor trait), URL rules, and audiences combined with
//! `all`, `any` and `not`. Each is read strictly, with an error naming its
//! field, and each can say why it did not hold (for `survey.explain`).

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::boxed::Box;

use crate::base::error::{expected, field_path, FieldError};
use crate::base::json::Value;
use crate::base::num::parse_f64;
use crate::surveys::pattern::Pattern;

const CODE: &str = "invalid_survey";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    In,
    Exists,
}

const OPS: [(&str, Op); 9] = [
    ("eq", Op::Eq),
    ("ne", Op::Ne),
    ("gt", Op::Gt),
    ("gte", Op::Gte),
    ("lt", Op::Lt),
    ("lte", Op::Lte),
    ("contains", Op::Contains),
    ("in", Op::In),
    ("exists", Op::Exists),
];

/// A test of one value: `{ gt: 50 }`, `{ in: ["fr", "de"] }`, or a bare
/// value, which means equality.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub op: Op,
    pub value: Value,
}

impl Comparison {
    /// Reads `{ op: value }` or a bare value.
    pub fn parse(value: &Value, field: &str) -> Result<Comparison, FieldError> {
        let Value::Object(fields) = value else {
            return match value {
                Value::Array(_) => Err(expected(CODE, field, "a value or { op: value }", value)
                    .with_fix("For a list use { in: [\"a\", \"b\"] }")),
                _ => Ok(Comparison {
                    op: Op::Eq,
                    value: value.clone(),
                }),
            };
        };
        match fields.as_slice() {
            [(name, operand)] => Comparison::with_op(name, operand, field),
            _ => Err(expected(CODE, field, "one comparison such as { gt: 50 }", value)
                .with_fix("Comparisons: eq, ne, gt, gte, lt, lte, contains, in, exists")),
        }
    }

    /// Reads the operand of operator `name` (`gt`, `in`, …).
    pub fn with_op(name: &str, operand: &Value, field: &str) -> Result<Comparison, FieldError> {
        let path = field_path(field, name);
        let Some((_, op)) = OPS.iter().find(|(n, _)| *n == name) else {
            return Err(FieldError::new(CODE, path, "is not a comparison")
                .with_fix("Comparisons: eq, ne, gt, gte, lt, lte, contains, in, exists"));
        };
        let fits = match op {
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => number(operand).is_some(),
            Op::Contains => operand.as_str().is_some(),
            Op::In => matches!(operand, Value::Array(_)),
            Op::Exists => operand.as_bool().is_some(),
            Op::Eq | Op::Ne => !matches!(operand, Value::Array(_) | Value::Object(_)),
        };
        if !fits {
            let what = match op {
                Op::Gt | Op::Gte | Op::Lt | Op::Lte => "a number",
                Op::Contains => "a string",
                Op::In => "an array of values",
                Op::Exists => "true or false",
                Op::Eq | Op::Ne => "a string, number, boolean or null",
            };
            return Err(expected(CODE, path, what, operand));
        }
        Ok(Comparison {
            op: *op,
            value: operand.clone(),
        })
    }

    /// Whether `actual` (absent: `None`) passes.
    pub fn test(&self, actual: Option<&Value>) -> bool {
        let Some(actual) = actual else {
            return match self.op {
                Op::Exists => self.value.as_bool() == Some(false),
                Op::Ne => true,
                _ => false,
            };
        };
        match self.op {
            Op::Eq => same(actual, &self.value),
            Op::Ne => !same(actual, &self.value),
            Op::Exists => self.value.as_bool() == Some(true),
            Op::Contains => match (actual, self.value.as_str()) {
                (Value::String(s), Some(part)) => crate::base::url::contains(s, part),
                (Value::Array(items), _) => items.iter().any(|item| same(item, &self.value)),
                _ => false,
            },
            Op::In => match &self.value {
                Value::Array(items) => items.iter().any(|item| same(actual, item)),
                _ => false,
            },
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => match (number(actual), number(&self.value)) {
                (Some(a), Some(b)) => match self.op {
                    Op::Gt => a > b,
                    Op::Gte => a >= b,
                    Op::Lt => a < b,
                    _ => a <= b,
                },
                _ => false,
            },
        }
    }

    /// `gt 50`, for explanations.
    pub fn describe(&self, out: &mut String) {
        let name = OPS.iter().find(|(_, op)| *op == self.op).map_or("", |(n, _)| *n);
        out.push_str(name);
        out.push(' ');
        self.value.write(out);
    }
}

/// Equality across JSON types as a site means it: `"42"` equals `42`.
fn same(a: &Value, b: &Value) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => x == y,
            _ => a == b,
        },
    }
}

/// A number, or a string holding one.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(text) => parse_f64(text),
        Value::String(text) => parse_f64(text.trim()),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UrlTest {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
}

const URL_TESTS: [(&str, UrlTest); 5] = [
    ("equals", UrlTest::Equals),
    ("contains", UrlTest::Contains),
    ("startsWith", UrlTest::StartsWith),
    ("endsWith", UrlTest::EndsWith),
    ("matches", UrlTest::Matches),
];

/// A page URL rule: `{ startsWith: "/checkout" }`, `{ notContains: "/admin" }`,
/// `{ matches: "^/products/\\d+$" }`. A text starting with `/` is compared
/// with the page's path; any other with the whole URL. A regular
/// expression is tried on both.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlRule {
    test: UrlTest,
    negated: bool,
    text: String,
    pattern: Option<Pattern>,
}

impl UrlRule {
    /// Reads one rule object, or an array of them (all must hold).
    pub fn parse_all(value: &Value, field: &str) -> Result<Vec<UrlRule>, FieldError> {
        crate::base::error::parse_one_or_many(value, field, UrlRule::parse)
    }

    pub fn parse(value: &Value, field: &str) -> Result<UrlRule, FieldError> {
        let fix = "URL rules: equals, contains, startsWith, endsWith, matches (a regular expression), \
                   or the same with not: notContains, …";
        let Value::Object(fields) = value else {
            return Err(expected(CODE, field, "a URL rule such as { startsWith: \"/checkout\" }", value).with_fix(fix));
        };
        let [(name, text)] = fields.as_slice() else {
            return Err(expected(CODE, field, "one URL rule per object", value).with_fix(fix));
        };
        // `notStartsWith` is `startsWith` negated.
        let rest = name.strip_prefix("not").filter(|r| !r.is_empty());
        let negated = rest.is_some();
        let bare: String = match rest {
            Some(rest) => {
                let mut chars = rest.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_lowercase())
                    .into_iter()
                    .chain(chars)
                    .collect()
            }
            None => name.clone(),
        };
        let path = field_path(field, name);
        let Some((_, test)) = URL_TESTS.iter().find(|(n, _)| *n == bare) else {
            return Err(FieldError::new(CODE, path, "is not a URL rule").with_fix(fix));
        };
        let Some(text) = text.as_str().filter(|t| t.len() <= 500) else {
            return Err(expected(CODE, path, "a string of at most 500 characters", text));
        };
        let pattern = match test {
            UrlTest::Matches => Some(Pattern::new(text).map_err(|problem| {
                let message = crate::words!(String::from("is not a regular expression this SDK reads: it ") + problem);
                FieldError::new(CODE, path, message)
            })?),
            _ => None,
        };
        Ok(UrlRule {
            test: *test,
            negated,
            text: text.to_string(),
            pattern,
        })
    }

    /// Whether the page at `url` (with path `path`) passes.
    pub fn test(&self, url: &str, path: &str) -> bool {
        let subject = if self.text.starts_with('/') { path } else { url };
        let hit = match self.test {
            UrlTest::Equals => subject == self.text,
            UrlTest::Contains => crate::base::url::contains(subject, &self.text),
            UrlTest::StartsWith => subject.starts_with(self.text.as_str()),
            UrlTest::EndsWith => subject.ends_with(self.text.as_str()),
            UrlTest::Matches => self
                .pattern
                .as_ref()
                .is_some_and(|p| p.is_match(path) || p.is_match(url)),
        };
        hit != self.negated
    }

    /// `url startsWith "/checkout"`, for explanations.
    pub fn describe(&self, out: &mut String) {
        out.push_str("url ");
        if self.negated {
            out.push_str("not ");
        }
        out.push_str(URL_TESTS.iter().find(|(_, t)| *t == self.test).map_or("", |(n, _)| *n));
        out.push(' ');
        crate::base::json::write_string(out, &self.text);
    }
}

/// What the audience is judged on, as of now.
#[derive(Clone, Debug, Default)]
pub struct Facts<'a> {
    /// The visitor has had a session before this one.
    pub returning: bool,
    pub channel: &'a str,
    /// `mobile`, `tablet` or `desktop`.
    pub device: &'a str,
    /// The page's and browser's languages, most preferred first (`fr-CA`).
    pub languages: Vec<&'a str>,
    /// Stages the journey reached in this session.
    pub stages: Vec<&'a str>,
    /// The traits given to `identify`, as an object.
    pub traits: Option<&'a Value>,
    pub url: &'a str,
    pub path: &'a str,
}

/// Who a survey is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Trait(String, Comparison),
    /// `visitor: "returning"` (true) or `"new"`.
    Returning(bool),
    Channel(Vec<String>),
    Device(Vec<String>),
    /// Base languages (`fr` matches `fr-CA`).
    Language(Vec<String>),
    StageReached(String),
    Url(UrlRule),
}

const AUDIENCE_FIX: &str = "Audience conditions: all, any, not, trait (with eq, gt, …), visitor (new or returning), \
                            channel, device, language, stageReached, url";

impl Condition {
    /// Reads an audience: an object whose keys are conditions (all must
    /// hold), `all`/`any` arrays, `not`, or an array (all must hold).
    pub fn parse(value: &Value, field: &str) -> Result<Condition, FieldError> {
        let fields = match value {
            Value::Array(items) => return Ok(Condition::All(Condition::list(items, field)?)),
            Value::Object(fields) if !fields.is_empty() => fields,
            _ => return Err(expected(CODE, field, "an audience object", value).with_fix(AUDIENCE_FIX)),
        };
        let mut all = Vec::new();
        let mut trait_op: Option<(&str, &Value)> = None;
        let mut trait_name = None;
        for (key, item) in fields {
            let path = field_path(field, key);
            let condition = match key.as_str() {
                "all" | "any" => {
                    let Value::Array(items) = item else {
                        return Err(expected(CODE, path, "an array of conditions", item));
                    };
                    let list = Condition::list(items, &path)?;
                    if key == "all" {
                        Condition::All(list)
                    } else {
                        Condition::Any(list)
                    }
                }
                "not" => Condition::Not(Box::new(Condition::parse(item, &path)?)),
                "trait" => {
                    let Some(name) = item.as_str().filter(|n| !n.is_empty()) else {
                        return Err(expected(CODE, path, "the name of a trait given to identify()", item));
                    };
                    trait_name = Some(name.to_string());
                    continue;
                }
                "visitor" => match item.as_str() {
                    Some("new") => Condition::Returning(false),
                    Some("returning") => Condition::Returning(true),
                    _ => return Err(expected(CODE, path, "new or returning", item)),
                },
                "channel" => Condition::Channel(names(item, &path)?),
                "device" => Condition::Device(names(item, &path)?),
                "language" => Condition::Language(names(item, &path)?),
                "stageReached" => match item.as_str() {
                    Some(stage) if !stage.is_empty() => Condition::StageReached(stage.to_string()),
                    _ => return Err(expected(CODE, path, "the name of a journey stage", item)),
                },
                "url" => Condition::Url(UrlRule::parse(item, &path)?),
                op if OPS.iter().any(|(n, _)| *n == op) => {
                    trait_op = Some((op, item));
                    continue;
                }
                _ => return Err(FieldError::new(CODE, path, "is not an audience condition").with_fix(AUDIENCE_FIX)),
            };
            all.push(condition);
        }
        match (trait_name, trait_op) {
            (Some(name), Some((op, operand))) => {
                let path = field_path(field, "trait");
                all.push(Condition::Trait(name, Comparison::with_op(op, operand, &path)?));
            }
            (Some(name), None) => all.push(Condition::Trait(
                name,
                Comparison {
                    op: Op::Exists,
                    value: Value::Bool(true),
                },
            )),
            (None, Some((op, _))) => {
                let path = field_path(field, op);
                return Err(FieldError::new(CODE, path, "compares nothing: name the trait")
                    .with_fix("e.g. { trait: 'plan', eq: 'pro' }"));
            }
            (None, None) => {}
        }
        Ok(if all.len() == 1 {
            all.pop().unwrap_or(Condition::All(Vec::new()))
        } else {
            Condition::All(all)
        })
    }

    fn list(items: &[Value], field: &str) -> Result<Vec<Condition>, FieldError> {
        crate::base::error::parse_each(items, field, Condition::parse)
    }

    /// Whether the condition holds; when it does not, `why` says which part failed.
    pub fn holds(&self, facts: &Facts, why: &mut String) -> bool {
        let ok = match self {
            Condition::All(list) => return list.iter().all(|c| c.holds(facts, why)),
            Condition::Any(list) => {
                let mut reasons = String::new();
                for condition in list {
                    let mut reason = String::new();
                    if condition.holds(facts, &mut reason) {
                        return true;
                    }
                    if !reasons.is_empty() {
                        reasons.push_str(" and ");
                    }
                    reasons.push_str(&reason);
                }
                why.push_str("none of any: ");
                why.push_str(&reasons);
                return false;
            }
            Condition::Not(inner) => !inner.holds(facts, &mut String::new()),
            Condition::Trait(name, comparison) => comparison.test(facts.traits.and_then(|t| t.get(name))),
            Condition::Returning(returning) => facts.returning == *returning,
            Condition::Channel(list) => list.iter().any(|c| c == facts.channel),
            Condition::Device(list) => list.iter().any(|d| d == facts.device),
            Condition::Language(list) => facts.languages.first().is_some_and(|l| {
                let base = l.split('-').next().unwrap_or(l);
                list.iter()
                    .any(|want| want.eq_ignore_ascii_case(l) || want.eq_ignore_ascii_case(base))
            }),
            Condition::StageReached(stage) => facts.stages.contains(&stage.as_str()),
            Condition::Url(rule) => rule.test(facts.url, facts.path),
        };
        if !ok {
            self.describe_failure(facts, why);
        }
        ok
    }

    fn describe_failure(&self, facts: &Facts, why: &mut String) {
        let (what, actual): (&str, &str) = match self {
            Condition::Not(_) => ("the not condition held", ""),
            Condition::Trait(name, comparison) => {
                why.push_str("trait ");
                why.push_str(name);
                why.push_str(" is ");
                match facts.traits.and_then(|t| t.get(name)) {
                    Some(value) => value.write(why),
                    None => why.push_str("not set"),
                }
                why.push_str(", wanted ");
                comparison.describe(why);
                return;
            }
            Condition::Returning(true) => ("visitor is new, wanted returning", ""),
            Condition::Returning(false) => ("visitor is returning, wanted new", ""),
            Condition::Channel(_) => ("channel is ", facts.channel),
            Condition::Device(_) => ("device is ", facts.device),
            Condition::Language(_) => ("language is ", facts.languages.first().copied().unwrap_or("unknown")),
            Condition::StageReached(_) => ("stage not reached: ", ""),
            Condition::Url(rule) => {
                why.push_str("page is ");
                why.push_str(facts.path);
                why.push_str(", wanted ");
                rule.describe(why);
                return;
            }
            Condition::All(_) | Condition::Any(_) => ("", ""),
        };
        why.push_str(what);
        why.push_str(actual);
        match self {
            Condition::Channel(list) | Condition::Device(list) | Condition::Language(list) => {
                why.push_str(", wanted ");
                why.push_str(&list.join(" or "));
            }
            Condition::StageReached(stage) => why.push_str(stage),
            _ => {}
        }
    }
}

/// A name or an array of names.
fn names(value: &Value, field: &str) -> Result<Vec<String>, FieldError> {
    let refuse = || expected(CODE, field, "a name or an array of names", value);
    if matches!(value, Value::Array(items) if items.is_empty()) {
        return Err(refuse());
    }
    crate::base::error::parse_one_or_many(value, field, |item, _| match item {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(refuse()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    fn comparison(json: &str) -> Comparison {
        Comparison::parse(&parse(json).unwrap(), "f").unwrap()
    }

    #[test]
    fn comparisons_cover_numbers_strings_lists_and_absence() {
        let total = |json: &str| parse(json).unwrap();
        assert!(comparison(r#"{"gt":50}"#).test(Some(&total("50.5"))));
        assert!(!comparison(r#"{"gt":50}"#).test(Some(&total("50"))));
        assert!(
            comparison(r#"{"gte":50}"#).test(Some(&total("\"50\""))),
            "a number in a string"
        );
        assert!(comparison(r#"{"lt":1e3}"#).test(Some(&total("999.99"))));
        assert!(!comparison(r#"{"lt":10}"#).test(Some(&total("\"ten\""))));
        assert!(comparison(r#""pro""#).test(Some(&total("\"pro\""))));
        assert!(comparison("42").test(Some(&total("\"42\""))));
        assert!(comparison(r#"{"ne":"pro"}"#).test(None));
        assert!(comparison(r#"{"in":["fr","de"]}"#).test(Some(&total("\"de\""))));
        assert!(comparison(r#"{"contains":"shoe"}"#).test(Some(&total("\"running shoes\""))));
        assert!(comparison(r#"{"exists":false}"#).test(None));
        assert!(!comparison(r#"{"gt":5}"#).test(None));
        assert_eq!(parse_f64("-12.5e1"), Some(-125.0));
        assert_eq!(parse_f64("1."), Some(1.0));
        assert_eq!(parse_f64("x1"), None);
    }

    #[test]
    fn bad_comparisons_name_their_field() {
        let error = |json: &str| Comparison::parse(&parse(json).unwrap(), "where.total").unwrap_err();
        assert_eq!(error(r#"{"gt":"lots"}"#).field, "where.total.gt");
        assert_eq!(error(r#"{"above":5}"#).field, "where.total.above");
        assert_eq!(error(r#"{"gt":1,"lt":5}"#).field, "where.total");
    }

    #[test]
    fn url_rules_compare_paths_or_whole_urls_and_can_be_negated() {
        let rule = |json: &str| UrlRule::parse(&parse(json).unwrap(), "url").unwrap();
        let (url, path) = ("https://shop.test/checkout/pay?utm_source=mail", "/checkout/pay");
        assert!(rule(r#"{"startsWith":"/checkout"}"#).test(url, path));
        assert!(!rule(r#"{"equals":"/checkout"}"#).test(url, path));
        assert!(rule(r#"{"equals":"/checkout/pay"}"#).test(url, path));
        assert!(rule(r#"{"contains":"utm_source=mail"}"#).test(url, path));
        assert!(rule(r#"{"endsWith":"/pay"}"#).test(url, path));
        assert!(rule(r#"{"notContains":"/admin"}"#).test(url, path));
        assert!(!rule(r#"{"notStartsWith":"/checkout"}"#).test(url, path));
        assert!(rule(r#"{"matches":"^/checkout/\\w+$"}"#).test(url, path));
        assert!(rule(r#"{"notMatches":"^/admin"}"#).test(url, path));
        let error = UrlRule::parse(&parse(r#"{"matches":"(a"}"#).unwrap(), "url").unwrap_err();
        assert_eq!(error.field, "url.matches");
        assert!(error.message().contains("has a ( without its )"), "{}", error.message());
        assert_eq!(
            UrlRule::parse(&parse(r#"{"begins":"/a"}"#).unwrap(), "url")
                .unwrap_err()
                .field,
            "url.begins"
        );
    }

    #[test]
    fn audiences_combine_and_say_why_they_fail() {
        let audience = |json: &str| Condition::parse(&parse(json).unwrap(), "audience").unwrap();
        let traits = parse(r#"{"plan":"pro","seats":12}"#).unwrap();
        let facts = Facts {
            returning: true,
            channel: "paid-search",
            device: "mobile",
            languages: vec!["fr-CA"],
            stages: vec!["awareness", "consideration"],
            traits: Some(&traits),
            url: "https://shop.test/a",
            path: "/a",
        };
        let mut why = String::new();
        assert!(
            audience(r#"{"visitor":"returning","device":["mobile","tablet"],"language":"fr"}"#).holds(&facts, &mut why)
        );
        assert!(audience(r#"{"trait":"seats","gte":10}"#).holds(&facts, &mut why));
        assert!(audience(r#"{"any":[{"channel":"email"},{"stageReached":"consideration"}]}"#).holds(&facts, &mut why));
        assert!(audience(r#"{"not":{"trait":"plan","eq":"free"}}"#).holds(&facts, &mut why));
        assert!(why.is_empty(), "{why}");
        let mut why = String::new();
        assert!(!audience(r#"{"all":[{"visitor":"returning"},{"device":"desktop"}]}"#).holds(&facts, &mut why));
        assert_eq!(why, "device is mobile, wanted desktop");
        let mut why = String::new();
        assert!(!audience(r#"{"trait":"seats","gt":20}"#).holds(&facts, &mut why));
        assert_eq!(why, "trait seats is 12, wanted gt 20");
        let mut why = String::new();
        assert!(!audience(r#"{"any":[{"channel":"email"},{"visitor":"new"}]}"#).holds(&facts, &mut why));
        assert_eq!(
            why,
            "none of any: channel is paid-search, wanted email and visitor is returning, wanted new"
        );
    }

    #[test]
    fn bad_audiences_name_their_field() {
        let error = |json: &str| Condition::parse(&parse(json).unwrap(), "audience").unwrap_err().field;
        assert_eq!(error(r#"{"visitor":"old"}"#), "audience.visitor");
        assert_eq!(
            error(r#"{"all":[{"device":"mobile"},{"colour":"red"}]}"#),
            "audience.all[1].colour"
        );
        assert_eq!(error(r#"{"gt":5}"#), "audience.gt");
        assert_eq!(error(r#"{"trait":"seats","gt":"many"}"#), "audience.trait.gt");
    }
}
