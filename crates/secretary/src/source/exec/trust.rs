//! Which `exec` commands this user allowed, by manifest: direnv's model. A manifest
//! edited in a pull request must not make a developer's `secretary check` run a program
//! of its author's choosing, so an `exec` source runs only the exact command this user
//! allowed for this manifest (`secretary allow`), only the program file whose SHA-256
//! was recorded with it (by the link it was found through, if any), for a script only
//! through the interpreter its `#!` line named then, recorded the same way and run
//! directly (`exec/shebang.rs`), and only while every file and directory its arguments
//! name, the directory of each script the repository holds, and what Node would look up
//! above such a script, are as they were (`exec/pin.rs`, `exec/modules.rs`).
//!
//! The records live in the user's state directory (`SECRETARY_STATE_DIR`, else
//! `$XDG_STATE_HOME/secretary`, else `~/.local/state/secretary`), under `allowed/`, one
//! file per manifest (named by the SHA-256 of its real path), 0600 in a 0700 directory; a
//! record that another user owns, or that group or others may write, allows nothing.

pub use super::wrappers::Wrapper;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Variables;
use crate::file::{self, FileError};
use crate::manifest::Manifest;
use crate::source::hex;
use crate::source::kinds::ExecConfig;

use super::pin::PinError;
use super::shebang::{LaunchError, Run, Step};

/// The largest record read.
const RECORD_LIMIT: u64 = 1024 * 1024;

/// What is allowed for one `exec` source: everything that decides what runs and what it
/// is given. A pull request can change any of these: each must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowed {
    /// The command, as the manifest writes it.
    pub command: Vec<String>,
    /// The program it runs: its real path (found on `PATH`, or named by a path), so that
    /// a directory earlier on `PATH` (a repository's `bin/` that direnv or a virtual
    /// environment put there) cannot put another program in its place. It is run by
    /// [`link`](Self::link) when it was found through one.
    #[serde(default)]
    pub program: String,
    /// The SHA-256 (hex) of the program's file.
    #[serde(default)]
    pub program_sha256: String,
    /// The path the program is run by, when it is not its real path: a link, as a
    /// virtual environment's `bin/python`, by which Python finds its environment
    /// (`pyvenv.cfg`). Empty when the program is run by its real path. Another link to the
    /// same file (another environment) is another program.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
    /// When the program is a script, the interpreter its `#!` line names (and so on,
    /// while that is a script too: `exec/shebang.rs`), each pinned as the program is;
    /// `env` is followed to the program it looks up on `PATH`, not recorded. The last
    /// one is what is run, given the script. Empty for a program that is not a script;
    /// `None` in a record written before interpreters were recorded, which allows no
    /// script with a `#!` line.
    #[serde(default)]
    pub interpreters: Option<Vec<Interpreter>>,
    /// What else decides what runs, each with its SHA-256 (`exec/pin.rs`): every
    /// argument that names a file (a script given to an interpreter, a configuration) or
    /// a directory (a package), wherever it is; and, recursively, the directory of each
    /// file a pull request could change (`providers/` for `providers/op.py`), since an
    /// interpreter looks for modules there first. Files first, then directories (shown
    /// with a trailing `/`).
    #[serde(default)]
    pub files: Vec<(String, String)>,
    /// The variables it is given besides the basics (`pass_env`): a pull request must
    /// not hand a program the user allowed more of the user's credentials.
    #[serde(default)]
    pub pass_env: Vec<String>,
}

impl Allowed {
    /// The path the program is found at: [`link`](Self::link), else its real path.
    pub fn run_by(&self) -> &str {
        if self.link.is_empty() {
            &self.program
        } else {
            &self.link
        }
    }
}

/// An interpreter a script's `#!` line names (`#!/usr/bin/python3`, or `python3`, which
/// `#!/usr/bin/env python3` looks up on the provider's `PATH`), pinned as the program is:
/// a directory earlier on `PATH` cannot put another in its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpreter {
    /// What names it: `` `#!/usr/bin/env python3` of providers/op.py ``.
    pub named_by: String,
    /// Its real path.
    pub program: String,
    /// The SHA-256 (hex) of its file.
    pub sha256: String,
    /// The path it is found at and run by, when it is not its real path (a link, as a
    /// virtual environment's `bin/python`); empty when it is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
}

