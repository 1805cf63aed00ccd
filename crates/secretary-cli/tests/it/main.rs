//! The command line's integration tests, in one binary (one link step): a module per
//! topic, each running the `secretary` executable (`support`). The cluster's scenarios
//! (`cluster/`) kill nodes of one shared three-node cluster on a timetable, so they run
//! one after another as one test, beside the others.

#[path = "../support/mod.rs"]
mod support;

mod architecture;
mod cli;
mod cluster;
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
