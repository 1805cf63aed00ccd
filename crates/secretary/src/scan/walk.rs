//! Which files [`Needles::scan`] reads, and how: the `ignore` crate's parallel walk (the
//! one ripgrep uses), with every thread searching the files it finds.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use ignore::{WalkBuilder, WalkState};
use zeroize::Zeroizing;

use super::{CHUNK, Found, Needles};
use crate::file::{FileError, open_stream};

/// How [`Needles::scan`] walks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Honour `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes
    /// (default true).
    pub ignore_files: bool,
    /// Follow symbolic links found in the tree (default false). A link back to a
    /// directory being walked is not followed again, and is listed in
    /// [`Outcome::loops`]. A path given to [`Needles::scan`] is followed either way.
    pub follow_links: bool,
    /// Threads to search with; 0 (the default) for one per core.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ignore_files: true,
            follow_links: false,
            threads: 0,
        }
    }
}

/// Where values were found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileFindings {
    /// The file, as reached from the path given (`./` left out).
    pub path: PathBuf,
    /// Each place, by line.
    pub found: Vec<Found>,
}

/// Why part of a tree could not be searched. Holds no part of any file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A file could not be opened or read.
    #[error("cannot read {}: {reason}", crate::printable::path(path))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: FileError,
    },
    /// A symbolic link, followed by request, leads to a directory above a path given:
    /// not followed (it would search the tree again, and what else lies above, up to
    /// the whole file system for a link to `/`), so that directory's other files were
    /// not searched (a fifty-fourth adversarial pass saw them called "searched
    /// already", and the scan clean).
    #[error(
        "cannot search {}: it is a symbolic link to {}, a directory above the path given, and is not followed; its other files were not searched (give it as a path to search them)",
        crate::printable::path(path),
        crate::printable::path(target)
    )]
    Above {
        /// The link, as reached from the path given.
        path: PathBuf,
        /// The directory it leads to.
        target: PathBuf,
    },
    /// A directory could not be listed, or a path does not exist.
    #[error("cannot search {}: {reason}", crate::printable::path(path))]
    Walk {
        /// The directory or path.
        path: PathBuf,
        /// Why, as the operating system said.
        reason: String,
    },
}

/// A symbolic link, followed by request, that leads back to a directory the walk is
/// already in, or to one a path given holds: it is not followed again, since what it
/// leads to is searched anyway (one above every path given is a [`ScanError::Above`]). Or
/// one of links that lead to each other and never to a file or directory (`endless`).
/// Nothing is left unread because of it, so it is no error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkLoop {
    /// The link, as reached from the path given.
    pub path: PathBuf,
    /// The directory it leads back to, or the link it leads to.
    pub ancestor: PathBuf,
    /// Whether the links lead only to each other, never to a file or directory.
    pub endless: bool,
}

impl std::fmt::Display for LinkLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.endless {
            // A fourteenth adversarial pass: `loop1 -> loop2 -> loop1` was said to lead
            // back to a directory "searched already".
            write!(
                f,
                "not followed: {} is a symbolic link to {}, and it leads only to links, never to a file or directory",
                crate::printable::path(&self.path),
                crate::printable::path(&self.ancestor)
            )
        } else {
            write!(
                f,
                "not followed: {} is a symbolic link back to {}, which is searched already",
                crate::printable::path(&self.path),
                crate::printable::path(&self.ancestor)
            )
        }
    }
}

impl std::error::Error for LinkLoop {}

/// What [`Needles::scan`] found and did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Outcome {
    /// The files holding a value, sorted by path.
    pub files: Vec<FileFindings>,
    /// How many files were searched (binary ones not included).
    pub searched: usize,
    /// How many bytes of them were searched.
    pub bytes: u64,
    /// Binary files, not searched, sorted.
    pub binary: Vec<PathBuf>,
    /// Symbolic links in the tree that were not followed.
    pub links: usize,
    /// Links that lead back to a directory being searched, sorted: not followed again.
    pub loops: Vec<LinkLoop>,
    /// What could not be searched: the outcome is incomplete.
    pub errors: Vec<ScanError>,
    /// Problems that did not stop the search, such as an ignore file's bad line; each names
    /// its file.
    pub warnings: Vec<String>,
}

/// What the threads share.
#[derive(Default)]
struct Shared {
    read: Mutex<Vec<Read>>,
    errors: Mutex<Vec<ScanError>>,
    loops: Mutex<Vec<LinkLoop>>,
    warnings: Mutex<Vec<String>>,
    links: AtomicUsize,
}

