//! What [`SecretManager`] reports: every problem at once ([`Problems`]) and the errors
//! of its calls ([`ManagerError`]).

use std::fmt;
use std::sync::Arc;

use crate::Error;
use crate::manifest::SecretSpec;
use crate::resolve::{Problem, Report, Resolution, Summary};

use super::SecretManager;

/// Every problem found, as [`SecretManager::validate`] and [`SecretManager::load`]
/// report them. Its `Display` lists each with key, description and what is wrong,
/// never a value.
#[derive(Debug)]
#[non_exhaustive]
pub struct Problems {
    /// The environment.
    pub environment: String,
    /// Each problem, with the secret it is about.
    pub problems: Vec<SecretProblem>,
    /// What the resolution found worth saying that is not a problem (a `.env` file that
    /// others may read, say), as [`Report::warnings`] has it.
    pub warnings: Vec<crate::Warning>,
}

/// One problem, and the secret it is about.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecretProblem {
    /// The secret's declaration (key, description, ...).
    pub spec: Arc<SecretSpec>,
    /// What is wrong, and what to do.
    pub problem: Problem,
    /// Every place secretary looked for the value, as [`Resolution::looked`] has it.
    pub looked: Vec<crate::Looked>,
}

impl Problems {
    /// Their value-free summary: counts, failed sources grouped, each problem.
    pub fn summary(&self) -> Summary {
        Summary::of_problems(
            &self.environment,
            self.problems
                .iter()
                .map(|p| (p.spec.as_ref(), &p.problem, p.looked.as_slice())),
            self.warnings.clone(),
        )
    }
}

impl fmt::Display for Problems {
    /// The [`Summary`]'s: how many, then each with key, description and what is wrong.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.summary().fmt(f)
    }
}

impl std::error::Error for Problems {}

/// Why a read from a [`SecretManager`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The manifest, the environment or the key is wrong (an undeclared key is this).
    #[error(transparent)]
    Secretary(#[from] Error),
    /// The secret has problems: missing, invalid, a failed source.
    #[error(transparent)]
    Problems(#[from] Problems),
    /// `load` could not build the application's type; names the key, not the value.
    #[error("cannot load the settings: {0}")]
    Load(String),
    /// The audit log could not be opened or written.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// The runtime that reads the sources could not run.
    #[error("cannot run the resolving task: {0}")]
    Runtime(String),
}

impl SecretManager {
    pub(super) fn problems(&self, report: &Report) -> Result<(), Problems> {
        let problems = self.problems_of(&report.resolutions);
        if problems.problems.is_empty() {
            Ok(())
        } else {
            Err(Problems {
                warnings: report.warnings.clone(),
                ..problems
            })
        }
    }

    pub(super) fn problems_of<'a>(
        &self,
        resolutions: impl IntoIterator<Item = &'a Resolution>,
    ) -> Problems {
        let mut problems = Vec::new();
        for resolution in resolutions {
            for problem in &resolution.problems {
                problems.push(SecretProblem {
                    spec: Arc::clone(&resolution.spec),
                    problem: problem.clone(),
                    looked: resolution.looked.clone(),
                });
            }
        }
        Problems {
            environment: self.inner.environment.clone(),
            problems,
            warnings: Vec::new(),
        }
    }
}
