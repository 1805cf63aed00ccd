//! `secretary list`: the declared secrets, from the manifest alone.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use secretary::Manifest;
use secretary::manifest::{NewValue, SecretSpec};

use super::Failure;
use super::output::write_json;
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
    enforce_rotation: bool,
    /// Its own `required` and `default` for some secrets (`default` only of non-sensitive
    /// secrets: the manifest allows no other).
    rules: BTreeMap<&'a str, RuleOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
}

#[derive(Serialize)]
struct RotationOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    every_seconds: Option<u64>,
    /// `generated` or `provided`.
    new_value: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<RotationOut>,
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
        rotation: spec.rotation.as_ref().map(|rotation| {
            let (new_value, bytes, format) = match rotation.new_value {
                NewValue::Generated { bytes, encoding } => {
                    ("generated", Some(bytes), Some(encoding.as_str()))
                }
                _ => ("provided", None, None),
            };
            RotationOut {
                every_seconds: rotation.every.map(|every| every.as_secs()),
                new_value,
                bytes,
                format,
            }
        }),
    }
}

pub fn run(manifest: &Manifest, format: Format, out: &mut impl Write) -> Result<Status, Failure> {
    let shown = secretary::printable::path(&manifest.shown_path());
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
                        enforce_rotation: e.enforce_rotation,
                        rules: e
                            .rules
                            .iter()
                            .map(|(key, rule)| {
                                (
                                    key.as_str(),
                                    RuleOut {
                                        required: rule.required,
                                        default: rule.default.as_deref(),
                                    },
                                )
                            })
                            .collect(),
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
                for (key, rule) in &environment.rules {
                    let mut said = Vec::new();
                    if let Some(required) = rule.required {
                        said.push(if required { "required" } else { "optional" }.to_owned());
                    }
                    if let Some(default) = &rule.default {
                        said.push(format!("default {}", default.escape_debug()));
                    }
                    if let Some(template) = &rule.template {
                        let inputs: Vec<&str> = template.inputs().collect();
                        said.push(format!("template({})", inputs.join(", ")));
                    }
                    writeln!(out, "  {key}: {}", said.join(", "))?;
                }
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
