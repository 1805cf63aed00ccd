//! What the lease registry tells the rest of the process: its events (for the audit
//! log, never a credential) and the leases it holds (for `status`).

use std::time::Duration;

/// Something that happened to a lease, for the audit log: never a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseEvent {
    /// What happened.
    pub kind: LeaseEventKind,
    /// The source's name.
    pub source: String,
    /// The path read (`database/creds/app`).
    pub path: String,
    /// The lease's id.
    pub lease_id: String,
    /// How long it has now (issued, renewed, re-issued).
    pub ttl: Option<Duration>,
    /// Why, when it failed.
    pub error: Option<String>,
}

/// What happened to a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeaseEventKind {
    /// New credentials.
    Issued,
    /// Extended.
    Renewed,
    /// Replaced by new credentials before it ended.
    Reissued,
    /// Revoked: its credentials no longer work.
    Revoked,
    /// A renewal failed; it is retried.
    RenewFailed,
    /// It ended and no new lease could be had.
    Expired,
}

impl LeaseEventKind {
    /// Its name in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "lease_issued",
            Self::Renewed => "lease_renewed",
            Self::Reissued => "lease_reissued",
            Self::Revoked => "lease_revoked",
            Self::RenewFailed => "lease_renew_failed",
            Self::Expired => "lease_expired",
        }
    }
}

/// A lease this process holds, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseInfo {
    /// The source's name.
    pub source: String,
    /// The path read.
    pub path: String,
    /// The lease's id.
    pub id: String,
    /// How long it has left.
    pub ttl_left: Duration,
    /// Whether it can be renewed.
    pub renewable: bool,
}
