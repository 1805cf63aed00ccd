//! Turning library outcomes into text for people: errors, problem reports, tables.
//! Nothing here ever receives a value except `status`'s non-sensitive column.

use std::fmt::Write as _;

use secretary::{Report, Terms};

pub use secretary::file::shown_path;

/// The command line's words, where a message names the interface: `--env` chose the
/// environment.
pub const TERMS: Terms = Terms::new(
    "--env",
    "`secretary run` and `export` leave it out when it is not set",
);

/// Every problem in `report`, grouped so one failed source is told once: the library's
/// [`secretary::Summary`], in the command line's terms.
pub fn problems(report: &Report) -> String {
    problems_of(&report.summary())
}

/// [`problems`] of a summary already made: the one way the command line prints a
/// problem report (`check` printed its own raw, a thirtieth adversarial pass).
pub fn problems_of(summary: &secretary::Summary) -> String {
    secretary::printable::lines(&summary.problem_report(&TERMS))
}

/// `error: 3 problems in environment `production` (secrets.toml): 2 missing, 1 invalid`.
pub fn summary(report: &Report, shown: &str) -> String {
    format!("error: {}", report.summary().headline(shown))
}

/// Warnings for stderr: file permissions and fall-throughs past failed sources (each
/// source once).
pub fn warnings(report: &Report) -> String {
    let mut text = String::new();
    for warning in &report.warnings {
        let _ = writeln!(
            text,
            "warning: {}",
            secretary::printable::lines(&warning.to_string())
        );
    }
    for skipped in report.summary().skipped() {
        let _ = writeln!(
            text,
            "warning: source `{}` failed and was skipped (on_source_error = \"next\") for {}: {}",
            skipped.source,
            skipped.keys.join(", "),
            secretary::printable::lines(&skipped.error.to_string())
        );
    }
    text
}

/// A left-aligned table with a header row; the last column is not padded. A cell's
/// control and invisible characters are shown escaped (`\n`, `\u{1b}`, `\u{202e}`):
/// text read from a file (a last-known-good copy's header, brought from elsewhere) could
/// otherwise move the cursor, colour the terminal or forge rows (a twelfth adversarial
/// pass).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| secretary::printable::text(cell).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                line.push_str(cell);
            } else {
                // Padded by hand: a width over 65,535 (a manifest's long `env` list) made
                // `format!`'s padding panic (a thirty-ninth adversarial pass).
                line.push_str(cell);
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The sensitive secrets whose values are not known, so neither redacted nor searched
/// for: those with none, but a template whose sensitive inputs all have one (it is
/// redacted and searched for through them, as it is made of them and its text).
pub fn unknown_values(report: &secretary::Report) -> Vec<&str> {
    let known = |key: &str| {
        report
            .get(key)
            .is_some_and(|input| input.value.is_some() || !input.spec.sensitive)
    };
    report
        .resolutions
        .iter()
        .filter(|resolution| resolution.spec.sensitive && resolution.value.is_none())
        .filter(|resolution| {
            !resolution
                .spec
                .template
                .as_ref()
                .is_some_and(|template| template.inputs().all(known))
        })
        .map(secretary::Resolution::key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn a_cell_cannot_move_the_cursor_colour_the_terminal_or_forge_a_row() {
        let shown = table(
            &["APP", "ENVIRONMENT"],
            &[vec![
                "shop\u{1b}[2J".to_owned(),
                "prod\nshop  forged\u{202e}".to_owned(),
            ]],
        );
        assert_eq!(
            shown,
            "APP            ENVIRONMENT\nshop\\u{1b}[2J  prod\\nshop  forged\\u{202e}\n"
        );
        assert_eq!(shown.lines().count(), 2);
    }
}
