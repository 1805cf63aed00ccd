//! One HTTP client per source, for one server or the nodes of one cluster, behaving as the
//! official Vault client does where it matters for safety:
//!
//! - every request carries `X-Vault-Request: true`, `X-Vault-Namespace` when set, and the
//!   token in `X-Vault-Token`, marked sensitive so no debug output shows it;
//! - redirects are never followed by reqwest (its default follows ten and forwards custom
//!   headers, the token included, to any host): one 301/302/307/308 is followed here, only
//!   to the same host and port, and never from https to http;
//! - transport errors, 412, 429 and every 5xx but 501 are retried `VAULT_MAX_RETRIES` times
//!   (default 2) with exponential back-off and jitter, honouring `Retry-After`; TLS
//!   failures and other 4xx are not retried;
//! - AppRole and JWT tokens are kept for the process, renewed at about two thirds of their
//!   lease, and replaced by a new login when renewal is impossible or fails.
//!
//! With several nodes (a Raft cluster), each request starts at the node that last
//! answered and moves on to the next on what says "not this node, not now": no
//! connection, a reset or time-out, a sealed node, 502 to 504, and what a cluster says
//! while it elects a leader (a standby's 307 to another node, never followed: during an
//! election it names the dead leader; 500 "active cluster node not found"; 412 and 429
//! from a standby behind). 400, 401, 403, 404 and 405 are answers, never failed over.
//! Between full passes over the nodes it backs off. Passes in which some node was
//! electing go on for up to [`ELECTION_WAIT`]; passes in which no node answered at all
//! count against `VAULT_MAX_RETRIES`, as for one server. When every node fails, the error
//! names each one and what it answered.
//!
//! After a write, every request carries the write's `X-Vault-Index` with
//! `X-Vault-Inconsistent: forward-active-node`: a standby that has not applied the write
//! forwards the request to the active node, so this process always reads its own writes.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::credentials::Credentials;
use super::settings::{Settings, shown_address};
use super::{Access, NodeAnswer, VaultError};
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
    /// How many attempts it took, at every node.
    pub attempts: u32,
    retry_after: Option<Duration>,
    /// Its `X-Vault-Index`: where in the cluster's log it stands.
    index: Option<HeaderValue>,
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

impl SecretJson {
    /// The document, to read. The one door to its text, as [`SecretValue::expose`] is a
    /// value's: `grep expose` finds every read of secret text (issue 21, item 5).
    ///
    /// [`SecretValue::expose`]: crate::SecretValue::expose
    pub fn expose(&self) -> &Value {
        &self.0
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
struct AppRoleLogin<'a> {
    role_id: &'a str,
    secret_id: &'a str,
}

/// A JWT login's body.
#[derive(serde::Serialize)]
struct JwtLogin<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    jwt: &'a str,
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

/// How long a cluster that is electing a leader (or whose standbys are catching up) is
/// waited for before the request fails: an OpenBao election takes about 2 s with
/// `performance_multiplier = 1` and 7 to 11 s with the default, so this covers two or
/// three in a row. A cluster that does not answer at all is given `VAULT_MAX_RETRIES`
/// passes instead, as one server is.
pub const ELECTION_WAIT: Duration = Duration::from_secs(30);

/// The longest wait between two passes over the nodes of an electing cluster: a read or a
/// write is delayed at most this much past the election's end.
const ELECTION_BACKOFF: Duration = Duration::from_secs(1);

/// One node of the cluster (or the one server).
#[derive(Debug)]
struct Node {
    /// Where requests go. Its host is `VAULT_TLS_SERVER_NAME` when that is set, which
    /// this node's own HTTP client resolves to the node's address.
    base: Url,
    /// The address as given, for messages.
    shown: String,
    http: reqwest::Client,
}

/// What one attempt at one node came to.
enum Attempt {
    /// An answer for the caller: a success, or an error that another node would repeat
    /// (400, 403, 404, 405...).
    Answer(Reply),
    /// This node cannot serve the request now; another node, or this one later, may.
    Failed(Failure),
    /// Nothing would help: TLS failed, a setting is unusable, a redirect was refused.
    Fatal(VaultError),
}

/// Why a node could not serve a request.
struct Failure {
    /// What it answered, for the message that lists every node.
    answer: String,
    /// The cluster is there but has no leader, or this standby has not caught up: worth
    /// waiting for (up to [`ELECTION_WAIT`]).
    electing: bool,
    retry_after: Option<Duration>,
    /// What a one-server source reports when this was its last attempt.
    last: Last,
}

enum Last {
    Reply(Reply),
    Error(VaultError),
}

impl Failure {
    fn of_error(error: VaultError) -> Self {
        let answer = match &error {
            VaultError::Connect { reason, .. } => reason.clone(),
            VaultError::Timeout { seconds, .. } => format!("no answer within {seconds}s"),
            VaultError::Truncated { reason, .. } => format!("the answer was cut short: {reason}"),
            VaultError::Deadline { seconds } => {
                format!("no answer before the {seconds}s deadline")
            }
            other => other.to_string(),
        };
        Self {
            answer,
            electing: false,
            retry_after: None,
            last: Last::Error(error),
        }
    }

