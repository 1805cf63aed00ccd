//! Where a missing secret could be put, as a kind of source says it ([`Place`]), and how
//! `check`'s hint words it.

use std::fmt;
use std::path::PathBuf;

/// A place a secret's value can be put.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// The process environment.
    Environment,
    /// A line in this `.env` file (as shown to people).
    Dotenv(PathBuf),
    /// This file (as shown to people).
    File(PathBuf),
    /// This path in Vault (mount and path).
    Vault(String),
    /// This version of this path in Vault, which the manifest pins (`version = N`): a
    /// value stored anew would be another version.
    VaultVersion {
        /// The mount and path.
        path: String,
        /// The version pinned.
        version: u64,
    },
    /// This sops-encrypted file (as shown to people).
    Sops(PathBuf),
    /// The store behind this `exec` source's provider.
    Provider(String),
    /// This `vault_lease` source's `secrets` table.
    Lease(String),
    /// This AWS Secrets Manager secret (and field of it, when the source splits one).
    AwsSecret {
        /// The secret's name.
        name: String,
        /// The JSON field, if any.
        field: Option<String>,
    },
    /// This AWS Systems Manager parameter.
    AwsParameter(String),
}

impl Place {
    /// Writes how to put the variable `name` here: "set `DATABASE_URL` in the environment".
    pub(crate) fn advise(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        match self {
            Self::Environment => write!(f, "set {name} in the environment"),
            Self::Dotenv(file) => write!(f, "add `{name}=...` to {}", file.display()),
            Self::File(path) => write!(f, "create {}", path.display()),
            Self::Vault(path) => write!(f, "store it in Vault at {path}"),
            Self::VaultVersion { path, version } => write!(
                f,
                "the manifest pins version {version} of {path}: set the secret's `version` to one Vault holds (`bao kv metadata get {path}`), or undelete version {version} if it was deleted"
            ),
            Self::Lease(source) => write!(f, "list it in source `{source}`'s `secrets` table"),
            Self::Provider(source) => {
                write!(f, "store it where source `{source}`'s provider reads")
            }
            Self::AwsSecret { name, field: None } => {
                write!(f, "store it in AWS Secrets Manager as `{name}`")
            }
            Self::AwsSecret {
                name,
                field: Some(field),
            } => write!(
                f,
                "store it in AWS Secrets Manager as field `{field}` of the JSON secret `{name}`"
            ),
            Self::AwsParameter(name) => write!(
                f,
                "store it in AWS Parameter Store as `{name}` (a SecureString)"
            ),
            Self::Sops(file) => write!(f, "add `{name}` to {} with `sops edit`", file.display()),
        }
    }
}
