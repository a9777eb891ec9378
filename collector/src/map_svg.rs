//! The journey map as one SVG picture, for slides and reports (the page
//! offers it, and a PNG made from it): stages as columns with their
//! conversion to the next, touchpoints as cards sized by traffic and
//! coloured by sentiment, moments of truth outlined, and the emotion curve.

use std::fmt::Write;

use parcours_server::aggregate::{JourneyMap, Place};

use crate::pages::escape;

const COLUMN: f64 = 230.0;
const GAP: f64 = 40.0;
const TOP: f64 = 110.0;
const CARD_MIN: f64 = 44.0;
const CARD_EXTRA: f64 = 56.0;
/// Cards shown per stage (the busiest).
pub const CARDS_PER_STAGE: usize = 6;
/// A touchpoint where at least this share of sessions met friction is a
/// moment of truth.
pub const HOT_SPOT_SHARE: f64 = 0.2;

type Rgb = (u8, u8, u8);
const NEGATIVE: Rgb = (240, 128, 128);
const NEUTRAL: Rgb = (229, 229, 234);
const POSITIVE: Rgb = (120, 200, 140);

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The scale's three colours, for the page (which colours its cards alike).
pub fn colour_stops() -> String {
    [NEGATIVE, NEUTRAL, POSITIVE].map(hex).join(",")
}

/// Red (−1) through grey (0) to green (1); grey when nobody said.
pub fn sentiment_colour(emotion: Option<f64>) -> String {
    let Some(e) = emotion else {
        return hex(NEUTRAL);
    };
    let e = e.clamp(-1.0, 1.0);
    let (to, t) = if e < 0.0 { (NEGATIVE, -e) } else { (POSITIVE, e) };
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    hex((mix(NEUTRAL.0, to.0), mix(NEUTRAL.1, to.1), mix(NEUTRAL.2, to.2)))
}

/// Whether friction at this touchpoint is frequent enough to flag.
pub fn is_hot_spot(place: &Place) -> bool {
    place.sessions > 0 && place.friction_count() as f64 / place.sessions as f64 >= HOT_SPOT_SHARE
}

/// The touchpoints the map shows (`shown_touchpoints`) of each stage, busiest first.
pub fn cards_by_stage(map: &JourneyMap) -> Vec<Vec<&Place>> {
    let (shown, _) = map.shown_touchpoints();
    map.stages
        .iter()
        .map(|stage| {
            let mut cards: Vec<&Place> = shown.iter().copied().filter(|t| t.stage == stage.name).collect();
            cards.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.name.cmp(&b.name)));
            cards
        })
        .collect()
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).collect::<String>() + "…"
    }
}

fn score_line(place: &Place) -> String {
    let s = &place.scores;
    let mut parts = Vec::new();
    if let Some(csat) = s.csat() {
        parts.push(format!("CSAT {csat:.0} %"));
    }
    if let Some(ces) = s.ces_mean() {
        parts.push(format!("CES {ces:.1}"));
    }
    if let Some(nps) = s.nps() {
        parts.push(format!("NPS {nps:+.0}"));
    }
    parts.join(" · ")
}

