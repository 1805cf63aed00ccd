//! `secretary status`: one row per secret: state, where from, type, and the value only
//! where [`secretary::Resolution::shown_value`] allows (a `sensitive = false` secret of a
//! bounded type, or at its default).

use std::io::Write;

use serde::Serialize;

use secretary::audit::Event;

use super::Failure;
use super::output::write_json;
use super::session::Session;
use super::settings::StatusSettings;
use crate::args::Format;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    manifest: String,
    environment: &'a str,
    ok: bool,
    secrets: Vec<Row<'a>>,
    /// The leases taken to read the secrets (revoked when `status` ends).
    leases: Vec<Lease>,
    warnings: &'a [secretary::Warning],
}

#[derive(Serialize)]
struct Lease {
    source: String,
    path: String,
    id: String,
    ttl_seconds: u64,
    renewable: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    key: &'a str,
    state: &'static str,
    present: bool,
    source: Option<&'a str>,
    locator: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
    sensitive: bool,
    /// Present only for values that may be shown ([`secretary::Resolution::shown_value`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    problems: Vec<&'static str>,
    /// When the value was written and when it is due for rotation (Vault KV v2 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    age: Option<super::Age>,
    /// Present when the value comes from the last-known-good copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<super::StaleOut<'a>>,
}

impl Lease {
    /// The leases this process holds now.
    fn held() -> Vec<Self> {
        secretary::source::leases::held()
            .into_iter()
            .map(|lease| Self {
                source: lease.source,
                path: lease.path,
                id: lease.id,
                ttl_seconds: lease.ttl_left.as_secs(),
                renewable: lease.renewable,
            })
            .collect()
    }
}

impl std::fmt::Display for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lease {} from {} (source `{}`): {} left, {}; revoked as `status` ends",
            self.id,
            self.path,
            self.source,
            secretary::validate::show_duration(std::time::Duration::from_secs(self.ttl_seconds)),
            if self.renewable {
                "renewable"
            } else {
                "not renewable"
            }
        )
    }
}

pub fn run(session: &Session, settings: &StatusSettings) -> Result<Status, Failure> {
    let mut out = session.out();
    let report = session.resolve(&[])?;
    session.audit_report(Event::Validate, &report)?;
    let now = std::time::SystemTime::now();
    let rows: Vec<Row<'_>> = report
        .resolutions
        .iter()
        .map(|resolution| {
            let spec = &resolution.spec;
            Row {
                key: resolution.key(),
                state: resolution.state().as_str(),
                present: resolution.value.is_some(),
                source: resolution.origin.as_ref().map(secretary::Origin::source),
                locator: resolution.origin.as_ref().map(ToString::to_string),
                kind: spec.kind.as_str(),
                required: spec.required,
                sensitive: spec.sensitive,
                value: resolution.shown_value(),
                problems: resolution
                    .problems
                    .iter()
                    .map(|p| p.kind.state().as_str())
                    .collect(),
                age: super::Age::of(resolution, now),
                stale: super::StaleOut::one(resolution),
            }
        })
        .collect();
    let shown = session.shown();
    let leases = Lease::held();
    match settings.format {
        Format::Json => write_json(
            &mut out,
            &Output {
                manifest: shown,
                environment: &report.environment,
                ok: report.is_ok(),
                secrets: rows,
                leases,
                warnings: &report.warnings,
            },
        )?,
        Format::Text => {
            say_raw!("{}", render::warnings(&report));
            writeln!(out, "environment {} ({shown})", report.environment)?;
            // The AGE column only where some source says when its values were written.
            let aged = rows.iter().any(|row| row.age.is_some());
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    let value = match (row.value, row.present) {
                        (Some(value), _) => value.escape_debug().to_string(),
                        (None, true) => "(hidden)".to_owned(),
                        (None, false) => String::new(),
                    };
                    let mut cells = vec![
                        row.key.to_owned(),
                        row.state.to_owned(),
                        row.locator.clone().unwrap_or_else(|| "-".to_owned()),
                        row.kind.to_owned(),
                    ];
                    if aged {
                        cells.push(row.age.as_ref().map_or_else(
                            || "-".to_owned(),
                            |age| {
                                let shown = secretary::validate::show_duration(
                                    std::time::Duration::from_secs(age.seconds),
                                );
                                if age.overdue {
                                    format!("{shown} (rotation due)")
                                } else {
                                    shown
                                }
                            },
                        ));
                    }
                    cells.push(value);
                    cells
                })
                .collect();
            let headers: &[&str] = if aged {
                &["KEY", "STATE", "SOURCE", "TYPE", "AGE", "VALUE"]
            } else {
                &["KEY", "STATE", "SOURCE", "TYPE", "VALUE"]
            };
            write!(out, "{}", render::table(headers, &table))?;
            for lease in &leases {
                writeln!(out, "{lease}")?;
            }
            if !report.is_ok() {
                writeln!(out, "{}", render::summary(&report, &shown))?;
                writeln!(out, "{}", details_and_fixes())?;
            }
        }
    }
    Ok(if report.is_ok() {
        Status::Success
    } else {
        Status::Problems
    })
}

/// Where to look for what is wrong: `check`, of this run's manifest.
fn details_and_fixes() -> String {
    format!(
        "run `{}` for details and fixes",
        crate::invocation::suggest("check", "")
    )
}
