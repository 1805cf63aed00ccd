//! A login token Vault refuses before its time (revoked from outside), against a real
//! OpenBao: replaced by a new login, its leases re-issued at once, and nothing of a
//! role whose tokens may not look themselves up taken for an ended token.

use super::*;

#[test]
fn a_login_token_revoked_from_outside_is_replaced_by_a_new_login_and_its_leases_reissued() {
    // A fifty-fourth adversarial pass: an operator revoked the service's AppRole token
    // (and with it the database user its lease had made); the token's TTL said it lived,
    // so every read got 403 "log in again", no login was made, and a minute later `run`
    // stopped its program, though a login would have worked.
    let bao = OpenBao::start();
    // Leases of 10 minutes: re-issued at the new login, not at their renewal (a
    // fifty-fifth adversarial pass: the keeper slept until then).
    Postgres::shared().engine(&bao, "faceless-youtube", "10m", "1h");
    for (key, value) in PRODUCTION {
        bao.kv_put(&format!("production/{key}"), &[("value", value)]);
    }
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h"]);
    let app = approle_app();
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", os.environ["POSTGRES_USER"], flush=True)
while True: time.sleep(0.05)
"#;
    let mut run = support::secretary_in(app.path())
        .env("VAULT_ADDR", &bao.address)
        .env_remove("VAULT_TOKEN")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID", &secret_id)
        .args(["--env", "production", "run", "--watch", "1h"])
        .args(["--on-change", "restart", "--"])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Lines::new(run.stdout.take().unwrap());
    let stderr = Lines::new(run.stderr.take().unwrap());
    let first = stdout.line();
    assert!(first.starts_with("ready "), "{first}");
    assert_eq!(live_logins(&bao), 1);

    // The operator revokes every AppRole login: the token, and the lease it read.
    bao.bao(&["lease", "revoke", "-prefix", "auth/approle/login/"]);
    assert_eq!(live_logins(&bao), 0);
    // The next read (a SIGHUP re-reads now) logs in again, and the program is started
    // again with a new database user.
    send(&run, "HUP");
    let Some(second) = stdout.next_line() else {
        panic!("the program was not started again: {}", stderr.rest());
    };
    assert!(
        second.starts_with("ready ") && second != first,
        "{first} then {second}"
    );
    assert_eq!(live_logins(&bao), 1);
    send(&run, "TERM");
    let said = stderr.rest();
    let status = process::wait(&mut run);
    assert_eq!(status.code(), Some(3), "{said}");
    assert!(
        !said.contains("refused access"),
        "a refusal was said: {said}"
    );
    assert!(!said.contains("could not revoke"), "{said}");
    // The new login's token was revoked at the end.
    assert_eq!(live_logins(&bao), 0, "{said}");
    assert!(
        !said.contains(&secret_id),
        "the secret id was printed: {said}"
    );
}

