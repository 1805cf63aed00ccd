//! What a resolution says of a secret does not hang on a value it may not read. A
//! private variable `P` (a password in the process environment) is read by its own
//! secret and may build other secrets' values by `.env` expansion; every secret's verdict
//! (each problem and its fix, and whether it has a value) and every warning is the same
//! whatever `P` holds, but for whether it is set and whether it passes the 32 KiB a value
//! from outside a file may hold, in any `.env` files and manifest.
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
    fn no_secret_tells_more_of_p_than_whether_it_is_set_and_past_32_kib(
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
        // What each secret says, its value aside (a value built from `P` holds it), is
        // a function of what `P` is as everyone may know it: set or not, and past the
        // 32 KiB a value from outside may hold or not. Any number of secrets may be
        // built from it (a sixty-seventh adversarial pass: one only refused ordinary
        // files), each checked on its shape.
        let class = |value: &Option<String>| {
            value
                .as_ref()
                .map(|value| value.len() > 32 * 1024)
        };
        let stripped = |verdict: &String| {
            let (head, problems) = verdict.split_once(" [").unwrap_or((verdict.as_str(), ""));
            let set = !head.ends_with(": None");
            format!("{set} [{problems}")
        };
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate().skip(i + 1) {
                if class(a) != class(b) {
                    continue;
                }
                for (at, key) in keys.iter().enumerate() {
                    prop_assert_eq!(
                        stripped(&told[i].0[at]),
                        stripped(&told[j].0[at]),
                        "{} tells something of P\n{}\na.env:\n{}b.env:\n{}{:#?}",
                        key, text, first, second, told
                    );
                }
            }
        }
    }
}

#[test]
fn a_value_built_by_expansion_is_asked_no_chosen_question() {
    // A sixty-second adversarial pass: `PROBE=q3_1:${PW}` in each environment's own
    // `.env`, under one `pattern` of as many branches, told one bit of `PW` a
    // `check --env` (7 environments a character). A sixty-third did the same with `PW`
    // declared by no secret, and through a url's host (`http://xn--${PW}-03h/`, a
    // letter an environment). A value built by expansion may not be asked `pattern`,
    // `values`, `min`, `max` or lengths, whatever it expands; its type and the
    // placeholder rules are checked on its shape, each expansion `1`.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         forbid_placeholders = true\n\
         [secrets.pw]\nrequired = true\n\
         [secrets.probe]\npattern = \"q0:h.*\"\n\
         [secrets.pick]\ntype = \"enum\"\nvalues = [\"a:hunter2X\", \"b\"]\n\
         [secrets.long]\nmax_length = 12\n\
         [secrets.url]\ntype = \"url\"\nschemes = [\"postgresql\"]\n\
         [secrets.host]\ntype = \"url\"\n\
         [secrets.port]\ntype = \"port\"\n\
         [secrets.slot]\n",
    );
    write_private(
        &dir.path().join(".env"),
        "PROBE=q0:${UNDECLARED}\nPICK=a:${PW}\nLONG=xxxxxxxxx${PW}\n\
         URL=postgresql://u:${PW}@db/app\nHOST=http://${H}:${H}/\nPORT=${P}\n\
         SLOT=<${S}>\n",
    );
    let mut verdicts = Vec::new();
    for pw in ["hunter2X", "8080", "<name>", "xn--a-03h"] {
        let vars =
            Variables::from_pairs(["PW", "UNDECLARED", "H", "P", "S"].map(|name| (name, pw)));
        let report = run(&manifest, "development", &vars);
        for (key, line, name, origin, asks) in [
            ("probe", 1, "PROBE", "UNDECLARED", "pattern"),
            ("pick", 2, "PICK", "PW", "values"),
            ("long", 3, "LONG", "PW", "max_length"),
        ] {
            assert_eq!(value(&report, key), None, "{key} was served");
            let problem = &report.get(key).unwrap().problems[0];
            let problem = format!("{} {}", problem.kind, problem.fix);
            assert!(
                problem.contains(&format!(
                    ".env:{line}: {name} is built by expanding ${{{origin}}}, and the secret read has `{asks}`"
                )),
                "{problem}"
            );
            assert!(!problem.contains(pw), "{problem}");
        }
        assert_eq!(
            value(&report, "url").as_deref(),
            Some(format!("postgresql://u:{pw}@db/app").as_str())
        );
        // The same verdicts whatever is expanded: on `http://1:1/`, `1` and `<1>`.
        verdicts.push(
            ["host", "port", "slot"].map(|key| format!("{:?}", report.get(key).unwrap().problems)),
        );
    }
    assert!(
        verdicts.windows(2).all(|pair| pair[0] == pair[1]),
        "{verdicts:?}"
    );
    assert!(
        verdicts[0][0] == "[]" && verdicts[0][1] == "[]",
        "{verdicts:?}"
    );
    assert!(verdicts[0][2].contains("Placeholder"), "{verdicts:?}");
}

