//! The manifest, `secrets.toml`: which secrets an application needs, where they live
//! and how each environment finds them.
//!
//! ```toml
//! version = 1
//!
//! [app]
//! name = "faceless-youtube"
//! environment_from = ["ENVIRONMENT", "ENV"]   # the default
//!
//! [sources.env]
//! type = "env"
//!
//! [sources.dotenv]
//! type = "dotenv"
//! files = [".env", ".env.local"]               # later files override earlier ones
//!
//! [environments.development]
//! sources = ["env", "dotenv"]
//!
//! [secrets.database_url]
//! description = "PostgreSQL connection URL"
//! required = true
//! env = ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI"]
//! type = "url"
//! schemes = ["postgresql", "postgres"]
//! ```
//!
//! Loading checks everything that can be checked without reading a secret, and reports
//! every finding at once, each with its line and column and what to do about it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::Variables;
use crate::audit::Target as AuditTarget;
use crate::error::Error;
use crate::validate;

/// The file name looked for when no manifest is given.
pub const FILE_NAME: &str = "secrets.toml";

/// The variable that names the manifest when `--manifest` is not given.
pub const MANIFEST_VARIABLE: &str = "SECRETARY_MANIFEST";

/// A loaded, checked manifest.
#[derive(Debug)]
pub struct Manifest {
    path: PathBuf,
    dir: PathBuf,
    /// `dir` as the user would refer to it from their working directory ("" for itself).
    shown_dir: PathBuf,
    app: App,
    sources: Vec<SourceSpec>,
    environments: Vec<EnvironmentSpec>,
    /// Shared with every [`Resolution`](crate::Resolution) made from them.
    secrets: Vec<Arc<SecretSpec>>,
    /// Key to position in `secrets`.
    index: HashMap<String, usize>,
    audit: Option<AuditTarget>,
}

/// The `[app]` table.
#[derive(Debug, Clone)]
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

/// A source's kind and its settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SourceConfig {
    /// The process environment, by each secret's env names in order.
    Env,
    /// `.env` files, later files overriding earlier ones; paths relative to the manifest.
    Dotenv {
        /// The files, as written in the manifest.
        files: Vec<String>,
    },
    /// A directory with one file per secret (Docker and Kubernetes mounts).
    Files {
        /// The directory, as written in the manifest.
        dir: String,
    },
    /// HashiCorp Vault or OpenBao KV.
    Vault(Box<VaultConfig>),
}

impl SourceConfig {
    /// The `type` string of this kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::Dotenv { .. } => "dotenv",
            Self::Files { .. } => "files",
            Self::Vault(_) => "vault",
        }
    }
}

/// Settings of a `vault` source.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// Server address; `VAULT_ADDR`/`BAO_ADDR` when absent.
    pub address: Option<String>,
    /// Namespace; `VAULT_NAMESPACE`/`BAO_NAMESPACE` when absent.
    pub namespace: Option<String>,
    /// The KV mount (default `secret`).
    pub mount: String,
    /// Path template inside the mount, with `{environment}`, `{key}` and `{app}`.
    pub path: String,
    /// Field template inside the secret (default `value`).
    pub field: String,
    /// KV engine version, 1 or 2 (default 2).
    pub kv_version: u8,
    /// How to get a token.
    pub auth: VaultAuth,
    /// A file holding the token (a Vault Agent sink, say), tried after `VAULT_TOKEN`.
    pub token_file: Option<String>,
    /// A PEM CA bundle; `VAULT_CACERT`/`BAO_CACERT` when absent.
    pub ca_cert: Option<String>,
    /// Most reads in flight at once (default 16).
    pub max_concurrency: usize,
}

/// How a `vault` source authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultAuth {
    /// A token from `VAULT_TOKEN`/`BAO_TOKEN`, `token_file`, or `~/.vault-token`.
    Token,
    /// AppRole login; the issued token is kept for the process and renewed.
    AppRole {
        /// The auth mount (default `approle`).
        mount: String,
        /// A file holding the role id; else `VAULT_ROLE_ID`/`BAO_ROLE_ID`.
        role_id_file: Option<String>,
        /// A file holding the secret id; else `VAULT_SECRET_ID`/`BAO_SECRET_ID`.
        secret_id_file: Option<String>,
    },
}

/// What to do when a source fails (as opposed to not having a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnSourceError {
    /// The secrets that source could have served fail (the default: fail closed).
    #[default]
    Fail,
    /// Try the next source, and report the fall-through.
    Next,
}

/// One `[environments.NAME]` table.
#[derive(Debug, Clone)]
pub struct EnvironmentSpec {
    /// Its name.
    pub name: String,
    /// Source names, in the order they are asked.
    pub sources: Vec<String>,
    /// Fail closed, or fall through to the next source.
    pub on_source_error: OnSourceError,
    /// Whether placeholder values (`change-me`, `your-...-here`) are problems.
    pub forbid_placeholders: bool,
}

/// The type of a secret's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// One `[secrets.KEY]` table.
#[derive(Debug, Clone)]
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
    /// Its type.
    pub kind: SecretType,
    /// Further constraints.
    pub constraints: Constraints,
    /// A pinned KV version, read from Vault sources instead of the latest.
    pub version: Option<u64>,
    /// The line of its `[secrets.KEY]` header.
    pub line: usize,
}

impl SecretSpec {
    /// The primary environment variable name (the first of `env`).
    pub fn primary_env(&self) -> &str {
        self.env.first().map_or(self.key.as_str(), String::as_str)
    }
}

