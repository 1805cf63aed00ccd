//! Leases against a scripted Vault: the races and faults a real server cannot be made
//! to show on demand (a re-issue or a renewal answered late, managers sharing a lease).

use super::*;
use secretary_test_support::scripted;

/// The leased manifest of `shop`, written to `dir` and discovered there, and the
/// variables that point it at the scripted Vault at `address`.
pub(super) fn shop(dir: &std::path::Path, address: &str) -> (Manifest, Variables) {
    let text = Postgres::leased_manifest_on(5432, "shop", "");
    std::fs::write(dir.join("secrets.toml"), &text).unwrap();
    let manifest = Manifest::discover(None, &Variables::default(), dir).unwrap();
    (manifest, pointed(address, "token"))
}

/// A lease's answer from a scripted server: `user`'s, not renewable, for `seconds`, sent
/// after `delay`.
fn lease_answer(user: &str, seconds: u64, delay: Duration) -> scripted::Answer {
    scripted::Answer {
        body: format!(
            r#"{{"lease_id":"database/creds/shop/lease-{id}","lease_duration":{seconds},"renewable":false,"data":{{"username":"{user}","password":"pw-{user}"}}}}"#,
            id = user.len()
        ),
        delay,
        ..scripted::answer(200)
    }
}

/// A scripted Vault whose lease `first` (not renewable, 3 s) is re-issued a second after
/// it is read, the re-issue (`second`) answered 1.5 s later, and whose revocations are
/// answered `revocation` (a status): read, and waited for until the re-issue is asked
/// for. Gives the server and the manifest's directory.
fn reissuing(revocation: u16) -> (scripted::Scripted, tempfile::TempDir) {
    let server = scripted::serve(vec![
        lease_answer("first", 3, Duration::ZERO),
        lease_answer("second", 3, Duration::from_millis(1500)),
        scripted::answer(revocation),
        scripted::answer(revocation),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &server.address);
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "first"
    );
    wait_until("the re-issue is asked for", Duration::from_secs(10), || {
        server
            .seen()
            .iter()
            .filter(|s| s.path.contains("database/creds/shop"))
            .count()
            == 2
    });
    (server, dir)
}

#[test]
fn a_lease_reissued_while_every_lease_is_revoked_is_revoked_too() {
    // The process stops (SIGTERM, `close`) while the keeper re-issues a lease: Vault
    // issues the new one whether or not anyone holds it. It must be revoked before
    // `revoke_all` returns, not left to the end of its TTL.
    let _serial = serial();
    let (server, _dir) = reissuing(204);
    let revoked = leases::revoke_all();
    let bodies: Vec<String> = server
        .seen()
        .iter()
        .filter(|s| s.path.ends_with("sys/leases/revoke"))
        .map(|s| s.body.clone())
        .collect();
    for user in ["first", "second"] {
        // (Told apart by their lengths: a lease id holding its username is refused.)
        assert!(
            bodies
                .iter()
                .any(|b| b.contains(&format!("shop/lease-{}", user.len()))),
            "{user}'s lease not revoked when revoke_all returned: {bodies:?}"
        );
    }
    assert!(
        revoked.iter().all(|event| event.error.is_none()),
        "{revoked:?}"
    );
    assert!(leases::held().is_empty());
}

/// A Vault that answers each connection on a thread of its own: a lease (renewable,
/// 3 s) on `database/creds/`, a renewal only after `renewal` (then sets `renewed`), a
/// revocation at once. Gives its address.
fn slow_renewals(
    renewal: Duration,
    renewed: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    slow_vault(renewal, Duration::ZERO, renewed)
}

/// The issue of a lease, answered after 300 ms.
static SLOW_ISSUE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`slow_renewals`], a revocation answered only after `revocation`.
fn slow_vault(
    renewal: Duration,
    revocation: Duration,
    renewed: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> String {
    threaded(move |request| {
        if request.contains("database/creds/") {
            if SLOW_ISSUE.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(300));
            }
            (
                200,
                r#"{"lease_id":"database/creds/shop/lease-1","lease_duration":3,"renewable":true,"data":{"username":"user-1","password":"pw-1"}}"#.to_owned(),
            )
        } else if request.contains("sys/leases/renew") {
            std::thread::sleep(renewal);
            renewed.store(true, std::sync::atomic::Ordering::SeqCst);
            (
                200,
                r#"{"lease_id":"database/creds/shop/lease-1","lease_duration":3,"renewable":true}"#
                    .to_owned(),
            )
        } else {
            std::thread::sleep(revocation);
            (204, String::new())
        }
    })
}

