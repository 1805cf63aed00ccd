//! Which comment may become a secret's description in the manifest `init` writes: never
//! one that holds a value of the files read (issue 25, item 1).

use crate::lint::looks_real;

/// Every value of the files `init` reads, as a description may not hold them: each value
/// whole, each line of a multi-line value, and each part of a value that looks secret
/// ([`Values::secret_parts`]: a URL's password, `Hunter2xyz9` in `ghp_Hunter2xyz9`). A
/// description is looked at as written and decoded ([`crate::spelling::unspelled`]:
/// base64, hex, JSON, URL).
pub(super) struct Values {
    /// The values and lines of at least [`Values::SUBSTRING`] bytes, found anywhere in a
    /// description.
    long: Option<aho_corasick::AhoCorasick>,
    /// Every value and line, found as a whole word of a description (`# PIN is 42`).
    words: std::collections::HashSet<String>,
    /// The pieces of values a description may not share ([`Fragments`]).
    fragments: Fragments,
}

/// Every run of [`Fragments::LENGTH`] letters and digits of a value (whatever separates
/// them) that looks like part of a secret (a letter and a digit), kept as a keyed
/// hash, never as text: a description sharing one quotes part of a value (an eleventh
/// adversarial pass: `# staging uses Kd9-7f3-Qx2` above `Kd9-7f3-Qx2-Mw8`, `# old
/// passphrase was correct-horse-battery-mango`). A word alone (`postgresql`,
/// `localhost`) is not such a run, so a description may name what a value holds.
///
/// A secret's value of letters and spaces only (`correct horse battery staple`,
/// `TrickyLongPasswordWithoutDigits`) has no such run: every lettered run of it is kept
/// too, in [`Fragments::plain`] (a fourteenth adversarial pass: `# old one was correct
/// horse battery` above it was copied). Only for the values of secrets: a setting's
/// plain words (`localhost`) stay nameable.
struct Fragments {
    /// The hashes of the runs.
    runs: std::collections::HashSet<u64>,
    /// The hashes of every run with a letter of the secrets' values that have no run
    /// that looks secret.
    plain: std::collections::HashSet<u64>,
    /// A key of this process's, so the hashes say nothing outside it.
    keyed: std::collections::hash_map::RandomState,
}

/// `text` lower-cased with only its letters and digits, so that a value and a quote of
/// it match whatever separates their words (`correct-horse-battery-staple` and `correct
/// horse battery staple`, `zebracanvasquilt` and `zebra canvas quilt`: a fifteenth
/// adversarial pass).
fn squeezed(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `value` is words: letters, with spaces, `-`, `_`, `,` or `.` between them
/// (`correct horse battery staple`, `hunter two`), not a URL, a path or a host and port,
/// whose words (`postgresql`, `localhost`) a description may name.
fn passphrase_like(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '_' | ',' | '.'))
}

impl Fragments {
    /// How long a shared run must be.
    const LENGTH: usize = 8;
    /// The longest value whose runs are kept (a certificate's are not).
    const LONGEST: usize = 64 * 1024;

    fn new() -> Self {
        Self {
            runs: std::collections::HashSet::new(),
            plain: std::collections::HashSet::new(),
            keyed: std::collections::hash_map::RandomState::new(),
        }
    }

    /// The shortest secret's value of letters and spaces whose runs are kept: a
    /// shorter one (`localhost`) is matched whole, as a word.
    const PLAIN_SHORTEST: usize = 12;

    /// Keeps every lettered run of `value`, a secret's, when none of its runs looks
    /// secret (letters and spaces: a passphrase); `true` when it did.
    fn add_plain(&mut self, value: &str) -> bool {
        if value.len() > Self::LONGEST || !passphrase_like(value) {
            return false;
        }
        let lower = squeezed(value);
        let plain = lower.len() >= Self::PLAIN_SHORTEST
            && !lower
                .as_bytes()
                .windows(Self::LENGTH)
                .any(Self::secret_looking);
        if plain {
            let kept = self.hashes(&lower, |run| run.iter().any(u8::is_ascii_alphabetic));
            self.plain.extend(kept);
        }
        zeroize::Zeroize::zeroize(&mut lower.into_bytes());
        plain
    }

