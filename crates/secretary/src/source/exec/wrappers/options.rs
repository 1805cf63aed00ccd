//! What an interpreter may be given before its script: an allowlist per family of
//! interpreters. The words before the script must each be an option known to neither
//! run code nor load a file `allow` does not pin; an option that takes a value is known
//! as such, so that its value is never taken for the script; the script is the first
//! operand (a word that is no option, or the word after `--`). Anything else before the
//! script is refused, named: an option given code as text (`-c`, `-e`) as
//! [`Wrapper::Text`], any other as [`Wrapper::Option`]. No script at all is code read
//! from standard input, refused as text too. What comes after the script is the
//! script's, not the interpreter's, and is not read here (`pin.rs` pins the files it
//! names).
//!
//! The lists are small on purpose: an option missing from them is refused, and the
//! error says to leave it out and put what it does in the script's own code, which
//! `allow` pins. A family without a list (`pwsh`, `gdb`, `vim`...) may be given no
//! option before its script.

use std::path::Path;

use super::Wrapper;

/// How a family reads a word of one-letter options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A shell: `+` starts options too (`+o pipefail`); an option that takes a value
    /// takes the next word, and the letters after it in the same word are more options
    /// (`bash -oc pipefail 'code'` is `-o pipefail -c 'code'`); a lone `-` ends the
    /// options, like `--` (`#!/bin/sh -`).
    Shell,
    /// getopt's: an option that takes a value takes the rest of its word when there is
    /// one (`-Werror`, `-Ilib`), else the next word; a lone `-` is code read from
    /// standard input.
    Getopt,
}

/// What value an option may be given (anything else refuses the option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// A name (letters, digits, `_`, `-`: a shell option such as `pipefail`), none of
    /// the ones listed.
    Name(&'static [&'static str]),
    /// A Python warning filter (`action:message:category:module:lineno`) whose category
    /// names no module: Python imports a dotted category (`error::mod.Warning`).
    WarningFilter,
    /// One of Python's `-X` options that only change how it reports, checks or
    /// encodes ([`PYTHON_X`]); `presite=`, `pycache_prefix=` and the rest are refused.
    PythonX,
    /// A directory that exists, from the manifest's: `pin.rs` pins it, recursively
    /// (`-I lib`). One that does not exist yet could be added by a pull request.
    Directory,
    /// A file that exists, named by a path (`./`, `../` or `/` first): `pin.rs` pins
    /// it (`--require ./providers/setup.js`). Not a package name Node would look up,
    /// nor a URL (`data:`, `file:`), whose code `allow` cannot pin.
    File,
    /// A Perl module and its import list (`strict`, `-warnings`, `List::Util=sum,max`):
    /// Perl makes `-MFoo=a,b` into `use Foo split(/,/,q{a,b});`, so anything else
    /// (`-Mstrict;do"op.pl"`) would be code.
    PerlModule,
    /// A Ruby library found on its load path, by name (`json`, `net/http`).
    Library,
    /// Perl's `-C` Unicode features: letters and digits only, glued to it (`-CSDA`;
    /// `-C` alone takes no word).
    Letters,
    /// The module Python runs (`-m`), which ends its options: the rest of the words are
    /// the module's. Refused when it is one of [`RUNS_CODE`].
    Module,
}

/// One family of interpreters: its programs, how it is given code as text, and the
/// options it may be given before its script, each with why it is safe.
#[derive(Debug)]
pub(super) struct Family {
    /// Its programs, by name without a version.
    pub(super) names: &'static [&'static str],
    /// The one-letter options that give it code as text.
    text: &'static str,
    /// The long options that give it code as text, compared with one dash or two, case
    /// aside (`--eval`, `-Command`).
    text_long: &'static [&'static str],
    /// The one-letter options it may be given that take no value.
    flags: &'static str,
    /// The one-letter options it may be given that take a value, with what value.
    valued: &'static [(char, Value)],
    /// The long options it may be given that take no value (`--norc`).
    long: &'static [&'static str],
    /// The long options it may be given that take a value (after `=` or as the next
    /// word), with what value.
    long_valued: &'static [(&'static str, Value)],
    /// How it reads a word of one-letter options.
    style: Style,
}

