//! Whether a provider's text (a `locator`, a `looked`, an `error`) spells a value of its
//! answer: as it is, JSON-escaped, percent-encoded, inside base64 (standard or URL-safe,
//! at each of the three alignments) or in hex (either case).
//!
//! The same spellings as [`crate::scan`]'s `forms`, in fewer styles: `source` cannot use
//! `scan`, which depends on `resolve`, which depends on `source` (the architecture map
//! forbids the cycle). Moving `scan::forms` into a module of its own that both use
//! would remove this copy.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

/// The shortest value (in bytes) looked for in its other spellings too: the base64 of a
/// shorter one is one to three characters found in most words (a value is looked for as
/// it is at any length).
const SPELLED_MIN: usize = 4;

/// RFC 3986's reserved and other characters: all but `A-Z a-z 0-9 - . _ ~`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What JavaScript's `encodeURIComponent` encodes: RFC 3986's set but `! ' ( ) *`.
const URI_COMPONENT: &AsciiSet = &RFC3986
    .remove(b'!')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*');

/// An HTML form's set (WHATWG): all but `A-Z a-z 0-9 * - . _`; a space is `+`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// The values of one answer, each in every spelling looked for. Zeroed when dropped.
pub(super) struct Spellings(Vec<Zeroizing<Vec<u8>>>);

impl Spellings {
    /// The spellings of every non-empty value of `values`.
    pub(super) fn of<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        Self(
            values
                .into_iter()
                .filter(|value| !value.is_empty())
                .flat_map(spellings)
                .filter(|spelling| !spelling.is_empty())
                .collect(),
        )
    }

    /// Whether `text` holds one of the values, in any of its spellings.
    pub(super) fn in_text(&self, text: &str) -> bool {
        let text = text.as_bytes();
        self.0.iter().any(|spelling| {
            text.windows(spelling.len())
                .any(|window| window == spelling.as_slice())
        })
    }
}

/// Every spelling of `value` looked for.
fn spellings(value: &str) -> Vec<Zeroizing<Vec<u8>>> {
    let mut out = vec![Zeroizing::new(value.as_bytes().to_vec())];
    if value.len() < SPELLED_MIN {
        return out;
    }
    // JSON: serde_json and JSON.stringify; Python's ensure_ascii; PHP's (`\/` too);
    // upper-case hex (.NET, Jackson).
    for (ascii, slash, upper) in [
        (false, false, false),
        (true, false, false),
        (true, true, false),
        (true, false, true),
    ] {
        out.push(json(value, ascii, slash, upper));
    }
    for (set, plus) in [(RFC3986, false), (URI_COMPONENT, false), (FORM, true)] {
        out.push(percent(value.as_bytes(), set, plus));
    }
    for offset in 0..3 {
        for url_safe in [false, true] {
            out.push(base64_inside(value.as_bytes(), offset, url_safe));
        }
    }
    for digits in [b"0123456789abcdef", b"0123456789ABCDEF"] {
        let mut hex = Zeroizing::new(Vec::with_capacity(value.len() * 2));
        for &byte in value.as_bytes() {
            hex.push(digits[usize::from(byte >> 4)]);
            hex.push(digits[usize::from(byte & 0xf)]);
        }
        out.push(hex);
    }
    out
}

/// `text` as the inside of a JSON string: `ascii` escapes every character past ASCII,
/// `slash` writes `/` as `\/`, `upper` writes hex digits in upper case.
fn json(text: &str, ascii: bool, slash: bool, upper: bool) -> Zeroizing<Vec<u8>> {
    use std::fmt::Write as _;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.chars() {
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' if slash => Some("\\/"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            _ => None,
        };
        if let Some(short) = short {
            out.push_str(short);
        } else if (ascii && !c.is_ascii()) || u32::from(c) < 0x20 {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = if upper {
                    write!(out, "\\u{unit:04X}")
                } else {
                    write!(out, "\\u{unit:04x}")
                };
            }
        } else {
            out.push(c);
        }
    }
    Zeroizing::new(std::mem::take(&mut *out).into_bytes())
}

/// `value` percent-encoded (upper-case hex), every byte of `set` and past ASCII as `%XX`;
/// with `plus`, a space as `+`.
fn percent(value: &[u8], set: &'static AsciiSet, plus: bool) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 3));
    for (index, part) in value.split(|&b| plus && b == b' ').enumerate() {
        if index > 0 {
            out.push(b'+');
        }
        for piece in percent_encoding::percent_encode(part, set) {
            out.extend_from_slice(piece.as_bytes());
        }
    }
    out
}

/// The base64 characters that `value` alone decides when it starts `offset` bytes into a
/// group of three: character `i` holds bits `6i .. 6i + 6`, the value bits
/// `8 * offset .. 8 * (offset + len)`.
fn base64_inside(value: &[u8], offset: usize, url_safe: bool) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(vec![0u8; offset]);
    input.extend_from_slice(value);
    let engine = if url_safe {
        &URL_SAFE_NO_PAD
    } else {
        &STANDARD_NO_PAD
    };
    let encoded = Zeroizing::new(engine.encode(&*input).into_bytes());
    let first = (8 * offset).div_ceil(6);
    let end = (8 * (offset + value.len()) / 6).min(encoded.len());
    Zeroizing::new(encoded.get(first..end).unwrap_or_default().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_found_in_each_spelling_and_a_short_one_only_as_it_is() {
        let value = "pä/ss wörd+1";
        let spelled = Spellings::of([value, ""]);
        for text in [
            "x pä/ss wörd+1 y",
            r"json p\u00e4\/ss w\u00f6rd+1",
            "json p\\u00E4/ss w\\u00F6rd+1",
            "url p%C3%A4%2Fss%20w%C3%B6rd%2B1",
            "form p%C3%A4%2Fss+w%C3%B6rd%2B1",
            // base64 of "...pä/ss wörd+1..." at an offset of one byte.
            "token=QXDDpC9zcyB3w7ZyZCsx",
            "hex 70c3a42f73732077c3b67264 2b31",
            "HEX 70C3A42F73732077C3B672642B31",
        ] {
            let found = spelled.in_text(text);
            assert_eq!(found, !text.contains(" 2b31"), "{text}");
        }
        assert!(!spelled.in_text("nothing here"));
        let short = Spellings::of(["x"]);
        assert!(short.in_text("a x"));
        assert!(!short.in_text("denied, eA"), "no base64 of a short value");
    }
}
