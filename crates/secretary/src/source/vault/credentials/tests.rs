//! The credentials' unit tests: which login, token or file each setting and variable gives.

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
fn a_blank_token_or_credential_file_is_never_sent() {
    // A seventy-fifth adversarial pass: `VAULT_TOKEN` of spaces, a blank `token_file`
    // and a blank `secret_id_file` were sent as empty credentials, and refused as an
    // expired token or a wrong secret id (a failed login toward the role's lock-out).
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("blank"), "  \n").unwrap();
    std::fs::write(app.path().join("role"), "a-role-id\n").unwrap();
    assert_eq!(
        discover(
            &config(""),
            &[("VAULT_TOKEN", "   "), ("HOME", "/nonexistent")],
            app.path()
        )
        .unwrap_err(),
        VaultError::NoToken
    );
    for (settings, setting) in [
        ("token_file = \"blank\"", "token_file"),
        (
            "auth = \"approle\"\nrole_id_file = \"role\"\nsecret_id_file = \"blank\"",
            "secret_id_file",
        ),
    ] {
        let error = discover(&config(settings), &[("HOME", "/nonexistent")], app.path())
            .map(|_| ())
            .unwrap_err();
        assert!(
            error.to_string().contains("is empty; it is not sent")
                && error.to_string().contains(setting),
            "{error}"
        );
    }
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
    let vars = Variables::from_pairs([("VAULT_ROLE_ID", "role"), ("VAULT_SECRET_ID", "secret")]);
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
    let (credentials, set_aside) = discover(&jwt, &[("VAULT_JWT", "x.y.z")], dir.path()).unwrap();
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
    assert!(said.contains("not printable ASCII"), "{said}");
    assert!(!said.contains("CANARY"), "{said}");
    // A space is printable: named as itself (a fortieth adversarial pass saw a JWT with a
    // space called "non-printable").
    let vars = Variables::from_pairs([("VAULT_JWT", "CANARY.a b.c")]);
    let said = login_variable(&vars, "JWT", "needed")
        .unwrap_err()
        .to_string();
    assert!(said.contains("holds a space or a character"), "{said}");
    assert!(!said.contains("CANARY"), "{said}");
}

#[test]
fn a_login_credential_the_user_set_is_not_replaced_by_the_manifests_token_file() {
    // A twenty-fourth adversarial pass: `auth = "token"` with a committed token_file
    // read with the repository's token while the user's AppRole ids sat unused.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("their-token"), "s.theirs\n").unwrap();
    let with_file = config("token_file = \"their-token\"");
    let error = discover(
        &with_file,
        &[("VAULT_ROLE_ID", "mine"), ("VAULT_SECRET_ID", "s")],
        dir.path(),
    )
    .unwrap_err();
    assert!(
        matches!(&error, VaultError::Config { setting, .. } if setting == "VAULT_ROLE_ID"),
        "{error}"
    );
    // Without them, the file is the token.
    let (credentials, _) = discover(&with_file, &[], dir.path()).unwrap();
    assert!(matches!(credentials, Credentials::Token(_)));
}

#[test]
fn a_credential_file_that_is_not_text_is_refused_without_its_line() {
    // A forty-first adversarial pass: a token_file with a stray byte on its fourth line
    // was "not valid UTF-8 text (line 4)", which counts the line ends of the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, b"l1\nl2\nl3\n\xff\xfe\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let said = read_secret_file(&file, "token_file")
        .unwrap_err()
        .to_string();
    assert!(
        said.contains("does not hold one line of printable text") && !said.contains("line 4"),
        "{said}"
    );
}
