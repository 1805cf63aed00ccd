//! Whether a provider's text (a `locator`, a `looked`, an `error`) spells a value of its
//! answer: as it is, or in any spelling of [`crate::spelling`] (JSON-escaped,
//! percent-encoded, inside base64 at each alignment, hex).

use zeroize::Zeroizing;

/// The shortest value (in bytes) looked for in its other spellings too: the base64 of a
/// shorter one is one to three characters found in most words (a value is looked for as
/// it is at any length).
const SPELLED_MIN: usize = 4;

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

/// Every spelling of `value` looked for: the value alone when it is short.
fn spellings(value: &str) -> Vec<Zeroizing<Vec<u8>>> {
    if value.len() < SPELLED_MIN {
        return vec![Zeroizing::new(value.as_bytes().to_vec())];
    }
    crate::spelling::spellings(value.as_bytes())
        .into_iter()
        .map(|(_, spelling)| spelling)
        .collect()
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
            // .NET's System.Text.Json: upper-case hex, `+` escaped too.
            "json p\\u00E4/ss w\\u00F6rd\\u002B1",
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
