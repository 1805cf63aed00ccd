//! What a problem's fix says: what a valid value is, and where a missing secret could be
//! put, in the environment's order.

use std::fmt::Write as _;

use super::{Fix, Place};
use crate::manifest::{EnvironmentSpec, Manifest, SecretSpec};

/// "a `postgresql://...` URL of at most 200 characters": what a valid value is, for hints.
pub(super) fn expectation(spec: &SecretSpec) -> String {
    use crate::manifest::SecretType;
    let c = &spec.constraints;
    let mut text = match spec.kind {
        SecretType::String => "a value".to_owned(),
        SecretType::Url if c.schemes.is_empty() => "a `scheme://...` URL".to_owned(),
        SecretType::Url => format!("a `{}://...` URL", c.schemes[0]),
        SecretType::Int => match (c.min, c.max) {
            (Some(min), Some(max)) => format!("a whole number from {min} to {max}"),
            (Some(min), None) => format!("a whole number of at least {min}"),
            (None, Some(max)) => format!("a whole number of at most {max}"),
            (None, None) => "a whole number".to_owned(),
        },
        SecretType::Port => "a port (1-65535)".to_owned(),
        SecretType::Bool => "true or false".to_owned(),
        SecretType::Enum => format!("one of {}", c.values.join(", ")),
    };
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) => {
            let _ = write!(text, " of {min} to {max} characters");
        }
        (Some(min), None) => {
            let _ = write!(text, " of at least {min} characters");
        }
        (None, Some(max)) => {
            let _ = write!(text, " of at most {max} characters");
        }
        (None, None) => {}
    }
    if let Some(pattern) = &c.pattern {
        let written = pattern.as_str();
        let written = written
            .strip_prefix("^(?:")
            .and_then(|p| p.strip_suffix(")$"))
            .unwrap_or(written);
        let _ = write!(text, " matching `{written}`");
    }
    text
}

/// Where a missing secret could be put, in the environment's order: "set `DATABASE_URL`
/// in the environment, or add `DATABASE_URL=...` to .env".
pub(super) fn where_to_put(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    spec: &SecretSpec,
) -> Fix {
    let mut places = Vec::new();
    for source in &environment.sources {
        let app = manifest.app().name.as_deref();
        let place = manifest
            .source(source)
            .map_or(Place::Environment, |spec_of| {
                spec_of.config.settings().place_for(
                    source,
                    spec,
                    &environment.name,
                    app,
                    manifest.shown_dir(),
                )
            });
        if places.last() != Some(&place) {
            places.push(place);
        }
    }
    Fix::Provide {
        name: spec.primary_env().to_owned(),
        places,
    }
}
