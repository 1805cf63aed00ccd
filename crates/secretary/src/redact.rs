//! Replacing secret values in a stream of bytes with `[redacted:KEY]`.
//!
//! A [`Redactor`] holds the values to find (one Aho-Corasick automaton over all of them,
//! leftmost-longest, so a value that contains another is replaced whole; a value that
//! begins inside another's last 256 bytes and ends after it is replaced too). Its
//! [`Redactor::writer`] wraps any [`Write`] and redacts what passes through, however the
//! bytes are split into writes:
//!
//! - a value that straddles two writes is still replaced;
//! - only a tail that could be the start of a value is held back, so a complete line
//!   (or any output that cannot begin a value) is written through at once;
//! - bytes need not be UTF-8;
//! - a value is also redacted as a template's `|url` writes it (percent-encoded, RFC
//!   3986's unreserved characters kept), so that a URL built from it is redacted even
//!   where the template could not be built;
//! - a multi-line value is also redacted with its line ends spelled the other way (CRLF
//!   for LF, LF for CRLF), and line by line: each of its lines that could be a secret
//!   part alone ([`is_secret_line`]: at least [`LINE_MIN`] bytes, trimmed, not PEM
//!   armour or punctuation alone), wherever it is printed (behind `app: `, say).
//!
//! ```
//! use std::io::Write;
//! use secretary::redact::Redactor;
//!
//! let redactor = Redactor::new([("api_key", "sk-12345")]);
//! let mut out = Vec::new();
//! let mut writer = redactor.writer(&mut out);
//! writer.write_all(b"key is sk-12")?; // the value is split across two writes
//! writer.write_all(b"345, ok\n")?;
//! writer.finish()?;
//! assert_eq!(out, b"key is [redacted:api_key], ok\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashSet;
use std::io::{self, Write};

use aho_corasick::{
    AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, Span, StartKind, packed,
};
use zeroize::Zeroizing;

use crate::resolve::Report;

mod lines;

pub use lines::{LINE_MIN, is_secret_line};

/// Values of at most this many bytes in all are searched with a DFA.
const DFA_BYTES: usize = 16 * 1024;

/// At most this many SIMD searchers (of 64 values each) are asked before the automaton.
const MAX_PREFILTERS: usize = 4;

/// The values to find and what to put in their place.
pub struct Redactor {
    /// How many distinct values were given.
    distinct: usize,
    /// `None` when there is nothing to redact.
    automaton: Option<AhoCorasick>,
    /// SIMD literal searchers (Teddy), at most 64 values each, that find where a match
    /// may start far faster than the automaton alone; empty when the CPU has no SIMD
    /// support or a value does not suit them, and then the automaton searches alone.
    prefilters: Vec<packed::Searcher>,
    /// `[redacted:KEY]` for pattern `i`.
    labels: Vec<Box<[u8]>>,
    /// The values, to tell whether a tail of output may be the start of one (and so must
    /// be held back until the next write). Zeroed on drop.
    values: Vec<Zeroizing<Vec<u8>>>,
    /// For each byte, the short values (at most [`SHORT`] bytes) that start with it.
    by_first_byte: Vec<Vec<usize>>,
    /// The longest proper prefix of a short value.
    longest_prefix: usize,
    /// The long values' prefixes, when there are long values.
    long: Option<LongPrefixes>,
    /// The most a chain of overlapping values may hold back while it waits for more
    /// input: twice the longest value in whole steps of 1 KiB, and 4 KiB. A value that overlaps itself (`aa`,
    /// `0000`) on a long run of its bytes would otherwise hold the whole run.
    hold_limit: usize,
    /// For pattern `i`, the offsets `k` (within its last [`OVERLAP`] bytes) at which its
    /// rest is the start of a longer value: where a value that overlaps its end may
    /// begin. Empty for almost every value, and then a match costs nothing more.
    overlaps: Vec<Box<[u32]>>,
}

/// Values up to this length are checked against a held-back tail directly (at most this
/// many positions, each compared with the values that start with its byte); longer ones,
/// through [`LongPrefixes`], so that the check stays linear in their length.
const SHORT: usize = 256;