impl Family {
    /// A family that may be given no option before its script, only refused by name.
    const fn bare(names: &'static [&'static str], text: &'static str) -> Self {
        Self {
            names,
            text,
            text_long: &[],
            flags: "",
            valued: &[],
            long: &[],
            long_valued: &[],
            style: Style::Getopt,
        }
    }
}

/// The shells that read POSIX `sh`'s options. Allowed: `-e` (exit on error), `-u`
/// (unset variables are errors), `-x` and `-v` (trace to stderr), `-f` (no
/// globbing; zsh's no start-up files), `-n` (read, run nothing); `-o NAME`/`+o NAME`
/// (`pipefail`) and bash's `-O NAME`/`+O NAME` (`shopt`), but not `extdebug`, which
/// loads the debugger's start-up file; `--norc`, `--noprofile` (read fewer start-up
/// files), `--posix`. Not `-i` (interactive: start-up files, stdin), `-s` (commands
/// from stdin), `-c`, `-k`, `--rcfile`, `--init-file`, `--login`.
const SHELLS: Family = Family {
    names: &[
        "sh", "bash", "rbash", "dash", "zsh", "ksh", "rksh", "mksh", "pdksh", "ash", "yash",
        "posh", "oksh",
    ],
    text: "c",
    text_long: &["--command"],
    flags: "euxvfn",
    valued: &[
        ('o', Value::Name(&["extdebug"])),
        ('O', Value::Name(&["extdebug"])),
    ],
    long: &["--norc", "--noprofile", "--posix"],
    long_valued: &[],
    style: Style::Shell,
};

/// The C shells: `-e` (exit on error), `-f` (no `.cshrc`), `-n` (read, run nothing),
/// `-v` and `-x` (trace). Not `-s`, `-i`, `-b`.
const C_SHELLS: Family = Family {
    names: &["csh", "tcsh"],
    flags: "efnvx",
    style: Style::Shell,
    ..Family::bare(&[], "c")
};

/// The other shells, whose options differ from `sh`'s (fish's `-f` takes a value and
/// `-C` runs code; nushell's `-e` does): none.
const OTHER_SHELLS: Family = Family {
    text_long: &["--command", "--commands", "--init-command", "--execute"],
    ..Family::bare(&["fish", "xonsh", "nu", "elvish", "ion"], "c")
};

/// Python and `pypy`. Allowed: `-u` (unbuffered), `-B` (no `.pyc` written), `-E` (no
/// `PYTHON*` variables), `-I` (isolated), `-s` (no user site), `-S` (no `site`), `-O`
/// (`-OO`: asserts and docstrings dropped), `-P` (no working directory on the path),
/// `-q` (no banner), `-b` (`-bb`: bytes warnings), `-d` (parser debug output), `-v`
/// (import trace); `-W FILTER` (a warning filter whose category names no module), `-X
/// OPTION` (only [`PYTHON_X`]); `-m MODULE`, which ends the options (see
/// [`RUNS_CODE`]). Not `-i` (then reads stdin), `-x` (skips the script's first line),
/// `-c`, `--check-hash-based-pycs` (may run a stale `.pyc`), nor any other long option.
const PYTHON: Family = Family {
    names: &["python", "pypy"],
    text: "c",
    text_long: &[],
    flags: "uBEIsSOPqbdv",
    valued: &[
        ('W', Value::WarningFilter),
        ('X', Value::PythonX),
        ('m', Value::Module),
    ],
    long: &[],
    long_valued: &[],
    style: Style::Getopt,
};

/// Python's `-X` options allowed: how it reports (`dev`, `faulthandler`, `importtime`,
/// `tracemalloc`, `warn_default_encoding`, `no_debug_ranges`), encodes (`utf8`), limits
/// (`int_max_str_digits`) or loads its own standard library (`frozen_modules`). A value
/// after `=` is allowed for those that take digits or `on`/`off`.
const PYTHON_X: [&str; 9] = [
    "dev",
    "faulthandler",
    "importtime",
    "tracemalloc",
    "warn_default_encoding",
    "no_debug_ranges",
    "utf8",
    "int_max_str_digits",
    "frozen_modules",
];

