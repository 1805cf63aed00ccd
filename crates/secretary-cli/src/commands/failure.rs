//! Why a command could not finish ([`Failure`]), the exit status that follows, and the
//! one place each failure is worded ([`Failure::diagnostics`]). A verdict (`check` found
//! problems) is not a failure: a command returns it as a [`Status`].

use std::io;
use std::path::PathBuf;

use secretary::audit::AuditError;
use secretary::init::InitError;
use secretary::manifest::unknown_environment;
use secretary::source::exec::TrustError;
use secretary::{FileError, PutError};

use crate::diagnostic::{Diagnostic, Label};
use crate::exit::Status;

/// Why a command could not finish.
#[derive(Debug)]
pub enum Failure {
    /// The library refused: no manifest, a bad one, an unknown environment or key.
    Secretary(secretary::Error),
    /// Writing standard output failed (a reader that went away is not a failure: see
    /// [`super::output::Stdout`]).
    Output(io::Error),
    /// The audit log could not be opened or written: nothing may go unrecorded.
    Audit(AuditError),
    /// The audit log failed partway through a command that had already written (and
    /// recorded) some of its writes: each of those is named, so that nobody runs the
    /// whole command again believing nothing happened.
    Stopped {
        /// Each write that landed and was recorded, as its locator with its version.
        done: Vec<String>,
        /// The keys not written, for the user to run again alone.
        left: Vec<String>,
        /// Why the log could not record the next access.
        error: AuditError,
    },
    /// Writes landed, then the audit log could not record them: each is named (where,
    /// which version), so that nobody runs the command again believing nothing happened.
    Unaudited {
        /// Each write that landed, as its locator with its version.
        written: Vec<String>,
        /// The keys the command then did not write (a rotation of several, an import's
        /// writes refused).
        left: Vec<String>,
        /// The keys whose write got no answer, and may have landed (an import's).
        unconfirmed: Vec<String>,
        /// Why the log could not record them.
        error: AuditError,
        /// Whether running the command again finishes the job without writing again
        /// (`import`, which leaves what is there as it is), rather than write new
        /// versions (`put`, `rotate`, `rollback`).
        again_finishes: bool,
    },
    /// `run` could not watch over its program: set up signal forwarding, wait for it, or
    /// stop it.
    Process(io::Error),
    /// `run` could not start its program: exit 127 when it does not exist, else 126, as
    /// a shell does.
    NotStarted {
        /// What the program is called.
        program: String,
        /// Why it could not be started.
        error: io::Error,
    },
    /// The secrets cannot be passed to the program: a NUL byte, or more than the system
    /// takes.
    Unpassable {
        /// Why.
        error: crate::child::Unpassable,
        /// What became of the program (`nothing was started`).
        outcome: &'static str,
    },
    /// `export` in a format that cannot carry a NUL byte, and these secrets hold one.
    NotCarried {
        /// Their keys, and what of each the format cannot carry.
        keys: Vec<(String, secretary::export::Uncarried)>,
    },
    /// `run --on-change` with nothing that could change.
    OnChangeAlone,
    /// A write (`put`, `rotate`, `rollback`, `import`) did not happen.
    Write {
        /// The secret, or `import`.
        key: String,
        /// Why not.
        error: PutError,
    },
    /// `import` cannot copy from where it was told to (itself, an unknown source).
    ImportFrom(PutError),
    /// `import` without `--from` or `--from-source`.
    ImportFromNowhere,
    /// `import` wrote nothing: some values were refused, or could not be read.
    ImportBlocked,
    /// `import` wrote some values and not others.
    ImportIncomplete {
        /// How many were written.
        written: usize,
        /// How many may have been: their answers were lost, and Vault could not tell.
        unconfirmed: usize,
        /// How many were not.
        failed: usize,
    },
    /// `rotate` of several secrets whose new values come from stdin.
    ProvidedMany(usize),
    /// `rotate --due` cannot tell whether a secret is due: its source failed.
    DueUnknown {
        /// The secret.
        key: String,
        /// The problem that hides its age.
        problem: String,
    },
    /// `get` of an optional secret that is not set.
    Unset {
        /// The secret.
        key: String,
        /// The environment.
        environment: String,
        /// Where it was looked for.
        looked: Vec<secretary::Looked>,
    },
    /// `example` was pointed at a file a `dotenv` source reads: it holds values.
    ValuesFile {
        /// The file.
        path: PathBuf,
        /// The source that reads it.
        source: String,
        /// What was refused (`writing the template there would overwrite them`).
        refused: &'static str,
    },
    /// `example --check` of a template that does not exist.
    NoTemplate {
        /// The file.
        path: PathBuf,
        /// The command that writes it.
        fix: String,
    },
    /// `example --check` of a template that differs from the manifest's.
    Drifted {
        /// The file, as shown.
        shown: String,
        /// The manifest, as shown.
        manifest: PathBuf,
        /// The environment.
        environment: String,
        /// The command that writes it again.
        fix: String,
    },
    /// A file that had to be read could not be (`init`, `lint`).
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// `scan` of a path that is not there.
    Unsearchable {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// `init` found no `.env` file to start from.
    NoDotenv,
    /// `init` could not draft a manifest from the files.
    Draft(InitError),
    /// `init` never writes over a file.
    Exists(PathBuf),
    /// `init` could not write the manifest.
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// `allow` could not record the manifest's commands.
    Trust(TrustError),
    /// Anything else the operating system refused; the error says what was being done.
    Io(io::Error),
    /// A last-known-good copy could not be listed or removed (`secretary cache`).
    Cache(secretary::outage::CopyError),
}

impl Failure {
    /// The exit status it ends the command with: 2 (the command could not run) but for
    /// a write or a value that was refused (1), and a program that could not be started
    /// (127 or 126).
    pub fn status(&self) -> Status {
        match self {
            Self::NotStarted { error, .. } => {
                Status::Exit(if error.kind() == io::ErrorKind::NotFound {
                    127
                } else {
                    126
                })
            }
            Self::Write {
                error:
                    PutError::NoVaultSource { .. }
                    | PutError::Manifest(_)
                    | PutError::Built { .. }
                    | PutError::Leased { .. }
                    | PutError::Pinned { .. },
                ..
            } => Status::Error,
            Self::Unpassable { .. }
            | Self::NotCarried { .. }
            | Self::Write { .. }
            | Self::ImportBlocked
            | Self::ImportIncomplete { .. }
            | Self::DueUnknown { .. }
            | Self::Unset { .. }
            | Self::NoTemplate { .. }
            | Self::Drifted { .. } => Status::Problems,
            _ => Status::Error,
        }
    }

