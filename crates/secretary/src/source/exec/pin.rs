//! What `allow` pins beside the program: every argument that names a file or a directory,
//! wherever it is, and the directory of each file a pull request could change.
//!
//! - **A file argument** (`providers/op.py`, `../tools/op.py`, `/etc/op.toml`, the part
//!   after `=` in `--config=op.toml`): its SHA-256.
//! - **A directory argument** (`prov`, a Python package run as `python3 prov`): the
//!   directory, recursively ([`tree`]).
//! - **The directory of a file a pull request could change** (a file argument, or the
//!   program when it is named by a path or found inside the repository): recursively,
//!   since an interpreter puts a script's directory first on its path (`import json`
//!   finds a `json.py` added beside `op.py`). "Could change": inside the git repository
//!   that holds the manifest, or, outside any repository, beneath the manifest's
//!   directory. When that directory is the manifest's own, one above it, or the
//!   repository's root, nothing is pinned and `allow` is refused: it is too large to pin
//!   and anything added there can change what runs. A provider gets a directory of its
//!   own (`providers/`).
//! - **Each interpreter a script's `#!` line names** (`shebang.rs`) is held to the same
//!   rules as the program: its directory when the repository holds it, a file its
//!   `#!` line's argument names, its virtual environment, Python's `-m`, Node's lookups.
//! - **Where an interpreter finds more code of the repository** (`modules.rs`): for a
//!   JavaScript command, what Node looks up in each directory above a script up to the
//!   repository's root (`node_modules/`, `package.json`...), as it is or as absent; a
//!   program of a virtual environment inside the repository is refused.
//!
//! A directory is hashed with the name, the type and the content of each entry (the
//! target of a link as written, and what it leads to, followed once), at most
//! [`ENTRY_LIMIT`] entries and [`BYTE_LIMIT`] bytes of files: beyond, [`PinError`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::file;
use crate::manifest::{controls_programs, is_env_name};
use crate::source::hex;
use crate::source::program::{repository_root, same, within};

use super::env_words::Change;
use super::modules;
use super::shebang::Step;
use super::trust::SharedDirectory;
use super::wrappers::{self, Wrapper};

/// The most entries (files, directories, links, others) one pinned directory may hold.
pub const ENTRY_LIMIT: usize = 2000;

/// The most bytes of files one pinned directory may hold.
pub const BYTE_LIMIT: u64 = 64 * 1024 * 1024;

/// The largest single file pinned.
const FILE_LIMIT: u64 = 256 * 1024 * 1024;

/// Why something that decides what runs could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PinError {
    /// A file or directory could not be read.
    Unreadable { path: String, reason: String },
    /// A directory holds more than the limits.
    TooLarge { path: String, limit: String },
    /// A directory that would have to be pinned is the manifest's, above it, or a
    /// repository's root.
    Shared { path: String, what: SharedDirectory },
    /// The program belongs to a virtual environment inside the repository
    /// (`modules.rs`).
    Environment {
        program: String,
        environment: String,
    },
    /// A directory Node would look for modules in (`node_modules/`) holds more than the
    /// limits.
    LookupTooLarge { path: String, limit: String },
    /// Python is run so that it looks for modules in the manifest's directory first
    /// (`-m`, `-c`: `modules.rs`).
    WorkingDirectory,
    /// The program runs another that it finds by itself (`wrappers/`).
    Wrapper { program: String, what: Wrapper },
    /// An `env` on the way sets a variable that makes programs run code or load files
    /// where its value says (`PERL5OPT`, `NODE_OPTIONS`, `BASH_ENV`).
    Variable { name: String },
}

