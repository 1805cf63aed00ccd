//! The command-line reference of the documentation site (`docs/reference/cli.md`),
//! rendered from the clap definitions in `args.rs`, as uv renders its own: every command,
//! argument and option, with its help, possible values and default. A test compares the
//! page with what the definitions give and fails on any difference; with
//! `SECRETARY_UPDATE_DOCS=1` it writes the page instead:
//!
//! ```sh
//! SECRETARY_UPDATE_DOCS=1 cargo test -p secretary-cli --bin secretary cli_reference
//! ```
//!
//! Test-only: the command itself never renders this page.

use std::fmt::Write as _;

use clap::{Arg, Command, CommandFactory as _};

use crate::args::Args;

/// Where the page lives, from this crate's directory.
const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reference/cli.md");

/// The whole page.
fn render() -> String {
    let mut command = Args::command();
    // Built first, so that every subcommand carries the options propagated to it.
    command.build();
    let mut out = String::from(
        "# Command-line reference\n\n\
         <!-- Generated from crates/secretary-cli/src/args.rs by\n\
         `SECRETARY_UPDATE_DOCS=1 cargo test -p secretary-cli --bin secretary cli_reference`;\n\
         a test fails when this page and the command line differ. Do not edit by hand. -->\n\n\
         Every command, argument and option of `secretary`, as its `--help` gives them.\n\
         What each command does, with its rules and examples, is on [Commands](commands.md);\n\
         the variables it reads are on [Environment variables](environment.md), and its exit\n\
         codes on [Exit codes](exit-codes.md).\n\n",
    );
    let mut parents = Vec::new();
    render_command(&mut out, &command, &mut parents);
    out
}

/// One command's section, then its subcommands'.
fn render_command<'a>(out: &mut String, command: &'a Command, parents: &mut Vec<&'a str>) {
    if command.is_hide_set() || command.get_name() == "help" {
        return;
    }
    let name = parents
        .iter()
        .copied()
        .chain(std::iter::once(command.get_name()))
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(out, "## {name}\n");
    if let Some(about) = command.get_long_about().or_else(|| command.get_about()) {
        let _ = writeln!(out, "{}\n", prose(&about.to_string()));
    }
    let usage = command.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ");
    let _ = writeln!(out, "```\n{usage}\n```\n");

    let subcommands: Vec<&Command> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .collect();
    if !subcommands.is_empty() {
        out.push_str("| command | what it does |\n| --- | --- |\n");
        for sub in &subcommands {
            let full = format!("{name} {}", sub.get_name());
            let about = sub
                .get_about()
                .map(|about| first_sentence(&about.to_string()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| [`{full}`](#{}) | {} |",
                full.replace(' ', "-"),
                prose(&about).replace('|', "\\|")
            );
        }
        out.push('\n');
    }

    let positionals: Vec<&Arg> = command
        .get_positionals()
        .filter(|arg| !arg.is_hide_set())
        .collect();
    if !positionals.is_empty() {
        out.push_str("Arguments:\n\n");
        for arg in positionals {
            let value = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| arg.get_id().as_str().to_uppercase(), ToString::to_string);
            describe(out, &format!("`{value}`"), arg);
        }
        out.push('\n');
    }

    // Options by heading: the command's own first, then "Global options".
    let options: Vec<&Arg> = command
        .get_arguments()
        .filter(|arg| !arg.is_positional() && !arg.is_hide_set())
        .collect();
    let mut headings: Vec<Option<&str>> = Vec::new();
    for arg in &options {
        if !headings.contains(&arg.get_help_heading()) {
            headings.push(arg.get_help_heading());
        }
    }
    headings.sort_by_key(Option::is_some);
    for heading in headings {
        let _ = writeln!(out, "{}:\n", heading.unwrap_or("Options"));
        for arg in options
            .iter()
            .filter(|arg| arg.get_help_heading() == heading)
        {
            describe(out, &spelling(arg), arg);
        }
        out.push('\n');
    }

    if let Some(after) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
    {
        let _ = writeln!(out, "```\n{}\n```\n", after.to_string().trim_end());
    }

    parents.push(command.get_name());
    for sub in subcommands {
        render_command(out, sub, parents);
    }
    parents.pop();
}

/// How an option is typed: `--format FORMAT`, `-o`, `--output FILE`.
fn spelling(arg: &Arg) -> String {
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        names.push(format!("--{long}"));
    }
    let mut text = names.join(", ");
    if arg.get_num_args().is_none_or(|range| range.takes_values())
        && arg.get_action().takes_values()
    {
        let value = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map_or_else(|| arg.get_id().as_str().to_uppercase(), ToString::to_string);
        let _ = write!(text, " {value}");
    }
    format!("`{text}`")
}

/// A definition-list item: the spelling, its help, possible values and default.
fn describe(out: &mut String, spelled: &str, arg: &Arg) {
    let help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|help| prose(&help.to_string()))
        .unwrap_or_default();
    let _ = write!(out, "- {spelled}: {help}");
    if !help.is_empty() && !help.ends_with(['.', ')', '!']) {
        out.push('.');
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| match value.get_help() {
            Some(help) => format!("`{}` ({})", value.get_name(), prose(&help.to_string())),
            None => format!("`{}`", value.get_name()),
        })
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        let _ = write!(out, " One of: {}.", values.join(", "));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        let _ = write!(out, " Default: `{}`.", defaults.join(","));
    }
    out.push('\n');
}

/// Help text as Markdown prose: one paragraph, with what Markdown would take for markup
/// (angle brackets, a bracket that could start a link) escaped.
fn prose(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('*', "\\*")
}

/// The first sentence of a command's help, for the table of subcommands.
fn first_sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(end) => text[..=end].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::{PAGE, render};

    #[test]
    fn the_cli_reference_page_is_what_the_command_line_defines() {
        let rendered = render();
        if std::env::var_os("SECRETARY_UPDATE_DOCS").is_some_and(|value| value == "1") {
            std::fs::write(PAGE, &rendered).expect("docs/reference/cli.md is writable");
            return;
        }
        let page = std::fs::read_to_string(PAGE).unwrap_or_default();
        if page != rendered {
            let first = page
                .lines()
                .zip(rendered.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| page.lines().count().min(rendered.lines().count()));
            let around = |text: &str| {
                text.lines()
                    .skip(first.saturating_sub(2))
                    .take(6)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "docs/reference/cli.md differs from the command line's definitions from line \
                 {}:\n--- the page:\n{}\n--- the command line:\n{}\n\
                 help: run `SECRETARY_UPDATE_DOCS=1 cargo test -p secretary-cli --bin secretary \
                 cli_reference` and commit the page",
                first + 1,
                around(&page),
                around(&rendered)
            );
        }
    }

    #[test]
    fn every_command_and_option_is_on_the_page() {
        let rendered = render();
        for command in ["check", "run", "import", "cache clear", "provider-check"] {
            assert!(
                rendered.contains(&format!("## secretary {command}\n")),
                "{command}"
            );
        }
        for option in [
            "`--manifest PATH`",
            "`--on-change ACTION`",
            "`-o, --output FILE`",
        ] {
            assert!(rendered.contains(option), "{option}");
        }
    }
}
