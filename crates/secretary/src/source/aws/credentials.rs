//! The standard AWS credential chain, from the caller's [`Variables`] and files only:
//!
//! 1. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`);
//! 2. the profile `AWS_PROFILE` names (else `default`): its keys in the shared
//!    credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), then in
//!    the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`, as `[profile NAME]`), or
//!    its `role_arn` + `web_identity_token_file`;
//! 3. `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (`AWS_ROLE_SESSION_NAME`): EKS
//!    service accounts, CI OIDC, through STS `AssumeRoleWithWebIdentity`;
//! 4. the container credentials endpoint (ECS tasks, EKS Pod Identity):
//!    `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on `169.254.170.2`), or
//!    `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, or http to loopback or the ECS and EKS
//!    agents' link-local addresses only), with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`
//!    (read at each use) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
//!
//! A profile that `AWS_PROFILE` names must exist; the `default` one may be missing. A
//! profile that gets credentials another way (`source_profile`, `credential_process`,
//! SSO) is refused by name rather than skipped: the chain stops where the user pointed
//! it. The EC2 instance metadata service is not implemented.
//!
//! Secret parts (the secret key, a session token, a web identity token) live in
//! [`Zeroizing`] buffers; no `Debug` here shows one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::AwsError;
use crate::Variables;

/// The most a credentials or config file, or a web identity token, may hold.
const FILE_LIMIT: u64 = 1024 * 1024;

/// Credentials to sign with.
#[derive(Clone)]
pub(super) struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Zeroizing<String>,
    /// The session token, for temporary credentials.
    pub session_token: Option<Zeroizing<String>>,
    /// When temporary credentials expire.
    pub expires: Option<SystemTime>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Where credentials come from, once the chain has chosen.
#[derive(Clone)]
pub(super) enum Chain {
    /// Keys given as they are.
    Static(Credentials),
    /// Temporary keys from STS for a web identity token, read from a file at each use
    /// (the platform rotates it).
    WebIdentity {
        /// The token file.
        token_file: PathBuf,
        /// The role to assume.
        role_arn: String,
        /// The session's name.
        session_name: String,
    },
    /// Temporary keys from the container credentials endpoint.
    Container {
        /// The endpoint.
        url: url::Url,
        /// The authorization token's file, read at each use.
        token_file: Option<PathBuf>,
        /// The authorization token, when given as it is.
        token: Option<Zeroizing<String>>,
    },
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Static(_) => f.write_str("Chain::Static"),
            Self::WebIdentity { role_arn, .. } => f
                .debug_struct("Chain::WebIdentity")
                .field("role_arn", role_arn)
                .finish_non_exhaustive(),
            Self::Container { url, .. } => f
                .debug_struct("Chain::Container")
                .field("url", &url.as_str())
                .finish_non_exhaustive(),
        }
    }
}

impl Chain {
    /// What this chain depends on, for the fingerprint of a kept connection: every
    /// credential and file it names.
    pub(super) fn fingerprint_into(&self, digest: &mut ring::digest::Context) {
        let mut part = |text: &[u8]| {
            digest.update(&u64::try_from(text.len()).unwrap_or(u64::MAX).to_le_bytes());
            digest.update(text);
        };
        match self {
            Self::Static(credentials) => {
                part(b"static");
                part(credentials.access_key_id.as_bytes());
                part(credentials.secret_access_key.as_bytes());
                part(
                    credentials
                        .session_token
                        .as_ref()
                        .map_or(&b""[..], |token| token.as_bytes()),
                );
            }
            Self::WebIdentity {
                token_file,
                role_arn,
                session_name,
            } => {
                part(b"web identity");
                part(token_file.as_os_str().as_encoded_bytes());
                part(role_arn.as_bytes());
                part(session_name.as_bytes());
            }
            Self::Container {
                url,
                token_file,
                token,
            } => {
                part(b"container");
                part(url.as_str().as_bytes());
                part(
                    token_file
                        .as_ref()
                        .map_or(&b""[..], |file| file.as_os_str().as_encoded_bytes()),
                );
                part(token.as_ref().map_or(&b""[..], |token| token.as_bytes()));
            }
        }
    }
}