    /// Says it on stderr; the status to exit with.
    pub fn say(self) -> Status {
        let status = self.status();
        for diagnostic in self.diagnostics() {
            diagnostic.say();
        }
        status
    }

    /// The failure as people read it: `error: ...`, what it concerns (`  wrote: ...`),
    /// and `  help: ...`. The one place a [`Failure`] is worded.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per failure, each a sentence"
    )]
    pub fn diagnostics(self) -> Vec<Diagnostic> {
        let one = match self {
            Self::Secretary(error) => secretary_error(error),
            Self::Output(error) => Diagnostic::error(format!("cannot write output: {error}")),
            // Nothing may go unrecorded: stop, even when the log's sink is a closed pipe.
            Self::Audit(error @ AuditError::Key { .. }) => Diagnostic::error(error.to_string()).help("make a key with `secretary generate` (32 random bytes) and set SECRETARY_AUDIT_KEY to it; nothing was read or run"),
            Self::Audit(error) => Diagnostic::error(error.to_string()).help("secretary stops at the first access it cannot record; fix the audit log's path, permissions or free space (--audit-log, or the manifest's [audit])"),
            Self::Stopped { done, left, error } => {
                let mut diagnostic =
                    Diagnostic::error(format!("{error}; stopped before the next write"));
                for locator in done {
                    diagnostic = diagnostic.with(Label::AlreadyWritten, locator);
                }
                for key in left {
                    diagnostic = diagnostic.with(Label::NotWritten, key);
                }
                diagnostic.help("run again only for what was not written; fix the audit log's path, permissions or free space first (--audit-log, or the manifest's [audit])")
            }
            // A write landed: say exactly what, never "nothing happened".
            Self::Unaudited {
                written,
                left,
                unconfirmed,
                error,
                again_finishes,
            } => {
                let what = if written.len() == 1 {
                    "a write"
                } else {
                    "writes"
                };
                let mut diagnostic = Diagnostic::error(format!(
                    "the audit log could not record {what} that happened: {error}"
                ));
                for locator in written {
                    diagnostic = diagnostic.with(Label::Wrote, locator);
                }
                for key in unconfirmed {
                    diagnostic = diagnostic.with(Label::MayHaveWritten, key);
                }
                for key in left {
                    diagnostic = if again_finishes {
                        diagnostic.with(Label::NotWritten, key)
                    } else {
                        diagnostic.with(
                            Label::NotWritten,
                            format!("{key} (run the command for it alone)"),
                        )
                    };
                }
                if again_finishes {
                    // A fortieth adversarial pass: `import` was told never to run again,
                    // which is what finishes it.
                    return vec![diagnostic.help("these writes happened (those with no answer may have): record them where your audit trail is kept, fix the audit log's path, permissions or free space, then run the same command again: it finishes the job, leaving what is already there as it is")];
                }
                diagnostic.help("these writes happened: do not run the command again (it would write new versions); record them where your audit trail is kept, then fix the audit log's path, permissions or free space")
            }
            Self::Process(error) => Diagnostic::error(error.to_string()).help(
                "the program may still be running; check for it (ps) before starting it again",
            ),
            Self::NotStarted { program, error } => {
                let what = match error.kind() {
                    // The file is there: what is not is the interpreter its `#!` line
                    // names (a forty-eighth adversarial pass: "not found").
                    io::ErrorKind::NotFound if program.contains('/') && std::path::Path::new(&program).is_file() => {
                        "cannot be started: the interpreter its `#!` line names was not found".to_owned()
                    }
                    io::ErrorKind::NotFound => "not found (is it installed and on PATH?)".to_owned(),
                    io::ErrorKind::PermissionDenied => "not executable".to_owned(),
                    io::ErrorKind::ArgumentListTooLong => "cannot be started: its arguments and environment, secrets included, are more than the system allows (use --only or --reset to pass fewer)".to_owned(),
                    _ => format!("cannot be started: {error}"),
                };
                Diagnostic::error(format!("`{program}` {what}"))
            }
            Self::Unpassable { error, outcome } => return unpassable(error, outcome),
            Self::NotCarried { keys } => {
                use secretary::export::Uncarried;
                let mut all: Vec<Diagnostic> = keys
                    .iter()
                    .map(|(key, uncarried)| match uncarried {
                        Uncarried::LineEnd => Diagnostic::error(format!("secret `{key}` holds a line end other than a newline (U+2028, a vertical tab...), which a .env reader may take for the end of a line and read what follows as an assignment; nothing was written")),
                        _ => Diagnostic::error(format!("secret `{key}` holds a NUL byte, which this format cannot carry (a shell or .env parser drops it silently); nothing was written")),
                    })
                    .collect();
                if let Some(last) = all.pop() {
                    all.push(last.help("use --format json, which carries every character (a NUL as \\u0000), or store the value without them (base64-encode binary secrets)"));
                }
                return all;
            }
            Self::OnChangeAlone => Diagnostic::error(
                "--on-change needs --watch, or a vault_lease source whose credentials can change",
            )
            .help("add --watch 5m, or drop --on-change"),
            Self::Write { key, error } => write_error(&key, error),
            Self::ImportFrom(error) => Diagnostic::error(error.to_string()),
            Self::ImportFromNowhere => Diagnostic::error(
                "say where to import from: --from ENVIRONMENT or --from-source NAME",
            ),
            Self::ImportBlocked => Diagnostic::error(
                "nothing was written: fix the values refused or failed above, then run this again",
            ),
            Self::ImportIncomplete {
                written,
                unconfirmed,
                failed,
            } => Diagnostic::error(format!(
                "{written} written, {}{failed} not written (see above); once what stopped them is fixed, run the same command again to finish: what is already there is left as it is",
                if unconfirmed > 0 {
                    format!("{unconfirmed} that may have been written (Vault could not tell), ")
                } else {
                    String::new()
                }
            )),
            Self::ProvidedMany(provided) => Diagnostic::error(format!(
                "{provided} of these secrets are provided, not generated: their new values come from stdin, one at a time"
            ))
            .help(format!(
                "rotate each on its own: `{}`",
                crate::invocation::suggest("rotate", "KEY < new-value")
            )),
            Self::DueUnknown { key, problem } => {
                Diagnostic::error(format!("cannot tell whether `{key}` is due: {problem}"))
            }
            Self::Unset {
                key,
                environment,
                looked,
            } => Diagnostic::error(format!(
                "`{key}` is not set in environment `{environment}` (it is optional)"
            ))
            .with(
                Label::LookedIn,
                looked
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Self::ValuesFile {
                path,
                source,
                refused,
            } => Diagnostic::error(format!(
                "{} is read by source `{source}`: it holds values, not a template; {refused}",
                secretary::printable::path(&path)
            ))
            .help(format!(
                "templates go to .env.example (the default) or .env.NAME.example; `{}` tells whether the values are right",
                crate::invocation::suggest("check", "")
            )),
            Self::NoTemplate { path, fix } => {
                Diagnostic::error(format!("{} does not exist", secretary::printable::path(&path)))
                    .with(Label::Fix, fix)
            }
            Self::Drifted {
                shown,
                manifest,
                environment,
                fix,
            } => Diagnostic::error(format!(
                "{shown} has drifted from {} (environment `{environment}`)",
                secretary::printable::path(&manifest)
            ))
            .with(Label::Fix, fix),
            Self::Unreadable { path, reason } => {
                Diagnostic::error(format!("cannot read {}: {reason}", secretary::printable::path(&path)))
            }
            Self::Unsearchable { path, reason } => {
                Diagnostic::error(format!("cannot search {}: {reason}", secretary::printable::path(&path)))
            }
            Self::NoDotenv => Diagnostic::error("no .env or .env.example in this directory")
                .help("name the application's files: secretary init --from FILE"),
            Self::Draft(error @ InitError::TooLarge { .. }) => Diagnostic::error(error.to_string())
                .help("nothing was written: draft from fewer variables (a smaller file, or one file at a time with --output for each) and merge what you keep"),
            Self::Draft(error) => Diagnostic::error(error.to_string()),
            Self::Exists(path) => Diagnostic::error(format!(
                "{} exists already; init never writes over it",
                secretary::printable::path(&path)
            ))
            .help("move it away first, or write the new one elsewhere (--output FILE) and compare"),
            Self::Unwritable { path, reason } => {
                Diagnostic::error(format!("cannot write {}: {reason}", secretary::printable::path(&path)))
            }
            Self::Trust(error) => {
                let hint = error.hint();
                // It names files of the repository: shown as text, newlines escaped too.
                Diagnostic::error(secretary::printable::text(&error.to_string()).into_owned())
                    .help(hint)
            }
            Self::Io(error) => Diagnostic::error(error.to_string()),
            Self::Cache(error) => {
                let hint = error.hint();
                Diagnostic::error(error.to_string()).help(hint)
            }
        };
        vec![one]
    }
}

