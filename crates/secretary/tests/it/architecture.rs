//! ARCHITECTURE.md's promises, kept: no import cycle between the library's top-level
//! modules, and each module uses only what the code map allows it. Read from the source:
//! every `crate::module` path outside comments and tests, with the crate root's
//! re-exports (`crate::Error`, `crate::ImportAction`) mapped back to their modules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use secretary_test_support::architecture::{after, code, cycle_through};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir` but the test modules (`tests.rs`, or a `tests`
/// directory, compiled only under `#[cfg(test)]`).
fn files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "tests") {
                files(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|name| name != "tests.rs")
        {
            found.push(path);
        }
    }
}

/// `pub use module::{A, B};` in lib.rs: re-exported name to module.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names.trim_matches(['{', '}', ' ', '\n']).split(',') {
            // `Action as ImportAction`: the crate names it `ImportAction`.
            let name = name.trim();
            let name = name
                .rsplit_once(" as ")
                .map_or(name, |(_, alias)| alias.trim());
            if !name.is_empty() {
                map.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    map
}

/// Each top-level module of the library and the modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(SRC);
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let names = reexports(&lib);
    let mut found = Vec::new();
    files(src, &mut found);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &found {
        let relative = path.strip_prefix(src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let deps = graph.entry(top.clone()).or_default();
        for reference in after(&code(&text), "crate::") {
            let module = names.get(&reference).cloned().unwrap_or(reference);
            if module != top {
                deps.insert(module);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|dep| modules.contains(dep));
    }
    assert!(graph.len() > 10, "the modules were found: {graph:?}");
    graph
}

/// ARCHITECTURE.md's code map of the library: each module and what it may depend on.
fn code_map() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ARCHITECTURE.md"
    ))
    .unwrap();
    let start = text
        .find("### `crates/secretary`")
        .expect("the library's code map");
    let section = &text[start..];
    let section = &section[..section[4..]
        .find("\n### ")
        .map_or(section.len(), |end| end + 4)];
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(|name| name.trim_end_matches('/').to_owned())
            .collect()
    };
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let (Some(module), Some(allowed)) = (cells.first(), cells.last()) else {
            continue;
        };
        let module = ticked(module).remove(0);
        // `source/vault/` is part of `source`, and says so ("as `source/`").
        if module.contains('/') {
            continue;
        }
        map.insert(module, ticked(allowed).into_iter().collect());
    }
    map
}

#[test]
fn the_library_modules_have_no_import_cycle() {
    let graph = graph();
    for module in graph.keys() {
        let cycle = cycle_through(&graph, module);
        assert!(
            cycle.is_none(),
            "an import cycle: {}",
            cycle.unwrap().join(" -> ")
        );
    }
    // And the edges ARCHITECTURE.md names as absent.
    assert!(!graph["manifest"].contains("audit"), "{graph:?}");
    assert!(!graph["manifest"].contains("validate"), "{graph:?}");
}

#[test]
fn architecture_md_maps_every_module_and_every_dependency() {
    let graph = graph();
    let map = code_map();
    let mut wrong = Vec::new();
    for (module, deps) in &graph {
        let Some(allowed) = map.get(module) else {
            wrong.push(format!("`{module}` is not in the code map"));
            continue;
        };
        for dep in deps.difference(allowed) {
            wrong.push(format!(
                "`{module}` uses `{dep}`, which the map does not allow"
            ));
        }
    }
    for module in map.keys().filter(|module| !graph.contains_key(*module)) {
        wrong.push(format!("the map names `{module}`, which is not a module"));
    }
    assert!(
        wrong.is_empty(),
        "ARCHITECTURE.md is out of date:\n{}",
        wrong.join("\n")
    );
}

/// Every `.rs` file under `dir`, test modules and test binaries included.
fn every_file(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                every_file(&path, found);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_source_file_is_over_800_lines() {
    // STYLE.md's bound: one concept per file; a file that grows past it is split (its
    // unit tests into `tests.rs` first) before it takes more.
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut found = Vec::new();
    every_file(crates, &mut found);
    assert!(found.len() > 100, "the workspace's files were not found");
    let long: Vec<String> = found
        .iter()
        .filter_map(|path| {
            let count = std::fs::read_to_string(path).unwrap().lines().count();
            (count > 800).then(|| format!("{} ({count} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
}
