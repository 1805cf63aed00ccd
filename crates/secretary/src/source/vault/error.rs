//! What can go wrong talking to Vault, each with what to do about it.
//!
//! None of these carry a value, a token, or a response body: Vault's error bodies are
//! generic, and leaving them out keeps this type safe to print and log.

/// A failure of the Vault source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A connection setting (`VAULT_*`, `BAO_*` or the manifest) is unusable.
    #[error("invalid Vault setting {setting}: {reason}")]
    Config {
        /// The variable or manifest field.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The address is the manifest's alone: the user has not agreed to send their
    /// credentials there.
    #[error(
        "the manifest names Vault address {address}, which you have not chosen; no credential was sent"
    )]
    AddressNotChosen {
        /// The address (without user name or password).
        address: String,
    },
    /// Plain `http://` to a host that is not loopback: the token would cross the network
    /// in clear.
    #[error(
        "refusing plain http to Vault at {address}: the token would cross the network unencrypted; nothing was sent"
    )]
    PlainHttp {
        /// The address (without user name or password).
        address: String,
    },
    /// Every node of a cluster failed; what each answered, in the order tried.
    #[error("no Vault node could serve the request: {}", NodeAnswer::list(nodes))]
    Unavailable {
        /// Each node and what it last answered.
        nodes: Vec<NodeAnswer>,
    },
    /// No token was found anywhere.
    #[error(
        "no Vault token: VAULT_TOKEN (or BAO_TOKEN) is not set, no token file, no ~/.vault-token"
    )]
    NoToken,
    /// The server could not be reached.
    #[error("cannot connect to Vault at {address}: {reason}")]
    Connect {
        /// The server address.
        address: String,
        /// The underlying reason (connection refused, DNS, ...).
        reason: String,
    },
    /// A write met an outage (its answer lost, a time-out, a 5xx, a retry refused) or
    /// an answer that is not Vault's, after the read before it had worked, and reading
    /// back could not tell whether it landed: it may have.
    #[error(
        "{cause}; the write may have reached Vault, and nothing read back tells whether it did"
    )]
    MaybeWritten {
        /// What the write's last attempt met.
        cause: Box<VaultError>,
        /// The mount keeps versions (KV v2), by which a person can tell.
        versioned: bool,
    },
    /// The request could not be made at all (a URL longer than the HTTP client sends, or
    /// not valid in one): nothing was sent, and trying again would fail the same way.
    #[error("the request to Vault at {address} could not be made: {reason}; nothing was sent")]
    Unsendable {
        /// The server address.
        address: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The connection was made and the request sent (or being sent), then closed before
    /// an answer: a write may have landed.
    #[error("the connection to Vault at {address} closed before its answer: {reason}")]
    Lost {
        /// The server address.
        address: String,
        /// The underlying reason.
        reason: String,
    },
    /// A request took longer than `VAULT_CLIENT_TIMEOUT`.
    #[error("Vault at {address} did not answer within {seconds}s")]
    Timeout {
        /// The server address.
        address: String,
        /// The time-out.
        seconds: u64,
    },
    /// The connection broke while the answer was read.
    #[error("the answer from Vault at {address} was cut short: {reason}")]
    Truncated {
        /// The server address.
        address: String,
        /// The underlying reason.
        reason: String,
    },
    /// The answer is larger than secretary reads.
    #[error("the answer from Vault at {address} is larger than the {} limit", crate::file::size(*limit))]
    TooLarge {
        /// The server address.
        address: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// 401: the server, or something in front of it, wants another kind of credentials.
    #[error("Vault at {address} answered 401 (authentication required)")]
    Unauthenticated {
        /// The server address.
        address: String,
    },
    /// An answer that is not Vault's (a 404 page of another web server): it means
    /// nothing about whether the secret exists.
    #[error("the server at {address} answered {status}, but not as Vault does (no Vault JSON)")]
    NotVault {
        /// The server address.
        address: String,
        /// The HTTP status.
        status: u16,
    },
    /// Vault answered that nothing serves the path: no secrets engine is mounted there,
    /// or the namespace has none (OpenBao's `no handler for route`). Its own words are
    /// not shown (a server's text is never shown).
    #[error("Vault has nothing mounted at {path} (no such mount, or not in this namespace)")]
    NoRoute {
        /// The API path.
        path: String,
    },
    /// Vault answered that the namespace asked for does not exist (`namespace not
    /// found`).
    #[error("Vault has no namespace `{namespace}` (the namespace set by {setting})")]
    NoNamespace {
        /// The namespace, as shown.
        namespace: String,
        /// Where it was set: the manifest's `namespace`, or the variable's name.
        setting: String,
    },
    /// The whole batch of reads took longer than its deadline.
    #[error("reading from Vault took longer than the {seconds}s deadline")]
    Deadline {
        /// The deadline.
        seconds: u64,
    },
    /// The TLS handshake failed (unknown CA, wrong name, expired certificate), or the
    /// server answered in plain text.
    #[error("TLS with Vault at {address} failed: {reason}")]
    Tls {
        /// The server address.
        address: String,
        /// What rustls said.
        reason: String,
        /// What kind of failure it was, as rustls told it.
        failure: TlsFailure,
        /// The setting the trusted CAs came from (`VAULT_CACERT`, the manifest's
        /// `ca_cert`...), when not the system's: a CA that did not sign the server's
        /// certificate is then that setting's, and said so (a twenty-sixth adversarial
        /// pass was told to "set `VAULT_CACERT`", which was set).
        trusted: Option<String>,
    },
    /// An `http://` address whose server speaks TLS: it answered the plain request
    /// with a 400 that says so.
    #[error("Vault at {address} speaks TLS and was sent plain HTTP (HTTP 400)")]
    TlsExpected {
        /// The address, as configured.
        address: String,
    },
    /// 403: the token is invalid, expired, or not allowed to do this on the path.
    #[error("Vault refused access (403 permission denied)")]
    Denied {
        /// The API path.
        path: String,
        /// What was refused: the policy a fix asks for differs.
        access: Access,
    },
    /// 403 to a token of the user's (`VAULT_TOKEN`) of limited uses, whose last use was
    /// its look-up by secretary (which a `vault_lease` source asks): Vault revoked it.
    #[error(
        "Vault refused access (403) to VAULT_TOKEN, whose uses are spent: its last was secretary's look-up of it, which a vault_lease source asks"
    )]
    UsesSpent {
        /// The API path.
        path: String,
    },
    /// 503 from a sealed server.
    #[error("Vault at {address} is sealed (503)")]
    Sealed {
        /// The server address.
        address: String,
    },
    /// 429 after every retry.
    #[error("Vault rate-limited the requests (429) after {attempts} attempts")]
    RateLimited {
        /// How many attempts were made.
        attempts: u32,
    },
    /// A 5xx (or 412) after every retry.
    #[error("Vault answered {status} after {attempts} attempts")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The API path.
        path: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// An answer secretary does not expect (another 4xx, a body that is not KV).
    #[error("unexpected answer from Vault for {path}: {what}")]
    Unexpected {
        /// The API path.
        path: String,
        /// What was unexpected.
        what: String,
    },
    /// A redirect that is not followed.
    #[error("Vault redirected the request and it was not followed: {reason}")]
    Redirect {
        /// Why not.
        reason: String,
    },
    /// The process is ending: it logged out of Vault (`secretary.end()` in Python, its
    /// exit, a signal), and logs in no more. Neither a refusal (which makes the outage
    /// copies forget) nor an outage (a fifty-seventh adversarial pass saw it blamed on
    /// the role id and secret id).
    #[error("the process is ending: it logged out of Vault, and logs in no more")]
    Ended,
    /// AppRole or JWT login failed.
    #[error("{method} login at auth/{mount}/login failed: {reason}")]
    Login {
        /// AppRole or JWT.
        method: LoginMethod,
        /// The auth mount.
        mount: String,
        /// Why (never the ids).
        reason: String,
    },
    /// The field holds a list, a map, or a number that does not read back as written
    /// (a fraction, an exponent, more than 64 bits), not text.
    #[error(
        "field `{field}` of {path} is not text (a list, a map, or a number that would not read back as written)"
    )]
    NotText {
        /// The API path.
        path: String,
        /// The field.
        field: String,
    },
    /// The field holds more than a secret may: 1 MiB, as in `.env` files and secret
    /// files (a Raft-backed Vault stores at most 1 MiB per entry by default).
    #[error("field `{field}` of {path} holds more than {}, the most a secret may hold", crate::file::size(*limit))]
    ValueTooLarge {
        /// The API path.
        path: String,
        /// The field.
        field: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A write was to be made only at an expected version, and the mount is KV version 1,
    /// which has no versions to check.
    #[error(
        "the mount is KV version 1, which has no check-and-set: a write cannot be made only at an expected version"
    )]
    NoCheckAndSet,
    /// A check-and-set write lost the race: the secret changed since it was read.
    #[error("check-and-set failed for {path}: the secret is no longer at version {expected}")]
    CasMismatch {
        /// The API path.
        path: String,
        /// The version the write expected.
        expected: u64,
    },
}