/// One profile's settings, from the credentials file and the config file (the
/// credentials file wins a key both set).
pub(super) struct Profile {
    /// Its name.
    pub name: String,
    values: BTreeMap<String, Zeroizing<String>>,
}

impl Profile {
    /// A setting of the profile (`region`, `aws_access_key_id`...).
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|value| value.as_str())
            .filter(|value| !value.is_empty())
    }
}

/// A variable's value, when set and not empty.
fn var<'a>(vars: &'a Variables, name: &str) -> Option<&'a str> {
    vars.get_str(name).filter(|value| !value.is_empty())
}

/// `~/.aws/NAME` (from `HOME`), unless `variable` names another file.
fn file_path(vars: &Variables, variable: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = var(vars, variable) {
        return Some(PathBuf::from(path));
    }
    var(vars, "HOME").map(|home| Path::new(home).join(".aws").join(name))
}

/// The sections of an INI file as the AWS tools write them, keys in lower case. Indented
/// lines under a key with no value (`s3 =` and its nested settings) are skipped.
fn sections(text: &str) -> BTreeMap<String, BTreeMap<String, Zeroizing<String>>> {
    let mut sections: BTreeMap<String, BTreeMap<String, Zeroizing<String>>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let nested = line.starts_with([' ', '\t']);
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if nested {
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        sections.entry(section.clone()).or_default().insert(
            key.trim().to_ascii_lowercase(),
            Zeroizing::new(value.trim().to_owned()),
        );
    }
    sections
}

/// The sections of the file at `path`; none when it does not exist.
fn read_sections(
    path: &Path,
    setting: &str,
) -> Result<BTreeMap<String, BTreeMap<String, Zeroizing<String>>>, AwsError> {
    match crate::file::read_text(path, FILE_LIMIT) {
        Ok(text) => Ok(sections(&text)),
        Err(crate::file::FileError::NotFound) => Ok(BTreeMap::new()),
        Err(error) => Err(AwsError::Config {
            setting: setting.to_owned(),
            reason: format!("cannot read {}: {error}", path.display()),
        }),
    }
}

/// The profile the user chose (`AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else
/// `default`), from both files; `None` when neither file has it. A profile named by a
/// variable must exist.
pub(super) fn profile(vars: &Variables) -> Result<Option<Profile>, AwsError> {
    let named = var(vars, "AWS_PROFILE").or_else(|| var(vars, "AWS_DEFAULT_PROFILE"));
    let name = named.unwrap_or("default").to_owned();
    let mut values = BTreeMap::new();
    let mut found = false;
    if let Some(path) = file_path(vars, "AWS_CONFIG_FILE", "config") {
        let mut config = read_sections(&path, "AWS_CONFIG_FILE")?;
        let section = if name == "default" {
            config
                .remove("default")
                .or_else(|| config.remove("profile default"))
        } else {
            config.remove(&format!("profile {name}"))
        };
        if let Some(section) = section {
            found = true;
            values.extend(section);
        }
    }
    if let Some(path) = file_path(vars, "AWS_SHARED_CREDENTIALS_FILE", "credentials") {
        if let Some(section) = read_sections(&path, "AWS_SHARED_CREDENTIALS_FILE")?.remove(&name) {
            found = true;
            values.extend(section);
        }
    }
    match (found, named) {
        (true, _) => Ok(Some(Profile { name, values })),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(AwsError::Config {
            setting: "AWS_PROFILE".to_owned(),
            reason: format!("no profile `{name}` in the AWS credentials or config file"),
        }),
    }
}

