//! The manifest, `secrets.toml`: which secrets an application needs, where they live
//! and how each environment finds them.
//!
//! ```toml
//! version = 1
//!
//! [app]
//! name = "faceless-youtube"
//! environment_from = ["ENVIRONMENT", "ENV"]   # the default
//!
//! [sources.env]
//! type = "env"
//!
//! [sources.dotenv]
//! type = "dotenv"
//! files = [".env", ".env.local"]               # later files override earlier ones
//!
//! [environments.development]
//! sources = ["env", "dotenv"]
//!
//! [secrets.database_url]
//! description = "PostgreSQL connection URL"
//! required = true
//! env = ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]
//! type = "url"
//! schemes = ["postgresql", "postgres"]
//! ```
//!
//! Loading checks everything that can be checked without reading a secret, and reports
//! every finding at once, each with its line and column and what to do about it.

mod check;
mod controls;
pub(crate) use controls::refused as unwritable;
mod credentials;
pub(crate) mod derived;
mod diagnostic;
mod discover;
mod error;
mod kind;
mod model;
mod places;
mod raw;
pub(crate) mod rules;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the manifest takes as an environment variable name, and a key for a name that
/// is not one (`Database-URL` → `database_url`): `init` names its secrets with them.
pub(crate) use check::{MOST_KEY, is_env_name, to_key};
pub use credentials::{CLOUD_CREDENTIAL_VARIABLES, CREDENTIAL_VARIABLES};
pub(crate) use credentials::{controls_programs, is_credential};
pub(crate) use diagnostic::sanitize_toml_message;
pub use diagnostic::{Diagnostic, ManifestError};
pub use error::{ChosenBy, Error, unknown_environment};
pub use schema::json_schema;

pub use derived::{Part, TemplateError, ValueTemplate};
pub use discover::{FILE_NAME, MANIFEST_VARIABLE};
pub use kind::{
    Capabilities, Capability, Extent, Place, Settings, SourceConfig, SourceKind, Spot, expand,
};
pub(crate) use kind::{
    Declaration, Setting, Table, path_problem, repeated_placeholder, unknown_placeholder,
};
pub use model::{
    App, AuditTarget, Constraints, EnvironmentSpec, LastKnownGood, NewValue, OnSourceError,
    OnStale, Rotation, SecretRule, SecretSpec, SecretType, SourceSpec,
};

use crate::Variables;
use crate::suggest::closest;
use check::Checker;
use diagnostic::LineIndex;
use raw::RawManifest;

/// A loaded, checked manifest.
#[derive(Debug)]
pub struct Manifest {
    path: PathBuf,
    dir: PathBuf,
    /// `dir` as the user would refer to it from their working directory ("" for itself).
    shown_dir: PathBuf,
    app: App,
    sources: Vec<SourceSpec>,
    environments: Vec<EnvironmentSpec>,
    /// Shared with every [`Resolution`](crate::Resolution) made from them.
    secrets: Vec<Arc<SecretSpec>>,
    /// Key to position in `secrets`.
    index: HashMap<String, usize>,
    audit: Option<AuditTarget>,
    /// What the `exec` sources' `pass_env` names, sorted.
    provider_variables: Vec<String>,
}

impl Manifest {
    /// Reads and checks the manifest at `path`: a regular file of at most 16 MiB of UTF-8
    /// text (a FIFO or a device is refused rather than waited on).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = crate::file::read_text(path, crate::file::MANIFEST_LIMIT).map_err(|reason| {
            Error::ReadManifest {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        Ok(Self::parse(&text, path)?)
    }

