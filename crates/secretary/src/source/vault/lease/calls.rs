//! The three Vault calls a lease takes: reading the credentials' path (which issues
//! them), `sys/leases/renew` and `sys/leases/revoke`. What to do with their answers is
//! the registry's.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::super::client::{Body, SecretJson};
use super::super::{Access, Connection, VaultError, drive};
use super::LeaseError;
use super::events::{LeaseEvent, LeaseEventKind};

/// The longest lease taken at its word: a server may answer any number of seconds, and
/// an instant that far ahead cannot be computed (ten years, the duration grammar's cap).
const LONGEST: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Credentials a lease carries, and what Vault said of it.
pub(super) struct Issued {
    /// The lease id (not a secret: it names the lease, and only a token allowed to may
    /// renew or revoke it).
    pub(super) id: String,
    /// The answer's `data`, zeroed when dropped.
    pub(super) data: SecretJson,
    /// The duration Vault gave at issue.
    pub(super) duration: Duration,
    /// Whether it may be renewed.
    pub(super) renewable: bool,
    /// Which login of the connection read it (`Client::login_generation`): the lease
    /// ends with that login's token.
    pub(super) login: u64,
}

/// Reads `whose.api` once: new credentials and their lease.
pub(super) fn issue(whose: &Whose<'_>) -> Result<Issued, LeaseError> {
    let (connection, api) = (whose.connection, whose.api);
    let client = &connection.client;
    let limited = || LeaseError::LimitedUses {
        path: api.to_owned(),
    };
    unlimited_user_token(connection, api)?;
    let sent = drive(connection.runtime.get(), async {
        let sent = client
            .send_owned_unless(Method::GET, api, None, super::revoking::ending)
            .await?;
        let limits = (client.login_uses_limited().await, client.uses_spent().await);
        Ok::<_, VaultError>(sent.zip(Some(limits)))
    })
    .map_err(LeaseError::Vault)?;
    let Some(((reply, login), (limited_uses, last_spent))) = sent else {
        return Err(LeaseError::Ending {
            path: api.to_owned(),
        });
    };
    let limited = limited_uses.then(limited);
    if reply.status != 200 {
        // A read with the token's last use is refused for it; any other refusal says
        // its own cause (a sixtieth adversarial pass saw a path with no role blamed on
        // the uses).
        if let Some(limited) = limited.filter(|_| last_spent) {
            return Err(limited);
        }
        return Err(LeaseError::Vault(client.error_for(
            &reply,
            api,
            Access::Read,
        )));
    }
    let mut json = reply.json();
    let id = lease_id(json.expose(), api)?;
    // Told before anything is made of the answer: an unusable lease is recorded and
    // said too, and never by an id that spells its password (a forty-second
    // adversarial pass saw 55f6580 write such an id to the audit log and stderr).
    let showable = fit_to_show(&id, json.expose().get("data"));
    // Past here a lease was issued: any answer it cannot be used by revokes it, best
    // effort, so that it does not outlive this unsaid (a fortieth adversarial pass left
    // leases of no duration, of a duration in text, and of no data unrevoked).
    let usable = lease_terms(json.expose(), api).and_then(|(seconds, renewable)| {
        let data = json
            .take_object("/data")
            .ok_or_else(|| LeaseError::NoData {
                path: api.to_owned(),
            })?;
        if !showable {
            return Err(LeaseError::UnfitLeaseId {
                path: api.to_owned(),
            });
        }
        if let Some(limited) = limited {
            return Err(limited);
        }
        Ok((seconds, renewable, data))
    });
    match usable {
        Ok((seconds, renewable, data)) => Ok(Issued {
            id,
            data,
            duration: Duration::from_secs(seconds).min(LONGEST),
            renewable,
            login,
        }),
        Err(error) => {
            // Within the time a revocation is given as all are revoked, and its failure
            // kept to be said (a forty-first adversarial pass: unbounded, three 60 s
            // tries, and a refusal said nowhere).
            let unusable = Issued {
                id,
                data: SecretJson::default(),
                duration: Duration::ZERO,
                renewable: false,
                login,
            };
            // Recorded as issued first, as every lease Vault issued is; by its id only
            // when that may be shown.
            let shown = if showable {
                unusable.id.clone()
            } else {
                String::new()
            };
            super::notify::emit(&LeaseEvent {
                kind: LeaseEventKind::Issued,
                source: whose.source.to_owned(),
                path: api.to_owned(),
                lease_id: shown.clone(),
                ttl: None,
                error: None,
            });
            let deadline = std::time::Instant::now() + super::revoking::IN_FLIGHT_WAIT;
            let mut event = revoke_by(whose, &unusable, Some(deadline));
            if !showable {
                event.lease_id = shown;
                event.error = event.error.map(|error| {
                    format!(
                        "could not revoke the lease issued at {api}, whose id is not shown (it holds a value of its credentials, or what cannot be printed): {error}; its credentials may work until its TTL ends"
                    )
                });
            }
            super::notify::emit(&event);
            super::revoking::told(std::slice::from_ref(&event));
            Err(error)
        }
    }
}

