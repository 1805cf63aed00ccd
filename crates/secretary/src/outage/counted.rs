//! How many times each Vault server's values, and each copy, were forgotten in a copies'
//! directory, and which run of records this is: `.forgettings` (JSON), beside the
//! copies and the times of [`super::forgotten`]. Read and written under the directory's
//! lock ([`super::disk::lock`]).
//!
//! Each copy seals what its reads saw as they began ([`Forgettings`]): the record's
//! epoch (a random number the file is made with) and the two counts. A copy is served,
//! and a read saved, only while they are what the directory holds now. So a forgetting
//! after the read outdates it whatever the clocks say (a clock set back between a copy's
//! read and a `put` recorded the forgetting before the read, and the copy, put back from
//! a backup, was served: a fifty-ninth adversarial pass); and so does a record lost,
//! cut short or replaced (a new epoch, or none), or a copy from another directory (its
//! epoch), which a count alone let through (a sixtieth). The times are still checked as
//! well: a secretary of before writes only them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::CopyError;
use super::disk::write_atomic;

/// The file's name in the copies' directory.
const NAME: &str = ".forgettings";

/// The file: its epoch, and each record's count (a server's address, or
/// [`super::forgotten::of_binding`]'s name for one copy).
#[derive(Serialize, Deserialize)]
struct Records {
    epoch: u64,
    counts: BTreeMap<String, u64>,
}

/// What a read saw of a directory's forgettings as it began, sealed into the copy it
/// makes: the epoch (0 when the directory had no record), how many times the server's
/// values were forgotten, and how many times the copy of its binding was (`cache clear`).
#[derive(Serialize, Deserialize, Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Forgettings {
    epoch: u64,
    server: u64,
    binding: u64,
}

/// The records of `dir`; `None` when there is no file, or one that cannot be read as
/// records (then nothing sealed before matches, and the next save or forgetting makes
/// the file again).
fn read(dir: &Path) -> Option<Records> {
    crate::file::read(&dir.join(NAME), 1 << 20)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Records>(&bytes).ok())
        .filter(|records| records.epoch != 0)
}

/// Writes `records` to `dir`.
fn write(dir: &Path, records: &Records) -> Result<(), CopyError> {
    let path = dir.join(NAME);
    let failed = |error: std::io::Error| CopyError::write(&path, &error);
    let text = serde_json::to_vec_pretty(records).map_err(|e| failed(std::io::Error::other(e)))?;
    write_atomic(&path, &text).map_err(failed)
}

/// New records, of a new epoch: random, and never 0 (what no record is).
fn made(dir: &Path) -> Result<Records, CopyError> {
    let mut bytes = [0u8; 8];
    crate::generate::fill_random(&mut bytes)
        .map_err(|error| CopyError::write(&dir.join(NAME), &error))?;
    Ok(Records {
        epoch: u64::from_le_bytes(bytes).max(1),
        counts: BTreeMap::new(),
    })
}

/// What `dir` holds now of `server`'s and `binding`'s forgettings: taken as a read
/// begins, and compared with what a copy sealed.
pub(crate) fn seen(dir: &Path, server: &str, binding: super::copy::Binding<'_>) -> Forgettings {
    let Some(records) = read(dir) else {
        return Forgettings::default();
    };
    let count = |name: &str| records.counts.get(name).copied().unwrap_or(0);
    let cleared = super::forgotten::of_binding(server, binding.app, binding.environment);
    Forgettings {
        epoch: records.epoch,
        server: count(server),
        binding: count(&cleared),
    }
}

/// Counts a forgetting of `name` (a server, or one copy) in `dir`; the records are made
/// when there are none.
pub(super) fn count(dir: &Path, name: &str) -> Result<(), CopyError> {
    let mut records = match read(dir) {
        Some(records) => records,
        None => made(dir)?,
    };
    let counted = records.counts.entry(name.to_owned()).or_insert(0);
    *counted = counted.saturating_add(1);
    write(dir, &records)
}

/// What a read that saw `seen` as it began seals into the copy it saves to `dir`:
/// `None` when something was forgotten since, or the records changed (it is not
/// saved). The records are made when there are none, so that every copy sealed names an
/// epoch: one lost later matches no copy.
pub(super) fn settled(
    dir: &Path,
    server: &str,
    binding: super::copy::Binding<'_>,
    seen: Forgettings,
) -> Result<Option<Forgettings>, CopyError> {
    if self::seen(dir, server, binding) != seen {
        return Ok(None);
    }
    if seen.epoch != 0 {
        return Ok(Some(seen));
    }
    let records = made(dir)?;
    write(dir, &records)?;
    Ok(Some(Forgettings {
        epoch: records.epoch,
        ..Forgettings::default()
    }))
}

/// Whether a copy that sealed `sealed` is outdated in `dir`: its epoch or a count is no
/// longer what the directory holds (either way: a count that went back is a record
/// lost, and a copy of another directory names another epoch).
pub(super) fn outdated(
    dir: &Path,
    server: &str,
    binding: super::copy::Binding<'_>,
    sealed: Forgettings,
) -> bool {
    seen(dir, server, binding) != sealed
}
