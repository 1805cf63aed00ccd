//! HashiCorp Vault and OpenBao KV (version 2, or 1 as an option).
//!
//! ```toml
//! [sources.vault]
//! type = "vault"                 # address, token, namespace, CA from VAULT_* / BAO_*
//! mount = "secret"
//! path = "{environment}/{key}"   # read as GET /v1/secret/data/production/database_url
//! field = "value"                # may be "{key}": many secrets in one path
//! # kv_version = 1
//! # auth = "approle"             # role id / secret id from VAULT_ROLE_ID / VAULT_SECRET_ID
//! # token_file = "/run/vault/token"
//! # ca_cert = "ca.pem"
//! # max_concurrency = 16
//! ```
//!
//! Each path (and pinned version) is read once however many secrets it holds; different
//! paths are read concurrently, at most `max_concurrency` at a time, over one kept-alive
//! connection pool. A 404, a missing field, and a deleted or destroyed version mean "not
//! here"; everything else that is not a value (no connection, time-out, TLS, 403, 429,
//! 5xx, sealed) is a failure, which fails every secret this source could have served.
//!
//! A connection (its client, pool, preferred node, login token and the `X-Vault-Index`
//! of its last write) is kept for the process and shared by every source made with the
//! same settings: a `SecretManager`'s refreshes, `run --watch`'s re-reads and a `put`
//! followed by a read all reuse it, so a JWT or AppRole login happens once per process,
//! a dead node is not asked first again, and a read after a write sees that write. A
//! process forked after a connection was made never uses its parent's: connections are
//! kept by process id.

mod client;
mod credentials;
mod error;
mod settings;
mod shared;
mod tls;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub use error::{Access, NodeAnswer, VaultError};

use super::{Batch, Context, Lookup, Source, SourceError};
use crate::manifest::{SecretSpec, SourceKind, VaultConfig};
use crate::{Locator, SecretValue};
use client::{Body, Client, SecretJson};
use settings::Settings;

/// A Vault / OpenBao KV source.
#[derive(Debug)]
pub struct VaultSource {
    name: String,
    config: VaultConfig,
    connection: OnceLock<Result<Arc<Connection>, VaultError>>,
}

/// A client and the runtime that drives it, made on first use and kept for the process
/// ([`shared`]), so that connections, the preferred node, a login token and the index of
/// the last write are reused.
#[derive(Debug)]
struct Connection {
    runtime: Background,
    client: Arc<Client>,
}

impl Connection {
    /// A client for `settings`, with a runtime of its own.
    fn new(settings: Settings) -> Result<Self, VaultError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| VaultError::Config {
                setting: "runtime".to_owned(),
                reason: e.to_string(),
            })?;
        // reqwest needs a runtime to exist while the client is made.
        let runtime = Background(Some(runtime));
        let client = drive(runtime.get(), async { Client::new(settings) })?;
        Ok(Self {
            runtime,
            client: Arc::new(client),
        })
    }
}

/// A runtime that shuts down without blocking when dropped, so that dropping a source
/// inside an async context (where blocking is forbidden) is safe.
#[derive(Debug)]
struct Background(Option<tokio::runtime::Runtime>);

