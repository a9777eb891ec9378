//! A small dataset worked out by hand: five sessions of three visitors
//! through four stages, with friction and answers.

use super::*;
use parcours_core::json::parse;

const STAGES: [&str; 4] = ["awareness", "consideration", "decision", "purchase"];

/// A stored journey_summary event.
fn summary(
    visitor: &str,
    index: u64,
    channel: &str,
    device: &str,
    stages: &str,
    steps: &str,
    converted: bool,
) -> Value {
    let conversions = if converted {
        r#"[{"name":"Order Completed"}]"#
    } else {
        "[]"
    };
    parse(&format!(
        r#"{{"id":"j-{visitor}{index}","type":"track","name":"journey_summary","visitorId":"{visitor}",
            "context":{{"device":{{"class":"{device}"}}}},
            "properties":{{"v":1,"sessionIndex":{index},"startedAt":{start},"channel":"{channel}",
              "stages":{stages},"steps":{steps},"conversions":{conversions}}}}}"#,
        start = 1_000 * index,
    ))
    .unwrap()
}

fn dataset() -> Vec<Value> {
    vec![
        summary(
            "A",
            1,
            "email",
            "desktop",
            r#"[{"stage":"awareness","at":0},{"stage":"consideration","at":60000},{"stage":"decision","at":120000},{"stage":"purchase","at":180000}]"#,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"},
                {"touchpoint":"/pricing","stage":"consideration","emotion":"neutral","friction":["rage_click"]},
                {"touchpoint":"Order Completed","stage":"purchase","emotion":"positive",
                 "feedback":[{"questionType":"csat","variant":"b","value":5},{"questionType":"nps","value":10},
                             {"questionType":"text","text":"Fast delivery, great coffee!"}]}]"#,
            true,
        ),
        summary(
            "B",
            1,
            "direct",
            "mobile",
            r#"[{"stage":"awareness","at":0},{"stage":"consideration","at":30000}]"#,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"},
                {"touchpoint":"/pricing","stage":"consideration","emotion":"negative","friction":["rage_click","dead_click"],
                 "feedback":[{"questionType":"ces","value":3}]}]"#,
            false,
        ),
        summary(
            "A",
            2,
            "email",
            "desktop",
            r#"[{"stage":"awareness","at":0},{"stage":"consideration","at":90000},{"stage":"decision","at":100000}]"#,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"},
                {"touchpoint":"/pricing","stage":"consideration","emotion":"neutral"},
                {"touchpoint":"/signup","stage":"decision","emotion":"negative",
                 "feedback":[{"questionType":"csat","variant":"a","value":2},{"questionType":"nps","value":6}]}]"#,
            false,
        ),
        summary(
            "C",
            1,
            "direct",
            "desktop",
            r#"[{"stage":"awareness","at":0}]"#,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral",
                 "feedback":[{"questionType":"nps","value":8},{"questionType":"ces","value":6},
                             {"questionType":"text","text":"Trop lent, vraiment pénible"}]}]"#,
            false,
        ),
        summary(
            "B",
            2,
            "direct",
            "mobile",
            r#"[{"stage":"awareness","at":0}]"#,
            r#"[{"touchpoint":"/","stage":"awareness","emotion":"neutral"},{"touchpoint":"/","stage":"awareness","emotion":"neutral"}]"#,
            false,
        ),
    ]
}

fn map(filter: Filter) -> JourneyMap {
    let mut map = JourneyMap::new(&STAGES, filter);
    for event in dataset() {
        map.add(&event);
    }
    map
}

