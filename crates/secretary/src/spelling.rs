//! The spellings of a value: the value itself, and the value as common encoders write it.
//! [`scan`](crate::scan) looks for every one in a tree, an `exec` provider's text may hold
//! none of its answer's values (`source/exec/spelled.rs`), and `init` keeps a comment
//! holding one out of the manifest (`init/describe.rs`). Each spelling is a literal byte
//! string, so that one automaton finds them all in one pass. A leaf: it depends on no
//! module of the crate, so that `source`, `scan` and `init` can all use it.
//!
//! - **exact**: the bytes of the value; for a multi-line value also with its line ends
//!   spelled the other way (`\n` as `\r\n`, as a Windows checkout with git's
//!   `core.autocrlf` writes it, and `\r\n` as `\n`).
//! - **json**: inside a JSON string as eight common serialisers write it by default (see
//!   `JSON_STYLES`): `serde_json`, JavaScript's `JSON.stringify`, Python's `json.dumps`
//!   (`ensure_ascii`, and without it), Go's `encoding/json` (`\u0026 \u003c \u003e`),
//!   PHP's `json_encode` (`\/`, with and without `JSON_UNESCAPED_UNICODE`), Gson, .NET's
//!   `System.Text.Json` (upper-case hex, `\u0022`) and Jackson. Each writes the value one
//!   way throughout, so a value has at most eight JSON spellings, most of them alike.
//! - **url**: percent-encoded as five common encoders do (upper-case `%XX`): RFC 3986's
//!   unreserved characters kept (Python's `quote(v, safe="")`); JavaScript's
//!   `encodeURIComponent` (also keeps `!'()*`); an HTML form as WHATWG writes it
//!   (`URLSearchParams`, the `url` crate: space as `+`, keeps `*-._`); Python's
//!   `quote_plus` and Go's `QueryEscape` (space as `+`, keeps `-._~`); and a URL's user
//!   info as WHATWG writes it (a browser or the `url` crate setting a password).
//! - **base64** and **base64url**: the value inside any longer base64 text. Base64 writes
//!   three bytes as four characters, so the value's first byte falls at one of three
//!   places in a group of three; for each, the characters that depend on the value's
//!   bytes alone are a literal (the characters at either end that also hold bits of the
//!   neighbouring bytes are left out). Padding plays no part.
//! - **hex**: lower and upper case.
//!
//! Not spelled: lower-case `%xx`, mixed-case hex, base64 or hex wrapped over several
//! lines, any other escaping (a shell's, a YAML block's), an encoding of an encoding, and
//! JSON that mixes the styles (some characters escaped, others of the same kind not, or
//! hex of both cases).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

/// How a value was written where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Form {
    /// The value's own bytes.
    Exact,
    /// Escaped as in a JSON string.
    Json,
    /// Percent-encoded, as in a URL or an HTML form.
    Url,
    /// Inside standard base64 (`+` and `/`).
    Base64,
    /// Inside URL-safe base64 (`-` and `_`).
    Base64Url,
    /// Hexadecimal, lower or upper case.
    Hex,
}

impl Form {
    /// The name used in output: `exact`, `json`, `url`, `base64`, `base64url`, `hex`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Json => "json",
            Self::Url => "url",
            Self::Base64 => "base64",
            Self::Base64Url => "base64url",
            Self::Hex => "hex",
        }
    }
}

impl std::fmt::Display for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 3986's reserved and other characters: everything but `A-Z a-z 0-9 - . _ ~`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What `encodeURIComponent` encodes: RFC 3986's set but `! ' ( ) *`.
const URI_COMPONENT: &AsciiSet = &RFC3986
    .remove(b'!')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*');

/// WHATWG's `application/x-www-form-urlencoded` set: everything but `A-Z a-z 0-9 * - . _`
/// (a space is written `+`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// WHATWG's userinfo percent-encode set.
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

/// Every spelling of `value` that is searched for, each with its form; the same bytes may
/// come twice (the caller keeps one).
pub(crate) fn spellings(value: &[u8]) -> Vec<(Form, Zeroizing<Vec<u8>>)> {
    let mut out = vec![(Form::Exact, Zeroizing::new(value.to_vec()))];
    for spelling in line_ends(value) {
        out.push((Form::Exact, spelling));
    }
    if let Ok(text) = std::str::from_utf8(value) {
        for style in &JSON_STYLES {
            out.push((Form::Json, json(text, style)));
        }
    }
    for (set, plus) in [
        (RFC3986, false),
        (URI_COMPONENT, false),
        (FORM, true),
        (RFC3986, true),
        (USERINFO, false),
    ] {
        out.push((Form::Url, percent(value, set, plus)));
    }
    for offset in 0..3 {
        out.push((Form::Base64, base64_inside(value, offset, false)));
        out.push((Form::Base64Url, base64_inside(value, offset, true)));
    }
    out.push((Form::Hex, hex(value, b"0123456789abcdef")));
    out.push((Form::Hex, hex(value, b"0123456789ABCDEF")));
    out.retain(|(_, spelling)| !spelling.is_empty());
    out
}

