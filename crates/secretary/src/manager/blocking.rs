//! [`BlockingManager`]: the same calls for code without an async runtime.

use serde::de::DeserializeOwned;

use crate::resolve::Report;
use crate::secret::SecretValue;

use super::{Lookup, ManagerError, SecretManager};

/// [`SecretManager`]'s blocking facade, from [`SecretManager::blocking`].
#[derive(Debug)]
pub struct BlockingManager<'a> {
    pub(super) manager: &'a SecretManager,
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
