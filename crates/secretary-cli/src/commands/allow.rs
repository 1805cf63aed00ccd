//! `secretary allow`: let this manifest's `exec` sources run their commands, as they are
//! now, for this user.

use std::io::Write;

use secretary::source::exec::trust::{self, shell_words};
use secretary::{Manifest, Variables};

use super::Failure;
use crate::exit::Status;

pub fn run(manifest: &Manifest, vars: &Variables, out: &mut impl Write) -> Result<Status, Failure> {
    let allowed = trust::allow(manifest, vars).map_err(Failure::Trust)?;
    let shown = manifest.shown_path();
    if allowed.is_empty() {
        writeln!(
            out,
            "{} has no exec source: nothing to allow (what was allowed for it before is forgotten)",
            secretary::printable::path(&shown)
        )?;
        return Ok(Status::Success);
    }
    writeln!(
        out,
        "allowed for {} (this user only):",
        secretary::printable::path(&shown)
    )?;
    // What the repository names (a program's file, a link, a file read) is shown as
    // text: a file name a pull request commits could otherwise rewrite the lines the
    // user reads to confirm what is allowed (a thirtieth adversarial pass).
    let t = |text: &str| secretary::printable::text(text).into_owned();
    for (name, allowed) in &allowed {
        writeln!(out, "  {name}: {}", t(&shell_words(&allowed.command)))?;
        if allowed.link.is_empty() {
            writeln!(
                out,
                "    runs {} (sha256 {})",
                t(&allowed.program),
                allowed.program_sha256
            )?;
        } else {
            writeln!(
                out,
                "    runs {}, a link to {} (sha256 {})",
                t(&allowed.link),
                t(&allowed.program),
                allowed.program_sha256
            )?;
        }
        // The interpreter a script's `#!` line names, which is what is run.
        for interpreter in allowed.interpreters.iter().flatten() {
            let program = if interpreter.link.is_empty() {
                t(&interpreter.program)
            } else {
                format!(
                    "{}, a link to {}",
                    t(&interpreter.link),
                    t(&interpreter.program)
                )
            };
            writeln!(
                out,
                "    with {program} (sha256 {}), as {} says",
                interpreter.sha256,
                t(&interpreter.named_by)
            )?;
        }
        for (file, sha) in &allowed.files {
            // What Node would look up and is not there: pinned as absent.
            if sha.len() == 64 {
                writeln!(out, "    reads {} (sha256 {sha})", t(file))?;
            } else {
                writeln!(out, "    looks for {} ({})", t(file), t(sha))?;
            }
        }
        if !allowed.pass_env.is_empty() {
            writeln!(out, "    is given {}", allowed.pass_env.join(", "))?;
        }
    }
    Ok(Status::Success)
}
