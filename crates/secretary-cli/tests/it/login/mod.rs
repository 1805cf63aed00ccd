//! Who logs in to Vault, and what a user hears when that login stops working, against a
//! real OpenBao server.
//!
//! One manifest serves the service and the people who run it: the service logs in with
//! the manifest's AppRole (or JWT), an operator with the token they set in `VAULT_TOKEN`
//! (issue 25, item 17). Under `run --watch`, a token that stops working is named as the
//! cause, with its fix, and the program keeps running (issue 25, item 11).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use secretary_test_support::process::{self, Lines};
use secretary_test_support::{OpenBao, Postgres};
use tempfile::TempDir;

mod refused;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/faceless-youtube/secrets.toml"
);

/// The reference application's required production secrets that KV holds (its
/// PostgreSQL user and password come with a lease).
const PRODUCTION: [(&str, &str); 2] = [
    ("secret_key", "s-0123456789abcdefghijklmnopqrstuv"),
    ("environment", "production"),
];

/// The reference application's production: OpenBao's database engine over the shared
/// PostgreSQL (role `faceless-youtube`), and KV.
fn seed_production(bao: &OpenBao) {
    Postgres::shared().engine(bao, "faceless-youtube", "1m", "1h");
    for (key, value) in PRODUCTION {
        bao.kv_put(&format!("production/{key}"), &[("value", value)]);
    }
}