/// The prefixes of the long values, as a trie whose every node knows its depth and its
/// failure link (Aho-Corasick): the longest tail of output that may begin one of them is
/// found in one pass over that tail, however repetitive the value and the output are.
/// Holds the values' bytes, so it is zeroed when dropped.
struct LongPrefixes {
    /// Node `i`'s children are `edges[first[i]..first[i + 1]]`, sorted by byte.
    first: Vec<u32>,
    edges: Zeroizing<Vec<u8>>,
    targets: Vec<u32>,
    fail: Vec<u32>,
    depth: Vec<u32>,
    /// The longest proper prefix of a long value.
    longest_prefix: usize,
}

impl LongPrefixes {
    fn new(values: &[&[u8]]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut depth = vec![0u32];
        for value in values {
            let mut node = 0;
            for &byte in *value {
                node = match children[node].binary_search_by_key(&byte, |&(b, _)| b) {
                    Ok(at) => children[node][at].1 as usize,
                    Err(at) => {
                        let new = u32::try_from(children.len()).ok()?;
                        children[node].insert(at, (byte, new));
                        children.push(Vec::new());
                        depth.push(depth[node] + 1);
                        new as usize
                    }
                };
            }
        }
        let mut first = Vec::with_capacity(children.len() + 1);
        let mut edges = Zeroizing::new(Vec::new());
        let mut targets = Vec::new();
        for node in &children {
            first.push(u32::try_from(edges.len()).ok()?);
            for &(byte, child) in node {
                edges.push(byte);
                targets.push(child);
            }
        }
        first.push(u32::try_from(edges.len()).ok()?);
        drop(children);
        let mut trie = Self {
            first,
            edges,
            targets,
            fail: vec![0; depth.len()],
            depth,
            longest_prefix: values.iter().map(|v| v.len() - 1).max().unwrap_or(0),
        };
        // Failure links, breadth first: a node's is the longest proper suffix of its
        // prefix that is also a node.
        let mut queue =
            std::collections::VecDeque::from(trie.children(0).map(|(_, c)| c).collect::<Vec<_>>());
        while let Some(node) = queue.pop_front() {
            let kids: Vec<(u8, u32)> = trie.children(node).collect();
            for (byte, child) in kids {
                let mut at = trie.fail[node as usize];
                let link = loop {
                    if let Some(next) = trie.goto(at, byte) {
                        break next;
                    }
                    if at == 0 {
                        break 0;
                    }
                    at = trie.fail[at as usize];
                };
                trie.fail[child as usize] = link;
                queue.push_back(child);
            }
        }
        Some(trie)
    }

