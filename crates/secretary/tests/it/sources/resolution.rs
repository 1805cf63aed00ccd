//! Resolution across sources: a failure is never an absence, falling through only when asked, and every problem reported together.

use super::*;

#[test]
fn a_failed_source_is_never_taken_for_an_absent_one() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &vault_then_env("fail"));
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db"), ("API_KEY", "k")]);
    let report = run(&manifest, "production", &vars);
    for key in ["database_url", "api_key", "debug"] {
        assert_eq!(
            codes(&report, key),
            ["source_error"],
            "{key} must fail closed"
        );
        assert!(
            report.get(key).unwrap().value.is_none(),
            "{key} must not fall through"
        );
    }
}

#[test]
fn falling_through_is_opt_in_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &vault_then_env("next"));
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db")]);
    let report = run(&manifest, "production", &vars);
    assert!(report.is_ok());
    let resolution = report.get("database_url").unwrap();
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("env:DATABASE_URL")
    );
    assert_eq!(resolution.fallbacks.len(), 1);
    assert_eq!(resolution.fallbacks[0].source, "vault");
    assert_eq!(
        report.get("debug").unwrap().fallbacks.len(),
        1,
        "the default, too, came after a fallback"
    );

    // The audit log has a `fallback` line for each secret whose chain skipped the failed
    // source, before the line of the access itself.
    let log_path = dir.path().join("audit.log");
    let target = secretary::audit::Target::File(log_path.clone());
    let log = secretary::audit::AuditLog::open(&target, "production", &vars).unwrap();
    log.record_report(secretary::audit::Event::Validate, &report)
        .unwrap();
    let text = fs::read_to_string(&log_path).unwrap();
    assert!(
        !text.contains("postgresql://env/db"),
        "a value in the audit log"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let of = |key: &str| -> Vec<(String, String)> {
        lines
            .iter()
            .filter(|line| line["key"] == key)
            .map(|line| {
                let field = |name: &str| line[name].as_str().unwrap_or_default().to_owned();
                (field("event"), field("outcome"))
            })
            .collect()
    };
    let fallback = ("fallback".to_owned(), "source_error".to_owned());
    let ok = ("validate".to_owned(), "ok".to_owned());
    assert_eq!(of("database_url"), [fallback, ok]);
    let fallback_line = lines
        .iter()
        .find(|line| line["event"] == "fallback")
        .unwrap();
    assert_eq!(fallback_line["source"], "vault", "{fallback_line}");
}

#[test]
fn a_source_that_answers_short_fails_the_unanswered_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let environment = manifest
        .select_environment(None, &Variables::default())
        .unwrap();
    let report = secretary::resolve_with(
        &manifest,
        environment,
        &Variables::default(),
        Scope::All,
        |_| Box::new(Forgetful),
    )
    .unwrap();
    assert_eq!(
        codes(&report, "database_url"),
        ["missing"],
        "answered: absent"
    );
    for key in ["api_key", "debug"] {
        assert_eq!(
            codes(&report, key),
            ["source_error"],
            "{key} was not answered"
        );
        let message = report.get(key).unwrap().problems[0].kind.to_string();
        assert!(message.contains("answered 1 of 3 lookups"), "{message}");
    }
}

#[test]
fn placeholders_are_problems_only_where_forbidden_and_never_for_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "version = 1\n[environments.development]\nsources = [\"env\"]\n[environments.production]\nsources = [\"env\"]\nforbid_placeholders = true\n{SECRETS}\n[secrets.region]\nsensitive = false\ndefault = \"example\"\n"
    );
    let manifest = manifest(dir.path(), &text);
    let vars = Variables::from_pairs([
        ("DATABASE_URL", "postgresql://user:change-me@db/app"),
        ("API_KEY", "your-api-key-here"),
    ]);
    assert!(run(&manifest, "development", &vars).is_ok());
    let report = run(&manifest, "production", &vars);
    assert_eq!(codes(&report, "database_url"), ["placeholder"]);
    assert_eq!(codes(&report, "api_key"), ["placeholder"]);
    assert!(
        codes(&report, "region").is_empty(),
        "a manifest default is not a placeholder"
    );
    assert_eq!(report.problem_count(), 2);
}