impl Background {
    fn get(&self) -> &tokio::runtime::Runtime {
        match &self.0 {
            Some(runtime) => runtime,
            None => unreachable!("the runtime is taken only when dropped"),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs `future` to completion on `runtime`. Called from inside another tokio runtime
/// (a service resolving its secrets in an async `main`), where blocking that runtime's
/// thread is forbidden, it runs on a helper thread instead.
fn drive<F>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(future);
    }
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| runtime.block_on(future));
        match helper.join() {
            Ok(output) => output,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// What one KV read found.
#[derive(Debug)]
enum Read {
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
struct Write<'a> {
    options: Cas,
    data: &'a Value,
}

#[derive(serde::Serialize)]
struct Cas {
    cas: u64,
}

/// What one secret's field holds in Vault, at one version: [`VaultSource::stored`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Stored {
    /// The path exists; `value` is the field's, when it holds non-empty text.
    Present {
        /// The field's value.
        value: Option<SecretValue>,
        /// Where, with the version read.
        locator: Locator,
        /// When that version was written (KV v2).
        written: Option<std::time::SystemTime>,
    },
    /// No such path, or no such version.
    Missing {
        /// Where it looked.
        locator: Locator,
    },
    /// That version is deleted.
    Deleted {
        /// Where, with the version.
        locator: Locator,
    },
    /// That version is destroyed.
    Destroyed {
        /// Where, with the version.
        locator: Locator,
    },
}

/// The outcome of [`VaultSource::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// The source written to.
    pub source: String,
    /// Where the value now is, with its new version (KV v2).
    pub locator: Locator,
}

