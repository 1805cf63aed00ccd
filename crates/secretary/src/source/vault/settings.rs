//! Connection settings, read as the Vault and OpenBao CLIs read them: `BAO_*` (used
//! whenever it is set, even empty, as OpenBao does), then `VAULT_*`, then the manifest.
//!
//! **The address is the user's choice, not the manifest's.** A manifest is often edited
//! by others (a pull request), and the user's token goes wherever the address says. So
//! `VAULT_ADDR` / `BAO_ADDR` win over the manifest's `address`, as the Vault CLI's
//! environment wins over its configuration file; and an address that only the manifest
//! names is used only when the user has agreed to it, by listing it in
//! `SECRETARY_VAULT_ADDRS` (comma-separated). Plain `http://` is refused to any host that
//! is not loopback unless the user sets `SECRETARY_ALLOW_HTTP=1`: the token would cross
//! the network in clear. Credential files the manifest names (`token_file`,
//! `role_id_file`, `secret_id_file`, `jwt_file`) must hold one line of printable text, as
//! a token, an id or a JWT does, so that no other file goes out in a login.
//!
//! Either place may name several addresses (a comma-separated `VAULT_ADDR`, a list in the
//! manifest): the nodes of one cluster, tried in turn by the client.

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use super::VaultError;
use super::credentials::{Credentials, SetAside};
use crate::Variables;
use crate::duration::{DurationError, parse_duration};
use crate::source::kinds::VaultConfig;

/// Where trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// A PEM file (`VAULT_CACERT`).
    File(PathBuf),
    /// The manifest's `ca_cert`, a PEM file beneath it (for the addresses it names that
    /// the user agreed to): told apart so that a bad one is not blamed on
    /// `VAULT_CACERT`, which may not be set (a fifteenth adversarial pass).
    ManifestFile(PathBuf),
    /// PEM text (`VAULT_CACERT_BYTES`).
    Bytes(String),
    /// A directory of PEM files (`VAULT_CAPATH`).
    Dir(PathBuf),
}

impl CaSource {
    /// The setting it came from, as people write it.
    pub fn setting(&self) -> &'static str {
        match self {
            Self::File(_) => "VAULT_CACERT",
            Self::ManifestFile(_) => "the manifest's ca_cert",
            Self::Bytes(_) => "VAULT_CACERT_BYTES",
            Self::Dir(_) => "VAULT_CAPATH",
        }
    }
}

/// Everything needed to talk to one server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The servers, e.g. `https://vault.internal:8200`: one, or the nodes of a cluster in
    /// the order given. Never empty; none holds a user name or password.
    pub addresses: Vec<Url>,
    /// `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// Where [`namespace`](Self::namespace) was set: the manifest's `namespace`, or the
    /// variable that holds it (`BAO_NAMESPACE`, `VAULT_NAMESPACE`); named when Vault has
    /// no such namespace.
    pub namespace_setting: Option<String>,
    /// A token, or how to log in for one.
    pub credentials: Credentials,
    /// Trusted CAs (none: the platform's).
    pub ca: Option<CaSource>,
    /// `VAULT_SKIP_VERIFY`: do not verify the server's certificate.
    pub skip_verify: bool,
    /// `VAULT_TLS_SERVER_NAME`: the name to send (SNI) and to verify the certificate
    /// against, instead of the address's host (which is still where we connect).
    pub tls_server_name: Option<String>,
    /// `VAULT_CLIENT_CERT` and `VAULT_CLIENT_KEY`, for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Per-request time-out (`VAULT_CLIENT_TIMEOUT`, default 60 s as in the Vault CLI).
    pub timeout: Duration,
    /// Retries after the first attempt (`VAULT_MAX_RETRIES`, default 2).
    pub max_retries: u32,
    /// Most requests in flight.
    pub max_concurrency: usize,
    /// The address held a user name or password, which were removed: Vault does not use
    /// them, and no message may show them.
    pub userinfo_removed: bool,
    /// The manifest's `address`, shown, when `VAULT_ADDR` / `BAO_ADDR` named others.
    pub manifest_overridden: Option<String>,
    /// The manifest's `ca_cert`, not trusted because the addresses in use are not the
    /// manifest's.
    pub manifest_ca_ignored: Option<String>,
    /// The manifest's AppRole or JWT login, not used because the user set a token.
    pub login_set_aside: Option<SetAside>,
    /// Each `BAO_` variable set but empty that hides its `VAULT_` one, set too: the
    /// `BAO_` one is read first, so the `VAULT_` one is not used, and a message that
    /// names it would blame the wrong variable.
    pub hidden: Vec<String>,
}