#[test]
fn every_problem_is_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{SECRETS}\n[secrets.port]\ntype = \"port\"\nrequired = true\n[secrets.level]\ntype = \"enum\"\nvalues = [\"INFO\"]\n"
    );
    let manifest = manifest(dir.path(), &format!("version = 1\n{text}"));
    let vars = Variables::from_pairs([("DEBUG", "maybe"), ("PORT", "http"), ("LEVEL", "LOUD")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    assert_eq!(codes(&report, "debug"), ["invalid"]);
    assert_eq!(codes(&report, "port"), ["invalid"]);
    assert_eq!(codes(&report, "level"), ["invalid"]);
    assert_eq!(report.problem_count(), 4);
    for resolution in &report.resolutions {
        for problem in &resolution.problems {
            let text = format!("{} {}", problem.kind, problem.fix);
            for value in ["maybe", "http", "LOUD"] {
                assert!(!text.contains(value), "{text}");
            }
        }
    }
}

#[test]
fn asking_for_an_undeclared_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("version = 1\n{SECRETS}"));
    let environment = manifest
        .select_environment(None, &Variables::default())
        .unwrap();
    let error = resolve(
        &manifest,
        environment,
        &Variables::default(),
        Scope::Keys(&["api_kee"]),
    )
    .unwrap_err();
    let secretary::Error::UnknownKey { suggestion, .. } = error else {
        panic!("{error}")
    };
    assert_eq!(suggestion.as_deref(), Some("api_key"));
}

#[cfg(unix)]
#[test]
fn the_audit_log_is_never_a_link_nor_a_fifo_and_a_loose_one_is_warned_about() {
    use secretary::audit::{AuditLog, Target};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere.log");
    fs::write(&elsewhere, "").unwrap();
    let link = dir.path().join("audit.log");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let error = AuditLog::open(&Target::File(link), "dev", &Variables::default()).unwrap_err();
    assert!(error.to_string().contains("a symbolic link"), "{error}");

    let fifo = dir.path().join("fifo.log");
    mkfifo(&fifo);
    let error = within(Duration::from_secs(10), move || {
        AuditLog::open(&Target::File(fifo), "dev", &Variables::default())
            .unwrap_err()
            .to_string()
    });
    // Without a reader, opening a FIFO to write fails at once (ENXIO); with one, it is
    // refused as not a regular file. Either way it neither blocks nor is used.
    assert!(error.starts_with("cannot open the audit log"), "{error}");

    let loose = dir.path().join("loose.log");
    fs::write(&loose, "").unwrap();
    chmod(&loose, 0o644);
    let log = AuditLog::open(&Target::File(loose), "dev", &Variables::default()).unwrap();
    assert_eq!(log.warnings().len(), 1, "{:?}", log.warnings());
    assert!(
        log.warnings()[0].contains("mode 0644"),
        "{:?}",
        log.warnings()
    );
}

// ---- templates -------------------------------------------------------------------------

const TEMPLATED: &str = r#"version = 1
[environments.development]
sources = ["env"]

[environments.production]
sources = ["env"]

[environments.production.secrets.database_url]
template = "postgresql://{postgres_user}:{postgres_password|url}@db:5432/app"

[secrets.database_url]
required = true
type = "url"

[secrets.postgres_user]
required = true

[secrets.postgres_password]
required = true
"#;

