//! The streaming redactor against the obvious, whole-input replacement: whatever the
//! values (overlapping, nested, sharing prefixes) and however the input is cut into
//! writes, the output is the same.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::io::Write;

use proptest::prelude::*;
use secretary::redact::Redactor;

/// Replace, scanning left to right: at each position the longest value that starts there
/// is replaced by its label; otherwise the byte is copied.
fn naive(values: &[(String, Vec<u8>)], input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let longest = values
            .iter()
            .filter(|(_, value)| !value.is_empty() && input[at..].starts_with(value))
            .max_by_key(|(_, value)| value.len());
        if let Some((key, value)) = longest {
            out.extend_from_slice(format!("[redacted:{key}]").as_bytes());
            at += value.len();
        } else {
            out.push(input[at]);
            at += 1;
        }
    }
    out
}

/// Values from a tiny alphabet, so they overlap, nest and share prefixes; distinct, so
/// that each has one name.
fn values() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::btree_set("[abc\n]{1,6}", 1..6).prop_map(|set| {
        set.into_iter()
            .enumerate()
            .map(|(i, value)| (format!("k{i}"), value.into_bytes()))
            .collect()
    })
}

/// Input made of values and noise from the same alphabet, and where to cut it.
fn input() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    (
        prop::collection::vec(prop::sample::select(b"abcx\n\xff".to_vec()), 0..120),
        prop::collection::vec(0usize..130, 0..12),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_naive_replacement(values in values(), (input, cuts) in input()) {
        let redactor = Redactor::new(values.iter().map(|(key, value)| {
            (key.as_str(), std::str::from_utf8(value).unwrap())
        }));
        let expected = naive(&values, &input);
        prop_assert_eq!(&redactor.redact(&input), &expected);

        let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(input.len())).collect();
        cuts.push(0);
        cuts.push(input.len());
        cuts.sort_unstable();
        let mut out = Vec::new();
        let mut writer = redactor.writer(&mut out);
        for pair in cuts.windows(2) {
            writer.write_all(&input[pair[0]..pair[1]]).unwrap();
        }
        writer.finish().unwrap();
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn output_ending_in_a_byte_no_value_holds_is_written_at_once(
        values in values(),
        (mut input, _) in input(),
        end in prop::sample::select(vec![b'x', b'\xff']),
    ) {
        let redactor = Redactor::new(values.iter().map(|(key, value)| {
            (key.as_str(), std::str::from_utf8(value).unwrap())
        }));
        input.push(end);
        let mut out = Vec::new();
        let mut writer = redactor.writer(&mut out);
        writer.write_all(&input).unwrap();
        writer.flush().unwrap();
        std::mem::forget(writer); // no `finish`: only what was written so far
        prop_assert_eq!(out, naive(&values, &input));
    }
}
