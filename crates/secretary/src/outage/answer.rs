//! One secret's answer from the copy, and what a complete read saves for it.
//!
//! What the copy holds for a secret (a value, or that Vault did not have it) stands in
//! for it only when the manifest asks the same question now: the same place (mount, path
//! and field, as its locator shows them) and the same version (the `version` it pins, or
//! the latest). A value read as the latest is not a pinned version's, a pinned version's
//! is not the latest, and an absence at one path says nothing of another: each fails
//! closed (a twelfth adversarial pass served the latest value for a pinned secret, and an
//! absence after `path` changed). An absence in a copy written before its place was
//! recorded is not served; a value in such a copy counts as read at its latest version
//! unless the manifest pins one (then its version must be the pinned one).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::CopyError;
use super::copy::{self, Absent, Binding, Contents, Entry};
use crate::manifest::{LastKnownGood, SecretSpec};
use crate::source::{Batch, Lookup, VaultConfig};
use crate::{Absence, Locator, Looked, Searched};

/// `secret`'s answer from the copy, and its age; an answer only when the copy read it
/// where the manifest reads it now, at `expected`, and at the version it asks for now.
pub(super) fn from_copy(
    contents: &Contents,
    secret: &SecretSpec,
    expected: &Locator,
    policy: &LastKnownGood,
    now: SystemTime,
) -> Result<(Lookup, Duration), CopyError> {
    // A read in the future (a clock set back since, or a copy written elsewhere) has no
    // age that can be trusted: it counts as older than any `max_age` (a clock set back
    // must not make a copy last longer), allowing five minutes of drift.
    let age_of = |read: u64| {
        let at = copy::instant(read);
        match now.duration_since(at) {
            Ok(age) => Ok(age),
            Err(ahead) if ahead.duration() <= Duration::from_secs(300) => Ok(Duration::ZERO),
            Err(ahead) => Err(CopyError::Ahead {
                ahead: ahead.duration(),
            }),
        }
    };
    let fresh_enough = |age: Result<Duration, CopyError>| {
        let age = age?;
        if age > policy.max_age {
            Err(CopyError::Expired {
                age,
                max_age: policy.max_age,
            })
        } else {
            Ok(age)
        }
    };
    // The copy keeps the place as the text its locator showed, and copies already
    // written must still open: the text is compared with the place the manifest reads
    // now, and the locator served is that place's, built from the manifest, never parsed
    // back.
    let place_now = expected.place().to_string();
    let moved = |kept: &str| CopyError::Moved {
        key: secret.key.clone(),
        kept: kept.to_owned(),
        now: place_now.clone(),
    };
    if let Some(entry) = contents.found.get(&secret.key) {
        let age = fresh_enough(age_of(entry.read))?;
        // Served only where the manifest reads it now (a seventh adversarial pass served
        // production's value after `path` changed).
        if entry.place != place_now {
            return Err(moved(&entry.place));
        }
        if !same_version(entry, secret.version) {
            return Err(CopyError::OtherVersion {
                key: secret.key.clone(),
                kept: entry.version,
                pinned: entry.pinned,
                now: secret.version,
            });
        }
        let locator = expected.clone().at_version(entry.version);
        return Ok((
            Lookup::Found {
                value: entry.value.clone(),
                locator,
                written: entry.written.map(copy::instant),
                shape: None,
            },
            age,
        ));
    }
    if let Some(absent) = contents.absent.get(&secret.key) {
        let age = fresh_enough(age_of(absent.read))?;
        let Some(place) = &absent.place else {
            return Err(CopyError::AbsenceUnplaced {
                key: secret.key.clone(),
            });
        };
        if *place != place_now {
            return Err(moved(place));
        }
        if absent.pinned != secret.version {
            return Err(CopyError::OtherVersion {
                key: secret.key.clone(),
                kept: None,
                pinned: absent.pinned,
                now: secret.version,
            });
        }
        return Ok((
            Lookup::Absent {
                looked: vec![Looked::new(Searched::Copy).because(Absence::NotInVault { age })],
            },
            age,
        ));
    }
    Err(CopyError::NotCovered {
        key: secret.key.clone(),
    })
}

/// Whether `entry` is the value the manifest asks for with `pinned` (its `version`): the
/// pinned version, or one read as the latest.
fn same_version(entry: &Entry, pinned: Option<u64>) -> bool {
    match pinned {
        Some(pin) => entry.version == Some(pin) || entry.pinned == Some(pin),
        None => entry.pinned.is_none(),
    }
}

/// What a complete answer holds, to be saved: each value with where and at which
/// version it was read, each absence with where it was looked for, all as `read` (when
/// the read began).
pub(super) fn contents(
    batch: &Batch,
    asked: &[Arc<SecretSpec>],
    config: &VaultConfig,
    binding: Binding<'_>,
    read: SystemTime,
) -> Contents {
    let read = copy::seconds(read);
    let mut contents = Contents::default();
    for (lookup, secret) in batch.lookups.iter().zip(asked) {
        match lookup {
            Lookup::Found {
                value,
                locator,
                written,
                ..
            } => {
                contents.found.insert(
                    secret.key.clone(),
                    Entry {
                        value: value.clone(),
                        place: locator.place().to_string(),
                        version: locator.version(),
                        pinned: secret.version,
                        written: written.map(copy::seconds),
                        read,
                    },
                );
            }
            Lookup::Absent { .. } => {
                let place = expected(config, secret, binding).place().to_string();
                contents.absent.insert(
                    secret.key.clone(),
                    Absent {
                        read,
                        place: Some(place),
                        pinned: secret.version,
                    },
                );
            }
            Lookup::Failed(_) => {}
        }
    }
    contents
}

/// Where the source of `config` reads `secret` now: the locator of that place, without a
/// version.
pub(super) fn expected(config: &VaultConfig, secret: &SecretSpec, binding: Binding<'_>) -> Locator {
    // `expand` gives `None` only for a template with `{app}` and no application name, and
    // a copy is kept only for an application with a name (`Place::of`).
    let expand = |template: &str| {
        crate::manifest::expand(
            template,
            binding.environment,
            &secret.key,
            Some(binding.app),
        )
        .unwrap_or_default()
    };
    Locator::vault(
        &config.api_path(&expand(&config.path)),
        &expand(&config.field),
        None,
    )
}
