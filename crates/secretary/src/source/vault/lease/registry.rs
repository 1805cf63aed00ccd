//! The leases this process holds, kept by the keeper thread (`keeper.rs`): renewed at about two
//! thirds of their duration, re-issued before they end (a renewal refused, or the role's
//! `max_ttl` reached), the credentials they replace revoked after a grace period, every
//! one revoked by [`revoke_all`]. One lease per path and connection settings
//! (credentials included), whatever number of resolutions ask for it, served to no
//! reader with other settings.
//!
//! The login token that read a lease (AppRole, JWT) is kept alive by the same thread. A
//! token ends at its role's `token_max_ttl` and takes its leases with it: before it
//! does, the connection logs in again and every lease the old token holds is re-issued
//! under the new one, the old revoked after the grace period while the old token still
//! lives (or just before it ends, when that is sooner).
//!
//! Kept by process id: a child forked after a lease was issued never renews or revokes
//! its parent's (and has no keeper thread: threads do not survive `fork`); it takes its
//! own at its first read.

use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use super::super::Connection;
use super::LeaseError;
use super::calls::{Issued, Whose, issue};
use super::claim::{Claim, Claims, Outcome};
pub use super::events::{LeaseEvent, LeaseEventKind, LeaseInfo};
use super::held::Held;
pub use super::notify::{Listening, Observing, generation, listen, observe};
use super::notify::{changed, emit};
use super::process::{InFlight, shared, wake};
use super::revoking::{ending, revoke_registered_now};
pub use super::revoking::{
    failed_revocations, log_out_within, revocations, revoke_all, revoke_all_within,
};

/// A path's lease, and the ones it replaced, still alive for their grace period.
pub(super) struct Entry {
    pub(super) source: String,
    pub(super) connection: Arc<Connection>,
    pub(super) api: String,
    pub(super) grace: Duration,
    pub(super) current: Option<Held>,
    /// Replaced leases, each with when it is revoked.
    pub(super) retiring: Vec<(Arc<Issued>, Instant)>,
    /// Why its credentials could not be kept: they ended and a new lease could not be
    /// had.
    pub(super) expired: Option<LeaseError>,
    /// Its renewal or re-issue is under way (on a thread of the keeper's).
    pub(super) busy: bool,
    /// Its re-issue is.
    pub(super) reissuing: bool,
    /// When a reader last took its lease (issued, or served): of two entries at one
    /// place, the one used last is the one readers use now.
    used: Instant,
}

pub(super) struct Registry {
    pub(super) pid: u32,
    pub(super) entries: Vec<Entry>,
    pub(super) keeper: bool,
    /// The connections whose login is being kept now (on a thread of the keeper's).
    pub(super) logging_in: Vec<Arc<Connection>>,
    /// How many replaced leases the keeper is revoking now (each on a thread).
    pub(super) revocations: usize,
    /// Its leases are being revoked: the keeper stays until they are.
    pub(super) stopping: bool,
    /// The paths (by settings) a lease is being issued for now: another reader with the
    /// same settings waits for that lease (or that error) rather than ask for a second.
    pub(super) claims: Claims,
}

/// Every lease this process holds.
pub fn held() -> Vec<LeaseInfo> {
    let now = Instant::now();
    let registry = lock();
    let Some(registry) = registry.as_ref().filter(|r| r.pid == std::process::id()) else {
        return Vec::new();
    };
    registry
        .entries
        .iter()
        .filter_map(|entry| {
            entry.current.as_ref().map(|held| LeaseInfo {
                source: entry.source.clone(),
                path: entry.api.clone(),
                id: held.issued.id.clone(),
                ttl_left: held.end(&entry.connection).saturating_duration_since(now),
                renewable: held.issued.renewable && !held.capped,
            })
        })
        .collect()
}

/// Whether the keeper is re-issuing a lease of this process now: new credentials are on
/// their way (`run` waits for them, a bounded time, to restart its program once).
pub fn reissuing() -> bool {
    lock()
        .as_ref()
        .filter(|r| r.pid == std::process::id())
        .is_some_and(|registry| registry.entries.iter().any(|entry| entry.reissuing))
}

