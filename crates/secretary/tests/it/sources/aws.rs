//! The AWS sources against a real implementation of the APIs (`moto_server`, shared by
//! this binary; each test uses names of its own), and the faults moto cannot produce on
//! demand against the scripted server: throttling, denial, another server's page.

use std::fmt::Write as _;

use secretary::source::{AwsError, AwsSource, Source as _};
use secretary::{PutError, SecretValue};
use secretary_test_support::Moto;

use super::*;
use crate::scripted::{self, Answer, Shape};

/// A secret access key and a session token that must appear nowhere.
const CANARY_KEY: &str = "canary-secret-access-key-AWS-77";
const CANARY_TOKEN: &str = "canary-session-token-AWS-77";

/// Variables for moto: static keys, its endpoint for every service, no home directory.
fn moto_vars(extra: &[(&str, &str)]) -> Variables {
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
fn aws_manifest(dir: &Path, sources: &str, chain: &str) -> Manifest {
    manifest(
        dir,
        &format!(
            "version = 1\n{sources}\n[environments.production]\nsources = [{chain}]\n{SECRETS}"
        ),
    )
}

fn source_error(report: &Report, key: &str) -> SourceError {
    let resolution = report.get(key).unwrap();
    for problem in &resolution.problems {
        if let ProblemKind::SourceFailed { error, .. } = &problem.kind {
            return error.clone();
        }
    }
    panic!("{key}: no source failure in {:?}", resolution.problems);
}

/// Everything a report can say, values aside: what must never hold a credential.
fn said(report: &Report) -> String {
    let mut all = format!("{report:?}");
    for resolution in &report.resolutions {
        for problem in &resolution.problems {
            let _ = write!(all, "\n{} {}", problem.kind, problem.fix);
        }
        if let Some(origin) = &resolution.origin {
            let _ = write!(all, "\n{origin}");
        }
    }
    all.push_str(&report.warnings.join("\n"));
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
    let looked = &report.get("api_key").unwrap().looked;
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
    let looked = &report.get("api_key").unwrap().looked;
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
    let looked = &report.get("debug").unwrap().looked;
    assert!(
        looked
            .iter()
            .any(|l| l == "aws_parameter_store:/params-production/debug (not found)"),
        "{looked:?}"
    );
    assert_eq!(moto.calls("GetParameters", "/params-production/"), 1);
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

#[test]
fn web_identity_credentials_come_from_sts() {
    let moto = Moto::shared();
    moto.create_secret("webid-production/api_key", "k-web");
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    fs::write(&token, "eyJ.canary-web-identity-token.sig\n").unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"webid-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let vars = moto_vars(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ("AWS_ROLE_SESSION_NAME", "webid-session"),
    ]);
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-web"));
    assert_eq!(moto.calls("AssumeRoleWithWebIdentity", "webid-session"), 1);
    // The read was signed with STS's temporary keys, and carried its session token.
    let reads = moto.recorded("BatchGetSecretValue", "webid-production/");
    let headers = &reads[0]["headers"];
    let header = |name: &str| {
        headers
            .as_object()
            .unwrap()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str().unwrap().to_owned())
    };
    assert!(header("X-Amz-Security-Token").is_some(), "{headers}");
    assert!(
        !header("Authorization").unwrap().contains("AKIDTEST"),
        "not the static keys"
    );
    assert!(!said(&report).contains("canary"), "{}", said(&report));
}

#[test]
fn a_profile_gives_keys_and_region() {
    let moto = Moto::shared();
    moto.create_secret("profile-production/api_key", "k-profile");
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    let config = dir.path().join("config");
    fs::write(
        &credentials,
        format!("[ci]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = {CANARY_KEY}\n"),
    )
    .unwrap();
    fs::write(&config, "[profile ci]\nregion = us-east-1\n").unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"profile-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let vars = moto_vars(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_REGION", ""),
        ("AWS_PROFILE", "ci"),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    let report = run(&manifest, "production", &vars);
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-profile"));
    let reads = moto.recorded("BatchGetSecretValue", "profile-production/");
    let authorization = reads[0]["headers"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str().unwrap().to_owned())
        .unwrap();
    assert!(
        authorization.contains("Credential=AKIDPROFILE/")
            && authorization.contains("/us-east-1/secretsmanager/aws4_request"),
        "{authorization}"
    );

    // A profile the user names must exist; the error says where it looked.
    let vars = moto_vars(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_PROFILE", "nope"),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    let report = run(&manifest, "production", &vars);
    let error = source_error(&report, "api_key");
    assert!(error.to_string().contains("no profile `nope`"), "{error}");
    assert!(!said(&report).contains("canary"));
}

