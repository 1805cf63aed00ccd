//! The manifest's model: what `secrets.toml` declares, once checked. Every type here is
//! made by the checker ([`super::check`]) from the file as written ([`super::raw`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

pub use super::kind::{SourceConfig, SourceKind};

/// The `[app]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct App {
    /// The application's name, if given.
    pub name: Option<String>,
    /// Variables that name the environment, first set wins (default `ENVIRONMENT`, `ENV`).
    pub environment_from: Vec<String>,
    /// The environment used when no flag or variable names one (default `development`).
    pub default_environment: String,
}

/// One `[sources.NAME]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SourceSpec {
    /// The name the environments refer to it by.
    pub name: String,
    /// Its kind and settings.
    pub config: SourceConfig,
    /// How long [`SecretManager`](crate::SecretManager) keeps a value from this source
    /// before reading it again (`ttl = "5m"`); `None`: until `clear_cache`. Not allowed
    /// on `env` sources, whose values never change.
    pub ttl: Option<std::time::Duration>,
}

impl SourceSpec {
    /// A source called `name` with `config`, kept until `clear_cache` (no `ttl`).
    pub fn new(name: impl Into<String>, config: SourceConfig) -> Self {
        Self {
            name: name.into(),
            config,
            ttl: None,
        }
    }
}

/// What to do when a source fails (as opposed to not having a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OnSourceError {
    /// The secrets that source could have served fail (the default: fail closed).
    #[default]
    Fail,
    /// Try the next source, and report the fall-through.
    Next,
}

impl OnSourceError {
    /// The manifest spelling: `fail` or `next`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Next => "next",
        }
    }
}

/// An environment's last-known-good policy: after every complete read of a Vault
/// source, an encrypted copy of its values is kept; when the source cannot be reached
/// (never when it refuses), the copy is served, marked stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LastKnownGood {
    /// The oldest copy that may be served (`last_known_good = { max_age = "24h" }`).
    pub max_age: Duration,
    /// Whether stale values are a problem (`fail`) or a warning (`warn`, the default).
    pub on_stale: OnStale,
    /// How long resolution waits for an unresponsive source before it takes the copy
    /// (`outage_after`, default 5 s).
    pub outage_after: Duration,
}

impl LastKnownGood {
    /// `outage_after` when the manifest does not say.
    pub const DEFAULT_OUTAGE_AFTER: Duration = Duration::from_secs(5);

    /// The shortest `outage_after` a manifest may set.
    pub const MIN_OUTAGE_AFTER: Duration = Duration::from_secs(1);

    /// A policy: serve copies up to `max_age` old, with `on_stale`, after waiting at most
    /// `outage_after`.
    pub fn new(max_age: Duration, on_stale: OnStale, outage_after: Duration) -> Self {
        Self {
            max_age,
            on_stale,
            outage_after,
        }
    }
}

/// What stale values (served from a last-known-good copy) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OnStale {
    /// A warning: the values are served, and `check` exits 0 (the default).
    #[default]
    Warn,
    /// A problem: `check` exits 1, and the values are not served.
    Fail,
}

impl OnStale {
    /// The manifest spelling: `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One `[environments.NAME]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EnvironmentSpec {
    /// Its name.
    pub name: String,
    /// Source names, in the order they are asked.
    pub sources: Vec<String>,
    /// Fail closed, or fall through to the next source.
    pub on_source_error: OnSourceError,
    /// Whether placeholder values (`change-me`, `your-...-here`) are problems.
    pub forbid_placeholders: bool,
    /// Whether a secret overdue for rotation is a problem here (else a warning).
    pub enforce_rotation: bool,
    /// The last-known-good copy of its Vault sources' values (`last_known_good`,
    /// `on_stale`, `outage_after`), when the environment opts in.
    pub last_known_good: Option<LastKnownGood>,
    /// This environment's own `required` and `default` for some secrets, by key.
    pub rules: BTreeMap<String, SecretRule>,
    /// Every declared secret with `rules` applied, in manifest order (the same positions
    /// as [`Manifest::secrets`](crate::Manifest::secrets)).
    pub(crate) secrets: Vec<Arc<SecretSpec>>,
}

