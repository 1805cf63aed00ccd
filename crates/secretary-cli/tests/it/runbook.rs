//! The guide "From `.env` to Vault, step by step" (`docs/guides/env-to-vault.md`), run as
//! written: every `sh` block between its `runbook:start` and `runbook:end` markers, in
//! order, in one bash with `set -euo pipefail`, against a real OpenBao, in a fresh git
//! repository holding a copy of the whole reference application (its sources, tests and
//! templates, so that the runbook's last step, `scan .`, meets the text a real application
//! holds: issue 25, item 16), with its `.env` ignored by git, as the guide says a `.env` is,
//! and without its `secrets.toml`, which the runbook's `init` writes. The one change made to
//! the text: the dev server's port 8200 becomes a free one, so that the test can run beside
//! others.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The guide this test follows.
const GUIDE: &str = include_str!("../../../../docs/guides/env-to-vault.md");
const DOTENV: &str = include_str!("../../../../examples/faceless-youtube/.env");
pub(crate) const APP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/faceless-youtube"
);

/// Copies the application in `from` to `to`, but for the manifest the runbook writes and
/// the caches its tests leave.
pub(crate) fn copy_app(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["secrets.toml", "__pycache__", ".pytest_cache", ".venv"]
            .iter()
            .any(|skip| name == *skip)
        {
            continue;
        }
        let kind = entry.file_type().unwrap();
        let target = to.join(&name);
        if kind.is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_app(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The `sh` blocks of the runbook, in order.
fn blocks() -> Vec<String> {
    runbook_blocks(GUIDE, "runbook")
}

/// The `sh` blocks of `page` between `<!-- NAME:start -->` and `<!-- NAME:end -->`, in
/// order.
pub(crate) fn runbook_blocks(page: &str, name: &str) -> Vec<String> {
    let start = page
        .find(&format!("<!-- {name}:start -->"))
        .expect("the guide has a runbook");
    let end = page
        .find(&format!("<!-- {name}:end -->"))
        .expect("the runbook ends");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page[start..end].lines() {
        match (&mut current, line) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed block in the runbook");
    blocks
}

/// How a page's steps are run ([`Steps::run`]).
pub(crate) struct Steps<'a> {
    /// What each block is called in the script's `==> LABEL block N` lines.
    pub(crate) label: &'a str,
    /// Whether the blocks start servers in the background, stopped with the script.
    pub(crate) servers: bool,
    /// How long they may take, in seconds: a step that hangs fails the test instead of
    /// holding it up.
    pub(crate) seconds: u32,
}

impl Steps<'_> {
    /// Runs `blocks` in order, in one bash with `set -euo pipefail`, in `dir` (also its
    /// `HOME` and `TMPDIR`), with nothing of the test's environment but `PATH`: the
    /// `secretary` under test first, then the host's (which has `bao`, `git`, `openssl`
    /// and `python3`). Gives its output, and what it said (stdout, then stderr).
    pub(crate) fn run(&self, blocks: &[String], dir: &Path) -> (std::process::Output, String) {
        let mut script = String::from("set -euo pipefail\n");
        if self.servers {
            script.push_str("trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
        }
        for (n, block) in blocks.iter().enumerate() {
            let _ = writeln!(script, "echo '==> {} block {}'", self.label, n + 1);
            script.push_str(block);
        }
        let secretary = support::secretary();
        let bin = secretary.parent().unwrap();
        let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let output = Command::new("timeout")
            .args(["--kill-after=10", &self.seconds.to_string(), "bash", "-c"])
            .arg(&script)
            .current_dir(dir)
            .env_clear()
            .env("PATH", path)
            .env("HOME", dir)
            .env("TMPDIR", dir)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output, said)
    }
}

/// How the `.env`-to-Vault and `.env`-to-AWS runbooks are run: they start a server.
pub(crate) const RUNBOOK: Steps<'static> = Steps {
    label: "runbook",
    servers: true,
    seconds: 600,
};

/// Asserts that `said` holds no secret of the reference application's `.env` (its
/// non-secret settings, such as `development`, are also environment names, printed as
/// such).
pub(crate) fn assert_no_dotenv_value(said: &str) {
    for line in DOTENV.lines().filter(|l| !l.starts_with('#')) {
        if let Some((_, value)) = line.split_once('=') {
            if value.contains("dev-only") || value.contains("://") {
                assert!(!said.contains(value), "a value was printed:\n{said}");
            }
        }
    }
}

#[test]
fn the_env_to_vault_guide_works_as_written() {
    let blocks = blocks();
    assert!(blocks.len() >= 5, "{blocks:?}");
    let app = tempfile::tempdir().unwrap();
    copy_app(Path::new(APP), app.path());
    assert!(app.path().join("tests/test_config.py").is_file());
    let mut ignored = std::fs::read_to_string(app.path().join(".gitignore")).unwrap();
    ignored.push_str(".env\n");
    std::fs::write(app.path().join(".gitignore"), ignored).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(app.path())
        .status()
        .expect("git is needed to run the runbook");
    assert!(git.success());

    // The dev server the runbook starts listens on a free port instead of 8200.
    let port = secretary_test_support::free_port().to_string();
    let blocks: Vec<String> = blocks
        .iter()
        .map(|block| block.replace("127.0.0.1:8200", &format!("127.0.0.1:{port}")))
        .collect();
    let (output, said) = RUNBOOK.run(&blocks, app.path());
    assert!(output.status.success(), "the runbook failed:\n{said}");
    // What the steps say they did.
    assert!(said.contains("wrote secrets.toml"), "{said}");
    assert!(said.contains("ok: no value of"), "the scan: {said}");
    assert!(
        said.contains("permission denied"),
        "the service's token was not refused a write: {said}"
    );
    assert!(said.contains("rotated secret_key"), "{said}");
    assert!(said.contains("rolled secret_key back"), "{said}");
    assert!(
        said.contains("started with a 37 character SECRET_KEY"),
        "{said}"
    );
    // No secret of the .env was printed on the way.
    assert_no_dotenv_value(&said);
    assert!(Path::new(&app.path().join("secrets.toml")).exists());
    // The dev server left no token behind in HOME (`-dev-no-store-token`): after the
    // guide, production fails closed again without a token.
    assert!(
        !app.path().join(".vault-token").exists(),
        "the dev server wrote ~/.vault-token"
    );
}