fn place<'a>(places: &'a [Place], name: &str) -> &'a Place {
    places.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn stages_count_sessions_visitors_conversion_time_and_drop_off() {
    let m = map(Filter::default());
    assert_eq!((m.totals.sessions, m.visitors(), m.totals.conversions), (5, 3, 1));
    let counts: Vec<(u64, u64, u64)> = m.stages.iter().map(|s| (s.sessions, s.visitors(), s.exits)).collect();
    assert_eq!(
        counts,
        [(5, 3, 2), (3, 2, 1), (2, 1, 1), (1, 1, 1)],
        "sessions, visitors, stopped here"
    );
    let steps: Vec<(u64, u64, Option<f64>, Option<u64>)> = m
        .steps
        .iter()
        .map(|s| (s.reached, s.moved_on, s.conversion(), s.median_ms()))
        .collect();
    assert_eq!(steps[0], (5, 3, Some(60.0), Some(60_000)), "awareness → consideration");
    assert_eq!(
        (steps[1].0, steps[1].1, steps[1].3),
        (3, 2, Some(35_000)),
        "median of 60 s and 10 s"
    );
    assert!((steps[1].2.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(steps[2], (2, 1, Some(50.0), Some(60_000)), "decision → purchase");
}

/// Worked out by hand (issue 22): the funnel counts sessions whose furthest
/// stage is this one or later, so it never widens. In the dataset: A1 got
/// to purchase, A2 to decision, B1 to consideration, C1 and B2 stayed at
/// awareness; a landing straight on a later stage counts at every earlier one.
#[test]
fn the_funnel_counts_sessions_that_reached_at_least_each_stage() {
    let m = map(Filter::default());
    assert_eq!(m.funnel, [5, 3, 2, 1]);
    let json = parse(&m.to_json(10, None)).unwrap();
    let Some(Value::Array(funnel)) = json.get("funnel") else {
        panic!("no funnel")
    };
    let kept: Vec<Option<f64>> = funnel
        .iter()
        .map(|f| match f.get("keptPercent") {
            Some(Value::Number(n)) => Some(n.parse().unwrap()),
            _ => None,
        })
        .collect();
    assert_eq!(funnel[1].get("stage").unwrap().as_str(), Some("consideration"));
    assert_eq!(kept[0], None, "nothing before the first stage");
    assert!((kept[1].unwrap() - 60.0).abs() < 1e-9 && (kept[3].unwrap() - 50.0).abs() < 1e-9);
    // One session landing on decision, with no earlier stage: counted at all three.
    let mut landed = JourneyMap::new(&STAGES, Filter::default());
    landed.add(&summary(
        "D",
        1,
        "direct",
        "desktop",
        r#"[{"stage":"decision","at":0}]"#,
        "[]",
        false,
    ));
    assert_eq!(landed.funnel, [1, 1, 1, 0]);
    assert_eq!(
        landed.stages[0].sessions, 0,
        "the stage card still counts only sessions that were there"
    );
}

#[test]
fn touchpoints_count_friction_scores_and_exits() {
    let m = map(Filter::default());
    let home = place(&m.touchpoints, "/");
    assert_eq!(
        (home.sessions, home.visitors(), home.exits),
        (5, 3, 2),
        "a page twice in a row counts one session"
    );
    assert_eq!(
        (home.scores.nps(), home.scores.ces_mean(), home.scores.ces_easy()),
        (Some(0.0), Some(6.0), Some(100.0))
    );
    let pricing = place(&m.touchpoints, "/pricing");
    assert_eq!(
        pricing.friction,
        [("rage_click".to_string(), 2), ("dead_click".to_string(), 1)]
    );
    assert_eq!(
        (pricing.scores.ces_mean(), pricing.scores.ces_easy()),
        (Some(3.0), Some(0.0))
    );
    assert_eq!(pricing.stage, "consideration");
    let order = place(&m.touchpoints, "Order Completed");
    assert_eq!((order.scores.csat(), order.scores.nps()), (Some(100.0), Some(100.0)));
    let signup = place(&m.touchpoints, "/signup");
    assert_eq!(
        (signup.scores.csat(), signup.scores.nps(), signup.scores.nps_answers),
        (Some(0.0), Some(-100.0), 1)
    );
    // Per stage: the answers given in it.
    let decision = place(&m.stages, "decision");
    assert_eq!(
        (decision.scores.csat(), decision.scores.nps()),
        (Some(0.0), Some(-100.0))
    );
    assert_eq!(place(&m.stages, "consideration").friction_count(), 3);
    assert_eq!(
        place(&m.stages, "awareness").scores.nps(),
        Some(0.0),
        "one passive: neither side"
    );
}

#[test]
fn the_emotion_curve_and_the_most_common_paths() {
    let m = map(Filter::default());
    let curve = m.emotion_curve();
    assert_eq!((curve[0], curve[2], curve[3]), (Some(0.0), Some(-1.0), Some(1.0)));
    assert!(
        (curve[1].unwrap() + 1.0 / 3.0).abs() < 1e-9,
        "one negative step of three"
    );
    let paths: Vec<(String, u64)> = m.top_paths(3).into_iter().map(|(p, n)| (p.join(" > "), n)).collect();
    assert_eq!(
        paths,
        [
            ("/".to_string(), 2),
            ("/ > /pricing".to_string(), 1),
            ("/ > /pricing > /signup".to_string(), 1)
        ]
    );
}

#[test]
fn filters_by_channel_device_visitor_and_period() {
    let by = |filter: Filter| map(filter).totals.sessions;
    assert_eq!(
        by(Filter {
            channel: Some("email".into()),
            ..Filter::default()
        }),
        2
    );
    assert_eq!(
        by(Filter {
            device: Some("mobile".into()),
            ..Filter::default()
        }),
        2
    );
    assert_eq!(
        by(Filter {
            returning: Some(true),
            ..Filter::default()
        }),
        2
    );
    assert_eq!(
        by(Filter {
            returning: Some(false),
            ..Filter::default()
        }),
        3
    );
    assert_eq!(
        by(Filter {
            from: Some(2_000),
            to: Some(3_000),
            ..Filter::default()
        }),
        2,
        "the second sessions"
    );
    assert_eq!(
        by(Filter {
            variant: Some("b".into()),
            ..Filter::default()
        }),
        1,
        "answered variant b"
    );
    assert_eq!(
        by(Filter {
            touchpoint: Some("/pricing".into()),
            ..Filter::default()
        }),
        3,
        "passed through /pricing"
    );
}

#[test]
fn the_csv_export_has_one_row_for_all_sessions_and_per_stage_touchpoint_path_and_day() {
    let csv = map(Filter::default()).to_csv(2, None);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("level,name,stage,sessions,visitors,exits,csat,csat_answers,ces_mean"));
    assert!(lines[0].ends_with(",comments_positive,comments_neutral,comments_negative,lcp_p75_ms,inp_p75_ms,cls_p75"));
    assert_eq!(
        lines.len(),
        1 + 1 + 4 + 4 + 2 + 1,
        "all, 4 stages, 4 touchpoints, 2 paths, 1 day"
    );
    assert_eq!(
        lines[1], "total,all sessions,,5,3,,50,2,4.5,50,2,0,3,,2,,,20,40,0,1,0,1,,,",
        "CSAT 5 and 2; CES 3 and 6; NPS 10, 6 and 8; A1 and B1 met friction; A1 converted; A1 praised, C1 complained"
    );
    assert_eq!(
        lines[3], "stage,consideration,consideration,3,2,1,,0,3,0,1,,0,-0.33,3,66.67,35000,,,,0,0,0,,,",
        "CES 3 from B's answer, friction 3, 2 of 3 moved on in a median 35 s"
    );
    assert!(lines.contains(&"path,/ > /pricing,,1,,,,,,,,,,,,,,,,,,,,,,"));
    assert_eq!(
        lines[12],
        "trend,1970-01-01,day,5,,,50,2,4.5,50,2,0,3,,2,,,20,40,0,1,0,1,,,"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("touchpoint,/,awareness,") && l.ends_with(",0,0,1,,,")),
        "C1's comment on /"
    );
    for line in &lines {
        assert_eq!(line.matches(',').count(), 25, "26 cells in {line}");
    }
    let mut hostile = JourneyMap::new(&STAGES, Filter::default());
    hostile.add(&summary(
        "D",
        1,
        "direct",
        "desktop",
        "[]",
        r#"[{"touchpoint":"=HYPERLINK(\"x\"),1","stage":"awareness"}]"#,
        false,
    ));
    assert!(
        hostile.to_csv(1, None).contains("\"'=HYPERLINK(\"\"x\"\"),1\""),
        "quoted, and a formula is defused"
    );
}

