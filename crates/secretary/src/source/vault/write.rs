//! Writing a new version with check-and-set: `put`, `rotate` and `rollback` through
//! [`VaultSource::write`], and the re-read and merge after a conflict that they share with
//! `import` ([`write_merging`]).

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub use error::{Access, VaultError};

use super::Context;
use crate::SecretValue;
use crate::manifest::SecretSpec;
use client::{Body, Client, SecretJson};

use super::{Cas, Read, VaultSource, Write, Written, client, drive, error, read, text_of};

/// One field a write changes: what was read in it before, and what is written.
pub(super) struct FieldChange {
    pub(super) field: String,
    pub(super) before: Option<SecretValue>,
    pub(super) value: SecretValue,
}

/// What [`write_merging`] does after a check-and-set conflict.
#[derive(Clone, Copy)]
pub(super) struct Merge {
    /// How many times it reads again and merges (0: the conflict is the answer).
    pub(super) retries: u32,
    /// What becomes of a changed field that another writer changed meanwhile.
    pub(super) theirs: Theirs,
}

/// A field another writer changed between the read and the write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Theirs {
    /// Written over: `put` and `rotate`, the user saying what it holds now.
    Overwritten,
    /// Kept, and the write is a conflict: `import`, which copies what was read before.
    Kept,
}

/// Writes `data` to `api` with check-and-set on `expected`. When that fails (a read
/// from a standby a version behind, another writer's change to other fields, or this
/// very write applied by a node that died before answering), it reads the path again, as
/// many times as `merge` allows: if every changed field already holds its new value, that
/// version is the write; otherwise the changes are merged into the newest version and
/// written again, unless another writer changed one of those fields and `merge` keeps
/// theirs, which is a conflict. The other fields are always the newest version's.
pub(super) async fn write_merging(
    client: &Client,
    api: &str,
    kv_version: u8,
    mut data: SecretJson,
    mut expected: u64,
    changes: &[FieldChange],
    merge: Merge,
) -> Result<Option<u64>, VaultError> {
    let mut attempt = 0;
    loop {
        let conflict = match write_path(client, api, kv_version, &data, expected).await {
            Err(conflict @ VaultError::CasMismatch { .. }) if attempt < merge.retries => conflict,
            other => return other,
        };
        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        attempt += 1;
        let (newest, current) = read(client, api, kv_version, None).await?.fields();
        let now: Vec<Option<SecretValue>> = changes
            .iter()
            .map(|change| text_of(&newest, &change.field, api))
            .collect();
        let now = |index: usize| now[index].as_ref().map(SecretValue::expose);
        if changes
            .iter()
            .enumerate()
            .all(|(index, change)| now(index) == Some(change.value.expose()))
        {
            return Ok(Some(current));
        }
        let untouched = changes.iter().enumerate().all(|(index, change)| {
            let now = now(index);
            now == change.before.as_ref().map(SecretValue::expose)
                || now == Some(change.value.expose())
        });
        if !untouched && merge.theirs == Theirs::Kept {
            return Err(conflict);
        }
        data = newest;
        for change in changes {
            data.insert(&change.field, change.value.expose());
        }
        expected = current;
    }
}

/// How many times a write reads again and merges after a check-and-set conflict, when
/// the caller named no version to expect: a read served by a standby can
/// be a version behind, and the write then conflicts with nothing but the past.
pub(super) const CONFLICT_RETRIES: u32 = 4;

/// Writes `data` (every field of the path) as a new version of `api`; on KV v2 with
/// check-and-set on `expected`. Returns the new version (KV v2).
///
/// When an earlier attempt's answer was lost (the node died after applying it), the
/// retry's check-and-set fails on the write itself; the path is read back, and the next
/// version holding exactly `data` is this write, reported as done, once.
pub(super) async fn write_path(
    client: &Client,
    api: &str,
    kv_version: u8,
    data: &SecretJson,
    expected: u64,
) -> Result<Option<u64>, VaultError> {
    // The body holds every field's value: serialized once, into memory that is zeroed
    // when the last attempt is done with it.
    let body = if kv_version == 2 {
        Body::json(&Write {
            options: Cas { cas: expected },
            data: data.expose(),
        })
    } else {
        Body::json(data.expose())
    };
    let (sent, delivered) = client.send_write(Method::POST, api, &body).await?;
    let reply = match sent {
        Ok(reply) => reply,
        Err(error) if delivered => {
            return landed_or_maybe(client, api, kv_version, data, expected, error).await;
        }
        Err(error) => return Err(error),
    };
    match reply.status {
        // KV v1 answers 204 and no body, and keeps no version to tell by: any server can
        // answer so, or with `{"request_id": ...}` (the twenty-seventh, twenty-eighth and
        // twenty-ninth adversarial passes saw a portal's page, Vault's error shape with a
        // 200, an empty 200 and a gateway's "queued" each reported written, and audited
        // `ok`, with nothing written). Every answer is confirmed by what the path holds.
        200..=299 if kv_version == 1 => {
            // Said as the read-back found it (a thirtieth adversarial pass saw "does not
            // hold what was written" for a read-back that failed).
            match read(client, api, 1, None).await {
                Ok(Read::Found { data: there, .. }) if there.expose() == data.expose() => Ok(None),
                found => Err(VaultError::MaybeWritten {
                    cause: Box::new(VaultError::Unexpected {
                        path: api.to_owned(),
                        what: match found {
                            Ok(Read::Found { .. }) => format!(
                                "HTTP {} to a write, and the path read back holds another value",
                                reply.status
                            ),
                            Ok(_) => format!(
                                "HTTP {} to a write, and the path read back holds nothing",
                                reply.status
                            ),
                            Err(error) => format!(
                                "HTTP {} to a write, and the path could not be read back ({error})",
                                reply.status
                            ),
                        },
                    }),
                    versioned: false,
                }),
            }
        }
        // KV v2 answers the version written, and a check-and-set write on version N
        // makes N + 1, exactly. An answer without a version (a proxy's page, an empty
        // body), or with any other (stale, replayed, made up: a twenty-eighth
        // adversarial pass had `version: 99` for a write on 1 reported written),
        // confirms nothing. A server answered, so the write may have been acted on:
        // what Vault holds at N + 1 tells (a twenty-sixth adversarial pass had a 200
        // without a version called "may not have been written", with no read-back, and
        // the copy kept the value it replaced).
        // Any 2xx: a 201 or a 202 a proxy answered may have been acted on as well (a
        // twenty-ninth adversarial pass had a landed write, a 202, reported not written,
        // and the copies kept the value it replaced).
        200..=299 => match reply
            .json()
            .expose()
            .pointer("/data/version")
            .and_then(Value::as_u64)
        {
            Some(version) if Some(version) == expected.checked_add(1) => Ok(Some(version)),
            _ => {
                let error = VaultError::Unexpected {
                    path: api.to_owned(),
                    what: format!(
                        "HTTP {} to a write, without the version written",
                        reply.status
                    ),
                };
                landed_or_maybe(client, api, kv_version, data, expected, error).await
            }
        },
        400 if String::from_utf8_lossy(&reply.body).contains("check-and-set") => {
            let mismatch = VaultError::CasMismatch {
                path: api.to_owned(),
                expected,
            };
            // An earlier attempt's answer was lost: it may be what moved the version on.
            if reply.attempts > 1 {
                return landed_or_maybe(client, api, kv_version, data, expected, mismatch).await;
            }
            Err(mismatch)
        }
        // Retries spent on a 5xx (or after an answer lost): it may have landed.
        _ if delivered => {
            let error = client.error_for(&reply, api, Access::Write);
            landed_or_maybe(client, api, kv_version, data, expected, error).await
        }
        _ => Err(client.error_for(&reply, api, Access::Write)),
    }
}

