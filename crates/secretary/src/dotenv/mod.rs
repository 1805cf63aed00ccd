//! The `.env` grammar secretary reads: one grammar, documented here and on the site
//! (`docs/reference/dotenv.md`), and guarded by table tests and property tests.
//!
//! It follows python-dotenv and docker compose where they agree:
//!
//! - Blank lines and lines whose first non-blank character is `#` are ignored.
//! - `KEY=VALUE`, optionally prefixed by `export `; blanks around the key and `=` are
//!   allowed. A key starts with a letter or `_` and goes on with letters, digits, `_`
//!   or `.`. A line with no `=` is an error (it is not silently ignored).
//! - **Unquoted** values run to the end of the line; surrounding blanks are trimmed and a
//!   ` #` (a `#` after a blank) starts a comment. `KEY=a#b` keeps the `#`.
//! - **Single-quoted** values are literal: no escapes, no expansion; they may span lines.
//! - **Double-quoted** values may span lines and understand the escapes `\n`, `\r`,
//!   `\t`, `\"`, `\\`, `\'`, `\$` (a literal `$`), `` \` ``, `\a`, `\b`, `\f` and `\v`; any other
//!   backslash is kept as it is.
//! - After a closing quote only blanks and a `# comment` may follow.
//! - **Expansion** (unquoted and double-quoted values only): `${NAME}`, `${NAME:-default}`
//!   (default when unset or empty) and `${NAME-default}` (default when unset). `NAME` is
//!   looked up among the keys defined earlier (in this file and in earlier files of the
//!   same source), then in the process environment; unset without a default gives the
//!   empty string, as in both tools. A `$` not followed by `{` is kept literally (as
//!   python-dotenv does; docker compose would also expand `$NAME`), so a password
//!   holding `$` survives unquoted. Single-quote a value to turn expansion off.
//!   An expansion inserts the value as it is (it is not expanded again), so there is no
//!   nesting; but values can grow by doubling from line to line, so a value may be at
//!   most 1 MiB after expansion, and expansions may add at most 4 MiB to a file in all,
//!   charged by what the file's text bounds them by: a value from outside the file (at
//!   most 32 KiB) is charged 32 KiB whatever its length.
//! - A key defined twice: the later line wins.
//! - A UTF-8 byte order mark at the start is accepted. Lines end with `\n`, `\r\n` or
//!   a lone `\r`, as python-dotenv reads them (Python's universal newlines): every
//!   line end, inside a quoted value too, reads as `\n`.
//!
//! Errors name the line and what is wrong, never the text of the line: a broken line of
//! a `.env` file is likely to hold a secret.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;

use zeroize::Zeroizing;

/// One `KEY=VALUE` assignment read from a `.env` file.
#[non_exhaustive]
pub struct Entry {
    /// The variable name.
    pub key: String,
    /// The value after unquoting, unescaping and expansion.
    pub value: Zeroizing<String>,
    /// The 1-based line on which the assignment starts.
    pub line: usize,
    /// The first line of the block of comment lines right above the assignment (no blank
    /// line between), without its `#` and surrounding blanks; `None` when there is none.
    /// Only what the parser read as a comment: a `#` line inside a quoted value is part
    /// of that value, never a comment.
    pub comment: Option<String>,
    /// The names its value expanded (`${NAME}`), each once, in order: where else its
    /// value comes from.
    pub references: Vec<String>,
    /// Its value expanded past [`MAX_VALUE`] (or from one that did), or inserted a value
    /// from outside the file over [`OUTSIDE_CHARGE`], and is left empty: only
    /// [`parse_marking_oversize`] gives such entries; [`parse`] calls the line malformed.
    pub oversize: bool,
    /// Of an [`oversize`](Self::oversize) entry: it inserted a value from outside the
    /// file over [`OUTSIDE_CHARGE`].
    pub from_outside: bool,
    /// The most its value may hold, as the file's own text bounds it: its literal text,
    /// and what its expansions were charged (a value from outside the file 32 KiB,
    /// whatever it holds). What a template over it is charged, never its length (a
    /// sixty-eighth adversarial pass padded lines of its own to read a length off the
    /// template's limit).
    pub bound: usize,
    /// What its value is counted at toward a limit beside text of the manifest's
    /// choosing ([`crate::charge`]): its literal text and each value it inserted, each
    /// in whole steps, never those values' lengths. A value that inserted nothing: its
    /// length (counted in steps where it is inserted or served).
    pub charge: usize,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &"[redacted]")
            .field("line", &self.line)
            .field("comment", &self.comment)
            .field("references", &self.references)
            .field("oversize", &self.oversize)
            .field("from_outside", &self.from_outside)
            .field("bound", &self.bound)
            .field("charge", &self.charge)
            .finish()
    }
}

