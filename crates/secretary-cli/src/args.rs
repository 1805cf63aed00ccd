//! Every flag and subcommand of `secretary`, and nothing else.
#![expect(
    clippy::doc_markdown,
    reason = "doc comments here are clap help text, shown verbatim: backticks would show"
)]
#![allow(
    rustdoc::broken_intra_doc_links,
    reason = "help text, shown verbatim: `[redacted:KEY]` is what the user sees, not a link"
)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use secretary::validate::DurationError;

/// What `secretary` is, in its top-level help.
const ABOUT: &str = "Declare an application's secrets once, in secrets.toml; resolve each from \
    the environment, .env files, mounted secret files or Vault/OpenBao; validate them all at \
    once; hand them to the program; and audit every access, never printing a value.";

const EXAMPLES: &str = "\
Examples:
  secretary check                          every problem at once (exit 1 if any)
  secretary --env production status        where each secret comes from
  secretary run -- uvicorn src.api.main:app
  secretary generate | secretary --env production put secret_key
  secretary completions bash > ~/.local/share/bash-completion/completions/secretary

The manifest is --manifest, else $SECRETARY_MANIFEST, else secrets.toml here or in a parent.
Exit codes: 0 success, 1 problems found, 2 usage or manifest error; run: the program's.";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "secretary",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    max_term_width = 100,
    subcommand_help_heading = "Commands"
)]
pub struct Args {
    /// Options every command that reads the manifest takes, also given before it.
    #[command(flatten)]
    pub global: Global,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The options of every command that reads the manifest, its environment and the audit
/// log. They may come before the command or after it; after it wins.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The manifest [default: $SECRETARY_MANIFEST, else secrets.toml in this directory or the
    /// nearest parent].
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,

    /// The environment [default: the first set of the manifest's `environment_from` variables
    /// (ENVIRONMENT, ENV), else its `default_environment` (development)].
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,

    /// Append the audit log here (`-` for stderr) instead of where the manifest's [audit]
    /// says.
    #[arg(long, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
}

/// The one global option of `list`, which shows every environment and reads no value.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct ManifestOnly {
    /// The manifest [default: $SECRETARY_MANIFEST, else secrets.toml in this directory or the
    /// nearest parent].
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
}

impl Global {
    /// Whether any of these options was given.
    fn is_set(&self) -> bool {
        self.manifest.is_some() || self.environment.is_some() || self.audit_log.is_some()
    }
}

impl Args {
    /// Parses the process's arguments; global options given to a command that does not
    /// take them are a usage error (exit 2), not silently ignored.
    pub fn parse_checked() -> Self {
        use clap::CommandFactory as _;
        let args = Self::parse();
        let refused = match &args.command {
            Command::Manifest(ManifestCommand::List { .. }) => {
                let given = &args.global;
                (given.environment.is_some() || given.audit_log.is_some()).then_some(
                    "`list` shows every environment and reads no value: --env and --audit-log do not apply to it",
                )
            }
            Command::Manifest(ManifestCommand::Allow { .. }) => {
                let given = &args.global;
                (given.environment.is_some() || given.audit_log.is_some()).then_some(
                    "`allow` records the manifest's exec commands for every environment and reads no value: --env and --audit-log do not apply to it",
                )
            }
            Command::Manifest(_) => None,
            _ => args.global.is_set().then_some(
                "this command reads no manifest: --manifest, --env and --audit-log do not apply to it",
            ),
        };
        if let Some(message) = refused {
            Self::command()
                .error(clap::error::ErrorKind::ArgumentConflict, message)
                .exit();
        }
        args
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs: one JSON document, its fields documented ("JSON output").
    Json,
}

/// How `generate` writes its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// URL-safe base64 without padding (43 characters for 32 bytes).
    Urlsafe,
    /// Lower-case hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

impl From<Encoding> for secretary::generate::Encoding {
    fn from(encoding: Encoding) -> Self {
        match encoding {
            Encoding::Urlsafe => Self::Urlsafe,
            Encoding::Hex => Self::Hex,
            Encoding::Base64 => Self::Base64,
        }
    }
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// NAME='value' lines, for a .env file.
    Dotenv,
    /// One JSON object, name to value.
    Json,
    /// export NAME='value' lines, for `source` in sh or bash.
    Shell,
}

/// `run`'s flags, converted once into `run`'s settings (`RunSettings`).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Pass only these secrets (comma-separated keys).
    #[arg(long, value_delimiter = ',', value_name = "KEY,...")]
    pub only: Vec<String>,
    /// Start from a minimal environment (PATH, HOME, USER, LANG, TERM, TZ) instead of ours.
    #[arg(long)]
    pub reset: bool,
    /// Run the first word with /bin/sh -c as a script; the other words become its
    /// positional parameters ($1, $2, ...).
    #[arg(long)]
    pub shell: bool,
    /// Replace every secret value in the program's stdout and stderr with [redacted:KEY].
    #[arg(long)]
    pub redact: bool,
    /// Resolve again every DURATION (30s, 5m, 1h) and on SIGHUP to run itself; act
    /// on a changed value as --on-change says.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    pub watch: Option<Duration>,
    /// With --watch, or credentials with a lease: signal:NAME sends the program that
    /// signal (default with --watch: signal:HUP); restart stops it (SIGTERM, SIGKILL
    /// after --grace) and starts it with the new values (default for re-issued leases).
    #[arg(long, value_name = "ACTION", value_parser = parse_on_change)]
    pub on_change: Option<OnChange>,
    /// With --on-change restart: how long the program has to stop before SIGKILL.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_interval)]
    pub grace: Duration,
    /// The program and its arguments, after `--` (so that none of them is taken for an option
    /// of `run`).
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// The global options (last, so that their heading is theirs alone).
    #[command(flatten)]
    pub global: Global,
}

