//! `secretary put KEY [--cas N]`: write a new version of a secret to Vault. The value
//! comes from stdin, or a prompt that does not echo when stdin is a terminal; it is
//! validated against the manifest before anything is sent. Prints where it was written
//! and the new version, never the value.

use std::io::{self, IsTerminal, Read, Write};

use secretary::SecretValue;
use secretary::audit::{Event, Outcome};
use secretary::source::Written;
use secretary::{PutError, put};
use zeroize::Zeroizing;

use super::Failure;
use super::session::Session;
use super::settings::PutSettings;
use crate::exit::Status;

/// The longest value read (as for a secret file).
const LIMIT: u64 = secretary::file::SECRET_LIMIT;

/// Reads the value: the whole of stdin (at most 1 MiB) with one trailing newline
/// removed, or a hidden line from the terminal.
pub(super) fn read_value(key: &str) -> io::Result<SecretValue> {
    let context = |error: io::Error| {
        io::Error::new(
            error.kind(),
            format!("cannot read the value from stdin: {error}"),
        )
    };
    let stdin = io::stdin();
    let mut text = Zeroizing::new(String::with_capacity(4096));
    if stdin.is_terminal() {
        read_hidden(&format!("value for {key} (not shown): "), &mut text).map_err(context)?;
    } else {
        stdin
            .lock()
            .take(LIMIT + 1)
            .read_to_string(&mut text)
            .map_err(context)?;
    }
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > LIMIT {
        return Err(io::Error::other(format!(
            "the value on stdin is larger than {} MiB, too large for a secret",
            LIMIT / (1024 * 1024)
        )));
    }
    let trimmed = text
        .strip_suffix('\n')
        .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
    Ok(SecretValue::new(trimmed.to_owned()))
}

/// Prompts on stderr and reads a line from the terminal with echo off. A signal that
/// would end us meanwhile (Ctrl-C, a hang-up, `kill`) first turns echo back on, then
/// ends us as it would have: the terminal is never left silent. A signal inherited as
/// ignored (`nohup`'s SIGHUP) stays ignored here too: it would not have ended us.
#[cfg(unix)]
fn read_hidden(prompt: &str, line: &mut String) -> io::Result<()> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let stdin = io::stdin();
    let original = tcgetattr(&stdin)?;
    let mut silent = original.clone();
    silent.local_modes.remove(LocalModes::ECHO);
    let stopping = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        .into_iter()
        .filter(|&signal| !crate::interrupt::ignored(signal));
    let mut signals = signal_hook::iterator::Signals::new(stopping)?;
    let handle = signals.handle();
    let restore = original.clone();
    let guard = std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = tcsetattr(io::stdin(), OptionalActions::Now, &restore);
            say!();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    });
    let undo = original.clone();
    crate::interrupt::undo_on_stop(move || {
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &undo);
        // Not `say!`, which is silent while a signal ends the process: the line the
        // prompt was on is ended all the same.
        let _ = writeln!(io::stderr());
    });
    tcsetattr(&stdin, OptionalActions::Now, &silent)?;
    say_raw!("{prompt}");
    let read = stdin.read_line(line);
    let restored = tcsetattr(&stdin, OptionalActions::Now, &original);
    crate::interrupt::keep_on_stop();
    handle.close();
    let _ = guard.join();
    say!();
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

pub fn run(session: &Session, settings: &PutSettings<'_>) -> Result<Status, Failure> {
    let key = settings.key;
    // An undeclared key is a usage error before anything is read.
    session.manifest().secret(key)?;
    let value = read_value(key)?;
    intent(session, Event::Put, key)?;
    let written = put(
        session.manifest(),
        session.environment(),
        session.vars(),
        key,
        &value,
        settings.cas,
    )
    .map_err(|error| failed(session, Event::Put, key, error))?;
    record(session, Event::Put, key, &written)?;
    let mut out = session.out();
    match written.locator.version() {
        Some(version) => writeln!(out, "wrote {} (version {version})", written.locator)?,
        None => writeln!(out, "wrote {}", written.locator)?,
    }
    if let Some(note) = pinned(session, key, &written) {
        writeln!(out, "{note}")?;
    }
    if let Some(note) = shadowed(session, key) {
        writeln!(out, "{note}")?;
    }
    Ok(Status::Success)
}

