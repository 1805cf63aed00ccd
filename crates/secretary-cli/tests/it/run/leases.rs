//! `run`, `check`, `status` and `get` with credentials from a `vault_lease` source: a real
//! OpenBao issuing PostgreSQL users over the shared cluster. Each test has a role of its
//! own, so that counting its users is not disturbed by another test.

use secretary_test_support::{OpenBao, Postgres, wait_until};

use super::*;

/// An application `app` whose production reads users of role `app` with a lease.
fn leased_app(app: &str, bao: &OpenBao, default_ttl: &str, max_ttl: &str) -> TempDir {
    let pg = Postgres::shared();
    pg.engine(bao, app, default_ttl, max_ttl);
    let dir = tempfile::tempdir().unwrap();
    let manifest = pg.leased_manifest(
        app,
        "reissue_grace = \"1s\"\n\n[audit]\nfile = \"audit.log\"",
    );
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    dir
}

fn secretary(dir: &Path, bao: &OpenBao) -> Command {
    let mut command = support::secretary_in(dir);
    command.envs(bao.env()).args(["--env", "production"]);
    command
}

/// How many users of role `app` exist now.
fn users(app: &str) -> usize {
    Postgres::shared().users(app)
}

#[test]
fn run_gives_working_credentials_and_revokes_them_when_the_program_exits_or_on_sigterm() {
    let bao = OpenBao::start();
    let dir = leased_app("runexit", &bao, "1m", "1h");
    let output = secretary(dir.path(), &bao)
        .args(["run", "--", "sh", "-c"])
        .arg(r#"psql "$DATABASE_URL" -tAXc 'select current_user'; echo "$POSTGRES_PASSWORD""#)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (user, password) = stdout.trim().split_once('\n').unwrap();
    let (user, password) = (user.to_owned(), password.to_owned());
    assert!(password.len() >= 16, "a password was passed");
    assert!(!stderr.contains(&password));
    assert!(user.starts_with("v-token-runexit-"), "logged in as {user}");
    wait_until(
        "revoked after the program exited",
        Duration::from_secs(1),
        || !Postgres::shared().role_exists(&user),
    );

    // SIGTERM to secretary: forwarded, the program ends, the lease is revoked, and the
    // program's status is secretary's; SIGINT (Ctrl-C) likewise.
    for (signal, number) in [("TERM", 15), ("INT", 2)] {
        // The program says when it runs: a signal before that is one during start-up,
        // which ends secretary as the signal would (another test's), not forwarded.
        let started = dir.path().join(format!("started-{signal}"));
        let mut running = secretary(dir.path(), &bao)
            .args(["run", "--", "sh", "-c", "touch \"$0\"; exec sleep 30"])
            .arg(&started)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_until("the program started", Duration::from_secs(10), || {
            started.exists()
        });
        assert_eq!(users("runexit"), 1, "a user issued");
        send(&running, signal);
        let status = process::wait(&mut running);
        assert_eq!(status.code(), Some(128 + number), "{status:?}");
        wait_until(
            &format!("revoked after SIG{signal}"),
            Duration::from_secs(1),
            || users("runexit") == 0,
        );
    }

    // The audit log says so, with the lease and never the password.
    let audit = fs::read_to_string(dir.path().join("audit.log")).unwrap();
    for event in ["lease_issued", "lease_revoked"] {
        assert!(audit.contains(&format!("\"event\":\"{event}\"")), "{audit}");
    }
    assert!(
        audit.contains("\"lease_id\":\"database/creds/runexit/"),
        "{audit}"
    );
    assert!(!audit.contains(&password), "no credential in the audit log");
    assert!(!audit.contains(&user), "not even the user name");
}

#[test]
fn a_reissued_lease_restarts_the_program_with_the_new_credentials() {
    let bao = OpenBao::start();
    let dir = leased_app("reissue", &bao, "3s", "6s");
    let mut running = secretary(dir.path(), &bao)
        .args(["run", "--grace", "1s", "--", "sh", "-c"])
        .arg(r#"echo "started $(psql "$DATABASE_URL" -tAXc 'select current_user')"; exec sleep 60"#)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(running.stdout.take().unwrap());
    let first = lines.line();
    let second = lines.line();
    assert!(first.starts_with("started v-token-reissue-"), "{first}");
    assert!(second.starts_with("started v-token-reissue-"), "{second}");
    assert_ne!(first, second, "restarted with new credentials that work");
    send(&running, "TERM");
    process::wait(&mut running);
    wait_until("every user revoked", Duration::from_secs(2), || {
        users("reissue") == 0
    });
}

#[test]
fn check_and_status_leave_no_credentials_behind_and_get_says_how_long_they_live() {
    let bao = OpenBao::start();
    let dir = leased_app("checked", &bao, "1m", "1h");
    let check = secretary(dir.path(), &bao).arg("check").output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(users("checked"), 0, "check revoked what it read");

    let status = secretary(dir.path(), &bao).arg("status").output().unwrap();
    let stdout = String::from_utf8(status.stdout).unwrap();
    assert!(stdout.contains("lease database/creds/checked/"), "{stdout}");
    assert!(
        stdout.contains("renewable; revoked as `status` ends"),
        "{stdout}"
    );
    assert!(
        stdout.contains("template(postgres_user, postgres_password)"),
        "{stdout}"
    );
    assert_eq!(users("checked"), 0);

    let get = secretary(dir.path(), &bao)
        .args(["get", "postgres_user"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(get.stderr).unwrap();
    assert!(
        stderr.contains("live until their lease ends, in"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`bao lease revoke database/creds/checked/"),
        "{stderr}"
    );
    assert_eq!(users("checked"), 1, "get hands them out: they live on");
    bao.bao(&["lease", "revoke", "-prefix", "database/creds/checked"]);
}

#[test]
fn credentials_that_end_with_no_new_ones_stop_the_program_and_say_so() {
    let bao = OpenBao::start();
    let dir = leased_app("lost", &bao, "3s", "1h");
    // A token of its own, which the test then revokes, as when a token expires: its
    // lease goes with it, and no new one can be had.
    let token = bao.bao(&["token", "create", "-ttl=1h", "-field=token"]);
    let running = secretary(dir.path(), &bao)
        .env("VAULT_TOKEN", &token)
        .args(["run", "--", "sleep", "60"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("a user issued", Duration::from_secs(10), || {
        users("lost") == 1
    });
    bao.bao(&["token", "revoke", &token]);
    let output = process::output(running);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("expired and new ones could not be had")
            && stderr.contains("rather than leave it with credentials that no longer work"),
        "{stderr}"
    );
    assert!(!stderr.contains(&token), "the token was printed");
    let audit = fs::read_to_string(dir.path().join("audit.log")).unwrap();
    assert!(audit.contains("\"event\":\"lease_expired\""), "{audit}");
    assert_eq!(users("lost"), 0, "the token took its user with it");
}

#[test]
fn a_leased_password_shows_only_where_it_was_asked_for() {
    let bao = OpenBao::start();
    let dir = leased_app("canary", &bao, "1m", "1h");
    // Every password the engine issues from now on is this canary.
    let canary = Postgres::shared().canary_passwords(&bao);
    let said = |args: &[&str]| {
        let output = secretary(dir.path(), &bao).args(args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // Nowhere in what these print, on either stream.
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["status"],
        &["status", "--format", "json"],
        &["get", "postgres_user"],
        &[
            "run",
            "--redact",
            "--",
            "sh",
            "-c",
            "echo \"$POSTGRES_PASSWORD $DATABASE_URL\"",
        ],
    ] {
        let (code, stdout, stderr) = said(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(
            !stdout.contains(&canary[..8]) && !stderr.contains(&canary[..8]),
            "{args:?} showed the password:\n{stdout}{stderr}"
        );
    }
    // Where it was asked for: on stdout only.
    for (args, wanted) in [
        (&["get", "postgres_password"][..], canary.clone()),
        (
            &["export", "--format", "dotenv"],
            format!("POSTGRES_PASSWORD='{canary}'"),
        ),
        (
            &["run", "--", "sh", "-c", "echo \"$POSTGRES_PASSWORD\""],
            canary.clone(),
        ),
    ] {
        let (code, stdout, stderr) = said(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(stdout.contains(&wanted), "{args:?}: {stdout}");
        assert!(!stderr.contains(&canary[..8]), "{args:?}: {stderr}");
    }
    // Failing paths: a path that issues no lease, a field the answer lacks.
    let manifest = fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    for broken in [
        manifest.replace("database/creds/{app}", "secret/data/nothing"),
        manifest.replace(
            "postgres_password = \"password\"",
            "postgres_password = \"passwd\"",
        ),
    ] {
        fs::write(dir.path().join("secrets.toml"), broken).unwrap();
        let (code, stdout, stderr) = said(&["check"]);
        assert_eq!(code, Some(1), "{stdout}{stderr}");
        assert!(
            !stdout.contains(&canary[..8]) && !stderr.contains(&canary[..8]),
            "{stdout}{stderr}"
        );
    }
    let audit = fs::read_to_string(dir.path().join("audit.log")).unwrap();
    assert!(audit.contains("\"event\":\"lease_issued\""), "{audit}");
    assert!(
        !audit.contains(&canary[..8]),
        "the audit log holds the password"
    );
    bao.bao(&["lease", "revoke", "-prefix", "database/creds/canary"]);
}
