//! The rustls configuration for Vault: TLS 1.2 or later on the `ring` provider, trusting
//! `VAULT_CACERT` (or its siblings) when given and the platform's roots otherwise.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_platform_verifier::BuilderVerifierExt;

use super::VaultError;
use super::settings::{CaSource, Settings};

fn tls_error(setting: &str, reason: impl Into<String>) -> VaultError {
    VaultError::Config {
        setting: setting.to_owned(),
        reason: reason.into(),
    }
}

/// A PEM file named by `setting`: a regular file, read once, at most 4 MiB.
/// A CA bundle, a client certificate or its key: refused when someone else could have
/// chosen what it says ([`crate::file`]'s `trusted`), since a CA another user can write
/// lets them stand in for Vault.
fn read(path: &std::path::Path, setting: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, VaultError> {
    crate::file::open(path)
        .and_then(crate::file::Opened::trusted)
        .and_then(|opened| opened.read(crate::file::CERTIFICATE_LIMIT))
        .map_err(|reason| tls_error(setting, format!("cannot read {}: {reason}", path.display())))
}

/// How errors name the manifest's `ca_cert`.
const MANIFEST_CA: &str = "the manifest's `ca_cert`";

/// The PEM label of an encrypted PKCS#8 key, which rustls cannot read.
const ENCRYPTED_KEY: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";

fn certificates(ca: &CaSource) -> Result<Vec<CertificateDer<'static>>, VaultError> {
    let parse = |pem: &[u8], what: &str| -> Result<Vec<CertificateDer<'static>>, VaultError> {
        CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| tls_error(what, "not a PEM certificate bundle"))
    };
    match ca {
        CaSource::File(path) => {
            let pem = read(path, "VAULT_CACERT")?;
            parse(&pem, "VAULT_CACERT")
        }
        CaSource::ManifestFile(path) => {
            let pem = read(path, MANIFEST_CA)?;
            parse(&pem, MANIFEST_CA)
        }
        CaSource::Bytes(pem) => parse(pem.as_bytes(), "VAULT_CACERT_BYTES"),
        CaSource::Dir(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                tls_error(
                    "VAULT_CAPATH",
                    format!("cannot read {}: {}", dir.display(), e.kind()),
                )
            })?;
            let mut all = Vec::new();
            for entry in entries.flatten() {
                // Only regular files (or links to them) hold certificates.
                if entry.path().is_file() {
                    all.extend(parse(
                        &read(&entry.path(), "VAULT_CAPATH")?,
                        "VAULT_CAPATH",
                    )?);
                }
            }
            Ok(all)
        }
    }
}

/// Builds the client configuration `settings` ask for.
pub fn config(settings: &Settings) -> Result<ClientConfig, VaultError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| tls_error("TLS", e.to_string()))?;
    let builder = if settings.skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
    } else if let Some(ca) = &settings.ca {
        let mut roots = RootCertStore::empty();
        let certs = certificates(ca)?;
        // Named by the setting that gave the bundle (a bad VAULT_CAPATH was once blamed
        // on VAULT_CACERT).
        let setting = match ca {
            CaSource::File(_) => "VAULT_CACERT",
            CaSource::ManifestFile(_) => MANIFEST_CA,
            CaSource::Bytes(_) => "VAULT_CACERT_BYTES",
            CaSource::Dir(_) => "VAULT_CAPATH",
        };
        if certs.is_empty() {
            return Err(tls_error(setting, "holds no certificate"));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| tls_error(setting, e.to_string()))?;
        }
        builder.with_root_certificates(roots)
    } else if settings
        .addresses
        .iter()
        .all(|address| address.scheme() == "http")
    {
        // Plain HTTP: no certificate is ever checked, so the platform's roots (slow to
        // load) are not needed. A redirect to https is refused by the same-host rule
        // unless it stays on this port, where it then fails as an untrusted certificate.
        builder.with_root_certificates(RootCertStore::empty())
    } else {
        builder
            .with_platform_verifier()
            .map_err(|e| tls_error("TLS", e.to_string()))?
    };
    match &settings.client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let key_path = key;
            let certs = CertificateDer::pem_slice_iter(&read(cert, "VAULT_CLIENT_CERT")?)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    tls_error(
                        "VAULT_CLIENT_CERT",
                        format!("cannot read a PEM certificate from {}", cert.display()),
                    )
                })?;
            // rustls calls an empty chain "peer sent no certificates", as if the server
            // had sent none (a fortieth adversarial pass: the key file given as the
            // certificate).
            if certs.is_empty() {
                return Err(tls_error(
                    "VAULT_CLIENT_CERT",
                    format!(
                        "{} holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` block); is it the key?",
                        cert.display()
                    ),
                ));
            }
            let key = client_key(key)?;
            builder.with_client_auth_cert(certs, key).map_err(|e| match e {
                // rustls's "keys may not be consistent: KeyMismatch" (a forty-second
                // adversarial pass): the pair, not the certificate alone.
                rustls::Error::InconsistentKeys(_) => tls_error(
                    "VAULT_CLIENT_KEY",
                    format!(
                        "the key in {} is not the one of the first certificate in {}: give the key and certificate of one pair, the client's own certificate first (before its chain)",
                        key_path.display(),
                        cert.display()
                    ),
                ),
                // rustls's words call our own certificate the "peer"'s, in its Debug
                // text (a forty-fourth adversarial pass): said as what it is.
                rustls::Error::InvalidCertificate(_) => tls_error(
                    "VAULT_CLIENT_CERT",
                    format!(
                        "the certificate in {} cannot be used as a client certificate: an X.509 v3 certificate is needed (`openssl x509 -req` without extensions makes a v1 one)",
                        cert.display()
                    ),
                ),
                // The rest is the key: one rustls cannot load.
                _ => tls_error(
                    "VAULT_CLIENT_KEY",
                    format!(
                        "the key in {} cannot be used: RSA of 2048 bits or more, ECDSA P-256 or P-384, or Ed25519, in PEM",
                        key_path.display()
                    ),
                ),
            })
        }
    }
}

/// `VAULT_SKIP_VERIFY`: accepts any certificate, but still checks the handshake's
/// signatures, so the connection is at least bound to the certificate presented.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client's private key, from the PEM file `path`.
fn client_key(path: &std::path::Path) -> Result<PrivateKeyDer<'static>, VaultError> {
    let text = read(path, "VAULT_CLIENT_KEY")?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|_| {
        // An encrypted key is there, and cannot be read without its passphrase (a
        // forty-sixth adversarial pass: "cannot read a PEM private key").
        let encrypted = text
            .windows(ENCRYPTED_KEY.len())
            .any(|window| window == ENCRYPTED_KEY);
        tls_error(
            "VAULT_CLIENT_KEY",
            if encrypted {
                format!(
                    "the private key in {} is encrypted: give it unencrypted (`openssl pkey -in KEY -out PLAIN`, kept readable by the service alone)",
                    path.display()
                )
            } else {
                format!("cannot read a PEM private key from {}", path.display())
            },
        )
    })
}
