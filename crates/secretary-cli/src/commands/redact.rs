//! `secretary redact`: stdin to stdout with every resolved sensitive value replaced by
//! `[redacted:KEY]`, streaming (no line is held back, binary data passes). The same pump
//! serves `run --redact`.
//!
//! Every value that resolved is redacted. When some secret could not be resolved (a
//! missing one, or a failed source), its value cannot be known: the stream still passes,
//! redacted of the others, the problems are reported on stderr at the start and the exit
//! status is 1, so a pipeline with `pipefail` notices.

use std::io::{self, Read, Write};

use secretary::manifest::EnvironmentSpec;
use secretary::redact::Redactor;
use secretary::resolve::{Scope, resolve};
use secretary::{Manifest, Variables};

use super::Failure;
use crate::exit::Status;
use crate::render;

/// Copies `from` through `redactor` to `to` until end of input, flushing after every read
/// so output appears as the writer produces it. Stops early, without error, when `to`
/// is closed (the reader then gets `EPIPE` as it would without us).
pub fn pump(redactor: &Redactor, mut from: impl Read, to: impl Write) -> io::Result<()> {
    let mut buffer = vec![0; 64 * 1024];
    let mut writer = redactor.writer(to);
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let written = writer
            .write_all(&buffer[..read])
            .and_then(|()| writer.flush());
        match written {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(error) => return Err(error),
        }
    }
    match writer.finish() {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error),
        _ => Ok(()),
    }
}

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
) -> Result<Status, Failure> {
    let report = resolve(manifest, environment, vars, Scope::All)?;
    super::audit_report("resolve", &report)?;
    eprint!("{}", render::warnings(&report));
    if !report.is_ok() {
        eprint!("{}", render::problems(&report, manifest));
        eprintln!(
            "secretary redact: the values of secrets with problems are not known, and not redacted"
        );
    }
    let redactor = Redactor::from_report(&report, manifest);
    pump(&redactor, io::stdin().lock(), io::stdout().lock())?;
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
