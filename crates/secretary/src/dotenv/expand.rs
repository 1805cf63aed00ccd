//! `${...}` expansion in a double-quoted or unquoted value: each name looked up among the
//! keys defined before it, then outside the file, and charged by what the text bounds it
//! by (see the module above).

use zeroize::Zeroizing;

use super::{MAX_EXPANDED, MAX_VALUE, OUTSIDE_CHARGE, ParseErrorKind, Parser};

impl Parser<'_, '_> {
    pub(super) fn unescape_and_expand(
        &self,
        raw: &str,
    ) -> Result<Zeroizing<String>, ParseErrorKind> {
        let mut out = Zeroizing::new(String::with_capacity(raw.len()));
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, next)) => match next {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'a' => out.push('\u{7}'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'v' => out.push('\u{b}'),
                        '"' | '\\' | '\'' | '$' | '`' => out.push(next),
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    },
                    None => out.push('\\'),
                },
                '$' if raw[i + 1..].starts_with('{') => {
                    let consumed = self.expansion(&raw[i..], &mut out)?;
                    // Skip the rest of the `${...}` (its first char, `$`, is consumed).
                    for _ in raw[i + 1..i + consumed].chars() {
                        chars.next();
                    }
                }
                other => out.push(other),
            }
        }
        Ok(out)
    }

    pub(super) fn expand(&self, raw: &str) -> Result<Zeroizing<String>, ParseErrorKind> {
        let mut out = Zeroizing::new(String::with_capacity(raw.len()));
        let mut rest = raw;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let consumed = self.expansion(&rest[at..], &mut out)?;
            rest = &rest[at + consumed..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Expands the `${...}` at the start of `text` into `out`; returns the bytes consumed.
    fn expansion(&self, text: &str, out: &mut String) -> Result<usize, ParseErrorKind> {
        let Some(close) = text.find('}') else {
            return Err(ParseErrorKind::UnclosedExpansion);
        };
        let inner = &text[2..close];
        let (name, default, when_empty) = if let Some((name, default)) = inner.split_once(":-") {
            (name, Some(default), true)
        } else if let Some((name, default)) = inner.split_once('-') {
            (name, Some(default), false)
        } else {
            (inner, None, false)
        };
        let valid = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'));
        if !valid {
            return Err(ParseErrorKind::InvalidExpansion);
        }
        {
            let mut references = self.references.borrow_mut();
            if self.referenced.borrow_mut().insert(name.to_owned()) {
                references.push(name.to_owned());
            }
        }
        if self.shaped {
            if self.materialize.get() {
                out.push('1');
            }
            return Ok(close + 1);
        }
        let Found {
            value: found,
            bound,
            mut counted,
            lent_over,
        } = self.found(name);
        let charge = bound.max(default.map_or(0, str::len));
        // What is inserted, and what it may hold: a value found, what it was charged
        // ([`OUTSIDE_CHARGE`] from outside the file), never the default's length beside
        // it (a default of each length a line would tell a value's length past 32 KiB).
        let (inserted, limit) = match (found, default) {
            (Some(value), Some(default)) if when_empty && value.is_empty() => {
                counted = Some(default.len());
                (default, default.len())
            }
            (Some(value), _) => (value, bound),
            (None, Some(default)) => {
                counted = Some(default.len());
                (default, default.len())
            }
            (None, None) => ("", 0),
        };
        // What the value can be, as the file's text bounds it: its literal text so far,
        // and what its expansions were charged.
        let bounded = out
            .len()
            .saturating_sub(self.inserted.get())
            .saturating_add(self.charged.get())
            .saturating_add(charge);
        // Charged before the value's own limit is checked, so that expansions refused
        // again and again still exhaust the file's budget.
        let total = self.expanded.get().saturating_add(charge);
        self.expanded.set(total);
        if total > MAX_EXPANDED {
            return Err(ParseErrorKind::ExpansionTooLarge);
        }
        self.charged.set(self.charged.get().saturating_add(charge));
        // Past MAX_VALUE as bounded (never as it is: that would tell a length), or
        // larger than it was charged (a value from outside over OUTSIDE_CHARGE): too
        // large, and said only to a secret that reads it.
        let bounded_over = bounded > MAX_VALUE;
        let from_outside = !bounded_over && (lent_over || inserted.len() > limit);
        if bounded_over || from_outside {
            self.bounded_over
                .set(self.bounded_over.get() || bounded_over);
            self.from_outside
                .set(self.from_outside.get() || from_outside);
            if self.mark_oversize {
                self.oversize.set(true);
                return Ok(close + 1);
            }
            return Err(if from_outside {
                ParseErrorKind::OutsideTooLarge
            } else {
                ParseErrorKind::ValueTooLarge
            });
        }
        if self.oversize.get() || !self.materialize.get() {
            return Ok(close + 1);
        }
        self.inserted
            .set(self.inserted.get().saturating_add(inserted.len()));
        // Each expansion one step at least, set or not.
        let counted = crate::charge::stepped(counted.unwrap_or(inserted.len()));
        self.counted.set(self.counted.get().saturating_add(counted));
        out.push_str(inserted);
        Ok(close + 1)
    }

    /// What `${name}` finds: a line before it, or a value from outside the file.
    fn found(&self, name: &str) -> Found<'_> {
        match self.defined.get(name) {
            Some(&index) => {
                if self.entries[index].oversize {
                    self.oversize.set(true);
                    // Said as what made it so (a forty-eighth adversarial pass saw a
                    // line built from a certificate over 32 KiB called past 1 MiB).
                    if self.entries[index].from_outside {
                        self.from_outside.set(true);
                    }
                }
                Found {
                    value: Some(self.entries[index].value.as_str()),
                    bound: self.bounds.get(index).copied().unwrap_or(0),
                    counted: self.charges.get(index).copied(),
                    lent_over: false,
                }
            }
            // Not asked when the value is not expanded: nothing of it is read.
            None if !self.materialize.get() => Found::nothing(),
            None => match (self.outside)(name) {
                Some(lent) => Found {
                    value: Some(lent.value),
                    bound: OUTSIDE_CHARGE,
                    counted: Some(lent.charge.unwrap_or(lent.value.len())),
                    lent_over: lent.bound.is_some_and(|bound| bound > OUTSIDE_CHARGE),
                },
                None => Found::nothing(),
            },
        }
    }
}

/// What an expansion finds, and what it is charged.
struct Found<'v> {
    /// The value, if the name has one.
    value: Option<&'v str>,
    /// What it is charged: what the file's text bounds it by, never the length of a
    /// value from outside (nor whether that is set).
    bound: usize,
    /// What it is counted at, in whole steps where it is inserted: a line's charge, a
    /// value lent its own (one of the environment its length).
    counted: Option<usize>,
    /// A value lent with a bound past what one from outside may hold: refused by that
    /// bound, whatever it holds.
    lent_over: bool,
}

impl Found<'_> {
    /// Nothing found, charged as a value from outside.
    fn nothing() -> Self {
        Self {
            value: None,
            bound: OUTSIDE_CHARGE,
            counted: None,
            lent_over: false,
        }
    }
}
