//! `secretary list`: the declared secrets, from the manifest alone.

use std::io::Write;

use serde::Serialize;

use secretary::Manifest;
use secretary::manifest::SecretSpec;

use super::{Failure, write_json};
use crate::args::Format;
use crate::exit::Status;
use crate::render;

#[derive(Serialize)]
struct Output<'a> {
    manifest: String,
    app: Option<&'a str>,
    environments: Vec<EnvironmentOut<'a>>,
    sources: Vec<SourceOut<'a>>,
    secrets: Vec<SecretOut<'a>>,
}

#[derive(Serialize)]
struct EnvironmentOut<'a> {
    name: &'a str,
    sources: &'a [String],
    on_source_error: &'static str,
    forbid_placeholders: bool,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct SecretOut<'a> {
    key: &'a str,
    description: &'a str,
    required: bool,
    sensitive: bool,
    env: &'a [String],
    #[serde(rename = "type")]
    kind: &'static str,
    /// Only non-sensitive secrets can have a default, so this never shows a secret.
    default: Option<&'a str>,
    constraints: Constraints<'a>,
}

#[derive(Serialize)]
struct Constraints<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    min_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    values: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    schemes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
}

fn secret_out(spec: &SecretSpec) -> SecretOut<'_> {
    let c = &spec.constraints;
    SecretOut {
        key: &spec.key,
        description: &spec.description,
        required: spec.required,
        sensitive: spec.sensitive,
        env: &spec.env,
        kind: spec.kind.as_str(),
        default: spec.default.as_deref().filter(|_| !spec.sensitive),
        constraints: Constraints {
            min_length: c.min_length,
            max_length: c.max_length,
            pattern: c.pattern.as_ref().map(|p| {
                p.as_str()
                    .strip_prefix("^(?:")
                    .and_then(|p| p.strip_suffix(")$"))
                    .unwrap_or(p.as_str())
            }),
            values: &c.values,
            schemes: &c.schemes,
            min: c.min,
            max: c.max,
        },
    }
}

pub fn run(manifest: &Manifest, format: Format, out: &mut impl Write) -> Result<Status, Failure> {
    let shown = manifest.shown_path().display().to_string();
    match format {
        Format::Json => {
            let output = Output {
                manifest: shown,
                app: manifest.app().name.as_deref(),
                environments: manifest
                    .environments()
                    .iter()
                    .map(|e| EnvironmentOut {
                        name: &e.name,
                        sources: &e.sources,
                        on_source_error: e.on_source_error.as_str(),
                        forbid_placeholders: e.forbid_placeholders,
                    })
                    .collect(),
                sources: manifest
                    .sources()
                    .iter()
                    .map(|s| SourceOut {
                        name: &s.name,
                        kind: s.config.kind().as_str(),
                    })
                    .collect(),
                secrets: manifest
                    .secrets()
                    .iter()
                    .map(|spec| secret_out(spec))
                    .collect(),
            };
            write_json(out, &output)?;
        }
        Format::Text => {
            let rows: Vec<Vec<String>> = manifest
                .secrets()
                .iter()
                .map(|s| {
                    vec![
                        s.key.clone(),
                        if s.required { "yes" } else { "no" }.to_owned(),
                        if s.sensitive { "yes" } else { "no" }.to_owned(),
                        s.kind.as_str().to_owned(),
                        s.env.join(", "),
                        s.description.clone(),
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                render::table(
                    &["KEY", "REQUIRED", "SENSITIVE", "TYPE", "ENV", "DESCRIPTION"],
                    &rows
                )
            )?;
            writeln!(out)?;
            for environment in manifest.environments() {
                writeln!(
                    out,
                    "environment {}: {}",
                    environment.name,
                    environment.sources.join(" -> ")
                )?;
            }
            writeln!(
                out,
                "{} secrets declared in {shown}",
                manifest.secrets().len()
            )?;
        }
    }
    Ok(Status::Success)
}
