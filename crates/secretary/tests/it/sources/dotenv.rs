//! The `dotenv` source: later files override earlier ones, missing and malformed files, permissions, expansion limits and line ends.

use super::*;

#[test]
fn later_dotenv_files_override_earlier_and_locators_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "# base\nDATABASE_URL=postgresql://base/db\nAPI_KEY=base\n",
    );
    write_private(
        &dir.path().join(".env.local"),
        "\n\nAPI_KEY=local-${API_KEY}\n",
    );
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("dotenv:.env:2")
    );
    assert_eq!(
        locator(&report, "api_key").as_deref(),
        Some("dotenv:.env.local:3")
    );
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("local-base"),
        "expansion sees earlier files"
    );

    // The environment comes first in the chain.
    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("API_KEY", "from-env")]),
    );
    assert_eq!(locator(&report, "api_key").as_deref(), Some("env:API_KEY"));
}

#[test]
fn missing_dotenv_files_are_skipped_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    let looked = &looked_in(&report, "database_url");
    assert!(
        looked.contains(&"dotenv:.env (no such file)".to_owned()),
        "{looked:?}"
    );
    assert!(report.problems_hint_mentions("database_url", "add `DATABASE_URL=...` to .env"));
}

#[test]
fn a_malformed_dotenv_fails_every_secret_it_could_serve_naming_each_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "API_KEY=ok\nnot a line\nDATABASE_URL=postgresql://db/app\n9X=1\n",
    );
    let vars = Variables::from_pairs([("DATABASE_URL", "postgresql://env/db")]);
    let report = run(&manifest, "development", &vars);
    // database_url came from the environment before the broken file was needed.
    assert!(report.get("database_url").unwrap().problems.is_empty());
    assert_eq!(codes(&report, "api_key"), ["source_error"]);
    assert_eq!(
        codes(&report, "debug"),
        ["source_error"],
        "no default past a failed source"
    );
    let ProblemKind::SourceFailed {
        error: SourceError::Malformed { path, errors },
        ..
    } = &report.get("api_key").unwrap().problems[0].kind
    else {
        panic!("expected a malformed-file error");
    };
    assert_eq!(path, ".env");
    assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4]);
}

#[cfg(unix)]
#[test]
fn dotenv_permissions_warn_when_readable_and_refuse_when_world_writable() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let env_file = dir.path().join(".env");
    fs::write(&env_file, "DATABASE_URL=postgresql://db/app\n").unwrap();
    chmod(&env_file, 0o640);
    let report = run(&manifest, "development", &Variables::default());
    assert!(report.is_ok());
    assert_eq!(
        crate::warnings(&report),
        [".env is readable by group or others (mode 0640); run `chmod 600 .env`"]
    );

    chmod(&env_file, 0o666);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["source_error"]);
    assert!(
        report.get("database_url").unwrap().problems[0]
            .kind
            .to_string()
            .contains("writable by anyone")
    );
}

#[cfg(unix)]
#[test]
fn a_group_writable_dotenv_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=postgresql://db/app\n",
    )
    .unwrap();
    chmod(&dir.path().join(".env"), 0o620);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
    assert_eq!(
        crate::warnings(&report),
        [
            ".env is writable by group members (mode 0620), who could change its values; run `chmod 600 .env`"
        ]
    );
}

#[test]
fn an_expansion_bomb_stops_at_the_limit_and_fails_the_secret_that_reads_it() {
    // Each line is the one before, ten times, then twice: past 1 MiB. A value past
    // 1 MiB is left empty and marked, and so is every value built from it (which
    // inserts, and costs, nothing): only a secret that reads one fails, naming its
    // line. A fortieth adversarial pass learnt a variable's length from which lines no
    // secret read were reported.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let mut bomb = String::from("L0=xxxxxxxxxx\n");
    for line in 1..10 {
        let previous = format!("${{L{}}}", line - 1);
        let times = if line == 6 { 2 } else { 10 };
        let _ = writeln!(bomb, "L{line}={}", previous.repeat(times));
    }
    bomb.push_str("DATABASE_URL=postgresql://db/app\nAPI_KEY=k-${L9}\n");
    write_private(&dir.path().join(".env"), &bomb);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://db/app")
    );
    assert_eq!(value(&report, "api_key"), None);
    let problem = &report.get("api_key").unwrap().problems[0];
    let message = format!("{} {}", problem.kind, problem.fix);
    assert!(
        message.contains("line 12: expanding `${...}` makes the value larger than 1 MiB")
            && message.contains("until they are too large; write them out"),
        "{message}"
    );
    // Lines past the limit that no secret reads are not said, whatever they expanded.
    for length in [10, 17] {
        let mut probe = "P0=${PROBE}\nAPI_KEY=short\n".to_owned();
        for n in 1..18 {
            let _ = writeln!(probe, "P{n}=${{P{}}}${{P{}}}", n - 1, n - 1);
        }
        write_private(&dir.path().join(".env"), &probe);
        let vars = Variables::from_pairs([("PROBE", "x".repeat(length))]);
        let report = run(&manifest, "development", &vars);
        assert_eq!(value(&report, "api_key").as_deref(), Some("short"));
        assert!(
            report
                .get("database_url")
                .unwrap()
                .problems
                .iter()
                .all(|p| { !format!("{} {}", p.kind, p.fix).contains("larger than") }),
            "{length}"
        );
    }
}

