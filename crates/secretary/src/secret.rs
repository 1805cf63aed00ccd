//! The one type that holds a secret value.
//!
//! A [`SecretValue`] shares one [`secrecy::SecretString`] between its clones: the memory
//! is zeroed when the last clone is dropped, its `Debug` and `Display` print
//! `[redacted]`, and it has no `Serialize`. Cloning copies no text (it counts a
//! reference), so handing a cached value out costs no allocation.
//! The only way to the text is [`SecretValue::expose`], so every place that reads a
//! value can be found with `grep expose`.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// A secret value: zeroed when its last clone is dropped, redacted when printed.
///
/// ```
/// use secretary::SecretValue;
///
/// let value = SecretValue::new("hunter2".to_owned());
/// assert_eq!(format!("{value:?}"), "[redacted]");
/// assert_eq!(value.to_string(), "[redacted]");
/// assert_eq!(value.expose(), "hunter2");
/// ```
#[derive(Clone)]
pub struct SecretValue(Arc<SecretString>);

impl SecretValue {
    /// Takes ownership of `value`; the `String`'s buffer is zeroed when the last clone of
    /// this is dropped.
    pub fn new(value: String) -> Self {
        Self(Arc::new(SecretString::from(value)))
    }

    /// The value itself. Every read of a secret goes through here.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let value = SecretValue::new("canary-7f3a".to_owned());
        assert_eq!(format!("{value:?}"), "[redacted]");
        assert_eq!(format!("{value:#?}"), "[redacted]");
        assert_eq!(format!("{value}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(value.clone())), "Some([redacted])");
        assert_eq!(value.expose(), "canary-7f3a");
    }
}
