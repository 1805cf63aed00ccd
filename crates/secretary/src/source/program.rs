//! Running a program a source depends on (`sops`): found on the caller's `PATH`, never
//! through a shell, with a scrubbed environment, its input on stdin, its output capped,
//! a deadline, and its stderr kept apart (a caller summarises it, never shows it: it may
//! quote what the program decrypted). It runs in a process group of its own, killed at
//! its deadline and as soon as it exits, so that nothing it started outlives it.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::Variables;

/// How much of stderr is kept: enough to classify, never shown.
const STDERR_LIMIT: usize = 64 * 1024;

/// How long the output pipes may stay open after the program exited and its process group
/// was killed (a child that left the group and keeps them): then what was read is used.
const DRAIN: Duration = Duration::from_secs(1);

/// A program to run once.
pub(crate) struct Program<'a> {
    /// What the user knows it as, in messages: the command's first word (a provider
    /// script run by the interpreter its `#!` line names is still the script).
    pub(crate) name: &'a str,
    /// Its path, already found ([`find`]).
    pub(crate) path: &'a Path,
    /// Its arguments (without its name).
    pub(crate) args: &'a [&'a str],
    /// Its working directory (the manifest's, where relative arguments start).
    pub(crate) dir: &'a Path,
    /// Its whole environment: nothing of secretary's own is inherited.
    pub(crate) env: Vec<(OsString, OsString)>,
    /// What it reads on stdin.
    pub(crate) stdin: &'a [u8],
    /// The most stdout may hold; more fails the run.
    pub(crate) limit: usize,
    /// How long it may take; then it is killed.
    pub(crate) timeout: Duration,
}

/// A program that ran to its end.
pub(crate) struct Finished {
    /// How it exited.
    pub(crate) status: ExitStatus,
    /// What it wrote to stdout, zeroed when dropped.
    pub(crate) stdout: Zeroizing<Vec<u8>>,
    /// The start of what it wrote to stderr, zeroed when dropped. Never shown.
    pub(crate) stderr: Zeroizing<Vec<u8>>,
}

/// Why a program could not be run to its end. Never carries its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// No such program on `PATH`.
    #[error("`{name}` is not on PATH")]
    NotFound {
        /// The program's name.
        name: String,
    },
    /// The operating system refused to start it.
    #[error("`{name}` could not be started: {reason}")]
    Spawn {
        /// The program's name.
        name: String,
        /// The operating system's reason.
        reason: String,
    },
    /// It took longer than allowed, and was killed.
    #[error("`{name}` did not finish within {seconds} s and was stopped")]
    TimedOut {
        /// The program's name.
        name: String,
        /// The limit, in seconds.
        seconds: u64,
    },
    /// It wrote more than allowed, and was killed.
    #[error("`{name}` wrote more than {limit} bytes and was stopped")]
    TooLarge {
        /// The program's name.
        name: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Where it was found, someone other than this user's own installation could have put
    /// it: it was not run.
    #[error("refusing to run {path}: {reason}")]
    Untrusted {
        /// Where it was found on `PATH`.
        path: String,
        /// Why it is not trusted.
        reason: String,
    },
}

/// The first executable file called `name` in `vars`' `PATH` (a name with a `/` is taken
/// as a path, from `base`).
pub(crate) fn find(name: &str, vars: &Variables, base: &Path) -> Result<PathBuf, ProgramError> {
    let executable = |path: &Path| {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let path = base.join(name);
        return if executable(&path) {
            Ok(path)
        } else {
            Err(ProgramError::NotFound {
                name: name.to_owned(),
            })
        };
    }
    vars.get("PATH")
        .map(std::env::split_paths)
        .into_iter()
        .flatten()
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|path| executable(path))
        .ok_or_else(|| ProgramError::NotFound {
            name: name.to_owned(),
        })
}

