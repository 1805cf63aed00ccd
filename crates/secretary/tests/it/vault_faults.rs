//! Faults a real server cannot produce on demand, against a scripted HTTP server on
//! loopback: the retry table, `Retry-After`, redirects, time-outs and the headers sent.
//! Plus AppRole token renewal against a real OpenBao.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use crate::scripted;

use scripted::{Answer, Scripted, Shape, answer, serve, shaped, with_header};
use secretary_test_support::OpenBao;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secretary::manifest::{SourceConfig, VaultConfig};
use secretary::source::{Context, Lookup, Source, VaultSource};
use secretary::{Manifest, Report, Variables};
use secretary::{Scope, resolve};

fn manifest(address: &str) -> Manifest {
    manifest_with(address, "")
}

/// The manifest of [`manifest`], its vault source given `settings` too (TOML lines).
fn manifest_with(address: &str, settings: &str) -> Manifest {
    let text = format!(
        "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{address}\"\n{settings}[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n"
    );
    Manifest::parse(&text, Path::new("secrets.toml")).unwrap()
}

fn check(server: &Scripted, extra: &[(&str, &str)]) -> Report {
    check_as(server, "s.scripted-token", extra)
}

fn check_as(server: &Scripted, token: &str, extra: &[(&str, &str)]) -> Report {
    let manifest = manifest(&server.address);
    // The address is the manifest's: the user agrees to it, as they must.
    let mut vars = vec![
        ("VAULT_TOKEN", token),
        ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
    ];
    vars.extend_from_slice(extra);
    let vars = Variables::from_pairs(vars);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    resolve(&manifest, environment, &vars, Scope::All).unwrap()
}

/// A KV v2 answer whose field `value` is `raw` (JSON as it is written), with `metadata`
/// (the JSON object's members, such as `"version":1`).
fn kv_answer(raw: &str, metadata: &str) -> Answer {
    Answer {
        body: format!(r#"{{"data":{{"data":{{"value":{raw}}},"metadata":{{{metadata}}}}}}}"#),
        ..answer(200)
    }
}

fn outcome(report: &Report) -> Result<String, String> {
    let resolution = report.get("api_key").unwrap();
    match (&resolution.value, resolution.problems.first()) {
        (Some(value), None) => Ok(value.expose().to_owned()),
        (_, Some(problem)) => Err(problem.kind.to_string()),
        (None, None) => Err("absent".to_owned()),
    }
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let server = serve(vec![answer(500), answer(502), answer(200)]);
    assert_eq!(outcome(&check(&server, &[])), Ok("the-value".to_owned()));
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn retries_stop_at_vault_max_retries() {
    let server = serve(vec![answer(500), answer(500), answer(500), answer(200)]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("Vault answered 500 after 3 attempts"),
        "{error}"
    );
    assert_eq!(server.seen().len(), 3, "default VAULT_MAX_RETRIES is 2");

    let server = serve(vec![answer(503), answer(200)]);
    let error = outcome(&check(&server, &[("VAULT_MAX_RETRIES", "0")])).unwrap_err();
    assert!(error.contains("503 after 1 attempts"), "{error}");
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn retry_after_is_honoured_on_429() {
    let server = serve(vec![
        with_header(answer(429), "Retry-After", "1"),
        answer(200),
    ]);
    let start = Instant::now();
    assert_eq!(outcome(&check(&server, &[])), Ok("the-value".to_owned()));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );
}

#[test]
fn precondition_failed_from_a_lagging_standby_is_retried() {
    let server = serve(vec![answer(412), answer(200)]);
    assert_eq!(outcome(&check(&server, &[])), Ok("the-value".to_owned()));
}

#[test]
fn client_errors_and_501_are_not_retried() {
    for (status, expected) in [
        (
            400,
            "unexpected answer from Vault for secret/data/production/api_key: HTTP 400",
        ),
        (403, "Vault refused access (403 permission denied)"),
        (501, "HTTP 501"),
    ] {
        let server = serve(vec![answer(status), answer(200)]);
        let error = outcome(&check(&server, &[])).unwrap_err();
        assert!(error.contains(expected), "{status}: {error}");
        assert_eq!(server.seen().len(), 1, "{status} is not retried");
    }
}

#[test]
fn a_sealed_server_is_named_as_such() {
    let sealed = Answer {
        body: r#"{"errors":["Vault is sealed"]}"#.to_owned(),
        ..answer(503)
    };
    let server = serve(vec![sealed.clone(), sealed.clone(), sealed]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("is sealed (503)"), "{error}");
}

#[test]
fn every_request_carries_the_vault_headers() {
    let server = serve(vec![answer(200)]);
    outcome(&check(&server, &[("VAULT_NAMESPACE", "team-a")])).unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.path, "/v1/secret/data/production/api_key");
    assert_eq!(seen.header("X-Vault-Request"), Some("true"));
    assert_eq!(seen.header("X-Vault-Token"), Some("s.scripted-token"));
    assert_eq!(seen.header("X-Vault-Namespace"), Some("team-a"));
}

#[test]
fn one_redirect_to_the_same_host_is_followed() {
    let server = serve(vec![
        with_header(
            answer(307),
            "Location",
            "/v1/secret/data/production/api_key?from=standby",
        ),
        answer(200),
    ]);
    assert_eq!(outcome(&check(&server, &[])), Ok("the-value".to_owned()));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].path,
        "/v1/secret/data/production/api_key?from=standby"
    );
    assert_eq!(seen[1].header("X-Vault-Token"), Some("s.scripted-token"));
}

