//! The variables that hold credentials: never declared not secret, never lent to
//! `.env` expansion, and (secretary's own) never passed on by `run`.

/// The variables that hold credentials secretary itself reads, or hands to the program
/// that reads for it: Vault's token, AppRole ids and JWT (and their `BAO_` spellings), the
/// audit log's fingerprint key, the key of the last-known-good copies, and the age key
/// sops decrypts with (`SOPS_AGE_KEY`). They are never passed to a program `run` starts
/// unless a secret declares them, nor lent to `.env` expansion, and a secret that
/// declares one is always sensitive.
pub const CREDENTIAL_VARIABLES: [&str; 11] = [
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "BAO_ROLE_ID",
    "VAULT_SECRET_ID",
    "BAO_SECRET_ID",
    "VAULT_JWT",
    "BAO_JWT",
    "SECRETARY_AUDIT_KEY",
    "SECRETARY_CACHE_KEY",
    "SOPS_AGE_KEY",
];

/// The secret parts of the cloud credentials a process holds (for itself, for
/// secretary's AWS sources, and for the KMS keys sops may decrypt with): AWS's secret
/// key and session tokens, Google's credentials (a key's JSON, or its path) and OAuth
/// token, Azure's client secret, certificate password and user password. Never lent to
/// `.env` expansion, and a secret that declares one is always sensitive (a seventh
/// adversarial pass: `${AWS_SECRET_ACCESS_KEY}` expanded into a `.env`, and a manifest
/// could call it not secret). Unlike [`CREDENTIAL_VARIABLES`], `run` passes them on: they
/// are usually the workload's own identity (an instance or task role, a web identity, a
/// service account), which the program uses too.
pub const CLOUD_CREDENTIAL_VARIABLES: [&str; 8] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_PASSWORD",
];

/// Whether `name` holds a credential that is never lent to expansion nor declared not
/// secret: [`CREDENTIAL_VARIABLES`] and [`CLOUD_CREDENTIAL_VARIABLES`]. The variables an
/// `exec` source's `pass_env` names are such credentials too, for the manifest that
/// names them: [`crate::Manifest::provider_variables`].
pub(crate) fn is_credential(name: &str) -> bool {
    CREDENTIAL_VARIABLES.contains(&name) || CLOUD_CREDENTIAL_VARIABLES.contains(&name)
}
