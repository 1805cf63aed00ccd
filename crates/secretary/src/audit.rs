//! The audit log: one JSON object per line for every access to a secret, never a value.
//!
//! Each line has `schema_version` (1), `time` (RFC 3339, UTC), `event` (an [`Event`]),
//! `key`, `source` (the source's name, or `default`), `locator`, `version` (the KV
//! version, when the locator has one), `outcome` (an [`Outcome`]: for a secret, the word
//! of its [`State`]), `environment` and `pid`. When
//! `SECRETARY_AUDIT_KEY` is set, a line for a value also has `fingerprint`:
//! `hmac-sha256:` and the hex HMAC-SHA256 of the value under that key, so an operator
//! who knows the key can tell which value was served without the log holding it. The
//! key must be at least 16 random bytes (128 bits), written in base64 (either alphabet,
//! padding optional) or hex, as `secretary generate` writes them: with a weak key such
//! as `x`, anyone who reads the log could find short values (a PIN, `true`) by trying
//! them ([`KeyProblem`]). The HMAC is keyed with the key's text, blanks around it
//! trimmed.
//!
//! Sinks: a file, created with mode 0600 and opened for appending, each line written
//! with one `write` (so several processes can share the file without interleaving), or
//! stderr. The file is never opened through a symbolic link, and must be a regular file
//! (a FIFO is refused rather than waited on); an existing log that group or others may
//! read gets a warning ([`AuditLog::warnings`]). A log that cannot be opened or written is
//! an [`AuditError`]: the caller stops, since an access must not go unrecorded.
//!
//! ```
//! use secretary::audit::{AuditLog, Event, Outcome, Target};
//! use secretary::{Locator, Origin, Variables};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("audit.log");
//! let log = AuditLog::open(&Target::File(path.clone()), "production", &Variables::default())?;
//! let written = Origin::Source {
//!     name: "vault".to_owned(),
//!     locator: Locator::vault("secret/data/production/api_key", "value", Some(4)),
//! };
//! log.record(Event::Put, Some("api_key"), Some(&written), Outcome::Ok, None)?;
//! let line = std::fs::read_to_string(&path)?;
//! assert!(line.contains(r#""event":"put","key":"api_key","source":"vault""#));
//! assert!(line.contains(r#""version":4"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use ring::hmac;
use serde::Serialize;

use crate::file::{self, FileError};
use crate::resolve::{Report, Resolution, State};
use crate::secret::SecretValue;
use crate::variables::Variables;
use crate::{JSON_SCHEMA_VERSION, Origin};

/// Where audit lines go (the manifest's [`AuditTarget`](crate::manifest::AuditTarget)).
pub use crate::manifest::AuditTarget as Target;

/// Why the audit log cannot be used. The command that needed it stops.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log file could not be opened (or is not a regular file).
    #[error("cannot open the audit log {}: {reason}", path.display())]
    Open {
        /// The log's path.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// The file exists and is not an audit log: nothing is appended to it.
    #[error("{} is not a secretary audit log (its first line is not one of its JSON lines); refusing to append to it", path.display())]
    NotAnAuditLog {
        /// The file's path.
        path: PathBuf,
    },
    /// `SECRETARY_AUDIT_KEY` is set but too weak to key fingerprints.
    #[error("SECRETARY_AUDIT_KEY cannot key the audit log's fingerprints: {problem}")]
    Key {
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// A line could not be written.
    #[error("cannot write the audit log ({sink}): {source}")]
    Write {
        /// The file's path, or `stderr`.
        sink: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// Why `SECRETARY_AUDIT_KEY` is refused. Never carries the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// Neither base64 nor hex.
    #[error("it is neither base64 nor hex")]
    NotEncoded,
    /// Fewer bytes than [`Fingerprints::MIN_KEY_BYTES`].
    #[error("it holds {bytes} bytes, and at least 16 random bytes (128 bits) are needed")]
    TooShort {
        /// How many bytes it decodes to.
        bytes: usize,
    },
    /// Typed or patterned rather than drawn at random (`AAAAAAAAAAAAAAAAAAAAAA`,
    /// `0123456789abcdef...`, a word repeated).
    #[error(
        "it looks typed or patterned, not drawn at random (a 16-byte key from a generator does about once in 70,000: make another)"
    )]
    NotRandom,
}