#[test]
fn the_export_has_every_figure() {
    let json = parse(&map(Filter::default()).to_json(10, None)).unwrap();
    assert_eq!(json.get("sessions").unwrap().as_u64(), Some(5));
    let Some(Value::Array(steps)) = json.get("steps") else {
        panic!()
    };
    assert_eq!(steps[1].get("conversion").unwrap(), &Value::Number("66.67".into()));
    let Some(Value::Array(touchpoints)) = json.get("touchpoints") else {
        panic!()
    };
    let pricing = touchpoints
        .iter()
        .find(|t| t.get("name").unwrap().as_str() == Some("/pricing"))
        .unwrap();
    assert_eq!(
        pricing.get("friction").unwrap().to_json(),
        r#"{"rage_click":2,"dead_click":1}"#
    );
    assert_eq!(pricing.get("emotion").unwrap(), &Value::Number("-0.33".into()));
    assert_eq!(
        pricing.get("scores").unwrap().get("cesMean").unwrap(),
        &Value::Number("3".into())
    );
    assert_eq!(
        pricing.get("scores").unwrap().get("csat").unwrap(),
        &Value::Null,
        "no CSAT answer there"
    );
    assert_eq!(
        json.get("kpis").unwrap().to_json(),
        r#"{"sessions":5,"conversions":1,"conversionRate":20,"csat":50,"csatAnswers":2,"cesMean":4.5,"cesAnswers":2,"nps":0,"npsAnswers":3,"frictionShare":40,"bounceRate":0,"comments":{"negative":1,"neutral":0,"positive":1}}"#
    );
    let trend = json.get("trend").unwrap();
    assert_eq!(trend.get("period").unwrap().as_str(), Some("day"));
    let Some(Value::Array(points)) = trend.get("points") else {
        panic!()
    };
    assert_eq!(points.len(), 1, "every session started on 1970-01-01");
    assert_eq!(points[0].get("start").unwrap().as_str(), Some("1970-01-01"));
    assert_eq!(
        points[0].get("frictionShare"),
        json.get("kpis").unwrap().get("frictionShare")
    );
}