impl Interpreter {
    /// The path it is found at and run by: [`link`](Self::link), else its real path.
    pub fn run_by(&self) -> &str {
        if self.link.is_empty() {
            &self.program
        } else {
            &self.link
        }
    }
}

/// One manifest's record.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    /// The manifest's real path, for people reading the directory.
    manifest: String,
    /// By source name.
    sources: BTreeMap<String, Allowed>,
}

/// Why an `exec` source may not run, or why `allow` could not record it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// No state directory: neither `SECRETARY_STATE_DIR`, `XDG_STATE_HOME` nor `HOME`.
    #[error(
        "no state directory to keep allowed commands in (SECRETARY_STATE_DIR, XDG_STATE_HOME and HOME are unset)"
    )]
    NoStateDir,
    /// This user never allowed this source's command for this manifest.
    #[error(
        "exec source `{source_name}` runs `{command}`, which this user has not allowed for {manifest}"
    )]
    NotAllowed {
        /// The source.
        source_name: String,
        /// Its command, as the manifest writes it.
        command: String,
        /// The manifest.
        manifest: String,
    },
    /// The command changed since it was allowed.
    #[error("exec source `{source_name}` now runs `{command}`; `{was}` was allowed")]
    Changed {
        /// The source.
        source_name: String,
        /// The manifest, as it was loaded (its path names it in the hint).
        manifest: String,
        /// Its command now.
        command: String,
        /// The command allowed.
        was: String,
    },
    /// `pass_env` names other variables than when it was allowed.
    #[error("exec source `{source_name}` now passes the program [{pass_env}]; [{was}] was allowed")]
    PassEnvChanged {
        /// The source.
        source_name: String,
        /// The manifest, as it was loaded (its path names it in the hint).
        manifest: String,
        /// What it passes now.
        pass_env: String,
        /// What was allowed.
        was: String,
    },
    /// The program, or a file the command names, changed since it was allowed.
    #[error("exec source `{source_name}`: {program} changed since it was allowed")]
    ProgramChanged {
        /// The source.
        source_name: String,
        /// The manifest, as it was loaded (its path names it in the hint).
        manifest: String,
        /// The program's path.
        program: String,
    },
    /// A directory that would have to be pinned holds too much to be.
    #[error("exec source `{source_name}`: {path} is too large to pin ({limit})")]
    TooLarge {
        /// The source.
        source_name: String,
        /// The directory, as the command names it.
        path: String,
        /// Which limit it passed.
        limit: String,
    },
    /// A directory that would have to be pinned (the one holding a script) is the
    /// manifest's own, one above it, or a repository's root: anything added there could
    /// change what runs.
    #[error(
        "exec source `{source_name}`: {path} would have to be pinned, and it is {what}: anything added there could change what runs"
    )]
    Shared {
        /// The source.
        source_name: String,
        /// The directory, as shown.
        path: String,
        /// What it is.
        what: SharedDirectory,
    },
    /// The program belongs to a virtual environment inside the repository, whose
    /// `site-packages` a pull request could change (a `.pth` file there runs at start).
    #[error(
        "exec source `{source_name}`: `{program}` belongs to the virtual environment {environment}, which lies inside the repository: a change to the repository could put code in it that runs"
    )]
    Environment {
        /// The source.
        source_name: String,
        /// The program, as the command names it.
        program: String,
        /// The environment's directory, from the manifest's.
        environment: String,
    },
    /// A directory Node would look for modules in, inside the repository, is too large to
    /// pin.
    #[error(
        "exec source `{source_name}`: Node would look for modules in {path}, inside the repository, which is too large to pin ({limit}): a change to it could change what runs"
    )]
    LookupTooLarge {
        /// The source.
        source_name: String,
        /// The directory, from the manifest's.
        path: String,
        /// Which limit it passed.
        limit: String,
    },
    /// The program runs another program that it finds by itself, which cannot be pinned:
    /// a shell given text (`sh -c`), a launcher (`nice`, `timeout`), a runner (`uv
    /// run`).
    #[error("exec source `{source_name}`: `{program}` {what}")]
    Wrapper {
        /// The source.
        source_name: String,
        /// The program, as the command (or a `#!` line) names it.
        program: String,
        /// What it does.
        what: Wrapper,
    },
    /// An `env` on the way to the program (the command's, or a `#!` line's) sets a
    /// variable that makes programs run code or load files where its value says
    /// (`PERL5OPT`, `NODE_OPTIONS`, `BASH_ENV`, `PYTHONPATH`, `LD_PRELOAD`): what it names
    /// is not pinned.
    #[error(
        "exec source `{source_name}`: `env` sets `{name}`, which makes programs run code or load files where its value says: what it names is not pinned"
    )]
    Variable {
        /// The source.
        source_name: String,
        /// The variable's name (never its value).
        name: String,
    },
    /// Python is run with `-m` or `-c` (or its code on stdin), which puts its working
    /// directory, the manifest's, first on its module path.
    #[error(
        "exec source `{source_name}`: Python is run with `-m` or `-c`, which looks for modules in the manifest's directory first: a module added there by a change to the repository would run"
    )]
    WorkingDirectory {
        /// The source.
        source_name: String,
    },
    /// The program is a script whose interpreter (its `#!` line's) the record does not
    /// pin: it was allowed by an earlier secretary, which did not record interpreters.
    #[error(
        "exec source `{source_name}`: {program} is run by {interpreter}, which its `#!` line names and which was not recorded when it was allowed (by an earlier secretary)"
    )]
    InterpreterUnrecorded {
        /// The source.
        source_name: String,
        /// The manifest, as it was loaded (its path names it in the hint).
        manifest: String,
        /// The program, as the command names it.
        program: String,
        /// The interpreter, by the path it is found at.
        interpreter: String,
    },
    /// A script's `#!` line, or the `env` it names, cannot be followed to the program
    /// that would run.
    #[error("exec source `{source_name}`: {program}: {reason}")]
    Interpreter {
        /// The source.
        source_name: String,
        /// The script whose `#!` line it is.
        program: String,
        /// Why.
        reason: String,
    },
    /// The program file could not be read to be fingerprinted.
    #[error("exec source `{source_name}`: cannot read the program {program}: {reason}")]
    Program {
        /// The source.
        source_name: String,
        /// The program's path.
        program: String,
        /// Why.
        reason: String,
    },
    /// The record could not be read or written.
    #[error("the allowed commands in {path}: {reason}")]
    Store {
        /// The record's path.
        path: String,
        /// Why.
        reason: String,
    },
}

