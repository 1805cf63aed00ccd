//! Writes to Secrets Manager (put, rotate, import), `SecretManager` re-reads, and the
//! canary held to every error and `Debug`.

use secretary::source::AwsConfig;
use secretary::source::{AwsError, AwsSource, Source as _};
use secretary::{PutError, SecretValue};
use secretary_test_support::Moto;

use super::*;

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
        matches!(error, SourceError::Aws(AwsError::NotAnObject { .. })),
        "{error:?}"
    );
    // The source itself, its batch and its lookups.
    let Some(config) = manifest.source("aws").unwrap().config.get::<AwsConfig>() else {
        panic!()
    };
    let source = AwsSource::secrets_manager("aws".to_owned(), config.clone());
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