/// One file read, by the path the walk reached it by.
struct Read {
    /// The file, by device and inode: a file reached by several paths (links followed,
    /// hard links) is counted and said once, by its first path in order (a
    /// seventy-fifth adversarial pass saw one file "3 places in 3 files").
    identity: Option<(u64, u64)>,
    path: PathBuf,
    /// What it holds; `None` for a binary file, not searched.
    found: Option<Vec<Found>>,
    bytes: u64,
}

/// The files `read` holds, each once: those with findings, the binary ones, how many
/// were searched and their bytes.
fn once(mut read: Vec<Read>) -> (Vec<FileFindings>, Vec<PathBuf>, usize, u64) {
    read.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = std::collections::HashSet::new();
    let (mut files, mut binary, mut searched, mut bytes) = (Vec::new(), Vec::new(), 0, 0u64);
    for file in read {
        if file.identity.is_some_and(|identity| !seen.insert(identity)) {
            continue;
        }
        match file.found {
            None => binary.push(file.path),
            Some(found) => {
                searched += 1;
                bytes = bytes.saturating_add(file.bytes);
                if !found.is_empty() {
                    files.push(FileFindings {
                        path: file.path,
                        found,
                    });
                }
            }
        }
    }
    (files, binary, searched, bytes)
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    match list.lock() {
        Ok(mut list) => list.push(item),
        Err(poisoned) => poisoned.into_inner().push(item),
    }
}

