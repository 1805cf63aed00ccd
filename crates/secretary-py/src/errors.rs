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
use secretary::{Error, Fix, ManagerError, ProblemKind, Problems, SecretProblem};

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
    Ok(match error {
        Error::ManifestNotFound { start } => Raise::new(
            py,
            Class::Manifest,
            format!(
                "no secrets.toml found in {} or any parent directory\n  \
                 help: pass manifest=PATH, set SECRETARY_MANIFEST, or run from the application's directory",
                shown_path(&start).display()
            ),
        ),
        Error::ReadManifest { path, reason } => {
            let shown = shown_path(&path);
            Raise::new(
                py,
                Class::Manifest,
                format!("cannot read manifest {}: {reason}", shown.display()),
            )
            .with("path", shown)?
        }
        Error::Manifest(mut error) => {
            error.path = shown_path(&error.path);
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
                unknown_environment(
                    name.as_deref(),
                    &chosen_by,
                    "the environment argument",
                    &shown_path(&manifest)
                ),
                defined.join(", ")
            ),
        )
        .with("environment", name)?
        .with("path", shown_path(&manifest))?,
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
                    shown_path(&manifest).display()
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
    let Some(first) = problems.problems.first() else {
        return Ok(Raise::new(py, Class::Secretary, problems.to_string()).into_err());
    };
    let mut raise = problem(py, first, &problems.environment)?;
    for other in &problems.problems[1..] {
        let _ = write!(
            raise.message,
            "\n{}",
            single_message(other, &problems.environment)
        );
    }
    Ok(raise.into_err())
}

/// One problem as an exception of its kind, with its attributes.
fn problem<'py>(
    py: Python<'py>,
    problem: &SecretProblem,
    environment: &str,
) -> PyResult<Raise<'py>> {
    let spec = &problem.spec;
    let kind = &problem.problem.kind;
    let class = match kind {
        ProblemKind::Missing | ProblemKind::Unset => Class::SecretNotFound,
        ProblemKind::Invalid { .. } | ProblemKind::Placeholder { .. } => Class::InvalidSecret,
        // An outage with no copy to serve, or stale values refused (`on_stale = "fail"`):
        // the source is what failed.
        ProblemKind::SourceFailed { .. } | ProblemKind::Outage { .. } | ProblemKind::Stale(_) => {
            Class::Source
        }
        _ => Class::Secretary,
    };
    let (source, locator) = match kind {
        ProblemKind::Invalid { origin, .. } | ProblemKind::Placeholder { origin, .. } => {
            (Some(origin.source().to_owned()), Some(origin.to_string()))
        }
        ProblemKind::SourceFailed { source, .. } | ProblemKind::Outage { source, .. } => {
            (Some(source.clone()), None)
        }
        ProblemKind::Stale(stale) => (Some(stale.source.clone()), None),
        _ => (None, None),
    };
    Raise::new(py, class, single_message(problem, environment))
        .with("key", spec.key.as_str())?
        .with("description", spec.description.as_str())?
        .with("code", kind.state().as_str())?
        .with("source", source)?
        .with("locator", locator)?
        .with("looked", PyTuple::new(py, &problem.looked)?)?
        .with("fix", fix(&problem.problem.fix))?
        .with("environment", environment)
}

/// ``secret `key` (description) in environment `env`: what is wrong``, then where
/// secretary looked (for a missing one) and what to do.
fn single_message(problem: &SecretProblem, environment: &str) -> String {
    let spec = &problem.spec;
    let kind = &problem.problem.kind;
    let mut text = format!("secret `{}`", spec.key);
    if !spec.description.is_empty() {
        let _ = write!(text, " ({})", spec.description);
    }
    let _ = write!(text, " in environment `{environment}`: {kind}");
    if matches!(kind, ProblemKind::Missing) {
        field(&mut text, "looked in", &problem.looked.join(", "));
    }
    field(&mut text, "fix", &fix(&problem.problem.fix));
    text
}