/// One node of a cluster, and what it answered to the last attempt there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeAnswer {
    /// The node's address (without user name or password).
    pub address: String,
    /// What it answered: `connection refused`, `sealed (503)`, `HTTP 307 (a standby)`...
    pub answer: String,
}

impl NodeAnswer {
    fn list(nodes: &[Self]) -> String {
        nodes
            .iter()
            .map(|node| format!("{} ({})", node.address, node.answer))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl VaultError {
    /// Whether Vault could not be reached, as opposed to refusing: a connection refused
    /// or reset (or a name that does not resolve), a time-out, an answer cut short, a 5xx
    /// or 412, a sealed server, a rate limit after every retry, every node of a cluster
    /// down. Only these let a last-known-good copy be served. A 400, 401, 403 or 404, a
    /// TLS failure (as often an attack as an outage), a refused redirect, a login Vault
    /// turned down, a setting and an answer that is not Vault's are not: they fail
    /// closed.
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Connect { .. }
            | Self::Lost { .. }
            | Self::MaybeWritten { .. }
            | Self::Timeout { .. }
            | Self::Truncated { .. }
            | Self::Deadline { .. }
            | Self::Sealed { .. }
            | Self::RateLimited { .. }
            | Self::Unavailable { .. } => true,
            Self::Server { status, .. } => *status >= 500 || *status == 412,
            Self::Config { .. }
            | Self::Unsendable { .. }
            | Self::AddressNotChosen { .. }
            | Self::PlainHttp { .. }
            | Self::NoToken
            | Self::TooLarge { .. }
            | Self::Unauthenticated { .. }
            | Self::NotVault { .. }
            | Self::NoRoute { .. }
            | Self::NoNamespace { .. }
            | Self::Tls { .. }
            | Self::TlsExpected { .. }
            | Self::Denied { .. }
            | Self::UsesSpent { .. }
            | Self::Unexpected { .. }
            | Self::Redirect { .. }
            | Self::Login { .. }
            | Self::Ended
            | Self::NotText { .. }
            | Self::ValueTooLarge { .. }
            | Self::NoCheckAndSet
            | Self::CasMismatch { .. } => false,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Config { setting, .. } => format!("fix {setting}"),
            Self::AddressNotChosen { address } => format!(
                "set VAULT_ADDR={address}, or list it in SECRETARY_VAULT_ADDRS (which also trusts the manifest's ca_cert for it), if this is your Vault"
            ),
            Self::PlainHttp { address } => format!(
                "use https:// for {address}; if the network to it is trusted (a private container network), set SECRETARY_ALLOW_HTTP=1"
            ),
            Self::Unavailable { .. } => {
                "check the cluster: `bao status` on each node, `bao operator raft list-peers`; a node that restarted must be unsealed".to_owned()
            }
            Self::NoToken => "set VAULT_TOKEN, run `bao login` / `vault login`, or use `auth = \"approle\"`".to_owned(),
            Self::Connect { .. } => "check VAULT_ADDR and that the server is running and reachable".to_owned(),
            Self::Lost { .. } => "check the server's health and any proxy or load balancer in between".to_owned(),
            Self::Unsendable { .. } => "shorten the source's `path`, `mount` or `namespace` (or the address): the request's URL cannot carry it".to_owned(),
            Self::MaybeWritten { versioned: true, .. } => "read the secret's versions (`bao kv metadata get`) before writing again: if the new version is there, it was written".to_owned(),
            Self::MaybeWritten { versioned: false, .. } => "read the secret (`bao kv get`) before writing again: if it holds the new value, it was written (a KV version 1 mount keeps no versions)".to_owned(),
            Self::Truncated { .. } => {
                "the server or the network between closed the connection mid-answer: check the server's health and any proxy in between".to_owned()
            }
            Self::TooLarge { .. } => {
                "no KV secret is this large: check that VAULT_ADDR points at Vault, and the source's path".to_owned()
            }
            Self::Unauthenticated { .. } => {
                "check that VAULT_ADDR points at Vault itself (not a proxy or another web server), and log in again".to_owned()
            }
            Self::NotVault { .. } => {
                "check VAULT_ADDR: it seems to point at another web server, not at Vault".to_owned()
            }
            Self::NoRoute { .. } => {
                "check the source's `mount` and `path`, and the namespace (the manifest's `namespace`, VAULT_NAMESPACE): `bao secrets list` shows what is mounted".to_owned()
            }
            Self::NoNamespace { setting, .. } => format!(
                "check {setting}: `bao namespace list`, run in the parent namespace, shows those that exist"
            ),
            Self::Timeout { .. } | Self::Deadline { .. } => {
                "check the server's health; raise VAULT_CLIENT_TIMEOUT if it is only slow".to_owned()
            }
            Self::Tls {
                failure: TlsFailure::Certificate,
                trusted: Some(trusted),
                ..
            } => format!(
                "the CA in {trusted} did not sign the server's certificate: point {trusted} at the CA that did, or have the server send its whole chain, intermediates included (VAULT_SKIP_VERIFY only for local testing)"
            ),
            Self::Tls {
                failure,
                address,
                trusted,
                ..
            } => failure.fix(address, trusted.as_deref()),
            Self::TlsExpected { address } => format!(
                "use {} (and VAULT_CACERT for the CA that signed its certificate)",
                address.replacen("http://", "https://", 1)
            ),
            Self::Denied { access: Access::Read, .. } => {
                "log in again (the token may be expired) or ask for a policy that allows `read` on this path".to_owned()
            }
            Self::Denied { access: Access::Write, .. } => {
                "log in again (the token may be expired) or ask for a policy that allows `create` and `update` on this path, and `read` (a check-and-set write reads the current version first)".to_owned()
            }
            Self::UsesSpent { .. } => "use a token without a use limit (`-use-limit`), or log in with AppRole or JWT: a vault_lease source reads no lease with a token of limited uses, and asking it spends one".to_owned(),
            Self::Sealed { .. } => "unseal the server (`bao operator unseal`)".to_owned(),
            Self::RateLimited { .. } => "lower max_concurrency, or raise the server's rate limit quota".to_owned(),
            Self::Server { .. } => "check the server's logs and health (`bao status`)".to_owned(),
            Self::Unexpected { .. } => "check the source's settings against the server: `mount`, `path` and `kv_version` for a `vault` source, `path` for a `vault_lease` one".to_owned(),
            Self::Redirect { .. } => "point VAULT_ADDR at the active node (or a load balancer in front of it)".to_owned(),
            Self::Login {
                method: LoginMethod::Jwt,
                ..
            } => {
                "check the JWT (VAULT_JWT or the source's jwt_file), the role the source's jwt_role names (that it exists, and the audiences and claims it binds), and the source's jwt_mount"
                    .to_owned()
            }
            Self::Login { .. } => {
                "check VAULT_ROLE_ID and VAULT_SECRET_ID (or their files), the role's settings, and the source's approle_mount"
                    .to_owned()
            }
            Self::Ended => "nothing to fix: the process logged out of Vault as it ends (or as `secretary.end()` asked), and what reads after that is refused; read before it".to_owned(),
            Self::NotText { .. } => "store the value as a string in that field".to_owned(),
            Self::ValueTooLarge { .. } => {
                "keep large data elsewhere and store its location (a path, a URL) as the secret".to_owned()
            }
            Self::NoCheckAndSet => {
                "write without an expected version, or move the secret to a KV version 2 mount"
                    .to_owned()
            }
            Self::CasMismatch { .. } => {
                "someone else wrote it meanwhile: check the new version, then write again (expecting that version)"
                    .to_owned()
            }
        }
    }
}

