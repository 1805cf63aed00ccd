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
//! platform suffix aside (`python3.11`, `perl5.36-x86_64-linux-gnu`).
//!
//! An interpreter (a shell, Python, Perl, Ruby, Node, PHP, Lua...) is held to an
//! allowlist of command shapes (`options.rs`): before its script, the first operand,
//! it may be given only options its family's list knows to neither run code nor load a
//! file `allow` does not pin, and an option that takes a value is known as such, so
//! that its value is never taken for the script (`bash --rcfile providers/rc -c ...`,
//! `python3 -X providers/rc -c ...`). Any other option there is refused by name
//! ([`Wrapper::Option`]): code hidden in a value (`perl '-Mstrict;do"op.pl"'`, `node
//! --import=data:...`) or a file it loads (`--rcfile`, `node --require pkg`). So is
//! Python's `-m` on a module that runs its arguments as code or other programs
//! (`timeit`, `pdb`, `pip`: [`Wrapper::Module`]), and an interpreter given no script,
//! which reads its code from stdin. The launchers, runners and `awk`-like programs are
//! lists of names: a program that runs code it finds by itself under a name they lack
//! is not refused, as the provider protocol's page says.
//!
//! `git` is a runner: it runs commands its configuration names (an alias `!sh ...`,
//! `core.sshCommand`, `core.fsmonitor`, hooks), read from `-c`, `--config-env` and a
//! repository it finds from the working directory, where a pull request can plant one
//! (an embedded bare repository), so it is refused whatever it is given.
//!
//! Not refused: a version manager's shim (pyenv's `~/.pyenv/shims/python3`), which
//! picks the interpreter among those installed from a `.python-version` in the working
//! directory. It is pinned as a script with its interpreter, and a pull request can only
//! choose another installed version through it; refusing it would refuse `python3` on
//! every machine that uses pyenv. The provider guide says to name the interpreter by
//! its path (`pyenv which python3`).

use std::path::Path;

mod options;
mod program_text;

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
/// with the subcommands that run it (none: the runner always does). `git` always may:
/// see the module's text.
const RUNNERS: [(&str, &[&str]); 57] = [
    ("git", &[]),
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
    // Whatever the subcommand: each has aliases and lifecycle scripts that run the
    // project's (`npm rum`, `npm t`, `npm install`, `yarn NAME`: a twentieth pass).
    ("npm", &[]),
    ("pnpm", &[]),
    ("yarn", &[]),
    ("bun", &[]),
    // A twenty-second: the JVM's and .NET's build tools, which read the project's
    // configuration from where they run or above (Maven's `.mvn/jvm.config`), and the
    // entry points of Python's modules that run code (`pdb3` reads `.pdbrc` from the
    // working directory, `pydoc3` imports from it), as `-m` would.
    ("mvn", &[]),
    ("mvnw", &[]),
    ("gradle", &[]),
    ("gradlew", &[]),
    ("ant", &[]),
    ("sbt", &[]),
    ("lein", &[]),
    ("mix", &[]),
    ("dotnet", &[]),
    ("composer", &[]),
    ("pdb", &[]),
    ("pydoc", &[]),
    ("idle", &[]),
    ("pytest", &[]),
    ("coverage", &[]),
    ("pip", &[]),
    // A twenty-third: they import or run the project's own files from where they run
    // (`flask` the app, `dotenv run` its `.env`, `mkdocs` its hooks, `watchmedo` a
    // command).
    ("flask", &[]),
    ("dotenv", &[]),
    ("mkdocs", &[]),
    ("watchmedo", &[]),
    // A twenty-fourth: pytest's other entry point, and the ASGI servers, which import
    // the application from where they run.
    ("py.test", &[]),
    ("uvicorn", &[]),
    ("fastapi", &[]),
    ("gunicorn", &[]),
    ("hypercorn", &[]),
];