impl TrustError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::NoStateDir => "set SECRETARY_STATE_DIR to a directory of this user's".to_owned(),
            // The manifest named: pasted elsewhere, or after a run given another one,
            // a bare `secretary allow` allowed the manifest found from the working
            // directory (a thirty-fourth adversarial pass).
            Self::NotAllowed { manifest, .. }
            | Self::Changed { manifest, .. }
            | Self::ProgramChanged { manifest, .. }
            | Self::PassEnvChanged { manifest, .. } => format!(
                "read the manifest's exec sources (and the programs they name), then run `secretary --manifest {} allow` to let them run",
                crate::printable::shell_path(manifest)
            ),
            Self::InterpreterUnrecorded { manifest, .. } => format!(
                "read the program and the interpreter its `#!` line names, then run `secretary --manifest {} allow` again to pin both",
                crate::printable::shell_path(manifest)
            ),
            Self::Interpreter { .. } => "name the interpreter by its path in the script's `#!` line (`#!/usr/bin/python3`), or in the source's `command` (`[\"python3\", \"providers/op.py\"]`)".to_owned(),
            Self::Program { .. } => "check the source's `command`".to_owned(),
            Self::LookupTooLarge { .. } => "install the provider outside the repository (`npm install --global`, or a directory of your own) and name it there: Node then looks for its modules beside it".to_owned(),
            Self::Wrapper { what: Wrapper::Option(option), .. } => format!("leave `{option}` out of the command (and out of a `#!` line) and run the script directly (`[\"bash\", \"providers/op.sh\"]`); what it did can go in the script's own code, which `allow` pins"),
            Self::Wrapper { what: Wrapper::Module(_), .. } => "run a script of the provider's instead (`[\"python3\", \"providers/op.py\"]`), or a module of its own (`[\"python3\", \"-P\", \"-m\", \"company_provider\"]`), which `allow` pins or names".to_owned(),
            Self::Variable { .. } => "leave it out of the command's `env` (and of a `#!` line's): set what it would in the provider's own code, which `allow` pins".to_owned(),
            Self::Wrapper { .. } => "name the program that does the work in `command` (`[\"python3\", \"providers/op.py\"]`), by its path if PATH could find another; a shell's commands, a launcher or a runner can go inside that script, which `allow` pins".to_owned(),
            Self::WorkingDirectory { .. } => "put `-P` (Python 3.11 and later) or `-I` before `-m`/`-c` in the source's `command`, which keeps that directory off the module path, or run a script in a directory of its own (`providers/op.py`)".to_owned(),
            Self::Environment { .. } => "make the provider's virtual environment outside the repository (`python3 -m venv ~/.local/share/venvs/provider`) and name its interpreter by that path in `command` (or in the script's `#!` line), or install the provider with `pipx`; a script whose `#!` line looks its interpreter up on PATH (`#!/usr/bin/env python3`) finds the one of an activated environment".to_owned(),
            Self::TooLarge { .. } => format!(
                "give the provider a directory of its own holding only what it runs (at most {} entries and {} MiB)",
                super::pin::ENTRY_LIMIT,
                super::pin::BYTE_LIMIT / 1024 / 1024
            ),
            Self::Shared { .. } => "move the provider into a directory of its own (`providers/`) and name it there: `command = [\"python3\", \"providers/op.py\"]`".to_owned(),
            Self::Store { path, .. } => format!(
                "remove {} and allow each manifest's exec sources again (`secretary --manifest PATH allow`)",
                crate::printable::shell_path(path)
            ),
        }
    }
}