/// What kind of TLS failure a [`VaultError::Tls`] was, from rustls's error (never from
/// its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server did not answer in TLS (a plain-HTTP server behind an `https://`
    /// address): rustls could not read its answer as a TLS record.
    NotTls,
    /// The server's certificate was signed by a CA this client does not trust.
    Certificate,
    /// The server's certificate is refused for what it is, not who signed it: a bad
    /// signature, an encoding rustls cannot read, an extension it does not know.
    Unusable,
    /// The server's certificate is not for server authentication (its extended key
    /// usage): a twenty-seventh adversarial pass had one without `serverAuth` told that
    /// its CA did not sign it.
    NotForServers,
    /// A certificate of the chain is signed with an algorithm or a key rustls does not
    /// take (P-521, RSA below 2048 bits, SHA-1).
    Algorithm,
    /// A certificate the server sends as an intermediate CA is not a CA's
    /// (`basicConstraints` `CA:FALSE`).
    NotACa,
    /// The server's certificate is X.509 version 1 (made without extensions).
    Version1,
    /// The server's certificate is a CA's (`CA:TRUE`, as `openssl req -x509` makes by
    /// default), which rustls refuses as a server's, trusted or not.
    CaAsServer,
    /// The server's certificate is not for the name connected to.
    WrongName,
    /// The server's certificate is not for the name `VAULT_TLS_SERVER_NAME` set, which
    /// is checked instead of the address's (a fifty-fourth adversarial pass was told to
    /// change `VAULT_ADDR`, which would not have helped).
    WrongServerName,
    /// The server's certificate names no host at all (a `CN` alone, no
    /// `subjectAltName`), which rustls does not read.
    NoName,
    /// The server's certificate has expired, or is not valid yet.
    Expired,
    /// The server asked for a client certificate, or refused the one it was given.
    ClientCertificate,
    /// Anything else in the handshake.
    Other,
}

