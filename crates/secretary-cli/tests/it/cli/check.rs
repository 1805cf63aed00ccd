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
