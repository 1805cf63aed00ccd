//! What is wrong with a manifest: every finding with its line and column, and the
//! translation of TOML's own errors into messages that never quote the input.

use std::fmt;
use std::path::PathBuf;

/// A manifest that cannot be used, with every finding.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub struct ManifestError {
    /// The manifest's path.
    pub path: PathBuf,
    /// Every finding, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One finding in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.diagnostics.len();
        write!(
            f,
            "{} is not a valid manifest ({count} error{})",
            self.path.display(),
            if count == 1 { "" } else { "s" }
        )?;
        for diagnostic in &self.diagnostics {
            write!(
                f,
                "\n  {}:{}:{}: {}",
                self.path.display(),
                diagnostic.line,
                diagnostic.column,
                diagnostic.message
            )?;
            if let Some(help) = &diagnostic.help {
                write!(f, "\n    help: {help}")?;
            }
        }
        Ok(())
    }
}

/// serde's messages quote the offending input (`invalid type: string "hunter2"`); keep
/// only its kind, since a misplaced value in a manifest may be a secret, and name the
/// expected kind in words (`usize` means nothing to someone writing TOML).
pub(crate) fn sanitize_toml_message(message: &str) -> String {
    // A nested value's error goes on to name its key on a line of its own (`in \`b\``):
    // the first line is the error.
    let message = message.trim().lines().next().unwrap_or_default();
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // The last `, expected `: the value quoted before it may hold the words too
            // (`"hunter2, expected SECRET"` printed its tail).
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                let kind = found.split([' ', '`', '"']).next().unwrap_or("value");
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let expected = match expected {
                    "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number of 0 or more",
                    "i64" | "i32" => "a whole number",
                    "a boolean" => "a boolean (true or false)",
                    other => other,
                };
                return format!("{prefix}expected {expected}, found {article} {kind}");
            }
        }
    }
    // Whatever it quotes (an unknown key or variant as written) shown as text.
    crate::printable::text(message).into_owned()
}

/// Byte offsets to 1-based line and column.
pub(super) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}
