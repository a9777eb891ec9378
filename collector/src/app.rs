//! HTTP routes of the collector: ingest, reads, erasure, surveys, pages;
//! the journey map's routes are `map`'s, offline touchpoints'
//! `touchpoints`'. What they share is `state`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use parcours_core::error::FieldError;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::pages;
pub use crate::state::Settings;
use crate::state::{
    client_address, error_response, json_response, off_thread, reader_refusal, too_many_requests, AppState, Shared,
};
use crate::store::{EventQuery, Store};
use crate::surveys;

pub fn router(store: Store, settings: Settings) -> Router {
    let cors = cors_layer(&settings.allowed_origins);
    let www = settings.www_dir.clone();
    let state = Arc::new(AppState::new(store, settings));
    // The map's default view is built now, in the background, so that the
    // first visit to the map does not wait for it.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let state = state.clone();
        runtime.spawn_blocking(move || {
            if let Err(e) = state.live.read(&state.store, &state.settings.stages, |_| ()) {
                crate::log::error("the journey map's default view failed", &[("error", &e.to_string())]);
            }
        });
    }
    let fault_injection = state.settings.fault_injection;
    let mut api = Router::new()
        .route("/v1/batch", post(crate::ingest::receive_batch))
        .route("/v1/events", get(list_events))
        .route("/v1/stats", get(stats))
        .route("/v1/surveys", get(serve_surveys))
        .route("/v1/touchpoints", post(crate::touchpoints::receive))
        .merge(crate::map::routes())
        .route("/v1/visitors/{id}", axum::routing::delete(erase_visitor));
    if fault_injection {
        api = api.route("/v1/faults", post(crate::ingest::set_faults));
    }
    let api = api.layer(cors);
    let mut app = Router::new()
        .merge(api)
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/sessions", get(sessions_page))
        .route(
            "/collector.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], pages::CSS) }),
        )
        .route("/sessions/{id}", get(session_page))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            throttle_key_guessing,
        ))
        .with_state(state);
    let app = match www {
        Some(dir) => {
            app = app.route("/", get(|| async { axum::response::Redirect::to("/demo/") }));
            app.fallback_service(ServeDir::new(dir))
        }
        None => app,
    };
    app.layer(axum::middleware::from_fn(crate::headers::security))
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let allow = if origins.is_empty() || origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::POST, Method::GET])
        .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG])
        .max_age(std::time::Duration::from_secs(86_400))
}

/// Keys are not guessed: a client whose wrong keys (401 answers) outrun
/// `AUTH_FAILURES_PER_MINUTE` gets 429 with Retry-After until its bucket
/// refills. Batches are left to their own limits (a write key is public).
async fn throttle_key_guessing(
    State(state): State<Shared>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path() == "/v1/batch" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let client = client_address(&parts, state.settings.trust_proxy);
    if let Err(wait) = state.auth_failures.peek(&client, Instant::now()) {
        return too_many_requests("authorization", "tried too many wrong keys", wait);
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        let _ = state.auth_failures.check(&client, Instant::now());
    }
    response
}