#[test]
fn a_lone_carriage_return_ends_a_dotenv_line() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "API_KEY=k-1\rDATABASE_URL=postgresql://db/app\r",
    );
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "api_key").as_deref(), Some("k-1"));
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("dotenv:.env:2")
    );
    // A malformed line between two CRs is seen, not swallowed.
    write_private(
        &dir.path().join(".env"),
        "API_KEY=k-1\rjunk\rDATABASE_URL=x\r",
    );
    let report = run(&manifest, "development", &Variables::default());
    let message = first_problem(&report, "api_key");
    assert!(
        message.contains("line 2: expected `KEY=VALUE`"),
        "{message}"
    );
}

#[test]
fn a_dotenv_file_in_the_kernels_trees_is_refused_directly_or_through_a_link() {
    // `/proc/self/environ` read as a `.env` handed secretary's whole environment, its
    // credentials included, to one secret (a fourth adversarial pass).
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("linked.env")).unwrap();
    for file in ["/proc/self/environ", "linked.env"] {
        let manifest = manifest(
            dir.path(),
            &format!(
                "version = 1\n[sources.procenv]\ntype = \"dotenv\"\nfiles = [\"{file}\"]\n[secrets.host_info]\nenv = [\"HOSTNAME\"]\n"
            ),
        );
        let report = run(&manifest, "development", &Variables::default());
        assert_eq!(value(&report, "host_info"), None, "{file}");
        let message = first_problem(&report, "host_info");
        assert!(
            message.contains("a file of the kernel's (/proc, /sys or /dev), not a file of secrets"),
            "{file}: {message}"
        );
    }
}

#[test]
fn several_secrets_may_be_built_by_expansion_from_one_value() {
    // `C0=${DB_PASSWORD}` ... `C495=${DB_PASSWORD}`, each secret with a `pattern` that
    // tests one character, spelled the password out in one `check` (a seventh
    // adversarial pass): a value built by expansion is checked on its shape now, and may
    // not have a `pattern`, so that several secrets may be built from one value (a
    // primary and a replica URL over one password; the rule that allowed one refused
    // `init`'s own manifest for such a `.env`, a sixty-seventh pass), through other
    // lines and other `.env` sources too.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.d0]\ntype = \"dotenv\"\nfiles = [\".env\", \"spy.env\"]\n\
         [sources.d1]\ntype = \"dotenv\"\nfiles = [\".env\", \"q1.env\"]\n\
         [environments.development]\nsources = [\"d0\", \"d1\"]\n\
         [secrets.pw]\nenv = [\"DB_PASSWORD\"]\n\
         [secrets.c0]\nenv = [\"C0\"]\n\
         [secrets.c1]\nenv = [\"C1\"]\n\
         [secrets.c2]\nenv = [\"C2\"]\n\
         [secrets.q1]\nenv = [\"Q1\"]\n\
         [secrets.probe]\nenv = [\"PROBE\"]\npattern = \"^h.*\"\n",
    );
    write_private(&dir.path().join(".env"), "DB_PASSWORD=hunter2X\n");
    write_private(
        &dir.path().join("spy.env"),
        "C0=${DB_PASSWORD}\nC1=x${DB_PASSWORD}\nMID=${DB_PASSWORD}\nC2=${MID}\nPROBE=${DB_PASSWORD}\n",
    );
    write_private(&dir.path().join("q1.env"), "Q1=${DB_PASSWORD}\n");
    let report = run(&manifest, "development", &Variables::default());
    for (key, expected) in [
        ("pw", "hunter2X"),
        ("c0", "hunter2X"),
        ("c1", "xhunter2X"),
        ("c2", "hunter2X"),
        ("q1", "hunter2X"),
    ] {
        assert_eq!(value(&report, key).as_deref(), Some(expected), "{key}");
    }
    // A question over it is refused, whatever it would answer.
    assert_eq!(value(&report, "probe"), None);
    let problem = first_problem(&report, "probe");
    assert!(
        problem.contains("PROBE") && problem.contains("pattern"),
        "{problem}"
    );
    assert!(!problem.contains("hunter2X"), "{problem}");
}

