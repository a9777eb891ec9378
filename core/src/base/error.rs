//! The shape shared by every error the core reports: which field, what is
//! wrong with it, and how to fix it. Each fallible operation has its own
//! `code` so a program can tell them apart.

#[allow(unused_imports)]
use crate::prelude::*;

/// An error that names the offending field and says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Stable machine-readable code, e.g. `invalid_option`, `invalid_batch`.
    pub code: &'static str,
    /// Path of the offending field, e.g. `options.flushAt` or `events[3].ts`.
    pub field: String,
    /// What is wrong, in a sentence.
    pub problem: String,
    /// How to fix it; empty when the problem says it all.
    pub fix: String,
    /// Why a call was refused at run time (see [`reason`]): empty for the
    /// others.
    pub reason: &'static str,
}

impl FieldError {
    /// An error of the options or of survey definitions. Without the
    /// `texts` feature (the SDK's shipped builds) the words are left out:
    /// the error keeps its code and field, and the diagnostics build, which
    /// has them, explains it when there is something to say.
    #[inline]
    pub fn new(code: &'static str, field: impl Into<String>, problem: impl Into<String>) -> Self {
        #[cfg(not(feature = "texts"))]
        let problem = {
            let _ = problem;
            ""
        };
        Self::always(code, field, problem, "")
    }

    /// An error whose words every build keeps (a response at run time):
    /// `fix` may be empty.
    pub fn always(code: &'static str, field: impl Into<String>, problem: impl Into<String>, fix: &str) -> Self {
        FieldError {
            code,
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
            reason: "",
        }
    }

    /// A call refused at run time, for `reason` (a [`reason`] key): the
    /// shipped builds report the key with the code and field, and the
    /// diagnostics build words it (`explain_refusal`).
    pub fn refused(code: &'static str, field: impl Into<String>, reason: &'static str) -> Self {
        #[cfg(feature = "texts")]
        let (problem, fix) = reason_words(reason);
        #[cfg(not(feature = "texts"))]
        let (problem, fix) = ("", "");
        FieldError {
            reason,
            ..Self::always(code, field, problem, fix)
        }
    }

    /// How to fix it (left out with the problem, see `new`).
    #[inline]
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        if cfg!(feature = "texts") {
            self.fix = fix.into();
        }
        self
    }

    /// One line for a person: `field: problem. fix` (`field: invalid` when
    /// the build has no words for it).
    pub fn message(&self) -> String {
        let mut out = String::new();
        out.push_str(&self.field);
        out.push_str(": ");
        out.push_str(if self.problem.is_empty() {
            "invalid"
        } else {
            &self.problem
        });
        if !self.fix.is_empty() {
            out.push_str(". ");
            out.push_str(&self.fix);
        }
        out
    }

    /// `{"code":…,"field":…,"message":…}` for the JavaScript side and HTTP
    /// bodies, with `"reason":…` for a call refused at run time.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"code\":");
        crate::base::json::write_string(&mut out, self.code);
        out.push_str(",\"field\":");
        crate::base::json::write_string(&mut out, &self.field);
        out.push_str(",\"message\":");
        crate::base::json::write_string(&mut out, &self.message());
        if !self.reason.is_empty() {
            out.push_str(",\"reason\":");
            crate::base::json::write_string(&mut out, self.reason);
        }
        out.push('}');
        out
    }
}

impl core::fmt::Display for FieldError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for FieldError {}

macro_rules! reasons {
    ($($name:ident = $key:literal: $problem:literal, $fix:literal;)*) => {
        /// Why a call was refused at run time: the key every build reports
        /// (an error's `reason`); the words are only in the builds with
        /// texts (the diagnostics build, which the shell fetches to word one).
        pub mod reason {
            $(pub const $name: &str = $key;)*
        }

        /// A reason's problem and fix.
        #[cfg(feature = "texts")]
        pub fn reason_words(key: &str) -> (&'static str, &'static str) {
            match key {
                $($key => ($problem, $fix),)*
                _ => ("was refused", ""),
            }
        }
    };
}

reasons! {
    NAME = "name": "must be a non-empty string of at most 200 characters",
        "Name events like 'Signed Up' or 'checkout_started'";
    PROPERTIES = "properties": "must be a plain object", "Pass an object such as { plan: 'pro' }, or nothing";
    EVENT_SIZE = "event_size": "make the event larger than one batch may be",
        "Send fewer or shorter properties (an event must stay under options.maxBatchBytes)";
    SUPER_SIZE = "super_size": "would make the super properties longer than 8192 bytes of JSON",
        "unregister(name) removes one";
    BEFORE_SEND_SIZE = "before_send_size": "made the event larger than one batch may be; it was kept as it was", "";
    USER_ID = "user_id": "must be a non-empty string of at most 256 characters",
        "Pass your own stable id for the user, e.g. identify('user_42')";
    ID = "id": "must be a non-empty string of at most 256 characters", "";
}