    fn children(&self, node: u32) -> impl Iterator<Item = (u8, u32)> + '_ {
        let range = self.first[node as usize] as usize..self.first[node as usize + 1] as usize;
        self.edges[range.clone()]
            .iter()
            .copied()
            .zip(self.targets[range].iter().copied())
    }

    fn goto(&self, node: u32, byte: u8) -> Option<u32> {
        let range = self.first[node as usize] as usize..self.first[node as usize + 1] as usize;
        let at = self.edges[range.clone()].binary_search(&byte).ok()?;
        Some(self.targets[range.start + at])
    }

    /// The length of the longest suffix of `tail` that is a proper prefix of a long value.
    fn held(&self, tail: &[u8]) -> usize {
        let mut node = 0;
        for &byte in tail {
            node = loop {
                if let Some(next) = self.goto(node, byte) {
                    break next;
                }
                if node == 0 {
                    break 0;
                }
                node = self.fail[node as usize];
            };
        }
        // A node without children is a whole value, not the start of a longer one.
        while node != 0 && self.first[node as usize] == self.first[node as usize + 1] {
            node = self.fail[node as usize];
        }
        self.depth[node as usize] as usize
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("values", &self.labels.len())
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// A redactor for `(key, value)` pairs; a value is text or bytes (an inherited
    /// variable need not be UTF-8). Empty values are ignored; when two keys share a value,
    /// the first names it.
    pub fn new<'a, V: AsRef<[u8]> + ?Sized + 'a>(
        secrets: impl IntoIterator<Item = (&'a str, &'a V)>,
    ) -> Self {
        let mut values: Vec<&[u8]> = Vec::new();
        let mut labels = Vec::new();
        let mut seen = HashSet::new();
        for (key, value) in secrets {
            let value = value.as_ref();
            if !value.is_empty() && seen.insert(value) {
                values.push(value);
                labels.push(format!("[redacted:{key}]").into_bytes().into_boxed_slice());
            }
        }
        let distinct = values.len();
        // A multi-line value's other spellings and secret lines, after every whole value
        // (so a line that is also another secret's value is named by that secret).
        let extra: Vec<(usize, Zeroizing<Vec<u8>>)> = values
            .iter()
            .enumerate()
            .flat_map(|(index, value)| {
                lines::extra_patterns(value)
                    .into_iter()
                    .map(move |pattern| (index, pattern))
            })
            .collect();
        for (index, pattern) in &extra {
            if seen.insert(pattern.as_slice()) {
                values.push(pattern);
                labels.push(labels[*index].clone());
            }
        }
        let mut by_first_byte = vec![Vec::new(); 256];
        let mut longest_prefix = 0;
        for (index, value) in values.iter().enumerate() {
            if value.len() <= SHORT {
                by_first_byte[usize::from(value[0])].push(index);
                longest_prefix = longest_prefix.max(value.len() - 1);
            }
        }
        let long: Vec<&[u8]> = values.iter().copied().filter(|v| v.len() > SHORT).collect();
        let long = LongPrefixes::new(&long);
        let total: usize = values.iter().map(|value| value.len()).sum();
        let automaton = if values.is_empty() {
            None
        } else {
            // A DFA is the fastest search, but its table grows with every byte of every
            // value (times 256, twice over for both start kinds): only for a few short
            // values. Otherwise a contiguous NFA, whose size grows as the values do.
            let kind = if total <= DFA_BYTES {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            };
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Both)
                .kind(Some(kind))
                .build(&values)
                .or_else(|_| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostLongest)
                        .start_kind(StartKind::Both)
                        .build(&values)
                })
                .ok()
        };
        // Each searcher reports the leftmost place one of its values' first
        // [`PREFILTER_PREFIX`] bytes occur; the earliest over all of them is where the
        // (anchored) automaton then takes the longest match. Not the whole values: a
        // searcher checks each place it finds against the whole literal, and a long value
        // that repeats its start (`aaaa…b`) over a run of that start was checked for its
        // length at every byte (a fortieth adversarial pass: 167 s for 1 MB). Every
        // search asks each searcher, so only a few: past that the automaton's own
        // prefilter is faster than asking hundreds.
        let prefilters: Option<Vec<packed::Searcher>> = if values.len() <= 64 * MAX_PREFILTERS {
            values
                .chunks(64)
                .map(|group| {
                    let mut builder = packed::Config::new()
                        .match_kind(packed::MatchKind::LeftmostFirst)
                        .builder();
                    builder.extend(
                        group
                            .iter()
                            .map(|value| &value[..value.len().min(PREFILTER_PREFIX)]),
                    );
                    builder.build()
                })
                .collect()
        } else {
            None
        };
        let overlaps = overlaps(&values);
        let longest = values.iter().map(|value| value.len()).max().unwrap_or(0);
        // By the longest value's length in whole steps: where a long chain stops being
        // held told that length to the byte (a seventy-fifth adversarial pass).
        let hold_limit = crate::charge::stepped(longest)
            .saturating_mul(2)
            .saturating_add(4096);
        Self {
            distinct,
            hold_limit,
            automaton,
            prefilters: prefilters.unwrap_or_default(),
            overlaps,
            labels,
            values: values
                .into_iter()
                .map(|value| Zeroizing::new(value.to_vec()))
                .collect(),
            by_first_byte,
            longest_prefix,
            long,
        }
    }

    /// A redactor for every sensitive value in `report` (`sensitive = false` values are
    /// declared not to be secret, and are left alone).
    pub fn from_report(report: &Report) -> Self {
        Self::new(report.resolutions.iter().filter_map(|resolution| {
            let value = resolution.value.as_ref()?;
            resolution
                .spec
                .sensitive
                .then_some((resolution.key(), value.expose()))
        }))
    }

    /// How many distinct values are redacted (a multi-line value's lines and other
    /// spellings not counted apart).
    pub fn len(&self) -> usize {
        self.distinct
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// `bytes` with every value replaced, all at once.
    pub fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        self.scan(bytes, bytes.len(), &mut out);
        out
    }

    /// A writer that redacts what passes through to `inner`. Call
    /// [`RedactingWriter::finish`] at the end to write what is held back.
    pub fn writer<W: Write>(&self, inner: W) -> RedactingWriter<'_, W> {
        RedactingWriter {
            redactor: self,
            inner: Some(inner),
            pending: Zeroizing::new(Vec::new()),
        }
    }

    /// One step of streaming, for a caller that keeps the held-back bytes itself (and so
    /// may switch to another redactor between steps, one that knows every value this one
    /// does and more): redacts `pending` followed by `input` into `out`, and leaves in
    /// `pending` the tail that may be the start of a value. [`Redactor::writer`] is this,
    /// wrapped in a [`Write`].
    ///
    /// ```
    /// use secretary::redact::Redactor;
    ///
    /// let (old, new) = (Redactor::new([("k", "abcd")]), Redactor::new([("k", "abcd"), ("j", "wxyz")]));
    /// let (mut pending, mut out) = (Vec::new(), Vec::new());
    /// old.stream(&mut pending, b"1 ab", &mut out);
    /// new.stream(&mut pending, b"cd 2 wxyz", &mut out);
    /// new.finish_stream(&mut pending, &mut out);
    /// assert_eq!(out, b"1 [redacted:k] 2 [redacted:j]");
    /// ```
    pub fn stream(&self, pending: &mut Vec<u8>, input: &[u8], out: &mut Vec<u8>) {
        if pending.is_empty() {
            // Most writes hold nothing back: scan the input in place.
            let hold = self.held_from(input, 0);
            let kept = self.scan(input, hold, out);
            pending.extend_from_slice(&input[kept..]);
        } else {
            pending.extend_from_slice(input);
            let hold = self.held_from(pending, 0);
            let kept = self.scan(pending, hold, out);
            pending.drain(..kept);
        }
    }

    /// The end of a stream: redacts what `pending` holds into `out`, and empties it.
    pub fn finish_stream(&self, pending: &mut Vec<u8>, out: &mut Vec<u8>) {
        self.scan(pending, pending.len(), out);
        pending.clear();
    }

    /// Where the longest tail of `bytes` starting at or after `from` that is a proper
    /// prefix of a value begins (`bytes.len()` when there is none).
    fn held_from(&self, bytes: &[u8], from: usize) -> usize {
        let first = from.max(bytes.len().saturating_sub(self.longest_prefix));
        let short = (first..bytes.len())
            .find(|&start| {
                let tail = &bytes[start..];
                self.by_first_byte[usize::from(tail[0])]
                    .iter()
                    .any(|&index| {
                        let value = &self.values[index];
                        value.len() > tail.len() && value.starts_with(tail)
                    })
            })
            .unwrap_or(bytes.len());
        let long = self.long.as_ref().map_or(bytes.len(), |long| {
            let first = from.max(bytes.len().saturating_sub(long.longest_prefix));
            bytes.len() - long.held(&bytes[first..])
        });
        short.min(long)
    }

    /// Writes `bytes` to `out`, redacted, except a tail from where it may hold the start of
    /// a value that more input could complete; returns where that tail starts. With
    /// `hold == bytes.len()` (end of input) everything is written.
    fn scan(&self, bytes: &[u8], hold: usize, out: &mut Vec<u8>) -> usize {
        let Some(automaton) = &self.automaton else {
            out.extend_from_slice(bytes);
            return bytes.len();
        };
        let mut hold = hold;
        let mut written = 0;
        let mut matches = Matches {
            automaton,
            prefilters: &self.prefilters,
            next: vec![Candidate::Unknown; self.prefilters.len()],
            bytes,
            at: 0,
        };
        while let Some(found) = matches.next() {
            if written > hold {
                // The last match ran past the held tail: what may be held is after it.
                hold = self.held_from(bytes, written);
            }
            if found.start() >= hold {
                // It may be a shorter value where a longer one would match with more input.
                break;
            }
            // A value that begins inside this one and ends after it (`…ab12` then
            // `12SECOND…`) would have its rest left in clear: redacted too, as far as the
            // chain of such values goes (`chain` holds those after the first, and so
            // allocates nothing unless there is one).
            let mut chain: Vec<aho_corasick::Match> = Vec::new();
            let mut last = found;
            while let Some(next) = self.overlapping(automaton, bytes, last) {
                chain.push(next);
                last = next;
            }
            let end = last.end();
            if hold < end && bytes.len() - found.start() <= self.hold_limit {
                // A tail inside the chain may begin a value that more input completes:
                // hold the whole chain back until it is known (within the limit).
                hold = found.start();
                break;
            }
            out.extend_from_slice(&bytes[written..found.start()]);
            for link in std::iter::once(&found).chain(&chain) {
                out.extend_from_slice(&self.labels[link.pattern().as_usize()]);
            }
            written = end;
            matches.at = end;
        }
        if written > hold {
            hold = self.held_from(bytes, written);
        }
        out.extend_from_slice(&bytes[written..hold]);
        hold
    }

    /// The value that starts inside `found` (within its last [`OVERLAP`] bytes) and
    /// reaches furthest past its end, if one does.
    fn overlapping(
        &self,
        automaton: &AhoCorasick,
        bytes: &[u8],
        found: aho_corasick::Match,
    ) -> Option<aho_corasick::Match> {
        self.overlaps[found.pattern().as_usize()]
            .iter()
            .filter_map(|&offset| {
                let start = found.start().checked_add(usize::try_from(offset).ok()?)?;
                let input = Input::new(bytes)
                    .span(start..bytes.len())
                    .anchored(Anchored::Yes);
                automaton.find(input)
            })
            .filter(|next| next.end() > found.end())
            .max_by_key(aho_corasick::Match::end)
    }
}

