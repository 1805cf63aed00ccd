//! [`CopyError`]: why a last-known-good copy cannot be served or written, and how each
//! cause is said, never with a value.

use std::path::PathBuf;
use std::time::Duration;

use super::copy;
use super::key::{KEY_FILE_VARIABLE, KEY_VARIABLE, KeyError};
use crate::duration::show_duration;

/// Why a last-known-good copy cannot be served (or written). Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// No key is set: no copy is kept, and none is read.
    #[error("no cache key ({KEY_VARIABLE} or {KEY_FILE_VARIABLE}) is set, so no copy is kept")]
    NoKey,
    /// The key is unusable.
    #[error("{0}")]
    Key(KeyError),
    /// No state directory: none of `SECRETARY_STATE_DIR`, `XDG_STATE_HOME`, `HOME`.
    #[error("no state directory: SECRETARY_STATE_DIR, XDG_STATE_HOME and HOME are all unset")]
    NoStateDir,
    /// There is no copy (of this source).
    #[error("there is no last-known-good copy of this source at {}", path.display())]
    Missing {
        /// Where it would be.
        path: PathBuf,
    },
    /// The copy forgot this source's values: after a write to its Vault server (`put`,
    /// `rotate`...) or a refusal, what it held may have been replaced. (Said as "no
    /// copy was written" once, which blamed the wrong thing: a twenty-second adversarial
    /// pass.)
    #[error("the last-known-good copy at {} forgot this source's values {}, after a write to its Vault server, a refusal, or `cache clear`", path.display(), show_ago(*ago))]
    Forgotten {
        /// The copy.
        path: PathBuf,
        /// How long ago; `None` when the forgetting was recorded ahead of this
        /// machine's clock (said "0 seconds ago" once).
        ago: Option<Duration>,
    },
    /// The copy does not match its directory's record of forgettings
    /// (`.forgettings`): something was forgotten since its reads began, the record was lost
    /// or replaced, or the copy came from another state directory. (Said as a
    /// forgetting "after a write, a refusal or `cache clear`" once, where none had been:
    /// a sixty-first adversarial pass.)
    #[error("the last-known-good copy at {} does not match its directory's record of forgettings: something was forgotten since it was read (a write to its Vault server, a refusal, `cache clear`), the record was lost or replaced, or the copy came from another state directory", path.display())]
    Outdated {
        /// The copy.
        path: PathBuf,
    },
    /// The copy does not hold this secret.
    #[error("the last-known-good copy does not hold `{key}`")]
    NotCovered {
        /// The secret.
        key: String,
    },
    /// The copy records a read further in the future than a clock drifts: the clock was
    /// changed since it was written (set back, or it ran ahead then), and its age cannot
    /// be known (a fifty-seventh adversarial pass was told the copy was 213 trillion
    /// days old).
    #[error("the last-known-good copy records a read {} in the future (this machine's clock was changed since it was written), so its age cannot be known", show_duration(*ahead))]
    Ahead {
        /// How far ahead of now.
        ahead: Duration,
    },
    /// The copy is older than `max_age`.
    #[error("the last-known-good copy is {} old, older than its max_age of {}", show_older(*age, *max_age), show_duration(*max_age))]
    Expired {
        /// How old.
        age: Duration,
        /// The limit.
        max_age: Duration,
    },
    /// The copy does not authenticate: changed, or corrupt.
    #[error("the last-known-good copy {} does not authenticate: it was changed or is corrupt, and is not used", path.display())]
    Tampered {
        /// The file.
        path: PathBuf,
    },
    /// The copy was sealed with another key.
    #[error("the last-known-good copy {} was sealed with another key: the cache key changed", path.display())]
    KeyChanged {
        /// The file.
        path: PathBuf,
    },
    /// The file is another application's or environment's copy.
    #[error("{} is the copy of application `{app}`, environment `{environment}`: not this one's", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// The application it says it belongs to.
        app: String,
        /// The environment it says it belongs to.
        environment: String,
    },
    /// The file is not a copy at all.
    #[error("{} is not a last-known-good copy (it does not parse)", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
    },
    /// The copy holds the secret as read from another place than the manifest now reads
    /// it from (its `path` or `field` changed since, or another manifest with the same
    /// application name wrote it).
    #[error(
        "the last-known-good copy holds `{key}` as read from {kept}, and the manifest now reads it from {now}"
    )]
    Moved {
        /// The secret.
        key: String,
        /// Where the copy's value was read.
        kept: String,
        /// Where the manifest reads it now.
        now: String,
    },
    /// The copy holds the secret as read at another version than the manifest asks for
    /// now: the latest where it pins a `version`, a pinned version where it asks for the
    /// latest, or another pinned version.
    #[error(
        "the last-known-good copy holds `{key}` as read at {}{}, and the manifest now reads {}",
        show_version(*pinned),
        kept.map(|v| format!(" (version {v})")).unwrap_or_default(),
        show_version(*now)
    )]
    OtherVersion {
        /// The secret.
        key: String,
        /// The version the copy holds (`None` for an absence, or a source without versions).
        kept: Option<u64>,
        /// The version the manifest pinned when the copy was read (`None`: the latest).
        pinned: Option<u64>,
        /// The version the manifest pins now (`None`: the latest).
        now: Option<u64>,
    },
    /// The copy says Vault did not have the secret, but not where it was looked for (a
    /// copy written before secretary recorded it): whether the manifest looks in the same
    /// place now cannot be told, so the absence is not served.
    #[error(
        "the last-known-good copy records `{key}` as absent without where it was looked for (written by an older secretary), so it cannot stand for where the manifest looks now"
    )]
    AbsenceUnplaced {
        /// The secret.
        key: String,
    },
    /// The copy holds values read from another Vault server (addresses or namespace) than
    /// the source reads now: a manifest or `VAULT_ADDR` pointed elsewhere must not be
    /// answered with the values of the server it used to read.
    #[error(
        "the last-known-good copy holds values read from {kept}, and the source now reads {now}"
    )]
    OtherServer {
        /// The server the copy's values were read from.
        kept: String,
        /// The server the source reads now.
        now: String,
    },
    /// A copy in a format this secretary does not read.
    #[error("{} is a last-known-good copy of format {format}, which this secretary does not read", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: u32,
    },
    /// The file or directory could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// The copies forgot what they had to, and the record of it could not be written
    /// beside them (a full disk): a read begun before may still save the forgotten
    /// values, and a copy put back from before be served. (Said once as "could not
    /// forget", where the copies had: a sixty-second adversarial pass.)
    #[error(
        "the copies forgot the values, but the record of it could not be written to {}: {reason}",
        path.display()
    )]
    Unrecorded {
        /// The record.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// The copy, or a record beside it, could not be written.
    #[error("cannot write {}: {reason}", written(path))]
    Write {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// The copy could not be sealed.
    #[error("cannot seal the last-known-good copy: {reason}")]
    Seal {
        /// Why not.
        reason: String,
    },
}

impl CopyError {
    /// [`CopyError::Write`] for `path`, from the error that stopped the write.
    pub(crate) fn write(path: &std::path::Path, error: &std::io::Error) -> Self {
        Self::Write {
            path: path.to_path_buf(),
            reason: error.to_string(),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::NoKey => format!(
                "make a key with `secretary generate` and keep it as {KEY_VARIABLE} (or in the file {KEY_FILE_VARIABLE} names), the same for every run"
            ),
            Self::Key(error) => error.hint(),
            Self::NoStateDir => "set SECRETARY_STATE_DIR to a directory of this user's".to_owned(),
            Self::Missing { .. } | Self::NotCovered { .. } => {
                "no copy was written for it while Vault was up; bring Vault back".to_owned()
            }
            Self::Forgotten { .. } | Self::Outdated { .. } => {
                "bring Vault back: a copy that could hold a replaced value is not served, and the next read that answers for every secret makes it again".to_owned()
            }
            // A copy exists, kept for another place, version or server: say so, not
            // that there is none (a twelfth adversarial pass).
            Self::Moved { .. } | Self::OtherVersion { .. } | Self::AbsenceUnplaced { .. } => {
                "the copy kept is not of what the manifest reads now, and is not served; bring Vault back (the next read rewrites it)".to_owned()
            }
            Self::OtherServer { .. } => {
                "the copy kept was read from another server, and is not served; bring Vault back, or point VAULT_ADDR (and the namespace) back at the server it was read from".to_owned()
            }
            Self::Expired { .. } => {
                "bring Vault back; raise last_known_good's max_age only if older values are safe to serve".to_owned()
            }
            Self::Ahead { .. } => {
                "bring Vault back: the next read writes the copy again with this clock's time".to_owned()
            }
            Self::Tampered { .. } | Self::Foreign { .. } | Self::Corrupt { .. } | Self::Format { .. } => {
                "bring Vault back (the copy is rewritten at the next read); find out who changed the file".to_owned()
            }
            Self::KeyChanged { .. } => {
                "use the key the copy was written with, or bring Vault back (a new copy is written with the new key)".to_owned()
            }
            Self::Unrecorded { .. } => {
                "free space in (or repair) the state directory, then run `secretary cache clear`, so that no read begun before, and no copy put back, serves the values forgotten".to_owned()
            }
            Self::Unreadable { .. } | Self::Write { .. } | Self::Seal { .. } => {
                "check the state directory's permissions and free space".to_owned()
            }
        }
    }
}

/// `age`, older than `max_age`, as a person reads it: "more than" `max_age` where the
/// two would be shown alike (a copy 3.4 s old was "3 seconds old, older than 3
/// seconds").
fn show_older(age: Duration, max_age: Duration) -> String {
    let shown = show_duration(age);
    if shown == show_duration(max_age) {
        format!("more than {shown}")
    } else {
        shown
    }
}

/// What `path` is, as a write to it that failed says: a copy, or a record beside the
/// copies (`.forgettings` was once called a copy: a sixty-first adversarial pass).
fn written(path: &std::path::Path) -> String {
    let copy = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.ends_with(copy::SUFFIX));
    if copy {
        format!("the last-known-good copy {}", path.display())
    } else {
        format!("{}, beside the last-known-good copies", path.display())
    }
}

/// How long ago a forgetting was, `None` being ahead of the clock.
fn show_ago(ago: Option<Duration>) -> String {
    ago.map_or_else(
        || "at a time ahead of this machine's clock (the clock was changed since)".to_owned(),
        |ago| format!("{} ago", show_duration(ago)),
    )
}

impl CopyError {
    /// A failed write of a record of forgettings, made once the copies forgot:
    /// [`CopyError::Unrecorded`].
    pub(crate) fn unrecorded(self) -> Self {
        match self {
            Self::Write { path, reason } => Self::Unrecorded { path, reason },
            other => other,
        }
    }
}

/// `version 3`, or `its latest version` for none pinned.
fn show_version(version: Option<u64>) -> String {
    version.map_or_else(
        || "its latest version".to_owned(),
        |v| format!("version {v}"),
    )
}
