//! [`SecretManager`] for Python: the library's manager behind Python's idiom.
//!
//! # The interpreter lock
//!
//! A cache hit ([`secretary::SecretManager::get_cached`]) reads no source and takes no
//! lock another thread could hold for long, so it keeps the interpreter lock. Everything
//! else that may read a source (a miss, `validate`, `refresh`) runs inside `py.detach`,
//! so other Python threads go on meanwhile. The manager is shared between threads as it
//! is: the library's manager is `Sync`, and the few locks of this type are only taken
//! while the interpreter lock is held, and released before anything could let it go.
//!
//! # `os.environ`
//!
//! Unless `variables=` was given, the process environment is read again before every
//! resolution, while the interpreter lock is held (Python changes the environment only
//! under it, so the read never races a `putenv`), and handed to the library's
//! [`set_variables`](secretary::SecretManager::set_variables).
//!
//! # Forks
//!
//! What the library's manager keeps between calls is its cache (behind locks), the
//! per-key locks of concurrent misses (held for a whole source read), the change channel,
//! and the audit log (an open file and the process id it writes). Vault connections are
//! kept by the library per process id, so a child never uses its parent's pool: its
//! first read makes its own connection (and its own login). A process forked while
//! another thread was reading would inherit those locks held by a thread that does not
//! exist in the child, and a child would write its parent's pid in the audit log. So a
//! manager used in a forked child never touches the state made before the fork: the
//! module registers `os.register_at_fork(after_in_child=...)`, which counts forks, and a
//! manager whose count is not the one it was made at builds a new library manager from
//! the same manifest path, environment, audit log and variables, once per child. The
//! child's cache starts empty, so it reads its sources itself, over its own connections.
//!
//! # `on_change`
//!
//! Called in the thread whose call re-read, after the read; and, for a manager with a
//! `vault_lease` source, from a thread of its own as soon as a lease is re-issued in the
//! background (`src/watch.rs`). A forked child that uses the manager gets a watcher of
//! its own.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use secretary::audit::Target;
use secretary::{Change, ManagerError, Manifest, Variables};

use crate::errors::{self, Context};
use crate::report::{Report, SecretInfo};
use crate::secret::Secret;

/// How many times this process has been forked from the one the module was loaded in
/// (counted in each child by the `after_in_child` hook).
static FORKS: AtomicU64 = AtomicU64::new(0);

/// Counts one fork: called in the child.
pub fn forked() {
    FORKS.fetch_add(1, Ordering::SeqCst);
}

/// How many times this process has been forked from the one the module was loaded in.
pub fn forks() -> u64 {
    FORKS.load(Ordering::Acquire)
}

/// What `on_change` registered, shared with the manager's watcher thread. Locked only
/// while the interpreter lock is held, and never while one is called.
pub type Callbacks = Arc<Mutex<Vec<Py<PyAny>>>>;

/// What a manager was made from, to make it again in a forked child.
struct Config {
    /// The manifest's absolute path.
    manifest: PathBuf,
    /// The working directory it was found from (paths are shown relative to it).
    cwd: PathBuf,
    /// The environment chosen when the manager was made.
    environment: String,
    /// The audit log given to the constructor (else the manifest's `[audit]`).
    audit: Option<Target>,
    /// The variables given to the constructor; `None`: the process environment.
    variables: Option<Variables>,
}

impl Config {
    /// A new library manager like the first, reading `vars`.
    fn rebuild(&self, vars: Variables) -> Result<Handle, ManagerError> {
        let manifest = Manifest::discover(Some(&self.manifest), &vars, &self.cwd)?;
        build(manifest, Some(&self.environment), self.audit.clone(), vars)
    }
}

/// One library manager, and the receiving end of its change channel.
pub struct Handle {
    /// The library's manager.
    pub manager: secretary::SecretManager,
    /// Locked only while the interpreter lock is held.
    changes: Mutex<tokio::sync::watch::Receiver<Change>>,
    /// Whether a `vault_lease` source may change values behind a cache hit (a lease
    /// re-issued in the background): then every read looks for changes to tell, and
    /// `on_change` has a thread of its own.
    leased: bool,
}

