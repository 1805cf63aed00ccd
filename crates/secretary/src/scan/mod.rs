//! Finding where the current values of secrets appear in files: a repository, a log
//! directory, a build's output.
//!
//! [`Needles`] holds the values to look for, each in every spelling ([`Form`])
//! (exact, JSON-escaped, URL-encoded, inside base64 and URL-safe base64 at each of the
//! three alignments, hex in either case), as one Aho-Corasick automaton over the first 32
//! bytes of each spelling, each hit then checked against the whole spelling: each file is
//! read once, in one pass, whatever the number of values. [`Needles::scan`] walks paths
//! as git would see them and reports file, line and key, and the form, never the value
//! or the text that matched.
//!
//! ```
//! use secretary::scan::{Form, Needles};
//!
//! let needles = Needles::new([("api_key", "sk-12345678")], 8);
//! let found = needles.search(b"one\ntoken=c2stMTIzNDU2Nzg=\n");
//! assert_eq!(found.len(), 1);
//! assert_eq!((found[0].line, found[0].key.as_str(), found[0].form), (2, "api_key", Form::Base64));
//! ```
//!
//! What is searched, and what is not:
//!
//! - Values shorter than a minimum ([`MIN_LENGTH`], 8 bytes, by default) are not searched:
//!   a short value (`app`, `admin`) and its spellings occur by chance in ordinary text,
//!   and would be "found" in every file. They are listed in [`Needles::not_searched`].
//! - A value is found when one of its spellings appears whole; one that a file breaks
//!   across lines (a wrapped base64 block, a continued line) is not.
//! - A value as guessable as a word (under [`DISTINCTIVE_BITS`]: its length times the
//!   Shannon entropy of its bytes) counts, as itself (exact, JSON, URL), only as a word
//!   of its own, where no letter, digit, `_`, `-` or non-ASCII character touches it:
//!   `faceless` is found in `user: faceless`, not in `faceless-youtube`. Its base64 and
//!   hex count anywhere. [`Needles::whole_word_keys`] names those secrets.
//! - Files: `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes are
//!   honoured (also outside a git repository, as `ignore` files are); hidden files are
//!   searched (`.env`, `.github/`, `.npmrc` are where values leak); `.git` itself is
//!   never searched. Symbolic links are not followed unless asked; a link back to a
//!   directory being searched (a loop) is then named in [`Outcome::loops`], not an
//!   error. A file is binary, and not searched, when its first 8 KiB hold a NUL byte
//!   (git's rule). Files are read in pieces, so their size is not limited.
//!
//! The automaton holds the spellings, as the redactor's does: they are in this process's
//! memory while it searches. The spellings built on the way are zeroed.

mod walk;
mod word;

use std::collections::BTreeSet;
use std::io::{self, Read};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use zeroize::Zeroizing;

use crate::resolve::{Report, State};

pub use crate::spelling::Form;
pub use walk::{FileFindings, LinkLoop, Options, Outcome, ScanError};
pub use word::DISTINCTIVE_BITS;

/// Values shorter than this many bytes are not searched by default: their spellings are
/// too short to be told from chance (8 bytes make 10 base64 characters).
pub const MIN_LENGTH: usize = 8;

/// A file is binary when a NUL byte is in this many first bytes.
pub const BINARY_PREFIX: usize = 8 * 1024;

/// Spellings of at most this many bytes in all are searched with a DFA (100 values of 32
/// bytes spell about 27 KiB in about 690 spellings; their DFA takes 15 MB).
const DFA_BYTES: usize = 64 * 1024;

/// How much of a file is searched at once (more when a spelling is longer).
const CHUNK: usize = 256 * 1024;

/// One place a value was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Found {
    /// The 1-based line on which the spelling starts.
    pub line: usize,
    /// The secret whose value it is.
    pub key: String,
    /// How the value was written there.
    pub form: Form,
}

/// A secret whose value is not searched for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotSearched {
    /// The secret's key.
    pub key: String,
    /// Why.
    pub reason: Reason,
}

/// Why a secret's value is not searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Declared `sensitive = false`.
    NotSensitive,
    /// Optional and not set: there is no value.
    Unset,
    /// Its value could not be read or is missing (see the report's problems).
    Unknown(State),
    /// Its value is shorter than the minimum length.
    TooShort,
    /// Its value is built from others (a template, `.env` expansion), which are searched
    /// for themselves: judged whole, its length or its letters would be a verdict on them
    /// (a seventieth adversarial pass read a password's letters off which templates
    /// `{pw}cccccccccc` were matched only as whole words).
    Built,
}