#[test]
fn facts_lines_give_the_same_map_as_the_summaries() {
    let lines: Vec<String> = dataset()
        .iter()
        .map(|event| {
            let facts = Facts::from_summary(event).unwrap();
            let mut line = String::new();
            facts.encode(&mut line);
            assert_eq!(Facts::decode(&line).as_ref(), Some(&facts), "round trip of {line:?}");
            line
        })
        .collect();
    let mut from_lines = JourneyMap::new(&STAGES, Filter::default());
    for line in &lines {
        assert!(from_lines.add_facts(&Facts::decode(line).unwrap()));
    }
    assert_eq!(from_lines.to_json(10, None), map(Filter::default()).to_json(10, None));
    assert_eq!(Facts::decode("not\ta line"), None);
    // A name with the separators in it cannot break the line.
    let event = summary(
        "E",
        1,
        "direct",
        "desktop",
        "[]",
        r#"[{"touchpoint":"a\tb\u001ec","stage":"awareness"}]"#,
        false,
    );
    let mut line = String::new();
    Facts::from_summary(&event).unwrap().encode(&mut line);
    assert_eq!(Facts::decode(&line).unwrap().steps[0].touchpoint, "a b c");
}

#[test]
fn a_bounce_survives_the_line_and_lines_of_an_older_collector_still_read() {
    let mut event = summary("F", 1, "direct", "desktop", "[]", "[]", false);
    let Value::Object(fields) = &mut event else { panic!() };
    let Some((_, Value::Object(properties))) = fields.iter_mut().find(|(k, _)| k == "properties") else {
        panic!()
    };
    properties.push(("bounce".into(), Value::Bool(true)));
    let facts = Facts::from_summary(&event).unwrap();
    assert!(facts.bounced);
    let mut line = String::new();
    facts.encode(&mut line);
    assert!(Facts::decode(&line).unwrap().bounced);
    let before_bounces = line.rsplit_once('\t').unwrap().0;
    let old = Facts::decode(before_bounces).expect("a line without the bounce field");
    assert!(!old.bounced);
}

