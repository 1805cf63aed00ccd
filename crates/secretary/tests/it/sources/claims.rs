//! One value, one questioner, whatever is asked: a secret's verdict on a value it reads
//! by expansion or through a link is the same when it is read alone (`get KEY`,
//! `export --only KEY`, Python's `get`) as when the whole environment is resolved (a
//! fifty-third adversarial pass read one secret at a time, each with a `pattern` testing
//! one character, and each read alone was served).

use super::*;

/// `key` of `environment`, resolved alone.
fn alone(manifest: &Manifest, environment: &str, key: &str, vars: &Variables) -> Report {
    let environment = manifest
        .select_environment(Some(environment), vars)
        .unwrap();
    resolve(manifest, environment, vars, Scope::Keys(&[key])).unwrap()
}

/// The kind and fix of `key`'s first problem, or what it was served.
fn verdict(report: &Report, key: &str) -> String {
    let resolution = report.get(key).unwrap();
    match resolution.problems.first() {
        Some(problem) => format!("{} {}", problem.kind, problem.fix),
        None => format!("served {:?}", value(report, key)),
    }
}

/// Each key's verdict read alone is its verdict in the whole environment's resolution.
fn same_alone_as_together(manifest: &Manifest, environment: &str, keys: &[&str], vars: &Variables) {
    let together = run(manifest, environment, vars);
    for key in keys {
        let alone = alone(manifest, environment, key, vars);
        assert_eq!(
            verdict(&alone, key),
            verdict(&together, key),
            "{key}: read alone, then with the rest"
        );
    }
}

#[test]
fn secrets_built_from_one_value_are_served_alone_as_together() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\", \"spy.env\"]\n\
         [secrets.pw]\nenv = [\"DB_PASSWORD\"]\n\
         [secrets.c0]\nenv = [\"C0\"]\n\
         [secrets.c1]\nenv = [\"C1\"]\n\
         [secrets.c2]\nenv = [\"C2\"]\n",
    );
    write_private(&dir.path().join(".env"), "DB_PASSWORD=hunter2X\n");
    write_private(
        &dir.path().join("spy.env"),
        "C0=${DB_PASSWORD}\nC1=x${DB_PASSWORD}\nMID=${DB_PASSWORD}\nC2=${MID}\n",
    );
    let vars = Variables::default();
    // Each checked on its shape, so several may be built from one value (a sixty-seventh
    // adversarial pass: the rule that allowed one refused `init`'s own manifest).
    for (key, expected) in [("c1", "xhunter2X"), ("c2", "hunter2X")] {
        let report = alone(&manifest, "development", key, &vars);
        assert_eq!(value(&report, key).as_deref(), Some(expected), "{key}");
    }
    same_alone_as_together(&manifest, "development", &["pw", "c0", "c1", "c2"], &vars);
}

#[test]
fn one_value_expanded_in_many_dotenv_sources_is_served_alone_as_together() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.d0]\ntype = \"dotenv\"\nfiles = [\".env\", \"q0.env\"]\n\
         [sources.d1]\ntype = \"dotenv\"\nfiles = [\".env\", \"q1.env\"]\n\
         [sources.d2]\ntype = \"dotenv\"\nfiles = [\".env\", \"q2.env\"]\n\
         [environments.development]\nsources = [\"d0\", \"d1\", \"d2\"]\n\
         [secrets.q0]\nenv = [\"Q0\"]\n\
         [secrets.q1]\nenv = [\"Q1\"]\n\
         [secrets.q2]\nenv = [\"Q2\"]\n",
    );
    write_private(&dir.path().join(".env"), "DB_PASSWORD=hunter2X\n");
    for n in 0..3 {
        write_private(
            &dir.path().join(format!("q{n}.env")),
            &format!("Q{n}=${{DB_PASSWORD}}\n"),
        );
    }
    let vars = Variables::default();
    for key in ["q1", "q2"] {
        let report = alone(&manifest, "development", key, &vars);
        assert_eq!(value(&report, key).as_deref(), Some("hunter2X"), "{key}");
    }
    same_alone_as_together(&manifest, "development", &["q0", "q1", "q2"], &vars);
}