/// Whether a token of the user's may read a lease of `api` (one of a login is known once
/// it is had): not one of limited uses, and not while Vault does not say whether it is.
fn unlimited_user_token(connection: &Connection, api: &str) -> Result<(), LeaseError> {
    match drive(
        connection.runtime.get(),
        connection.client.user_token_limited(),
    ) {
        Ok(false) => Ok(()),
        Ok(true) => Err(LeaseError::LimitedUses {
            path: api.to_owned(),
        }),
        Err(error) => Err(LeaseError::Vault(error)),
    }
}

/// The id of the lease an answer from `api` gives. An answer without a lease id is no
/// lease (a KV path answers so).
fn lease_id(json: &Value, api: &str) -> Result<String, LeaseError> {
    let id = match json.get("lease_id") {
        None | Some(Value::Null) => "",
        Some(Value::String(id)) => id.as_str(),
        Some(_) => return Err(unexpected(api, "a lease_id that is not text")),
    };
    if id.is_empty() {
        return Err(LeaseError::NotALease {
            path: api.to_owned(),
        });
    }
    Ok(id.to_owned())
}

/// The duration in seconds of the lease an answer from `api` gives, and whether it may
/// be renewed. A duration that is not what Vault writes (`3600.5`, `"3600"`, none, or
/// none at all) is an answer Vault does not give, and is said as such.
fn lease_terms(json: &Value, api: &str) -> Result<(u64, bool), LeaseError> {
    let seconds = match json.get("lease_duration") {
        Some(duration) => duration.as_u64().ok_or_else(|| {
            unexpected(
                api,
                "a lease_duration that is not a whole number of seconds",
            )
        })?,
        None => return Err(unexpected(api, "a lease without a lease_duration")),
    };
    if seconds == 0 {
        return Err(unexpected(api, "a lease of no duration"));
    }
    let renewable = json
        .get("renewable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((seconds, renewable))
}

/// An answer from `api` that Vault does not give: `what` it held.
fn unexpected(api: &str, what: &str) -> LeaseError {
    LeaseError::Vault(VaultError::Unexpected {
        path: api.to_owned(),
        what: what.to_owned(),
    })
}

/// Whether a lease `id` may be shown and recorded: printable ASCII of at most 1,024
/// characters, spelling none of the values in `data` (in any spelling of
/// [`crate::spelling`], for values of at least 4 bytes).
fn fit_to_show(id: &str, data: Option<&Value>) -> bool {
    if id.len() > 1024 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    let Some(fields) = data.and_then(Value::as_object) else {
        return true;
    };
    !fields
        .values()
        .filter_map(Value::as_str)
        .filter(|value| value.len() >= 4)
        .flat_map(|value| crate::spelling::spellings(value.as_bytes()))
        .any(|(_, spelling)| {
            !spelling.is_empty()
                && id
                    .as_bytes()
                    .windows(spelling.len())
                    .any(|window| window == spelling.as_slice())
        })
}

/// Renews `issued` by its original duration: the duration granted.
pub(super) fn renew(connection: &Connection, issued: &Issued) -> Result<Duration, RenewError> {
    #[derive(serde::Serialize)]
    struct Renew<'a> {
        lease_id: &'a str,
        increment: u64,
    }
    let body = Body::json(&Renew {
        lease_id: &issued.id,
        increment: issued.duration.as_secs(),
    });
    let client = &connection.client;
    let reply = drive(connection.runtime.get(), async {
        client
            .send(Method::PUT, "sys/leases/renew", None, Some(&body))
            .await
    })
    .map_err(RenewError::Vault)?;
    if reply.status != 200 {
        return Err(RenewError::Refused(client.error_for(
            &reply,
            "sys/leases/renew",
            Access::Write,
        )));
    }
    let granted = reply
        .json()
        .expose()
        .get("lease_duration")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if granted == 0 {
        return Err(RenewError::Refused(VaultError::Unexpected {
            path: "sys/leases/renew".to_owned(),
            what: "a renewal that grants no time".to_owned(),
        }));
    }
    Ok(Duration::from_secs(granted).min(LONGEST))
}

/// A renewal that failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum RenewError {
    /// Vault answered no: the lease is gone, or may not be renewed.
    #[error("{0}")]
    Refused(VaultError),
    /// Vault could not be reached.
    #[error("{0}")]
    Vault(VaultError),
}

