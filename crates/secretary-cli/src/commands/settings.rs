//! Each command's settings, built once from its flags: what it was asked to do, in the
//! terms it works in. A command that picks an environment takes its settings beside the
//! [`super::Session`]; the dispatcher builds them.

use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secretary::export;
use secretary::init::Store;
use secretary::scan;
use signal_hook::consts::SIGHUP;

use super::failure::Failure;
use crate::args::{ExportFormat, Format, ImportArgs, OnChange, RunArgs, ScanArgs};
use crate::child::Program;

/// `check`'s settings.
#[derive(Debug)]
pub struct CheckSettings {
    /// Text or JSON.
    pub format: Format,
}

/// `status`'s settings.
#[derive(Debug)]
pub struct StatusSettings {
    /// Text or JSON.
    pub format: Format,
}

/// `get`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct GetSettings<'a> {
    /// The secret whose value is printed.
    pub key: &'a str,
}

/// `put`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct PutSettings<'a> {
    /// The secret written.
    pub key: &'a str,
    /// `--cas`: the version this write replaces (default: the version just read).
    pub cas: Option<u64>,
}

/// `rotate`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct RotateSettings<'a> {
    /// The secrets rotated (none with `due`).
    pub keys: &'a [String],
    /// `--due`: every secret overdue for rotation whose new value secretary makes.
    pub due: bool,
}

/// `rollback`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct RollbackSettings<'a> {
    /// The secret rolled back.
    pub key: &'a str,
    /// `--to`: the version whose value is written again (default: the one before).
    pub to: Option<NonZeroU64>,
}

/// `import`'s settings.
#[derive(Debug)]
pub struct ImportSettings<'a> {
    /// `--from`: the environment whose values are copied.
    pub from: Option<&'a str>,
    /// `--from-source`: the one source whose values are copied instead.
    pub from_source: Option<&'a str>,
    /// `--only` (empty: every secret).
    pub only: Vec<&'a str>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--overwrite`.
    pub overwrite: bool,
    /// Text or JSON.
    pub format: Format,
}

impl<'a> From<&'a ImportArgs> for ImportSettings<'a> {
    fn from(args: &'a ImportArgs) -> Self {
        Self {
            from: args.from.as_deref(),
            from_source: args.from_source.as_deref(),
            only: args.only.iter().map(String::as_str).collect(),
            dry_run: args.dry_run,
            overwrite: args.overwrite,
            format: args.format,
        }
    }
}

/// `run`'s settings, which `run` and `run --watch` both read.
#[derive(Debug)]
pub struct RunSettings<'a> {
    /// The keys of `--only` (empty: every secret).
    pub only: Vec<&'a str>,
    /// What to start.
    pub program: Program<'a>,
    /// `--redact`.
    pub redact: bool,
    /// `--watch` and its companions.
    pub watch: Option<Watch>,
    /// `--on-change`, as given.
    pub on_change: Option<OnChange>,
    /// `--grace`.
    pub grace: Duration,
}

/// How `run` watches its program: `--watch`'s settings, or those of a run that watches
/// only its leases.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// How often the secrets are resolved again.
    pub every: Duration,
    /// What a changed value does to the program.
    pub on_change: OnChange,
    /// How long the program has to stop before SIGKILL.
    pub grace: Duration,
}

/// The interval of a `run` that watches only its leases (no `--watch`): never reached.
pub const LEASES_ONLY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl RunSettings<'_> {
    /// How `run` watches its program, when it does: as `--watch` says; else, when it
    /// holds credentials with a lease (`leased`), for them alone, restarting the program
    /// with new ones unless `--on-change` says otherwise. `--on-change` with neither is a
    /// usage error: nothing would ever change.
    pub fn supervision(&self, leased: bool) -> Result<Option<Watch>, Failure> {
        match (self.watch, leased) {
            (Some(watch), _) => Ok(Some(watch)),
            (None, true) => Ok(Some(Watch {
                every: LEASES_ONLY,
                on_change: self.on_change.unwrap_or(OnChange::Restart),
                grace: self.grace,
            })),
            (None, false) if self.on_change.is_some() => Err(Failure::OnChangeAlone),
            (None, false) => Ok(None),
        }
    }
}

impl<'a> From<&'a RunArgs> for RunSettings<'a> {
    fn from(args: &'a RunArgs) -> Self {
        Self {
            only: args.only.iter().map(String::as_str).collect(),
            program: Program {
                argv: &args.command,
                shell: args.shell,
                reset: args.reset,
            },
            redact: args.redact,
            watch: args.watch.map(|every| Watch {
                every,
                on_change: args.on_change.unwrap_or(OnChange::Signal(SIGHUP)),
                grace: args.grace,
            }),
            on_change: args.on_change,
            grace: args.grace,
        }
    }
}

/// `init`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct InitSettings<'a> {
    /// `--from`: the `.env` files read, in order (none: `.env`, else `.env.example`).
    pub from: &'a [PathBuf],
    /// `--output`: where the manifest goes (`-`: stdout).
    pub output: &'a Path,
    /// `--production`: the store production reads.
    pub store: Store,
}

