//! The kinds of source, one file each.
//!
//! A kind's file owns everything secretary knows about it: the TOML settings of its
//! `[sources.NAME]` table and their checks, what it can do as data, its one-line
//! description, the places a secret is read from (the one-place rule), where a missing
//! secret could be put (its `Declaration` and [`Settings`](crate::manifest::Settings),
//! in the manifest's terms),
//! and the constructors of its [`Source`] and, when it can be written, its [`Store`]
//! (its `Kind`). The reading itself lives in the source's own module (`source/vault/`,
//! `source/sops.rs`...).
//!
//! Adding a kind is its file, a [`SourceKind`](crate::manifest::SourceKind) variant with
//! its spelling, and one line in the crate root's `KINDS`.

use crate::manifest::{Declaration, SourceConfig, SourceSpec};

use super::{Source, Store};

mod aws;
mod dotenv;
mod env;
mod exec;
mod files;
mod sops;
mod vault;
mod vault_lease;

pub use aws::{AwsConfig, AwsStore};
pub(crate) use aws::{ParameterStore, SecretsManager, is_region};
pub(crate) use dotenv::Dotenv;
pub use dotenv::DotenvConfig;
pub(crate) use env::Env;
pub use env::EnvConfig;
pub(crate) use exec::Exec;
pub use exec::ExecConfig;
pub(crate) use files::Files;
pub use files::FilesConfig;
pub(crate) use sops::Sops;
pub use sops::{SopsConfig, SopsFormat};
pub(crate) use vault::Vault;
pub use vault::{VaultAuth, VaultConfig};
pub use vault_lease::LeaseConfig;
pub(crate) use vault_lease::VaultLease;

/// A kind of source, as the source module knows it: its manifest [`Declaration`], and
/// the constructors of what reads (and writes) it.
pub(crate) trait Kind: Declaration + AsDeclaration {
    /// A source named `name` with `config`, when `config` is this kind's.
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>>;

    /// A store that `put`, `rotate`, `rollback` and `import` write to, for kinds whose
    /// capabilities have [`Capability::Write`](crate::manifest::Capability).
    fn store(&self, _config: &SourceConfig, _name: String) -> Option<Box<dyn Store>> {
        None
    }
}

/// A kind as the manifest's checker asks it, its [`Declaration`]: said once here for
/// every kind rather than by each.
pub(crate) trait AsDeclaration {
    /// Itself, as a declaration.
    fn declaration(&self) -> &dyn Declaration;
}

impl<T: Declaration> AsDeclaration for T {
    fn declaration(&self) -> &dyn Declaration {
        self
    }
}

/// The registered kind of `spec`'s source.
fn kind_of(spec: &SourceSpec) -> Option<&'static dyn Kind> {
    crate::KINDS
        .iter()
        .copied()
        .find(|kind| kind.kind() == spec.config.kind())
}

/// Builds the source `spec` describes, by its kind's constructor.
pub(crate) fn build(spec: &SourceSpec) -> Option<Box<dyn Source>> {
    kind_of(spec)?.build(&spec.config, spec.name.clone())
}

/// The store `spec` describes, when its kind can be written.
pub(crate) fn store(spec: &SourceSpec) -> Option<Box<dyn Store>> {
    kind_of(spec)?.store(&spec.config, spec.name.clone())
}