/// Every setting read from a `BAO_`/`VAULT_` pair, by its name after the prefix.
const PAIRED: [&str; 15] = [
    "ADDR",
    "TOKEN",
    "NAMESPACE",
    "CACERT",
    "CACERT_BYTES",
    "CAPATH",
    "SKIP_VERIFY",
    "TLS_SERVER_NAME",
    "CLIENT_CERT",
    "CLIENT_KEY",
    "CLIENT_TIMEOUT",
    "MAX_RETRIES",
    "ROLE_ID",
    "SECRET_ID",
    "JWT",
];

/// The `BAO_` variables set but empty that hide a `VAULT_` one set and not empty, as
/// `BAO_X` (a twenty-second adversarial pass saw `BAO_ADDR=` blamed on `VAULT_ADDR`).
fn hidden(vars: &Variables) -> Vec<String> {
    PAIRED
        .iter()
        .filter(|name| hides(vars, name))
        .map(|name| format!("BAO_{name}"))
        .collect()
}

/// Whether `BAO_<name>` is set but blank while `VAULT_<name>` is set and not: the
/// `BAO_` spelling is read first, so the blank one hides the other. A warning for most
/// settings ([`hidden`]), an error for a login's credential.
pub(super) fn hides(vars: &Variables, name: &str) -> bool {
    vars.get_str(&format!("BAO_{name}"))
        .is_some_and(|value| value.trim().is_empty())
        && vars
            .get_str(&format!("VAULT_{name}"))
            .is_some_and(|value| !value.trim().is_empty())
}

/// `address` as it may be shown: without a user name or password.
pub fn shown_address(address: &Url) -> String {
    let mut shown = address.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.as_str().trim_end_matches('/').to_owned()
}

/// `BAO_<name>` when set (even empty), else `VAULT_<name>`; with the name that was used.
pub(super) fn variable<'a>(vars: &'a Variables, name: &str) -> Option<(String, &'a str)> {
    for prefix in ["BAO_", "VAULT_"] {
        let full = format!("{prefix}{name}");
        if let Some(value) = vars.get(&full) {
            return Some((full, value.to_str().unwrap_or("\u{fffd}")));
        }
    }
    None
}

/// Whether the user chose how many times a request is retried (`BAO_MAX_RETRIES` or
/// `VAULT_MAX_RETRIES`, not empty: an empty one is the default, as [`Settings`] reads it).
pub(crate) fn retries_chosen(vars: &Variables) -> bool {
    variable(vars, "MAX_RETRIES").is_some_and(|(_, value)| !value.is_empty())
}

/// The namespace: the manifest's, else `BAO_NAMESPACE`/`VAULT_NAMESPACE`; `None` when
/// empty. Checked here, where it is chosen, so that an error names where it came from
/// (the manifest's `namespace` was once blamed on a `VAULT_NAMESPACE` nobody had set).
fn namespace(
    config: &VaultConfig,
    vars: &Variables,
) -> Result<Option<(String, String)>, VaultError> {
    let chosen = match &config.namespace {
        Some(namespace) => Some((
            "the vault source's `namespace` in the manifest".to_owned(),
            namespace.clone(),
        )),
        None => variable(vars, "NAMESPACE").map(|(name, value)| (name, value.to_owned())),
    }
    .filter(|(_, namespace)| !namespace.is_empty());
    match chosen {
        Some((setting, namespace)) => {
            if reqwest::header::HeaderValue::from_str(&namespace).is_err() {
                return Err(config_error(
                    &setting,
                    "not a valid header value (it holds a control character)",
                ));
            }
            Ok(Some((setting, namespace)))
        }
        None => Ok(None),
    }
}

/// The Vault server a source reads, as the outage copy records it: its addresses (as they
/// may be shown, sorted) and its namespace. A copy is served only while the source still
/// reads the server it was read from: a manifest or `VAULT_ADDR` pointed at another
/// server (staging's, a stranger's that does not answer) must not be answered with the
/// values of the one it used to read.
pub(crate) fn server(config: &VaultConfig, vars: &Variables) -> Result<String, VaultError> {
    let Chosen { addresses, .. } = Chosen::choose(config, vars)?;
    let mut shown: Vec<String> = addresses.iter().map(shown_address).collect();
    shown.sort();
    shown.dedup();
    let addresses = shown.join(", ");
    Ok(match namespace(config, vars)? {
        Some((_, namespace)) => format!("{addresses} (namespace {namespace})"),
        None => addresses,
    })
}

pub(super) fn config_error(setting: &str, reason: impl Into<String>) -> VaultError {
    VaultError::Config {
        setting: setting.to_owned(),
        reason: reason.into(),
    }
}

