//! The manifest as written: serde's view of `secrets.toml`, every value with its span,
//! before any check. Only [`super::check`] reads these.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::model::{OnSourceError, OnStale, SecretType};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) version: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) app: RawApp,
    #[serde(default)]
    pub(super) sources: BTreeMap<Spanned<String>, RawSource>,
    #[serde(default)]
    pub(super) environments: BTreeMap<Spanned<String>, RawEnvironment>,
    #[serde(default)]
    pub(super) secrets: BTreeMap<Spanned<String>, RawSecret>,
    pub(super) audit: Option<Spanned<RawAudit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAudit {
    pub(super) file: Option<String>,
    pub(super) sink: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApp {
    pub(super) name: Option<Spanned<String>>,
    pub(super) environment_from: Option<Vec<Spanned<String>>>,
    pub(super) default_environment: Option<Spanned<String>>,
}

/// A `[sources.NAME]` table: each setting with its span, for the kinds to take
/// (`crate::source::kinds`), which own their settings and their checks.
pub(super) type RawSource = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnvironment {
    pub(super) sources: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) on_source_error: OnSourceError,
    #[serde(default)]
    pub(super) forbid_placeholders: bool,
    #[serde(default)]
    pub(super) enforce_rotation: bool,
    pub(super) last_known_good: Option<Spanned<RawLastKnownGood>>,
    pub(super) on_stale: Option<Spanned<OnStale>>,
    pub(super) outage_after: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) secrets: BTreeMap<Spanned<String>, RawRule>,
}

/// `last_known_good = { max_age = "24h" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLastKnownGood {
    pub(super) max_age: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecret {
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) required: bool,
    pub(super) env: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) sensitive: Option<bool>,
    pub(super) default: Option<Spanned<String>>,
    #[serde(rename = "type", default)]
    pub(super) kind: Option<Spanned<SecretType>>,
    pub(super) min_length: Option<Spanned<usize>>,
    pub(super) max_length: Option<Spanned<usize>>,
    pub(super) pattern: Option<Spanned<String>>,
    pub(super) values: Option<Spanned<Vec<String>>>,
    pub(super) schemes: Option<Spanned<Vec<String>>>,
    pub(super) min: Option<Spanned<i64>>,
    pub(super) max: Option<Spanned<i64>>,
    pub(super) version: Option<Spanned<u64>>,
    pub(super) rotate_every: Option<Spanned<String>>,
    pub(super) generate: Option<Spanned<RawGenerate>>,
    pub(super) template: Option<Spanned<String>>,
}

/// How a rotated secret's new value is made: `"provided"` (someone pastes it), or random
/// bytes in an encoding.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "\"provided\", or a table such as { bytes = 32, format = \"urlsafe\" }"
)]
pub(super) enum RawGenerate {
    Word(String),
    Random(RawRandom),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRandom {
    pub(super) bytes: u16,
    pub(super) format: Option<String>,
}

/// One `[environments.NAME.secrets.KEY]` table: that environment's own rules for a secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) required: Option<bool>,
    pub(super) default: Option<Spanned<String>>,
    pub(super) template: Option<Spanned<String>>,
}

/// Sorts a map read from TOML back into the order it was written in.
pub(super) fn in_file_order<T>(map: BTreeMap<Spanned<String>, T>) -> Vec<(Spanned<String>, T)> {
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}
