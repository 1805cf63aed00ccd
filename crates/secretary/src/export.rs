//! Writing resolved values out: `.env`, JSON, or a shell script to `source`.
//!
//! Every format reads back to exactly the values written:
//!
//! - [`Format::Dotenv`]: a value holding no `'`, `\`, newline or carriage return is
//!   single-quoted, which python-dotenv, docker compose and secretary all read literally
//!   (no expansion). Any other value is double-quoted with `\\`, `\"`, `\n`, `\r`, `$`
//!   (`\$`) and `` ` `` (`` \` ``) escaped, so that a shell that `source`s the file runs
//!   nothing (`$(...)`, `` `...` ``) and expands nothing, and each value is one line: a
//!   reader that takes each line for an assignment (`docker run --env-file`) never
//!   reads a line of a value as one (a twenty-eighth adversarial pass had a committed
//!   `.env`'s value carry `BASH_ENV=...` onto a line of its own). secretary reads every value back exactly. A few values have no spelling
//!   that python-dotenv and docker compose also read alike (a `${`, for one);
//!   [`dotenv_portable`] tells which, and `export` warns about them by key.
//! - [`Format::Shell`]: `export NAME='...'`, with `'` written `'\''`: POSIX sh and bash
//!   `source` it back exactly.
//! - [`Format::Json`]: one object, name to value.
//!
//! ```
//! use secretary::export::{render, Format};
//!
//! let text = render(Format::Dotenv, [("PASSWORD", "it's $ecret")]);
//! assert_eq!(text.as_str(), "PASSWORD=\"it's \\$ecret\"\n");
//! let entries = secretary::dotenv::parse(&text, &|_| None).unwrap();
//! assert_eq!(entries[0].value.as_str(), "it's $ecret");
//! ```

use std::fmt::Write as _;

use zeroize::Zeroizing;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `NAME='value'` lines, as `.env` files are written.
    Dotenv,
    /// A JSON object.
    Json,
    /// `export NAME='value'` lines for `source` / `.`.
    Shell,
}

/// What a format cannot carry of a value ([`Format::uncarried`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Uncarried {
    /// A NUL byte: shells and `.env` parsers drop it, or the rest of the value,
    /// silently. Only JSON spells one (`\u0000`).
    Nul,
    /// A line end other than `\n` and `\r` (a vertical tab, a form feed, the
    /// information separators, U+0085, U+2028, U+2029): a `.env` reader that splits
    /// lines as Python's `str.splitlines` does reads what follows it as an assignment
    /// of its own (a twenty-ninth adversarial pass: `BASH_ENV=...` after a U+2028), and
    /// no spelling of it is read back alike by secretary, python-dotenv and docker
    /// compose.
    LineEnd,
}

impl Format {
    /// What of `value` this format cannot carry, if anything: a NUL byte in the dotenv
    /// and shell formats, a line end other than `\n` and `\r` in the dotenv format.
    ///
    /// ```
    /// use secretary::export::{Format, Uncarried};
    /// assert_eq!(Format::Json.uncarried("a\0b\u{2028}c"), None);
    /// assert_eq!(Format::Shell.uncarried("a\0b"), Some(Uncarried::Nul));
    /// assert_eq!(Format::Shell.uncarried("a\u{2028}b"), None);
    /// assert_eq!(Format::Dotenv.uncarried("a\u{2028}b"), Some(Uncarried::LineEnd));
    /// assert_eq!(Format::Dotenv.uncarried("line one\nline two"), None);
    /// ```
    #[must_use]
    pub fn uncarried(self, value: &str) -> Option<Uncarried> {
        match self {
            Self::Json => None,
            _ if value.contains('\0') => Some(Uncarried::Nul),
            Self::Dotenv if value.chars().any(other_line_end) => Some(Uncarried::LineEnd),
            _ => None,
        }
    }
}

/// Whether `c` ends a line for some reader, other than `\n` and `\r` (which the dotenv
/// format escapes): what Python's `str.splitlines` ends a line at besides them.
fn other_line_end(c: char) -> bool {
    matches!(
        c,
        '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// `(name, value)` pairs written in `format`. The text is zeroed when dropped.
pub fn render<'a>(
    format: Format,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    match format {
        Format::Dotenv => {
            for (name, value) in pairs {
                let _ = writeln!(out, "{name}={}", dotenv_quote(value).as_str());
            }
        }
        Format::Shell => {
            for (name, value) in pairs {
                let _ = writeln!(out, "export {name}='{}'", value.replace('\'', "'\\''"));
            }
        }
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = pairs
                .into_iter()
                .map(|(name, value)| (name.to_owned(), serde_json::Value::from(value)))
                .collect();
            // A map of strings always serializes.
            let json = serde_json::to_string_pretty(&map).unwrap_or_default();
            out.push_str(&json);
            out.push('\n');
            drop(Zeroizing::new(json));
        }
    }
    out
}

