//! One signed HTTP client for an AWS source: the JSON 1.1 protocol that Secrets Manager
//! and SSM speak, retries, capped answers, errors classified, and STS
//! `AssumeRoleWithWebIdentity` for the web identity link of the chain. Where requests go
//! and with which credentials is [`Settings`]'s business.
//!
//! - Retried, up to `AWS_MAX_ATTEMPTS` attempts in all (default 3): transport errors,
//!   429, every 5xx, and the throttling codes (`ThrottlingException`, ...), with
//!   exponential back-off and jitter. Nothing else.
//! - Redirects are never followed; no proxy is used.
//! - The `Authorization` header and the session token are marked sensitive.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;
use zeroize::Zeroizing;

use super::credentials::{self, Chain, Credentials};
use super::settings::{Settings, config_error};
use super::sigv4::{self, Key, Scope};
use super::{AwsError, error::clean_code};
use crate::source::vault::{Body, SecretJson};

/// The largest answer read: 20 secrets of Secrets Manager's 64 KiB each fit many times.
pub(super) const MAX_BODY: u64 = 8 * 1024 * 1024;

/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The two services read, and STS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    /// AWS Secrets Manager.
    SecretsManager,
    /// AWS Systems Manager (Parameter Store).
    Ssm,
}

impl Service {
    /// The signing name and host prefix.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::SecretsManager => "secretsmanager",
            Self::Ssm => "ssm",
        }
    }

    /// The `X-Amz-Target` prefix.
    fn target(self) -> &'static str {
        match self {
            Self::SecretsManager => "secretsmanager",
            Self::Ssm => "AmazonSSM",
        }
    }

    /// The variable that names its endpoint.
    pub(super) fn endpoint_variable(self) -> &'static str {
        match self {
            Self::SecretsManager => "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            Self::Ssm => "AWS_ENDPOINT_URL_SSM",
        }
    }
}

/// What a call answered, when it is not a success: the service's error code, or a
/// failure of the transport.
#[derive(Debug)]
pub(super) enum Refusal {
    /// The service answered with an error code (cleaned) and status.
    Code {
        /// `ResourceNotFoundException`, `AccessDeniedException`...
        code: String,
        /// The HTTP status.
        status: u16,
    },
    /// Nothing usable came back.
    Failed(AwsError),
}

/// A signed client for one service.
#[derive(Debug)]
pub(super) struct Client {
    http: reqwest::Client,
    pub(super) settings: Settings,
    service: Service,
    /// Temporary credentials from STS, while they last.
    assumed: tokio::sync::Mutex<Option<Credentials>>,
    /// How many requests were sent to the service (retries included): what the tests
    /// and benchmarks count API calls by.
    pub(super) calls: std::sync::atomic::AtomicU64,
}

