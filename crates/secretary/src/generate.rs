//! New random secrets from the operating system's CSPRNG (`getrandom(2)`): what
//! `secretary generate` prints and what `rotate` writes for a secret declared with
//! `generate = { bytes = 32, format = "urlsafe" }`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::SecretValue;

/// How random bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// URL-safe base64 without padding (43 characters for 32 bytes): the default.
    #[default]
    Urlsafe,
    /// Lower-case hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl Encoding {
    /// Its name in the manifest and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urlsafe => "urlsafe",
            Self::Hex => "hex",
            Self::Base64 => "base64",
        }
    }

    /// The encoding called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "urlsafe" => Some(Self::Urlsafe),
            "hex" => Some(Self::Hex),
            "base64" => Some(Self::Base64),
            _ => None,
        }
    }

    /// How many characters `bytes` random bytes are written as.
    pub fn length(self, bytes: u16) -> usize {
        let bytes = usize::from(bytes);
        match self {
            Self::Urlsafe => (bytes * 4).div_ceil(3),
            Self::Hex => bytes * 2,
            Self::Base64 => bytes.div_ceil(3) * 4,
        }
    }
}

/// Fills `buffer` from the kernel's CSPRNG.
pub(crate) fn fill_random(buffer: &mut [u8]) -> std::io::Result<()> {
    let mut filled = 0;
    while filled < buffer.len() {
        filled +=
            rustix::rand::getrandom(&mut buffer[filled..], rustix::rand::GetRandomFlags::empty())?;
    }
    Ok(())
}

/// `bytes` random bytes, written as `encoding`. The bytes and the text are zeroed when
/// dropped.
///
/// ```
/// use secretary::generate::{Encoding, generate};
///
/// let key = generate(32, Encoding::Urlsafe).unwrap();
/// assert_eq!(key.expose().len(), Encoding::Urlsafe.length(32));
/// assert_ne!(key.expose(), generate(32, Encoding::Urlsafe).unwrap().expose());
/// ```
pub fn generate(bytes: u16, encoding: Encoding) -> std::io::Result<SecretValue> {
    // A key of 16 bytes or more that reads as typed is drawn again: the audit log's and
    // the outage copy's keys refuse such text ([`crate::key_text`]), and about one draw
    // in a million of 32 bytes (a run of 12 in order, a stretch of 8 twice, a word-like
    // run) was a key `secretary generate` made and they refused (a flaky test found it).
    let mut drawn = draw(bytes, encoding)?;
    for _ in 0..8 {
        let (text, raw) = &drawn;
        if usize::from(bytes) < 16
            || !(crate::key_text::typed(text) || crate::key_text::patterned(raw))
        {
            break;
        }
        drawn = draw(bytes, encoding)?;
    }
    Ok(SecretValue::new(drawn.0.to_string()))
}

/// `bytes` random bytes, and their text in `encoding`.
fn draw(
    bytes: u16,
    encoding: Encoding,
) -> std::io::Result<(Zeroizing<String>, Zeroizing<Vec<u8>>)> {
    let mut raw = Zeroizing::new(vec![0u8; usize::from(bytes)]);
    fill_random(&mut raw)?;
    let text = match encoding {
        Encoding::Urlsafe => URL_SAFE_NO_PAD.encode(&*raw),
        Encoding::Base64 => STANDARD.encode(&*raw),
        Encoding::Hex => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let mut hex = String::with_capacity(raw.len() * 2);
            for byte in raw.iter() {
                hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
                hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
            }
            hex
        }
    };
    Ok((Zeroizing::new(text), raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_what_is_written() {
        for bytes in [1, 2, 3, 16, 31, 32, 33, 64] {
            for encoding in [Encoding::Urlsafe, Encoding::Hex, Encoding::Base64] {
                let value = generate(bytes, encoding).unwrap();
                assert_eq!(
                    value.expose().len(),
                    encoding.length(bytes),
                    "{bytes} {encoding:?}"
                );
            }
        }
        let hex = generate(8, Encoding::Hex).unwrap();
        assert!(
            hex.expose()
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
