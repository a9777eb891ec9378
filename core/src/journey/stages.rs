//! The stage model (where a visitor is in the journey) and the rules that
//! map touchpoints to stages, validated at `init`.
//!
//! A rule names a stage and one or more conditions, all of which must hold:
//! `touchpoint` (the step's touchpoint name), `event` (the event name; page
//! views are `page_view`), `url` (the page path: a glob string, or
//! `{ exact | prefix | glob }`; in a glob `*` stays within one path segment
//! and `**` crosses segments) and `properties` (each key equal to the value).
//! When several rules match one step, the stage furthest along the model wins
//! (an "Order Completed" event on the checkout page is a purchase, even if
//! the checkout URL alone means decision).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{describe, expected, FieldError};
use crate::base::json::Value;

pub const DEFAULT_STAGES: [&str; 6] = [
    "awareness",
    "consideration",
    "decision",
    "purchase",
    "retention",
    "advocacy",
];

#[derive(Clone, Debug, PartialEq)]
pub enum UrlPattern {
    Exact(String),
    Prefix(String),
    Glob(String),
}

impl UrlPattern {
    pub fn matches(&self, path: &str) -> bool {
        match self {
            UrlPattern::Exact(p) => path == p,
            UrlPattern::Prefix(p) => path.starts_with(p.as_str()),
            UrlPattern::Glob(p) => glob(p.as_bytes(), path.as_bytes()),
        }
    }
}

/// `*` matches within a segment, `**` across segments.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') => {
            let across = pattern.get(1) == Some(&b'*');
            let rest = pattern.get(if across { 2 } else { 1 }..).unwrap_or_default();
            let mut i = 0;
            loop {
                if glob(rest, text.get(i..).unwrap_or_default()) {
                    return true;
                }
                match text.get(i) {
                    Some(b'/') if !across => return false,
                    Some(_) => i += 1,
                    None => return false,
                }
            }
        }
        Some(&c) => {
            text.first() == Some(&c) && glob(pattern.get(1..).unwrap_or_default(), text.get(1..).unwrap_or_default())
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageRule {
    /// Index into the stage model.
    pub stage: usize,
    pub touchpoint: Option<String>,
    pub event: Option<String>,
    pub url: Option<UrlPattern>,
    pub properties: Vec<(String, Value)>,
}

/// What a rule is matched against.
pub struct StepFacts<'a> {
    pub touchpoint: &'a str,
    pub event: &'a str,
    pub path: &'a str,
    pub properties: Option<&'a Value>,
}

impl StageRule {
    pub fn matches(&self, facts: &StepFacts) -> bool {
        self.touchpoint.as_deref().is_none_or(|t| t == facts.touchpoint)
            && self.event.as_deref().is_none_or(|e| e == facts.event)
            && self.url.as_ref().is_none_or(|u| u.matches(facts.path))
            && self
                .properties
                .iter()
                .all(|(key, expected)| facts.properties.and_then(|p| p.get(key)) == Some(expected))
    }

    /// Whether matching needs the event's properties parsed.
    pub fn needs_properties(&self) -> bool {
        !self.properties.is_empty()
    }
}

const CODE: &str = "invalid_option";

fn rule_error(index: usize, field: &str, problem: impl Into<String>) -> FieldError {
    FieldError::new(CODE, crate::base::error::item_path("stageRules", index, field), problem)
}

/// Reads `options.stages`: a non-empty list of distinct stage names.
pub fn parse_stages(value: &Value) -> Result<Vec<String>, FieldError> {
    let fix = "Give the stages in journey order, e.g. [\"awareness\", \"consideration\", \"purchase\"]";
    let Value::Array(items) = value else {
        return Err(expected(CODE, "options.stages", "an array of names", value).with_fix(fix));
    };
    let mut stages: Vec<String> = Vec::new();
    for item in items {
        match item.as_str() {
            Some(name) if !name.is_empty() && name.len() <= 64 && !stages.iter().any(|s| s == name) => {
                stages.push(name.to_string())
            }
            _ => {
                return Err(FieldError::new(
                    CODE,
                    "options.stages",
                    crate::words!(
                        "each stage must be a distinct name of 1 to 64 characters; got ".to_string() + &describe(item)
                    ),
                )
                .with_fix(fix))
            }
        }
    }
    if stages.is_empty() || stages.len() > 32 {
        return Err(FieldError::new(CODE, "options.stages", "must name 1 to 32 stages").with_fix(fix));
    }
    Ok(stages)
}