/// An open audit log.
pub struct AuditLog {
    sink: Sink,
    warnings: Vec<String>,
    key: Option<Fingerprints>,
    environment: String,
    pid: u32,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("environment", &self.environment)
            .field("fingerprints", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

enum Sink {
    /// The file, its path, and whether its last line was cut short (a disk that filled up
    /// mid-line): then the next line starts with a newline, so that it stays whole.
    File(File, PathBuf, AtomicBool),
    Stderr,
}

/// What happened: the `event` of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// Values were read for another purpose (`redact`, a `--watch` re-read, a cache miss).
    Resolve,
    /// One value was handed out (`get`, `SecretManager::get`).
    Get,
    /// A value was written (`put`).
    Put,
    /// A new value was written in a rotation (`rotate`).
    Rotate,
    /// An earlier version's value was written again (`rollback`).
    Rollback,
    /// A value was copied from another environment or source (`import`).
    Import,
    /// A value was read to plan an import: from the environment or source it comes
    /// from, or from the target, to compare (`import`, `--dry-run` included).
    ImportRead,
    /// Values were read to be checked (`check`, `status`, `validate()`).
    Validate,
    /// Values were written out (`export`).
    Export,
    /// Values were passed to a program (`run`).
    Run,
    /// A failed source was skipped (`on_source_error = "next"`).
    Fallback,
    /// Credentials were issued with a lease (`vault_lease`).
    LeaseIssued,
    /// A lease was renewed.
    LeaseRenewed,
    /// A lease's credentials were replaced by new ones before it ended.
    LeaseReissued,
    /// A lease was revoked: its credentials stopped working.
    LeaseRevoked,
    /// A lease's renewal (or re-issue) failed, and is retried.
    LeaseRenewFailed,
    /// A lease ended and no new credentials could be had.
    LeaseExpired,
}

/// How it ended: the `outcome` of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Served (or written).
    Ok,
    /// An optional secret that is not set.
    Unset,
    /// A required secret that is not set.
    Missing,
    /// A value that does not fit its declaration.
    Invalid,
    /// A placeholder where they are forbidden.
    Placeholder,
    /// A source failed (a `fallback`, or a write that Vault refused or failed).
    SourceError,
    /// A write that was refused before anything was sent (invalid, empty, placeholder).
    Refused,
    /// A value older than its `rotate_every`, where the environment enforces rotation.
    Overdue,
    /// A value served from a last-known-good copy: its source could not be reached.
    Stale,
    /// A write about to be sent (`put`, `rotate`, `rollback`, `import`): its outcome
    /// follows on a line of its own. An `intent` with no outcome after it means the
    /// process stopped, or its log could not be written, once the write was decided:
    /// look at the store's versions to know whether it landed.
    Intent,
    /// A write that may have landed: its answer was lost or confirmed nothing, and what
    /// the store holds could not tell. Look at the store's versions. (Said
    /// `source_error` once, as a write known not to have landed: a twenty-sixth
    /// adversarial pass.)
    Unconfirmed,
}

impl From<State> for Outcome {
    fn from(state: State) -> Self {
        match state {
            State::Ok => Self::Ok,
            State::Unset => Self::Unset,
            State::Missing => Self::Missing,
            State::Invalid => Self::Invalid,
            State::Placeholder => Self::Placeholder,
            State::SourceError => Self::SourceError,
            State::Overdue => Self::Overdue,
            State::Stale => Self::Stale,
        }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    schema_version: u32,
    time: String,
    event: Event,
    key: Option<&'a str>,
    source: Option<&'a str>,
    locator: Option<String>,
    version: Option<u64>,
    outcome: Outcome,
    environment: &'a str,
    pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lease_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_seconds: Option<u64>,
}

impl AuditLog {
    /// Opens `target` for `environment`. `SECRETARY_AUDIT_KEY` in `vars`, when set and not
    /// empty, turns on fingerprints.
    pub fn open(target: &Target, environment: &str, vars: &Variables) -> Result<Self, AuditError> {
        let mut warnings = Vec::new();
        let sink = match target {
            Target::Stderr => Sink::Stderr,
            Target::File(path) => file_sink(path.clone(), file::open_append(path), &mut warnings)?,
            Target::Beneath { dir, file } => {
                let opened = file::Dir::open(dir).and_then(|dir| dir.open_append_beneath(file));
                file_sink(dir.join(file), opened, &mut warnings)?
            }
        };
        let key = Fingerprints::from_vars(vars)?;
        Ok(Self {
            sink,
            warnings,
            key,
            environment: environment.to_owned(),
            pid: std::process::id(),
        })
    }