/// A Vault that answers each connection on a thread of its own with what `answer` gives
/// for its request line (method and path): a status and a body. Gives its address.
/// A token's look-up is answered as Vault answers a token without a use limit.
pub(super) fn threaded(answer: impl Fn(&str) -> (u16, String) + Send + Sync + 'static) -> String {
    with_headers(move |request, _| {
        if request.contains("auth/token/lookup-self") {
            return (200, r#"{"data":{"num_uses":0}}"#.to_owned());
        }
        answer(request)
    })
}

/// [`threaded`], `answer` given the request's headers too (lines, lower case), and
/// every request (a token's look-up too).
pub(super) fn with_headers(
    answer: impl Fn(&str, &str) -> (u16, String) + Send + Sync + 'static,
) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let answer = std::sync::Arc::clone(&answer);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut length = 0;
                let mut headers = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    headers.push_str(&line.to_ascii_lowercase());
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let (status, body) = answer(&first, &headers);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    address
}

/// A Vault whose n-th lease (from 1) on `database/creds/shop` is `user-n`'s (renewable,
/// 60 s), answered after `delay` with `status` (an error unless 200); a lease on another
/// path is `other-n`'s; anything else is answered 204. Gives its address and how many
/// of shop's leases were asked for.
fn numbered(
    status: u16,
    delay: Duration,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let shop = std::sync::Arc::new(AtomicUsize::new(0));
    let others = AtomicUsize::new(0);
    let counted = std::sync::Arc::clone(&shop);
    let address = threaded(move |request| {
        if request.contains("database/creds/shop") {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            std::thread::sleep(delay);
            if status != 200 {
                return (status, r#"{"errors":["permission denied"]}"#.to_owned());
            }
            (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/shop/lease-{n}","lease_duration":60,"renewable":true,"data":{{"username":"user-{n}","password":"pw-{n}"}}}}"#
                ),
            )
        } else if request.contains("database/creds/") {
            let n = others.fetch_add(1, Ordering::SeqCst) + 1;
            (
                200,
                format!(
                    r#"{{"lease_id":"database/creds/other/lease-{n}","lease_duration":60,"renewable":true,"data":{{"username":"other-{n}","password":"pw-other-{n}"}}}}"#
                ),
            )
        } else {
            (204, String::new())
        }
    });
    (address, shop)
}

/// The variables that point a manifest at the scripted Vault at `address`, with `token`.
fn pointed(address: &str, token: &str) -> Variables {
    Variables::from_pairs([
        ("VAULT_ADDR".to_owned(), address.to_owned()),
        ("VAULT_TOKEN".to_owned(), token.to_owned()),
    ])
}

#[test]
fn revoking_every_lease_does_not_wait_for_a_slow_renewal() {
    // A thirty-third adversarial pass: a renewal Vault was slow to answer held `run`'s
    // exit 10 s, twice, though a renewal leaves no lease to revoke.
    let _serial = serial();
    let renewed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let address = slow_renewals(Duration::from_secs(6), std::sync::Arc::clone(&renewed));
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "user-1"
    );
    // Renewed at two thirds of its 3 s: wait until the renewal is asked for.
    wait_until("the lease is renewing", Duration::from_secs(10), || {
        leases::held()
            .first()
            .is_some_and(|lease| lease.ttl_left < Duration::from_millis(900))
    });
    std::thread::sleep(Duration::from_millis(300));
    let revoked = leases::revoke_all();
    assert!(
        !renewed.load(std::sync::atomic::Ordering::SeqCst),
        "revoke_all waited for the renewal's answer"
    );
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert!(revoked[0].error.is_none(), "{revoked:?}");
    // Again, as `close` then an interpreter's exit do: no wait either.
    assert!(leases::revoke_all().is_empty());
    assert!(!renewed.load(std::sync::atomic::Ordering::SeqCst));
    // The keeper is free again before the next test (one slow request holds it).
    wait_until("the renewal is answered", Duration::from_secs(10), || {
        renewed.load(std::sync::atomic::Ordering::SeqCst)
    });
}