fn take<T>(list: Mutex<Vec<T>>) -> Vec<T> {
    list.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Needles {
    /// `path` with each name in it that spells a value replaced by
    /// `[a name holding the value of KEY]`.
    fn withheld(&self, path: PathBuf) -> PathBuf {
        use std::os::unix::ffi::OsStrExt as _;
        let spelled = |name: &std::ffi::OsStr| self.search(name.as_bytes()).into_iter().next();
        if !path.iter().any(|name| spelled(name).is_some()) {
            return path;
        }
        path.iter()
            .map(|name| match spelled(name) {
                Some(found) => {
                    std::ffi::OsString::from(format!("[a name holding the value of {}]", found.key))
                }
                None => name.to_owned(),
            })
            .collect()
    }
}

/// `path` without a leading `./`, as people write it.
fn shown(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .ok()
        .filter(|rest| !rest.as_os_str().is_empty())
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

impl Needles {
    /// `error`, its paths withheld where they hold a value ([`Needles::withheld`]).
    fn withheld_error(&self, error: ScanError) -> ScanError {
        match error {
            ScanError::Read { path, reason } => ScanError::Read {
                path: self.withheld(path),
                reason,
            },
            ScanError::Walk { path, reason } => ScanError::Walk {
                path: self.withheld(path),
                reason,
            },
            ScanError::Above { path, target } => ScanError::Above {
                path: self.withheld(path),
                target: self.withheld(target),
            },
        }
    }

    /// Searches every file under `paths` (files or directories) for the values, by
    /// [`Options`]; what could not be read is in [`Outcome::errors`], and the rest is
    /// still searched.
    pub fn scan(&self, paths: &[PathBuf], options: &Options) -> Outcome {
        let Some((first, rest)) = paths.split_first() else {
            return Outcome::default();
        };
        // A path given that is a link to a directory: walk the directory (a trailing `/`
        // makes the walk follow the link), since it was named.
        let root = |path: &PathBuf| -> PathBuf {
            let is_link = path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
            if is_link && path.is_dir() {
                let mut with_slash = path.clone().into_os_string();
                with_slash.push("/");
                PathBuf::from(with_slash)
            } else {
                path.clone()
            }
        };
        let mut builder = WalkBuilder::new(root(first));
        for path in rest {
            builder.add(root(path));
        }
        let honour = options.ignore_files;
        builder
            .hidden(false)
            .ignore(honour)
            .git_ignore(honour)
            .git_exclude(honour)
            .git_global(honour)
            .parents(honour)
            .require_git(false)
            .follow_links(options.follow_links)
            .threads(options.threads);
        let not_followed = not_followed(paths, options.follow_links);
        let kept = std::sync::Arc::clone(&not_followed);
        builder.filter_entry(move |entry| entry.file_name() != ".git" && kept.allows(entry));
        let shared = Shared::default();
        builder.build_parallel().run(|| {
            let shared = &shared;
            let mut buffer = Zeroizing::new(Vec::new());
            Box::new(move |entry| {
                self.visit(entry, &mut buffer, options, shared);
                WalkState::Continue
            })
        });
        // A file's name can hold a value too (`CANARY-7f3a9b.log`, an eighth adversarial
        // pass): every path said is withheld where it does.
        let (files, binary, searched, bytes) = once(take(shared.read));
        let mut files: Vec<FileFindings> = files
            .into_iter()
            .map(|file| FileFindings {
                path: self.withheld(file.path),
                ..file
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut binary: Vec<PathBuf> = binary.into_iter().map(|path| self.withheld(path)).collect();
        binary.sort();
        let above = not_followed
            .above()
            .into_iter()
            .map(|(path, target)| ScanError::Above { path, target });
        let mut errors: Vec<ScanError> = take(shared.errors)
            .into_iter()
            .chain(above)
            .map(|error| self.withheld_error(error))
            .collect();
        errors.sort_by_key(ToString::to_string);
        let (mut skipped, kernel) = not_followed.taken();
        let mut loops: Vec<LinkLoop> = take(shared.loops)
            .into_iter()
            .chain(skipped.drain(..))
            .map(|link| LinkLoop {
                path: self.withheld(link.path),
                ancestor: self.withheld(link.ancestor),
                endless: link.endless,
            })
            .collect();
        loops.sort_by(|a, b| a.path.cmp(&b.path));
        let mut warnings = take(shared.warnings);
        warnings.extend(kernel.into_iter().map(|(link, target)| {
            format!(
                "not followed: {} is a symbolic link into {}, the kernel's tree",
                crate::printable::path(&self.withheld(link)),
                crate::printable::path(&target)
            )
        }));
        warnings.sort();
        Outcome {
            files,
            searched,
            bytes,
            binary,
            links: shared.links.into_inner(),
            loops,
            errors,
            warnings,
        }
    }

    /// Searches one entry of the walk, if it is a file.
    fn visit(
        &self,
        entry: Result<ignore::DirEntry, ignore::Error>,
        buffer: &mut Vec<u8>,
        options: &Options,
        shared: &Shared,
    ) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                match (link_loop(&error), dangling(&error)) {
                    (Some(found), _) => push(&shared.loops, found),
                    // A link to nothing is no file that could not be searched (a
                    // seventy-fifth adversarial pass saw "not found" turn a finding's
                    // exit 1 into 2).
                    (None, Some(path)) => {
                        let target = std::fs::read_link(&path).unwrap_or_default();
                        push(
                            &shared.warnings,
                            format!(
                                "not searched: {} is a symbolic link to {}, which does not exist",
                                crate::printable::path(&self.withheld(shown(&path))),
                                crate::printable::path(&self.withheld(target))
                            ),
                        );
                    }
                    (None, None) => push(&shared.errors, walk_error(&error)),
                }
                return;
            }
        };
        if let Some(error) = entry.error() {
            // A bad line in an ignore file: the walk goes on without it.
            push(&shared.warnings, error.to_string());
        }
        let Some(kind) = entry.file_type() else {
            return;
        };
        // A path given is searched whatever it is (a link is followed: it was named);
        // in the tree, only regular files are, and links only when asked.
        let named = entry.depth() == 0;
        if kind.is_dir() {
            return;
        }
        if kind.is_symlink() && !named {
            shared.links.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if !kind.is_file() && !kind.is_symlink() && !named {
            // FIFOs, sockets and devices are not read.
            return;
        }
        let path = shown(entry.path());
        let follow = options.follow_links || named;
        let searched = open_stream(entry.path(), follow).and_then(|mut file| {
            use std::os::unix::fs::MetadataExt;
            let identity = file.metadata().ok().map(|meta| (meta.dev(), meta.ino()));
            self.search_reader(&mut file, buffer, CHUNK)
                .map(|(found, bytes)| (identity, found, bytes))
                .map_err(FileError::from)
        });
        match searched {
            Ok((identity, found, bytes)) => push(
                &shared.read,
                Read {
                    identity,
                    path,
                    found,
                    bytes,
                },
            ),
            Err(reason) => push(&shared.errors, ScanError::Read { path, reason }),
        }
    }
}

/// The link `error` could not follow because its target does not exist, if it is one.
fn dangling(error: &ignore::Error) -> Option<PathBuf> {
    let ScanError::Walk { path, .. } = walk_error(error) else {
        return None;
    };
    let missing = error
        .io_error()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
    (missing && std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_symlink()))
        .then_some(path)
}

/// The loop `error` reports, if it is one (the walk gives it with its depth).
fn link_loop(error: &ignore::Error) -> Option<LinkLoop> {
    match error {
        ignore::Error::Loop { ancestor, child } => Some(LinkLoop {
            path: shown(child),
            ancestor: shown(ancestor),
            endless: false,
        }),
        // Links that lead to each other (`a -> b`, `b -> a`): a loop too, not a path that
        // could not be searched (an eighth adversarial pass: `scan --follow` exited 2).
        ignore::Error::WithPath { path, err } if too_many_links(err) => {
            let target = std::fs::read_link(path).unwrap_or_default();
            Some(LinkLoop {
                path: shown(path),
                ancestor: shown(&path.parent().unwrap_or(Path::new("")).join(target)),
                endless: true,
            })
        }
        ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithPath { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => link_loop(err),
        _ => None,
    }
}

/// Whether `error` is, underneath, "too many levels of symbolic links" (`ELOOP`).
fn too_many_links(error: &ignore::Error) -> bool {
    match error {
        ignore::Error::Io(io) => io.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => too_many_links(err),
        ignore::Error::Partial(errors) => errors.iter().any(too_many_links),
        _ => false,
    }
}

/// An error of the walk, with the path it is about.
fn walk_error(error: &ignore::Error) -> ScanError {
    fn path_of(error: &ignore::Error) -> Option<(&Path, &ignore::Error)> {
        match error {
            ignore::Error::WithPath { path, err } => Some((path, err)),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    match path_of(error) {
        Some((path, inner)) => ScanError::Walk {
            path: shown(path),
            reason: reason(inner),
        },
        None => ScanError::Walk {
            path: PathBuf::new(),
            reason: reason(error),
        },
    }
}

/// What the operating system said, in the words [`FileError`] uses.
fn reason(error: &ignore::Error) -> String {
    match error.io_error() {
        Some(io) => FileError::from(std::io::Error::new(io.kind(), io.to_string())).to_string(),
        None => error.to_string(),
    }
}

/// The links `scan --follow` does not follow, beyond those the walk finds looping: one
/// that leads to a directory holding a path given (`tree/up -> ..`: the walk's own loop
/// check sees only the directories it is in, and the tree was searched twice; one above
/// every path given is an error, since its other files are not searched), and one
/// into the kernel's trees (`/proc/self`, which leads to the whole file system again,
/// `/sys`, `/dev`): a fifteenth adversarial pass.
struct NotFollowed {
    /// The paths given, as real paths; empty when links are not followed.
    roots: Vec<PathBuf>,
    /// The links that lead above a path given, with where.
    loops: Mutex<Vec<LinkLoop>>,
    /// The links into the kernel's trees, with where.
    kernel: Mutex<Vec<(PathBuf, PathBuf)>>,
    /// The links to a directory above every path given that holds it, with where.
    above: Mutex<Vec<(PathBuf, PathBuf)>>,
}

/// What [`NotFollowed`] needs of the paths given, when links are followed.
fn not_followed(paths: &[PathBuf], follow: bool) -> std::sync::Arc<NotFollowed> {
    let roots = if follow {
        paths
            .iter()
            .filter_map(|path| std::fs::canonicalize(path).ok())
            .collect()
    } else {
        Vec::new()
    };
    std::sync::Arc::new(NotFollowed {
        roots,
        loops: Mutex::new(Vec::new()),
        kernel: Mutex::new(Vec::new()),
        above: Mutex::new(Vec::new()),
    })
}

impl NotFollowed {
    /// Whether the walk may go into `entry` (a link below a path given is checked).
    fn allows(&self, entry: &ignore::DirEntry) -> bool {
        if self.roots.is_empty() || entry.depth() == 0 || !entry.path_is_symlink() {
            return true;
        }
        let Ok(target) = std::fs::canonicalize(entry.path()) else {
            return true;
        };
        if !target.is_dir() {
            return true;
        }
        if ["/proc", "/sys", "/dev"]
            .iter()
            .any(|tree| target.starts_with(tree))
        {
            push(&self.kernel, (shown(entry.path()), target));
            return false;
        }
        // Above every path given that it lies in: not searched (a link to `..`).
        let searched = self.roots.iter().any(|root| target.starts_with(root));
        if !searched && self.roots.iter().any(|root| root.starts_with(&target)) {
            push(&self.above, (shown(entry.path()), target));
            return false;
        }
        if self.roots.iter().any(|root| root.starts_with(&target)) {
            push(
                &self.loops,
                LinkLoop {
                    path: shown(entry.path()),
                    ancestor: shown(&target),
                    endless: false,
                },
            );
            return false;
        }
        true
    }

    /// What it kept from following.
    fn taken(&self) -> (Vec<LinkLoop>, Vec<(PathBuf, PathBuf)>) {
        (taken_from(&self.loops), taken_from(&self.kernel))
    }

    /// The links it did not follow to a directory above the paths given.
    fn above(&self) -> Vec<(PathBuf, PathBuf)> {
        taken_from(&self.above)
    }
}

/// What `list` holds, leaving it empty.
fn taken_from<T>(list: &Mutex<Vec<T>>) -> Vec<T> {
    std::mem::take(
        &mut *list
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
}
