//! Writing secrets to Vault or AWS Secrets Manager: `put` (one value), `rotate` (a new
//! value made as the secret declares, or provided), `rollback` (an earlier version
//! written again; Vault only) and `import` (every secret of one environment copied into
//! another's store). Writes go to the environment's first `vault` or
//! `aws_secrets_manager` source. Every value is checked against its declaration and the
//! target environment's rules before anything is sent; every Vault write is a new KV
//! version with check-and-set, so no concurrent writer is ever overwritten; a Secrets
//! Manager write is a new version made with a `ClientRequestToken` of its own, so that a
//! retried request makes one version (Secrets Manager has no check-and-set).

use crate::generate::generate;
use crate::manifest::Capability;
use crate::manifest::{EnvironmentSpec, Manifest, NewValue, SecretSpec, SourceKind};
use crate::source::{
    AwsError, Context, Store, StoreError, StoreLimit, Stored, VaultError, Written,
};
use crate::validate::{self, Inadmissible, Invalid};
use crate::{Error, SecretValue, Variables};

mod import;

pub use import::{Action, Applied, Import, ImportItem, ImportSource, import};

/// Why a value was not written. None of these hold the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PutError {
    /// The key is not declared, or the manifest is unusable.
    #[error(transparent)]
    Manifest(#[from] Error),
    /// The environment reads from no Vault or AWS Secrets Manager source, so there is
    /// nowhere to write.
    #[error("environment `{environment}` has no vault or aws_secrets_manager source to write to{}", with_vault_text(.with_vault))]
    NoVaultSource {
        /// The environment.
        environment: String,
        /// The environments that have one.
        with_vault: Vec<String>,
    },
    /// The secret is built by a `template` in the environment: no source is asked for its
    /// value, so one written would never be read.
    #[error(
        "secret `{key}` is built by a template in environment `{environment}` (from {}): a value written for it would never be read; write its inputs instead",
        .inputs.iter().map(|input| format!("`{input}`")).collect::<Vec<_>>().join(", ")
    )]
    Built {
        /// The secret.
        key: String,
        /// The environment.
        environment: String,
        /// The secrets its template names.
        inputs: Vec<String>,
    },
    /// The secret's value is issued with a lease by a `vault_lease` source that the
    /// environment asks before the one written to: a value written would never be read.
    #[error(
        "secret `{key}` is issued with a lease by source `{lease}` in environment `{environment}`, which is asked before the source written to: a value written for it would never be read"
    )]
    Leased {
        /// The secret.
        key: String,
        /// The `vault_lease` source.
        lease: String,
        /// The environment.
        environment: String,
    },
    /// The secret is pinned to a version by the manifest (`version = N`): a rollback
    /// writes a new version, which would not be read.
    #[error(
        "secret `{key}` is pinned to version {version} by the manifest: a rollback writes a new version, which would not be read"
    )]
    Pinned {
        /// The secret.
        key: String,
        /// The version it is pinned to.
        version: u64,
    },
    /// The value holds a NUL byte, which no environment variable can carry: `run` would
    /// then refuse to start anything.
    #[error(
        "the value holds a NUL byte, which no environment variable can carry (`run` could not pass it on)"
    )]
    NulByte,
    /// `rollback --to` the version that is already the current one.
    #[error("version {0} is the current version: there is nothing to roll back")]
    AlreadyCurrent(u64),
    /// `rollback --to` a version that holds the value the current one holds.
    #[error("version {0} holds the current value: there is nothing to roll back")]
    SameValue(u64),
    /// `rollback --to` a version after the current one, which cannot exist yet.
    #[error(
        "version {requested} is after the current version, {current}: there is no such version"
    )]
    NoSuchVersion {
        /// The version asked for.
        requested: u64,
        /// The current version.
        current: u64,
    },
    /// The value is empty.
    #[error("refusing to write an empty value")]
    Empty,
    /// The value does not fit the secret's type or constraints.
    #[error("the value {0}")]
    Invalid(Invalid),
    /// The value looks like a placeholder, in an environment that forbids them.
    #[error("the value looks like a placeholder ({0}) and environment `{1}` forbids them")]
    Placeholder(crate::validate::PlaceholderRule, String),
    /// A secret whose new value someone provides was rotated without one.
    #[error(
        "`{0}` is rotated with a value someone provides (generate = \"provided\"): none was given"
    )]
    NeedsValue(String),
    /// The random bytes for a new value could not be had from the operating system.
    #[error("no random bytes from the operating system: {0}")]
    Random(String),
    /// The version to roll back to holds a value the secret's rules refuse now (its
    /// type, constraints or placeholder rule): nothing was written. Named with its
    /// number, which `rollback` without `--to` chose (said once without it: a
    /// sixty-second adversarial pass).
    #[error("version {version} holds a value the current rules refuse: {refused}")]
    RefusedVersion {
        /// The version rolled back to.
        version: u64,
        /// Why its value is refused ([`PutError::Invalid`] or [`PutError::Placeholder`]).
        refused: Box<PutError>,
    },
    /// The version to roll back to holds nothing for this secret.
    #[error("{locator} holds no value to roll back to ({state}{})", if *state == Unusable::Missing { format!(": version {version} is not kept, pruned by `max_versions` (the secret's own or its mount's) or never written") } else { String::new() })]
    NothingToRollBackTo {
        /// Where it looked.
        locator: String,
        /// The version it looked at (a twenty-sixth adversarial pass saw a pruned one
        /// said as `missing` without its number).
        version: u64,
        /// What that version is instead.
        state: Unusable,
    },
    /// An import from the environment it writes to.
    #[error("cannot import environment `{0}` into itself")]
    SameEnvironment(String),
    /// An import from the Vault source it writes to.
    #[error("cannot import source `{0}` into itself")]
    SameSource(String),
    /// An import from a source the manifest does not define.
    #[error("source `{name}` is not defined (defined: {})", defined.join(", "))]
    UnknownSource {
        /// The name given.
        name: String,
        /// The sources the manifest defines.
        defined: Vec<String>,
    },
    /// `rollback`: another version was written after the current one was read, so the
    /// version to roll back to was chosen against a history that has moved on. Unlike
    /// `put`, a rollback is not merged into the newest version: nothing was written.
    #[error("another version was written after version {read} was read: nothing was rolled back")]
    Overtaken {
        /// The version read as the current one.
        read: u64,
    },
    /// There is no version before the current one.
    #[error("`{0}` has no version before the current one to roll back to")]
    NoEarlierVersion(String),
    /// Nothing was ever stored where the secret is written: no version to roll back to
    /// (said once as "no version before the current one", and "after the current
    /// version, 0": a sixty-second adversarial pass).
    #[error(
        "nothing is stored at {0}: there is no version to roll back to (write a first one with put or rotate)"
    )]
    NothingStored(Box<crate::Locator>),
    /// This user's last-known-good copies of the server written to could not be made to
    /// forget the value being replaced (see `outage`), before a write (`import`):
    /// nothing was written, since the next outage would have served the old value as
    /// the latest.
    #[error("the last-known-good copy could not forget the value being replaced: {0}")]
    Copy(crate::outage::CopyError),
    /// The value was written (`put`, `rotate`, `rollback`), and then this user's last-known-good
    /// copies could not be made to forget the value it replaced: the next outage could
    /// serve that one. The write happened.
    #[error("wrote {}{}", written.locator, unforgotten(error))]
    Unforgotten {
        /// What was written.
        written: Box<Written>,
        /// Why the copy could not forget.
        error: crate::outage::CopyError,
    },
    /// `import`'s writes were made (`applied`: each write's outcome), and then this
    /// user's last-known-good copies could not forget the values they replaced: the
    /// next outage could serve one. The writes happened.
    #[error(
        "the import's writes were made, but the last-known-good copy could not forget the values they replaced: {error}"
    )]
    ImportUnforgotten {
        /// Each write's outcome.
        applied: Vec<Applied>,
        /// Why the copy could not forget.
        error: Box<crate::outage::CopyError>,
    },
    /// The write may have landed ([`VaultError::MaybeWritten`]): this user's copies of
    /// its server forgot their values anyway, since the next outage could otherwise
    /// serve the value replaced, unless that failed too (`unforgotten`).
    #[error(
        "{error}{}",
        unforgotten.as_ref().map(|copy| format!("; and your last-known-good copies could not forget the value it may have replaced: {copy}")).unwrap_or_default()
    )]
    Unconfirmed {
        /// The write's error.
        error: VaultError,
        /// Why the copies could not forget, if they could not.
        unforgotten: Option<Box<crate::outage::CopyError>>,
    },
    /// Vault refused or failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// AWS refused or failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// What the target's kind of store cannot do (`--cas` or `rollback` on AWS Secrets
    /// Manager, which has neither check-and-set nor numbered versions).
    #[error("source `{source_name}` ({kind}) cannot {what}")]
    Unsupported {
        /// The target source.
        source_name: String,
        /// Its kind.
        kind: SourceKind,
        /// What was asked, and why it cannot be done.
        what: StoreLimit,
    },
}

