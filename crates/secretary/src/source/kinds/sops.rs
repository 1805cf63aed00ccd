//! `type = "sops"`: a file encrypted with sops (dotenv, YAML or JSON), decrypted by the
//! real `sops`; its keys are env names, as a `.env`'s are.

use std::path::Path;

use super::Kind;
use crate::manifest::{Setting, Spot, Declaration, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table};
use crate::source::{SopsSource, Source};

/// The `sops` kind.
pub(crate) struct Sops;

impl SourceKind {
    /// `sops`: a file encrypted with sops.
    pub const SOPS: SourceKind = SourceKind::new("sops");
}

impl Declaration for Sops {
    fn kind(&self) -> SourceKind {
        SourceKind::SOPS
    }

    fn description(&self) -> &'static str {
        "a file encrypted with sops"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            Setting::new(
                "file",
                "the encrypted file, relative to the manifest (dotenv, YAML or JSON, as sops wrote it).",
                r#"{ "type": "string", "minLength": 1 }"#,
            )
            .required(),
            Setting::new(
                "format",
                "how the file is written; default from its extension (.env, .yaml/.yml, .json).",
                r#"{ "enum": ["dotenv", "yaml", "json"] }"#,
            ),
        ]}
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        let name = table.name();
        let file = table.take::<String>("file").ok()?;
        let format = table.take::<String>("format").ok()?;
        let file = match file {
            Some(file) if !file.get_ref().trim().is_empty() => file,
            other => {
                table.report(
                    other.as_ref().map_or(table.at(), |f| f.span().start),
                    format!("sops source `{name}` needs `file`"),
                    Some("for example `file = \"secrets.enc.env\"`".to_owned()),
                );
                return None;
            }
        };
        let format = if let Some(format) = &format {
            let Some(known) = SopsFormat::from_name(format.get_ref()) else {
                table.report(
                    format.span().start,
                    format!(
                        "sops source `{name}`: unknown format `{}`",
                        format.get_ref()
                    ),
                    Some("use `dotenv`, `yaml` or `json`".to_owned()),
                );
                return None;
            };
            known
        } else {
            let Some(known) = SopsFormat::from_file_name(file.get_ref()) else {
                table.report(
                    file.span().start,
                    format!(
                        "sops source `{name}`: the format of `{}` cannot be told from its name",
                        file.get_ref()
                    ),
                    Some("add `format = \"dotenv\"`, `\"yaml\"` or `\"json\"`".to_owned()),
                );
                return None;
            };
            known
        };
        Some(SourceConfig::new(SopsConfig {
            file: file.into_inner(),
            format,
        }))
    }
}

impl Kind for Sops {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<SopsConfig>()?;
        Some(Box::new(SopsSource::new(
            name,
            config.file.clone(),
            config.format,
        )))
    }
}

/// Settings of a `sops` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SopsConfig {
    /// The file, as written in the manifest.
    pub file: String,
    /// How it is written.
    pub format: SopsFormat,
}

impl SopsConfig {
    /// A source of `file`, written as `format` says.
    pub fn new(file: impl Into<String>, format: SopsFormat) -> Self {
        Self {
            file: file.into(),
            format,
        }
    }
}

impl Settings for SopsConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::SOPS
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        format!(
            "{}, encrypted with sops ({})",
            self.file,
            self.format.as_str()
        )
    }

    fn places(&self, spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Spot> {
        // A sops file's keys are env names, as a `.env`'s are (it is often one encrypted).
        spec.env
            .iter()
            .map(|name| Spot::Named(format!("`{name}`")))
            .collect()
    }

    fn place_for(
        &self,
        _source: &str,
        _spec: &SecretSpec,
        _environment: &str,
        _app: Option<&str>,
        shown_dir: &Path,
    ) -> Place {
        Place::Sops(shown_dir.join(&self.file))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// How a sops-encrypted file is written: its `format`, or its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SopsFormat {
    /// `KEY=value` lines (`.env`).
    Dotenv,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl SopsFormat {
    /// The format a file's name says, if it says one.
    pub fn from_file_name(file: &str) -> Option<Self> {
        let path = Path::new(file);
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Some(Self::Json),
            Some("yaml" | "yml") => Some(Self::Yaml),
            Some("env") => Some(Self::Dotenv),
            // `.env`, `.env.production`: named as `.env` files are.
            _ if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.to_ascii_lowercase().starts_with(".env")) =>
            {
                Some(Self::Dotenv)
            }
            _ => None,
        }
    }

    /// The manifest spelling (`format = "..."`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "dotenv" => Some(Self::Dotenv),
            "yaml" => Some(Self::Yaml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dotenv => "dotenv",
            Self::Yaml => "yaml",
            Self::Json => "json",
        }
    }
}
