//! Against a scripted server: what is retried and for how long, time-outs, and servers that stall or stop.

use super::*;

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
    let report = in_production(&manifest, &vars);
    assert!(report.is_ok());
    assert_eq!(total.load(Ordering::SeqCst), 8, "one read per path");
    assert_eq!(
        peak.load(Ordering::SeqCst),
        3,
        "reads overlap, never more than max_concurrency"
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
fn a_request_too_long_to_send_is_said_as_never_sent_and_not_retried() {
    // A thirty-sixth adversarial pass: a URL over the HTTP client's 64 KiB was reported
    // as "the connection closed before its answer", retried, and a write said to have
    // perhaps landed.
    let server = serve(vec![answer(200)]);
    let long = format!("{}/{}", server.address, "a".repeat(70_000));
    let manifest = Manifest::parse(
        "version = 1\n[sources.vault]\ntype = \"vault\"\n[environments.production]\nsources = [\"vault\"]\n[secrets.api_key]\nrequired = true\n",
        Path::new("secrets.toml"),
    )
    .unwrap();
    let vars = Variables::from_pairs([("VAULT_TOKEN", "s.scripted-token"), ("VAULT_ADDR", &long)]);
    let report = in_production(&manifest, &vars);
    let error = outcome(&report).unwrap_err();
    assert!(
        error.contains("could not be made"),
        "{}",
        &error[..200.min(error.len())]
    );
    assert!(error.contains("nothing was sent"));
    assert!(!error.contains("closed before its answer"));
    assert!(server.seen().is_empty(), "nothing reached the server");
}
