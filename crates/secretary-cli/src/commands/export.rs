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
//!   cannot carry one (a shell or parser drops it, or the rest, silently), and one
//!   holding a line end other than `\n` and `\r` (U+2028, a vertical tab) in the dotenv
//!   format: each is named and nothing is written (exit 1). JSON carries both.

use std::io::{self, Write};

use secretary::audit::Event;
use secretary::export::{Format, Uncarried, dotenv_portable_resolved, render};

use super::Failure;
use super::output::replace_file;
use super::session::{Refusal, Session};
use super::settings::ExportSettings;
use crate::diagnostic::Diagnostic;
use crate::exit::Status;

/// What `export` says when a secret has a problem.
const REFUSAL: Refusal = Refusal {
    event: Event::Export,
    verb: "export",
    outcome: "nothing was written",
};

pub fn run(session: &Session, settings: &ExportSettings<'_>) -> Result<Status, Failure> {
    let Some(report) = session.resolve_or_refuse(&settings.only, REFUSAL)? else {
        return Ok(Status::Problems);
    };
    let format = settings.format;
    let refused: Vec<(String, Uncarried)> = report
        .resolutions
        .iter()
        .filter_map(|resolution| {
            let uncarried = format.uncarried(resolution.value.as_ref()?.expose())?;
            Some((resolution.key().to_owned(), uncarried))
        })
        .collect();
    if !refused.is_empty() {
        return Err(Failure::NotCarried { keys: refused });
    }
    let mut pairs = Vec::new();
    for resolution in &report.resolutions {
        if let Some(value) = &resolution.value {
            let portable = dotenv_portable_resolved(resolution);
            pairs.push((resolution.spec.primary_env(), value.expose(), portable));
            if format == Format::Dotenv && !portable {
                Diagnostic::warning(format!(
                    "`{}` may have no .env spelling that python-dotenv and docker compose read back exactly (it holds `${{`, or needs double quotes and holds `$` or `` ` `` or ends in `\\`; a value built from others also when a value it inserts holds `$`, `{{`, a backtick, a quote, a backslash or a line end); secretary will, and --format json or shell round-trip everywhere",
                    resolution.key()
                ))
                .say();
            }
        }
    }
    if format == Format::Dotenv {
        // Values other tools cannot read go last, where a misreading spoils no other line.
        pairs.sort_by_key(|(_, _, portable)| !portable);
    }
    let pairs = pairs.into_iter().map(|(name, value, _)| (name, value));
    let text = render(format, pairs);
    // `-` is the standard output, as for `init --output -` (a fifty-fourth adversarial
    // pass found every value written to a file named `-`, easily committed).
    match settings.output.filter(|path| path.as_os_str() != "-") {
        None => session.out().write_all(text.as_bytes())?,
        Some(path) => replace_file(path, text.as_bytes(), 0o600).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot write {}: {error}", secretary::printable::path(path)),
            )
        })?,
    }
    Ok(Status::Success)
}
