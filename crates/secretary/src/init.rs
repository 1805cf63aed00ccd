//! A first manifest for an existing application, from the `.env` files it already has
//! (`secretary init`): one secret per variable, its type and sensitivity guessed from its
//! name and values, and sources and environments for development (`env`, then the files)
//! and production (Vault, then `env`, placeholders refused).
//!
//! ```
//! use std::path::Path;
//! use secretary::init::{DotenvFile, draft};
//!
//! let files = [
//!     DotenvFile {
//!         shown: Path::new(".env.example"),
//!         listed: ".env.example",
//!         text: "# Where the database is\nDATABASE_URL=\nDEBUG=false\n",
//!     },
//!     DotenvFile {
//!         shown: Path::new(".env"),
//!         listed: ".env",
//!         text: "DATABASE_URL=postgresql://app:s3cr3t@db/app\n",
//!     },
//! ];
//! let draft = draft(&files, None, Path::new("secrets.toml"))?;
//! let keys: Vec<&str> = draft.manifest.secrets().iter().map(|s| s.key.as_str()).collect();
//! assert_eq!(keys, ["database_url", "debug"]);
//! assert!(draft.toml.contains(
//!     "[secrets.database_url]\n# from .env.example:2, .env:1\n\
//!      description = \"Where the database is\"\nrequired = true\n\
//!      type = \"url\"\nschemes = [\"postgresql\", \"postgres\"]\n"
//! ));
//! assert!(!draft.toml.contains("s3cr3t"), "never a value of a sensitive secret");
//! // A template's value of a secret that is not sensitive is its default.
//! assert!(draft.toml.contains("sensitive = false\ntype = \"bool\"\ndefault = \"false\"\n"));
//! # Ok::<(), secretary::init::InitError>(())
//! ```
//!
//! The rules, in the order they apply to each variable (its values are every non-empty
//! value it has in the files, placeholders included, so that the type accepts each):
//!
//! - **Key**: the name in lower snake case (`DATABASE_URL` → `database_url`, `DbUrl` →
//!   `db_url`; `var_` before one that would not start with a letter); `env = ["NAME"]`
//!   only when the name is not the key in upper case. Two names that give one key: the
//!   second gets `_2`. A name the manifest cannot declare (`APP.NAME`: a `.` is not
//!   allowed in an environment variable name) and the variables secretary reads itself
//!   (`VAULT_*`, `BAO_*`, `SECRETARY_*`) are left out, and said so in [`Draft::left_out`].
//! - **Type**: `enum` for two obvious families only: the environment's name
//!   (`ENVIRONMENT`, `ENV`, `APP_ENV`, `NODE_ENV`, `*_ENVIRONMENT`, ...) holding
//!   `development`, `staging`, `production`, `test` and the like, and a log level
//!   (`LOG_LEVEL`, `*_LOG_LEVEL`) holding `DEBUG`, `INFO`, `WARNING`, ... (the usual list
//!   in the case the file uses, and any other value seen); `bool` for `true`/`false`,
//!   `yes`/`no`, `on`/`off`, and `0`/`1` when the name says so (`DEBUG`, `ENABLE_*`,
//!   `*_ENABLED`, `USE_*`, `IS_*`, ...); `port` for a whole number from 1 to 65535 whose
//!   name has the word `PORT`; `int` for whole numbers; `url` for `scheme://...`, with
//!   `schemes` listing those seen and their usual siblings (`postgresql` and
//!   `postgres`, `redis` and `rediss`, `mongodb` and `mongodb+srv`, `http` and `https`,
//!   `amqp` and `amqps`); else `string`. A placeholder (`change-me`) makes a variable a
//!   string: init reads the real `.env` better than a template.
//! - **Sensitive** unless every sign says otherwise: a name with `SECRET`, `TOKEN`,
//!   `PASSWORD`, `PASSWD`, `PASSPHRASE`, `CREDENTIAL`, `PRIVATE`, `APIKEY` in it, or the
//!   word `KEY`, `PASS`, `PWD`, `PW`, `DSN`, `SALT` or `CREDS`; a value that
//!   [`lint`](crate::lint::looks_real) finds real-looking; a URL with a user or password
//!   in it: each makes it sensitive. Otherwise it is `sensitive = false` only when its type
//!   bounds what it holds (`bool`, `port`, `enum`), or it is an `int` whose name says it
//!   counts or measures (`COUNT`, `TIMEOUT`, `SIZE`, `TTL`, `WORKERS`, ...: a PIN, a seed
//!   or a card number is a number too), or it is an `http(s)` URL
//!   without user, password or query, or a string whose name says it is a place or a
//!   name (`HOST`, `PATH`, `DIR`, `NAME`, `REGION`, `LEVEL`, `MODE`, ...). Everything
//!   else is sensitive.
//! - **Default**: only for a `sensitive = false` secret that a template (a file named
//!   `*.example`, `*.sample`, `*.template`, `*.tmpl`, `*.dist` or `*.defaults`) gives a
//!   value, the same in every template that sets it: a template's values are its
//!   author's defaults, while a `.env`'s are one machine's settings (`DEBUG=true` there
//!   must not become production's default). Never for the environment's name. A default
//!   applies in every environment. A sensitive value is never written anywhere.
//! - **Required** when some file gives it a value (a placeholder counts: a template marks
//!   what must be filled in) and it has no default; optional when it is empty everywhere.
//! - **Description**: the first line of the comment block right above its first
//!   assignment, unless that line holds a `=` or looks like a secret itself.
//!
//! Aliases (more names for one secret) are the user's to add: the manifest's header says
//! how.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::dotenv::{self, ParseError};
use crate::lint::looks_real;
use crate::manifest::{Manifest, ManifestError, is_env_name, to_key};
use crate::validate::parse_bool;

