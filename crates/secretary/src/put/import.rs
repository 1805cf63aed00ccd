//! `import`: declared secrets copied from one environment's resolution (or one named
//! source) into another environment's Vault or AWS Secrets Manager source. Planned first, written after: the
//! plan reads the target once, says for each secret what would happen (create, update,
//! same, keep...) with fingerprints of both values, and checks every value against the
//! target environment's rules, so that nothing is written when anything is refused.
//! Vault writes are check-and-set on the versions the plan read, and a value already
//! equal makes no new version: running an import again finishes what a failure
//! interrupted. Secrets Manager has no check-and-set: its plan reads the target in one
//! batch, and each write is a new version (a JSON secret's fields written one by one).

use std::sync::Arc;

use super::{PutError, admissible, target as write_target};
use crate::audit::Fingerprints;
use crate::manifest::{EnvironmentSpec, Manifest, OnSourceError, SecretSpec, SourceKind};
use crate::resolve::{ProblemKind, Scope, resolve};
use crate::source::{Context, Plan, SourceError, Store, Stored, Written};
use crate::{Locator, Origin, SecretValue, Variables};

/// Where an import takes its values from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ImportSource<'a> {
    /// This environment's resolution: its whole chain, as `check` sees it.
    Environment(&'a EnvironmentSpec),
    /// This source alone (by its name in the manifest), read as in the target
    /// environment.
    Source(&'a str),
}

/// What an import does, or would do, with one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Not in the target: written as its first version (check-and-set 0).
    Create,
    /// In the target with another value, and overwriting was asked for.
    Update,
    /// In the target with this very value: nothing is written.
    Same,
    /// In the target with another value, which is kept (overwriting was not asked for).
    Keep,
    /// The source has no value for it (or only the manifest's default): nothing to copy.
    NoValue,
    /// Its value breaks the target environment's rules (the reason): nothing at all is
    /// written while any secret is refused.
    Refused(String),
    /// The source failed for it (the error): nothing at all is written.
    Failed(String),
    /// Its value is built from others in the environment copied from (a `template`,
    /// `.env` expansion): not copied, nor checked against the target's rules or compared
    /// with what it holds, since each would be a verdict on its inputs in words that
    /// environment chooses (a sixty-fourth adversarial pass: a url's port over a
    /// template, `http://h:{pw}/`); the target builds it the same way.
    Built,
    /// Built by a `template` in the target: no source is asked for it there, so a value
    /// written would never be read (a sixty-sixth adversarial pass: the reference
    /// application's `database_url`, a template in production). Neither read nor copied.
    Templated,
    /// Issued with a lease where it is copied from: credentials of this process, revoked
    /// as it ends, so no value to copy. Read, not copied.
    Issued,
    /// Issued with a lease by a `vault_lease` source the target asks first: a value
    /// written would never be read. Neither read nor copied.
    Leased,
    /// Pinned to a version by the manifest (`version = N`) in the target: a new version
    /// would not be read (a sixty-seventh adversarial pass: `import` wrote one and
    /// compared the latest with the value copied, not the version read). Neither read
    /// nor copied.
    Pinned,
    /// A setting (`sensitive = false`), not a secret: its value is the environment's
    /// own (`DEBUG=true`, `LOG_LEVEL=DEBUG` in development), so it is neither read nor
    /// copied unless named in `only` (issue 25, item 19).
    Setting,
}

impl Action {
    /// The word for it: `create`, `update`, `same`, `keep`, `no_value`, `refused`,
    /// `failed`, `built`, `issued`, `templated`, `leased`, `pinned`, `setting`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Same => "same",
            Self::Keep => "keep",
            Self::NoValue => "no_value",
            Self::Refused(_) => "refused",
            Self::Failed(_) => "failed",
            Self::Built => "built",
            Self::Templated => "templated",
            Self::Pinned => "pinned",
            Self::Leased => "leased",
            Self::Issued => "issued",
            Self::Setting => "setting",
        }
    }

    /// Whether it writes.
    pub fn writes(&self) -> bool {
        matches!(self, Self::Create | Self::Update)
    }
}

