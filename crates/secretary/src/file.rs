//! Opening the files secretary reads and writes, by one set of rules: each file is opened
//! once and everything after that (its type, its mode, its size, its contents) is taken
//! from the open descriptor, never from the path again; what is not a regular file (a
//! FIFO, a directory, a device) is refused without blocking; and every read is capped.
//!
//! - [`read`] reads a file whole: the manifest, a `.env` file, a token file, a CA bundle.
//! - `Dir::open_beneath` opens a file inside a directory without ever leaving it,
//!   however its symbolic links are swapped meanwhile (the `files` source): one component
//!   at a time, each opened relative to the one before with `O_NOFOLLOW`, and links
//!   resolved by hand, so a link that leads out is seen as such instead of followed.
//! - `open_append` opens the audit log: never through a symbolic link, created 0600.
//!
//! [`read`] and [`read_text`] are public, for programs that read files of their own beside
//! secretary's (the `secretary` command reads `lint`'s and `example`'s this way).

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use zeroize::Zeroizing;

/// Why a file could not be used. Carries no part of the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// It does not exist.
    #[error("not found")]
    NotFound,
    /// It is a FIFO, a directory, a socket or a device, which would block, never end, or
    /// not be text.
    #[error("not a regular file (it is {0})")]
    NotRegular(FileKind),
    /// It is larger than secretary reads.
    #[error("larger than the {} limit", size(*.limit))]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// It is a symbolic link where none is followed.
    #[error("a symbolic link, which is not followed here")]
    SymbolicLink,
    /// Its contents are not UTF-8 text, from this line on (counted from 1).
    #[error("not valid UTF-8 text (line {line})")]
    NotUtf8 {
        /// The line that holds the first byte that is not UTF-8.
        line: usize,
    },
    /// A symbolic link inside a directory that leads out of it.
    #[error("a symbolic link that leads outside its directory")]
    Escapes,
    /// Every user may write it, so anyone on the machine could change what it says.
    #[error("writable by every user on this machine (chmod o-w it)")]
    WorldWritable,
    /// Members of a group other than this user's own may write it (mode `g+w`, its
    /// group not this user's primary group), and so could change what it says.
    #[error("writable by the members of group id {0}, not this user's own group (chmod g-w it)")]
    GroupWritable(u32),
    /// Another user owns it (not this user, not root), and so decides what it says.
    #[error("owned by another user (user id {0}), who decides what it says")]
    NotOwned(u32),
    /// It is in `/proc`, `/sys` or `/dev` (not `/dev/shm`), which hold the system's
    /// state, not secrets: `/proc/self/environ` holds secretary's own environment, its
    /// credentials included.
    #[error("a file of the kernel's (/proc, /sys or /dev), not a file of secrets")]
    KernelTree,
    /// It changed between two reads of one command (written, or replaced, meanwhile).
    #[error("changed while it was read")]
    Changed,
    /// The operating system refused.
    #[error("{0}")]
    Io(String),
}

impl From<Errno> for FileError {
    fn from(errno: Errno) -> Self {
        match errno {
            Errno::NOENT => Self::NotFound,
            Errno::LOOP | Errno::MLINK => Self::SymbolicLink,
            Errno::ACCESS | Errno::PERM => Self::Io("permission denied".to_owned()),
            other => Self::Io(io::Error::from(other).to_string()),
        }
    }
}

impl From<io::Error> for FileError {
    fn from(error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::NotFound => Self::NotFound,
            io::ErrorKind::PermissionDenied => Self::Io("permission denied".to_owned()),
            _ => Self::Io(error.to_string()),
        }
    }
}

/// `16 MiB`, `1 MiB`, `512 KiB`, `100 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The largest manifest read.
pub const MANIFEST_LIMIT: u64 = 16 * 1024 * 1024;
/// The largest `.env` file read.
pub const DOTENV_LIMIT: u64 = 16 * 1024 * 1024;
/// The largest single secret read from a file, stdin or a token file.
pub const SECRET_LIMIT: u64 = 1024 * 1024;
/// The largest CA bundle or client certificate read.
pub const CERTIFICATE_LIMIT: u64 = 4 * 1024 * 1024;

/// A file opened for reading, with what `fstat` said of it.
#[derive(Debug)]
pub(crate) struct Opened {
    file: File,
    metadata: Metadata,
}

