//! [`SecretManager`]: the library API for Rust services. Resolved values are cached;
//! [`SecretManager::clear_cache`] really clears them, so the next read goes to the
//! sources again (a rotated Vault secret shows its new version).
//!
//! ```
//! # tokio_test_block(async {
//! use secretary::{SecretManager, Variables};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("secrets.toml"),
//!     "version = 1\n[secrets.database_url]\ndescription = \"PostgreSQL URL\"\nrequired = true\ntype = \"url\"\n",
//! )?;
//! let secrets = SecretManager::from_path(dir.path().join("secrets.toml"))?
//!     .variables(Variables::from_pairs([("DATABASE_URL", "postgresql://db/app")]))
//!     .build()?;
//! secrets.validate().await?;
//! let url = secrets.get("database_url").await?;
//! assert_eq!(format!("{url:?}"), "[redacted]");
//! assert_eq!(url.expose(), "postgresql://db/app");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # });
//! # fn tokio_test_block<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```
//!
//! A source's `ttl` (`ttl = "5m"` in its table) limits how long its values are kept;
//! [`SecretManager::refresh`] re-reads everything now, and [`SecretManager::subscribe`]
//! tells the application when a re-read found a changed value.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use thread_local::ThreadLocal;

use serde::de::DeserializeOwned;

use crate::Error;
use crate::audit::{AuditLog, Event, Target};
use crate::manifest::{Manifest, SecretSpec, SecretType};
use crate::resolve::{Problem, Report, Resolution, Scope, resolve};
use crate::secret::SecretValue;
use crate::variables::Variables;

/// Resolves, validates, caches and audits an application's secrets.
///
/// Cheap to clone (the clones share one cache) and safe to share between tasks.
#[derive(Clone)]
pub struct SecretManager {
    inner: Arc<Inner>,
}

struct Inner {
    manifest: Manifest,
    environment: String,
    /// The variables resolution reads; [`SecretManager::set_variables`] replaces them.
    vars: RwLock<Arc<Variables>>,
    audit: Option<AuditLog>,
    /// Resolved secrets by key, with when they expire (a source's `ttl`). Every change
    /// bumps `generation` under the write lock.
    cache: RwLock<HashMap<String, Cached>>,
    /// Counts the changes to `cache`. A hit only reads it, so it stays in every core's
    /// cache until the next change.
    generation: AtomicU64,
    /// Each thread's copy of `cache`, taken at a `generation`: a hit reads only memory
    /// that no other thread writes (no lock, no shared reference count, no allocation).
    /// Dropped, and so zeroed, with the manager.
    locals: ThreadLocal<Padded>,
    /// A digest of the last value seen for each key, to tell a change (kept across
    /// `clear_cache`; never the value itself).
    seen: Mutex<HashMap<String, Option<ring::digest::Digest>>>,
    /// Tells subscribers which keys changed.
    changes: tokio::sync::watch::Sender<Change>,
    /// One lock per key being resolved, so concurrent misses cause one source read.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl fmt::Debug for SecretManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretManager")
            .field("manifest", &self.inner.manifest.path())
            .field("environment", &self.inner.environment)
            .finish_non_exhaustive()
    }
}

struct Cached {
    resolution: Arc<Resolution>,
    expires: Option<Instant>,
}

/// One thread's [`Local`], alone on its cache lines: `ThreadLocal` keeps the threads'
/// entries side by side, and a hit writes the `RefCell`'s borrow flag.
#[derive(Default)]
#[repr(align(128))]
struct Padded(RefCell<Local>);

/// One thread's copy of the cached values.
#[derive(Default)]
struct Local {
    /// The `generation` of the cache this was copied from; `None` before the first copy.
    generation: Option<u64>,
    /// Key to value (a copy of the text, not a clone of the shared one) and expiry.
    values: HashMap<Box<str>, (Option<SecretValue>, Option<Instant>), rustc_hash::FxBuildHasher>,
}

/// The future of [`SecretManager::get`] and [`SecretManager::get_opt`]: on a cache hit,
/// the value, ready at once; on a miss, the boxed resolution (so a hit's future stays a
/// few words long and is never a state machine to step through).
enum Lookup<'a, T> {
    /// The value of a hit, until it is polled.
    Ready(Option<T>),
    /// A miss, or a read to audit.
    Slow(Pin<Box<dyn Future<Output = Result<T, ManagerError>> + Send + 'a>>),
}

