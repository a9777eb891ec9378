//! `init` options on arbitrary text: the parser must never panic, and a
//! refusal must name the field and be presentable as JSON to the page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcours_core::config::parse_options;
use parcours_core::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_options(text) {
        Ok(parsed) => {
            assert!(!parsed.config.endpoint.is_empty(), "endpoint is required");
        }
        Err(error) => {
            assert!(
                error.field.starts_with("options") || error.field.is_empty(),
                "{}",
                error.field
            );
            json::parse(&error.to_json()).expect("the error answer is JSON");
        }
    }
});
