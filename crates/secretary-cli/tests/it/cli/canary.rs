//! The command line's tests: the canary sweep.

use super::*;

#[test]
fn no_sensitive_value_appears_anywhere_but_get() {
    let project = Project::example("ENVIRONMENT=development\n");
    let with_canaries = |project: &Project| {
        let mut cmd = project.cmd();
        for (_, name, value) in canaries() {
            cmd.env(name, value);
        }
        cmd
    };
    let mut sweeps: Vec<(String, Vec<&str>)> = Vec::new();
    for format in ["text", "json"] {
        for command in ["check", "status", "list"] {
            sweeps.push((
                format!("{command} --format {format}"),
                vec![command, "--format", format],
            ));
        }
        sweeps.push((
            format!("staging check {format}"),
            vec!["--env", "staging", "check", "--format", format],
        ));
        sweeps.push((
            format!("production check {format}"),
            vec!["--env", "production", "status", "--format", format],
        ));
    }
    sweeps.push(("run true".to_owned(), vec!["run", "--", "true"]));
    sweeps.push(("scan".to_owned(), vec!["scan", "."]));
    sweeps.push((
        "scan json".to_owned(),
        vec!["scan", ".", "--format", "json"],
    ));
    for (what, args) in &sweeps {
        let out = run(with_canaries(&project).args(args));
        assert!(out.code <= 1, "{what}: {}", out.stderr);
        assert_clean(what, &out.stdout, None);
        assert_clean(what, &out.stderr, None);
    }
    for (key, _, value) in canaries() {
        let out = run(with_canaries(&project).args(["get", key]));
        assert_eq!(out.stdout, value, "get {key}");
        assert_clean(&format!("get {key}"), &out.stdout, Some(key));
        assert_clean(&format!("get {key} stderr"), &out.stderr, None);
    }
}

#[test]
fn no_sensitive_value_appears_on_failing_paths() {
    // Values that break their type, placeholders, and a broken .env holding canaries.
    let project = Project::example("ENVIRONMENT=development\n");
    let failing = || {
        let mut cmd = project.cmd();
        cmd.env("DATABASE_URL", "CANARYa1db")
            .env("MONGODB_URI", "CANARYk1mongo not a url")
            .env("SECRET_KEY", "CANARYh8secretkey")
            .env("POSTGRES_PASSWORD", "CANARYc3password-change-me")
            .env("POSTGRES_USER", "CANARYb2user-your-user-here");
        cmd
    };
    for args in [
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["--env", "staging", "check"],
        vec!["--env", "staging", "status", "--format", "json"],
        vec!["get", "database_url"],
        vec!["get", "secret_key"],
        vec!["--env", "staging", "get", "postgres_password"],
        vec!["run", "--", "true"],
        vec!["--env", "staging", "run", "--", "true"],
    ] {
        let out = run(failing().args(&args));
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert_clean(&format!("{args:?}"), &out.stdout, None);
        assert_clean(&format!("{args:?}"), &out.stderr, None);
    }

    // Invalid values and placeholders are still values: scan searches for them (and finds
    // none here).
    for args in [
        vec!["scan", "."],
        vec!["--env", "staging", "scan", ".", "--format", "json"],
    ] {
        let out = run(failing().args(&args));
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        assert_clean(&format!("{args:?}"), &out.stdout, None);
        assert_clean(&format!("{args:?}"), &out.stderr, None);
    }

    let broken = Project::example(
        "REDIS_PASSWORD=CANARYj0redis trailing \"CANARYj0redis\nCANARYb2user\nGOOGLE_CLIENT_SECRET=\"CANARYg7clientsecret\n",
    );
    for args in [
        vec!["check"],
        vec!["status", "--format", "json"],
        vec!["get", "redis_password"],
        vec!["scan", "."],
    ] {
        let out = run(broken.cmd().args(&args));
        assert_eq!(out.code, 1, "{args:?}");
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(
            said.contains("malformed") || said.contains("\"source_error\""),
            "{args:?}: {said}"
        );
        assert_clean(&format!("broken .env {args:?}"), &out.stdout, None);
        assert_clean(&format!("broken .env {args:?}"), &out.stderr, None);
    }

    // A password pasted where a URL belongs: not even its scheme, in any case, is shown.
    for args in [
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["run", "--", "true"],
    ] {
        let out = run(project
            .cmd()
            .env("DATABASE_URL", "CANARYa1db://x")
            .args(&args));
        assert_eq!(out.code, 1, "{args:?}");
        let said = format!("{}{}", out.stdout, out.stderr).to_lowercase();
        assert!(!said.contains("canarya1db"), "{args:?}: {said}");
    }

    let bad_manifest = Project::new("version = 1\n[secrets.a]\nrequired = \"CANARYc3password\"\n");
    let out = run(bad_manifest.cmd().arg("check"));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("secrets.toml:3:"), "{}", out.stderr);
    assert_clean("bad manifest", &out.stderr, None);
}

