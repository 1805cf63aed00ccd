//! `type = "vault"`: HashiCorp Vault or OpenBao KV (v1 or v2). Its connection settings
//! (address, namespace, login, CA) are also a `vault_lease` source's.

use std::path::Path;

use toml::Spanned;

use super::Kind;
use crate::manifest::{Setting, Spot, 
    Capabilities, Capability, Declaration, Place, SecretSpec, Settings, SourceConfig, SourceKind,
    Table, expand, path_problem, repeated_placeholder, unknown_placeholder,
};
use crate::source::{Source, Store, VaultSource};

/// The `vault` kind.
pub(crate) struct Vault;

impl SourceKind {
    /// `vault`: HashiCorp Vault or OpenBao KV.
    pub const VAULT: SourceKind = SourceKind::new("vault");
}

impl Declaration for Vault {
    fn kind(&self) -> SourceKind {
        SourceKind::VAULT
    }

    fn description(&self) -> &'static str {
        "HashiCorp Vault / OpenBao KV"
    }

    fn settings(&self) -> &'static [Setting] {
        const {
            &[
            ADDRESS,
            NAMESPACE,
            Setting::new(
                "mount",
                "the KV mount. Default `secret`.",
                r#"{ "type": "string" }"#,
            ),
            Setting::new(
                "path",
                "the path template inside the mount, with {environment}, {key} and {app}. Default `{environment}/{key}`.",
                r#"{ "type": "string", "minLength": 1 }"#,
            ),
            Setting::new(
                "field",
                "the field template inside the secret; may be `{key}` (many secrets in one path). Default `value`.",
                r#"{ "type": "string", "minLength": 1 }"#,
            ),
            Setting::new(
                "kv_version",
                "the KV engine version. Default 2.",
                r#"{ "enum": [1, 2] }"#,
            ),
            AUTH,
            APPROLE_MOUNT,
            ROLE_ID_FILE,
            SECRET_ID_FILE,
            TOKEN_FILE,
            JWT_MOUNT,
            JWT_ROLE,
            JWT_FILE,
            CA_CERT,
            Setting::new(
                "max_concurrency",
                "most requests in flight at once. Default 16.",
                r#"{ "type": "integer", "minimum": 1 }"#,
            ),
        ]}
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(&[
            Capability::Write,
            Capability::Versions,
            Capability::Age,
            Capability::Changes,
        ])
    }

    fn check(&self, table: &mut Table<'_>) -> Option<SourceConfig> {
        Some(SourceConfig::new(check(table)?))
    }
}