#[test]
fn one_managers_close_drops_what_another_holds_of_the_revoked_leases_and_both_logs_hear() {
    // A thirty-fourth adversarial pass: after `a.close()` revoked the process's lease,
    // manager `b` served its revoked credentials from its cache; and lease events went to
    // the audit log of the manager made last, or to none once it was dropped.
    let _serial = serial();
    let renewed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let address = slow_renewals(Duration::ZERO, renewed);
    let dir = tempfile::tempdir().unwrap();
    let (_, vars) = shop(dir.path(), &address);
    let manager = |log: Option<&str>| {
        let builder = secretary::SecretManager::from_manifest(
            Manifest::discover(None, &Variables::default(), dir.path()).unwrap(),
        )
        .environment("production")
        .variables(vars.clone());
        match log {
            Some(log) => builder.audit(secretary::audit::Target::File(dir.path().join(log))),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let a = manager(Some("a.log"));
    // (No log: an audited manager reads past its cache, to record every `get`.)
    let b = manager(None);
    let c = manager(Some("c.log"));
    let dropped = manager(Some("dropped.log"));
    drop(dropped);
    assert_eq!(
        b.blocking().get("postgres_user").unwrap().expose(),
        "user-1"
    );
    assert_eq!(
        a.blocking().get("postgres_user").unwrap().expose(),
        "user-1"
    );
    assert!(matches!(b.get_cached("postgres_user"), Some(Some(_))));
    a.close();
    assert!(
        !matches!(b.get_cached("postgres_user"), Some(Some(_))),
        "b still serves the credentials a's close revoked"
    );
    for log in ["a.log", "c.log"] {
        let text = std::fs::read_to_string(dir.path().join(log)).unwrap();
        assert!(
            text.contains("\"event\":\"lease_revoked\""),
            "{log}: {text}"
        );
    }
    drop(c);
    leases::revoke_all();
}

#[test]
fn revoking_every_lease_gives_vault_ten_seconds_in_all() {
    // A thirty-fourth adversarial pass: a Vault that did not answer revocations held
    // `run`'s end three retries of the client's timeout for each lease (3 minutes with
    // the defaults), signals ignored.
    let _serial = serial();
    let renewed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let address = slow_vault(Duration::ZERO, Duration::from_secs(40), renewed);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "user-1"
    );
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(leases::revoke_all());
    });
    // Bounded here too, so that a regression fails rather than hangs: well past the
    // 10 s, well before Vault's 40 s.
    let revoked = finished
        .recv_timeout(Duration::from_secs(25))
        .expect("revoke_all waited for a Vault that does not answer");
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    let error = revoked[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("did not answer in the time a revocation is given"),
        "{error}"
    );
}

#[test]
fn two_reads_of_one_lease_at_once_take_one_lease() {
    // A thirty-fifth adversarial pass: two threads reading a lease's user and password
    // at once took a lease each, and were served the user of one with the password of
    // the other (and the first lease, replaced, revoked under them).
    let _serial = serial();
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&issued);
    let _observing = leases::observe(move |event| {
        if event.kind == leases::LeaseEventKind::Issued {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    SLOW_ISSUE.store(true, std::sync::atomic::Ordering::SeqCst);
    let renewed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let address = slow_vault(Duration::ZERO, Duration::ZERO, renewed);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        for key in ["postgres_user", "postgres_password"] {
            let (manifest, vars, barrier) = (&manifest, &vars, &barrier);
            scope.spawn(move || {
                barrier.wait();
                let environment = manifest
                    .select_environment(Some("production"), vars)
                    .unwrap();
                let report = resolve(manifest, environment, vars, Scope::Keys(&[key])).unwrap();
                assert!(report.get(key).unwrap().value.is_some(), "{key}");
            });
        }
    });
    SLOW_ISSUE.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        issued.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one lease for both reads"
    );
    leases::revoke_all();
}

#[test]
fn a_connection_made_again_with_the_same_settings_keeps_the_lease() {
    // A thirty-sixth adversarial pass: a connection no longer kept (seventeen others made
    // since), made again with the same settings, took a second lease for the path and
    // replaced the first under whoever was served it.
    let _serial = serial();
    let (address, issued) = numbered(200, Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "user-1"
    );
    for n in 0..17 {
        let other = tempfile::tempdir().unwrap();
        let text = Postgres::leased_manifest_on(5432, &format!("other{n}"), "");
        std::fs::write(other.path().join("secrets.toml"), text).unwrap();
        let others = Manifest::discover(None, &Variables::default(), other.path()).unwrap();
        let report = resolve_now(&others, &pointed(&address, &format!("token-{n}")));
        assert!(value(&report, "postgres_user").starts_with("other-"));
    }
    assert_eq!(
        value(&resolve_now(&manifest, &vars), "postgres_user"),
        "user-1",
        "the lease the same settings took is served"
    );
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 1);
    leases::revoke_all();
}

