//! The command line's tests: check.

use super::*;

#[test]
fn check_passes_and_says_what_it_checked() {
    let project = Project::example(DEV_ENV);
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "ok: 14 secrets valid in environment `development` (secrets.toml): 7 set, 7 optional not set\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn check_lists_every_problem_with_key_description_places_and_fix() {
    let project = Project::example(
        "ENVIRONMENT=development\nDATABASE_URL=mysql://db/app\nSECRET_KEY=too-short\nDEBUG=perhaps\n",
    );
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("check_problems", out.stdout);
}

#[test]
fn check_reports_each_malformed_dotenv_line() {
    let project = Project::example(&format!(
        "{DEV_ENV}this line has no equals\nexport 9LIVES=x\nOK='unclosed\n"
    ));
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("check_malformed_dotenv", out.stdout);
}

#[test]
fn check_refuses_placeholders_where_the_environment_forbids_them() {
    let project = Project::example(&DEV_ENV.replace(
        "SECRET_KEY=dev-signing-key-0123456789abcdefghij",
        "SECRET_KEY=your-secret-key-here-0123456789abcdef",
    ));
    assert_eq!(
        run(project.cmd().arg("check")).code,
        0,
        "development allows placeholders"
    );
    let out = run(project.cmd().args(["--env", "staging", "check"]));
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains(
            "[placeholder] secret_key: the value from dotenv:.env:5 looks like a placeholder (looks like `your-...-here`)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("environment `staging` forbids placeholders"),
        "{}",
        out.stdout
    );
}

#[test]
fn check_json_has_the_documented_schema() {
    let project = Project::example("ENVIRONMENT=development\nDATABASE_URL=postgresql://db/app\n");
    let out = run(project.cmd().args(["check", "--format", "json"]));
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["manifest"], "secrets.toml");
    assert_eq!(json["environment"], "development");
    assert_eq!(json["ok"], false);
    assert_eq!(json["secrets"], 14);
    let problems = json["problems"].as_array().unwrap();
    let keys: Vec<&str> = problems
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["postgres_user", "postgres_password", "secret_key"]);
    let first = &problems[0];
    assert_eq!(first["code"], "missing");
    assert_eq!(first["description"], "PostgreSQL user name");
    assert_eq!(first["message"], "required but not set");
    assert_eq!(
        first["looked"],
        serde_json::json!([
            "env:POSTGRES_USER",
            "dotenv:.env",
            "dotenv:.env.local (no such file)"
        ])
    );
    assert_eq!(
        first["hint"],
        "set POSTGRES_USER in the environment, or add `POSTGRES_USER=...` to .env"
    );
    assert_eq!(json["fallbacks"], serde_json::json!([]));
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[cfg(unix)]
#[test]
fn a_readable_dotenv_is_warned_about_on_stderr() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::example(DEV_ENV);
    fs::set_permissions(
        project.path().join(".env"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr,
        "warning: .env is readable by group or others (mode 0644); run `chmod 600 .env`\n"
    );
}

/// The commands between backticks in `text` that start with one of `programs`.
fn suggested<'t>(text: &'t str, programs: &[&str]) -> Vec<&'t str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|command| {
            programs
                .iter()
                .any(|program| command.starts_with(&format!("{program} ")))
        })
        .collect()
}

/// Runs `command` in `shell`, in `dir`, where each of `programs` only writes what it was
/// given to `dir/said` (its name and how many arguments, then each, a line each): a
/// suggested command pasted, with nothing it names run.
fn paste(dir: &std::path::Path, shell: &str, programs: &[&str], command: &str) {
    use std::os::unix::fs::PermissionsExt as _;

    let bin = dir.join("fake-bin");
    fs::create_dir_all(&bin).unwrap();
    for program in programs {
        let fake = bin.join(program);
        fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho \"{program} $#\" >> said\nfor a; do echo \"$a\" >> said; done\n"
            ),
        )
        .unwrap();
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let status = std::process::Command::new(shell)
        .current_dir(dir)
        .env("PATH", &bin)
        .args(["-c", command])
        .status()
        .unwrap();
    assert!(status.success(), "{command}");
}