impl<T: Unpin> Future for Lookup<'_, T> {
    type Output = Result<T, ManagerError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Ready(ready) => match ready.take() {
                Some(value) => Poll::Ready(Ok(value)),
                None => panic!("a secretary lookup was polled after it completed"),
            },
            Self::Slow(future) => future.as_mut().poll(cx),
        }
    }
}

/// Whether a cached value that expires at `expires` (never, if `None`) is still fresh.
fn fresh(expires: Option<Instant>) -> bool {
    expires.is_none_or(|expires| Instant::now() < expires)
}

/// What [`SecretManager::subscribe`] receives: the keys whose value changed in the last
/// re-read, and a counter of changes so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// How many changes there have been (0: none yet).
    pub generation: u64,
    /// The keys that changed the last time.
    pub keys: Vec<String>,
}

/// Settings for a [`SecretManager`], from [`SecretManager::discover`] or
/// [`SecretManager::from_path`].
#[derive(Debug)]
pub struct SecretManagerBuilder {
    manifest: Manifest,
    environment: Option<String>,
    vars: Option<Variables>,
    audit: Option<Target>,
}

/// A secret's declaration, without its value: what [`SecretManager::list`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretInfo {
    /// The key.
    pub key: String,
    /// What it is for.
    pub description: String,
    /// Whether its absence is a problem.
    pub required: bool,
    /// Whether the value is secret.
    pub sensitive: bool,
    /// Its environment variable names, the primary first.
    pub env: Vec<String>,
    /// Its type (`string`, `url`, `int`, `port`, `bool` or `enum`; its `as_str` is the
    /// manifest's word).
    pub kind: SecretType,
}

/// Every problem found, as [`SecretManager::validate`] and [`SecretManager::load`]
/// report them. Its `Display` lists each with key, description and what is wrong,
/// never a value.
#[derive(Debug)]
#[non_exhaustive]
pub struct Problems {
    /// The environment.
    pub environment: String,
    /// Each problem, with the secret it is about.
    pub problems: Vec<SecretProblem>,
    /// What the resolution found worth saying that is not a problem (a `.env` file that
    /// others may read, say), as [`Report::warnings`] has it.
    pub warnings: Vec<String>,
}

