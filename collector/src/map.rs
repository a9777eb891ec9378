//! The journey map: the page (`GET /map`, its script, style and charting
//! library), its figures as JSON (`/v1/map`), CSV (`/v1/map.csv`) and SVG
//! (`/v1/map.svg`), and the drill-down from a touchpoint to its sessions
//! (`/v1/map/sessions`). Every figure is `parcours_server::aggregate`'s, fed
//! the stored journey summaries by the store (SQLite or ClickHouse).

use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use parcours_core::error::FieldError;
use parcours_server::aggregate::{Facts, Filter, JourneyMap, Period};

use crate::map_svg;
use crate::state::{error_response, internal_error, json_response, off_thread, reader_refusal, Shared};

const PAGE: &str = include_str!("../assets/map.html");
const SCRIPT: &str = include_str!("../assets/map.js");
const STYLE: &str = include_str!("../assets/map.css");
/// The page's charts (Apache ECharts), bundled and gzipped by `build.rs`.
const CHARTS_GZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/charts.js.gz"));

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/map", get(page))
        .route("/map/map.js", get(|| async { asset("text/javascript", SCRIPT) }))
        .route("/map/map.css", get(|| async { asset("text/css", STYLE) }))
        .route("/map/charts.js", get(charts))
        .route("/v1/map", get(figures_json))
        .route("/v1/map.csv", get(figures_csv))
        .route("/v1/map.svg", get(figures_svg))
        .route("/v1/map/sessions", get(drill_down))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    let stages = state.settings.stages.join(",");
    let page = PAGE
        .replace("{{stages}}", &crate::pages::escape(&stages))
        .replace("{{hot_spot}}", &map_svg::HOT_SPOT_SHARE.to_string())
        .replace("{{colours}}", &map_svg::colour_stops())
        .replace("{{store}}", &crate::pages::escape(&state.store.describe()));
    axum::response::Html(page).into_response()
}

/// The library as stored (gzip) when the browser takes gzip, else inflated.
async fn charts(headers: HeaderMap) -> Response {
    let js = (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript"));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    let takes_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    if takes_gzip {
        let gzip = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return ([js, cache, gzip], CHARTS_GZ).into_response();
    }
    let mut plain = Vec::new();
    let inflated = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(CHARTS_GZ), &mut plain);
    match inflated {
        Ok(_) => ([js, cache], plain).into_response(),
        Err(e) => internal_error(e),
    }
}

/// The query of every map route.
#[derive(serde::Deserialize, Default)]
pub struct MapParams {
    /// The stage model, comma-separated, in order (default: `--stages`).
    stages: Option<String>,
    channel: Option<String>,
    device: Option<String>,
    /// `new` or `returning`.
    visitor: Option<String>,
    /// An A/B variant of a survey: sessions that answered it.
    variant: Option<String>,
    /// Sessions through this touchpoint.
    touchpoint: Option<String>,
    /// Sessions started from / before: ms since 1970 or `YYYY-MM-DD`.
    from: Option<String>,
    to: Option<String>,
    /// How many paths (default 10, at most 100).
    top: Option<usize>,
    /// Drill-down: how many sessions (default 50, at most 500).
    limit: Option<usize>,
    /// The trend's period: `day`, `week` or `month` (default: what suits the span).
    trend: Option<String>,
    /// What the view is compared with: the same filters, but for these
    /// (another period, channel, device, visitors or variant).
    #[serde(rename = "compareFrom")]
    compare_from: Option<String>,
    #[serde(rename = "compareTo")]
    compare_to: Option<String>,
    #[serde(rename = "compareChannel")]
    compare_channel: Option<String>,
    #[serde(rename = "compareDevice")]
    compare_device: Option<String>,
    #[serde(rename = "compareVisitor")]
    compare_visitor: Option<String>,
    #[serde(rename = "compareVariant")]
    compare_variant: Option<String>,
}

struct MapQuery {
    stages: Vec<String>,
    filter: Filter,
    top: usize,
    limit: usize,
    period: Option<Period>,
    /// The filter of what the view is compared with, if anything.
    compared: Option<Filter>,
}

fn invalid(field: &str, problem: String) -> FieldError {
    FieldError::new("invalid_query", field, problem)
}

