//! The repository's boundary is told by device and inode, not by a path's name: what an
//! allowed provider may read from the repository is pinned whatever name the command
//! gives the repository by.

use super::*;

/// `secretary ARGS` in `project`, in a mount namespace of its own where `alias` is a
/// bind mount of the project (`unshare -rm`: nothing is mounted outside the process).
fn through_bind_mount(project: &Project, alias: &Path, state: &Path, args: &[&str]) -> Outcome {
    let mut cmd = Command::new("unshare");
    cmd.current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SECRETARY_STATE_DIR", state)
        .args(["-rm", "sh", "-c"])
        .arg(r#"project=$1; alias=$2; shift 2; mount --bind "$project" "$alias" || exit 99; exec "$@""#)
        .arg("sh")
        .arg(project.path())
        .arg(alias)
        .arg(support::secretary())
        .args(args)
        .timeout(std::time::Duration::from_secs(60));
    let outcome = run(&mut cmd);
    assert_ne!(
        outcome.code, 99,
        "cannot bind-mount in a namespace of our own (`unshare -rm`): {}",
        outcome.stderr
    );
    outcome
}

#[test]
fn a_script_named_through_a_bind_mount_of_the_repository_has_its_directory_pinned() {
    // A twenty-eighth adversarial pass: the command named the provider's script through
    // a bind mount of the repository; the pins compared paths, did not see the script
    // inside the repository, and left its directory unpinned: a later `tools/json.py`
    // ran on the provider's `import json`.
    let project = Project::new("");
    std::fs::create_dir_all(project.path().join(".git")).unwrap();
    let alias = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("tools")).unwrap();
    fs::copy(
        secretary_test_support::provider(),
        project.path().join("tools/op.py"),
    )
    .unwrap();
    project.file(
        "data/store.json",
        r#"{"values": {"api_key": "k-canary-bind-31"}}"#,
    );
    let script = alias.path().join("tools/op.py");
    project.file(
        "secrets.toml",
        &format!(
            "version = 1\n[sources.store]\ntype = \"exec\"\ncommand = [\"/usr/bin/python3\", \"{}\", \"data/store.json\"]\n\n[environments.development]\nsources = [\"store\"]\n\n[secrets.api_key]\n",
            script.display()
        ),
    );
    let allow = through_bind_mount(&project, alias.path(), state.path(), &["allow"]);
    assert_eq!(allow.code, 0, "{}{}", allow.stdout, allow.stderr);
    let get = through_bind_mount(&project, alias.path(), state.path(), &["get", "api_key"]);
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert_eq!(get.stdout, "k-canary-bind-31");

    // The next pull request adds a module beside the script.
    let pwned = project.path().join("pwned");
    project.file(
        "tools/json.py",
        &format!("open('{}', 'w').close()\n", pwned.display()),
    );
    let check = through_bind_mount(&project, alias.path(), state.path(), &["check"]);
    assert!(
        !pwned.exists(),
        "the repository's json.py ran: {}",
        check.stderr
    );
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(
        format!("{}{}", check.stdout, check.stderr).contains("was allowed"),
        "{}{}",
        check.stdout,
        check.stderr
    );
}