/// For each value, the offsets `k` (at least its length less [`OVERLAP`], and more than
/// 0) at which the rest of it is a proper prefix of some value: one binary search per
/// offset in the values sorted, so that it stays near linear in their total length.
fn overlaps(values: &[&[u8]]) -> Vec<Box<[u32]>> {
    let mut sorted: Vec<&[u8]> = values.to_vec();
    sorted.sort_unstable();
    // Whether `rest` begins a value longer than it: the values that begin with it follow
    // one another in order, `rest` itself (if it is one) first.
    let begins_longer = |rest: &[u8]| {
        let at = sorted.partition_point(|value| *value < rest);
        sorted[at..]
            .iter()
            .take(2)
            .any(|value| value.len() > rest.len() && value.starts_with(rest))
    };
    values
        .iter()
        .map(|value| {
            let first = value.len().saturating_sub(OVERLAP).max(1);
            (first..value.len())
                .filter(|&offset| begins_longer(&value[offset..]))
                .filter_map(|offset| u32::try_from(offset).ok())
                .collect()
        })
        .collect()
}

/// How many of a value's first bytes the SIMD prefilters look for.
const PREFILTER_PREFIX: usize = 32;

/// How far back into a redacted value a value that overlaps its end is looked for: two
/// values that share more than this many bytes, one's end the other's start, are rare
/// enough not to search each match's whole length again.
const OVERLAP: usize = 256;