/// A secret that cannot be passed in an environment variable; `outcome` says what became
/// of the program.
pub fn unpassable(error: crate::child::Unpassable, outcome: &str) -> Vec<Diagnostic> {
    use crate::child::Unpassable;
    use crate::room::TooLarge;
    const COUNTED: &str = "each value a source holds counted in whole steps of 1 KiB, and this process's whole environment as one, so that the limit tells nothing of a value's length";
    let diagnostic = match error {
        Unpassable::NulByte { key } => Diagnostic::error(format!(
            "secret `{key}` holds a NUL byte, which an environment variable cannot carry; {outcome}"
        ))
        .help("store the value without NUL bytes (base64-encode binary secrets)"),
        Unpassable::TooLarge(TooLarge::Variable {
            name,
            key: Some(key),
            counted,
        }) => Diagnostic::error(format!(
            "secret `{key}` (`{name}`) counts {} KiB, more than the {} KiB an environment variable may hold ({COUNTED}); {outcome}",
            counted.div_ceil(1024),
            crate::room::STRING_LIMIT >> 10
        ))
        .help("leave it out with --only, and give it to the program in a file (`secretary export --only KEY --output FILE`) rather than in the environment"),
        // This process's own: neither --only nor a file helps (a seventy-third
        // adversarial pass was told both).
        Unpassable::TooLarge(TooLarge::Variable {
            name, key: None, ..
        }) => Diagnostic::error(format!(
            "the variable `{name}` this command was started with holds more than the {} KiB an environment variable may hold; {outcome}",
            crate::room::STRING_LIMIT >> 10
        ))
        .help(format!("unset `{name}`, or start the program from a minimal environment with --reset")),
        Unpassable::TooLarge(TooLarge::All { counted, limit }) => Diagnostic::error(format!(
            "the program's arguments and environment count {} KiB, more than the {} KiB the system takes (a quarter of the stack limit, `ulimit -s`, at most 6 MiB; {COUNTED}); {outcome}",
            counted.div_ceil(1024),
            limit >> 10
        ))
        .help(if limit < crate::room::MOST {
            "pass fewer: --only names the secrets the program needs, --reset starts from a minimal environment; or raise `ulimit -s`"
        } else {
            // Past 24 MiB of stack the kernel takes no more (a seventy-second
            // adversarial pass was told to raise it all the same).
            "pass fewer: --only names the secrets the program needs, --reset starts from a minimal environment"
        }),
    };
    vec![diagnostic]
}