/// One problem, and the secret it is about.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SecretProblem {
    /// The secret's declaration (key, description, ...).
    pub spec: Arc<SecretSpec>,
    /// What is wrong, and what to do.
    pub problem: Problem,
    /// Every place secretary looked for the value, as [`Resolution::looked`] has it.
    pub looked: Vec<String>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem{} with the secrets of environment `{}`:",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" },
            self.environment
        )?;
        for SecretProblem { spec, problem, .. } in &self.problems {
            write!(f, "\n  {}", spec.key)?;
            if !spec.description.is_empty() {
                write!(f, " ({})", spec.description)?;
            }
            write!(f, ": {}", problem.kind)?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Why a read from a [`SecretManager`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The manifest, the environment or the key is wrong (an undeclared key is this).
    #[error(transparent)]
    Secretary(#[from] Error),
    /// The secret has problems: missing, invalid, a failed source.
    #[error(transparent)]
    Problems(#[from] Problems),
    /// `load` could not build the application's type; names the key, not the value.
    #[error("cannot load the settings: {0}")]
    Load(String),
    /// The audit log could not be opened or written.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// The runtime that reads the sources could not run.
    #[error("cannot run the resolving task: {0}")]
    Runtime(String),
}

impl SecretManager {
    /// Finds the manifest as the CLI does (`SECRETARY_MANIFEST`, else `secrets.toml` in
    /// the working directory or a parent) and reads the process environment.
    pub fn discover() -> Result<SecretManagerBuilder, Error> {
        let vars = Variables::from_process();
        let cwd = std::env::current_dir().map_err(|error| Error::WorkingDirectory {
            reason: error.into(),
        })?;
        let manifest = Manifest::discover(None, &vars, &cwd)?;
        Ok(SecretManagerBuilder {
            manifest,
            environment: None,
            vars: Some(vars),
            audit: None,
        })
    }

    /// Reads the manifest at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<SecretManagerBuilder, Error> {
        Ok(Self::from_manifest(Manifest::load(path.as_ref())?))
    }

    /// Uses a manifest already loaded, for instance by [`Manifest::discover`] with a
    /// path and variables of the caller's own (as the Python package finds it).
    pub fn from_manifest(manifest: Manifest) -> SecretManagerBuilder {
        SecretManagerBuilder {
            manifest,
            environment: None,
            vars: None,
            audit: None,
        }
    }

    /// Replaces the variables that the next resolution reads (the `env` source,
    /// `${...}` in `.env` files, Vault credentials). For an embedding whose process
    /// environment changes while it runs, such as Python's `os.environ`: the caller takes
    /// the new snapshot where it is safe to read. The environment chosen at
    /// [`build`](SecretManagerBuilder::build) stays; cached values stay until they are
    /// re-read.
    pub fn set_variables(&self, vars: Variables) {
        *self
            .inner
            .vars
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(vars);
    }

    /// The environment's name.
    pub fn environment(&self) -> &str {
        &self.inner.environment
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Every declared secret, without values, as the manager's environment sees it (its
    /// own `required`).
    pub fn list(&self) -> Vec<SecretInfo> {
        let manifest = &self.inner.manifest;
        manifest
            .environments()
            .iter()
            .find(|environment| environment.name == self.inner.environment)
            .map_or(manifest.secrets(), crate::EnvironmentSpec::secrets)
            .iter()
            .map(|spec| SecretInfo {
                key: spec.key.clone(),
                description: spec.description.clone(),
                required: spec.required,
                sensitive: spec.sensitive,
                env: spec.env.clone(),
                kind: spec.kind,
            })
            .collect()
    }

    /// Resolves every secret (filling the cache) and returns every problem at once.
    pub async fn validate(&self) -> Result<Report, ManagerError> {
        Ok(self.reread(Event::Validate).await?.0)
    }

    /// The value of `key`: from the cache, else resolved (once, however many tasks ask at
    /// the same time). An undeclared key, a missing required secret or an invalid value
    /// is an error; an optional secret that is not set is an error too (use
    /// [`get_opt`](Self::get_opt)).
    ///
    /// The cache is looked up when `get` is called; a hit makes a future that is ready at
    /// once and holds nothing but the value (no lock, no allocation).
    pub fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Future<Output = Result<SecretValue, ManagerError>> + Send + 'a {
        self.lookup(key)
    }

    /// The value of `key` if this thread's copy of the cache holds it fresh, without
    /// reading a source or waiting: `Some(Some(value))`, or `Some(None)` for an optional
    /// secret cached as not set. `None` when a read is needed: not cached, expired, or
    /// an audit log is open (every `get` is then recorded, so none is served from here).
    /// For an embedding that must know whether a call will block before it makes it
    /// (the Python package releases its interpreter lock only then).
    pub fn get_cached(&self, key: &str) -> Option<Option<SecretValue>> {
        self.hit(key)
    }

    /// What [`get`](Self::get) returns, as the type [`BlockingManager`] can look into.
    fn lookup<'a>(&'a self, key: &'a str) -> Lookup<'a, SecretValue> {
        match self.hit(key) {
            Some(Some(value)) => Lookup::Ready(Some(value)),
            _ => Lookup::Slow(Box::pin(self.get_slow(key))),
        }
    }

    /// [`get`](Self::get) past the cache.
    async fn get_slow(&self, key: &str) -> Result<SecretValue, ManagerError> {
        match self.get_opt_slow(key).await? {
            Some(value) => Ok(value),
            None => Err(ManagerError::Problems(Problems {
                environment: self.inner.environment.clone(),
                problems: vec![SecretProblem {
                    // The environment's view of it (its own `required` and `default`).
                    spec: Arc::clone(
                        match self
                            .inner
                            .manifest
                            .environments()
                            .iter()
                            .find(|environment| environment.name == self.inner.environment)
                        {
                            Some(environment) => self.inner.manifest.secret_in(environment, key)?,
                            None => self.inner.manifest.secret(key)?,
                        },
                    ),
                    problem: Problem {
                        kind: crate::resolve::ProblemKind::Unset,
                        fix: crate::resolve::Fix::Optional,
                    },
                    looked: Vec::new(),
                }],
                warnings: Vec::new(),
            })),
        }
    }

    /// The value of `key`, or `None` when it is optional and not set. Looks the cache up
    /// when called, as [`get`](Self::get) does.
    pub fn get_opt<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Future<Output = Result<Option<SecretValue>, ManagerError>> + Send + 'a {
        self.lookup_opt(key)
    }

    /// What [`get_opt`](Self::get_opt) returns, as the type [`BlockingManager`] can look into.
    fn lookup_opt<'a>(&'a self, key: &'a str) -> Lookup<'a, Option<SecretValue>> {
        match self.hit(key) {
            Some(value) => Lookup::Ready(Some(value)),
            None => Lookup::Slow(Box::pin(self.get_opt_slow(key))),
        }
    }

    /// [`get_opt`](Self::get_opt) past a miss, or with an audit log to write.
    async fn get_opt_slow(&self, key: &str) -> Result<Option<SecretValue>, ManagerError> {
        self.inner.manifest.secret(key)?;
        let resolution = match self.cached(key) {
            Some(resolution) => resolution,
            None => self.miss(key).await?,
        };
        if let Some(log) = &self.inner.audit {
            log.record_resolution(Event::Get, &resolution)?;
        }
        if !resolution.problems.is_empty() {
            return Err(self.problems_of([&*resolution]).into());
        }
        Ok(resolution.value.clone())
    }

    /// Every resolved value, deserialized into the application's own type: each field is
    /// a secret's key; `int`, `port` and `bool` secrets become numbers and booleans,
    /// unset optional secrets are absent (so `Option` fields are `None`). Errors name the
    /// key, never the value.
    pub async fn load<T: DeserializeOwned>(&self) -> Result<T, ManagerError> {
        let report = self.validate().await?;
        let mut map = serde_json::Map::new();
        for resolution in &report.resolutions {
            let Some(value) = &resolution.value else {
                continue;
            };
            let spec = &resolution.spec;
            let text = value.expose();
            let typed = match spec.kind {
                SecretType::Int | SecretType::Port => text
                    .trim()
                    .parse::<i64>()
                    .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
                SecretType::Bool => crate::validate::parse_bool(text)
                    .map_or_else(|| serde_json::Value::from(text), serde_json::Value::from),
                _ => serde_json::Value::from(text),
            };
            map.insert(resolution.key().to_owned(), typed);
        }
        let result = serde_json::from_value(serde_json::Value::Object(map));
        result.map_err(|error| {
            // serde_json's messages quote the offending value: keep only which field
            // and what kind of mismatch.
            let message = error.to_string();
            let field = message
                .split('`')
                .nth(1)
                .map(|field| format!(" (field `{field}`)"))
                .unwrap_or_default();
            let what = match error.classify() {
                serde_json::error::Category::Data if message.starts_with("missing field") => {
                    "a field has no secret"
                }
                serde_json::error::Category::Data => "a value does not fit its field's type",
                _ => "the values do not fit the type",
            };
            ManagerError::Load(format!("{what}{field}"))
        })
    }

    /// Resolves every secret again now, replaces the cache, and tells subscribers what
    /// changed. Returns the keys whose value changed.
    pub async fn refresh(&self) -> Result<Vec<String>, ManagerError> {
        Ok(self.reread(Event::Resolve).await?.1)
    }

    /// Resolves every secret now and records `event`; caches each good one and tells
    /// subscribers which changed. Any problem is then an error. Gives the report and the
    /// changed keys.
    async fn reread(&self, event: Event) -> Result<(Report, Vec<String>), ManagerError> {
        let report = self.resolve_now(None).await?;
        self.audit(event, &report)?;
        let changed: Vec<String> = report
            .resolutions
            .iter()
            .filter(|resolution| resolution.problems.is_empty())
            .filter_map(|resolution| self.store(resolution))
            .collect();
        self.notify(&changed);
        self.problems(&report)?;
        Ok((report, changed))
    }

    /// A channel that is told every time a re-read (after `clear_cache`, a `ttl`, or
    /// `refresh`) finds a value different from the one served before.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Change> {
        self.inner.changes.subscribe()
    }

    /// Forgets every cached value: the next read of each goes to its sources again.
    pub fn clear_cache(&self) {
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        cache.clear();
        self.inner.generation.fetch_add(1, Ordering::Release);
    }

    /// A facade with the same methods that block, for code without an async runtime. It
    /// must not be used from inside one.
    pub fn blocking(&self) -> BlockingManager<'_> {
        BlockingManager { manager: self }
    }

    /// The fresh cached value of `key` from this thread's copy of the cache, first
    /// brought up to date if the cache changed since it was taken.
    /// Never with an audit log, which records every `get`.
    #[expect(
        clippy::option_option,
        reason = "outer: whether it is cached; inner: the value, or an optional secret unset"
    )]
    fn hit(&self, key: &str) -> Option<Option<SecretValue>> {
        if self.inner.audit.is_some() {
            return None;
        }
        let generation = self.inner.generation.load(Ordering::Acquire);
        let mut local = self.inner.locals.get_or_default().0.try_borrow_mut().ok()?;
        if local.generation != Some(generation) {
            self.copy_cache(&mut local);
        }
        let (value, expires) = local.values.get(key)?;
        fresh(*expires).then(|| value.clone())
    }

    /// Replaces this thread's copy with the cache as it is now. The whole cache is
    /// copied: cheap for the tens of secrets an application declares, though a thread
    /// that reads while N secrets are stored one by one copies N²/2 values in all.
    fn copy_cache(&self, local: &mut Local) {
        let cache = self
            .inner
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        // Writers bump the generation under the write lock: it is stable here.
        local.generation = Some(self.inner.generation.load(Ordering::Acquire));
        local.values = cache
            .iter()
            .map(|(key, cached)| {
                let value = cached.resolution.value.as_ref();
                // A copy of the text, so that this thread's clones count references on
                // memory of its own.
                let own = value.map(|value| SecretValue::new(value.expose().to_owned()));
                (key.as_str().into(), (own, cached.expires))
            })
            .collect();
    }

    /// The cached resolution of `key`, unless it has expired.
    fn cached(&self, key: &str) -> Option<Arc<Resolution>> {
        let cache = self
            .inner
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let cached = cache.get(key)?;
        fresh(cached.expires).then(|| Arc::clone(&cached.resolution))
    }

    /// Caches `resolution` until its source's `ttl`; returns its key if its value differs
    /// from the last one seen.
    fn store(&self, resolution: &Resolution) -> Option<String> {
        let ttl = resolution
            .origin
            .as_ref()
            .and_then(|origin| self.inner.manifest.source(origin.source()))
            .and_then(|source| source.ttl);
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        cache.insert(
            resolution.key().to_owned(),
            Cached {
                resolution: Arc::new(resolution.clone()),
                // Past what the clock can count, a value never expires.
                expires: ttl.and_then(|ttl| Instant::now().checked_add(ttl)),
            },
        );
        self.inner.generation.fetch_add(1, Ordering::Release);
        drop(cache);
        let digest = resolution
            .value
            .as_ref()
            .map(|v| ring::digest::digest(&ring::digest::SHA256, v.expose().as_bytes()));
        let previous = self
            .inner
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(resolution.key().to_owned(), digest);
        let same = |a: &Option<ring::digest::Digest>, b: &Option<ring::digest::Digest>| match (a, b)
        {
            (Some(a), Some(b)) => a.as_ref() == b.as_ref(),
            (None, None) => true,
            _ => false,
        };
        match previous {
            Some(previous) if !same(&previous, &digest) => Some(resolution.key().to_owned()),
            _ => None,
        }
    }

    fn notify(&self, changed: &[String]) {
        if changed.is_empty() {
            return;
        }
        self.inner.changes.send_modify(|change| {
            change.generation += 1;
            change.keys = changed.to_vec();
        });
    }

    /// Resolves `key` once for all the tasks that missed it together.
    async fn miss(&self, key: &str) -> Result<Arc<Resolution>, ManagerError> {
        let flight = Arc::clone(
            self.inner
                .flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key.to_owned())
                .or_default(),
        );
        let _turn = flight.lock().await;
        // Whoever held the lock before us may have filled the cache.
        if let Some(resolution) = self.cached(key) {
            return Ok(resolution);
        }
        let report = self.resolve_now(Some(key.to_owned())).await?;
        self.audit(Event::Resolve, &report)?;
        let resolution =
            report
                .resolutions
                .into_iter()
                .next()
                .ok_or_else(|| Error::UnknownKey {
                    key: key.to_owned(),
                    manifest: self.inner.manifest.path().to_path_buf(),
                    suggestion: None,
                })?;
        // Failures are not cached: the next read tries the sources again.
        if resolution.problems.is_empty() {
            let changed: Vec<String> = self.store(&resolution).into_iter().collect();
            self.notify(&changed);
        }
        Ok(Arc::new(resolution))
    }

    /// Resolves one key, or all, on the blocking pool (sources read files and the
    /// network).
    async fn resolve_now(&self, key: Option<String>) -> Result<Report, ManagerError> {
        let inner = Arc::clone(&self.inner);
        let vars = Arc::clone(&inner.vars.read().unwrap_or_else(PoisonError::into_inner));
        let task = tokio::task::spawn_blocking(move || {
            let environment = inner
                .manifest
                .select_environment(Some(&inner.environment), &vars)?;
            match &key {
                Some(key) => resolve(
                    &inner.manifest,
                    environment,
                    &vars,
                    Scope::Keys(&[key.as_str()]),
                ),
                None => resolve(&inner.manifest, environment, &vars, Scope::All),
            }
        });
        match task.await {
            Ok(report) => Ok(report?),
            Err(error) => Err(ManagerError::Runtime(error.to_string())),
        }
    }

    fn audit(&self, event: Event, report: &Report) -> Result<(), crate::audit::AuditError> {
        self.inner
            .audit
            .as_ref()
            .map_or(Ok(()), |log| log.record_report(event, report))
    }

    fn problems(&self, report: &Report) -> Result<(), Problems> {
        let problems = self.problems_of(&report.resolutions);
        if problems.problems.is_empty() {
            Ok(())
        } else {
            Err(Problems {
                warnings: report.warnings.clone(),
                ..problems
            })
        }
    }

    fn problems_of<'a>(&self, resolutions: impl IntoIterator<Item = &'a Resolution>) -> Problems {
        let mut problems = Vec::new();
        for resolution in resolutions {
            for problem in &resolution.problems {
                problems.push(SecretProblem {
                    spec: Arc::clone(&resolution.spec),
                    problem: problem.clone(),
                    looked: resolution.looked.clone(),
                });
            }
        }
        Problems {
            environment: self.inner.environment.clone(),
            problems,
            warnings: Vec::new(),
        }
    }
}