/// Modules that, run with `python3 -m`, run code given as text or found by name, or run
/// other programs: the profilers, debuggers and tracers (which run a module or code
/// they are given: `timeit`, `pdb -c`, `cProfile -m`, `trace`), the interactive consoles
/// (`code`, `asyncio`, `_pyrepl`, `idlelib`, reading code from stdin), those that import
/// or run modules by name (`runpy`, `pydoc`, `unittest`, `doctest`, `test`, `pytest`),
/// and those that run other programs or install code (`pip`, `venv`, `ensurepip`,
/// `virtualenv`, `pipx`, `tox`, `nox`, `webbrowser`, `http.server --cgi`). Compared
/// with the module's first dotted name (`idlelib.idle`). A list: a module missing from
/// it runs as the user allowed it, by name, as `python3 -P -m module` always has.
const RUNS_CODE: [&str; 35] = [
    "timeit",
    // Its test main runs `-s` as a shell command (a nineteenth adversarial pass).
    "imaplib",
    "pdb",
    "cProfile",
    "profile",
    "trace",
    "code",
    "asyncio",
    "_pyrepl",
    "idlelib",
    "runpy",
    "pydoc",
    "unittest",
    "doctest",
    "test",
    "pytest",
    "IPython",
    "pip",
    "venv",
    "ensurepip",
    "virtualenv",
    "pipx",
    "tox",
    "nox",
    "webbrowser",
    "http",
    "uv",
    "poetry",
    // A twenty-third: they import the application from the working directory, or load
    // its configuration's hooks (`flask --app`, `mkdocs.yml`), or its `.env`.
    "flask",
    "dotenv",
    "mkdocs",
    "uvicorn",
    "gunicorn",
    "hypercorn",
    "fastapi",
];

/// Perl. Allowed: `-w`, `-W`, `-X` (warnings on, all on, off), `-t`, `-T` (taint
/// checks), `-C FLAGS` (Unicode features); `-I DIR` (an existing directory, pinned);
/// `-M MODULE`/`-m MODULE` with only a module name and an import list (no `;`: Perl
/// makes the value into `use` code). Not `-e`/`-E`, `-x`, `-S` (the script looked up
/// on `PATH`), `-d` (a debugger module), `-n`/`-p`/`-i`/`-l`/`-0`/`-a`/`-F`, `-s`.
const PERL: Family = Family {
    names: &["perl"],
    text: "eE",
    text_long: &[],
    flags: "wWXtT",
    valued: &[
        ('C', Value::Letters),
        ('I', Value::Directory),
        ('M', Value::PerlModule),
        ('m', Value::PerlModule),
    ],
    long: &[],
    long_valued: &[],
    style: Style::Getopt,
};

/// Ruby. Allowed: `-w`, `-W` (warnings), `--disable-gems` (loads less); `-I DIR` (an
/// existing directory, pinned); `-r LIBRARY` (a library by name, found on the load path,
/// which holds no working directory). Not `-e`, `-x`, `-S` (the script looked up on
/// `PATH`), `-C` (another directory), `-n`/`-p`/`-i`/`-l`/`-a`, `-s`.
const RUBY: Family = Family {
    names: &["ruby", "jruby"],
    text: "e",
    text_long: &[],
    flags: "wW",
    valued: &[('I', Value::Directory), ('r', Value::Library)],
    long: &["--disable-gems"],
    long_valued: &[],
    style: Style::Getopt,
};

/// Node. Allowed: `--no-warnings`, `--no-deprecation`, `--trace-warnings`,
/// `--trace-uncaught`, `--throw-deprecation` (how it reports), `--enable-source-maps`
/// (how it shows a stack); `--require`/`-r`/`--import` with an existing file by a path
/// (pinned), not a package name, a `data:` or a `file:` URL. Not `-e`/`-p`, `--eval`,
/// `--print`, `--loader`, `--env-file` (which can set `NODE_OPTIONS`), `--inspect`,
/// `--conditions`/`-C`.
const NODE: Family = Family {
    names: &["node", "nodejs"],
    text: "ep",
    text_long: &["--eval", "--print"],
    flags: "",
    valued: &[('r', Value::File)],
    long: &[
        "--no-warnings",
        "--no-deprecation",
        "--trace-warnings",
        "--trace-uncaught",
        "--throw-deprecation",
        "--enable-source-maps",
    ],
    long_valued: &[("--require", Value::File), ("--import", Value::File)],
    style: Style::Getopt,
};

