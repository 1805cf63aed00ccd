//! When each Vault server's values were last forgotten in a copies' directory, kept
//! beside the copies (`.forgotten`, JSON, server to seconds since the epoch): a read
//! that began before then is not saved, into any copy, even one that did not hold that
//! server's values when they were forgotten (a twenty-first adversarial pass saved a
//! replaced value from a read in flight into a copy that had none yet). Read and
//! written under the directory's lock ([`super::disk::lock`]).

use std::collections::BTreeMap;
use std::path::Path;

use super::disk::write_atomic;

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
pub(super) fn record(dir: &Path, server: &str, now: u64) -> std::io::Result<()> {
    let mut records = read(dir);
    let at = match records.get(server) {
        Some(&kept) if kept <= now.saturating_add(TOLERANCE) => kept.max(now),
        _ => now,
    };
    records.insert(server.to_owned(), at);
    let text = serde_json::to_vec_pretty(&records).map_err(std::io::Error::other)?;
    write_atomic(&dir.join(NAME), &text)
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
