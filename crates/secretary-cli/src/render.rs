//! Turning library outcomes into text for people: errors, problem reports, tables.
//! Nothing here ever receives a value except `status`'s non-sensitive column.

use std::fmt::Write as _;

use secretary::{ProblemKind, Report};

pub use secretary::file::shown_path;

const LABEL_WIDTH: usize = 13;

fn field(text: &mut String, label: &str, value: &str) {
    let _ = writeln!(text, "    {:<LABEL_WIDTH$}{value}", format!("{label}:"));
}

/// Every problem in `report`, grouped so one failed source is told once.
pub fn problems(report: &Report) -> String {
    let mut text = String::new();
    // Source failures, grouped by source and message.
    let mut groups: Vec<(String, String, String, Vec<&str>)> = Vec::new();
    for resolution in &report.resolutions {
        for problem in &resolution.problems {
            let (source, message) = match &problem.kind {
                ProblemKind::SourceFailed { source, error } => (source, error.to_string()),
                ProblemKind::Outage {
                    source,
                    cause,
                    copy,
                } => (
                    source,
                    format!("{cause}; its last-known-good copy cannot be served: {copy}"),
                ),
                _ => continue,
            };
            match groups.iter_mut().find(|g| g.0 == *source && g.1 == message) {
                Some(group) => group.3.push(resolution.key()),
                None => groups.push((
                    source.clone(),
                    message,
                    problem.fix.to_string(),
                    vec![resolution.key()],
                )),
            }
        }
    }
    for (source, message, hint, keys) in &groups {
        let _ = writeln!(text, "[source_error] source `{source}` failed: {message}");
        let affects = if keys.len() == 1 {
            keys[0].to_owned()
        } else {
            format!("{} ({} secrets)", keys.join(", "), keys.len())
        };
        field(&mut text, "affects", &affects);
        field(&mut text, "fix", hint);
        text.push('\n');
    }
    for resolution in &report.resolutions {
        let spec = &resolution.spec;
        for problem in &resolution.problems {
            if matches!(
                problem.kind,
                ProblemKind::SourceFailed { .. } | ProblemKind::Outage { .. }
            ) {
                continue;
            }
            let _ = writeln!(
                text,
                "[{}] {}: {}",
                problem.kind.state(),
                resolution.key(),
                problem.kind
            );
            if !spec.description.is_empty() {
                field(&mut text, "description", &spec.description);
            }
            if matches!(problem.kind, ProblemKind::Missing) {
                field(&mut text, "looked in", &resolution.looked.join(", "));
            }
            field(&mut text, "fix", &problem.fix.to_string());
            text.push('\n');
        }
    }
    text
}

/// Warnings for stderr: file permissions and fall-throughs past failed sources.
pub fn warnings(report: &Report) -> String {
    let mut text = String::new();
    for warning in &report.warnings {
        let _ = writeln!(text, "warning: {warning}");
    }
    let mut groups: Vec<(String, String, Vec<&str>)> = Vec::new();
    for resolution in &report.resolutions {
        for fallback in &resolution.fallbacks {
            let message = fallback.error.to_string();
            match groups
                .iter_mut()
                .find(|g| g.0 == fallback.source && g.1 == message)
            {
                Some(group) => group.2.push(resolution.key()),
                None => groups.push((fallback.source.clone(), message, vec![resolution.key()])),
            }
        }
    }
    for (source, message, keys) in groups {
        let _ = writeln!(
            text,
            "warning: source `{source}` failed and was skipped (on_source_error = \"next\") for {}: {message}",
            keys.join(", ")
        );
    }
    text
}

/// A left-aligned table with a header row; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
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

/// `error: 3 problems in environment `production` (secrets.toml): 2 missing, 1 invalid`.
pub fn summary(report: &secretary::Report, shown: &str) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for problem in report.resolutions.iter().flat_map(|r| &r.problems) {
        let code = problem.kind.state().as_str();
        match counts.iter_mut().find(|c| c.0 == code) {
            Some(count) => count.1 += 1,
            None => counts.push((code, 1)),
        }
    }
    let total = report.problem_count();
    let detail: Vec<String> = counts
        .iter()
        .map(|&(code, n)| match (code, n) {
            ("missing" | "invalid", _) | (_, 1) => format!("{n} {}", code.replace('_', " ")),
            _ => format!("{n} {}s", code.replace('_', " ")),
        })
        .collect();
    format!(
        "error: {total} problem{} in environment `{}` ({shown}): {}",
        if total == 1 { "" } else { "s" },
        report.environment,
        detail.join(", ")
    )
}
