//! Server-rendered HTML pages: the session list and one session's events.
//! Every value from a batch is escaped: visitors' data is never markup.

use parcours_core::json::{self, Value};

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

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Parcours collector</title><link rel=\"stylesheet\" href=\"/collector.css\"></head>\
         <body><header><a href=\"/sessions\">Sessions</a> · <a href=\"/map\">Journey map</a> · <a href=\"/demo/\">Demo shop</a></header>\
         <main>{}</main></body></html>",
        escape(title),
        body
    )
}

/// Milliseconds since 1970 as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    let mut body = String::from("<h1>Recent sessions</h1>");
    if rows.is_empty() {
        body.push_str("<p>No events yet. Open the <a href=\"/demo/\">demo shop</a> and click around.</p>");
        return layout("Sessions", &body);
    }
    body.push_str(
        "<table><thead><tr><th>Started (UTC)</th><th>Session</th><th>Visitor</th><th>User</th>\
         <th>Landing page</th><th>Channel</th><th>Furthest stage</th><th>Pages</th><th>Events</th><th>Duration</th></tr></thead><tbody>",
    );
    for s in rows {
        body.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/sessions/{}\"><code>{}</code></a></td><td><code>{}</code></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            utc(s.first_ts),
            escape(&s.session_id),
            escape(&short(&s.session_id)),
            escape(&short(&s.visitor_id)),
            escape(s.user_id.as_deref().unwrap_or("")),
            escape(&s.landing_path),
            escape(s.channel.as_deref().unwrap_or("")),
            escape(s.furthest_stage.as_deref().unwrap_or("")),
            s.pages,
            s.events,
            duration(s.last_ts - s.first_ts),
        ));
    }
    body.push_str("</tbody></table>");
    layout("Sessions", &body)
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
    let mut body = format!(
        "<h1>Session <code>{}</code></h1><p>Visitor <code>{}</code> · events {} to {}</p>",
        escape(id),
        escape(events.first().map_or("", |e| e.visitor_id.as_str())),
        from,
        from + events.len() - 1
    );
    if let Some(summary) = summary {
        body.push_str(&journey(&summary.properties));
    }
    body.push_str(
        "<table><thead><tr><th>+time</th><th>Type</th><th>Name</th><th>Page</th><th>Properties</th></tr></thead><tbody>",
    );
    for e in events {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            duration(e.ts - first),
            escape(&e.kind),
            escape(&cut(&e.name, 0)),
            escape(&cut(&e.path, 0)),
            if e.name == "journey_summary" {
                "(the journey above)".to_string()
            } else {
                escape(&cut(&e.properties, e.properties_chars))
            },
        ));
    }
    body.push_str("</tbody></table><nav class=\"pages\">");
    let link = |page: usize, text: &str| format!("<a href=\"?page={page}\">{text}</a> ");
    if page > 1 {
        body.push_str(&link(page - 1, "← earlier events"));
    }
    if more {
        body.push_str(&link(page + 1, "later events →"));
    }
    body.push_str("</nav><p class=\"muted\">Values longer than 500 characters are cut here; <code>/v1/events?session=");
    body.push_str(&escape(id));
    body.push_str("</code> has them whole.</p>");
    layout("Session", &body)
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
pub fn journey(properties: &str) -> String {
    let Ok(j) = json::parse(properties) else {
        return String::new();
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let num = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0);
    let list = |key: &str| match j.get(key) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let stages: Vec<String> = list("stages").iter().map(|s| escape(&text(s, "stage"))).collect();
    let friction = match j.get("friction") {
        Some(Value::Object(counts)) if !counts.is_empty() => counts
            .iter()
            .map(|(k, n)| format!("{} ×{}", escape(k), n.as_u64().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", "),
        _ => "none".into(),
    };
    let conversions: Vec<String> = list("conversions")
        .iter()
        .map(|c| {
            let value = c.get("value").map(|v| v.to_json()).unwrap_or_default();
            format!(
                "{} {} {}",
                escape(&text(c, "name")),
                escape(&value),
                escape(&text(c, "currency"))
            )
        })
        .collect();
    let touch = j.get("touch").cloned().unwrap_or(Value::Null);
    let mut out = format!(
        "<section class=\"journey\"><h2>Journey <small>({})</small></h2><dl>\
         <dt>Channel</dt><dd>{} {} {}</dd><dt>Stages</dt><dd>{}</dd><dt>Conversions</dt><dd>{}</dd>\
         <dt>Friction</dt><dd>{}</dd><dt>Pages · engaged · duration</dt><dd>{} · {} · {}{}</dd></dl>",
        escape(&text(&j, "endReason")),
        escape(&text(&j, "channel")),
        escape(&text(&touch, "source")),
        escape(&text(&touch, "campaign")),
        if stages.is_empty() {
            "–".into()
        } else {
            stages.join(" → ")
        },
        if conversions.is_empty() {
            "none".into()
        } else {
            conversions.join(", ")
        },
        friction,
        num(&j, "pageCount"),
        duration(num(&j, "engagedMs") as i64),
        duration(num(&j, "durationMs") as i64),
        if j.get("bounce") == Some(&Value::Bool(true)) {
            " · bounce"
        } else {
            ""
        },
    );
    out.push_str("<table><thead><tr><th>+time</th><th>Step</th><th>Stage</th><th>Dwell</th><th>Emotion</th><th>Friction / feedback</th></tr></thead><tbody>");
    for step in list("steps") {
        let mut notes: Vec<String> = match step.get("friction") {
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).map(escape).collect(),
            _ => Vec::new(),
        };
        if let Some(Value::Array(answers)) = step.get("feedback") {
            for a in answers {
                notes.push(format!("{} {}", escape(&text(a, "questionType")), num(a, "value")));
            }
        }
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"emotion-{}\">{}</td><td>{}</td></tr>",
            duration(num(&step, "at") as i64),
            escape(&text(&step, "touchpoint")),
            escape(&text(&step, "stage")),
            duration(num(&step, "dwellMs") as i64),
            escape(&text(&step, "emotion")),
            escape(&text(&step, "emotion")),
            notes.join(", "),
        ));
    }
    out.push_str("</tbody></table></section><h2>Events</h2>");
    out
}

pub fn not_found(message: &str) -> String {
    layout("Not found", &format!("<h1>{}</h1>", escape(message)))
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
