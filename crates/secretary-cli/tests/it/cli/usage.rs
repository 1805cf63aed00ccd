//! The command line's tests: manifests, environments, usage: exit 2.

use super::*;

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
        // The variable's value is not shown: a manifest names the variable, and could
        // name any (an eighth adversarial pass printed VAULT_TOKEN this way).
        "error: the value of ENVIRONMENT (named by `environment_from`) is not the name of an environment defined in secrets.toml\n  help: use one of: development, staging, production (or add [environments.NAME] to the manifest)\n"
    );
    let out = run(project.cmd().arg("--env").arg("prod").arg("check"));
    assert_eq!(
        out.stderr,
        "error: environment `prod` (chosen by --env) is not defined in secrets.toml\n  help: use one of: development, staging, production (or add [environments.NAME] to the manifest)\n"
    );
}

#[test]
fn environment_from_cannot_name_a_credential_or_a_sensitive_secrets_variable() {
    const CANARY: &str = "canary-env-from-7f3a9b";
    for (variable, said) in [
        (
            "VAULT_TOKEN",
            "`VAULT_TOKEN` holds a credential and cannot choose the environment",
        ),
        (
            "SECRETARY_AUDIT_KEY",
            "`SECRETARY_AUDIT_KEY` holds a credential",
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            "`AWS_SECRET_ACCESS_KEY` holds a credential",
        ),
        (
            "DB_PASSWORD",
            "`DB_PASSWORD` is read by the sensitive secret `db_password` and cannot choose the environment",
        ),
        // A fourteenth adversarial pass: a variable no secret declares, chosen between
        // 10,000 environments named `0000` to `9999`, showed its value as the
        // environment that ran.
        (
            "PGPASSWORD",
            "`PGPASSWORD` does not say it holds an environment's name, and cannot choose the environment",
        ),
    ] {
        let project = Project::new(&format!(
            "version = 1\n[app]\nenvironment_from = [\"{variable}\"]\n[sources.env]\ntype = \"env\"\n[environments.production]\nsources = [\"env\"]\n[secrets.db_password]\n"
        ));
        let out = run(project.cmd().env(variable, CANARY).arg("check"));
        assert_eq!(out.code, 2, "{variable}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(said), "{variable}: {}", out.stderr);
        assert!(out.stderr.contains("secrets.toml:3"), "{}", out.stderr);
        assert!(
            !format!("{}{}", out.stdout, out.stderr).contains(CANARY),
            "{}",
            out.stderr
        );
    }
    // A variable that only names environments is fine, and its value is never echoed.
    let project = Project::new(
        "version = 1\n[app]\nenvironment_from = [\"DEPLOY_ENV\"]\n[secrets.a]\nrequired = false\n",
    );
    let out = run(project.cmd().env("DEPLOY_ENV", CANARY).arg("check"));
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains(CANARY), "{}", out.stderr);
    assert!(
        out.stderr.contains("the value of DEPLOY_ENV"),
        "{}",
        out.stderr
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
