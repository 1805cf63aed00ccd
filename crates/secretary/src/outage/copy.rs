//! The last-known-good file: one per application and environment, holding for each
//! Vault source its values sealed with ChaCha20-Poly1305 under the user's key.
//!
//! The file is JSON. What is in the clear is what `secretary cache status` shows (the
//! application, the environment, each source's name, when it was saved, how many secrets
//! it holds, which key sealed it) and the nonce; all of it but the nonce is bound as
//! associated data, with the format version, the application, environment and source
//! *expected* (from the manifest, not from the file), and the Vault server each source's
//! values were read from (its addresses and namespace). A copy renamed from another
//! application, a changed count or date, or a flipped byte does not open; a copy of
//! another server's values opens only to say so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::CopyError;
use super::disk::{directory_of, lock, own_directory, write_atomic};
use super::key::CacheKey;
use super::{counted, forgotten};
use crate::{FileError, SecretValue, Variables};

/// The format written; a file of another is not read.
const FORMAT: u32 = 1;
/// The most a copy file may hold: far more than any application's secrets.
const LIMIT: u64 = 16 << 20;
/// What a copy file's name ends with.
pub const SUFFIX: &str = ".lkg";

/// Which copy: the application and environment it belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'a> {
    pub(crate) app: &'a str,
    pub(crate) environment: &'a str,
}

/// One secret's value as kept.
pub(crate) struct Entry {
    pub(crate) value: SecretValue,
    /// The locator's place (`secret/data/production/db#value`).
    pub(crate) place: String,
    pub(crate) version: Option<u64>,
    /// The version the manifest pinned when it was read (`None`: its latest; also in a
    /// copy written before this was recorded).
    pub(crate) pinned: Option<u64>,
    /// When the value was written in Vault (KV v2), in seconds since the epoch.
    pub(crate) written: Option<u64>,
    /// When it was last read from Vault, in seconds since the epoch.
    pub(crate) read: u64,
}

/// One secret Vault did not have, as kept.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Absent {
    /// When it was last looked for, in seconds since the epoch.
    pub(crate) read: u64,
    /// Where it was looked for: the place its locator would show
    /// (`secret/data/production/db#value`). `None` in a copy written before this was
    /// recorded: such an absence is not served.
    pub(crate) place: Option<String>,
    /// The version the manifest pinned when it was looked for (`None`: the latest).
    pub(crate) pinned: Option<u64>,
}

/// One source's values as kept: those found, and the keys Vault did not have (where and
/// when they were looked for).
#[derive(Default)]
pub(crate) struct Contents {
    pub(crate) found: BTreeMap<String, Entry>,
    pub(crate) absent: BTreeMap<String, Absent>,
    /// The forgettings its reads saw as they began (`None` in a copy written before they
    /// were counted: judged by when its reads began alone).
    pub(crate) forgettings: Option<counted::Forgettings>,
}

impl Contents {
    /// Whether `other` holds the same values and absences (the times aside).
    fn same_values(&self, other: &Self) -> bool {
        self.found.len() == other.found.len()
            && self.absent.len() == other.absent.len()
            && self
                .absent
                .iter()
                .zip(&other.absent)
                .all(|((k, a), (l, b))| k == l && a.place == b.place && a.pinned == b.pinned)
            && self.found.iter().zip(&other.found).all(|((k, a), (l, b))| {
                k == l
                    && a.value.expose() == b.value.expose()
                    && a.place == b.place
                    && a.version == b.version
                    && a.pinned == b.pinned
                    && a.written == b.written
            })
    }
}

/// A copy file: its header in the clear, each source's values sealed.
#[derive(Serialize, Deserialize)]
pub(super) struct Outer {
    format: u32,
    pub(super) app: String,
    pub(super) environment: String,
    pub(super) sources: Vec<Sealed>,
    /// When each source was last forgotten (a refusal, a write), in seconds since the
    /// epoch: a read that began before then is not saved, so that another process's
    /// read, begun before the refusal or the write and answered after, does not put the
    /// forgotten values back. A secretary of before ignores it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) forgotten: BTreeMap<String, u64>,
}

