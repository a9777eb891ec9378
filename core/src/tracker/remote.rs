//! Survey definitions served from a URL (`surveysUrl`), next to those
//! given to `init`. The shell fetches; the tracker decides: what is
//! cached (storage key `parcours.surveys.remote`, with the response's
//! ETag and when it was fetched), whether the cached copy is still fresh
//! (`surveysTtlSeconds`), and which definitions load. A definition that
//! fails validation is left out with an error naming it; the others load.
//! A copy that cannot be revalidated (offline, an error) stays in use.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::FieldError;
use crate::base::json::{parse, push_list, ObjectWriter, Value};
use crate::base::platform::Store;
use crate::surveys::targeting::Occurrence;

use super::Tracker;

/// Where the last definitions fetched are kept: `{"url","etag","at","body"}`.
pub use super::REMOTE_KEY;
/// Larger responses are refused: they would crowd the site's own storage.
pub const MAX_REMOTE_BYTES: usize = 256 * 1024;

const CODE: &str = "invalid_remote_surveys";

/// What applying definitions did, for the shell.
#[derive(Debug, Default)]
pub struct Applied {
    /// The cached copy is younger than the TTL (no fetch needed).
    pub fresh: bool,
    /// The ETag to revalidate with (empty: none, or nothing cached).
    pub etag: String,
    /// Surveys loaded from the URL.
    pub loaded: usize,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<String>,
    /// In a build without the words of errors, the definitions they are in
    /// (for the diagnostics build); empty otherwise.
    pub body: String,
}

impl Tracker {
    /// Loads the cached definitions from `url`, if any (stale ones too:
    /// better than none while a fresh copy is fetched or the browser is offline).
    pub fn cached_surveys(&mut self, url: &str, store: &dyn Store, now: u64) -> Applied {
        let Some(cached) = read_cache(store, url) else {
            return Applied::default();
        };
        let mut applied = self.apply_remote(url, &cached.body).unwrap_or_else(|error| Applied {
            errors: Vec::from([error]),
            ..Applied::default()
        });
        applied.fresh = now.saturating_sub(cached.at) < self.config.surveys_ttl_ms;
        applied.etag = cached.etag;
        applied
    }

    /// The answer to a fetch of `url`: `status` 304 keeps the cached
    /// definitions (fresh again), 200 brings new ones in `body`, which are
    /// cached when they are readable. Surveys whose page-level triggers
    /// (a page view, a session start) fired before they arrived are fired now.
    pub fn received_surveys(
        &mut self,
        url: &str,
        status: u16,
        etag: &str,
        body: &str,
        store: &mut dyn Store,
        now: u64,
    ) -> Applied {
        if status == 304 {
            if let Some(mut cached) = read_cache(store, url) {
                cached.at = now;
                write_cache(store, url, &cached);
                return Applied {
                    fresh: true,
                    etag: cached.etag,
                    loaded: self.config.surveys.len() - self.init_surveys,
                    ..Applied::default()
                };
            }
        }
        let mut applied = match self.apply_remote(url, body) {
            Ok(applied) => applied,
            Err(error) => {
                // Unreadable: whatever was cached stays in use.
                let mut applied = self.cached_surveys(url, store, now);
                applied.errors.insert(0, error);
                return applied;
            }
        };
        let cached = Cached {
            etag: etag.to_string(),
            at: now,
            body: body.to_string(),
        };
        write_cache(store, url, &cached);
        applied.fresh = true;
        applied.etag = cached.etag;
        self.fire_page_triggers(now);
        applied
    }