// ---- faults, from the scripted server ---------------------------------------------------

fn aws(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
        delay: std::time::Duration::ZERO,
        shape: Shape::Whole,
    }
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

/// A batch answer: `api_key` found, the other two not.
fn batch_answer() -> Answer {
    aws(
        200,
        r#"{"SecretValues":[{"Name":"production/api_key","SecretString":"k-scripted","VersionId":"0b7e6a9c-0000-4000-8000-000000000001","CreatedDate":1764000000.5}],
            "Errors":[{"SecretId":"production/database_url","ErrorCode":"ResourceNotFoundException","Message":"x"},
                      {"SecretId":"production/debug","ErrorCode":"ResourceNotFoundException","Message":"x"}]}"#,
    )
}

fn scripted_report(script: Vec<Answer>, kind: &str) -> (Report, scripted::Scripted) {
    let server = scripted::serve(script);
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        &format!(
            "[sources.aws]\ntype = \"{kind}\"\nname = \"{}{{environment}}/{{key}}\"\n",
            if kind == "aws_parameter_store" {
                "/"
            } else {
                ""
            }
        ),
        "\"aws\"",
    );
    let vars = moto_vars(&[("AWS_ENDPOINT_URL", server.address.as_str())]);
    (run(&manifest, "production", &vars), server)
}

#[test]
fn throttling_is_retried_with_back_off_then_read() {
    let (report, server) = scripted_report(
        vec![aws(400, THROTTLED), aws(429, "{}"), batch_answer()],
        "aws_secrets_manager",
    );
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-scripted"));
    assert_eq!(server.seen().len(), 3);
    assert!(server.seen().iter().all(|seen| {
        seen.header("x-amz-target")
            .is_some_and(|target| target == "secretsmanager.BatchGetSecretValue")
    }));
}

