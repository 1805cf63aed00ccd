//! Finding real-looking secrets in files meant to hold none (`.env.example`, templates).
//!
//! Each line is checked for known token shapes (AWS access keys, GitHub, GitLab, Slack,
//! Stripe, Google API keys, Anthropic and OpenAI keys, private key blocks, JWTs), for a
//! password inside a URL, and for a high-entropy value. Placeholders pass (`change-me`,
//! `your-...-here`, `<slot>`, `${VARIABLE}`, `xxxx`; see
//! [`validate::placeholder`](crate::validate::placeholder)). A finding names the line,
//! the key and the rule, never the value.
//!
//! ```
//! use secretary::lint::{Rule, lint};
//!
//! let findings = lint("API_KEY=change-me\nGITHUB_TOKEN=ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK\n");
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].line, 2);
//! assert_eq!(findings[0].key.as_deref(), Some("GITHUB_TOKEN"));
//! assert_eq!(findings[0].rule, Rule::GitHubToken);
//! assert_eq!(findings[0].rule.to_string(), "a GitHub token");
//! ```

use std::sync::LazyLock;

use regex_lite::Regex;

use crate::validate::placeholder;

/// A real-looking secret: where, and which rule matched. Holds no text of the file but
/// the key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The 1-based line.
    pub line: usize,
    /// The variable assigned on that line, if it is an assignment (and its name is not
    /// what looks real: see `in_key`).
    pub key: Option<String>,
    /// Whether what looks real is the variable's name itself (`ghp_...=1`): then the
    /// name is not given, as it is the secret.
    pub in_key: bool,
    /// Whether the line is a comment (`#`): a line that is neither a comment nor an
    /// assignment (`A-B=...`, a name no shell takes) is told apart from one.
    pub commented: bool,
    /// What it looks like.
    pub rule: Rule,
}

/// What a real-looking value looks like. Its `Display` says it for people: "a GitHub
/// token", "a password inside a URL".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `-----BEGIN ... PRIVATE KEY-----`.
    PrivateKey,
    /// `AKIA...` and the other AWS key id prefixes.
    AwsAccessKeyId,
    /// `ghp_...`, `github_pat_...`.
    GitHubToken,
    /// `glpat-...`.
    GitLabToken,
    /// `xoxb-...` and the other Slack token prefixes.
    SlackToken,
    /// `https://hooks.slack.com/services/...`.
    SlackWebhook,
    /// `sk_live_...`, `rk_test_...`.
    StripeKey,
    /// `AIza...`.
    GoogleApiKey,
    /// `sk-ant-...`.
    AnthropicApiKey,
    /// `sk-...`, `sk-proj-...`.
    OpenAiApiKey,
    /// Three base64url parts, the first two JSON (`eyJ...`).
    JsonWebToken,
    /// `scheme://user:password@`, the password not a placeholder.
    UrlPassword,
    /// A run of 20 or more characters that looks random.
    HighEntropy,
}

impl Rule {
    /// What it looks like, for people: "a GitHub token".
    pub fn describe(self) -> &'static str {
        match self {
            Self::PrivateKey => "a private key block",
            Self::AwsAccessKeyId => "an AWS access key id",
            Self::GitHubToken => "a GitHub token",
            Self::GitLabToken => "a GitLab token",
            Self::SlackToken => "a Slack token",
            Self::SlackWebhook => "a Slack webhook URL",
            Self::StripeKey => "a Stripe key",
            Self::GoogleApiKey => "a Google API key",
            Self::AnthropicApiKey => "an Anthropic API key",
            Self::OpenAiApiKey => "an OpenAI API key",
            Self::JsonWebToken => "a JSON Web Token",
            Self::UrlPassword => "a password inside a URL",
            Self::HighEntropy => "a high-entropy value",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Known token shapes, most specific first.
static SHAPES: LazyLock<Vec<(Regex, Rule)>> = LazyLock::new(|| {
    [
        (
            r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----",
            Rule::PrivateKey,
        ),
        (
            r"\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
            Rule::AwsAccessKeyId,
        ),
        (
            r"\b(gh[pousr]_[A-Za-z0-9]{36,}?|github_pat_[A-Za-z0-9_]{40,}?)",
            Rule::GitHubToken,
        ),
        (r"\bglpat-[A-Za-z0-9_-]{20,}?", Rule::GitLabToken),
        (r"\bxox[abprse]-[A-Za-z0-9-]{10,}?", Rule::SlackToken),
        (
            r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}?",
            Rule::SlackWebhook,
        ),
        (r"\b[rs]k_(live|test)_[A-Za-z0-9]{16,}?", Rule::StripeKey),
        (r"\bAIza[0-9A-Za-z_-]{35}", Rule::GoogleApiKey),
        (r"\bsk-ant-[A-Za-z0-9_-]{32,}?", Rule::AnthropicApiKey),
        (
            r"\bsk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}?",
            Rule::OpenAiApiKey,
        ),
        (
            r"\beyJ[A-Za-z0-9_-]{8,}?\.eyJ[A-Za-z0-9_-]{8,}?\.[A-Za-z0-9_-]{8,}?",
            Rule::JsonWebToken,
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, rule)| Regex::new(pattern).ok().map(|re| (re, rule)))
    .collect()
});

/// `scheme://user:password@`.
static URL_PASSWORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@\s/]+)@").ok());