/// The leftmost-longest, non-overlapping matches in `bytes`, found with the prefilters
/// when there are some.
struct Matches<'a> {
    automaton: &'a AhoCorasick,
    prefilters: &'a [packed::Searcher],
    /// For each prefilter, what it found last.
    next: Vec<Candidate>,
    bytes: &'a [u8],
    at: usize,
}

/// What a prefilter found last.
#[derive(Debug, Clone, Copy)]
enum Candidate {
    /// Not searched yet, or a candidate behind the current position.
    Unknown,
    /// A value may match here.
    At(usize),
    /// Nothing more in this input.
    Exhausted,
}

impl Iterator for Matches<'_> {
    type Item = aho_corasick::Match;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at > self.bytes.len() {
            return None;
        }
        if self.prefilters.is_empty() {
            let found = self
                .automaton
                .find(Input::new(self.bytes).span(self.at..self.bytes.len()))?;
            self.at = found.end();
            return Some(found);
        }
        let mut earliest: Option<usize> = None;
        for (searcher, next) in self.prefilters.iter().zip(&mut self.next) {
            let candidate = match *next {
                Candidate::At(start) if start >= self.at => Some(start),
                Candidate::Exhausted => None,
                _ => {
                    let span = Span::from(self.at..self.bytes.len());
                    let start = searcher.find_in(self.bytes, span).map(|m| m.start());
                    *next = start.map_or(Candidate::Exhausted, Candidate::At);
                    start
                }
            };
            earliest = match (earliest, candidate) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let start = earliest?;
        let input = Input::new(self.bytes)
            .span(start..self.bytes.len())
            .anchored(Anchored::Yes);
        let found = match self.automaton.find(input) {
            Some(found) => found,
            // A false candidate (a value's start, not the whole value): the automaton
            // searches on from it by itself, once, rather than try each next candidate
            // anchored, which a value that repeats its own start (`aaaa…b`) over a run
            // of that start would make output × value length.
            None => self
                .automaton
                .find(Input::new(self.bytes).span(start..self.bytes.len()))?,
        };
        self.at = found.end();
        Some(found)
    }
}