    /// Things worth saying about the log itself (its file's permissions).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Writes one line: what happened to `key`, where (`origin`), how it ended and, with
    /// `SECRETARY_AUDIT_KEY`, the fingerprint of `value`.
    pub fn record(
        &self,
        event: Event,
        key: Option<&str>,
        origin: Option<&Origin>,
        outcome: Outcome,
        value: Option<&SecretValue>,
    ) -> Result<(), AuditError> {
        self.record_in(&self.environment, event, key, origin, outcome, value)
    }

    /// [`AuditLog::record`] for an access in `environment` rather than the log's own:
    /// `import` reads the environment it copies from (its `import_read` lines once
    /// named the target's).
    pub fn record_in(
        &self,
        environment: &str,
        event: Event,
        key: Option<&str>,
        origin: Option<&Origin>,
        outcome: Outcome,
        value: Option<&SecretValue>,
    ) -> Result<(), AuditError> {
        self.write(&Line {
            schema_version: JSON_SCHEMA_VERSION,
            time: rfc3339(SystemTime::now()),
            event,
            key,
            source: origin.map(Origin::source),
            locator: origin.map(ToString::to_string),
            version: origin
                .and_then(Origin::locator)
                .and_then(crate::Locator::version),
            outcome,
            environment,
            pid: self.pid,
            fingerprint: value.and_then(|value| self.fingerprint(key.unwrap_or_default(), value)),
            lease_id: None,
            ttl_seconds: None,
        })
    }

    fn write(&self, line: &Line<'_>) -> Result<(), AuditError> {
        let failed = |source: io::Error| AuditError::Write {
            sink: match &self.sink {
                Sink::File(_, path, _) => path.display().to_string(),
                Sink::Stderr => "stderr".to_owned(),
            },
            source,
        };
        let mut text = serde_json::to_string(line).map_err(|e| failed(io::Error::other(e)))?;
        text.push('\n');
        match &self.sink {
            // One write per line: with O_APPEND, lines from several processes never mix.
            Sink::File(file, _, cut) => {
                if cut.load(Ordering::Relaxed) {
                    text.insert(0, '\n');
                }
                let written = (&*file).write_all(text.as_bytes());
                // A write that failed may have left part of the line: the next starts anew.
                cut.store(written.is_err(), Ordering::Relaxed);
                written
            }
            Sink::Stderr => io::stderr().lock().write_all(text.as_bytes()),
        }
        .map_err(failed)
    }

    /// One line for what happened to a lease: its source, path (as `locator`), id and TTL;
    /// never a credential. A failure's outcome is `source_error`.
    pub fn record_lease(
        &self,
        lease: &crate::source::leases::LeaseEvent,
    ) -> Result<(), AuditError> {
        use crate::source::leases::LeaseEventKind as Kind;
        let event = match lease.kind {
            Kind::Issued => Event::LeaseIssued,
            Kind::Renewed => Event::LeaseRenewed,
            Kind::Reissued => Event::LeaseReissued,
            Kind::Revoked => Event::LeaseRevoked,
            Kind::RenewFailed => Event::LeaseRenewFailed,
            _ => Event::LeaseExpired,
        };
        let failed =
            lease.error.is_some() || matches!(lease.kind, Kind::RenewFailed | Kind::Expired);
        self.write(&Line {
            schema_version: JSON_SCHEMA_VERSION,
            time: rfc3339(SystemTime::now()),
            event,
            key: None,
            source: Some(&lease.source),
            locator: Some(format!("vault_lease:{}", lease.path)),
            version: None,
            outcome: if failed {
                Outcome::SourceError
            } else {
                Outcome::Ok
            },
            environment: &self.environment,
            pid: self.pid,
            fingerprint: None,
            lease_id: Some(&lease.lease_id),
            ttl_seconds: lease.ttl.map(|ttl| ttl.as_secs()),
        })
    }

