//! Checking values: against their secret's type and constraints ([`check`]), for
//! placeholders ([`placeholder`]), and the duration and boolean grammars secretary reads
//! everywhere.
//!
//! Every message here describes the rule that was broken, never the value: it is shown
//! to people and written to logs.

pub use crate::duration::{DurationError, MAX_DURATION, parse_duration, show_duration};
use crate::manifest::SecretSpec;
pub use crate::manifest::rules::{Invalid, check, parse_bool};

/// Why a value may not stand for its secret ([`admissible`]). Holds no part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inadmissible {
    /// It does not fit the secret's type or constraints.
    Invalid(Invalid),
    /// It looks like a placeholder where placeholders are forbidden.
    Placeholder(PlaceholderRule),
}

/// Whether `value` may stand for `spec`: it fits the secret's type and constraints
/// ([`check`]), and, when `placeholders_forbidden`, it is no placeholder
/// ([`placeholder`]); a value that does not fit is not also called a placeholder. The one
/// rule for a value resolved (`resolve`) and a value about to be written (`put`,
/// `rotate`, `import`); each caller says whether the environment's
/// `forbid_placeholders` applies to this value.
pub(crate) fn admissible(
    spec: &SecretSpec,
    value: &str,
    placeholders_forbidden: bool,
) -> Result<(), Inadmissible> {
    check(spec, value).map_err(Inadmissible::Invalid)?;
    match placeholders_forbidden.then(|| placeholder(value)).flatten() {
        Some(rule) => Err(Inadmissible::Placeholder(rule)),
        None => Ok(()),
    }
}

/// `<name>` or `<your password>`: a `<`, a name-like run that starts with a letter or
/// digit, and a `>`.
fn has_slot(text: &str) -> bool {
    text.match_indices('<').any(|(open, _)| {
        let inner = &text[open + 1..];
        let Some(close) = inner.find('>') else {
            return false;
        };
        let inner = &inner[..close];
        inner
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
            && inner.len() <= 64
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' '))
    })
}

/// If `value` looks like a template placeholder rather than a real value, which rule it
/// matched (a description of the rule, not of the value).
///
/// ```
/// use secretary::validate::placeholder;
/// assert!(placeholder("change-me").is_some());
/// assert!(placeholder("your-api-key-here").is_some());
/// assert!(placeholder("postgresql://<user>:<password>@db/app").is_some());
/// assert!(placeholder("https://example.com/hook").is_some());
/// assert!(placeholder("sk-ant-xxxxxxxx").is_some());
/// assert!(placeholder("kq8N2vR0-real-looking-9wZ").is_none());
/// ```
pub fn placeholder(value: &str) -> Option<PlaceholderRule> {
    let lower = value.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    for marker in [
        "changeme",
        "change-me",
        "change_me",
        "replaceme",
        "replace-me",
        "replace_me",
    ] {
        if lower.contains(marker) {
            return Some(PlaceholderRule::ChangeMe);
        }
    }
    if let Some(start) = lower.find("your-").or_else(|| lower.find("your_")) {
        if lower[start..].contains("here") {
            return Some(PlaceholderRule::YourHere);
        }
    }
    if has_slot(&lower) {
        return Some(PlaceholderRule::Slot);
    }
    if matches!(
        lower.as_str(),
        "placeholder"
            | "secret"
            | "password"
            | "changeit"
            | "todo"
            | "tbd"
            | "fixme"
            | "none"
            | "null"
            | "..."
    ) {
        return Some(PlaceholderRule::Word);
    }
    for segment in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        if segment == "example" {
            return Some(PlaceholderRule::Example);
        }
        if segment.len() >= 3 && segment.bytes().all(|b| b == b'x') {
            return Some(PlaceholderRule::Xs);
        }
    }
    None
}

/// Which placeholder rule a value matched ([`placeholder`]): a description of the rule,
/// never of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlaceholderRule {
    /// It contains `change-me` (or `changeme`, `replace_me`, ...).
    ChangeMe,
    /// It looks like `your-...-here`.
    YourHere,
    /// It holds a `<...>` slot.
    Slot,
    /// It is a well-known placeholder word (`todo`, `password`, `...`).
    Word,
    /// It mentions `example`.
    Example,
    /// It holds `xxx`.
    Xs,
}

impl std::fmt::Display for PlaceholderRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ChangeMe => "contains `change-me`, `replace-me` or a spelling of them",
            Self::YourHere => "looks like `your-...-here`",
            Self::Slot => "holds a `<...>` slot",
            Self::Word => "is a well-known placeholder word",
            Self::Example => "mentions `example`",
            Self::Xs => "holds `xxx`",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholders_rule_names_what_the_value_may_hold() {
        // A fortieth adversarial pass: `replace_me_x` was said to contain `change-me`.
        assert_eq!(
            placeholder("replace_me_x").map(|rule| rule.to_string()),
            Some("contains `change-me`, `replace-me` or a spelling of them".to_owned())
        );
    }

    #[test]
    fn placeholders() {
        for value in [
            "change-me",
            "CHANGEME",
            "postgresql://user:change_me@db/app",
            "your-secret-key-here",
            "your_youtube_api_key_here",
            "<token>",
            "xxx",
            "sk-XXXXXXXXXXXX",
            "example",
            "mongodb://user:pw@example.com/db",
            "placeholder",
            "replace-me-please",
        ] {
            assert!(placeholder(value).is_some(), "{value}");
        }
        for value in [
            "",
            "postgresql://app:Zx9$kq@db.internal:5432/app",
            "3f9a0c1e5b7d",
            "a < b and c > d but no slot at all <>",
            "yours truly",
            "INFO",
            "exampleish-token",
        ] {
            assert!(placeholder(value).is_none(), "{value}");
        }
    }
}
