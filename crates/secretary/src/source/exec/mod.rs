//! A program the user installed that knows a store secretary does not: the provider
//! protocol (`docs/provider-protocol.md`).
//!
//! ```toml
//! [sources.onepassword]
//! type = "exec"
//! command = ["secretary-provider-1password", "--vault", "Prod"]   # on PATH; no shell
//! timeout = "10s"                  # default
//! pass_env = ["OP_SERVICE_ACCOUNT_TOKEN"]   # variables it is given besides the basics
//! ```
//!
//! One request per resolution, with every secret asked of the source, on the program's
//! stdin; one answer on its stdout: a value, absent or an error per secret. The program
//! runs only when this user allowed this exact command for this manifest (`secretary
//! allow`, [`trust`]), with every file and directory that decides what runs as it was
//! then; it gets a scrubbed environment (`PATH`, `HOME`, `USER`, `LOGNAME`, `LANG`,
//! `LC_*`, `TZ`, `TMPDIR`, `XDG_*` and what `pass_env` names: never secretary's own
//! credentials unless named there; and `PYTHONDONTWRITEBYTECODE=1`); a time-out, an answer over 16 MiB,
//! a non-zero exit or a malformed answer fails the whole source; its stderr is never
//! shown, and a text of its answer (`locator`, `looked`, `error`) that holds a value of
//! that answer, as it is or encoded (`exec/spelled.rs`), is shown as [`WITHHELD`].

pub mod conformance;
mod env_words;
mod modules;
mod pin;
mod protocol;
mod shebang;
mod spelled;
pub mod trust;
mod wrappers;

use std::time::Duration;

pub use protocol::{AnswerError, PROTOCOL, Request, WITHHELD};
pub use trust::TrustError;

use super::program::{self, Program, ProgramError};
use super::{Batch, Context, Lookup, Source, SourceError};
use crate::manifest::{SecretSpec, SourceKind};
use crate::{Absence, Locator, Looked, SecretValue, Site};

/// The most of a provider's output read: what its answer may hold as counted
/// ([`protocol::ANSWER_LIMIT`]), never less than its length.
const OUTPUT_LIMIT: usize = protocol::ANSWER_LIMIT;

/// Reads secrets through a provider program.
#[derive(Debug)]
pub struct ExecSource {
    name: String,
    command: Vec<String>,
    timeout: Duration,
    pass_env: Vec<String>,
}

/// Why a provider could not answer. Never carries a value, nor what it wrote on stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The command may not run: not allowed, or changed since. Shown as text (each
    /// character a terminal does not show as itself escaped, newlines included): it
    /// names files of the repository, whose names a pull request chooses (a thirtieth
    /// adversarial pass forged an `ok:` line with one).
    #[error("{}", crate::printable::text(&.0.to_string()))]
    Trust(TrustError),
    /// The program could not be run to its end.
    #[error("{0}")]
    Program(ProgramError),
    /// The program exited with a failure.
    #[error("`{program}` exited with {status}")]
    Exit {
        /// The program, as the manifest names it.
        program: String,
        /// `status N` or `signal N`.
        status: String,
    },
    /// The program's answer broke the protocol.
    #[error("`{program}`: {error}")]
    Answer {
        /// The program, as the manifest names it.
        program: String,
        /// What is wrong with it.
        error: AnswerError,
    },
    /// The provider answered an error for this secret.
    #[error("`{program}` could not read `{key}`: {message}")]
    Provider {
        /// The program, as the manifest names it.
        program: String,
        /// The secret.
        key: String,
        /// The provider's words (control characters replaced, at most 512 characters), or
        /// [`WITHHELD`] when they held a value of its answer.
        message: String,
    },
}

impl ExecError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Trust(error) => error.hint(),
            Self::Program(ProgramError::NotFound { name }) => {
                format!("install `{name}` and put it on PATH, or name it by a path in the source's `command`")
            }
            Self::Program(ProgramError::TimedOut { .. }) => {
                "check that the store the provider reads answers; raise the source's `timeout` if it is slow".to_owned()
            }
            Self::Program(_) => "check that the provider runs".to_owned(),
            Self::Exit { .. } => {
                "run the provider's command yourself to see its messages (secretary never shows them: they may hold a value)".to_owned()
            }
            // Too large is no fault of the protocol (a seventy-second adversarial pass).
            Self::Answer {
                error: AnswerError::TooLarge,
                ..
            } => "ask the source for fewer secrets at a time (split them over two sources that run the same command), or keep smaller values in the store".to_owned(),
            Self::Answer { .. } => format!(
                "the provider does not speak {PROTOCOL}: check its version, or run `secretary provider-check -- COMMAND` against it"
            ),
            Self::Provider { .. } => "see the provider's documentation".to_owned(),
        }
    }
}

impl ExecSource {
    /// A source called `name` that runs `command`, for at most `timeout`, with the
    /// variables `pass_env` names besides the basics.
    pub fn new(
        name: String,
        command: Vec<String>,
        timeout: Duration,
        pass_env: Vec<String>,
    ) -> Self {
        Self {
            name,
            command,
            timeout,
            pass_env,
        }
    }

    /// The program as the manifest names it.
    fn program(&self) -> String {
        self.command.first().cloned().unwrap_or_default()
    }

