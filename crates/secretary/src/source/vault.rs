//! HashiCorp Vault and OpenBao KV (not yet readable).
//!
//! ```toml
//! [sources.vault]
//! type = "vault"             # address, token, namespace, CA from VAULT_* or BAO_*
//! mount = "secret"
//! path = "{environment}/{key}"
//! field = "value"
//! ```
//!
//! The manifest already accepts and checks this configuration, so that manifests can be
//! written for it, but reading is not implemented yet: every lookup *fails* (it never
//! reports "absent"), so an environment that lists this source fails closed instead of
//! silently using whatever comes next in its chain.

use super::{Batch, Context, Source, SourceError};
use crate::manifest::{SecretSpec, VaultConfig};

/// A Vault / OpenBao KV source.
#[derive(Debug)]
pub struct VaultSource {
    name: String,
    config: VaultConfig,
}

impl VaultSource {
    /// A source called `name` with `config`.
    pub fn new(name: String, config: VaultConfig) -> Self {
        Self { name, config }
    }

    /// Its configuration.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }
}

impl Source for VaultSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "vault"
    }

    fn lookup(&self, secrets: &[&SecretSpec], _context: &Context<'_>) -> Batch {
        let error = SourceError::Unsupported {
            kind: "vault",
            name: self.name.clone(),
        };
        Batch::failed(secrets.len(), &error)
    }
}
