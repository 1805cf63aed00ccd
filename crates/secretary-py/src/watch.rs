//! `on_change` from the background: a lease re-issued by the library's keeper thread
//! tells the application at once, not at its next call into the manager.
//!
//! A manager with a `vault_lease` source and at least one `on_change` callback has one
//! daemon `threading.Thread` ("secretary-on-change") running `secretary._on_change.run`
//! over a [`Watcher`]. It waits for the library manager's change channel with the
//! interpreter lock released (`py.detach`), takes the lock only to call the callbacks,
//! and ends when:
//!
//! - the interpreter exits: an `atexit` hook ([`stop_all`]), registered when the module
//!   is imported (so that it runs before the hook that revokes the leases), wakes every
//!   watcher and joins it, with a bound, while the interpreter still runs. A thread that
//!   would re-take the interpreter lock during finalisation is stopped by Python
//!   mid-call; none is left waiting in Rust by then.
//! - the process forks: threads do not survive `fork`, and the watcher of the parent's
//!   manager would wait on the parent's channel. A child that uses the manager starts a
//!   watcher of its own over its own manager (see `manager.rs`), once.
//!
//! Each change is told once: the watcher and a caller's thread take it from the same
//! receiver, under a lock, and whichever comes first calls the callbacks.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::manager::{Callbacks, Handle, take_change};

/// Set by the `atexit` hook: every watcher ends.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The watchers this process started: the process id, the `threading.Thread` to join at
/// exit and what wakes it. Touched only with the interpreter lock held, so never held by
/// another thread at a `fork` (which Python makes with the lock held). A child forgets
/// its parent's: their threads did not survive the fork, and a `Notify` a thread of the
/// parent waited on still lists that thread.
static WATCHERS: Mutex<Vec<Started>> = Mutex::new(Vec::new());

/// One watcher started.
struct Started {
    pid: u32,
    thread: Py<PyAny>,
    stop: Arc<tokio::sync::Notify>,
}

/// The longest one wait lasts before the watcher looks at the fork count and the stop
/// flag again (it is woken at once for a change or the stop).
const WAIT: Duration = Duration::from_secs(5);

/// How long the `atexit` hook waits for one watcher to end (one still in a callback
/// after that is left to Python, as any daemon thread is).
const JOIN: f64 = 2.0;

/// What one watcher thread waits on; its loop is `secretary._on_change.run`, in Python,
/// so that no Rust frame is on the thread's stack while a callback runs (a thread that
/// Python stops during finalisation then stops in Python code only).
#[pyclass(frozen, module = "secretary._native", name = "_Watcher")]
pub struct Watcher {
    handle: Arc<Handle>,
    callbacks: Callbacks,
    /// The fork count the watcher was started at: in a child it ends.
    born: u64,
    /// Woken at the interpreter's exit; this watcher's own (see [`WATCHERS`]).
    stop: Arc<tokio::sync::Notify>,
    /// The wait's own runtime and receiver, made at the first `next`: only the watcher's
    /// thread calls it.
    waiting: Mutex<Option<Waiting>>,
}

/// A watcher's runtime (for the time-out) and its receiver of the manager's changes.
struct Waiting {
    runtime: tokio::runtime::Runtime,
    receiver: tokio::sync::watch::Receiver<secretary::Change>,
}

#[pymethods]
impl Watcher {
    /// Waits, with the interpreter lock released, for the next change, and returns the
    /// keys that changed with the callbacks to call; ``None`` when the thread should end
    /// (the interpreter exits, or this is a forked child of the process that started
    /// it).
    #[expect(
        clippy::type_complexity,
        reason = "what Python receives: a tuple of the keys and the callbacks"
    )]
    fn next(&self, py: Python<'_>) -> PyResult<Option<(Vec<String>, Vec<Py<PyAny>>)>> {
        let Ok(mut waiting) = self.waiting.try_lock() else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "a secretary on_change watcher is waited on by one thread only",
            ));
        };
        let waiting = match &mut *waiting {
            Some(waiting) => waiting,
            slot => slot.insert(Waiting {
                runtime: tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .map_err(|error| {
                        pyo3::exceptions::PyRuntimeError::new_err(format!(
                            "secretary could not start its on_change thread: {error}"
                        ))
                    })?,
                receiver: self.handle.manager.subscribe(),
            }),
        };
        loop {
            if STOPPING.load(Ordering::SeqCst) || crate::manager::forks() != self.born {
                return Ok(None);
            }
            let Waiting { runtime, receiver } = waiting;
            let stop = &self.stop;
            match py.detach(|| runtime.block_on(wait(receiver, stop))) {
                Woke::Changed => {
                    receiver.borrow_and_update();
                    if let Some(keys) = take_change(&self.handle) {
                        let callbacks = self
                            .callbacks
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .iter()
                            .map(|callback| callback.clone_ref(py))
                            .collect();
                        return Ok(Some((keys, callbacks)));
                    }
                }
                Woke::Closed => return Ok(None),
                Woke::Again => {}
            }
        }
    }
}

