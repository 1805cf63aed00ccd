//! `type = "files"`: a directory with one file per secret (Docker and Kubernetes
//! mounts), named by the secret's key or its primary env name.

use std::path::Path;

use super::Kind;
use crate::manifest::{Setting, Spot, 
    Declaration, Extent, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table,
};
use crate::source::{FilesSource, Source};

/// The `files` kind.
pub(crate) struct Files;

impl SourceKind {
    /// `files`: a directory with one file per secret.
    pub const FILES: SourceKind = SourceKind::new("files");
}

impl Declaration for Files {
    fn kind(&self) -> SourceKind {
        SourceKind::FILES
    }

    fn description(&self) -> &'static str {
        "one file per secret"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            Setting::new(
                "dir",
                "the directory, one file per secret (DIR/<key> or DIR/<PRIMARY_ENV_NAME>).",
                r#"{ "type": "string", "minLength": 1 }"#,
            )
            .required(),
        ]}
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        match table.take::<String>("dir").ok()? {
            // Bounded as a vault source's place: it is in every secret's place (a
            // thirty-seventh adversarial pass).
            Some(dir) if dir.get_ref().len() > super::vault::MOST_PLACE_TEXT => {
                table.report(
                    dir.span().start,
                    format!(
                        "files source `{}`: `dir` is {} bytes long: at most {}",
                        table.name(),
                        dir.get_ref().len(),
                        super::vault::MOST_PLACE_TEXT
                    ),
                    None,
                );
                None
            }
            Some(dir) if !dir.get_ref().is_empty() => Some(SourceConfig::new(FilesConfig {
                dir: dir.into_inner(),
            })),
            other => {
                table.report(
                    other.as_ref().map_or(table.at(), |d| d.span().start),
                    format!("files source `{}` needs `dir`", table.name()),
                    Some("for example `dir = \"/run/secrets\"`".to_owned()),
                );
                None
            }
        }
    }
}

impl Kind for Files {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<FilesConfig>()?;
        Some(Box::new(FilesSource::new(name, config.dir.clone())))
    }
}

/// Settings of a `files` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FilesConfig {
    /// The directory, as written in the manifest.
    pub dir: String,
}

impl FilesConfig {
    /// A source of the files in `dir`.
    pub fn new(dir: impl Into<String>) -> Self {
        Self { dir: dir.into() }
    }
}

impl Settings for FilesConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::FILES
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        format!("one file per secret in {}", self.dir)
    }

    fn places(&self, spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Spot> {
        let mut files = vec![Spot::File(format!("{}/{}", self.dir, spec.key))];
        if spec.primary_env() != spec.key {
            files.push(Spot::File(format!("{}/{}", self.dir, spec.primary_env())));
        }
        files
    }

    /// A secret reads its file whole.
    fn extents(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Extent> {
        let mut files = vec![Extent::WholeFile(format!("{}/{}", self.dir, spec.key))];
        if spec.primary_env() != spec.key {
            files.push(Extent::WholeFile(format!(
                "{}/{}",
                self.dir,
                spec.primary_env()
            )));
        }
        let _ = (environment, app);
        files
    }

    fn place_for(
        &self,
        _source: &str,
        spec: &SecretSpec,
        _environment: &str,
        _app: Option<&str>,
        shown_dir: &Path,
    ) -> Place {
        Place::File(shown_dir.join(&self.dir).join(&spec.key))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
