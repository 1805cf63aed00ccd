//! Each value of a copy padded to whole steps ([`crate::charge::stepped`]) as JSON writes
//! it: the copy's size, which its read limit judges, then tells no value's length beside
//! the keys and places the manifest chooses (a seventy-second adversarial pass padded a
//! copy with absent keys to read a password's length off "larger than the 16 MiB
//! limit").

/// The spaces written beside `value` in a copy: with its JSON spelling, whole steps.
pub(super) fn pad_for(value: &str) -> String {
    let len = json_len(value);
    " ".repeat(crate::charge::stepped(len).saturating_sub(len))
}

/// How many bytes `serde_json` writes `value` in, between its quotes: `"`, `\` and the
/// control characters escaped (`\n`, `\u0001`), the rest as UTF-8.
fn json_len(value: &str) -> usize {
    value
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .fold(0usize, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn a_value_and_its_pad_are_whole_steps_as_json_writes_them() {
        let every: String = (0u8..=0x7f).map(char::from).collect();
        for value in ["", "x", "hunter2", "pä\u{2028}ss 🔑", every.as_str()] {
            let written = serde_json::to_string(value).unwrap().len() - 2;
            assert_eq!(json_len(value), written, "{value:?}");
            let padded = written + pad_for(value).len();
            assert_eq!(padded % crate::charge::CHARGE_STEP, 0, "{value:?}");
            assert!(padded >= crate::charge::CHARGE_STEP);
        }
        // Two values of the same step take the same room.
        assert_eq!(
            json_len("a") + pad_for("a").len(),
            json_len("a\"b") + pad_for("a\"b").len()
        );
    }
}
