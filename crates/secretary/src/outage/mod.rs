//! When Vault is down: an encrypted last-known-good copy of a Vault source's values, a
//! bounded wait, and values served from the copy marked stale.
//!
//! An environment opts in (`last_known_good = { max_age = "24h" }`, `on_stale`,
//! `outage_after`). After every read of a Vault source that answered for every secret,
//! its values (KV only) are sealed under the user's key ([`CacheKey`]) into one file per
//! application and environment (`copy.rs`). When the source later *could not be reached*
//! ([`crate::source::VaultError::is_outage`]), or did not answer within `outage_after`,
//! the copy is opened and served, each value with its age and the cause
//! ([`Stale`]). A refusal (401, 403, 404), a TLS failure, a copy that does not
//! authenticate, a changed key or a copy older than `max_age` all fail closed.

mod answer;
mod copy;
mod counted;
mod disk;
mod error;
mod forgotten;
mod key;
mod listing;
mod padding;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use copy::{SUFFIX, state_dir};
pub use error::CopyError;
pub use key::{CacheKey, KEY_BYTES, KEY_FILE_VARIABLE, KEY_VARIABLE, KeyError};
pub use listing::{CopyInfo, SourceInfo, clear, files, list, unreadable};

use crate::duration::show_duration;
use crate::manifest::{
    EnvironmentSpec, LastKnownGood, OnSourceError, OnStale, SecretSpec, SourceSpec,
};
use crate::source::{
    Batch, Context, Lookup, Source, SourceError, VaultConfig, VaultError, vault_server,
};
use crate::{Variables, Warning};
use answer::{contents, expected, from_copy};
use copy::{Binding, Contents};
use disk::directory_of;

/// Why a source's values are served from its copy, or would have been.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Cause {
    /// It failed, for a reason that means it could not be reached.
    Failed(SourceError),
    /// It did not answer within the environment's `outage_after`.
    NoAnswer {
        /// The wait.
        after: Duration,
    },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(error) => write!(f, "{error}"),
            Self::NoAnswer { after } => {
                write!(f, "no answer within {} (outage_after)", show_wait(*after))
            }
        }
    }
}

impl Cause {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Failed(error) => error.hint(),
            Self::NoAnswer { .. } => {
                "check that Vault is up and reachable (`bao status`); a network that drops packets looks like this".to_owned()
            }
        }
    }
}

/// `5s`, `500ms`: a wait as the manifest writes it.
fn show_wait(wait: Duration) -> String {
    if wait.subsec_millis() == 0 {
        format!("{}s", wait.as_secs())
    } else {
        format!("{}ms", wait.as_millis())
    }
}

/// A value served from a last-known-good copy: which source it stands for, how old it
/// is, and why the source was not read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Stale {
    /// The source whose copy it is.
    pub source: String,
    /// How long ago it was read from the source.
    pub age: Duration,
    /// Why the source could not be read now.
    pub cause: Cause,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "served from the last-known-good copy of source `{}`, read {} ago: {}",
            self.source,
            show_duration(self.age),
            self.cause
        )
    }
}

/// How one lookup of a guarded source was served.
#[derive(Debug)]
pub(crate) enum Served {
    /// As the source answered.
    Fresh,
    /// From the copy.
    Stale(Stale),
    /// The source could not be reached and the copy could not stand in for it: the
    /// lookup is the source's failure.
    NoCopy {
        /// Why the source was not read.
        cause: Cause,
        /// Why the copy could not be served.
        copy: CopyError,
    },
}

/// A source's answer, with how each lookup was served.
pub(crate) struct Guarded {
    pub(crate) batch: Batch,
    pub(crate) served: Vec<Served>,
}

/// Where an environment's copy is and what opens it.
struct Place<'a> {
    /// The source's settings: where it reads each secret now.
    config: &'a VaultConfig,
    policy: LastKnownGood,
    binding: Binding<'a>,
    /// The Vault server the source reads now ([`vault_server`]).
    server: String,
    key: Result<CacheKey, CopyError>,
    path: Result<PathBuf, CopyError>,
}

impl<'a> Place<'a> {
    fn of(
        config: &'a VaultConfig,
        environment: &EnvironmentSpec,
        context: &Context<'a>,
        server: String,
    ) -> Option<Self> {
        let policy = environment.last_known_good?;
        let binding = Binding {
            app: context.app?,
            environment: context.environment,
        };
        let key = match CacheKey::from_vars(context.vars) {
            Ok(Some(key)) => Ok(key),
            Ok(None) => Err(CopyError::NoKey),
            Err(error) => Err(CopyError::Key(error)),
        };
        let path = state_dir(context.vars)
            .map(|dir| dir.join(copy::file_name(binding)))
            .ok_or(CopyError::NoStateDir);
        Some(Self {
            config,
            policy,
            binding,
            server,
            key,
            path,
        })
    }
}

