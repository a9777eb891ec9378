//! The visitor's device, as context on every event: device class, viewport
//! and screen size, language, time zone and the platform from user-agent
//! client hints. Nothing finer than that (no fingerprinting).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{self, ObjectWriter, Value};

/// `mobile`, `tablet` or `desktop`, from the client hint when the browser
/// gives one, else from the screen's short side and touch support.
pub fn device_class(screen_short_side: u64, mobile_hint: Option<bool>, touch_points: u64) -> &'static str {
    match mobile_hint {
        Some(true) => "mobile",
        _ if touch_points > 0 && screen_short_side < 600 => "mobile",
        _ if touch_points > 0 && screen_short_side < 1_100 => "tablet",
        _ => "desktop",
    }
}

/// Builds the `"device":{…}` context from what the browser reported
/// (`viewportWidth`, `viewportHeight`, `screenWidth`, `screenHeight`,
/// `language`, `timeZone`, `platform`, `mobile`, `touchPoints`). Unknown or
/// malformed fields are left out.
pub fn device_context(reported: &str) -> String {
    let Ok(v) = json::parse(reported) else {
        return String::new();
    };
    let num = |key: &str| v.get(key).and_then(Value::as_u64);
    let text = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .filter(|s| s.len() <= 64)
            .unwrap_or("")
    };
    let size = |w: Option<u64>, h: Option<u64>| match (w, h) {
        (Some(w), Some(h)) => crate::base::num::u64_to_string(w) + "x" + &crate::base::num::u64_to_string(h),
        _ => String::new(),
    };
    let (sw, sh) = (num("screenWidth"), num("screenHeight"));
    let short = sw.unwrap_or(0).min(sh.unwrap_or(0));
    let class = device_class(
        short,
        v.get("mobile").and_then(Value::as_bool),
        num("touchPoints").unwrap_or(0),
    );
    let mut out = String::new();
    let mut o = ObjectWriter::new(&mut out);
    o.str("class", class)
        .str_if("viewport", &size(num("viewportWidth"), num("viewportHeight")))
        .str_if("screen", &size(sw, sh))
        .str_if("language", text("language"))
        .str_if("timeZone", text("timeZone"))
        .str_if("platform", text("platform"));
    o.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_hints_then_screen_and_touch() {
        assert_eq!(device_class(390, Some(true), 5), "mobile");
        assert_eq!(device_class(390, None, 5), "mobile");
        assert_eq!(device_class(820, Some(false), 5), "tablet");
        assert_eq!(device_class(1080, None, 0), "desktop");
        assert_eq!(device_class(1440, Some(false), 10), "desktop");
    }

    #[test]
    fn context_keeps_only_known_coarse_fields() {
        let c = device_context(
            r#"{"viewportWidth":390,"viewportHeight":700,"screenWidth":390,"screenHeight":844,
            "language":"fr-FR","timeZone":"Europe/Paris","platform":"Android","mobile":true,"touchPoints":5,"userAgent":"Mozilla/5.0 …"}"#,
        );
        assert_eq!(
            c,
            r#"{"class":"mobile","viewport":"390x700","screen":"390x844","language":"fr-FR","timeZone":"Europe/Paris","platform":"Android"}"#
        );
        assert_eq!(device_context("not json"), "");
        assert_eq!(device_context("{}"), r#"{"class":"desktop"}"#);
    }
}