fn read_query(params: MapParams, default_stages: &[String]) -> Result<MapQuery, FieldError> {
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let visitors = |field: &str, value: Option<&str>| match value {
        None => Ok(None),
        Some("new") => Ok(Some(false)),
        Some("returning") => Ok(Some(true)),
        Some(other) => Err(invalid(field, format!("expected new or returning, got {other:?}"))),
    };
    let returning = visitors("visitor", given(params.visitor).as_deref())?;
    // A day given as `to` counts whole: sessions started before the next day.
    let time = |field: &str, value: Option<String>, day_end: u64| -> Result<Option<u64>, FieldError> {
        let Some(text) = given(value) else { return Ok(None) };
        let day = |t: &str| parcours_core::date::parse_date(t).map(|ms| ms + if t.len() == 10 { day_end } else { 0 });
        text.parse()
            .ok()
            .or_else(|| day(&text))
            .map(Some)
            .ok_or_else(|| invalid(field, format!("expected ms since 1970 or YYYY-MM-DD, got {text:?}")))
    };
    let period = match given(params.trend) {
        None => None,
        Some(name) => Some(
            Period::parse(&name)
                .ok_or_else(|| invalid("trend", format!("expected {}, got {name:?}", Period::NAMES.join(", "))))?,
        ),
    };
    let stages = match given(params.stages) {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => default_stages.to_vec(),
    };
    let filter = Filter {
        channel: given(params.channel),
        device: given(params.device),
        returning,
        from: time("from", params.from, 0)?,
        to: time("to", params.to, parcours_core::date::DAY_MS)?,
        variant: given(params.variant),
        touchpoint: given(params.touchpoint),
    };
    // What the view is compared with: its filter, with each `compare…`
    // given in place of the view's (`all` lifts that filter).
    let overrides = [
        &params.compare_from,
        &params.compare_to,
        &params.compare_channel,
        &params.compare_device,
        &params.compare_visitor,
        &params.compare_variant,
    ];
    let compared = if overrides.iter().any(|o| given((*o).clone()).is_some()) {
        let text = |value: Option<String>, theirs: &Option<String>| match given(value) {
            Some(all) if all == "all" => None,
            Some(value) => Some(value),
            None => theirs.clone(),
        };
        let mut compared = filter.clone();
        compared.channel = text(params.compare_channel, &filter.channel);
        compared.device = text(params.compare_device, &filter.device);
        compared.variant = text(params.compare_variant, &filter.variant);
        match given(params.compare_visitor).as_deref() {
            Some("all") => compared.returning = None,
            Some(value) => compared.returning = visitors("compareVisitor", Some(value))?,
            None => {}
        }
        if let Some(from) = time("compareFrom", params.compare_from, 0)? {
            compared.from = Some(from);
        }
        if let Some(to) = time("compareTo", params.compare_to, parcours_core::date::DAY_MS)? {
            compared.to = Some(to);
        }
        Some(compared)
    } else {
        None
    };
    Ok(MapQuery {
        stages,
        filter,
        top: params.top.unwrap_or(10).min(100),
        limit: params.limit.unwrap_or(50).min(500),
        period,
        compared,
    })
}

/// The query of a reader's request, or the refusal to answer it (a whole
/// response, returned once per request: its size does not matter).
#[allow(clippy::result_large_err)]
fn allowed_query(state: &Shared, params: MapParams, headers: &HeaderMap) -> Result<MapQuery, Response> {
    if let Some(refusal) = reader_refusal(&state.settings, headers) {
        return Err(refusal);
    }
    read_query(params, &state.settings.stages).map_err(|error| error_response(StatusCode::BAD_REQUEST, &error))
}

