//! A running application through an outage: a re-read that fails because a source could
//! not be reached keeps serving the value the manager holds, marked stale (in an
//! environment with `last_known_good`, and no older than its `max_age`; with
//! `on_stale = "fail"` it is dropped instead); a re-read that a source refused drops the
//! value, so that `get` raises.

use std::sync::PoisonError;
use std::time::SystemTime;

use crate::outage::{Cause, Stale, is_outage};
use crate::resolve::{Fix, Problem, ProblemKind, Report};

use super::SecretManager;

impl SecretManager {
    /// Applies the outage rules to a fresh `report`: each secret that failed for an
    /// outage takes the value held, stale; each refused one is dropped from the cache.
    pub(super) fn through_outage(&self, report: &mut Report) {
        let policy = self
            .inner
            .manifest
            .environments()
            .iter()
            .find(|e| e.name == self.inner.environment)
            .and_then(|e| e.last_known_good);
        let now = SystemTime::now();
        let mut dropped = false;
        let mut held_count = 0;
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for resolution in &mut report.resolutions {
            let (source, cause) = match resolution.problems.first().map(|p| &p.kind) {
                Some(ProblemKind::Outage { source, cause, .. }) => (source.clone(), cause.clone()),
                Some(ProblemKind::SourceFailed { source, error }) if is_outage(error) => {
                    (source.clone(), Cause::Failed(error.clone()))
                }
                // Refused, or stale where stale values are problems (`on_stale = "fail"`).
                Some(ProblemKind::SourceFailed { .. } | ProblemKind::Stale(_)) => {
                    dropped |= cache.remove(resolution.key()).is_some();
                    continue;
                }
                _ => continue,
            };
            let Some(policy) = policy else {
                continue;
            };
            let Some(held) = cache.get(resolution.key()) else {
                continue;
            };
            let age = now.duration_since(held.read).unwrap_or_default();
            if held.resolution.value.is_none() || age > policy.max_age {
                continue;
            }
            let mut kept = (*held.resolution).clone();
            let stale = Stale { source, age, cause };
            kept.problems.clear();
            if policy.on_stale == crate::manifest::OnStale::Fail {
                // Stale values are problems here: not served, and `get` raises.
                kept.problems.push(Problem {
                    fix: Fix::Source(crate::resolve::SourceFix::Stale {
                        cause: stale.cause.clone(),
                        or_serve: false,
                    }),
                    kind: ProblemKind::Stale(stale.clone()),
                });
                dropped |= cache.remove(resolution.key()).is_some();
            } else {
                held_count += 1;
            }
            kept.stale = Some(stale);
            *resolution = kept;
        }
        if dropped {
            // Under the write lock, as every change to the cache.
            self.inner
                .generation
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        drop(cache);
        if held_count > 0 {
            report
                .warnings
                .push(crate::Warning::Held { count: held_count });
        }
    }
}
