//! The leases this process holds, and the thread that keeps them: renewed at about two
//! thirds of their duration, re-issued before they end (a renewal refused, or the role's
//! `max_ttl` reached), the credentials they replace revoked after a grace period, every
//! one revoked by [`revoke_all`]. One lease per path and connection, whatever number of
//! resolutions ask for it.
//!
//! Kept by process id: a child forked after a lease was issued never renews or revokes
//! its parent's (and has no keeper thread: threads do not survive `fork`); it takes its
//! own at its first read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::super::client::{Body, SecretJson};
use super::super::{Access, Connection, VaultError, drive};
use super::LeaseError;
pub use super::events::{LeaseEvent, LeaseEventKind, LeaseInfo};

/// The least time before a lease ends at which it is re-issued.
const REISSUE_MARGIN: Duration = Duration::from_secs(2);

/// The longest wait between two retries of a failed renewal.
const RETRY_CAP: Duration = Duration::from_secs(10);

/// Credentials a lease carries, and what Vault said of it.
pub(super) struct Issued {
    /// The lease id (not a secret: it names the lease, and only a token allowed to may
    /// renew or revoke it).
    pub(super) id: String,
    /// The answer's `data`, zeroed when dropped.
    pub(super) data: SecretJson,
    /// The duration Vault gave at issue.
    pub(super) duration: Duration,
    /// Whether it may be renewed.
    pub(super) renewable: bool,
}

/// One lease held.
struct Held {
    issued: Arc<Issued>,
    /// When it ends, as last told.
    ends: Instant,
    /// When to renew it next.
    renew_at: Instant,
    /// Renewals no longer extend it (the role's `max_ttl`), or it cannot be renewed: it
    /// is re-issued before it ends.
    capped: bool,
    /// Failed renewals (or re-issues) in a row.
    failures: u32,
    /// No re-issue is tried before this (after one failed).
    retry_at: Instant,
}

/// A path's lease, and the ones it replaced, still alive for their grace period.
struct Entry {
    source: String,
    connection: Arc<Connection>,
    api: String,
    grace: Duration,
    current: Option<Held>,
    /// Replaced leases, each with when it is revoked.
    retiring: Vec<(Arc<Issued>, Instant)>,
    /// Why its credentials could not be kept: they ended and a new lease could not be
    /// had.
    expired: Option<LeaseError>,
}

struct Registry {
    pid: u32,
    entries: Vec<Entry>,
    keeper: bool,
    stopping: bool,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);
static WAKE: Condvar = Condvar::new();
static GENERATION: AtomicU64 = AtomicU64::new(0);
static OBSERVER: Mutex<Option<Arc<Observer>>> = Mutex::new(None);

type Observer = dyn Fn(&LeaseEvent) + Send + Sync;

type Listener = dyn Fn() + Send + Sync;

static LISTENERS: Mutex<Vec<(u64, Arc<Listener>)>> = Mutex::new(Vec::new());
static NEXT_LISTENER: AtomicU64 = AtomicU64::new(0);

/// A callback told of every change of [`generation`], until this is dropped.
#[must_use = "the callback is forgotten when this is dropped"]
#[derive(Debug)]
pub struct Listening(u64);

impl Drop for Listening {
    fn drop(&mut self) {
        lock_listeners().retain(|(id, _)| *id != self.0);
    }
}

/// Calls `callback` (on a thread of its own each time) whenever a lease's credentials
/// change: re-issued, or lost. A [`SecretManager`](crate::SecretManager) reads its
/// secrets again then, and tells its subscribers.
pub fn listen(callback: impl Fn() + Send + Sync + 'static) -> Listening {
    let id = NEXT_LISTENER.fetch_add(1, Ordering::SeqCst);
    lock_listeners().push((id, Arc::new(callback)));
    Listening(id)
}

fn lock_listeners() -> MutexGuard<'static, Vec<(u64, Arc<Listener>)>> {
    LISTENERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Bumps [`generation`] and tells the listeners, each on a thread of its own (so that a
/// listener that reads secrets again never holds up the keeper).
fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    let listeners: Vec<Arc<Listener>> = lock_listeners()
        .iter()
        .map(|(_, l)| Arc::clone(l))
        .collect();
    for listener in listeners {
        let _ = std::thread::Builder::new()
            .name("secretary-lease-change".to_owned())
            .spawn(move || listener());
    }
}

/// Calls `observer` with every lease event of this process from now on (the audit log).
pub fn observe(observer: impl Fn(&LeaseEvent) + Send + Sync + 'static) {
    *lock_observer() = Some(Arc::new(observer));
}