#[test]
fn a_second_redirect_is_not_followed() {
    let server = serve(vec![
        with_header(answer(307), "Location", "/v1/a"),
        with_header(answer(307), "Location", "/v1/b"),
        answer(200),
    ]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("a second redirect in a row"), "{error}");
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_redirect_to_another_host_is_refused_and_the_token_never_sent_there() {
    let elsewhere = serve(vec![answer(200)]);
    let server = serve(vec![with_header(
        answer(307),
        "Location",
        &format!("{}/v1/secret/data/production/api_key", elsewhere.address),
    )]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("to another host"), "{error}");
    assert!(
        elsewhere.seen().is_empty(),
        "the other host must receive nothing"
    );
}

#[test]
fn a_slow_server_times_out_at_vault_client_timeout() {
    let slow = Answer {
        delay: Duration::from_secs(4),
        ..answer(200)
    };
    let server = serve(vec![slow]);
    let start = Instant::now();
    let error = outcome(&check(
        &server,
        &[("VAULT_CLIENT_TIMEOUT", "1s"), ("VAULT_MAX_RETRIES", "0")],
    ))
    .unwrap_err();
    assert!(error.contains("did not answer within 1s"), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_404_that_is_not_vaults_is_a_failure_not_an_absence() {
    // A mistyped VAULT_ADDR that reaches some other web server: its 404 page says nothing
    // about the secret, so the source fails (closed) instead of falling through.
    let page = Answer {
        body: "<html><body>404 Not Found</body></html>".to_owned(),
        ..shaped(404, Shape::Html)
    };
    let server = serve(vec![page]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("answered 404, but not as Vault does"),
        "{error}"
    );
    // Nor does another JSON API's 404 (`{"errors":[...]}` with something in it).
    let json_api = Answer {
        body: r#"{"errors":[{"status":"404","title":"Not Found"}]}"#.to_owned(),
        ..answer(404)
    };
    let server = serve(vec![json_api]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("answered 404, but not as Vault does"),
        "{error}"
    );
    // Vault's own 404 (`{"errors":[]}`) is an absence, and a required secret is missing.
    let server = serve(vec![answer(404)]);
    assert_eq!(
        outcome(&check(&server, &[])).unwrap_err(),
        "required but not set"
    );
}

#[test]
fn a_401_says_authentication_not_mount_and_path() {
    let server = serve(vec![answer(401)]);
    let report = check(&server, &[]);
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("answered 401 (authentication required)"),
        "{error}"
    );
    let hint = report.get("api_key").unwrap().problems[0].fix.to_string();
    assert!(hint.contains("points at Vault itself"), "{hint}");
    assert_eq!(server.seen().len(), 1, "a 401 is not retried");
}

#[test]
fn an_answer_cut_short_says_so_not_cannot_connect() {
    let server = serve(vec![
        shaped(200, Shape::CutShort),
        shaped(200, Shape::CutShort),
        shaped(200, Shape::CutShort),
    ]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("was cut short"), "{error}");
    assert!(!error.contains("cannot connect"), "{error}");
    assert_eq!(server.seen().len(), 3, "a broken answer is retried");
}

#[test]
fn a_huge_answer_is_refused_at_the_limit_without_reading_it_all() {
    // Announced: refused before a byte of the body is read.
    let server = serve(vec![shaped(200, Shape::Announced(3 << 30))]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("larger than the 32 MiB limit"), "{error}");
    // Not announced (chunked): refused once 32 MiB have come, whatever follows.
    let server = serve(vec![shaped(200, Shape::Endless)]);
    let start = Instant::now();
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(error.contains("larger than the 32 MiB limit"), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(server.seen().len(), 1, "too large is not retried");
}

#[test]
fn a_body_that_stalls_times_out() {
    let server = serve(vec![shaped(200, Shape::Stall(Duration::from_secs(5)))]);
    let start = Instant::now();
    let error = outcome(&check(
        &server,
        &[("VAULT_CLIENT_TIMEOUT", "1s"), ("VAULT_MAX_RETRIES", "0")],
    ))
    .unwrap_err();
    assert!(error.contains("did not answer within 1s"), "{error}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn an_address_only_the_manifest_names_gets_no_credential() {
    // A manifest from a pull request names a server of its own: neither the user's token
    // nor an AppRole login goes there, unless the user agreed to that address.
    let elsewhere = serve(vec![answer(200), answer(200)]);
    let manifest = manifest(&elsewhere.address);
    let vars = Variables::from_pairs([("VAULT_TOKEN", "s.users-own-token")]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("which you have not chosen; no credential was sent"),
        "{error}"
    );
    assert!(
        elsewhere.seen().is_empty(),
        "the manifest's server received a request"
    );
    // VAULT_ADDR wins over the manifest, and says so.
    let mine = serve(vec![answer(200)]);
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.users-own-token"),
        ("VAULT_ADDR", &mine.address),
    ]);
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
    assert!(
        elsewhere.seen().is_empty(),
        "the manifest's server received a request"
    );
    assert_eq!(mine.seen().len(), 1);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("the manifest names Vault address")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn a_credential_file_that_is_not_one_line_of_text_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("id_ed25519"),
        "-----BEGIN OPENSSH PRIVATE KEY-----
CANARYkey
-----END OPENSSH PRIVATE KEY-----
",
    )
    .unwrap();
    let server = serve(vec![answer(200), answer(200)]);
    for (setting, file) in [
        ("secret_id_file", dir.path().join("id_ed25519")),
        (
            "secret_id_file",
            std::path::PathBuf::from("/proc/self/environ"),
        ),
    ] {
        let text = format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\nauth = \"approle\"\nrole_id_file = \"{}\"\n{setting} = \"{}\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n",
            file.display(),
            file.display()
        );
        let manifest = Manifest::parse(&text, Path::new("secrets.toml")).unwrap();
        let vars = Variables::from_pairs([
            ("VAULT_ADDR", server.address.as_str()),
            ("CANARY_ENV", "CANARYenv"),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
        let error = outcome(&report).unwrap_err();
        assert!(
            error.contains("does not hold one line of printable text"),
            "{error}"
        );
        assert!(!error.contains("CANARY"), "{error}");
    }
    assert!(server.seen().is_empty(), "a login was sent");
}

#[test]
fn a_user_and_password_in_the_address_are_never_shown_when_it_cannot_be_reached() {
    let port = secretary_test_support::free_port();
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.t"),
        ("VAULT_MAX_RETRIES", "0"),
        (
            "VAULT_ADDR",
            &format!("http://admin:hunter2@127.0.0.1:{port}"),
        ),
    ]);
    let manifest = manifest("http://127.0.0.1:1");
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    let error = outcome(&report).unwrap_err();
    assert!(error.contains("cannot connect"), "{error}");
    let said = format!(
        "{error} {:?} {:?}",
        report.warnings,
        report.get("api_key").unwrap().problems
    );
    assert!(
        !said.contains("hunter2") && !said.contains("admin"),
        "{said}"
    );
}

