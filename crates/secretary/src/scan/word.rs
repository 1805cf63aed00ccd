//! Which values [`scan`](super) may find inside longer text, and which only as a word of
//! their own.
//!
//! A value is **distinctive** when its length times the Shannon entropy of its bytes (the
//! information its own characters carry, counted from how often each occurs) is at least
//! [`DISTINCTIVE_BITS`]: a random 12-character password carries about 43 bits, a
//! 32-character hex key about 120. Such a value does not turn up by chance, so it is found
//! anywhere, even inside a longer word. A value below that (a word or a name such as
//! `faceless`, 20 bits; a number such as `4111111111111111`, 5 bits; `production`, 31)
//! is part of ordinary text: as itself (exact, JSON, URL-encoded) it counts only as a
//! whole word, not where a letter, digit, `_`, `-` or a non-ASCII character touches it
//! (`faceless` in `faceless-youtube` or `faceless_dev` is not a finding, in
//! `user: faceless` or `"faceless"` it is). Its base64 and hex are found as anyone's,
//! since they are written only by encoding the value.

/// Values carrying fewer bits than this (length times the entropy of their bytes) are
/// matched only as a whole word (a random 12-character password carries about 43 bits,
/// `faceless` 20); see [`scan`](super).
pub const DISTINCTIVE_BITS: f64 = 40.0;

/// Whether `value` is found only as a whole word: it carries fewer than
/// [`DISTINCTIVE_BITS`].
pub(super) fn is_guessable(value: &[u8]) -> bool {
    bits(value) < DISTINCTIVE_BITS
}

/// `value`'s length times the Shannon entropy of its bytes.
fn bits(value: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &byte in value {
        counts[usize::from(byte)] = counts[usize::from(byte)].saturating_add(1);
    }
    // Lengths are capped at 1 MiB before they get here; f64 holds them exactly.
    let total = f64::from(u32::try_from(value.len()).unwrap_or(u32::MAX));
    if total == 0.0 {
        return 0.0;
    }
    let entropy: f64 = counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = f64::from(count) / total;
            -p * p.log2()
        })
        .sum();
    entropy * total
}

/// Whether `byte` belongs to a word: an ASCII letter or digit, `_`, `-`, or a byte of a
/// non-ASCII character.
pub(super) fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' || byte >= 0x80
}

/// Whether `spelling`, found at `bytes[start..end]`, stands as a word of its own: no word
/// byte touches an end of it that is itself a word byte. Outside `bytes` is taken as the
/// edge of the text.
pub(super) fn stands_alone(bytes: &[u8], start: usize, end: usize, spelling: &[u8]) -> bool {
    let touches = |inner: Option<&u8>, outer: Option<&u8>| {
        inner.is_some_and(|&b| is_word_byte(b)) && outer.is_some_and(|&b| is_word_byte(b))
    };
    let before = start.checked_sub(1).and_then(|at| bytes.get(at));
    !touches(spelling.first(), before) && !touches(spelling.last(), bytes.get(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_names_and_numbers_are_guessable_random_values_are_not() {
        for guessable in [
            "faceless",
            "production",
            "postgres",
            "4111111111111111",
            "password123",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(is_guessable(guessable.as_bytes()), "{guessable}");
        }
        for distinctive in [
            "k9Qz2Xw7Lp4R",
            "dev-only-password",
            "tok_9f8e7d6c5b4a",
            "0123456789abcdef0123456789abcdef",
            "postgresql://faceless:dev-only-password@localhost:5432/faceless_dev",
        ] {
            assert!(!is_guessable(distinctive.as_bytes()), "{distinctive}");
        }
    }

    #[test]
    fn a_word_stands_alone_between_anything_but_word_bytes() {
        let at = |text: &str| {
            let start = text.find("faceless").unwrap();
            stands_alone(text.as_bytes(), start, start + 8, b"faceless")
        };
        for alone in [
            "faceless",
            "user: faceless\n",
            "\"faceless\"",
            "//faceless:pw@",
            "faceless.",
        ] {
            assert!(at(alone), "{alone}");
        }
        for inside in [
            "faceless-youtube",
            "faceless_dev",
            "xfaceless",
            "faceless2",
            "éfaceless",
        ] {
            assert!(!at(inside), "{inside}");
        }
    }
}
