//! Friction detectors: the rules that turn raw browser signals (clicks, DOM
//! or network activity, errors, timings, form events) into `friction`
//! events, each configurable in `options.friction`. The browser shell only
//! reports signals; it decides nothing.
//!
//! | detector | default | rule |
//! |---|---|---|
//! | `rageClicks` | 3 clicks, 1000 ms, 30 px | that many clicks within the time, all within the radius of the first |
//! | `deadClicks` | 1000 ms | a click on something interactive followed by no navigation, DOM change or request within the time |
//! | `errors` | on | uncaught errors and unhandled rejections (message cut to 200 characters, source without query) |
//! | `slowPageMs` | 3000 | page load or Largest Contentful Paint slower than this |
//! | `longFormRequired` | 7 | a form with more required fields than this |
//! | `repeatedInvalid` | 2 | a form refused by the browser this many times |
//! | form abandonment | on | a form started and left without submitting |
//! | `navigationLoops` | on | back-and-forth between the same two pages (A, B, A, B) |
//! | `ignore` | none | CSS selectors whose clicks are never friction |

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{expected, FieldError};
use crate::json::{ObjectWriter, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct FrictionConfig {
    /// (clicks, window ms, radius px); none when off.
    pub rage: Option<(u32, u64, u32)>,
    pub dead_click_ms: Option<u64>,
    pub errors: bool,
    pub slow_page_ms: Option<u64>,
    pub long_form_required: Option<u64>,
    pub repeated_invalid: Option<u64>,
    pub form_abandonment: bool,
    pub navigation_loops: bool,
    pub ignore: Vec<String>,
}

impl Default for FrictionConfig {
    fn default() -> Self {
        FrictionConfig {
            rage: Some((3, 1_000, 30)),
            dead_click_ms: Some(1_000),
            errors: true,
            slow_page_ms: Some(3_000),
            long_form_required: Some(7),
            repeated_invalid: Some(2),
            form_abandonment: true,
            navigation_loops: true,
            ignore: Vec::new(),
        }
    }
}

const CODE: &str = "invalid_option";

fn at(key: &str) -> String {
    "options.friction.".to_string() + key
}

/// Detectors set by a threshold (`false` turns them off): name, range, field.
type Threshold = (&'static str, u64, u64, fn(&mut FrictionConfig, Option<u64>));
const THRESHOLDS: &[Threshold] = &[
    ("deadClicks", 100, 10_000, |c, v| c.dead_click_ms = v),
    ("slowPageMs", 100, 60_000, |c, v| c.slow_page_ms = v),
    ("longFormRequired", 1, 100, |c, v| c.long_form_required = v),
    ("repeatedInvalid", 1, 100, |c, v| c.repeated_invalid = v),
];

/// Detectors switched by `true` / `false`.
type Flag = (&'static str, fn(&mut FrictionConfig, bool));
const FLAGS: &[Flag] = &[
    ("errors", |c, v| c.errors = v),
    ("formAbandonment", |c, v| c.form_abandonment = v),
    ("navigationLoops", |c, v| c.navigation_loops = v),
];

/// Reads `options.friction`. (Tables rather than a match arm per detector:
/// each costs a row, not code, in the browser bundle.)
pub fn parse_friction(value: &Value) -> Result<FrictionConfig, FieldError> {
    let Value::Object(fields) = value else {
        return Err(expected(CODE, "options.friction", "an object", value));
    };
    let mut c = FrictionConfig::default();
    for (key, v) in fields {
        if let Some((_, min, max, set)) = THRESHOLDS.iter().find(|t| t.0 == key) {
            let n = match v {
                Value::Bool(false) => None,
                _ => Some(
                    v.as_u64()
                        .filter(|n| (*min..=*max).contains(n))
                        .ok_or_else(|| expected(CODE, at(key), "false or a number in range", v))?,
                ),
            };
            set(&mut c, n);
        } else if let Some((_, set)) = FLAGS.iter().find(|f| f.0 == key) {
            set(
                &mut c,
                v.as_bool().ok_or_else(|| expected(CODE, at(key), "true or false", v))?,
            );
        } else if key == "ignore" {
            c.ignore = crate::config::string_list(&at(key), "an array of CSS selectors", v)?;
        } else if key == "rageClicks" {
            c.rage = match v {
                Value::Bool(false) => None,
                Value::Object(_) => {
                    let mut rage = [3, 1_000, 30];
                    for (i, (name, min, max)) in [("clicks", 2, 20), ("withinMs", 100, 10_000), ("radiusPx", 1, 500)]
                        .iter()
                        .enumerate()
                    {
                        if let Some(n) = v.get(name) {
                            let ok = n.as_u64().filter(|n| (*min..=*max).contains(n));
                            rage[i] =
                                ok.ok_or_else(|| expected(CODE, at("rageClicks.") + name, "a number in range", n))?;
                        }
                    }
                    Some((rage[0] as u32, rage[1], rage[2] as u32))
                }
                _ => return Err(expected(CODE, at(key), "false or { clicks, withinMs, radiusPx }", v)),
            };
        } else {
            return Err(FieldError::new(CODE, at(key), "is not a friction detector").with_fix(
                "Use rageClicks, deadClicks, errors, slowPageMs, longFormRequired, repeatedInvalid, formAbandonment, navigationLoops, ignore",
            ));
        }
    }
    Ok(c)
}

impl FrictionConfig {
    /// What the browser shell needs: which signals to report, and the ignore list.
    pub fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.bool("clicks", self.rage.is_some() || self.dead_click_ms.is_some())
            .bool("errors", self.errors)
            .bool("timing", self.slow_page_ms.is_some());
        let list = o.key("ignore");
        list.push('[');
        for (i, selector) in self.ignore.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            crate::json::write_string(list, selector);
        }
        list.push(']');
        o.finish();
    }
}

/// The detectors' memory between signals (one page's worth).
#[derive(Clone, Debug, Default)]
pub struct FrictionState {
    /// Clicks of the current rage cluster: (x, y, t).
    cluster: Vec<(i64, i64, u64)>,
    /// An interactive click waiting for a reaction: (t, target).
    pending_dead: Option<(u64, String)>,
}

impl FrictionState {
    /// A click at (x, y) at `t`; returns the friction it completes, if any.
    pub fn click(
        &mut self,
        config: &FrictionConfig,
        x: i64,
        y: i64,
        t: u64,
        interactive: bool,
        target: &str,
    ) -> Option<&'static str> {
        if interactive && config.dead_click_ms.is_some() {
            self.pending_dead = Some((t, target.to_string()));
        }
        let (clicks, window, radius) = config.rage?;
        let radius = radius as i64;
        let fits = |&(fx, fy, ft): &(i64, i64, u64)| {
            t.saturating_sub(ft) <= window && (x - fx).pow(2) + (y - fy).pow(2) <= radius * radius
        };
        if !self.cluster.first().is_some_and(fits) {
            self.cluster.clear();
        }
        self.cluster.push((x, y, t));
        if self.cluster.len() as u32 >= clicks {
            self.cluster.clear();
            self.pending_dead = None; // a rage click is not also a dead click
            return Some("rage_click");
        }
        None
    }

    /// The page reacted (DOM change, request, navigation) at `t`.
    pub fn activity(&mut self, t: u64) {
        if self.pending_dead.as_ref().is_some_and(|(click, _)| t >= *click) {
            self.pending_dead = None;
        }
    }

    /// A dead click whose wait is over at `now`: its target.
    pub fn due_dead_click(&mut self, config: &FrictionConfig, now: u64) -> Option<String> {
        let window = config.dead_click_ms?;
        match &self.pending_dead {
            Some((t, _)) if now.saturating_sub(*t) >= window => self.pending_dead.take().map(|(_, target)| target),
            _ => None,
        }
    }

    /// When a pending dead click will be due.
    pub fn dead_click_deadline(&self, config: &FrictionConfig) -> Option<u64> {
        Some(self.pending_dead.as_ref()?.0 + config.dead_click_ms?)
    }
}