impl EnvironmentSpec {
    /// Every declared secret as this environment sees it: the manifest's declaration with
    /// this environment's `required` and `default`, in manifest order.
    pub fn secrets(&self) -> &[Arc<SecretSpec>] {
        &self.secrets
    }
}

/// An environment's own rule for one secret (`[environments.NAME.secrets.KEY]`): what it
/// sets replaces the declaration's, for this environment only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretRule {
    /// Whether its absence is a problem here.
    pub required: Option<bool>,
    /// The default here (non-sensitive secrets only).
    pub default: Option<String>,
    /// The value built from other secrets here.
    pub template: Option<super::ValueTemplate>,
}

/// The type of a secret's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SecretType {
    /// Any text.
    #[default]
    String,
    /// An absolute URL (`scheme://...`), optionally limited to `schemes`.
    Url,
    /// A signed 64-bit integer, optionally within `min`..=`max`.
    Int,
    /// A TCP/UDP port, 1 to 65535.
    Port,
    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, in any case.
    Bool,
    /// One of `values`.
    Enum,
}

impl SecretType {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Url => "url",
            Self::Int => "int",
            Self::Port => "port",
            Self::Bool => "bool",
            Self::Enum => "enum",
        }
    }
}

/// Constraints on a secret's value besides its type.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Constraints {
    /// Fewest characters.
    pub min_length: Option<usize>,
    /// Most characters.
    pub max_length: Option<usize>,
    /// A regular expression the whole value must match: RE2's syntax without look-around
    /// or Unicode classes (`\d`, `\w`, `\s`, `\b` and `(?i)` are ASCII-only; see
    /// [`regex_lite`]), matched in linear time.
    pub pattern: Option<regex_lite::Regex>,
    /// The allowed values of an `enum`.
    pub values: Vec<String>,
    /// The allowed schemes of a `url` (empty: any).
    pub schemes: Vec<String>,
    /// Smallest `int`.
    pub min: Option<i64>,
    /// Largest `int`.
    pub max: Option<i64>,
}

impl Constraints {
    /// The first of them that a value built from others (by a `template`, by `.env`
    /// expansion) may not be given: `pattern`, `values`, `min`, `max`, `min_length`,
    /// `max_length`. Such a value is checked on its shape (each input `1`), which they
    /// would judge as nothing, and on the value itself they would ask its inputs a
    /// question the text around them chooses, which may differ in each environment
    /// (the sixty-first to sixty-third adversarial passes). They belong on the inputs.
    pub(crate) fn questioning(&self) -> Option<&'static str> {
        if self.pattern.is_some() {
            Some("pattern")
        } else if !self.values.is_empty() {
            Some("values")
        } else if self.min.is_some() {
            Some("min")
        } else if self.max.is_some() {
            Some("max")
        } else if self.min_length.is_some() {
            Some("min_length")
        } else if self.max_length.is_some() {
            Some("max_length")
        } else {
            None
        }
    }
}

/// One `[secrets.KEY]` table.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecretSpec {
    /// Lower snake case key.
    pub key: String,
    /// What it is for (empty when not given).
    pub description: String,
    /// Whether its absence is a problem.
    pub required: bool,
    /// Environment variable names; the first is the primary (export) name.
    pub env: Vec<String>,
    /// Whether the value is secret (default true). Only non-sensitive values are shown.
    pub sensitive: bool,
    /// Used when no source has the secret (non-sensitive secrets only).
    pub default: Option<String>,
    /// Its value built from other secrets (`template`), in this environment: then no
    /// source is asked for it.
    pub template: Option<super::ValueTemplate>,
    /// Its type.
    pub kind: SecretType,
    /// Further constraints.
    pub constraints: Constraints,
    /// A pinned KV version, read from Vault sources instead of the latest.
    pub version: Option<u64>,
    /// How often it is rotated, and how a new value is made (`rotate_every`, `generate`).
    pub rotation: Option<Rotation>,
    /// The line of its `[secrets.KEY]` header.
    pub line: usize,
}