#[test]
fn throttled_or_failing_on_every_attempt_fails_closed() {
    let (report, server) = scripted_report(
        vec![
            aws(400, THROTTLED),
            aws(400, THROTTLED),
            aws(400, THROTTLED),
        ],
        "aws_secrets_manager",
    );
    assert_eq!(server.seen().len(), 3, "AWS_MAX_ATTEMPTS defaults to 3");
    let error = source_error(&report, "api_key");
    assert!(
        matches!(
            &error,
            SourceError::Aws(AwsError::Throttled { attempts: 3, .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        codes(&report, "debug"),
        vec!["source_error"],
        "never absent"
    );

    let (report, _) = scripted_report(vec![aws(503, "{}"); 3], "aws_parameter_store");
    let error = source_error(&report, "api_key");
    assert!(
        matches!(
            &error,
            SourceError::Aws(AwsError::Server { status: 503, .. })
        ),
        "{error:?}"
    );
    // Another server's 404 page says nothing about the secret.
    let html = Answer {
        shape: Shape::Html,
        ..aws(404, "<html>Not Found</html>")
    };
    let (report, _) = scripted_report(vec![html], "aws_secrets_manager");
    let error = source_error(&report, "api_key");
    assert!(
        matches!(&error, SourceError::Aws(AwsError::Malformed { .. })),
        "{error:?}"
    );
}

#[test]
fn a_denial_names_the_action_and_the_resource_never_a_credential() {
    let denied = r#"{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/canary-user is not authorized"}"#;
    let (report, server) = scripted_report(vec![aws(400, denied); 4], "aws_secrets_manager");
    // No batch allowed: each name read alone, and each denied.
    let targets: Vec<String> = server
        .seen()
        .iter()
        .map(|seen| seen.header("x-amz-target").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(targets[0], "secretsmanager.BatchGetSecretValue");
    assert_eq!(
        targets[1..]
            .iter()
            .filter(|t| *t == "secretsmanager.GetSecretValue")
            .count(),
        3
    );
    let error = source_error(&report, "api_key");
    assert_eq!(
        error.to_string(),
        "AWS denied secretsmanager:GetSecretValue on production/api_key (AccessDeniedException)"
    );
    assert!(
        error
            .hint()
            .contains("secretsmanager:GetSecretValue on production/api_key")
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("BatchGetSecretValue"))
    );
    let signature = server.seen()[0]
        .header("authorization")
        .unwrap()
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_owned();
    let everything = said(&report);
    for secret in [CANARY_KEY, CANARY_TOKEN, signature.as_str(), "canary-user"] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }

    let (report, _) = scripted_report(vec![aws(400, denied)], "aws_parameter_store");
    let error = source_error(&report, "api_key");
    assert!(
        error
            .to_string()
            .starts_with("AWS denied ssm:GetParameters on /production/"),
        "{error}"
    );
}

// ---- writes ---------------------------------------------------------------------------

#[test]
fn put_and_rotate_write_to_secrets_manager() {
    let moto = Moto::shared();
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        r#"version = 1
[sources.aws]
type = "aws_secrets_manager"
name = "put-{environment}/{key}"
[sources.app]
type = "aws_secrets_manager"
name = "put-{environment}/app"
field = "{key}"
[environments.production]
sources = ["aws"]
[environments.staging]
sources = ["app"]
[secrets.api_key]
[secrets.secret_key]
generate = { bytes = 32, format = "urlsafe" }
"#,
    );
    let vars = moto_vars(&[]);
    let production = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let canary = SecretValue::new("canary-put-value-91".to_owned());
    let first = secretary::put(&manifest, production, &vars, "api_key", &canary, None).unwrap();
    assert_eq!(
        moto.secret_value("put-production/api_key").as_deref(),
        Some("canary-put-value-91")
    );
    assert!(
        first
            .locator
            .to_string()
            .starts_with("aws_secrets_manager:put-production/api_key@")
    );
    let second = SecretValue::new("k-second".to_owned());
    let again = secretary::put(&manifest, production, &vars, "api_key", &second, None).unwrap();
    assert_ne!(first.locator, again.locator, "a new version");
    assert_eq!(
        moto.secret_value("put-production/api_key").as_deref(),
        Some("k-second")
    );
    assert_eq!(moto.calls("CreateSecret", "put-production/api_key"), 1);
    assert_eq!(
        moto.calls("PutSecretValue", "put-production/api_key"),
        2,
        "the first found no secret"
    );
    for seen in moto.recorded("PutSecretValue", "put-production/api_key") {
        let body = seen["body"].as_str().unwrap_or_default().to_owned();
        assert!(
            body.contains("ClientRequestToken") || seen["body_encoded"] == true,
            "{seen}"
        );
    }

    // No check-and-set in Secrets Manager: asked for, refused before anything is sent.
    let refused =
        secretary::put(&manifest, production, &vars, "api_key", &second, Some(3)).unwrap_err();
    assert!(matches!(refused, PutError::Unsupported { .. }), "{refused}");

    // rotate generates, writes, and the read sees it.
    let rotated = secretary::rotate(&manifest, production, &vars, "secret_key", None).unwrap();
    let value = moto.secret_value("put-production/secret_key").unwrap();
    assert_eq!(value.len(), 43, "32 bytes, url-safe base64");
    let report = run(&manifest, "production", &vars);
    assert_eq!(
        report
            .get("secret_key")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .expose(),
        value
    );
    assert_eq!(
        locator(&report, "secret_key").unwrap(),
        rotated.locator.to_string()
    );

    // A JSON secret: each field written into it, the others kept.
    let staging = manifest.select_environment(Some("staging"), &vars).unwrap();
    secretary::put(&manifest, staging, &vars, "api_key", &second, None).unwrap();
    secretary::rotate(&manifest, staging, &vars, "secret_key", None).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&moto.secret_value("put-staging/app").unwrap()).unwrap();
    assert_eq!(json["api_key"], "k-second");
    assert_eq!(json["secret_key"].as_str().unwrap().len(), 43);

    // rollback is Vault's alone, and says so.
    let error = secretary::rollback(&manifest, production, &vars, "api_key", None).unwrap_err();
    assert!(error.to_string().contains("cannot roll back"), "{error}");
    for shown in [
        format!("{first:?} {again:?} {rotated:?} {error:?} {refused:?}"),
        said(&report),
    ] {
        assert!(!shown.contains("canary"), "{shown}");
    }
}

