//! Revoking every lease this process holds: at the end of a command, at a manager's
//! `close`, at the interpreter's exit, and when a signal stops the process.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::super::VaultError;
use super::calls::{Issued, Whose, revoke_by};
use super::events::{LeaseEvent, LeaseEventKind};
use super::notify::emit;
use super::process::{InFlight, in_flight, wake};
use super::registry::lock;

/// How long [`revoke_all`] waits for work in flight (a lease being issued or re-issued,
/// or one replaced being revoked) to end, so that what it issues is revoked too.
pub(super) const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);

/// Revokes every lease this process holds (those being replaced too), and stops
/// renewing: the credentials stop working now rather than at the end of their TTL.
/// A lease being issued or re-issued now is waited for and revoked too. Vault is given
/// 10 s in all: a revocation not answered by then is given up, and said as failed (its
/// credentials then live until their TTL). Returns what happened to each, and every
/// revocation that failed since the last call, on any thread (each given once: say
/// them); when the wait ran out with a lease still being issued, an event with no lease
/// id and that error.
pub fn revoke_all() -> Vec<LeaseEvent> {
    revoke_all_by(Instant::now() + IN_FLIGHT_WAIT)
}

/// [`revoke_all`], waiting for work in flight until `deadline`: what is registered now
/// is revoked; then, once nothing is in flight (a re-issue whose lease was taken from
/// under it revokes its new one itself), what was registered meanwhile.
fn revoke_all_by(deadline: Instant) -> Vec<LeaseEvent> {
    let mut events = revoke_registered(deadline);
    while in_flight() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let left = in_flight();
    // Those being revoked (by another call: the command's own end) are named: their ids
    // are known (a fortieth adversarial pass saw only a count said).
    let named = if left > 0 { under_way() } else { Vec::new() };
    events.extend(revoke_registered(deadline));
    // Its own failures are among the unsaid, with those of every other thread so far (a
    // re-issue's orphan, the keeper's revocation of a replaced lease, a reader's late
    // lease): given once, to whichever call takes them.
    events.retain(|event| event.error.is_none());
    events.extend(unsaid());
    // `left` counts calls in flight: a revocation of many leases is one (a forty-first
    // adversarial pass saw an issue in flight hidden by the leases of one such call).
    let unnamed = left.saturating_sub(REVOKING_CALLS.load(Ordering::SeqCst));
    events.extend(named);
    if unnamed > 0 {
        events.push(LeaseEvent {
            kind: LeaseEventKind::Revoked,
            source: String::new(),
            path: String::new(),
            lease_id: String::new(),
            ttl: None,
            // Not "a lease was issued": the request may not have been sent (a login
            // under way at the stop sends none: a fortieth adversarial pass).
            error: Some(format!(
                "{unnamed} request(s) for a lease, or its revocation, still under way when the wait ended: a lease Vault issued for one lives until its TTL"
            )),
        });
    }
    events
}

/// The leases being revoked now (by this process, on any thread), each with its source
/// and path: taken from [`revoke_registered`] until their events are told.
static REVOKING: Mutex<Vec<(u32, String, String, String)>> = Mutex::new(Vec::new());

/// How many [`revoke_registered`] calls that took leases are in flight now: each is one
/// of [`in_flight`]'s, whatever the number of leases it names in [`REVOKING`].
static REVOKING_CALLS: AtomicU64 = AtomicU64::new(0);

/// Each lease [`REVOKING`] holds for this process, as a failed revocation: Vault did not
/// answer it in time.
fn under_way() -> Vec<LeaseEvent> {
    let pid = std::process::id();
    let Some(revoking) = bounded_lock(&REVOKING) else {
        return Vec::new();
    };
    revoking
        .iter()
        .filter(|(made, ..)| *made == pid)
        .map(|(_, source, path, id)| LeaseEvent {
            kind: LeaseEventKind::Revoked,
            source: source.clone(),
            path: path.clone(),
            lease_id: id.clone(),
            ttl: None,
            error: Some("Vault did not answer its revocation in time".to_owned()),
        })
        .collect()
}

/// How many times this process's leases were revoked ([`revoke_all`]) while some were
/// held.
static REVOCATIONS: AtomicU64 = AtomicU64::new(0);

/// A number that changes whenever [`revoke_all`] revokes leases: a
/// [`SecretManager`](crate::SecretManager) that saw another drops what it holds, as the
/// credentials may be a revoked lease's (a thirty-fourth adversarial pass had one
/// manager serve credentials another's `close` had revoked).
pub fn revocations() -> u64 {
    REVOCATIONS.load(Ordering::SeqCst)
}

