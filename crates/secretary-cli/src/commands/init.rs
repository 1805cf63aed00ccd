//! `secretary init [--from FILE...] [--output FILE] [--production STORE]`: a first
//! manifest for an existing application, from its `.env` files (see [`secretary::init`]
//! for the rules); production reads `STORE` (`vault`, the default, or
//! `aws_secrets_manager`).
//!
//! - An existing manifest (or anything else at the output path, a link included) is
//!   never written over: exit 2 before any file is read. The new file is created
//!   exclusively (`O_EXCL`), so one that appears meanwhile is not written over either.
//! - Without `--from`: `.env` in the working directory, else `.env.example`.
//! - The files are listed in the manifest's `dotenv` source relative to the manifest's
//!   directory, so `secretary check` reads them again from there.
//! - What is said about the files names variables and lines, never a value.

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use secretary::init::{DotenvFile, InitError, LeftOut, LeftOutReason, draft_with};

use super::Failure;
use super::session::working_directory;
use super::settings::InitSettings;
use crate::diagnostic::Diagnostic;
use crate::exit::Status;
use crate::render::shown_path;

/// Says each variable left out of the manifest, and why; a name that looks like a secret
/// is not shown.
fn say_left_out(left_out: &[LeftOut]) {
    for left in left_out {
        let named = match left.reason {
            LeftOutReason::NameLooksReal(_) => "a variable".to_owned(),
            _ => format!("`{}`", secretary::printable::shortened(&left.name, 64)),
        };
        Diagnostic::warning(format!(
            "{}:{}: {named} not declared: {}",
            secretary::printable::path(&left.file),
            left.line,
            left.reason
        ))
        .say();
    }
}

pub fn run(settings: &InitSettings<'_>, out: &mut impl Write) -> Result<Status, Failure> {
    let InitSettings {
        from,
        output,
        store,
    } = *settings;
    let cwd = working_directory()?;
    let to_stdout = output.as_os_str() == "-";
    if !to_stdout && output.symlink_metadata().is_ok() {
        return Err(Failure::Exists(output.to_path_buf()));
    }
    let files = chosen(from)?;
    let mut texts = Vec::new();
    for path in &files {
        match secretary::file::read_text(path, secretary::file::DOTENV_LIMIT) {
            Ok(text) => texts.push(text),
            Err(reason) => {
                return Err(Failure::Unreadable {
                    path: path.clone(),
                    reason,
                });
            }
        }
    }
    // The manifest's directory, and each file as seen from it.
    let manifest = if to_stdout {
        located(&cwd.join("secrets.toml"))
    } else {
        located(&cwd.join(output))
    };
    let dir = manifest.parent().unwrap_or(&cwd).to_path_buf();
    let listed: Vec<String> = files
        .iter()
        .map(|path| relative(&dir, &located(&cwd.join(path))))
        .collect();
    let inputs: Vec<DotenvFile<'_>> = files
        .iter()
        .zip(&texts)
        .zip(&listed)
        .map(|((path, text), listed)| DotenvFile {
            shown: path,
            listed,
            text,
        })
        .collect();
    let app = dir.file_name().and_then(|name| name.to_str());
    let draft = draft_with(&inputs, app, &manifest, store).map_err(|error| {
        // None could be declared: each is said, with why, before the error.
        if let InitError::Empty { left_out, .. } = &error {
            say_left_out(left_out);
        }
        Failure::Draft(error)
    })?;
    say_left_out(&draft.left_out);
    if !draft.undescribed.is_empty() {
        const SHOWN: usize = 10;
        let mut named = draft
            .undescribed
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(more) = draft
            .undescribed
            .len()
            .checked_sub(SHOWN)
            .filter(|more| *more > 0)
        {
            named = format!("{named} and {more} more");
        }
        Diagnostic::note(format!(
            "the comments above {named} were not copied as descriptions: a comment may hold a value; write each secret's `description` in the manifest yourself"
        ))
        .say();
    }
    if to_stdout {
        out.write_all(draft.toml.as_bytes())?;
        return Ok(Status::Success);
    }
    match create(output, draft.toml.as_bytes()) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(Failure::Exists(output.to_path_buf()));
        }
        Err(error) => {
            return Err(Failure::Unwritable {
                path: output.to_path_buf(),
                reason: error.into(),
            });
        }
    }
    name_in_advice(output);
    summary(&draft, &manifest, &files, out)?;
    Ok(Status::Success)
}

/// `check` finds `secrets.toml` here, unless told otherwise: the advice names the file
/// written when it is another (a thirty-fifth adversarial pass).
fn name_in_advice(output: &Path) {
    if output != Path::new("secrets.toml") || std::env::var_os("SECRETARY_MANIFEST").is_some() {
        crate::invocation::manifest_given(output);
    }
}

/// The files to read: those given, else `.env`, else `.env.example`; [`Failure::NoDotenv`]
/// when there are none.
fn chosen(from: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    if !from.is_empty() {
        return Ok(from.to_vec());
    }
    [".env", ".env.example"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.symlink_metadata().is_ok())
        .map(|path| vec![path])
        .ok_or(Failure::NoDotenv)
}

/// What was written, on stdout.
fn summary(
    draft: &secretary::init::Draft,
    manifest: &Path,
    files: &[PathBuf],
    out: &mut impl Write,
) -> io::Result<()> {
    let secrets = draft.manifest.secrets();
    let sensitive = secrets.iter().filter(|s| s.sensitive).count();
    let required = secrets.iter().filter(|s| s.required).count();
    let shown: Vec<String> = files
        .iter()
        .map(|p| secretary::printable::path(p))
        .collect();
    writeln!(
        out,
        "wrote {}: {} secrets from {} ({sensitive} sensitive, {required} required); no value but the defaults of the others",
        secretary::printable::path(&shown_path(manifest)),
        secrets.len(),
        shown.join(", "),
    )?;
    writeln!(
        out,
        "{}",
        format_args!(
            "next: read it through (types, sensitive, required, defaults, aliases), then `{}`",
            crate::invocation::suggest("check", "")
        )
    )
}

/// Writes a new file at `path` (mode 0644: a manifest is committed and holds no value),
/// failing if anything is there already, a link included.
fn create(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        // Half a manifest would be read as one.
        let _ = fs::remove_file(path);
    }
    written
}

/// Where `path` (absolute) is: its directory's real path, links and `..` resolved as
/// the kernel resolves them, then its name (a thirtieth adversarial pass wrote
/// `link/../secrets.toml` beside the link's target, and listed its files from where the
/// link is); [`normalize`]d by name when the directory does not exist.
fn located(path: &Path) -> PathBuf {
    match (path.parent().map(std::fs::canonicalize), path.file_name()) {
        (Some(Ok(dir)), Some(name)) => dir.join(name),
        _ => normalize(path),
    }
}

/// `path` with `.` and `..` taken out by their names alone (no link is followed).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` as seen from the directory `from` (both absolute and normalized): `.env`,
/// `config/app.env`, `../shared/.env`.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to_parts: Vec<Component<'_>> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to_parts[common..] {
        path.push(part);
    }
    path.to_string_lossy().into_owned()
}