#[test]
fn a_secret_declared_not_sensitive_is_never_built_from_a_sensitive_ones_variable() {
    // A fortieth adversarial pass: `APP_MODE=${PIN_CODE}` in `.env`, `app_mode` declared
    // `sensitive = false` as an enum of 64 PINs, had `status` print `pin_code`'s value,
    // which a `template` could not have done. Through other lines too; a variable no
    // sensitive secret reads is the manifest's word, as a direct `env` would be.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         [secrets.pin_code]\nrequired = true\n\
         [secrets.app_mode]\nsensitive = false\ntype = \"enum\"\nvalues = [\"1234\", \"4321\"]\n\
         [secrets.worker_mode]\nsensitive = false\ntype = \"enum\"\nvalues = [\"1234\", \"4321\"]\n\
         [secrets.log_level]\nsensitive = false\n\
         [secrets.level_name]\nsensitive = false\n\
         [secrets.app_two]\nsensitive = false\ntype = \"enum\"\nvalues = [\"1234\", \"4321\"]\n\
         [secrets.pin_two]\nrequired = true\n",
    );
    // A forty-first: the sensitive secret's own line an expansion (`PIN_TWO=${CI_PIN}`),
    // whose origin alone (`CI_PIN`) skipped the name between.
    write_private(
        &dir.path().join(".env"),
        "APP_MODE=${PIN_CODE}\nMID=x${PIN_CODE}\nWORKER_MODE=${MID}\nLEVEL_NAME=info\nLOG_LEVEL=${LEVEL_NAME}\nPIN_TWO=${CI_PIN}\nAPP_TWO=${PIN_TWO}\n",
    );
    let vars = Variables::from_pairs([("PIN_CODE", "4321"), ("CI_PIN", "1234")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(value(&report, "pin_code").as_deref(), Some("4321"));
    let app_two = &report.get("app_two").unwrap().problems[0];
    let app_two = format!("{} {}", app_two.kind, app_two.fix);
    assert!(
        app_two.contains(".env:7: APP_TWO is built from ${PIN_TWO}, secret `pin_two`'s"),
        "{app_two}"
    );
    assert_eq!(value(&report, "app_two"), None);
    for (key, line, name) in [
        ("app_mode", 1, "APP_MODE"),
        ("worker_mode", 3, "WORKER_MODE"),
    ] {
        assert_eq!(value(&report, key), None, "{key} was served");
        let problem = &report.get(key).unwrap().problems[0];
        let problem = format!("{} {}", problem.kind, problem.fix);
        assert!(
            problem.contains(&format!(
                ".env:{line}: {name} is built from ${{PIN_CODE}}, secret `pin_code`'s, which is sensitive"
            )) && problem.contains("declare it sensitive (remove `sensitive = false`)"),
            "{problem}"
        );
        assert!(!problem.contains("4321"), "{problem}");
    }
    // Built from a variable of a secret declared not sensitive: served.
    assert_eq!(value(&report, "log_level").as_deref(), Some("info"));
}

#[test]
fn each_files_expansion_budget_depends_on_its_own_text_alone() {
    // A forty-first adversarial pass: each file had a budget of its own, charged by the
    // length of the values inserted, and the first file to run out was named: 36 files
    // gave a variable's length. A forty-sixth: one budget for every file, still charged
    // so, told whether a variable was longer than a threshold the file chose. A
    // forty-seventh: charged by each file's text, one budget shared with a private file
    // still added that file's values' lengths. Now a value from outside a file is charged
    // 32 KiB whatever it holds, set or not, and each file has its own 4 MiB: whether one
    // spends it is a function of its own text alone.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.env]\ntype = \"env\"\n\
         [sources.d0]\ntype = \"dotenv\"\nfiles = [\"private.env\"]\n\
         [sources.d1]\ntype = \"dotenv\"\nfiles = [\"probe.env\"]\n\
         [environments.development]\nsources = [\"env\", \"d0\", \"d1\"]\n\
         [secrets.ok_a]\n[secrets.database_url]\n[secrets.late]\n",
    );
    let private = |length: usize| {
        format!(
            "OK_A=plain-a\nDB_PASSWORD={}\nDATABASE_URL=postgres://app:${{DB_PASSWORD}}@db/app\n",
            "p".repeat(length)
        )
    };
    // X5 is charged 32 x 32 KiB = 1 MiB, and its making 2016 KiB: two more of it stay
    // within 4 MiB, three do not, whatever PROBE or the private file hold.
    let probe = |copies: usize| {
        let mut probe = "X0=${PROBE}\n".to_owned();
        for n in 1..=5 {
            let _ = writeln!(probe, "X{n}=${{X{}}}${{X{}}}", n - 1, n - 1);
        }
        for _ in 0..copies {
            probe.push_str("Z=${X5}\n");
        }
        probe.push_str("LATE=plain-late\n");
        probe
    };
    let vars = |length: Option<usize>| match length {
        Some(length) => Variables::from_pairs([("PROBE", "x".repeat(length))]),
        None => Variables::default(),
    };
    // Two copies and a line charged the rest but 19 bytes: the probe spends its budget
    // but 19 bytes, where one budget shared with the private file was spent, or not, by
    // a password of 20 bytes or 19.
    let exact = {
        let spent = 2016 * 1024 + 2 * 1024 * 1024;
        let rest = secretary::dotenv::MAX_EXPANDED - spent - 19;
        format!("{}Q={}\nR=${{Q}}\n", probe(2), "q".repeat(rest))
    };
    for (text, spent) in [(exact, false), (probe(3), true)] {
        let copies = if spent { 3 } else { 2 };
        write_private(&dir.path().join("probe.env"), &text);
        for password in [5, 19, 20, 5_000] {
            write_private(&dir.path().join("private.env"), &private(password));
            for length in [None, Some(1), Some(20), Some(32 * 1024)] {
                let report = run(&manifest, "development", &vars(length));
                let case = format!("{copies} copies, password {password}, PROBE {length:?}");
                // The private file's own secrets, whatever the probe did.
                assert_eq!(value(&report, "ok_a").as_deref(), Some("plain-a"), "{case}");
                assert!(value(&report, "database_url").is_some(), "{case}");
                if !spent {
                    assert_eq!(
                        value(&report, "late").as_deref(),
                        Some("plain-late"),
                        "{case}"
                    );
                    continue;
                }
                assert_eq!(value(&report, "late"), None, "{case}");
                let problem = &report.get("late").unwrap().problems[0];
                let problem = format!("{} {}", problem.kind, problem.fix);
                assert!(
                    problem.contains("probe.env")
                        && problem.contains("expansions add up to more than 4 MiB"),
                    "{case}: {problem}"
                );
            }
        }
    }
}