    /// One `event` line per secret in `report`, its outcome the word of its [`State`],
    /// and a `fallback` line (outcome `source_error`) for each source that failed and was
    /// skipped, before it.
    pub fn record_report(&self, event: Event, report: &Report) -> Result<(), AuditError> {
        for resolution in &report.resolutions {
            for fallback in &resolution.fallbacks {
                self.write(&Line {
                    schema_version: JSON_SCHEMA_VERSION,
                    time: rfc3339(SystemTime::now()),
                    event: Event::Fallback,
                    key: Some(resolution.key()),
                    source: Some(&fallback.source),
                    locator: None,
                    version: None,
                    outcome: Outcome::SourceError,
                    environment: &self.environment,
                    pid: self.pid,
                    fingerprint: None,
                    lease_id: None,
                    ttl_seconds: None,
                })?;
            }
            self.record_resolution(event, resolution)?;
        }
        Ok(())
    }

    /// One `event` line for `resolution`: where it came from, the word of its [`State`]
    /// and, with a key, the fingerprint of its value.
    pub fn record_resolution(
        &self,
        event: Event,
        resolution: &Resolution,
    ) -> Result<(), AuditError> {
        self.record(
            event,
            Some(resolution.key()),
            resolution.origin.as_ref(),
            resolution.state().into(),
            resolution.value.as_ref(),
        )
    }

    fn fingerprint(&self, key: &str, value: &SecretValue) -> Option<String> {
        Some(self.key.as_ref()?.of(key, value))
    }
}

/// HMAC-SHA256 fingerprints of values, each bound to the secret it is the value of: the
/// same value of one secret has the same fingerprint (in any environment, so that
/// `import` tells equal from different), and no fingerprint tells anything of its value
/// to someone without the key, nor compares with another secret's. What the audit log records with `SECRETARY_AUDIT_KEY`, and what
/// `import --dry-run` shows.
pub struct Fingerprints(hmac::Key);

impl std::fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprints([redacted])")
    }
}

impl Fingerprints {
    /// How many random bytes a key must hold at least: 128 bits.
    pub const MIN_KEY_BYTES: usize = 16;

    /// With the key in `SECRETARY_AUDIT_KEY`, when it is set and not empty: fingerprints
    /// that match the audit log's. A key that is not at least [`Self::MIN_KEY_BYTES`]
    /// random bytes in base64 or hex is an [`AuditError::Key`].
    pub fn from_vars(vars: &Variables) -> Result<Option<Self>, AuditError> {
        let Some(key) = vars
            .get_str("SECRETARY_AUDIT_KEY")
            .filter(|key| !key.is_empty())
        else {
            return Ok(None);
        };
        let bytes = key_bytes(key.trim()).ok_or(AuditError::Key {
            problem: KeyProblem::NotEncoded,
        })?;
        let problem = if bytes.len() < Self::MIN_KEY_BYTES {
            Some(KeyProblem::TooShort { bytes: bytes.len() })
        } else if bytes.iter().collect::<std::collections::HashSet<_>>().len() < 8
            || crate::key_text::typed(key.trim())
            || crate::key_text::patterned(&bytes)
        {
            // 16 random bytes hold fewer than 8 distinct values with a probability
            // below 1e-9: such a key was typed, not drawn.
            Some(KeyProblem::NotRandom)
        } else {
            None
        };
        match problem {
            Some(problem) => Err(AuditError::Key { problem }),
            // The text as checked: a trailing newline from a key file changes nothing.
            None => Ok(Some(Self(hmac::Key::new(
                hmac::HMAC_SHA256,
                key.trim().as_bytes(),
            )))),
        }
    }

    /// With a random key of this process's own: fingerprints that can be compared with
    /// each other, and with nothing made elsewhere.
    pub fn random() -> Result<Self, ring::error::Unspecified> {
        hmac::Key::generate(hmac::HMAC_SHA256, &ring::rand::SystemRandom::new()).map(Self)
    }

