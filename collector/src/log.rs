//! The collector's log: one line on stderr per thing an operator may need
//! to act on (a refused request, a storage error), as text or as JSON
//! (`--log-format json`, for a log pipeline). Never a key, a body or a
//! client address: a refusal says its route, status and error code.

use std::sync::atomic::{AtomicBool, Ordering};

static JSON: AtomicBool = AtomicBool::new(false);

/// `--log-format`: `text` (the default) or `json`.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

/// One log line: `message` and its fields (name, value), a value quoted
/// unless it is a number.
pub fn line(level: &str, message: &str, fields: &[(&str, &str)]) -> String {
    if JSON.load(Ordering::Relaxed) {
        let mut line = serde_json::Map::new();
        line.insert("ts".into(), jiff::Timestamp::now().to_string().into());
        line.insert("level".into(), level.into());
        line.insert("msg".into(), message.into());
        for (name, value) in fields {
            let number = value
                .parse::<u64>()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()));
            line.insert((*name).into(), number.map_or_else(|| (*value).into(), Into::into));
        }
        serde_json::Value::Object(line).to_string()
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
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["status"], 429);
        assert_eq!(value["code"], "a\"b");
        assert_eq!(value["msg"], "refused");
        assert!(value["ts"].as_str().unwrap().ends_with('Z'));
    }
}
