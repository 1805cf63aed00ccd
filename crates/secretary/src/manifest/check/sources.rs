//! The checker's part for `[sources]`: each kind's fields (and those that belong to
//! another kind), Vault's settings, login and path templates, and `ttl`.

use std::collections::BTreeMap;

use toml::Spanned;

use crate::duration::parse_duration;
use crate::manifest::model::{SourceConfig, SourceKind, SourceSpec, VaultAuth, VaultConfig};
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
            SourceKind::VaultLease => self.lease_config(name, at, source)?,
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
pub(super) fn unknown_placeholder(template: &str) -> Option<String> {
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
    const VAULTS: &[SourceKind] = &[SourceKind::Vault, SourceKind::VaultLease];
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
        (
            "secrets",
            at(source.secrets.as_ref()),
            &[SourceKind::VaultLease],
        ),
        (
            "reissue_grace",
            at(source.reissue_grace.as_ref()),
            &[SourceKind::VaultLease],
        ),
        ("address", at(source.address.as_ref()), VAULTS),
        ("namespace", at(source.namespace.as_ref()), VAULTS),
        ("mount", at(source.mount.as_ref()), &[SourceKind::Vault]),
        ("path", at(source.path.as_ref()), VAULTS),
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
        ("auth", at(source.auth.as_ref()), VAULTS),
        ("approle_mount", at(source.approle_mount.as_ref()), VAULTS),
        ("role_id_file", at(source.role_id_file.as_ref()), VAULTS),
        ("secret_id_file", at(source.secret_id_file.as_ref()), VAULTS),
        ("token_file", at(source.token_file.as_ref()), VAULTS),
        ("jwt_mount", at(source.jwt_mount.as_ref()), VAULTS),
        ("jwt_role", at(source.jwt_role.as_ref()), VAULTS),
        ("jwt_file", at(source.jwt_file.as_ref()), VAULTS),
        ("ca_cert", at(source.ca_cert.as_ref()), VAULTS),
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
pub(super) fn strip_placeholders(template: &str) -> String {
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