    /// `hmac-sha256:` and the hex of the HMAC of `key`, a NUL and `value`
    /// (`db\0<value>`). Bound to the secret: a manifest that wrote its audit log to stderr
    /// beside secrets of its own read a production password by which of 20,000 guesses in
    /// a committed `.env` had its fingerprint (a seventy-fourth adversarial pass). An
    /// operator with the key still tells which value a secret was served, from the line's
    /// `key`.
    pub fn of(&self, key: &str, value: &SecretValue) -> String {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(key.as_bytes());
        context.update(b"\0");
        context.update(value.expose().as_bytes());
        let tag = context.sign();
        let mut hex = String::from("hmac-sha256:");
        for byte in tag.as_ref() {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }
}

/// The bytes `key` spells in hex, else in base64 (standard or URL-safe, padding
/// optional); `None` when it is neither. Zeroed when dropped.
fn key_bytes(key: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    // Lenient: padding or not, and any trailing bits, as people copy keys around.
    let lenient = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    if let Some(bytes) = crate::key_text::hex_bytes(key) {
        return Some(bytes);
    }
    [&base64::alphabet::STANDARD, &base64::alphabet::URL_SAFE]
        .into_iter()
        .find_map(|alphabet| GeneralPurpose::new(alphabet, lenient).decode(key).ok())
        .map(zeroize::Zeroizing::new)
}

/// The sink of a log file just opened: refused unless it is empty or already an audit
/// log; a loose mode is warned about.
fn file_sink(
    path: PathBuf,
    opened: Result<(File, u32), FileError>,
    warnings: &mut Vec<String>,
) -> Result<Sink, AuditError> {
    let failed = |reason| AuditError::Open {
        path: path.clone(),
        reason,
    };
    let (file, mode) = opened.map_err(failed)?;
    // Never append to a file that is not already an audit log: a path that names another
    // file, by mistake or by a manifest's design, is refused.
    let first = file::first_line(&file).map_err(failed)?;
    if !first.is_empty() && !is_audit_line(&first) {
        return Err(AuditError::NotAnAuditLog { path });
    }
    if mode & 0o066 != 0 {
        warnings.push(format!(
            "the audit log {} may be read or written by group or others (mode {mode:04o}); run `chmod 600 {}`",
            crate::printable::path(&path),
            crate::printable::shell_path(&path)
        ));
    }
    let cut = !file::ends_a_line(&file).map_err(failed)?;
    Ok(Sink::File(file, path, AtomicBool::new(cut)))
}

/// Whether `line` is one of an audit log's lines: a JSON object with `time` and `event`.
fn is_audit_line(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(line).is_ok_and(|json| {
        json.get("time").is_some_and(serde_json::Value::is_string)
            && json.get("event").is_some_and(serde_json::Value::is_string)
    })
}

/// `time` as `2026-11-25T09:12:33.123Z`.
fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_millis(s));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(1_795_606_353_123), "2026-11-25T11:32:33.123Z"); // python3 datetime agrees
    }

    #[test]
    fn a_line_cut_short_before_does_not_swallow_the_next() {
        // A disk that filled up mid-line left `{"schema_version":1,"ti`; the next append
        // once joined onto it, and both lines were lost to a reader.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let log =
            AuditLog::open(&Target::File(path.clone()), "dev", &Variables::default()).unwrap();
        log.record(Event::Get, Some("a"), None, Outcome::Ok, None)
            .unwrap();
        drop(log);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(br#"{"schema_version":1,"ti"#).unwrap();
        drop(file);
        for _ in 0..2 {
            let log =
                AuditLog::open(&Target::File(path.clone()), "dev", &Variables::default()).unwrap();
            log.record(Event::Get, Some("b"), None, Outcome::Ok, None)
                .unwrap();
            log.record(Event::Get, Some("c"), None, Outcome::Ok, None)
                .unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(lines[1], r#"{"schema_version":1,"ti"#);
        for line in [lines[0], lines[2], lines[3], lines[4], lines[5]] {
            assert!(is_audit_line(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn a_write_that_fails_makes_the_next_line_start_anew() {
        // /dev/full takes nothing: the failed write may have left part of a line in a
        // real file, so the next line in this process starts with a newline.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let log = AuditLog {
            sink: Sink::File(file, PathBuf::from("/dev/full"), AtomicBool::new(false)),
            warnings: Vec::new(),
            key: None,
            environment: "dev".to_owned(),
            pid: 1,
        };
        assert!(
            log.record(Event::Get, Some("a"), None, Outcome::Ok, None)
                .is_err()
        );
        assert!(matches!(&log.sink, Sink::File(_, _, cut) if cut.load(Ordering::Relaxed)));
    }

    #[test]
    fn a_fingerprint_is_the_hmac_of_the_value_and_not_the_value() {
        let key = "ae7c1eab7a1a2586fab2a414f861aefa4bb1bf590f5ab2c07e74b80261b3eb16";
        let vars = Variables::from_pairs([("SECRETARY_AUDIT_KEY", key)]);
        let log = AuditLog::open(&Target::Stderr, "dev", &vars).unwrap();
        let value = SecretValue::new("The quick brown fox jumps over the lazy dog".to_owned());
        // Keyed with the key's text as written, as before keys were checked, over the
        // secret's key and the value, as `openssl dgst -hmac` computes it.
        let keyed = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
        let whole = hmac::sign(&keyed, b"db\0The quick brown fox jumps over the lazy dog");
        let hex = whole.as_ref().iter().fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
        let expected = Fingerprints(keyed).of("db", &value);
        assert_eq!(expected, format!("hmac-sha256:{hex}"));
        assert_eq!(log.fingerprint("db", &value).unwrap(), expected);
        // Another secret's same value compares with nothing.
        assert_ne!(log.fingerprint("guess", &value).unwrap(), expected);
        let without = AuditLog::open(&Target::Stderr, "dev", &Variables::default()).unwrap();
        assert!(without.fingerprint("db", &value).is_none());
    }

    #[test]
    fn a_weak_audit_key_is_refused_and_a_generated_one_taken() {
        let open = |key: &str| {
            let vars = Variables::from_pairs([("SECRETARY_AUDIT_KEY", key)]);
            AuditLog::open(&Target::Stderr, "dev", &vars).map(|log| log.key.is_some())
        };
        let problem = |key: &str| match open(key) {
            Err(AuditError::Key { problem }) => problem,
            other => panic!("{key:?} was not refused: {other:?}"),
        };
        assert_eq!(problem("x"), KeyProblem::NotEncoded);
        assert_eq!(problem("not a key!"), KeyProblem::NotEncoded);
        assert_eq!(problem("c2hvcnQ="), KeyProblem::TooShort { bytes: 5 });
        assert_eq!(
            problem("00112233445566778899aabbccddee"),
            KeyProblem::TooShort { bytes: 15 }
        );
        assert_eq!(
            problem("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            KeyProblem::NotRandom
        );
        // Words and patterns that decode to 16 bytes or more (a fourth adversarial pass).
        for typed in [
            "correcthorsebatterystaples",
            "SecretarySecretaryAudit1",
            "aaaaaaaaaaaaaaaaaaaaaaaabcdefghi",
            "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=",
            "0123456789abcdef0123456789abcdef",
            "00112233445566778899aabbccddeeff",
            // A fifth adversarial pass: descending runs and decimal-only hex.
            "fedcba9876543210f0e1d2c3b4a59687",
            "31415926535897932384626433832795",
            // An eighth: passphrases of mixed case that decode as base64.
            "CorrectHorseBatteryStapleX",
            "MySecretAuditKeyForProd",
            "OpenSesameAuditLogKeyNow",
            "ProductionAuditKeyAlpha7",
            // A twelfth: counting bytes, and RFC 8439's test key in base64 and hex.
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8=",
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        ] {
            assert_eq!(problem(typed), KeyProblem::NotRandom, "{typed}");
        }
        // What `secretary generate` writes, in each of its formats (32 bytes).
        for key in [
            "et13xJKRc5eGvfvhlzSMI9lhLOuljdTUhVvolfixzIo",
            "0WvhS59T2Q1n4es1Y5HMIlrn9slcOezHJbk1t0mqzwM=",
            "0WvhS59T2Q1n4es1Y5HMIlrn9slcOezHJbk1t0mqzwM",
            "ae7c1eab7a1a2586fab2a414f861aefa4bb1bf590f5ab2c07e74b80261b3eb16",
            // Trailing bits that a strict decoder refuses: a key copied by hand.
            "et13xJKRc5eGvfvhlzSMI9lhLOuljdTUhVvolfixzIp",
        ] {
            assert!(open(key).unwrap(), "{key}");
        }
        // Draw after draw of what `secretary generate` makes (32 bytes) is taken.
        for encoding in [
            crate::generate::Encoding::Base64,
            crate::generate::Encoding::Urlsafe,
            crate::generate::Encoding::Hex,
        ] {
            for _ in 0..1000 {
                let key = crate::generate::generate(32, encoding).unwrap();
                assert!(open(key.expose()).unwrap());
            }
        }
        assert!(!open("").unwrap(), "an empty key means none");
        let message = AuditError::Key {
            problem: KeyProblem::NotEncoded,
        }
        .to_string();
        assert!(message.contains("SECRETARY_AUDIT_KEY"), "{message}");
    }
}