/// Reads `options.stageRules` against the stage model.
pub fn parse_rules(value: &Value, stages: &[String]) -> Result<Vec<StageRule>, FieldError> {
    let Value::Array(items) = value else {
        return Err(expected(CODE, "options.stageRules", "an array of rules", value));
    };
    let mut rules = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        rules.push(parse_rule(i, item, stages)?);
    }
    Ok(rules)
}

fn parse_rule(index: usize, value: &Value, stages: &[String]) -> Result<StageRule, FieldError> {
    let Value::Object(fields) = value else {
        return Err(rule_error(
            index,
            "",
            crate::words!(
                "expected an object such as { stage: \"decision\", url: \"/pricing\" }, got ".to_string()
                    + &describe(value)
            ),
        ));
    };
    let mut rule = StageRule {
        stage: usize::MAX,
        touchpoint: None,
        event: None,
        url: None,
        properties: Vec::new(),
    };
    for (key, field) in fields {
        let text = || match field.as_str() {
            Some(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(rule_error(
                index,
                key,
                crate::words!("expected a non-empty string, got ".to_string() + &describe(field)),
            )),
        };
        match key.as_str() {
            "stage" => {
                let name = text()?;
                rule.stage = stages.iter().position(|s| *s == name).ok_or_else(|| {
                    let problem = crate::words! {{
                        let mut problem = describe(field);
                        problem.push_str(" is not one of the stages (");
                        for (i, stage) in stages.iter().enumerate() {
                            if i > 0 {
                                problem.push_str(", ");
                            }
                            problem.push_str(stage);
                        }
                        problem.push(')');
                        problem
                    }};
                    rule_error(index, "stage", problem).with_fix("Use a name from options.stages, or add it there")
                })?;
            }
            "touchpoint" => rule.touchpoint = Some(text()?),
            "event" => rule.event = Some(text()?),
            "url" => rule.url = Some(parse_url(index, field)?),
            "properties" => match field {
                Value::Object(props) if !props.is_empty() => rule.properties = props.clone(),
                _ => {
                    return Err(rule_error(
                        index,
                        "properties",
                        crate::words!(
                            "expected a non-empty object of values to match, got ".to_string() + &describe(field)
                        ),
                    ))
                }
            },
            other => {
                return Err(rule_error(index, other, "is not a rule field")
                    .with_fix("A rule has stage and any of touchpoint, event, url, properties"));
            }
        }
    }
    if rule.stage == usize::MAX {
        return Err(rule_error(index, "stage", "is required").with_fix("Name the stage this rule leads to"));
    }
    if rule.touchpoint.is_none() && rule.event.is_none() && rule.url.is_none() && rule.properties.is_empty() {
        return Err(rule_error(index, "", "has no condition")
            .with_fix("Add at least one of touchpoint, event, url, properties"));
    }
    Ok(rule)
}

fn parse_url(index: usize, value: &Value) -> Result<UrlPattern, FieldError> {
    let check = |field: &str, pattern: &str| {
        if pattern.starts_with('/') {
            Ok(pattern.to_string())
        } else {
            Err(rule_error(
                index,
                field,
                crate::words!(
                    "must be a path starting with '/', got ".to_string() + &describe(&Value::String(pattern.into()))
                ),
            ))
        }
    };
    match value {
        Value::String(glob) => Ok(UrlPattern::Glob(check("url", glob)?)),
        Value::Object(fields) if fields.len() == 1 => {
            let (kind, pattern) = &fields[0];
            let Some(pattern) = pattern.as_str() else {
                return Err(rule_error(index, &("url.".to_string() + kind), "expected a string"));
            };
            let field = "url.".to_string() + kind;
            match kind.as_str() {
                "exact" => Ok(UrlPattern::Exact(check(&field, pattern)?)),
                "prefix" => Ok(UrlPattern::Prefix(check(&field, pattern)?)),
                "glob" => Ok(UrlPattern::Glob(check(&field, pattern)?)),
                _ => Err(rule_error(index, &field, "is not a URL match").with_fix("Use one of exact, prefix, glob")),
            }
        }
        _ => Err(rule_error(
            index,
            "url",
            crate::words!(
                "expected a glob string or { exact | prefix | glob: \"/path\" }, got ".to_string() + &describe(value)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    fn stages() -> Vec<String> {
        DEFAULT_STAGES.iter().map(|s| s.to_string()).collect()
    }

    fn rules(text: &str) -> Result<Vec<StageRule>, FieldError> {
        parse_rules(&parse(text).unwrap(), &stages())
    }

    fn facts<'a>(touchpoint: &'a str, event: &'a str, path: &'a str, properties: Option<&'a Value>) -> StepFacts<'a> {
        StepFacts {
            touchpoint,
            event,
            path,
            properties,
        }
    }

    #[test]
    fn globs_stay_within_segments_unless_doubled() {
        let g = |p: &str, t: &str| UrlPattern::Glob(p.into()).matches(t);
        assert!(g("/blog/*", "/blog/post-1"));
        assert!(!g("/blog/*", "/blog/2024/post-1"));
        assert!(g("/blog/**", "/blog/2024/post-1"));
        assert!(g("/p/*/reviews", "/p/beans/reviews"));
        assert!(g("/checkout*", "/checkout"));
        assert!(g("/checkout*", "/checkout-pay"));
        assert!(!g("/checkout", "/checkout/pay"));
        assert!(UrlPattern::Prefix("/checkout".into()).matches("/checkout/pay"));
        assert!(!UrlPattern::Exact("/checkout".into()).matches("/checkout/pay"));
    }

    #[test]
    fn every_condition_of_a_rule_must_hold() {
        let r = rules(r#"[{"stage":"purchase","event":"Order Completed","url":{"prefix":"/checkout"},"properties":{"plan":"pro"}}]"#).unwrap();
        let props = parse(r#"{"plan":"pro","n":1}"#).unwrap();
        let other = parse(r#"{"plan":"free"}"#).unwrap();
        assert_eq!(r[0].stage, 3);
        assert!(r[0].matches(&facts(
            "Order Completed",
            "Order Completed",
            "/checkout/done",
            Some(&props)
        )));
        assert!(!r[0].matches(&facts(
            "Order Completed",
            "Order Completed",
            "/checkout/done",
            Some(&other)
        )));
        assert!(!r[0].matches(&facts("Order Completed", "Order Completed", "/cart", Some(&props))));
        assert!(!r[0].matches(&facts("x", "Signed Up", "/checkout", Some(&props))));
        assert!(r[0].needs_properties());
    }

    #[test]
    fn invalid_rules_name_the_rule_and_the_problem() {
        let err = |text: &str| rules(text).unwrap_err();
        let e = err(r#"[{"stage":"decision","url":"/pricing"},{"stage":"purchse","event":"x"}]"#);
        assert_eq!(e.field, "options.stageRules[1].stage");
        assert!(
            e.problem
                .starts_with("\"purchse\" is not one of the stages (awareness, consideration"),
            "{}",
            e.problem
        );
        assert_eq!(err(r#"[{"stage":"decision"}]"#).problem, "has no condition");
        assert_eq!(err(r#"[{"event":"x"}]"#).field, "options.stageRules[0].stage");
        assert_eq!(
            err(r#"[{"stage":"decision","url":"pricing"}]"#).field,
            "options.stageRules[0].url"
        );
        assert_eq!(
            err(r#"[{"stage":"decision","url":{"regex":"/x"}}]"#).field,
            "options.stageRules[0].url.regex"
        );
        assert_eq!(
            err(r#"[{"stage":"decision","evnt":"x"}]"#).field,
            "options.stageRules[0].evnt"
        );
        assert_eq!(
            err(r#"[{"stage":"decision","properties":{}}]"#).field,
            "options.stageRules[0].properties"
        );
        assert_eq!(err(r#"["decision"]"#).field, "options.stageRules[0]");
    }

    #[test]
    fn stage_models_are_validated() {
        assert_eq!(parse_stages(&parse(r#"["a","b"]"#).unwrap()).unwrap(), vec!["a", "b"]);
        for bad in [r#"[]"#, r#"["a","a"]"#, r#"[""]"#, r#""a""#, r#"[1]"#] {
            assert_eq!(
                parse_stages(&parse(bad).unwrap()).unwrap_err().field,
                "options.stages",
                "{bad}"
            );
        }
    }
}