impl Client {
    /// A client for `service` with `settings`. Must run inside a tokio runtime.
    pub(super) fn new(service: Service, settings: Settings) -> Result<Self, AwsError> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| config_error("TLS", e.to_string()))?;
        let container_http = match &settings.chain {
            Chain::Container { url, .. } => url.scheme() == "http",
            _ => true,
        };
        let tls = if settings.endpoint.scheme() == "http"
            && settings.sts.scheme() == "http"
            && container_http
        {
            // Plain HTTP only (a local test server): no roots to load.
            tls.with_root_certificates(rustls::RootCertStore::empty())
        } else {
            use rustls_platform_verifier::BuilderVerifierExt;
            tls.with_platform_verifier()
                .map_err(|e| config_error("TLS", e.to_string()))?
        }
        .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .timeout(TIMEOUT)
            .pool_max_idle_per_host(settings.max_concurrency)
            .user_agent(concat!("secretary/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| config_error("HTTP client", e.to_string()))?;
        Ok(Self {
            http,
            settings,
            service,
            assumed: tokio::sync::Mutex::new(None),
            calls: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The credentials to sign with now: the static ones, or temporary ones (from STS or
    /// the container endpoint) while they have more than five minutes to run.
    async fn credentials(&self, renew: bool) -> Result<Credentials, AwsError> {
        if let Chain::Static(credentials) = &self.settings.chain {
            return Ok(credentials.clone());
        }
        let mut assumed = self.assumed.lock().await;
        let fresh = assumed.as_ref().filter(|credentials| {
            !renew
                && credentials.expires.is_none_or(|expires| {
                    expires
                        .duration_since(SystemTime::now())
                        .is_ok_and(|left| left > Duration::from_secs(300))
                })
        });
        if let Some(credentials) = fresh {
            return Ok(credentials.clone());
        }
        let credentials = match &self.settings.chain {
            Chain::Static(credentials) => credentials.clone(),
            Chain::WebIdentity {
                token_file,
                role_arn,
                session_name,
            } => {
                let token = credentials::web_identity_token(token_file)?;
                self.assume_role(role_arn, session_name, &token).await?
            }
            Chain::Container {
                url,
                token_file,
                token,
            } => {
                let token = match token_file {
                    Some(file) => Some(credentials::token_in(
                        file,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    )?),
                    None => token.clone(),
                };
                self.container(url, token.as_deref().map(String::as_str))
                    .await?
            }
        };
        *assumed = Some(credentials.clone());
        Ok(credentials)
    }

    /// Temporary keys from the container credentials endpoint (ECS, EKS Pod Identity):
    /// `GET url`, with `token` as `Authorization`.
    async fn container(&self, url: &Url, token: Option<&str>) -> Result<Credentials, AwsError> {
        const WHAT: &str = "container credentials";
        let failed = |reason: String| AwsError::Container {
            endpoint: url.as_str().to_owned(),
            reason,
        };
        let mut attempt = 0;
        let reply = loop {
            attempt += 1;
            let mut request = self.http.get(url.clone());
            if let Some(token) = token {
                let mut value = HeaderValue::from_str(token).map_err(|_| {
                    failed("the authorization token is not printable text".to_owned())
                })?;
                value.set_sensitive(true);
                request = request.header("Authorization", value);
            }
            let outcome = match request.send().await {
                Ok(response) => read_body(response, url, WHAT).await,
                Err(error) => Err((transport(&error, url, WHAT), true)),
            };
            match outcome {
                Ok((200, body)) => break body,
                Ok((status, _)) if status < 500 || attempt >= self.settings.max_attempts => {
                    return Err(failed(format!("HTTP {status}")));
                }
                Err((error, retry)) if !retry || attempt >= self.settings.max_attempts => {
                    return Err(failed(error.to_string()));
                }
                _ => {}
            }
            tokio::time::sleep(backoff(attempt)).await;
        };
        let json = SecretJson::from_slice(&reply)
            .ok_or_else(|| failed("the answer is not JSON".to_owned()))?;
        let field = |name: &str| {
            json.expose()
                .get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|text| !text.is_empty())
                .map(|text| Zeroizing::new(text.to_owned()))
                .ok_or_else(|| failed(format!("the answer holds no {name}")))
        };
        Ok(Credentials {
            access_key_id: field("AccessKeyId")?.to_string(),
            secret_access_key: field("SecretAccessKey")?,
            session_token: Some(field("Token")?),
            expires: field("Expiration")
                .ok()
                .and_then(|text| humantime::parse_rfc3339_weak(text.trim_end_matches('Z')).ok()),
        })
    }

    /// STS `AssumeRoleWithWebIdentity` (an unsigned query-protocol call: the token is the
    /// credential).
    async fn assume_role(
        &self,
        role_arn: &str,
        session_name: &str,
        token: &str,
    ) -> Result<Credentials, AwsError> {
        let failed = |reason: String| AwsError::WebIdentity {
            role_arn: role_arn.to_owned(),
            reason,
        };
        let form = Zeroizing::new(format!(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
            sigv4::uri_encode(role_arn),
            sigv4::uri_encode(session_name),
            sigv4::uri_encode(token)
        ));
        let body = Body::bytes(form.as_bytes());
        let mut attempt = 0;
        let reply = loop {
            attempt += 1;
            let sent = self
                .http
                .post(self.settings.sts.clone())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.to_reqwest())
                .send()
                .await;
            let outcome = match sent {
                Ok(response) => {
                    read_body(response, &self.settings.sts, "AssumeRoleWithWebIdentity").await
                }
                Err(error) => Err((
                    transport(&error, &self.settings.sts, "AssumeRoleWithWebIdentity"),
                    true,
                )),
            };
            match outcome {
                Ok((200, body)) => break body,
                Ok((status, body)) => {
                    let code = xml_text(&body, "Code")
                        .map_or_else(|| format!("HTTP {status}"), |c| clean_code(&c));
                    let retry = status == 429
                        || status >= 500
                        || code.contains("Throttl")
                        || code == "IDPCommunicationError";
                    if !retry || attempt >= self.settings.max_attempts {
                        return Err(failed(format!("STS answered {code} (HTTP {status})")));
                    }
                }
                Err((error, retry)) => {
                    if !retry || attempt >= self.settings.max_attempts {
                        return Err(failed(error.to_string()));
                    }
                }
            }
            tokio::time::sleep(backoff(attempt)).await;
        };
        let field = |name: &str| {
            xml_text(&reply, name)
                .filter(|text| !text.is_empty())
                .ok_or_else(|| failed(format!("STS's answer holds no {name}")))
        };
        Ok(Credentials {
            access_key_id: field("AccessKeyId")?.to_string(),
            secret_access_key: field("SecretAccessKey")?,
            session_token: Some(field("SessionToken")?),
            expires: xml_text(&reply, "Expiration")
                .and_then(|text| humantime::parse_rfc3339_weak(text.trim_end_matches('Z')).ok()),
        })
    }

    /// Calls `action` with the JSON `body` (signed, retried as the module says). A
    /// success is the answer's JSON; anything else a [`Refusal`].
    pub(super) async fn call(&self, action: &str, body: &Body) -> Result<SecretJson, Refusal> {
        let endpoint = &self.settings.endpoint;
        let target = format!("{}.{action}", self.service.target());
        let host = sigv4::host_header(endpoint);
        let mut renewed = false;
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            let credentials = self.credentials(false).await.map_err(Refusal::Failed)?;
            let headers = signed_headers(
                &credentials,
                Scope {
                    region: &self.settings.region,
                    service: self.service.name(),
                },
                endpoint,
                &host,
                &target,
                body.as_ref(),
            )
            .map_err(Refusal::Failed)?;
            self.calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sent = self
                .http
                .post(endpoint.clone())
                .headers(headers)
                .body(body.to_reqwest())
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    if attempt < self.settings.max_attempts {
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    return Err(Refusal::Failed(transport(&error, endpoint, action)));
                }
            };
            let error_type = response
                .headers()
                .get("x-amzn-errortype")
                .and_then(|value| value.to_str().ok())
                .map(clean_code);
            let (status, reply) = match read_body(response, endpoint, action).await {
                Ok(answer) => answer,
                Err((error, retry)) => {
                    if retry && attempt < self.settings.max_attempts {
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    return Err(Refusal::Failed(error));
                }
            };
            if status == 200 {
                return SecretJson::from_slice(&reply)
                    .filter(|json| json.expose().is_object())
                    .ok_or_else(|| {
                        Refusal::Failed(AwsError::Malformed {
                            endpoint: endpoint.to_string(),
                            action: action.to_owned(),
                            what: "not a JSON object".to_owned(),
                        })
                    });
            }
            let (code, throttled, own) = error_code(status, &reply, error_type);
            if code == "ResourceNotFoundException" && !own {
                // Only the API's own JSON says "not found": anything else fails.
                return Err(Refusal::Failed(AwsError::Malformed {
                    endpoint: endpoint.to_string(),
                    action: action.to_owned(),
                    what: "a not-found that is not the API's JSON".to_owned(),
                }));
            }
            if (throttled || status >= 500) && attempt < self.settings.max_attempts {
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            // Temporary credentials that expired early: new ones, once.
            if code == "ExpiredTokenException"
                && !renewed
                && !matches!(self.settings.chain, Chain::Static(_))
            {
                renewed = true;
                self.credentials(true).await.map_err(Refusal::Failed)?;
                continue;
            }
            return Err(self.refusal(action, code, status, throttled, attempt));
        }
    }

    /// The refusal a final answer stands for.
    fn refusal(
        &self,
        action: &str,
        code: String,
        status: u16,
        throttled: bool,
        attempts: u32,
    ) -> Refusal {
        if throttled {
            return Refusal::Failed(AwsError::Throttled {
                action: self.action(action),
                code,
                attempts,
            });
        }
        if status >= 500 {
            return Refusal::Failed(AwsError::Server {
                action: self.action(action),
                status,
                attempts,
            });
        }
        if code.starts_with("HTTP") {
            // Not the API's error (no JSON with a code): another web server's page.
            return Refusal::Failed(AwsError::Malformed {
                endpoint: self.settings.endpoint.to_string(),
                action: action.to_owned(),
                what: format!("HTTP {status} without an AWS error code"),
            });
        }
        Refusal::Code { code, status }
    }

    /// The IAM action name of `action` (`secretsmanager:GetSecretValue`).
    pub(super) fn action(&self, action: &str) -> String {
        format!("{}:{action}", self.service.name())
    }
}

/// The error code of a failed call's answer, cleaned: the JSON body's `__type` (the
/// API's own: `own` is true), else the `X-Amzn-ErrorType` header, else an XML
/// `<Code>` (some front ends, and moto's IAM checks, answer so), else `HTTP<status>`.
/// And whether it says "throttled".
fn error_code(status: u16, reply: &[u8], header: Option<String>) -> (String, bool, bool) {
    let json = SecretJson::from_slice(reply).and_then(|json| {
        json.expose()
            .get("__type")
            .or_else(|| json.expose().get("code"))
            .and_then(serde_json::Value::as_str)
            .map(clean_code)
    });
    let own = json.is_some();
    let code = json
        .or(header)
        .or_else(|| xml_text(reply, "Code").map(|code| clean_code(&code)))
        .unwrap_or_else(|| format!("HTTP{status}"));
    let throttled = status == 429
        || matches!(
            code.as_str(),
            "ThrottlingException"
                | "Throttling"
                | "ThrottledException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "RequestThrottledException"
                | "ProvisionedThroughputExceededException"
        );
    (code, throttled, own)
}

/// The headers of a signed JSON 1.1 request.
fn signed_headers(
    credentials: &Credentials,
    scope: Scope<'_>,
    endpoint: &Url,
    host: &str,
    target: &str,
    body: &[u8],
) -> Result<HeaderMap, AwsError> {
    let date = sigv4::amz_date(SystemTime::now());
    let mut signed: Vec<(&str, &str)> = vec![
        ("content-type", "application/x-amz-json-1.1"),
        ("host", host),
        ("x-amz-date", &date),
        ("x-amz-target", target),
    ];
    if let Some(token) = &credentials.session_token {
        signed.push(("x-amz-security-token", token.as_str()));
    }
    let authorization = sigv4::authorization(
        &Key {
            access_key_id: &credentials.access_key_id,
            secret_access_key: &credentials.secret_access_key,
        },
        scope,
        &date,
        "POST",
        endpoint,
        &signed,
        body,
    );
    let mut headers = HeaderMap::new();
    let bad = |name: &str| {
        config_error(
            "AWS credentials",
            format!("cannot be sent in {name}: not printable text"),
        )
    };
    for (name, value) in signed
        .iter()
        .copied()
        .chain(std::iter::once(("authorization", authorization.as_str())))
    {
        let mut value = HeaderValue::from_str(value).map_err(|_| bad(name))?;
        if matches!(name, "authorization" | "x-amz-security-token") {
            value.set_sensitive(true);
        }
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok(headers)
}

/// The status and body of `response`, read up to [`MAX_BODY`]; an error says whether
/// another attempt may help.
async fn read_body(
    mut response: reqwest::Response,
    endpoint: &Url,
    action: &str,
) -> Result<(u16, Zeroizing<Vec<u8>>), (AwsError, bool)> {
    let status = response.status().as_u16();
    let too_large = || AwsError::TooLarge {
        endpoint: endpoint.to_string(),
        action: action.to_owned(),
        limit: MAX_BODY,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY)
    {
        return Err((too_large(), false));
    }
    let capacity = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0);
    let mut body = Zeroizing::new(Vec::with_capacity(capacity));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let length = body.len().saturating_add(chunk.len());
                if u64::try_from(length).map_or(true, |length| length > MAX_BODY) {
                    return Err((too_large(), false));
                }
                if body.capacity() < length {
                    // Grow into a new zeroed buffer, so no copy is left behind.
                    let mut bigger = Zeroizing::new(Vec::with_capacity(length.saturating_mul(2)));
                    bigger.extend_from_slice(&body);
                    body = bigger;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok((status, body)),
            Err(error) => return Err((transport(&error, endpoint, action), true)),
        }
    }
}

/// A transport error, named by its kind and innermost cause (never a URL with a query).
fn transport(error: &reqwest::Error, endpoint: &Url, action: &str) -> AwsError {
    if error.is_timeout() {
        return AwsError::Timeout {
            endpoint: endpoint.to_string(),
            action: action.to_owned(),
            seconds: TIMEOUT.as_secs(),
        };
    }
    let mut cause: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    AwsError::Connect {
        endpoint: endpoint.to_string(),
        reason: cause.to_string(),
    }
}

/// How long to wait after attempt `attempt`: 100 ms doubling (at most 5 s), jittered down
/// to half, as the AWS SDKs' standard mode does.
fn backoff(attempt: u32) -> Duration {
    use std::hash::BuildHasher;
    let base = Duration::from_millis(100)
        .saturating_mul(1 << attempt.saturating_sub(1).min(6))
        .min(Duration::from_secs(5));
    let bits = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    #[expect(
        clippy::cast_precision_loss,
        reason = "a fraction from 0 to 1; precision does not matter"
    )]
    let fraction = (bits % 1_000) as f64 / 1_000.0;
    base.mul_f64(0.5 + fraction / 2.0)
}

