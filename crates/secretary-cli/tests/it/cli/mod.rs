//! The `secretary` command as a user meets it: real processes in temporary directories,
//! with an environment cleared of the host's variables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

const EXAMPLE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/faceless-youtube"
);

/// A temporary application directory.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(manifest: &str) -> Self {
        let project = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        project.file("secrets.toml", manifest);
        project
    }

    /// A copy of the reference application's manifest, with `dotenv` as given.
    fn example(dotenv: &str) -> Self {
        let project =
            Self::new(&fs::read_to_string(Path::new(EXAMPLE_DIR).join("secrets.toml")).unwrap());
        project.file(".env", dotenv);
        project
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file readable by its owner only.
    fn file(&self, name: &str, text: &str) -> &Self {
        let path = self.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        self
    }

    /// `secretary` run in the project, with only `PATH` from the host.
    fn cmd(&self) -> Command {
        Command::from_std(support::secretary_in(self.path()))
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Outcome {
    let output = cmd.output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const DEV_ENV: &str = "\
ENVIRONMENT=development
DATABASE_URL=postgresql://app:dev-password@localhost:5432/app
POSTGRES_USER=app
POSTGRES_PASSWORD=dev-password
SECRET_KEY=dev-signing-key-0123456789abcdefghij
";

/// Standard base64, to look for encoded leaks too.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A unique canary per sensitive secret, each valid for its type.
fn canaries() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "database_url",
            "DATABASE_URL",
            "postgresql://app:CANARYa1db@db/app".into(),
        ),
        ("postgres_user", "POSTGRES_USER", "CANARYb2user".into()),
        (
            "postgres_password",
            "POSTGRES_PASSWORD",
            "CANARYc3password".into(),
        ),
        (
            "youtube_api_key",
            "YOUTUBE_API_KEY",
            "CANARYd4youtube".into(),
        ),
        (
            "anthropic_api_key",
            "ANTHROPIC_API_KEY",
            "CANARYe5anthropic".into(),
        ),
        (
            "google_client_id",
            "GOOGLE_CLIENT_ID",
            "CANARYf6clientid".into(),
        ),
        (
            "google_client_secret",
            "GOOGLE_CLIENT_SECRET",
            "CANARYg7clientsecret".into(),
        ),
        (
            "secret_key",
            "SECRET_KEY",
            "CANARYh8secretkey-0123456789abcdefghij".into(),
        ),
        (
            "encryption_key",
            "ENCRYPTION_KEY",
            "CANARYi9encryption-0123456789abcdefgh".into(),
        ),
        ("redis_password", "REDIS_PASSWORD", "CANARYj0redis".into()),
        (
            "mongodb_uri",
            "MONGODB_URI",
            "mongodb://u:CANARYk1mongo@db/app".into(),
        ),
    ]
}

/// The part of a canary that must never appear.
fn marker(value: &str) -> &str {
    let start = value.find("CANARY").unwrap();
    let end = value[start..]
        .find(['@', '-'])
        .map_or(value.len(), |e| start + e);
    &value[start..end]
}

fn assert_clean(what: &str, text: &str, allowed: Option<&str>) {
    for (key, _, value) in canaries() {
        if Some(key) == allowed {
            continue;
        }
        let needle = marker(&value);
        assert!(
            !text.contains(needle),
            "{what}: the value of {key} leaked:\n{text}"
        );
        assert!(
            !text.contains(&base64(value.as_bytes())),
            "{what}: base64 of {key} leaked:\n{text}"
        );
    }
}

/// Every line of an audit log, parsed; each must be one JSON object.
fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

mod aws;
mod boundary;
mod canary;
mod check;
mod hardening;
mod help;
mod init;
mod pull_request;
mod readme;
mod scan;
mod status;
mod usage;
