//! `secretary._native`: the secretary library's [`SecretManager`](secretary::SecretManager)
//! for Python, built by maturin into the package `secretary` (the Python sources are in
//! `python/secretary/`; the types are described by hand in `_native.pyi`).
//!
//! What this crate adds to the library, and nothing more:
//!
//! - **Python's idiom**: `SecretManager` (`src/manager.rs`) with `get`, `get_secret`, `validate`,
//!   `list_secrets`, `clear_cache`, `refresh` and `on_change`; `Secret` (`src/secret.rs`), whose
//!   `repr` and `str` are `[redacted]` and which cannot be pickled; library errors turned
//!   into the exceptions of `secretary.errors` (`src/errors.rs`), whose messages never hold a
//!   value.
//! - **The interpreter lock**: released (`py.detach`) around every call that may read a
//!   source; a cache hit reads none and keeps it.
//! - **`os.environ`**: the process environment is read again, under the interpreter lock,
//!   before every resolution, so that a variable set from Python is seen at the next
//!   re-read.
//! - **Forks** (gunicorn `--preload`, Celery prefork): a child process never uses the
//!   state its parent made; see `src/manager.rs`.
//! - **`on_change` from the background** for leases re-issued by the library's keeper:
//!   a thread per manager that waits without the interpreter lock (`src/watch.rs`).

mod errors;
mod manager;
mod report;
mod secret;
mod watch;

use pyo3::prelude::*;

/// The module `secretary._native`.
#[pymodule]
#[pyo3(name = "_native")]
mod native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::manager::SecretManager;
    #[pymodule_export]
    use crate::report::{Report, Resolution, SecretInfo, Stale};
    #[pymodule_export]
    use crate::secret::Secret;
    #[pymodule_export]
    use crate::watch::Watcher;

    /// Tells every manager that this process is a child forked from the one that made
    /// it. Registered with `os.register_at_fork(after_in_child=...)` when the module is
    /// imported; calling it by hand only makes managers start afresh.
    #[pyfunction]
    fn _after_fork_in_child() {
        crate::manager::forked();
    }

    /// Revokes every lease (`vault_lease` credentials) this process holds, then the
    /// login tokens (AppRole, JWT) it logged in for; no lease is taken afterwards (a
    /// fifty-seventh adversarial pass took one with a token of the user's after
    /// `secretary.end()`, and handed it to the program it became). Registered with
    /// `atexit` when the module is imported: a process that ends normally leaves no live
    /// credentials behind.
    #[pyfunction]
    fn _revoke_leases(py: Python<'_>) {
        let events = py.detach(|| {
            secretary::source::leases::revoke_all_within(
                std::time::Instant::now() + std::time::Duration::from_secs(10),
            )
        });
        crate::unrevoked(py, &events);
        let failed = py.detach(|| {
            secretary::source::leases::log_out_within(std::time::Duration::from_secs(5))
        });
        for error in failed {
            crate::log(
                py,
                "warning",
                &format!(
                    "could not revoke the login token this process used: {error}; unless it was revoked already, it works until its TTL ends"
                ),
            );
        }
    }

    /// Stops every `on_change` thread and waits for each (bounded). Registered with
    /// `atexit` when the module is imported, after `_revoke_leases`, so that it runs
    /// first: no thread is left waiting in Rust while the interpreter finalises.
    #[pyfunction]
    fn _stop_watchers(py: Python<'_>) {
        crate::watch::stop_all(py);
    }

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = module.py();
        module.add("__version__", env!("CARGO_PKG_VERSION"))?;
        let atexit = py.import("atexit")?;
        atexit
            .getattr("register")?
            .call1((module.getattr("_revoke_leases")?,))?;
        // atexit calls the last registered first.
        atexit
            .getattr("register")?
            .call1((module.getattr("_stop_watchers")?,))?;
        let hook = module.getattr("_after_fork_in_child")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("after_in_child", hook)?;
        py.import("os")?
            .getattr("register_at_fork")?
            .call((), Some(&kwargs))?;
        Ok(())
    }
}

/// Says, on the `secretary` logger, each lease of `events` that could not be revoked (a
/// thirty-fourth adversarial pass: `close()` and the interpreter's exit said nothing
/// when Vault did not answer).
fn unrevoked(py: Python<'_>, events: &[secretary::source::leases::LeaseEvent]) {
    for event in events {
        let Some(error) = &event.error else {
            continue;
        };
        let message = if event.lease_id.is_empty() {
            error.clone()
        } else {
            format!(
                "could not revoke lease {} ({}): {error}; its credentials work until its TTL ends",
                event.lease_id, event.path
            )
        };
        log(py, "warning", &message);
    }
}

/// Writes `message` to the `secretary` logger at `level` (`"warning"`, `"error"`): what
/// the library says that is not an error (a `.env` readable by others). Never a value.
fn log(py: Python<'_>, level: &str, message: &str) {
    let logged = (|| -> PyResult<()> {
        let logger = py
            .import("logging")?
            .getattr("getLogger")?
            .call1(("secretary",))?;
        logger.getattr(level)?.call1(("%s", message))?;
        Ok(())
    })();
    if let Err(error) = logged {
        error.write_unraisable(py, None);
    }
}