/// PHP: `-n` (no `php.ini`), `-q` (no headers). Not `-r`, `-R`, `-B`, `-E`, `-d` (an
/// ini setting such as `auto_prepend_file`), `-c` (another `php.ini`), `-f`.
const PHP: Family = Family {
    names: &["php"],
    flags: "nq",
    ..Family::bare(&[], "rRBE")
};

/// Lua: `-E` (no `LUA_INIT`), `-W` (warnings). Not `-e`, `-l` (a module by name, which
/// Lua looks for in the working directory first), `-i`, `-j`, `-b`.
const LUA: Family = Family {
    names: &["lua", "luajit"],
    flags: "EW",
    ..Family::bare(&[], "e")
};

/// Every family of interpreters whose options are read, with their allowlists; bun's
/// and the rest's are empty.
pub(super) const FAMILIES: [Family; 25] = [
    SHELLS,
    C_SHELLS,
    OTHER_SHELLS,
    PYTHON,
    Family::bare(&["ipython", "jython"], "c"),
    PERL,
    RUBY,
    NODE,
    Family {
        text_long: &["--eval", "--print"],
        ..Family::bare(&["bun"], "ep")
    },
    PHP,
    LUA,
    Family::bare(&["Rscript", "R"], "e"),
    Family::bare(&["osascript"], "e"),
    Family {
        text_long: &["--eval", "--print"],
        ..Family::bare(&["julia"], "eE")
    },
    Family {
        text_long: &["--eval"],
        ..Family::bare(&["elixir", "iex"], "e")
    },
    Family::bare(&["groovy"], "e"),
    Family::bare(&["expect"], "c"),
    Family {
        text_long: &["-command", "-encodedcommand"],
        ..Family::bare(&["pwsh", "powershell"], "cCeE")
    },
    // Vim's `+command` runs an Ex command: `+` starts its options, as a shell's.
    Family {
        style: Style::Shell,
        ..Family::bare(&["vim", "vi", "nvim", "ex", "view"], "c")
    },
    Family {
        text_long: &["-ex", "-eval-command", "--eval-command"],
        ..Family::bare(&["gdb"], "")
    },
    Family::bare(&["tclsh", "wish"], ""),
    // Java runs a source file or a jar; its options load agents and class paths
    // (`-javaagent:tools/agent.jar`, which nothing pinned: a twenty-third pass).
    Family::bare(&["java"], ""),
    Family::bare(&["deno"], ""),
    Family::bare(&["guile"], "c"),
    Family {
        text_long: &["--eval"],
        ..Family::bare(&["racket"], "e")
    },
];

/// What an interpreter of `family` given `args` (from the manifest's directory `base`)
/// is refused for before its script, if anything (see the module's text).
/// The first switch on the `#!` line of `script` that is not one of `family`'s flags,
/// when the family reads them there though the script is given to it by name (Perl and
/// Ruby, when the line names them: `perl op.pl` whose first line is `#!/usr/bin/perl
/// -Itools` searches `tools`, which nothing pins; a twentieth adversarial pass). Only
/// flags that take no value may be there.
fn shebang_switch(family: &Family, script: &Path) -> Option<String> {
    let reads = ["perl", "ruby"]
        .into_iter()
        .find(|name| family.names.contains(name))?;
    // The whole first line: Perl reads switches past the kernel's 255 bytes (a
    // twenty-first adversarial pass hid `-Itools2` behind 260 spaces). Only a regular
    // file, never waiting on a FIFO.
    let file = crate::file::open_stream(script, true).ok()?;
    let first = crate::file::first_line(&file).ok()?;
    let line = first.strip_prefix(b"#!")?;
    let line = String::from_utf8_lossy(line);
    if !line.contains(reads) {
        // Perl runs the program a `#!` line names when it is not Perl; Ruby then looks
        // for a later `#!` line naming it and reads its switches (as `-x`): neither is
        // pinned.
        return Some(format!("#!{}", line.trim()));
    }
    line.split_whitespace()
        .skip(1)
        .filter(|word| word.starts_with('-'))
        .find(|word| {
            let letters = word.trim_start_matches('-');
            word.starts_with("--")
                || letters.is_empty()
                || !letters.chars().all(|letter| family.flags.contains(letter))
        })
        .map(str::to_owned)
}