/// Cuts a browser error message to 200 characters (on a character boundary)
/// and a source URL to origin and path: no query strings, no long payloads.
pub fn scrub_error(message: &str, source: &str) -> (String, String) {
    let cut = message.char_indices().nth(200).map_or(message.len(), |(i, _)| i);
    let message = message.get(..cut).unwrap_or_default().to_string();
    let source_end = source
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(source.len());
    (message, source.get(..source_end).unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn three_quick_clicks_in_one_spot_are_a_rage_click() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        assert_eq!(s.click(&c, 100, 100, 0, true, "button#buy"), None);
        assert_eq!(s.click(&c, 110, 105, 300, true, "button#buy"), None);
        assert_eq!(s.click(&c, 104, 120, 600, true, "button#buy"), Some("rage_click"));
        assert_eq!(s.due_dead_click(&c, 5_000), None, "not also a dead click");
        // Too slow, or too far apart: no rage.
        s.click(&c, 0, 0, 10_000, false, "");
        s.click(&c, 0, 0, 10_600, false, "");
        assert_eq!(s.click(&c, 0, 0, 11_200, false, ""), None);
        s.click(&c, 0, 0, 20_000, false, "");
        s.click(&c, 50, 0, 20_100, false, "");
        assert_eq!(s.click(&c, 100, 0, 20_200, false, ""), None);
    }

    #[test]
    fn an_interactive_click_without_reaction_is_a_dead_click() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        s.click(&c, 0, 0, 1_000, true, "button#pay");
        assert_eq!(s.dead_click_deadline(&c), Some(2_000));
        assert_eq!(s.due_dead_click(&c, 1_500), None);
        assert_eq!(s.due_dead_click(&c, 2_000).as_deref(), Some("button#pay"));
        s.click(&c, 0, 0, 3_000, true, "a#next");
        s.activity(3_200);
        assert_eq!(s.due_dead_click(&c, 9_000), None, "the page reacted");
        s.click(&c, 0, 0, 4_000, false, "p");
        assert_eq!(s.due_dead_click(&c, 9_000), None, "not interactive");
    }

    #[test]
    fn detectors_are_configured_or_switched_off() {
        let c = parse_friction(
            &parse(r#"{"rageClicks":{"clicks":4},"deadClicks":false,"slowPageMs":5000,"ignore":[".carousel"]}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(c.rage, Some((4, 1_000, 30)));
        assert_eq!(c.dead_click_ms, None);
        assert_eq!(c.slow_page_ms, Some(5_000));
        assert_eq!(c.ignore, vec![".carousel"]);
        let err = |t: &str| parse_friction(&parse(t).unwrap()).unwrap_err().field;
        assert_eq!(
            err(r#"{"rageClicks":{"clicks":1}}"#),
            "options.friction.rageClicks.clicks"
        );
        assert_eq!(err(r#"{"slowPageMs":"fast"}"#), "options.friction.slowPageMs");
        assert_eq!(err(r#"{"rage":true}"#), "options.friction.rage");
    }

    #[test]
    fn errors_lose_long_payloads_and_query_strings() {
        let long = "x".repeat(500);
        let (m, s) = scrub_error(&long, "https://shop.example/app.js?token=abc#x");
        assert_eq!(m.len(), 200);
        assert_eq!(s, "https://shop.example/app.js");
    }
}