/// A number that changes whenever a lease's credentials change (re-issued, or ended
/// without a new one): a caller that saw another re-reads.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
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
                ttl_left: held.ends.saturating_duration_since(now),
                renewable: held.issued.renewable && !held.capped,
            })
        })
        .collect()
}

/// Why a lease's credentials were lost (ended, and none could be had again), if one's
/// were.
pub fn lost() -> Option<LeaseError> {
    let registry = lock();
    registry
        .as_ref()
        .filter(|r| r.pid == std::process::id())?
        .entries
        .iter()
        .find_map(|entry| entry.expired.clone())
}

/// Revokes every lease this process holds (those being replaced too), and stops
/// renewing: the credentials stop working now rather than at the end of their TTL.
/// Returns what happened to each.
pub fn revoke_all() -> Vec<LeaseEvent> {
    let entries = {
        let mut registry = lock();
        let Some(registry) = registry.as_mut().filter(|r| r.pid == std::process::id()) else {
            return Vec::new();
        };
        registry.stopping = true;
        std::mem::take(&mut registry.entries)
    };
    WAKE.notify_all();
    let mut events = Vec::new();
    for entry in entries {
        let leases = entry
            .current
            .iter()
            .map(|held| Arc::clone(&held.issued))
            .chain(entry.retiring.iter().map(|(issued, _)| Arc::clone(issued)));
        for issued in leases {
            events.push(revoke(&entry, &issued));
        }
    }
    for event in &events {
        emit(event);
    }
    if let Some(registry) = lock().as_mut() {
        registry.stopping = false;
    }
    events
}

/// The credentials of the lease on `api`, issued now when none is held.
pub(super) fn credentials(
    source: &str,
    connection: &Arc<Connection>,
    api: &str,
    grace: Duration,
) -> Result<Arc<Issued>, LeaseError> {
    {
        let mut registry = lock();
        let registry = fresh(&mut registry);
        if let Some(entry) = registry.entries.iter().find(|e| same(e, connection, api)) {
            if let Some(held) = &entry.current {
                if Instant::now() < held.ends {
                    return Ok(Arc::clone(&held.issued));
                }
            }
        }
    }
    let issued = Arc::new(issue(connection, api)?);
    let now = Instant::now();
    let held = Held {
        issued: Arc::clone(&issued),
        ends: now + issued.duration,
        renew_at: now + issued.duration * 2 / 3,
        capped: !issued.renewable,
        failures: 0,
        retry_at: now,
    };
    emit(&LeaseEvent {
        kind: LeaseEventKind::Issued,
        source: source.to_owned(),
        path: api.to_owned(),
        lease_id: issued.id.clone(),
        ttl: Some(issued.duration),
        error: None,
    });
    let mut registry = lock();
    let registry = fresh(&mut registry);
    match registry
        .entries
        .iter_mut()
        .find(|e| same(e, connection, api))
    {
        Some(entry) => {
            if let Some(old) = entry.current.replace(held) {
                entry.retiring.push((old.issued, now));
            }
            entry.expired = None;
        }
        None => registry.entries.push(Entry {
            source: source.to_owned(),
            connection: Arc::clone(connection),
            api: api.to_owned(),
            grace,
            current: Some(held),
            retiring: Vec::new(),
            expired: None,
        }),
    }
    if !registry.keeper {
        registry.keeper = true;
        let spawned = std::thread::Builder::new()
            .name("secretary-leases".to_owned())
            .spawn(keep);
        if spawned.is_err() {
            registry.keeper = false;
        }
    }
    WAKE.notify_all();
    Ok(issued)
}

fn same(entry: &Entry, connection: &Arc<Connection>, api: &str) -> bool {
    Arc::ptr_eq(&entry.connection, connection) && entry.api == api
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
    })
}

fn lock() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock_observer() -> MutexGuard<'static, Option<Arc<Observer>>> {
    OBSERVER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn emit(event: &LeaseEvent) {
    let observer = lock_observer().clone();
    if let Some(observer) = observer {
        observer(event);
    }
}

