//! Logging in (AppRole, JWT) and keeping the login's token fresh: renewed at about two
//! thirds of its lease, logged in again when it cannot be renewed.
//!
//! A login token ends at its role's `token_max_ttl` whatever its renewals, and takes the
//! leases it read with it. A renewal that grants less than the login did says the end is
//! near (Vault caps it at the max TTL): the token is then known to end, and is replaced
//! by a new login `lead` before that end ([`Client::keep_login`]), while it still lives.
//! Each login has a number ([`Client::send_owned_unless`] tells which one a request was sent
//! with), so that the lease keeper knows which leases belong to a token that is going
//! away, and re-issues them under the new one.
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
use crate::source::Access;
use crate::source::vault::credentials::Credentials;
use crate::source::vault::{LoginMethod, VaultError};

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

/// AppRole logins Vault refused (400) in this process, by the SHA-256 of their mount,
/// role id and secret id: never sent again. OpenBao counts each failed login towards
/// locking the role out for every instance, and a credential it refused does not change
/// by being sent again: a twenty-eighth adversarial pass had `run --watch` send a spent
/// secret id at every poll until the role was locked out. A new secret id (a
/// `secret_id_file` rewritten, a new process) is another credential, and is tried.
static REFUSED: Mutex<Vec<[u8; 32]>> = Mutex::new(Vec::new());

/// The key of an AppRole login in [`REFUSED`].
fn login_key(mount: &str, role_id: &str, secret_id: &str) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [mount, role_id, secret_id] {
        context.update(part.as_bytes());
        context.update(b"\0");
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

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
    /// False also once a renewal was capped (the token's max TTL is near): it ends
    /// `ttl` after `obtained` whatever is done.
    pub(super) renewable: bool,
    /// What the login granted: a renewal that grants less was capped.
    pub(super) granted: Duration,
    /// Which login of this client it came from (1 for the first).
    pub(super) login: u64,
    /// When the token this login replaced ends, if it was replaced while it still lived
    /// (its leases are revoked before then).
    pub(super) replaced_ends: Option<Instant>,
    /// Failed attempts in a row to keep it (renew it, or log in again), and when the
    /// next may be made: a login refused or failing is not asked for again at once (a
    /// fortieth adversarial pass counted 54 logins in 17 s).
    pub(super) kept_failures: u32,
    /// See [`kept_failures`](Self::kept_failures).
    pub(super) keep_again_at: Option<Instant>,
    /// When Vault was found to refuse it before its time (revoked from outside): it
    /// ended then ([`super::refused`]).
    pub(super) refused_at: Option<Instant>,
    /// Whether it could look itself up (`auth/token/lookup-self`) when had: only then
    /// does a refused look-up say it ended ([`super::refused`]).
    pub(super) looks_itself_up: bool,
    /// What kind of token it is, as its login says.
    pub(super) kind: TokenKind,
}

/// What kind of token a login gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// A service token, used as often as wanted.
    Service,
    /// A token that may be used a limited number of times (a role's `token_num_uses`),
    /// with the uses this client has left of it: never asked to look itself up, which
    /// would spend a use (a fifty-seventh adversarial pass saw a one-use role fail every
    /// read, the policy blamed), and replaced by a new login once they are spent (a
    /// fifty-eighth saw every read refused after the last use, with no new login). A
    /// retried request may spend more than is counted; then a 403 is taken at its word
    /// until the count runs out. It reads no lease ([`Client::uses_limited`]).
    LimitedUses(u64),
    /// A batch token, which cannot be revoked: it ends at its TTL, and no log-out is
    /// tried (a fifty-seventh adversarial pass saw each command warn of one).
    Batch,
}

impl Lease {
    /// Counts a use of its token: a request about to be sent with it.
    fn spend(&mut self) {
        if let TokenKind::LimitedUses(left) = &mut self.kind {
            *left = left.saturating_sub(1);
        }
    }

    /// Whether its token's uses are spent (Vault revoked it with the last).
    pub(super) fn spent(&self) -> bool {
        self.kind == TokenKind::LimitedUses(0)
    }

