//! ARCHITECTURE.md's promises about the command line's modules, kept: `commands` may use
//! `args`, `child`, `diagnostic`, `render` and `exit`, and none of those uses `commands`;
//! no two commands use each other in a cycle (`run` once used `watch`, which used `run`);
//! what every command stands on (the session, the settings, failures, output) uses no
//! command.
//! Read from the source: every `crate::module` and, inside `commands/`, `super::file`
//! path outside comments and tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use secretary_test_support::architecture::{after, code, cycle_through};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Each module (`child`, `commands/run`, ...) and the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(SRC);
    let commands: BTreeSet<String> = std::fs::read_dir(src.join("commands"))
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".rs").to_owned()
        })
        .collect();
    let mut graph = BTreeMap::new();
    let mut add = |module: String, text: &str, inside_commands: bool| {
        let code = code(text);
        let mut deps = BTreeSet::new();
        for top in after(&code, "crate::") {
            if top == "commands" {
                for file in after(&code, "crate::commands::") {
                    let file = if commands.contains(&file) {
                        file
                    } else {
                        "mod".into()
                    };
                    deps.insert(format!("commands/{file}"));
                }
            } else {
                deps.insert(top);
            }
        }
        if inside_commands {
            for file in after(&code, "super::") {
                let file = if commands.contains(&file) {
                    file
                } else {
                    "mod".into()
                };
                deps.insert(format!("commands/{file}"));
            }
        }
        deps.remove(&module);
        graph.insert(module, deps);
    };
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            add(name, &std::fs::read_to_string(&path).unwrap(), false);
        }
    }
    for file in &commands {
        let path = src.join("commands").join(format!("{file}.rs"));
        add(
            format!("commands/{file}"),
            &std::fs::read_to_string(path).unwrap(),
            true,
        );
    }
    // `mod.rs` declares the command files: that is not a use.
    if let Some(deps) = graph.get_mut("commands/mod") {
        deps.retain(|dep| !dep.starts_with("commands/") || code_uses_file(src, dep));
    }
    graph
}

/// Whether `commands/mod.rs` uses `dep` (a `commands/FILE`) beyond declaring it.
fn code_uses_file(src: &Path, dep: &str) -> bool {
    let file = dep.trim_start_matches("commands/");
    let text = code(&std::fs::read_to_string(src.join("commands/mod.rs")).unwrap());
    text.contains(&format!("{file}::"))
}

#[test]
fn the_command_lines_modules_have_no_import_cycle() {
    let graph = graph();
    assert!(
        graph.contains_key("commands/run") && graph.contains_key("child"),
        "the modules were found: {graph:?}"
    );
    for (module, deps) in &graph {
        // `commands/mod` dispatches to every command, and each uses its shared helpers;
        // a cycle through it is the module tree, not a tangle.
        if module == "commands/mod" {
            continue;
        }
        let without_mod: BTreeMap<String, BTreeSet<String>> = graph
            .iter()
            .filter(|(name, _)| *name != "commands/mod")
            .map(|(name, deps)| {
                let deps = deps.iter().filter(|d| *d != "commands/mod").cloned();
                (name.clone(), deps.collect())
            })
            .collect();
        let cycle = cycle_through(&without_mod, module);
        assert!(
            cycle.is_none(),
            "an import cycle: {} ({deps:?})",
            cycle.unwrap().join(" -> ")
        );
    }
    for module in ["args", "child", "diagnostic", "render", "exit", "harden"] {
        let uses: Vec<&String> = graph[module]
            .iter()
            .filter(|dep| dep.starts_with("commands"))
            .collect();
        assert!(uses.is_empty(), "`{module}` uses {uses:?}");
    }
}

#[test]
fn what_every_command_stands_on_uses_no_command() {
    let graph = graph();
    let shared = [
        "commands/session",
        "commands/settings",
        "commands/failure",
        "commands/output",
    ];
    for module in shared {
        let uses: Vec<&String> = graph[module]
            .iter()
            .filter(|dep| dep.starts_with("commands/") && !shared.contains(&dep.as_str()))
            .collect();
        assert!(uses.is_empty(), "`{module}` uses {uses:?}");
    }
}
