//! The KV secrets engine on the wire: one read and what it found ([`Read`]), what a
//! field holds (text, or a number that fits; never one over 1 MiB), when a version was
//! written, which paths a set of secrets needs ([`ReadPlan`], each read once), and many
//! paths read concurrently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub use error::{Access, VaultError};

use crate::SecretValue;
use crate::manifest::SecretSpec;
use crate::source::Context;
use client::{Client, SecretJson};

use super::{Connection, Stored, VaultSource, client, drive, error};

/// What one KV read found.
#[derive(Debug)]
pub(super) enum Read {
    Found {
        /// The secret's fields (an object), zeroed when dropped.
        data: SecretJson,
        version: Option<u64>,
        /// The version's `created_time` (KV v2).
        written: Option<std::time::SystemTime>,
        /// A `created_time` was given and could not be read: the age is unknown, and
        /// that is worth saying (a rotation policy cannot tell whether it is due).
        unreadable_time: bool,
    },
    NotFound,
    Deleted {
        version: u64,
    },
    Destroyed {
        version: u64,
    },
}

/// A KV v2 write's body: check-and-set on `options.cas`.
#[derive(serde::Serialize)]
pub(super) struct Write<'a> {
    pub(super) options: Cas,
    pub(super) data: &'a Value,
}

#[derive(serde::Serialize)]
pub(super) struct Cas {
    pub(super) cas: u64,
}

/// When a version was written, from its `created_time`: RFC 3339 in UTC (`...Z`, as
/// Vault writes it) or with an offset (`+02:00`, as another server might). `None` when it
/// is neither; the secret's age is then unknown.
pub(in crate::source) fn written_at(time: &str) -> Option<std::time::SystemTime> {
    // humantime reads `...+02:00` as if it were UTC: the offset is looked for first.
    let at = time.len().checked_sub(6)?;
    if !time.is_char_boundary(at) {
        return None;
    }
    let (local, offset) = time.split_at(at);
    if !matches!(offset.as_bytes().first(), Some(b'+' | b'-')) {
        return humantime::parse_rfc3339_weak(time).ok();
    }
    // `2026-11-25T11:32:33.123+02:00`: the time as UTC, less the offset.
    let (sign, hours, minutes) = match offset.as_bytes() {
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = |a: u8, b: u8| -> Option<u64> {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| u64::from(a - b'0') * 10 + u64::from(b - b'0'))
            };
            (*sign, digits(*h1, *h2)?, digits(*m1, *m2)?)
        }
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    let as_utc = humantime::parse_rfc3339_weak(&format!("{local}Z")).ok()?;
    let shift = Duration::from_secs(hours * 3600 + minutes * 60);
    if sign == b'+' {
        as_utc.checked_sub(shift)
    } else {
        as_utc.checked_add(shift)
    }
}

/// What a field of a path holds, for a read that found the path.
pub(super) enum Field {
    /// Not there, or JSON `null`.
    Missing,
    /// The empty string.
    Empty,
    /// Its text: a string, or a boolean or whole number as written.
    Text(SecretValue),
}

/// What `field` of `data` (the fields of the path at `api`) holds; an error when it is not
/// text (a list, a map, a number that went through a float) or too large to be a secret.
/// The one reading of a field, for resolution and for `put`'s plans alike.
pub(super) fn field_of(data: &SecretJson, field: &str, api: &str) -> Result<Field, VaultError> {
    match data.expose().get(field) {
        None | Some(Value::Null) => Ok(Field::Missing),
        Some(Value::String(text)) if text.is_empty() => Ok(Field::Empty),
        Some(Value::String(text)) if too_large(text) => Err(VaultError::ValueTooLarge {
            path: api.to_owned(),
            field: field.to_owned(),
            limit: crate::file::SECRET_LIMIT,
        }),
        Some(Value::String(text)) => Ok(Field::Text(SecretValue::new(text.clone()))),
        Some(scalar @ (Value::Number(_) | Value::Bool(_))) if exact(scalar) => {
            Ok(Field::Text(SecretValue::new(scalar.to_string())))
        }
        Some(_) => Err(VaultError::NotText {
            path: api.to_owned(),
            field: field.to_owned(),
        }),
    }
}

/// What `field` of `data` (the fields of the path at `api`) holds as text, read by
/// [`field_of`], for a write that compares it with what it read before and what it
/// writes: the empty string is empty text; a field that is missing, or holds no text,
/// holds none.
pub(super) fn text_of(data: &SecretJson, field: &str, api: &str) -> Option<SecretValue> {
    match field_of(data, field, api) {
        Ok(Field::Text(value)) => Some(value),
        Ok(Field::Empty) => Some(SecretValue::new(String::new())),
        Ok(Field::Missing) | Err(_) => None,
    }
}

