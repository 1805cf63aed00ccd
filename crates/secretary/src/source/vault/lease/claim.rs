//! One lease issued at a time for each path and connection settings (credentials
//! included): the thread that asks for it claims it, and the others with the same
//! settings wait for its outcome, the lease or the error, rather than take a second
//! lease (a thirty-fifth adversarial pass saw two threads reading one lease's user and
//! password take a lease each, and be served a user of one with the password of the
//! other) or ask again in turn after a failure (a thirty-sixth saw N waiters each wait
//! out the client's deadline, one after another). Readers with other credentials do not
//! wait: the outcome would not be theirs (a thirty-seventh saw one token's refusal given
//! to a reader whose token could read the path).

use std::sync::Arc;

use super::super::Connection;
use super::LeaseError;
use super::process::wake;
use super::registry::lock;

/// The paths (by settings) being issued for now, and the failures still owed to their
/// waiters.
#[derive(Default)]
pub(super) struct Claims {
    records: Vec<Record>,
    next: u64,
}

/// One path being issued for, over one connection's settings.
struct Record {
    id: u64,
    connection: Arc<Connection>,
    api: String,
    /// Threads waiting for its outcome.
    waiters: usize,
    /// Set when the issue failed: each waiter is given this error, and the record goes
    /// with the last.
    failed: Option<LeaseError>,
}

/// What a waiter finds when it looks again.
pub(super) enum Outcome {
    /// Still being issued.
    Pending,
    /// The issue failed: the waiter fails the same way.
    Failed(LeaseError),
    /// Done: the lease, if one was issued, is registered.
    Done,
}

impl Claims {
    /// Claims `api` over `connection`'s settings for this thread: `Ok` with the claim's id, or `Err`
    /// with the id of the claim another thread holds on it, now counting this one among
    /// its waiters.
    pub(super) fn claim(&mut self, connection: &Arc<Connection>, api: &str) -> Result<u64, u64> {
        if let Some(record) = self.records.iter_mut().find(|r| {
            r.failed.is_none() && r.api == api && r.connection.settings == connection.settings
        }) {
            record.waiters = record.waiters.saturating_add(1);
            return Err(record.id);
        }
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        self.records.push(Record {
            id,
            connection: Arc::clone(connection),
            api: api.to_owned(),
            waiters: 0,
            failed: None,
        });
        Ok(id)
    }

    /// What became of the claim `id` this thread waits for; a waiter given an outcome
    /// other than [`Outcome::Pending`] waits no longer.
    pub(super) fn outcome(&mut self, id: u64) -> Outcome {
        let Some(index) = self.records.iter().position(|r| r.id == id) else {
            return Outcome::Done;
        };
        let record = &mut self.records[index];
        let Some(error) = record.failed.clone() else {
            return Outcome::Pending;
        };
        record.waiters = record.waiters.saturating_sub(1);
        if record.waiters == 0 {
            self.records.remove(index);
        }
        Outcome::Failed(error)
    }

    /// Ends the claim `id`: kept for its waiters when the issue `failed`.
    fn end(&mut self, id: u64, failed: Option<LeaseError>) {
        let Some(index) = self.records.iter().position(|r| r.id == id) else {
            return;
        };
        match failed {
            Some(error) if self.records[index].waiters > 0 => {
                self.records[index].failed = Some(error);
            }
            _ => {
                self.records.remove(index);
            }
        }
    }
}

/// A path claimed by this thread ([`Claims::claim`]); ended, with its waiters woken,
/// when dropped: with the error given to [`Claim::failed`], if it was.
pub(super) struct Claim {
    id: u64,
    failed: Option<LeaseError>,
}

impl Claim {
    /// The claim `id`.
    pub(super) fn new(id: u64) -> Self {
        Self { id, failed: None }
    }

    /// The issue failed with `error`: its waiters are given it.
    pub(super) fn failed(&mut self, error: &LeaseError) {
        self.failed = Some(error.clone());
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(registry) = lock().as_mut() {
            registry.claims.end(self.id, self.failed.take());
        }
        wake().notify_all();
    }
}
