//! A `[sources.NAME]` table as written: each setting with its span, taken by the kind
//! that owns it, and every problem found, for the manifest's checker to report with its
//! line and column.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use toml::Spanned;

/// A setting written as the wrong type: already reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reported;

/// One source's table, while its kind checks it.
pub(crate) struct Table<'a> {
    /// The source's name.
    name: &'a str,
    /// Where the source's name is written: problems without a setting of their own are
    /// reported there.
    at: usize,
    /// The settings not yet taken.
    settings: BTreeMap<String, Spanned<toml::Value>>,
    /// Every secret key the manifest declares (for kinds that name secrets).
    secret_keys: &'a [String],
    /// What was found: offset, message, help.
    problems: Vec<(usize, String, Option<String>)>,
}

impl<'a> Table<'a> {
    /// The settings of source `name` (written at `at`), `type` and `ttl` already taken.
    pub(crate) fn new(
        name: &'a str,
        at: usize,
        settings: BTreeMap<String, Spanned<toml::Value>>,
        secret_keys: &'a [String],
    ) -> Self {
        Self {
            name,
            at,
            settings,
            secret_keys,
            problems: Vec::new(),
        }
    }

    /// The source's name.
    pub(crate) fn name(&self) -> &'a str {
        self.name
    }

    /// Where the source's name is written.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// Every secret key the manifest declares, valid or not.
    pub(crate) fn secret_keys(&self) -> &'a [String] {
        self.secret_keys
    }

    /// Takes setting `key` as a `T`: `None` when it is not written, [`Reported`] when it
    /// is written as something else (reported as serde words it, without the value).
    pub(crate) fn take<T: DeserializeOwned>(
        &mut self,
        key: &str,
    ) -> Result<Option<Spanned<T>>, Reported> {
        let Some(value) = self.settings.remove(key) else {
            return Ok(None);
        };
        let span = value.span();
        // A date or time reads as its text where a string is expected; no setting is one.
        if holds_datetime(value.get_ref()) {
            self.problems.push((
                span.start,
                "invalid type: found a date or time, which no source setting takes".to_owned(),
                Some("quote it if it is meant as text".to_owned()),
            ));
            return Err(Reported);
        }
        match T::deserialize(value.into_inner()) {
            Ok(value) => Ok(Some(Spanned::new(span, value))),
            Err(error) => {
                let message = crate::manifest::sanitize_toml_message(&error.to_string());
                self.problems.push((span.start, message, None));
                Err(Reported)
            }
        }
    }

    /// Puts back a string setting a check took, for another check to read.
    pub(crate) fn put_back(&mut self, key: &str, value: Spanned<String>) {
        let span = value.span();
        self.settings.insert(
            key.to_owned(),
            Spanned::new(span, toml::Value::String(value.into_inner())),
        );
    }

    /// Reports a problem at `offset`.
    pub(crate) fn report(&mut self, offset: usize, message: String, help: Option<String>) {
        self.problems.push((offset, message, help));
    }

    /// The problems found, in the order found.
    pub(crate) fn into_problems(self) -> Vec<(usize, String, Option<String>)> {
        self.problems
    }
}

/// Whether `value` is, or holds, a TOML date or time.
fn holds_datetime(value: &toml::Value) -> bool {
    match value {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(items) => items.iter().any(holds_datetime),
        toml::Value::Table(table) => table.values().any(holds_datetime),
        _ => false,
    }
}
