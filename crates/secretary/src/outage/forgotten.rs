//! When, and how many times, each Vault server's values were forgotten in a copies'
//! directory, kept beside the copies (`.forgotten`, JSON, server to its record): a read
//! that began before then is not saved, into any copy, even one that did not hold that
//! server's values when they were forgotten (a twenty-first adversarial pass saved a
//! replaced value from a read in flight into a copy that had none yet). Read and
//! written under the directory's lock ([`super::disk::lock`]).
//!
//! The count is what decides, where a copy records it ([`Forgettings`]): a clock set
//! back between a copy's read and a forgetting recorded the forgetting before the read,
//! and the copy, put back, was served (a fifty-ninth adversarial pass). The time is what
//! copies written before counts were kept are judged by, and what a message says.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

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

/// One server's (or one copy's) record: when it was last forgotten, in seconds since
/// the epoch, and how many times it was.
#[derive(Serialize, Deserialize, Clone, Copy, Default)]
struct Record {
    at: u64,
    #[serde(default)]
    count: u64,
}

/// A record as written: a time alone by a secretary that kept no count.
#[derive(Deserialize)]
#[serde(untagged)]
enum RecordIn {
    Counted(Record),
    Time(u64),
}

/// How many times a server's values, and the copy of one binding of them, had been
/// forgotten in a directory when a read began: sealed into the copy the read makes. A
/// copy is not saved, or served, once either has grown since: something was forgotten
/// after its read began, whatever the clocks say.
#[derive(Serialize, Deserialize, Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Forgettings {
    server: u64,
    binding: u64,
}

impl Forgettings {
    /// Whether a forgetting counted in `now` came after those counted in `self`.
    fn outdated_by(self, now: Self) -> bool {
        now.server > self.server || now.binding > self.binding
    }
}

/// The records of `dir`; none when there is no file, or one that does not parse (it
/// holds no value: the next forgetting writes it again).
fn read(dir: &Path) -> BTreeMap<String, Record> {
    crate::file::read(&dir.join(NAME), 1 << 20)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<BTreeMap<String, RecordIn>>(&bytes).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, record)| {
            let record = match record {
                RecordIn::Counted(record) => record,
                RecordIn::Time(at) => Record { at, count: 0 },
            };
            (name, record)
        })
        .collect()
}

/// Records that `server`'s values were forgotten in `dir` at `now` (seconds). A record
/// never moves back: a later forgetting under a clock set behind kept the earlier one's
/// copies, put back, served (a fifty-eighth adversarial pass); one further ahead than a
/// clock drifts is replaced.
pub(super) fn record(dir: &Path, server: &str, now: u64) -> std::io::Result<()> {
    let mut records = read(dir);
    let kept = records.get(server).copied().unwrap_or_default();
    let at = if kept.at <= now.saturating_add(TOLERANCE) {
        kept.at.max(now)
    } else {
        now
    };
    let count = kept.count.saturating_add(1);
    records.insert(server.to_owned(), Record { at, count });
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

/// How many times `server`'s values, and the copy for `binding` of them, have been
/// forgotten in `dir`: taken as a read begins.
pub(crate) fn forgettings(
    dir: &Path,
    server: &str,
    binding: super::copy::Binding<'_>,
) -> Forgettings {
    let records = read(dir);
    let count = |name: &str| records.get(name).map_or(0, |record| record.count);
    Forgettings {
        server: count(server),
        binding: count(&of_binding(server, binding.app, binding.environment)),
    }
}

/// When `server`'s values, or the copy for `binding` of them, were forgotten in `dir`
/// after a read that `seen` (as [`forgettings`] counted them when it began) or, where a
/// copy counted none (written before counts were kept), one of `reads` (when each read
/// began) was made: such a copy is not served, or saved. A copy put back after a
/// rotation (a backup restored, the one file synced) held the rotated-out value and was
/// served (a fifty-fourth adversarial pass); so did one `cache clear` had removed (a
/// fifty-seventh). A copy made since holds nothing read before.
pub(super) fn outdating(
    dir: &Path,
    server: &str,
    binding: super::copy::Binding<'_>,
    seen: Option<Forgettings>,
    reads: &[u64],
    now: u64,
) -> Option<u64> {
    let records = read(dir);
    let cleared = of_binding(server, binding.app, binding.environment);
    let [by_server, by_binding] = [server, cleared.as_str()].map(|name| records.get(name).copied());
    if let Some(seen) = seen {
        let counted = Forgettings {
            server: by_server.map_or(0, |record| record.count),
            binding: by_binding.map_or(0, |record| record.count),
        };
        return seen.outdated_by(counted).then(|| {
            [by_server, by_binding]
                .into_iter()
                .flatten()
                .map(|record| record.at)
                .max()
                .unwrap_or(now)
        });
    }
    [by_server, by_binding]
        .into_iter()
        .flatten()
        .map(|record| record.at)
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
    record(dir, server, seconds(SystemTime::now())).map_err(failed)?;
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
                    forget_in(&path, outer, &gone)?;
                }
            }
            Ok(None) => {}
            Err(_) => remove(&path)?,
        }
    }
    Ok(())
}
