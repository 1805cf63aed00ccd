//! The manifest a command was given with `--manifest`, and the environment it used,
//! named in every `secretary` command a message tells people to run: pasted as written,
//! such a command would act on the manifest found from the working directory instead (a
//! thirty-third adversarial pass: `secretary allow`, pasted after `secretary --manifest
//! ../app/secrets.toml check`, allowed the exec sources of the repository the user stood
//! in), or on the default environment (a thirty-fourth: `rotate --due` in production
//! said `secretary rotate api_key < new-value`, which rotated development's).

use std::borrow::Cow;
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

/// `secretary ARGS`, with `--manifest PATH` when this run was given one.
pub fn secretary(args: &str) -> String {
    match MANIFEST.get() {
        Some(manifest) => format!("secretary {manifest} {args}"),
        None => format!("secretary {args}"),
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

/// `text` with `--manifest PATH` put into each `` `secretary COMMAND ...` `` it holds
/// whose command reads a manifest, when this run was given one.
pub fn in_commands(text: &str) -> Cow<'_, str> {
    match options() {
        (None, None) => Cow::Borrowed(text),
        (manifest, environment) => with_options(text, manifest, environment),
    }
}

/// [`in_commands`], with `manifest` (`--manifest PATH`) and `environment` (`--env
/// NAME`).
fn with_options<'t>(
    text: &'t str,
    manifest: Option<&str>,
    environment: Option<&str>,
) -> Cow<'t, str> {
    const MARK: &str = "`secretary ";
    if !text.contains(MARK) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        out.push_str(&rest[..at + MARK.len()]);
        // The command's word, past any option already given.
        let words: Vec<&str> = after.split('`').next().unwrap_or("").split(' ').collect();
        let mut word = "";
        let mut each = words.iter();
        while let Some(next) = each.next() {
            if matches!(*next, "--manifest" | "--env" | "--audit-log") {
                each.next();
            } else if !next.starts_with('-') {
                word = next;
                break;
            }
        }
        let given = |option: &str| words.contains(&option);
        if let Some(manifest) = manifest {
            if !NO_MANIFEST.contains(&word) && !given("--manifest") {
                out.push_str(manifest);
                out.push(' ');
            }
        }
        if let Some(environment) = environment {
            if WITH_ENVIRONMENT.contains(&word) && !given("--env") {
                out.push_str(environment);
                out.push(' ');
            }
        }
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::with_options;

    #[test]
    fn each_command_that_reads_a_manifest_is_given_it_and_no_other() {
        let manifest = Some("--manifest 'app dir/secrets.toml'");
        assert_eq!(
            with_options(
                "run `secretary allow`, then `secretary --env production check`; make a key with `secretary generate`",
                manifest,
                None
            ),
            "run `secretary --manifest 'app dir/secrets.toml' allow`, then `secretary --manifest 'app dir/secrets.toml' --env production check`; make a key with `secretary generate`"
        );
        assert_eq!(
            with_options("`secretary --manifest x check`", manifest, None),
            "`secretary --manifest x check`"
        );
        assert_eq!(with_options("no command", manifest, None), "no command");
        // `cache` reads no manifest, and refuses `--manifest`.
        assert_eq!(
            with_options("run `secretary cache clear`", manifest, None),
            "run `secretary cache clear`"
        );
    }

    #[test]
    fn each_command_that_reads_an_environment_is_given_the_one_used() {
        let environment = Some("--env production");
        assert_eq!(
            with_options(
                "`secretary rotate api_key < new-value`, `secretary status`, `secretary allow`",
                None,
                environment
            ),
            "`secretary --env production rotate api_key < new-value`, `secretary --env production status`, `secretary allow`"
        );
        assert_eq!(
            with_options("`secretary --env staging check`", None, environment),
            "`secretary --env staging check`"
        );
        assert_eq!(
            with_options("`secretary check`", Some("--manifest m.toml"), environment),
            "`secretary --manifest m.toml --env production check`"
        );
    }
}