#[test]
fn a_value_built_from_a_name_is_served_whatever_an_earlier_source_held() {
    // Whether a secret is served does not hang on a variable being set, nor on another
    // secret built from the same name (a sixty-seventh adversarial pass).
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.env]\ntype = \"env\"\n\
         [sources.dotenv]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"env\", \"dotenv\"]\n\
         [secrets.database_url]\n\
         [secrets.broker_url]\n",
    );
    write_private(
        &dir.path().join(".env"),
        "DATABASE_URL=postgres://u:${DB_PASSWORD}@h/db\nBROKER_URL=${DB_PASSWORD}\n",
    );
    for vars in [
        Variables::from_pairs([("DB_PASSWORD", "pw")]),
        Variables::from_pairs([("DB_PASSWORD", "pw"), ("DATABASE_URL", "postgres://env/db")]),
    ] {
        let report = run(&manifest, "development", &vars);
        assert_eq!(value(&report, "broker_url").as_deref(), Some("pw"));
        same_alone_as_together(
            &manifest,
            "development",
            &["database_url", "broker_url"],
            &vars,
        );
    }
}

#[cfg(unix)]
#[test]
fn links_to_one_file_are_refused_past_the_first_secret_when_read_alone() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.mounted]\ntype = \"files\"\ndir = \"secrets\"\n\
         [sources.other]\ntype = \"files\"\ndir = \".\"\n\
         [environments.production]\nsources = [\"mounted\", \"other\"]\n\
         [secrets.db_password]\nrequired = true\n\
         [secrets.q0]\npattern = \"^h.*\"\n\
         [secrets.q1]\npattern = \"^.u.*\"\n",
    );
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    write_private(&dir.path().join("secrets/db_password"), "hunter2X\n");
    for link in ["q0", "q1"] {
        std::os::unix::fs::symlink("secrets/db_password", dir.path().join(link)).unwrap();
    }
    let vars = Variables::default();
    for key in ["q0", "q1"] {
        let report = alone(&manifest, "production", key, &vars);
        assert_eq!(value(&report, key), None, "{key} was served alone");
        let verdict = verdict(&report, key);
        assert!(
            verdict.contains("is the file secret `db_password` reads (by another name or link)"),
            "{key}: {verdict}"
        );
    }
    same_alone_as_together(&manifest, "production", &["db_password", "q0", "q1"], &vars);
}

#[cfg(unix)]
#[test]
fn a_file_read_whole_and_by_a_later_dotenv_source_is_refused_when_read_alone() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.whole]\ntype = \"files\"\ndir = \"mnt\"\n\
         [sources.d]\ntype = \"dotenv\"\nfiles = [\"mnt/hard\"]\n\
         [environments.development]\nsources = [\"whole\", \"d\"]\n\
         [secrets.db_env]\npattern = \"A=CANARY-a.*\"\n\
         [secrets.a]\npattern = \"CANARY-a.*\"\n",
    );
    std::fs::create_dir(dir.path().join("mnt")).unwrap();
    write_private(&dir.path().join("mnt/db_env"), "A=CANARY-aa11\n");
    std::fs::hard_link(dir.path().join("mnt/db_env"), dir.path().join("mnt/hard")).unwrap();
    let vars = Variables::default();
    let report = alone(&manifest, "development", "db_env", &vars);
    assert_eq!(value(&report, "db_env"), None, "db_env was served alone");
    let verdict = verdict(&report, "db_env");
    assert!(
        verdict
            .contains("is read whole by secret `db_env`, and for other secrets by a dotenv source"),
        "{verdict}"
    );
    assert!(!verdict.contains("CANARY"), "{verdict}");
    same_alone_as_together(&manifest, "development", &["db_env", "a"], &vars);
}