#[test]
fn a_template_builds_a_value_from_other_secrets_in_its_environment_only() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), TEMPLATED);
    let vars = Variables::from_pairs([
        ("POSTGRES_USER", "v-app-1"),
        ("POSTGRES_PASSWORD", "p@ss:w/rd#1"),
        ("DATABASE_URL", "postgresql://dev@localhost/app"),
    ]);
    let production = run(&manifest, "production", &vars);
    assert!(production.is_ok(), "{production:?}");
    assert_eq!(
        value(&production, "database_url").as_deref(),
        Some("postgresql://v-app-1:p%40ss%3Aw%2Frd%231@db:5432/app"),
        "the password percent-encoded, the variable never asked"
    );
    assert_eq!(
        locator(&production, "database_url").as_deref(),
        Some("template(postgres_user, postgres_password)")
    );
    let development = run(&manifest, "development", &vars);
    assert_eq!(
        value(&development, "database_url").as_deref(),
        Some("postgresql://dev@localhost/app"),
        "development reads it as declared"
    );

    // Asked alone, its inputs are resolved with it but not reported.
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let alone = resolve(
        &manifest,
        environment,
        &vars,
        Scope::Keys(&["database_url"]),
    )
    .unwrap();
    assert_eq!(alone.resolutions.len(), 1);
    assert!(value(&alone, "database_url").is_some());

    // An input missing: the templated secret says which.
    let partial = Variables::from_pairs([("POSTGRES_USER", "v-app-1")]);
    let report = run(&manifest, "production", &partial);
    assert_eq!(value(&report, "database_url"), None);
    let fix = report.get("database_url").unwrap().problems[0]
        .fix
        .to_string();
    assert!(fix.contains("built from `postgres_password`"), "{fix}");
    // With the input's own fix: asked alone (`--only`), the input is not reported.
    assert!(fix.contains("POSTGRES_PASSWORD"), "{fix}");
}

#[test]
fn a_template_longer_than_a_mebibyte_is_refused_before_it_is_built() {
    // A twenty-sixth adversarial pass: one 1 MiB value named 3,000 times built 3 GiB.
    // A sixty-fifth: counted over the inputs' lengths, a template by environment
    // repeating an input up to the limit told its length. Each input is counted at the
    // 32 KiB it may hold, whatever it holds; one that holds more is refused.
    let dir = tempfile::tempdir().unwrap();
    let at_most = |times: usize| {
        format!(
            "version = 1\n[environments.production]\nsources = [\"env\"]\n[secrets.big]\n[secrets.t]\ntemplate = \"{}\"\n",
            "{big}".repeat(times)
        )
    };
    let full = "x".repeat(32 * 1024);
    for (times, value) in [(2, full.as_str()), (32, "x")] {
        let manifest = manifest(dir.path(), &at_most(times));
        let report = run(
            &manifest,
            "production",
            &Variables::from_pairs([("BIG", value)]),
        );
        let resolution = report.get("t").unwrap();
        assert!(
            resolution.value.is_some(),
            "{times} × {} bytes",
            value.len()
        );
    }
    // Past 1 MiB by its text: refused where it is written, whatever its inputs (a
    // sixty-sixth adversarial pass: it was refused at resolution, in each environment).
    let path = dir.path().join("secrets.toml");
    for template in [at_most(33), at_most(11).replace("{big}", "{big|url}")] {
        std::fs::write(&path, &template).unwrap();
        let error = secretary::Manifest::load(&path).unwrap_err().to_string();
        assert!(
            error.contains(":6:12:")
                && error
                    .contains("the template of secret `t` could make a value longer than 1 MiB"),
            "{error}"
        );
    }
    let manifest = manifest(dir.path(), &at_most(2));
    let over = format!("{full}x");
    let report = run(
        &manifest,
        "production",
        &Variables::from_pairs([("BIG", over.as_str())]),
    );
    let resolution = report.get("t").unwrap();
    assert!(resolution.value.is_none());
    let problem = resolution.problems[0].kind.to_string();
    assert!(
        problem.contains("which holds more than the 32 KiB a template's input may"),
        "{problem}"
    );
    assert!(!problem.contains("xxxx"), "{problem}");
}