#[test]
fn values_and_credentials_never_reach_errors_or_debug() {
    let moto = Moto::shared();
    // A secret string that is not JSON, read with a field: the error names the rule.
    moto.create_secret("canary-production/app", "canary-value-not-json-55");
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"canary-{environment}/app\"\nfield = \"{key}\"\n",
        "\"aws\"",
    );
    let vars = moto_vars(&[]);
    let report = run(&manifest, "production", &vars);
    let error = source_error(&report, "api_key");
    assert!(
        matches!(error, SourceError::Aws(AwsError::NotText { .. })),
        "{error:?}"
    );
    // The source itself, its batch and its lookups.
    let SourceConfig::AwsSecretsManager(config) = &manifest.source("aws").unwrap().config else {
        panic!()
    };
    let source = AwsSource::secrets_manager("aws".to_owned(), (**config).clone());
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let context = Context::new(&manifest, environment, &vars);
    let specs: Vec<&SecretSpec> = manifest.secrets().iter().map(|s| &**s).collect();
    let batch = source.lookup(&specs, &context);
    let everything = format!(
        "{} {source:?} {batch:?} {:?}",
        said(&report),
        source.config()
    );
    for secret in ["canary-value", CANARY_KEY, CANARY_TOKEN] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}

#[test]
fn import_copies_an_environment_into_secrets_manager_and_again_changes_nothing() {
    use secretary::{ImportAction, ImportSource};
    let moto = Moto::shared();
    moto.create_secret("import-production/api_key", "k-already-there");
    let dir = tempfile::tempdir().unwrap();
    write_private(
        &dir.path().join(".env"),
        "DATABASE_URL=postgresql://dev/app\nAPI_KEY=k-dev\nDEBUG=true\n",
    );
    let manifest = manifest(
        dir.path(),
        &format!(
            "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"import-{{environment}}/{{key}}\"\n[environments.development]\nsources = [\"dotenv\"]\n[environments.production]\nsources = [\"aws\"]\n{SECRETS}"
        ),
    );
    let vars = moto_vars(&[]);
    let development = manifest
        .select_environment(Some("development"), &vars)
        .unwrap();
    let production = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let fingerprints = secretary::audit::Fingerprints::random().unwrap();
    let plan = |overwrite: bool| {
        secretary::import(
            &manifest,
            production,
            &vars,
            ImportSource::Environment(development),
            None,
            overwrite,
            &fingerprints,
        )
        .unwrap()
    };
    let first = plan(false);
    assert_eq!(first.target_source(), "aws");
    let actions: Vec<(&str, &ImportAction)> = first
        .items()
        .iter()
        .map(|item| (item.key.as_str(), &item.action))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("database_url", &ImportAction::Create),
            ("api_key", &ImportAction::Keep),
            ("debug", &ImportAction::Setting),
        ]
    );
    let mut landed = 0;
    let applied = first.apply(&mut |_| landed += 1).unwrap();
    assert_eq!((applied.len(), landed), (1, 1));
    assert!(applied[0].result.is_ok(), "{:?}", applied[0].result);
    assert_eq!(
        moto.secret_value("import-production/database_url")
            .as_deref(),
        Some("postgresql://dev/app")
    );
    assert_eq!(
        moto.secret_value("import-production/api_key").as_deref(),
        Some("k-already-there"),
        "kept without --overwrite"
    );
    // Again: what is there is the same; with overwrite, the differing one is updated.
    let again = plan(true);
    let actions: Vec<&ImportAction> = again.items().iter().map(|item| &item.action).collect();
    assert_eq!(actions[0], &ImportAction::Same);
    assert_eq!(actions[1], &ImportAction::Update);
    again.apply(&mut |_| {}).unwrap();
    assert_eq!(
        moto.secret_value("import-production/api_key").as_deref(),
        Some("k-dev")
    );
    assert_eq!(
        moto.calls("BatchGetSecretValue", "import-production/"),
        2,
        "each plan reads the target in one batch"
    );
}

