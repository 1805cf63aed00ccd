//! An `aws_secrets_manager` source as a [`Store`]: what `put`, `rotate` and `import`
//! write through. Secrets Manager has neither check-and-set nor numbered versions (its
//! versions are staging labels), so a write is a new version made with a client request
//! token of its own, and `rollback` is refused.

use crate::manifest::SecretSpec;
use crate::source::{
    AwsError, Context, Lookup, Plan, Source as _, SourceError, Store, StoreError, StoreLimit,
    Stored, Written,
};
use crate::{Locator, SecretValue};

use super::AwsSource;

/// What an import's plan read in Secrets Manager: each copied secret, and what it held.
struct Read {
    specs: Vec<SecretSpec>,
    current: Vec<Stored>,
}

impl AwsSource {
    /// `what` refused: this store cannot do it.
    fn unsupported(&self, what: StoreLimit) -> StoreError {
        StoreError::Unsupported {
            source_name: self.name().to_owned(),
            kind: self.kind(),
            what,
        }
    }
}

impl Store for AwsSource {
    fn without_versions(&self) -> StoreLimit {
        StoreLimit::RollBackStagingLabels
    }

    fn stored(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        version: Option<u64>,
    ) -> Result<Stored, StoreError> {
        if version.is_some() {
            return Err(self.unsupported(StoreLimit::ReadStagingLabels));
        }
        Ok(AwsSource::stored(self, spec, context)?)
    }

    fn write(
        &self,
        spec: &SecretSpec,
        context: &Context<'_>,
        value: &SecretValue,
        cas: Option<u64>,
    ) -> Result<Written, StoreError> {
        if cas.is_some() {
            return Err(self.unsupported(StoreLimit::NoCheckAndSet));
        }
        Ok(AwsSource::write(self, spec, context, value)?)
    }

    /// One batched read of every copied secret, failing the plan on any failure.
    fn plan(&self, specs: &[&SecretSpec], context: &Context<'_>) -> Result<Plan, StoreError> {
        let mut current = Vec::with_capacity(specs.len());
        for lookup in self.lookup(specs, context).lookups {
            current.push(match lookup {
                Lookup::Found {
                    value,
                    locator,
                    written,
                    ..
                } => Stored::Present {
                    value: Some(value),
                    locator,
                    written,
                },
                Lookup::Absent { .. } => Stored::Missing {
                    locator: Locator::aws_secret("", None, None),
                },
                Lookup::Failed(SourceError::Aws(error)) => return Err(StoreError::Aws(error)),
                Lookup::Failed(other) => {
                    return Err(StoreError::Aws(AwsError::Config {
                        setting: format!("source `{}`", self.name()),
                        reason: other.to_string(),
                    }));
                }
            });
        }
        let specs = specs.iter().map(|spec| (*spec).clone()).collect();
        Ok(Plan::new(Read { specs, current }))
    }

    fn planned(&self, plan: &Plan, index: usize) -> Stored {
        match plan.get::<Read>().and_then(|read| read.current.get(index)) {
            Some(Stored::Present {
                value,
                locator,
                written,
            }) => Stored::Present {
                value: value.clone(),
                locator: locator.clone(),
                written: *written,
            },
            Some(Stored::Missing { locator }) => Stored::Missing {
                locator: locator.clone(),
            },
            _ => Stored::Missing {
                locator: Locator::aws_secret("?", None, None),
            },
        }
    }

    /// Each write in turn: a JSON secret's fields are written one by one.
    fn apply(
        &self,
        plan: &Plan,
        changes: &[(usize, &SecretValue)],
        context: &Context<'_>,
        landed: &mut (dyn FnMut(usize, &Result<Written, SourceError>) + Send),
    ) -> Result<Vec<Result<Written, SourceError>>, StoreError> {
        let Some(read) = plan.get::<Read>() else {
            return Ok(Vec::new());
        };
        let mut results = Vec::with_capacity(changes.len());
        for (change, &(index, value)) in changes.iter().enumerate() {
            let result = match read.specs.get(index) {
                Some(spec) => {
                    AwsSource::write(self, spec, context, value).map_err(SourceError::Aws)
                }
                None => Err(SourceError::Incomplete {
                    answered: read.specs.len(),
                    asked: index.saturating_add(1),
                }),
            };
            landed(change, &result);
            results.push(result);
        }
        Ok(results)
    }
}