/// A run of token characters.
static TOKEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/=_.~-]{20,}").ok());

/// Every real-looking secret in `text`.
pub fn lint(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Lines end as a `.env` reader ends them: `\n`, `\r\n`, or a lone `\r` (a
    // twenty-ninth adversarial pass hid a token behind `A=change-me\r`, one line to
    // `lines()`, two to secretary and python-dotenv).
    let lines = text
        .split('\n')
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'));
    for (index, line) in lines.enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let (key, value) = assignment(trimmed);
        let commented = trimmed.starts_with('#');
        // A known token's shape may sit anywhere in a comment (`# GITHUB_TOKEN: ghp_...`,
        // `#   - ghp_...`: a twenty-eighth adversarial pass found them passed as clean),
        // and a commented-out assignment is still a value written down
        // (`# OLD_TOKEN=ghp_...`: a twenty-seventh); a comment's prose is not held to
        // the entropy rule.
        // A variable's name is looked at for a known token's shape too: `ghp_...=1`
        // passed, and its finding printed the token as the key (a thirty-second
        // adversarial pass).
        let in_key = if commented {
            None
        } else {
            key.and_then(looks_real_name)
        };
        let rule = if commented {
            let inside = trimmed.trim_start_matches('#').trim();
            shape(inside).or_else(|| match assignment(inside) {
                (Some(_), value) => check(value),
                (None, _) => None,
            })
        } else {
            in_key.or_else(|| check(value))
        };
        if let Some(rule) = rule {
            findings.push(Finding {
                line: index + 1,
                key: if commented || in_key.is_some() {
                    None
                } else {
                    key.map(str::to_owned)
                },
                in_key: in_key.is_some(),
                commented,
                rule,
            });
        }
    }
    findings
}

/// The rule a single value breaks, if it looks like a real secret: the check [`lint`]
/// makes of each assignment's value (`init` asks it of each value it reads).
///
/// ```
/// use secretary::lint::{Rule, looks_real};
///
/// assert_eq!(looks_real("change-me"), None);
/// assert_eq!(
///     looks_real("postgresql://app:Zq8v2LmX@db/app"),
///     Some(Rule::UrlPassword)
/// );
/// ```
pub fn looks_real(value: &str) -> Option<Rule> {
    check(value)
}

/// The rule a variable's name breaks, if it looks like a real secret: a known token's
/// shape, or one part of it (between `_`, `.` and `-`) of 16 characters or more that
/// reads as a value: its kind of character (digit, capital, small letter) changes at
/// three in ten of them or more (a capital starting a word, and a word in camelCase,
/// are not changes), or fewer than 18 in 100 of its letters are vowels (`y` counted).
/// A value written where a name goes is still written down (a thirty-third adversarial
/// pass saw such a name printed by `lint` and copied into a manifest by `init`). Judged
/// part by part, so that words beside a token do not dilute it, and so that no real name
/// of a corpus of about 40 (versions, years, abbreviations, camelCase) is taken for one:
/// measured on 1,000 random tokens of each alphabet, a token alone or glued to words is
/// taken for a value about 86 times in 100 (alphanumeric), 96 (hex), 82 (URL-safe
/// base64), 65 (base32) and 30 (letters alone). (The thirty-fourth to thirty-sixth
/// passes found rules judging the whole name, or counting digits, call names like
/// `POSTGRES_PASSWORD_V2` secrets, or let glued tokens through.)
///
/// ```
/// use secretary::lint::{Rule, looks_real_name};
///
/// assert_eq!(looks_real_name("GOOGLE_OAUTH_CLIENT_SECRET"), None);
/// assert_eq!(looks_real_name("S3_BUCKET_2024_EU_WEST_1"), None);
/// assert_eq!(looks_real_name("youtubeDataApiKeyForUploads"), None);
/// assert_eq!(looks_real_name("Xk9mQ2vB7nL4pR8tW1z_C6yF3hJ5sD0g"), Some(Rule::HighEntropy));
/// ```
pub fn looks_real_name(name: &str) -> Option<Rule> {
    shape(name).or_else(|| {
        name.split(['_', '.', '-'])
            .any(value_like)
            .then_some(Rule::HighEntropy)
    })
}

