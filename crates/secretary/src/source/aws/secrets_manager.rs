//! The Secrets Manager wire format: `BatchGetSecretValue` (20 names a call, the current
//! version), `GetSecretValue` (one name at a staging label, or when batches are not
//! allowed), and the writes `put`, `rotate` and `import` make: `PutSecretValue` on an
//! existing secret, `CreateSecret` for a new name, each with a `ClientRequestToken` of its
//! own that every retry of the request repeats (so a retried write makes one version).

use std::time::SystemTime;

use serde_json::Value;
use zeroize::Zeroizing;

use super::client::{Client, Refusal};
use super::{AwsError, Got};
use crate::source::vault::{Body, SecretJson};

/// The most names one `BatchGetSecretValue` takes.
pub(super) const BATCH: usize = 20;

/// The most pages of one batch's answer followed.
const PAGES: usize = 20;

/// A failure of `action` on `resource`, from the service's error code.
pub(super) fn refused(client: &Client, action: &str, resource: &str, refusal: Refusal) -> AwsError {
    match refusal {
        Refusal::Failed(error) => error,
        Refusal::Code { code, status } => classify(client, action, resource, code, status),
    }
}

/// An error code AWS gave for `action` on `resource`, as an [`AwsError`].
pub(super) fn classify(
    client: &Client,
    action: &str,
    resource: &str,
    code: String,
    status: u16,
) -> AwsError {
    let denied = matches!(
        code.as_str(),
        "AccessDeniedException"
            | "AccessDenied"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "IncompleteSignature"
            | "MissingAuthenticationToken"
            | "ExpiredTokenException"
            | "ExpiredToken"
    );
    if denied {
        AwsError::Denied {
            action: client.action(action),
            resource: resource.to_owned(),
            code,
        }
    } else if code.contains("Decryption") || code.starts_with("KMS") {
        AwsError::Decryption {
            resource: resource.to_owned(),
            code,
        }
    } else {
        AwsError::Service {
            action: client.action(action),
            resource: resource.to_owned(),
            code,
            status,
        }
    }
}

/// When a version was made: AWS's epoch seconds (with a fraction).
pub(super) fn epoch(value: Option<&Value>) -> Option<SystemTime> {
    let seconds = value?.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
    SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::try_from_secs_f64(seconds).ok()?)
}

/// One secret's entry of an answer (`SecretValues[i]`, or `GetSecretValue`'s whole
/// answer) as what it holds.
fn entry(entry: &Value, name: &str) -> Result<Got, AwsError> {
    let written = epoch(entry.get("CreatedDate"));
    let version_id = entry
        .get("VersionId")
        .and_then(Value::as_str)
        .filter(|id| id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned);
    match entry.get("SecretString") {
        Some(Value::String(text)) => {
            if u64::try_from(text.len()).map_or(true, |length| length > crate::file::SECRET_LIMIT) {
                return Err(AwsError::ValueTooLarge {
                    resource: name.to_owned(),
                    limit: crate::file::SECRET_LIMIT,
                });
            }
            Ok(Got::Found {
                text: Zeroizing::new(text.clone()),
                version: version_id,
                written,
            })
        }
        _ if entry.get("SecretBinary").is_some() => Err(AwsError::Binary {
            resource: name.to_owned(),
        }),
        _ => Err(AwsError::Malformed {
            endpoint: "Secrets Manager".to_owned(),
            action: "GetSecretValue".to_owned(),
            what: format!("no SecretString for {name}"),
        }),
    }
}

/// `BatchGetSecretValue` for up to [`BATCH`] distinct `names`: one answer per name, in
/// order. `Err` when the whole call failed.
pub(super) async fn batch(
    client: &Client,
    names: &[String],
) -> Result<Vec<Result<Got, AwsError>>, AwsError> {
    const ACTION: &str = "BatchGetSecretValue";
    let mut answers: Vec<Option<Result<Got, AwsError>>> = names.iter().map(|_| None).collect();
    let position = |name: &str| names.iter().position(|n| n == name);
    let mut next: Option<String> = None;
    for _ in 0..PAGES {
        let mut request = serde_json::json!({ "SecretIdList": names });
        if let Some(token) = &next {
            request["NextToken"] = Value::String(token.clone());
        }
        let answer = client
            .call(ACTION, &Body::json(&request))
            .await
            .map_err(|refusal| refused(client, ACTION, &several(names), refusal))?;
        let json = answer.expose();
        for value in json
            .get("SecretValues")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let found = value
                .get("Name")
                .and_then(Value::as_str)
                .and_then(position)
                .or_else(|| value.get("ARN").and_then(Value::as_str).and_then(position));
            if let Some(at) = found {
                answers[at] = Some(entry(value, &names[at]));
            }
        }
        for error in json
            .get("Errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(at) = error
                .get("SecretId")
                .and_then(Value::as_str)
                .and_then(position)
            else {
                continue;
            };
            let code = error.get("ErrorCode").and_then(Value::as_str).map_or_else(
                || "an unrecognised error".to_owned(),
                super::error::clean_code,
            );
            answers[at] = Some(if code == "ResourceNotFoundException" {
                Ok(Got::NotFound)
            } else {
                Err(classify(client, "GetSecretValue", &names[at], code, 400))
            });
        }
        next = json
            .get("NextToken")
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        if next.is_none() || answers.iter().all(Option::is_some) {
            break;
        }
    }
    Ok(every_name(client, ACTION, names, answers))
}

