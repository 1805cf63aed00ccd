//! `program.rs`'s cases.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn sh<'a>(script: &'a [&'a str], timeout: Duration, limit: usize) -> Program<'a> {
    Program {
        name: "sh",
        path: Path::new("/bin/sh"),
        args: script,
        dir: Path::new("/"),
        env: vec![("KEPT".into(), "yes".into())],
        stdin: b"input",
        limit,
        timeout,
    }
}

#[test]
fn reads_stdin_and_an_environment_of_only_what_it_is_given() {
    let script = [
        "-c",
        "cat; printf ' %s %s' \"$KEPT\" \"${HOME:-none}\"; echo oops >&2",
    ];
    let finished = sh(&script, Duration::from_secs(10), 100).run().unwrap();
    assert!(finished.status.success());
    assert_eq!(&finished.stdout[..], b"input yes none");
    assert_eq!(&finished.stderr[..], b"oops\n");
}

#[test]
fn a_program_past_its_deadline_is_stopped() {
    let script = ["-c", "exec sleep 30"];
    let started = Instant::now();
    let error = sh(&script, Duration::from_millis(300), 100).run().err();
    assert!(
        matches!(error, Some(ProgramError::TimedOut { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn output_past_the_limit_stops_the_program() {
    let script = ["-c", "exec yes"];
    let error = sh(&script, Duration::from_secs(20), 1000).run().err();
    assert!(
        matches!(error, Some(ProgramError::TooLarge { limit: 1000, .. })),
        "{error:?}"
    );
}

#[test]
fn a_program_another_user_owns_is_not_trusted() {
    // A nineteenth adversarial pass: a `sops` of `nobody`'s, first on PATH, ran.
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let manifest_dir = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let program = bin.join("sops");
    std::fs::write(&program, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(untrusted(&program, manifest_dir.path(), None), None);
    // Only root can give a file away (as the test command runs, to start PostgreSQL
    // as `postgres`); as another user, this user's own program is all there is.
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&program, Some(65_534), None).unwrap();
        let why = untrusted(&program, manifest_dir.path(), None).unwrap();
        assert!(why.contains("belongs to another user (uid 65534)"), "{why}");
        std::os::unix::fs::chown(&program, Some(0), None).unwrap();
        std::os::unix::fs::chown(&bin, Some(65_534), None).unwrap();
        let why = untrusted(&program, manifest_dir.path(), None).unwrap();
        assert!(why.contains("bin belongs to another user"), "{why}");
    }
}

#[test]
fn a_name_is_found_on_the_given_path_only() {
    let vars = Variables::from_pairs([("PATH", "/nonexistent:/bin")]);
    assert_eq!(
        find("sh", &vars, Path::new("/")).unwrap(),
        Path::new("/bin/sh")
    );
    let vars = Variables::from_pairs([("PATH", "relative/dir")]);
    assert!(find("sh", &vars, Path::new("/")).is_err());
}

/// Whether the process `pid` has ended (gone, or a zombie no one reaped yet), waiting
/// up to 5 s for it.
fn ended(pid: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The state follows the command's name in parentheses.
        let state = stat
            .rsplit(") ")
            .next()
            .and_then(|rest| rest.chars().next());
        if stat.is_empty() || state == Some('Z') || state == Some('X') {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts that the child whose pid the program wrote to `pid_file` has ended (and
/// kills it when it has not, so that the failure leaves nothing behind).
fn assert_child_ended(pid_file: &Path) {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let pid = pid.trim();
    let alive = !ended(pid);
    if alive {
        let _ = Command::new("kill").arg(pid).status();
    }
    assert!(!alive, "the program's child {pid} outlived it");
}

#[test]
fn a_program_past_its_deadline_is_stopped_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("pid");
    let script = format!("sleep 307 & echo $! > '{}'; exec sleep 30", pid.display());
    let script = ["-c", script.as_str()];
    let error = sh(&script, Duration::from_millis(500), 100).run().err();
    assert!(
        matches!(error, Some(ProgramError::TimedOut { .. })),
        "{error:?}"
    );
    assert_child_ended(&pid);
}

#[test]
fn a_child_that_keeps_stdout_open_neither_cuts_the_answer_nor_outlives_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("pid");
    let script = format!(
        "printf answer; sleep 307 & echo $! > '{}'; exit 0",
        pid.display()
    );
    let script = ["-c", script.as_str()];
    let started = Instant::now();
    let finished = sh(&script, Duration::from_secs(20), 100).run().unwrap();
    assert!(finished.status.success());
    assert_eq!(&finished.stdout[..], b"answer");
    assert!(started.elapsed() < Duration::from_secs(10), "bounded");
    assert_child_ended(&pid);
}

#[test]
fn a_program_where_others_could_write_or_inside_the_repository_is_untrusted() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("app")).unwrap();
    let install = |dir: &Path, mode: u32| {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("sops"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join("sops"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
        dir.join("sops")
    };
    let base = repo.join("app");
    let mine = install(&root.path().join("mine"), 0o755);
    assert_eq!(untrusted(&mine, &base, None), None);
    // A group-writable directory of this user's own group is this user's.
    let grouped = install(&root.path().join("grouped"), 0o775);
    assert_eq!(untrusted(&grouped, &base, None), None);
    let open = install(&root.path().join("open"), 0o777);
    assert!(untrusted(&open, &base, None).is_some_and(|r| r.contains("its directory")));
    let inside = install(&repo.join("bin"), 0o755);
    assert!(untrusted(&inside, &base, None).is_some_and(|r| r.contains("git repository")));
    // A link from outside to a program inside is inside.
    std::fs::create_dir_all(root.path().join("links")).unwrap();
    std::os::unix::fs::symlink(&inside, root.path().join("links/sops")).unwrap();
    assert!(
        untrusted(&root.path().join("links/sops"), &base, None)
            .is_some_and(|r| r.contains("git repository"))
    );
    // Another group's, when this process may give the directory to one (root).
    let other = root.path().join("other");
    install(&other, 0o775);
    if std::os::unix::fs::chown(&other, None, Some(65534)).is_ok() {
        assert!(untrusted(&other.join("sops"), &base, None).is_some());
    }
}

#[test]
fn path_loses_the_repositorys_directories_whatever_the_repository_and_their_names() {
    // A twenty-seventh adversarial pass: a Jujutsu repository (`.jj`, no `.git`)
    // kept its `bin/` on a provider's PATH, and a link or mount of the repository
    // under another name kept it too.
    let root = tempfile::tempdir().unwrap();
    let repository = root.path().join("r");
    std::fs::create_dir_all(repository.join(".jj")).unwrap();
    std::fs::create_dir_all(repository.join("bin")).unwrap();
    let manifest_dir = repository.join("services/api");
    std::fs::create_dir_all(&manifest_dir).unwrap();
    std::os::unix::fs::symlink(&repository, root.path().join("alias")).unwrap();
    let path = std::env::join_paths([
        repository.join("bin"),
        root.path().join("alias/bin"),
        PathBuf::from("/usr/bin"),
    ])
    .unwrap();
    assert_eq!(
        outside_repository(&path, &manifest_dir, None),
        std::ffi::OsString::from("/usr/bin")
    );
    assert!(within(&root.path().join("alias/bin"), &repository));
    assert!(!within(Path::new("/usr/bin"), &repository));
}

#[test]
fn a_mark_committed_inside_the_repository_does_not_end_it_there() {
    // A twenty-eighth adversarial pass: git commits a `.hg` (any mark but `.git`)
    // beside the manifest, and the nearest mark made the repository end there: its
    // `bin/sops` ran, and its `bin/` stayed on a provider's PATH.
    let root = tempfile::tempdir().unwrap();
    let repository = root.path().join("r");
    std::fs::create_dir_all(repository.join(".git")).unwrap();
    let bin = repository.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("sops"), "#!/bin/sh\n").unwrap();
    let base = repository.join("app");
    for mark in REPOSITORY_MARKERS {
        std::fs::create_dir_all(&base).unwrap();
        // As a file, as git commits one.
        std::fs::write(base.join(mark), "").unwrap();
        assert_eq!(
            repository_root(&base, None),
            Some(repository.clone()),
            "{mark}"
        );
        assert!(
            untrusted(&bin.join("sops"), &base, None)
                .is_some_and(|why| why.contains("git repository")),
            "{mark}"
        );
        let path = std::env::join_paths([bin.clone(), PathBuf::from("/usr/bin")]).unwrap();
        assert_eq!(
            outside_repository(&path, &base, None),
            std::ffi::OsString::from("/usr/bin"),
            "{mark}"
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}

#[test]
fn the_home_directory_is_no_repository_even_when_it_holds_one() {
    // Dotfiles kept as a git repository in the home directory: the user's own
    // `~/.local/bin` stays theirs, and a project's repository below it ends at its
    // own mark.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".git")).unwrap();
    let local = home.path().join(".local/bin");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("sops"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        local.join("sops"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let project = home.path().join("src/shop");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    let home_dir = Some(home.path());
    assert_eq!(repository_root(&project, home_dir), Some(project.clone()));
    assert_eq!(untrusted(&local.join("sops"), &project, home_dir), None);
    let path = std::env::join_paths([local.clone()]).unwrap();
    assert_eq!(outside_repository(&path, &project, home_dir), path);
    // Without knowing the home directory, the outermost mark is the repository.
    assert_eq!(
        repository_root(&project, None).as_deref(),
        Some(home.path())
    );
}
