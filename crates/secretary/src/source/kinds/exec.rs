//! `type = "exec"`: a provider program that speaks the provider protocol
//! (`docs/provider-protocol.md`), run only after `secretary allow`.

use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::Kind;
use crate::duration::parse_duration;
use crate::manifest::{Setting, Spot, Declaration, Place, SecretSpec, Settings, SourceConfig, SourceKind, Table};
use crate::source::{ExecSource, Source};

/// The `exec` kind.
pub(crate) struct Exec;

impl SourceKind {
    /// `exec`: a provider program.
    pub const EXEC: SourceKind = SourceKind::new("exec");
}

impl Declaration for Exec {
    fn kind(&self) -> SourceKind {
        SourceKind::EXEC
    }

    fn description(&self) -> &'static str {
        "a provider program speaking secretary-provider/1; runs only after `secretary allow`"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            Setting::new(
                "command",
                "the provider program (on PATH, or a path from the manifest's directory) and its arguments; no shell.",
                r#"{ "type": "array", "minItems": 1, "items": { "type": "string" } }"#,
            )
            .required(),
            Setting::new(
                "timeout",
                "how long one request may take (default 10s).",
                r##"{ "$ref": "#/definitions/duration" }"##,
            ),
            Setting::new(
                "pass_env",
                "variables the provider is given besides PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ, TMPDIR and XDG_*.",
                r##"{ "type": "array", "items": { "$ref": "#/definitions/env_name" } }"##,
            ),
        ]}
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        let name = table.name();
        let command = table.take::<Vec<String>>("command").ok()?;
        let timeout = table.take::<String>("timeout").ok()?;
        let pass_env = table.take::<Vec<String>>("pass_env").ok()?;
        let command = match command {
            Some(command)
                if command
                    .get_ref()
                    .first()
                    .is_some_and(|program| !program.trim().is_empty()) =>
            {
                command
            }
            other => {
                table.report(
                    other.as_ref().map_or(table.at(), |c| c.span().start),
                    format!("exec source `{name}` needs `command`, a program and its arguments"),
                    Some(
                        "for example `command = [\"secretary-provider-1password\", \"--vault\", \"Prod\"]`"
                            .to_owned(),
                    ),
                );
                return None;
            }
        };
        // Bounded in all: it is part of every secret's place (a thirty-eighth
        // adversarial pass: 500 arguments of 4 KB and 2,000 secrets took 19 s).
        let length = command
            .get_ref()
            .iter()
            .map(String::len)
            .fold(0usize, usize::saturating_add);
        if length > MOST_COMMAND {
            table.report(
                command.span().start,
                format!(
                    "exec source `{name}`: `command` holds {length} bytes in all: at most {MOST_COMMAND}"
                ),
                Some("put what the provider needs in its own configuration, not in its arguments".to_owned()),
            );
            return None;
        }
        if command.get_ref().iter().any(|word| word.contains('\0')) {
            table.report(
                command.span().start,
                format!("exec source `{name}`: `command` holds a NUL character"),
                None,
            );
            return None;
        }
        let timeout = match &timeout {
            Some(raw) => match parse_duration(raw.get_ref()) {
                Ok(duration) if !duration.is_zero() => duration,
                Ok(_) | Err(_) => {
                    table.report(
                        raw.span().start,
                        format!("`timeout` of exec source `{name}` is not a duration above zero"),
                        Some("write it as `10s` or `1m`".to_owned()),
                    );
                    return None;
                }
            },
            None => ExecConfig::DEFAULT_TIMEOUT,
        };
        let pass_env = pass_env.map(Spanned::into_inner).unwrap_or_default();
        if let Some(bad) = pass_env.iter().find(|n| !crate::manifest::is_env_name(n)) {
            table.report(
                table.at(),
                format!("exec source `{name}`: `pass_env` entry `{bad}` is not a variable name"),
                None,
            );
            return None;
        }
        Some(SourceConfig::new(ExecConfig {
            timeout,
            pass_env,
            ..ExecConfig::new(command.into_inner())
        }))
    }
}

impl Kind for Exec {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<ExecConfig>()?;
        Some(Box::new(ExecSource::new(
            name,
            config.command.clone(),
            config.timeout,
            config.pass_env.clone(),
        )))
    }
}

/// Settings of an `exec` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExecConfig {
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// How long it may take (default 10 s).
    pub timeout: Duration,
    /// The variables it is given besides the basics.
    pub pass_env: Vec<String>,
    /// Its command as a place names it ([`ExecConfig::new`]): its first words and a
    /// digest of all of it, made once, not for each secret (a thirty-ninth adversarial
    /// pass: 4 KB commands in 256 sources took 33 s to check).
    place: String,
}

impl ExecConfig {
    /// How long a provider may take when the manifest does not say.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A provider run as `command`, with the default time-out and no extra variables.
    pub fn new(command: Vec<String>) -> Self {
        let joined = command.join("\0");
        let digest = ring::digest::digest(&ring::digest::SHA256, joined.as_bytes());
        let hex = crate::source::hex(&digest.as_ref()[..8]);
        let place = format!(
            "{} ({hex})",
            crate::printable::shortened(&command.join(" "), 64)
        );
        Self {
            command,
            timeout: Self::DEFAULT_TIMEOUT,
            pass_env: Vec::new(),
            place,
        }
    }
}

impl Settings for ExecConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::EXEC
    }

    fn describe(&self, _environment: &str, _app: Option<&str>) -> String {
        format!("the provider `{}`", self.command.join(" "))
    }

    fn places(&self, spec: &SecretSpec, _environment: &str, _app: Option<&str>) -> Vec<Spot> {
        // A provider's place is its command's answer for the key.
        vec![Spot::Named(format!("exec:{}#{}", self.place, spec.key))]
    }

    fn place_for(
        &self,
        source: &str,
        _spec: &SecretSpec,
        _environment: &str,
        _app: Option<&str>,
        _shown_dir: &Path,
    ) -> Place {
        Place::Provider(source.to_owned())
    }

    /// `pass_env`: credentials handed to the provider.
    fn handed_variables(&self) -> &[String] {
        &self.pass_env
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The most bytes an exec source's `command` holds, its words together.
const MOST_COMMAND: usize = 4096;
