//! What `secretary cache status` and `cache clear` see of the copies' directory: every
//! file named as a copy, those that do not read as one, and each copy's header, never a
//! value.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::CopyError;
use super::copy::{Binding, SUFFIX, instant, open, read_outer};
use super::key::CacheKey;

/// What `secretary cache status` shows of one copy: never a value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CopyInfo {
    /// The file.
    pub path: PathBuf,
    /// The application it belongs to, as its header says.
    pub app: String,
    /// The environment, as its header says.
    pub environment: String,
    /// Each source kept in it.
    pub sources: Vec<SourceInfo>,
}

/// One source in a copy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SourceInfo {
    /// The source's name.
    pub source: String,
    /// When it was saved (last written).
    pub saved: SystemTime,
    /// When the oldest of its values was last confirmed by a read: what its `max_age`
    /// is counted from, each value's own (a read of some of them rewrites the file, so
    /// `saved` may be fresh while another value is past `max_age`: a sixty-third
    /// adversarial pass). `None` without a key that opens it.
    pub confirmed: Option<SystemTime>,
    /// When the newest of its values was last confirmed. An entry stays until a read
    /// replaces it, whether or not a secret still reads it, so the oldest may be one
    /// no read asks for any more (a sixty-fourth adversarial pass): both are said.
    pub newest: Option<SystemTime>,
    /// How many values it holds.
    pub count: usize,
    /// The Vault server its values were read from (addresses and namespace); empty in a
    /// copy written before secretary recorded it.
    pub server: String,
    /// Whether it opens with the key given: `None` without a key.
    pub opens: Option<Result<(), CopyError>>,
}

/// Every file in `dir` named as a copy is (`*.lkg`, not a temporary file), whether it
/// reads as one or not (`secretary cache clear` removes a corrupt one too), sorted.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, CopyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(CopyError::Unreadable {
                path: dir.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(SUFFIX) && !n.starts_with('.'))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// Why each file in `dir` that does not read as a copy does not (corrupt, of another
/// format, unreadable): [`list`] leaves them out, and `cache status` names them.
pub fn unreadable(dir: &Path) -> Result<Vec<CopyError>, CopyError> {
    Ok(files(dir)?
        .iter()
        .filter_map(|path| read_outer(path).err())
        .collect())
}

/// Removes the copies in `dir` of `app` and `environment` (each: any, when `None`),
/// and with neither, every file named as a copy, one that does not read as one too;
/// how many. Under the directory's lock, with each removed copy's servers recorded as
/// forgotten now: a read another process began before is not saved into a new copy
/// (`cache clear` after a write whose copy could not forget would otherwise be undone
/// by a read in flight: a twenty-second adversarial pass).
pub fn clear(dir: &Path, app: Option<&str>, environment: Option<&str>) -> Result<usize, CopyError> {
    let failed = |path: &Path, error: std::io::Error| CopyError::write(path, &error);
    if !dir.exists() {
        return Ok(0);
    }
    let _locked = super::disk::lock(dir).map_err(|error| failed(dir, error))?;
    let now = super::copy::seconds(SystemTime::now());
    let mut removed = 0;
    let mut unrecorded = None;
    for path in files(dir)? {
        let outer = read_outer(&path).ok().flatten();
        let chosen = match &outer {
            Some(outer) => {
                app.is_none_or(|app| app == outer.app)
                    && environment.is_none_or(|environment| environment == outer.environment)
            }
            None => app.is_none() && environment.is_none(),
        };
        if !chosen {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(failed(&path, error)),
        }
        // A read another process began before is not saved into this copy again; the
        // other copies of its servers are left as they are (nothing changed in Vault).
        // Recorded once the copy is removed, under the lock all the same: on a full disk
        // the record cannot be written, and the copy is removed still (a sixty-first
        // adversarial pass saw `cache clear` remove nothing there).
        for (outer, sealed) in outer
            .iter()
            .flat_map(|outer| outer.sources.iter().map(move |sealed| (outer, sealed)))
        {
            if !sealed.server.is_empty() {
                let cleared =
                    super::forgotten::of_binding(&sealed.server, &outer.app, &outer.environment);
                if let Err(error) = super::forgotten::record(dir, &cleared, now) {
                    unrecorded.get_or_insert(error.unrecorded());
                }
            }
        }
    }
    match unrecorded {
        Some(error) => Err(error),
        None => Ok(removed),
    }
}

/// Every copy in `dir`, by file name; a file that does not read as one is left out
/// ([`unreadable`] says why).
pub fn list(dir: &Path, key: Option<&CacheKey>) -> Result<Vec<CopyInfo>, CopyError> {
    let mut copies = Vec::new();
    for path in files(dir)? {
        let Ok(Some(outer)) = read_outer(&path) else {
            continue;
        };
        let binding = Binding {
            app: &outer.app,
            environment: &outer.environment,
        };
        let sources = outer
            .sources
            .iter()
            .map(|sealed| {
                let opened = key.map(|key| open(&path, binding, &sealed.source, None, key));
                let reads: Vec<u64> = opened
                    .as_ref()
                    .and_then(|opened| opened.as_ref().ok())
                    .map(|contents| {
                        let found = contents.found.values().map(|entry| entry.read);
                        found
                            .chain(contents.absent.values().map(|absent| absent.read))
                            .collect()
                    })
                    .unwrap_or_default();
                let confirmed = reads.iter().min().copied().map(instant);
                let newest = reads.iter().max().copied().map(instant);
                SourceInfo {
                    source: sealed.source.clone(),
                    saved: instant(sealed.saved),
                    confirmed,
                    newest,
                    count: sealed.count,
                    server: sealed.server.clone(),
                    opens: opened.map(|opened| opened.map(|_| ())),
                }
            })
            .collect();
        copies.push(CopyInfo {
            path: path.clone(),
            app: outer.app.clone(),
            environment: outer.environment.clone(),
            sources,
        });
    }
    Ok(copies)
}
