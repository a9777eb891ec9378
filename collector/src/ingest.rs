//! `POST /v1/batch`: who may send (origin, write key, rate limits), the
//! body (size, gzip), the batch checked by `parcours-core`'s decoder (the
//! SDK's own rules), then stored through the live map. Also the fault
//! injection of the delivery tests (`--fault-injection`).

use std::io::Read;
use std::time::Instant;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use parcours_core::batch;
use parcours_core::error::FieldError;

use crate::faults::{self, Action};
use crate::state::{
    client_address, error_response, json_response, now_ms, off_thread, same_secret, too_many_requests, RefusalCode,
    Shared,
};

/// `POST /v1/batch`, counted: the answer's time, and a refusal's code.
pub(crate) async fn receive_batch(State(state): State<Shared>, request: Request) -> Response {
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
pub(crate) async fn set_faults(State(state): State<Shared>, body: String) -> Response {
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
