//! The guides that walk through a source step by step, run as written: every `sh` block
//! between a page's `guide:start` and `guide:end` markers, in order, in one bash with
//! `set -euo pipefail`, in a scratch directory with its own `HOME` (so `secretary
//! allow`'s records and sops's keys stay there). Each guide's own `if ...; then exit 1`
//! steps assert the refusals it describes; the test asserts what a reader sees.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::path::Path;

use crate::runbook::{APP, Steps, copy_app, runbook_blocks};

const SOPS: &str = include_str!("../../../../docs/guides/sops.md");
const PROVIDERS: &str = include_str!("../../../../docs/guides/providers.md");

/// Runs `page`'s blocks in `dir`; what they printed, on success.
fn run_guide(page: &str, dir: &Path) -> String {
    let blocks = runbook_blocks(page, "guide");
    assert!(blocks.len() >= 4, "{blocks:?}");
    let steps = Steps {
        label: "guide",
        servers: false,
        seconds: 300,
    };
    let (output, said) = steps.run(&blocks, dir);
    assert!(output.status.success(), "the guide failed:\n{said}");
    said
}

#[test]
fn the_sops_guide_works_as_written() {
    let app = tempfile::tempdir().unwrap();
    copy_app(Path::new(APP), app.path());
    let said = run_guide(SOPS, app.path());
    assert!(said.contains("wrote secrets.toml"), "{said}");
    assert!(
        said.contains("sops:secrets.enc.env#SECRET_KEY"),
        "locators name the file and key: {said}"
    );
    assert!(
        said.contains("started in production with a 33 character SECRET_KEY"),
        "{said}"
    );
    assert!(said.contains("sops found no key to decrypt"), "{said}");
    assert!(said.contains("failed sops's integrity check"), "{said}");
    // The file in the repository holds no value in clear, and nothing printed one.
    let encrypted = std::fs::read_to_string(app.path().join("secrets.enc.env")).unwrap();
    for value in ["prod-password-7f3a", "prod-signing-key-2b9c41e07d5a6f38"] {
        assert!(
            !encrypted.contains(value),
            "{value} is in clear in the file"
        );
        assert!(!said.contains(value), "{value} was printed:\n{said}");
    }
    assert!(!app.path().join(".env.production").exists());
}

#[test]
fn the_provider_guide_works_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let said = run_guide(PROVIDERS, dir.path());
    assert!(
        said.contains("the provider passed every check (3)"),
        "{said}"
    );
    assert!(said.contains("which this user has not allowed"), "{said}");
    assert!(
        said.contains("exec:company:company#secret_key"),
        "locators name the provider's place: {said}"
    );
    assert!(
        said.contains("started with a 33 character SECRET_KEY"),
        "{said}"
    );
    assert!(
        said.contains("providers/company.py changed since it was allowed"),
        "{said}"
    );
    for value in ["prod-password-7f3a", "prod-signing-key-2b9c41e07d5a6f38"] {
        assert!(!said.contains(value), "{value} was printed:\n{said}");
    }
}
