//! Where a secret was looked for and not found: a [`Looked`] is what was searched (a
//! place in a source, a source as a whole, the last-known-good copy, a template) and, when
//! there is more to say than that nothing was there, why not ([`Absence`]). Its `Display`
//! is the text a report shows under "looked in": `env:DATABASE_URL`,
//! `dotenv:.env (no such file)`, `vault:secret/data/db#value (version 3 is deleted)`.

use std::fmt;
use std::time::Duration;

use serde::{Serialize, Serializer};

use super::Locator;
use crate::duration::show_duration;

/// One place a secret was looked for, and why nothing was read there. Serialised as its
/// `Display` text (the `looked` of `check --format json`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Looked {
    /// What was searched.
    pub at: Searched,
    /// Why nothing was read there; `None` when there is nothing more to say than that it
    /// was not there (`env:DATABASE_URL`).
    pub why: Option<Absence>,
}

impl Looked {
    /// `at` was searched, and the secret was not there.
    pub fn new(at: impl Into<Searched>) -> Self {
        Self {
            at: at.into(),
            why: None,
        }
    }

    /// The same search, with why nothing was read.
    #[must_use]
    pub fn because(self, why: Absence) -> Self {
        Self {
            why: Some(why),
            ..self
        }
    }
}

impl fmt::Display for Looked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.at.fmt(f)?;
        match &self.why {
            Some(why) => write!(f, " {why}"),
            None => Ok(()),
        }
    }
}

impl Serialize for Looked {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What was searched for a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Searched {
    /// A place in a source: `env:DATABASE_URL`, `dotenv:.env`, `files:secrets` (a
    /// directory), `vault:secret/data/db#value`.
    Place(Locator),
    /// A source as a whole, by its name in the manifest: one that failed, or a
    /// `vault_lease` source whose `secrets` table does not list the secret.
    Source(String),
    /// The last-known-good copy of a Vault source, answering for it in an outage.
    Copy,
    /// The secret's `template`, which could not be built.
    Template,
}

impl From<Locator> for Searched {
    fn from(locator: Locator) -> Self {
        Self::Place(locator)
    }
}

impl fmt::Display for Searched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Place(locator) => locator.fmt(f),
            Self::Source(name) => f.write_str(name),
            Self::Copy => f.write_str("the last-known-good copy"),
            Self::Template => f.write_str("template"),
        }
    }
}

/// Why nothing was read where a secret was looked for. Its `Display` is the note a report
/// shows after the place: `(empty)`, `(no such file)`, `(version 3 is deleted)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Absence {
    /// It is there, empty, which counts as not set.
    Empty,
    /// A `.env` line sets the variable `name`, to nothing: `DATABASE_URL (empty)` after
    /// the line's locator.
    EmptyVariable {
        /// The variable.
        name: String,
    },
    /// The source says nothing is there (Vault's 404, AWS's `ResourceNotFoundException`).
    NotFound,
    /// The file the source reads does not exist.
    NoSuchFile,
    /// The directory the source reads does not exist.
    NoSuchDirectory,
    /// The version read is deleted (Vault KV v2).
    Deleted {
        /// The version.
        version: u64,
    },
    /// The version read is destroyed (Vault KV v2).
    Destroyed {
        /// The version.
        version: u64,
    },
    /// The Vault path has no such field.
    NoFieldAtPath {
        /// The field asked for.
        field: String,
        /// The names of the fields the path has (at most ten).
        fields: Vec<String>,
    },
    /// The AWS JSON secret has no such field. Its other fields are counted, not named: a
    /// secret may be keyed by what is itself secret.
    NoFieldInSecret {
        /// The field asked for.
        field: String,
        /// The one field spelled as it is but for case or `-`/`_`, if any.
        similar: Option<String>,
        /// How many fields the secret has.
        others: usize,
    },
    /// The source serves only the secrets it lists, and this is not one of them.
    NotOneOfItsSecrets,
    /// The source failed.
    Failed,
    /// The last-known-good copy holds that the secret was not in Vault when it was read,
    /// `age` ago.
    NotInVault {
        /// How long ago Vault was read.
        age: Duration,
    },
    /// The template needs a secret that has no value, or has a problem.
    NeedsInput {
        /// That secret's key.
        input: String,
    },
}