    /// Runs the provider for `secrets`: its answer for each, in order.
    fn ask(
        &self,
        secrets: &[&SecretSpec],
        context: &Context<'_>,
    ) -> Result<Vec<protocol::Answered>, ExecError> {
        let (now, launch) = trust::fingerprint(
            &self.name,
            &self.command,
            &self.pass_env,
            context.base_dir,
            context.vars,
        )
        .map_err(ExecError::Trust)?;
        trust::verdict(context.manifest, &self.name, &now, context.vars)
            .map_err(ExecError::Trust)?;
        // The program that was allowed, by the path it was found at (a virtual
        // environment's link, which Python needs to find the environment), checked
        // against its real path and hash above: not looked up again. For a script with
        // a `#!` line, the interpreter it names, found and checked the same way, given
        // the script as the kernel (and `env`) would have: nothing is looked up on
        // `PATH` between the check and the run.
        let request = Request {
            protocol: PROTOCOL,
            source: &self.name,
            app: context.app,
            environment: context.environment,
            secrets: secrets
                .iter()
                .map(|secret| protocol::Asked {
                    key: &secret.key,
                    env: &secret.env,
                })
                .collect(),
        };
        let input = serde_json::to_vec(&request).unwrap_or_default();
        let args: Vec<&str> = launch.args.iter().map(String::as_str).collect();
        let program = self.program();
        let finished = Program {
            name: &program,
            path: &launch.path,
            args: &args,
            dir: context.base_dir,
            env: environment(
                context.vars,
                context.base_dir,
                &self.pass_env,
                &launch.changes,
            ),
            stdin: &input,
            limit: OUTPUT_LIMIT,
            timeout: self.timeout,
        }
        .run()
        .map_err(|error| match error {
            // Output past the limit counts past it as an answer too: one refusal, the
            // same whatever its length made it.
            ProgramError::TooLarge { .. } => ExecError::Answer {
                program: self.program(),
                error: AnswerError::TooLarge,
            },
            other => ExecError::Program(other),
        })?;
        if !finished.status.success() {
            use std::os::unix::process::ExitStatusExt;
            let status = finished.status.code().map_or_else(
                || format!("signal {}", finished.status.signal().unwrap_or(0)),
                |code| format!("status {code}"),
            );
            return Err(ExecError::Exit {
                program: self.program(),
                status,
            });
        }
        let answer = |error| ExecError::Answer {
            program: self.program(),
            error,
        };
        let text = std::str::from_utf8(&finished.stdout)
            .map_err(|_| answer(AnswerError::Shape("not UTF-8".to_owned())))?;
        let keys: Vec<&str> = secrets.iter().map(|secret| secret.key.as_str()).collect();
        protocol::read(text, &keys)
            .map(|read| read.answers)
            .map_err(answer)
    }
}

/// A provider's whole environment: the basics, what `pass_env` names, and
/// `PYTHONDONTWRITEBYTECODE=1`, so that a Python provider does not write `__pycache__/`
/// into its own directory, which `allow` pinned; then what the `env` of its `#!` line
/// (or of its command) would change, as it would.
fn environment(
    vars: &crate::Variables,
    base: &std::path::Path,
    pass_env: &[String],
    changes: &[env_words::Change],
) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut env = program::scrubbed(vars, base, |name| {
        name != "PYTHONDONTWRITEBYTECODE"
            && (basic(name) || pass_env.iter().any(|kept| kept == name))
    });
    env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    for change in changes {
        match change {
            env_words::Change::Clear => env.clear(),
            env_words::Change::Unset(name) => env.retain(|(kept, _)| kept != name.as_str()),
            env_words::Change::Set(name, value) => {
                env.retain(|(kept, _)| kept != name.as_str());
                env.push((name.into(), value.into()));
            }
        }
    }
    env
}

/// The variables every provider gets: where programs and the user's files are, and the
/// locale.
fn basic(name: &str) -> bool {
    matches!(
        name,
        "PATH" | "HOME" | "USER" | "LOGNAME" | "LANG" | "TZ" | "TMPDIR"
    ) || name.starts_with("LC_")
        || name.starts_with("XDG_")
}

impl Source for ExecSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::EXEC
    }

    fn lookup(&self, secrets: &[&SecretSpec], context: &Context<'_>) -> Batch {
        if secrets.is_empty() {
            return Batch::default();
        }
        let answers = match self.ask(secrets, context) {
            Ok(answers) => answers,
            Err(error) => return Batch::failed(secrets.len(), &SourceError::Exec(error)),
        };
        let lookups = secrets
            .iter()
            .zip(answers)
            .map(|(secret, answer)| {
                let place = |detail: Option<String>| match detail {
                    None => Site::Field {
                        of: self.name.clone(),
                        field: secret.key.clone(),
                    },
                    Some(detail) => Site::Detail {
                        source: self.name.clone(),
                        detail,
                    },
                };
                match answer {
                    protocol::Answered::Found {
                        value,
                        detail,
                        version,
                        written,
                    } if !value.is_empty() => Lookup::Found {
                        value: SecretValue::new(value.to_string()),
                        locator: Locator::exec(place(detail), version),
                        written,
                        shape: None,
                    },
                    protocol::Answered::Found { detail, .. } => Lookup::Absent {
                        looked: vec![
                            Looked::new(Locator::exec(place(detail), None)).because(Absence::Empty),
                        ],
                    },
                    protocol::Answered::Absent { detail } => Lookup::Absent {
                        looked: vec![Looked::new(Locator::exec(place(detail), None))],
                    },
                    protocol::Answered::Failed { message } => {
                        Lookup::Failed(SourceError::Exec(ExecError::Provider {
                            program: self.program(),
                            key: secret.key.clone(),
                            message,
                        }))
                    }
                }
            })
            .collect();
        Batch::new(lookups, Vec::new())
    }
}
