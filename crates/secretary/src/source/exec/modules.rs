//! Where an interpreter finds code of the repository besides the script and its
//! directory (which `pin.rs` pins): a Python virtual environment the program belongs to,
//! and the directories Node walks up for modules.
//!
//! - **A virtual environment inside the repository** (a `pyvenv.cfg` beside the program
//!   or one directory above it, as Python looks for it) is refused: its `site-packages`
//!   is a pull request's to change (a `.pth` file there runs at start), and it is too
//!   large to pin. One outside the repository is the user's, and the program is run by
//!   the path that names it (its `bin/python` link), so that Python finds it.
//! - **A JavaScript command** (Node, Deno, Bun, a TypeScript runner, a package runner,
//!   or a script in JavaScript) resolves `require('helper')` by walking `node_modules/`
//!   from the script's directory up to `/`, and reads each `package.json` on the way
//!   (its `imports`, its `exports` for the package's own name, its `type`). So each
//!   [`NODE_LOOKUPS`] entry of each directory from a script's up to the repository's
//!   root is pinned, as it is or as absent: a `node_modules/` added at the root by a pull
//!   request (even a gitignored one) is a change, and a large one cannot be pinned.
//! - **Python run with `-m` or `-c`** (or reading its code from stdin) puts its working
//!   directory, the manifest's, first on its module path: a `module.py` added beside the
//!   manifest would run. That directory cannot be pinned, so such a command is refused
//!   unless `-P` or `-I` (which leave it out) comes first. A script's own directory is
//!   pinned (`pin.rs`); `site` runs before the script's directory joins the path, so a
//!   `sitecustomize.py` there is not read; `PYTHONPATH` and its kin are not passed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::source::program::within;

/// What Node, Deno and the TypeScript runners look for in each directory they walk up
/// through: modules, the package's own settings and import maps, and what a package
/// runner reads for where to fetch from.
pub(super) const NODE_LOOKUPS: [&str; 8] = [
    "node_modules",
    "package.json",
    "tsconfig.json",
    "jsconfig.json",
    "deno.json",
    "deno.jsonc",
    ".npmrc",
    ".pnp.cjs",
];

/// Programs that run JavaScript (or TypeScript) and resolve modules by walking up.
const NODE_PROGRAMS: [&str; 7] = [
    "node",
    "nodejs",
    "bun",
    "deno",
    "tsx",
    "ts-node",
    "ts-node-esm",
];

/// Programs that run a package's code, found from their working directory.
const PACKAGE_RUNNERS: [&str; 8] = [
    "npx", "npm", "pnpm", "pnpx", "yarn", "yarnpkg", "bunx", "corepack",
];

/// The extensions of JavaScript and TypeScript files.
const SCRIPT_EXTENSIONS: [&str; 8] = ["js", "cjs", "mjs", "jsx", "ts", "cts", "mts", "tsx"];

/// The directory of the virtual environment inside `boundary` that the program at
/// `found` (as named) or `real` (its real path) belongs to: the one holding a
/// `pyvenv.cfg` beside it or one directory above it.
pub(super) fn environment_inside(found: &Path, real: &Path, boundary: &Path) -> Option<PathBuf> {
    [found, real]
        .into_iter()
        .filter_map(Path::parent)
        .flat_map(|bin| [Some(bin), bin.parent()])
        .flatten()
        .find(|dir| {
            within(dir, boundary) && std::fs::symlink_metadata(dir.join("pyvenv.cfg")).is_ok()
        })
        .map(Path::to_path_buf)
}

