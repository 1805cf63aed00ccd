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

use std::path::Path;

use crate::runbook::{APP, RUNBOOK, assert_no_dotenv_value, copy_app, runbook_blocks};

/// The guide this test follows.
const GUIDE: &str = include_str!("../../../../docs/guides/aws.md");

#[test]
fn the_aws_guide_works_as_written() {
    let blocks = runbook_blocks(GUIDE, "runbook-aws");
    assert!(blocks.len() >= 4, "{blocks:?}");
    let app = tempfile::tempdir().unwrap();
    copy_app(Path::new(APP), app.path());
    // The moto server the runbook starts listens on a free port instead of 5000.
    let port = secretary_test_support::free_port().to_string();
    let blocks: Vec<String> = blocks
        .iter()
        .map(|block| {
            block
                .replace("127.0.0.1:5000", &format!("127.0.0.1:{port}"))
                .replace("-p 5000", &format!("-p {port}"))
        })
        .collect();
    let (output, said) = RUNBOOK.run(&blocks, app.path());
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
    assert_no_dotenv_value(&said);
}
