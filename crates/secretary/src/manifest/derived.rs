//! A value built from other secrets: a secret's `template`
//! (`"postgresql://{postgres_user}:{postgres_password|url}@db:5432/app"`).

use std::fmt;

/// A `template`: text with `{key}` (the value of secret `key`) and `{key|url}` (that
/// value percent-encoded, for a URL's user or password); `{{` and `}}` are `{` and `}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueTemplate {
    parts: Vec<Part>,
}

/// A piece of a [`ValueTemplate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// Text as it is.
    Text(String),
    /// Another secret's value.
    Secret {
        /// Its key.
        key: String,
        /// Whether it is percent-encoded (`|url`).
        url: bool,
    },
}

/// What is wrong with a template as written. Holds no value (a template holds none).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `{` without its `}`.
    #[error("has a `{{` without its `}}` (write `{{{{` for a `{{` of its own)")]
    Unclosed,
    /// A `}` without a `{` before it.
    #[error("has a `}}` without a `{{` (write `}}}}` for a `}}` of its own)")]
    Unopened,
    /// `{}` or a name that is no secret key.
    #[error("names `{0}`, which is not a secret key (lower case letters, digits and `_`)")]
    BadKey(String),
    /// A filter other than `url`.
    #[error("uses the filter `{0}`; the only one is `url`")]
    BadFilter(String),
    /// No `{key}` at all.
    #[error("names no secret: a value without one belongs in `default`")]
    NoSecret,
    /// Its value could be longer than 1 MiB, each input it names counted at the 32 KiB
    /// it may hold.
    #[error(
        "could make a value longer than 1 MiB, each input it names counted at the 32 KiB it may hold (96 KiB with `|url`): name inputs fewer times"
    )]
    TooLarge,
}

/// The longest value a template may make, in bytes, each input counted at
/// [`INPUT_LIMIT`] (as long as a `.env` value may be: a twenty-sixth adversarial pass
/// built 3 GiB from one 1 MiB value named 3,000 times).
pub(crate) const TEMPLATE_LIMIT: usize = 1 << 20;

/// The most an environment's templates may build in all, each counted as
/// [`ValueTemplate::charged_len`] counts it.
pub(crate) const MOST_BUILT: usize = 64 << 20;

/// The most templates an environment may have: at resolution, an input built from others
/// is charged its bound, so that a template may make up to 1 MiB whatever its text
/// counted; this many bound what they make in all (256 MiB).
pub(crate) const MOST_TEMPLATES: usize = 256;

/// The most an input of a template may hold, in bytes, and what each place a template
/// names one is counted at.
pub(crate) const INPUT_LIMIT: usize = 32 << 10;

