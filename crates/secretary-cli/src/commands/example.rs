//! `secretary example [--env E] [--output FILE] [--check]`: the environment's `.env`
//! template, generated from the manifest (see [`secretary::template`]).
//!
//! - Without flags, the template goes to stdout; `--output FILE` writes it.
//! - `--check` compares FILE (default: `.env.example` for the default environment,
//!   `.env.NAME.example` otherwise, beside the manifest) with the template and exits 1
//!   with a unified diff when they differ, or when FILE is missing.
//! - A file that a `dotenv` source of the manifest reads holds values, not a template:
//!   it is neither written over nor compared (exit 2).
//! - The diff shows the template's side as it is (it comes from the manifest), but of the
//!   file's own lines only blank ones, comments the template also has, and the values of
//!   `sensitive = false` secrets: anything else the file holds may be a secret, and reads
//!   `[value not shown]`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use secretary::file::{self, FileError};
use secretary::source::DotenvConfig;
use secretary::{Manifest, SecretSpec, template};

use super::Failure;
use super::output::replace_file;
use super::session::Session;
use super::settings::ExampleSettings;
use crate::exit::Status;

/// `path` made absolute from `cwd`, with `.` and `..` taken out as written.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The `dotenv` source of `manifest` that reads `path`, if one does: the same path, or
/// the same file (device and inode, so a link or a hard link to a values file is one too).
fn values_source<'a>(manifest: &'a Manifest, cwd: &Path, path: &Path) -> Option<&'a str> {
    use std::os::unix::fs::MetadataExt;
    let wanted = absolute(cwd, path);
    let identity = |path: &Path| fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
    let wanted_file = identity(&wanted);
    manifest.sources().iter().find_map(|source| {
        let config = source.config.get::<DotenvConfig>()?;
        config
            .files
            .iter()
            .map(|file| absolute(cwd, &manifest.dir().join(file)))
            .any(|read| read == wanted || wanted_file.is_some() && identity(&read) == wanted_file)
            .then_some(source.name.as_str())
    })
}

/// The refusal of `path`, a values file that `source` reads, to be `refused` (written
/// over, or compared).
fn refuse(path: &Path, source: &str, refused: &'static str) -> Failure {
    Failure::ValuesFile {
        path: path.to_path_buf(),
        source: source.to_owned(),
        refused,
    }
}

/// The names of a compared file's lines that may be shown.
struct Names<'a> {
    /// Every env name the manifest declares: only these names are ever shown.
    declared: HashSet<&'a str>,
    /// Those whose values may be shown too, as `SecretSpec::may_show` allows (as
    /// `status` shows them).
    open: HashMap<&'a str, &'a SecretSpec>,
}

/// The line of the file being compared as it may be shown: a line the template also has,
/// a blank line, or `NAME=VALUE` with a name the manifest declares (`NAME=[value not
/// shown]`, unless its value is empty or may be shown). Anything else, a name included,
/// could be part of a secret (a base64 line ends with `=` too).
fn shown_line(line: &str, template: &HashSet<&str>, names: &Names<'_>) -> String {
    let line = line.trim_end_matches(['\n', '\r']);
    let trimmed = line.trim();
    if trimmed.is_empty() || template.contains(line) {
        return line.to_owned();
    }
    if trimmed.starts_with('#') {
        return "# [comment not shown]".to_owned();
    }
    let assignment = trimmed.strip_prefix("export ").unwrap_or(trimmed);
    match assignment.split_once('=') {
        Some((name, value)) if names.declared.contains(name.trim_end()) => {
            let name = name.trim_end();
            let value = value.trim();
            // A value that breaks its type may be anything, a secret pasted in the wrong
            // line included: shown only when it is what the type allows (`true`, `8080`).
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            let valid = names
                .open
                .get(name)
                .is_some_and(|spec| spec.may_show(unquoted));
            if value.is_empty() || valid {
                format!("{name}={value}")
            } else {
                format!("{name}=[value not shown]")
            }
        }
        _ => "[line not shown]".to_owned(),
    }
}

