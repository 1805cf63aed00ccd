//! One file per subcommand; this module finds the manifest and dispatches.

mod allow;
mod cache;
mod check;
mod example;
mod export;
mod generate;
mod get;
mod help;
mod import;
mod init;
mod lint;
mod list;
mod provider_check;
mod put;
mod redact;
mod rotate;
mod run;
mod scan;
mod status;
mod watch;

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;

use secretary::audit::{AuditError, AuditLog, Event, Outcome, Target};

use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, Variables};
use secretary::{Scope, resolve};

use crate::args::{Args, Command, EnvironmentCommand, Global, ManifestCommand};
use crate::exit::Status;
use crate::render;

/// Why a command could not finish.
#[derive(Debug)]
pub enum Failure {
    /// The library refused: no manifest, a bad one, an unknown environment or key.
    Secretary(secretary::Error),
    /// Writing standard output failed (a reader that went away is not a failure: see
    /// [`Stdout`]).
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
        /// The keys the command then did not write (a rotation of several).
        left: Vec<String>,
        /// Why the log could not record them.
        error: AuditError,
    },
    /// `run` could not watch over its program: set up signal forwarding, wait for it, or
    /// stop it. (A program that cannot be started is not this: `run` says so and exits
    /// 126 or 127, as a shell does.)
    Process(io::Error),
    /// Anything else the operating system refused; the error says what was being done.
    Io(io::Error),
    /// A last-known-good copy could not be listed or removed (`secretary cache`).
    Cache(secretary::outage::CopyError),
}

/// Why a command could not finish, as people read it: `error: ...`, what it concerns
/// (`  wrote: ...`), and `  help: ...`. The one place a [`Failure`] is worded.
///
pub fn render(failure: Failure) -> String {
    use secretary::audit::AuditError;
    let mut text = String::new();
    let mut line = |part: String| {
        text.push_str(&part);
        text.push('\n');
    };
    match failure {
        Failure::Secretary(failure) => return render::error(failure),
        Failure::Output(failure) => line(format!("error: cannot write output: {failure}")),
        // Nothing may go unrecorded: stop, even when the log's sink is a closed pipe.
        Failure::Audit(failure @ AuditError::Key { .. }) => {
            line(format!("error: {failure}"));
            line("  help: make a key with `secretary generate` (32 random bytes) and set SECRETARY_AUDIT_KEY to it; nothing was read or run".to_owned());
        }
        Failure::Audit(failure) => {
            line(format!("error: {failure}"));
            line("  help: secretary stops at the first access it cannot record; fix the audit log's path, permissions or free space (--audit-log, or the manifest's [audit])".to_owned());
        }
        Failure::Stopped { done, left, error } => {
            line(format!("error: {error}; stopped before the next write"));
            for locator in &done {
                line(format!("  already written (and recorded): {locator}"));
            }
            for key in &left {
                line(format!("  not written: {key}"));
            }
            line("  help: run again only for what was not written; fix the audit log's path, permissions or free space first (--audit-log, or the manifest's [audit])".to_owned());
        }
        // A write landed: say exactly what, never "nothing happened".
        Failure::Unaudited {
            written,
            left,
            error,
        } => {
            let what = if written.len() == 1 {
                "a write"
            } else {
                "writes"
            };
            line(format!(
                "error: the audit log could not record {what} that happened: {error}"
            ));
            for locator in &written {
                line(format!("  wrote: {locator}"));
            }
            for key in &left {
                line(format!(
                    "  not written: {key} (run the command for it alone)"
                ));
            }
            line("  help: these writes happened: do not run the command again (it would write new versions); record them where your audit trail is kept, then fix the audit log's path, permissions or free space".to_owned());
        }
        Failure::Process(failure) => {
            line(format!("error: {failure}"));
            line("  help: the program may still be running; check for it (ps) before starting it again".to_owned());
        }
        Failure::Io(failure) => line(format!("error: {failure}")),
        Failure::Cache(failure) => {
            line(format!("error: {failure}"));
            line(format!("  help: {}", failure.hint()));
        }
    }
    text
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
    /// An error that [`Stdout`] marked is [`Failure::Output`]; any other is
    /// [`Failure::Io`].
    fn from(error: io::Error) -> Self {
        if error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<StdoutError>())
            .is_some()
        {
            Self::Output(error)
        } else {
            Self::Io(error)
        }
    }
}

