//! `secretary lint FILE...`: real-looking secrets in files meant to hold none (see
//! [`secretary::lint`]). Each finding names file, line, key and rule, never the value.
//! Exit 1 when anything is found; a file that cannot be read is an error (exit 2) after
//! the others are checked.

use std::io::Write;
use std::path::PathBuf;

use super::Failure;
use crate::exit::Status;

pub fn run(files: &[PathBuf], out: &mut impl Write) -> Result<Status, Failure> {
    let mut found = 0;
    let mut unreadable = 0;
    for path in files {
        // A template may hold stray bytes that are not UTF-8: they are checked as `\u{fffd}`.
        let text = match secretary::file::read(path, secretary::file::DOTENV_LIMIT) {
            Ok(bytes) => zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()),
            // Said, and the other files are checked: the status says it at the end.
            Err(reason) => {
                Failure::Unreadable {
                    path: path.clone(),
                    reason,
                }
                .say();
                unreadable += 1;
                continue;
            }
        };
        for finding in secretary::lint::lint(&text) {
            found += 1;
            let what = match (&finding.key, finding.commented) {
                _ if finding.in_key => "a variable's name".to_owned(),
                (Some(key), _) => format!("`{}`", secretary::printable::text(key)),
                (None, true) => "a comment".to_owned(),
                // A twenty-sixth adversarial pass saw `A-B=ghp_...` called a comment.
                (None, false) => "a line that is not an assignment".to_owned(),
            };
            writeln!(
                out,
                "{}:{}: {what} looks like {} (value not shown)",
                secretary::printable::path(path),
                finding.line,
                finding.rule
            )?;
        }
    }
    if found > 0 {
        writeln!(
            out,
            "\n{found} real-looking secret{} found. If a value is real: rotate it first (it has been in this file), then replace it with a placeholder such as `change-me`.",
            if found == 1 { "" } else { "s" }
        )?;
    }
    if unreadable > 0 {
        return Ok(Status::Error);
    }
    if found > 0 {
        return Ok(Status::Problems);
    }
    writeln!(
        out,
        "ok: no real-looking secrets in {} file{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    )?;
    Ok(Status::Success)
}
