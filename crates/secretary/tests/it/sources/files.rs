//! The `files` source: one file per secret, Kubernetes' links, links that leave the directory or are swapped in, and what is not a regular file.

use super::*;

#[test]
fn secret_files_by_key_or_primary_env_name_with_one_newline_trimmed() {
    let (dir, manifest) = files_setup();
    write_private(
        &dir.path().join("secrets/DATABASE_URL"),
        "postgresql://db/app\n",
    );
    write_private(
        &dir.path().join("secrets/api_key"),
        "line one\nline two\n\n",
    );
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(
        locator(&report, "database_url").as_deref(),
        Some("files:secrets/DATABASE_URL")
    );
    assert_eq!(
        value(&report, "api_key").as_deref(),
        Some("line one\nline two\n"),
        "only one newline trimmed"
    );
}

#[test]
fn a_missing_directory_means_absent_not_failed() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{FILES_CHAIN}{SECRETS}"));
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(codes(&report, "database_url"), ["missing"]);
    assert_eq!(
        looked_in(&report, "database_url"),
        ["files:secrets (no such directory)"]
    );
}

#[cfg(unix)]
#[test]
fn kubernetes_data_links_inside_the_directory_are_followed() {
    use std::os::unix::fs::symlink;
    let (dir, manifest) = files_setup();
    let secrets = dir.path().join("secrets");
    fs::create_dir(secrets.join("..2026_11_25_06_00_00.123")).unwrap();
    write_private(
        &secrets.join("..2026_11_25_06_00_00.123/database_url"),
        "postgresql://k8s/db",
    );
    symlink("..2026_11_25_06_00_00.123", secrets.join("..data")).unwrap();
    symlink("..data/database_url", secrets.join("database_url")).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(
        value(&report, "database_url").as_deref(),
        Some("postgresql://k8s/db")
    );
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_directory_are_refused_directly_or_through_a_chain() {
    use std::os::unix::fs::symlink;
    let (dir, manifest) = files_setup();
    let outside = dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    write_private(&outside.join("shadow"), "stolen");
    let secrets = dir.path().join("secrets");
    symlink(outside.join("shadow"), secrets.join("database_url")).unwrap();
    // A link to a link inside the directory, whose target leaves it.
    symlink("../outside", secrets.join("..data")).unwrap();
    symlink("..data/shadow", secrets.join("api_key")).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    for key in ["database_url", "api_key"] {
        assert_eq!(codes(&report, key), ["source_error"], "{key}");
        let message = report.get(key).unwrap().problems[0].kind.to_string();
        assert!(message.contains("leads outside secrets"), "{message}");
        assert!(!message.contains("stolen"));
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_link_is_absent() {
    let (dir, manifest) = files_setup();
    std::os::unix::fs::symlink("nowhere", dir.path().join("secrets/api_key")).unwrap();
    let report = run(
        &manifest,
        "production",
        &Variables::from_pairs([("X", "y")]),
    );
    assert!(report.get("api_key").unwrap().value.is_none());
    assert!(report.get("api_key").unwrap().problems.is_empty());
}

#[cfg(unix)]
#[test]
fn secret_file_permissions_bad_encoding_and_size() {
    let (dir, manifest) = files_setup();
    let secrets = dir.path().join("secrets");
    fs::write(secrets.join("database_url"), "postgresql://db/app").unwrap();
    chmod(&secrets.join("database_url"), 0o644);
    // Two line ends before the stray byte: the message does not count them (a fortieth
    // adversarial pass: the line told something of the value).
    fs::write(secrets.join("api_key"), b"a\nb\n\xff\xfe").unwrap();
    chmod(&secrets.join("api_key"), 0o600);
    let report = run(&manifest, "production", &Variables::default());
    assert!(report.get("database_url").unwrap().problems.is_empty());
    assert_eq!(
        crate::warnings(&report),
        ["secrets/database_url is readable by group or others (mode 0644)"]
    );
    let problem = report.get("api_key").unwrap().problems[0].kind.to_string();
    assert!(
        problem.contains("secrets/api_key is not valid UTF-8") && !problem.contains("line"),
        "{problem}"
    );

    chmod(&secrets.join("database_url"), 0o602);
    fs::write(secrets.join("api_key"), vec![b'a'; 1024 * 1024 + 1]).unwrap();
    let report = run(&manifest, "production", &Variables::default());
    assert!(
        report.get("database_url").unwrap().problems[0]
            .kind
            .to_string()
            .contains("writable by anyone")
    );
    assert!(
        report.get("api_key").unwrap().problems[0]
            .kind
            .to_string()
            .contains("larger than")
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_swapped_in_while_reading_never_leads_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let (dir, manifest) = files_setup();
    let outside = dir.path().join("outside");
    write_private(&outside, "stolen-canary");
    let secrets = dir.path().join("secrets");
    let stop = Arc::new(AtomicBool::new(false));
    // Swap `api_key` between a regular file and a link that leads out, atomically (by
    // rename), as fast as possible, while secretary reads it.
    let flipper = {
        let (secrets, outside, stop) = (secrets.clone(), outside.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                write_private(&secrets.join(".file"), "inside-value");
                fs::rename(secrets.join(".file"), secrets.join("api_key")).unwrap();
                let _ = fs::remove_file(secrets.join(".link"));
                std::os::unix::fs::symlink(&outside, secrets.join(".link")).unwrap();
                fs::rename(secrets.join(".link"), secrets.join("api_key")).unwrap();
            }
        })
    };
    let (mut inside, mut refused) = (0, 0);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        let report = run(&manifest, "production", &Variables::default());
        let resolution = report.get("api_key").unwrap();
        match (&resolution.value, resolution.problems.first()) {
            (Some(value), _) => {
                assert_eq!(
                    value.expose(),
                    "inside-value",
                    "read through a swapped link"
                );
                inside += 1;
            }
            (None, Some(problem)) => {
                let message = problem.kind.to_string();
                assert!(message.contains("leads outside secrets"), "{message}");
                refused += 1;
            }
            (None, None) => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    assert!(
        inside > 0 && refused > 0,
        "the race ran: {inside} reads, {refused} refusals"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_secrets_directory_swapped_for_a_link_to_proc_is_never_read() {
    // The directory was checked by path and then opened by path again: swapped in between
    // for a link to /proc/self, its `environ` (the process's environment) was read.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n[sources.mounted]\ntype = \"files\"\ndir = \"mount\"\n[environments.production]\nsources = [\"mounted\"]\n[secrets.environ]\n",
    );
    let mount = dir.path().join("mount");
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (base, stop) = (dir.path().to_owned(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let real = base.join(".real");
            fs::create_dir(&real).unwrap();
            write_private(&real.join("environ"), "inside-value");
            while !stop.load(Ordering::Relaxed) {
                let _ = fs::remove_file(base.join(".link"));
                std::os::unix::fs::symlink("/proc/self", base.join(".link")).unwrap();
                fs::rename(base.join(".link"), base.join("mount")).unwrap();
                std::os::unix::fs::symlink(&real, base.join(".link")).unwrap();
                fs::rename(base.join(".link"), base.join("mount")).unwrap();
            }
        })
    };
    let (mut inside, mut refused) = (0, 0);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        if !mount.exists() {
            continue;
        }
        let report = run(&manifest, "production", &Variables::default());
        let resolution = report.get("environ").unwrap();
        match (&resolution.value, resolution.problems.first()) {
            (Some(value), _) => {
                // Not shown when it fails: it would be this process's environment.
                assert!(
                    value.expose() == "inside-value",
                    "read the kernel's tree ({} bytes)",
                    value.expose().len()
                );
                inside += 1;
            }
            (None, Some(problem)) => {
                let message = problem.kind.to_string();
                assert!(message.contains("a system directory"), "{message}");
                refused += 1;
            }
            (None, None) => panic!("looked in /proc/self and found nothing: it was read"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    assert!(
        inside > 0 && refused > 0,
        "the race ran: {inside} reads, {refused} refusals"
    );
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    use std::time::Duration;
    // A FIFO as the `.env` file.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    mkfifo(&dir.path().join(".env"));
    let report = within(Duration::from_secs(10), move || {
        run(&manifest, "development", &Variables::default())
    });
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains("not a regular file (it is a FIFO)"),
        "{message}"
    );

    // A FIFO where a secret file is.
    let (dir, manifest) = files_setup();
    mkfifo(&dir.path().join("secrets/api_key"));
    let report = within(Duration::from_secs(10), move || {
        run(&manifest, "production", &Variables::default())
    });
    let message = first_problem(&report, "api_key");
    assert!(
        message.contains("not a regular file (it is a FIFO)"),
        "{message}"
    );
    let fix = report.get("api_key").unwrap().problems[0].fix.to_string();
    assert!(
        fix.contains("with a regular file"),
        "the fix names the cause: {fix}"
    );

    // A FIFO, and a device, as the manifest.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("secrets.toml");
    mkfifo(&fifo);
    let error = within(Duration::from_secs(10), move || {
        Manifest::load(&fifo).unwrap_err()
    });
    assert!(
        error
            .to_string()
            .contains("not a regular file (it is a FIFO)"),
        "{error}"
    );
    let error = Manifest::load(Path::new("/dev/zero")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a regular file (it is a device)"),
        "{error}"
    );
}

#[test]
fn oversized_files_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), &format!("{DOTENV_CHAIN}{SECRETS}"));
    // Sparse: 17 MiB on paper, nothing on disk.
    let env = fs::File::create(dir.path().join(".env")).unwrap();
    env.set_len(17 * 1024 * 1024).unwrap();
    chmod(&dir.path().join(".env"), 0o600);
    let report = run(&manifest, "development", &Variables::default());
    let message = first_problem(&report, "database_url");
    assert!(
        message.contains("larger than the 16 MiB limit"),
        "{message}"
    );

    let big = dir.path().join("big.toml");
    fs::File::create(&big)
        .unwrap()
        .set_len(17 * 1024 * 1024)
        .unwrap();
    let error = Manifest::load(&big).unwrap_err();
    assert!(
        error.to_string().contains("larger than the 16 MiB limit"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn links_to_one_file_give_its_value_to_one_secret_only() {
    // A ninth adversarial pass: 756 committed links `qN -> secrets/db_password`, read by
    // a source over `.` beside the user's over `secrets/`, each secret with a pattern
    // testing one character, spelled the password out: the one-place rule compared the
    // places as written. A file (by device and inode) gives one secret its value.
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
    let report = run(&manifest, "production", &Variables::default());
    assert_eq!(value(&report, "db_password").as_deref(), Some("hunter2X"));
    for key in ["q0", "q1"] {
        assert_eq!(value(&report, key), None, "{key} was served");
        let problem = &report.get(key).unwrap().problems[0];
        let problem = format!("{} {}", problem.kind, problem.fix);
        assert!(
            problem.contains(&format!(
                "./{key} is the file secret `db_password` reads (by another name or link)"
            )),
            "{problem}"
        );
        assert!(!problem.contains("hunter2X"), "{problem}");
    }
}

#[cfg(unix)]
#[test]
fn a_file_read_whole_and_by_a_dotenv_source_through_a_hard_link_is_refused() {
    // A tenth adversarial pass: the manifest's check compares paths, so a hard link (or a
    // second mount) let a `files` secret read a `.env` file whole while a `dotenv`
    // source read other secrets from it, each with a pattern. Refused by the file itself:
    // a file a `dotenv` source of the chain lists is that source's, wherever it comes in
    // the chain, and a secret that reads it whole is refused (until the fifty-third
    // adversarial pass, whichever source read first had it; read first by the `files`
    // source, neither was served).
    for chain in ["\"whole\", \"d\"", "\"d\", \"whole\""] {
        let dir = tempfile::tempdir().unwrap();
        let manifest = manifest(
            dir.path(),
            &format!(
                "version = 1\n\
                 [sources.whole]\ntype = \"files\"\ndir = \"mnt\"\n\
                 [sources.d]\ntype = \"dotenv\"\nfiles = [\"mnt/hard\"]\n\
                 [environments.development]\nsources = [{chain}]\n\
                 [secrets.db_env]\npattern = \"A=CANARY-a.*\"\n\
                 [secrets.a]\npattern = \"CANARY-a.*\"\n"
            ),
        );
        std::fs::create_dir(dir.path().join("mnt")).unwrap();
        write_private(&dir.path().join("mnt/db_env"), "A=CANARY-aa11\n");
        std::fs::hard_link(dir.path().join("mnt/db_env"), dir.path().join("mnt/hard")).unwrap();
        let report = run(&manifest, "development", &Variables::default());
        assert_eq!(
            value(&report, "a").as_deref(),
            Some("CANARY-aa11"),
            "{chain}"
        );
        assert_eq!(value(&report, "db_env"), None, "{chain}: db_env was served");
        let problem = &report.get("db_env").unwrap().problems[0];
        let problem = format!("{} {}", problem.kind, problem.fix);
        assert!(
            problem.contains(
                "is read whole by secret `db_env`, and for other secrets by a dotenv source"
            ),
            "{chain}: {problem}"
        );
        assert!(!problem.contains("CANARY"), "{problem}");
    }
}

#[cfg(unix)]
#[test]
fn a_file_refused_whole_is_not_claimed_and_takes_back_no_other_sources_value() {
    // A forty-first adversarial pass: a `files` source claimed a file before refusing it
    // (over 1 MiB); the secret's value then came from `env`, and the dotenv source
    // reading the same file (by a hard link) took that `env` value back, blaming `env`.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.whole]\ntype = \"files\"\ndir = \"s\"\n\
         [sources.env]\ntype = \"env\"\n\
         [sources.d]\ntype = \"dotenv\"\nfiles = [\".env\"]\n\
         [environments.development]\nsources = [\"whole\", \"env\", \"d\"]\non_source_error = \"next\"\n\
         [secrets.db]\nrequired = true\n\
         [secrets.other]\nrequired = true\n",
    );
    let mut text = format!("# {}\n", "x".repeat(1536 * 1024));
    text.push_str("OTHER=abc\n");
    write_private(&dir.path().join(".env"), &text);
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::fs::hard_link(dir.path().join(".env"), dir.path().join("s/db")).unwrap();
    let vars = Variables::from_pairs([("DB", "from-env-value")]);
    let report = run(&manifest, "development", &vars);
    assert_eq!(value(&report, "db").as_deref(), Some("from-env-value"));
    assert_eq!(value(&report, "other").as_deref(), Some("abc"));
}

#[cfg(unix)]
#[test]
fn an_empty_file_read_whole_is_not_claimed() {
    // A forty-second adversarial pass: an empty file (absent) was claimed, and a dotenv
    // source reading it by a hard link took back the value another directory gave.
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(
        dir.path(),
        "version = 1\n\
         [sources.ydir]\ntype = \"files\"\ndir = \"y\"\n\
         [sources.xdir]\ntype = \"files\"\ndir = \"x\"\n\
         [sources.d]\ntype = \"dotenv\"\nfiles = [\"link.env\"]\n\
         [environments.development]\nsources = [\"ydir\", \"xdir\", \"d\"]\n\
         [secrets.a]\nrequired = true\n[secrets.b]\n",
    );
    for sub in ["x", "y"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    write_private(&dir.path().join("y/a"), "");
    write_private(&dir.path().join("x/a"), "good-value\n");
    std::fs::hard_link(dir.path().join("y/a"), dir.path().join("link.env")).unwrap();
    let report = run(&manifest, "development", &Variables::default());
    assert_eq!(value(&report, "a").as_deref(), Some("good-value"));
    assert!(report.get("a").unwrap().problems.is_empty());
}

#[cfg(unix)]
#[test]
fn a_file_holding_a_line_end_alone_is_empty_and_claimed_by_no_secret() {
    // A fifty-sixth adversarial pass: `\n` in `sec/a` was claimed for `a` (which then
    // took its value from `env`), and `b`, a link to it, refused as reading `a`'s file.
    for held in ["\n", "\r\n", ""] {
        let dir = tempfile::tempdir().unwrap();
        let manifest = manifest(
            dir.path(),
            "version = 1\n\
             [sources.mounted]\ntype = \"files\"\ndir = \"sec\"\n\
             [sources.env]\ntype = \"env\"\n\
             [environments.development]\nsources = [\"mounted\", \"env\"]\n\
             [secrets.a]\n[secrets.b]\n",
        );
        std::fs::create_dir(dir.path().join("sec")).unwrap();
        write_private(&dir.path().join("sec/a"), held);
        std::os::unix::fs::symlink("a", dir.path().join("sec/b")).unwrap();
        let vars = Variables::from_pairs([("A", "env-a"), ("B", "env-b")]);
        let report = run(&manifest, "development", &vars);
        assert_eq!(value(&report, "a").as_deref(), Some("env-a"), "{held:?}");
        assert_eq!(value(&report, "b").as_deref(), Some("env-b"), "{held:?}");
    }
}