/// One secret of an import. Its fingerprints tell equal values from different ones;
/// neither tells anything of a value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportItem {
    /// The secret's key.
    pub key: String,
    /// What happens to it.
    pub action: Action,
    /// Where its value comes from.
    pub from: Option<Origin>,
    /// Where it is in the target now, with its version, when it is there.
    pub to: Option<Locator>,
    /// The fingerprint of the value to copy.
    pub from_fingerprint: Option<String>,
    /// The fingerprint of the value in the target now.
    pub to_fingerprint: Option<String>,
}

/// A planned import: [`Import::items`] says what would happen, [`Import::apply`] does it.
pub struct Import<'a> {
    manifest: &'a Manifest,
    target: &'a EnvironmentSpec,
    vars: &'a Variables,
    /// Where it writes, and what the plan read there.
    store: Box<dyn Store>,
    plan: Plan,
    items: Vec<ImportItem>,
    /// For each item, its position in the snapshot and the value to write, when it writes.
    values: Vec<Option<(usize, SecretValue)>>,
}

impl std::fmt::Debug for Import<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import")
            .field("target", &self.target.name)
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

impl Import<'_> {
    /// Every secret, in manifest order, with what happens to it.
    pub fn items(&self) -> &[ImportItem] {
        &self.items
    }

    /// Whether anything is refused or failed, in which case [`Import::apply`] writes
    /// nothing.
    pub fn is_blocked(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item.action, Action::Refused(_) | Action::Failed(_)))
    }

    /// The target environment's Vault or AWS Secrets Manager source's name.
    pub fn target_source(&self) -> &str {
        self.store.name()
    }

    /// Writes every `create` and `update`: each Vault path once, concurrently, with
    /// check-and-set on the version the plan read. One [`Applied`] per item written,
    /// each also handed to `landed` as soon as its write is answered (to audit it as it
    /// lands). Nothing is written when the plan [`Import::is_blocked`].
    pub fn apply(
        &self,
        landed: &mut (dyn FnMut(&Applied) + Send),
    ) -> Result<Vec<Applied>, PutError> {
        if self.is_blocked() {
            return Ok(Vec::new());
        }
        let changes: Vec<(usize, (usize, &SecretValue))> = self
            .values
            .iter()
            .enumerate()
            .filter_map(|(item, value)| value.as_ref().map(|(slot, value)| (item, (*slot, value))))
            .collect();
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let context = Context::new(self.manifest, self.target, self.vars);
        super::forget_copy(self.manifest, &context, self.store.name())?;
        let writes: Vec<(usize, &SecretValue)> =
            changes.iter().map(|(_, change)| *change).collect();
        let items: Vec<usize> = changes.iter().map(|(item, _)| *item).collect();
        let results = self
            .store
            .apply(&self.plan, &writes, &context, &mut |change, result| {
                landed(&Applied {
                    item: items[change],
                    result: result.clone(),
                });
            })?;
        let applied: Vec<Applied> = items
            .into_iter()
            .zip(results)
            .map(|(item, result)| Applied { item, result })
            .collect();
        // Again once the writes landed, as after `put`'s: a read begun between the
        // forgetting above and a write saved the value it replaced, and the next outage
        // served it (a sixty-fourth adversarial pass, with a slow Vault).
        let landed = applied.iter().any(|applied| match &applied.result {
            Ok(_) => true,
            Err(error) => error.may_have_landed(),
        });
        if landed {
            if let Err(PutError::Copy(error)) =
                super::forget_copy(self.manifest, &context, self.store.name())
            {
                return Err(PutError::ImportUnforgotten {
                    applied,
                    error: Box::new(error),
                });
            }
        }
        Ok(applied)
    }
}

/// Why `resolution`'s value may not be copied, its source having failed for it, or its
/// value not being the source's current one.
fn failure(resolution: &crate::resolve::Resolution) -> Option<String> {
    resolution
        .problems
        .iter()
        .find_map(|problem| match &problem.kind {
            ProblemKind::SourceFailed { source, error } => {
                Some(format!("source `{source}` failed: {error}"))
            }
            // Not reached while the copy is never asked (see `values_from`), but a value
            // that is not the source's current one is never copied.
            kind @ (ProblemKind::Outage { .. } | ProblemKind::Stale(_)) => Some(kind.to_string()),
            _ => None,
        })
        .or_else(|| resolution.stale.as_ref().map(ToString::to_string))
}

