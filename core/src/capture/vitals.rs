//! Core Web Vitals of each page step, from the browser's performance
//! entries as the shell reports them (no library): Largest Contentful Paint,
//! Interaction to Next Paint and Cumulative Layout Shift, computed as Google
//! defines them, and the two friction types they reveal.
//!
//! - **LCP**: the start time of the latest largest-contentful-paint entry.
//! - **INP**: interactions are told apart by their id (the longest entry of
//!   each counts); the longest interaction, or with many of them one per 50
//!   left out (the 98th percentile): the 10 longest are kept.
//! - **CLS**: layout shifts without recent input, grouped in session windows
//!   (shifts less than 1 s apart, a window at most 5 s long); the largest
//!   window's sum. Kept in ten-thousandths, written in thousandths.
//! - **`slow_interaction`** friction: an interaction of `slowInteractionMs`
//!   (500) or more, once per interaction, with its target and duration.
//! - **`layout_shift`** friction: the page's CLS reaching `layoutShift`
//!   (0.25), once per page.
//!
//! The measures start again with each page step (a single-page app's route
//! change is a new page).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{ObjectWriter, Value};

/// A page step's vitals; `None` until measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vitals {
    pub lcp_ms: Option<u64>,
    pub inp_ms: Option<u64>,
    /// Thousandths (0.25 is 250).
    pub cls: Option<u64>,
}

impl Vitals {
    pub fn is_empty(&self) -> bool {
        *self == Vitals::default()
    }

    /// `{"lcpMs":…,"inpMs":…,"cls":0.123}`, with the measured ones.
    pub fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        for (key, value) in [("lcpMs", self.lcp_ms), ("inpMs", self.inp_ms)] {
            if let Some(ms) = value {
                o.num(key, ms);
            }
        }
        if let Some(cls) = self.cls {
            crate::base::num::push_thousandths(o.key("cls"), cls);
        }
        o.finish();
    }

    /// Reads what `write_json` wrote (anything else reads as not measured).
    pub fn from_json(v: Option<&Value>) -> Vitals {
        let get = |key: &str| v.and_then(|v| v.get(key));
        Vitals {
            lcp_ms: get("lcpMs").and_then(Value::as_u64),
            inp_ms: get("inpMs").and_then(Value::as_u64),
            cls: match get("cls") {
                Some(Value::Number(text)) => crate::base::num::parse_thousandths(text),
                _ => None,
            },
        }
    }
}

/// Friction the vitals found: its type and fields (JSON members).
pub type Found = crate::capture::friction::Found;

/// The measures of the current page (ten-thousandths for shifts).
#[derive(Clone, Debug, Default)]
pub struct VitalsState {
    /// The page step measured (its time), to start again on a new one.
    page_at: u64,
    pub vitals: Vitals,
    /// The 10 longest interactions, longest first: (ms, id); id 0 is an empty slot.
    longest: [(u64, u64); 10],
    interactions: u64,
    last_id: u64,
    /// The current session window: sum, first and last shift times.
    window: (u64, u64, u64),
    cls: u64,
    shift_flagged: bool,
    slow_flagged_id: u64,
}

impl VitalsState {
    /// Starts again when the page step measured is no longer the latest.
    pub fn on_page(&mut self, page_at: u64) {
        if self.page_at != page_at {
            *self = VitalsState {
                page_at,
                ..VitalsState::default()
            };
        }
    }

    pub fn lcp(&mut self, ms: u64) {
        self.vitals.lcp_ms = Some(ms);
    }

    /// An event-timing entry of interaction `id` lasting `ms` until the next
    /// paint; a `slow_interaction` when it is the first slow entry of its
    /// interaction.
    pub fn interaction(&mut self, id: u64, ms: u64, slow_ms: Option<u64>, target: &str) -> Option<Found> {
        if id == 0 {
            return None; // not an interaction (a hover, a scroll)
        }
        if id != self.last_id {
            self.last_id = id;
            self.interactions += 1;
        }
        // A fixed list kept in order by moving the entry up (no sort, no
        // allocation: the bundle carries neither).
        let last = self.longest.len() - 1;
        let slot = self.longest.iter().position(|e| e.1 == id).unwrap_or(last);
        let (held, held_id) = self.longest[slot];
        if held_id == id || held < ms {
            self.longest[slot] = (if held_id == id { held.max(ms) } else { ms }, id);
        }
        let mut at = slot;
        while at > 0 && self.longest[at].0 > self.longest[at - 1].0 {
            self.longest.swap(at, at - 1);
            at -= 1;
        }
        let filled = self.longest.iter().filter(|e| e.1 != 0).count();
        self.vitals.inp_ms = Some(self.longest[((self.interactions / 50) as usize).min(filled.saturating_sub(1))].0);
        let slow = slow_ms.is_some_and(|limit| ms >= limit) && self.slow_flagged_id != id;
        slow.then(|| {
            self.slow_flagged_id = id;
            let mut fields = String::from("\"target\":");
            crate::base::json::write_string(&mut fields, target);
            fields.push_str(",\"durationMs\":");
            crate::base::num::push_u64(&mut fields, ms);
            ("slow_interaction", fields)
        })
    }

