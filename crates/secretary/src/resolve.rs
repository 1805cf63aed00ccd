//! Resolution: for each secret, the first source in the environment's chain that has it
//! wins; defaults apply last; then every value is validated. The outcome, a [`Report`],
//! records for each secret its value (or absence), where it came from, where secretary
//! looked, any fall-through past a failed source, and every problem.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use crate::manifest::Place;
use crate::manifest::{EnvironmentSpec, Manifest, OnSourceError, OnStale, SecretSpec, SourceSpec};
use crate::outage::{self, Cause, CopyError, Served, Stale};
use crate::source::{self, Context, Lookup, Source, SourceError};
use crate::validate::{self, Inadmissible, Invalid};
use crate::{Absence, Error, Looked, Origin, Searched, SecretValue, Variables, Warning};

mod built;
mod derived;
pub(crate) use derived::rebuild as rebuild_templates;
mod fix;
mod hints;
mod summary;

pub(crate) use built::Built;
pub use fix::{Fix, SourceFix};
use hints::{expectation, where_to_put};
pub use summary::{
    Count, Counts, Entry, Failure, SUMMARY_VERSION, Skip, Skipped, SourceFailure, Summary, Terms,
    field,
};

/// The outcome of resolving an environment's secrets.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report {
    /// The environment resolved.
    pub environment: String,
    /// One per requested secret, in manifest order, each with its declaration.
    pub resolutions: Vec<Resolution>,
    /// Things worth saying that are not problems (file permissions, say), each a
    /// [`Warning`] that says what it is about; its `Display` words it.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Its value-free summary: counts, failed sources grouped, problems, warnings.
    pub fn summary(&self) -> Summary {
        Summary::of(self)
    }

    /// Whether no secret has a problem.
    pub fn is_ok(&self) -> bool {
        self.resolutions.iter().all(|r| r.problems.is_empty())
    }

    /// How many problems there are in all.
    pub fn problem_count(&self) -> usize {
        self.resolutions.iter().map(|r| r.problems.len()).sum()
    }

    /// The resolution of `key`, if it was requested.
    pub fn get(&self, key: &str) -> Option<&Resolution> {
        self.resolutions.iter().find(|r| r.key() == key)
    }

    /// The keys of `newer` whose value is not the one this report holds for them: set,
    /// unset, or other text (a key this report does not hold counts as changed), sorted.
    /// Values are compared where they are, never copied.
    pub fn changed_keys(&self, newer: &Report) -> Vec<String> {
        let before: std::collections::HashMap<&str, Option<&str>> = self
            .resolutions
            .iter()
            .map(|resolution| (resolution.key(), resolution.exposed()))
            .collect();
        let mut changed: Vec<String> = newer
            .resolutions
            .iter()
            .filter(|fresh| {
                before
                    .get(fresh.key())
                    .is_none_or(|value| *value != fresh.exposed())
            })
            .map(|fresh| fresh.key().to_owned())
            .collect();
        changed.sort();
        changed
    }
}

/// One secret's resolution.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolution {
    /// The secret's declaration.
    pub spec: Arc<SecretSpec>,
    /// Its value, when some source (or the default) had one.
    pub value: Option<SecretValue>,
    /// Where the value came from.
    pub origin: Option<Origin>,
    /// Every place secretary looked before finding it (or not).
    pub looked: Vec<Looked>,
    /// Sources that failed and were skipped because the environment allows it.
    pub fallbacks: Vec<Fallback>,
    /// Everything wrong with it.
    pub problems: Vec<Problem>,
    /// When its value was written, where the source keeps that (Vault KV v2).
    pub written: Option<SystemTime>,
    /// Set when the value was served from its source's last-known-good copy because the
    /// source could not be reached: how old it is, and why. A flag beside the problems
    /// rather than one of them: with `on_stale = "warn"` a stale value is served, and
    /// problems are what stops a value being served.
    pub stale: Option<Stale>,
    /// Of a value built from others (a template, `.env` expansion): what it is checked
    /// on and counted at, never its length.
    pub(crate) built: Option<Built>,
}

impl Resolution {
    /// The secret's key.
    pub fn key(&self) -> &str {
        &self.spec.key
    }