/// A manifest that cannot be used, with every finding.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ManifestError {
    /// The manifest's path.
    pub path: PathBuf,
    /// Every finding, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One finding in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.diagnostics.len();
        write!(
            f,
            "{} is not a valid manifest ({count} error{})",
            self.path.display(),
            if count == 1 { "" } else { "s" }
        )?;
        for diagnostic in &self.diagnostics {
            write!(
                f,
                "\n  {}:{}:{}: {}",
                self.path.display(),
                diagnostic.line,
                diagnostic.column,
                diagnostic.message
            )?;
            if let Some(help) = &diagnostic.help {
                write!(f, "\n    help: {help}")?;
            }
        }
        Ok(())
    }
}

impl Manifest {
    /// Finds and loads the manifest: `explicit` (from `--manifest`) first, then the
    /// `SECRETARY_MANIFEST` variable, then `secrets.toml` in `cwd` or its nearest parent.
    pub fn discover(explicit: Option<&Path>, vars: &Variables, cwd: &Path) -> Result<Self, Error> {
        let path = if let Some(path) = explicit {
            cwd.join(path)
        } else if let Some(path) = vars.get(MANIFEST_VARIABLE).filter(|p| !p.is_empty()) {
            cwd.join(path)
        } else {
            cwd.ancestors()
                .map(|dir| dir.join(FILE_NAME))
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| Error::ManifestNotFound {
                    start: cwd.to_path_buf(),
                })?
        };
        let mut manifest = Self::load(&path)?;
        // Everything secretary prints names paths as the user would type them from `cwd`.
        if let Ok(relative) = manifest.dir.strip_prefix(cwd) {
            manifest.shown_dir = relative.to_path_buf();
        }
        Ok(manifest)
    }

    /// Reads and checks the manifest at `path`: a regular file of at most 16 MiB of UTF-8
    /// text (a FIFO or a device is refused rather than waited on).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = crate::file::read_text(path, crate::file::MANIFEST_LIMIT).map_err(|reason| {
            Error::ReadManifest {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        Ok(Self::parse(&text, path)?)
    }

    /// Checks manifest `text` as if read from `path` (which places relative source paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let lines = LineIndex::new(text);
        let fail = |diagnostics: Vec<Diagnostic>| ManifestError {
            path: path.to_path_buf(),
            diagnostics,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map_or((1, 1), |span| lines.position(span.start));
            fail(vec![Diagnostic {
                line,
                column,
                message: sanitize_toml_message(error.message()),
                help: None,
            }])
        })?;
        let mut checker = Checker {
            lines: &lines,
            diagnostics: Vec::new(),
        };
        let manifest = checker.build(raw, path);
        if checker.diagnostics.is_empty() {
            Ok(manifest)
        } else {
            checker.diagnostics.sort_by_key(|d| (d.line, d.column));
            Err(fail(checker.diagnostics))
        }
    }

    /// Where the manifest was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory relative source paths start from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest's directory as it is shown to people: relative to the working
    /// directory given to [`Manifest::discover`] when below it (empty for that directory
    /// itself), else as loaded. Locators and hints name files through it.
    pub fn shown_dir(&self) -> &Path {
        &self.shown_dir
    }

    /// The manifest's path as it is shown to people (see [`Manifest::shown_dir`]).
    pub fn shown_path(&self) -> PathBuf {
        self.shown_dir
            .join(self.path.file_name().unwrap_or_default())
    }

    /// The `[app]` settings.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Where the `[audit]` table sends the audit log (a file path is relative to the
    /// manifest's directory), if it has one.
    pub fn audit(&self) -> Option<&AuditTarget> {
        self.audit.as_ref()
    }

    /// Every declared secret, in manifest order.
    pub fn secrets(&self) -> &[Arc<SecretSpec>] {
        &self.secrets
    }

    /// The secret declared under `key`.
    pub fn secret(&self, key: &str) -> Result<&Arc<SecretSpec>, Error> {
        self.index
            .get(key)
            .and_then(|&index| self.secrets.get(index))
            .ok_or_else(|| Error::UnknownKey {
                key: key.to_owned(),
                manifest: self.path.clone(),
                suggestion: closest(key, self.secrets.iter().map(|s| s.key.as_str())),
            })
    }

    /// Every declared source, in manifest order.
    pub fn sources(&self) -> &[SourceSpec] {
        &self.sources
    }

    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&SourceSpec> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Every environment, in manifest order.
    pub fn environments(&self) -> &[EnvironmentSpec] {
        &self.environments
    }

    /// Picks the environment: `flag` (from `--env`), else the first set variable of
    /// `app.environment_from`, else `app.default_environment`.
    pub fn select_environment(
        &self,
        flag: Option<&str>,
        vars: &Variables,
    ) -> Result<&EnvironmentSpec, Error> {
        let (name, chosen_by) = if let Some(name) = flag {
            (name.to_owned(), "--env".to_owned())
        } else if let Some((variable, name)) = self
            .app
            .environment_from
            .iter()
            .find_map(|v| vars.get_str(v).filter(|s| !s.is_empty()).map(|s| (v, s)))
        {
            (name.to_owned(), format!("the variable {variable}"))
        } else {
            (self.app.default_environment.clone(), "default".to_owned())
        };
        self.environments
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| Error::UnknownEnvironment {
                name,
                chosen_by,
                manifest: self.path.clone(),
                defined: self.environments.iter().map(|e| e.name.clone()).collect(),
            })
    }
}

