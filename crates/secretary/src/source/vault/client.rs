//! One HTTP client per server, behaving as the official Vault client does where it
//! matters for safety:
//!
//! - every request carries `X-Vault-Request: true`, `X-Vault-Namespace` when set, and the
//!   token in `X-Vault-Token`, marked sensitive so no debug output shows it;
//! - redirects are never followed by reqwest (its default follows ten and forwards custom
//!   headers, the token included, to any host): one 301/302/307/308 is followed here, only
//!   to the same host and port, and never from https to http;
//! - transport errors, 412, 429 and every 5xx but 501 are retried `VAULT_MAX_RETRIES` times
//!   (default 2) with exponential back-off and jitter, honouring `Retry-After`; TLS
//!   failures and other 4xx are not retried;
//! - AppRole tokens are kept for the process, renewed at about two thirds of their lease,
//!   and replaced by a new login when renewal is impossible or fails.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::VaultError;
use super::settings::{Credentials, Settings};
use crate::SecretValue;

/// The largest answer read from Vault. Vault's own default `max_request_size` is 32 MiB,
/// so no KV secret it stores is larger.
pub const MAX_BODY: u64 = 32 * 1024 * 1024;

/// A server's answer. Its `Debug` shows the status, never the body.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body (zeroed when dropped: it may hold secrets).
    pub body: zeroize::Zeroizing<Vec<u8>>,
    /// How many attempts it took.
    pub attempts: u32,
    retry_after: Option<Duration>,
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

    /// Whether a 404's body is Vault's own: `{"errors":[]}` exactly (a missing secret),
    /// or a KV answer holding a version's metadata (a deleted or destroyed one). What tells
    /// Vault's 404 from any other server's, even one that speaks JSON with `errors`.
    pub fn is_vaults(&self) -> bool {
        let json = self.json();
        let empty_errors = json.as_object().is_some_and(|object| {
            object.len() == 1
                && object
                    .get("errors")
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
        });
        empty_errors || json.pointer("/data/metadata").is_some_and(Value::is_object)
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

    /// The bytes as reqwest sends them, without a copy.
    fn to_reqwest(&self) -> reqwest::Body {
        reqwest::Body::from(bytes::Bytes::from_owner(self.clone()))
    }
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Counts the bytes written to it.
struct Counter(usize);

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

impl std::ops::Deref for SecretJson {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl SecretJson {
    /// An empty object.
    pub fn object() -> Self {
        Self(Value::Object(serde_json::Map::new()))
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
fn wipe_strings(value: &mut Value) {
    match value {
        Value::String(text) => zeroize::Zeroize::zeroize(text),
        Value::Array(items) => items.iter_mut().for_each(wipe_strings),
        Value::Object(map) => map.values_mut().for_each(wipe_strings),
        _ => {}
    }
}

/// An AppRole login's body.
#[derive(serde::Serialize)]
struct Login<'a> {
    role_id: &'a str,
    secret_id: &'a str,
}

/// A token and when it runs out.
#[derive(Debug, Clone)]
struct Lease {
    token: SecretValue,
    obtained: Instant,
    /// Zero: never expires.
    ttl: Duration,
    renewable: bool,
}

/// What to do with the current token before a request.
#[derive(Debug, PartialEq, Eq)]
enum Refresh {
    Keep,
    Renew,
    Login,
}

fn refresh(lease: Option<&Lease>, now: Instant) -> Refresh {
    let Some(lease) = lease else {
        return Refresh::Login;
    };
    if lease.ttl.is_zero() {
        return Refresh::Keep;
    }
    let elapsed = now.saturating_duration_since(lease.obtained);
    if elapsed >= lease.ttl {
        return Refresh::Login;
    }
    // Two thirds of the lease, without `ttl * 2` (which overflows for a huge lease).
    if lease.renewable && elapsed >= lease.ttl.saturating_sub(lease.ttl / 3) {
        return Refresh::Renew;
    }
    if !lease.renewable && lease.ttl.saturating_sub(elapsed) <= lease.ttl / 5 {
        return Refresh::Login;
    }
    Refresh::Keep
}

/// A transport failure, and whether it is worth another attempt.
enum Transport {
    Retry(VaultError),
    Fatal(VaultError),
}

/// The next cause of `error`: its `source()`, or for an `io::Error` the error it wraps
/// (whose own `source()` skips it).
fn cause<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        let inner: &(dyn std::error::Error + 'static) = inner;
        return Some(inner);
    }
    error.source()
}

/// The rustls error somewhere in `error`'s causes: a TLS failure.
fn find_rustls<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = cause(error);
    }
    None
}

