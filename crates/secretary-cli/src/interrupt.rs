//! What SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGALRM do before `run`
//! hands them to its program:
//! stop what reading the secrets left running (a provider's or `sops`'s process group,
//! the leases issued so far), then end as the signal would have. Without this, a signal
//! during start-up (Ctrl-C while a provider ran, a SIGTERM while Vault was slow) left the
//! provider running and the leases alive until their TTL (an eighth adversarial pass).
//! Signals inherited as ignored (`nohup`) stay ignored.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::{Cause, Origin};

/// The signals that stop a start-up: those a sender aims at a program, which `run`
/// forwards to it once it runs ([`crate::child::FORWARDED`]; USR1, USR2 and ALRM too: a
/// fortieth adversarial pass saw a log rotator's SIGUSR1 end the start-up by default
/// with a lease left alive and nothing said). Others whose default ends the process
/// (PWR, VTALRM, PROF, IO, the real-time ones) keep it.
const STOPPING: [i32; 7] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM];

/// How long a stop waits for Vault to revoke the leases.
const REVOKE_WAIT: Duration = Duration::from_secs(5);

/// The guard's handle and thread, until [`hand_over`].
static GUARD: Mutex<Option<(Handle, JoinHandle<()>)>> = Mutex::new(None);

/// Set when a signal is being acted on: the command's own ending (a provider killed
/// fails its source, and the command would exit 1) waits for the signal's instead.
static ACTING: AtomicBool = AtomicBool::new(false);

/// Set by [`take_hup`]: SIGHUP sent by a process means "re-read now" (`run --watch`),
/// not "stop".
static HUP_TAKEN: AtomicBool = AtomicBool::new(false);

/// Set when such a SIGHUP came after [`take_hup`], before the forwarder listens.
static HUP_SEEN: AtomicBool = AtomicBool::new(false);

/// Whether the process had a controlling terminal when it started ([`install`]), until
/// its hangup was taken ([`terminal_hung_up`]).
static HAD_TERMINAL: AtomicBool = AtomicBool::new(false);

/// The parent this process had when it started ([`install`]): the shell whose job it is.
static PARENT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Whether a SIGHUP that `sender` sent is the terminal's hangup, passed on: the process
/// had a controlling terminal, it has none now (`/dev/tty` fails to open with ENXIO or
/// EIO, not any error), and the sender is the shell whose job this is: the session's
/// leader, or the parent this process had when it started. A hangup takes the
/// controlling terminal from every process of its session before the session's leader
/// is told (Linux's `tty_signal_session_leader`), and the leader, a shell, passes it on
/// to its jobs with `killpg` (a twenty-ninth adversarial pass: under `--watch` in an
/// interactive shell, closing the terminal was taken for a re-read, and the program ran
/// on). The sender is known by its pid, never looked up: the shell exits right after
/// (a thirty-first adversarial pass saw its session asked for once it was gone). Taken
/// once: a later SIGHUP is a re-read again, and so is one another process of the
/// session sends (a `kill -HUP` from a sibling job), or one typed in a live shell.
pub fn terminal_hung_up(sender: Option<i32>) -> bool {
    if !HAD_TERMINAL.load(Ordering::SeqCst) {
        return false;
    }
    let Some(sender) = sender else {
        return false;
    };
    let leader = rustix::process::getsid(None)
        .ok()
        .map(rustix::process::Pid::as_raw_nonzero);
    let shell = sender != 0
        && (leader.is_some_and(|leader| leader.get() == sender)
            || PARENT.load(Ordering::SeqCst) == sender);
    if !shell {
        return false;
    }
    let gone = std::fs::OpenOptions::new()
        .read(true)
        .open("/dev/tty")
        .err()
        .and_then(|error| error.raw_os_error())
        .is_some_and(|code| code == libc_enxio() || code == libc_eio());
    if gone {
        HAD_TERMINAL.store(false, Ordering::SeqCst);
    }
    gone
}

/// `ENXIO`: no such device (a process without a controlling terminal opens `/dev/tty`).
fn libc_enxio() -> i32 {
    rustix::io::Errno::NXIO.raw_os_error()
}

/// `EIO`: what a hung-up terminal's reads and opens give.
fn libc_eio() -> i32 {
    rustix::io::Errno::IO.raw_os_error()
}

/// What to undo before a signal ends the process ([`undo_on_stop`]): a terminal left
/// with echo off by `put`'s hidden prompt.
type Undo = Box<dyn Fn() + Send>;
static UNDO: Mutex<Option<Undo>> = Mutex::new(None);

/// Until [`keep_on_stop`], a signal that ends the process first runs `undo`. The prompt's
/// own handler restores the terminal too, but this guard may end the process first (a
/// fresh-clone run of this stop saw echo left off after Ctrl-C at the prompt).
pub fn undo_on_stop(undo: impl Fn() + Send + 'static) {
    *UNDO.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(undo));
}

/// Forgets what [`undo_on_stop`] was given.
pub fn keep_on_stop() {
    UNDO.lock().unwrap_or_else(PoisonError::into_inner).take();
}

