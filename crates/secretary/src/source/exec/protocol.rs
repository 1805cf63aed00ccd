//! The provider protocol, version 1 (`docs/provider-protocol.md`): one request on the
//! program's stdin, one answer on its stdout, both JSON.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::spelled::Spellings;

/// The protocol's name and version, in every request and answer.
pub const PROTOCOL: &str = "secretary-provider/1";

/// The longest `locator` detail kept.
const LOCATOR_LIMIT: usize = 256;

/// The longest `error` message kept.
const ERROR_LIMIT: usize = 512;

/// What a provider's text (a `locator`, `looked`, an `error`, a key it
/// was not asked) becomes when it holds a value of the same answer, as it is or
/// JSON-escaped, URL-encoded, in base64 or hex.
pub const WITHHELD: &str = "[withheld]";

/// What secretary asks a provider.
#[derive(Debug, Serialize)]
pub struct Request<'a> {
    /// [`PROTOCOL`].
    pub protocol: &'static str,
    /// The source's name in the manifest.
    pub source: &'a str,
    /// The application's name, if the manifest gives one.
    pub app: Option<&'a str>,
    /// The environment being resolved.
    pub environment: &'a str,
    /// Every secret asked for, each once.
    pub secrets: Vec<Asked<'a>>,
}

/// One secret asked for.
#[derive(Debug, Serialize)]
pub struct Asked<'a> {
    /// The manifest's key (`database_url`).
    pub key: &'a str,
    /// Its env names, primary first.
    pub env: &'a [String],
}

/// The most an answer may hold, each secret's answer counted in whole steps of
/// [`CHARGE_STEP`](crate::charge::CHARGE_STEP), and the most of a provider's output read:
/// fewer than 32,768 secrets a request.
pub(super) const ANSWER_LIMIT: usize = 32 << 20;

/// A provider's answer, as written: each secret's answer still text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer<'a> {
    protocol: String,
    #[serde(borrow)]
    secrets: BTreeMap<String, &'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    value: Option<Value>,
    #[serde(default)]
    absent: bool,
    error: Option<String>,
    locator: Option<String>,
    version: Option<u64>,
    written: Option<String>,
    looked: Option<String>,
}

/// A value as the answer holds it, zeroed when dropped.
struct Value(Zeroizing<String>);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Self(Zeroizing::new(text)))
    }
}

/// An answer, checked: one per key asked, in order, and the texts withheld from it.
#[derive(Debug)]
pub(super) struct Read {
    pub(super) answers: Vec<Answered>,
    /// Each text replaced by [`WITHHELD`]: the key it was given for and its field.
    pub(super) withheld: Vec<(String, &'static str)>,
}

/// The values of an answer, to tell whether a text of the provider's spells one.
struct Values(Spellings);

impl Values {
    fn of(secrets: &BTreeMap<String, RawSecret>) -> Self {
        Self(Spellings::of(
            secrets
                .values()
                .filter_map(|secret| secret.value.as_ref())
                .map(|value| value.0.as_str()),
        ))
    }

