//! A login token Vault refuses before its time: revoked from outside (an operator's
//! `vault token revoke`, a revoked parent, a Vault restored from a backup). Its TTL says
//! it lives, so nothing would log in again: every request got 403 and was told to "log
//! in again", and the leases it read, gone with it, were re-issued with it (a
//! fifty-fourth adversarial pass watched `run --watch` serve a dropped database user for
//! a minute, then stop its program, though a login would have worked).
//!
//! So a 403 to a request sent with a token of a login is followed by
//! `auth/token/lookup-self` with that token: a 403 to that too says the token is gone.
//! It is marked ended, the lease keeper is woken to re-issue the leases that ended with
//! it ([`when_a_token_ends`]), and the request is sent once more with a new login's
//! token. Whether `lookup-self` can tell at all is learnt of each token as its login
//! gives it (one attempt, within 2 s): a token whose policies do not allow it (a role
//! made with `token_no_default_policy`, or hardened so while the service runs) is
//! refused it alive too, and a 403 to that token is taken at its word (a fifty-fifth
//! adversarial pass saw such a live token marked ended, and its lease left unrevoked as
//! one that had ended with it; a fifty-sixth, learning once a connection, a role
//! hardened mid-run restart the program 54 times in 20 s, a token each).

use std::sync::atomic::Ordering;
use std::time::Instant;

use reqwest::Method;

use super::{Client, Reply};
use crate::SecretValue;
use crate::source::vault::VaultError;
use crate::source::vault::credentials::Credentials;

/// What wakes the lease keeper when a token is found ended ([`when_a_token_ends`]).
static ON_ENDED: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Has `hook` called whenever a login token is found ended before its time: the lease
/// keeper's wake-up, so that the leases that ended with it are re-issued now, not at
/// their own renewal time (a fifty-fifth adversarial pass: a 10-minute lease's database
/// user stayed dropped for the lease's two thirds).
pub(crate) fn when_a_token_ends(hook: fn()) {
    let _ = ON_ENDED.set(hook);
}