/// Refuses a variable an `env` on the way sets (`changes`) that makes programs run code
/// or load files where its value says ([`controls_programs`]: `PERL5OPT`,
/// `NODE_OPTIONS`, `RUBYOPT`, `PYTHON*`, `BASH_ENV`, `LD_*`...): the code its value
/// names (`-Mstrict;do"op.pl"`) is not pinned. So is a name no shell could set, which
/// only a program's own convention reads: bash takes `BASH_FUNC_echo%%=() { ...; }`
/// for a function, code given as text (a twenty-second adversarial pass).
fn variables(changes: &[Change]) -> Result<(), PinError> {
    for change in changes {
        if let Change::Set(name, _) = change {
            if controls_programs(name) || !is_env_name(name) {
                return Err(PinError::Variable { name: name.clone() });
            }
        }
    }
    Ok(())
}

/// Why `step` (its `words` as shown, `found` where it was found) cannot be pinned, if it
/// cannot: it runs another program it finds itself, it is a virtual environment's
/// inside the repository, or it is Python run so that it looks for modules in the
/// working directory.
fn refused(step: &Step, words: &[String], found: &Path, place: &Place) -> Result<(), PinError> {
    // The program by each of its names: as written, as found, its real path's.
    let names: Vec<String> = [Path::new(&step.name), found, step.real.as_path()]
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    if let Some(what) = wrappers::wrapped(&names, words.get(1..).unwrap_or_default(), &place.base) {
        return Err(PinError::Wrapper {
            program: step.name.clone(),
            what,
        });
    }
    if let Some(environment) = modules::environment_inside(found, &step.real, &place.boundary) {
        return Err(PinError::Environment {
            program: step.name.clone(),
            environment: format!("{}/", modules::relative(&place.base, &environment)),
        });
    }
    if modules::python_from_working_directory(words, found, &step.real, &place.base) {
        return Err(PinError::WorkingDirectory);
    }
    Ok(())
}

/// Where the pinning happens: the manifest's directory (real path) and the boundary of
/// what a pull request could change.
struct Place {
    base: PathBuf,
    boundary: PathBuf,
    repository: Option<PathBuf>,
}

/// Each pin of a command run from `base` that goes through `steps` (its program, then
/// each interpreter a `#!` line names: `shebang.rs`), each step held to the rules of a
/// program: files first (by argument), then directories, then, for a JavaScript
/// command, what Node looks up on the way to the repository's root (`modules.rs`), each
/// with its SHA-256 (hex) and as it is shown (`providers/op.py`, `providers/`,
/// `../node_modules/`). An interpreter's script is pinned as a program, not again as
/// its argument. A variable an `env` on the way sets (`changes`) is refused when it
/// makes programs run code ([`variables`]), else pinned as an argument `NAME=VALUE` would be, and so is each part of a value with a `:` (a path
/// list such as `PYTHONPATH`; an empty part is the working directory, `.`).
pub(super) fn pins(
    steps: &[Step],
    changes: &[Change],
    base: &Path,
    home: Option<&Path>,
) -> Result<Vec<(String, String)>, PinError> {
    let real_base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let repository = repository_root(&real_base, home);
    let place = Place {
        boundary: repository.clone().unwrap_or_else(|| real_base.clone()),
        base: real_base,
        repository,
    };
    let steps: Vec<(&Step, Vec<String>, PathBuf)> = steps
        .iter()
        .map(|step| {
            // The path it is run by, its directories' links resolved (the last link
            // kept).
            let found = match (
                step.found.parent().map(std::fs::canonicalize),
                step.found.file_name(),
            ) {
                (Some(Ok(dir)), Some(name)) => dir.join(name),
                _ => step.found.clone(),
            };
            (step, step.words(), found)
        })
        .collect();
    for (step, words, found) in &steps {
        refused(step, words, found, &place)?;
    }
    variables(changes)?;
    let mut pinned = Pinned::default();
    let mut node: Option<modules::NodeCommand> = None;
    for (index, (step, words, found)) in steps.iter().enumerate() {
        // The program, when a change to the repository could put something beside it.
        let program = step.real.as_path();
        let shown_program = if step.name.contains('/') {
            step.name.clone()
        } else {
            program.display().to_string()
        };
        pinned.script_dir(&place, &shown_program, program);
        if found != program {
            pinned.script_dir(&place, &shown_program, found);
        }
        let mut files = Vec::new();
        for (at, argument) in words.iter().enumerate().skip(1) {
            if step.script() == Some(at) {
                // Pinned as the program before it; an argument still, to tell Node's.
                if let Some((before, _, _)) = index.checked_sub(1).and_then(|i| steps.get(i)) {
                    files.push((argument.clone(), before.real.clone()));
                }
                continue;
            }
            if step.args.get(at - 1).is_some_and(|word| word.script) {
                // A program further back, passed on: pinned as such.
                continue;
            }
            files.extend(pinned.argument(&place, base, argument)?);
        }
        if let Some(now) = modules::node_command(words, found, program, &files) {
            node = Some(modules::NodeCommand {
                from_working_directory: now.from_working_directory
                    || node.is_some_and(|before| before.from_working_directory),
            });
        }
    }
    for change in changes {
        if let Change::Set(name, value) = change {
            pinned.argument(&place, base, &format!("{name}={value}"))?;
            if value.contains(':') {
                for part in value.split(':') {
                    pinned.argument(&place, base, if part.is_empty() { "." } else { part })?;
                }
            }
        }
    }
    let Pinned {
        mut files,
        arguments,
        dirs,
        ..
    } = pinned;
    let mut seen = BTreeSet::new();
    for (shown, dir) in dirs {
        if !seen.insert(dir.clone()) {
            continue;
        }
        place.check(&shown, &dir)?;
        files.push((shown.clone(), tree(&shown, &dir)?));
    }
    if let Some(node) = node {
        let pinned: Vec<PathBuf> = seen.into_iter().collect();
        let programs: Vec<&Path> = steps
            .iter()
            .flat_map(|(step, _, found)| [step.real.as_path(), found.as_path()])
            .collect();
        files.extend(place.node_pins(node, &programs, &arguments, &pinned)?);
    }
    Ok(files)
}