impl From<StoreError> for PutError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Vault(error) => Self::Vault(error),
            StoreError::Aws(error) => Self::Aws(error),
            StoreError::Unsupported {
                source_name,
                kind,
                what,
            } => Self::Unsupported {
                source_name,
                kind,
                what,
            },
        }
    }
}

fn with_vault_text(with_vault: &[String]) -> String {
    match with_vault {
        [] => "; no environment of this manifest has one".to_owned(),
        names => format!(
            "; environments with one: {}",
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `key`'s secret in `environment`, unless `environment` builds it by a template (a
/// write to its place would never be read: a sixty-sixth adversarial pass).
fn written_secret<'e>(
    manifest: &Manifest,
    environment: &'e EnvironmentSpec,
    key: &str,
) -> Result<&'e std::sync::Arc<SecretSpec>, PutError> {
    let spec = manifest.secret_in(environment, key)?;
    if let Some(source) = leased_by(manifest, environment, &spec.key) {
        return Err(PutError::Leased {
            key: spec.key.clone(),
            lease: source.name.clone(),
            environment: environment.name.clone(),
        });
    }
    match &spec.template {
        Some(template) => Err(PutError::Built {
            key: spec.key.clone(),
            environment: environment.name.clone(),
            inputs: template.inputs().map(str::to_owned).collect(),
        }),
        None => Ok(spec),
    }
}

/// The `vault_lease` source that gives `key` its value in `environment` before any
/// source a write could go to: a value written would never be read (a sixty-seventh
/// adversarial pass: the reference application's `postgres_password` in production).
/// None when the environment falls through a failed source (`on_source_error =
/// "next"`): a value written there is what it reads while the lease source fails (a
/// sixty-ninth pass wrote a break-glass value so).
pub(crate) fn leased_by<'m>(
    manifest: &'m Manifest,
    environment: &EnvironmentSpec,
    key: &str,
) -> Option<&'m crate::manifest::SourceSpec> {
    if environment.on_source_error != crate::manifest::OnSourceError::Fail {
        return None;
    }
    before_writes(manifest, environment).find(|source| {
        source
            .config
            .get::<crate::source::kinds::LeaseConfig>()
            .is_some_and(|config| config.secrets.iter().any(|(listed, _)| listed == key))
    })
}

