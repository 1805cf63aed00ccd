//! `secretary export [--format dotenv|json|shell] [--output FILE] [--only K,..]`: the
//! resolved secrets, each under its primary env name, in a format that reads back exactly
//! (see [`secretary::export`]).
//!
//! - With any problem, the report goes to stderr and nothing is written (exit 1).
//! - Optional secrets that are not set are left out.
//! - `--output FILE` writes a temporary file beside it (mode 0600 from the start), then
//!   renames it over FILE: a reader never sees half a file, and a failure leaves the old
//!   one as it was. The new file is 0600 whatever the old one's mode was.
//! - In dotenv format, a value that python-dotenv or docker compose would read
//!   differently is named (never shown) in a warning on stderr, and written last.
//! - A value holding a NUL byte is refused in the dotenv and shell formats, which
//!   cannot carry one (a shell or parser drops it, or the rest, silently): each is named
//!   and nothing is written (exit 1). JSON spells it `\u0000`.

use std::io::{self, Write};
use std::path::Path;

use secretary::audit::Event;
use secretary::export::{Format, dotenv_portable, render};
use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, Variables};

use super::Failure;
use crate::args::ExportFormat;
use crate::exit::Status;

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    format: ExportFormat,
    output: Option<&Path>,
    only: &[String],
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let keys: Vec<&str> = only.iter().map(String::as_str).collect();
    let what = (Event::Export, "export", "nothing was written");
    let Some(report) = super::resolve_or_report(manifest, environment, vars, &keys, what)? else {
        return Ok(Status::Problems);
    };
    let format = match format {
        ExportFormat::Dotenv => Format::Dotenv,
        ExportFormat::Json => Format::Json,
        ExportFormat::Shell => Format::Shell,
    };
    if !format.carries_nul() {
        let mut refused = false;
        for resolution in &report.resolutions {
            if resolution
                .value
                .as_ref()
                .is_some_and(|value| value.expose().contains('\0'))
            {
                say!(
                    "error: secret `{}` holds a NUL byte, which this format cannot carry (a shell or .env parser drops it silently); nothing was written",
                    resolution.key()
                );
                refused = true;
            }
        }
        if refused {
            say!(
                "  help: use --format json, which spells it \\u0000, or store the value without NUL bytes (base64-encode binary secrets)"
            );
            return Ok(Status::Problems);
        }
    }
    let mut pairs = Vec::new();
    for resolution in &report.resolutions {
        if let Some(value) = &resolution.value {
            pairs.push((resolution.spec.primary_env(), value.expose()));
            if format == Format::Dotenv && !dotenv_portable(value.expose()) {
                say!(
                    "warning: `{}` has no .env spelling that python-dotenv and docker compose read back exactly (it holds `${{`, or needs double quotes and holds `$` or ends in `\\`); secretary will, and --format json or shell round-trip everywhere",
                    resolution.key()
                );
            }
        }
    }
    if format == Format::Dotenv {
        // Values other tools cannot read go last, where a misreading spoils no other line.
        pairs.sort_by_key(|(_, value)| !dotenv_portable(value));
    }
    let text = render(format, pairs);
    match output {
        None => out.write_all(text.as_bytes())?,
        Some(path) => super::replace_file(path, text.as_bytes(), 0o600).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot write {}: {error}", path.display()),
            )
        })?,
    }
    Ok(Status::Success)
}