fn build(
    manifest: Manifest,
    environment: Option<&str>,
    audit: Option<Target>,
    vars: Variables,
) -> Result<Handle, ManagerError> {
    let leased = manifest
        .sources()
        .iter()
        .any(|source| source.config.kind() == secretary::manifest::SourceKind::VAULT_LEASE);
    let mut builder = secretary::SecretManager::from_manifest(manifest).variables(vars);
    if let Some(environment) = environment {
        builder = builder.environment(environment);
    }
    if let Some(target) = audit {
        builder = builder.audit(target);
    }
    let manager = builder.build()?;
    let changes = Mutex::new(manager.subscribe());
    Ok(Handle {
        manager,
        changes,
        leased,
    })
}

/// The handle a call uses: the first one, or the one made in this forked child.
enum HandleRef<'a> {
    Base(&'a Arc<Handle>),
    Forked(Arc<Handle>),
}

impl HandleRef<'_> {
    /// The handle, shared.
    fn shared(&self) -> Arc<Handle> {
        match self {
            Self::Base(handle) => Arc::clone(handle),
            Self::Forked(handle) => Arc::clone(handle),
        }
    }
}

impl Deref for HandleRef<'_> {
    type Target = Handle;

    fn deref(&self) -> &Handle {
        match self {
            Self::Base(handle) => handle,
            Self::Forked(handle) => handle,
        }
    }
}

/// An application's secrets: found, resolved, validated, cached and audited as the
/// ``secretary`` command does, with no value ever in a message.
///
/// ``SecretManager()`` finds ``secrets.toml`` as the command line does (``manifest=``,
/// else ``SECRETARY_MANIFEST``, else the working directory or its nearest parent) and
/// picks the environment likewise (``environment=``, else the manifest's
/// ``environment_from`` variables, else its default). ``audit_log=`` is a path (``"-"``
/// for stderr) that every access is recorded in, instead of the manifest's ``[audit]``.
/// ``variables=`` replaces the process environment (for tests); without it,
/// ``os.environ`` is read again at every re-read.
///
/// Safe to share between threads; the interpreter lock is released while sources are
/// read. A process forked after the manager was made (gunicorn ``--preload``, Celery
/// prefork) gets a fresh manager of its own on first use: an empty cache, its own
/// connections, its own pid in the audit log.
#[pyclass(frozen, module = "secretary", name = "SecretManager")]
pub struct SecretManager {
    config: Config,
    /// The manifest as it is shown to people (relative to the working directory).
    shown: String,
    base: Arc<Handle>,
    /// `FORKS` when `base` was made.
    born: u64,
    /// The handle of this forked child, with the fork count it was made at. Locked only
    /// while the interpreter lock is held.
    forked: Mutex<Option<(u64, Arc<Handle>)>>,
    /// What `on_change` registered.
    callbacks: Callbacks,
    /// The fork count at which this manager's `on_change` thread was started, if one
    /// was. Locked only while the interpreter lock is held.
    watching: Mutex<Option<u64>>,
}

/// The keys that changed since the last look, if some did: each change is taken once,
/// by whichever thread looks first.
pub fn take_change(handle: &Handle) -> Option<Vec<String>> {
    let mut changes = handle
        .changes
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match changes.has_changed() {
        Ok(true) => Some(changes.borrow_and_update().keys.clone()).filter(|keys| !keys.is_empty()),
        _ => None,
    }
}