impl TlsFailure {
    /// What to do about a failure of this kind with the server at `address`, its CAs
    /// from `trusted` (a setting, as people write it), when not the system's: named
    /// where the advice is about them (a thirty-first adversarial pass was told to check
    /// `VAULT_CACERT` when the manifest's `ca_cert` was used).
    fn fix(self, address: &str, trusted: Option<&str>) -> String {
        let cas = trusted.unwrap_or("VAULT_CACERT");
        match self {
            Self::NotTls => format!(
                "the server does not speak TLS: a dev server (`bao server -dev`) listens on plain http, so use {}",
                address.replacen("https://", "http://", 1)
            ),
            Self::Certificate => "set VAULT_CACERT to the CA that signed the server's certificate, or have the server send its whole chain, intermediates included (VAULT_SKIP_VERIFY only for local testing)".to_owned(),
            Self::Unusable => format!("the server's certificate cannot be read or checked as it is (see why above); a signature that does not verify is most often {cas} holding another CA of the same name (one made again, or rotated), else a key too short (RSA below 2048 bits) in the chain: check {cas} against the CA that signed the server's certificate, or reissue it with its whole chain"),
            Self::NotForServers => "the server's certificate is not for TLS servers: reissue it with extendedKeyUsage serverAuth, signed by the CA as it is".to_owned(),
            Self::Algorithm => "a certificate of the server's chain is signed with an algorithm or key secretary does not take (P-521, RSA below 2048 bits, SHA-1): reissue the chain with ECDSA P-256 or P-384, or RSA of 2048 bits or more, and SHA-256 or better".to_owned(),
            Self::NotACa => "a certificate the server sends as its CA is not a CA's (basicConstraints CA:FALSE): reissue that intermediate with CA:TRUE, or have the server send the chain its CA issued".to_owned(),
            Self::Version1 => "the server's certificate is X.509 version 1, which holds no names nor usages: reissue it as version 3, with subjectAltName and extendedKeyUsage serverAuth".to_owned(),
            Self::CaAsServer => format!("the server's certificate is a CA's (basicConstraints CA:TRUE, as `openssl req -x509` makes by default), which secretary never accepts as a server's, trusted or not: issue the server a certificate with CA:FALSE, signed by your CA, and keep {cas} on the CA"),
            Self::WrongName => "connect by a name the server's certificate holds (in VAULT_ADDR), or set VAULT_TLS_SERVER_NAME to one of its names; an IP address is matched only by an IP: entry of its subjectAltName, never a DNS: one (reissue it so)".to_owned(),
            Self::WrongServerName => "VAULT_TLS_SERVER_NAME (or BAO_TLS_SERVER_NAME) names what the server's certificate is checked for, instead of the host in VAULT_ADDR, and the certificate does not hold that name: set it to one of the certificate's DNS names, or unset it to check the host in VAULT_ADDR".to_owned(),
            Self::NoName => "the server's certificate names no host: its CN is not read; reissue it with the server's names in subjectAltName (DNS: or IP:)".to_owned(),
            Self::Expired => "the server's certificate, or one of the chain it sends (an intermediate), has expired or is not valid yet: renew it on the server, or check this machine's clock".to_owned(),
            Self::ClientCertificate => "the server wants a client certificate it accepts: set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to one its CA signed".to_owned(),
            Self::Other => format!("check the TLS settings on both sides ({cas}, VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, the server's TLS versions and ciphers)"),
        }
    }