impl SecretManagerBuilder {
    /// Use this environment instead of the one the variables name (or the default).
    #[must_use]
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }

    /// Read these variables instead of the process environment (tests, or a service
    /// that builds its own).
    #[must_use]
    pub fn variables(mut self, vars: Variables) -> Self {
        self.vars = Some(vars);
        self
    }

    /// Write the audit log here (instead of the manifest's `[audit]`).
    #[must_use]
    pub fn audit(mut self, target: Target) -> Self {
        self.audit = Some(target);
        self
    }

    /// Checks the environment, opens the audit log, and returns the manager. No secret
    /// is read yet.
    pub fn build(self) -> Result<SecretManager, ManagerError> {
        let vars = self.vars.unwrap_or_else(Variables::from_process);
        let environment = self
            .manifest
            .select_environment(self.environment.as_deref(), &vars)?
            .name
            .clone();
        let target = self.audit.or_else(|| self.manifest.audit().cloned());
        let audit = match target {
            Some(target) => Some(AuditLog::open(&target, &environment, &vars)?),
            None => None,
        };
        Ok(SecretManager {
            inner: Arc::new(Inner {
                manifest: self.manifest,
                environment,
                vars: RwLock::new(Arc::new(vars)),
                audit,
                cache: RwLock::new(HashMap::new()),
                generation: AtomicU64::new(0),
                locals: ThreadLocal::new(),
                seen: Mutex::new(HashMap::new()),
                changes: tokio::sync::watch::Sender::new(Change::default()),
                flights: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// [`SecretManager`]'s blocking facade, from [`SecretManager::blocking`].
#[derive(Debug)]
pub struct BlockingManager<'a> {
    manager: &'a SecretManager,
}

impl BlockingManager<'_> {
    fn run<T>(future: impl std::future::Future<Output = T>) -> Result<T, ManagerError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|error| ManagerError::Runtime(error.to_string()))?;
        Ok(runtime.block_on(future))
    }

    /// [`SecretManager::validate`], blocking.
    pub fn validate(&self) -> Result<Report, ManagerError> {
        Self::run(self.manager.validate())?
    }

    /// The value of a cache hit at once; a runtime only for a miss.
    fn finish<T: Unpin>(lookup: Lookup<'_, T>) -> Result<T, ManagerError> {
        match lookup {
            Lookup::Ready(Some(value)) => Ok(value),
            lookup => Self::run(lookup)?,
        }
    }

    /// [`SecretManager::get`], blocking.
    pub fn get(&self, key: &str) -> Result<SecretValue, ManagerError> {
        Self::finish(self.manager.lookup(key))
    }

    /// [`SecretManager::get_opt`], blocking.
    pub fn get_opt(&self, key: &str) -> Result<Option<SecretValue>, ManagerError> {
        Self::finish(self.manager.lookup_opt(key))
    }

    /// [`SecretManager::refresh`], blocking.
    pub fn refresh(&self) -> Result<Vec<String>, ManagerError> {
        Self::run(self.manager.refresh())?
    }

    /// [`SecretManager::load`], blocking.
    pub fn load<T: DeserializeOwned>(&self) -> Result<T, ManagerError> {
        Self::run(self.manager.load())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "version = 1\n\
        [sources.env]\ntype = \"env\"\n\
        [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
        [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
        [secrets.api_key]\ndescription = \"Payment API key\"\nrequired = true\n\
        [secrets.sentry_dsn]\ndescription = \"Error reporting\"\n";

    fn app() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secrets.toml"), MANIFEST).unwrap();
        dir
    }

    fn manager(dir: &Path, vars: Variables) -> SecretManager {
        let manifest = Manifest::discover(None, &vars, dir).unwrap();
        SecretManager::from_manifest(manifest)
            .variables(vars)
            .build()
            .unwrap()
    }

    #[test]
    fn set_variables_is_read_at_the_next_resolution_only() {
        let dir = app();
        let secrets = manager(
            dir.path(),
            Variables::from_pairs([("API_KEY", "first-key")]),
        );
        assert_eq!(
            secrets.blocking().get("api_key").unwrap().expose(),
            "first-key"
        );
        secrets.set_variables(Variables::from_pairs([("API_KEY", "second-key")]));
        // Cached values stay until they are re-read.
        assert_eq!(
            secrets.blocking().get("api_key").unwrap().expose(),
            "first-key"
        );
        secrets.clear_cache();
        assert_eq!(
            secrets.blocking().get("api_key").unwrap().expose(),
            "second-key"
        );
        assert_eq!(secrets.blocking().refresh().unwrap(), Vec::<String>::new());
        secrets.set_variables(Variables::from_pairs([("API_KEY", "third-key")]));
        assert_eq!(
            secrets.blocking().refresh().unwrap(),
            vec!["api_key".to_owned()]
        );
    }

    #[test]
    fn get_cached_never_reads_a_source() {
        let dir = app();
        let secrets = manager(
            dir.path(),
            Variables::from_pairs([("API_KEY", "cached-key")]),
        );
        assert!(
            secrets.get_cached("api_key").is_none(),
            "nothing is read yet"
        );
        secrets.blocking().get("api_key").unwrap();
        let hit = secrets.get_cached("api_key").unwrap().unwrap();
        assert_eq!(hit.expose(), "cached-key");
        assert!(secrets.blocking().get_opt("sentry_dsn").unwrap().is_none());
        assert!(secrets.get_cached("sentry_dsn").unwrap().is_none());
        assert!(secrets.get_cached("undeclared").is_none());
        secrets.clear_cache();
        assert!(secrets.get_cached("api_key").is_none());

        let audited = SecretManager::from_path(dir.path().join("secrets.toml"))
            .unwrap()
            .variables(Variables::from_pairs([("API_KEY", "cached-key")]))
            .audit(Target::File(dir.path().join("audit.log")))
            .build()
            .unwrap();
        audited.blocking().get("api_key").unwrap();
        assert!(
            audited.get_cached("api_key").is_none(),
            "with an audit log every get is recorded"
        );
    }

    #[test]
    fn problems_carry_where_secretary_looked_and_the_warnings() {
        use std::os::unix::fs::PermissionsExt;
        let dir = app();
        let dotenv = dir.path().join(".env");
        std::fs::write(&dotenv, "SENTRY_DSN=https://sentry.example/1\n").unwrap();
        std::fs::set_permissions(&dotenv, std::fs::Permissions::from_mode(0o644)).unwrap();
        let secrets = manager(dir.path(), Variables::default());
        let Err(ManagerError::Problems(problems)) = secrets.blocking().validate() else {
            panic!("api_key is missing");
        };
        assert_eq!(problems.problems.len(), 1);
        assert_eq!(problems.problems[0].spec.key, "api_key");
        assert_eq!(
            problems.problems[0].looked,
            ["env:API_KEY".to_owned(), "dotenv:.env".to_owned()]
        );
        assert!(
            problems
                .warnings
                .iter()
                .any(|w| w.contains(".env is readable")),
            "{:?}",
            problems.warnings
        );
    }
}
