//! Running a program a source depends on (`sops`): found on the caller's `PATH`, never
//! through a shell, with a scrubbed environment, its input on stdin, its output capped,
//! a deadline, and its stderr kept apart (a caller summarises it, never shows it: it may
//! quote what the program decrypted).

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::Variables;

/// How much of stderr is kept: enough to classify, never shown.
const STDERR_LIMIT: usize = 64 * 1024;

/// How long the output pipes may stay open after the program exited (a child of its own
/// that keeps them): then they are abandoned.
const DRAIN: Duration = Duration::from_secs(1);

/// A program to run once.
pub(crate) struct Program<'a> {
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

/// The variables of `vars` that `keep` accepts by name, for a program's environment.
pub(crate) fn scrubbed(vars: &Variables, keep: impl Fn(&str) -> bool) -> Vec<(OsString, OsString)> {
    vars.iter()
        .filter(|(name, _)| name.to_str().is_some_and(&keep))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

impl Program<'_> {
    /// Runs it to its end, or stops it at its deadline or its output limit.
    pub(crate) fn run(&self) -> Result<Finished, ProgramError> {
        let name = self
            .path
            .file_name()
            .unwrap_or(OsStr::new("program"))
            .to_string_lossy()
            .into_owned();
        let mut child = Command::new(self.path)
            .args(self.args)
            .current_dir(self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| ProgramError::Spawn {
                name: name.clone(),
                reason: error.to_string(),
            })?;
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
            let limit = self.limit;
            thread::spawn(move || {
                let _ = sent.send((true, capped(stdout, limit.saturating_add(1), true)));
            });
        }
        if let Some(stderr) = child.stderr.take() {
            let sent = sent.clone();
            thread::spawn(move || {
                let _ = sent.send((false, capped(stderr, STDERR_LIMIT, false)));
            });
        }
        drop(sent);
        let deadline = Instant::now() + self.timeout;
        let mut stdout = None;
        let mut stderr = None;
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            if stdout
                .as_ref()
                .is_some_and(|out: &Zeroizing<Vec<u8>>| out.len() > self.limit)
            {
                stop(&mut child);
                return Err(ProgramError::TooLarge {
                    name,
                    limit: self.limit,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                stop(&mut child);
                return Err(ProgramError::TimedOut {
                    name,
                    seconds: self.timeout.as_secs(),
                });
            }
            let wait = (deadline - now).min(Duration::from_millis(10));
            match outputs.recv_timeout(wait) {
                Ok((true, out)) => stdout = Some(out),
                Ok((false, err)) => stderr = Some(err),
                Err(_) => {}
            }
        };
        let drained = Instant::now() + DRAIN;
        while stdout.is_none() || stderr.is_none() {
            let left = drained.saturating_duration_since(Instant::now());
            match outputs.recv_timeout(left) {
                Ok((true, out)) => stdout = Some(out),
                Ok((false, err)) => stderr = Some(err),
                Err(_) => break,
            }
        }
        let stdout = stdout.unwrap_or_default();
        if stdout.len() > self.limit {
            return Err(ProgramError::TooLarge {
                name,
                limit: self.limit,
            });
        }
        Ok(Finished {
            status,
            stdout,
            stderr: stderr.unwrap_or_default(),
        })
    }
}

/// At most `limit` bytes of `reader`. With `stop`, reading ends there (the output is too
/// large, and the program is stopped); else the rest is read and dropped, so that the
/// writer never blocks on a full pipe.
fn capped(mut reader: impl Read, limit: usize, stop: bool) -> Zeroizing<Vec<u8>> {
    let mut kept = Zeroizing::new(Vec::new());
    let mut buffer = Zeroizing::new([0u8; 8192]);
    loop {
        match reader.read(&mut buffer[..]) {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                let room = limit.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
                if stop && kept.len() >= limit {
                    return kept;
                }
            }
        }
    }
}

/// Kills a program and reaps it.
fn stop(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn sh<'a>(script: &'a [&'a str], timeout: Duration, limit: usize) -> Program<'a> {
        Program {
            path: Path::new("/bin/sh"),
            args: script,
            dir: Path::new("/"),
            env: vec![("KEPT".into(), "yes".into())],
            stdin: b"input",
            limit,
            timeout,
        }
    }

    #[test]
    fn reads_stdin_and_an_environment_of_only_what_it_is_given() {
        let script = [
            "-c",
            "cat; printf ' %s %s' \"$KEPT\" \"${HOME:-none}\"; echo oops >&2",
        ];
        let finished = sh(&script, Duration::from_secs(10), 100).run().unwrap();
        assert!(finished.status.success());
        assert_eq!(&finished.stdout[..], b"input yes none");
        assert_eq!(&finished.stderr[..], b"oops\n");
    }

    #[test]
    fn a_program_past_its_deadline_is_stopped() {
        let script = ["-c", "exec sleep 30"];
        let started = Instant::now();
        let error = sh(&script, Duration::from_millis(300), 100).run().err();
        assert!(
            matches!(error, Some(ProgramError::TimedOut { .. })),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_past_the_limit_stops_the_program() {
        let script = ["-c", "exec yes"];
        let error = sh(&script, Duration::from_secs(20), 1000).run().err();
        assert!(
            matches!(error, Some(ProgramError::TooLarge { limit: 1000, .. })),
            "{error:?}"
        );
    }

    #[test]
    fn a_name_is_found_on_the_given_path_only() {
        let vars = Variables::from_pairs([("PATH", "/nonexistent:/bin")]);
        assert_eq!(
            find("sh", &vars, Path::new("/")).unwrap(),
            Path::new("/bin/sh")
        );
        let vars = Variables::from_pairs([("PATH", "relative/dir")]);
        assert!(find("sh", &vars, Path::new("/")).is_err());
    }
}