/// Walks the chain: the first link that has credentials, or why none did.
pub(super) fn chain(vars: &Variables, profile: Option<&Profile>) -> Result<Chain, AwsError> {
    let mut looked = Vec::new();
    // 1. The environment.
    match (
        var(vars, "AWS_ACCESS_KEY_ID"),
        var(vars, "AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => {
            return Ok(Chain::Static(Credentials {
                access_key_id: id.to_owned(),
                secret_access_key: Zeroizing::new(secret.to_owned()),
                session_token: var(vars, "AWS_SESSION_TOKEN")
                    .map(|token| Zeroizing::new(token.to_owned())),
                expires: None,
            }));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(AwsError::Config {
                setting: "AWS_ACCESS_KEY_ID".to_owned(),
                reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together"
                    .to_owned(),
            });
        }
        (None, None) => looked.push("AWS_ACCESS_KEY_ID".to_owned()),
    }
    // 2. The profile.
    if let Some(profile) = profile {
        if let Some(chain) = from_profile(profile, vars)? {
            return Ok(chain);
        }
        looked.push(format!("profile `{}`", profile.name));
    } else {
        looked.push("profile `default` (no such profile)".to_owned());
    }
    // 3. A web identity.
    if let (Some(token_file), Some(role_arn)) = (
        var(vars, "AWS_WEB_IDENTITY_TOKEN_FILE"),
        var(vars, "AWS_ROLE_ARN"),
    ) {
        return Ok(Chain::WebIdentity {
            token_file: PathBuf::from(token_file),
            role_arn: role_arn.to_owned(),
            session_name: session_name(vars),
        });
    }
    looked.push("AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN".to_owned());
    // 4. The container credentials endpoint.
    if let Some(chain) = container(vars)? {
        return Ok(chain);
    }
    looked.push("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI".to_owned());
    Err(AwsError::NoCredentials { looked })
}