    /// `text` as it may be shown: [`WITHHELD`] when it holds a value, else printable and
    /// cut at `limit` characters.
    fn shown(&self, text: &str, limit: usize) -> String {
        if self.0.in_text(text) {
            WITHHELD.to_owned()
        } else {
            printable(text, limit)
        }
    }
}

/// One secret's answer, checked.
#[derive(Debug)]
pub(super) enum Answered {
    /// The provider has it.
    Found {
        value: Zeroizing<String>,
        detail: Option<String>,
        version: Option<u64>,
        written: Option<std::time::SystemTime>,
    },
    /// The provider does not have it.
    Absent { detail: Option<String> },
    /// The provider could not tell.
    Failed { message: String },
}

/// What is wrong with an answer, said without any of its values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Not JSON of the answer's shape.
    #[error("its answer is not a protocol answer ({0})")]
    Shape(String),
    /// More than 32 MiB, each secret's answer counted in whole steps of 1 KiB: a limit
    /// on the answer's length would tell a value's, beside answers for keys of the
    /// manifest's choosing (a seventy-first adversarial pass read one to the byte with
    /// 56,296 keys asked).
    #[error(
        "its answer holds more than {} MiB, each secret's answer counted in whole steps of 1 KiB (fewer than 32,768 secrets a request)",
        ANSWER_LIMIT >> 20
    )]
    TooLarge,
    /// Another protocol or version: the `N` of `secretary-provider/N` it answered, or
    /// `None` for any other text, which is never shown (a provider's `protocol` field is
    /// no place for words of its own).
    #[error("{}", other_protocol(*.0))]
    Protocol(Option<u32>),
    /// A secret asked for has no answer.
    #[error("it did not answer for `{0}`")]
    Unanswered(String),
    /// An answer for a secret not asked for.
    #[error("it answered for `{0}`, which was not asked for")]
    NotAsked(String),
    /// Not exactly one of `value`, `absent`, `error`.
    #[error("its answer for `{0}` is not exactly one of `value`, `absent: true` or `error`")]
    Ambiguous(String),
    /// A `written` time that is not RFC 3339.
    #[error("its `written` for `{0}` is not an RFC 3339 time")]
    Written(String),
}

