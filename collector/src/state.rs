//! What every route shares: the collector's settings and state, the JSON
//! answers and refusals, store work off the async threads, and who may
//! read (the admin key), where a request comes from and how keys are
//! compared. Routes (`app`, `map`, `touchpoints`) use it; it uses none.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use parcours_core::error::FieldError;

use crate::faults::Faults;
use crate::limits::RateLimiter;
use crate::store::{Store, StoreError};
use crate::surveys::SurveyFile;

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
    pub(crate) ip_limiter: RateLimiter,
    pub(crate) key_limiter: RateLimiter,
    pub(crate) faults: Faults,
    pub(crate) surveys: Option<SurveyFile>,
    pub(crate) metrics: crate::metrics::Metrics,
    /// Wrong keys on the read, erase and offline-touchpoint routes, per client address.
    pub(crate) auth_failures: RateLimiter,
}

/// Wrong keys a client may try: bursts of ten, then one a second.
pub(crate) const AUTH_FAILURES_PER_MINUTE: u32 = 60;

pub(crate) type Shared = Arc<AppState>;

impl AppState {
    pub(crate) fn new(store: Store, settings: Settings) -> AppState {
        AppState {
            store,
            live: crate::live::LiveMap::default(),
            ip_limiter: RateLimiter::new(settings.ip_rate_per_minute),
            key_limiter: RateLimiter::new(settings.key_rate_per_minute),
            faults: Faults::default(),
            surveys: settings.surveys_file.clone().map(SurveyFile::new),
            metrics: crate::metrics::Metrics::default(),
            auth_failures: RateLimiter::new(AUTH_FAILURES_PER_MINUTE),
            settings,
        }
    }
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

/// The error code of a refused request, for the metrics.
#[derive(Clone, Copy)]
pub(crate) struct RefusalCode(pub(crate) &'static str);

/// The address per-IP limits count: the peer, or, behind a trusted reverse
/// proxy, the address that proxy appended last to `X-Forwarded-For` (the
/// entries before it are whatever the client claimed). Never stored.
pub(crate) fn client_address(parts: &axum::http::request::Parts, trust_proxy: bool) -> String {
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

/// Compares keys in time that depends only on their length, so response
/// times do not reveal how much of a guess was right.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn too_many_requests(field: &str, problem: &str, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let error = FieldError::new("rate_limited", field, format!("{problem}; retry in {seconds} s"));
    let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, &error);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
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
