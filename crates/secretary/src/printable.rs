//! Text as it may be shown on a terminal: every character that is not seen as itself
//! written as its escape. The one rule for what people see of text that came from a file,
//! a repository or a server (a path `scan` found, a table cell, a copy's header): such
//! text cannot move the cursor, colour the terminal, hide what follows or forge a line of
//! output.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// `text`'s first `most` characters, and `…` when it is longer: a name from a file shown
/// in a message, which a file can make as long as it likes.
///
/// ```
/// use secretary::printable::shortened;
/// assert_eq!(shortened("DATABASE_URL", 64), "DATABASE_URL");
/// assert_eq!(shortened("ABCDEF", 3), "ABC…");
/// ```
pub fn shortened(text: &str, most: usize) -> Cow<'_, str> {
    match text.char_indices().nth(most) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

/// `text` with each character that is not seen as itself written as its escape
/// (`\n`, `\u{1b}`, `\u{202e}`): control characters, spaces other than the ASCII space,
/// and Unicode's default-ignorable code points (bidirectional overrides and isolates,
/// zero-width characters, fillers, variation selectors, tags), with the interlinear
/// annotations and the braille blank (a seventeenth adversarial pass found a filler and a
/// tag shown raw). Letters of any script, accents and the ASCII space are themselves.
///
/// ```
/// use secretary::printable::text;
/// assert_eq!(text("ok: nothing found"), "ok: nothing found");
/// assert_eq!(text("a\nok: nothing found"), "a\\nok: nothing found");
/// assert_eq!(text("café\u{202e}"), "café\\u{202e}");
/// ```
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if hidden(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `text`'s lines (split at `\n`), each as [`text`] shows it: for a message of several
/// lines that quotes what came from elsewhere (a report quoting a provider's words).
///
/// ```
/// assert_eq!(secretary::printable::lines("one\ntwo\u{202e}"), "one\ntwo\\u{202e}");
/// ```
pub fn lines(text: &str) -> String {
    text.split('\n')
        .map(self::text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `word` as a command people are told to run spells it: as it is when it holds only
/// characters no shell reads, else single-quoted (a file name a pull request chose,
/// `x;touch PWNED;.env`, would otherwise run as a command of its own when the advice is
/// pasted: a thirty-first adversarial pass).
///
/// ```
/// assert_eq!(secretary::printable::shell_word(".env"), ".env");
/// assert_eq!(secretary::printable::shell_word("x;touch y"), "'x;touch y'");
/// assert_eq!(secretary::printable::shell_word("it's"), "'it'\\''s'");
/// assert_eq!(secretary::printable::shell_word("=python3"), "'=python3'");
/// ```
pub fn shell_word(word: &str) -> String {
    // A word beginning with `=` is a command's path in zsh (`=python3`, its EQUALS
    // option, on by default): pasted, `chmod 600 =python3` changed the interpreter's
    // mode (a thirty-eighth adversarial pass). Quoted, it is itself.
    if !word.is_empty()
        && !word.starts_with('=')
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `path` as a command a message tells people to run names it: shown as [`path`] shows
/// it, quoted as [`shell_word`] quotes, and behind `./` when it would begin with `-` (read
/// as an option: `chmod 600 --reference=.env` changed another file's mode, in a
/// thirty-second adversarial pass).
///
/// ```
/// use std::path::Path;
/// assert_eq!(secretary::printable::shell_path(Path::new("a b.yaml")), "'a b.yaml'");
/// assert_eq!(secretary::printable::shell_path(Path::new("--reference=.env")), "./--reference=.env");
/// assert_eq!(secretary::printable::shell_path(Path::new("x;touch y")), "'x;touch y'");
/// ```
///
/// A path that [`path`] would not show as itself (a control or invisible character, bytes
/// that are not UTF-8) is written in the `$'…'` quoting of bash, zsh and ksh, those
/// characters as their bytes' `\xHH`: pasted, it names that very file, where its shown
/// form would name another (a thirty-sixth adversarial pass).
///
/// ```
/// use std::path::Path;
/// assert_eq!(secretary::printable::shell_path(Path::new("a\nb.toml")), r"$'a\x0ab.toml'");
/// ```
pub fn shell_path(shown: impl AsRef<Path>) -> String {
    let raw = shown.as_ref();
    let shown = path(raw);
    let faithful = raw.to_str().is_some_and(|text| text == shown);
    let lead = if shown.starts_with('-') { "./" } else { "" };
    if faithful {
        return shell_word(&format!("{lead}{shown}"));
    }
    let mut quoted = format!("$'{lead}");
    for chunk in raw.as_os_str().as_encoded_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\'' => quoted.push_str("\\'"),
                '\\' => quoted.push_str("\\\\"),
                c if hidden(c) => {
                    for byte in c.to_string().bytes() {
                        let _ = write!(quoted, "\\x{byte:02x}");
                    }
                }
                c => quoted.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(quoted, "\\x{byte:02x}");
        }
    }
    quoted.push('\'');
    quoted
}

/// `path` as [`text`] shows it (a path is shown as it displays: bytes that are not UTF-8
/// as U+FFFD). A file name a repository holds cannot forge a line of `scan`'s output (a
/// twenty-sixth adversarial pass forged `ok: nothing found` with one).
pub fn path(path: &Path) -> String {
    text(&path.display().to_string()).into_owned()
}

/// Unicode's `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt, Unicode 15.1),
/// as ranges: shown as nothing at all by a terminal that knows them.
const DEFAULT_IGNORABLE: [(char, char); 17] = [
    ('\u{00ad}', '\u{00ad}'),
    ('\u{034f}', '\u{034f}'),
    ('\u{061c}', '\u{061c}'),
    ('\u{115f}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180f}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{206f}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{fff0}', '\u{fff8}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0000}', '\u{e0fff}'),
];

/// Whether `c` is not seen as itself in a terminal (see [`text`]): what the manifest's
/// text may not hold either (`manifest/controls.rs`).
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{fff9}'..='\u{fffb}' | '\u{2800}')
        || DEFAULT_IGNORABLE
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn nothing_invisible_or_space_like_is_shown_raw() {
        // A seventeenth adversarial pass: fillers, a tag, a variation selector and the
        // braille blank were printed as they are.
        for c in [
            '\u{1b}',
            '\n',
            '\r',
            '\u{85}',
            '\u{034f}',
            '\u{115f}',
            '\u{3164}',
            '\u{180e}',
            '\u{2028}',
            '\u{2800}',
            '\u{e0041}',
            '\u{fe0f}',
            '\u{fffa}',
            '\u{00a0}',
            '\u{2003}',
            '\u{3000}',
            '\u{202e}',
            '\u{200b}',
        ] {
            let shown = text(&format!("api{c}key")).into_owned();
            assert!(!shown.contains(c), "U+{:04X} shown raw", u32::from(c));
            assert!(
                shown.contains(&format!("{}", c.escape_default())),
                "{shown}"
            );
        }
        assert_eq!(text("café 東京 é"), "café 東京 é");
    }
}
