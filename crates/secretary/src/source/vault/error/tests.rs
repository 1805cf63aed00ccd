//! The Vault errors' unit tests: their messages, kinds and fixes.

use super::*;

fn at() -> String {
    "https://vault:8200".to_owned()
}

#[test]
fn what_could_not_be_reached_is_an_outage() {
    let outages = [
        VaultError::Connect {
            address: at(),
            reason: "connection refused".to_owned(),
        },
        VaultError::Timeout {
            address: at(),
            seconds: 60,
        },
        VaultError::Truncated {
            address: at(),
            reason: "connection reset".to_owned(),
        },
        VaultError::Deadline { seconds: 60 },
        VaultError::Sealed { address: at() },
        VaultError::RateLimited { attempts: 3 },
        VaultError::Unavailable {
            nodes: vec![NodeAnswer {
                address: at(),
                answer: "connection refused".to_owned(),
            }],
        },
        VaultError::Server {
            status: 500,
            path: "secret/data/x".to_owned(),
            attempts: 3,
        },
        VaultError::Server {
            status: 503,
            path: "secret/data/x".to_owned(),
            attempts: 3,
        },
        VaultError::Server {
            status: 412,
            path: "secret/data/x".to_owned(),
            attempts: 3,
        },
    ];
    for error in outages {
        assert!(error.is_outage(), "{error}");
    }
}

#[test]
fn a_refusal_a_tls_failure_or_a_setting_is_never_an_outage() {
    let refusals = [
        VaultError::Denied {
            path: "secret/data/x".to_owned(),
            access: Access::Read,
        },
        VaultError::Unauthenticated { address: at() },
        VaultError::Tls {
            address: at(),
            reason: "invalid peer certificate: UnknownIssuer".to_owned(),
            failure: TlsFailure::Certificate,
            trusted: None,
        },
        VaultError::TlsExpected { address: at() },
        VaultError::NotVault {
            address: at(),
            status: 404,
        },
        VaultError::Unexpected {
            path: "secret/data/x".to_owned(),
            what: "HTTP 400".to_owned(),
        },
        VaultError::Server {
            status: 400,
            path: "secret/data/x".to_owned(),
            attempts: 1,
        },
        VaultError::Redirect {
            reason: "to another host".to_owned(),
        },
        VaultError::Login {
            method: LoginMethod::AppRole,
            mount: "approle".to_owned(),
            reason: "invalid role id".to_owned(),
        },
        VaultError::NoToken,
        VaultError::Config {
            setting: "VAULT_ADDR".to_owned(),
            reason: "not a URL".to_owned(),
        },
        VaultError::AddressNotChosen { address: at() },
        VaultError::PlainHttp { address: at() },
        VaultError::TooLarge {
            address: at(),
            limit: 1,
        },
        VaultError::NotText {
            path: "p".to_owned(),
            field: "f".to_owned(),
        },
        VaultError::ValueTooLarge {
            path: "p".to_owned(),
            field: "f".to_owned(),
            limit: 1,
        },
        VaultError::NoCheckAndSet,
        VaultError::CasMismatch {
            path: "p".to_owned(),
            expected: 1,
        },
    ];
    for error in refusals {
        assert!(!error.is_outage(), "{error}");
    }
}

/// A certificate refused for the name `vault.internal`, presenting `presented`.
fn for_names(presented: Vec<String>) -> rustls::Error {
    rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
        expected: rustls::pki_types::ServerName::try_from("vault.internal")
            .unwrap()
            .to_owned(),
        presented,
    })
}

