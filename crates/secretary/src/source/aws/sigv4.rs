//! AWS Signature Version 4 over `ring` (HMAC-SHA256 and SHA-256), for the requests this
//! source makes: JSON-protocol `POST /` to Secrets Manager and SSM, and STS's query
//! protocol. Checked against AWS's published test suite (`get-vanilla`,
//! `get-vanilla-query-order-key-case`, `post-vanilla`) and against botocore's signer.
//!
//! The signing key, the signature and the `Authorization` header are credentials: they
//! live in [`Zeroizing`] buffers, and nothing here has a `Debug` that shows them.

use std::fmt::Write as _;
use std::time::SystemTime;

use ring::{digest, hmac};
use url::Url;
use zeroize::Zeroizing;

/// The credentials a request is signed with.
pub(super) struct Key<'a> {
    /// The access key id (`AKIA...`, `ASIA...`).
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
}

/// Where a signature is valid: a region and a service's signing name (`secretsmanager`,
/// `ssm`, `sts`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope<'a> {
    /// The region (`eu-west-1`).
    pub region: &'a str,
    /// The service's signing name.
    pub service: &'a str,
}

/// `X-Amz-Date`'s form of `time`: `20150830T123600Z`.
pub(super) fn amz_date(time: SystemTime) -> String {
    // `2015-08-30T12:36:00Z`, less its separators.
    humantime::format_rfc3339_seconds(time)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect()
}

pub(super) use crate::source::hex;

/// The hex SHA-256 of a payload, as `X-Amz-Content-Sha256` and the canonical request
/// carry it.
pub(super) fn payload_hash(payload: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, payload).as_ref())
}

/// `text` percent-encoded as `SigV4` wants: everything but `A-Z a-z 0-9 - _ . ~`.
pub(super) fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The canonical query string: each name and value decoded, then encoded as `SigV4` wants,
/// sorted by name then value.
fn canonical_query(url: &Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Host` header `url` is sent with: the host, and the port when it is not the
/// scheme's own.
pub(super) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// The `Authorization` header for a request: `method` to `url` with `headers` (names as
/// sent; `host` and `x-amz-date` must be among them) and `payload`, signed at `date` (an
/// [`amz_date`]). Every header given is signed.
pub(super) fn authorization(
    key: &Key<'_>,
    scope: Scope<'_>,
    date: &str,
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    payload: &[u8],
) -> Zeroizing<String> {
    let mut canonical_headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            // Values trimmed, inner runs of spaces made one.
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            (name.to_ascii_lowercase(), value)
        })
        .collect();
    canonical_headers.sort();
    let signed_headers = canonical_headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut canonical = String::new();
    let path = if url.path().is_empty() {
        "/"
    } else {
        url.path()
    };
    let _ = write!(canonical, "{method}\n{path}\n{}\n", canonical_query(url));
    for (name, value) in &canonical_headers {
        let _ = writeln!(canonical, "{name}:{value}");
    }
    let _ = write!(canonical, "\n{signed_headers}\n{}", payload_hash(payload));
    let day = date.get(..8).unwrap_or(date);
    let credential_scope = format!("{day}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{credential_scope}\n{}",
        payload_hash(canonical.as_bytes())
    );
    let signature = signature(key.secret_access_key, day, scope, &string_to_sign);
    Zeroizing::new(format!(
        "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={}",
        key.access_key_id,
        signature.as_str()
    ))
}

/// The hex signature of `string_to_sign`, by the key derived for `day` and `scope`.
fn signature(
    secret_access_key: &str,
    day: &str,
    scope: Scope<'_>,
    string_to_sign: &str,
) -> Zeroizing<String> {
    let secret = Zeroizing::new(format!("AWS4{secret_access_key}"));
    let mut key = Zeroizing::new(Vec::new());
    for part in [day, scope.region, scope.service, "aws4_request"] {
        let previous: &[u8] = if key.is_empty() {
            secret.as_bytes()
        } else {
            &key
        };
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, previous),
            part.as_bytes(),
        );
        key = Zeroizing::new(tag.as_ref().to_vec());
    }
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &key),
        string_to_sign.as_bytes(),
    );
    Zeroizing::new(hex(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key<'static> = Key {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    const SCOPE: Scope<'static> = Scope {
        region: "us-east-1",
        service: "service",
    };
    const DATE: &str = "20150830T123600Z";

    fn signed(method: &str, url: &str, payload: &[u8]) -> String {
        let url = Url::parse(url).unwrap();
        let host = host_header(&url);
        authorization(
            &KEY,
            SCOPE,
            DATE,
            method,
            &url,
            &[("Host", &host), ("X-Amz-Date", DATE)],
            payload,
        )
        .to_string()
    }

    const PREFIX: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";

    /// AWS's `SigV4` test suite (aws-sig-v4-test-suite), as published.
    #[test]
    fn the_aws_test_suite_signs_as_published() {
        for (method, url, signature) in [
            (
                "GET",
                "https://example.amazonaws.com/",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "GET",
                "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            (
                "POST",
                "https://example.amazonaws.com/",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            assert_eq!(
                signed(method, url, b""),
                format!("{PREFIX}{signature}"),
                "{method} {url}"
            );
        }
    }

    /// A request as this source sends them (JSON body, `X-Amz-Target`, a session token,
    /// a port), signed by botocore 1.x's `SigV4Auth` for the same inputs.
    #[test]
    fn a_json_request_with_a_session_token_signs_as_botocore_does() {
        let url = Url::parse("http://127.0.0.1:5000/").unwrap();
        let body = br#"{"SecretIdList": ["production/db"]}"#;
        let header = authorization(
            &Key {
                access_key_id: "ASIAEXAMPLE",
                secret_access_key: "secret/EXAMPLE+key",
            },
            Scope {
                region: "eu-west-1",
                service: "secretsmanager",
            },
            DATE,
            "POST",
            &url,
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Host", &host_header(&url)),
                ("X-Amz-Date", DATE),
                ("X-Amz-Security-Token", "session-token-EXAMPLE"),
                ("X-Amz-Target", "secretsmanager.BatchGetSecretValue"),
            ],
            body,
        );
        assert_eq!(header.as_str(), BOTOCORE_JSON);
    }

    const BOTOCORE_JSON: &str = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/eu-west-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=c2fe9129159dc7a18ef82864258363eb12b2561c64fc0243652927b91151f7cc";

    #[test]
    fn dates_hosts_and_encoding() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(time), DATE);
        assert_eq!(
            host_header(&Url::parse("https://sts.eu-west-1.amazonaws.com/").unwrap()),
            "sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            host_header(&Url::parse("http://localhost:4566/").unwrap()),
            "localhost:4566"
        );
        assert_eq!(uri_encode("a b/c~d=é"), "a%20b%2Fc~d%3D%C3%A9");
        assert_eq!(
            payload_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
