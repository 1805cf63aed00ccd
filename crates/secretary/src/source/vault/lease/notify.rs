//! Who hears of the leases: listeners told when credentials change (a
//! [`SecretManager`](crate::SecretManager) reads again), the observer told of every event
//! (the audit log), and the generation that counts the changes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::events::LeaseEvent;

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
pub(super) fn changed() {
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

fn lock_observer() -> MutexGuard<'static, Option<Arc<Observer>>> {
    OBSERVER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Tells the observer of `event`.
pub(super) fn emit(event: &LeaseEvent) {
    let observer = lock_observer().clone();
    if let Some(observer) = observer {
        observer(event);
    }
}