    /// Replaces the surveys loaded from a URL by those in `body`.
    fn apply_remote(&mut self, url: &str, body: &str) -> Result<Applied, FieldError> {
        let whole = |problem: &str| {
            let mut message = String::from("the response from ");
            message.push_str(url);
            message.push(' ');
            message.push_str(problem);
            FieldError::always(
                CODE,
                "options.surveysUrl",
                message,
                "Serve { \"surveys\": [ … ] }, the same definitions init({ surveys }) takes",
            )
        };
        if body.len() > MAX_REMOTE_BYTES {
            return Err(whole("is larger than 256 KB"));
        }
        let document = parse(body).map_err(|e| {
            // The reader says why only in the builds with texts.
            let mut problem = String::from("is not JSON");
            if !e.problem.is_empty() {
                problem.push_str(": ");
                problem.push_str(e.problem);
            }
            whole(&problem)
        })?;
        let list = match &document {
            Value::Array(_) => &document,
            _ => document
                .get("surveys")
                .filter(|list| matches!(list, Value::Array(_)))
                .ok_or_else(|| whole("has no \"surveys\" list"))?,
        };
        let list = crate::surveys::survey::parse_surveys(list);
        let mut applied = Applied {
            errors: list.errors,
            ..Applied::default()
        };
        self.config.surveys.truncate(self.init_surveys);
        for survey in list.surveys {
            if self.config.survey(&survey.id).is_some() {
                let mut field = String::from("surveys[\"");
                field.push_str(&survey.id);
                field.push_str("\"].id");
                applied.errors.push(FieldError::always(
                    CODE,
                    field,
                    "is also defined in init({ surveys })",
                    "The one in init() is used; remove one of the two",
                ));
                continue;
            }
            applied.warnings.extend(survey.contrast_warnings());
            self.config.surveys.push(survey);
        }
        from_url(url, &mut applied.errors);
        if !cfg!(feature = "texts") && !applied.errors.is_empty() {
            // The diagnostics build explains them from the same definitions.
            applied.body = body.to_string();
        }
        applied.loaded = self.config.surveys.len() - self.init_surveys;
        Ok(applied)
    }

    /// Fires the page view and session start of the page already recorded
    /// for surveys that arrived after them (a first visit, a stale cache).
    fn fire_page_triggers(&mut self, now: u64) {
        let Some(page) = self.journey.as_ref().map(|j| j.page_count) else {
            return;
        };
        let first = self.init_surveys;
        self.trigger_surveys_from(first, Occurrence::PageView(page), "", now);
        if page == 1 {
            let index = self.session.as_ref().map_or(1, |s| s.index);
            self.trigger_surveys_from(first, Occurrence::SessionStart(index), "", now);
        }
    }
}

impl Applied {
    /// `{"fresh","etag","loaded","errors":[…],"warnings":[…]}` for the shell.
    pub fn to_json(&self) -> String {
        let mut errors = String::new();
        push_list(&mut errors, &self.errors, |out, error| out.push_str(&error.to_json()));
        let warnings: Vec<Value> = self.warnings.iter().map(|w| Value::String(w.clone())).collect();
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .bool("fresh", self.fresh)
            .str("etag", &self.etag)
            .num("loaded", self.loaded as u64)
            .raw("errors", &errors)
            .raw("warnings", &Value::Array(warnings).to_json())
            .str("body", &self.body)
            .finish();
        out
    }
}

/// The errors of definitions served at `url`: their paths say `surveys[…]`
/// (not `options.`) and their problem names the URL.
fn from_url(url: &str, errors: &mut [FieldError]) {
    for error in errors {
        if let Some(rest) = error.field.strip_prefix("options.") {
            error.field = rest.to_string();
        }
        error.code = CODE;
        error.problem.push_str(" (in the surveys from ");
        error.problem.push_str(url);
        error.problem.push(')');
    }
}

/// The errors of the definitions `body` served at `url` (what
/// `received_surveys` reports, words included in a build with them): for
/// the diagnostics build, which explains what the shipped builds found.
pub fn explain_remote(url: &str, body: &str) -> Vec<FieldError> {
    let document = parse(body).unwrap_or(Value::Null);
    let list = match &document {
        Value::Array(_) => &document,
        _ => document.get("surveys").unwrap_or(&Value::Null),
    };
    let mut errors = crate::surveys::survey::parse_surveys(list).errors;
    from_url(url, &mut errors);
    errors
}

struct Cached {
    etag: String,
    at: u64,
    body: String,
}

fn read_cache(store: &dyn Store, url: &str) -> Option<Cached> {
    let text = store.get(REMOTE_KEY)?;
    let value = parse(&text).ok()?;
    if value.get("url").and_then(Value::as_str) != Some(url) {
        return None; // another surveysUrl's copy
    }
    Some(Cached {
        etag: value.get("etag").and_then(Value::as_str).unwrap_or("").to_string(),
        at: value.get("at").and_then(Value::as_u64).unwrap_or(0),
        body: value.get("body").and_then(Value::as_str)?.to_string(),
    })
}

fn write_cache(store: &mut dyn Store, url: &str, cached: &Cached) {
    let mut text = String::new();
    ObjectWriter::new(&mut text)
        .str("url", url)
        .str("etag", &cached.etag)
        .num("at", cached.at)
        .str("body", &cached.body)
        .finish();
    // A full storage only costs the offline copy: the definitions are in use.
    store.set(REMOTE_KEY, &text);
}