/// The sources of `environment`'s chain before the first that can be written, in order.
fn before_writes<'m, 'e>(
    manifest: &'m Manifest,
    environment: &'e EnvironmentSpec,
) -> impl Iterator<Item = &'m crate::manifest::SourceSpec> + use<'m, 'e> {
    environment
        .sources
        .iter()
        .filter_map(|name| manifest.source(name))
        .take_while(|source| !source.config.capabilities().has(Capability::Write))
}

/// The sources `environment` asks for `key` before the one its writes go to: a value one
/// of them holds is what programs read, not the one written (a sixty-seventh adversarial
/// pass wrote to Vault a key a `.env` before it held). Each source of the chain before
/// the first that can be written, but a `vault_lease` source that does not list `key`.
/// Nothing is read: whether one holds it is for the user to see, since a `.env` or a
/// variable here need not be what the environment's programs have.
#[must_use]
pub fn asked_before_writes<'m>(
    manifest: &'m Manifest,
    environment: &EnvironmentSpec,
    key: &str,
) -> Vec<&'m crate::manifest::SourceSpec> {
    before_writes(manifest, environment)
        .filter(|source| {
            source
                .config
                .get::<crate::source::kinds::LeaseConfig>()
                .is_none_or(|config| config.secrets.iter().any(|(listed, _)| listed == key))
        })
        .collect()
}