/// A value lent to expansion from outside the file (the environment, an earlier file).
#[derive(Debug, Clone, Copy)]
pub struct Lent<'o> {
    /// The value.
    pub value: &'o str,
    /// The most it may hold, as its own text bounds it, when it was built by an earlier
    /// file ([`Entry::bound`]): judged by that, never by its length, against the 32 KiB
    /// a value from outside may hold (a sixty-ninth adversarial pass padded a line of an
    /// earlier file over a password, and read its length off the first line refused in
    /// the next). `None` for a value of the environment, judged by its length.
    pub bound: Option<usize>,
    /// What it is counted at toward a limit beside text of the manifest's choosing, when
    /// an earlier file built it ([`Entry::charge`]); `None` for a value of the
    /// environment, counted by its length. Either in whole steps, where it is inserted.
    pub charge: Option<usize>,
}

impl<'o> Lent<'o> {
    /// A value of the environment, whose bound no text gives.
    pub fn value(value: &'o str) -> Self {
        Self {
            value,
            bound: None,
            charge: None,
        }
    }
}

/// What is wrong with a line. Carries no text from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line holds something that is not `KEY=VALUE`, a comment or blank.
    MissingEquals,
    /// The name before `=` is empty or has a character a variable name cannot have.
    InvalidKey,
    /// A quote opened on this line is never closed; the rest of the file was not read.
    UnterminatedQuote {
        /// `'` or `"`.
        quote: char,
    },
    /// Something other than a comment follows a closing quote.
    TrailingCharacters,
    /// A `${` is not closed by `}` on the same value.
    UnclosedExpansion,
    /// The name inside `${...}` is not a valid variable name.
    InvalidExpansion,
    /// Expanding `${...}` would make the value larger than [`MAX_VALUE`] bytes.
    ValueTooLarge,
    /// `${...}` would insert a value from outside the file (the process environment, an
    /// earlier file) larger than [`OUTSIDE_CHARGE`] bytes.
    OutsideTooLarge,
    /// Expansions would add more than [`MAX_EXPANDED`] bytes to the file in all.
    ExpansionTooLarge,
    /// [`MAX_ERRORS`] lines were malformed already: the rest of the file was not read.
    TooManyErrors,
    /// The file holds more than [`MAX_ENTRIES`] assignments: the rest was not read.
    TooManyEntries,
}

/// The most malformed lines reported for one file; past them, it is not read further.
pub const MAX_ERRORS: usize = 20;

/// The largest value, after expansion, in bytes.
pub const MAX_VALUE: usize = 1024 * 1024;

/// The most assignments one file may hold. Each costs hundreds of bytes once read (its
/// name, value, line, where it came from), and every listing of a file is read at every
/// resolution: a 16 MiB file of 1.6 million `K=1` lines took 800 MB and seconds a
/// listing (a forty-seventh adversarial pass, 64 listings of it). A real `.env` holds
/// hundreds.
pub const MAX_ENTRIES: usize = 100_000;

/// The most that `${...}` expansions may add to one file, in bytes, as charged: a value
/// defined in the file is charged its length as the file's own text bounds it, a value
/// from outside the file [`OUTSIDE_CHARGE`], whatever its length. Each file its own:
/// what one spends is a function of its own text alone.
pub const MAX_EXPANDED: usize = 4 * 1024 * 1024;

/// What `${NAME}` costs the [`MAX_EXPANDED`] budget when `NAME` is not defined in the
/// file (an earlier file's value, the process environment), whatever the length of its
/// value, set or not; and the largest such value a `${...}` may insert. Charged by its
/// real length, the budget told an attacker who wrote the file a variable's length: one
/// bit a run, at a threshold of their choosing, on an unrelated secret's verdict (a
/// forty-sixth adversarial pass).
pub const OUTSIDE_CHARGE: usize = 32 * 1024;

