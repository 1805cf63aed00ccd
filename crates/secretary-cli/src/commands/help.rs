//! The commands that describe secretary itself, and need no manifest:
//!
//! - `secretary schema`: a JSON Schema of `secrets.toml`
//!   ([`secretary::manifest::json_schema`]), for editors;
//! - `secretary completions SHELL`: a completion script (`clap_complete`), for bash, zsh,
//!   fish, elvish and PowerShell;
//! - `secretary man [--dir DIR]`: the manual page (`clap_mangen`), or one page per command.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;

use super::Failure;
use crate::args::Args;
use crate::exit::Status;

pub fn schema(out: &mut impl Write) -> Result<Status, Failure> {
    out.write_all(secretary::manifest::json_schema().as_bytes())?;
    Ok(Status::Success)
}

pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) -> Result<Status, Failure> {
    // Into memory first: clap_complete panics on a failed write, and stdout may be a
    // closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Args::command(), "secretary", &mut script);
    out.write_all(&script)?;
    Ok(Status::Success)
}

pub fn man(dir: Option<&Path>, out: &mut impl Write) -> Result<Status, Failure> {
    let command = Args::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        out.write_all(&page)?;
        return Ok(Status::Success);
    };
    let write = |name: &str, command: clap::Command| -> io::Result<()> {
        let path = dir.join(format!("{name}.1"));
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        fs::write(&path, page).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot write {}: {error}", path.display()),
            )
        })
    };
    fs::create_dir_all(dir).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot create {}: {error}", dir.display()),
        )
    })?;
    for sub in command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
    {
        let name = format!("secretary-{}", sub.get_name());
        write(&name, sub.clone().name(name.clone()))?;
    }
    write("secretary", command)?;
    Ok(Status::Success)
}
