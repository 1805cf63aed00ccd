//! `secretary rotate KEY... | --due` and `secretary rollback KEY [--to VERSION]`: new
//! versions of secrets in the environment's Vault. A rotation's value is made as the
//! manifest declares (`generate = { bytes = 32 }`) or read from stdin for a secret someone
//! provides; a rollback writes an earlier version's value again. Both are checked against
//! the manifest first, written with check-and-set, audited, and print where they wrote,
//! never a value.

use std::io::Write;
use std::time::SystemTime;

use secretary::audit::Event;
use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, Scope, SecretSpec, Variables, resolve};

use super::Failure;
use super::put::{failed, intent, read_value, record};
use crate::exit::Status;

/// What running programs need to do to see a new value.
const NEXT: &str = "\
next: programs under `secretary run --watch` pick the new value up at their next poll;
  a SecretManager sees it after refresh() (or when its source's ttl runs out);
  any other program reads it when it is restarted";

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    keys: &[String],
    due: bool,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let keys: Vec<String> = if due {
        match overdue(manifest, environment, vars)? {
            Some(keys) => keys,
            None => return Ok(Status::Problems),
        }
    } else {
        keys.to_vec()
    };
    // Declared keys first (each looked up once), and at most one value from stdin.
    let specs: Vec<&SecretSpec> = keys
        .iter()
        .map(|key| manifest.secret_in(environment, key).map(|spec| &**spec))
        .collect::<Result<_, _>>()?;
    let provided = specs.iter().filter(|spec| !spec.is_generated()).count();
    if provided > 1 {
        say!(
            "error: {provided} of these secrets are provided, not generated: their new values come from stdin, one at a time"
        );
        say!("  help: rotate each on its own: secretary rotate KEY < new-value");
        return Ok(Status::Error);
    }
    if keys.is_empty() {
        writeln!(
            out,
            "nothing is due for rotation in environment `{}`",
            environment.name
        )?;
        return Ok(Status::Success);
    }
    let mut status = Status::Success;
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
        intent(Event::Rotate, key).map_err(|failure| stopped(failure, &done, &all[at..]))?;
        match secretary::rotate(manifest, environment, vars, key, value) {
            Ok(written) => {
                record(Event::Rotate, key, &written).map_err(|failure| match failure {
                    Failure::Unaudited { written, error, .. } => Failure::Unaudited {
                        written,
                        left: all[at + 1..].to_vec(),
                        error,
                    },
                    other => other,
                })?;
                done.push(written.locator.to_string());
                match written.locator.version() {
                    Some(version) => writeln!(
                        out,
                        "rotated {key}: wrote {} (version {version})",
                        written.locator
                    )?,
                    None => writeln!(out, "rotated {key}: wrote {}", written.locator)?,
                }
            }
            Err(error) => {
                let this = failed(Event::Rotate, key, error)?;
                if status == Status::Success || this == Status::Error {
                    status = this;
                }
            }
        }
    }
    if status == Status::Success {
        writeln!(out, "{NEXT}")?;
    }
    Ok(status)
}

/// The keys `rotate --due` rotates: every secret overdue for rotation whose new value
/// secretary makes. Those someone must provide are named, not rotated. `None` when the
/// environment's secrets cannot be read.
fn overdue(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
) -> Result<Option<Vec<String>>, Failure> {
    let report = resolve(manifest, environment, vars, Scope::All)?;
    super::audit_report(Event::Resolve, &report)?;
    let now = SystemTime::now();
    let mut keys = Vec::new();
    for resolution in &report.resolutions {
        if resolution
            .problems
            .iter()
            .any(|problem| problem.kind.state() == secretary::State::SourceError)
        {
            say!(
                "error: cannot tell whether `{}` is due: {}",
                resolution.key(),
                resolution.problems[0].kind
            );
            return Ok(None);
        }
        if resolution.rotation_due().is_none_or(|due| now < due) {
            continue;
        }
        if resolution.spec.is_generated() {
            keys.push(resolution.key().to_owned());
        } else {
            say!(
                "warning: `{}` is due for rotation, and its new value must be provided: secretary rotate {} < new-value",
                resolution.key(),
                resolution.key()
            );
        }
    }
    Ok(Some(keys))
}

pub fn rollback(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    to: Option<std::num::NonZeroU64>,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    manifest.secret_in(environment, key)?;
    intent(Event::Rollback, key)?;
    match secretary::rollback(manifest, environment, vars, key, to) {
        Ok(rolled) => {
            record(Event::Rollback, key, &rolled.written)?;
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
            writeln!(out, "{NEXT}")?;
            Ok(Status::Success)
        }
        Err(error) => failed(Event::Rollback, key, error),
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
