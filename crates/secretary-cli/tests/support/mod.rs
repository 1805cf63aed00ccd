//! What the command-line tests share: which `secretary` executable they run, and how.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The executable under test: `SECRETARY_BIN` when it is set, else the one cargo built for
/// this test run. `scripts/test` sets it to run these tests a second time against the
/// installed fast start-up build (`scripts/install`), which links glibc statically.
pub fn secretary() -> PathBuf {
    std::env::var_os("SECRETARY_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_secretary")),
        PathBuf::from,
    )
}

/// `secretary` run in `dir` with a clean environment: only `PATH` from the host, so that
/// what a test sets is all it gets; and with the default signal dispositions, so that a
/// suite started under `nohup` (SIGHUP, SIGINT, SIGQUIT ignored) tests what it would
/// otherwise (`run` rightly keeps the dispositions it inherited as ignored).
pub fn secretary_in(dir: &Path) -> Command {
    let mut cmd = secretary_test_support::process::default_signals(&secretary());
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}