pub(super) fn refused(family: &Family, args: &[String], base: &Path) -> Option<Wrapper> {
    let shell = family.style == Style::Shell;
    let mut words = args.iter().map(String::as_str);
    while let Some(word) = words.next() {
        if word == "--" || (word == "-" && shell) {
            // The script is the next word; none is code read from stdin.
            return words.next().is_none().then_some(Wrapper::Text);
        }
        if word == "-" {
            return Some(Wrapper::Text);
        }
        let sign = if word.starts_with('-') || (shell && word.starts_with('+')) {
            word.get(..1).unwrap_or_default()
        } else {
            // Java reads its arguments, options too, from an `@file` nothing pins (a
            // twenty-fourth adversarial pass).
            if family.names == ["java"] && word.starts_with('@') {
                return Some(Wrapper::Option(word.to_owned()));
            }
            // The script.
            let script = base.join(word);
            if family.names == PYTHON.names {
                if let Some(module) = library_module(&script) {
                    return Some(Wrapper::Module(module));
                }
            }
            if family.names == PERL.names {
                if let Some(module) = perl_library_file(&script) {
                    return Some(Wrapper::Module(module));
                }
            }
            return shebang_switch(family, &script)
                .map(|switch| Wrapper::Option(format!("{switch}` on the `#!` line of `{word}")));
        };
        let name = word.split('=').next().unwrap_or_default();
        let unsigned = name.trim_start_matches(['-', '+']);
        if family
            .text_long
            .iter()
            .any(|long| long.trim_start_matches('-').eq_ignore_ascii_case(unsigned))
        {
            return Some(Wrapper::Text);
        }
        if word.starts_with("--") {
            let glued = word.split_once('=').map(|(_, value)| value);
            if family.long.contains(&name) && glued.is_none() {
                continue;
            }
            let allowed = family
                .long_valued
                .iter()
                .find(|(long, _)| *long == name)
                .is_some_and(|(_, value)| {
                    glued
                        .or_else(|| words.next())
                        .is_some_and(|given| accepts(*value, given, base))
                });
            if allowed {
                continue;
            }
            return Some(Wrapper::Option(name.to_owned()));
        }
        let letters = word.get(1..).unwrap_or_default();
        // In order: `-euc` is code as text, `-ne` refused for `-n` (`-d:Trace` too).
        for (at, letter) in letters.char_indices() {
            if family.text.contains(letter) {
                return Some(Wrapper::Text);
            }
            if family.flags.contains(letter) {
                continue;
            }
            let Some(&(_, value)) = family.valued.iter().find(|(flag, _)| *flag == letter) else {
                // Named as written: the word when it is one option (`-NoProfile`), else
                // the letter (`-Z` of `-uZ`).
                let option = if at == 0 {
                    name.to_owned()
                } else {
                    format!("{sign}{letter}")
                };
                return Some(Wrapper::Option(option));
            };
            let rest = letters.get(at + letter.len_utf8()..).unwrap_or_default();
            let given = if value == Value::Letters {
                // Perl's `-C` alone takes no word.
                Some(rest)
            } else if shell || rest.is_empty() {
                words.next()
            } else {
                Some(rest)
            };
            let Some(given) = given.filter(|given| accepts(value, given, base)) else {
                return Some(Wrapper::Option(format!("{sign}{letter}")));
            };
            if value == Value::Module {
                // The options end: the rest of the words are the module's.
                let top = given.split('.').next().unwrap_or_default();
                return RUNS_CODE
                    .contains(&top)
                    .then(|| Wrapper::Module(given.to_owned()));
            }
            if !shell {
                // The rest of the word was the value.
                break;
            }
        }
    }
    // No script: its code is read from stdin.
    Some(Wrapper::Text)
}

