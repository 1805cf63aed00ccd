//! The user's key for last-known-good copies: `SECRETARY_CACHE_KEY` (32 random bytes in
//! base64 or hex) or `SECRETARY_CACHE_KEY_FILE` (a file holding that text). Never the
//! manifest's: whoever can edit a repository must not be able to read the copies.

use std::fmt;
use std::path::PathBuf;

use ring::aead::{CHACHA20_POLY1305, LessSafeKey, UnboundKey};
use zeroize::Zeroizing;

use crate::Variables;

/// The variable that holds the key.
pub const KEY_VARIABLE: &str = "SECRETARY_CACHE_KEY";
/// The variable that names a file holding the key.
pub const KEY_FILE_VARIABLE: &str = "SECRETARY_CACHE_KEY_FILE";
/// How many bytes a key is.
pub const KEY_BYTES: usize = 32;

/// A key that cannot be used. Never holds the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not base64.
    #[error("{variable} is not base64")]
    NotBase64 {
        /// Where the key came from.
        variable: &'static str,
    },
    /// The key is not 32 bytes.
    #[error("{variable} holds {bytes} bytes; a cache key is {KEY_BYTES}")]
    WrongLength {
        /// Where the key came from.
        variable: &'static str,
        /// How many it holds.
        bytes: usize,
    },
    /// The key is not random: its bytes all the same (32 zeros), or all printable text
    /// (a passphrase in base64), or its text typed rather than drawn (a passphrase that
    /// happens to decode as base64). Its key id, kept in each copy, would let a weak key
    /// be found offline (seventh and eighth adversarial passes).
    #[error(
        "{variable} is not a random key (its bytes are all alike or all printable text, or it reads as typed)"
    )]
    Weak {
        /// Where the key came from.
        variable: &'static str,
    },
    /// The key file could not be read.
    #[error("cannot read {KEY_FILE_VARIABLE} ({path}): {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
}

impl KeyError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::File { .. } => format!(
                "point {KEY_FILE_VARIABLE} at a file this user can read, holding the key in base64"
            ),
            Self::NotBase64 { .. } | Self::WrongLength { .. } | Self::Weak { .. } => {
                format!(
                    "make a key with `secretary generate` (32 random bytes, base64) and keep it as {KEY_VARIABLE}"
                )
            }
        }
    }
}

/// The key copies are sealed with, and a short digest that tells one key from another
/// without revealing it.
pub struct CacheKey {
    key: LessSafeKey,
    id: String,
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl CacheKey {
    /// The key the variables give: `SECRETARY_CACHE_KEY`, else the file
    /// `SECRETARY_CACHE_KEY_FILE` names; `None` when neither is set (or both are empty).
    pub fn from_vars(vars: &Variables) -> Result<Option<Self>, KeyError> {
        if let Some(text) = vars.get_str(KEY_VARIABLE).filter(|t| !t.trim().is_empty()) {
            return Self::from_text(text, KEY_VARIABLE).map(Some);
        }
        let Some(path) = vars.get(KEY_FILE_VARIABLE).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let path = PathBuf::from(path);
        // A key file someone else could write would let them choose the key, and then
        // forge a copy that reads back as good.
        let text = crate::file::open(&path)
            .and_then(crate::file::Opened::trusted)
            .and_then(|opened| opened.read_text(4096))
            .map_err(|error| KeyError::File {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        Self::from_text(&text, KEY_FILE_VARIABLE).map(Some)
    }

    /// The key `text` spells in base64 (standard or URL-safe, padding optional), or in
    /// hex: every format `secretary generate` writes (a sixty-sixth adversarial pass
    /// made one with `--format hex`, read as base64 and refused as 48 bytes).
    pub fn from_text(text: &str, variable: &'static str) -> Result<Self, KeyError> {
        use base64::Engine as _;
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        let lenient =
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
        let text = text.trim();
        // 32 bytes are 64 hex digits, never the 43 or 44 characters of their base64.
        let hex = (text.len() == 2 * KEY_BYTES)
            .then(|| crate::key_text::hex_bytes(text))
            .flatten();
        let bytes: Zeroizing<Vec<u8>> = match hex {
            Some(bytes) => bytes,
            None => [&base64::alphabet::STANDARD, &base64::alphabet::URL_SAFE]
                .into_iter()
                .find_map(|alphabet| GeneralPurpose::new(alphabet, lenient).decode(text).ok())
                .map(Zeroizing::new)
                .ok_or(KeyError::NotBase64 { variable })?,
        };
        // 32 random bytes are all printable about once in 10^14 draws.
        let alike = bytes.windows(2).all(|pair| pair[0] == pair[1]);
        let printable = bytes.iter().all(|b| (0x20..0x7f).contains(b));
        if bytes.len() == KEY_BYTES
            && (alike
                || printable
                || crate::key_text::typed(text)
                || crate::key_text::patterned(&bytes))
        {
            return Err(KeyError::Weak { variable });
        }
        Self::from_bytes(&bytes).ok_or(KeyError::WrongLength {
            variable,
            bytes: bytes.len(),
        })
    }

    /// The key of 32 `bytes`; `None` for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != KEY_BYTES {
            return None;
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).ok()?;
        let mut input = Vec::with_capacity(64);
        input.extend_from_slice(b"secretary last-known-good key id\0");
        input.extend_from_slice(bytes);
        let digest = ring::digest::digest(&ring::digest::SHA256, &input);
        zeroize::Zeroize::zeroize(&mut input);
        let mut id = String::with_capacity(16);
        for byte in &digest.as_ref()[..8] {
            use std::fmt::Write as _;
            let _ = write!(id, "{byte:02x}");
        }
        Some(Self {
            key: LessSafeKey::new(key),
            id,
        })
    }

    /// The key's digest (8 bytes of SHA-256 in hex): which key sealed a copy.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(super) fn aead(&self) -> &LessSafeKey {
        &self.key
    }
}