/// A write of `key` that did not happen.
fn write_error(key: &str, error: PutError) -> Diagnostic {
    match error {
        PutError::Manifest(error) => secretary_error(error),
        error @ PutError::NoVaultSource { .. } => Diagnostic::error(error.to_string()).help(
            "choose one with --env, or add a vault or aws_secrets_manager source to this environment's `sources`",
        ),
        PutError::Vault(error) => {
            Diagnostic::error(format!("{key}: {error}")).help(error.hint())
        }
        PutError::Aws(error) => {
            Diagnostic::error(format!("{key}: {error}")).help(error.hint())
        }
        PutError::Unconfirmed { error, unforgotten } => {
            let help = match &unforgotten {
                Some(copy) => format!("{}; and {}", error.hint(), clear_after(copy)),
                None => format!(
                    "{}; your last-known-good copies of that server forgot their values, so none can serve the one replaced",
                    error.hint()
                ),
            };
            let error = PutError::Unconfirmed { error, unforgotten };
            Diagnostic::error(format!("{key}: {error}")).help(help)
        }
        error @ PutError::Overtaken { .. } => Diagnostic::error(format!("{key}: {error}")).help(
            format!(
                "see what is there now (`{}`), then run `rollback` again if it is still wanted",
                crate::invocation::suggest("status", "")
            ),
        ),
        PutError::Unforgotten { written, error } => {
            let help = format!("the write happened; {}", clear_after(&error));
            Diagnostic::error(format!(
                "{key}: {}",
                PutError::Unforgotten { written, error }
            ))
            .help(help)
        }
        PutError::Copy(error) => {
            let hint = error.hint();
            Diagnostic::error(format!(
                "{key}: {}; nothing was written",
                PutError::Copy(error)
            ))
            .help(hint)
        }
        PutError::ImportUnforgotten { error, .. } => Diagnostic::error(format!(
            "{key}: the writes said above as written (or as may have been) landed or may have, but your last-known-good copies could not forget the values they replaced: {error}"
        ))
        .help(format!(
            "what the table says was written happened; {}",
            clear_after(&error)
        )),
        error @ PutError::Pinned { .. } => {
            Diagnostic::error(format!("{key}: {error}; nothing was written")).help(
                "to read an earlier version, set the secret's `version` to it in the manifest",
            )
        }
        error @ PutError::RefusedVersion { .. } => {
            Diagnostic::error(format!("{key}: {error}; nothing was written")).help(
                "roll back to another version with `--to N`, or write a new value with `put` or `rotate`",
            )
        }
        error => Diagnostic::error(format!("{key}: {error}; nothing was written")),
    }
}

