//! Key figures over time: per day of the sessions' start (UTC), summed into
//! days, weeks (from Monday) or months when read, so that one pass over the
//! journeys serves every period. The figures of a period are those of the
//! whole map ([`Kpis`]): sessions, conversion rate, CSAT, CES mean, NPS,
//! friction share and bounce rate.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use parcours_core::date::DAY_MS;
use parcours_core::json::ObjectWriter;

use super::{count_answer, percent, push_number, write_comments, Facts, Scores};

/// Most distinct days kept (ten years); journeys of later-met days count in
/// every other figure, and `days_not_kept` says how many were left out here.
pub const MAX_DAYS: usize = 3_660;
/// Most points a trend fills with empty periods between busy ones; past
/// it (journeys dated far apart) only the periods with sessions are listed.
pub const MAX_FILLED_POINTS: u64 = 800;

/// What a set of sessions amounts to, for one period or the whole map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kpis {
    pub sessions: u64,
    pub conversions: u64,
    /// Sessions the SDK marked as bounced (under 10 s, one page, no conversion).
    pub bounces: u64,
    /// Sessions with at least one friction point.
    pub with_friction: u64,
    /// Every answer given in the sessions.
    pub scores: Scores,
    /// Free-text answers by sentiment: negative, neutral, positive.
    pub comments: [u64; 3],
}

impl Kpis {
    pub fn add(&mut self, facts: &Facts) {
        self.sessions += 1;
        self.conversions += u64::from(facts.converted);
        self.bounces += u64::from(facts.bounced);
        self.with_friction += u64::from(facts.steps.iter().any(|s| !s.friction.is_empty()));
        for answer in facts.steps.iter().flat_map(|s| &s.feedback) {
            count_answer(&mut self.scores, &mut self.comments, answer);
        }
    }

    fn merge(&mut self, other: &Kpis) {
        self.sessions += other.sessions;
        self.conversions += other.conversions;
        self.bounces += other.bounces;
        self.with_friction += other.with_friction;
        for (mine, theirs) in self.comments.iter_mut().zip(other.comments) {
            *mine += theirs;
        }
        let (s, o) = (&mut self.scores, &other.scores);
        s.csat_answers += o.csat_answers;
        s.csat_satisfied += o.csat_satisfied;
        s.ces_answers += o.ces_answers;
        s.ces_sum += o.ces_sum;
        s.ces_squares += o.ces_squares;
        s.ces_easy += o.ces_easy;
        s.nps_answers += o.nps_answers;
        s.promoters += o.promoters;
        s.detractors += o.detractors;
    }

    /// % of sessions that converted.
    pub fn conversion_rate(&self) -> Option<f64> {
        percent(self.conversions, self.sessions)
    }

    /// % of sessions with friction.
    pub fn friction_share(&self) -> Option<f64> {
        percent(self.with_friction, self.sessions)
    }

    /// % of sessions that bounced.
    pub fn bounce_rate(&self) -> Option<f64> {
        percent(self.bounces, self.sessions)
    }

    /// The figures as JSON keys of `o`.
    pub fn write_fields(&self, o: &mut ObjectWriter) {
        o.num("sessions", self.sessions).num("conversions", self.conversions);
        push_number(o.key("conversionRate"), self.conversion_rate());
        push_number(o.key("csat"), self.scores.csat());
        o.num("csatAnswers", self.scores.csat_answers);
        push_number(o.key("cesMean"), self.scores.ces_mean());
        o.num("cesAnswers", self.scores.ces_answers);
        push_number(o.key("nps"), self.scores.nps());
        o.num("npsAnswers", self.scores.nps_answers);
        push_number(o.key("frictionShare"), self.friction_share());
        push_number(o.key("bounceRate"), self.bounce_rate());
        write_comments(o.key("comments"), self.comments);
    }
}

