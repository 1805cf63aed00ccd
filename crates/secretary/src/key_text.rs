//! Whether the text of a key was typed by a person rather than drawn by a generator:
//! the audit log's `SECRETARY_AUDIT_KEY` and the outage copy's `SECRETARY_CACHE_KEY`
//! are refused when it was, since anyone who reads the log or the copy could then search
//! their key offline. One rule for both keys.

/// Whether the text of a key shows the marks of one a person typed: a stretch of 8
/// characters that comes twice (`SecretarySecretary`, a word repeated), base64 without
/// both upper and lower case letters (`correcthorsebatterystaples`), hex with fewer than
/// 8 distinct digits or no letter, or a long run of characters that never go down or
/// never go up (12 in base64, 14 in hex: `0123456789ab...`, `fedcba98...`). Of 150,000
/// keys drawn at random for each of `secretary generate`'s formats and sizes, none was
/// refused; a 16-byte key in base64 lacks a letter case about once in 60,000 draws, and
/// a 32-byte one practically never. A passphrase of mixed case (`CorrectHorseBattery`)
/// is refused by [`wordy`]. About one 32-byte draw in three million trips one rule or
/// another (a run of 12 in order, a stretch of 8 twice, a word-like run):
/// [`crate::generate::generate`] draws again then, so that a key it makes is always
/// taken. No test proves randomness: these refuse the keys people type, not every weak
/// one (fourth and eighth adversarial passes).
pub(crate) fn typed(key: &str) -> bool {
    let text: Vec<char> = key.chars().take(256).collect();
    let repeated = (0..text.len().saturating_sub(8)).any(|start| {
        let piece = &text[start..start + 8];
        text[start + 1..].windows(8).any(|window| window == piece)
    });
    let hex = text.iter().all(char::is_ascii_hexdigit);
    let both_cases =
        text.iter().any(char::is_ascii_uppercase) && text.iter().any(char::is_ascii_lowercase);
    let one_case = !hex && !both_cases;
    let few_digits = hex
        && text
            .iter()
            .map(char::to_ascii_lowercase)
            .collect::<std::collections::HashSet<_>>()
            .len()
            < 8;
    // Hex of decimal digits only: one in three million for 32 random hex digits.
    let decimal = hex && text.iter().all(char::is_ascii_digit);
    let (mut up, mut down, mut longest) = (1, 1, 1);
    for pair in text.windows(2) {
        up = if pair[1] >= pair[0] { up + 1 } else { 1 };
        down = if pair[1] <= pair[0] { down + 1 } else { 1 };
        longest = longest.max(up).max(down);
    }
    // Hex's 16 symbols make runs likelier: its limit is longer.
    let run_limit = if hex { 14 } else { 12 };
    repeated || one_case || few_digits || decimal || longest >= run_limit || (!hex && wordy(&text))
}

/// The bytes `key` spells in hex (an even number of hex digits, not none); `None`
/// when it is not hex. Zeroed when dropped. How both keys read `secretary generate
/// --format hex`.
pub(crate) fn hex_bytes(key: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if key.is_empty() || key.len() % 2 != 0 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    key.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? * 16 + digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .map(zeroize::Zeroizing::new)
}

/// Whether the bytes of a key (decoded) follow a pattern no generator draws: a run of 8
/// that count up or down by one step (`00 01 02 ...`, RFC 8439's test key `80 81 82 ...`,
/// a step of 0: `ab ab ab ...`, a step of 3, wrapping past `ff`), or of 16 that never go
/// down or never go up. The text rules of [`typed`] read the key as written, and such
/// keys pass them: the pattern is in the bytes (a twelfth adversarial pass). For random
/// bytes, 8 in a step come about once in 10^13 keys of 32 bytes; 16 in order once in
/// 10^11.
pub(crate) fn patterned(bytes: &[u8]) -> bool {
    let stepped = bytes.windows(8).any(|run| {
        let step = run[1].wrapping_sub(run[0]);
        run.windows(2)
            .all(|pair| pair[1].wrapping_sub(pair[0]) == step)
    });
    let (mut up, mut down, mut longest) = (1, 1, 1);
    for pair in bytes.windows(2) {
        up = if pair[1] >= pair[0] { up + 1 } else { 1 };
        down = if pair[1] <= pair[0] { down + 1 } else { 1 };
        longest = longest.max(up).max(down);
    }
    stepped || longest >= 16
}

/// Whether `text` reads as words: at least 80% of it in runs of three or more letters
/// (`Correct`, `horse`, `BATTERY`), whose letters are at least 70% of English's most
/// common twelve (`etaoinshrdlu`) and at least 30% vowels (`aeiouy`). Random base64's
/// letters are those twelve 46% of the time and vowels 23%; English text's about 80% and
/// 38%. Of a million 16-byte keys drawn at random and written in base64, 71 read as
/// words (one in 14,000: the message says to make another); of a million 24-byte keys
/// 7, of 32-byte keys none. `CorrectHorseBatteryStaple`, `MySecretAuditKeyForProd` and
/// `OpenSesameAuditLogKey` do.
fn wordy(text: &[char]) -> bool {
    const COMMON: &str = "etaoinshrdlu";
    const VOWELS: &str = "aeiouy";
    let (mut covered, mut common, mut vowels) = (0usize, 0usize, 0usize);
    let mut count = |run: &[char]| {
        if run.len() >= 3 {
            covered += run.len();
            for c in run.iter().map(char::to_ascii_lowercase) {
                common += usize::from(COMMON.contains(c));
                vowels += usize::from(VOWELS.contains(c));
            }
        }
    };
    // Runs as a person types words: a capital and lower case letters (`Horse`), lower
    // case letters (`horse`), or capitals (`HORSE`).
    let run_of =
        |from: usize, case: fn(&char) -> bool| text[from..].iter().take_while(|c| case(c)).count();
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        let length =
            if c.is_ascii_uppercase() && text.get(i + 1).is_some_and(char::is_ascii_lowercase) {
                1 + run_of(i + 1, char::is_ascii_lowercase)
            } else if c.is_ascii_uppercase() {
                run_of(i, char::is_ascii_uppercase)
            } else if c.is_ascii_lowercase() {
                run_of(i, char::is_ascii_lowercase)
            } else {
                i += 1;
                continue;
            };
        count(&text[i..i + length]);
        i += length;
    }
    !text.is_empty()
        && covered * 10 >= text.len() * 8
        && common * 10 >= covered * 7
        && vowels * 10 >= covered * 3
}

#[cfg(test)]
mod tests {
    use super::patterned;

    #[test]
    fn bytes_that_count_or_stand_in_order_are_a_pattern_and_drawn_ones_are_not() {
        let counting: Vec<u8> = (0..32).collect();
        let rfc8439: Vec<u8> = (0x80..0xa0).collect();
        let down: Vec<u8> = (0..32).rev().collect();
        let by_three: Vec<u8> = (0..32u8)
            .map(|i| i.wrapping_mul(3).wrapping_add(250))
            .collect();
        let mut ordered: Vec<u8> = (0..32u8).map(|i| i / 2).collect();
        ordered[0] = 0x5a;
        for bytes in [&counting, &rfc8439, &down, &by_three, &ordered] {
            assert!(patterned(bytes), "{bytes:02x?}");
        }
        let mut drawn = [0u8; 32];
        for _ in 0..20_000 {
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut drawn).unwrap();
            assert!(!patterned(&drawn), "{drawn:02x?}");
        }
    }
}
