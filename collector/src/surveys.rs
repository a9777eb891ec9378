//! `GET /v1/surveys`: the survey definitions of the file given with
//! `--surveys`, for `init({ surveysUrl })`. The file is read again when it
//! changes, so a site owner edits targeting without a restart. Each answer
//! carries an ETag (a hash of the file); a matching `If-None-Match` gets a
//! 304, so an unchanged list costs a few bytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use parcours_core::json::{self, Value};
use parcours_core::surveys::survey::parse_surveys;

/// The definitions as served: the file's text and its ETag.
pub struct Served {
    pub body: String,
    pub etag: String,
}

/// What the SDK would make of a definitions file.
#[derive(Debug)]
pub struct Checked {
    /// Surveys that load.
    pub surveys: usize,
    /// One line per survey the SDK would skip, naming the field.
    pub errors: Vec<String>,
}

pub struct SurveyFile {
    path: PathBuf,
    /// The last read, with the file's modification time then.
    last: Mutex<Option<(SystemTime, Arc<Served>)>>,
}

impl SurveyFile {
    pub fn new(path: PathBuf) -> SurveyFile {
        SurveyFile {
            path,
            last: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The definitions now: re-read when the file changed since the last read.
    pub fn current(&self) -> Result<Arc<Served>, String> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((when, served)) = last.as_ref() {
            if *when == modified {
                return Ok(served.clone());
            }
        }
        let body =
            std::fs::read_to_string(&self.path).map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        let served = Arc::new(Served {
            etag: etag(&body),
            body,
        });
        *last = Some((modified, served.clone()));
        Ok(served)
    }
}

/// Validates definitions with the SDK's own rules. Err: the whole file is
/// unusable (not JSON, no list); per-survey problems are in `errors`.
pub fn check(text: &str) -> Result<Checked, String> {
    let document = json::parse(text).map_err(|e| format!("is not JSON: {}", e.problem))?;
    let list = match &document {
        Value::Array(_) => &document,
        _ => match document.get("surveys") {
            Some(list @ Value::Array(_)) => list,
            _ => return Err("has no \"surveys\" list: expected { \"surveys\": [ … ] }".to_string()),
        },
    };
    let parsed = parse_surveys(list);
    Ok(Checked {
        surveys: parsed.surveys.len(),
        errors: parsed.errors.iter().map(|e| e.message()).collect(),
    })
}

/// A strong ETag: FNV-1a (64 bits) of the text, quoted.
fn etag(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}

/// Whether an `If-None-Match` header names `etag` (or `*`).
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_each_survey_the_sdk_would_skip() {
        let checked = check(
            r#"{"surveys":[{"id":"ok","questions":[{"type":"nps"}]},{"id":"bad","questions":[{"type":"stars"}]}]}"#,
        )
        .unwrap();
        assert_eq!(checked.surveys, 1);
        assert_eq!(checked.errors.len(), 1);
        assert!(
            checked.errors[0].starts_with("surveys[\"bad\"].questions[0].type"),
            "{:?}",
            checked.errors
        );
        assert!(check("{\"survey\":[]}").unwrap_err().contains("no \"surveys\" list"));
        assert!(check("nope").unwrap_err().starts_with("is not JSON"));
    }

    #[test]
    fn etags_change_with_the_text_and_match_if_none_match_lists() {
        let a = etag("[1]");
        assert_ne!(a, etag("[2]"));
        assert!(matches(&a, &a));
        assert!(matches(&format!("\"x\", W/{a}"), &a));
        assert!(matches("*", &a));
        assert!(!matches("\"x\"", &a));
    }
}
