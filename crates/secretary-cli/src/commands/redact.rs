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
        let unknown = unknown(&report);
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

/// The sensitive secrets whose values are not redacted: those with none, but a template
/// whose sensitive inputs all have one (it is redacted through them, as it is made of
/// them and its text).
fn unknown(report: &secretary::Report) -> Vec<&str> {
    let known = |key: &str| {
        report
            .get(key)
            .is_some_and(|input| input.value.is_some() || !input.spec.sensitive)
    };
    report
        .resolutions
        .iter()
        .filter(|resolution| resolution.spec.sensitive && resolution.value.is_none())
        .filter(|resolution| {
            !resolution
                .spec
                .template
                .as_ref()
                .is_some_and(|template| template.inputs().all(known))
        })
        .map(secretary::Resolution::key)
        .collect()
}