/// What a directory that would have to be pinned is, that anything added to it could
/// change what runs ([`TrustError::Shared`]); its `Display` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SharedDirectory {
    /// The manifest's own directory.
    Manifest,
    /// The root of the git repository.
    Repository,
    /// A directory above the manifest's, holding it.
    Above,
}

impl std::fmt::Display for SharedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Manifest => "the manifest's own directory",
            Self::Repository => "the root of the git repository",
            Self::Above => "a directory that holds the manifest's",
        })
    }
}

/// The user's state directory for secretary.
pub fn state_dir(vars: &Variables) -> Option<PathBuf> {
    let set = |name: &str| {
        vars.get(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    set("SECRETARY_STATE_DIR")
        .or_else(|| set("XDG_STATE_HOME").map(|dir| dir.join("secretary")))
        .or_else(|| set("HOME").map(|home| home.join(".local/state/secretary")))
}

/// What would be recorded for `command` now: the command; the program it resolves to
/// (on `vars`' `PATH`, or by a path from `base`, the manifest's directory) and its
/// SHA-256; the interpreters its `#!` line names ([`super::shebang`]); what
/// [`super::pin::pins`] pins; `pass_env`. And what to run: the last of those programs,
/// with its arguments.
pub(super) fn fingerprint(
    source_name: &str,
    command: &[String],
    pass_env: &[String],
    base: &Path,
    vars: &Variables,
) -> Result<(Allowed, Run), TrustError> {
    let failed = |program: &str, reason: String| TrustError::Program {
        source_name: source_name.to_owned(),
        program: program.to_owned(),
        reason,
    };
    let launch = super::shebang::launch(command, vars, base).map_err(|error| match error {
        LaunchError::Program { program, reason } => failed(&program, reason),
        LaunchError::Interpreter { program, reason } => TrustError::Interpreter {
            source_name: source_name.to_owned(),
            program,
            reason,
        },
    })?;
    let files = super::pin::pins(
        &launch.steps,
        &launch.changes,
        base,
        vars.get("HOME").map(Path::new),
    )
    .map_err(|error| match error {
        PinError::Unreadable { path, reason } => failed(&path, reason),
        PinError::TooLarge { path, limit } => TrustError::TooLarge {
            source_name: source_name.to_owned(),
            path,
            limit,
        },
        PinError::Shared { path, what } => TrustError::Shared {
            source_name: source_name.to_owned(),
            path,
            what,
        },
        PinError::LookupTooLarge { path, limit } => TrustError::LookupTooLarge {
            source_name: source_name.to_owned(),
            path,
            limit,
        },
        PinError::WorkingDirectory => TrustError::WorkingDirectory {
            source_name: source_name.to_owned(),
        },
        PinError::Variable { name } => TrustError::Variable {
            source_name: source_name.to_owned(),
            name,
        },
        PinError::Wrapper { program, what } => TrustError::Wrapper {
            source_name: source_name.to_owned(),
            program,
            what,
        },
        PinError::Environment {
            program,
            environment,
        } => TrustError::Environment {
            source_name: source_name.to_owned(),
            program,
            environment,
        },
    })?;
    let mut pass_env = pass_env.to_vec();
    pass_env.sort();
    let link = |step: &Step| {
        if step.found == step.real {
            String::new()
        } else {
            step.found.display().to_string()
        }
    };
    let Some((first, interpreters)) = launch.steps.split_first() else {
        return Err(failed(
            command.first().map_or("", String::as_str),
            "nothing to run".to_owned(),
        ));
    };
    let allowed = Allowed {
        command: command.to_vec(),
        program: first.real.display().to_string(),
        program_sha256: first.sha256.clone(),
        link: link(first),
        interpreters: Some(
            interpreters
                .iter()
                .map(|step| Interpreter {
                    named_by: step.named_by.clone(),
                    program: step.real.display().to_string(),
                    sha256: step.sha256.clone(),
                    link: link(step),
                })
                .collect(),
        ),
        files,
        pass_env,
    };
    Ok((allowed, launch.run()))
}

/// Whether this user allowed `now` for `source_name` of the manifest at `manifest`.
pub(super) fn verdict(
    manifest: &Path,
    source_name: &str,
    now: &Allowed,
    vars: &Variables,
) -> Result<(), TrustError> {
    let path = record_path(manifest, vars)?;
    let record = read(&path)?;
    let shown = |command: &[String]| shell_words(command);
    let named = manifest.display().to_string();
    match record.sources.get(source_name) {
        None => Err(TrustError::NotAllowed {
            source_name: source_name.to_owned(),
            command: shown(&now.command),
            manifest: named.clone(),
        }),
        Some(allowed) if allowed.command != now.command => Err(TrustError::Changed {
            source_name: source_name.to_owned(),
            manifest: named.clone(),
            command: shown(&now.command),
            was: shown(&allowed.command),
        }),
        Some(allowed) if allowed.program != now.program => Err(TrustError::ProgramChanged {
            source_name: source_name.to_owned(),
            manifest: named.clone(),
            program: format!("{} (it was {} when allowed)", now.program, allowed.program),
        }),
        Some(allowed) if allowed.link != now.link => Err(TrustError::ProgramChanged {
            source_name: source_name.to_owned(),
            manifest: named.clone(),
            program: format!(
                "{} (it was run by {} when allowed)",
                now.run_by(),
                allowed.run_by()
            ),
        }),
        Some(allowed) if allowed.program_sha256 != now.program_sha256 => {
            Err(TrustError::ProgramChanged {
                source_name: source_name.to_owned(),
                manifest: named.clone(),
                program: now.program.clone(),
            })
        }
        // A record written before interpreters were recorded pins none: right for a
        // program that is not a script.
        Some(allowed)
            if allowed.interpreters.as_deref().unwrap_or_default()
                != now.interpreters.as_deref().unwrap_or_default() =>
        {
            Err(changed_interpreter(source_name, &named, allowed, now))
        }
        Some(allowed) if allowed.files != now.files => Err(TrustError::ProgramChanged {
            source_name: source_name.to_owned(),
            manifest: named.clone(),
            program: changed_file(&allowed.files, &now.files),
        }),
        Some(allowed) if allowed.pass_env != now.pass_env => Err(TrustError::PassEnvChanged {
            source_name: source_name.to_owned(),
            manifest: named.clone(),
            pass_env: now.pass_env.join(", "),
            was: allowed.pass_env.join(", "),
        }),
        Some(_) => Ok(()),
    }
}

/// How the interpreters of `now` differ from those `allowed`: not recorded then, or the
/// first that changed.
fn changed_interpreter(
    source_name: &str,
    manifest: &str,
    allowed: &Allowed,
    now: &Allowed,
) -> TrustError {
    let now_list = now.interpreters.as_deref().unwrap_or_default();
    let Some(was_list) = allowed.interpreters.as_deref() else {
        return TrustError::InterpreterUnrecorded {
            source_name: source_name.to_owned(),
            manifest: manifest.to_owned(),
            program: allowed.command.first().cloned().unwrap_or_default(),
            interpreter: now_list
                .iter()
                .map(Interpreter::run_by)
                .collect::<Vec<_>>()
                .join(", then "),
        };
    };
    let all = |list: &[Interpreter]| {
        if list.is_empty() {
            "none".to_owned()
        } else {
            list.iter()
                .map(Interpreter::run_by)
                .collect::<Vec<_>>()
                .join(", then ")
        }
    };
    let program = match now_list.iter().zip(was_list).find(|(now, was)| now != was) {
        Some((now, was)) if now.program != was.program || now.link != was.link => format!(
            "the interpreter named by {}, {} (it was {} when allowed),",
            now.named_by,
            now.run_by(),
            was.run_by()
        ),
        Some((now, _)) => format!(
            "the interpreter named by {}, {},",
            now.named_by, now.program
        ),
        None => format!(
            "the interpreters of {}, {} ({} when allowed),",
            now.command.first().map_or("", String::as_str),
            all(now_list),
            all(was_list)
        ),
    };
    TrustError::ProgramChanged {
        source_name: source_name.to_owned(),
        manifest: manifest.to_owned(),
        program,
    }
}

/// The first file argument that differs between what was allowed and what is now.
fn changed_file(allowed: &[(String, String)], now: &[(String, String)]) -> String {
    now.iter()
        .find(|file| !allowed.contains(file))
        .or_else(|| allowed.iter().find(|file| !now.contains(file)))
        .map_or_else(String::new, |(name, _)| name.clone())
}

/// Records every `exec` source's command of `manifest` as allowed for this user, in
/// place of what was allowed before; returns what it recorded, by source name.
///
/// # Errors
/// When there is no state directory, a program named by a path cannot be read, or the
/// record cannot be written.
pub fn allow(manifest: &Manifest, vars: &Variables) -> Result<Vec<(String, Allowed)>, TrustError> {
    let mut record = Record {
        manifest: real(manifest.path()).display().to_string(),
        sources: BTreeMap::new(),
    };
    for source in manifest.sources() {
        if let Some(config) = source.config.get::<ExecConfig>() {
            let (allowed, _) = fingerprint(
                &source.name,
                &config.command,
                &config.pass_env,
                manifest.dir(),
                vars,
            )?;
            record.sources.insert(source.name.clone(), allowed);
        }
    }
    let path = record_path(manifest.path(), vars)?;
    write(&path, &record)?;
    Ok(record.sources.into_iter().collect())
}

/// The command as a shell would read it back (each word quoted when it needs to be).
pub fn shell_words(command: &[String]) -> String {
    command
        .iter()
        .map(|word| crate::printable::shell_word(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The manifest's real path (links resolved), or the path as given when it has none.
fn real(manifest: &Path) -> PathBuf {
    std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf())
}

/// Where the record of the manifest at `manifest` lives.
fn record_path(manifest: &Path, vars: &Variables) -> Result<PathBuf, TrustError> {
    let dir = state_dir(vars).ok_or(TrustError::NoStateDir)?;
    let real = real(manifest);
    let digest = ring::digest::digest(&ring::digest::SHA256, real.as_os_str().as_encoded_bytes());
    Ok(dir
        .join("allowed")
        .join(format!("{}.json", hex(digest.as_ref()))))
}

/// The record at `path`: empty when there is none; refused when another user owns it or
/// group or others may write it.
fn read(path: &Path) -> Result<Record, TrustError> {
    let failed = |reason: String| TrustError::Store {
        path: path.display().to_string(),
        reason,
    };
    let opened = match file::open(path) {
        Ok(opened) => opened,
        Err(FileError::NotFound) => return Ok(Record::default()),
        Err(error) => return Err(failed(error.to_string())),
    };
    if opened.owner() != rustix::process::getuid().as_raw() {
        return Err(failed("another user owns it".to_owned()));
    }
    if opened.mode() & 0o022 != 0 {
        return Err(failed(format!(
            "group or others may write it (mode {:04o})",
            opened.mode()
        )));
    }
    let text = opened
        .read_text(RECORD_LIMIT)
        .map_err(|error| failed(error.to_string()))?;
    serde_json::from_str(&text).map_err(|_| failed("it is not a record secretary wrote".to_owned()))
}

/// Writes `record` to `path` whole or not at all: a new file (0600) beside it, synced,
/// renamed over it.
fn write(path: &Path, record: &Record) -> Result<(), TrustError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let failed = |error: std::io::Error| TrustError::Store {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed)?;
    let text = serde_json::to_string_pretty(record).map_err(|error| failed(error.into()))?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("record"),
        std::process::id()
    ));
    // A file of a crashed run with this process id: never one of another's.
    let _ = std::fs::remove_file(&temporary);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(failed)?;
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(failed)
}