/// Whether `text` is longer than a secret may be ([`crate::file::SECRET_LIMIT`]).
pub(super) fn too_large(text: &str) -> bool {
    u64::try_from(text.len()).map_or(true, |length| length > crate::file::SECRET_LIMIT)
}

/// Whether a JSON boolean or number reads back as the text it was written as: `true`,
/// `42`, `-7`. A number with a fraction or an exponent, or too large for 64 bits, has
/// been through a float (`12345678901234567890123` reads `1.2345678901234568e+22`): it
/// is not text, and is refused rather than changed.
pub(super) fn exact(scalar: &Value) -> bool {
    match scalar {
        Value::Number(number) => number.is_u64() || number.is_i64(),
        _ => true,
    }
}

impl Read {
    /// A copy of the path's fields, and the version a write must expect: empty and 0 when
    /// absent, empty and the deleted version's number when deleted or destroyed.
    pub(super) fn fields(&self) -> (SecretJson, u64) {
        match self {
            Read::Found { data, version, .. } => (data.duplicate(), version.unwrap_or(0)),
            Read::NotFound => (SecretJson::object(), 0),
            Read::Deleted { version } | Read::Destroyed { version } => {
                (SecretJson::object(), *version)
            }
        }
    }
}

/// What `field` of the path read as `read` holds.
pub(super) fn stored(
    read: &Read,
    source: &VaultSource,
    path: &str,
    field: &str,
) -> Result<Stored, VaultError> {
    Ok(match read {
        Read::Found {
            data,
            version,
            written,
            ..
        } => {
            let value = match field_of(data, field, &source.api_path(path))? {
                Field::Text(value) => Some(value),
                Field::Missing | Field::Empty => None,
            };
            Stored::Present {
                value,
                locator: source.locator(path, field, *version),
                written: *written,
            }
        }
        Read::NotFound => Stored::Missing {
            locator: source.locator(path, field, None),
        },
        Read::Deleted { version } => Stored::Deleted {
            locator: source.locator(path, field, Some(*version)),
        },
        Read::Destroyed { version } => Stored::Destroyed {
            locator: source.locator(path, field, Some(*version)),
        },
    })
}