/// Whether a value came from `origin` issued with a lease (a `vault_lease` source): the
/// credentials of this process, revoked as it ends, so no value to copy (a sixty-ninth
/// adversarial pass stored credentials dead before the import ended).
fn issued_here(manifest: &Manifest, origin: Option<&Origin>) -> bool {
    matches!(origin, Some(Origin::Source { name, .. })
        if manifest.source(name).is_some_and(|source| source.config.kind() == SourceKind::VAULT_LEASE))
}

/// What an import leaves `spec` at without reading it, if anything: a setting, unless
/// asked for by name (`named`); what the target builds by a template or reads at a
/// pinned version, whatever is asked.
fn unread(spec: &SecretSpec, named: bool) -> Option<Action> {
    if spec.template.is_some() {
        Some(Action::Templated)
    } else if spec.version.is_some_and(|version| version != 1) {
        Some(Action::Pinned)
    } else if spec.sensitive || named {
        None
    } else {
        Some(Action::Setting)
    }
}

/// What an import does with `spec`'s value in `target` (`overwrite` given or not):
/// `failed`, when its source failed; `value`, the one copied from and whether it is
/// built from others; `current`, what the target holds.
fn action_for(
    (spec, target, overwrite): (&SecretSpec, &EnvironmentSpec, bool),
    failed: Option<String>,
    value: Option<(&SecretValue, bool)>,
    current: Option<&SecretValue>,
) -> Action {
    match (failed, value) {
        (Some(error), _) => Action::Failed(error),
        (None, None) => Action::NoValue,
        (None, Some((_, true))) => Action::Built,
        (None, Some((value, false))) => match admissible(spec, target, value) {
            Err(refused) => Action::Refused(refused.to_string()),
            Ok(()) => match current {
                Some(current) if current.expose() == value.expose() => Action::Same,
                Some(_) if overwrite => Action::Update,
                Some(_) => Action::Keep,
                None => Action::Create,
            },
        },
    }
}

impl ImportItem {
    /// `key`, left out of the import as `action` says, unread.
    fn left_out(key: &str, action: Action) -> Self {
        Self {
            key: key.to_owned(),
            action,
            from: None,
            to: None,
            from_fingerprint: None,
            to_fingerprint: None,
        }
    }
}

/// What became of one write of an import.
#[derive(Debug)]
#[non_exhaustive]
pub struct Applied {
    /// Its index in [`Import::items`].
    pub item: usize,
    /// Where it was written, or why not (a [`SourceError::Vault`] or
    /// [`SourceError::Aws`]).
    pub result: Result<Written, SourceError>,
}

/// The environment whose resolution gives an import its values: `from`'s, or one that
/// asks only the named source, as the target environment would. Either reads its
/// sources now, never a last-known-good copy: a value the copy holds may be one the
/// source has since replaced, and an import would make it the target's current value
/// (a twenty-second adversarial pass copied a rotated-out staging value into
/// production, even with `on_stale = "fail"`); and a source that fails fails the
/// import, whatever the environment's `on_source_error`.
fn values_from<'e>(
    manifest: &Manifest,
    target: &EnvironmentSpec,
    target_source: &str,
    from: ImportSource<'e>,
) -> Result<std::borrow::Cow<'e, EnvironmentSpec>, PutError> {
    use std::borrow::Cow;
    match from {
        ImportSource::Environment(environment) => {
            if environment.name == target.name {
                return Err(PutError::SameEnvironment(environment.name.clone()));
            }
            // Nor a source further down the chain when one fails: a developer's `.env`
            // behind staging's Vault was copied into production while that Vault was
            // down (a twenty-third adversarial pass).
            Ok(Cow::Owned(EnvironmentSpec {
                last_known_good: None,
                on_source_error: OnSourceError::Fail,
                ..environment.clone()
            }))
        }
        ImportSource::Source(name) => {
            if manifest.source(name).is_none() {
                return Err(PutError::UnknownSource {
                    name: name.to_owned(),
                    defined: manifest.sources().iter().map(|s| s.name.clone()).collect(),
                });
            }
            if name == target_source {
                return Err(PutError::SameSource(name.to_owned()));
            }
            Ok(Cow::Owned(EnvironmentSpec {
                name: target.name.clone(),
                sources: vec![name.to_owned()],
                on_source_error: OnSourceError::Fail,
                forbid_placeholders: false,
                enforce_rotation: false,
                last_known_good: None,
                rules: std::collections::BTreeMap::new(),
                secrets: manifest.secrets().to_vec(),
            }))
        }
    }
}

