//! What a kind of source declares, in the manifest's terms: its spelling
//! ([`SourceKind`]), the settings its table takes (each a `Setting`, as the JSON Schema
//! describes it) and their checks ([`Declaration`]),
//! what it can do ([`Capabilities`]), and, once checked, what the rest of secretary asks
//! of its settings ([`Settings`]: a description, the places a secret is read from, where
//! a missing one could be put).
//!
//! The kinds themselves live in `source/kinds/`, one file each, beside their readers,
//! each declaring its [`SourceKind`] constant there; `source/kinds/mod.rs` registers each
//! once (`KINDS`) and the crate root hands the declarations to the checker through
//! [`declarations`], so that the manifest names no kind of source and the source module
//! is free to depend on the manifest.

use std::any::Any;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, de};

use super::model::SecretSpec;

mod place;
mod setting;
mod table;

pub use place::Place;
pub(crate) use setting::Setting;
pub(crate) use table::Table;

/// Every registered kind's declaration, in registration order.
pub(crate) fn declarations() -> impl Iterator<Item = &'static dyn Declaration> {
    crate::declarations()
}

/// The declaration of `kind`, if it is registered.
pub(crate) fn declaration(kind: SourceKind) -> Option<&'static dyn Declaration> {
    declarations().find(|declared| declared.kind() == kind)
}

/// The kinds whose tables take the setting `field`.
pub(crate) fn owners(field: &str) -> Vec<SourceKind> {
    declarations()
        .filter(|declared| declared.takes(field))
        .map(Declaration::kind)
        .collect()
}

/// Every setting a `[sources.NAME]` table may hold, whatever its kind: `type`, `ttl`,
/// then each kind's, once, in registration order.
pub(crate) fn every_field() -> Vec<&'static str> {
    let mut fields = vec!["type", "ttl"];
    for declared in declarations() {
        for setting in declared.settings() {
            if !fields.contains(&setting.name()) {
                fields.push(setting.name());
            }
        }
    }
    fields
}

/// A kind of source: a `[sources.NAME]` table's `type`, and the prefix of every
/// [`Locator`](crate::Locator) it makes. Each kind declares its constant in its own file
/// (`SourceKind::SOPS` beside the `sops` kind), and [`SourceKind::from_name`] finds the
/// registered ones; the manifest names none of them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceKind(&'static str);

impl SourceKind {
    /// The kind spelled `name`: for a kind's own file, which registers it.
    pub(crate) const fn new(name: &'static str) -> Self {
        Self(name)
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The kind spelled `name` in a manifest, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        declarations()
            .map(Declaration::kind)
            .find(|kind| kind.as_str() == name)
    }

    /// What sources of this kind can do.
    pub fn capabilities(self) -> Capabilities {
        declaration(self).map_or(Capabilities::READ_ONLY, Declaration::capabilities)
    }
}

impl fmt::Debug for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Read as its manifest spelling (`"vault"`); any other name is refused with the
/// registered ones, as an enum's unknown variant is.
impl<'de> Deserialize<'de> for SourceKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::from_name(&name).ok_or_else(|| {
            let known = declarations()
                .map(|declared| format!("`{}`", declared.kind()))
                .collect::<Vec<_>>()
                .join(", ");
            de::Error::custom(format!("unknown variant `{name}`, expected one of {known}"))
        })
    }
}

/// One thing a kind of source can do besides being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Capability {
    /// `put`, `rotate` and `import` can write to it.
    Write,
    /// It keeps numbered versions that can be read back (`rollback`).
    Versions,
    /// It says when a value was written (what `rotate_every` is checked against).
    Age,
    /// Its values may change while a process runs (so `ttl` and re-reads make sense).
    Changes,
}

/// What a kind of source can do, declared as data in its file: `put`, `rotate`,
/// `rollback`, `import` and the manifest's checks ask this, not the kind's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities(&'static [Capability]);

impl Capabilities {
    /// Read only, with values that may change.
    pub const READ_ONLY: Self = Self(&[Capability::Changes]);

    /// These capabilities.
    pub const fn new(capabilities: &'static [Capability]) -> Self {
        Self(capabilities)
    }

    /// Whether `capability` is one of them.
    pub fn has(self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// Each of them.
    pub fn all(self) -> &'static [Capability] {
        self.0
    }
}

/// A kind of source, as the manifest knows it: its spelling, the settings its table
/// takes, what it can do, and the check that turns its table into [`Settings`].
pub(crate) trait Declaration: Sync {
    /// Its `type`.
    fn kind(&self) -> SourceKind;

    /// What its sources read, in a few words, for the JSON Schema's `type`: "the process
    /// environment".
    fn description(&self) -> &'static str;

    /// The settings its table takes besides `type` and `ttl`, each as the manifest's JSON
    /// Schema describes it.
    fn settings(&self) -> &'static [Setting];

    /// Whether its table takes the setting `field`.
    fn takes(&self, field: &str) -> bool {
        self.settings()
            .iter()
            .any(|setting| setting.name() == field)
    }

