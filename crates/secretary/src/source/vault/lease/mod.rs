//! A secrets engine that issues credentials with a lease (Vault's or OpenBao's
//! `database/creds/ROLE`): several secrets from one lease, taken once per process, kept
//! alive while the process runs ([`registry`]).
//!
//! ```toml
//! [sources.database]
//! type = "vault_lease"
//! path = "database/creds/{app}"    # {environment} and {app}; read once per process
//! secrets = { postgres_user = "username", postgres_password = "password" }
//! # reissue_grace = "10s"          # how long replaced credentials keep working
//! # address, auth, namespace, CA: as for a `vault` source (and the same connection)
//! ```
//!
//! A secret the source does not list is not there. A path that answers without a lease
//! (a KV path by mistake) or without a listed field fails the source: it is never read
//! as "not set".

mod calls;
mod claim;
mod events;
mod held;
mod keeper;
mod notify;
mod process;
pub mod registry;
mod revoking;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::settings::Settings;
use super::{Connection, VaultError, shared};
use crate::manifest::{SecretSpec, SourceKind};
use crate::source::kinds::LeaseConfig;
use crate::source::{Batch, Context, Lookup, Source, SourceError};
use crate::{Absence, Locator, Looked, Searched, SecretValue, Site};

/// Credentials with a lease, for the secrets a `vault_lease` source lists.
#[derive(Debug)]
pub struct LeaseSource {
    name: String,
    config: LeaseConfig,
    connection: OnceLock<Result<Arc<Connection>, VaultError>>,
}

/// Why credentials with a lease could not be had. Never holds one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// Talking to Vault failed.
    #[error("{0}")]
    Vault(VaultError),
    /// The path answered without a lease: not a secrets engine that issues credentials.
    #[error(
        "{path} answered without a lease: it is not a path that issues credentials (a KV path?)"
    )]
    NotALease {
        /// The API path.
        path: String,
    },
    /// The lease id is not one to show or record: it holds a control character, is not
    /// printable ASCII, is over 1,024 characters, or spells a value of the credentials it
    /// came with. It is revoked at once. A lease id goes to `status`, the audit log and
    /// messages; an eighth adversarial pass had a server's id clear the screen and carry
    /// the password.
    #[error(
        "{path} answered with a lease id that cannot be shown (not printable, or holding a value of its credentials)"
    )]
    UnfitLeaseId {
        /// The API path.
        path: String,
    },
    /// The answer has no `data`.
    #[error("{path} answered with a lease but no data")]
    NoData {
        /// The API path.
        path: String,
    },
    /// The answer lacks a field the source lists.
    #[error("{path} answered without the field `{field}` (it has: {})", available.join(", "))]
    MissingField {
        /// The API path.
        path: String,
        /// The field.
        field: String,
        /// The fields it has.
        available: Vec<String>,
    },
    /// The field is not text.
    #[error("the field `{field}` of {path} is not text")]
    NotText {
        /// The API path.
        path: String,
        /// The field.
        field: String,
    },
    /// Not asked for: the process is revoking its leases to end, and a lease issued now
    /// would outlive it.
    #[error(
        "the credentials from {path} are not served: the process is ending (stopped, or `secretary.end()` was called), and any issued were revoked"
    )]
    Ending {
        /// The API path.
        path: String,
    },
    /// The token may be used a limited number of times (a login role's
    /// `token_num_uses`, a `VAULT_TOKEN` made with `-use-limit`): Vault revokes it with
    /// its last use, and every lease read with it then, so credentials leased with it
    /// would stop working while the program holds them (the fifty-ninth and sixtieth
    /// adversarial passes). What was issued is revoked at once (said once as "was not
    /// read", of a lease read and then revoked: a sixty-second adversarial pass).
    #[error(
        "leased credentials from {path} are not used: the token may be used only a limited number of times (a login role's token_num_uses, or a token made with a use limit), and Vault revokes it, and the credentials leased with it, at its last use; any it was issued are revoked at once"
    )]
    LimitedUses {
        /// The API path.
        path: String,
    },
    /// The credentials ended and no new ones could be had.
    #[error("the credentials from {path} expired and new ones could not be had: {reason}")]
    Expired {
        /// The API path.
        path: String,
        /// Why new ones could not be had.
        reason: String,
    },
}

impl LeaseError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Vault(error) => error.hint(),
            Self::UnfitLeaseId { .. } => {
                "the server at VAULT_ADDR does not answer as Vault does: check that it is your Vault".to_owned()
            }
            Self::NotALease { .. } | Self::NoData { .. } => {
                "point the vault_lease source's `path` at a secrets engine's credentials (database/creds/ROLE); KV secrets belong in a `vault` source".to_owned()
            }
            Self::MissingField { .. } => {
                "fix the field names in the source's `secrets` table to those the engine answers".to_owned()
            }
            Self::NotText { .. } => "list only text fields in the source's `secrets` table".to_owned(),
            Self::LimitedUses { .. } => {
                "give the vault_lease source a token without a use limit: log in with a role whose tokens have none (token_num_uses=0), by its own role_id_file and secret_id_file, or set a VAULT_TOKEN made without one (a KV source sharing the limited one loses a use to the look-up that found the limit)".to_owned()
            }
            Self::Ending { .. } => {
                "nothing to do if the process is stopping; else read secrets before `secretary.end()`, which ends every lease and login of the process".to_owned()
            }
            Self::Expired { .. } => {
                "check that Vault is reachable and that the token may still read the path; the program was given credentials that no longer work".to_owned()
            }
        }
    }
}

