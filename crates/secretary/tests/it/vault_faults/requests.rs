//! Against a scripted server: the headers every request carries, redirects, and where credentials are (never) sent.

use super::*;

#[test]
fn every_request_carries_the_vault_headers() {
    let server = serve(vec![answer(200)]);
    outcome(&check(&server, &[("VAULT_NAMESPACE", "team-a")])).unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.path, "/v1/secret/data/production/api_key");
    assert_eq!(seen.header("X-Vault-Request"), Some("true"));
    assert_eq!(seen.header("X-Vault-Token"), Some("s.scripted-token"));
    assert_eq!(seen.header("X-Vault-Namespace"), Some("team-a"));
}

#[test]
fn one_redirect_to_the_same_host_is_followed() {
    let server = serve(vec![
        with_header(
            answer(307),
            "Location",
            "/v1/secret/data/production/api_key?from=standby",
        ),
        answer(200),
    ]);
    assert_eq!(outcome(&check(&server, &[])), Ok("the-value".to_owned()));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].path,
        "/v1/secret/data/production/api_key?from=standby"
    );
    assert_eq!(seen[1].header("X-Vault-Token"), Some("s.scripted-token"));
}

#[test]
fn a_second_redirect_is_not_followed() {
    let server = serve(vec![
        with_header(answer(307), "Location", "/v1/a"),
        with_header(answer(307), "Location", "/v1/b"),
        answer(200),
    ]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("a second redirect in a row"), "{error}");
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_redirect_to_another_host_is_refused_and_the_token_never_sent_there() {
    let elsewhere = serve(vec![answer(200)]);
    let server = serve(vec![with_header(
        answer(307),
        "Location",
        &format!("{}/v1/secret/data/production/api_key", elsewhere.address),
    )]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("to another host"), "{error}");
    assert!(
        elsewhere.seen().is_empty(),
        "the other host must receive nothing"
    );
}

#[test]
fn an_address_only_the_manifest_names_gets_no_credential() {
    // A manifest from a pull request names a server of its own: neither the user's token
    // nor an AppRole login goes there, unless the user agreed to that address.
    let elsewhere = serve(vec![answer(200), answer(200)]);
    let manifest = manifest(&elsewhere.address);
    let vars = Variables::from_pairs([("VAULT_TOKEN", "s.users-own-token")]);
    let report = in_production(&manifest, &vars);
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("which you have not chosen; no credential was sent"),
        "{error}"
    );
    assert!(
        elsewhere.seen().is_empty(),
        "the manifest's server received a request"
    );
    // VAULT_ADDR wins over the manifest, and says so.
    let mine = serve(vec![answer(200)]);
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.users-own-token"),
        ("VAULT_ADDR", &mine.address),
    ]);
    let report = in_production(&manifest, &vars);
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
    assert!(
        elsewhere.seen().is_empty(),
        "the manifest's server received a request"
    );
    assert_eq!(mine.seen().len(), 1);
    assert!(
        crate::warnings(&report)
            .iter()
            .any(|w| w.contains("the manifest names Vault address")),
        "{:?}",
        crate::warnings(&report)
    );
}

#[test]
fn a_credential_file_that_is_not_one_line_of_text_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("id_ed25519"),
        "-----BEGIN OPENSSH PRIVATE KEY-----
CANARYkey
-----END OPENSSH PRIVATE KEY-----
",
    )
    .unwrap();
    let server = serve(vec![answer(200), answer(200)]);
    // Each is refused for what it is: a private key is not one line of text, and
    // `/proc/self/environ` is a file of the kernel's, never read as one of secrets.
    for (setting, file, why) in [
        (
            "secret_id_file",
            dir.path().join("id_ed25519"),
            "does not hold one line of printable text",
        ),
        (
            "secret_id_file",
            std::path::PathBuf::from("/proc/self/environ"),
            "a file of the kernel's (/proc, /sys or /dev)",
        ),
    ] {
        let text = format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\nauth = \"approle\"\nrole_id_file = \"{}\"\n{setting} = \"{}\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n",
            file.display(),
            file.display()
        );
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        let vars = Variables::from_pairs([
            ("VAULT_ADDR", server.address.as_str()),
            ("CANARY_ENV", "CANARYenv"),
        ]);
        let report = in_production(&manifest, &vars);
        let error = outcome(&report).unwrap_err();
        assert!(error.contains(why), "{error}");
        assert!(!error.contains("CANARY"), "{error}");
    }
    assert!(server.seen().is_empty(), "a login was sent");
}

#[test]
fn a_user_and_password_in_the_address_are_never_shown_when_it_cannot_be_reached() {
    let port = secretary_test_support::free_port();
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.t"),
        ("VAULT_MAX_RETRIES", "0"),
        (
            "VAULT_ADDR",
            &format!("http://admin:hunter2@127.0.0.1:{port}"),
        ),
    ]);
    let manifest = manifest("http://127.0.0.1:1");
    let report = in_production(&manifest, &vars);
    let error = outcome(&report).unwrap_err();
    assert!(error.contains("cannot connect"), "{error}");
    let said = format!(
        "{error} {:?} {:?}",
        crate::warnings(&report),
        report.get("api_key").unwrap().problems
    );
    assert!(
        !said.contains("hunter2") && !said.contains("admin"),
        "{said}"
    );
}

#[test]
fn a_user_and_password_in_the_address_are_neither_sent_nor_shown() {
    let server = serve(vec![answer(403)]);
    let address = server.address.replace("http://", "http://admin:hunter2@");
    let manifest = manifest(&address);
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.scripted-token"),
        ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
    ]);
    let report = in_production(&manifest, &vars);
    let shown = format!("{report:?} {}", outcome(&report).unwrap_err());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        crate::warnings(&report)
            .iter()
            .any(|w| w.contains("user name or password")),
        "{:?}",
        crate::warnings(&report)
    );
    let seen = &server.seen()[0];
    assert_eq!(seen.header("Authorization"), None, "no basic auth is sent");
}

#[test]
fn an_approle_token_is_renewed_before_it_expires_not_replaced() {
    let bao = OpenBao::start_audited();
    bao.kv_put("production/api_key", &[("value", "renewed-ok")]);
    let (role_id, secret_id) = bao.approle(&["token_ttl=3s", "token_max_ttl=120s"]);

    let manifest = Manifest::parse(
        &format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{}\"\nauth = \"approle\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\n",
            bao.address
        ),
        Path::new("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
        ("SECRETARY_VAULT_ADDRS", bao.address.as_str()),
    ]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    let spec = manifest.secret("api_key").unwrap();
    let context = Context::new(&manifest, environment, &vars);
    // Read at 0 s, 2.2 s and 4.4 s: past two thirds of the 3 s lease each time, and the
    // last read is past the first token's expiry, so it only works if it was renewed.
    for round in 0..3 {
        if round > 0 {
            std::thread::sleep(Duration::from_millis(2200));
        }
        let batch = source.lookup(&[spec], &context);
        match &batch.lookups[0] {
            Lookup::Found { value, .. } => {
                assert_eq!(value.expose(), "renewed-ok", "round {round}");
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(
        bao.requests("update", "auth/approle/login"),
        1,
        "one login for the process"
    );
    assert!(
        bao.requests("update", "auth/token/renew-self") >= 2,
        "renewed as it neared expiry"
    );
}
