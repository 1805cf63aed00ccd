//! A value-free, versioned summary of a [`Report`] (or of a manager's
//! [`Problems`](crate::Problems)): how many secrets are in each state, each failed source
//! once with its fix and the secrets it affects, every problem with its secret and where
//! it came from, the sources skipped and the warnings. `check --format json`, the command
//! line's problem report, the Python exceptions and `Problems`' `Display` all format this
//! one value (`summary/text.rs`), each in its own vocabulary ([`Terms`]).
//!
//! It is made of keys, descriptions, states, locators, source names and typed problems
//! only, never of a [`SecretValue`](crate::SecretValue): no value can reach what is built
//! from it.

use std::fmt;

use serde::{Serialize, Serializer};

use super::{Fix, Problem, ProblemKind, Report, State};
use crate::manifest::SecretSpec;
use crate::outage::{Cause, CopyError};
use crate::source::SourceError;
use crate::{Looked, Warning};

mod text;

pub use text::{Terms, field};

/// The version of [`Summary`]'s serialised form: raised by a change that is not an added
/// field.
pub const SUMMARY_VERSION: u32 = 1;

/// What a resolution came to, without a value: counts by state, each failed source once
/// with its fix, every problem with its secret and where it came from, the sources
/// skipped and the warnings.
///
/// ```
/// use secretary::{Manifest, Scope, Summary, Variables, resolve};
///
/// let manifest = Manifest::parse(
///     "version = 1\n[secrets.api_key]\nrequired = true\n[secrets.token]\nrequired = true\n",
///     std::path::Path::new("secrets.toml"),
/// ).unwrap();
/// let vars = Variables::from_pairs([("API_KEY", "k-123")]);
/// let environment = manifest.select_environment(None, &vars).unwrap();
/// let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
/// let summary = Summary::of(&report);
/// assert_eq!(summary.headline("secrets.toml"),
///            "1 problem in environment `development` (secrets.toml): 1 missing");
/// assert_eq!(summary.problems[0].key, "token");
/// ```
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// [`SUMMARY_VERSION`].
    pub version: u32,
    /// The environment resolved.
    pub environment: String,
    /// Whether no secret has a problem.
    pub ok: bool,
    /// How many secrets, and how many in each state; how many problems of each state.
    pub counts: Counts,
    /// Each failed source once (by source and failure), with the secrets it affects.
    pub source_failures: Vec<SourceFailure>,
    /// Every problem, secret by secret in manifest order (a failed source's too).
    pub problems: Vec<Entry>,
    /// Each source that failed and was skipped (`on_source_error = "next"`), per secret.
    pub fallbacks: Vec<Skip>,
    /// What is worth saying that is not a problem, as [`Report::warnings`] has it.
    pub warnings: Vec<Warning>,
}

/// How many secrets there are, and how many in each state; how many problems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// The secrets summarised.
    pub secrets: usize,
    /// Secrets by [`Resolution::state`](super::Resolution::state), in order of first
    /// appearance.
    pub states: Vec<Count>,
    /// Problems by state, in order of first appearance.
    pub problems: Vec<Count>,
}

impl Counts {
    /// How many secrets are in `state`.
    pub fn of(&self, state: State) -> usize {
        self.states
            .iter()
            .find(|count| count.state == state)
            .map_or(0, |count| count.count)
    }

    /// How many problems there are in all.
    pub fn problem_total(&self) -> usize {
        self.problems.iter().map(|count| count.count).sum()
    }

    fn add(counts: &mut Vec<Count>, state: State) {
        match counts.iter_mut().find(|count| count.state == state) {
            Some(count) => count.count += 1,
            None => counts.push(Count { state, count: 1 }),
        }
    }
}