/// How long one point of a trend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub const NAMES: [&'static str; 3] = ["day", "week", "month"];

    pub fn parse(name: &str) -> Option<Period> {
        match name {
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Period::NAMES[self as usize]
    }

    /// The period that keeps a trend over `days` days readable: days up to
    /// two months, weeks up to two years, months past that.
    pub fn for_span(days: u64) -> Period {
        match days {
            0..=62 => Period::Day,
            63..=742 => Period::Week,
            _ => Period::Month,
        }
    }

    /// The first day (since 1970) of the period holding `day`: itself, its
    /// week's Monday, or its month's first day.
    pub fn start(self, day: u64) -> u64 {
        let Some(date) = civil(day) else { return day };
        let first = match self {
            Period::Day => Some(date),
            Period::Week => date
                .checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days())
                .ok(),
            Period::Month => Some(date.first_of_month()),
        };
        first.and_then(day_number).unwrap_or(day)
    }

    /// The first day of the period after the one starting at `start`.
    fn next(self, start: u64) -> u64 {
        let span = match self {
            Period::Day => 1.day(),
            Period::Week => 1.week(),
            Period::Month => 1.month(),
        };
        // Past the calendar's end (year 9999), a month's worth of days.
        civil(start)
            .and_then(|date| date.checked_add(span).ok())
            .and_then(day_number)
            .filter(|next| *next > start)
            .unwrap_or(start + 31)
    }
}

/// The civil date (UTC) of a day number since 1970.
fn civil(day: u64) -> Option<Date> {
    let second = i64::try_from(day.checked_mul(86_400)?).ok()?;
    Some(TimeZone::UTC.to_datetime(Timestamp::from_second(second).ok()?).date())
}

/// A day number since 1970 as `YYYY-MM-DD` (empty past the calendar's end).
pub fn day_text(day: u64) -> String {
    civil(day).map(|date| date.to_string()).unwrap_or_default()
}

/// The day number since 1970 of a civil date (UTC).
fn day_number(date: Date) -> Option<u64> {
    let second = TimeZone::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .ok()?
        .as_second();
    u64::try_from(second / 86_400).ok()
}

/// Journeys' figures per day of their start.
#[derive(Clone, Debug, Default)]
pub struct Days {
    days: BTreeMap<u64, Kpis>,
    /// Sessions left out of the trends (their day came past `MAX_DAYS`).
    pub not_kept: u64,
}

/// A trend: its period and the figures of each, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub period: Period,
    /// The first day (since 1970) of each period, and its figures.
    pub points: Vec<(u64, Kpis)>,
}

impl Days {
    pub fn add(&mut self, facts: &Facts) {
        let day = facts.started_at / DAY_MS;
        if self.days.len() >= MAX_DAYS && !self.days.contains_key(&day) {
            self.not_kept += 1;
            return;
        }
        self.days.entry(day).or_default().add(facts);
    }

    /// How many days the trend covers: from `from` (else the first day with
    /// sessions) to `to` (else the last); 0 when there is none.
    pub fn span(&self, from: Option<u64>, to: Option<u64>) -> u64 {
        let (Some(first), Some(last)) = (self.days.keys().next(), self.days.keys().next_back()) else {
            return 0;
        };
        to.unwrap_or(*last).max(*last) - from.unwrap_or(*first).min(*first) + 1
    }

    /// The trend by `period` (else the one that suits the span), from the
    /// day `from` to the day `to` (each, else the first or last day with
    /// sessions), with the periods that had none in between.
    pub fn trend(&self, period: Option<Period>, from: Option<u64>, to: Option<u64>) -> Trend {
        let (Some(first), Some(last)) = (self.days.keys().next(), self.days.keys().next_back()) else {
            return Trend {
                period: period.unwrap_or(Period::Day),
                points: Vec::new(),
            };
        };
        let (from, to) = (from.unwrap_or(*first).min(*first), to.unwrap_or(*last).max(*last));
        let period = period.unwrap_or_else(|| Period::for_span(to - from + 1));
        let mut points: BTreeMap<u64, Kpis> = BTreeMap::new();
        for (day, kpis) in &self.days {
            points.entry(period.start(*day)).or_default().merge(kpis);
        }
        // Empty periods between, when there are not too many of them.
        let days_per_point = match period {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 28,
        };
        if (to - from) / days_per_point < MAX_FILLED_POINTS {
            let mut start = period.start(from);
            while start <= to {
                points.entry(start).or_default();
                start = period.next(start);
            }
        }
        Trend {
            period,
            points: points.into_iter().collect(),
        }
    }
}

