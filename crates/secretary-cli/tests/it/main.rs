//! The command line's integration tests, in one binary (one link step instead of
//! eight): a module per topic, each running the `secretary` executable (`support`). The
//! cluster tests are a binary of their own (`tests/cluster.rs`): they kill nodes on a
//! timetable, and share a cluster that a test holds for its whole run.

#[path = "../support/mod.rs"]
mod support;

mod architecture;
mod cli;
mod docs;
mod export;
mod guides;
mod login;
mod outage;
mod rotation;
mod run;
mod runbook;
mod runbook_aws;
mod runbook_cluster;
mod tls;
mod vault;
