//! From `.env` to Vault and rotation as routine, as a user meets it against a real
//! OpenBao: `import`, per-environment rules, rotation policy and age, `rotate`,
//! `rollback`, and the errors met on the way.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use secretary_test_support::OpenBao;
use tempfile::TempDir;

/// Development from `.env`, production from Vault (no placeholders allowed), with rules of
/// its own for two secrets.
const MANIFEST: &str = r#"version = 1
[sources.dotenv]
type = "dotenv"
files = [".env"]
[sources.vault]
type = "vault"

[environments.development]
sources = ["dotenv"]
[environments.development.secrets.debug_mode]
default = "true"

[environments.production]
sources = ["vault"]
forbid_placeholders = true
[environments.production.secrets.redis_password]
required = true

[secrets.api_key]
required = true
min_length = 10
generate = "provided"
[secrets.secret_key]
required = true
min_length = 32
rotate_every = "90d"
generate = { bytes = 32, format = "urlsafe" }
[secrets.redis_password]
[secrets.debug_mode]
sensitive = false
type = "bool"
default = "false"
"#;

/// A `dotenv` source over `.env` and a `vault` source, for a test's environments to name.
const DOTENV_AND_VAULT: &str = "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[sources.vault]\ntype = \"vault\"\n";

const DOTENV: &str = "API_KEY=dev-api-key-0123456789\nSECRET_KEY=dev-secret-key-0123456789abcdef0123456789\nREDIS_PASSWORD=dev-redis-pw\n";

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn all(&self) -> String {
        format!("exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

struct App {
    dir: TempDir,
}

impl App {
    fn new(manifest: &str, dotenv: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
        fs::write(dir.path().join(".env"), dotenv).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, bao: &OpenBao, args: &[&str]) -> Outcome {
        self.run_with(bao, args, None, &[])
    }

    fn run_with(
        &self,
        bao: &OpenBao,
        args: &[&str],
        stdin: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Outcome {
        let mut command = support::secretary_in(self.path());
        command
            .envs(bao.env())
            .env("HOME", self.path())
            .envs(vars.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            // A command that fails before it reads stdin closes it: that is not an error.
            let _ = input.write_all(text.as_bytes());
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The value of `field` at `path` (mount `secret`), and its version.
fn stored(bao: &OpenBao, path: &str) -> Option<(String, u64)> {
    let output = bao
        .command(&["kv", "get", "-format=json", "-mount=secret", path])
        .output()
        .unwrap();
    if !output.status.success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    Some((
        json["data"]["data"]["value"].as_str()?.to_owned(),
        json["data"]["metadata"]["version"].as_u64()?,
    ))
}

fn assert_no_value(outcome: &Outcome, values: &[&str]) {
    for value in values {
        assert!(
            !outcome.stdout.contains(value) && !outcome.stderr.contains(value),
            "a value was shown: {}",
            outcome.all()
        );
    }
}

/// `import` of two keys from the `.env` source alone, with `extra`.
fn import_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--env",
        "production",
        "import",
        "--from-source",
        "dotenv",
        "--only",
        "api_key,secret_key",
    ];
    args.extend_from_slice(extra);
    args
}

const AGING: &str = r#"version = 1
[sources.vault]
type = "vault"
[environments.lenient]
sources = ["vault"]
[environments.strict]
sources = ["vault"]
enforce_rotation = true
[secrets.secret_key]
required = true
rotate_every = "1s"
generate = { bytes = 32 }
"#;

/// `secretary ARGS` in `app` with `value` on stdin, its file writes capped at `blocks`
/// of 512 bytes (dash's `ulimit -f`) with SIGXFSZ ignored, so that a write past the cap
/// fails as on a full disk.
fn capped(app: &App, bao: &OpenBao, blocks: u64, args: &[&str], value: &str) -> Outcome {
    capped_with(app, bao, blocks, args, value, &[])
}

/// [`capped`], with `vars` set besides OpenBao's (a token of a narrower policy).
fn capped_with(
    app: &App,
    bao: &OpenBao,
    blocks: u64,
    args: &[&str],
    value: &str,
    vars: &[(&str, &str)],
) -> Outcome {
    let mut child = std::process::Command::new("sh")
        .current_dir(app.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", app.path())
        .envs(bao.env())
        .envs(vars.iter().copied())
        .args(["-c", "trap '' XFSZ; ulimit -f \"$0\"; exec \"$@\""])
        .arg(blocks.to_string())
        .arg(support::secretary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{value}\n").as_bytes());
    let output = secretary_test_support::process::output(child);
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

mod audit;
mod import;
mod rotate;
mod unconfirmed;