/// The innermost cause: the OS's or the parser's own words, never a URL.
fn innermost<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    let mut current = error;
    while let Some(next) = cause(current) {
        current = next;
    }
    current
}

/// Whether a redirect from `from` to `to` may be followed: once, to the same host and
/// port, never from https to http.
fn redirect_allowed(from: &Url, to: &Url, already_redirected: bool) -> Result<(), &'static str> {
    if already_redirected {
        return Err("a second redirect in a row");
    }
    if from.scheme() == "https" && to.scheme() != "https" {
        return Err("from https to http");
    }
    if to.host_str() != from.host_str()
        || to.port_or_known_default() != from.port_or_known_default()
    {
        return Err("to another host, which would receive the token");
    }
    Ok(())
}

/// Whether a status is retried (as the Vault client does).
fn retried(status: u16) -> bool {
    status == 412 || status == 429 || (500..=599).contains(&status) && status != 501
}

/// A number in [0, 1), different on every call.
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    #[expect(
        clippy::cast_precision_loss,
        reason = "a fraction from 0 to 1; precision does not matter"
    )]
    let fraction = (bits % 1_000_000) as f64 / 1_000_000.0;
    fraction
}

/// How long to wait before attempt `attempt + 1`: `Retry-After` when the server said,
/// else 250 ms doubling per attempt (at most 4 s), with jitter down to half.
fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(Duration::from_secs(30));
    }
    let base = Duration::from_millis(250).saturating_mul(1 << attempt.saturating_sub(1).min(4));
    base.min(Duration::from_secs(4))
        .mul_f64(0.5 + jitter() / 2.0)
}

/// The Vault HTTP API of one server.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    settings: Settings,
    lease: Mutex<Option<Lease>>,
}