impl ValueTemplate {
    /// Parses `text`.
    ///
    /// ```
    /// use secretary::manifest::ValueTemplate;
    ///
    /// let t = ValueTemplate::parse("postgresql://{user}:{password|url}@db/app").unwrap();
    /// assert_eq!(t.inputs().collect::<Vec<_>>(), ["user", "password"]);
    /// assert_eq!(t.render(|key| Some(if key == "user" { "app" } else { "p@ss:w/rd" })).unwrap(),
    ///            "postgresql://app:p%40ss%3Aw%2Frd@db/app");
    /// ```
    ///
    /// # Errors
    /// When a brace is unmatched, a name is not a key, a filter is unknown, or no secret
    /// is named.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::Unopened),
                '{' => {
                    let mut inside = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(TemplateError::Unclosed),
                            Some(c) => inside.push(c),
                        }
                    }
                    let (key, filter) = match inside.split_once('|') {
                        Some((key, filter)) => (key.trim(), Some(filter.trim())),
                        None => (inside.trim(), None),
                    };
                    if !is_key(key) {
                        return Err(TemplateError::BadKey(key.to_owned()));
                    }
                    let url = match filter {
                        None => false,
                        Some("url") => true,
                        Some(other) => return Err(TemplateError::BadFilter(other.to_owned())),
                    };
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Secret {
                        key: key.to_owned(),
                        url,
                    });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        if !parts.iter().any(|part| matches!(part, Part::Secret { .. })) {
            return Err(TemplateError::NoSecret);
        }
        let template = Self { parts };
        // Refused by its text, where it is written: at resolution, it was refused in
        // each environment as a value too long (a sixty-sixth adversarial pass).
        if template
            .charged_len()
            .is_none_or(|length| length > TEMPLATE_LIMIT)
        {
            return Err(TemplateError::TooLarge);
        }
        Ok(template)
    }

    /// How long its value may be, by its text alone: each input counted at
    /// [`INPUT_LIMIT`], three times that with `|url`; `None` past `usize`. Never by the
    /// inputs' lengths: a template by environment repeating an input up to a limit would
    /// tell its length, one bound an environment (a sixty-fifth adversarial pass).
    pub(crate) fn charged_len(&self) -> Option<usize> {
        self.parts.iter().try_fold(0usize, |total, part| {
            let more = match part {
                Part::Text(text) => text.len(),
                Part::Secret { url: false, .. } => INPUT_LIMIT,
                Part::Secret { url: true, .. } => INPUT_LIMIT.checked_mul(3)?,
            };
            total.checked_add(more)
        })
    }

    /// Its pieces, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The keys it names, each once, in order.
    pub fn inputs(&self) -> impl Iterator<Item = &str> {
        let mut seen = Vec::new();
        self.parts.iter().filter_map(move |part| match part {
            Part::Secret { key, .. } if !seen.contains(&key.as_str()) => {
                seen.push(key.as_str());
                Some(key.as_str())
            }
            _ => None,
        })
    }

    /// How long the value would be, in bytes, with each secret's from `value`: `None`
    /// when one has none, or past `usize` (computed before anything is built, so that a
    /// template repeating a large value thousands of times is refused, not made).
    pub fn rendered_len<'v>(&self, value: impl Fn(&str) -> Option<&'v str>) -> Option<usize> {
        self.parts.iter().try_fold(0usize, |total, part| {
            let more = match part {
                Part::Text(text) => text.len(),
                Part::Secret { key, url: false } => value(key)?.len(),
                // Percent-encoding makes at most three bytes of one.
                Part::Secret { key, url: true } => value(key)?.len().checked_mul(3)?,
            };
            total.checked_add(more)
        })
    }

    /// Its shape: the value with each secret's replaced by `1`. What the value it builds
    /// is checked on (its type and the placeholder rules), so that no verdict on it
    /// tells an input's value, whatever text a template by environment puts around it
    /// (a sixty-third adversarial pass read a password through a url's host, a
    /// template an environment).
    ///
    /// ```
    /// let template = secretary::manifest::ValueTemplate::parse(
    ///     "postgresql://{user}:{password|url}@db:{port}/app",
    /// )
    /// .unwrap();
    /// assert_eq!(template.shape(), "postgresql://1:1@db:1/app");
    /// ```
    pub fn shape(&self) -> String {
        self.render(|_| Some("1")).unwrap_or_default()
    }

    /// The value, with each secret's from `value`; `None` when one has none.
    pub fn render<'v>(&self, value: impl Fn(&str) -> Option<&'v str>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Secret { key, url: false } => out.push_str(value(key)?),
                Part::Secret { key, url: true } => out.push_str(&url_encoded(value(key)?)),
            }
        }
        Some(out)
    }
}

impl fmt::Display for ValueTemplate {
    /// As written (braces doubled where they are text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(text) => f.write_str(&text.replace('{', "{{").replace('}', "}}"))?,
                Part::Secret { key, url } => {
                    write!(f, "{{{key}{}}}", if *url { "|url" } else { "" })?;
                }
            }
        }
        Ok(())
    }
}

/// `value` as a template's `|url` writes it (what [`crate::redact`] also finds).
pub(crate) fn url_encoded(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, USERINFO).collect()
}

/// Everything but RFC 3986's unreserved characters is encoded: safe in a URL's user,
/// password, path or query.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn is_key(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn braces_filters_and_names_are_checked() {
        assert_eq!(
            ValueTemplate::parse("{a").unwrap_err(),
            TemplateError::Unclosed
        );
        assert_eq!(
            ValueTemplate::parse("a}").unwrap_err(),
            TemplateError::Unopened
        );
        assert_eq!(
            ValueTemplate::parse("{A}").unwrap_err(),
            TemplateError::BadKey("A".into())
        );
        assert_eq!(
            ValueTemplate::parse("{a|base64}").unwrap_err(),
            TemplateError::BadFilter("base64".into())
        );
        assert_eq!(
            ValueTemplate::parse("x{{y}}").unwrap_err(),
            TemplateError::NoSecret
        );
        let t = ValueTemplate::parse("{{{a}}}-{a|url}").unwrap();
        assert_eq!(t.inputs().collect::<Vec<_>>(), ["a"]);
        assert_eq!(t.render(|_| Some("x y")).unwrap(), "{x y}-x%20y");
        assert_eq!(t.to_string(), "{{{a}}}-{a|url}");
        assert_eq!(t.render(|_| None), None);
    }
}