/// `scan --min-length`'s default: the library's.
const MIN_LENGTH: u16 = 8;
const _: () = assert!(MIN_LENGTH as usize == secretary::scan::MIN_LENGTH);

/// `scan`'s flags.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The files and directories to search.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Search the files that .gitignore, .ignore and git's excludes leave out, too.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links inside the tree (a PATH that is a link is followed anyway).
    #[arg(long)]
    pub follow: bool,
    /// Do not search values shorter than this many bytes: their spellings turn up by
    /// chance in ordinary text.
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = MIN_LENGTH,
        value_parser = clap::value_parser!(u16).range(4..=1024)
    )]
    pub min_length: u16,
    /// The global options (last, so that their heading is theirs alone).
    #[command(flatten)]
    pub global: Global,
}

/// What `run --watch` does when a value changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// Send the child this signal.
    Signal(i32),
    /// Stop the child (SIGTERM, SIGKILL after the grace period) and start it again.
    Restart,
}

/// `--on-change`: `restart` or `signal:NAME` (`HUP`, `SIGHUP`, `USR1`, ...).
fn parse_on_change(text: &str) -> Result<OnChange, String> {
    if text == "restart" {
        return Ok(OnChange::Restart);
    }
    let name = text.strip_prefix("signal:").ok_or_else(|| {
        "expected `restart` or `signal:NAME` (signal:HUP, signal:USR1, ...)".to_owned()
    })?;
    let name = name.trim_start_matches("SIG");
    let number = match name {
        "HUP" => signal_hook::consts::SIGHUP,
        "INT" => signal_hook::consts::SIGINT,
        "QUIT" => signal_hook::consts::SIGQUIT,
        "TERM" => signal_hook::consts::SIGTERM,
        "USR1" => signal_hook::consts::SIGUSR1,
        "USR2" => signal_hook::consts::SIGUSR2,
        _ => {
            return Err(format!(
                "unknown signal `{name}` (HUP, INT, QUIT, TERM, USR1 or USR2)"
            ));
        }
    };
    Ok(OnChange::Signal(number))
}

