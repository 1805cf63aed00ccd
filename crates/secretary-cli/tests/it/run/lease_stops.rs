//! Signals while leases are issued, renewed or revoked, and while `run --watch` re-reads:
//! against a scripted Vault that answers as slowly as a test needs.

use super::*;

/// A stand-in for Vault on loopback: a lease read answers at once with a lease, a KV
/// read after `kv_delay`, a revocation with 204; each request's line is recorded.
pub(super) fn slow_vault(
    kv_delay: Duration,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    scripted_vault(Script {
        kv_delay,
        ..Script::default()
    })
}

/// How [`scripted_vault`] answers: a KV read and a lease after their delays, a
/// revocation with `revocation` (a status) after its own.
#[derive(Default, Clone, Copy)]
struct Script {
    kv_delay: Duration,
    /// How long each KV read after the first waits (besides `kv_delay`).
    later_kv_delay: Duration,
    lease_delay: Duration,
    revocation: Option<u16>,
    revocation_delay: Duration,
    /// The TTL (s) of the token the first AppRole login gives (not renewable); every
    /// later login is answered 500.
    login_ttl: u64,
    /// The lease's answer, when not the usable one.
    lease_body: Option<&'static str>,
    /// Each lease new credentials (numbered), for 4 s, not renewable.
    lease_counted: bool,
}

