//! The library's errors: what stops secretary from resolving at all (as opposed to
//! [`Problem`](crate::Problem)s, which are findings about individual secrets).

use std::path::PathBuf;

use super::ManifestError;
use crate::FileError;

/// Everything that keeps secretary from resolving the secrets of an environment.
///
/// None of these carry a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No manifest was given and none was found walking up from the start directory.
    #[error("no secrets.toml found in {} or any parent directory", start.display())]
    ManifestNotFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// The manifest file could not be read.
    #[error("cannot read manifest {}: {reason}", path.display())]
    ReadManifest {
        /// The manifest's path.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// The working directory, where the manifest is looked for, cannot be known.
    #[error("cannot find the working directory: {reason}")]
    WorkingDirectory {
        /// Why.
        reason: FileError,
    },
    /// The manifest is not valid; every finding is listed.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The chosen environment is not declared in the manifest.
    #[error("{}", unknown_environment(name.as_deref(), chosen_by, "the caller", manifest))]
    UnknownEnvironment {
        /// The requested name; `None` when a variable of `environment_from` chose it: the
        /// variable's value is never carried, since a manifest names the variable and a
        /// message would show any variable's value (an eighth adversarial pass).
        name: Option<String>,
        /// What chose it.
        chosen_by: ChosenBy,
        /// The manifest's path.
        manifest: PathBuf,
        /// The environments the manifest defines.
        defined: Vec<String>,
    },
    /// A key that the manifest does not declare was asked for.
    #[error("secret `{key}` is not declared in {}", manifest.display())]
    UnknownKey {
        /// The requested key.
        key: String,
        /// The manifest's path.
        manifest: PathBuf,
        /// A declared key that looks close, if any.
        suggestion: Option<String>,
    },
}

impl Error {
    /// This error with the manifest's path in it as the user would type it
    /// ([`shown_path`](crate::file::shown_path)): what the command line and the Python
    /// package show. Where a search for the manifest started is left as it is.
    #[must_use]
    pub fn shown(self) -> Self {
        use crate::file::shown_path;
        match self {
            Self::Manifest(mut error) => {
                error.path = shown_path(&error.path);
                Self::Manifest(error)
            }
            Self::ReadManifest { path, reason } => Self::ReadManifest {
                path: shown_path(&path),
                reason,
            },
            Self::UnknownEnvironment {
                name,
                chosen_by,
                manifest,
                defined,
            } => Self::UnknownEnvironment {
                name,
                chosen_by,
                manifest: shown_path(&manifest),
                defined,
            },
            Self::UnknownKey {
                key,
                manifest,
                suggestion,
            } => Self::UnknownKey {
                key,
                manifest: shown_path(&manifest),
                suggestion,
            },
            other @ (Self::ManifestNotFound { .. } | Self::WorkingDirectory { .. }) => other,
        }
    }
}

/// What chose an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChosenBy {
    /// The caller named it (the CLI's `--env`, a builder's `environment`).
    Caller,
    /// This variable of the manifest's `environment_from`.
    Variable(String),
    /// The manifest's `default_environment`.
    Default,
}

/// [`Error::UnknownEnvironment`]'s message, with `caller` naming how the caller chooses
/// (the CLI's `--env`, Python's "the environment argument": the library names no API)
/// and `manifest` as it should be shown. Never a variable's value.
pub fn unknown_environment(
    name: Option<&str>,
    chosen_by: &ChosenBy,
    caller: &str,
    manifest: &std::path::Path,
) -> String {
    let manifest = manifest.display();
    match (name, chosen_by) {
        (_, ChosenBy::Variable(variable)) => format!(
            "the value of {variable} (named by `environment_from`) is not the name of an environment defined in {manifest}"
        ),
        (name, ChosenBy::Caller) => format!(
            "environment `{}` (chosen by {caller}) is not defined in {manifest}",
            name.unwrap_or_default()
        ),
        (name, ChosenBy::Default) => format!(
            "environment `{}` (chosen by the manifest's default) is not defined in {manifest}",
            name.unwrap_or_default()
        ),
    }
}

impl std::fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Caller => f.write_str("the caller"),
            Self::Variable(name) => write!(f, "the variable {name}"),
            Self::Default => f.write_str("the manifest's default"),
        }
    }
}
