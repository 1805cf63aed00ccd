//! Logging in (AppRole, JWT) and keeping the login's token fresh: renewed at about two
//! thirds of its lease, logged in again when it cannot be renewed.
//!
//! An AppRole secret id may come response-wrapped (`bao write -wrap-ttl=60s -f
//! auth/approle/role/R/secret-id`): the file holds a wrapping token, which is unwrapped
//! once (`sys/wrapping/unwrap`) and never written back. The secret id is kept in memory
//! for the process, and for the children it forks (the memory they inherit): a second
//! unwrap fails, and is said to be what it is, someone else's use of it.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use std::sync::Mutex;

use crate::SecretValue;
use crate::source::vault::VaultError;
use crate::source::vault::credentials::Credentials;

use super::{Body, Client, Reply};

/// An AppRole login's body.
#[derive(serde::Serialize)]
pub(super) struct AppRoleLogin<'a> {
    role_id: &'a str,
    secret_id: &'a str,
}

/// Secret ids unwrapped by this process (or the one it was forked from), by the SHA-256 of
/// their wrapping token: a wrapping token works once.
static UNWRAPPED: Mutex<Vec<([u8; 32], SecretValue)>> = Mutex::new(Vec::new());

/// Whether `secret_id` is a wrapping token rather than a secret id: Vault's and OpenBao's
/// service tokens (`hvs.`, `s.`) and batch tokens (`hvb.`, `b.`); a secret id is a UUID,
/// or a custom text of its own.
fn is_wrapping_token(secret_id: &str) -> bool {
    ["hvs.", "s.", "hvb.", "b."]
        .iter()
        .any(|prefix| secret_id.starts_with(prefix))
}

/// A JWT login's body.
#[derive(serde::Serialize)]
pub(super) struct JwtLogin<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    jwt: &'a str,
}

/// A token and when it runs out.
#[derive(Debug, Clone)]
pub(super) struct Lease {
    pub(super) token: SecretValue,
    pub(super) obtained: Instant,
    /// Zero: never expires.
    pub(super) ttl: Duration,
    pub(super) renewable: bool,
}

/// What to do with the current token before a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refresh {
    Keep,
    Renew,
    Login,
}

pub(super) fn refresh(lease: Option<&Lease>, now: Instant) -> Refresh {
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

impl Client {
    /// The secret id to log in with: `secret_id` itself, or, when it is a wrapping token,
    /// what it wraps (unwrapped once per process and the children it forks).
    async fn unwrapped(&self, secret_id: &SecretValue) -> Result<SecretValue, String> {
        if !is_wrapping_token(secret_id.expose()) {
            return Ok(secret_id.clone());
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, secret_id.expose().as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(digest.as_ref());
        let known = |key: &[u8; 32]| {
            UNWRAPPED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, id)| id.clone())
        };
        if let Some(id) = known(&key) {
            return Ok(id);
        }
        let reply = self
            .send_as(
                Method::POST,
                "sys/wrapping/unwrap",
                None,
                Some(&Body::json(&serde_json::Map::new())),
                Some(secret_id),
            )
            .await
            .map_err(|error| {
                format!("the secret id's wrapping token could not be unwrapped: {error}")
            })?;
        if reply.status != 200 {
            return Err(format!(
                "the secret id's wrapping token was refused ({}): it was used already, or has expired. \
                 A wrapping token works once: if secretary did not use it, someone else did; treat the secret id as stolen \
                 (revoke it by its accessor) and hand this process a new one",
                reply.status
            ));
        }
        let id = reply
            .json()
            .expose()
            .pointer("/data/secret_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(|id| SecretValue::new(id.to_owned()))
            .ok_or_else(|| "the wrapping token wraps no secret_id".to_owned())?;
        UNWRAPPED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((key, id.clone()));
        Ok(id)
    }

    /// When the login's token is next due for renewal: `None` for a token of the user's
    /// or one that never expires. A lease belongs to the token that read it, so the
    /// lease keeper renews the token on time even when no request is due.
    pub fn login_due(&self) -> Option<Instant> {
        let lease = self.lease.try_lock().ok()?;
        let lease = lease.as_ref().filter(|lease| !lease.ttl.is_zero())?;
        Some(lease.obtained + lease.ttl.saturating_sub(lease.ttl / 3))
    }

    /// Renews the login's token (or logs in again) when it is due.
    pub async fn keep_login(&self) -> Result<(), VaultError> {
        self.token().await.map(|_| ())
    }

    /// The token to send: the configured one, or a login's token kept fresh.
    pub(super) async fn token(&self) -> Result<SecretValue, VaultError> {
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
            } => {
                let secret_id = self.unwrapped(secret_id).await.map_err(login_error)?;
                (
                    Body::json(&AppRoleLogin {
                        role_id: role_id.expose(),
                        secret_id: secret_id.expose(),
                    }),
                    "the role id or secret id was refused",
                )
            }
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
        if reply.status >= 500 || reply.status == 412 {
            // The server could not serve a login now (sealed, overloaded, no leader):
            // an outage, as for any other request, not a refusal of the credentials.
            return Err(VaultError::Server {
                status: reply.status,
                path: login_path,
                attempts: reply.attempts,
            });
        }
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
    pub(super) fn lease_from(reply: &Reply) -> Option<Lease> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
