//! When each Vault server's values were last forgotten in a copies' directory, kept
//! beside the copies (`.forgotten`, JSON, server to seconds since the epoch): a read
//! that began before then is not saved, into any copy, even one that did not hold that
//! server's values when they were forgotten (a twenty-first adversarial pass saved a
//! replaced value from a read in flight into a copy that had none yet). Read and
//! written under the directory's lock ([`super::disk::lock`]). How many times each was
//! forgotten is kept beside it, and is what decides for a copy that recorded it
//! ([`super::counted`]); this file keeps the form a secretary of before reads and writes.

use std::collections::BTreeMap;
use std::path::Path;

use std::fs;
use std::time::SystemTime;

use super::CopyError;
use super::copy::{Outer, read_outer, seconds};
use super::disk::{lock, write_atomic};

/// The file's name in the copies' directory.
const NAME: &str = ".forgotten";

/// How far in the future a record may lie and still count: one further is a clock set
/// back since it was written, and is ignored rather than keep every save away until
/// then (as a confirmation's time is: `copy.rs`).
const TOLERANCE: u64 = 300;

/// The records of `dir`; none when there is no file, or one that does not parse (it
/// holds no value: the next forgetting writes it again).
fn read(dir: &Path) -> BTreeMap<String, u64> {
    crate::file::read(&dir.join(NAME), 1 << 20)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Records that `server`'s values were forgotten in `dir` at `now` (seconds). A record
/// never moves back: a later forgetting under a clock set behind kept the earlier one's
/// copies, put back, served (a fifty-eighth adversarial pass); one further ahead than a
/// clock drifts is replaced.
pub(super) fn record(dir: &Path, server: &str, now: u64) -> Result<(), CopyError> {
    super::counted::count(dir, server)?;
    let mut records = read(dir);
    let at = match records.get(server) {
        Some(&kept) if kept <= now.saturating_add(TOLERANCE) => kept.max(now),
        _ => now,
    };
    records.insert(server.to_owned(), at);
    let path = dir.join(NAME);
    let failed = |error: std::io::Error| CopyError::write(&path, &error);
    let text = serde_json::to_vec_pretty(&records).map_err(|e| failed(std::io::Error::other(e)))?;
    write_atomic(&path, &text).map_err(failed)
}

/// The record `cache clear` makes for the copy of `app`'s `environment` of `server`'s
/// values: that copy alone, not every copy of the server (a fifty-sixth adversarial pass:
/// clearing staging's copy refused production's, as a write to Vault would have). A
/// server's address holds no NUL, so this is never a server's record.
pub(super) fn of_binding(server: &str, app: &str, environment: &str) -> String {
    format!("{server}\0{app}\0{environment}")
}

/// When `server`'s values, or the copy for `binding` of them, were forgotten in `dir`
/// after one of `reads` (when each read began) was made: such a copy is not served. A
/// copy put back after a rotation (a backup restored, the one file synced) held the
/// rotated-out value and was served (a fifty-fourth adversarial pass); so did one `cache
/// clear` had removed (a fifty-seventh). A copy made since holds nothing read before.
pub(super) fn outdating(
    dir: &Path,
    server: &str,
    binding: super::copy::Binding<'_>,
    reads: &[u64],
    now: u64,
) -> Option<u64> {
    let records = read(dir);
    let cleared = of_binding(server, binding.app, binding.environment);
    [records.get(server), records.get(&cleared)]
        .into_iter()
        .flatten()
        .copied()
        .find(|&at| reads.iter().any(|&read| outdated_by(at, read, now)))
}

/// Whether a forgetting at `at` outdates a read begun at `began`, `now` being now (all
/// in seconds): it came in the same second or after, and lies no further than
/// [`TOLERANCE`] in the future. For the directory's records and a copy's own alike.
pub(super) fn outdated_by(at: u64, began: u64, now: u64) -> bool {
    at >= began && at <= now.saturating_add(TOLERANCE)
}

/// Whether a kept answer of a read begun at `at` is newer than that of a read begun at
/// `began`, `now` being now (seconds): it began in a later second, and not in the
/// future (a read recorded ahead of now was made under a clock since set back: a
/// fifty-eighth adversarial pass saw Vault's new value never saved over it, and the
/// replaced one served in the outage). (In the same second, the later save wins.)
pub(super) fn began_later(at: u64, began: u64, now: u64) -> bool {
    at > began && at <= now
}

/// Writes `outer` back to `path` without the sources `gone` names, each recorded as
/// forgotten now.
fn forget_in(path: &Path, mut outer: Outer, gone: &[&str]) -> Result<(), CopyError> {
    let failed = |error: std::io::Error| CopyError::write(path, &error);
    outer.sources.retain(|s| !gone.contains(&s.source.as_str()));
    let now = seconds(SystemTime::now());
    for source in gone {
        outer.forgotten.insert((*source).to_owned(), now);
    }
    let text =
        serde_json::to_vec_pretty(&outer).map_err(|error| failed(std::io::Error::other(error)))?;
    write_atomic(path, &text).map_err(failed)
}

/// Removes the copy file at `path`; one already gone is no error.
fn remove(path: &Path) -> Result<(), CopyError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(CopyError::write(path, &error))
        }
        _ => Ok(()),
    }
}

/// Removes every source read from `server` from every copy in `dir`, whatever its
/// application, environment or source name, and records when (two environments, two
/// sources or two applications may read one Vault path: a value replaced through one
/// would still be served by another's copy, the nineteenth and twentieth adversarial
/// passes found). A source of a copy written before the server was recorded (empty) is
/// removed too, as is a file that cannot be read as a copy now (its directory refused,
/// corrupt, of another format), whole: it could be read again later (once the directory
/// is put right, by another version of secretary) and serve the value being replaced.
pub(crate) fn forget_server(dir: &Path, server: &str) -> Result<(), CopyError> {
    let failed = |error: std::io::Error| CopyError::write(dir, &error);
    let _locked = lock(dir).map_err(failed)?;
    // The copies first, then the record: under the lock no save comes between, and on a
    // full disk, where neither the record nor a copy rewritten without the server's
    // values can be written, a copy can still be removed (a sixty-first adversarial pass
    // saw a refusal's and a `put`'s forgetting fail at its record, and the copy served).
    for path in super::listing::files(dir)? {
        match read_outer(&path) {
            Ok(Some(outer)) => {
                let names: Vec<String> = outer
                    .sources
                    .iter()
                    .filter(|sealed| sealed.server == server || sealed.server.is_empty())
                    .map(|sealed| sealed.source.clone())
                    .collect();
                if !names.is_empty() {
                    let gone: Vec<&str> = names.iter().map(String::as_str).collect();
                    if forget_in(&path, outer, &gone).is_err() {
                        remove(&path)?;
                    }
                }
            }
            Ok(None) => {}
            Err(_) => remove(&path)?,
        }
    }
    record(dir, server, seconds(SystemTime::now())).map_err(CopyError::unrecorded)
}