impl Opened {
    /// From a descriptor: refused unless it is a regular file.
    fn from_fd(fd: OwnedFd) -> Result<Self, FileError> {
        let file = File::from(fd);
        let metadata = file.metadata()?;
        if let Some(what) = not_regular(&metadata) {
            return Err(FileError::NotRegular(what));
        }
        // Asked of the descriptor, not of the path, which a link or a swap may have
        // pointed anywhere: a `.env` listed as `/proc/self/environ` (or a link to it)
        // handed secretary's whole environment to a secret (a fourth adversarial pass).
        // And by the file system it is on, wherever that is mounted: procfs at
        // `/host/proc` (a container's view of its host) is procfs too (a fifth adversarial
        // pass).
        if on_kernel_fs(&file) || real_path_of(&file).is_some_and(|real| in_kernel_tree(&real)) {
            return Err(FileError::KernelTree);
        }
        Ok(Self { file, metadata })
    }

    /// Its owner's user id.
    pub(crate) fn owner(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        self.metadata.uid()
    }

    /// Its group's id.
    pub(crate) fn group(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        self.metadata.gid()
    }

    /// The file itself, whatever the path or link it was opened by: its device and inode.
    pub(crate) fn identity(&self) -> (u64, u64) {
        use std::os::unix::fs::MetadataExt;
        (self.metadata.dev(), self.metadata.ino())
    }

    /// Its length in bytes when it was opened.
    pub(crate) fn len(&self) -> u64 {
        self.metadata.len()
    }

    /// Its permission bits.
    pub(crate) fn mode(&self) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        self.metadata.permissions().mode() & 0o7777
    }

    /// Itself, when no one but this user (or root) could have chosen what it says: not
    /// writable by every user ([`FileError::WorldWritable`]), nor by a group other than
    /// this user's own ([`FileError::GroupWritable`]; a private group, as a umask of 002
    /// makes files 0664, is this user's), nor owned by another user
    /// ([`FileError::NotOwned`]). For files that decide who secretary is or whom it
    /// trusts: a credential, a CA bundle, a client certificate and its key.
    pub(crate) fn trusted(self) -> Result<Self, FileError> {
        if self.mode() & 0o002 != 0 {
            return Err(FileError::WorldWritable);
        }
        let owner = self.owner();
        if owner != 0 && owner != rustix::process::geteuid().as_raw() {
            return Err(FileError::NotOwned(owner));
        }
        let group = self.group();
        if self.mode() & 0o020 != 0 && group != rustix::process::getegid().as_raw() {
            return Err(FileError::GroupWritable(group));
        }
        Ok(self)
    }

    /// Reads it whole, zeroed when dropped; more than `limit` bytes is an error (also
    /// when the file grows while it is read).
    pub(crate) fn read(mut self, limit: u64) -> Result<Zeroizing<Vec<u8>>, FileError> {
        if self.metadata.len() > limit {
            return Err(FileError::TooLarge { limit });
        }
        // The length may change before the read: never read more than `limit + 1`.
        let expected = usize::try_from(self.metadata.len()).unwrap_or(0);
        let mut bytes = Zeroizing::new(Vec::with_capacity(expected.saturating_add(1)));
        (&mut self.file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(FileError::TooLarge { limit });
        }
        Ok(bytes)
    }

    /// [`Opened::read`], as UTF-8 text.
    pub(crate) fn read_text(self, limit: u64) -> Result<Zeroizing<String>, FileError> {
        text(self.read(limit)?)
    }
}

/// What a file is, when it is not a regular file.
fn not_regular(metadata: &Metadata) -> Option<FileKind> {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some(FileKind::Directory)
    } else if kind.is_fifo() {
        Some(FileKind::Fifo)
    } else if kind.is_socket() {
        Some(FileKind::Socket)
    } else if kind.is_char_device() || kind.is_block_device() {
        Some(FileKind::Device)
    } else {
        Some(FileKind::Other)
    }
}

const READ: OFlags = OFlags::RDONLY
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    // Opening a FIFO must not wait for a writer; on a regular file this changes nothing.
    .union(OFlags::NONBLOCK);

/// Opens `path` (following symbolic links) for reading; refused unless it is a regular
/// file.
pub(crate) fn open(path: &Path) -> Result<Opened, FileError> {
    Opened::from_fd(rustix::fs::open(path, READ, Mode::empty())?)
}