/// How many of one state: `2 missing`, `3 placeholders` as [`Display`](fmt::Display)
/// words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Count {
    /// The state.
    pub state: State,
    /// How many.
    pub count: usize,
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.state {
            State::SourceError => "source error",
            other => other.as_str(),
        };
        // "missing" and "invalid" are adjectives: never plural.
        let plural = self.count != 1 && !matches!(self.state, State::Missing | State::Invalid);
        write!(f, "{} {word}{}", self.count, if plural { "s" } else { "" })
    }
}

/// A source that failed (fail closed), told once for every secret it affects.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SourceFailure {
    /// The source's name.
    pub source: String,
    /// How it failed.
    #[serde(rename = "error", serialize_with = "display")]
    pub failure: Failure,
    /// What to do about it.
    #[serde(serialize_with = "display")]
    pub fix: Fix,
    /// The secrets it affects, in manifest order.
    pub keys: Vec<String>,
}

/// How a source failed, for [`SourceFailure`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Failure {
    /// It answered with an error.
    Error(SourceError),
    /// It could not be reached, and its last-known-good copy could not stand in.
    Outage {
        /// Why it was not read.
        cause: Cause,
        /// Why the copy was not served.
        copy: CopyError,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Error(error) => error.fmt(f),
            Self::Outage { cause, copy } => write!(
                f,
                "{cause}; its last-known-good copy cannot be served: {copy}"
            ),
        }
    }
}

/// One problem of one secret. Serialised with the field names of `check --format json`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Entry {
    /// The secret's key.
    pub key: String,
    /// Its description.
    pub description: String,
    /// The problem's state (`missing`, `invalid`, ...).
    #[serde(rename = "code")]
    pub state: State,
    /// What is wrong.
    #[serde(rename = "message", serialize_with = "display")]
    pub problem: ProblemKind,
    /// The source concerned: the one the value came from, or the one that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where the value that is wrong came from (`dotenv:.env:3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// Every place secretary looked, as [`Resolution::looked`](super::Resolution::looked)
    /// has it; each serialised as its text.
    pub looked: Vec<Looked>,
    /// What to do about it.
    #[serde(rename = "hint", serialize_with = "display")]
    pub fix: Fix,
}

impl Entry {
    /// One problem of the secret `spec`, which was looked for in `looked`.
    fn new(spec: &SecretSpec, problem: &Problem, looked: &[Looked]) -> Self {
        let (source, locator) = match &problem.kind {
            ProblemKind::Invalid { origin, .. } | ProblemKind::Placeholder { origin, .. } => {
                (Some(origin.source().to_owned()), Some(origin.to_string()))
            }
            ProblemKind::SourceFailed { source, .. } | ProblemKind::Outage { source, .. } => {
                (Some(source.clone()), None)
            }
            ProblemKind::Stale(stale) => (Some(stale.source.clone()), None),
            _ => (None, None),
        };
        Self {
            key: spec.key.clone(),
            description: spec.description.clone(),
            state: problem.kind.state(),
            problem: problem.kind.clone(),
            source,
            locator,
            looked: looked.to_vec(),
            fix: problem.fix.clone(),
        }
    }

    /// Whether it is a failed source's, told once in [`Summary::source_failures`].
    pub fn is_source_failure(&self) -> bool {
        self.failure().is_some()
    }

    /// The failed source and how it failed, when that is the problem.
    fn failure(&self) -> Option<(&str, Failure)> {
        match &self.problem {
            ProblemKind::SourceFailed { source, error } => {
                Some((source, Failure::Error(error.clone())))
            }
            ProblemKind::Outage {
                source,
                cause,
                copy,
            } => Some((
                source,
                Failure::Outage {
                    cause: cause.clone(),
                    copy: copy.clone(),
                },
            )),
            _ => None,
        }
    }
}

/// A source that failed and was skipped for one secret (`on_source_error = "next"`).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Skip {
    /// The secret's key.
    pub key: String,
    /// The source's name.
    pub source: String,
    /// How it failed.
    #[serde(serialize_with = "display")]
    pub error: SourceError,
}