impl RenewError {
    /// Whether Vault answered no (rather than could not be reached).
    pub(super) fn refused(&self) -> bool {
        matches!(self, Self::Refused(_))
    }
}

/// Which lease a revocation is for: its source, its connection and its path.
pub(super) struct Whose<'a> {
    pub(super) source: &'a str,
    pub(super) connection: &'a Arc<Connection>,
    pub(super) api: &'a str,
}

/// Revokes `issued` now; what happened, for the audit log.
pub(super) fn revoke(whose: &Whose<'_>, issued: &Issued) -> LeaseEvent {
    revoke_by(whose, issued, None)
}

/// [`revoke`], given up at `deadline` (its retries too) when there is one: a process
/// ending waits for Vault no longer than that (a thirty-fourth adversarial pass saw
/// `run` wait three retries of 60 s for a Vault that did not answer, each lease in turn).
pub(super) fn revoke_by(
    whose: &Whose<'_>,
    issued: &Issued,
    deadline: Option<std::time::Instant>,
) -> LeaseEvent {
    #[derive(serde::Serialize)]
    struct Revoke<'a> {
        lease_id: &'a str,
    }
    let body = Body::json(&Revoke {
        lease_id: &issued.id,
    });
    let client = &whose.connection.client;
    // At least a second: a revocation asked for is sent, whatever was left.
    let left = deadline.map(|deadline| {
        deadline
            .saturating_duration_since(std::time::Instant::now())
            .max(std::time::Duration::from_secs(1))
    });
    let outcome = drive(whose.connection.runtime.get(), async {
        let sent = client.revoke_lease(&body, issued.login);
        match left {
            Some(left) => tokio::time::timeout(left, sent).await.ok(),
            None => Some(sent.await),
        }
    });
    let error = match outcome {
        // Ended with the token that read it.
        Some(Ok(None)) => None,
        Some(Ok(Some(reply))) if matches!(reply.status, 200 | 204) => None,
        Some(Ok(Some(reply))) => Some(
            client
                .error_for(&reply, "sys/leases/revoke", Access::Write)
                .to_string(),
        ),
        Some(Err(error)) => Some(error.to_string()),
        None => Some(
            "Vault did not answer in the time a revocation is given (it may have landed, or not)"
                .to_owned(),
        ),
    };
    LeaseEvent {
        kind: LeaseEventKind::Revoked,
        source: whose.source.to_owned(),
        path: whose.api.to_owned(),
        lease_id: issued.id.clone(),
        ttl: None,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_a_lease_only_with_an_id_and_a_whole_number_of_seconds() {
        let lease = |json: &str| {
            let json: Value = serde_json::from_str(json).unwrap();
            let id = lease_id(&json, "database/creds/app")?;
            let (seconds, renewable) = lease_terms(&json, "database/creds/app")?;
            Ok::<_, LeaseError>((id, seconds, renewable))
        };
        assert!(matches!(
            lease(r#"{"lease_id": "database/creds/app/x1", "lease_duration": 3600, "renewable": true}"#),
            Ok((id, 3600, true)) if id == "database/creds/app/x1"
        ));
        // A KV path: no id (KV v1 gives a duration without one).
        for kv in [
            r#"{"lease_id": "", "lease_duration": 0}"#,
            r#"{"lease_id": "", "lease_duration": 2764800}"#,
            r#"{"data": {}}"#,
        ] {
            assert!(
                matches!(lease(kv), Err(LeaseError::NotALease { .. })),
                "{kv}"
            );
        }
        // An eighth adversarial pass: a duration of 3600.5 or "3600" was called a KV path.
        for (odd, what) in [
            (
                r#"{"lease_id": "l", "lease_duration": 3600.5}"#,
                "not a whole number",
            ),
            (
                r#"{"lease_id": "l", "lease_duration": "3600"}"#,
                "not a whole number",
            ),
            (
                r#"{"lease_id": "l", "lease_duration": -5}"#,
                "not a whole number",
            ),
            (r#"{"lease_id": "l"}"#, "without a lease_duration"),
            (
                r#"{"lease_id": "l", "lease_duration": 0}"#,
                "of no duration",
            ),
            (
                r#"{"lease_id": 7, "lease_duration": 60}"#,
                "lease_id that is not text",
            ),
        ] {
            let Err(error) = lease(odd) else {
                panic!("{odd} was taken as a lease")
            };
            assert!(!matches!(error, LeaseError::NotALease { .. }), "{odd}");
            assert!(error.to_string().contains(what), "{odd}: {error}");
        }
    }
}