/// A Vault whose n-th lease (from 1) on `database/creds/shop` is `NS-TOKEN-n`'s (its
/// namespace, `root` without one, and its token), answered after `delay`; a token
/// beginning `denied` is refused (403). Gives its address and how many leases were
/// asked for.
fn tenants(delay: Duration) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let (address, asked, _) = tenants_for(delay, 60, Vec::new());
    (address, asked)
}

/// [`tenants`], its leases lasting `seconds` (renewable only when over 10), and refusing
/// the tokens the returned list holds too (it may be added to).
fn tenants_for(
    delay: Duration,
    seconds: u64,
    refused: Vec<String>,
) -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&asked);
    let refused = std::sync::Arc::new(std::sync::Mutex::new(refused));
    let refusing = std::sync::Arc::clone(&refused);
    let address = with_headers(move |request, headers| {
        let header = |name: &str| {
            headers
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim().to_owned())
        };
        if request.contains("auth/token/lookup-self") {
            return (200, r#"{"data":{"num_uses":0}}"#.to_owned());
        }
        if !request.contains("database/creds/shop") {
            return (204, String::new());
        }
        let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
        std::thread::sleep(delay);
        let token = header("x-vault-token:").unwrap_or_default();
        if token.starts_with("denied") || refusing.lock().unwrap().contains(&token) {
            return (403, r#"{"errors":["permission denied"]}"#.to_owned());
        }
        let namespace = header("x-vault-namespace:").unwrap_or_else(|| "root".to_owned());
        let user = format!("{namespace}-{token}-{n}");
        let renewable = seconds > 10;
        (
            200,
            format!(
                r#"{{"lease_id":"database/creds/shop/lease-{n}","lease_duration":{seconds},"renewable":{renewable},"data":{{"username":"{user}","password":"pw-{n}"}}}}"#
            ),
        )
    });
    (address, asked, refused)
}

/// A manager of the leased manifest in `dir`, in production, with `vars`.
fn manager_of(dir: &std::path::Path, vars: Variables) -> secretary::SecretManager {
    secretary::SecretManager::from_manifest(
        Manifest::discover(None, &Variables::default(), dir).unwrap(),
    )
    .environment("production")
    .variables(vars)
    .build()
    .unwrap()
}

/// [`pointed`], in the namespace `namespace`.
fn in_namespace(address: &str, token: &str, namespace: &str) -> Variables {
    Variables::from_pairs([
        ("VAULT_ADDR".to_owned(), address.to_owned()),
        ("VAULT_TOKEN".to_owned(), token.to_owned()),
        ("VAULT_NAMESPACE".to_owned(), namespace.to_owned()),
    ])
}

#[test]
fn a_token_renewed_by_hand_takes_over_the_lease_and_a_reader_of_the_old_takes_its_own_once() {
    // A thirty-sixth adversarial pass: a token renewed by hand took its own lease and
    // replaced the one a manager had served, which went on serving it until it was
    // revoked. The thirty-seventh: served the newer token's lease instead, a reader
    // whose token Vault refuses read what it may not, and connections made again kept
    // issuing leases without end. Now the manager reads again, with its own token, and
    // takes a lease of its own, once.
    let _serial = serial();
    let (address, issued) = tenants(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    let older = manager_of(dir.path(), pointed(&address, "first"));
    let blocking = older.blocking();
    assert_eq!(
        blocking.get("postgres_user").unwrap().expose(),
        "root-first-1"
    );
    assert_eq!(
        value(
            &resolve_now(&manifest, &pointed(&address, "second")),
            "postgres_user"
        ),
        "root-second-2"
    );
    wait_until(
        "the manager reads again, with its own token",
        Duration::from_secs(10),
        || blocking.get("postgres_user").unwrap().expose() == "root-first-3",
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        blocking.get("postgres_user").unwrap().expose(),
        "root-first-3"
    );
    assert_eq!(
        blocking.get("postgres_password").unwrap().expose(),
        "pw-3",
        "the user and password of one lease"
    );
    assert_eq!(
        value(
            &resolve_now(&manifest, &pointed(&address, "second")),
            "postgres_user"
        ),
        "root-second-2",
        "each keeps its own"
    );
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 3);
    older.close();
    leases::revoke_all();
}

