//! `secretary check`: resolve and validate every secret; report every problem at once.

use std::io::Write;

use serde::Serialize;

use secretary::ProblemKind;
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
    problems: Vec<ProblemOut<'a>>,
    fallbacks: Vec<FallbackOut<'a>>,
    /// Every secret whose source says when its value was written (Vault KV v2): its age
    /// and when it is due for rotation.
    ages: Vec<AgeOut<'a>>,
    /// Every secret served from its source's last-known-good copy (Vault could not be
    /// reached): its age and why.
    stale: Vec<super::StaleOut<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct AgeOut<'a> {
    key: &'a str,
    #[serde(flatten)]
    age: super::Age,
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    key: &'a str,
    description: &'a str,
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locator: Option<String>,
    looked: &'a [String],
    hint: String,
}

#[derive(Serialize)]
struct FallbackOut<'a> {
    key: &'a str,
    source: &'a str,
    error: String,
}

pub fn run(session: &Session, settings: &CheckSettings) -> Result<Status, Failure> {
    let mut out = session.out();
    let report = session.resolve(&[])?;
    session.audit_report(Event::Validate, &report)?;
    let shown = session.shown();
    match settings.format {
        Format::Json => {
            let mut problems = Vec::new();
            let mut fallbacks = Vec::new();
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
            for resolution in &report.resolutions {
                let description = resolution.spec.description.as_str();
                for problem in &resolution.problems {
                    let (source, locator) = match &problem.kind {
                        ProblemKind::SourceFailed { source, .. } => (Some(source.as_str()), None),
                        ProblemKind::Invalid { origin, .. }
                        | ProblemKind::Placeholder { origin, .. } => {
                            (None, Some(origin.to_string()))
                        }
                        _ => (None, None),
                    };
                    problems.push(ProblemOut {
                        key: resolution.key(),
                        description,
                        code: problem.kind.state().as_str(),
                        message: problem.kind.to_string(),
                        source,
                        locator,
                        looked: &resolution.looked,
                        hint: problem.fix.to_string(),
                    });
                }
                for fallback in &resolution.fallbacks {
                    fallbacks.push(FallbackOut {
                        key: resolution.key(),
                        source: &fallback.source,
                        error: fallback.error.to_string(),
                    });
                }
            }
            write_json(
                &mut out,
                &Output {
                    manifest: shown,
                    environment: &report.environment,
                    ok: report.is_ok(),
                    secrets: report.resolutions.len(),
                    problems,
                    fallbacks,
                    ages,
                    stale: super::StaleOut::of(&report),
                    warnings: &report.warnings,
                },
            )?;
        }
        Format::Text => {
            say_raw!("{}", render::warnings(&report));
            if report.is_ok() {
                let set = report
                    .resolutions
                    .iter()
                    .filter(|r| r.value.is_some())
                    .count();
                let unset = report.resolutions.len() - set;
                let stale = stale_note(&report);
                writeln!(
                    out,
                    "ok: {} secrets valid in environment `{}` ({shown}): {set} set{stale}, {unset} optional not set",
                    report.resolutions.len(),
                    report.environment,
                )?;
            } else {
                write!(out, "{}", render::problems(&report))?;
                writeln!(out, "{}", render::summary(&report, &shown))?;
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
fn stale_note(report: &secretary::Report) -> String {
    match report
        .resolutions
        .iter()
        .filter(|r| r.stale.is_some())
        .count()
    {
        0 => String::new(),
        stale => {
            format!(" ({stale} STALE: from the last-known-good copy, Vault could not be reached)")
        }
    }
}