/// Reads `api` once: new credentials and their lease.
fn issue(connection: &Connection, api: &str) -> Result<Issued, LeaseError> {
    let client = &connection.client;
    let reply = drive(connection.runtime.get(), async {
        client.send(Method::GET, api, None, None).await
    })
    .map_err(LeaseError::Vault)?;
    if reply.status != 200 {
        return Err(LeaseError::Vault(client.error_for(
            &reply,
            api,
            Access::Read,
        )));
    }
    let mut json = reply.json();
    let id = json
        .expose()
        .get("lease_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let seconds = json
        .expose()
        .get("lease_duration")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let renewable = json
        .expose()
        .get("renewable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if id.is_empty() || seconds == 0 {
        return Err(LeaseError::NotALease {
            path: api.to_owned(),
        });
    }
    let data = json
        .take_object("/data")
        .ok_or_else(|| LeaseError::NoData {
            path: api.to_owned(),
        })?;
    Ok(Issued {
        id,
        data,
        duration: Duration::from_secs(seconds),
        renewable,
    })
}

/// Which entry: its connection and path.
type Key = (Arc<Connection>, String);

/// What the keeper does for one lease this turn.
enum Due {
    /// The login token that owns the leases: renewed when due.
    Login,
    Renew(Arc<Issued>),
    Reissue,
    Revoke(Arc<Issued>),
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
        let (work, wait) = plan(registry);
        if work.is_empty() {
            // Planned and waited under one lock: a lease added meanwhile wakes it.
            let _ = WAKE.wait_timeout(guard, wait.unwrap_or(Duration::from_secs(60)));
            continue;
        }
        drop(guard);
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
    let mut logins: Vec<*const Connection> = Vec::new();
    for entry in &mut registry.entries {
        let key = (Arc::clone(&entry.connection), entry.api.clone());
        if !logins.contains(&Arc::as_ptr(&entry.connection)) {
            logins.push(Arc::as_ptr(&entry.connection));
            if let Some(due) = entry.connection.client.login_due() {
                if now >= due {
                    work.push((key.clone(), Due::Login));
                } else {
                    soonest(due);
                }
            }
        }
        entry.retiring.retain(|(issued, at)| {
            let revoke_at = *at + entry.grace;
            if now >= revoke_at {
                work.push((key.clone(), Due::Revoke(Arc::clone(issued))));
                false
            } else {
                soonest(revoke_at);
                true
            }
        });
        let Some(held) = &entry.current else {
            continue;
        };
        let margin = (held.issued.duration / 3).max(REISSUE_MARGIN);
        let reissue_at = held.ends.checked_sub(margin).unwrap_or(now);
        if held.capped {
            let at = reissue_at.max(held.retry_at);
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
    let (source, grace) = {
        let registry = lock();
        let Some(entry) = registry
            .as_ref()
            .and_then(|r| r.entries.iter().find(|e| same(e, &connection, &api)))
        else {
            return;
        };
        (entry.source.clone(), entry.grace)
    };
    let template = Entry {
        source: source.clone(),
        connection: Arc::clone(&connection),
        api: api.clone(),
        grace,
        current: None,
        retiring: Vec::new(),
        expired: None,
    };
    match due {
        Due::Login => {
            let client = &connection.client;
            if let Err(error) = drive(connection.runtime.get(), client.keep_login()) {
                emit(&LeaseEvent {
                    kind: LeaseEventKind::RenewFailed,
                    source,
                    path: api,
                    lease_id: String::new(),
                    ttl: None,
                    error: Some(format!("the login that owns the lease: {error}")),
                });
                // Not again at once: the next renewal of a lease retries the login.
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        Due::Revoke(issued) => emit(&revoke(&template, &issued)),
        Due::Renew(issued) => {
            let outcome = renew(&connection, &issued);
            let mut registry = lock();
            let Some(entry) = registry
                .as_mut()
                .and_then(|r| r.entries.iter_mut().find(|e| same(e, &connection, &api)))
            else {
                return;
            };
            let Some(held) = entry
                .current
                .as_mut()
                .filter(|h| Arc::ptr_eq(&h.issued, &issued))
            else {
                return;
            };
            let now = Instant::now();
            let event = match outcome {
                Ok(granted) => {
                    held.failures = 0;
                    held.ends = now + granted;
                    held.renew_at = now + held.issued.duration * 2 / 3;
                    // Less than asked: the role's max_ttl is near; only new credentials
                    // will do after this.
                    if granted < held.issued.duration {
                        held.capped = true;
                    }
                    LeaseEvent {
                        kind: LeaseEventKind::Renewed,
                        source,
                        path: api,
                        lease_id: issued.id.clone(),
                        ttl: Some(granted),
                        error: None,
                    }
                }
                Err(error) => {
                    held.failures = held.failures.saturating_add(1);
                    // Refused (the lease is gone, or may not be renewed): re-issue. Else
                    // try again, sooner as its end nears.
                    if error.refused() {
                        held.capped = true;
                    } else {
                        let left = held.ends.saturating_duration_since(now);
                        held.renew_at = now + back_off(held.failures, left);
                    }
                    LeaseEvent {
                        kind: LeaseEventKind::RenewFailed,
                        source,
                        path: api,
                        lease_id: issued.id.clone(),
                        ttl: None,
                        error: Some(error.to_string()),
                    }
                }
            };
            drop(registry);
            emit(&event);
        }
        Due::Reissue => reissue(&source, &connection, &api),
    }
}

/// New credentials for `api` before the current ones end; the old lease is revoked after
/// the grace period. When none can be had, the lease is retried until it ends, and then
/// its credentials are lost.
fn reissue(source: &str, connection: &Arc<Connection>, api: &str) {
    let old_id = {
        let registry = lock();
        registry
            .as_ref()
            .and_then(|r| r.entries.iter().find(|e| same(e, connection, api)))
            .and_then(|e| e.current.as_ref())
            .map(|held| (held.issued.id.clone(), held.ends))
    };
    match issue(connection, api) {
        Ok(issued) => {
            let issued = Arc::new(issued);
            let now = Instant::now();
            {
                let mut registry = lock();
                let Some(entry) = registry
                    .as_mut()
                    .and_then(|r| r.entries.iter_mut().find(|e| same(e, connection, api)))
                else {
                    return;
                };
                let held = Held {
                    issued: Arc::clone(&issued),
                    ends: now + issued.duration,
                    renew_at: now + issued.duration * 2 / 3,
                    capped: !issued.renewable,
                    failures: 0,
                    retry_at: now,
                };
                if let Some(old) = entry.current.replace(held) {
                    entry.retiring.push((old.issued, now));
                }
                entry.expired = None;
            }
            changed();
            WAKE.notify_all();
            emit(&LeaseEvent {
                kind: LeaseEventKind::Reissued,
                source: source.to_owned(),
                path: api.to_owned(),
                lease_id: issued.id.clone(),
                ttl: Some(issued.duration),
                error: None,
            });
        }
        Err(error) => {
            let now = Instant::now();
            let ended = old_id.as_ref().is_none_or(|(_, ends)| now >= *ends);
            let mut event = LeaseEvent {
                kind: LeaseEventKind::RenewFailed,
                source: source.to_owned(),
                path: api.to_owned(),
                lease_id: old_id
                    .as_ref()
                    .map(|(id, _)| id.clone())
                    .unwrap_or_default(),
                ttl: None,
                error: Some(error.to_string()),
            };
            {
                let mut registry = lock();
                if let Some(entry) = registry
                    .as_mut()
                    .and_then(|r| r.entries.iter_mut().find(|e| same(e, connection, api)))
                {
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
    }
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

/// Renews `issued` by its original duration: the duration granted.
fn renew(connection: &Connection, issued: &Issued) -> Result<Duration, RenewError> {
    #[derive(serde::Serialize)]
    struct Renew<'a> {
        lease_id: &'a str,
        increment: u64,
    }
    let body = Body::json(&Renew {
        lease_id: &issued.id,
        increment: issued.duration.as_secs(),
    });
    let client = &connection.client;
    let reply = drive(connection.runtime.get(), async {
        client
            .send(Method::PUT, "sys/leases/renew", None, Some(&body))
            .await
    })
    .map_err(RenewError::Vault)?;
    if reply.status != 200 {
        return Err(RenewError::Refused(client.error_for(
            &reply,
            "sys/leases/renew",
            Access::Write,
        )));
    }
    let granted = reply
        .json()
        .expose()
        .get("lease_duration")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if granted == 0 {
        return Err(RenewError::Refused(VaultError::Unexpected {
            path: "sys/leases/renew".to_owned(),
            what: "a renewal that grants no time".to_owned(),
        }));
    }
    Ok(Duration::from_secs(granted))
}

/// A renewal that failed.
#[derive(Debug, thiserror::Error)]
enum RenewError {
    /// Vault answered no: the lease is gone, or may not be renewed.
    #[error("{0}")]
    Refused(VaultError),
    /// Vault could not be reached.
    #[error("{0}")]
    Vault(VaultError),
}

impl RenewError {
    fn refused(&self) -> bool {
        matches!(self, Self::Refused(_))
    }
}

/// Revokes `issued` now.
fn revoke(entry: &Entry, issued: &Issued) -> LeaseEvent {
    #[derive(serde::Serialize)]
    struct Revoke<'a> {
        lease_id: &'a str,
    }
    let body = Body::json(&Revoke {
        lease_id: &issued.id,
    });
    let client = &entry.connection.client;
    let outcome = drive(entry.connection.runtime.get(), async {
        client
            .send(Method::PUT, "sys/leases/revoke", None, Some(&body))
            .await
    });
    let error = match outcome {
        Ok(reply) if matches!(reply.status, 200 | 204) => None,
        Ok(reply) => Some(
            client
                .error_for(&reply, "sys/leases/revoke", Access::Write)
                .to_string(),
        ),
        Err(error) => Some(error.to_string()),
    };
    LeaseEvent {
        kind: LeaseEventKind::Revoked,
        source: entry.source.clone(),
        path: entry.api.clone(),
        lease_id: issued.id.clone(),
        ttl: None,
        error,
    }
}
