//! The thread that keeps this process's leases: sleeps until the next is due, renews
//! it at about two thirds of its duration, re-issues it before it ends (a renewal
//! refused, or the role's `max_ttl` reached), revokes the credentials it replaced after
//! their grace period, and keeps the login token that read them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::super::{Connection, drive};
use super::LeaseError;
use super::calls::{Issued, Whose, issue, renew, revoke};
use super::events::{LeaseEvent, LeaseEventKind};
use super::held::Held;
use super::notify::{changed, emit};
use super::process::{InFlight, wake};
use super::registry::{Entry, Registry, lock, same};
use super::revoking::{ending, told};

/// The least time before a lease ends at which it is re-issued; also what a login's
/// token is replaced ahead of its end besides the longest grace of its leases.
const REISSUE_MARGIN: Duration = Duration::from_secs(2);

/// How long before a replaced token ends its leases are revoked, at the latest.
const BEFORE_TOKEN_ENDS: Duration = Duration::from_millis(500);

/// The longest wait between two retries of a failed renewal.
const RETRY_CAP: Duration = Duration::from_secs(10);

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

/// The keeper thread: sleeps until the next lease is due, sets the work due on threads
/// of its own, and again; ends when the process's leases are all revoked.
pub(super) fn keep() {
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
            // Planned and waited under one lock: a lease added meanwhile, or work done,
            // wakes it.
            let _ = wake().wait_timeout(guard, wait.unwrap_or(Duration::from_secs(60)));
            continue;
        }
        drop(guard);
        // Revocations first (when they are done here): each is in flight from its plan
        // until it is done.
        work.sort_by_key(|job| !matches!(job.due, Due::Revoke(..)));
        for job in work {
            job.start();
        }
    }
}

/// One piece of the keeper's work, done on a thread of its own: one slow request (Vault
/// may take the client's whole timeout to answer) holds up no other lease's renewal,
/// re-issue or end (a fortieth adversarial pass saw every lease wait for one renewal).
struct Job {
    key: Key,
    due: Due,
    /// Whose work this is, planned again only once it is done.
    _busy: Option<Busy>,
}

impl Job {
    /// Does the job on a thread of its own, or here when no thread can be had.
    fn start(self) {
        let job = Arc::new(Mutex::new(Some(self)));
        let theirs = Arc::clone(&job);
        let take = |job: &Mutex<Option<Job>>| {
            job.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        };
        let spawned = std::thread::Builder::new()
            .name("secretary-lease".to_owned())
            .spawn(move || {
                if let Some(job) = take(&theirs) {
                    act(job.key, job.due);
                }
            });
        if spawned.is_err() {
            if let Some(job) = take(&job) {
                act(job.key, job.due);
            }
        }
    }
}

/// An entry's renewal or re-issue, a connection's login, or a replaced lease's
/// revocation, under way: the keeper plans none for it (and, past
/// [`MOST_REVOCATIONS`], no other revocation) until this is dropped, when the work is
/// done (or its thread panicked).
struct Busy {
    connection: Arc<Connection>,
    work: Work,
}

/// What a [`Busy`] marks.
enum Work {
    /// The renewal or re-issue of the entry of this path.
    Entry(String),
    Login,
    Revocation,
}

/// The most revocations of replaced leases under way at once: each holds a thread for
/// as long as Vault takes to answer (retries included), and a Vault slow to revoke
/// while leases are replaced every few seconds grew one a lease a round, 300 threads in
/// 40 s (a forty-seventh adversarial pass). Past it, a replaced lease waits its turn.
const MOST_REVOCATIONS: usize = 4;

impl Busy {
    /// Marks `entry` busy: renewing its lease, or `reissuing` it.
    fn entry(entry: &mut Entry, reissuing: bool) -> Self {
        entry.busy = true;
        entry.reissuing = reissuing;
        Self {
            connection: Arc::clone(&entry.connection),
            work: Work::Entry(entry.api.clone()),
        }
    }

    /// Marks the login of `connection` busy in `logging_in`.
    fn login(logging_in: &mut Vec<Arc<Connection>>, connection: &Arc<Connection>) -> Self {
        logging_in.push(Arc::clone(connection));
        Self {
            connection: Arc::clone(connection),
            work: Work::Login,
        }
    }

