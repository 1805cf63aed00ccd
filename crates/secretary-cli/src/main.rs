//! The `secretary` command: a thin layer over the `secretary` library that parses flags,
//! runs one command, renders its outcome for people or programs, and maps it to an exit
//! code.

/// `eprintln!` that never panics: stderr may be closed or a broken pipe, and a message
/// that cannot be shown must not turn into a crash (the standard macro panics then).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see `say!`).
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod child;
#[cfg(test)]
mod cli_reference;
mod commands;
mod exit;
mod harden;
mod render;

use std::io::Write;
use std::process::ExitCode;

use crate::args::Args;
use crate::exit::Status;

fn main() -> ExitCode {
    harden::no_core_dumps();
    let args = Args::parse_checked();
    let vars = secretary::Variables::from_process();
    let status = match commands::run(&args, &vars) {
        Ok(status) => status,
        Err(commands::Failure::Secretary(error)) => {
            say_raw!("{}", render::error(error));
            Status::Error
        }
        Err(commands::Failure::Output(error)) => {
            let _ = writeln!(std::io::stderr(), "error: cannot write output: {error}");
            Status::Error
        }
        // Nothing may go unrecorded: stop, even when the log's sink is a closed pipe.
        Err(commands::Failure::Audit(error @ secretary::audit::AuditError::Key { .. })) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            let _ = writeln!(
                std::io::stderr(),
                "  help: make a key with `secretary generate` (32 random bytes) and set SECRETARY_AUDIT_KEY to it; nothing was read or run"
            );
            Status::Error
        }
        Err(commands::Failure::Audit(error)) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            let _ = writeln!(
                std::io::stderr(),
                "  help: secretary stops at the first access it cannot record; fix the audit log's path, permissions or free space (--audit-log, or the manifest's [audit])"
            );
            Status::Error
        }
        Err(commands::Failure::Stopped { done, left, error }) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: {error}; stopped before the next write"
            );
            for locator in &done {
                let _ = writeln!(
                    std::io::stderr(),
                    "  already written (and recorded): {locator}"
                );
            }
            for key in &left {
                let _ = writeln!(std::io::stderr(), "  not written: {key}");
            }
            let _ = writeln!(
                std::io::stderr(),
                "  help: run again only for what was not written; fix the audit log's path, permissions or free space first (--audit-log, or the manifest's [audit])"
            );
            Status::Error
        }
        // A write landed: say exactly what, never "nothing happened".
        Err(commands::Failure::Unaudited {
            written,
            left,
            error,
        }) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: the audit log could not record {} that happened: {error}",
                if written.len() == 1 {
                    "a write"
                } else {
                    "writes"
                }
            );
            for locator in &written {
                let _ = writeln!(std::io::stderr(), "  wrote: {locator}");
            }
            for key in &left {
                let _ = writeln!(
                    std::io::stderr(),
                    "  not written: {key} (run the command for it alone)"
                );
            }
            let _ = writeln!(
                std::io::stderr(),
                "  help: these writes happened: do not run the command again (it would write new versions); record them where your audit trail is kept, then fix the audit log's path, permissions or free space"
            );
            Status::Error
        }
        Err(commands::Failure::Process(error)) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            let _ = writeln!(
                std::io::stderr(),
                "  help: the program may still be running; check for it (ps) before starting it again"
            );
            Status::Error
        }
        Err(commands::Failure::Io(error)) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            Status::Error
        }
        Err(commands::Failure::Cache(error)) => {
            let _ = writeln!(std::io::stderr(), "error: {error}");
            let _ = writeln!(std::io::stderr(), "  help: {}", error.hint());
            Status::Error
        }
    };
    status.into()
}