impl VaultSource {
    /// A source called `name` with `config`.
    pub fn new(name: String, config: VaultConfig) -> Self {
        Self {
            name,
            config,
            connection: OnceLock::new(),
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }

    fn connection(&self, context: &Context<'_>) -> Result<Arc<Connection>, VaultError> {
        self.connection
            .get_or_init(|| {
                let settings = Settings::resolve(&self.config, context.vars, context.base_dir)?;
                shared::connection(settings, Connection::new)
            })
            .clone()
    }

    /// `template` (the source's `path` or `field`, named `setting`) for one secret.
    fn render(
        &self,
        template: &str,
        setting: &str,
        spec: &SecretSpec,
        context: &Context<'_>,
    ) -> Result<String, VaultError> {
        VaultConfig::expand(template, context.environment, &spec.key, context.app).ok_or_else(
            || VaultError::Config {
                setting: format!("source `{}` {setting}", self.name),
                reason: "uses {app} but the manifest's [app] has no name".to_owned(),
            },
        )
    }

    fn api_path(&self, path: &str) -> String {
        self.config.api_path(path)
    }

    fn locator(&self, path: &str, field: &str, version: Option<u64>) -> Locator {
        Locator::vault(&self.api_path(path), field, version)
    }

    /// What `spec`'s field holds in `context`'s environment, at `version` (default: the
    /// latest).
    pub fn stored(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        version: Option<u64>,
    ) -> Result<Stored, VaultError> {
        let connection = self.connection(context)?;
        let path = self.render(&self.config.path, "path", spec, context)?;
        let field = self.render(&self.config.field, "field", spec, context)?;
        let api = self.api_path(&path);
        let client = &connection.client;
        let found = drive(connection.runtime.get(), async {
            read(client, &api, self.config.kv_version, version).await
        })?;
        stored(&found, self, &path, &field)
    }

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
                before: data
                    .expose()
                    .get(&field)
                    .and_then(Value::as_str)
                    .map(|before| SecretValue::new(before.to_owned())),
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

    /// Reads every path `specs` live in, concurrently (each path once), for a later
    /// [`VaultSource::write_snapshot`]: what each secret holds now, and each path's version.
    pub fn snapshot(
        &self,
        specs: &[&SecretSpec],
        context: &Context<'_>,
    ) -> Result<Snapshot, VaultError> {
        let connection = self.connection(context)?;
        let mut paths: Vec<(String, Option<u64>)> = Vec::new();
        let mut entries = Vec::with_capacity(specs.len());
        for spec in specs {
            let path = self.render(&self.config.path, "path", spec, context)?;
            let field = self.render(&self.config.field, "field", spec, context)?;
            let api = self.api_path(&path);
            let slot = if let Some(slot) = paths.iter().position(|(known, _)| *known == api) {
                slot
            } else {
                paths.push((api, None));
                paths.len() - 1
            };
            entries.push(SnapshotEntry { path, field, slot });
        }
        let reads = read_all(&connection, &paths, self.config.kv_version);
        let mut states = Vec::with_capacity(reads.len());
        for read in reads {
            states.push(read?);
        }
        Ok(Snapshot {
            entries,
            apis: paths.into_iter().map(|(api, _)| api).collect(),
            states,
        })
    }

    /// Writes `changes` (an index into the snapshot's secrets and its new value): each
    /// path once, with every change to it, as a new version with check-and-set on the
    /// version the snapshot read, paths concurrently. One result per change, in order;
    /// `landed` hears each change's result (its position in `changes`) as soon as its
    /// path's answer arrives, so that a caller can record each write as it lands rather
    /// than after all of them.
    pub fn write_snapshot(
        &self,
        snapshot: &Snapshot,
        changes: &[(usize, &SecretValue)],
        context: &Context<'_>,
        landed: &mut (dyn FnMut(usize, &Result<Written, VaultError>) + Send),
    ) -> Result<Vec<Result<Written, VaultError>>, VaultError> {
        let connection = self.connection(context)?;
        let kv_version = self.config.kv_version;
        // Each touched path: its data with every change applied, its expected version,
        // and the changes themselves (for a re-read after a conflict).
        let mut touched: Vec<(usize, SecretJson, u64, Vec<FieldChange>)> = Vec::new();
        // For each change, the position of its path in `touched`.
        let mut path_of: Vec<usize> = Vec::with_capacity(changes.len());
        for &(index, value) in changes {
            let entry = &snapshot.entries[index];
            let position =
                if let Some(position) = touched.iter().position(|(slot, ..)| *slot == entry.slot) {
                    position
                } else {
                    let (data, version) = snapshot.states[entry.slot].fields();
                    touched.push((entry.slot, data, version, Vec::new()));
                    touched.len() - 1
                };
            path_of.push(position);
            let (_, data, _, fields) = &mut touched[position];
            fields.push(FieldChange {
                field: entry.field.clone(),
                before: data
                    .expose()
                    .get(&entry.field)
                    .and_then(Value::as_str)
                    .map(|before| SecretValue::new(before.to_owned())),
                value: value.clone(),
            });
            data.insert(&entry.field, value.expose());
        }
        // What a path's answer means for one change to it.
        let result_of = |change: usize, answer: &Result<Option<u64>, VaultError>| {
            let entry = &snapshot.entries[changes[change].0];
            match answer {
                Ok(version) => Ok(Written {
                    source: self.name.clone(),
                    locator: self.locator(&entry.path, &entry.field, *version),
                }),
                Err(error) => Err(error.clone()),
            }
        };
        let mut results: Vec<Option<Result<Written, VaultError>>> =
            (0..changes.len()).map(|_| None).collect();
        let client = &connection.client;
        let limit = self.config.max_concurrency;
        drive(connection.runtime.get(), async {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(limit));
            let mut tasks = tokio::task::JoinSet::new();
            for (position, (slot, data, expected, fields)) in touched.into_iter().enumerate() {
                let client = Arc::clone(client);
                let api = snapshot.apis[slot].clone();
                let semaphore = Arc::clone(&semaphore);
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    let merge = Merge {
                        retries: CONFLICT_RETRIES,
                        theirs: Theirs::Kept,
                    };
                    let written =
                        write_merging(&client, &api, kv_version, data, expected, &fields, merge)
                            .await;
                    (position, written)
                });
            }
            // By position, so that a task that did not finish leaves its own changes
            // unanswered (reported below as not written) and moves no other result.
            while let Some(joined) = tasks.join_next().await {
                let Ok((position, answer)) = joined else {
                    continue;
                };
                for (change, _) in path_of.iter().enumerate().filter(|(_, p)| **p == position) {
                    let result = result_of(change, &answer);
                    landed(change, &result);
                    results[change] = Some(result);
                }
            }
        });
        Ok(results
            .into_iter()
            .enumerate()
            .map(|(change, result)| {
                result.unwrap_or_else(|| {
                    let result = Err(VaultError::Deadline {
                        seconds: connection.client.deadline().as_secs(),
                    });
                    landed(change, &result);
                    result
                })
            })
            .collect())
    }
}