/// What to say of a write of `key` when the environment asks other sources for it first
/// ([`secretary::asked_before_writes`]): a value one of them holds is what programs read
/// (a sixty-seventh adversarial pass wrote to Vault a key a `.env` before it held).
/// Whether one holds it is not read: a `.env` or a variable here need not be the
/// environment's.
pub(super) fn shadowed(session: &Session, key: &str) -> Option<String> {
    let first = secretary::asked_before_writes(session.manifest(), session.environment(), key);
    if first.is_empty() {
        return None;
    }
    Some(format!(
        "note: environment `{}` asks {} for `{key}` before the source written: where one holds a value for it, programs read that one, not this",
        session.environment().name,
        named(&first)
    ))
}

/// `sources` as a note names them: `` `dotenv` (dotenv), `mounted` (files) ``.
pub(super) fn named(sources: &[&secretary::manifest::SourceSpec]) -> String {
    sources
        .iter()
        .map(|source| format!("`{}` ({})", source.name, source.config.kind()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to say of a write of `key` when the manifest pins it to a version
/// (`version = N`): programs read that version until the pin moves (a sixty-seventh
/// adversarial pass: `rotate` said programs would pick up a value none reads). A new
/// version is written all the same, as a staged rollout writes it before the pin moves.
pub(super) fn pinned(session: &Session, key: &str, written: &Written) -> Option<String> {
    let spec = session
        .manifest()
        .secret_in(session.environment(), key)
        .ok()?;
    let pin = spec.version?;
    let version = written
        .locator
        .version()
        .filter(|&version| version != pin)?;
    Some(format!(
        "note: the manifest pins `{key}` to version {pin} in environment `{}`: programs read version {pin} until its `version` is set to {version}",
        session.environment().name
    ))
}

/// Records that a write of `key` is about to be sent: when this line cannot be written,
/// nothing is sent (issue 25, item 4).
pub(super) fn intent(session: &Session, event: Event, key: &str) -> Result<(), Failure> {
    Ok(session.audit(event, key, None, Outcome::Intent)?)
}

/// Records a write of `key` that landed. When the log cannot take the line, the failure
/// names the write, which happened: [`Failure::Unaudited`].
pub(super) fn record(
    session: &Session,
    event: Event,
    key: &str,
    written: &Written,
) -> Result<(), Failure> {
    let origin = secretary::Origin::Source {
        name: written.source.clone(),
        locator: written.locator.clone(),
    };
    session
        .audit(event, key, Some(&origin), Outcome::Ok)
        .map_err(|error| Failure::Unaudited {
            written: vec![written.locator.to_string()],
            left: Vec::new(),
            unconfirmed: Vec::new(),
            error,
            again_finishes: false,
        })
}

/// A write of `key` that did not happen, recorded in the audit log unless it is a usage
/// error: [`Failure::Write`], or the audit log's own failure.
pub(super) fn failed(session: &Session, event: Event, key: &str, error: PutError) -> Failure {
    // The write landed, and the copy could not forget what it replaced: recorded as
    // written, and said.
    if let PutError::Unforgotten { written, .. } = &error {
        if let Err(failure) = record(session, event, key, written) {
            return failure;
        }
        return Failure::Write {
            key: key.to_owned(),
            error,
        };
    }
    let outcome = match &error {
        PutError::Manifest(_) | PutError::NoVaultSource { .. } => None,
        PutError::Vault(_) | PutError::Aws(_) => Some(Outcome::SourceError),
        PutError::Unconfirmed { .. } => Some(Outcome::Unconfirmed),
        _ => Some(Outcome::Refused),
    };
    if let Some(Err(error)) = outcome.map(|outcome| session.audit(event, key, None, outcome)) {
        return Failure::Audit(error);
    }
    match error {
        PutError::Manifest(error) => Failure::Secretary(error),
        error => Failure::Write {
            key: key.to_owned(),
            error,
        },
    }
}
