//! What `put`, `rotate`, `rollback` and `import` write to: a [`Store`], made by a kind
//! whose capabilities have [`Capability::Write`](crate::manifest::Capability)
//! (`vault`, `aws_secrets_manager`). The commands go through this trait, never past it
//! to one kind's source.

use std::any::Any;

use crate::SecretValue;
use crate::manifest::{SecretSpec, SourceKind};

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
    /// What this kind of store cannot do (a write at an expected version on AWS Secrets
    /// Manager, which has no check-and-set).
    #[error("source `{source_name}` ({kind}) cannot {what}")]
    Unsupported {
        /// The source.
        source_name: String,
        /// Its kind.
        kind: SourceKind,
        /// What was asked, and why it cannot be done.
        what: StoreLimit,
    },
}

/// A source that can be written.
pub trait Store: Source {
    /// Whether it keeps numbered versions to roll back to: its kind's
    /// [`Capability::Versions`](crate::manifest::Capability), unless its settings say
    /// otherwise (a KV version 1 mount).
    fn keeps_versions(&self) -> bool {
        self.kind()
            .capabilities()
            .has(crate::manifest::Capability::Versions)
    }

    /// Why it cannot go back to a numbered version, when it keeps none
    /// ([`Store::keeps_versions`]): what `rollback` says.
    fn without_versions(&self) -> StoreLimit {
        StoreLimit::NoVersions
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

/// What a kind of store cannot do, and why ([`StoreError::Unsupported`]). Its `Display`
/// completes "source `NAME` (KIND) cannot ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreLimit {
    /// Roll back to a version: the kind keeps no numbered versions.
    NoVersions,
    /// Roll back to a version: a KV version 1 mount keeps none (a twenty-sixth
    /// adversarial pass saw "no version before the current one" said instead).
    KvVersion1,
    /// Roll back to a version on AWS Secrets Manager, whose versions are staging labels.
    RollBackStagingLabels,
    /// Read a numbered version from AWS Secrets Manager, whose versions are staging
    /// labels.
    ReadStagingLabels,
    /// Write only at an expected version: AWS Secrets Manager has no check-and-set.
    NoCheckAndSet,
}

impl std::fmt::Display for StoreLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// What Secrets Manager has instead of numbered versions, and how to go back.
        const STAGING_LABELS: &str = "Secrets Manager's versions are staging labels: move AWSCURRENT with `aws secretsmanager update-secret-version-stage`";
        match self {
            Self::NoVersions => {
                f.write_str("roll back to a version: it keeps no numbered versions")
            }
            Self::KvVersion1 => f.write_str(
                "roll back to a version: its mount is KV version 1 (`kv_version = 1`), which keeps no versions; KV version 2 does",
            ),
            Self::RollBackStagingLabels => write!(f, "roll back to a version ({STAGING_LABELS})"),
            Self::ReadStagingLabels => write!(f, "read a numbered version ({STAGING_LABELS})"),
            Self::NoCheckAndSet => f.write_str(
                "write only at an expected version (Secrets Manager has no check-and-set)",
            ),
        }
    }
}