/// Whether the program found at `found` may be run for a manifest in `base`: `None`
/// when it may, else why not. Refused: a program beneath the manifest's directory or
/// inside the git repository that holds it (a pull request can add `bin/sops`, and a
/// `bin/` put first on `PATH` by direnv or a virtual environment finds it), and one
/// whose file or directory every user, or a group other than this user's own, may
/// write, or that another user than this one or root owns. Both the path found and its
/// real path (links resolved) are checked. Its content is not pinned.
pub(crate) fn untrusted(found: &Path, base: &Path, home: Option<&Path>) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(real) = std::fs::canonicalize(found) else {
        return Some("its real path cannot be resolved".to_owned());
    };
    let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let repository = repository_root(&base, home);
    for path in [found, real.as_path()] {
        if within(path, &base) {
            return Some(format!(
                "it lies beneath the manifest's directory {}, which a change to the repository can add it to",
                base.display()
            ));
        }
        if let Some(root) = repository.as_ref().filter(|root| within(path, root)) {
            return Some(format!(
                "it lies inside the git repository {}, which holds the manifest and which a change to the repository can add it to",
                root.display()
            ));
        }
    }
    // As `file::Opened::trusted`: writable by every user, or by a group other than this
    // user's own (a private group, as a umask of 002 makes, is this user's).
    let writable = |path: &Path| {
        use std::os::unix::fs::MetadataExt;
        let metadata = path.metadata().ok()?;
        let mode = metadata.permissions().mode();
        let others = mode & 0o002 != 0;
        let group = mode & 0o020 != 0 && metadata.gid() != rustix::process::getegid().as_raw();
        (others || group).then_some(mode)
    };
    if let Some(mode) = writable(&real) {
        return Some(format!(
            "group or others may write it (mode {:04o})",
            mode & 0o7777
        ));
    }
    // Owned by another user than this one or root: that user can replace it (a
    // nineteenth adversarial pass ran a `sops` of `nobody`'s, first on PATH).
    let foreign = |path: &Path| {
        use std::os::unix::fs::MetadataExt;
        let owner = path.metadata().ok()?.uid();
        (owner != 0 && owner != rustix::process::geteuid().as_raw()).then_some(owner)
    };
    for path in [real.as_path()]
        .into_iter()
        .chain(found.parent())
        .chain(real.parent())
    {
        if let Some(owner) = foreign(path) {
            return Some(format!(
                "{} belongs to another user (uid {owner}), who can replace it",
                path.display()
            ));
        }
    }
    for path in [found, real.as_path()] {
        let Some(dir) = path.parent() else { continue };
        if let Some(mode) = writable(dir) {
            return Some(format!(
                "group or others may write its directory {} (mode {:04o})",
                dir.display(),
                mode & 0o7777
            ));
        }
    }
    None
}

/// What marks the root of a working copy: git's, Jujutsu's, Mercurial's, Sapling's,
/// Subversion's, Bazaar's, darcs', Fossil's and Pijul's (a twenty-seventh adversarial
/// pass ran a `jj` repository's `bin/cat`, which a `.git` test did not see as one).
const REPOSITORY_MARKERS: [&str; 10] = [
    ".git",
    ".jj",
    ".hg",
    ".sl",
    ".svn",
    ".bzr",
    "_darcs",
    ".fslckout",
    "_FOSSIL_",
    ".pijul",
];

/// The root of the repository that holds `dir`: the outermost directory, `dir` itself
/// included, that holds one of [`REPOSITORY_MARKERS`], below the user's home directory
/// `home`; if any. The outermost, not the nearest: git refuses to commit a `.git`, but
/// not a `.hg`, `.jj` or any other mark, so a mark a pull request commits beside the
/// manifest would otherwise make the repository end there, and its `bin/` trusted again
/// (a twenty-eighth adversarial pass ran the repository's `bin/sops` that way). Below
/// the home directory: the home directory is not a working copy a pull request changes,
/// even when it holds the user's dotfiles as a git repository, and its `~/.local/bin`
/// is where the user's own programs are.
pub(crate) fn repository_root(dir: &Path, home: Option<&Path>) -> Option<PathBuf> {
    let home = home.map(|home| std::fs::canonicalize(home).unwrap_or_else(|_| home.to_path_buf()));
    dir.ancestors()
        .take_while(|ancestor| home.as_deref().is_none_or(|home| !same(ancestor, home)))
        .filter(|ancestor| {
            REPOSITORY_MARKERS
                .iter()
                .any(|marker| std::fs::symlink_metadata(ancestor.join(marker)).is_ok())
        })
        .last()
        .map(Path::to_path_buf)
}

/// Whether `a` and `b` are one directory (or file), told by device and inode: a bind
/// mount or another name of it is it.
pub(crate) fn same(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |path: &Path| {
        std::fs::metadata(path)
            .ok()
            .map(|metadata| (metadata.dev(), metadata.ino()))
    };
    a == b || id(a).is_some_and(|a| Some(a) == id(b))
}

/// Whether `path` lies beneath `dir` (or is it), told by the device and inode of each
/// directory on its way up, not by their names: a bind mount or another name of `dir`
/// is `dir` (a twenty-seventh adversarial pass reached the repository's `bin/` through
/// `mount --bind`, which a comparison of paths did not see).
pub(crate) fn within(path: &Path, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if path.starts_with(dir) {
        return true;
    }
    let Ok(target) = std::fs::metadata(dir) else {
        return false;
    };
    let id = |metadata: &std::fs::Metadata| (metadata.dev(), metadata.ino());
    path.ancestors().any(|ancestor| {
        std::fs::metadata(ancestor).is_ok_and(|metadata| id(&metadata) == id(&target))
    })
}