#[test]
fn a_template_naming_an_unknown_secret_a_cycle_or_a_secret_in_a_public_value_is_refused() {
    for (extra, expected) in [
        (
            "[secrets.a]\ntemplate = \"{nope}\"\n",
            "the template of `a` names `nope`, which is not declared",
        ),
        (
            "[secrets.a]\ntemplate = \"{b}\"\n[secrets.b]\ntemplate = \"x{a}\"\n",
            "templates form a cycle: a -> b -> a",
        ),
        (
            "[secrets.a]\nsensitive = false\ntemplate = \"{b}\"\n[secrets.b]\n",
            "`a` is not sensitive, but its template uses `b`, which is",
        ),
        (
            "[secrets.a]\nsensitive = false\ndefault = \"x\"\ntemplate = \"{b}\"\n[secrets.b]\nsensitive = false\n",
            "the template of secret `a` cannot go with a `default`",
        ),
        (
            "[secrets.a]\ntemplate = \"{b\"\n[secrets.b]\n",
            "has a `{` without its `}`",
        ),
        // Templates with a `pattern` over a value: each would question it through its
        // verdict (a seventh adversarial pass spelled a value out with 496 of them).
        (
            "[secrets.pw]\n[secrets.t0]\ntemplate = \"{pw}\"\npattern = \"^h.*\"\n[secrets.t1]\ntemplate = \"{pw}\"\npattern = \"^.u.*\"\n",
            "secret `t0` has `pattern` and is built by a template that reads secret `pw`",
        ),
        // ... also through another template.
        (
            "[secrets.pw]\n[secrets.t0]\ntemplate = \"x{pw}\"\n[secrets.t1]\ntemplate = \"{t0}\"\npattern = \"^xh.*\"\n",
            "secret `t1` has `pattern` and is built by a template that reads secret `pw`",
        ),
        // Many templates over one value, each 1 MiB by its text.
        (
            &format!(
                "[secrets.pw]\n{}",
                format!("[secrets.tN]\ntemplate = \"{}\"\n", "{pw}".repeat(32))
                    .repeat(65)
                    .split("tN")
                    .enumerate()
                    .map(|(n, part)| if n == 0 {
                        part.to_owned()
                    } else {
                        format!("t{n}{part}")
                    })
                    .collect::<String>()
            ),
            "environment `development`: its templates could build 65 MiB in all, each input counted at the 32 KiB it may hold: at most 64 MiB",
        ),
    ] {
        let error = Manifest::parse(&format!("version = 1\n{extra}"), Path::new("secrets.toml"))
            .err()
            .unwrap_or_else(|| panic!("accepted: {extra}"));
        let messages: Vec<String> = error
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{extra}: {messages:?}"
        );
    }
}

#[test]
fn an_optional_template_over_a_failed_input_fails_too_never_unset() {
    // A twenty-ninth adversarial pass: `get_optional` gave `None`, and `get` "not set",
    // for a template over a secret whose source failed: a failure taken for an absence.
    let dir = tempfile::tempdir().unwrap();
    let failing = manifest(
        dir.path(),
        "version = 1\n[sources.vault]\ntype = \"vault\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.extra]\n[secrets.opt_url]\ntemplate = \"x{extra}\"\n",
    );
    let report = run(&failing, "production", &Variables::default());
    assert_eq!(codes(&report, "extra"), ["source_error"]);
    assert_eq!(codes(&report, "opt_url"), ["source_error"], "not unset");
    assert!(report.get("opt_url").unwrap().value.is_none());
    // An input cleanly unset leaves an optional template unset.
    let unset = manifest(
        dir.path(),
        "version = 1\n[environments.production]\nsources = [\"env\"]\n[secrets.extra]\n[secrets.opt_url]\ntemplate = \"x{extra}\"\n",
    );
    let report = run(&unset, "production", &Variables::default());
    assert_eq!(codes(&report, "opt_url"), Vec::<&str>::new());
    assert!(report.get("opt_url").unwrap().value.is_none());
}