/// What to do when this user's copies could not forget a value a write replaced: make
/// `cache clear` possible where the copy's own error says it is not (a directory's
/// permissions, a full disk: a twenty-fourth adversarial pass had `cache clear` advised
/// where it failed as the forgetting had), then run it.
fn clear_after(copy: &secretary::outage::CopyError) -> String {
    let clear = "run `secretary cache clear` so that no copy of yours can serve the value it replaced at the next outage";
    match copy {
        secretary::outage::CopyError::Unreadable { .. }
        | secretary::outage::CopyError::Write { .. }
        | secretary::outage::CopyError::NoStateDir => format!("{}, then {clear}", copy.hint()),
        // (Its hint says it all: room first, then `cache clear`.)
        secretary::outage::CopyError::Unrecorded { .. } => copy.hint(),
        _ => clear.to_owned(),
    }
}

/// An error of the library, with the command line's own hint where there is one. Paths
/// are shown relative to the working directory, as the user would type them.
fn secretary_error(error: secretary::Error) -> Diagnostic {
    use secretary::Error;
    let error = match error.shown() {
        Error::UnknownEnvironment {
            name,
            chosen_by,
            manifest,
            defined,
        } => {
            // The library words it; here, the caller is `--env`.
            return Diagnostic::error(unknown_environment(
                name.as_deref(),
                &chosen_by,
                "--env",
                &manifest,
            ))
            .help(format!(
                "use one of: {} (or add [environments.NAME] to the manifest)",
                defined.join(", ")
            ));
        }
        other => other,
    };
    let diagnostic = Diagnostic::error(error.to_string());
    match hint(&error) {
        Some(hint) => diagnostic.help(hint),
        None => diagnostic,
    }
}