    /// Its value's text, if it has one.
    fn exposed(&self) -> Option<&str> {
        self.value.as_ref().map(SecretValue::expose)
    }

    /// The value as it may be shown to people (`status`): valid, with no problem, and
    /// as [`SecretSpec::may_show`](crate::manifest::SecretSpec::may_show) allows; a
    /// value equal to the default only when it is the default (not a value read that
    /// equals it); never a value built from others (a template, `.env` expansion).
    pub fn shown_value(&self) -> Option<&str> {
        let value = self.value.as_ref()?.expose();
        // Nor a value built from others: whether it is shown would be a verdict on it
        // (`t${X}` is a `bool` shown only when `X` is `rue`), in words that may differ
        // in each environment (a sixty-third adversarial pass).
        if self.is_built() {
            return None;
        }
        let may = if self.origin == Some(Origin::Default) {
            self.spec.may_show(value)
        } else {
            self.spec.may_show_read(value)
        };
        (self.problems.is_empty() && may).then_some(value)
    }

    /// How old its value is, when the source says when it was written.
    pub fn age(&self, now: SystemTime) -> Option<Duration> {
        self.written
            .map(|written| now.duration_since(written).unwrap_or_default())
    }

    /// When its value is due for rotation: when it was written plus `rotate_every`.
    pub fn rotation_due(&self) -> Option<SystemTime> {
        let every = self.spec.rotation.as_ref()?.every?;
        self.written?.checked_add(every)
    }

    /// Its state: [`State::Ok`], [`State::Stale`] or [`State::Unset`] without problems,
    /// else the state of its first problem.
    pub fn state(&self) -> State {
        match self.problems.first() {
            Some(problem) => problem.kind.state(),
            None if self.value.is_some() && self.stale.is_some() => State::Stale,
            None if self.value.is_some() => State::Ok,
            None => State::Unset,
        }
    }
}

/// A resolution's state, in one word that `status`, `check`, their JSON and the audit
/// log all use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// It has a valid value.
    Ok,
    /// It is optional and not set.
    Unset,
    /// It is required and not set.
    Missing,
    /// Its value does not fit its type or constraints.
    Invalid,
    /// Its value looks like a placeholder where they are forbidden.
    Placeholder,
    /// A source it could have come from failed.
    SourceError,
    /// Its value is older than its `rotate_every`, where the environment enforces it.
    Overdue,
    /// Its value comes from its source's last-known-good copy: the source could not be
    /// reached.
    Stale,
}

impl State {
    /// The word: `ok`, `unset`, `missing`, `invalid`, `placeholder`, `source_error`,
    /// `overdue`, `stale`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unset => "unset",
            Self::Missing => "missing",
            Self::Invalid => "invalid",
            Self::Placeholder => "placeholder",
            Self::SourceError => "source_error",
            Self::Overdue => "overdue",
            Self::Stale => "stale",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed source that was skipped (`on_source_error = "next"`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fallback {
    /// The source that failed.
    pub source: String,
    /// How it failed.
    pub error: SourceError,
}

/// Something wrong with one secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// What to do about it.
    pub fix: Fix,
}

/// What is wrong with a secret. None of these hold the value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required secret that no source has, and no default.
    Missing,
    /// An optional secret that is not set, asked for as if it had to be
    /// (`SecretManager::get`).
    Unset,
    /// The value does not fit the secret's type or constraints.
    Invalid {
        /// Where the value came from.
        origin: Origin,
        /// Which rule it breaks.
        reason: Invalid,
    },
    /// The value looks like a template placeholder, in an environment that forbids them.
    Placeholder {
        /// Where the value came from.
        origin: Origin,
        /// Which placeholder rule it matched.
        rule: crate::validate::PlaceholderRule,
    },
    /// A source failed, so the secret could not be resolved (fail closed).
    SourceFailed {
        /// The source's name.
        source: String,
        /// How it failed.
        error: SourceError,
    },
    /// The value is older than the secret's `rotate_every`, in an environment that sets
    /// `enforce_rotation`.
    Overdue {
        /// How old the value is.
        age: Duration,
        /// Its `rotate_every`.
        every: Duration,
    },
    /// The source could not be reached, and its last-known-good copy could not stand in
    /// (none, too old, sealed with another key, tampered with...): fail closed.
    Outage {
        /// The source's name.
        source: String,
        /// Why it was not read.
        cause: Cause,
        /// Why the copy was not served.
        copy: CopyError,
    },
    /// The value comes from the last-known-good copy, in an environment whose
    /// `on_stale = "fail"` makes that a problem.
    Stale(Stale),
    /// A template not built: one of its inputs has a value that is not served (invalid,
    /// a placeholder, overdue). Its state is the input's.
    Input {
        /// The input's key.
        input: String,
        /// The input's state.
        state: State,
    },
}