/// Where `environment`'s writes go: the first source of its chain whose kind can be
/// written ([`Capability::Write`]).
pub(crate) fn target(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
) -> Result<Box<dyn Store>, PutError> {
    let first = |environment: &EnvironmentSpec| {
        environment
            .sources
            .iter()
            .filter_map(|name| manifest.source(name))
            .filter(|source| source.config.capabilities().has(Capability::Write))
            .find_map(crate::source::kinds::store)
    };
    first(environment).ok_or_else(|| PutError::NoVaultSource {
        environment: environment.name.clone(),
        with_vault: manifest
            .environments()
            .iter()
            .filter(|other| first(other).is_some())
            .map(|other| other.name.clone())
            .collect(),
    })
}

/// Whether `value` may be written for `spec` in `environment`: not empty, no NUL byte,
/// and admissible as resolution would find it ([`validate::admissible`]).
///
/// What differs from resolution, on purpose: a write refuses an empty value and a NUL
/// byte (resolution takes what a source holds, an empty variable included), and the
/// environment's `forbid_placeholders` applies to every value written (resolution spares
/// the manifest's own defaults, which are never written).
pub(crate) fn admissible(
    spec: &SecretSpec,
    environment: &EnvironmentSpec,
    value: &SecretValue,
) -> Result<(), PutError> {
    if value.is_empty() {
        return Err(PutError::Empty);
    }
    if value.expose().contains('\0') {
        return Err(PutError::NulByte);
    }
    validate::admissible(spec, value.expose(), environment.forbid_placeholders).map_err(|refused| {
        match refused {
            Inadmissible::Invalid(reason) => PutError::Invalid(reason),
            Inadmissible::Placeholder(rule) => {
                PutError::Placeholder(rule, environment.name.clone())
            }
        }
    })
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
    let spec = written_secret(manifest, environment, key)?;
    let target = target(manifest, environment)?;
    admissible(spec, environment, value)?;
    let context = Context::new(manifest, environment, vars);
    let written = target.write(spec, &context, value, cas);
    let written = unless_lost(manifest, &context, target.name(), written)?;
    forget_after(manifest, &context, written)
}

/// A write's result, but when the write itself may have landed
/// ([`VaultError::MaybeWritten`]: only the store, which knows which request failed,
/// says so), this user's copies of its server forget their values first: a
/// twenty-third adversarial pass had the copy serve the value a landed `put` replaced,
/// at the very outage that lost the answer. Such an error is [`PutError::Unconfirmed`].
fn unless_lost(
    manifest: &Manifest,
    context: &Context<'_>,
    source: &str,
    result: Result<Written, StoreError>,
) -> Result<Written, PutError> {
    match result {
        Err(StoreError::Vault(error @ VaultError::MaybeWritten { .. })) => {
            let unforgotten = match forget_copy(manifest, context, source) {
                Err(PutError::Copy(copy)) => Some(Box::new(copy)),
                _ => None,
            };
            Err(PutError::Unconfirmed { error, unforgotten })
        }
        other => other.map_err(PutError::from),
    }
}

