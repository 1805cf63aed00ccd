//! `secretary example [--env E] [--output FILE] [--check]`: the environment's `.env`
//! template, generated from the manifest (see [`secretary::template`]).
//!
//! - Without flags, the template goes to stdout; `--output FILE` writes it.
//! - `--check` compares FILE (default: `.env.example` for the default environment,
//!   `.env.NAME.example` otherwise, beside the manifest) with the template and exits 1
//!   with a unified diff when they differ, or when FILE is missing. Templates hold no
//!   values, so the diff can be shown.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use secretary::Manifest;
use secretary::manifest::EnvironmentSpec;
use secretary::template;

use super::Failure;
use crate::exit::Status;

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    output: Option<&Path>,
    check: bool,
    out: &mut impl Write,
) -> Result<Status, Failure> {
    let text = template::render(manifest, environment);
    if !check {
        match output {
            None => out.write_all(text.as_bytes())?,
            Some(path) => fs::write(path, &text).map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("cannot write {}: {error}", path.display()),
                )
            })?,
        }
        return Ok(Status::Success);
    }
    let path = output.map_or_else(
        || {
            manifest
                .shown_dir()
                .join(template::file_name(manifest, environment))
        },
        Path::to_path_buf,
    );
    let fix = format!(
        "secretary --env {} example --output {}",
        environment.name,
        path.display()
    );
    let on_disk = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            eprintln!("error: {} does not exist", path.display());
            eprintln!("  fix: {fix}");
            return Ok(Status::Problems);
        }
        Err(error) => {
            return Err(io::Error::new(
                error.kind(),
                format!("cannot read {}: {error}", path.display()),
            )
            .into());
        }
    };
    if on_disk == text {
        writeln!(
            out,
            "ok: {} matches the manifest (environment `{}`)",
            path.display(),
            environment.name
        )?;
        return Ok(Status::Success);
    }
    let shown = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&on_disk, &text);
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(2)
            .header(&shown, &format!("{shown} (from the manifest)"))
    )?;
    eprintln!(
        "error: {shown} has drifted from {} (environment `{}`)",
        manifest.shown_path().display(),
        environment.name
    );
    eprintln!("  fix: {fix}");
    Ok(Status::Problems)
}
