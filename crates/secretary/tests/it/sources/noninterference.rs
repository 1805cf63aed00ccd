//! What a resolution says of a secret does not hang on a value it may not read. A
//! private variable `P` (a password in the process environment) is read by its own
//! secret and may build one other secret's value by `.env` expansion; every other
//! secret's verdict (its value, each problem and its fix) and every warning is the same
//! whatever `P` holds, long or short, set or not, in any `.env` files and manifest.
//! Adversarial passes found each of these channels one at a time (verdicts of many
//! `pattern`s, a shared expansion budget, values too large, one-key reads); this states
//! the rule once and tries it on random files.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;

/// One piece of a `.env` value as written.
#[derive(Debug, Clone)]
enum Piece {
    Literal(&'static str),
    Reference(&'static str),
    WithDefault(&'static str, &'static str),
}

/// The names lines may define or refer to: secrets' variables (`N0` ... `N4`, and the
/// aliases `A0`, `A2`), other lines' and `P`.
const NAMES: [&str; 11] = [
    "N0", "N1", "N2", "N3", "N4", "A0", "A2", "M0", "M1", "P", "OTHER",
];

fn piece() -> impl Strategy<Value = Piece> {
    let name = prop::sample::select(&NAMES[..]);
    prop_oneof![
        prop::sample::select(vec!["h", "hu", "12", "x_y", "abcdefgh"]).prop_map(Piece::Literal),
        name.clone().prop_map(Piece::Reference),
        (name, prop::sample::select(vec!["d", "h1"]))
            .prop_map(|(name, default)| Piece::WithDefault(name, default)),
    ]
}

fn line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(&NAMES[..9]);
    (key, prop::collection::vec(piece(), 0..4)).prop_map(|(key, pieces)| {
        let mut value = String::new();
        for piece in pieces {
            match piece {
                Piece::Literal(text) => value.push_str(text),
                Piece::Reference(name) => {
                    let _ = write!(value, "${{{name}}}");
                }
                Piece::WithDefault(name, default) => {
                    let _ = write!(value, "${{{name}:-{default}}}");
                }
            }
        }
        format!("{key}={value}\n")
    })
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..6).prop_map(|lines| lines.concat())
}

/// What a secret declares besides its variable.
fn rule() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "pattern = \"^h.*\"\n",
        "min_length = 6\n",
        "max_length = 5\n",
        "type = \"int\"\n",
        "sensitive = false\n",
        "required = true\n",
    ])
}

/// A value of `P`: unset, or of a length around each limit.
fn private() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (prop::sample::select(vec!["h", "1", "hunter2"]), 0usize..3)
            .prop_map(|(unit, times)| { Some(unit.repeat(times + 1)) }),
        prop::sample::select(vec![32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 40_000])
            .prop_map(|length| Some("h".repeat(length))),
    ]
}

/// Each secret's verdict, and the warnings, as one value-free comparison.
fn verdicts(report: &Report, keys: &[String]) -> (Vec<String>, Vec<String>) {
    let each = keys
        .iter()
        .map(|key| {
            let resolution = report.get(key).unwrap();
            let problems: Vec<String> = resolution
                .problems
                .iter()
                .map(|problem| format!("{} / {}", problem.kind, problem.fix))
                .collect();
            format!("{key}: {:?} {problems:?}", value(report, key))
        })
        .collect();
    let warnings = report.warnings.iter().map(ToString::to_string).collect();
    (each, warnings)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_but_ps_own_and_one_built_from_it_tells_anything_of_p(
        first in file(),
        second in file(),
        rules in prop::collection::vec(rule(), 5),
        aliases in prop::collection::vec(any::<bool>(), 5),
        own in any::<bool>(),
        values in prop::collection::vec(private(), 3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from(
            "version = 1\n[sources.env]\ntype = \"env\"\n\
             [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"a.env\", \"b.env\"]\n\
             [environments.development]\nsources = [\"env\", \"dotenv\"]\n",
        );
        if own {
            text.push_str("[secrets.p]\nenv = [\"P\"]\n");
        }
        for (at, (rule, alias)) in rules.iter().zip(&aliases).enumerate() {
            // `s0` and `s2` may read a second name, after their first.
            let alias = if *alias && at % 2 == 0 && at < 4 {
                format!(", \"A{at}\"")
            } else {
                String::new()
            };
            let _ = write!(text, "[secrets.s{at}]\nenv = [\"N{at}\"{alias}]\n{rule}");
        }
        let manifest = manifest(dir.path(), &text);
        write_private(&dir.path().join("a.env"), &first);
        write_private(&dir.path().join("b.env"), &second);
        let keys: Vec<String> = (0..rules.len()).map(|at| format!("s{at}")).collect();
        let told: Vec<(Vec<String>, Vec<String>)> = values
            .iter()
            .map(|value| {
                let vars = match value {
                    Some(value) => Variables::from_pairs([("P", value.as_str())]),
                    None => Variables::default(),
                };
                let together = verdicts(&run(&manifest, "development", &vars), &keys);
                // Read alone, each secret is told what it is told with the rest.
                for (at, key) in keys.iter().enumerate() {
                    let environment = manifest.select_environment(None, &vars).unwrap();
                    let alone = resolve(&manifest, environment, &vars, Scope::Keys(&[key]));
                    let alone = verdicts(&alone.unwrap(), std::slice::from_ref(key));
                    assert_eq!(alone.0[0], together.0[at], "{key} alone\n{text}\n{first}---\n{second}");
                }
                together
            })
            .collect();
        // The warnings are the same whatever `P` holds.
        for other in &told[1..] {
            prop_assert_eq!(&other.1, &told[0].1, "warnings\n{}\n{}---\n{}", text, first, second);
        }
        // At most one secret (besides `p`) says different things for different values.
        let differing: Vec<&String> = keys
            .iter()
            .enumerate()
            .filter(|(at, _)| told.iter().any(|other| other.0[*at] != told[0].0[*at]))
            .map(|(_, key)| key)
            .collect();
        prop_assert!(
            differing.len() <= 1,
            "{differing:?} each tell something of P\n{text}\na.env:\n{first}b.env:\n{second}{told:#?}"
        );
    }
}