/// `secretary generate ARGS` in an empty directory (no manifest is needed).
fn generate(args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(support::secretary());
    cmd.current_dir(dir.path())
        .env_clear()
        .arg("generate")
        .args(args);
    run(&mut cmd)
}

#[test]
fn generate_writes_url_safe_random_secrets_of_the_asked_length() {
    let urlsafe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let first = generate(&[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first.stdout.len(),
        43,
        "32 bytes, unpadded: {:?}",
        first.stdout
    );
    assert!(first.stdout.chars().all(urlsafe), "{:?}", first.stdout);
    // Not a pipe's newline, nor anything on stderr.
    assert!(first.stderr.is_empty(), "{}", first.stderr);
    let mut seen = std::collections::HashSet::new();
    seen.insert(first.stdout);
    for _ in 0..20 {
        assert!(seen.insert(generate(&[]).stdout), "a repeated secret");
    }

    let hex = generate(&["--bytes", "16", "--format", "hex"]);
    assert_eq!(hex.stdout.len(), 32);
    assert!(
        hex.stdout
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{:?}",
        hex.stdout
    );
    let base64 = generate(&["--bytes", "64", "--format", "base64"]);
    assert_eq!(base64.stdout.len(), 88, "{:?}", base64.stdout);
    assert!(base64.stdout.ends_with("=="), "{:?}", base64.stdout);
    let long = generate(&["--bytes", "1024", "--format", "hex"]);
    assert_eq!(long.stdout.len(), 2048);
    // 1,024 random bytes use nearly every byte value: a constant or counter would not.
    let distinct: std::collections::HashSet<_> = long.stdout.as_bytes().chunks(2).collect();
    assert!(
        distinct.len() > 200,
        "only {} distinct bytes",
        distinct.len()
    );
}

#[test]
fn generate_refuses_too_few_or_too_many_bytes() {
    for bytes in ["15", "1025", "0", "lots"] {
        let out = generate(&["--bytes", bytes]);
        assert_eq!(out.code, 2, "--bytes {bytes}");
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("--bytes"), "{}", out.stderr);
    }
}

#[test]
fn the_shipped_templates_match_the_manifest() {
    // CI runs this: a manifest change without regenerated templates fails here.
    for env in ["development", "production"] {
        let mut cmd = Command::new(support::secretary());
        cmd.current_dir(EXAMPLE_DIR)
            .env_clear()
            .args(["--env", env, "example", "--check"]);
        let out = run(&mut cmd);
        assert_eq!(out.code, 0, "{env}: {}{}", out.stdout, out.stderr);
    }
}

