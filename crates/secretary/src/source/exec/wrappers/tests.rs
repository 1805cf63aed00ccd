//! Which commands `wrapped` refuses, and for what.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn words(command: &[&str]) -> Vec<String> {
    command.iter().map(|word| (*word).to_owned()).collect()
}

/// A directory with the scripts and option files the cases name: `providers/*` exist,
/// `tools/*` do not matter (they are what a bypass would run unpinned), `lib/` and
/// `extlib/` are directories.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["providers", "lib", "extlib"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    for script in [
        "op.py", "op.pl", "op.js", "op.sh", "op.awk", "rc", "noop.js", "op.rb",
    ] {
        std::fs::write(dir.path().join("providers").join(script), "").unwrap();
    }
    dir
}

/// What `wrapped` says of each command, its program known by its file name.
fn check(dir: &Path, cases: &[(&[&str], Option<Wrapper>)]) {
    for (command, expected) in cases {
        let names = vec![
            Path::new(command[0])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        ];
        assert_eq!(
            wrapped(&names, &words(&command[1..]), dir),
            *expected,
            "{command:?}"
        );
    }
}

/// The answer for an option refused by name.
#[allow(clippy::unnecessary_wraps, reason = "an expected answer of `wrapped`")]
fn option(name: &str) -> Option<Wrapper> {
    Some(Wrapper::Option(name.to_owned()))
}

