//! The manifest a command was given with `--manifest`, and the environment it used,
//! named in every `secretary` command a message tells people to run: pasted as written,
//! such a command would act on the manifest found from the working directory instead (a
//! thirty-third adversarial pass: `secretary allow`, pasted after `secretary --manifest
//! ../app/secrets.toml check`, allowed the exec sources of the repository the user stood
//! in), or on the default environment (a thirty-fourth: `rotate --due` in production
//! said `secretary rotate api_key < new-value`, which rotated development's).

use std::path::Path;
use std::sync::OnceLock;

/// `--manifest PATH`, quoted for a shell, when the manifest was chosen so.
static MANIFEST: OnceLock<String> = OnceLock::new();

/// `--env NAME`: the environment this run used, when it used one.
static ENVIRONMENT: OnceLock<String> = OnceLock::new();

/// The commands that read an environment (and take `--env`).
const WITH_ENVIRONMENT: [&str; 12] = [
    "check", "status", "get", "export", "run", "redact", "scan", "example", "rotate", "rollback",
    "put", "import",
];

/// The commands that read no manifest, and refuse `--manifest`.
const NO_MANIFEST: [&str; 8] = [
    "cache",
    "init",
    "generate",
    "lint",
    "schema",
    "completions",
    "man",
    "provider-check",
];

/// Records the environment this run used (names are `[a-z0-9_-]`).
pub fn environment_used(name: &str) {
    let _ = ENVIRONMENT.set(format!("--env {}", secretary::printable::shell_word(name)));
}

/// Records that this run's manifest was chosen with `--manifest path`.
pub fn manifest_given(path: &Path) {
    let _ = MANIFEST.set(format!(
        "--manifest {}",
        secretary::printable::shell_path(path)
    ));
}

/// A `secretary` command a message tells people to run, made where the message is: its
/// command's word and the rest of its line, apart, so that the options this run was
/// given are added by what the command is, never by reading rendered text back (a
/// thirty-sixth adversarial pass saw a `secretary` command quoted as data given them).
/// Shown as `secretary [--manifest PATH] [--env NAME] COMMAND REST`: `--manifest` when
/// this run was given one and the command reads a manifest, `--env` when this run used
/// an environment and the command reads one.
#[derive(Debug, Clone, Copy)]
pub struct Suggested<'a> {
    command: &'a str,
    rest: &'a str,
}

/// The command `secretary COMMAND REST`, with the options it needs ([`Suggested`]).
pub fn suggest<'a>(command: &'a str, rest: &'a str) -> Suggested<'a> {
    Suggested { command, rest }
}

impl std::fmt::Display for Suggested<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (manifest, environment) = options();
        self.with(f, manifest, environment)
    }
}

impl Suggested<'_> {
    /// Written with `manifest` (`--manifest PATH`) and `environment` (`--env NAME`),
    /// each where the command takes it.
    fn with(
        &self,
        f: &mut impl std::fmt::Write,
        manifest: Option<&str>,
        environment: Option<&str>,
    ) -> std::fmt::Result {
        f.write_str("secretary ")?;
        if let Some(manifest) = manifest.filter(|_| !NO_MANIFEST.contains(&self.command)) {
            write!(f, "{manifest} ")?;
        }
        if let Some(environment) = environment.filter(|_| WITH_ENVIRONMENT.contains(&self.command))
        {
            write!(f, "{environment} ")?;
        }
        f.write_str(self.command)?;
        if !self.rest.is_empty() {
            write!(f, " {}", self.rest)?;
        }
        Ok(())
    }
}

/// The options every suggested command gets: `--manifest PATH` and `--env NAME`, each
/// when known.
fn options() -> (Option<&'static str>, Option<&'static str>) {
    (
        MANIFEST.get().map(String::as_str),
        ENVIRONMENT.get().map(String::as_str),
    )
}

#[cfg(test)]
mod tests {
    use super::suggest;

    fn shown(
        command: &str,
        rest: &str,
        manifest: Option<&str>,
        environment: Option<&str>,
    ) -> String {
        let mut out = String::new();
        suggest(command, rest)
            .with(&mut out, manifest, environment)
            .unwrap();
        out
    }

    #[test]
    fn each_command_that_reads_a_manifest_is_given_it_and_no_other() {
        let manifest = Some("--manifest 'app dir/secrets.toml'");
        assert_eq!(
            shown("allow", "", manifest, None),
            "secretary --manifest 'app dir/secrets.toml' allow"
        );
        assert_eq!(shown("generate", "", manifest, None), "secretary generate");
        // `cache` reads no manifest, and refuses `--manifest`.
        assert_eq!(
            shown("cache", "clear", manifest, None),
            "secretary cache clear"
        );
    }

    #[test]
    fn each_command_that_reads_an_environment_is_given_the_one_used() {
        let environment = Some("--env production");
        assert_eq!(
            shown("rotate", "api_key < new-value", None, environment),
            "secretary --env production rotate api_key < new-value"
        );
        assert_eq!(shown("allow", "", None, environment), "secretary allow");
        assert_eq!(
            shown("check", "", Some("--manifest m.toml"), environment),
            "secretary --manifest m.toml --env production check"
        );
        assert_eq!(shown("list", "", None, environment), "secretary list");
    }
}
