//! Process hardening: secretary holds secrets in memory, so it must not leave them in a
//! core dump.

/// Sets `RLIMIT_CORE` to 0 and, on Linux, marks the process not dumpable (which also keeps
/// other processes of the same user from reading its memory through `/proc`).
/// Failures are ignored: hardening is best effort and never stops a command.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(target_os = "linux")]
    {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
}