/// A malformed line: where, and what is wrong (never the line's text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.line;
        match self.kind {
            ParseErrorKind::MissingEquals => write!(f, "line {line}: expected `KEY=VALUE`"),
            ParseErrorKind::InvalidKey => write!(
                f,
                "line {line}: invalid variable name (letters, digits, `_` and `.`, not starting with a digit)"
            ),
            ParseErrorKind::UnterminatedQuote { quote } => write!(
                f,
                "line {line}: the `{quote}` quote opened on this line is never closed (the rest of the file was not read)"
            ),
            ParseErrorKind::TrailingCharacters => write!(
                f,
                "line {line}: unexpected characters after the closing quote (only a `# comment` may follow)"
            ),
            ParseErrorKind::UnclosedExpansion => {
                write!(f, "line {line}: `${{` without a closing `}}`")
            }
            ParseErrorKind::InvalidExpansion => write!(
                f,
                "line {line}: invalid name inside `${{...}}` (use `${{NAME}}`, `${{NAME:-default}}` or `${{NAME-default}}`)"
            ),
            ParseErrorKind::ValueTooLarge => write!(
                f,
                "line {line}: expanding `${{...}}` makes the value larger than 1 MiB"
            ),
            ParseErrorKind::OutsideTooLarge => write!(
                f,
                "line {line}: `${{...}}` inserts a value from outside the file (the environment, an earlier file) larger than 32 KiB, the most a .env line may take from outside"
            ),
            // Not where: the line where the budget ran out would tell how large the
            // values expanded before it were (a fortieth adversarial pass).
            ParseErrorKind::ExpansionTooLarge => write!(
                f,
                "the file's `${{...}}` expansions add up to more than 4 MiB, each of a variable from outside the file counting 32 KiB (the rest of it was not read)"
            ),
            ParseErrorKind::TooManyEntries => write!(
                f,
                "the file holds more than {MAX_ENTRIES} assignments (the rest of it was not read)"
            ),
            ParseErrorKind::TooManyErrors => write!(
                f,
                "line {line} and after: not read, after {MAX_ERRORS} malformed lines"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses `.env` text.
///
/// `outside` looks up names that `${...}` refers to and that are not defined earlier in
/// `text` (earlier files, then the process environment); it lends the value, which is
/// copied only once it is known to fit. Every line-local error is collected, up to
/// [`MAX_ERRORS`]; an unterminated quote ends parsing, since the rest of the file is
/// inside it; so does an expansion past [`MAX_EXPANDED`] (refused ones count too).
///
/// ```
/// let entries = secretary::dotenv::parse("A=1\nB=\"${A}-x\" # note\n", &|_| None).unwrap();
/// assert_eq!(entries[1].key, "B");
/// assert_eq!(entries[1].value.as_str(), "1-x");
/// assert_eq!(entries[1].line, 2);
/// ```
pub fn parse<'o>(
    text: &str,
    outside: &dyn Fn(&str) -> Option<Lent<'o>>,
) -> Result<Vec<Entry>, Vec<ParseError>> {
    parse_with(text, outside, false, &Cell::new(0), &|_| true, false)
}

/// [`parse`], but a value that expands past [`MAX_VALUE`] is not an error of the file:
/// its entry is marked [`Entry::oversize`], and so is every value built from it. What
/// the `dotenv` source reads, where only a secret that reads such a value fails: a line
/// no secret reads says nothing of how large the values it expanded were (a fortieth
/// adversarial pass learnt a variable's length from which of 20 lines, each doubling it
/// a set number of times, were reported too large).
///
/// `expanded` is added what the file's expansions are charged; the [`MAX_EXPANDED`]
/// budget counts from what it held. The `dotenv` source gives each file a budget of its
/// own: since a value from outside the file is charged [`OUTSIDE_CHARGE`] whatever it
/// holds, what a file spends is a function of its text alone (a forty-first adversarial
/// pass read a length from which of 36 files ran out, when values were charged their
/// length; a forty-seventh, from one budget shared with a private file).
pub fn parse_marking_oversize<'o>(
    text: &str,
    outside: &dyn Fn(&str) -> Option<Lent<'o>>,
    expanded: &Cell<usize>,
) -> Result<Vec<Entry>, Vec<ParseError>> {
    parse_with(text, outside, true, expanded, &|_| true, false)
}

