//! Programs whose code is their first operand unless a file gives it: AWK and its kin,
//! and `sed`, whose `e` command runs a shell; and programs that run commands given as
//! text by design (`sqlite3`'s `.shell`, `dc`'s `!`). As for interpreters, an allowlist:
//! AWK and `sed` may take only the options listed here, and must take their program from
//! a file (`-f`) before their first operand. (A `-f` anywhere once passed: `awk 'BEGIN {
//! system("...") }' -fx` ran its first operand, a nineteenth adversarial pass found.)

use super::Wrapper;

/// AWK and its kin.
pub(super) const AWKS: [&str; 4] = ["awk", "gawk", "mawk", "nawk"];

/// `sed` by its names.
pub(super) const SEDS: [&str; 2] = ["sed", "gsed"];

/// Programs that run commands they are given as text in their arguments or on their
/// standard input, whatever their options: a shell (`sqlite3`'s `.shell`, `psql`'s `\!`,
/// `dc`'s `!`, `mysql`'s `system`), or Lisp (`emacs --eval`); and those that run a
/// local command an option gives as text (`ssh -o ProxyCommand=...`, `rsync -e`, `tar
/// -I`/`--to-command`: a twenty-second adversarial pass; `zip -TT`, `wget -e
/// use_askpass=...`, a `tmux` or `screen` session's command: a twenty-third), besides
/// `ssh`'s remote command.
pub(super) const COMMANDS_AS_TEXT: [&str; 17] = [
    "sqlite3", "psql", "mysql", "mariadb", "dc", "emacs", "bc", "ssh", "scp", "sftp", "slogin",
    "rsync", "tar", "zip", "wget", "tmux", "screen",
];

/// How one of these programs reads its options: the one-letter options that take no
/// value, those that take one (glued or the next word), and whether that one names the
/// program's file; the long ones likewise (`--name` or `--name=value`).
struct Grammar {
    /// The options that give the program as text (`-e`, `--expression`).
    text: &'static str,
    text_long: &'static [&'static str],
    flags: &'static str,
    valued: &'static [(char, bool)],
    long: &'static [&'static str],
    long_valued: &'static [(&'static str, bool)],
}

/// AWK: `-F FS` (the field separator), `-v NAME=VALUE` (a variable), `-f FILE` and
/// gawk's `-E FILE` (the program's file). Not `-e`/`--source` (text), `-i`/`--include`
/// and `-l`/`--load` (a library found on `AWKPATH`), nor the rest.
const AWK: Grammar = Grammar {
    text: "e",
    text_long: &["source"],
    flags: "",
    valued: &[('F', false), ('v', false), ('f', true), ('E', true)],
    long: &[],
    long_valued: &[
        ("field-separator", false),
        ("assign", false),
        ("file", true),
        ("exec", true),
    ],
};

/// `sed`: `-n`, `-r`/`-E` (extended expressions), `-s`, `-u`, `-z`; `-l N`; `-f FILE`
/// (the script's file). Not `-e`/`--expression` (text), `-i` (editing files in place).
const SED: Grammar = Grammar {
    text: "e",
    text_long: &["expression"],
    flags: "nrEsuz",
    valued: &[('l', false), ('f', true)],
    long: &[
        "quiet",
        "silent",
        "regexp-extended",
        "separate",
        "unbuffered",
        "null-data",
        "posix",
    ],
    long_valued: &[("line-length", false), ("file", true)],
};

/// What an AWK (`sed` when `sed`) given `args` does that cannot be pinned: an option
/// off its list, or a program taken from text (no `-f` before its first operand).
pub(super) fn refused(args: &[String], sed: bool) -> Option<Wrapper> {
    let grammar = if sed { &SED } else { &AWK };
    let mut from_file = false;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, glued) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            if grammar.text_long.contains(&name) {
                return Some(Wrapper::Text);
            }
            if grammar.long.contains(&name) && !glued {
                continue;
            }
            let Some(&(_, file)) = grammar.long_valued.iter().find(|(known, _)| *known == name)
            else {
                return Some(Wrapper::Option(word.clone()));
            };
            if !glued && words.next().is_none() {
                return Some(Wrapper::Option(word.clone()));
            }
            from_file |= file;
            continue;
        }
        let Some(letters) = word.strip_prefix('-').filter(|letters| !letters.is_empty()) else {
            // The first operand: the program itself, unless a file gave it.
            return (!from_file).then_some(Wrapper::Text);
        };
        for (at, letter) in letters.char_indices() {
            if grammar.text.contains(letter) {
                return Some(Wrapper::Text);
            }
            if grammar.flags.contains(letter) {
                continue;
            }
            let Some(&(_, file)) = grammar.valued.iter().find(|(known, _)| *known == letter) else {
                return Some(Wrapper::Option(word.clone()));
            };
            // The rest of the word is the value, else the next word.
            let glued = at + letter.len_utf8() < letters.len();
            if !glued && words.next().is_none() {
                return Some(Wrapper::Option(word.clone()));
            }
            from_file |= file;
            break;
        }
    }
    // After `--`, or no operand at all: the program is the next word, or stdin.
    (!from_file).then_some(Wrapper::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &[&str]) -> Vec<String> {
        command.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn only_a_program_from_a_file_and_listed_options_pass() {
        for (args, sed, expected) in [
            (&["-f", "providers/op.awk"][..], false, None),
            (
                &["-F:", "-v", "x=1", "-fproviders/op.awk", "data"],
                false,
                None,
            ),
            (&["--file=providers/op.awk"], false, None),
            (&["-n", "-f", "providers/op.sed"], true, None),
            (&["BEGIN { system(\"op\") }"], false, Some(Wrapper::Text)),
            // A nineteenth adversarial pass: a `-f` after the program, as its operand.
            (
                &["BEGIN { system(\"sh tools/x.sh\") }", "-fx"],
                false,
                Some(Wrapper::Text),
            ),
            (
                &["-n", "-e", "1e sh tools/x.sh", "-f", "/dev/null"],
                true,
                Some(Wrapper::Text),
            ),
            (&["-ne", "1e op"], true, Some(Wrapper::Text)),
            (&["--expression=1e op"], true, Some(Wrapper::Text)),
            (&["-e", "BEGIN{}"], false, Some(Wrapper::Text)),
            (
                &["-i", "lib", "-f", "op.awk"],
                false,
                Some(Wrapper::Option("-i".to_owned())),
            ),
            (
                &["-i.bak", "-f", "op.sed"],
                true,
                Some(Wrapper::Option("-i.bak".to_owned())),
            ),
            (&["-f", "op.awk", "--", "x"], false, None),
            (&["--", "BEGIN{}"], false, Some(Wrapper::Text)),
            (&[], false, Some(Wrapper::Text)),
            (&["-f"], false, Some(Wrapper::Option("-f".to_owned()))),
        ] {
            assert_eq!(refused(&words(args), sed), expected, "{args:?} sed={sed}");
        }
    }
}
