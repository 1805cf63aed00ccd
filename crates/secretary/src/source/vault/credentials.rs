//! How a `vault` source gets its token: the variable or file holding one, or the ids or
//! JWT of a login. Every credential read here is refused unless it is one line of
//! printable text, so that nothing else (a private key, `/proc/self/environ`) is ever
//! sent as one.

use std::path::{Path, PathBuf};

use super::VaultError;
use super::settings::{config_error, variable};
use crate::manifest::{VaultAuth, VaultConfig};
use crate::{SecretValue, Variables};

/// How to obtain a token.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A token found in a variable or file.
    Token(SecretValue),
    /// AppRole login.
    AppRole {
        /// The auth mount.
        mount: String,
        /// The role id.
        role_id: SecretValue,
        /// The secret id.
        secret_id: SecretValue,
    },
    /// JWT login.
    Jwt {
        /// The auth mount.
        mount: String,
        /// The role (the mount's default role when `None`).
        role: Option<String>,
        /// Where the JWT is.
        jwt: JwtSource,
    },
}

/// Where a JWT comes from.
#[derive(Debug, Clone)]
pub enum JwtSource {
    /// A file, read again at every login: Kubernetes and CI rotate it on disk.
    File(PathBuf),
    /// `VAULT_JWT` / `BAO_JWT`.
    Variable(SecretValue),
}

impl JwtSource {
    /// The JWT as it is now: the file is read at each call. Anything that is not shaped
    /// as a JWT (three base64url parts joined by dots) is refused, and not sent.
    pub fn read(&self) -> Result<SecretValue, VaultError> {
        let (jwt, setting) = match self {
            Self::File(path) => (read_secret_file(path, "jwt_file")?, "jwt_file"),
            Self::Variable(jwt) => (jwt.clone(), "VAULT_JWT"),
        };
        let parts: Vec<&str> = jwt.expose().split('.').collect();
        let shaped = parts.len() == 3
            && parts.iter().all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if shaped {
            Ok(jwt)
        } else {
            Err(config_error(
                setting,
                "does not hold a JWT (three base64url parts joined by dots); it is not sent",
            ))
        }
    }
}
impl Credentials {
    /// The credentials `config` names, found in `vars` and in files beneath `base_dir`.
    pub(super) fn discover(
        config: &VaultConfig,
        vars: &Variables,
        base_dir: &Path,
    ) -> Result<Self, VaultError> {
        match &config.auth {
            VaultAuth::Token => {
                if let Some((name, token)) = variable(vars, "TOKEN").filter(|(_, v)| !v.is_empty())
                {
                    return checked_token(token, &name).map(Credentials::Token);
                }
                if let Some(file) = &config.token_file {
                    let token = read_secret_file(&base_dir.join(file), "token_file")?;
                    return checked_token(token.expose(), "token_file").map(Credentials::Token);
                }
                if let Some(home) = vars.get_str("HOME") {
                    let path = Path::new(home).join(".vault-token");
                    match crate::file::read_text(&path, crate::file::SECRET_LIMIT) {
                        Ok(token) if !token.trim().is_empty() => {
                            return checked_token(&token, "~/.vault-token").map(Credentials::Token);
                        }
                        // No token file, or an empty one: no token here.
                        Ok(_) | Err(crate::FileError::NotFound) => {}
                        Err(reason) => {
                            return Err(config_error(
                                "~/.vault-token",
                                format!("cannot read {}: {reason}", path.display()),
                            ));
                        }
                    }
                }
                Err(VaultError::NoToken)
            }
            VaultAuth::AppRole {
                mount,
                role_id_file,
                secret_id_file,
            } => {
                let read = |file: &Option<String>,
                            variable_name: &str,
                            setting: &str|
                 -> Result<SecretValue, VaultError> {
                    match file {
                        Some(file) => read_secret_file(&base_dir.join(file), setting),
                        None => variable(vars, variable_name)
                            .map(|(_, v)| SecretValue::new(v.trim().to_owned()))
                            .filter(|v| !v.is_empty())
                            .ok_or_else(|| {
                                config_error(
                                    &format!("VAULT_{variable_name}"),
                                    format!("AppRole needs it (or `{setting}` in the manifest)"),
                                )
                            }),
                    }
                };
                Ok(Credentials::AppRole {
                    mount: mount.clone(),
                    role_id: read(role_id_file, "ROLE_ID", "role_id_file")?,
                    secret_id: read(secret_id_file, "SECRET_ID", "secret_id_file")?,
                })
            }
            VaultAuth::Jwt {
                mount,
                role,
                jwt_file,
            } => {
                let jwt = match jwt_file {
                    Some(file) => JwtSource::File(base_dir.join(file)),
                    None => variable(vars, "JWT")
                        .map(|(_, v)| SecretValue::new(v.trim().to_owned()))
                        .filter(|v| !v.is_empty())
                        .map(JwtSource::Variable)
                        .ok_or_else(|| {
                            config_error(
                                "VAULT_JWT",
                                "JWT login needs it (or `jwt_file` in the manifest)",
                            )
                        })?,
                };
                // Read once now, so that a missing or malformed JWT is found at start-up.
                jwt.read()?;
                Ok(Credentials::Jwt {
                    mount: mount.clone(),
                    role: role.clone(),
                    jwt,
                })
            }
        }
    }
}