/// What is pinned so far: files (by argument, once each), the arguments that name
/// files, the directories to pin.
#[derive(Default)]
struct Pinned {
    files: Vec<(String, String)>,
    arguments: Vec<(String, PathBuf)>,
    dirs: Vec<(String, PathBuf)>,
    seen: BTreeSet<String>,
}

impl Pinned {
    /// The directory of `real` (shown from `shown`), when it lies inside the boundary
    /// (by device and inode: a twenty-eighth adversarial pass named the script through a
    /// bind mount of the repository, and its directory went unpinned).
    fn script_dir(&mut self, place: &Place, shown: &str, real: &Path) {
        if !within(real, &place.boundary) {
            return;
        }
        if let Some(dir) = real.parent() {
            let parent = Path::new(shown)
                .parent()
                .map(|p| p.display().to_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| dir.display().to_string());
            self.dirs.push((
                format!("{}/", parent.trim_end_matches('/')),
                dir.to_path_buf(),
            ));
        }
    }

    /// Pins what `argument` names from `base` (and the part after its `=`, and the
    /// value glued to a one-letter option: `lib` of `-Ilib`): a file, with its directory
    /// inside the boundary, or a directory. A path that names nothing yet (`./lib/hook`,
    /// which Node completes to `lib/hook.js`) pins the directory it would be in, inside
    /// the boundary (a thirteenth adversarial pass). The files it names, with their real
    /// paths.
    fn argument(
        &mut self,
        place: &Place,
        base: &Path,
        argument: &str,
    ) -> Result<Vec<(String, PathBuf)>, PinError> {
        let mut named = Vec::new();
        let after_equals = argument.split_once('=').map(|(_, path)| path);
        let glued = argument
            .strip_prefix('-')
            .filter(|rest| !rest.starts_with('-'))
            .and_then(|rest| rest.get(1..));
        for word in std::iter::once(argument).chain(after_equals).chain(glued) {
            if word.is_empty() {
                continue;
            }
            let Ok(real) = std::fs::canonicalize(base.join(word)) else {
                self.would_be_in(place, base, word);
                continue;
            };
            let Ok(metadata) = std::fs::metadata(&real) else {
                continue;
            };
            if metadata.is_file() {
                named.push((word.to_owned(), real.clone()));
                if !self.seen.insert(word.to_owned()) {
                    continue;
                }
                self.files.push((word.to_owned(), file_digest(&real)?));
                self.script_dir(place, word, &real);
                self.arguments.push((word.to_owned(), real));
            } else if metadata.is_dir() {
                let shown = if word.ends_with('/') {
                    word.to_owned()
                } else {
                    format!("{word}/")
                };
                self.dirs.push((shown, real));
            }
        }
        Ok(named)
    }
}

