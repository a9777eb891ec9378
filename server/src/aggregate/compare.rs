//! Two views of the journeys side by side: two periods (before and after a
//! change) or two segments (a channel, a device, new or returning visitors,
//! a survey variant). Every figure comes with its difference and whether
//! that difference can be trusted for the number of sessions (or answers)
//! behind it: a two-proportion z-test for rates, a plain 95 % interval of
//! the difference for means (CES, and NPS as the mean of +100, 0 and −100
//! per answer), and at least [`MIN_SAMPLE`] on each side either way.

use parcours_core::json::{push_list, ObjectWriter};

use super::{push_number, JourneyMap, Kpis};

/// Fewest sessions (or answers) on each side for a difference to be trusted.
pub const MIN_SAMPLE: u64 = 30;
/// Two-sided 95 %.
const Z_95: f64 = 1.96;

/// One figure on both sides: `a` (the view) against `b` (what it is compared with).
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// `a − b`: percentage points for rates.
    pub delta: Option<f64>,
    /// The sessions or answers each side stands on.
    pub a_count: u64,
    pub b_count: u64,
    /// Larger than chance explains (95 %) with enough on each side; `None`
    /// for a count, which is not a sample.
    pub trusted: Option<bool>,
}

impl Difference {
    /// Two counts (sessions): the difference, nothing to test.
    pub fn counts(a: u64, b: u64) -> Difference {
        Difference {
            a: Some(a as f64),
            b: Some(b as f64),
            delta: Some(a as f64 - b as f64),
            a_count: a,
            b_count: b,
            trusted: None,
        }
    }

    /// Two rates in %, `x` of `n` on each side: the pooled two-proportion z-test.
    pub fn proportions(x_a: u64, n_a: u64, x_b: u64, n_b: u64) -> Difference {
        let rate = |x: u64, n: u64| (n > 0).then(|| x as f64 * 100.0 / n as f64);
        let (a, b) = (rate(x_a, n_a), rate(x_b, n_b));
        let mut trusted = false;
        if n_a >= MIN_SAMPLE && n_b >= MIN_SAMPLE {
            let pooled = (x_a + x_b) as f64 / (n_a + n_b) as f64;
            let se = (pooled * (1.0 - pooled) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt();
            let gap = (x_a as f64 / n_a as f64 - x_b as f64 / n_b as f64).abs();
            trusted = se > 0.0 && gap / se >= Z_95;
        }
        Difference::of(a, b, n_a, n_b, Some(trusted))
    }

    /// Two means with the variance of one observation on each side: trusted
    /// when the 95 % interval of the difference leaves out zero.
    pub fn means(a: Option<f64>, var_a: f64, n_a: u64, b: Option<f64>, var_b: f64, n_b: u64) -> Difference {
        let mut trusted = false;
        if let (Some(ma), Some(mb)) = (a, b) {
            if n_a >= MIN_SAMPLE && n_b >= MIN_SAMPLE {
                let se = (var_a / n_a as f64 + var_b / n_b as f64).sqrt();
                trusted = (ma - mb).abs() > Z_95 * se;
            }
        }
        Difference::of(a, b, n_a, n_b, Some(trusted))
    }

    fn of(a: Option<f64>, b: Option<f64>, a_count: u64, b_count: u64, trusted: Option<bool>) -> Difference {
        Difference {
            a,
            b,
            delta: a.zip(b).map(|(a, b)| a - b),
            a_count,
            b_count,
            trusted,
        }
    }

    /// What a reader should make of the difference, in words.
    pub fn note(&self) -> &'static str {
        match self.trusted {
            None | Some(true) => "",
            Some(false) if self.a_count == 0 || self.b_count == 0 => "nothing to compare on one side",
            Some(false) if self.a_count < MIN_SAMPLE || self.b_count < MIN_SAMPLE => {
                "too few to trust: fewer than 30 on one side"
            }
            Some(false) => "too small to trust for these numbers (95 % test)",
        }
    }