/// The longest credential read: a long JWT is a few KiB.
const CREDENTIAL_LIMIT: usize = 16 * 1024;

/// A token must be printable ASCII; anything else is refused before it is sent.
fn checked_token(token: &str, from: &str) -> Result<SecretValue, VaultError> {
    let token = token.trim();
    if token.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(SecretValue::new(token.to_owned()))
    } else {
        Err(config_error(
            from,
            "the token holds non-printable characters",
        ))
    }
}

/// A credential file's text, trimmed: a regular file, read once, holding one line of
/// printable ASCII of at most 16 KiB, as a token, a role id or a JWT does. Anything else
/// (a private key, `/proc/self/environ`) is refused, so that it is never sent.
fn read_secret_file(path: &Path, setting: &str) -> Result<SecretValue, VaultError> {
    let text = crate::file::read_text(path, crate::file::SECRET_LIMIT).map_err(|reason| {
        config_error(setting, format!("cannot read {}: {reason}", path.display()))
    })?;
    let credential = text.trim();
    if credential.len() > CREDENTIAL_LIMIT || !credential.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(config_error(
            setting,
            format!(
                "{} does not hold one line of printable text, as a token or an id does; it is not sent",
                path.display()
            ),
        ));
    }
    Ok(SecretValue::new(credential.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    fn config(extra: &str) -> VaultConfig {
        let text = format!("version = 1\n[sources.vault]\ntype = \"vault\"\n{extra}\n");
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        match &manifest.source("vault").unwrap().config {
            crate::manifest::SourceConfig::Vault(config) => (**config).clone(),
            _ => unreachable!(),
        }
    }

    fn discover(
        config: &VaultConfig,
        vars: &[(&str, &str)],
        base_dir: &Path,
    ) -> Result<Credentials, VaultError> {
        Credentials::discover(
            config,
            &Variables::from_pairs(vars.iter().copied()),
            base_dir,
        )
    }

    #[test]
    fn token_lookup_order() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".vault-token"), "from-file\n").unwrap();
        let home_str = home.path().to_str().unwrap();
        let token = |vars: &[(&str, &str)]| match discover(&config(""), vars, Path::new(".")) {
            Ok(Credentials::Token(token)) => Ok(token.expose().to_owned()),
            Ok(_) => unreachable!(),
            Err(error) => Err(error),
        };
        assert_eq!(
            token(&[("VAULT_TOKEN", "from-env"), ("HOME", home_str)]).unwrap(),
            "from-env"
        );
        assert_eq!(
            token(&[("VAULT_TOKEN", ""), ("HOME", home_str)]).unwrap(),
            "from-file"
        );
        assert_eq!(
            token(&[("HOME", "/nonexistent")]).unwrap_err(),
            VaultError::NoToken
        );
        assert!(matches!(
            token(&[("VAULT_TOKEN", "bad\u{7}token")]).unwrap_err(),
            VaultError::Config { .. }
        ));

        // The manifest's token_file comes after VAULT_TOKEN and before ~/.vault-token.
        let app = tempfile::tempdir().unwrap();
        std::fs::write(app.path().join("agent-token"), "  from-agent-sink \n").unwrap();
        let with_file = config("token_file = \"agent-token\"");
        let resolve = |vars: &[(&str, &str)]| {
            let vars = Variables::from_pairs(vars.iter().copied());
            match Credentials::discover(&with_file, &vars, app.path()).unwrap() {
                Credentials::Token(token) => token.expose().to_owned(),
                Credentials::AppRole { .. } | Credentials::Jwt { .. } => unreachable!(),
            }
        };
        assert_eq!(resolve(&[("HOME", home_str)]), "from-agent-sink");
        assert_eq!(
            resolve(&[("VAULT_TOKEN", "from-env"), ("HOME", home_str)]),
            "from-env"
        );
    }

    #[test]
    fn approle_ids_come_from_variables_or_files() {
        let vars =
            Variables::from_pairs([("VAULT_ROLE_ID", "role"), ("VAULT_SECRET_ID", "secret")]);
        let s =
            Credentials::discover(&config("auth = \"approle\""), &vars, Path::new(".")).unwrap();
        let Credentials::AppRole { mount, role_id, .. } = s else {
            panic!("not approle")
        };
        assert_eq!((mount.as_str(), role_id.expose()), ("approle", "role"));
        let error = Credentials::discover(
            &config("auth = \"approle\""),
            &Variables::default(),
            Path::new("."),
        )
        .unwrap_err();
        assert!(error.to_string().contains("VAULT_ROLE_ID"), "{error}");
    }
    #[test]
    fn jwt_from_a_file_read_again_at_each_login_or_from_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let jwt_file = dir.path().join("token");
        std::fs::write(&jwt_file, "aaa.bbb.ccc\n").unwrap();
        let with_file = config("auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"token\"");
        let s = Credentials::discover(&with_file, &Variables::default(), dir.path()).unwrap();
        let Credentials::Jwt { mount, role, jwt } = s else {
            panic!("not jwt")
        };
        assert_eq!((mount.as_str(), role.as_deref()), ("jwt", Some("app")));
        assert_eq!(jwt.read().unwrap().expose(), "aaa.bbb.ccc");
        std::fs::write(&jwt_file, "ddd.eee.fff").unwrap();
        assert_eq!(
            jwt.read().unwrap().expose(),
            "ddd.eee.fff",
            "rotated on disk"
        );
        std::fs::write(&jwt_file, "-----BEGIN PRIVATE KEY-----").unwrap();
        let error = jwt.read().unwrap_err();
        assert!(!error.to_string().contains("PRIVATE"), "{error}");

        let from_variable = config("auth = \"jwt\"\njwt_mount = \"ci/\"");
        let vars = Variables::from_pairs([("VAULT_JWT", " x.y.z ")]);
        let s = Credentials::discover(&from_variable, &vars, dir.path()).unwrap();
        let Credentials::Jwt { mount, role, jwt } = s else {
            panic!("not jwt")
        };
        assert_eq!((mount.as_str(), role), ("ci", None));
        assert_eq!(jwt.read().unwrap().expose(), "x.y.z");
        let error =
            Credentials::discover(&from_variable, &Variables::default(), dir.path()).unwrap_err();
        assert!(error.to_string().contains("VAULT_JWT"), "{error}");
        let vars = Variables::from_pairs([("VAULT_JWT", "not a jwt")]);
        assert!(Credentials::discover(&from_variable, &vars, dir.path()).is_err());
    }
}