impl ProblemKind {
    /// The state a secret with this problem is in.
    pub fn state(&self) -> State {
        match self {
            Self::Missing => State::Missing,
            Self::Unset => State::Unset,
            Self::Invalid { .. } => State::Invalid,
            Self::Placeholder { .. } => State::Placeholder,
            Self::SourceFailed { .. } | Self::Outage { .. } => State::SourceError,
            Self::Overdue { .. } => State::Overdue,
            Self::Stale(_) => State::Stale,
            Self::Input { state, .. } => *state,
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("required but not set"),
            Self::Unset => f.write_str("not set (it is optional)"),
            Self::Invalid { origin, reason } => write!(f, "the value from {origin} {reason}"),
            Self::Placeholder { origin, rule } => {
                write!(
                    f,
                    "the value from {origin} looks like a placeholder ({rule})"
                )
            }
            Self::SourceFailed { source, error } => write!(f, "source `{source}` failed: {error}"),
            Self::Overdue { age, every } => write!(
                f,
                "the value is {} old; it is rotated every {}",
                crate::duration::show_duration(*age),
                crate::duration::show_duration(*every)
            ),
            Self::Outage {
                source,
                cause,
                copy,
            } => write!(
                f,
                "source `{source}` could not be reached ({cause}), and its last-known-good copy cannot be served: {copy}"
            ),
            Self::Stale(stale) => write!(f, "the value is stale: {stale}"),
            Self::Input { input, state } => {
                let what = match state {
                    State::Invalid => "invalid",
                    State::Placeholder => "a placeholder",
                    State::Overdue => "overdue for rotation",
                    other => other.as_str(),
                };
                write!(f, "not built: its input `{input}` is {what}")
            }
        }
    }
}

/// Which secrets to resolve.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every declared secret.
    All,
    /// Just these keys (each must be declared).
    Keys(&'a [&'a str]),
}

/// Resolves and validates the secrets of `environment`.
///
/// ```
/// use secretary::{Manifest, Scope, Variables, resolve};
///
/// let manifest = Manifest::parse(
///     "version = 1\n[secrets.api_key]\nrequired = true\n[secrets.port]\ntype = \"port\"\nsensitive = false\ndefault = \"8000\"\n",
///     std::path::Path::new("secrets.toml"),
/// ).unwrap();
/// let vars = Variables::from_pairs([("API_KEY", "k-123")]);
/// let environment = manifest.select_environment(None, &vars).unwrap();
/// let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
/// assert!(report.is_ok());
/// let api_key = report.get("api_key").unwrap();
/// assert_eq!(api_key.origin.as_ref().unwrap().to_string(), "env:API_KEY");
/// assert_eq!(report.get("port").unwrap().value.as_ref().unwrap().expose(), "8000");
/// ```
pub fn resolve(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    scope: Scope<'_>,
) -> Result<Report, Error> {
    resolve_with(manifest, environment, vars, scope, source::build)
}

