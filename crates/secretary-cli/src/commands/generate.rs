//! `secretary generate [--bytes N] [--format urlsafe|hex|base64]`: a new random secret
//! from the operating system's CSPRNG (`getrandom(2)`), for `SECRET_KEY`,
//! `ENCRYPTION_KEY` and the like. The value goes to stdout only (a newline is added on a
//! terminal), so it can be piped straight into `secretary put KEY`.

use std::io::{self, IsTerminal, Write};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use super::Failure;
use crate::args::Encoding;
use crate::exit::Status;

/// Fills `buffer` from the kernel's CSPRNG.
fn fill_random(buffer: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buffer.len() {
        filled +=
            rustix::rand::getrandom(&mut buffer[filled..], rustix::rand::GetRandomFlags::empty())?;
    }
    Ok(())
}

/// `bytes` random bytes, written as `encoding`.
pub fn secret(bytes: u16, encoding: Encoding) -> io::Result<Zeroizing<String>> {
    let mut raw = Zeroizing::new(vec![0u8; usize::from(bytes)]);
    fill_random(&mut raw)?;
    Ok(Zeroizing::new(match encoding {
        Encoding::Urlsafe => URL_SAFE_NO_PAD.encode(&*raw),
        Encoding::Base64 => STANDARD.encode(&*raw),
        Encoding::Hex => raw
            .iter()
            .fold(String::with_capacity(raw.len() * 2), |mut hex, byte| {
                use std::fmt::Write as _;
                let _ = write!(hex, "{byte:02x}");
                hex
            }),
    }))
}

pub fn run(bytes: u16, encoding: Encoding, out: &mut impl Write) -> Result<Status, Failure> {
    let value = secret(bytes, encoding)?;
    out.write_all(value.as_bytes())?;
    if io::stdout().is_terminal() {
        writeln!(out)?;
    }
    Ok(Status::Success)
}
