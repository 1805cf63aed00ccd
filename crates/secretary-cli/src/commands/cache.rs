//! `secretary cache status|clear`: the last-known-good copies of Vault values kept for
//! outages, in the state directory. Shows the application, environment, source, age and
//! count of each, and whether it opens with the key set; never a value.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;

use secretary::Variables;
use secretary::outage::{CacheKey, CopyError, CopyInfo, clear, list, state_dir, unreadable};

use super::Failure;
use super::output::write_json;
use crate::args::{CacheCommand, Format};
use crate::diagnostic::Diagnostic;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output {
    dir: Option<String>,
    copies: Vec<Row>,
    /// The files that do not read as copies, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unreadable: Vec<Unreadable>,
}

/// A file of the copies' directory that does not read as a copy.
#[derive(Serialize)]
struct Unreadable {
    problem: String,
    hint: String,
}

#[derive(Serialize)]
struct Row {
    file: String,
    app: String,
    environment: String,
    source: String,
    saved: String,
    /// When the oldest of its values was last confirmed (what `max_age` is counted
    /// from), with a key that opens it; else absent, and the age is from `saved`.
    #[serde(skip_serializing_if = "Option::is_none")]
    confirmed: Option<String>,
    age_seconds: u64,
    /// How long ago the newest of its values was confirmed, when it differs from the
    /// oldest's (`age_seconds`): an entry no read asks for any more keeps its age.
    #[serde(skip_serializing_if = "Option::is_none")]
    newest_age_seconds: Option<u64>,
    /// How far ahead of this machine's clock it was saved, when it was (the clock was
    /// changed since: its age cannot be known, and it is not served).
    #[serde(skip_serializing_if = "Option::is_none")]
    ahead_seconds: Option<u64>,
    secrets: usize,
    /// The Vault server (addresses, namespace) the values were read from: the copy is
    /// served only while the source reads that server.
    server: String,
    /// `true` or `false` with the key set; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    opens: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

pub fn run(
    command: &CacheCommand,
    vars: &Variables,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let dir = state_dir(vars);
    match command {
        CacheCommand::Status { format } => status(dir.as_deref(), vars, *format, out),
        CacheCommand::Clear { app, environment } => {
            let Some(dir) = dir else {
                return Err(Failure::Cache(CopyError::NoStateDir));
            };
            // Without a filter every copy goes, one that does not read as a copy too (a
            // corrupt or tampered one); with one, only the copies whose header matches.
            let removed =
                clear(&dir, app.as_deref(), environment.as_deref()).map_err(Failure::Cache)?;
            writeln!(
                out,
                "removed {removed} last-known-good cop{} from {}",
                if removed == 1 { "y" } else { "ies" },
                secretary::printable::path(&dir)
            )?;
            // A filter cannot read a file that is no copy (corrupt, of another format):
            // say it was left, or it would pass for cleared (a twenty-third adversarial
            // pass).
            if app.is_some() || environment.is_some() {
                let left = not_copies(Some(&dir))?;
                if !left.is_empty() {
                    Diagnostic::note(format!(
                        "{} file{} that do not read as copies were left, whatever application or environment they hold (`cache status` names them; `cache clear` without a filter removes them)",
                        left.len(),
                        if left.len() == 1 { "" } else { "s" }
                    ))
                    .say();
                }
            }
            Ok(Status::Success)
        }
    }
}

fn status(
    dir: Option<&std::path::Path>,
    vars: &Variables,
    format: Format,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let key = match CacheKey::from_vars(vars) {
        Ok(key) => key,
        Err(error) => {
            Diagnostic::warning(format!(
                "{error}: copies are listed without checking that they open"
            ))
            .say();
            None
        }
    };
    let copies: Vec<CopyInfo> = match dir {
        Some(dir) => list(dir, key.as_ref()).map_err(Failure::Cache)?,
        None => Vec::new(),
    };
    let unreadable = not_copies(dir)?;
    let rows = rows(&copies, SystemTime::now());
    match format {
        Format::Json => write_json(
            out,
            &Output {
                dir: dir.map(|dir| dir.display().to_string()),
                copies: rows,
                unreadable,
            },
        )?,
        Format::Text => {
            let Some(dir) = dir else {
                writeln!(
                    out,
                    "no state directory: SECRETARY_STATE_DIR, XDG_STATE_HOME and HOME are all unset"
                )?;
                return Ok(Status::Success);
            };
            for file in &unreadable {
                Diagnostic::warning(file.problem.clone())
                    .help(file.hint.clone())
                    .say();
            }
            let shown = secretary::printable::path(dir);
            if rows.is_empty() {
                writeln!(out, "no last-known-good copies in {shown}")?;
                return Ok(Status::Success);
            }
            writeln!(out, "last-known-good copies in {shown}")?;
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    vec![
                        row.app.clone(),
                        row.environment.clone(),
                        row.source.clone(),
                        age(row),
                        row.secrets.to_string(),
                        match (&row.opens, &row.problem) {
                            (None, _) => "no key set".to_owned(),
                            (Some(true), _) => "yes".to_owned(),
                            (Some(false), Some(problem)) => format!("no: {problem}"),
                            (Some(false), None) => "no".to_owned(),
                        },
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                render::table(
                    &["APP", "ENVIRONMENT", "SOURCE", "AGE", "SECRETS", "OPENS"],
                    &table
                )
            )?;
        }
    }
    Ok(Status::Success)
}

/// The files of `dir` that do not read as copies, and why: named, not passed over in
/// silence.
fn not_copies(dir: Option<&std::path::Path>) -> Result<Vec<Unreadable>, Failure> {
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    Ok(unreadable(dir)
        .map_err(Failure::Cache)?
        .into_iter()
        .map(|error| Unreadable {
            hint: error.hint(),
            problem: error.to_string(),
        })
        .collect())
}

/// One row for each source of each of `copies`, `now` being now.
fn rows(copies: &[CopyInfo], now: SystemTime) -> Vec<Row> {
    copies
        .iter()
        .flat_map(|copy| {
            copy.sources.iter().map(move |source| {
                // Its age is its oldest value's, as `max_age` judges it; the time it was
                // written when it cannot be opened.
                let since = source.confirmed.unwrap_or(source.saved);
                let latest = source
                    .confirmed
                    .map_or(source.saved, |at| at.max(source.saved));
                let ahead = latest
                    .duration_since(now)
                    .ok()
                    .map(|ahead| ahead.as_secs())
                    .filter(|&ahead| ahead > 0);
                Row {
                    file: copy.path.display().to_string(),
                    app: copy.app.clone(),
                    environment: copy.environment.clone(),
                    source: source.source.clone(),
                    saved: humantime::format_rfc3339_seconds(source.saved).to_string(),
                    confirmed: source
                        .confirmed
                        .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
                    age_seconds: if ahead.is_some() {
                        0
                    } else {
                        now.duration_since(since).unwrap_or_default().as_secs()
                    },
                    newest_age_seconds: source
                        .newest
                        .filter(|_| ahead.is_none())
                        .map(|at| now.duration_since(at).unwrap_or_default().as_secs())
                        .filter(|&newest| {
                            newest < now.duration_since(since).unwrap_or_default().as_secs()
                        }),
                    ahead_seconds: ahead,
                    secrets: source.count,
                    server: source.server.clone(),
                    opens: source.opens.as_ref().map(Result::is_ok),
                    problem: source
                        .opens
                        .as_ref()
                        .and_then(|opens| opens.as_ref().err())
                        .map(ToString::to_string),
                }
            })
        })
        .collect()
}

/// A row's age as a person reads it: how far ahead of the clock, when it was saved so
/// (said as such, not "0 seconds": a fifty-eighth adversarial pass).
fn age(row: &Row) -> String {
    let show =
        |seconds| secretary::validate::show_duration(std::time::Duration::from_secs(seconds));
    match (row.ahead_seconds, row.newest_age_seconds) {
        (Some(ahead), _) => format!("{} ahead of the clock", show(ahead)),
        (None, Some(newest)) => format!(
            "{} (the newest value {})",
            show(row.age_seconds),
            show(newest)
        ),
        (None, None) => show(row.age_seconds),
    }
}