/// What a program does that `allow` cannot follow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wrapper {
    /// A shell or an interpreter given its code as text (`sh -c`, `perl -e`, `python3
    /// -c`, an `awk` program), or reading it from stdin (no script).
    Text,
    /// An interpreter given an option before its script that is not on its family's
    /// allowlist (`options.rs`): it may run code or load a file `allow` does not pin
    /// (`bash --rcfile`, `perl -M` with code, `node --import data:...`). The option, as
    /// written.
    Option(String),
    /// Python run with `-m` on a module that runs its arguments as code, or other
    /// programs (`timeit`, `pdb`, `pip`). The module, as written.
    Module(String),
    /// A launcher that runs the program it is given, found on `PATH` at every run.
    Launcher,
    /// A package or environment manager's runner, which picks the program from the
    /// project's files.
    Runner,
}

impl std::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text => f.write_str(
                "is given its code as text (`-c`, `-e`) or on its standard input: the programs and files that text names are not pinned",
            ),
            Self::Option(option) => write!(
                f,
                "is given `{option}` before its script, which is not among the options secretary knows to neither run code nor load a file it does not pin"
            ),
            Self::Module(module) => write!(
                f,
                "runs `{module}` of the interpreter's own library (by `-m`, or as its file), which runs code it is given as text or finds by name, or other programs: what it runs is not pinned"
            ),
            Self::Launcher => f.write_str(
                "runs the program it is given, looked up on PATH at every run, which cannot be pinned",
            ),
            Self::Runner => f.write_str(
                "runs a program it chooses from the project's own files (its lock file, its environment, its configuration), which cannot be pinned",
            ),
        }
    }
}

/// What a program, known by `names` (see the module's text) and given `args` in `base`
/// (the manifest's directory), does that cannot be pinned, if anything.
pub(super) fn wrapped(names: &[String], args: &[String], base: &Path) -> Option<Wrapper> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut args = args;
    // `busybox sh -c ...`: the applet is the program, when it is run by the name
    // `busybox` (or `toybox`). Run through a link named `sh`, it is `sh`, a name it
    // has already: taking `-c` for the applet let `sh -c TEXT` through on Alpine (a
    // twenty-third adversarial pass).
    // Only when it really is one (its real path's name) and is run by that name: a link
    // named `busybox` to `dash` took `-c` for an applet (a twenty-fourth pass).
    let multicall = |name: &str| ["busybox", "toybox"].contains(&name);
    if names.first().is_some_and(|name| multicall(name))
        && names.last().is_some_and(|name| multicall(name))
    {
        let Some((applet, rest)) = args.split_first() else {
            // No applet: it reads commands from stdin.
            return Some(Wrapper::Text);
        };
        names.push(applet.as_str());
        args = rest;
    }
    let is = |stem: &str| names.iter().any(|name| named(name, stem));
    if names.iter().any(|name| name.starts_with("ld-linux")) {
        return Some(Wrapper::Launcher);
    }
    for family in &options::FAMILIES {
        if family.names.iter().any(|stem| is(stem)) {
            if let Some(refused) = options::refused(family, args, base) {
                return Some(refused);
            }
        }
    }
    for (stems, sed) in [
        (&program_text::AWKS[..], false),
        (&program_text::SEDS[..], true),
    ] {
        if stems.iter().any(|stem| is(stem)) {
            if let Some(refused) = program_text::refused(args, sed) {
                return Some(refused);
            }
        }
    }
    if program_text::COMMANDS_AS_TEXT.iter().any(|stem| is(stem)) {
        return Some(Wrapper::Text);
    }
    // OpenSSL loads a shared object an engine or provider names (`engine dynamic -pre
    // SO_PATH:...`, `-engine`, `-provider-path`): not pinned.
    if is("openssl") {
        if let Some(option) = args.iter().find(|arg| {
            *arg == "engine" || arg.starts_with("-engine") || arg.starts_with("-provider")
        }) {
            return Some(Wrapper::Option(option.clone()));
        }
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

#[cfg(test)]
mod tests;
