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

mod blocking;
mod builder;
mod cache;
mod outage;
mod problems;

pub use blocking::BlockingManager;
pub use builder::SecretManagerBuilder;
use cache::{Cached, Lookup, Padded};
pub use problems::{ManagerError, Problems, SecretProblem};

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use thread_local::ThreadLocal;

use serde::de::DeserializeOwned;

use crate::Error;
use crate::audit::{AuditLog, Event};
use crate::manifest::{Manifest, SecretType};
use crate::resolve::{Problem, Report};
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
    /// Counts the reads begun: each cached value keeps the number of the read that made
    /// it, so that a read that began earlier and ended later never replaces it.
    reads: AtomicU64,
    /// No read numbered below it may cache a value: raised by `clear_cache` (and
    /// `close`), so that a read begun before does not put values back when it ends (a
    /// thirtieth adversarial pass).
    floor: AtomicU64,
    /// The same, for each key dropped by a read (a refusal, a deletion): the number of
    /// reads begun when it was dropped.
    floors: Mutex<HashMap<String, u64>>,
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
    /// With a `vault_lease` source: told when a lease's credentials change, to read
    /// again (and tell subscribers), or to forget credentials that no longer work.
    /// (Held for its `Drop`, which stops the listening.)
    leases: Option<crate::source::leases::Listening>,
    /// With a `vault_lease` source and an audit log: this log's observer of the
    /// process's lease events.
    #[expect(dead_code, reason = "held for its Drop, which stops the observing")]
    observing: Option<crate::source::leases::Observing>,
    /// [`crate::source::leases::revocations`] when the cache was last checked against
    /// it: any revocation since (another manager's `close`) drops what is cached.
    pub(super) revocations: AtomicU64,
}

impl fmt::Debug for SecretManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretManager")
            .field("manifest", &self.inner.manifest.path())
            .field("environment", &self.inner.environment)
            .finish_non_exhaustive()
    }
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
    /// Whether the value held for `key` is stale (served from a last-known-good copy, or
    /// held through an outage), and since when and why; `None` when it is fresh or not
    /// held. Reads no source.
    pub fn stale(&self, key: &str) -> Option<crate::Stale> {
        let cache = self
            .inner
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let cached = cache.get(key)?;
        let mut stale = cached.resolution.stale.clone()?;
        // Its age now, not when it was held.
        stale.age = std::time::SystemTime::now()
            .duration_since(cached.read)
            .unwrap_or(stale.age);
        Some(stale)
    }

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
        let (mut report, began) = self.resolve_now(None).await?;
        let held = self.through_outage(&mut report);
        self.audit(event, &report)?;
        let changed = self.store_all(&report, began, &held);
        self.notify(&changed);
        self.problems(&report)?;
        Ok((report, changed))
    }

    /// A channel that is told every time a re-read (after `clear_cache`, a `ttl`, or
    /// `refresh`) finds a value different from the one served before.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Change> {
        self.inner.changes.subscribe()
    }

    /// Revokes every lease this process holds (`vault_lease` credentials stop working
    /// now, not at the end of their TTL) and forgets every cached value. For the end of a
    /// process: the Python package calls it at exit and at the end of a `with` block.
    /// Reading a leased secret afterwards takes a new lease. Gives the revocations that
    /// failed (each with its error: those credentials work until their TTL ends).
    pub fn close(&self) -> Vec<crate::source::leases::LeaseEvent> {
        let events = crate::source::leases::revoke_all();
        self.clear_cache();
        events
            .into_iter()
            .filter(|event| event.error.is_some())
            .collect()
    }

    /// What a lease's change means to this manager: new credentials are read at once
    /// (and subscribers told); when they cannot be read (a lease lost, and none to be
    /// had again), the values are forgotten, so that `get` fails rather than hand out
    /// credentials that no longer work. (Whether some lease of the process was lost says
    /// nothing of this manager's: another manager's source may have lost its own.)
    pub(super) fn lease_changed(&self) {
        if self.blocking().refresh().is_err() {
            self.clear_cache();
        }
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
        self.inner
            .floor
            .fetch_max(self.inner.reads.load(Ordering::Acquire), Ordering::AcqRel);
    }

    /// A facade with the same methods that block, for code without an async runtime. It
    /// must not be used from inside one.
    pub fn blocking(&self) -> BlockingManager<'_> {
        BlockingManager { manager: self }
    }

    fn audit(&self, event: Event, report: &Report) -> Result<(), crate::audit::AuditError> {
        self.inner
            .audit
            .as_ref()
            .map_or(Ok(()), |log| log.record_report(event, report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Target;

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
            problems.problems[0]
                .looked
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["env:API_KEY".to_owned(), "dotenv:.env".to_owned()]
        );
        assert!(
            problems
                .warnings
                .iter()
                .any(|w| w.to_string().contains(".env is readable")),
            "{:?}",
            problems.warnings
        );
    }
}
