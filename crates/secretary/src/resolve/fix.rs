//! [`Fix`]: what to do about a problem, as data; and [`SourceFix`], what to do about a
//! failed source, holding the error it is about rather than advice already worded.

use std::fmt;

use super::{Place, Terms};
use crate::Origin;
use crate::manifest::SourceKind;
use crate::outage::{Cause, CopyError};
use crate::source::SourceError;

/// What to do about a [`Problem`](super::Problem): data, so that each caller may word it
/// its own way ([`Terms::fix`]). Its `Display` is plain English that names no command
/// and no flag, and the Rust API's [`Terms::RUST`] for the one fix that names a call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fix {
    /// Put a value in one of these places, in the order the environment asks them.
    Provide {
        /// The secret's primary env name.
        name: String,
        /// Where a value would be found.
        places: Vec<Place>,
    },
    /// Give the secret a value that fits, where the one that does not came from.
    Correct {
        /// The secret's primary env name: what to set where the value came from no
        /// variable (its `default`).
        name: String,
        /// What fits: "a `postgresql://...` URL of at most 200 characters".
        expected: String,
        /// Where the value that does not fit came from: a variable is set, a file or a
        /// store's value replaced, a template's inputs corrected (a sixtieth adversarial
        /// pass was told to set `API_KEY` for a value from Vault).
        origin: Origin,
    },
    /// Put the real value where the placeholder is.
    ReplacePlaceholder {
        /// The environment that forbids placeholders.
        environment: String,
        /// Where the placeholder is.
        origin: Origin,
    },
    /// Repair the source, or what the secret is built from.
    Source(SourceFix),
    /// The secret is optional: read it as such (`SecretManager::get_opt`), which gives
    /// nothing when it is not set.
    Optional,
    /// Write a new value of the secret: it is overdue for rotation.
    Rotate {
        /// The secret's key.
        key: String,
    },
}

/// What to do about a source that failed, by what failed: its `Display` is the advice of
/// the error it holds ([`SourceError::hint`], [`Cause::hint`], [`CopyError::hint`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SourceFix {
    /// Repair the source, as its error advises.
    Repair(SourceError),
    /// Reach the source again, or make its last-known-good copy servable.
    Outage {
        /// Why it was not read.
        cause: Cause,
        /// Why the copy was not served.
        copy: CopyError,
    },
    /// Reach the source again: its values are stale, and the environment refuses them
    /// (`on_stale = "fail"`).
    Stale {
        /// Why it was not read.
        cause: Cause,
        /// Whether to say that `on_stale = "warn"` would serve them (the manifest's
        /// choice, at resolution; not when a manager holds values through an outage).
        or_serve: bool,
    },
    /// Give the secret a templated secret is built from a valid value first.
    Input {
        /// The templated secret.
        key: String,
        /// The secret it lacks.
        input: String,
        /// What to do about that secret, as its own problem says (`--only` reports
        /// the templated secret without its inputs: a twenty-sixth adversarial pass saw
        /// an outage said only as "fix that first").
        cause: Option<Box<Fix>>,
    },
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Provide { name, places } if places.is_empty() => write!(f, "set {name}"),
            Self::Provide { name, places } => {
                for (index, place) in places.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", or ")?;
                    }
                    place.advise(f, name)?;
                }
                Ok(())
            }
            Self::Correct {
                name,
                expected,
                origin,
            } => match origin {
                Origin::Source { locator, .. } if locator.kind() == SourceKind::ENV => {
                    write!(f, "set {} to {expected}", locator.place())
                }
                // A store's version is written once: a new one is what to write (a
                // sixty-first adversarial pass was told to put a value "in" `@v1`).
                Origin::Source { locator, .. } if locator.version().is_some() => {
                    let latest = crate::Locator::new(locator.kind(), locator.place().clone());
                    write!(f, "write {expected} as a new version of {latest}")
                }
                Origin::Source { .. } => write!(f, "put {expected} in {origin}"),
                Origin::Default => write!(
                    f,
                    "set {name} to {expected}, or correct the manifest's `default`"
                ),
                Origin::Template { inputs } => write!(
                    f,
                    "correct the template or its inputs ({}) so that it gives {expected}",
                    inputs.join(", ")
                ),
            },
            Self::ReplacePlaceholder {
                environment,
                origin,
            } => write!(
                f,
                "environment `{environment}` forbids placeholders: put the real value in {origin}"
            ),
            Self::Source(fix) => fix.fmt(f),
            Self::Optional => write!(f, "it is optional: {}", Terms::RUST.read_optional),
            Self::Rotate { key } => write!(f, "rotate `{key}`: write a new value"),
        }
    }
}

impl fmt::Display for SourceFix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Repair(error) => f.write_str(&error.hint()),
            Self::Outage { cause, copy } => write!(f, "{}; {}", cause.hint(), copy.hint()),
            Self::Stale {
                cause,
                or_serve: true,
            } => write!(
                f,
                "{}; or serve stale values (`on_stale = \"warn\"`)",
                cause.hint()
            ),
            Self::Stale { cause, .. } => f.write_str(&cause.hint()),
            Self::Input {
                key,
                input,
                cause: None,
            } => write!(
                f,
                "`{key}` is built from `{input}`, which has no valid value: fix that first"
            ),
            Self::Input {
                key,
                input,
                cause: Some(cause),
            } => write!(
                f,
                "`{key}` is built from `{input}`, which has no valid value: {cause}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locator;

    #[test]
    fn a_value_that_does_not_fit_is_corrected_where_it_came_from() {
        // A sixtieth adversarial pass was told to "set API_KEY" for a value read from a
        // mounted file, and from Vault, where no variable is read at all.
        let correct = |origin: Origin| {
            Fix::Correct {
                name: "API_KEY".to_owned(),
                expected: "a value matching `[0-9]+`".to_owned(),
                origin,
            }
            .to_string()
        };
        let source = |locator: Locator| Origin::Source {
            name: "s".to_owned(),
            locator,
        };
        assert_eq!(
            correct(source(Locator::env("API_TOKEN"))),
            "set API_TOKEN to a value matching `[0-9]+`"
        );
        let from_file = correct(source(Locator::file("sec/api_key")));
        assert!(
            from_file.starts_with("put a value matching `[0-9]+` in "),
            "{from_file}"
        );
        assert!(from_file.contains("sec/api_key"), "{from_file}");
        let from_vault = correct(source(Locator::vault(
            "secret/data/p/api_key",
            "value",
            Some(1),
        )));
        assert!(
            from_vault.contains("as a new version of vault:"),
            "{from_vault}"
        );
        assert!(from_vault.contains("secret/data/p/api_key"), "{from_vault}");
        assert!(!from_vault.contains("@v1"), "{from_vault}");
        assert!(!from_vault.contains("set API_KEY"), "{from_vault}");
        assert!(correct(Origin::Default).contains("the manifest's `default`"));
        let built = correct(Origin::Template {
            inputs: vec!["user".to_owned(), "password".to_owned()],
        });
        assert!(built.contains("its inputs (user, password)"), "{built}");
    }
}
