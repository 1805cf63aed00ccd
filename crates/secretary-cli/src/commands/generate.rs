//! `secretary generate [--bytes N] [--format urlsafe|hex|base64]`: a new random secret
//! from the operating system's CSPRNG (`getrandom(2)`), for `SECRET_KEY`,
//! `ENCRYPTION_KEY` and the like. The value goes to stdout only (a newline is added on a
//! terminal), so it can be piped straight into `secretary put KEY`.

use std::io::{self, IsTerminal, Write};

use super::Failure;
use crate::args::Encoding;
use crate::exit::Status;

pub fn run(bytes: u16, encoding: Encoding, out: &mut impl Write) -> Result<Status, Failure> {
    let value = secretary::generate::generate(bytes, encoding.into())?;
    out.write_all(value.expose().as_bytes())?;
    if io::stdout().is_terminal() {
        writeln!(out)?;
    }
    Ok(Status::Success)
}
