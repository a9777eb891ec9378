//! What the SDK captures by itself, as `init` configures it: page views of
//! single-page apps, declared touchpoints (HTML attributes and CSS
//! selectors), and the URL parameters never to record. The browser shell
//! installs the listeners; the options are validated here.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{describe, expected, item_path, FieldError};
use crate::base::json::{ObjectWriter, Value};

/// A touchpoint declared in `init` by CSS selector.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredTouchpoint {
    pub selector: String,
    pub name: String,
    pub stage: Option<String>,
    /// `click` (default) or `view` (the element entered the viewport).
    pub trigger: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Autocapture {
    /// Page views on history changes and hash routes (`captureSpaPageviews`).
    pub spa_pageviews: bool,
    /// A `replaceState` that changes only the query or state records no page view
    /// unless this is set (`pageviewOnReplaceState`).
    pub replace_state_pageviews: bool,
    /// `data-parcours-touchpoint` / `data-parcours-view` elements (`captureTouchpoints`).
    pub touchpoints: bool,
    /// Form starts, submits, abandonment, validation errors, outbound links and downloads (`captureForms`).
    pub forms: bool,
    /// Touchpoints declared by selector (`touchpoints`).
    pub declared: Vec<DeclaredTouchpoint>,
    /// Query parameters removed from every recorded URL (`stripQueryParams`).
    pub strip_params: Vec<String>,
    /// Parameters kept besides UTM tags and click ids (`keepQueryParams: [...]`).
    pub keep_params: Vec<String>,
    /// Every parameter kept but `strip_params` (`keepQueryParams: true`).
    pub keep_all_params: bool,
    /// Emails, phones, cards and tokens masked in URLs, titles, properties (`maskPersonalData`).
    pub mask: bool,
}

impl Default for Autocapture {
    fn default() -> Self {
        Autocapture {
            spa_pageviews: true,
            replace_state_pageviews: false,
            touchpoints: true,
            forms: true,
            declared: Vec::new(),
            strip_params: Vec::new(),
            keep_params: Vec::new(),
            keep_all_params: false,
            mask: true,
        }
    }
}

impl Autocapture {
    /// The settings the browser shell needs, as JSON.
    pub fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.bool("spaPageviews", self.spa_pageviews)
            .bool("replaceStatePageviews", self.replace_state_pageviews)
            .bool("touchpoints", self.touchpoints)
            .bool("forms", self.forms);
        let list = o.key("declared");
        list.push('[');
        for (i, t) in self.declared.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            let mut w = ObjectWriter::new(list);
            w.str("selector", &t.selector)
                .str("name", &t.name)
                .str("trigger", t.trigger);
            if let Some(stage) = &t.stage {
                w.str("stage", stage);
            }
            w.finish();
        }
        list.push(']');
        o.finish();
    }
}

const CODE: &str = "invalid_option";

/// Reads `options.touchpoints`: `[{ selector, name, stage?, trigger? }]`;
/// `stages` are the stage model's names.
pub fn parse_declared(value: &Value, stages: &[String]) -> Result<Vec<DeclaredTouchpoint>, FieldError> {
    let Value::Array(items) = value else {
        return Err(expected(CODE, "options.touchpoints", "an array", value));
    };
    let mut declared = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            return Err(FieldError::new(
                CODE,
                item_path("touchpoints", i, ""),
                "expected an object such as { selector: \".pricing-cta\", name: \"pricing-cta\" }",
            ));
        };
        let mut t = DeclaredTouchpoint {
            selector: String::new(),
            name: String::new(),
            stage: None,
            trigger: "click",
        };
        for (key, field) in fields {
            let text = match field.as_str() {
                Some(s) if !s.is_empty() && s.len() <= 500 => s.to_string(),
                _ => {
                    return Err(expected(
                        CODE,
                        item_path("touchpoints", i, key),
                        "a non-empty string",
                        field,
                    ))
                }
            };
            match key.as_str() {
                "selector" => t.selector = text,
                "name" => t.name = text,
                "stage" if stages.contains(&text) => t.stage = Some(text),
                "stage" => {
                    return Err(FieldError::new(
                        CODE,
                        item_path("touchpoints", i, "stage"),
                        crate::words!(describe(field) + " is not one of options.stages"),
                    ))
                }
                "trigger" => {
                    t.trigger = match text.as_str() {
                        "click" => "click",
                        "view" => "view",
                        _ => {
                            return Err(FieldError::new(
                                CODE,
                                item_path("touchpoints", i, "trigger"),
                                crate::words!("expected \"click\" or \"view\", got ".to_string() + &describe(field)),
                            ))
                        }
                    }
                }
                other => {
                    return Err(
                        FieldError::new(CODE, item_path("touchpoints", i, other), "is not a touchpoint field")
                            .with_fix("Use selector, name, stage, trigger"),
                    )
                }
            }
        }
        for (field, value) in [("selector", &t.selector), ("name", &t.name)] {
            if value.is_empty() {
                return Err(FieldError::new(CODE, item_path("touchpoints", i, field), "is required"));
            }
        }
        declared.push(t);
    }
    Ok(declared)
}

/// Reads `options.stripQueryParams`: parameter names.
pub fn parse_params(value: &Value) -> Result<Vec<String>, FieldError> {
    crate::base::error::string_list("options.stripQueryParams", "an array of parameter names", value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    fn stages() -> Vec<String> {
        crate::journey::stages::DEFAULT_STAGES
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn declared_touchpoints_are_validated() {
        let ok = parse_declared(&parse(r##"[{"selector":".cta","name":"cta"},{"selector":"#faq","name":"faq","trigger":"view","stage":"consideration"}]"##).unwrap(), &stages()).unwrap();
        assert_eq!(ok[0].trigger, "click");
        assert_eq!(ok[1].stage.as_deref(), Some("consideration"));
        let err = |t: &str| parse_declared(&parse(t).unwrap(), &stages()).unwrap_err().field;
        assert_eq!(err(r#"[{"selector":".cta"}]"#), "options.touchpoints[0].name");
        assert_eq!(
            err(r#"[{"selector":".cta","name":"x","trigger":"hover"}]"#),
            "options.touchpoints[0].trigger"
        );
        assert_eq!(
            err(r#"[{"selector":".cta","name":"x","stage":"nope"}]"#),
            "options.touchpoints[0].stage"
        );
        assert_eq!(
            err(r#"[{"selector":".cta","name":"x","on":"click"}]"#),
            "options.touchpoints[0].on"
        );
    }
}
