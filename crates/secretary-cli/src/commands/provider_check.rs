//! `secretary provider-check -- COMMAND`: the provider protocol's conformance kit.

use std::io::Write;

use secretary::Variables;
use secretary::source::exec::conformance::Kit;

use super::Failure;
use super::session::working_directory;
use crate::exit::Status;

/// Runs the checks of `kit` (the provider's command, the keys it must find, what it is
/// given, how long each request may take).
pub fn run(kit: &Kit<'_>, vars: &Variables, out: &mut impl Write) -> Result<Status, Failure> {
    let cwd = working_directory()?;
    let checks = kit.run(vars, &cwd);
    let mut failed = 0;
    for check in &checks {
        match &check.failure {
            None => writeln!(out, "ok: {}", check.what)?,
            Some(why) => {
                failed += 1;
                writeln!(out, "FAIL: {}: {why}", check.what)?;
            }
        }
    }
    if failed == 0 {
        writeln!(out, "the provider passed every check ({})", checks.len())?;
        Ok(Status::Success)
    } else {
        writeln!(
            out,
            "the provider failed {failed} of {} checks",
            checks.len()
        )?;
        Ok(Status::Problems)
    }
}
