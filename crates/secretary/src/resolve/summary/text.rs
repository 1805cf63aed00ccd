//! A [`Summary`] as text for people: the problem report (each failed source once, then
//! every other problem with its fields), the one-line headline with its counts, and the
//! layout of a labelled field. Each caller passes its own [`Terms`]: the words that name
//! its interface, so that the library names none.

use std::fmt::{self, Write as _};

use super::{Entry, Summary};
use crate::manifest::ChosenBy;
use crate::resolve::{Fix, ProblemKind};

/// The words of one interface to secretary, for the parts of a message that name it:
/// the command line says `--env`, the Python package "the environment argument".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Terms {
    /// What chose the environment when the caller named it (`--env`).
    pub caller: &'static str,
    /// How to read an optional secret so that nothing is given when it is not set
    /// (`read it with get_opt`).
    pub read_optional: &'static str,
}

impl Terms {
    /// The Rust API's words (`SecretManager`): the caller, `get_opt`.
    pub const RUST: Self = Self::new("the caller", "read it with get_opt");

    /// Terms of an interface: what chose the environment when the caller named it, and
    /// how to read an optional secret.
    pub const fn new(caller: &'static str, read_optional: &'static str) -> Self {
        Self {
            caller,
            read_optional,
        }
    }

    /// Who chose an environment, in these terms.
    pub fn chosen_by(&self, chosen_by: &ChosenBy) -> String {
        match chosen_by {
            ChosenBy::Caller => self.caller.to_owned(),
            other => other.to_string(),
        }
    }

    /// `fix`, in these terms.
    pub fn fix(&self, fix: &Fix) -> String {
        match fix {
            Fix::Optional => format!("it is optional: {}", self.read_optional),
            other => other.to_string(),
        }
    }
}

/// The width of a field's label, colon included, and the space after it.
const LABEL_WIDTH: usize = 13;

/// One labelled field of a problem, indented: `    fix:         set API_KEY`.
pub fn field(label: &str, value: &str) -> String {
    format!("    {:<LABEL_WIDTH$}{value}", format!("{label}:"))
}

impl Summary {
    /// Every problem as blocks, each ending in a blank line: each failed source once,
    /// with the secrets it `affects`; then each other problem, with the secret's
    /// description, where secretary looked (for a missing one) and the fix.
    pub fn problem_report(&self, terms: &Terms) -> String {
        let mut text = String::new();
        for failure in &self.source_failures {
            let _ = writeln!(
                text,
                "[source_error] source `{}` failed: {}",
                failure.source, failure.failure
            );
            let affects = match failure.keys.as_slice() {
                [key] => key.clone(),
                keys => format!("{} ({} secrets)", keys.join(", "), keys.len()),
            };
            let _ = writeln!(text, "{}", field("affects", &affects));
            let _ = writeln!(text, "{}", field("fix", &terms.fix(&failure.fix)));
            text.push('\n');
        }
        for entry in self.problems.iter().filter(|e| !e.is_source_failure()) {
            let _ = writeln!(text, "[{}] {}: {}", entry.state, entry.key, entry.problem);
            for line in entry.fields(terms, true) {
                let _ = writeln!(text, "{line}");
            }
            text.push('\n');
        }
        text
    }

    /// `3 problems in environment `production` (secrets.toml): 2 missing, 1 invalid`,
    /// with the manifest as it is shown to people.
    pub fn headline(&self, manifest: &str) -> String {
        let total = self.counts.problem_total();
        let detail: Vec<String> = self
            .counts
            .problems
            .iter()
            .map(ToString::to_string)
            .collect();
        format!(
            "{total} problem{} in environment `{}` ({manifest}): {}",
            if total == 1 { "" } else { "s" },
            self.environment,
            detail.join(", ")
        )
    }
}

impl Entry {
    /// Its labelled fields ([`field`]): the description when `described` and there is
    /// one, where secretary looked for a missing secret, and the fix in `terms`.
    pub fn fields(&self, terms: &Terms, described: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if described && !self.description.is_empty() {
            lines.push(field("description", &self.description));
        }
        if matches!(self.problem, ProblemKind::Missing) {
            let looked: Vec<String> = self.looked.iter().map(ToString::to_string).collect();
            lines.push(field("looked in", &looked.join(", ")));
        }
        lines.push(field("fix", &terms.fix(&self.fix)));
        lines
    }
}

impl fmt::Display for Summary {
    /// The headline's count and environment, then each problem with its secret's key and
    /// description: `2 problems with the secrets of environment `production`:` and
    /// `  api_key (The API key): required but not set`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.problems.len();
        write!(
            f,
            "{total} problem{} with the secrets of environment `{}`:",
            if total == 1 { "" } else { "s" },
            self.environment
        )?;
        for entry in &self.problems {
            write!(f, "\n  {}", entry.key)?;
            if !entry.description.is_empty() {
                write!(f, " ({})", entry.description)?;
            }
            write!(f, ": {}", entry.problem)?;
        }
        Ok(())
    }
}