#[test]
fn example_writes_markers_defaults_and_placeholders_but_no_values() {
    let project = Project::example("");
    let mut cmd = project.cmd();
    for (_, name, value) in canaries() {
        cmd.env(name, value);
    }
    let out = run(cmd.args(["example"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.stdout;
    assert_clean("example", &text, None);
    assert!(text.contains("environment `development`"), "{text}");
    assert!(text.contains("#   dotenv: .env, .env.local"), "{text}");
    assert!(
        text.contains("# PostgreSQL connection URL\n# required, url (postgresql, "),
        "{text}"
    );
    assert!(text.contains("\nDATABASE_URL=change-me\n"), "{text}");
    assert!(
        text.contains("# also read as: SQLALCHEMY_DATABASE_URI\n"),
        "{text}"
    );
    assert!(text.contains("# optional\nYOUTUBE_API_KEY=\n"), "{text}");
    assert!(text.contains("default shown\nLOG_LEVEL=INFO\n"), "{text}");
    // Every declared secret has a line, under its primary name.
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    let declared = manifest.matches("[secrets.").count();
    let assignments = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .count();
    assert_eq!(assignments, declared);

    let production = run(project.cmd().args(["--env", "production", "example"]));
    assert!(
        production
            .stdout
            .contains("#   vault: Vault KV v2 at secret/data/production/{key}, field `value`"),
        "{}",
        production.stdout
    );
    assert!(production.stdout.contains("refused in this environment"));

    // `--output -` is the standard output, not a file named `-` (a fifty-sixth
    // adversarial pass).
    let dashed = run(project.cmd().args(["example", "--output", "-"]));
    assert_eq!(dashed.code, 0, "{}", dashed.stderr);
    assert_eq!(dashed.stdout, text);
    assert!(
        !project.path().join("-").exists(),
        "a file named - was written"
    );
}

#[test]
fn example_check_shows_the_drift_and_exits_1() {
    let project = Project::example("");
    let written = run(project.cmd().args(["example", "--output", ".env.example"]));
    assert_eq!(written.code, 0, "{}", written.stderr);
    let ok = run(project.cmd().args(["example", "--check"]));
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(
        ok.stdout.starts_with("ok: .env.example matches"),
        "{}",
        ok.stdout
    );

    // A secret added to the manifest, and a line edited by hand.
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    project.file(
        "secrets.toml",
        &format!("{manifest}\n[secrets.stripe_key]\ndescription = \"Stripe key\"\n"),
    );
    let template = fs::read_to_string(project.path().join(".env.example")).unwrap();
    project.file(
        ".env.example",
        &template.replace("LOG_LEVEL=INFO", "LOG_LEVEL=DEBUG"),
    );
    let drift = run(project.cmd().args(["example", "--check"]));
    assert_eq!(drift.code, 1);
    assert!(
        drift.stdout.contains("-LOG_LEVEL=DEBUG\n+LOG_LEVEL=INFO\n"),
        "{}",
        drift.stdout
    );
    assert!(
        drift
            .stdout
            .contains("+# Stripe key\n+# optional\n+STRIPE_KEY=\n"),
        "{}",
        drift.stdout
    );
    assert!(drift.stderr.contains("has drifted"), "{}", drift.stderr);
    assert!(
        drift
            .stderr
            .contains("fix: secretary --env development example --output .env.example")
    );

    let missing = run(project
        .cmd()
        .args(["--env", "staging", "example", "--check"]));
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains(".env.staging.example does not exist"),
        "{}",
        missing.stderr
    );
}

/// `secretary lint ARGS` in `dir` (no manifest is needed).
fn lint(dir: &Path, args: &[&str]) -> Outcome {
    let mut cmd = Command::new(support::secretary());
    cmd.current_dir(dir).env_clear().arg("lint").args(args);
    run(&mut cmd)
}

#[test]
fn lint_names_file_line_and_key_of_real_looking_secrets_never_the_value() {
    let project = Project::new("");
    let github = "ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK";
    let password = "Zq8v2LmXr4";
    let random = "kq8N2vR0wT5yU7iO9pA1sD3fG6hJ";
    project.file(
        ".env.example",
        &format!(
            "# The API\nAPI_KEY=change-me\nGITHUB_TOKEN={github}\n\nDATABASE_URL=postgresql://app:{password}@db/app\nexport SESSION_SECRET=\"{random}\"\nLOG_LEVEL=INFO\n"
        ),
    );
    project.file(
        "clean.example",
        "API_KEY=your-api-key-here\nDATABASE_URL=postgresql://app:<password>@db/app\n",
    );
    let out = lint(project.path(), &[".env.example", "clean.example"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(
            ".env.example:3: `GITHUB_TOKEN` looks like a GitHub token (value not shown)\n\
             .env.example:5: `DATABASE_URL` looks like a password inside a URL (value not shown)\n\
             .env.example:6: `SESSION_SECRET` looks like a high-entropy value (value not shown)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("3 real-looking secrets found"),
        "{}",
        out.stdout
    );
    for value in [github, password, random] {
        assert!(!out.stdout.contains(value) && !out.stderr.contains(value));
    }

    // A line that is no assignment is not called a comment (a twenty-sixth pass).
    // And a commented-out assignment is still checked (a twenty-seventh).
    // And a token's shape anywhere in a comment (a twenty-eighth); a file's name is
    // shown as text, its escapes escaped (the same pass).
    project.file(
        "bad\u{1b}[31mkey.example",
        &format!(
            "A-B={github}\n# OLD_TOKEN={github}\n# GITHUB_TOKEN: {github}\n#   - {github}\n# old: OLD={github}\n"
        ),
    );
    let out = lint(project.path(), &["bad\u{1b}[31mkey.example"]);
    assert!(
        out.stdout.starts_with(
            "bad\\u{1b}[31mkey.example:1: a line that is not an assignment looks like a GitHub token (value not shown)\n\
             bad\\u{1b}[31mkey.example:2: a comment looks like a GitHub token (value not shown)\n\
             bad\\u{1b}[31mkey.example:3: a comment looks like a GitHub token (value not shown)\n\
             bad\\u{1b}[31mkey.example:4: a comment looks like a GitHub token (value not shown)\n\
             bad\\u{1b}[31mkey.example:5: a comment looks like a GitHub token (value not shown)\n"
        ),
        "{}",
        out.stdout
    );
    // A token written as a variable's name is found, and the name is not printed (a
    // thirty-second pass).
    project.file(
        "keyed.example",
        &format!("{github}={github}\nexport {github}=1\n"),
    );
    let out = lint(project.path(), &["keyed.example"]);
    assert_eq!(
        out.stdout.lines().take(2).collect::<Vec<_>>(),
        [
            "keyed.example:1: a variable's name looks like a GitHub token (value not shown)",
            "keyed.example:2: a variable's name looks like a GitHub token (value not shown)",
        ],
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(github) && !out.stderr.contains(github));

    let clean = lint(project.path(), &["clean.example"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert_eq!(clean.stdout, "ok: no real-looking secrets in 1 file\n");

    let shipped = lint(
        Path::new(EXAMPLE_DIR),
        &[".env.example", ".env.production.example"],
    );
    assert_eq!(shipped.code, 0, "the shipped templates: {}", shipped.stdout);

    let missing = lint(project.path(), &["clean.example", "nope.env"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read nope.env"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_audit_log_of_a_session_has_every_access_and_no_value() {
    let project = Project::example("ENVIRONMENT=development\n");
    let with_canaries = |project: &Project| {
        let mut cmd = project.cmd();
        for (_, name, value) in canaries() {
            cmd.env(name, value);
        }
        cmd.env(
            "SECRETARY_AUDIT_KEY",
            "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ",
        );
        cmd
    };
    let log = project.path().join("audit.log");
    let log_arg = log.to_str().unwrap();
    for args in [
        vec!["check"],
        vec!["get", "database_url"],
        vec!["export", "--only", "postgres_user"],
        vec!["run", "--", "true"],
        vec!["--env", "staging", "status"],
    ] {
        let out = run(with_canaries(&project)
            .arg("--audit-log")
            .arg(log_arg)
            .args(&args));
        assert!(out.code <= 1, "{args:?}: {}", out.stderr);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = fs::read_to_string(&log).unwrap();
    assert_clean("audit log", &text, None);
    let lines = audit_lines(&log);
    let declared = canaries().len();
    let count = |event: &str| lines.iter().filter(|l| l["event"] == event).count();
    assert!(
        count("validate") >= 2 * declared,
        "check and status: one line per secret"
    );
    assert_eq!(count("get"), 1);
    assert_eq!(count("export"), 1);
    assert!(count("run") >= declared);
    for line in &lines {
        for field in [
            "time",
            "event",
            "key",
            "source",
            "locator",
            "version",
            "outcome",
            "environment",
            "pid",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }
    let get = lines.iter().find(|l| l["event"] == "get").unwrap();
    assert_eq!(get["key"], "database_url");
    assert_eq!(get["source"], "env");
    assert_eq!(get["locator"], "env:DATABASE_URL");
    assert_eq!(get["outcome"], "ok");
    assert_eq!(get["environment"], "development");
    // The fingerprint is the HMAC-SHA256 of the secret's key and the value, a NUL between
    // them, under the operator's key: check it with Python's hmac, independently
    // of ours. Bound to the secret, it compares with no other secret's (a seventy-fourth
    // adversarial pass matched a production password against guesses of its own).
    let url = &canaries()[0].2;
    let expected = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; print(hmac.new(b'b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ', '\\0'.join(sys.argv[1:]).encode(), hashlib.sha256).hexdigest())",
            "database_url",
            url,
        ])
        .output()
        .unwrap();
    let expected = String::from_utf8(expected.stdout).unwrap();
    assert_eq!(
        get["fingerprint"],
        format!("hmac-sha256:{}", expected.trim())
    );
    let staging = lines
        .iter()
        .filter(|l| l["environment"] == "staging")
        .count();
    assert!(staging >= declared);
}

#[test]
fn audit_lines_from_concurrent_processes_never_mix() {
    let project =
        Project::example(&fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env")).unwrap());
    let log = project.path().join("shared.log");
    let children: Vec<_> = (0..8)
        .map(|_| {
            support::secretary_in(project.path())
                .arg("--audit-log")
                .arg(&log)
                .arg("check")
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(secretary_test_support::process::wait(&mut child).success());
    }
    let lines = audit_lines(&log);
    let declared = fs::read_to_string(project.path().join("secrets.toml"))
        .unwrap()
        .matches("[secrets.")
        .count();
    assert_eq!(lines.len(), 8 * declared);
    let pids: std::collections::HashSet<_> = lines.iter().map(|l| l["pid"].clone()).collect();
    assert_eq!(pids.len(), 8);
}

#[test]
fn the_manifests_audit_table_sends_the_log_to_a_file_beside_it() {
    let manifest = fs::read_to_string(Path::new(EXAMPLE_DIR).join("secrets.toml")).unwrap();
    let project = Project::new(&format!(
        "{manifest}\n[audit]\nfile = \"logs/audit.jsonl\"\n"
    ));
    project.file(
        ".env",
        &fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env")).unwrap(),
    );
    project.file("logs/.keep", "");
    let out = run(project.cmd().args(["get", "secret_key"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = audit_lines(&project.path().join("logs/audit.jsonl"));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event"], "get");
    assert!(
        lines[0].get("fingerprint").is_none(),
        "no key, no fingerprint"
    );

    let bad = Project::new(&format!("{manifest}\n[audit]\nsink = \"syslog\"\n"));
    let out = run(bad.cmd().arg("list"));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown audit sink `syslog`"),
        "{}",
        out.stderr
    );
}
