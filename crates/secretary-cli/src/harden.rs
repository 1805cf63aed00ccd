//! Process hardening: secretary holds secrets in memory, so it must not leave them in a
//! core dump.

/// Sets the soft `RLIMIT_CORE` to 0 and, on Linux, marks the process not dumpable (which also keeps
/// other processes of the same user from reading its memory through `/proc`).
/// Failures are ignored: hardening is best effort and never stops a command.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        // Only the soft limit: a program started by `run` may raise it again for itself.
        let maximum = getrlimit(Resource::Core).maximum;
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum,
            },
        );
    }
    #[cfg(target_os = "linux")]
    {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
}