    /// The failure an answer stands for, if it is one failover helps with.
    fn of_reply(reply: Reply) -> Result<Self, Reply> {
        let body = String::from_utf8_lossy(&reply.body);
        let (answer, electing) = match reply.status {
            412 => (
                "HTTP 412: a standby that has not caught up".to_owned(),
                true,
            ),
            429 => (
                "HTTP 429: not caught up with this process's writes, or rate-limited".to_owned(),
                true,
            ),
            500 if body.contains("active cluster node not found")
                || body.contains("local node not active") =>
            {
                ("HTTP 500: no active node (an election)".to_owned(), true)
            }
            503 if body.contains("sealed") => ("sealed (503)".to_owned(), false),
            status if retried(status) => (format!("HTTP {status}"), false),
            _ => return Err(reply),
        };
        Ok(Self {
            answer,
            electing,
            retry_after: reply.retry_after,
            last: Last::Reply(reply),
        })
    }
}

/// The Vault HTTP API of one server, or of the nodes of one cluster.
#[derive(Debug)]
pub struct Client {
    nodes: Vec<Node>,
    settings: Settings,
    /// The node tried first: the last that answered.
    preferred: AtomicUsize,
    /// The `X-Vault-Index` of this process's latest write, sent back on every later
    /// request so that no standby serves what was there before it.
    index: std::sync::Mutex<Option<WriteIndex>>,
    lease: Mutex<Option<Lease>>,
}

/// An `X-Vault-Index` header: opaque to us, but ordered by the raft index it carries
/// when it can be read, so that an older write's answer never replaces a newer one's.
#[derive(Debug, Clone)]
struct WriteIndex {
    header: HeaderValue,
    order: Option<u64>,
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
fn write_index_order(header: &[u8]) -> Option<u64> {
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

/// An HTTP client for `settings`, speaking `tls`; `resolve` maps `VAULT_TLS_SERVER_NAME`
/// to one node's addresses.
fn http_client(
    settings: &Settings,
    tls: rustls::ClientConfig,
    resolve: Option<(&str, &[std::net::SocketAddr])>,
) -> Result<reqwest::Client, VaultError> {
    let mut builder = reqwest::Client::builder();
    if let Some((name, addresses)) = resolve {
        builder = builder.resolve_to_addrs(name, addresses);
    }
    builder
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
        })
}

impl Client {
    /// A client for `settings`.
    pub fn new(settings: Settings) -> Result<Self, VaultError> {
        let tls = super::tls::config(&settings)?;
        let mut nodes = Vec::with_capacity(settings.addresses.len());
        let mut shared: Option<reqwest::Client> = None;
        for address in &settings.addresses {
            let shown = shown_address(address);
            let node = if let Some(name) = settings.tls_server_name.clone() {
                // Connect where the address says, but speak TLS (SNI and certificate
                // check) as `name`: requests go to `name`, which this node's client
                // resolves to the address's host.
                let config_error = |reason: String| VaultError::Config {
                    setting: "VAULT_TLS_SERVER_NAME".to_owned(),
                    reason,
                };
                let host = address
                    .host_str()
                    .ok_or_else(|| config_error(format!("{shown} has no host")))?
                    .to_owned();
                let port = address.port_or_known_default().unwrap_or(8200);
                let resolved: Vec<std::net::SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(
                    &(host.trim_matches(['[', ']']), port),
                )
                .map_err(|e| config_error(format!("cannot resolve {host}: {e}")))?
                .collect();
                let mut base = address.clone();
                base.set_host(Some(&name))
                    .map_err(|e| config_error(format!("`{name}` is not a host name: {e}")))?;
                let http = http_client(&settings, tls.clone(), Some((&name, &resolved)))?;
                Node { base, shown, http }
            } else {
                // One client (one pool, one TLS configuration) serves every node.
                let http = match &shared {
                    Some(http) => http.clone(),
                    None => shared
                        .insert(http_client(&settings, tls.clone(), None)?)
                        .clone(),
                };
                Node {
                    base: address.clone(),
                    shown,
                    http,
                }
            };
            nodes.push(node);
        }
        Ok(Self {
            nodes,
            settings,
            preferred: AtomicUsize::new(0),
            index: std::sync::Mutex::new(None),
            lease: Mutex::new(None),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The servers' addresses, for messages (never with a user name or password:
    /// [`Settings`] removes them), joined by commas.
    pub fn addresses(&self) -> String {
        self.nodes
            .iter()
            .map(|node| node.shown.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The address of the node tried first (the last that answered).
    pub fn preferred(&self) -> &str {
        &self.nodes[self.preferred.load(Ordering::Relaxed) % self.nodes.len()].shown
    }

    /// `/v1/<path>` on `node`.
    fn url(&self, node: usize, path: &str, query: Option<(&str, &str)>) -> Result<Url, VaultError> {
        let mut url = self.nodes[node].base.clone();
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

    /// Sends `method` to `/v1/<path>` with the current token, failing over and retrying
    /// as described above. Any status comes back as a [`Reply`]; only transport failures
    /// (and, with several nodes, every node failing) are errors.
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

    /// The whole bound on one request: every attempt's time-out and back-off.
    pub fn deadline(&self) -> Duration {
        let attempts = self.settings.max_retries + 1;
        self.settings
            .timeout
            .saturating_mul(attempts)
            .saturating_add(Duration::from_secs(5).saturating_mul(attempts))
            .max(ELECTION_WAIT)
    }

    async fn send_as(
        &self,
        method: Method,
        path: &str,
        query: Option<(&str, &str)>,
        body: Option<&Body>,
        token: Option<&SecretValue>,
    ) -> Result<Reply, VaultError> {
        let started = Instant::now();
        let deadline = started + self.deadline();
        let count = self.nodes.len();
        let passes_allowed = self.settings.max_retries + 1;
        let mut dead_passes = 0;
        let mut pass = 0;
        let mut attempts: u32 = 0;
        let mut answers: Vec<Option<String>> = vec![None; count];
        let mut last = None;
        loop {
            pass += 1;
            let first = self.preferred.load(Ordering::Relaxed) % count;
            let mut electing = false;
            let mut retry_after = None;
            for step in 0..count {
                let node = (first + step) % count;
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    break;
                }
                attempts = attempts.saturating_add(1);
                let url = self.url(node, path, query)?;
                let attempt =
                    tokio::time::timeout(remaining, self.once(node, &method, url, body, token))
                        .await
                        .unwrap_or_else(|_| {
                            Attempt::Failed(Failure::of_error(VaultError::Deadline {
                                seconds: self.deadline().as_secs(),
                            }))
                        });
                match attempt {
                    Attempt::Answer(mut reply) => {
                        self.preferred.store(node, Ordering::Relaxed);
                        reply.attempts = attempts;
                        if method != Method::GET && (200..300).contains(&reply.status) {
                            self.record(reply.index.take());
                        }
                        return Ok(reply);
                    }
                    Attempt::Fatal(error) => return Err(error),
                    Attempt::Failed(failure) => {
                        electing |= failure.electing && count > 1;
                        retry_after = retry_after.max(failure.retry_after);
                        answers[node] = Some(failure.answer);
                        last = Some(failure.last);
                    }
                }
            }
            if !electing {
                dead_passes += 1;
            }
            let again = if electing {
                started.elapsed() < ELECTION_WAIT
            } else {
                dead_passes < passes_allowed
            };
            let mut wait = backoff(pass, retry_after);
            if electing {
                wait = wait.min(ELECTION_BACKOFF);
            }
            if !again || Instant::now() + wait >= deadline {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        if count == 1 {
            return match last {
                Some(Last::Reply(mut reply)) => {
                    reply.attempts = attempts;
                    Ok(reply)
                }
                Some(Last::Error(error)) => Err(error),
                None => Err(VaultError::Deadline {
                    seconds: self.deadline().as_secs(),
                }),
            };
        }
        Err(VaultError::Unavailable {
            nodes: self
                .nodes
                .iter()
                .zip(answers)
                .map(|(node, answer)| NodeAnswer {
                    address: node.shown.clone(),
                    answer: answer.unwrap_or_else(|| "not tried before the deadline".to_owned()),
                })
                .collect(),
        })
    }

    /// Keeps `index` if it is newer than the one kept.
    fn record(&self, index: Option<HeaderValue>) {
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

    /// One attempt at `node`, following at most one redirect to the same host.
    async fn once(
        &self,
        node: usize,
        method: &Method,
        mut url: Url,
        body: Option<&Body>,
        token: Option<&SecretValue>,
    ) -> Attempt {
        let mut redirected = false;
        let headers = match self.headers(token) {
            Ok(headers) => headers,
            Err(error) => return Attempt::Fatal(error),
        };
        loop {
            let mut request = self.nodes[node]
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(body.to_reqwest());
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => return self.transport(node, &error),
            };
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 307 | 308) {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("");
                let Ok(next) = url.join(location) else {
                    return Attempt::Fatal(VaultError::Redirect {
                        reason: "the Location header is not a URL".to_owned(),
                    });
                };
                match redirect_allowed(&url, &next, redirected) {
                    Ok(()) => {
                        redirected = true;
                        url = next;
                        continue;
                    }
                    // A standby sends writes to the active node, and during an election
                    // to the dead one: never followed, the next node is tried instead.
                    Err(_) if self.nodes.len() > 1 && !redirected => {
                        return Attempt::Failed(Failure {
                            answer: format!("HTTP {status}: a standby, pointing elsewhere"),
                            electing: true,
                            retry_after: None,
                            last: Last::Error(VaultError::Redirect {
                                reason: "a standby pointed at another node".to_owned(),
                            }),
                        });
                    }
                    Err(reason) => {
                        return Attempt::Fatal(VaultError::Redirect {
                            reason: reason.to_owned(),
                        });
                    }
                }
            }
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let index = response.headers().get("x-vault-index").cloned();
            let body = match self.read_body(node, response).await {
                Ok(body) => body,
                Err(Transport::Retry(error)) => return Attempt::Failed(Failure::of_error(error)),
                Err(Transport::Fatal(error)) => return Attempt::Fatal(error),
            };
            let reply = Reply {
                status,
                body,
                attempts: 1,
                retry_after,
                index,
            };
            return match Failure::of_reply(reply) {
                Ok(failure) => Attempt::Failed(failure),
                Err(reply) => Attempt::Answer(reply),
            };
        }
    }

    /// The body of `response`, at most [`MAX_BODY`] bytes, into zeroizing memory.
    async fn read_body(
        &self,
        node: usize,
        mut response: reqwest::Response,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, Transport> {
        let address = || self.nodes[node].shown.clone();
        let too_large = || {
            Transport::Fatal(VaultError::TooLarge {
                address: address(),
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
                    self.transport_error(node, &error)
                } else {
                    Transport::Retry(VaultError::Truncated {
                        address: address(),
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

    fn headers(&self, token: Option<&SecretValue>) -> Result<HeaderMap, VaultError> {
        let mut headers = HeaderMap::new();
        headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
        if let Some(namespace) = &self.settings.namespace {
            let value = HeaderValue::from_str(namespace).map_err(|_| VaultError::Config {
                setting: "VAULT_NAMESPACE".to_owned(),
                reason: "not a valid header value".to_owned(),
            })?;
            headers.insert("X-Vault-Namespace", value);
        }
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(token.expose()).map_err(|_| VaultError::Config {
                    setting: "VAULT_TOKEN".to_owned(),
                    reason: "not a valid header value".to_owned(),
                })?;
            value.set_sensitive(true);
            headers.insert("X-Vault-Token", value);
        }
        let index = self
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(index) = index {
            // Read your own writes: a standby that has not applied this index forwards
            // the request to the active node rather than answer from an older copy.
            headers.insert("X-Vault-Index", index.header);
            headers.insert(
                "X-Vault-Inconsistent",
                HeaderValue::from_static("forward-active-node"),
            );
        }
        Ok(headers)
    }

    /// What a transport failure at `node` means for the request.
    fn transport(&self, node: usize, error: &reqwest::Error) -> Attempt {
        match self.transport_error(node, error) {
            Transport::Retry(error) => Attempt::Failed(Failure::of_error(error)),
            Transport::Fatal(error) => Attempt::Fatal(error),
        }
    }

    /// Classifies a transport failure by walking its causes; the message is the
    /// innermost cause (never a URL, a header or a body).
    fn transport_error(&self, node: usize, error: &reqwest::Error) -> Transport {
        let address = self.nodes[node].shown.clone();
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

    /// The token to send: the configured one, or a login's token kept fresh.
    async fn token(&self) -> Result<SecretValue, VaultError> {
        let (method, mount) = match &self.settings.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::AppRole { mount, .. } => ("AppRole", mount),
            Credentials::Jwt { mount, .. } => ("JWT", mount),
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
                    // A renewal that leaves no time (the token reached its max TTL)
                    // is not a token that never expires: log in again instead.
                    let renewed = reply
                        .map(|r| Self::lease_from(&r))
                        .ok()
                        .flatten()
                        .filter(|renewed| !renewed.ttl.is_zero());
                    if let Some(renewed) = renewed {
                        let token = renewed.token.clone();
                        *lease = Some(renewed);
                        return Ok(token);
                    }
                }
            }
            Refresh::Login => {}
        }
        let login_error = |reason: String| VaultError::Login {
            method,
            mount: mount.clone(),
            reason,
        };
        let (body, refused) = match &self.settings.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::AppRole {
                role_id, secret_id, ..
            } => (
                Body::json(&AppRoleLogin {
                    role_id: role_id.expose(),
                    secret_id: secret_id.expose(),
                }),
                "the role id or secret id was refused",
            ),
            Credentials::Jwt { role, jwt, .. } => {
                // Read again at every login: Kubernetes and CI rotate the file on disk.
                let jwt = jwt.read()?;
                (
                    Body::json(&JwtLogin {
                        role: role.as_deref(),
                        jwt: jwt.expose(),
                    }),
                    "the JWT was refused (expired, or not for this role's audience or claims)",
                )
            }
        };
        let login_path = format!("auth/{mount}/login");
        let reply = self
            .send_as(Method::POST, &login_path, None, Some(&body), None)
            .await?;
        if reply.status != 200 {
            let reason = match reply.status {
                400 | 403 => format!("{refused} ({})", reply.status),
                status => format!("the server answered {status}"),
            };
            return Err(login_error(reason));
        }
        let fresh = Self::lease_from(&reply)
            .ok_or_else(|| login_error("the answer holds no usable token".to_owned()))?;
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
        let auth = json.expose().get("auth")?;
        let token = auth.get("client_token")?.as_str()?;
        // What an HTTP header can carry, and something: an empty token, or one with a
        // newline, is no token (it would be sent empty, or blamed on VAULT_TOKEN).
        if token.is_empty() || !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return None;
        }
        let token = token.to_owned();
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

    /// The error a non-success reply to an `access` of `path` (the API path, named in
    /// messages) stands for.
    pub fn error_for(&self, reply: &Reply, path: &str, access: Access) -> VaultError {
        let path = path.to_owned();
        let address = self.preferred().to_owned();
        match reply.status {
            401 => VaultError::Unauthenticated { address },
            403 => VaultError::Denied { path, access },
            404 if !reply.is_vaults() => VaultError::NotVault {
                address,
                status: 404,
            },
            429 => VaultError::RateLimited {
                attempts: reply.attempts,
            },
            503 if String::from_utf8_lossy(&reply.body).contains("sealed") => {
                VaultError::Sealed { address }
            }
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
            // A server's lease of u64::MAX seconds once overflowed `ttl * 2 / 3` (issue 12,
            // item 10): it is kept, not a panic.
            (u64::MAX, true, 10, Refresh::Keep),
            (u64::MAX, false, 10, Refresh::Keep),
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
                .and_then(|m| match &m.source("vault")?.config {
                    crate::manifest::SourceConfig::Vault(config) => Some((**config).clone()),
                    _ => None,
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
