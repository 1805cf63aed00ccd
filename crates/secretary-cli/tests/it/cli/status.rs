//! The command line's tests: status, list, get.

use super::*;

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
        serde_json::json!(["database", "vault", "mounted", "env"])
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

#[test]
fn example_check_shows_a_value_only_where_status_would() {
    // A twenty-seventh adversarial pass: `example --check` had a rule of its own, and
    // showed a PIN declared a `port` or an unbounded `int` not secret, which `status`
    // hides.
    let project = Project::new(
        "version = 1\n[secrets.card_pin]\nenv = [\"CARD_PIN\"]\nsensitive = false\ntype = \"port\"\n\
         [secrets.card_number]\nenv = [\"CARD_NUMBER\"]\nsensitive = false\ntype = \"int\"\n\
         [secrets.debug]\nsensitive = false\ntype = \"bool\"\n",
    );
    project.file(
        ".env.local",
        "CARD_PIN=4929\nCARD_NUMBER=4111111111111111\nDEBUG=true\n",
    );
    let out = run(project
        .cmd()
        .args(["example", "--check", "--output", ".env.local"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    for hidden in ["4929", "4111111111111111"] {
        assert!(!out.stdout.contains(hidden), "{hidden}: {}", out.stdout);
    }
    assert!(
        out.stdout.contains("-CARD_PIN=[value not shown]"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("-DEBUG=true"), "{}", out.stdout);
}

#[test]
fn a_command_status_says_to_run_names_the_environment_it_used() {
    // A thirty-fourth adversarial pass: advice given in production, pasted, acted on
    // the default environment.
    let project = Project::new(
        "version = 1\n[sources.env]\ntype = \"env\"\n[environments.development]\nsources = [\"env\"]\n\
         [environments.production]\nsources = [\"env\"]\n[secrets.api_key]\nrequired = true\n",
    );
    let out = run(project.cmd().args(["--env", "production", "status"]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("run `secretary --env production check` for details and fixes"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_failed_source_is_fixed_by_its_own_fix_not_a_templates() {
    // A seventieth adversarial pass: production without a token grouped `database_url`
    // (a template over the lease's user and password) with the lease source's secrets,
    // and said the template's fix ("`database_url` is built from `postgres_user`...") for
    // all three.
    let project = Project::example("");
    let out = run(project
        .cmd()
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN")
        .env("HOME", project.path())
        .env("VAULT_ADDR", "http://127.0.0.1:9")
        .args(["--env", "production", "check"]));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let group = out
        .stdout
        .split("[source_error] source `database`")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let fix = group
        .lines()
        .find(|line| line.trim_start().starts_with("fix:"))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(!fix.contains("is built from"), "{fix}");
}
