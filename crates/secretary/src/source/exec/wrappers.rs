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
//! A program is known by each of its names: as the command writes it, as found on
//! `PATH`, and its real path's (a link named `run` to `dash` is `dash`), a version and
//! platform suffix aside (`python3.11`, `perl5.36-x86_64-linux-gnu`). An interpreter's
//! options end at its script, the first word that names an existing file: an option's
//! value that names nothing (`--rcfile /dev/null` aside, `-I lib`, `-C cond`) does not
//! end them, so `-c` or `-e` after it is still seen. These are lists: a program that
//! runs code it finds by itself under a name they lack is not refused, as the
//! provider protocol's page says.
//!
//! Not refused: a version manager's shim (pyenv's `~/.pyenv/shims/python3`), which
//! picks the interpreter among those installed from a `.python-version` in the working
//! directory. It is pinned as a script with its interpreter, and a pull request can only
//! choose another installed version through it; refusing it would refuse `python3` on
//! every machine that uses pyenv. The provider guide says to name the interpreter by
//! its path (`pyenv which python3`).

use std::path::Path;

/// Programs that take their code as text, by their name without a version: the
/// one-letter options that give it (alone or among others: `-ec`, `-ne`), the long ones
/// (`--eval`, `-Command`), and the one-letter options whose value may be glued to them
/// (`-Werror::ResourceWarning`, `-Ilib`): the rest of such a word is that value, not
/// more options. Their script, the first word that names an existing file, ends their
/// options.
const TEXT: [(&[&str], &str, &[&str], &str); 20] = [
    (
        &[
            "sh", "bash", "rbash", "dash", "zsh", "ksh", "rksh", "mksh", "pdksh", "ash", "yash",
            "posh", "fish", "csh", "tcsh", "xonsh", "nu", "elvish", "ion", "oksh",
        ],
        "c",
        &["--command"],
        "oO",
    ),
    (&["python", "pypy", "ipython", "jython"], "c", &[], "WXQ"),
    (&["perl"], "eE", &[], "IMmxdDCil0V"),
    (&["ruby", "jruby"], "e", &[], "IrCEKTxW0F"),
    (&["node", "nodejs", "bun"], "ep", &["--eval", "--print"], ""),
    (&["php"], "rRBE", &[], "cdzF"),
    (&["lua", "luajit"], "e", &[], "lj"),
    (&["Rscript", "R"], "e", &[], ""),
    (&["osascript"], "e", &[], "l"),
    (&["julia"], "eE", &["--eval", "--print"], "JLCOtp"),
    (&["elixir", "iex"], "e", &["--eval"], ""),
    (&["groovy"], "e", &[], ""),
    (&["expect"], "c", &[], "f"),
    (
        &["pwsh", "powershell"],
        "cCeE",
        &["-command", "-encodedcommand"],
        "",
    ),
    (&["vim", "vi", "nvim", "ex", "view"], "c", &[], ""),
    (
        &["gdb"],
        "",
        &["-ex", "-eval-command", "--eval-command"],
        "",
    ),
    (&["tclsh", "wish"], "", &[], ""),
    (&["deno"], "", &[], ""),
    (&["guile"], "c", &[], "L"),
    (&["racket"], "e", &["--eval"], ""),
];

/// Programs whose code is their first operand unless a file names it (`-f`): AWK and
/// its kin, and `sed`, whose `e` command runs a shell.
const PROGRAM_TEXT: [&str; 6] = ["awk", "gawk", "mawk", "nawk", "sed", "gsed"];

/// Launchers: each runs a program it is given by name, found on `PATH` when it runs.
const LAUNCHERS: [&str; 58] = [
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
    "newgrp",
    "chroot",
    "unshare",
    "nsenter",
    "firejail",
    "bwrap",
    "proot",
    "schroot",
    "systemd-run",
    "unbuffer",
    "script",
    "watch",
    "parallel",
    "sem",
    "strace",
    "ltrace",
    "valgrind",
    "faketime",
    "fakeroot",
    "fakechroot",
    "eatmydata",
    "torsocks",
    "proxychains",
    "proxychains4",
    "pkexec",
    "chronic",
    "tini",
    "dumb-init",
    "gosu",
    "su-exec",
    "setarch",
    "linux32",
    "linux64",
    "ld.so",
    "find",
    "ssh-agent",
    "dbus-run-session",
    "dbus-launch",
    "xvfb-run",
];

