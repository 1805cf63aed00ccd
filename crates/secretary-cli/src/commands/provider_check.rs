//! `secretary provider-check -- COMMAND`: the provider protocol's conformance kit.

use std::io::Write;
use std::time::Duration;

use secretary::Variables;
use secretary::source::exec::conformance::Kit;

use super::Failure;
use crate::exit::Status;

pub fn run(
    command: &[String],
    keys: &[String],
    pass_env: &[String],
    timeout: Duration,
    vars: &Variables,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let cwd = std::env::current_dir().map_err(|error| secretary::Error::WorkingDirectory {
        reason: error.into(),
    })?;
    let checks = Kit {
        command,
        keys,
        pass_env,
        timeout,
    }
    .run(vars, &cwd);
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
