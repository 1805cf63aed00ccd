//! `secretary run` with real child processes: what the child receives, exit statuses,
//! and signal forwarding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use secretary_test_support::process::{self, Lines};
use tempfile::TempDir;

const MANIFEST: &str = r#"version = 1
[sources.env]
type = "env"
[sources.dotenv]
type = "dotenv"
files = [".env"]
[environments.development]
sources = ["env", "dotenv"]

[secrets.database_url]
required = true
env = ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]
type = "url"
[secrets.api_key]
required = true
[secrets.debug_mode]
env = ["DEBUG"]
sensitive = false
type = "bool"
default = "false"
"#;

const DOTENV: &str =
    "DATABASE_URL=postgresql://app:pw@db/app\nAPI_KEY=\"quote\\\"d $dollar\\nnewline\"\n";

fn app(manifest: &str, dotenv: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    fs::write(dir.path().join(".env"), dotenv).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir.path().join(".env"), fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

/// A Python program that reports, as JSON, the variables it was given.
/// The child's whole environment as JSON (a name it lacks reads as null).
const REPORT_ENV: &str = "
import json, os, sys
json.dump(dict(os.environ), sys.stdout)
";

fn child_env(cmd: &mut Command) -> serde_json::Value {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every credential secretary reads itself: tokens, AppRole ids, JWTs, the audit key, and
/// the age key it lets sops read (an eighth adversarial pass).
/// Written out here rather than taken from `secretary::manifest::CREDENTIAL_VARIABLES`,
/// so that a name dropped from the library's list fails this test.
const CREDENTIALS: [&str; 10] = [
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "BAO_ROLE_ID",
    "VAULT_SECRET_ID",
    "BAO_SECRET_ID",
    "VAULT_JWT",
    "BAO_JWT",
    "SECRETARY_AUDIT_KEY",
    "SOPS_AGE_KEY",
];

/// Starts `secretary run` on a Python child that reports each signal it gets, by name, on
/// stdout, and exits with `exit_code` after `last`.
fn signal_child(dir: &Path, mode: &[&str], last: &str, exit_code: i32) -> (Child, Lines) {
    let program = format!(
        r#"
import os, signal, sys, time
# os.write, not print: a handler may run while the main code is inside print().
def handler(number, frame):
    name = signal.Signals(number).name
    os.write(1, (name + "\n").encode())
    if name == "{last}":
        sys.exit({exit_code})
for name in ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"]:
    signal.signal(getattr(signal, name), handler)
os.write(1, b"ready\n")
for _ in range(300):
    time.sleep(0.1)
sys.exit(99)
"#
    );
    let mut child = support::secretary_in(dir)
        .arg("run")
        .args(mode)
        .args(["--", "python3", "-c", &program])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    assert_eq!(lines.line().trim(), "ready");
    (child, lines)
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn signals_reach_the_program(mode: &[&str]) {
    let dir = app(MANIFEST, DOTENV);
    let (mut child, lines) = signal_child(dir.path(), mode, "SIGTERM", 42);
    // SIGALRM too: a forty-first adversarial pass saw it swallowed once the start-up's
    // guard took it (neither run nor the program ended, nor heard of it).
    for signal in ["HUP", "USR1", "USR2", "QUIT", "INT", "ALRM"] {
        send(&child, signal);
        let line = lines.line();
        assert_eq!(
            line.trim(),
            format!("SIG{signal}"),
            "forwarded {signal} in {mode:?}"
        );
    }
    send(&child, "TERM");
    assert_eq!(lines.line().trim(), "SIGTERM");
    let status = process::wait(&mut child);
    assert_eq!(status.code(), Some(42), "run exits with the child's status");
}

/// `run --redact -- sh -c "ECHO; exec sleep 30"`, and the first line it printed.
fn redacted_sleeper(dir: &Path, echo: &str) -> (Child, String) {
    let mut child = support::secretary_in(dir)
        .args(["run", "--redact", "--", "sh", "-c"])
        .arg(format!("{echo}; exec sleep 30"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let line = Lines::new(child.stdout.take().unwrap()).line();
    (child, line)
}

/// A Python program that writes the secrets to both streams, byte by byte and in big
/// blocks, so values straddle reads, with binary noise in between.
const LEAKY: &str = r#"
import os, sys
url, key = os.environ["DATABASE_URL"].encode(), os.environ["API_KEY"].encode()
out, err = sys.stdout.buffer, sys.stderr.buffer
for byte in b"url=" + url + b"\n":
    out.write(bytes([byte])); out.flush()
err.write(b"key=" + key + b"\n"); err.flush()
block = (b"\x00\xff noise " + key + b" " + url + b"\n") * 20000
out.write(block); out.flush()
err.write(block); err.flush()
out.write(b"debug=" + os.environ["DEBUG"].encode() + b"\n")
sys.exit(4)
"#;

/// Runs `cmd` with `input` on stdin and collects its output.
trait WriteStdin {
    fn write_stdin_bytes(&mut self, input: &str) -> std::io::Result<std::process::Output>;
}

impl WriteStdin for Command {
    fn write_stdin_bytes(&mut self, input: &str) -> std::io::Result<std::process::Output> {
        use std::io::Write;
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = process::output(child);
        writer.join().unwrap()?;
        Ok(output)
    }
}

const WATCHED: &str = r#"version = 1
[sources.dotenv]
type = "dotenv"
files = [".env"]
[environments.development]
sources = ["dotenv"]
[secrets.api_key]
required = true
[secrets.region]
sensitive = false
"#;

/// Writes `.env` (0600) in `dir`.
fn dotenv(dir: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(".env");
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
}

/// Reads lines from `lines` until one equals `wanted`, failing on end of output.
fn expect_line(lines: &Lines, wanted: &str) {
    loop {
        let line = lines
            .next_line()
            .unwrap_or_else(|| panic!("no `{wanted}` before the end"));
        if line.trim_end() == wanted {
            return;
        }
    }
}

/// `run --watch 1h` on `program`, so that only a SIGHUP to `run` re-resolves: each test
/// decides when.
fn watched(dir: &Path, extra: &[&str], program: &str) -> (Child, Lines) {
    let mut child = support::secretary_in(dir)
        .args(["run", "--watch", "1h"])
        .args(extra)
        .args(["--", "python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    (child, lines)
}

mod lease_stops;
mod leases;
mod program;
mod redact;
mod signals;
mod watch;