/// What the user can do about `error`, in the command line's own terms.
fn hint(error: &secretary::Error) -> Option<String> {
    use secretary::Error;
    match error {
        Error::ManifestNotFound { .. } => Some(
            "pass --manifest PATH, set SECRETARY_MANIFEST, or run from the application's directory"
                .to_owned(),
        ),
        Error::UnknownKey { suggestion, .. } => Some(match suggestion {
            Some(key) => format!(
                "did you mean `{key}`? `{}` shows every key",
                crate::invocation::suggest("list", "")
            ),
            None => format!(
                "`{}` shows every declared key",
                crate::invocation::suggest("list", "")
            ),
        }),
        _ => None,
    }
}

impl From<secretary::Error> for Failure {
    fn from(error: secretary::Error) -> Self {
        Self::Secretary(error)
    }
}

impl From<AuditError> for Failure {
    fn from(error: AuditError) -> Self {
        Self::Audit(error)
    }
}

impl From<io::Error> for Failure {
    /// An error that [`super::output::Stdout`] marked is [`Failure::Output`]; any other
    /// is [`Failure::Io`].
    fn from(error: io::Error) -> Self {
        if super::output::is_stdout_error(&error) {
            Self::Output(error)
        } else {
            Self::Io(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::Failure;
    use crate::exit::Status;

    fn said(failure: Failure) -> String {
        let lines: Vec<String> = failure
            .diagnostics()
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.join("\n")
    }

    #[test]
    fn a_program_that_cannot_be_started_exits_as_a_shell_would() {
        let missing = Failure::NotStarted {
            program: "nope".to_owned(),
            error: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(missing.status(), Status::Exit(127));
        assert_eq!(
            said(missing),
            "error: `nope` not found (is it installed and on PATH?)"
        );
        let denied = Failure::NotStarted {
            program: "x".to_owned(),
            error: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(denied.status(), Status::Exit(126));
    }

    #[test]
    fn unaudited_writes_are_named_and_only_import_is_told_to_run_again() {
        // A fortieth adversarial pass: `import`, which a second run finishes (what is
        // there is `same`), was told never to run again, as `put` and `rotate` are.
        let unaudited = |again_finishes| Failure::Unaudited {
            written: vec!["vault:secret/data/production/a#value@v2".to_owned()],
            left: vec!["refused_key".to_owned()],
            unconfirmed: vec!["slow_key".to_owned()],
            error: secretary::audit::AuditError::NotAnAuditLog {
                path: "audit.log".into(),
            },
            again_finishes,
        };
        let import = said(unaudited(true));
        // A forty-first adversarial pass: the writes with no answer, and those refused,
        // were left out.
        assert!(
            import.contains("  may have been written (no answer came): slow_key")
                && import.contains("  not written: refused_key\n"),
            "{import}"
        );
        assert!(
            import.contains("  wrote: vault:secret/data/production/a#value@v2")
                && import.contains("then run the same command again: it finishes the job")
                && !import.contains("do not run the command again"),
            "{import}"
        );
        let put = said(unaudited(false));
        assert!(put.contains("do not run the command again"), "{put}");
    }

    #[test]
    fn a_refused_value_is_exit_1_and_a_usage_error_exit_2() {
        assert_eq!(Failure::ImportBlocked.status(), Status::Problems);
        assert_eq!(
            Failure::Write {
                key: "k".to_owned(),
                error: secretary::PutError::NulByte,
            }
            .status(),
            Status::Problems
        );
        assert_eq!(
            Failure::Write {
                key: "k".to_owned(),
                error: secretary::PutError::NoVaultSource {
                    environment: "dev".to_owned(),
                    with_vault: Vec::new(),
                },
            }
            .status(),
            Status::Error
        );
        assert_eq!(Failure::OnChangeAlone.status(), Status::Error);
        assert_eq!(Failure::NoDotenv.status(), Status::Error);
    }

    #[test]
    fn what_an_export_cannot_carry_is_named_each_with_one_help_at_the_end() {
        use secretary::export::Uncarried;
        let text = said(Failure::NotCarried {
            keys: vec![
                ("a".to_owned(), Uncarried::Nul),
                ("b".to_owned(), Uncarried::LineEnd),
            ],
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("error: secret `a` holds a NUL byte"));
        assert!(lines[1].starts_with("error: secret `b` holds a line end other than a newline"));
        assert!(lines[2].starts_with("  help: use --format json"));
    }

    #[test]
    fn writes_that_landed_before_the_log_failed_are_named() {
        let text = said(Failure::Unaudited {
            written: vec!["vault secret/app#k (version 2)".to_owned()],
            left: vec!["other".to_owned()],
            unconfirmed: Vec::new(),
            error: secretary::audit::AuditError::NotAnAuditLog { path: "log".into() },
            again_finishes: false,
        });
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("error: the audit log could not record a write that happened: ")
        );
        assert_eq!(lines[1], "  wrote: vault secret/app#k (version 2)");
        assert_eq!(
            lines[2],
            "  not written: other (run the command for it alone)"
        );
        assert!(lines[3].starts_with("  help: these writes happened"));
    }
}
