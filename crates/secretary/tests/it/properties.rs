//! Property tests for the two parsers that read user files: `.env` and `secrets.toml`.
//! No input may panic them, what is written in the documented grammar reads back
//! exactly, and no error message carries text from the input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;
use secretary::Manifest;
use secretary::dotenv::parse;

/// Characters that exercise every branch of the `.env` grammar.
fn dotenv_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "A", "b_1", ".", "=", " ", "\t", "\n", "\r\n", "#", "'", "\"", "\\", "$", "{", "}", ":-",
        "-", "export ", "${A}", "${", "é", "☃", "\u{feff}", "x", "0",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|parts| parts.concat())
}

/// A value that may hold anything a secret might: quotes, `$`, backslashes, newlines.
fn secret_value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9]{1,6}",
            Just("'".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("$".to_owned()),
            Just("${X}".to_owned()),
            Just("#".to_owned()),
            Just(" # ".to_owned()),
            Just("\n".to_owned()),
            Just("\t".to_owned()),
            Just("=".to_owned()),
            Just("ünï☃".to_owned()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Writes `value` double-quoted, escaping what the grammar gives meaning to.
fn double_quote(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn dotenv_never_panics_on_structured_input(text in dotenv_text()) {
        let _ = parse(&text, &|name| (name == "A").then_some(secretary::dotenv::Lent::value("outside")));
    }

    #[test]
    fn dotenv_never_panics_on_any_string(text in any::<String>()) {
        let _ = parse(&text, &|_| None);
    }

    #[test]
    fn dotenv_round_trips_quoted_values(
        values in prop::collection::vec(("[A-Z_][A-Z0-9_]{0,8}", secret_value(), any::<bool>()), 1..8)
    ) {
        let mut text = String::new();
        for (key, value, single) in &values {
            if *single && !value.contains('\'') {
                let _ = writeln!(text, "{key}='{value}' # comment");
            } else {
                let _ = writeln!(text, "export {key} = {}", double_quote(value));
            }
        }
        let entries = parse(&text, &|_| Some(secretary::dotenv::Lent::value("must-not-expand")))
            .map_err(|errors| TestCaseError::fail(format!("{errors:?} in {text:?}")))?;
        prop_assert_eq!(entries.len(), values.len());
        for (entry, (key, value, _)) in entries.iter().zip(&values) {
            prop_assert_eq!(&entry.key, key);
            prop_assert_eq!(entry.value.as_str(), value.as_str());
        }
    }

    #[test]
    fn exported_dotenv_reads_back_exactly(values in prop::collection::vec(secret_value(), 1..6)) {
        let names: Vec<String> = (0..values.len()).map(|i| format!("K{i}")).collect();
        let text = secretary::export::render(
            secretary::export::Format::Dotenv,
            names.iter().map(String::as_str).zip(values.iter().map(String::as_str)),
        );
        let entries = parse(&text, &|_| Some(secretary::dotenv::Lent::value("must-not-expand")))
            .map_err(|errors| TestCaseError::fail(format!("{errors:?} in {:?}", text.as_str())))?;
        prop_assert_eq!(entries.len(), values.len());
        for (entry, value) in entries.iter().zip(&values) {
            prop_assert_eq!(entry.value.as_str(), value.as_str());
        }
    }

    #[test]
    fn dotenv_errors_never_quote_the_file(prefix in dotenv_text(), suffix in dotenv_text()) {
        // The middle line is malformed whatever follows it: parsing must fail, and no
        // message may quote it. What comes before is a whole text that parses on its own
        // (else none): a quote it left open would take the line into its value, rightly.
        let prefix = if parse(&prefix, &|_| None).is_ok() { prefix } else { String::new() };
        let text = format!("{prefix}\nCANARY_LINE canary7c1e \"canary7c1e\n{suffix}");
        let Err(errors) = parse(&text, &|_| None) else {
            return Err(TestCaseError::fail(format!("{text:?} was accepted")));
        };
        prop_assert!(!errors.is_empty());
        for error in errors {
            let message = error.to_string();
            prop_assert!(!message.contains("canary7c1e"), "{}", message);
        }
    }

    #[test]
    fn manifest_never_panics_on_any_string(text in any::<String>()) {
        let _ = Manifest::parse(&text, Path::new("secrets.toml"));
    }

    #[test]
    fn manifest_never_panics_when_lines_are_dropped_or_repeated(
        edits in prop::collection::vec((0usize..64, 0u8..3), 0..8)
    ) {
        const CANARY: &str = "canary = \"c4n4ry\"";
        let mut lines: Vec<&str> = EXAMPLE.lines().collect();
        for (at, op) in edits {
            let at = at % lines.len().max(1);
            match op {
                0 if !lines.is_empty() => { lines.remove(at); }
                1 if !lines.is_empty() => { let line = lines[at]; lines.insert(at, line); }
                _ => lines.insert(at, CANARY),
            }
        }
        // A later edit may have removed the line again: what counts is the final text.
        let inserted = lines.contains(&CANARY);
        let text = lines.join("\n");
        match Manifest::parse(&text, Path::new("secrets.toml")) {
            // An unknown key (`canary`) is never accepted, wherever it lands.
            Ok(_) => prop_assert!(!inserted, "a manifest with `canary = ...` was accepted"),
            Err(error) => {
                prop_assert!(!error.diagnostics.is_empty());
                // Every finding points inside the file, and none quotes a value.
                let count = text.lines().count().max(1);
                for diagnostic in &error.diagnostics {
                    prop_assert!(diagnostic.line >= 1 && diagnostic.line <= count + 1, "{:?}", diagnostic);
                    prop_assert!(!diagnostic.message.contains("c4n4ry"), "{:?}", diagnostic);
                }
            }
        }
    }
}

/// `init`'s draft of `files` (name and text), written as `secrets.toml`.
fn init_draft(
    files: &[(&str, &str)],
) -> Result<secretary::init::Draft, secretary::init::InitError> {
    let inputs: Vec<secretary::init::DotenvFile<'_>> = files
        .iter()
        .map(|(name, text)| secretary::init::DotenvFile {
            shown: Path::new(name),
            listed: name,
            text,
        })
        .collect();
    secretary::init::draft(&inputs, Some("app"), Path::new("secrets.toml"))
}

/// Names `init` sees in applications: secret ones, settings, odd spellings.
fn variable_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "API_KEY",
            "DB_PASSWORD",
            "SECRET_KEY",
            "DATABASE_URL",
            "APP_NAME",
            "DEBUG",
            "LOG_LEVEL",
            "ENVIRONMENT",
            "PORT",
            "DB_HOST",
            "WORKERS",
            "DbUrl",
            "db_url",
            "_PRIVATE",
            "APP.NAME",
            "VAULT_ADDR",
            "X",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z_][A-Za-z0-9_.]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Whatever the `.env` parser accepts, `init` writes a manifest that parses (the
    /// draft checks it), or says there was nothing to declare; never an invalid one.
    #[test]
    fn init_writes_a_manifest_for_any_dotenv_the_parser_accepts(text in dotenv_text()) {
        if parse(&text, &|_| None).is_err() {
            return Ok(());
        }
        match init_draft(&[(".env", &text)]) {
            Ok(draft) => {
                let again = Manifest::parse(&draft.toml, Path::new("secrets.toml"));
                prop_assert!(again.is_ok(), "{:?}\n{}", again.err(), draft.toml);
            }
            Err(secretary::init::InitError::Empty { .. }) => {}
            Err(other) => return Err(TestCaseError::fail(format!("{other} for {text:?}"))),
        }
    }

    /// Names and values of every kind, quoted as the grammar allows: the manifest parses;
    /// a default (only ever of a secret that is not sensitive, from the template) reads
    /// back as exactly the value; no sensitive value is written.
    #[test]
    fn init_defaults_round_trip_and_sensitive_values_stay_out(
        assignments in prop::collection::vec((variable_name(), secret_value(), any::<bool>()), 1..10)
    ) {
        let mut template = String::new();
        let mut values: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for (name, value, export) in &assignments {
            let prefix = if *export { "export " } else { "" };
            let _ = writeln!(template, "{prefix}{name}={}", double_quote(value));
            values.insert(name.clone(), value.clone());
        }
        let real = "API_KEY=CANARYz9apikey\nDB_PASSWORD='CANARYz9password'\n";
        let draft = init_draft(&[(".env.example", &template), (".env", real)])
            .map_err(|e| TestCaseError::fail(format!("{e} for {template:?}")))?;
        prop_assert!(!draft.toml.contains("CANARYz9"), "{}", draft.toml);
        for spec in draft.manifest.secrets() {
            if let Some(default) = &spec.default {
                prop_assert!(!spec.sensitive);
                let name = spec.primary_env();
                prop_assert_eq!(Some(default), values.get(name), "{}", draft.toml);
            }
        }
    }
}

const EXAMPLE: &str = include_str!("../../../../examples/faceless-youtube/secrets.toml");

#[test]
fn the_example_manifest_is_valid() {
    let manifest = Manifest::parse(EXAMPLE, Path::new("secrets.toml")).unwrap();
    assert_eq!(manifest.secrets().len(), 14);
}

#[test]
fn init_is_linear_in_the_names_it_leaves_out() {
    // A forty-third adversarial pass: each name left out (not an environment name, here)
    // was looked for in the list of those left out so far: 40,000 took 8 s. Bounded, so
    // that a quadratic step fails with a reason (a few seconds here).
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let text: String = (0..80_000).fold(String::from("KEPT_PORT=8080\n"), |mut text, n| {
            text.push_str("a.");
            text.push_str(&n.to_string());
            text.push_str("=1\n");
            text
        });
        let draft = init_draft(&[(".env.example", &text)]).unwrap();
        let _ = done.send(draft.left_out.len());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(left_out) => assert_eq!(left_out, 80_000),
        Err(error) => panic!("init on 80,000 names left out took over 20 s ({error}): not linear"),
    }
}

#[test]
fn init_is_linear_in_the_names_that_make_one_key() {
    // A forty-fourth adversarial pass: names that make one key (`Q_w_r…`, `q_W_r…`) were
    // numbered from `_2` again each: 20,000 took 66 s. Bounded, as above.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let letters: Vec<char> = "qwrtypsdfghjklzx".chars().collect();
        let text: String = (0..20_000u32).fold(String::new(), |mut text, n| {
            let name: Vec<String> = letters
                .iter()
                .enumerate()
                .map(|(at, c)| {
                    if (n >> at) & 1 == 1 {
                        c.to_ascii_uppercase().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            text.push_str(&name.join("_"));
            text.push_str("=1\n");
            text
        });
        let draft = init_draft(&[(".env.example", &text)]).unwrap();
        let _ = done.send(draft.manifest.secrets().len());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(30)) {
        Ok(secrets) => assert_eq!(secrets, 20_000),
        Err(error) => {
            panic!("init on 20,000 names of one key took over 30 s ({error}): not linear")
        }
    }
}
