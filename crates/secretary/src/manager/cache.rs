//! The manager's cache: each thread's copy of the resolved values, lookups that are
//! ready at once on a hit, and the misses, re-reads and change notices behind them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use crate::audit::Event;
use crate::manifest::{Manifest, ValueTemplate};
use crate::resolve::{Report, Resolution, Scope, resolve};
use crate::secret::SecretValue;
use crate::{Error, Origin};

use super::{ManagerError, SecretManager};

pub(super) struct Cached {
    pub(super) resolution: Arc<Resolution>,
    pub(super) expires: Option<Instant>,
    /// When its value was read from its source (earlier than when it was cached, for a
    /// value from a last-known-good copy): how old it is when it is held through an
    /// outage.
    pub(super) read: std::time::SystemTime,
    /// The number of the read that made it ([`SecretManager::resolve_now`]).
    pub(super) began: u64,
}

/// One thread's [`Local`], alone on its cache lines: `ThreadLocal` keeps the threads'
/// entries side by side, and a hit writes the `RefCell`'s borrow flag.
#[derive(Default)]
#[repr(align(128))]
pub(super) struct Padded(RefCell<Local>);

/// One thread's copy of the cached values.
#[derive(Default)]
pub(super) struct Local {
    /// The `generation` of the cache this was copied from; `None` before the first copy.
    pub(super) generation: Option<u64>,
    /// Key to value (a copy of the text, not a clone of the shared one) and expiry.
    pub(super) values:
        HashMap<Box<str>, (Option<SecretValue>, Option<Instant>), rustc_hash::FxBuildHasher>,
}

/// The future of [`SecretManager::get`] and [`SecretManager::get_opt`]: on a cache hit,
/// the value, ready at once; on a miss, the boxed resolution (so a hit's future stays a
/// few words long and is never a state machine to step through).
pub(super) enum Lookup<'a, T> {
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

/// The time `age` ago.
fn read_before(age: std::time::Duration) -> std::time::SystemTime {
    let now = std::time::SystemTime::now();
    now.checked_sub(age).unwrap_or(now)
}

/// Removes `key` from `cache`, and every template that reads it (a template lives no
/// longer than its inputs: a twenty-eighth adversarial pass had `get` serve a template
/// over a password rotated, deleted or refused since). Gives whether anything was
/// removed.
pub(super) fn forget(manifest: &Manifest, cache: &mut HashMap<String, Cached>, key: &str) -> bool {
    let mut removed = cache.remove(key).is_some();
    for reader in readers(manifest, key) {
        removed |= cache.remove(reader).is_some();
    }
    removed
}

/// The templates of `manifest` that read `key`. (A template never reads another: the
/// checker refuses chains.)
fn readers<'m>(manifest: &'m Manifest, key: &'m str) -> impl Iterator<Item = &'m str> + 'm {
    manifest.secrets().iter().filter_map(move |spec| {
        spec.template
            .as_ref()
            .is_some_and(|template| template.inputs().any(|input| input == key))
            .then_some(spec.key.as_str())
    })
}

impl SecretManager {
    /// Whether `resolution`, from the read numbered `began`, began before its value was
    /// dropped (`clear_cache`, `close`, a refusal or deletion of it or of a template's
    /// input). A value held through an outage keeps its own read's number, so it is
    /// refused too when it was dropped meanwhile (a thirty-first adversarial pass:
    /// exempt, it came back after `close`).
    fn below_floor(&self, resolution: &Resolution, began: u64) -> bool {
        let floors = self
            .inner
            .floors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let floor = |key: &str| floors.get(key).copied().unwrap_or(0);
        let template_inputs: &[String] = match &resolution.origin {
            Some(Origin::Template { inputs }) => inputs,
            _ => &[],
        };
        let lowest = std::iter::once(resolution.key())
            .chain(template_inputs.iter().map(String::as_str))
            .map(floor)
            .max()
            .unwrap_or(0)
            .max(self.inner.floor.load(Ordering::Acquire));
        began < lowest
    }

    /// No read begun before now may cache `keys` again (see [`SecretManager::store`]).
    pub(super) fn raise_floors(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let now = self.inner.reads.load(Ordering::Acquire);
        let mut floors = self
            .inner
            .floors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            let floor = floors.entry(key.clone()).or_insert(0);
            *floor = (*floor).max(now);
        }
    }
}

/// The earlier of two expiries (`None`: never).
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The instant the wall clock reads `when` (now, if it is past).
fn instant_at(when: std::time::SystemTime) -> Option<Instant> {
    let left = when
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    Instant::now().checked_add(left)
}