/// A `--watch` or `--grace` duration, in the grammar of
/// [`secretary::validate::parse_duration`] (`30s`, `5m`), at least 100 ms.
fn parse_interval(text: &str) -> Result<Duration, String> {
    let duration = secretary::validate::parse_duration(text).map_err(|error| match error {
        DurationError::TooLong => format!("`{text}` is {error}"),
        _ => format!("`{text}` is not a duration (30s, 5m, 1h, 500ms)"),
    })?;
    if duration < Duration::from_millis(100) {
        return Err("the interval must be at least 100ms".to_owned());
    }
    Ok(duration)
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The commands that read the manifest.
    #[command(flatten)]
    Manifest(ManifestCommand),
    /// Print a new random secret from the kernel's CSPRNG (for SECRET_KEY,
    /// ENCRYPTION_KEY, ...). Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary generate
  secretary generate --bytes 64 --format hex
  secretary generate | secretary --env production put secret_key")]
    Generate {
        /// How many random bytes.
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(16..=1024))]
        bytes: u16,
        /// How to write them.
        #[arg(long, value_enum, default_value_t = Encoding::Urlsafe)]
        format: Encoding,
    },
    /// Write a first secrets.toml for an existing application: one secret per variable
    /// of its .env files, with type, sensitivity and required guessed; no value is written
    /// but the defaults of settings that are not secret. Never overwrites a manifest.
    #[command(after_help = "\
Examples:
  secretary init                                   # from .env (else .env.example) here
  secretary init --from .env.example --from .env   # descriptions and defaults from the template
  secretary init --from config/app.env --output - | less

Then read it through and run `secretary check`. The files become the development
environment's dotenv source; production reads Vault (or, with --production
aws_secrets_manager, AWS Secrets Manager), then the environment. A .env file sops
encrypted becomes a `sops` source, which production reads instead.")]
    Init {
        /// The .env files to read, in order (later ones override earlier ones) [default:
        /// .env, else .env.example, in this directory].
        #[arg(long = "from", value_name = "FILE")]
        from: Vec<PathBuf>,
        /// The store production reads.
        #[arg(long, value_name = "STORE", default_value = "vault", value_parser = ["vault", "aws_secrets_manager"])]
        production: String,
        /// Where to write the manifest (`-` for stdout); refused if it exists.
        #[arg(long, short, value_name = "FILE", default_value = "secrets.toml")]
        output: PathBuf,
    },
    /// Find real-looking secrets in env templates (token shapes, passwords in URLs,
    /// high-entropy values); name file, line and key, never the value. Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary lint .env.example .env.production.example")]
    Lint {
        /// The files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print a JSON Schema of secrets.toml, for editors that complete and check manifests
    /// as they are typed. Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary schema > secrets.schema.json
  # then, as the first line of secrets.toml (taplo, Even Better TOML):
  #:schema ./secrets.schema.json")]
    Schema,
    /// Print a shell completion script. Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary completions bash > ~/.local/share/bash-completion/completions/secretary
  secretary completions zsh > \"${fpath[1]}/_secretary\"
  secretary completions fish > ~/.config/fish/completions/secretary.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Show or remove the last-known-good copies of Vault values kept for outages
    /// (`last_known_good` in an environment): never a value. Needs no manifest.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Print the manual page (roff), or write one page per command into a directory.
    /// Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary man | man -l -
  secretary man --dir /usr/local/share/man/man1")]
    Man {
        /// Write secretary.1 and secretary-COMMAND.1 here instead of secretary(1) to stdout.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Check that a provider program speaks the provider protocol
    /// (docs/provider-protocol.md), as an `exec` source would run it; no value is shown.
    /// Needs no manifest.
    #[command(after_help = "\
Examples:
  secretary provider-check -- secretary-provider-1password --vault Prod
  secretary provider-check --key database_url --pass-env OP_SERVICE_ACCOUNT_TOKEN -- ./provider.py")]
    ProviderCheck {
        /// A key the provider's store holds: it must be found (repeat for more).
        #[arg(long = "key", value_name = "KEY")]
        keys: Vec<String>,
        /// A variable the provider is given besides the basics, as the source's `pass_env`.
        #[arg(long = "pass-env", value_name = "NAME")]
        pass_env: Vec<String>,
        /// How long each request may take.
        #[arg(long, default_value = "10s", value_parser = provider_timeout)]
        timeout: std::time::Duration,
        /// The provider's command and its arguments.
        #[arg(required = true, last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// A `--timeout` of `provider-check`.
fn provider_timeout(text: &str) -> Result<std::time::Duration, String> {
    secretary::validate::parse_duration(text).map_err(|error| error.to_string())
}

/// `secretary cache`: the last-known-good copies in the state directory
/// (`SECRETARY_STATE_DIR`, else `$XDG_STATE_HOME/secretary`, else
/// `~/.local/state/secretary`).
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// One row per copy and source: application, environment, age, how many secrets, and
    /// whether it opens with the key set (SECRETARY_CACHE_KEY); never a value.
    #[command(after_help = "\
Examples:
  secretary cache status
  secretary cache status --format json | jq '.copies[].age_seconds'")]
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Remove copies: every one, or those of one application and environment.
    #[command(after_help = "\
Examples:
  secretary cache clear
  secretary cache clear --app shop --environment production")]
    Clear {
        /// Only this application's copies.
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        /// Only copies of this environment.
        #[arg(long, value_name = "NAME")]
        environment: Option<String>,
    },
}

/// The commands that read the manifest.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// The commands that also pick an environment.
    #[command(flatten)]
    Environment(EnvironmentCommand),
    /// List the declared secrets from the manifest alone (no value is read).
    #[command(after_help = "\
Examples:
  secretary list
  secretary list --format json | jq '.secrets[].key'")]
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        global: ManifestOnly,
    },
    /// Let this manifest's `exec` sources run their commands, as they are now, for this
    /// user (direnv's `allow`): a command changed since (in a pull request, say), a
    /// program whose file changed, or a script whose `#!` line now finds another
    /// interpreter (a `python3` earlier on PATH), fails closed until allowed again.
    #[command(after_help = "\
Each source is shown with what it runs: the program (real path and SHA-256), the
interpreter a script's `#!` line names (`#!/usr/bin/env python3` is looked up on PATH
now, and run by that path from then on), and each file and directory pinned.

