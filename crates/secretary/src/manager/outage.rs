//! A running application through an outage: a re-read that fails because a source could
//! not be reached keeps serving the value the manager holds, marked stale (in an
//! environment with `last_known_good`, and no older than its `max_age`; with
//! `on_stale = "fail"` it is dropped instead); a re-read that a source refused drops the
//! value, so that `get` raises.

use std::collections::HashMap;
use std::sync::PoisonError;
use std::time::SystemTime;

use crate::outage::{Cause, Stale, is_outage};
use crate::resolve::{Fix, Problem, ProblemKind, Report};

use super::SecretManager;
use super::cache::{Cached, forget};

impl SecretManager {
    /// Applies the outage rules to a fresh `report`: each secret that failed for an
    /// outage takes the value held, stale; each refused one is dropped from the cache,
    /// and no read begun before now may cache it after. Gives the held keys with the numbers of the reads that made what they hold:
    /// a value held keeps its own read's number, not this read's (a thirtieth adversarial
    /// pass had a held, rotated-out value outrank a fresher read that ended later).
    pub(super) fn through_outage(&self, report: &mut Report) -> HashMap<String, u64> {
        let mut held_reads = HashMap::new();
        // What this read drops: no read begun before the drop may cache it again.
        let mut gone: Vec<String> = Vec::new();
        let manifest = &self.inner.manifest;
        let environment = manifest
            .environments()
            .iter()
            .find(|e| e.name == self.inner.environment);
        let policy = environment.and_then(|e| e.last_known_good);
        let now = SystemTime::now();
        let mut dropped = false;
        let mut held_count = 0;
        let mut cache = self
            .inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for resolution in &mut report.resolutions {
            // A template follows its inputs (`follow_inputs`), never its own older copy.
            if resolution.spec.template.is_some() {
                continue;
            }
            let (source, cause) = match resolution.problems.first().map(|p| &p.kind) {
                Some(ProblemKind::Outage { source, cause, .. }) => (source.clone(), cause.clone()),
                Some(ProblemKind::SourceFailed { source, error }) if is_outage(error) => {
                    (source.clone(), Cause::Failed(error.clone()))
                }
                // Any other problem: refused, stale where stale values are problems
                // (`on_stale = "fail"`), gone (deleted in Vault, its line removed), or
                // a value that breaks its rules: what was held is no longer served (a
                // thirtieth adversarial pass had `get` serve a secret deleted from
                // Vault after `refresh` said it was missing).
                Some(_) => {
                    gone.push(resolution.key().to_owned());
                    dropped |= forget(manifest, &mut cache, resolution.key());
                    continue;
                }
                None => continue,
            };
            let Some(policy) = policy else {
                continue;
            };
            let Some(held) = cache.get(resolution.key()) else {
                continue;
            };
            let age = now.duration_since(held.read).unwrap_or_default();
            // Never a value overdue where rotation is enforced: a read would refuse it.
            let overdue = environment.is_some_and(|e| e.enforce_rotation)
                && held.resolution.rotation_due().is_some_and(|due| due <= now);
            if held.resolution.value.is_none() || age > policy.max_age || overdue {
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
                gone.push(resolution.key().to_owned());
                dropped |= forget(manifest, &mut cache, resolution.key());
            } else {
                held_count += 1;
                held_reads.insert(resolution.key().to_owned(), held.began);
            }
            kept.stale = Some(stale);
            *resolution = kept;
        }
        let (templates_dropped, templates_held) =
            follow_inputs(environment, report, &mut cache, &mut gone);
        dropped |= templates_dropped;
        held_count += templates_held;
        if dropped {
            // Under the write lock, as every change to the cache.
            self.inner
                .generation
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        // Every read begun before now, still going, must not cache what was just
        // dropped (a thirty-first adversarial pass: this read's own number let a read
        // begun after it, answered before the deletion, put the value back), nor a
        // template that reads it.
        self.raise_floors(&gone);
        drop(cache);
        if held_count > 0 {
            report
                .warnings
                .push(crate::Warning::Held { count: held_count });
        }
        held_reads
    }
}

/// Each template of `report` whose inputs the outage rules held or dropped goes with
/// them: dropped from `cache` when one is; built again from the values held when they
/// are, stale as its oldest input (a twenty-seventh adversarial pass saw a template over
/// a refused secret served, and one over a held secret called fresh; a twenty-eighth, one
/// served from its own older copy, built from a value rotated out since). Gives whether
/// any was dropped, and how many were held.
fn follow_inputs(
    environment: Option<&crate::EnvironmentSpec>,
    report: &mut Report,
    cache: &mut HashMap<String, Cached>,
    gone: &mut Vec<String>,
) -> (bool, usize) {
    let mut dropped = false;
    let mut again = Vec::new();
    for (at, resolution) in report.resolutions.iter().enumerate() {
        let Some(template) = &resolution.spec.template else {
            continue;
        };
        // Built: nothing to do. Not built (a problem, or an optional one left unset
        // for want of an input): it follows its inputs.
        if resolution.problems.is_empty() && resolution.value.is_some() {
            continue;
        }
        let inputs: Vec<&crate::resolve::Resolution> = template
            .inputs()
            .filter_map(|input| report.resolutions.iter().find(|r| r.key() == input))
            .collect();
        if inputs.iter().any(|input| !input.problems.is_empty()) {
            gone.push(resolution.key().to_owned());
            dropped |= cache.remove(resolution.key()).is_some();
        } else if inputs.iter().any(|input| input.stale.is_some()) {
            again.push(at);
        }
    }
    let Some(environment) = environment else {
        return (dropped, 0);
    };
    crate::resolve::rebuild_templates(environment, &mut report.resolutions, &again);
    let mut held_count = 0;
    for &at in &again {
        let resolution = &report.resolutions[at];
        if resolution.problems.is_empty() && resolution.value.is_some() {
            held_count += 1;
        } else {
            gone.push(resolution.key().to_owned());
            dropped |= cache.remove(resolution.key()).is_some();
        }
    }
    (dropped, held_count)
}
