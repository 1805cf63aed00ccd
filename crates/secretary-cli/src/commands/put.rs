//! `secretary put KEY [--cas N]`: write a new version of a secret to Vault. The value
//! comes from stdin, or a prompt that does not echo when stdin is a terminal; it is
//! validated against the manifest before anything is sent. Prints where it was written
//! and the new version, never the value.

use std::io::{self, IsTerminal, Read, Write};

use secretary::manifest::EnvironmentSpec;
use secretary::put::{PutError, put};
use secretary::{Manifest, SecretValue, Variables};
use zeroize::Zeroizing;

use super::Failure;
use crate::exit::Status;

/// Reads the value: the whole of stdin with one trailing newline removed, or a hidden
/// line from the terminal.
fn read_value(key: &str) -> io::Result<SecretValue> {
    let stdin = io::stdin();
    let mut text = Zeroizing::new(String::new());
    if stdin.is_terminal() {
        read_hidden(&format!("value for {key} (not shown): "), &mut text)?;
    } else {
        stdin.lock().read_to_string(&mut text)?;
    }
    let trimmed = text
        .strip_suffix('\n')
        .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
    Ok(SecretValue::new(trimmed.to_owned()))
}

#[cfg(unix)]
fn read_hidden(prompt: &str, line: &mut String) -> io::Result<()> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = io::stdin();
    let original = tcgetattr(&stdin)?;
    let mut silent = original.clone();
    silent.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &silent)?;
    eprint!("{prompt}");
    let read = stdin.read_line(line);
    let restored = tcsetattr(&stdin, OptionalActions::Now, &original);
    eprintln!();
    read?;
    restored?;
    Ok(())
}

#[cfg(not(unix))]
fn read_hidden(_prompt: &str, _line: &mut String) -> io::Result<()> {
    Err(io::Error::other(
        "pipe the value on stdin: hidden prompts need a Unix terminal",
    ))
}

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    key: &str,
    cas: Option<u64>,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    // An undeclared key is a usage error before anything is read.
    manifest.secret(key)?;
    let value = read_value(key)?;
    match put(manifest, environment, vars, key, &value, cas) {
        Ok(written) => {
            super::audit("put", key, Some(&written.locator), "ok")?;
            match written.version {
                Some(version) => writeln!(out, "wrote {} (version {version})", written.locator)?,
                None => writeln!(out, "wrote {}", written.locator)?,
            }
            Ok(Status::Success)
        }
        Err(PutError::Manifest(error)) => Err(Failure::Secretary(error)),
        Err(error @ PutError::NoVaultSource { .. }) => {
            eprintln!("error: {error}");
            eprintln!(
                "  help: choose an environment whose sources include a vault source, with --env"
            );
            Ok(Status::Error)
        }
        Err(PutError::Vault(error)) => {
            super::audit("put", key, None, "error")?;
            eprintln!("error: {key}: {error}");
            eprintln!("  help: {}", error.hint());
            Ok(Status::Problems)
        }
        Err(error) => {
            super::audit("put", key, None, "refused")?;
            eprintln!("error: {key}: {error}; nothing was written");
            Ok(Status::Problems)
        }
    }
}