/// Forgets, in every last-known-good copy of this user's, the values of every source
/// that reads the Vault server `spec` (a `vault` source) reads, after a write to it
/// (`put`, `rotate`, `rollback`) or before one whose reads showed Vault reachable
/// (`import`): a copy holds the value being replaced, which the next outage would serve
/// as the latest for up to `max_age` (an eighteenth adversarial pass served a
/// rotated-out value that way; a nineteenth and a twentieth, through another
/// environment's and another source's copy of the same path). The forgetting is
/// recorded, so that a read another process began before it is not saved
/// ([`copy::save`]); the next read that answers for every secret makes a copy again. A
/// copy kept by another user or machine (the service's own) is not reached: it learns
/// of the new version at its next read. Another kind of source keeps no copy: nothing
/// to do. When the manifest `keeps_copies` (an environment has `last_known_good`), the
/// forgetting is recorded even before any copy or state directory exists: a read of
/// this manifest in flight would otherwise save the replaced value as the first copy (a
/// twenty-second adversarial pass).
pub(crate) fn forget_written(
    spec: &SourceSpec,
    context: &Context<'_>,
    keeps_copies: bool,
) -> Result<(), CopyError> {
    let Some(config) = spec.config.get::<VaultConfig>() else {
        return Ok(());
    };
    let (Ok(server), Some(dir)) = (vault_server(config, context.vars), state_dir(context.vars))
    else {
        return Ok(());
    };
    if !dir.exists() {
        if !keeps_copies {
            return Ok(());
        }
        // Made to record the forgetting; where it cannot be made (a read-only or
        // foreign HOME), no copy can be either, and the write is not failed for it (a
        // twenty-third adversarial pass saw `put` exit 1 after its write landed).
        return match forgotten::forget_server(&dir, &server) {
            Err(_) if !dir.exists() => Ok(()),
            other => other,
        };
    }
    forgotten::forget_server(&dir, &server)
}

/// Asks `source` about `asked`, through the environment's last-known-good copy where it
/// keeps one for this source: with a copy to take, the wait is bounded by
/// `outage_after`; a complete answer is saved; what could not be read for an outage is
/// served from the copy.
pub(crate) fn ask(
    source: Box<dyn Source>,
    spec: &SourceSpec,
    asked: &[Arc<SecretSpec>],
    context: &Context<'_>,
    environment: &EnvironmentSpec,
    warnings: &mut Vec<Warning>,
) -> Guarded {
    // The server read now; a source whose server cannot be worked out fails on its own,
    // with a configuration error, which no copy stands in for.
    let place = spec.config.get::<VaultConfig>().and_then(|config| {
        let server = vault_server(config, context.vars).ok()?;
        Place::of(config, environment, context, server)
    });
    let Some(place) = place else {
        return plain(source.as_ref(), asked, context);
    };
    if let Err(error @ (CopyError::NoKey | CopyError::Key(_))) = &place.key {
        warnings.push(Warning::CopyKey {
            environment: environment.name.clone(),
            source: spec.name.clone(),
            error: format!("{error}: {}", error.hint()),
        });
    }
    if let Some(warning) = key::loose_key_file(context.vars) {
        warnings.push(warning);
    }
    let takeable = place.key.is_ok() && place.path.as_ref().is_ok_and(|path| path.exists());
    // When the read began, and what had been forgotten then: a copy forgotten since (a
    // refusal or a write, by another process) is not made again from it.
    let seen = place
        .path
        .as_ref()
        .ok()
        .map(|path| counted::seen(directory_of(path), &place.server, place.binding));
    let began = SystemTime::now();
    let (batch, timed_out) = if takeable {
        let forget = place
            .path
            .as_ref()
            .ok()
            .map(|path| (directory_of(path).to_path_buf(), place.server.clone()));
        match bounded(source, asked, context, place.policy.outage_after, forget) {
            Some(batch) => (batch, false),
            None => (
                Batch::failed(
                    asked.len(),
                    &SourceError::Vault(VaultError::Deadline {
                        seconds: place.policy.outage_after.as_secs().max(1),
                    }),
                ),
                true,
            ),
        }
    } else {
        (source.lookup(&refs(asked), context), false)
    };
    let now = SystemTime::now();
    let complete = !timed_out
        && batch.lookups.len() == asked.len()
        && !batch.lookups.iter().any(|l| matches!(l, Lookup::Failed(_)));
    if complete {
        if let (Ok(key), Ok(path)) = (&place.key, &place.path) {
            // Stamped with when the read began: a value changed in Vault during it
            // may be older than it seems, and a save of a read begun later is newer.
            let mut fresh = contents(&batch, asked, place.config, place.binding, began);
            fresh.forgettings = seen;
            if let Err(error) = copy::save(
                path,
                place.binding,
                &spec.name,
                &place.server,
                key,
                fresh,
                copy::Timing::of(began, now, place.policy.max_age),
            ) {
                warnings.push(Warning::Copy {
                    source: spec.name.clone(),
                    error: error.to_string(),
                });
            }
        }
        let served = asked.iter().map(|_| Served::Fresh).collect();
        return Guarded { batch, served };
    }
    let falls_through = environment.on_source_error == OnSourceError::Next;
    let guarded = serve(&place, spec, asked, batch, timed_out, now, warnings);
    if falls_through {
        // A fall-through records the source's error only: say why the copy did not stand in.
        let mut said: Vec<String> = Vec::new();
        for served in &guarded.served {
            if let Served::NoCopy { copy, .. } = served {
                let text = copy.to_string();
                if !said.contains(&text) {
                    warnings.push(Warning::CopyNotServed {
                        source: spec.name.clone(),
                        copy: text.clone(),
                    });
                    said.push(text);
                }
            }
        }
    }
    guarded
}