impl Reason {
    /// `not_sensitive`, `unset`, `unknown`, `too_short` or `built`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSensitive => "not_sensitive",
            Self::Unset => "unset",
            Self::Unknown(_) => "unknown",
            Self::TooShort => "too_short",
            Self::Built => "built",
        }
    }
}

/// The values to look for, in every spelling, and the secrets left out.
///
/// The automaton holds only the first 32 bytes of each spelling; a hit is a match
/// when the whole spelling follows. Its size therefore grows with the number of secrets,
/// not with the length of their values (one 1 MiB value spells about 10 MiB), and
/// 100,000 secrets take a fraction of the memory their whole spellings would.
pub struct Needles {
    /// `None` when there is nothing to look for.
    automaton: Option<AhoCorasick>,
    /// For pattern (prefix) `i`, the spellings (indices into `spellings`) it begins.
    starts: Vec<Vec<usize>>,
    /// Each distinct spelling, whole, with what it spells.
    spellings: Vec<Spelling>,
    /// The keys of the secrets searched for.
    keys: Vec<String>,
    /// For each key, whether its value is found (exact, JSON, URL) only as a whole word.
    whole_word: Vec<bool>,
    /// The longest spelling, in bytes.
    longest: usize,
    not_searched: Vec<NotSearched>,
}

/// A spelling, whole, with the secrets (indices into [`Needles::keys`]) and forms it
/// spells.
type Spelling = (Zeroizing<Vec<u8>>, Vec<(usize, Form)>);

/// How many first bytes of each spelling the automaton holds (spellings at least
/// [`MIN_LENGTH`] long; long enough that a prefix shared by chance is rare, and checking
/// the rest of a spelling after a hit costs little).
const PREFIX: usize = 32;

impl std::fmt::Debug for Needles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Needles")
            .field("keys", &self.keys)
            .field("spellings", &self.spellings.len())
            .finish_non_exhaustive()
    }
}

