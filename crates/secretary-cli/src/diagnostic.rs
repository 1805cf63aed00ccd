//! Every message on stderr that is not a report: an error, a warning or a note, with the
//! lines under it that say what it concerns and what to do (`  help: ...`). [`Diagnostic`]
//! is the one place such a message is laid out; `say!("{diagnostic}")` is how it is said.

use std::fmt;

/// A message for people on stderr: `error: ...`, then its details, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    level: Level,
    message: String,
    details: Vec<(Label, String)>,
}

/// How much a [`Diagnostic`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something failed, or was refused.
    Error,
    /// Something the user should know and may want to fix; the command goes on.
    Warning,
    /// Something the user should know; nothing is wrong.
    Note,
}

/// What a line under a [`Diagnostic`] tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// What the user can do about it.
    Help,
    /// The command that puts it right.
    Fix,
    /// Where a value was looked for.
    LookedIn,
    /// A write that landed before the failure.
    Wrote,
    /// A write that landed, and was recorded, before the failure.
    AlreadyWritten,
    /// A write the failure left undone.
    NotWritten,
    /// A write whose answer did not come: it may have landed.
    MayHaveWritten,
}

impl Diagnostic {
    /// An error: `error: {message}`.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Level::Error, message.into())
    }

    /// A warning: `warning: {message}`.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Level::Warning, message.into())
    }

    /// A note: `note: {message}`.
    pub fn note(message: impl Into<String>) -> Self {
        Self::new(Level::Note, message.into())
    }

    fn new(level: Level, message: String) -> Self {
        Self {
            level,
            message,
            details: Vec::new(),
        }
    }

    /// This, with a line `  {label}: {text}` under it (after those it has).
    #[must_use]
    pub fn with(mut self, label: Label, text: impl Into<String>) -> Self {
        self.details.push((label, text.into()));
        self
    }

    /// This, with what the user can do about it: `  help: {text}`.
    #[must_use]
    pub fn help(self, text: impl Into<String>) -> Self {
        self.with(Label::Help, text)
    }

    /// Says this on stderr.
    pub fn say(&self) {
        say!("{self}");
    }

    /// Says this on stderr even while a stopping signal is being acted on, which
    /// silences [`say`](Self::say): for what is given once and would be lost (the leases
    /// a stop could not revoke).
    pub fn say_past_silence(&self) {
        use std::io::Write as _;
        // One write, as `say!`: written piece by piece, a stop's warning was cut after
        // its first word when the process ended meanwhile.
        let _ = std::io::stderr().write_all(format!("{self}\n").as_bytes());
    }
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

impl Label {
    fn as_str(self) -> &'static str {
        match self {
            Self::Help => "help",
            Self::Fix => "fix",
            Self::LookedIn => "looked in",
            Self::Wrote => "wrote",
            Self::AlreadyWritten => "already written (and recorded)",
            Self::NotWritten => "not written",
            Self::MayHaveWritten => "may have been written (no answer came)",
        }
    }
}

/// `{level}: {message}`, then `  {label}: {text}` for each detail; no final newline.
/// Each line of them as [`secretary::printable`] shows text: a message quotes what came
/// from elsewhere (a file's name from a repository, a variable's name from a `.env`), and
/// an escape or a carriage return in it would move the cursor or forge a line (a
/// twenty-eighth adversarial pass saw `lint`'s and serde's quote one raw).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.level.as_str(),
            secretary::printable::lines(&self.message)
        )?;
        for (label, text) in &self.details {
            write!(
                f,
                "\n  {}: {}",
                label.as_str(),
                secretary::printable::lines(text)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Diagnostic, Label};

    #[test]
    fn a_diagnostic_is_its_message_then_its_details_in_order() {
        let diagnostic = Diagnostic::error("the audit log could not record a write")
            .with(Label::Wrote, "vault kv secret/app#key (version 3)")
            .with(Label::NotWritten, "other")
            .help("do not run it again");
        assert_eq!(
            diagnostic.to_string(),
            "error: the audit log could not record a write\n  wrote: vault kv secret/app#key (version 3)\n  not written: other\n  help: do not run it again"
        );
        assert_eq!(Diagnostic::warning("w").to_string(), "warning: w");
        assert_eq!(Diagnostic::note("n").to_string(), "note: n");
    }

    #[test]
    fn what_a_diagnostic_quotes_cannot_move_the_cursor_or_forge_a_line() {
        let diagnostic = Diagnostic::error("cannot read d\u{1b}[31m\rok: fine\u{202e}.env")
            .help("first line\nsecond \u{7}line");
        assert_eq!(
            diagnostic.to_string(),
            "error: cannot read d\\u{1b}[31m\\rok: fine\\u{202e}.env\n  help: first line\nsecond \\u{7}line"
        );
    }
}
