//! Faults moto cannot produce on demand, from the scripted server: throttling, 5xx,
//! another server's page, a denial.

use secretary::source::AwsError;

use super::*;
use secretary_test_support::scripted::{self, Answer, Shape};

pub(super) fn aws(status: u16, body: &str) -> Answer {
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
        crate::warnings(&report)
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
