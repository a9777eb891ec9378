//! Security headers. Every response says `nosniff`; the collector's own
//! pages (sessions, the journey map) also forbid framing and load nothing
//! but what the collector serves. The demo site under `--www` is the site's
//! own business and keeps its headers.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The collector's pages: scripts, styles and data from the collector
/// only (the map's PNG export draws a `data:` image), never in a frame.
pub const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Paths of the collector's own HTML pages.
fn is_collector_page(path: &str) -> bool {
    path == "/map" || path == "/sessions" || path.starts_with("/sessions/")
}

/// Adds the headers to the response of `request`.
pub async fn security(request: Request, next: Next) -> Response {
    let page = is_collector_page(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if page {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}
