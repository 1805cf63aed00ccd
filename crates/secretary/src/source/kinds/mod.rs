//! The kinds of source, one file each.
//!
//! A kind's file owns everything secretary knows about it: its spelling, the TOML
//! settings of its `[sources.NAME]` table with their JSON Schema and their checks, what
//! it can do as data, its one-line description, the places a secret is read from (the
//! one-place rule), where a missing secret could be put (its `Declaration` and
//! [`Settings`](crate::manifest::Settings), in the manifest's terms), and the
//! constructors of its [`Source`] and, when it can be written, its [`Store`] (its
//! `Kind`). The reading itself lives in the source's own module (`source/vault/`,
//! `source/sops.rs`...).
//!
//! Adding a kind is its file, which also declares its
//! [`SourceKind`](crate::manifest::SourceKind) constant and its settings as the
//! manifest's JSON Schema describes them (its `Declaration::settings`), and one line in
//! the `kinds!` list below, which declares its module and registers it in `KINDS`.
//! Nothing else names it. It may also want a [`Place`](crate::manifest::Place) or an
//! [`Extent`](crate::manifest::Extent) of its own when none fits, and its reader a module
//! of its own when it is more than a few lines; the manifest's reference page
//! (`docs/reference/manifest.md`) names its `type` and settings, which a test checks.

use crate::manifest::{Declaration, SourceConfig, SourceSpec};

use super::{Source, Store};

/// Declares each kind's module and registers its kinds in [`KINDS`], in order: one line
/// per file, `module: Kind, ...;`.
macro_rules! kinds {
    ($($module:ident: $($kind:ident),+;)+) => {
        $(mod $module;)+

        /// Every kind of source, each registered once, in the order the manifest's
        /// messages and its JSON Schema list them: the composition root. The crate root
        /// hands their declarations to the manifest's checker
        /// ([`declarations`](crate::declarations)), so the manifest names no kind and the
        /// source module may depend on the manifest.
        pub(crate) static KINDS: &[&dyn Kind] = &[$($(&$module::$kind,)+)+];
    };
}

kinds! {
    env: Env;
    dotenv: Dotenv;
    files: Files;
    vault: Vault;
    sops: Sops;
    exec: Exec;
    vault_lease: VaultLease;
    aws: SecretsManager, ParameterStore;
}

pub(crate) use aws::is_region;
pub use aws::{AwsConfig, AwsStore};
pub use dotenv::DotenvConfig;
pub use env::EnvConfig;
pub use exec::ExecConfig;
pub use files::FilesConfig;
pub use sops::{SopsConfig, SopsFormat};
pub use vault::{VaultAuth, VaultConfig};
pub use vault_lease::LeaseConfig;

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
    KINDS
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
