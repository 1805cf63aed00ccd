//! `vault_lease`: credentials OpenBao's database engine issues over a real PostgreSQL,
//! renewed past their TTL, re-issued past their max TTL, revoked; and what is refused.
//!
//! The lease registry is the process's: these tests take one lock so that one test's
//! `revoke_all` never revokes another's leases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use secretary::source::{LeaseError, SourceError, leases};
use secretary::{Manifest, ProblemKind, Report, Scope, Variables, resolve};
use secretary_test_support::{OpenBao, Postgres, wait_until};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The shared manifest of an application `shop` on leases, with `extra` in the source's
/// table, written to `dir` and discovered there.
fn manifest(dir: &std::path::Path, extra: &str) -> Manifest {
    let text = Postgres::shared().leased_manifest("shop", extra);
    std::fs::write(dir.join("secrets.toml"), &text).unwrap();
    Manifest::discover(None, &Variables::default(), dir).unwrap()
}

/// Runs the ignored test `test` of this binary in a process of its own, with `marker`
/// set (what it marks, a stop or a log-out, holds for the whole process), and fails
/// unless it ran and passed.
fn in_a_process_of_its_own(test: &str, marker: &str) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(marker, "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("1 passed"),
        "the child test did not run: {said}"
    );
}

fn resolve_now(manifest: &Manifest, vars: &Variables) -> Report {
    let environment = manifest
        .select_environment(Some("production"), vars)
        .unwrap();
    resolve(manifest, environment, vars, Scope::All).unwrap()
}

fn value(report: &Report, key: &str) -> String {
    report
        .get(key)
        .unwrap()
        .value
        .as_ref()
        .unwrap_or_else(|| {
            panic!(
                "{key} has no value: {:?}",
                report.get(key).unwrap().problems
            )
        })
        .expose()
        .to_owned()
}

/// A server with the database engine over the shared cluster, role `shop`.
fn server(default_ttl: &str, max_ttl: &str) -> (OpenBao, Variables) {
    let bao = OpenBao::start();
    Postgres::shared().engine(&bao, "shop", default_ttl, max_ttl);
    let vars = Variables::from_pairs(bao.env());
    (bao, vars)
}

#[test]
fn one_lease_serves_its_secrets_is_renewed_past_its_ttl_and_is_revoked() {
    let _serial = serial();
    let pg = Postgres::shared();
    let (_bao, vars) = server("4s", "1h");
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), "");
    let report = resolve_now(&manifest, &vars);
    assert!(report.is_ok(), "{report:?}");
    let user = value(&report, "postgres_user");
    let password = value(&report, "postgres_password");
    assert!(user.starts_with("v-token-shop-"), "{user}");
    assert_eq!(
        report
            .get("postgres_user")
            .unwrap()
            .origin
            .as_ref()
            .unwrap()
            .to_string(),
        "vault_lease:database/creds/shop#username"
    );
    let url = value(&report, "database_url");
    assert!(url.starts_with(&format!("postgresql://{user}:")), "{url}");
    // One lease per process: a second resolution gets the same credentials.
    assert_eq!(value(&resolve_now(&manifest, &vars), "postgres_user"), user);
    let held = leases::held();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].path, "database/creds/shop");
    assert!(held[0].renewable);

    // Past the 4 s TTL the credentials still log in: they were renewed.
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(
        pg.query_as(&user, &password, "select 1").as_deref(),
        Some("1")
    );
    assert!(leases::held()[0].ttl_left > Duration::ZERO);

    let revoked = leases::revoke_all();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].error, None);
    wait_until("the role is dropped", Duration::from_secs(1), || {
        !pg.role_exists(&user)
    });
    assert!(leases::held().is_empty());
}

