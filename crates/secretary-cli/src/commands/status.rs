//! `secretary status`: one row per secret: state, where from, type, and the value only
//! for secrets declared `sensitive = false`.

use std::io::Write;

use serde::Serialize;

use secretary::manifest::EnvironmentSpec;
use secretary::resolve::{Resolution, Scope, resolve};
use secretary::{Manifest, Variables};

use super::{Failure, write_json};
use crate::args::Format;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    manifest: String,
    environment: &'a str,
    ok: bool,
    secrets: Vec<Row<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Row<'a> {
    key: &'a str,
    state: &'static str,
    present: bool,
    source: Option<&'a str>,
    locator: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
    sensitive: bool,
    /// Present only for non-sensitive secrets that have a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    problems: Vec<&'static str>,
}

/// `ok`, `unset` (optional, absent), or the code of the first problem.
fn state(resolution: &Resolution) -> &'static str {
    match resolution.problems.first() {
        Some(problem) => problem.kind.code(),
        None if resolution.value.is_some() => "ok",
        None => "unset",
    }
}

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    format: Format,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let report = resolve(manifest, environment, vars, Scope::All)?;
    super::audit_report("validate", &report)?;
    let rows: Vec<Row<'_>> = report
        .resolutions
        .iter()
        .map(|resolution| {
            let spec = &resolution.spec;
            Row {
                key: resolution.key(),
                state: state(resolution),
                present: resolution.value.is_some(),
                source: resolution.origin.as_ref().map(|o| o.source.as_str()),
                locator: resolution.origin.as_ref().map(|o| o.locator.as_str()),
                kind: spec.kind.as_str(),
                required: spec.required,
                sensitive: spec.sensitive,
                value: resolution
                    .value
                    .as_ref()
                    .filter(|_| !spec.sensitive)
                    .map(secretary::SecretValue::expose),
                problems: resolution.problems.iter().map(|p| p.kind.code()).collect(),
            }
        })
        .collect();
    let shown = manifest.shown_path().display().to_string();
    match format {
        Format::Json => write_json(
            out,
            &Output {
                manifest: shown,
                environment: &report.environment,
                ok: report.is_ok(),
                secrets: rows,
                warnings: &report.warnings,
            },
        )?,
        Format::Text => {
            eprint!("{}", render::warnings(&report));
            writeln!(out, "environment {} ({shown})", report.environment)?;
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    let value = match (row.value, row.sensitive, row.present) {
                        (Some(value), _, _) => value.escape_debug().to_string(),
                        (None, true, true) => "(hidden)".to_owned(),
                        _ => String::new(),
                    };
                    vec![
                        row.key.to_owned(),
                        row.state.to_owned(),
                        row.locator.unwrap_or("-").to_owned(),
                        row.kind.to_owned(),
                        value,
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                render::table(&["KEY", "STATE", "SOURCE", "TYPE", "VALUE"], &table)
            )?;
            if !report.is_ok() {
                writeln!(out, "{}", super::check::summary(&report, &shown))?;
                writeln!(out, "run `secretary check` for details and fixes")?;
            }
        }
    }
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}
