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
    #[error("environment `{name}` (chosen by {chosen_by}) is not defined in {}", manifest.display())]
    UnknownEnvironment {
        /// The requested name.
        name: String,
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

impl std::fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Caller => f.write_str("the caller"),
            Self::Variable(name) => write!(f, "the variable {name}"),
            Self::Default => f.write_str("the manifest's default"),
        }
    }
}