/// One `.env` file to read.
#[derive(Debug, Clone, Copy)]
pub struct DotenvFile<'a> {
    /// The file as people name it: in messages and in the manifest's comments.
    pub shown: &'a Path,
    /// The path the manifest's `dotenv` source lists: relative to the manifest's
    /// directory (or absolute).
    pub listed: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// A manifest written by [`draft`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Draft {
    /// The manifest's text.
    pub toml: String,
    /// The same, parsed and checked (as [`Manifest::parse`] reads it back).
    pub manifest: Manifest,
    /// The variables not declared, and why.
    pub left_out: Vec<LeftOut>,
}

/// A variable [`draft`] did not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeftOut {
    /// The variable.
    pub name: String,
    /// The file and line where it was first seen.
    pub file: PathBuf,
    /// Its 1-based line.
    pub line: usize,
    /// Why it was left out.
    pub reason: LeftOutReason,
}

/// Why a variable was not declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftOutReason {
    /// Its name is not a valid environment variable name (`APP.NAME`).
    NotAnEnvironmentName,
    /// secretary reads it itself (`VAULT_ADDR`, `BAO_TOKEN`, `SECRETARY_MANIFEST`).
    ReadBySecretary,
}

impl std::fmt::Display for LeftOutReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotAnEnvironmentName => {
                "not a valid environment variable name (letters, digits and `_`), so no secret can read it"
            }
            Self::ReadBySecretary => {
                "secretary reads it itself (Vault's settings, its own); declare it by hand if the application reads it too"
            }
        })
    }
}

/// Why no manifest could be written. Holds no text of the files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A file is not valid `.env` text: every malformed line.
    #[error("{} has {} malformed line{}: {}", file.display(), errors.len(), if errors.len() == 1 { "" } else { "s" }, errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Parse {
        /// The file.
        file: PathBuf,
        /// Its malformed lines.
        errors: Vec<ParseError>,
    },
    /// The files set no variable that can be declared.
    #[error("no variable to declare in {files}")]
    Empty {
        /// The files, as shown, comma-separated.
        files: String,
    },
    /// The manifest written does not parse: a bug in secretary, to be reported.
    #[error("the manifest written does not pass its own check (a bug in secretary): {0}")]
    Invalid(Box<ManifestError>),
}

