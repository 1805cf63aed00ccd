//! The AWS sources against a real implementation of the APIs (`moto_server`, shared by
//! this binary; each test uses names of its own), and the faults moto cannot produce on
//! demand against the scripted server: throttling, denial, another server's page. This
//! file: the helpers and reads; `credentials.rs`: the chain and a verifying server;
//! `faults.rs`: the scripted faults; `writes.rs`: put, rotate, import, `SecretManager`.

use std::fmt::Write as _;

use secretary_test_support::Moto;

use super::*;

mod credentials;
mod faults;
mod writes;

/// A secret access key and a session token that must appear nowhere.
pub(super) const CANARY_KEY: &str = "canary-secret-access-key-AWS-77";
pub(super) const CANARY_TOKEN: &str = "canary-session-token-AWS-77";

/// Variables for moto: static keys, its endpoint for every service, no home directory.
pub(super) fn moto_vars(extra: &[(&str, &str)]) -> Variables {
    let moto = Moto::shared();
    let mut pairs: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", CANARY_KEY),
        ("AWS_SESSION_TOKEN", CANARY_TOKEN),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("HOME", "/nonexistent-home-for-aws-tests"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in extra {
        pairs.retain(|(k, _)| k != name);
        if !value.is_empty() {
            pairs.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    Variables::from_pairs(pairs)
}

/// A manifest with `sources` (TOML) and a production environment over `chain`.
pub(super) fn aws_manifest(dir: &Path, sources: &str, chain: &str) -> Manifest {
    manifest(
        dir,
        &format!(
            "version = 1\n{sources}\n[environments.production]\nsources = [{chain}]\n{SECRETS}"
        ),
    )
}

pub(super) fn source_error(report: &Report, key: &str) -> SourceError {
    let resolution = report.get(key).unwrap();
    for problem in &resolution.problems {
        if let ProblemKind::SourceFailed { error, .. } = &problem.kind {
            return error.clone();
        }
    }
    panic!("{key}: no source failure in {:?}", resolution.problems);
}

/// Everything a report can say, values aside: what must never hold a credential.
pub(super) fn said(report: &Report) -> String {
    let mut all = format!("{report:?}");
    for resolution in &report.resolutions {
        for problem in &resolution.problems {
            let _ = write!(all, "\n{} {}", problem.kind, problem.fix);
        }
        if let Some(origin) = &resolution.origin {
            let _ = write!(all, "\n{origin}");
        }
    }
    all.push_str(&crate::warnings(report).join("\n"));
    all
}

#[test]
fn secrets_are_found_absent_or_split_by_field_with_versions_in_locators() {
    let moto = Moto::shared();
    let created = moto.create_secret("found-production/database_url", "postgresql://db/app");
    let version = created["VersionId"].as_str().unwrap().to_owned();
    moto.create_secret(
        "json-production/app",
        r#"{"API_KEY": "k-123", "database_url": "postgresql://json/app", "port": 5432}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"found-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
    assert_eq!(
        locator(&report, "database_url").unwrap(),
        format!("aws_secrets_manager:found-production/database_url@{version}")
    );
    assert_eq!(value(&report, "api_key"), None);
    let looked = &looked_in(&report, "api_key");
    assert!(
        looked
            .iter()
            .any(|l| l == "aws_secrets_manager:found-production/api_key (not found)"),
        "{looked:?}"
    );
    assert_eq!(
        value(&report, "debug").as_deref(),
        Some("false"),
        "absent: the default"
    );
    assert!(
        report.get("database_url").unwrap().written.is_some(),
        "CreatedDate read"
    );

    // One JSON secret, split into fields, read once.
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"json-{environment}/app\"\nfield = \"{key}\"\n",
        "\"aws\"",
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://json/app")
    );
    assert!(
        locator(&report, "database_url")
            .unwrap()
            .starts_with("aws_secrets_manager:json-production/app#database_url@"),
        "{report:?}"
    );
    let looked = &looked_in(&report, "api_key");
    assert!(
        looked
            .iter()
            .any(|l| l.contains("no field `api_key`; the secret has `API_KEY`")),
        "{looked:?}"
    );
    assert_eq!(
        moto.calls("BatchGetSecretValue", "json-production/app"),
        1,
        "three secrets over one name: one call"
    );
}

#[test]
fn a_version_stage_reads_that_version() {
    let moto = Moto::shared();
    moto.create_secret("stage-production/api_key", "k-old");
    moto.put_secret("stage-production/api_key", "k-new");
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"stage-{environment}/{key}\"\nversion_stage = \"AWSPREVIOUS\"\n[sources.now]\ntype = \"aws_secrets_manager\"\nname = \"stage-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-old"));
    assert_eq!(
        moto.calls("BatchGetSecretValue", "stage-production/"),
        0,
        "a batch reads only AWSCURRENT: a stage is read with GetSecretValue"
    );
    assert_eq!(moto.calls("GetSecretValue", "stage-production/"), 3);
}

#[test]
fn parameter_store_decrypts_secure_strings() {
    let moto = Moto::shared();
    moto.put_parameter("/params-production/api_key", "k-secure", "SecureString");
    moto.put_parameter(
        "/params-production/database_url",
        "postgresql://param/app",
        "String",
    );
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.params]\ntype = \"aws_parameter_store\"\nname = \"/params-{environment}/{key}\"\n",
        "\"params\"",
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-secure"));
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("aws_parameter_store:/params-production/api_key@v1")
    );
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://param/app")
    );
    assert!(report.get("api_key").unwrap().written.is_some());
    let looked = &looked_in(&report, "debug");
    assert!(
        looked
            .iter()
            .any(|l| l == "aws_parameter_store:/params-production/debug (not found)"),
        "{looked:?}"
    );
    assert_eq!(moto.calls("GetParameters", "/params-production/"), 1);
}