/// The most values a `sensitive = false` secret's type may allow for its value to be
/// shown to people (unless it is the default): six bits a manifest can read per secret,
/// as a verdict gives.
pub const SHOWN_CHOICES: usize = 64;

impl SecretSpec {
    /// Whether `value`, this secret's, may be shown to people (`status`, `example
    /// --check`'s diff): only that of a secret declared `sensitive = false`, valid, and
    /// either of a type that allows at most `SHOWN_CHOICES` (64) values or equal to its
    /// default. So: a `bool`, an `enum` of at most 64 values, an `int` whose `min` and
    /// `max` allow at most 64. A manifest is edited by others, and "not secret" is its
    /// word only: a `string` it calls so could be any variable or file the user can read,
    /// and so could an unbounded `int` (a card number), an enum of every PIN (a seventh
    /// adversarial pass), or a `port` or an `int` from 0 to 65535, which hold every PIN
    /// of four or five digits (a twenty-sixth). One rule for every place that shows a
    /// value: `example --check` had its own, and showed what `status` hid (a
    /// twenty-seventh).
    pub fn may_show(&self, value: &str) -> bool {
        let default = self.default.as_deref() == Some(value);
        !self.sensitive && (self.bounded() || default) && super::rules::check(self, value).is_ok()
    }

    /// Whether `value`, read from a source (not the default), may be shown: as
    /// [`may_show`](Self::may_show), but a value equal to the default does not count
    /// as one. A default by environment is the manifest's to choose: `status` showing
    /// a value read only when it equals it answered a guess an environment, 128 a run (a
    /// sixty-third adversarial pass).
    pub(crate) fn may_show_read(&self, value: &str) -> bool {
        !self.sensitive && self.bounded() && super::rules::check(self, value).is_ok()
    }

    /// Whether this secret's type allows at most [`SHOWN_CHOICES`] values.
    fn bounded(&self) -> bool {
        let constraints = &self.constraints;
        let choices = i128::try_from(SHOWN_CHOICES).unwrap_or(i128::MAX);
        match self.kind {
            SecretType::Bool => true,
            SecretType::Enum => constraints.values.len() <= SHOWN_CHOICES,
            SecretType::Int => match (constraints.min, constraints.max) {
                (Some(min), Some(max)) => i128::from(max) - i128::from(min) < choices,
                _ => false,
            },
            _ => false,
        }
    }

    /// The primary environment variable name (the first of `env`).
    pub fn primary_env(&self) -> &str {
        self.env.first().map_or(self.key.as_str(), String::as_str)
    }

    /// Whether a rotation makes this secret's new value (`generate = { bytes = 32 }`)
    /// rather than someone providing it (`generate = "provided"`, or no `generate`).
    pub fn is_generated(&self) -> bool {
        matches!(
            self.rotation.as_ref().map(|rotation| rotation.new_value),
            Some(NewValue::Generated { .. })
        )
    }
}

/// A secret's rotation policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation {
    /// How old its current value may get (`rotate_every`); `None` when it is rotated only
    /// on demand.
    pub every: Option<std::time::Duration>,
    /// How a new value is made.
    pub new_value: NewValue,
}

/// How a rotated secret's new value is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewValue {
    /// Random bytes from the operating system, written in `encoding` (`generate = {
    /// bytes = 32, format = "urlsafe" }`).
    Generated {
        /// How many random bytes.
        bytes: u16,
        /// How they are written.
        encoding: crate::generate::Encoding,
    },
    /// Someone provides it (an API key from a vendor's console): `generate = "provided"`.
    Provided,
}

/// Where the audit log goes: the manifest's `[audit]` table, or the caller's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditTarget {
    /// Appended to this file (created 0600): the caller's choice.
    File(PathBuf),
    /// Appended to `file`, a relative path beneath `dir` (the manifest's directory), never
    /// through a symbolic link: the manifest's `[audit] file`, which may not name a file
    /// elsewhere (a manifest edited in a pull request must not append to `~/.bashrc`).
    Beneath {
        /// The manifest's directory.
        dir: PathBuf,
        /// The log, relative to it, without `..`.
        file: PathBuf,
    },
    /// Written to standard error.
    Stderr,
}