impl Client {
    /// Sends `method` to `path` with the token of the current login, and once more with
    /// a new login's when Vault refused it because the token had ended: the reply, and
    /// the login of the token that got it. Not sent (`None`) when `stopped` says so
    /// once the token is had.
    pub(super) async fn send_renewing(
        &self,
        method: Method,
        path: &str,
        query: Option<(&str, &str)>,
        body: Option<&super::Body>,
        stopped: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<(Reply, u64)>, VaultError> {
        let (token, login) = self.token_of().await?;
        if stopped() {
            return Ok(None);
        }
        let reply = self
            .send_as(method.clone(), path, query, body, Some(&token))
            .await?;
        if reply.status != 403 || !self.token_ended(login).await {
            return Ok(Some((reply, login)));
        }
        let (token, login) = self.token_of().await?;
        if stopped() {
            return Ok(None);
        }
        let reply = self
            .send_as(method, path, query, body, Some(&token))
            .await?;
        Ok(Some((reply, login)))
    }

    /// Revokes the lease `lease_id` that login `login`'s token read: `Ok(None)` when it
    /// ended with that token, which Vault no longer knows (nothing to revoke, and no
    /// login made to say so: a fifty-sixth adversarial pass saw the end log in again to
    /// revoke such a lease, leave that login's token when the login was slow, and warn of
    /// a lease that had ended); else Vault's answer ([`Client::send`]).
    pub(crate) async fn revoke_lease(
        &self,
        body: &super::Body,
        login: u64,
    ) -> Result<Option<Reply>, VaultError> {
        let path = "sys/leases/revoke";
        let (token, current) = self.token_of().await?;
        let reply = self
            .send_as(Method::PUT, path, None, Some(body), Some(&token))
            .await?;
        if reply.status != 403 || !self.token_ended(current).await {
            return Ok(Some(reply));
        }
        if current == login && login != 0 {
            return Ok(None);
        }
        // Another login's lease: asked again with a new login's token.
        self.send(Method::PUT, path, None, Some(body))
            .await
            .map(Some)
    }

    /// After a 403 to a request sent with login `login`'s token: whether that token has
    /// ended (then it is marked so, and the next request logs in again). True too when
    /// a newer login has replaced it meanwhile: the request is worth sending again.
    pub(super) async fn token_ended(&self, login: u64) -> bool {
        if matches!(self.settings.credentials, Credentials::Token(_)) {
            return false;
        }
        let mut held = self.lease.lock().await;
        let Some(lease) = held.as_mut() else {
            return false;
        };
        // Spent: its uses counted, and one more refused (a retry spends a use that is
        // not counted: a fifty-ninth adversarial pass saw the policy blamed for it).
        if lease.login != login || lease.refused_at.is_some() || lease.spent() {
            return true;
        }
        if self.known_ended(&lease.token, lease.looks_itself_up).await {
            lease.refused_at = Some(Instant::now());
            if let Some(hook) = ON_ENDED.get() {
                hook();
            }
            return true;
        }
        false
    }

    /// Whether `token` (a lease's, `looks_itself_up` saying whether it could look
    /// itself up when had) is known to have ended: Vault now refuses to look it up.
    pub(super) async fn known_ended(&self, token: &SecretValue, looks_itself_up: bool) -> bool {
        looks_itself_up && self.lives(token).await == Some(false)
    }

    /// Whether Vault knows `token` (`auth/token/lookup-self`): `None` when it did not
    /// say (unreachable, another server's answer). One attempt, at the node that last
    /// answered, within the client's time-out (2 s at most): asked at every login, it
    /// never holds one up by the retries and back-off a read gets (a server that answers
    /// it 500 delayed each login by seconds; one that never answers, by 3 minutes).
    pub(super) async fn lives(&self, token: &SecretValue) -> Option<bool> {
        let reply = self.looked_up(token).await?;
        match reply.status {
            200 => Some(true),
            403 if reply.is_vault_error() => Some(false),
            _ => None,
        }
    }

    /// Whether `token` may be used a limited number of times: `num_uses` of its
    /// `lookup-self` (which spends one) is not 0; Vault answers -1 when that look-up was
    /// its last use (a sixty-first adversarial pass saw -1 taken for no limit, and the
    /// token spent by the question). Vault's own 403 (a token that may not look itself
    /// up) is taken at its word, as no limit; any other answer (a rate limit, a 404, a
    /// page without a whole number of uses) says nothing, and is an error, as is no
    /// answer: no lease is read on it (a sixty-third adversarial pass read one past
    /// a 429). Asked as any request is, retries and nodes included.
    pub(super) async fn limited(&self, token: &SecretValue) -> Result<i64, VaultError> {
        let path = "auth/token/lookup-self";
        let reply = self
            .send_as(Method::GET, path, None, None, Some(token))
            .await?;
        match reply.status {
            200 => match reply
                .json()
                .expose()
                .pointer("/data/num_uses")
                .and_then(serde_json::Value::as_i64)
            {
                Some(uses) => Ok(uses),
                None => Err(VaultError::Unexpected {
                    path: path.to_owned(),
                    what: "a look-up of the token that does not say how many uses it has left (data.num_uses)".to_owned(),
                }),
            },
            403 if reply.is_vault_error() => Ok(0),
            _ => Err(self.error_for(&reply, path, super::super::Access::Read)),
        }
    }

    /// Vault's answer to `auth/token/lookup-self` with `token`, as [`Client::lives`]
    /// asks it.
    async fn looked_up(&self, token: &SecretValue) -> Option<Reply> {
        let node = self.preferred.load(Ordering::Relaxed) % self.nodes.len();
        let url = self.url(node, "auth/token/lookup-self", None).ok()?;
        let wait = self.settings.timeout.min(std::time::Duration::from_secs(2));
        let attempt =
            tokio::time::timeout(wait, self.once(node, &Method::GET, url, None, Some(token)))
                .await
                .ok()?;
        match attempt {
            super::Attempt::Answer(reply) => Some(reply),
            _ => None,
        }
    }
}
