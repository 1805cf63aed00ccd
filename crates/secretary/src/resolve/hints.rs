//! What a problem's fix says: what a valid value is, and where a missing secret could be
//! put, in the environment's order.

use std::fmt::Write as _;

use super::{Fix, Place};
use crate::manifest::{EnvironmentSpec, Manifest, SecretSpec, SourceConfig, VaultConfig};

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
        let place = match manifest.source(source).map(|s| &s.config) {
            None | Some(SourceConfig::Env) => Place::Environment,
            Some(SourceConfig::Dotenv { files }) => {
                let file = files.first().map_or(".env", String::as_str);
                Place::Dotenv(manifest.shown_dir().join(file))
            }
            Some(SourceConfig::Files { dir }) => {
                Place::File(manifest.shown_dir().join(dir).join(&spec.key))
            }
            Some(SourceConfig::Vault(vault)) => {
                let app = manifest.app().name.as_deref();
                let path = VaultConfig::expand(&vault.path, &environment.name, &spec.key, app)
                    .unwrap_or_else(|| vault.path.clone());
                Place::Vault(format!("{}/{path}", vault.mount))
            }
            Some(SourceConfig::Sops { file, .. }) => Place::Sops(manifest.shown_dir().join(file)),
            Some(SourceConfig::Exec { .. }) => Place::Provider(source.clone()),
            Some(SourceConfig::VaultLease(_)) => Place::Lease(source.clone()),
            Some(SourceConfig::AwsSecretsManager(aws)) => {
                let app = manifest.app().name.as_deref();
                let expand = |template: &str| {
                    VaultConfig::expand(template, &environment.name, &spec.key, app)
                        .unwrap_or_else(|| template.to_owned())
                };
                Place::AwsSecret {
                    name: expand(&aws.name),
                    field: aws.field.as_deref().map(expand),
                }
            }
            Some(SourceConfig::AwsParameterStore(aws)) => {
                let app = manifest.app().name.as_deref();
                Place::AwsParameter(
                    VaultConfig::expand(&aws.name, &environment.name, &spec.key, app)
                        .unwrap_or_else(|| aws.name.clone()),
                )
            }
        };
        if places.last() != Some(&place) {
            places.push(place);
        }
    }
    Fix::Provide {
        name: spec.primary_env().to_owned(),
        places,
    }
}
