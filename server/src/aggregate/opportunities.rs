//! Where the journey loses most, ranked: for each touchpoint and each kind
//! of friction met there (rage and dead clicks, form abandonment, low
//! answers, …), the sessions that met it against those through the same
//! touchpoint that did not, on two outcomes: converting, and going past the
//! touchpoint's stage. An opportunity is listed only when the gap is one a
//! reader can trust (the same test and minimum sample as comparisons), and
//! its impact is what the gap costs: the sessions that met the friction
//! times the difference in rates, per month at the period's pace.

use parcours_core::json::{push_list, ObjectWriter};

use super::compare::{Difference, MIN_SAMPLE};
use super::{push_number, JourneyMap, Outcomes};

/// Most opportunities listed.
pub const SHOWN: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Conversion,
    NextStage,
}

impl Outcome {
    /// How many of `o`'s sessions reached this outcome, of how many that could.
    fn of(self, o: &Outcomes) -> (u64, u64) {
        match self {
            Outcome::Conversion => (o.converted, o.sessions),
            Outcome::NextStage => (o.moved_on, o.staged),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Opportunity {
    pub touchpoint: String,
    /// The stage the touchpoint is most often in.
    pub stage: String,
    pub kind: String,
    pub outcome: Outcome,
    /// Of the sessions through the touchpoint, % that met this friction there.
    pub share: f64,
    /// The outcome's rate with the friction (`a`) and without (`b`).
    pub difference: Difference,
    /// Outcomes lost over the period, and per 30 days at its pace.
    pub lost: f64,
    pub per_month: f64,
}

impl Opportunity {
    /// The evidence and the impact in a sentence.
    pub fn text(&self) -> String {
        let (a, b) = (self.difference.a.unwrap_or(0.0), self.difference.b.unwrap_or(0.0));
        let kind = self.kind.replace('_', " ");
        let (does, at_stake) = match self.outcome {
            Outcome::Conversion => ("convert".to_string(), "conversions".to_string()),
            Outcome::NextStage => (
                format!("go past {}", self.stage),
                format!("sessions past {}", self.stage),
            ),
        };
        format!(
            "{kind} on {} in {:.0} % of its sessions; those sessions {does} at {a:.0} % against {b:.0} % without: about {:.0} {at_stake} a month at stake",
            self.touchpoint,
            self.share,
            self.per_month
        )
    }

    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.str("touchpoint", &self.touchpoint)
            .str("stage", &self.stage)
            .str("friction", &self.kind)
            .str(
                "outcome",
                match self.outcome {
                    Outcome::Conversion => "conversion",
                    Outcome::NextStage => "nextStage",
                },
            );
        push_number(o.key("share"), Some(self.share));
        push_number(o.key("rateWith"), self.difference.a);
        push_number(o.key("rateWithout"), self.difference.b);
        o.num("sessionsWith", self.difference.a_count)
            .num("sessionsWithout", self.difference.b_count);
        push_number(o.key("lost"), Some(self.lost));
        push_number(o.key("lostPerMonth"), Some(self.per_month));
        o.str("text", &self.text());
        o.finish();
    }
}

/// The opportunities of `map`, biggest loss first (conversions before
/// stages at equal loss), at most [`SHOWN`], over a period of `days` days.
pub fn ranked(map: &JourneyMap, days: u64) -> Vec<Opportunity> {
    let mut found = Vec::new();
    for touchpoint in &map.touchpoints {
        let all = &touchpoint.outcomes;
        for (kind, with) in &touchpoint.friction_outcomes {
            for outcome in [Outcome::Conversion, Outcome::NextStage] {
                let ((x_with, n_with), (x_all, n_all)) = (outcome.of(with), outcome.of(all));
                let (x_without, n_without) = (x_all - x_with, n_all - n_with);
                if n_with < MIN_SAMPLE || n_without < MIN_SAMPLE {
                    continue;
                }
                let difference = Difference::proportions(x_with, n_with, x_without, n_without);
                let gap = difference.b.unwrap_or(0.0) - difference.a.unwrap_or(0.0);
                if difference.trusted != Some(true) || gap <= 0.0 {
                    continue;
                }
                let lost = n_with as f64 * gap / 100.0;
                found.push(Opportunity {
                    touchpoint: touchpoint.name.clone(),
                    stage: touchpoint.stage.clone(),
                    kind: kind.clone(),
                    outcome,
                    share: with.sessions as f64 * 100.0 / all.sessions.max(1) as f64,
                    difference,
                    lost,
                    per_month: lost * 30.0 / days.max(1) as f64,
                });
            }
        }
    }
    found.sort_by(|a, b| {
        b.lost
            .total_cmp(&a.lost)
            .then((a.outcome == Outcome::NextStage).cmp(&(b.outcome == Outcome::NextStage)))
            .then(a.touchpoint.cmp(&b.touchpoint))
            .then(a.kind.cmp(&b.kind))
    });
    found.truncate(SHOWN);
    found
}

pub fn write_json(out: &mut String, opportunities: &[Opportunity]) {
    push_list(out, opportunities, |out, o| o.write_json(out));
}

#[cfg(test)]
mod tests {
    //! 100 sessions through /pricing over 10 days, worked out by hand: 40 met
    //! rage clicks there (2 converted, 10 went past consideration), 60 did
    //! not (12 converted, 30 went on); 10 met dead clicks, too few to judge.
    use super::*;
    use crate::aggregate::{Facts, Filter, StepFacts};
    use parcours_core::date::DAY_MS;

    const STAGES: [&str; 4] = ["awareness", "consideration", "decision", "purchase"];

    fn map() -> JourneyMap {
        let mut map = JourneyMap::new(&STAGES, Filter::default());
        for i in 0..100u64 {
            let rage = i < 40;
            let (converted, moved_on) = if rage {
                (i < 2, i < 10)
            } else {
                ((40..52).contains(&i), (40..70).contains(&i))
            };
            let mut friction = Vec::new();
            if rage {
                friction.push("rage_click");
            }
            if i % 10 == 0 {
                friction.push("dead_click");
            }
            let mut stages = vec![("awareness", 0), ("consideration", 1_000)];
            if moved_on {
                stages.push(("decision", 2_000));
            }
            let step = |touchpoint, stage, friction| StepFacts {
                touchpoint,
                stage,
                emotion: 0,
                friction,
                feedback: Vec::new(),
                vitals: [None; 3],
            };
            map.add_facts(&Facts {
                id: "j",
                visitor: "v",
                user: "",
                session_index: 1,
                started_at: (i % 10) * DAY_MS,
                channel: "direct",
                device: "desktop",
                converted,
                bounced: false,
                stages,
                steps: vec![
                    step("/", "awareness", Vec::new()),
                    step("/pricing", "consideration", friction),
                    // Back at /pricing: still one session there.
                    step("/pricing", "consideration", Vec::new()),
                ],
            });
        }
        map
    }

    #[test]
    fn friction_that_costs_outcomes_is_ranked_by_what_it_costs() {
        let found = map().opportunities();
        let summary: Vec<(&str, &str, Outcome, u64, u64)> = found
            .iter()
            .map(|o| {
                (
                    o.touchpoint.as_str(),
                    o.kind.as_str(),
                    o.outcome,
                    o.difference.a_count,
                    o.difference.b_count,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("/pricing", "rage_click", Outcome::NextStage, 40, 60),
                ("/pricing", "rage_click", Outcome::Conversion, 40, 60),
            ],
            "dead clicks: 10 sessions, too few"
        );
        // Next stage: 25 % against 50 %, z 2.5; 40 × 0.25 = 10 lost in 10 days.
        let stage = &found[0];
        assert_eq!((stage.difference.a, stage.difference.b), (Some(25.0), Some(50.0)));
        assert!((stage.lost - 10.0).abs() < 1e-9 && (stage.per_month - 30.0).abs() < 1e-9);
        // Conversion: 5 % against 20 %, z 2.12; 40 × 0.15 = 6 lost, 18 a month.
        let conversion = &found[1];
        assert_eq!(
            conversion.text(),
            "rage click on /pricing in 40 % of its sessions; those sessions convert at 5 % against 20 % without: about 18 conversions a month at stake"
        );
        assert_eq!(
            stage.text(),
            "rage click on /pricing in 40 % of its sessions; those sessions go past consideration at 25 % against 50 % without: about 30 sessions past consideration a month at stake"
        );
        let csv = map().to_csv(1, None);
        assert!(
            csv.contains("\nopportunity,rage click on /pricing in 40 % of its sessions; those sessions convert at 5 % against 20 % without: about 18 conversions a month at stake,consideration,40,,,,,,,,,,,,,,5,40,,,,,,,\n"),
            "{csv}"
        );
    }

    #[test]
    fn a_gap_chance_explains_is_not_an_opportunity() {
        // Conversion 30 % against 20 % (z 1.15), next stage 50 % against 33 %
        // (z 1.67): neither is past chance.
        let mut map = map();
        let pricing = map.touchpoints.iter_mut().find(|t| t.name == "/pricing").unwrap();
        let rage = &mut pricing
            .friction_outcomes
            .iter_mut()
            .find(|(k, _)| k == "rage_click")
            .unwrap()
            .1;
        rage.converted = 12;
        rage.moved_on = 20;
        pricing.outcomes.converted = 24;
        pricing.outcomes.moved_on = 40;
        assert_eq!(map.opportunities(), Vec::new());
    }
}
