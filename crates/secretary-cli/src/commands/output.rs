//! Where a command's output goes: standard output ([`Stdout`], whose errors say they are
//! its own, and which a reader that went away does not fail), a file replaced whole
//! ([`replace_file`]), and JSON documents ([`write_json`]).

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Standard output, whose errors say that they are its own.
///
/// When its reader goes away (`secretary scan . | head`), what is written after is
/// dropped, and the command runs to its end and returns its verdict: `scan` that found
/// values still exits 1, `list` 0. Only `redact`, which could read its input for ever,
/// writes to stdout itself and stops at a closed pipe.
///
/// Written through a shared reference (`&Stdout` is [`Write`]), as `io::Stdout` is, so
/// that a command's [`super::Session`] can hand it out.
pub struct Stdout {
    inner: io::Stdout,
    /// The reader went away: nothing more is written.
    gone: AtomicBool,
}

impl Stdout {
    /// The process's standard output.
    pub fn new() -> Self {
        Self {
            inner: io::stdout(),
            gone: AtomicBool::new(false),
        }
    }

    /// `error`, marked as stdout's; a closed pipe is no error (and closes this).
    fn settle<T>(&self, result: io::Result<T>, instead: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.gone.store(true, Ordering::Relaxed);
                Ok(instead)
            }
            Err(error) => Err(io::Error::new(error.kind(), StdoutError(error))),
            Ok(value) => Ok(value),
        }
    }
}

impl Write for &Stdout {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // A signal ending the process: its report would blame the source it stopped.
        if self.gone.load(Ordering::Relaxed) || crate::interrupt::acting() {
            return Ok(bytes.len());
        }
        let written = (&self.inner).write(bytes);
        self.settle(written, bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone.load(Ordering::Relaxed) {
            return Ok(());
        }
        let flushed = (&self.inner).flush();
        self.settle(flushed, ())
    }
}

/// Whether `error` is a failed write to standard output ([`Stdout`]'s).
pub fn is_stdout_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<StdoutError>())
        .is_some()
}

/// A failed write to standard output, told apart from every other I/O error by its type.
#[derive(Debug)]
struct StdoutError(io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StdoutError {}

/// Writes `bytes` to `path` through a temporary file of `mode` in the same directory,
/// renamed into place: a reader never sees half a file, a failure leaves the old one as
/// it was, and a link (hard or symbolic) at `path` is replaced, never written through.
///
/// Only a regular file (or a link to one, or to nothing) is replaced: a FIFO, a device
/// or a directory at `path`, or behind a link there, is refused, and so is a path in the
/// kernel's trees (`/dev`, `/proc`, `/sys`; `/dev/shm` aside), where `--output
/// /dev/stdout` would replace the system's link with a file.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let refused = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what}; only a regular file is replaced (write to a file, or use stdout)"),
        )
    };
    let not_regular = |kind: fs::FileType| !kind.is_file() && !kind.is_symlink();
    if fs::symlink_metadata(path).is_ok_and(|meta| not_regular(meta.file_type()))
        || fs::metadata(path).is_ok_and(|meta| !meta.is_file())
    {
        return Err(refused(
            "it is not a regular file (a FIFO, a device or a directory)",
        ));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if fs::canonicalize(parent).is_ok_and(|real| secretary::file::in_kernel_tree(&real)) {
        return Err(refused("it is in a system directory (/dev, /proc or /sys)"));
    }
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".secretary-{}", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Writes `document` as pretty JSON and a newline, with `schema_version` first.
pub fn write_json(out: &mut impl Write, document: &impl serde::Serialize) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Versioned<'a, T> {
        schema_version: u32,
        #[serde(flatten)]
        document: &'a T,
    }
    let versioned = Versioned {
        schema_version: secretary::JSON_SCHEMA_VERSION,
        document,
    };
    serde_json::to_writer_pretty(&mut *out, &versioned).map_err(io::Error::other)?;
    writeln!(out)
}
