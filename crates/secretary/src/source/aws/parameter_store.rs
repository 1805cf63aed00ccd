//! The Parameter Store wire format: `GetParameters` with decryption, ten names a call.
//! A name in the answer's `InvalidParameters` does not exist (the one "absent" there is);
//! every other refusal fails the names asked.

use serde_json::Value;
use zeroize::Zeroizing;

use super::client::Client;
use super::secrets_manager::{epoch, every_name, refused, several};
use super::{AwsError, Got};
use crate::source::vault::Body;

/// The most names one `GetParameters` takes.
pub(super) const BATCH: usize = 10;

/// `GetParameters` (`WithDecryption`) for up to [`BATCH`] distinct `names`: one answer
/// per name, in order. `Err` when the whole call failed.
pub(super) async fn batch(
    client: &Client,
    names: &[String],
) -> Result<Vec<Result<Got, AwsError>>, AwsError> {
    const ACTION: &str = "GetParameters";
    let request = serde_json::json!({ "Names": names, "WithDecryption": true });
    let answer = client
        .call(ACTION, &Body::json(&request))
        .await
        .map_err(|refusal| refused(client, ACTION, &several(names), refusal))?;
    let json = answer.expose();
    let position = |name: &str| names.iter().position(|n| n == name);
    let mut answers: Vec<Option<Result<Got, AwsError>>> = names.iter().map(|_| None).collect();
    for parameter in json
        .get("Parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(at) = parameter
            .get("Name")
            .and_then(Value::as_str)
            .and_then(position)
        else {
            continue;
        };
        answers[at] = Some(match parameter.get("Value") {
            Some(Value::String(text))
                if u64::try_from(text.len())
                    .map_or(true, |length| length > crate::file::SECRET_LIMIT) =>
            {
                Err(AwsError::ValueTooLarge {
                    resource: names[at].clone(),
                    limit: crate::file::SECRET_LIMIT,
                })
            }
            Some(Value::String(text)) => Ok(Got::Found {
                text: Zeroizing::new(text.clone()),
                version: parameter
                    .get("Version")
                    .and_then(Value::as_u64)
                    .map(|version| version.to_string()),
                written: epoch(parameter.get("LastModifiedDate")),
            }),
            _ => Err(AwsError::Malformed {
                endpoint: client.settings.endpoint.to_string(),
                action: ACTION.to_owned(),
                what: format!("no Value for {}", names[at]),
            }),
        });
    }
    for invalid in json
        .get("InvalidParameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(at) = invalid.as_str().and_then(position) {
            answers[at] = Some(Ok(Got::NotFound));
        }
    }
    Ok(every_name(client, ACTION, names, answers))
}