/// A multi-line value with its line ends spelled the other way, as a checkout with git's
/// `core.autocrlf` (or an editor on Windows) writes it: every `\n` as `\r\n` (one
/// already `\r\n` kept), and every `\r\n` as `\n`; those that differ from `value`.
/// Nothing for a value without a `\n`.
pub(crate) fn line_ends(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    if !value.contains(&b'\n') {
        return Vec::new();
    }
    let mut crlf = Zeroizing::new(Vec::with_capacity(value.len() + value.len() / 32));
    let mut lf = Zeroizing::new(Vec::with_capacity(value.len()));
    for (at, &byte) in value.iter().enumerate() {
        if byte == b'\n' {
            if at == 0 || value[at - 1] != b'\r' {
                crlf.push(b'\r');
            } else {
                lf.pop();
            }
        }
        crlf.push(byte);
        lf.push(byte);
    }
    [crlf, lf]
        .into_iter()
        .filter(|spelling| spelling.as_slice() != value)
        .collect()
}

/// How one JSON serialiser escapes a string by default, beyond what JSON requires (`"`,
/// `\\` and the control characters, which every one escapes: `\n \r \t \b \f`, the
/// others as `\u00XX`).
struct JsonStyle {
    /// Hex digits in upper case (`\u00E9`).
    upper: bool,
    /// Every character past ASCII as `\uXXXX` (a surrogate pair past the Basic
    /// Multilingual Plane).
    ascii: bool,
    /// `/` as `\/`.
    slash: bool,
    /// Characters written as `\uXXXX` (before the short escapes: `"` here is `\u0022`).
    escaped: &'static [char],
}

/// The JSON string styles searched for: each serialiser's default output (and PHP's
/// `JSON_UNESCAPED_UNICODE`, Python's `ensure_ascii=False`, which are common).
const JSON_STYLES: [JsonStyle; 8] = [
    // serde_json, JSON.stringify, Python ensure_ascii=False, Ruby.
    JsonStyle {
        upper: false,
        ascii: false,
        slash: false,
        escaped: &[],
    },
    // Python json.dumps.
    JsonStyle {
        upper: false,
        ascii: true,
        slash: false,
        escaped: &['\u{7f}'],
    },
    // Go encoding/json.
    JsonStyle {
        upper: false,
        ascii: false,
        slash: false,
        escaped: &['&', '<', '>', '\u{2028}', '\u{2029}'],
    },
    // PHP json_encode.
    JsonStyle {
        upper: false,
        ascii: true,
        slash: true,
        escaped: &[],
    },
    // PHP json_encode with JSON_UNESCAPED_UNICODE.
    JsonStyle {
        upper: false,
        ascii: false,
        slash: true,
        escaped: &['\u{2028}', '\u{2029}'],
    },
    // Gson.
    JsonStyle {
        upper: false,
        ascii: false,
        slash: false,
        escaped: &['&', '<', '>', '=', '\'', '\u{2028}', '\u{2029}'],
    },
    // .NET System.Text.Json.
    JsonStyle {
        upper: true,
        ascii: true,
        slash: false,
        escaped: &['"', '&', '\'', '+', '<', '>', '`', '\u{7f}'],
    },
    // Jackson.
    JsonStyle {
        upper: true,
        ascii: false,
        slash: false,
        escaped: &[],
    },
];

/// `text` as the inside of a JSON string written in `style`.
fn json(text: &str, style: &JsonStyle) -> Zeroizing<Vec<u8>> {
    use std::fmt::Write as _;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.chars() {
        let escape = style.escaped.contains(&c)
            || (style.ascii && !c.is_ascii())
            || (u32::from(c) < 0x20 && !matches!(c, '\n' | '\r' | '\t' | '\u{8}' | '\u{c}'));
        if escape {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = if style.upper {
                    write!(out, "\\u{unit:04X}")
                } else {
                    write!(out, "\\u{unit:04x}")
                };
            }
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if style.slash => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    Zeroizing::new(std::mem::take(&mut *out).into_bytes())
}

/// `value` percent-encoded with upper-case hex, every byte in `set` (and every byte past
/// ASCII) as `%XX`; with `plus`, a space as `+`.
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

/// The characters of base64 (standard or URL-safe, unpadded) that `value` alone decides
/// when it starts `offset` bytes into a group of three: character `i` of the encoding
/// holds bits `6i .. 6i + 6`, and the value holds bits `8 * offset .. 8 * (offset + len)`.
fn base64_inside(value: &[u8], offset: usize, url_safe: bool) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(vec![0u8; offset]);
    input.extend_from_slice(value);
    let engine = if url_safe {
        &URL_SAFE_NO_PAD
    } else {
        &STANDARD_NO_PAD
    };
    let mut encoded = Zeroizing::new(vec![0u8; input.len().div_ceil(3) * 4]);
    let written = engine.encode_slice(&*input, &mut encoded).unwrap_or(0);
    encoded.truncate(written);
    let first = (8 * offset).div_ceil(6);
    let end = (8 * (offset + value.len()) / 6).min(encoded.len());
    if first >= end {
        return Zeroizing::new(Vec::new());
    }
    Zeroizing::new(encoded[first..end].to_vec())
}