impl LeaseSource {
    /// A source called `name` with `config`.
    pub fn new(name: String, config: LeaseConfig) -> Self {
        Self {
            name,
            config,
            connection: OnceLock::new(),
        }
    }

    /// Where it looked for a secret its `secrets` table does not list: nowhere but its
    /// own name.
    fn not_its_own(&self) -> Looked {
        Looked::new(Searched::Source(self.name.clone())).because(Absence::NotOneOfItsSecrets)
    }

    fn connection(&self, context: &Context<'_>) -> Result<Arc<Connection>, VaultError> {
        self.connection
            .get_or_init(|| {
                let settings =
                    Settings::resolve(&self.config.vault, context.vars, context.base_dir)?;
                shared::connection(settings, Connection::new)
            })
            .clone()
    }

    /// The API path read, in `context`.
    fn api(&self, context: &Context<'_>) -> Result<String, LeaseError> {
        let path = crate::manifest::expand(
            &self.config.vault.path,
            context.environment,
            "",
            context.app,
        )
        .ok_or_else(|| {
            LeaseError::Vault(VaultError::Config {
                setting: format!("source `{}` path", self.name),
                reason: "uses {app} but the manifest's [app] has no name".to_owned(),
            })
        })?;
        Ok(path.trim_matches('/').to_owned())
    }

    /// The credentials, issued now when this process holds none.
    fn credentials(
        &self,
        context: &Context<'_>,
    ) -> Result<(String, Arc<calls::Issued>), LeaseError> {
        let api = self.api(context)?;
        let connection = self.connection(context).map_err(LeaseError::Vault)?;
        let issued =
            registry::credentials(&self.name, &connection, &api, self.config.reissue_grace)?;
        Ok((api, issued))
    }
}

impl Source for LeaseSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::VAULT_LEASE
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let field_of = |spec: &SecretSpec| {
            self.config
                .secrets
                .iter()
                .find(|(key, _)| *key == spec.key)
                .map(|(_, field)| field.clone())
        };
        if !secrets.iter().any(|spec| field_of(spec).is_some()) {
            let lookups = secrets
                .iter()
                .map(|_| Lookup::Absent {
                    looked: vec![self.not_its_own()],
                })
                .collect();
            return Batch::new(lookups, Vec::new());
        }
        let (api, issued) = match self.credentials(context) {
            Ok(found) => found,
            // Only the secrets it lists fail with it: the others were never its to
            // serve, and the chain goes on for them.
            Err(error) => {
                let error = SourceError::Lease(error);
                let lookups = secrets
                    .iter()
                    .map(|spec| match field_of(spec) {
                        Some(_) => Lookup::Failed(error.clone()),
                        None => Lookup::Absent {
                            looked: vec![self.not_its_own()],
                        },
                    })
                    .collect();
                return Batch::new(lookups, Vec::new());
            }
        };
        let lookups = secrets
            .iter()
            .map(|spec| {
                let Some(field) = field_of(spec) else {
                    return Lookup::Absent {
                        looked: vec![self.not_its_own()],
                    };
                };
                match issued.data.expose().get(&field) {
                    Some(Value::String(text)) if !text.is_empty() => Lookup::Found {
                        value: SecretValue::new(text.clone()),
                        locator: Locator::new(
                            SourceKind::VAULT_LEASE,
                            Site::Field {
                                of: api.clone(),
                                field: field.clone(),
                            },
                        ),
                        written: None,
                        shape: None,
                    },
                    Some(Value::String(_)) => Lookup::Absent {
                        looked: vec![
                            Looked::new(Locator::new(
                                SourceKind::VAULT_LEASE,
                                Site::Field {
                                    of: api.clone(),
                                    field,
                                },
                            ))
                            .because(Absence::Empty),
                        ],
                    },
                    Some(_) => Lookup::Failed(SourceError::Lease(LeaseError::NotText {
                        path: api.clone(),
                        field,
                    })),
                    None => Lookup::Failed(SourceError::Lease(LeaseError::MissingField {
                        path: api.clone(),
                        available: issued
                            .data
                            .expose()
                            .as_object()
                            .map(|o| o.keys().cloned().collect())
                            .unwrap_or_default(),
                        field,
                    })),
                }
            })
            .collect();
        Batch::new(lookups, Vec::new())
    }
}
