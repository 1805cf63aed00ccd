//! The patterns a value is redacted as, besides itself: a program may print a multi-line
//! value (a PEM key, a JSON credential) line by line, each line with a prefix of its own
//! (`app: `, `api-1  | `), or with CRLF line ends. So a value holding a line break is also
//! redacted as
//!
//! - the value with its line breaks spelled the other way: `\n` as `\r\n`, and `\r\n` as
//!   `\n`;
//! - each of its lines that could be a secret part on its own ([`is_secret_line`]): at
//!   least [`LINE_MIN`] bytes once trimmed of surrounding whitespace (`\r` included),
//!   holding a letter, a digit or a non-ASCII character, and not a PEM armour line
//!   (`-----BEGIN …`, `-----END …`). A line that fails these (`-----BEGIN KEY-----`, an
//!   empty line, `}`, `  ],`) is common text, and redacting it would turn every log line
//!   that holds it into noise; it is left as it is.

use zeroize::Zeroizing;

/// The fewest bytes (trimmed) a line of a multi-line value needs to be redacted alone.
pub const LINE_MIN: usize = 8;

/// The patterns `value` is redacted as besides itself (see the module's text): when it
/// holds a line break, its other line ends and its secret lines; and as a template's
/// `|url` writes it (so a template built from it is redacted through it, even when the
/// template itself could not be built). May repeat the value or one another (the caller
/// keeps the first of each). The other line ends are [`crate::spelling::line_ends`], as
/// `scan` searches for them.
pub(super) fn extra_patterns(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut out = Vec::new();
    if value.contains(&b'\n') {
        out.extend(crate::spelling::line_ends(value));
        for line in value.split(|&byte| byte == b'\n') {
            let line = line.trim_ascii();
            if is_secret_line(line) {
                out.push(Zeroizing::new(line.to_vec()));
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(value) {
        let encoded = crate::manifest::derived::url_encoded(text);
        if encoded.as_bytes() != value {
            out.push(Zeroizing::new(encoded.into_bytes()));
        }
    }
    out
}

/// Whether `line` (one line of a multi-line value, trimmed) is redacted on its own: at
/// least [`LINE_MIN`] bytes, a letter, digit or non-ASCII byte in it, and not a PEM
/// armour line.
pub fn is_secret_line(line: &[u8]) -> bool {
    line.len() >= LINE_MIN
        && line.iter().any(|&b| b.is_ascii_alphanumeric() || b >= 0x80)
        && !line.starts_with(b"-----BEGIN")
        && !line.starts_with(b"-----END")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns of a multi-line value (its `|url` spelling, with a `%`, aside).
    fn texts(value: &str) -> Vec<String> {
        extra_patterns(value.as_bytes())
            .iter()
            .filter(|p| !p.contains(&b'%'))
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn a_single_line_value_has_no_other_pattern_but_its_url_spelling() {
        assert!(extra_patterns(b"sk-1234567890").is_empty());
        let spelled: Vec<Vec<u8>> = extra_patterns("p@ss/w0rd é".as_bytes())
            .iter()
            .map(|p| p.to_vec())
            .collect();
        assert_eq!(spelled, [b"p%40ss%2Fw0rd%20%C3%A9".to_vec()]);
    }

    #[test]
    fn a_pem_key_is_also_its_inner_lines_and_its_crlf_spelling() {
        let value = "-----BEGIN KEY-----\nZm9vYmFyYmF6cXV4MTIzNDU2Nzg5\nAB==\n-----END KEY-----";
        assert_eq!(
            texts(value),
            [
                "-----BEGIN KEY-----\r\nZm9vYmFyYmF6cXV4MTIzNDU2Nzg5\r\nAB==\r\n-----END KEY-----",
                "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
            ]
        );
    }

    #[test]
    fn a_crlf_value_is_also_its_lf_spelling() {
        let value = "{\r\n  \"private_key\": \"c2VjcmV0LWtleS1ieXRlcw\",\r\n}";
        assert_eq!(
            texts(value),
            [
                "{\n  \"private_key\": \"c2VjcmV0LWtleS1ieXRlcw\",\n}",
                "\"private_key\": \"c2VjcmV0LWtleS1ieXRlcw\",",
            ]
        );
    }

    #[test]
    fn common_lines_are_not_secret_parts() {
        for line in [
            "",
            "}",
            "  ],",
            "-------------",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----END OPENSSH PRIVATE KEY-----",
            "short1",
        ] {
            assert!(!is_secret_line(line.trim().as_bytes()), "{line:?}");
        }
        assert!(is_secret_line(b"Zm9vYmFy"));
    }
}
