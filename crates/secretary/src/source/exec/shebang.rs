//! What runs when the program is a script: the interpreter its `#!` line names, found as
//! the kernel finds it (a path; a relative one from the manifest's directory, where the
//! program runs), and, when that is `env` (`#!/usr/bin/env python3`, `env -S`), the
//! program `env` would look up on the `PATH` the provider gets (`env_words.rs`); and so
//! on, while that program is a script too.
//!
//! `allow` pins each of them as it pins the command's program (`trust.rs`); `pin.rs`
//! holds each to the rules of a program (a virtual environment inside the repository,
//! Python's `-m`, Node's lookups); and the last one is run directly, by the path it was
//! found at, with the arguments the kernel and `env` would have given it, so that
//! nothing is looked up on `PATH` between the check and the run. `env` itself is read,
//! never run (and pinned only when the command names it). A program without a `#!` line
//! runs as it is.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::Variables;
use crate::file;
use crate::source::hex;
use crate::source::program;

use super::env_words::{self, Change, Word};

/// The most programs one command may go through (the kernel follows at most five
/// `#!` lines in a row).
const STEPS: usize = 8;

/// How much of a script the kernel reads for its `#!` line (`BINPRM_BUF_SIZE`).
const LINE_LIMIT: usize = 256;

/// The largest program file read (and hashed).
const PROGRAM_LIMIT: u64 = 256 * 1024 * 1024;

/// Where `execvp` (so `env`) looks when `PATH` is unset (glibc's `_CS_PATH`).
const DEFAULT_PATH: &str = "/bin:/usr/bin";

/// One program the command goes through.
#[derive(Debug, Clone)]
pub(super) struct Step {
    /// As named: the command's first word, a `#!` line's interpreter, or what `env`
    /// looks up.
    pub(super) name: String,
    /// Its arguments: for an interpreter, the script it runs among them.
    pub(super) args: Vec<Word>,
    /// The path it was found at, absolute: the path it is run by.
    pub(super) found: PathBuf,
    /// Its real path.
    pub(super) real: PathBuf,
    /// The SHA-256 (hex) of its file.
    pub(super) sha256: String,
    /// What named it (`` `#!/usr/bin/env python3` of providers/op.py ``); empty for the
    /// command's own program.
    pub(super) named_by: String,
}

impl Step {
    /// Its words as shown: its name, then its arguments.
    pub(super) fn words(&self) -> Vec<String> {
        std::iter::once(self.name.clone())
            .chain(self.args.iter().map(|word| word.shown.clone()))
            .collect()
    }

    /// Where its script is among [`words`](Self::words), for an interpreter: the first
    /// word that is a program before it.
    pub(super) fn script(&self) -> Option<usize> {
        self.args
            .iter()
            .position(|word| word.script)
            .map(|at| at + 1)
    }
}

/// Every program a command goes through, and what `env` changes on the way.
#[derive(Debug, Clone)]
pub(super) struct Launch {
    /// The command's program first; each next one runs the one before it.
    pub(super) steps: Vec<Step>,
    /// What `env` changes in the environment, in order.
    pub(super) changes: Vec<Change>,
}

/// What to run: the path, its arguments, and what to change in its environment.
#[derive(Debug, Clone, Default)]
pub(super) struct Run {
    /// The last program, by the path it was found at.
    pub(super) path: PathBuf,
    /// Its arguments, as passed (the script by the path it was run by).
    pub(super) args: Vec<String>,
    /// What the `env` on the way changes in its environment.
    pub(super) changes: Vec<Change>,
}

impl Launch {
    /// The last program, by the path it was found at, with the arguments it would be
    /// given.
    pub(super) fn run(&self) -> Run {
        self.steps.last().map_or_else(Run::default, |last| Run {
            path: last.found.clone(),
            args: last.args.iter().map(|word| word.run.clone()).collect(),
            changes: self.changes.clone(),
        })
    }
}

/// Why a command's programs could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LaunchError {
    /// The command's program cannot be found or read.
    Program { program: String, reason: String },
    /// A `#!` line or an `env` cannot be followed, or what it names cannot be found.
    Interpreter { program: String, reason: String },
}

/// The next program to find.
struct Next {
    name: String,
    args: Vec<Word>,
    found: PathBuf,
    named_by: String,
}