impl Needles {
    /// Needles for `(key, value)` pairs; values shorter than `min_length` bytes are left
    /// out (and listed in [`Needles::not_searched`]).
    pub fn new<'a, V: AsRef<[u8]> + ?Sized + 'a>(
        secrets: impl IntoIterator<Item = (&'a str, &'a V)>,
        min_length: usize,
    ) -> Self {
        let mut keys = Vec::new();
        let mut whole_word = Vec::new();
        let mut not_searched = Vec::new();
        // Every spelling with the secret and form it stands for.
        let mut spelled: Vec<(Zeroizing<Vec<u8>>, usize, Form)> = Vec::new();
        for (key, value) in secrets {
            let value = value.as_ref();
            if value.len() < min_length.max(1) {
                not_searched.push(NotSearched {
                    key: key.to_owned(),
                    reason: Reason::TooShort,
                });
                continue;
            }
            let index = keys.len();
            keys.push(key.to_owned());
            whole_word.push(word::is_guessable(value));
            for (form, spelling) in crate::spelling::spellings(value) {
                spelled.push((spelling, index, form));
            }
        }
        // One entry per distinct spelling; a secret's spelling that two forms share is
        // told by the first form (a value with nothing to escape is `exact`, not `url`).
        spelled.sort_by(|a, b| (a.0.as_slice(), a.1, a.2).cmp(&(b.0.as_slice(), b.1, b.2)));
        spelled.dedup_by(|later, earlier| *later.0 == *earlier.0 && later.1 == earlier.1);
        let mut spellings: Vec<Spelling> = Vec::new();
        for (spelling, index, form) in spelled {
            match spellings.last_mut() {
                Some((last, targets)) if **last == *spelling => targets.push((index, form)),
                _ => spellings.push((spelling, vec![(index, form)])),
            }
        }
        // Sorted, so spellings with the same prefix are next to each other.
        let mut patterns: Vec<&[u8]> = Vec::new();
        let mut starts: Vec<Vec<usize>> = Vec::new();
        for (at, (spelling, _)) in spellings.iter().enumerate() {
            let prefix = &spelling[..spelling.len().min(PREFIX)];
            match (patterns.last(), starts.last_mut()) {
                (Some(&last), Some(begun)) if last == prefix => begun.push(at),
                _ => {
                    patterns.push(prefix);
                    starts.push(vec![at]);
                }
            }
        }
        let longest = spellings.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
        let automaton = if patterns.is_empty() {
            None
        } else {
            // A DFA is the fastest search, but its table grows with every byte of every
            // pattern: past DFA_BYTES, a contiguous NFA, whose size grows as theirs does.
            let total: usize = patterns.iter().map(|p| p.len()).sum();
            let kind = if total <= DFA_BYTES {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            };
            let build = |kind| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(patterns.iter().copied())
                    .ok()
            };
            build(Some(kind)).or_else(|| build(None))
        };
        Self {
            automaton,
            starts,
            spellings,
            keys,
            whole_word,
            longest,
            not_searched,
        }
    }

    /// Needles for the current value of every sensitive secret in `report` that has one
    /// of at least `min_length` bytes; the others are listed in
    /// [`Needles::not_searched`], with why.
    pub fn from_report(report: &Report, min_length: usize) -> Self {
        let mut not_searched = Vec::new();
        let mut values = Vec::new();
        for resolution in &report.resolutions {
            let reason = match &resolution.value {
                _ if !resolution.spec.sensitive => Reason::NotSensitive,
                Some(_) if resolution.is_built() => Reason::Built,
                Some(value) if value.expose().len() >= min_length.max(1) => {
                    values.push((resolution.key(), value.expose()));
                    continue;
                }
                Some(_) => Reason::TooShort,
                None if resolution.problems.is_empty() => Reason::Unset,
                None => Reason::Unknown(resolution.state()),
            };
            not_searched.push(NotSearched {
                key: resolution.key().to_owned(),
                reason,
            });
        }
        let mut needles = Self::new(values, min_length);
        needles.not_searched = not_searched;
        needles
    }

    /// The keys of the secrets whose values are searched for.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The keys of the secrets whose values are found only as a whole word (in their exact,
    /// JSON and URL forms): values as guessable as a word, carrying fewer than
    /// [`DISTINCTIVE_BITS`].
    pub fn whole_word_keys(&self) -> impl Iterator<Item = &str> {
        self.keys
            .iter()
            .zip(&self.whole_word)
            .filter(|(_, whole)| **whole)
            .map(|(key, _)| key.as_str())
    }

    /// The secrets whose values are not searched for, and why.
    pub fn not_searched(&self) -> &[NotSearched] {
        &self.not_searched
    }

    /// Every place in `bytes` where a value is spelled, by line, key and form, each once.
    /// (Binary or not: [`Needles::scan`] is what skips binary files.)
    pub fn search(&self, bytes: &[u8]) -> Vec<Found> {
        let mut found = BTreeSet::new();
        self.search_chunk(bytes, 0, 1, true, &mut found);
        self.named(found)
    }

    /// [`Needles::search`] over what `reader` gives, read in pieces of `chunk` bytes (and
    /// what a spelling cut at the end of a piece needs); `None` when its first
    /// [`BINARY_PREFIX`] bytes (or its first piece, when that is shorter) hold a NUL: it is
    /// binary. `buffer` is reused from call to call. Gives the number of bytes read too.
    fn search_reader(
        &self,
        reader: &mut impl Read,
        buffer: &mut Vec<u8>,
        chunk: usize,
    ) -> io::Result<(Option<Vec<Found>>, u64)> {
        // What is kept from one piece to the next: a spelling may straddle the cut, or
        // end at it (it is then told in the next piece, which holds the byte after it),
        // with the byte before it (to tell whether it stands as a word).
        let keep = self.longest.saturating_add(1);
        let size = chunk.max(1).saturating_add(keep);
        buffer.clear();
        buffer.resize(size, 0);
        let mut found = BTreeSet::new();
        let mut filled = 0;
        // The first bytes of the buffer, searched already with the piece before.
        let mut carried = 0;
        // The line that the buffer starts in.
        let mut line = 1usize;
        let mut total = 0u64;
        let mut first = true;
        loop {
            let before = filled;
            let end = fill(reader, &mut buffer[filled..])?;
            filled += end;
            total = total.saturating_add(u64::try_from(filled - before).unwrap_or(u64::MAX));
            if first {
                first = false;
                if memchr::memchr(0, &buffer[..filled.min(BINARY_PREFIX)]).is_some() {
                    return Ok((None, total));
                }
            }
            let last = filled < buffer.len();
            self.search_chunk(&buffer[..filled], carried, line, last, &mut found);
            if last {
                break;
            }
            let cut = filled - keep.min(filled);
            line = line.saturating_add(memchr::memchr_iter(b'\n', &buffer[..cut]).count());
            buffer.copy_within(cut..filled, 0);
            filled -= cut;
            carried = filled;
        }
        Ok((Some(self.named(found)), total))
    }

    /// Adds to `found` every match in `bytes` that ends at or after `carried` (those that
    /// end before were found with the previous piece) and, unless `bytes` is the `last`
    /// piece, before its end (the next piece tells what follows it), with its line
    /// counted from `line` at the start of `bytes`. A value matched only as a whole word
    /// counts only where it stands alone.
    fn search_chunk(
        &self,
        bytes: &[u8],
        carried: usize,
        line: usize,
        last: bool,
        found: &mut BTreeSet<(usize, usize, Form)>,
    ) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        // Lines counted so far: `lines` newlines before `counted`.
        let (mut counted, mut lines) = (0, 0);
        for hit in automaton.find_overlapping_iter(bytes) {
            let start = hit.start();
            for &at in &self.starts[hit.pattern().as_usize()] {
                let (spelling, targets) = &self.spellings[at];
                let end = start.saturating_add(spelling.len());
                // A spelling cut at (or ending at) the end of this piece is found in the
                // next; one that ends before `carried` was found in the last.
                if end < carried
                    || (end == bytes.len() && !last)
                    || bytes.get(start..end) != Some(spelling.as_slice())
                {
                    continue;
                }
                let alone = word::stands_alone(bytes, start, end, spelling);
                if start >= counted {
                    lines += memchr::memchr_iter(b'\n', &bytes[counted..start]).count();
                } else {
                    lines -= memchr::memchr_iter(b'\n', &bytes[start..counted]).count();
                }
                counted = start;
                for &(key, form) in targets {
                    let as_itself = matches!(form, Form::Exact | Form::Json | Form::Url);
                    if alone || !as_itself || !self.whole_word[key] {
                        found.insert((line.saturating_add(lines), key, form));
                    }
                }
            }
        }
    }

    fn named(&self, found: BTreeSet<(usize, usize, Form)>) -> Vec<Found> {
        let mut named: Vec<Found> = found
            .into_iter()
            .map(|(line, key, form)| Found {
                line,
                key: self.keys[key].clone(),
                form,
            })
            .collect();
        named.sort();
        named
    }
}

