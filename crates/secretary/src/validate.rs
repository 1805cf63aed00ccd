//! Checking a value against its secret's type and constraints, and spotting placeholders.
//!
//! Every message here describes the rule that was broken, never the value: it is shown
//! to people and written to logs.

use std::fmt;
use std::time::Duration;

use crate::manifest::{SecretSpec, SecretType};

/// Why a value does not fit its secret's declaration. Holds no part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid(message: impl Into<String>) -> Result<(), Invalid> {
    Err(Invalid(message.into()))
}

/// Checks `value` against `spec`'s type and constraints.
///
/// ```
/// use secretary::manifest::Manifest;
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

/// The longest duration [`parse_duration`] accepts: ten years (of 365 days). Anything
/// longer is a mistake, and stays far from where adding it to a clock would overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A duration as secretary writes them everywhere (`VAULT_CLIENT_TIMEOUT`, a source's
/// `ttl`, `run --watch`): a whole number with `ms`, `s`, `m` or `h`, a bare number
/// being seconds, surrounding blanks ignored; at most [`MAX_DURATION`].
///
/// ```
/// use std::time::Duration;
/// use secretary::validate::parse_duration;
///
/// assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
/// assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
/// assert_eq!(parse_duration(" 2m "), Some(Duration::from_secs(120)));
/// assert_eq!(parse_duration("1.5s"), None);
/// assert_eq!(parse_duration("99999999999999999h"), None);
/// assert_eq!(parse_duration("18446744073709551615s"), None);
/// ```
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(number),
        "ms" => Duration::from_millis(number),
        "m" => Duration::from_secs(number.checked_mul(60)?),
        "h" => Duration::from_secs(number.checked_mul(3600)?),
        _ => return None,
    };
    (duration <= MAX_DURATION).then_some(duration)
}

/// Reads a boolean the way the `bool` type accepts it.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
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
pub fn placeholder(value: &str) -> Option<&'static str> {
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
            return Some("contains `change-me`");
        }
    }
    if let Some(start) = lower.find("your-").or_else(|| lower.find("your_")) {
        if lower[start..].contains("here") {
            return Some("looks like `your-...-here`");
        }
    }
    if has_slot(&lower) {
        return Some("holds a `<...>` slot");
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
        return Some("is a well-known placeholder word");
    }
    for segment in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        if segment == "example" {
            return Some("mentions `example`");
        }
        if segment.len() >= 3 && segment.bytes().all(|b| b == b'x') {
            return Some("holds `xxx`");
        }
    }
    None
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
    fn durations_are_capped() {
        assert_eq!(parse_duration("87600h"), Some(MAX_DURATION));
        assert_eq!(parse_duration("87601h"), None);
        assert_eq!(parse_duration("18446744073709551615ms"), None);
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
