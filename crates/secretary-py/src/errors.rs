//! The library's errors as the exceptions of `secretary.errors` (declared there, in
//! Python, once): each with a message worded as the command line words its report, and
//! `key` / `description` / `source` / `locator` / `looked` / `fix` attributes where they
//! apply. No message and no attribute ever holds a value: they are built only from the
//! library's errors and problems, which hold none.

use std::fmt::Write as _;

use pyo3::PyTypeInfo as _;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use secretary::manifest::unknown_environment;
use secretary::summary::Entry;
use secretary::{Error, ManagerError, ProblemKind, Problems, Summary, Terms};

// The exception classes, declared once, in Python (`secretary/errors.py`), and imported
// here as types: a misspelt class is a compile error, not an AttributeError at the moment
// an error is raised.
pyo3::import_exception!(secretary.errors, SecretaryError);
pyo3::import_exception!(secretary.errors, ManifestError);
pyo3::import_exception!(secretary.errors, UnknownEnvironmentError);
pyo3::import_exception!(secretary.errors, SecretNotFoundError);
pyo3::import_exception!(secretary.errors, InvalidSecretError);
pyo3::import_exception!(secretary.errors, SourceError);
pyo3::import_exception!(secretary.errors, SecretValidationError);
pyo3::import_exception!(secretary.errors, AuditLogError);

/// Which exception of `secretary.errors` an error raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Secretary,
    Manifest,
    UnknownEnvironment,
    SecretNotFound,
    InvalidSecret,
    Source,
    SecretValidation,
    AuditLog,
}

impl Class {
    /// The Python class.
    fn type_object(self, py: Python<'_>) -> Bound<'_, PyType> {
        match self {
            Self::Secretary => SecretaryError::type_object(py),
            Self::Manifest => ManifestError::type_object(py),
            Self::UnknownEnvironment => UnknownEnvironmentError::type_object(py),
            Self::SecretNotFound => SecretNotFoundError::type_object(py),
            Self::InvalidSecret => InvalidSecretError::type_object(py),
            Self::Source => SourceError::type_object(py),
            Self::SecretValidation => SecretValidationError::type_object(py),
            Self::AuditLog => AuditLogError::type_object(py),
        }
    }
}

/// What an exception is made of: its class, its message, and its attributes.
struct Raise<'py> {
    class: Class,
    message: String,
    attributes: Bound<'py, PyDict>,
}

impl<'py> Raise<'py> {
    fn new(py: Python<'py>, class: Class, message: String) -> Self {
        Self {
            class,
            message,
            attributes: PyDict::new(py),
        }
    }

    fn with(self, name: &str, value: impl IntoPyObject<'py>) -> PyResult<Self> {
        self.attributes.set_item(name, value)?;
        Ok(self)
    }

    fn instance(self) -> PyResult<Bound<'py, PyAny>> {
        let py = self.attributes.py();
        self.class
            .type_object(py)
            .call((self.message,), Some(&self.attributes))
    }

    fn into_err(self) -> PyErr {
        match self.instance() {
            Ok(instance) => PyErr::from_value(instance),
            Err(error) => error,
        }
    }
}

/// The context an error is turned into an exception in.
pub struct Context<'a> {
    /// The manifest, as it is shown to people.
    pub manifest: &'a str,
}

/// `error` from a call that asked for one secret (`get`, `get_secret`): a problem with
/// it raises the exception of its kind.
pub fn from_get(py: Python<'_>, error: ManagerError, context: &Context<'_>) -> PyErr {
    match error {
        ManagerError::Problems(problems) => single(py, &problems).unwrap_or_else(|e| e),
        other => from_manager(py, other, context),
    }
}

/// `error` from a call that resolved every secret (`validate`, `refresh`): problems raise
/// one `SecretValidationError` listing them all.
pub fn from_manager(py: Python<'_>, error: ManagerError, context: &Context<'_>) -> PyErr {
    let raised = match error {
        ManagerError::Secretary(error) => return from_library(py, error),
        ManagerError::Problems(problems) => validation(py, &problems, context),
        ManagerError::Audit(error) => Ok(Raise::new(py, Class::AuditLog, error.to_string())),
        other => Ok(Raise::new(py, Class::Secretary, other.to_string())),
    };
    raised.map_or_else(|error| error, Raise::into_err)
}

/// A library error that stops secretary from resolving at all.
pub fn from_library(py: Python<'_>, error: Error) -> PyErr {
    raise_library(py, error).map_or_else(|error| error, Raise::into_err)
}