/// A close match for `wanted` among `candidates` (by edit distance), for "did you mean".
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|&(d, c)| d <= 2.max(c.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// serde's messages quote the offending input (`invalid type: string "hunter2"`); keep
/// only its kind, since a misplaced value in a manifest may be a secret, and name the
/// expected kind in words (`usize` means nothing to someone writing TOML).
fn sanitize_toml_message(message: &str) -> String {
    let message = message.trim();
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.split_once(", expected ") {
                let kind = found.split([' ', '`', '"']).next().unwrap_or("value");
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let expected = match expected {
                    "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number of 0 or more",
                    "i64" | "i32" => "a whole number",
                    "a boolean" => "a boolean (true or false)",
                    other => other,
                };
                return format!("{prefix}expected {expected}, found {article} {kind}");
            }
        }
    }
    message.to_owned()
}

/// Byte offsets to 1-based line and column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}

// ---- the raw, as-written form ----------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    app: RawApp,
    #[serde(default)]
    sources: BTreeMap<Spanned<String>, RawSource>,
    #[serde(default)]
    environments: BTreeMap<Spanned<String>, RawEnvironment>,
    #[serde(default)]
    secrets: BTreeMap<Spanned<String>, RawSecret>,
    audit: Option<Spanned<RawAudit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    file: Option<String>,
    sink: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: Option<String>,
    environment_from: Option<Vec<Spanned<String>>>,
    default_environment: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawSourceKind {
    Env,
    Dotenv,
    Files,
    Vault,
}

impl RawSourceKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::Dotenv => "dotenv",
            Self::Files => "files",
            Self::Vault => "vault",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    #[serde(rename = "type")]
    kind: RawSourceKind,
    files: Option<Spanned<Vec<String>>>,
    dir: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    mount: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
    kv_version: Option<Spanned<u8>>,
    auth: Option<Spanned<String>>,
    approle_mount: Option<Spanned<String>>,
    role_id_file: Option<Spanned<String>>,
    secret_id_file: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    ca_cert: Option<Spanned<String>>,
    max_concurrency: Option<Spanned<usize>>,
    ttl: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    sources: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    on_source_error: OnSourceError,
    #[serde(default)]
    forbid_placeholders: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    description: Option<String>,
    #[serde(default)]
    required: bool,
    env: Option<Spanned<Vec<Spanned<String>>>>,
    sensitive: Option<bool>,
    default: Option<Spanned<String>>,
    #[serde(rename = "type", default)]
    kind: Option<Spanned<SecretType>>,
    min_length: Option<Spanned<usize>>,
    max_length: Option<Spanned<usize>>,
    pattern: Option<Spanned<String>>,
    values: Option<Spanned<Vec<String>>>,
    schemes: Option<Spanned<Vec<String>>>,
    min: Option<Spanned<i64>>,
    max: Option<Spanned<i64>>,
    version: Option<Spanned<u64>>,
}

/// Sorts a map read from TOML back into the order it was written in.
fn in_file_order<T>(map: BTreeMap<Spanned<String>, T>) -> Vec<(Spanned<String>, T)> {
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_key(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `Database-URL` → `database_url`.
fn to_key(name: &str) -> String {
    let mut key = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            // `DbUrl` → `db_url`: a capital after a lower-case letter starts a word.
            if c.is_ascii_uppercase() && previous_lower {
                key.push('_');
            }
            key.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !key.ends_with('_') {
                key.push('_');
            }
            previous_lower = false;
        }
    }
    key.trim_matches('_').to_owned()
}

