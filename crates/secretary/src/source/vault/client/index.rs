//! Read-your-writes: the `X-Vault-Index` of the process's latest write, kept and sent
//! back, ordered by the raft index it carries.

use reqwest::header::HeaderValue;
use serde_json::Value;

use super::Client;

/// An `X-Vault-Index` header: opaque to us, but ordered by the raft index it carries
/// when it can be read, so that an older write's answer never replaces a newer one's.
#[derive(Debug, Clone)]
pub(super) struct WriteIndex {
    pub(super) header: HeaderValue,
    pub(super) order: Option<u64>,
}

impl WriteIndex {
    fn new(header: HeaderValue) -> Self {
        let order = write_index_order(header.as_bytes());
        Self { header, order }
    }
}

/// The raft index in an `X-Vault-Index` value, when it is OpenBao's base64 JSON
/// (`{"cluster":"...","value":"849"}`) or Vault's `v1:cluster:local:replicated:hmac`;
/// `None` when neither.
pub(super) fn write_index_order(header: &[u8]) -> Option<u64> {
    use base64::Engine as _;
    let text = std::str::from_utf8(header).ok()?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()?;
    if let Ok(json) = serde_json::from_slice::<Value>(&decoded) {
        let index = json.get("value")?;
        return index
            .as_u64()
            .or_else(|| index.as_str().and_then(|text| text.parse().ok()));
    }
    let text = std::str::from_utf8(&decoded).ok()?;
    text.split(':').nth(2)?.parse().ok()
}

impl Client {
    /// Keeps `index` if it is newer than the one kept.
    pub(super) fn record(&self, index: Option<HeaderValue>) {
        let Some(header) = index else { return };
        let fresh = WriteIndex::new(header);
        let mut kept = self
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let newer = match (&*kept, fresh.order) {
            (
                Some(WriteIndex {
                    order: Some(old), ..
                }),
                Some(new),
            ) => new >= *old,
            _ => true,
        };
        if newer {
            *kept = Some(fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::vault::settings::Settings;

    #[test]
    fn a_write_index_is_ordered_by_the_raft_index_it_carries() {
        use base64::Engine as _;
        let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        // As OpenBao 2.7 sends it.
        let openbao = encode(r#"{"cluster":"0b6c1d0e-9a2b","value":"849"}"#);
        assert_eq!(write_index_order(openbao.as_bytes()), Some(849));
        assert_eq!(
            write_index_order(encode("v1:cluster-id:850:12:hmac").as_bytes()),
            Some(850)
        );
        assert_eq!(write_index_order(b"not base64!"), None);
        // A newer index replaces an older one, never the reverse.
        let client = Client::new(
            Settings::resolve(
                &crate::manifest::Manifest::parse(
                    "version = 1\n[sources.vault]\ntype = \"vault\"\n",
                    std::path::Path::new("secrets.toml"),
                )
                .ok()
                .and_then(|m| {
                    m.source("vault")?
                        .config
                        .get::<crate::source::kinds::VaultConfig>()
                        .cloned()
                })
                .unwrap(),
                &crate::Variables::from_pairs([
                    ("VAULT_ADDR", "http://127.0.0.1:1"),
                    ("VAULT_TOKEN", "t"),
                ]),
                std::path::Path::new("."),
            )
            .unwrap(),
        )
        .unwrap();
        let header = |value: u64| {
            HeaderValue::from_str(&encode(&format!(r#"{{"cluster":"c","value":"{value}"}}"#)))
                .unwrap()
        };
        client.record(Some(header(10)));
        client.record(Some(header(9)));
        let kept = client.index.lock().unwrap().clone().unwrap();
        assert_eq!(kept.order, Some(10));
        client.record(Some(header(11)));
        assert_eq!(
            client.index.lock().unwrap().clone().unwrap().order,
            Some(11)
        );
    }
}
