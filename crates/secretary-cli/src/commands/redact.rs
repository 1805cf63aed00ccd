//! `secretary redact`: stdin to stdout with every resolved sensitive value replaced by
//! `[redacted:KEY]`, streaming (no line is held back, binary data passes), through the
//! same pump as `run --redact` ([`crate::child::pump`]).
//!
//! Every value that resolved is redacted. When some secret could not be resolved (a
//! missing one, or a failed source), its value cannot be known: the stream still passes,
//! redacted of the others, the problems are reported on stderr at the start and the exit
//! status is 1, so a pipeline with `pipefail` notices.

use std::io;

use super::Failure;
use super::session::Session;
use crate::child::pump;
use crate::exit::Status;
use crate::render;
use secretary::audit::Event;
use secretary::redact::Redactor;

pub fn run(session: &Session) -> Result<Status, Failure> {
    let report = session.resolve(&[])?;
    session.audit_report(Event::Resolve, &report)?;
    say_raw!("{}", render::warnings(&report));
    if !report.is_ok() {
        say_raw!("{}", render::problems(&report));
        let unknown = render::unknown_values(&report);
        if !unknown.is_empty() {
            say!(
                "secretary redact: the values of {} are not known, and not redacted",
                unknown.join(", ")
            );
        }
    }
    let redactor = Redactor::from_report(&report);
    pump(|| &redactor, io::stdin().lock(), io::stdout().lock())?;
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