/// `value` in hexadecimal with these digits.
fn hex(value: &[u8], digits: &[u8; 16]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 2));
    for &byte in value {
        out.push(digits[usize::from(byte >> 4)]);
        out.push(digits[usize::from(byte & 0xf)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(value: &str, form: Form) -> Vec<String> {
        let mut found: Vec<String> = spellings(value.as_bytes())
            .into_iter()
            .filter(|(f, _)| *f == form)
            .map(|(_, s)| String::from_utf8(s.to_vec()).unwrap())
            .collect();
        found.dedup();
        found
    }

    #[test]
    fn url_spellings_follow_each_encoder() {
        let value = "a b+c/d~e*f!g@h:i";
        let url = of(value, Form::Url);
        // quote(v, safe=""), encodeURIComponent, URLSearchParams, quote_plus, userinfo.
        assert_eq!(
            url,
            [
                "a%20b%2Bc%2Fd~e%2Af%21g%40h%3Ai",
                "a%20b%2Bc%2Fd~e*f!g%40h%3Ai",
                "a+b%2Bc%2Fd%7Ee*f%21g%40h%3Ai",
                "a+b%2Bc%2Fd~e%2Af%21g%40h%3Ai",
                "a%20b+c%2Fd~e*f!g%40h%3Ai",
            ]
        );
        assert_eq!(of("é", Form::Url)[0], "%C3%A9");
    }

    #[test]
    fn json_spellings_escape_as_serializers_do() {
        let mut spelled = of("a\"b\\c\nd\u{1}é😀", Form::Json);
        spelled.sort();
        spelled.dedup();
        assert_eq!(
            spelled,
            [
                // Python's json.dumps, PHP's json_encode.
                "a\\\"b\\\\c\\nd\\u0001\\u00e9\\ud83d\\ude00",
                // serde_json, JSON.stringify, Go, Gson, Jackson, PHP's JSON_UNESCAPED_UNICODE.
                "a\\\"b\\\\c\\nd\\u0001é😀",
                // .NET's System.Text.Json.
                "a\\u0022b\\\\c\\nd\\u0001\\u00E9\\uD83D\\uDE00",
            ]
        );
    }

    #[test]
    fn a_value_with_nothing_to_escape_has_one_json_spelling_its_own() {
        let mut spelled = of("plain-value_123.x", Form::Json);
        spelled.dedup();
        assert_eq!(spelled, ["plain-value_123.x"]);
    }

    #[test]
    fn base64_keeps_only_the_characters_the_value_decides() {
        // "abcdefgh" at offset 0: YWJjZGVmZ2g -> 8 bytes decide 64 bits = 10 whole chars.
        let spelled = of("abcdefgh", Form::Base64);
        assert_eq!(spelled[0], "YWJjZGVmZ2");
        for (offset, spelling) in spelled.iter().enumerate() {
            for prefix in [b"", b"x".as_slice(), b"xy", b"xyz"] {
                for suffix in [b"".as_slice(), b"!", b"!?"] {
                    if prefix.len() % 3 != offset {
                        continue;
                    }
                    let mut input = prefix.to_vec();
                    input.extend_from_slice(b"abcdefgh");
                    input.extend_from_slice(suffix);
                    let encoded = base64::engine::general_purpose::STANDARD.encode(&input);
                    assert!(
                        encoded.contains(spelling.as_str()),
                        "{encoded} lacks {spelling} (offset {offset})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_multi_line_value_is_spelled_with_crlf_and_lf_line_ends() {
        assert_eq!(
            of("a\nb\r\nc", Form::Exact),
            ["a\nb\r\nc", "a\r\nb\r\nc", "a\nb\nc"]
        );
        assert_eq!(of("a\nb", Form::Exact), ["a\nb", "a\r\nb"]);
        assert_eq!(of("a\r\nb", Form::Exact), ["a\r\nb", "a\nb"]);
        assert_eq!(of("ab", Form::Exact), ["ab"]);
    }

    #[test]
    fn hex_in_both_cases() {
        assert_eq!(of("\u{1}\u{ab}", Form::Hex), ["01c2ab", "01C2AB"]);
    }
}
