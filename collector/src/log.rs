//! The collector's log: one line on stderr per thing an operator may need
//! to act on (a refused request, a storage error), as text or as JSON
//! (`--log-format json`, for a log pipeline). Never a key, a body or a
//! client address: a refusal says its route, status and error code.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static JSON: AtomicBool = AtomicBool::new(false);

/// `--log-format`: `text` (the default) or `json`.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// One log line: `message` and its fields (name, value), a value quoted
/// unless it is a number.
pub fn line(level: &str, message: &str, fields: &[(&str, &str)]) -> String {
    if JSON.load(Ordering::Relaxed) {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut stamp = String::new();
        parcours_core::date::push_timestamp(&mut stamp, ms);
        let mut out = String::from("{\"ts\":");
        parcours_core::json::write_string(&mut out, &stamp);
        out.push_str(",\"level\":");
        parcours_core::json::write_string(&mut out, level);
        out.push_str(",\"msg\":");
        parcours_core::json::write_string(&mut out, message);
        for (name, value) in fields {
            out.push(',');
            parcours_core::json::write_string(&mut out, name);
            out.push(':');
            if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(value);
            } else {
                parcours_core::json::write_string(&mut out, value);
            }
        }
        out.push('}');
        out
    } else {
        let mut out = format!("collector: {level}: {message}");
        for (name, value) in fields {
            out.push_str(&format!(" {name}={value}"));
        }
        out
    }
}

/// Writes a warning line.
pub fn warn(message: &str, fields: &[(&str, &str)]) {
    eprintln!("{}", line("warn", message, fields));
}

/// Writes an error line.
pub fn error(message: &str, fields: &[(&str, &str)]) {
    eprintln!("{}", line("error", message, fields));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_text_or_one_json_object() {
        set_json(false);
        let text = line("warn", "refused", &[("route", "/v1/batch"), ("status", "429")]);
        assert_eq!(text, "collector: warn: refused route=/v1/batch status=429");
        set_json(true);
        let json = line(
            "warn",
            "refused",
            &[("route", "/v1/batch"), ("status", "429"), ("code", "a\"b")],
        );
        set_json(false);
        let value = parcours_core::json::parse(&json).unwrap();
        assert_eq!(value.get("status").unwrap().as_u64(), Some(429));
        assert_eq!(value.get("code").unwrap().as_str(), Some("a\"b"));
        assert_eq!(value.get("msg").unwrap().as_str(), Some("refused"));
        assert!(value.get("ts").unwrap().as_str().unwrap().ends_with('Z'));
    }
}
