//! Where values live, behind one trait.
//!
//! A [`Source`] is asked for a whole batch of secrets at once, so that a remote source
//! can deduplicate and parallelise its reads, and answers each with a [`Lookup`]:
//! found (with a locator), absent (with where it looked), or failed. A failure is never
//! an absence: the resolver decides, per environment, whether it fails the secret
//! (the default) or falls through to the next source, loudly.

use std::path::Path;

use crate::manifest::{SecretSpec, SourceKind, SourceSpec};
use crate::{Locator, Looked, SecretValue, Variables, dotenv};

mod aws;
mod claims;
mod dotenv_file;
mod env;
pub mod exec;
mod files;
pub mod kinds;
mod program;
mod sops;
mod store;
mod vault;

pub(crate) use aws::reserved_parameter;
pub use aws::{AwsError, AwsSource};
pub(crate) use claims::{Claim, Claimant, Claims, claim_dotenv_files};
pub use dotenv_file::DotenvSource;
pub use env::EnvSource;
pub use exec::{ExecError, ExecSource};
pub use files::FilesSource;
pub use kinds::{
    AwsConfig, AwsStore, DotenvConfig, EnvConfig, ExecConfig, FilesConfig, LeaseConfig, SopsConfig,
    SopsFormat, VaultAuth, VaultConfig,
};
pub use program::ProgramError;
pub use sops::{SopsError, SopsNested, SopsOutput, SopsScalar, SopsSource};
pub use store::{Plan, Store, StoreError, StoreLimit};
pub use vault::lease::registry as leases;
pub use vault::lease::{LeaseError, LeaseSource};
pub use vault::{
    Access, LoginMethod, NodeAnswer, Snapshot, Stored, TlsFailure, VaultError, VaultSource, Written,
};
pub(crate) use vault::{retries_chosen as vault_retries_chosen, server as vault_server};

/// What a source is told besides the secrets it is asked for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Context<'a> {
    /// The environment being resolved (`production`).
    pub environment: &'a str,
    /// The application name, if the manifest gives one.
    pub app: Option<&'a str>,
    /// The variables of the process (for `env`, `${...}` expansion and credentials).
    pub vars: &'a Variables,
    /// The manifest's directory, where relative paths start.
    pub base_dir: &'a Path,
    /// The manifest's path (what an `exec` source's allowed commands are recorded by).
    pub manifest: &'a Path,
    /// The same directory as people should read it in locators and messages (relative
    /// to their working directory; empty for the working directory itself).
    pub shown_dir: &'a Path,
    /// The variables the manifest's `exec` sources hand to their providers
    /// ([`crate::Manifest::provider_variables`]): credentials, never lent to `.env`
    /// expansion.
    pub provider_variables: &'a [String],
    /// What the secrets of this resolution read beyond the places the manifest names
    /// (a `.env` value's expansion, a file a link leads to): each may give one secret
    /// its value.
    pub(crate) claims: std::sync::Arc<Claims>,
    /// Every secret of the environment a source may be asked for (none built by a
    /// `template`), in the manifest's order: a source that makes [`Claims`] makes them
    /// for each of these, asked or not, so that a secret's verdict read alone is its
    /// verdict read with the rest (a fifty-third adversarial pass read one secret at a
    /// time, each claiming first).
    pub(crate) declared: std::sync::Arc<[std::sync::Arc<SecretSpec>]>,
    /// The env names of the environment's sensitive secrets, each with its secret's key:
    /// a secret declared `sensitive = false` may not be built from one by `.env`
    /// expansion, as it may not by a `template`.
    pub(crate) sensitive_names: std::sync::Arc<std::collections::HashMap<String, String>>,
    /// What the names `.env` values are built from cost in this resolution, over every
    /// `dotenv` source: one bound for them all (a forty-fifth adversarial pass: each
    /// source its own, 255 sources on one file took 49 s).
    pub(crate) origin_bytes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// At most how many times a read that finds no server is tried again (`None`: as
    /// the source's settings say): 0 where an outage copy stands in for the source, so
    /// that it is served at once ([`crate::outage`]).
    pub(crate) retries: Option<u32>,
}