/// The module of Python's own library that `script` is, when it is one of [`RUNS_CODE`]:
/// `/usr/lib/python3.11/pdb.py` (or `/usr/bin/pdb3`, a link to it) run as a script does
/// what `-m pdb` does, and reads `.pdbrc` from the working directory (a twenty-second
/// adversarial pass). A library is a directory named for the interpreter (`python3.11`,
/// `pypy3.10`) or a `site-packages`/`dist-packages` one; a package's `__main__.py` is
/// its package's.
fn library_module(script: &Path) -> Option<String> {
    let real = std::fs::canonicalize(script).ok()?;
    let mut parts = real.iter().rev().map(|part| part.to_string_lossy());
    let file = parts.next()?;
    // The name up to its first `.`: `pdb.py`, and `pdb.cpython-311.pyc` (a twenty-third
    // adversarial pass ran the compiled file), whose directory `__pycache__` belongs to
    // the one above.
    let stem = file.split('.').next().unwrap_or_default().to_owned();
    let mut parent = parts.next();
    if parent.as_deref() == Some("__pycache__") {
        parent = parts.next();
    }
    let module = if stem == "__main__" {
        parent?.into_owned()
    } else {
        stem
    };
    let in_library = real.ancestors().skip(1).any(|dir| {
        dir.file_name()
            .map(|name| name.to_string_lossy())
            .is_some_and(|name| {
                ["python", "pypy"]
                    .iter()
                    .any(|stem| name.len() > stem.len() && super::named(&name, stem))
                    || name == "site-packages"
                    || name == "dist-packages"
            })
    });
    (in_library && RUNS_CODE.contains(&module.as_str())).then_some(module)
}

/// The file of Perl's own library that `script` is, if it is one (under `/usr`, in a
/// directory named `perl...`): a module, not a provider, and some run code found
/// where they run (`perl5db.pl` reads `.perldb` from the working directory, the
/// manifest's: a twenty-third adversarial pass).
fn perl_library_file(script: &Path) -> Option<String> {
    let real = std::fs::canonicalize(script).ok()?;
    let in_library = real.starts_with("/usr")
        && real
            .parent()?
            .iter()
            .any(|part| part.to_string_lossy().starts_with("perl"));
    in_library.then(|| {
        real.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// Whether `given` is a value of the kind `value` (see [`Value`]), from `base`.
fn accepts(value: Value, given: &str, base: &Path) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match value {
        Value::Name(refused) => {
            !given.is_empty()
                && given.chars().all(|c| word(c) || c == '-')
                && !refused.contains(&given)
        }
        Value::WarningFilter => given
            .split(':')
            .nth(2)
            .is_none_or(|category| !category.contains('.')),
        Value::PythonX => {
            let (name, setting) = given.split_once('=').unwrap_or((given, ""));
            PYTHON_X.contains(&name)
                && (setting.is_empty()
                    || setting.chars().all(|c| c.is_ascii_digit())
                    || matches!(setting, "on" | "off"))
        }
        Value::Directory => !given.is_empty() && base.join(given).is_dir(),
        Value::File => {
            ["./", "../", "/"]
                .iter()
                .any(|start| given.starts_with(start))
                && base.join(given).is_file()
        }
        Value::PerlModule => {
            let (module, imports) = given.split_once('=').unwrap_or((given, ""));
            let module = module.strip_prefix('-').unwrap_or(module);
            // `lib` puts its import list on `@INC`: one directory only, which `pin.rs`
            // pins (`-Mlib=nothing,tools` once added an unpinned `tools`); `blib`
            // searches the parent directories for one (a nineteenth adversarial pass).
            // `if` passes its list on to another module's import (`-Mif=1,lib,tools`),
            // and a list that names `lib` may be one passed on (a twentieth pass).
            let include = match module {
                "lib" => !imports.contains(','),
                "blib" | "if" => false,
                _ => !imports.split(',').any(|part| part == "lib"),
            };
            include
                && module.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && module
                    .split("::")
                    .all(|part| !part.is_empty() && part.chars().all(word))
                && imports
                    .chars()
                    .all(|c| word(c) || matches!(c, ',' | ':' | '.' | '-'))
        }
        Value::Library => {
            // Bundler's `setup` runs the `Gemfile` it finds above the working directory
            // (a nineteenth adversarial pass, by reading).
            !given.is_empty()
                && !given.starts_with("bundler")
                && given
                    .split('/')
                    .all(|part| !part.is_empty() && part.chars().all(|c| word(c) || c == '-'))
        }
        Value::Letters => given.chars().all(|c| c.is_ascii_alphanumeric()),
        Value::Module => {
            !given.is_empty()
                && given
                    .split('.')
                    .all(|part| !part.is_empty() && part.chars().all(word))
        }
    }
}