    /// Counts a revocation under way in `revocations`.
    fn revocation(revocations: &mut usize, connection: &Arc<Connection>) -> Self {
        *revocations = revocations.saturating_add(1);
        Self {
            connection: Arc::clone(connection),
            work: Work::Revocation,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut guard = lock();
        if let Some(registry) = guard.as_mut().filter(|r| r.pid == std::process::id()) {
            match &self.work {
                Work::Entry(api) => {
                    for entry in registry
                        .entries
                        .iter_mut()
                        .filter(|e| same(e, &self.connection, api))
                    {
                        entry.busy = false;
                        entry.reissuing = false;
                    }
                }
                Work::Login => registry
                    .logging_in
                    .retain(|c| !Arc::ptr_eq(c, &self.connection)),
                Work::Revocation => {
                    registry.revocations = registry.revocations.saturating_sub(1);
                }
            }
        }
        drop(guard);
        wake().notify_all();
    }
}

/// Everything due now, by entry (path and connection), and how long until the next.
fn plan(registry: &mut Registry) -> (Vec<Job>, Option<Duration>) {
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
    let Registry {
        entries,
        logging_in,
        revocations,
        ..
    } = registry;
    for entry in entries.iter_mut() {
        let key = (Arc::clone(&entry.connection), entry.api.clone());
        let client = &entry.connection.client;
        // A login is kept only while it owns a lease: one whose leases were taken over
        // (a secret id rotated) is let go (a thirty-eighth adversarial pass saw it
        // renewed to the end of the process).
        let owns = entry.current.is_some() || !entry.retiring.is_empty();
        // (Planned again once a login under way is done.)
        let busy = logging_in.iter().any(|c| Arc::ptr_eq(c, &entry.connection));
        if owns && !busy && !logins.contains(&Arc::as_ptr(&entry.connection)) {
            logins.push(Arc::as_ptr(&entry.connection));
            let lead = leads
                .iter()
                .find(|(c, _)| *c == Arc::as_ptr(&entry.connection))
                .map_or(REISSUE_MARGIN, |(_, lead)| *lead);
            if let Some(due) = client.login_due(lead) {
                if now >= due {
                    work.push(Job {
                        key: key.clone(),
                        due: Due::Login(lead),
                        _busy: Some(Busy::login(logging_in, &entry.connection)),
                    });
                } else {
                    soonest(due);
                }
            }
        }
        entry.retiring.retain(|(issued, revoke_at)| {
            if now < *revoke_at {
                soonest(*revoke_at);
                return true;
            }
            // Its turn comes when one under way ends (which wakes the keeper).
            if *revocations >= MOST_REVOCATIONS {
                return true;
            }
            work.push(Job {
                key: key.clone(),
                due: Due::Revoke(Arc::clone(issued), entry.source.clone(), InFlight::start()),
                _busy: Some(Busy::revocation(revocations, &entry.connection)),
            });
            false
        });
        if let Some(job) = plan_lease(entry, key, now, &mut soonest) {
            work.push(job);
        }
    }
    if work.iter().any(|job| matches!(job.due, Due::Reissue)) {
        work.extend(along(entries, now));
    }
    (
        work,
        next.map(|n| n.saturating_duration_since(now))
            .or(Some(Duration::from_secs(60))),
    )
}

/// The leases to re-issue along with one due now: each that could not be renewed and
/// is due within a second (a quarter of its life at most, so that none is re-issued
/// again and again). Re-issued together (each on a thread of its own), they are one
/// change to the program `run` restarts, not one each: a forty-sixth adversarial pass
/// saw three leases issued 300 ms apart restart the program three times a round.
fn along(entries: &mut [Entry], now: Instant) -> Vec<Job> {
    let mut jobs = Vec::new();
    for entry in entries.iter_mut().filter(|entry| !entry.busy) {
        let Some(held) = entry
            .current
            .as_ref()
            .filter(|held| held.capped && held.retry_at <= now)
        else {
            continue;
        };
        let early = ALONG.min(held.issued.duration / 4);
        if reissue_at(held, now) > now + early {
            continue;
        }
        let key = (Arc::clone(&entry.connection), entry.api.clone());
        jobs.push(Job {
            key,
            due: Due::Reissue,
            _busy: Some(Busy::entry(entry, true)),
        });
    }
    jobs
}

/// When `held` is re-issued, if it is not renewed: before it ends by a third of its
/// life, two seconds at least, half its life at most.
fn reissue_at(held: &Held, now: Instant) -> Instant {
    // At most half its life: a lease of 2 s or less was due again the moment it was
    // issued, and re-issued without end (a forty-fourth adversarial pass: 1,299 in
    // 60 s, the program restarted each time).
    let margin = (held.issued.duration / 3)
        .max(REISSUE_MARGIN)
        .min(held.issued.duration / 2);
    held.ends.checked_sub(margin).unwrap_or(now)
}

/// How much sooner than due a lease is re-issued along with another (see [`along`]).
const ALONG: Duration = Duration::from_secs(1);

/// What is due now for `entry`'s own lease (`key` names the entry): a renewal or a
/// re-issue; else when it will be, given to `soonest`.
fn plan_lease(
    entry: &mut Entry,
    key: Key,
    now: Instant,
    soonest: &mut impl FnMut(Instant),
) -> Option<Job> {
    let client = &entry.connection.client;
    // Its renewal or re-issue under way: planned again once it is done.
    if entry.busy {
        return None;
    }
    let held = entry.current.as_ref()?;
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
    let reissue_at = reissue_at(held, now);
    if moved || held.capped {
        let at = if moved {
            held.retry_at
        } else {
            reissue_at.max(held.retry_at)
        };
        if now >= at {
            return Some(Job {
                key,
                due: Due::Reissue,
                _busy: Some(Busy::entry(entry, true)),
            });
        }
        soonest(at);
        return None;
    }
    if now >= held.renew_at {
        let due = Due::Renew(Arc::clone(&held.issued));
        return Some(Job {
            key,
            due,
            _busy: Some(Busy::entry(entry, false)),
        });
    }
    soonest(held.renew_at.min(reissue_at.max(now)));
    None
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