impl Pinned {
    /// The directory `word`, a path that names nothing yet, would be in, when it is a
    /// path (it holds a `/`) and that directory is inside the boundary: pinned as a
    /// script's directory is, since an interpreter may complete the path there
    /// (`./lib/hook` as `lib/hook.js`).
    fn would_be_in(&mut self, place: &Place, base: &Path, word: &str) {
        if !word.contains('/') || word.contains("://") {
            return;
        }
        let path = base.join(word);
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        if let Ok(real_dir) = std::fs::canonicalize(dir) {
            if real_dir.is_dir() {
                self.script_dir(place, word, &real_dir.join(name));
            }
        }
    }
}

/// What is at `path`, looked up by an interpreter: `absent`, a file's SHA-256, a
/// directory's ([`tree`]), or what else it is.
fn looked_up(shown: &str, path: &Path) -> Result<String, PinError> {
    let Ok(link) = std::fs::symlink_metadata(path) else {
        return Ok("absent".to_owned());
    };
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => tree(shown, path),
        Ok(metadata) if metadata.is_file() => file_digest(path),
        Ok(_) => Ok("other".to_owned()),
        // A link that leads nowhere (yet): its target as written.
        Err(_) if link.file_type().is_symlink() => Ok(format!(
            "link {}",
            std::fs::read_link(path).unwrap_or_default().display()
        )),
        Err(error) => Err(PinError::Unreadable {
            path: path.display().to_string(),
            reason: error.to_string(),
        }),
    }
}

impl Place {
    /// What Node looks up from the directory of each of `programs` and `arguments`
    /// inside the boundary (and from the manifest's directory, when `node` says so) up to
    /// the boundary, but inside the `pinned` directories: each as it is, or absent.
    fn node_pins(
        &self,
        node: modules::NodeCommand,
        programs: &[&Path],
        arguments: &[(String, PathBuf)],
        pinned: &[PathBuf],
    ) -> Result<Vec<(String, String)>, PinError> {
        let mut starts: Vec<PathBuf> = programs
            .iter()
            .copied()
            .chain(arguments.iter().map(|(_, real)| real.as_path()))
            .filter(|path| within(path, &self.boundary))
            .filter_map(Path::parent)
            .map(Path::to_path_buf)
            .collect();
        if node.from_working_directory {
            starts.push(self.base.clone());
        }
        modules::node_lookups(&starts, &self.boundary, pinned)
            .into_iter()
            .map(|path| {
                let mut shown = modules::relative(&self.base, &path);
                if path.ends_with("node_modules") {
                    shown.push('/');
                }
                looked_up(&shown, &path)
                    .map_err(|error| match error {
                        PinError::TooLarge { path, limit } => {
                            PinError::LookupTooLarge { path, limit }
                        }
                        other => other,
                    })
                    .map(|digest| (shown, digest))
            })
            .collect()
    }

    /// Refuses a directory too large to pin whose every file can change what runs.
    fn check(&self, shown: &str, dir: &Path) -> Result<(), PinError> {
        let what = if same(dir, &self.base) {
            Some(SharedDirectory::Manifest)
        } else if self
            .repository
            .as_deref()
            .is_some_and(|repository| same(dir, repository))
        {
            Some(SharedDirectory::Repository)
        } else if within(&self.base, dir) {
            Some(SharedDirectory::Above)
        } else {
            None
        };
        what.map_or(Ok(()), |what| {
            Err(PinError::Shared {
                path: shown.to_owned(),
                what,
            })
        })
    }
}