/// Reads the regular file at `path`, at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> Result<Zeroizing<Vec<u8>>, FileError> {
    open(path)?.read(limit)
}

/// Reads the regular file at `path` as UTF-8 text, at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<Zeroizing<String>, FileError> {
    open(path)?.read_text(limit)
}

/// [`read_text`], refusing a symbolic link at `path` ([`FileError::SymbolicLink`]): for a
/// file whose contents are shown, which a link committed in a repository must not turn
/// into another file (`.env.example -> ~/.kube/config`).
pub fn read_text_no_link(path: &Path, limit: u64) -> Result<Zeroizing<String>, FileError> {
    Opened::from_fd(rustix::fs::open(
        path,
        READ | OFlags::NOFOLLOW,
        Mode::empty(),
    )?)?
    .read_text(limit)
}

/// Opens `path` to be read as a stream, of any length (`scan`): refused unless it is a
/// regular file, without ever blocking on a FIFO; with `follow_link` false, a symbolic
/// link at `path` is refused ([`FileError::SymbolicLink`]) rather than followed, so a
/// link swapped in after a directory was listed cannot lead the read elsewhere.
pub(crate) fn open_stream(path: &Path, follow_link: bool) -> Result<File, FileError> {
    let flags = if follow_link {
        READ
    } else {
        READ | OFlags::NOFOLLOW
    };
    Ok(Opened::from_fd(rustix::fs::open(path, flags, Mode::empty())?)?.file)
}

/// `bytes` as text, moved (not copied) out of their zeroizing buffer into another.
pub(crate) fn text(mut bytes: Zeroizing<Vec<u8>>) -> Result<Zeroizing<String>, FileError> {
    if let Err(error) = std::str::from_utf8(&bytes) {
        return Err(not_utf8(&bytes, error.valid_up_to()));
    }
    let bytes = std::mem::take(&mut *bytes);
    String::from_utf8(bytes)
        .map(Zeroizing::new)
        .map_err(|error| {
            // Unreachable (checked above); the buffer is still zeroed on the way out.
            let valid = error.utf8_error().valid_up_to();
            let bytes = Zeroizing::new(error.into_bytes());
            not_utf8(&bytes, valid)
        })
}

/// [`FileError::NotUtf8`] for `bytes`, valid up to `valid`: the line it stops on.
fn not_utf8(bytes: &[u8], valid: usize) -> FileError {
    let before = bytes.get(..valid).unwrap_or_default();
    FileError::NotUtf8 {
        // As many lines as pieces between line ends: one more than the line ends.
        line: before.split(|&byte| byte == b'\n').count(),
    }
}

/// How a log is opened: to append (and to read its first line), created 0600, never
/// through a symbolic link, never blocking on a FIFO.
const APPEND: OFlags = OFlags::RDWR
    .union(OFlags::APPEND)
    .union(OFlags::CREATE)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK);

/// Opens (creating it 0600) the file at `path` for appending, never through a symbolic
/// link; refused unless it is a regular file. Gives its permission bits too.
pub(crate) fn open_append(path: &Path) -> Result<(File, u32), FileError> {
    let fd = rustix::fs::open(path, APPEND, Mode::from_raw_mode(0o600))?;
    appendable(fd)
}

fn appendable(fd: OwnedFd) -> Result<(File, u32), FileError> {
    let file = File::from(fd);
    let metadata = file.metadata()?;
    if let Some(what) = not_regular(&metadata) {
        return Err(FileError::NotRegular(what));
    }
    Ok((
        file,
        std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o7777,
    ))
}

/// `path` relative to the working directory when it is below it, as the user would type
/// it; else as it is. The one place messages for people shorten a path: the command
/// line's and the Python package's errors both use it ([`Error::shown`](crate::Error::shown)),
/// and the manifest's own paths are shortened the same way (`shown_from`, from the
/// directory [`Manifest::discover`](crate::Manifest::discover) was given).
///
/// ```
/// let here = std::env::current_dir()?;
/// assert_eq!(secretary::file::shown_path(&here.join("app/.env")), std::path::Path::new("app/.env"));
/// assert_eq!(secretary::file::shown_path(std::path::Path::new("/elsewhere")), std::path::Path::new("/elsewhere"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn shown_path(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => shown_from(path, &cwd),
        Err(_) => path.to_path_buf(),
    }
}