impl<'a> Context<'a> {
    /// The context for resolving `environment` of `manifest`.
    pub fn new(
        manifest: &'a crate::Manifest,
        environment: &'a crate::manifest::EnvironmentSpec,
        vars: &'a Variables,
    ) -> Self {
        Self {
            environment: &environment.name,
            app: manifest.app().name.as_deref(),
            vars,
            base_dir: manifest.dir(),
            manifest: manifest.path(),
            shown_dir: manifest.shown_dir(),
            provider_variables: manifest.provider_variables(),
            claims: std::sync::Arc::default(),
            declared: environment
                .secrets()
                .iter()
                .filter(|secret| secret.template.is_none())
                .cloned()
                .collect(),
            sensitive_names: std::sync::Arc::new(
                environment
                    .secrets()
                    .iter()
                    .filter(|secret| secret.sensitive)
                    .flat_map(|secret| {
                        secret
                            .env
                            .iter()
                            .map(|name| (name.clone(), secret.key.clone()))
                    })
                    .collect(),
            ),
            origin_bytes: std::sync::Arc::default(),
            retries: None,
        }
    }
}

/// A place secrets can be read from.
pub trait Source: Send + Sync {
    /// The name the manifest gives it.
    fn name(&self) -> &str;

    /// Its kind (the manifest's `type`), which its locators carry.
    fn kind(&self) -> SourceKind;

    /// Looks up every secret in `secrets`; the answer has one [`Lookup`] per secret, in
    /// the same order.
    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch;
}

/// A source's answer to one [`Source::lookup`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Batch {
    /// One per requested secret, in request order.
    pub lookups: Vec<Lookup>,
    /// Things worth telling that are not problems (a world-readable `.env`, say).
    pub warnings: Vec<crate::Warning>,
}

impl Batch {
    /// An answer: one lookup per secret asked about, in order, and things worth saying.
    pub fn new(lookups: Vec<Lookup>, warnings: Vec<crate::Warning>) -> Self {
        Self { lookups, warnings }
    }

    /// The same failure for every one of `count` secrets.
    pub fn failed(count: usize, error: &SourceError) -> Self {
        Self {
            lookups: (0..count).map(|_| Lookup::Failed(error.clone())).collect(),
            warnings: Vec::new(),
        }
    }
}

/// What a value built from others (`.env` expansion) is judged by, never by what it
/// inserted: no verdict on it then tells an inserted value (the text around an expansion
/// may differ in each environment).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Shape {
    /// The value with each inserted value replaced by `1`: what its type and the
    /// placeholder rules are checked on.
    pub text: SecretValue,
    /// The most it may hold, as the text it was built by bounds it: what a template
    /// over it is charged toward its limit, whatever it holds.
    pub bound: usize,
    /// What it is counted at toward a limit beside text of the manifest's choosing (the
    /// environment `run` passes): its literal text, and each value it inserted in whole
    /// steps ([`crate::charge`]), never its length.
    pub charge: usize,
}

/// One secret's answer from one source.
#[derive(Debug)]
#[non_exhaustive]
pub enum Lookup {
    /// The source has it.
    Found {
        /// The value.
        value: SecretValue,
        /// Where exactly: `env:DATABASE_URL`, `dotenv:.env:12`, `files:/run/secrets/db`.
        locator: Locator,
        /// When this value was written, where the source keeps that (Vault KV v2's
        /// `created_time` of the version read): what a rotation policy is checked against.
        written: Option<std::time::SystemTime>,
        /// Of a value built from others (`.env` expansion): its [`Shape`]. `None` for a
        /// value read as it is stored.
        shape: Option<Shape>,
    },
    /// The source does not have it (or has it empty, which counts as not set).
    Absent {
        /// Where it looked, for the report: `env:DATABASE_URL`, `dotenv:.env (no such file)`.
        looked: Vec<Looked>,
    },
    /// The source could not tell: it failed.
    Failed(SourceError),
}

