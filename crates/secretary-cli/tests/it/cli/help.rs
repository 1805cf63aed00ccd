//! The command line's tests: a command line that helps: --help, completions, man, schema.

use super::*;

/// `secretary ARGS` in an empty directory, with only PATH.
fn bare(args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    run(Command::from_std(support::secretary_in(dir.path())).args(args))
}

const COMMANDS: [&str; 20] = [
    "check",
    "scan",
    "import",
    "rotate",
    "rollback",
    "init",
    "status",
    "get",
    "run",
    "export",
    "example",
    "redact",
    "put",
    "list",
    "generate",
    "lint",
    "schema",
    "completions",
    "man",
    "",
];

#[test]
fn a_weak_audit_key_stops_the_command_before_anything_is_read() {
    // With a key such as `x`, anyone who reads the log finds short values by trying
    // them against the fingerprints (issue 25, item 12).
    let project = Project::example(DEV_ENV);
    for key in ["x", "c2hvcnQ=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let out = run(project.cmd().env("SECRETARY_AUDIT_KEY", key).args([
            "--audit-log",
            "audit.log",
            "check",
        ]));
        assert_eq!(out.code, 2, "{key}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("error: SECRETARY_AUDIT_KEY cannot key the audit log's fingerprints"),
            "{key}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("secretary generate"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{key}: something was checked");
    }
    let key = run(project.cmd().args(["generate"])).stdout;
    let out = run(project.cmd().env("SECRETARY_AUDIT_KEY", key.trim()).args([
        "--audit-log",
        "audit.log",
        "check",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = fs::read_to_string(project.path().join("audit.log")).unwrap();
    assert!(log.contains("\"fingerprint\":\"hmac-sha256:"), "{log}");
}

#[test]
fn a_fingerprint_compares_with_no_other_secrets_value() {
    // A seventy-fourth adversarial pass: a manifest that wrote the audit log to stderr
    // (the CI log) beside 20,000 secrets of its own in a committed `.env` read a
    // production password by which guess had its fingerprint. A fingerprint is bound to
    // its secret: the same value of another has another.
    let project = Project::new(
        "version = 1\n[audit]\nsink = \"stderr\"\n\
         [sources.env]\ntype = \"env\"\n[sources.committed]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.ci]\nsources = [\"env\", \"committed\"]\n\
         [secrets.db]\n[secrets.guess1]\n[secrets.guess2]\n",
    );
    project.file(".env", "GUESS1=hunter2\nGUESS2=s3cr3t-Pa55word\n");
    let key = run(project.cmd().args(["generate"])).stdout;
    let out = run(project
        .cmd()
        .env("SECRETARY_AUDIT_KEY", key.trim())
        .env("DB", "s3cr3t-Pa55word")
        .args(["--env", "ci", "check"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fingerprint = |key: &str| {
        out.stderr
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|line| line["key"] == key)
            .map(|line| line["fingerprint"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let db = fingerprint("db");
    assert!(db.starts_with("hmac-sha256:"), "{}", out.stderr);
    assert_ne!(db, fingerprint("guess2"), "{}", out.stderr);
    assert_ne!(db, fingerprint("guess1"));
    assert!(!out.stderr.contains("s3cr3t-Pa55word"));
}

#[test]
fn rollback_to_version_zero_is_refused_before_anything_is_asked() {
    // KV reads version 0 as "the latest": rolling back to it wrote the current value
    // again and said it rolled back (issue 25, item 6).
    let out = bare(&["rollback", "secret_key", "--to", "0"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("invalid value '0' for '--to <VERSION>'"),
        "{}",
        out.stderr
    );
}

#[test]
fn global_options_given_to_a_command_that_does_not_take_them_are_refused() {
    for args in [
        &["--manifest", "x.toml", "generate"][..],
        &["--env", "production", "lint", "/dev/null"],
        &["--audit-log", "-", "schema"],
        &["--manifest", "x.toml", "init"],
        &["--env", "production", "completions", "bash"],
    ] {
        let out = bare(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("this command reads no manifest"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?} ran: {}", out.stdout);
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[secrets.a]\n",
    )
    .unwrap();
    // Before `list`: refused by name. After it: `list` has no such option (nor does its
    // --help show one).
    for (args, said) in [
        (&["--env", "production", "list"][..], "do not apply"),
        (&["--audit-log", "-", "list"], "do not apply"),
        (
            &["list", "--audit-log", "-"],
            "unexpected argument '--audit-log'",
        ),
        (
            &["list", "--env", "production"],
            "unexpected argument '--env'",
        ),
    ] {
        let out = run(Command::from_std(support::secretary_in(dir.path())).args(args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(said), "{args:?}: {}", out.stderr);
    }
    let out = run(Command::from_std(support::secretary_in(dir.path())).args(["list"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let help = bare(&["list", "--help"]).stdout;
    assert!(help.contains("--manifest <PATH>"), "{help}");
    assert!(
        !help.contains("--env") && !help.contains("--audit-log"),
        "{help}"
    );
}

#[test]
fn every_help_has_examples_and_wraps_within_100_columns() {
    for command in COMMANDS {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let out = bare(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains("\nExamples:\n"),
            "{args:?} has no examples:\n{}",
            out.stdout
        );
        for line in out.stdout.lines() {
            assert!(
                line.chars().count() <= 100,
                "{args:?}: a line of {} columns: {line}",
                line.chars().count()
            );
        }
        let takes_globals = !matches!(
            command,
            "generate" | "lint" | "init" | "schema" | "completions" | "man"
        );
        assert_eq!(
            out.stdout.contains("Global options:"),
            takes_globals,
            "{args:?}: global options shown where they {} apply:\n{}",
            if takes_globals { "do" } else { "do not" },
            out.stdout
        );
    }
    let top = bare(&["--help"]).stdout;
    assert!(
        top.starts_with("Declare an application's secrets once"),
        "{top}"
    );
    assert!(
        top.contains("else its\n") || top.contains("`default_environment` (development)"),
        "--env states its real default: {top}"
    );
    assert!(
        bare(&["run", "--help"])
            .stdout
            .contains("Usage: secretary run [OPTIONS] -- <CMD>...")
    );
    // Options that do not apply are refused, not ignored.
    assert_eq!(bare(&["generate", "--env", "production"]).code, 2);
    assert_eq!(bare(&["lint", "--manifest", "x.toml", "f"]).code, 2);
}

#[test]
fn global_options_after_the_command_win_over_those_before_it() {
    let project = Project::example(DEV_ENV);
    let out = run(project
        .cmd()
        .args(["--env", "production", "status", "--env", "development"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("environment development"),
        "{}",
        out.stdout
    );
}

#[test]
fn completions_are_printed_for_every_shell_and_bash_loads_them() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = bare(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for command in ["check", "run", "export", "completions"] {
            assert!(
                out.stdout.contains(command),
                "{shell} completions lack {command}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("secretary.bash");
    fs::write(&script, bare(&["completions", "bash"]).stdout).unwrap();
    let loaded = std::process::Command::new("bash")
        .args(["-c", "source \"$1\" && complete -p secretary", "bash"])
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("secretary"));
}

#[test]
fn the_manual_page_renders_and_names_every_command() {
    let page = bare(&["man"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(
        page.stdout.contains("\n.TH secretary 1 "),
        "{}",
        page.stdout
    );
    for command in COMMANDS.iter().filter(|c| !c.is_empty()) {
        assert!(
            page.stdout.contains(command),
            "the page does not name {command}"
        );
    }
    // man(1) renders it as a person would read it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secretary.1");
    fs::write(&file, &page.stdout).unwrap();
    let shown = std::process::Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man(1) renders the page");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("Declare an application's secrets once"),
        "{shown}"
    );

    let pages = dir.path().join("pages");
    let out = bare(&["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for command in COMMANDS.iter().filter(|c| !c.is_empty()) {
        assert!(
            pages.join(format!("secretary-{command}.1")).is_file(),
            "no page for {command}"
        );
    }
    assert!(pages.join("secretary.1").is_file());
}

/// Validates each TOML file against `schema` with Python's jsonschema (an implementation
/// independent of ours); gives, per file, the errors found.
fn validate_against_schema(schema: &str, files: &[&Path]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let schema_path = dir.path().join("schema.json");
    fs::write(&schema_path, schema).unwrap();
    let check = r#"
import json, sys, tomllib
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)
for path in sys.argv[2:]:
    errors = sorted(e.message for e in validator.iter_errors(tomllib.load(open(path, "rb"))))
    print(json.dumps(errors))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", check])
        .arg(&schema_path)
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python3 with jsonschema (./scripts/test installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_schema_accepts_the_example_manifests_and_refuses_broken_ones() {
    let out = bare(&["schema"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let example = Path::new(EXAMPLE_DIR).join("secrets.toml");
    let project = Project::new("version = 1\n");
    project.file(
        "minimal.toml",
        "version = 1\n[sources.vault]\ntype = \"vault\"\nauth = \"approle\"\n[secrets.port]\ntype = \"port\"\nsensitive = false\ndefault = \"8000\"\n",
    );
    project.file(
        "aws.toml",
        "version = 1\n[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"{environment}/app\"\nfield = \"{key}\"\nversion_stage = \"AWSPREVIOUS\"\nregion = \"eu-west-1\"\nmax_concurrency = 4\n[sources.params]\ntype = \"aws_parameter_store\"\nname = \"/{environment}/{key}\"\n[secrets.a]\n",
    );
    project.file(
        "aws_foreign_field.toml",
        "version = 1\n[sources.params]\ntype = \"aws_parameter_store\"\nversion_stage = \"AWSPREVIOUS\"\n",
    );
    project.file(
        "unknown_field.toml",
        "version = 1\n[secrets.a]\nrequird = true\n",
    );
    project.file(
        "foreign_field.toml",
        "version = 1\n[sources.d]\ntype = \"dotenv\"\nfiles = [\".env\"]\ndir = \"/x\"\n",
    );
    project.file(
        "bad_type.toml",
        "version = 1\n[secrets.a]\ntype = \"float\"\n",
    );
    project.file(
        "sensitive_default.toml",
        "version = 1\n[secrets.a]\ndefault = \"x\"\n",
    );
    let at = |name: &str| project.path().join(name);
    let files = [
        example.clone(),
        at("minimal.toml"),
        at("aws.toml"),
        at("aws_foreign_field.toml"),
        at("unknown_field.toml"),
        at("foreign_field.toml"),
        at("bad_type.toml"),
        at("sensitive_default.toml"),
    ];
    let results = validate_against_schema(
        &out.stdout,
        &files.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
    );
    assert_eq!(
        results[0], "[]",
        "the reference manifest is valid: {}",
        results[0]
    );
    assert_eq!(results[1], "[]", "{}", results[1]);
    assert_eq!(results[2], "[]", "{}", results[2]);
    let checked = run(project
        .cmd()
        .arg("--manifest")
        .arg(at("aws.toml"))
        .arg("check"));
    assert_ne!(
        checked.code, 2,
        "the AWS manifest is valid: {}",
        checked.stderr
    );
    for (file, result) in files.iter().zip(&results).skip(3) {
        assert_ne!(result, "[]", "{} passed the schema", file.display());
        // And secretary itself refuses every one of them too.
        let checked = run(project.cmd().arg("--manifest").arg(file).arg("check"));
        assert_eq!(checked.code, 2, "{}: {}", file.display(), checked.stderr);
    }
}

#[test]
fn every_json_document_has_a_schema_version() {
    let project = Project::example(DEV_ENV);
    for args in [
        ["check", "--format", "json"],
        ["status", "--format", "json"],
        ["list", "--format", "json"],
    ] {
        let out = run(project.cmd().args(args));
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(json["schema_version"], 1, "{args:?}");
    }
    let out = run(project
        .cmd()
        .args(["--audit-log", "audit.log", "get", "secret_key"]));
    assert_eq!(out.code, 0);
    for line in audit_lines(&project.path().join("audit.log")) {
        assert_eq!(line["schema_version"], 1, "{line}");
    }
}