/// The text of the first `<name>` element of an XML answer, unescaped, in a zeroed
/// buffer. Enough for STS's flat answers; not an XML parser.
fn xml_text(xml: &[u8], name: &str) -> Option<Zeroizing<String>> {
    let text = std::str::from_utf8(xml).ok()?;
    let open = format!("<{name}>");
    let start = text.find(&open)?.checked_add(open.len())?;
    let end = start.checked_add(text.get(start..)?.find(&format!("</{name}>"))?)?;
    let raw = text.get(start..end)?;
    let mut out = Zeroizing::new(String::with_capacity(raw.len()));
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (entity, char) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&apos;", '\''),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))?;
        out.push(char);
        rest = &rest[entity.len()..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_answers_are_read_and_unescaped() {
        let xml = b"<AssumeRoleWithWebIdentityResponse><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b&lt;c</SecretAccessKey></Credentials></AssumeRoleWithWebIdentityResponse>";
        assert_eq!(xml_text(xml, "AccessKeyId").unwrap().as_str(), "ASIA1");
        assert_eq!(xml_text(xml, "SecretAccessKey").unwrap().as_str(), "a&b<c");
        assert!(xml_text(xml, "SessionToken").is_none());
    }

    #[test]
    fn error_codes_come_from_the_json_then_the_header_then_xml() {
        let json =
            br#"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"x"}"#;
        assert_eq!(
            error_code(400, json, None),
            ("ResourceNotFoundException".to_owned(), false, true)
        );
        let xml = b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>canary</Message></Error></ErrorResponse>";
        assert_eq!(
            error_code(403, xml, None),
            ("AccessDenied".to_owned(), false, false)
        );
        assert_eq!(
            error_code(400, b"", Some("ThrottlingException".to_owned())),
            ("ThrottlingException".to_owned(), true, false)
        );
        assert_eq!(
            error_code(404, b"<html>nope</html>", None),
            ("HTTP404".to_owned(), false, false)
        );
        assert_eq!(
            error_code(429, b"", None),
            ("HTTP429".to_owned(), true, false)
        );
    }

    #[test]
    fn backoff_grows_and_is_jittered() {
        for attempt in 1..=8 {
            let base = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(6))
                .min(Duration::from_secs(5));
            let wait = backoff(attempt);
            assert!(wait >= base / 2 && wait <= base, "{attempt}: {wait:?}");
        }
    }
}
