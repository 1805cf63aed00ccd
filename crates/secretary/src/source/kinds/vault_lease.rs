//! `type = "vault_lease"`: credentials a Vault secrets engine issues with a lease, one
//! lease per process for every secret the source lists. Its connection is a `vault`
//! source's.

use std::path::Path;
use std::time::Duration;

use super::Kind;
use crate::duration::parse_duration;
use crate::manifest::{Setting, Spot, 
    Declaration, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table, expand,
};
use crate::source::{LeaseSource, Source};

use super::vault::{self, VaultConfig, normalised};

/// The `vault_lease` kind.
pub(crate) struct VaultLease;

impl SourceKind {
    /// `vault_lease`: credentials a Vault secrets engine issues with a lease.
    pub const VAULT_LEASE: SourceKind = SourceKind::new("vault_lease");
}

impl Declaration for VaultLease {
    fn kind(&self) -> SourceKind {
        SourceKind::VAULT_LEASE
    }

    fn description(&self) -> &'static str {
        "credentials a Vault secrets engine issues with a lease, per process"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            Setting::new(
                "secrets",
                "which secret is which field of the answer, e.g. { postgres_user = \"username\", postgres_password = \"password\" }.",
                r#"{ "type": "object", "minProperties": 1, "propertyNames": { "pattern": "^[a-z][a-z0-9_]*$" }, "additionalProperties": { "type": "string", "minLength": 1 } }"#,
            )
            .required(),
            Setting::new(
                "reissue_grace",
                "how long credentials replaced by new ones keep working before they are revoked (default 10s).",
                r##"{ "$ref": "#/definitions/duration" }"##,
            ),
            vault::ADDRESS,
            vault::NAMESPACE,
            Setting::new(
                "path",
                "the path a secrets engine issues credentials at (`database/creds/{app}`), read once per process.",
                r#"{ "type": "string", "minLength": 1 }"#,
            )
            .required(),
            vault::AUTH,
            vault::APPROLE_MOUNT,
            vault::ROLE_ID_FILE,
            vault::SECRET_ID_FILE,
            vault::TOKEN_FILE,
            vault::JWT_MOUNT,
            vault::JWT_ROLE,
            vault::JWT_FILE,
            vault::CA_CERT,
        ]}
    }

    /// A `vault_lease` source: its connection as a vault source's, its `path` (required,
    /// without `{key}`: one read serves every secret), `secrets` and `reissue_grace`.
    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        let name = table.name();
        let secrets = table
            .take::<std::collections::BTreeMap<String, String>>("secrets")
            .ok()?;
        let grace = table.take::<String>("reissue_grace").ok()?;
        // `path` is read again by the connection's check.
        let path = table.take::<String>("path").ok()?;
        let Some(path) = path else {
            table.report(
                table.at(),
                format!("vault_lease source `{name}` needs `path`"),
                Some("for example `path = \"database/creds/{app}\"`".to_owned()),
            );
            return None;
        };
        if path.get_ref().contains("{key}") {
            table.report(
                path.span().start,
                format!("vault_lease source `{name}`: `path` cannot use {{key}}: one read serves all its secrets"),
                Some("name the role, with {environment} or {app} if they vary".to_owned()),
            );
            return None;
        }
        let secrets: Vec<(String, String)> = match secrets {
            Some(secrets)
                if !secrets.get_ref().is_empty()
                    && secrets
                        .get_ref()
                        .iter()
                        .all(|(k, f)| !k.is_empty() && !f.is_empty()) =>
            {
                secrets.into_inner().into_iter().collect()
            }
            other => {
                table.report(
                    other.as_ref().map_or(table.at(), |s| s.span().start),
                    format!("vault_lease source `{name}` needs `secrets`: which secret is which field of the answer"),
                    Some("for example `secrets = { postgres_user = \"username\", postgres_password = \"password\" }`".to_owned()),
                );
                return None;
            }
        };
        // A lease answers a few fields: bounded, so that the one-place check, which asks
        // each secret's field of the list, stays linear (a thirty-eighth adversarial
        // pass: 32,000 listed took 36 s).
        if secrets.len() > MOST_FIELDS {
            table.report(
                table.at(),
                format!(
                    "vault_lease source `{name}` lists {} secrets: a lease answers a few fields, at most {MOST_FIELDS}",
                    secrets.len()
                ),
                None,
            );
            return None;
        }
        if let Some((key, _)) = secrets
            .iter()
            .find(|(key, _)| !table.secret_keys().contains(key))
        {
            table.report(
                table.at(),
                format!(
                    "vault_lease source `{name}` lists `{key}`, which is not a declared secret"
                ),
                Some(format!("declare it as [secrets.{key}], or fix the name")),
            );
            return None;
        }
        let reissue_grace = match grace {
            Some(raw) => match parse_duration(raw.get_ref()) {
                Ok(duration) => duration,
                Err(error) => {
                    table.report(
                        raw.span().start,
                        format!("`reissue_grace` of source `{name}` is {error}"),
                        Some("write it as `10s` or `1m`".to_owned()),
                    );
                    return None;
                }
            },
            None => LeaseConfig::DEFAULT_REISSUE_GRACE,
        };
        table.put_back("path", path);
        let vault = vault::check(table)?;
        Some(SourceConfig::new(LeaseConfig {
            vault,
            secrets,
            reissue_grace,
        }))
    }
}

impl Kind for VaultLease {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<LeaseConfig>()?;
        Some(Box::new(LeaseSource::new(name, config.clone())))
    }
}

/// Settings of a `vault_lease` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LeaseConfig {
    /// The connection (address, login, namespace, CA) as a `vault` source's, and `path`,
    /// the credentials' path template (`{environment}`, `{app}`).
    pub vault: VaultConfig,
    /// Which secret is which field of the answer: (key, field), in the manifest's order.
    pub secrets: Vec<(String, String)>,
    /// How long credentials replaced by new ones keep working (default 10 s).
    pub reissue_grace: Duration,
}

/// The most secrets a `vault_lease` source lists.
const MOST_FIELDS: usize = 64;

impl LeaseConfig {
    /// How long replaced credentials keep working when the manifest does not say.
    pub const DEFAULT_REISSUE_GRACE: Duration = Duration::from_secs(10);
}

impl Settings for LeaseConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::VAULT_LEASE
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        format!(
            "credentials issued with a lease by Vault at {} (a new user and password for each process)",
            self.vault.path
        )
    }

    fn places(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Spot> {
        // A lease's place is its path's field, on its servers, in its namespace: the same
        // path in two namespaces, or on two clusters, is two places (a sixty-eighth
        // adversarial pass saw `teama` and `teamb` refused as one).
        let namespace = match &self.vault.namespace {
            Some(namespace) => format!(" in namespace `{}`", super::vault::root_as_empty(namespace)),
            None => String::new(),
        };
        let servers = match self.vault.address.as_slice() {
            [] => String::new(),
            addresses => format!(" at {}", addresses.join(", ")),
        };
        self.secrets
            .iter()
            .filter(|(key, _)| *key == spec.key)
            .filter_map(|(_, field)| {
                expand(&self.vault.path, environment, "", app).map(|path| {
                    Spot::Named(format!(
                        "vault_lease:{}#{field}{namespace}{servers}",
                        normalised(&path)
                    ))
                })
            })
            .collect()
    }

    fn place_for(
        &self,
        source: &str,
        _spec: &SecretSpec,
        _environment: &str,
        _app: Option<&str>,
        _shown_dir: &Path,
    ) -> Place {
        Place::Lease(source.to_owned())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
