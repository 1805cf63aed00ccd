//! What a secret's declared type and constraints accept: a value is checked against
//! its [`SecretSpec`] here, by the checker (for a `default`) and by resolution alike.
//!
//! Every message here describes the rule that was broken, never the value: it is shown
//! to people and written to logs.

use std::fmt;

use super::model::{SecretSpec, SecretType};

/// Why a value does not fit its secret's declaration. Holds no part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Invalid {
    /// Why a value is invalid, said without the value.
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

fn invalid(message: impl Into<String>) -> Result<(), Invalid> {
    Err(Invalid(message.into()))
}

/// The most a `pattern` may take once compiled, in bytes: what it costs to match grows
/// with it, times the value's length. Patterns people write (`sk_live_[A-Za-z0-9]{24,}`,
/// an e-mail's) take a few KiB; a twenty-sixth adversarial pass had 500 of
/// `(a{0,200}){0,200}` take 1.9 GB to compile, and one such pattern minutes to match.
pub const PATTERN_SIZE_LIMIT: usize = 32 * 1024;

/// How deep a `pattern`'s groups and repetitions may nest.
pub const PATTERN_NEST_LIMIT: u32 = 32;

/// The longest value a `pattern` is matched against, in bytes: a longer one is invalid,
/// so that the matching stays bounded (a `.env` value may be 1 MiB).
pub const PATTERN_VALUE_LIMIT: usize = 64 * 1024;

/// Why a `pattern` was not compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// Not a regular expression regex-lite reads.
    Syntax,
    /// Past [`PATTERN_SIZE_LIMIT`] or [`PATTERN_NEST_LIMIT`].
    TooLarge,
}

/// `pattern`, anchored at both ends, compiled within the limits above.
pub(crate) fn compile_pattern(pattern: &str) -> Result<regex_lite::Regex, PatternError> {
    let anchored = format!("^(?:{pattern})$");
    regex_lite::RegexBuilder::new(&anchored)
        .size_limit(PATTERN_SIZE_LIMIT)
        .nest_limit(PATTERN_NEST_LIMIT)
        .build()
        .map_err(|_| {
            // Told apart by compiling again without the limits (bounded by the crate's
            // own default of 10 MiB), not by reading the error's text.
            if regex_lite::Regex::new(&anchored).is_ok() {
                PatternError::TooLarge
            } else {
                PatternError::Syntax
            }
        })
}

/// Checks `value` against `spec`'s type and constraints.
///
/// ```
/// use secretary::Manifest;
/// let manifest = Manifest::parse(
///     "version = 1\n[secrets.port]\ntype = \"port\"\n",
///     std::path::Path::new("secrets.toml"),
/// ).unwrap();
/// let spec = manifest.secret("port").unwrap();
/// assert!(secretary::validate::check(spec, "8080").is_ok());
/// assert_eq!(
///     secretary::validate::check(spec, "80808").unwrap_err().to_string(),
///     "is not a port (a whole number from 1 to 65535)"
/// );
/// ```
pub fn check(spec: &SecretSpec, value: &str) -> Result<(), Invalid> {
    let c = &spec.constraints;
    match spec.kind {
        SecretType::String => {}
        SecretType::Url => check_url(value, &c.schemes)?,
        SecretType::Int => match value.trim().parse::<i64>() {
            Ok(n) => {
                if let Some(min) = c.min.filter(|&min| n < min) {
                    return invalid(format!("is less than the minimum {min}"));
                }
                if let Some(max) = c.max.filter(|&max| n > max) {
                    return invalid(format!("is more than the maximum {max}"));
                }
            }
            Err(_) => return invalid("is not a whole number"),
        },
        SecretType::Port => {
            if !matches!(value.trim().parse::<u16>(), Ok(1..)) {
                return invalid("is not a port (a whole number from 1 to 65535)");
            }
        }
        SecretType::Bool => {
            if parse_bool(value).is_none() {
                return invalid("is not a boolean (true/false, 1/0, yes/no, on/off)");
            }
        }
        SecretType::Enum => {
            if !c.values.iter().any(|v| v == value) {
                return invalid(format!("is not one of: {}", c.values.join(", ")));
            }
        }
    }
    let length = value.chars().count();
    if let Some(min) = c.min_length.filter(|&min| length < min) {
        return invalid(format!("is shorter than {min} characters"));
    }
    if let Some(max) = c.max_length.filter(|&max| length > max) {
        return invalid(format!("is longer than {max} characters"));
    }
    if let Some(pattern) = &c.pattern {
        if value.len() > PATTERN_VALUE_LIMIT {
            return invalid(format!(
                "is longer than the {} KiB a `pattern` is matched against",
                PATTERN_VALUE_LIMIT / 1024
            ));
        }
        if !pattern.is_match(value) {
            // The pattern is wrapped as `^(?:...)$`; show it as written.
            let written = pattern.as_str();
            let written = written
                .strip_prefix("^(?:")
                .and_then(|p| p.strip_suffix(")$"))
                .unwrap_or(written);
            return invalid(format!("does not match the pattern `{written}`"));
        }
    }
    Ok(())
}

fn check_url(value: &str, schemes: &[String]) -> Result<(), Invalid> {
    match url::Url::parse(value) {
        Ok(url) if url.cannot_be_a_base() => invalid("is not a URL of the form `scheme://...`"),
        Ok(url) => {
            if schemes.is_empty() || schemes.iter().any(|s| s.eq_ignore_ascii_case(url.scheme())) {
                Ok(())
            } else {
                // Not even the scheme is quoted: `Hunter2://x` is a URL whose scheme is a
                // password pasted in the wrong place.
                invalid(format!(
                    "has a scheme other than {}",
                    schemes
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ))
            }
        }
        // url's messages name the kind of error, never the input.
        Err(error) => invalid(format!("is not a valid URL ({error})")),
    }
}