/// Takes every lease registered now and revokes it, each given up at `deadline`.
fn revoke_registered(deadline: Instant) -> Vec<LeaseEvent> {
    // In flight from their taking, under the lock, until their events are told: another
    // thread's `revoke_all` (a stop on a signal) waits for them (a thirty-sixth
    // adversarial pass saw a stop end the process under a revocation the command's end
    // had begun).
    let (entries, _revoking) = {
        let mut registry = lock();
        let Some(registry) = registry.as_mut().filter(|r| r.pid == std::process::id()) else {
            return Vec::new();
        };
        registry.stopping = true;
        (std::mem::take(&mut registry.entries), InFlight::start())
    };
    if !entries.is_empty() {
        REVOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
    wake().notify_all();
    // A lease that ended (its TTL, or its login token's) is gone: not revoked, nor said
    // as one that may still work (a forty-first adversarial pass).
    let now = Instant::now();
    let live = |entry: &super::registry::Entry| {
        entry
            .current
            .as_ref()
            .filter(|held| held.end(&entry.connection) > now)
            .map(|held| Arc::clone(&held.issued))
    };
    let named: Vec<(u32, String, String, String)> = entries
        .iter()
        .flat_map(|entry| {
            let ids = live(entry)
                .into_iter()
                .map(|issued| issued.id.clone())
                .chain(entry.retiring.iter().map(|(issued, _)| issued.id.clone()));
            ids.map(|id| {
                (
                    std::process::id(),
                    entry.source.clone(),
                    entry.api.clone(),
                    id,
                )
            })
        })
        .collect();
    let counted = !named.is_empty();
    if let Some(mut revoking) = bounded_lock(&REVOKING) {
        revoking.extend(named.iter().cloned());
    }
    if counted {
        REVOKING_CALLS.fetch_add(1, Ordering::SeqCst);
    }
    // All at once, each on a thread of its own: one revocation Vault does not answer
    // does not leave the time of the others to none (a thirty-fifth adversarial pass saw
    // the lease after a stalled one never asked for).
    let events: Vec<LeaseEvent> = std::thread::scope(|scope| {
        let revoking: Vec<_> = entries
            .iter()
            .flat_map(|entry| {
                live(entry)
                    .into_iter()
                    .chain(entry.retiring.iter().map(|(issued, _)| Arc::clone(issued)))
                    .map(move |issued| (entry, issued))
            })
            .map(|(entry, issued)| {
                let revoke = move |issued: &Issued| {
                    let whose = Whose {
                        source: &entry.source,
                        connection: &entry.connection,
                        api: &entry.api,
                    };
                    revoke_by(&whose, issued, Some(deadline))
                };
                let on_thread = Arc::clone(&issued);
                // A thread the system refuses (a pids limit) is no reason to leave the
                // lease alive unsaid: revoked here then (a forty-fourth adversarial pass
                // saw `spawn` panic, and the leases not yet revoked lost).
                std::thread::Builder::new()
                    .name("secretary-revoke".to_owned())
                    .spawn_scoped(scope, move || revoke(&on_thread))
                    .map_or_else(|_| Revoking::Done(revoke(&issued)), Revoking::Thread)
            })
            .collect();
        revoking
            .into_iter()
            .filter_map(|revoking| match revoking {
                Revoking::Thread(thread) => thread.join().ok(),
                Revoking::Done(event) => Some(event),
            })
            .collect()
    });
    for event in &events {
        emit(event);
    }
    told(&events);
    if let Some(mut revoking) = bounded_lock(&REVOKING) {
        revoking.retain(|held| !named.contains(held));
    }
    if counted {
        REVOKING_CALLS.fetch_sub(1, Ordering::SeqCst);
    }
    if let Some(registry) = lock().as_mut() {
        registry.stopping = false;
    }
    events
}

/// A revocation on a thread of its own, or done already (no thread could be had).
enum Revoking<'scope> {
    Thread(std::thread::ScopedJoinHandle<'scope, LeaseEvent>),
    Done(LeaseEvent),
}

/// Revokes what is registered now, waiting for nothing in flight: for a thread that is
/// itself in flight (a reader that registered a lease once the process was ending).
pub(super) fn revoke_registered_now() -> Vec<LeaseEvent> {
    revoke_registered(Instant::now() + IN_FLIGHT_WAIT)
}

/// Revocations that failed and were not yet given to anyone, from any thread: the
/// command's own end, a re-issue's orphan, the keeper's revocation of a replaced lease, a
/// reader revoking a lease it issued once the process was ending. The next
/// [`revoke_all`] (or the stop's [`revoke_all_within`]) gives them, once (a
/// thirty-seventh and a thirty-eighth adversarial pass saw such failures never said: on
/// another thread, or taken by a call whose output a signal then silenced).
/// Each with the process that made it: a child forked from a process that had some
/// says only its own (a thirty-ninth adversarial pass: each forked worker's exit would
/// repeat its parent's).
static UNSAID: Mutex<Vec<(u32, LeaseEvent)>> = Mutex::new(Vec::new());

/// How long to try for [`UNSAID`]'s lock: held only to add or take, but a child forked
/// while a parent's thread held it would wait forever.
const UNSAID_WAIT: Duration = Duration::from_millis(50);

/// [`UNSAID`]'s lock, if it can be had within [`UNSAID_WAIT`].
fn unsaid_lock() -> Option<std::sync::MutexGuard<'static, Vec<(u32, LeaseEvent)>>> {
    bounded_lock(&UNSAID)
}