/// `path` as the user would type it from `cwd`, a working directory the caller gives
/// ([`shown_path`] for the process's own): relative when it is below `cwd` (empty for
/// `cwd` itself), else as it is.
pub(crate) fn shown_from(path: &Path, cwd: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Whether `real` (a path with its links resolved) lies in one of the kernel's trees,
/// `/proc`, `/sys` or `/dev` (`/dev/shm`, a tmpfs for files, aside): never a secrets
/// mount to read, nor a place to write a file into (`/dev/stdout` is a link there).
///
/// ```
/// use std::path::Path;
/// use secretary::file::in_kernel_tree;
///
/// assert!(in_kernel_tree(Path::new("/proc/self")));
/// assert!(!in_kernel_tree(Path::new("/dev/shm/secrets")));
/// assert!(!in_kernel_tree(Path::new("/devices")));
/// ```
pub fn in_kernel_tree(real: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|system| real.starts_with(system))
        && !real.starts_with("/dev/shm")
}

/// Whether `file` is empty or ends with a newline: a line appended to it starts a line
/// of its own.
pub(crate) fn ends_a_line(file: &File) -> Result<bool, FileError> {
    use std::os::unix::fs::FileExt;
    let length = file.metadata()?.len();
    if length == 0 {
        return Ok(true);
    }
    let mut last = [0u8];
    let read = file.read_at(&mut last, length - 1)?;
    Ok(read == 0 || last[0] == b'\n')
}

/// The first line of `file` (at most 64 KiB of it), read without moving where it appends.
pub(crate) fn first_line(file: &File) -> Result<Zeroizing<Vec<u8>>, FileError> {
    use std::os::unix::fs::FileExt;
    let mut buffer = Zeroizing::new(vec![0; 64 * 1024]);
    let mut filled = 0;
    while filled < buffer.len() {
        let read = file.read_at(&mut buffer[filled..], u64::try_from(filled).unwrap_or(0))?;
        if read == 0 {
            break;
        }
        filled += read;
        if buffer[..filled].contains(&b'\n') {
            break;
        }
    }
    let end = buffer[..filled]
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(filled);
    buffer.truncate(end);
    Ok(buffer)
}

/// How many symbolic links one [`Dir::open_beneath`] follows at most (as Linux does).
const MAX_LINKS: usize = 40;

/// An open directory, to open files beneath it.
#[derive(Debug)]
pub(crate) struct Dir(OwnedFd);