#[test]
fn names_copied_from_line_to_line_are_bounded() {
    // A forty-second adversarial pass: 50,000 names gathered into one line, then that
    // line expanded in 10,000 more, asked for 27 GB (each line copies the names its
    // value comes from; empty values defined in the file cost no expansion budget).
    // Past a million names in all the source fails, naming the file.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let mut text = String::new();
    for n in 0..20_000 {
        let _ = writeln!(text, "A{n}=");
    }
    for b in 0..20 {
        let _ = write!(text, "B{b}=");
        for n in b * 1000..(b + 1) * 1000 {
            let _ = write!(text, "${{A{n}}}");
        }
        text.push('\n');
    }
    text.push_str("C=");
    for b in 0..20 {
        let _ = write!(text, "${{B{b}}}");
    }
    text.push('\n');
    for d in 0..60 {
        let _ = writeln!(text, "D{d}=${{C}}");
    }
    text.push_str("DATABASE_URL=postgresql://db/app\n");
    write_private(&dir.path().join(".env"), &text);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "database_url"), None);
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains(".env, .env.local: the `${...}` expansions of the .env files (every dotenv source's, this one's last) refer, through one another, to more than 32 MiB of names in all"),
        "{message}"
    );
}

#[test]
fn names_are_counted_as_copied_not_as_left_after_duplicates_go() {
    // A forty-third adversarial pass: the bound counted each line's names once
    // deduplicated, so lines built from many lines that share their names copied
    // millions (3 GB for a 1.7 MB file) under a count of 990,990.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    let mut text = String::new();
    for n in 0..200 {
        let _ = writeln!(text, "N{n}=");
    }
    text.push_str("C=");
    for n in 0..200 {
        let _ = write!(text, "${{N{n}}}");
    }
    text.push('\n');
    for b in 0..200 {
        let _ = writeln!(text, "B{b}=${{C}}");
    }
    for x in 0..50 {
        let _ = write!(text, "X{x}=");
        for b in 0..200 {
            let _ = write!(text, "${{B{b}}}");
        }
        text.push('\n');
    }
    text.push_str("DATABASE_URL=postgresql://db/app\n");
    write_private(&dir.path().join(".env"), &text);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "database_url"), None);
    assert!(
        first_problem(&report, "database_url").contains("to more than 32 MiB of names in all"),
        "{}",
        first_problem(&report, "database_url")
    );
}

