//! Who hears of the leases: listeners told when credentials change (a
//! [`SecretManager`](crate::SecretManager) reads again), the observers told of every
//! event (the audit logs: each manager's, the command line's), and the generation that
//! counts the changes.
//!
//! Their lists' locks are only tried, for a bounded time: a child forked while a thread
//! of its parent held one would otherwise wait forever (a thirty-fourth adversarial
//! pass); it then tells no one, rather than hang.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use super::events::LeaseEvent;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static OBSERVERS: Mutex<Vec<(u64, Arc<Observer>)>> = Mutex::new(Vec::new());

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
        if let Some(mut listeners) = tried(&LISTENERS) {
            listeners.retain(|(id, _)| *id != self.0);
        }
    }
}

/// An observer told of every lease event, until this is dropped.
#[must_use = "the observer is forgotten when this is dropped"]
#[derive(Debug)]
pub struct Observing(u64);

impl Drop for Observing {
    fn drop(&mut self) {
        if let Some(mut observers) = tried(&OBSERVERS) {
            observers.retain(|(id, _)| *id != self.0);
        }
    }
}

/// How long to try for a list's lock: it is held only to add, remove or copy.
const LOCK_WAIT: Duration = Duration::from_millis(50);

/// `lock`, if it can be had within [`LOCK_WAIT`].
fn tried<T>(lock: &'static Mutex<T>) -> Option<MutexGuard<'static, T>> {
    let started = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// Calls `callback` (on a thread of its own each time) whenever a lease's credentials
/// change: re-issued, or lost. A [`SecretManager`](crate::SecretManager) reads its
/// secrets again then, and tells its subscribers.
pub fn listen(callback: impl Fn() + Send + Sync + 'static) -> Listening {
    let id = NEXT_LISTENER.fetch_add(1, Ordering::SeqCst);
    if let Some(mut listeners) = tried(&LISTENERS) {
        listeners.push((id, Arc::new(callback)));
    }
    Listening(id)
}

/// Bumps [`generation`] and tells the listeners, each on a thread of its own (so that a
/// listener that reads secrets again never holds up the keeper).
pub(super) fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    let listeners: Vec<Arc<Listener>> = tried(&LISTENERS)
        .map(|listeners| listeners.iter().map(|(_, l)| Arc::clone(l)).collect())
        .unwrap_or_default();
    for listener in listeners {
        let _ = std::thread::Builder::new()
            .name("secretary-lease-change".to_owned())
            .spawn(move || listener());
    }
}

/// Calls `observer` with every lease event of this process from now on (an audit log),
/// until the [`Observing`] it gives is dropped. Every observer is told of every event:
/// one manager's lease may be another's too (a thirty-fourth adversarial pass saw a
/// manager's events go to the log of the last manager made, or to none once it was
/// dropped).
pub fn observe(observer: impl Fn(&LeaseEvent) + Send + Sync + 'static) -> Observing {
    let id = NEXT_LISTENER.fetch_add(1, Ordering::SeqCst);
    if let Some(mut observers) = tried(&OBSERVERS) {
        observers.push((id, Arc::new(observer)));
    }
    Observing(id)
}

/// A number that changes whenever a lease's credentials change (re-issued, or ended
/// without a new one): a caller that saw another re-reads.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

/// Tells every observer of `event`.
pub(super) fn emit(event: &LeaseEvent) {
    let observers: Vec<Arc<Observer>> = tried(&OBSERVERS)
        .map(|observers| observers.iter().map(|(_, o)| Arc::clone(o)).collect())
        .unwrap_or_default();
    for observer in observers {
        observer(event);
    }
}