/// Reads into `buffer` until it is full or the input ends; how many bytes were read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(found: &[Found]) -> Vec<(usize, &str, &str)> {
        found
            .iter()
            .map(|f| (f.line, f.key.as_str(), f.form.as_str()))
            .collect()
    }

    #[test]
    fn every_form_is_found_on_its_line() {
        let needles = Needles::new([("k", "s3cr3t/v4lue+x")], MIN_LENGTH);
        let text = "exact s3cr3t/v4lue+x\n\
            url s3cr3t%2Fv4lue%2Bx\n\
            b64 czNjcjN0L3Y0bHVlK3g=\n\
            hex 7333637233742f76346c75652b78\n\
            HEX 7333637233742F76346C75652B78\n";
        assert_eq!(
            lines(&needles.search(text.as_bytes())),
            [
                (1, "k", "exact"),
                (2, "k", "url"),
                (3, "k", "base64"),
                (4, "k", "hex"),
                (5, "k", "hex")
            ]
        );
    }

    #[test]
    fn pieces_do_not_hide_a_value_or_shift_lines() {
        let needles = Needles::new([("k", "abcdefgh-123")], MIN_LENGTH);
        let mut text = Vec::new();
        for line in 0..200 {
            text.extend_from_slice(format!("line {line} ").as_bytes());
            if line % 7 == 3 {
                text.extend_from_slice(b"abcdefgh-123");
            }
            text.push(b'\n');
        }
        let whole = needles.search(&text);
        assert_eq!(whole.len(), 29);
        for chunk in [1, 5, 11, 12, 13, 64, 1000, CHUNK] {
            let mut buffer = Vec::new();
            let (found, read) = needles
                .search_reader(&mut text.as_slice(), &mut buffer, chunk)
                .unwrap();
            assert_eq!(found.unwrap(), whole, "chunk {chunk}");
            assert_eq!(read, text.len() as u64);
        }
    }

    /// Two values longer than [`PREFIX`] that begin alike.
    const LONG_A: &str = "0123456789abcdefghijklmnopqrstuvwxyz-0123456789-first";
    const LONG_B: &str = "0123456789abcdefghijklmnopqrstuvwxyz-0123456789-second";

    #[test]
    fn long_values_that_begin_alike_are_told_apart() {
        let needles = Needles::new([("a", LONG_A), ("b", LONG_B)], MIN_LENGTH);
        let text = format!("x {LONG_B} y\n{} cut short\n{LONG_A}", &LONG_A[..45]);
        assert_eq!(
            lines(&needles.search(text.as_bytes())),
            [(1, "b", "exact"), (3, "a", "exact")]
        );
        // The whole spelling of a hex form is 106 bytes: found though the automaton holds 32.
        let hex = LONG_A.bytes().fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
        assert_eq!(lines(&needles.search(hex.as_bytes())), [(1, "a", "hex")]);
    }

    proptest::proptest! {
        /// However a stream is cut into pieces, the same places are found on the same lines.
        #[test]
        fn pieces_find_what_the_whole_finds(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["abcdefgh-123", "YWJjZGVmZ2gtMTIz", "\n", "x", "abcd", "6162636465666768", LONG_A, LONG_B, &LONG_A[..40]]),
                0..80,
            ),
            chunk in 1usize..40,
        ) {
            let needles = Needles::new(
                [("k", "abcdefgh-123"), ("j", "abcdefgh"), ("long", LONG_A), ("other", LONG_B)],
                MIN_LENGTH,
            );
            let text = parts.concat();
            let mut buffer = Vec::new();
            let (found, _) = needles.search_reader(&mut text.as_bytes(), &mut buffer, chunk).unwrap();
            proptest::prop_assert_eq!(found.unwrap(), needles.search(text.as_bytes()));
            // A value found only as a word: the same, however the text is cut.
            let word = Needles::new([("w", "abcdefgh")], MIN_LENGTH);
            let (found, _) = word.search_reader(&mut text.as_bytes(), &mut buffer, chunk).unwrap();
            proptest::prop_assert_eq!(found.unwrap(), word.search(text.as_bytes()));
        }
    }

    #[test]
    fn binary_input_is_not_searched() {
        let needles = Needles::new([("k", "abcdefgh-123")], MIN_LENGTH);
        let mut buffer = Vec::new();
        let (found, _) = needles
            .search_reader(&mut &b"\x00abcdefgh-123"[..], &mut buffer, CHUNK)
            .unwrap();
        assert_eq!(found, None);
    }

    #[test]
    fn short_values_and_shared_values() {
        let needles = Needles::new(
            [("short", "app"), ("a", "same-value"), ("b", "same-value")],
            MIN_LENGTH,
        );
        assert_eq!(
            needles.not_searched(),
            [NotSearched {
                key: "short".into(),
                reason: Reason::TooShort
            }]
        );
        assert_eq!(
            lines(&needles.search(b"x same-value app\n")),
            [(1, "a", "exact"), (1, "b", "exact")]
        );
    }

    #[test]
    fn a_value_inside_another_is_found_too() {
        let needles = Needles::new(
            [("inner", "k9Qz2Xw7Lp4R"), ("outer", "ab-k9Qz2Xw7Lp4R-cd")],
            8,
        );
        assert_eq!(
            lines(&needles.search(b"ab-k9Qz2Xw7Lp4R-cd")),
            [(1, "inner", "exact"), (1, "outer", "exact")]
        );
    }

    #[test]
    fn a_guessable_value_is_found_only_as_a_word_however_the_input_is_cut() {
        let needles = Needles::new([("user", "faceless")], 8);
        assert_eq!(needles.whole_word_keys().collect::<Vec<_>>(), ["user"]);
        let text = b"faceless-youtube\nuser=faceless\nfaceless_dev\n\"faceless\"\nxfaceless";
        let whole = needles.search(text);
        assert_eq!(lines(&whole), [(2, "user", "exact"), (4, "user", "exact")]);
        assert!(needles.search(b"faceless").len() == 1);
        for chunk in 1..24 {
            let mut buffer = Vec::new();
            let (found, _) = needles
                .search_reader(&mut text.as_slice(), &mut buffer, chunk)
                .unwrap();
            assert_eq!(found.unwrap(), whole, "chunk {chunk}");
        }
        // Its base64 is found as anyone's (only an encoder writes it).
        assert_eq!(
            lines(&needles.search(b"Basic ZmFjZWxlc3M6cHc=")),
            [(1, "user", "base64")]
        );
    }
}
