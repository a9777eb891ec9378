//! What the option table (core/src/config/table.rs) generates, checked: the
//! `ParcoursSettings` and `ShellSettings` TypeScript interfaces
//! (src/options.d.ts, part of the package's types), the README's options
//! table, and the option names the JavaScript shell keeps for itself
//! (www/src/shell-options.js); and the numbers of the port between the
//! shell and the core (www/src/codes.js, from core/src/port.rs).
//! `PARCOURS_UPDATE_DOCS=1 cargo test -p parcours-core --test options_docs`
//! rewrites them; read the diff.

use parcours_core::config::{parse_options, Kind, OptionDoc, OPTIONS, OPTION_DOCS};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The rows with their kinds.
fn rows() -> impl Iterator<Item = (&'static OptionDoc, &'static Kind)> {
    OPTION_DOCS.iter().zip(OPTIONS.iter().map(|(_, kind)| kind))
}

/// "1-1000" for an integer option.
fn range(kind: &Kind) -> Option<String> {
    match kind {
        Kind::Int(min, max, _) => Some(format!("{min}-{max}")),
        _ => None,
    }
}

/// The doc line with an integer option's range before its full stop.
fn with_range(doc: &str, kind: &Kind) -> String {
    match range(kind) {
        Some(range) => format!("{} ({range}).", doc.trim_end_matches('.')),
        None => doc.to_string(),
    }
}

fn typescript() -> String {
    let mut out = String::from(
        "// Generated from core/src/config/table.rs by core/tests/options_docs.rs: do not edit.\n\
         import type { BatchEvent } from './index.js';\n\n\
         /** The fields of `init()`'s options (see `ParcoursOptions`). */\nexport interface ParcoursSettings {\n",
    );
    let mut shell = String::from(
        "\n/** Options the JavaScript shell keeps for itself (never given to the core). */\nexport interface ShellSettings {\n",
    );
    for (doc, kind) in rows() {
        let mut line = with_range(doc.doc, kind);
        if doc.default != "none" && !doc.default.starts_with("required") {
            line += &format!(" Default: {}.", doc.default.trim_matches('`'));
        }
        let field = format!("  /** {line} */\n  {}?: {};\n", doc.name, doc.ts);
        if matches!(kind, Kind::Shell) {
            shell += &field;
        } else {
            out += &field;
        }
    }
    out + "}\n" + &shell + "}\n"
}

fn readme_table() -> String {
    let mut out = String::from("| option | default | meaning |\n|---|---|---|\n");
    for (doc, kind) in rows() {
        let meaning = with_range(doc.doc, kind).replace('|', "\\|");
        out += &format!("| `{}` | {} | {} |\n", doc.name, doc.default, meaning);
    }
    out
}

fn shell_options() -> String {
    let names: Vec<String> = rows()
        .filter(|(_, kind)| matches!(kind, Kind::Shell))
        .map(|(doc, _)| format!("'{}'", doc.name))
        .collect();
    format!(
        "// Generated from core/src/config/table.rs by core/tests/options_docs.rs: do not edit.\n\
         /** The options of init() the JavaScript shell keeps for itself. */\n\
         export const SHELL_OPTIONS = [{}];\n",
        names.join(", ")
    )
}

/// Compares `path` (or the part of it between `markers`) with `expected`, rewriting it on request.
fn check(path: &str, markers: Option<(&str, &str)>, expected: &str) {
    let path = root().join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, current, after) = match markers {
        Some((start, end)) => {
            let a = text
                .find(start)
                .unwrap_or_else(|| panic!("{} has no {start}", path.display()))
                + start.len();
            let b = text
                .find(end)
                .unwrap_or_else(|| panic!("{} has no {end}", path.display()));
            (&text[..a], &text[a..b], &text[b..])
        }
        None => ("", text.as_str(), ""),
    };
    let wanted = if markers.is_some() {
        format!("\n{expected}")
    } else {
        expected.to_string()
    };
    if current != wanted {
        if std::env::var_os("PARCOURS_UPDATE_DOCS").is_some() {
            std::fs::write(&path, format!("{before}{wanted}{after}")).unwrap();
        } else {
            panic!(
                "{} differs from the option table: run PARCOURS_UPDATE_DOCS=1 cargo test -p parcours-core --test options_docs\n--- now:\n{current}\n--- wanted:\n{wanted}",
                path.display()
            );
        }
    }
}

#[test]
fn the_typescript_types_readme_table_and_shell_list_come_from_the_option_table() {
    assert_eq!(OPTIONS.len(), OPTION_DOCS.len());
    for ((name, _), doc) in OPTIONS.iter().zip(OPTION_DOCS) {
        assert_eq!(*name, doc.name, "the two tables go row for row");
    }
    check("src/options.d.ts", None, &typescript());
    check(
        "README.md",
        Some((
            "<!-- options table: generated from core/src/config/table.rs -->",
            "<!-- end of options table -->",
        )),
        &readme_table(),
    );
    check("www/src/shell-options.js", None, &shell_options());
}

#[test]
fn every_option_of_the_table_is_read_by_the_core_or_kept_by_the_shell() {
    for (name, kind) in OPTIONS {
        // A value no option accepts: a known option refuses it (or reads
        // it); only an option the core does not know warns that it is not one.
        let text = format!(r#"{{"endpoint":"/b","{name}":{{"no":"such value"}}}}"#);
        let unknown = match parse_options(&text) {
            Ok(parsed) => parsed.warnings.iter().any(|w| w.contains("is not a Parcours option")),
            Err(error) => {
                assert!(
                    error.field.starts_with(&format!("options.{name}")),
                    "{name}: {}",
                    error.field
                );
                false
            }
        };
        assert!(!unknown, "{name} is in the table but the core does not read it");
        if matches!(kind, Kind::Shell) {
            assert!(
                parse_options(&text).is_ok(),
                "{name} is the shell's: the core ignores it"
            );
        }
    }
}

#[test]
fn the_shells_codes_come_from_the_port() {
    let mut out = String::from(
        "// Generated from core/src/port.rs by core/tests/options_docs.rs: do not edit.\n\
         // The numbers of the port between the shell and the core: call codes, operations, result bits.\n",
    );
    for (name, code) in parcours_core::port::CODES {
        out += &format!("export const {name} = {code};\n");
    }
    check("www/src/codes.js", None, &out);
}
