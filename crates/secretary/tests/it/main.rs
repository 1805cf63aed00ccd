//! The library's integration tests, in one binary (one link step instead of ten): each
//! module is one topic; the scripted HTTP server the fault tests share is the test-support crate's.
//! Tests that need a real OpenBao start their own (`secretary_test_support::OpenBao`).

mod architecture;
mod failover;
mod import;
mod jwt;
mod leases;
mod manager;
mod outage;
mod properties;
mod redaction;
mod scan;
mod sources;
mod vault_faults;

/// `report`'s warnings as people read them.
pub fn warnings(report: &secretary::Report) -> Vec<String> {
    report.warnings.iter().map(ToString::to_string).collect()
}
