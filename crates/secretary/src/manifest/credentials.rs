//! The variables that hold credentials: never declared not secret, never lent to
//! `.env` expansion, and (secretary's own) never passed on by `run`.

/// The variables that hold credentials secretary itself reads: Vault's token, AppRole
/// ids and JWT (and their `BAO_` spellings), the audit log's fingerprint key and the key
/// of the last-known-good copies. They are never passed to a program `run` starts unless
/// a secret declares them, nor lent to `.env` expansion, and a secret that declares one
/// is always sensitive.
pub const CREDENTIAL_VARIABLES: [&str; 10] = [
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
];

/// The secret parts of the AWS credentials a process holds (for itself, and for
/// secretary's AWS sources): never lent to `.env` expansion, and a secret that declares
/// one is always sensitive (a seventh adversarial pass: `${AWS_SECRET_ACCESS_KEY}`
/// expanded into a `.env`, and a manifest could call it not secret). Unlike
/// [`CREDENTIAL_VARIABLES`], `run` passes them on: they are usually the workload's own
/// identity (an instance or task role, a web identity), which the program uses too.
pub const CLOUD_CREDENTIAL_VARIABLES: [&str; 3] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/// Whether `name` holds a credential that is never lent to expansion nor declared not
/// secret: [`CREDENTIAL_VARIABLES`] and [`CLOUD_CREDENTIAL_VARIABLES`].
pub(crate) fn is_credential(name: &str) -> bool {
    CREDENTIAL_VARIABLES.contains(&name) || CLOUD_CREDENTIAL_VARIABLES.contains(&name)
}