/// The variables of `vars` that `keep` accepts by name, for the environment of a program
/// run for a manifest in `base`; `PATH` without the directories a change to the
/// repository could add a program to ([`outside_repository`]).
pub(crate) fn scrubbed(
    vars: &Variables,
    base: &Path,
    keep: impl Fn(&str) -> bool,
) -> Vec<(OsString, OsString)> {
    vars.iter()
        .filter(|(name, _)| name.to_str().is_some_and(&keep))
        .map(|(name, value)| {
            if name == "PATH" {
                let home = vars.get("HOME").map(Path::new);
                (name.to_owned(), outside_repository(value, base, home))
            } else {
                (name.to_owned(), value.to_owned())
            }
        })
        .collect()
}

/// `path` (a `PATH`) without its relative directories and those beneath the manifest's
/// directory `base` or inside the git repository that holds it. What a program run for
/// a source looks up by itself (sops's `gpg`, a provider script's `cat`) is then never
/// a file of the branch's: a twenty-sixth adversarial pass had sops, installed outside
/// the repository, run the repository's `bin/gpg`, with `bin/` first on `PATH` as
/// direnv's `PATH_add bin` or an activated in-repository virtual environment puts it.
pub(crate) fn outside_repository(
    path: &std::ffi::OsStr,
    base: &Path,
    home: Option<&Path>,
) -> OsString {
    let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let repository = repository_root(&base, home);
    let kept = std::env::split_paths(path).filter(|dir| {
        if !dir.is_absolute() {
            return false;
        }
        let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        [dir.as_path(), real.as_path()].iter().all(|dir| {
            !within(dir, &base) && !repository.as_ref().is_some_and(|root| within(dir, root))
        })
    });
    // Every directory came out of `split_paths`, so none holds the separator.
    std::env::join_paths(kept).unwrap_or_default()
}