/// A source that could not answer. Never carries a value.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The path, as configured.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A file changed between the two reads one resolution makes of it (written, or
    /// replaced, meanwhile): nothing of it is given.
    #[error("{path} changed while it was read (it was being written)")]
    Changed {
        /// The path, as shown.
        path: String,
    },
    /// What is where a file belongs is not a regular file (a FIFO, a device, a
    /// directory): refused without reading it.
    #[error("cannot read {path}: not a regular file (it is {what})")]
    NotRegular {
        /// The path, as configured.
        path: String,
        /// What it is: a FIFO, a directory, ...
        what: crate::file::FileKind,
    },
    /// A `.env` file has malformed lines.
    #[error("{path} has {} malformed line{}: {}", errors.len(), if errors.len() == 1 { "" } else { "s" }, errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Malformed {
        /// The file, as configured.
        path: String,
        /// Every malformed line (numbers and kinds only).
        errors: Vec<dotenv::ParseError>,
    },
    /// A file anyone may write to: its contents cannot be trusted.
    #[error("{path} is writable by anyone (mode {mode:04o}); refusing to read it")]
    WorldWritable {
        /// The path, as configured.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// A symbolic link that leads outside the configured directory.
    #[error("{path} is a symbolic link that leads outside {dir}; refusing to follow it")]
    Escapes {
        /// The link.
        path: String,
        /// The directory it must stay in.
        dir: String,
    },
    /// A value that is not UTF-8 text.
    #[error("{what} is not valid UTF-8")]
    NotUtf8 {
        /// Where it was found.
        what: String,
    },
    /// A file too large to be read.
    #[error("{path} is {}", crate::FileError::TooLarge { limit: *limit })]
    TooLarge {
        /// The path, as configured.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A `.env` file whose `${...}` expansions refer, through one another, to more names
    /// in all than are tracked (32 MiB of them): what it costs grows with lines times
    /// names, not with its size.
    #[error(
        "{path}: the `${{...}}` expansions of the .env files (every dotenv source's, this one's last) refer, through one another, to more than 32 MiB of names in all"
    )]
    ExpansionWeb {
        /// The source's files, as shown, comma-separated.
        path: String,
    },
    /// A secret declared `sensitive = false` whose `.env` value is built from a sensitive
    /// secret's variable: its value would be shown where the sensitive one's is not (a
    /// fortieth adversarial pass had `status` print a PIN through `APP_MODE=${PIN_CODE}`).
    #[error(
        "{path}:{line}: {name} is built from ${{{origin}}}, secret `{secret}`'s, which is sensitive"
    )]
    PlainFromSecret {
        /// The file, as shown.
        path: String,
        /// The line of the assignment.
        line: usize,
        /// The variable read.
        name: String,
        /// The sensitive secret's variable it was expanded from.
        origin: String,
        /// The sensitive secret.
        secret: String,
    },
    /// A secret with a constraint a value built by `.env` expansion may not be given
    /// (`pattern`, `values`, `min`, `max`, `min_length`, `max_length`) whose value is
    /// built so: it is checked on its shape (each expansion `1`), and over the value
    /// itself the text around the expansion would choose the question, and may differ in
    /// each environment's file, one question an environment (a sixty-second adversarial
    /// pass spelt a password out, 7 environments a character; a sixty-third expanded a
    /// variable no secret declares).
    #[error(
        "{path}:{line}: {name} is built by expanding ${{{origin}}}, and the secret read has `{asks}`"
    )]
    QuestionOverExpansion {
        /// The file, as shown.
        path: String,
        /// The line of the assignment.
        line: usize,
        /// The variable read.
        name: String,
        /// A variable it was expanded from (through other lines too).
        origin: String,
        /// The constraint of the secret read.
        asks: &'static str,
    },
    /// A file another secret of the resolution read too, by another name or through a
    /// link: each would ask it a question through its verdict.
    #[error("{path} is the file secret `{first}` reads (by another name or link)")]
    SharedFile {
        /// The file, as shown.
        path: String,
        /// The secret that read it first.
        first: String,
    },
    /// A file one secret reads whole that a `dotenv` source reads other secrets from,
    /// reached by another name (a hard link, a second mount): each secret would question
    /// it through its verdict.
    #[error("{path} is read whole by secret `{whole}`, and for other secrets by a dotenv source")]
    ReadWholeAndByDotenv {
        /// The file, as shown.
        path: String,
        /// The secret that reads it whole.
        whole: String,
    },
    /// A source answered for fewer secrets than it was asked about (a bug).
    #[error("answered {answered} of {asked} lookups")]
    Incomplete {
        /// How many answers came back.
        answered: usize,
        /// How many secrets were asked for.
        asked: usize,
    },
    /// The Vault source failed.
    #[error("{0}")]
    Vault(VaultError),
    /// A sops source failed.
    #[error("{0}")]
    Sops(SopsError),
    /// A provider (`exec`) failed.
    #[error("{0}")]
    Exec(ExecError),
    /// A `vault_lease` source failed.
    #[error("{0}")]
    Lease(LeaseError),
    /// An AWS source (Secrets Manager, Parameter Store) failed.
    #[error("{0}")]
    Aws(AwsError),
}

