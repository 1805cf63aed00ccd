//! Property tests for `scan`: a value written into text in any form it searches for, at
//! any place, with anything around it, is found on the line where it starts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use base64::Engine as _;
use proptest::prelude::*;
use secretary::scan::{Form, Needles};

/// A value as secrets are: printable ASCII, some Unicode, quotes and spaces; 8 bytes or more.
fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::char::range('!', '~'),
            1 => Just(' '),
            1 => prop::char::range('\u{a0}', '\u{24f}'),
            1 => Just('☃'),
            1 => Just('\n'),
        ],
        8..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Bytes around the value: anything but NUL (which would make the text binary).
fn around() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(1u8..=255, 0..12)
}

/// Percent-encoding with RFC 3986's unreserved characters kept (Python's `quote(v, safe="")`),
/// written here independently of the library's.
fn quote(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The forms reported for `key` at `line` when `text` is searched.
fn forms_at(needles: &Needles, text: &[u8], line: usize) -> Vec<Form> {
    needles
        .search(text)
        .into_iter()
        .filter(|found| found.key == "k" && found.line == line)
        .map(|found| found.form)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Inside base64 (either alphabet, padded or not) of any bytes around it: found at
    /// every alignment.
    #[test]
    fn base64_at_any_offset_is_found(
        value in value(),
        before in around(),
        after in around(),
        url_safe: bool,
        lines in 0usize..3,
    ) {
        let needles = Needles::new([("k", value.as_str())], 8);
        let mut plain = before.clone();
        plain.extend_from_slice(value.as_bytes());
        plain.extend_from_slice(&after);
        let encoded = if url_safe {
            base64::engine::general_purpose::URL_SAFE.encode(&plain)
        } else {
            base64::engine::general_purpose::STANDARD.encode(&plain)
        };
        let text = format!("{}Authorization: Basic {encoded}\n", "x\n".repeat(lines));
        let forms = forms_at(&needles, text.as_bytes(), lines + 1);
        prop_assert!(
            forms.contains(&Form::Base64) || forms.contains(&Form::Base64Url),
            "offset {}: {forms:?}", before.len() % 3
        );
    }

    /// The value itself, its hex in either case, its percent-encoding and its JSON string,
    /// between any other bytes: found, on the line where it starts. (A value as guessable
    /// as a word is found as itself only as a word of its own: a space on either side.)
    #[test]
    fn every_other_form_is_found_between_any_bytes(
        value in value(),
        before in around(),
        after in around(),
        upper: bool,
    ) {
        let needles = Needles::new([("k", value.as_str())], 8);
        let line = 1 + memchr::memchr_iter(b'\n', &before).count();
        let hex: String = value.bytes().map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") }).collect();
        let json = serde_json::to_string(&value).unwrap();
        let guessable = needles.whole_word_keys().next().is_some();
        for (spelled, expected) in [
            (value.clone(), Form::Exact),
            (hex, Form::Hex),
            (quote(&value), Form::Url),
            (json[1..json.len() - 1].to_owned(), Form::Json),
        ] {
            let apart = guessable && expected != Form::Hex;
            let mut text = before.clone();
            if apart {
                text.push(b' ');
            }
            text.extend_from_slice(spelled.as_bytes());
            if apart {
                text.push(b' ');
            }
            text.extend_from_slice(&after);
            let forms = forms_at(&needles, &text, line);
            // A spelling with nothing to encode is the value itself, and is told as such.
            let told = if spelled == value { Form::Exact } else { expected };
            prop_assert!(forms.contains(&told), "{expected:?}: {forms:?}");
        }
    }

    /// A value as guessable as a word is not found as itself inside a longer word.
    #[test]
    fn a_guessable_value_is_not_found_inside_a_word(
        value in "[a-z]{8,10}",
        before in "[a-zA-Z0-9_-]{1,3}",
        after in "[a-zA-Z0-9_-]{0,3}",
    ) {
        let needles = Needles::new([("k", value.as_str())], 8);
        prop_assume!(needles.whole_word_keys().next().is_some());
        for text in [format!("{before}{value}{after}"), format!("{after}{value}{before}")] {
            prop_assert!(needles.search(text.as_bytes()).is_empty(), "{text}");
        }
        let alone = format!("{before} {value}.{after}");
        prop_assert_eq!(needles.search(alone.as_bytes()).len(), 1);
    }

    /// A value shorter than the minimum is not searched, and is named as not searched.
    #[test]
    fn short_values_are_left_out(value in "[a-z]{1,7}") {
        let needles = Needles::new([("k", value.as_str())], 8);
        prop_assert!(needles.search(value.as_bytes()).is_empty());
        prop_assert_eq!(needles.not_searched().len(), 1);
    }
}

/// Issue 25, item 8: the JSON that common serialisers write, each with its own escapes
/// (written out here by hand from what each one does by default), is found. A value with
/// every character they treat differently: `"`, `&<>`, `/`, `'=+` and a backquote,
/// non-ASCII in and past the Basic Multilingual Plane, a control character, DEL and
/// U+2028.
#[test]
fn json_as_common_serialisers_write_it_is_found() {
    let value = "a\"b&c<d>e/f'g=h+i`j\u{e9}\u{1f600}\u{1b}k\u{7f}l\u{2028}m";
    let needles = Needles::new([("k", value)], 8);
    let written = [
        // serde_json, JavaScript's JSON.stringify, Python with ensure_ascii=False, Ruby.
        "a\\\"b&c<d>e/f'g=h+i`j\u{e9}\u{1f600}\\u001bk\u{7f}l\u{2028}m",
        // Python's json.dumps (ensure_ascii).
        "a\\\"b&c<d>e/f'g=h+i`j\\u00e9\\ud83d\\ude00\\u001bk\\u007fl\\u2028m",
        // Go's encoding/json.
        "a\\\"b\\u0026c\\u003cd\\u003ee/f'g=h+i`j\u{e9}\u{1f600}\\u001bk\u{7f}l\\u2028m",
        // PHP's json_encode.
        "a\\\"b&c<d>e\\/f'g=h+i`j\\u00e9\\ud83d\\ude00\\u001bk\u{7f}l\\u2028m",
        // PHP's json_encode with JSON_UNESCAPED_UNICODE.
        "a\\\"b&c<d>e\\/f'g=h+i`j\u{e9}\u{1f600}\\u001bk\u{7f}l\\u2028m",
        // Gson.
        "a\\\"b\\u0026c\\u003cd\\u003ee/f\\u0027g\\u003dh+i`j\u{e9}\u{1f600}\\u001bk\u{7f}l\\u2028m",
        // .NET's System.Text.Json.
        "a\\u0022b\\u0026c\\u003Cd\\u003Ee/f\\u0027g=h\\u002Bi\\u0060j\\u00E9\\uD83D\\uDE00\\u001Bk\\u007Fl\\u2028m",
        // Jackson.
        "a\\\"b&c<d>e/f'g=h+i`j\u{e9}\u{1f600}\\u001Bk\u{7f}l\u{2028}m",
    ];
    let mut text = String::new();
    for spelled in written {
        text.push_str("{\"password\": \"");
        text.push_str(spelled);
        text.push_str("\"}\n");
    }
    let found: Vec<(usize, Form)> = needles
        .search(text.as_bytes())
        .into_iter()
        .map(|found| (found.line, found.form))
        .collect();
    let expected: Vec<(usize, Form)> = (1..=written.len()).map(|line| (line, Form::Json)).collect();
    assert_eq!(found, expected);
}

/// An eighth adversarial pass: a file whose name holds a value was named in the findings
/// (`tree/CANARY-7f3a9b.log:1: ...`). Each name that spells a value is withheld.
#[test]
fn a_file_name_holding_a_value_is_not_shown() {
    let value = "canary-name-7f3a9b2c";
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join(value)).unwrap();
    std::fs::write(tree.join(format!("{value}.log")), format!("x {value}\n")).unwrap();
    std::fs::write(tree.join(value).join("inner.txt"), format!("{value}\n")).unwrap();
    let needles = Needles::new([("api_key", value)], 8);
    let outcome = needles.scan(&[tree], &secretary::scan::Options::default());
    let shown: Vec<String> = outcome
        .files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    for path in &shown {
        assert!(!path.contains(value), "{path}");
        assert!(
            path.contains("[a name holding the value of api_key]"),
            "{path}"
        );
    }
    assert!(
        shown.iter().any(|path| path.ends_with("inner.txt")),
        "{shown:?}"
    );
}

/// Pass 12 of issue 25: a multi-line value in a Windows checkout (git's `core.autocrlf`
/// writes every `\n` as `\r\n`) was not found; nor is a value written with CRLF found
/// in a file with LF line ends.
#[test]
fn a_multi_line_value_is_found_with_either_line_ends() {
    let value = "-----BEGIN KEY-----\nZm9vYmFyYmF6cXV4MTIzNDU2Nzg5\n-----END KEY-----";
    let needles = Needles::new([("k", value)], 8);
    let crlf = format!("# key\r\nPEM_KEY=\"{}\"\r\n", value.replace('\n', "\r\n"));
    assert_eq!(forms_at(&needles, crlf.as_bytes(), 2), [Form::Exact]);
    let needles = Needles::new([("k", value.replace('\n', "\r\n").as_str())], 8);
    let lf = format!("# key\nPEM_KEY=\"{value}\"\n");
    assert_eq!(forms_at(&needles, lf.as_bytes(), 2), [Form::Exact]);
}