#[test]
fn past_the_max_ttl_new_credentials_replace_the_old_which_end_after_the_grace() {
    let _serial = serial();
    let pg = Postgres::shared();
    let (_bao, vars) = server("3s", "6s");
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), "reissue_grace = \"2s\"");
    let generation = leases::generation();
    let first = resolve_now(&manifest, &vars);
    let (old_user, old_password) = (
        value(&first, "postgres_user"),
        value(&first, "postgres_password"),
    );
    wait_until("re-issued", Duration::from_secs(15), || {
        leases::generation() != generation
    });
    let second = resolve_now(&manifest, &vars);
    let (new_user, new_password) = (
        value(&second, "postgres_user"),
        value(&second, "postgres_password"),
    );
    assert_ne!(old_user, new_user, "new credentials");
    assert_eq!(
        pg.query_as(&new_user, &new_password, "select 1").as_deref(),
        Some("1")
    );
    // The old ones end once the grace is over (they would at their max TTL anyway, but
    // sooner: revoked).
    wait_until("the old role is dropped", Duration::from_secs(6), || {
        !pg.role_exists(&old_user)
    });
    assert_eq!(pg.query_as(&old_user, &old_password, "select 1"), None);
    assert!(pg.role_exists(&new_user));
    leases::revoke_all();
    wait_until("the new role is dropped", Duration::from_secs(1), || {
        !pg.role_exists(&new_user)
    });
}

#[test]
fn a_kv_path_or_a_missing_field_fails_the_source_and_never_reads_as_unset() {
    let _serial = serial();
    let (bao, vars) = server("1m", "1h");
    bao.kv_put("creds", &[("username", "kv-user")]);
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), "");
    let text = std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap();

    std::fs::write(
        dir.path().join("secrets.toml"),
        text.replace("database/creds/{app}", "secret/data/creds"),
    )
    .unwrap();
    let kv = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let report = resolve_now(&kv, &vars);
    let error = source_error(&report, "postgres_user");
    assert!(matches!(error, LeaseError::NotALease { .. }), "{error:?}");
    assert!(
        error
            .hint()
            .contains("KV secrets belong in a `vault` source")
    );

    std::fs::write(
        dir.path().join("secrets.toml"),
        text.replace(
            "postgres_password = \"password\"",
            "postgres_password = \"passwd\"",
        ),
    )
    .unwrap();
    let wrong = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let report = resolve_now(&wrong, &vars);
    let error = source_error(&report, "postgres_password");
    assert_eq!(
        error.to_string(),
        "database/creds/shop answered without the field `passwd` (it has: password, username)"
    );
    drop(manifest);
    leases::revoke_all();
}

fn source_error(report: &Report, key: &str) -> LeaseError {
    let resolution = report.get(key).unwrap();
    assert!(resolution.value.is_none(), "fails closed");
    for problem in &resolution.problems {
        if let ProblemKind::SourceFailed {
            error: SourceError::Lease(error),
            ..
        } = &problem.kind
        {
            return error.clone();
        }
    }
    panic!("{key}: {:?}", resolution.problems);
}

#[test]
fn the_manifest_refuses_a_path_per_key_an_undeclared_secret_and_kv_settings() {
    for (settings, expected) in [
        (
            "path = \"database/creds/{key}\"\nsecrets = { a = \"username\" }",
            "`path` cannot use {key}",
        ),
        (
            "path = \"database/creds/app\"\nsecrets = { nope = \"username\" }",
            "lists `nope`, which is not a declared secret",
        ),
        (
            "path = \"database/creds/app\"\nsecrets = { a = \"username\" }\nmount = \"kv\"",
            "`mount` belongs to type `vault`",
        ),
        ("path = \"database/creds/app\"", "needs `secrets`"),
    ] {
        let text =
            format!("version = 1\n[sources.db]\ntype = \"vault_lease\"\n{settings}\n[secrets.a]\n");
        let error = Manifest::parse(&text, std::path::Path::new("secrets.toml"))
            .err()
            .unwrap_or_else(|| panic!("accepted: {settings}"));
        let said: Vec<String> = error
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.message, d.help.clone().unwrap_or_default()))
            .collect();
        assert!(
            said.iter().any(|s| s.contains(expected)),
            "{settings}: {said:?}"
        );
    }
}

