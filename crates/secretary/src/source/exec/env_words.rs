//! How `env` (GNU coreutils' and those that read the same words) reads its arguments, so
//! that `#!/usr/bin/env python3` and `#!/usr/bin/env -S python3 -u` are followed
//! without running `env`: its options, its `NAME=VALUE` assignments, then the program it
//! looks up on `PATH` and that program's arguments.
//!
//! Read: `-i` (`--ignore-environment`, a lone `-`), `-u NAME` (`--unset`), `-S STRING`
//! (`--split-string`: the string split into words as GNU `env` splits it, with its
//! quotes and escapes, options in it read too), `-v` (`--debug`), `--`. Anything else
//! (`-C`, `-0`, the signal options, `${NAME}` in `-S`, an abbreviated long option) is
//! refused: what it would do is not followed.

use std::collections::VecDeque;

/// A word of a command: as shown to the user, and as passed to the program (the path of
/// a script, absolute when run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    /// As the manifest or a `#!` line writes it.
    pub(super) shown: String,
    /// As the program is given it.
    pub(super) run: String,
    /// Whether it is a program before the one given it: the script an interpreter
    /// runs (or that script's own script, passed on), pinned as a program.
    pub(super) script: bool,
}

impl Word {
    /// A word shown as it is passed.
    pub(super) fn plain(text: &str) -> Self {
        Self {
            shown: text.to_owned(),
            run: text.to_owned(),
            script: false,
        }
    }
}

/// What `env` does to the environment before it runs the program, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    /// Every variable removed (`-i`).
    Clear,
    /// One removed (`-u NAME`).
    Unset(String),
    /// One set (`NAME=VALUE`).
    Set(String, String),
}

/// What `env` given `args` runs: the changes it makes to the environment, the program
/// it looks up (as named), and that program's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Read {
    pub(super) changes: Vec<Change>,
    pub(super) program: Word,
    pub(super) args: Vec<Word>,
}

/// Reads `env`'s arguments `args` (without its name), or says what is not followed.
pub(super) fn read(args: &[Word]) -> Result<Read, String> {
    let mut words: VecDeque<Word> = args.iter().cloned().collect();
    let mut clear = false;
    let mut unset = Vec::new();
    let value = |rest: &str, words: &mut VecDeque<Word>, option: &str| {
        if rest.is_empty() {
            words
                .pop_front()
                .map(|word| word.run)
                .ok_or_else(|| format!("`env {option}` is given no value"))
        } else {
            Ok(rest.to_owned())
        }
    };
    while let Some(word) = words.front().map(|word| word.run.clone()) {
        if word == "--" {
            words.pop_front();
            break;
        }
        if word == "-" {
            words.pop_front();
            clear = true;
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            words.pop_front();
            let (name, attached) = long
                .split_once('=')
                .map_or((long, None), |(name, value)| (name, Some(value)));
            match name {
                "ignore-environment" => clear = true,
                "debug" => {}
                "unset" => unset.push(value(attached.unwrap_or(""), &mut words, "--unset")?),
                "split-string" => {
                    let text = value(attached.unwrap_or(""), &mut words, "--split-string")?;
                    for split in split(&text)?.into_iter().rev() {
                        words.push_front(Word::plain(&split));
                    }
                }
                _ => return Err(format!("`env --{name}` is not followed by secretary")),
            }
            continue;
        }
        let Some(flags) = word.strip_prefix('-').filter(|flags| !flags.is_empty()) else {
            break;
        };
        words.pop_front();
        for (at, flag) in flags.char_indices() {
            let rest = flags.get(at + flag.len_utf8()..).unwrap_or_default();
            match flag {
                'i' => clear = true,
                'v' => {}
                'u' => {
                    unset.push(value(rest, &mut words, "-u")?);
                    break;
                }
                'S' => {
                    let text = value(rest, &mut words, "-S")?;
                    for split in split(&text)?.into_iter().rev() {
                        words.push_front(Word::plain(&split));
                    }
                    break;
                }
                other => return Err(format!("`env -{other}` is not followed by secretary")),
            }
        }
    }
    let mut changes = Vec::new();
    if clear {
        changes.push(Change::Clear);
    }
    changes.extend(unset.into_iter().map(Change::Unset));
    while let Some((name, value)) = words.front().and_then(|word| word.run.split_once('=')) {
        if name.is_empty() {
            return Err(format!("`env` cannot set `={value}`"));
        }
        changes.push(Change::Set(name.to_owned(), value.to_owned()));
        words.pop_front();
    }
    let program = words
        .pop_front()
        .ok_or_else(|| "`env` is given no program to run".to_owned())?;
    Ok(Read {
        changes,
        program,
        args: words.into(),
    })
}

