//! The collector's command line, run as an operator runs it: values that
//! would start an open or unusable collector are refused before it listens.

use std::process::Command;

fn refused(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_parcours-collector"))
        .args(args)
        .args(["--port", "0", "--no-www", "--db", ":memory:"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "refused at start: {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_empty_or_short_admin_key_is_refused_with_the_minimum() {
    assert!(refused(&["--admin-key", ""]).contains("at least 16 characters"));
    assert!(refused(&["--admin-key", "a"]).contains("at least 16 characters"));
    assert!(refused(&["--server-key", "srv"]).contains("--server-key: a key needs at least 16"));
}

#[test]
fn an_origin_with_a_path_is_refused_with_the_reason() {
    let message = refused(&["--allow-origin", "https://shop.example/checkout"]);
    assert!(message.contains("is not an origin"), "{message}");
}