#[test]
fn the_login_that_owns_the_lease_is_renewed_with_it_and_the_policy_it_needs_is_enough() {
    let _serial = serial();
    let pg = Postgres::shared();
    let bao = OpenBao::start();
    pg.engine(&bao, "shop", "1m", "1h");
    // What the README says an application's policy needs: read the credentials, renew
    // and revoke its own leases.
    let policy = bao.dir().join("lease.hcl");
    std::fs::write(
        &policy,
        "path \"database/creds/shop\" { capabilities = [\"read\"] }\n\
         path \"sys/leases/renew\" { capabilities = [\"update\"] }\n\
         path \"sys/leases/revoke\" { capabilities = [\"update\"] }\n",
    )
    .unwrap();
    bao.bao(&["policy", "write", "lease-user", policy.to_str().unwrap()]);
    bao.bao(&["auth", "enable", "approle"]);
    bao.bao(&[
        "write",
        "auth/approle/role/app",
        "token_policies=lease-user",
        "token_ttl=3s",
        "token_max_ttl=1h",
    ]);
    let role_id = bao.bao(&["read", "-field=role_id", "auth/approle/role/app/role-id"]);
    let secret_id = bao.bao(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/app/secret-id",
    ]);
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", bao.address.as_str()),
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest(dir.path(), "auth = \"approle\"");
    let report = resolve_now(&manifest, &vars);
    let (user, password) = (
        value(&report, "postgres_user"),
        value(&report, "postgres_password"),
    );
    // The token lives 3 s unless renewed; the lease would die with it.
    std::thread::sleep(Duration::from_secs(8));
    assert_eq!(
        pg.query_as(&user, &password, "select 1").as_deref(),
        Some("1")
    );
    let revoked = leases::revoke_all();
    assert_eq!(
        revoked[0].error, None,
        "the policy lets it revoke its own lease"
    );
    wait_until("the role is dropped", Duration::from_secs(1), || {
        !pg.role_exists(&user)
    });
}

#[test]
fn a_manager_takes_reissued_credentials_tells_subscribers_and_close_revokes_them() {
    let _serial = serial();
    let pg = Postgres::shared();
    let (_bao, vars) = server("3s", "6s");
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let manager =
        secretary::SecretManager::from_manifest(manifest(dir.path(), "reissue_grace = \"1s\""))
            .environment("production")
            .variables(vars)
            .audit(secretary::audit::Target::File(audit.clone()))
            .build()
            .unwrap();
    let blocking = manager.blocking();
    // What the application was served: all three change with the lease.
    blocking.validate().unwrap();
    let first = blocking.get("postgres_user").unwrap().expose().to_owned();
    let changes = manager.subscribe();
    wait_until(
        "subscribers told of new credentials",
        Duration::from_secs(15),
        || changes.borrow().generation > 0,
    );
    let keys = changes.borrow().keys.clone();
    for key in ["postgres_user", "postgres_password", "database_url"] {
        assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
    }
    let second = blocking.get("postgres_user").unwrap().expose().to_owned();
    let password = blocking
        .get("postgres_password")
        .unwrap()
        .expose()
        .to_owned();
    assert_ne!(first, second, "the cache holds the new credentials");
    assert_eq!(
        pg.query_as(&second, &password, "select 1").as_deref(),
        Some("1")
    );
    manager.close();
    wait_until("close revoked them", Duration::from_secs(1), || {
        !pg.role_exists(&second)
    });
    let log = std::fs::read_to_string(&audit).unwrap();
    for event in ["lease_issued", "lease_reissued", "lease_revoked"] {
        assert!(
            log.contains(&format!("\"event\":\"{event}\"")),
            "{event}: {log}"
        );
    }
    assert!(!log.contains(&password));
}

#[test]
fn a_vault_kv_source_pointed_at_credentials_fails_and_leaves_no_user_behind() {
    let _serial = serial();
    let pg = Postgres::shared();
    let (_bao, vars) = server("1m", "1h");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.kv]\ntype = \"vault\"\nmount = \"database\"\nkv_version = 1\npath = \"creds/shop\"\nfield = \"username\"\n[environments.production]\nsources = [\"kv\"]\n[secrets.postgres_user]\nrequired = true\n",
    )
    .unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let before = pg
        .query("select count(*) from pg_roles where rolname like 'v-token-shop-%'")
        .unwrap();
    let report = resolve_now(&manifest, &vars);
    let resolution = report.get("postgres_user").unwrap();
    assert!(resolution.value.is_none(), "never served, never copied");
    let said = resolution.problems[0].kind.to_string();
    assert!(said.contains("issues credentials, it is not KV"), "{said}");
    let after = pg
        .query("select count(*) from pg_roles where rolname like 'v-token-shop-%'")
        .unwrap();
    assert_eq!(before, after, "the user the read made was revoked at once");
}

