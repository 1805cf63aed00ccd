//! Every node of a real three-node OpenBao cluster down while the application restarts
//! (issue 23): `check` and `run` start in seconds from the last-known-good copy, saying so;
//! on the shared cluster.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test binaries: a panic is the failure report"
)]

use std::fmt::Write as _;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use secretary_test_support::Cluster;

use super::{KEYS, text};
use crate::support;

const KEY: &str = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM=";

pub(super) fn with_every_node_down_the_application_starts_from_the_copy_in_seconds() {
    let cluster = Cluster::shared().lock();
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from(
        "version = 1\n[app]\nname = \"faceless-youtube\"\n[sources.vault]\ntype = \"vault\"\n[environments.outage]\nsources = [\"vault\"]\nlast_known_good = { max_age = \"24h\" }\n",
    );
    for key in KEYS {
        let _ = writeln!(manifest, "[secrets.{key}]\nrequired = true");
        cluster.kv_put(
            &format!("outage/{key}"),
            &[("value", &format!("{key}-lkg-value"))],
        );
    }
    std::fs::write(dir.path().join("secrets.toml"), manifest).unwrap();
    // Read from any node: each must have what was written on the active one.
    cluster.wait_replicated(&KEYS.map(|key| format!("outage/{key}")));
    let nodes = cluster.addresses().join(",");
    let secretary = |args: &[&str]| -> Output {
        let mut command: Command = support::secretary_in(dir.path());
        command
            .env("VAULT_ADDR", &nodes)
            .env("VAULT_TOKEN", cluster.token())
            .env("HOME", dir.path())
            .env("SECRETARY_CACHE_KEY", KEY)
            .args(["--env", "outage"])
            .args(args);
        command.output().unwrap()
    };
    let output = secretary(&["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        dir.path()
            .join(".local/state/secretary/faceless-youtube.outage.lkg")
            .exists()
    );

    for node in 0..3 {
        cluster.kill(node);
    }
    let started = Instant::now();
    let output = secretary(&["check"]);
    let took = started.elapsed();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert!(said.contains("14 set (14 STALE"), "{said}");
    assert!(said.contains("warning: STALE: source `vault` could not be reached (no Vault node could serve the request"), "{said}");
    for address in cluster.addresses() {
        assert!(said.contains(&address), "{address} not named:\n{said}");
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");

    let output = secretary(&[
        "run",
        "--",
        "sh",
        "-c",
        "test \"$SECRET_KEY\" = secret_key-lkg-value && echo started",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "started");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("lkg-value"));
}