impl SourceError {
    /// Whether this failure of a write leaves it unknown whether the write landed (its
    /// answer was lost, or confirmed nothing, and what the store holds could not tell):
    /// neither written nor not written, and said as such.
    pub fn may_have_landed(&self) -> bool {
        matches!(self, Self::Vault(VaultError::MaybeWritten { .. }))
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::NotRegular { path, .. } => {
                format!("replace {path} with a regular file, or point the source at one")
            }
            Self::Read { path, .. } => {
                format!("check that {path} exists and that this user may read it")
            }
            Self::Changed { path } => format!(
                "nothing to mend: the next read takes {path} as it is once written (run the command again; `run --watch` reads again at its next turn)"
            ),
            Self::Malformed { path, errors } => {
                use dotenv::ParseErrorKind::{ExpansionTooLarge, OutsideTooLarge, ValueTooLarge};
                if errors
                    .iter()
                    .any(|error| error.kind == dotenv::ParseErrorKind::TooManyEntries)
                {
                    format!(
                        "keep {path} to at most {} assignments: split it, or move what is not configuration out of it",
                        dotenv::MAX_ENTRIES
                    )
                } else if errors
                    .iter()
                    .any(|error| error.kind == ExpansionTooLarge)
                {
                    format!(
                        "in {path}, each `${{NAME}}` of a variable from outside the file counts 32 KiB (about 128 in all), each of a line of the file what that line holds: split the file, let the program read those variables itself, or write out values built from values"
                    )
                } else if errors
                    .iter()
                    .all(|error| error.kind == OutsideTooLarge)
                {
                    format!(
                        "a .env line takes at most 32 KiB from outside {path}: let the program read that variable itself, or keep the value in a file a `files` source reads"
                    )
                } else if errors
                    .iter()
                    .all(|error| matches!(error.kind, ExpansionTooLarge | ValueTooLarge))
                {
                    format!(
                        "{path} builds values from values with `${{...}}` until they are too large; write them out, or single-quote a value to turn expansion off"
                    )
                } else {
                    format!(
                        "fix those lines of {path}: each must be KEY=VALUE, a comment or blank; quote values with spaces or `#`"
                    )
                }
            }
            Self::WorldWritable { path, .. } => {
                // Quoted for a shell, as the path may be a repository's choice.
                let path = crate::printable::shell_path(path);
                format!("run `chmod o-w {path}` (better: `chmod 600 {path}`)")
            }
            Self::Escapes { dir, .. } => {
                format!(
                    "mount the secret inside {dir}, or point the source's `dir` at where it really lives"
                )
            }
            Self::NotUtf8 { what } => {
                format!("store {what} as UTF-8 text (base64-encode binary secrets)")
            }
            Self::TooLarge { path, .. } => {
                format!("{path} does not look like a secret or a .env file; check that it is the right file")
            }
            Self::ExpansionWeb { path } => format!(
                "in {path}, build fewer values from values built from many others: write them out"
            ),
            Self::PlainFromSecret { origin, .. } => format!(
                "a secret declared `sensitive = false` may not be built from a sensitive one: declare it sensitive (remove `sensitive = false`), or do not expand `${{{origin}}}` into it"
            ),
            Self::QuestionOverExpansion { origin, asks, .. } => format!(
                "give `{asks}` to the secret that reads `{origin}` instead, or do not expand `${{{origin}}}` into this value: a value built by expansion is checked on its shape (each expansion `1`), and over the value itself `{asks}` would question `{origin}` in the words around the expansion"
            ),
            Self::SharedFile { path, .. } => format!(
                "give each secret its own file, and remove the link or copy at {path}: two secrets reading one file would let a manifest question its value through their verdicts"
            ),
            Self::ReadWholeAndByDotenv { path, .. } => format!(
                "read {path} one way only: as a .env file, or each secret from a file of its own"
            ),
            Self::Incomplete { .. } => {
                "this is a bug in secretary: please report it with the manifest's source configuration".to_owned()
            }
            Self::Vault(error) => error.hint(),
            Self::Sops(error) => error.hint(),
            Self::Exec(error) => error.hint(),
            Self::Lease(error) => error.hint(),
            Self::Aws(error) => error.hint(),
        }
    }
}