/// The audit log's lines, as JSON.
fn audit_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The audit log's line for the revocation of `lease`, if there is one yet.
fn revocation(audit: &std::path::Path, lease: &str) -> Option<serde_json::Value> {
    audit_lines(audit)
        .into_iter()
        .find(|line| line["event"] == "lease_revoked" && line["lease_id"] == lease)
}

#[test]
fn a_login_token_near_its_max_ttl_hands_its_leases_to_a_new_login_before_it_ends() {
    let _serial = serial();
    let pg = Postgres::shared();
    let bao = OpenBao::start();
    pg.engine(&bao, "shop", "1m", "1h");
    let policy = bao.dir().join("lease.hcl");
    std::fs::write(
        &policy,
        "path \"database/creds/shop\" { capabilities = [\"read\"] }\n\
         path \"sys/leases/renew\" { capabilities = [\"update\"] }\n\
         path \"sys/leases/revoke\" { capabilities = [\"update\"] }\n",
    )
    .unwrap();
    bao.bao(&["policy", "write", "lease-user", policy.to_str().unwrap()]);
    bao.bao(&["auth", "enable", "approle"]);
    // The token lives 6 s a renewal, 14 s at most: well before the lease's 1 m.
    bao.bao(&[
        "write",
        "auth/approle/role/app",
        "token_policies=lease-user",
        "token_ttl=6s",
        "token_max_ttl=14s",
    ]);
    let role_id = bao.bao(&["read", "-field=role_id", "auth/approle/role/app/role-id"]);
    let secret_id = bao.bao(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/app/secret-id",
    ]);
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", bao.address.as_str()),
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let manifest = manifest(dir.path(), "auth = \"approle\"\nreissue_grace = \"1s\"");
    let manager = secretary::SecretManager::from_manifest(manifest)
        .environment("production")
        .variables(vars)
        .audit(secretary::audit::Target::File(audit.clone()))
        .build()
        .unwrap();
    let blocking = manager.blocking();
    let logged_in = Instant::now();
    let first = blocking.get("postgres_user").unwrap().expose().to_owned();
    let first_lease = leases::held()[0].id.clone();
    assert_eq!(
        pg.query_as(
            &first,
            blocking.get("postgres_password").unwrap().expose(),
            "select 1"
        )
        .as_deref(),
        Some("1")
    );
    // Before the first token reaches its 14 s, a new login, and the lease taken again
    // under it.
    wait_until(
        "re-issued under a new login",
        Duration::from_secs(14),
        || blocking.get("postgres_user").unwrap().expose() != first,
    );
    assert!(logged_in.elapsed() < Duration::from_secs(14));
    let second = blocking.get("postgres_user").unwrap().expose().to_owned();
    let password = blocking
        .get("postgres_password")
        .unwrap()
        .expose()
        .to_owned();
    // The old lease is revoked after its grace, by secretary, while its token still
    // lives: the revocation succeeds (it would fail on a lease its dead token took).
    wait_until("the old user is dropped", Duration::from_secs(3), || {
        !pg.role_exists(&first)
    });
    // Recorded once Vault's answer is in, which comes after the user is dropped: a
    // fresh-clone run under load read the log in between.
    wait_until(
        "the revocation is recorded",
        Duration::from_secs(10),
        || revocation(&audit, &first_lease).is_some(),
    );
    let revoked = revocation(&audit, &first_lease).unwrap();
    assert_eq!(revoked["outcome"], "ok", "{revoked}");
    // Past the first token's max TTL, the new credentials still work: they belong to
    // the new token.
    let past = Duration::from_secs(16).saturating_sub(logged_in.elapsed());
    std::thread::sleep(past);
    assert_eq!(
        pg.query_as(&second, &password, "select 1").as_deref(),
        Some("1"),
        "the credentials outlive the first token"
    );
    assert_eq!(blocking.get("postgres_user").unwrap().expose(), second);
    manager.close();
    wait_until("close revoked them", Duration::from_secs(1), || {
        !pg.role_exists(&second)
    });
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(!log.contains(&password) && !log.contains(&secret_id));
}

