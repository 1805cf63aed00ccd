//! Reads, writes, logins and `run --watch` while the cluster loses nodes: the leader
//! killed during reads, during writes and during a login, a step-down, a sealed node first
//! in the list, every node down, a restarted node preferred, reads of one's own writes
//! through a standby, and `run --watch` through a failover.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secretary_test_support::process::{self, Lines};
use secretary_test_support::{Cluster, Jwt};

use super::{addresses, app, in_a_loop, new_leader, secretary, seed, text};
use crate::support;

pub(super) fn reads_never_fail_while_the_leader_is_killed() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "reads");
    let dir = app("reads", "");
    let leader = cluster.active();
    // The node that dies is the one every process asks first.
    let nodes = addresses(&cluster, leader);
    let stop = Arc::new(AtomicBool::new(false));
    let path = dir.path().to_path_buf();
    let token = cluster.token().to_owned();
    let readers = in_a_loop(4, &stop, move |_| {
        let output = support::secretary_in(&path)
            .env("VAULT_ADDR", &nodes)
            .env("VAULT_TOKEN", &token)
            .env("HOME", &path)
            .args(["--env", "reads", "check"])
            .output()
            .unwrap();
        (Instant::now(), output)
    });
    std::thread::sleep(Duration::from_millis(800));
    let killed = Instant::now();
    cluster.kill(leader);
    new_leader(&cluster, leader);
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    let rounds: Vec<_> = readers
        .into_iter()
        .flat_map(|reader| reader.join().unwrap())
        .collect();
    let after = rounds.iter().filter(|(ended, _)| *ended > killed).count();
    assert!(after >= 4, "reads went on after the kill: {after}");
    for (_, output) in &rounds {
        assert!(output.status.success(), "a read failed:\n{}", text(output));
    }
}

