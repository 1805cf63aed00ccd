//! The `secretary` command: a thin layer over the `secretary` library that parses flags,
//! runs one command, renders its outcome for people or programs, and maps it to an exit
//! code.

mod args;
mod commands;
mod exit;
mod harden;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::Args;
use crate::exit::Status;

fn main() -> ExitCode {
    harden::no_core_dumps();
    let args = Args::parse();
    let vars = secretary::Variables::from_process();
    let status = match commands::run(&args, &vars) {
        Ok(status) => status,
        Err(commands::Failure::Secretary(error)) => {
            eprint!("{}", render::error(error));
            Status::Error
        }
        // The reader went away (`secretary list | head`): not an error.
        Err(commands::Failure::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            Status::Success
        }
        Err(commands::Failure::Io(error)) => {
            let _ = writeln!(std::io::stderr(), "error: cannot write output: {error}");
            Status::Error
        }
    };
    status.into()
}