    /// When it ends; `None` when it never does.
    fn ends(&self) -> Option<Instant> {
        // Checked: a server may answer a lease of u64::MAX seconds.
        let by_ttl = self
            .obtained
            .checked_add(self.ttl)
            .filter(|_| !self.ttl.is_zero());
        match (self.refused_at, by_ttl) {
            (Some(refused), Some(by_ttl)) => Some(refused.min(by_ttl)),
            (refused, by_ttl) => refused.or(by_ttl),
        }
    }

    /// When the lease keeper acts on it, `lead` being how long before its end the leases
    /// it holds must be moved to another token: a renewable token is renewed early
    /// enough that a capped renewal still leaves about `lead` (at two thirds of its TTL,
    /// or sooner, but not before half of it); one that can no longer be renewed is
    /// replaced `lead` before it ends (at half of its life when that is shorter).
    fn due(&self, lead: Duration) -> Option<Instant> {
        if let Some(refused) = self.refused_at {
            return Some(refused);
        }
        if self.ttl.is_zero() {
            return None;
        }
        let before_end = if self.renewable {
            (self.ttl / 3).max(lead).min(self.ttl / 2)
        } else {
            lead.min(self.ttl / 2)
        };
        let due = self
            .obtained
            .checked_add(self.ttl.saturating_sub(before_end))?;
        Some(self.keep_again_at.map_or(due, |again| due.max(again)))
    }