    /// What its sources can do.
    fn capabilities(&self) -> Capabilities {
        Capabilities::READ_ONLY
    }

    /// Checks its settings in `table` (taking each one it reads), reporting every
    /// problem there; `None` when one was reported.
    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig>;
}

/// One kind's checked settings: what the rest of secretary asks of a source's
/// configuration. Made by a kind's check, or by [`SourceConfig::new`].
pub trait Settings: fmt::Debug + Send + Sync + 'static {
    /// Its kind.
    fn kind(&self) -> SourceKind;

    /// One line on what it reads, for `template`: `{key}` stands for each secret's key
    /// (and `{app}` for the application, when the manifest names none).
    fn describe(&self, environment: &str, app: Option<&str>) -> String;

    /// The places `spec` is read from in `environment`, as the one-place rule compares
    /// them: no two secrets, in any environment, may read one place.
    fn places(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Spot>;

    /// What `spec` reads beyond its own place, for the rules between kinds: a file or a
    /// secret it reads whole, or one it reads a part of (see [`Extent`]).
    fn extents(&self, _spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Extent> {
        Vec::new()
    }

    /// Where a missing `spec` could be put, for `check`'s hint. `source` is the source's
    /// name; `shown_dir` the manifest's directory as people should read it.
    fn place_for(
        &self,
        source: &str,
        spec: &SecretSpec,
        environment: &str,
        app: Option<&str>,
        shown_dir: &Path,
    ) -> Place;

    /// The variables of the process it hands to a program that reads for it (an `exec`
    /// source's `pass_env`): credentials, never lent to `.env` expansion, and never
    /// declared not secret.
    fn handed_variables(&self) -> &[String] {
        &[]
    }

    /// Itself, for the parts that need one kind's settings (its source, Vault's
    /// credentials): [`SourceConfig::get`].
    fn as_any(&self) -> &dyn Any;
}

/// What a secret reads beyond its own place: a secret that reads a whole container could
/// question, through its `pattern`, the values other secrets read from parts of it, so
/// no secret may read whole what another reads a part of.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extent {
    /// This file, read whole (a `files` source): as written, relative to the manifest or
    /// absolute.
    WholeFile(String),
    /// This file, read for several secrets (a `dotenv` source's): the same for every
    /// secret of its source, so asked of it once.
    FileOfSecrets(String),
    /// This AWS Secrets Manager secret, read whole.
    WholeAwsSecret(String),
    /// A field of this AWS Secrets Manager secret.
    AwsSecretField(String),
}

/// One place a secret is read from, as the one-place rule compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spot {
    /// A place named by this text alone (an env name, an AWS name and field, a
    /// provider's key): two places are one when their texts are.
    Named(String),
    /// This file, as written (relative to the manifest or absolute): two places are one
    /// when their real paths are.
    File(String),
    /// A Vault API path (`mount/data/path`, empty segments dropped, as the request's URL
    /// drops them) and field.
    Vault {
        /// The source's `namespace` (`""` the root). Without one, the path is read in the
        /// user's `VAULT_NAMESPACE`, which may be any: it is then the place of every
        /// path, in any namespace, that ends with it segment by segment.
        namespace: Option<String>,
        /// The API path.
        path: String,
        /// The field.
        field: String,
    },
}

impl fmt::Display for Spot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(text) => f.write_str(text),
            Self::File(path) => write!(f, "files:{path}"),
            Self::Vault {
                namespace: None,
                path,
                field,
            } => write!(f, "vault:{path}#{field}"),
            Self::Vault {
                namespace: Some(namespace),
                path,
                field,
            } if namespace.is_empty() => write!(f, "vault:{path}#{field} in the root namespace"),
            Self::Vault {
                namespace: Some(namespace),
                path,
                field,
            } => write!(f, "vault:{path}#{field} in namespace `{namespace}`"),
        }
    }
}

/// A source's kind and its checked settings.
#[derive(Debug, Clone)]
pub struct SourceConfig(Arc<dyn Settings>);

impl SourceConfig {
    /// A configuration of these settings.
    pub fn new(settings: impl Settings) -> Self {
        Self(Arc::new(settings))
    }

    /// Its kind, the manifest's `type`.
    pub fn kind(&self) -> SourceKind {
        self.0.kind()
    }

    /// What sources of its kind can do.
    pub fn capabilities(&self) -> Capabilities {
        self.kind().capabilities()
    }

    /// Its settings, as every kind's are asked.
    pub fn settings(&self) -> &dyn Settings {
        &*self.0
    }

    /// Its settings as kind `T`'s, if it is one: `config.get::<VaultConfig>()`.
    pub fn get<T: Settings>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

/// The first `{name}` in `template` that is not a known placeholder (`{environment}`,
/// `{key}`, `{app}`).
pub(crate) fn unknown_placeholder(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if !matches!(name, "environment" | "key" | "app") {
            return Some(name.to_owned());
        }
        rest = &after[close + 1..];
    }
    None
}

