//! Signals: forwarded to the program, its death passed back as 128+N, and dispositions inherited as ignored kept.

use super::lease_stops::slow_vault;
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

#[test]
fn a_signal_while_a_provider_runs_stops_the_provider_too() {
    // An eighth adversarial pass: a provider runs in a process group of its own, so a
    // SIGTERM to secretary (or Ctrl-C, which reaches the terminal's foreground group
    // only) left it running to its end. Now secretary kills it, then ends as the signal
    // would have.
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (started, finished) = (dir.path().join("started"), dir.path().join("finished"));
    // A script of its own directory: `sh -c`'s text is refused, since `allow` cannot pin
    // what it names.
    fs::create_dir(dir.path().join("providers")).unwrap();
    fs::write(
        dir.path().join("providers/slow.sh"),
        format!(
            "#!/bin/sh\ntouch '{}'\nsleep 4\ntouch '{}'\n",
            started.display(),
            finished.display()
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.slow]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/slow.sh\"]\ntimeout = \"30s\"\n[environments.development]\nsources = [\"slow\"]\n[secrets.api_key]\nrequired = true\n",
    )
    .unwrap();
    let secretary = |args: &[&str]| {
        let mut cmd = support::secretary_in(dir.path());
        cmd.env("SECRETARY_STATE_DIR", state.path()).args(args);
        cmd
    };
    assert!(secretary(&["allow"]).status().unwrap().success());
    for signal in ["TERM", "INT", "HUP"] {
        let _ = fs::remove_file(&started);
        let child = secretary(&["check"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let waited = std::time::Instant::now();
        while !started.exists() {
            assert!(
                waited.elapsed() < Duration::from_secs(20),
                "the provider never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        send(&child, signal);
        let output = process::output(child);
        let status = output.status;
        // The provider was killed because secretary was stopped: no report blames it.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!said.contains("signal 9"), "{signal}: {said}");
        assert!(!said.contains("source_error"), "{signal}: {said}");
        let number = match signal {
            "TERM" => 15,
            "INT" => 2,
            _ => 1,
        };
        assert_eq!(status.signal(), Some(number), "{signal}: {status:?}");
        // The provider would have finished 4 s after it started.
        std::thread::sleep(Duration::from_secs(5));
        assert!(
            !finished.exists(),
            "{signal}: the provider outlived secretary"
        );
    }
}

#[test]
fn a_sigterm_right_after_start_is_never_lost() {
    // A twenty-second adversarial pass: a SIGTERM 1 to 4 ms after `run` started was
    // taken by the start-up's guard just before `exec` (plain `run`), or forwarded to
    // pid 0 before the child existed (`--redact`, `--watch`), and the program ran on.
    // Each try must end within 5 s, by the signal, with no program left running.
    let dir = app(MANIFEST, DOTENV);
    let pidfile = dir.path().join("pid");
    for mode in [&[][..], &["--redact"][..], &["--watch", "1h"][..]] {
        for attempt in 0..25_u32 {
            let _ = fs::remove_file(&pidfile);
            let mut child = process::default_signals(&support::secretary())
                .current_dir(dir.path())
                .arg("run")
                .args(mode)
                .args(["--", "sh", "-c", "echo $$ > pid; exec sleep 30"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_micros(u64::from(attempt % 6) * 700));
            send(&child, "TERM");
            let status = within(&mut child, Duration::from_secs(5));
            let left = fs::read_to_string(&pidfile)
                .ok()
                .and_then(|pid| pid.trim().parse::<i32>().ok())
                .filter(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if let Some(pid) = left {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let status = status.unwrap_or_else(|| {
                panic!("{mode:?}, try {attempt}: run was still running 5 s after a SIGTERM")
            });
            assert!(
                status.code() == Some(143) || status.signal() == Some(15),
                "{mode:?}, try {attempt}: {status:?}"
            );
            assert_eq!(
                left, None,
                "{mode:?}, try {attempt}: the program outlived run"
            );
        }
    }
}

#[test]
fn run_ended_by_a_signal_while_a_leftover_process_holds_its_output() {
    // A twenty-third adversarial pass: once the program had exited, a process it left
    // behind kept its output open, and `run --redact` (or `--watch`) could not be
    // stopped by a signal until that process ended, then exited 0.
    // A twenty-fourth: the same when the SIGTERM is what ends the program.
    let dir = app(MANIFEST, DOTENV);
    let programs = [
        "sleep 300 & echo $! > bg; echo started",
        "sleep 300 & echo $! > bg; echo started; wait",
    ];
    for (mode, program) in [&["--redact"][..], &["--watch", "1h", "--redact"][..]]
        .into_iter()
        .flat_map(|mode| programs.map(|program| (mode, program)))
    {
        let mut child = process::default_signals(&support::secretary())
            .current_dir(dir.path())
            .arg("run")
            .args(mode)
            .args(["--", "sh", "-c", program])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Lines::new(child.stdout.take().unwrap());
        assert_eq!(lines.line().trim(), "started", "{mode:?}");
        std::thread::sleep(Duration::from_millis(300));
        send(&child, "TERM");
        let status = within(&mut child, Duration::from_secs(5));
        if let Ok(pid) = fs::read_to_string(dir.path().join("bg")) {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
        let status =
            status.unwrap_or_else(|| panic!("{mode:?} {program}: run outlived a SIGTERM by 5 s"));
        assert_eq!(status.code(), Some(143), "{mode:?} {program}");
    }
}

#[test]
fn run_redact_ends_on_a_sigterm_while_its_output_pipe_is_full() {
    // A twenty-sixth adversarial pass: a pump blocked writing to a full pipe held the
    // process's stdout lock, and `run`'s last flush waited on it after a SIGTERM for as
    // long as the reader did not read (forever here: the test never reads).
    let dir = app(MANIFEST, DOTENV);
    for mode in [&["--redact"][..], &["--watch", "1h", "--redact"][..]] {
        let mut child = process::default_signals(&support::secretary())
            .current_dir(dir.path())
            .arg("run")
            .args(mode)
            .args(["--", "sh", "-c", "yes \"$API_KEY\""])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Held, never read: the pipe fills within the first moments.
        let _unread = child.stdout.take().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        send(&child, "TERM");
        let status = within(&mut child, Duration::from_secs(10));
        let status = status.unwrap_or_else(|| panic!("{mode:?}: run outlived a SIGTERM by 10 s"));
        assert_eq!(status.code(), Some(143), "{mode:?}");
    }
}

/// Runs `argv` on a new pseudo-terminal, types `keys` one by one after 1.5 s, 1 s
/// apart (`c` Ctrl-C, `q` Ctrl-\\, `h` hangs the terminal up), and prints what the
/// terminal showed, then `exit N` (or `running` when it had
/// not ended 3 s after the last key; it is then killed).
const ON_A_TERMINAL: &str = r#"
import os, pty, select, signal, sys, time
keys, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
shown = b""
closed = False
def drain(seconds):
    global shown
    if closed:
        time.sleep(seconds)
        return
    end = time.time() + seconds
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            shown += data
drain(1.5)
for key in keys:
    if key == "h":  # the terminal hangs up
        os.close(fd)
        closed = True
    else:
        os.write(fd, {"c": b"\x03", "q": b"\x1c"}[key])
    drain(1.0)
status = None
end = time.time() + 3
while status is None and time.time() < end:
    done, code = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(code)
    drain(0.05)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(shown.decode(errors="replace").replace("\r", ""))
print("running" if status is None else f"exit {status}")
"#;

/// Counts the SIGQUITs it gets, and says the count at SIGINT.
const COUNTS_QUITS: &str = r#"
import signal, sys, time
quits = [0]
def quit(*_):
    quits[0] += 1
def interrupt(*_):
    print("quits:", quits[0], flush=True)
    sys.exit(0)
signal.signal(signal.SIGQUIT, quit)
signal.signal(signal.SIGINT, interrupt)
print("ready", flush=True)
while True:
    time.sleep(0.01)
"#;

#[test]
fn a_terminals_ctrl_c_and_ctrl_backslash_reach_the_program_once_whatever_its_group() {
    // A twenty-sixth adversarial pass: under `--redact` or `--watch`, Ctrl-C did nothing
    // to a program in a process group of its own (`timeout`), and Ctrl-\ reached one in
    // ours twice.
    let dir = app(MANIFEST, DOTENV);
    let secretary = support::secretary();
    for mode in [&["--redact"][..], &["--watch", "1h"][..], &[][..]] {
        let on_terminal = |keys: &str, program: &[&str]| {
            let mut child = process::default_signals(Path::new("python3"))
                .current_dir(dir.path())
                .args(["-c", ON_A_TERMINAL, keys])
                .arg(&secretary)
                .arg("run")
                .args(mode)
                .arg("--")
                .args(program)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let lines = Lines::new(child.stdout.take().unwrap());
            let status = within(&mut child, Duration::from_secs(30));
            assert!(status.is_some(), "{mode:?}: the terminal script hung");
            lines.rest()
        };
        let shown = on_terminal("c", &["timeout", "30", "sleep", "30"]);
        assert!(
            shown.ends_with("exit 130\n") || shown.ends_with("exit -2\n"),
            "{mode:?}: Ctrl-C did not end `timeout`: {shown}"
        );
        let shown = on_terminal("qc", &["python3", "-c", COUNTS_QUITS]);
        assert!(shown.contains("quits: 1"), "{mode:?}: {shown}");
        // A hangup reaches a program in a group of its own, `--watch` included (a
        // twenty-seventh pass: there it was taken for a re-read), and one in ours: `run`
        // is the terminal's session leader here (as under `script`, `ssh -t` or a tmux
        // pane), which alone the kernel tells (a twenty-eighth pass: the program ran on).
        let heard = dir.path().join("hup.log");
        let trap_hup = "trap 'echo got-HUP > hup.log; exit 7' HUP; sleep 20 & wait";
        for program in [
            &["timeout", "30", "sh", "-c", trap_hup][..],
            &["sh", "-c", trap_hup],
        ] {
            let _ = fs::remove_file(&heard);
            let shown = on_terminal("h", program);
            // Heard at the hangup, and ended by it: not when `run`, still running 3 s
            // on, is killed (its group then hears of its end).
            assert!(
                heard.exists() && !shown.ends_with("running\n"),
                "{mode:?} {program:?}: the program never heard the hangup: {shown}"
            );
        }
    }
}

#[test]
fn a_terminal_hanging_up_while_watch_first_reads_stops_the_start_up() {
    // A twenty-eighth adversarial pass: under `--watch`, the terminal's hangup during
    // the first read was taken for a re-read, and the program started for a terminal
    // already gone. A SIGHUP a process sends is still a re-read (`watch.rs`).
    let (address, _) = slow_vault(Duration::from_secs(4));
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        format!(
            "version = 1\n[sources.kv]\ntype = \"vault\"\naddress = \"{address}\"\n[environments.production]\nsources = [\"kv\"]\n[secrets.api_key]\n"
        ),
    )
    .unwrap();
    let mut child = process::default_signals(Path::new("python3"))
        .current_dir(dir.path())
        .env("VAULT_TOKEN", "s.scripted-token")
        .env("SECRETARY_VAULT_ADDRS", &address)
        .args(["-c", ON_A_TERMINAL, "h"])
        .arg(support::secretary())
        .args(["--env", "production", "run", "--watch", "1h", "--"])
        .args(["sh", "-c", "echo started > started.log; sleep 20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    let errors = Lines::new(child.stderr.take().unwrap());
    let status = within(&mut child, Duration::from_secs(30));
    assert!(status.is_some(), "the terminal script hung");
    let shown = lines.rest();
    // Said whole when it fails: once seen under load with nothing shown at all.
    assert!(
        shown.ends_with("exit -1\n") || shown.ends_with("exit 129\n"),
        "run did not end at the hangup: {shown:?}; the terminal script ended {status:?}, saying {:?}",
        errors.rest()
    );
    assert!(
        !dir.path().join("started.log").exists(),
        "the program started after its terminal hung up"
    );
}

/// Runs an interactive `bash` on a new pseudo-terminal, types `line` into it, closes the
/// terminal 2 s later, and prints `heard` when `hup.log` appears within 5 s, else
/// `not heard`.
const IN_A_SHELL: &str = r#"
import os, pty, select, sys, time
line = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
def drain(seconds):
    end = time.time() + seconds
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                if not os.read(fd, 4096):
                    return
            except OSError:
                return
drain(0.5)
os.write(fd, line.encode() + b"\n")
drain(2.0)
os.close(fd)
end = time.time() + 5
while time.time() < end and not os.path.exists("hup.log"):
    time.sleep(0.05)
print("heard" if os.path.exists("hup.log") else "not heard")
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
"#;

#[test]
fn a_terminal_hanging_up_under_an_interactive_shell_reaches_the_program() {
    // A twenty-ninth adversarial pass: the shell, the session's leader, passes the
    // hangup on to its jobs with `killpg`, so `run` saw a process's SIGHUP: under
    // `--watch` a re-read, and a program in a group of its own (`timeout`) ran on with
    // no terminal.
    let dir = app(MANIFEST, DOTENV);
    let secretary = support::secretary();
    for mode in ["--watch 1h", "--redact --watch 1h"] {
        let _ = fs::remove_file(dir.path().join("hup.log"));
        let line = format!(
            "'{}' run {mode} -- timeout 20 sh -c \"trap 'echo got-HUP > hup.log; exit 7' HUP; sleep 15 & wait\"",
            secretary.display()
        );
        let mut child = process::default_signals(Path::new("python3"))
            .current_dir(dir.path())
            .args(["-c", IN_A_SHELL, &line])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Lines::new(child.stdout.take().unwrap());
        assert!(
            within(&mut child, Duration::from_secs(30)).is_some(),
            "{mode}: the shell script hung"
        );
        let shown = lines.rest();
        assert_eq!(
            shown, "heard\n",
            "{mode}: the program never heard the hangup"
        );
    }
}

/// `child`'s exit status if it exits within `wait`; otherwise it is killed, and `None`.
fn within(child: &mut Child, wait: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