/// After a call that may have re-read: calls every `on_change` callback with the keys
/// that changed, if some did since the last look. A callback's failure is logged (by
/// `secretary._on_change.log_failure`: never its message, which may hold a value) and
/// the others are still called; a `KeyboardInterrupt` or `SystemExit` (no `Exception`)
/// asks the program to stop, and is raised to the caller once every callback heard of
/// the change (a twenty-sixth adversarial pass saw both logged and dropped; a
/// twenty-seventh, raised at once, made the callbacks after it, the `FastAPI` lifespan's
/// among them, miss the change for good, since a change is taken once).
fn dispatch(py: Python<'_>, handle: &Handle, callbacks: &Callbacks) -> PyResult<()> {
    let Some(keys) = take_change(handle) else {
        return Ok(());
    };
    let callbacks: Vec<Py<PyAny>> = callbacks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|callback| callback.clone_ref(py))
        .collect();
    let mut stop: Option<PyErr> = None;
    for callback in callbacks {
        let called = PyList::new(py, &keys).and_then(|keys| callback.call1(py, (keys,)));
        if let Err(error) = called {
            // The value with its traceback (`into_value` sets `__traceback__`), which
            // `log_failure` reads for where the callback raised: before Python 3.12 PyO3
            // keeps it apart, and `value` alone logged "at an unknown place" there (a
            // twenty-eighth adversarial pass).
            let raised = error.clone_ref(py).into_value(py);
            let logged = py
                .import("secretary._on_change")
                .and_then(|module| module.getattr("log_failure"))
                .and_then(|log| log.call1((callback.clone_ref(py), raised)));
            if let Err(unlogged) = logged {
                unlogged.write_unraisable(py, None);
            }
            if !error.is_instance_of::<pyo3::exceptions::PyException>(py) {
                stop.get_or_insert(error);
            }
        }
    }
    stop.map_or(Ok(()), Err)
}

/// Variables from a mapping of names to values (``dict``, ``os.environ``).
fn variables(mapping: &Bound<'_, PyAny>) -> PyResult<Variables> {
    let mut pairs = Vec::new();
    for item in mapping.call_method0("items")?.try_iter()? {
        let (name, value): (String, String) = item?
            .extract()
            .map_err(|_| PyTypeError::new_err("variables must map names (str) to values (str)"))?;
        pairs.push((name, value));
    }
    Ok(Variables::from_pairs(pairs))
}

impl SecretManager {
    /// The handle for this process: the first, unless this is a forked child.
    fn handle(&self, py: Python<'_>) -> PyResult<HandleRef<'_>> {
        let forks = FORKS.load(Ordering::Acquire);
        if forks == self.born {
            return Ok(HandleRef::Base(&self.base));
        }
        if let Some((at, handle)) = &*self.forked.lock().unwrap_or_else(PoisonError::into_inner) {
            if *at == forks {
                return Ok(HandleRef::Forked(Arc::clone(handle)));
            }
        }
        let vars = self.snapshot();
        let config = &self.config;
        let built = py
            .detach(|| config.rebuild(vars))
            .map_err(|error| errors::from_manager(py, error, &self.context()))?;
        let mut slot = self.forked.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, handle)) = &*slot {
            if *at == forks {
                return Ok(HandleRef::Forked(Arc::clone(handle)));
            }
        }
        let handle = Arc::new(built);
        *slot = Some((forks, Arc::clone(&handle)));
        drop(slot);
        let handle = HandleRef::Forked(handle);
        // The parent's on_change thread did not survive the fork: this child's own.
        self.watch(py, &handle)?;
        Ok(handle)
    }

    /// Starts the `on_change` thread of this process for `handle`, unless there is one,
    /// the manager has no `vault_lease` source, or no callback is registered.
    fn watch(&self, py: Python<'_>, handle: &HandleRef<'_>) -> PyResult<()> {
        if !handle.leased
            || self
                .callbacks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
        {
            return Ok(());
        }
        let forks = forks();
        {
            let mut watching = self.watching.lock().unwrap_or_else(PoisonError::into_inner);
            if *watching == Some(forks) {
                return Ok(());
            }
            *watching = Some(forks);
        }
        let started = crate::watch::start(py, handle.shared(), Arc::clone(&self.callbacks), forks);
        if started.is_err() {
            *self.watching.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        started
    }

    /// The variables to resolve with now: the given ones, or the process environment
    /// (read here, under the interpreter lock).
    fn snapshot(&self) -> Variables {
        self.config
            .variables
            .clone()
            .unwrap_or_else(Variables::from_process)
    }

    /// Before a call that may resolve: the process environment as it is now.
    fn reread_environment(&self, handle: &Handle) {
        if self.config.variables.is_none() {
            handle.manager.set_variables(Variables::from_process());
        }
    }

    fn context(&self) -> Context<'_> {
        Context {
            manifest: &self.shown,
        }
    }

    /// After a call that may have re-read: tells `on_change` (see [`dispatch`]).
    fn dispatch(&self, py: Python<'_>, handle: &Handle) -> PyResult<()> {
        dispatch(py, handle, &self.callbacks)
    }

    /// Resolves every secret (the interpreter lock released), then tells `on_change`.
    fn resolve_all(&self, py: Python<'_>) -> PyResult<Result<secretary::Report, ManagerError>> {
        let handle = self.handle(py)?;
        self.reread_environment(&handle);
        let result = py.detach(|| handle.manager.blocking().validate());
        self.dispatch(py, &handle)?;
        Ok(result)
    }

    /// The value of `key`, or `None` when it is optional and not set: from this thread's
    /// cache with the interpreter lock held, else resolved with it released.
    fn lookup(&self, py: Python<'_>, key: &str) -> PyResult<Option<secretary::SecretValue>> {
        let handle = self.handle(py)?;
        if let Some(hit) = handle.manager.get_cached(key) {
            if handle.leased {
                self.dispatch(py, &handle)?;
            }
            return Ok(hit);
        }
        self.reread_environment(&handle);
        let result = py.detach(|| handle.manager.blocking().get_opt(key));
        self.dispatch(py, &handle)?;
        result.map_err(|error| errors::from_get(py, error, &self.context()))
    }
}