/// One answer per name of a batched call, in order: a name the answer says nothing of
/// is a malformed answer (the call's fault), never an absence.
pub(super) fn every_name(
    client: &Client,
    action: &str,
    names: &[String],
    answers: Vec<Option<Result<Got, AwsError>>>,
) -> Vec<Result<Got, AwsError>> {
    names
        .iter()
        .zip(answers)
        .map(|(name, answer)| {
            answer.unwrap_or_else(|| {
                Err(AwsError::Malformed {
                    endpoint: client.settings.endpoint.to_string(),
                    action: action.to_owned(),
                    what: format!("the answer says nothing of {name}"),
                })
            })
        })
        .collect()
}

/// `GetSecretValue` for `name` at staging label `stage` (default `AWSCURRENT`).
pub(super) async fn get(client: &Client, name: &str, stage: Option<&str>) -> Result<Got, AwsError> {
    const ACTION: &str = "GetSecretValue";
    let mut request = serde_json::json!({ "SecretId": name });
    if let Some(stage) = stage {
        request["VersionStage"] = Value::String(stage.to_owned());
    }
    match client.call(ACTION, &Body::json(&request)).await {
        Ok(answer) => entry(answer.expose(), name),
        // No such secret, or no version at that label.
        Err(Refusal::Code { code, .. }) if code == "ResourceNotFoundException" => Ok(Got::NotFound),
        Err(refusal) => Err(refused(client, ACTION, name, refusal)),
    }
}

/// `names` for a message: the first three, and how many more.
pub(super) fn several(names: &[String]) -> String {
    let shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    match names.len() {
        0..=3 => shown,
        n => format!("{shown} and {} more", n - 3),
    }
}

/// What a write made: the secret's new version.
#[derive(Debug)]
pub(super) struct Made {
    /// Its version id.
    pub version_id: Option<String>,
}

/// `PutSecretValue`'s request.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Put<'a> {
    secret_id: &'a str,
    secret_string: &'a str,
    client_request_token: &'a str,
}

/// `CreateSecret`'s request.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Create<'a> {
    name: &'a str,
    secret_string: &'a str,
    client_request_token: &'a str,
}

/// A new random `ClientRequestToken` (a UUID v4, as the SDKs make them).
fn request_token() -> Result<String, AwsError> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AwsError::Config {
            setting: "random".to_owned(),
            reason: "no random bytes from the operating system".to_owned(),
        })?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = super::sigv4::hex(&bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Writes `value` as the current version of `name`: `PutSecretValue`, or `CreateSecret`
/// when there is no such secret (and `PutSecretValue` again when another writer created
/// it meanwhile).
pub(super) async fn write(client: &Client, name: &str, value: &str) -> Result<Made, AwsError> {
    let token = request_token()?;
    // Borrowed, so that no copy of the value is made on the way to the body.
    let put = || {
        Body::json(&Put {
            secret_id: name,
            secret_string: value,
            client_request_token: &token,
        })
    };
    let made = |answer: &SecretJson| Made {
        version_id: answer
            .expose()
            .get("VersionId")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    match client.call("PutSecretValue", &put()).await {
        Ok(answer) => return Ok(made(&answer)),
        Err(Refusal::Code { code, .. }) if code == "ResourceNotFoundException" => {}
        Err(Refusal::Code { code, .. }) if code == "ResourceExistsException" => {
            return Err(AwsError::TokenReused {
                resource: name.to_owned(),
            });
        }
        Err(refusal) => return Err(refused(client, "PutSecretValue", name, refusal)),
    }
    let create = Body::json(&Create {
        name,
        secret_string: value,
        client_request_token: &token,
    });
    match client.call("CreateSecret", &create).await {
        Ok(answer) => Ok(made(&answer)),
        Err(Refusal::Code { code, .. }) if code == "ResourceExistsException" => client
            .call("PutSecretValue", &put())
            .await
            .map(|answer| made(&answer))
            .map_err(|refusal| refused(client, "PutSecretValue", name, refusal)),
        Err(refusal) => Err(refused(client, "CreateSecret", name, refusal)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_tokens_are_fresh_uuids() {
        let a = request_token().unwrap();
        let b = request_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn entries_hold_text_never_binary() {
        let found = entry(
            &serde_json::json!({"Name": "n", "VersionId": "v-1", "SecretString": "s", "CreatedDate": 1_700_000_000.5}),
            "n",
        )
        .unwrap();
        let Got::Found {
            version, written, ..
        } = found
        else {
            panic!()
        };
        assert_eq!(version.as_deref(), Some("v-1"));
        assert!(written.is_some());
        assert!(matches!(
            entry(&serde_json::json!({"SecretBinary": "AAAA"}), "n"),
            Err(AwsError::Binary { .. })
        ));
        let huge = "x".repeat(1024 * 1024 + 1);
        assert!(matches!(
            entry(&serde_json::json!({"SecretString": huge}), "n"),
            Err(AwsError::ValueTooLarge { .. })
        ));
        assert_eq!(several(&["a".into(), "b".into()]), "a, b");
        assert_eq!(
            several(&(0..5).map(|n| n.to_string()).collect::<Vec<_>>()),
            "0, 1, 2 and 2 more"
        );
    }
}