/// A source that failed and was skipped, once for every secret it was skipped for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Skipped<'a> {
    /// The source's name.
    pub source: &'a str,
    /// How it failed.
    pub error: &'a SourceError,
    /// The secrets it was skipped for.
    pub keys: Vec<&'a str>,
}

impl Summary {
    /// The summary of `report`.
    pub fn of(report: &Report) -> Self {
        let mut summary = Self::new(&report.environment, report.warnings.clone());
        for resolution in &report.resolutions {
            summary.counts.secrets += 1;
            Counts::add(&mut summary.counts.states, resolution.state());
            for problem in &resolution.problems {
                summary.add(&resolution.spec, problem, &resolution.looked);
            }
            for fallback in &resolution.fallbacks {
                summary.fallbacks.push(Skip {
                    key: resolution.key().to_owned(),
                    source: fallback.source.clone(),
                    error: fallback.error.clone(),
                });
            }
        }
        summary
    }

    /// The summary of `problems`, each `(secret, problem, where it was looked for)`: the
    /// secrets counted are those with a problem, each in the state of its first.
    pub(crate) fn of_problems<'a>(
        environment: &str,
        problems: impl IntoIterator<Item = (&'a SecretSpec, &'a Problem, &'a [Looked])>,
        warnings: Vec<Warning>,
    ) -> Self {
        let mut summary = Self::new(environment, warnings);
        for (spec, problem, looked) in problems {
            if !summary.problems.iter().any(|entry| entry.key == spec.key) {
                summary.counts.secrets += 1;
                Counts::add(&mut summary.counts.states, problem.kind.state());
            }
            summary.add(spec, problem, looked);
        }
        summary
    }

    fn new(environment: &str, warnings: Vec<Warning>) -> Self {
        Self {
            version: SUMMARY_VERSION,
            environment: environment.to_owned(),
            ok: true,
            counts: Counts::default(),
            source_failures: Vec::new(),
            problems: Vec::new(),
            fallbacks: Vec::new(),
            warnings,
        }
    }

    /// Adds one problem: to the counts, to its failed source's group, to the entries.
    fn add(&mut self, spec: &SecretSpec, problem: &Problem, looked: &[Looked]) {
        let entry = Entry::new(spec, problem, looked);
        self.ok = false;
        Counts::add(&mut self.counts.problems, entry.state);
        if let Some((source, failure)) = entry.failure() {
            let message = failure.to_string();
            let group = self
                .source_failures
                .iter_mut()
                .find(|group| group.source == source && group.failure.to_string() == message);
            // The source's own fix, not a template's over it (a seventieth adversarial
            // pass read "`database_url` is built from `postgres_user`..." as the fix of
            // every secret of a failed lease source).
            let through_input =
                |fix: &Fix| matches!(fix, Fix::Source(crate::SourceFix::Input { .. }));
            match group {
                Some(group) => {
                    if through_input(&group.fix) && !through_input(&problem.fix) {
                        group.fix = problem.fix.clone();
                    }
                    group.keys.push(entry.key.clone());
                }
                None => self.source_failures.push(SourceFailure {
                    source: source.to_owned(),
                    failure,
                    fix: problem.fix.clone(),
                    keys: vec![entry.key.clone()],
                }),
            }
        }
        self.problems.push(entry);
    }

    /// The sources skipped, each once (by source and error) with the secrets it was
    /// skipped for.
    pub fn skipped(&self) -> Vec<Skipped<'_>> {
        let mut groups: Vec<Skipped<'_>> = Vec::new();
        for skip in &self.fallbacks {
            let message = skip.error.to_string();
            match groups
                .iter_mut()
                .find(|group| group.source == skip.source && group.error.to_string() == message)
            {
                Some(group) => group.keys.push(&skip.key),
                None => groups.push(Skipped {
                    source: &skip.source,
                    error: &skip.error,
                    keys: vec![&skip.key],
                }),
            }
        }
        groups
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Serialises `value` as the text its `Display` gives.
fn display<T: fmt::Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests;