#[test]
fn a_parameter_name_that_expands_under_aws_reference_is_refused() {
    // A ninth adversarial pass: the checker refused `/aws/reference/...` as written, but
    // not `/{app}/reference/...` with `[app] name = "aws"`, which reads a Secrets Manager
    // secret whole through Parameter Store, where the one-place rule cannot see it beside
    // a source reading its fields.
    let moto = Moto::shared();
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[app]\nname = \"aws\"\n[sources.params]\ntype = \"aws_parameter_store\"\nname = \"/{app}/reference/secretsmanager/{environment}/{key}\"\n",
        "\"params\"",
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    let error = source_error(&report, "api_key").to_string();
    assert!(
        error.contains(
            "`/aws/reference/secretsmanager/production/api_key` is under /aws/reference/"
        ),
        "{error}"
    );
    assert_eq!(value(&report, "api_key"), None);
    assert_eq!(moto.calls("GetParameters", "/aws/reference/"), 0);
}

#[test]
fn twenty_five_secrets_are_read_in_two_batch_calls() {
    let moto = Moto::shared();
    let mut secrets = String::new();
    for n in 1..=25 {
        moto.create_secret(&format!("batch-production/s{n:02}"), &format!("v-{n}"));
        let _ = write!(secrets, "[secrets.s{n:02}]\nrequired = true\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        &format!(
            "version = 1\n[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"batch-{{environment}}/{{key}}\"\n[environments.production]\nsources = [\"aws\"]\n{secrets}"
        ),
    );
    let report = run(&manifest, "production", &moto_vars(&[]));
    for n in 1..=25 {
        assert_eq!(
            value(&report, &format!("s{n:02}")).as_deref(),
            Some(format!("v-{n}").as_str())
        );
    }
    assert_eq!(moto.calls("BatchGetSecretValue", "batch-production/"), 2);
    assert_eq!(moto.calls("GetSecretValue", "batch-production/"), 0);
}