/// Reads one KV secret.
pub(super) async fn read(
    client: &Client,
    api: &str,
    kv_version: u8,
    version: Option<u64>,
) -> Result<Read, VaultError> {
    let version_text = version.map(|v| v.to_string());
    let query = version_text.as_deref().map(|v| ("version", v));
    let reply = client.send(Method::GET, api, query, None).await?;
    let json = reply.json();
    let unexpected = |what: &str| VaultError::Unexpected {
        path: api.to_owned(),
        what: what.to_owned(),
    };
    // A secrets engine that issues credentials (database/creds/ROLE, mounted where KV was
    // expected): they would be neither renewed nor revoked, and never belong in the
    // outage copy. A `vault_lease` source is what reads them.
    if let Some(lease_id) = json
        .expose()
        .get("lease_id")
        .and_then(Value::as_str)
        .filter(|id| reply.status == 200 && !id.is_empty())
    {
        // The read issued them: revoked at once, so that none is left alive (best effort;
        // the error below stands either way).
        let body = client::Body::json(&serde_json::json!({ "lease_id": lease_id }));
        let _ = client
            .send(Method::PUT, "sys/leases/revoke", None, Some(&body))
            .await;
        return Err(unexpected(
            "an answer with a lease: this path issues credentials, it is not KV; read it with a `vault_lease` source, which renews and revokes them",
        ));
    }
    match (reply.status, kv_version) {
        // Not JSON at all: a proxy's or another server's page, or a body cut short.
        (200, _) if !json.expose().is_object() => Err(unexpected(
            "HTTP 200 with an answer that is not a JSON object secretary can read (another web server or a proxy's page?)",
        )),
        (200, 2) => {
            let mut json = json;
            let version = json
                .expose()
                .pointer("/data/metadata/version")
                .and_then(Value::as_u64);
            let created = json
                .expose()
                .pointer("/data/metadata/created_time")
                .and_then(Value::as_str);
            let written = created.and_then(written_at);
            let unreadable_time = created.is_some() && written.is_none();
            match json.take_object("/data/data") {
                Some(data) => Ok(Read::Found {
                    data,
                    version,
                    written,
                    unreadable_time,
                }),
                None => Err(unexpected(
                    "a KV v2 answer without data.data (is this mount KV version 1?)",
                )),
            }
        }
        (200, _) => {
            let mut json = json;
            match json.take_object("/data") {
                Some(data) => Ok(Read::Found {
                    data,
                    version: None,
                    written: None,
                    unreadable_time: false,
                }),
                None => Err(unexpected("a KV v1 answer without data")),
            }
        }
        // Only Vault's own 404 says the secret is not there; any other web server's
        // says nothing about it (a mistyped VAULT_ADDR).
        (404, _) if !reply.is_vaults() => Err(client.error_for(&reply, api, Access::Read)),
        (404, 2) => {
            let metadata = json.expose().pointer("/data/metadata");
            let version = metadata
                .and_then(|m| m.get("version"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if metadata
                .and_then(|m| m.get("destroyed"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                Ok(Read::Destroyed { version })
            } else if metadata
                .and_then(|m| m.get("deletion_time"))
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty())
            {
                Ok(Read::Deleted { version })
            } else {
                Ok(Read::NotFound)
            }
        }
        (404, _) => Ok(Read::NotFound),
        _ => Err(client.error_for(&reply, api, Access::Read)),
    }
}

/// Which reads a set of secrets needs: each distinct path, at one version, read once
/// however many secrets it holds. The one plan for a batch of lookups
/// ([`Source::lookup`](crate::source::Source::lookup)) and for `import`'s snapshot.
pub(super) struct ReadPlan {
    /// One per secret, in the order given: where it lives, or why its path or field
    /// could not be rendered (which fails that secret only).
    pub(super) secrets: Vec<Result<Planned, VaultError>>,
    /// The reads, each `(api path, version)` once, for [`read_all`].
    pub(super) reads: Vec<(String, Option<u64>)>,
}

/// Where one secret of a [`ReadPlan`] lives.
#[derive(Debug)]
pub(super) struct Planned {
    /// Its path, as the source's `path` renders it.
    pub(super) path: String,
    /// Its field, as the source's `field` renders it.
    pub(super) field: String,
    /// Its read: an index into the plan's `reads`.
    pub(super) slot: usize,
}

/// Which version of its path a [`ReadPlan`] reads for a secret.
#[derive(Clone, Copy)]
pub(super) enum At {
    /// The version the secret pins (`version = 3`), else the latest: what resolution
    /// reads.
    Pinned,
    /// The latest, whatever the secret pins: what a write expects to replace.
    Latest,
}

impl VaultSource {
    /// The reads `specs` need in `context`'s environment, each path (at the version `at`
    /// says) once.
    pub(super) fn plan(&self, specs: &[&SecretSpec], context: &Context<'_>, at: At) -> ReadPlan {
        let mut reads: Vec<(String, Option<u64>)> = Vec::new();
        let mut index: HashMap<(String, Option<u64>), usize> = HashMap::new();
        let secrets = specs
            .iter()
            .map(|spec| {
                let path = self.render(&self.config.path, "path", spec, context)?;
                let field = self.render(&self.config.field, "field", spec, context)?;
                let version = match at {
                    At::Pinned => spec.version,
                    At::Latest => None,
                };
                let api = self.api_path(&path);
                let slot = *index.entry((api.clone(), version)).or_insert_with(|| {
                    reads.push((api, version));
                    reads.len() - 1
                });
                Ok(Planned { path, field, slot })
            })
            .collect();
        ReadPlan { secrets, reads }
    }
}

/// Reads every `(api path, version)` concurrently, at most `max_concurrency` at a time,
/// within an overall deadline (every attempt's time-out plus back-off, and at least
/// [`client::ELECTION_WAIT`]). A read that has
/// not finished by then fails with [`VaultError::Deadline`]; none is left out.
pub(super) fn read_all(
    connection: &Connection,
    reads: &[(String, Option<u64>)],
    kv_version: u8,
    retries: Option<u32>,
) -> Vec<Result<Read, VaultError>> {
    let settings = connection.client.settings();
    let deadline = connection.client.deadline_at_most(retries);
    let seconds = deadline.as_secs();
    drive(connection.runtime.get(), async {
        let limit = Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (slot, (api, version)) in reads.iter().cloned().enumerate() {
            let client = Arc::clone(&connection.client);
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let read = read(&client, &api, kv_version, version);
                (slot, client::at_most(retries, read).await)
            });
        }
        let mut results: Vec<Result<Read, VaultError>> = (0..reads.len())
            .map(|_| Err(VaultError::Deadline { seconds }))
            .collect();
        let collect = async {
            while let Some(joined) = tasks.join_next().await {
                if let Ok((slot, result)) = joined {
                    results[slot] = result;
                }
            }
        };
        let _ = tokio::time::timeout(deadline, collect).await;
        results
    })
}