/// A boolean the way Go's `strconv.ParseBool` reads it.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The addresses the user agreed to in `SECRETARY_VAULT_ADDRS`.
fn agreed_addresses(vars: &Variables) -> Vec<Url> {
    vars.get_str("SECRETARY_VAULT_ADDRS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|address| Url::parse(address.trim()).ok())
        .collect()
}

/// The most nodes one source names: a Raft cluster has three or five.
const MAX_ADDRESSES: usize = 16;

/// `texts` (from `setting`) as server URLs, each without user name or password; with
/// whether one had them.
fn parse_addresses<'a>(
    texts: impl Iterator<Item = &'a str>,
    setting: &str,
) -> Result<(Vec<Url>, bool), VaultError> {
    let mut addresses = Vec::new();
    let mut userinfo_removed = false;
    for text in texts.map(str::trim).filter(|text| !text.is_empty()) {
        // url's errors name the kind of mistake, never the text.
        let mut address = Url::parse(text)
            .map_err(|error| config_error(setting, format!("not a URL ({error})")))?;
        if !matches!(address.scheme(), "http" | "https") || address.host().is_none() {
            return Err(config_error(setting, "must be an http:// or https:// URL"));
        }
        if !address.username().is_empty() || address.password().is_some() {
            userinfo_removed = true;
            // An http(s) URL with a host can always lose its user name and password.
            let _ = address.set_username("");
            let _ = address.set_password(None);
        }
        if !addresses.iter().any(|known| same_server(known, &address)) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        return Err(config_error(setting, "names no address"));
    }
    if addresses.len() > MAX_ADDRESSES {
        return Err(config_error(
            setting,
            format!("names more than {MAX_ADDRESSES} addresses"),
        ));
    }
    Ok((addresses, userinfo_removed))
}

