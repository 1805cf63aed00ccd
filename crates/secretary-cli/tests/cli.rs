//! The `secretary` command as a user meets it: real processes in temporary directories,
//! with an environment cleared of the host's variables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

const EXAMPLE_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/faceless-youtube"
);

/// A temporary application directory.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(manifest: &str) -> Self {
        let project = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        project.file("secrets.toml", manifest);
        project
    }

    /// A copy of the reference application's manifest, with `dotenv` as given.
    fn example(dotenv: &str) -> Self {
        let project =
            Self::new(&fs::read_to_string(Path::new(EXAMPLE_DIR).join("secrets.toml")).unwrap());
        project.file(".env", dotenv);
        project
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file readable by its owner only.
    fn file(&self, name: &str, text: &str) -> &Self {
        let path = self.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        self
    }

    /// `secretary` run in the project, with only `PATH` from the host.
    fn cmd(&self) -> Command {
        Command::from_std(support::secretary_in(self.path()))
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Outcome {
    let output = cmd.output().unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const DEV_ENV: &str = "\
ENVIRONMENT=development
DATABASE_URL=postgresql://app:dev-password@localhost:5432/app
POSTGRES_USER=app
POSTGRES_PASSWORD=dev-password
SECRET_KEY=dev-signing-key-0123456789abcdefghij
";

// ---- the README's main command ---------------------------------------------------------

#[test]
fn the_shipped_example_checks_clean_in_development() {
    let mut cmd = Command::new(support::secretary());
    cmd.env_clear().args([
        "--manifest",
        &format!("{EXAMPLE_DIR}/secrets.toml"),
        "check",
    ]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("ok: 14 secrets valid in environment `development`"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_shipped_example_fails_closed_in_production_without_vault() {
    let mut cmd = Command::new(support::secretary());
    cmd.env_clear()
        .env("ENVIRONMENT", "production")
        .env("DATABASE_URL", "postgresql://db/app")
        .args([
            "--manifest",
            &format!("{EXAMPLE_DIR}/secrets.toml"),
            "check",
        ]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("[source_error] source `vault` failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("14 problems in environment `production`"),
        "{}",
        out.stdout
    );
}

// ---- check -------------------------------------------------------------------------------

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

// ---- status, list, get ---------------------------------------------------------------------

#[test]
fn status_shows_sources_and_only_non_sensitive_values() {
    let project = Project::example(&format!("{DEV_ENV}LOG_LEVEL=WARNING\n"));
    let out = run(project.cmd().env("DEBUG", "true").arg("status"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("status", out.stdout);
}

#[test]
fn status_json_marks_problems_and_hides_sensitive_values() {
    let project = Project::example("ENVIRONMENT=development\nPOSTGRES_USER=app\n");
    let out = run(project.cmd().args(["status", "--format", "json"]));
    assert_eq!(out.code, 1, "status exits 1 when there are problems");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = json["secrets"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    assert_eq!(row("postgres_user")["state"], "ok");
    assert_eq!(row("postgres_user")["locator"], "dotenv:.env:2");
    assert!(
        row("postgres_user").get("value").is_none(),
        "sensitive values are never shown"
    );
    assert_eq!(row("database_url")["state"], "missing");
    assert_eq!(row("database_url")["present"], false);
    assert_eq!(row("youtube_api_key")["state"], "unset");
    assert_eq!(row("log_level")["value"], "INFO");
    assert_eq!(row("log_level")["source"], "default");
    assert_eq!(row("environment")["value"], "development");
}

#[test]
fn list_reads_the_manifest_only() {
    // No .env, no variables: list still works, and says nothing about values.
    let project = Project::example("");
    fs::remove_file(project.path().join(".env")).unwrap();
    let out = run(project.cmd().arg("list"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("list", out.stdout);
    let out = run(project.cmd().args(["list", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["secrets"].as_array().unwrap().len(), 14);
    assert_eq!(json["secrets"][0]["key"], "database_url");
    assert_eq!(
        json["secrets"][0]["constraints"]["schemes"][0],
        "postgresql"
    );
    assert_eq!(json["environments"][2]["name"], "production");
    assert_eq!(
        json["environments"][2]["sources"],
        serde_json::json!(["vault", "mounted", "env"])
    );
    assert_eq!(
        json["sources"][3],
        serde_json::json!({"name": "vault", "type": "vault"})
    );
}

#[test]
fn get_prints_exactly_the_value() {
    let project = Project::example(&format!(
        "{DEV_ENV}REDIS_PASSWORD=\"multi\\nline $ value\"\n"
    ));
    let out = run(project.cmd().args(["get", "redis_password"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout, "multi\nline $ value",
        "no newline added when stdout is not a terminal"
    );
    assert_eq!(out.stderr, "");
    let out = run(project
        .cmd()
        .env("SQLALCHEMY_DATABASE_URI", "postgresql://alias/db")
        .args(["get", "database_url"]));
    assert_eq!(
        out.stdout, "postgresql://alias/db",
        "the environment comes before .env"
    );
}

#[test]
fn get_fails_for_missing_invalid_and_unknown_secrets() {
    let project = Project::example("DATABASE_URL=not a url\n");
    let out = run(project.cmd().args(["get", "database_url"]));
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("[invalid] database_url"),
        "{}",
        out.stderr
    );

    let out = run(project.cmd().args(["get", "postgres_user"]));
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(
        out.stderr
            .contains("[missing] postgres_user: required but not set"),
        "{}",
        out.stderr
    );

    let out = run(project.cmd().args(["get", "youtube_api_key"]));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("`youtube_api_key` is not set in environment `development` (it is optional)")
    );

    let out = run(project.cmd().args(["get", "databse_url"]));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: secret `databse_url` is not declared in secrets.toml\n  help: did you mean `database_url`? `secretary list` shows every key\n"
    );
}

// ---- manifests, environments, usage: exit 2 ---------------------------------------------------

#[test]
fn a_bad_manifest_is_exit_2_with_every_finding_located() {
    let project = Project::new(
        "version = 1\n[environments.production]\nsources = [\"vualt\"]\n[secrets.DbUrl]\n[secrets.a]\nenv = [\"X\"]\n[secrets.b]\nenv = [\"X\"]\n",
    );
    let out = run(project.cmd().arg("check"));
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!("bad_manifest", out.stderr);
}

#[test]
fn an_unknown_environment_is_exit_2_naming_the_defined_ones() {
    let project = Project::example(DEV_ENV);
    let out = run(project.cmd().env("ENVIRONMENT", "prod").arg("check"));
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: environment `prod` (chosen by the variable ENVIRONMENT) is not defined in secrets.toml\n  help: use one of: development, staging, production (or add [environments.NAME] to the manifest)\n"
    );
}

#[test]
fn no_manifest_is_exit_2_with_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(support::secretary());
    let out = run(cmd.current_dir(dir.path()).env_clear().arg("list"));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: no secrets.toml found in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("help: pass --manifest PATH, set SECRETARY_MANIFEST"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_are_exit_2() {
    let project = Project::example(DEV_ENV);
    assert_eq!(run(project.cmd().arg("frobnicate")).code, 2);
    assert_eq!(
        run(project.cmd().args(["check", "--format", "yaml"])).code,
        2
    );
    assert_eq!(run(project.cmd().arg("get")).code, 2);
}

#[test]
fn the_manifest_is_found_by_flag_variable_or_walking_up() {
    let project = Project::example(DEV_ENV);
    fs::create_dir_all(project.path().join("src/api")).unwrap();
    let out = run(project
        .cmd()
        .current_dir(project.path().join("src/api"))
        .arg("check"));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let elsewhere = tempfile::tempdir().unwrap();
    let manifest: PathBuf = project.path().join("secrets.toml");
    let out = run(project
        .cmd()
        .current_dir(elsewhere.path())
        .env("SECRETARY_MANIFEST", &manifest)
        .arg("check"));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = run(project
        .cmd()
        .current_dir(elsewhere.path())
        .arg("--manifest")
        .arg(&manifest)
        .arg("check"));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn every_path_is_shown_from_the_users_working_directory() {
    let project = Project::example("");
    project.file(
        "app/secrets.toml",
        &fs::read_to_string(project.path().join("secrets.toml")).unwrap(),
    );
    project.file("app/.env", "ENVIRONMENT=development\nPOSTGRES_USER=app\n");
    let out = run(project.cmd().args([
        "--manifest",
        "app/secrets.toml",
        "status",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["manifest"], "app/secrets.toml");
    let rows = json["secrets"].as_array().unwrap();
    assert_eq!(
        rows.iter().find(|r| r["key"] == "postgres_user").unwrap()["locator"],
        "dotenv:app/.env:2"
    );
    let out = run(project
        .cmd()
        .args(["--manifest", "app/secrets.toml", "check"]));
    assert!(
        out.stdout.contains("fix:         set DATABASE_URL in the environment, or add `DATABASE_URL=...` to app/.env"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("dotenv:app/.env.local (no such file)"),
        "{}",
        out.stdout
    );
}

// ---- the canary sweep -------------------------------------------------------------------------

/// Standard base64, to look for encoded leaks too.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A unique canary per sensitive secret, each valid for its type.
fn canaries() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "database_url",
            "DATABASE_URL",
            "postgresql://app:CANARYa1db@db/app".into(),
        ),
        ("postgres_user", "POSTGRES_USER", "CANARYb2user".into()),
        (
            "postgres_password",
            "POSTGRES_PASSWORD",
            "CANARYc3password".into(),
        ),
        (
            "youtube_api_key",
            "YOUTUBE_API_KEY",
            "CANARYd4youtube".into(),
        ),
        (
            "anthropic_api_key",
            "ANTHROPIC_API_KEY",
            "CANARYe5anthropic".into(),
        ),
        (
            "google_client_id",
            "GOOGLE_CLIENT_ID",
            "CANARYf6clientid".into(),
        ),
        (
            "google_client_secret",
            "GOOGLE_CLIENT_SECRET",
            "CANARYg7clientsecret".into(),
        ),
        (
            "secret_key",
            "SECRET_KEY",
            "CANARYh8secretkey-0123456789abcdefghij".into(),
        ),
        (
            "encryption_key",
            "ENCRYPTION_KEY",
            "CANARYi9encryption-0123456789abcdefgh".into(),
        ),
        ("redis_password", "REDIS_PASSWORD", "CANARYj0redis".into()),
        (
            "mongodb_uri",
            "MONGODB_URI",
            "mongodb://u:CANARYk1mongo@db/app".into(),
        ),
    ]
}

/// The part of a canary that must never appear.
fn marker(value: &str) -> &str {
    let start = value.find("CANARY").unwrap();
    let end = value[start..]
        .find(['@', '-'])
        .map_or(value.len(), |e| start + e);
    &value[start..end]
}

fn assert_clean(what: &str, text: &str, allowed: Option<&str>) {
    for (key, _, value) in canaries() {
        if Some(key) == allowed {
            continue;
        }
        let needle = marker(&value);
        assert!(
            !text.contains(needle),
            "{what}: the value of {key} leaked:\n{text}"
        );
        assert!(
            !text.contains(&base64(value.as_bytes())),
            "{what}: base64 of {key} leaked:\n{text}"
        );
    }
}

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

/// Every line of an audit log, parsed; each must be one JSON object.
fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
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
    // The fingerprint is the HMAC-SHA256 of the value under the operator's key: check it
    // with Python's hmac, independently of ours.
    let url = &canaries()[0].2;
    let expected = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; print(hmac.new(b'b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ', sys.argv[1].encode(), hashlib.sha256).hexdigest())",
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

// ---- hardening: special files, limits, values files, the audit sink ----------------------

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
fn an_expansion_bomb_under_a_memory_limit_is_an_error_naming_the_line() {
    // 629 bytes that once grew to a gigabyte and aborted: each line ten of the one before.
    use std::fmt::Write as _;
    let mut bomb = String::from(DEV_ENV);
    bomb.push_str("L0=xxxxxxxxxx\n");
    for line in 1..10 {
        let previous = format!("${{L{}}}", line - 1);
        let _ = write!(bomb, "L{line}=");
        bomb.push_str(&previous.repeat(10));
        bomb.push('\n');
    }
    let project = Project::example(&bomb);
    let out = run(Command::new("sh")
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["-c", "ulimit -v 1000000; exec \"$0\" check"])
        .arg(support::secretary()));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("line 12: expanding `${...}` makes the value larger than 1 MiB"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("until they are too large; write them out"),
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
                .contains("help: nothing is read or run while the audit log cannot be written"),
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
    let mut child = std::process::Command::new("script")
        .args(["-qfc", &command])
        .arg(&transcript)
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("`script` (util-linux) runs the command on a terminal");
    let mut stdin = child.stdin.take().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !fs::read_to_string(&transcript)
        .unwrap_or_default()
        .contains("(not shown):")
    {
        assert!(std::time::Instant::now() < deadline, "no prompt");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
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

#[test]
fn a_hundred_thousand_secrets_take_seconds_not_minutes() {
    // Each command is linear in the number of secrets: 100,000 of them once took 118 s to
    // `status`, 100 s to set up `redact` and 33 s to start `run --watch`. The bound is generous (a debug build on a
    // busy machine); it catches a quadratic step, not a slow one.
    use std::fmt::Write as _;
    const COUNT: usize = 100_000;
    let mut manifest = String::from(
        "version = 1\n[sources.env]\ntype = \"env\"\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n",
    );
    let mut dotenv = String::new();
    for i in 0..COUNT {
        let _ = writeln!(manifest, "[secrets.key_{i:06}]\nrequired = true");
        let _ = writeln!(dotenv, "KEY_{i:06}=value-{i:06}-abcdefghijklmnopqrstuvwxyz");
    }
    let project = Project::new(&manifest);
    project.file(".env", &dotenv);
    project.file(
        "src/app.log",
        "a line with value-000042-abcdefghijklmnopqrstuvwxyz in it\n",
    );
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
        let start = std::time::Instant::now();
        // A stack of 64 MiB: the program may then be given 16 MiB of variables, and
        // 100,000 secrets take 6 MB.
        let out = run(Command::new("sh")
            .current_dir(project.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["-c", "ulimit -s 65536 && exec \"$0\" \"$@\""])
            .arg(support::secretary())
            .args(&args)
            .write_stdin("a line with value-000042-abcdefghijklmnopqrstuvwxyz in it\n")
            .timeout(std::time::Duration::from_secs(120)));
        // `scan` exits 1 when it finds a value, as it does here.
        let expected = i32::from(args[0] == "scan");
        assert_eq!(out.code, expected, "{args:?}: {}", out.stderr);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "{args:?} took {:?}",
            start.elapsed()
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

#[test]
fn init_reads_a_hundred_thousand_variables_in_seconds_not_minutes() {
    // Each description split the whole file again, and each key was looked for in a list
    // of all the keys before it: 8,000 variables took a second, 200,000 did not finish
    // in ten minutes (issue 25, item 10). The bound catches a quadratic step, not a slow
    // one: a debug build takes 35 to 50 s here, the quadratic one took minutes.
    use std::fmt::Write as _;
    const COUNT: usize = 100_000;
    let mut dotenv = String::new();
    for i in 0..COUNT {
        let _ = writeln!(
            dotenv,
            "# Setting number {i}\nSETTING_{i:06}=value-{i:06}-abcdefghijklmnop"
        );
    }
    let project = Project::new("");
    project.file(".env", &dotenv);
    let start = std::time::Instant::now();
    let out = run(Command::from_std(support::secretary_in(project.path()))
        .args(["init", "--output", "-"])
        .timeout(std::time::Duration::from_secs(150)));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(110),
        "init took {:?}",
        start.elapsed()
    );
    assert_eq!(out.stdout.matches("\n[secrets.").count(), COUNT);
    assert!(
        out.stdout
            .contains("description = \"Setting number 99999\"")
    );
    assert!(
        !out.stdout.contains("value-000042"),
        "a value in the manifest"
    );
}

// ---- a command line that helps: --help, completions, man, schema ------------------------

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
    for (file, result) in files.iter().zip(&results).skip(2) {
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

// ---- a manifest from a pull request: what it must not be able to do ----------------------

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

// ---- scan ------------------------------------------------------------------------------------

const SCAN_MANIFEST: &str = "\
version = 1
[sources.env]
type = \"env\"
[secrets.api_token]
[secrets.db_password]
[secrets.pin]
[secrets.optional_key]
[secrets.log_level]
sensitive = false
";

/// What `scan_project` puts in the environment.
const API_TOKEN: &str = "tok_9f8e7d6c5b4a";
/// Its base64 holds `+` or `/` at every alignment, so that both alphabets differ.
const DB_PASSWORD: &str = "??p@ss/w0rd+x=y z~~";

/// A project whose secrets come from the environment; `cmd` sets their values.
struct ScanProject(Project);

impl ScanProject {
    fn new() -> Self {
        Self(Project::new(SCAN_MANIFEST))
    }

    fn cmd(&self) -> Command {
        let mut cmd = self.0.cmd();
        cmd.env("API_TOKEN", API_TOKEN)
            .env("DB_PASSWORD", DB_PASSWORD)
            .env("PIN", "1234")
            .env("LOG_LEVEL", "INFO-LEVEL-OK");
        cmd
    }

    fn scan(&self, args: &[&str]) -> Outcome {
        run(self.cmd().arg("scan").args(args))
    }
}

/// Base64 without padding (the canary sweep's encoder), standard or URL-safe.
fn b64(bytes: &[u8], url_safe: bool) -> String {
    let standard = base64(bytes);
    if url_safe {
        standard.replace('+', "-").replace('/', "_")
    } else {
        standard
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        write!(out, "{b:02x}").unwrap();
        out
    })
}

#[test]
fn scan_finds_each_form_where_git_would_look_and_names_no_value() {
    use std::fmt::Write as _;
    let project = ScanProject::new();
    let p = &project.0;
    p.file(".gitignore", "ignored/\n*.log\n");
    p.file(
        "src/config.py",
        &format!("# settings\n\nTOKEN = \"{API_TOKEN}\"\n"),
    );
    p.file("ignored/leak.txt", &format!("{API_TOKEN}\n"));
    p.file("debug.log", &format!("{API_TOKEN}\n"));
    p.file(".hidden/notes.txt", &format!("x\n{API_TOKEN}\n"));
    p.file(".git/config", &format!("url = https://{API_TOKEN}@host\n"));
    // Base64 of the value at each alignment, in both alphabets, inside longer text
    // (HTTP basic auth: `user:password`).
    let mut encoded = String::new();
    for prefix in ["", "u", "us", "use"] {
        let mut bytes = format!("{prefix}:").into_bytes();
        bytes.extend_from_slice(DB_PASSWORD.as_bytes());
        bytes.extend_from_slice(b"!tail");
        writeln!(encoded, "Authorization: Basic {}", b64(&bytes, false)).unwrap();
        writeln!(encoded, "{}", b64(&bytes, true)).unwrap();
    }
    // Line 9: percent-encoded in a URL; 10: as a form writes it; 11, 12: hex.
    encoded.push_str("postgresql://app:%3F%3Fp%40ss%2Fw0rd%2Bx%3Dy%20z~~@db/app\n");
    encoded.push_str("password=%3F%3Fp%40ss%2Fw0rd%2Bx%3Dy+z~~&next=1\n");
    writeln!(encoded, "{}", hex(API_TOKEN.as_bytes())).unwrap();
    writeln!(encoded, "{}", hex(API_TOKEN.as_bytes()).to_uppercase()).unwrap();
    writeln!(encoded, "{{\"password\": \"{DB_PASSWORD}\"}}").unwrap();
    p.file("encoded.txt", &encoded);
    // A value broken across lines is not found (said in the README).
    let (head, tail) = API_TOKEN.split_at(8);
    p.file("split.txt", &format!("{head}\\\n{tail}\n"));
    let mut binary = b"\x89PNG\x00\x00".to_vec();
    binary.extend_from_slice(API_TOKEN.as_bytes());
    fs::write(p.path().join("image.png"), binary).unwrap();
    // The non-sensitive value, and a short one, are not searched.
    p.file("settings.txt", "level = INFO-LEVEL-OK\npin = 1234\n");

    let out = project.scan(&["."]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found: Vec<&str> = out.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        found,
        [
            ".hidden/notes.txt:2: the value of `api_token` (exact)",
            "encoded.txt:1: the value of `db_password` (base64)",
            "encoded.txt:2: the value of `db_password` (base64url)",
            "encoded.txt:3: the value of `db_password` (base64)",
            "encoded.txt:4: the value of `db_password` (base64url)",
            "encoded.txt:5: the value of `db_password` (base64)",
            "encoded.txt:6: the value of `db_password` (base64url)",
            "encoded.txt:7: the value of `db_password` (base64)",
            "encoded.txt:8: the value of `db_password` (base64url)",
            "encoded.txt:9: the value of `db_password` (url)",
            "encoded.txt:10: the value of `db_password` (url)",
            "encoded.txt:11: the value of `api_token` (hex)",
            "encoded.txt:12: the value of `api_token` (hex)",
            "encoded.txt:13: the value of `db_password` (exact)",
            "src/config.py:3: the value of `api_token` (exact)",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "15 places in 3 files hold the current value of api_token, db_password (environment `development`); 1 binary file not searched."
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "warning: not searched, shorter than 8 bytes (a value that short turns up by chance; --min-length lowers the bound): pin\n"
    );
    for said in [&out.stdout, &out.stderr] {
        for value in [API_TOKEN, DB_PASSWORD, "p%40ss", &hex(API_TOKEN.as_bytes())] {
            assert!(!said.contains(value), "{said}");
        }
    }

    // Without the ignore files, the ignored files too; .git never.
    let all = project.scan(&["--no-ignore", "."]);
    assert!(all.stdout.contains("ignored/leak.txt:1:"), "{}", all.stdout);
    assert!(all.stdout.contains("debug.log:1:"), "{}", all.stdout);
    assert!(!all.stdout.contains(".git/"), "{}", all.stdout);
    // A file named is searched even when ignored.
    let named = project.scan(&["debug.log"]);
    assert_eq!(named.code, 1);
    assert!(
        named
            .stdout
            .starts_with("debug.log:1: the value of `api_token` (exact)\n")
    );
}

#[test]
fn scan_exits_0_when_clean_and_2_on_a_bad_path_or_manifest() {
    let project = ScanProject::new();
    project.0.file("src/app.py", "print('hello')\n");
    let clean = project.scan(&["src"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert_eq!(
        clean.stdout,
        "ok: no value of 2 sensitive secrets in environment `development` found in 1 file (15 bytes)\n"
    );

    let missing = project.scan(&["src", "nope"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stdout, "");
    assert_eq!(missing.stderr, "error: cannot search nope: not found\n");

    let usage = project.scan(&[]);
    assert_eq!(usage.code, 2);
    let short = project.scan(&["--min-length", "2", "src"]);
    assert_eq!(short.code, 2);
    assert!(short.stderr.contains("--min-length"), "{}", short.stderr);

    let broken = Project::new("version = 1\n[secrets.A]\n");
    let out = run(broken.cmd().args(["scan", "."]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("secrets.toml:2:"), "{}", out.stderr);
}

#[test]
fn scan_with_a_value_it_cannot_know_is_not_clean() {
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[secrets.api_token]\nrequired = true\n[secrets.other]\n",
    );
    project.file("a.txt", "nothing here\n");
    let out = run(project
        .cmd()
        .env("OTHER", "other-value-123")
        .args(["scan", "."]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("[missing] api_token: required but not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("secretary scan: the values of secrets with problems are not known"),
        "{}",
        out.stderr
    );
    let json = run(project
        .cmd()
        .env("OTHER", "other-value-123")
        .args(["scan", ".", "--format", "json"]));
    assert_eq!(json.code, 1);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(
        json["not_searched"],
        serde_json::json!([{ "key": "api_token", "reason": "unknown", "state": "missing" }])
    );
}

#[cfg(unix)]
#[test]
fn scan_follows_links_only_when_asked_and_reports_what_it_cannot_read() {
    let project = ScanProject::new();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), format!("{API_TOKEN}\n")).unwrap();
    fs::create_dir(project.0.path().join("tree")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        project.0.path().join("tree/link.txt"),
    )
    .unwrap();
    let out = project.scan(&["tree"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .ends_with("; 1 symbolic link not followed (--follow follows them)\n"),
        "{}",
        out.stdout
    );
    let followed = project.scan(&["--follow", "tree"]);
    assert_eq!(followed.code, 1);
    assert!(
        followed
            .stdout
            .starts_with("tree/link.txt:1: the value of `api_token` (exact)\n"),
        "{}",
        followed.stdout
    );
    // A link named on the command line is followed: it was named.
    std::os::unix::fs::symlink(outside.path(), project.0.path().join("outside")).unwrap();
    let named = project.scan(&["outside"]);
    assert_eq!(named.code, 1, "{}{}", named.stdout, named.stderr);
    assert!(
        named.stdout.starts_with("outside/secret.txt:1:"),
        "{}",
        named.stdout
    );

    // A FIFO named is not read (it would block): exit 2, after the rest is searched.
    let fifo = project.0.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = project.scan(&["pipe", "--follow", "tree"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("tree/link.txt:1:"), "{}", out.stdout);
    assert!(
        out.stderr
            .ends_with("\nerror: cannot read pipe: not a regular file (it is a FIFO)\n"),
        "{}",
        out.stderr
    );
    // With nothing found, it does not say "ok" either.
    let out = project.scan(&["pipe"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("not every path could be searched; in those searched, no value"),
        "{}",
        out.stdout
    );
}

/// Issue 25, item 11: a loop under `--follow` was an error with an empty path, and exit 2,
/// though every file was read. A loop leads back to a directory being searched: it is
/// named in a warning, and the verdict is the scan's own.
#[cfg(unix)]
#[test]
fn scan_follow_names_a_link_loop_and_still_reads_every_file() {
    let project = ScanProject::new();
    project
        .0
        .file("tree/sub/leak.txt", &format!("{API_TOKEN}\n"));
    project.0.file("tree/clean.txt", "nothing\n");
    std::os::unix::fs::symlink("..", project.0.path().join("tree/sub/up")).unwrap();
    let scan = |args: &[&str]| {
        run(project
            .cmd()
            .arg("scan")
            .args(args)
            .timeout(std::time::Duration::from_secs(60)))
    };
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("tree/sub/leak.txt:1: the value of `api_token` (exact)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.ends_with(
            "\nwarning: not followed: tree/sub/up is a symbolic link back to tree, which is searched already\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    // Nothing found: clean, and said so.
    fs::remove_file(project.0.path().join("tree/sub/leak.txt")).unwrap();
    let out = scan(&["--follow", "tree"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("ok: no value of 2 sensitive secrets"),
        "{}",
        out.stdout
    );
    let json = scan(&["--follow", "tree", "--format", "json"]);
    assert_eq!(json.code, 0, "{}{}", json.stdout, json.stderr);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(
        json["warnings"],
        serde_json::json!([
            "not followed: tree/sub/up is a symbolic link back to tree, which is searched already"
        ])
    );
}

/// Issue 25, item 16: a value as guessable as a word (the reference application's
/// `POSTGRES_USER=faceless`) was found inside `faceless-youtube`, a wall of false alarms
/// on the application itself. Such a value counts only as a word of its own; a value
/// that cannot turn up by chance is still found anywhere.
#[test]
fn scan_finds_a_guessable_value_only_as_a_whole_word() {
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[secrets.postgres_user]\n[secrets.api_token]\n",
    );
    project.file(
        "pyproject.toml",
        "[project]\nname = \"faceless-youtube\"\n# faceless_dev, facelessness, xfaceless, faceless2\n",
    );
    project.file(
        "config.yaml",
        &format!("db:\n  user: faceless\n  url: postgresql://faceless:pw@db/app\ntoken: tok-{API_TOKEN}9\n"),
    );
    let out = run(project
        .cmd()
        .env("POSTGRES_USER", "faceless")
        .env("API_TOKEN", API_TOKEN)
        .args(["scan", "."]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let found: Vec<&str> = out.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        found,
        [
            "config.yaml:2: the value of `postgres_user` (exact)",
            "config.yaml:3: the value of `postgres_user` (exact)",
            "config.yaml:4: the value of `api_token` (exact)",
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains(
            "note: matched only as a whole word (a value this guessable is part of ordinary words): postgres_user\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("faceless"), "{}", out.stderr);
}

#[test]
fn scan_json_has_the_documented_schema() {
    let project = ScanProject::new();
    project.0.file("a/leak.txt", &format!("one\n{API_TOKEN}\n"));
    fs::write(project.0.path().join("a/blob.bin"), b"\x00\x01").unwrap();
    let out = project.scan(&["a", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "schema_version": 1,
            "manifest": "secrets.toml",
            "environment": "development",
            "ok": false,
            "found": [{ "path": "a/leak.txt", "line": 2, "key": "api_token", "form": "exact" }],
            "searched": { "files": 1, "bytes": 21, "secrets": ["api_token", "db_password"] },
            "not_searched": [
                { "key": "pin", "reason": "too_short" },
                { "key": "optional_key", "reason": "unset" },
                { "key": "log_level", "reason": "not_sensitive" }
            ],
            "binary": ["a/blob.bin"],
            "links_not_followed": 0,
            "errors": [],
            "warnings": []
        })
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn scan_output_holds_no_canary_in_any_form() {
    use std::fmt::Write as _;
    let project = Project::example("ENVIRONMENT=development\n");
    let mut leaks = String::new();
    for (_, _, value) in canaries() {
        let bytes = value.as_bytes();
        writeln!(
            leaks,
            "{value}\n{}\n{}\n{}",
            b64(bytes, false),
            hex(bytes),
            value
                .replace(':', "%3A")
                .replace('/', "%2F")
                .replace('@', "%40")
        )
        .unwrap();
    }
    project.file("leaks/all.txt", &leaks);
    for format in ["text", "json"] {
        let mut cmd = project.cmd();
        for (_, name, value) in canaries() {
            cmd.env(name, value);
        }
        let out = run(cmd.args(["scan", "leaks", "--format", format]));
        assert_eq!(out.code, 1, "{format}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("mongodb_uri"), "{}", out.stdout);
        assert_clean(&format!("scan {format}"), &out.stdout, None);
        assert_clean(&format!("scan {format}"), &out.stderr, None);
    }
}

// ---- init ------------------------------------------------------------------------------------

/// `secretary init ARGS` in `dir`, with a clean environment.
fn init(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::from_std(support::secretary_in(dir))
        .arg("init")
        .args(args))
}

/// `secretary ARGS` in `dir`, with a clean environment.
fn secretary(dir: &Path, args: &[&str]) -> Outcome {
    run(Command::from_std(support::secretary_in(dir)).args(args))
}

#[test]
fn init_from_the_reference_template_passes_check_on_it() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    project.file(
        ".env.example",
        &fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env.example")).unwrap(),
    );
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "wrote secrets.toml: 14 secrets from .env.example (11 sensitive, 4 required); no value but the defaults of the others\n\
         next: read it through (types, sensitive, required, defaults, aliases), then `secretary check`\n"
    );
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    // The application is named after its directory, a temporary one here.
    insta::with_settings!({ filters => vec![(r#"name = "tmp[A-Za-z0-9_]+""#, r#"name = "[directory]""#)] }, {
        insta::assert_snapshot!("init_reference_template", manifest);
    });
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert_eq!(
        check.stdout,
        "ok: 14 secrets valid in environment `development` (secrets.toml): 6 set, 8 optional not set\n"
    );
    // Production asks Vault first, and refuses the template's placeholders.
    let production = secretary(project.path(), &["list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&production.stdout).unwrap();
    let production = json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "production")
        .unwrap();
    assert_eq!(production["sources"], serde_json::json!(["vault", "env"]));
    assert_eq!(production["forbid_placeholders"], true);

    // Refused a second time: the manifest is kept as it was.
    let again = init(project.path(), &[]);
    assert_eq!(again.code, 2);
    assert_eq!(
        again.stderr,
        "error: secrets.toml exists already; init never writes over it\n  help: move it away first, or write the new one elsewhere (--output FILE) and compare\n"
    );
    assert_eq!(
        fs::read_to_string(project.path().join("secrets.toml")).unwrap(),
        manifest
    );
}

#[test]
fn init_from_the_reference_dotenv_types_its_values_and_writes_none() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let dotenv = fs::read_to_string(Path::new(EXAMPLE_DIR).join(".env")).unwrap();
    project.file(".env", &dotenv);
    let out = init(project.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    for value in [
        "dev-only-password",
        "dev-only-signing-key",
        "dev-only-redis",
        "faceless_dev",
    ] {
        assert!(!manifest.contains(value), "{value} in\n{manifest}");
    }
    assert!(
        manifest.contains(
            "[secrets.database_url]\n# from .env:7\nrequired = true\ntype = \"url\"\nschemes = [\"postgresql\", \"postgres\"]\n"
        ),
        "{manifest}"
    );
    // A `.env` holds one machine's settings, not defaults: DEBUG=true there is no default.
    assert!(
        manifest.contains("[secrets.debug]\n# from .env:4\nrequired = true\nsensitive = false\ntype = \"bool\"\n\n"),
        "{manifest}"
    );
    let check = secretary(project.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

#[test]
fn init_reads_tricky_files_and_the_result_checks() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    project.file(
        "config/app.env.example",
        "# Greeting shown on the home page\n\
         GREETING_NAME=\"say \\\"hi\\\"\nthen 'bye' \\\\ done\"\n\
         export APP_PORT=8080\n\
         EMPTY=\n\
         LOG_LEVEL=info\n\
         LOG_LEVEL=warning\n\
         DbUrl='postgresql://db/app'\n\
         db_url=redis://cache:6379/0\n\
         _2FA_ISSUER=Example\n\
         APP.NAME=x\n\
         VAULT_ADDR=http://127.0.0.1:8200\n\
         # API_KEY=CANARYcommented\n\
         API_KEY=CANARYapikey123\n\
         FEATURE_FLAGS=a,b\n",
    );
    let out = init(
        project.path(),
        &[
            "--from",
            "config/app.env.example",
            "--output",
            "deploy/secrets.toml",
        ],
    );
    // The output's directory does not exist: said, nothing written.
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("cannot write deploy/secrets.toml"),
        "{}",
        out.stderr
    );
    fs::create_dir(project.path().join("deploy")).unwrap();
    let out = init(
        project.path(),
        &[
            "--from",
            "config/app.env.example",
            "--output",
            "deploy/secrets.toml",
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stderr,
        "warning: config/app.env.example:11: `APP.NAME` not declared: not a valid environment variable name (letters, digits and `_`), so no secret can read it\n\
         warning: config/app.env.example:12: `VAULT_ADDR` not declared: secretary reads it itself (Vault's settings, its own); declare it by hand if the application reads it too\n"
    );
    let manifest = fs::read_to_string(project.path().join("deploy/secrets.toml")).unwrap();
    assert!(!manifest.contains("CANARY"), "{manifest}");
    insta::assert_snapshot!(
        "init_tricky",
        manifest
            .split("\n[secrets.")
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n[secrets.")
    );
    // The files are listed from the manifest's directory.
    assert!(
        manifest.contains("files = [\"../config/app.env.example\"]"),
        "{manifest}"
    );
    let check = secretary(
        project.path(),
        &["--manifest", "deploy/secrets.toml", "check"],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    // The default holds quotes, a newline and a backslash, and reads back exactly once
    // the file that set it is gone.
    fs::rename(
        project.path().join("config/app.env.example"),
        project.path().join("config/moved"),
    )
    .unwrap();
    let get = secretary(
        project.path(),
        &["--manifest", "deploy/secrets.toml", "get", "greeting_name"],
    );
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert_eq!(get.stdout, "say \"hi\"\nthen 'bye' \\ done");
}

#[test]
fn init_refuses_what_it_cannot_read_or_must_not_write() {
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let none = init(project.path(), &[]);
    assert_eq!(none.code, 2);
    assert_eq!(
        none.stderr,
        "error: no .env or .env.example in this directory\n  help: name the application's files: secretary init --from FILE\n"
    );
    let missing = init(project.path(), &["--from", "nope.env"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stderr, "error: cannot read nope.env: not found\n");

    project.file(
        ".env",
        "GOOD=1\nthis line CANARYbroken has no equals\nBAD='CANARYquote\n",
    );
    let malformed = init(project.path(), &[]);
    assert_eq!(malformed.code, 2);
    assert!(
        malformed
            .stderr
            .starts_with("error: .env has 2 malformed lines: line 2:"),
        "{}",
        malformed.stderr
    );
    assert!(!malformed.stderr.contains("CANARY"), "{}", malformed.stderr);
    assert!(!project.path().join("secrets.toml").exists());

    project.file(".env", "# only a comment\n");
    let empty = init(project.path(), &[]);
    assert_eq!(empty.code, 2);
    assert_eq!(empty.stderr, "error: no variable to declare in .env\n");

    // A link at the output, even to nothing, is never written through.
    project.file(".env", "A_TOKEN=CANARYtoken123\n");
    std::os::unix::fs::symlink("elsewhere.toml", project.path().join("secrets.toml")).unwrap();
    let link = init(project.path(), &[]);
    assert_eq!(link.code, 2, "{}", link.stderr);
    assert!(!project.path().join("elsewhere.toml").exists());

    // To stdout: the manifest and nothing else; no value in it.
    let shown = init(project.path(), &["--output", "-"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown
            .stdout
            .starts_with("# The secrets of this application"),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .ends_with("[secrets.a_token]\n# from .env:1\nrequired = true\n"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("CANARY"));
    // init takes no manifest option.
    let global = init(project.path(), &["--env", "production"]);
    assert_eq!(global.code, 2);
}

#[test]
fn init_output_holds_no_canary() {
    use std::fmt::Write as _;
    let project = Project::new("");
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let mut dotenv = String::from("# The reference application's values, canaries all\n");
    for (_, name, value) in canaries() {
        writeln!(dotenv, "{name}='{value}'").unwrap();
    }
    project.file(".env", &dotenv);
    for args in [vec!["--output", "-"], vec![]] {
        let out = init(project.path(), &args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_clean(&format!("init {args:?}"), &out.stdout, None);
        assert_clean(&format!("init {args:?}"), &out.stderr, None);
    }
    let manifest = fs::read_to_string(project.path().join("secrets.toml")).unwrap();
    assert_clean("init's manifest", &manifest, None);
    // From a template, whose values of settings that are not secret become defaults.
    project.file(".env.example", &dotenv);
    let template = init(project.path(), &["--from", ".env.example", "--output", "-"]);
    assert_eq!(template.code, 0, "{}", template.stderr);
    assert_clean("init from a template", &template.stdout, None);
    assert_eq!(manifest.matches("\n[secrets.").count(), canaries().len());
    project.file(".env", &format!("{dotenv}BROKEN CANARYb2user\n"));
    fs::remove_file(project.path().join("secrets.toml")).unwrap();
    let broken = init(project.path(), &[]);
    assert_eq!(broken.code, 2);
    assert_clean("init of a broken .env", &broken.stderr, None);
}
