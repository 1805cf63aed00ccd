//! `secretary get KEY`: the raw value on stdout and nothing else, so that
//! `$(secretary get database_url)` is exactly the value. A newline is added only when
//! stdout is a terminal.

use std::io::{IsTerminal, Write};

use secretary::audit::Event;

use super::Failure;
use super::session::Session;
use super::settings::GetSettings;
use crate::exit::Status;
use crate::render;

pub fn run(session: &Session, settings: &GetSettings<'_>) -> Result<Status, Failure> {
    let key = settings.key;
    let mut out = session.out();
    let report = session.resolve(&[key])?;
    session.audit_report(Event::Get, &report)?;
    say_raw!("{}", render::warnings(&report));
    let Some(resolution) = report.get(key) else {
        return Ok(Status::Problems);
    };
    if !resolution.problems.is_empty() {
        say_raw!("{}", render::problems(&report));
        say!("{}", render::summary(&report, &session.shown()));
        return Ok(Status::Problems);
    }
    let Some(value) = &resolution.value else {
        return Err(Failure::Unset {
            key: key.to_owned(),
            environment: report.environment.clone(),
            looked: resolution.looked.clone(),
        });
    };
    out.write_all(value.expose().as_bytes())?;
    if std::io::stdout().is_terminal() {
        writeln!(out)?;
    }
    Ok(Status::Success)
}
