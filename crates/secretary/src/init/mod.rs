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
//!      required = true\ntype = \"url\"\nschemes = [\"postgresql\", \"postgres\"]\n"
//! ));
//! // No comment is copied: it may hold a value. The variables that had one are named.
//! assert_eq!(draft.undescribed, ["DATABASE_URL"]);
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
//!   `amqp` and `amqps`) when each is a known scheme (with a known driver after `+`),
//!   and no `schemes` otherwise (it would copy part of a sensitive value); else `string`. A placeholder (`change-me`) makes a variable a
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
//! - **Description**: none. A comment above a variable is where people write a value
//!   down (`# previous: correcthorse`, `# staging pw Kd9-7f3`), its own, an old one or
//!   another environment's, and no check can tell such prose from a description (the
//!   twenty-second and twenty-third adversarial passes got past every rule in turn):
//!   the variables that had one are named ([`Draft::undescribed`]), for their
//!   descriptions to be written by hand.
//!
//! Aliases (more names for one secret) are the user's to add: the manifest's header says
//! how.

mod guess;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use guess::{Kind, kind, names_an_environment, sensitive};

use crate::dotenv::{self, ParseError};
use crate::manifest::{Manifest, ManifestError, is_env_name, to_key};

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
    /// The variables that had a comment right above them, which is not copied as a
    /// description: a comment may hold a value, its own, an old one or another
    /// environment's, which no check of the files' values can see (`# staging pw
    /// Kd9-7f3`).
    pub undescribed: Vec<String>,
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
    /// Its name looks like a real secret ([`crate::lint::looks_real_name`]): a value
    /// written where a name goes. Its name is then not to be shown.
    NameLooksReal(crate::lint::Rule),
    /// secretary reads it itself (`VAULT_ADDR`, `BAO_TOKEN`, `SECRETARY_MANIFEST`).
    ReadBySecretary,
    /// It makes programs run code, or send traffic, where its value says (`PATH`,
    /// `PYTHONPATH`, `HTTP_PROXY`): no secret may be read into it.
    ControlsPrograms,
    /// Its name is longer than a secret's key may be (128 bytes): the manifest could not
    /// declare it (a thirty-sixth adversarial pass saw the draft fail its own check, said
    /// as a bug in secretary).
    TooLong,
}

impl std::fmt::Display for LeftOutReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Self::NameLooksReal(rule) = self {
            return write!(
                f,
                "its name looks like {rule}: a value written where a name goes; rotate it if it is real, and give the variable a name"
            );
        }
        f.write_str(match self {
            Self::NotAnEnvironmentName => {
                "not a valid environment variable name (letters, digits and `_`), so no secret can read it"
            }
            Self::NameLooksReal(_) => "its name looks like a real secret",
            Self::ReadBySecretary => {
                "secretary reads it itself (Vault's settings, its own); declare it by hand if the application reads it too"
            }
            Self::ControlsPrograms => {
                "it makes programs run code or send traffic where its value says, so no secret may be read into it; set it in the environment the application runs in"
            }
            Self::TooLong => {
                "its name is over 128 bytes, longer than a secret's key may be; give it a shorter name"
            }
        })
    }
}

/// Why the variable `name` is not declared, if it is not.
fn why_left_out(name: &str) -> Option<LeftOutReason> {
    if let Some(rule) = crate::lint::looks_real_name(name) {
        Some(LeftOutReason::NameLooksReal(rule))
    } else if !is_env_name(name) {
        Some(LeftOutReason::NotAnEnvironmentName)
    } else if name.len() > crate::manifest::MOST_KEY {
        Some(LeftOutReason::TooLong)
    } else if read_by_secretary(name) {
        Some(LeftOutReason::ReadBySecretary)
    } else if crate::manifest::controls_programs(name) {
        Some(LeftOutReason::ControlsPrograms)
    } else {
        None
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
    #[error("no variable to declare in {files}{}", if left_out.is_empty() { String::new() } else { format!(" ({} left out, each said with why)", left_out.len()) })]
    Empty {
        /// The files, as shown, comma-separated.
        files: String,
        /// The variables left out, and why: every one, when none could be declared (a
        /// thirty-sixth adversarial pass saw them not said).
        left_out: Vec<LeftOut>,
    },
    /// A file's name, as the manifest would list it, is not UTF-8 text, or holds a control
    /// character, a line separator or an invisible character, which no text of the
    /// manifest may (a twenty-seventh adversarial pass saw it called a bug in secretary).
    #[error(
        "{} cannot be named in a manifest: its name is not UTF-8 text, or holds a control character, a line separator or an invisible character; rename it",
        crate::printable::path(file)
    )]
    Unnamable {
        /// The file.
        file: PathBuf,
    },
    /// The manifest written would be larger than any manifest secretary reads (a fortieth
    /// adversarial pass had 200,000 variables written as a 27 MB manifest, "wrote", and
    /// every later command refuse it).
    #[error(
        "the manifest would be {} bytes, over the {} MiB a manifest may hold ({variables} variables)",
        size,
        crate::file::MANIFEST_LIMIT / (1024 * 1024)
    )]
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// How many variables it would declare.
        variables: usize,
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
    /// Whether a file sops encrypted sets it (its value is not known here).
    encrypted: bool,
    /// Whether a value of it is built from others (`${DB_PASSWORD}`): sensitive, since
    /// what it holds may be another's secret (a twentieth adversarial pass had a
    /// password written as a `default` through `DB_NAME=${DB_PASSWORD}`).
    expands: bool,
}

