//! What a command that reads the manifest and picks an environment runs in, resolved
//! once before it starts: the global options in effect, the manifest (and the working
//! directory it was found from), the environment, the variables, the audit log and
//! standard output. A command takes a [`Session`] and its own settings
//! ([`super::settings`]), and asks the session to resolve, to record and to write.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secretary::audit::{AuditError, AuditLog, Event, Outcome, Target};
use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, Origin, Report, Scope, Variables};

use super::failure::Failure;
use super::output::Stdout;
use crate::args::{Args, Command, EnvironmentCommand, Global, ManifestCommand};
use crate::diagnostic::Diagnostic;
use crate::render;

/// Everything a command that picks an environment needs besides its own settings.
pub struct Session {
    /// The process's variables, read once at start (shared with a re-read of `run
    /// --watch`, which may outlive the wait for it).
    vars: Arc<Variables>,
    /// The working directory the manifest was found from.
    cwd: PathBuf,
    manifest: Arc<Manifest>,
    /// The environment chosen (`--env`, else the manifest's rule).
    environment: EnvironmentSpec,
    /// The audit log, when one is configured (`--audit-log` or `[audit]`); shared with
    /// the lease observer, which records lease events while the command runs.
    audit: Option<Arc<AuditLog>>,
    out: Stdout,
}

/// What a command that needs every value it asked for says when some have problems: the
/// event it records, its name and what did not happen (`run`: `nothing was started`).
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    /// Recorded in the audit log for each secret read.
    pub event: Event,
    /// The command, as in `secretary {verb}: {outcome}`.
    pub verb: &'static str,
    /// What did not happen.
    pub outcome: &'static str,
}

impl Session {
    /// Finds the manifest, chooses the environment and opens the audit log (saying its
    /// warnings), as `options` say; lease events are recorded in the log from now on.
    pub fn open(options: &Global, vars: Variables, out: Stdout) -> Result<Self, Failure> {
        let (manifest, cwd) = discover(options, &vars)?;
        let environment = manifest
            .select_environment(options.environment.as_deref(), &vars)?
            .clone();
        let audit = open_audit(options, &manifest, &environment.name, &vars)?.map(Arc::new);
        if let Some(log) = &audit {
            // Every lease event is audited: issued, renewed, re-issued, revoked.
            let log = Arc::clone(log);
            // For the life of the command.
            std::mem::forget(secretary::source::leases::observe(move |event| {
                if let Err(error) = log.record_lease(event) {
                    Diagnostic::warning(error.to_string()).say();
                }
            }));
        }
        Ok(Self {
            vars: Arc::new(vars),
            cwd,
            manifest: Arc::new(manifest),
            environment,
            audit,
            out,
        })
    }

    /// The process's variables.
    pub fn vars(&self) -> &Variables {
        &self.vars
    }

    /// The working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The environment chosen.
    pub fn environment(&self) -> &EnvironmentSpec {
        &self.environment
    }

    /// Standard output (`&Stdout` is `Write`).
    pub fn out(&self) -> &Stdout {
        &self.out
    }

    /// The manifest's path as people are shown it.
    pub fn shown(&self) -> String {
        secretary::printable::path(&self.manifest.shown_path())
    }

    /// Resolves `keys` (all when empty) in the environment.
    pub fn resolve(&self, keys: &[&str]) -> Result<Report, secretary::Error> {
        let scope = if keys.is_empty() {
            Scope::All
        } else {
            Scope::Keys(keys)
        };
        secretary::resolve(&self.manifest, &self.environment, &self.vars, scope)
    }

