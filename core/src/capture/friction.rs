//! Friction detectors: the rules that turn raw browser signals (clicks, DOM
//! or network activity, errors, timings, form events) into `friction`
//! events, each configurable in `options.friction`. The browser shell only
//! reports signals; it decides nothing.
//!
//! | detector | default | rule |
//! |---|---|---|
//! | `rageClicks` | 3 clicks, 1000 ms, 30 px | that many clicks within the time, all within the radius of the first; one burst is one rage click (`clicks`, and `dead` when nothing reacted), never also a dead click |
//! | `deadClicks` | 1000 ms | a click on something interactive followed by no navigation, DOM change or request within the time |
//! | `errors` | on | uncaught errors and unhandled rejections (message cut to 200 characters, source without query) |
//! | `errorClicks` | 1000 ms | an error that follows a click within the time is an `error_click` (with the click's target), neither a `js_error` nor a dead click |
//! | `slowPageMs` | 3000 | page load or Largest Contentful Paint slower than this |
//! | `longFormRequired` | 7 | a form with more required fields than this |
//! | `repeatedInvalid` | 2 | a form refused by the browser this many times |
//! | form abandonment | on | a form started and left without submitting |
//! | `navigationLoops` | on | back-and-forth between the same two pages (A, B, A, B) |
//! | `quickBackMs` | 5000 | back to the previous page (A, B, A) within the time of landing on B: a `quick_back` on B |
//! | `slowInteractionMs` | 500 | a click, tap or key whose next paint took this long (Event Timing, as INP): a `slow_interaction` (see `vitals`) |
//! | `layoutShift` | 0.25 | the page's Cumulative Layout Shift reaching this: a `layout_shift` |
//! | `excessiveScrolls` | 4 | scrolling back and forth: this many turns (each after moving at least half a screen) within 10 s, a `excessive_scroll` once per page |
//! | `webVitals` | on | LCP, INP and CLS measured on each page step (`vitals`) |
//! | `ignore` | none | CSS selectors whose clicks are never friction |

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, FieldError};
use crate::base::json::{ObjectWriter, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct FrictionConfig {
    /// (clicks, window ms, radius px); none when off.
    pub rage: Option<(u32, u64, u32)>,
    pub dead_click_ms: Option<u64>,
    pub errors: bool,
    /// An error this soon after a click is an error click.
    pub error_click_ms: Option<u64>,
    pub slow_page_ms: Option<u64>,
    pub long_form_required: Option<u64>,
    pub repeated_invalid: Option<u64>,
    pub form_abandonment: bool,
    pub navigation_loops: bool,
    /// Back to the previous page this soon after landing.
    pub quick_back_ms: Option<u64>,
    pub slow_interaction_ms: Option<u64>,
    /// Thousandths of CLS.
    pub layout_shift: Option<u64>,
    /// Turns of scrolling within `SCROLL_WINDOW_MS`.
    pub excessive_scrolls: Option<u64>,
    pub web_vitals: bool,
    pub ignore: Vec<String>,
}

/// How long excessive scrolling's turns are counted over.
pub const SCROLL_WINDOW_MS: u64 = 10_000;

impl Default for FrictionConfig {
    fn default() -> Self {
        FrictionConfig {
            rage: Some((3, 1_000, 30)),
            dead_click_ms: Some(1_000),
            errors: true,
            error_click_ms: Some(1_000),
            slow_page_ms: Some(3_000),
            long_form_required: Some(7),
            repeated_invalid: Some(2),
            form_abandonment: true,
            navigation_loops: true,
            quick_back_ms: Some(5_000),
            slow_interaction_ms: Some(500),
            layout_shift: Some(250),
            excessive_scrolls: Some(4),
            web_vitals: true,
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
    ("errorClicks", 100, 10_000, |c, v| c.error_click_ms = v),
    ("quickBackMs", 500, 60_000, |c, v| c.quick_back_ms = v),
];

/// The page-experience thresholds (the `vitals` feature).
const VITAL_THRESHOLDS: &[Threshold] = if cfg!(feature = "vitals") {
    &[
        ("slowInteractionMs", 100, 10_000, |c, v| c.slow_interaction_ms = v),
        ("excessiveScrolls", 2, 50, |c, v| c.excessive_scrolls = v),
    ]
} else {
    &[]
};

/// Detectors switched by `true` / `false`.
type Flag = (&'static str, fn(&mut FrictionConfig, bool));
const FLAGS: &[Flag] = &[
    ("errors", |c, v| c.errors = v),
    ("formAbandonment", |c, v| c.form_abandonment = v),
    ("navigationLoops", |c, v| c.navigation_loops = v),
];

/// The page-experience switch (the `vitals` feature).
const VITAL_FLAGS: &[Flag] = if cfg!(feature = "vitals") {
    &[("webVitals", |c, v| c.web_vitals = v)]
} else {
    &[]
};

/// The detectors read by their own branch of `parse_friction`.
const OWN: &[&str] = if cfg!(feature = "vitals") {
    &["rageClicks", "layoutShift", "ignore"]
} else {
    &["rageClicks", "ignore"]
};

/// Reads `options.friction`. (Tables rather than a match arm per detector:
/// each costs a row, not code, in the browser bundle.)
pub fn parse_friction(value: &Value) -> Result<FrictionConfig, FieldError> {
    let Value::Object(fields) = value else {
        return Err(expected(CODE, "options.friction", "an object", value));
    };
    let mut c = FrictionConfig::default();
    for (key, v) in fields {
        if let Some((_, min, max, set)) = THRESHOLDS.iter().chain(VITAL_THRESHOLDS).find(|t| t.0 == key) {
            let n = match v {
                Value::Bool(false) => None,
                _ => Some(
                    v.as_u64()
                        .filter(|n| (*min..=*max).contains(n))
                        .ok_or_else(|| expected(CODE, at(key), "false or a number in range", v))?,
                ),
            };
            set(&mut c, n);
        } else if let Some((_, set)) = FLAGS.iter().chain(VITAL_FLAGS).find(|f| f.0 == key) {
            set(
                &mut c,
                v.as_bool().ok_or_else(|| expected(CODE, at(key), "true or false", v))?,
            );
        } else if cfg!(feature = "vitals") && key == "layoutShift" {
            c.layout_shift = match v {
                Value::Bool(false) => None,
                Value::Number(text) => crate::base::num::parse_thousandths(text).filter(|n| (10..=5_000).contains(n)),
                _ => None,
            }
            .map(Some)
            .ok_or_else(|| expected(CODE, at(key), "false or a number from 0.01 to 5", v))?;
        } else if key == "ignore" {
            c.ignore = crate::base::error::string_list(&at(key), "an array of CSS selectors", v)?;
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
            // The detectors this build reads, from the tables and `OWN`.
            let fix = crate::words! {{
                let names = THRESHOLDS.iter().chain(VITAL_THRESHOLDS).map(|t| t.0);
                let names = names.chain(FLAGS.iter().chain(VITAL_FLAGS).map(|f| f.0));
                let names: Vec<&str> = names.chain(OWN.iter().copied()).collect();
                String::from("Use ") + &names.join(", ")
            }};
            return Err(FieldError::new(CODE, at(key), "is not a friction detector").with_fix(fix));
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
            .bool("timing", self.slow_page_ms.is_some())
            .bool(
                "vitals",
                cfg!(feature = "vitals")
                    && (self.web_vitals || self.slow_interaction_ms.is_some() || self.layout_shift.is_some()),
            )
            .bool("scroll", cfg!(feature = "vitals") && self.excessive_scrolls.is_some());
        let list = o.key("ignore");
        list.push('[');
        for (i, selector) in self.ignore.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            crate::base::json::write_string(list, selector);
        }
        list.push(']');
        o.finish();
    }
}

/// The detectors' memory between signals (one page's worth).
#[derive(Clone, Debug, Default)]
pub struct FrictionState {
    /// Clicks of the current burst: (x, y, t).
    cluster: Vec<(i64, i64, u64)>,
    /// The element the burst began on.
    burst_target: String,
    /// Clicks of the burst once it is a rage click (0 before).
    rage_clicks: u32,
    /// The page reacted since the burst began.
    reacted: bool,
    /// An interactive click waiting for a reaction: (t, target).
    pending_dead: Option<(u64, String)>,
    /// Scrolling: its direction (−1 up, 1 down, 0 not yet) and the furthest
    /// point reached in it; none before the first position.
    #[cfg(feature = "vitals")]
    scrolling: Option<(i64, i64)>,
    /// When scrolling turned, in order.
    #[cfg(feature = "vitals")]
    turns: Vec<u64>,
    #[cfg(feature = "vitals")]
    scroll_flagged: bool,
}

/// Friction a click detector found: its type and its fields (JSON members).
pub type Found = (&'static str, String);

impl FrictionState {
    /// Whether an error at `t` followed a click within `within` ms; if so,
    /// the click's target is added to the error's `fields`, and the click is
    /// not also a dead click: one moment, one friction point.
    pub fn error_after_click(&mut self, within: Option<u64>, t: u64, fields: &mut String) -> bool {
        let Some(&(_, _, at)) = self.cluster.last() else {
            return false;
        };
        if t.saturating_sub(at) > within.unwrap_or(0) || within.is_none() {
            return false;
        }
        if self.pending_dead.as_ref().is_some_and(|(pending, _)| *pending == at) {
            self.pending_dead = None;
        }
        fields.push_str(",\"target\":");
        crate::base::json::write_string(fields, &self.burst_target);
        true
    }

    /// A click at (x, y) at `t`. One burst of clicks is one friction point:
    /// once `clicks` fall within the time and the radius of the first, the
    /// burst is a rage click; it goes on while clicks keep coming within the
    /// time of the previous one, and is reported when it ends (`due`, or a
    /// click elsewhere) with its click count and `dead` when the page never
    /// reacted. Returns the burst this click ended, if it was a rage click.
    pub fn click(
        &mut self,
        config: &FrictionConfig,
        x: i64,
        y: i64,
        t: u64,
        interactive: bool,
        target: &str,
    ) -> Option<Found> {
        let (clicks, window, radius) = config.rage.unwrap_or((u32::MAX, 0, 0));
        let radius = radius as i64;
        let continues = match (self.cluster.first(), self.cluster.last()) {
            (Some(&(fx, fy, ft)), Some(&(_, _, lt))) => {
                let since = if self.rage_clicks > 0 { lt } else { ft };
                t.saturating_sub(since) <= window && (x - fx).pow(2) + (y - fy).pow(2) <= radius * radius
            }
            _ => false,
        };
        let mut ended = None;
        if !continues {
            ended = self.end_burst();
            self.cluster.clear();
            self.burst_target = target.to_string();
            self.reacted = false;
        }
        self.cluster.push((x, y, t));
        if self.cluster.len() as u32 >= clicks {
            self.rage_clicks = self.cluster.len() as u32;
        }
        if interactive && config.dead_click_ms.is_some() {
            self.pending_dead = Some((t, target.to_string()));
        }
        ended
    }

    /// Ends the current burst: the rage click it was, if it was one (its dead
    /// clicks are part of it).
    pub fn end_burst(&mut self) -> Option<Found> {
        if self.rage_clicks == 0 {
            return None;
        }
        let mut fields = String::from("\"target\":");
        crate::base::json::write_string(&mut fields, &self.burst_target);
        fields.push_str(",\"clicks\":");
        crate::base::num::push_u64(&mut fields, self.rage_clicks as u64);
        fields.push_str(if self.reacted {
            ",\"dead\":false"
        } else {
            ",\"dead\":true"
        });
        self.rage_clicks = 0;
        self.cluster.clear();
        self.pending_dead = None;
        Some(("rage_click", fields))
    }

    #[cfg(feature = "vitals")]
    /// The page scrolled to `y` at `t` (`screen` px high): scrolling back
    /// and forth is excessive once it turned `excessive_scrolls` times within
    /// `SCROLL_WINDOW_MS`, each turn after moving half a screen or more.
    pub fn scroll(&mut self, config: &FrictionConfig, y: i64, screen: i64, t: u64) -> Option<Found> {
        let need = config.excessive_scrolls?;
        if self.scroll_flagged {
            return None;
        }
        let half = (screen / 2).max(1);
        let (direction, furthest) = self.scrolling.unwrap_or((0, y));
        let moved = y - furthest;
        self.scrolling = Some(if direction == 0 {
            if moved.abs() < half {
                (0, furthest)
            } else {
                (moved.signum(), y)
            }
        } else if moved * direction >= 0 {
            (direction, y)
        } else if -moved * direction >= half {
            self.turns.push(t);
            (-direction, y)
        } else {
            (direction, furthest)
        });
        // The turn `need` turns back (the turns come in order of time).
        let first = self
            .turns
            .len()
            .checked_sub(need as usize)
            .and_then(|i| self.turns.get(i));
        let excessive = first.is_some_and(|first| t.saturating_sub(*first) < SCROLL_WINDOW_MS);
        excessive.then(|| {
            self.scroll_flagged = true;
            let mut fields = String::from("\"turns\":");
            crate::base::num::push_u64(&mut fields, need);
            ("excessive_scroll", fields)
        })
    }

    /// The page reacted (DOM change, request, navigation) at `t`.
    pub fn activity(&mut self, t: u64) {
        self.reacted = true;
        if self.pending_dead.as_ref().is_some_and(|(click, _)| t >= *click) {
            self.pending_dead = None;
        }
    }

    /// What is due at `now`: a rage click whose burst is over (no click
    /// within the time, nor a reaction within the dead-click wait), or a dead
    /// click whose wait is over.
    pub fn due(&mut self, config: &FrictionConfig, now: u64) -> Option<Found> {
        let at = self.deadline(config)?;
        if now < at {
            return None;
        }
        if self.rage_clicks > 0 {
            return self.end_burst();
        }
        let (_, target) = self.pending_dead.take()?;
        let mut fields = String::from("\"target\":");
        crate::base::json::write_string(&mut fields, &target);
        Some(("dead_click", fields))
    }

    /// When `due` will have something.
    pub fn deadline(&self, config: &FrictionConfig) -> Option<u64> {
        let dead_wait = config.dead_click_ms.unwrap_or(0);
        if self.rage_clicks > 0 {
            let last = self.cluster.last().map_or(0, |c| c.2);
            let window = config.rage.map_or(0, |r| r.1);
            return Some(last + window.max(dead_wait));
        }
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
    use crate::base::json::parse;

    #[test]
    fn three_quick_clicks_in_one_spot_are_a_rage_click() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        assert_eq!(s.click(&c, 100, 100, 0, true, "button#buy"), None);
        assert_eq!(s.click(&c, 110, 105, 300, true, "button#buy"), None);
        assert_eq!(
            s.click(&c, 104, 120, 600, true, "button#buy"),
            None,
            "reported when the burst ends"
        );
        assert_eq!(s.deadline(&c), Some(1_600));
        assert_eq!(s.due(&c, 1_599), None);
        let (kind, fields) = s.due(&c, 1_600).unwrap();
        assert_eq!(kind, "rage_click");
        assert_eq!(fields, r#""target":"button#buy","clicks":3,"dead":true"#);
        assert_eq!(s.due(&c, 5_000), None, "not also a dead click");
        // Too slow, or too far apart: no rage.
        s.click(&c, 0, 0, 10_000, false, "");
        s.click(&c, 0, 0, 10_600, false, "");
        assert_eq!(s.click(&c, 0, 0, 11_200, false, ""), None);
        s.click(&c, 0, 0, 20_000, false, "");
        s.click(&c, 50, 0, 20_100, false, "");
        s.click(&c, 100, 0, 20_200, false, "");
        assert_eq!(s.due(&c, 30_000), None);
    }

    /// Worked out by hand (issue 22): four quick clicks on a button that
    /// does nothing are one friction point, a rage click of four clicks,
    /// marked dead; a page that reacts makes it a rage click that is not.
    #[test]
    fn one_burst_of_clicks_is_one_rage_click_marked_dead_when_nothing_reacted() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        for (i, t) in [0, 200, 400, 600].into_iter().enumerate() {
            assert_eq!(s.click(&c, 100 + i as i64, 100, t, true, "button#apply"), None);
        }
        let mut found = Vec::new();
        for now in (600..5_000).step_by(100) {
            found.extend(s.due(&c, now));
        }
        assert_eq!(
            found,
            [(
                "rage_click",
                String::from(r#""target":"button#apply","clicks":4,"dead":true"#)
            )]
        );
        // A click elsewhere ends a burst at once; a reaction means not dead.
        for t in [10_000, 10_100, 10_200] {
            s.click(&c, 0, 0, t, true, "a#more");
        }
        s.activity(10_300);
        let ended = s.click(&c, 500, 500, 10_400, false, "p");
        assert_eq!(
            ended,
            Some((
                "rage_click",
                String::from(r#""target":"a#more","clicks":3,"dead":false"#)
            ))
        );
        assert_eq!(s.due(&c, 20_000), None);
    }

    #[test]
    fn an_interactive_click_without_reaction_is_a_dead_click() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        s.click(&c, 0, 0, 1_000, true, "button#pay");
        assert_eq!(s.deadline(&c), Some(2_000));
        assert_eq!(s.due(&c, 1_500), None);
        assert_eq!(
            s.due(&c, 2_000),
            Some(("dead_click", String::from(r#""target":"button#pay""#)))
        );
        s.click(&c, 0, 0, 3_000, true, "a#next");
        s.activity(3_200);
        assert_eq!(s.due(&c, 9_000), None, "the page reacted");
        s.click(&c, 0, 0, 4_000, false, "p");
        assert_eq!(s.due(&c, 9_000), None, "not interactive");
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

    /// Worked out by hand on an 800 px screen (a turn needs 400 px): down
    /// to 1200, up to 700 (turn 1), down to 1500 (turn 2), up to 300 (turn
    /// 3), a wiggle of 100 px (no turn), down to 1000 (turn 4): excessive,
    /// once; the same turns spread over 40 s are not.
    #[cfg(feature = "vitals")]
    #[test]
    fn scrolling_back_and_forth_is_excessive_once_it_turns_four_times_within_ten_seconds() {
        let c = FrictionConfig::default();
        let mut s = FrictionState::default();
        let mut found = Vec::new();
        for (i, y) in [0, 600, 1_200, 700, 1_500, 300, 400, 300, 1_000]
            .into_iter()
            .enumerate()
        {
            found.extend(s.scroll(&c, y, 800, i as u64 * 1_000));
        }
        assert_eq!(found, [("excessive_scroll", String::from(r#""turns":4"#))]);
        assert_eq!(s.scroll(&c, 0, 800, 9_500), None, "once per page");
        let mut s = FrictionState::default();
        let mut found = Vec::new();
        for (i, y) in [0, 1_200, 700, 1_500, 300, 1_000, 0].into_iter().enumerate() {
            found.extend(s.scroll(&c, y, 800, i as u64 * 6_000));
        }
        assert_eq!(found, [], "turns too far apart");
        let off = FrictionConfig {
            excessive_scrolls: None,
            ..FrictionConfig::default()
        };
        assert_eq!(FrictionState::default().scroll(&off, 0, 800, 0), None);
    }

    #[cfg(feature = "vitals")]
    #[test]
    fn the_vitals_detectors_are_configured_or_switched_off() {
        let c = parse_friction(
            &parse(r#"{"slowInteractionMs":300,"layoutShift":0.1,"excessiveScrolls":false,"webVitals":false}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(c.slow_interaction_ms, Some(300));
        assert_eq!(c.layout_shift, Some(100));
        assert_eq!(c.excessive_scrolls, None);
        assert!(!c.web_vitals);
        let err = |t: &str| parse_friction(&parse(t).unwrap()).unwrap_err();
        let e = err(r#"{"layoutShift":7}"#);
        assert_eq!(e.field, "options.friction.layoutShift");
        assert_eq!(e.code, "invalid_option");
        assert_eq!(err(r#"{"layoutShift":"0.2"}"#).field, "options.friction.layoutShift");
        assert_eq!(
            err(r#"{"slowInteractionMs":50}"#).field,
            "options.friction.slowInteractionMs"
        );
        // An unknown detector's fix names every one this build reads.
        assert_eq!(
            err(r#"{"vitals":true}"#).fix,
            "Use deadClicks, slowPageMs, longFormRequired, repeatedInvalid, errorClicks, quickBackMs, \
             slowInteractionMs, excessiveScrolls, errors, formAbandonment, navigationLoops, webVitals, \
             rageClicks, layoutShift, ignore"
        );
    }

    #[test]
    fn errors_lose_long_payloads_and_query_strings() {
        let long = "x".repeat(500);
        let (m, s) = scrub_error(&long, "https://shop.example/app.js?token=abc#x");
        assert_eq!(m.len(), 200);
        assert_eq!(s, "https://shop.example/app.js");
    }
}