/// [`resolve`], with the sources made by `build` from their manifest entries: for
/// embedding secretary with sources of one's own, and for test doubles.
pub fn resolve_with(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    scope: Scope<'_>,
    build: impl Fn(&SourceSpec) -> Box<dyn Source>,
) -> Result<Report, Error> {
    let mut specs: Vec<&Arc<SecretSpec>> = match scope {
        Scope::All => environment.secrets().iter().collect(),
        Scope::Keys(keys) => {
            // A key asked for twice is resolved (and audited) once.
            let mut seen = std::collections::HashSet::new();
            keys.iter()
                .filter(|key| seen.insert(**key))
                .map(|key| manifest.secret_in(environment, key))
                .collect::<Result<_, _>>()?
        }
    };
    // A templated secret needs the secrets it is built from: they are resolved too, and
    // left out of the report unless asked for.
    let asked_for = specs.len();
    derived::add_inputs(environment, &mut specs);
    let mut resolutions: Vec<Resolution> = specs
        .iter()
        .map(|spec| Resolution::unresolved(spec))
        .collect();
    let context = Context::new(manifest, environment, vars);
    source::claim_dotenv_files(manifest, environment, &context);
    let mut warnings = Vec::new();
    // Indexes of secrets no source has answered for yet; a templated secret is built, not
    // looked up.
    let mut pending: Vec<usize> = (0..specs.len())
        .filter(|&i| specs[i].template.is_none())
        .collect();
    // Files read whole by a secret and by a dotenv source: neither way gives a verdict.
    let mut read_two_ways = Vec::new();
    for name in &environment.sources {
        if pending.is_empty() {
            break;
        }
        // The checker made sure every source an environment names is declared.
        let Some(spec) = manifest.source(name) else {
            continue;
        };
        let source = build(spec);
        let asked: Vec<Arc<SecretSpec>> = pending.iter().map(|&i| Arc::clone(specs[i])).collect();
        let guarded = outage::ask(source, spec, &asked, &context, environment, &mut warnings);
        let (batch, mut served) = (guarded.batch, guarded.served.into_iter());
        warnings.extend(batch.warnings);
        let answered = batch.lookups.len();
        // A source that answers for fewer secrets than it was asked fails the rest:
        // a secret must never drop out of resolution unnoticed.
        let mut lookups = batch.lookups.into_iter();
        let mut still_pending = Vec::new();
        for index in pending {
            let lookup = lookups.next().unwrap_or_else(|| {
                Lookup::Failed(SourceError::Incomplete {
                    answered,
                    asked: asked.len(),
                })
            });
            let served = served.next().unwrap_or(Served::Fresh);
            if let Lookup::Failed(error @ SourceError::ReadWholeAndByDotenv { .. }) = &lookup {
                // Once each: a source's error is every pending secret's.
                let seen = read_two_ways.iter().any(|seen| match (seen, error) {
                    (
                        SourceError::ReadWholeAndByDotenv { whole: a, .. },
                        SourceError::ReadWholeAndByDotenv { whole: b, .. },
                    ) => a == b,
                    _ => false,
                });
                if !seen {
                    read_two_ways.push(error.clone());
                }
            }
            if answer(&mut resolutions[index], name, lookup, served, environment) {
                still_pending.push(index);
            }
        }
        pending = still_pending;
    }
    withdraw_read_whole(&mut resolutions, read_two_ways);
    defaults(manifest, environment, &specs, &mut resolutions, &pending);
    // The values read are checked before a template is built from them: an input that
    // breaks its type or pattern leaves its template without a value (a thirtieth
    // adversarial pass had `get`, `export` and `run` hand out a URL built from an `int`
    // that was not one, `status` calling it `ok`). Then the templates are checked.
    let (templates, read): (Vec<usize>, Vec<usize>) =
        (0..specs.len()).partition(|&at| specs[at].template.is_some());
    validate_some(environment, &specs, &mut resolutions, &read);
    // So is their age: a value overdue where rotation is enforced builds nothing either
    // (a thirty-first adversarial pass had `get url` hand out a URL over an overdue
    // password that `get` of the password refused). Said of the inputs a template reads
    // too, asked for or not.
    warnings.extend(rotation(environment, &mut resolutions, SystemTime::now()));
    derived::build(&specs, &mut resolutions);
    validate_some(environment, &specs, &mut resolutions, &templates);
    resolutions.truncate(asked_for);
    Ok(Report {
        environment: environment.name.clone(),
        resolutions,
        warnings,
    })
}

impl Resolution {
    /// Nothing known yet of `spec`.
    fn unresolved(spec: &Arc<SecretSpec>) -> Self {
        Self {
            spec: Arc::clone(spec),
            value: None,
            origin: None,
            looked: Vec::new(),
            fallbacks: Vec::new(),
            problems: Vec::new(),
            written: None,
            stale: None,
            built: None,
        }
    }
}