impl fmt::Display for Absence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("(empty)"),
            Self::EmptyVariable { name } => write!(f, "{name} (empty)"),
            Self::NotFound => f.write_str("(not found)"),
            Self::NoSuchFile => f.write_str("(no such file)"),
            Self::NoSuchDirectory => f.write_str("(no such directory)"),
            Self::Deleted { version } => write!(f, "(version {version} is deleted)"),
            Self::Destroyed { version } => write!(f, "(version {version} is destroyed)"),
            Self::NoFieldAtPath { field, fields } if fields.is_empty() => {
                write!(f, "(no field `{field}`)")
            }
            Self::NoFieldAtPath { field, fields } => {
                let names: Vec<String> = fields
                    .iter()
                    .map(|name| format!("`{}`", name.escape_debug()))
                    .collect();
                write!(f, "(no field `{field}`; the path has {})", names.join(", "))
            }
            Self::NoFieldInSecret {
                field,
                similar,
                others,
            } => {
                write!(f, "(no field `{field}`")?;
                match (similar, others) {
                    (Some(similar), _) => write!(f, "; the secret has `{similar}`")?,
                    (None, 0) => {}
                    (None, 1) => f.write_str("; the secret has 1 other field")?,
                    (None, n) => write!(f, "; the secret has {n} other fields")?,
                }
                f.write_str(")")
            }
            Self::NotOneOfItsSecrets => f.write_str("(not one of its secrets)"),
            Self::Failed => f.write_str("(failed)"),
            Self::NotInVault { age } => {
                write!(f, "(not in Vault when read {} ago)", show_duration(*age))
            }
            Self::NeedsInput { input } => write!(f, "(needs `{input}`)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Site;
    use crate::manifest::SourceKind;

    /// Each shape, worded as the report has always worded it.
    #[test]
    fn each_looked_reads_as_before() {
        let dotenv = |site: Site| Locator::new(SourceKind::DOTENV, site);
        let cases = [
            (
                Looked::new(Locator::env("DATABASE_URL")),
                "env:DATABASE_URL",
            ),
            (
                Looked::new(Locator::env("DATABASE_URL")).because(Absence::Empty),
                "env:DATABASE_URL (empty)",
            ),
            (
                Looked::new(Locator::dotenv(".env", 3)).because(Absence::EmptyVariable {
                    name: "DATABASE_URL".to_owned(),
                }),
                "dotenv:.env:3 DATABASE_URL (empty)",
            ),
            (
                Looked::new(dotenv(Site::name(".env"))).because(Absence::NoSuchFile),
                "dotenv:.env (no such file)",
            ),
            (
                Looked::new(Locator::new(SourceKind::FILES, Site::name("secrets")))
                    .because(Absence::NoSuchDirectory),
                "files:secrets (no such directory)",
            ),
            (
                Looked::new(Locator::vault("secret/data/db", "value", None))
                    .because(Absence::Deleted { version: 3 }),
                "vault:secret/data/db#value (version 3 is deleted)",
            ),
            (
                Looked::new(Locator::vault("secret/data/db", "value", None)).because(
                    Absence::NoFieldAtPath {
                        field: "value".to_owned(),
                        fields: vec!["url".to_owned(), "a\"b".to_owned()],
                    },
                ),
                "vault:secret/data/db#value (no field `value`; the path has `url`, `a\\\"b`)",
            ),
            (
                Looked::new(Locator::aws_secret("app", Some("api_key"), None)).because(
                    Absence::NoFieldInSecret {
                        field: "api_key".to_owned(),
                        similar: None,
                        others: 2,
                    },
                ),
                "aws_secrets_manager:app#api_key (no field `api_key`; the secret has 2 other fields)",
            ),
            (
                Looked::new(Searched::Source("vault".to_owned())).because(Absence::Failed),
                "vault (failed)",
            ),
            (
                Looked::new(Searched::Copy).because(Absence::NotInVault {
                    age: Duration::from_secs(300),
                }),
                "the last-known-good copy (not in Vault when read 5 minutes ago)",
            ),
            (
                Looked::new(Searched::Template).because(Absence::NeedsInput {
                    input: "host".to_owned(),
                }),
                "template (needs `host`)",
            ),
        ];
        for (looked, text) in cases {
            assert_eq!(looked.to_string(), text);
            assert_eq!(
                serde_json::to_value(&looked).unwrap(),
                serde_json::Value::String(text.to_owned())
            );
        }
    }
}