    /// Records a failed attempt to keep it, `now`: the next waits 1, 2, 4, 8, 16, then
    /// 30 s, but no longer than a quarter of what is left of it (500 ms at least).
    fn keep_failed(&mut self, now: Instant) {
        self.kept_failures = self.kept_failures.saturating_add(1);
        let left = self
            .ends()
            .map_or(Duration::MAX, |ends| ends.saturating_duration_since(now));
        let wait = Duration::from_secs(1 << self.kept_failures.clamp(1, 6).saturating_sub(1))
            .min(Duration::from_secs(30))
            .min(left / 4)
            .max(Duration::from_millis(500));
        self.keep_again_at = Some(now + wait);
    }
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
    if lease.spent() {
        return Refresh::Login;
    }
    if lease.ttl.is_zero() && lease.refused_at.is_none() {
        return Refresh::Keep;
    }
    let elapsed = now.saturating_duration_since(lease.obtained);
    if elapsed >= lease.ttl || lease.refused_at.is_some() {
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
    async fn unwrapped(
        &self,
        secret_id: &SecretValue,
        refused: impl Fn(String) -> VaultError,
    ) -> Result<SecretValue, VaultError> {
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
            .await?;
        // A server that cannot answer now (sealed, overloaded, rate-limiting) is an
        // outage, as for any request: not a refused, perhaps stolen, secret id (a
        // twenty-fourth adversarial pass saw a sealed Vault blamed on a theft, and the
        // copies forgotten for it).
        if let Some(error) = self.unavailable(&reply, "sys/wrapping/unwrap") {
            return Err(error);
        }
        // An answer that is not Vault's (a proxy's or a firewall's page) says nothing
        // about the wrapping token: never called a theft (a twenty-seventh adversarial
        // pass).
        if reply.status != 200 && !reply.is_vault_error() {
            return Err(self.error_for(&reply, "sys/wrapping/unwrap", Access::Write));
        }
        // Nor does a 200 that is not Vault's unwrapped answer (a portal's page): not
        // "wraps no secret_id", a refusal that makes the copies forget (a twenty-eighth
        // adversarial pass).
        if reply.status == 200 && !reply.holds_object("data") {
            return Err(VaultError::NotVault {
                address: self.preferred().to_owned(),
                status: 200,
            });
        }
        if reply.status != 200 {
            // Never tried as a secret id of its own: OpenBao counts a failed login
            // towards locking the role out for every instance (a twenty-seventh
            // adversarial pass locked a role out so); a custom secret id must not begin
            // as a token does.
            return Err(refused(format!(
                "the secret id's wrapping token was refused ({}): it was used already, or has expired. \
                 A wrapping token works once: if secretary did not use it, someone else did; treat the secret id as stolen \
                 (revoke it by its accessor) and hand this process a new one. \
                 (A secret id that begins `s.`, `b.`, `hvs.` or `hvb.` is taken for a wrapping token: a custom secret id must not begin so.)",
                reply.status
            )));
        }
        let id = reply
            .json()
            .expose()
            .pointer("/data/secret_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(|id| SecretValue::new(id.to_owned()))
            .ok_or_else(|| refused("the wrapping token wraps no secret_id".to_owned()))?;
        UNWRAPPED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((key, id.clone()));
        Ok(id)
    }

    /// When the lease keeper next acts on the login's token ([`Client::keep_login`]
    /// with the same `lead`): `None` for a token of the user's, one that never expires,
    /// or while a request is logging in. A lease belongs to the token that read it, so
    /// the keeper renews the token on time even when no request is due.
    pub fn login_due(&self, lead: Duration) -> Option<Instant> {
        if matches!(self.settings.credentials, Credentials::Token(_)) {
            return None;
        }
        self.lease.try_lock().ok()?.as_ref()?.due(lead)
    }

    /// Which login the token now in use came from: 0 for a token of the user's (or
    /// before the first login), `None` while a request is logging in.
    pub fn login_generation(&self) -> Option<u64> {
        if matches!(self.settings.credentials, Credentials::Token(_)) {
            return Some(0);
        }
        Some(
            self.lease
                .try_lock()
                .ok()?
                .as_ref()
                .map_or(0, |lease| lease.login),
        )
    }

    /// When the token of login `login` ends, as far as known: the current token's end,
    /// or the end of the one it replaced; `None` for a token of the user's, one that
    /// never expires, an older login, or while a request is logging in. A lease read
    /// with a token ends with it, whatever its own TTL.
    pub fn token_ends(&self, login: u64) -> Option<Instant> {
        if matches!(self.settings.credentials, Credentials::Token(_)) {
            return None;
        }
        let lease = self.lease.try_lock().ok()?;
        let current = lease.as_ref()?;
        if current.login == login {
            current.ends()
        } else if current.login == login.saturating_add(1) {
            current.replaced_ends
        } else {
            None
        }
    }

    /// When the token the current login replaced ends, if it still lived then.
    pub fn replaced_token_ends(&self) -> Option<Instant> {
        self.lease.try_lock().ok()?.as_ref()?.replaced_ends
    }

    /// What the lease keeper does when [`Client::login_due`] says: renews the login's
    /// token, or, when it can no longer be renewed for more than `lead`, logs in again
    /// while it still lives (the keeper then moves its leases to the new token).
    pub async fn keep_login(&self, lead: Duration) -> Result<(), VaultError> {
        if matches!(self.settings.credentials, Credentials::Token(_)) {
            return Ok(());
        }
        let mut lease = self.lease.lock().await;
        let now = Instant::now();
        let Some(current) = lease.as_ref() else {
            return self.login(&mut lease).await.map(|_| ());
        };
        if current.due(lead).is_none_or(|due| now < due) {
            return Ok(());
        }
        if current.renewable {
            if let Some(renewed) = self.renew(current).await {
                let capped = !renewed.renewable;
                let left = renewed.ttl;
                *lease = Some(renewed);
                if !capped || left > lead {
                    return Ok(());
                }
            }
        }
        let outcome = self.login(&mut lease).await.map(|_| ());
        if outcome.is_err() {
            if let Some(current) = lease.as_mut() {
                current.keep_failed(Instant::now());
            }
        }
        outcome
    }

    /// Sends a request with the login's token (as [`Client::send`] does), and says which
    /// login that token came from ([`Client::login_generation`]): what a lease read with
    /// it belongs to. Not sent (`None`) when `stopped` says so once the token is had: a
    /// login can take long, and what was asked for before it may no longer be wanted (a
    /// lease asked for by a process that a signal began to stop meanwhile: a
    /// thirty-eighth adversarial pass).
    pub async fn send_owned_unless(
        &self,
        method: Method,
        path: &str,
        body: Option<&Body>,
        stopped: impl Fn() -> bool + Sync,
    ) -> Result<Option<(Reply, u64)>, VaultError> {
        self.send_renewing(method, path, None, body, &stopped).await
    }

    /// Whether the current login's token may be used a limited number of times (its
    /// role's `token_num_uses`): Vault revokes it with its last use, and the leases read
    /// with it ([`crate::source::vault::lease`] reads none with such a token). False for
    /// a token of the user's ([`Client::user_token_limited`]) and before a login.
    pub(crate) async fn login_uses_limited(&self) -> bool {
        self.lease
            .lock()
            .await
            .as_ref()
            .is_some_and(|lease| matches!(lease.kind, TokenKind::LimitedUses(_)))
    }

    /// Whether a token of the user's may be used a limited number of times (`-use-limit`),
    /// as its `lookup-self` says, asked once a connection (a sixtieth adversarial pass ran
    /// a program on credentials Vault had revoked with such a `VAULT_TOKEN`'s last use):
    /// `Ok(false)` for a login's token, and for one that may not look itself up (a 403,
    /// kept: asking again spends a use each time, a sixty-second pass counted four).
    /// `Err` while Vault does not answer: no lease is read then (a sixty-first and a
    /// sixty-second pass dropped the question and had a limited token read one).
    pub(crate) async fn user_token_limited(&self) -> Result<bool, VaultError> {
        let Credentials::Token(token) = &self.settings.credentials else {
            return Ok(false);
        };
        if let Some(&limited) = self.user_token_limited.get() {
            return Ok(limited);
        }
        let uses = self.limited(token).await?;
        // -1: the look-up was its last use, and Vault revoked it (a sixty-seventh
        // adversarial pass saw the KV read that followed blamed on its policy).
        if uses == -1 {
            self.user_token_spent
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let limited = uses != 0;
        let _ = self.user_token_limited.set(limited);
        Ok(limited)
    }

    /// Whether the current login's token has spent its counted uses (the last request
    /// sent with it was its last use).
    pub(crate) async fn uses_spent(&self) -> bool {
        self.lease.lock().await.as_ref().is_some_and(Lease::spent)
    }

    /// Renews `current` (`auth/token/renew-self`): the renewed lease, marked not
    /// renewable when Vault granted less than the login did (the token's max TTL is
    /// near); `None` when the renewal failed or left no time.
    async fn renew(&self, current: &Lease) -> Option<Lease> {
        let reply = self
            .send_as(
                Method::POST,
                "auth/token/renew-self",
                None,
                Some(&Body::json(&serde_json::Map::new())),
                Some(&current.token),
            )
            .await
            .ok()?;
        let mut renewed = Self::lease_from(&reply).filter(|renewed| !renewed.ttl.is_zero())?;
        renewed.granted = current.granted;
        renewed.login = current.login;
        renewed.replaced_ends = current.replaced_ends;
        renewed.looks_itself_up = current.looks_itself_up;
        // Its uses, less the renewal's own.
        renewed.kind = current.kind;
        renewed.spend();
        if renewed.ttl < current.granted {
            renewed.renewable = false;
        }
        Some(renewed)
    }

    /// Revokes the token this client logged in for (`auth/token/revoke-self`), if it
    /// holds one that has not ended: a token of the user's is never revoked. True when
    /// one was. For the process's end: no login is made after (a forty-seventh
    /// adversarial pass saw a background refresh log in again at once, and that token
    /// left alive).
    pub(crate) async fn log_out(&self) -> Result<bool, VaultError> {
        if let Credentials::Token(_) = &self.settings.credentials {
            return Ok(false);
        }
        self.logged_out
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Held while the token is revoked, and let go of only once it is: a second
        // log-out (the end's, after a connection let go began its own) waits for the
        // first, and tries again when it failed (a fifty-first adversarial pass saw the
        // end not wait, and a failure swallowed with the token).
        let mut held = self.lease.lock().await;
        let Some(lease) = held.as_ref() else {
            return Ok(false);
        };
        // Ended already: nothing to revoke (the same pass saw a warning that an ended
        // token "works until its TTL ends"). A batch token cannot be revoked: it ends at
        // its TTL.
        if lease.kind == TokenKind::Batch || lease.ends().is_some_and(|ends| ends <= Instant::now())
        {
            *held = None;
            return Ok(false);
        }
        let path = "auth/token/revoke-self";
        let reply = self
            .send_as(
                Method::POST,
                path,
                None,
                Some(&Body::json(&serde_json::Map::new())),
                Some(&lease.token),
            )
            .await?;
        // A 403 is not taken for an ended token (those are not asked): Vault answers so
        // too a live one whose policy may not revoke itself (a forty-eighth adversarial
        // pass saw such tokens left silently).
        if matches!(reply.status, 200 | 204) {
            *held = None;
            Ok(true)
        } else if reply.status == 403
            && (lease.spent() || self.known_ended(&lease.token, lease.looks_itself_up).await)
        {
            // Revoked from outside, as `lookup-self` can tell here
            // ([`super::refused`]); or a token of limited uses whose uses this client
            // spent (Vault revoked it with the last).
            *held = None;
            Ok(false)
        } else {
            Err(self.error_for(&reply, path, Access::Write))
        }
    }

    /// Why no login is made: the process logged out for its end ([`Client::log_out`]).
    fn not_logged_out(&self) -> Result<(), VaultError> {
        if self.logged_out.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(VaultError::Ended);
        }
        Ok(())
    }

    /// The token to send, and which login it came from (0 for a token of the user's).
    pub(super) async fn token_of(&self) -> Result<(SecretValue, u64), VaultError> {
        if let Credentials::Token(token) = &self.settings.credentials {
            return Ok((token.clone(), 0));
        }
        let mut lease = self.lease.lock().await;
        match refresh(lease.as_ref(), Instant::now()) {
            Refresh::Keep => {
                if let Some(lease) = lease.as_mut() {
                    lease.spend();
                    return Ok((lease.token.clone(), lease.login));
                }
            }
            Refresh::Renew => {
                // A renewal that fails, or leaves no time (the token reached its max
                // TTL), is not a token that never expires: log in again instead.
                if let Some(current) = lease.as_ref() {
                    if let Some(mut renewed) = self.renew(current).await {
                        renewed.spend();
                        let owned = (renewed.token.clone(), renewed.login);
                        *lease = Some(renewed);
                        return Ok(owned);
                    }
                }
            }
            Refresh::Login => {}
        }
        self.login(&mut lease).await
    }

    /// Logs in anew, replacing the lease `held` holds (its token is left to end by
    /// itself: the leases it read are the lease keeper's to move); returns the new
    /// token and its login number.
    async fn login(&self, held: &mut Option<Lease>) -> Result<(SecretValue, u64), VaultError> {
        let (method, mount) = match &self.settings.credentials {
            Credentials::Token(token) => return Ok((token.clone(), 0)),
            Credentials::AppRole { mount, .. } => (LoginMethod::AppRole, mount),
            Credentials::Jwt { mount, .. } => (LoginMethod::Jwt, mount),
        };
        let login_error = |reason: String| VaultError::Login {
            method,
            mount: mount.clone(),
            reason,
        };
        self.not_logged_out()?;
        let mut approle = None;
        let (body, refused) = match &self.settings.credentials {
            Credentials::Token(token) => return Ok((token.clone(), 0)),
            Credentials::AppRole {
                role_id, secret_id, ..
            } => {
                let secret_id = self.unwrapped(secret_id, &login_error).await?;
                let key = login_key(mount, role_id.expose(), secret_id.expose());
                if REFUSED
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .contains(&key)
                {
                    return Err(login_error(
                        "the role id or secret id was refused (400) earlier in this process, and is not sent again: each failed login counts towards locking the role out for every instance; a refusal comes from the ids or from the role (its bound addresses, for one); once either is put right, rewrite the secret_id_file or restart the process (with a new VAULT_SECRET_ID if the old one is spent)".to_owned(),
                    ));
                }
                approle = Some(key);
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
        // The server could not serve a login now (sealed, overloaded, no leader, a 429):
        // an outage, as for any other request, not a refusal of the credentials.
        if let Some(error) = self.unavailable(&reply, &login_path) {
            return Err(error);
        }
        // Another server's answer (a firewall's 403 page) says nothing of the login; nor
        // does a namespace Vault does not have, named as such (a forty-first adversarial
        // pass saw it blamed on the role id and secret id).
        if reply.status != 200 && (!reply.is_vault_error() || reply.is_no_namespace()) {
            return Err(self.error_for(&reply, &login_path, Access::Write));
        }
        if reply.status != 200 {
            // Vault answers bad credentials 400 (a role's bound addresses too); a 403
            // to a login, which needs no token, is a path nothing is mounted at, or a
            // role locked out after failed logins: said so, not blamed on the
            // credentials (a twenty-sixth and a twenty-seventh adversarial pass).
            let setting = match method {
                LoginMethod::AppRole => "approle_mount",
                LoginMethod::Jwt => "jwt_mount",
            };
            if let (400, Some(key)) = (reply.status, approle) {
                REFUSED
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(key);
            }
            let reason = match reply.status {
                400 => format!("{refused} (400)"),
                403 => format!(
                    "the server refused the login path auth/{mount}/login (403): nothing of that method may be mounted there (the source's `{setting}`), or the role is locked out after failed logins (OpenBao: `bao read sys/locked-users`; it unlocks by itself after its lockout duration)"
                ),
                status => format!("the server answered {status}"),
            };
            return Err(login_error(reason));
        }
        // A 200 without Vault's `auth` (a portal's page) is not Vault's answer: not a
        // failed login, which blames the credentials and makes the copies forget (a
        // twenty-eighth adversarial pass).
        if !reply.holds_object("auth") {
            return Err(VaultError::NotVault {
                address: self.preferred().to_owned(),
                status: reply.status,
            });
        }
        let mut fresh = Self::lease_from(&reply)
            .ok_or_else(|| login_error("the answer holds no usable token".to_owned()))?;
        fresh.looks_itself_up = !matches!(fresh.kind, TokenKind::LimitedUses(_))
            && self.lives(&fresh.token).await == Some(true);
        fresh.login = held.as_ref().map_or(0, |old| old.login).saturating_add(1);
        // Past too: the leases the old token read ended with it.
        fresh.replaced_ends = held.as_ref().and_then(Lease::ends);
        fresh.spend();
        let owned = (fresh.token.clone(), fresh.login);
        *held = Some(fresh);
        Ok(owned)
    }

    /// The outage a reply to `path` stands for, when the server could not serve it now
    /// (sealed, overloaded, no leader, a 429 after every retry): the error any request
    /// would get ([`Client::error_for`]), when it is an outage.
    fn unavailable(&self, reply: &Reply, path: &str) -> Option<VaultError> {
        let error = self.error_for(reply, path, Access::Write);
        error.is_outage().then_some(error)
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
        let ttl = Duration::from_secs(
            auth.get("lease_duration")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        );
        Some(Lease {
            token: SecretValue::new(token),
            obtained: Instant::now(),
            ttl,
            renewable: auth
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            granted: ttl,
            login: 0,
            replaced_ends: None,
            kept_failures: 0,
            keep_again_at: None,
            refused_at: None,
            looks_itself_up: false,
            kind: if auth.get("token_type").and_then(Value::as_str) == Some("batch") {
                TokenKind::Batch
            } else if let Some(uses) = auth
                .get("num_uses")
                .and_then(Value::as_u64)
                .filter(|&uses| uses > 0)
            {
                TokenKind::LimitedUses(uses)
            } else {
                TokenKind::Service
            },
        })
    }
}

#[cfg(test)]
mod tests;