/// Whether this process holds a lease (current, or replaced and not yet revoked) read
/// over `connection`, or a connection made with the same settings.
pub(super) fn holds_on(connection: &Connection) -> bool {
    lock()
        .as_ref()
        .filter(|r| r.pid == std::process::id())
        .is_some_and(|registry| {
            registry.entries.iter().any(|entry| {
                entry.connection.settings == connection.settings
                    && (entry.current.is_some() || !entry.retiring.is_empty())
            })
        })
}

/// Why a lease's credentials were lost (ended, and none could be had again), if one's
/// were.
pub fn lost() -> Option<LeaseError> {
    let registry = lock();
    let registry = registry.as_ref().filter(|r| r.pid == std::process::id())?;
    registry
        .entries
        .iter()
        .filter(|entry| !registry.moved_on(entry))
        .find_map(|entry| entry.expired.clone())
}

/// The credentials of the lease on `api`, issued now when none is held.
pub(super) fn credentials(
    source: &str,
    connection: &Arc<Connection>,
    api: &str,
    grace: Duration,
) -> Result<Arc<Issued>, LeaseError> {
    // In flight from here, under the lock [`revoke_all`] takes the leases under (a
    // thirty-fourth adversarial pass saw it marked after the lock was let go).
    let (issuing, mut claim) = {
        let mut guard = lock();
        let mut waiting = None;
        let id = loop {
            let registry = fresh(&mut guard);
            if let Some(id) = waiting {
                match registry.claims.outcome(id) {
                    Outcome::Pending => {}
                    Outcome::Failed(error) => return Err(error),
                    Outcome::Done => waiting = None,
                }
            }
            if waiting.is_none() {
                if let Some(issued) = registry.live(connection, api) {
                    return Ok(issued);
                }
                // The process is revoking its leases to end: one issued now would
                // outlive it (a thirty-sixth adversarial pass).
                if ending() {
                    return Err(LeaseError::Ending {
                        path: api.to_owned(),
                    });
                }
                match registry.claims.claim(connection, api) {
                    Ok(id) => break id,
                    Err(theirs) => waiting = Some(theirs),
                }
            }
            // Another thread is issuing this lease: its request is bounded by
            // the client's timeout, and the end of its claim wakes this one.
            guard = wake()
                .wait_timeout(guard, Duration::from_millis(200))
                .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
        };
        // Marked in flight before the lock is let go.
        let issuing = InFlight::start();
        drop(guard);
        (issuing, Claim::new(id))
    };
    let whose = Whose {
        source,
        connection,
        api,
    };
    let issued = match issue(&whose) {
        Ok(issued) => Arc::new(issued),
        Err(error) => {
            claim.failed(&error);
            return Err(error);
        }
    };
    let now = Instant::now();
    let held = Held::new(Arc::clone(&issued), now);
    emit(&LeaseEvent {
        kind: LeaseEventKind::Issued,
        source: source.to_owned(),
        path: api.to_owned(),
        lease_id: issued.id.clone(),
        ttl: Some(issued.duration),
        error: None,
    });
    let mut guard = lock();
    let registry = fresh(&mut guard);
    let replaced_live = registry.register(source, connection, api, grace, held);
    if !registry.keeper {
        registry.keeper = true;
        crate::source::vault::client::when_a_token_ends(|| wake().notify_all());
        let spawned = std::thread::Builder::new()
            .name("secretary-leases".to_owned())
            .spawn(super::keeper::keep);
        if spawned.is_err() {
            registry.keeper = false;
        }
    }
    wake().notify_all();
    drop(guard);
    drop(claim);
    if replaced_live {
        changed();
    }
    // Issued while the process began to end: revoked now, still in flight, so that the
    // stop waits for it and says whether it failed.
    if ending() {
        revoke_registered_now();
    }
    drop(issuing);
    Ok(issued)
}

/// Whether `entry` is the lease of `api` over `connection`, or over a connection made
/// with the same settings (credentials included): the only readers a lease is served to
/// (a thirty-seventh adversarial pass saw a lease one token took served to a reader whose
/// token Vault refused, and one namespace's to a reader of another).
pub(super) fn same(entry: &Entry, connection: &Arc<Connection>, api: &str) -> bool {
    entry.api == api && entry.connection.settings == connection.settings
}

