//! What `put`, `rotate`, `rollback` and `import` write to: a [`Store`], made by a kind
//! whose capabilities have [`Capability::Write`](crate::manifest::Capability)
//! (`vault`, `aws_secrets_manager`). The commands go through this trait, never past it
//! to one kind's source.

use std::any::Any;

use crate::SecretValue;
use crate::manifest::SecretSpec;

use super::{AwsError, Context, Source, SourceError, Stored, VaultError, Written};

/// Why a store did not read or write. None of these hold a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// AWS refused or failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// What this kind of store cannot do (`--cas` on AWS Secrets Manager, which has no
    /// check-and-set).
    #[error("source `{source_name}` ({kind}) cannot {what}")]
    Unsupported {
        /// The source.
        source_name: String,
        /// Its kind.
        kind: &'static str,
        /// What was asked.
        what: &'static str,
    },
}

/// A source that can be written.
pub trait Store: Source {
    /// Why it cannot go back to a numbered version, for kinds without
    /// [`Capability::Versions`](crate::manifest::Capability): what `rollback` says.
    fn without_versions(&self) -> &'static str {
        "roll back to a version: it keeps no numbered versions"
    }

    /// What `spec` holds now (`version` `None`), or held at `version`, for kinds that
    /// keep numbered versions.
    fn stored(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        version: Option<u64>,
    ) -> Result<Stored, StoreError>;

    /// Writes `value` as `spec`'s new current value; `cas`, for kinds with
    /// check-and-set, is the version it must replace (default: the one just read).
    fn write(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        value: &SecretValue,
        cas: Option<u64>,
    ) -> Result<Written, StoreError>;

    /// Reads what each of `specs` holds now, for an import's plan, failing on any
    /// failure.
    fn plan(&self, specs: &[&SecretSpec], context: &Context<'_>) -> Result<Plan, StoreError>;

    /// What the secret at `index` of `plan`'s held when it was read.
    fn planned(&self, plan: &Plan, index: usize) -> Stored;

    /// Writes `changes` (an index into `plan`'s secrets, and its new value), against what
    /// the plan read where the kind can check that. One result per change, in order;
    /// `landed` hears each as soon as it is answered, so a caller can record each write
    /// as it lands.
    fn apply(
        &self,
        plan: &Plan,
        changes: &[(usize, &SecretValue)],
        context: &Context<'_>,
        landed: &mut (dyn FnMut(usize, &Result<Written, SourceError>) + Send),
    ) -> Result<Vec<Result<Written, SourceError>>, StoreError>;
}

/// What a [`Store`] read for an import's plan, as its kind keeps it.
pub struct Plan(Box<dyn Any + Send + Sync>);

impl Plan {
    /// A plan holding `read`.
    pub fn new(read: impl Any + Send + Sync) -> Self {
        Self(Box::new(read))
    }

    /// What it holds, as the kind that made it reads it.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plan")
    }
}