/// Takes back the value of each secret that read whole a file a `dotenv` source read
/// other secrets from later in the chain (the dotenv source failed for them): the file
/// is read one way only, whichever source came first, so no verdict is given on it
/// either way (a thirty-seventh stop left the first reader served).
fn withdraw_read_whole(resolutions: &mut [Resolution], errors: Vec<SourceError>) {
    for error in errors {
        let SourceError::ReadWholeAndByDotenv { whole, .. } = &error else {
            continue;
        };
        // Only a value that came from a `files` source: the one that read the file
        // whole (a forty-first adversarial pass saw an `env` value taken back).
        let Some(resolution) = resolutions.iter_mut().find(|resolution| {
            resolution.spec.key == *whole
                && resolution.value.is_some()
                && matches!(&resolution.origin, Some(Origin::Source { locator, .. })
                    if locator.kind() == crate::manifest::SourceKind::FILES)
        }) else {
            continue;
        };
        take_back(resolution, &error);
    }
}

/// Takes back the value a source gave `resolution`, with `error` as that source's
/// failure: its value is not served, nor a verdict given on it.
fn take_back(resolution: &mut Resolution, error: &SourceError) {
    let Some(Origin::Source { name, .. }) = resolution.origin.take() else {
        return;
    };
    resolution.value = None;
    resolution.built = None;
    resolution.written = None;
    resolution.stale = None;
    resolution.problems.push(Problem {
        fix: Fix::Source(SourceFix::Repair(error.clone())),
        kind: ProblemKind::SourceFailed {
            source: name,
            error: error.clone(),
        },
    });
}

/// Records one source's answer for one secret; gives whether the secret is still to be
/// asked of the next source.
fn answer(
    resolution: &mut Resolution,
    name: &str,
    lookup: Lookup,
    served: Served,
    environment: &EnvironmentSpec,
) -> bool {
    match lookup {
        Lookup::Found {
            value,
            locator,
            written,
            shape,
        } => {
            if let Served::Stale(stale) = served {
                if environment.last_known_good.map(|l| l.on_stale) == Some(OnStale::Fail) {
                    resolution.problems.push(Problem {
                        fix: Fix::Source(SourceFix::Stale {
                            cause: stale.cause.clone(),
                            or_serve: true,
                        }),
                        kind: ProblemKind::Stale(stale.clone()),
                    });
                }
                resolution.stale = Some(stale);
            }
            resolution.value = Some(value);
            resolution.built = shape.map(|shape| Built {
                shape: Some(shape.text),
                bound: shape.bound,
                charge: shape.charge,
            });
            resolution.written = written.filter(|&written| believable(written));
            resolution.origin = Some(Origin::Source {
                name: name.to_owned(),
                locator,
            });
            false
        }
        Lookup::Absent { looked } => {
            resolution.looked.extend(looked);
            true
        }
        Lookup::Failed(error) => {
            resolution
                .looked
                .push(Looked::new(Searched::Source(name.to_owned())).because(Absence::Failed));
            match (environment.on_source_error, served) {
                (OnSourceError::Fail, Served::NoCopy { cause, copy }) => {
                    resolution.problems.push(Problem {
                        fix: Fix::Source(SourceFix::Outage {
                            cause: cause.clone(),
                            copy: copy.clone(),
                        }),
                        kind: ProblemKind::Outage {
                            source: name.to_owned(),
                            cause,
                            copy,
                        },
                    });
                    false
                }
                (OnSourceError::Fail, _) => {
                    resolution.problems.push(Problem {
                        fix: Fix::Source(SourceFix::Repair(error.clone())),
                        kind: ProblemKind::SourceFailed {
                            source: name.to_owned(),
                            error,
                        },
                    });
                    false
                }
                (OnSourceError::Next, _) => {
                    resolution.fallbacks.push(Fallback {
                        source: name.to_owned(),
                        error,
                    });
                    true
                }
            }
        }
    }
}

