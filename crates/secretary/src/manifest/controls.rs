//! No text of the manifest holds a control character or a line separator, wherever it
//! is written: a key, a description, an enum's values, a pattern, a path. The manifest
//! is edited by others, and its text reaches terminals (`check`'s report, errors) and
//! files secretary writes (`example`'s template): an escape there moves the cursor or
//! hides what follows, and a carriage return or U+2028 starts a line a `.env` reader
//! takes as an assignment (a twenty-seventh adversarial pass forged an `ok:` line on
//! the terminal, and wrote `PYTHONSTARTUP=` into a template through a description).
//! Refused once, as the manifest is read, rather than escaped at every output.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, LineIndex};

/// Whether `c` may not appear in the manifest's text: what a terminal does not show as
/// itself ([`crate::printable`]): a control character (newlines and tabs included), the
/// next-line character and the Unicode line and paragraph separators, which some readers
/// end a line at, spaces other than the ASCII space, and the invisible characters
/// (bidirectional overrides, zero-width ones: a twenty-eighth adversarial pass showed a
/// description reversing what followed it in `check`'s report and `example`'s template).
pub(crate) fn refused(c: char) -> bool {
    crate::printable::hidden(c)
}

/// The longest text a setting of the manifest holds, in bytes: paths (`PATH_MAX`),
/// descriptions, values' rules.
const SETTING_TEXT: usize = 4096;

/// A diagnostic for each key or string of the manifest's parsed `document` that holds a
/// [`refused`] character, at its line and column: the first
/// [`MOST_DIAGNOSTICS`](super::check::MOST_DIAGNOSTICS), and how many more. Where each is
/// is named by its path, shortened ([`shown_name`](super::check::shown_name)), and
/// worded only for those told (a thirty-third adversarial pass: the path of every key
/// spelled out, 200,000 keys below a 4 MB name, took minutes; 2,000 findings under a
/// 100 KB name wrote 200 MB).
pub(super) fn find(document: &DeTable<'_>, lines: &LineIndex<'_>) -> Vec<Diagnostic> {
    let mut walk = Walk {
        lines,
        found: Vec::new(),
        more: 0,
        path: Vec::new(),
    };
    walk.table(document);
    let mut found = walk.found;
    if let Some(last) = found.last() {
        if walk.more > 0 {
            let more = super::check::more_problems(walk.more, last);
            found.push(more);
        }
    }
    found
}

/// A walk through the document: where it is, and what it found.
struct Walk<'t, 'l> {
    lines: &'l LineIndex<'l>,
    found: Vec<Diagnostic>,
    more: usize,
    path: Vec<&'t str>,
}