#[test]
fn each_kind_of_tls_failure_gets_its_own_fix() {
    // A twenty-second adversarial pass: a server asking for a client certificate
    // and a wrong server name were both told to "set VAULT_CACERT".
    use rustls::{AlertDescription as Alert, CertificateError as Refused};
    let fix = |error: rustls::Error| {
        VaultError::Tls {
            address: at(),
            reason: error.to_string(),
            failure: TlsFailure::of(&error),
            trusted: None,
        }
        .hint()
    };
    // A twenty-sixth: a CA of the user's own that did not sign it is named.
    let theirs = VaultError::Tls {
        address: at(),
        reason: "invalid peer certificate: UnknownIssuer".to_owned(),
        failure: TlsFailure::Certificate,
        trusted: Some("VAULT_CACERT".to_owned()),
    }
    .hint();
    assert!(
        theirs.starts_with("the CA in VAULT_CACERT did not sign"),
        "{theirs}"
    );
    let cases = [
        (
            rustls::Error::InvalidCertificate(Refused::UnknownIssuer),
            "VAULT_CACERT",
        ),
        (
            rustls::Error::InvalidCertificate(Refused::NotValidForName),
            "VAULT_TLS_SERVER_NAME",
        ),
        (
            rustls::Error::InvalidCertificate(Refused::Expired),
            "expired",
        ),
        (
            rustls::Error::AlertReceived(Alert::CertificateRequired),
            "VAULT_CLIENT_CERT",
        ),
        // A twenty-seventh: a certificate not for servers.
        (
            rustls::Error::InvalidCertificate(Refused::InvalidPurpose),
            "extendedKeyUsage serverAuth",
        ),
        // A twenty-eighth: a certificate naming no host, a P-521 CA, an
        // intermediate that is no CA, a version 1 certificate: each its own fix.
        (for_names(Vec::new()), "names no host"),
        (
            for_names(vec!["Unsupported(0x01)".to_owned()]),
            "names no host",
        ),
        (
            for_names(vec![
                "UniformResourceIdentifier(\"spiffe://c/ns/v\")".to_owned(),
            ]),
            "names no host",
        ),
        // A thirtieth: a bad signature is most often another CA of the same name.
        (
            rustls::Error::InvalidCertificate(Refused::BadSignature),
            "another CA of the same name",
        ),
        (
            rustls::Error::InvalidCertificate(
                Refused::UnsupportedSignatureAlgorithmForPublicKeyContext {
                    signature_algorithm_id: Vec::new(),
                    public_key_algorithm_id: Vec::new(),
                },
            ),
            "P-521",
        ),
        (
            rustls::Error::InvalidCertificate(Refused::Other(rustls::OtherError(
                std::sync::Arc::new(webpki::Error::EndEntityUsedAsCa),
            ))),
            "reissue that intermediate with CA:TRUE",
        ),
        (
            rustls::Error::InvalidCertificate(Refused::Other(rustls::OtherError(
                std::sync::Arc::new(webpki::Error::UnsupportedCertVersion),
            ))),
            "X.509 version 1",
        ),
        // A twenty-sixth: a CA's certificate as the server's, named in VAULT_CACERT.
        (
            rustls::Error::InvalidCertificate(Refused::Other(rustls::OtherError(
                std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity),
            ))),
            "issue the server a certificate with CA:FALSE",
        ),
    ];
    for (error, wanted) in cases {
        let said = fix(error);
        assert!(said.contains(wanted), "{said}");
    }
    assert!(
        !fix(rustls::Error::AlertReceived(Alert::CertificateRequired)).contains("VAULT_CACERT")
    );
}

#[test]
fn a_tls_hint_names_the_setting_the_cas_came_from() {
    // A thirty-first adversarial pass: told to check VAULT_CACERT, which was not
    // set, when the manifest's `ca_cert` was used.
    let manifests = VaultError::Tls {
        address: at(),
        reason: "invalid peer certificate: BadSignature".to_owned(),
        failure: TlsFailure::Unusable,
        trusted: Some("the manifest's ca_cert".to_owned()),
    }
    .hint();
    assert!(
        manifests.contains("check the manifest's ca_cert against")
            && !manifests.contains("VAULT_CACERT"),
        "{manifests}"
    );
}
