//! [`SecretManagerBuilder`]: the settings a [`SecretManager`] is built with.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use thread_local::ThreadLocal;

use crate::audit::{AuditLog, Target};
use crate::manifest::Manifest;
use crate::variables::Variables;

use super::{Change, Inner, ManagerError, SecretManager};

/// Settings for a [`SecretManager`], from [`SecretManager::discover`] or
/// [`SecretManager::from_path`].
#[derive(Debug)]
pub struct SecretManagerBuilder {
    pub(super) manifest: Manifest,
    pub(super) environment: Option<String>,
    pub(super) vars: Option<Variables>,
    pub(super) audit: Option<Target>,
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
        let leased = self
            .manifest
            .sources()
            .iter()
            .any(|source| source.config.kind() == crate::manifest::SourceKind::VAULT_LEASE);
        Ok(SecretManager {
            inner: Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
                // The leases' events go to this manager's audit log while it lives.
                let observing = (leased && audit.is_some()).then(|| {
                    let weak = weak.clone();
                    crate::source::leases::observe(move |event| {
                        if let Some(log) = weak.upgrade().as_ref().and_then(|i| i.audit.as_ref()) {
                            let _ = log.record_lease(event);
                        }
                    })
                });
                let weak = weak.clone();
                Inner {
                    manifest: self.manifest,
                    environment,
                    vars: RwLock::new(Arc::new(vars)),
                    audit,
                    cache: RwLock::new(HashMap::new()),
                    generation: AtomicU64::new(0),
                    reads: AtomicU64::new(0),
                    floor: AtomicU64::new(0),
                    floors: Mutex::new(HashMap::new()),
                    locals: ThreadLocal::new(),
                    seen: Mutex::new(HashMap::new()),
                    changes: tokio::sync::watch::Sender::new(Change::default()),
                    flights: Mutex::new(HashMap::new()),
                    observing,
                    revocations: AtomicU64::new(crate::source::leases::revocations()),
                    leases: leased.then(|| {
                        // A child forked from this process inherits the listener, not the
                        // manager: its leases are read again by its own managers.
                        let pid = std::process::id();
                        crate::source::leases::listen(move || {
                            if std::process::id() != pid {
                                return;
                            }
                            if let Some(inner) = weak.upgrade() {
                                SecretManager { inner }.lease_changed();
                            }
                        })
                    }),
                }
            }),
        })
    }
}
