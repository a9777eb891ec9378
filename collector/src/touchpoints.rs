//! `POST /v1/touchpoints`: touchpoints from outside the website (a store
//! visit, a support call, an email click) for a known user id, sent by the
//! site's servers with a server key. Each joins the journey of the visitor
//! that user id was last seen with (see `parcours_server::offline`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use parcours_core::error::FieldError;
use parcours_core::journey::JourneyRules;
use parcours_server::offline::{self, OfflineTouchpoint};

use crate::state::{error_response, json_response, now_ms, off_thread, same_secret, AppState, Shared};
use crate::store::{StoreError, Stored};

pub(crate) async fn receive(State(state): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let keys = &state.settings.server_keys;
    if keys.is_empty() {
        let error = FieldError::new("touchpoints_disabled", "", "this collector has no server key")
            .with_fix("Start it with --server-key KEY and send Authorization: Bearer KEY");
        return error_response(StatusCode::FORBIDDEN, &error);
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|given| keys.iter().any(|key| same_secret(key, given))) {
        let error = FieldError::new("unauthorized", "authorization", "expected a server key")
            .with_fix("Send Authorization: Bearer <--server-key> from your servers, never from a browser");
        return error_response(StatusCode::UNAUTHORIZED, &error);
    }
    let touchpoints = match offline::parse(&body, &state.settings.stages) {
        Ok(touchpoints) => touchpoints,
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error),
    };
    let rules = JourneyRules {
        stages: state.settings.stages.clone(),
        ..JourneyRules::default()
    };
    match off_thread(move || store_touchpoints(&state, &touchpoints, &rules)).await {
        Ok((stored, joined)) => json_response(
            StatusCode::OK,
            format!(
                "{{\"accepted\":{},\"duplicates\":{},\"joined\":{joined}}}",
                stored.accepted, stored.duplicates
            ),
        ),
        Err(response) => response,
    }
}

/// Stores each touchpoint as a one-step journey of its user's visitor;
/// returns what was stored and how many joined a visitor seen on the site.
fn store_touchpoints(
    state: &AppState,
    touchpoints: &[OfflineTouchpoint],
    rules: &JourneyRules,
) -> Result<(Stored, usize), StoreError> {
    let store = &state.store;
    let mut events = Vec::with_capacity(touchpoints.len());
    let mut joined = 0;
    for touchpoint in touchpoints {
        let (visitor, sessions) = match store.visitor_of_user(&touchpoint.user_id)? {
            Some(found) => {
                joined += 1;
                found
            }
            None => (touchpoint.visitor_of_unknown_user(), 0),
        };
        events.push(touchpoint.summary_event(&visitor, sessions as u32 + 1, rules));
    }
    let batch = format!("{{\"v\":1,\"events\":[{}]}}", events.join(","));
    let decoded = parcours_core::batch::decode(&batch).map_err(|e| StoreError(e.message()))?;
    let stored = state.live.store(store, std::slice::from_ref(&decoded), now_ms())?;
    Ok((stored, joined))
}
