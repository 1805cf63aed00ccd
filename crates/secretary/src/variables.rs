//! A snapshot of environment variables.
//!
//! secretary never reads or changes its own process environment behind the caller's
//! back: the CLI takes one snapshot at start-up and the library works on that, so tests
//! can pass any variables they like without touching global state.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

/// Environment variables, by name.
///
/// ```
/// use secretary::Variables;
///
/// let vars = Variables::from_pairs([("ENVIRONMENT", "staging")]);
/// assert_eq!(vars.get_str("ENVIRONMENT"), Some("staging"));
/// assert_eq!(vars.get_str("MISSING"), None);
/// ```
#[derive(Clone, Default)]
pub struct Variables(HashMap<OsString, OsString>);

impl Variables {
    /// The current process's environment.
    pub fn from_process() -> Self {
        Self(std::env::vars_os().collect())
    }

    /// Variables from name/value pairs (for tests and embedding).
    pub fn from_pairs<K: Into<OsString>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The raw value of `name`, which may not be UTF-8.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        self.0.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// Every variable, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&OsStr, &OsStr)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_os_str(), value.as_os_str()))
    }

    /// The value of `name` if it is set and is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(OsStr::to_str)
    }
}

impl std::fmt::Debug for Variables {
    /// Lists names only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.0.keys().collect();
        names.sort();
        f.debug_struct("Variables").field("names", &names).finish()
    }
}