#[pymethods]
impl SecretManager {
    #[new]
    #[expect(
        clippy::needless_pass_by_value,
        reason = "PyO3 hands arguments over as owned values"
    )]
    #[pyo3(signature = (manifest=None, environment=None, audit_log=None, variables=None))]
    fn new(
        py: Python<'_>,
        manifest: Option<PathBuf>,
        environment: Option<String>,
        audit_log: Option<PathBuf>,
        variables: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let explicit = variables.map(self::variables).transpose()?;
        let vars = explicit.clone().unwrap_or_else(Variables::from_process);
        let cwd = std::env::current_dir().map_err(|error| {
            errors::from_library(
                py,
                secretary::Error::WorkingDirectory {
                    reason: error.into(),
                },
            )
        })?;
        if environment.as_deref() == Some("") {
            return Err(PyValueError::new_err(
                "environment must be a name, or None to choose it as the command line does",
            ));
        }
        let audit = audit_log.map(|path| {
            if path.as_os_str() == "-" {
                Target::Stderr
            } else {
                Target::File(cwd.join(path))
            }
        });
        let born = FORKS.load(Ordering::Acquire);
        let built = py.detach(|| {
            let manifest = Manifest::discover(manifest.as_deref(), &vars, &cwd)?;
            build(manifest, environment.as_deref(), audit.clone(), vars)
        });
        let base = match built {
            Ok(handle) => handle,
            Err(error) => {
                let context = Context {
                    manifest: "secrets.toml",
                };
                return Err(errors::from_manager(py, error, &context));
            }
        };
        let manifest = base.manager.manifest();
        let shown = manifest.shown_path().display().to_string();
        let config = Config {
            manifest: manifest.path().to_path_buf(),
            cwd,
            environment: base.manager.environment().to_owned(),
            audit,
            variables: explicit,
        };
        Ok(Self {
            config,
            shown,
            base: Arc::new(base),
            born,
            forked: Mutex::new(None),
            callbacks: Arc::new(Mutex::new(Vec::new())),
            watching: Mutex::new(None),
        })
    }

    /// The environment's name (``development``, ``production``).
    #[getter]
    fn environment(&self) -> &str {
        &self.config.environment
    }

    /// The manifest's path, as people read it: relative to the working directory the
    /// manager was made in when below it.
    #[getter]
    fn manifest(&self) -> &str {
        &self.shown
    }

    /// The manifest's absolute path.
    #[getter]
    fn manifest_path(&self) -> PathBuf {
        self.config.manifest.clone()
    }

    /// The value of ``key`` as a ``Secret``.
    ///
    /// Raises ``SecretNotFoundError`` when the key is not declared, or the secret is not
    /// set (required or not: use ``get_optional`` or ``get_secret`` for an optional one),
    /// ``InvalidSecretError`` when the value breaks its type or constraints, and
    /// ``SourceError`` when a source it could come from failed.
    fn get(&self, py: Python<'_>, key: &str) -> PyResult<Secret> {
        let handle = self.handle(py)?;
        if let Some(Some(value)) = handle.manager.get_cached(key) {
            if handle.leased {
                self.dispatch(py, &handle)?;
            }
            return Ok(Secret::new(value));
        }
        self.reread_environment(&handle);
        let result = py.detach(|| handle.manager.blocking().get(key));
        self.dispatch(py, &handle)?;
        result
            .map(Secret::new)
            .map_err(|error| errors::from_get(py, error, &self.context()))
    }

    /// The value of ``key`` as a ``Secret``, or ``None`` when it is optional and not set.
    /// Raises as ``get`` does otherwise.
    fn get_optional(&self, py: Python<'_>, key: &str) -> PyResult<Option<Secret>> {
        Ok(self.lookup(py, key)?.map(Secret::new))
    }

    /// The text of ``key``, or ``default`` when it is optional and not set.
    ///
    /// The call of the hand-made managers it replaces, with their promise kept: a
    /// required secret that is missing raises ``SecretNotFoundError`` naming the key and
    /// its description (``default`` does not hide it), and an undeclared key raises too;
    /// neither is ever ``None``.
    #[pyo3(signature = (key, default=None))]
    fn get_secret<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.lookup(py, key)? {
            Some(value) => PyString::new(py, value.expose()).into_any(),
            None => default.unwrap_or_else(|| py.None().into_bound(py)),
        })
    }

    /// Resolves and checks every secret now (filling the cache) and returns the
    /// ``Report``: where each came from, never a value.
    ///
    /// Raises one ``SecretValidationError`` listing every problem, as ``secretary check``
    /// prints them (its ``problems`` has one exception per problem). Warnings (a
    /// ``.env`` that others may read) go to the ``secretary`` logger.
    fn validate(&self, py: Python<'_>) -> PyResult<Report> {
        let report = self
            .resolve_all(py)?
            .map_err(|error| errors::from_manager(py, error, &self.context()))?;
        let report = Report::new(py, &report, self.shown.clone())?;
        for warning in report.warning_lines() {
            crate::log(py, "warning", warning);
        }
        Ok(report)
    }

    /// Each declared key, and whether it is valid (set and valid, or optional and not
    /// set): for callers of the hand-made ``validate_secrets()``. Raises only for what
    /// stops resolution altogether (the manifest, the audit log).
    fn validate_secrets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let bad: Vec<String> = match self.resolve_all(py)? {
            Ok(_) => Vec::new(),
            Err(ManagerError::Problems(problems)) => problems
                .problems
                .iter()
                .map(|problem| problem.spec.key.clone())
                .collect(),
            Err(error) => return Err(errors::from_manager(py, error, &self.context())),
        };
        let result = PyDict::new(py);
        for info in self.handle(py)?.manager.list() {
            let valid = !bad.contains(&info.key);
            result.set_item(info.key, valid)?;
        }
        Ok(result)
    }

    /// Every secret at once, from one resolution: validates (raising as ``validate``
    /// does), then gives each set secret's ``Secret`` by key. Optional secrets that are
    /// not set are absent.
    fn load<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let report = self
            .resolve_all(py)?
            .map_err(|error| errors::from_manager(py, error, &self.context()))?;
        let result = PyDict::new(py);
        for resolution in &report.resolutions {
            if let Some(value) = &resolution.value {
                result.set_item(resolution.key(), Secret::new(value.clone()))?;
            }
        }
        for warning in crate::report::warnings(&report) {
            crate::log(py, "warning", &warning);
        }
        Ok(result)
    }

    /// Every declared secret by key, as ``SecretInfo``: the manifest's metadata, never a
    /// value (no source is read).
    fn list_secrets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let result = PyDict::new(py);
        for info in self.handle(py)?.manager.list() {
            let key = info.key.clone();
            result.set_item(key, SecretInfo::from(info))?;
        }
        Ok(result)
    }

    /// Whether the value held for ``key`` is stale (from the last-known-good copy, or
    /// held through an outage because Vault could not be reached): a ``Stale`` saying
    /// how old and why, or ``None`` when it is fresh or not held. Reads no source.
    fn stale(&self, py: Python<'_>, key: &str) -> PyResult<Option<crate::report::Stale>> {
        let handle = self.handle(py)?;
        Ok(handle
            .manager
            .stale(key)
            .map(|stale| crate::report::Stale::new(&stale)))
    }

    /// Forgets every cached value: the next read of each goes to its sources again
    /// (and reads ``os.environ`` anew).
    fn clear_cache(&self, py: Python<'_>) -> PyResult<()> {
        self.handle(py)?.manager.clear_cache();
        Ok(())
    }

    /// Re-reads every secret now and replaces the cache; returns the keys whose value
    /// changed (and tells ``on_change``). Raises as ``validate`` does; the secrets that
    /// did resolve are cached all the same.
    fn refresh(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let handle = self.handle(py)?;
        self.reread_environment(&handle);
        let result = py.detach(|| handle.manager.blocking().refresh());
        self.dispatch(py, &handle)?;
        result.map_err(|error| errors::from_manager(py, error, &self.context()))
    }

    /// Calls ``callback(keys)`` with the keys whose value changed whenever a re-read
    /// (after ``clear_cache()``, a source's ``ttl``, or ``refresh()``) finds a value
    /// different from the one served before; never with a value. Called in the thread
    /// whose call re-read, after the read; with a ``vault_lease`` source, also from a
    /// daemon thread of the manager's own ("secretary-on-change") as soon as a lease is
    /// re-issued in the background. An exception it raises is logged to the
    /// ``secretary`` logger. Returns ``callback``, so it works as a decorator.
    fn on_change<'py>(
        &self,
        py: Python<'py>,
        callback: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !callback.is_callable() {
            return Err(PyTypeError::new_err(
                "on_change takes a callable, called with a list of keys",
            ));
        }
        self.callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(callback.clone().unbind());
        let handle = self.handle(py)?;
        self.watch(py, &handle)?;
        Ok(callback)
    }

    /// Stops calling ``callback`` (each registration equal to it, as ``list.remove``
    /// compares); returns whether it was registered.
    fn remove_on_change(&self, py: Python<'_>, callback: &Bound<'_, PyAny>) -> PyResult<bool> {
        let registered: Vec<Py<PyAny>> = self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|c| c.clone_ref(py))
            .collect();
        // Comparing runs Python code: done with the lock released, then applied.
        let mut keep = Vec::with_capacity(registered.len());
        for candidate in &registered {
            keep.push(!candidate.bind(py).eq(callback)?);
        }
        let removed = keep.contains(&false);
        let mut callbacks = self
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        callbacks.retain(|current| {
            registered
                .iter()
                .position(|r| r.is(current))
                .is_none_or(|position| keep[position])
        });
        Ok(removed)
    }

    /// Revokes every lease this process holds (``vault_lease`` credentials stop working
    /// now, not at the end of their TTL) and forgets every cached value. Called at exit
    /// (``atexit``) and at the end of a ``with`` block; a read afterwards takes a new
    /// lease.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let handle = self.handle(py)?;
        let failed = py.detach(|| handle.manager.close());
        crate::unrevoked(py, &failed);
        Ok(())
    }

    /// ``with SecretManager() as secrets:``: the manager, closed (its leases revoked) at
    /// the end of the block.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the manager; never swallows the block's exception.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// Refused: a manager holds an open audit log and a cache of values. Make one in
    /// each process; it finds the same manifest.
    #[expect(clippy::unused_self, reason = "a Python method takes self")]
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "a secretary SecretManager cannot be pickled: make one in each process (it finds the same manifest)",
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "SecretManager(manifest={}, environment={})",
            crate::report::quote(&self.shown),
            crate::report::quote(&self.config.environment)
        )
    }
}