/// `GET /metrics`: the batch route's counters and latencies for Prometheus
/// (admin key when set, as `Authorization: Bearer`).
async fn metrics(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /v1/surveys`: the definitions of `--surveys FILE` with their ETag
/// (304 when `If-None-Match` has it). Public, like the surveys themselves.
async fn serve_surveys(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let Some(file) = &state.surveys else {
        let error = FieldError::new("no_surveys", "", "this collector serves no survey definitions")
            .with_fix("Start it with --surveys FILE");
        return error_response(StatusCode::NOT_FOUND, &error);
    };
    let served = match file.current() {
        Ok(served) => served,
        Err(problem) => {
            crate::log::error("the surveys file cannot be served", &[("problem", &problem)]);
            let error = FieldError::new("surveys_unavailable", "", problem);
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &error);
        }
    };
    let etag = HeaderValue::from_str(&served.etag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|given| surveys::matches(given, &served.etag)) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    let json = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    (StatusCode::OK, [(header::ETAG, etag), cache, json], served.body.clone()).into_response()
}

/// `GET /v1/stats`: totals of what was received (admin key when set).
/// `GET /ready`: 200 once the store answers a query within 5 s, else 503
/// (`/health` only says the process serves HTTP).
async fn ready(State(state): State<Shared>) -> Response {
    let answered = tokio::time::timeout(Duration::from_secs(5), off_thread(move || state.store.ping())).await;
    match answered {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "the store does not answer").into_response(),
    }
}

async fn stats(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    match off_thread(move || state.store.stats_json()).await {
        Ok(json) => json_response(StatusCode::OK, json),
        Err(response) => response,
    }
}

#[derive(serde::Deserialize, Default)]
struct EventsParams {
    session: Option<String>,
    visitor: Option<String>,
    name: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/events?session=&visitor=&name=&limit=`: stored events, oldest first,
/// each exactly as received plus `receivedAt`.
async fn list_events(State(state): State<Shared>, Query(params): Query<EventsParams>, headers: HeaderMap) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    let query = EventQuery {
        session_id: params.session,
        visitor_id: params.visitor,
        name: params.name,
        limit: params.limit.unwrap_or(1_000).min(100_000),
        ..EventQuery::default()
    };
    let rows = match off_thread(move || state.store.events(&query)).await {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    let mut body = String::from("{\"events\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        // raw is a JSON object the decoder produced; splice receivedAt in.
        body.push_str(&row.raw[..row.raw.len() - 1]);
        body.push_str(&format!(",\"receivedAt\":{}}}", row.received_at));
    }
    body.push_str("]}");
    json_response(StatusCode::OK, body)
}

/// `DELETE /v1/visitors/{id}` with `Authorization: Bearer <admin key>`:
/// erases every event of that visitor id (or user id).
async fn erase_visitor(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if state.settings.admin_key.is_none() {
        let error = FieldError::new("erasure_disabled", "", "this collector has no admin key")
            .with_fix("Start it with --admin-key");
        return error_response(StatusCode::FORBIDDEN, &error);
    }
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    let erasing = state.clone();
    let erased = off_thread(move || erasing.store.erase_visitor(&id)).await;
    state.live.forget();
    match erased {
        Ok(deleted) => json_response(StatusCode::OK, serde_json::json!({ "deleted": deleted }).to_string()),
        Err(response) => response,
    }
}

async fn sessions_page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    match off_thread(move || state.store.recent_sessions(200)).await {
        Ok(sessions) => Html(pages::sessions(&sessions)).into_response(),
        Err(response) => response,
    }
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    page: Option<usize>,
}

/// `GET /sessions/{id}?page=N`: one page of a session's events
/// (`pages::SESSION_PAGE` of them, long values cut), with its journey.
async fn session_page(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = reader_refusal(&state.settings, &headers) {
        return refusal;
    }
    let page = params.page.unwrap_or(1).clamp(1, 100_000);
    let query = |name: Option<&str>, limit: usize, offset: usize, preview: Option<usize>| EventQuery {
        session_id: Some(id.clone()),
        name: name.map(str::to_string),
        limit,
        offset,
        preview,
        ..EventQuery::default()
    };
    // One more than a page: whether there is a next one. Only what the page
    // shows of each event is read.
    let page_of = query(
        None,
        pages::SESSION_PAGE + 1,
        (page - 1) * pages::SESSION_PAGE,
        Some(pages::CELL_CHARS),
    );
    let summary_query = query(Some(parcours_core::journey::SUMMARY_EVENT), 1, 0, None);
    let read = off_thread(move || Ok((state.store.events(&page_of)?, state.store.events(&summary_query)?))).await;
    match read {
        Ok((events, _)) if events.is_empty() => (
            StatusCode::NOT_FOUND,
            Html(pages::not_found(&format!("No session {id} (or no page {page} of it)"))),
        )
            .into_response(),
        Ok((events, summary)) => Html(pages::session(&id, &events, summary.first(), page)).into_response(),
        Err(response) => response,
    }
}
