//! The guides that walk through a source step by step, run as written: every `sh` block
//! between a page's `guide:start` and `guide:end` markers, in order, in one bash with
//! `set -euo pipefail`, in a scratch directory with its own `HOME` (so `secretary
//! allow`'s records and sops's keys stay there). Each guide's own `if ...; then exit 1`
//! steps assert the refusals it describes; the test asserts what a reader sees. Getting
//! started runs each command on its own and checks every line of output the page shows.

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

const GETTING_STARTED: &str = include_str!("../../../../docs/getting-started.md");

/// Each `sh` block of `page` between its `guide:start` and `guide:end` markers, with
/// the block right after it when that shows output (a fence with no language): what a
/// reader runs, and what the page says they will see.
fn shown_steps(page: &str) -> Vec<(String, Option<String>)> {
    let start = page
        .find("<!-- guide:start -->")
        .expect("the page marks its steps");
    let end = page.find("<!-- guide:end -->").expect("the steps end");
    let mut steps: Vec<(String, Option<String>)> = Vec::new();
    let mut lines = page[start..end].lines();
    while let Some(line) = lines.next() {
        let Some(fence) = line.strip_prefix("```") else {
            continue;
        };
        let block: String = lines
            .by_ref()
            .take_while(|line| *line != "```")
            .flat_map(|line| [line, "\n"])
            .collect();
        match (fence, steps.last_mut()) {
            ("sh", _) => steps.push((block, None)),
            ("", Some((_, shown @ None))) => *shown = Some(block),
            ("", _) => panic!("output shown before any command:\n{block}"),
            // A manifest, a program: checked on their own, or not run.
            _ => {}
        }
    }
    steps
}

#[test]
fn getting_started_shows_what_its_commands_print() {
    // The page was written by hand, and twice showed what the tool no longer printed (a
    // port `status` hides, a description `init` does not write): each command now runs
    // in order, in one directory, and every line the page shows after it must be a line
    // of what it printed.
    let steps = shown_steps(GETTING_STARTED);
    assert!(steps.len() >= 5, "{steps:?}");
    let dir = tempfile::tempdir().unwrap();
    for (n, (commands, shown)) in steps.iter().enumerate() {
        let steps = crate::runbook::Steps {
            label: "step",
            servers: false,
            seconds: 60,
        };
        let script = format!("set +e\n{commands}");
        let (_, said) = steps.run(&[script], dir.path());
        let printed: Vec<&str> = said.lines().map(str::trim_end).collect();
        for line in shown.iter().flat_map(|shown| shown.lines()) {
            let line = line.trim_end();
            assert!(
                line.is_empty() || printed.contains(&line),
                "step {}, `{}`: the page shows\n{line}\nwhich it did not print:\n{said}",
                n + 1,
                commands.trim_end()
            );
        }
    }
    // The manifest's excerpts are what `init` wrote, table by table.
    let manifest = std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    let excerpt = GETTING_STARTED
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    for table in excerpt.split("\n\n") {
        assert!(
            manifest.contains(table.trim_end()),
            "the page shows\n{table}\nwhich init did not write:\n{manifest}"
        );
    }
}