#[test]
fn a_value_built_by_a_template_is_checked_on_its_shape() {
    // A sixty-third adversarial pass read a password, a letter an environment, through
    // the url parser's verdict on a host a template by environment built around it
    // (`http://xn--{pw}-03h/`: whether a combining mark composes with the letter), with
    // the input declared `sensitive = false` to pass the rule on questions. A value
    // built by a template is checked on its shape, each input `1`, so every verdict on
    // it is the same whatever its inputs hold; and `pattern` over it is refused
    // whatever the inputs are declared.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.env]\ntype = \"env\"\n\
         [environments.development]\nsources = [\"env\"]\nforbid_placeholders = true\n\
         [secrets.pw]\nsensitive = false\n\
         [secrets.a]\n[secrets.b]\n[secrets.c]\n\
         [secrets.host]\ntype = \"url\"\ntemplate = \"http://xn--{pw}-03h/\"\n\
         [secrets.port]\ntype = \"port\"\ntemplate = \"{a}\"\n\
         [secrets.slot]\ntemplate = \"change{b}\"\n\
         [secrets.url]\ntype = \"url\"\nschemes = [\"postgresql\"]\n\
         template = \"postgresql://u:{c|url}@db/app\"\n",
    );
    let mut verdicts = Vec::new();
    for pw in ["a", "e", "8080", "me", "x"] {
        let vars = Variables::from_pairs(["PW", "A", "B", "C"].map(|name| (name, pw)));
        let report = run(&manifest, "development", &vars);
        verdicts.push(
            ["host", "port", "slot", "url"]
                .map(|key| format!("{:?}", report.get(key).unwrap().problems)),
        );
        assert_eq!(
            value(&report, "url").as_deref(),
            Some(format!("postgresql://u:{pw}@db/app").as_str())
        );
    }
    assert!(
        verdicts.windows(2).all(|pair| pair[0] == pair[1]),
        "{verdicts:#?}"
    );
    let refused = "version = 1\n[secrets.pw]\nsensitive = false\n\
        [secrets.probe]\ntemplate = \"q:{pw}\"\npattern = \"q:h.*\"\n";
    let error = Manifest::parse(refused, Path::new("secrets.toml")).unwrap_err();
    assert!(error.to_string().contains("reads secret `pw`"), "{error}");
}

#[test]
fn a_value_read_is_not_shown_for_equalling_a_default_by_environment() {
    // A sixty-third adversarial pass: `status` showed a `sensitive = false` string read
    // from the environment when it equalled the default, and a default by environment
    // made that a guess an environment (128 a run), a PIN in a few runs.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.env]\ntype = \"env\"\n\
         [environments.e1]\nsources = [\"env\"]\n\
         [environments.e1.secrets.pin]\ndefault = \"1234\"\n\
         [environments.e2]\nsources = [\"env\"]\n\
         [environments.e2.secrets.pin]\ndefault = \"4321\"\n\
         [secrets.pin]\nenv = [\"SMS_PIN\"]\nsensitive = false\n",
    );
    let read = Variables::from_pairs([("SMS_PIN", "4321")]);
    for environment in ["e1", "e2"] {
        let report = run(&manifest, environment, &read);
        assert_eq!(value(&report, "pin").as_deref(), Some("4321"));
        assert_eq!(
            report.get("pin").unwrap().shown_value(),
            None,
            "{environment}"
        );
    }
    // The default itself is the manifest's own text: shown.
    let report = run(&manifest, "e2", &Variables::default());
    assert_eq!(report.get("pin").unwrap().shown_value(), Some("4321"));
}

#[test]
fn a_value_built_from_others_is_never_shown() {
    // Whether a value is shown is a verdict on it too: a `bool` built as `t${X}` was
    // shown only when `X` held `rue`, in words each environment may choose (a
    // sixty-third adversarial pass).
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         [secrets.x]\nsensitive = false\ntype = \"bool\"\n\
         [secrets.flag]\nsensitive = false\ntype = \"bool\"\n\
         [secrets.built]\nsensitive = false\ntype = \"bool\"\ntemplate = \"{x}\"\n",
    );
    write_private(&dir.path().join(".env"), "FLAG=t${Y}\n");
    let vars = Variables::from_pairs([("X", "true"), ("Y", "rue")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(value(&report, "flag").as_deref(), Some("true"));
    assert_eq!(report.get("flag").unwrap().shown_value(), None);
    assert_eq!(value(&report, "built").as_deref(), Some("true"));
    assert_eq!(report.get("built").unwrap().shown_value(), None);
    // What a source holds as it is, still.
    assert_eq!(report.get("x").unwrap().shown_value(), Some("true"));
}

#[test]
fn a_built_value_whose_shape_its_type_refuses_is_not_refused() {
    // A sixty-sixth adversarial pass: `init` typed `SQLALCHEMY_DATABASE_URI=${DB_URL}`
    // and `API_URL=${BASE_URL}/v1` as urls, and `check` then refused them: their shapes
    // (`1`, `1/v1`) are no URL, though the values are. A shape says nothing of such a
    // value: it is not checked.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         [secrets.db_url]\ntype = \"url\"\nschemes = [\"postgresql\"]\n\
         [secrets.sqlalchemy_database_uri]\ntype = \"url\"\nschemes = [\"postgresql\"]\n\
         [secrets.api_url]\ntype = \"url\"\n\
         [secrets.ssl_url]\ntype = \"url\"\nschemes = [\"postgresql\"]\n\
         template = \"{db_url}?sslmode=require\"\n",
    );
    write_private(
        &dir.path().join(".env"),
        "SQLALCHEMY_DATABASE_URI=${DB_URL}\nAPI_URL=${BASE_URL}/v1\n",
    );
    let vars = Variables::from_pairs([
        ("DB_URL", "postgresql://app:pw@localhost:5432/app"),
        ("BASE_URL", "https://api.example.com"),
    ]);
    let report = run(&manifest, "development", &vars);
    for key in ["sqlalchemy_database_uri", "api_url", "ssl_url"] {
        let resolution = report.get(key).unwrap();
        assert!(
            resolution.problems.is_empty() && resolution.value.is_some(),
            "{key}: {:?}",
            resolution.problems
        );
    }
}
