//! The harness itself: what every cluster test relies on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::time::{Duration, Instant};

use secretary_test_support::Cluster;

pub(super) fn the_harness_replaces_a_killed_leader_and_brings_it_back_as_a_voter() {
    let cluster = Cluster::shared().lock();
    assert_eq!(cluster.addresses().len(), 3);
    let version = cluster.kv_put("smoke/leader", &[("value", "before the kill")]);

    let old = cluster.active();
    let killed = Instant::now();
    cluster.kill(old);
    assert_eq!(cluster.health(old), None, "a killed node must not answer");
    let new = loop {
        if let Some(node) = (0..3).find(|&node| cluster.health(node) == Some(200)) {
            break node;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "no new leader within 30 s of the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_ne!(new, old);
    assert_eq!(
        cluster.kv_get(new, "smoke/leader", "value").as_deref(),
        Some("before the kill")
    );
    let after = cluster.kv_put("smoke/leader", &[("value", "after the kill")]);
    assert_eq!(after, version + 1);

    cluster.restart(old);
    let state = cluster.request(
        new,
        "GET",
        "/v1/sys/storage/raft/autopilot/state",
        &[],
        None,
    );
    let state = state.unwrap().json();
    let server = &state["data"]["servers"][format!("node{old}")];
    assert_eq!(server["status"], "voter", "{state:#}");
    assert_eq!(server["healthy"], true, "{state:#}");
    assert_eq!(
        cluster.kv_get(old, "smoke/leader", "value").as_deref(),
        Some("after the kill"),
        "the restarted node has caught up"
    );
    cluster.wait_healthy();
    let versions = cluster.kv_versions("smoke/leader", "value");
    assert_eq!(
        versions[versions.len().saturating_sub(2)..],
        [
            (version, Some("before the kill".to_owned())),
            (after, Some("after the kill".to_owned()))
        ],
        "each write landed once, the last two versions: {versions:?}"
    );
}

pub(super) fn the_harness_hands_a_sealed_node_over_unsealed() {
    let cluster = Cluster::shared().lock();
    let active = cluster.active();
    let standby = (active + 1) % 3;
    cluster.seal(standby);
    let answer = cluster
        .request(standby, "GET", "/v1/secret/data/smoke/sealed", &[], None)
        .unwrap();
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["errors"][0], "Vault is sealed");
    assert!(
        cluster
            .bao(active, &["status", "-format=json"])
            .contains("\"sealed\": false")
    );
    // Left sealed on purpose: the next lock() unseals it.
}
