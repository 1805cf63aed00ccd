//! [`Warning`]: what a resolution found worth saying that is not a problem (a `.env` file
//! others may read, a value overdue for rotation, values served from the last-known-good
//! copy), as data: the kind of warning and what it concerns. Its `Display` is the one
//! wording, which names no interface; a caller that needs to know which warning it has
//! matches the variant, never the text.
//!
//! The sources and `outage` give warnings, so this module depends on neither: where a
//! warning carries one of their errors (a copy that could not be served), it holds that
//! error as its words.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::duration::show_duration;

/// Something worth saying that is not a problem. None of these holds a value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Warning {
    /// A `.env` file group members may write to: they could change its values.
    DotenvGroupWritable {
        /// The file, as shown to people.
        file: String,
        /// Its permission bits.
        mode: u32,
    },
    /// A `.env` file group or others may read.
    DotenvReadable {
        /// The file, as shown to people.
        file: String,
        /// Its permission bits.
        mode: u32,
    },
    /// A `.env` file expands a credential secretary reads itself, which is never lent to
    /// expansion: it is read as unset.
    CredentialNotLent {
        /// The file, as shown to people.
        file: String,
        /// The credential's variable.
        name: String,
    },
    /// A secret file (`files` source) group or others may read.
    FileReadable {
        /// The file, as shown to people.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// `VAULT_SKIP_VERIFY` is set: the server's certificate is not checked.
    TlsNotVerified {
        /// The Vault addresses, as shown to people.
        addresses: String,
    },
    /// `VAULT_ADDR` (or `BAO_ADDR`) replaced the manifest's Vault address.
    AddressOverridden {
        /// The manifest's address.
        manifest: String,
        /// The addresses used.
        addresses: String,
    },
    /// The manifest's `ca_cert` is not trusted for an address the user chose.
    CaCertIgnored {
        /// The manifest's `ca_cert`.
        file: String,
        /// The addresses used.
        addresses: String,
    },
    /// The manifest's login, set aside for a token the user set (already worded by
    /// the Vault source, which knows the variables).
    LoginSetAside(String),
    /// A `BAO_` variable is set but empty, and hides its `VAULT_` one, set too.
    VariableHidden {
        /// The empty one (`BAO_ADDR`).
        empty: String,
    },
    /// A Vault address had a user name or password, which were removed.
    AddressUserinfoRemoved {
        /// The addresses used.
        addresses: String,
    },
    /// Vault's `created_time` for a path could not be read: the age of its secrets is
    /// unknown.
    UnreadableCreatedTime {
        /// The source's name.
        source: String,
        /// The API path.
        path: String,
    },
    /// AWS credentials that may not call `BatchGetSecretValue`: one call per secret.
    NoBatchRead {
        /// The source's name.
        source: String,
    },
    /// The environment keeps a last-known-good copy, but its key is missing or wrong.
    CopyKey {
        /// The environment.
        environment: String,
        /// The source's name.
        source: String,
        /// What is wrong with the key, and what to do.
        error: String,
    },
    /// The cache key file may be read by group or others.
    LooseKeyFile {
        /// The variable that names it (`SECRETARY_CACHE_KEY_FILE`).
        variable: &'static str,
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The last-known-good copy could not be written or forgotten.
    Copy {
        /// The source's name.
        source: String,
        /// What failed.
        error: String,
    },
    /// An unreachable source's copy could not stand in: the next source is asked.
    CopyNotServed {
        /// The source's name.
        source: String,
        /// Why the copy was not served.
        copy: String,
    },
    /// Values served from a source's last-known-good copy (`on_stale = "warn"`).
    Stale {
        /// The source's name.
        source: String,
        /// Why it was not read.
        cause: String,
        /// How many secrets were served from the copy.
        count: usize,
        /// The age of the oldest.
        oldest: Duration,
    },
    /// Values a manager holds, served again because the source could not be reached.
    Held {
        /// How many.
        count: usize,
    },
    /// A secret overdue for rotation, in an environment that does not enforce it.
    Overdue {
        /// The secret's key.
        key: String,
        /// How old its value is.
        age: Duration,
        /// Its `rotate_every`.
        every: Duration,
    },
}

impl Warning {
    /// Whether it says values are served from a copy, not from their source.
    pub fn is_stale(&self) -> bool {
        matches!(self, Self::Stale { .. } | Self::Held { .. })
    }
}

impl fmt::Display for Warning {
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per kind of warning, each worded once"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DotenvGroupWritable { file, mode } => write!(
                f,
                "{file} is writable by group members (mode {mode:04o}), who could change its values; run `chmod 600 {}`",
                crate::printable::shell_path(file)
            ),
            Self::DotenvReadable { file, mode } => write!(
                f,
                "{file} is readable by group or others (mode {mode:04o}); run `chmod 600 {}`",
                crate::printable::shell_path(file)
            ),
            Self::CredentialNotLent { file, name } => write!(
                f,
                "{file}: `${{{name}}}` is read as unset here: {name} is a credential secretary reads itself or hands to a provider, and it is never lent to `.env` expansion; write the value the program needs in the file, or declare a secret for it"
            ),
            Self::FileReadable { path, mode } => {
                write!(f, "{path} is readable by group or others (mode {mode:04o})")
            }
            Self::TlsNotVerified { addresses } => write!(
                f,
                "VAULT_SKIP_VERIFY is set: the certificate of {addresses} is NOT verified; anyone on the path can read these secrets"
            ),
            Self::AddressOverridden {
                manifest,
                addresses,
            } => write!(
                f,
                "the manifest names Vault address {manifest}, but {addresses} (from VAULT_ADDR / BAO_ADDR) is used"
            ),
            Self::CaCertIgnored { file, addresses } => write!(
                f,
                "the manifest's ca_cert ({file}) is not trusted for {addresses}, an address you chose (VAULT_ADDR) rather than the manifest's agreed to in SECRETARY_VAULT_ADDRS; set VAULT_CACERT to trust it"
            ),
            Self::LoginSetAside(said) => f.write_str(said),
            Self::VariableHidden { empty } => write!(
                f,
                "{empty} is set but empty, and is read before {}, which is set too and so not used: unset {empty}, or set it",
                empty.replacen("BAO_", "VAULT_", 1)
            ),
            Self::AddressUserinfoRemoved { addresses } => write!(
                f,
                "the Vault address {addresses} was given with a user name or password, which Vault does not use: they were removed and are not sent"
            ),
            Self::UnreadableCreatedTime { source, path } => write!(
                f,
                "source `{source}`: the created_time Vault gives for {path} cannot be read, so the age of its secrets is unknown (and whether a rotation is due)"
            ),
            Self::NoBatchRead { source } => write!(
                f,
                "source `{source}`: these credentials may not call secretsmanager:BatchGetSecretValue, so each secret was read with its own GetSecretValue; allow it to read 20 in one call"
            ),
            Self::CopyKey {
                environment,
                source,
                error,
            } => write!(
                f,
                "environment `{environment}` keeps a last-known-good copy of source `{source}`, but {error}"
            ),
            Self::LooseKeyFile {
                variable,
                path,
                mode,
            } => write!(
                f,
                "{variable} {} may be read by group or others (mode {mode:04o}): whoever can read it can read the last-known-good copies; run `chmod 600 {}`",
                crate::printable::path(path),
                crate::printable::shell_path(path)
            ),
            Self::Copy { source, error } => write!(f, "source `{source}`: {error}"),
            Self::CopyNotServed { source, copy } => write!(
                f,
                "source `{source}` could not be reached, and its last-known-good copy cannot be served ({copy}): the next source is asked"
            ),
            Self::Stale {
                source,
                cause,
                count,
                oldest,
            } => write!(
                f,
                "STALE: source `{source}` could not be reached ({cause}); {count} secret{} served from its last-known-good copy, up to {} old",
                if *count == 1 { " is" } else { "s are" },
                show_duration(*oldest)
            ),
            Self::Held { count } => {
                let one = *count == 1;
                write!(
                    f,
                    "STALE: {count} secret{} could not be read again (the source could not be reached): the value{} held since the last read {} served",
                    if one { "" } else { "s" },
                    if one { "" } else { "s" },
                    if one { "is" } else { "are" },
                )
            }
            Self::Overdue { key, age, every } => write!(
                f,
                "secret `{key}` is overdue for rotation: the value is {} old; it is rotated every {}",
                show_duration(*age),
                show_duration(*every)
            ),
        }
    }
}

impl serde::Serialize for Warning {
    /// As its text: the `warnings` of `check` and `status --format json`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Warning;

    #[test]
    fn a_command_to_run_quotes_the_path_it_names() {
        // A thirty-first adversarial pass: a `.env` a pull request named
        // `x;touch PWNED;.env` made the advice to paste run `touch PWNED`.
        for warning in [
            Warning::DotenvReadable {
                file: "x;touch PWNED;.env".to_owned(),
                mode: 0o644,
            },
            Warning::DotenvGroupWritable {
                file: "x;touch PWNED;.env".to_owned(),
                mode: 0o664,
            },
        ] {
            let said = warning.to_string();
            assert!(said.contains("`chmod 600 'x;touch PWNED;.env'`"), "{said}");
        }
    }
}
