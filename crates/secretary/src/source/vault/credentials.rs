//! How a `vault` source gets its token: the variable or file holding one, or the ids or
//! JWT of a login. Every credential read here is refused unless it is one line of
//! printable text, so that nothing else (a private key, `/proc/self/environ`) is ever
//! sent as one.

use std::fmt;
use std::path::{Path, PathBuf};

use super::settings::{config_error, variable};
use super::{LoginMethod, VaultError};
use crate::source::kinds::{VaultAuth, VaultConfig};
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
    /// `VAULT_JWT` / `BAO_JWT`: the variable's name, and the JWT.
    Variable(String, SecretValue),
}

impl JwtSource {
    /// The JWT as it is now: the file is read at each call. Anything that is not shaped
    /// as a JWT (three base64url parts joined by dots) is refused, and not sent.
    pub fn read(&self) -> Result<SecretValue, VaultError> {
        let (jwt, setting) = match self {
            Self::File(path) => (read_secret_file(path, "jwt_file")?, "jwt_file"),
            Self::Variable(name, jwt) => (jwt.clone(), name.as_str()),
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

/// What of the manifest's login the user's own variables set aside: said in a warning
/// wherever the source's warnings go, never silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetAside {
    /// The whole login, for a token the user set.
    Login {
        /// The manifest's method: AppRole or JWT.
        method: LoginMethod,
        /// Its `auth` in the manifest: `approle` or `jwt`.
        auth: &'static str,
        /// The variable the token came from: `VAULT_TOKEN` or `BAO_TOKEN`.
        token_from: String,
        /// The method's own variables, set too and not used (`VAULT_ROLE_ID`, `BAO_JWT`...).
        unused: Vec<String>,
    },
    /// Credential files the manifest names, each for the variable the user set instead
    /// (`jwt_file` for `VAULT_JWT`): the user's JWT or ids choose who logs in, not a
    /// file a pull request can name (a twenty-second adversarial pass saw `jwt_file`
    /// silently win over the user's `VAULT_JWT`).
    Files {
        /// Each file's setting (`jwt_file`) with the variable used in its place.
        replaced: Vec<(&'static str, String)>,
    },
}

impl fmt::Display for SetAside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Login {
                method,
                auth,
                token_from,
                unused,
            } => {
                write!(
                    f,
                    "the manifest logs in with {method} (auth = \"{auth}\"), but the token in {token_from} is used: a token you set chooses the login, as VAULT_ADDR chooses the server"
                )?;
                match unused.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, "; {one} is set too, and not used"),
                    [first @ .., last] => write!(
                        f,
                        "; {} and {last} are set too, and not used",
                        first.join(", ")
                    ),
                }
            }
            Self::Files { replaced } => {
                let said: Vec<String> = replaced
                    .iter()
                    .map(|(setting, variable)| format!("`{setting}` for {variable}"))
                    .collect();
                write!(
                    f,
                    "the manifest's credential files are set aside ({}): a credential you set chooses the login, as VAULT_TOKEN does",
                    said.join(", ")
                )
            }
        }
    }
}

impl Credentials {
    /// The credentials for `config`, found in `vars` and in files beneath `base_dir`; with
    /// the manifest's login, when a token the user set replaces it.
    ///
    /// A token set in `BAO_TOKEN` / `VAULT_TOKEN` is always used: with `auth = "token"`
    /// as the Vault CLI uses it, and in place of the manifest's AppRole or JWT login (even
    /// when that login's ids or JWT are set too), since it is the user's choice for this
    /// process. Otherwise the manifest's `auth` decides: for a token, its `token_file`,
    /// then `~/.vault-token`; for a login, its ids or JWT, each from the user's variable
    /// when set, else from the manifest's file. `~/.vault-token` never replaces
    /// a login: it is left by whoever last logged in on the machine, not set for this
    /// process, and a service must not run as them because its own ids went missing.
    pub(super) fn discover(
        config: &VaultConfig,
        vars: &Variables,
        base_dir: &Path,
    ) -> Result<(Self, Option<SetAside>), VaultError> {
        // An empty `BAO_` credential that hides the user's `VAULT_` one is an error, before
        // anything of the manifest's is read: taken for "not set", it let the manifest's
        // token file or login stand in for the user's own (a twenty-third adversarial
        // pass).
        for name in ["TOKEN", "ROLE_ID", "SECRET_ID", "JWT"] {
            shadowed(vars, name)?;
        }
        let given = variable(vars, "TOKEN").filter(|(_, token)| !token.trim().is_empty());
        let (method, auth, own): (_, _, &[&str]) = match &config.auth {
            VaultAuth::Token => return Ok((Self::token(config, vars, base_dir)?, None)),
            VaultAuth::AppRole { .. } => {
                (LoginMethod::AppRole, "approle", &["ROLE_ID", "SECRET_ID"])
            }
            VaultAuth::Jwt { .. } => (LoginMethod::Jwt, "jwt", &["JWT"]),
        };
        match given {
            Some((token_from, token)) => {
                let token = checked_token(token, &token_from)?;
                let unused = own
                    .iter()
                    .filter_map(|name| variable(vars, name))
                    .filter(|(_, value)| !value.trim().is_empty())
                    .map(|(name, _)| name)
                    .collect();
                let set_aside = SetAside::Login {
                    method,
                    auth,
                    token_from,
                    unused,
                };
                Ok((Self::Token(token), Some(set_aside)))
            }
            None => Self::login(config, vars, base_dir),
        }
    }