#[test]
fn what_cannot_be_pinned_is_told_and_what_can_is_not() {
    let dir = project();
    check(
        dir.path(),
        &[
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
            // Read in order: `-n` (a loop around the code) is on no list, and is named.
            (&["perl", "-ne", "do 'op.pl'"], option("-ne")),
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
            // Since options became an allowlist, an option no list holds is refused by
            // name before the text after it is seen: `--rcfile`, Node's `-C`, Python's
            // `--check-hash-based-pycs`.
            (
                &["bash", "--rcfile", "/dev/null", "-c", "op"],
                option("--rcfile"),
            ),
            (&["perl", "-I", "lib", "-e", "exec"], Some(Wrapper::Text)),
            (&["node", "-C", "x", "-e", "require('x')"], option("-C")),
            (
                &["python3", "--check-hash-based-pycs", "default", "-c", "x"],
                option("--check-hash-based-pycs"),
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
        ],
    );
}

#[test]
fn an_option_before_the_script_is_refused_unless_its_family_allows_it() {
    // A seventeenth adversarial pass: each of these was allowed, and ran `tools/*`,
    // which `allow` did not pin. An option's value that named an existing file was
    // taken for the script, so the text option after it went unseen; code hid in a
    // value; a module ran its arguments; git ran its configuration's command.
    let dir = project();
    check(
        dir.path(),
        &[
            (
                &["bash", "--rcfile", "providers/rc", "-c", ". tools/op.sh"][..],
                option("--rcfile"),
            ),
            (
                &[
                    "python3",
                    "-P",
                    "-X",
                    "providers/rc",
                    "-c",
                    "exec(open('tools/op.py').read())",
                ],
                option("-X"),
            ),
            // `-W`'s value is skipped, never the script: the `-c` after it is seen.
            (
                &[
                    "python3",
                    "-P",
                    "-W",
                    "providers/rc",
                    "-c",
                    "exec(open('tools/op.py').read())",
                ],
                Some(Wrapper::Text),
            ),
            (
                &[
                    "node",
                    "--require",
                    "./providers/noop.js",
                    "-e",
                    "require('/abs/tools/op.js')",
                ],
                Some(Wrapper::Text),
            ),
            (
                &["perl", "-Mstrict;do\"./tools/op.pl\"", "providers/op.pl"],
                option("-M"),
            ),
            (
                &[
                    "node",
                    "--import=data:text/javascript,import 'file:///x/tools/op.js'",
                    "providers/noop.js",
                ],
                option("--import"),
            ),
            (
                &[
                    "python3",
                    "-P",
                    "-m",
                    "timeit",
                    "-n1",
                    "-r1",
                    "exec(open('tools/op.py').read())",
                ],
                Some(Wrapper::Module("timeit".to_owned())),
            ),
            (
                &["python3", "-I", "-m", "idlelib.idle", "-c", "x"],
                Some(Wrapper::Module("idlelib.idle".to_owned())),
            ),
            (
                &["git", "-c", "alias.p=!sh tools/op.sh", "p"],
                Some(Wrapper::Runner),
            ),
            (&["git", "credential", "fill"], Some(Wrapper::Runner)),
        ],
    );
}

#[test]
fn shells_and_python_read_values_as_values() {
    let dir = project();
    check(
        dir.path(),
        &[
            // Shells: `-o`/`+o`/`-O` take the next word, and letters after them in the
            // same word are still options (bash runs `-oc pipefail 'code'`).
            (
                &[
                    "bash",
                    "-eu",
                    "-o",
                    "pipefail",
                    "+o",
                    "xtrace",
                    "providers/op.sh",
                ][..],
                None,
            ),
            (&["bash", "-oc", "pipefail", "touch x"], Some(Wrapper::Text)),
            (&["bash", "-O", "extdebug", "providers/op.sh"], option("-O")),
            (
                &["bash", "-o", "providers/rc", "providers/op.sh"],
                option("-o"),
            ),
            (&["bash", "--norc", "--noprofile", "providers/op.sh"], None),
            (&["bash", "-i", "providers/op.sh"], option("-i")),
            (&["bash", "-s"], option("-s")),
            (&["sh", "-", "providers/op.sh"], None),
            (&["sh"], Some(Wrapper::Text)),
            (&["fish", "-f", "x", "-c", "y"], option("-f")),
            // Python: known `-X` values only; a `-W` category that names a module is
            // imported; no script is code from stdin.
            (&["python3", "-I", "-X", "utf8", "providers/op.py"], None),
            (
                &["python3", "-Xfrozen_modules=off", "providers/op.py"],
                None,
            ),
            (
                &["python3", "-X", "presite=tools.op", "providers/op.py"],
                option("-X"),
            ),
            (
                &[
                    "python3",
                    "-W",
                    "error::tools.op.Warning",
                    "providers/op.py",
                ],
                option("-W"),
            ),
            (&["python3", "-OO", "-bb", "-u", "providers/op.py"], None),
            (&["python3", "-i", "providers/op.py"], option("-i")),
            (&["python3", "-P"], Some(Wrapper::Text)),
            (&["python3", "-", "providers/op.py"], Some(Wrapper::Text)),
            (&["python3", "--", "providers/op.py"], None),
            (
                &["python3", "-Pm", "pip", "install", "x"],
                Some(Wrapper::Module("pip".to_owned())),
            ),
        ],
    );
}

#[test]
fn perl_ruby_node_and_the_rest_read_values_as_values() {
    let dir = project();
    check(
        dir.path(),
        &[
            // Perl: a module and its import list, no code; `-I` a directory that exists.
            (
                &[
                    "perl",
                    "-w",
                    "-Mstrict",
                    "-MList::Util=sum,max",
                    "-M-warnings",
                    "providers/op.pl",
                ],
                None,
            ),
            (&["perl", "-wMstrict", "providers/op.pl"], None),
            (&["perl", "-CSDA", "-C", "providers/op.pl"], None),
            (
                &["perl", "-MO=Deparse;system'x'", "providers/op.pl"],
                option("-M"),
            ),
            (&["perl", "-Inothere", "providers/op.pl"], option("-I")),
            (&["perl", "-S", "op.pl"], option("-S")),
            (&["perl", "-d:Trace", "providers/op.pl"], option("-d:Trace")),
            // Ruby: a library by name.
            (
                &["ruby", "-w", "-rjson", "-I", "lib", "providers/op.rb"],
                None,
            ),
            (&["ruby", "-r./tools/op", "providers/op.rb"], option("-r")),
            // Node: `--require`/`--import` only with a file by its path.
            (
                &[
                    "node",
                    "--no-warnings",
                    "--require",
                    "./providers/noop.js",
                    "providers/op.js",
                ],
                None,
            ),
            (
                &["node", "--import=./providers/noop.js", "providers/op.js"],
                None,
            ),
            (
                &["node", "-r", "dotenv/config", "providers/op.js"],
                option("-r"),
            ),
            (
                &["node", "--env-file=.env", "providers/op.js"],
                option("--env-file"),
            ),
            (
                &["node", "--loader", "./providers/noop.js", "providers/op.js"],
                option("--loader"),
            ),
            // The others take no option before their script.
            (
                &[
                    "php",
                    "-d",
                    "auto_prepend_file=tools/x.php",
                    "providers/op.php",
                ],
                option("-d"),
            ),
            (&["php", "-n", "providers/op.php"], None),
            (&["lua", "-l", "tools", "providers/op.lua"], option("-l")),
            (
                &["pwsh", "-NoProfile", "-File", "providers/op.ps1"],
                option("-NoProfile"),
            ),
            (&["pwsh", "-Command", "x"], Some(Wrapper::Text)),
            (&["gdb", "-batch", "-ex", "shell x"], option("-batch")),
            (
                &["vim", "+!sh tools/x", "providers/op.sh"],
                option("+!sh tools/x"),
            ),
            (
                &[
                    "ipython",
                    "--InteractiveShellApp.exec_lines=x",
                    "providers/op.py",
                ],
                option("--InteractiveShellApp.exec_lines"),
            ),
        ],
    );
}

#[test]
fn values_that_add_a_search_path_or_run_text_are_refused() {
    let dir = project();
    check(
        dir.path(),
        &[
            // A nineteenth adversarial pass: `lib` with a list adds an unpinned directory, `blib`
            // searches the parents; Bundler runs the Gemfile; `imaplib -s` a shell.
            (
                &["perl", "-Mlib=nothing,tools", "-MEvil", "providers/op.pl"],
                option("-M"),
            ),
            (&["perl", "-w", "-Mblib", "providers/op.pl"], option("-M")),
            (&["perl", "-Mlib=providers", "providers/op.pl"], None),
            (
                &["ruby", "-rbundler/setup", "providers/op.rb"],
                option("-r"),
            ),
            (
                &["python3", "-P", "-m", "imaplib", "-s", "sh tools/x.sh"],
                Some(Wrapper::Module("imaplib".to_owned())),
            ),
            (
                &["awk", "BEGIN{system(\"sh tools/x.sh\")}", "-fx"],
                Some(Wrapper::Text),
            ),
            (
                &["sqlite3", ":memory:", ".shell sh tools/x.sh"],
                Some(Wrapper::Text),
            ),
            (
                &["openssl", "engine", "dynamic", "-pre", "SO_PATH:tools/x.so"],
                option("engine"),
            ),
            // A twentieth: `if` passes `lib` a directory; npm's aliases run scripts.
            (
                &["perl", "-Mif=1,lib,tools", "providers/op.pl"],
                option("-M"),
            ),
            (
                &["perl", "-Mbigint=lib,GMP", "providers/op.pl"],
                option("-M"),
            ),
            (&["npm", "rum", "provider"], Some(Wrapper::Runner)),
            (&["npm", "t"], Some(Wrapper::Runner)),
            (&["yarn", "provider"], Some(Wrapper::Runner)),
            (&["bun", "run", "provider"], Some(Wrapper::Runner)),
        ],
    );
}

#[test]
fn a_scripts_own_switches_are_held_to_the_same_list() {
    // A twentieth adversarial pass: Perl reads `-Itools` from `#!/usr/bin/perl -Itools`
    // even when run as `perl providers/op.pl`, and nothing pinned `tools`.
    let dir = project();
    std::fs::write(
        dir.path().join("providers/switched.pl"),
        "#!/usr/bin/perl -w -Itools\nuse Helper;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("providers/warned.pl"),
        "#!/usr/bin/perl -wT\nprint 1;\n",
    )
    .unwrap();
    // A twenty-first: a `#!` line naming another program (Perl runs it), and a switch
    // past the kernel's 255 bytes (Perl still reads it).
    std::fs::write(
        dir.path().join("providers/other.pl"),
        "#!tools/helper\nprint 1;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("providers/long.pl"),
        format!(
            "#!/usr/bin/perl -w{}-Itools2\nuse Helper;\n",
            " ".repeat(260)
        ),
    )
    .unwrap();
    check(
        dir.path(),
        &[
            (
                &["perl", "providers/switched.pl"],
                option("-Itools` on the `#!` line of `providers/switched.pl"),
            ),
            (&["perl", "providers/warned.pl"], None),
            (
                &["perl", "providers/other.pl"],
                option("#!tools/helper` on the `#!` line of `providers/other.pl"),
            ),
            (
                &["perl", "providers/long.pl"],
                option("-Itools2` on the `#!` line of `providers/long.pl"),
            ),
        ],
    );
}

#[test]
fn a_script_that_is_a_fifo_is_not_waited_on() {
    // Reading a script's `#!` line opened it as any file: a FIFO in its place would have
    // kept `allow` waiting for a writer. Bounded: a hang fails after 10 s.
    let dir = project();
    let fifo = dir.path().join("providers/fifo.pl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    let base = dir.path().to_path_buf();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let args = vec!["providers/fifo.pl".to_owned()];
        let _ = sender.send(wrapped(&["perl".to_owned()], &args, &base));
    });
    let answer = receiver
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("reading the script's #! line waited on a FIFO");
    assert_eq!(answer, None);
}