#[test]
fn a_secret_manager_reads_aws_again_on_refresh_and_after_its_ttl() {
    use secretary::audit::Target;
    let moto = Moto::shared();
    moto.create_secret("manager-production/api_key", "k-first");
    moto.create_secret("manager-production/database_url", "postgresql://db/app");
    let dir = tempfile::tempdir().unwrap();
    let _ = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"manager-{environment}/{key}\"\nttl = \"200ms\"\n",
        "\"aws\"",
    );
    let log = dir.path().join("audit.log");
    let manager = secretary::SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(moto_vars(&[]))
        .audit(Target::File(log.clone()))
        .build()
        .unwrap();
    let secrets = manager.blocking();
    assert_eq!(secrets.get("api_key").unwrap().expose(), "k-first");
    moto.put_secret("manager-production/api_key", "k-rotated");
    assert_eq!(
        secrets.get("api_key").unwrap().expose(),
        "k-first",
        "cached until refresh or ttl"
    );
    assert_eq!(secrets.refresh().unwrap(), vec!["api_key".to_owned()]);
    assert_eq!(secrets.get("api_key").unwrap().expose(), "k-rotated");
    moto.put_secret("manager-production/api_key", "k-third");
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(
        secrets.get("api_key").unwrap().expose(),
        "k-third",
        "the ttl ran out"
    );
    let audit = fs::read_to_string(&log).unwrap();
    assert!(
        audit.contains("aws_secrets_manager:manager-production/api_key@"),
        "{audit}"
    );
    assert!(
        !audit.contains("k-first") && !audit.contains("k-third"),
        "{audit}"
    );
}

/// moto checking signatures and IAM policies: our signatures are what AWS's own verifier (moto
/// recomputes it with botocore) accepts, and a real denial reads as the tests above say.
#[test]
fn a_server_that_checks_signatures_and_policies_accepts_ours_and_denies_by_policy() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}"#;
    let (moto, id, secret) = Moto::with_iam(
        policy,
        &[
            ("iam-production/api_key", "k-signed"),
            ("iam-production/database_url", "postgresql://iam/app"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"iam-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let vars = |secret: &str| {
        moto_vars(&[
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_SESSION_TOKEN", ""),
        ])
    };
    // Allowed GetSecretValue, not BatchGetSecretValue: denied the batch, read one by one.
    let report = run(&manifest, "production", &vars(&secret));
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("k-signed"),
        "{report:?}"
    );
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://iam/app")
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("BatchGetSecretValue")),
        "{:?}",
        report.warnings
    );
    // A wrong secret key: the signature does not match, and that is a failure.
    let report = run(&manifest, "production", &vars("not-the-secret-key-canary"));
    let error = source_error(&report, "api_key");
    assert!(
        matches!(&error, SourceError::Aws(AwsError::Denied { .. })),
        "{error:?}"
    );
    assert!(
        error.hint().contains("does not accept these credentials"),
        "{}",
        error.hint()
    );
    assert!(!said(&report).contains("not-the-secret-key-canary"));
    // Writes are not in the policy: refused, naming the action.
    let environment = manifest
        .select_environment(Some("production"), &vars(&secret))
        .unwrap();
    let refused = secretary::put(
        &manifest,
        environment,
        &vars(&secret),
        "api_key",
        &SecretValue::new("k-new".to_owned()),
        None,
    )
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("AWS denied secretsmanager:PutSecretValue on iam-production/api_key"),
        "{refused}"
    );
}