fn raise_library(py: Python<'_>, error: Error) -> PyResult<Raise<'_>> {
    Ok(match error.shown() {
        Error::ManifestNotFound { start } => Raise::new(
            py,
            Class::Manifest,
            format!(
                "no secrets.toml found in {} or any parent directory\n  \
                 help: pass manifest=PATH, set SECRETARY_MANIFEST, or run from the application's directory",
                shown_path(&start).display()
            ),
        ),
        Error::ReadManifest { path, reason } => Raise::new(
            py,
            Class::Manifest,
            format!("cannot read manifest {}: {reason}", path.display()),
        )
        .with("path", path)?,
        Error::Manifest(error) => {
            let path = error.path.clone();
            Raise::new(py, Class::Manifest, error.to_string()).with("path", path)?
        }
        Error::UnknownEnvironment {
            name,
            chosen_by,
            manifest,
            defined,
        } => Raise::new(
            py,
            Class::UnknownEnvironment,
            format!(
                "{}\n  help: use one of: {} (or add [environments.NAME] to the manifest)",
                unknown_environment(name.as_deref(), &chosen_by, TERMS.caller, &manifest),
                defined.join(", ")
            ),
        )
        .with("environment", name)?
        .with("path", manifest)?,
        Error::UnknownKey {
            key,
            manifest,
            suggestion,
        } => {
            let help = match &suggestion {
                Some(close) => {
                    format!("did you mean `{close}`? list_secrets() gives every declared key")
                }
                None => "list_secrets() gives every declared key".to_owned(),
            };
            Raise::new(
                py,
                Class::SecretNotFound,
                format!(
                    "secret `{key}` is not declared in {}\n  help: {help}",
                    manifest.display()
                ),
            )
            .with("key", key)?
            .with("code", "undeclared")?
            .with("fix", help)?
        }
        other => Raise::new(py, Class::Secretary, other.to_string()),
    })
}

/// The exception for the problems of one secret: the first problem's kind picks the
/// class; the message has them all.
fn single(py: Python<'_>, problems: &Problems) -> PyResult<PyErr> {
    let summary = problems.summary();
    let Some((first, others)) = summary.problems.split_first() else {
        return Ok(Raise::new(py, Class::Secretary, problems.to_string()).into_err());
    };
    let mut raise = problem(py, first, &summary.environment)?;
    for other in others {
        let _ = write!(
            raise.message,
            "\n{}",
            single_message(other, &summary.environment)
        );
    }
    Ok(raise.into_err())
}

/// One problem as an exception of its kind, with its attributes.
fn problem<'py>(py: Python<'py>, entry: &Entry, environment: &str) -> PyResult<Raise<'py>> {
    let class = match entry.problem {
        ProblemKind::Missing | ProblemKind::Unset => Class::SecretNotFound,
        ProblemKind::Invalid { .. }
        | ProblemKind::Placeholder { .. }
        | ProblemKind::Input {
            state: secretary::State::Invalid | secretary::State::Placeholder,
            ..
        } => Class::InvalidSecret,
        // An outage with no copy to serve, or stale values refused (`on_stale = "fail"`):
        // the source is what failed.
        ProblemKind::SourceFailed { .. } | ProblemKind::Outage { .. } | ProblemKind::Stale(_) => {
            Class::Source
        }
        _ => Class::Secretary,
    };
    Raise::new(py, class, single_message(entry, environment))
        .with("key", entry.key.as_str())?
        .with("description", entry.description.as_str())?
        .with("code", entry.state.as_str())?
        .with("source", entry.source.as_deref())?
        .with("locator", entry.locator.as_deref())?
        .with(
            "looked",
            PyTuple::new(py, entry.looked.iter().map(ToString::to_string))?,
        )?
        .with("fix", TERMS.fix(&entry.fix))?
        .with("environment", environment)
}

/// ``secret `key` (description) in environment `env`: what is wrong``, then where
/// secretary looked (for a missing one) and what to do.
fn single_message(entry: &Entry, environment: &str) -> String {
    let mut text = format!("secret `{}`", entry.key);
    if !entry.description.is_empty() {
        let _ = write!(text, " ({})", entry.description);
    }
    let _ = write!(text, " in environment `{environment}`: {}", entry.problem);
    for line in entry.fields(&TERMS, false) {
        let _ = write!(text, "\n{line}");
    }
    text
}

/// Every problem, in one `SecretValidationError`: the report the command line's `check`
/// prints, under a one-line summary.
fn validation<'py>(
    py: Python<'py>,
    problems: &Problems,
    context: &Context<'_>,
) -> PyResult<Raise<'py>> {
    let summary = problems.summary();
    let each = summary
        .problems
        .iter()
        .map(|entry| problem(py, entry, &summary.environment).and_then(Raise::instance))
        .collect::<PyResult<Vec<_>>>()?;
    let message = report(&summary, context.manifest);
    Raise::new(py, Class::SecretValidation, message)
        .with("environment", summary.environment.as_str())?
        .with("problems", PyTuple::new(py, each)?)?
        .with(
            "warnings",
            PyTuple::new(py, summary.warnings.iter().map(ToString::to_string))?,
        )
}

/// The summary line, then each problem as `secretary check` prints it (a failed source
/// once, with the secrets it affects), then the warnings.
fn report(summary: &Summary, manifest: &str) -> String {
    let mut text = summary.headline(manifest);
    text.push_str("\n\n");
    text.push_str(summary.problem_report(&TERMS).trim_end_matches('\n'));
    text.push('\n');
    for warning in &summary.warnings {
        let _ = write!(text, "\nwarning: {warning}");
    }
    text.trim_end().to_owned()
}

/// The Python package's words, where a message names the interface.
pub const TERMS: Terms = Terms::new(
    "the environment argument",
    "read it with get_secret(key, default) or get_optional(key)",
);

pub use secretary::file::shown_path;