/// Runners that choose the program (and its environment) from the project's files,
/// with the subcommands that run it (none: the runner always does).
const RUNNERS: [(&str, &[&str]); 30] = [
    ("uv", &["run", "tool"]),
    ("uvx", &[]),
    ("poetry", &["run"]),
    ("pipenv", &["run"]),
    ("pdm", &["run"]),
    ("hatch", &["run"]),
    ("rye", &["run"]),
    ("pipx", &["run"]),
    ("conda", &["run"]),
    ("mamba", &["run"]),
    ("micromamba", &["run"]),
    ("tox", &[]),
    ("nox", &[]),
    ("bundle", &["exec"]),
    ("rake", &[]),
    ("mise", &["exec", "x", "run"]),
    ("asdf", &["exec"]),
    ("direnv", &["exec"]),
    ("nix-shell", &[]),
    ("nix", &["run", "shell", "develop"]),
    ("make", &[]),
    ("gmake", &[]),
    ("just", &[]),
    ("task", &[]),
    ("cargo", &["run"]),
    ("go", &["run"]),
    ("deno", &["run", "eval", "task", "x"]),
    ("npm", &["run", "run-script", "exec", "x", "start", "test"]),
    ("pnpm", &["run", "exec", "dlx", "start", "test"]),
    ("yarn", &["run", "exec", "dlx", "start", "test"]),
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

/// What a program, known by `names` (see the module's text) and given `args` in `base`
/// (the manifest's directory), does that cannot be pinned, if anything.
pub(super) fn wrapped(names: &[String], args: &[String], base: &Path) -> Option<Wrapper> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut args = args;
    // `busybox sh -c ...`: the applet is the program.
    if names.contains(&"busybox") {
        let (applet, rest) = args.split_first()?;
        names.push(applet.as_str());
        args = rest;
    }
    let is = |stem: &str| names.iter().any(|name| named(name, stem));
    if names.iter().any(|name| name.starts_with("ld-linux")) {
        return Some(Wrapper::Launcher);
    }
    for (stems, flags, long, valued) in TEXT {
        if stems.iter().any(|stem| is(stem)) && given_text(args, (flags, long, valued), base) {
            return Some(Wrapper::Text);
        }
    }
    if PROGRAM_TEXT.iter().any(|stem| is(stem))
        && !args
            .iter()
            .any(|arg| arg.starts_with("-f") || arg.starts_with("--file"))
    {
        return Some(Wrapper::Text);
    }
    if LAUNCHERS.iter().any(|stem| is(stem)) {
        return Some(Wrapper::Launcher);
    }
    let runs = |subcommands: &[&str]| {
        subcommands.is_empty() || args.iter().any(|arg| subcommands.contains(&arg.as_str()))
    };
    if RUNNERS
        .iter()
        .any(|&(runner, subcommands)| is(runner) && runs(subcommands))
    {
        return Some(Wrapper::Runner);
    }
    None
}

/// Whether `name` is `stem`, or `stem` with a version or platform after it
/// (`python3.11`, `perl5.36-x86_64-linux-gnu`, `bash-5.2`).
fn named(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem).is_some_and(|rest| {
        rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-')
    })
}

/// Whether a program given `args` in `base` reads its code from text: one of its text
/// options (`grammar`: the one-letter ones, the long ones, the one-letter ones a value
/// may be glued to; see [`TEXT`]), before its script, the first word that names an
/// existing file. A long option's name is compared with one dash or two, and without
/// what follows its `=`.
fn given_text(args: &[String], grammar: (&str, &[&str], &str), base: &Path) -> bool {
    let (flags, long, valued) = grammar;
    for word in args {
        let word = word.as_str();
        if word == "--" || base.join(word).is_file() {
            return false;
        }
        if word.starts_with('-') {
            let name = word.split('=').next().unwrap_or_default();
            let option = name.trim_start_matches('-').to_ascii_lowercase();
            if long
                .iter()
                .any(|long| long.trim_start_matches('-') == option)
            {
                return true;
            }
        }
        if word.starts_with("--") {
            continue;
        }
        if let Some(letters) = word.strip_prefix('-').or_else(|| word.strip_prefix('+')) {
            for letter in letters.chars() {
                if flags.contains(letter) {
                    return true;
                }
                if valued.contains(letter) {
                    // The rest of the word is its value.
                    break;
                }
            }
        }
        // Anything else (an option's value, a word that names nothing) goes on: a
        // value is no script, and the text option may come after it.
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
        // The scripts exist: a script ends an interpreter's options.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("providers")).unwrap();
        for script in ["op.py", "op.pl", "op.js", "op.sh", "op.awk"] {
            std::fs::write(dir.path().join("providers").join(script), "").unwrap();
        }
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
            // A thirteenth adversarial pass: values that name nothing do not end the
            // options, other names of the same programs, more launchers and runners.
            (
                &["bash", "--rcfile", "/dev/null", "-c", "op"],
                Some(Wrapper::Text),
            ),
            (&["perl", "-I", "lib", "-e", "exec"], Some(Wrapper::Text)),
            (
                &["node", "-C", "x", "-e", "require('x')"],
                Some(Wrapper::Text),
            ),
            (
                &["python3", "--check-hash-based-pycs", "default", "-c", "x"],
                Some(Wrapper::Text),
            ),
            (&["rbash", "-c", "op"], Some(Wrapper::Text)),
            (
                &["perl5.36-x86_64-linux-gnu", "-e", "x"],
                Some(Wrapper::Text),
            ),
            (
                &["setarch", "x86_64", "dash", "-c", "x"],
                Some(Wrapper::Launcher),
            ),
            (
                &["ld-linux-x86-64.so.2", "/usr/bin/dash"],
                Some(Wrapper::Launcher),
            ),
            (&["find", ".", "-exec", "sh", ";"], Some(Wrapper::Launcher)),
            (&["make", "-s"], Some(Wrapper::Runner)),
            (&["cargo", "run"], Some(Wrapper::Runner)),
            (&["sed", "-e", "1e op"], Some(Wrapper::Text)),
            (
                &["python3", "-Werror::ResourceWarning", "providers/op.py"],
                None,
            ),
            (&["perl", "-Iextlib", "providers/op.pl"], None),
            (&["cargo", "--version"], None),
        ] {
            let names = vec![
                Path::new(command[0])
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            ];
            assert_eq!(
                wrapped(&names, &words(&command[1..]), dir.path()),
                expected,
                "{command:?}"
            );
        }
    }
}