/// A variable, as the files set it.
struct Variable {
    name: String,
    /// Every file (index) and line that sets it.
    places: Vec<(usize, usize)>,
    /// Its non-empty values, in order, each with whether it is a template's own (the
    /// last assignment in a template, which wins there).
    values: Vec<(Zeroizing<String>, bool)>,
    /// Whether some template leaves it empty (its last assignment there).
    empty_in_template: bool,
    description: Option<String>,
}

/// What a secret's declaration says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    String,
    Url(Vec<String>),
    Int,
    Port,
    Bool,
    Enum(Vec<String>),
}

/// A manifest for the variables of `files`, to be written at `manifest` (whose name is
/// shown in the comments and checked against); `app` names the application (`[app]
/// name`).
pub fn draft(
    files: &[DotenvFile<'_>],
    app: Option<&str>,
    manifest: &Path,
) -> Result<Draft, InitError> {
    let mut variables: Vec<Variable> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut left_out: Vec<LeftOut> = Vec::new();
    // Values of earlier files, for `${NAME}` in later ones (as the dotenv source does);
    // the process environment is never asked, so that nothing outside the files is read.
    let mut earlier: HashMap<String, Zeroizing<String>> = HashMap::new();
    for (at, file) in files.iter().enumerate() {
        let entries = dotenv::parse(file.text, &|name| {
            earlier.get(name).map(|value| value.as_str())
        })
        .map_err(|errors| InitError::Parse {
            file: file.shown.to_path_buf(),
            errors,
        })?;
        let template = is_template(file.shown);
        // Where each name is assigned last in this file: that assignment is its value.
        let last: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .map(|(at, entry)| (entry.key.as_str(), at))
            .collect();
        for (position, entry) in entries.iter().enumerate() {
            let wins = last.get(entry.key.as_str()) == Some(&position);
            let reason = if !is_env_name(&entry.key) {
                Some(LeftOutReason::NotAnEnvironmentName)
            } else if read_by_secretary(&entry.key) {
                Some(LeftOutReason::ReadBySecretary)
            } else {
                None
            };
            if let Some(reason) = reason {
                if !left_out.iter().any(|l| l.name == entry.key) {
                    left_out.push(LeftOut {
                        name: entry.key.clone(),
                        file: file.shown.to_path_buf(),
                        line: entry.line,
                        reason,
                    });
                }
                continue;
            }
            let slot = *index.entry(entry.key.clone()).or_insert_with(|| {
                variables.push(Variable {
                    name: entry.key.clone(),
                    places: Vec::new(),
                    values: Vec::new(),
                    empty_in_template: false,
                    description: entry.comment.clone(),
                });
                variables.len() - 1
            });
            let variable = &mut variables[slot];
            variable.places.push((at, entry.line));
            if !entry.value.is_empty() {
                variable
                    .values
                    .push((entry.value.clone(), template && wins));
            } else if template && wins {
                variable.empty_in_template = true;
            }
        }
        for entry in entries {
            earlier.insert(entry.key, entry.value);
        }
    }
    if variables.is_empty() {
        return Err(InitError::Empty {
            files: files
                .iter()
                .map(|f| f.shown.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    // A description is kept only when it holds no value of any file: checked once every
    // file is read, since a comment may quote a value that a later file assigns.
    let values = Values::new(
        variables
            .iter()
            .flat_map(|v| v.values.iter().map(|(v, _)| v.as_str())),
    );
    for variable in &mut variables {
        variable.description = variable
            .description
            .take()
            .filter(|text| describes(text, &values));
    }
    let toml = write(files, app, &variables);
    let parsed = Manifest::parse(&toml, manifest).map_err(|e| InitError::Invalid(Box::new(e)))?;
    Ok(Draft {
        toml,
        manifest: parsed,
        left_out,
    })
}

/// The manifest's text.
fn write(files: &[DotenvFile<'_>], app: Option<&str>, variables: &[Variable]) -> String {
    let from: Vec<String> = files
        .iter()
        .map(|f| f.shown.display().to_string())
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The secrets of this application, written by `secretary init` from {}.",
        from.join(", ")
    );
    out.push_str(
        "# Nothing here holds a value but the defaults of secrets marked `sensitive = false`.\n\
         # Check it with `secretary check`; read each secret's guesses (type, sensitive,\n\
         # required, default), and add a `description`. A secret read under more names than\n\
         # one lists them all: `env = [\"DATABASE_URL\", \"SQLALCHEMY_DATABASE_URI\"]` (the\n\
         # first is the name `run` and `export` set).\n\
         version = 1\n\n",
    );
    if let Some(name) = app.and_then(app_name) {
        let _ = writeln!(out, "[app]\nname = {}\n", string(&name));
    }
    let listed: Vec<&str> = files.iter().map(|f| f.listed).collect();
    let _ = writeln!(
        out,
        "[sources.env]\n\
         type = \"env\"                           # the process environment\n\n\
         [sources.dotenv]\n\
         type = \"dotenv\"\n\
         files = {}   # relative to this file; later files override earlier ones\n\n\
         [sources.vault]\n\
         type = \"vault\"                         # address and token from VAULT_ADDR, VAULT_TOKEN\n\
         mount = \"secret\"\n\
         path = \"{{environment}}/{{key}}\"           # read as secret/data/production/database_url\n\
         field = \"value\"\n\n\
         [environments.development]\n\
         sources = [\"env\", \"dotenv\"]\n\n\
         [environments.production]\n\
         sources = [\"vault\", \"env\"]\n\
         on_source_error = \"fail\"               # a Vault error never falls through to env\n\
         forbid_placeholders = true",
        array(&listed)
    );
    // A set, not a list: 200,000 variables once took minutes here (issue 25, item 10).
    let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
    for variable in variables {
        let mut key = to_key(&variable.name);
        if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
            key.insert_str(0, "var_");
        }
        let base = key.clone();
        let mut n = 1;
        while keys.contains(&key) {
            n += 1;
            key = format!("{base}_{n}");
        }
        secret(&mut out, files, variable, &key);
        keys.insert(key);
    }
    out
}

/// One `[secrets.KEY]` table.
fn secret(out: &mut String, files: &[DotenvFile<'_>], variable: &Variable, key: &str) {
    let values: Vec<&str> = variable.values.iter().map(|(v, _)| v.as_str()).collect();
    let kind = kind(&variable.name, &values);
    let sensitive = sensitive(&variable.name, &values, &kind);
    // A template's value is the author's default; a `.env`'s is one machine's setting.
    let templates: Vec<&str> = variable
        .values
        .iter()
        .filter(|(_, template)| *template)
        .map(|(v, _)| v.as_str())
        .collect();
    let default = (!sensitive
        && !names_an_environment(&variable.name)
        && !variable.empty_in_template
        && !templates.is_empty()
        && templates.iter().all(|v| *v == templates[0]))
    .then(|| templates[0]);
    let required = !values.is_empty() && default.is_none();
    let places: Vec<String> = variable
        .places
        .iter()
        .map(|&(file, line)| format!("{}:{line}", files[file].shown.display()))
        .collect();
    let _ = writeln!(out, "\n[secrets.{key}]");
    let _ = writeln!(out, "# from {}", places.join(", "));
    if let Some(description) = &variable.description {
        let _ = writeln!(out, "description = {}", string(description));
    }
    if required {
        out.push_str("required = true\n");
    }
    if key.to_ascii_uppercase() != variable.name {
        let _ = writeln!(out, "env = {}", array(&[variable.name.as_str()]));
    }
    if !sensitive {
        out.push_str("sensitive = false\n");
    }
    match &kind {
        Kind::String => {}
        Kind::Url(schemes) => {
            let schemes: Vec<&str> = schemes.iter().map(String::as_str).collect();
            let _ = writeln!(out, "type = \"url\"\nschemes = {}", array(&schemes));
        }
        Kind::Int => out.push_str("type = \"int\"\n"),
        Kind::Port => out.push_str("type = \"port\"\n"),
        Kind::Bool => out.push_str("type = \"bool\"\n"),
        Kind::Enum(values) => {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let _ = writeln!(out, "type = \"enum\"\nvalues = {}", array(&values));
        }
    }
    if let Some(default) = default {
        let _ = writeln!(out, "default = {}", string(default));
    }
}

/// `text` as a TOML string that reads back exactly.
fn string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// `items` as a TOML array of strings.
fn array(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| string(item)).collect();
    format!("[{}]", items.join(", "))
}

/// Whether `path` names a template (`.env.example`, `.env.sample`, `env.template`,
/// `.env.dist`, `.env.defaults`), whose values are the author's defaults.
fn is_template(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            let name = name.to_ascii_lowercase();
            [
                ".example",
                ".sample",
                ".template",
                ".dist",
                ".defaults",
                ".tmpl",
            ]
            .iter()
            .any(|end| name.ends_with(end))
        })
}

/// The variables secretary reads itself.
fn read_by_secretary(name: &str) -> bool {
    ["VAULT_", "BAO_", "SECRETARY_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// `[app] name` from a directory's name: lower case, other characters as `-`; `None`
/// when nothing is left.
fn app_name(name: &str) -> Option<String> {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-');
    (!name.is_empty()).then(|| name.to_owned())
}

/// The words of a variable's name, in upper case (`db_Port.x` → `DB`, `PORT`, `X`).
fn words(name: &str) -> Vec<String> {
    name.split(['_', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

fn has_word(name: &str, wanted: &[&str]) -> bool {
    words(name).iter().any(|w| wanted.contains(&w.as_str()))
}

/// The names of an environment's name.
fn names_an_environment(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "ENVIRONMENT" | "ENV" | "APP_ENV" | "NODE_ENV" | "RAILS_ENV" | "RACK_ENV" | "FLASK_ENV"
    ) || upper.ends_with("_ENVIRONMENT")
}

/// The words an environment's name is spelled with.
const ENVIRONMENTS: [&str; 11] = [
    "development",
    "staging",
    "production",
    "test",
    "testing",
    "local",
    "dev",
    "stage",
    "prod",
    "qa",
    "preview",
];

/// Python's logging levels, the usual list.
const LOG_LEVELS: [&str; 5] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/// Other log level words.
const OTHER_LEVELS: [&str; 5] = ["TRACE", "WARN", "FATAL", "NOTICE", "ALL"];

fn names_a_log_level(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == "LOGLEVEL" || upper.ends_with("LOG_LEVEL") || upper.ends_with("LOGGING_LEVEL")
}

/// `base` and then each of `seen` that is not in it.
fn with_seen(base: &[&str], seen: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = base.iter().map(|v| (*v).to_owned()).collect();
    for value in seen {
        if !values.iter().any(|v| v == value) {
            values.push((*value).to_owned());
        }
    }
    values
}

/// The type `values` (all non-empty) fit, given the variable's `name`.
fn kind(name: &str, values: &[&str]) -> Kind {
    if names_an_environment(name) && values.iter().all(|v| ENVIRONMENTS.contains(v)) {
        return Kind::Enum(with_seen(&ENVIRONMENTS[..3], values));
    }
    if names_a_log_level(name)
        && values.iter().all(|v| {
            let upper = v.to_ascii_uppercase();
            LOG_LEVELS.contains(&upper.as_str()) || OTHER_LEVELS.contains(&upper.as_str())
        })
    {
        let lower = values
            .first()
            .is_some_and(|v| v.chars().any(|c| c.is_ascii_lowercase()));
        let base: Vec<String> = LOG_LEVELS
            .iter()
            .map(|l| {
                if lower {
                    l.to_ascii_lowercase()
                } else {
                    (*l).to_owned()
                }
            })
            .collect();
        let base: Vec<&str> = base.iter().map(String::as_str).collect();
        return Kind::Enum(with_seen(&base, values));
    }
    if values.is_empty() {
        return Kind::String;
    }
    let words_bool = values.iter().all(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off"
        )
    });
    let digits_bool = values.iter().all(|v| matches!(v.trim(), "0" | "1"))
        && has_word(
            name,
            &[
                "DEBUG", "VERBOSE", "ENABLE", "ENABLED", "DISABLE", "DISABLED", "USE", "IS", "HAS",
                "ALLOW", "SKIP", "FORCE",
            ],
        );
    if (words_bool || digits_bool) && values.iter().all(|v| parse_bool(v).is_some()) {
        return Kind::Bool;
    }
    if has_word(name, &["PORT"])
        && values
            .iter()
            .all(|v| matches!(v.trim().parse::<u16>(), Ok(1..)))
    {
        return Kind::Port;
    }
    if values.iter().all(|v| v.trim().parse::<i64>().is_ok()) {
        return Kind::Int;
    }
    let mut schemes: Vec<String> = Vec::new();
    for value in values {
        match url::Url::parse(value) {
            Ok(url) if !url.cannot_be_a_base() && value.contains("://") => {
                let scheme = url.scheme().to_owned();
                if !schemes.contains(&scheme) {
                    schemes.push(scheme);
                }
            }
            _ => return Kind::String,
        }
    }
    let seen = schemes.clone();
    for scheme in &seen {
        for family in SCHEME_FAMILIES {
            if family.contains(&scheme.as_str()) {
                for sibling in family {
                    if !schemes.iter().any(|s| s == sibling) {
                        schemes.push((*sibling).to_owned());
                    }
                }
            }
        }
    }
    Kind::Url(schemes)
}

/// Schemes that name one service, so that a manifest written from one accepts the others.
const SCHEME_FAMILIES: [&[&str]; 5] = [
    &["postgresql", "postgres"],
    &["redis", "rediss"],
    &["mongodb", "mongodb+srv"],
    &["http", "https"],
    &["amqp", "amqps"],
];

/// The words of a name that say its whole number counts or measures something (issue 25,
/// item 3): only these make an `int` `sensitive = false`.
const HARMLESS_NUMBERS: &[&str] = &[
    "PORT",
    "COUNT",
    "TIMEOUT",
    "SIZE",
    "LIMIT",
    "MAX",
    "MIN",
    "WORKERS",
    "THREADS",
    "PROCESSES",
    "CONCURRENCY",
    "RETRIES",
    "RETRY",
    "ATTEMPTS",
    "TTL",
    "INTERVAL",
    "DELAY",
    "SECONDS",
    "SECS",
    "MS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "LEVEL",
    "DEPTH",
    "BATCH",
    "POOL",
    "CAPACITY",
    "LENGTH",
    "WIDTH",
    "HEIGHT",
    "PERCENT",
    "RATE",
    "BYTES",
    "KB",
    "MB",
    "GB",
    "VERSION",
    "REPLICAS",
    "CONNECTIONS",
    "PAGE",
];

/// Whether a variable is to be declared sensitive (see the module's rules).
fn sensitive(name: &str, values: &[&str], kind: &Kind) -> bool {
    let upper = name.to_ascii_uppercase();
    let secret_name = [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "CREDENTIAL",
        "PRIVATE",
        "APIKEY",
    ]
    .iter()
    .any(|part| upper.contains(part))
        || has_word(name, &["KEY", "PASS", "PWD", "PW", "DSN", "SALT", "CREDS"]);
    if secret_name {
        return true;
    }
    let urls: Vec<Option<url::Url>> = values.iter().map(|v| url::Url::parse(v).ok()).collect();
    let credentials = urls
        .iter()
        .flatten()
        .any(|url| !url.username().is_empty() || url.password().is_some());
    if credentials || values.iter().any(|v| looks_real(v).is_some()) {
        return true;
    }
    match kind {
        // A flag, a port, an environment's name or a log level.
        Kind::Bool | Kind::Port | Kind::Enum(_) => false,
        // A number is no evidence of harmlessness (`SMS_PIN`, `OTP_SEED`, `CARD_NUMBER`):
        // only a name that says it counts or measures something.
        Kind::Int => !has_word(name, HARMLESS_NUMBERS),
        Kind::Url(_) => !urls.iter().all(|url| {
            url.as_ref().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https") && url.query().is_none()
            })
        }),
        Kind::String => !has_word(
            name,
            &[
                "HOST",
                "HOSTS",
                "HOSTNAME",
                "DOMAIN",
                "PATH",
                "DIR",
                "DIRECTORY",
                "NAME",
                "REGION",
                "ZONE",
                "LEVEL",
                "MODE",
                "TIMEZONE",
                "TZ",
                "LOCALE",
                "LANG",
                "LANGUAGE",
                "FORMAT",
                "VERSION",
                "ORIGINS",
            ],
        ),
    }
}

/// Every value of the files `init` reads, as a description may not hold them: each value
/// whole, and each line of a multi-line value.
struct Values {
    /// The values and lines of at least [`Values::SUBSTRING`] bytes, found anywhere in a
    /// description.
    long: Option<aho_corasick::AhoCorasick>,
    /// Every value and line, found as a whole word of a description (`# PIN is 42`).
    words: std::collections::HashSet<String>,
}

impl Values {
    /// How long a value must be to be looked for inside words too: a shorter one
    /// (`1`, `on`) would be found in nearly every sentence.
    const SUBSTRING: usize = 4;

    fn new<'v>(values: impl Iterator<Item = &'v str>) -> Self {
        let mut words = std::collections::HashSet::new();
        for value in values {
            words.insert(value.trim().to_owned());
            if value.contains('\n') {
                words.extend(value.lines().map(|line| line.trim().to_owned()));
            }
        }
        words.remove("");
        let long: Vec<&String> = words
            .iter()
            .filter(|w| w.len() >= Self::SUBSTRING)
            .collect();
        let long = (!long.is_empty())
            .then(|| aho_corasick::AhoCorasick::new(long).ok())
            .flatten();
        Self { long, words }
    }

    /// Whether `text` holds one of the values.
    fn in_text(&self, text: &str) -> bool {
        self.long.as_ref().is_some_and(|long| long.is_match(text))
            || text
                .split(|c: char| c.is_whitespace() || ",;:()[]{}<>'\"`".contains(c))
                .map(|word| word.trim_end_matches(['.', '!', '?']))
                .any(|word| self.words.contains(word))
    }
}

/// Whether the comment `text` may be a secret's description: not empty, one short line
/// without a `=` (a commented-out assignment), not real-looking by the lint rules, and
/// holding no value of the files (`# old admin password, still valid: ...`).
fn describes(text: &str, values: &Values) -> bool {
    !text.is_empty()
        && text.chars().count() <= 200
        && !text.contains('=')
        && looks_real(text).is_none()
        && !text.chars().any(char::is_control)
        && !values.in_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(name: &str, values: &[&str]) -> Kind {
        kind(name, values)
    }

    #[test]
    fn types_are_guessed_from_names_and_values() {
        assert_eq!(
            kind_of("ENVIRONMENT", &["development"]),
            Kind::Enum(vec![
                "development".into(),
                "staging".into(),
                "production".into()
            ])
        );
        assert_eq!(
            kind_of("APP_ENV", &["local"]),
            Kind::Enum(vec![
                "development".into(),
                "staging".into(),
                "production".into(),
                "local".into()
            ])
        );
        assert_eq!(kind_of("ENVIRONMENT", &["blue"]), Kind::String);
        assert_eq!(
            kind_of("LOG_LEVEL", &["info"]),
            Kind::Enum(vec![
                "debug".into(),
                "info".into(),
                "warning".into(),
                "error".into(),
                "critical".into()
            ])
        );
        assert_eq!(
            kind_of("LOG_LEVEL", &[]),
            Kind::Enum(LOG_LEVELS.iter().map(|l| (*l).to_owned()).collect())
        );
        assert_eq!(kind_of("DEBUG", &["true", "False"]), Kind::Bool);
        assert_eq!(kind_of("DEBUG", &["1"]), Kind::Bool);
        assert_eq!(kind_of("WORKERS", &["1"]), Kind::Int);
        assert_eq!(kind_of("DB_PORT", &["5432"]), Kind::Port);
        assert_eq!(kind_of("PORT", &["0"]), Kind::Int);
        assert_eq!(kind_of("TIMEOUT", &["-3"]), Kind::Int);
        assert_eq!(
            kind_of("DATABASE_URL", &["postgresql://db/app"]),
            Kind::Url(vec!["postgresql".into(), "postgres".into()])
        );
        assert_eq!(
            kind_of("DATABASE_URL", &["postgresql://db/app", "change-me"]),
            Kind::String
        );
        assert_eq!(kind_of("TARGET", &["mailto:a@b"]), Kind::String);
        assert_eq!(kind_of("NAME", &[]), Kind::String);
    }

    #[test]
    fn sensitivity_fails_closed() {
        let s = |name: &str, values: &[&str]| sensitive(name, values, &kind(name, values));
        assert!(s("SECRET_KEY", &["x"]));
        assert!(s("YOUTUBE_API_KEY", &[]));
        assert!(s("STRIPE_APIKEY", &[]));
        assert!(s("DB_PASS", &["hunter2"]));
        assert!(s("SENTRY_DSN", &["https://abc@o1.ingest.sentry.io/1"]));
        assert!(s("REDIS_URL", &["redis://:pw@cache:6379/0"]));
        assert!(s("CALLBACK", &["https://example.com/cb?sig=1"]));
        assert!(s("UPSTREAM", &["ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK"]));
        assert!(s("GOOGLE_CLIENT_ID", &[]), "a string of no known kind");
        assert!(s("REDIS_URL", &["redis://cache:6379/0"]), "not http(s)");
        assert!(!s("MONKEY_COUNT", &["3"]), "KEY only as a word");
        assert!(!s("DEBUG", &["false"]));
        assert!(!s("API_BASE_URL", &["https://api.example.com/v1"]));
        assert!(!s("DB_HOST", &["localhost"]));
        assert!(!s("LOG_LEVEL", &["INFO"]));
        // Numbers: only a name that counts or measures makes one harmless.
        for (name, value) in [
            ("SMS_PIN", "1234"),
            ("OTP_SEED", "123456"),
            ("UNLOCK_CODE", "0000"),
            ("CARD_NUMBER", "4111111111111111"),
            ("ACCOUNT_ID", "982734"),
        ] {
            assert!(s(name, &[value]), "{name}");
        }
        for (name, value) in [
            ("WORKER_COUNT", "4"),
            ("REQUEST_TIMEOUT", "30"),
            ("MAX_UPLOAD_SIZE", "1048576"),
            ("CACHE_TTL", "300"),
            ("DB_POOL_SIZE", "10"),
        ] {
            assert!(!s(name, &[value]), "{name}");
        }
    }

    #[test]
    fn descriptions_come_from_the_comment_right_above() {
        let text = "# header\n\n# The database\n# more\nDATABASE_URL=x\n\nA=1\n# old: SECRET=abc\nB=2\n# ghp_R8x2kQ7vN1mZ4tY6wB3cD9fH5jL0pS2aE7uK\nC=3\n";
        // B: a commented-out assignment; C: a real-looking comment.
        assert_eq!(
            descriptions(&[text]),
            ["DATABASE_URL: The database", "A", "B", "C"]
        );
        assert_eq!(descriptions(&["# first line\nA=1\n"]), ["A: first line"]);
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
    fn descriptions_follow_the_parsers_lines_with_lone_carriage_returns() {
        // A lone `\r` ends a line, as in python-dotenv: each comment stays with its own
        // variable.
        let text = "# The first\rA=1\r# The second\rB=2\r";
        assert_eq!(descriptions(&[text]), ["A: The first", "B: The second"]);
    }
}