    /// Keeps the runs of `value` that look secret.
    fn add(&mut self, value: &str) {
        if value.len() <= Self::LONGEST {
            let lower = squeezed(value);
            let kept = self.hashes(&lower, Self::secret_looking);
            self.runs.extend(kept);
            zeroize::Zeroize::zeroize(&mut lower.into_bytes());
        }
    }

    /// Keeps every run of digits only of `value`, a secret's (letters and digits only,
    /// whatever separates them): `48291370` of `482913705561`, `4829137055` of
    /// `Zx9-kw-4829137055`, which no run that looks secret covers.
    fn add_digits(&mut self, value: &str) {
        if value.len() <= Self::LONGEST {
            let lower = squeezed(value);
            let kept = self.hashes(&lower, |run| run.iter().all(u8::is_ascii_digit));
            self.plain.extend(kept);
            zeroize::Zeroize::zeroize(&mut lower.into_bytes());
        }
    }

    /// The keyed hashes of the runs of `squeezed` (see [`squeezed`]) that `wanted` takes.
    fn hashes(&self, squeezed: &str, wanted: impl Fn(&[u8]) -> bool) -> Vec<u64> {
        squeezed
            .as_bytes()
            .windows(Self::LENGTH)
            .filter(|run| wanted(run))
            .map(|run| std::hash::BuildHasher::hash_one(&self.keyed, run))
            .collect()
    }

    /// Whether `text` shares a run with a value.
    fn in_text(&self, text: &str) -> bool {
        let lower = squeezed(text);
        lower.as_bytes().windows(Self::LENGTH).any(|run| {
            let hash = || std::hash::BuildHasher::hash_one(&self.keyed, run);
            (Self::secret_looking(run) && self.runs.contains(&hash()))
                || (!self.plain.is_empty() && self.plain.contains(&hash()))
        })
    }

    /// A run with a letter and a digit: not a plain word or number, nor words run
    /// together (prose, a display name). Runs are compared squeezed ([`squeezed`]), so
    /// punctuation between letters (`Kd9-7f3`) no longer tells them apart; a secret's
    /// value of words is kept by [`Fragments::add_plain`] instead.
    fn secret_looking(run: &[u8]) -> bool {
        run.iter().any(u8::is_ascii_alphabetic) && run.iter().any(u8::is_ascii_digit)
    }
}

impl Values {
    /// How long a value must be to be looked for inside words too: a shorter one
    /// (`1`, `on`) would be found in nearly every sentence.
    const SUBSTRING: usize = 4;