pub fn render(map: &JourneyMap) -> String {
    let columns = map.stages.len().max(1) as f64;
    let width = columns * COLUMN + (columns - 1.0) * GAP + 40.0;
    let cards = cards_by_stage(map);
    let busiest = map.touchpoints.iter().map(|t| t.sessions).max().unwrap_or(1).max(1) as f64;
    let card_height = |p: &Place| CARD_MIN + CARD_EXTRA * p.sessions as f64 / busiest;
    let tallest = cards
        .iter()
        .map(|c| {
            c.iter()
                .take(CARDS_PER_STAGE)
                .map(|p| card_height(p) + 10.0)
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    let curve_top = TOP + tallest + 30.0;
    let height = curve_top + 125.0;
    let x_of = |i: usize| 20.0 + i as f64 * (COLUMN + GAP);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="system-ui, sans-serif" role="img"><title>Customer journey map: {} sessions, {} visitors, {} converted</title><rect width="100%" height="100%" fill="#fff"/>"##,
        map.totals.sessions,
        map.visitors(),
        map.totals.conversions
    );
    for (i, stage) in map.stages.iter().enumerate() {
        let x = x_of(i);
        let _ = write!(
            svg,
            r##"<rect x="{x:.0}" y="20" width="{COLUMN:.0}" height="74" rx="8" fill="#1d1d1f"/><text x="{:.0}" y="46" fill="#fff" font-size="16" font-weight="600">{}</text><text x="{:.0}" y="66" fill="#d1d1d6" font-size="12">{} sessions</text><text x="{:.0}" y="82" fill="#d1d1d6" font-size="12">{} went no further</text>"##,
            x + 12.0,
            escape(&short(&stage.name, 24)),
            x + 12.0,
            stage.sessions,
            x + 12.0,
            stage.exits
        );
        if let Some(step) = map.steps.get(i) {
            let ax = x + COLUMN + 4.0;
            let conversion = step.conversion().map_or("–".to_string(), |c| format!("{c:.0} %"));
            let _ = write!(
                svg,
                r##"<path d="M{ax:.0} 55 h{:.0} l-6 -6 m6 6 l-6 6" stroke="#6e6e73" stroke-width="2" fill="none"/><text x="{:.0}" y="44" font-size="12" text-anchor="middle" fill="#1d1d1f">{conversion}</text>"##,
                GAP - 8.0,
                ax + (GAP - 8.0) / 2.0
            );
        }
        let mut y = TOP;
        for place in cards[i].iter().take(CARDS_PER_STAGE) {
            let h = card_height(place);
            let hot = is_hot_spot(place);
            let stroke = if hot {
                r##" stroke="#c0392b" stroke-width="3""##
            } else {
                ""
            };
            let _ = write!(
                svg,
                r##"<rect x="{x:.0}" y="{y:.0}" width="{COLUMN:.0}" height="{h:.0}" rx="8" fill="{}"{stroke}/><text x="{:.0}" y="{:.0}" font-size="13" font-weight="600" fill="#1d1d1f">{}{}</text><text x="{:.0}" y="{:.0}" font-size="11" fill="#1d1d1f">{} sessions{}</text>"##,
                sentiment_colour(place.emotion()),
                x + 10.0,
                y + 18.0,
                if hot { "⚠ " } else { "" },
                escape(&short(&place.name, 28)),
                x + 10.0,
                y + 34.0,
                place.sessions,
                escape(&match score_line(place) {
                    line if line.is_empty() => line,
                    line => format!(" · {line}"),
                }),
            );
            y += h + 10.0;
        }
        if cards[i].len() > CARDS_PER_STAGE {
            let _ = write!(
                svg,
                r##"<text x="{:.0}" y="{:.0}" font-size="11" fill="#6e6e73">+ {} more</text>"##,
                x + 10.0,
                y + 12.0,
                cards[i].len() - CARDS_PER_STAGE
            );
        }
    }
    // The emotion curve: each stage's average, from −1 (bottom) to 1 (top).
    let mid = curve_top + 60.0;
    let _ = write!(
        svg,
        r##"<text x="20" y="{:.0}" font-size="13" font-weight="600">Emotion by stage</text><line x1="20" x2="{:.0}" y1="{mid:.0}" y2="{mid:.0}" stroke="#d1d1d6" stroke-dasharray="4 4"/>"##,
        curve_top + 10.0,
        width - 20.0
    );
    let points: Vec<(f64, f64, f64)> = map
        .emotion_curve()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.map(|e| (x_of(i) + COLUMN / 2.0, mid - e * 45.0, e)))
        .collect();
    let line: Vec<String> = points.iter().map(|(x, y, _)| format!("{x:.0},{y:.0}")).collect();
    let _ = write!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#0a84ff" stroke-width="3"/>"##,
        line.join(" ")
    );
    for (x, y, e) in points {
        let _ = write!(
            svg,
            r##"<circle cx="{x:.0}" cy="{y:.0}" r="5" fill="#0a84ff"/><text x="{x:.0}" y="{:.0}" font-size="11" text-anchor="middle">{e:+.2}</text>"##,
            y - 10.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_through_grey_to_green() {
        assert_eq!(sentiment_colour(None), "#e5e5ea");
        assert_eq!(sentiment_colour(Some(0.0)), "#e5e5ea");
        assert_eq!(sentiment_colour(Some(-1.0)), "#f08080");
        assert_eq!(sentiment_colour(Some(1.0)), "#78c88c");
        assert_eq!(sentiment_colour(Some(0.5)), "#afd7bb");
        assert_eq!(colour_stops(), "#f08080,#e5e5ea,#78c88c");
    }
}