    /// [`Session::resolve`] on a thread of its own, its report recorded as `event` in the
    /// audit log there; waited for until it ends, or until `abandon` says (asked every
    /// 50 ms): then `None`, and the thread is left to end by itself, or with the
    /// process. `run --watch` re-reads so: a program that ends while a slow source is
    /// read is seen to end at once, and its leases revoked (a fortieth adversarial pass
    /// saw `run` outlive a program killed by SIGTERM by minutes, reading on).
    pub fn resolve_unless(
        &self,
        keys: &[&str],
        event: Event,
        mut abandon: impl FnMut() -> bool,
    ) -> Option<Result<Report, Failure>> {
        let (manifest, environment, vars, audit) = (
            Arc::clone(&self.manifest),
            self.environment.clone(),
            Arc::clone(&self.vars),
            self.audit.clone(),
        );
        let owned: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("secretary-reread".to_owned())
            .spawn(move || {
                let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
                let scope = if keys.is_empty() {
                    Scope::All
                } else {
                    Scope::Keys(&keys)
                };
                let outcome = secretary::resolve(&manifest, &environment, &vars, scope)
                    .map_err(Failure::from)
                    .and_then(|report| {
                        audit
                            .as_ref()
                            .map_or(Ok(()), |log| log.record_report(event, &report))
                            .map_err(Failure::from)
                            .map(|()| report)
                    });
                let _ = sender.send(outcome);
            });
        if reader.is_err() {
            let outcome = self.resolve(keys);
            return Some(outcome.map_err(Failure::from).and_then(|report| {
                self.audit_report(event, &report)?;
                Ok(report)
            }));
        }
        loop {
            match receiver.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok(outcome) => return Some(outcome),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if abandon() {
                        return None;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Resolves `keys` (all when empty), records `refusal.event` in the audit log and says
    /// the warnings. With any problem, says the full report and `secretary {verb}:
    /// {outcome}` on stderr and returns `None`.
    pub fn resolve_or_refuse(
        &self,
        keys: &[&str],
        refusal: Refusal,
    ) -> Result<Option<Report>, Failure> {
        let report = self.resolve(keys)?;
        self.audit_report(refusal.event, &report)?;
        say_raw!("{}", render::warnings(&report));
        if report.is_ok() {
            return Ok(Some(report));
        }
        say_raw!("{}", render::problems(&report));
        say!("{}", render::summary(&report, &self.shown()));
        say!("secretary {}: {}", refusal.verb, refusal.outcome);
        Ok(None)
    }

    /// Records one `event` line per secret of `report` (and the fall-throughs) in the
    /// audit log, if there is one.
    pub fn audit_report(&self, event: Event, report: &Report) -> Result<(), AuditError> {
        self.audit
            .as_ref()
            .map_or(Ok(()), |log| log.record_report(event, report))
    }

    /// Records one line in the audit log, if there is one.
    pub fn audit(
        &self,
        event: Event,
        key: &str,
        origin: Option<&Origin>,
        outcome: Outcome,
    ) -> Result<(), AuditError> {
        self.audit.as_ref().map_or(Ok(()), |log| {
            log.record(event, Some(key), origin, outcome, None)
        })
    }

    /// [`Session::audit`] for an access in `environment`, not the session's own.
    pub fn audit_in(
        &self,
        environment: &str,
        event: Event,
        key: &str,
        origin: Option<&Origin>,
        outcome: Outcome,
    ) -> Result<(), AuditError> {
        self.audit.as_ref().map_or(Ok(()), |log| {
            log.record_in(environment, event, Some(key), origin, outcome, None)
        })
    }
}

/// The manifest `options` name (else `SECRETARY_MANIFEST`, else the nearest
/// `secrets.toml`), and the working directory it was found from.
pub fn discover(options: &Global, vars: &Variables) -> Result<(Manifest, PathBuf), Failure> {
    let cwd = working_directory()?;
    let manifest = Manifest::discover(options.manifest.as_deref(), vars, &cwd)?;
    Ok((manifest, cwd))
}

/// The working directory, which relative paths are read from.
pub fn working_directory() -> Result<PathBuf, Failure> {
    std::env::current_dir().map_err(|error| {
        Failure::Secretary(secretary::Error::WorkingDirectory {
            reason: error.into(),
        })
    })
}

/// The audit log `--audit-log` or the manifest's `[audit]` names, opened, with its
/// warnings said; `None` when there is none.
fn open_audit(
    options: &Global,
    manifest: &Manifest,
    environment: &str,
    vars: &Variables,
) -> Result<Option<AuditLog>, AuditError> {
    let target = match &options.audit_log {
        Some(path) if path.as_os_str() == "-" => Target::Stderr,
        Some(path) => Target::File(path.clone()),
        None => match manifest.audit() {
            Some(target) => target.clone(),
            None => return Ok(None),
        },
    };
    let log = AuditLog::open(&target, environment, vars)?;
    for warning in log.warnings() {
        Diagnostic::warning(warning.clone()).say();
    }
    Ok(Some(log))
}

/// The global options in effect: each given after the command wins over the same one
/// given before it.
pub fn options(args: &Args) -> Global {
    let before = &args.global;
    let Some(after) = given_after(&args.command) else {
        return before.clone();
    };
    Global {
        manifest: after.manifest.clone().or_else(|| before.manifest.clone()),
        environment: after
            .environment
            .clone()
            .or_else(|| before.environment.clone()),
        audit_log: after.audit_log.clone().or_else(|| before.audit_log.clone()),
    }
}

/// The global options given after `command`, if it takes them.
fn given_after(command: &Command) -> Option<Global> {
    let Command::Manifest(command) = command else {
        return None;
    };
    Some(match command {
        ManifestCommand::List { global, .. } | ManifestCommand::Allow { global } => Global {
            manifest: global.manifest.clone(),
            ..Global::default()
        },
        ManifestCommand::Environment(command) => match command {
            EnvironmentCommand::Check { global, .. }
            | EnvironmentCommand::Status { global, .. }
            | EnvironmentCommand::Get { global, .. }
            | EnvironmentCommand::Export { global, .. }
            | EnvironmentCommand::Example { global, .. }
            | EnvironmentCommand::Redact { global }
            | EnvironmentCommand::Put { global, .. }
            | EnvironmentCommand::Rotate { global, .. }
            | EnvironmentCommand::Rollback { global, .. } => global.clone(),
            EnvironmentCommand::Import(import) => import.global.clone(),
            EnvironmentCommand::Run(run) => run.global.clone(),
            EnvironmentCommand::Scan(scan) => scan.global.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap::Parser as _;

    use super::options;
    use crate::args::Args;

    fn parsed(words: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("secretary").chain(words.iter().copied())).unwrap()
    }

    #[test]
    fn an_option_after_the_command_wins_over_the_same_one_before_it() {
        let options = options(&parsed(&[
            "--env",
            "staging",
            "--manifest",
            "a.toml",
            "check",
            "--env",
            "production",
        ]));
        assert_eq!(options.environment.as_deref(), Some("production"));
        assert_eq!(options.manifest, Some(PathBuf::from("a.toml")));
        assert_eq!(options.audit_log, None);
    }

    #[test]
    fn options_of_run_and_scan_are_read_after_the_command_too() {
        let run = options(&parsed(&["run", "--audit-log", "-", "--", "true"]));
        assert_eq!(run.audit_log, Some(PathBuf::from("-")));
        let scan = options(&parsed(&[
            "--env",
            "a",
            "scan",
            ".",
            "--manifest",
            "m.toml",
        ]));
        assert_eq!(scan.environment.as_deref(), Some("a"));
        assert_eq!(scan.manifest, Some(PathBuf::from("m.toml")));
    }

    #[test]
    fn list_takes_the_manifest_from_either_side_and_nothing_else() {
        let list = options(&parsed(&["list", "--manifest", "b.toml"]));
        assert_eq!(list.manifest, Some(PathBuf::from("b.toml")));
        assert_eq!(list.environment, None);
        let before = options(&parsed(&["--manifest", "c.toml", "list"]));
        assert_eq!(before.manifest, Some(PathBuf::from("c.toml")));
    }

    #[test]
    fn a_command_that_reads_no_manifest_keeps_the_options_given_before_it() {
        let generate = options(&parsed(&["generate"]));
        assert_eq!(generate.manifest, None);
        assert_eq!(generate.environment, None);
    }
}
