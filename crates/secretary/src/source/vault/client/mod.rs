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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use tokio::sync::Mutex;
use url::Url;

use super::settings::{Settings, shown_address};
use super::{Access, NodeAnswer, VaultError};
use crate::SecretValue;

mod index;
mod login;
mod refused;
mod retry;
mod secret;

pub(crate) use refused::when_a_token_ends;
pub(crate) use retry::at_most;

use index::WriteIndex;
use login::Lease;
use retry::{
    ELECTION_BACKOFF, ELECTION_WAIT, Transport, backoff, find_rustls, innermost, redirect_allowed,
    retried,
};
pub use secret::{Body, Reply, SecretJson};

/// The largest answer read from Vault. Vault's own default `max_request_size` is 32 MiB,
/// so no KV secret it stores is larger.
pub const MAX_BODY: u64 = 32 * 1024 * 1024;

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
    /// Whether the request may have reached the server and been acted on: the
    /// connection was made and then lost, timed out, or cut short, or the server (or a
    /// proxy that forwarded it) answered 5xx. Not a connection never made, a 429, a
    /// sealed server or a standby (412), which act on nothing.
    fn may_have_landed(&self) -> bool {
        match &self.last {
            Last::Error(error) => matches!(
                error,
                VaultError::Lost { .. }
                    | VaultError::Timeout { .. }
                    | VaultError::Truncated { .. }
                    | VaultError::Deadline { .. }
            ),
            Last::Reply(reply) => {
                reply.status >= 500
                    && !(reply.status == 503
                        && String::from_utf8_lossy(&reply.body).contains("sealed"))
            }
        }
    }
}