#[test]
fn a_user_and_password_in_the_address_are_neither_sent_nor_shown() {
    let server = serve(vec![answer(403)]);
    let address = server.address.replace("http://", "http://admin:hunter2@");
    let manifest = manifest(&address);
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.scripted-token"),
        ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
    ]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    let shown = format!("{report:?} {}", outcome(&report).unwrap_err());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("user name or password")),
        "{:?}",
        report.warnings
    );
    let seen = &server.seen()[0];
    assert_eq!(seen.header("Authorization"), None, "no basic auth is sent");
}

/// A server that answers every connection on its own thread after `delay`, and records
/// the most requests it held at once.
fn serve_concurrently(
    delay: Duration,
) -> (
    String,
    Arc<std::sync::atomic::AtomicUsize>,
    Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let (peak_out, total_out) = (Arc::clone(&peak), Arc::clone(&total));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (in_flight, peak, total) = (
                Arc::clone(&in_flight),
                Arc::clone(&peak),
                Arc::clone(&total),
            );
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                total.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(delay);
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let body = r#"{"data":{"data":{"value":"v"},"metadata":{"version":1}}}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    (address, peak_out, total_out)
}

#[test]
fn different_paths_are_read_concurrently_up_to_max_concurrency() {
    use std::sync::atomic::Ordering;
    let (address, peak, total) = serve_concurrently(Duration::from_millis(200));
    let secrets: String = (0..8).fold(String::new(), |mut text, i| {
        let _ = writeln!(text, "[secrets.k{i}]");
        text
    });
    let manifest = Manifest::parse(
        &format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{address}\"\nmax_concurrency = 3\n[environments.production]\nsources = [\"vault\"]\n{secrets}"
        ),
        Path::new("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([("VAULT_TOKEN", "t"), ("SECRETARY_VAULT_ADDRS", &address)]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    assert!(report.is_ok());
    assert_eq!(total.load(Ordering::SeqCst), 8, "one read per path");
    assert_eq!(
        peak.load(Ordering::SeqCst),
        3,
        "reads overlap, never more than max_concurrency"
    );
}

fn vault_config(manifest: &Manifest) -> VaultConfig {
    match &manifest.source("vault").unwrap().config {
        SourceConfig::Vault(config) => (**config).clone(),
        _ => unreachable!(),
    }
}

#[test]
fn an_approle_token_is_renewed_before_it_expires_not_replaced() {
    let bao = OpenBao::start_audited();
    bao.kv_put("production/api_key", &[("value", "renewed-ok")]);
    let (role_id, secret_id) = bao.approle(&["token_ttl=3s", "token_max_ttl=120s"]);

    let manifest = Manifest::parse(
        &format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{}\"\nauth = \"approle\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\n",
            bao.address
        ),
        Path::new("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_ROLE_ID", role_id.as_str()),
        ("VAULT_SECRET_ID", secret_id.as_str()),
        ("SECRETARY_VAULT_ADDRS", bao.address.as_str()),
    ]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let source = VaultSource::new("vault".to_owned(), vault_config(&manifest));
    let spec = manifest.secret("api_key").unwrap();
    let context = Context::new(&manifest, environment, &vars);
    // Read at 0 s, 2.2 s and 4.4 s: past two thirds of the 3 s lease each time, and the
    // last read is past the first token's expiry, so it only works if it was renewed.
    for round in 0..3 {
        if round > 0 {
            std::thread::sleep(Duration::from_millis(2200));
        }
        let batch = source.lookup(&[spec], &context);
        match &batch.lookups[0] {
            Lookup::Found { value, .. } => {
                assert_eq!(value.expose(), "renewed-ok", "round {round}");
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(
        bao.requests("update", "auth/approle/login"),
        1,
        "one login for the process"
    );
    assert!(
        bao.requests("update", "auth/token/renew-self") >= 2,
        "renewed as it neared expiry"
    );
}

#[test]
fn resolving_from_inside_an_async_runtime_works() {
    // A service resolving its secrets in an async `main` must not hit tokio's
    // "cannot start a runtime from within a runtime".
    let server = serve(vec![answer(200)]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async { check(&server, &[]) });
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
}

#[test]
fn a_server_that_stops_mid_run_fails_the_rest_closed() {
    // One read is answered, then the server goes away (its listener is closed).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let vault = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let body = r#"{"data":{"data":{"value":"first-value"},"metadata":{"version":1}}}"#;
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        // Returning drops the listener: later connections are refused.
    });
    let manifest = Manifest::parse(
        &format!(
            "version = 1\n[sources.vault]\ntype = \"vault\"\naddress = \"{address}\"\nmax_concurrency = 1\n[environments.production]\nsources = [\"vault\"]\n[secrets.a_first]\nrequired = true\n[secrets.b_second]\nrequired = true\n[secrets.c_third]\nrequired = true\n"
        ),
        Path::new("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([
        ("VAULT_TOKEN", "s.t"),
        ("VAULT_MAX_RETRIES", "1"),
        ("SECRETARY_VAULT_ADDRS", &address),
    ]);
    let environment = manifest
        .select_environment(Some("production"), &vars)
        .unwrap();
    let started = Instant::now();
    let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
    vault.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it must not hang"
    );
    let served: Vec<&str> = report
        .resolutions
        .iter()
        .filter(|r| r.value.is_some())
        .map(secretary::Resolution::key)
        .collect();
    assert_eq!(
        served.len(),
        1,
        "exactly the one read before the stop: {served:?}"
    );
    let failed: Vec<String> = report
        .resolutions
        .iter()
        .filter(|r| r.value.is_none())
        .map(|r| {
            r.problems
                .first()
                .map(|p| p.kind.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(failed.len(), 2);
    for problem in &failed {
        assert!(
            problem.contains("source `vault` failed: cannot connect to Vault at"),
            "{problem}"
        );
    }
    assert!(!report.is_ok());
}

#[test]
fn no_failure_puts_the_servers_body_or_the_token_in_a_message() {
    // The canary sweep over every failure a server can script (issue 12): each body holds
    // a canary, as a proxy's page that echoes the request would, and the token is one too.
    // Whatever the failure, what secretary says (the problem, its fix, their Debug, the
    // report's Debug) holds neither.
    use std::fmt::Write as _;
    const BODY: &str = "CANARYbody-7f3a";
    const TOKEN: &str = "s.CANARYtoken-91c2";
    let json = |status| Answer {
        body: format!(r#"{{"errors":["{BODY} {TOKEN}"],"data":{{"data":"{BODY}"}}}}"#),
        ..answer(status)
    };
    let three = |answer: Answer| vec![answer.clone(), answer.clone(), answer];
    let faults: Vec<(&str, Vec<Answer>)> = vec![
        (
            "an HTML 404",
            vec![Answer {
                body: format!("<html><body>404 {BODY} {TOKEN}</body></html>"),
                ..shaped(404, Shape::Html)
            }],
        ),
        ("a JSON 404 that is not Vault's", vec![json(404)]),
        ("a 401", vec![json(401)]),
        ("a 403", vec![json(403)]),
        ("a 400", vec![json(400)]),
        ("a 501", vec![json(501)]),
        ("500s", three(json(500))),
        (
            "a sealed server",
            three(Answer {
                body: format!(r#"{{"errors":["Vault is sealed {BODY}"]}}"#),
                ..answer(503)
            }),
        ),
        ("429s", three(with_header(json(429), "Retry-After", "0"))),
        ("a 200 that is not KV", vec![json(200)]),
        (
            "a 200 that is not JSON",
            vec![Answer {
                body: format!("{BODY} {TOKEN}"),
                ..answer(200)
            }],
        ),
        (
            "answers cut short",
            three(Answer {
                body: format!(r#"{{"data":{{"data":{{"value":"{BODY}"}}}}}}"#),
                ..shaped(200, Shape::CutShort)
            }),
        ),
        (
            "a redirect elsewhere",
            vec![with_header(
                answer(307),
                "Location",
                &format!("http://elsewhere.invalid/{BODY}?token={TOKEN}"),
            )],
        ),
    ];
    for (what, script) in faults {
        let server = serve(script);
        let report = check_as(&server, TOKEN, &[]);
        let mut said = String::new();
        for resolution in &report.resolutions {
            for problem in &resolution.problems {
                let _ = writeln!(said, "{}\n{}\n{problem:?}", problem.kind, problem.fix);
            }
        }
        assert!(!said.is_empty(), "{what}: no problem was reported");
        let _ = write!(said, "{report:?}");
        assert!(!said.contains("CANARY"), "{what} leaked:\n{said}");
    }
}

#[test]
fn a_write_the_server_does_not_confirm_is_not_reported_written() {
    // A KV v2 write is confirmed by the version it made. A 200 that is a proxy's page, a
    // 204 or an empty JSON object confirms nothing: `put` once said "wrote" for each.
    let unconfirmed = [
        Answer {
            body: "<html>login</html>".to_owned(),
            ..shaped(200, Shape::Html)
        },
        Answer {
            body: String::new(),
            ..answer(204)
        },
        Answer {
            body: "{}".to_owned(),
            ..answer(200)
        },
        // The read said version 3: a write that made 0, 2 or 3 is a stale answer.
        Answer {
            body: r#"{"data":{"version":0}}"#.to_owned(),
            ..answer(200)
        },
        Answer {
            body: r#"{"data":{"version":3}}"#.to_owned(),
            ..answer(200)
        },
    ];
    for reply in unconfirmed {
        let status = reply.status;
        let server = serve(vec![answer(200), reply]);
        let manifest = manifest(&server.address);
        let vars = Variables::from_pairs([
            ("VAULT_TOKEN", "s.scripted-token"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let value = secretary::SecretValue::new("new-value".to_owned());
        let error = secretary::put(&manifest, environment, &vars, "api_key", &value, None)
            .expect_err("an unconfirmed write was reported written")
            .to_string();
        assert!(
            error.contains("without the version written: it may not have been written"),
            "{status}: {error}"
        );
        let seen = server.seen();
        assert_eq!(seen.len(), 2, "{status}: read, then one write");
        assert_eq!(seen[1].method, "POST");
    }
}

#[test]
fn a_number_in_a_field_is_its_text_or_refused_never_changed() {
    // serde_json reads a number past 64 bits, or one with a fraction or an exponent, as
    // a float: `12345678901234567890123` once came out as `1.2345678901234568e+22`.
    let field = |raw: &str| kv_answer(raw, r#""version":1"#);
    for (raw, read) in [("42", "42"), ("-7", "-7"), ("true", "true")] {
        let server = serve(vec![field(raw)]);
        assert_eq!(outcome(&check(&server, &[])), Ok(read.to_owned()), "{raw}");
    }
    for raw in [
        "12345678901234567890123",
        "1E2",
        "1.5",
        "-0",
        "18446744073709551616",
    ] {
        let server = serve(vec![field(raw)]);
        let error = outcome(&check(&server, &[])).unwrap_err();
        assert!(
            error.contains("field `value` of secret/data/production/api_key is not text"),
            "{raw}: {error}"
        );
    }
}

#[test]
fn a_value_over_one_mebibyte_is_refused_as_in_every_source() {
    // A 20 MiB value once took 1.8 GB to build `redact`'s automaton; `.env` and secret
    // files cap a value at 1 MiB, and now so does Vault.
    let field =
        |length: usize| kv_answer(&format!(r#""{}""#, "v".repeat(length)), r#""version":1"#);
    let server = serve(vec![field(1 << 20)]);
    assert_eq!(outcome(&check(&server, &[])).map(|v| v.len()), Ok(1 << 20));
    let server = serve(vec![field((1 << 20) + 1)]);
    let error = outcome(&check(&server, &[])).unwrap_err();
    assert!(
        error.contains("holds more than 1 MiB, the most a secret may hold"),
        "{error}"
    );
}

#[test]
fn an_answer_that_is_not_json_says_so_not_kv_version_1() {
    for body in ["<html>login</html>", "1e400", "[]"] {
        let server = serve(vec![Answer {
            body: body.to_owned(),
            ..answer(200)
        }]);
        let error = outcome(&check(&server, &[])).unwrap_err();
        assert!(
            error.contains("an answer that is not a JSON object secretary can read"),
            "{body}: {error}"
        );
        assert!(!error.contains("KV version 1"), "{body}: {error}");
    }
}

#[test]
fn a_login_answer_without_a_usable_token_is_a_login_failure() {
    // An empty token was sent as it was, and one holding a newline was blamed on
    // VAULT_TOKEN, which was not even set.
    for token in ["", "s.abc\ndef", "s.abc def"] {
        let login = Answer {
            body: serde_json::json!({"auth": {"client_token": token, "lease_duration": 60}})
                .to_string(),
            ..answer(200)
        };
        let server = serve(vec![login, answer(200)]);
        let manifest = manifest_with(&server.address, "auth = \"approle\"\n");
        let vars = Variables::from_pairs([
            ("VAULT_ROLE_ID", "role"),
            ("VAULT_SECRET_ID", "secret"),
            ("SECRETARY_VAULT_ADDRS", server.address.as_str()),
        ]);
        let environment = manifest
            .select_environment(Some("production"), &vars)
            .unwrap();
        let report = resolve(&manifest, environment, &vars, Scope::All).unwrap();
        let error = outcome(&report).unwrap_err();
        assert!(
            error.contains("login at auth/approle/login failed: the answer holds no usable token"),
            "{token:?}: {error}"
        );
        assert!(!error.contains("VAULT_TOKEN"), "{token:?}: {error}");
        assert_eq!(server.seen().len(), 1, "{token:?}: nothing is read with it");
    }
}

#[test]
fn a_created_time_that_cannot_be_read_is_said_not_passed_over() {
    // An unreadable `created_time` made a secret's age unknown without a word, so a
    // rotation policy could not tell it was due.
    let body = |time: &str| {
        kv_answer(
            r#""the-value""#,
            &format!(r#""version":1,"created_time":"{time}""#),
        )
    };
    let server = serve(vec![body("yesterday")]);
    let report = check(&server, &[]);
    assert_eq!(outcome(&report), Ok("the-value".to_owned()));
    assert!(
        report.warnings.iter().any(|w| w.contains(
            "the created_time Vault gives for secret/data/production/api_key cannot be read"
        )),
        "{:?}",
        report.warnings
    );
    // One it can read, with an offset, is no warning, and gives the age.
    let server = serve(vec![body("2026-11-25T11:32:33.123+02:00")]);
    let report = check(&server, &[]);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(report.get("api_key").unwrap().written.is_some());
}