#[test]
fn a_lease_is_served_only_to_readers_with_the_settings_that_took_it() {
    // A thirty-seventh adversarial pass: a manager in namespace team-a was served
    // team-b's credentials (one source name and address), and a reader whose token
    // Vault refuses was served another token's lease without Vault being asked.
    let _serial = serial();
    let (address, issued) = tenants(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    let team_a = manager_of(dir.path(), in_namespace(&address, "t", "team-a"));
    assert_eq!(
        team_a.blocking().get("postgres_user").unwrap().expose(),
        "team-a-t-1"
    );
    let team_b = resolve_now(&manifest, &in_namespace(&address, "t", "team-b"));
    assert_eq!(value(&team_b, "postgres_user"), "team-b-t-2");
    std::thread::sleep(Duration::from_millis(500));
    team_a.clear_cache();
    assert_eq!(
        team_a.blocking().get("postgres_user").unwrap().expose(),
        "team-a-t-1",
        "team-a keeps its own lease"
    );
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 2);

    let denied = resolve_now(&manifest, &pointed(&address, "denied-token"));
    assert!(denied.get("postgres_user").unwrap().value.is_none());
    let good = resolve_now(&manifest, &pointed(&address, "good"));
    assert_eq!(value(&good, "postgres_user"), "root-good-4");
    let again = resolve_now(&manifest, &pointed(&address, "denied-token"));
    assert!(
        again.get("postgres_user").unwrap().value.is_none(),
        "a refused token is served another's lease"
    );
    assert_eq!(
        issued.load(std::sync::atomic::Ordering::SeqCst),
        5,
        "Vault is asked for the refused token each time"
    );
    team_a.close();
    leases::revoke_all();
}

#[test]
fn a_reader_with_other_credentials_neither_waits_for_nor_shares_anothers_failure() {
    // A thirty-seventh adversarial pass: a reader arriving while another token's issue
    // was in flight waited for it, and was given its 403 with advice blaming its own
    // token.
    let _serial = serial();
    let (address, _) = tenants(Duration::from_millis(800));
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    std::thread::scope(|scope| {
        let denied = scope.spawn(|| resolve_now(&manifest, &pointed(&address, "denied-x")));
        std::thread::sleep(Duration::from_millis(200));
        let good = resolve_now(&manifest, &pointed(&address, "good"));
        assert!(
            value(&good, "postgres_user").starts_with("root-good-"),
            "the good token's read failed"
        );
        let denied = denied.join().unwrap();
        assert!(denied.get("postgres_user").unwrap().value.is_none());
    });
    leases::revoke_all();
}

#[test]
fn a_failed_issue_fails_every_read_waiting_for_it_with_one_request() {
    // A thirty-sixth adversarial pass: readers waiting for a lease being issued asked
    // again, one after another, when the issue failed: each waited out the client's
    // deadline in turn.
    let _serial = serial();
    let (address, issued) = numbered(403, Duration::from_millis(500));
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|scope| {
        for key in [
            "postgres_user",
            "postgres_password",
            "postgres_user",
            "database_url",
        ] {
            let (manifest, vars, barrier) = (&manifest, &vars, &barrier);
            scope.spawn(move || {
                barrier.wait();
                let environment = manifest
                    .select_environment(Some("production"), vars)
                    .unwrap();
                let report = resolve(manifest, environment, vars, Scope::Keys(&[key])).unwrap();
                let got = report.get(key).unwrap();
                assert!(got.value.is_none(), "{key}");
                assert!(
                    format!("{:?}", got.problems).contains("Lease(Vault(Denied"),
                    "{key}: {:?}",
                    got.problems
                );
            });
        }
    });
    assert_eq!(
        issued.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one request for every reader"
    );
    assert!(leases::held().is_empty());
}

/// Set in the process [`no_lease_is_issued_once_the_process_is_ending`] starts.
const ENDING_CHILD: &str = "SECRETARY_TEST_ENDING_CHILD";

