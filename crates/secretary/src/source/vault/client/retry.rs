//! What is tried again and how long to wait: retried statuses, back-off with jitter and
//! `Retry-After`, the one redirect allowed, and transport errors by their cause.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use url::Url;

use crate::source::vault::VaultError;

tokio::task_local! {
    /// The retries the requests of this task may make, when fewer than the connection's
    /// ([`at_most`]).
    static RETRIES: u32;
}

/// Runs `future` with its requests retried at most `retries` times (fewer than the
/// connection's `VAULT_MAX_RETRIES` only): a source whose outage copy stands in asks
/// once, and the copy is served at once, while the other sources of the same
/// connection (a lease source, logging in with the same credentials) keep their
/// retries. The retries were once set in the source's variables, which made it a
/// connection of its own: a second login each command, each spending a use of a
/// one-use secret id (a sixtieth adversarial pass).
pub(crate) async fn at_most<F: std::future::Future>(retries: Option<u32>, future: F) -> F::Output {
    match retries {
        Some(retries) => RETRIES.scope(retries, future).await,
        None => future.await,
    }
}

/// The retries a request of this task may make, the connection allowing `allowed`.
pub(super) fn allowed(allowed: u32) -> u32 {
    RETRIES
        .try_with(|&retries| retries.min(allowed))
        .unwrap_or(allowed)
}

/// A transport failure, and whether it is worth another attempt.
pub(super) enum Transport {
    Retry(VaultError),
    Fatal(VaultError),
}

/// The next cause of `error`: its `source()`, or for an `io::Error` the error it wraps
/// (whose own `source()` skips it).
pub(super) fn cause<'a>(
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
pub(super) fn find_rustls<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
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
pub(super) fn innermost<'a>(
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
pub(super) fn redirect_allowed(
    from: &Url,
    to: &Url,
    already_redirected: bool,
) -> Result<(), &'static str> {
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
pub(super) fn retried(status: u16) -> bool {
    status == 412 || status == 429 || (500..=599).contains(&status) && status != 501
}

/// A number in [0, 1), different on every call.
pub(super) fn jitter() -> f64 {
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
pub(super) fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
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
pub(super) const ELECTION_BACKOFF: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

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
