//! HTTP routes of the collector.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use parcours_core::batch;
use parcours_core::error::FieldError;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::faults::{self, Action, Faults};
use crate::limits::RateLimiter;
use crate::pages;
use crate::store::{EventQuery, Store, StoreError};
use crate::surveys::{self, SurveyFile};

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
    /// Write keys a batch must carry one of; empty accepts batches without.
    pub write_keys: Vec<String>,
    /// Batches a minute from one IP address (0: unlimited).
    pub ip_rate_per_minute: u32,
    /// Batches a minute under one write key (0: unlimited).
    pub key_rate_per_minute: u32,
    /// Enables `POST /v1/faults` (tests of delivery only).
    pub fault_injection: bool,
    /// Behind one reverse proxy: the client is the last `X-Forwarded-For` entry.
    pub trust_proxy: bool,
    /// Survey definitions served at `GET /v1/surveys` (`--surveys`).
    pub surveys_file: Option<PathBuf>,
    /// Keys the site's servers send offline touchpoints with; empty: off.
    pub server_keys: Vec<String>,
    /// The site's stage model, in order (the map's columns).
    pub stages: Vec<String>,
    /// Refuse events dated outside the window around the collector's clock
    /// (`window.rs`). Off only for tests whose events are dated near 1970.
    pub time_window: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_origins: Vec::new(),
            max_body_bytes: 1_000_000,
            www_dir: None,
            admin_key: None,
            write_keys: Vec::new(),
            ip_rate_per_minute: 1_200,
            key_rate_per_minute: 60_000,
            fault_injection: false,
            trust_proxy: false,
            surveys_file: None,
            server_keys: Vec::new(),
            time_window: true,
            stages: parcours_core::stages::DEFAULT_STAGES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

pub(crate) struct AppState {
    pub(crate) store: Store,
    /// The map's default view, kept up to date (SQLite).
    pub(crate) live: crate::live::LiveMap,
    pub(crate) settings: Settings,
    ip_limiter: RateLimiter,
    key_limiter: RateLimiter,
    faults: Faults,
    surveys: Option<SurveyFile>,
    metrics: crate::metrics::Metrics,
    /// Wrong keys on the read, erase and offline-touchpoint routes, per client address.
    auth_failures: RateLimiter,
}

/// Wrong keys a client may try: bursts of ten, then one a second.
const AUTH_FAILURES_PER_MINUTE: u32 = 60;

pub(crate) type Shared = Arc<AppState>;

pub fn router(store: Store, settings: Settings) -> Router {
    let cors = cors_layer(&settings.allowed_origins);
    let www = settings.www_dir.clone();
    let state = Arc::new(AppState {
        store,
        live: crate::live::LiveMap::default(),
        ip_limiter: RateLimiter::new(settings.ip_rate_per_minute),
        key_limiter: RateLimiter::new(settings.key_rate_per_minute),
        faults: Faults::default(),
        surveys: settings.surveys_file.clone().map(SurveyFile::new),
        metrics: crate::metrics::Metrics::default(),
        auth_failures: RateLimiter::new(AUTH_FAILURES_PER_MINUTE),
        settings,
    });
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
        .route("/v1/batch", post(receive_batch))
        .route("/v1/events", get(list_events))
        .route("/v1/stats", get(stats))
        .route("/v1/surveys", get(serve_surveys))
        .route("/v1/touchpoints", post(crate::touchpoints::receive))
        .merge(crate::map::routes())
        .route("/v1/visitors/{id}", axum::routing::delete(erase_visitor));
    if fault_injection {
        api = api.route("/v1/faults", post(set_faults));
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

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) fn error_response(status: StatusCode, error: &FieldError) -> Response {
    let mut response = json_response(status, format!("{{\"error\":{}}}", error.to_json()));
    response.extensions_mut().insert(RefusalCode(error.code));
    response
}

/// Runs store work off the async threads; a store failure (or a panic in
/// `work`) is answered as `internal_error`.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(internal_error(e)),
        Err(e) => Err(internal_error(e)),
    }
}