#[test]
fn no_lease_is_issued_once_the_process_is_ending() {
    // A thirty-sixth adversarial pass: once a stop on a signal had begun revoking, a read
    // could still issue a lease, which the ending process might never revoke. The stop
    // marks the whole process for good, so this runs in a process of its own.
    in_a_process_of_its_own("leases::scripted::ending_process", ENDING_CHILD);
}

#[test]
#[ignore = "run in a process of its own by no_lease_is_issued_once_the_process_is_ending"]
fn ending_process() {
    assert_eq!(
        std::env::var(ENDING_CHILD).as_deref(),
        Ok("1"),
        "run by no_lease_is_issued_once_the_process_is_ending"
    );
    let (address, issued) = numbered(200, Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let (manifest, vars) = shop(dir.path(), &address);
    let events = secretary::source::shutdown(Duration::from_secs(2)).unwrap();
    assert!(events.is_empty(), "{events:?}");
    let report = resolve_now(&manifest, &vars);
    let user = report.get("postgres_user").unwrap();
    assert!(user.value.is_none());
    assert!(
        format!("{:?}", user.problems).contains("Lease(Ending"),
        "{:?}",
        user.problems
    );
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn a_lease_of_credentials_no_longer_used_ending_is_not_a_loss() {
    // A thirty-eighth adversarial pass: after a token renewed by hand and back, the
    // lease the other token kept (no reader used it) ended when Vault refused that token,
    // and `run` stopped a healthy program for it.
    let _serial = serial();
    let (address, _, refused) = tenants_for(Duration::ZERO, 3, Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    let first = resolve_now(&manifest, &pointed(&address, "first"));
    assert_eq!(value(&first, "postgres_user"), "root-first-1");
    let second = resolve_now(&manifest, &pointed(&address, "second"));
    assert_eq!(value(&second, "postgres_user"), "root-second-2");
    // The first token's reader comes back: its own lease again.
    let back = resolve_now(&manifest, &pointed(&address, "first"));
    assert_eq!(value(&back, "postgres_user"), "root-first-3");
    // The second token is refused from now on: its lease ends, and cannot be had again.
    refused.lock().unwrap().push("second".to_owned());
    std::thread::sleep(Duration::from_secs(5));
    assert!(leases::lost().is_none(), "{:?}", leases::lost());
    assert!(
        leases::held()
            .iter()
            .all(|lease| lease.id != "database/creds/shop/lease-2"),
        "{:?}",
        leases::held()
    );
    leases::revoke_all();
}

#[test]
fn every_revocation_that_failed_on_any_thread_is_given_by_revoke_all() {
    // A thirty-eighth adversarial pass: a re-issue's new lease, revoked by the keeper
    // because revoke_all took the entry meanwhile, was refused, and nobody said so:
    // revoke_all gave only its own failures.
    let _serial = serial();
    let (_server, _dir) = reissuing(403);
    let revoked = leases::revoke_all();
    let failed: Vec<&str> = revoked
        .iter()
        .filter(|event| event.error.is_some())
        .map(|event| event.lease_id.as_str())
        .collect();
    for user in ["first", "second"] {
        let id = format!("database/creds/shop/lease-{}", user.len());
        assert!(failed.contains(&id.as_str()), "{user}: {revoked:?}");
    }
    assert!(
        leases::revoke_all()
            .iter()
            .all(|event| event.error.is_none()),
        "each failure is given once"
    );
}

#[test]
fn the_loss_of_the_lease_readers_use_is_a_loss_whatever_else_is_kept() {
    // A thirty-ninth adversarial pass: after a token changed by hand and back, the
    // lease the readers used again ended when Vault refused that token, and the other
    // token's lease, kept alive for no reader, hid the loss: `run` went on with dead
    // credentials.
    let _serial = serial();
    let (address, _, refused) = tenants_for(Duration::ZERO, 3, Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let (manifest, _) = shop(dir.path(), &address);
    for (token, user) in [
        ("first", "root-first-1"),
        ("second", "root-second-2"),
        ("first", "root-first-3"),
    ] {
        let report = resolve_now(&manifest, &pointed(&address, token));
        assert_eq!(value(&report, "postgres_user"), user);
    }
    refused.lock().unwrap().push("first".to_owned());
    wait_until("the lease in use is lost", Duration::from_secs(10), || {
        leases::lost().is_some()
    });
    leases::revoke_all();
}