/// What ended one wait.
enum Woke {
    /// The manager told of a change.
    Changed,
    /// The manager is gone.
    Closed,
    /// The stop, or [`WAIT`] passed: look at the flags again.
    Again,
}

/// Waits for a change, `stop`, or [`WAIT`], whichever comes first.
async fn wait(
    receiver: &mut tokio::sync::watch::Receiver<secretary::Change>,
    stop: &tokio::sync::Notify,
) -> Woke {
    // Made before the flag is read (by the caller's loop, and here again), so that a
    // stop between the two is not missed.
    let mut stopped = pin!(stop.notified());
    stopped.as_mut().enable();
    if STOPPING.load(Ordering::SeqCst) {
        return Woke::Again;
    }
    let mut changed = pin!(receiver.changed());
    let either = std::future::poll_fn(|context| {
        if let Poll::Ready(outcome) = changed.as_mut().poll(context) {
            return Poll::Ready(if outcome.is_ok() {
                Woke::Changed
            } else {
                Woke::Closed
            });
        }
        if stopped.as_mut().poll(context).is_ready() {
            return Poll::Ready(Woke::Again);
        }
        Poll::Pending
    });
    tokio::time::timeout(WAIT, either)
        .await
        .unwrap_or(Woke::Again)
}

/// Starts a watcher over `handle` for `callbacks`, as a daemon thread; `born` is the
/// fork count now.
pub fn start(py: Python<'_>, handle: Arc<Handle>, callbacks: Callbacks, born: u64) -> PyResult<()> {
    if STOPPING.load(Ordering::SeqCst) {
        return Ok(());
    }
    let stop = Arc::new(tokio::sync::Notify::new());
    let watcher = Py::new(
        py,
        Watcher {
            handle,
            callbacks,
            born,
            stop: Arc::clone(&stop),
            waiting: Mutex::new(None),
        },
    )?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("target", py.import("secretary._on_change")?.getattr("run")?)?;
    kwargs.set_item("args", (watcher,))?;
    kwargs.set_item("name", "secretary-on-change")?;
    kwargs.set_item("daemon", true)?;
    let thread = py
        .import("threading")?
        .getattr("Thread")?
        .call((), Some(&kwargs))?;
    thread.call_method0("start")?;
    let mut watchers = mine(py);
    watchers.push(Started {
        pid: std::process::id(),
        thread: thread.unbind(),
        stop,
    });
    keep(watchers);
    Ok(())
}

/// Takes [`WATCHERS`], without those of a parent process (forgotten, never dropped) or
/// those whose thread has ended. (The lock is not held while Python is called.)
fn mine(py: Python<'_>) -> Vec<Started> {
    let taken: Vec<Started> = WATCHERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain(..)
        .collect();
    let pid = std::process::id();
    let mut kept = Vec::with_capacity(taken.len() + 1);
    for started in taken {
        if started.pid != pid {
            std::mem::forget(started);
            continue;
        }
        let alive = started
            .thread
            .call_method0(py, "is_alive")
            .and_then(|alive| alive.extract::<bool>(py))
            .unwrap_or(false);
        if alive {
            kept.push(started);
        }
    }
    kept
}

/// Puts `watchers` back into [`WATCHERS`].
fn keep(watchers: Vec<Started>) {
    WATCHERS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(watchers);
}

/// The `atexit` hook: stops every watcher and waits for each (at most [`JOIN`] seconds).
pub fn stop_all(py: Python<'_>) {
    STOPPING.store(true, Ordering::SeqCst);
    let watchers = mine(py);
    for started in &watchers {
        started.stop.notify_waiters();
    }
    let current = py
        .import("threading")
        .and_then(|threading| threading.call_method0("current_thread"));
    for started in watchers {
        // A callback that exits the interpreter runs this hook on the watcher itself.
        if current
            .as_ref()
            .is_ok_and(|c| c.is(started.thread.bind(py)))
        {
            continue;
        }
        if let Err(error) = started.thread.call_method1(py, "join", (JOIN,)) {
            error.write_unraisable(py, None);
        }
    }
}
