//! `secretary redact`: stdin to stdout with every resolved sensitive value replaced by
//! `[redacted:KEY]`, streaming (no line is held back, binary data passes). The same pump
//! serves `run --redact`.
//!
//! Every value that resolved is redacted. When some secret could not be resolved (a
//! missing one, or a failed source), its value cannot be known: the stream still passes,
//! redacted of the others, the problems are reported on stderr at the start and the exit
//! status is 1, so a pipeline with `pipefail` notices.

use std::io::{self, Read, Write};
use std::ops::Deref;

use secretary::manifest::EnvironmentSpec;
use secretary::redact::Redactor;
use secretary::resolve::{Scope, resolve};
use secretary::{Manifest, Variables};
use zeroize::Zeroizing;

use super::Failure;
use crate::exit::Status;
use crate::render;

/// Copies `from` to `to` through the redactor `current` gives at each read, until end of
/// input, flushing after every read so output appears as the writer produces it.
/// `current` may give a fixed redactor, or (`run --watch`) a newer one after a change:
/// the held-back tail carries over, since the newer one knows every older value too.
/// Stops early, without error, when `to` is closed (the reader then gets `EPIPE` as it
/// would without us). A read error still writes what was held back, then is returned.
pub fn pump<R: Deref<Target = Redactor>>(
    current: impl Fn() -> R,
    mut from: impl Read,
    mut to: impl Write,
) -> io::Result<()> {
    let mut buffer = vec![0; 64 * 1024];
    let mut pending = Zeroizing::new(Vec::new());
    let mut out = Vec::with_capacity(buffer.len() + 64);
    let mut write = |out: &[u8]| match to.write_all(out).and_then(|()| to.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(error) => Err(error),
        Ok(()) => Ok(true),
    };
    let ended = loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break Ok(()),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => break Err(error),
        };
        out.clear();
        current().stream(&mut pending, &buffer[..read], &mut out);
        if !write(&out)? {
            return Ok(());
        }
    };
    out.clear();
    current().finish_stream(&mut pending, &mut out);
    write(&out)?;
    ended
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
    pump(|| &redactor, io::stdin().lock(), io::stdout().lock())?;
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
