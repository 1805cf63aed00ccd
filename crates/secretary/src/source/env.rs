//! The process environment.
//!
//! ```toml
//! [sources.env]
//! type = "env"
//! ```
//!
//! Each secret is looked up by its env names in order (`DATABASE_URL`, then
//! `SQLALCHEMY_DATABASE_URI`); the first that is set and not empty wins.

use super::{Batch, Context, Lookup, Source, SourceError};
use crate::manifest::{SecretSpec, SourceKind};
use crate::{Absence, Locator, Looked, SecretValue};

/// Reads secrets from the variables of the process.
#[derive(Debug)]
pub struct EnvSource {
    name: String,
}

impl EnvSource {
    /// A source called `name`.
    pub fn new(name: String) -> Self {
        Self { name }
    }
}

impl Source for EnvSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::ENV
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let lookups = secrets
            .iter()
            .map(|secret| {
                let mut looked = Vec::new();
                for name in &secret.env {
                    match context.vars.get(name) {
                        Some(value) if value.is_empty() => {
                            looked.push(Looked::new(Locator::env(name)).because(Absence::Empty));
                        }
                        Some(value) => {
                            return match value.to_str() {
                                Some(text) => Lookup::Found {
                                    value: SecretValue::new(text.to_owned()),
                                    locator: Locator::env(name),
                                    written: None,
                                    shape: None,
                                },
                                None => Lookup::Failed(SourceError::NotUtf8 {
                                    what: format!("environment variable {name}"),
                                }),
                            };
                        }
                        None => looked.push(Looked::new(Locator::env(name))),
                    }
                }
                Lookup::Absent { looked }
            })
            .collect();
        Batch {
            lookups,
            warnings: Vec::new(),
        }
    }
}
