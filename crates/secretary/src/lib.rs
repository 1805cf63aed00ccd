//! secretary: declare an application's secrets once, in `secrets.toml`; resolve each from
//! an ordered chain of sources (environment, `.env` files, mounted secret files, Vault /
//! OpenBao); validate them all at start-up; and never print a value.
//!
//! ```
//! use secretary::{Manifest, Variables, resolve::{resolve, Scope}};
//!
//! let manifest = Manifest::parse(
//!     r#"
//!     version = 1
//!     [secrets.database_url]
//!     description = "PostgreSQL connection URL"
//!     required = true
//!     type = "url"
//!     "#,
//!     std::path::Path::new("secrets.toml"),
//! )?;
//! let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://db/app")]);
//! let environment = manifest.select_environment(None, &vars)?;
//! let report = resolve(&manifest, environment, &vars, Scope::All)?;
//! assert!(report.is_ok());
//! let url = report.get("database_url").and_then(|r| r.value.as_ref()).unwrap();
//! assert_eq!(format!("{url:?}"), "[redacted]");
//! # Ok::<(), secretary::Error>(())
//! ```
//!
//! Modules, each owning one concept: [`manifest`] (the file and its checks), [`source`]
//! (where values live), [`dotenv`] (the `.env` grammar), [`resolve`] (chain walking and
//! the report), [`validate`] (types, constraints, placeholders), [`SecretValue`] (the
//! only type that holds a value).

pub mod audit;
pub mod dotenv;
mod error;
pub mod export;
pub mod file;
pub mod lint;
pub mod manager;
pub mod manifest;
pub mod put;
pub mod redact;
pub mod resolve;
mod secret;
pub mod source;
pub mod template;
pub mod validate;
mod variables;

pub use error::Error;
pub use file::FileError;
pub use manager::SecretManager;
pub use manifest::Manifest;
pub use resolve::{Problem, ProblemKind, Report, Resolution};
pub use secret::SecretValue;
pub use variables::Variables;