/// The container credentials endpoint the variables name, if any.
fn container(vars: &Variables) -> Result<Option<Chain>, AwsError> {
    let bad = |setting: &str, reason: &str| AwsError::Config {
        setting: setting.to_owned(),
        reason: reason.to_owned(),
    };
    let url = if let Some(relative) = var(vars, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        if !relative.starts_with('/') {
            return Err(bad(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "must be a path starting with /",
            ));
        }
        url::Url::parse(&format!("http://169.254.170.2{relative}"))
            .map_err(|_| bad("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "is not a path"))?
    } else if let Some(full) = var(vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        let url = url::Url::parse(full.trim()).map_err(|_| {
            bad(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "is not an http:// or https:// URL",
            )
        })?;
        // The SDKs' rule: https anywhere, plain http only to this host or the agents.
        let allowed = match (url.scheme(), url.host()) {
            ("https", Some(_)) => true,
            ("http", Some(url::Host::Ipv4(ip))) => {
                ip.is_loopback() || [[169, 254, 170, 2], [169, 254, 170, 23]].contains(&ip.octets())
            }
            ("http", Some(url::Host::Ipv6(ip))) => {
                ip.is_loopback() || ip.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23]
            }
            ("http", Some(url::Host::Domain(name))) => name.eq_ignore_ascii_case("localhost"),
            _ => false,
        };
        if !allowed {
            return Err(bad(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "must be https://, or http:// to loopback or the ECS or EKS agent (169.254.170.2, 169.254.170.23, fd00:ec2::23)",
            ));
        }
        url
    } else {
        return Ok(None);
    };
    Ok(Some(Chain::Container {
        url,
        token_file: var(vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(PathBuf::from),
        token: var(vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(|token| Zeroizing::new(token.to_owned())),
    }))
}

/// `AWS_ROLE_SESSION_NAME`, else `secretary-<time>`.
fn session_name(vars: &Variables) -> String {
    var(vars, "AWS_ROLE_SESSION_NAME").map_or_else(
        || {
            let seconds = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            format!("secretary-{seconds}")
        },
        str::to_owned,
    )
}

/// A profile's credentials, `None` when it holds none; an error for a way of getting
/// them that is not implemented.
fn from_profile(profile: &Profile, vars: &Variables) -> Result<Option<Chain>, AwsError> {
    let name = &profile.name;
    match (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => {
            return Ok(Some(Chain::Static(Credentials {
                access_key_id: id.to_owned(),
                secret_access_key: Zeroizing::new(secret.to_owned()),
                session_token: profile
                    .get("aws_session_token")
                    .map(|token| Zeroizing::new(token.to_owned())),
                expires: None,
            })));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(AwsError::Config {
                setting: format!("AWS profile `{name}`"),
                reason: "aws_access_key_id and aws_secret_access_key must be set together"
                    .to_owned(),
            });
        }
        (None, None) => {}
    }
    if let (Some(role_arn), Some(token_file)) = (
        profile.get("role_arn"),
        profile.get("web_identity_token_file"),
    ) {
        return Ok(Some(Chain::WebIdentity {
            token_file: PathBuf::from(token_file),
            role_arn: role_arn.to_owned(),
            session_name: profile
                .get("role_session_name")
                .map_or_else(|| session_name(vars), str::to_owned),
        }));
    }
    for how in [
        "source_profile",
        "credential_source",
        "credential_process",
        "sso_session",
        "sso_start_url",
        "login_session",
    ] {
        if profile.get(how).is_some() {
            return Err(AwsError::Unsupported {
                profile: name.clone(),
                how: format!("`{how}`"),
            });
        }
    }
    Ok(None)
}

/// The web identity token in `file`: one line of printable text, read at each use.
pub(super) fn web_identity_token(file: &Path) -> Result<Zeroizing<String>, AwsError> {
    token_in(file, "AWS_WEB_IDENTITY_TOKEN_FILE")
}

/// The token in `file` (named by `setting`): one line of printable text.
pub(super) fn token_in(file: &Path, setting: &str) -> Result<Zeroizing<String>, AwsError> {
    let text = crate::file::read_text(file, FILE_LIMIT).map_err(|error| AwsError::Config {
        setting: setting.to_owned(),
        reason: format!("cannot read {}: {error}", file.display()),
    })?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(AwsError::Config {
            setting: setting.to_owned(),
            reason: format!(
                "{} does not hold one token (one line of printable text)",
                file.display()
            ),
        });
    }
    Ok(Zeroizing::new(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        Variables::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn the_environment_comes_first_and_its_keys_go_together() {
        let chain = chain(
            &vars(&[
                ("AWS_ACCESS_KEY_ID", "AKIA1"),
                ("AWS_SECRET_ACCESS_KEY", "canary-secret-key"),
                ("AWS_SESSION_TOKEN", "canary-session"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ]),
            None,
        )
        .unwrap();
        let Chain::Static(credentials) = &chain else {
            panic!("{chain:?}")
        };
        assert_eq!(credentials.access_key_id, "AKIA1");
        assert_eq!(
            credentials.session_token.as_deref().map(String::as_str),
            Some("canary-session")
        );
        let shown = format!("{chain:?} {credentials:?}");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(matches!(
            super::chain(&vars(&[("AWS_ACCESS_KEY_ID", "AKIA1")]), None),
            Err(AwsError::Config { .. })
        ));
    }

    #[test]
    fn profiles_read_both_files_and_a_named_one_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials");
        let config = dir.path().join("config");
        std::fs::write(
            &credentials,
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n[ci]\n# a comment\naws_access_key_id=AKIACI\naws_secret_access_key = c\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "[default]\nregion = eu-west-1\n[profile ci]\nregion = us-east-2\ns3 =\n  max_concurrent_requests = 20\n[profile sso]\nsso_session = corp\n",
        )
        .unwrap();
        let base = [
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ];
        let with = |extra: &[(&str, &str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            vars(&all)
        };
        let default = profile(&with(&[])).unwrap().unwrap();
        assert_eq!(default.get("region"), Some("eu-west-1"));
        let ci = profile(&with(&[("AWS_PROFILE", "ci")])).unwrap().unwrap();
        assert_eq!(ci.get("region"), Some("us-east-2"));
        assert_eq!(
            ci.get("max_concurrent_requests"),
            None,
            "nested settings skipped"
        );
        let Chain::Static(keys) = chain(&with(&[]), Some(&ci)).unwrap() else {
            panic!()
        };
        assert_eq!(keys.access_key_id, "AKIACI");
        assert!(matches!(
            profile(&with(&[("AWS_PROFILE", "nope")])),
            Err(AwsError::Config { .. })
        ));
        let sso = profile(&with(&[("AWS_PROFILE", "sso")])).unwrap().unwrap();
        assert!(matches!(
            chain(&with(&[]), Some(&sso)),
            Err(AwsError::Unsupported { .. })
        ));
        // No files, no variables: nothing, and the error says where it looked.
        let none = vars(&[("HOME", dir.path().join("nowhere").to_str().unwrap())]);
        assert!(profile(&none).unwrap().is_none());
        let Err(AwsError::NoCredentials { looked }) = chain(&none, None) else {
            panic!()
        };
        assert_eq!(looked.len(), 4, "{looked:?}");
    }
}