/// The lookups of `batch` that failed for an outage, answered from the copy.
fn serve(
    place: &Place<'_>,
    spec: &SourceSpec,
    asked: &[Arc<SecretSpec>],
    batch: Batch,
    timed_out: bool,
    now: SystemTime,
    warnings: &mut Vec<Warning>,
) -> Guarded {
    let Batch {
        lookups,
        warnings: said,
        ..
    } = batch;
    warnings.extend(said);
    let mut opened: Option<Result<Contents, CopyError>> = None;
    let mut forgotten = false;
    let mut lookups_out = Vec::with_capacity(lookups.len());
    let mut served = Vec::with_capacity(lookups.len());
    let mut stale_count = 0;
    let mut oldest = Duration::ZERO;
    let mut first_cause = None;
    for (lookup, secret) in lookups.into_iter().zip(asked) {
        let Lookup::Failed(error) = lookup else {
            lookups_out.push(lookup);
            served.push(Served::Fresh);
            continue;
        };
        let cause = if timed_out {
            Cause::NoAnswer {
                after: place.policy.outage_after,
            }
        } else {
            Cause::Failed(error.clone())
        };
        if !timed_out && !is_outage(&error) {
            // A token refused (401), denied (403), or a login refused (its AppRole ids or
            // JWT: a twenty-third adversarial pass): no copy of this server, in any
            // environment, may outlive the refusal, or the next outage would serve what
            // the token may no longer read (a twenty-second adversarial pass served
            // another environment's copy of the same path).
            if matches!(
                error,
                SourceError::Vault(
                    VaultError::Denied { .. }
                        | VaultError::UsesSpent { .. }
                        | VaultError::Unauthenticated { .. }
                        | VaultError::Login { .. }
                )
            ) && !forgotten
            {
                forgotten = true;
                if let Ok(path) = &place.path {
                    if let Err(failure) =
                        forgotten::forget_server(directory_of(path), &place.server)
                    {
                        warnings.push(Warning::Copy {
                            source: spec.name.clone(),
                            error: failure.to_string(),
                        });
                    }
                }
            }
            lookups_out.push(Lookup::Failed(error));
            served.push(Served::Fresh);
            continue;
        }
        let contents = opened.get_or_insert_with(|| open(place, &spec.name));
        let answer = match contents {
            Err(copy) => Err(copy.clone()),
            Ok(contents) => {
                let expected = expected(place.config, secret, place.binding);
                from_copy(contents, secret, &expected, &place.policy, now)
            }
        };
        match answer {
            Ok((lookup, age)) => {
                if matches!(lookup, Lookup::Found { .. }) {
                    stale_count += 1;
                    oldest = oldest.max(age);
                    first_cause.get_or_insert_with(|| cause.clone());
                    served.push(Served::Stale(Stale {
                        source: spec.name.clone(),
                        age,
                        cause,
                    }));
                } else {
                    served.push(Served::Fresh);
                }
                lookups_out.push(lookup);
            }
            Err(copy) => {
                lookups_out.push(Lookup::Failed(error));
                served.push(Served::NoCopy { cause, copy });
            }
        }
    }
    if let (Some(cause), OnStale::Warn) = (first_cause, place.policy.on_stale) {
        warnings.push(Warning::Stale {
            source: spec.name.clone(),
            cause: cause.to_string(),
            count: stale_count,
            oldest,
        });
    }
    Guarded {
        batch: Batch::new(lookups_out, Vec::new()),
        served,
    }
}