/// Plans copying `only` (default: every declared secret, settings left out: see
/// [`Action::Setting`]) from `from` into `target`'s Vault or AWS Secrets Manager source.
/// A value already in the target is kept unless `overwrite`.
/// `fingerprints` makes the fingerprints shown.
pub fn import<'a>(
    manifest: &'a Manifest,
    target: &'a EnvironmentSpec,
    vars: &'a Variables,
    from: ImportSource<'_>,
    only: Option<&[&str]>,
    overwrite: bool,
    fingerprints: &Fingerprints,
) -> Result<Import<'a>, PutError> {
    let store = write_target(manifest, target)?;
    let target_name = store.name().to_owned();
    let specs: Vec<Arc<SecretSpec>> = match only {
        Some(keys) => keys
            .iter()
            .map(|key| manifest.secret_in(target, key).cloned())
            .collect::<Result<_, _>>()?,
        None => target.secrets().to_vec(),
    };
    let unread = |spec: &SecretSpec| {
        if super::leased_by(manifest, target, &spec.key).is_some() {
            return Some(Action::Leased);
        }
        unread(spec, only.is_some())
    };
    let copied: Vec<&SecretSpec> = specs
        .iter()
        .map(|spec| &**spec)
        .filter(|spec| unread(spec).is_none())
        .collect();
    let keys: Vec<&str> = copied.iter().map(|spec| spec.key.as_str()).collect();
    let from_environment = values_from(manifest, target, &target_name, from)?;
    let report = resolve(manifest, &from_environment, vars, Scope::Keys(&keys))?;
    let context = Context::new(manifest, target, vars);
    let plan = store.plan(&copied, &context)?;
    let mut items = Vec::with_capacity(specs.len());
    let mut values = Vec::with_capacity(specs.len());
    let mut resolutions = report.resolutions.iter().enumerate();
    for spec in &specs {
        if let Some(action) = unread(spec) {
            items.push(ImportItem::left_out(&spec.key, action));
            values.push(None);
            continue;
        }
        // `copied` and the resolutions follow `specs` in order, less the settings.
        let Some((index, resolution)) = resolutions.next() else {
            break;
        };
        let stored = store.planned(&plan, index);
        // Pinned to version 1: the first write makes it, and is what is read (a
        // sixty-eighth adversarial pass saw a new environment's import leave it out);
        // once one is stored, a new version would not be read.
        if spec.version == Some(1) && !matches!(stored, Stored::Missing { .. }) {
            items.push(ImportItem::left_out(&spec.key, Action::Pinned));
            values.push(None);
            continue;
        }
        let (to, current) = match stored {
            Stored::Present { value, locator, .. } => (Some(locator), value),
            _ => (None, None),
        };
        let from_origin = resolution.origin.clone();
        let failed = failure(resolution);
        let value = resolution
            .value
            .as_ref()
            .filter(|_| resolution.origin != Some(Origin::Default));
        let built = resolution.is_built();
        let issued = issued_here(manifest, resolution.origin.as_ref());
        let action = if issued && failed.is_none() {
            Action::Issued
        } else {
            action_for(
                (spec, target, overwrite),
                failed,
                value.map(|value| (value, built)),
                current.as_ref(),
            )
        };
        values.push(
            value
                .filter(|_| action.writes())
                .map(|value| (index, value.clone())),
        );
        // (A built value's fingerprint would compare it with the target's too.)
        let value = value.filter(|_| !built && !issued);
        items.push(ImportItem {
            key: spec.key.clone(),
            from_fingerprint: value.map(|value| fingerprints.of(&spec.key, value)),
            to_fingerprint: current
                .as_ref()
                .map(|value| fingerprints.of(&spec.key, value)),
            action,
            from: from_origin,
            to,
        });
    }
    Ok(Import {
        manifest,
        target,
        vars,
        store,
        plan,
        items,
        values,
    })
}