impl Dir {
    /// Opens the directory at `path` (following symbolic links to it).
    pub(crate) fn open(path: &Path) -> Result<Self, FileError> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|errno| match errno {
            Errno::NOTDIR => FileError::NotRegular(FileKind::NotDirectory),
            other => other.into(),
        })?;
        Ok(Self(fd))
    }

    /// Where this open directory is, as the kernel knows it now: read from the descriptor
    /// (`/proc/self/fd` on Linux), so a path swapped after the open cannot change the
    /// answer. `None` where the system cannot say.
    pub(crate) fn real_path(&self) -> Option<std::path::PathBuf> {
        real_path_of(&self.0)
    }

    /// Opens (creating it 0600) the file at `path`, relative and beneath this directory,
    /// for appending: every component is opened with `O_NOFOLLOW`, so no symbolic link
    /// is followed at all, and `..` is refused.
    pub(crate) fn open_append_beneath(&self, path: &Path) -> Result<(File, u32), FileError> {
        use std::path::Component;
        let parts: Vec<&std::ffi::OsStr> = path
            .components()
            .map(|part| match part {
                Component::Normal(name) => Ok(name),
                _ => Err(FileError::Escapes),
            })
            .collect::<Result<_, _>>()?;
        let Some((last, dirs)) = parts.split_last() else {
            return Err(FileError::NotRegular(FileKind::Directory));
        };
        let mut stack: Vec<OwnedFd> = Vec::new();
        for dir in dirs {
            let here = stack.last().unwrap_or(&self.0);
            let fd = rustix::fs::openat(
                here,
                *dir,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|errno| match errno {
                Errno::NOTDIR | Errno::LOOP => FileError::SymbolicLink,
                other => other.into(),
            })?;
            stack.push(fd);
        }
        let here = stack.last().unwrap_or(&self.0);
        let fd = rustix::fs::openat(here, *last, APPEND, Mode::from_raw_mode(0o600))?;
        appendable(fd)
    }

    /// Opens `name` inside this directory for reading. Symbolic links are followed only
    /// while they stay inside it (Kubernetes' `..data` links do); one that leads out,
    /// absolute or through `..`, is [`FileError::Escapes`], whatever it points at. A link
    /// to nothing is [`FileError::NotFound`].
    pub(crate) fn open_beneath(&self, name: &str) -> Result<Opened, FileError> {
        // The directories walked into below this one; `..` steps back out of them.
        let mut stack: Vec<OwnedFd> = Vec::new();
        let mut pending: Vec<Vec<u8>> = vec![name.as_bytes().to_vec()];
        let mut links = 0;
        // `pending` holds the components still to walk, the next one last.
        while let Some(component) = pending.pop() {
            match component.as_slice() {
                b"" | b"." => continue,
                b".." => {
                    if stack.pop().is_none() {
                        return Err(FileError::Escapes);
                    }
                    continue;
                }
                _ => {}
            }
            let here = stack.last().unwrap_or(&self.0);
            let last = pending.is_empty();
            let flags = if last {
                READ | OFlags::NOFOLLOW
            } else {
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
            };
            match rustix::fs::openat(here, component.as_slice(), flags, Mode::empty()) {
                Ok(fd) if last => return Opened::from_fd(fd),
                Ok(fd) => stack.push(fd),
                // ELOOP: the last component is a link; ENOTDIR: a middle one may be.
                Err(errno @ (Errno::LOOP | Errno::NOTDIR | Errno::MLINK)) => {
                    // Counted before the read, so that a file swapped back and forth between
                    // a link and a file cannot keep us here either.
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(FileError::Io(
                            "too many levels of symbolic links".to_owned(),
                        ));
                    }
                    let target =
                        match rustix::fs::readlinkat(here, component.as_slice(), Vec::new()) {
                            Ok(target) => target.into_bytes(),
                            // Not a link (any more): swapped for a file meanwhile. Open it
                            // again.
                            Err(Errno::INVAL) if errno != Errno::NOTDIR => {
                                pending.push(component);
                                continue;
                            }
                            // A file where a directory was expected.
                            Err(Errno::INVAL) => return Err(errno.into()),
                            Err(other) => return Err(other.into()),
                        };
                    if target.first() == Some(&b'/') {
                        return Err(FileError::Escapes);
                    }
                    pending.extend(target.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
                }
                Err(errno) => return Err(errno.into()),
            }
        }
        // Only a name made of `.` and `..` gets here: it names a directory.
        Err(FileError::NotRegular(FileKind::Directory))
    }
}

