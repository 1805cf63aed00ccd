//! What holds secret text on its way to and from Vault: an answer ([`Reply`]), a
//! request body sent by every retry without a copy ([`Body`]), and a parsed answer whose
//! strings are wiped when it drops ([`SecretJson`]).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde_json::Value;

/// A server's answer. Its `Debug` shows the status, never the body.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body (zeroed when dropped: it may hold secrets).
    pub body: zeroize::Zeroizing<Vec<u8>>,
    /// How many attempts it took, at every node.
    pub attempts: u32,
    pub(super) retry_after: Option<Duration>,
    /// Its `X-Vault-Index`: where in the cluster's log it stands.
    pub(super) index: Option<HeaderValue>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON), its strings zeroed when dropped.
    pub fn json(&self) -> SecretJson {
        SecretJson(serde_json::from_slice(&self.body).unwrap_or(Value::Null))
    }

    /// Whether a 404's body is Vault saying nothing serves the path: `{"errors": [...]}`
    /// with a `no handler for route` (no such mount, or not in the namespace) among its
    /// strings. Another JSON API's `errors` holds objects, or other words.
    pub fn is_no_route(&self) -> bool {
        self.says_first("no handler for route")
    }

    /// Whether a 404's body is Vault saying the namespace asked for does not exist
    /// (`namespace not found`: a thirty-seventh adversarial pass saw it blamed on
    /// `VAULT_ADDR`, the thirty-ninth on the mount).
    pub fn is_no_namespace(&self) -> bool {
        self.says_first("namespace not found")
    }

    /// Whether the body is `{"errors": [...]}` alone with a string starting `words`.
    fn says_first(&self, words: &str) -> bool {
        let json = self.json();
        json.expose().as_object().is_some_and(|object| {
            object.len() == 1
                && object
                    .get("errors")
                    .and_then(Value::as_array)
                    .is_some_and(|errors| {
                        errors
                            .iter()
                            .any(|error| error.as_str().is_some_and(|text| text.starts_with(words)))
                    })
        })
    }

    /// Whether the body is an error as Vault writes one: a JSON object whose `errors` is
    /// a list of strings.
    pub fn is_vault_error(&self) -> bool {
        self.json()
            .expose()
            .get("errors")
            .and_then(Value::as_array)
            .is_some_and(|errors| errors.iter().all(Value::is_string))
    }

    /// Whether the body is a JSON object whose `key` is an object: Vault's answer to a
    /// login (`auth`) or an unwrap (`data`), told from another server's 200 page.
    pub fn holds_object(&self, key: &str) -> bool {
        self.json().expose().get(key).is_some_and(Value::is_object)
    }

    /// Whether a 404's body is Vault's own: `{"errors":[]}` exactly (a missing secret),
    /// or a KV answer holding a version's metadata (a deleted or destroyed one). What tells
    /// Vault's 404 from any other server's, even one that speaks JSON with `errors`.
    pub fn is_vaults(&self) -> bool {
        let json = self.json();
        let empty_errors = json.expose().as_object().is_some_and(|object| {
            object.len() == 1
                && object
                    .get("errors")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
        });
        empty_errors
            || json
                .expose()
                .pointer("/data/metadata")
                .is_some_and(Value::is_object)
    }
}

/// A request body that may hold secrets (a KV write, a login): serialized once, zeroed
/// when the last attempt that sent it is done with it. Its `Debug` shows no byte of it.
#[derive(Clone)]
pub struct Body(Arc<zeroize::Zeroizing<Vec<u8>>>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body([redacted])")
    }
}

impl Body {
    /// `value` as JSON. The buffer is sized first, so that no reallocation leaves a copy
    /// behind.
    pub fn json(value: &impl serde::Serialize) -> Self {
        let mut counter = Counter(0);
        let _ = serde_json::to_writer(&mut counter, value);
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(counter.0));
        // Serializing a map of strings into memory cannot fail.
        let _ = serde_json::to_writer(&mut *bytes, value);
        Self(Arc::new(bytes))
    }

    /// A copy of `bytes` (a form, say), itself zeroed when the last attempt drops it.
    pub fn bytes(bytes: &[u8]) -> Self {
        Self(Arc::new(zeroize::Zeroizing::new(bytes.to_vec())))
    }

    /// The bytes as reqwest sends them, without a copy.
    pub(in crate::source) fn to_reqwest(&self) -> reqwest::Body {
        reqwest::Body::from(bytes::Bytes::from_owner(self.clone()))
    }
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Counts the bytes written to it.
pub(super) struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A JSON document that may hold secrets (a KV answer, a login): every string in it is
/// zeroed when it is dropped. Its contents can be read, and a part of it moved into
/// another `SecretJson`, but never moved out of one. Its `Debug` shows nothing of it.
#[derive(Default)]
pub struct SecretJson(Value);

