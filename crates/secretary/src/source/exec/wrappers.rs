//! Programs that run another program they find by themselves, which `allow` cannot pin:
//! a shell given its commands as text (`sh -c "python3 op.py"`: `op.py` and `python3`
//! are named in text that `allow` does not read, so a pull request changing `op.py`
//! would run unallowed), a launcher that looks the program it is given up on `PATH` at
//! every run (`nice`, `timeout`, `sudo`), a package manager's runner that picks the
//! program from the project's own files (`uv run`, `poetry run`, `bundle exec`). Each is
//! refused by `allow` and before each run, with what to name instead. `env` is not
//! among them: its words are followed (`env_words.rs`), as are a script's `#!` line's.
//!
//! Not refused: a version manager's shim (pyenv's `~/.pyenv/shims/python3`), which
//! picks the interpreter among those installed from a `.python-version` in the working
//! directory. It is pinned as a script with its interpreter, and a pull request can only
//! choose another installed version through it; refusing it would refuse `python3` on
//! every machine that uses pyenv. The provider guide says to name the interpreter by
//! its path (`pyenv which python3`).

use std::path::Path;

/// Shells, which run `-c`'s text.
const SHELLS: [&str; 14] = [
    "sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "ash", "yash", "posh", "fish",
    "csh", "tcsh",
];

/// Launchers: each runs a program it is given by name, found on `PATH` when it runs.
const LAUNCHERS: [&str; 36] = [
    "nice",
    "nohup",
    "timeout",
    "stdbuf",
    "setsid",
    "ionice",
    "chrt",
    "taskset",
    "numactl",
    "prlimit",
    "xargs",
    "flock",
    "time",
    "sudo",
    "doas",
    "su",
    "runuser",
    "setpriv",
    "sg",
    "chroot",
    "unshare",
    "nsenter",
    "firejail",
    "systemd-run",
    "unbuffer",
    "script",
    "watch",
    "parallel",
    "strace",
    "ltrace",
    "valgrind",
    "faketime",
    "tini",
    "dumb-init",
    "gosu",
    "su-exec",
];

/// Runners that choose the program (and its environment) from the project's files,
/// with the subcommand that runs it.
const RUNNERS: [(&str, &str); 16] = [
    ("uv", "run"),
    ("uvx", ""),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("rye", "run"),
    ("pipx", "run"),
    ("conda", "run"),
    ("mamba", "run"),
    ("micromamba", "run"),
    ("bundle", "exec"),
    ("mise", "exec"),
    ("asdf", "exec"),
    ("direnv", "exec"),
    ("nix-shell", ""),
];

/// What a program does that `allow` cannot follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wrapper {
    /// A shell given its commands as text (`-c`).
    ShellText,
    /// A launcher that runs the program it is given, found on `PATH` at every run.
    Launcher,
    /// A package or environment manager's runner, which picks the program from the
    /// project's files.
    Runner,
}

impl std::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ShellText => {
                "is a shell given its commands as text (`-c`): the programs and files that text names are not pinned"
            }
            Self::Launcher => {
                "runs the program it is given, looked up on PATH at every run, which cannot be pinned"
            }
            Self::Runner => {
                "runs a program it chooses from the project's own files (its lock file, its environment), which cannot be pinned"
            }
        })
    }
}

/// What `words` (a program as named, then its arguments) does that cannot be pinned, if
/// anything.
pub(super) fn wrapped(words: &[String]) -> Option<Wrapper> {
    let (first, args) = words.split_first()?;
    let name = Path::new(first).file_name()?.to_string_lossy();
    let mut name = name.as_ref();
    let mut args = args;
    // `busybox sh -c ...`: the applet is the program.
    if name == "busybox" {
        let (applet, rest) = args.split_first()?;
        name = applet.as_str();
        args = rest;
    }
    if SHELLS.contains(&name) && shell_text(args) {
        return Some(Wrapper::ShellText);
    }
    if LAUNCHERS.contains(&name) {
        return Some(Wrapper::Launcher);
    }
    let runs = |subcommand: &str| {
        subcommand.is_empty() || args.iter().any(|arg| arg.as_str() == subcommand)
    };
    if RUNNERS
        .iter()
        .any(|&(runner, subcommand)| runner == name && runs(subcommand))
    {
        return Some(Wrapper::Runner);
    }
    None
}

/// Whether a shell given `args` reads its commands from text: `-c` among its options
/// (alone or with others: `-ec`, `-lc`), or fish's `--command`, before its first operand.
fn shell_text(args: &[String]) -> bool {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--command" => return true,
            "--" => return false,
            // Options that take the next word: `-o pipefail`, `+o`, bash's `-O`.
            "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" => {
                words.next();
            }
            option if option.starts_with("--") => {}
            option if option.starts_with('-') || option.starts_with('+') => {
                if option[1..].contains('c') {
                    return true;
                }
            }
            // The first operand: a script file, pinned as an argument.
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &[&str]) -> Vec<String> {
        command.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn what_cannot_be_pinned_is_told_and_what_can_is_not() {
        for (command, expected) in [
            (&["sh", "-c", "python3 op.py"][..], Some(Wrapper::ShellText)),
            (&["/bin/bash", "-euc", "op"], Some(Wrapper::ShellText)),
            (
                &["bash", "-o", "pipefail", "-c", "op"],
                Some(Wrapper::ShellText),
            ),
            (&["fish", "--command", "op"], Some(Wrapper::ShellText)),
            (&["busybox", "sh", "-c", "op"], Some(Wrapper::ShellText)),
            (&["sh", "providers/op.sh"], None),
            (&["bash", "-e", "providers/op.sh", "-c"], None),
            (
                &["nice", "-n", "5", "python3", "op.py"],
                Some(Wrapper::Launcher),
            ),
            (&["/usr/bin/timeout", "5", "op"], Some(Wrapper::Launcher)),
            (&["uv", "run", "op.py"], Some(Wrapper::Runner)),
            (&["poetry", "run", "op"], Some(Wrapper::Runner)),
            (&["uvx", "op"], Some(Wrapper::Runner)),
            (&["uv", "--version"], None),
            (&["python3", "providers/op.py"], None),
            (&["providers/op.sh"], None),
        ] {
            assert_eq!(wrapped(&words(command)), expected, "{command:?}");
        }
    }
}