impl Variable {
    /// Whether it is guessed sensitive, its values being of `kind`.
    fn sensitive(&self, kind: &Kind) -> bool {
        let values: Vec<&str> = self.values.iter().map(|(v, _)| v.as_str()).collect();
        self.expands || sensitive(&self.name, &values, kind)
    }
}

/// The store a drafted manifest's production environment reads (unless a file sops
/// encrypted is given, which production reads instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Store {
    /// HashiCorp Vault or OpenBao KV, at `secret/data/production/KEY`.
    #[default]
    Vault,
    /// AWS Secrets Manager, a secret per key at `production/KEY`.
    AwsSecretsManager,
}

/// A manifest for the variables of `files`, to be written at `manifest` (whose name is
/// shown in the comments and checked against); `app` names the application (`[app]
/// name`). Production reads Vault: see [`draft_with`] for another store.
pub fn draft(
    files: &[DotenvFile<'_>],
    app: Option<&str>,
    manifest: &Path,
) -> Result<Draft, InitError> {
    draft_with(files, app, manifest, Store::Vault)
}

/// Each of `files` by a name a manifest can hold, as it lists it (and writes it in its
/// comments): UTF-8 text (a twenty-eighth adversarial pass saw a name that is not written
/// `.env\u{fffd}`, which names no file: the caller's lossy conversion leaves that mark),
/// and no control character, line separator or invisible character
/// ([`InitError::Unnamable`]).
fn nameable(files: &[DotenvFile<'_>]) -> Result<(), InitError> {
    match files.iter().find(|file| {
        file.listed
            .chars()
            .any(|c| c == '\u{fffd}' || crate::manifest::unwritable(c))
    }) {
        Some(file) => Err(InitError::Unnamable {
            file: file.shown.to_path_buf(),
        }),
        None => Ok(()),
    }
}
/// The entries of `text`, `${NAME}` taken from `earlier` files' values. A value too
/// large to expand is left empty, not an error: its size changes no name, type or
/// comment `init` reads (a forty-seventh adversarial pass: a 17 KB certificate from
/// `.env`, taken in `.env.local`, failed the whole run).
fn entries_of(
    text: &str,
    earlier: &HashMap<String, Zeroizing<String>>,
) -> Result<Vec<dotenv::Entry>, Vec<dotenv::ParseError>> {
    let outside = |name: &str| {
        earlier
            .get(name)
            .map(|value| dotenv::Lent::value(value.as_str()))
    };
    dotenv::parse_marking_oversize(text, &outside, &std::cell::Cell::new(0))
}

/// [`draft`], with production reading `store`.
pub fn draft_with(
    files: &[DotenvFile<'_>],
    app: Option<&str>,
    manifest: &Path,
    store: Store,
) -> Result<Draft, InitError> {
    let mut variables: Vec<Variable> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut left_out: Vec<LeftOut> = Vec::new();
    // The names left out, to tell one said already at once (a forty-third adversarial
    // pass: the list was scanned for each, 40,000 names took 8 s).
    let mut left_out_names: HashSet<String> = HashSet::new();
    // The variables that had a comment, which is not copied (see `Draft::undescribed`).
    let mut undescribed: Vec<String> = Vec::new();
    // Values of earlier files, for `${NAME}` in later ones (as the dotenv source does);
    // the process environment is never asked, so that nothing outside the files is read.
    let mut earlier: HashMap<String, Zeroizing<String>> = HashMap::new();
    // The files sops encrypted, by index.
    let mut sops_files: Vec<usize> = Vec::new();
    nameable(files)?;
    for (at, file) in files.iter().enumerate() {
        let entries = entries_of(file.text, &earlier).map_err(|errors| InitError::Parse {
            file: file.shown.to_path_buf(),
            errors,
        })?;
        let template = is_template(file.shown);
        // A file sops encrypted: its names are read, never its values (ciphertext) nor
        // its comments (ciphertext too); its `sops_*` lines are sops's own.
        let encrypted = is_sops(&entries);
        // Where each name is assigned last in this file: that assignment is its value.
        let last: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .map(|(at, entry)| (entry.key.as_str(), at))
            .collect();
        for (position, entry) in entries.iter().enumerate() {
            if encrypted && entry.key.starts_with("sops_") {
                continue;
            }
            let wins = last.get(entry.key.as_str()) == Some(&position);
            let reason = why_left_out(&entry.key);
            if let Some(reason) = reason {
                if left_out_names.insert(entry.key.clone()) {
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
                // A comment right above its first assignment: never copied, but named.
                if entry.comment.is_some() && !encrypted {
                    undescribed.push(entry.key.clone());
                }
                variables.push(Variable {
                    name: entry.key.clone(),
                    places: Vec::new(),
                    values: Vec::new(),
                    empty_in_template: false,
                    encrypted: false,
                    expands: false,
                });
                variables.len() - 1
            });
            let variable = &mut variables[slot];
            variable.places.push((at, entry.line));
            variable.expands |= !entry.references.is_empty();
            if encrypted {
                variable.encrypted = true;
            } else if !entry.value.is_empty() {
                variable
                    .values
                    .push((entry.value.clone(), template && wins));
            } else if template && wins {
                variable.empty_in_template = true;
            }
        }
        if encrypted {
            sops_files.push(at);
        } else {
            for entry in entries {
                earlier.insert(entry.key, entry.value);
            }
        }
    }
    if variables.is_empty() {
        return Err(InitError::Empty {
            files: files
                .iter()
                .map(|f| crate::printable::path(f.shown))
                .collect::<Vec<_>>()
                .join(", "),
            left_out,
        });
    }
    let toml = write(files, &sops_files, app, &variables, store);
    if u64::try_from(toml.len()).map_or(true, |size| size > crate::file::MANIFEST_LIMIT) {
        return Err(InitError::TooLarge {
            size: toml.len(),
            variables: variables.len(),
        });
    }
    let parsed = Manifest::parse(&toml, manifest).map_err(|e| InitError::Invalid(Box::new(e)))?;
    Ok(Draft {
        toml,
        manifest: parsed,
        left_out,
        undescribed,
    })
}

/// The manifest's text.
fn write(
    files: &[DotenvFile<'_>],
    sops_files: &[usize],
    app: Option<&str>,
    variables: &[Variable],
    store: Store,
) -> String {
    // As the manifest lists them ([`nameable`]): the names as typed may hold what the
    // manifest's text may not (`d\e[2J/../.env`: a twenty-ninth adversarial pass).
    let from: Vec<String> = files.iter().map(|f| f.listed.to_owned()).collect();
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
    sources(&mut out, files, sops_files, store);
    // A set, not a list: 200,000 variables once took minutes here (issue 25, item 10).
    let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
    // For each key made by several names, the number tried last: the next such name
    // starts there (a forty-fourth adversarial pass: each started from `_2` again,
    // 20,000 names of one key took 66 s).
    let mut numbered: HashMap<String, usize> = HashMap::new();
    for variable in variables {
        let mut key = to_key(&variable.name);
        if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
            key.insert_str(0, "var_");
        }
        // Within a key's length, with room for a number that tells two apart (a name
        // is at most as long as a key, `var_` may make it longer).
        if key.len() > crate::manifest::MOST_KEY - 8 {
            key.truncate(crate::manifest::MOST_KEY - 8);
        }
        let base = key.clone();
        let n = numbered.entry(base.clone()).or_insert(1);
        while keys.contains(&key) {
            *n += 1;
            key = format!("{base}_{n}");
        }
        secret(&mut out, files, variable, &key);
        keys.insert(key);
    }
    out
}

/// The sources and environments: the process environment, then the plain files
/// (`dotenv`) in development and Vault (or `store`) in production; a file sops encrypted is a `sops`
/// source of its own, in development after the plain files, and first in production,
/// instead of Vault (a team that keeps its secrets in sops files deploys them).
fn sources(out: &mut String, files: &[DotenvFile<'_>], sops_files: &[usize], store: Store) {
    out.push_str(
        "[sources.env]\n\
         type = \"env\"                           # the process environment\n\n",
    );
    let plain: Vec<&str> = (0..files.len())
        .filter(|at| !sops_files.contains(at))
        .map(|at| files[at].listed)
        .collect();
    let mut development = vec!["env".to_owned()];
    if !plain.is_empty() {
        let _ = writeln!(
            out,
            "[sources.dotenv]\n\
             type = \"dotenv\"\n\
             files = {}   # relative to this file; later files override earlier ones\n",
            array(&plain)
        );
        development.push("dotenv".to_owned());
    }
    let mut production = Vec::new();
    for (n, &at) in sops_files.iter().enumerate() {
        let name = if n == 0 {
            "sops".to_owned()
        } else {
            format!("sops-{}", n + 1)
        };
        let _ = writeln!(
            out,
            "[sources.{name}]\n\
             type = \"sops\"                          # decrypted by `sops` with this user's key\n\
             file = {}\n",
            string(files[at].listed)
        );
        development.push(name.clone());
        production.push(name);
    }
    let store_name = match store {
        Store::Vault => "Vault",
        Store::AwsSecretsManager => "AWS Secrets Manager",
    };
    if production.is_empty() && store == Store::AwsSecretsManager {
        out.push_str(
            "[sources.aws]\n\
             type = \"aws_secrets_manager\"           # keys, region and endpoint from AWS_* and ~/.aws\n\
             name = \"{environment}/{key}\"           # read as production/database_url\n\n",
        );
        production.push("aws".to_owned());
    } else if production.is_empty() {
        out.push_str(
            "[sources.vault]\n\
             type = \"vault\"                         # address and token from VAULT_ADDR, VAULT_TOKEN\n\
             mount = \"secret\"\n\
             path = \"{environment}/{key}\"           # read as secret/data/production/database_url\n\
             field = \"value\"\n\n",
        );
        production.push("vault".to_owned());
    }
    production.push("env".to_owned());
    let names = |list: &[String]| array(&list.iter().map(String::as_str).collect::<Vec<_>>());
    let _ = writeln!(
        out,
        "[environments.development]\n\
         sources = {}\n\n\
         [environments.production]\n\
         sources = {}\n\
         on_source_error = \"fail\"               # a {} error never falls through to env\n\
         forbid_placeholders = true",
        names(&development),
        names(&production),
        if sops_files.is_empty() {
            store_name
        } else {
            "sops"
        }
    );
}

/// Whether a `.env` file's entries are sops's: it writes its metadata as `sops_*` lines.
fn is_sops(entries: &[dotenv::Entry]) -> bool {
    entries
        .iter()
        .any(|entry| matches!(entry.key.as_str(), "sops_version" | "sops_mac"))
}

/// One `[secrets.KEY]` table.
fn secret(out: &mut String, files: &[DotenvFile<'_>], variable: &Variable, key: &str) {
    let values: Vec<&str> = variable.values.iter().map(|(v, _)| v.as_str()).collect();
    // An encrypted value is not seen: a type guessed from the name alone (`LOG_LEVEL`
    // as an upper-case enum) could refuse the value it hides.
    let kind = if variable.encrypted {
        Kind::String
    } else {
        kind(&variable.name, &values)
    };
    let sensitive = variable.sensitive(&kind);
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
        && templates.iter().all(|v| *v == templates[0])
        // The manifest takes no control character nor line separator in its text.
        && !templates[0].chars().any(crate::manifest::unwritable))
    .then(|| templates[0]);
    let required = (variable.encrypted || !values.is_empty()) && default.is_none();
    let places: Vec<String> = variable
        .places
        .iter()
        .map(|&(file, line)| format!("{}:{line}", files[file].listed))
        .collect();
    let _ = writeln!(out, "\n[secrets.{key}]");
    let _ = writeln!(out, "# from {}", places.join(", "));
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
        Kind::Url(schemes) if schemes.is_empty() => out.push_str("type = \"url\"\n"),
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
