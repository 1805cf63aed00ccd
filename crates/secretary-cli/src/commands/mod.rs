//! One file per subcommand; this module dispatches. A command that reads the manifest
//! and picks an environment runs in a [`Session`] with its own settings
//! ([`settings`]); every other takes its flags. A command returns its verdict as a
//! [`Status`], or a [`Failure`], which is said here, once.

mod allow;
mod cache;
mod check;
mod example;
mod export;
mod failure;
mod generate;
mod get;
mod help;
mod import;
mod init;
mod lint;
mod list;
mod output;
mod provider_check;
mod put;
mod redact;
mod rotate;
mod run;
pub(crate) use run::{log_out, unrevoked};
mod scan;
mod session;
mod settings;
mod status;
mod watch;

use std::io::Write as _;

use secretary::Variables;
use secretary::source::exec::conformance::Kit;

pub use self::failure::Failure;
use self::output::Stdout;
use self::session::Session;
use self::settings::{
    CheckSettings, ExampleSettings, ExportSettings, GetSettings, ImportSettings, InitSettings,
    PutSettings, RollbackSettings, RotateSettings, RunSettings, ScanSettings, StatusSettings,
};
use crate::args::{Args, Command, EnvironmentCommand, ManifestCommand};
use crate::diagnostic::Diagnostic;
use crate::exit::Status;

/// Runs the command `args` names, with the process's variables `vars`; says why when it
/// could not finish. The status to exit with.
pub fn run(args: &Args, vars: Variables) -> Status {
    // Not locked: `run --redact` writes to stdout from its own threads.
    let out = Stdout::new();
    let mut writer = &out;
    let outcome = match &args.command {
        Command::Manifest(command) => return with_manifest(args, command, vars, out),
        Command::Generate { bytes, format } => generate::run(*bytes, *format, &mut writer),
        Command::Init {
            from,
            output,
            production,
        } => init::run(&InitSettings::new(from, output, production), &mut writer),
        Command::Lint { files } => lint::run(files, &mut writer),
        Command::Schema => help::schema(&mut writer),
        Command::Completions { shell } => help::completions(*shell, &mut writer),
        Command::Man { dir } => help::man(dir.as_deref(), &mut writer),
        Command::ProviderCheck {
            keys,
            pass_env,
            timeout,
            command,
        } => {
            let kit = Kit {
                command,
                keys,
                pass_env,
                timeout: *timeout,
            };
            provider_check::run(&kit, &vars, &mut writer)
        }
        Command::Cache(command) => cache::run(command, &vars, &mut writer),
    };
    finish(outcome, &out)
}

/// The status of a command that ended with `outcome`, once what it wrote is flushed; a
/// failure is said.
fn finish(outcome: Result<Status, Failure>, mut out: &Stdout) -> Status {
    let flushed = outcome.and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    flushed.unwrap_or_else(Failure::say)
}

/// Runs a command that reads the manifest.
fn with_manifest(args: &Args, command: &ManifestCommand, vars: Variables, out: Stdout) -> Status {
    let options = session::options(args);
    // Named in what it says to run, whatever chose it: a manifest a variable set for
    // one command is not there when the advice is pasted (a thirty-fifth adversarial
    // pass rotated another application's secret so).
    let chosen = options.manifest.clone().or_else(|| {
        vars.get("SECRETARY_MANIFEST")
            .filter(|path| !path.is_empty())
            .map(std::path::PathBuf::from)
    });
    if let Some(path) = &chosen {
        crate::invocation::manifest_given(path);
    }
    let mut writer = &out;
    let command = match command {
        ManifestCommand::List { format, .. } => {
            let outcome = session::discover(&options, &vars)
                .and_then(|(manifest, _)| list::run(&manifest, *format, &mut writer));
            return finish(outcome, &out);
        }
        ManifestCommand::Allow { .. } => {
            let outcome = session::discover(&options, &vars)
                .and_then(|(manifest, _)| allow::run(&manifest, &vars, &mut writer));
            return finish(outcome, &out);
        }
        ManifestCommand::Environment(command) => command,
    };
    let session = match Session::open(&options, vars, out) {
        Ok(session) => session,
        Err(failure) => return failure.say(),
    };
    crate::invocation::environment_used(&session.environment().name);
    let outcome = dispatch(&session, command);
    // The leases go as they always did: before what was written is flushed, after a
    // failure is said.
    let failed = outcome.is_err();
    if !failed {
        leases_after(command);
    }
    let status = finish(outcome, session.out());
    if failed {
        leases_after(command);
    }
    status
}

/// Runs `command` in `session`, with the settings its flags give.
fn dispatch(session: &Session, command: &EnvironmentCommand) -> Result<Status, Failure> {
    match command {
        EnvironmentCommand::Check { format, .. } => {
            check::run(session, &CheckSettings { format: *format })
        }
        EnvironmentCommand::Status { format, .. } => {
            status::run(session, &StatusSettings { format: *format })
        }
        EnvironmentCommand::Get { key, .. } => get::run(session, &GetSettings { key }),
        EnvironmentCommand::Put { key, cas, .. } => {
            put::run(session, &PutSettings { key, cas: *cas })
        }
        EnvironmentCommand::Rotate { keys, due, .. } => {
            rotate::run(session, &RotateSettings { keys, due: *due })
        }
        EnvironmentCommand::Rollback { key, to, .. } => {
            rotate::rollback(session, &RollbackSettings { key, to: *to })
        }
        EnvironmentCommand::Import(args) => import::run(session, &ImportSettings::from(args)),
        EnvironmentCommand::Run(args) => run::run(session, &RunSettings::from(args)),
        EnvironmentCommand::Export {
            format,
            output,
            only,
            ..
        } => export::run(
            session,
            &ExportSettings::new(*format, output.as_deref(), only),
        ),
        EnvironmentCommand::Example { output, check, .. } => example::run(
            session,
            &ExampleSettings {
                output: output.as_deref(),
                check: *check,
            },
        ),
        EnvironmentCommand::Redact { .. } => redact::run(session),
        EnvironmentCommand::Scan(args) => scan::run(session, &ScanSettings::from(args)),
    }
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
            Diagnostic::note(format!(
                "the credentials from {} live until their lease ends, in {} (lease {}); `bao lease revoke {}` ends them sooner",
                lease.path,
                secretary::validate::show_duration(lease.ttl_left),
                lease.id,
                secretary::printable::shell_word(&lease.id)
            ))
            .say();
        }
        run::say_unrevoked(&leases::failed_revocations());
        // Kept while a lease is: the lease ends with the token that read it.
        run::log_out();
        return;
    }
    run::revoke_leases();
}

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
