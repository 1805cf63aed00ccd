//! The command line's tests: a manifest from a pull request: what it must not be able to do.

use super::*;

#[cfg(unix)]
#[test]
fn a_manifests_audit_file_stays_beneath_its_directory_and_never_clobbers_a_file() {
    let project = Project::example(DEV_ENV);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    for file in ["../outside.log", "/tmp/secretary-audit-elsewhere.log", ""] {
        project.file(
            "secrets.toml",
            &format!("{manifest}\n[audit]\nfile = \"{file}\"\n"),
        );
        let out = run(project.cmd().arg("check"));
        assert_eq!(out.code, 2, "{file}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("`[audit] file` must be a file beneath the manifest's directory"),
            "{file}: {}",
            out.stderr
        );
    }
    // A directory on the way that is a link (to a home, say) is not followed.
    let home = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(home.path(), project.path().join("logs")).unwrap();
    project.file(
        "secrets.toml",
        &format!("{manifest}\n[audit]\nfile = \"logs/.bashrc\"\n"),
    );
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("a symbolic link"), "{}", out.stderr);
    assert!(!home.path().join(".bashrc").exists());
    // An existing file that is not an audit log is never appended to, whoever names it.
    project.file("Makefile", "all:\n\techo build\n");
    project.file(
        "secrets.toml",
        &format!("{manifest}\n[audit]\nfile = \"Makefile\"\n"),
    );
    for command in [vec!["check"], vec!["--audit-log", "Makefile", "check"]] {
        let out = run(project.cmd().args(&command));
        assert_eq!(out.code, 2, "{command:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("Makefile is not a secretary audit log"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(
        fs::read_to_string(project.path().join("Makefile")).unwrap(),
        "all:\n\techo build\n"
    );
    // A log of its own, beneath it, is appended to run after run.
    project.file(
        "secrets.toml",
        &format!("{manifest}\n[audit]\nfile = \"logs-here/audit.log\"\n"),
    );
    fs::create_dir(project.path().join("logs-here")).unwrap();
    for _ in 0..2 {
        assert_eq!(run(project.cmd().arg("check")).code, 0);
    }
    let lines = audit_lines(&project.path().join("logs-here/audit.log"));
    assert_eq!(
        lines.len(),
        2 * 14,
        "one line per secret per check: {lines:?}"
    );
}

