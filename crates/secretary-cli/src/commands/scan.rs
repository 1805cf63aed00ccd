//! `secretary scan PATH...`: where the current values of the environment's sensitive
//! secrets appear in files (see [`secretary::scan`]). Each finding names file, line, key
//! and form, never the value or the text that matched.
//!
//! Exit 2 when a path does not exist (before anything is read) or a file or directory
//! could not be read (after the rest is searched); a link loop under `--follow` is a
//! warning, since what it leads back to is searched; else 1 when a value was found or some
//! value could not be known (a missing secret, a failed source: the scan is not
//! complete); else 0.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use secretary::audit::Event;
use secretary::scan::{Needles, Outcome, Reason};

use super::Failure;
use super::output::write_json;
use super::session::Session;
use super::settings::ScanSettings;
use crate::args::Format;
use crate::diagnostic::Diagnostic;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    manifest: String,
    environment: &'a str,
    ok: bool,
    found: Vec<FoundOut<'a>>,
    searched: Searched<'a>,
    not_searched: Vec<NotSearchedOut<'a>>,
    binary: Vec<String>,
    links_not_followed: usize,
    errors: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct FoundOut<'a> {
    path: String,
    line: usize,
    key: &'a str,
    form: &'static str,
}

#[derive(Serialize)]
struct Searched<'a> {
    files: usize,
    bytes: u64,
    secrets: &'a [String],
}

#[derive(Serialize)]
struct NotSearchedOut<'a> {
    key: &'a str,
    reason: &'static str,
    /// The resolution's state, for `unknown` (`missing`, `source_error`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
}

pub fn run(session: &Session, settings: &ScanSettings<'_>) -> Result<Status, Failure> {
    let mut out = session.out();
    // A mistyped path is a usage error, told before any secret is read.
    for path in settings.paths {
        if let Err(error) = path.symlink_metadata() {
            return Err(Failure::Unsearchable {
                path: path.clone(),
                reason: error.into(),
            });
        }
    }
    let report = session.resolve(&[])?;
    session.audit_report(Event::Resolve, &report)?;
    let needles = Needles::from_report(&report, settings.min_length);
    let outcome = needles.scan(settings.paths, &settings.options);

    let unknown = needles
        .not_searched()
        .iter()
        .any(|n| matches!(n.reason, Reason::Unknown(_)));
    let found = !outcome.files.is_empty();
    let status = if !outcome.errors.is_empty() {
        Status::Error
    } else if found || unknown {
        Status::Problems
    } else {
        Status::Success
    };
    let shown = session.shown();
    match settings.format {
        Format::Json => {
            let mut warnings: Vec<String> =
                report.warnings.iter().map(ToString::to_string).collect();
            warnings.extend(outcome.warnings.iter().cloned());
            warnings.extend(outcome.loops.iter().map(ToString::to_string));
            let document = Output {
                manifest: shown,
                environment: &report.environment,
                ok: status == Status::Success,
                found: outcome
                    .files
                    .iter()
                    .flat_map(|file| {
                        let path = file.path.display().to_string();
                        file.found.iter().map(move |found| FoundOut {
                            path: path.clone(),
                            line: found.line,
                            key: &found.key,
                            form: found.form.as_str(),
                        })
                    })
                    .collect(),
                searched: Searched {
                    files: outcome.searched,
                    bytes: outcome.bytes,
                    secrets: needles.keys(),
                },
                not_searched: needles
                    .not_searched()
                    .iter()
                    .map(|n| NotSearchedOut {
                        key: &n.key,
                        reason: n.reason.as_str(),
                        state: match n.reason {
                            Reason::Unknown(state) => Some(state.as_str()),
                            _ => None,
                        },
                    })
                    .collect(),
                binary: outcome
                    .binary
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                links_not_followed: outcome.links,
                errors: outcome.errors.iter().map(ToString::to_string).collect(),
                warnings,
            };
            write_json(&mut out, &document)?;
        }
        Format::Text => {
            say_raw!("{}", render::warnings(&report));
            notes(&needles, &report, settings.min_length);
            for warning in &outcome.warnings {
                Diagnostic::warning(warning.clone()).say();
            }
            for link in &outcome.loops {
                Diagnostic::warning(link.to_string()).say();
            }
            for error in &outcome.errors {
                Diagnostic::error(error.to_string()).say();
            }
            text(&needles, &outcome, &report.environment, &mut out)?;
        }
    }
    Ok(status)
}

