//! The directory copies are kept in, on disk: refused unless it is this user's and no
//! one else may write it (checked at every read and write), and files written whole.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;

#[cfg(test)]
thread_local! {
    /// A disk that is full, for the writes of this thread (a test's): nothing can be
    /// written, and a file can still be removed.
    pub(super) static FULL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Writes `bytes` to `path` atomically, mode 0600, in a directory made 0700 if it is new.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(test)]
    if FULL.with(std::cell::Cell::get) {
        return Err(std::io::Error::from_raw_os_error(28));
    }
    let dir = directory_of(path);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    own_directory(dir)?;
    let mut suffix = [0u8; 8];
    crate::generate::fill_random(&mut suffix)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        u64::from_ne_bytes(suffix)
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc_nofollow())
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    File::open(dir)?.sync_all()
}

/// Refuses a directory another user owns, or that group or others may write: whoever
/// can write there can put back a copy that was forgotten after a refusal. Checked on
/// every read as on every write (an eighteenth adversarial pass put a
/// forgotten copy back in a directory open to all, and it was served at the next outage:
/// only writes were checked).
pub(super) fn own_directory(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let metadata = fs::metadata(dir)?;
    if metadata.uid() != rustix::process::getuid().as_raw() {
        return Err(std::io::Error::other(format!(
            "{} belongs to another user; the copy is kept only in a directory of this user's",
            dir.display()
        )));
    }
    if metadata.permissions().mode() & 0o022 != 0 {
        return Err(std::io::Error::other(format!(
            "group or others may write {} (mode {:04o}); run `chmod 700 {}`",
            crate::printable::path(dir),
            metadata.permissions().mode() & 0o7777,
            crate::printable::shell_path(dir)
        )));
    }
    // Nor may anyone else move it away and put another in its place: each directory
    // above it, as written and as it really is (links resolved), is this user's or
    // root's, and no one else may write it unless it is sticky (`/tmp`) (a twentieth
    // adversarial pass swapped the whole state directory in a parent open to all).
    let real = fs::canonicalize(dir)?;
    for above in dir.ancestors().skip(1).chain(real.ancestors().skip(1)) {
        if above.as_os_str().is_empty() {
            continue;
        }
        let metadata = fs::metadata(above)?;
        let mode = metadata.permissions().mode();
        let owner = metadata.uid();
        // Group members may write it only when the group is this user's own: its
        // primary group, numbered as the user is (a private group, as `useradd` makes).
        // A shared primary group (`users`) lets every member swap the directory (a
        // twenty-first adversarial pass).
        let own_group = metadata.gid() == rustix::process::getegid().as_raw()
            && metadata.gid() == rustix::process::getuid().as_raw();
        let others = mode & 0o002 != 0 || (mode & 0o020 != 0 && !own_group);
        let ours = owner == 0 || owner == rustix::process::getuid().as_raw();
        if !ours || (others && mode & 0o1000 == 0) {
            return Err(std::io::Error::other(format!(
                "another user could replace {} through {} (owner uid {owner}, mode {:04o})",
                dir.display(),
                above.display(),
                mode & 0o7777
            )));
        }
    }
    Ok(())
}

/// An exclusive lock on the copies' directory (`.lock` in it, `flock`), held until
/// dropped: a save's read, check and write, and a forgetting, each happen whole, so that
/// a forgetting cannot land between a save's check and its write.
pub(super) struct Locked {
    _file: File,
}

/// Makes `dir` (0700) if it is new, checks it ([`own_directory`]) and locks it, waiting
/// at most 10 s for another process's lock (a process that holds it longer is stuck:
/// the caller fails rather than hang).
pub(super) fn lock(dir: &Path) -> std::io::Result<Locked> {
    use rustix::fs::{FlockOperation, flock};
    use std::os::unix::fs::MetadataExt as _;
    // Nothing is made under a directory of another user's: root with another user's
    // HOME left root-owned `~/.local/state` there before the check refused it (a
    // twenty-third adversarial pass).
    if let Some(existing) = dir.ancestors().find(|above| above.exists()) {
        let owner = fs::metadata(existing)?.uid();
        if existing != dir && owner != 0 && owner != rustix::process::getuid().as_raw() {
            return Err(std::io::Error::other(format!(
                "{} belongs to another user (uid {owner}); nothing is made in it",
                existing.display()
            )));
        }
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    own_directory(dir)?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc_nofollow())
        .open(dir.join(".lock"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(Locked { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(error) => {
                return Err(std::io::Error::other(format!(
                    "cannot lock {}: {error}",
                    dir.join(".lock").display()
                )));
            }
        }
    }
}

/// The directory of the copy at `path`.
pub(super) fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// `O_NOFOLLOW`: a link planted where the temporary file goes is not followed.
fn libc_nofollow() -> i32 {
    i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0)
}