impl Kind for Vault {
    fn build(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Source>> {
        let config = config.get::<VaultConfig>()?;
        Some(Box::new(VaultSource::new(name, config.clone())))
    }

    fn store(&self, config: &SourceConfig, name: String) -> Option<Box<dyn Store>> {
        let config = config.get::<VaultConfig>()?;
        Some(Box::new(VaultSource::new(name, config.clone())))
    }
}

// The connection settings a `vault_lease` source shares with a `vault` one.

/// The setting `address`.
pub(super) const ADDRESS: Setting = Setting::new(
    "address",
    "the server, or a list of a cluster's nodes; used only when VAULT_ADDR / BAO_ADDR are unset, and only the addresses SECRETARY_VAULT_ADDRS lists.",
    r#"{ "oneOf": [{ "type": "string", "pattern": "^https?://" }, { "type": "array", "minItems": 1, "maxItems": 16, "items": { "type": "string", "pattern": "^https?://" } }] }"#,
);

/// The setting `namespace`.
pub(super) const NAMESPACE: Setting = Setting::new(
    "namespace",
    "sent as X-Vault-Namespace; default VAULT_NAMESPACE / BAO_NAMESPACE.",
    r#"{ "type": "string" }"#,
);

/// The setting `auth`.
pub(super) const AUTH: Setting = Setting::new(
    "auth",
    "`token` (VAULT_TOKEN, token_file, ~/.vault-token), `approle` or `jwt`. Default `token`.",
    r#"{ "enum": ["token", "approle", "jwt"] }"#,
);

/// The setting `approle_mount`.
pub(super) const APPROLE_MOUNT: Setting = Setting::new(
    "approle_mount",
    "with `auth = \"approle\"`, the auth mount. Default `approle`.",
    r#"{ "type": "string" }"#,
);

/// The setting `role_id_file`.
pub(super) const ROLE_ID_FILE: Setting = Setting::new(
    "role_id_file",
    "with `auth = \"approle\"`, a file holding the role id; else VAULT_ROLE_ID.",
    r#"{ "type": "string" }"#,
);

/// The setting `secret_id_file`.
pub(super) const SECRET_ID_FILE: Setting = Setting::new(
    "secret_id_file",
    "with `auth = \"approle\"`, a file holding the secret id; else VAULT_SECRET_ID.",
    r#"{ "type": "string" }"#,
);

/// The setting `token_file`.
pub(super) const TOKEN_FILE: Setting = Setting::new(
    "token_file",
    "a file holding the token (a Vault Agent sink), tried after VAULT_TOKEN.",
    r#"{ "type": "string" }"#,
);

/// The setting `jwt_mount`.
pub(super) const JWT_MOUNT: Setting = Setting::new(
    "jwt_mount",
    "with `auth = \"jwt\"`, the auth mount. Default `jwt`.",
    r#"{ "type": "string" }"#,
);

/// The setting `jwt_role`.
pub(super) const JWT_ROLE: Setting = Setting::new(
    "jwt_role",
    "with `auth = \"jwt\"`, the role to log in as; default the mount's default_role.",
    r#"{ "type": "string" }"#,
);

/// The setting `jwt_file`.
pub(super) const JWT_FILE: Setting = Setting::new(
    "jwt_file",
    "with `auth = \"jwt\"`, a file holding the JWT, read again at every login (e.g. /var/run/secrets/kubernetes.io/serviceaccount/token); else VAULT_JWT.",
    r#"{ "type": "string" }"#,
);

/// The setting `ca_cert`.
pub(super) const CA_CERT: Setting = Setting::new(
    "ca_cert",
    "a PEM CA bundle (relative to the manifest), trusted only for the addresses this manifest names; VAULT_CACERT, VAULT_CACERT_BYTES and VAULT_CAPATH win over it.",
    r#"{ "type": "string" }"#,
);

/// Settings of a `vault` source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VaultConfig {
    /// The servers: one address, or every node of a cluster. Used only when
    /// `VAULT_ADDR`/`BAO_ADDR` are unset, and only those the user lists in
    /// `SECRETARY_VAULT_ADDRS` (empty: none named here).
    pub address: Vec<String>,
    /// Namespace; `VAULT_NAMESPACE`/`BAO_NAMESPACE` when absent.
    pub namespace: Option<String>,
    /// The KV mount (default `secret`).
    pub mount: String,
    /// Path template inside the mount, with `{environment}`, `{key}` and `{app}`.
    pub path: String,
    /// Field template inside the secret (default `value`).
    pub field: String,
    /// KV engine version, 1 or 2 (default 2).
    pub kv_version: u8,
    /// How to get a token.
    pub auth: VaultAuth,
    /// A file holding the token (a Vault Agent sink, say), tried after `VAULT_TOKEN`.
    pub token_file: Option<String>,
    /// A PEM CA bundle, trusted only for the addresses this manifest names and only when
    /// the user sets none of `VAULT_CACERT`, `VAULT_CACERT_BYTES`, `VAULT_CAPATH`.
    pub ca_cert: Option<String>,
    /// Most reads in flight at once (default 16).
    pub max_concurrency: usize,
}

impl VaultConfig {
    /// `template` (the source's `path` or `field`) with its placeholders filled:
    /// `{environment}`, `{key}` and `{app}`. `None` when it uses `{app}` and the
    /// manifest's `[app]` has no name.
    pub fn expand(
        template: &str,
        environment: &str,
        key: &str,
        app: Option<&str>,
    ) -> Option<String> {
        expand(template, environment, key, app)
    }

    /// The API path of the secret at `path` inside the mount: `secret/data/production/db`
    /// on KV v2, `secret/production/db` on KV v1.
    pub fn api_path(&self, path: &str) -> String {
        let path = path.trim_matches('/');
        if self.kv_version == 2 {
            format!("{}/data/{path}", self.mount)
        } else {
            format!("{}/{path}", self.mount)
        }
    }
}