/// A failed write to standard output, told apart from every other I/O error by its type.
#[derive(Debug)]
struct StdoutError(io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StdoutError {}

/// Standard output, whose errors say that they are its own.
///
/// When its reader goes away (`secretary scan . | head`), what is written after is
/// dropped, and the command runs to its end and returns its verdict: `scan` that found
/// values still exits 1, `list` 0. Only `redact`, which could read its input for ever,
/// writes to stdout itself and stops at a closed pipe.
pub struct Stdout {
    inner: io::Stdout,
    /// The reader went away: nothing more is written.
    gone: bool,
}

impl Stdout {
    fn new() -> Self {
        Self {
            inner: io::stdout(),
            gone: false,
        }
    }

    /// `error`, marked as stdout's; a closed pipe is no error (and closes this).
    fn settle<T>(&mut self, result: io::Result<T>, instead: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(instead)
            }
            Err(error) => Err(io::Error::new(error.kind(), StdoutError(error))),
            Ok(value) => Ok(value),
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.gone {
            return Ok(bytes.len());
        }
        let written = self.inner.write(bytes);
        self.settle(written, bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let flushed = self.inner.flush();
        self.settle(flushed, ())
    }
}

/// Runs the command `args` names.
pub fn run(args: &Args, vars: &Variables) -> Result<Status, Failure> {
    // Not locked: `run --redact` writes to stdout from its own threads.
    let mut out = Stdout::new();
    let status = match &args.command {
        Command::Manifest(command) => with_manifest(args, command, vars, &mut out)?,
        Command::Generate { bytes, format } => generate::run(*bytes, *format, &mut out)?,
        Command::Init {
            from,
            output,
            production,
        } => init::run(from, output, production, &mut out)?,
        Command::Lint { files } => lint::run(files, &mut out)?,
        Command::Schema => help::schema(&mut out)?,
        Command::Completions { shell } => help::completions(*shell, &mut out)?,
        Command::Man { dir } => help::man(dir.as_deref(), &mut out)?,
        Command::ProviderCheck {
            keys,
            pass_env,
            timeout,
            command,
        } => provider_check::run(command, keys, pass_env, *timeout, vars, &mut out)?,
        Command::Cache(command) => cache::run(command, vars, &mut out)?,
    };
    out.flush()?;
    Ok(status)
}

/// Runs a command that reads the manifest.
fn with_manifest(
    args: &Args,
    command: &ManifestCommand,
    vars: &Variables,
    out: &mut Stdout,
) -> Result<Status, Failure> {
    let options = args.options();
    let cwd = std::env::current_dir().map_err(|error| secretary::Error::WorkingDirectory {
        reason: error.into(),
    })?;
    let manifest = Manifest::discover(options.manifest.as_deref(), vars, &cwd)?;
    let command = match command {
        ManifestCommand::List { format, .. } => return list::run(&manifest, *format, out),
        ManifestCommand::Allow { .. } => return allow::run(&manifest, vars, out),
        ManifestCommand::Environment(command) => command,
    };
    let environment = manifest.select_environment(options.environment.as_deref(), vars)?;
    open_audit(&options, &manifest, &environment.name, vars)?;
    // Every lease event is audited: issued, renewed, re-issued, revoked.
    secretary::source::leases::observe(|event| {
        if let Some(log) = AUDIT.get() {
            if let Err(error) = log.record_lease(event) {
                say!("warning: {error}");
            }
        }
    });
    let status = match command {
        EnvironmentCommand::Check { format, .. } => {
            check::run(&manifest, environment, vars, *format, out)?
        }
        EnvironmentCommand::Status { format, .. } => {
            status::run(&manifest, environment, vars, *format, out)?
        }
        EnvironmentCommand::Get { key, .. } => get::run(&manifest, environment, vars, key, out)?,
        EnvironmentCommand::Put { key, cas, .. } => {
            put::run(&manifest, environment, vars, key, *cas, out)?
        }
        EnvironmentCommand::Rotate { keys, due, .. } => {
            rotate::run(&manifest, environment, vars, keys, *due, out)?
        }
        EnvironmentCommand::Rollback { key, to, .. } => {
            rotate::rollback(&manifest, environment, vars, key, *to, out)?
        }
        EnvironmentCommand::Import {
            from,
            from_source,
            only,
            dry_run,
            overwrite,
            format,
            ..
        } => import::run(
            &manifest,
            environment,
            vars,
            &import::Settings {
                from: from.as_deref(),
                from_source: from_source.as_deref(),
                only,
                dry_run: *dry_run,
                overwrite: *overwrite,
                format: *format,
            },
            out,
        )?,
        EnvironmentCommand::Run(run_args) => run::run(
            &manifest,
            environment,
            vars,
            &crate::child::Settings::from(run_args),
        )?,
        EnvironmentCommand::Export {
            format,
            output,
            only,
            ..
        } => export::run(
            &manifest,
            environment,
            vars,
            *format,
            output.as_deref(),
            only,
            out,
        )?,
        EnvironmentCommand::Example { output, check, .. } => {
            example::run(&manifest, environment, output.as_deref(), *check, out)?
        }
        EnvironmentCommand::Redact { .. } => redact::run(&manifest, environment, vars)?,
        EnvironmentCommand::Scan(scan_args) => {
            scan::run(&manifest, environment, vars, scan_args, out)?
        }
    };
    leases_after(command);
    Ok(status)
}

/// What becomes of the leases a command took: `get` and `export` hand their credentials
/// out, so those live on until their TTL ends (and say so); every other command revokes
/// them before it exits (`check` thereby proves the path can be read, and leaves no live
/// credentials behind).
fn leases_after(command: &EnvironmentCommand) {
    use secretary::source::leases;
    if matches!(
        command,
        EnvironmentCommand::Get { .. } | EnvironmentCommand::Export { .. }
    ) {
        for lease in leases::held() {
            say!(
                "note: the credentials from {} live until their lease ends, in {} (lease {}); `bao lease revoke {}` ends them sooner",
                lease.path,
                secretary::validate::show_duration(lease.ttl_left),
                lease.id,
                lease.id
            );
        }
        return;
    }
    run::revoke_leases();
}

/// The audit log of this process, when one is configured (`--audit-log` or `[audit]`).
static AUDIT: OnceLock<AuditLog> = OnceLock::new();

fn open_audit(
    options: &Global,
    manifest: &Manifest,
    environment: &str,
    vars: &Variables,
) -> Result<(), AuditError> {
    let target = match &options.audit_log {
        Some(path) if path.as_os_str() == "-" => Target::Stderr,
        Some(path) => Target::File(path.clone()),
        None => match manifest.audit() {
            Some(target) => target.clone(),
            None => return Ok(()),
        },
    };
    let log = AuditLog::open(&target, environment, vars)?;
    for warning in log.warnings() {
        say!("warning: {warning}");
    }
    let _ = AUDIT.set(log);
    Ok(())
}

/// Records one `event` line per secret of `report` (and the fall-throughs) in the audit
/// log, if there is one.
fn audit_report(event: Event, report: &secretary::Report) -> Result<(), AuditError> {
    AUDIT
        .get()
        .map_or(Ok(()), |log| log.record_report(event, report))
}

/// Records one line in the audit log, if there is one.
fn audit(
    event: Event,
    key: &str,
    origin: Option<&secretary::Origin>,
    outcome: Outcome,
) -> Result<(), AuditError> {
    AUDIT.get().map_or(Ok(()), |log| {
        log.record(event, Some(key), origin, outcome, None)
    })
}

/// [`audit`] for an access in `environment`, not the command's own.
fn audit_in(
    environment: &str,
    event: Event,
    key: &str,
    origin: Option<&secretary::Origin>,
    outcome: Outcome,
) -> Result<(), AuditError> {
    AUDIT.get().map_or(Ok(()), |log| {
        log.record_in(environment, event, Some(key), origin, outcome, None)
    })
}

/// All secrets when `keys` is empty, else those.
fn scope<'a>(keys: &'a [&'a str]) -> Scope<'a> {
    if keys.is_empty() {
        Scope::All
    } else {
        Scope::Keys(keys)
    }
}

/// Resolves `keys` (all when empty), records `event` in the audit log and prints the
/// warnings. With any problem, prints the full report and `secretary {verb}: {outcome}`
/// on stderr and returns `None`.
fn resolve_or_report(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    keys: &[&str],
    (event, verb, outcome): (Event, &str, &str),
) -> Result<Option<secretary::Report>, Failure> {
    let report = resolve(manifest, environment, vars, scope(keys))?;
    audit_report(event, &report)?;
    say_raw!("{}", render::warnings(&report));
    if report.is_ok() {
        return Ok(Some(report));
    }
    let shown = manifest.shown_path().display().to_string();
    say_raw!("{}", render::problems(&report));
    say!("{}", check::summary(&report, &shown));
    say!("secretary {verb}: {outcome}");
    Ok(None)
}

/// Writes `bytes` to `path` through a temporary file of `mode` in the same directory,
/// renamed into place: a reader never sees half a file, a failure leaves the old one as
/// it was, and a link (hard or symbolic) at `path` is replaced, never written through.
///
/// Only a regular file (or a link to one, or to nothing) is replaced: a FIFO, a device
/// or a directory at `path`, or behind a link there, is refused, and so is a path in the
/// kernel's trees (`/dev`, `/proc`, `/sys`; `/dev/shm` aside), where `--output
/// /dev/stdout` would replace the system's link with a file.
fn replace_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let refused = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what}; only a regular file is replaced (write to a file, or use stdout)"),
        )
    };
    let not_regular = |kind: fs::FileType| !kind.is_file() && !kind.is_symlink();
    if fs::symlink_metadata(path).is_ok_and(|meta| not_regular(meta.file_type()))
        || fs::metadata(path).is_ok_and(|meta| !meta.is_file())
    {
        return Err(refused(
            "it is not a regular file (a FIFO, a device or a directory)",
        ));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if fs::canonicalize(parent).is_ok_and(|real| secretary::file::in_kernel_tree(&real)) {
        return Err(refused("it is in a system directory (/dev, /proc or /sys)"));
    }
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".secretary-{}", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Writes `document` as pretty JSON and a newline, with `schema_version` first.
/// A secret's age and rotation, for `check` and `status` JSON: present when the source
/// says when its value was written (Vault KV v2).
#[derive(serde::Serialize)]
struct Age {
    /// When the value was written (RFC 3339, UTC).
    written: String,
    #[serde(rename = "age_seconds")]
    seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate_every_seconds: Option<u64>,
    /// When it is due for rotation (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_due: Option<String>,
    overdue: bool,
}

impl Age {
    fn of(resolution: &secretary::Resolution, now: std::time::SystemTime) -> Option<Self> {
        let written = resolution.written?;
        let due = resolution.rotation_due();
        Some(Self {
            written: humantime::format_rfc3339_seconds(written).to_string(),
            seconds: resolution.age(now).unwrap_or_default().as_secs(),
            rotate_every_seconds: resolution
                .spec
                .rotation
                .as_ref()
                .and_then(|rotation| rotation.every)
                .map(|every| every.as_secs()),
            rotation_due: due.map(|due| humantime::format_rfc3339_seconds(due).to_string()),
            overdue: due.is_some_and(|due| now >= due),
        })
    }
}

fn write_json(out: &mut impl Write, document: &impl serde::Serialize) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Versioned<'a, T> {
        schema_version: u32,
        #[serde(flatten)]
        document: &'a T,
    }
    let versioned = Versioned {
        schema_version: secretary::JSON_SCHEMA_VERSION,
        document,
    };
    serde_json::to_writer_pretty(&mut *out, &versioned).map_err(io::Error::other)?;
    writeln!(out)
}

/// A stale secret in `check` and `status` JSON: served from the last-known-good copy.
#[derive(serde::Serialize)]
struct StaleOut<'a> {
    key: &'a str,
    source: &'a str,
    age_seconds: u64,
    /// Why the source could not be read.
    cause: String,
}

impl<'a> StaleOut<'a> {
    fn one(resolution: &'a secretary::Resolution) -> Option<Self> {
        let stale = resolution.stale.as_ref()?;
        Some(Self {
            key: resolution.key(),
            source: &stale.source,
            age_seconds: stale.age.as_secs(),
            cause: stale.cause.to_string(),
        })
    }

    fn of(report: &'a secretary::Report) -> Vec<Self> {
        report.resolutions.iter().filter_map(Self::one).collect()
    }
}
