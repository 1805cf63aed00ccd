//! One lease held: when it ends, when it is renewed, and whether it is to be re-issued.

use std::sync::Arc;
use std::time::Instant;

use super::super::Connection;
use super::calls::Issued;

/// One lease held.
pub(super) struct Held {
    pub(super) issued: Arc<Issued>,
    /// When it ends, as last told.
    pub(super) ends: Instant,
    /// When to renew it next.
    pub(super) renew_at: Instant,
    /// Renewals no longer extend it (the role's `max_ttl`), or it cannot be renewed: it
    /// is re-issued before it ends.
    pub(super) capped: bool,
    /// Failed renewals (or re-issues) in a row.
    pub(super) failures: u32,
    /// No re-issue is tried before this (after one failed).
    pub(super) retry_at: Instant,
}

impl Held {
    /// When its credentials end: its own end, or its login token's if sooner (a lease
    /// ends with the token that read it: a fortieth adversarial pass saw `get` promise
    /// 59 s of a lease whose AppRole token ended in 6).
    pub(super) fn end(&self, connection: &Connection) -> Instant {
        connection
            .client
            .token_ends(self.issued.login)
            .map_or(self.ends, |token| token.min(self.ends))
    }

    /// A lease just issued, `now`.
    pub(super) fn new(issued: Arc<Issued>, now: Instant) -> Self {
        Self {
            ends: now + issued.duration,
            renew_at: now + issued.duration * 2 / 3,
            capped: !issued.renewable,
            failures: 0,
            retry_at: now,
            issued,
        }
    }
}