/// Around a write to the source named `source`: this user's last-known-good copies of
/// its server forget what they keep ([`crate::outage::forget_written`]); before
/// `import`'s writes, once its plan's reads showed Vault reachable, and after the others'
/// ([`forget_after`]).
pub(crate) fn forget_copy(
    manifest: &Manifest,
    context: &Context<'_>,
    source: &str,
) -> Result<(), PutError> {
    match manifest.source(source) {
        Some(spec) => {
            let keeps_copies = manifest
                .environments()
                .iter()
                .any(|environment| environment.last_known_good.is_some());
            crate::outage::forget_written(spec, context, keeps_copies).map_err(PutError::Copy)
        }
        None => Ok(()),
    }
}

/// After `written` landed (`put`, `rotate`, `rollback`: forgetting before would lose the copy to a
/// write that an outage then stops, a twentieth adversarial pass found): this user's
/// copies of its server forget what they keep; when they cannot, the write is still
/// told ([`PutError::Unforgotten`]).
fn forget_after(
    manifest: &Manifest,
    context: &Context<'_>,
    written: Written,
) -> Result<Written, PutError> {
    match forget_copy(manifest, context, &written.source) {
        Err(PutError::Copy(error)) => Err(PutError::Unforgotten {
            written: Box::new(written),
            error,
        }),
        Err(other) => Err(other),
        Ok(()) => Ok(written),
    }
}

/// What [`PutError::Unforgotten`] says of `error`: the copies could not forget, or
/// forgot and the record of it could not be written.
fn unforgotten(error: &crate::outage::CopyError) -> String {
    match error {
        crate::outage::CopyError::Unrecorded { .. } => format!("; {error}"),
        _ => format!(
            ", but the last-known-good copy could not forget the value it replaced: {error}"
        ),
    }
}

/// The new value of `spec` in a rotation: made as it declares (`generate = { bytes = 32,
/// ... }`), or `provided`, for a secret someone else issues (an API key).
pub(crate) fn new_value(
    spec: &SecretSpec,
    provided: Option<SecretValue>,
) -> Result<SecretValue, PutError> {
    match spec.rotation.as_ref().map(|rotation| rotation.new_value) {
        Some(NewValue::Generated { bytes, encoding }) => {
            generate(bytes, encoding).map_err(|error| PutError::Random(error.to_string()))
        }
        _ => provided.ok_or_else(|| PutError::NeedsValue(spec.key.clone())),
    }
}

/// Rotates `key` in `environment`'s Vault: a new value (made as the manifest's
/// `generate` says, or `provided`), checked, written
/// as a new version with check-and-set on the version read just before.
pub fn rotate(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    provided: Option<SecretValue>,
) -> Result<Written, PutError> {
    let spec = written_secret(manifest, environment, key)?;
    let target = target(manifest, environment)?;
    let value = new_value(spec, provided)?;
    admissible(spec, environment, &value)?;
    let context = Context::new(manifest, environment, vars);
    let written = target.write(spec, &context, &value, None);
    let written = unless_lost(manifest, &context, target.name(), written)?;
    forget_after(manifest, &context, written)
}

/// What a rollback did: the version written, and the one whose value it holds again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RolledBack {
    /// The new version, holding the old value.
    pub written: Written,
    /// The version whose value it holds.
    pub from_version: u64,
}