#[test]
fn a_template_over_a_value_that_breaks_its_rules_gets_no_value() {
    // A thirtieth adversarial pass: the template was built before its input was checked,
    // so `get url` printed a URL holding an `int` that was no number.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[environments.production]\nsources = [\"env\"]\n[secrets.pw]\ntype = \"int\"\n[secrets.url]\ntemplate = \"postgres://u:{pw}@h/db\"\n[secrets.pw2]\nrequired = false\ntype = \"int\"\n[secrets.opt_url]\nrequired = false\ntemplate = \"x{pw2}\"\n",
    );
    let vars = Variables::from_pairs([("PW", "canary-not-a-number"), ("PW2", "canary-2")]);
    let report = run(&manifest, "production", &vars);
    assert_eq!(codes(&report, "pw"), ["invalid"]);
    for key in ["url", "opt_url"] {
        assert!(value(&report, key).is_none(), "{key} was built");
        assert!(!codes(&report, key).is_empty(), "{key} has no problem");
    }
    let vars = Variables::from_pairs([("PW", "42")]);
    let report = run(&manifest, "production", &vars);
    assert_eq!(
        value(&report, "url").as_deref(),
        Some("postgres://u:42@h/db")
    );
}

#[test]
fn many_templates_may_read_one_value() {
    // A primary and a replica URL over one password: each built value is checked on its
    // shape, so that none tells anything of the password (the rule that let a value feed
    // one template only refused it, a sixty-seventh adversarial pass).
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[environments.production]\nsources = [\"env\"]\n\
         [secrets.pw]\n\
         [secrets.primary]\ntemplate = \"postgresql://app:{pw|url}@primary/app\"\ntype = \"url\"\n\
         [secrets.replica]\ntemplate = \"postgresql://app:{pw|url}@replica/app\"\ntype = \"url\"\n\
         [secrets.both]\ntemplate = \"{primary} {replica}\"\n",
    );
    let report = run(
        &manifest,
        "production",
        &Variables::from_pairs([("PW", "p@ss")]),
    );
    assert_eq!(
        value(&report, "replica").as_deref(),
        Some("postgresql://app:p%40ss@replica/app")
    );
    assert!(value(&report, "primary").is_some() && value(&report, "both").is_some());
}

