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
    report.summary().problem_report(&TERMS)
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
        let _ = writeln!(text, "warning: {warning}");
    }
    for skipped in report.summary().skipped() {
        let _ = writeln!(
            text,
            "warning: source `{}` failed and was skipped (on_source_error = \"next\") for {}: {}",
            skipped.source,
            skipped.keys.join(", "),
            skipped.error
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
        .map(|row| row.iter().map(|cell| plain(cell)).collect())
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
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `text` with each character that is not seen as itself written as its escape: control
/// characters, spaces other than the ASCII space, and Unicode's default-ignorable code
/// points (bidirectional overrides and isolates, zero-width characters, fillers, variation
/// selectors, tags), with the interlinear annotations and the braille blank (a
/// seventeenth adversarial pass found a filler and a tag shown raw).
fn plain(text: &str) -> String {
    if !text.chars().any(hidden) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Unicode's `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt, Unicode 15.1),
/// as ranges: shown as nothing at all by a terminal that knows them.
const DEFAULT_IGNORABLE: [(char, char); 17] = [
    ('\u{00ad}', '\u{00ad}'),
    ('\u{034f}', '\u{034f}'),
    ('\u{061c}', '\u{061c}'),
    ('\u{115f}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180f}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{206f}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{fff0}', '\u{fff8}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0000}', '\u{e0fff}'),
];

/// Whether `c` is not seen as itself in a terminal (see [`plain`]).
fn hidden(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{fff9}'..='\u{fffb}' | '\u{2800}')
        || DEFAULT_IGNORABLE
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
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

    #[test]
    fn nothing_invisible_or_space_like_is_shown_raw() {
        // A seventeenth adversarial pass: fillers, a tag, a variation selector and the
        // braille blank were printed as they are.
        for c in [
            '\u{034f}',
            '\u{115f}',
            '\u{3164}',
            '\u{180e}',
            '\u{2800}',
            '\u{e0041}',
            '\u{fe0f}',
            '\u{fffa}',
            '\u{00a0}',
            '\u{2003}',
            '\u{3000}',
        ] {
            let shown = table(&["KEY"], &[vec![format!("api{c}key")]]);
            assert!(!shown.contains(c), "U+{:04X} shown raw", u32::from(c));
            assert!(
                shown.contains(&format!("{}", c.escape_unicode())),
                "{shown}"
            );
        }
        // Letters of any script, accents and the ASCII space are themselves.
        let shown = table(&["KEY"], &[vec!["café 東京 é".to_owned()]]);
        assert!(shown.contains("café 東京 é"), "{shown}");
    }
}
