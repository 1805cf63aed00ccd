//! Reading a crate's module graph from its source, for the tests that hold the code to
//! ARCHITECTURE.md: which module names which, and whether they form a cycle.

use std::collections::{BTreeMap, BTreeSet};

/// The code of a file without its comments and its test module.
pub fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers right after each `prefix` in `code`, and inside each `prefix{...}`:
/// `after(code, "crate::")` names the modules a file uses.
pub fn after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for part in group.split(',') {
                found.insert(ident(part.trim()));
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

/// A cycle through `start` in `graph` (module to the modules it uses), as the path from
/// `start` back to it, if there is one. Modules `graph` does not list use nothing.
pub fn cycle_through(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
) -> Option<Vec<String>> {
    back_to(graph, start, start, &mut vec![start.to_owned()])
}

fn back_to(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    at: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    for next in graph.get(at).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_owned());
            return Some(cycle);
        }
        if !path.contains(next) {
            path.push(next.clone());
            if let Some(cycle) = back_to(graph, start, next, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}