impl Failure {
    fn of_error(error: VaultError) -> Self {
        let answer = match &error {
            VaultError::Connect { reason, .. } | VaultError::Lost { reason, .. } => reason.clone(),
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
    /// Logged out for the process's end ([`Client::log_out`]): no login is made again.
    logged_out: std::sync::atomic::AtomicBool,
    /// Whether a token of the user's may be used a limited number of times, as its
    /// `lookup-self` said when first asked ([`Client::uses_limited`]).
    user_token_limited: std::sync::OnceLock<bool>,
    /// A token of the user's whose look-up was its last use: Vault revoked it then, and
    /// a 403 after is said as such ([`Client::error_for`]).
    user_token_spent: std::sync::atomic::AtomicBool,
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
            logged_out: std::sync::atomic::AtomicBool::new(false),
            user_token_limited: std::sync::OnceLock::new(),
            user_token_spent: std::sync::atomic::AtomicBool::new(false),
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
        let sent = self
            .send_renewing(method, path, query, body, &|| false)
            .await?;
        // Never stopped: sent.
        sent.map(|(reply, _)| reply).ok_or(VaultError::Deadline {
            seconds: self.deadline().as_secs(),
        })
    }

    /// [`Client::send`] for a write, telling also whether some attempt may have reached
    /// the server and been acted on (see `Failure::may_have_landed`), whatever the last
    /// attempt met: a write whose first answer was lost and whose retry was refused may
    /// have landed all the same (a twenty-fifth adversarial pass). The token is had
    /// first, outside that: a login that fails sent no write.
    pub async fn send_write(
        &self,
        method: Method,
        path: &str,
        body: &Body,
    ) -> Result<(Result<Reply, VaultError>, bool), VaultError> {
        let (token, login) = self.token_of().await?;
        let mut delivered = false;
        let sent = self
            .send_tracked(
                method.clone(),
                path,
                None,
                Some(body),
                Some(&token),
                &mut delivered,
            )
            .await;
        // Refused because the token had ended: not written, so sent again with a new
        // login's token ([`refused`]).
        let refused = matches!(&sent, Ok(reply) if reply.status == 403);
        if !refused || !self.token_ended(login).await {
            return Ok((sent, delivered));
        }
        let (token, _) = self.token_of().await?;
        let sent = self
            .send_tracked(method, path, None, Some(body), Some(&token), &mut delivered)
            .await;
        Ok((sent, delivered))
    }

    /// The whole bound on one request: every attempt's time-out and back-off.
    pub fn deadline(&self) -> Duration {
        self.deadline_of(retry::allowed(self.settings.max_retries))
    }

    /// [`Client::deadline`] of a request retried at most `retries` times
    /// ([`at_most`]).
    pub(crate) fn deadline_at_most(&self, retries: Option<u32>) -> Duration {
        let allowed = self.settings.max_retries;
        self.deadline_of(retries.map_or(allowed, |retries| retries.min(allowed)))
    }

    /// The bound on a request retried `retries` times.
    fn deadline_of(&self, retries: u32) -> Duration {
        let attempts = retries + 1;
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
        self.send_tracked(method, path, query, body, token, &mut false)
            .await
    }

    /// [`Client::send_as`], setting `delivered` when an attempt may have been acted on.
    async fn send_tracked(
        &self,
        method: Method,
        path: &str,
        query: Option<(&str, &str)>,
        body: Option<&Body>,
        token: Option<&SecretValue>,
        delivered: &mut bool,
    ) -> Result<Reply, VaultError> {
        let started = Instant::now();
        let deadline = started + self.deadline();
        let count = self.nodes.len();
        let passes_allowed = retry::allowed(self.settings.max_retries) + 1;
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
                        *delivered |= failure.may_have_landed();
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
            let mut failure = super::error::TlsFailure::of(tls);
            if failure == super::error::TlsFailure::WrongName
                && self.settings.tls_server_name.is_some()
            {
                failure = super::error::TlsFailure::WrongServerName;
            }
            return Transport::Fatal(VaultError::Tls {
                address,
                reason: tls.to_string(),
                failure,
                trusted: self.settings.ca.as_ref().map(|ca| ca.setting().to_owned()),
            });
        }
        let reason = innermost(error).to_string();
        // Never sent: a request the client cannot make (a URL over 64 KiB) is not a
        // connection lost, is not retried, and cannot have landed (a thirty-sixth
        // adversarial pass saw it said as one, and a write told it may have landed).
        if error.is_builder() {
            return Transport::Fatal(VaultError::Unsendable { address, reason });
        }
        // Not connected at all, or connected and the answer lost (a write may have
        // landed: `put` says so, a twenty-third adversarial pass).
        if error.is_connect() {
            Transport::Retry(VaultError::Connect { address, reason })
        } else {
            Transport::Retry(VaultError::Lost { address, reason })
        }
    }

    /// The error a non-success reply to an `access` of `path` (the API path, named in
    /// messages) stands for.
    pub fn error_for(&self, reply: &Reply, path: &str, access: Access) -> VaultError {
        let path = path.to_owned();
        let address = self.preferred().to_owned();
        match reply.status {
            401 => VaultError::Unauthenticated { address },
            // Vault's 403 says why in its JSON `errors`; another server's (a WAF's page,
            // a proxy's) says nothing about the token: not blamed on it, nor made to
            // forget copies (a twenty-sixth adversarial pass).
            403 if !reply.is_vault_error() => VaultError::NotVault {
                address,
                status: 403,
            },
            403 if self.user_token_spent.load(Ordering::Relaxed) => VaultError::UsesSpent { path },
            403 => VaultError::Denied { path, access },
            404 if reply.is_no_namespace() => {
                match (&self.settings.namespace, &self.settings.namespace_setting) {
                    (Some(namespace), Some(setting)) => VaultError::NoNamespace {
                        namespace: crate::printable::text(namespace).into_owned(),
                        setting: setting.clone(),
                    },
                    _ => VaultError::NoRoute { path },
                }
            }
            404 if reply.is_no_route() => VaultError::NoRoute { path },
            404 if !reply.is_vaults() => VaultError::NotVault {
                address,
                status: 404,
            },
            // Go's TLS server answers a plain request so: the address should be https://.
            400 if address.starts_with("http://")
                && String::from_utf8_lossy(&reply.body)
                    .contains("HTTP request to an HTTPS server") =>
            {
                VaultError::TlsExpected { address }
            }
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
