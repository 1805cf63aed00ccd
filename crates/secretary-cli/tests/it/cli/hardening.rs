//! The command line's tests: hardening: special files, limits, values files, the audit sink.

use super::*;

/// `mkfifo PATH`.
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_fifo_or_a_device_is_refused_not_waited_on() {
    let project = Project::example(DEV_ENV);
    mkfifo(&project.path().join("fifo"));
    let bounded = || {
        let mut cmd = project.cmd();
        cmd.timeout(std::time::Duration::from_secs(20));
        cmd
    };
    for (args, code, said) in [
        (
            vec!["--manifest", "fifo", "check"],
            2,
            "cannot read manifest fifo: not a regular file (it is a FIFO)",
        ),
        (
            vec!["--manifest", "/dev/zero", "check"],
            2,
            "not a regular file (it is a device)",
        ),
        (
            vec!["--audit-log", "fifo", "check"],
            2,
            "cannot open the audit log fifo",
        ),
    ] {
        let out = run(bounded().args(&args));
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(said), "{args:?}: {}", out.stderr);
    }
    fs::remove_file(project.path().join(".env")).unwrap();
    mkfifo(&project.path().join(".env"));
    let out = run(bounded().arg("check"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("cannot read .env: not a regular file (it is a FIFO)"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_expansion_bomb_under_a_memory_limit_is_an_error_naming_the_file() {
    // 629 bytes that once grew to a gigabyte and aborted: each line ten of the one before.
    // The file's expansions pass its 4 MiB at line 7, and its source fails, naming the
    // file and no line (what a file spends is a function of its text alone).
    use std::fmt::Write as _;
    let mut bomb = String::from(DEV_ENV);
    bomb.push_str("L0=xxxxxxxxxx\n");
    for line in 1..10 {
        let previous = format!("${{L{}}}", line - 1);
        let _ = write!(bomb, "L{line}=");
        bomb.push_str(&previous.repeat(10));
        bomb.push('\n');
    }
    bomb.push_str("REDIS_PASSWORD=r-${L9}\n");
    let project = Project::example(&bomb);
    let out = run(Command::new("sh")
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["-c", "ulimit -v 1000000; exec \"$0\" check"])
        .arg(support::secretary()));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            ".env has 1 malformed line: the file's `${...}` expansions add up to more than 4 MiB"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("write out values built from values"),
        "the fix names the cause: {}",
        out.stdout
    );
}

#[test]
fn example_never_shows_nor_overwrites_a_values_file() {
    let project = Project::example(&format!("{DEV_ENV}REDIS_PASSWORD=CANARYj0redis\n"));
    let before = fs::read_to_string(project.path().join(".env")).unwrap();
    // The same file by another name: a hard link and a symbolic one.
    fs::hard_link(project.path().join(".env"), project.path().join("hard.env")).unwrap();
    std::os::unix::fs::symlink(".env", project.path().join("soft.env")).unwrap();
    for args in [
        vec!["example", "--check", "--output", ".env"],
        vec!["example", "--output", ".env"],
        vec!["example", "--check", "--output", "./sub/../.env"],
        vec!["example", "--check", "--output", "hard.env"],
        vec!["example", "--output", "hard.env"],
        vec!["example", "--check", "--output", "soft.env"],
    ] {
        let out = run(project.cmd().args(&args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("is read by source `dotenv`: it holds values, not a template"),
            "{args:?}: {}",
            out.stderr
        );
        assert_clean(&format!("{args:?}"), &out.stdout, None);
        assert_clean(&format!("{args:?}"), &out.stderr, None);
    }
    assert_eq!(
        fs::read_to_string(project.path().join(".env")).unwrap(),
        before
    );

    // A file that holds values but no source reads: the diff shows none of them.
    project.file(
        "copy.env",
        "# a note CANARYc3password\nSECRET_KEY=CANARYh8secretkey-0123456789abcdefghij\nLOG_LEVEL=DEBUG\nCANARYb2user\n",
    );
    let out = run(project
        .cmd()
        .args(["example", "--check", "--output", "copy.env"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_clean("example --check of a values file", &out.stdout, None);
    assert!(
        out.stdout.contains("-SECRET_KEY=[value not shown]\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("-# [comment not shown]\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("-[line not shown]\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("-LOG_LEVEL=DEBUG\n"),
        "a value declared not secret is shown: {}",
        out.stdout
    );

    // A value that breaks its (bounded) type may be a secret on the wrong line: not shown.
    project.file(
        "copy.env",
        "LOG_LEVEL=CANARYnotenum\nDEBUG=\"CANARYnotbool\"\nENVIRONMENT=production\n",
    );
    let out = run(project
        .cmd()
        .args(["example", "--check", "--output", "copy.env"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
    for shown in [
        "-LOG_LEVEL=[value not shown]\n",
        "-DEBUG=[value not shown]\n",
        "-ENVIRONMENT=production\n",
    ] {
        assert!(out.stdout.contains(shown), "{shown}: {}", out.stdout);
    }
}

#[cfg(unix)]
#[test]
fn the_audit_log_is_not_followed_through_a_link_and_a_loose_one_is_warned_about() {
    let project = Project::example(DEV_ENV);
    project.file("elsewhere.log", "");
    std::os::unix::fs::symlink("elsewhere.log", project.path().join("audit.log")).unwrap();
    let out = run(project.cmd().args(["--audit-log", "audit.log", "check"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot open the audit log audit.log: a symbolic link"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read_to_string(project.path().join("elsewhere.log")).unwrap(),
        ""
    );

    project.file("loose.log", "");
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            project.path().join("loose.log"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let out = run(project.cmd().args(["--audit-log", "loose.log", "check"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "warning: the audit log loose.log may be read or written by group or others (mode 0644)"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn an_audit_sink_that_is_a_closed_pipe_stops_the_command() {
    // The log goes to stderr, whose reader is gone: no access may go unrecorded, so the
    // command fails (exit 2), and `run` starts nothing.
    let project = Project::example(DEV_ENV);
    for args in [
        vec!["--audit-log", "-", "check"],
        vec!["--audit-log", "-", "run", "--", "touch", "started"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let status = support::secretary_in(project.path())
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
    assert!(
        !project.path().join("started").exists(),
        "run started the program"
    );
}

#[test]
fn a_reader_that_goes_away_does_not_turn_a_verdict_into_success() {
    // `secretary scan | head`, `check | head` under `set -o pipefail`: the closed pipe
    // once made them exit 0, found values and problems notwithstanding, and the JSON
    // forms exit 2 with "Broken pipe". The reader is gone before the first write.
    let project = Project::example(DEV_ENV);
    project.file(
        "leaked.log",
        &"token CANARYj0redis-leaked-here\n".repeat(5000),
    );
    project.file(
        "leak.env",
        &"GH=ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK\n".repeat(500),
    );
    project.file(".env.example", &"DRIFTED=1\n".repeat(500));
    let closed = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = support::secretary_in(project.path())
            .args(args)
            .env("REDIS_PASSWORD", "CANARYj0redis-leaked-here")
            .env("DATABASE_URL", "not-a-url")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for args in [
        &["scan", "leaked.log"][..],
        &["scan", "leaked.log", "--format", "json"],
        &["check"],
        &["check", "--format", "json"],
        &["status"],
        &["status", "--format", "json"],
        &["lint", "leak.env"],
        &["example", "--check"],
    ] {
        let (code, stderr) = closed(args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    // And a command with nothing to report still ends quietly: `list | head`.
    for args in [&["list"][..], &["list", "--format", "json"]] {
        let (code, stderr) = closed(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_audit_log_that_cannot_be_written_is_named_and_stops_the_command() {
    // Issue 12, item 18: this was once "cannot write output". A file size limit of 0 (with
    // SIGXFSZ ignored, so that the write fails instead) makes every write to the log fail.
    let project = Project::example(DEV_ENV);
    for command in ["check", "run -- touch started"] {
        let out = run(Command::new("sh")
            .current_dir(project.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args([
                "-c",
                &format!("trap '' XFSZ; ulimit -f 0; exec \"$0\" --audit-log audit.log {command}"),
            ])
            .arg(support::secretary()));
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains(
                "error: cannot write the audit log (audit.log): File too large (os error 27)"
            ),
            "{command}: {}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("help: secretary stops at the first access it cannot record"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("cannot write output"),
            "{}",
            out.stderr
        );
    }
    assert!(
        !project.path().join("started").exists(),
        "run started the program"
    );
}

#[test]
fn manifest_type_errors_read_in_words() {
    let project =
        Project::new("version = 1\n[sources.vault]\ntype = \"vault\"\nmax_concurrency = -1\n");
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("invalid value: expected a whole number of 0 or more, found an integer"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_key_asked_for_twice_is_resolved_and_audited_once() {
    let project = Project::example(DEV_ENV);
    let out = run(project.cmd().args([
        "--audit-log",
        "audit.log",
        "export",
        "--only",
        "secret_key,secret_key",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.matches("SECRET_KEY=").count(),
        1,
        "{}",
        out.stdout
    );
    let lines = audit_lines(&project.path().join("audit.log"));
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn put_refuses_a_value_over_a_mebibyte_before_anything_is_sent() {
    let project = Project::example(DEV_ENV);
    let out = run(project
        .cmd()
        .args(["--env", "production", "put", "secret_key"])
        .env("VAULT_ADDR", "http://127.0.0.1:9")
        .env("VAULT_TOKEN", "s.unused")
        .write_stdin(vec![b'k'; 2 * 1024 * 1024]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("larger than 1 MiB"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("cannot connect"),
        "nothing is sent: {}",
        out.stderr
    );
}

/// `command` run by `sh` on a pseudo-terminal (`script`, its transcript at
/// `transcript`) in `project`, once `put`'s hidden prompt shows (within 20 s): the
/// `script` process and the terminal's input.
#[cfg(unix)]
fn at_the_hidden_prompt(
    project: &Project,
    command: &str,
    transcript: &Path,
) -> (std::process::Child, std::process::ChildStdin) {
    // SIGINT and SIGHUP at their defaults: a shell cannot trap a signal ignored on
    // entry (CI and `nohup` ignore some), and `put` rightly keeps such a one ignored.
    let mut child = secretary_test_support::process::default_signals(Path::new("script"))
        .args(["-qfc", command])
        .arg(transcript)
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("`script` (util-linux) runs the command on a terminal");
    let stdin = child.stdin.take().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !fs::read_to_string(transcript)
        .unwrap_or_default()
        .contains("(not shown):")
    {
        assert!(std::time::Instant::now() < deadline, "no prompt");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (child, stdin)
}

#[cfg(unix)]
#[test]
fn ctrl_c_at_the_hidden_put_prompt_turns_echo_back_on() {
    // `script` runs the command on a pseudo-terminal; after secretary dies of the
    // Ctrl-C, `stty -a` on the same terminal shows whether echo is back. (The shell
    // catches SIGINT, so that it lives on to run stty; its child gets the default.)
    let project = Project::example(DEV_ENV);
    let transcript = project.path().join("transcript");
    let command = format!(
        "trap : INT; {} --env production put secret_key; echo status $?; stty -a",
        support::secretary().display()
    );
    let (mut child, mut stdin) = at_the_hidden_prompt(&project, &command, &transcript);
    {
        use std::io::Write;
        stdin.write_all(b"half-typed\x03").unwrap();
        stdin.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(stdin);
    secretary_test_support::process::wait(&mut child);
    let shown = fs::read_to_string(&transcript).unwrap();
    assert!(
        shown.contains("status 130"),
        "secretary died of the SIGINT:\n{shown}"
    );
    let settings = &shown[shown
        .find("speed")
        .unwrap_or_else(|| panic!("stty ran:\n{shown}"))..];
    assert!(
        settings.split_whitespace().any(|word| word == "echo"),
        "echo is still off after Ctrl-C:\n{shown}"
    );
    assert!(!shown.contains("half-typed"), "{shown}");
}

#[cfg(unix)]
#[test]
fn a_hang_up_inherited_as_ignored_does_not_end_the_hidden_put_prompt() {
    // Under `nohup` (SIGHUP ignored), a hang-up at the prompt must not end `put`: the
    // prompt's own handler once registered SIGHUP anyway and ended the command with 129.
    // Then Ctrl-C still ends it, with echo back on.
    let project = Project::example(DEV_ENV);
    let transcript = project.path().join("transcript");
    let pid_file = project.path().join("pid");
    let command = format!(
        "trap : INT; sh -c 'trap \"\" HUP; echo $$ > pid; exec {} --env production put secret_key'; echo status $?",
        support::secretary().display()
    );
    let (mut child, mut stdin) = at_the_hidden_prompt(&project, &command, &transcript);
    let pid = fs::read_to_string(&pid_file).unwrap().trim().to_owned();
    let signal = |name: &str| {
        std::process::Command::new("kill")
            .args([name, &pid])
            .status()
            .unwrap()
            .success()
    };
    assert!(signal("-HUP"), "secretary {pid} was there to signal");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        signal("-0"),
        "a SIGHUP inherited as ignored ended `put`:\n{}",
        fs::read_to_string(&transcript).unwrap_or_default()
    );
    {
        use std::io::Write;
        stdin.write_all(b"\x03").unwrap();
        stdin.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(stdin);
    secretary_test_support::process::wait(&mut child);
    let shown = fs::read_to_string(&transcript).unwrap();
    assert!(
        shown.contains("status 130"),
        "Ctrl-C still ends it:\n{shown}"
    );
}

#[test]
fn a_hundred_thousand_secrets_take_seconds_not_minutes() {
    // Each command is linear in the number of secrets: 100,000 of them once took 118 s to
    // `status`, 100 s to set up `redact` and 33 s to start `run --watch`. What is checked
    // is how the time grows, as for `init` below: eight times the secrets take about eight
    // times as long when each step is linear, sixty-four times when one is quadratic. A
    // bound on the time itself (60 s) failed a debug build on a loaded machine.
    use std::fmt::Write as _;
    const COUNT: usize = 100_000;
    let project = |count: usize, sensitive: bool| {
        let mut manifest = String::from(
            "version = 1\n[sources.env]\ntype = \"env\"\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n",
        );
        let mut dotenv = String::new();
        for i in 0..count {
            let _ = writeln!(manifest, "[secrets.key_{i:06}]\nrequired = true");
            if sensitive {
                let _ = writeln!(dotenv, "KEY_{i:06}=value-{i:06}-abcdefghijklmnopqrstuvwxyz");
            } else {
                let _ = writeln!(
                    manifest,
                    "sensitive = false\ndefault = \"value-{i:06}-abcdefghijklmnopqrstuvwxyz\""
                );
            }
        }
        let project = Project::new(&manifest);
        project.file(".env", &dotenv);
        project.file(
            "src/app.log",
            "a line with value-000042-abcdefghijklmnopqrstuvwxyz in it\n",
        );
        project
    };
    let (small, large) = (project(COUNT / 8, true), project(COUNT, true));
    // `run` counts each value a source holds at 1 KiB at least toward what the kernel
    // takes (6 MiB at most), so that its refusal tells no length: 100,000 of them are
    // refused. The manifest's own defaults are counted at their length, and fit.
    let (small_plain, large_plain) = (project(COUNT / 8, false), project(COUNT, false));
    for args in [
        vec!["check"],
        vec!["status"],
        vec!["status", "--format", "json"],
        vec!["list"],
        vec!["export"],
        vec!["redact"],
        vec!["scan", "src"],
        vec!["run", "--watch", "1h", "--", "true"],
        vec!["run", "--redact", "--watch", "1h", "--", "true"],
    ] {
        let (small, large) = if args[0] == "run" {
            (&small_plain, &large_plain)
        } else {
            (&small, &large)
        };
        let timed = |project: &Project| {
            // A stack of 64 MiB: the program may then be given the most Linux takes
            // (6 MiB), and 100,000 settings take 6 MB.
            processor_timed(
                project,
                "ulimit -s 65536 && ",
                &args,
                "a line with value-000042-abcdefghijklmnopqrstuvwxyz in it\n",
            )
        };
        // `scan` exits 1 when it finds a value, as it does here.
        let expected = i32::from(args[0] == "scan");
        // A busy machine (a build beside the tests) can stretch one run: when the growth
        // looks too steep, both sizes are timed again, up to three times, and the
        // fastest run of each counts. Quadratic work stays about 64 times every time.
        let (mut small_time, mut large_time) = (std::time::Duration::MAX, std::time::Duration::MAX);
        let mut growth = f64::MAX;
        let mut out = None;
        for _ in 0..3 {
            let (time, small_out) = timed(small);
            assert_eq!(small_out.code, expected, "{args:?}: {}", small_out.stderr);
            small_time = small_time.min(time);
            let (time, large_out) = timed(large);
            assert_eq!(large_out.code, expected, "{args:?}: {}", large_out.stderr);
            large_time = large_time.min(time);
            out = Some(large_out);
            growth = large_time.as_secs_f64() / small_time.as_secs_f64().max(0.05);
            if growth < 20.0 {
                break;
            }
        }
        let out = out.unwrap();
        assert!(
            growth < 20.0,
            "{args:?}: eight times the secrets took {growth:.1} times as long ({small_time:?}, then {large_time:?})"
        );
        if args == ["redact"] {
            assert_eq!(out.stdout, "a line with [redacted:key_000042] in it\n");
        }
        if args[0] == "scan" {
            assert!(
                out.stdout
                    .contains("src/app.log:1: the value of `key_000042` (exact)"),
                "{}",
                out.stdout
            );
        }
    }
}

/// `secretary ARGS` in `project`'s directory, under `sh` after `setup` (shell text, such
/// as a `ulimit`), `stdin` its input: the processor time it and its children used, and
/// what it did. Processor time, not the clock's: the clock also counts the other tests'
/// turns on a loaded machine, which stretched one run alone past a growth bound in a
/// fresh-clone CI run. The time is the shell's `times`, taken off stderr's last line.
/// The time-out only keeps a hang from hanging CI.
fn processor_timed(
    project: &Project,
    setup: &str,
    args: &[&str],
    stdin: &str,
) -> (std::time::Duration, Outcome) {
    let mut out = run(Command::new("sh")
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args([
            "-c",
            &format!("{setup}\"$0\" \"$@\"; code=$?; times >&2; exit $code"),
        ])
        .arg(support::secretary())
        .args(args)
        .write_stdin(stdin)
        .timeout(std::time::Duration::from_secs(600)));
    let children = out.stderr.lines().last().unwrap_or_default().to_owned();
    out.stderr
        .truncate(out.stderr.len().saturating_sub(children.len() + 1));
    (processor_time(&children), out)
}

/// The processor time in a line of the shell's `times` (`0m1.230s 0m0.104s`: user and
/// system), summed.
fn processor_time(line: &str) -> std::time::Duration {
    let times: Vec<std::time::Duration> = line
        .split_whitespace()
        .map(|time| {
            let (minutes, seconds) = time
                .trim_end_matches('s')
                .split_once('m')
                .unwrap_or_else(|| panic!("not a time of `times`: {line:?}"));
            std::time::Duration::from_secs_f64(
                minutes.parse::<f64>().unwrap() * 60.0 + seconds.parse::<f64>().unwrap(),
            )
        })
        .collect();
    assert_eq!(times.len(), 2, "not a line of `times`: {line:?}");
    times.into_iter().sum()
}

#[test]
fn init_reads_a_hundred_thousand_variables_in_seconds_not_minutes() {
    // Each description split the whole file again, and each key was looked for in a list
    // of all the keys before it: 8,000 variables took a second, 200,000 did not finish
    // in ten minutes (issue 25, item 10). What is checked is how the time grows, not the
    // time: eight times the variables take about eight times as long when each step is
    // linear, sixty-four times when one is quadratic. A bound on the time itself failed
    // a debug build on a loaded machine; both runs here share the load.
    use std::fmt::Write as _;
    const COUNT: usize = 100_000;
    let init = |count: usize| {
        let mut dotenv = String::new();
        for i in 0..count {
            let _ = writeln!(
                dotenv,
                "# Setting number {i}\nSETTING_{i:06}=value-{i:06}-abcdefghijklmnop"
            );
        }
        let project = Project::new("");
        project.file(".env", &dotenv);
        processor_timed(&project, "", &["init", "--output", "-"], "")
    };
    // The fastest of up to three runs of each size, as above: a busy machine stretches one.
    let (mut small, mut large) = (std::time::Duration::MAX, std::time::Duration::MAX);
    let mut growth = f64::MAX;
    let mut out = None;
    for _ in 0..3 {
        let (time, small_out) = init(COUNT / 8);
        assert_eq!(small_out.code, 0, "{}", small_out.stderr);
        small = small.min(time);
        let (time, large_out) = init(COUNT);
        assert_eq!(large_out.code, 0, "{}", large_out.stderr);
        large = large.min(time);
        out = Some(large_out);
        growth = large.as_secs_f64() / small.as_secs_f64().max(0.001);
        if growth < 20.0 {
            break;
        }
    }
    let out = out.unwrap();
    assert!(
        growth < 20.0,
        "eight times the variables took {growth:.1} times as long ({small:?}, then {large:?})"
    );
    assert_eq!(out.stdout.matches("\n[secrets.").count(), COUNT);
    // No comment is copied (one may hold a value); the note names ten and counts the rest.
    assert!(!out.stdout.contains("Setting number"), "a comment copied");
    assert!(
        out.stderr.contains(&format!("and {} more", COUNT - 10)),
        "{}",
        &out.stderr[..out.stderr.len().min(400)]
    );
    assert!(
        !out.stdout.contains("value-000042"),
        "a value in the manifest"
    );
}

#[test]
fn a_path_or_a_line_from_elsewhere_cannot_forge_a_line_of_output() {
    // A twenty-ninth adversarial pass: a file name with a newline, given to `lint`, put
    // `ok: nothing found` on a line of its own; a committed `.env.example`'s vertical
    // tab and U+2028 around a value shown by `example --check` reached the terminal.
    let project = Project::new(
        "version = 1\n[secrets.flag]\ntype = \"bool\"\nsensitive = false\ndefault = \"false\"\n",
    );
    let named = "l\nok: nothing found";
    let out = run(project.cmd().args(["lint", named]));
    assert_ne!(out.code, 0);
    assert!(
        !out.stderr
            .lines()
            .any(|line| line.starts_with("ok: nothing found")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("l\\nok: nothing found"),
        "{}",
        out.stderr
    );
    project.file(".env.example", "FLAG=\"\u{0b}\u{0c} true\u{2028}\u{85}\"\n");
    let out = run(project.cmd().args(["example", "--check"]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !said.contains(['\u{0b}', '\u{0c}', '\u{2028}', '\u{85}']),
        "{said:?}"
    );
}

#[test]
fn list_shows_a_secret_with_long_env_names_without_panicking() {
    // A thirty-ninth adversarial pass: a column wider than 65,535 characters (a secret's
    // `env` list, joined) made the table's padding panic.
    let names = (0..20)
        .map(|n| format!("\"{}{n:02}\"", "N".repeat(4000)))
        .collect::<Vec<_>>()
        .join(", ");
    let project = Project::new(&format!(
        "version = 1\n[secrets.k]\nrequired = false\nenv = [{names}]\n[secrets.other]\n"
    ));
    let out = run(project.cmd().arg("list"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.lines().any(|line| line.starts_with("other ")),
        "{}",
        &out.stdout[..200]
    );
}