/// Runs `work` on the aggregated map off the async threads, and answers
/// with what it wrote, timed in `Server-Timing`.
async fn answer(
    state: Shared,
    params: MapParams,
    headers: HeaderMap,
    content_type: &'static str,
    work: fn(&JourneyMap, Option<&JourneyMap>, &MapQuery) -> String,
) -> Response {
    let query = match allowed_query(&state, params, &headers) {
        Ok(query) => query,
        Err(refusal) => return refusal,
    };
    let result = off_thread(move || {
        let started = Instant::now();
        let default_view =
            query.filter == Filter::default() && query.stages == state.settings.stages && query.compared.is_none();
        let live = if default_view {
            state.live.read(&state.store, &query.stages, |map| {
                (work(map, None, &query), map.totals.sessions)
            })?
        } else {
            None
        };
        let (body, sessions, how) = match live {
            Some((body, sessions)) => (body, sessions, "kept live"),
            None => {
                // The view, and what it is compared with, in one read of the store.
                let filters = std::iter::once(query.filter.clone())
                    .chain(query.compared.clone())
                    .collect();
                let maps = crate::live::aggregate_all(&state.store, &query.stages, filters)?;
                let sessions = maps.iter().map(|m| m.totals.sessions).sum();
                (work(&maps[0], maps.get(1), &query), sessions, "aggregated")
            }
        };
        Ok((body, started.elapsed().as_secs_f64() * 1000.0, sessions, how))
    })
    .await;
    match result {
        Ok((body, ms, sessions, how)) => {
            let timing = format!("aggregate;dur={ms:.1};desc=\"{sessions} sessions, {how}\"");
            let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
            if let Ok(value) = HeaderValue::from_str(&timing) {
                response.headers_mut().insert("server-timing", value);
            }
            response
        }
        Err(response) => response,
    }
}

/// `GET /v1/map?stages=&channel=&device=&visitor=&variant=&touchpoint=&from=&to=&top=&trend=&compare…=`
async fn figures_json(State(state): State<Shared>, Query(params): Query<MapParams>, headers: HeaderMap) -> Response {
    answer(state, params, headers, "application/json", |map, compared, q| {
        map.to_json_compared(q.top, q.period, compared)
    })
    .await
}

/// `GET /v1/map.csv?…`: the same figures, one row per stage, touchpoint, path and
/// point of the trend, then those of what the view is compared with.
async fn figures_csv(State(state): State<Shared>, Query(params): Query<MapParams>, headers: HeaderMap) -> Response {
    let mut response = answer(state, params, headers, "text/csv; charset=utf-8", |map, compared, q| {
        map.to_csv_compared(q.top, q.period, compared)
    })
    .await;
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"journey-map.csv\""),
    );
    response
}

/// `GET /v1/map.svg?…`: the map as a picture (slides, reports); the page
/// turns it into a PNG.
async fn figures_svg(State(state): State<Shared>, Query(params): Query<MapParams>, headers: HeaderMap) -> Response {
    answer(state, params, headers, "image/svg+xml", |map, _, _| {
        map_svg::render(map)
    })
    .await
}

/// `GET /v1/map/sessions?touchpoint=…&(filters)&limit=`: the latest
/// sessions through a touchpoint, with what happened there and the answers
/// given, newest first.
async fn drill_down(State(state): State<Shared>, Query(params): Query<MapParams>, headers: HeaderMap) -> Response {
    let query = match allowed_query(&state, params, &headers) {
        Ok(query) => query,
        Err(refusal) => return refusal,
    };
    let Some(touchpoint) = query.filter.touchpoint.clone() else {
        let error = invalid("touchpoint", "is required".into()).with_fix("Name the touchpoint to drill into");
        return error_response(StatusCode::BAD_REQUEST, &error);
    };
    let result = off_thread(move || {
        // The matching journeys' start and summary id; then the latest, whole.
        let mut matches: Vec<(u64, String)> = Vec::new();
        state.store.each_journey(|line| {
            if let Some(facts) = Facts::decode(line).filter(|f| query.filter.keeps(f)) {
                matches.push((facts.started_at, facts.id.to_string()));
            }
        })?;
        matches.sort_unstable_by(|a, b| b.cmp(a));
        let matched = matches.len() as u64;
        let ids: Vec<String> = matches.into_iter().take(query.limit).map(|(_, id)| id).collect();
        let mut sessions: Vec<serde_json::Value> = state
            .store
            .raw_by_ids(&ids)?
            .iter()
            .filter_map(|raw| serde_json::from_str(raw).ok())
            .map(|event| session_json(&event, &touchpoint))
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s["startedAt"].as_u64()));
        let body = serde_json::json!({ "touchpoint": touchpoint, "matched": matched, "sessions": sessions });
        Ok(body.to_string())
    })
    .await;
    match result {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(response) => response,
    }
}