impl std::fmt::Debug for SecretJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretJson([redacted])")
    }
}

impl SecretJson {
    /// The document, to read. The one door to its text, as [`SecretValue::expose`] is a
    /// value's: `grep expose` finds every read of secret text (issue 21, item 5).
    ///
    /// [`SecretValue::expose`]: crate::SecretValue::expose
    pub fn expose(&self) -> &Value {
        &self.0
    }

    /// `bytes` parsed as JSON; `None` when they are not JSON.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok().map(Self)
    }

    /// An empty object.
    pub fn object() -> Self {
        Self(Value::Object(serde_json::Map::new()))
    }

    /// A copy, itself zeroed when dropped.
    pub fn duplicate(&self) -> Self {
        Self(self.0.clone())
    }

    /// Moves the object at `pointer` into a `SecretJson` of its own (`None` when there is
    /// no object there).
    pub fn take_object(&mut self, pointer: &str) -> Option<Self> {
        self.0
            .pointer_mut(pointer)
            .filter(|part| part.is_object())
            .map(|part| Self(part.take()))
    }

    /// Sets `field` of this object to `value` (nothing when this is not an object).
    pub fn insert(&mut self, field: &str, value: &str) {
        if let Value::Object(fields) = &mut self.0 {
            if let Some(Value::String(old)) =
                fields.insert(field.to_owned(), Value::String(value.to_owned()))
            {
                let mut old = old;
                zeroize::Zeroize::zeroize(&mut old);
            }
        }
    }
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        wipe_strings(&mut self.0);
    }
}

/// Zeroes (and empties) every string in `value`, at any depth.
pub(super) fn wipe_strings(value: &mut Value) {
    match value {
        Value::String(text) => zeroize::Zeroize::zeroize(text),
        Value::Array(items) => items.iter_mut().for_each(wipe_strings),
        Value::Object(map) => map.values_mut().for_each(wipe_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_holds_secrets_never_shows_them_in_debug() {
        let json = SecretJson(serde_json::json!({"value": "canary-debug"}));
        let body = Body::json(&serde_json::json!({"secret_id": "canary-debug"}));
        let reply = Reply {
            status: 200,
            body: zeroize::Zeroizing::new(b"{\"value\":\"canary-debug\"}".to_vec()),
            attempts: 1,
            retry_after: None,
            index: None,
        };
        let shown = format!("{json:?} {body:?} {reply:?} {reply:#?}");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("status: 200"), "{shown}");
    }

    #[test]
    fn secret_json_wipes_every_string_at_any_depth() {
        let mut json: Value = serde_json::from_str(
            r#"{"data": {"data": {"value": "s3cret", "list": ["a", {"b": "c"}]}, "n": 1}}"#,
        )
        .unwrap();
        wipe_strings(&mut json);
        assert_eq!(
            json,
            serde_json::json!({"data": {"data": {"value": "", "list": ["", {"b": ""}]}, "n": 1}})
        );
    }

    #[test]
    fn a_body_is_one_buffer_however_often_it_is_sent() {
        // Issue 12, item 17: the KV write body was serialized again into a plain String
        // for every attempt. Now it is sized, serialized once, and each attempt sends that
        // same buffer, which is zeroed when the last one is done.
        let body = Body::json(&serde_json::json!({"data": {"password": "canary-body"}}));
        assert_eq!(
            body.0.capacity(),
            body.0.len(),
            "no reallocation left a copy"
        );
        let attempts = [
            body.to_reqwest(),
            body.to_reqwest(),
            body.clone().to_reqwest(),
        ];
        for sent in &attempts {
            let bytes = sent.as_bytes().expect("a body in memory");
            assert_eq!(bytes.as_ptr(), body.as_ref().as_ptr(), "a copy was sent");
            assert_eq!(bytes, br#"{"data":{"password":"canary-body"}}"#);
        }
        assert_eq!(Arc::strong_count(&body.0), 4);
        drop(attempts);
        assert_eq!(Arc::strong_count(&body.0), 1);
        assert!(!format!("{body:?}").contains("canary"));
    }
}