/// [`slow_vault`], answering as `script` says.
fn scripted_vault(script: Script) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let Script {
        kv_delay,
        later_kv_delay,
        lease_delay,
        revocation,
        revocation_delay,
        login_ttl,
        lease_body,
        lease_counted,
    } = script;
    let leases = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let logins = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let revocation = revocation.unwrap_or(204);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let kv_reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { return };
            let record = std::sync::Arc::clone(&record);
            let kv_reads = std::sync::Arc::clone(&kv_reads);
            let logins = std::sync::Arc::clone(&logins);
            let leases = std::sync::Arc::clone(&leases);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                record.lock().unwrap().push(line.trim().to_owned());
                let (status, body) = if line.contains("auth/approle/login") {
                    if logins.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        (
                            200,
                            format!(
                                r#"{{"auth":{{"client_token":"hvs.scripted-login","lease_duration":{login_ttl},"renewable":false}}}}"#
                            ),
                        )
                    } else {
                        (500, r#"{"errors":["internal error"]}"#.to_owned())
                    }
                } else if line.contains("auth/token/lookup-self") {
                    // Asked with each login's token: whether it may look itself up;
                    // and of the user's, how many uses it has (none counted).
                    (200, r#"{"data":{"ttl":1,"num_uses":0}}"#.to_owned())
                } else if line.contains("database/creds") && lease_counted {
                    // Answered after 300 ms: more than `run`'s 150 ms of quiet (a
                    // forty-sixth adversarial pass restarted the program once a lease).
                    std::thread::sleep(Duration::from_millis(300));
                    let n = leases.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    // Source `b`'s for 5 s, re-issued a second after the others.
                    let seconds = if line.contains("creds/b ") { 5 } else { 4 };
                    (
                        200,
                        format!(
                            r#"{{"lease_id":"database/creds/x/l{n}","lease_duration":{seconds},"renewable":false,"data":{{"username":"u{n}","password":"p{n}"}}}}"#
                        ),
                    )
                } else if line.contains("database/creds") {
                    std::thread::sleep(lease_delay);
                    (200, lease_body.unwrap_or(r#"{"lease_id":"database/creds/shop/abc123","lease_duration":3600,"renewable":true,"data":{"username":"v-shop-1","password":"pw-canary-4c2e"}}"#).to_owned())
                } else if line.contains("sys/leases/revoke") && revocation == 204 {
                    std::thread::sleep(revocation_delay);
                    (204, String::new())
                } else if line.contains("sys/leases/revoke") {
                    std::thread::sleep(revocation_delay);
                    (revocation, r#"{"errors":["permission denied"]}"#.to_owned())
                } else {
                    std::thread::sleep(kv_delay);
                    if kv_reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                        std::thread::sleep(later_kv_delay);
                    }
                    (
                        200,
                        r#"{"data":{"data":{"value":"kv-value"},"metadata":{"version":1}}}"#
                            .to_owned(),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (address, seen)
}

/// The manifest of a lease source `db` and a KV source `kv` on the scripted Vault at
/// `address`, written to a new directory.
fn leased_and_kv(address: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        format!(
            "version = 1\n[app]\nname = \"shop\"\n[sources.db]\ntype = \"vault_lease\"\naddress = \"{address}\"\npath = \"database/creds/shop\"\nsecrets = {{ user = \"username\", pw = \"password\" }}\n[sources.kv]\ntype = \"vault\"\naddress = \"{address}\"\n[environments.production]\nsources = [\"db\", \"kv\"]\n[secrets.user]\n[secrets.pw]\n[secrets.api_key]\n"
        ),
    )
    .unwrap();
    dir
}

/// `dir`, its manifest's sources logging in with AppRole.
fn with_approle(dir: tempfile::TempDir) -> tempfile::TempDir {
    let manifest = fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    let manifest = manifest.replace(
        "path = \"database/creds/shop\"\n",
        "path = \"database/creds/shop\"\nauth = \"approle\"\n",
    );
    let manifest = manifest.replace(
        "[sources.kv]\ntype = \"vault\"\n",
        "[sources.kv]\ntype = \"vault\"\nauth = \"approle\"\n",
    );
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    dir
}

/// `secretary` in `dir` on the scripted Vault at `address`, logging in with AppRole ids.
fn by_approle(dir: &std::path::Path, address: &str) -> std::process::Command {
    let mut command = support::secretary_in(dir);
    command
        .env_remove("VAULT_TOKEN")
        .env("VAULT_ROLE_ID", "role-1")
        .env("VAULT_SECRET_ID", "secret-1")
        .env("VAULT_MAX_RETRIES", "0")
        .env("SECRETARY_VAULT_ADDRS", address);
    command
}

/// `secretary --env production` in `dir`, with the scripted Vault at `address` trusted
/// and a token of the user's.
fn on_scripted(dir: &std::path::Path, address: &str) -> std::process::Command {
    let mut command = support::secretary_in(dir);
    command
        .env("VAULT_TOKEN", "s.scripted-token")
        .env("SECRETARY_VAULT_ADDRS", address)
        .args(["--env", "production"]);
    command
}

/// `secretary --env production COMMAND` in `dir` on the scripted Vault at `address`,
/// sent `signal` once `seen` holds a request line containing `when` (and 300 ms more, to
/// be inside that request): its status and what it said on stderr.
fn stopped_when(
    dir: &std::path::Path,
    (address, seen): (&str, &std::sync::Mutex<Vec<String>>),
    command: &[&str],
    when: &str,
    signal: &str,
) -> (std::process::ExitStatus, String) {
    let mut child = on_scripted(dir, address)
        .args(command)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Lines::new(child.stderr.take().unwrap());
    let waited = std::time::Instant::now();
    while !seen.lock().unwrap().iter().any(|line| line.contains(when)) {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "{command:?}: no {when}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    send(&child, signal);
    let status = process::wait(&mut child);
    (status, stderr.rest())
}

#[test]
fn a_signal_during_start_up_revokes_the_leases_issued_so_far() {
    // An eighth adversarial pass: the lease answered at once, a KV read took 3 s, and a
    // SIGTERM or Ctrl-C then left the lease alive until its TTL, for `run`, `check` and
    // `status` alike. A fortieth: so did SIGUSR1 (which `run` forwards to its program
    // once it runs, as log rotators send it), SIGUSR2 and SIGALRM, ending the process
    // by their default with nothing said.
    for (command, signal, number) in [
        (&["run", "--", "true"][..], "TERM", 15),
        (&["check"][..], "INT", 2),
        (&["status"][..], "TERM", 15),
        (&["run", "--", "true"][..], "USR1", 10),
        (&["check"][..], "USR2", 12),
        (&["status"][..], "ALRM", 14),
    ] {
        let (address, seen) = slow_vault(Duration::from_secs(3));
        let dir = leased_and_kv(&address);
        let (status, _) = stopped_when(
            dir.path(),
            (&address, &seen),
            command,
            "/v1/secret/",
            signal,
        );
        assert_eq!(status.signal(), Some(number), "{command:?}: {status:?}");
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.iter()
                .any(|line| line.starts_with("PUT /v1/sys/leases/revoke")),
            "{command:?}: the lease was not revoked: {seen:?}"
        );
    }
}

#[test]
fn a_signal_during_start_up_says_which_lease_it_could_not_revoke() {
    // A thirty-sixth adversarial pass: the stop's warnings were written while the signal
    // was being acted on, which silences the command's output: never shown.
    let (address, seen) = scripted_vault(Script {
        kv_delay: Duration::from_secs(3),
        revocation: Some(403),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let (status, said) = stopped_when(
        dir.path(),
        (&address, &seen),
        &["check"],
        "/v1/secret/",
        "TERM",
    );
    assert_eq!(status.signal(), Some(15), "{status:?} {said}");
    assert!(
        said.contains("could not revoke lease database/creds/shop/abc123 (database/creds/shop)"),
        "{said}"
    );
    assert!(said.contains("may work until its TTL ends"), "{said}");
    assert!(!said.contains("pw-canary-4c2e"), "{said}");
}

#[test]
fn a_signal_while_a_lease_is_issued_says_that_its_revocation_failed() {
    // A thirty-seventh adversarial pass: a lease whose issue was answered after the
    // signal was revoked by the reading thread, whose output the stop silences: its
    // failed revocation was never said.
    let (address, seen) = scripted_vault(Script {
        lease_delay: Duration::from_secs(2),
        revocation: Some(403),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let (status, said) = stopped_when(
        dir.path(),
        (&address, &seen),
        &["check"],
        "database/creds",
        "TERM",
    );
    assert_eq!(status.signal(), Some(15), "{status:?} {said}");
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|line| line.starts_with("PUT /v1/sys/leases/revoke")),
        "the lease issued late was revoked"
    );
    assert!(
        said.contains("could not revoke lease database/creds/shop/abc123 (database/creds/shop)"),
        "{said}"
    );
}

#[test]
fn a_signal_during_the_commands_own_revocation_says_that_it_failed() {
    // A thirty-seventh adversarial pass: a SIGTERM while `check` revoked its lease at its
    // end silenced the command's own warning, and the stop found nothing left to say.
    let (address, seen) = scripted_vault(Script {
        revocation: Some(403),
        revocation_delay: Duration::from_secs(2),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let (status, said) = stopped_when(
        dir.path(),
        (&address, &seen),
        &["check"],
        "sys/leases/revoke",
        "TERM",
    );
    assert_eq!(status.signal(), Some(15), "{status:?} {said}");
    assert!(
        said.contains("could not revoke lease database/creds/shop/abc123 (database/creds/shop)"),
        "{said}"
    );
}

#[test]
fn a_signal_during_a_slow_revocation_names_the_lease_it_waited_for() {
    // A fortieth adversarial pass: a SIGTERM while `check` waited on a revocation Vault
    // was slow to answer said only "1 lease(s) being issued or revoked did not answer in
    // time", without the lease, which `status` had just printed.
    let (address, seen) = scripted_vault(Script {
        revocation_delay: Duration::from_secs(8),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let (status, said) = stopped_when(
        dir.path(),
        (&address, &seen),
        &["check"],
        "sys/leases/revoke",
        "TERM",
    );
    assert_eq!(status.signal(), Some(15), "{status:?} {said}");
    assert!(
        said.contains(
            "could not revoke lease database/creds/shop/abc123 (database/creds/shop): Vault did not answer its revocation in time"
        ),
        "{said}"
    );
    assert!(!said.contains("being issued or revoked"), "{said}");
}

#[test]
fn a_stop_during_a_watch_re_read_ends_run_with_its_program() {
    // A fortieth adversarial pass: SIGTERM to `run --watch` while a re-read waited on a
    // slow Vault killed the program at once (forwarded), but `run`, reading on, outlived
    // it by the client's retries (minutes by default), its leases alive, and then said
    // "the program keeps running". The wait for a re-read ends with the program.
    let (address, seen) = scripted_vault(Script {
        later_kv_delay: Duration::from_secs(30),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let mut child = on_scripted(dir.path(), &address)
        .args(["run", "--watch", "300ms", "--", "sleep", "300"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Lines::new(child.stderr.take().unwrap());
    let kv_reads = || {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains("/v1/secret/"))
            .count()
    };
    let waited = std::time::Instant::now();
    while kv_reads() < 2 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "no re-read: {}",
            stderr.rest()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::time::Instant::now();
    send(&child, "TERM");
    let status = process::wait(&mut child);
    let took = sent.elapsed();
    let said = stderr.rest();
    assert!(
        status.code() == Some(143) || status.signal() == Some(15),
        "{status:?} after {took:?}: {said}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}: {said}");
    assert!(!said.contains("keeps running"), "{said}");
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|line| line.starts_with("PUT /v1/sys/leases/revoke")),
        "the lease was not revoked: {said}"
    );
}

#[test]
fn a_lease_lost_during_a_slow_watch_re_read_stops_the_program_without_waiting_for_it() {
    // A forty-first adversarial pass: the AppRole token (6 s) ended and no login could be
    // had while a re-read waited 40 s on a slow KV read; the program ran on its dead
    // credentials until the re-read returned.
    let (address, seen) = scripted_vault(Script {
        later_kv_delay: Duration::from_secs(30),
        login_ttl: 4,
        ..Script::default()
    });
    let dir = with_approle(leased_and_kv(&address));
    let mut child = by_approle(dir.path(), &address)
        .args([
            "--env",
            "production",
            "run",
            "--watch",
            "1h",
            "--",
            "sleep",
            "120",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Lines::new(child.stderr.take().unwrap());
    let waited = std::time::Instant::now();
    while !seen
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("/v1/secret/"))
    {
        assert!(waited.elapsed() < Duration::from_secs(20), "no first read");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let hup = std::time::Instant::now();
    send(&child, "HUP");
    let status = process::wait(&mut child);
    let took = hup.elapsed();
    let said = stderr.rest();
    assert_eq!(status.code(), Some(1), "{said}");
    assert!(
        said.contains("expired and new ones could not be had"),
        "{said}"
    );
    assert!(took < Duration::from_secs(15), "{took:?}: {said}");
}

#[test]
fn a_provider_of_a_re_read_no_longer_waited_for_ends_with_run() {
    // A forty-first adversarial pass: SIGTERM to `run --watch` during a re-read ended the
    // program and `run` at once, but the provider the re-read was running outlived both,
    // and its own `timeout`.
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (calls, finished) = (dir.path().join("calls"), dir.path().join("finished"));
    fs::create_dir(dir.path().join("providers")).unwrap();
    fs::write(
        dir.path().join("providers/prov.sh"),
        format!(
            "#!/bin/sh\ncat > /dev/null\necho call >> '{calls}'\n\
             if [ \"$(wc -l < '{calls}')\" -gt 1 ]; then sleep 6; touch '{finished}'; fi\n\
             printf '{{\"protocol\": \"secretary-provider/1\", \"secrets\": {{\"api_key\": {{\"value\": \"k-12345678\"}}}}}}'\n",
            calls = calls.display(),
            finished = finished.display()
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("secrets.toml"),
        "version = 1\n[sources.prov]\ntype = \"exec\"\ncommand = [\"/bin/sh\", \"providers/prov.sh\"]\ntimeout = \"30s\"\n[environments.development]\nsources = [\"prov\"]\n[secrets.api_key]\nrequired = true\n",
    )
    .unwrap();
    let secretary = || {
        let mut cmd = support::secretary_in(dir.path());
        cmd.env("SECRETARY_STATE_DIR", state.path());
        cmd
    };
    assert!(secretary().arg("allow").status().unwrap().success());
    let mut child = secretary()
        .args(["run", "--watch", "1h", "--redact", "--", "sleep", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Lines::new(child.stderr.take().unwrap());
    let lines = || fs::read_to_string(&calls).map_or(0, |text| text.lines().count());
    let waited = std::time::Instant::now();
    while lines() < 1 {
        assert!(waited.elapsed() < Duration::from_secs(20), "no first read");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    send(&child, "HUP");
    while lines() < 2 {
        assert!(waited.elapsed() < Duration::from_secs(20), "no re-read");
        std::thread::sleep(Duration::from_millis(20));
    }
    send(&child, "TERM");
    let status = process::wait(&mut child);
    let said = stderr.rest();
    assert!(
        status.code() == Some(143) || status.signal() == Some(15),
        "{status:?}: {said}"
    );
    // The provider would have finished 6 s after the re-read began.
    std::thread::sleep(Duration::from_secs(7));
    assert!(!finished.exists(), "the provider outlived run: {said}");
}

#[test]
fn run_that_becomes_its_program_first_says_a_revocation_that_failed() {
    // A forty-third adversarial pass: an unusable lease (duration 0) whose revocation
    // Vault refused, the secrets then read from `env`: `run` became its program
    // (`execve`), and the failure was said nowhere.
    let (address, _) = scripted_vault(Script {
        lease_body: Some(
            r#"{"lease_id":"database/creds/shop/abc123","lease_duration":0,"renewable":false,"data":{"username":"u","password":"p"}}"#,
        ),
        revocation: Some(403),
        ..Script::default()
    });
    let dir = leased_and_kv(&address);
    let manifest = fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    let manifest = manifest
        .replace(
            "sources = [\"db\", \"kv\"]",
            "sources = [\"db\", \"env\"]\non_source_error = \"next\"",
        )
        .replace(
            "[environments.production]",
            "[sources.env]\ntype = \"env\"\n[environments.production]",
        );
    fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    let out = process::output(
        on_scripted(dir.path(), &address)
            .env("VAULT_MAX_RETRIES", "0")
            .env("USER", "from-env")
            .env("PW", "from-env-pw")
            .env("API_KEY", "from-env-key")
            .args(["run", "--", "sh", "-c", "echo child-ran"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "child-ran\n",
        "{said}"
    );
    assert!(
        said.contains("could not revoke lease database/creds/shop/abc123"),
        "{said}"
    );
}

#[test]
fn leases_re_issued_together_restart_the_program_once() {
    // A forty-fifth adversarial pass: three lease sources re-issued in one round each
    // restarted the program (three restarts within 100 ms, every round); a forty-sixth,
    // again with each issue answered in 300 ms.
    let (address, seen) = scripted_vault(Script {
        lease_counted: true,
        ..Script::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let source = |name: &str, secret: &str| {
        format!(
            "[sources.{name}]\ntype = \"vault_lease\"\naddress = \"{address}\"\npath = \"database/creds/{name}\"\nsecrets = {{ {secret} = \"username\" }}\n"
        )
    };
    fs::write(
        dir.path().join("secrets.toml"),
        format!(
            "version = 1\n{}{}{}[environments.production]\nsources = [\"a\", \"b\", \"c\"]\n[secrets.user_a]\n[secrets.user_b]\n[secrets.user_c]\n",
            source("a", "user_a"),
            source("b", "user_b"),
            source("c", "user_c"),
        ),
    )
    .unwrap();
    let starts = dir.path().join("starts");
    let mut child = on_scripted(dir.path(), &address)
        .args(["run", "--", "sh", "-c"])
        .arg(format!(
            "echo started >> '{}'; exec sleep 30",
            starts.display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Lines::new(child.stderr.take().unwrap());
    // Leases of 4 s are re-issued every 2 s, and `b`'s of 5 s a second later, along
    // with them: three rounds in 7 s (each lease a restart made 6 starts).
    std::thread::sleep(Duration::from_secs(7));
    send(&child, "TERM");
    let _ = process::wait(&mut child);
    let said = stderr.rest();
    let started = fs::read_to_string(&starts)
        .unwrap_or_default()
        .lines()
        .count();
    // Counted against the leases the scripted Vault issued, not the wall clock: under
    // load the rounds may slip apart (a fresh-clone run beside another build counted
    // 5 starts in 7 s). Each restart must take at least two re-issued leases along
    // (each lease a restart made one start a re-issue).
    let issued = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains("database/creds"))
        .count();
    let reissued = issued.saturating_sub(3);
    assert!(reissued >= 2, "{issued} leases issued: {said}");
    assert!(
        started >= 2 && (started - 1) * 2 <= reissued,
        "{started} starts for {reissued} re-issued leases: {said}"
    );
}

#[test]
fn a_command_stopped_during_start_up_revokes_its_login_token() {
    // A forty-sixth adversarial pass: no login token was ever revoked; a `run` stopped
    // during its start-up left its AppRole token usable to its TTL, and so did every
    // command that ended normally.
    for stop in [Some("TERM"), None] {
        let (address, seen) = scripted_vault(Script {
            kv_delay: Duration::from_secs(3),
            login_ttl: 3600,
            ..Script::default()
        });
        let dir = with_approle(leased_and_kv(&address));
        let mut child = by_approle(dir.path(), &address)
            .args(["--env", "production", "run", "--", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Lines::new(child.stderr.take().unwrap());
        if let Some(signal) = stop {
            let waited = std::time::Instant::now();
            while !seen
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("/v1/secret/"))
            {
                assert!(waited.elapsed() < Duration::from_secs(20), "no KV read");
                std::thread::sleep(Duration::from_millis(20));
            }
            send(&child, signal);
        }
        let status = process::wait(&mut child);
        let said = stderr.rest();
        if stop.is_some() {
            assert_eq!(status.signal(), Some(15), "{status:?}: {said}");
        } else {
            assert_eq!(status.code(), Some(0), "{said}");
        }
        let seen = seen.lock().unwrap();
        assert!(
            seen.iter().any(|l| l.contains("auth/token/revoke-self")),
            "{stop:?}: the login token was not revoked: {seen:?}"
        );
        assert!(
            seen.iter().any(|l| l.contains("sys/leases/revoke")),
            "{seen:?}"
        );
    }
}
