//! `secretary check`: resolve and validate every secret; report every problem at once.

use std::io::Write;

use serde::Serialize;

use secretary::audit::Event;
use secretary::manifest::EnvironmentSpec;
use secretary::{Manifest, ProblemKind, Variables};
use secretary::{Scope, resolve};

use super::{Failure, write_json};
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

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    format: Format,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let report = resolve(manifest, environment, vars, Scope::All)?;
    super::audit_report(Event::Validate, &report)?;
    let shown = manifest.shown_path().display().to_string();
    match format {
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
                out,
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
                writeln!(out, "{}", summary(&report, &shown))?;
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

/// `error: 3 problems in environment `production` (secrets.toml): 2 missing, 1 invalid`.
pub fn summary(report: &secretary::Report, shown: &str) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for problem in report.resolutions.iter().flat_map(|r| &r.problems) {
        let code = problem.kind.state().as_str();
        match counts.iter_mut().find(|c| c.0 == code) {
            Some(count) => count.1 += 1,
            None => counts.push((code, 1)),
        }
    }
    let total = report.problem_count();
    let detail: Vec<String> = counts
        .iter()
        .map(|&(code, n)| match (code, n) {
            ("missing" | "invalid", _) | (_, 1) => format!("{n} {}", code.replace('_', " ")),
            _ => format!("{n} {}s", code.replace('_', " ")),
        })
        .collect();
    format!(
        "error: {total} problem{} in environment `{}` ({shown}): {}",
        if total == 1 { "" } else { "s" },
        report.environment,
        detail.join(", ")
    )
}