#[test]
fn pythons_own_modules_run_by_path_programs_that_run_text_and_build_tools_are_refused() {
    // A twenty-second adversarial pass: `python3 .../pdb.py` and `pdb3` did what `-m
    // pdb` is refused for (`.pdbrc` from the working directory ran); `ssh -o
    // ProxyCommand=...`, Maven's `.mvn/jvm.config` and `pydoc3`'s `.` ran unpinned code.
    let dir = project();
    let library = dir.path().join("usr/lib/python3.11");
    std::fs::create_dir_all(library.join("idlelib")).unwrap();
    std::fs::create_dir_all(dir.path().join("python")).unwrap();
    for file in ["pdb.py", "timeit.py", "json.py", "idlelib/__main__.py"] {
        std::fs::write(library.join(file), "").unwrap();
    }
    // The repository's own `python/trace.py` is its code, pinned: not the library's.
    std::fs::write(dir.path().join("python/trace.py"), "").unwrap();
    check(
        dir.path(),
        &[
            (
                &[
                    "python3",
                    "-P",
                    "usr/lib/python3.11/pdb.py",
                    "providers/op.py",
                ],
                Some(Wrapper::Module("pdb".to_owned())),
            ),
            (
                &["python3", "-I", "usr/lib/python3.11/timeit.py", "pass"],
                Some(Wrapper::Module("timeit".to_owned())),
            ),
            (
                &["python3", "usr/lib/python3.11/idlelib/__main__.py"],
                Some(Wrapper::Module("idlelib".to_owned())),
            ),
            (&["python3", "usr/lib/python3.11/json.py"], None),
            (&["python3", "python/trace.py"], None),
            (&["pdb3", "providers/op.py"], Some(Wrapper::Runner)),
            (&["pydoc3.11", "provider"], Some(Wrapper::Runner)),
            (
                &[
                    "ssh",
                    "-o",
                    "ProxyCommand=sh tools/x.sh",
                    "store",
                    "cat",
                    "/s",
                ],
                Some(Wrapper::Text),
            ),
            (
                &["rsync", "-e", "sh tools/x.sh", "a", "b"],
                Some(Wrapper::Text),
            ),
            (
                &["tar", "-I", "sh tools/x.sh", "-xf", "a"],
                Some(Wrapper::Text),
            ),
            (
                &["mvn", "-q", "-f", "providers/pom.xml"],
                Some(Wrapper::Runner),
            ),
            (&["gradlew", "run"], Some(Wrapper::Runner)),
        ],
    );
}

