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
        let given = variable(vars, "TOKEN").filter(|(_, token)| !token.is_empty());
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
        if let Some((name, token)) = variable(vars, "TOKEN").filter(|(_, v)| !v.is_empty()) {
            return checked_token(token, &name).map(Self::Token);
        }
        if let Some(file) = &config.token_file {
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
    if vars
        .get_str(&empty)
        .is_some_and(|value| value.trim().is_empty())
        && vars
            .get_str(&hidden)
            .is_some_and(|value| !value.trim().is_empty())
    {
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
                "holds non-printable characters, which no role id, secret id or JWT holds; it is not sent",
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
            "the token holds non-printable characters",
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
    let text = read_credential_text(path).map_err(|reason| {
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
    use crate::source::vault::config_for_tests as config;

    /// The credentials for `config` in `vars`, and the login they set aside.
    fn discover(
        config: &VaultConfig,
        vars: &[(&str, &str)],
        base_dir: &Path,
    ) -> Result<(Credentials, Option<SetAside>), VaultError> {
        Credentials::discover(
            config,
            &Variables::from_pairs(vars.iter().copied()),
            base_dir,
        )
    }

    /// The credentials for `config` in `vars`.
    fn found(
        config: &VaultConfig,
        vars: &Variables,
        base_dir: &Path,
    ) -> Result<Credentials, VaultError> {
        Credentials::discover(config, vars, base_dir).map(|(credentials, _)| credentials)
    }

    #[test]
    fn token_lookup_order() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".vault-token"), "from-file\n").unwrap();
        let home_str = home.path().to_str().unwrap();
        let token = |vars: &[(&str, &str)]| match discover(&config(""), vars, Path::new(".")) {
            Ok((Credentials::Token(token), None)) => Ok(token.expose().to_owned()),
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
            match found(&with_file, &vars, app.path()).unwrap() {
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
    fn a_credential_file_every_user_may_write_is_refused() {
        // Anyone on the machine could swap the identity secretary logs in as (a fourth
        // adversarial pass); readable by others is allowed, as Kubernetes mounts tokens.
        use std::os::unix::fs::PermissionsExt;
        let app = tempfile::tempdir().unwrap();
        let file = app.path().join("agent-token");
        std::fs::write(&file, "from-agent-sink\n").unwrap();
        let with_file = config("token_file = \"agent-token\"");
        let vars = Variables::from_pairs([("HOME", "/nonexistent")]);
        for (mode, allowed) in [(0o600, true), (0o644, true), (0o664, true), (0o666, false)] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            match found(&with_file, &vars, app.path()) {
                Ok(_) => assert!(allowed, "{mode:o} was used"),
                Err(VaultError::Config { setting, reason }) => {
                    assert!(!allowed, "{mode:o} was refused: {reason}");
                    assert_eq!(setting, "token_file");
                    assert!(reason.contains("writable by every user"), "{reason}");
                }
                Err(other) => panic!("{mode:o}: {other:?}"),
            }
        }
        // Group-writable by another group than this user's own: refused (issue 25, left
        // open by the sixth pass); by this user's own group (a private group), taken.
        if rustix::process::geteuid().is_root() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o660)).unwrap();
            std::os::unix::fs::chown(&file, None, Some(54_321)).unwrap();
            match found(&with_file, &vars, app.path()) {
                Err(VaultError::Config { reason, .. }) => {
                    assert!(reason.contains("group id 54321"), "{reason}");
                }
                other => panic!("a file another group may write was used: {other:?}"),
            }
            let own = rustix::process::getegid().as_raw();
            std::os::unix::fs::chown(&file, None, Some(own)).unwrap();
            assert!(found(&with_file, &vars, app.path()).is_ok());
        }
        // Owned by another user (a fifth adversarial pass): refused, whatever its mode.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(&file, Some(12_345), None).unwrap();
            match found(&with_file, &vars, app.path()) {
                Err(VaultError::Config { reason, .. }) => {
                    assert!(
                        reason.contains("owned by another user (user id 12345)"),
                        "{reason}"
                    );
                }
                other => panic!("a file another user owns was used: {other:?}"),
            }
        }
    }

    #[test]
    fn approle_ids_come_from_variables_or_files() {
        let vars =
            Variables::from_pairs([("VAULT_ROLE_ID", "role"), ("VAULT_SECRET_ID", "secret")]);
        let s = found(&config("auth = \"approle\""), &vars, Path::new(".")).unwrap();
        let Credentials::AppRole { mount, role_id, .. } = s else {
            panic!("not approle")
        };
        assert_eq!((mount.as_str(), role_id.expose()), ("approle", "role"));
        let error = found(
            &config("auth = \"approle\""),
            &Variables::default(),
            Path::new("."),
        )
        .unwrap_err();
        assert!(error.to_string().contains("VAULT_ROLE_ID"), "{error}");
    }
    #[test]
    fn the_users_jwt_and_ids_win_over_the_manifests_files_and_say_so() {
        // A twenty-second adversarial pass: a pull request's `jwt_file` silently won over
        // the user's own VAULT_JWT, choosing who secretary logged in as.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "fff.ggg.hhh\n").unwrap();
        std::fs::write(dir.path().join("role"), "file-role\n").unwrap();
        let jwt = config("auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"token\"");
        let (credentials, set_aside) =
            discover(&jwt, &[("VAULT_JWT", "x.y.z")], dir.path()).unwrap();
        let Credentials::Jwt { jwt: source, .. } = credentials else {
            panic!("not jwt")
        };
        assert_eq!(source.read().unwrap().expose(), "x.y.z");
        assert_eq!(
            set_aside.unwrap().to_string(),
            "the manifest's credential files are set aside (`jwt_file` for VAULT_JWT): a credential you set chooses the login, as VAULT_TOKEN does"
        );
        let (_, set_aside) = discover(&jwt, &[], dir.path()).unwrap();
        assert_eq!(set_aside, None, "the file alone is read, and nothing said");
        let approle = config("auth = \"approle\"\nrole_id_file = \"role\"");
        let (credentials, set_aside) = discover(
            &approle,
            &[
                ("VAULT_ROLE_ID", "own-role"),
                ("VAULT_SECRET_ID", "own-secret"),
            ],
            dir.path(),
        )
        .unwrap();
        let Credentials::AppRole { role_id, .. } = credentials else {
            panic!("not approle")
        };
        assert_eq!(role_id.expose(), "own-role");
        assert_eq!(
            set_aside,
            Some(SetAside::Files {
                replaced: vec![("role_id_file", "VAULT_ROLE_ID".to_owned())]
            })
        );
    }

    #[test]
    fn an_empty_bao_credential_beside_a_vault_one_is_an_error_before_any_file() {
        // A twenty-third adversarial pass: taken for "not set", an empty BAO_ROLE_ID let
        // the manifest's role_id_file stand in for the user's VAULT_ROLE_ID.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("role"), "their-role\n").unwrap();
        let with_file = config("auth = \"approle\"\nrole_id_file = \"role\"");
        let error = discover(
            &with_file,
            &[
                ("BAO_ROLE_ID", ""),
                ("VAULT_ROLE_ID", "mine"),
                ("VAULT_SECRET_ID", "s"),
            ],
            dir.path(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, VaultError::Config { setting, .. } if setting == "BAO_ROLE_ID"),
            "{error}"
        );
    }

    #[test]
    fn jwt_from_a_file_read_again_at_each_login_or_from_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let jwt_file = dir.path().join("token");
        std::fs::write(&jwt_file, "aaa.bbb.ccc\n").unwrap();
        let with_file = config("auth = \"jwt\"\njwt_role = \"app\"\njwt_file = \"token\"");
        let s = found(&with_file, &Variables::default(), dir.path()).unwrap();
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
        let s = found(&from_variable, &vars, dir.path()).unwrap();
        let Credentials::Jwt { mount, role, jwt } = s else {
            panic!("not jwt")
        };
        assert_eq!((mount.as_str(), role), ("ci", None));
        assert_eq!(jwt.read().unwrap().expose(), "x.y.z");
        let error = found(&from_variable, &Variables::default(), dir.path()).unwrap_err();
        assert!(error.to_string().contains("VAULT_JWT"), "{error}");
        let vars = Variables::from_pairs([("VAULT_JWT", "not a jwt")]);
        assert!(found(&from_variable, &vars, dir.path()).is_err());
        // An empty BAO_JWT hides a set VAULT_JWT: the message names the empty one (it
        // named VAULT_JWT, which was set), and a malformed BAO_JWT is named as itself.
        let vars = Variables::from_pairs([("BAO_JWT", ""), ("VAULT_JWT", "x.y.z")]);
        let error = found(&from_variable, &vars, dir.path()).unwrap_err();
        let VaultError::Config { setting, reason } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(setting, "BAO_JWT");
        assert!(reason.contains("is read before VAULT_JWT"), "{reason}");
        let vars = Variables::from_pairs([("BAO_JWT", "not a jwt")]);
        let error = found(&from_variable, &vars, dir.path()).unwrap_err();
        assert!(error.to_string().contains("BAO_JWT"), "{error}");
        let approle = config("auth = \"approle\"");
        let vars = Variables::from_pairs([("BAO_ROLE_ID", " "), ("VAULT_SECRET_ID", "s")]);
        let error = found(&approle, &vars, dir.path()).unwrap_err();
        assert!(error.to_string().contains("BAO_ROLE_ID"), "{error}");
    }

    #[test]
    fn a_token_the_user_sets_replaces_the_manifests_login_and_says_so() {
        let approle = config("auth = \"approle\"");
        let ids = [
            ("VAULT_ROLE_ID", "role-1a2b"),
            ("VAULT_SECRET_ID", "secret-3c4d"),
        ];
        let token = |found: Result<(Credentials, Option<SetAside>), VaultError>| match found {
            Ok((Credentials::Token(token), set_aside)) => (token.expose().to_owned(), set_aside),
            other => panic!("no token: {other:?}"),
        };

        // The service: only its ids, so the manifest's AppRole.
        let (credentials, set_aside) = discover(&approle, &ids, Path::new(".")).unwrap();
        assert!(matches!(credentials, Credentials::AppRole { .. }));
        assert_eq!(set_aside, None);

        // An operator: their token, and the manifest's login named as set aside.
        let (used, set_aside) = token(discover(
            &approle,
            &[("VAULT_TOKEN", "operator")],
            Path::new("."),
        ));
        assert_eq!(used, "operator");
        let set_aside = set_aside.unwrap();
        assert_eq!(
            set_aside.to_string(),
            "the manifest logs in with AppRole (auth = \"approle\"), but the token in VAULT_TOKEN is used: a token you set chooses the login, as VAULT_ADDR chooses the server"
        );

        // Both: the token wins, and the ids left unused are named (never their values).
        let (used, set_aside) = token(discover(
            &approle,
            &[ids[0], ids[1], ("BAO_TOKEN", "operator")],
            Path::new("."),
        ));
        assert_eq!(used, "operator");
        let said = set_aside.unwrap().to_string();
        assert!(
            said.contains("the token in BAO_TOKEN is used")
                && said.ends_with("; VAULT_ROLE_ID and VAULT_SECRET_ID are set too, and not used"),
            "{said}"
        );
        assert!(
            !said.contains("role-1a2b") && !said.contains("secret-3c4d"),
            "{said}"
        );

        // The manifest's id files are not read when a token is set: an operator's machine
        // does not have the service's /run/secrets.
        let with_files = config(
            "auth = \"approle\"\nrole_id_file = \"/nonexistent/role_id\"\nsecret_id_file = \"/nonexistent/secret_id\"",
        );
        let (used, _) = token(discover(
            &with_files,
            &[("VAULT_TOKEN", "operator")],
            Path::new("."),
        ));
        assert_eq!(used, "operator");

        // An empty BAO_TOKEN hides VAULT_TOKEN (it is read first): an error naming it,
        // not the manifest's login in the user's token's place (a twenty-third
        // adversarial pass); a malformed one is refused, not replaced by the login.
        let error = discover(
            &approle,
            &[
                ids[0],
                ids[1],
                ("BAO_TOKEN", ""),
                ("VAULT_TOKEN", "operator"),
            ],
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            matches!(&error, VaultError::Config { setting, .. } if setting == "BAO_TOKEN"),
            "{error}"
        );
        let error = discover(
            &approle,
            &[ids[0], ids[1], ("VAULT_TOKEN", "bad\u{7}token")],
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            matches!(&error, VaultError::Config { setting, .. } if setting == "VAULT_TOKEN"),
            "{error}"
        );

        // JWT the same way; the JWT is neither read nor checked.
        let jwt = config("auth = \"jwt\"\njwt_file = \"/nonexistent/jwt\"");
        let (used, set_aside) = token(discover(
            &jwt,
            &[("VAULT_TOKEN", "operator"), ("VAULT_JWT", "not a jwt")],
            Path::new("."),
        ));
        assert_eq!(used, "operator");
        let said = set_aside.unwrap().to_string();
        assert!(
            said.starts_with("the manifest logs in with JWT (auth = \"jwt\")")
                && said.ends_with("; VAULT_JWT is set too, and not used"),
            "{said}"
        );

        // With `auth = "token"` nothing is set aside.
        let (_, set_aside) = token(discover(
            &config(""),
            &[("VAULT_TOKEN", "operator")],
            Path::new("."),
        ));
        assert_eq!(set_aside, None);
    }

    #[test]
    fn a_vault_token_file_does_not_replace_the_manifests_login() {
        // Left by whoever last ran `bao login` on the machine: not set for this process.
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".vault-token"), "theirs\n").unwrap();
        let home = home.path().to_str().unwrap();
        for (manifest, setting) in [
            ("auth = \"approle\"", "VAULT_ROLE_ID"),
            ("auth = \"jwt\"", "VAULT_JWT"),
        ] {
            let error = discover(&config(manifest), &[("HOME", home)], Path::new(".")).unwrap_err();
            let VaultError::Config {
                setting: named,
                reason,
            } = &error
            else {
                panic!("{manifest}: {error}")
            };
            assert_eq!(named, setting);
            assert!(
                reason.contains("by setting VAULT_TOKEN") && !reason.contains("theirs"),
                "{reason}"
            );
        }
    }

    #[test]
    fn a_login_variable_with_a_control_character_is_refused_unsent() {
        let vars = Variables::from_pairs([
            ("VAULT_ROLE_ID", "CANARY\u{1}rid"),
            ("VAULT_SECRET_ID", "secret"),
        ]);
        let error = login_variable(&vars, "ROLE_ID", "needed").unwrap_err();
        let said = error.to_string();
        assert!(said.contains("VAULT_ROLE_ID"), "{said}");
        assert!(said.contains("non-printable"), "{said}");
        assert!(!said.contains("CANARY"), "{said}");
    }
}