pub(crate) fn internal_error(e: impl std::fmt::Display) -> Response {
    crate::log::error("storage error", &[("error", &e.to_string())]);
    let error = FieldError::new(
        "storage_error",
        "",
        "the collector could not store the batch; retry later",
    );
    error_response(StatusCode::SERVICE_UNAVAILABLE, &error)
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

/// `POST /v1/batch`, counted: the answer's time, and a refusal's code.
async fn receive_batch(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let response = store_batch(state.clone(), request).await;
    state.metrics.answered(started.elapsed());
    if !response.status().is_success() {
        let code = response
            .extensions()
            .get::<RefusalCode>()
            .map_or("internal_error", |c| c.0);
        state.metrics.batch_refused(code);
        let status = response.status().as_u16().to_string();
        crate::log::warn(
            "refused",
            &[("route", "POST /v1/batch"), ("status", &status), ("code", code)],
        );
    }
    response
}

/// The error code of a refused request, for the metrics.
#[derive(Clone, Copy)]
pub(crate) struct RefusalCode(pub(crate) &'static str);

/// Checks who sends, validates and stores a batch. Any content type is
/// accepted (the SDK sends `text/plain` so that browsers skip the CORS
/// preflight); a gzip body is recognised by its magic bytes.
async fn store_batch(state: Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refusal) = origin_refusal(&state.settings.allowed_origins, &parts.headers) {
        return refusal;
    }
    let ip = client_address(&parts, state.settings.trust_proxy);
    if let Err(wait) = state.ip_limiter.check(&ip, Instant::now()) {
        return too_many_requests("ip", "sent more batches than this collector allows", wait);
    }
    match state.faults.next() {
        Action::Proceed => {}
        Action::Delay(pause) => tokio::time::sleep(pause).await,
        Action::Fail(status, retry_after) => return injected_failure(status, retry_after),
    }
    let limit = state.settings.max_body_bytes;
    let too_large = || {
        let error = FieldError::new("body_too_large", "body", format!("is larger than {limit} bytes"))
            .with_fix("Send smaller batches (the SDK's maxBatchBytes)");
        error_response(StatusCode::PAYLOAD_TOO_LARGE, &error)
    };
    let Ok(bytes) = to_bytes(body, limit).await else {
        return too_large();
    };
    let text = match decode_body(&bytes, limit) {
        Ok(text) => text,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Invalid(problem)) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &FieldError::new("invalid_batch", "body", problem),
            )
        }
    };
    let mut batch = match batch::decode(&text) {
        Ok(batch) => batch,
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error),
    };
    if state.settings.time_window {
        crate::window::refuse_outside(&mut batch, now_ms() as u64);
    }
    // Every event refused: the batch is, with the first reason (and each in `refused`).
    if batch.events.is_empty() && !batch.refused.is_empty() {
        return refused_batch(&batch.refused);
    }
    if let Err(error) = check_write_key(&state.settings.write_keys, batch.write_key.as_deref()) {
        return error_response(StatusCode::UNAUTHORIZED, &error);
    }
    // The key's limit is shared by every visitor of the site: a batch that
    // stores nothing (empty, or every event refused above) never spends it.
    if let Some(key) = batch.write_key.as_ref().filter(|_| !batch.events.is_empty()) {
        if let Err(wait) = state.key_limiter.check(key, Instant::now()) {
            return too_many_requests("writeKey", "sent more batches than this collector allows", wait);
        }
    }
    let batch_refused = batch.refused.clone();
    let state2 = state.clone();
    let writing = Instant::now();
    match off_thread(move || state2.live.store(&state2.store, std::slice::from_ref(&batch), now_ms())).await {
        Ok(stored) => {
            state.metrics.batch_stored(
                stored.accepted,
                stored.duplicates,
                batch_refused.iter().map(|r| r.error.code),
                writing.elapsed(),
            );
            json_response(
                StatusCode::OK,
                format!(
                    "{{\"accepted\":{},\"duplicates\":{},\"refused\":{}}}",
                    stored.accepted,
                    stored.duplicates,
                    refused_list(&batch_refused)
                ),
            )
        }
        Err(response) => response,
    }
}

/// `[{"index","id","code","field","message"},…]`: the events a batch was stored without.
fn refused_list(refused: &[batch::RefusedEvent]) -> String {
    let items: Vec<String> = refused.iter().map(batch::RefusedEvent::to_json).collect();
    format!("[{}]", items.join(","))
}

/// 400 for a batch whose every event is refused: the first reason, and the list.
fn refused_batch(refused: &[batch::RefusedEvent]) -> Response {
    let first = &refused[0].error;
    let body = format!(
        "{{\"error\":{},\"refused\":{}}}",
        first.to_json(),
        refused_list(refused)
    );
    let mut response = json_response(StatusCode::BAD_REQUEST, body);
    response.extensions_mut().insert(RefusalCode(first.code));
    response
}