/// Whether the open `file` is on a file system of the kernel's own (procfs, sysfs,
/// debugfs, securityfs, cgroup, tracefs, bpf, devpts, configfs), by the magic number
/// `fstatfs` answers: they hold the system's state, wherever they are mounted.
fn on_kernel_fs(file: &impl std::os::fd::AsFd) -> bool {
    #[cfg(target_os = "linux")]
    {
        const KERNEL_FS: [u64; 10] = [
            0x9fa0,      // proc
            0x6265_6572, // sysfs
            0x6462_6720, // debugfs
            0x7363_6673, // securityfs
            0x0027_e0eb, // cgroup
            0x6367_7270, // cgroup2
            0x7472_6163, // tracefs
            0xcafe_4a11, // bpf
            0x1cd1,      // devpts
            0x6265_6570, // configfs
        ];
        rustix::fs::fstatfs(file)
            .is_ok_and(|fs| u64::try_from(fs.f_type).is_ok_and(|kind| KERNEL_FS.contains(&kind)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        false
    }
}

/// Where the open `file` really is, asked of its descriptor (`/proc/self/fd`); `None`
/// where that cannot be asked.
fn real_path_of(file: &impl std::os::fd::AsFd) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        std::fs::read_link(format!("/proc/self/fd/{}", file.as_fd().as_raw_fd())).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

/// What is where a regular file belongs ([`FileError::NotRegular`]), as its `Display`
/// words it: `a directory`, `a FIFO`, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe, which would block.
    Fifo,
    /// A socket.
    Socket,
    /// A character or block device, which may never end.
    Device,
    /// Something else that is not a file.
    Other,
    /// Where a directory belongs, something that is not one.
    NotDirectory,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Directory => "a directory",
            Self::Fifo => "a FIFO",
            Self::Socket => "a socket",
            Self::Device => "a device",
            Self::Other => "not a file",
            Self::NotDirectory => "not a directory",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_utf8_is_named_by_its_line() {
        // A twenty-sixth adversarial pass: a manifest or `.env` with a stray byte was
        // "not valid UTF-8" with no line to look at.
        let bytes = Zeroizing::new(b"version = 1\n# caf\xe9\nx = 1\n".to_vec());
        assert_eq!(text(bytes).unwrap_err(), FileError::NotUtf8 { line: 2 });
        assert_eq!(
            text(Zeroizing::new(b"\xff".to_vec()))
                .unwrap_err()
                .to_string(),
            "not valid UTF-8 text (line 1)"
        );
        assert_eq!(&*text(Zeroizing::new(b"ok\n".to_vec())).unwrap(), "ok\n");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(100), "100 bytes");
        assert_eq!(
            FileError::TooLarge { limit: 1024 * 1024 }.to_string(),
            "larger than the 1 MiB limit"
        );
    }

    #[test]
    fn reads_are_capped_and_special_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(&*read(&path, 10).unwrap(), b"0123456789");
        assert_eq!(
            read(&path, 9).unwrap_err(),
            FileError::TooLarge { limit: 9 }
        );
        assert_eq!(
            read(dir.path(), 10).unwrap_err(),
            FileError::NotRegular(FileKind::Directory)
        );
        assert_eq!(
            read(Path::new("/dev/zero"), 10).unwrap_err(),
            FileError::NotRegular(FileKind::Device)
        );
        assert_eq!(
            read(&dir.path().join("none"), 10).unwrap_err(),
            FileError::NotFound
        );
    }

    #[test]
    fn walking_beneath_follows_inner_links_and_refuses_outer_ones() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("shadow"), "outside").unwrap();
        let root = tempfile::tempdir().unwrap();
        let at = |name: &str| root.path().join(name);
        std::fs::create_dir(at("..2026_01_01")).unwrap();
        std::fs::write(at("..2026_01_01/key"), "inside").unwrap();
        std::os::unix::fs::symlink("..2026_01_01", at("..data")).unwrap();
        std::os::unix::fs::symlink("..data/key", at("key")).unwrap();
        std::os::unix::fs::symlink("sub/../key", at("dotdot_inside")).unwrap();
        std::fs::create_dir(at("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("shadow"), at("absolute")).unwrap();
        std::os::unix::fs::symlink("../../../../../../../../etc/passwd", at("relative")).unwrap();
        std::os::unix::fs::symlink("relative", at("chain")).unwrap();
        std::os::unix::fs::symlink("missing", at("dangling")).unwrap();
        std::os::unix::fs::symlink("loop", at("loop")).unwrap();
        let dir = Dir::open(root.path()).unwrap();
        let text = |name: &str| -> Result<String, FileError> {
            let bytes = dir.open_beneath(name)?.read(100)?;
            Ok(String::from_utf8(bytes.to_vec()).unwrap())
        };
        assert_eq!(text("key").unwrap(), "inside");
        assert_eq!(text("dotdot_inside").unwrap(), "inside");
        assert_eq!(text("absolute").unwrap_err(), FileError::Escapes);
        assert_eq!(text("relative").unwrap_err(), FileError::Escapes);
        assert_eq!(text("chain").unwrap_err(), FileError::Escapes);
        assert_eq!(text("dangling").unwrap_err(), FileError::NotFound);
        assert!(matches!(text("loop").unwrap_err(), FileError::Io(_)));
        assert_eq!(
            text("sub").unwrap_err(),
            FileError::NotRegular(FileKind::Directory)
        );
        assert_eq!(text("none").unwrap_err(), FileError::NotFound);
    }

    #[test]
    fn a_kernel_file_system_is_known_by_its_type_not_its_path() {
        // procfs mounted elsewhere (`/host/proc`) is procfs too: what is asked is the
        // file system of the open file, not where it appears.
        let proc = std::fs::File::open("/proc/self/status").unwrap();
        assert!(on_kernel_fs(&proc));
        let plain = tempfile::NamedTempFile::new().unwrap();
        assert!(!on_kernel_fs(plain.as_file()));
    }
}