/// Whether a part of a name reads as a value rather than words ([`looks_real_name`]).
fn value_like(part: &str) -> bool {
    let text: Vec<char> = part.chars().collect();
    if text.len() < 16 {
        return false;
    }
    let kind = |c: char| {
        if c.is_ascii_digit() {
            0
        } else if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_lowercase() {
            2
        } else {
            3
        }
    };
    let changes = (0..text.len() - 1)
        .filter(|&at| {
            let (a, b) = (kind(text[at]), kind(text[at + 1]));
            let camel_word = a == 2 && b == 1 && text.get(at + 2).is_some_and(|&c| kind(c) == 2);
            a != b && !(a == 1 && b == 2) && !camel_word
        })
        .count();
    let letters = text.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let vowels = text.iter().filter(|c| "aeiouyAEIOUY".contains(**c)).count();
    changes * 10 >= (text.len() - 1) * 3 || (letters >= 16 && vowels * 100 < letters * 18)
}

/// `KEY=VALUE` (with `export ` and quotes removed), or the whole line.
fn assignment(line: &str) -> (Option<&str>, &str) {
    let line = line.strip_prefix("export ").unwrap_or(line);
    match line.split_once('=') {
        Some((key, value))
            if !key.trim().is_empty()
                && key
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') =>
        {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            (Some(key.trim()), value)
        }
        _ => (None, line),
    }
}

/// The rule `value` breaks, if any.
fn check(value: &str) -> Option<Rule> {
    // A known token's shape first, wherever it is in the value: a placeholder, a
    // reference or a filler beside it does not make it one (a twenty-ninth adversarial
    // pass passed `ghp_... # change-me` and `${GITHUB_TOKEN:-ghp_...}` as clean). Each
    // match is still let through when it is itself a placeholder (`sk-xxxx...`).
    if let Some(rule) = shape(value) {
        return Some(rule);
    }
    // A reference's default is a value written down (`${SECRET_KEY:-9fK2...}`), and each
    // word of a value is judged on its own, a comment after it left out: a placeholder
    // or a filler beside a secret does not make it one (a thirtieth adversarial pass).
    if let Some(default) = reference_default(value) {
        return check(default);
    }
    let value = value.split(" #").next().unwrap_or(value).trim();
    let mut words = value.split_whitespace();
    if let (Some(_), Some(_)) = (words.next(), words.next()) {
        return value.split_whitespace().find_map(check);
    }
    if value.is_empty() || placeholder(value).is_some() || is_reference(value) || filler(value) {
        return None;
    }
    if let Some(re) = URL_PASSWORD.as_ref() {
        for captures in re.captures_iter(value) {
            let password = captures.get(1).map_or("", |m| m.as_str());
            if !is_reference(password) && placeholder(password).is_none() && !masked(password) {
                return Some(Rule::UrlPassword);
            }
        }
    }
    let high_entropy = TOKEN.as_ref().is_some_and(|re| {
        re.find_iter(value).any(|m| {
            let token = m.as_str();
            !masked(token) && placeholder(token).is_none() && random_looking(token)
        })
    });
    high_entropy.then_some(Rule::HighEntropy)
}

/// The first of [`SHAPES`] found in `text` that is not itself a placeholder or a filler
/// (`sk-xxxx...`, `AKIAXXXXXXXXXXXXXXXX`).
fn shape(text: &str) -> Option<Rule> {
    SHAPES.iter().find_map(|(re, rule)| {
        re.find_iter(text)
            .any(|m| placeholder(m.as_str()).is_none() && !filler(m.as_str()))
            .then_some(*rule)
    })
}