/// The address per-IP limits count: the peer, or, behind a trusted reverse
/// proxy, the address that proxy appended last to `X-Forwarded-For` (the
/// entries before it are whatever the client claimed). Never stored.
fn client_address(parts: &axum::http::request::Parts, trust_proxy: bool) -> String {
    let forwarded = trust_proxy
        .then(|| parts.headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .map(str::trim)
        .filter(|last| !last.is_empty());
    match forwarded {
        Some(address) => address.to_string(),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |info| info.0.ip().to_string()),
    }
}

fn injected_failure(status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error = FieldError::new("injected_fault", "", "a failure injected by --fault-injection");
    let mut response = error_response(status, &error);
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `POST /v1/faults {"mode": …}` (only with `--fault-injection`).
async fn set_faults(State(state): State<Shared>, body: String) -> Response {
    match faults::parse_mode(&body) {
        Ok(mode) => {
            state.faults.set(mode);
            json_response(StatusCode::OK, "{\"ok\":true}".to_string())
        }
        Err(problem) => error_response(
            StatusCode::BAD_REQUEST,
            &FieldError::new("invalid_fault", "mode", problem),
        ),
    }
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

/// Browsers send `Origin` on cross-origin POSTs; when origins are listed,
/// one that is not listed is refused outright (CORS alone would only hide
/// the answer from the page, not stop the write).
fn origin_refusal(allowed: &[String], headers: &HeaderMap) -> Option<Response> {
    if allowed.is_empty() || allowed.iter().any(|o| o == "*") {
        return None;
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())?;
    if allowed.iter().any(|o| o == origin) {
        return None;
    }
    let error = FieldError::new(
        "origin_not_allowed",
        "origin",
        format!("{origin:?} may not send batches here"),
    )
    .with_fix("Start the collector with --allow-origin for this site");
    Some(error_response(StatusCode::FORBIDDEN, &error))
}

fn check_write_key(accepted: &[String], given: Option<&str>) -> Result<(), FieldError> {
    if accepted.is_empty() {
        return Ok(());
    }
    let fix = "Set init({ writeKey }) to a key the collector was started with (--write-key)";
    match given {
        None => Err(FieldError::new("unauthorized", "writeKey", "is required by this collector").with_fix(fix)),
        Some(key) if accepted.iter().any(|k| same_secret(k, key)) => Ok(()),
        Some(_) => {
            Err(FieldError::new("unauthorized", "writeKey", "is not a key this collector accepts").with_fix(fix))
        }
    }
}

/// Compares keys in time that depends only on their length, so response
/// times do not reveal how much of a guess was right.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn too_many_requests(field: &str, problem: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let error = FieldError::new("rate_limited", field, format!("{problem}; retry in {seconds} s"));
    let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, &error);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

enum BodyError {
    TooLarge,
    Invalid(&'static str),
}

/// The batch text of a body, gunzipped when it starts with gzip's magic
/// bytes; the inflated size is bounded too, so a small bomb stays small.
fn decode_body(bytes: &[u8], limit: usize) -> Result<String, BodyError> {
    let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(limit as u64 + 1)
            .read_to_end(&mut inflated)
            .map_err(|_| BodyError::Invalid("is not valid gzip"))?;
        if inflated.len() > limit {
            return Err(BodyError::TooLarge);
        }
        inflated
    } else {
        bytes.to_vec()
    };
    String::from_utf8(plain).map_err(|_| BodyError::Invalid("is not UTF-8"))
}

/// Stored events are personal data: with an admin key set, reading them
/// (and erasing) needs it, as `Authorization: Bearer <key>` or, so that a
/// browser can open the pages, Basic auth with the key as the password.
pub(crate) fn reader_refusal(settings: &Settings, headers: &HeaderMap) -> Option<Response> {
    let key = settings.admin_key.as_ref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bearer = given.strip_prefix("Bearer ").map(str::to_string);
    let basic_password = given
        .strip_prefix("Basic ")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(_, password)| password.to_string()));
    let matches = |given: &Option<String>| given.as_ref().is_some_and(|g| same_secret(g, key));
    if matches(&bearer) || matches(&basic_password) {
        return None;
    }
    let error = FieldError::new("unauthorized", "authorization", "expected the admin key")
        .with_fix("Send Authorization: Bearer <--admin-key>");
    let mut response = error_response(StatusCode::UNAUTHORIZED, &error);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"parcours collector\""),
    );
    Some(response)
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
        Ok(deleted) => json_response(StatusCode::OK, format!("{{\"deleted\":{deleted}}}")),
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