pub(super) fn every_acknowledged_put_during_a_leader_kill_is_stored_exactly_once() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "writes");
    let leader = cluster.active();
    cluster.bao(
        leader,
        &[
            "kv",
            "metadata",
            "put",
            "-mount=secret",
            "-max-versions=1000",
            "writes/secret_key",
        ],
    );
    let dir = app("writes", "");
    let nodes = addresses(&cluster, leader);
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut killed_at = None;
    for n in 0..24 {
        if n == 6 {
            cluster.kill(leader);
            killed_at = Some(n);
        }
        let value = format!("rotated-value-{n:04}-xxxxxxxxxxxxxxxx");
        let mut child = secretary(dir.path(), &cluster, &nodes)
            .args(["--env", "writes", "put", "secret_key"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(value.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        if output.status.success() {
            acknowledged.push(value);
        } else {
            refused.push((value, text(&output)));
        }
    }
    assert!(killed_at.is_some());
    let stored: Vec<String> = cluster
        .kv_versions("writes/secret_key", "value")
        .into_iter()
        .filter_map(|(_, value)| value)
        .collect();
    for value in &acknowledged {
        assert_eq!(
            stored.iter().filter(|stored| *stored == value).count(),
            1,
            "{value} acknowledged, stored {} times: {stored:?}",
            stored.iter().filter(|stored| *stored == value).count()
        );
    }
    for value in &stored {
        assert!(
            stored.iter().filter(|other| *other == value).count() == 1,
            "{value} stored twice"
        );
    }
    // A put reported as failed wrote nothing: "applied but reported as failed" is as
    // wrong as a lost write.
    for (value, failure) in &refused {
        assert!(
            !stored.contains(value),
            "{value} was reported as failed but is stored: {failure}"
        );
    }
    // One writer has no one to conflict with, and a put waits out the election: every
    // put is acknowledged.
    assert!(
        refused.is_empty(),
        "{} of 24 puts acknowledged; the others:\n{}",
        acknowledged.len(),
        refused
            .iter()
            .map(|(_, failure)| failure.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

pub(super) fn a_step_down_interrupts_neither_reads_nor_writes() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "stepdown");
    let dir = app("stepdown", "");
    let leader = cluster.active();
    let nodes = addresses(&cluster, leader);
    let stop = Arc::new(AtomicBool::new(false));
    let (path, token, reading) = (
        dir.path().to_path_buf(),
        cluster.token().to_owned(),
        nodes.clone(),
    );
    let readers = in_a_loop(2, &stop, move |_| {
        support::secretary_in(&path)
            .env("VAULT_ADDR", &reading)
            .env("VAULT_TOKEN", &token)
            .env("HOME", &path)
            .args(["--env", "stepdown", "check"])
            .output()
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(300));
    cluster.step_down();
    for n in 0..5 {
        let mut child = secretary(dir.path(), &cluster, &nodes)
            .args(["--env", "stepdown", "put", "encryption_key"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("after-step-down-{n}").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", text(&output));
    }
    stop.store(true, Ordering::SeqCst);
    for reader in readers {
        for output in reader.join().unwrap() {
            assert!(output.status.success(), "{}", text(&output));
        }
    }
}

pub(super) fn a_sealed_node_first_in_the_list_is_passed_over() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "sealed");
    let dir = app("sealed", "");
    let standby = (0..3).find(|&node| node != cluster.active()).unwrap();
    cluster.seal(standby);
    let output = secretary(dir.path(), &cluster, &addresses(&cluster, standby))
        .args(["--env", "sealed", "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

pub(super) fn with_every_node_down_it_fails_closed_in_bounded_time_naming_each() {
    let cluster = Cluster::shared().lock();
    let dir = app("down", "");
    let nodes = cluster.addresses().join(",");
    for node in 0..3 {
        cluster.kill(node);
    }
    let started = Instant::now();
    let output = secretary(dir.path(), &cluster, &nodes)
        .args(["--env", "down", "check"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let said = text(&output);
    for address in cluster.addresses() {
        assert!(
            said.contains(&format!("{address} (Connection refused")),
            "{address} not named:\n{said}"
        );
    }
    assert!(took < Duration::from_secs(20), "took {took:?}");
    // The next test gets the cluster back whole: three dead nodes restart and elect.
    drop(cluster);
    let cluster = Cluster::shared().lock();
    assert_eq!(
        (0..3).filter(|&n| cluster.health(n) == Some(200)).count(),
        1
    );
}

pub(super) fn a_restarted_node_listed_first_serves_as_a_standby() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "restarted");
    let dir = app("restarted", "");
    let old = cluster.active();
    cluster.kill(old);
    new_leader(&cluster, old);
    cluster.restart(old);
    assert_eq!(cluster.health(old), Some(429), "it came back as a standby");
    let nodes = addresses(&cluster, old);
    let output = secretary(dir.path(), &cluster, &nodes)
        .args(["--env", "restarted", "check"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let mut child = secretary(dir.path(), &cluster, &nodes)
        .args(["--env", "restarted", "put", "redis_password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"written-via-a-standby")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        cluster
            .kv_get(cluster.active(), "restarted/redis_password", "value")
            .as_deref(),
        Some("written-via-a-standby")
    );
}

pub(super) fn a_process_reads_its_own_writes_through_a_standby() {
    use secretary::source::VaultConfig;
    use secretary::source::{Context, Lookup, Source, VaultSource};
    let cluster = Cluster::shared().lock();
    seed(&cluster, "ryw");
    let standby = (0..3).find(|&node| node != cluster.active()).unwrap();
    let dir = app("ryw", "");
    let manifest = secretary::Manifest::load(&dir.path().join("secrets.toml")).unwrap();
    let vars = secretary::Variables::from_pairs([
        ("VAULT_ADDR", addresses(&cluster, standby).as_str()),
        ("VAULT_TOKEN", cluster.token()),
    ]);
    let environment = manifest.select_environment(Some("ryw"), &vars).unwrap();
    let config = &manifest.source("vault").unwrap().config;
    let config = config.get::<VaultConfig>().unwrap();
    let source = VaultSource::new("vault".to_owned(), config.clone());
    let context = Context::new(&manifest, environment, &vars);
    let spec = manifest.secret("secret_key").unwrap();
    // A healthy standby forwards writes to the active node and answers reads from its own
    // copy, 50 to 100 ms behind: a read right after a write is stale there unless it
    // carries the write's index.
    for n in 0..20 {
        let value = secretary::SecretValue::new(format!("own-write-{n}"));
        source.write(spec, &context, &value, None).unwrap();
        match &source.lookup(&[spec], &context).lookups[0] {
            Lookup::Found { value: read, .. } => {
                assert_eq!(read.expose(), value.expose(), "round {n}");
            }
            other => panic!("round {n}: {other:?}"),
        }
    }
    // The same through the library's front doors: `put`, then a manager's refresh. Each
    // makes its own sources; they share the process's connection, and with it the
    // write's index.
    let manager = secretary::SecretManager::from_path(dir.path().join("secrets.toml"))
        .unwrap()
        .environment("ryw")
        .variables(vars.clone())
        .build()
        .unwrap();
    let secrets = manager.blocking();
    for n in 0..20 {
        let value = secretary::SecretValue::new(format!("put-then-refresh-{n}"));
        secretary::put(&manifest, environment, &vars, "secret_key", &value, None).unwrap();
        secrets.refresh().unwrap();
        assert_eq!(
            secrets.get("secret_key").unwrap().expose(),
            value.expose(),
            "round {n}: the manager read an older value than this process wrote"
        );
    }
}

pub(super) fn a_manager_refreshes_and_reads_its_puts_through_a_leader_kill() {
    use secretary::{SecretManager, SecretValue, Variables};
    let cluster = Cluster::shared().lock();
    seed(&cluster, "manager");
    let dir = app("manager", "");
    let manifest_path = dir.path().join("secrets.toml");
    let manifest = secretary::Manifest::load(&manifest_path).unwrap();
    let leader = cluster.active();
    // The node that dies is the one the manager asks first.
    let vars = Variables::from_pairs([
        ("VAULT_ADDR", addresses(&cluster, leader).as_str()),
        ("VAULT_TOKEN", cluster.token()),
        ("HOME", dir.path().to_str().unwrap()),
    ]);
    let environment = manifest.select_environment(Some("manager"), &vars).unwrap();
    let manager = SecretManager::from_path(&manifest_path)
        .unwrap()
        .environment("manager")
        .variables(vars.clone())
        .build()
        .unwrap();
    let secrets = manager.blocking();
    secrets.validate().unwrap();
    let put_and_read = |value: &str| {
        let value = SecretValue::new(value.to_owned());
        secretary::put(&manifest, environment, &vars, "secret_key", &value, None).unwrap();
        // A new resolution, and a read after this process's write: never the old value.
        secrets.refresh().unwrap();
        assert_eq!(secrets.get("secret_key").unwrap().expose(), value.expose());
    };
    put_and_read("before-the-kill");
    // Every standby has applied that write by now. (One answered just before the leader
    // died is not on the standbys until a new leader commits it: this process's reads,
    // which carry the write's index, would wait for the election, as they must.)
    std::thread::sleep(Duration::from_secs(1));
    cluster.kill(leader);
    let killed = Instant::now();
    // Refreshes all through the election: every one answered, some of them while no
    // node was active (by a standby, from its own copy).
    let mut while_electing = 0;
    while killed.elapsed() < Duration::from_secs(4) {
        if let Err(error) = secrets.refresh() {
            panic!(
                "a refresh {:?} after the kill failed: {error}",
                killed.elapsed()
            );
        }
        assert_eq!(
            secrets.get("database_url").unwrap().expose(),
            "database_url-value"
        );
        if (0..3).all(|node| node == leader || cluster.health(node) != Some(200)) {
            while_electing += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        while_electing > 0,
        "no refresh was answered during the election"
    );
    // A rotation by the same process after the failover, read back at once.
    new_leader(&cluster, leader);
    put_and_read("after-the-election");
}

pub(super) fn rotate_and_rollback_go_through_a_leader_kill() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "rotation");
    let dir = app("rotation", "");
    let manifest_path = dir.path().join("secrets.toml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap().replace(
        "[secrets.secret_key]\nrequired = true\n",
        "[secrets.secret_key]\nrequired = true\nrotate_every = \"90d\"\ngenerate = { bytes = 32, format = \"urlsafe\" }\n",
    );
    std::fs::write(&manifest_path, manifest).unwrap();
    let leader = cluster.active();
    let nodes = addresses(&cluster, leader);
    cluster.kill(leader);
    let rotated = secretary(dir.path(), &cluster, &nodes)
        .args(["--env", "rotation", "rotate", "secret_key"])
        .output()
        .unwrap();
    assert!(rotated.status.success(), "{}", text(&rotated));
    let versions = cluster.kv_versions("rotation/secret_key", "value");
    assert_eq!(versions.len(), 2, "one new version, not two: {versions:?}");
    let new = versions[1].1.clone().unwrap();
    assert_ne!(new, "secret_key-value");
    assert!(
        !text(&rotated).contains(&new),
        "the new value was printed:\n{}",
        text(&rotated)
    );
    // `rollback` is another process, without the rotation's X-Vault-Index: it reads what
    // a standby holds, which trails the leader by 60 to 100 ms (docs/concepts/failover.md).
    // Once every live node has the rotation, as a person typing the next command would find
    // it, it must roll back through the failover.
    let start = std::time::Instant::now();
    while (0..3).filter(|&node| node != leader).any(|node| {
        cluster
            .kv_get(node, "rotation/secret_key", "value")
            .as_deref()
            != Some(&new)
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the rotation did not reach every live node"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rolled_back = secretary(dir.path(), &cluster, &nodes)
        .args(["--env", "rotation", "rollback", "secret_key"])
        .output()
        .unwrap();
    assert!(rolled_back.status.success(), "{}", text(&rolled_back));
    let versions = cluster.kv_versions("rotation/secret_key", "value");
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[2].1.as_deref(), Some("secret_key-value"));
}

pub(super) fn run_watch_keeps_running_through_a_failover_and_sees_the_rotation() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "watch");
    let dir = app("watch", "");
    let leader = cluster.active();
    let nodes = addresses(&cluster, leader);
    let program = r#"
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("started", os.environ["SECRET_KEY"], flush=True)
while True: time.sleep(0.05)
"#;
    let mut child = secretary(dir.path(), &cluster, &nodes)
        .args([
            "--env",
            "watch",
            "run",
            "--watch",
            "300ms",
            "--on-change",
            "restart",
            "--",
        ])
        .args(["python3", "-u", "-c", program])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Lines::new(child.stdout.take().unwrap());
    assert_eq!(lines.line().trim_end(), "started secret_key-value");
    cluster.kill(leader);
    let new = new_leader(&cluster, leader);
    cluster.kv_put("watch/secret_key", &[("value", "rotated-during-failover")]);
    let _ = new;
    let seen = Arc::new(Mutex::new(String::new()));
    let reading = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        while let Some(line) = lines.next_line() {
            if line.starts_with("started rotated") {
                *reading.lock().unwrap() = line;
                return;
            }
        }
    });
    let started = Instant::now();
    while seen.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = rustix_kill(&child);
    let output = process::output(child);
    let _ = reader.join();
    assert_eq!(
        seen.lock().unwrap().trim_end(),
        "started rotated-during-failover",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("rotated-during"),
        "a value on stderr"
    );
}

/// Sends SIGTERM to `child` (through `kill`, to keep this test free of `unsafe`).
fn rustix_kill(child: &std::process::Child) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
}

pub(super) fn a_pod_logs_in_with_its_jwt_while_the_leader_is_being_replaced() {
    let cluster = Cluster::shared().lock();
    seed(&cluster, "jwtlogin");
    let leader = cluster.active();
    let key = Jwt::new();
    let pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pem.path(), key.public_pem()).unwrap();
    let policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        policy.path(),
        "path \"secret/data/jwtlogin/*\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    let _ = cluster.request(
        leader,
        "DELETE",
        "/v1/sys/auth/jwt",
        &[("X-Vault-Token", cluster.token())],
        None,
    );
    cluster.bao(
        leader,
        &[
            "policy",
            "write",
            "jwt-read",
            policy.path().to_str().unwrap(),
        ],
    );
    cluster.bao(leader, &["auth", "enable", "jwt"]);
    cluster.bao(
        leader,
        &[
            "write",
            "auth/jwt/config",
            &format!("jwt_validation_pubkeys=@{}", pem.path().display()),
        ],
    );
    cluster.bao(
        leader,
        &[
            "write",
            "auth/jwt/role/api",
            "role_type=jwt",
            "user_claim=sub",
            "bound_audiences=secretary",
            "token_policies=jwt-read",
            "token_ttl=3s",
            "token_max_ttl=60s",
        ],
    );
    let dir = app(
        "jwtlogin",
        "auth = \"jwt\"\njwt_role = \"api\"\njwt_file = \"token\"",
    );
    std::fs::write(
        dir.path().join("token"),
        key.token("system:serviceaccount:app:api", "secretary", 600),
    )
    .unwrap();
    let nodes = addresses(&cluster, leader);
    // No Vault token anywhere: not in the environment, not in ~/.vault-token.
    let login = || {
        support::secretary_in(dir.path())
            .env("VAULT_ADDR", &nodes)
            .env("HOME", dir.path())
            .args(["--env", "jwtlogin", "check"])
            .output()
            .unwrap()
    };
    let output = login();
    assert!(output.status.success(), "{}", text(&output));
    // The login is a write: made while the leader is gone, it waits for the new one.
    cluster.kill(leader);
    let output = login();
    assert!(output.status.success(), "{}", text(&output));
    let said = text(&output);
    let jwt = std::fs::read_to_string(dir.path().join("token")).unwrap();
    assert!(!said.contains(&jwt[..20]), "the JWT was shown");
}
