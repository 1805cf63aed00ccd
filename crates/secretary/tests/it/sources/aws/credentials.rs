//! The credential chain against moto: a web identity through its STS, profile files,
//! the container endpoint (the scripted server as the agent), and a moto that verifies
//! every signature and IAM policy.

use secretary::SecretValue;
use secretary::source::AwsError;
use secretary_test_support::Moto;

use super::faults::aws;
use super::*;
use secretary_test_support::scripted;

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
        crate::warnings(&report)
            .iter()
            .any(|w| w.contains("BatchGetSecretValue")),
        "{:?}",
        crate::warnings(&report)
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

#[test]
fn container_credentials_come_from_the_agent_with_its_token() {
    let moto = Moto::shared();
    moto.create_secret("container-production/api_key", "k-container");
    let agent = scripted::serve(vec![aws(
        200,
        r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"canary-container-secret","Token":"canary-container-token","Expiration":"2099-01-01T00:00:00Z"}"#,
    )]);
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    fs::write(&token, "canary-agent-token\n").unwrap();
    let manifest = aws_manifest(
        dir.path(),
        "[sources.aws]\ntype = \"aws_secrets_manager\"\nname = \"container-{environment}/{key}\"\n",
        "\"aws\"",
    );
    let full = format!("{}/v1/credentials", agent.address);
    let vars = moto_vars(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token.to_str().unwrap(),
        ),
    ]);
    let report = run(&manifest, "production", &vars);
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("k-container"),
        "{report:?}"
    );
    let asked = agent.seen();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].path, "/v1/credentials");
    assert_eq!(asked[0].header("authorization"), Some("canary-agent-token"));
    let reads = moto.recorded("BatchGetSecretValue", "container-production/");
    let headers = reads[0]["headers"].to_string();
    assert!(headers.contains("Credential=ASIACONTAINER/"), "{headers}");
    assert!(
        headers.contains("canary-container-token"),
        "the session token is sent: {headers}"
    );
    assert!(!said(&report).contains("canary"), "{}", said(&report));

    // Plain http to another host would hand the token to it: refused, nothing sent.
    let vars = moto_vars(&[
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://10.1.2.3/creds",
        ),
    ]);
    let report = run(&manifest, "production", &vars);
    let error = source_error(&report, "api_key");
    assert!(
        error
            .to_string()
            .contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        "{error}"
    );
}