/// How much longer than its `wait` [`shutdown`] may take at most: the audit log's
/// moment.
pub const SHUTDOWN_SLACK: std::time::Duration = std::time::Duration::from_secs(2);

/// Kills the process group of every program a source runs now (a provider, `sops`), and
/// starts none after: for a process that ends while a read it no longer waits for is
/// under way (`run --watch` once its program ended: a forty-first adversarial pass saw
/// such a provider outlive `run` and its own `timeout`).
pub fn stop_programs() {
    program::kill_running();
}

/// Stops what reading secrets left running, for a process about to end on a signal:
/// every program a source runs (`sops`, providers) is killed with its process group, and
/// every lease this process holds is revoked, a lease being issued now waited for first.
/// Waits at most `wait` for Vault (and a moment more for the audit log); gives what
/// happened to each lease, or `None` when it was not done in time (a lease whose
/// revocation did not answer ends at its TTL). A thirty-fifth adversarial pass saw a stop
/// during start-up give up its revocations without a word.
pub fn shutdown(wait: std::time::Duration) -> Option<Vec<leases::LeaseEvent>> {
    program::kill_running();
    let deadline = std::time::Instant::now() + wait;
    let (done, finished) = std::sync::mpsc::channel();
    let revoking = std::thread::Builder::new()
        .name("secretary-shutdown".to_owned())
        .spawn(move || {
            let _ = done.send(leases::revoke_all_within(deadline));
        });
    revoking.ok()?;
    finished
        .recv_timeout(wait.saturating_add(SHUTDOWN_SLACK))
        .ok()
}

/// Builds the source a manifest entry describes, by its kind's constructor
/// ([`kinds`]).
pub fn build(spec: &SourceSpec) -> Box<dyn Source> {
    kinds::build(spec).unwrap_or_else(|| {
        Box::new(Unbuilt {
            name: spec.name.clone(),
            kind: spec.config.kind(),
        })
    })
}

/// A source whose settings its kind did not recognise (a bug: settings made for one kind
/// and registered as another): it fails every secret, never answers one absent.
struct Unbuilt {
    name: String,
    kind: SourceKind,
}

impl Source for Unbuilt {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn lookup(&self, secrets: &[&SecretSpec], _context: &Context<'_>) -> Batch {
        Batch::failed(
            secrets.len(),
            &SourceError::Incomplete {
                answered: 0,
                asked: secrets.len(),
            },
        )
    }
}

/// A file of a source that could not be read, as the source's error: `path` as shown to
/// people. One mapping for every source that reads files (`dotenv`, `files`, `sops`).
fn file_error(path: String, error: crate::FileError) -> SourceError {
    use crate::FileError;
    match error {
        FileError::TooLarge { limit } => SourceError::TooLarge { path, limit },
        FileError::NotUtf8 { line } => SourceError::NotUtf8 {
            what: format!("{path}, line {line}"),
        },
        FileError::NotRegular(what) => SourceError::NotRegular { path, what },
        FileError::Changed => SourceError::Changed { path },
        other => SourceError::Read {
            reason: other.to_string(),
            path,
        },
    }
}

/// Lower-case hex of `bytes` (SHA-256 digests in `exec`'s records and places, AWS signatures).
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A configured path as it is shown in locators and messages: an absolute path as it
/// is, a relative one from the user's working directory.
fn shown(context: &Context<'_>, configured: &str) -> String {
    context.shown_dir.join(configured).display().to_string()
}
