//! Process hardening: secretary holds secrets in memory, so it must not leave them in a
//! core dump; and a limit on file sizes must not end it before it says what it did.

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

/// Makes a file grown past `RLIMIT_FSIZE` (`ulimit -f`) an error (`EFBIG`) that the
/// command reports, rather than the signal that ends it unseen: under `ulimit -f`, a
/// `put` whose write had landed died while writing the audit line or the copy, and said
/// nothing of it (a twenty-second adversarial pass). A handler, unlike an ignored
/// disposition, does not outlive `exec`: the programs `run` and the sources start get
/// the default. A SIGXFSZ inherited as ignored stays so.
pub fn file_size_errors() {
    use signal_hook::consts::SIGXFSZ;
    if !crate::interrupt::ignored(SIGXFSZ) {
        let _ = signal_hook::flag::register(
            SIGXFSZ,
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
    }
}
