//! A `vault` source as a [`Store`]: what `put`, `rotate`, `rollback` and `import` write
//! through. KV versions are numbered and every write is check-and-set.

use crate::manifest::SecretSpec;
use crate::source::{Context, Plan, SourceError, Store, StoreError, StoreLimit, Stored, Written};
use crate::{Locator, SecretValue};

use super::{Snapshot, VaultSource};

impl Store for VaultSource {
    fn keeps_versions(&self) -> bool {
        self.config.kv_version == 2
    }

    fn without_versions(&self) -> StoreLimit {
        StoreLimit::KvVersion1
    }

    fn stored(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        version: Option<u64>,
    ) -> Result<Stored, StoreError> {
        Ok(VaultSource::stored(self, spec, context, version)?)
    }

    fn write(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        value: &SecretValue,
        cas: Option<u64>,
    ) -> Result<Written, StoreError> {
        Ok(VaultSource::write(self, spec, context, value, cas)?)
    }

    fn plan(&self, specs: &[&SecretSpec], context: &Context<'_>) -> Result<Plan, StoreError> {
        Ok(Plan::new(self.snapshot(specs, context)?))
    }

    fn planned(&self, plan: &Plan, index: usize) -> Stored {
        match plan.get::<Snapshot>() {
            Some(snapshot) => snapshot.stored(index, self),
            None => Stored::Missing {
                locator: Locator::vault("", "", None),
            },
        }
    }

    fn apply(
        &self,
        plan: &Plan,
        changes: &[(usize, &SecretValue)],
        context: &Context<'_>,
        landed: &mut (dyn FnMut(usize, &Result<Written, SourceError>) + Send),
    ) -> Result<Vec<Result<Written, SourceError>>, StoreError> {
        let Some(snapshot) = plan.get::<Snapshot>() else {
            return Ok(Vec::new());
        };
        let results = self.write_snapshot(snapshot, changes, context, &mut |change, result| {
            landed(change, &result.clone().map_err(SourceError::Vault));
        })?;
        Ok(results
            .into_iter()
            .map(|result| result.map_err(SourceError::Vault))
            .collect())
    }
}