/// Every problem, in one `SecretValidationError`: the report the command line's `check`
/// prints, under a one-line summary.
fn validation<'py>(
    py: Python<'py>,
    problems: &Problems,
    context: &Context<'_>,
) -> PyResult<Raise<'py>> {
    let each = problems
        .problems
        .iter()
        .map(|p| problem(py, p, &problems.environment).and_then(Raise::instance))
        .collect::<PyResult<Vec<_>>>()?;
    let message = report(problems, context.manifest);
    Raise::new(py, Class::SecretValidation, message)
        .with("environment", problems.environment.as_str())?
        .with("problems", PyTuple::new(py, each)?)?
        .with("warnings", PyTuple::new(py, &problems.warnings)?)
}

const LABEL_WIDTH: usize = 13;

fn field(text: &mut String, label: &str, value: &str) {
    let _ = write!(text, "\n    {:<LABEL_WIDTH$}{value}", format!("{label}:"));
}

/// The summary line, then each problem as `secretary check` prints it (a failed source
/// once, with the secrets it affects), then the warnings.
fn report(problems: &Problems, manifest: &str) -> String {
    let mut text = summary(problems, manifest);
    text.push('\n');
    let mut groups: Vec<(&str, String, String, Vec<&str>)> = Vec::new();
    for SecretProblem { spec, problem, .. } in &problems.problems {
        if let ProblemKind::SourceFailed { source, error } = &problem.kind {
            let message = error.to_string();
            match groups
                .iter_mut()
                .find(|group| group.0 == source && group.1 == message)
            {
                Some(group) => group.3.push(&spec.key),
                None => groups.push((source, message, fix(&problem.fix), vec![&spec.key])),
            }
        }
    }
    for (source, message, hint, keys) in &groups {
        let _ = write!(text, "\n[source_error] source `{source}` failed: {message}");
        let affects = if keys.len() == 1 {
            keys[0].to_owned()
        } else {
            format!("{} ({} secrets)", keys.join(", "), keys.len())
        };
        field(&mut text, "affects", &affects);
        field(&mut text, "fix", hint);
        text.push('\n');
    }
    for SecretProblem {
        spec,
        problem,
        looked,
        ..
    } in &problems.problems
    {
        if matches!(problem.kind, ProblemKind::SourceFailed { .. }) {
            continue;
        }
        let _ = write!(
            text,
            "\n[{}] {}: {}",
            problem.kind.state(),
            spec.key,
            problem.kind
        );
        if !spec.description.is_empty() {
            field(&mut text, "description", &spec.description);
        }
        if matches!(problem.kind, ProblemKind::Missing) {
            field(&mut text, "looked in", &looked.join(", "));
        }
        field(&mut text, "fix", &fix(&problem.fix));
        text.push('\n');
    }
    for warning in &problems.warnings {
        let _ = write!(text, "\nwarning: {warning}");
    }
    text.trim_end().to_owned()
}

/// `3 problems in environment `production` (secrets.toml): 2 missing, 1 invalid`.
fn summary(problems: &Problems, manifest: &str) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for SecretProblem { problem, .. } in &problems.problems {
        let code = problem.kind.state().as_str();
        match counts.iter_mut().find(|count| count.0 == code) {
            Some(count) => count.1 += 1,
            None => counts.push((code, 1)),
        }
    }
    let total = problems.problems.len();
    let detail: Vec<String> = counts
        .iter()
        .map(|&(code, n)| match (code, n) {
            ("missing" | "invalid", _) | (_, 1) => format!("{n} {}", code.replace('_', " ")),
            _ => format!("{n} {}s", code.replace('_', " ")),
        })
        .collect();
    format!(
        "{total} problem{} in environment `{}` ({manifest}): {}",
        if total == 1 { "" } else { "s" },
        problems.environment,
        detail.join(", ")
    )
}

/// What to do, in this package's terms.
fn fix(fix: &Fix) -> String {
    match fix {
        Fix::Optional => {
            "it is optional: read it with get_secret(key, default) or get_optional(key)".to_owned()
        }
        other => other.to_string(),
    }
}

pub use secretary::file::shown_path;