/// One source's values, sealed, with what `cache status` shows of them.
#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Sealed {
    pub(super) source: String,
    /// The server the values were read from ([`crate::source::vault_server`]). Empty in a
    /// copy written before it was recorded, which no server matches.
    #[serde(default)]
    pub(super) server: String,
    key_id: String,
    pub(super) saved: u64,
    pub(super) count: usize,
    nonce: String,
    ciphertext: String,
}

/// The sealed text. `absent` keeps its first form (key to time), which copies written
/// before places were recorded hold; where each absence was looked for is beside it, in
/// `absent_places`, which a secretary of before ignores.
#[derive(Serialize)]
struct PlainOut<'a> {
    found: BTreeMap<&'a str, EntryOut<'a>>,
    absent: BTreeMap<&'a str, u64>,
    absent_places: BTreeMap<&'a str, PlaceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forgettings: Option<counted::Forgettings>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    value: &'a str,
    /// Spaces that make the value and them whole steps as JSON writes them
    /// ([`super::padding`]).
    pad: String,
    place: &'a str,
    version: Option<u64>,
    pinned: Option<u64>,
    written: Option<u64>,
    read: u64,
}

#[derive(Serialize)]
struct PlaceOut<'a> {
    place: &'a str,
    pinned: Option<u64>,
}

#[derive(Deserialize)]
struct PlainIn {
    found: BTreeMap<String, EntryIn>,
    absent: BTreeMap<String, u64>,
    #[serde(default)]
    absent_places: BTreeMap<String, PlaceIn>,
    #[serde(default)]
    forgettings: Option<counted::Forgettings>,
}

#[derive(Deserialize)]
struct EntryIn {
    value: String,
    place: String,
    version: Option<u64>,
    #[serde(default)]
    pinned: Option<u64>,
    written: Option<u64>,
    read: u64,
}

#[derive(Deserialize)]
struct PlaceIn {
    place: String,
    pinned: Option<u64>,
}

/// Seconds since the epoch of `time` (0 before it).
pub(crate) fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The instant `seconds` after the epoch; the epoch itself past what the clock can
/// count (a header is read before it is authenticated: no input may make this panic).
pub(crate) fn instant(seconds: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(UNIX_EPOCH)
}

/// Where copies are kept: `SECRETARY_STATE_DIR`, else `$XDG_STATE_HOME/secretary`, else
/// `~/.local/state/secretary`. `None` when none of them is set (or `XDG_STATE_HOME` is
/// relative, which the specification says to ignore, and there is no `HOME`). A relative
/// `SECRETARY_STATE_DIR` is ignored too, as `allow`'s records do: the copy would land in
/// the working directory, perhaps a repository.
pub fn state_dir(vars: &Variables) -> Option<PathBuf> {
    let set = |name| vars.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("SECRETARY_STATE_DIR").filter(|d| d.is_absolute()) {
        return Some(dir);
    }
    if let Some(dir) = set("XDG_STATE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("secretary"));
    }
    set("HOME").map(|home| home.join(".local/state/secretary"))
}

/// The file name of the copy for `binding`: `app.environment.lkg`, each part with any
/// byte but letters, digits, `_` and `-` percent-encoded.
pub(crate) fn file_name(binding: Binding<'_>) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'_').remove(b'-');
    format!(
        "{}.{}{SUFFIX}",
        utf8_percent_encode(binding.app, KEEP),
        utf8_percent_encode(binding.environment, KEEP)
    )
}

fn associated(binding: Binding<'_>, source: &str, sealed: &Sealed) -> Vec<u8> {
    format!(
        "secretary last-known-good\0{FORMAT}\0{}\0{}\0{source}\0{}\0{}\0{}\0{}",
        binding.app, binding.environment, sealed.server, sealed.key_id, sealed.saved, sealed.count
    )
    .into_bytes()
}