Examples:
  secretary list                 # read the sources first: every exec command is shown
  secretary allow")]
    Allow {
        #[command(flatten)]
        global: ManifestOnly,
    },
}

/// The commands that read the manifest and pick an environment (and may write the audit
/// log).
#[derive(Debug, Subcommand)]
pub enum EnvironmentCommand {
    /// Resolve and validate every secret; list every problem (exit 1 if any).
    #[command(after_help = "\
Examples:
  secretary check
  secretary --env production check --format json | jq .problems
  ENVIRONMENT=staging secretary check")]
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        global: Global,
    },
    /// One row per secret: its state, where it came from, its type; values only of secrets
    /// declared `sensitive = false`.
    #[command(after_help = "\
Examples:
  secretary status
  secretary --env production status --format json")]
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        global: Global,
    },
    /// Print one secret's raw value on stdout, and nothing else.
    #[command(after_help = "\
Examples:
  psql \"$(secretary get database_url)\"
  secretary --env production get secret_key | wc -c")]
    Get {
        /// The secret's key, as declared in the manifest.
        key: String,
        #[command(flatten)]
        global: Global,
    },
    /// Run a program with the secrets in its environment, each under its primary env name.
    /// With any problem nothing is started. Vault credentials are not passed on unless the
    /// manifest declares them.
    #[command(after_help = "\
Examples:
  secretary run -- uvicorn src.api.main:app
  secretary run --only database_url -- alembic upgrade head
  secretary run --redact -- pytest -x
  secretary run --shell -- 'celery -A app worker --loglevel \"$LOG_LEVEL\"'
  secretary run --watch 5m --on-change restart -- gunicorn app:app")]
    Run(RunArgs),
    /// Write the resolved secrets, each under its primary env name, as dotenv, JSON or
    /// shell. With any problem nothing is written.
    #[command(after_help = "\
Examples:
  secretary export --output .env.production.local
  eval \"$(secretary export --format shell)\"
  secretary export --format json --only database_url")]
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Dotenv)]
        format: ExportFormat,
        /// Write to this file (created or replaced, mode 0600) instead of stdout (`-`: stdout).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Export only these secrets (comma-separated keys).
        #[arg(long, value_delimiter = ',', value_name = "KEY,...")]
        only: Vec<String>,
        #[command(flatten)]
        global: Global,
    },
    /// Write the environment's .env template (descriptions, required markers, defaults,
    /// placeholders; no values), or with --check, compare it with the file on disk.
    #[command(after_help = "\