/// Every program `command`, run from `base` with `vars`' `PATH`, goes through.
pub(super) fn launch(
    command: &[String],
    vars: &Variables,
    base: &Path,
) -> Result<Launch, LaunchError> {
    let name = command.first().map_or("", String::as_str);
    let program = |reason: String| LaunchError::Program {
        program: name.to_owned(),
        reason,
    };
    let found = program::find(name, vars, base).map_err(|error| program(error.to_string()))?;
    let mut next = Next {
        name: name.to_owned(),
        args: command
            .iter()
            .skip(1)
            .map(|word| Word::plain(word))
            .collect(),
        found,
        named_by: String::new(),
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut changes = Vec::new();
    for _ in 0..STEPS {
        // The program whose `#!` line (or `env`) named this one, for a message.
        let first = steps.is_empty();
        let named = match steps.as_slice() {
            [] | [_] => name.to_owned(),
            [.., last] => shown(last),
        };
        let interpreter = |reason: String| LaunchError::Interpreter {
            program: named.clone(),
            reason: visible(&reason),
        };
        let (found, real, bytes) = open_program(&next.found).map_err(|reason| {
            if first {
                program(reason)
            } else {
                interpreter(format!("cannot read {}: {reason}", next.found.display()))
            }
        })?;
        let sha256 = hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
        let is_env = [&found, &real]
            .iter()
            .any(|path| path.file_name().is_some_and(|name| name == "env"));
        if is_env {
            // Read, never run: the command's own `env` is pinned as its program.
            let words = env_words::read(&next.args).map_err(&interpreter)?;
            if first {
                steps.push(Step {
                    name: next.name,
                    args: next.args,
                    found,
                    real,
                    sha256,
                    named_by: std::mem::replace(
                        &mut next.named_by,
                        "the command's `env`".to_owned(),
                    ),
                });
            }
            changes.extend(words.changes.iter().cloned());
            next = env_program(words, next.named_by, &changes, vars, base).map_err(&interpreter)?;
            continue;
        }
        let line = shebang(&bytes).map_err(|reason| LaunchError::Interpreter {
            program: if first {
                name.to_owned()
            } else {
                next.found.display().to_string()
            },
            reason,
        })?;
        let step = Step {
            name: next.name,
            args: next.args,
            found,
            real,
            sha256,
            named_by: next.named_by,
        };
        let Some(line) = line else {
            steps.push(step);
            return Ok(Launch { steps, changes });
        };
        let script = if first {
            step.name.clone()
        } else {
            shown(&step)
        };
        next = interpreter_of(&step, &script, line, vars, base)?;
        steps.push(step);
    }
    Err(LaunchError::Interpreter {
        program: name.to_owned(),
        reason: format!(
            "more than {STEPS} programs run one another (does a `#!` line name its own script?)"
        ),
    })
}

/// The program `env` runs when given `read`: found by its path, or on the `PATH` the
/// provider gets after `changes`.
fn env_program(
    read: env_words::Read,
    named_by: String,
    changes: &[Change],
    vars: &Variables,
    base: &Path,
) -> Result<Next, String> {
    let wanted = &read.program.run;
    let found = if wanted.contains('/') {
        program::find(wanted, vars, base)
    } else {
        let path = path_after(vars, changes);
        program::find(wanted, &Variables::from_pairs([("PATH", path)]), base)
    }
    .map_err(|_| {
        let mut reason = format!(
            "`env` looks for `{}` on PATH, which holds none",
            visible(wanted)
        );
        if wanted.contains(char::is_whitespace) {
            reason.push_str(" (`env -S` splits words)");
        }
        reason
    })?;
    Ok(Next {
        name: visible(&read.program.shown),
        args: read.args,
        found,
        named_by,
    })
}

/// The interpreter that the `#!` line `line` (as written, the interpreter, its argument)
/// of `step`, shown as `script`, names, given what the kernel gives it: its one
/// argument, the script by the path it was run by, then the script's arguments. A name
/// without a `/` is a path from the working directory: never looked up on `PATH`.
fn interpreter_of(
    step: &Step,
    script: &str,
    (written, path, argument): (String, String, Option<String>),
    vars: &Variables,
    base: &Path,
) -> Result<Next, LaunchError> {
    let mut args: Vec<Word> = argument.as_deref().map(Word::plain).into_iter().collect();
    args.push(Word {
        shown: script.to_owned(),
        run: step.found.display().to_string(),
        script: true,
    });
    args.extend(step.args.iter().cloned());
    let relative = if path.contains('/') {
        path.clone()
    } else {
        format!("./{path}")
    };
    let found = program::find(&relative, vars, base).map_err(|_| LaunchError::Interpreter {
        program: script.to_owned(),
        reason: format!(
            "its `{written}` line names {}, which is not an executable file",
            visible(&path)
        ),
    })?;
    Ok(Next {
        name: visible(&path),
        args,
        found,
        named_by: format!("`{written}` of {script}"),
    })
}

/// `text` (of a script: a pull request's to write) with each control character
/// spelled as an escape (`\r`, `\u{1b}`), so that it cannot paint a terminal.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A program that is not the command's own, as shown: the path it was found at.
fn shown(step: &Step) -> String {
    step.found.display().to_string()
}

/// The program found at `found`: that path made absolute, its real path, its bytes.
fn open_program(found: &Path) -> Result<(PathBuf, PathBuf, zeroize::Zeroizing<Vec<u8>>), String> {
    let found = std::path::absolute(found).map_err(|error| error.to_string())?;
    let real = std::fs::canonicalize(&found).map_err(|error| error.to_string())?;
    let bytes = file::read(&real, PROGRAM_LIMIT).map_err(|error| error.to_string())?;
    Ok((found, real, bytes))
}

/// The `PATH` `env` looks its program up on: `vars`' (the provider's), after `changes`.
fn path_after(vars: &Variables, changes: &[Change]) -> OsString {
    let mut path = vars.get("PATH").map(ToOwned::to_owned);
    for change in changes {
        match change {
            Change::Clear => path = None,
            Change::Unset(name) if name == "PATH" => path = None,
            Change::Set(name, value) if name == "PATH" => path = Some(value.into()),
            Change::Unset(_) | Change::Set(..) => {}
        }
    }
    path.unwrap_or_else(|| DEFAULT_PATH.into())
}

/// The `#!` line of a file that starts with `bytes`, as Linux reads it
/// (`fs/binfmt_script.c`): the line as written, the interpreter (up to the first space or
/// tab), and its one optional argument (the rest, spaces and tabs around it trimmed), in
/// the first [`LINE_LIMIT`] bytes. `None` without `#!`.
fn shebang(bytes: &[u8]) -> Result<Option<(String, String, Option<String>)>, String> {
    if !bytes.starts_with(b"#!") {
        return Ok(None);
    }
    let spacetab = |b: u8| b == b' ' || b == b'\t';
    let terminator = |b: u8| spacetab(b) || b == 0;
    // What the kernel reads: past the end of the file, zeros.
    let mut buf = [0u8; LINE_LIMIT];
    for (to, from) in buf.iter_mut().zip(bytes) {
        *to = *from;
    }
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let last = LINE_LIMIT - 1;
    let mut end = buf.iter().position(|&b| b == b'\n').unwrap_or(last);
    if end == last && buf.get(last) != Some(&b'\n') {
        // No end of line: the interpreter's name must end within what is read.
        let name = (2..last).find(|&i| !spacetab(at(i)));
        if !name.is_some_and(|name| (name..last).any(|i| terminator(at(i)))) {
            return Err(format!(
                "its `#!` line is longer than the {last} bytes the kernel reads"
            ));
        }
    }
    while end > 2 && spacetab(at(end - 1)) {
        end -= 1;
    }
    let text = |from: usize, to: usize| {
        let slice = buf.get(from..to).unwrap_or_default();
        // A C string: up to its first NUL.
        let slice = slice.split(|&b| b == 0).next().unwrap_or_default();
        String::from_utf8(slice.to_vec()).map_err(|_| "its `#!` line is not UTF-8".to_owned())
    };
    let Some(start) = (2..end).find(|&i| !spacetab(at(i))) else {
        return Err("its `#!` line names no interpreter".to_owned());
    };
    let separator = (start..end).find(|&i| terminator(at(i)));
    let interpreter = text(start, separator.unwrap_or(end))?;
    let argument = match separator {
        Some(separator) if at(separator) != 0 => (separator..end)
            .find(|&i| !spacetab(at(i)))
            .map(|from| text(from, end))
            .transpose()?,
        _ => None,
    };
    let written = visible(&text(0, end)?);
    Ok(Some((written, interpreter, argument)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn a_shebang_line_is_read_as_the_kernel_reads_it() {
        let read = |text: &[u8]| shebang(text).unwrap();
        let some = |written: &str, name: &str, argument: Option<&str>| {
            Some((
                written.to_owned(),
                name.to_owned(),
                argument.map(ToOwned::to_owned),
            ))
        };
        assert_eq!(read(b"print(1)\n"), None);
        assert_eq!(read(b"\x7fELF"), None);
        assert_eq!(
            read(b"#!/usr/bin/env python3\nimport x\n"),
            some("#!/usr/bin/env python3", "/usr/bin/env", Some("python3"))
        );
        // One argument: the rest of the line, spaces inside it kept.
        assert_eq!(
            read(b"#! /usr/bin/env  -S python3 -u \t\nx"),
            some(
                "#! /usr/bin/env  -S python3 -u",
                "/usr/bin/env",
                Some("-S python3 -u")
            )
        );
        assert_eq!(read(b"#!/bin/sh"), some("#!/bin/sh", "/bin/sh", None));
        assert_eq!(
            read(b"#!python3 -I\n"),
            some("#!python3 -I", "python3", Some("-I"))
        );
        // A carriage return is part of the name, as for the kernel.
        assert_eq!(
            read(b"#!/usr/bin/python3\r\n"),
            some(r"#!/usr/bin/python3\r", "/usr/bin/python3\r", None)
        );
        assert!(shebang(b"#!   \n").is_err());
        let long = format!("#!/{}\n", "a".repeat(300));
        assert!(shebang(long.as_bytes()).is_err());
        // A long argument is cut where the kernel stops reading.
        let long = format!("#!/bin/sh {}\n", "a".repeat(300));
        let (_, name, argument) = read(long.as_bytes()).unwrap();
        assert_eq!(name, "/bin/sh");
        assert_eq!(argument.unwrap().len(), LINE_LIMIT - 1 - "#!/bin/sh ".len());
    }

    fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn env_is_followed_on_the_providers_path_and_never_run() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = script(&bin, "tool", "#!/bin/sh\necho\n");
        script(
            dir.path(),
            "op",
            "#!/usr/bin/env -S tool --flag 'two words'\n",
        );
        let vars = Variables::from_pairs([("PATH", bin.display().to_string())]);
        let command = vec!["./op".to_owned(), "x".to_owned()];
        let launch = launch(&command, &vars, dir.path()).unwrap();
        let names: Vec<&str> = launch.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["./op", "tool", "/bin/sh"]);
        assert_eq!(launch.steps[1].found, tool);
        assert_eq!(
            launch.steps[1].named_by,
            "`#!/usr/bin/env -S tool --flag 'two words'` of ./op"
        );
        assert_eq!(launch.steps[1].script(), Some(3));
        let run = launch.run();
        assert_eq!(run.path, Path::new("/bin/sh"));
        let op = dir.path().join("op").display().to_string();
        assert_eq!(
            run.args,
            [
                tool.display().to_string(),
                "--flag".into(),
                "two words".into(),
                op,
                "x".into()
            ]
        );
        // Nothing on that PATH: not found, and said so.
        let empty = Variables::from_pairs([("PATH", dir.path().join("none"))]);
        let error = super::launch(&command, &empty, dir.path()).unwrap_err();
        assert!(
            matches!(&error, LaunchError::Interpreter { reason, .. } if reason.contains("`env` looks for `tool` on PATH")),
            "{error:?}"
        );
    }

    #[test]
    fn a_script_naming_itself_a_missing_interpreter_or_an_unread_env_option_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "loop", "#!./loop\n");
        script(dir.path(), "gone", "#!/nonexistent/python3\n");
        script(dir.path(), "chdir", "#!/usr/bin/env -C / python3\n");
        script(dir.path(), "crlf", "#!/bin/sh\r\n");
        let vars = Variables::default();
        for (name, said) in [
            ("./loop", "more than"),
            (
                "./gone",
                "names /nonexistent/python3, which is not an executable file",
            ),
            ("./chdir", "`env -C` is not followed"),
            (
                "./crlf",
                r"names /bin/sh\r, which is not an executable file",
            ),
        ] {
            let error = launch(&[name.to_owned()], &vars, dir.path()).unwrap_err();
            assert!(
                matches!(&error, LaunchError::Interpreter { program, reason } if program == name && reason.contains(said)),
                "{name}: {error:?}"
            );
        }
    }
}
