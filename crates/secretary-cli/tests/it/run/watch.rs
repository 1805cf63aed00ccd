//! `run --watch`: re-reading, signalling or restarting the program, flags, and a log that cannot be written.

use super::*;

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

#[test]
fn a_sighup_while_the_secrets_are_first_read_is_a_re_read_not_a_death() {
    // `kill -HUP` to re-read during a start-up killed `run --watch` (status 129), and so
    // the service (a fourth adversarial pass). A Vault that answers in 1.5 s keeps the
    // first read going while the signal comes.
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                std::thread::sleep(Duration::from_millis(1500));
                let body = r#"{"data":{"data":{"value":"slow-value-1234"},"metadata":{"version":1,"created_time":"2026-01-01T00:00:00Z"}}}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    let dir = app(
        "version = 1\n[sources.vault]\ntype = \"vault\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\n",
        "",
    );
    let mut child = support::secretary_in(dir.path())
        .env("VAULT_ADDR", &address)
        .env("VAULT_TOKEN", "s.test-token")
        .env("HOME", dir.path())
        .args(["--env", "production", "run", "--watch", "1h", "--"])
        .args([
            "python3",
            "-u",
            "-c",
            "import sys, time\nprint('ready', flush=True)\ntime.sleep(60)\n",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    std::thread::sleep(Duration::from_millis(500));
    send(&child, "HUP");
    let line = lines.next_line();
    let alive = child.try_wait().unwrap().is_none();
    if alive {
        send(&child, "TERM");
    }
    let output = process::output(child);
    assert_eq!(
        line.as_deref().map(str::trim_end),
        Some("ready"),
        "the program never started; run ended with {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(alive, "run ended after the SIGHUP");
}

#[test]
fn a_sigterm_during_a_restart_stops_run_and_starts_nothing() {
    // A twenty-second adversarial pass: a SIGTERM to `run` while it stopped the program
    // for a restart went to the program being stopped, and `run` then started it again.
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    let program = r#"
import os, signal, sys, time
def stopping(*_):
    os.write(1, b"stopping\n")
    time.sleep(1)
    sys.exit(0)
signal.signal(signal.SIGTERM, stopping)
print("started", os.environ["API_KEY"], flush=True)
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(dir.path(), &["--on-change", "restart"], program);
    expect_line(&lines, "started first-value-1111");
    dotenv(dir.path(), "API_KEY=second-value-2222\n");
    send(&child, "HUP");
    expect_line(&lines, "stopping");
    send(&child, "TERM");
    let rest = lines.rest();
    let output = process::output(child);
    assert_eq!(output.status.code(), Some(143), "{rest}");
    assert!(
        !rest.contains("started"),
        "the program was started again: {rest}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("stopped by signal 15 while restarting the program"),
        "{stderr}"
    );
}

#[test]
fn a_signal_the_program_survived_does_not_stop_a_later_restart() {
    // A twenty-third adversarial pass: a SIGINT (or a SIGQUIT for a thread dump) the
    // program handled stayed recorded, and the next rotation stopped `run` instead of
    // restarting the program.
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\n");
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGINT, lambda *_: os.write(1, b"survived\n"))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("started", os.environ["API_KEY"], flush=True)
while True: time.sleep(0.05)
"#;
    let (child, lines) = watched(dir.path(), &["--on-change", "restart"], program);
    expect_line(&lines, "started first-value-1111");
    send(&child, "INT");
    expect_line(&lines, "survived");
    dotenv(dir.path(), "API_KEY=second-value-2222\n");
    send(&child, "HUP");
    expect_line(&lines, "started second-value-2222");
    send(&child, "TERM");
    let output = process::output(child);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the program exits 0 on SIGTERM"
    );
}

#[test]
fn a_re_resolution_that_finds_problems_is_recorded_in_the_audit_log() {
    // A twenty-sixth adversarial pass: a re-read that found a secret deleted was left
    // out of the log, the reads it made with it.
    let dir = app(WATCHED, "");
    dotenv(dir.path(), "API_KEY=first-value-1111\nREGION=eu\n");
    let program = r#"
import os, time
print("ready", flush=True)
while True: time.sleep(0.05)
"#;
    let mut child = support::secretary_in(dir.path())
        .args([
            "--audit-log",
            "audit.log",
            "run",
            "--watch",
            "1h",
            "--grace",
            "1s",
        ])
        .args(["--", "python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    expect_line(&lines, "ready");
    dotenv(dir.path(), "REGION=eu\n");
    send(&child, "HUP");
    let log = dir.path().join("audit.log");
    secretary_test_support::wait_until("the re-read's line", Duration::from_secs(20), || {
        fs::read_to_string(&log).is_ok_and(|text| {
            text.lines().any(|line| {
                line.contains("\"event\":\"resolve\"")
                    && line.contains("\"key\":\"api_key\"")
                    && line.contains("\"outcome\":\"missing\"")
            })
        })
    });
    send(&child, "TERM");
    let _ = process::output(child);
}
