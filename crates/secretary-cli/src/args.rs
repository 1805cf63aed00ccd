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

/// Declare an application's secrets once; resolve, validate and audit them.
#[derive(Debug, Parser)]
#[command(name = "secretary", version, about, max_term_width = 100)]
pub struct Args {
    /// The manifest (default: $SECRETARY_MANIFEST, else secrets.toml in this directory or a parent).
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest: Option<PathBuf>,

    /// The environment (default: the manifest's `environment_from` variables, else `development`).
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub environment: Option<String>,

    /// Append the audit log here (`-` for stderr) instead of where the manifest's [audit] says.
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs; the schema is documented in the README.
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

/// `run`'s flags, converted once into [`crate::commands::run::Settings`].
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
    /// With --watch: signal:NAME sends the program that signal (default signal:HUP);
    /// restart stops it (SIGTERM, SIGKILL after --grace) and starts it with the new values.
    #[arg(
        long,
        value_name = "ACTION",
        requires = "watch",
        default_value = "signal:HUP",
        value_parser = parse_on_change
    )]
    pub on_change: OnChange,
    /// With --on-change restart: how long the program has to stop before SIGKILL.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_interval)]
    pub grace: Duration,
    /// The program and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
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
    let duration = secretary::validate::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration (30s, 5m, 1h, 500ms)"))?;
    if duration < Duration::from_millis(100) {
        return Err("the interval must be at least 100ms".to_owned());
    }
    Ok(duration)
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resolve and validate every secret; list every problem (exit 1 if any).
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the declared secrets from the manifest alone (no values are read).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// One row per secret: present or not, where from, type; values only when not sensitive.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print one secret's raw value on stdout, and nothing else.
    Get {
        /// The secret's key, as declared in the manifest.
        key: String,
    },
    /// Print a new random secret from the operating system's CSPRNG (for SECRET_KEY,
    /// ENCRYPTION_KEY, ...). Needs no manifest.
    Generate {
        /// How many random bytes.
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(16..=1024))]
        bytes: u16,
        /// How to write them.
        #[arg(long, value_enum, default_value_t = Encoding::Urlsafe)]
        format: Encoding,
    },
    /// Run a program with the secrets in its environment (each under its primary env name).
    /// Problems are reported and the program is not started. Vault credentials are not
    /// passed on unless the manifest declares them.
    Run(RunArgs),
    /// Write the resolved secrets, each under its primary env name, as dotenv, JSON or shell.
    /// Problems are reported and nothing is written.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Dotenv)]
        format: ExportFormat,
        /// Write to this file (created or replaced, mode 0600) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Export only these secrets (comma-separated keys).
        #[arg(long, value_delimiter = ',', value_name = "KEY,...")]
        only: Vec<String>,
    },
    /// Write the environment's .env template (descriptions, required markers, defaults,
    /// placeholders; no values), or with --check, compare it with the file on disk.
    Example {
        /// Write here instead of stdout (with --check: the file to compare; default
        /// .env.example, or .env.NAME.example, beside the manifest).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 with a diff when the file differs from what the manifest gives.
        #[arg(long)]
        check: bool,
    },
    /// Find real-looking secrets in env templates (token shapes, passwords in URLs,
    /// high-entropy values); name file, line and key, never the value. Needs no manifest.
    Lint {
        /// The files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Copy stdin to stdout with every secret value replaced by [redacted:KEY].
    Redact,
    /// Write a secret to the environment's Vault source; the value is read from stdin
    /// (or a hidden prompt on a terminal), never from the command line.
    Put {
        /// The secret's key, as declared in the manifest.
        key: String,
        /// The version this write replaces (check-and-set); default: the version just read.
        #[arg(long, value_name = "VERSION")]
        cas: Option<u64>,
    },
}
