//! The checker's part for the kinds of source beyond `env`, `dotenv`, `files` and
//! `vault`: `vault_lease` (a lease's fields), the AWS sources (names, fields, regions),
//! `exec` (a provider's command) and `sops` (an encrypted file and its format).

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::model::{AwsConfig, LeaseConfig, SopsFormat, SourceConfig};
use crate::manifest::raw::RawSource;

use super::Checker;
use super::sources::{is_region, strip_placeholders, unknown_placeholder};

impl Checker<'_> {
    /// A `vault_lease` source: its connection as a vault source's, its `path` (required,
    /// without `{key}`: one read serves every secret), `secrets` and `reissue_grace`.
    pub(super) fn lease_config(
        &mut self,
        name: &str,
        at: usize,
        mut source: RawSource,
    ) -> Option<SourceConfig> {
        let secrets = source.secrets.take();
        let grace = source.reissue_grace.take();
        let Some(path) = source.path.as_ref() else {
            self.report(
                at,
                format!("vault_lease source `{name}` needs `path`"),
                Some("for example `path = \"database/creds/{app}\"`".to_owned()),
            );
            return None;
        };
        if path.get_ref().contains("{key}") {
            self.report(
                path.span().start,
                format!("vault_lease source `{name}`: `path` cannot use {{key}}: one read serves all its secrets"),
                Some("name the role, with {environment} or {app} if they vary".to_owned()),
            );
            return None;
        }
        let secrets: Vec<(String, String)> = match secrets {
            Some(secrets)
                if !secrets.get_ref().is_empty()
                    && secrets
                        .get_ref()
                        .iter()
                        .all(|(k, f)| !k.is_empty() && !f.is_empty()) =>
            {
                secrets.into_inner().into_iter().collect()
            }
            other => {
                self.report(
                    other.as_ref().map_or(at, |s| s.span().start),
                    format!("vault_lease source `{name}` needs `secrets`: which secret is which field of the answer"),
                    Some("for example `secrets = { postgres_user = \"username\", postgres_password = \"password\" }`".to_owned()),
                );
                return None;
            }
        };
        if let Some((key, _)) = secrets
            .iter()
            .find(|(key, _)| !self.secret_keys.contains(key))
        {
            self.report(
                at,
                format!(
                    "vault_lease source `{name}` lists `{key}`, which is not a declared secret"
                ),
                Some(format!("declare it as [secrets.{key}], or fix the name")),
            );
            return None;
        }
        let reissue_grace = match grace {
            Some(raw) => match parse_duration(raw.get_ref()) {
                Ok(duration) => duration,
                Err(error) => {
                    self.report(
                        raw.span().start,
                        format!("`reissue_grace` of source `{name}` is {error}"),
                        Some("write it as `10s` or `1m`".to_owned()),
                    );
                    return None;
                }
            },
            None => std::time::Duration::from_secs(10),
        };
        let vault = self.vault_config(name, source)?;
        Some(SourceConfig::VaultLease(Box::new(LeaseConfig {
            vault,
            secrets,
            reissue_grace,
        })))
    }

    /// An exec source's `command`, `timeout` (default 10 s) and `pass_env`.
    pub(super) fn exec_config(
        &mut self,
        name: &str,
        at: usize,
        source: RawSource,
    ) -> Option<SourceConfig> {
        let command = match source.command {
            Some(command)
                if command
                    .get_ref()
                    .first()
                    .is_some_and(|program| !program.trim().is_empty()) =>
            {
                command
            }
            other => {
                self.report(
                    other.as_ref().map_or(at, |c| c.span().start),
                    format!("exec source `{name}` needs `command`, a program and its arguments"),
                    Some(
                        "for example `command = [\"secretary-provider-1password\", \"--vault\", \"Prod\"]`"
                            .to_owned(),
                    ),
                );
                return None;
            }
        };
        if command.get_ref().iter().any(|word| word.contains('\0')) {
            self.report(
                command.span().start,
                format!("exec source `{name}`: `command` holds a NUL character"),
                None,
            );
            return None;
        }
        let timeout = match &source.timeout {
            Some(raw) => match parse_duration(raw.get_ref()) {
                Ok(duration) if !duration.is_zero() => duration,
                Ok(_) | Err(_) => {
                    self.report(
                        raw.span().start,
                        format!("`timeout` of exec source `{name}` is not a duration above zero"),
                        Some("write it as `10s` or `1m`".to_owned()),
                    );
                    return None;
                }
            },
            None => std::time::Duration::from_secs(10),
        };
        let pass_env = source.pass_env.map(Spanned::into_inner).unwrap_or_default();
        if let Some(bad) = pass_env.iter().find(|n| !crate::manifest::is_env_name(n)) {
            self.report(
                at,
                format!("exec source `{name}`: `pass_env` entry `{bad}` is not a variable name"),
                None,
            );
            return None;
        }
        Some(SourceConfig::Exec {
            command: command.into_inner(),
            timeout,
            pass_env,
        })
    }

    /// A sops source's `file` and its `format` (given, or from the file's extension).
    pub(super) fn sops_config(
        &mut self,
        name: &str,
        at: usize,
        source: RawSource,
    ) -> Option<SourceConfig> {
        let file = match source.file {
            Some(file) if !file.get_ref().trim().is_empty() => file,
            other => {
                self.report(
                    other.as_ref().map_or(at, |f| f.span().start),
                    format!("sops source `{name}` needs `file`"),
                    Some("for example `file = \"secrets.enc.env\"`".to_owned()),
                );
                return None;
            }
        };
        if file.get_ref().chars().any(char::is_control) {
            self.report(
                file.span().start,
                format!("sops source `{name}`: `file` holds a control character"),
                None,
            );
            return None;
        }
        let format = if let Some(format) = &source.format {
            let Some(known) = SopsFormat::from_name(format.get_ref()) else {
                self.report(
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
                self.report(
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
        Some(SourceConfig::Sops {
            file: file.into_inner(),
            format,
        })
    }

    /// An AWS source's `name` (and for Secrets Manager `field` and `version_stage`),
    /// `region` and `max_concurrency`. Names may hold only the characters AWS allows, so
    /// that the name read is the one the manifest shows.
    pub(super) fn aws_config(
        &mut self,
        name: &str,
        source: RawSource,
        secrets_manager: bool,
    ) -> Option<AwsConfig> {
        let kind = source.kind.as_str();
        let (default, allowed, what) = if secrets_manager {
            (
                "{environment}/{key}",
                "/_+=.@-",
                "letters, digits and /_+=.@-",
            )
        } else {
            ("/{environment}/{key}", "/_.-", "letters, digits and /_.-")
        };
        let mut ok = true;
        let template = match source.name {
            Some(template) => {
                let at = template.span().start;
                let template = template.into_inner();
                ok &= self.aws_template(name, kind, "name", at, &template);
                let literal = strip_placeholders(&template);
                if literal
                    .chars()
                    .any(|c| !c.is_ascii_alphanumeric() && !allowed.contains(c))
                {
                    ok = false;
                    self.report(
                        at,
                        format!("{kind} source `{name}`: `name` may hold only {what}"),
                        None,
                    );
                }
                if !secrets_manager && template.contains('/') && !template.starts_with('/') {
                    ok = false;
                    self.report(
                        at,
                        format!(
                            "{kind} source `{name}`: a parameter name with `/` must start with `/`"
                        ),
                        Some(format!("write `name = \"/{template}\"`")),
                    );
                }
                template
            }
            None => default.to_owned(),
        };
        let field = match source.field.filter(|_| secrets_manager) {
            Some(field) => {
                let at = field.span().start;
                let field = field.into_inner();
                ok &= self.aws_template(name, kind, "field", at, &field);
                Some(field)
            }
            None => None,
        };
        let version_stage = match source.version_stage.filter(|_| secrets_manager) {
            Some(stage) => {
                let valid = (1..=256).contains(&stage.get_ref().len())
                    && stage.get_ref().chars().all(|c| c.is_ascii_graphic());
                if !valid {
                    ok = false;
                    self.report(
                        stage.span().start,
                        format!("{kind} source `{name}`: `version_stage` must be a staging label such as `AWSCURRENT` or `AWSPREVIOUS`"),
                        None,
                    );
                }
                Some(stage.into_inner())
            }
            None => None,
        };
        let region = match source.region {
            Some(region) => {
                if !is_region(region.get_ref()) {
                    ok = false;
                    self.report(
                        region.span().start,
                        format!("{kind} source `{name}`: `region` is not an AWS region name"),
                        Some("for example `region = \"eu-west-1\"`".to_owned()),
                    );
                }
                Some(region.into_inner())
            }
            None => None,
        };
        let max_concurrency = match source.max_concurrency {
            Some(n) if *n.get_ref() == 0 => {
                self.report(
                    n.span().start,
                    format!("{kind} source `{name}`: `max_concurrency` must be at least 1"),
                    None,
                );
                return None;
            }
            Some(n) => n.into_inner(),
            None => 16,
        };
        ok.then_some(AwsConfig {
            name: template,
            field,
            version_stage,
            region,
            max_concurrency,
        })
    }

    /// Checks an AWS source's `name` or `field` template: known placeholders, not empty,
    /// no control character. False when it reported anything.
    fn aws_template(
        &mut self,
        name: &str,
        kind: &str,
        setting: &str,
        at: usize,
        template: &str,
    ) -> bool {
        let mut ok = true;
        if let Some(bad) = unknown_placeholder(template) {
            ok = false;
            self.report(
                at,
                format!("{kind} source `{name}`: unknown placeholder `{{{bad}}}` in `{setting}`"),
                Some("placeholders are {environment}, {key} and {app}".to_owned()),
            );
        }
        if template.trim().is_empty() {
            ok = false;
            self.report(
                at,
                format!("{kind} source `{name}`: `{setting}` is empty"),
                None,
            );
        }
        if template.chars().any(char::is_control) {
            ok = false;
            self.report(
                at,
                format!("{kind} source `{name}`: `{setting}` holds a control character"),
                None,
            );
        }
        ok
    }
}