    /// A token, for `auth = "token"`: `BAO_TOKEN` / `VAULT_TOKEN`, else the manifest's
    /// `token_file`, else `~/.vault-token`.
    fn token(config: &VaultConfig, vars: &Variables, base_dir: &Path) -> Result<Self, VaultError> {
        // Blanks alone are no token: sent, an empty token was refused as if expired (a
        // seventy-fifth adversarial pass).
        if let Some((name, token)) = variable(vars, "TOKEN").filter(|(_, v)| !v.trim().is_empty()) {
            return checked_token(token, &name).map(Self::Token);
        }
        if let Some(file) = &config.token_file {
            // A login's credential the user set says who this process is: the
            // manifest's token file does not replace it (a twenty-fourth adversarial
            // pass: a pull request switched `auth` to "token" with a committed
            // `token_file`, and the user's AppRole ids went unused, in silence).
            if let Some((name, _)) = ["ROLE_ID", "SECRET_ID", "JWT"]
                .iter()
                .filter_map(|name| variable(vars, name))
                .find(|(_, value)| !value.trim().is_empty())
            {
                return Err(config_error(
                    &name,
                    "is set, but the manifest logs in with its own token_file (auth = \"token\"): a credential file the manifest names does not replace yours; set VAULT_TOKEN, or fix the source's auth",
                ));
            }
            let token = read_secret_file(&base_dir.join(file), "token_file")?;
            return checked_token(token.expose(), "token_file").map(Self::Token);
        }
        if let Some(home) = vars.get_str("HOME") {
            let path = Path::new(home).join(".vault-token");
            match read_credential_text(&path) {
                Ok(token) if !token.trim().is_empty() => {
                    return checked_token(&token, "~/.vault-token").map(Self::Token);
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

    /// The manifest's AppRole or JWT login, its ids or JWT from the user's variables,
    /// else from the manifest's files; with the files set aside for variables, if any.
    fn login(
        config: &VaultConfig,
        vars: &Variables,
        base_dir: &Path,
    ) -> Result<(Self, Option<SetAside>), VaultError> {
        // Said where a login's credential is missing: a person need not have the service's.
        const OWN_TOKEN: &str = "a person logs in with their own token instead by setting VAULT_TOKEN (a ~/.vault-token alone does not replace the manifest's login)";
        let mut replaced = Vec::new();
        // The user's variable when set (not empty), with its name; else `None`.
        let given = |name: &str| variable(vars, name).filter(|(_, value)| !value.trim().is_empty());
        let credentials = match &config.auth {
            VaultAuth::Token => Self::token(config, vars, base_dir)?,
            VaultAuth::AppRole {
                mount,
                role_id_file,
                secret_id_file,
            } => {
                let mut read = |file: &Option<String>,
                                variable_name: &str,
                                setting: &'static str|
                 -> Result<SecretValue, VaultError> {
                    match (file, given(variable_name)) {
                        (Some(file), None) => read_secret_file(&base_dir.join(file), setting),
                        (file, _) => {
                            let (name, value) = login_variable(
                                vars,
                                variable_name,
                                &format!(
                                    "AppRole needs it (or `{setting}` in the manifest); {OWN_TOKEN}"
                                ),
                            )?;
                            if file.is_some() {
                                replaced.push((setting, name));
                            }
                            Ok(value)
                        }
                    }
                };
                let role_id = read(role_id_file, "ROLE_ID", "role_id_file")?;
                let secret_id = read(secret_id_file, "SECRET_ID", "secret_id_file")?;
                Self::AppRole {
                    mount: mount.clone(),
                    role_id,
                    secret_id,
                }
            }
            VaultAuth::Jwt {
                mount,
                role,
                jwt_file,
            } => {
                let jwt = match (jwt_file, given("JWT")) {
                    (Some(file), None) => JwtSource::File(base_dir.join(file)),
                    (file, _) => {
                        let needed = format!(
                            "JWT login needs it (or `jwt_file` in the manifest); {OWN_TOKEN}"
                        );
                        let (name, jwt) = login_variable(vars, "JWT", &needed)?;
                        if file.is_some() {
                            replaced.push(("jwt_file", name.clone()));
                        }
                        JwtSource::Variable(name, jwt)
                    }
                };
                // Read once now, so that a missing or malformed JWT is found at start-up.
                jwt.read()?;
                Self::Jwt {
                    mount: mount.clone(),
                    role: role.clone(),
                    jwt,
                }
            }
        };
        let set_aside = (!replaced.is_empty()).then_some(SetAside::Files { replaced });
        Ok((credentials, set_aside))
    }
}

/// An error when `BAO_NAME` is set but empty and `VAULT_NAME` is set and not: the empty
/// one is read first and would hide the user's credential.
fn shadowed(vars: &Variables, name: &str) -> Result<(), VaultError> {
    let empty = format!("BAO_{name}");
    let hidden = format!("VAULT_{name}");
    if super::settings::hides(vars, name) {
        return Err(config_error(
            &empty,
            format!(
                "is set but empty, and is read before {hidden}, which is set too: unset {empty}, or set it"
            ),
        ));
    }
    Ok(())
}

/// A login's variable (`ROLE_ID`, `SECRET_ID`, `JWT`): `BAO_NAME`, else `VAULT_NAME`,
/// trimmed, with the name it came from. One set but empty is named as such, and so is
/// the `VAULT_` one it hides (an empty `BAO_JWT` was once reported as a missing
/// `VAULT_JWT` that was set); `needed` says why an unset one is needed.
fn login_variable(
    vars: &Variables,
    name: &str,
    needed: &str,
) -> Result<(String, SecretValue), VaultError> {
    match variable(vars, name) {
        // One line of printable text, as a credential file must hold (a fourteenth
        // adversarial pass sent `CANARY\x01rid` to the server).
        Some((found, value))
            if !value.trim().is_empty() && !value.trim().bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Err(config_error(
                &found,
                "holds a space or a character that is not printable ASCII, which no role id, secret id or JWT holds; it is not sent",
            ))
        }
        Some((found, value)) if !value.trim().is_empty() => {
            Ok((found, SecretValue::new(value.trim().to_owned())))
        }
        Some((found, _)) => {
            let hidden = format!("VAULT_{name}");
            let shadows = found != hidden && vars.get(&hidden).is_some();
            Err(config_error(
                &found,
                if shadows {
                    format!(
                        "is set but empty, and is read before {hidden}, which is set too: unset {found}, or set it"
                    )
                } else {
                    format!("is set but empty: {needed}")
                },
            ))
        }
        None => Err(config_error(&format!("VAULT_{name}"), needed)),
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
            "the token holds a space or a character that is not printable ASCII",
        ))
    }
}

/// The text of a file that holds a credential, opened once: refused when every user may
/// write it ([`FileError::WorldWritable`], a fourth adversarial pass), the members of a
/// group not this user's own may ([`FileError::GroupWritable`]), or another user owns
/// it ([`FileError::NotOwned`]: a token planted in `/tmp` by someone else, a fifth),
/// since any of them could choose the identity secretary logs in as. Root's files and this
/// user's are taken; readable by others is allowed, as Kubernetes mounts service-account
/// tokens 0644.
///
/// [`FileError::WorldWritable`]: crate::FileError::WorldWritable
/// [`FileError::NotOwned`]: crate::FileError::NotOwned
/// [`FileError::GroupWritable`]: crate::FileError::GroupWritable
fn read_credential_text(path: &Path) -> Result<zeroize::Zeroizing<String>, crate::FileError> {
    crate::file::open(path)?
        .trusted()?
        .read_text(crate::file::SECRET_LIMIT)
}

/// A credential file's text, trimmed: a regular file, read once, holding one line of
/// printable ASCII of at most 16 KiB, as a token, a role id or a JWT does. Anything else
/// (a private key, `/proc/self/environ`) is refused, so that it is never sent.
fn read_secret_file(path: &Path, setting: &str) -> Result<SecretValue, VaultError> {
    let text = read_credential_text(path).map_err(|reason| match reason {
        // Not which line: the file is one credential, and how many line ends come before
        // its first stray byte is something of it (a forty-first adversarial pass).
        crate::FileError::NotUtf8 { .. } => config_error(
            setting,
            format!(
                "{} does not hold one line of printable text, as a token or an id does; it is not sent",
                path.display()
            ),
        ),
        reason => config_error(setting, format!("cannot read {}: {reason}", path.display())),
    })?;
    let credential = text.trim();
    // An empty file is no credential: sent, an empty secret id spent a failed login
    // toward the role's lock-out (a seventy-fifth adversarial pass).
    if credential.is_empty() {
        return Err(config_error(
            setting,
            format!("{} is empty; it is not sent", path.display()),
        ));
    }
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
mod tests;