/// `text` split into words as GNU `env -S` splits it: on spaces, tabs and newlines
/// outside quotes; `'...'` (only `\\` and `\'` escaped) and `"..."`; the escapes `\\`,
/// `\'`, `\"`, `\#`, `\$`, `\_` (a space in double quotes, else a break between words),
/// `\f`, `\n`, `\r`, `\t`, `\v`, and `\c` (nothing after it is read); a `#` that starts
/// a word starts a comment. `${NAME}` is refused: it would read the environment.
pub(super) fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let (mut single, mut double) = (false, false);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' if !single && !double => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' if !double => {
                single = !single;
                in_word = true;
            }
            '"' if !single => {
                double = !double;
                in_word = true;
            }
            '#' if !single && !double && !in_word => break,
            '$' if !single => {
                return Err(
                    "`env -S` expands a variable (`${NAME}`), which secretary does not follow"
                        .to_owned(),
                );
            }
            '\\' => {
                let next = chars.next();
                if single && !matches!(next, Some('\\' | '\'')) {
                    word.push('\\');
                    if let Some(next) = next {
                        word.push(next);
                    }
                    in_word = true;
                    continue;
                }
                match next {
                    Some(escaped @ ('\\' | '\'' | '"' | '#' | '$')) => word.push(escaped),
                    Some('_') if double => word.push(' '),
                    Some('_') => {
                        if in_word {
                            words.push(std::mem::take(&mut word));
                            in_word = false;
                        }
                        continue;
                    }
                    Some('c') if double => {
                        return Err("`env -S` has `\\c` inside double quotes".to_owned());
                    }
                    Some('c') => break,
                    Some('f') => word.push('\u{c}'),
                    Some('n') => word.push('\n'),
                    Some('r') => word.push('\r'),
                    Some('t') => word.push('\t'),
                    Some('v') => word.push('\u{b}'),
                    Some(other) => {
                        return Err(format!("`env -S` has the unknown escape `\\{other}`"));
                    }
                    None => return Err("`env -S` ends with a backslash".to_owned()),
                }
                in_word = true;
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    if single || double {
        return Err("`env -S` has a quote that is not closed".to_owned());
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn words(args: &[&str]) -> Vec<Word> {
        args.iter().map(|arg| Word::plain(arg)).collect()
    }

    fn shown(words: &[Word]) -> Vec<&str> {
        words.iter().map(|word| word.run.as_str()).collect()
    }

    #[test]
    fn env_reads_its_options_and_assignments_then_the_program_and_its_arguments() {
        let got = read(&words(&["python3", "/p/op.py", "-i"])).unwrap();
        assert_eq!(got.program.run, "python3");
        assert_eq!(
            shown(&got.args),
            ["/p/op.py", "-i"],
            "options after it are its"
        );
        assert!(got.changes.is_empty());

        // As the kernel passes `#!/usr/bin/env -S python3 -u`: one word.
        let got = read_words(&["-S python3 -u", "/p/op.py"]);
        assert_eq!(got.program.run, "python3");
        assert_eq!(shown(&got.args), ["-u", "/p/op.py"]);

        let got = read_words(&[
            "-iu",
            "HOME",
            "--unset=LANG",
            "-S",
            "-v A=1 'B=two words'",
            "node",
        ]);
        assert_eq!(
            got.changes,
            [
                Change::Clear,
                Change::Unset("HOME".to_owned()),
                Change::Unset("LANG".to_owned()),
                Change::Set("A".to_owned(), "1".to_owned()),
                Change::Set("B".to_owned(), "two words".to_owned()),
            ]
        );
        assert_eq!(got.program.run, "node");

        for (args, refused) in [
            (&["-C", "/tmp", "python3"][..], "`env -C`"),
            (&["--chdir=/tmp", "python3"], "`env --chdir`"),
            (&["--ign", "python3"], "`env --ign`"),
            (&["-S", "python3 ${HOME}/x"], "expands a variable"),
            (&["A=1"], "no program"),
            (&["-u"], "no value"),
        ] {
            let error = read(&words(args)).unwrap_err();
            assert!(error.contains(refused), "{args:?}: {error}");
        }
    }

    fn read_words(args: &[&str]) -> Read {
        read(&words(args)).unwrap()
    }

    #[test]
    fn a_split_string_is_split_as_gnu_env_splits_it() {
        for (text, expected) in [
            (" python3  -u ", &["python3", "-u"][..]),
            ("a 'b c' \"d e\" ''", &["a", "b c", "d e", ""]),
            (r"a\_b \t # a comment", &["a", "b", "\t"]),
            ("a #comment", &["a"]),
            (r"a\cb c", &["a"]),
            (r#""x\_y" 'p\q' 'it\'s'"#, &["x y", r"p\q", "it's"]),
            (r"a#b", &["a#b"]),
        ] {
            assert_eq!(split(text).unwrap(), expected, "{text}");
        }
        for text in ["'open", r"a\", r"a\z", "\"a\\cb\"", "$HOME"] {
            assert!(split(text).is_err(), "{text}");
        }
    }
}
