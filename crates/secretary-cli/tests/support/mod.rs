//! What the command-line tests share: which `secretary` executable they run.

use std::path::PathBuf;

/// The executable under test: `SECRETARY_BIN` when it is set, else the one cargo built for
/// this test run. `scripts/test` sets it to run these tests a second time against the
/// installed fast start-up build (`scripts/install`), which links glibc statically.
pub fn secretary() -> PathBuf {
    std::env::var_os("SECRETARY_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_secretary")),
        PathBuf::from,
    )
}
