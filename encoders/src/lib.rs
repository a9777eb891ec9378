//! The destination encoders as a WebAssembly module of their own: pages
//! whose `init` defines `destinations` load it; the others never download
//! it. It checks the option in full (`routes`) and turns each Parcours
//! batch of a destination into that backend's requests (`encode`). The
//! SDK's module decides what goes where and when
//! (`parcours_core::tracker::routes`), from the routes written here.

#![cfg_attr(all(feature = "bundle", target_arch = "wasm32"), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use parcours_core::destinations::{encode as encode_batch, parse_destinations, write_routes, Encoded};
use parcours_core::json::{parse, push_list, write_string, Value};
use wasm_bindgen::prelude::*;

parcours_core::bundle_runtime!();

/// Checks `destinations` (the option, as JSON). Returns
/// `{"routes":[…],"ids":[…],"errors":[{code,field,message}…]}`: `routes`
/// for the SDK's module (`init` option `routes`), `ids` the destinations
/// kept, in order; one with an error is left out.
#[wasm_bindgen]
pub fn routes(destinations: &str) -> String {
    let (list, errors) = match parse(destinations) {
        Ok(value) => parse_destinations(&value),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let mut out = String::from("{\"routes\":");
    out.push_str(&write_routes(&list));
    out.push_str(",\"ids\":");
    let ids: Vec<Value> = list.iter().map(|d| Value::String(d.id.clone())).collect();
    out.push_str(&Value::Array(ids).to_json());
    out.push_str(",\"errors\":");
    push_list(&mut out, &errors, |out, error| out.push_str(&error.to_json()));
    out.push('}');
    out
}

/// Encodes one Parcours batch (`batch`, format v1) for `destination` (its
/// item of the option, as JSON). Returns `{"requests":[{"url","contentType",
/// "headers":[[name,value]…],"body","events":[ids]}…],"notes":[…]}` or `{"error":{…}}`.
#[wasm_bindgen]
pub fn encode(destination: &str, batch: &str, now: f64) -> String {
    let one = String::from("[") + destination + "]";
    let parsed = parse(&one).map(|list| parse_destinations(&list));
    let Ok((mut list, errors)) = parsed else {
        return String::from(
            "{\"error\":{\"code\":\"invalid_option\",\"field\":\"destinations\",\"message\":\"not JSON\"}}",
        );
    };
    if let Some(error) = errors.first() {
        return String::from("{\"error\":") + &error.to_json() + "}";
    }
    let decoded = match parcours_core::batch::decode(batch) {
        Ok(decoded) => decoded,
        Err(error) => return String::from("{\"error\":") + &error.to_json() + "}",
    };
    let now = if now.is_finite() && now > 0.0 { now as u64 } else { 0 };
    write(&encode_batch(&list.remove(0), &decoded, now))
}

fn write(encoded: &Encoded) -> String {
    let mut out = String::from("{\"requests\":");
    push_list(&mut out, &encoded.requests, |out, request| {
        out.push_str("{\"url\":");
        write_string(out, &request.url);
        out.push_str(",\"contentType\":");
        write_string(out, request.content_type);
        out.push_str(",\"headers\":");
        push_list(out, &request.headers, |out, (name, value)| {
            out.push('[');
            write_string(out, name);
            out.push(',');
            write_string(out, value);
            out.push(']');
        });
        out.push_str(",\"body\":");
        write_string(out, &request.body);
        out.push_str(",\"events\":");
        push_list(out, &request.events, |out, id| write_string(out, id));
        out.push('}');
    });
    out.push_str(",\"notes\":");
    let notes: Vec<Value> = encoded.notes.iter().map(|n| Value::String(n.clone())).collect();
    out.push_str(&Value::Array(notes).to_json());
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_the_good_destinations_and_name_the_bad_ones() {
        let out = parse(&routes(r#"[{"type":"segment","writeKey":"wk"},{"type":"posthog"}]"#)).unwrap();
        assert_eq!(out.get("ids").unwrap().to_json(), r#"["segment"]"#);
        assert_eq!(
            out.get("routes").unwrap().to_json(),
            r#"[["segment","segment",500,500000,false,10000,[]]]"#
        );
        let Some(Value::Array(errors)) = out.get("errors") else {
            panic!()
        };
        assert_eq!(
            errors[0].get("field").unwrap().as_str(),
            Some("options.destinations[1].apiKey")
        );
    }

    #[test]
    fn encode_answers_requests_or_the_error() {
        let batch = include_str!("../../core/tests/fixtures/destinations/batch.json");
        let out = parse(&encode(
            r#"{"type":"segment","writeKey":"wk"}"#,
            batch,
            1_795_375_416_191.0,
        ))
        .unwrap();
        let Some(Value::Array(requests)) = out.get("requests") else {
            panic!()
        };
        assert_eq!(
            requests[0].get("url").unwrap().as_str(),
            Some("https://api.segment.io/v1/batch")
        );
        assert!(parse(requests[0].get("body").unwrap().as_str().unwrap()).is_ok());
        let bad = parse(&encode(r#"{"type":"segment"}"#, batch, 0.0)).unwrap();
        assert_eq!(
            bad.get("error").unwrap().get("field").unwrap().as_str(),
            Some("options.destinations[0].writeKey")
        );
        let not_a_batch = parse(&encode(r#"{"type":"webhook","url":"/in"}"#, "{}", 0.0)).unwrap();
        assert_eq!(
            not_a_batch.get("error").unwrap().get("field").unwrap().as_str(),
            Some("v")
        );
    }
}