#[test]
fn a_lease_that_cannot_be_had_fails_only_the_secrets_it_lists() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n\
         [sources.database]\ntype = \"vault_lease\"\npath = \"database/creds/app\"\n\
         secrets = { postgres_user = \"username\" }\n\
         [sources.env]\ntype = \"env\"\n\
         [environments.production]\nsources = [\"database\", \"env\"]\n\
         [secrets.postgres_user]\nrequired = true\n\
         [secrets.api_key]\nrequired = true\n",
    )
    .unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    // Nothing listens there: the lease cannot be had.
    let address = format!("http://127.0.0.1:{}", secretary_test_support::free_port());
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", address.as_str()),
        ("VAULT_TOKEN", "t"),
        ("VAULT_MAX_RETRIES", "0"),
        ("API_KEY", "from-the-environment"),
    ]);
    let report = resolve_now(&manifest, &vars);
    assert!(matches!(
        source_error(&report, "postgres_user"),
        LeaseError::Vault(_)
    ));
    // Never the lease source's to serve: the chain went on to the environment.
    assert_eq!(value(&report, "api_key"), "from-the-environment");
}

#[test]
fn credentials_that_end_with_no_new_ones_fail_get_and_are_audited_as_expired() {
    let _serial = serial();
    let pg = Postgres::shared();
    let bao = OpenBao::start();
    pg.engine(&bao, "shop", "3s", "1h");
    // A token of its own, revoked below as when it expires: its lease goes with it, and
    // no new one can be had.
    let token = bao.bao(&["token", "create", "-ttl=1h", "-field=token"]);
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", bao.address.as_str()),
        ("VAULT_TOKEN", token.as_str()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let manager = secretary::SecretManager::from_manifest(manifest(dir.path(), ""))
        .environment("production")
        .variables(vars)
        .audit(secretary::audit::Target::File(audit.clone()))
        .build()
        .unwrap();
    let blocking = manager.blocking();
    let password = blocking
        .get("postgres_password")
        .unwrap()
        .expose()
        .to_owned();
    bao.bao(&["token", "revoke", &token]);
    // Fail closed: once the lease has ended, no read hands out its credentials.
    wait_until("get fails", Duration::from_secs(15), || {
        blocking.get("postgres_password").is_err()
    });
    let error = blocking.get("database_url").unwrap_err().to_string();
    assert!(!error.contains(&password), "{error}");
    let lines = audit_lines(&audit);
    let expired = lines
        .iter()
        .find(|line| line["event"] == "lease_expired")
        .unwrap_or_else(|| panic!("no lease_expired: {lines:#?}"));
    assert_eq!(expired["outcome"], "source_error");
    assert!(!std::fs::read_to_string(&audit).unwrap().contains(&password));

    // Another manager of the process, over another role, is not held back by that lost
    // lease: its re-issued credentials are read, and its subscribers told.
    pg.engine(&bao, "other", "3s", "6s");
    let other = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(manifest(other.path(), "").path()).unwrap();
    std::fs::write(
        other.path().join("secrets.toml"),
        text.replace("name = \"shop\"", "name = \"other\""),
    )
    .unwrap();
    let second = secretary::SecretManager::from_path(other.path().join("secrets.toml"))
        .unwrap()
        .environment("production")
        .variables(Variables::from_pairs(bao.env()))
        .build()
        .unwrap();
    let first = second
        .blocking()
        .get("postgres_user")
        .unwrap()
        .expose()
        .to_owned();
    assert!(first.starts_with("v-token-other-"), "{first}");
    let changes = second.subscribe();
    wait_until("the other manager told", Duration::from_secs(15), || {
        changes.borrow().generation > 0
    });
    assert_ne!(
        second.blocking().get("postgres_user").unwrap().expose(),
        first
    );
    leases::revoke_all();
}

mod ends;
mod lookup;
mod scripted;