/// One field a write changes: what was read in it before, and what is written.
struct FieldChange {
    field: String,
    before: Option<SecretValue>,
    value: SecretValue,
}

/// What [`write_merging`] does after a check-and-set conflict.
#[derive(Clone, Copy)]
struct Merge {
    /// How many times it reads again and merges (0: the conflict is the answer).
    retries: u32,
    /// What becomes of a changed field that another writer changed meanwhile.
    theirs: Theirs,
}

/// A field another writer changed between the read and the write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Theirs {
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
async fn write_merging(
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
        let now = |change: &FieldChange| newest.expose().get(&change.field).and_then(Value::as_str);
        if changes
            .iter()
            .all(|change| now(change) == Some(change.value.expose()))
        {
            return Ok(Some(current));
        }
        let untouched = changes.iter().all(|change| {
            let now = now(change);
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

/// When a version was written, from its `created_time`: RFC 3339 in UTC (`...Z`, as
/// Vault writes it) or with an offset (`+02:00`, as another server might). `None` when it
/// is neither; the secret's age is then unknown.
fn written_at(time: &str) -> Option<std::time::SystemTime> {
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
enum Field {
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
fn field_of(data: &SecretJson, field: &str, api: &str) -> Result<Field, VaultError> {
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

/// Whether `text` is longer than a secret may be ([`crate::file::SECRET_LIMIT`]).
fn too_large(text: &str) -> bool {
    u64::try_from(text.len()).map_or(true, |length| length > crate::file::SECRET_LIMIT)
}

/// Whether a JSON boolean or number reads back as the text it was written as: `true`,
/// `42`, `-7`. A number with a fraction or an exponent, or too large for 64 bits, has
/// been through a float (`12345678901234567890123` reads `1.2345678901234568e+22`): it
/// is not text, and is refused rather than changed.
fn exact(scalar: &Value) -> bool {
    match scalar {
        Value::Number(number) => number.is_u64() || number.is_i64(),
        _ => true,
    }
}

/// How many times a write reads again and merges after a check-and-set conflict, when
/// the caller named no version to expect: a read served by a standby can
/// be a version behind, and the write then conflicts with nothing but the past.
const CONFLICT_RETRIES: u32 = 4;

/// What a set of paths held when [`VaultSource::snapshot`] read them.
#[derive(Debug)]
pub struct Snapshot {
    entries: Vec<SnapshotEntry>,
    apis: Vec<String>,
    states: Vec<Read>,
}

#[derive(Debug)]
struct SnapshotEntry {
    path: String,
    field: String,
    slot: usize,
}

impl Snapshot {
    /// What secret `index` (in the order given to [`VaultSource::snapshot`]) holds.
    pub fn stored(&self, index: usize, source: &VaultSource) -> Stored {
        let entry = &self.entries[index];
        stored(&self.states[entry.slot], source, &entry.path, &entry.field).unwrap_or_else(|_| {
            Stored::Missing {
                locator: source.locator(&entry.path, &entry.field, None),
            }
        })
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Read {
    /// A copy of the path's fields, and the version a write must expect: empty and 0 when
    /// absent, empty and the deleted version's number when deleted or destroyed.
    fn fields(&self) -> (SecretJson, u64) {
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
fn stored(
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

/// Writes `data` (every field of the path) as a new version of `api`; on KV v2 with
/// check-and-set on `expected`. Returns the new version (KV v2).
///
/// When an earlier attempt's answer was lost (the node died after applying it), the
/// retry's check-and-set fails on the write itself; the path is read back, and the next
/// version holding exactly `data` is this write, reported as done, once.
async fn write_path(
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
    let reply = client.send(Method::POST, api, None, Some(&body)).await?;
    match reply.status {
        // KV v1 answers 204 and no body.
        200 | 204 if kv_version == 1 => Ok(None),
        // KV v2 answers the version written, and a check-and-set write on version N
        // makes N + 1. An answer without a version (a proxy's page, an empty body), or
        // with one at or below N (stale, or replayed), confirms nothing: the write may
        // not have happened.
        200 | 204 => match reply
            .json()
            .expose()
            .pointer("/data/version")
            .and_then(Value::as_u64)
        {
            Some(version) if version > expected => Ok(Some(version)),
            _ => Err(VaultError::Unexpected {
                path: api.to_owned(),
                what: format!(
                    "HTTP {} to a write, without the version written: it may not have been written",
                    reply.status
                ),
            }),
        },
        400 if String::from_utf8_lossy(&reply.body).contains("check-and-set") => {
            if reply.attempts > 1 {
                if let Read::Found {
                    data: now,
                    version: Some(version),
                    ..
                } = read(client, api, 2, None).await?
                {
                    if Some(version) == expected.checked_add(1) && now.expose() == data.expose() {
                        return Ok(Some(version));
                    }
                }
            }
            Err(VaultError::CasMismatch {
                path: api.to_owned(),
                expected,
            })
        }
        _ => Err(client.error_for(&reply, api, Access::Write)),
    }
}

/// Reads one KV secret.
async fn read(
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

impl Source for VaultSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Vault
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        if secrets.is_empty() {
            return Batch::default();
        }
        let connection = match self.connection(context) {
            Ok(connection) => connection,
            Err(error) => return Batch::failed(secrets.len(), &SourceError::Vault(error)),
        };
        // Plan: one read per distinct (path, version).
        let mut reads: Vec<(String, Option<u64>)> = Vec::new();
        let mut index: HashMap<(String, Option<u64>), usize> = HashMap::new();
        let plan: Vec<Result<(usize, String, String), VaultError>> = secrets
            .iter()
            .map(|spec| {
                let path = self.render(&self.config.path, "path", spec, context)?;
                let field = self.render(&self.config.field, "field", spec, context)?;
                let api = self.api_path(&path);
                let slot = *index.entry((api.clone(), spec.version)).or_insert_with(|| {
                    reads.push((api, spec.version));
                    reads.len() - 1
                });
                Ok((slot, path, field))
            })
            .collect();
        let results = read_all(&connection, &reads, self.config.kv_version);
        let lookups = plan
            .into_iter()
            .map(|planned| {
                let (slot, path, field) = match planned {
                    Ok(planned) => planned,
                    Err(error) => return Lookup::Failed(SourceError::Vault(error)),
                };
                let at = self.locator(&path, &field, None);
                match &results[slot] {
                    Err(error) => Lookup::Failed(SourceError::Vault(error.clone())),
                    Ok(Read::NotFound) => Lookup::Absent {
                        looked: vec![format!("{at} (not found)")],
                    },
                    Ok(Read::Deleted { version }) => Lookup::Absent {
                        looked: vec![format!("{at} (version {version} is deleted)")],
                    },
                    Ok(Read::Destroyed { version }) => Lookup::Absent {
                        looked: vec![format!("{at} (version {version} is destroyed)")],
                    },
                    Ok(Read::Found {
                        data,
                        version,
                        written,
                        ..
                    }) => match field_of(data, &field, &self.api_path(&path)) {
                        Ok(Field::Missing) => Lookup::Absent {
                            looked: vec![format!("{at} ({})", missing_field(&field, data))],
                        },
                        Ok(Field::Empty) => Lookup::Absent {
                            looked: vec![format!("{at} (empty)")],
                        },
                        Ok(Field::Text(value)) => Lookup::Found {
                            value,
                            locator: self.locator(&path, &field, *version),
                            written: *written,
                        },
                        Err(error) => Lookup::Failed(SourceError::Vault(error)),
                    },
                }
            })
            .collect();
        let mut warnings = connection_warnings(&connection);
        for ((api, _), result) in reads.iter().zip(&results) {
            if let Ok(Read::Found {
                unreadable_time: true,
                ..
            }) = result
            {
                warnings.push(format!(
                    "source `{}`: the created_time Vault gives for {api} cannot be read, so the age of its secrets is unknown (and whether a rotation is due)",
                    self.name
                ));
            }
        }
        Batch { lookups, warnings }
    }
}

/// "no field `value`; the path has `password`, `user`": the fields are names, not values,
/// and a secret stored under another field than the source's `field` is a common mistake.
fn missing_field(field: &str, data: &SecretJson) -> String {
    let names: Vec<String> = data
        .expose()
        .as_object()
        .map(|fields| {
            fields
                .keys()
                .take(10)
                .map(|name| format!("`{}`", name.escape_debug()))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        format!("no field `{field}`")
    } else {
        format!("no field `{field}`; the path has {}", names.join(", "))
    }
}

fn connection_warnings(connection: &Connection) -> Vec<String> {
    let settings = connection.client.settings();
    let mut warnings = Vec::new();
    if settings.skip_verify {
        warnings.push(format!(
            "VAULT_SKIP_VERIFY is set: the certificate of {} is NOT verified; anyone on the path can read these secrets",
            connection.client.addresses()
        ));
    }
    if let Some(manifest) = &settings.manifest_overridden {
        warnings.push(format!(
            "the manifest names Vault address {manifest}, but {} (from VAULT_ADDR / BAO_ADDR) is used",
            connection.client.addresses()
        ));
    }
    if let Some(file) = &settings.manifest_ca_ignored {
        warnings.push(format!(
            "the manifest's ca_cert ({file}) is not trusted for {}, an address the manifest does not name; set VAULT_CACERT to trust it",
            connection.client.addresses()
        ));
    }
    if let Some(set_aside) = &settings.login_set_aside {
        warnings.push(set_aside.to_string());
    }
    if settings.userinfo_removed {
        warnings.push(format!(
            "the Vault address {} was given with a user name or password, which Vault does not use: they were removed and are not sent",
            connection.client.addresses()
        ));
    }
    warnings
}

/// Reads every `(api path, version)` concurrently, at most `max_concurrency` at a time,
/// within an overall deadline (every attempt's time-out plus back-off, and at least
/// [`client::ELECTION_WAIT`]). A read that has
/// not finished by then fails with [`VaultError::Deadline`]; none is left out.
fn read_all(
    connection: &Connection,
    reads: &[(String, Option<u64>)],
    kv_version: u8,
) -> Vec<Result<Read, VaultError>> {
    let settings = connection.client.settings();
    let deadline = connection.client.deadline();
    let seconds = deadline.as_secs();
    drive(connection.runtime.get(), async {
        let limit = Arc::new(tokio::sync::Semaphore::new(settings.max_concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (slot, (api, version)) in reads.iter().cloned().enumerate() {
            let client = Arc::clone(&connection.client);
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (slot, read(&client, &api, kv_version, version).await)
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_created_time_with_an_offset_is_the_same_instant_in_utc() {
        let utc = super::written_at("2026-11-25T09:32:33.123Z").unwrap();
        assert_eq!(
            super::written_at("2026-11-25T11:32:33.123+02:00"),
            Some(utc)
        );
        assert_eq!(
            super::written_at("2026-11-25T04:02:33.123-05:30"),
            Some(utc)
        );
        for wrong in [
            "",
            "yesterday",
            "2026-11-25T11:32:33+2:00",
            "2026-11-25T11:32:33+24:00",
            "2026-11-25T11:32:3é+02:00",
            "2026-11-25T11:32:33.1+0é:00",
        ] {
            assert_eq!(super::written_at(wrong), None, "{wrong}");
        }
    }
}