/// The first known placeholder `template` uses more than once. Each may be used once:
/// a template of 4 KiB of `{key}` filled with 128-byte keys made 100 KiB places and
/// requests (a thirty-sixth adversarial pass had `list` take 683 MB); used once, a
/// filled template is at most its text and one of each name.
pub(crate) fn repeated_placeholder(template: &str) -> Option<&'static str> {
    ["environment", "key", "app"]
        .into_iter()
        .find(|name| template.matches(&format!("{{{name}}}")).count() > 1)
}

/// `template` (a source's `path`, `field` or `name`) with its placeholders filled:
/// `{environment}`, `{key}` and `{app}`. The one place they are expanded. `None` when it
/// uses `{app}` and the manifest's `[app]` has no name.
pub fn expand(template: &str, environment: &str, key: &str, app: Option<&str>) -> Option<String> {
    if template.contains("{app}") && app.is_none() {
        return None;
    }
    Some(
        template
            .replace("{environment}", environment)
            .replace("{key}", key)
            .replace("{app}", app.unwrap_or_default()),
    )
}

/// What is wrong with a Vault `path`, `field`, `mount` or `namespace`, or the `[app]`
/// name that fills `{app}`, as written, if anything: a `.` or `..` segment, which the
/// request's URL drops. It makes the place a secret is read from differ from the one the
/// manifest shows, and the one-place rule compare the wrong ones (a fifth adversarial
/// pass). (A control character, which the URL drops too, is refused wherever the
/// manifest's text holds one, before this: `controls.rs`.)
pub(crate) fn path_problem(text: &str) -> Option<&'static str> {
    if text
        .split('/')
        .any(|segment| matches!(segment.trim(), "." | ".."))
    {
        return Some("holds a `.` or `..` segment");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_kind_is_spelled_once() {
        let mut names: Vec<&str> = declarations().map(|d| d.kind().as_str()).collect();
        for declared in declarations() {
            let kind = declared.kind();
            assert_eq!(SourceKind::from_name(kind.as_str()), Some(kind));
            assert_eq!(kind.capabilities(), declared.capabilities());
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a kind registered twice");
    }

    #[test]
    fn a_kind_reads_and_shows_as_its_spelling() {
        let kind: SourceKind = serde_json::from_str("\"vault_lease\"").unwrap();
        assert_eq!(kind.as_str(), "vault_lease");
        assert_eq!(format!("{kind:?} {kind}"), "vault_lease vault_lease");
        let error = serde_json::from_str::<SourceKind>("\"vualt\"")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "unknown variant `vualt`, expected one of `env`, `dotenv`, `files`, `vault`"
            ),
            "{error}"
        );
    }

    /// The messages of `text`'s diagnostics, with their positions.
    fn diagnostics(text: &str) -> Vec<(usize, usize, String)> {
        crate::Manifest::parse(text, std::path::Path::new("secrets.toml"))
            .err()
            .map(|error| {
                error
                    .diagnostics
                    .into_iter()
                    .map(|d| (d.line, d.column, d.message))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_setting_of_the_wrong_type_is_named_without_its_value_or_keys() {
        // A date reads as its text where a string is expected: refused, as before the
        // settings moved to their kinds.
        for setting in [
            "dir = 1979-05-27T07:32:00Z",
            "dir = 07:32:00",
            "dir = [1979-05-27]",
        ] {
            let found = diagnostics(&format!(
                "version = 1\n[sources.s]\ntype = \"files\"\n{setting}\n"
            ));
            assert!(
                found.iter().any(|(_, _, m)| m.contains("a date or time")),
                "{setting}: {found:?}"
            );
        }
        // A nested error: one line, no key of the table, no value.
        let found = diagnostics(
            "version = 1\n[sources.s]\ntype = \"vault_lease\"\npath = \"db/creds/x\"\n\
             secrets = { a = \"username\", \"key, expected LEAKY\" = 2 }\n[secrets.a]\n",
        );
        let message = &found[0].2;
        assert!(
            !message.contains('\n') && !message.contains("LEAKY"),
            "{message}"
        );
        assert!(
            message.contains("expected a string, found an integer"),
            "{message}"
        );
        // Parameter Store's window onto Secrets Manager is refused.
        let found = diagnostics(
            "version = 1\n[sources.s]\ntype = \"aws_parameter_store\"\nname = \"/aws/reference/secretsmanager/{key}\"\n",
        );
        assert!(
            found
                .iter()
                .any(|(_, _, m)| m.contains("may not start with /aws/reference/")),
            "{found:?}"
        );
        // A value that holds the words serde's message is split at.
        let found = diagnostics(
            "version = 1\n[sources.s]\ntype = \"vault\"\nkv_version = \"hunter2, expected SECRETPART\"\n",
        );
        let message = &found[0].2;
        assert!(
            !message.contains("SECRETPART") && !message.contains("hunter2"),
            "{message}"
        );
    }
}