/// `${NAME}`, `${NAME:-...}` (its default judged by [`reference_default`]) or `$NAME`: a
/// reference, not a value. `$NAME-text` is not one: a shell and a `.env` reader take
/// `-text` as written after the name's value (a thirty-first adversarial pass passed
/// `$HOME-9fK2...` as a reference).
fn is_reference(value: &str) -> bool {
    let name = |text: &str| {
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if let Some(inner) = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        let end = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let operator = &inner[end..];
        return name(&inner[..end])
            && (operator.is_empty() || operator.starts_with(':') || operator.starts_with('-'));
    }
    value.strip_prefix('$').is_some_and(name)
}

/// The default of a reference with one (`${NAME:-default}`, `${NAME-default}`).
fn reference_default(value: &str) -> Option<&str> {
    let inner = value.strip_prefix("${")?.strip_suffix('}')?;
    let at = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let rest = &inner[at..];
    rest.strip_prefix(":-")
        .or_else(|| rest.strip_prefix('-'))
        .filter(|default| !default.is_empty())
}

/// `xxxx`, `****`, `....`, `0000`: one character repeated.
fn masked(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|first| chars.all(|c| c == first || c == '-' || c == '_'))
}

/// Whether `token` (20 characters or more) looks random rather than made of words: its
/// Shannon entropy per character is within 0.9 bits of the most its length allows (or
/// over 4.2 bits), it mixes digits or cases, and it is no hex string shorter than 32. The
/// threshold was set on random URL-safe keys (20 characters: 4.05 bits on average) and
/// ordinary settings (`faceless_youtube_2024_production_db`: 4.15 of 4.23 allowed).
#[expect(
    clippy::cast_precision_loss,
    reason = "a token's length is far below 2^52"
)]
fn random_looking(token: &str) -> bool {
    let bits = entropy(token);
    let hex = token.chars().all(|c| c.is_ascii_hexdigit());
    if hex {
        return token.len() >= 32 && bits >= 3.0;
    }
    let digit = token.chars().any(|c| c.is_ascii_digit());
    let mixed_case = token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_lowercase());
    let threshold = (log2(token.len() as f64) - 0.9).min(4.2);
    (digit || mixed_case) && bits >= threshold
}

/// `xxxx` or `****` somewhere: a value that was masked or left as filler.
fn filler(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains("xxxx") || lower.contains("****")
}