/// Reads a boolean the way the `bool` type accepts it.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use std::path::Path;

    fn spec(body: &str) -> SecretSpec {
        let text = format!("version = 1\n[secrets.s]\n{body}\n");
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        (**manifest.secret("s").unwrap()).clone()
    }

    fn ok(body: &str, value: &str) -> bool {
        check(&spec(body), value).is_ok()
    }

    #[test]
    fn types() {
        let url = "type = \"url\"\nschemes = [\"postgresql\", \"postgres\"]";
        assert!(ok(url, "postgresql://u:p@db:5432/app"));
        assert!(ok(url, "POSTGRES://db/app"));
        assert!(!ok(url, "mysql://db/app"));
        assert!(!ok(url, "localhost:5432"));
        assert!(!ok(url, "not a url"));
        assert!(ok("type = \"url\"", "redis://:pw@cache:6379/0"));
        assert!(ok("type = \"int\"\nmin = 1\nmax = 10", "10"));
        assert!(!ok("type = \"int\"\nmin = 1\nmax = 10", "11"));
        assert!(!ok("type = \"int\"", "ten"));
        assert!(ok("type = \"port\"", "65535"));
        assert!(!ok("type = \"port\"", "0"));
        assert!(!ok("type = \"port\"", "65536"));
        for value in ["true", "FALSE", "1", "0", "yes", "No", "on", "off"] {
            assert!(ok("type = \"bool\"", value), "{value}");
        }
        assert!(!ok("type = \"bool\"", "maybe"));
        let levels = "type = \"enum\"\nvalues = [\"DEBUG\", \"INFO\"]";
        assert!(ok(levels, "INFO"));
        assert!(!ok(levels, "info"));
    }

    #[test]
    fn constraints() {
        assert!(!ok("min_length = 32", "short"));
        assert!(ok("min_length = 3", "abc"));
        assert!(ok("min_length = 3", "äöü"));
        assert!(!ok("max_length = 2", "abc"));
        assert!(ok("pattern = \"sk-[a-z]+\"", "sk-abc"));
        assert!(
            !ok("pattern = \"sk-[a-z]+\"", "xsk-abc"),
            "the whole value must match"
        );
        let message = check(&spec("pattern = \"sk-[a-z]+\""), "nope")
            .unwrap_err()
            .to_string();
        assert_eq!(message, "does not match the pattern `sk-[a-z]+`");
    }

    #[test]
    fn pattern_classes_are_ascii() {
        // The README's dialect: `\d` is a digit 0-9, not any Unicode digit; `(?i)` folds
        // ASCII case.
        assert!(ok("pattern = '\\d{4}'", "2024"));
        assert!(!ok("pattern = '\\d{4}'", "\u{661}\u{662}\u{663}\u{664}"));
        assert!(ok("pattern = '(?i)[0-9a-f]{4}'", "BEEF"));
        assert!(!ok("pattern = '\\w+'", "caf\u{e9}"));
        assert!(
            ok("pattern = '.{4}'", "caf\u{e9}"),
            "`.` is a character, not a byte"
        );
    }

    #[test]
    fn messages_never_contain_the_value() {
        let canary = "canary-8d1e";
        for body in [
            "type = \"url\"",
            "type = \"int\"",
            "type = \"port\"",
            "type = \"bool\"",
            "type = \"enum\"\nvalues = [\"a\"]",
            "min_length = 64",
            "max_length = 2",
            "pattern = \"[0-9]+\"",
        ] {
            let message = check(&spec(body), canary).unwrap_err().to_string();
            assert!(!message.contains(canary), "{body}: {message}");
        }
    }

    #[test]
    fn a_url_of_the_wrong_scheme_is_told_without_its_scheme() {
        let spec = spec("type = \"url\"\nschemes = [\"postgresql\"]");
        let message = check(&spec, "Hunter2Pass://x").unwrap_err().to_string();
        assert_eq!(message, "has a scheme other than `postgresql`");
        assert!(!message.to_lowercase().contains("hunter2"), "{message}");
    }

    #[test]
    fn a_pattern_is_compiled_and_matched_within_bounds() {
        // Patterns people write compile.
        for pattern in [
            r"sk_live_[A-Za-z0-9]{24,}",
            r"(?i)[0-9a-f]{64}",
            r"[A-Za-z0-9+/]{40,}={0,2}",
            r"\w{1,255}",
            r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}",
            r"-----BEGIN [A-Z ]+-----[\s\S]*-----END [A-Z ]+-----\s*",
        ] {
            assert!(compile_pattern(pattern).is_ok(), "{pattern}");
        }
        // A twenty-sixth adversarial pass: one of these took megabytes to compile and
        // minutes to match; it is refused as too large, not as bad syntax.
        assert_eq!(
            compile_pattern("(a{0,200}){0,200}").unwrap_err(),
            PatternError::TooLarge
        );
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(compile_pattern(&deep).unwrap_err(), PatternError::TooLarge);
        assert_eq!(compile_pattern("(a").unwrap_err(), PatternError::Syntax);
        // A value past the limit is invalid, not matched.
        let spec = spec("pattern = \"a*\"\n");
        let long = "a".repeat(PATTERN_VALUE_LIMIT + 1);
        assert_eq!(
            check(&spec, &long).unwrap_err().to_string(),
            "is longer than the 64 KiB a `pattern` is matched against"
        );
        assert!(check(&spec, &"a".repeat(PATTERN_VALUE_LIMIT)).is_ok());
    }
}
