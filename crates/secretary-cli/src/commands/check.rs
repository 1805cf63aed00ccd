//! `secretary check`: resolve and validate every secret; report every problem at once.

use std::io::Write;

use serde::Serialize;

use secretary::State;
use secretary::audit::Event;

use super::Failure;
use super::output::write_json;
use super::session::Session;
use super::settings::CheckSettings;
use crate::args::Format;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    manifest: String,
    environment: &'a str,
    ok: bool,
    secrets: usize,
    /// Every problem, as the library's summary has it.
    problems: &'a [secretary::summary::Entry],
    /// Every source skipped for a secret (`on_source_error = "next"`).
    fallbacks: &'a [secretary::summary::Skip],
    /// Every secret whose source says when its value was written (Vault KV v2): its age
    /// and when it is due for rotation.
    ages: Vec<AgeOut<'a>>,
    /// Every secret served from its source's last-known-good copy (Vault could not be
    /// reached): its age and why.
    stale: Vec<super::StaleOut<'a>>,
    warnings: &'a [secretary::Warning],
}

#[derive(Serialize)]
struct AgeOut<'a> {
    key: &'a str,
    #[serde(flatten)]
    age: super::Age,
}

pub fn run(session: &Session, settings: &CheckSettings) -> Result<Status, Failure> {
    let mut out = session.out();
    let report = session.resolve(&[])?;
    session.audit_report(Event::Validate, &report)?;
    let shown = session.shown();
    let summary = report.summary();
    match settings.format {
        Format::Json => {
            let now = std::time::SystemTime::now();
            let ages = report
                .resolutions
                .iter()
                .filter_map(|resolution| {
                    super::Age::of(resolution, now).map(|age| AgeOut {
                        key: resolution.key(),
                        age,
                    })
                })
                .collect();
            write_json(
                &mut out,
                &Output {
                    manifest: shown,
                    environment: &report.environment,
                    ok: summary.ok,
                    secrets: summary.counts.secrets,
                    problems: &summary.problems,
                    fallbacks: &summary.fallbacks,
                    ages,
                    stale: super::StaleOut::of(&report),
                    warnings: &report.warnings,
                },
            )?;
        }
        Format::Text => {
            say_raw!("{}", render::warnings(&report));
            if summary.ok {
                let counts = &summary.counts;
                let stale = counts.of(State::Stale);
                let set = counts.of(State::Ok) + stale;
                let unset = counts.of(State::Unset);
                let stale = stale_note(stale);
                writeln!(
                    out,
                    "ok: {} secrets valid in environment `{}` ({shown}): {set} set{stale}, {unset} optional not set",
                    counts.secrets, summary.environment,
                )?;
            } else {
                write!(out, "{}", render::problems_of(&summary))?;
                writeln!(out, "error: {}", summary.headline(&shown))?;
            }
        }
    }
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}

/// ` (2 STALE: ...)` after the count of values set, when some come from a copy.
fn stale_note(stale: usize) -> String {
    match stale {
        0 => String::new(),
        stale => {
            format!(" ({stale} STALE: from the last-known-good copy, Vault could not be reached)")
        }
    }
}