/// `log2` from the `libm` crate rather than `f64::log2`: the standard one comes from the
/// system's `libm.so`, and this one function would make every start of the executable
/// load that library (about 0.07 ms of each `secretary run`; bench/RESULTS.md).
fn log2(x: f64) -> f64 {
    libm::log2(x)
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of a line's characters are far below 2^52"
)]
fn entropy(token: &str) -> f64 {
    let mut counts = [0usize; 256];
    for byte in token.bytes() {
        counts[usize::from(byte)] += 1;
    }
    let total = token.len() as f64;
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / total;
            -p * log2(p)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real-looking values, one per rule (made up, of the right shape).
    const REAL: [(&str, Rule); 25] = [
        (
            "AWS_ACCESS_KEY_ID=AKIAZ7Q4M2X9W3B8K1RT",
            Rule::AwsAccessKeyId,
        ),
        (
            "GH=ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK",
            Rule::GitHubToken,
        ),
        ("GL=glpat-x9Kq2mV7bN4tR8wZ1cY6", Rule::GitLabToken),
        (
            "SLACK=xoxb-2048937465-1234567890123-Ab1Cd2Ef3Gh4",
            Rule::SlackToken,
        ),
        (
            "HOOK=https://hooks.slack.com/services/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",
            Rule::SlackWebhook,
        ),
        ("STRIPE=sk_live_51Hq8ZkL2m9X4v7B3n6C1x0Z", Rule::StripeKey),
        (
            "GOOGLE=AIzaSyD8x3Kq9vLm2N7bT4wR1yZ6cF0hJ5pQ8sE",
            Rule::GoogleApiKey,
        ),
        (
            "ANTHROPIC_API_KEY=sk-ant-api03-q8W2e4R6t8Y0u2I4o6P8a0S2d4F6g8H0j2K4",
            Rule::AnthropicApiKey,
        ),
        (
            "OPENAI_API_KEY=sk-proj-q8W2e4R6t8Y0u2I4o6P8a0S2d4F6g8H0j2K4",
            Rule::OpenAiApiKey,
        ),
        ("KEY=\"-----BEGIN RSA PRIVATE KEY-----\"", Rule::PrivateKey),
        (
            "TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            Rule::JsonWebToken,
        ),
        (
            "DATABASE_URL=postgresql://app:Zq8v2LmX@db.internal:5432/app",
            Rule::UrlPassword,
        ),
        (
            "SECRET_KEY=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            Rule::HighEntropy,
        ),
        ("SESSION='q8W2e4R6t8Y0u2I4o6P8a0S2d4'", Rule::HighEntropy),
        // A twenty-ninth adversarial pass: a placeholder, a reference's default or a
        // filler beside a token hid it.
        (
            "A=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6 # change-me",
            Rule::GitHubToken,
        ),
        (
            "B=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6 # TODO: your-token-here",
            Rule::GitHubToken,
        ),
        (
            "C=${GITHUB_TOKEN:-ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6}",
            Rule::GitHubToken,
        ),
        (
            "D=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6,<token>",
            Rule::GitHubToken,
        ),
        // A thirtieth: a password, a random token or a shape's tail beside a
        // placeholder, a filler or as a reference's default.
        (
            "E=postgresql://app:Zq8v2LmXq7RtW3@db/app # change-me",
            Rule::UrlPassword,
        ),
        (
            "F=9fK2mQ7xL4pR8vT1wZ6bN3cH5jD0sGq # change-me",
            Rule::HighEntropy,
        ),
        (
            "G=${SECRET_KEY:-9fK2mQ7xL4pR8vT1wZ6bN3cH5jD0sGq}",
            Rule::HighEntropy,
        ),
        ("H=9fK2mQ7xL4pR8vT1wZ6bN3cH5jD0sGq xxxx", Rule::HighEntropy),
        (
            "I=sk-ant-api03-Zq8v2LmXq7RtW3aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6-change-me",
            Rule::AnthropicApiKey,
        ),
        (
            "J=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6xxxx",
            Rule::GitHubToken,
        ),
        // A reference's name, then text: the text is written down.
        ("K=$HOME-9fK2mQ7xL4pR8vT1wZ6bN3cH5jD0sGq", Rule::HighEntropy),
    ];

    #[test]
    fn each_rule_finds_its_shape_and_names_no_value() {
        for (line, rule) in REAL {
            let findings = lint(&format!("# header\n{line}\n"));
            assert_eq!(findings.len(), 1, "{line}");
            assert_eq!(findings[0].rule, rule, "{line}");
            assert_eq!(findings[0].line, 2);
            let shown = format!("{:?}", findings[0]);
            let value = line.split_once('=').map_or(line, |(_, v)| v);
            assert!(!shown.contains(value.trim_matches(['"', '\''])), "{shown}");
        }
    }

    #[test]
    fn placeholders_and_ordinary_settings_pass() {
        let template = "\
# PostgreSQL connection URL
DATABASE_URL=postgresql://user:change-me@localhost:5432/app
REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0
MONGODB_URI=mongodb://<user>:<password>@mongo/app
API_KEY=change-me
OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
ANTHROPIC_API_KEY=your-anthropic-key-here
AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX
SECRET_KEY=
LOG_LEVEL=INFO
CELERY_BROKER_URL=redis://redis:6379/1
ALLOWED_HOSTS=localhost,127.0.0.1,api.example.com
SENTRY_DSN=https://public@sentry.example.com/1
STORAGE_PATH=/var/lib/faceless-youtube/uploads/processed-videos
FEATURE_FLAGS=enable_new_uploader_and_thumbnail_generation
export PATH_PREFIX=${HOME}/bin
";
        assert_eq!(lint(template), []);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_a_dotenv_reader_ends_it() {
        // A twenty-ninth adversarial pass: `A=change-me\rGITHUB_TOKEN=ghp_...` is one
        // line to `lines()`, two to secretary's and python-dotenv's readers.
        let text = "A=change-me\rGITHUB_TOKEN=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6\r\nB=1\n";
        let findings = lint(text);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 2);
        assert_eq!(findings[0].key.as_deref(), Some("GITHUB_TOKEN"));
        assert_eq!(lint("B=1\r\nC=2\r\n"), []);
    }

    #[test]
    fn a_token_written_as_a_variables_name_is_found_and_its_name_not_given() {
        // A thirty-second adversarial pass: `ghp_...=x` passed, and `ghp_...=ghp_...`
        // printed the token as the key.
        for line in [
            "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6=x",
            "export ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6=1",
            "AKIAQ3EGRKZTMXN2PW4L=1",
            "Xk9mQ2vB7nL4pR8tW1zC6yF3hJ5sD0gCANARY7q3z9x=1",
            // Split by `_`, or with few digits (the thirty-fifth pass).
            "Xk9mQ2vB7nL4pR8tW1z_C6yF3hJ5sD0gQ2vB7nL=1",
            "MJtkbezm6kX9eFyNqBGNWxNjhrpKkZIxFgoFqV9J=change-me",
            // Glued to words (the thirty-sixth pass).
            "WEBHOOK_SIGNING_SECRET_xtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40=change-me",
            "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ7",
        ] {
            let findings = lint(line);
            assert_eq!(findings.len(), 1, "{line}");
            assert!(findings[0].in_key, "{line}");
            assert_eq!(findings[0].key, None, "{line}");
        }
        let findings = lint("GITHUB_TOKEN=ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6\n");
        assert!(!findings[0].in_key);
        assert_eq!(findings[0].key.as_deref(), Some("GITHUB_TOKEN"));
    }

    #[test]
    fn ordinary_variable_names_are_names() {
        // A thirty-fourth adversarial pass: 25 of 56 ordinary names were called secrets.
        for name in [
            "POSTGRES_PASSWORD_V2",
            "DATABASE_URL_REPLICA_1",
            "APP_AWS_REGION_US_EAST_1",
            "SMTP_PASSWORD_OFFICE365",
            "OFFICE365_SMTP_PASSWORD",
            "ANTHROPIC_API_KEY_CLAUDE3",
            "ENCRYPTION_KEY_AES256",
            "DB_PASSWORD_PG15_PRIMARY",
            "AZURE_STORAGE_ACCOUNT_KEY_2",
            "GCP_PROJECT_ID_123456789",
            "JWT_RS256_PRIVATE_KEY_PEM",
            "HMAC_SHA512_SIGNING_KEY_V3",
            "X509_CERT_SHA256_FINGERPRINT",
            "MSSQL_SA_PASSWORD_2019_CU18",
            "googleOAuthClientSecret",
            "stripePublishableKey",
            "firebaseMeasurementId",
            "POSTGRES_PASSWORD_V15",
            "YOUTUBE_API_KEY_V3_PROD",
            "ANTHROPIC_API_KEY_2024",
            "SENTRY_DSN_BACKEND_V2",
            "MONGODB_URI_REPLICA_1",
            "googleClientSecretV2",
            "DJANGO_SECRET_KEY_PROD_2024_Q3",
            "OAUTH2_PROXY_COOKIE_SECRET_B64",
            "youtubeDataApiKeyForUploads",
            "reactAppGoogleMapsApiKey",
            "MySqlDatabaseConnectionString",
            "NEXT_PUBLIC_FIREBASE_MESSAGING_SENDER_ID",
            "FACELESS_YOUTUBE_CELERY_BROKER_URL",
            // The thirty-fifth pass's.
            "awsS3BucketBackup2024Daily",
            "googleAnalyticsUA123456789",
            "claude35Sonnet20241022ApiKey",
            "gpt4o20240806DeploymentName",
            "MODEL_CLAUDE35SONNET20241022",
            "S3_BUCKET_BACKUPS20240101ARCHIVE",
            "postgres15Replica01Password",
            "DB_PASSWORD_PG15REPLICA01PRIMARY",
            "SSL_CERT_FILE_PATH_FOR_HTTPS",
            "KUBERNETES_SERVICE_ACCOUNT_TOKEN",
            // The thirty-sixth pass's.
            "SENTRY_DSN_BACKEND_PY_V3",
            "MYPYC_STRICT_DUNDER_TYPING",
            "HTTPS_PROXY_SSL_CRT_PATH",
            "azureAdB2cClientIdForWebApp",
            "awsKmsKeyArnForS3Sse",
            "MIXTRAL_8X7B_V0_1_Q5_K_M_GGUF",
        ] {
            assert_eq!(looks_real_name(name), None, "{name}");
            assert_eq!(lint(&format!("{name}=change-me\n")), [], "{name}");
        }
    }
}