impl Client {
    /// A client for `settings`.
    pub fn new(mut settings: Settings) -> Result<Self, VaultError> {
        let tls = super::tls::config(&settings)?;
        let mut builder = reqwest::Client::builder();
        if let Some(name) = settings.tls_server_name.clone() {
            // Connect where VAULT_ADDR says, but speak TLS (SNI and certificate check)
            // as `name`: requests go to `name`, which resolves to VAULT_ADDR's addresses.
            let config_error = |reason: String| VaultError::Config {
                setting: "VAULT_TLS_SERVER_NAME".to_owned(),
                reason,
            };
            let host = settings
                .address
                .host_str()
                .ok_or_else(|| config_error("VAULT_ADDR has no host".to_owned()))?
                .to_owned();
            let port = settings.address.port_or_known_default().unwrap_or(8200);
            let addresses: Vec<std::net::SocketAddr> =
                std::net::ToSocketAddrs::to_socket_addrs(&(host.trim_matches(['[', ']']), port))
                    .map_err(|e| config_error(format!("cannot resolve {host}: {e}")))?
                    .collect();
            settings
                .address
                .set_host(Some(&name))
                .map_err(|e| config_error(format!("`{name}` is not a host name: {e}")))?;
            builder = builder.resolve_to_addrs(&name, &addresses);
        }
        let http = builder
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .timeout(settings.timeout)
            .pool_max_idle_per_host(settings.max_concurrency)
            .user_agent(concat!("secretary/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VaultError::Config {
                setting: "HTTP client".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            settings,
            lease: Mutex::new(None),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The server's address, for messages (it never holds a user name or password:
    /// [`Settings`] removes them).
    pub fn address(&self) -> String {
        self.settings
            .address
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    /// `/v1/<path>` on the server.
    fn url(&self, path: &str, query: Option<(&str, &str)>) -> Result<Url, VaultError> {
        let mut url = self.settings.address.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|()| VaultError::Config {
                setting: "VAULT_ADDR".to_owned(),
                reason: "cannot hold a path".to_owned(),
            })?;
            segments.pop_if_empty().push("v1");
            segments.extend(path.split('/').filter(|s| !s.is_empty()));
        }
        if let Some((name, value)) = query {
            url.query_pairs_mut().append_pair(name, value);
        }
        Ok(url)
    }

    /// Sends `method` to `/v1/<path>` with the current token, retrying as described above.
    /// Any status comes back as a [`Reply`]; only transport failures are errors.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: Option<(&str, &str)>,
        body: Option<&Body>,
    ) -> Result<Reply, VaultError> {
        let token = self.token().await?;
        self.send_as(method, path, query, body, Some(&token)).await
    }

    async fn send_as(
        &self,
        method: Method,
        path: &str,
        query: Option<(&str, &str)>,
        body: Option<&Body>,
        token: Option<&SecretValue>,
    ) -> Result<Reply, VaultError> {
        let url = self.url(path, query)?;
        let attempts = self.settings.max_retries + 1;
        let mut attempt = 1;
        loop {
            match self.once(&method, url.clone(), body, token).await {
                Ok(reply) if retried(reply.status) && attempt < attempts => {
                    tokio::time::sleep(backoff(attempt, reply.retry_after)).await;
                }
                Ok(mut reply) => {
                    reply.attempts = attempt;
                    return Ok(reply);
                }
                Err(Transport::Retry(_)) if attempt < attempts => {
                    tokio::time::sleep(backoff(attempt, None)).await;
                }
                Err(Transport::Retry(error) | Transport::Fatal(error)) => return Err(error),
            }
            attempt += 1;
        }
    }

    /// One attempt, following at most one redirect to the same host.
    async fn once(
        &self,
        method: &Method,
        mut url: Url,
        body: Option<&Body>,
        token: Option<&SecretValue>,
    ) -> Result<Reply, Transport> {
        let mut redirected = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .headers(self.headers(token)?);
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(body.to_reqwest());
            }
            let response = request.send().await.map_err(|e| self.transport(&e))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 307 | 308) {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("");
                let next = url.join(location).map_err(|_| {
                    Transport::Fatal(VaultError::Redirect {
                        reason: "the Location header is not a URL".to_owned(),
                    })
                })?;
                if let Err(reason) = redirect_allowed(&url, &next, redirected) {
                    return Err(Transport::Fatal(VaultError::Redirect {
                        reason: reason.to_owned(),
                    }));
                }
                redirected = true;
                url = next;
                continue;
            }
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = self.read_body(response).await?;
            return Ok(Reply {
                status,
                body,
                attempts: 1,
                retry_after,
            });
        }
    }

    /// The body of `response`, at most [`MAX_BODY`] bytes, into zeroizing memory.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, Transport> {
        let too_large = || {
            Transport::Fatal(VaultError::TooLarge {
                address: self.address(),
                limit: MAX_BODY,
            })
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > MAX_BODY {
            return Err(too_large());
        }
        let mut body =
            zeroize::Zeroizing::new(Vec::with_capacity(usize::try_from(announced).unwrap_or(0)));
        loop {
            let chunk = response.chunk().await.map_err(|error| {
                if error.is_timeout() {
                    self.transport(&error)
                } else {
                    Transport::Retry(VaultError::Truncated {
                        address: self.address(),
                        reason: innermost(&error).to_string(),
                    })
                }
            })?;
            let Some(chunk) = chunk else {
                return Ok(body);
            };
            let length = u64::try_from(body.len().saturating_add(chunk.len())).unwrap_or(u64::MAX);
            if length > MAX_BODY {
                return Err(too_large());
            }
            if body.capacity() - body.len() < chunk.len() {
                // Grow into a new zeroizing buffer, so the old one is wiped, not freed as is.
                let mut bigger = zeroize::Zeroizing::new(Vec::with_capacity(
                    body.len().saturating_add(chunk.len()).saturating_mul(2),
                ));
                bigger.extend_from_slice(&body);
                body = bigger;
            }
            body.extend_from_slice(&chunk);
        }
    }

    fn headers(&self, token: Option<&SecretValue>) -> Result<HeaderMap, Transport> {
        let mut headers = HeaderMap::new();
        headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
        if let Some(namespace) = &self.settings.namespace {
            let value = HeaderValue::from_str(namespace).map_err(|_| {
                Transport::Fatal(VaultError::Config {
                    setting: "VAULT_NAMESPACE".to_owned(),
                    reason: "not a valid header value".to_owned(),
                })
            })?;
            headers.insert("X-Vault-Namespace", value);
        }
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
                Transport::Fatal(VaultError::Config {
                    setting: "VAULT_TOKEN".to_owned(),
                    reason: "not a valid header value".to_owned(),
                })
            })?;
            value.set_sensitive(true);
            headers.insert("X-Vault-Token", value);
        }
        Ok(headers)
    }

    /// Classifies a transport failure by walking its causes; the message is the
    /// innermost cause (never a URL, a header or a body).
    fn transport(&self, error: &reqwest::Error) -> Transport {
        let address = self.address();
        if error.is_timeout() {
            return Transport::Retry(VaultError::Timeout {
                address,
                seconds: self.settings.timeout.as_secs(),
            });
        }
        if let Some(tls) = find_rustls(error) {
            return Transport::Fatal(VaultError::Tls {
                address,
                reason: tls.to_string(),
            });
        }
        let reason = innermost(error).to_string();
        Transport::Retry(VaultError::Connect { address, reason })
    }

    /// The token to send: the configured one, or an AppRole token kept fresh.
    async fn token(&self) -> Result<SecretValue, VaultError> {
        let (mount, role_id, secret_id) = match &self.settings.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::AppRole {
                mount,
                role_id,
                secret_id,
            } => (mount, role_id, secret_id),
        };
        let mut lease = self.lease.lock().await;
        match refresh(lease.as_ref(), Instant::now()) {
            Refresh::Keep => {
                if let Some(lease) = lease.as_ref() {
                    return Ok(lease.token.clone());
                }
            }
            Refresh::Renew => {
                if let Some(current) = lease.as_ref() {
                    let reply = self
                        .send_as(
                            Method::POST,
                            "auth/token/renew-self",
                            None,
                            Some(&Body::json(&serde_json::Map::new())),
                            Some(&current.token),
                        )
                        .await;
                    if let Ok(Some(renewed)) = reply.map(|r| Self::lease_from(&r)) {
                        let token = renewed.token.clone();
                        *lease = Some(renewed);
                        return Ok(token);
                    }
                }
            }
            Refresh::Login => {}
        }
        let body = Body::json(&Login {
            role_id: role_id.expose(),
            secret_id: secret_id.expose(),
        });
        let login_path = format!("auth/{mount}/login");
        let reply = self
            .send_as(Method::POST, &login_path, None, Some(&body), None)
            .await?;
        if reply.status != 200 {
            let reason = match reply.status {
                400 | 403 => format!("the role id or secret id was refused ({})", reply.status),
                status => format!("the server answered {status}"),
            };
            return Err(VaultError::Login {
                mount: mount.clone(),
                reason,
            });
        }
        let fresh = Self::lease_from(&reply).ok_or_else(|| VaultError::Login {
            mount: mount.clone(),
            reason: "the answer holds no token".to_owned(),
        })?;
        let token = fresh.token.clone();
        *lease = Some(fresh);
        Ok(token)
    }

    /// The token in a login or renewal answer.
    fn lease_from(reply: &Reply) -> Option<Lease> {
        if reply.status != 200 {
            return None;
        }
        let json = reply.json();
        let auth = json.get("auth")?;
        let token = auth.get("client_token")?.as_str()?.to_owned();
        Some(Lease {
            token: SecretValue::new(token),
            obtained: Instant::now(),
            ttl: Duration::from_secs(
                auth.get("lease_duration")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            ),
            renewable: auth
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The error a non-success reply stands for. `path` names the API path in messages.
    pub fn error_for(&self, reply: &Reply, path: &str) -> VaultError {
        let path = path.to_owned();
        match reply.status {
            401 => VaultError::Unauthenticated {
                address: self.address(),
            },
            403 => VaultError::Denied { path },
            404 if !reply.is_vaults() => VaultError::NotVault {
                address: self.address(),
                status: 404,
            },
            429 => VaultError::RateLimited {
                attempts: reply.attempts,
            },
            503 if String::from_utf8_lossy(&reply.body).contains("sealed") => VaultError::Sealed {
                address: self.address(),
            },
            status if retried(status) => VaultError::Server {
                status,
                path,
                attempts: reply.attempts,
            },
            status => VaultError::Unexpected {
                path,
                what: format!("HTTP {status}"),
            },
        }
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

    fn lease(ttl: u64, renewable: bool, age: u64) -> (Lease, Instant) {
        let obtained = Instant::now();
        let lease = Lease {
            token: SecretValue::new("t".to_owned()),
            obtained,
            ttl: Duration::from_secs(ttl),
            renewable,
        };
        (lease, obtained + Duration::from_secs(age))
    }

    #[test]
    fn renewal_happens_at_two_thirds_and_login_when_it_cannot() {
        assert_eq!(refresh(None, Instant::now()), Refresh::Login);
        let cases = [
            (90, true, 10, Refresh::Keep),
            (90, true, 59, Refresh::Keep),
            (90, true, 60, Refresh::Renew),
            (90, true, 90, Refresh::Login),
            (100, false, 79, Refresh::Keep),
            (100, false, 80, Refresh::Login),
            (0, false, 10_000, Refresh::Keep),
        ];
        for (ttl, renewable, age, expected) in cases {
            let (lease, now) = lease(ttl, renewable, age);
            assert_eq!(
                refresh(Some(&lease), now),
                expected,
                "ttl {ttl} renewable {renewable} age {age}"
            );
        }
    }

    #[test]
    fn redirects_are_followed_once_same_host_never_to_http() {
        let url = |text: &str| Url::parse(text).unwrap();
        let from = url("https://vault:8200/v1/secret/data/a");
        assert_eq!(
            redirect_allowed(&from, &url("https://vault:8200/v1/secret/data/b"), false),
            Ok(())
        );
        assert_eq!(
            redirect_allowed(&from, &url("https://vault:8200/v1/x"), true),
            Err("a second redirect in a row")
        );
        assert_eq!(
            redirect_allowed(&from, &url("http://vault:8200/v1/x"), false),
            Err("from https to http")
        );
        assert!(redirect_allowed(&from, &url("https://other:8200/v1/x"), false).is_err());
        assert!(redirect_allowed(&from, &url("https://vault:8201/v1/x"), false).is_err());
        let plain = url("http://vault:8200/v1/x");
        assert_eq!(
            redirect_allowed(&plain, &url("https://vault:8200/v1/x"), false),
            Ok(()),
            "an upgrade to https on the same host and port is fine"
        );
        assert!(
            redirect_allowed(&plain, &url("https://vault/v1/x"), false).is_err(),
            "https on its default port 443 is another port than 8200"
        );
        assert_eq!(
            redirect_allowed(&plain, &url("http://vault:8200/v1/y"), false),
            Ok(())
        );
    }

    #[test]
    fn which_statuses_are_retried() {
        for status in [412, 429, 500, 502, 503, 504] {
            assert!(retried(status), "{status}");
        }
        for status in [200, 204, 400, 401, 403, 404, 405, 501] {
            assert!(!retried(status), "{status}");
        }
    }

    #[test]
    fn backoff_grows_is_jittered_and_honours_retry_after() {
        for attempt in 1..=6 {
            let wait = backoff(attempt, None);
            let base = Duration::from_millis(250)
                .saturating_mul(1 << (attempt - 1).min(4))
                .min(Duration::from_secs(4));
            assert!(
                wait >= base / 2 && wait <= base,
                "attempt {attempt}: {wait:?}"
            );
        }
        assert_eq!(
            backoff(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff(1, Some(Duration::from_secs(300))),
            Duration::from_secs(30)
        );
    }
}