impl<'t> Walk<'t, '_> {
    fn table(&mut self, table: &'t DeTable<'_>) {
        for (key, value) in table {
            if key.get_ref().chars().any(refused) {
                self.refused(key.span().start, "a key");
                continue;
            }
            self.path.push(key.get_ref());
            self.item(value);
            self.path.pop();
        }
    }

    fn item(&mut self, value: &'t Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::String(text) if text.len() > self.longest() => {
                let at = value.span().start;
                let (length, most) = (text.len(), self.longest());
                let named = self.named();
                self.report(
                    at,
                    format!(
                        "{named} is {length} bytes long: a setting of the manifest holds at most {most}"
                    ),
                    "shorten it",
                );
            }
            DeValue::String(text) if text.chars().any(refused) => {
                let named = self.named();
                self.refused(value.span().start, &named);
            }
            DeValue::Array(items) => {
                for each in items {
                    self.item(each);
                }
            }
            DeValue::Table(inner) => self.table(inner),
            _ => {}
        }
    }

    /// The longest text the setting here may hold: a path, a description, a value's
    /// rule (a pattern may be longer: it has a bound of its own). Each is copied into
    /// what is read for every secret of a source (a thirty-fourth adversarial pass: an
    /// 800 KB `dir` made `check` take 9.4 GB with 2,000 secrets).
    fn longest(&self) -> usize {
        if self.path.last() == Some(&"pattern") {
            super::rules::PATTERN_SIZE_LIMIT
        } else {
            SETTING_TEXT
        }
    }

    /// Where the walk is, shortened, as a problem names it.
    fn named(&self) -> String {
        if self.found.len() >= super::check::MOST_DIAGNOSTICS {
            return String::new();
        }
        let parts: Vec<String> = self
            .path
            .iter()
            .map(|part| super::check::shown_name(part))
            .collect();
        format!("`{}`", parts.join("."))
    }

    /// `what` (named by [`Walk::named`]) holds a [`refused`] character.
    fn refused(&mut self, at: usize, what: &str) {
        self.report(
            at,
            format!(
                "{what} holds a control character, a tab, a newline, a line separator or an invisible character, which no setting of the manifest takes"
            ),
            "write it on one line of printable text (a description too): the manifest's text is shown on terminals and written into templates",
        );
    }

    /// A problem at `at`, or one more counted past [`MOST_DIAGNOSTICS`](super::check::MOST_DIAGNOSTICS).
    fn report(&mut self, at: usize, message: String, help: &str) {
        if self.found.len() >= super::check::MOST_DIAGNOSTICS {
            self.more = self.more.saturating_add(1);
            return;
        }
        let (line, column) = self.lines.position(at);
        self.found.push(Diagnostic {
            line,
            column,
            message,
            help: Some(help.to_owned()),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::Manifest;
    use std::path::Path;

    #[test]
    fn no_text_of_the_manifest_may_hold_a_control_character_or_a_line_separator() {
        // A twenty-seventh adversarial pass: a description with escapes forged an `ok:`
        // line on the terminal, and one with a carriage return wrote an assignment into
        // `example`'s template; enum values and patterns did the same.
        for (written, at) in [
            (
                r#"description = "x\u001b[1A\rok: 1 secrets valid""#,
                "secrets.a.description",
            ),
            (
                r#"description = "Database password\rPYTHONSTARTUP=/tmp/x.py""#,
                "secrets.a.description",
            ),
            (
                "description = \"\"\"two\nlines\"\"\"",
                "secrets.a.description",
            ),
            (r#"description = "a\u2028b""#, "secrets.a.description"),
            (
                "type = \"enum\"\nvalues = [\"y\\nBASH_ENV=/tmp/evil.sh\"]",
                "secrets.a.values",
            ),
            (r#"pattern = "a\tb""#, "secrets.a.pattern"),
            // A twenty-eighth: a bidirectional override and zero-width characters, shown
            // as nothing or reversing what follows.
            (
                r#"description = "pay\u202Egnp.exe""#,
                "secrets.a.description",
            ),
            (
                r#"description = "a\u200Bb\u2066c""#,
                "secrets.a.description",
            ),
            (
                r#"description = "non\u00A0breaking""#,
                "secrets.a.description",
            ),
        ] {
            let text = format!("version = 1\n[secrets.a]\n{written}\n");
            let error = Manifest::parse(&text, Path::new("secrets.toml")).unwrap_err();
            let message = &error.diagnostics[0].message;
            assert!(
                message.starts_with(&format!("`{at}` holds a control character")),
                "{written}: {message}"
            );
            // On the setting's own line.
            let setting = at.rsplit('.').next().unwrap();
            let line = text
                .lines()
                .position(|line| line.starts_with(setting))
                .unwrap();
            assert_eq!(error.diagnostics[0].line, line + 1, "{written}");
        }
        let key = "version = 1\n[secrets.\"a\\u001bb\"]\n";
        let error = Manifest::parse(key, Path::new("secrets.toml")).unwrap_err();
        assert!(
            error.diagnostics[0]
                .message
                .starts_with("a key holds a control character"),
            "{error:?}"
        );
        // Said before what serde says of an unknown key or variant, which quotes it as
        // written (a twenty-eighth adversarial pass forged an `ok:` line through one).
        for text in [
            "version = 1\n[secrets.a]\n\"\\r\\u001b[2Kok: 3 secrets valid\" = 1\n",
            "version = 1\n[sources.s]\ntype = \"x\\u001b[2J\"\n",
        ] {
            let error = Manifest::parse(text, Path::new("secrets.toml")).unwrap_err();
            for diagnostic in &error.diagnostics {
                let shown = &diagnostic.message;
                assert!(!shown.contains(['\u{1b}', '\r']), "{shown:?}");
            }
            assert!(
                error.diagnostics[0]
                    .message
                    .contains("holds a control character"),
                "{error:?}"
            );
        }
        // Printable text of any script passes.
        let fine = "version = 1\n[secrets.a]\ndescription = \"Mot de passe — base « app » ✓\"\n";
        assert!(Manifest::parse(fine, Path::new("secrets.toml")).is_ok());
    }
}
