//! What one process keeps apart from its parent and its children: the registry's lock
//! and the keeper's wake-up, one per generation of forks, and the count of lease work in
//! flight, by process id.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use super::registry::Registry;

/// This process's registry and the keeper's wake-up, made afresh in a child forked from
/// a process that had one: a lock held by a parent's thread at the fork would be held
/// forever in the child (a thirty-fourth adversarial pass hung one child in 470 forked
/// while the parent's threads read). The parent's is left as it is (never dropped: its
/// leases are the parent's).
pub(super) struct Shared {
    pid: u32,
    pub(super) registry: Mutex<Option<Registry>>,
    pub(super) wake: Condvar,
}

/// One [`Shared`] per generation of forks (a child's is the slot after its parent's):
/// made without a lock the parent could hold, and never freed.
static SLOTS: [OnceLock<Shared>; GENERATIONS] = [const { OnceLock::new() }; GENERATIONS];
/// The slot this process's [`Shared`] is in (its parent's, until its first use).
static SLOT: AtomicUsize = AtomicUsize::new(0);
/// How many generations of forks get a registry of their own (a process forked from a
/// fork from a fork...); the last shares its parent's.
const GENERATIONS: usize = 64;

/// This process's [`Shared`], made at its first use in each process.
pub(super) fn shared() -> &'static Shared {
    let pid = std::process::id();
    loop {
        let at = SLOT.load(Ordering::Acquire).min(GENERATIONS - 1);
        let shared = SLOTS[at].get_or_init(|| Shared {
            pid,
            registry: Mutex::new(None),
            wake: Condvar::new(),
        });
        if shared.pid == pid || at == GENERATIONS - 1 {
            return shared;
        }
        // A parent's: this process takes the next slot (once, whichever thread first).
        let _ = SLOT.compare_exchange(at, at + 1, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// The keeper's wake-up.
pub(super) fn wake() -> &'static Condvar {
    &shared().wake
}

/// How much lease work that can leave a live lease behind is in flight now, and in which
/// process: leases asked for and not yet registered (or revoked), and replaced leases
/// the keeper took to revoke. Renewals and logins are not: a renewal leaves no lease of
/// its own (a thirty-third adversarial pass had `run` wait 10 s, twice, for a slow
/// one). The process id (high half) and the count (low half) in one word: a child forked
/// during such work starts at none (the thread that would end it is not in the child).
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// [`IN_FLIGHT`]'s count, for this process.
pub(super) fn in_flight() -> u64 {
    let word = IN_FLIGHT.load(Ordering::SeqCst);
    if word >> 32 == u64::from(std::process::id()) {
        word & u64::from(u32::MAX)
    } else {
        0
    }
}
/// Lease work in flight, counted in [`IN_FLIGHT`] until it is done (Vault issues a lease
/// whether or not its answer is read: a revocation must wait for it).
pub(super) struct InFlight;

impl InFlight {
    pub(super) fn start() -> Self {
        let me = u64::from(std::process::id()) << 32;
        let _ = IN_FLIGHT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |word| {
            Some(if word >> 32 << 32 == me {
                word.saturating_add(1)
            } else {
                me | 1
            })
        });
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let me = u64::from(std::process::id()) << 32;
        let _ = IN_FLIGHT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |word| {
            (word >> 32 << 32 == me && word & u64::from(u32::MAX) > 0).then(|| word - 1)
        });
    }
}