/// Installs the guard, for the whole process until [`hand_over`]. A failure to install it
/// leaves the signals' defaults, as before.
pub fn install() {
    PARENT.store(
        rustix::process::getppid().map_or(0, |pid| pid.as_raw_nonzero().get()),
        Ordering::SeqCst,
    );
    HAD_TERMINAL.store(
        std::fs::OpenOptions::new()
            .read(true)
            .open("/dev/tty")
            .is_ok(),
        Ordering::SeqCst,
    );
    let wanted: Vec<i32> = STOPPING
        .into_iter()
        .filter(|&signal| !ignored(signal))
        .collect();
    let Ok(mut signals) = SignalsInfo::<WithOrigin>::new(wanted) else {
        return;
    };
    let handle = signals.handle();
    let thread = std::thread::Builder::new()
        .name("secretary-signals".to_owned())
        .spawn(move || {
            for origin in signals.forever() {
                stop(&origin);
            }
            // Handed over: a signal taken just before is acted on still, while the hand
            // over waits for this thread, rather than lost with it (before `exec`, or
            // before the forwarder had a child to send it to: a twenty-second
            // adversarial pass).
            for origin in signals.pending() {
                stop(&origin);
            }
        });
    if let Ok(thread) = thread {
        *GUARD.lock().unwrap_or_else(PoisonError::into_inner) = Some((handle, thread));
    }
}

/// Whether this process inherited `signal` as ignored (`nohup` ignores SIGHUP), from
/// Linux's `/proc/self/status`; `false` where that cannot be read. Such a signal stays
/// ignored, for secretary and for the program `run` starts.
pub fn ignored(signal: i32) -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mask = status
        .lines()
        .find_map(|line| line.strip_prefix("SigIgn:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    u32::try_from(signal - 1)
        .ok()
        .and_then(|bit| mask.checked_shr(bit))
        .is_some_and(|bits| bits & 1 == 1)
}

/// Whether a signal is ending the process. What the command would still print then (a
/// source that failed because its provider was just killed, `exited with signal 9`) is
/// not said: the signal, not the source, is why it ends (a twelfth adversarial pass).
pub fn acting() -> bool {
    ACTING.load(Ordering::SeqCst)
}

/// Called as the command ends: while a signal is being acted on, waits for it to end the
/// process (bounded: the longest a stop's revocations take, and a second; a thirty-sixth
/// adversarial pass saw this wait end first, and the command's own exit take the
/// signal's place).
pub fn settle() {
    if !ACTING.load(Ordering::SeqCst) {
        return;
    }
    // Until the stop has said what it could not revoke and logged out, within the most
    // those take (the command's own end once came first, under load, and cut a warning
    // after its first word), then a second for it to end the process.
    let most = REVOKE_WAIT + secretary::source::SHUTDOWN_SLACK + LOG_OUT_WAIT;
    let start = std::time::Instant::now();
    while !SAID.load(Ordering::SeqCst) && start.elapsed() < most {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_secs(1));
}

/// The stop said what it had to and logged out: it ends the process next.
static SAID: AtomicBool = AtomicBool::new(false);

/// The most a stop's log-out takes ([`crate::commands::log_out`]), and a second.
const LOG_OUT_WAIT: Duration = Duration::from_secs(6);

/// From now on SIGHUP is someone else's (`run --watch`'s "re-read now").
pub fn take_hup() {
    HUP_TAKEN.store(true, Ordering::SeqCst);
}

/// Whether a SIGHUP a process sent came since [`take_hup`].
pub fn hup_seen() -> bool {
    HUP_SEEN.load(Ordering::SeqCst)
}

/// Stops the process for the signal `origin` tells (see the module's text), unless it is
/// a SIGHUP a process sent after `run --watch` took them: a re-read, noted. One the
/// kernel sends is the terminal hanging up, and stops the start-up as it would without
/// `--watch` (a twenty-eighth adversarial pass saw it taken for a re-read, and the
/// program started for a terminal already gone).
fn stop(origin: &Origin) {
    let signal = origin.signal;
    if signal == SIGHUP
        && HUP_TAKEN.load(Ordering::SeqCst)
        && origin.cause != Cause::Kernel
        && !terminal_hung_up(origin.process.map(|process| process.pid))
    {
        HUP_SEEN.store(true, Ordering::SeqCst);
        return;
    }
    ACTING.store(true, Ordering::SeqCst);
    if let Some(undo) = UNDO.lock().unwrap_or_else(PoisonError::into_inner).take() {
        undo();
    }
    // Said past `ACTING`, which silences everything else now (a thirty-sixth adversarial
    // pass found these warnings never shown).
    let warnings = match secretary::source::shutdown(REVOKE_WAIT) {
        Some(events) => crate::commands::unrevoked(&events),
        None => vec![crate::diagnostic::Diagnostic::warning(
            "the leases issued so far were not all revoked in time: their credentials may work until their TTL ends",
        )],
    };
    for warning in warnings {
        warning.say_past_silence();
    }
    // The login a start-up made (one under way is waited for, within the bound): its
    // token would work until its TTL (a forty-sixth adversarial pass).
    crate::commands::log_out();
    SAID.store(true, Ordering::SeqCst);
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    std::process::exit(128 + signal);
}

/// Just before `run` becomes its program (`exec`): from now on a stopping signal ends
/// the process at once, as it would by default (128+N, no program started), and the
/// guard ends. A signal the guard had taken in the last moment before `exec` was lost
/// with its thread, and the program then ran as if none had been sent (a
/// twenty-second adversarial pass). `exec` gives the program the default dispositions
/// (or the ignored ones secretary was started with).
pub fn before_exec() {
    for signal in STOPPING {
        if !ignored(signal) {
            let _ = signal_hook::flag::register_conditional_default(
                signal,
                std::sync::Arc::new(AtomicBool::new(true)),
            );
        }
    }
    hand_over();
}

/// Ends the guard: `run`'s forwarder, installed just before, passes the signals to the
/// program from now on, and `run` revokes the leases when it ends.
pub fn hand_over() {
    let guard = GUARD.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some((handle, thread)) = guard {
        handle.close();
        let _ = thread.join();
    }
}