/// A warning when the key comes from `SECRETARY_CACHE_KEY_FILE` and that file may be
/// read by group or others: whoever can read it can read every copy. (Not refused: a
/// Kubernetes secret mounted with its default mode is 0644.)
pub(super) fn loose_key_file(vars: &Variables) -> Option<crate::Warning> {
    use std::os::unix::fs::PermissionsExt as _;
    if vars
        .get_str(KEY_VARIABLE)
        .is_some_and(|t| !t.trim().is_empty())
    {
        return None;
    }
    let path = PathBuf::from(vars.get(KEY_FILE_VARIABLE).filter(|p| !p.is_empty())?);
    let metadata = std::fs::metadata(&path).ok()?;
    // Not a regular file (a directory, `/dev/zero`): the key cannot be read from it, as
    // its own error says; `chmod` is no advice for it (an eighth adversarial pass).
    if !metadata.is_file() {
        return None;
    }
    let mode = metadata.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(crate::Warning::LooseKeyFile {
        variable: KEY_FILE_VARIABLE,
        path,
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_mode_advice_for_a_key_file_that_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        for path in [dir.path().to_str().unwrap(), "/dev/zero"] {
            let vars = Variables::from_pairs([(KEY_FILE_VARIABLE, path)]);
            assert!(loose_key_file(&vars).is_none(), "{path}");
        }
    }

    #[test]
    fn a_key_is_32_bytes_of_base64_and_its_id_does_not_show_it() {
        let text = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=";
        let key = CacheKey::from_text(text, KEY_VARIABLE).unwrap();
        assert_eq!(key.id().len(), 16);
        assert!(!format!("{key:?}").contains(text));
        // Unpadded and URL-safe spellings are the same key.
        let unpadded = CacheKey::from_text(text.trim_end_matches('='), KEY_VARIABLE).unwrap();
        assert_eq!(unpadded.id(), key.id());
        assert_eq!(
            CacheKey::from_text("c2hvcnQ=", KEY_VARIABLE).unwrap_err(),
            KeyError::WrongLength {
                variable: KEY_VARIABLE,
                bytes: 5
            }
        );
        assert_eq!(
            CacheKey::from_text("not base64 at all!", KEY_VARIABLE).unwrap_err(),
            KeyError::NotBase64 {
                variable: KEY_VARIABLE
            }
        );
    }

    #[test]
    fn a_key_that_is_not_random_is_refused() {
        use base64::Engine as _;
        let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        for weak in [
            encode(&[0; 32]),
            encode(&[0xab; 32]),
            encode(b"passwordpasswordpasswordpassword"),
            // A passphrase that decodes as base64 to 32 bytes (an eighth adversarial pass).
            "CorrectHorseBatteryStapleOpensTheCacheKey1A".to_owned(),
            // Counting bytes, and RFC 8439's published test key (a twelfth pass).
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
            encode(&(0x80..0xa0).collect::<Vec<u8>>()),
        ] {
            assert!(
                matches!(
                    CacheKey::from_text(&weak, KEY_VARIABLE),
                    Err(KeyError::Weak { .. })
                ),
                "{weak} was taken"
            );
        }
        // What `secretary generate` makes is taken, draw after draw, in each of its
        // formats (hex was refused as 48 bytes: a sixty-sixth adversarial pass).
        for encoding in [
            crate::generate::Encoding::Base64,
            crate::generate::Encoding::Urlsafe,
            crate::generate::Encoding::Hex,
        ] {
            for _ in 0..1000 {
                let key = crate::generate::generate(32, encoding).unwrap();
                assert!(
                    CacheKey::from_text(key.expose(), KEY_VARIABLE).is_ok(),
                    "{encoding:?}"
                );
            }
        }
    }

    #[test]
    fn no_key_means_none_and_the_variable_wins_over_the_file() {
        assert!(
            CacheKey::from_vars(&Variables::from_pairs::<&str, &str>([]))
                .unwrap()
                .is_none()
        );
        let vars = Variables::from_pairs([
            (KEY_VARIABLE, "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM="),
            (KEY_FILE_VARIABLE, "/nonexistent/key"),
        ]);
        assert!(CacheKey::from_vars(&vars).unwrap().is_some());
        let vars = Variables::from_pairs([(KEY_FILE_VARIABLE, "/nonexistent/key")]);
        assert!(matches!(
            CacheKey::from_vars(&vars),
            Err(KeyError::File { .. })
        ));
    }

    #[test]
    fn a_key_file_others_may_read_is_warned_about() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.key");
        std::fs::write(&path, "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=\n").unwrap();
        let vars = Variables::from_pairs([(KEY_FILE_VARIABLE, path.to_str().unwrap())]);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(CacheKey::from_vars(&vars).unwrap().is_some());
        assert!(loose_key_file(&vars).is_none());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warning = loose_key_file(&vars).unwrap().to_string();
        assert!(warning.contains("mode 0644"), "{warning}");
        assert!(!warning.contains("q83v"), "{warning}");
    }
}