/// On stderr: the secrets not searched for that the user should know of, and those
/// found only as a whole word.
fn notes(needles: &Needles, report: &secretary::Report, min_length: usize) {
    let short: Vec<&str> = needles
        .not_searched()
        .iter()
        .filter(|n| n.reason == Reason::TooShort)
        .map(|n| n.key.as_str())
        .collect();
    if !short.is_empty() {
        Diagnostic::warning(format!(
            "not searched, shorter than {min_length} bytes (a value that short turns up by chance; --min-length lowers the bound): {}",
            short.join(", ")
        ))
        .say();
    }
    let whole_word: Vec<&str> = needles.whole_word_keys().collect();
    if !whole_word.is_empty() {
        Diagnostic::note(format!(
            "matched only as a whole word (a value this guessable is part of ordinary words): {}",
            whole_word.join(", ")
        ))
        .say();
    }
    if needles
        .not_searched()
        .iter()
        .any(|n| matches!(n.reason, Reason::Unknown(_)))
    {
        say_raw!("{}", render::problems(report));
        // Named: a template whose inputs are searched for is searched for through them.
        let unknown = render::unknown_values(report);
        if !unknown.is_empty() {
            say!(
                "secretary scan: the values of {} are not known, and were not searched for",
                unknown.join(", ")
            );
        }
    }
}

/// The most keys the summary names (each finding names its own).
const SHOWN_KEYS: usize = 10;

/// The findings and a summary, on stdout.
fn text(
    needles: &Needles,
    outcome: &Outcome,
    environment: &str,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut places = 0;
    let mut keys: Vec<&str> = Vec::new();
    for file in &outcome.files {
        for found in &file.found {
            places += 1;
            if !keys.contains(&found.key.as_str()) {
                keys.push(&found.key);
            }
            writeln!(
                out,
                "{}:{}: the value of `{}` ({})",
                secretary::printable::path(&file.path),
                found.line,
                found.key,
                found.form
            )?;
        }
    }
    let mut skipped = String::new();
    if !outcome.binary.is_empty() {
        let _ = write!(
            skipped,
            "; {} binary file{} not searched",
            outcome.binary.len(),
            plural(outcome.binary.len())
        );
    }
    if outcome.links > 0 {
        let _ = write!(
            skipped,
            "; {} symbolic link{} not followed (--follow follows them)",
            outcome.links,
            plural(outcome.links)
        );
    }
    if places == 0 {
        let secrets = needles.keys().len();
        // Not "ok" when some paths could not be searched, or some values not searched
        // for, not being known (said on stderr above; a fortieth adversarial pass saw
        // "ok:" printed beside exit 1 and `"ok": false`).
        let unknown = needles
            .not_searched()
            .iter()
            .any(|n| matches!(n.reason, Reason::Unknown(_)));
        let verdict = match (outcome.errors.is_empty(), unknown) {
            (true, false) => "ok: no value",
            (false, false) => "not every path could be searched; in those searched, no value",
            (true, true) => "not every value is known (see above); of those searched for, no value",
            (false, true) => {
                "not every path could be searched, nor every value known (see above); no value"
            }
        };
        writeln!(
            out,
            "{verdict} of {secrets} sensitive secret{} in environment `{environment}` found in {} file{} ({}){skipped}",
            plural(secrets),
            outcome.searched,
            plural(outcome.searched),
            size(outcome.bytes),
        )?;
        return Ok(());
    }
    keys.sort_unstable();
    let named = if keys.len() > SHOWN_KEYS {
        format!(
            "{} and {} more",
            keys[..SHOWN_KEYS].join(", "),
            keys.len() - SHOWN_KEYS
        )
    } else {
        keys.join(", ")
    };
    writeln!(
        out,
        "\n{places} place{} in {} file{} hold the current value of {} (environment `{environment}`){skipped}.\nRotate each of these secrets first: the value has been in those files, and may be in git history and in copies. Then remove it from the files.",
        plural(places),
        outcome.files.len(),
        plural(outcome.files.len()),
        named,
    )?;
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `512 bytes`, `3.2 KiB`, `1.0 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" });
    }
    let mut unit = 0;
    let mut scaled = bytes;
    while scaled >= 1024 * 1024 && unit + 1 < UNITS.len() {
        scaled /= 1024;
        unit += 1;
    }
    // One decimal, from integers: `scaled` is at least 1024 here.
    let tenths = scaled.saturating_mul(10) / 1024;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}