    fn write_json(&self, out: &mut String, name: &str) {
        let mut o = ObjectWriter::new(out);
        o.str("figure", name);
        push_number(o.key("a"), self.a);
        push_number(o.key("b"), self.b);
        push_number(o.key("delta"), self.delta);
        o.num("aCount", self.a_count).num("bCount", self.b_count);
        match self.trusted {
            Some(trusted) => o.bool("trusted", trusted),
            None => o.raw("trusted", "null"),
        };
        o.str("note", self.note());
        o.finish();
    }
}

/// The variance of one observation from a sum, a sum of squares and a count.
fn variance(sum: f64, squares: f64, n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let mean = sum / n as f64;
    ((squares - n as f64 * mean * mean) / (n - 1) as f64).max(0.0)
}

/// The key figures of two views, each with its difference.
pub fn key_figures(a: &Kpis, b: &Kpis) -> Vec<(&'static str, Difference)> {
    let (sa, sb) = (&a.scores, &b.scores);
    let ces_var = |s: &super::Scores| variance(s.ces_sum as f64, s.ces_squares as f64, s.ces_answers);
    // NPS: each answer counts +100 (promoter), 0 or −100 (detractor).
    let nps_var = |s: &super::Scores| {
        let sum = (s.promoters as f64 - s.detractors as f64) * 100.0;
        variance(sum, (s.promoters + s.detractors) as f64 * 10_000.0, s.nps_answers)
    };
    vec![
        ("sessions", Difference::counts(a.sessions, b.sessions)),
        (
            "conversionRate",
            Difference::proportions(a.conversions, a.sessions, b.conversions, b.sessions),
        ),
        (
            "csat",
            Difference::proportions(sa.csat_satisfied, sa.csat_answers, sb.csat_satisfied, sb.csat_answers),
        ),
        (
            "cesMean",
            Difference::means(
                sa.ces_mean(),
                ces_var(sa),
                sa.ces_answers,
                sb.ces_mean(),
                ces_var(sb),
                sb.ces_answers,
            ),
        ),
        (
            "nps",
            Difference::means(
                sa.nps(),
                nps_var(sa),
                sa.nps_answers,
                sb.nps(),
                nps_var(sb),
                sb.nps_answers,
            ),
        ),
        (
            "frictionShare",
            Difference::proportions(a.with_friction, a.sessions, b.with_friction, b.sessions),
        ),
        (
            "bounceRate",
            Difference::proportions(a.bounces, a.sessions, b.bounces, b.sessions),
        ),
    ]
}

/// Per stage of the model: the share of sessions that reached at least it,
/// and the share of those at it that moved on to the next.
pub fn stages(a: &JourneyMap, b: &JourneyMap) -> Vec<(String, Difference, Option<Difference>)> {
    a.stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let reached = |m: &JourneyMap| m.funnel.get(i).copied().unwrap_or(0);
            let reached = Difference::proportions(reached(a), a.totals.sessions, reached(b), b.totals.sessions);
            let moved_on = a
                .steps
                .get(i)
                .zip(b.steps.get(i))
                .map(|(sa, sb)| Difference::proportions(sa.moved_on, sa.reached, sb.moved_on, sb.reached));
            (stage.name.clone(), reached, moved_on)
        })
        .collect()
}

/// The comparison of the view `a` with `b`, as the `comparison` of `/v1/map`.
pub struct Comparison<'m> {
    pub a: &'m JourneyMap,
    pub b: &'m JourneyMap,
}

impl Comparison<'_> {
    pub fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        let mut kpis = ObjectWriter::new(o.key("kpis"));
        self.b.totals.write_fields(&mut kpis);
        kpis.finish();
        push_list(
            o.key("figures"),
            &key_figures(&self.a.totals, &self.b.totals),
            |out, (name, d)| d.write_json(out, name),
        );
        push_list(
            o.key("stages"),
            &stages(self.a, self.b),
            |out, (name, reached, moved_on)| {
                let mut s = ObjectWriter::new(out);
                s.str("stage", name);
                reached.write_json(s.key("reachedAtLeast"), "reachedAtLeast");
                match moved_on {
                    Some(d) => d.write_json(s.key("movedOn"), "movedOn"),
                    None => s.key("movedOn").push_str("null"),
                }
                s.finish();
            },
        );
        o.finish();
    }
}