impl Settings for VaultConfig {
    fn kind(&self) -> SourceKind {
        SourceKind::VAULT
    }

    fn describe(&self, environment: &str, app: Option<&str>) -> String {
        // `{key}` (and `{app}` when the manifest names none) stay as placeholders: each
        // is expanded to itself.
        let app = app.unwrap_or("{app}");
        let path = expand(&self.path, environment, "{key}", Some(app)).unwrap_or_default();
        format!(
            "Vault KV v{} at {}, field `{}`",
            self.kv_version,
            self.api_path(&path),
            self.field
        )
    }

    fn places(&self, spec: &SecretSpec, environment: &str, app: Option<&str>) -> Vec<Spot> {
        let expand = |template: &str| expand(template, environment, &spec.key, app);
        match (expand(&self.path), expand(&self.field)) {
            // The namespace is part of the place, compared by the one-place rule (a
            // namespace written into `mount`, the user's `VAULT_NAMESPACE`).
            (Some(path), Some(field)) => vec![Spot::Vault {
                namespace: self.namespace.as_deref().map(root_as_empty),
                path: normalised(&self.api_path(&path)),
                field,
            }],
            // `{app}` without a name: reported where the source is checked.
            _ => Vec::new(),
        }
    }

    fn place_for(
        &self,
        _source: &str,
        spec: &SecretSpec,
        environment: &str,
        app: Option<&str>,
        _shown_dir: &Path,
    ) -> Place {
        let path =
            expand(&self.path, environment, &spec.key, app).unwrap_or_else(|| self.path.clone());
        let path = format!("{}/{path}", self.mount);
        match spec.version {
            Some(version) => Place::VaultVersion { path, version },
            None => Place::Vault(path),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// How a `vault` source authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VaultAuth {
    /// A token from `VAULT_TOKEN`/`BAO_TOKEN`, `token_file`, or `~/.vault-token`.
    Token,
    /// AppRole login; the issued token is kept for the process and renewed.
    AppRole {
        /// The auth mount (default `approle`).
        mount: String,
        /// A file holding the role id; else `VAULT_ROLE_ID`/`BAO_ROLE_ID`.
        role_id_file: Option<String>,
        /// A file holding the secret id; else `VAULT_SECRET_ID`/`BAO_SECRET_ID`.
        secret_id_file: Option<String>,
    },
    /// JWT login (a Kubernetes service-account token, a CI OIDC token); the issued token
    /// is kept for the process and renewed, and the JWT is read again at each login.
    Jwt {
        /// The auth mount (default `jwt`).
        mount: String,
        /// The role to log in as; the mount's `default_role` when absent.
        role: Option<String>,
        /// A file holding the JWT (a projected service-account token, say); else
        /// `VAULT_JWT`/`BAO_JWT`.
        jwt_file: Option<String>,
    },
}

/// A vault source's `address`: one URL, or a list of them (the nodes of a cluster).
#[derive(serde::Deserialize)]
#[serde(untagged, expecting = "a URL, or a list of URLs")]
enum Addresses {
    One(String),
    Many(Vec<String>),
}

impl Addresses {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(address) => vec![address],
            Self::Many(addresses) => addresses,
        }
    }
}