    /// A layout shift of `value` ten-thousandths at `t` ms (the entry's
    /// start time); a `layout_shift` when the page's CLS first reaches
    /// `limit` thousandths.
    pub fn shift(&mut self, value: u64, t: u64, limit: Option<u64>) -> Option<Found> {
        let (sum, first, last) = self.window;
        self.window = if sum > 0 && t.saturating_sub(last) < 1_000 && t.saturating_sub(first) < 5_000 {
            (sum + value, first, t)
        } else {
            (value, t, t)
        };
        self.cls = self.cls.max(self.window.0);
        let cls = (self.cls + 5) / 10;
        self.vitals.cls = Some(cls);
        let shifted = limit.is_some_and(|limit| cls >= limit) && !self.shift_flagged;
        shifted.then(|| {
            self.shift_flagged = true;
            let mut fields = String::from("\"cls\":");
            crate::base::num::push_thousandths(&mut fields, cls);
            ("layout_shift", fields)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked out by hand: three interactions (the second of two entries);
    /// INP is the longest, and the slow one is friction once.
    #[test]
    fn inp_is_the_longest_interaction_and_a_slow_one_is_friction_once() {
        let mut s = VitalsState::default();
        assert_eq!(s.interaction(1, 80, Some(500), "button#a"), None);
        assert_eq!(s.interaction(0, 900, Some(500), "div"), None, "not an interaction");
        let found = s.interaction(2, 640, Some(500), "button#pay");
        assert_eq!(
            found,
            Some((
                "slow_interaction",
                String::from(r#""target":"button#pay","durationMs":640"#)
            ))
        );
        assert_eq!(s.interaction(2, 700, Some(500), "button#pay"), None, "same interaction");
        assert_eq!(s.interaction(3, 120, Some(500), "a#next"), None);
        assert_eq!(s.vitals.inp_ms, Some(700));
        assert_eq!(s.interactions, 3);
    }

    /// With 120 interactions, two are left out: INP is the third longest.
    #[test]
    fn with_many_interactions_inp_leaves_one_in_fifty_out() {
        let mut s = VitalsState::default();
        for id in 1..=120 {
            s.interaction(id, if id <= 3 { 1_000 - id * 100 } else { 40 }, None, "");
        }
        assert_eq!(s.vitals.inp_ms, Some(700), "900 and 800 left out");
    }

    /// Shifts 0.05 + 0.1 (one window), then 2 s later 0.12 + 0.14 (another
    /// window, 0.26): CLS 0.26, a layout shift once it reaches 0.25.
    #[test]
    fn cls_is_the_largest_session_window_and_reaching_the_limit_is_friction_once() {
        let mut s = VitalsState::default();
        assert_eq!(s.shift(500, 1_000, Some(250)), None);
        assert_eq!(s.shift(1_000, 1_500, Some(250)), None);
        assert_eq!(s.vitals.cls, Some(150));
        assert_eq!(s.shift(1_200, 3_500, Some(250)), None, "a new window: 0.12");
        assert_eq!(s.vitals.cls, Some(150));
        assert_eq!(
            s.shift(1_400, 4_000, Some(250)),
            Some(("layout_shift", String::from(r#""cls":0.260"#)))
        );
        assert_eq!(s.shift(100, 4_200, Some(250)), None, "once per page");
        assert_eq!(s.vitals.cls, Some(270));
        // A window is at most 5 s long.
        let mut s = VitalsState::default();
        for t in (0..=6_000).step_by(500) {
            s.shift(100, t, None);
        }
        assert_eq!(s.vitals.cls, Some(100), "0.1: a window of 10 shifts, then a new one");
    }

    #[test]
    fn a_new_page_step_starts_the_measures_again() {
        let mut s = VitalsState::default();
        s.on_page(1_000);
        s.lcp(1_800);
        s.shift(300, 10, None);
        s.on_page(1_000);
        assert_eq!(s.vitals.lcp_ms, Some(1_800));
        s.on_page(9_000);
        assert!(s.vitals.is_empty());
    }

    #[test]
    fn vitals_read_back_what_they_wrote() {
        let v = Vitals {
            lcp_ms: Some(2_400),
            inp_ms: None,
            cls: Some(5),
        };
        let mut out = String::new();
        v.write_json(&mut out);
        assert_eq!(out, r#"{"lcpMs":2400,"cls":0.005}"#);
        let parsed = crate::base::json::parse(&out).unwrap();
        assert_eq!(Vitals::from_json(Some(&parsed)), v);
    }
}