/// [`parse_marking_oversize`], the values of only the entries `needed` says (by their
/// index among the entries) expanded: every other is left empty, and neither asks
/// `outside` nor copies what it would have inserted, whose length then costs nothing.
/// Its references, bounds and charges are the same, so the entries, their order and
/// the budget are those of a whole parse. With `needed` false for all, the file's
/// structure: its keys and the names each refers to, no value read from outside it.
///
/// The time and memory of reading a file then depend on the values a secret reads,
/// not on the length of every value its lines insert (a forty-eighth adversarial pass
/// read a token's length from 8,000 copies of it no secret read: 29 MB + 8 KB a byte).
pub fn parse_needed<'o>(
    text: &str,
    outside: &dyn Fn(&str) -> Option<Lent<'o>>,
    expanded: &Cell<usize>,
    needed: &dyn Fn(usize) -> bool,
) -> Result<Vec<Entry>, Vec<ParseError>> {
    parse_with(text, outside, true, expanded, needed, false)
}

/// The shapes of the entries `needed` says (by their index among the entries): each
/// value as [`parse_needed`] would give it, but with every `${...}` (a default
/// included) replaced by `1`, whatever it would insert. What a value built by
/// expansion is checked on: its type and the placeholder rules see the file's own
/// text, never a value it inserted, so no verdict on it tells one (a sixty-third
/// adversarial pass read a password through a url's host, chosen in each environment's
/// own `.env`). The entries, their order and their references are those of a parse.
///
/// ```
/// let shapes = secretary::dotenv::parse_shapes("A=1\nB=\"http://${A}:${PORT-80}/\"\n", &|_| true).unwrap();
/// assert_eq!(shapes[1].value.as_str(), "http://1:1/");
/// ```
pub fn parse_shapes(
    text: &str,
    needed: &dyn Fn(usize) -> bool,
) -> Result<Vec<Entry>, Vec<ParseError>> {
    parse_with(text, &|_| None, true, &Cell::new(0), needed, true)
}

fn parse_with<'o>(
    text: &str,
    outside: &dyn Fn(&str) -> Option<Lent<'o>>,
    mark_oversize: bool,
    expanded: &Cell<usize>,
    needed: &dyn Fn(usize) -> bool,
    shaped: bool,
) -> Result<Vec<Entry>, Vec<ParseError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Every line end reads as `\n`, as Python's universal newlines give python-dotenv.
    let normalized = text.contains('\r').then(|| universal_newlines(text));
    let mut parser = Parser {
        text: normalized.as_deref().map_or(text, String::as_str),
        pos: 0,
        line: 1,
        entries: Vec::new(),
        defined: HashMap::new(),
        errors: Vec::new(),
        outside,
        expanded,
        comment: None,
        references: std::cell::RefCell::new(Vec::new()),
        referenced: std::cell::RefCell::new(std::collections::HashSet::new()),
        mark_oversize,
        needed,
        materialize: Cell::new(true),
        oversize: Cell::new(false),
        from_outside: Cell::new(false),
        bounds: Vec::new(),
        inserted: Cell::new(0),
        charged: Cell::new(0),
        charges: Vec::new(),
        counted: Cell::new(0),
        bounded_over: Cell::new(false),
        shaped,
    };
    parser.run();
    if parser.errors.is_empty() {
        Ok(parser.entries)
    } else {
        Err(parser.errors)
    }
}

