//! secretary against a real three-node OpenBao cluster on Raft storage, losing nodes:
//! failover of reads, writes, logins and `run --watch` (`failover.rs`), a lease of
//! PostgreSQL credentials kept through a leader kill (`leases.rs`), every node down while
//! the application restarts from its last-known-good copy (`outage.rs`), and the
//! harness's own promises (`harness.rs`). The failover rules themselves, answer by
//! answer, are in the library's `tests/it/failover.rs` against scripted nodes.
//!
//! One cluster serves them all (`Cluster::shared`, about 7 s to start), and each
//! scenario breaks it on purpose, so they run one after another, as one test
//! ([`scenarios`]): a test of its own each would hold one of the binary's test threads
//! waiting for the cluster, and the rest of the command-line tests would wait behind
//! them. As one test, the scenarios run beside the others on the binary's other thread.
//! Each scenario takes the cluster's lock, which hands it over healthy (or rebuilt); a
//! scenario that fails is reported with its panic and the others still run.
//! `SECRETARY_CLUSTER_SCENARIO=text` runs only the scenarios whose names hold `text`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use secretary_test_support::Cluster;

use crate::support;

mod failover;
mod harness;
mod leases;
mod outage;

/// Every scenario, by name, in the order they run: the harness's first, since every other
/// relies on it.
const SCENARIOS: &[(&str, fn())] = &[
    (
        "harness::the_harness_replaces_a_killed_leader_and_brings_it_back_as_a_voter",
        harness::the_harness_replaces_a_killed_leader_and_brings_it_back_as_a_voter,
    ),
    (
        "harness::the_harness_hands_a_sealed_node_over_unsealed",
        harness::the_harness_hands_a_sealed_node_over_unsealed,
    ),
    (
        "failover::reads_never_fail_while_the_leader_is_killed",
        failover::reads_never_fail_while_the_leader_is_killed,
    ),
    (
        "failover::every_acknowledged_put_during_a_leader_kill_is_stored_exactly_once",
        failover::every_acknowledged_put_during_a_leader_kill_is_stored_exactly_once,
    ),
    (
        "failover::a_step_down_interrupts_neither_reads_nor_writes",
        failover::a_step_down_interrupts_neither_reads_nor_writes,
    ),
    (
        "failover::a_sealed_node_first_in_the_list_is_passed_over",
        failover::a_sealed_node_first_in_the_list_is_passed_over,
    ),
    (
        "failover::with_every_node_down_it_fails_closed_in_bounded_time_naming_each",
        failover::with_every_node_down_it_fails_closed_in_bounded_time_naming_each,
    ),
    (
        "failover::a_restarted_node_listed_first_serves_as_a_standby",
        failover::a_restarted_node_listed_first_serves_as_a_standby,
    ),
    (
        "failover::a_process_reads_its_own_writes_through_a_standby",
        failover::a_process_reads_its_own_writes_through_a_standby,
    ),
    (
        "failover::a_manager_refreshes_and_reads_its_puts_through_a_leader_kill",
        failover::a_manager_refreshes_and_reads_its_puts_through_a_leader_kill,
    ),
    (
        "failover::rotate_and_rollback_go_through_a_leader_kill",
        failover::rotate_and_rollback_go_through_a_leader_kill,
    ),
    (
        "failover::run_watch_keeps_running_through_a_failover_and_sees_the_rotation",
        failover::run_watch_keeps_running_through_a_failover_and_sees_the_rotation,
    ),
    (
        "failover::a_pod_logs_in_with_its_jwt_while_the_leader_is_being_replaced",
        failover::a_pod_logs_in_with_its_jwt_while_the_leader_is_being_replaced,
    ),
    (
        "leases::a_lease_is_renewed_through_a_leader_kill_its_credentials_work_all_along_and_close_leaves_nothing",
        leases::a_lease_is_renewed_through_a_leader_kill_its_credentials_work_all_along_and_close_leaves_nothing,
    ),
    (
        "outage::with_every_node_down_the_application_starts_from_the_copy_in_seconds",
        outage::with_every_node_down_the_application_starts_from_the_copy_in_seconds,
    ),
];