    /// Every value of `values`; `secrets` are those of variables declared sensitive,
    /// whose plain runs are kept too ([`Fragments`]).
    pub(super) fn new<'v>(
        values: impl Iterator<Item = &'v str>,
        secrets: impl Iterator<Item = &'v str>,
    ) -> Self {
        let mut words = std::collections::HashSet::new();
        let mut fragments = Fragments::new();
        for secret in secrets {
            // Its runs of digits (a PIN, an account number: a sixteenth adversarial pass).
            fragments.add_digits(secret);
            // A passphrase's words too, each looked for as a word (`# staple`, `#
            // hunter` of `hunter two`).
            let plain = fragments.add_plain(secret);
            if plain || passphrase_like(secret) {
                words.extend(
                    secret
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|piece| piece.len() >= Self::SUBSTRING)
                        .map(str::to_lowercase),
                );
            }
        }
        for value in values {
            fragments.add(value);
            words.extend(Self::secret_parts(value));
            words.insert(value.trim().to_lowercase());
            // Each line of a multi-line value, a lone `\r` (an escape in quotes) included.
            if value.contains(['\n', '\r']) {
                words.extend(
                    value
                        .split(['\n', '\r'])
                        .map(|line| line.trim().to_lowercase()),
                );
            }
        }
        words.remove("");
        // Only what fits in a description (200 characters, at most 800 bytes) can be in
        // one: longer values stay out of the automaton, whose memory grew with many
        // long repetitive values (a fifth adversarial pass: 3.6 GB for a 1 MB `.env`).
        let long: Vec<&String> = words
            .iter()
            .filter(|w| (Self::SUBSTRING..=800).contains(&w.len()))
            .collect();
        // A non-contiguous NFA: built in time linear in the values, where the DFA chosen
        // for a few patterns took minutes for one long repetitive value (a fourth
        // adversarial pass: 100 kB of `x` did not finish in two minutes).
        let long = (!long.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                    .ascii_case_insensitive(true)
                    .build(long)
                    .ok()
            })
            .flatten();
        Self {
            long,
            words,
            fragments,
        }
    }

    /// The parts of `value` that a comment may not quote either (an eighth adversarial
    /// pass: `# db password is Hunter2xyz9` above a URL holding it went into the
    /// manifest): a URL's password, and each piece between punctuation that looks
    /// secret, at least 6 characters holding both a letter and a digit or at least 12
    /// characters. Not a word such as `postgresql` or `localhost`, which a description
    /// of the variable rightly names.
    fn secret_parts(value: &str) -> impl Iterator<Item = String> + '_ {
        let password = url::Url::parse(value.trim())
            .ok()
            .and_then(|url| url.password().map(str::to_owned))
            .map(|password| {
                percent_encoding::percent_decode_str(&password)
                    .decode_utf8_lossy()
                    .to_lowercase()
            })
            .filter(|password| password.len() >= Self::SUBSTRING);
        let pieces = value
            .split(|c: char| !c.is_alphanumeric())
            .filter(|piece| letters_and_digits(piece) || piece.chars().count() >= 12)
            .map(str::to_lowercase);
        password.into_iter().chain(pieces)
    }

    /// Whether `text`, decoded ([`crate::spelling::unspelled`]), holds a value of at
    /// least [`Values::SUBSTRING`] bytes: a short one is left out, since what decodes
    /// from ordinary words is noise in which short values turn up.
    fn decoded_in_text(&self, text: &str) -> bool {
        let Some(long) = &self.long else {
            return false;
        };
        crate::spelling::unspelled(text)
            .iter()
            .any(|decoded| long.is_match(&decoded.to_lowercase()))
    }

    /// Whether `text` holds one of the values, whatever the letters' case: a long one
    /// anywhere; a short one as a word, between spaces and punctuation (`# PIN #742`,
    /// `pin/742`, `code/7-4`).
    fn in_text(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        // The patterns are lower-cased with Unicode's rules, so the text is too: `É` in
        // both was missed when only ASCII was folded (a sixth adversarial pass).
        self.long.as_ref().is_some_and(|long| long.is_match(&lower))
            || lower
                .split(|c: char| c.is_whitespace() || ",;:()[]{}<>'\"`/#=@|\\".contains(c))
                .map(|word| word.trim_end_matches(['.', '!', '?']))
                .chain(lower.split(|c: char| !c.is_alphanumeric()))
                .any(|word| self.words.contains(word))
    }
}

impl Drop for Values {
    /// The word set's copies of the values are zeroed; the automaton's cannot be (its
    /// memory is aho-corasick's), as ARCHITECTURE.md says.
    fn drop(&mut self) {
        for mut word in self.words.drain() {
            zeroize::Zeroize::zeroize(&mut word);
        }
    }
}

/// Whether the comment `text` may be a secret's description: not empty, one short line
/// without a `=` (a commented-out assignment), not real-looking by the lint rules, and
/// holding no value of the files (`# old admin password, still valid: ...`).
pub(super) fn describes(text: &str, values: &Values) -> bool {
    !text.is_empty()
        && text.chars().count() <= 200
        && !text.contains('=')
        && looks_real(text).is_none()
        && !text.chars().any(char::is_control)
        && !values.in_text(text)
        && !values.decoded_in_text(text)
        && !values.fragments.in_text(text)
        && !credential_like(text)
}

/// Technical words that end in a number, which a description may name (`base64`,
/// `OAuth2`, `sha256`, `python3`): a word of letters and then digits is taken as one of
/// these only when its letters are here.
const VERSIONED_WORDS: [&str; 24] = [
    "aes",
    "base",
    "crc",
    "ec",
    "ed",
    "http",
    "ipv",
    "md",
    "mysql",
    "node",
    "oauth",
    "pkcs",
    "postgres",
    "postgresql",
    "python",
    "redis",
    "rsa",
    "s",
    "sha",
    "tls",
    "utf",
    "v",
    "win",
    "x",
];

