//! Whether a program's arguments and environment fit what the kernel takes, judged
//! before `run` starts it, by what each value is counted at rather than its length.
//!
//! Linux's `execve` refuses (E2BIG) a string past 128 KiB, and arguments and environment
//! past a quarter of the stack limit (`ulimit -s`; 2 MiB by default, 6 MiB at most).
//! Left to the kernel, that refusal tells a secret's length to the byte: the manifest
//! pads other values of its choosing beside it and reads where `run` starts failing (a
//! seventieth adversarial pass). So `run` refuses first, counting each value in whole
//! steps but the manifest's own text ([`secretary::Resolution::charge`]; an inherited
//! variable in steps too): counted at least at their lengths, whatever `run` lets
//! through the kernel takes, and what it refuses tells a value's length in steps of
//! 1 KiB at most.

use std::ffi::OsStr;

/// The longest string `execve` takes, its NUL included (Linux's `MAX_ARG_STRLEN`, 32
/// pages of 4 KiB).
pub const STRING_LIMIT: usize = 128 << 10;

/// The most the kernel ever takes of arguments and environment: three quarters of its
/// 8 MiB stack limit (`_STK_LIM / 4 * 3`), whatever `ulimit -s` says.
pub const MOST: usize = 6 << 20;

/// What it takes whatever the stack limit (`ARG_MAX`, 32 pages).
const LEAST: usize = 128 << 10;

/// Kept aside for what the kernel adds beside our strings: the program's path, and for
/// a script the interpreter its `#!` line names and its argument.
const MARGIN: usize = 16 << 10;

/// One environment variable, as it is counted.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    /// Its name.
    pub name: &'a OsStr,
    /// What its value is counted at: its length, or a charge at least that.
    pub value: usize,
    /// The secret whose value it is, if one is.
    pub key: Option<&'a str>,
    /// Inherited: judged alone against what a variable may hold, and counted in all
    /// with this process's whole environment ([`Inherited`]), not by itself.
    pub inherited: bool,
}

/// This process's environment as a whole, as the program's inherited part is counted
/// toward the limit: every variable it has (all, or those `--reset` keeps), whichever
/// the manifest lets through or replaces, their sum in whole steps. The manifest cannot
/// change what it counts: a count of only the variables passed moved by exact lengths
/// as the manifest declared a name or replaced one (a seventy-third adversarial pass);
/// one of each in steps refused 2,100 variables of 20 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inherited {
    /// How many variables.
    pub strings: usize,
    /// Their `NAME=VALUE` and NUL, in bytes.
    pub bytes: usize,
}

/// Why a program cannot be given its arguments and environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooLarge {
    /// One variable counts more than a string may hold.
    Variable {
        /// Its name, as it may be shown.
        name: String,
        /// The secret whose value it is, if one is.
        key: Option<String>,
        /// What it counts, its name and `=` included.
        counted: usize,
    },
    /// Arguments and environment together count more than the system takes.
    All {
        /// What they count.
        counted: usize,
        /// What the system takes.
        limit: usize,
    },
}

/// Whether `argv` and `env` fit, each variable as counted: what the kernel would
/// refuse, refused here on counts alone.
pub fn check<'a>(
    argv: &[&OsStr],
    env: impl IntoIterator<Item = Counted<'a>>,
    inherited: Inherited,
) -> Result<(), TooLarge> {
    let mut strings = inherited.strings;
    let mut total = argv.iter().fold(0usize, |total, arg| {
        strings += 1;
        total.saturating_add(arg.len()).saturating_add(1)
    });
    if inherited.bytes > 0 {
        total = total.saturating_add(secretary::charge::stepped(inherited.bytes));
    }
    for variable in env {
        // `NAME=VALUE` and its NUL.
        let counted = variable
            .name
            .len()
            .saturating_add(variable.value)
            .saturating_add(2);
        if counted > STRING_LIMIT {
            return Err(TooLarge::Variable {
                name: secretary::printable::text(&variable.name.to_string_lossy()).into_owned(),
                key: variable.key.map(str::to_owned),
                counted,
            });
        }
        if !variable.inherited {
            strings += 1;
            total = total.saturating_add(counted);
        }
    }
    // Each string's pointer, and the array's end.
    let pointers = strings.saturating_add(2).saturating_mul(size_of::<usize>());
    let limit = limit();
    let counted = total.saturating_add(pointers).saturating_add(MARGIN);
    if counted > limit {
        return Err(TooLarge::All { counted, limit });
    }
    Ok(())
}

/// What the kernel takes of arguments and environment: a quarter of the stack limit,
/// within [`LEAST`] and [`MOST`].
fn limit() -> usize {
    let stack = rustix::process::getrlimit(rustix::process::Resource::Stack).current;
    stack
        .map_or(MOST, |stack| {
            usize::try_from(stack / 4).map_or(MOST, |quarter| quarter.min(MOST))
        })
        .max(LEAST)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn variable(name: &str, value: usize) -> Counted<'_> {
        Counted {
            name: OsStr::new(name),
            value,
            key: Some("k"),
            inherited: false,
        }
    }

    #[test]
    fn a_variable_is_refused_past_what_a_string_holds_as_counted() {
        let fits = STRING_LIMIT - "AB=".len() - 1;
        assert!(
            check(
                &[OsStr::new("x")],
                [variable("AB", fits)],
                Inherited::default()
            )
            .is_ok()
        );
        assert_eq!(
            check(
                &[OsStr::new("x")],
                [variable("AB", fits + 1)],
                Inherited::default()
            ),
            Err(TooLarge::Variable {
                name: "AB".to_owned(),
                key: Some("k".to_owned()),
                counted: STRING_LIMIT + 1,
            })
        );
    }

    #[test]
    fn the_whole_is_refused_past_the_system_limit() {
        let each = STRING_LIMIT - 16;
        let many = limit() / each + 1;
        let names: Vec<String> = (0..many).map(|n| format!("V{n}")).collect();
        let result = check(
            &[],
            names.iter().map(|name| variable(name, each)),
            Inherited::default(),
        );
        assert!(matches!(result, Err(TooLarge::All { limit: l, .. }) if l == limit()));
        assert!(
            check(
                &[],
                names[..2].iter().map(|name| variable(name, each)),
                Inherited::default()
            )
            .is_ok()
        );
    }
}