/// Reads and parses the file at `path`: `Ok(None)` when there is none.
pub(super) fn read_outer(path: &Path) -> Result<Option<Outer>, CopyError> {
    match own_directory(directory_of(path)) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(CopyError::Unreadable {
                path: path.to_path_buf(),
                reason: error.to_string(),
            });
        }
        Ok(()) => {}
    }
    let bytes = match crate::file::read(path, LIMIT) {
        Ok(bytes) => bytes,
        Err(FileError::NotFound) => return Ok(None),
        Err(error) => {
            return Err(CopyError::Unreadable {
                path: path.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    let outer: Outer = serde_json::from_slice(&bytes).map_err(|_| CopyError::Corrupt {
        path: path.to_path_buf(),
    })?;
    if outer.format != FORMAT {
        return Err(CopyError::Format {
            path: path.to_path_buf(),
            format: outer.format,
        });
    }
    Ok(Some(outer))
}

/// The contents kept for `source` in the copy at `path`, opened with `key` and checked
/// against `binding`, and against the `server` the source reads now when given (`cache
/// status` opens a copy without a manifest).
pub(crate) fn open(
    path: &Path,
    binding: Binding<'_>,
    source: &str,
    server: Option<&str>,
    key: &CacheKey,
) -> Result<Contents, CopyError> {
    let outer = read_outer(path)?.ok_or_else(|| CopyError::Missing {
        path: path.to_path_buf(),
    })?;
    open_outer(&outer, path, binding, source, server, key)
}

/// [`open`], of a file already read and parsed.
fn open_outer(
    outer: &Outer,
    path: &Path,
    binding: Binding<'_>,
    source: &str,
    server: Option<&str>,
    key: &CacheKey,
) -> Result<Contents, CopyError> {
    let missing = || CopyError::Missing {
        path: path.to_path_buf(),
    };
    if outer.app != binding.app || outer.environment != binding.environment {
        return Err(CopyError::Foreign {
            path: path.to_path_buf(),
            app: outer.app.clone(),
            environment: outer.environment.clone(),
        });
    }
    let Some(sealed) = outer.sources.iter().find(|s| s.source == source) else {
        return Err(match outer.forgotten.get(source) {
            Some(&at) => CopyError::Forgotten {
                path: path.to_path_buf(),
                ago: ago(seconds(SystemTime::now()), at),
            },
            None => missing(),
        });
    };
    if sealed.key_id != key.id() {
        return Err(CopyError::KeyChanged {
            path: path.to_path_buf(),
        });
    }
    let tampered = || CopyError::Tampered {
        path: path.to_path_buf(),
    };
    let nonce: [u8; NONCE_LEN] = STANDARD
        .decode(&sealed.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(tampered)?;
    let mut buffer = Zeroizing::new(
        STANDARD
            .decode(&sealed.ciphertext)
            .map_err(|_| tampered())?,
    );
    let plain = key
        .aead()
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(associated(binding, source, sealed)),
            &mut buffer,
        )
        .map_err(|_| tampered())?;
    let parsed: PlainIn = serde_json::from_slice(plain).map_err(|_| tampered())?;
    if parsed.found.len() != sealed.count {
        return Err(tampered());
    }
    if let Some(error) = outdated(path, binding, &sealed.server, &parsed) {
        return Err(error);
    }
    if let Some(server) = server.filter(|&server| server != sealed.server) {
        return Err(CopyError::OtherServer {
            kept: if sealed.server.is_empty() {
                "a server it did not record".to_owned()
            } else {
                sealed.server.clone()
            },
            now: server.to_owned(),
        });
    }
    Ok(Contents {
        found: parsed
            .found
            .into_iter()
            .map(|(key, entry)| {
                (
                    key,
                    Entry {
                        value: SecretValue::new(entry.value),
                        place: entry.place,
                        version: entry.version,
                        pinned: entry.pinned,
                        written: entry.written,
                        read: entry.read,
                    },
                )
            })
            .collect(),
        absent: parsed
            .absent
            .into_iter()
            .map(|(key, read)| {
                let place = parsed.absent_places.get(&key);
                let absent = Absent {
                    read,
                    place: place.map(|p| p.place.clone()),
                    pinned: place.and_then(|p| p.pinned),
                };
                (key, absent)
            })
            .collect(),
        forgettings: parsed.forgettings,
    })
}

/// Why `parsed`, kept at `path` for `binding` from `server`, is not served: something in
/// it was read before a forgetting the directory records ([`forgotten::outdating`]), or
/// the forgettings it saw are no longer the directory's ([`counted::outdated`]).
fn outdated(
    path: &Path,
    binding: Binding<'_>,
    server: &str,
    parsed: &PlainIn,
) -> Option<CopyError> {
    let now = seconds(SystemTime::now());
    let reads: Vec<u64> = parsed
        .found
        .values()
        .map(|entry| entry.read)
        .chain(parsed.absent.values().copied())
        .collect();
    let dir = path.parent()?;
    let at = forgotten::outdating(dir, server, binding, &reads, now);
    let counted = parsed
        .forgettings
        .is_some_and(|sealed| counted::outdated(dir, server, binding, sealed));
    match at {
        Some(at) => Some(CopyError::Forgotten {
            path: path.to_path_buf(),
            ago: ago(now, at),
        }),
        None => counted.then(|| CopyError::Outdated {
            path: path.to_path_buf(),
        }),
    }
}

/// How long before `now` a forgetting at `at` was (seconds); `None` when after.
fn ago(now: u64, at: u64) -> Option<Duration> {
    now.checked_sub(at).map(Duration::from_secs)
}

/// How long a copy whose values have not changed is left as it is before it is written
/// again to record that they were read: a healthy `check` costs no `fsync` each time.
/// A tenth of the environment's `max_age` when that is shorter ([`Timing`]): a copy's
/// age is counted from the last confirmation it records, and a `max_age` of 20 s found
/// a copy confirmed 10 s before 26 s old (a fifty-fourth adversarial pass).
const REFRESH_AFTER: u64 = 60;

/// When a read whose answer is saved began, when it ended, and how long an unchanged
/// copy may go without recording a confirmation ([`REFRESH_AFTER`] at most).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// When the read began.
    pub(crate) began: SystemTime,
    /// When it ended.
    pub(crate) now: SystemTime,
    /// The longest an unchanged copy goes without being written again, in seconds.
    pub(crate) rewrite_after: u64,
}

impl Timing {
    /// A read from `began` to `now`, for an environment whose copies may be served up
    /// to `max_age` old.
    pub(crate) fn of(began: SystemTime, now: SystemTime, max_age: Duration) -> Self {
        Self {
            began,
            now,
            rewrite_after: (max_age.as_secs() / 10).clamp(1, REFRESH_AFTER),
        }
    }
}

impl From<(SystemTime, SystemTime)> for Timing {
    fn from((began, now): (SystemTime, SystemTime)) -> Self {
        Self {
            began,
            now,
            rewrite_after: REFRESH_AFTER,
        }
    }
}

/// What a copy holds once `fresh`, the answer of a read begun at `began`, is merged
/// into what it `kept`: entries for keys `fresh` does not name stay as they were, and an
/// absence replaces a value (and a value an absence).
fn merge(kept: Option<&Contents>, fresh: Contents, began: u64, now_seconds: u64) -> Contents {
    let mut merged = match kept {
        Some(kept) => Contents {
            found: kept
                .found
                .iter()
                .map(|(k, e)| {
                    (
                        k.clone(),
                        Entry {
                            value: e.value.clone(),
                            place: e.place.clone(),
                            version: e.version,
                            pinned: e.pinned,
                            written: e.written,
                            read: e.read,
                        },
                    )
                })
                .collect(),
            absent: kept.absent.clone(),
            forgettings: fresh.forgettings,
        },
        None => Contents {
            forgettings: fresh.forgettings,
            ..Contents::default()
        },
    };
    // What a read begun later already saved is newer than this read's answer, and is
    // kept: a slow read that ended last overwrote a newer value with the one another
    // writer had replaced in Vault (a twenty-second adversarial pass). Times are when
    // each read began.
    let kept_read = |key: &str| {
        merged
            .found
            .get(key)
            .map(|entry| entry.read)
            .or_else(|| merged.absent.get(key).map(|absent| absent.read))
    };
    let newer: BTreeSet<String> = fresh
        .found
        .keys()
        .chain(fresh.absent.keys())
        .filter(|key| {
            kept_read(key).is_some_and(|at| forgotten::began_later(at, began, now_seconds))
        })
        .cloned()
        .collect();
    let Contents { found, absent, .. } = fresh;
    let found = found.into_iter().filter(|(key, _)| !newer.contains(key));
    let absent = absent.into_iter().filter(|(key, _)| !newer.contains(key));
    for (key, entry) in found {
        merged.absent.remove(&key);
        merged.found.insert(key, entry);
    }
    for (key, entry) in absent {
        merged.found.remove(&key);
        merged.absent.insert(key, entry);
    }
    merged
}

/// Merges `fresh` (a complete read of `source`) into the copy at `path` and writes it,
/// atomically: a temporary file in the same directory, `fsync`, rename, `fsync` of the
/// directory. Entries for keys `fresh` does not name are kept as they were. Nothing is
/// written when the values are the same as kept and were saved under a minute ago.
pub(crate) fn save(
    path: &Path,
    binding: Binding<'_>,
    source: &str,
    server: &str,
    key: &CacheKey,
    fresh: Contents,
    timing: impl Into<Timing>,
) -> Result<(), CopyError> {
    let Timing {
        began,
        now,
        rewrite_after,
    } = timing.into();
    let failed = |error: std::io::Error| CopyError::write(path, &error);
    let dir = directory_of(path);
    let _locked = lock(dir).map_err(failed)?;
    // Now as it is once the lock is had: a save that waited for it must not take a read
    // begun meanwhile for one in the future (a fifty-ninth adversarial pass saw an older
    // answer replace a newer one after a wait on the lock).
    let (began, now_seconds) = (seconds(began), seconds(now).max(seconds(SystemTime::now())));
    // A read that began before (or in the second of) the last forgetting of its
    // server's values, or of its source's, is older than what made them forget: not
    // saved. A record further in the future than a clock could drift is ignored.
    if forgotten::outdating(dir, server, binding, &[began], now_seconds).is_some() {
        return Ok(());
    }
    // A file that cannot be read as ours for this binding is replaced, not merged.
    let outer = read_outer(path)
        .ok()
        .flatten()
        .filter(|outer| outer.app == binding.app && outer.environment == binding.environment);
    let mut forgotten = outer
        .as_ref()
        .map(|outer| outer.forgotten.clone())
        .unwrap_or_default();
    if forgotten
        .get(source)
        .is_some_and(|&at| forgotten::outdated_by(at, began, now_seconds))
    {
        return Ok(());
    }
    forgotten.remove(source);
    // And what the read saw as it began must be what the directory holds: nothing
    // forgotten since, whatever the clocks say ([`counted`]).
    let mut fresh = fresh;
    if let Some(seen) = fresh.forgettings {
        let Some(sealed) = counted::settled(dir, server, binding, seen)? else {
            return Ok(());
        };
        fresh.forgettings = Some(sealed);
    }
    // Parsed once: a healthy read opens the copy only to compare it. Another server's
    // values are replaced, not merged.
    let kept = outer
        .as_ref()
        .and_then(|outer| open_outer(outer, path, binding, source, Some(server), key).ok());
    // Left as it is only when its values are the same and each key this read names
    // was confirmed within `rewrite_after`: by its own entry, not by the copy's last
    // save, which a read of other keys made (a fifty-sixth adversarial pass: `get a`
    // every second kept `b`'s confirmation from ever being recorded).
    let named: Vec<String> = fresh
        .found
        .keys()
        .chain(fresh.absent.keys())
        .cloned()
        .collect();
    let merged = merge(kept.as_ref(), fresh, began, now_seconds);
    if let Some(kept) = &kept {
        let confirmed = |key: &String| {
            kept.found
                .get(key)
                .map(|entry| entry.read)
                .or_else(|| kept.absent.get(key).map(|absent| absent.read))
                // A read recorded in the future (a clock that ran ahead, since
                // corrected) confirms nothing: written again now (a fifty-seventh
                // adversarial pass saw such a copy never confirmed again, and refused).
                .is_some_and(|read| read <= began && began - read < rewrite_after)
        };
        if kept.same_values(&merged) && named.iter().all(confirmed) {
            return Ok(());
        }
    }
    let sealed = seal(binding, source, server, key, &merged, now_seconds)?;
    let mut sources: Vec<Sealed> = outer
        .map(|outer| outer.sources)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.source != source)
        .collect();
    sources.push(sealed);
    sources.sort_by(|a, b| a.source.cmp(&b.source));
    let text = serde_json::to_vec_pretty(&Outer {
        format: FORMAT,
        app: binding.app.to_owned(),
        environment: binding.environment.to_owned(),
        sources,
        forgotten,
    })
    .map_err(|error| failed(std::io::Error::other(error)))?;
    write_atomic(path, &text).map_err(failed)
}

fn seal(
    binding: Binding<'_>,
    source: &str,
    server: &str,
    key: &CacheKey,
    contents: &Contents,
    saved: u64,
) -> Result<Sealed, CopyError> {
    let failed = |reason: &str| CopyError::Seal {
        reason: reason.to_owned(),
    };
    let plain = PlainOut {
        found: contents
            .found
            .iter()
            .map(|(k, e)| {
                (
                    k.as_str(),
                    EntryOut {
                        value: e.value.expose(),
                        pad: super::padding::pad_for(e.value.expose()),
                        place: &e.place,
                        version: e.version,
                        pinned: e.pinned,
                        written: e.written,
                        read: e.read,
                    },
                )
            })
            .collect(),
        absent: contents
            .absent
            .iter()
            .map(|(k, a)| (k.as_str(), a.read))
            .collect(),
        absent_places: contents
            .absent
            .iter()
            .filter_map(|(k, a)| {
                let place = a.place.as_deref()?;
                Some((
                    k.as_str(),
                    PlaceOut {
                        place,
                        pinned: a.pinned,
                    },
                ))
            })
            .collect(),
        forgettings: contents.forgettings,
    };
    let buffer = Zeroizing::new(
        serde_json::to_vec(&plain).map_err(|_| failed("the values could not be serialised"))?,
    );
    seal_text(
        binding,
        source,
        server,
        key,
        buffer,
        contents.found.len(),
        saved,
    )
}

/// [`seal`], of the sealed text already serialised, holding `count` values.
fn seal_text(
    binding: Binding<'_>,
    source: &str,
    server: &str,
    key: &CacheKey,
    mut buffer: Zeroizing<Vec<u8>>,
    count: usize,
    saved: u64,
) -> Result<Sealed, CopyError> {
    let failed = |reason: &str| CopyError::Seal {
        reason: reason.to_owned(),
    };
    let mut nonce = [0u8; NONCE_LEN];
    crate::generate::fill_random(&mut nonce).map_err(|_| failed("no random nonce"))?;
    let mut sealed = Sealed {
        source: source.to_owned(),
        server: server.to_owned(),
        key_id: key.id().to_owned(),
        saved,
        count,
        nonce: STANDARD.encode(nonce),
        ciphertext: String::new(),
    };
    let aad = associated(binding, source, &sealed);
    let mut out: Vec<u8> = std::mem::take(&mut *buffer);
    let result = key.aead().seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut out,
    );
    let out = Zeroizing::new(out);
    result.map_err(|_| failed("sealing failed"))?;
    sealed.ciphertext = STANDARD.encode(&*out);
    Ok(sealed)
}

/// Writes a copy of one source whose sealed text is `plain`, as it is (a copy in the form
/// an older secretary wrote): for tests of what still opens.
#[cfg(test)]
pub(super) fn save_text(
    path: &Path,
    binding: Binding<'_>,
    source: &str,
    server: &str,
    key: &CacheKey,
    plain: &str,
    count: usize,
) -> Result<(), CopyError> {
    let buffer = Zeroizing::new(plain.as_bytes().to_vec());
    let saved = seconds(SystemTime::now());
    let sealed = seal_text(binding, source, server, key, buffer, count, saved)?;
    let text = serde_json::to_vec(&Outer {
        format: FORMAT,
        app: binding.app.to_owned(),
        environment: binding.environment.to_owned(),
        sources: vec![sealed],
        forgotten: BTreeMap::new(),
    })
    .map_err(|_| CopyError::Seal {
        reason: "the copy could not be serialised".to_owned(),
    })?;
    write_atomic(path, &text).map_err(|error| CopyError::write(path, &error))
}