    /// Checks manifest `text` as if read from `path` (which places relative source paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let lines = LineIndex::new(text);
        let fail = |diagnostics: Vec<Diagnostic>| ManifestError {
            path: path.to_path_buf(),
            diagnostics,
        };
        let toml_error = |error: toml::de::Error| {
            let (line, column) = error
                .span()
                .map_or((1, 1), |span| lines.position(span.start));
            fail(vec![Diagnostic {
                line,
                column,
                message: check::bounded(sanitize_toml_message(error.message())),
                help: None,
            }])
        };
        // Parsed once: the document's text is looked at for control characters
        // (`controls.rs`), then the same document is read as the manifest. A control
        // character is said first: serde's messages quote an unknown key or variant as
        // written (a twenty-eighth adversarial pass forged an `ok:` line through one).
        let document = toml::de::DeTable::parse(text).map_err(toml_error)?;
        let controls = controls::find(document.get_ref(), &lines);
        if !controls.is_empty() {
            return Err(fail(controls));
        }
        let raw = <RawManifest as serde::Deserialize>::deserialize(toml::de::Deserializer::from(
            document,
        ))
        .map_err(toml_error)?;
        let mut checker = Checker {
            lines: &lines,
            diagnostics: Vec::new(),
            templates: HashMap::new(),
            secret_keys: Vec::new(),
            provider_variables: Vec::new(),
            more: 0,
        };
        let manifest = checker.build(raw, path);
        if checker.diagnostics.is_empty() {
            Ok(manifest)
        } else {
            checker.diagnostics.sort_by_key(|d| (d.line, d.column));
            if let Some(last) = checker.diagnostics.last() {
                if checker.more > 0 {
                    let more = check::more_problems(checker.more, last);
                    checker.diagnostics.push(more);
                }
            }
            Err(fail(checker.diagnostics))
        }
    }

    /// Where the manifest was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory relative source paths start from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest's directory as it is shown to people: relative to the working
    /// directory given to [`Manifest::discover`] when below it (empty for that directory
    /// itself), else as loaded. Locators and hints name files through it.
    pub fn shown_dir(&self) -> &Path {
        &self.shown_dir
    }

    /// The manifest's path as it is shown to people (see [`Manifest::shown_dir`]).
    pub fn shown_path(&self) -> PathBuf {
        self.shown_dir
            .join(self.path.file_name().unwrap_or_default())
    }

    /// The `[app]` settings.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Where the `[audit]` table sends the audit log (a file path is relative to the
    /// manifest's directory), if it has one.
    pub fn audit(&self) -> Option<&AuditTarget> {
        self.audit.as_ref()
    }

    /// Every declared secret, in manifest order.
    pub fn secrets(&self) -> &[Arc<SecretSpec>] {
        &self.secrets
    }

    /// The secret declared under `key`. When there is none, the error suggests the key
    /// meant: the secret that reads `key` as an environment variable (`SECRET_KEY` for
    /// `secret_key`), else the closest key.
    pub fn secret(&self, key: &str) -> Result<&Arc<SecretSpec>, Error> {
        self.index
            .get(key)
            .and_then(|&index| self.secrets.get(index))
            .ok_or_else(|| Error::UnknownKey {
                key: key.to_owned(),
                manifest: self.path.clone(),
                suggestion: self
                    .secrets
                    .iter()
                    .find(|spec| spec.env.iter().any(|name| name == key))
                    .map(|spec| spec.key.clone())
                    .or_else(|| {
                        let lower = key.to_ascii_lowercase();
                        closest(&lower, self.secrets.iter().map(|s| s.key.as_str()))
                    }),
            })
    }

    /// The secret declared under `key` as `environment` sees it: with the environment's
    /// own `required` and `default` (`[environments.NAME.secrets.KEY]`).
    pub fn secret_in<'e>(
        &self,
        environment: &'e EnvironmentSpec,
        key: &str,
    ) -> Result<&'e Arc<SecretSpec>, Error> {
        let declared = self.secret(key)?;
        self.index
            .get(key)
            .and_then(|&index| environment.secrets.get(index))
            .ok_or_else(|| Error::UnknownKey {
                key: declared.key.clone(),
                manifest: self.path.clone(),
                suggestion: None,
            })
    }

    /// The variables an `exec` source's `pass_env` names (`OP_SERVICE_ACCOUNT_TOKEN`),
    /// sorted: credentials secretary hands to a provider, so, like
    /// [`CREDENTIAL_VARIABLES`], never lent to `.env` expansion, and a secret that
    /// declares one is always sensitive.
    pub fn provider_variables(&self) -> &[String] {
        &self.provider_variables
    }

    /// Every declared source, in manifest order.
    pub fn sources(&self) -> &[SourceSpec] {
        &self.sources
    }

    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&SourceSpec> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Every environment, in manifest order.
    pub fn environments(&self) -> &[EnvironmentSpec] {
        &self.environments
    }

    /// Picks the environment: `explicit` (the caller's choice: the CLI's `--env`), else
    /// the first set variable of `app.environment_from`, else `app.default_environment`.
    pub fn select_environment(
        &self,
        explicit: Option<&str>,
        vars: &Variables,
    ) -> Result<&EnvironmentSpec, Error> {
        let (name, chosen_by) = if let Some(name) = explicit {
            (name.to_owned(), ChosenBy::Caller)
        } else if let Some((variable, name)) = self
            .app
            .environment_from
            .iter()
            .find_map(|v| vars.get_str(v).filter(|s| !s.is_empty()).map(|s| (v, s)))
        {
            (name.to_owned(), ChosenBy::Variable(variable.clone()))
        } else {
            (self.app.default_environment.clone(), ChosenBy::Default)
        };
        self.environments
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| Error::UnknownEnvironment {
                name: (!matches!(chosen_by, ChosenBy::Variable(_))).then_some(name),
                chosen_by,
                manifest: self.path.clone(),
                defined: self.environments.iter().map(|e| e.name.clone()).collect(),
            })
    }
}

#[cfg(test)]
mod tests;