/// Reads an answer to a request for `asked` keys: one checked answer per key, in the order
/// asked. A text of the provider's that holds a value of the answer is withheld.
pub(super) fn read(output: &str, asked: &[&str]) -> Result<Read, AnswerError> {
    // serde_json's message names a line and column and what it expected, never the
    // text it read.
    let raw: RawAnswer = serde_json::from_str(output).map_err(|error| {
        AnswerError::Shape(format!(
            "line {}, column {}: {}",
            error.line(),
            error.column(),
            category(&error)
        ))
    })?;
    if counted(output, &raw) > ANSWER_LIMIT {
        return Err(AnswerError::TooLarge);
    }
    let wanted: HashSet<&str> = asked.iter().copied().collect();
    let mut secrets = BTreeMap::new();
    for (key, text) in raw.secrets {
        let secret: RawSecret = serde_json::from_str(text.get()).map_err(|error| {
            let whose = if wanted.contains(key.as_str()) {
                format!("its answer for `{key}`")
            } else {
                "an answer for a key not asked".to_owned()
            };
            AnswerError::Shape(format!("{whose}: {}", category(&error)))
        })?;
        secrets.insert(key, secret);
    }
    let values = Values::of(&secrets);
    if raw.protocol != PROTOCOL {
        return Err(AnswerError::Protocol(version(&raw.protocol, &values)));
    }
    if let Some(extra) = secrets.keys().find(|key| !wanted.contains(key.as_str())) {
        return Err(AnswerError::NotAsked(values.shown(extra, 64)));
    }
    let answered: Vec<(&str, RawSecret)> = asked
        .iter()
        .map(|key| {
            secrets
                .remove(*key)
                .map(|secret| (*key, secret))
                .ok_or_else(|| AnswerError::Unanswered((*key).to_owned()))
        })
        .collect::<Result<_, _>>()?;
    // When one text spells a value, every text of the answer is withheld: which one did
    // would answer a question per key the manifest asks, thousands a run (a
    // seventy-second adversarial pass read a PIN from which of `g_0000`..`g_9999` a
    // provider echoing its key had withheld). The whole text is judged, the key it
    // echoes included: a value holding the key would escape a judgement without it (the
    // seventy-third).
    let spelled = answered.iter().any(|(_, secret)| {
        [&secret.locator, &secret.looked, &secret.error]
            .into_iter()
            .flatten()
            .any(|text| values.0.in_text(text))
    });
    let mut withheld = Vec::new();
    let answers = answered
        .into_iter()
        .map(|(key, secret)| {
            let mut shown = |field: &'static str, text: Option<String>, limit: usize| {
                let text = text?;
                if spelled {
                    withheld.push((key.to_owned(), field));
                    return Some(WITHHELD.to_owned());
                }
                Some(printable(&text, limit))
            };
            let detail = shown("locator", secret.locator, LOCATOR_LIMIT);
            match (secret.value, secret.absent, secret.error) {
                (Some(value), false, None) => {
                    let written = match secret.written {
                        Some(time) => Some(
                            super::super::vault::written_at(&time)
                                .ok_or_else(|| AnswerError::Written(key.to_owned()))?,
                        ),
                        None => None,
                    };
                    Ok(Answered::Found {
                        value: value.0,
                        detail,
                        version: secret.version,
                        written,
                    })
                }
                (None, true, None) => Ok(Answered::Absent {
                    detail: shown("looked", secret.looked, LOCATOR_LIMIT).or(detail),
                }),
                (None, false, Some(message)) => Ok(Answered::Failed {
                    message: shown("error", Some(message), ERROR_LIMIT).unwrap_or_default(),
                }),
                _ => Err(AnswerError::Ambiguous(key.to_owned())),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Read { answers, withheld })
}

/// What `output`, read as `raw`, is counted at toward [`ANSWER_LIMIT`]: each secret's
/// answer in whole steps, the rest (its keys, the protocol, the spaces between) as
/// written.
fn counted(output: &str, raw: &RawAnswer<'_>) -> usize {
    raw.secrets.values().fold(output.len(), |total, text| {
        let len = text.get().len();
        total
            .saturating_sub(len)
            .saturating_add(crate::charge::stepped(len))
    })
}

/// The `N` of a `protocol` that reads `secretary-provider/N` (`N` a number written
/// without leading zeros, and not a value of the answer), else `None`.
fn version(protocol: &str, values: &Values) -> Option<u32> {
    let digits = protocol.strip_prefix("secretary-provider/")?;
    let canonical = digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    if !canonical || values.0.in_text(protocol) {
        return None;
    }
    digits.parse().ok()
}

/// What [`AnswerError::Protocol`] says: the version answered, or only that it was
/// another protocol.
fn other_protocol(version: Option<u32>) -> String {
    match version {
        Some(version) => {
            format!("it answered protocol `secretary-provider/{version}`, not `{PROTOCOL}`")
        }
        None => format!("it answered another protocol, not `{PROTOCOL}`"),
    }
}

/// What kind of JSON error, in words of our own: serde's message may quote a field's
/// text (`invalid type: string "..."`).
fn category(error: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match error.classify() {
        Category::Io => "cut short",
        Category::Syntax => "not valid JSON",
        Category::Data => "a field of the wrong type, or one the protocol does not have",
        Category::Eof => "it ends too soon",
    }
}

/// `text` with each character a terminal does not show as itself replaced
/// ([`crate::printable`]'s rule: a twenty-ninth adversarial pass had a provider's error
/// reverse what followed it, and start a line, with U+202E and U+2028), and cut at
/// `limit` characters: a provider's words are shown on a terminal.
fn printable(text: &str, limit: usize) -> String {
    let mut out: String = text
        .chars()
        .take(limit)
        .map(|c| if crate::printable::hidden(c) { '?' } else { c })
        .collect();
    if text.chars().count() > limit {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn every_key_is_answered_once_by_exactly_one_of_value_absent_or_error() {
        let answer = r#"{"protocol":"secretary-provider/1","secrets":{
            "a":{"value":"x","locator":"op://v/a","version":3,"written":"2026-01-02T03:04:05Z"},
            "b":{"absent":true,"looked":"op://v/b"},
            "c":{"error":"denied\u001b[31m"}}}"#;
        let read = read(answer, &["a", "b", "c"]).unwrap().answers;
        assert!(
            matches!(&read[0], Answered::Found { value, detail: Some(d), version: Some(3), written: Some(_) } if value.as_str() == "x" && d == "op://v/a")
        );
        assert!(matches!(&read[1], Answered::Absent { detail: Some(d) } if d == "op://v/b"));
        assert!(matches!(&read[2], Answered::Failed { message } if message == "denied?[31m"));
    }

    #[test]
    fn a_broken_answer_is_named_without_its_text() {
        let cases = [
            (
                r#"{"protocol":"secretary-provider/2","secrets":{}}"#,
                "protocol",
            ),
            (
                r#"{"protocol":"secretary-provider/2","secrets":{}}"#,
                "it answered protocol `secretary-provider/2`, not `secretary-provider/1`",
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{}}"#,
                "did not answer for `a`",
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{"a":{"value":"canary","absent":true}}}"#,
                "not exactly one",
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{"a":{"value":"v"},"z":{"absent":true}}}"#,
                "which was not asked for",
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{"a":{"value":"canary","extra":1}}}"#,
                "wrong type",
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{"a":{"value":["canary"]}}}"#,
                "wrong type",
            ),
            ("canary not json", "not valid JSON"),
            // Only `secretary-provider/N` is shown: another text could be anything.
            (
                r#"{"protocol":"canary-7f3a9b","secrets":{}}"#,
                "it answered another protocol, not `secretary-provider/1`",
            ),
            (
                r#"{"protocol":"secretary-provider/01canary","secrets":{}}"#,
                "another protocol",
            ),
        ];
        for (answer, expected) in cases {
            let error = read(answer, &["a"]).unwrap_err().to_string();
            assert!(error.contains(expected), "{answer}: {error}");
            assert!(!error.contains("canary"), "{error}");
        }
    }

    #[test]
    fn a_text_that_spells_a_value_of_the_answer_is_withheld() {
        // The value, and its base64, hex, URL and JSON spellings, in every text of the
        // provider's that is shown: the locator, where it looked, an error, its protocol,
        // a key it was not asked.
        let value = "hunter2X/+?";
        let answer = |a: &str, b: &str, c: &str| {
            format!(
                r#"{{"protocol":"secretary-provider/1","secrets":{{
                "a":{{"value":"hunter2X/+?","locator":"{a}"}},
                "b":{{"absent":true,"looked":"{b}"}},
                "c":{{"error":"{c}"}}}}}}"#
            )
        };
        for spelled in [
            "item/hunter2X/+?".to_owned(),
            format!("b64 {}", "aHVudGVyMlgvKz8="),
            format!("hex {}", "68756e74657232582f2b3f"),
            "url hunter2X%2F%2B%3F".to_owned(),
            r"json hunter2X\\/+?".to_owned(),
        ] {
            let got = read(&answer(&spelled, &spelled, &spelled), &["a", "b", "c"]).unwrap();
            assert!(
                matches!(&got.answers[0], Answered::Found { detail: Some(d), .. } if d == WITHHELD),
                "{spelled}: {:?}",
                got.answers[0]
            );
            assert!(
                matches!(&got.answers[1], Answered::Absent { detail: Some(d) } if d == WITHHELD),
                "{spelled}"
            );
            assert!(
                matches!(&got.answers[2], Answered::Failed { message } if message == WITHHELD),
                "{spelled}"
            );
            assert_eq!(
                got.withheld,
                vec![
                    ("a".to_owned(), "locator"),
                    ("b".to_owned(), "looked"),
                    ("c".to_owned(), "error")
                ]
            );
        }
        // Texts that hold no value are kept.
        let kept = read(&answer("op://v/a", "op://v/b", "denied"), &["a", "b", "c"]).unwrap();
        assert!(kept.withheld.is_empty());
        assert!(
            matches!(&kept.answers[0], Answered::Found { detail: Some(d), .. } if d == "op://v/a")
        );

        for (answer, expected) in [
            (
                r#"{"protocol":"secretary-provider/hunter2X/+?","secrets":{"a":{"value":"hunter2X/+?"}}}"#,
                AnswerError::Protocol(None),
            ),
            (
                r#"{"protocol":"secretary-provider/1","secrets":{"a":{"value":"hunter2X/+?"},"hunter2X/+?":{"absent":true}}}"#,
                AnswerError::NotAsked(WITHHELD.to_owned()),
            ),
        ] {
            let error = read(answer, &["a"]).unwrap_err();
            assert_eq!(error, expected);
            assert!(!error.to_string().contains(value));
        }
    }

    /// An answer for `s`, a value of `length` bytes, beside `padding` keys answered
    /// absent, and every key asked.
    fn padded(padding: usize, length: usize) -> (String, Vec<String>) {
        use std::fmt::Write as _;
        let mut keys: Vec<String> = (0..padding).map(|n| format!("pad_{n:06}")).collect();
        let mut answer = format!(
            "{{\"protocol\":\"{PROTOCOL}\",\"secrets\":{{\"s\":{{\"value\":\"{}\"}}",
            "v".repeat(length)
        );
        for key in &keys {
            let _ = write!(answer, ",\"{key}\":{{\"absent\":true}}");
        }
        answer.push_str("}}");
        keys.push("s".to_owned());
        (answer, keys)
    }

    #[test]
    fn an_answer_is_counted_by_each_secret_in_steps_not_by_its_length() {
        // A seventy-first adversarial pass: the 16 MiB limit on the whole answer, beside
        // answers for keys of the manifest's choosing, told a value's length to the
        // byte (56,296 keys: 1,001 bytes passed, 1,002 failed). Each secret's answer
        // counts whole steps now: the answer is the same for both lengths.
        for padding in [100, 32_767, 56_296] {
            let verdicts: Vec<Result<usize, AnswerError>> = [1_001, 1_002]
                .into_iter()
                .map(|length| {
                    let (answer, keys) = padded(padding, length);
                    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                    read(&answer, &keys).map(|read| read.answers.len())
                })
                .collect();
            assert_eq!(verdicts[0], verdicts[1], "{padding}");
            let expected = if padding < 32_767 {
                Ok(padding + 1)
            } else {
                Err(AnswerError::TooLarge)
            };
            assert_eq!(verdicts[0], expected, "{padding}");
        }
    }

    #[test]
    fn a_key_the_provider_echoes_asks_one_question_a_run_at_most() {
        use std::fmt::Write as _;
        // A seventy-second adversarial pass: a provider that answers `looked:
        // "store#<key>"` had a text withheld when the manifest's key spelled a value
        // (`g_4711`, `h_34373131` in hex), one guess a key, thousands a run. A text that
        // spells a value withholds every text of the answer: one answer a run, whichever
        // key spelled it. The key is not taken out before a text is judged: a value that
        // holds the key would then be shown (a seventy-third).
        let answer = |keys: &[&str]| {
            let mut answer =
                format!(r#"{{"protocol":"{PROTOCOL}","secrets":{{"pin":{{"value":"4711"}}"#);
            for key in keys {
                let _ = write!(
                    answer,
                    r#","{key}":{{"absent":true,"looked":"store#{key}"}}"#
                );
            }
            answer.push_str("}}");
            let mut asked = vec!["pin"];
            asked.extend_from_slice(keys);
            read(&answer, &asked).unwrap()
        };
        let shown = |read: &Read| {
            read.answers[1..]
                .iter()
                .map(|answer| match answer {
                    Answered::Absent { detail: Some(d) } => d.clone(),
                    other => panic!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        let missed = answer(&["g_4710", "g_4712"]);
        assert_eq!(shown(&missed), ["store#g_4710", "store#g_4712"]);
        for guesses in [["g_4710", "g_4711"], ["h_34373131", "g_4712"]] {
            let hit = answer(&guesses);
            assert_eq!(shown(&hit), [WITHHELD, WITHHELD], "{guesses:?}");
        }
        // A value that holds its key is withheld all the same.
        let echoed = r#"{"protocol":"secretary-provider/1","secrets":{
            "e":{"value":"hunter2-secret-value","locator":"store/hunter2-secret-value"}}}"#;
        let read = read(echoed, &["e"]).unwrap();
        assert!(
            matches!(&read.answers[0], Answered::Found { detail: Some(d), .. } if d == WITHHELD),
            "{:?}",
            read.answers[0]
        );
    }

    #[test]
    fn an_answer_too_large_is_not_blamed_on_the_protocol() {
        // A seventy-second adversarial pass was told the provider "does not speak"
        // the protocol.
        let error = super::super::ExecError::Answer {
            program: "company".to_owned(),
            error: AnswerError::TooLarge,
        };
        assert!(
            error.hint().contains("fewer secrets") && !error.hint().contains("does not speak"),
            "{}",
            error.hint()
        );
    }
}
