//! Synthetic visitors walking the demo shop (`www/demo/`), deterministic
//! from a seed: for benchmarks, property tests and seeding a collector
//! (`parcours-collector seed`). They arrive by the demo's channels, add to
//! cart, choose plans, sign up (and are then identified), order, ask for
//! support, struggle now and then, and answer the demo's surveys: CSAT
//! after an order, CES after a support request, NPS on a return visit.
//! Nothing here is used by the SDK itself (the wasm build drops it).

use parcours_core::event::EventKind;
use parcours_core::platform::{Random, SeededRandom};

/// One call of a simulated visitor.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// A new page load begins with this URL and referrer (else the call
    /// happens on the current page).
    pub page_load: Option<(String, String)>,
    pub kind: EventKind,
    pub name: &'static str,
    pub properties: &'static str,
    pub ts: u64,
}

const SITE: &str = "https://shop.example/demo";

/// Landing URLs and referrers, roughly in the proportions of a small shop.
const ARRIVALS: &[(&str, &str)] = &[
    ("/", ""),
    ("/", "https://www.google.com/"),
    ("/product.html", "https://www.google.com/"),
    ("/?gclid=ad123", "https://www.google.com/"),
    (
        "/pricing.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
        "",
    ),
    ("/", "https://l.facebook.com/"),
    (
        "/product.html?utm_source=instagram&utm_medium=paid_social",
        "https://l.instagram.com/",
    ),
    ("/", "https://blog.coffee.example/best-beans"),
];

/// Next step from each page.
const PATHS: &[(&str, &str)] = &[
    ("/", "/product.html"),
    ("/product.html", "/pricing.html"),
    ("/pricing.html", "/signup.html"),
    ("/signup.html", "/checkout.html"),
    ("/checkout.html", "/support.html"),
];

/// Answers to the demo's surveys, in rough real proportions.
const CSAT_ANSWERS: &[&str] = &[
    r#"{"survey":"checkout-csat","questionType":"csat","value":5}"#,
    r#"{"survey":"checkout-csat","questionType":"csat","value":5}"#,
    r#"{"survey":"checkout-csat","questionType":"csat","value":4}"#,
    r#"{"survey":"checkout-csat","questionType":"csat","value":3}"#,
    r#"{"survey":"checkout-csat","questionType":"csat","value":2}"#,
];
const CES_ANSWERS: &[&str] = &[
    r#"{"survey":"support-ces","questionType":"ces","value":7}"#,
    r#"{"survey":"support-ces","questionType":"ces","value":6}"#,
    r#"{"survey":"support-ces","questionType":"ces","value":5}"#,
    r#"{"survey":"support-ces","questionType":"ces","value":3}"#,
    r#"{"survey":"support-ces","questionType":"ces","value":2}"#,
];
const NPS_ANSWERS: &[&str] = &[
    r#"{"survey":"return-nps","questionType":"nps","value":10}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":9}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":9}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":8}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":7}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":6}"#,
    r#"{"survey":"return-nps","questionType":"nps","value":3}"#,
];

/// The user id a simulated visitor signs up with (from its visitor id).
pub fn user_id_of(visitor_id: &str) -> String {
    "user-".to_string()
        + visitor_id
            .get(visitor_id.len().saturating_sub(8)..)
            .unwrap_or(visitor_id)
}

fn pick<'a, T>(items: &'a [T], random: &mut dyn Random) -> &'a T {
    let mut b = [0u8; 4];
    random.fill(&mut b);
    &items[u32::from_le_bytes(b) as usize % items.len()]
}

fn chance(percent: u32, random: &mut dyn Random) -> bool {
    let mut b = [0u8; 4];
    random.fill(&mut b);
    u32::from_le_bytes(b) % 100 < percent
}

fn between(low: u64, high: u64, random: &mut dyn Random) -> u64 {
    let mut b = [0u8; 8];
    random.fill(&mut b);
    low + u64::from_le_bytes(b) % (high - low + 1)
}

