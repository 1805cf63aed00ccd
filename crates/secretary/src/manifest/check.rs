//! The checker: turns the manifest as written ([`super::raw`]) into its model
//! ([`super::model`]), checking everything that can be checked without reading a secret,
//! and reporting every finding at once with its line, its column and what to do.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use super::diagnostic::{Diagnostic, LineIndex};
use super::model::{
    App, AuditTarget, Constraints, EnvironmentSpec, NewValue, OnSourceError, Rotation, SecretRule,
    SecretSpec, SecretType, SourceConfig, SourceKind, SourceSpec, VaultAuth, VaultConfig,
};
use super::raw::{
    RawApp, RawAudit, RawEnvironment, RawGenerate, RawManifest, RawRule, RawSecret, RawSource,
    in_file_order,
};
use super::rules;
use super::{CREDENTIAL_VARIABLES, Manifest};
use crate::duration::parse_duration;
use crate::suggest::closest;

pub(crate) fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_key(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `Database-URL` → `database_url`.
pub(crate) fn to_key(name: &str) -> String {
    let mut key = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            // `DbUrl` → `db_url`: a capital after a lower-case letter starts a word.
            if c.is_ascii_uppercase() && previous_lower {
                key.push('_');
            }
            key.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !key.ends_with('_') {
                key.push('_');
            }
            previous_lower = false;
        }
    }
    key.trim_matches('_').to_owned()
}

