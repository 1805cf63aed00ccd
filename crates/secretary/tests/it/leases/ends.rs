//! Leases against a scripted Vault whose answers end them: an issue answered with what
//! no lease can be used by, a login token that ends first and cannot be had again.

use super::scripted::{shop, threaded};
use super::*;

#[test]
fn a_lease_issued_with_an_answer_it_cannot_be_used_by_is_revoked() {
    // A fortieth adversarial pass: a lease id with a duration of 0 (a token's last
    // second), a duration in text, or no data failed the read and was never revoked.
    let _serial = serial();
    for (n, odd) in [
        r#""lease_duration":0,"renewable":false,"data":{"username":"u","password":"p"}"#,
        r#""lease_duration":"60","renewable":false,"data":{"username":"u","password":"p"}"#,
        r#""lease_duration":60,"renewable":false,"data":null"#,
    ]
    .into_iter()
    .enumerate()
    {
        let revoked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let seen = std::sync::Arc::clone(&revoked);
        let address = threaded(move |request| {
            if request.contains("database/creds/shop") {
                (
                    200,
                    format!(r#"{{"lease_id":"database/creds/shop/odd-{n}",{odd}}}"#),
                )
            } else {
                if request.contains("sys/leases/revoke") {
                    seen.lock().unwrap().push(request.to_owned());
                }
                (204, String::new())
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let (manifest, vars) = shop(dir.path(), &address);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
        assert!(
            report.get("postgres_user").unwrap().value.is_none(),
            "{odd}"
        );
        assert_eq!(revoked.lock().unwrap().len(), 1, "{odd}: not revoked");
        assert!(leases::held().is_empty(), "{odd}");
    }
}

#[test]
fn an_unusable_leases_failed_revocation_is_said_never_by_an_id_that_spells_a_value() {
    let _serial = serial();
    // A forty-first: its revocation refused was said nowhere. It is kept, and given by
    // the next `revoke_all` (what a command's end says).
    let address = threaded(|request| {
        if request.contains("database/creds/shop") {
            (
                200,
                r#"{"lease_id":"database/creds/shop/no-data","lease_duration":60,"data":null}"#
                    .to_owned(),
            )
        } else if request.contains("sys/leases/revoke") {
            (500, r#"{"errors":["internal error"]}"#.to_owned())
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    let vars = Variables::from_pairs(
        vars.iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .chain([("VAULT_MAX_RETRIES".into(), std::ffi::OsString::from("0"))]),
    );
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert!(report.get("postgres_user").unwrap().value.is_none());
    let said = leases::failed_revocations();
    assert!(
        said.iter()
            .any(|event| event.lease_id == "database/creds/shop/no-data" && event.error.is_some()),
        "{said:?}"
    );
    // A forty-second: an id that spells the password was recorded and said as it is. Not
    // shown: the failure names the path.
    let address = threaded(|request| {
        if request.contains("database/creds/shop") {
            (
                200,
                r#"{"lease_id":"database/creds/shop/Sup3rS3cretPassw0rd","lease_duration":"60","data":{"username":"u","password":"Sup3rS3cretPassw0rd"}}"#
                    .to_owned(),
            )
        } else if request.contains("sys/leases/revoke") {
            (500, r#"{"errors":["internal error"]}"#.to_owned())
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", address.as_str()),
        ("VAULT_TOKEN", "token"),
        ("VAULT_MAX_RETRIES", "0"),
    ]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert!(report.get("postgres_user").unwrap().value.is_none());
    let said = leases::revoke_all();
    let text = format!("{said:?}");
    assert!(!text.contains("Sup3rS3cret"), "{text}");
    assert!(
        said.iter().any(|event| event.error.as_deref().is_some_and(|error| {
            error.contains("could not revoke the lease issued at database/creds/shop, whose id is not shown")
        })),
        "{text}"
    );
}

#[test]
fn a_lease_ends_with_the_login_token_that_read_it_and_is_lost_when_no_login_can_be_had() {
    // A fortieth adversarial pass: an AppRole token of 6 s that could not be had again
    // (a spent secret id) took its 60 s lease with it; `run` kept the program on dead
    // credentials, and `get` promised 59 s. A lease ends with its token; when none can
    // be had again its credentials are lost, which `run` acts on.
    let _serial = serial();
    let logins = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&logins);
    let address = threaded(move |request| {
        if request.contains("auth/approle/login") {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                (
                    200,
                    r#"{"auth":{"client_token":"hvs.login-one","lease_duration":3,"renewable":false}}"#
                        .to_owned(),
                )
            } else {
                (500, r#"{"errors":["internal error"]}"#.to_owned())
            }
        } else if request.contains("database/creds/shop") {
            (
                200,
                r#"{"lease_id":"database/creds/shop/l1","lease_duration":60,"renewable":true,"data":{"username":"u1","password":"p1"}}"#
                    .to_owned(),
            )
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let text = Postgres::leased_manifest_on(5432, "shop", "auth = \"approle\"");
    std::fs::write(dir.path().join("secrets.toml"), &text).unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", address.as_str()),
        ("VAULT_ROLE_ID", "role-1"),
        ("VAULT_SECRET_ID", "secret-1"),
        ("VAULT_MAX_RETRIES", "0"),
    ]);
    assert_eq!(value(&resolve_now(&manifest, &vars), "postgres_user"), "u1");
    let held = leases::held();
    assert_eq!(held.len(), 1);
    assert!(
        held[0].ttl_left <= Duration::from_secs(3),
        "the lease is said to live {:?}, past its token's 3 s",
        held[0].ttl_left
    );
    wait_until("the lease is lost", Duration::from_secs(20), || {
        leases::lost().is_some()
    });
    let lost = leases::lost().unwrap().to_string();
    assert!(lost.contains("database/creds/shop"), "{lost}");
    // A login is kept only while it owns a lease: none is asked for once it is lost
    // (logins were asked for every half second for as long as the lease lived, 60 s).
    // Since 287bc27 the login keeper and the lease's re-issue, each backing off, run at
    // once, and each may ask: 8 were seen under load (6 before), so the bound is 10.
    let asked = logins.load(std::sync::atomic::Ordering::SeqCst);
    assert!(asked <= 10, "{asked} logins");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        logins.load(std::sync::atomic::Ordering::SeqCst),
        asked,
        "logins went on after the lease was lost"
    );
    leases::revoke_all();
}

#[test]
fn a_short_lease_is_re_issued_at_half_its_life_at_the_soonest() {
    // A forty-fourth adversarial pass: a lease of 2 s, not renewable, was due for
    // re-issue the moment it was issued (a third of it, at least 2 s, before its end):
    // 1,299 issues in 60 s, `run` restarting its program each time.
    let _serial = serial();
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&issued);
    let address = threaded(move |request| {
        if request.contains("database/creds/shop") {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/shop/s{n}","lease_duration":2,"renewable":false,"data":{{"username":"u{n}","password":"p{n}"}}}}"#
                ),
            )
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert!(report.get("postgres_user").unwrap().value.is_some());
    std::thread::sleep(Duration::from_secs(3));
    let count = issued.load(std::sync::atomic::Ordering::SeqCst);
    leases::revoke_all();
    // One, then one a second or so: four or five in 3 s, not hundreds.
    assert!(count <= 6, "{count} leases issued in 3 s");
}

#[test]
fn one_slow_renewal_holds_up_no_other_leases_re_issue() {
    // A fortieth adversarial pass (the known "keeper busy"): the keeper did its work one
    // request at a time, so one renewal Vault took 10 s to answer held every other
    // lease's re-issue, and a lease of 3 s ended with nothing done.
    let _serial = serial();
    let quick = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&quick);
    let address = threaded(move |request| {
        if request.contains("database/creds/slow") {
            (
                200,
                r#"{"lease_id":"database/creds/slow/lease-1","lease_duration":3,"renewable":true,"data":{"username":"renewed-user","password":"pw-renewed"}}"#.to_owned(),
            )
        } else if request.contains("database/creds/quick") {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/quick/lease-{n}","lease_duration":3,"renewable":false,"data":{{"username":"quick-{n}","password":"pw-quick"}}}}"#
                ),
            )
        } else if request.contains("sys/leases/renew") {
            std::thread::sleep(Duration::from_secs(10));
            (
                200,
                r#"{"lease_id":"database/creds/slow/lease-1","lease_duration":3,"renewable":true}"#
                    .to_owned(),
            )
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.toml"),
        r#"version = 1
[app]
name = "shop"

[sources.slow]
type = "vault_lease"
path = "database/creds/slow"
secrets = { slow_user = "username" }

[sources.quick]
type = "vault_lease"
path = "database/creds/quick"
secrets = { quick_user = "username" }

[environments.production]
sources = ["slow", "quick"]

[secrets.slow_user]
required = true

[secrets.quick_user]
required = true
"#,
    )
    .unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_ADDR".to_owned(), address),
        ("VAULT_TOKEN".to_owned(), "token".to_owned()),
    ]);
    let report = resolve_now(&manifest, &vars);
    assert_eq!(value(&report, "slow_user"), "renewed-user");
    assert_eq!(value(&report, "quick_user"), "quick-1");
    // The slow lease's renewal is asked for at 2 s and answered at 12 s; the quick
    // lease is re-issued every 1.5 s meanwhile (half its life), never ending.
    let quick_ones = || quick.load(std::sync::atomic::Ordering::SeqCst);
    wait_until(
        "the quick lease re-issued three times",
        Duration::from_secs(9),
        || quick_ones() >= 4,
    );
    assert!(leases::lost().is_none(), "{:?}", leases::lost());
    let held = leases::held();
    assert!(
        held.iter()
            .any(|lease| lease.path == "database/creds/quick" && lease.ttl_left > Duration::ZERO),
        "{held:?}"
    );
    let revoked = leases::revoke_all();
    assert!(
        revoked.iter().all(|event| event.error.is_none()),
        "{revoked:?}"
    );
}

/// Set in the process [`the_end_of_a_process_revokes_its_login_token_and_logs_in_no_more`]
/// starts.
const LOGGED_OUT_CHILD: &str = "SECRETARY_TEST_LOGGED_OUT_CHILD";

#[test]
fn the_end_of_a_process_revokes_its_login_token_and_logs_in_no_more() {
    // Logging out marks every connection of the process for good: in a process of its
    // own, so that no other test's login is refused.
    in_a_process_of_its_own("leases::ends::logged_out_process", LOGGED_OUT_CHILD);
}

/// A Vault whose AppRole logins give tokens of `seconds`, whose KV reads and leases answer, and
/// that records every request line. Gives its address and the lines.
fn logging_in(seconds: u64) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    logging_in_refusing(seconds, 0)
}

/// [`logging_in`], its first `refusals` revocations of a token answered 403.
fn logging_in_refusing(
    seconds: u64,
    refusals: usize,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let refused = std::sync::atomic::AtomicUsize::new(0);
    let address = threaded(move |request| {
        record.lock().unwrap().push(request.to_owned());
        if request.contains("auth/token/revoke-self")
            && refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < refusals
        {
            return (403, r#"{"errors":["permission denied"]}"#.to_owned());
        }
        if request.contains("auth/approle/login") {
            (
                200,
                format!(
                    r#"{{"auth":{{"client_token":"hvs.login","lease_duration":{seconds},"renewable":false}}}}"#
                ),
            )
        } else if request.contains("secret/data/production/missing") {
            (404, r#"{"errors":[]}"#.to_owned())
        } else if request.contains("secret/data/") {
            (
                200,
                r#"{"data":{"data":{"value":"kv-value"},"metadata":{"version":1}}}"#.to_owned(),
            )
        } else if request.contains("database/creds/") {
            (
                200,
                r#"{"lease_id":"database/creds/shop/l1","lease_duration":60,"renewable":true,"data":{"username":"u1","password":"p1"}}"#
                    .to_owned(),
            )
        } else {
            (204, String::new())
        }
    });
    (address, seen)
}

#[test]
#[ignore = "run in a process of its own by the_end_of_a_process_revokes_its_login_token_and_logs_in_no_more"]
fn logged_out_process() {
    // A forty-sixth adversarial pass: no login token was ever revoked. A forty-seventh:
    // a read made after the log-out logged in again, and that token was left alive; and
    // a token that had ended was said to work until its TTL.
    assert_eq!(std::env::var(LOGGED_OUT_CHILD).as_deref(), Ok("1"));
    let manifest_in = |dir: &std::path::Path| {
        std::fs::write(
            dir.join("secrets.toml"),
            "version = 1\n[sources.kv]\ntype = \"vault\"\nauth = \"approle\"\n\
             [environments.production]\nsources = [\"kv\"]\n[secrets.api_key]\n",
        )
        .unwrap();
        Manifest::discover(None, &Variables::default(), dir).unwrap()
    };
    // A token of 60 s: revoked, and no login is made after.
    let (live, seen_live) = logging_in(60);
    // A token of 1 s, ended by the time the process ends: nothing to revoke, nothing said.
    let (short, seen_short) = logging_in(1);
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest_in(dir.path());
    assert_eq!(
        value(&resolve_now(&manifest, &vars(&live)), "api_key"),
        "kv-value"
    );
    assert_eq!(
        value(&resolve_now(&manifest, &vars(&short)), "api_key"),
        "kv-value"
    );
    std::thread::sleep(Duration::from_millis(1500));
    let failed = leases::log_out_within(Duration::from_secs(5));
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(count(&seen_live, "auth/token/revoke-self"), 1);
    assert_eq!(count(&seen_short, "auth/token/revoke-self"), 0);
    let again = resolve_now(&manifest, &vars(&live));
    assert!(again.get("api_key").unwrap().value.is_none());
    // Said as the process ending, not as a login the ids failed (a fifty-seventh
    // adversarial pass: the fix said to check VAULT_ROLE_ID and VAULT_SECRET_ID).
    let problems = &again.get("api_key").unwrap().problems;
    let said: Vec<String> = problems
        .iter()
        .map(|problem| format!("{} {}", problem.kind, problem.fix))
        .collect();
    assert!(
        said.iter().any(|said| said.contains("logs in no more")
            && said.contains("nothing to fix")
            && !said.contains("VAULT_ROLE_ID")),
        "{said:?}"
    );
    assert_eq!(
        count(&seen_live, "auth/approle/login"),
        1,
        "logged in again"
    );
    let seen_leased = only_the_token_a_held_lease_needs_is_kept();
    every_connection_let_go_logs_out(&seen_leased);
}

#[test]
fn revocations_vault_is_slow_to_answer_are_at_most_four_at_once() {
    // A forty-seventh adversarial pass: each replaced lease's revocation held a thread
    // of its own for as long as Vault took, and a Vault slow to revoke while leases were
    // replaced every few seconds grew 300 threads in 40 s.
    let _serial = serial();
    let (now, most) = (
        std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    );
    let issued = std::sync::atomic::AtomicUsize::new(0);
    let (during, highest) = (std::sync::Arc::clone(&now), std::sync::Arc::clone(&most));
    let address = threaded(move |request| {
        use std::sync::atomic::Ordering::SeqCst;
        if request.contains("database/creds/shop") {
            let n = issued.fetch_add(1, SeqCst);
            (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/shop/l{n}","lease_duration":2,"renewable":false,"data":{{"username":"user-{n}","password":"pw-{n}"}}}}"#
                ),
            )
        } else if request.contains("sys/leases/revoke") {
            let at_once = during.fetch_add(1, SeqCst) + 1;
            highest.fetch_max(at_once, SeqCst);
            std::thread::sleep(Duration::from_secs(6));
            during.fetch_sub(1, SeqCst);
            (204, String::new())
        } else {
            (204, String::new())
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let text = Postgres::leased_manifest_on(5432, "shop", "reissue_grace = \"0s\"");
    std::fs::write(dir.path().join("secrets.toml"), &text).unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", address.as_str()),
        ("VAULT_TOKEN", "token"),
        ("VAULT_MAX_RETRIES", "0"),
    ]);
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "user-0"
    );
    // Re-issued every second, each old lease revoked at once and answered in 6 s.
    std::thread::sleep(Duration::from_secs(8));
    let highest = most.load(std::sync::atomic::Ordering::SeqCst);
    assert!((2..=4).contains(&highest), "{highest} revocations at once");
    // Every one answered (in 6 s, within revoke_all's 10 s): no failure left for others.
    let revoked = leases::revoke_all();
    assert!(
        revoked.iter().all(|event| event.error.is_none()),
        "{revoked:?}"
    );
}

/// The variables of an AppRole login to the Vault at `address`.
fn vars(address: &str) -> Variables {
    Variables::from_pairs([
        ("VAULT_ADDR", address),
        ("VAULT_ROLE_ID", "role-1"),
        ("VAULT_SECRET_ID", "secret-1"),
        ("VAULT_MAX_RETRIES", "0"),
    ])
}

/// How many of the request lines `seen` holds name `path`.
fn count(seen: &std::sync::Mutex<Vec<String>>, path: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(path))
        .count()
}

/// Part of [`logged_out_process`]: gives the requests of the Vault whose lease is held.
fn only_the_token_a_held_lease_needs_is_kept() -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    // A forty-eighth: a lease held over one connection kept every connection's token.
    // Only the token that read it is kept.
    let (kv, seen_kv) = logging_in(60);
    let (leased, seen_leased) = logging_in(60);
    let both = tempfile::tempdir().unwrap();
    std::fs::write(
        both.path().join("secrets.toml"),
        format!(
            "version = 1\n[app]\nname = \"shop\"\n\
             [sources.kv]\ntype = \"vault\"\nauth = \"approle\"\naddress = \"{kv}\"\n\
             [sources.db]\ntype = \"vault_lease\"\nauth = \"approle\"\naddress = \"{leased}\"\n\
             path = \"database/creds/shop\"\nsecrets = {{ user = \"username\" }}\n\
             [environments.production]\nsources = [\"db\", \"kv\"]\n[secrets.api_key]\n[secrets.user]\n"
        ),
    )
    .unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), both.path()).unwrap();
    let report = resolve_now(&manifest, &vars(&kv));
    assert_eq!(value(&report, "api_key"), "kv-value");
    assert_eq!(value(&report, "user"), "u1");
    let failed = leases::log_out_within(Duration::from_secs(5));
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        count(&seen_kv, "auth/token/revoke-self"),
        1,
        "the KV token was kept"
    );
    assert_eq!(
        count(&seen_leased, "auth/token/revoke-self"),
        0,
        "the lease's token"
    );
    seen_leased
}

/// Part of [`logged_out_process`]: `seen_leased` the requests of the Vault whose lease
/// is held, over a connection let go here.
fn every_connection_let_go_logs_out(seen_leased: &std::sync::Mutex<Vec<String>>) {
    // A forty-ninth: past the 16 connections kept, the oldest went with its token
    // alive. 256 are kept now (a manifest's most sources), and one let go logs out.
    // The first two log-outs (of connections let go) are refused: the end tries them
    // again (a fifty-first adversarial pass saw such a failure swallowed, and the end
    // not wait for a log-out under way).
    let (many, seen_many) = logging_in_refusing(60, 2);
    let wide = |sources: std::ops::Range<usize>| {
        use std::fmt::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("version = 1\n");
        for n in sources.clone() {
            let _ = write!(
                text,
                "[sources.v{n}]\ntype = \"vault\"\nauth = \"approle\"\naddress = \"{many}\"\nmax_concurrency = {}\n",
                n + 1
            );
        }
        let chain: Vec<String> = sources.map(|n| format!("\"v{n}\"")).collect();
        let _ = write!(
            text,
            "[environments.production]\nsources = [{}]\n[secrets.missing]\n",
            chain.join(", ")
        );
        std::fs::write(dir.path().join("secrets.toml"), text).unwrap();
        let manifest = Manifest::discover(None, &Variables::default(), dir.path()).unwrap();
        let _ = resolve_now(&manifest, &vars(&many));
    };
    wide(0..256);
    wide(256..258);
    assert_eq!(count(&seen_many, "auth/approle/login"), 258);
    // The two let go log out on threads of their own, refused: once they were (else
    // the end's log-out could meet the refusals first, under load).
    wait_until(
        "the let-go log-outs refused",
        Duration::from_secs(10),
        || count(&seen_many, "auth/token/revoke-self") >= 2,
    );
    let failed = leases::log_out_within(Duration::from_secs(5));
    assert!(failed.is_empty(), "{failed:?}");
    wait_until("every login revoked", Duration::from_secs(10), || {
        count(&seen_many, "auth/token/revoke-self") == 258 + 2
    });
    // A fiftieth: the connection a held lease was read over, let go, logged out on its
    // thread (its count taken after the caller's copy went), and took the lease with it.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        count(seen_leased, "auth/token/revoke-self"),
        0,
        "the held lease's token was revoked"
    );
}
