//! The settings' unit tests: which address, CA, namespace and login each variable and
//! manifest setting gives.

use super::*;
use crate::source::vault::config_for_tests as config;

fn addresses(settings: &Settings) -> Vec<&str> {
    settings.addresses.iter().map(Url::as_str).collect()
}

fn settings(vars: &[(&str, &str)]) -> Result<Settings, VaultError> {
    Settings::resolve(
        &config(""),
        &Variables::from_pairs(vars.iter().copied()),
        Path::new("."),
    )
}

#[test]
fn bao_variables_win_even_when_empty() {
    let s = settings(&[
        ("VAULT_ADDR", "https://vault:8200"),
        ("BAO_ADDR", "https://bao:8200"),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(addresses(&s), ["https://bao:8200/"]);
    let s = settings(&[
        ("VAULT_NAMESPACE", "team"),
        ("BAO_NAMESPACE", ""),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(
        s.namespace, None,
        "an empty BAO_NAMESPACE hides VAULT_NAMESPACE"
    );
}

#[test]
fn an_empty_bao_variable_that_hides_a_vault_one_is_named() {
    // A twenty-second adversarial pass: `BAO_ADDR=` was blamed on VAULT_ADDR, and
    // `BAO_TOKEN=` beside VAULT_TOKEN said VAULT_TOKEN was not set.
    let s = settings(&[
        ("BAO_ADDR", ""),
        ("VAULT_ADDR", "https://vault:8200"),
        ("BAO_CACERT", ""),
        ("VAULT_CACERT", "/etc/ca.pem"),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(s.hidden, ["BAO_ADDR", "BAO_CACERT"]);
    let error = settings(&[("BAO_TOKEN", ""), ("VAULT_TOKEN", "t")]).unwrap_err();
    assert!(
        error.to_string().contains("BAO_TOKEN")
            && error.to_string().contains("is read before VAULT_TOKEN"),
        "{error}"
    );
}

#[test]
fn a_bad_namespace_names_where_it_came_from() {
    let error = |config: &VaultConfig, vars: &[(&str, &str)]| match Settings::resolve(
        config,
        &Variables::from_pairs(vars.iter().copied()),
        Path::new("."),
    ) {
        Err(VaultError::Config { setting, .. }) => setting,
        other => panic!("not refused: {other:?}"),
    };
    // A manifest's namespace with a control character is refused as the manifest is
    // read, before any setting is resolved.
    let refused = crate::Manifest::parse(
        "version = 1\n[sources.vault]\ntype = \"vault\"\nnamespace = \"team\\u0001\"\n",
        Path::new("secrets.toml"),
    )
    .unwrap_err();
    assert!(
        refused.diagnostics[0]
            .message
            .contains("namespace` holds a control character"),
        "{refused:?}"
    );
    assert_eq!(
        error(
            &config(""),
            &[("BAO_NAMESPACE", "team\n"), ("VAULT_TOKEN", "t")]
        ),
        "BAO_NAMESPACE"
    );
    assert_eq!(
        error(
            &config(""),
            &[("VAULT_NAMESPACE", "team\u{7f}"), ("VAULT_TOKEN", "t")]
        ),
        "VAULT_NAMESPACE"
    );
}

#[test]
fn defaults_follow_the_vault_cli() {
    let s = settings(&[("VAULT_TOKEN", "t")]).unwrap();
    assert_eq!(addresses(&s), ["https://127.0.0.1:8200/"]);
    assert_eq!(
        (s.timeout, s.max_retries, s.skip_verify),
        (Duration::from_secs(60), 2, false)
    );
}

#[test]
fn bad_numbers_and_booleans_are_errors_not_ignored() {
    for (name, value) in [
        ("VAULT_MAX_RETRIES", "three"),
        ("VAULT_CLIENT_TIMEOUT", "soon"),
        ("VAULT_SKIP_VERIFY", "yes please"),
        ("VAULT_ADDR", "vault:8200"),
    ] {
        let error = settings(&[(name, value), ("VAULT_TOKEN", "t")]).unwrap_err();
        assert!(
            matches!(&error, VaultError::Config { setting, .. } if setting == name),
            "{name}: {error}"
        );
    }
    assert_eq!(
        settings(&[("VAULT_CLIENT_TIMEOUT", "30s"), ("VAULT_TOKEN", "t")])
            .unwrap()
            .timeout,
        Duration::from_secs(30)
    );
    assert_eq!(
        settings(&[("VAULT_CLIENT_TIMEOUT", "45"), ("VAULT_TOKEN", "t")])
            .unwrap()
            .timeout,
        Duration::from_secs(45)
    );
    assert!(
        settings(&[("VAULT_CLIENT_CERT", "c.pem"), ("VAULT_TOKEN", "t")]).is_err(),
        "cert without key"
    );
}

#[test]
fn a_user_name_and_password_in_the_address_are_removed() {
    let s = settings(&[
        ("VAULT_ADDR", "https://admin:hunter2@vault:8200"),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(addresses(&s), ["https://vault:8200/"]);
    assert!(s.userinfo_removed);
    let error = settings(&[
        ("VAULT_ADDR", "https://admin:hunter2@"),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn several_addresses_from_the_variable_or_the_manifest() {
    let s = settings(&[
        (
            "VAULT_ADDR",
            " http://127.0.0.1:8200, http://127.0.0.1:8202 ,,http://127.0.0.1:8200",
        ),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap();
    assert_eq!(
        addresses(&s),
        ["http://127.0.0.1:8200/", "http://127.0.0.1:8202/"],
        "trimmed, empty entries and repeats dropped, order kept"
    );
    let cluster = config(
        "address = [\"https://vault-0:8200\", \"https://vault-1:8200\", \"https://vault-2:8200\"]",
    );
    let agreed = "https://vault-0:8200,https://vault-1:8200,https://vault-2:8200";
    let vars = Variables::from_pairs([("VAULT_TOKEN", "t"), ("SECRETARY_VAULT_ADDRS", agreed)]);
    let s = Settings::resolve(&cluster, &vars, Path::new(".")).unwrap();
    assert_eq!(s.addresses.len(), 3);
    // One node the user did not agree to is enough to refuse all of them.
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "t"),
        (
            "SECRETARY_VAULT_ADDRS",
            "https://vault-0:8200,https://vault-1:8200",
        ),
    ]);
    assert_eq!(
        Settings::resolve(&cluster, &vars, Path::new(".")).unwrap_err(),
        VaultError::AddressNotChosen {
            address: "https://vault-2:8200".to_owned()
        }
    );
    // The user's variable wins, and the manifest's list is named in a warning.
    let vars = Variables::from_pairs([("VAULT_TOKEN", "t"), ("VAULT_ADDR", "https://mine:8200")]);
    let s = Settings::resolve(&cluster, &vars, Path::new(".")).unwrap();
    assert_eq!(addresses(&s), ["https://mine:8200/"]);
    assert_eq!(
        s.manifest_overridden.as_deref(),
        Some("https://vault-0:8200, https://vault-1:8200, https://vault-2:8200")
    );
    let many = (0..17)
        .map(|n| format!("https://vault-{n}:8200"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(settings(&[("VAULT_ADDR", &many), ("VAULT_TOKEN", "t")]).is_err());
    assert!(
        settings(&[("VAULT_ADDR", " , "), ("VAULT_TOKEN", "t")]).is_err(),
        "a list of nothing is a mistake, not the default address"
    );
}

#[test]
fn a_bad_ca_cert_of_the_manifests_is_named_as_such() {
    // A fifteenth adversarial pass: it was blamed on VAULT_CACERT, which was unset.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c1.pem"), "not a certificate\n").unwrap();
    let own = config("address = \"https://vault.internal:8200\"\nca_cert = \"c1.pem\"");
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "t"),
        ("SECRETARY_VAULT_ADDRS", "https://vault.internal:8200"),
    ]);
    let s = Settings::resolve(&own, &vars, dir.path()).unwrap();
    let said = super::super::tls::config(&s).unwrap_err().to_string();
    assert!(said.contains("the manifest's `ca_cert`"), "{said}");
    assert!(!said.contains("VAULT_CACERT"), "{said}");
}

#[test]
fn the_manifests_ca_cert_applies_only_to_the_manifests_own_addresses() {
    let ca = |s: &Settings| s.ca.clone();
    let own = config("address = \"https://vault.internal:8200\"\nca_cert = \"pr-ca.pem\"");
    let agreed = ("SECRETARY_VAULT_ADDRS", "https://vault.internal:8200");
    // The manifest's address, agreed to: its CA is trusted, beneath the manifest.
    let vars = Variables::from_pairs([("VAULT_TOKEN", "t"), agreed]);
    let s = Settings::resolve(&own, &vars, Path::new("/app")).unwrap();
    assert_eq!(
        ca(&s),
        Some(CaSource::ManifestFile(PathBuf::from("/app/pr-ca.pem")))
    );
    assert_eq!(s.manifest_ca_ignored, None);
    // The same address from the user's VAULT_ADDR: the user chose the server, and
    // did not agree to the manifest's CA for it (a fourth adversarial pass).
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "t"),
        ("VAULT_ADDR", "https://vault.internal:8200"),
    ]);
    let s = Settings::resolve(&own, &vars, Path::new("/app")).unwrap();
    assert_eq!(ca(&s), None);
    assert_eq!(s.manifest_ca_ignored.as_deref(), Some("pr-ca.pem"));
    // The user's own server: the manifest's CA is not trusted for it, and a warning
    // says so; the platform's roots are used.
    let vars = Variables::from_pairs([("VAULT_TOKEN", "t"), ("VAULT_ADDR", "https://mine:8200")]);
    let s = Settings::resolve(&own, &vars, Path::new("/app")).unwrap();
    assert_eq!(ca(&s), None);
    assert_eq!(s.manifest_ca_ignored.as_deref(), Some("pr-ca.pem"));
    let no_address = config("ca_cert = \"pr-ca.pem\"");
    let s = Settings::resolve(&no_address, &vars, Path::new("/app")).unwrap();
    assert_eq!(
        ca(&s),
        None,
        "a manifest without an address names no server"
    );
    // The user's CA variable wins over the manifest's, whatever the address.
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "t"),
        agreed,
        ("VAULT_CACERT", "/etc/mine.pem"),
    ]);
    let s = Settings::resolve(&own, &vars, Path::new("/app")).unwrap();
    assert_eq!(ca(&s), Some(CaSource::File(PathBuf::from("/etc/mine.pem"))));
}

#[test]
fn plain_http_only_to_loopback_unless_the_user_allows_it() {
    for loopback in [
        "http://127.0.0.1:8200",
        "http://127.1.2.3:8200",
        "http://[::1]:8200",
        "http://localhost:8200",
        "http://LocalHost:8200",
    ] {
        assert!(
            settings(&[("VAULT_ADDR", loopback), ("VAULT_TOKEN", "t")]).is_ok(),
            "{loopback}"
        );
    }
    for remote in [
        "http://vault:8200",
        "http://10.0.0.5:8200",
        "http://127.0.0.1:8200,http://vault-1:8200",
        "http://localhost.example.com:8200",
        // Resolved by DNS where /etc/hosts does not name them (a fortieth adversarial
        // pass): a DNS answer would take the token off the machine in clear.
        "http://vault.localhost:8200",
        "http://localhost.:8200",
    ] {
        let error = settings(&[("VAULT_ADDR", remote), ("VAULT_TOKEN", "t")]).unwrap_err();
        assert!(
            matches!(error, VaultError::PlainHttp { .. }),
            "{remote}: {error}"
        );
        assert!(
            settings(&[
                ("VAULT_ADDR", remote),
                ("VAULT_TOKEN", "t"),
                ("SECRETARY_ALLOW_HTTP", "1")
            ])
            .is_ok(),
            "{remote}"
        );
    }
    let error = settings(&[
        ("VAULT_ADDR", "http://admin:hunter2@vault:8200"),
        ("VAULT_TOKEN", "t"),
    ])
    .unwrap_err();
    assert_eq!(
        error,
        VaultError::PlainHttp {
            address: "http://vault:8200".to_owned()
        }
    );
    assert!(
        settings(&[
            ("VAULT_ADDR", "http://vault:8200"),
            ("VAULT_TOKEN", "t"),
            ("SECRETARY_ALLOW_HTTP", "perhaps")
        ])
        .is_err(),
        "a value that is not a boolean is an error, not a no"
    );
}

#[test]
fn a_client_certificate_file_without_a_certificate_is_named_as_such() {
    // A fortieth adversarial pass: the key file given as VAULT_CLIENT_CERT was "peer
    // sent no certificates", rustls's words, which blame the server.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("client.key");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let key = key.to_str().unwrap();
    let s = settings(&[
        ("VAULT_ADDR", "https://vault:8200"),
        ("VAULT_TOKEN", "t"),
        ("VAULT_CLIENT_CERT", key),
        ("VAULT_CLIENT_KEY", key),
    ])
    .unwrap();
    let error = super::super::tls::config(&s).unwrap_err().to_string();
    assert!(
        error.contains("holds no PEM certificate") && !error.contains("peer"),
        "{error}"
    );
}

#[test]
fn a_client_key_of_another_certificate_names_the_pair() {
    // A forty-second adversarial pass: rustls's "keys may not be consistent: KeyMismatch"
    // was blamed on VAULT_CLIENT_CERT alone. A test pair: an Ed25519 certificate, and a
    // key that is not its own (neither is used for anything else).
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBQjCB9aADAgECAhQByTqEs0YCzTzjOEjcFW7qjSRryTAFBgMrZXAwFjEUMBIG
A1UEAwwLdGVzdC1jbGllbnQwIBcNMjYxMjA3MTA1NjA4WhgPMjEyNjExMTMxMDU2
MDhaMBYxFDASBgNVBAMMC3Rlc3QtY2xpZW50MCowBQYDK2VwAyEA20e5uriRh9bb
GqwWJ1MyIdQ7F/c9PTU3cF5GdyH/f0qjUzBRMB0GA1UdDgQWBBRvqD1gJPfhcbka
aaUK2QARQpTbWDAfBgNVHSMEGDAWgBRvqD1gJPfhcbkaaaUK2QARQpTbWDAPBgNV
HRMBAf8EBTADAQH/MAUGAytlcANBAEbEtC74Kr2n1rukuBxz1u9cDXHrwMsUoSgt
9h65UObq/2kYOUJGV/QZafE138duIra+ZrRNyWDKeoOaLvVNhQY=
-----END CERTIFICATE-----
";
    const OTHER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINMVRQLlJAL2YdltlWW74mhhfhejyhjE/wJz6iu1et1W
-----END PRIVATE KEY-----
";
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("client.crt"), dir.path().join("other.key"));
    std::fs::write(&cert, CERT).unwrap();
    std::fs::write(&key, OTHER_KEY).unwrap();
    let s = settings(&[
        ("VAULT_ADDR", "https://vault:8200"),
        ("VAULT_TOKEN", "t"),
        ("VAULT_CLIENT_CERT", cert.to_str().unwrap()),
        ("VAULT_CLIENT_KEY", key.to_str().unwrap()),
    ])
    .unwrap();
    let error = super::super::tls::config(&s).unwrap_err().to_string();
    assert!(
        error.contains("VAULT_CLIENT_KEY")
            && error.contains("is not the one of the first certificate in")
            && !error.contains("KeyMismatch"),
        "{error}"
    );
    // A forty-fourth: a key rustls cannot load was blamed on the certificate.
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let error = super::super::tls::config(&s).unwrap_err().to_string();
    assert!(
        error.contains("VAULT_CLIENT_KEY") && error.contains("cannot be used"),
        "{error}"
    );
    // A forty-sixth: an encrypted key was "cannot read a PEM private key".
    std::fs::write(
        &key,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAAAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let error = super::super::tls::config(&s).unwrap_err().to_string();
    assert!(
        error.contains("VAULT_CLIENT_KEY") && error.contains("is encrypted: give it unencrypted"),
        "{error}"
    );
}