#[test]
fn a_long_name_copied_from_line_to_line_is_counted_by_its_bytes() {
    // A forty-fourth adversarial pass: the bound counted names, so one name of 100,000
    // bytes copied into 10,000 lines (209 KB) took a gigabyte, 1 MB into 50,000 lines
    // asked for 50 GB. Counted in bytes, the source fails.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    // (The name defined empty: it costs no expansion budget.)
    let name = format!("N{}", "x".repeat(100_000));
    let mut text = format!("{name}=\nA=${{{name}}}\n");
    for n in 0..1_000 {
        let _ = writeln!(text, "B{n}=${{A}}");
    }
    text.push_str("DATABASE_URL=postgresql://db/app\n");
    write_private(&dir.path().join(".env"), &text);
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "database_url"), None);
    assert!(
        first_problem(&report, "database_url").contains("to more than 32 MiB of names in all"),
        "{}",
        first_problem(&report, "database_url")
    );
}

#[test]
fn the_names_bound_is_one_for_every_dotenv_source() {
    // A forty-fifth adversarial pass: each source had its own 32 MiB, so 255 sources on
    // one file did 255 times the work (49 s). One bound for the resolution now.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.d1]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [sources.d2]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"d1\", \"d2\"]\n\
         [secrets.elsewhere]\nrequired = true\n",
    );
    let mut text = String::new();
    for n in 0..1000 {
        let _ = writeln!(text, "n{n:04}=");
    }
    text.push_str("R=");
    for n in 0..1000 {
        let _ = write!(text, "${{n{n:04}}}");
    }
    text.push('\n');
    for b in 0..500 {
        let _ = writeln!(text, "B{b}=${{R}}");
    }
    write_private(&dir.path().join(".env"), &text);
    let report = run(&manifest, "development", &Variables::default());
    assert!(
        first_problem(&report, "elsewhere").contains("to more than 32 MiB of names in all"),
        "{}",
        first_problem(&report, "elsewhere")
    );
}

