//! The documentation site (`docs/`) and the README, held to what the command does: every
//! key of the manifest's JSON Schema (`secretary schema`) is on the manifest's reference
//! page; the README's two commands are spelled as the tests run them; the Python
//! package depends on the command's wheel of the same version. (The command-line
//! reference is checked by the binary's own test, `cli_reference`; the Python API
//! reference by the Python tests; the runbooks by `runbook` and `runbook_aws`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::collections::BTreeSet;
use std::process::Command;

use crate::support;

const MANIFEST_PAGE: &str = include_str!("../../../../docs/reference/manifest.md");
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
