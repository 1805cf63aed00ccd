//! The audit log: one JSON object per line for every access to a secret, never a value.
//!
//! Each line has `time` (RFC 3339, UTC), `event` (`resolve`, `get`, `put`, `validate`,
//! `export`, `run`, `fallback`), `key`, `source`, `locator`, `version` (the KV version,
//! when the locator pins one), `outcome`, `environment` and `pid`. When
//! `SECRETARY_AUDIT_KEY` is set, a line for a value also has `fingerprint`:
//! `hmac-sha256:` and the hex HMAC-SHA256 of the value under that key, so an operator
//! who knows the key can tell which value was served without the log holding it.
//!
//! Sinks: a file, created with mode 0600 and opened for appending, each line written
//! with one `write` (so several processes can share the file without interleaving), or
//! stderr. The file is never opened through a symbolic link, and must be a regular file
//! (a FIFO is refused rather than waited on); an existing log that group or others may
//! read gets a warning ([`AuditLog::warnings`]). A log that cannot be opened or written is
//! an [`AuditError`]: the caller stops, since an access must not go unrecorded.
//!
//! ```
//! use secretary::audit::{AuditLog, Target};
//! use secretary::Variables;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("audit.log");
//! let log = AuditLog::open(&Target::File(path.clone()), "production", &Variables::default())?;
//! log.record("put", Some("api_key"), Some("vault:secret/data/production/api_key#value@v4"), "ok", None)?;
//! let line = std::fs::read_to_string(&path)?;
//! assert!(line.contains(r#""event":"put","key":"api_key""#));
//! assert!(line.contains(r#""version":4"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;
use serde::Serialize;

use crate::file::{self, FileError};
use crate::resolve::{ProblemKind, Report, Resolution};
use crate::secret::SecretValue;
use crate::variables::Variables;

/// Where audit lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Appended to this file (created 0600).
    File(PathBuf),
    /// Written to standard error.
    Stderr,
}

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

/// An open audit log.
pub struct AuditLog {
    sink: Sink,
    warnings: Vec<String>,
    key: Option<hmac::Key>,
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
    File(File, PathBuf),
    Stderr,
}

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    event: &'a str,
    key: Option<&'a str>,
    source: Option<&'a str>,
    locator: Option<&'a str>,
    version: Option<u64>,
    outcome: &'a str,
    environment: &'a str,
    pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

impl AuditLog {
    /// Opens `target` for `environment`. `SECRETARY_AUDIT_KEY` in `vars`, when set and not
    /// empty, turns on fingerprints.
    pub fn open(target: &Target, environment: &str, vars: &Variables) -> Result<Self, AuditError> {
        let mut warnings = Vec::new();
        let sink = match target {
            Target::Stderr => Sink::Stderr,
            Target::File(path) => {
                let (file, mode) = file::open_append(path).map_err(|reason| AuditError::Open {
                    path: path.clone(),
                    reason,
                })?;
                if mode & 0o066 != 0 {
                    warnings.push(format!(
                        "the audit log {} may be read or written by group or others (mode {mode:04o}); run `chmod 600 {}`",
                        path.display(),
                        path.display()
                    ));
                }
                Sink::File(file, path.clone())
            }
        };
        let key = vars
            .get_str("SECRETARY_AUDIT_KEY")
            .filter(|key| !key.is_empty())
            .map(|key| hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()));
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

    /// Writes one line. `locator` is `source:place`; its source name and a pinned
    /// `@vN` version are taken from it.
    pub fn record(
        &self,
        event: &str,
        key: Option<&str>,
        locator: Option<&str>,
        outcome: &str,
        value: Option<&SecretValue>,
    ) -> Result<(), AuditError> {
        let source = locator.and_then(|l| l.split_once(':').map(|(s, _)| s));
        let version = locator
            .and_then(|l| l.rsplit_once("@v"))
            .and_then(|(_, v)| v.parse().ok());
        let line = Line {
            time: rfc3339(SystemTime::now()),
            event,
            key,
            source,
            locator,
            version,
            outcome,
            environment: &self.environment,
            pid: self.pid,
            fingerprint: value.and_then(|value| self.fingerprint(value)),
        };
        let failed = |source: io::Error| AuditError::Write {
            sink: match &self.sink {
                Sink::File(_, path) => path.display().to_string(),
                Sink::Stderr => "stderr".to_owned(),
            },
            source,
        };
        let mut text = serde_json::to_string(&line).map_err(|e| failed(io::Error::other(e)))?;
        text.push('\n');
        match &self.sink {
            // One write per line: with O_APPEND, lines from several processes never mix.
            Sink::File(file, _) => (&*file).write_all(text.as_bytes()),
            Sink::Stderr => io::stderr().lock().write_all(text.as_bytes()),
        }
        .map_err(failed)
    }

    /// One `event` line per secret in `report` (outcome `ok`, `unset`, `missing`,
    /// `invalid`, `placeholder` or `error`), and a `fallback` line for each source that
    /// failed and was skipped.
    pub fn record_report(&self, event: &str, report: &Report) -> Result<(), AuditError> {
        for resolution in &report.resolutions {
            for fallback in &resolution.fallbacks {
                let locator = format!("{}:", fallback.source);
                self.record(
                    "fallback",
                    Some(resolution.key()),
                    Some(&locator),
                    "source-failed",
                    None,
                )?;
            }
            self.record_resolution(event, resolution)?;
        }
        Ok(())
    }

    /// One `event` line for `resolution`: its locator, its outcome (`ok`, `unset`,
    /// `missing`, `invalid`, `placeholder` or `error`) and, with a key, the fingerprint of
    /// its value.
    pub fn record_resolution(
        &self,
        event: &str,
        resolution: &Resolution,
    ) -> Result<(), AuditError> {
        let outcome = match resolution.problems.first().map(|p| &p.kind) {
            None if resolution.value.is_some() => "ok",
            None => "unset",
            Some(ProblemKind::Missing) => "missing",
            Some(ProblemKind::Invalid { .. }) => "invalid",
            Some(ProblemKind::Placeholder { .. }) => "placeholder",
            Some(_) => "error",
        };
        self.record(
            event,
            Some(resolution.key()),
            resolution.origin.as_ref().map(|o| o.locator.as_str()),
            outcome,
            resolution.value.as_ref(),
        )
    }

    fn fingerprint(&self, value: &SecretValue) -> Option<String> {
        let key = self.key.as_ref()?;
        let tag = hmac::sign(key, value.expose().as_bytes());
        let mut hex = String::from("hmac-sha256:");
        for byte in tag.as_ref() {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
        }
        Some(hex)
    }
}

/// `time` as `2026-11-25T09:12:33.123Z`.
fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_millis(s));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(1_795_606_353_123), "2026-11-25T11:32:33.123Z"); // python3 datetime agrees
    }

    #[test]
    fn a_fingerprint_is_the_hmac_of_the_value_and_not_the_value() {
        let vars = Variables::from_pairs([("SECRETARY_AUDIT_KEY", "key")]);
        let log = AuditLog::open(&Target::Stderr, "dev", &vars).unwrap();
        let value = SecretValue::new("The quick brown fox jumps over the lazy dog".to_owned());
        // RFC 4231-style known answer (HMAC-SHA256, key "key").
        assert_eq!(
            log.fingerprint(&value).unwrap(),
            "hmac-sha256:f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        let without = AuditLog::open(&Target::Stderr, "dev", &Variables::default()).unwrap();
        assert!(without.fingerprint(&value).is_none());
    }
}