/// `mutex`'s lock, if it can be had within [`UNSAID_WAIT`]: held only to add or take,
/// but a child forked while a parent's thread held it would wait forever.
fn bounded_lock<T>(mutex: &'static Mutex<T>) -> Option<std::sync::MutexGuard<'static, T>> {
    let started = Instant::now();
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) if started.elapsed() < UNSAID_WAIT => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(std::sync::TryLockError::WouldBlock) => return None,
        }
    }
}

/// Keeps the failures among `events` until a [`revoke_all`] gives them.
pub(super) fn told(events: &[LeaseEvent]) {
    let pid = std::process::id();
    let mut failed = events
        .iter()
        .filter(|event| event.error.is_some())
        .map(|event| (pid, event.clone()))
        .peekable();
    if failed.peek().is_none() {
        return;
    }
    if let Some(mut unsaid) = unsaid_lock() {
        unsaid.extend(failed);
    }
}

/// The revocations that failed and were not given yet (by [`revoke_all`]), taken, each
/// once: for a command that keeps its leases (`get`, `export`) and so never calls
/// [`revoke_all`], yet must say a revocation that failed on the way (a forty-second
/// adversarial pass: an unusable lease's refused revocation went unsaid there).
pub fn failed_revocations() -> Vec<LeaseEvent> {
    unsaid()
}

/// This process's failures not given yet, taken.
fn unsaid() -> Vec<LeaseEvent> {
    let pid = std::process::id();
    let Some(mut unsaid) = unsaid_lock() else {
        return Vec::new();
    };
    let (own, others): (Vec<_>, Vec<_>) = std::mem::take(&mut *unsaid)
        .into_iter()
        .partition(|(made, _)| *made == pid);
    // A parent's, inherited through fork: dropped here, never said (the parent says them).
    drop(others);
    own.into_iter().map(|(_, event)| event).collect()
}

/// Set by [`revoke_all_within`]: no lease is asked for from now on, and one asked for
/// before and registered after is revoked at once.
static ENDING: AtomicBool = AtomicBool::new(false);

/// Whether the process is ending ([`revoke_all_within`]).
pub(super) fn ending() -> bool {
    ENDING.load(Ordering::SeqCst)
}

/// [`revoke_all`], for a process about to end on a signal: work in flight is waited for
/// until `deadline` (not 10 s), no lease is asked for after this call, and one being
/// issued is revoked as soon as it is registered.
pub fn revoke_all_within(deadline: Instant) -> Vec<LeaseEvent> {
    ENDING.store(true, Ordering::SeqCst);
    revoke_all_by(deadline)
}

/// Revokes the login tokens this process's connections logged in for (AppRole, JWT),
/// each unless a lease it read is still held (a lease ends with the token that read it:
/// `get` and `export` leave theirs, and that token, to their TTL; a forty-eighth
/// adversarial pass saw another connection's token kept for it). A token of the user's
/// (`VAULT_TOKEN`) is never revoked. Otherwise each command left its login's token
/// usable until its TTL (768 h by Vault's default), one more for each run (a
/// forty-sixth adversarial pass). Each connection within `within`, all at once (the
/// forty-eighth saw a slow server take a healthy one's time, and the healthy one blamed
/// for it); what could not be revoked, each with why.
pub fn log_out_within(within: Duration) -> Vec<VaultError> {
    let connections: Vec<_> = super::super::shared::kept_here()
        .into_iter()
        .filter(|connection| !super::registry::holds_on(connection))
        .collect();
    let log_out = |connection: &super::super::Connection| connection.log_out_within(within);
    std::thread::scope(|scope| {
        let running: Vec<_> = connections
            .iter()
            .map(|connection| {
                // Where no thread can be had, here (one at a time).
                std::thread::Builder::new()
                    .name("secretary-log-out".to_owned())
                    .spawn_scoped(scope, move || log_out(connection))
                    .map_err(|_| connection)
            })
            .collect();
        running
            .into_iter()
            .map(|running| match running {
                Ok(thread) => thread.join().unwrap_or(Ok(false)),
                Err(connection) => log_out(connection),
            })
            .filter_map(Result::err)
            .collect()
    })
}
