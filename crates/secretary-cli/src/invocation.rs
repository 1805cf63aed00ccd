//! The manifest a command was given with `--manifest`, named in every `secretary`
//! command a message tells people to run: pasted as written, such a command would act on
//! the manifest found from the working directory instead (a thirty-third adversarial
//! pass: `secretary allow`, pasted after `secretary --manifest ../app/secrets.toml
//! check`, allowed the exec sources of the repository the user stood in).

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

/// `--manifest PATH`, quoted for a shell, when the manifest was chosen so.
static MANIFEST: OnceLock<String> = OnceLock::new();

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

/// `text` with `--manifest PATH` put into each `` `secretary COMMAND ...` `` it holds
/// whose command reads a manifest, when this run was given one.
pub fn in_commands(text: &str) -> Cow<'_, str> {
    match MANIFEST.get() {
        Some(manifest) => with_manifest(text, manifest),
        None => Cow::Borrowed(text),
    }
}

/// [`in_commands`], with `manifest` (`--manifest PATH`).
fn with_manifest<'t>(text: &'t str, manifest: &str) -> Cow<'t, str> {
    const MARK: &str = "`secretary ";
    if !text.contains(MARK) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + manifest.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        out.push_str(&rest[..at + MARK.len()]);
        let word = after.split([' ', '`']).next().unwrap_or("");
        if !NO_MANIFEST.contains(&word) && !after.starts_with("--manifest") {
            out.push_str(manifest);
            out.push(' ');
        }
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::with_manifest;

    #[test]
    fn each_command_that_reads_a_manifest_is_given_it_and_no_other() {
        let manifest = "--manifest 'app dir/secrets.toml'";
        assert_eq!(
            with_manifest(
                "run `secretary allow`, then `secretary --env production check`; make a key with `secretary generate`",
                manifest
            ),
            "run `secretary --manifest 'app dir/secrets.toml' allow`, then `secretary --manifest 'app dir/secrets.toml' --env production check`; make a key with `secretary generate`"
        );
        assert_eq!(
            with_manifest("`secretary --manifest x check`", manifest),
            "`secretary --manifest x check`"
        );
        assert_eq!(with_manifest("no command", manifest), "no command");
        // `cache` reads no manifest, and refuses `--manifest`.
        assert_eq!(
            with_manifest("run `secretary cache clear`", manifest),
            "run `secretary cache clear`"
        );
    }
}
