//! The connections this process keeps, one per distinct [`Settings`].
//!
//! Every resolution builds its sources afresh (a `SecretManager` refresh, each `run
//! --watch` tick, `put` and its read-back), but a Vault connection is worth keeping:
//! it holds the login token (one JWT or AppRole login per process, not per read), the
//! node that answered last (a dead node is not asked first at every refresh) and the
//! `X-Vault-Index` of the last write (a read after a write is never served an older
//! value by a standby). Sources whose settings are the same — the same addresses,
//! credentials, CA and limits — share one.
//!
//! Kept by process id: a child forked after a connection was made (gunicorn
//! `--preload`, Celery prefork) makes its own and never touches its parent's pool, and
//! never drops it either (closing inherited sockets is the parent's business). The lock
//! is only tried, for a bounded time, so that a child forked while another thread held
//! it makes an unshared connection instead of waiting forever.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use super::credentials::{Credentials, JwtSource};
use super::settings::{CaSource, Settings};
use super::{Connection, VaultError};

/// How many connections are kept; the oldest goes first (and logs out: [`retire`]). As
/// many as a manifest has sources: past 16 a manifest's own connections went and came
/// again at every read, each a login, and 164 tokens were left by one `run --watch` of
/// 10 s (a forty-ninth adversarial pass).
const KEPT: usize = 256;

/// How long to try for the lock before making an unshared connection. It is held only
/// to look up or insert, never while a connection is made.
const LOCK_WAIT: Duration = Duration::from_millis(50);

/// Which connection: the process that made it, and a digest of its settings.
type Key = (u32, [u8; 32]);

/// The kept connections, oldest first.
type Kept = Vec<(Key, Arc<Connection>)>;

static KEPT_CONNECTIONS: Mutex<Kept> = Mutex::new(Vec::new());

/// The kept connection for `settings`, or a new one made by `connect` (and kept).
pub(super) fn connection(
    settings: Settings,
    connect: impl FnOnce(Settings) -> Result<Connection, VaultError>,
) -> Result<Arc<Connection>, VaultError> {
    let key = (std::process::id(), fingerprint(&settings));
    if let Some(kept) = lock().and_then(|kept| find(&kept, &key)) {
        return Ok(kept);
    }
    let new = Arc::new(connect(settings)?);
    let Some(mut kept) = lock() else {
        // Not kept, and so not logged out with the kept ones at the end: retired now.
        retire(Arc::clone(&new));
        return Ok(new);
    };
    // Another thread may have made one meanwhile: use that one, so that all share it.
    if let Some(other) = find(&kept, &key) {
        return Ok(other);
    }
    let mut evicted = None;
    if kept.len() >= KEPT {
        let (old_key, old) = kept.remove(0);
        if old_key.0 == key.0 {
            evicted = Some(old);
        } else {
            // A parent's connection, inherited through fork: not ours to close.
            std::mem::forget(old);
        }
    }
    kept.push((key, Arc::clone(&new)));
    drop(kept);
    if let Some(old) = evicted {
        retire(old);
    }
    Ok(new)
}

/// Connections no longer kept that may hold a login's token, by process id: logged
/// out with the kept ones at the end ([`kept_here`]).
static RETIRED: Mutex<Retired> = Mutex::new(Vec::new());

/// The connections let go while in use, each with the process that made it.
type Retired = Vec<(u32, Arc<Connection>)>;

/// Lets `connection` go from the kept ones without leaving its login's token alive: held
/// by no one else, it logs out now, on a thread of its own (bounded); else (a read, or a
/// lease read over it, still holds it) it is logged out at the end with the kept ones.
/// Decided here, where the count is exact (a fiftieth adversarial pass saw it counted on
/// the thread, after the caller's copy went, and a lease's token revoked under it).
fn retire(connection: Arc<Connection>) {
    if Arc::strong_count(&connection) > 1 {
        keep_retired(connection);
        return;
    }
    // Kept for the end as well: the end waits for a log-out under way and tries again
    // one that failed, and says so (a fifty-first adversarial pass saw both lost).
    keep_retired(Arc::clone(&connection));
    let _ = std::thread::Builder::new()
        .name("secretary-log-out".to_owned())
        .spawn(move || {
            // Logged out: nothing left for the end.
            if connection.log_out_within(Duration::from_secs(5)).is_ok() {
                if let Some(mut retired) = retired() {
                    retired.retain(|(_, kept)| !Arc::ptr_eq(kept, &connection));
                }
            }
        });
}

/// Keeps `connection` to be logged out at the end: at most [`KEPT`] of them, the oldest
/// let go past that (each holds its client, sockets and runtime: a fifty-second
/// adversarial pass grew 1,000 file descriptors a round of 256 rotated secret ids whose
/// tokens Vault would not revoke).
fn keep_retired(connection: Arc<Connection>) {
    if let Some(mut retired) = retired() {
        let pid = std::process::id();
        if retired.iter().filter(|(owner, _)| *owner == pid).count() >= KEPT {
            if let Some(oldest) = retired.iter().position(|(owner, _)| *owner == pid) {
                retired.remove(oldest);
            }
        }
        retired.push((pid, connection));
    }
}

