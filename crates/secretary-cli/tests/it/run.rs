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

/// Every credential secretary reads itself: tokens, AppRole ids, JWTs, the audit key.
/// Written out here rather than taken from `secretary::manifest::CREDENTIAL_VARIABLES`,
/// so that a name dropped from the library's list fails this test.
const CREDENTIALS: [&str; 9] = [
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "BAO_ROLE_ID",
    "VAULT_SECRET_ID",
    "BAO_SECRET_ID",
    "VAULT_JWT",
    "BAO_JWT",
    "SECRETARY_AUDIT_KEY",
];

#[test]
fn a_python_program_receives_its_secrets_and_not_our_credentials() {
    let dir = app(MANIFEST, DOTENV);
    let seen = child_env(
        support::secretary_in(dir.path())
            .env("FROM_PARENT", "kept")
            .envs(
                CREDENTIALS
                    .iter()
                    .map(|credential| (*credential, "must-not-pass")),
            )
            .env("HOME", "/home/app")
            .args(["run", "--", "python3", "-c", REPORT_ENV]),
    );
    assert_eq!(seen["DATABASE_URL"], "postgresql://app:pw@db/app");
    assert_eq!(
        seen["API_KEY"], "quote\"d $dollar\nnewline",
        "values arrive byte for byte"
    );
    assert_eq!(seen["DEBUG"], "false", "defaults are passed too");
    assert_eq!(
        seen["SQLALCHEMY_DATABASE_URI"],
        serde_json::Value::Null,
        "only the primary name is set"
    );
    assert_eq!(seen["FROM_PARENT"], "kept");
    assert_eq!(seen["HOME"], "/home/app");
    for credential in CREDENTIALS {
        assert_eq!(
            seen[credential],
            serde_json::Value::Null,
            "{credential} must not reach the child"
        );
    }
}

#[test]
fn a_dotenv_file_cannot_expand_our_credentials_into_a_secret() {
    // `.env` expansion once lent the process environment whole: `HARMLESS=${VAULT_TOKEN}`
    // handed the token to the child that `run` keeps it from.
    let manifest = format!("{MANIFEST}[secrets.harmless]\n");
    let mut text = String::from("DATABASE_URL=postgresql://app:pw@db/app\nAPI_KEY=k\nHARMLESS=");
    for credential in CREDENTIALS {
        text.push_str("${");
        text.push_str(credential);
        text.push('}');
    }
    text.push_str("-end\n");
    let dir = app(&manifest, &text);
    let mut cmd = support::secretary_in(dir.path());
    cmd.envs(
        CREDENTIALS
            .iter()
            .map(|credential| (*credential, "CANARYcredential")),
    )
    .args(["run", "--", "python3", "-c", REPORT_ENV]);
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["HARMLESS"], "-end", "no credential was expanded");
    for credential in CREDENTIALS {
        assert!(
            stderr.contains(&format!("`${{{credential}}}` is read as unset here")),
            "{credential}: {stderr}"
        );
    }
    assert!(!stderr.contains("CANARY"), "{stderr}");
}

#[test]
fn reset_starts_from_a_minimal_environment_and_only_limits_the_secrets() {
    let dir = app(MANIFEST, DOTENV);
    let seen = child_env(
        support::secretary_in(dir.path())
            .env("FROM_PARENT", "dropped")
            .env("HOME", "/home/app")
            .args([
                "run",
                "--reset",
                "--only",
                "database_url",
                "--",
                "python3",
                "-c",
                REPORT_ENV,
            ]),
    );
    assert_eq!(seen["FROM_PARENT"], serde_json::Value::Null);
    assert_eq!(
        seen["HOME"], "/home/app",
        "HOME is part of the minimal environment"
    );
    assert_eq!(seen["DATABASE_URL"], "postgresql://app:pw@db/app");
    assert_eq!(
        seen["API_KEY"],
        serde_json::Value::Null,
        "--only database_url"
    );
}

#[test]
fn a_credential_the_manifest_declares_is_passed_on_purpose() {
    let manifest = format!("{MANIFEST}[secrets.vault_token]\nenv = [\"VAULT_TOKEN\"]\n");
    let dir = app(&manifest, DOTENV);
    let seen = child_env(
        support::secretary_in(dir.path())
            .env("VAULT_TOKEN", "s.on-purpose")
            .args(["run", "--", "python3", "-c", REPORT_ENV]),
    );
    assert_eq!(seen["VAULT_TOKEN"], "s.on-purpose");
}