#[test]
fn no_padding_reads_a_length_off_a_template_or_a_dotenv_limit() {
    use std::fmt::Write as _;

    // A sixty-eighth adversarial pass: templates `{pw}{padP}` under `{lP}`, one for each
    // padding P, were refused from the first P where the built input passed 32 KiB,
    // which told the password's exact length (and, with `|url`, how many of its bytes
    // encode); so did `.env` lines `XP=${PW}xxx...` under templates, and lines
    // `${BIG:-<default of each length>}` a value's length past 32 KiB. A built input is
    // charged by the text that built it, never by its length.
    let dir = tempfile::tempdir().unwrap();
    let paddings = [32_755, 32_759, 32_761, 32_765];
    let mut text = String::from(
        "version = 1\n[sources.env]\ntype = \"env\"\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"pads.env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n[secrets.pw]\n[secrets.big]\n",
    );
    let mut dotenv = String::new();
    for p in paddings {
        let _ = write!(
            text,
            "[secrets.pad{p}]\nsensitive = false\n\
             [secrets.l{p}]\ntemplate = \"{{pw}}{{pad{p}}}\"\n[secrets.m{p}]\ntemplate = \"{{l{p}}}\"\n\
             [secrets.u{p}]\ntemplate = \"{{pw|url}}{{pad{p}}}\"\n[secrets.v{p}]\ntemplate = \"{{u{p}}}\"\n\
             [secrets.x{p}]\n[secrets.y{p}]\ntemplate = \"{{x{p}}}\"\n"
        );
        let _ = write!(
            dotenv,
            "PAD{p}={}\nX{p}=${{PW}}{}\n",
            "x".repeat(p),
            "x".repeat(p)
        );
    }
    for l in [40_000, 45_000, 50_000] {
        let _ = writeln!(text, "[secrets.d{l}]");
        let _ = writeln!(dotenv, "D{l}=${{BIG:-{}}}", "x".repeat(l));
    }
    std::fs::write(dir.path().join("pads.env"), dotenv).unwrap();
    std::fs::set_permissions(
        dir.path().join("pads.env"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let manifest = manifest(dir.path(), &text);
    let verdicts = |pw: &str, big: usize| {
        let big = "b".repeat(big);
        let report = run(
            &manifest,
            "development",
            &Variables::from_pairs([("PW", pw), ("BIG", big.as_str())]),
        );
        report
            .resolutions
            .iter()
            .filter(|r| r.key() != "pw" && r.key() != "big")
            .map(|r| {
                (
                    r.key().to_owned(),
                    r.value.is_some(),
                    r.problems
                        .iter()
                        .map(|p| p.kind.to_string())
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    let first = verdicts("abcdefgh", 42_000);
    // Every built value served; a value from outside past 32 KiB refused in every line
    // that inserts it, whatever default stands beside it.
    assert!(
        first
            .iter()
            .all(|(key, served, _)| *served != key.starts_with('d')),
        "{first:?}"
    );
    for (pw, big) in [
        ("abcdefghij", 48_000),
        ("ab@d/f%h", 33_000),
        ("é%a", 49_000),
    ] {
        assert_eq!(verdicts(pw, big), first, "{pw} {big}");
    }
}

#[test]
fn no_padding_reads_the_length_of_a_literal_or_of_an_earlier_files_line() {
    use std::fmt::Write as _;

    // A sixty-ninth adversarial pass: (1) a `.env` URL with its password written
    // literally beside `${DB_HOST}` had that password's length in its bound, and
    // templates over templates padded to one byte read it; (2) an earlier file's line
    // `YP=${DB_PASSWORD}xxx...` was judged by its length where a later file expanded it.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "version = 1\n[sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\"private.env\", \"a.env\", \"b.env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         [secrets.db_password]\n[secrets.database_url]\n[secrets.pad]\nsensitive = false\n\
         [secrets.qa]\nsensitive = false\ntemplate = \"{pad}",
    );
    text.push_str(&"x".repeat(4_000));
    text.push_str("\"\n");
    let (mut a, mut b) = (String::new(), String::new());
    for d in 0..24 {
        let _ = write!(
            text,
            "[secrets.q{d}]\nsensitive = false\ntemplate = \"{{pad}}{}\"\n\
             [secrets.t{d}]\ntemplate = \"{{database_url}}{}{}{{q{d}}}\"\n",
            // Past 1 MiB by one byte more of the password, unrounded.
            "x".repeat(720 + d),
            "{qa}".repeat(8),
            "{pad}".repeat(21)
        );
    }
    for p in 32_744..32_752 {
        let _ = writeln!(a, "Y{p}=${{DB_PASSWORD}}{}", "x".repeat(p));
        let _ = writeln!(b, "Z{p}=${{Y{p}}}");
        let _ = writeln!(text, "[secrets.z{p}]");
    }
    for (name, body) in [("a.env", a), ("b.env", b)] {
        std::fs::write(dir.path().join(name), body).unwrap();
        std::fs::set_permissions(
            dir.path().join(name),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
    }
    let manifest = manifest(dir.path(), &text);
    let verdicts = |password: &str| {
        let private = dir.path().join("private.env");
        std::fs::write(
            &private,
            format!("DATABASE_URL=postgresql://app:{password}@${{DB_HOST}}:5432/app\n"),
        )
        .unwrap();
        std::fs::set_permissions(
            &private,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let report = run(
            &manifest,
            "development",
            &Variables::from_pairs([("DB_PASSWORD", password), ("DB_HOST", "db"), ("PAD", "x")]),
        );
        report
            .resolutions
            .iter()
            .filter(|r| r.key() != "db_password" && r.key() != "database_url")
            .map(|r| (r.key().to_owned(), r.value.is_some()))
            .collect::<Vec<_>>()
    };
    let first = verdicts("0123456789");
    for password in ["0123456789a", "s3cretp%@é", "x", &"y".repeat(40)] {
        assert_eq!(verdicts(password), first, "{password}");
    }
}