/// The calls of one visitor over `sessions` visits, starting at `start`.
pub fn visitor(seed: u64, sessions: u32, start: u64) -> Vec<Call> {
    let mut random = SeededRandom(seed);
    let mut calls = Vec::new();
    let mut now = start;
    for visit in 0..sessions {
        let returning = visit > 0;
        let mut first_page = true;
        let (landing, referrer) = *pick(ARRIVALS, &mut random);
        let mut url = String::from(SITE) + landing;
        let mut referrer = referrer.to_string();
        let mut page = landing.split('?').next().unwrap_or("/");
        loop {
            calls.push(Call {
                page_load: Some((url.clone(), referrer.clone())),
                kind: EventKind::Page,
                name: "page_view",
                properties: "",
                ts: now,
            });
            now += between(2_000, 40_000, &mut random);
            let action = match page {
                "/product.html" => Some(("Added to Cart", r#"{"product":"ethiopia-guji","price":14.5}"#)),
                "/pricing.html" => Some(("Plan Chosen", r#"{"plan":"daily"}"#)),
                "/signup.html" => Some(("Signed Up", r#"{"plan":"daily"}"#)),
                "/checkout.html" => Some(("Order Completed", r#"{"total":42.5,"currency":"EUR","items":2}"#)),
                "/support.html" => Some(("Support Requested", r#"{"topic":"delivery"}"#)),
                _ => None,
            };
            // A visitor who struggles (rage clicks, more often on the pricing
            // page's plan toggles, where it costs the most) acts and goes on
            // less often: what the map's opportunities should find.
            let struggled = chance(if page == "/pricing.html" { 30 } else { 12 }, &mut random);
            let go_on = match (struggled, page) {
                (false, _) => 65,
                (true, "/pricing.html") => 35,
                (true, _) => 45,
            };
            if struggled {
                calls.push(Call {
                    page_load: None,
                    kind: EventKind::Track,
                    name: "friction",
                    properties: r#"{"type":"rage_click"}"#,
                    ts: now,
                });
                now += between(500, 3_000, &mut random);
            }
            if let Some((name, properties)) = action {
                if chance(if struggled { 45 } else { 70 }, &mut random) {
                    calls.push(Call {
                        page_load: None,
                        kind: EventKind::Track,
                        name,
                        properties,
                        ts: now,
                    });
                    now += between(1_000, 10_000, &mut random);
                }
            }
            let acted = calls.last().is_some_and(|c| Some(c.name) == action.map(|a| a.0));
            if acted && page == "/signup.html" {
                calls.push(Call {
                    page_load: None,
                    kind: EventKind::Identify,
                    name: "identify",
                    properties: r#"{"plan":"daily"}"#,
                    ts: now,
                });
            }
            let survey = match page {
                "/checkout.html" if acted && chance(40, &mut random) => Some(CSAT_ANSWERS),
                "/support.html" if acted && chance(45, &mut random) => Some(CES_ANSWERS),
                _ if returning && first_page && chance(25, &mut random) => Some(NPS_ANSWERS),
                _ => None,
            };
            first_page = false;
            if let Some(answers) = survey {
                calls.push(Call {
                    page_load: None,
                    kind: EventKind::Track,
                    name: "survey_answered",
                    properties: pick::<&str>(answers, &mut random),
                    ts: now,
                });
                now += between(1_000, 5_000, &mut random);
            }
            let next = PATHS.iter().find(|(from, _)| *from == page).map(|(_, to)| *to);
            match next {
                Some(to) if chance(go_on, &mut random) => {
                    referrer = url.clone();
                    url = String::from(SITE) + to;
                    page = to;
                }
                _ => break,
            }
        }
        // The next visit comes hours to days later.
        now += between(2 * 3_600_000, 5 * 86_400_000, &mut random);
    }
    calls
}

/// Plays `calls` into `tracker` (one long-lived tracker: a page load is a
/// new page, as a fresh tracker would see it). Returns the refusals.
pub fn play(
    tracker: &mut parcours_core::tracker::Tracker,
    store: &mut dyn parcours_core::platform::Store,
    random: &mut dyn Random,
    calls: &[Call],
) -> usize {
    let mut refused = 0;
    for call in calls {
        if let Some((url, referrer)) = &call.page_load {
            tracker.begin_page_load(url, "Shop", referrer);
        }
        let loaded = call.page_load.as_ref().filter(|_| call.kind == EventKind::Page);
        let result = if call.kind == EventKind::Identify {
            let user = user_id_of(tracker.visitor_id());
            tracker.identify(&user, call.properties, call.ts, store, random)
        } else {
            tracker.record(call.kind, call.name, call.properties, call.ts, random)
        };
        match result {
            // The shell hands notices to the page at once; so does the simulation.
            Ok(recorded) if recorded.notices > 0 => drop(tracker.take_notices()),
            Ok(_) => {}
            Err(_) => refused += 1,
        }
        if let Some((url, _)) = loaded {
            measure_page(tracker, random, url, call.ts);
        }
    }
    tracker.save_session(store);
    refused
}

/// The Web Vitals a page load reports, as the browser shell would (LCP,
/// one interaction, one layout shift), from a model of each demo page: the
/// pricing page paints late and its plan toggle is slow, product images
/// shift the layout, checkout's button is slow to answer. Drawn from the
/// page and its time, so the visitors' own draws are what they were.
fn measure_page(tracker: &mut parcours_core::tracker::Tracker, random: &mut dyn Random, url: &str, ts: u64) {
    use parcours_core::port::{SIGNAL_INTERACTION, SIGNAL_LCP, SIGNAL_SHIFT};
    let path = url.strip_prefix(SITE).unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    // (LCP ms, INP ms, CLS ten-thousandths): low and high of each.
    let ((lcp_low, lcp_high), (inp_low, inp_high), (cls_low, cls_high)) = match path {
        "/pricing.html" => ((2_200, 5_500), (120, 620), (0, 800)),
        "/product.html" => ((1_600, 3_600), (60, 260), (300, 3_200)),
        "/checkout.html" => ((1_400, 3_000), (180, 760), (0, 1_000)),
        "/signup.html" => ((1_000, 2_400), (80, 360), (0, 600)),
        _ => ((900, 2_800), (40, 220), (0, 900)),
    };
    let mut draw = SeededRandom(parcours_core::num::fnv1a(ts, path.bytes()));
    let lcp = between(lcp_low, lcp_high, &mut draw);
    let inp = between(inp_low, inp_high, &mut draw);
    let cls = between(cls_low, cls_high, &mut draw);
    tracker.signal_vital(SIGNAL_LCP, lcp, 0, "", ts + 1, random);
    tracker.signal_vital(SIGNAL_INTERACTION, inp, 1, "button.primary", ts + 2, random);
    tracker.signal_vital(SIGNAL_SHIFT, cls, lcp / 2, "", ts + 3, random);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_deterministic_and_ordered_in_time() {
        assert_eq!(visitor(7, 3, 0), visitor(7, 3, 0));
        assert_ne!(visitor(7, 3, 0), visitor(8, 3, 0));
        let calls = visitor(7, 5, 1_000);
        assert!(calls.windows(2).all(|w| w[0].ts <= w[1].ts));
        assert!(calls.iter().filter(|c| c.page_load.is_some()).count() >= 5);
    }
}