/// `value` quoted for a `.env` file.
fn dotenv_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + 2));
    if !value.contains(['\'', '\\', '\r', '\n']) {
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return out;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            // A shell that sources the file must neither run nor expand anything (an
            // eighth adversarial pass: `it's $(cmd)` ran under `set -a; . ./.env`).
            '$' => out.push_str("\\$"),
            '`' => out.push_str("\\`"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// Whether python-dotenv and docker compose read `value`, written by
/// [`render`]`(Format::Dotenv, ..)`, exactly as secretary does. Three kinds of value are
/// not:
///
/// - one holding `${`: python-dotenv expands it even in single quotes, and has no escape
///   for it;
/// - one holding `$` or `` ` `` that must be double-quoted (it also holds `'`, `\`, a
///   newline or a carriage return): written `\$` and `` \` ``, which python-dotenv keeps
///   as they are;
/// - one that must be double-quoted and ends with `\`: python-dotenv reads the `\"` that
///   closes it as an escaped quote.
pub fn dotenv_portable(value: &str) -> bool {
    let double_quoted = value.contains(['\'', '\\', '\r', '\n']);
    !(value.contains("${")
        || double_quoted && value.contains(['$', '`'])
        || double_quoted && value.ends_with('\\'))
}

/// What may combine with text beside it into a spelling [`dotenv_portable`] refuses:
/// `$` and `{` (a `${`), `` ` ``, and what makes a value double-quoted.
const COMBINING: [char; 7] = ['$', '{', '`', '\'', '\\', '\r', '\n'];

/// Whether python-dotenv and docker compose read `resolution`'s value, written by
/// [`render`]`(Format::Dotenv, ..)`, exactly as secretary does ([`dotenv_portable`]);
/// `true` when it has none. A value built from others (a template, `.env` expansion) is
/// judged by its shape (each inserted value `1`) and by whether what it inserts holds any
/// character that may combine with text beside it (`$`, `{`, `` ` ``, `'`, `\`, a newline or a
/// carriage return), never by the value: a verdict on it would answer a question its
/// text chooses (a seventieth adversarial pass read whether a password holds `$`, or
/// ends with one, from `'{pw}`, `{pw}{{`...). Without such a character, its shape
/// answers exactly as the value would; with one, it is called not portable, which it
/// may not be.
#[must_use]
pub fn dotenv_portable_resolved(resolution: &crate::Resolution) -> bool {
    let Some(value) = resolution.value.as_ref().map(crate::SecretValue::expose) else {
        return true;
    };
    if !resolution.is_built() {
        return dotenv_portable(value);
    }
    // The shape holds the value's own text, each inserted value `1`: what the value
    // holds of these characters beyond it, its inserted values hold.
    resolution.shape().is_some_and(|shape| {
        dotenv_portable(&shape)
            && value.matches(COMBINING).count() == shape.matches(COMBINING).count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_quotes_as_documented() {
        let pairs = [("A", "plain"), ("B", "it's"), ("C", "x${Y}\\")];
        assert_eq!(
            render(Format::Dotenv, pairs).as_str(),
            "A='plain'\nB=\"it's\"\nC=\"x\\${Y}\\\\\"\n"
        );
        assert_eq!(
            render(Format::Shell, pairs).as_str(),
            "export A='plain'\nexport B='it'\\''s'\nexport C='x${Y}\\'\n"
        );
        assert!(!dotenv_portable("x${Y}"));
        assert!(!dotenv_portable("it's $HOME"));
        assert!(!dotenv_portable("it's\\"));
        assert!(dotenv_portable("it's"));
        assert!(dotenv_portable("$HOME \"quoted\""));
        // Nothing a shell would run or expand, in double quotes.
        let pairs = [("R", "it's $(id) `id` $HOME")];
        assert_eq!(
            render(Format::Dotenv, pairs).as_str(),
            "R=\"it's \\$(id) \\`id\\` \\$HOME\"\n"
        );
        assert!(!dotenv_portable("it's `id`"));
        assert!(dotenv_portable("`id` $(id)"));
    }

    #[test]
    fn a_value_of_several_lines_is_one_line_of_the_file() {
        // A twenty-eighth adversarial pass: a committed `.env`'s value of several lines
        // was written as they are, and `docker run --env-file` read its second line,
        // `BASH_ENV=/tmp/evil.sh`, as an assignment.
        let value = "line1\nBASH_ENV=/tmp/evil.sh\n-----END KEY-----";
        let text = render(Format::Dotenv, [("B", value)]);
        assert_eq!(
            text.as_str(),
            "B=\"line1\\nBASH_ENV=/tmp/evil.sh\\n-----END KEY-----\"\n"
        );
        assert_eq!(text.lines().count(), 1);
        let entries = crate::dotenv::parse(&text, &|_| None).unwrap();
        assert_eq!(entries[0].value.as_str(), value);
        assert!(dotenv_portable(value));
    }
}