#[test]
fn a_denied_read_under_a_role_whose_tokens_cannot_look_themselves_up_ends_no_live_token() {
    // A fifty-fifth adversarial pass: with `token_no_default_policy`, a live token is
    // refused `lookup-self` too, so one denied read marked it ended: a second login was
    // made, and the lease it had read was taken for one that ended with it and never
    // revoked. A 403 is taken at its word where `lookup-self` cannot tell.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h", "token_no_default_policy=true"]);
    let app = tempfile::tempdir().unwrap();
    fs::write(
        app.path().join("secrets.toml"),
        "version = 1\n[app]\nname = \"faceless-youtube\"\n\
         [sources.database]\ntype = \"vault_lease\"\npath = \"database/creds/{app}\"\n\
         secrets = { postgres_user = \"username\", postgres_password = \"password\" }\nauth = \"approle\"\n\
         [sources.denied]\ntype = \"vault\"\nmount = \"secret\"\npath = \"other/{key}\"\nfield = \"value\"\nauth = \"approle\"\n\
         [environments.production]\nsources = [\"database\", \"denied\"]\non_source_error = \"next\"\n\
         [secrets.postgres_user]\n[secrets.postgres_password]\n[secrets.extra]\n",
    )
    .unwrap();
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    let out = secretary(app.path(), &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    // The lease was revoked; the one token (which may not revoke itself) is said.
    let leases = live_leases(&bao, "database/creds/faceless-youtube/");
    assert_eq!(leases, 0, "the check's lease was left: {}", out.stderr);
    assert_eq!(live_logins(&bao), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("could not revoke the login token this command used"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_role_of_limited_uses_is_refused_leased_credentials_and_its_lease_revoked() {
    // A fifty-ninth adversarial pass: Vault revokes a token of limited uses (a role's
    // `token_num_uses`) with its last use, and every lease read with it, so the program
    // held database credentials that no longer worked. Such a token reads no lease: it
    // is said, with what to do, and what was issued is revoked at once; KV reads keep it.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h", "token_num_uses=50"]);
    let app = approle_app();
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    let out = secretary(app.path(), &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("token_num_uses")
            && out.stdout.contains("token_num_uses=0")
            // A lease read, then revoked, was said "not read" (a sixty-second pass).
            && out.stdout.contains("are not used")
            && !out.stdout.contains("was not read"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let leases = live_leases(&bao, "database/creds/faceless-youtube/");
    assert_eq!(leases, 0, "the refused lease was left: {}", out.stderr);
    let out = secretary(app.path(), &bao, &ids, &["get", "secret_key"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    out.shows_none_of(&[role_id.as_str(), secret_id.as_str()]);
    // A sixtieth: a refusal of its own (no such role) was blamed on the uses too.
    let nowhere = tempfile::tempdir().unwrap();
    fs::write(
        nowhere.path().join("secrets.toml"),
        r#"version = 1
[sources.database]
type = "vault_lease"
path = "database/creds/nosuchrole"
secrets = { user = "username" }
auth = "approle"
[environments.production]
sources = ["database"]
[secrets.user]
"#,
    )
    .unwrap();
    let out = secretary(nowhere.path(), &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("nosuchrole") && !out.stdout.contains("token_num_uses"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    // And a token of the user's made with a use limit gave the program credentials
    // Vault revoked with its last use (`run` exited 0).
    // (A token of one use answers its look-up -1, the look-up being its last use: a
    // sixty-first adversarial pass saw that taken for no limit.)
    for uses in ["-use-limit=12", "-use-limit=1"] {
        let limited = bao.bao(&["token", "create", uses, "-field=token"]);
        let out = secretary(
            app.path(),
            &bao,
            &[("VAULT_TOKEN", limited.as_str())],
            &["run", "--", "true"],
            "",
        );
        assert_eq!(out.code, Some(1), "{uses}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("use limit"), "{uses}: {}", out.stderr);
        out.shows_none_of(&[limited.as_str()]);
    }
    let leases = live_leases(&bao, "database/creds/faceless-youtube/");
    assert_eq!(leases, 0, "a lease was issued");
}

/// Starts `run --watch 1h --on-change restart` of a program that prints `ready` and its
/// database user, in `app` against `bao` with AppRole `ids`.
fn watched(app: &Path, bao: &OpenBao, ids: (&str, &str)) -> (std::process::Child, Lines, Lines) {
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", os.environ.get("POSTGRES_USER", ""), flush=True)
while True: time.sleep(0.05)
"#;
    let mut run = support::secretary_in(app)
        .env("VAULT_ADDR", &bao.address)
        .env_remove("VAULT_TOKEN")
        .env("VAULT_ROLE_ID", ids.0)
        .env("VAULT_SECRET_ID", ids.1)
        .args(["--env", "production", "run", "--watch", "1h"])
        .args(["--on-change", "restart", "--"])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Lines::new(run.stdout.take().unwrap());
    let stderr = Lines::new(run.stderr.take().unwrap());
    (run, stdout, stderr)
}

#[test]
fn a_role_hardened_while_the_service_runs_restarts_its_program_once_not_in_a_loop() {
    // A fifty-sixth adversarial pass: whether `lookup-self` tells an ended token was
    // learnt once a connection; the role then made `token_no_default_policy` and the
    // service's token revoked, each new token's denied read was taken for an ended
    // token: 54 restarts in 20 s, a token each, left alive.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h"]);
    let app = tempfile::tempdir().unwrap();
    fs::write(
        app.path().join("secrets.toml"),
        "version = 1\n[app]\nname = \"faceless-youtube\"\n\
         [sources.database]\ntype = \"vault_lease\"\npath = \"database/creds/{app}\"\n\
         secrets = { postgres_user = \"username\", postgres_password = \"password\" }\nauth = \"approle\"\n\
         [sources.denied]\ntype = \"vault\"\nmount = \"secret\"\npath = \"other/{key}\"\nfield = \"value\"\nauth = \"approle\"\n\
         [environments.production]\nsources = [\"database\", \"denied\"]\non_source_error = \"next\"\n\
         [secrets.postgres_user]\n[secrets.postgres_password]\n[secrets.extra]\n",
    )
    .unwrap();
    let (mut run, stdout, stderr) = watched(app.path(), &bao, (&role_id, &secret_id));
    assert!(stdout.line().starts_with("ready "));
    bao.bao(&[
        "write",
        "auth/approle/role/app",
        "token_policies=app-read",
        "token_ttl=1h",
        "token_no_default_policy=true",
    ]);
    bao.bao(&["lease", "revoke", "-prefix", "auth/approle/login/"]);
    send(&run, "HUP");
    // Started again once, with new credentials; then not again.
    assert!(stdout.line().starts_with("ready "));
    std::thread::sleep(std::time::Duration::from_secs(5));
    send(&run, "TERM");
    let more: Vec<String> = std::iter::from_fn(|| stdout.next_line()).collect();
    let said = stderr.rest();
    let status = process::wait(&mut run);
    assert_eq!(status.code(), Some(3), "{said}");
    assert!(
        more.is_empty(),
        "started again {} times: {said}",
        more.len()
    );
    // The new token may not revoke itself (no default policy): one, and said.
    assert_eq!(live_logins(&bao), 1, "{said}");
    assert!(
        said.contains("could not revoke the login token this command used"),
        "{said}"
    );
}

#[test]
fn a_lease_that_ended_with_a_token_revoked_from_outside_is_not_revoked_by_a_new_login() {
    // A fifty-sixth adversarial pass: at the end, the revocation of a lease whose token
    // had been revoked got 403, and secretary logged in again to revoke what had ended
    // with that token: a slow login left its token alive, a refused one warned of a
    // lease that no longer existed.
    let bao = OpenBao::start_audited();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h"]);
    let app = approle_app();
    let (mut run, stdout, stderr) = watched(app.path(), &bao, (&role_id, &secret_id));
    assert!(stdout.line().starts_with("ready "));
    assert_eq!(bao.requests("update", "auth/approle/login"), 1);
    bao.bao(&["lease", "revoke", "-prefix", "auth/approle/login/"]);
    send(&run, "TERM");
    let said = stderr.rest();
    let status = process::wait(&mut run);
    assert_eq!(status.code(), Some(3), "{said}");
    assert_eq!(
        bao.requests("update", "auth/approle/login"),
        1,
        "a login was made at the end: {said}"
    );
    assert!(!said.contains("could not revoke"), "{said}");
    assert_eq!(live_logins(&bao), 0, "{said}");
}

#[test]
fn a_users_token_that_may_not_look_itself_up_is_asked_once_a_connection() {
    // A sixty-second adversarial pass: such a token's 403 to `lookup-self` was taken for
    // "not said", and asked again before and after every lease read, each question
    // spending one of a limited token's uses. Its answer is kept: no limit known.
    let bao = OpenBao::start_audited();
    seed_production(&bao);
    let _ = bao.approle(&["token_ttl=1h"]);
    let token = bao.bao(&[
        "token",
        "create",
        "-policy=app-read",
        "-no-default-policy",
        "-use-limit=50",
        "-field=token",
    ]);
    let app = approle_app();
    let out = secretary(
        app.path(),
        &bao,
        &[("VAULT_TOKEN", token.as_str())],
        &["check"],
        "",
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(
        bao.requests("read", "auth/token/lookup-self"),
        1,
        "{}",
        out.stderr
    );
    out.shows_none_of(&[token.as_str()]);
}