Examples:
  secretary example --output .env.example
  secretary --env production example --output .env.production.example
  secretary example --check && secretary --env production example --check")]
    Example {
        /// Write here instead of stdout (`-`: stdout; with --check: the file to compare;
        /// default .env.example, or .env.NAME.example, beside the manifest).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 with a diff when the file differs from what the manifest gives.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        global: Global,
    },
    /// Copy stdin to stdout with every sensitive value replaced by [redacted:KEY].
    #[command(after_help = "\
Examples:
  kubectl logs deploy/api | secretary --env production redact")]
    Redact {
        #[command(flatten)]
        global: Global,
    },
    /// Find where the current values of the environment's sensitive secrets appear in
    /// files: exact, JSON-escaped, URL-encoded, inside base64 or hex. Names file, line, key
    /// and form, never the value; exit 1 when any is found.
    #[command(after_help = "\
Examples:
  secretary --env production scan .            # the repository, as git sees it
  secretary --env production scan /var/log/app --format json
  secretary scan --no-ignore build/ dist/      # also what .gitignore leaves out

Honours .gitignore, .ignore and git's excludes; searches hidden files; never .git itself.
Binary files (a NUL byte in the first 8 KiB) are not searched, nor a value that a file
breaks across lines.")]
    Scan(ScanArgs),
    /// Write a secret to the environment's Vault source; the value is read from stdin (or
    /// a hidden prompt on a terminal), never from the command line.
    #[command(after_help = "\
Examples:
  secretary generate | secretary --env production put secret_key
  secretary --env production put youtube_api_key          # prompts, without echo
  secretary --env production put secret_key --cas 3 < new-key.txt")]
    Put {
        /// The secret's key, as declared in the manifest.
        key: String,
        /// The version this write replaces (check-and-set); default: the version just read.
        #[arg(long, value_name = "VERSION")]
        cas: Option<u64>,
        #[command(flatten)]
        global: Global,
    },
    /// Write a new value of secrets in the environment's Vault: made as the manifest
    /// says (`generate = { bytes = 32 }`), or read from stdin for one someone provides.
    #[command(after_help = "\
Examples:
  secretary --env production rotate secret_key
  secretary --env production rotate --due               # every overdue generated secret
  secretary --env production rotate youtube_api_key < new-key.txt")]
    Rotate {
        /// The secrets to rotate.
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        keys: Vec<String>,
        /// Rotate every secret overdue for rotation whose new value secretary makes.
        #[arg(long)]
        due: bool,
        #[command(flatten)]
        global: Global,
    },
    /// Write an earlier version's value of a secret again, as a new version.
    #[command(after_help = "\
Examples:
  secretary --env production rollback secret_key           # the last earlier value
  secretary --env production rollback secret_key --to 3")]
    Rollback {
        /// The secret's key.
        key: String,
        /// The version whose value to write again (versions count from 1); default: the
        /// latest earlier one that holds another value.
        #[arg(long, value_name = "VERSION")]
        to: Option<std::num::NonZeroU64>,
        #[command(flatten)]
        global: Global,
    },
    /// Copy secrets from another environment (or one source) into this environment's
    /// Vault: values already there are kept unless --overwrite; equal ones make no new
    /// version; nothing is written when any value breaks this environment's rules.
    #[command(after_help = "\
Examples:
  secretary --env production import --from development --dry-run
  secretary --env production import --from development
  secretary --env staging import --from-source dotenv --only secret_key,database_url")]
    Import(ImportArgs),
}

/// `import`'s flags.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The environment whose values are copied.
    #[arg(
        long,
        value_name = "ENVIRONMENT",
        required_unless_present = "from_source",
        conflicts_with = "from_source"
    )]
    pub from: Option<String>,
    /// Copy the values of this one source instead.
    #[arg(long, value_name = "SOURCE")]
    pub from_source: Option<String>,
    /// Only these secrets (comma-separated keys).
    #[arg(long, value_delimiter = ',', value_name = "KEY,...")]
    pub only: Vec<String>,
    /// Say what would be written (key, action, fingerprints), and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace values already in this environment's Vault that differ.
    #[arg(long)]
    pub overwrite: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub global: Global,
}