#[test]
fn a_command_a_hint_says_to_run_names_the_manifests_file_and_nothing_else() {
    use std::os::unix::fs::PermissionsExt as _;

    // A pull request names files whose names are shell: pasting the advice must run
    // the one command it says, on the one file (a thirty-second adversarial pass ran
    // `touch PWNED` through sops's and the audit log's hints, and changed another
    // file's mode through a name starting with `-`).
    let project = Project::new(
        r#"version = 1
[sources.plain]
type = "dotenv"
files = ["x;touch PWNED;.env"]
[sources.enc]
type = "sops"
file = "-y;touch PWNED;.yaml"
[audit]
file = "z;touch PWNED;.log"
[environments.development]
sources = ["plain", "enc"]
[secrets.api_key]
[secrets.other]
"#,
    );
    project.file("x;touch PWNED;.env", "API_KEY=abcdefghijkl1234\n");
    project.file("-y;touch PWNED;.yaml", "other: v\n");
    project.file("z;touch PWNED;.log", "");
    for name in ["x;touch PWNED;.env", "z;touch PWNED;.log"] {
        fs::set_permissions(project.path().join(name), fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = run(project.cmd().arg("check"));
    let said = format!("{}{}", out.stdout, out.stderr);
    let commands = suggested(&said, &["chmod", "sops"]);
    assert_eq!(
        commands.len(),
        3,
        "a chmod for each file, a sops encrypt: {said}"
    );
    // Each pasted into a shell whose `chmod`, `sops` and `touch` only say what they
    // were given, one argument a line.
    for command in &commands {
        paste(
            project.path(),
            "/bin/sh",
            &["chmod", "sops", "touch"],
            command,
        );
    }
    let calls = fs::read_to_string(project.path().join("said")).unwrap();
    assert!(
        !calls.lines().any(|line| line.starts_with("touch ")),
        "a file name ran a command: {calls}"
    );
    let audit_log = project.path().join("z;touch PWNED;.log");
    let expected = [
        "chmod 2\n600\n".to_owned() + audit_log.to_str().unwrap(),
        "chmod 2\n600\nx;touch PWNED;.env".to_owned(),
        "sops 3\nencrypt\n--in-place\n./-y;touch PWNED;.yaml".to_owned(),
    ];
    for call in expected {
        assert!(
            calls.contains(&call),
            "{call:?} not in {calls:?} (from {commands:?})"
        );
    }
}

#[test]
fn a_command_a_hint_says_to_run_names_a_manifest_with_a_control_character_as_it_is() {
    // A thirty-sixth adversarial pass: a manifest whose path holds a control character
    // was named in a hint's command as it is shown (`app\u{1b}dir`), which pasted names
    // another file. Written in bash's `$'…'` quoting, it names that file.
    let here = tempfile::tempdir().unwrap();
    let app = here.path().join("app\u{1b}[2J;touch PWNED'dir");
    fs::create_dir_all(app.join("providers")).unwrap();
    fs::write(
        app.join("secrets.toml"),
        "version = 1\n[sources.ours]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/ours.sh\"]\n\
         [environments.development]\nsources = [\"ours\"]\n[secrets.api_key]\n",
    )
    .unwrap();
    fs::write(app.join("providers/ours.sh"), "exit 1\n").unwrap();
    let state = tempfile::tempdir().unwrap();
    let out = run(Command::from_std(support::secretary_in(here.path()))
        .env("SECRETARY_STATE_DIR", state.path())
        .arg("--manifest")
        .arg(app.join("secrets.toml"))
        .arg("check"));
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(!said.contains('\u{1b}'), "{said:?}");
    let commands = suggested(&said, &["secretary"]);
    assert_eq!(commands.len(), 1, "{said}");
    paste(
        here.path(),
        "/bin/bash",
        &["secretary", "touch"],
        commands[0],
    );
    let calls = fs::read_to_string(here.path().join("said")).unwrap();
    assert_eq!(
        calls,
        format!(
            "secretary 3\n--manifest\n{}\nallow\n",
            app.join("secrets.toml").display()
        ),
        "{}",
        commands[0]
    );
}

#[test]
fn a_secretary_command_quoted_in_a_manifests_text_is_shown_as_written() {
    // A thirty-sixth adversarial pass: the options a run was given were added to every
    // `secretary` command in the rendered text, a description quoted as data included.
    let project = Project::new(
        "version = 1\n[secrets.api_key]\nrequired = true\ndescription = \"set by `secretary rotate api_key` in CI\"\n",
    );
    let out = run(project.cmd().args([
        "--manifest",
        "secrets.toml",
        "--env",
        "development",
        "check",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("description: set by `secretary rotate api_key` in CI\n"),
        "{said}"
    );
}

#[test]
fn a_secretary_command_a_hint_gives_names_the_manifest_it_was_given() {
    // A thirty-third adversarial pass: after `secretary --manifest ../app/secrets.toml
    // check`, the hint's `secretary allow`, pasted, allowed the exec sources of the
    // manifest found where the user stood (another repository's).
    let here = Project::new(
        "version = 1\n[sources.theirs]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/theirs.sh\"]\n\
         [environments.development]\nsources = [\"theirs\"]\n[secrets.api_key]\n",
    );
    let app = here.path().join("app dir");
    fs::create_dir(&app).unwrap();
    fs::write(
        app.join("secrets.toml"),
        "version = 1\n[sources.ours]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/ours.sh\"]\n\
         [environments.development]\nsources = [\"ours\"]\n[secrets.api_key]\n",
    )
    .unwrap();
    here.file("providers/theirs.sh", "exit 1\n");
    here.file("app dir/providers/ours.sh", "exit 1\n");
    let state = tempfile::tempdir().unwrap();
    let out = run(here.cmd().env("SECRETARY_STATE_DIR", state.path()).args([
        "--manifest",
        "app dir/secrets.toml",
        "check",
    ]));
    let said = format!("{}{}", out.stdout, out.stderr);
    let commands = suggested(&said, &["secretary"]);
    assert_eq!(
        commands,
        [format!(
            "secretary --manifest '{}' allow",
            app.join("secrets.toml").display()
        )],
        "{said}"
    );
    // Pasted, it allows that manifest's sources, not the ones here.
    let allow = run(here.cmd().env("SECRETARY_STATE_DIR", state.path()).args([
        "--manifest",
        "app dir/secrets.toml",
        "allow",
    ]));
    assert_eq!(allow.code, 0, "{}", allow.stderr);
    assert!(
        allow.stdout.contains("ours: /bin/sh providers/ours.sh")
            && !allow.stdout.contains("theirs"),
        "{}",
        allow.stdout
    );
}