/// Applies defaults to what no source had, and reports missing required secrets.
fn defaults(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    specs: &[&Arc<SecretSpec>],
    resolutions: &mut [Resolution],
    pending: &[usize],
) {
    for &index in pending {
        let spec = specs[index];
        let resolution = &mut resolutions[index];
        if let Some(default) = &spec.default {
            resolution.value = Some(SecretValue::new(default.clone()));
            resolution.origin = Some(Origin::Default);
        } else if spec.required {
            resolution.problems.push(Problem {
                kind: ProblemKind::Missing,
                fix: where_to_put(manifest, environment, spec),
            });
        }
    }
}

/// Validates the values found (or built) of the resolutions at `which`.
fn validate_some(
    environment: &EnvironmentSpec,
    specs: &[&Arc<SecretSpec>],
    resolutions: &mut [Resolution],
    which: &[usize],
) {
    for &at in which {
        let (Some(spec), Some(resolution)) = (specs.get(at), resolutions.get_mut(at)) else {
            continue;
        };
        let (Some(value), Some(origin)) = (&resolution.value, &resolution.origin) else {
            continue;
        };
        // A default is the manifest's own word, written in the open: the environment's
        // `forbid_placeholders` is about values its sources hold (`put` has no default
        // and applies it to every value).
        let placeholders_forbidden = environment.forbid_placeholders && *origin != Origin::Default;
        // A value built from others is checked on its shape, each inserted value `1`:
        // the text around an input may differ in each environment (a template by
        // environment, each environment's `.env`), and a verdict on the value it builds
        // would answer a question that text chooses, one an environment (a sixty-third
        // adversarial pass read a password through a url's host). Each input is checked
        // by its own rules.
        let shape = built::shape(spec, origin, resolution.built.as_ref());
        let shape = shape.as_deref();
        let checked = shape.unwrap_or(value.expose());
        match validate::admissible(spec, checked, placeholders_forbidden) {
            Ok(()) => {}
            // A shape its type refuses says nothing of the value: an input may stand
            // where the structure is (`${DB_URL}`, `{database_url}?sslmode=require`,
            // `${SCHEME}://host`), and the value built passes where the shape cannot (a
            // sixty-sixth adversarial pass saw `init`'s own `.env` refused). Not checked.
            Err(Inadmissible::Invalid(_)) if shape.is_some() => {}
            Err(Inadmissible::Invalid(reason)) => resolution.problems.push(Problem {
                fix: Fix::Correct {
                    name: spec.primary_env().to_owned(),
                    expected: expectation(spec),
                    origin: origin.clone(),
                },
                kind: ProblemKind::Invalid {
                    origin: origin.clone(),
                    reason,
                },
            }),
            Err(Inadmissible::Placeholder(rule)) => resolution.problems.push(Problem {
                fix: Fix::ReplacePlaceholder {
                    environment: environment.name.clone(),
                    origin: origin.clone(),
                },
                kind: ProblemKind::Placeholder {
                    origin: origin.clone(),
                    rule,
                },
            }),
        }
    }
}

/// Whether a source's word for when a value was written can be believed: not more than
/// five minutes ahead of this clock (a provider's or a server's time in the future would
/// make the value ageless, and one past year 9999 could not be shown: an eighth
/// adversarial pass made `status` panic with `9999-12-31T23:59:59Z`).
fn believable(written: SystemTime) -> bool {
    SystemTime::now()
        .checked_add(Duration::from_secs(300))
        .is_some_and(|limit| written <= limit)
}

/// Checks every valid value against its secret's `rotate_every` at `now`: an overdue one
/// is a problem where the environment enforces rotation, and a warning (returned)
/// elsewhere.
fn rotation(
    environment: &EnvironmentSpec,
    resolutions: &mut [Resolution],
    now: SystemTime,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for resolution in resolutions.iter_mut().filter(|r| r.problems.is_empty()) {
        let (Some(due), Some(every), Some(age)) = (
            resolution.rotation_due(),
            resolution.spec.rotation.as_ref().and_then(|r| r.every),
            resolution.age(now),
        ) else {
            continue;
        };
        if now < due {
            continue;
        }
        if environment.enforce_rotation {
            resolution.problems.push(Problem {
                fix: Fix::Rotate {
                    key: resolution.spec.key.clone(),
                },
                kind: ProblemKind::Overdue { age, every },
            });
        } else {
            warnings.push(Warning::Overdue {
                key: resolution.spec.key.clone(),
                age,
                every,
            });
        }
    }
    warnings
}