/// A unified diff from the file's `on_disk` text to the template `text`, with the file's
/// own lines shown as [`shown_line`] allows.
fn diff(manifest: &Manifest, on_disk: &str, text: &str, shown: &str) -> String {
    let template: HashSet<&str> = text.lines().collect();
    let names = Names {
        declared: manifest
            .secrets()
            .iter()
            .flat_map(|spec| spec.env.iter().map(String::as_str))
            .collect(),
        open: manifest
            .secrets()
            .iter()
            .filter(|spec| !spec.sensitive)
            .flat_map(|spec| spec.env.iter().map(|name| (name.as_str(), &**spec)))
            .collect(),
    };
    let diff = similar::TextDiff::from_lines(on_disk, text);
    let mut out = format!("--- {shown}\n+++ {shown} (from the manifest)\n");
    for hunk in diff.unified_diff().context_radius(2).iter_hunks() {
        let _ = writeln!(out, "{}", hunk.header());
        for change in hunk.iter_changes() {
            let line = change.value();
            // Each line as a terminal shows text from elsewhere: a committed file's
            // line may hold a vertical tab or U+2028 around a value `may_show` let
            // through (a twenty-ninth adversarial pass).
            let (mark, shown) = match change.tag() {
                similar::ChangeTag::Delete => ('-', shown_line(line, &template, &names)),
                similar::ChangeTag::Insert => ('+', line.trim_end_matches('\n').to_owned()),
                similar::ChangeTag::Equal => (' ', line.trim_end_matches('\n').to_owned()),
            };
            out.push(mark);
            out.push_str(&secretary::printable::text(&shown));
            out.push('\n');
        }
    }
    out
}

pub fn run(session: &Session, settings: &ExampleSettings<'_>) -> Result<Status, Failure> {
    let (manifest, environment, cwd) = (session.manifest(), session.environment(), session.cwd());
    let mut out = session.out();
    let output = settings.output;
    let text = template::render(manifest, environment);
    if !settings.check {
        // `-` is the standard output, as for `export` and `init` (a fifty-sixth
        // adversarial pass found a file named `-` written).
        match output.filter(|path| path.as_os_str() != "-") {
            None => out.write_all(text.as_bytes())?,
            Some(path) => {
                if let Some(source) = values_source(manifest, cwd, path) {
                    return Err(refuse(
                        path,
                        source,
                        "writing the template there would overwrite them",
                    ));
                }
                // Replaced, not written through: a hard link to a values file stays intact.
                replace_file(path, text.as_bytes(), 0o644).map_err(|error| {
                    io::Error::new(
                        error.kind(),
                        format!("cannot write {}: {error}", secretary::printable::path(path)),
                    )
                })?;
            }
        }
        return Ok(Status::Success);
    }
    let path = output.map_or_else(
        || {
            manifest
                .shown_dir()
                .join(template::file_name(manifest, environment))
        },
        Path::to_path_buf,
    );
    if let Some(source) = values_source(manifest, cwd, &path) {
        return Err(refuse(
            &path,
            source,
            "comparing it with the template would show them",
        ));
    }
    let fix = crate::invocation::suggest(
        "example",
        &format!("--output {}", secretary::printable::shell_path(&path)),
    )
    .to_string();
    // Not through a link: a template is a plain file, and a link committed in its place
    // could show another file's contents.
    let on_disk = match file::read_text_no_link(&path, file::DOTENV_LIMIT) {
        Ok(text) => text,
        Err(FileError::NotFound) => return Err(Failure::NoTemplate { path, fix }),
        Err(reason) => {
            return Err(io::Error::other(format!(
                "cannot read {}: {reason}",
                secretary::printable::path(&path)
            ))
            .into());
        }
    };
    if *on_disk == text {
        writeln!(
            out,
            "ok: {} matches the manifest (environment `{}`)",
            secretary::printable::path(&path),
            environment.name
        )?;
        return Ok(Status::Success);
    }
    let shown = secretary::printable::path(&path);
    write!(out, "{}", diff(manifest, &on_disk, &text, &shown))?;
    Err(Failure::Drifted {
        shown,
        manifest: manifest.shown_path(),
        environment: environment.name.clone(),
        fix,
    })
}