fn open(place: &Place<'_>, source: &str) -> Result<Contents, CopyError> {
    let key = place.key.as_ref().map_err(Clone::clone)?;
    let path = place.path.as_ref().map_err(Clone::clone)?;
    copy::open(path, place.binding, source, Some(&place.server), key)
}

/// Whether `error` means the source could not be reached.
pub(crate) fn is_outage(error: &SourceError) -> bool {
    matches!(error, SourceError::Vault(vault) if vault.is_outage())
}

fn refs(asked: &[Arc<SecretSpec>]) -> Vec<&SecretSpec> {
    asked.iter().map(|spec| &**spec).collect()
}

fn plain(source: &dyn Source, asked: &[Arc<SecretSpec>], context: &Context<'_>) -> Guarded {
    let batch = source.lookup(&refs(asked), context);
    let served = asked.iter().map(|_| Served::Fresh).collect();
    Guarded { batch, served }
}

/// The retries a source whose copy stands in makes: none unless the user chose a
/// number (`VAULT_MAX_RETRIES` or `BAO_MAX_RETRIES`). With a copy to take, a node that
/// refuses the connection is not asked again after a back-off (up to 0.75 s by default),
/// the copy is served at once, and the next read asks again. An election is still
/// waited for, within `outage_after`. Said for the reads alone, not in the variables: a
/// connection is shared by the sources with the same settings, and one login serves
/// them all (a sixtieth adversarial pass counted two logins a command).
fn retries_with_a_copy(vars: &Variables) -> Option<u32> {
    // (An empty variable is no choice: a sixty-first adversarial pass saw one taken for
    // a choice of the default's retries.)
    (!crate::source::vault_retries_chosen(vars)).then_some(0)
}

/// `source`'s answer if it comes within `wait`; `None` if not. The lookup runs on a
/// thread of its own, which is left to finish (its connection's own time-outs end it)
/// when the wait is over. An answer that refuses the token (401, 403) makes the copies
/// in `forget` (the state directory) forget the server it names, even when it comes too
/// late to be waited for: a copy must not outlive a refusal (a seventh adversarial
/// pass), nor another environment's copy of the same server (a twenty-second).
fn bounded(
    source: Box<dyn Source>,
    asked: &[Arc<SecretSpec>],
    context: &Context<'_>,
    wait: Duration,
    forget: Option<(PathBuf, String)>,
) -> Option<Batch> {
    let specs = asked.to_vec();
    let environment = context.environment.to_owned();
    let app = context.app.map(str::to_owned);
    let vars = context.vars.clone();
    let retries = retries_with_a_copy(context.vars);
    let base_dir = context.base_dir.to_path_buf();
    let shown_dir = context.shown_dir.to_path_buf();
    let manifest = context.manifest.to_path_buf();
    let provider_variables = context.provider_variables.to_vec();
    let claims = std::sync::Arc::clone(&context.claims);
    let declared = std::sync::Arc::clone(&context.declared);
    let sensitive_names = std::sync::Arc::clone(&context.sensitive_names);
    let origin_bytes = std::sync::Arc::clone(&context.origin_bytes);
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("secretary-source".to_owned())
        .spawn(move || {
            let context = Context {
                environment: &environment,
                app: app.as_deref(),
                vars: &vars,
                base_dir: &base_dir,
                manifest: &manifest,
                shown_dir: &shown_dir,
                provider_variables: &provider_variables,
                claims,
                declared,
                sensitive_names,
                origin_bytes,
                retries,
            };
            let batch = source.lookup(&refs(&specs), &context);
            let refused = batch.lookups.iter().any(|lookup| {
                matches!(
                    lookup,
                    Lookup::Failed(SourceError::Vault(
                        VaultError::Denied { .. }
                            | VaultError::UsesSpent { .. }
                            | VaultError::Unauthenticated { .. }
                            | VaultError::Login { .. }
                    ))
                )
            });
            if let (true, Some((dir, server))) = (refused, &forget) {
                let _ = forgotten::forget_server(dir, server);
            }
            let _ = sender.send(batch);
        })
        .ok()?;
    receiver.recv_timeout(wait).ok()
}

#[cfg(test)]
mod tests;
