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
mod kv;
pub mod lease;
mod settings;
mod shared;
mod snapshot;
mod store;
mod tls;
mod write;

use std::sync::{Arc, OnceLock};

pub use error::{Access, LoginMethod, NodeAnswer, TlsFailure, VaultError};

use super::{Batch, Context, Lookup, Source, SourceError};
use crate::manifest::{SecretSpec, SourceKind};
use crate::source::kinds::VaultConfig;
use crate::{Absence, Locator, Looked, SecretValue, Warning};
use client::Client;
pub(in crate::source) use client::{Body, SecretJson};
pub(in crate::source) use kv::written_at;
use kv::{
    At, Cas, Field, Planned, Read, ReadPlan, Write, field_of, read, read_all, stored, text_of,
};
use settings::Settings;
pub(in crate::source) use settings::is_loopback;
pub(crate) use settings::{retries_chosen, server};
pub use snapshot::Snapshot;
use write::{CONFLICT_RETRIES, FieldChange, Merge, Theirs, write_merging};

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
    /// A digest of the settings it was made with ([`shared`]): two connections with the
    /// same are interchangeable (one dropped from the kept, or made while the kept list
    /// was busy, and made again), and hold one lease per path between them.
    settings: [u8; 32],
    /// A digest of what names its server ([`shared::server_fingerprint`]): addresses,
    /// namespace and TLS trust, not credentials.
    server: [u8; 32],
}

impl Connection {
    /// Revokes the token its client logged in for ([`Client::log_out`]), waiting at most
    /// `within`: whether one was.
    fn log_out_within(&self, within: std::time::Duration) -> Result<bool, VaultError> {
        let client = &self.client;
        drive(self.runtime.get(), async {
            tokio::time::timeout(within, client.log_out())
                .await
                .unwrap_or_else(|_| {
                    Err(VaultError::Timeout {
                        address: client.preferred().to_owned(),
                        seconds: within.as_secs(),
                    })
                })
        })
    }

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
        let digest = shared::fingerprint(&settings);
        let server = shared::server_fingerprint(&settings);
        let client = drive(runtime.get(), async { Client::new(settings) })?;
        Ok(Self {
            runtime,
            client: Arc::new(client),
            settings: digest,
            server,
        })
    }
}

/// A runtime that shuts down without blocking when dropped, so that dropping a source
/// inside an async context (where blocking is forbidden) is safe.
#[derive(Debug)]
pub(in crate::source) struct Background(Option<tokio::runtime::Runtime>);

impl Background {
    /// A current-thread runtime with time and I/O, shut down without blocking when
    /// dropped (what the AWS sources also run on).
    pub(in crate::source) fn new() -> std::io::Result<Self> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| Self(Some(runtime)))
    }

    /// The runtime.
    pub(in crate::source) fn get(&self) -> &tokio::runtime::Runtime {
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
pub(in crate::source) fn drive<F>(runtime: &tokio::runtime::Runtime, future: F) -> F::Output
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
        crate::manifest::expand(template, context.environment, &spec.key, context.app).ok_or_else(
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
}

impl Source for VaultSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::VAULT
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        if secrets.is_empty() {
            return Batch::default();
        }
        let connection = match self.connection(context) {
            Ok(connection) => connection,
            Err(error) => return Batch::failed(secrets.len(), &SourceError::Vault(error)),
        };
        let ReadPlan {
            secrets: plan,
            reads,
        } = self.plan(secrets, context, At::Pinned);
        let results = read_all(&connection, &reads, self.config.kv_version, context.retries);
        let lookups = plan
            .into_iter()
            .map(|planned| {
                let Planned { path, field, slot } = match planned {
                    Ok(planned) => planned,
                    Err(error) => return Lookup::Failed(SourceError::Vault(error)),
                };
                let at = self.locator(&path, &field, None);
                let absent = |why: Absence| Lookup::Absent {
                    looked: vec![Looked::new(at.clone()).because(why)],
                };
                match &results[slot] {
                    Err(error) => Lookup::Failed(SourceError::Vault(error.clone())),
                    Ok(Read::NotFound) => absent(Absence::NotFound),
                    Ok(Read::Deleted { version }) => absent(Absence::Deleted { version: *version }),
                    Ok(Read::Destroyed { version }) => {
                        absent(Absence::Destroyed { version: *version })
                    }
                    Ok(Read::Found {
                        data,
                        version,
                        written,
                        ..
                    }) => match field_of(data, &field, &self.api_path(&path)) {
                        Ok(Field::Missing) => absent(missing_field(&field, data)),
                        Ok(Field::Empty) => absent(Absence::Empty),
                        Ok(Field::Text(value)) => Lookup::Found {
                            value,
                            locator: self.locator(&path, &field, *version),
                            written: *written,
                            shape: None,
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
                warnings.push(Warning::UnreadableCreatedTime {
                    source: self.name.clone(),
                    path: api.clone(),
                });
            }
        }
        Batch { lookups, warnings }
    }
}

/// "no field `value`; the path has `password`, `user`": the fields are names, not values,
/// and a secret stored under another field than the source's `field` is a common mistake.
fn missing_field(field: &str, data: &SecretJson) -> Absence {
    let fields: Vec<String> = data
        .expose()
        .as_object()
        .map(|fields| fields.keys().take(10).cloned().collect())
        .unwrap_or_default();
    Absence::NoFieldAtPath {
        field: field.to_owned(),
        fields,
    }
}

fn connection_warnings(connection: &Connection) -> Vec<Warning> {
    let settings = connection.client.settings();
    let mut warnings = Vec::new();
    if settings.skip_verify {
        warnings.push(Warning::TlsNotVerified {
            addresses: connection.client.addresses(),
        });
    }
    if let Some(manifest) = &settings.manifest_overridden {
        warnings.push(Warning::AddressOverridden {
            manifest: manifest.clone(),
            addresses: connection.client.addresses(),
        });
    }
    if let Some(file) = &settings.manifest_ca_ignored {
        warnings.push(Warning::CaCertIgnored {
            file: file.clone(),
            addresses: connection.client.addresses(),
        });
    }
    if let Some(set_aside) = &settings.login_set_aside {
        warnings.push(Warning::LoginSetAside(set_aside.to_string()));
    }
    for empty in &settings.hidden {
        warnings.push(Warning::VariableHidden {
            empty: empty.clone(),
        });
    }
    if settings.userinfo_removed {
        warnings.push(Warning::AddressUserinfoRemoved {
            addresses: connection.client.addresses(),
        });
    }
    warnings
}

/// The settings of `[sources.vault]` with `extra` lines, as the manifest checks them: for
/// the tests of this module's parts.
#[cfg(test)]
fn config_for_tests(extra: &str) -> VaultConfig {
    let text = format!("version = 1\n[sources.vault]\ntype = \"vault\"\n{extra}\n");
    let manifest =
        crate::manifest::Manifest::parse(&text, std::path::Path::new("secrets.toml")).unwrap();
    manifest
        .source("vault")
        .unwrap()
        .config
        .get::<VaultConfig>()
        .unwrap()
        .clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_created_time_with_an_offset_is_the_same_instant_in_utc() {
        let utc = super::kv::written_at("2026-11-25T09:32:33.123Z").unwrap();
        assert_eq!(
            super::kv::written_at("2026-11-25T11:32:33.123+02:00"),
            Some(utc)
        );
        assert_eq!(
            super::kv::written_at("2026-11-25T04:02:33.123-05:30"),
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
            assert_eq!(super::kv::written_at(wrong), None, "{wrong}");
        }
    }
}