#[test]
fn a_credential_cannot_be_declared_not_secret() {
    for name in ["VAULT_TOKEN", "BAO_SECRET_ID", "SECRETARY_AUDIT_KEY"] {
        let project = Project::new(&format!(
            "version = 1\n[secrets.build]\nenv = [\"{name}\"]\nsensitive = false\n"
        ));
        let out = run(project.cmd().arg("status"));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "is read from `{name}`, a credential, and cannot be `sensitive = false`"
            )),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn aws_secret_credentials_are_never_declared_not_secret_nor_lent_to_expansion() {
    // A seventh adversarial pass: `${AWS_SECRET_ACCESS_KEY}` expanded into a `.env`, and
    // a manifest could call a secret reading it not secret.
    for name in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        let project = Project::new(&format!(
            "version = 1\n[secrets.build]\nenv = [\"{name}\"]\nsensitive = false\n"
        ));
        let out = run(project.cmd().arg("status"));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains("a credential"), "{}", out.stderr);
    }
    let project = Project::new(
        "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[secrets.copy]\nenv = [\"COPY\"]\n",
    );
    project.file(".env", "COPY=x${AWS_SECRET_ACCESS_KEY}\n");
    let out = run(project
        .cmd()
        .env("AWS_SECRET_ACCESS_KEY", "CANARYawskey")
        .args(["get", "copy"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "x");
    assert!(
        out.stderr
            .contains("`${AWS_SECRET_ACCESS_KEY}` is read as unset here"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
}

#[test]
fn the_credentials_sops_and_providers_are_given_are_never_declared_not_secret_nor_lent() {
    // An eighth adversarial pass: `X=${SOPS_AGE_KEY}` in a committed `.env` made a secret
    // whose `pattern` `status` answered, and `run` handed it to the child; so did a
    // variable an `exec` source hands its provider.
    const EXEC: &str = "[sources.op]\ntype = \"exec\"\ncommand = [\"op-provider\"]\npass_env = [\"OP_SERVICE_ACCOUNT_TOKEN\"]\n";
    for name in [
        "SOPS_AGE_KEY",
        "GOOGLE_CREDENTIALS",
        "AZURE_CLIENT_SECRET",
        "OP_SERVICE_ACCOUNT_TOKEN",
    ] {
        let project = Project::new(&format!(
            "version = 1\n{EXEC}[secrets.build]\nenv = [\"{name}\"]\nsensitive = false\n"
        ));
        let out = run(project.cmd().arg("status"));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains("a credential"), "{}", out.stderr);
    }
    let project = Project::new(&format!(
        "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n{EXEC}\n[environments.development]\nsources = [\"dotenv\"]\n[secrets.copy]\nenv = [\"COPY\"]\n"
    ));
    project.file(
        ".env",
        "COPY=x${SOPS_AGE_KEY}${OP_SERVICE_ACCOUNT_TOKEN}${GOOGLE_OAUTH_ACCESS_TOKEN}\n",
    );
    let out = run(project
        .cmd()
        .env("SOPS_AGE_KEY", "AGE-SECRET-KEY-CANARY")
        .env("OP_SERVICE_ACCOUNT_TOKEN", "ops_CANARY")
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.CANARY")
        .args(["get", "copy"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "x");
    for name in [
        "SOPS_AGE_KEY",
        "OP_SERVICE_ACCOUNT_TOKEN",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
    ] {
        assert!(
            out.stderr
                .contains(&format!("`${{{name}}}` is read as unset here")),
            "{name}: {}",
            out.stderr
        );
    }
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
}

#[test]
fn status_shows_only_values_a_manifest_cannot_turn_into_a_leak() {
    // "Not secret" is the manifest's word only: a `string` it calls so is not shown,
    // whatever it reads; bounded types and defaults are.
    let project = Project::new(
        "version = 1\n[secrets.ci_token]\nenv = [\"GITHUB_TOKEN\"]\nsensitive = false\n\
         [secrets.region]\nsensitive = false\ndefault = \"eu-west-1\"\n\
         [secrets.debug]\nsensitive = false\ntype = \"bool\"\n\
         [secrets.level]\nsensitive = false\ntype = \"enum\"\nvalues = [\"INFO\", \"DEBUG\"]\n",
    );
    for format in ["text", "json"] {
        let out = run(project
            .cmd()
            .env("GITHUB_TOKEN", "ghp_CANARYci")
            .env("DEBUG", "true")
            .env("LEVEL", "DEBUG")
            .args(["status", "--format", format]));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains("CANARY"), "{format}: {}", out.stdout);
        for shown in ["eu-west-1", "true", "DEBUG"] {
            assert!(
                out.stdout.contains(shown),
                "{format}: {shown} not shown: {}",
                out.stdout
            );
        }
    }
}

#[test]
fn status_hides_a_number_or_an_enum_that_could_hold_any_pin() {
    // A seventh adversarial pass: `sensitive = false, type = "int"` on a card number, or
    // an enum of every 4-digit PIN, made `status` print it. An int needs a range of at
    // most 64 values to be shown, an enum at most 64 values.
    let pins: Vec<String> = (0..10_000).map(|n| format!("\"{n:04}\"")).collect();
    let project = Project::new(&format!(
        "version = 1\n[secrets.card_number]\nsensitive = false\ntype = \"int\"\n\
         [secrets.pin]\nsensitive = false\ntype = \"enum\"\nvalues = [{}]\n\
         [secrets.workers]\nsensitive = false\ntype = \"int\"\nmin = 1\nmax = 64\n\
         [secrets.card_pin]\nsensitive = false\ntype = \"int\"\nmin = 0\nmax = 65535\n\
         [secrets.otp_part]\nsensitive = false\ntype = \"port\"\n\
         [secrets.api_port]\nsensitive = false\ntype = \"port\"\ndefault = \"8000\"\n",
        pins.join(", ")
    ));
    // A twenty-sixth: an int from 0 to 65535, or a port, holds every PIN of four or
    // five digits; a port is shown only as its default.
    for format in ["text", "json"] {
        let out = run(project
            .cmd()
            .env("CARD_NUMBER", "4111111111111111")
            .env("PIN", "4821")
            .env("WORKERS", "17")
            .env("CARD_PIN", "0427")
            .env("OTP_PART", "31337")
            .args(["status", "--format", format]));
        assert_eq!(out.code, 0, "{}", out.stderr);
        for hidden in ["4111111111111111", "4821", "0427", "31337"] {
            assert!(!out.stdout.contains(hidden), "{hidden}: {}", out.stdout);
        }
        assert!(
            out.stdout.contains("8000"),
            "a default is shown: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("17"),
            "a bounded int is shown: {}",
            out.stdout
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_files_source_does_not_read_the_kernels_trees() {
    let project = Project::new(
        "version = 1\n[sources.proc]\ntype = \"files\"\ndir = \"/proc/self\"\n[secrets.environ]\n",
    );
    let out = run(project
        .cmd()
        .env("GITHUB_TOKEN", "ghp_CANARYproc")
        .arg("check"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("a system directory (/proc, /sys or /dev), not a secrets mount"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
}

#[cfg(unix)]
#[test]
fn example_check_never_shows_what_a_template_is_not() {
    let project = Project::example(DEV_ENV);
    // Lines of other files, the shapes secrets take: YAML, JSON, base64 with padding, a
    // PEM's last line; and a committed link to a file elsewhere.
    project.file(
        "copy.env",
        "client-key-data: LS0tLS1CRUdJTi...CANARYkey==\n    token: eyJ.CANARYkubetoken.sig=\n\"auth\": \"Q0FOQVJZdXNlcjpDQU5BUllwYXNzd29yZA==\"\nZm9vCANARYlastline=\nSECRET_KEY=CANARYvalue\nNOT A NAME=CANARYspace\n",
    );
    let out = run(project
        .cmd()
        .args(["example", "--check", "--output", "copy.env"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
    assert!(!out.stdout.contains("Q0FOQVJZ"), "{}", out.stdout);
    assert!(
        out.stdout.contains("-SECRET_KEY=[value not shown]\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout.matches("-[line not shown]\n").count(),
        5,
        "{}",
        out.stdout
    );

    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("config"), "token: CANARYlinked\n").unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("config"),
        project.path().join(".env.example"),
    )
    .unwrap();
    let out = run(project.cmd().args(["example", "--check"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("a symbolic link"), "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
}

#[cfg(unix)]
#[test]
fn output_files_that_are_not_regular_files_are_refused_not_replaced() {
    // A FIFO, a directory, a link to a device, and /dev/stdout (a pipe here): `export`
    // and `example` once renamed a regular file over each, and said they wrote it.
    use std::os::unix::fs::FileTypeExt;
    let project = Project::example(DEV_ENV);
    let fifo = project.path().join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    fs::create_dir(project.path().join("dir")).unwrap();
    std::os::unix::fs::symlink("/dev/null", project.path().join("null")).unwrap();
    for target in ["fifo", "dir", "null", "/dev/stdout"] {
        for command in [
            &["export", "--output", target][..],
            &["example", "--output", target],
        ] {
            let out = run(project.cmd().args(command));
            assert_eq!(out.code, 2, "{command:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("only a regular file is replaced"),
                "{command:?}: {}",
                out.stderr
            );
        }
    }
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(project.path().join("dir").is_dir());
    assert!(
        fs::symlink_metadata(project.path().join("null"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn example_output_replaces_a_link_instead_of_writing_through_it() {
    // A hard link to a file no source reads (a hard link to a values file is refused, as
    // `example_never_shows_nor_overwrites_a_values_file` shows): the template replaces
    // the name, and the other name keeps what it held.
    let project = Project::example(DEV_ENV);
    project.file("notes.txt", "kept as it is\n");
    fs::hard_link(
        project.path().join("notes.txt"),
        project.path().join("hard.env"),
    )
    .unwrap();
    let out = run(project.cmd().args(["example", "--output", "hard.env"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        fs::read_to_string(project.path().join("notes.txt")).unwrap(),
        "kept as it is\n"
    );
    assert!(
        fs::read_to_string(project.path().join("hard.env"))
            .unwrap()
            .contains("change-me")
    );
}

#[test]
fn an_exec_source_added_in_a_pull_request_runs_nothing_until_this_user_allows_it() {
    let project = Project::new("");
    let state = tempfile::tempdir().unwrap();
    fs::copy(
        secretary_test_support::provider(),
        project.path().join("provider.py"),
    )
    .unwrap();
    project.file(
        "store.json",
        r#"{"values": {"api_key": "k-canary-exec-77"}}"#,
    );
    let pwned = project.path().join("pwned");
    project.file(
        "providers/pr.sh",
        &format!(
            "touch '{}'\nexec /usr/bin/python3 provider.py store.json\n",
            pwned.display()
        ),
    );
    project.file(
        "secrets.toml",
        "version = 1\n[sources.store]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/pr.sh\"]\n\n[environments.development]\nsources = [\"store\"]\n\n[secrets.api_key]\nrequired = true\n",
    );
    let secretary = |args: &[&str]| {
        run(project
            .cmd()
            .env("SECRETARY_STATE_DIR", state.path())
            .args(args))
    };
    let check = secretary(&["check"]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(!pwned.exists(), "the command ran before it was allowed");
    let said = format!("{}{}", check.stdout, check.stderr);
    assert!(
        said.contains("exec source `store` runs `/bin/sh providers/pr.sh`"),
        "{said}"
    );
    assert!(
        said.contains("which this user has not allowed for"),
        "{said}"
    );
    // The manifest named, by the path it was loaded from.
    let named = format!(
        "run `secretary --manifest {} allow`",
        project.path().join("secrets.toml").display()
    );
    assert!(said.contains(&named), "{said}");

    let allow = secretary(&["allow"]);
    assert_eq!(allow.code, 0, "{}", allow.stderr);
    assert!(
        allow.stdout.starts_with(
            "allowed for secrets.toml (this user only):\n  store: /bin/sh providers/pr.sh\n"
        ),
        "{}",
        allow.stdout
    );
    let get = secretary(&["get", "api_key"]);
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert_eq!(get.stdout, "k-canary-exec-77");
    assert!(pwned.exists());
    let status = secretary(&["status"]);
    assert!(
        status.stdout.contains("exec:store:store#api_key@v2"),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains("k-canary-exec-77"));

    // The next pull request changes the command: refused again, saying what changed.
    fs::remove_file(&pwned).unwrap();
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    project.file(
        "secrets.toml",
        &manifest.replace("providers/pr.sh\"]", "providers/pr.sh\", \"again\"]"),
    );
    let check = secretary(&["check"]);
    assert_eq!(check.code, 1);
    assert!(!pwned.exists());
    assert!(
        format!("{}{}", check.stdout, check.stderr).contains("was allowed"),
        "{}{}",
        check.stdout,
        check.stderr
    );
}

#[test]
fn a_provider_run_through_text_or_a_launcher_is_never_allowed() {
    // `sh -c "python3 op.py"` named op.py in text `allow` does not read: a pull request
    // changing op.py ran unallowed. Launchers (`nice`, `timeout`) and runners (`uv run`)
    // look their program up themselves. Each is refused, and nothing runs.
    let project = Project::new("");
    let state = tempfile::tempdir().unwrap();
    let ran = project.path().join("ran");
    for (command, program, what) in [
        (
            format!("[\"sh\", \"-c\", \"touch '{}'\"]", ran.display()),
            "sh",
            "is given its code as text (`-c`, `-e`)",
        ),
        (
            format!("[\"nice\", \"touch\", \"{}\"]", ran.display()),
            "nice",
            "runs the program it is given, looked up on PATH at every run",
        ),
        (
            "[\"./tools/uv\", \"run\", \"providers/op.py\"]".to_owned(),
            "./tools/uv",
            "runs a program it chooses from the project's own files",
        ),
    ] {
        // A stand-in for uv: what is refused is what its words say it does.
        project.file(
            "tools/uv",
            &format!("#!/bin/sh\ntouch '{}'\n", ran.display()),
        );
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(
                project.path().join("tools/uv"),
                fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        project.file(
            "secrets.toml",
            &format!(
                "version = 1\n[sources.store]\ntype = \"exec\"\ncommand = {command}\n[environments.development]\nsources = [\"store\"]\n[secrets.api_key]\nrequired = true\n"
            ),
        );
        let allow = run(project
            .cmd()
            .env("SECRETARY_STATE_DIR", state.path())
            .arg("allow"));
        assert_ne!(allow.code, 0, "{command}: {}{}", allow.stdout, allow.stderr);
        assert!(
            allow
                .stderr
                .contains(&format!("exec source `store`: `{program}` {what}")),
            "{command}: {}",
            allow.stderr
        );
        assert!(
            allow.stderr.contains("name the program that does the work"),
            "{}",
            allow.stderr
        );
        assert!(!ran.exists(), "{command} ran");
    }
}

#[test]
fn an_exec_interpreter_given_an_option_off_its_allowlist_is_refused_naming_it() {
    // A seventeenth adversarial pass: `--rcfile`'s value, an existing file, was taken
    // for bash's script, so the `-c` after it went unseen and `tools/op.sh` ran unpinned.
    let project = Project::new("");
    let state = tempfile::tempdir().unwrap();
    let ran = project.path().join("ran");
    project.file("providers/rc", "");
    project.file("tools/op.sh", &format!("touch '{}'\n", ran.display()));
    project.file(
        "secrets.toml",
        "version = 1\n[sources.store]\ntype = \"exec\"\ncommand = [\"bash\", \"--rcfile\", \"providers/rc\", \"-c\", \". tools/op.sh\"]\n[environments.development]\nsources = [\"store\"]\n[secrets.api_key]\nrequired = true\n",
    );
    let allow = run(project
        .cmd()
        .env("SECRETARY_STATE_DIR", state.path())
        .arg("allow"));
    assert_ne!(allow.code, 0, "{}{}", allow.stdout, allow.stderr);
    assert!(
        allow
            .stderr
            .contains("exec source `store`: `bash` is given `--rcfile` before its script"),
        "{}",
        allow.stderr
    );
    assert!(
        allow.stderr.contains("leave `--rcfile` out of the command"),
        "{}",
        allow.stderr
    );
    assert!(!ran.exists(), "tools/op.sh ran");
}

#[test]
fn provider_check_passes_a_provider_that_speaks_the_protocol_and_fails_one_that_does_not() {
    let project = Project::new("");
    project.file("store.json", r#"{"values": {"api_key": "k-canary-kit"}}"#);
    let provider = secretary_test_support::provider();
    let store = project.path().join("store.json");
    let kit = |extra: &[&str]| {
        run(project
            .cmd()
            .args(["provider-check", "--key", "api_key"])
            .args(extra)
            .arg("--")
            .arg(&provider)
            .arg(&store))
    };
    let good = kit(&[]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
    assert!(
        good.stdout
            .ends_with("the provider passed every check (3)\n"),
        "{}",
        good.stdout
    );
    project.file("store.json", r#"{"values": {}}"#);
    let bad = kit(&[]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("FAIL: 1 key of the store found in one request, beside one it lacks; no value on stderr nor in its locators, `looked` or errors: `api_key` is absent"), "{}", bad.stdout);
    assert!(!good.stdout.contains("k-canary-kit"));
    // A provider that repeats a value in its locator fails, and the kit names the field.
    project.file(
        "store.json",
        r#"{"values": {"api_key": "k-canary-kit"}, "details": {"api_key": "op://v/k-canary-kit"}}"#,
    );
    let echo = kit(&[]);
    assert_eq!(echo.code, 1, "{}{}", echo.stdout, echo.stderr);
    assert!(
        echo.stdout.contains(
            "`looked` or errors: its `locator` for `api_key` holds a value of its answer (shown as [withheld])"
        ),
        "{}",
        echo.stdout
    );
    assert!(!echo.stdout.contains("k-canary-kit"), "{}", echo.stdout);
}

#[test]
fn a_providers_text_that_repeats_a_value_reaches_no_output_nor_the_audit_log() {
    // The reviewer's provider: its locator, `looked` and error repeat the value it gives.
    let project = Project::new("");
    let state = tempfile::tempdir().unwrap();
    fs::create_dir(project.path().join("providers")).unwrap();
    fs::copy(
        secretary_test_support::provider(),
        project.path().join("providers/provider.py"),
    )
    .unwrap();
    let secret = "k-canary-echo-991";
    project.file(
        "providers/store.json",
        &serde_json::json!({
            "values": {"api_key": secret},
            "details": {"api_key": format!("item/{secret}"), "debug": format!("looked for {secret}")},
            "errors": {"database_url": format!("denied: {secret}")},
        })
        .to_string(),
    );
    project.file(
        "secrets.toml",
        "version = 1\n[audit]\nfile = \"audit.log\"\n\n[sources.p]\ntype = \"exec\"\ncommand = [\"python3\", \"providers/provider.py\", \"providers/store.json\"]\n\n[environments.development]\nsources = [\"p\"]\n\n[secrets.api_key]\nrequired = true\n[secrets.database_url]\n[secrets.debug]\ntype = \"bool\"\n",
    );
    let secretary = |args: &[&str]| {
        run(project
            .cmd()
            .env("SECRETARY_STATE_DIR", state.path())
            .args(args))
    };
    // `allow` says what it pinned: each file the command names, and the directory that
    // holds the script, since Python looks for modules there first.
    let allow = secretary(&["allow"]);
    assert_eq!(allow.code, 0, "{}", allow.stderr);
    for pinned in [
        "reads providers/provider.py (sha256 ",
        "reads providers/store.json (sha256 ",
        "reads providers/ (sha256 ",
    ] {
        assert!(allow.stdout.contains(pinned), "{}", allow.stdout);
    }
    let mut said = String::new();
    for args in [&["status"][..], &["check"], &["status", "--format", "json"]] {
        let out = secretary(args);
        said.push_str(&out.stdout);
        said.push_str(&out.stderr);
    }
    assert!(said.contains("exec:p:[withheld]"), "{said}");
    assert!(
        said.contains("could not read `database_url`: [withheld]"),
        "{said}"
    );
    let audit = fs::read_to_string(project.path().join("audit.log")).unwrap();
    assert!(audit.contains("[withheld]"), "{audit}");
    for text in [&said, &audit] {
        assert!(!text.contains("canary-echo"), "{text}");
    }
}

#[cfg(unix)]
#[test]
fn allow_names_a_scripts_interpreter_and_a_python3_added_to_path_after_it_never_runs() {
    // A ninth adversarial pass: `#!/usr/bin/env python3` found `python3` on PATH at each
    // run, and `allow` did not say which: a `bin/python3` added to a repository `bin/`
    // on PATH after `allow` ran on the next `check`, which said ok.
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new("");
    let state = tempfile::tempdir().unwrap();
    fs::create_dir(project.path().join(".git")).unwrap();
    fs::create_dir(project.path().join("bin")).unwrap();
    let fixture = fs::read_to_string(secretary_test_support::provider()).unwrap();
    let body = fixture.split_once('\n').unwrap().1;
    project.file("providers/p.py", &format!("#!/usr/bin/env python3\n{body}"));
    let script = project.path().join("providers/p.py");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o700)).unwrap();
    project.file(
        "stores/store.json",
        r#"{"values": {"api_key": "k-canary-sb-9"}}"#,
    );
    project.file(
        "secrets.toml",
        "version = 1\n[sources.p]\ntype = \"exec\"\ncommand = [\"providers/p.py\", \"stores/store.json\"]\n\n[environments.development]\nsources = [\"p\"]\n\n[secrets.api_key]\nrequired = true\n",
    );
    let path = format!(
        "{}:{}",
        project.path().join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let secretary = |args: &[&str]| {
        run(project
            .cmd()
            .env("SECRETARY_STATE_DIR", state.path())
            .env("PATH", &path)
            .args(args))
    };
    let allow = secretary(&["allow"]);
    assert_eq!(allow.code, 0, "{}", allow.stderr);
    assert!(
        allow.stdout.contains("    with /")
            && allow
                .stdout
                .contains("), as `#!/usr/bin/env python3` of providers/p.py says\n"),
        "{}",
        allow.stdout
    );
    let check = secretary(&["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    let pwned = project.path().join("pwned");
    project.file(
        "bin/python3",
        &format!(
            "#!/bin/sh\ntouch {}\nexec /usr/bin/python3 \"$@\"\n",
            pwned.display()
        ),
    );
    fs::set_permissions(
        project.path().join("bin/python3"),
        fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let check = secretary(&["check"]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(!pwned.exists(), "a python3 the user never allowed ran");
    let said = format!("{}{}", check.stdout, check.stderr);
    assert!(
        said.contains("the interpreter named by `#!/usr/bin/env python3` of providers/p.py, ")
            && said.contains("bin/python3 (it was ")
            && said.contains("changed since it was allowed"),
        "{said}"
    );
    assert!(said.contains("secretary --manifest "), "{said}");
    assert!(said.contains(" allow` to let them run"), "{said}");
    assert!(!said.contains("k-canary-sb-9"), "{said}");
}

#[test]
fn a_manifest_cannot_read_a_secret_into_a_variable_that_makes_programs_run_code() {
    // A fifteenth adversarial pass: `[secrets.be] env = ["BASH_ENV"]` with a `default`
    // naming a file of the pull request's made `run -- bash -c ...` run that file, and
    // `export --format shell` wrote `LD_PRELOAD` and `PROMPT_COMMAND` for the user's
    // shell. No secret may be read into such a variable.
    let project = Project::new("");
    let ran = project.path().join("ran");
    project.file("evil.sh", &format!("touch '{}'\n", ran.display()));
    for name in [
        "BASH_ENV",
        "LD_PRELOAD",
        "PROMPT_COMMAND",
        "PYTHONPATH",
        "https_proxy",
        // A sixteenth pass: git's directory, HOME's `.gitconfig`, the user's Vault.
        "GIT_DIR",
        "HOME",
        "VAULT_ADDR",
        // A seventeenth: `git commit` ran `VISUAL`.
        "VISUAL",
        "SUDO_ASKPASS",
        "QT_PLUGIN_PATH",
    ] {
        project.file(
            "secrets.toml",
            &format!(
                "version = 1\n[sources.env]\ntype = \"env\"\n[environments.development]\nsources = [\"env\"]\n[secrets.be]\nenv = [\"{name}\"]\nsensitive = false\ndefault = \"evil.sh\"\n"
            ),
        );
        for args in [
            &["run", "--", "bash", "-c", "true"][..],
            &["export", "--format", "shell"],
            &["check"],
        ] {
            let out = run(project.cmd().args(args));
            assert_eq!(out.code, 2, "{name} {args:?}: {}{}", out.stdout, out.stderr);
            assert!(
                out.stderr.contains(&format!(
                    "`{name}` (secret `be`) makes programs run code or send traffic where its value says"
                )),
                "{name}: {}",
                out.stderr
            );
            assert!(!out.stdout.contains("evil.sh"), "{name}: {}", out.stdout);
        }
        assert!(!ran.exists(), "{name}: the manifest's file ran");
    }
}
