//! The AWS guide's "From `.env` to AWS Secrets Manager, step by step"
//! (`docs/guides/aws.md`), run as written: every `sh` block between its `runbook-aws:start`
//! and `runbook-aws:end` markers, in order, in one bash with `set -euo pipefail`, against
//! the moto server the runbook starts, in a copy of the reference application without its
//! `secrets.toml` (which `init` writes). The one change made to the text: moto's port 5000
//! becomes a free one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::runbook::{APP, DOTENV, copy_app, runbook_blocks};

/// The guide this test follows.
const GUIDE: &str = include_str!("../../../../docs/guides/aws.md");
use crate::support;

#[test]
fn the_aws_guide_works_as_written() {
    let blocks = runbook_blocks(GUIDE, "runbook-aws");
    assert!(blocks.len() >= 4, "{blocks:?}");
    let app = tempfile::tempdir().unwrap();
    copy_app(Path::new(APP), app.path());
    let port = secretary_test_support::free_port().to_string();
    let mut script = String::from(
        "set -euo pipefail\n\
         # The moto server the runbook starts is stopped with the script.\n\
         trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n",
    );
    for (n, block) in blocks.iter().enumerate() {
        let _ = writeln!(script, "echo '==> runbook block {}'", n + 1);
        script.push_str(
            &block
                .replace("127.0.0.1:5000", &format!("127.0.0.1:{port}"))
                .replace("-p 5000", &format!("-p {port}")),
        );
    }
    let secretary = support::secretary();
    let bin = secretary.parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let output = Command::new("timeout")
        .args(["--kill-after=10", "600", "bash", "-c"])
        .arg(&script)
        .current_dir(app.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", app.path())
        .env("TMPDIR", app.path())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the runbook failed:\n{said}");
    assert!(said.contains("wrote secrets.toml"), "{said}");
    assert!(
        said.contains("aws_secrets_manager:production/"),
        "locators name AWS: {said}"
    );
    assert!(said.contains("rotated secret_key"), "{said}");
    assert!(
        said.contains("started with a 43 character SECRET_KEY"),
        "{said}"
    );
    let manifest = std::fs::read_to_string(app.path().join("secrets.toml")).unwrap();
    assert!(
        manifest.contains("type = \"aws_secrets_manager\""),
        "{manifest}"
    );
    // No secret of the .env was printed on the way.
    for line in DOTENV.lines().filter(|l| !l.starts_with('#')) {
        if let Some((_, value)) = line.split_once('=') {
            if value.contains("dev-only") || value.contains("://") {
                assert!(!said.contains(value), "a value was printed:\n{said}");
            }
        }
    }
}