/// `path`'s segments as the request's URL has them: empty segments dropped. (`.`, `..`
/// and control characters, which the URL also drops, are refused in the manifest.)
pub(super) fn normalised(path: &str) -> String {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// A Vault connection's settings in `table`, and its `mount`, `path`, `field`,
/// `kv_version` and `max_concurrency` (absent from a `vault_lease` table, which does not
/// `namespace` normalised, the root namespace as `""` however it is written: Vault reads
/// `root` (`/root`, `root/`) as the root namespace, as it reads `""` (a sixty-seventh
/// adversarial pass: `namespace = "root"` with `mount = "teamA/secret"` read
/// `namespace = "teamA"`'s value, each as a place of its own).
pub(super) fn root_as_empty(namespace: &str) -> String {
    match normalised(namespace) {
        root if root == "root" => String::new(),
        other => other,
    }
}

/// Reports a `namespace` that has spaces at its ends (`" "` too): Vault trims the
/// header, so ` admin` is `admin`, and would claim other places than it reads (a
/// sixty-fifth adversarial pass).
fn padded_namespace(table: &mut Table<'_>, name: &str, namespace: &toml::Spanned<String>) {
    let text = namespace.get_ref();
    // (`""` is the root namespace, which overrides `VAULT_NAMESPACE`: kept.)
    if text.trim() != text.as_str() {
        table.report(
            namespace.span().start,
            format!("vault source `{name}`: `namespace` has spaces at its ends"),
            Some("write the namespace without spaces around it (`\"\"` is the root namespace)".to_owned()),
        );
    }
}

/// take them: their defaults).
pub(super) fn check(table: &mut Table<'_>) -> Option<VaultConfig> {
    let name = table.name();
    let address = table.take::<Addresses>("address").ok()?;
    let namespace = table.take::<String>("namespace").ok()?;
    let mount = table.take::<String>("mount").ok()?;
    let path = table.take::<String>("path").ok()?;
    let field = table.take::<String>("field").ok()?;
    let kv_version = table.take::<u8>("kv_version").ok()?;
    let token_file = table.take::<String>("token_file").ok()?;
    let ca_cert = table.take::<String>("ca_cert").ok()?;
    let max_concurrency = table.take::<usize>("max_concurrency").ok()?;
    let auth = auth(table)?;
    let kv_version = match kv_version {
        Some(version) if !matches!(version.get_ref(), 1 | 2) => {
            table.report(
                version.span().start,
                format!("vault source `{name}`: `kv_version` must be 1 or 2"),
                None,
            );
            return None;
        }
        Some(version) => version.into_inner(),
        None => 2,
    };
    let (path, field) = templates(table, path, field);
    let mount = match mount {
        Some(mount) => {
            if let Some(problem) = path_problem(mount.get_ref()) {
                table.report(
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
    let max_concurrency = match max_concurrency {
        Some(n) if *n.get_ref() == 0 => {
            table.report(
                n.span().start,
                format!("vault source `{name}`: `max_concurrency` must be at least 1"),
                None,
            );
            return None;
        }
        Some(n) => n.into_inner(),
        None => 16,
    };
    let address = match address {
        Some(address) => {
            let at = address.span().start;
            let address = address.into_inner().into_vec();
            if let Some(problem) = address_problem(&address) {
                table.report(
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
    let namespace = namespace.map(|namespace| {
        padded_namespace(table, name, &namespace);
        if let Some(problem) = path_problem(namespace.get_ref()) {
            table.report(
                namespace.span().start,
                format!("vault source `{name}`: `namespace` {problem}"),
                Some(PATH_HELP.to_owned()),
            );
        }
        namespace.into_inner()
    });
    // Refused before the one-place check builds a place per secret out of them (a
    // thirty-eighth adversarial pass saw it pay for them first).
    if !place_text(table, &[&mount, &path, &field, namespace.as_deref().unwrap_or("")]) {
        return None;
    }
    Some(VaultConfig {
        address,
        namespace,
        mount,
        path,
        field,
        kv_version,
        auth,
        token_file: token_file.map(Spanned::into_inner),
        ca_cert: ca_cert.map(Spanned::into_inner),
        max_concurrency,
    })
}

/// Reports a vault source whose `mount`, `namespace`, `path` and `field` (`parts`) hold
/// more than [`MOST_PLACE_TEXT`] bytes together; false then. Each secret's place and request hold
/// them all: bounded together, so that a manifest cannot make a place of kilobytes for
/// every secret (a thirty-seventh adversarial pass: four 4 KiB settings and 20,000
/// secrets took 26 s and 766 MB).
fn place_text(table: &mut Table<'_>, parts: &[&str]) -> bool {
    let total = parts
        .iter()
        .map(|part| part.len())
        .fold(0usize, usize::saturating_add);
    if total > MOST_PLACE_TEXT {
        let name = table.name();
        table.report(
            table.at(),
            format!(
                "vault source `{name}`: its `mount`, `namespace`, `path` and `field` hold {total} bytes together: at most {MOST_PLACE_TEXT}"
            ),
            Some("Vault names a secret in a few words: shorten them".to_owned()),
        );
        return false;
    }
    true
}

/// The `auth` of a vault source and the settings that go with it.
fn auth(table: &mut Table<'_>) -> Option<VaultAuth> {
    let name = table.name();
    let method = table.take::<String>("auth").ok()?;
    let approle_mount = table.take::<String>("approle_mount").ok()?;
    let role_id_file = table.take::<String>("role_id_file").ok()?;
    let secret_id_file = table.take::<String>("secret_id_file").ok()?;
    let jwt_mount = table.take::<String>("jwt_mount").ok()?;
    let jwt_role = table.take::<String>("jwt_role").ok()?;
    let jwt_file = table.take::<String>("jwt_file").ok()?;
    let at = method.as_ref().map_or(0, |a| a.span().start);
    let method = method.map(Spanned::into_inner);
    // Each method's own settings, refused with any other method.
    let owned = [
        ("approle_mount", approle_mount.as_ref(), "approle"),
        ("role_id_file", role_id_file.as_ref(), "approle"),
        ("secret_id_file", secret_id_file.as_ref(), "approle"),
        ("jwt_mount", jwt_mount.as_ref(), "jwt"),
        ("jwt_role", jwt_role.as_ref(), "jwt"),
        ("jwt_file", jwt_file.as_ref(), "jwt"),
    ];
    if matches!(method.as_deref(), None | Some("token" | "approle" | "jwt")) {
        for (field, value, owner) in owned {
            if let Some(value) = value.filter(|_| method.as_deref().unwrap_or("token") != owner) {
                table.report(
                    value.span().start,
                    format!("vault source `{name}`: `{field}` needs `auth = \"{owner}\"`"),
                    None,
                );
            }
        }
    }
    let mount = |field: Option<Spanned<String>>, default: &str| {
        field
            .as_ref()
            .map_or(default, |m| m.get_ref().as_str())
            .trim_matches('/')
            .to_owned()
    };
    let auth = match method.as_deref() {
        None | Some("token") => VaultAuth::Token,
        Some("jwt") => VaultAuth::Jwt {
            mount: mount(jwt_mount, "jwt"),
            role: jwt_role.map(Spanned::into_inner),
            jwt_file: jwt_file.map(Spanned::into_inner),
        },
        Some("approle") => VaultAuth::AppRole {
            mount: mount(approle_mount, "approle"),
            role_id_file: role_id_file.map(Spanned::into_inner),
            secret_id_file: secret_id_file.map(Spanned::into_inner),
        },
        Some(other) => {
            table.report(
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
fn templates(
    table: &mut Table<'_>,
    path: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
) -> (String, String) {
    let name = table.name();
    let mut templates = Vec::new();
    for (setting, value, default) in [
        ("path", path, "{environment}/{key}"),
        ("field", field, "value"),
    ] {
        let template = match value {
            Some(value) => {
                let at = value.span().start;
                let value = value.into_inner();
                if let Some(bad) = unknown_placeholder(&value) {
                    table.report(
                        at,
                        format!(
                            "vault source `{name}`: unknown placeholder `{{{bad}}}` in `{setting}`"
                        ),
                        Some("placeholders are {environment}, {key} and {app}".to_owned()),
                    );
                }
                if let Some(twice) = repeated_placeholder(&value) {
                    table.report(
                        at,
                        format!(
                            "vault source `{name}`: `{setting}` uses `{{{twice}}}` more than once"
                        ),
                        Some(ONCE_HELP.to_owned()),
                    );
                }
                if value.is_empty() {
                    table.report(
                        at,
                        format!("vault source `{name}`: `{setting}` is empty"),
                        None,
                    );
                }
                if let Some(problem) = path_problem(&value) {
                    table.report(
                        at,
                        format!("vault source `{name}`: `{setting}` {problem}"),
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

/// The most bytes a vault source's `mount`, `namespace`, `path` and `field` hold
/// together.
pub(super) const MOST_PLACE_TEXT: usize = 1024;

/// What to do about a template that uses a placeholder twice.
pub(super) const ONCE_HELP: &str = "write each of {environment}, {key} and {app} at most once";

/// What to do about a Vault path setting that [`path_problem`] refuses.
pub(super) const PATH_HELP: &str =
    "write the path as Vault names it: segments of printable text, without `.` or `..`";