/// The retired connections' lock, if it can be had within [`LOCK_WAIT`].
fn retired() -> Option<MutexGuard<'static, Retired>> {
    let started = Instant::now();
    loop {
        match RETIRED.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// Every connection this process keeps, and those it let go that were still in use.
pub(super) fn kept_here() -> Vec<Arc<Connection>> {
    let pid = std::process::id();
    let mut here: Vec<Arc<Connection>> = lock().map_or_else(Vec::new, |kept| {
        kept.iter()
            .filter(|((owner, _), _)| *owner == pid)
            .map(|(_, connection)| Arc::clone(connection))
            .collect()
    });
    if let Some(retired) = retired() {
        here.extend(
            retired
                .iter()
                .filter(|(owner, _)| *owner == pid)
                .map(|(_, connection)| Arc::clone(connection)),
        );
    }
    here
}

fn find(kept: &Kept, key: &Key) -> Option<Arc<Connection>> {
    kept.iter()
        .find(|(k, _)| k == key)
        .map(|(_, connection)| Arc::clone(connection))
}

/// The lock, if it can be had within [`LOCK_WAIT`].
fn lock() -> Option<MutexGuard<'static, Kept>> {
    let started = Instant::now();
    loop {
        match KEPT_CONNECTIONS.try_lock() {
            Ok(guard) => return Some(guard),
            // A thread panicked while holding it: the list itself is still whole.
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// A digest of every setting, credentials included, to tell whether two sources may
/// share one connection. Never shown or stored anywhere but in this process's memory.
pub(super) fn fingerprint(settings: &Settings) -> [u8; 32] {
    let mut digest = Digest(ring::digest::Context::new(&ring::digest::SHA256));
    server(&mut digest, settings);
    match &settings.credentials {
        Credentials::Token(token) => {
            digest.text("token");
            digest.text(token.expose());
        }
        Credentials::AppRole {
            mount,
            role_id,
            secret_id,
        } => {
            digest.text("approle");
            digest.text(mount);
            digest.text(role_id.expose());
            digest.text(secret_id.expose());
        }
        Credentials::Jwt { mount, role, jwt } => {
            digest.text("jwt");
            digest.text(mount);
            digest.optional(role.as_deref());
            match jwt {
                JwtSource::File(path) => {
                    digest.text("file");
                    digest.bytes(path.as_os_str().as_encoded_bytes());
                }
                JwtSource::Variable(_, jwt) => {
                    digest.text("variable");
                    digest.text(jwt.expose());
                }
            }
        }
    }
    match &settings.client_cert {
        None => digest.count(0),
        Some((cert, key)) => {
            digest.count(1);
            digest.bytes(cert.as_os_str().as_encoded_bytes());
            digest.bytes(key.as_os_str().as_encoded_bytes());
        }
    }
    digest.bytes(&settings.timeout.as_nanos().to_le_bytes());
    digest.bytes(&settings.max_retries.to_le_bytes());
    digest.count(settings.max_concurrency);
    digest.count(usize::from(settings.userinfo_removed));
    digest.optional(settings.manifest_overridden.as_deref());
    digest.optional(settings.manifest_ca_ignored.as_deref());
    match &settings.login_set_aside {
        None => digest.count(0),
        Some(set_aside) => {
            digest.count(1);
            digest.text(&set_aside.to_string());
        }
    }
    let mut out = [0; 32];
    out.copy_from_slice(digest.0.finish().as_ref());
    out
}

/// A digest of what names the server a connection talks to, whoever it is as: its
/// addresses, namespace and TLS trust (two connections with the same reach the same
/// secrets engine, with other credentials perhaps). Never shown or stored anywhere but in
/// this process's memory.
pub(super) fn server_fingerprint(settings: &Settings) -> [u8; 32] {
    let mut digest = Digest(ring::digest::Context::new(&ring::digest::SHA256));
    server(&mut digest, settings);
    let mut out = [0; 32];
    out.copy_from_slice(digest.0.finish().as_ref());
    out
}

/// Feeds `digest` what names the server ([`server_fingerprint`]).
fn server(digest: &mut Digest, settings: &Settings) {
    digest.count(settings.addresses.len());
    for address in &settings.addresses {
        digest.text(address.as_str());
    }
    digest.optional(settings.namespace.as_deref());
    match &settings.ca {
        None => digest.text("platform"),
        Some(CaSource::File(path)) => {
            digest.text("file");
            digest.bytes(path.as_os_str().as_encoded_bytes());
        }
        Some(CaSource::ManifestFile(path)) => {
            digest.text("manifest file");
            digest.bytes(path.as_os_str().as_encoded_bytes());
        }
        Some(CaSource::Bytes(pem)) => {
            digest.text("bytes");
            digest.text(pem);
        }
        Some(CaSource::Dir(path)) => {
            digest.text("dir");
            digest.bytes(path.as_os_str().as_encoded_bytes());
        }
    }
    digest.count(usize::from(settings.skip_verify));
    digest.optional(settings.tls_server_name.as_deref());
}

/// A SHA-256 over length-prefixed fields, so that no two different settings give the
/// same input.
struct Digest(ring::digest::Context);

impl Digest {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    fn count(&mut self, count: usize) {
        self.0.update(&(count as u64).to_le_bytes());
    }

    fn optional(&mut self, text: Option<&str>) {
        match text {
            None => self.count(0),
            Some(text) => {
                self.count(1);
                self.text(text);
            }
        }
    }
}