#[test]
fn a_value_from_outside_up_to_32_kib_is_inserted_and_a_larger_one_is_named_as_such() {
    // A forty-seventh adversarial pass: a 17 KB certificate from the environment was
    // "larger than 1 MiB, or ... 16 KiB", with the fix "write them out, or single-quote".
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    write_private(
        &dir.path().join(".env"),
        "API_KEY=\"${CA_PEM}\"\nDATABASE_URL=postgresql://db/app\n",
    );
    let fits = "c".repeat(32 * 1024);
    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("CA_PEM", fits.as_str())]),
    );
    assert_eq!(value(&report, "api_key").as_deref(), Some(fits.as_str()));
    let over = "c".repeat(32 * 1024 + 1);
    let report = run(
        &manifest,
        "development",
        &Variables::from_pairs([("CA_PEM", over.as_str())]),
    );
    assert_eq!(value(&report, "api_key"), None);
    assert!(value(&report, "database_url").is_some());
    let problem = &report.get("api_key").unwrap().problems[0];
    let message = format!("{} {}", problem.kind, problem.fix);
    assert!(
        message.contains("line 1: `${...}` inserts a value from outside the file")
            && message.contains("larger than 32 KiB")
            && message.contains("let the program read that variable itself"),
        "{message}"
    );
    // A forty-eighth: built from such a value, in the file or a later one, it was
    // "larger than 1 MiB", with the fix "single-quote a value".
    for (env, local) in [
        ("CERT=${CA_PEM}\nAPI_KEY=\"${CERT}-x\"\n", ""),
        ("CERT=${CA_PEM}\n", "API_KEY=\"${CERT}-x\"\n"),
    ] {
        write_private(
            &dir.path().join(".env"),
            &format!("{env}DATABASE_URL=postgresql://db/app\n"),
        );
        write_private(&dir.path().join(".env.local"), local);
        let report = run(
            &manifest,
            "development",
            &Variables::from_pairs([("CA_PEM", over.as_str())]),
        );
        let problem = &report.get("api_key").unwrap().problems[0];
        let message = format!("{} {}", problem.kind, problem.fix);
        assert!(
            message.contains("inserts a value from outside the file")
                && !message.contains("1 MiB")
                && !message.contains("single-quote"),
            "{message}"
        );
    }
    // More than about 128 of them in one file pass its budget, however small the file:
    // said as such, with a fix that works.
    let many: String = (0..130)
        .map(|n| format!("SETTING_{n}=${{SETTING_{n}:-value{n}}}\n"))
        .collect::<Vec<_>>()
        .concat();
    write_private(&dir.path().join(".env"), &many);
    write_private(&dir.path().join(".env.local"), "");
    let report = run(&manifest, "development", &Variables::default());
    let problem = &report.get("api_key").unwrap().problems[0];
    let message = format!("{} {}", problem.kind, problem.fix);
    assert!(
        message.contains("each of a variable from outside the file counting 32 KiB")
            && message.contains("about 128 in all")
            && message.contains("split the file"),
        "{message}"
    );
}

#[test]
fn a_secret_refused_its_value_has_none_of_its_lines_expanded() {
    // A fiftieth adversarial pass: a secret refused the value it would read still had
    // its lines expanded, whose time and memory (8,000 copies) told the password's
    // length. It is refused on names alone, before any value is read (here, a plain
    // secret built from a sensitive one's variable): nothing asks for VAULT_TOKEN, which
    // a line it would read inserts (else a warning says it is not lent).
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"dotenv\"]\n\
         [secrets.database_url]\n[secrets.db_password]\n\
         [secrets.probe]\nsensitive = false\nenv = [\"EMPTY\", \"PROBE\"]\n",
    );
    write_private(
        &dir.path().join(".env"),
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\nEMPTY=\nPROBE=${DB_PASSWORD}${VAULT_TOKEN}\n",
    );
    let vars = Variables::from_pairs([("DB_PASSWORD", "pw"), ("VAULT_TOKEN", "token")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgres://app:pw@db/app")
    );
    assert_eq!(value(&report, "probe"), None);
    assert!(
        first_problem(&report, "probe").contains("DB_PASSWORD"),
        "{}",
        first_problem(&report, "probe")
    );
    assert!(
        crate::warnings(&report).is_empty(),
        "a line of the refused secret was expanded: {:?}",
        crate::warnings(&report)
    );
}

#[test]
fn a_refused_secret_claims_nothing_and_refuses_no_other() {
    // A fifty-first adversarial pass: a secret refused on its second name (a plain one
    // built from a sensitive one's) kept the claim its first name made, and another
    // secret was refused "as secret `app_mode`'s value is", app_mode having none.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"dotenv\"]\n\
         [secrets.pin_code]\n\
         [secrets.app_mode]\nsensitive = false\nenv = [\"APP_MODE\", \"LEGACY_MODE\"]\n\
         [secrets.database_url]\n",
    );
    write_private(
        &dir.path().join(".env"),
        "PIN_CODE=1234\nAPP_MODE=${DEPLOY_TIER:-production}\nLEGACY_MODE=${PIN_CODE}\n\
         DATABASE_URL=postgres://app@db/${DEPLOY_TIER}\n",
    );
    let vars = Variables::from_pairs([("DEPLOY_TIER", "staging")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(value(&report, "app_mode"), None);
    assert!(
        first_problem(&report, "app_mode").contains("which is sensitive"),
        "{}",
        first_problem(&report, "app_mode")
    );
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgres://app@db/staging"),
        "{:?}",
        report.get("database_url").unwrap().problems
    );
}