/// The SHA-256 (hex) of a regular file.
fn file_digest(path: &Path) -> Result<String, PinError> {
    let bytes = file::read(path, FILE_LIMIT).map_err(|error| PinError::Unreadable {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    Ok(hex(
        ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref()
    ))
}

/// The SHA-256 (hex) of the directory `dir`: of one line per entry, in name order, depth
/// first: its path from `dir`, its type, and its content (a file's SHA-256 and whether
/// it is executable; a link's target as written, then what it leads to, followed once).
pub(super) fn tree(shown: &str, dir: &Path) -> Result<String, PinError> {
    let mut walk = Walk {
        shown,
        entries: 0,
        bytes: 0,
        lines: ring::digest::Context::new(&ring::digest::SHA256),
        visited: BTreeSet::new(),
    };
    walk.dir(dir, "")?;
    Ok(hex(walk.lines.finish().as_ref()))
}

/// A directory being hashed.
struct Walk<'a> {
    shown: &'a str,
    entries: usize,
    bytes: u64,
    lines: ring::digest::Context,
    /// Directories entered (real paths): a link back to one is named, not followed.
    visited: BTreeSet<PathBuf>,
}

impl Walk<'_> {
    fn unreadable(path: &Path, error: &std::io::Error) -> PinError {
        PinError::Unreadable {
            path: path.display().to_string(),
            reason: error.to_string(),
        }
    }

    fn line(&mut self, relative: &str, kind: &str, content: &str) {
        for part in [relative, "\0", kind, "\0", content, "\n"] {
            self.lines.update(part.as_bytes());
        }
    }

    fn count(&mut self) -> Result<(), PinError> {
        self.entries += 1;
        if self.entries > ENTRY_LIMIT {
            return Err(PinError::TooLarge {
                path: self.shown.to_owned(),
                limit: format!("more than {ENTRY_LIMIT} entries"),
            });
        }
        Ok(())
    }

    fn dir(&mut self, dir: &Path, relative: &str) -> Result<(), PinError> {
        let real = std::fs::canonicalize(dir).map_err(|e| Self::unreadable(dir, &e))?;
        if !self.visited.insert(real) {
            self.line(relative, "loop", "");
            return Ok(());
        }
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Self::unreadable(dir, &e))?
            .map(|entry| entry.map(|entry| entry.file_name()))
            .collect::<Result<_, _>>()
            .map_err(|e| Self::unreadable(dir, &e))?;
        names.sort();
        for name in names {
            self.count()?;
            let path = dir.join(&name);
            let relative = format!("{relative}/{}", name.to_string_lossy());
            self.entry(&path, &relative, true)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, relative: &str, follow: bool) -> Result<(), PinError> {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::symlink_metadata(path).map_err(|e| Self::unreadable(path, &e))?;
        let kind = metadata.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(path).map_err(|e| Self::unreadable(path, &e))?;
            self.line(relative, "link", &target.to_string_lossy());
            // What it leads to, once: an interpreter follows it.
            if follow && std::fs::metadata(path).is_ok() {
                return self.entry_followed(path, relative);
            }
            return Ok(());
        }
        if kind.is_dir() {
            self.line(relative, "dir", "");
            return self.dir(path, relative);
        }
        if kind.is_file() {
            self.bytes = self.bytes.saturating_add(metadata.len());
            if self.bytes > BYTE_LIMIT {
                return Err(PinError::TooLarge {
                    path: self.shown.to_owned(),
                    limit: format!("more than {} MiB of files", BYTE_LIMIT / 1024 / 1024),
                });
            }
            let digest = file_digest(path)?;
            let executable = if metadata.permissions().mode() & 0o111 != 0 {
                "x"
            } else {
                "-"
            };
            self.line(relative, "file", &format!("{executable} {digest}"));
            return Ok(());
        }
        // A FIFO, a socket, a device: named, never read.
        self.line(relative, "other", "");
        Ok(())
    }

    /// The entry a link at `path` leads to, as if it were there (a link in it is named,
    /// not followed again).
    fn entry_followed(&mut self, path: &Path, relative: &str) -> Result<(), PinError> {
        let real = std::fs::canonicalize(path).map_err(|e| Self::unreadable(path, &e))?;
        self.entry(&real, &format!("{relative}->"), false)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn a_tree_changes_with_a_name_a_type_a_content_a_mode_or_a_link_target() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("op.py"), "print(1)\n").unwrap();
        std::fs::write(root.join("sub/helper.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("outside.py"), "y = 1\n").unwrap();
        std::os::unix::fs::symlink("../outside.py", root.join("linked.py")).unwrap();
        let first = tree("p/", &root).unwrap();
        assert_eq!(
            tree("p/", &root).unwrap(),
            first,
            "the same tree, the same hash"
        );
        let changes: [&dyn Fn(); 5] = [
            &|| std::fs::write(root.join("json.py"), "").unwrap(),
            &|| std::fs::write(root.join("sub/helper.py"), "x = 2\n").unwrap(),
            &|| {
                std::fs::set_permissions(
                    root.join("op.py"),
                    std::fs::Permissions::from_mode(0o755),
                )
                .unwrap();
            },
            // What a link leads to, outside the tree, changes.
            &|| std::fs::write(dir.path().join("outside.py"), "y = 2\n").unwrap(),
            &|| {
                std::fs::remove_file(root.join("linked.py")).unwrap();
                std::os::unix::fs::symlink("op.py", root.join("linked.py")).unwrap();
            },
        ];
        let mut last = first;
        for (index, change) in changes.iter().enumerate() {
            change();
            let now = tree("p/", &root).unwrap();
            assert_ne!(now, last, "change {index} went unseen");
            last = now;
        }
    }

    #[test]
    fn a_variable_an_env_sets_that_makes_programs_run_code_is_refused() {
        // A seventeenth adversarial pass: `env 'PERL5OPT=-Mstrict;do"./tools/op.pl"'
        // perl providers/op.pl` was allowed, and ran `tools/op.pl`, never pinned.
        for name in [
            "PERL5OPT",
            "NODE_OPTIONS",
            "RUBYOPT",
            "PYTHONSTARTUP",
            "PYTHONPATH",
            "BASH_ENV",
            "LD_PRELOAD",
            // A twenty-second: bash reads this name's value as a function's code; and
            // a name no shell could set is some program's own convention.
            "BASH_FUNC_echo%%",
            "echo%%",
            "A-B",
        ] {
            let set = Change::Set(name.to_owned(), "-Mstrict;do\"./tools/op.pl\"".to_owned());
            assert_eq!(
                variables(&[set]),
                Err(PinError::Variable {
                    name: name.to_owned()
                }),
                "{name}"
            );
        }
        // An application's own variable, and taking one away, change no program.
        let harmless = [
            Change::Set("FROM_SHEBANG".to_owned(), "yes".to_owned()),
            Change::Unset("PERL5OPT".to_owned()),
            Change::Clear,
        ];
        assert_eq!(variables(&harmless), Ok(()));
    }

    #[test]
    fn a_tree_past_its_limits_or_a_link_loop_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("again")).unwrap();
        assert!(
            tree("d/", dir.path()).is_ok(),
            "a loop is named, not followed"
        );
        for n in 0..=ENTRY_LIMIT {
            std::fs::write(dir.path().join(n.to_string()), "").unwrap();
        }
        assert_eq!(
            tree("d/", dir.path()),
            Err(PinError::TooLarge {
                path: "d/".to_owned(),
                limit: format!("more than {ENTRY_LIMIT} entries")
            })
        );
    }
}
