//! Signals: forwarded to the program, its death passed back as 128+N, and dispositions inherited as ignored kept.

use super::*;

#[test]
fn signals_sent_to_run_reach_the_child_and_its_status_comes_back() {
    // Directly (`run` became the program) and forwarded (`--redact`: a child).
    for mode in [&[][..], &["--redact"][..]] {
        signals_reach_the_program(mode);
    }
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
