//! The production guide (`docs/guides/cluster.md`), run as written: every `sh` block
//! between its `runbook-cluster:start` and `runbook-cluster:end` markers, in order, in one
//! bash with `set -euo pipefail`: a CA and a certificate made with openssl, three OpenBao
//! nodes on Raft storage with TLS, initialised, unsealed and joined; policies, a userpass
//! login for a person and AppRole for the service; a person's writes, the service's
//! run through a response-wrapped secret id, and a check after the leader is killed. The
//! one change made to the text: the nodes' ports (the line that names them) become free
//! ones, so that the test can run beside others.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::collections::BTreeSet;

use crate::runbook::{Steps, runbook_blocks};

/// The guide this test follows.
const GUIDE: &str = include_str!("../../../../docs/guides/cluster.md");
/// The guide's line that names the nodes' ports.
const PORTS: &str = "api=(8301 8311 8321) cluster=(8302 8312 8322)";

#[test]
fn the_production_cluster_guide_works_as_written() {
    let blocks = runbook_blocks(GUIDE, "runbook-cluster");
    assert!(blocks.len() >= 7, "{blocks:?}");
    assert!(
        blocks.iter().any(|block| block.contains(PORTS)),
        "the guide names its ports on one line: {PORTS}"
    );
    let mut ports = BTreeSet::new();
    while ports.len() < 6 {
        ports.insert(secretary_test_support::free_port());
    }
    let ports: Vec<u16> = ports.into_iter().collect();
    let free = format!(
        "api=({} {} {}) cluster=({} {} {})",
        ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
    );
    let dir = tempfile::tempdir().unwrap();
    // The nodes the guide starts listen on free ports instead of its own.
    let blocks: Vec<String> = blocks
        .iter()
        .map(|block| block.replace(PORTS, &free))
        .collect();
    let steps = Steps {
        label: "cluster guide",
        servers: true,
        seconds: 300,
    };
    let (output, said) = steps.run(&blocks, dir.path());
    assert!(output.status.success(), "the cluster guide failed:\n{said}");
    // Three voters; the person's token chose the login, with a warning; the service ran
    // on its own AppRole login; the check after the leader's death passed.
    let voters = said
        .lines()
        .filter(|line| line.starts_with("node-") && line.ends_with(" true"))
        .count();
    assert_eq!(voters, 3, "three voters: {said}");
    assert!(
        said.contains("but the token in VAULT_TOKEN is used"),
        "the person's token is said to win over the manifest's login: {said}"
    );
    assert!(said.contains("rotated secret_key"), "{said}");
    assert!(
        said.contains("started with a 43 character SECRET_KEY"),
        "the service's run: {said}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ran = stdout
        .find("started with a 43 character SECRET_KEY")
        .unwrap();
    assert!(
        stdout[ran..].contains(
            "ok: 2 secrets valid in environment `production` (secrets.toml): 2 set, 0 optional not set"
        ),
        "the check with the leader dead: {said}"
    );
    // No value on the way, and no token left behind for a later command to pick up.
    assert!(
        !said.contains("prod-password"),
        "a value was printed:\n{said}"
    );
    assert!(
        !dir.path().join(".vault-token").exists(),
        "a token was left in ~/.vault-token"
    );
}