pub(super) struct Checker<'a> {
    pub(super) lines: &'a LineIndex<'a>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, offset: usize, message: String, help: Option<String>) {
        let (line, column) = self.lines.position(offset);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message,
            help,
        });
    }

    pub(super) fn build(&mut self, raw: RawManifest, path: &Path) -> Manifest {
        match &raw.version {
            None => self.report(
                0,
                "missing `version`".to_owned(),
                Some("add `version = 1` as the first line".to_owned()),
            ),
            Some(version) if *version.get_ref() != 1 => self.report(
                version.span().start,
                format!("unsupported manifest version {}", version.get_ref()),
                Some("this secretary reads `version = 1`".to_owned()),
            ),
            Some(_) => {}
        }
        // Environments are checked against every name declared, valid or not, so that a
        // broken source is reported once, not again by each environment that uses it.
        let declared: Vec<String> = if raw.sources.is_empty() {
            vec!["env".to_owned()]
        } else {
            let mut names: Vec<&Spanned<String>> = raw.sources.keys().collect();
            names.sort_by_key(|name| name.span().start);
            names
                .into_iter()
                .map(|name| name.get_ref().clone())
                .collect()
        };
        let sources = self.sources(raw.sources);
        let (mut environments, rules) = self.environments(raw.environments, &sources, &declared);
        let app = self.app(raw.app, &environments);
        let secrets: Vec<Arc<SecretSpec>> = self
            .secrets(raw.secrets)
            .into_iter()
            .map(Arc::new)
            .collect();
        let index: HashMap<String, usize> = secrets
            .iter()
            .enumerate()
            .map(|(position, spec)| (spec.key.clone(), position))
            .collect();
        for (environment, rules) in environments.iter_mut().zip(rules) {
            self.apply_rules(environment, rules, &secrets, &index);
        }
        self.shared_places(&environments, &sources, app.name.as_deref());
        let audit = raw.audit.and_then(|audit| self.audit(audit, path));
        let path = path.to_path_buf();
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let shown_dir = if dir == Path::new(".") {
            PathBuf::new()
        } else {
            dir.clone()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Manifest {
            path,
            dir,
            shown_dir,
            app,
            sources,
            environments,
            secrets,
            index,
            audit,
        }
    }

    fn audit(&mut self, raw: Spanned<RawAudit>, path: &Path) -> Option<AuditTarget> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        match (raw.file, raw.sink) {
            (Some(file), None) => {
                let file = PathBuf::from(file);
                let beneath = !file.as_os_str().is_empty()
                    && file
                        .components()
                        .all(|part| matches!(part, std::path::Component::Normal(_)));
                if !beneath {
                    self.report(
                        at,
                        "`[audit] file` must be a file beneath the manifest's directory".to_owned(),
                        Some(
                            "write a relative path without `..` (`audit.log`, `logs/audit.log`); a log elsewhere is chosen by whoever runs secretary, not by the manifest"
                                .to_owned(),
                        ),
                    );
                    return None;
                }
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                let dir = if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir
                };
                Some(AuditTarget::Beneath { dir, file })
            }
            (None, Some(sink)) if sink.get_ref() == "stderr" => Some(AuditTarget::Stderr),
            (None, Some(sink)) => {
                self.report(
                    sink.span().start,
                    format!("unknown audit sink `{}`", sink.get_ref()),
                    Some("use `sink = \"stderr\"`, or `file = \"PATH\"`".to_owned()),
                );
                None
            }
            (Some(_), Some(_)) | (None, None) => {
                self.report(
                    at,
                    "`[audit]` needs exactly one of `file` and `sink`".to_owned(),
                    Some(
                        "`file = \"audit.log\"` (relative to the manifest) or `sink = \"stderr\"`"
                            .to_owned(),
                    ),
                );
                None
            }
        }
    }

    fn app(&mut self, raw: RawApp, environments: &[EnvironmentSpec]) -> App {
        let environment_from = match raw.environment_from {
            Some(names) => names
                .into_iter()
                .map(|name| {
                    if !is_env_name(name.get_ref()) {
                        self.report(
                            name.span().start,
                            format!(
                                "`{}` is not a valid environment variable name",
                                name.get_ref()
                            ),
                            Some(
                                "use letters, digits and `_`, not starting with a digit".to_owned(),
                            ),
                        );
                    }
                    name.into_inner()
                })
                .collect(),
            None => vec!["ENVIRONMENT".to_owned(), "ENV".to_owned()],
        };
        let default_environment = match raw.default_environment {
            Some(name) => {
                if !environments.iter().any(|e| e.name == *name.get_ref()) {
                    let defined: Vec<_> = environments.iter().map(|e| e.name.as_str()).collect();
                    self.report(
                        name.span().start,
                        format!("default environment `{}` is not defined", name.get_ref()),
                        Some(format!("defined environments: {}", defined.join(", "))),
                    );
                }
                name.into_inner()
            }
            None => "development".to_owned(),
        };
        App {
            name: raw.name,
            environment_from,
            default_environment,
        }
    }

    /// The declared sources; a manifest that declares none gets one, `env` (the process
    /// environment), so that nothing else has to know about it.
    fn sources(&mut self, raw: BTreeMap<Spanned<String>, RawSource>) -> Vec<SourceSpec> {
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
    fn ttl(
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

    fn source_config(&mut self, name: &str, at: usize, source: RawSource) -> Option<SourceConfig> {
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
        };
        ok.then_some(config)
    }

    /// Reports settings that belong to another source type; false if there were any.
    fn reject_foreign_fields(&mut self, name: &str, source: &RawSource) -> bool {
        fn at<T>(field: Option<&Spanned<T>>) -> Option<usize> {
            field.map(|f| f.span().start)
        }
        let owned = [
            ("files", at(source.files.as_ref()), SourceKind::Dotenv),
            ("dir", at(source.dir.as_ref()), SourceKind::Files),
            ("address", at(source.address.as_ref()), SourceKind::Vault),
            (
                "namespace",
                at(source.namespace.as_ref()),
                SourceKind::Vault,
            ),
            ("mount", at(source.mount.as_ref()), SourceKind::Vault),
            ("path", at(source.path.as_ref()), SourceKind::Vault),
            ("field", at(source.field.as_ref()), SourceKind::Vault),
            (
                "kv_version",
                at(source.kv_version.as_ref()),
                SourceKind::Vault,
            ),
            ("auth", at(source.auth.as_ref()), SourceKind::Vault),
            (
                "approle_mount",
                at(source.approle_mount.as_ref()),
                SourceKind::Vault,
            ),
            (
                "role_id_file",
                at(source.role_id_file.as_ref()),
                SourceKind::Vault,
            ),
            (
                "secret_id_file",
                at(source.secret_id_file.as_ref()),
                SourceKind::Vault,
            ),
            (
                "token_file",
                at(source.token_file.as_ref()),
                SourceKind::Vault,
            ),
            (
                "jwt_mount",
                at(source.jwt_mount.as_ref()),
                SourceKind::Vault,
            ),
            ("jwt_role", at(source.jwt_role.as_ref()), SourceKind::Vault),
            ("jwt_file", at(source.jwt_file.as_ref()), SourceKind::Vault),
            ("ca_cert", at(source.ca_cert.as_ref()), SourceKind::Vault),
            (
                "max_concurrency",
                at(source.max_concurrency.as_ref()),
                SourceKind::Vault,
            ),
        ];
        let mut ok = true;
        for (field, offset, owner) in owned {
            let Some(offset) = offset else { continue };
            if owner != source.kind {
                ok = false;
                self.report(
                    offset,
                    format!(
                        "source `{name}` has type `{}`, which does not take `{field}`",
                        source.kind.as_str()
                    ),
                    Some(format!(
                        "`{field}` belongs to type `{}`; remove it or change `type`",
                        owner.as_str()
                    )),
                );
            }
        }
        ok
    }

    /// The `auth` of a vault source and the settings that go with it.
    fn vault_auth(&mut self, name: &str, source: &RawSource) -> Option<VaultAuth> {
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

    fn vault_config(&mut self, name: &str, source: RawSource) -> Option<VaultConfig> {
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
        let mut templates = Vec::new();
        for (field, value, default) in [
            ("path", source.path, "{environment}/{key}"),
            ("field", source.field, "value"),
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
                    value
                }
                None => default.to_owned(),
            };
            templates.push(template);
        }
        let field = templates.pop().unwrap_or_default();
        let path = templates.pop().unwrap_or_default();
        let mount = source
            .mount
            .map_or_else(|| "secret".to_owned(), Spanned::into_inner);
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
            namespace: source.namespace.map(Spanned::into_inner),
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

    /// The environments, each with the rules it sets for secrets (applied once the
    /// secrets are known, by [`Self::apply_rules`]).
    fn environments(
        &mut self,
        raw: BTreeMap<Spanned<String>, RawEnvironment>,
        sources: &[SourceSpec],
        declared: &[String],
    ) -> (
        Vec<EnvironmentSpec>,
        Vec<BTreeMap<Spanned<String>, RawRule>>,
    ) {
        if raw.is_empty() {
            // No environments: one implicit `development` that asks every source in order.
            let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
            let development = EnvironmentSpec {
                name: "development".to_owned(),
                sources: names,
                on_source_error: OnSourceError::Fail,
                forbid_placeholders: false,
                enforce_rotation: false,
                rules: BTreeMap::new(),
                secrets: Vec::new(),
            };
            return (vec![development], vec![BTreeMap::new()]);
        }
        let defined: Vec<&str> = declared.iter().map(String::as_str).collect();
        let mut environments = Vec::new();
        let mut rules = Vec::new();
        for (name, environment) in in_file_order(raw) {
            let at = name.span().start;
            let name = name.into_inner();
            if !is_name(&name) {
                self.report(
                    at,
                    format!("environment name `{name}` is not valid"),
                    Some("use lower case letters, digits, `_` and `-`".to_owned()),
                );
            }
            if environment.sources.get_ref().is_empty() {
                self.report(
                    environment.sources.span().start,
                    format!("environment `{name}` has no sources"),
                    Some(format!("list at least one of: {}", defined.join(", "))),
                );
            }
            let mut chain: Vec<String> = Vec::new();
            for source in environment.sources.into_inner() {
                let at = source.span().start;
                let source = source.into_inner();
                if chain.contains(&source) {
                    self.report(
                        at,
                        format!("environment `{name}` lists source `{source}` twice"),
                        Some("remove the second mention".to_owned()),
                    );
                } else if !defined.contains(&source.as_str()) {
                    let help = match closest(&source, defined.iter().copied()) {
                        Some(near) => format!(
                            "did you mean `{near}`? Defined sources: {}",
                            defined.join(", ")
                        ),
                        None => format!(
                            "add [sources.{source}] or use one of: {}",
                            defined.join(", ")
                        ),
                    };
                    self.report(
                        at,
                        format!(
                            "environment `{name}` uses source `{source}`, which is not defined"
                        ),
                        Some(help),
                    );
                }
                chain.push(source);
            }
            environments.push(EnvironmentSpec {
                name,
                sources: chain,
                on_source_error: environment.on_source_error,
                forbid_placeholders: environment.forbid_placeholders,
                enforce_rotation: environment.enforce_rotation,
                rules: BTreeMap::new(),
                secrets: Vec::new(),
            });
            rules.push(environment.secrets);
        }
        (environments, rules)
    }

    /// Checks `raw`, an environment's `[environments.NAME.secrets.KEY]` tables, and gives
    /// the environment its view of every secret: the declaration with its own `required`
    /// and `default`.
    fn apply_rules(
        &mut self,
        environment: &mut EnvironmentSpec,
        raw: BTreeMap<Spanned<String>, RawRule>,
        secrets: &[Arc<SecretSpec>],
        index: &HashMap<String, usize>,
    ) {
        let mut specs = secrets.to_vec();
        let name = environment.name.clone();
        for (key, rule) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            let Some(&position) = index.get(&key) else {
                let help = match closest(&key, secrets.iter().map(|s| s.key.as_str())) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("declare it as [secrets.{key}] first"),
                };
                self.report(
                    at,
                    format!("environment `{name}` has rules for `{key}`, which is not declared"),
                    Some(help),
                );
                continue;
            };
            let declared = &secrets[position];
            let mut spec = SecretSpec::clone(declared);
            if let Some(required) = rule.required {
                spec.required = required;
            }
            if let Some(default) = &rule.default {
                if declared.sensitive {
                    self.report(
                        default.span().start,
                        format!(
                            "environment `{name}`: secret `{key}` is sensitive and cannot have a `default`"
                        ),
                        Some(
                            "a default puts a secret value in the manifest: set it in the environment's sources instead"
                                .to_owned(),
                        ),
                    );
                } else if let Err(invalid) = rules::check(&spec, default.get_ref()) {
                    self.report(
                        default.span().start,
                        format!("environment `{name}`: the default of `{key}` {invalid}"),
                        None,
                    );
                } else {
                    spec.default = Some(default.get_ref().clone());
                }
            }
            environment.rules.insert(
                key,
                SecretRule {
                    required: rule.required,
                    default: rule.default.map(Spanned::into_inner),
                },
            );
            specs[position] = Arc::new(spec);
        }
        environment.secrets = specs;
    }

    fn secrets(&mut self, raw: BTreeMap<Spanned<String>, RawSecret>) -> Vec<SecretSpec> {
        let mut secrets = Vec::new();
        // Env name → (owning key, where it was claimed).
        let mut claimed: HashMap<String, String> = HashMap::new();
        for (key, secret) in in_file_order(raw) {
            let at = key.span().start;
            let key = key.into_inner();
            if !is_key(&key) {
                self.report(
                    at,
                    format!("secret key `{key}` is not lower snake case"),
                    Some(format!("rename it `{}`", to_key(&key))),
                );
            }
            let env = self.env_names(&key, at, secret.env.clone(), &mut claimed);
            if let Some(spec) = self.secret(key, at, env, secret) {
                secrets.push(spec);
            }
        }
        secrets
    }

    fn env_names(
        &mut self,
        key: &str,
        at: usize,
        raw: Option<Spanned<Vec<Spanned<String>>>>,
        claimed: &mut HashMap<String, String>,
    ) -> Vec<String> {
        let names = match raw {
            Some(names) if names.get_ref().is_empty() => {
                self.report(
                    names.span().start,
                    format!("secret `{key}` has an empty `env` list"),
                    Some(format!(
                        "remove `env` to use `{}`, or list names",
                        key.to_ascii_uppercase()
                    )),
                );
                return Vec::new();
            }
            Some(names) => names.into_inner(),
            None => vec![Spanned::new(at..at, key.to_ascii_uppercase())],
        };
        let mut env = Vec::new();
        for name in names {
            let offset = name.span().start;
            let name = name.into_inner();
            if !is_env_name(&name) {
                self.report(
                    offset,
                    format!("`{name}` (secret `{key}`) is not a valid environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".to_owned()),
                );
            } else if let Some(owner) = claimed.get(&name) {
                let message = if owner == key {
                    format!("secret `{key}` lists env name `{name}` twice")
                } else {
                    format!("env name `{name}` is claimed by both `{owner}` and `{key}`")
                };
                self.report(
                    offset,
                    message,
                    Some("an env name can belong to one secret only".to_owned()),
                );
            } else {
                claimed.insert(name.clone(), key.to_owned());
            }
            env.push(name);
        }
        env
    }

    /// Reports constraints that do not fit the secret's type or each other.
    fn check_constraints(&mut self, key: &str, at: usize, kind: SecretType, raw: &RawSecret) {
        if let Some(version) = raw.version.as_ref().filter(|v| *v.get_ref() == 0) {
            self.report(
                version.span().start,
                format!("secret `{key}`: `version` counts from 1"),
                Some("remove `version` to read the latest".to_owned()),
            );
        }
        let type_only = |field: &str, wanted: SecretType, offset: usize, this: &mut Self| {
            if kind != wanted {
                this.report(
                    offset,
                    format!(
                        "secret `{key}`: `{field}` applies to type `{}`, not `{}`",
                        wanted.as_str(),
                        kind.as_str()
                    ),
                    Some(format!(
                        "set `type = \"{}\"` or remove `{field}`",
                        wanted.as_str()
                    )),
                );
            }
        };
        if let Some(values) = &raw.values {
            type_only("values", SecretType::Enum, values.span().start, self);
        }
        if let Some(schemes) = &raw.schemes {
            type_only("schemes", SecretType::Url, schemes.span().start, self);
        }
        for (field, bound) in [("min", &raw.min), ("max", &raw.max)] {
            if let Some(bound) = bound {
                type_only(field, SecretType::Int, bound.span().start, self);
            }
        }
        if kind == SecretType::Enum && raw.values.as_ref().is_none_or(|v| v.get_ref().is_empty()) {
            self.report(
                raw.kind.as_ref().map_or(at, |k| k.span().start),
                format!("secret `{key}` has type `enum` but no `values`"),
                Some("add `values = [\"a\", \"b\"]`".to_owned()),
            );
        }
        if let (Some(min), Some(max)) = (&raw.min, &raw.max) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min` is greater than `max`"),
                    None,
                );
            }
        }
        if let (Some(min), Some(max)) = (&raw.min_length, &raw.max_length) {
            if min.get_ref() > max.get_ref() {
                self.report(
                    max.span().start,
                    format!("secret `{key}`: `min_length` is greater than `max_length`"),
                    None,
                );
            }
        }
    }

    /// The rotation policy of secret `key`: `rotate_every` and `generate`.
    fn rotation(&mut self, key: &str, kind: SecretType, raw: &RawSecret) -> Option<Rotation> {
        let every = match &raw.rotate_every {
            Some(every) => match parse_duration(every.get_ref()) {
                Ok(duration) if !duration.is_zero() => Some(duration),
                parsed => {
                    let problem = parsed.map_or_else(|error| error.to_string(), |_| "zero".into());
                    self.report(
                        every.span().start,
                        format!("secret `{key}`: `rotate_every` is {problem}"),
                        Some("write a whole number with d, h, m or s, such as \"90d\"".to_owned()),
                    );
                    return None;
                }
            },
            None => None,
        };
        let new_value = match &raw.generate {
            None if every.is_none() => return None,
            None => NewValue::Provided,
            Some(generate) => {
                let at = generate.span().start;
                match generate.get_ref() {
                    RawGenerate::Word(word) if word == "provided" => NewValue::Provided,
                    RawGenerate::Word(_) => {
                        self.report(
                            at,
                            format!("secret `{key}`: `generate` is neither \"provided\" nor a table"),
                            Some("write generate = { bytes = 32, format = \"urlsafe\" }, or generate = \"provided\" for a value someone pastes".to_owned()),
                        );
                        return None;
                    }
                    RawGenerate::Random(random) => {
                        let format = random.format.as_deref().unwrap_or("urlsafe");
                        let Some(encoding) = crate::generate::Encoding::from_name(format) else {
                            self.report(
                                at,
                                format!("secret `{key}`: unknown `generate` format `{format}`"),
                                Some("use urlsafe (the default), hex or base64".to_owned()),
                            );
                            return None;
                        };
                        if !(16..=1024).contains(&random.bytes) {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}`: `generate` makes {} random bytes",
                                    random.bytes
                                ),
                                Some("use 16 to 1024 bytes; 32 is a good key".to_owned()),
                            );
                            return None;
                        }
                        if kind != SecretType::String {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}` has type `{}`, which random text does not fit",
                                    kind.as_str()
                                ),
                                Some("use generate = \"provided\", or remove `type`".to_owned()),
                            );
                            return None;
                        }
                        let length = encoding.length(random.bytes);
                        let min = raw.min_length.as_ref().map_or(0, |m| *m.get_ref());
                        let max = raw.max_length.as_ref().map_or(usize::MAX, |m| *m.get_ref());
                        if !(min..=max).contains(&length) {
                            self.report(
                                at,
                                format!(
                                    "secret `{key}`: `generate` makes {length} characters, outside its min_length/max_length"
                                ),
                                Some("change `bytes` or the length limits".to_owned()),
                            );
                            return None;
                        }
                        NewValue::Generated {
                            bytes: random.bytes,
                            encoding,
                        }
                    }
                }
            }
        };
        Some(Rotation { every, new_value })
    }

    fn secret(
        &mut self,
        key: String,
        at: usize,
        env: Vec<String>,
        raw: RawSecret,
    ) -> Option<SecretSpec> {
        let kind = raw
            .kind
            .as_ref()
            .map_or(SecretType::String, |k| *k.get_ref());
        let sensitive = raw.sensitive.unwrap_or(true);
        let before = self.diagnostics.len();
        if !sensitive {
            // A manifest may not declare a credential secretary itself uses "not secret":
            // status would print it and run --redact would leave it in clear.
            if let Some(name) = env
                .iter()
                .find(|name| CREDENTIAL_VARIABLES.contains(&name.as_str()))
            {
                self.report(
                    at,
                    format!("secret `{key}` is read from `{name}`, a credential, and cannot be `sensitive = false`"),
                    Some("remove `sensitive = false`".to_owned()),
                );
            }
        }
        self.check_constraints(&key, at, kind, &raw);
        let rotation = self.rotation(&key, kind, &raw);
        let pattern = match &raw.pattern {
            Some(pattern) => {
                let regex = regex_lite::Regex::new(&format!("^(?:{})$", pattern.get_ref())).ok();
                if regex.is_none() {
                    self.report(
                        pattern.span().start,
                        format!("secret `{key}`: `pattern` is not a valid regular expression"),
                        Some(
                            "the syntax is RE2's without look-around or Unicode classes: \
                             `\\d`, `\\w`, `\\s`, `\\b` and `(?i)` are ASCII-only, and `\\p{..}` \
                             is not supported (the regex-lite crate)"
                                .to_owned(),
                        ),
                    );
                }
                regex
            }
            None => None,
        };
        let spec = SecretSpec {
            key,
            description: raw.description.unwrap_or_default(),
            required: raw.required,
            env,
            sensitive,
            default: None,
            kind,
            constraints: Constraints {
                min_length: raw.min_length.map(Spanned::into_inner),
                max_length: raw.max_length.map(Spanned::into_inner),
                pattern,
                values: raw.values.map(Spanned::into_inner).unwrap_or_default(),
                schemes: raw.schemes.map(Spanned::into_inner).unwrap_or_default(),
                min: raw.min.map(Spanned::into_inner),
                max: raw.max.map(Spanned::into_inner),
            },
            version: raw.version.as_ref().map(|v| *v.get_ref()),
            rotation,
            line: self.lines.position(at).0,
        };
        let default = match raw.default {
            Some(default) if sensitive => {
                self.report(
                    default.span().start,
                    format!("secret `{}` is sensitive and has a `default`", spec.key),
                    Some(
                        "a default puts a secret value in the manifest: remove it, or set `sensitive = false` if it is not a secret"
                            .to_owned(),
                    ),
                );
                None
            }
            Some(default) => {
                if let Err(invalid) = rules::check(&spec, default.get_ref()) {
                    self.report(
                        default.span().start,
                        format!("secret `{}`: the default {invalid}", spec.key),
                        None,
                    );
                }
                Some(default.into_inner())
            }
            None => None,
        };
        if self.diagnostics.len() > before {
            return None;
        }
        Some(SecretSpec { default, ..spec })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_suggestions_are_snake_case() {
        assert_eq!(to_key("DbUrl"), "db_url");
        assert_eq!(to_key("Database-URL"), "database_url");
        assert_eq!(to_key("API_KEY"), "api_key");
        assert_eq!(to_key("oauth2Token"), "oauth2_token");
    }
}
