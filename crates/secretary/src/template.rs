//! `.env` templates (`.env.example`, `.env.production.example`) generated from the
//! manifest, so the template can never drift from what the application declares.
//!
//! A template has, for each secret: its description, whether it is required and its type
//! and constraints as comments, then `NAME=` with the default of a non-sensitive secret,
//! `change-me` for a required sensitive one (a placeholder `check` recognises) and nothing
//! for an optional one. The header names the environment and the sources it asks, in
//! order. The text depends on the manifest alone, so it is stable enough to commit and to
//! compare in CI (`secretary example --check`).
//!
//! ```
//! let manifest = secretary::Manifest::parse(
//!     "version = 1\n[secrets.api_key]\ndescription = \"Payment API key\"\nrequired = true\n",
//!     std::path::Path::new("secrets.toml"),
//! )?;
//! let text = secretary::template::render(&manifest, &manifest.environments()[0]);
//! assert!(text.contains("# Payment API key\n# required\nAPI_KEY=change-me\n"));
//! # Ok::<(), secretary::manifest::ManifestError>(())
//! ```

use std::fmt::Write as _;

use crate::export::{Format, render as render_values};
use crate::manifest::{EnvironmentSpec, Manifest, SecretSpec, SecretType, SourceConfig};

/// The placeholder written for required sensitive secrets.
pub const PLACEHOLDER: &str = "change-me";

/// The conventional file name of `environment`'s template: `.env.example` for the
/// manifest's default environment, `.env.NAME.example` for the others.
pub fn file_name(manifest: &Manifest, environment: &EnvironmentSpec) -> String {
    if environment.name == manifest.app().default_environment {
        ".env.example".to_owned()
    } else {
        format!(".env.{}.example", environment.name)
    }
}

/// The template for `environment`.
pub fn render(manifest: &Manifest, environment: &EnvironmentSpec) -> String {
    let mut out = String::new();
    let app = manifest
        .app()
        .name
        .as_deref()
        .map(|name| format!(" of `{name}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# The secrets{app}, environment `{}`.",
        environment.name
    );
    let _ = writeln!(
        out,
        "# Generated from {} by `secretary --env {} example`.",
        manifest
            .path()
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned()),
        environment.name
    );
    // With the environment: `example --check` alone compares the default environment's
    // template (a thirty-seventh adversarial pass).
    let _ = writeln!(
        out,
        "# Edit the manifest, not this file: `secretary --env {} example --check` finds drift.",
        environment.name
    );
    out.push_str("# Fill in a copy; never commit values.\n");
    out.push_str("#\n# Where secretary looks, in order:\n");
    for name in &environment.sources {
        if let Some(source) = manifest.source(name) {
            let described = describe(&source.config, environment, manifest.app().name.as_deref());
            let _ = writeln!(out, "#   {name}: {described}");
        }
    }
    if environment.forbid_placeholders {
        out.push_str("# Placeholders such as `change-me` are refused in this environment.\n");
    }
    for secret in environment.secrets() {
        out.push('\n');
        if !secret.description.is_empty() {
            for line in secret.description.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(out, "# {}", requirements(secret));
        if secret.env.len() > 1 {
            let _ = writeln!(out, "# also read as: {}", secret.env[1..].join(", "));
        }
        let value = if secret.sensitive {
            if secret.required { PLACEHOLDER } else { "" }
        } else {
            secret.default.as_deref().unwrap_or("")
        };
        let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:/@,+".contains(c);
        if value.chars().all(plain) {
            let _ = writeln!(out, "{}={value}", secret.primary_env());
        } else {
            out.push_str(&render_values(
                Format::Dotenv,
                [(secret.primary_env(), value)],
            ));
        }
    }
    out
}

/// One line on a source: what it reads.
fn describe(config: &SourceConfig, environment: &EnvironmentSpec, app: Option<&str>) -> String {
    config.settings().describe(&environment.name, app)
}

/// `required, url (postgresql, postgres)`, `optional, int 1..=65535, default shown`...
fn requirements(secret: &SecretSpec) -> String {
    let mut parts = vec![if secret.required {
        "required".to_owned()
    } else {
        "optional".to_owned()
    }];
    let c = &secret.constraints;
    let kind = match secret.kind {
        SecretType::String => None,
        SecretType::Url if !c.schemes.is_empty() => Some(format!("url ({})", c.schemes.join(", "))),
        SecretType::Enum => Some(format!("one of: {}", c.values.join(", "))),
        SecretType::Int => Some(match (c.min, c.max) {
            (Some(min), Some(max)) => format!("int {min}..={max}"),
            (Some(min), None) => format!("int >= {min}"),
            (None, Some(max)) => format!("int <= {max}"),
            (None, None) => "int".to_owned(),
        }),
        other => Some(other.as_str().to_owned()),
    };
    parts.extend(kind);
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max} characters")),
        (Some(min), None) => parts.push(format!("at least {min} characters")),
        (None, Some(max)) => parts.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    if let Some(pattern) = &c.pattern {
        parts.push(format!("matching `{}`", pattern.as_str()));
    }
    if !secret.sensitive {
        parts.push(if secret.default.is_some() {
            "not secret, default shown".to_owned()
        } else {
            "not secret".to_owned()
        });
    }
    parts.join(", ")
}