#[test]
fn compiled_library_modules_busybox_applets_perl_debugger_and_more_text_runners_are_refused() {
    // A twenty-third adversarial pass: each of these ran code `allow` never pinned.
    let dir = project();
    let library = dir.path().join("usr/lib/python3.11/__pycache__");
    std::fs::create_dir_all(&library).unwrap();
    std::fs::write(library.join("pdb.cpython-311.pyc"), "").unwrap();
    check(
        dir.path(),
        &[
            (
                &[
                    "python3",
                    "-P",
                    "usr/lib/python3.11/__pycache__/pdb.cpython-311.pyc",
                    "providers/op.py",
                ],
                Some(Wrapper::Module("pdb".to_owned())),
            ),
            (
                &["zip", "-q", "-T", "-TT", "sh tools/x.sh", "out", "a"],
                Some(Wrapper::Text),
            ),
            (
                &["wget", "-e", "use_askpass = tools/ap", "url"],
                Some(Wrapper::Text),
            ),
            (
                &["tmux", "new-session", "-d", "sh tools/x.sh"],
                Some(Wrapper::Text),
            ),
            (
                &["flask", "--app", "providers.web", "routes"],
                Some(Wrapper::Runner),
            ),
            (
                &["dotenv", "run", "--", "providers/op.sh"],
                Some(Wrapper::Runner),
            ),
            (
                &["python3", "-P", "-m", "flask", "--app", "providers.web"],
                Some(Wrapper::Module("flask".to_owned())),
            ),
            (
                &["java", "-javaagent:tools/agent.jar", "providers/Op.java"],
                option("-javaagent:tools/agent.jar"),
            ),
            (&["java", "providers/Op.java"], None),
        ],
    );
    // Busybox run as `sh` through a link is `sh`: `-c` is code as text; run by its own
    // name, the applet is the first word, and no applet reads stdin.
    let args = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    let names = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        wrapped(
            &names(&["sh", "sh", "busybox"]),
            &args(&["-c", "sh tools/x.sh"]),
            dir.path()
        ),
        Some(Wrapper::Text)
    );
    assert_eq!(
        wrapped(
            &names(&["busybox", "busybox", "busybox"]),
            &args(&["sh", "-c", "x"]),
            dir.path()
        ),
        Some(Wrapper::Text)
    );
    assert_eq!(
        wrapped(&names(&["busybox", "busybox", "busybox"]), &[], dir.path()),
        Some(Wrapper::Text)
    );
    // Perl's debugger, a file of its library, reads `.perldb` from the working
    // directory (where Debian keeps it; elsewhere the case proves nothing).
    if let Some(debugger) = std::fs::read_dir("/usr/share/perl")
        .ok()
        .and_then(|mut versions| versions.next())
        .and_then(Result::ok)
        .map(|version| version.path().join("perl5db.pl"))
        .filter(|path| path.is_file())
    {
        let debugger = debugger.display().to_string();
        assert_eq!(
            wrapped(&names(&["perl"]), &args(&[debugger.as_str()]), dir.path()),
            Some(Wrapper::Module("perl5db.pl".to_owned()))
        );
    }
}

#[test]
fn a_busybox_link_to_another_program_java_argument_files_and_asgi_servers_are_refused() {
    let dir = project();
    let args = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    let names = args;
    // A twenty-fourth: a link named `busybox` to `dash` is `dash`.
    assert_eq!(
        wrapped(
            &names(&["busybox", "busybox", "dash"]),
            &args(&["-c", "python3 x.py"]),
            dir.path()
        ),
        Some(Wrapper::Text)
    );
    check(
        dir.path(),
        &[
            (&["java", "@args.txt"], option("@args.txt")),
            (&["py.test", "providers/test_a.py"], Some(Wrapper::Runner)),
            (&["uvicorn", "app:app"], Some(Wrapper::Runner)),
            (
                &["python3", "-P", "-m", "uvicorn", "app:app"],
                Some(Wrapper::Module("uvicorn".to_owned())),
            ),
        ],
    );
}