impl Trend {
    pub fn write_json(&self, out: &mut String, days_not_kept: u64) {
        let mut o = ObjectWriter::new(out);
        o.str("period", self.period.name());
        parcours_core::json::push_list(o.key("points"), &self.points, |out, (start, kpis)| {
            let mut p = ObjectWriter::new(out);
            p.str("start", &day_text(*start));
            kpis.write_fields(&mut p);
            p.finish();
        });
        o.num("sessionsNotInTrend", days_not_kept);
        o.finish();
    }
}

#[cfg(test)]
mod tests {
    //! Five sessions from Monday 2026-11-30 to Tuesday 2026-12-08, worked
    //! out by hand per day, week and month.
    use super::*;
    use crate::aggregate::{Answer, StepFacts};
    use parcours_core::date::parse_date;

    fn day(date: &str) -> u64 {
        parse_date(date).unwrap() / DAY_MS
    }

    fn session<'a>(at: &str, converted: bool, bounced: bool, friction: bool, answers: &[(&'a str, u64)]) -> Facts<'a> {
        Facts {
            id: "j",
            visitor: "v",
            user: "",
            session_index: 1,
            started_at: parse_date(at).unwrap(),
            channel: "direct",
            device: "desktop",
            converted,
            bounced,
            stages: Vec::new(),
            steps: vec![StepFacts {
                touchpoint: "/",
                stage: "awareness",
                emotion: 0,
                friction: if friction { vec!["rage_click"] } else { Vec::new() },
                feedback: answers
                    .iter()
                    .map(|(kind, value)| Answer {
                        kind,
                        value: *value,
                        variant: "",
                    })
                    .collect(),
                vitals: [None; 3],
            }],
        }
    }

    fn days() -> Days {
        let mut days = Days::default();
        for facts in [
            session("2026-11-30T10:00:00Z", true, false, false, &[("csat", 5)]),
            session("2026-12-01T08:00:00Z", false, true, true, &[("nps", 9)]),
            session("2026-12-01T23:59:59Z", false, false, false, &[("ces", 6)]),
            session("2026-12-03T12:00:00Z", false, true, false, &[("nps", 3)]),
            session("2026-12-08T00:00:00Z", true, false, false, &[("ces", 2), ("csat", 3)]),
        ] {
            days.add(&facts);
        }
        days
    }

    /// (start day, sessions, conversion %, CSAT, CES mean, NPS, friction %, bounce %)
    type Row = (
        u64,
        u64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );

    fn rows(trend: &Trend) -> Vec<Row> {
        trend
            .points
            .iter()
            .map(|(start, k)| {
                let s = &k.scores;
                let r = (
                    k.conversion_rate(),
                    s.csat(),
                    s.ces_mean(),
                    s.nps(),
                    k.friction_share(),
                    k.bounce_rate(),
                );
                (*start, k.sessions, r.0, r.1, r.2, r.3, r.4, r.5)
            })
            .collect()
    }

    #[test]
    fn per_day_with_the_days_between_empty() {
        let trend = days().trend(None, None, None);
        assert_eq!(trend.period, Period::Day, "9 days: by day");
        let rows = rows(&trend);
        assert_eq!(rows.len(), 9, "30 Nov to 8 Dec");
        let none = None;
        assert_eq!(
            rows[0],
            (
                day("2026-11-30"),
                1,
                Some(100.0),
                Some(100.0),
                none,
                none,
                Some(0.0),
                Some(0.0)
            )
        );
        assert_eq!(
            rows[1],
            (
                day("2026-12-01"),
                2,
                Some(0.0),
                none,
                Some(6.0),
                Some(100.0),
                Some(50.0),
                Some(50.0)
            )
        );
        assert_eq!(rows[2], (day("2026-12-02"), 0, none, none, none, none, none, none));
        assert_eq!(
            rows[3],
            (
                day("2026-12-03"),
                1,
                Some(0.0),
                none,
                none,
                Some(-100.0),
                Some(0.0),
                Some(100.0)
            )
        );
        assert_eq!(
            rows[8],
            (
                day("2026-12-08"),
                1,
                Some(100.0),
                Some(0.0),
                Some(2.0),
                none,
                Some(0.0),
                Some(0.0)
            )
        );
    }

    #[test]
    fn per_week_from_monday_and_per_month() {
        let weeks = rows(&days().trend(Some(Period::Week), None, None));
        let none = None;
        assert_eq!(
            weeks,
            [
                (
                    day("2026-11-30"),
                    4,
                    Some(25.0),
                    Some(100.0),
                    Some(6.0),
                    Some(0.0),
                    Some(25.0),
                    Some(50.0)
                ),
                (
                    day("2026-12-07"),
                    1,
                    Some(100.0),
                    Some(0.0),
                    Some(2.0),
                    none,
                    Some(0.0),
                    Some(0.0)
                ),
            ]
        );
        let months = rows(&days().trend(Some(Period::Month), None, None));
        assert_eq!(
            months,
            [
                (
                    day("2026-11-01"),
                    1,
                    Some(100.0),
                    Some(100.0),
                    none,
                    none,
                    Some(0.0),
                    Some(0.0)
                ),
                (
                    day("2026-12-01"),
                    4,
                    Some(25.0),
                    Some(0.0),
                    Some(4.0),
                    Some(0.0),
                    Some(25.0),
                    Some(50.0)
                ),
            ]
        );
    }

    #[test]
    fn the_chosen_dates_are_covered_and_the_period_suits_the_span() {
        let trend = days().trend(None, Some(day("2026-11-25")), Some(day("2026-12-10")));
        assert_eq!((trend.period, trend.points.len()), (Period::Day, 16));
        assert_eq!(trend.points[0].0, day("2026-11-25"));
        let trend = days().trend(None, Some(day("2026-06-01")), Some(day("2026-12-31")));
        assert_eq!(trend.period, Period::Week, "7 months: by week");
        assert_eq!(trend.points[0].0, day("2026-06-01"), "a Monday");
        assert_eq!(days().trend(None, Some(day("2024-01-01")), None).period, Period::Month);
        assert_eq!(
            Period::Week.start(0),
            0,
            "1970-01-01 (a Thursday) stays in its first week"
        );
        assert_eq!(Period::Month.next(day("2026-12-01")), day("2027-01-01"));
    }

    #[test]
    fn journeys_dated_far_apart_keep_the_trend_bounded_and_say_what_they_left_out() {
        let mut days = Days::default();
        let mut forged = session("2026-12-01T00:00:00Z", false, false, false, &[]);
        for n in 0..(MAX_DAYS as u64 + 5) {
            forged.started_at = n * 1_000 * DAY_MS;
            days.add(&forged);
        }
        assert_eq!(days.not_kept, 5);
        let trend = days.trend(Some(Period::Day), None, None);
        assert_eq!(
            trend.points.len(),
            MAX_DAYS,
            "only the days with sessions: no millions of empty ones"
        );
        let mut json = String::new();
        trend.write_json(&mut json, days.not_kept);
        assert!(
            json.ends_with(r#""sessionsNotInTrend":5}"#),
            "{}",
            &json[json.len() - 60..]
        );
    }
}