struct Checker<'a> {
    lines: &'a LineIndex<'a>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, offset: usize, message: String, help: Option<String>) {
        let (line, column) = self.lines.position(offset);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message,
            help,
        });
    }

    fn build(&mut self, raw: RawManifest, path: &Path) -> Manifest {
        match &raw.version {
            None => self.report(
                0,
                "missing `version`".to_owned(),
                Some("add `version = 1` as the first line".to_owned()),
            ),
            Some(version) if *version.get_ref() != 1 => self.report(
                version.span().start,
                format!("unsupported manifest version {}", version.get_ref()),
                Some("this secretary reads `version = 1`".to_owned()),
            ),
            Some(_) => {}
        }
        let sources = self.sources(raw.sources);
        let environments = self.environments(raw.environments, &sources);
        let app = self.app(raw.app, &environments);
        let secrets: Vec<Arc<SecretSpec>> = self
            .secrets(raw.secrets)
            .into_iter()
            .map(Arc::new)
            .collect();
        let index = secrets
            .iter()
            .enumerate()
            .map(|(position, spec)| (spec.key.clone(), position))
            .collect();
        let audit = raw.audit.and_then(|audit| self.audit(audit, path));
        let path = path.to_path_buf();
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let shown_dir = if dir == Path::new(".") {
            PathBuf::new()
        } else {
            dir.clone()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Manifest {
            path,
            dir,
            shown_dir,
            app,
            sources,
            environments,
            secrets,
            index,
            audit,
        }
    }

    fn audit(&mut self, raw: Spanned<RawAudit>, path: &Path) -> Option<AuditTarget> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        match (raw.file, raw.sink) {
            (Some(file), None) => {
                let file = PathBuf::from(file);
                Some(AuditTarget::File(if file.is_absolute() {
                    file
                } else {
                    path.parent().unwrap_or(Path::new("")).join(file)
                }))
            }
            (None, Some(sink)) if sink.get_ref() == "stderr" => Some(AuditTarget::Stderr),
            (None, Some(sink)) => {
                self.report(
                    sink.span().start,
                    format!("unknown audit sink `{}`", sink.get_ref()),
                    Some("use `sink = \"stderr\"`, or `file = \"PATH\"`".to_owned()),
                );
                None
            }
            (Some(_), Some(_)) | (None, None) => {
                self.report(
                    at,
                    "`[audit]` needs exactly one of `file` and `sink`".to_owned(),
                    Some(
                        "`file = \"audit.log\"` (relative to the manifest) or `sink = \"stderr\"`"
                            .to_owned(),
                    ),
                );
                None
            }
        }
    }

    fn app(&mut self, raw: RawApp, environments: &[EnvironmentSpec]) -> App {
        let environment_from = match raw.environment_from {
            Some(names) => names
                .into_iter()
                .map(|name| {
                    if !is_env_name(name.get_ref()) {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` is not a valid environment variable name",
                                name.get_ref()
                            ),
                            Some(
                                "use letters, digits and `_`, not starting with a digit".to_owned(),
                            ),
                        );
                    }
                    name.into_inner()
                })
                .collect(),
            None => vec!["ENVIRONMENT".to_owned(), "ENV".to_owned()],
        };
        let default_environment = match raw.default_environment {
            Some(name) => {
                if !environments.iter().any(|e| e.name == *name.get_ref()) {
                    let defined: Vec<_> = environments.iter().map(|e| e.name.as_str()).collect();
                    self.report(
                        name.span().start,
                        format!("default environment `{}` is not defined", name.get_ref()),
                        Some(format!("defined environments: {}", defined.join(", "))),
                    );
                }
                name.into_inner()
            }
            None => "development".to_owned(),
        };
        App {
            name: raw.name,
            environment_from,
            default_environment,
        }
    }

    fn sources(&mut self, raw: BTreeMap<Spanned<String>, RawSource>) -> Vec<SourceSpec> {
        let mut sources = Vec::new();
        for (name, source) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("source name `{name}` is not valid"),
                    Some("use lower case letters, digits, `_` and `-`".to_owned()),
                );
            }
            let ttl = source.ttl.clone();
            if let Some(config) = self.source_config(&name, at, source) {
                let ttl = ttl.and_then(|ttl| self.ttl(&name, &config, &ttl));
                sources.push(SourceSpec { name, config, ttl });
            }
        }
        sources
    }

    /// `ttl = "30s"` (`ms`, `s`, `m`, `h`) on a source that is not `env`.
    fn ttl(
        &mut self,
        name: &str,
        config: &SourceConfig,
        raw: &Spanned<String>,
    ) -> Option<std::time::Duration> {
        let at = raw.span().start;
        if matches!(config, SourceConfig::Env) {
            self.report(
                at,
                format!("env source `{name}` cannot have a `ttl`"),
                Some(
                    "the process environment does not change while it runs: remove `ttl`"
                        .to_owned(),
                ),
            );
            return None;
        }
        let duration = crate::validate::parse_duration(raw.get_ref());
        if duration.is_none() {
            self.report(
                at,
                format!("`ttl` of source `{name}` is not a duration"),
                Some("write it as `30s`, `5m` or `1h`".to_owned()),
            );
        }
        duration
    }

    fn source_config(&mut self, name: &str, at: usize, source: RawSource) -> Option<SourceConfig> {
        let ok = self.reject_foreign_fields(name, &source);
        let config = match source.kind {
            RawSourceKind::Env => SourceConfig::Env,
            RawSourceKind::Dotenv => match source.files {
                Some(files)
                    if !files.get_ref().is_empty()
                        && files.get_ref().iter().all(|f| !f.is_empty()) =>
                {
                    SourceConfig::Dotenv {
                        files: files.into_inner(),
                    }
                }
                other => {
                    self.report(
                        other.as_ref().map_or(at, |f| f.span().start),
                        format!("dotenv source `{name}` needs a non-empty `files` list"),
                        Some("for example `files = [\".env\"]`".to_owned()),
                    );
                    return None;
                }
            },
            RawSourceKind::Files => match source.dir {
                Some(dir) if !dir.get_ref().is_empty() => SourceConfig::Files {
                    dir: dir.into_inner(),
                },
                other => {
                    self.report(
                        other.as_ref().map_or(at, |d| d.span().start),
                        format!("files source `{name}` needs `dir`"),
                        Some("for example `dir = \"/run/secrets\"`".to_owned()),
                    );
                    return None;
                }
            },
            RawSourceKind::Vault => SourceConfig::Vault(Box::new(self.vault_config(name, source)?)),
        };
        ok.then_some(config)
    }

    /// Reports settings that belong to another source type; false if there were any.
    fn reject_foreign_fields(&mut self, name: &str, source: &RawSource) -> bool {
        fn at<T>(field: Option<&Spanned<T>>) -> Option<usize> {
            field.map(|f| f.span().start)
        }
        let owned = [
            ("files", at(source.files.as_ref()), RawSourceKind::Dotenv),
            ("dir", at(source.dir.as_ref()), RawSourceKind::Files),
            ("address", at(source.address.as_ref()), RawSourceKind::Vault),
            (
                "namespace",
                at(source.namespace.as_ref()),
                RawSourceKind::Vault,
            ),
            ("mount", at(source.mount.as_ref()), RawSourceKind::Vault),
            ("path", at(source.path.as_ref()), RawSourceKind::Vault),
            ("field", at(source.field.as_ref()), RawSourceKind::Vault),
            (
                "kv_version",
                at(source.kv_version.as_ref()),
                RawSourceKind::Vault,
            ),
            ("auth", at(source.auth.as_ref()), RawSourceKind::Vault),
            (
                "approle_mount",
                at(source.approle_mount.as_ref()),
                RawSourceKind::Vault,
            ),
            (
                "role_id_file",
                at(source.role_id_file.as_ref()),
                RawSourceKind::Vault,
            ),
            (
                "secret_id_file",
                at(source.secret_id_file.as_ref()),
                RawSourceKind::Vault,
            ),
            (
                "token_file",
                at(source.token_file.as_ref()),
                RawSourceKind::Vault,
            ),
            ("ca_cert", at(source.ca_cert.as_ref()), RawSourceKind::Vault),
            (
                "max_concurrency",
                at(source.max_concurrency.as_ref()),
                RawSourceKind::Vault,
            ),
        ];
        let mut ok = true;
        for (field, offset, owner) in owned {
            let Some(offset) = offset else { continue };
            if owner != source.kind {
                ok = false;
                self.report(
                    offset,
                    format!(
                        "source `{name}` has type `{}`, which does not take `{field}`",
                        source.kind.as_str()
                    ),
                    Some(format!(
                        "`{field}` belongs to type `{}`; remove it or change `type`",
                        owner.as_str()
                    )),
                );
            }
        }
        ok
    }

    /// The `auth` of a vault source and the settings that go with it.
    fn vault_auth(&mut self, name: &str, source: &RawSource) -> Option<VaultAuth> {
        let approle_only = [
            ("approle_mount", source.approle_mount.as_ref()),
            ("role_id_file", source.role_id_file.as_ref()),
            ("secret_id_file", source.secret_id_file.as_ref()),
        ];
        let auth = match source.auth.as_ref().map(|a| a.get_ref().as_str()) {
            None | Some("token") => {
                for (field, value) in approle_only {
                    if let Some(value) = value {
                        self.report(
                            value.span().start,
                            format!("vault source `{name}`: `{field}` needs `auth = \"approle\"`"),
                            None,
                        );
                    }
                }
                VaultAuth::Token
            }
            Some("approle") => VaultAuth::AppRole {
                mount: source
                    .approle_mount
                    .as_ref()
                    .map_or("approle", |m| m.get_ref().as_str())
                    .trim_matches('/')
                    .to_owned(),
                role_id_file: source.role_id_file.clone().map(Spanned::into_inner),
                secret_id_file: source.secret_id_file.clone().map(Spanned::into_inner),
            },
            Some(other) => {
                let at = source.auth.as_ref().map_or(0, |a| a.span().start);
                self.report(
                    at,
                    format!("vault source `{name}`: unknown auth method `{other}`"),
                    Some("use `token` (the default) or `approle`".to_owned()),
                );
                return None;
            }
        };
        Some(auth)
    }

    fn vault_config(&mut self, name: &str, source: RawSource) -> Option<VaultConfig> {
        let auth = self.vault_auth(name, &source)?;
        let kv_version = match source.kv_version {
            Some(version) if !matches!(version.get_ref(), 1 | 2) => {
                self.report(
                    version.span().start,
                    format!("vault source `{name}`: `kv_version` must be 1 or 2"),
                    None,
                );
                return None;
            }
            Some(version) => version.into_inner(),
            None => 2,
        };
        let mut templates = Vec::new();
        for (field, value, default) in [
            ("path", source.path, "{environment}/{key}"),
            ("field", source.field, "value"),
        ] {
            let template = match value {
                Some(value) => {
                    let at = value.span().start;
                    let value = value.into_inner();
                    if let Some(bad) = unknown_placeholder(&value) {
                        self.report(
                            at,
                            format!("vault source `{name}`: unknown placeholder `{{{bad}}}` in `{field}`"),
                            Some("placeholders are {environment}, {key} and {app}".to_owned()),
                        );
                    }
                    if value.is_empty() {
                        self.report(
                            at,
                            format!("vault source `{name}`: `{field}` is empty"),
                            None,
                        );
                    }
                    value
                }
                None => default.to_owned(),
            };
            templates.push(template);
        }
        let field = templates.pop().unwrap_or_default();
        let path = templates.pop().unwrap_or_default();
        let mount = source
            .mount
            .map_or_else(|| "secret".to_owned(), Spanned::into_inner);
        let mount = mount.trim_matches('/').to_owned();
        let max_concurrency = match source.max_concurrency {
            Some(n) if *n.get_ref() == 0 => {
                self.report(
                    n.span().start,
                    format!("vault source `{name}`: `max_concurrency` must be at least 1"),
                    None,
                );
                return None;
            }
            Some(n) => n.into_inner(),
            None => 16,
        };
        Some(VaultConfig {
            address: source.address.map(Spanned::into_inner),
            namespace: source.namespace.map(Spanned::into_inner),
            mount,
            path,
            field,
            kv_version,
            auth,
            token_file: source.token_file.map(Spanned::into_inner),
            ca_cert: source.ca_cert.map(Spanned::into_inner),
            max_concurrency,
        })
    }

    fn environments(
        &mut self,
        raw: BTreeMap<Spanned<String>, RawEnvironment>,
        sources: &[SourceSpec],
    ) -> Vec<EnvironmentSpec> {
        if raw.is_empty() {
            // No environments: one implicit `development` that asks every source in order.
            let names: Vec<String> = if sources.is_empty() {
                vec!["env".to_owned()]
            } else {
                sources.iter().map(|s| s.name.clone()).collect()
            };
            return vec![EnvironmentSpec {
                name: "development".to_owned(),
                sources: names,
                on_source_error: OnSourceError::Fail,
                forbid_placeholders: false,
            }];
        }
        let defined: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        let mut environments = Vec::new();
        for (name, environment) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("environment name `{name}` is not valid"),
                    Some("use lower case letters, digits, `_` and `-`".to_owned()),
                );
            }
            if environment.sources.get_ref().is_empty() {
                self.report(
                    environment.sources.span().start,
                    format!("environment `{name}` has no sources"),
                    Some(format!("list at least one of: {}", defined.join(", "))),
                );
            }
            let mut chain: Vec<String> = Vec::new();
            for source in environment.sources.into_inner() {
                let at = source.span().start;
                let source = source.into_inner();
                if chain.contains(&source) {
                    self.report(
                        at,
                        format!("environment `{name}` lists source `{source}` twice"),
                        Some("remove the second mention".to_owned()),
                    );
                } else if !(defined.contains(&source.as_str())
                    || defined.is_empty() && source == "env")
                {
                    let help = match closest(&source, defined.iter().copied()) {
                        Some(near) => format!(
                            "did you mean `{near}`? Defined sources: {}",
                            defined.join(", ")
                        ),
                        None if defined.is_empty() => format!("add a [sources.{source}] table"),
                        None => format!(
                            "add [sources.{source}] or use one of: {}",
                            defined.join(", ")
                        ),
                    };
                    self.report(
                        at,
                        format!(
                            "environment `{name}` uses source `{source}`, which is not defined"
                        ),
                        Some(help),
                    );
                }
                chain.push(source);
            }
            environments.push(EnvironmentSpec {
                name,
                sources: chain,
                on_source_error: environment.on_source_error,
                forbid_placeholders: environment.forbid_placeholders,
            });
        }
        environments
    }

    fn secrets(&mut self, raw: BTreeMap<Spanned<String>, RawSecret>) -> Vec<SecretSpec> {
        let mut secrets = Vec::new();
        // Env name → (owning key, where it was claimed).
        let mut claimed: HashMap<String, String> = HashMap::new();
        for (key, secret) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            if !is_key(&key) {
                self.report(
                    at,
                    format!("secret key `{key}` is not lower snake case"),
                    Some(format!("rename it `{}`", to_key(&key))),
                );
            }
            let env = self.env_names(&key, at, secret.env.clone(), &mut claimed);
            if let Some(spec) = self.secret(key, at, env, secret) {
                secrets.push(spec);
            }
        }
        secrets
    }

    fn env_names(
        &mut self,
        key: &str,
        at: usize,
        raw: Option<Spanned<Vec<Spanned<String>>>>,
        claimed: &mut HashMap<String, String>,
    ) -> Vec<String> {
        let names = match raw {
            Some(names) if names.get_ref().is_empty() => {
                self.report(
                    names.span().start,
                    format!("secret `{key}` has an empty `env` list"),
                    Some(format!(
                        "remove `env` to use `{}`, or list names",
                        key.to_ascii_uppercase()
                    )),
                );
                return Vec::new();
            }
            Some(names) => names.into_inner(),
            None => vec![Spanned::new(at..at, key.to_ascii_uppercase())],
        };
        let mut env = Vec::new();
        for name in names {
            let offset = name.span().start;
            let name = name.into_inner();
            if !is_env_name(&name) {
                self.report(
                    offset,
                    format!("`{name}` (secret `{key}`) is not a valid environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".to_owned()),
                );
            } else if let Some(owner) = claimed.get(&name) {
                let message = if owner == key {
                    format!("secret `{key}` lists env name `{name}` twice")
                } else {
                    format!("env name `{name}` is claimed by both `{owner}` and `{key}`")
                };
                self.report(
                    offset,
                    message,
                    Some("an env name can belong to one secret only".to_owned()),
                );
            } else {
                claimed.insert(name.clone(), key.to_owned());
            }
            env.push(name);
        }
        env
    }

    /// Reports constraints that do not fit the secret's type or each other.
    fn check_constraints(&mut self, key: &str, at: usize, kind: SecretType, raw: &RawSecret) {
        if let Some(version) = raw.version.as_ref().filter(|v| *v.get_ref() == 0) {
            self.report(
                version.span().start,
                format!("secret `{key}`: `version` counts from 1"),
                Some("remove `version` to read the latest".to_owned()),
            );
        }
        let type_only = |field: &str, wanted: SecretType, offset: usize, this: &mut Self| {
            if kind != wanted {
                this.report(
                    offset,
                    format!(
                        "secret `{key}`: `{field}` applies to type `{}`, not `{}`",
                        wanted.as_str(),
                        kind.as_str()
                    ),
                    Some(format!(
                        "set `type = \"{}\"` or remove `{field}`",
                        wanted.as_str()
                    )),
                );
            }
        };
        if let Some(values) = &raw.values {
            type_only("values", SecretType::Enum, values.span().start, self);
        }
        if let Some(schemes) = &raw.schemes {
            type_only("schemes", SecretType::Url, schemes.span().start, self);
        }
        for (field, bound) in [("min", &raw.min), ("max", &raw.max)] {
            if let Some(bound) = bound {
                type_only(field, SecretType::Int, bound.span().start, self);
            }
        }
        if kind == SecretType::Enum && raw.values.as_ref().is_none_or(|v| v.get_ref().is_empty()) {
            self.report(
                raw.kind.as_ref().map_or(at, |k| k.span().start),
                format!("secret `{key}` has type `enum` but no `values`"),
                Some("add `values = [\"a\", \"b\"]`".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (&raw.min, &raw.max) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min` is greater than `max`"),
                    None,
                );
            }
        }
        if let (Some(min), Some(max)) = (&raw.min_length, &raw.max_length) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min_length` is greater than `max_length`"),
                    None,
                );
            }
        }
    }

    fn secret(
        &mut self,
        key: String,
        at: usize,
        env: Vec<String>,
        raw: RawSecret,
    ) -> Option<SecretSpec> {
        let kind = raw
            .kind
            .as_ref()
            .map_or(SecretType::String, |k| *k.get_ref());
        let sensitive = raw.sensitive.unwrap_or(true);
        let before = self.diagnostics.len();
        self.check_constraints(&key, at, kind, &raw);
        let pattern = match &raw.pattern {
            Some(pattern) => {
                let regex = regex_lite::Regex::new(&format!("^(?:{})$", pattern.get_ref())).ok();
                if regex.is_none() {
                    self.report(
                        pattern.span().start,
                        format!("secret `{key}`: `pattern` is not a valid regular expression"),
                        Some(
                            "the syntax is RE2's without look-around or Unicode classes: \
                             `\\d`, `\\w`, `\\s`, `\\b` and `(?i)` are ASCII-only, and `\\p{..}` \
                             is not supported (the regex-lite crate)"
                                .to_owned(),
                        ),
                    );
                }
                regex
            }
            None => None,
        };
        let spec = SecretSpec {
            key,
            description: raw.description.unwrap_or_default(),
            required: raw.required,
            env,
            sensitive,
            default: None,
            kind,
            constraints: Constraints {
                min_length: raw.min_length.map(Spanned::into_inner),
                max_length: raw.max_length.map(Spanned::into_inner),
                pattern,
                values: raw.values.map(Spanned::into_inner).unwrap_or_default(),
                schemes: raw.schemes.map(Spanned::into_inner).unwrap_or_default(),
                min: raw.min.map(Spanned::into_inner),
                max: raw.max.map(Spanned::into_inner),
            },
            version: raw.version.as_ref().map(|v| *v.get_ref()),
            line: self.lines.position(at).0,
        };
        let default = match raw.default {
            Some(default) if sensitive => {
                self.report(
                    default.span().start,
                    format!("secret `{}` is sensitive and has a `default`", spec.key),
                    Some(
                        "a default puts a secret value in the manifest: remove it, or set `sensitive = false` if it is not a secret"
                            .to_owned(),
                    ),
                );
                None
            }
            Some(default) => {
                if let Err(invalid) = validate::check(&spec, default.get_ref()) {
                    self.report(
                        default.span().start,
                        format!("secret `{}`: the default {invalid}", spec.key),
                        None,
                    );
                }
                Some(default.into_inner())
            }
            None => None,
        };
        if self.diagnostics.len() > before {
            return None;
        }
        Some(SecretSpec { default, ..spec })
    }
}