/// Whether `command`, whose program is at `found` (as named) and `real` (its real
/// path), run in `base`, runs Python with its working directory first on its module
/// path: `-m`, `-c`, `-` or no script, without `-I` or `-P` before. Its script is the
/// first word after the options that names something in `base` or looks like a path
/// (`op.py`, `providers/op`): a word that does neither is an option's value
/// (`--check-hash-based-pycs default`), and the options go on after it (a thirteenth
/// adversarial pass).
pub(super) fn python_from_working_directory(
    command: &[String],
    found: &Path,
    real: &Path,
    base: &Path,
) -> bool {
    let python = [
        Path::new(command.first().map_or("", String::as_str)),
        found,
        real,
    ]
    .iter()
    .filter_map(|path| path.file_name())
    .any(|name| {
        let name = name.to_string_lossy();
        ["python", "pypy"].iter().any(|stem| {
            name.strip_prefix(stem)
                .is_some_and(|version| version.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        })
    });
    if !python {
        return false;
    }
    let mut safe = false;
    let mut words = command.iter().skip(1);
    while let Some(word) = words.next() {
        if word == "-" {
            return !safe;
        }
        if word.starts_with("--") {
            continue;
        }
        if !word.starts_with('-') {
            let script = base.join(word).exists()
                || word.contains('/')
                || Path::new(word).extension().is_some_and(|extension| {
                    ["py", "pyz", "zip"].contains(&&*extension.to_string_lossy())
                });
            if !script {
                // An option's value: the options go on.
                continue;
            }
            // The script (or a directory or archive run as one): its own directory is
            // first on the path, and `pin.rs` pins it (one not there yet is pinned, and
            // so a change, when it appears).
            return false;
        }
        let flags = word.get(1..).unwrap_or_default();
        for (at, flag) in flags.char_indices() {
            match flag {
                'I' | 'P' => safe = true,
                'm' | 'c' => return !safe,
                // Takes a value: the rest of this word, or the next.
                'W' | 'X' => {
                    if at + 1 == flags.len() {
                        words.next();
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    // No script: Python reads its code from stdin.
    !safe
}

/// How a command finds JavaScript modules: not at all (`None`), or by walking up from
/// its scripts' directories, and, for `from_working_directory`, from the working
/// directory too (a package runner; `node -e`, `node -r`, an option before the script).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NodeCommand {
    pub(super) from_working_directory: bool,
}

/// Whether `command`, whose program is at `found` (as named) and `real` (its real
/// path), runs JavaScript; `files` are its arguments that name files, each with its real
/// path.
pub(super) fn node_command(
    command: &[String],
    found: &Path,
    real: &Path,
    files: &[(String, PathBuf)],
) -> Option<NodeCommand> {
    let names: Vec<String> = [
        Path::new(command.first().map_or("", String::as_str)),
        found,
        real,
    ]
    .iter()
    .filter_map(|path| path.file_name())
    .map(|name| name.to_string_lossy().into_owned())
    .collect();
    let runner = names
        .iter()
        .any(|name| PACKAGE_RUNNERS.contains(&name.as_str()));
    let node = |name: &str| {
        name == "node"
            || name == "nodejs"
            || name.strip_prefix("node").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            })
    };
    let plain_node = names.iter().any(|name| node(name));
    let interpreter = plain_node
        || names
            .iter()
            .any(|name| NODE_PROGRAMS.contains(&name.as_str()));
    let script = |path: &Path| {
        path.extension()
            .is_some_and(|ext| SCRIPT_EXTENSIONS.contains(&ext.to_string_lossy().as_ref()))
    };
    let program_is_a_script = !interpreter && (script(real) || node_shebang(real));
    let argument_is_a_script = files.iter().any(|(_, path)| script(path));
    if !(runner || interpreter || program_is_a_script || argument_is_a_script) {
        return None;
    }
    // Node starts from the script when it is its first argument; a script run by itself
    // starts from its own directory. Anything else (a package runner, an option before
    // the script, `-e`, Deno, Bun, a TypeScript runner that reads `tsconfig.json` from
    // where it runs) may look from the working directory too.
    let first_is_a_file = command
        .get(1)
        .is_some_and(|first| files.iter().any(|(word, _)| word == first));
    let from_script = !runner && (program_is_a_script || (plain_node && first_is_a_file));
    Some(NodeCommand {
        from_working_directory: !from_script,
    })
}

/// Whether the file at `path` starts with a `#!` line naming a JavaScript program.
fn node_shebang(path: &Path) -> bool {
    // Only a regular file, never waiting on a FIFO, as every read of a script.
    let Ok(file) = crate::file::open_stream(path, true) else {
        return false;
    };
    let Ok(first) = crate::file::first_line(&file) else {
        return false;
    };
    let Some(line) = first.strip_prefix(b"#!") else {
        return false;
    };
    // What the kernel reads of it: 256 bytes, `#!` included.
    let line = line.get(..254).unwrap_or(line);
    String::from_utf8_lossy(line)
        .split(|c: char| c.is_whitespace() || c == '/')
        .any(|word| NODE_PROGRAMS.contains(&word) || PACKAGE_RUNNERS.contains(&word))
}

/// Every [`NODE_LOOKUPS`] path of each directory from each of `starts` up to `boundary`
/// (both included), but those inside a directory of `pinned` (pinned whole already).
pub(super) fn node_lookups(
    starts: &[PathBuf],
    boundary: &Path,
    pinned: &[PathBuf],
) -> Vec<PathBuf> {
    let mut paths = BTreeSet::new();
    for start in starts {
        for dir in start.ancestors().take_while(|dir| within(dir, boundary)) {
            if pinned.iter().any(|whole| within(dir, whole)) {
                continue;
            }
            for name in NODE_LOOKUPS {
                paths.insert(dir.join(name));
            }
        }
    }
    paths.into_iter().collect()
}

/// `path` as seen from `base` (both real paths): `providers/x`, `../node_modules`, or the
/// whole path when they share only `/`.
pub(super) fn relative(base: &Path, path: &Path) -> String {
    let common = base
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common <= 1 {
        return path.display().to_string();
    }
    let ups = base.components().count() - common;
    let mut shown = PathBuf::new();
    for _ in 0..ups {
        shown.push("..");
    }
    for part in path.components().skip(common) {
        shown.push(part);
    }
    if shown.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        shown.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn words(command: &[&str]) -> Vec<String> {
        command.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn a_javascript_command_is_told_by_its_program_its_scripts_or_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("p.js");
        std::fs::write(&script, "").unwrap();
        let bare = dir.path().join("run");
        std::fs::write(&bare, "#!/usr/bin/env node\n").unwrap();
        let python = dir.path().join("op.py");
        std::fs::write(&python, "#!/usr/bin/env python3\n").unwrap();
        let node = Path::new("/usr/bin/node");
        let from_script = Some(NodeCommand {
            from_working_directory: false,
        });
        let from_cwd = Some(NodeCommand {
            from_working_directory: true,
        });
        for (command, found, real, files, expected) in [
            (
                &["node", "p.js"][..],
                node,
                node,
                vec![("p.js".to_owned(), script.clone())],
                from_script,
            ),
            (
                &["node", "-r", "x", "p.js"],
                node,
                node,
                vec![("p.js".to_owned(), script.clone())],
                from_cwd,
            ),
            (
                &["node", "-e", "require('x')"],
                node,
                node,
                vec![],
                from_cwd,
            ),
            (
                &["node20", "p.js"],
                Path::new("/usr/bin/node20"),
                node,
                vec![("p.js".to_owned(), script.clone())],
                from_script,
            ),
            (
                &["npx", "provider"],
                Path::new("/usr/bin/npx"),
                Path::new("/usr/lib/npm/bin/npx-cli.js"),
                vec![],
                from_cwd,
            ),
            (&["./run"], &bare, &bare, vec![], from_script),
            (
                &["python3", "op.py"],
                Path::new("/usr/bin/python3"),
                Path::new("/usr/bin/python3.11"),
                vec![("op.py".to_owned(), python.clone())],
                None,
            ),
            (&["./op.py"], &python, &python, vec![], None),
        ] {
            assert_eq!(
                node_command(&words(command), found, real, &files),
                expected,
                "{command:?}"
            );
        }
    }

    #[test]
    fn python_puts_its_working_directory_first_for_m_and_c_unless_told_not_to() {
        for (command, expected) in [
            (&["python3", "op.py"][..], false),
            (&["python3", "-u", "op.py", "-m", "x"], false),
            (&["python3", "-m", "provider"], true),
            (&["python3", "-um", "provider"], true),
            (&["python3", "-W", "ignore", "-c", "import x"], true),
            // An option's value that is no script does not end the options.
            (
                &[
                    "python3",
                    "--check-hash-based-pycs",
                    "default",
                    "-m",
                    "provider",
                ],
                true,
            ),
            (&["python3"], true),
            (&["python3", "-"], true),
            (&["python3", "-P", "-m", "provider"], false),
            (&["python3", "-Im", "provider"], false),
            (&["node", "-e", "x"], false),
            (&["python3.11", "-m", "provider"], true),
            // A script named so is not Python itself.
            (&["python_provider.py"], false),
        ] {
            let program = Path::new("/usr/bin").join(command[0]);
            assert_eq!(
                python_from_working_directory(&words(command), &program, &program, Path::new("/")),
                expected,
                "{command:?}"
            );
        }
    }

    #[test]
    fn lookups_go_from_each_start_to_the_boundary_but_not_into_a_pinned_directory() {
        let root = Path::new("/repo");
        let starts = [
            PathBuf::from("/repo/app/providers"),
            PathBuf::from("/repo/app"),
        ];
        let lookups = node_lookups(&starts, root, &[PathBuf::from("/repo/app/providers")]);
        let node_modules: Vec<_> = lookups
            .iter()
            .filter(|path| path.ends_with("node_modules"))
            .collect();
        assert_eq!(
            node_modules,
            [
                Path::new("/repo/app/node_modules"),
                Path::new("/repo/node_modules")
            ]
        );
        assert_eq!(lookups.len(), 2 * NODE_LOOKUPS.len());
    }

    #[test]
    fn a_path_is_shown_from_the_manifests_directory() {
        let base = Path::new("/repo/app");
        assert_eq!(
            relative(base, Path::new("/repo/app/node_modules")),
            "node_modules"
        );
        assert_eq!(
            relative(base, Path::new("/repo/node_modules")),
            "../node_modules"
        );
        assert_eq!(relative(base, Path::new("/repo/tools/x")), "../tools/x");
        assert_eq!(relative(base, Path::new("/opt/venv")), "/opt/venv");
        assert_eq!(relative(base, base), ".");
    }

    #[test]
    fn a_virtual_environment_inside_the_boundary_is_found_beside_or_above_the_program() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("repo/.venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let found = venv.join("bin/python");
        let real = Path::new("/usr/bin/python3.11");
        assert_eq!(
            environment_inside(&found, real, &dir.path().join("repo")),
            Some(venv.clone())
        );
        assert_eq!(
            environment_inside(&found, real, &dir.path().join("other")),
            None
        );
    }
}
