//! `secretary get KEY`: the raw value on stdout and nothing else, so that
//! `$(secretary get database_url)` is exactly the value. A newline is added only when
//! stdout is a terminal.

use std::io::{IsTerminal, Write};

use secretary::audit::Event;
use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, Variables};
use secretary::{Scope, resolve};

use super::Failure;
use crate::exit::Status;
use crate::render;

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let report = resolve(manifest, environment, vars, Scope::Keys(&[key]))?;
    super::audit_report(Event::Get, &report)?;
    say_raw!("{}", render::warnings(&report));
    let Some(resolution) = report.get(key) else {
        return Ok(Status::Problems);
    };
    if !resolution.problems.is_empty() {
        let shown = manifest.shown_path().display().to_string();
        say_raw!("{}", render::problems(&report));
        say!("{}", super::check::summary(&report, &shown));
        return Ok(Status::Problems);
    }
    let Some(value) = &resolution.value else {
        say!(
            "error: `{key}` is not set in environment `{}` (it is optional)",
            report.environment
        );
        say!("  looked in: {}", resolution.looked.join(", "));
        return Ok(Status::Problems);
    };
    out.write_all(value.expose().as_bytes())?;
    if std::io::stdout().is_terminal() {
        writeln!(out)?;
    }
    Ok(Status::Success)
}