impl<'a> InitSettings<'a> {
    /// From `init`'s flags; `production` is one of the names clap allows.
    pub fn new(from: &'a [PathBuf], output: &'a Path, production: &str) -> Self {
        Self {
            from,
            output,
            store: if production == "aws_secrets_manager" {
                Store::AwsSecretsManager
            } else {
                Store::Vault
            },
        }
    }
}

/// `export`'s settings.
#[derive(Debug)]
pub struct ExportSettings<'a> {
    /// The library's format.
    pub format: export::Format,
    /// `--output`: the file replaced (default: stdout).
    pub output: Option<&'a Path>,
    /// `--only` (empty: every secret).
    pub only: Vec<&'a str>,
}

impl<'a> ExportSettings<'a> {
    /// From `export`'s flags.
    pub fn new(format: ExportFormat, output: Option<&'a Path>, only: &'a [String]) -> Self {
        Self {
            format: match format {
                ExportFormat::Dotenv => export::Format::Dotenv,
                ExportFormat::Json => export::Format::Json,
                ExportFormat::Shell => export::Format::Shell,
            },
            output,
            only: only.iter().map(String::as_str).collect(),
        }
    }
}

/// `example`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct ExampleSettings<'a> {
    /// `--output`: where the template goes, or (with `check`) the file compared.
    pub output: Option<&'a Path>,
    /// `--check`: compare instead of writing.
    pub check: bool,
}

/// `scan`'s settings.
#[derive(Debug)]
pub struct ScanSettings<'a> {
    /// The files and directories searched.
    pub paths: &'a [PathBuf],
    /// Text or JSON.
    pub format: Format,
    /// How the tree is walked (`--no-ignore`, `--follow`).
    pub options: scan::Options,
    /// `--min-length`: values shorter than this are not searched.
    pub min_length: usize,
}

impl<'a> From<&'a ScanArgs> for ScanSettings<'a> {
    fn from(args: &'a ScanArgs) -> Self {
        let mut options = scan::Options::default();
        options.ignore_files = !args.no_ignore;
        options.follow_links = args.follow;
        Self {
            paths: &args.paths,
            format: args.format,
            options,
            min_length: usize::from(args.min_length),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use signal_hook::consts::SIGHUP;

    use super::{LEASES_ONLY, RunSettings, Watch};
    use crate::args::{Args, Command, EnvironmentCommand, ManifestCommand, OnChange};
    use crate::commands::Failure;

    fn run_args(words: &[&str]) -> Args {
        Args::try_parse_from(
            ["secretary", "run"]
                .into_iter()
                .chain(words.iter().copied()),
        )
        .unwrap()
    }

    fn run_of(args: &Args) -> &crate::args::RunArgs {
        let Command::Manifest(ManifestCommand::Environment(EnvironmentCommand::Run(run))) =
            &args.command
        else {
            panic!("not run: {args:?}");
        };
        run
    }

    fn settings(args: &Args) -> RunSettings<'_> {
        RunSettings::from(run_of(args))
    }

    #[test]
    fn watch_signals_hup_unless_told_otherwise() {
        let args = run_args(&["--watch", "5m", "--only", "a,b", "--", "app", "x"]);
        let settings = settings(&args);
        let Some(Watch {
            every, on_change, ..
        }) = settings.watch
        else {
            panic!("no watch");
        };
        assert_eq!(every, std::time::Duration::from_secs(300));
        assert_eq!(on_change, OnChange::Signal(SIGHUP));
        assert_eq!(settings.on_change, None);
        assert_eq!(settings.only, ["a", "b"]);
        assert_eq!(settings.program.argv, ["app", "x"]);
    }

    #[test]
    fn without_watch_there_is_no_watch_but_on_change_is_kept() {
        let args = run_args(&["--on-change", "restart", "--", "app"]);
        let settings = settings(&args);
        assert!(settings.watch.is_none());
        assert_eq!(settings.on_change, Some(OnChange::Restart));
    }

    #[test]
    fn a_run_with_leases_watches_them_alone_and_restarts_by_default() {
        let args = run_args(&["--", "app"]);
        let settings = settings(&args);
        assert!(settings.supervision(false).unwrap().is_none());
        let watch = settings.supervision(true).unwrap().unwrap();
        assert_eq!(watch.every, LEASES_ONLY);
        assert_eq!(watch.on_change, OnChange::Restart);
        let watched = run_args(&["--watch", "1m", "--", "app"]);
        let watch = super::RunSettings::from(run_of(&watched))
            .supervision(true)
            .unwrap()
            .unwrap();
        assert_eq!(watch.every, std::time::Duration::from_secs(60));
    }

    #[test]
    fn on_change_without_watch_or_leases_is_refused() {
        let args = run_args(&["--on-change", "signal:USR1", "--", "app"]);
        let settings = settings(&args);
        assert!(matches!(
            settings.supervision(false),
            Err(Failure::OnChangeAlone)
        ));
        let watch = settings.supervision(true).unwrap().unwrap();
        assert_eq!(
            watch.on_change,
            OnChange::Signal(signal_hook::consts::SIGUSR1)
        );
    }
}
