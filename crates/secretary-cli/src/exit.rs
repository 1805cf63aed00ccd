//! Exit codes, in one place: 0 success, 1 problems found, 2 usage or manifest error.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything is in order.
    Success,
    /// The command ran and found problems.
    Problems,
    /// The command could not run: bad usage or a bad manifest.
    Error,
    /// A child's exit status (`run`): its code, or 128+N when signal N killed it; 127
    /// when the program does not exist, 126 when it cannot be executed.
    Exit(u8),
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Success => Self::SUCCESS,
            Status::Problems => Self::from(1),
            Status::Error => Self::from(2),
            Status::Exit(code) => Self::from(code),
        }
    }
}