#[cfg(test)]
mod tests {
    //! Differences worked out by hand (z and intervals to three decimals).
    use super::*;
    use crate::aggregate::Scores;

    #[test]
    fn rates_are_trusted_only_past_chance_and_with_enough_sessions() {
        // 30 % of 200 against 20 % of 200: pooled 25 %, se 0.0433, z 2.31.
        let d = Difference::proportions(60, 200, 40, 200);
        assert_eq!(
            (d.a, d.b, d.delta, d.trusted),
            (Some(30.0), Some(20.0), Some(10.0), Some(true))
        );
        assert_eq!(d.note(), "");
        // 33 % of 100 against 27 % of 100: pooled 30 %, se 0.0648, z 0.93.
        let d = Difference::proportions(33, 100, 27, 100);
        assert_eq!(
            (d.trusted, d.note()),
            (Some(false), "too small to trust for these numbers (95 % test)")
        );
        // 50 % of 20 against 10 % of 20 looks large, but stands on 20 sessions a side.
        let d = Difference::proportions(10, 20, 2, 20);
        assert_eq!(d.delta, Some(40.0));
        assert_eq!(
            (d.trusted, d.note()),
            (Some(false), "too few to trust: fewer than 30 on one side")
        );
        let d = Difference::proportions(0, 0, 5, 50);
        assert_eq!((d.a, d.delta, d.note()), (None, None, "nothing to compare on one side"));
        let d = Difference::counts(120, 150);
        assert_eq!((d.delta, d.trusted, d.note()), (Some(-30.0), None, ""));
    }

    fn kpis(ces: &[(u64, u64)], promoters: u64, detractors: u64, passives: u64) -> Kpis {
        let mut scores = Scores::default();
        for (value, times) in ces {
            for _ in 0..*times {
                scores.add("ces", *value);
            }
        }
        for (value, times) in [(10, promoters), (0, detractors), (8, passives)] {
            for _ in 0..times {
                scores.add("nps", value);
            }
        }
        Kpis {
            sessions: 100,
            scores,
            ..Kpis::default()
        }
    }

    #[test]
    fn means_are_trusted_when_their_interval_leaves_out_zero() {
        // CES: 40 answers of 6 (variance 0) against 20 of 2 and 20 of 4 (mean
        // 3, variance 40/39): se 0.160, a difference of 3 is far past 0.314.
        // NPS: 15 promoters and 15 detractors (0, variance 10,345) against 16
        // and 14 (+6.67, variance 10,299): se 26.2, and 6.67 is within 51.4.
        let a = kpis(&[(6, 40)], 15, 15, 0);
        let b = kpis(&[(2, 20), (4, 20)], 16, 14, 0);
        let figures = key_figures(&a, &b);
        let figure = |name: &str| figures.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        let ces = figure("cesMean");
        assert_eq!(
            (ces.a, ces.b, ces.delta, ces.trusted),
            (Some(6.0), Some(3.0), Some(3.0), Some(true))
        );
        let nps = figure("nps");
        assert_eq!(
            (nps.a, nps.a_count, nps.b_count, nps.trusted),
            (Some(0.0), 30, 30, Some(false))
        );
        assert!((nps.delta.unwrap() + 6.667).abs() < 0.001, "{:?}", nps.delta);
        let names: Vec<&str> = figures.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "sessions",
                "conversionRate",
                "csat",
                "cesMean",
                "nps",
                "frictionShare",
                "bounceRate"
            ]
        );
        // A difference of a tenth of a point on the same answers is not trusted.
        let c = kpis(&[(6, 39), (5, 1)], 15, 15, 0);
        assert_eq!(key_figures(&a, &c)[3].1.trusted, Some(false));
        assert!(
            (variance(6.0, 20.0, 2) - 2.0).abs() < 1e-9,
            "answers 2 and 4: variance 2"
        );
    }
}