/// Whether `entry` and the lease of `api` that `source` reads over `connection` are one
/// place: the same source and path on the same server (addresses, namespace and TLS
/// trust), whatever the credentials.
fn place(entry: &Entry, source: &str, connection: &Arc<Connection>, api: &str) -> bool {
    entry.api == api && entry.source == source && entry.connection.server == connection.server
}

impl Registry {
    /// Whether the credentials of `entry`'s place moved on: another entry there (other
    /// credentials, a token renewed by hand) holds a live lease. Its own ending is then
    /// not a loss (a thirty-eighth adversarial pass saw `run` stop a healthy program for
    /// a lease of a token it no longer used).
    pub(super) fn moved_on(&self, entry: &Entry) -> bool {
        let now = Instant::now();
        // Used since by readers (not merely alive: a lease kept for settings no reader
        // uses any more would hide the loss of the one they do use, a thirty-ninth
        // adversarial pass).
        self.entries.iter().any(|other| {
            !std::ptr::eq(other, entry)
                && place(other, &entry.source, &entry.connection, &entry.api)
                && other.used > entry.used
                && other.current.as_ref().is_some_and(|held| now < held.ends)
        })
    }

    /// Registers `held`, just issued for `api` over `connection`: in the entry of this
    /// connection's settings, whose lease it replaces; or, the first time these settings
    /// take one, in an entry of its own that takes over the leases other credentials
    /// hold at the place: a token renewed by hand (a new `~/.vault-token`), whose old
    /// token may be gone and its leases with it. Those are revoked after their grace with
    /// the new credentials, and whoever was served them reads again (and, if its
    /// credentials still work, takes a lease of its own, in its own entry: once, not
    /// again and again). Whether a lease someone was served was replaced.
    fn register(
        &mut self,
        source: &str,
        connection: &Arc<Connection>,
        api: &str,
        grace: Duration,
        held: Held,
    ) -> bool {
        let now = Instant::now();
        if let Some(entry) = self.entries.iter_mut().find(|e| same(e, connection, api)) {
            entry.connection = Arc::clone(connection);
            entry.expired = None;
            entry.used = now;
            let old = entry.current.replace(held);
            let live = old.as_ref().is_some_and(|old| now < old.ends);
            if let Some(old) = old {
                entry.retiring.push((old.issued, now + entry.grace));
            }
            return live;
        }
        let mut retiring = Vec::new();
        let mut replaced_live = false;
        for entry in self
            .entries
            .iter_mut()
            .filter(|e| place(e, source, connection, api))
        {
            if let Some(old) = entry.current.take() {
                replaced_live |= now < old.ends;
                retiring.push((old.issued, now + grace));
            }
            entry.expired = None;
        }
        self.entries.push(Entry {
            source: source.to_owned(),
            connection: Arc::clone(connection),
            api: api.to_owned(),
            grace,
            current: Some(held),
            retiring,
            expired: None,
            busy: false,
            reissuing: false,
            used: now,
        });
        replaced_live
    }

    /// The live lease of `api` this connection's settings keep, if any: a lease is
    /// served only to connections made with the settings (credentials included) that
    /// took it (a thirty-seventh adversarial pass saw a manager served a lease another
    /// namespace's, or another token's, connection took).
    fn live(&mut self, connection: &Arc<Connection>, api: &str) -> Option<Arc<Issued>> {
        let now = Instant::now();
        let entry = self.entries.iter_mut().find(|e| same(e, connection, api))?;
        let issued = entry
            .current
            .as_ref()
            .filter(|held| now < held.ends)
            .map(|held| Arc::clone(&held.issued))?;
        entry.used = now;
        Some(issued)
    }
}

/// This process's registry (a parent's, inherited through `fork`, is forgotten: never
/// renewed, never revoked, never dropped).
fn fresh(registry: &mut Option<Registry>) -> &mut Registry {
    let pid = std::process::id();
    if registry.as_ref().is_some_and(|r| r.pid != pid) {
        if let Some(inherited) = registry.take() {
            std::mem::forget(inherited);
        }
    }
    registry.get_or_insert_with(|| Registry {
        pid,
        entries: Vec::new(),
        keeper: false,
        logging_in: Vec::new(),
        revocations: 0,
        stopping: false,
        claims: Claims::default(),
    })
}

pub(super) fn lock() -> MutexGuard<'static, Option<Registry>> {
    shared()
        .registry
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
