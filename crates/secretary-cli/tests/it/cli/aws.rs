//! The command line with AWS sources (`moto_server`, shared by this binary): every command
//! that reads, on success and on failing paths, holds no canary value and no credential;
//! `get` prints the value; `put` writes it from stdin and says where.

use secretary_test_support::Moto;

use super::*;

const VALUE: &str = "CANARYaws7value";
const JSON_VALUE: &str = "CANARYaws7json not json";
const KEY: &str = "CANARYaws7secretkey";
const TOKEN: &str = "CANARYaws7sessiontoken";

const MANIFEST: &str = r#"version = 1
[sources.aws]
type = "aws_secrets_manager"
name = "cli-{environment}/{key}"
[sources.broken]
type = "aws_secrets_manager"
name = "cli-{environment}/json"
field = "{key}"
[environments.production]
sources = ["aws"]
[environments.staging]
sources = ["broken"]
[secrets.api_key]
required = true
"#;

fn with_aws(project: &Project, endpoint: &str) -> assert_cmd::Command {
    let mut cmd = project.cmd();
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDCLI")
        .env("AWS_SECRET_ACCESS_KEY", KEY)
        .env("AWS_SESSION_TOKEN", TOKEN);
    cmd
}

fn clean(what: &str, text: &str) {
    for canary in ["CANARYaws7value", "CANARYaws7json", KEY, TOKEN] {
        assert!(!text.contains(canary), "{what}: {canary} leaked:\n{text}");
    }
}

#[test]
fn aws_values_and_credentials_appear_only_where_asked_for() {
    let moto = Moto::shared();
    moto.create_secret("cli-production/api_key", VALUE);
    moto.create_secret("cli-staging/json", JSON_VALUE);
    let project = Project::new(MANIFEST);
    let mut sweeps: Vec<(String, Vec<&str>, String)> = Vec::new();
    for env in ["production", "staging"] {
        for format in ["text", "json"] {
            for command in ["check", "status", "list"] {
                sweeps.push((
                    format!("{env} {command} {format}"),
                    vec!["--env", env, command, "--format", format],
                    moto.endpoint.clone(),
                ));
            }
        }
        sweeps.push((
            format!("{env} run"),
            vec!["--env", env, "run", "--", "true"],
            moto.endpoint.clone(),
        ));
    }
    // Nothing listening: a connection failure, not an absence.
    let nowhere = format!("http://127.0.0.1:{}", secretary_test_support::free_port());
    sweeps.push((
        "unreachable".to_owned(),
        vec!["--env", "production", "check"],
        nowhere,
    ));
    for (what, args, endpoint) in &sweeps {
        let out = run(with_aws(&project, endpoint).args(args));
        clean(what, &out.stdout);
        clean(what, &out.stderr);
        if what.starts_with("production check") {
            assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        }
        if what.starts_with("production status") {
            assert!(
                out.stdout
                    .contains("aws_secrets_manager:cli-production/api_key@"),
                "{what}: {}",
                out.stdout
            );
        }
        if what.starts_with("staging check text") {
            assert_eq!(out.code, 1, "{what}");
            assert!(
                format!("{}{}", out.stdout, out.stderr)
                    .contains("the secret string of cli-staging/json is not a JSON object"),
                "{what}: {}{}",
                out.stdout,
                out.stderr
            );
        }
        if what == "unreachable" {
            assert_eq!(out.code, 1, "{what}");
            let said = format!("{}{}", out.stdout, out.stderr);
            assert!(said.contains("cannot connect to"), "{said}");
            assert!(
                !said.contains("not set"),
                "a failure is not an absence: {said}"
            );
        }
    }
    let out =
        run(with_aws(&project, &moto.endpoint).args(["--env", "production", "get", "api_key"]));
    assert_eq!(out.stdout, VALUE);
    clean("get stderr", &out.stderr);

    // put: from stdin, never argv; the answer names where, not what.
    let out = run(with_aws(&project, &moto.endpoint)
        .args(["--env", "production", "put", "api_key"])
        .write_stdin("CANARYaws7value-new\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    clean("put", &format!("{}{}", out.stdout, out.stderr));
    assert!(
        out.stdout
            .contains("aws_secrets_manager:cli-production/api_key@"),
        "{}",
        out.stdout
    );
    assert_eq!(
        moto.secret_value("cli-production/api_key").as_deref(),
        Some("CANARYaws7value-new")
    );
}
