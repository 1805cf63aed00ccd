//! Benchmark (issue 15): secretary against a three-node OpenBao Raft cluster that loses
//! its leader.
//!
//! 1. Failover: 20 processes at a time each run `secretary --env production check` (the
//!    reference application's 14 secrets from Vault) in a loop, with the active node
//!    first in `VAULT_ADDR`, and a `put` loop beside them; the active node is killed
//!    (`SIGKILL`) and the loops go on until 5 s after a new leader is elected. Reported: how many
//!    reads and puts failed, the longest any read and any put waited, and the election
//!    (kill to a new active node) for comparison.
//! 2. Healthy cost: the same `check` against the healthy cluster (three addresses) and
//!    against one `bao server -dev`, in interleaved rounds, medians compared.
//!
//! Run by bench/cluster.sh (`cargo bench -p secretary-cli --bench cluster`), which uses
//! the installed fast start-up build (`SECRETARY_BIN`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark: a panic is the failure report, stdout its output"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secretary_test_support::{Cluster, OpenBao};

const KEYS: [(&str, &str); 14] = [
    ("database_url", "postgresql://app:pw-1234567890@db:5432/app"),
    ("postgres_user", "app"),
    ("postgres_password", "pw-1234567890"),
    ("youtube_api_key", "AIzaSy-bench-value-0000000000000000000"),
    ("anthropic_api_key", "sk-ant-bench-value-00000000000000"),
    ("google_client_id", "1234-bench.apps.googleusercontent.com"),
    ("google_client_secret", "GOCSPX-bench-value-00000000"),
    ("secret_key", "bench-secret-key-0123456789abcdef0123456789"),
    ("encryption_key", "bench-encryption-key-0123456789abcdef012"),
    ("redis_password", "bench-redis-password"),
    ("mongodb_uri", "mongodb://app:pw@mongo:27017/app"),
    ("environment", "production"),
    ("debug_mode", "false"),
    ("log_level", "INFO"),
];

const READERS: usize = 20;

fn secretary() -> PathBuf {
    std::env::var_os("SECRETARY_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/secretary"),
        PathBuf::from,
    )
}

/// A copy of the reference application's manifest in a directory of its own, its 14
/// secrets all in KV (as its production was before its PostgreSQL credentials came with
/// a lease, issue 22): what this benchmark measures is KV reads through a failover.
fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/faceless-youtube/secrets.toml");
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut kv = String::new();
    let mut template = false;
    for line in text.lines() {
        if line == "[environments.production.secrets.database_url]" {
            template = true;
        } else if template && line.starts_with("template = ") {
            template = false;
        } else if !template {
            kv.push_str(&line.replace("[\"database\", \"vault\"", "[\"vault\""));
            kv.push('\n');
        }
    }
    std::fs::write(dir.path().join("secrets.toml"), kv).unwrap();
    dir
}

fn check(dir: &Path, addresses: &str, token: &str) -> (bool, Duration) {
    let started = Instant::now();
    let output = Command::new(secretary())
        .current_dir(dir)
        .env_clear()
        .env("VAULT_ADDR", addresses)
        .env("VAULT_TOKEN", token)
        .env("HOME", dir)
        .args(["--env", "production", "check"])
        .output()
        .unwrap();
    (output.status.success(), started.elapsed())
}

