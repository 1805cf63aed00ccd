//! `type = "env"`: the process environment, by each secret's env names in order. It takes
//! no settings, and its values never change while the process runs.

use std::path::Path;

use super::Kind;
use crate::manifest::{Setting, Spot, 
    Capabilities, Declaration, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table,
};
use crate::source::{EnvSource, Source};

/// The `env` kind.
pub(crate) struct Env;

impl SourceKind {
    /// `env`: the process environment.
    pub const ENV: SourceKind = SourceKind::new("env");
}

impl Declaration for Env {
    fn kind(&self) -> SourceKind {
        SourceKind::ENV
    }

    fn description(&self) -> &'static str {
        "the process environment"
    }

    fn settings(&self) -> &'static [Setting] {
        &[]
    }

    fn capabilities(&self) -> Capabilities {
        // The process environment does not change while it runs.
        Capabilities::new(&[])
    }

    fn check(&self, _table: &mut Table<'_>) -> Option<SourceConfig> {
        Some(SourceConfig::new(EnvConfig))
    }
}

impl Kind for Env {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let _config = config.get::<EnvConfig>()?;
        Some(Box::new(EnvSource::new(name)))
    }
}

/// Settings of an `env` source: there are none.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvConfig;

impl Settings for EnvConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::ENV
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        "the process environment".to_owned()
    }

    fn places(&self, spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Spot> {
        // Env names are already unique: one claimed twice is refused.
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
        _shown_dir: &Path,
    ) -> Place {
        Place::Environment
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