/// Runs every scenario (or those `SECRETARY_CLUSTER_SCENARIO` names), one after another
/// on the shared cluster, and fails naming each that failed; each one's panic is printed
/// above the failure, with how long every scenario took.
#[test]
fn scenarios() {
    let only = std::env::var("SECRETARY_CLUSTER_SCENARIO").unwrap_or_default();
    let mut failed = Vec::new();
    let mut ran = 0;
    for &(name, scenario) in SCENARIOS.iter().filter(|(name, _)| name.contains(&only)) {
        say(format_args!("cluster scenario {name}: started"));
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(scenario));
        let took = started.elapsed().as_secs_f64();
        if outcome.is_ok() {
            say(format_args!("cluster scenario {name}: ok in {took:.1} s"));
        } else {
            say(format_args!(
                "cluster scenario {name}: FAILED after {took:.1} s (its panic is above)"
            ));
            failed.push(name);
        }
        ran += 1;
    }
    assert!(ran > 0, "no cluster scenario's name holds {only:?}");
    assert!(
        failed.is_empty(),
        "{} of {ran} cluster scenarios failed (each one's panic is above):\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}

/// A line on the test command's own standard error, past the test harness's capture: a
/// scenario takes seconds to minutes, and this is how far they have got.
fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Every scenario written is in [`SCENARIOS`]: a scenario is a `pub(super) fn` taking
/// nothing in one of this directory's files, and one left out of the list would never run.
#[test]
fn every_scenario_is_listed() {
    let files = [
        ("failover", include_str!("failover.rs")),
        ("harness", include_str!("harness.rs")),
        ("leases", include_str!("leases.rs")),
        ("outage", include_str!("outage.rs")),
    ];
    let mut written = Vec::new();
    for (module, text) in files {
        // A signature may wrap before its `{`, as rustfmt writes long names.
        for piece in text.split("pub(super) fn ").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if piece[name.len()..].starts_with("()") {
                written.push(format!("{module}::{name}"));
            }
        }
    }
    let mut listed: Vec<String> = SCENARIOS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    written.sort();
    listed.sort();
    assert_eq!(
        written, listed,
        "the scenarios written and those in SCENARIOS"
    );
}

/// The reference application's secrets.
pub(super) const KEYS: [&str; 14] = [
    "database_url",
    "postgres_user",
    "postgres_password",
    "youtube_api_key",
    "anthropic_api_key",
    "google_client_id",
    "google_client_secret",
    "secret_key",
    "encryption_key",
    "redis_password",
    "mongodb_uri",
    "environment",
    "debug_mode",
    "log_level",
];

/// An app reading the 14 secrets from `secret/<environment>/<key>`; `auth` goes in its source.
pub(super) fn app(environment: &str, auth: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = format!(
        "version = 1\n[sources.vault]\ntype = \"vault\"\n{auth}\n[environments.{environment}]\nsources = [\"vault\"]\n"
    );
    for key in KEYS {
        let _ = writeln!(manifest, "[secrets.{key}]\nrequired = true");
    }
    std::fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    dir
}

/// Stores every secret of `environment` in the cluster, on every node before it returns.
pub(super) fn seed(cluster: &Cluster, environment: &str) {
    for key in KEYS {
        cluster.kv_put(
            &format!("{environment}/{key}"),
            &[("value", &format!("{key}-value"))],
        );
    }
    cluster.wait_replicated(&KEYS.map(|key| format!("{environment}/{key}")));
}

/// The nodes' addresses as `VAULT_ADDR` lists them, `first` first.
pub(super) fn addresses(cluster: &Cluster, first: usize) -> String {
    let mut all = cluster.addresses();
    let first = all.remove(first);
    all.insert(0, first);
    all.join(",")
}

/// `secretary` in `dir`, logged in as root, talking to `addresses`.
pub(super) fn secretary(dir: &Path, cluster: &Cluster, addresses: &str) -> Command {
    let mut command = support::secretary_in(dir);
    command
        .env("VAULT_ADDR", addresses)
        .env("VAULT_TOKEN", cluster.token())
        .env("HOME", dir);
    command
}

pub(super) fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Waits until some node other than `dead` is active.
pub(super) fn new_leader(cluster: &Cluster, dead: usize) -> usize {
    let started = Instant::now();
    loop {
        if let Some(node) = (0..3).find(|&n| n != dead && cluster.health(n) == Some(200)) {
            return node;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no new leader");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `round` on `threads` threads until `stop`, collecting what each round returned.
pub(super) fn in_a_loop<T: Send + 'static>(
    threads: usize,
    stop: &Arc<AtomicBool>,
    round: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<std::thread::JoinHandle<Vec<T>>> {
    let round = Arc::new(round);
    (0..threads)
        .map(|thread| {
            let stop = Arc::clone(stop);
            let round = Arc::clone(&round);
            std::thread::spawn(move || {
                let mut results = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    results.push(round(thread * 1_000_000 + n));
                    n += 1;
                }
                results
            })
        })
        .collect()
}