/// Whether `address` is on this machine: 127.0.0.0/8, `::1`, `localhost`. The one test
/// of where plain `http` may go, for Vault's addresses and AWS's endpoints alike.
/// `localhost` exactly: the system's hosts file names it; `vault.localhost` or
/// `localhost.` may be asked of DNS, whose answer could take a token off the machine in
/// clear (a fortieth adversarial pass).
pub(in crate::source) fn is_loopback(address: &Url) -> bool {
    match address.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `a` and `b` name the same server (scheme, host and port).
fn same_server(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The addresses a source talks to, and what to warn about them.
struct Chosen {
    addresses: Vec<Url>,
    userinfo_removed: bool,
    manifest_overridden: Option<String>,
    /// Every address in use is one the manifest names (so its `ca_cert` may apply).
    manifest_named: bool,
}

impl Chosen {
    /// The user's `VAULT_ADDR` / `BAO_ADDR`, else the manifest's addresses the user agreed
    /// to, else the default; plain `http` only to loopback unless the user allows it.
    fn choose(config: &VaultConfig, vars: &Variables) -> Result<Self, VaultError> {
        // The user's variable wins; the manifest's address only when the user has none.
        let from_user = variable(vars, "ADDR").filter(|(_, value)| !value.trim().is_empty());
        let (addresses, userinfo_removed) = match &from_user {
            Some((name, value)) => parse_addresses(value.split(','), name)?,
            None if !config.address.is_empty() => {
                let (addresses, removed) = parse_addresses(
                    config.address.iter().map(String::as_str),
                    "the manifest's `address`",
                )?;
                let agreed = agreed_addresses(vars);
                if let Some(unchosen) = addresses
                    .iter()
                    .find(|address| !agreed.iter().any(|agreed| same_server(agreed, address)))
                {
                    return Err(VaultError::AddressNotChosen {
                        address: shown_address(unchosen),
                    });
                }
                (addresses, removed)
            }
            None => parse_addresses(std::iter::once("https://127.0.0.1:8200"), "VAULT_ADDR")?,
        };
        let allow_http = match vars.get_str("SECRETARY_ALLOW_HTTP") {
            None | Some("") => false,
            Some(value) => parse_bool(value).ok_or_else(|| {
                config_error(
                    "SECRETARY_ALLOW_HTTP",
                    "must be a boolean (true/false, 1/0)",
                )
            })?,
        };
        if let Some(plain) = addresses
            .iter()
            .find(|address| address.scheme() == "http" && !is_loopback(address))
            .filter(|_| !allow_http)
        {
            return Err(VaultError::PlainHttp {
                address: shown_address(plain),
            });
        }
        let manifest_overridden = from_user
            .as_ref()
            .filter(|_| !config.address.is_empty())
            .and_then(|_| {
                let manifest: Vec<Url> = config
                    .address
                    .iter()
                    .filter_map(|text| Url::parse(text.trim()).ok())
                    .collect();
                let same = manifest.len() == addresses.len()
                    && manifest
                        .iter()
                        .all(|m| addresses.iter().any(|a| same_server(a, m)));
                (!same).then(|| {
                    manifest
                        .iter()
                        .map(shown_address)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            });
        // The manifest's own addresses, taken because the user agreed to them
        // (`SECRETARY_VAULT_ADDRS`), never because the user's `VAULT_ADDR` happens to name
        // the same server: its `ca_cert` then changed which certificates the user's token
        // went to, a CA the user never agreed to (a fourth adversarial pass).
        let manifest_named = !config.address.is_empty() && from_user.is_none();
        Ok(Self {
            addresses,
            userinfo_removed,
            manifest_overridden,
            manifest_named,
        })
    }
}

impl Settings {
    /// Reads the settings of `config` from the manifest and `vars`; relative file paths
    /// in the manifest start at `base_dir`.
    pub fn resolve(
        config: &VaultConfig,
        vars: &Variables,
        base_dir: &Path,
    ) -> Result<Self, VaultError> {
        let Chosen {
            addresses,
            userinfo_removed,
            manifest_overridden,
            manifest_named,
        } = Chosen::choose(config, vars)?;
        let (namespace_setting, namespace) = namespace(config, vars)?.unzip();
        let skip_verify = match variable(vars, "SKIP_VERIFY") {
            Some((_, "")) | None => false,
            Some((name, value)) => parse_bool(value)
                .ok_or_else(|| config_error(&name, "must be a boolean (true/false, 1/0)"))?,
        };
        let tls_server_name = variable(vars, "TLS_SERVER_NAME")
            .map(|(_, name)| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        // The user's CA wins, as the address does. The manifest's `ca_cert` is trusted
        // only when the manifest's own addresses are in use, agreed to by the user in
        // `SECRETARY_VAULT_ADDRS`: otherwise a manifest from a pull request could make the
        // token sent to the user's own server trust a CA of its author's choosing.
        let from_user = if let Some((_, file)) =
            variable(vars, "CACERT").filter(|(_, v)| !v.is_empty())
        {
            Some(CaSource::File(PathBuf::from(file)))
        } else if let Some((_, pem)) = variable(vars, "CACERT_BYTES").filter(|(_, v)| !v.is_empty())
        {
            Some(CaSource::Bytes(pem.to_owned()))
        } else {
            variable(vars, "CAPATH")
                .filter(|(_, v)| !v.is_empty())
                .map(|(_, dir)| CaSource::Dir(PathBuf::from(dir)))
        };
        let mut manifest_ca_ignored = None;
        let ca = match (from_user, &config.ca_cert) {
            (Some(ca), _) => Some(ca),
            (None, Some(file)) if manifest_named => {
                Some(CaSource::ManifestFile(base_dir.join(file)))
            }
            (None, Some(file)) => {
                manifest_ca_ignored = Some(file.clone());
                None
            }
            (None, None) => None,
        };
        let client_cert = match (variable(vars, "CLIENT_CERT"), variable(vars, "CLIENT_KEY")) {
            (Some((_, cert)), Some((_, key))) if !cert.is_empty() && !key.is_empty() => {
                Some((PathBuf::from(cert), PathBuf::from(key)))
            }
            (None, None) => None,
            (Some((_, a)), Some((_, b))) if a.is_empty() && b.is_empty() => None,
            _ => {
                return Err(config_error(
                    "VAULT_CLIENT_CERT / VAULT_CLIENT_KEY",
                    "set both or neither",
                ));
            }
        };
        let timeout = match variable(vars, "CLIENT_TIMEOUT") {
            Some((_, "")) | None => Duration::from_secs(60),
            Some((name, value)) => match parse_duration(value) {
                Ok(duration) if !duration.is_zero() => duration,
                Ok(_) => return Err(config_error(&name, "must be more than zero, such as 30s")),
                Err(DurationError::TooLong) => {
                    return Err(config_error(&name, "must be at most ten years"));
                }
                Err(_) => {
                    return Err(config_error(&name, "must be a duration such as 30 or 30s"));
                }
            },
        };
        let max_retries = match variable(vars, "MAX_RETRIES") {
            Some((_, "")) | None => 2,
            Some((name, value)) => value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|&n| n <= 20)
                .ok_or_else(|| config_error(&name, "must be a whole number from 0 to 20"))?,
        };
        let (credentials, login_set_aside) = Credentials::discover(config, vars, base_dir)?;
        Ok(Self {
            addresses,
            namespace,
            namespace_setting,
            credentials,
            ca,
            skip_verify,
            tls_server_name,
            client_cert,
            timeout,
            max_retries,
            max_concurrency: config.max_concurrency,
            userinfo_removed,
            manifest_overridden,
            manifest_ca_ignored,
            login_set_aside,
            hidden: hidden(vars),
        })
    }
}

#[cfg(test)]
mod tests;
