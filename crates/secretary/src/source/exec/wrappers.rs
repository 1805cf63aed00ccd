//! Programs that run another program they find by themselves, which `allow` cannot pin:
//! a shell or an interpreter given its code as text (`sh -c "python3 op.py"`, `python3
//! -P -c "exec(open('op.py').read())"`, `perl -e`, an `awk` program: `op.py` is named in
//! text that `allow` does not read, so a pull request changing it would run
//! unallowed), a launcher that looks the program it is given up on `PATH` at
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

/// Programs that take their code as text, by their name without a version
/// (`python3.11` is `python`): the one-letter options that give it (alone or among
/// others: `-ec`, `-ne`), the long ones, and the one-letter options that take the next
/// word as their value (so that `-W ignore -c` is read right). Their first operand
/// (a script file, pinned as an argument) ends the options.
const TEXT: [(&[&str], &str, &[&str], &str); 9] = [
    (
        &[
            "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "ash", "yash", "posh", "fish",
            "csh", "tcsh",
        ],
        "c",
        &["--command"],
        "oO",
    ),
    (&["python", "pypy"], "c", &[], "WX"),
    (&["perl"], "eE", &[], ""),
    (&["ruby"], "e", &[], "IrC"),
    (
        &["node", "nodejs", "bun"],
        "ep",
        &["--eval", "--print"],
        "r",
    ),
    (&["php"], "rRBE", &[], "cd"),
    (&["lua", "luajit"], "e", &[], "l"),
    (&["Rscript"], "e", &[], ""),
    (&["osascript"], "e", &[], ""),
];

/// AWK's kin, whose program is their first operand unless `-f` names a file.
const AWKS: [&str; 5] = ["awk", "gawk", "mawk", "nawk", "busybox-awk"];

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
    /// A shell or an interpreter given its code as text (`sh -c`, `perl -e`, `python3
    /// -c`, an `awk` program).
    Text,
    /// A launcher that runs the program it is given, found on `PATH` at every run.
    Launcher,
    /// A package or environment manager's runner, which picks the program from the
    /// project's files.
    Runner,
}

impl std::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Text => {
                "is given its code as text (`-c`, `-e`): the programs and files that text names are not pinned"
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
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if let Some(&(_, flags, long, valued)) = TEXT.iter().find(|(names, ..)| names.contains(&stem)) {
        if given_text(args, flags, long, valued) {
            return Some(Wrapper::Text);
        }
    }
    if AWKS.contains(&stem) && !args.iter().any(|arg| arg.starts_with("-f")) {
        return Some(Wrapper::Text);
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

/// Whether a program given `args` reads its code from text: one of `flags` among its
/// one-letter options, or one of `long`, before its first operand. `valued` are the
/// one-letter options whose value is the next word when none follows them.
fn given_text(args: &[String], flags: &str, long: &[&str], valued: &str) -> bool {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let word = word.as_str();
        if word == "--" {
            return false;
        }
        if let Some(option) = word.strip_prefix("--") {
            let name = option.split('=').next().unwrap_or_default();
            if long.iter().any(|long| long.trim_start_matches('-') == name) {
                return true;
            }
            continue;
        }
        let Some(letters) = word.strip_prefix('-').or_else(|| word.strip_prefix('+')) else {
            // The first operand: a script file, pinned as an argument.
            return false;
        };
        if letters.is_empty() {
            // `-`: the code on stdin, which is the request: not a program at all.
            return false;
        }
        for (at, letter) in letters.char_indices() {
            if flags.contains(letter) {
                return true;
            }
            if valued.contains(letter) {
                // Its value: the rest of this word, or the next one.
                if at + letter.len_utf8() == letters.len() {
                    words.next();
                }
                break;
            }
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
            (&["sh", "-c", "python3 op.py"][..], Some(Wrapper::Text)),
            (&["/bin/bash", "-euc", "op"], Some(Wrapper::Text)),
            (&["bash", "-o", "pipefail", "-c", "op"], Some(Wrapper::Text)),
            (&["fish", "--command", "op"], Some(Wrapper::Text)),
            (&["busybox", "sh", "-c", "op"], Some(Wrapper::Text)),
            (
                &["python3", "-P", "-c", "exec(open('op.py').read())"],
                Some(Wrapper::Text),
            ),
            (
                &["python3.11", "-W", "ignore", "-c", "x"],
                Some(Wrapper::Text),
            ),
            (&["python3", "-Ic", "x"], Some(Wrapper::Text)),
            (&["perl", "-ne", "do 'op.pl'"], Some(Wrapper::Text)),
            (
                &["ruby", "-r", "json", "-e", "load 'op.rb'"],
                Some(Wrapper::Text),
            ),
            (&["node", "--eval=require('./op')"], Some(Wrapper::Text)),
            (&["node", "-p", "1"], Some(Wrapper::Text)),
            (&["php", "-r", "include 'op.php';"], Some(Wrapper::Text)),
            (&["awk", "BEGIN { system(\"op\") }"], Some(Wrapper::Text)),
            (&["gawk", "-f", "providers/op.awk"], None),
            (&["python3", "-P", "-m", "provider"], None),
            (&["python3", "-u", "providers/op.py", "-c", "x"], None),
            (&["perl", "providers/op.pl", "-e"], None),
            (&["node", "providers/op.js"], None),
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
