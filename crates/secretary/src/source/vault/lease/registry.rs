//! The leases this process holds, and the thread that keeps them: renewed at about two
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

use super::super::{Connection, drive};
use super::LeaseError;
use super::calls::{Issued, Whose, issue, renew, revoke};
use super::claim::{Claim, Claims, Outcome};
pub use super::events::{LeaseEvent, LeaseEventKind, LeaseInfo};
use super::held::Held;
pub use super::notify::{Listening, Observing, generation, listen, observe};
use super::notify::{changed, emit};
use super::process::{InFlight, shared, wake};
use super::revoking::{ending, revoke_registered_now, told};
pub use super::revoking::{failed_revocations, revocations, revoke_all, revoke_all_within};

/// The least time before a lease ends at which it is re-issued; also what a login's
/// token is replaced ahead of its end besides the longest grace of its leases.
const REISSUE_MARGIN: Duration = Duration::from_secs(2);

/// How long before a replaced token ends its leases are revoked, at the latest.
const BEFORE_TOKEN_ENDS: Duration = Duration::from_millis(500);

/// The longest wait between two retries of a failed renewal.
const RETRY_CAP: Duration = Duration::from_secs(10);

/// A path's lease, and the ones it replaced, still alive for their grace period.
pub(super) struct Entry {
    pub(super) source: String,
    pub(super) connection: Arc<Connection>,
    pub(super) api: String,
    grace: Duration,
    pub(super) current: Option<Held>,
    /// Replaced leases, each with when it is revoked.
    pub(super) retiring: Vec<(Arc<Issued>, Instant)>,
    /// Why its credentials could not be kept: they ended and a new lease could not be
    /// had.
    expired: Option<LeaseError>,
    /// When a reader last took its lease (issued, or served): of two entries at one
    /// place, the one used last is the one readers use now.
    used: Instant,
}