/// Builds an error's problem only in a build with words (`texts`): in the
/// others the text and the code that assembles it are left out.
#[macro_export]
macro_rules! words {
    ($($build:tt)*) => {
        if cfg!(feature = "texts") {
            $($build)*
        } else {
            alloc::string::String::new()
        }
    };
}

/// The path of a field of the `index`-th item of an options list:
/// `options.<list>[<index>].<field>` (no `.field` when `field` is empty).
pub fn item_path(list: &str, index: usize, field: &str) -> String {
    let item = index_path(&(String::from("options.") + list), index);
    if field.is_empty() {
        item
    } else {
        field_path(&item, field)
    }
}

/// `<field>.<key>`: the path of a setting inside `field`.
pub fn field_path(field: &str, key: &str) -> String {
    let mut path = String::from(field);
    path.push('.');
    path.push_str(key);
    path
}

/// Parses each of `items` with its path `<field>[i]`; the first error stops.
/// (A loop, not a `Result`-collecting iterator: smaller in the wasm.)
pub fn parse_each<T>(
    items: &[crate::base::json::Value],
    field: &str,
    parse: impl Fn(&crate::base::json::Value, &str) -> Result<T, FieldError>,
) -> Result<Vec<T>, FieldError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(parse(item, &index_path(field, i))?);
    }
    Ok(out)
}

/// One item, or an array of them, each parsed with its path.
pub fn parse_one_or_many<T>(
    value: &crate::base::json::Value,
    field: &str,
    parse: impl Fn(&crate::base::json::Value, &str) -> Result<T, FieldError>,
) -> Result<Vec<T>, FieldError> {
    match value {
        crate::base::json::Value::Array(items) => parse_each(items, field, parse),
        _ => Ok(Vec::from([parse(value, field)?])),
    }
}

/// `<field>[<index>]`: the path of an item of the list at `field`.
pub fn index_path(field: &str, index: usize) -> String {
    let mut path = String::from(field);
    path.push('[');
    crate::base::num::push_u64(&mut path, index as u64);
    path.push(']');
    path
}

/// A list of non-empty strings at the option `path` (`what` describes it in
/// the error).
pub fn string_list(path: &str, what: &str, value: &crate::base::json::Value) -> Result<Vec<String>, FieldError> {
    let mut list = Vec::new();
    if let crate::base::json::Value::Array(items) = value {
        for item in items {
            match item.as_str() {
                Some(s) if !s.is_empty() => list.push(s.to_string()),
                _ => return Err(expected("invalid_option", path, what, value)),
            }
        }
        return Ok(list);
    }
    Err(expected("invalid_option", path, what, value))
}

/// `field: expected <what>, got <value>`, the most common refusal. (One
/// function rather than the same concatenation at every call site: smaller.)
pub fn expected(
    code: &'static str,
    field: impl Into<String>,
    what: &str,
    got: &crate::base::json::Value,
) -> FieldError {
    if !cfg!(feature = "texts") {
        return FieldError::new(code, field, "");
    }
    let mut problem = String::from("expected ");
    problem.push_str(what);
    problem.push_str(", got ");
    problem.push_str(&describe(got));
    FieldError::new(code, field, problem)
}

/// Describes a JSON value for an error message: `"abc"`, `12`, `an object`.
pub fn describe(value: &crate::base::json::Value) -> String {
    use crate::base::json::Value;
    match value {
        Value::String(s) if s.len() <= 40 => {
            let mut out = String::new();
            crate::base::json::write_string(&mut out, s);
            out
        }
        Value::Number(n) if n.len() <= 24 => n.clone(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        other => other.type_name().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_field_problem_and_fix() {
        let e = FieldError::new("invalid_option", "options.flushAt", "expected an integer, got \"x\"")
            .with_fix("Use a number such as 30");
        assert_eq!(
            e.message(),
            "options.flushAt: expected an integer, got \"x\". Use a number such as 30"
        );
        assert_eq!(
            e.to_json(),
            r#"{"code":"invalid_option","field":"options.flushAt","message":"options.flushAt: expected an integer, got \"x\". Use a number such as 30"}"#
        );
    }
}
