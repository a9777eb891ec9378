//! Server-rendered HTML pages: the session list and one session's events.
//! Every value from a batch is escaped: visitors' data is never markup.

//! Markup is written with `maud`, whose `html!` escapes every value it is
//! given, so no string of a visitor's reaches a page unescaped.

use maud::{html, Markup, DOCTYPE};
use serde_json::Value as JsonValue;

use crate::store::{EventRow, SessionRow};

/// The pages' stylesheet, served at `/collector.css`.
pub const CSS: &str = "body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d1d1f;background:#fafafa}
header{padding:.8rem 1.5rem;background:#fff;border-bottom:1px solid #e5e5e5}
header a{color:#0b57d0;text-decoration:none;font-weight:600}
main{padding:1.5rem;max-width:1200px;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f3f3f3;font-weight:600}
code{font-size:.85em;word-break:break-all}
.journey dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
.journey dd{margin:0}.emotion-negative{color:#b3261e}.emotion-positive{color:#1e7b34}";

/// `text` with `& < > " '` as entities: for markup not made by `maud`
/// (the map's page template and its SVG picture).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Parcours collector" }
                link rel="stylesheet" href="/collector.css";
            }
            body {
                header {
                    a href="/sessions" { "Sessions" } " · " a href="/map" { "Journey map" } " · " a href="/demo/" { "Demo shop" }
                }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// Milliseconds since 1970 as `YYYY-MM-DD HH:MM:SS` UTC (outside the
/// calendar jiff knows, the raw number).
pub fn utc(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => ms.to_string(),
    }
}

fn duration(ms: i64) -> String {
    let s = ms / 1000;
    if s < 60 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

pub fn sessions(rows: &[SessionRow]) -> String {
    let body = html! {
        h1 { "Recent sessions" }
        @if rows.is_empty() {
            p { "No events yet. Open the " a href="/demo/" { "demo shop" } " and click around." }
        } @else {
            table {
                thead { tr {
                    th { "Started (UTC)" } th { "Session" } th { "Visitor" } th { "User" } th { "Landing page" }
                    th { "Channel" } th { "Furthest stage" } th { "Pages" } th { "Events" } th { "Duration" }
                } }
                tbody {
                    @for s in rows {
                        tr {
                            td { (utc(s.first_ts)) }
                            td { a href={ "/sessions/" (s.session_id) } { code { (short(&s.session_id)) } } }
                            td { code { (short(&s.visitor_id)) } }
                            td { (s.user_id.as_deref().unwrap_or("")) }
                            td { (s.landing_path) }
                            td { (s.channel.as_deref().unwrap_or("")) }
                            td { (s.furthest_stage.as_deref().unwrap_or("")) }
                            td { (s.pages) }
                            td { (s.events) }
                            td { (duration(s.last_ts - s.first_ts)) }
                        }
                    }
                }
            }
        }
    };
    layout("Sessions", body)
}

/// Events on one page of a session.
pub const SESSION_PAGE: usize = 200;
/// Longest value shown in a cell; the full one is in `/v1/events`.
pub const CELL_CHARS: usize = 500;

/// Page `page` (from 1) of a session: `events` are its events from
/// `(page - 1) * SESSION_PAGE`, one more than a page when there is a next.
pub fn session(id: &str, events: &[EventRow], summary: Option<&EventRow>, page: usize) -> String {
    let more = events.len() > SESSION_PAGE;
    let events = &events[..events.len().min(SESSION_PAGE)];
    let first = events.first().map_or(0, |e| e.ts);
    let from = (page - 1) * SESSION_PAGE + 1;
    let body = html! {
        h1 { "Session " code { (id) } }
        p { "Visitor " code { (events.first().map_or("", |e| e.visitor_id.as_str())) } " · events " (from) " to " (from + events.len() - 1) }
        @if let Some(summary) = summary { (journey(&summary.properties)) }
        table {
            thead { tr { th { "+time" } th { "Type" } th { "Name" } th { "Page" } th { "Properties" } } }
            tbody {
                @for e in events {
                    tr {
                        td { (duration(e.ts - first)) }
                        td { (e.kind) }
                        td { (cut(&e.name, 0)) }
                        td { (cut(&e.path, 0)) }
                        td { code {
                            @if e.name == "journey_summary" { "(the journey above)" } @else { (cut(&e.properties, e.properties_chars)) }
                        } }
                    }
                }
            }
        }
        nav class="pages" {
            @if page > 1 { a href={ "?page=" (page - 1) } { "← earlier events" } " " }
            @if more { a href={ "?page=" (page + 1) } { "later events →" } " " }
        }
        p class="muted" { "Values longer than 500 characters are cut here; " code { "/v1/events?session=" (id) } " has them whole." }
    };
    layout("Session", body)
}

/// `text`, cut to `CELL_CHARS` characters, saying how long the whole was
/// (`whole` characters, when `text` is already a preview of it).
fn cut(text: &str, whole: i64) -> String {
    let chars = usize::try_from(whole).unwrap_or(0).max(text.chars().count());
    match text.char_indices().nth(CELL_CHARS) {
        _ if chars <= CELL_CHARS => text.to_string(),
        None => format!("{text}… ({chars} characters)"),
        Some((end, _)) => format!("{}… ({chars} characters)", &text[..end]),
    }
}

/// The session's journey, from its `journey_summary` properties.
pub fn journey(properties: &str) -> Markup {
    let Ok(j) = serde_json::from_str::<JsonValue>(properties) else {
        return html! {};
    };
    let text = |v: &JsonValue, key: &str| v.get(key).and_then(JsonValue::as_str).unwrap_or("").to_string();
    let num = |v: &JsonValue, key: &str| v.get(key).and_then(JsonValue::as_u64).unwrap_or(0);
    let list = |key: &str| j.get(key).and_then(JsonValue::as_array).cloned().unwrap_or_default();
    let stages: Vec<String> = list("stages").iter().map(|s| text(s, "stage")).collect();
    let friction = match j.get("friction").and_then(JsonValue::as_object) {
        Some(counts) if !counts.is_empty() => counts
            .iter()
            .map(|(k, n)| format!("{k} ×{}", n.as_u64().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none".into(),
    };
    let conversions: Vec<String> = list("conversions")
        .iter()
        .map(|c| {
            let value = c.get("value").map(JsonValue::to_string).unwrap_or_default();
            format!("{} {value} {}", text(c, "name"), text(c, "currency"))
        })
        .collect();
    let touch = j.get("touch").cloned().unwrap_or_default();
    html! {
        section class="journey" {
            h2 { "Journey " small { "(" (text(&j, "endReason")) ")" } }
            dl {
                dt { "Channel" } dd { (text(&j, "channel")) " " (text(&touch, "source")) " " (text(&touch, "campaign")) }
                dt { "Stages" } dd { @if stages.is_empty() { "–" } @else { (stages.join(" → ")) } }
                dt { "Conversions" } dd { @if conversions.is_empty() { "none" } @else { (conversions.join(", ")) } }
                dt { "Friction" } dd { (friction) }
                dt { "Pages · engaged · duration" }
                dd {
                    (num(&j, "pageCount")) " · " (duration(num(&j, "engagedMs") as i64)) " · " (duration(num(&j, "durationMs") as i64))
                    @if j.get("bounce").and_then(JsonValue::as_bool) == Some(true) { " · bounce" }
                }
            }
            table {
                thead { tr { th { "+time" } th { "Step" } th { "Stage" } th { "Dwell" } th { "Emotion" } th { "Friction / feedback" } } }
                tbody {
                    @for step in list("steps") {
                        tr {
                            td { (duration(num(&step, "at") as i64)) }
                            td { (text(&step, "touchpoint")) }
                            td { (text(&step, "stage")) }
                            td { (duration(num(&step, "dwellMs") as i64)) }
                            td class={ "emotion-" (text(&step, "emotion")) } { (text(&step, "emotion")) }
                            td { (notes(&step).join(", ")) }
                        }
                    }
                }
            }
        }
        h2 { "Events" }
    }
}

/// A step's friction kinds and answers (`csat 4`).
fn notes(step: &JsonValue) -> Vec<String> {
    let kinds = step.get("friction").and_then(JsonValue::as_array).into_iter().flatten();
    let answers = step.get("feedback").and_then(JsonValue::as_array).into_iter().flatten();
    kinds
        .filter_map(JsonValue::as_str)
        .map(str::to_string)
        .chain(answers.map(|a| {
            let kind = a.get("questionType").and_then(JsonValue::as_str).unwrap_or("");
            format!("{kind} {}", a.get("value").and_then(JsonValue::as_u64).unwrap_or(0))
        }))
        .collect()
}

pub fn not_found(message: &str) -> String {
    layout("Not found", html! { h1 { (message) } })
}

fn short(id: &str) -> String {
    id.chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<img src=x onerror='a'>&\""),
            "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;"
        );
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_732_270_000_000), "2024-11-22 10:06:40");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
    }
}
