//! secretary: declare an application's secrets once, in `secrets.toml`; resolve each from
//! an ordered chain of sources (environment, `.env` files, mounted secret files, Vault /
//! OpenBao); validate them all at start-up; and never print a value.
//!
//! # Using it from an application
//!
//! [`SecretManager`] is what a service holds: it finds the manifest as the `secretary`
//! command does, validates every secret at once, caches values, and audits every access.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use secretary::{SecretManager, Variables};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("secrets.toml"),
//!     "version = 1\n[secrets.database_url]\nrequired = true\ntype = \"url\"\n",
//! )?;
//! let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))?
//!     .variables(Variables::from_pairs([("DATABASE_URL", "postgresql://db/app")]))
//!     .build()?;
//! secrets.blocking().validate()?; // every problem at once, no values
//! let url = secrets.blocking().get("database_url")?;
//! assert_eq!(format!("{url:?}"), "[redacted]");
//! assert_eq!(url.expose(), "postgresql://db/app");
//! # Ok(())
//! # }
//! ```
//!
//! # The model underneath
//!
//! A [`Manifest`] (the checked `secrets.toml`) picks an [`EnvironmentSpec`] (its chain of
//! sources); [`resolve`] asks each [`Source`](source::Source) in turn and gives a
//! [`Report`]: one [`Resolution`] per secret, with its [`SecretSpec`], its value (a
//! [`SecretValue`], readable only through [`SecretValue::expose`]), its [`Origin`]
//! (a source and a [`Locator`], or the default), its [`State`], and every [`Problem`]
//! with its [`Fix`].
//!
//! ```
//! use secretary::{Manifest, Scope, State, Variables, resolve};
//!
//! let manifest = Manifest::parse(
//!     "version = 1\n[secrets.database_url]\nrequired = true\ntype = \"url\"\n",
//!     std::path::Path::new("secrets.toml"),
//! )?;
//! let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://db/app")]);
//! let environment = manifest.select_environment(None, &vars)?;
//! let report = resolve(&manifest, environment, &vars, Scope::All)?;
//! let url = report.get("database_url").unwrap();
//! assert_eq!(url.state(), State::Ok);
//! assert_eq!(url.origin.as_ref().unwrap().to_string(), "env:DATABASE_URL");
//! # Ok::<(), secretary::Error>(())
//! ```
//!
//! # The API's shape
//!
//! The crate root holds the types an application and the command line use. The public
//! modules are the parts with a life of their own: [`manifest`] (the model of
//! `secrets.toml`), [`source`] (the [`Source`](source::Source) trait, for sources of
//! one's own, and the built-in ones), [`audit`] (the audit log), [`dotenv`] (the `.env`
//! grammar), [`redact`] (streaming redaction), [`export`] (writing values that read back
//! exactly), [`template`] (`.env.example` from the manifest), [`init`] (a first manifest
//! from `.env` files), [`lint`] (real-looking secrets in templates), [`scan`] (where
//! current values appear in files), [`validate`] (types, placeholders, durations),
//! [`generate`] (new random secrets) and [`file`](mod@file) (how files are opened).
//! Everything else is private. Errors are enums that never hold a value; their messages
//! name no command-line flag.

pub mod audit;
pub mod charge;
pub mod dotenv;
mod duration;
pub mod export;
pub mod file;
pub mod generate;
pub mod init;
mod key_text;
pub mod lint;
mod locator;
mod manager;
pub mod manifest;
pub mod outage;
pub mod printable;
mod put;
pub mod redact;
mod resolve;
pub mod scan;
mod secret;
pub mod source;
mod spelling;
mod suggest;
pub mod template;
pub mod validate;
mod variables;
mod warning;

/// The `schema_version` of every JSON document secretary writes: `check`, `status`,
/// `list`, `scan` and `import` with `--format json`, and each line of the audit log. A
/// change that is not an added field raises it.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Each registered kind's declaration, as the manifest's checker asks it: the kinds are
/// registered in `source/kinds/` (`KINDS`), and handed to the manifest from here so that
/// the manifest names no kind of source and the source module may depend on the manifest.
pub(crate) fn declarations() -> impl Iterator<Item = &'static dyn manifest::Declaration> {
    source::kinds::KINDS.iter().map(|kind| kind.declaration())
}

pub use file::FileError;
pub use locator::{Absence, Locator, Looked, Origin, Searched, Site};
pub use manager::{
    BlockingManager, Change, ManagerError, Problems, SecretInfo, SecretManager,
    SecretManagerBuilder, SecretProblem,
};
pub use manifest::{EnvironmentSpec, Error, Manifest, SecretSpec};
pub use outage::Stale;
pub use put::{
    Action as ImportAction, Applied, Import, ImportItem, ImportSource, PutError, RolledBack,
    Unusable, asked_before_writes, import, put, rollback, rotate,
};
pub use resolve::{
    Fallback, Fix, Place, Problem, ProblemKind, Report, Resolution, SUMMARY_VERSION, Scope,
    SourceFix, State, Summary, Terms, resolve, resolve_with,
};
/// The parts of a [`Summary`], and the layout of its text.
pub mod summary {
    pub use crate::resolve::{
        Count, Counts, Entry, Failure, SUMMARY_VERSION, Skip, Skipped, SourceFailure, Summary,
        Terms, field,
    };
}
pub use secret::SecretValue;
pub use variables::Variables;
pub use warning::Warning;
