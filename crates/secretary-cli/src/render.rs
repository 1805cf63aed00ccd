//! Turning library outcomes into text for people: errors, problem reports, tables.
//! Nothing here ever receives a value except `status`'s non-sensitive column.

use std::fmt::Write as _;

use secretary::manifest::unknown_environment;
use secretary::{ProblemKind, Report};

pub use secretary::file::shown_path;

/// An error that stopped a command: `error: ...` and, where there is one, `help: ...`.
/// Paths are shown relative to the working directory, as the user would type them.
pub fn error(error: secretary::Error) -> String {
    use secretary::Error;
    let error = match error {
        Error::Manifest(mut manifest) => {
            manifest.path = shown_path(&manifest.path);
            Error::Manifest(manifest)
        }
        Error::ReadManifest { path, reason } => Error::ReadManifest {
            path: shown_path(&path),
            reason,
        },
        Error::UnknownEnvironment {
            name,
            chosen_by,
            manifest,
            defined,
        } => {
            // The library words it; here, the caller is `--env`.
            let mut text = format!(
                "error: {}\n",
                unknown_environment(name.as_deref(), &chosen_by, "--env", &shown_path(&manifest))
            );
            let _ = writeln!(
                text,
                "  help: use one of: {} (or add [environments.NAME] to the manifest)",
                defined.join(", ")
            );
            return text;
        }
        Error::UnknownKey {
            key,
            manifest,
            suggestion,
        } => Error::UnknownKey {
            key,
            manifest: shown_path(&manifest),
            suggestion,
        },
        other => other,
    };
    let mut text = format!("error: {error}\n");
    if let Some(hint) = hint(&error) {
        let _ = writeln!(text, "  help: {hint}");
    }
    text
}

/// What the user can do about `error`, in the command line's own terms.
fn hint(error: &secretary::Error) -> Option<String> {
    use secretary::Error;
    match error {
        Error::ManifestNotFound { .. } => Some(
            "pass --manifest PATH, set SECRETARY_MANIFEST, or run from the application's directory"
                .to_owned(),
        ),
        Error::UnknownKey { suggestion, .. } => Some(match suggestion {
            Some(key) => format!("did you mean `{key}`? `secretary list` shows every key"),
            None => "`secretary list` shows every declared key".to_owned(),
        }),
        _ => None,
    }
}

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