/// One session of the drill-down: who, when, how far, and at the touchpoint
/// its emotion, friction and answers (a free-text one with its sentiment,
/// read here: the words stay in the store).
fn session_json(event: &serde_json::Value, touchpoint: &str) -> serde_json::Value {
    use serde_json::Value;
    let summary = &event["properties"];
    let steps = summary["steps"].as_array().map_or(&[][..], Vec::as_slice);
    let here: Vec<&Value> = steps.iter().filter(|s| s["touchpoint"] == touchpoint).collect();
    let collect = |key: &str| -> Vec<Value> {
        here.iter()
            .filter_map(|s| s[key].as_array())
            .flatten()
            .cloned()
            .collect()
    };
    let answers: Vec<Value> = collect("feedback")
        .into_iter()
        .map(|mut answer| {
            if let Some(words) = answer["text"].as_str() {
                let sentiment = parcours_server::sentiment::of(words).name();
                answer["sentiment"] = sentiment.into();
            }
            answer
        })
        .collect();
    let text = |v: &Value| Value::from(v.as_str().unwrap_or(""));
    // In this order; the optional ones only when present, as the rest of /v1/map.
    let optional = |v: &Value| v.as_str().filter(|v| !v.is_empty()).map(Value::from);
    let fields = [
        ("sessionId", Some(text(&event["sessionId"]))),
        ("visitorId", Some(text(&event["visitorId"]))),
        ("userId", optional(&event["userId"])),
        ("startedAt", Some(summary["startedAt"].as_u64().unwrap_or(0).into())),
        ("channel", Some(text(&summary["channel"]))),
        ("device", Some(text(&event["context"]["device"]["class"]))),
        ("furthestStage", optional(&summary["furthestStage"])),
        ("steps", Some(steps.len().into())),
        (
            "emotion",
            Some(here.last().map_or_else(|| "".into(), |s| text(&s["emotion"]))),
        ),
        ("friction", Some(collect("friction").into())),
        ("answers", Some(answers.into())),
    ];
    let out: serde_json::Map<String, Value> = fields
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_string(), value?)))
        .collect();
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_read_dates_and_name_what_is_wrong() {
        const DAY: u64 = parcours_core::date::DAY_MS;
        let stages = vec!["awareness".to_string()];
        let q = read_query(
            MapParams {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-20".into()),
                channel: Some(" ".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .ok()
        .unwrap();
        assert_eq!(q.filter.from, Some(1_793_491_200_000));
        assert_eq!(q.filter.to, Some(1_795_219_200_000), "the whole of the 20th");
        assert_eq!(q.filter.channel, None, "blank is no filter");
        assert_eq!(q.stages, stages);
        let bad = read_query(
            MapParams {
                from: Some("last week".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .err()
        .unwrap();
        assert_eq!(bad.field, "from");
        let by_week = MapParams {
            trend: Some("week".into()),
            ..MapParams::default()
        };
        assert_eq!(read_query(by_week, &stages).ok().unwrap().period, Some(Period::Week));
        let bad = read_query(
            MapParams {
                trend: Some("year".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .err()
        .unwrap();
        assert_eq!(bad.field, "trend");
        assert!(
            bad.message().contains(r#"expected day, week, month, got "year""#),
            "{}",
            bad.message()
        );
        assert_eq!(q.compared, None, "nothing to compare with unless asked");
        // Two periods: the view's other filters hold on both sides.
        let q = read_query(
            MapParams {
                from: Some("2026-11-16".into()),
                channel: Some("email".into()),
                compare_from: Some("2026-11-01".into()),
                compare_to: Some("2026-11-15".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .ok()
        .unwrap();
        let compared = q.compared.unwrap();
        assert_eq!(
            (compared.from, compared.to),
            (Some(1_793_491_200_000), Some(1_795_219_200_000 - 5 * DAY)),
            "1 Nov to the whole of the 15th"
        );
        assert_eq!(compared.channel.as_deref(), Some("email"));
        // Two segments: email against every channel.
        let q = read_query(
            MapParams {
                channel: Some("email".into()),
                compare_channel: Some("all".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .ok()
        .unwrap();
        assert_eq!(q.compared.unwrap().channel, None);
        let bad = read_query(
            MapParams {
                compare_visitor: Some("old".into()),
                ..MapParams::default()
            },
            &stages,
        )
        .err()
        .unwrap();
        assert_eq!(bad.field, "compareVisitor");
        assert!(bad.message().contains(r#"expected new or returning, got "old""#));
    }
}