/// The first `{name}` in `template` that is not a known placeholder.
fn unknown_placeholder(template: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("/app/secrets.toml"))
    }

    fn diagnostics(text: &str) -> Vec<(usize, String)> {
        parse(text)
            .expect_err("manifest should be rejected")
            .diagnostics
            .into_iter()
            .map(|d| (d.line, d.message))
            .collect()
    }

    const MINIMAL: &str = "version = 1\n[secrets.api_key]\ndescription = \"x\"\n";

    #[test]
    fn a_minimal_manifest_gets_an_implicit_development_environment() {
        let manifest = parse(MINIMAL).unwrap();
        let env = manifest
            .select_environment(None, &Variables::default())
            .unwrap();
        assert_eq!(env.name, "development");
        assert_eq!(env.sources, ["env"]);
        let secret = manifest.secret("api_key").unwrap();
        assert_eq!(secret.env, ["API_KEY"]);
        assert!(secret.sensitive);
        assert_eq!(secret.kind, SecretType::String);
        assert_eq!(secret.line, 2);
        assert_eq!(manifest.dir(), Path::new("/app"));
    }

    #[test]
    fn secrets_keep_manifest_order() {
        let manifest =
            parse("version = 1\n[secrets.zeta]\n[secrets.alpha]\n[secrets.mid]\n").unwrap();
        let keys: Vec<_> = manifest.secrets().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn unknown_fields_name_line_and_column() {
        let error = parse("version = 1\n[secrets.a]\nrequird = true\n").unwrap_err();
        let d = &error.diagnostics[0];
        assert_eq!((d.line, d.column), (3, 1));
        assert!(
            d.message.contains("unknown field `requird`"),
            "{}",
            d.message
        );
        assert!(
            error.to_string().contains("/app/secrets.toml:3:1"),
            "{error}"
        );
    }

    #[test]
    fn type_errors_do_not_quote_the_value() {
        let error = parse("version = 1\n[secrets.a]\nrequired = \"canary-value\"\n").unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("canary"), "{text}");
        assert!(text.contains(":3:"), "{text}");
        assert!(text.contains("expected a boolean"), "{text}");
    }

    #[test]
    fn type_errors_name_the_expected_kind_in_words() {
        let error = parse("version = 1\n[sources.v]\ntype = \"vault\"\nmax_concurrency = -1\n")
            .unwrap_err();
        assert_eq!(
            error.diagnostics[0].message,
            "invalid value: expected a whole number of 0 or more, found an integer"
        );
    }

    #[test]
    fn every_semantic_error_is_reported_at_once() {
        let found = diagnostics(
            r#"version = 1
[sources.env]
type = "env"
dir = "/nope"
[environments.production]
sources = ["env", "vualt"]
[secrets.DatabaseUrl]
[secrets.a]
env = ["SHARED", "9BAD"]
[secrets.b]
env = ["SHARED"]
[secrets.c]
type = "enum"
[secrets.d]
sensitive = true
default = "x"
[secrets.e]
pattern = "("
[secrets.f]
schemes = ["https"]
"#,
        );
        let lines: Vec<usize> = found.iter().map(|d| d.0).collect();
        assert_eq!(lines, [4, 6, 7, 9, 11, 13, 16, 18, 20], "{found:#?}");
        let text = found
            .iter()
            .map(|d| d.1.clone())
            .collect::<Vec<_>>()
            .join("\n");
        for needle in [
            "does not take `dir`",
            "uses source `vualt`, which is not defined",
            "`DatabaseUrl` is not lower snake case",
            "`9BAD` (secret `a`) is not a valid",
            "`SHARED` is claimed by both `a` and `b`",
            "type `enum` but no `values`",
            "is sensitive and has a `default`",
            "not a valid regular expression",
            "`schemes` applies to type `url`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn misspelled_source_gets_a_suggestion() {
        let error = parse(
            "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n[environments.dev]\nsources = [\"dotnev\"]\n",
        )
        .unwrap_err();
        assert_eq!(
            error.diagnostics[0].help.as_deref(),
            Some("did you mean `dotenv`? Defined sources: dotenv")
        );
    }

    #[test]
    fn unicode_classes_in_a_pattern_are_refused_with_the_dialect() {
        let error = parse("version = 1\n[secrets.name]\npattern = '\\p{L}+'\n").unwrap_err();
        assert_eq!(error.diagnostics[0].line, 3);
        let help = error.diagnostics[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("`\\p{..}` is not supported"), "{help}");
    }

    #[test]
    fn version_is_required_and_must_be_one() {
        assert_eq!(diagnostics("[secrets.a]\n")[0].1, "missing `version`");
        assert_eq!(
            diagnostics("version = 2\n")[0],
            (1, "unsupported manifest version 2".to_owned())
        );
    }

    #[test]
    fn defaults_are_checked_against_their_type() {
        let found = diagnostics(
            "version = 1\n[secrets.port]\nsensitive = false\ntype = \"port\"\ndefault = \"99999\"\n",
        );
        assert_eq!(found[0].0, 5);
        assert!(found[0].1.contains("the default"), "{}", found[0].1);
    }

    #[test]
    fn environment_selection_order() {
        let manifest = parse(
            "version = 1\n[environments.development]\nsources=[\"env\"]\n[environments.staging]\nsources=[\"env\"]\n[environments.production]\nsources=[\"env\"]\n",
        )
        .unwrap();
        let vars = Variables::from_pairs([("ENV", "staging"), ("ENVIRONMENT", "production")]);
        assert_eq!(
            manifest
                .select_environment(Some("staging"), &vars)
                .unwrap()
                .name,
            "staging"
        );
        assert_eq!(
            manifest.select_environment(None, &vars).unwrap().name,
            "production"
        );
        let vars = Variables::from_pairs([("ENV", "staging"), ("ENVIRONMENT", "")]);
        assert_eq!(
            manifest.select_environment(None, &vars).unwrap().name,
            "staging"
        );
        assert_eq!(
            manifest
                .select_environment(None, &Variables::default())
                .unwrap()
                .name,
            "development"
        );
        let error = manifest
            .select_environment(Some("prod"), &vars)
            .unwrap_err();
        assert!(
            error.to_string().contains("`prod` (chosen by --env)"),
            "{error}"
        );
        assert!(
            error
                .hint()
                .unwrap()
                .contains("development, staging, production")
        );
    }

    #[test]
    fn vault_sources_are_parsed_with_defaults() {
        let manifest =
            parse("version = 1\n[sources.vault]\ntype = \"vault\"\nmount = \"/kv/\"\n").unwrap();
        let SourceConfig::Vault(vault) = &manifest.source("vault").unwrap().config else {
            panic!("not a vault source");
        };
        assert_eq!(
            (
                vault.mount.as_str(),
                vault.path.as_str(),
                vault.field.as_str(),
                vault.kv_version
            ),
            ("kv", "{environment}/{key}", "value", 2)
        );
        let found =
            diagnostics("version = 1\n[sources.vault]\ntype = \"vault\"\npath = \"{env}/{key}\"\n");
        assert!(
            found[0].1.contains("unknown placeholder `{env}`"),
            "{found:?}"
        );
    }

    #[test]
    fn discovery_walks_up_and_honours_the_variable() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(FILE_NAME), MINIMAL).unwrap();
        let deep = root.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let found = Manifest::discover(None, &Variables::default(), &deep).unwrap();
        assert_eq!(found.path(), root.path().join(FILE_NAME));

        let other = root.path().join("other.toml");
        std::fs::write(&other, MINIMAL).unwrap();
        let vars = Variables::from_pairs([(MANIFEST_VARIABLE, other.as_os_str())]);
        assert_eq!(
            Manifest::discover(None, &vars, &deep).unwrap().path(),
            other
        );

        let empty = tempfile::tempdir().unwrap();
        let error = Manifest::discover(None, &Variables::default(), empty.path()).unwrap_err();
        assert!(matches!(error, Error::ManifestNotFound { .. }));
    }

    #[test]
    fn key_suggestions_are_snake_case() {
        assert_eq!(to_key("DbUrl"), "db_url");
        assert_eq!(to_key("Database-URL"), "database_url");
        assert_eq!(to_key("API_KEY"), "api_key");
        assert_eq!(to_key("oauth2Token"), "oauth2_token");
    }

    #[test]
    fn closest_key_suggestion() {
        assert_eq!(
            closest("databse_url", ["database_url", "debug"].into_iter()).as_deref(),
            Some("database_url")
        );
        assert_eq!(closest("zzz", ["database_url"].into_iter()), None);
    }
}