/// The reference application's directory, its Vault sources (KV and lease) logging in
/// with AppRole.
fn approle_app() -> TempDir {
    let manifest = crate::vault::with_approle(&fs::read_to_string(EXAMPLE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    dir
}

/// `secretary ARGS...` in `dir` against `bao`'s address, with `vars` and nothing else
/// (no token unless `vars` has one), `stdin` as its input; bounded.
fn secretary(dir: &Path, bao: &OpenBao, vars: &[(&str, &str)], args: &[&str], stdin: &str) -> Out {
    let mut command = support::secretary_in(dir);
    command
        .env("VAULT_ADDR", &bao.address)
        .envs(vars.iter().copied())
        .args(["--env", "production"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use std::io::Write as _;
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
    }
    Out::from(process::output(child))
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Out {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Out {
    /// Neither stream holds any of `secrets`.
    fn shows_none_of(&self, secrets: &[&str]) {
        for secret in secrets {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a credential or value was printed:\n{}{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

#[test]
fn an_approle_manifest_serves_the_service_by_approle_and_an_operator_by_their_token() {
    let bao = OpenBao::start();
    seed_production(&bao);
    // The service's role may only read.
    let (role_id, secret_id) = bao.approle(&["token_ttl=60s"]);
    let operator = bao.bao(&["token", "create", "-field=token"]);
    let app = approle_app();
    let dir = app.path();
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    let token = [("VAULT_TOKEN", operator.as_str())];
    let credentials = [role_id.as_str(), secret_id.as_str(), operator.as_str()];

    // The operator: their token, with the manifest's AppRole set aside, and said.
    let out = secretary(
        dir,
        &bao,
        &token,
        &["put", "redis_password"],
        "r-first-5d1e\n",
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("(version 1)"), "{}", out.stdout);
    let out = secretary(
        dir,
        &bao,
        &token,
        &["rotate", "youtube_api_key"],
        "AIza-new-key-0123456789abcdef\n",
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("rotated youtube_api_key"),
        "{}",
        out.stdout
    );
    let out = secretary(dir, &bao, &token, &["status"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "the manifest logs in with AppRole (auth = \"approle\"), but the token in VAULT_TOKEN is used"
        ),
        "the choice is said: {}",
        out.stderr
    );
    out.shows_none_of(&credentials);

    // The service: the manifest's AppRole, which may read and not write, and no word
    // about a token.
    let out = secretary(dir, &bao, &ids, &["status"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("vault:secret/data/production/redis_password#value@v1"),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains("VAULT_TOKEN"), "{}", out.stderr);
    let out = secretary(
        dir,
        &bao,
        &ids,
        &["put", "redis_password"],
        "r-second-77aa\n",
    );
    assert_eq!(out.code, Some(1), "AppRole may only read: {}", out.stderr);
    assert!(out.stderr.contains("403"), "{}", out.stderr);
    out.shows_none_of(&credentials);

    // Both: the token the user set wins over the ids, and the ids left unused are named.
    let both = [ids[0], ids[1], token[0]];
    let out = secretary(
        dir,
        &bao,
        &both,
        &["put", "redis_password"],
        "r-third-9c0b\n",
    );
    assert_eq!(
        out.code,
        Some(0),
        "the operator's token wrote: {}",
        out.stderr
    );
    assert!(out.stdout.contains("(version 2)"), "{}", out.stdout);
    let out = secretary(dir, &bao, &both, &["check"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("VAULT_ROLE_ID and VAULT_SECRET_ID are set too, and not used"),
        "{}",
        out.stderr
    );
    out.shows_none_of(&credentials);

    // A token left in ~/.vault-token by an earlier login is not the user's choice for
    // this command: a service must not start as whoever logged in on its machine last.
    let home = tempfile::tempdir().unwrap();
    fs::write(home.path().join(".vault-token"), &operator).unwrap();
    let home = [("HOME", home.path().to_str().unwrap())];
    let out = secretary(dir, &bao, &home, &["check"], "");
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("AppRole needs it") && out.stdout.contains("by setting VAULT_TOKEN"),
        "the refusal says how a person logs in instead: {}",
        out.stdout
    );
    out.shows_none_of(&credentials);
}

#[test]
fn a_login_mount_that_does_not_exist_is_named_not_the_ids() {
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=60s"]);
    let app = approle_app();
    let dir = app.path();
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    // A login mount that does not exist: OpenBao answers 403 to its path, which is said
    // as such, not as ids refused (a twenty-sixth adversarial pass).
    let manifest = fs::read_to_string(dir.join("secrets.toml")).unwrap();
    fs::write(
        dir.join("secrets.toml"),
        manifest.replace(
            "auth = \"approle\"\n",
            "auth = \"approle\"\napprole_mount = \"nomount\"\n",
        ),
    )
    .unwrap();
    let out = secretary(dir, &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("refused the login path auth/nomount/login (403)")
            && out.stdout.contains("approle_mount"),
        "{}",
        out.stdout
    );
    out.shows_none_of(&[role_id.as_str(), secret_id.as_str()]);
}

#[test]
fn a_token_that_stops_working_under_run_watch_is_named_and_the_program_keeps_running() {
    let bao = OpenBao::start();
    seed_production(&bao);
    let app = tempfile::tempdir().unwrap();
    fs::copy(EXAMPLE, app.path().join("secrets.toml")).unwrap();
    let token = bao.bao(&["token", "create", "-field=token"]);
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", len(os.environ["SECRET_KEY"]), flush=True)
while True: time.sleep(0.05)
"#;
    let mut run = support::secretary_in(app.path())
        .env("VAULT_ADDR", &bao.address)
        .env("VAULT_TOKEN", &token)
        .args(["--env", "production", "run", "--watch", "1h", "--"])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Lines::new(run.stdout.take().unwrap());
    let stderr = Lines::new(run.stderr.take().unwrap());
    assert_eq!(stdout.line().trim_end(), "ready 34");

    // The token is revoked (as when it expires); a SIGHUP to `run` re-reads now.
    let revoke = bao
        .command(&["token", "revoke", "-self"])
        .env("VAULT_TOKEN", &token)
        .output()
        .unwrap();
    assert!(revoke.status.success(), "{revoke:?}");
    send(&run, "HUP");
    let mut said = String::new();
    while !said.contains("re-resolving") {
        said.push_str(&stderr.line());
    }
    // The program is still running: it hears the TERM `run` forwards, and its status
    // comes back.
    send(&run, "TERM");
    said.push_str(&stderr.rest());
    let status = process::wait(&mut run);
    assert_eq!(status.code(), Some(3), "{said}");
    for wanted in [
        "the program keeps running with the values it has",
        "Vault refused access (403 permission denied)",
        "log in again",
        // VAULT_TOKEN was read when `run` started: a new login cannot reach it.
        "the token in VAULT_TOKEN was read when `run` started",
        "restart it with a new token",
    ] {
        assert!(said.contains(wanted), "no `{wanted}` in: {said}");
    }
    assert!(!said.contains(&token), "the token was printed: {said}");
    // `environment` (`production`) is not sensitive, and named in every locator.
    assert!(
        !said.contains(PRODUCTION[0].1),
        "a value was printed: {said}"
    );
}

#[test]
fn a_secret_id_that_stops_working_under_run_watch_is_named_as_read_at_start() {
    // A seventeenth adversarial pass: an AppRole or JWT login that failed under `run
    // --watch` was told to check the variable, which cannot reach a running `run`.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=2s", "token_max_ttl=2s"]);
    let app = approle_app();
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", len(os.environ["SECRET_KEY"]), flush=True)
while True: time.sleep(0.05)
"#;
    let mut run = support::secretary_in(app.path())
        .env("VAULT_ADDR", &bao.address)
        .env_remove("VAULT_TOKEN")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID", &secret_id)
        .args(["--env", "production", "run", "--watch", "1h", "--"])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Lines::new(run.stdout.take().unwrap());
    let stderr = Lines::new(run.stderr.take().unwrap());
    assert_eq!(stdout.line().trim_end(), "ready 34");

    // The secret id is destroyed (as when it expires) and the token runs out: the next
    // re-read must log in again, and cannot.
    bao.bao(&[
        "write",
        "auth/approle/role/app/secret-id/destroy",
        &format!("secret_id={secret_id}"),
    ]);
    // The manifest's `vault_lease` source read its lease with that token, and the lease
    // ended with it (a fortieth adversarial pass: `run` went on with dead credentials):
    // no new login can be had, so `run` stops the program and says why.
    std::thread::sleep(std::time::Duration::from_secs(3));
    send(&run, "HUP");
    let said = stderr.rest();
    let status = process::wait(&mut run);
    assert_eq!(status.code(), Some(1), "{said}");
    for wanted in [
        "expired and new ones could not be had",
        "AppRole login at auth/approle/login failed",
        "with a new VAULT_SECRET_ID if the old one is spent",
        "rather than leave it with credentials that no longer work",
    ] {
        assert!(said.contains(wanted), "no `{wanted}` in: {said}");
    }
    assert!(
        !said.contains(&secret_id),
        "the secret id was printed: {said}"
    );
}

#[test]
fn under_run_watch_a_new_login_in_the_vault_token_file_is_used_at_the_next_read() {
    let bao = OpenBao::start();
    seed_production(&bao);
    let app = tempfile::tempdir().unwrap();
    fs::copy(EXAMPLE, app.path().join("secrets.toml")).unwrap();
    // As after `bao login`: the token in ~/.vault-token, none in the environment.
    let home = tempfile::tempdir().unwrap();
    let first = bao.bao(&["token", "create", "-field=token"]);
    fs::write(home.path().join(".vault-token"), &first).unwrap();
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGHUP, lambda *_: os.write(1, b"HUP\n"))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
print("ready", flush=True)
while True: time.sleep(0.05)
"#;
    let mut run = support::secretary_in(app.path())
        .env("VAULT_ADDR", &bao.address)
        .env("HOME", home.path())
        .args(["--env", "production", "run", "--watch", "1h", "--"])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Lines::new(run.stdout.take().unwrap());
    let stderr = Lines::new(run.stderr.take().unwrap());
    assert_eq!(stdout.line().trim_end(), "ready");

    let revoke = bao
        .command(&["token", "revoke", "-self"])
        .env("VAULT_TOKEN", &first)
        .output()
        .unwrap();
    assert!(revoke.status.success(), "{revoke:?}");
    send(&run, "HUP");
    let mut said = String::new();
    while !said.contains("fix:") {
        said.push_str(&stderr.line());
    }
    assert!(said.contains("403 permission denied"), "{said}");

    // Logging in again writes a new ~/.vault-token; the next re-read uses it, and sees
    // the rotation made meanwhile.
    let second = bao.bao(&["token", "create", "-field=token"]);
    fs::write(home.path().join(".vault-token"), &second).unwrap();
    let rotated = "s-rotated-0123456789abcdefghijklmnop";
    bao.kv_put("production/secret_key", &[("value", rotated)]);
    send(&run, "HUP");
    assert_eq!(stdout.line().trim_end(), "HUP", "the program was told");
    send(&run, "TERM");
    said.push_str(&stderr.rest());
    assert_eq!(process::wait(&mut run).code(), Some(3), "{said}");
    // The rotated key, and new database credentials: the lease taken with the revoked
    // token went with it, so the new token took one of its own.
    assert!(
        said.contains(
            "changed: database_url, postgres_password, postgres_user, secret_key; sending signal 1"
        ),
        "{said}"
    );
    assert!(
        !said.contains("could not revoke"),
        "the old lease is revoked with the new token: {said}"
    );
    assert!(
        !said.contains("restart it with a new token"),
        "a token file is read again: {said}"
    );
    for secret in [first.as_str(), second.as_str(), rotated] {
        assert!(!said.contains(secret), "printed: {said}");
    }
}

/// Sends `signal` (`HUP`, `TERM`) to `child`.
fn send(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_wrapped_secret_id_is_unwrapped_once_never_written_back_and_a_second_use_is_called_tampering() {
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, _) = bao.approle(&["token_ttl=60s"]);
    // How a deployment hands a process its first secret: wrapped, usable once.
    let wrapped = bao.bao(&[
        "write",
        "-wrap-ttl=60s",
        "-f",
        "-field=wrapping_token",
        "auth/approle/role/app/secret-id",
    ]);
    let app = approle_app();
    let dir = app.path();
    let file = dir.join("secret_id");
    fs::write(&file, &wrapped).unwrap();
    let manifest = fs::read_to_string(dir.join("secrets.toml"))
        .unwrap()
        .replace(
            "auth = \"approle\"\n",
            "auth = \"approle\"\nsecret_id_file = \"secret_id\"\n",
        );
    fs::write(dir.join("secrets.toml"), manifest).unwrap();
    let ids = [("VAULT_ROLE_ID", role_id.as_str())];

    let first = secretary(dir, &bao, &ids, &["check"], "");
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        wrapped,
        "never written back"
    );
    first.shows_none_of(&[&wrapped, &role_id]);

    // The same wrapping token again (another process, or someone who copied it): refused,
    // and said to be what it may be.
    let second = secretary(dir, &bao, &ids, &["check"], "");
    assert_eq!(second.code, Some(1), "{}{}", second.stdout, second.stderr);
    let said = format!("{}{}", second.stdout, second.stderr);
    assert!(said.contains("wrapping token was refused"), "{said}");
    assert!(
        said.contains("if secretary did not use it, someone else did"),
        "{said}"
    );
    second.shows_none_of(&[&wrapped, &role_id]);
}

#[test]
fn a_spent_wrapping_token_is_never_tried_as_a_secret_id_and_locks_no_role_out() {
    // A twenty-seventh adversarial pass: trying a refused wrapping token as a custom
    // secret id made a failed login each time, and after five OpenBao locked the role
    // out for every instance. A secret id that begins as a token does is a wrapping
    // token, and the refusal says so for a custom one.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, _) = bao.approle(&["token_ttl=60s"]);
    let wrapped = bao.bao(&[
        "write",
        "-wrap-ttl=60s",
        "-f",
        "-field=wrapping_token",
        "auth/approle/role/app/secret-id",
    ]);
    bao.bao(&["unwrap", &wrapped]);
    let app = approle_app();
    let spent = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", wrapped.as_str()),
    ];
    for _ in 0..6 {
        let out = secretary(app.path(), &bao, &spent, &["check"], "");
        assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("wrapping token was refused")
                && out.stdout.contains("a custom secret id must not begin so"),
            "{}",
            out.stdout
        );
        out.shows_none_of(&[&wrapped, &role_id]);
    }
    let fresh = bao.bao(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/app/secret-id",
    ]);
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", fresh.as_str()),
    ];
    let out = secretary(app.path(), &bao, &ids, &["check"], "");
    assert_eq!(
        out.code,
        Some(0),
        "not locked out: {}{}",
        out.stdout,
        out.stderr
    );
}

/// How many AppRole login tokens of `bao` are alive.
fn live_logins(bao: &OpenBao) -> usize {
    live_leases(bao, "auth/approle/login/")
}

/// How many leases of `bao` under `prefix` (`database/creds/ROLE/`) are alive.
fn live_leases(bao: &OpenBao, prefix: &str) -> usize {
    let output = bao
        .command(&[
            "list",
            "-format=json",
            &format!("sys/leases/lookup/{prefix}"),
        ])
        .output()
        .unwrap();
    // Nothing to list is an error with no output.
    serde_json::from_slice::<Vec<String>>(&output.stdout).map_or(0, |ids| ids.len())
}

#[test]
fn a_command_that_logged_in_revokes_its_token_unless_a_lease_it_hands_out_needs_it() {
    // A forty-sixth adversarial pass: no login token was ever revoked, so each command
    // under AppRole or JWT left one usable to its TTL (768 h by default): a cron job of
    // `secretary run` piled up thousands.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, secret_id) = bao.approle(&["token_ttl=1h"]);
    let app = approle_app();
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    // (`run --only secret_key` takes no lease, and becomes its program: a
    // forty-seventh adversarial pass saw that path leave its token.)
    for args in [
        &["check"][..],
        &["status"],
        &["run", "--", "true"],
        &["run", "--only", "secret_key", "--", "true"],
    ] {
        let out = secretary(app.path(), &bao, &ids, args, "");
        assert_eq!(out.code, Some(0), "{args:?}: {}{}", out.stdout, out.stderr);
        assert_eq!(live_logins(&bao), 0, "{args:?} left its login token alive");
    }
    // `get` hands out the database's credentials, whose lease ends with the token that
    // read it: that token is kept, and said to live as long as the lease.
    let out = secretary(app.path(), &bao, &ids, &["get", "postgres_user"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(live_logins(&bao), 1, "get's lease lost its token");
    // A forty-eighth: a token whose policy may not revoke itself (no default policy)
    // was left silently, its 403 taken for an ended token. It is said.
    bao.bao(&[
        "write",
        "auth/approle/role/app",
        "token_policies=app-read",
        "token_ttl=1h",
        "token_no_default_policy=true",
    ]);
    let out = secretary(app.path(), &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("could not revoke the login token this command used")
            && out.stderr.contains("it works until its TTL ends"),
        "{}",
        out.stderr
    );
    out.shows_none_of(&[role_id.as_str(), secret_id.as_str()]);
}

#[test]
fn one_use_tokens_are_replaced_when_spent_and_batch_tokens_log_out_silently() {
    // A fifty-seventh adversarial pass: asking each login's token whether it may look
    // itself up spent the one use of a `token_num_uses=1` role, so its one read was
    // refused and the policy blamed; and each command under a role of batch tokens
    // (which cannot be revoked) warned that it could not revoke its token.
    let bao = OpenBao::start();
    seed_production(&bao);
    let app = tempfile::tempdir().unwrap();
    fs::write(
        app.path().join("secrets.toml"),
        "version = 1\n[sources.vault]\ntype = \"vault\"\nmount = \"secret\"\n\
         path = \"production/{key}\"\nfield = \"value\"\nauth = \"approle\"\n\
         [environments.production]\nsources = [\"vault\"]\n\
         [secrets.secret_key]\n[secrets.environment]\nsensitive = false\n",
    )
    .unwrap();
    // Two reads of one-use tokens: a new login once the first is spent (a fifty-eighth
    // adversarial pass: the second read was refused, the policy blamed).
    for setting in ["token_num_uses=1", "token_type=batch"] {
        let (role_id, secret_id) = bao.approle(&["token_ttl=1h", setting]);
        let ids = [
            ("VAULT_ROLE_ID", role_id.as_str()),
            ("VAULT_SECRET_ID", secret_id.as_str()),
        ];
        let out = secretary(app.path(), &bao, &ids, &["check"], "");
        assert_eq!(out.code, Some(0), "{setting}: {}{}", out.stdout, out.stderr);
        assert!(
            !out.stderr.contains("could not revoke"),
            "{setting}: {}",
            out.stderr
        );
        // Made again for the next setting.
        bao.bao(&["auth", "disable", "approle"]);
    }
    // A token of uses left that may not revoke itself (no default policy) is said, as
    // any such token is (the same pass: taken for spent, and left silently).
    let (role_id, secret_id) = bao.approle(&[
        "token_ttl=1h",
        "token_num_uses=5",
        "token_no_default_policy=true",
    ]);
    let ids = [
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ];
    let out = secretary(app.path(), &bao, &ids, &["check"], "");
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("could not revoke the login token this command used"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_kv_and_lease_sources_of_one_login_log_in_once_with_an_outage_copy_kept() {
    // A sixtieth adversarial pass: with a cache key set, the source the outage copy
    // stands in for was given `VAULT_MAX_RETRIES=0` in its variables, which made it a
    // connection of its own beside the lease source: two logins a command, so the
    // reference application failed on a secret id of one use (the ids blamed), and a
    // login token revoked from outside was found by one connection only.
    let bao = OpenBao::start();
    seed_production(&bao);
    let (role_id, _) = bao.approle(&["token_ttl=1h"]);
    let app = approle_app();
    let state = app.path().join("state");
    // The first keeps the copy; the second reads with it standing in.
    for round in ["first", "second"] {
        let one_use = bao.bao(&[
            "write",
            "-field=secret_id",
            "auth/approle/role/app/secret-id",
            "num_uses=1",
        ]);
        let ids = [
            ("VAULT_ROLE_ID", role_id.as_str()),
            ("VAULT_SECRET_ID", one_use.as_str()),
            (
                "SECRETARY_CACHE_KEY",
                "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=",
            ),
            ("SECRETARY_STATE_DIR", state.to_str().unwrap()),
        ];
        let out = secretary(app.path(), &bao, &ids, &["check"], "");
        assert_eq!(out.code, Some(0), "{round}: {}{}", out.stdout, out.stderr);
        assert!(
            state.join("faceless-youtube.production.lkg").exists(),
            "no copy was kept: {}",
            out.stderr
        );
        assert_eq!(live_logins(&bao), 0, "{round}: {}", out.stderr);
        out.shows_none_of(&[role_id.as_str(), one_use.as_str()]);
    }
}