/// A [`Write`] that redacts secret values on the way to another writer; made by
/// [`Redactor::writer`]. Dropping it without [`finish`](Self::finish) writes the held-back
/// tail too, ignoring errors.
pub struct RedactingWriter<'r, W: Write> {
    redactor: &'r Redactor,
    /// `None` once finished.
    inner: Option<W>,
    /// Output held back because it may be the start of a value.
    pending: Zeroizing<Vec<u8>>,
}

impl<W: Write> RedactingWriter<'_, W> {
    /// Writes what is held back, flushes, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.write_pending()?;
        let mut inner = self
            .inner
            .take()
            .ok_or_else(|| io::Error::other("finished twice"))?;
        inner.flush()?;
        Ok(inner)
    }

    fn write_pending(&mut self) -> io::Result<()> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let mut out = Vec::new();
        self.redactor.finish_stream(&mut self.pending, &mut out);
        inner.write_all(&out)
    }
}

impl<W: Write> Write for RedactingWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let Some(inner) = self.inner.as_mut() else {
            return Err(io::Error::other("write after finish"));
        };
        let mut out = Vec::with_capacity(bytes.len() + 64);
        self.redactor.stream(&mut self.pending, bytes, &mut out);
        inner.write_all(&out)?;
        Ok(bytes.len())
    }

    /// Flushes what is known not to start a value; a possible start stays held back.
    fn flush(&mut self) -> io::Result<()> {
        match self.inner.as_mut() {
            Some(inner) => inner.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write> Drop for RedactingWriter<'_, W> {
    fn drop(&mut self) {
        let _ = self.write_pending();
        if let Some(inner) = self.inner.as_mut() {
            let _ = inner.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(redactor: &Redactor, chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = redactor.writer(&mut out);
        for chunk in chunks {
            writer.write_all(chunk).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_value_split_across_writes_is_replaced() {
        let redactor = Redactor::new([("token", "abcdef")]);
        for split in 0..=12 {
            let text = b"[abcdef][x]";
            let (a, b) = text.split_at(split.min(text.len()));
            assert_eq!(
                through(&redactor, &[a, b]),
                b"[[redacted:token]][x]",
                "split at {split}"
            );
        }
    }

    #[test]
    fn the_longest_value_wins_and_a_prefix_alone_is_kept() {
        let redactor = Redactor::new([("short", "abc"), ("long", "abcdef")]);
        assert_eq!(
            redactor.redact(b"abcdef abc abcd"),
            b"[redacted:long] [redacted:short] [redacted:short]d"
        );
        assert_eq!(
            through(&redactor, &[b"xabc", b"de", b"f"]),
            b"x[redacted:long]"
        );
        assert_eq!(through(&redactor, &[b"ab"]), b"ab");
    }

    #[test]
    fn complete_lines_are_not_held_back() {
        let redactor = Redactor::new([("token", "secret-value")]);
        let mut out = Vec::new();
        {
            let mut writer = redactor.writer(&mut out);
            writer.write_all(b"a line\n").unwrap();
            writer.flush().unwrap();
            std::mem::forget(writer);
        }
        assert_eq!(out, b"a line\n");
        // Only a possible start of the value is held.
        let mut out = Vec::new();
        let mut writer = redactor.writer(&mut out);
        writer.write_all(b"ends with secr").unwrap();
        writer.flush().unwrap();
        std::mem::forget(writer);
        assert_eq!(out, b"ends with ");
    }

    #[test]
    fn nothing_to_redact_passes_bytes_through() {
        let redactor = Redactor::new([("empty", "")]);
        assert!(redactor.is_empty());
        assert_eq!(through(&redactor, &[b"\xff\x00binary"]), b"\xff\x00binary");
    }

    #[test]
    fn a_shared_value_is_named_by_the_first_key() {
        let redactor = Redactor::new([("first", "same"), ("second", "same")]);
        assert_eq!(redactor.len(), 1);
        assert_eq!(redactor.redact(b"same"), b"[redacted:first]");
    }
}