/// Whether the comment `text` holds a word that looks like a credential of its own: a
/// piece between punctuation of at least 6 characters with a letter and a digit (an old
/// password, another environment's: `# staging: hunter22`, `# prod uses Sup3rS3cret!`,
/// which a ninth adversarial pass had `init` copy into the manifest, being values of no
/// file read), unless it is a technical word and its version (`OAuth2`, `sha256`).
fn credential_like(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|piece| {
        let letters = piece.trim_end_matches(|c: char| c.is_ascii_digit());
        letters_and_digits(piece)
            && !(letters.chars().all(char::is_alphabetic)
                && VERSIONED_WORDS.contains(&letters.to_lowercase().as_str()))
    })
}

/// Whether `piece` (a run between punctuation) is at least 6 characters with a letter and
/// a digit: the shape of a credential, in a value ([`Values::secret_parts`]) or in a
/// comment ([`credential_like`]).
fn letters_and_digits(piece: &str) -> bool {
    piece.chars().count() >= 6
        && piece.chars().any(char::is_alphabetic)
        && piece.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{DotenvFile, draft};
    use super::Values;

    #[test]
    fn descriptions_come_from_the_comment_right_above() {
        // Settings (`sensitive = false`): a sensitive secret's comment is never copied.
        let text = "# header\n\n# The database\n# more\nDATABASE_HOST=x\n\nA_COUNT=1\n# old: SECRET=abc\nB_COUNT=2\n# ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK\nC_COUNT=3\n";
        // B: a commented-out assignment; C: a real-looking comment.
        assert_eq!(
            descriptions(&[text]),
            [
                "DATABASE_HOST: The database",
                "A_COUNT",
                "B_COUNT",
                "C_COUNT"
            ]
        );
        assert_eq!(
            descriptions(&["# first line\nA_COUNT=1\n"]),
            ["A_COUNT: first line"]
        );
    }

    /// Each variable of `files` (read as `.env.0`, `.env.1`, ...), as `NAME: description`,
    /// or `NAME` alone when it has none.
    fn descriptions(files: &[&str]) -> Vec<String> {
        let names: Vec<String> = (0..files.len()).map(|n| format!(".env.{n}")).collect();
        let files: Vec<DotenvFile<'_>> = files
            .iter()
            .zip(&names)
            .map(|(text, name)| DotenvFile {
                shown: Path::new(name),
                listed: name,
                text,
            })
            .collect();
        let draft = draft(&files, None, Path::new("secrets.toml")).unwrap();
        draft
            .manifest
            .secrets()
            .iter()
            .map(|spec| {
                let name = spec.env.first().cloned().unwrap_or_default();
                if spec.description.is_empty() {
                    name
                } else {
                    format!("{name}: {}", spec.description)
                }
            })
            .collect()
    }

    #[test]
    fn no_description_holds_part_of_a_value_made_of_short_pieces() {
        // An eleventh adversarial pass: runs of short pieces that stop before a value
        // ends matched neither the whole value nor a whole piece of it.
        let text = "ADMIN_PASSPHRASE=correct-horse-battery-staple\n\
                    # old passphrase was correct-horse-battery-mango\nOLD=1\n\
                    SMTP_PASSWORD=Kd9-7f3-Qx2-Mw8\n# staging uses Kd9-7f3-Qx2\nSTAGING=2\n\
                    STRIPE_KEY=sk_live_Qm4Tz9Lw2Xc8Vb\n# test prefix sk_live_Qm4Tz\nPREFIX=3\n\
                    DATABASE_URL=postgresql://app:pw@db:5432/app\n\
                    APP_NAME=\"Faceless YouTube\"\n\
                    # PostgreSQL connection string, for the Faceless app\nKEPT_COUNT=4\n";
        assert_eq!(
            descriptions(&[text]),
            [
                "ADMIN_PASSPHRASE",
                "OLD",
                "SMTP_PASSWORD",
                "STAGING",
                "STRIPE_KEY",
                "PREFIX",
                "DATABASE_URL",
                "APP_NAME",
                "KEPT_COUNT: PostgreSQL connection string, for the Faceless app"
            ]
        );
    }

    #[test]
    fn a_variable_that_controls_programs_is_left_out_and_said_so() {
        // No secret may be read into one, so a manifest declaring it would not check.
        let files = [DotenvFile {
            shown: Path::new(".env"),
            listed: ".env",
            text: "PYTHONPATH=lib\nFEATURE_FLAGS=a,b\n",
        }];
        let draft = draft(&files, None, Path::new("secrets.toml")).unwrap();
        assert_eq!(
            draft
                .left_out
                .iter()
                .map(|left| (left.name.as_str(), left.reason))
                .collect::<Vec<_>>(),
            [("PYTHONPATH", super::super::LeftOutReason::ControlsPrograms)]
        );
        assert!(
            draft.toml.contains("[secrets.feature_flags]"),
            "{}",
            draft.toml
        );
    }

    #[test]
    fn a_value_built_from_another_is_sensitive_and_never_a_default() {
        // A twentieth adversarial pass: `DB_NAME=${DB_PASSWORD}` in a template wrote
        // the password as `db_name`'s default, `sensitive = false`.
        let files = [DotenvFile {
            shown: Path::new(".env.example"),
            listed: ".env.example",
            text: "DB_PASSWORD=Xk9pQ2rT7vLm\nDB_NAME=${DB_PASSWORD}\nAPP_NAME=shop\n",
        }];
        let draft = draft(&files, None, Path::new("secrets.toml")).unwrap();
        assert!(!draft.toml.contains("Xk9pQ2rT7vLm"), "{}", draft.toml);
        let db_name = draft.manifest.secret("db_name").unwrap();
        assert!(db_name.sensitive, "{}", draft.toml);
        assert!(draft.toml.contains("default = \"shop\""), "{}", draft.toml);
    }

    #[test]
    fn no_description_holds_part_of_a_secret_made_of_letters_and_spaces() {
        // A fourteenth adversarial pass: a passphrase of words, or of letters only, has
        // no run with a digit or punctuation, and its parts were copied. A setting's
        // plain words stay nameable.
        let text = "ADMIN_PASSPHRASE=\"correct horse battery staple\"\n\
                    # old one was correct horse battery\nOLD=1\n# staple\nX=2\n\
                    DB_PASSWORD=TrickyLongPasswordWithoutDigits\n\
                    # starts TrickyLongPassword\nY=3\n\
                    DB_HOST=localhost\n# where the database runs, its host name\nZ_COUNT=4\n\
                    HYPHENATED_PASSPHRASE=correct-horse-battery-staple\n\
                    # old one was correct horse battery staple\nH=5\n\
                    API_SECRET=zebracanvasquilt\n# was zebra canvas quilt before\nQ=6\n\
                    SVC_PASS=\"hunter two\"\n# hunter\nS=7\n\
                    # staging pin is 48291370\nAPI_PASSWORD=482913705561\n\
                    # shares 4829-1370-55 with prod\nDB_PASSWORD_2=Zx9-kw-4829137055\n";
        assert_eq!(
            descriptions(&[text]),
            [
                "ADMIN_PASSPHRASE",
                "OLD",
                "X",
                "DB_PASSWORD",
                "Y",
                "DB_HOST",
                "Z_COUNT: where the database runs, its host name",
                "HYPHENATED_PASSPHRASE",
                "H",
                "API_SECRET",
                "Q",
                "SVC_PASS",
                "S",
                "API_PASSWORD",
                "DB_PASSWORD_2"
            ]
        );
    }

    #[test]
    fn no_description_holds_a_word_that_looks_like_a_credential() {
        // Values of no file read: an old one, another environment's (a ninth adversarial
        // pass). A technical word and its version is a description's to name.
        let text = "# previous, rotated in May: 9fK2mQ7xLp4R\nA=1\n# staging: hunter22\nB=2\n\
                    # prod uses Sup3rS3cret!\nC=3\n# SESSION_SECRET starts Qw8eRt5y\nD=4\n\
                    # Google OAuth2 client id, base64 (sha256 of it in CI)\nE_COUNT=5\n";
        assert_eq!(
            descriptions(&[text]),
            [
                "A",
                "B",
                "C",
                "D",
                "E_COUNT: Google OAuth2 client id, base64 (sha256 of it in CI)"
            ]
        );
    }

    #[test]
    fn no_description_holds_a_value_or_part_of_one() {
        // A `#` line inside a quoted multi-line value is the value, not a comment.
        let text =
            "KEY=\"-----BEGIN KEY-----\n# MIIEvQIBADANBgkqhkiG9w0\n-----END KEY-----\"\nNEXT=1\n";
        assert_eq!(descriptions(&[text]), ["KEY", "NEXT"]);
        // A comment that quotes a value of the file, long or short.
        let text = "# old admin password, still valid: Tr0ub4dor\nADMIN_PASSWORD=new-one\nOLD=Tr0ub4dor\n# the PIN is 4242.\nPIN=4242\n";
        assert_eq!(descriptions(&[text]), ["ADMIN_PASSWORD", "OLD", "PIN"]);
        // A value that only a later file assigns.
        let later = descriptions(&["# reuse hunter22 here\nA=x1\n", "B=hunter22\n"]);
        assert_eq!(later, ["A", "B"]);
        // A short value counts as a whole word only: `1` is not in `debugging`, and a
        // comment holding none of the values stays.
        assert_eq!(
            descriptions(&["# Turn on debugging, 10 levels\nDEBUG=1\n"]),
            ["DEBUG: Turn on debugging, 10 levels"]
        );
        assert_eq!(
            descriptions(&["# Turn on debugging\nDEBUG=1\nMODE=on\n"]),
            ["DEBUG", "MODE"]
        );
    }

    #[test]
    fn no_description_holds_a_value_by_other_routes() {
        // Found by a fourth adversarial pass: a left-out variable's value, a short value
        // beside `#` or `/`, and the part of a value after an escaped carriage return.
        assert_eq!(
            descriptions(&[
                "# was hunter2xyz before the move\nA=1\nspring.datasource.password=hunter2xyz\n"
            ]),
            ["A"]
        );
        assert_eq!(
            descriptions(&["# vault token rootpw77 still works\nB=2\nVAULT_TOKEN=rootpw77\n"]),
            ["B"]
        );
        assert_eq!(
            descriptions(&["# PIN #742 for the door\nDOOR_PIN=742\n# pin/742 again\nX=1\n"]),
            ["DOOR_PIN", "X"]
        );
        assert_eq!(
            descriptions(&["X=\"aaaa\\rsecondpartbbb\"\n# secondpartbbb\nY=1\n"]),
            ["X", "Y"]
        );
    }

    #[test]
    fn no_description_holds_a_value_in_another_case_or_beside_a_slash() {
        // A fifth adversarial pass.
        assert_eq!(
            descriptions(&["# Token was Hunter2XYZ\nAPI_TOKEN=hunter2xyz\n"]),
            ["API_TOKEN"]
        );
        assert_eq!(
            descriptions(&["# door: code/7-4 again\nDOOR_CODE=7-4\n"]),
            ["DOOR_CODE"]
        );
    }

    #[test]
    fn a_value_with_a_capital_beyond_ascii_is_found_too() {
        assert_eq!(
            descriptions(&["# old one was x-ÉTÉ-2024-x9\nDOOR_PASSWORD=ÉTÉ-2024-x9\n"]),
            ["DOOR_PASSWORD"]
        );
    }

    #[test]
    fn a_value_in_base64_hex_json_or_a_url_is_kept_out_too() {
        // An eighth adversarial pass: `# old one, base64: ...` went into the manifest.
        for comment in [
            "# was aHVudGVyMi9wcm9kKzQy before",
            "# was aHVudGVyMi9wcm9kKzQy",
            "# url-safe: XaHVudGVyMi9wcm9kKzQy",
            "# hex 68756E746572322F70726F642B3432",
            "# in the URL: user:hunter2%2Fprod%2B42@db",
            r"# json: hunter2\/prod\u002B42",
        ] {
            let text = format!("{comment}\nDB_PASSWORD=hunter2/prod+42\n");
            assert_eq!(descriptions(&[&text]), ["DB_PASSWORD"], "{comment}");
        }
        // Base64 of an ordinary comment decodes to noise that holds no value.
        assert_eq!(
            descriptions(&[
                "DATABASE_URL=postgresql://app:pw@db/app\n# Connection string for PostgreSQL\nDB_HOST=db\n"
            ]),
            ["DATABASE_URL", "DB_HOST: Connection string for PostgreSQL"]
        );
    }

    #[test]
    fn a_part_of_a_value_that_looks_secret_is_kept_out_too() {
        for (comment, line) in [
            (
                "# db password is Hunter2xyz9",
                "DATABASE_URL=postgresql://admin:Hunter2xyz9@db/app",
            ),
            (
                "# db password is s3cret",
                "DATABASE_URL=postgresql://admin:s3cret@db/app",
            ),
            ("# token Hunter2xyz9 rotated", "API_TOKEN=ghp_Hunter2xyz9"),
            ("# 7f3a9b", "A=CANARY-7f3a9b"),
            ("# CANARY 7f3a9b", "A=CANARY-7f3a9b"),
        ] {
            let text = format!("{comment}\n{line}\n");
            assert_eq!(descriptions(&[&text]).len(), 1);
            assert!(!descriptions(&[&text])[0].contains(':'), "{comment}");
        }
        // Words of a value that a description rightly names stay.
        assert_eq!(
            descriptions(&[
                "DATABASE_URL=postgresql://localhost/app\n# The PostgreSQL server on localhost\nDB_POOL_SIZE=5\n"
            ]),
            [
                "DATABASE_URL",
                "DB_POOL_SIZE: The PostgreSQL server on localhost"
            ]
        );
    }

    #[test]
    fn many_long_repetitive_values_stay_small() {
        // 3.6 GB for a 1 MB `.env` of runs of one letter: only what fits in a description
        // goes into the automaton now.
        let values: Vec<String> = (4..1400).map(|n| "a".repeat(n)).collect();
        let values = Values::new(values.iter().map(String::as_str), std::iter::empty());
        assert!(values.in_text(&format!("# {}", "a".repeat(150))));
        assert!(!values.in_text("# an ordinary comment"));
    }

    #[test]
    fn a_long_repetitive_value_is_checked_in_linear_time() {
        // 100 kB of one letter took the DFA minutes to build; the NFA is linear.
        let value = "x".repeat(100_000);
        let values = Values::new([value.as_str()].into_iter(), std::iter::empty());
        assert!(values.in_text(&format!("# {value}")));
        assert!(!values.in_text("# an ordinary comment"));
    }

    #[test]
    fn descriptions_follow_the_parsers_lines_with_lone_carriage_returns() {
        // A lone `\r` ends a line, as in python-dotenv: each comment stays with its own
        // variable.
        let text = "# The first\rA_COUNT=1\r# The second\rB_COUNT=2\r";
        assert_eq!(
            descriptions(&[text]),
            ["A_COUNT: The first", "B_COUNT: The second"]
        );
    }

    #[test]
    fn a_sensitive_secrets_comment_is_never_copied_nor_a_settings_naming_a_credential() {
        // A twenty-second adversarial pass: passwords of no file, written in prose above
        // their secrets, were copied as descriptions.
        let text = "# staging pw Kd9-7f3\nDB_PASSWORD=a\n# previous: correcthorse\nAPI_TOKEN=b\n\
                    # default is swordfish\nADMIN_SECRET=c\n# Admin login PIN 4829\nADMIN_PIN=1\n\
                    # ask bob, the password is letmein\nDEBUG=false\n# How much to log\nLOG_LEVEL=INFO\n";
        assert_eq!(
            descriptions(&[text]),
            [
                "DB_PASSWORD",
                "API_TOKEN",
                "ADMIN_SECRET",
                "ADMIN_PIN",
                "DEBUG",
                "LOG_LEVEL: How much to log"
            ]
        );
    }
}
