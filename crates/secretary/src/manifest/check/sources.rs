//! The checker's part for `[sources]`: each kind's fields (and those that belong to
//! another kind), Vault's settings, login and path templates, and `ttl`.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::model::{
    AwsConfig, SopsFormat, SourceConfig, SourceKind, SourceSpec, VaultAuth, VaultConfig,
};
use crate::manifest::raw::{RawSource, in_file_order};

use super::{Checker, is_name};

impl Checker<'_> {
    /// The declared sources; a manifest that declares none gets one, `env` (the process
    /// environment), so that nothing else has to know about it.
    pub(super) fn sources(&mut self, raw: BTreeMap<Spanned<String>, RawSource>) -> Vec<SourceSpec> {
        if raw.is_empty() {
            return vec![SourceSpec {
                name: "env".to_owned(),
                config: SourceConfig::Env,
                ttl: None,
            }];
        }
        let mut sources = Vec::new();
        for (name, source) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("source name `{name}` is not valid"),
                    Some("use lower case letters, digits, `_` and `-`".to_owned()),
                );
            }
            let ttl = source.ttl.clone();
            if let Some(config) = self.source_config(&name, at, source) {
                let ttl = ttl.and_then(|ttl| self.ttl(&name, &config, &ttl));
                sources.push(SourceSpec { name, config, ttl });
            }
        }
        sources
    }

    /// `ttl = "30s"` (`ms`, `s`, `m`, `h`) on a source that is not `env`.
    pub(super) fn ttl(
        &mut self,
        name: &str,
        config: &SourceConfig,
        raw: &Spanned<String>,
    ) -> Option<std::time::Duration> {
        let at = raw.span().start;
        if matches!(config, SourceConfig::Env) {
            self.report(
                at,
                format!("env source `{name}` cannot have a `ttl`"),
                Some(
                    "the process environment does not change while it runs: remove `ttl`"
                        .to_owned(),
                ),
            );
            return None;
        }
        match parse_duration(raw.get_ref()) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.report(
                    at,
                    format!("`ttl` of source `{name}` is {error}"),
                    Some("write it as `30s`, `5m` or `1h`".to_owned()),
                );
                None
            }
        }
    }

    pub(super) fn source_config(
        &mut self,
        name: &str,
        at: usize,
        source: RawSource,
    ) -> Option<SourceConfig> {
        let ok = self.reject_foreign_fields(name, &source);
        let config = match source.kind {
            SourceKind::Env => SourceConfig::Env,
            SourceKind::Dotenv => match source.files {
                Some(files)
                    if !files.get_ref().is_empty()
                        && files.get_ref().iter().all(|f| !f.is_empty()) =>
                {
                    SourceConfig::Dotenv {
                        files: files.into_inner(),
                    }
                }
                other => {
                    self.report(
                        other.as_ref().map_or(at, |f| f.span().start),
                        format!("dotenv source `{name}` needs a non-empty `files` list"),
                        Some("for example `files = [\".env\"]`".to_owned()),
                    );
                    return None;
                }
            },
            SourceKind::Files => match source.dir {
                Some(dir) if !dir.get_ref().is_empty() => SourceConfig::Files {
                    dir: dir.into_inner(),
                },
                other => {
                    self.report(
                        other.as_ref().map_or(at, |d| d.span().start),
                        format!("files source `{name}` needs `dir`"),
                        Some("for example `dir = \"/run/secrets\"`".to_owned()),
                    );
                    return None;
                }
            },
            SourceKind::Vault => SourceConfig::Vault(Box::new(self.vault_config(name, source)?)),
            SourceKind::Sops => self.sops_config(name, at, source)?,
            SourceKind::Exec => self.exec_config(name, at, source)?,
            SourceKind::AwsSecretsManager => {
                SourceConfig::AwsSecretsManager(Box::new(self.aws_config(name, source, true)?))
            }
            SourceKind::AwsParameterStore => {
                SourceConfig::AwsParameterStore(Box::new(self.aws_config(name, source, false)?))
            }
        };
        ok.then_some(config)
    }

    /// Reports settings that belong to another source type; false if there were any.
    pub(super) fn reject_foreign_fields(&mut self, name: &str, source: &RawSource) -> bool {
        let owned = owned_fields(source);
        let mut ok = true;
        for &(field, offset, owners) in &owned {
            let Some(offset) = offset else { continue };
            if !owners.contains(&source.kind) {
                ok = false;
                let owners = owners
                    .iter()
                    .map(|owner| format!("`{}`", owner.as_str()))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.report(
                    offset,
                    format!(
                        "source `{name}` has type `{}`, which does not take `{field}`",
                        source.kind.as_str()
                    ),
                    Some(format!(
                        "`{field}` belongs to type {owners}; remove it or change `type`"
                    )),
                );
            }
        }
        ok
    }

    /// An exec source's `command`, `timeout` (default 10 s) and `pass_env`.
    fn exec_config(&mut self, name: &str, at: usize, source: RawSource) -> Option<SourceConfig> {
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
    fn sops_config(&mut self, name: &str, at: usize, source: RawSource) -> Option<SourceConfig> {
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
    fn aws_config(
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

    /// The `auth` of a vault source and the settings that go with it.
    pub(super) fn vault_auth(&mut self, name: &str, source: &RawSource) -> Option<VaultAuth> {
        let method = source.auth.as_ref().map(|a| a.get_ref().as_str());
        // Each method's own settings, refused with any other method.
        let owned = [
            ("approle_mount", source.approle_mount.as_ref(), "approle"),
            ("role_id_file", source.role_id_file.as_ref(), "approle"),
            ("secret_id_file", source.secret_id_file.as_ref(), "approle"),
            ("jwt_mount", source.jwt_mount.as_ref(), "jwt"),
            ("jwt_role", source.jwt_role.as_ref(), "jwt"),
            ("jwt_file", source.jwt_file.as_ref(), "jwt"),
        ];
        if matches!(method, None | Some("token" | "approle" | "jwt")) {
            for (field, value, owner) in owned {
                if let Some(value) = value.filter(|_| method.unwrap_or("token") != owner) {
                    self.report(
                        value.span().start,
                        format!("vault source `{name}`: `{field}` needs `auth = \"{owner}\"`"),
                        None,
                    );
                }
            }
        }
        let mount = |field: Option<&Spanned<String>>, default: &str| {
            field
                .map_or(default, |m| m.get_ref().as_str())
                .trim_matches('/')
                .to_owned()
        };
        let auth = match method {
            None | Some("token") => VaultAuth::Token,
            Some("jwt") => VaultAuth::Jwt {
                mount: mount(source.jwt_mount.as_ref(), "jwt"),
                role: source.jwt_role.clone().map(Spanned::into_inner),
                jwt_file: source.jwt_file.clone().map(Spanned::into_inner),
            },
            Some("approle") => VaultAuth::AppRole {
                mount: mount(source.approle_mount.as_ref(), "approle"),
                role_id_file: source.role_id_file.clone().map(Spanned::into_inner),
                secret_id_file: source.secret_id_file.clone().map(Spanned::into_inner),
            },
            Some(other) => {
                let at = source.auth.as_ref().map_or(0, |a| a.span().start);
                self.report(
                    at,
                    format!("vault source `{name}`: unknown auth method `{other}`"),
                    Some("use `token` (the default), `approle` or `jwt`".to_owned()),
                );
                return None;
            }
        };
        Some(auth)
    }

    /// The source's `path` and `field` templates (or their defaults), each checked: known
    /// placeholders, not empty, nothing the request's URL would change.
    pub(super) fn vault_templates(
        &mut self,
        name: &str,
        path: Option<Spanned<String>>,
        field: Option<Spanned<String>>,
    ) -> (String, String) {
        let mut templates = Vec::new();
        for (field, value, default) in [
            ("path", path, "{environment}/{key}"),
            ("field", field, "value"),
        ] {
            let template = match value {
                Some(value) => {
                    let at = value.span().start;
                    let value = value.into_inner();
                    if let Some(bad) = unknown_placeholder(&value) {
                        self.report(
                            at,
                            format!("vault source `{name}`: unknown placeholder `{{{bad}}}` in `{field}`"),
                            Some("placeholders are {environment}, {key} and {app}".to_owned()),
                        );
                    }
                    if value.is_empty() {
                        self.report(
                            at,
                            format!("vault source `{name}`: `{field}` is empty"),
                            None,
                        );
                    }
                    if let Some(problem) = path_problem(&value) {
                        self.report(
                            at,
                            format!("vault source `{name}`: `{field}` {problem}"),
                            Some(PATH_HELP.to_owned()),
                        );
                    }
                    value
                }
                None => default.to_owned(),
            };
            templates.push(template);
        }
        let field = templates.pop().unwrap_or_default();
        let path = templates.pop().unwrap_or_default();
        (path, field)
    }

    pub(super) fn vault_config(&mut self, name: &str, source: RawSource) -> Option<VaultConfig> {
        let auth = self.vault_auth(name, &source)?;
        let kv_version = match source.kv_version {
            Some(version) if !matches!(version.get_ref(), 1 | 2) => {
                self.report(
                    version.span().start,
                    format!("vault source `{name}`: `kv_version` must be 1 or 2"),
                    None,
                );
                return None;
            }
            Some(version) => version.into_inner(),
            None => 2,
        };
        let (path, field) = self.vault_templates(name, source.path, source.field);
        let mount = match source.mount {
            Some(mount) => {
                if let Some(problem) = path_problem(mount.get_ref()) {
                    self.report(
                        mount.span().start,
                        format!("vault source `{name}`: `mount` {problem}"),
                        Some(PATH_HELP.to_owned()),
                    );
                }
                mount.into_inner()
            }
            None => "secret".to_owned(),
        };
        let mount = mount.trim_matches('/').to_owned();
        let max_concurrency = match source.max_concurrency {
            Some(n) if *n.get_ref() == 0 => {
                self.report(
                    n.span().start,
                    format!("vault source `{name}`: `max_concurrency` must be at least 1"),
                    None,
                );
                return None;
            }
            Some(n) => n.into_inner(),
            None => 16,
        };
        let address = match source.address {
            Some(address) => {
                let at = address.span().start;
                let address = address.into_inner().into_vec();
                if let Some(problem) = address_problem(&address) {
                    self.report(
                        at,
                        format!("vault source `{name}`: `address` {problem}"),
                        Some(
                            "give each node as http(s)://HOST:PORT, e.g. address = [\"https://vault-0:8200\", \"https://vault-1:8200\"]"
                                .to_owned(),
                        ),
                    );
                    return None;
                }
                address
            }
            None => Vec::new(),
        };
        Some(VaultConfig {
            address,
            namespace: source.namespace.map(|namespace| {
                if let Some(problem) = path_problem(namespace.get_ref()) {
                    self.report(
                        namespace.span().start,
                        format!("vault source `{name}`: `namespace` {problem}"),
                        Some(PATH_HELP.to_owned()),
                    );
                }
                namespace.into_inner()
            }),
            mount,
            path,
            field,
            kv_version,
            auth,
            token_file: source.token_file.map(Spanned::into_inner),
            ca_cert: source.ca_cert.map(Spanned::into_inner),
            max_concurrency,
        })
    }
}

/// The first `{name}` in `template` that is not a known placeholder.
fn unknown_placeholder(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if !matches!(name, "environment" | "key" | "app") {
            return Some(name.to_owned());
        }
        rest = &after[close + 1..];
    }
    None
}

/// Each setting that only some kinds of source take: its name, where it is written (if
/// it is), and the kinds that take it.
fn owned_fields(source: &RawSource) -> Vec<(&'static str, Option<usize>, &'static [SourceKind])> {
    fn at<T>(field: Option<&Spanned<T>>) -> Option<usize> {
        field.map(|f| f.span().start)
    }
    const AWS: &[SourceKind] = &[SourceKind::AwsSecretsManager, SourceKind::AwsParameterStore];
    vec![
        ("files", at(source.files.as_ref()), &[SourceKind::Dotenv]),
        ("dir", at(source.dir.as_ref()), &[SourceKind::Files]),
        ("file", at(source.file.as_ref()), &[SourceKind::Sops]),
        ("format", at(source.format.as_ref()), &[SourceKind::Sops]),
        ("command", at(source.command.as_ref()), &[SourceKind::Exec]),
        ("timeout", at(source.timeout.as_ref()), &[SourceKind::Exec]),
        (
            "pass_env",
            at(source.pass_env.as_ref()),
            &[SourceKind::Exec],
        ),
        ("address", at(source.address.as_ref()), &[SourceKind::Vault]),
        (
            "namespace",
            at(source.namespace.as_ref()),
            &[SourceKind::Vault],
        ),
        ("mount", at(source.mount.as_ref()), &[SourceKind::Vault]),
        ("path", at(source.path.as_ref()), &[SourceKind::Vault]),
        (
            "field",
            at(source.field.as_ref()),
            &[SourceKind::Vault, SourceKind::AwsSecretsManager],
        ),
        (
            "kv_version",
            at(source.kv_version.as_ref()),
            &[SourceKind::Vault],
        ),
        ("auth", at(source.auth.as_ref()), &[SourceKind::Vault]),
        (
            "approle_mount",
            at(source.approle_mount.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "role_id_file",
            at(source.role_id_file.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "secret_id_file",
            at(source.secret_id_file.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "token_file",
            at(source.token_file.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "jwt_mount",
            at(source.jwt_mount.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "jwt_role",
            at(source.jwt_role.as_ref()),
            &[SourceKind::Vault],
        ),
        (
            "jwt_file",
            at(source.jwt_file.as_ref()),
            &[SourceKind::Vault],
        ),
        ("ca_cert", at(source.ca_cert.as_ref()), &[SourceKind::Vault]),
        (
            "max_concurrency",
            at(source.max_concurrency.as_ref()),
            &[
                SourceKind::Vault,
                SourceKind::AwsSecretsManager,
                SourceKind::AwsParameterStore,
            ],
        ),
        ("name", at(source.name.as_ref()), AWS),
        (
            "version_stage",
            at(source.version_stage.as_ref()),
            &[SourceKind::AwsSecretsManager],
        ),
        ("region", at(source.region.as_ref()), AWS),
    ]
}

/// `template` without its `{...}` placeholders: the characters written as they are.
fn strip_placeholders(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        if let Some(close) = rest[open..].find('}') {
            rest = &rest[open + close + 1..];
        } else {
            out.push_str(&rest[open..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// Whether `region` is spelled as AWS's regions are (`eu-west-1`, `us-gov-west-1`): it
/// becomes part of a host name (`secretsmanager.REGION.amazonaws.com`), so nothing else
/// may pass.
pub(crate) fn is_region(region: &str) -> bool {
    (1..=32).contains(&region.len())
        && region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// What is wrong with a vault source's list of addresses, if anything. An address is not
/// quoted: it may hold a user name and password.
fn address_problem(addresses: &[String]) -> Option<String> {
    if addresses.is_empty() {
        return Some("is an empty list".to_owned());
    }
    for (n, address) in addresses.iter().enumerate() {
        let ok = url::Url::parse(address.trim())
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
        if !ok {
            let which = if addresses.len() == 1 {
                String::new()
            } else {
                format!(" (entry {})", n + 1)
            };
            return Some(format!("is not an http:// or https:// URL{which}"));
        }
    }
    None
}

/// What to do about a Vault path setting that [`path_problem`] refuses.
const PATH_HELP: &str =
    "write the path as Vault names it: segments of printable text, without `.` or `..`";

/// What is wrong with a Vault `path`, `field`, `mount` or `namespace` as written, if
/// anything: a control character (the URL of the request drops tabs and line breaks, so
/// `prod/d\t{key}` would be read as `prod/d{key}`), or a `.` or `..` segment (which the URL
/// drops too). Either makes the place a secret is read from differ from the one the
/// manifest shows, and the one-place rule (`places.rs`) compare the wrong ones (a fifth
/// adversarial pass).
pub(in crate::manifest) fn path_problem(text: &str) -> Option<&'static str> {
    if text.chars().any(char::is_control) {
        return Some("holds a control character (a tab, a line break)");
    }
    if text
        .split('/')
        .any(|segment| matches!(segment.trim(), "." | ".."))
    {
        return Some("holds a `.` or `..` segment");
    }
    None
}
