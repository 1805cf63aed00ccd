//! What the program is given: its secrets and never our credentials, exit statuses passed back, shell mode, and what stops it from starting.

use super::*;

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
    // A forty-eighth adversarial pass: a script whose `#!` interpreter is missing was
    // "not found (is it installed and on PATH?)", as if the script were.
    let script = dir.path().join("bad-interpreter.sh");
    fs::write(&script, "#!/nonexistent/interpreter\n").unwrap();
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for args in [&["run", "--"][..], &["run", "--redact", "--"]] {
        let output = support::secretary_in(dir.path())
            .args(args)
            .arg("./bad-interpreter.sh")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(127), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "error: `./bad-interpreter.sh` cannot be started: the interpreter its `#!` line names was not found\n",
            "{args:?}"
        );
    }
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
fn a_script_without_an_interpreter_line_runs_alike_in_every_mode() {
    // A fortieth adversarial pass: a script without `#!` ran under plain `run` (execvp
    // hands it to /bin/sh) and was refused under `--redact` and `--watch` ("Exec format
    // error", 126). The same program runs either way, by its path or by `PATH`.
    let dir = app(MANIFEST, DOTENV);
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let script = bin.join("plain-script");
    fs::write(&script, "echo \"ran with $# words: $1\"\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    for mode in [&[][..], &["--redact"][..], &["--watch", "1h"][..]] {
        for program in ["bin/plain-script", "plain-script"] {
            let out = support::secretary_in(dir.path())
                .env("PATH", &path)
                .arg("run")
                .args(mode)
                .args(["--", program, "one"])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                (out.status.code(), stdout.as_ref()),
                (Some(0), "ran with 1 words: one\n"),
                "{mode:?} {program}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// What `run` answers, in `mode`, for `manifest` over `dotenv`: its status, what it
/// says, and whether the program started.
fn verdict(manifest: &str, dotenv: &str, mode: &[&str]) -> (Option<i32>, String, bool) {
    let dir = app(manifest, dotenv);
    let output = support::secretary_in(dir.path())
        .arg("run")
        .args(mode)
        .args(["--", "touch", "started"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        dir.path().join("started").exists(),
    )
}

#[test]
fn the_room_a_value_takes_in_the_environment_tells_its_length_in_steps_only() {
    // A seventieth adversarial pass: the kernel refuses a variable past 128 KiB, and
    // padding of the manifest's choosing beside a password (a template's other inputs,
    // a `.env` line's text) moved where `run` started failing byte by byte: its length.
    // `run` refuses first, each value inserted counted in whole steps of 1 KiB, so a
    // password of 10 bytes and one of 11 get the same answer, refused or started.
    let templated = "version = 1
[sources.dotenv]
type = \"dotenv\"
files = [\".env\"]
[secrets.pad1]
sensitive = false
[secrets.pad2]
sensitive = false
[secrets.pad3]
sensitive = false
[secrets.pad4]
sensitive = false
[secrets.pw]
[secrets.joined]
template = \"{pad1}{pad2}{pad3}{pad4}{pw}\"
";
    let expanded = "version = 1
[sources.dotenv]
type = \"dotenv\"
files = [\".env\"]
[secrets.joined]
";
    let full = 32 << 10;
    // `JOINED=`, the pads, a password of 10 bytes and the NUL: the kernel's 131,072.
    let edge = 131_072 - "JOINED=".len() - 1 - 3 * full - 10;
    let pads = |last: usize| {
        format!(
            "PAD1={}\nPAD2={}\nPAD3={}\nPAD4={}\n",
            "a".repeat(full),
            "b".repeat(full),
            "c".repeat(full),
            "d".repeat(last)
        )
    };
    for mode in [&[][..], &["--redact"][..], &["--watch", "1h"][..]] {
        for (last, started) in [(edge, false), (20_000, true)] {
            let answers: Vec<_> = [10, 11]
                .into_iter()
                .flat_map(|length| {
                    let pw = "p".repeat(length);
                    [
                        verdict(templated, &format!("{}PW={pw}\n", pads(last)), mode),
                        verdict(
                            expanded,
                            &format!("PW={pw}\nJOINED={}${{PW}}\n", "e".repeat(3 * full + last)),
                            mode,
                        ),
                    ]
                })
                .collect();
            for answer in &answers {
                assert_eq!(answer.2, started, "{mode:?} {last}: {}", answer.1);
                assert!(!answer.1.contains("ppppp"), "{}", answer.1);
            }
            assert_eq!(answers[0], answers[2], "{mode:?} {last}: a template");
            assert_eq!(answers[1], answers[3], "{mode:?} {last}: a .env line");
            if !started {
                assert_eq!(answers[0].0, Some(1), "{}", answers[0].1);
                assert!(
                    answers[0].1.contains("secret `joined` (`JOINED`) counts")
                        && answers[0].1.contains("nothing was started")
                        && answers[0].1.contains("leave it out with --only"),
                    "{}",
                    answers[0].1
                );
            }
        }
    }
}

/// Whether `secretary run -- true` starts in `dir` under a stack limit of `stack` KiB,
/// with `TOKEN` inherited holding `token` bytes: its status and what it said.
fn started_with_token(dir: &Path, stack: &str, token: usize) -> (bool, String) {
    started_with(dir, stack, [("TOKEN".to_owned(), "t".repeat(token))])
}

/// Whether `secretary run -- true` starts in `dir` under a stack limit of `stack` KiB,
/// with `vars` (and `PATH`) its whole environment: its status and what it said.
fn started_with(
    dir: &Path,
    stack: &str,
    vars: impl IntoIterator<Item = (String, String)>,
) -> (bool, String) {
    let output = std::process::Command::new("sh")
        .current_dir(dir)
        .args(["-c", &format!("ulimit -s {stack} && exec \"$0\" \"$@\"")])
        .arg(support::secretary())
        .args(["run", "--", "true"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(vars)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_whole_environments_room_tells_no_length_of_a_setting_or_an_inherited_token() {
    // A seventy-second adversarial pass: a cloud token inherited from the caller, and a
    // Vault password the manifest called `sensitive = false`, were counted at their
    // lengths beside eighteen settings of 120,000 bytes: where `run` stopped starting
    // told a token of 700 bytes from one of 701. Every value read, inherited ones too,
    // counts in whole steps of 1 KiB: the two get the same answers, at the last padding
    // that starts and the first that does not.
    let manifest = (0..18).fold(
        String::from("version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n"),
        |manifest, n| manifest + &format!("[secrets.pad{n}]\nsensitive = false\n"),
    );
    // Seventeen settings of 120,000 bytes and one of `coarse`, each counted in steps, and
    // the manifest's own default of `fine` bytes, counted to the byte.
    let starts = |coarse: usize, fine: usize, token: usize| {
        let dotenv = (0..17).fold(format!("PAD17={}\n", "c".repeat(coarse)), |dotenv, n| {
            dotenv + &format!("PAD{n}={}\n", "p".repeat(120_000))
        });
        let manifest = format!(
            "{manifest}[secrets.fine]\nsensitive = false\ndefault = \"{}\"\n",
            "f".repeat(fine)
        );
        let dir = app(&manifest, &dotenv);
        started_with_token(dir.path(), "8192", token)
    };
    // The last count that starts, by halves, between one that does and one that does not.
    let last_start = |(mut fits, mut refused): (usize, usize), starts: &dyn Fn(usize) -> bool| {
        assert!(starts(fits) && !starts(refused), "{fits} {refused}");
        while refused - fits > 1 {
            let middle = usize::midpoint(fits, refused);
            if starts(middle) {
                fits = middle;
            } else {
                refused = middle;
            }
        }
        fits
    };
    let coarse = last_start((1, 120_000), &|coarse| starts(coarse, 1, 700).0);
    let fine = last_start((1, 4096), &|fine| starts(coarse, fine, 700).0);
    let (started, said) = starts(coarse, fine, 701);
    assert!(started, "a token one byte longer: {said}");
    let (started, said) = starts(coarse, fine + 1, 701);
    assert!(!started);
    assert!(
        said.contains("more than the 2048 KiB the system takes")
            && said.contains("raise `ulimit -s`"),
        "{said}"
    );
}

#[test]
fn past_the_largest_stack_limit_raising_it_is_not_advised() {
    // A seventy-second adversarial pass: with `ulimit -s` at 24 MiB or more, the kernel
    // takes 6 MiB whatever it is, and `run` still said to raise it. 6,200 settings of
    // one byte count 1 KiB each.
    let count = 6_200;
    let manifest = (0..count).fold(
        String::from("version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n"),
        |manifest, n| manifest + &format!("[secrets.v{n}]\nsensitive = false\n"),
    );
    let dotenv = (0..count).fold(String::new(), |dotenv, n| dotenv + &format!("V{n}=a\n"));
    let dir = app(&manifest, &dotenv);
    let (started, said) = started_with_token(dir.path(), "unlimited", 1);
    assert!(!started, "{said}");
    assert!(
        said.contains("more than the 6144 KiB the system takes") && !said.contains("raise"),
        "{said}"
    );
}

#[test]
fn what_this_process_inherited_is_counted_as_a_whole() {
    // A seventy-third adversarial pass: each inherited variable counted at a step
    // refused 2,100 of 20 bytes (Kubernetes' service links), which the kernel takes, and
    // a variable of 130,900 bytes. The whole environment counts as one, in steps; a
    // variable of its own is judged at its length, as the kernel does (one longer could
    // not have reached `secretary`: the kernel refuses to start it).
    let dir = app("version = 1\n", "");
    let links = (0..2_100).map(|n| (format!("SVC_{n}_PORT"), format!("tcp://10.0.{n}.1:80")));
    let (started, said) = started_with(dir.path(), "8192", links);
    assert!(started, "{said}");
    let (started, said) = started_with(
        dir.path(),
        "8192",
        [("BIG".to_owned(), "b".repeat(130_900))],
    );
    assert!(started, "{said}");
}
