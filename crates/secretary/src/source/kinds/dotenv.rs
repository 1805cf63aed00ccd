//! `type = "dotenv"`: `.env` files, later files overriding earlier ones, each secret by
//! its env names.

use std::path::Path;

use super::Kind;
use crate::manifest::{Setting, Spot, 
    Declaration, Extent, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table,
};
use crate::source::{DotenvSource, Source};

/// The `dotenv` kind.
pub(crate) struct Dotenv;

impl SourceKind {
    /// `dotenv`: `.env` files.
    pub const DOTENV: SourceKind = SourceKind::new("dotenv");
}

impl Declaration for Dotenv {
    fn kind(&self) -> SourceKind {
        SourceKind::DOTENV
    }

    fn description(&self) -> &'static str {
        ".env files"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            Setting::new(
                "files",
                "the files, relative to the manifest; later files override earlier ones.",
                r#"{ "type": "array", "minItems": 1, "maxItems": 64, "uniqueItems": true, "items": { "type": "string", "minLength": 1 } }"#,
            )
            .required(),
        ]}
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        match table.take::<Vec<String>>("files").ok()? {
            // At most 64 files, each once: every file listed is read for every
            // resolution, and each absent secret names each (a forty-fifth adversarial
            // pass: 4,000 listings of one missing file, 1,000 secrets, 2.3 GB).
            Some(files) if files.get_ref().len() > MOST_FILES => {
                table.report(
                    files.span().start,
                    format!(
                        "dotenv source `{}` lists {} files; at most {MOST_FILES}",
                        table.name(),
                        files.get_ref().len()
                    ),
                    Some("list each .env file the source reads once".to_owned()),
                );
                None
            }
            Some(files)
                if files
                    .get_ref()
                    .iter()
                    .enumerate()
                    .any(|(at, file)| files.get_ref()[..at].contains(file)) =>
            {
                table.report(
                    files.span().start,
                    format!(
                        "dotenv source `{}` lists a file twice",
                        table.name()
                    ),
                    Some("list each .env file the source reads once".to_owned()),
                );
                None
            }
            Some(files)
                if !files.get_ref().is_empty() && files.get_ref().iter().all(|f| !f.is_empty()) =>
            {
                Some(SourceConfig::new(DotenvConfig {
                    files: files.into_inner(),
                }))
            }
            other => {
                table.report(
                    other.as_ref().map_or(table.at(), |f| f.span().start),
                    format!(
                        "dotenv source `{}` needs a non-empty `files` list",
                        table.name()
                    ),
                    Some("for example `files = [\".env\"]`".to_owned()),
                );
                None
            }
        }
    }
}

impl Kind for Dotenv {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<DotenvConfig>()?;
        Some(Box::new(DotenvSource::new(name, config.files.clone())))
    }
}

/// The most files one `dotenv` source lists.
const MOST_FILES: usize = 64;

/// Settings of a `dotenv` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DotenvConfig {
    /// The files, as written in the manifest (relative to it, or absolute).
    pub files: Vec<String>,
}

impl DotenvConfig {
    /// A source of these files, later ones overriding earlier ones.
    pub fn new(files: Vec<String>) -> Self {
        Self { files }
    }
}

impl Settings for DotenvConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::DOTENV
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        format!(
            "{} (later files override earlier ones)",
            self.files.join(", ")
        )
    }

    fn places(&self, spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Spot> {
        spec.env
            .iter()
            .map(|name| Spot::Named(format!("`{name}`")))
            .collect()
    }

    /// Each of its files is read for several secrets.
    fn extents(&self, _spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Extent> {
        self.files
            .iter()
            .cloned()
            .map(Extent::FileOfSecrets)
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
        let file = self.files.first().map_or(".env", String::as_str);
        Place::Dotenv(shown_dir.join(file))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