impl VaultSource {
    /// Writes `value` as a new version of `spec`'s secret in `context`'s environment,
    /// keeping the other fields of its path. KV v2 writes use check-and-set: `cas`, or by
    /// default the version read just before, so a concurrent writer is never clobbered.
    pub fn write(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        value: &SecretValue,
        cas: Option<u64>,
    ) -> Result<Written, VaultError> {
        if self.config.kv_version == 1 && cas.is_some() {
            return Err(VaultError::NoCheckAndSet);
        }
        let connection = self.connection(context)?;
        let path = self.render(&self.config.path, "path", spec, context)?;
        let field = self.render(&self.config.field, "field", spec, context)?;
        let api = self.api_path(&path);
        let client = &connection.client;
        let kv_version = self.config.kv_version;
        let written = |version| Written {
            source: self.name.clone(),
            locator: self.locator(&path, &field, version),
        };
        drive(connection.runtime.get(), async {
            let (mut data, current) = read(client, &api, kv_version, None).await?.fields();
            let change = FieldChange {
                field: field.clone(),
                before: text_of(&data, &field, &api),
                value: value.clone(),
            };
            data.insert(&field, value.expose());
            // The version read may not be the latest (a standby's copy is 50 to 100 ms
            // behind, or another writer came between): read again and merge into the
            // newest, unless the caller named the version to expect. `put` is the user
            // saying what the field holds now, so it wins over another writer's value.
            let merge = Merge {
                retries: if cas.is_some() { 0 } else { CONFLICT_RETRIES },
                theirs: Theirs::Overwritten,
            };
            let version = write_merging(
                client,
                &api,
                kv_version,
                data,
                cas.unwrap_or(current),
                &[change],
                merge,
            )
            .await?;
            Ok(written(version))
        })
    }
}

/// After a write that may have reached Vault (`error` what its last attempt met): what
/// Vault holds at the one version this write could have made (`expected + 1`, by
/// check-and-set) tells. This write's value there: written. Another writer's value
/// there: this write did not land, and `error` stands. Nothing readable there (absent,
/// deleted, a read that fails, or a standby behind): [`VaultError::MaybeWritten`]. The
/// latest version is not the test: another writer may have come after this one (a
/// twenty-sixth adversarial pass had a landed `put --cas` and `rollback` told "not
/// written"). KV version 1 keeps no versions: the path holding exactly this write's
/// fields is the write; anything else may be a standby behind, or another writer after,
/// so it is never taken for "not written".
async fn landed_or_maybe(
    client: &Client,
    api: &str,
    kv_version: u8,
    data: &SecretJson,
    expected: u64,
    error: VaultError,
) -> Result<Option<u64>, VaultError> {
    let maybe = |error| VaultError::MaybeWritten {
        cause: Box::new(error),
        versioned: kv_version == 2,
    };
    if kv_version == 1 {
        return match read(client, api, 1, None).await {
            Ok(Read::Found { data: there, .. }) if there.expose() == data.expose() => Ok(None),
            _ => Err(maybe(error)),
        };
    }
    let Some(next) = expected.checked_add(1) else {
        return Err(maybe(error));
    };
    match read(client, api, 2, Some(next)).await {
        Ok(Read::Found {
            data: there,
            version,
            ..
        }) if version.is_none_or(|version| version == next) => {
            if there.expose() == data.expose() {
                Ok(Some(next))
            } else {
                Err(error)
            }
        }
        _ => Err(maybe(error)),
    }
}