#[test]
fn with_any_problem_nothing_is_started() {
    let dir = app(MANIFEST, "DATABASE_URL=not a url\n");
    let marker = dir.path().join("started");
    let output = support::secretary_in(dir.path())
        .args(["run", "--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("[invalid] database_url"), "{stderr}");
    assert!(stderr.contains("[missing] api_key"), "{stderr}");
    assert!(stderr.contains("nothing was started"), "{stderr}");
    assert!(!marker.exists(), "the child must not run");
}

#[test]
fn exit_statuses_pass_through() {
    let dir = app(MANIFEST, DOTENV);
    let exit = |args: &[&str]| {
        support::secretary_in(dir.path())
            .arg("run")
            .args(args)
            .stderr(Stdio::null())
            .status()
            .unwrap()
    };
    let status = |args: &[&str]| exit(args).code();
    assert_eq!(status(&["--", "sh", "-c", "exit 7"]), Some(7));
    assert_eq!(status(&["--", "true"]), Some(0));
    // `run` becomes the program, so a signal that kills it is seen as such...
    assert_eq!(
        exit(&["--", "sh", "-c", "kill -TERM $$"]).signal(),
        Some(15)
    );
    assert_eq!(exit(&["--", "sh", "-c", "kill -KILL $$"]).signal(), Some(9));
    // ...and with --redact, where the program is a child, as 128+N.
    assert_eq!(
        status(&["--redact", "--", "sh", "-c", "kill -TERM $$"]),
        Some(143),
        "128 + SIGTERM"
    );
    assert_eq!(
        status(&["--redact", "--", "sh", "-c", "kill -KILL $$"]),
        Some(137),
        "128 + SIGKILL"
    );
    assert_eq!(status(&["--redact", "--", "sh", "-c", "exit 7"]), Some(7));
    let output = support::secretary_in(dir.path())
        .args(["run", "--redact", "--", "no-such-program-here"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
    let output = support::secretary_in(dir.path())
        .args(["run", "--", "no-such-program-here"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `no-such-program-here` not found (is it installed and on PATH?)\n"
    );
    fs::write(dir.path().join("not-executable"), "#!/bin/sh\n").unwrap();
    assert_eq!(status(&["--", "./not-executable"]), Some(126));
}

#[test]
fn shell_mode_runs_the_command_line_with_sh() {
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .args([
            "run",
            "--shell",
            "--",
            "printf '%s|%s' \"$DATABASE_URL\" \"$DEBUG\"",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "postgresql://app:pw@db/app|false"
    );
    // Without --shell nothing is interpreted: the $ reaches the program as it is.
    let output = support::secretary_in(dir.path())
        .args(["run", "--", "printf", "%s", "$DATABASE_URL"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "$DATABASE_URL");
}

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
for name in ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"]:
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

#[test]
fn signals_sent_to_run_reach_the_child_and_its_status_comes_back() {
    // Directly (`run` became the program) and forwarded (`--redact`: a child).
    for mode in [&[][..], &["--redact"][..]] {
        signals_reach_the_program(mode);
    }
}

fn signals_reach_the_program(mode: &[&str]) {
    let dir = app(MANIFEST, DOTENV);
    let (mut child, lines) = signal_child(dir.path(), mode, "SIGTERM", 42);
    for signal in ["HUP", "USR1", "USR2", "QUIT", "INT"] {
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

#[test]
fn a_child_killed_by_a_forwarded_signal_makes_run_exit_128_plus_n() {
    let dir = app(MANIFEST, DOTENV);
    let (mut child, line) = redacted_sleeper(dir.path(), "echo ready");
    assert_eq!(line.trim(), "ready");
    std::thread::sleep(Duration::from_millis(100));
    send(&child, "TERM");
    assert_eq!(process::wait(&mut child).code(), Some(143));
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

#[test]
fn redact_replaces_values_on_both_streams_of_a_big_binary_output() {
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .args(["run", "--redact", "--", "python3", "-c", LEAKY])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "the child's status comes back"
    );
    let url = b"[redacted:database_url]";
    let key = b"[redacted:api_key]";
    let block = [&b"\x00\xff noise "[..], key, b" ", url, b"\n"]
        .concat()
        .repeat(20000);
    let stdout = [&b"url="[..], url, b"\n", &block, b"debug=false\n"].concat();
    let stderr = [&b"key="[..], key, b"\n", &block].concat();
    // `false` is not sensitive (`sensitive = false`): it is left alone.
    assert!(output.stdout == stdout, "stdout differs");
    assert!(output.stderr == stderr, "stderr differs");
}

#[test]
fn redact_passes_a_line_through_before_the_child_ends() {
    let dir = app(MANIFEST, DOTENV);
    let (mut child, line) = redacted_sleeper(dir.path(), "echo \"ready $DATABASE_URL\"");
    assert_eq!(line, "ready [redacted:database_url]\n");
    send(&child, "TERM");
    let status = process::wait(&mut child);
    assert_eq!(status.code(), Some(128 + 15));
}

#[test]
fn redact_filters_stdin_and_says_when_a_value_is_unknown() {
    let dir = app(MANIFEST, DOTENV);
    let input = "postgresql://app:pw@db/app and quote\"d $dollar\nnewline, debug false\n";
    let output = support::secretary_in(dir.path())
        .arg("redact")
        .write_stdin_bytes(input)
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "[redacted:database_url] and [redacted:api_key], debug false\n"
    );

    // api_key is missing: everything still passes, the rest redacted, and exit 1.
    let dir = app(MANIFEST, "DATABASE_URL=postgresql://app:pw@db/app\n");
    let output = support::secretary_in(dir.path())
        .arg("redact")
        .write_stdin_bytes("to postgresql://app:pw@db/app\n")
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(output.stdout, b"to [redacted:database_url]\n");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("api_key"), "{stderr}");
    assert!(stderr.contains("not redacted"), "{stderr}");
}

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

#[test]
fn without_redact_run_becomes_the_program() {
    let dir = app(MANIFEST, DOTENV);
    let child = support::secretary_in(dir.path())
        .args(["run", "--", "sh", "-c", "echo $$"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = process::output(child);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        pid.to_string()
    );
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

#[test]
fn watch_signals_the_program_when_a_value_changes_and_only_then() {
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\nREGION=eu\n");
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGHUP, lambda *_: os.write(1, b"HUP\n"))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", os.environ["API_KEY"], flush=True)
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(dir.path(), &[], program);
    expect_line(&lines, "ready first-value-1111");

    // Nothing changed: a SIGHUP to run re-resolves, and the program hears nothing.
    send(&child, "HUP");
    std::thread::sleep(Duration::from_millis(500));
    dotenv(dir.path(), "API_KEY=second-value-2222\nREGION=eu\n");
    send(&child, "HUP");
    // The first line after `ready` is the HUP for the change, not for the no-op.
    assert_eq!(lines.line().trim_end(), "HUP");

    send(&child, "TERM");
    let output = process::output(child);
    assert_eq!(
        output.status.code(),
        Some(3),
        "TERM reached the program; its status came back"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.matches("changed:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("changed: api_key; sending signal 1 to pid"),
        "{stderr}"
    );
    assert!(!stderr.contains("value-"), "a value on stderr: {stderr}");
}

#[test]
fn watch_restarts_the_program_with_the_new_values() {
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: (os.write(1, b"stopping\n"), sys.exit(0)))
print("started", os.environ["API_KEY"], os.environ.get("REGION"), flush=True)
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(dir.path(), &["--on-change", "restart"], program);
    expect_line(&lines, "started first-value-1111 None");

    // A broken .env keeps the program running on what it has.
    dotenv(dir.path(), "REGION=eu\n");
    send(&child, "HUP");
    std::thread::sleep(Duration::from_millis(300));
    dotenv(dir.path(), "API_KEY=second-value-2222\nREGION=eu\n");
    send(&child, "HUP");
    expect_line(&lines, "stopping");
    expect_line(&lines, "started second-value-2222 eu");

    send(&child, "TERM");
    let output = process::output(child);
    let stderr = String::from_utf8(output.stderr).unwrap();
    // What went wrong is said, as `check` says it, not only that something did.
    assert!(
        stderr.contains(
            "re-resolving found problems; the program keeps running with the values it has"
        ) && stderr.contains("[missing] api_key: required but not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains("changed: api_key, region; restarting pid"),
        "{stderr}"
    );
    assert!(!stderr.contains("value-"), "a value on stderr: {stderr}");
}

#[test]
fn watch_kills_a_program_that_ignores_sigterm_after_the_grace_period() {
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    let program = r#"
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("started", os.environ["API_KEY"], flush=True)
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(
        dir.path(),
        &["--on-change", "restart", "--grace", "300ms"],
        program,
    );
    expect_line(&lines, "started first-value-1111");
    dotenv(dir.path(), "API_KEY=second-value-2222\n");
    send(&child, "HUP");
    expect_line(&lines, "started second-value-2222");
    send(&child, "INT"); // forwarded: Python's default SIGINT handling ends it
    let output = process::output(child);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("did not stop within 300ms; killing it"),
        "{stderr}"
    );
}

#[test]
fn watch_flags_are_checked() {
    let dir = app(MANIFEST, DOTENV);
    for (args, expected) in [
        (&["--watch", "soon"][..], "not a duration"),
        (
            &["--watch", "18446744073709551615s"][..],
            "is longer than ten years, the longest duration secretary accepts",
        ),
        (
            &["--watch", "1s", "--grace", "3651d"][..],
            "longer than ten years",
        ),
        (
            &["--watch", "10s", "--on-change", "signal:BOGUS"][..],
            "unknown signal",
        ),
        (&["--on-change", "restart"][..], "--watch"),
    ] {
        let output = support::secretary_in(dir.path())
            .arg("run")
            .args(args)
            .args(["--", "true"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn watch_with_redact_hides_old_and_new_values_alike() {
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    // On SIGHUP the program reloads the value itself (from .env) and prints it.
    let program = r#"
import os, signal, sys, time
def reload(*_):
    new = open(".env").read().split("=", 1)[1].strip()
    os.write(1, ("reloaded " + new + " and still " + os.environ["API_KEY"] + "\n").encode())
signal.signal(signal.SIGHUP, reload)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
os.write(1, ("ready " + os.environ["API_KEY"] + "\n").encode())
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(dir.path(), &["--redact"], program);
    expect_line(&lines, "ready [redacted:api_key]");
    // Three rotations: the program still holds the first value after each of them.
    for value in ["second-value-2222", "third-value-3333", "fourth-value-4444"] {
        dotenv(dir.path(), &format!("API_KEY={value}\n"));
        send(&child, "HUP");
        let line = lines.line();
        assert_eq!(
            line, "reloaded [redacted:api_key] and still [redacted:api_key]\n",
            "after the change to {value}"
        );
    }
    send(&child, "TERM");
    let output = process::output(child);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.matches("changed: api_key; sending signal 1").count(),
        3,
        "{stderr}"
    );
    assert!(!stderr.contains("value-"), "{stderr}");
}

#[test]
fn shell_mode_passes_the_other_words_as_positional_parameters() {
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .args([
            "run",
            "--shell",
            "--",
            "printf '[%s]\\n' \"$@\"",
            "a b",
            "c",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "[a b]\n[c]\n");
}

#[test]
fn variables_whose_names_are_not_utf8_are_passed_on() {
    use std::os::unix::ffi::OsStrExt;
    let dir = app(MANIFEST, DOTENV);
    let name = std::ffi::OsStr::from_bytes(b"ODD_\xffNAME");
    let output = support::secretary_in(dir.path())
        .env(name, "kept")
        .args(["run", "--", "env"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        output.stdout.windows(14).any(|w| w == b"ODD_\xffNAME=kept"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn redact_with_only_hides_the_secrets_the_program_inherits_too() {
    // `--only database_url` passes one secret; API_KEY is a declared secret the program
    // inherits from our environment, and is redacted all the same.
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .env("API_KEY", "inherited-canary-5555")
        .env(
            "SQLALCHEMY_DATABASE_URI",
            "postgresql://alias-canary-6666@db/app",
        )
        .args(["run", "--redact", "--only", "database_url", "--"])
        .args([
            "sh",
            "-c",
            "echo \"$API_KEY $SQLALCHEMY_DATABASE_URI $DATABASE_URL\"",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "[redacted:api_key] [redacted:database_url] [redacted:database_url]\n"
    );
}

#[test]
fn the_audit_key_is_not_passed_to_the_program() {
    let dir = app(MANIFEST, DOTENV);
    let output = support::secretary_in(dir.path())
        .env(
            "SECRETARY_AUDIT_KEY",
            "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ",
        )
        .args(["run", "--", "sh", "-c", "echo \"[$SECRETARY_AUDIT_KEY]\""])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "[]\n");
}

#[test]
fn a_value_holding_a_nul_byte_is_named_and_nothing_is_started() {
    let manifest = r#"version = 1
[sources.mounted]
type = "files"
dir = "secrets"
[secrets.api_key]
required = true
"#;
    let dir = app(manifest, "");
    fs::create_dir(dir.path().join("secrets")).unwrap();
    fs::write(dir.path().join("secrets/api_key"), "before\0after-canary").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.path().join("secrets/api_key"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    for mode in [&[][..], &["--redact"][..], &["--watch", "1h"][..]] {
        let output = support::secretary_in(dir.path())
            .arg("run")
            .args(mode)
            .args(["--", "touch", "started"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{mode:?}: {stderr}");
        assert!(
            stderr.contains(
                "secret `api_key` holds a NUL byte, which an environment variable cannot carry"
            ),
            "{mode:?}: {stderr}"
        );
        assert!(!stderr.contains("canary"), "{stderr}");
        assert!(
            !stderr.contains("touch"),
            "the program is not blamed: {stderr}"
        );
        assert!(!dir.path().join("started").exists());
    }
}

#[test]
fn signals_ignored_when_run_started_stay_ignored_for_the_program() {
    // Under `nohup` (SIGHUP ignored), the program must keep ignoring SIGHUP, and a SIGHUP
    // to `run` must not be forwarded to it.
    let dir = app(MANIFEST, DOTENV);
    let program = r#"
import os, signal, time
print("hup ignored" if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN else "hup handled", flush=True)
signal.signal(signal.SIGTERM, lambda *_: (print("term", flush=True), os._exit(0)))
for _ in range(300):
    time.sleep(0.1)
"#;
    for mode in [&["--redact"][..], &["--watch", "1h"][..]] {
        let mut child = Command::new("sh")
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["-c", "trap '' HUP; exec \"$@\"", "sh"])
            .arg(support::secretary())
            .arg("run")
            .args(mode)
            .args(["--", "python3", "-c", program])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Lines::new(child.stdout.take().unwrap());
        assert_eq!(lines.line().trim(), "hup ignored", "{mode:?}");
        send(&child, "HUP");
        std::thread::sleep(Duration::from_millis(300));
        send(&child, "TERM");
        assert_eq!(
            lines.rest(),
            "term\n",
            "{mode:?}: the program outlived the SIGHUP"
        );
        assert_eq!(process::wait(&mut child).code(), Some(0), "{mode:?}");
    }
}

#[test]
fn redact_hides_an_inherited_secret_whose_value_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = app(MANIFEST, DOTENV);
    let value = std::ffi::OsStr::from_bytes(b"raw-\xffcanary-bytes");
    let output = support::secretary_in(dir.path())
        .env("API_KEY", value)
        .args(["run", "--redact", "--only", "database_url", "--"])
        .args(["sh", "-c", "printf '%s\\n' \"$API_KEY\""])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, b"[redacted:api_key]\n");
}

#[test]
fn watch_stops_the_program_when_the_audit_log_cannot_be_written() {
    // The audit log is stderr, read until its first line, then closed: the next
    // re-resolution cannot be recorded, so `run` stops, and takes the program with it.
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    let pid_file = dir.path().join("child.pid");
    let program = format!(
        "import os, time\nopen({:?}, 'w').write(str(os.getpid()))\nwhile True: time.sleep(0.05)\n",
        pid_file.display().to_string()
    );
    let mut child = support::secretary_in(dir.path())
        .args(["--audit-log", "-", "run", "--watch", "1h", "--grace", "1s"])
        .args(["--", "python3", "-c", &program])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both secrets' `run` lines come before the program starts; then the pipe closes.
    // Read on a thread and handed back, so that dropping it below closes the pipe.
    let (lines, stderr) = process::first_lines(child.stderr.take().unwrap(), 2);
    for line in lines {
        assert!(line.contains("\"event\":\"run\""), "{line}");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the program did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    drop(stderr);
    let program_pid: i32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    dotenv(dir.path(), "API_KEY=second-value-2222\n");
    send(&child, "HUP");
    let status = process::wait(&mut child);
    assert_eq!(
        status.code(),
        Some(2),
        "an access that cannot be recorded stops run"
    );
    let alive = Command::new("kill")
        .args(["-0", &program_pid.to_string()])
        .status()
        .unwrap();
    assert!(
        !alive.success(),
        "the program {program_pid} was left running"
    );
}