fn put(dir: &Path, addresses: &str, token: &str, value: &str) -> (bool, Duration) {
    let started = Instant::now();
    let mut child = Command::new(secretary())
        .current_dir(dir)
        .env_clear()
        .env("VAULT_ADDR", addresses)
        .env("VAULT_TOKEN", token)
        .env("HOME", dir)
        .args(["--env", "production", "put", "redis_password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    (child.wait().unwrap().success(), started.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dir = app();
    failover(dir.path());
    healthy(dir.path());
}

/// Reads and writes in loops while the leader dies.
fn failover(dir: &Path) {
    let cluster = Cluster::shared().lock();
    for (key, value) in KEYS {
        cluster.kv_put(&format!("production/{key}"), &[("value", value)]);
    }
    let leader = cluster.active();
    let mut nodes = cluster.addresses();
    let first = nodes.remove(leader);
    nodes.insert(0, first);
    let addresses = nodes.join(",");
    let token = cluster.token().to_owned();

    // 1. Failover.
    let stop = Arc::new(AtomicBool::new(false));
    let reads: Arc<Mutex<Vec<(Instant, bool, Duration)>>> = Arc::default();
    let puts: Arc<Mutex<Vec<(Instant, bool, Duration)>>> = Arc::default();
    let mut threads = Vec::new();
    for _ in 0..READERS {
        let (stop, reads, dir, addresses, token) = (
            Arc::clone(&stop),
            Arc::clone(&reads),
            dir.to_path_buf(),
            addresses.clone(),
            token.clone(),
        );
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let (ok, took) = check(&dir, &addresses, &token);
                reads.lock().unwrap().push((Instant::now(), ok, took));
            }
        }));
    }
    {
        let (stop, puts, dir, addresses, token) = (
            Arc::clone(&stop),
            Arc::clone(&puts),
            dir.to_path_buf(),
            addresses.clone(),
            token.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let (ok, took) = put(&dir, &addresses, &token, &format!("bench-redis-{n:06}"));
                puts.lock().unwrap().push((Instant::now(), ok, took));
                n += 1;
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(3));
    let killed = Instant::now();
    cluster.kill(leader);
    let election = loop {
        if (0..3).any(|node| node != leader && cluster.health(node) == Some(200)) {
            break killed.elapsed();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    for thread in threads {
        thread.join().unwrap();
    }
    let reads = reads.lock().unwrap();
    let puts = puts.lock().unwrap();
    let summary = |name: &str, rounds: &[(Instant, bool, Duration)]| {
        let failed = rounds.iter().filter(|(_, ok, _)| !ok).count();
        let longest = rounds
            .iter()
            .map(|(_, _, took)| *took)
            .max()
            .unwrap_or_default();
        let during: Vec<Duration> = rounds
            .iter()
            .filter(|(ended, _, took)| {
                *ended >= killed && ended.duration_since(killed) <= election + *took
            })
            .map(|(_, _, took)| *took)
            .collect();
        let before: Vec<Duration> = rounds
            .iter()
            .filter(|(ended, ..)| *ended < killed)
            .map(|(_, _, took)| *took)
            .collect();
        println!(
            "{name}: {} in all, {failed} failed; longest {:.0} ms; median before the kill {:.1} ms; {} overlapped the election",
            rounds.len(),
            longest.as_secs_f64() * 1e3,
            median(before).as_secs_f64() * 1e3,
            during.len(),
        );
    };
    println!(
        "failover: {READERS} processes reading 14 secrets in a loop and one put loop; leader SIGKILLed; election (kill to a new active node) {:.0} ms",
        election.as_secs_f64() * 1e3
    );
    summary("reads", &reads);
    summary("puts", &puts);
}

/// What a healthy cluster costs, against one server, in interleaved rounds.
fn healthy(dir: &Path) {
    let cluster = Cluster::shared().lock();
    for (key, value) in KEYS {
        cluster.kv_put(&format!("production/{key}"), &[("value", value)]);
    }
    let single = OpenBao::start();
    for (key, value) in KEYS {
        single.kv_put(&format!("production/{key}"), &[("value", value)]);
    }
    let clustered = cluster.addresses().join(",");
    let rounds = 200;
    let (mut on_cluster, mut on_single) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        check(dir, &clustered, cluster.token());
        check(dir, &single.address, &single.token);
    }
    for _ in 0..rounds {
        let (ok, took) = check(dir, &clustered, cluster.token());
        assert!(ok);
        on_cluster.push(took);
        let (ok, took) = check(dir, &single.address, &single.token);
        assert!(ok);
        on_single.push(took);
    }
    let (c, s) = (median(on_cluster), median(on_single));
    println!(
        "healthy: `check` of 14 secrets, {rounds} interleaved rounds: cluster (3 addresses, node 0 first) median {:.2} ms, one dev server {:.2} ms: {:.2}x",
        c.as_secs_f64() * 1e3,
        s.as_secs_f64() * 1e3,
        c.as_secs_f64() / s.as_secs_f64()
    );
}
