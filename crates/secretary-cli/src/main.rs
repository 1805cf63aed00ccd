//! The `secretary` command: a thin layer over the `secretary` library that parses flags,
//! runs one command, renders its outcome for people or programs, and maps it to an exit
//! code.

/// `eprintln!` that never panics: stderr may be closed or a broken pipe, and a message
/// that cannot be shown must not turn into a crash (the standard macro panics then).
macro_rules! say {
    () => {
        say!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !crate::interrupt::acting() {
            // One write: stderr is unbuffered, and a formatted line written piece by
            // piece was cut by a program's own stderr line (`run --redact`'s pump).
            let mut line = format!($($arg)*);
            line.push('\n');
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }};
}

/// `eprint!` that never panics (see `say!`), for a report's lines, which end in their own
/// newline.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !crate::interrupt::acting() {
            // One write, as `say!`.
            let _ = std::io::stderr().write_all(format!($($arg)*).as_bytes());
        }
    }};
}

mod args;
mod child;
#[cfg(test)]
mod cli_reference;
mod commands;
mod diagnostic;
mod exit;
mod harden;
mod interrupt;
mod invocation;
mod render;
mod room;

use std::process::ExitCode;

use crate::args::Args;

fn main() -> ExitCode {
    harden::no_core_dumps();
    harden::file_size_errors();
    let args = Args::parse_checked();
    interrupt::install();
    let vars = secretary::Variables::from_process();
    let status = commands::run(&args, vars);
    interrupt::settle();
    status.into()
}
