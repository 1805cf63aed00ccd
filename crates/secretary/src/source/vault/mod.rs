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

mod client;
mod error;
mod settings;
mod tls;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use reqwest::Method;
use serde_json::Value;

pub use error::{NodeAnswer, VaultError};

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

/// A client and the runtime that drives it, made on first use and kept for the source's
/// life, so that connections and an AppRole token are reused.
#[derive(Debug)]
struct Connection {
    runtime: Background,
    client: Arc<Client>,
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
                Ok(Arc::new(Connection {
                    runtime,
                    client: Arc::new(client),
                }))
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
        let connection = self.connection(context)?;
        let path = self.render(&self.config.path, "path", spec, context)?;
        let field = self.render(&self.config.field, "field", spec, context)?;
        if self.config.kv_version == 1 && cas.is_some() {
            return Err(VaultError::Config {
                setting: "--cas".to_owned(),
                reason: "KV version 1 has no check-and-set".to_owned(),
            });
        }
        let api = self.api_path(&path);
        let client = &connection.client;
        drive(connection.runtime.get(), async {
            let (mut data, current) = match read(client, &api, self.config.kv_version, None).await?
            {
                Read::Found { data, version } => (data, version.unwrap_or(0)),
                Read::NotFound => (SecretJson::object(), 0),
                Read::Deleted { version } | Read::Destroyed { version } => {
                    (SecretJson::object(), version)
                }
            };
            data.insert(&field, value.expose());
            let expected = cas.unwrap_or(current);
            // The body holds the other fields' values and the new one: serialized once,
            // into memory that is zeroed when the last attempt is done with it.
            let body = if self.config.kv_version == 2 {
                Body::json(&Write {
                    options: Cas { cas: expected },
                    data: &data,
                })
            } else {
                Body::json(&*data)
            };
            let reply = client.send(Method::POST, &api, None, Some(&body)).await?;
            let written = |version| Written {
                source: self.name.clone(),
                locator: self.locator(&path, &field, version),
            };
            match reply.status {
                200 | 204 => {
                    let version = reply
                        .json()
                        .pointer("/data/version")
                        .and_then(Value::as_u64);
                    Ok(written(version))
                }
                400 if String::from_utf8_lossy(&reply.body).contains("check-and-set") => {
                    // When an earlier attempt's answer was lost (the node died after
                    // applying it), the retry finds its own write: the next version,
                    // holding exactly what was sent. That is a success, not a conflict.
                    if reply.attempts > 1 {
                        if let Read::Found {
                            data: now,
                            version: Some(version),
                        } = read(client, &api, 2, None).await?
                        {
                            if Some(version) == expected.checked_add(1) && *now == *data {
                                return Ok(written(Some(version)));
                            }
                        }
                    }
                    Err(VaultError::CasMismatch {
                        path: api.clone(),
                        expected,
                    })
                }
                _ => Err(client.error_for(&reply, &api)),
            }
        })
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
        (200, 2) => {
            let mut json = json;
            let version = json
                .pointer("/data/metadata/version")
                .and_then(Value::as_u64);
            match json.take_object("/data/data") {
                Some(data) => Ok(Read::Found { data, version }),
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
                }),
                None => Err(unexpected("a KV v1 answer without data")),
            }
        }
        // Only Vault's own 404 says the secret is not there; any other web server's
        // says nothing about it (a mistyped VAULT_ADDR).
        (404, _) if !reply.is_vaults() => Err(client.error_for(&reply, api)),
        (404, 2) => {
            let metadata = json.pointer("/data/metadata");
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
        _ => Err(client.error_for(&reply, api)),
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
                    Ok(Read::Found { data, version }) => match data.get(&field) {
                        None | Some(Value::Null) => Lookup::Absent {
                            looked: vec![format!("{at} (no such field)")],
                        },
                        Some(Value::String(text)) if text.is_empty() => Lookup::Absent {
                            looked: vec![format!("{at} (empty)")],
                        },
                        Some(Value::String(text)) => Lookup::Found {
                            value: SecretValue::new(text.clone()),
                            locator: self.locator(&path, &field, *version),
                        },
                        Some(scalar @ (Value::Number(_) | Value::Bool(_))) => Lookup::Found {
                            value: SecretValue::new(scalar.to_string()),
                            locator: self.locator(&path, &field, *version),
                        },
                        Some(_) => Lookup::Failed(SourceError::Vault(VaultError::NotText {
                            path: self.api_path(&path),
                            field,
                        })),
                    },
                }
            })
            .collect();
        Batch {
            lookups,
            warnings: connection_warnings(&connection),
        }
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