    /// The kind of `error`. (A twenty-second adversarial pass saw every kind told to
    /// "set `VAULT_CACERT`", a server asking for a client certificate and a wrong
    /// `VAULT_TLS_SERVER_NAME` included.)
    pub(crate) fn of(error: &rustls::Error) -> Self {
        use rustls::{AlertDescription as Alert, CertificateError as Refused};
        match error {
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
                Self::NotTls
            }
            // No host's name at all: none, or only `email:` (presented as
            // `Unsupported(..)`: a twenty-ninth adversarial pass), `URI:` or `dirName:`
            // entries (a thirtieth).
            rustls::Error::InvalidCertificate(Refused::NotValidForNameContext {
                presented,
                ..
            }) if !presented
                .iter()
                .any(|name| name.starts_with("DnsName(") || name.starts_with("IpAddress(")) =>
            {
                Self::NoName
            }
            rustls::Error::InvalidCertificate(
                Refused::NotValidForName | Refused::NotValidForNameContext { .. },
            ) => Self::WrongName,
            rustls::Error::InvalidCertificate(
                Refused::InvalidPurpose | Refused::InvalidPurposeContext { .. },
            ) => Self::NotForServers,
            rustls::Error::InvalidCertificate(
                Refused::UnsupportedSignatureAlgorithmContext { .. }
                | Refused::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
            ) => Self::Algorithm,
            rustls::Error::InvalidCertificate(
                Refused::Expired
                | Refused::ExpiredContext { .. }
                | Refused::NotValidYet
                | Refused::NotValidYetContext { .. },
            ) => Self::Expired,
            // A twenty-sixth adversarial pass had this told to set VAULT_CACERT, which
            // was set to that very certificate.
            rustls::Error::InvalidCertificate(Refused::Other(other)) => {
                match other.0.downcast_ref::<webpki::Error>() {
                    Some(webpki::Error::CaUsedAsEndEntity) => Self::CaAsServer,
                    Some(webpki::Error::EndEntityUsedAsCa) => Self::NotACa,
                    Some(webpki::Error::UnsupportedCertVersion) => Self::Version1,
                    _ => Self::Unusable,
                }
            }
            rustls::Error::InvalidCertificate(Refused::UnknownIssuer) => Self::Certificate,
            rustls::Error::InvalidCertificate(_) => Self::Unusable,
            rustls::Error::AlertReceived(
                Alert::CertificateRequired
                | Alert::BadCertificate
                | Alert::UnsupportedCertificate
                | Alert::CertificateRevoked
                | Alert::CertificateExpired
                | Alert::CertificateUnknown
                | Alert::UnknownCA
                | Alert::AccessDenied,
            ) => Self::ClientCertificate,
            _ => Self::Other,
        }
    }
}

/// What a request to Vault tried to do: a refusal's fix names the policy for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Reading a secret or its versions.
    Read,
    /// Writing a new version (`put`, `rotate`, `rollback`, `import`).
    Write,
}

/// How the manifest logs in to Vault, where it does not take a token: the method of a
/// [`VaultError::Login`] and of a login set aside for a token the user set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginMethod {
    /// AppRole: a role id and a secret id.
    AppRole,
    /// JWT: a token from the platform (Kubernetes, CI).
    Jwt,
}

impl std::fmt::Display for LoginMethod {
    /// `AppRole`, `JWT`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AppRole => "AppRole",
            Self::Jwt => "JWT",
        })
    }
}

#[cfg(test)]
mod tests;
