//! `import`'s view of the target: every path read once ([`Snapshot`]), then written
//! with check-and-set on the versions read, each write reported as it lands.

use std::sync::Arc;

pub use error::VaultError;

use super::Context;
use crate::SecretValue;
use crate::manifest::SecretSpec;
use client::SecretJson;

use super::{
    At, CONFLICT_RETRIES, FieldChange, Merge, Planned, Read, ReadPlan, Stored, Theirs, VaultSource,
    Written, client, drive, error, read_all, stored, text_of, write_merging,
};

/// What a set of paths held when [`VaultSource::snapshot`] read them.
#[derive(Debug)]
pub struct Snapshot {
    pub(super) entries: Vec<Planned>,
    pub(super) apis: Vec<String>,
    pub(super) states: Vec<Read>,
}

impl Snapshot {
    /// What secret `index` (in the order given to [`VaultSource::snapshot`]) holds.
    pub fn stored(&self, index: usize, source: &VaultSource) -> Stored {
        let entry = &self.entries[index];
        stored(&self.states[entry.slot], source, &entry.path, &entry.field).unwrap_or_else(|_| {
            Stored::Missing {
                locator: source.locator(&entry.path, &entry.field, None),
            }
        })
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl VaultSource {
    /// Reads every path `specs` live in, concurrently (each path once), for a later
    /// [`VaultSource::write_snapshot`]: what each secret holds now, and each path's version.
    pub fn snapshot(
        &self,
        specs: &[&SecretSpec],
        context: &Context<'_>,
    ) -> Result<Snapshot, VaultError> {
        let connection = self.connection(context)?;
        let ReadPlan { secrets, reads } = self.plan(specs, context, At::Latest);
        let entries = secrets.into_iter().collect::<Result<Vec<_>, _>>()?;
        let states = read_all(&connection, &reads, self.config.kv_version, None)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Snapshot {
            entries,
            apis: reads.into_iter().map(|(api, _)| api).collect(),
            states,
        })
    }

    /// Writes `changes` (an index into the snapshot's secrets and its new value): each
    /// path once, with every change to it, as a new version with check-and-set on the
    /// version the snapshot read, paths concurrently. One result per change, in order;
    /// `landed` hears each change's result (its position in `changes`) as soon as its
    /// path's answer arrives, so that a caller can record each write as it lands rather
    /// than after all of them.
    pub fn write_snapshot(
        &self,
        snapshot: &Snapshot,
        changes: &[(usize, &SecretValue)],
        context: &Context<'_>,
        landed: &mut (dyn FnMut(usize, &Result<Written, VaultError>) + Send),
    ) -> Result<Vec<Result<Written, VaultError>>, VaultError> {
        let connection = self.connection(context)?;
        let kv_version = self.config.kv_version;
        // Each touched path: its data with every change applied, its expected version,
        // and the changes themselves (for a re-read after a conflict).
        let mut touched: Vec<(usize, SecretJson, u64, Vec<FieldChange>)> = Vec::new();
        // For each change, the position of its path in `touched`.
        let mut path_of: Vec<usize> = Vec::with_capacity(changes.len());
        for &(index, value) in changes {
            let entry = &snapshot.entries[index];
            let position =
                if let Some(position) = touched.iter().position(|(slot, ..)| *slot == entry.slot) {
                    position
                } else {
                    let (data, version) = snapshot.states[entry.slot].fields();
                    touched.push((entry.slot, data, version, Vec::new()));
                    touched.len() - 1
                };
            path_of.push(position);
            let (_, data, _, fields) = &mut touched[position];
            fields.push(FieldChange {
                field: entry.field.clone(),
                before: text_of(data, &entry.field, &snapshot.apis[entry.slot]),
                value: value.clone(),
            });
            data.insert(&entry.field, value.expose());
        }
        // What a path's answer means for one change to it.
        let result_of = |change: usize, answer: &Result<Option<u64>, VaultError>| {
            let entry = &snapshot.entries[changes[change].0];
            match answer {
                Ok(version) => Ok(Written {
                    source: self.name.clone(),
                    locator: self.locator(&entry.path, &entry.field, *version),
                }),
                Err(error) => Err(error.clone()),
            }
        };
        let mut results: Vec<Option<Result<Written, VaultError>>> =
            (0..changes.len()).map(|_| None).collect();
        let client = &connection.client;
        let limit = self.config.max_concurrency;
        drive(connection.runtime.get(), async {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(limit));
            let mut tasks = tokio::task::JoinSet::new();
            for (position, (slot, data, expected, fields)) in touched.into_iter().enumerate() {
                let client = Arc::clone(client);
                let api = snapshot.apis[slot].clone();
                let semaphore = Arc::clone(&semaphore);
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    let merge = Merge {
                        retries: CONFLICT_RETRIES,
                        theirs: Theirs::Kept,
                    };
                    let written =
                        write_merging(&client, &api, kv_version, data, expected, &fields, merge)
                            .await;
                    (position, written)
                });
            }
            // By position, so that a task that did not finish leaves its own changes
            // unanswered (reported below as not written) and moves no other result.
            while let Some(joined) = tasks.join_next().await {
                let Ok((position, answer)) = joined else {
                    continue;
                };
                for (change, _) in path_of.iter().enumerate().filter(|(_, p)| **p == position) {
                    let result = result_of(change, &answer);
                    landed(change, &result);
                    results[change] = Some(result);
                }
            }
        });
        Ok(results
            .into_iter()
            .enumerate()
            .map(|(change, result)| {
                result.unwrap_or_else(|| {
                    let result = Err(VaultError::Deadline {
                        seconds: connection.client.deadline().as_secs(),
                    });
                    landed(change, &result);
                    result
                })
            })
            .collect())
    }
}
