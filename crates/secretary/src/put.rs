//! Writing a secret: the value is validated against its declaration first, then written
//! to the environment's Vault source as a new KV version with check-and-set.

use crate::manifest::{EnvironmentSpec, Manifest, SourceConfig};
use crate::source::{Context, VaultError, VaultSource, Written};
use crate::validate::{self, Invalid};
use crate::{Error, SecretValue, Variables};

/// Why a value was not written. None of these hold the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PutError {
    /// The key is not declared, or the manifest is unusable.
    #[error(transparent)]
    Manifest(#[from] Error),
    /// The environment reads from no Vault source, so there is nowhere to write.
    #[error("environment `{environment}` has no vault source to write to")]
    NoVaultSource {
        /// The environment.
        environment: String,
    },
    /// The value is empty.
    #[error("refusing to write an empty value")]
    Empty,
    /// The value does not fit the secret's type or constraints.
    #[error("the value {0}")]
    Invalid(Invalid),
    /// The value looks like a placeholder, in an environment that forbids them.
    #[error("the value looks like a placeholder ({0}) and environment `{1}` forbids them")]
    Placeholder(&'static str, String),
    /// Vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Writes `value` for `key` to the first Vault source of `environment`'s chain.
///
/// `cas` is the version the write expects to replace; by default, the version read just
/// before writing (0 when the secret does not exist yet).
pub fn put(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    value: &SecretValue,
    cas: Option<u64>,
) -> Result<Written, PutError> {
    let spec = manifest.secret(key)?;
    let source = environment
        .sources
        .iter()
        .filter_map(|name| manifest.source(name))
        .find_map(|source| match &source.config {
            SourceConfig::Vault(config) => {
                Some(VaultSource::new(source.name.clone(), (**config).clone()))
            }
            _ => None,
        })
        .ok_or_else(|| PutError::NoVaultSource {
            environment: environment.name.clone(),
        })?;
    if value.is_empty() {
        return Err(PutError::Empty);
    }
    validate::check(spec, value.expose()).map_err(PutError::Invalid)?;
    if environment.forbid_placeholders {
        if let Some(rule) = validate::placeholder(value.expose()) {
            return Err(PutError::Placeholder(rule, environment.name.clone()));
        }
    }
    let context = Context::new(manifest, environment, vars);
    Ok(source.write(spec, &context, value, cas)?)
}
