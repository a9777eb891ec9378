//! Reading the page the visitor is on.

use alloc::string::String;

/// `(title, referrer)` of the current document; empty when unavailable.
pub fn title_and_referrer() -> (String, String) {
    match web_sys::window().and_then(|w| w.document()) {
        Some(doc) => (doc.title(), doc.referrer()),
        None => (String::new(), String::new()),
    }
}

/// The current URL.
pub fn href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}
