//! HTTP routes of the collector.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::to_bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use parcours_core::batch;
use parcours_core::error::FieldError;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::pages;
use crate::store::{EventQuery, Store};

/// How the collector is set up (from the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Origins allowed to send batches from a browser; empty allows any.
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Folder served at `/` (the demo site); none to serve nothing.
    pub www_dir: Option<PathBuf>,
    /// Bearer key for administrative calls (erasure); none disables them.
    pub admin_key: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_origins: Vec::new(),
            max_body_bytes: 1_000_000,
            www_dir: None,
            admin_key: None,
        }
    }
}

struct AppState {
    store: Store,
    settings: Settings,
}

type Shared = Arc<AppState>;

pub fn router(store: Store, settings: Settings) -> Router {
    let cors = cors_layer(&settings.allowed_origins);
    let www = settings.www_dir.clone();
    let state = Arc::new(AppState { store, settings });
    let api = Router::new()
        .route("/v1/batch", post(receive_batch))
        .route("/v1/events", get(list_events))
        .route("/v1/visitors/{id}", axum::routing::delete(erase_visitor))
        .layer(cors);
    let mut app = Router::new()
        .merge(api)
        .route("/health", get(|| async { "ok" }))
        .route("/sessions", get(sessions_page))
        .route(
            "/collector.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], pages::CSS) }),
        )
        .route("/sessions/{id}", get(session_page))
        .with_state(state);
    match www {
        Some(dir) => {
            app = app.route("/", get(|| async { axum::response::Redirect::to("/demo/") }));
            app.fallback_service(ServeDir::new(dir))
        }
        None => app,
    }
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
        .allow_headers([header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(86_400))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error_response(status: StatusCode, error: &FieldError) -> Response {
    json_response(status, format!("{{\"error\":{}}}", error.to_json()))
}

fn internal_error(e: impl std::fmt::Display) -> Response {
    eprintln!("collector: storage error: {e}");
    let error = FieldError::new(
        "storage_error",
        "",
        "the collector could not store the batch; retry later",
    );
    error_response(StatusCode::SERVICE_UNAVAILABLE, &error)
}

/// `POST /v1/batch`: validates and stores a batch (any content type; the
/// SDK sends `text/plain` to avoid a CORS preflight).
async fn receive_batch(State(state): State<Shared>, request: Request) -> Response {
    let limit = state.settings.max_body_bytes;
    let bytes = match to_bytes(request.into_body(), limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = FieldError::new("body_too_large", "body", format!("is larger than {limit} bytes"))
                .with_fix("Send smaller batches (the SDK's maxBatchBytes)");
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, &error);
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            &FieldError::new("invalid_batch", "body", "is not UTF-8"),
        );
    };
    let batch = match batch::decode(text) {
        Ok(batch) => batch,
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error),
    };
    let state2 = state.clone();
    let result = tokio::task::spawn_blocking(move || state2.store.insert_batch(&batch, now_ms())).await;
    match result {
        Ok(Ok(stored)) => json_response(
            StatusCode::OK,
            format!(
                "{{\"accepted\":{},\"duplicates\":{}}}",
                stored.accepted, stored.duplicates
            ),
        ),
        Ok(Err(e)) => internal_error(e),
        Err(e) => internal_error(e),
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
async fn list_events(State(state): State<Shared>, Query(params): Query<EventsParams>) -> Response {
    let query = EventQuery {
        session_id: params.session,
        visitor_id: params.visitor,
        name: params.name,
        limit: params.limit.unwrap_or(1_000).min(100_000),
    };
    let rows = match state.store.events(&query) {
        Ok(rows) => rows,
        Err(e) => return internal_error(e),
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
async fn erase_visitor(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(key) = &state.settings.admin_key else {
        let error = FieldError::new("erasure_disabled", "", "this collector has no admin key")
            .with_fix("Start it with --admin-key");
        return error_response(StatusCode::FORBIDDEN, &error);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if given.strip_prefix("Bearer ") != Some(key.as_str()) {
        let error = FieldError::new("unauthorized", "authorization", "expected Bearer and the admin key");
        return error_response(StatusCode::UNAUTHORIZED, &error);
    }
    match state.store.erase_visitor(&id) {
        Ok(deleted) => json_response(StatusCode::OK, format!("{{\"deleted\":{deleted}}}")),
        Err(e) => internal_error(e),
    }
}

async fn sessions_page(State(state): State<Shared>) -> Response {
    match state.store.recent_sessions(200) {
        Ok(sessions) => Html(pages::sessions(&sessions)).into_response(),
        Err(e) => internal_error(e),
    }
}

async fn session_page(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let query = EventQuery {
        session_id: Some(id.clone()),
        limit: 10_000,
        ..EventQuery::default()
    };
    match state.store.events(&query) {
        Ok(events) if events.is_empty() => (
            StatusCode::NOT_FOUND,
            Html(pages::not_found(&format!("No session {id}"))),
        )
            .into_response(),
        Ok(events) => Html(pages::session(&id, &events)).into_response(),
        Err(e) => internal_error(e),
    }
}
