//! `secretary run [--only K,..] [--reset] [--shell] [--redact] -- CMD ARGS...`: start a program with
//! its secrets in its environment, for applications in any language.
//!
//! - Every secret is resolved and validated first; with any problem the full report is
//!   printed and nothing is started (exit 1).
//! - The child gets our environment (or, with `--reset`, only `PATH`, `HOME`, `USER`,
//!   `LANG`, `TERM` and `TZ`) plus each secret under its primary env name. Vault
//!   credentials (`VAULT_TOKEN`, `BAO_TOKEN`, AppRole ids) are removed unless the manifest
//!   declares them as secrets. Our own environment is never changed.
//! - The program is started directly, with no shell, unless `--shell` is given. A
//!   program that does not exist exits 127; one that cannot be executed exits 126.
//! - Without `--redact`, `run` *becomes* the program (`execve`): same pid, signals reach
//!   it directly, its exit status (or the signal that killed it) is the status, and
//!   nothing of ours, values included, stays in memory.
//! - With `--redact`, the program is a child whose stdout and stderr go through the
//!   streaming redactor (see [`secretary::redact`]). SIGINT, SIGTERM, SIGHUP, SIGQUIT,
//!   SIGUSR1 and SIGUSR2 are forwarded to it. A SIGINT from the terminal (Ctrl-C) already
//!   reached the child, which shares our process group, so only a SIGINT sent by a
//!   process is forwarded. `run` exits with the child's status, or 128+N when signal N
//!   killed it.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, mpsc};

use rustix::process::{Pid, Signal};
use secretary::manifest::EnvironmentSpec;
use secretary::redact::Redactor;
use secretary::{Manifest, Variables};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use super::Failure;
use crate::exit::Status;

/// What `--reset` keeps.
const MINIMAL: [&str; 6] = ["PATH", "HOME", "USER", "LANG", "TERM", "TZ"];

/// Credentials that are not passed on unless a secret declares them.
const CREDENTIALS: [&str; 6] = [
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "BAO_ROLE_ID",
    "VAULT_SECRET_ID",
    "BAO_SECRET_ID",
];

/// The signals passed on to the child.
pub(super) const FORWARDED: [i32; 6] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2];

/// `run`'s flags.
pub struct Options<'a> {
    pub only: &'a [String],
    pub reset: bool,
    pub shell: bool,
    pub redact: bool,
    pub watch: Option<super::watch::Watch>,
    pub command: &'a [String],
}

/// Builds the child's command: program, arguments and environment.
pub(super) fn command(
    manifest: &Manifest,
    vars: &Variables,
    report: &secretary::Report,
    options: &Options<'_>,
) -> Command {
    let mut command = if options.shell {
        let mut sh = Command::new("/bin/sh");
        sh.arg("-c").arg(options.command.join(" "));
        sh
    } else {
        let mut direct = Command::new(&options.command[0]);
        direct.args(&options.command[1..]);
        direct
    };
    let declared: HashSet<&str> = manifest
        .secrets()
        .iter()
        .flat_map(|s| s.env.iter().map(String::as_str))
        .collect();
    command.env_clear();
    for (name, value) in vars.iter() {
        let keep = name.to_str().is_some_and(|name| {
            (!options.reset || MINIMAL.contains(&name))
                && (!CREDENTIALS.contains(&name) || declared.contains(name))
        });
        if keep {
            command.env(name, value);
        }
    }
    for resolution in &report.resolutions {
        if let (Some(value), Ok(spec)) = (&resolution.value, manifest.secret(&resolution.key)) {
            command.env(spec.primary_env(), OsStr::new(value.expose()));
        }
    }
    command
}

pub fn run(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    options: &Options<'_>,
) -> Result<Status, Failure> {
    let keys: Vec<&str> = options.only.iter().map(String::as_str).collect();
    let what = ("run", "run", "nothing was started");
    let Some(report) = super::resolve_or_report(manifest, environment, vars, &keys, what)? else {
        return Ok(Status::Problems);
    };
    let scope = super::scope(&keys);
    if let Some(watch) = options.watch {
        return super::watch::supervise(manifest, environment, vars, scope, options, report, watch);
    }
    let program = &options.command[0];
    let mut command = command(manifest, vars, &report, options);
    if !options.redact {
        // Become the program: signals reach it directly, its status is ours, and our
        // memory, values included, is gone. `exec` only returns on failure.
        drop(report);
        let error = command.exec();
        return Ok(not_started(program, &error));
    }
    // Handlers go in before the child starts, so no signal falls between the two.
    let signals = SignalsInfo::<WithOrigin>::new(FORWARDED)?;
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let redactor = Redactor::from_report(&report, manifest);
    drop(report);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Ok(not_started(program, &error)),
    };
    let handle = signals.handle();
    let pid = Arc::new(AtomicI32::new(pid_of(&child)));
    let forwarder = forward(signals, pid, None);
    // With `--redact`, one thread per stream copies the child's output through the
    // redactor, so neither pipe can fill up and block the child while we wait on the other.
    let status = std::thread::scope(|scope| {
        let redactor = &redactor;
        if let Some(stdout) = child.stdout.take() {
            scope.spawn(move || super::redact::pump(|| redactor, stdout, io::stdout()));
        }
        if let Some(stderr) = child.stderr.take() {
            scope.spawn(move || super::redact::pump(|| redactor, stderr, io::stderr()));
        }
        child.wait()
    })?;
    handle.close();
    let _ = forwarder.join();
    Ok(exit_status(status))
}

/// Says why the program could not be started; 127 when it does not exist, else 126.
pub(super) fn not_started(program: &str, error: &io::Error) -> Status {
    let (code, what) = match error.kind() {
        io::ErrorKind::NotFound => (127, "not found (is it installed and on PATH?)".to_owned()),
        io::ErrorKind::PermissionDenied => (126, "not executable".to_owned()),
        _ => (126, format!("cannot be started: {error}")),
    };
    eprintln!("error: `{program}` {what}");
    Status::Exit(code)
}

/// Forwards signals to the child whose pid `current` holds, on a thread of its own until
/// `signals` is closed. With `hup`, a SIGHUP to us goes there instead (re-resolve now).
/// A terminal's Ctrl-C, which reached the child already, is not sent twice.
pub(super) fn forward(
    mut signals: SignalsInfo<WithOrigin>,
    current: Arc<AtomicI32>,
    hup: Option<mpsc::Sender<()>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for origin in signals.forever() {
            if let (SIGHUP, Some(hup)) = (origin.signal, &hup) {
                let _ = hup.send(());
                continue;
            }
            if origin.signal == SIGINT && origin.cause == Cause::Kernel {
                continue; // Ctrl-C: the terminal sent it to the child already.
            }
            send(current.load(Ordering::SeqCst), origin.signal);
        }
    })
}

/// The child's pid, as `kill(2)` takes it.
pub(super) fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(0)
}

/// Sends `signal` to `pid`, if both are valid.
pub(super) fn send(pid: i32, signal: i32) {
    if let (Some(pid), Some(signal)) = (Pid::from_raw(pid), Signal::from_named_raw(signal)) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// The child's exit code, or 128+N when signal N killed it.
pub(super) fn exit_status(status: ExitStatus) -> Status {
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    };
    Status::Exit(u8::try_from(code & 0xff).unwrap_or(1))
}