impl Program<'_> {
    /// Runs it to its end, or stops it at its deadline or its output limit.
    ///
    /// It is started as the leader of a process group of its own, and that group is
    /// killed when it runs past its deadline or its limit, and as soon as it exits: a
    /// child it left behind (a `sleep &`, a helper) neither outlives it nor holds its
    /// output open. Its output is what it wrote up to then, read for at most [`DRAIN`]
    /// more (from a process that left the group).
    pub(crate) fn run(&self) -> Result<Finished, ProgramError> {
        use std::os::unix::process::CommandExt;
        let name = self.name.to_owned();
        // Spawned and registered under [`RUNNING`]'s lock, and not at all once the
        // process is being stopped: a program spawned as the stop ended the process, not
        // yet registered, was never killed and outlived it (a thirty-eighth adversarial
        // pass).
        let mut registry = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        if KILLED.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ProgramError::Spawn {
                name,
                reason: "the process is being stopped".to_owned(),
            });
        }
        let mut child = Command::new(self.path)
            .args(self.args)
            .current_dir(self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|error| ProgramError::Spawn {
                name: name.clone(),
                reason: error.to_string(),
            })?;
        let running = Running::start(&child, &mut registry);
        drop(registry);
        let (sent, outputs) = mpsc::channel();
        if let Some(mut stdin) = child.stdin.take() {
            let input = Zeroizing::new(self.stdin.to_vec());
            // A program that exits without reading its input breaks the pipe: not an
            // error here, its status says what happened.
            thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        if let Some(stdout) = child.stdout.take() {
            let sent = sent.clone();
            thread::spawn(move || pieces(stdout, Stream::Out, &sent));
        }
        if let Some(stderr) = child.stderr.take() {
            let sent = sent.clone();
            thread::spawn(move || pieces(stderr, Stream::Err, &sent));
        }
        drop(sent);
        let mut output = Output::default();
        let deadline = Instant::now() + self.timeout;
        loop {
            if exited(&child) {
                break;
            }
            if output.stdout.len() > self.limit {
                drop(running);
                stop(&mut child);
                return Err(ProgramError::TooLarge {
                    name,
                    limit: self.limit,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                drop(running);
                stop(&mut child);
                return Err(ProgramError::TimedOut {
                    name,
                    seconds: self.timeout.as_secs(),
                });
            }
            let wait = (deadline - now).min(Duration::from_millis(10));
            if let Ok(piece) = outputs.recv_timeout(wait) {
                output.add(piece, self.limit);
            }
        }
        // It exited (and is not reaped yet, so its group's id is not anyone else's):
        // what it left behind goes with it, and the pipes close.
        kill_group(&child);
        drop(running);
        let status = child.wait().map_err(|error| ProgramError::Spawn {
            name: name.clone(),
            reason: error.to_string(),
        })?;
        let drained = Instant::now() + DRAIN;
        while !(output.out_done && output.err_done) {
            let left = drained.saturating_duration_since(Instant::now());
            match outputs.recv_timeout(left) {
                Ok(piece) => output.add(piece, self.limit),
                Err(_) => break,
            }
        }
        if output.stdout.len() > self.limit {
            return Err(ProgramError::TooLarge {
                name,
                limit: self.limit,
            });
        }
        Ok(Finished {
            status,
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }
}

/// Which output a piece was read from.
#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// A piece of a program's output, or the end of one output (`None`).
type Piece = (Stream, Option<Zeroizing<Vec<u8>>>);

/// Sends what `reader` gives, piece by piece, then its end; stops when no one listens.
fn pieces(mut reader: impl Read, stream: Stream, sent: &mpsc::Sender<Piece>) {
    let mut buffer = Zeroizing::new([0u8; 8192]);
    loop {
        let piece = match reader.read(&mut buffer[..]) {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(Zeroizing::new(buffer[..n].to_vec())),
        };
        let end = piece.is_none();
        if sent.send((stream, piece)).is_err() || end {
            return;
        }
    }
}

/// What a program wrote so far: stdout up to one byte past its limit (past it, the
/// program is stopped), the start of stderr (the rest is read and dropped, so that the
/// program never blocks on a full pipe).
#[derive(Default)]
struct Output {
    stdout: Zeroizing<Vec<u8>>,
    stderr: Zeroizing<Vec<u8>>,
    out_done: bool,
    err_done: bool,
}

impl Output {
    fn add(&mut self, (stream, piece): Piece, limit: usize) {
        let (kept, done, limit) = match stream {
            Stream::Out => (
                &mut self.stdout,
                &mut self.out_done,
                limit.saturating_add(1),
            ),
            Stream::Err => (&mut self.stderr, &mut self.err_done, STDERR_LIMIT),
        };
        match piece {
            None => *done = true,
            Some(piece) => {
                let room = limit.saturating_sub(kept.len());
                kept.extend_from_slice(&piece[..piece.len().min(room)]);
            }
        }
    }
}

/// The process groups of the programs running now (each program leads its own): what
/// [`kill_running`] kills when the process is stopped by a signal.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Set, under [`RUNNING`]'s lock, once [`kill_running`] has run: no program starts after
/// (each is spawned and registered under that lock). A provider that registered a moment
/// after the kill outlived `secretary check` stopped by SIGTERM, in one fresh test run
/// under load.
static KILLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A program's place in [`RUNNING`], from its start until it is reaped (given up just
/// before, while its group id is still its own).
struct Running(i32);

impl Running {
    /// Registers `child` in `running` ([`RUNNING`], locked by the caller since before
    /// the spawn).
    fn start(child: &std::process::Child, running: &mut Vec<i32>) -> Self {
        let group = rustix::process::Pid::from_child(child)
            .as_raw_nonzero()
            .get();
        running.push(group);
        Self(group)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|&group| group != self.0);
    }
}

/// Kills the process group of every program running now: a process stopped by a signal
/// must not leave a provider or `sops` running on (an eighth adversarial pass: a provider
/// in its own group outlived a SIGTERM to secretary, and Ctrl-C, which reaches only the
/// terminal's foreground group).
pub(crate) fn kill_running() {
    let groups = {
        let running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        KILLED.store(true, std::sync::atomic::Ordering::SeqCst);
        running.clone()
    };
    for group in groups {
        if let Some(group) = rustix::process::Pid::from_raw(group) {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
    }
}

/// Whether the program exited, leaving it unreaped (its process group keeps its id
/// until it is reaped).
fn exited(child: &std::process::Child) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let pid = Pid::from_child(child);
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    match waitid(WaitId::Pid(pid), options) {
        Ok(status) => status.is_some(),
        // Not waitable (reaped already): nothing is left to wait for.
        Err(_) => true,
    }
}

/// Kills the program's process group: the program, if it still runs, and whatever it
/// started that stayed in it.
fn kill_group(child: &std::process::Child) {
    let group = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
}

/// Kills a program and what it started, and reaps it.
fn stop(child: &mut std::process::Child) {
    kill_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests;