#[test]
fn the_figures_do_not_depend_on_the_order_journeys_arrive_in() {
    let mut reversed = JourneyMap::new(&STAGES, Filter::default());
    for event in dataset().iter().rev() {
        reversed.add(event);
    }
    assert_eq!(reversed.to_json(10, None), map(Filter::default()).to_json(10, None));
    assert_eq!(reversed.to_csv(10, None), map(Filter::default()).to_csv(10, None));
}

/// A journey of `n` steps, each at a touchpoint of its own (`<prefix>0`, `<prefix>1`, …).
fn sprawling(visitor: &str, prefix: &str, n: usize) -> Value {
    let steps: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"touchpoint":"{prefix}{i}","stage":"awareness","emotion":"neutral"}}"#))
        .collect();
    summary(
        visitor,
        1,
        "direct",
        "desktop",
        r#"["awareness"]"#,
        &format!("[{}]", steps.join(",")),
        false,
    )
}

#[test]
fn forged_journeys_naming_thousands_of_touchpoints_stay_within_the_bounds_and_say_so() {
    let mut map = JourneyMap::new(&STAGES, Filter::default());
    // Five journeys of 30,000 distinct touchpoints each, as seen from outside.
    for v in 0..5 {
        map.add(&sprawling(&format!("forger{v}"), &format!("t{v}-"), 30_000));
    }
    assert_eq!(
        map.touchpoints.len(),
        5 * MAX_TOUCHPOINTS_PER_JOURNEY + 1,
        "each journey adds 100, the rest is other"
    );
    let other = place(&map.touchpoints, OTHER);
    assert_eq!(other.sessions, 5, "every forged journey reached the bucket once");
    let (shown, hidden) = map.shown_touchpoints();
    assert_eq!(shown.len(), SHOWN_TOUCHPOINTS);
    assert_eq!(hidden, 5 * MAX_TOUCHPOINTS_PER_JOURNEY + 1 - SHOWN_TOUCHPOINTS);
    assert!(
        shown.iter().any(|t| t.name == OTHER),
        "the busiest is shown: the bucket"
    );
    let json = parse(&map.to_json(10, None)).unwrap();
    assert_eq!(json.get("touchpointsNotShown").unwrap().as_u64(), Some(hidden as u64));
    let Some(Value::Array(paths)) = json.get("paths") else {
        panic!()
    };
    let Some(Value::Array(longest)) = paths[0].get("path") else {
        panic!()
    };
    assert!(longest.len() <= MAX_PATH_STEPS);
    assert!(
        map.to_json(10, None).len() < 200_000,
        "the export stays small: {}",
        map.to_json(10, None).len()
    );
}