/// `text` with `\r\n` and lone `\r` as `\n`, in one pass, into zeroized memory.
fn universal_newlines(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

struct Parser<'a, 'o> {
    text: &'a str,
    pos: usize,
    line: usize,
    entries: Vec<Entry>,
    /// Index into `entries` of the latest definition of each key.
    defined: HashMap<String, usize>,
    errors: Vec<ParseError>,
    outside: &'a dyn Fn(&str) -> Option<Lent<'o>>,
    /// Bytes that expansions have added, or tried to add, so far.
    expanded: &'a Cell<usize>,
    /// The first line of the comment block just read, for the assignment right below it.
    comment: Option<String>,
    /// The names the value being read expanded so far.
    references: std::cell::RefCell<Vec<String>>,
    /// The same names, to tell a name seen before at once (a forty-second adversarial
    /// pass: a line of 80,000 names took 27 s, each looked for in the list).
    referenced: std::cell::RefCell<std::collections::HashSet<String>>,
    /// Whether a value too large is marked rather than an error ([`parse_marking_oversize`]).
    mark_oversize: bool,
    /// Which entries (by index) have their values expanded ([`parse_needed`]).
    needed: &'a dyn Fn(usize) -> bool,
    /// Whether the value being read is expanded.
    materialize: Cell<bool>,
    /// The value being read is too large, or built from one that is.
    oversize: Cell<bool>,
    /// It inserted a value from outside the file over [`OUTSIDE_CHARGE`].
    from_outside: Cell<bool>,
    /// Each entry's length as the file's own text bounds it (its literal text, and what
    /// its expansions were charged): what an expansion of it is charged.
    bounds: Vec<usize>,
    /// What the expansions of the value being read inserted, and were charged.
    inserted: Cell<usize>,
    charged: Cell<usize>,
    /// Each entry's [`Entry::charge`], and what the expansions of the value being read
    /// are counted at (each inserted value's charge in whole steps).
    charges: Vec<usize>,
    counted: Cell<usize>,
    /// The value being read is bounded past [`MAX_VALUE`]: too large whatever it
    /// holds, and an expansion of it is charged nothing (it inserts nothing).
    bounded_over: Cell<bool>,
    /// Every expansion inserts `1`, and nothing is looked up or charged
    /// ([`parse_shapes`]).
    shaped: bool,
}

/// How far an error stops parsing: past the budget of expansion, nothing more is read.
fn stop(kind: ParseErrorKind) -> Stop {
    match kind {
        ParseErrorKind::ExpansionTooLarge => Stop::File(kind),
        kind => Stop::Line(kind),
    }
}

/// Why a value could not be read.
enum Stop {
    /// The rest of this line is skipped; parsing goes on on the next line.
    Line(ParseErrorKind),
    /// Parsing cannot go on (an unterminated quote swallowed the rest).
    File(ParseErrorKind),
}

impl Parser<'_, '_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Moves past the end of the current line (and its newline).
    fn skip_line(&mut self) {
        match self.rest().find('\n') {
            Some(offset) => {
                self.pos += offset + 1;
                self.line += 1;
            }
            None => self.pos = self.text.len(),
        }
    }

    /// At a line end (or end of text): consumes it. Returns false if something else is here.
    fn end_of_line(&mut self) -> bool {
        match self.peek() {
            None => true,
            Some(b'\n') => {
                self.pos += 1;
                self.line += 1;
                true
            }
            _ => false,
        }
    }

    fn run(&mut self) {
        while self.pos < self.text.len() {
            self.skip_blanks();
            if self.end_of_line() {
                self.comment = None;
                continue;
            }
            if self.peek() == Some(b'#') {
                let start = self.pos;
                self.skip_line();
                if self.comment.is_none() {
                    let text = self.text[start..self.pos].trim_start_matches('#').trim();
                    self.comment = Some(text.to_owned());
                }
                continue;
            }
            let line = self.line;
            if self.entries.len() >= MAX_ENTRIES {
                self.errors.push(ParseError {
                    line,
                    kind: ParseErrorKind::TooManyEntries,
                });
                return;
            }
            let comment = self.comment.take();
            self.references.borrow_mut().clear();
            self.referenced.borrow_mut().clear();
            self.oversize.set(false);
            self.from_outside.set(false);
            self.inserted.set(0);
            self.charged.set(0);
            self.counted.set(0);
            self.bounded_over.set(false);
            self.materialize.set((self.needed)(self.entries.len()));
            match self.assignment() {
                Ok((key, mut value)) => {
                    self.defined.insert(key.clone(), self.entries.len());
                    // Its literal text, and what its expansions were charged (each at
                    // least what it inserted); none when that is past MAX_VALUE.
                    let bound = if self.bounded_over.get() {
                        0
                    } else {
                        value
                            .len()
                            .saturating_sub(self.inserted.get())
                            .saturating_add(self.charged.get())
                    };
                    self.bounds.push(bound);
                    // The line's own text in steps too: it may hold a password beside
                    // an expansion (`postgresql://app:<PW>@${DB_HOST}/app`).
                    let literal = value.len().saturating_sub(self.inserted.get());
                    let charge = if self.counted.get() == 0 {
                        literal
                    } else {
                        crate::charge::stepped(literal).saturating_add(self.counted.get())
                    };
                    self.charges.push(charge);
                    let references = self.references.take();
                    let oversize = self.oversize.get();
                    if oversize || !self.materialize.get() {
                        value = Zeroizing::new(String::new());
                    }
                    self.entries.push(Entry {
                        key,
                        value,
                        line,
                        comment,
                        references,
                        oversize,
                        from_outside: oversize && self.from_outside.get(),
                        bound,
                        charge,
                    });
                }
                Err(Stop::Line(kind)) => {
                    self.errors.push(ParseError { line, kind });
                    if self.errors.len() >= MAX_ERRORS {
                        self.skip_line();
                        if self.pos < self.text.len() {
                            self.errors.push(ParseError {
                                line: self.line,
                                kind: ParseErrorKind::TooManyErrors,
                            });
                        }
                        return;
                    }
                    self.skip_line();
                }
                Err(Stop::File(kind)) => {
                    self.errors.push(ParseError { line, kind });
                    return;
                }
            }
        }
    }

    fn assignment(&mut self) -> Result<(String, Zeroizing<String>), Stop> {
        if let Some(after) = self.rest().strip_prefix("export") {
            if after.starts_with([' ', '\t']) {
                self.pos += "export".len();
                self.skip_blanks();
            }
        }
        let key_len = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
            .count();
        let key = &self.rest()[..key_len];
        let next = self.rest().as_bytes().get(key_len).copied();
        let key_ok = key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
        if !key_ok || !matches!(next, None | Some(b' ' | b'\t' | b'=' | b'\r' | b'\n')) {
            return Err(Stop::Line(if key_len == 0 && next != Some(b'=') {
                ParseErrorKind::MissingEquals
            } else {
                ParseErrorKind::InvalidKey
            }));
        }
        let key = key.to_owned();
        self.pos += key_len;
        self.skip_blanks();
        if self.peek() != Some(b'=') {
            return Err(Stop::Line(ParseErrorKind::MissingEquals));
        }
        self.pos += 1;
        self.skip_blanks();
        let value = match self.peek() {
            Some(b'\'') => self.single_quoted()?,
            Some(b'"') => self.double_quoted()?,
            _ => return self.unquoted().map(|value| (key, value)),
        };
        self.skip_blanks();
        if self.peek() == Some(b'#') {
            self.skip_line();
        } else if !self.end_of_line() {
            return Err(Stop::Line(ParseErrorKind::TrailingCharacters));
        }
        Ok((key, value))
    }

    fn unquoted(&mut self) -> Result<Zeroizing<String>, Stop> {
        let line_len = self.rest().find('\n').unwrap_or(self.rest().len());
        let raw = &self.rest()[..line_len];
        // A `#` preceded by a blank starts a comment.
        let end = raw
            .char_indices()
            .find(|&(i, c)| c == '#' && i > 0 && matches!(raw.as_bytes()[i - 1], b' ' | b'\t'))
            .map_or(raw.len(), |(i, _)| i);
        let raw = raw[..end].trim_end_matches([' ', '\t', '\r']);
        let value = self.expand(raw).map_err(stop)?;
        self.pos += line_len;
        self.end_of_line();
        Ok(value)
    }

    fn single_quoted(&mut self) -> Result<Zeroizing<String>, Stop> {
        let body = &self.rest()[1..];
        let Some(close) = body.find('\'') else {
            return Err(Stop::File(ParseErrorKind::UnterminatedQuote {
                quote: '\'',
            }));
        };
        let value = Zeroizing::new(body[..close].to_owned());
        self.line += body[..close].matches('\n').count();
        self.pos += close + 2;
        Ok(value)
    }

    fn double_quoted(&mut self) -> Result<Zeroizing<String>, Stop> {
        let body = &self.rest()[1..];
        let mut close = None;
        let mut escaped = false;
        for (i, b) in body.bytes().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            return Err(Stop::File(ParseErrorKind::UnterminatedQuote { quote: '"' }));
        };
        let raw = &body[..close];
        let newlines = raw.matches('\n').count();
        let value = self.unescape_and_expand(raw);
        self.line += newlines;
        self.pos += close + 2;
        value.map_err(|kind| {
            // The quoted value is consumed whole, so the next line parses normally.
            self.skip_to_line_end();
            stop(kind)
        })
    }

    /// Moves to the end of the current line without consuming the newline, so that the
    /// caller's `skip_line` lands on the next line.
    fn skip_to_line_end(&mut self) {
        let offset = self.rest().find('\n').unwrap_or(self.rest().len());
        self.pos += offset;
    }
}

mod expand;

#[cfg(test)]
mod tests;