/// Writes the value `key` had at version `to` (default: the version before the current
/// one) as a new version, with check-and-set on the current version: a rollback is a
/// write like any other, and the history keeps both. Versions count from 1: KV reads
/// version 0 as "the latest", so a rollback to it would write the current value again
/// and call it rolled back; the type keeps it out.
pub fn rollback(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    to: Option<std::num::NonZeroU64>,
) -> Result<RolledBack, PutError> {
    let spec = written_secret(manifest, environment, key)?;
    // Programs read the pinned version: set `version` to the one wanted instead (a
    // sixty-seventh adversarial pass).
    if let Some(version) = spec.version {
        return Err(PutError::Pinned {
            key: spec.key.clone(),
            version,
        });
    }
    let source = target(manifest, environment)?;
    if !source.keeps_versions() {
        return Err(PutError::Unsupported {
            source_name: source.name().to_owned(),
            kind: source.kind(),
            what: source.without_versions(),
        });
    }
    let context = Context::new(manifest, environment, vars);
    let (current, current_value) = match source.stored(spec, &context, None)? {
        Stored::Present { locator, value, .. } => (locator.version().unwrap_or(0), value),
        Stored::Deleted { locator } | Stored::Destroyed { locator } => {
            (locator.version().unwrap_or(0), None)
        }
        Stored::Missing { locator } => return Err(PutError::NothingStored(Box::new(locator))),
    };
    let target = match to {
        Some(version) if version.get() == current => {
            return Err(PutError::AlreadyCurrent(current));
        }
        // Asked of Vault, a number past what it counts was a 400 and a hint about mounts.
        Some(version) if version.get() > current => {
            return Err(PutError::NoSuchVersion {
                requested: version.get(),
                current,
            });
        }
        Some(version) => version.get(),
        None => current
            .checked_sub(1)
            .filter(|&version| version > 0)
            .ok_or_else(|| PutError::NoEarlierVersion(key.to_owned()))?,
    };
    // Without `--to`, a version that holds the current value is passed over, back to the
    // latest that holds another: in a path shared by several secrets (`field =
    // "{key}"`), a version may have changed only another's field (a fifteenth
    // adversarial pass). At most `ROLLBACK_SEARCH` versions back.
    let mut target = target;
    let stored = loop {
        let stored = source.stored(spec, &context, Some(target))?;
        let same = matches!(&stored, Stored::Present { value: Some(value), .. }
            if current_value.as_ref().is_some_and(|now| now.expose() == value.expose()));
        if same && to.is_none() && target > 1 && current - target < ROLLBACK_SEARCH {
            target -= 1;
            continue;
        }
        break stored;
    };
    let (locator, state) = match stored {
        Stored::Present {
            value: Some(value), ..
        } => {
            // An older version that holds the current value would be written again as a
            // new one and called a rollback (a fifth adversarial pass).
            if current_value
                .as_ref()
                .is_some_and(|now| now.expose() == value.expose())
            {
                return Err(PutError::SameValue(target));
            }
            admissible(spec, environment, &value).map_err(|refused| PutError::RefusedVersion {
                version: target,
                refused: Box::new(refused),
            })?;
            let written = match source.write(spec, &context, &value, Some(current)) {
                Err(StoreError::Vault(VaultError::CasMismatch { expected, .. })) => {
                    return Err(PutError::Overtaken { read: expected });
                }
                written => unless_lost(manifest, &context, source.name(), written)?,
            };
            // After the write, as `put`: a refused or overtaken rollback keeps the copy
            // (a twenty-first adversarial pass).
            let written = forget_after(manifest, &context, written)?;
            return Ok(RolledBack {
                written,
                from_version: target,
            });
        }
        Stored::Present { locator, .. } => (locator, Unusable::NoSuchField),
        Stored::Deleted { locator } => (locator, Unusable::Deleted),
        Stored::Destroyed { locator } => (locator, Unusable::Destroyed),
        Stored::Missing { locator } => (locator, Unusable::Missing),
    };
    Err(PutError::NothingToRollBackTo {
        locator: locator.to_string(),
        version: target,
        state,
    })
}

/// How many versions back `rollback` without `--to` looks for one holding another value
/// than the current.
const ROLLBACK_SEARCH: u64 = 32;

/// Why a version holds no value to roll back to ([`PutError::NothingToRollBackTo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unusable {
    /// No such path, or no such version.
    Missing,
    /// The version is deleted.
    Deleted,
    /// The version is destroyed.
    Destroyed,
    /// The version has no such field (or it holds no text).
    NoSuchField,
}

impl std::fmt::Display for Unusable {
    /// `missing`, `deleted`, `destroyed`, `no such field`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Missing => "missing",
            Self::Deleted => "deleted",
            Self::Destroyed => "destroyed",
            Self::NoSuchField => "no such field",
        })
    }
}