#[test]
fn past_the_map_bound_new_touchpoints_and_paths_are_counted_not_kept() {
    let mut map = JourneyMap::new(&STAGES, Filter::default());
    for v in 0..(MAX_TOUCHPOINTS / 50 + 5) {
        map.add(&sprawling(&format!("v{v}"), &format!("p{v}-"), 50));
    }
    assert_eq!(map.touchpoints.len(), MAX_TOUCHPOINTS + 1, "the bound, and the bucket");
    assert_eq!(
        place(&map.touchpoints, OTHER).sessions,
        5,
        "the journeys past the bound"
    );
    // Distinct paths of two touchpoints (a<i> then b<j>): the first MAX_PATHS are kept.
    let mut paths = JourneyMap::new(&STAGES, Filter::default());
    for v in 0..(MAX_PATHS + 3) {
        let steps = format!(
            r#"[{{"touchpoint":"a{}","stage":"awareness"}},{{"touchpoint":"b{}","stage":"awareness"}}]"#,
            v / 101,
            v % 101
        );
        paths.add(&summary(
            &format!("w{v}"),
            1,
            "direct",
            "desktop",
            r#"["awareness"]"#,
            &steps,
            false,
        ));
    }
    assert_eq!(paths.paths_not_kept, 3);
    assert_eq!(
        paths.totals.sessions,
        (MAX_PATHS + 3) as u64,
        "every session still counts"
    );
    assert_eq!(paths.top_paths(usize::MAX).len(), MAX_PATHS);
}

/// Worked out by hand: /pricing's page steps measured LCP 1.2, 2.0, 3.0
/// and 5.0 s (nearest-rank 75th percentile: 3.0 s, needs improvement), INP
/// 100 and 600 ms (p75 600, poor) and CLS 0.05 in one (good); / measured
/// nothing. The facts line carries the vitals through the stores.
#[test]
fn each_touchpoint_shows_the_75th_percentile_of_its_vitals_rated_as_google_does() {
    let step = |vitals: &str| {
        format!(
            r#"[{{"touchpoint":"/","stage":"awareness"}},{{"touchpoint":"/pricing","stage":"consideration","vitals":{vitals}}}]"#
        )
    };
    let stages = r#"[{"stage":"awareness","at":0}]"#;
    let mut map = JourneyMap::new(&STAGES, Filter::default());
    for (i, vitals) in [
        r#"{"lcpMs":1200,"inpMs":100}"#,
        r#"{"lcpMs":3000,"cls":0.050}"#,
        r#"{"lcpMs":2000,"inpMs":600}"#,
        r#"{"lcpMs":5000}"#,
    ]
    .iter()
    .enumerate()
    {
        let event = summary("V", i as u64 + 1, "direct", "desktop", stages, &step(vitals), false);
        // Through the facts line, as the stores keep it.
        let mut line = String::new();
        Facts::from_summary(&event).unwrap().encode(&mut line);
        assert!(map.add_facts(&Facts::decode(&line).unwrap()));
    }
    let pricing = map.touchpoints.iter().find(|t| t.name == "/pricing").unwrap();
    assert_eq!(pricing.vitals_p75(), [(Some(3_000), 4), (Some(600), 2), (Some(50), 1)]);
    let json = map.to_json(10, None);
    assert!(
        json.contains(r#""vitals":{"lcpMs":{"p75":3000,"n":4,"rating":"needs_improvement"},"inpMs":{"p75":600,"n":2,"rating":"poor"},"cls":{"p75":0.050,"n":1,"rating":"good"}}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""name":"/","#) && json.contains(r#""vitals":{}"#),
        "/ measured nothing"
    );
    let csv = map.to_csv(1, None);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("touchpoint,/pricing,") && l.ends_with(",3000,600,0.05")),
        "{csv}"
    );
    // Google's boundaries: good up to and including the first threshold.
    assert_eq!(vital_rating(0, 2_500), "good");
    assert_eq!(vital_rating(0, 2_501), "needs_improvement");
    assert_eq!(vital_rating(1, 501), "poor");
    assert_eq!(vital_rating(2, 250), "needs_improvement");
    // A line stored before vitals existed reads as none measured.
    let old = "j\tv\t\t1\t0\tdirect\tdesktop\t0\tawareness\u{1f}0\t/\u{1f}awareness\u{1f}0\u{1f}\u{1f}";
    assert_eq!(Facts::decode(old).unwrap().steps[0].vitals, [None; 3]);
}