pub(super) struct Registry {
    pub(super) pid: u32,
    pub(super) entries: Vec<Entry>,
    keeper: bool,
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
        let spawned = std::thread::Builder::new()
            .name("secretary-leases".to_owned())
            .spawn(keep);
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
fn same(entry: &Entry, connection: &Arc<Connection>, api: &str) -> bool {
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
    fn moved_on(&self, entry: &Entry) -> bool {
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

/// Which entry: its connection and path.
type Key = (Arc<Connection>, String);

/// What the keeper does for one lease this turn.
enum Due {
    /// The login token that owns the leases: renewed when due, or replaced this long
    /// before it ends.
    Login(Duration),
    Renew(Arc<Issued>),
    Reissue,
    /// A replaced lease, taken out of its entry to be revoked (so in flight until it is:
    /// [`revoke_all`] no longer finds it there), with its source's name.
    Revoke(Arc<Issued>, String, InFlight),
}

/// The keeper thread: sleeps until the next lease is due, acts, and again; ends when
/// the process's leases are all revoked.
fn keep() {
    loop {
        let mut guard = lock();
        let Some(registry) = guard.as_mut().filter(|r| r.pid == std::process::id()) else {
            return;
        };
        if registry.entries.is_empty() && !registry.stopping {
            registry.keeper = false;
            return;
        }
        let (mut work, wait) = plan(registry);
        if work.is_empty() {
            // Planned and waited under one lock: a lease added meanwhile wakes it.
            let _ = wake().wait_timeout(guard, wait.unwrap_or(Duration::from_secs(60)));
            continue;
        }
        drop(guard);
        // Revocations first: each is in flight from its plan until it is done.
        work.sort_by_key(|(_, due)| !matches!(due, Due::Revoke(..)));
        for (at, due) in work {
            act(at, due);
        }
    }
}

/// Everything due now, by entry (path and connection), and how long until the next.
fn plan(registry: &mut Registry) -> (Vec<(Key, Due)>, Option<Duration>) {
    let now = Instant::now();
    let mut work = Vec::new();
    let mut next: Option<Instant> = None;
    let mut soonest = |at: Instant| next = Some(next.map_or(at, |n| n.min(at)));
    // How long before a login's token ends its leases move to a new one: the longest
    // grace of the leases on its connection, and a re-issue's margin.
    let mut leads: Vec<(*const Connection, Duration)> = Vec::new();
    for entry in &registry.entries {
        let grace = entry.grace.saturating_add(REISSUE_MARGIN);
        match leads
            .iter_mut()
            .find(|(c, _)| *c == Arc::as_ptr(&entry.connection))
        {
            Some((_, lead)) => *lead = (*lead).max(grace),
            None => leads.push((Arc::as_ptr(&entry.connection), grace)),
        }
    }
    let mut logins: Vec<*const Connection> = Vec::new();
    for entry in &mut registry.entries {
        let key = (Arc::clone(&entry.connection), entry.api.clone());
        let client = &entry.connection.client;
        // A login is kept only while it owns a lease: one whose leases were taken over
        // (a secret id rotated) is let go (a thirty-eighth adversarial pass saw it
        // renewed to the end of the process).
        let owns = entry.current.is_some() || !entry.retiring.is_empty();
        if owns && !logins.contains(&Arc::as_ptr(&entry.connection)) {
            logins.push(Arc::as_ptr(&entry.connection));
            let lead = leads
                .iter()
                .find(|(c, _)| *c == Arc::as_ptr(&entry.connection))
                .map_or(REISSUE_MARGIN, |(_, lead)| *lead);
            if let Some(due) = client.login_due(lead) {
                if now >= due {
                    work.push((key.clone(), Due::Login(lead)));
                } else {
                    soonest(due);
                }
            }
        }
        entry.retiring.retain(|(issued, revoke_at)| {
            if now >= *revoke_at {
                work.push((
                    key.clone(),
                    Due::Revoke(Arc::clone(issued), entry.source.clone(), InFlight::start()),
                ));
                false
            } else {
                soonest(*revoke_at);
                true
            }
        });
        let Some(held) = &entry.current else {
            continue;
        };
        // A new login replaced the token that read it: it ends with the old token, so
        // it is re-issued under the new one now. (Unknown while a request logs in: look
        // again shortly.)
        // Its token ended (could not be kept): the lease ended with it, and is
        // re-issued, or lost.
        let token_ended = match client.token_ends(held.issued.login) {
            Some(token) if now >= token => true,
            Some(token) => {
                soonest(token);
                false
            }
            None => false,
        };
        let moved = if let Some(login) = client.login_generation() {
            login != held.issued.login || token_ended
        } else {
            soonest(now + Duration::from_millis(100));
            false
        };
        // At most half its life: a lease of 2 s or less was due again the moment it was
        // issued, and re-issued without end (a forty-fourth adversarial pass: 1,299 in
        // 60 s, the program restarted each time).
        let margin = (held.issued.duration / 3)
            .max(REISSUE_MARGIN)
            .min(held.issued.duration / 2);
        let reissue_at = held.ends.checked_sub(margin).unwrap_or(now);
        if moved || held.capped {
            let at = if moved {
                held.retry_at
            } else {
                reissue_at.max(held.retry_at)
            };
            if now >= at {
                work.push((key, Due::Reissue));
            } else {
                soonest(at);
            }
        } else if now >= held.renew_at {
            work.push((key, Due::Renew(Arc::clone(&held.issued))));
        } else {
            soonest(held.renew_at.min(reissue_at.max(now)));
        }
    }
    (
        work,
        next.map(|n| n.saturating_duration_since(now))
            .or(Some(Duration::from_secs(60))),
    )
}

/// Does `due` for the entry `key` names, and records the outcome.
fn act(key: Key, due: Due) {
    let (connection, api) = key;
    // Revoked whether or not its entry is there still ([`revoke_all`] may have taken
    // it): the lease was taken out of it.
    if let Due::Revoke(issued, source, flight) = due {
        let whose = Whose {
            source: &source,
            connection: &connection,
            api: &api,
        };
        let event = revoke(&whose, &issued);
        emit(&event);
        told(std::slice::from_ref(&event));
        drop(flight);
        return;
    }
    let Some(source) = lock()
        .as_ref()
        .and_then(|r| r.entries.iter().find(|e| same(e, &connection, &api)))
        .map(|entry| entry.source.clone())
    else {
        return;
    };
    match due {
        Due::Login(lead) => {
            let client = &connection.client;
            if let Err(error) = drive(connection.runtime.get(), client.keep_login(lead)) {
                emit(&LeaseEvent {
                    kind: LeaseEventKind::RenewFailed,
                    source,
                    path: api,
                    lease_id: String::new(),
                    ttl: None,
                    error: Some(format!("the login that owns the lease: {error}")),
                });
                // Not again at once: the client waits longer after each failure.
            }
        }
        Due::Revoke(..) => {}
        Due::Renew(issued) => renewed(&source, &connection, &api, &issued),
        Due::Reissue => reissue(&source, &connection, &api),
    }
}

/// Renews `issued`, and records what Vault answered.
fn renewed(source: &str, connection: &Arc<Connection>, api: &str, issued: &Arc<Issued>) {
    let outcome = renew(connection, issued);
    let mut registry = lock();
    let Some(entry) = registry
        .as_mut()
        .and_then(|r| r.entries.iter_mut().find(|e| same(e, connection, api)))
    else {
        return;
    };
    let Some(held) = entry
        .current
        .as_mut()
        .filter(|h| Arc::ptr_eq(&h.issued, issued))
    else {
        return;
    };
    let now = Instant::now();
    let event = match outcome {
        Ok(granted) => {
            held.failures = 0;
            held.ends = now + granted;
            held.renew_at = now + held.issued.duration * 2 / 3;
            // Less than asked: the role's max_ttl is near; only new credentials will do
            // after this.
            if granted < held.issued.duration {
                held.capped = true;
            }
            LeaseEvent {
                kind: LeaseEventKind::Renewed,
                source: source.to_owned(),
                path: api.to_owned(),
                lease_id: issued.id.clone(),
                ttl: Some(granted),
                error: None,
            }
        }
        Err(error) => {
            held.failures = held.failures.saturating_add(1);
            // Refused (the lease is gone, or may not be renewed), or it ended while
            // Vault could not be reached: re-issue. Else try again, sooner as its end
            // nears.
            if error.refused() || now >= held.ends {
                held.capped = true;
            } else {
                let left = held.ends.saturating_duration_since(now);
                held.renew_at = now + back_off(held.failures, left);
            }
            LeaseEvent {
                kind: LeaseEventKind::RenewFailed,
                source: source.to_owned(),
                path: api.to_owned(),
                lease_id: issued.id.clone(),
                ttl: None,
                error: Some(error.to_string()),
            }
        }
    };
    drop(registry);
    emit(&event);
}

/// New credentials for `api` before the current ones end; the old lease is revoked after
/// the grace period (and before the token that read it ends, when a new login replaced
/// that token). When none can be had, the lease is retried until it ends, and then its
/// credentials are lost.
fn reissue(source: &str, connection: &Arc<Connection>, api: &str) {
    // In flight from here, under the lock [`revoke_all`] takes the leases under, until
    // the new lease is registered or revoked; none is asked for once the entry is gone.
    let (old, _flight) = {
        let registry = lock();
        // None once the process is ending either (a thirty-seventh adversarial pass).
        if ending() {
            return;
        }
        let Some(entry) = registry
            .as_ref()
            .and_then(|r| r.entries.iter().find(|e| same(e, connection, api)))
        else {
            return;
        };
        // Nothing to replace (taken over, or ended, since it was planned): nothing asked
        // for (a thirty-ninth adversarial pass saw a taken-over entry refilled).
        let Some(old) = entry.current.as_ref().map(|held| {
            (
                held.issued.id.clone(),
                held.end(connection),
                held.issued.login,
            )
        }) else {
            return;
        };
        (Some(old), InFlight::start())
    };
    match issue(&Whose {
        source,
        connection,
        api,
    }) {
        Ok(issued) => {
            let issued = Arc::new(issued);
            let now = Instant::now();
            // The old lease ends with the token that read it.
            let token_ends = old
                .as_ref()
                .filter(|(_, _, login)| *login != issued.login)
                .and_then(|_| connection.client.replaced_token_ends());
            {
                let mut registry = lock();
                // Its entry, still holding the lease this replaces: a lease taken over
                // (new credentials at the place) or revoked meanwhile is not refilled by
                // a re-issue no reader asked for (a thirty-eighth adversarial pass).
                let old_id = old.as_ref().map(|(id, _, _)| id.as_str());
                let Some(entry) = registry
                    .as_mut()
                    .and_then(|r| r.entries.iter_mut().find(|e| same(e, connection, api)))
                    .filter(|e| e.current.as_ref().map(|held| held.issued.id.as_str()) == old_id)
                else {
                    drop(registry);
                    orphaned(source, connection, api, &issued);
                    return;
                };
                let mut revoke_at = now + entry.grace;
                if let Some(ends) = token_ends {
                    revoke_at = revoke_at
                        .min(ends.checked_sub(BEFORE_TOKEN_ENDS).unwrap_or(now))
                        .max(now);
                }
                if let Some(old) = entry.current.replace(Held::new(Arc::clone(&issued), now)) {
                    entry.retiring.push((old.issued, revoke_at));
                }
                entry.expired = None;
            }
            changed();
            wake().notify_all();
            emit(&reissued(source, api, &issued));
        }
        Err(error) => failed(source, connection, api, old.as_ref(), &error),
    }
}

/// Records that the re-issue of `api`'s lease (`old`: its id, end and login) failed with
/// `error`: tried again, sooner as its end nears; or, ended, forgotten where the place's
/// credentials moved on, else lost.
fn failed(
    source: &str,
    connection: &Arc<Connection>,
    api: &str,
    old: Option<&(String, Instant, u64)>,
    error: &LeaseError,
) {
    let now = Instant::now();
    let ended = old.as_ref().is_none_or(|(_, ends, _)| now >= *ends);
    let mut event = LeaseEvent {
        kind: LeaseEventKind::RenewFailed,
        source: source.to_owned(),
        path: api.to_owned(),
        lease_id: old
            .as_ref()
            .map(|(id, _, _)| id.clone())
            .unwrap_or_default(),
        ttl: None,
        error: Some(error.to_string()),
    };
    {
        let mut guard = lock();
        let registry = guard.as_mut();
        // Its entry, still holding the lease whose re-issue failed: one a reader
        // registered meanwhile is not dropped for it (a thirty-ninth adversarial pass saw
        // a fresh lease dropped, never revoked, and the program stopped).
        let old_id = old.map(|(id, _, _)| id.as_str());
        let index = registry.as_ref().and_then(|r| {
            r.entries.iter().position(|e| {
                same(e, connection, api)
                    && e.current.as_ref().map(|held| held.issued.id.as_str()) == old_id
            })
        });
        // Ended where the place's credentials moved on: forgotten, not lost (its
        // login is no longer kept either).
        if let (Some(registry), Some(index), true) = (registry, index, ended) {
            if registry.moved_on(&registry.entries[index]) {
                let entry = &mut registry.entries[index];
                entry.current = None;
                entry.expired = None;
                event.kind = LeaseEventKind::Expired;
                drop(guard);
                changed();
                emit(&event);
                return;
            }
        }
        if let Some(entry) = index.and_then(|index| guard.as_mut().map(|r| &mut r.entries[index])) {
            if ended {
                entry.current = None;
                entry.expired = Some(LeaseError::Expired {
                    path: api.to_owned(),
                    reason: error.to_string(),
                });
                event.kind = LeaseEventKind::Expired;
            } else if let Some(held) = entry.current.as_mut() {
                // Try again, sooner as its end nears.
                held.failures = held.failures.saturating_add(1);
                held.retry_at =
                    now + back_off(held.failures, held.ends.saturating_duration_since(now));
            }
        }
    }
    if ended {
        changed();
    }
    emit(&event);
}

/// The event of `issued`, re-issued for `api` of `source`.
fn reissued(source: &str, api: &str, issued: &Issued) -> LeaseEvent {
    LeaseEvent {
        kind: LeaseEventKind::Reissued,
        source: source.to_owned(),
        path: api.to_owned(),
        lease_id: issued.id.clone(),
        ttl: Some(issued.duration),
        error: None,
    }
}

/// A lease re-issued after [`revoke_all`] took the one it replaces: no one holds it,
/// and it must not outlive the process. Its issue is recorded first, as every lease
/// Vault issued (a thirty-third adversarial pass saw only its revocation audited).
fn orphaned(source: &str, connection: &Arc<Connection>, api: &str, issued: &Issued) {
    emit(&reissued(source, api, issued));
    let whose = Whose {
        source,
        connection,
        api,
    };
    let event = revoke(&whose, issued);
    emit(&event);
    told(std::slice::from_ref(&event));
}

/// How long to wait before trying again after `failures` failures in a row, with `left`
/// before the lease ends: 1, 2, 4, 8 s, at most 10 s, and at most a quarter of what is
/// left (but 200 ms at least).
fn back_off(failures: u32, left: Duration) -> Duration {
    Duration::from_secs(1 << failures.clamp(1, 4).saturating_sub(1))
        .min(RETRY_CAP)
        .min(left / 4)
        .max(Duration::from_millis(200))
}