impl SecretManager {
    /// Until when a value read at `read` may be served, whatever its source's `ttl`:
    /// where rotation is enforced, until it is due (then a read finds it overdue, and
    /// `get` raises); when it is held stale, until it is older than the environment's
    /// `last_known_good.max_age` (a thirty-second adversarial pass had a manager serve
    /// an overdue password, and a value held through an outage, for as long as the
    /// process lived).
    fn served_until(
        &self,
        resolution: &Resolution,
        read: std::time::SystemTime,
    ) -> Option<Instant> {
        let environment = self
            .inner
            .manifest
            .environments()
            .iter()
            .find(|environment| environment.name == self.inner.environment)?;
        let due = environment
            .enforce_rotation
            .then(|| resolution.rotation_due())
            .flatten()
            .and_then(instant_at);
        let held_until = resolution
            .stale
            .as_ref()
            .and(environment.last_known_good)
            .and_then(|policy| read.checked_add(policy.max_age))
            .and_then(instant_at);
        earliest(due, held_until)
    }
}

/// Whether a cached value that expires at `expires` (never, if `None`) is still fresh.
pub(super) fn fresh(expires: Option<Instant>) -> bool {
    expires.is_none_or(|expires| Instant::now() < expires)
}

impl SecretManager {
    /// The fresh cached value of `key` from this thread's copy of the cache, first
    /// brought up to date if the cache changed since it was taken.
    /// Never with an audit log, which records every `get`.
    #[expect(
        clippy::option_option,
        reason = "outer: whether it is cached; inner: the value, or an optional secret unset"
    )]
    pub(super) fn hit(&self, key: &str) -> Option<Option<SecretValue>> {
        if self.inner.audit.is_some() || self.revoked_since() {
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
    pub(super) fn copy_cache(&self, local: &mut Local) {
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

    /// Whether this process's leases were revoked since this manager last looked
    /// ([`crate::source::leases::revocations`]: another manager's `close`, say): then
    /// what it cached is dropped, as it may hold a revoked lease's credentials, and read
    /// again when asked for.
    pub(super) fn revoked_since(&self) -> bool {
        if self.inner.leases.is_none() {
            return false;
        }
        let now = crate::source::leases::revocations();
        if self.inner.revocations.swap(now, Ordering::AcqRel) == now {
            return false;
        }
        self.clear_cache();
        true
    }

    /// The cached resolution of `key`, unless it has expired.
    pub(super) fn cached(&self, key: &str) -> Option<Arc<Resolution>> {
        if self.revoked_since() {
            return None;
        }
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
    ///
    /// Not [`Report::changed_keys`](crate::Report::changed_keys), which compares two
    /// reports a caller holds (`run --watch`): the manager holds no earlier report, and
    /// must tell a change after `clear_cache` too, so it remembers a digest of each key's
    /// last value (never the value), from a one-key read as from a re-read of all; and a
    /// key's first read is no change.
    ///
    /// A template is cached as long as its inputs are, and as old as the oldest: stored
    /// after them, it takes their entries' expiry and time of reading (one not cached
    /// expires at once). A key whose value changed takes the templates that read it out
    /// of the cache, to be built again from the new value.
    ///
    /// `began` numbers the read that made `resolution`: a value a later read made is
    /// never replaced by it, nor a template built from older inputs than those cached (a
    /// twenty-ninth adversarial pass: a slow read of a template, begun before a rotation,
    /// stored the rotated-out password over the new one, and told subscribers so).
    pub(super) fn store(&self, resolution: &Resolution, began: u64) -> Option<String> {
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if self.below_floor(resolution, began) {
            return None;
        }
        let newer = |key: &str| cache.get(key).is_some_and(|held| held.began > began);
        let inputs_newer = match &resolution.origin {
            Some(Origin::Template { inputs }) => inputs.iter().any(|input| newer(input)),
            _ => false,
        };
        if newer(resolution.key()) || inputs_newer {
            return None;
        }
        let read = match &resolution.stale {
            Some(stale) => read_before(stale.age),
            None => std::time::SystemTime::now(),
        };
        let (expires, read) = match &resolution.origin {
            Some(Origin::Template { inputs }) => inputs.iter().fold(
                (None, read),
                |(expires, read): (Option<Instant>, _), input| {
                    let (until, when) = cache
                        .get(input)
                        .map_or((Some(Instant::now()), read), |held| {
                            (held.expires, held.read)
                        });
                    let expires = match (expires, until) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    (expires, read.min(when))
                },
            ),
            origin => {
                let ttl = origin
                    .as_ref()
                    .and_then(|origin| self.inner.manifest.source(origin.source()))
                    .and_then(|source| source.ttl);
                // Past what the clock can count, a value never expires.
                let expires = ttl.and_then(|ttl| Instant::now().checked_add(ttl));
                (earliest(expires, self.served_until(resolution, read)), read)
            }
        };
        cache.insert(
            resolution.key().to_owned(),
            Cached {
                resolution: Arc::new(resolution.clone()),
                expires,
                read,
                began,
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
            Some(previous) if !same(&previous, &digest) => {
                let mut cache = self
                    .inner
                    .cache
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                let mut removed = false;
                for reader in readers(&self.inner.manifest, resolution.key()) {
                    removed |= cache.remove(reader).is_some();
                }
                if removed {
                    self.inner.generation.fetch_add(1, Ordering::Release);
                }
                Some(resolution.key().to_owned())
            }
            _ => None,
        }
    }

    pub(super) fn notify(&self, changed: &[String]) {
        if changed.is_empty() {
            return;
        }
        self.inner.changes.send_modify(|change| {
            change.generation += 1;
            change.keys = changed.to_vec();
        });
    }

    /// Resolves `key` once for all the tasks that missed it together.
    pub(super) async fn miss(&self, key: &str) -> Result<Arc<Resolution>, ManagerError> {
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
        let (mut report, began) = self.resolve_now(Some(key.to_owned())).await?;
        let held = self.through_outage(&mut report);
        self.audit(Event::Resolve, &report)?;
        // Failures are not cached: the next read tries the sources again. A template's
        // inputs, read with it, are cached too, first.
        let changed = self.store_all(&report, began, &held);
        self.notify(&changed);
        let resolution = report
            .resolutions
            .into_iter()
            .find(|resolution| resolution.key() == key)
            .ok_or_else(|| Error::UnknownKey {
                key: key.to_owned(),
                manifest: self.inner.manifest.path().to_path_buf(),
                suggestion: None,
            })?;
        Ok(Arc::new(resolution))
    }

    /// Caches every resolution of `report` without a problem, templates after the
    /// values they are built from ([`SecretManager::store`]); gives the keys whose value
    /// changed.
    pub(super) fn store_all(
        &self,
        report: &Report,
        began: u64,
        held: &HashMap<String, u64>,
    ) -> Vec<String> {
        let good = || {
            report
                .resolutions
                .iter()
                .filter(|resolution| resolution.problems.is_empty())
        };
        good()
            .filter(|resolution| resolution.spec.template.is_none())
            .chain(good().filter(|resolution| resolution.spec.template.is_some()))
            .filter_map(|resolution| {
                let began = held.get(resolution.key()).copied().unwrap_or(began);
                self.store(resolution, began)
            })
            .collect()
    }

    /// Resolves one key, or all, on the blocking pool (sources read files and the
    /// network).
    pub(super) async fn resolve_now(
        &self,
        key: Option<String>,
    ) -> Result<(Report, u64), ManagerError> {
        // Numbered before anything is read: the order reads began in is the order of
        // what they could see.
        let began = self.inner.reads.fetch_add(1, Ordering::AcqRel);
        let inner = Arc::clone(&self.inner);
        let vars = Arc::clone(&inner.vars.read().unwrap_or_else(PoisonError::into_inner));
        let task = tokio::task::spawn_blocking(move || {
            let environment = inner
                .manifest
                .select_environment(Some(&inner.environment), &vars)?;
            match &key {
                // A template with its inputs, so that they are cached with it and it
                // expires with them.
                Some(key) => {
                    let mut keys = vec![key.as_str()];
                    // As this environment declares it: a template may be an
                    // environment's own (a thirty-second adversarial pass found its
                    // inputs never cached, so never held through an outage).
                    if let Ok(spec) = inner.manifest.secret_in(environment, key) {
                        keys.extend(spec.template.iter().flat_map(ValueTemplate::inputs));
                    }
                    resolve(&inner.manifest, environment, &vars, Scope::Keys(&keys))
                }
                None => resolve(&inner.manifest, environment, &vars, Scope::All),
            }
        });
        match task.await {
            Ok(report) => Ok((report?, began)),
            Err(error) => Err(ManagerError::Runtime(error.to_string())),
        }
    }
}
