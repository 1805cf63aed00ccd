//! The documentation site (`docs/`) and the README, held to what the command does: every
//! key of the manifest's JSON Schema (`secretary schema`) is on the manifest's reference
//! page, and every variable the library and the command read on the environment page; the
//! README's two commands are spelled as the tests run them; the Python package depends on
//! the command's wheel of the same version. (The command-line reference is checked by the
//! binary's own test, `cli_reference`; the Python API reference by the Python tests; the
//! guides by `runbook`, `runbook_aws` and `runbook_cluster`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::collections::BTreeSet;
use std::process::Command;

use crate::support;

const MANIFEST_PAGE: &str = include_str!("../../../../docs/reference/manifest.md");
const ENVIRONMENT_PAGE: &str = include_str!("../../../../docs/reference/environment.md");
const README: &str = include_str!("../../../../README.md");
const PACKAGE: &str = include_str!("../../../secretary-py/pyproject.toml");
const COMMAND_WHEEL: &str = include_str!("../../pyproject.toml");

/// Every property name at any depth of a JSON Schema, and every value its `type`
/// properties may take (the source types, the secret types).
fn keys_and_types(node: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                for (name, property) in properties {
                    keys.insert(name.clone());
                    if name == "type" {
                        for value in property["enum"].as_array().into_iter().flatten() {
                            keys.insert(value.as_str().unwrap().to_owned());
                        }
                    }
                }
            }
            for value in map.values() {
                keys_and_types(value, keys);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                keys_and_types(item, keys);
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_of_the_manifest_schema_is_on_the_manifest_page() {
    let output = Command::new(support::secretary())
        .arg("schema")
        .env_clear()
        .output()
        .unwrap();
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut keys = BTreeSet::new();
    keys_and_types(&schema, &mut keys);
    assert!(
        keys.contains("outage_after") && keys.contains("vault_lease") && keys.contains("port"),
        "the schema was walked: {keys:?}"
    );
    let missing: Vec<&String> = keys
        .iter()
        .filter(|key| !MANIFEST_PAGE.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys of the manifest's schema missing from docs/reference/manifest.md \
         (write each as `key`): {missing:?}"
    );
}

/// Every variable name the library and the command read (a string literal such as
/// `"VAULT_CACERT"` in their source), by walking `dir`.
fn variables_read(dir: &std::path::Path, names: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            variables_read(&path, names);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices('"') {
                let rest = &text[at + 1..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let closed = rest[name.len()..].starts_with('"');
                let ours = ["SECRETARY_", "VAULT_", "BAO_", "AWS_"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix) && name.len() > prefix.len());
                if closed && ours && !name.ends_with('_') {
                    names.insert(name);
                }
            }
        }
    }
}

#[test]
fn every_variable_secretary_reads_is_on_the_environment_page() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut names = BTreeSet::new();
    for dir in ["crates/secretary/src", "crates/secretary-cli/src"] {
        variables_read(&root.join(dir), &mut names);
    }
    assert!(
        names.contains("VAULT_CACERT") && names.contains("SECRETARY_CACHE_KEY_FILE"),
        "the sources were read: {names:?}"
    );
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !ENVIRONMENT_PAGE.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "variables secretary reads, missing from docs/reference/environment.md \
         (write each as `NAME`): {missing:?}"
    );
}

#[test]
fn the_readme_spells_the_two_commands_as_they_are_run() {
    // The main job, as `cli::readme` runs it, and the test command, as .ci/run runs it.
    assert!(
        README.contains(
            "cargo run --release -- --manifest examples/faceless-youtube/secrets.toml check"
        ),
        "the README's main command"
    );
    assert!(
        README.contains("ok: 14 secrets valid in environment `development`"),
        "what the main command prints"
    );
    assert!(README.contains("\n./scripts/test\n"), "the test command");
    let ci = include_str!("../../../../.ci/run");
    assert!(ci.contains("./scripts/test"), "{ci}");
    assert!(
        README.lines().count() <= 250,
        "the README is at most 250 lines; the rest belongs on the site (docs/)"
    );
}

#[test]
fn the_python_package_depends_on_the_command_of_its_own_version() {
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        PACKAGE.contains(&format!("\"secretary-rs-cli=={version}\"")),
        "crates/secretary-py/pyproject.toml must depend on secretary-rs-cli=={version}"
    );
    assert!(COMMAND_WHEEL.contains("name = \"secretary-rs-cli\""));
    assert!(COMMAND_WHEEL.contains("bindings = \"bin\""));
}
