//! `secretary run [--only K,..] [--reset] [--shell] [--redact] [--watch D] -- CMD ARGS...`:
//! start a program with its secrets in its environment, for applications in any language.
//!
//! - Every secret is resolved and validated first; with any problem the full report is
//!   printed and nothing is started (exit 1). So is a value that holds a NUL byte, which
//!   no environment variable can carry.
//! - What the child gets, how `--shell` runs it, which signals are forwarded and how its
//!   status comes back are [`crate::child`]'s.
//! - Without `--redact` or `--watch`, `run` *becomes* the program (`execve`): same pid,
//!   signals reach it directly, its exit status (or the signal that killed it) is the
//!   status, and nothing of ours, values included, stays in memory.
//! - With `--redact`, the program is a child whose stdout and stderr go through the
//!   streaming redactor (see [`secretary::redact`]): every sensitive value the child can
//!   see is replaced, those passed and those of declared secrets it inherits from our
//!   environment (`--only` passes fewer than it may hold). `run` exits with the child's
//!   status once it has exited and both streams are closed.
//! - With `--watch`, see [`super::watch`].

use std::os::unix::process::CommandExt;
use std::sync::{Arc, RwLock};

use secretary::audit::Event;
use secretary::redact::Redactor;
use secretary::source::leases;

use super::Failure;
use super::session::{Refusal, Session};
use super::settings::RunSettings;
use crate::child::{self, Environment, Forwarder};
use crate::diagnostic::Diagnostic;
use crate::exit::Status;

/// What `run` says when a secret has a problem.
const REFUSAL: Refusal = Refusal {
    event: Event::Run,
    verb: "run",
    outcome: "nothing was started",
};

pub fn run(session: &Session, settings: &RunSettings<'_>) -> Result<Status, Failure> {
    // With --watch, SIGHUP means "re-read now", also while the secrets are first read.
    let early_hup = settings.watch.is_some() && child::note_early_hup();
    let Some(report) = session.resolve_or_refuse(&settings.only, REFUSAL)? else {
        return Ok(Status::Problems);
    };
    let program = &settings.program;
    let child_env = Environment::new(session.manifest(), session.vars(), &report, program)
        .map_err(|error| Failure::Unpassable {
            error,
            outcome: REFUSAL.outcome,
        })?;
    // Credentials with a lease: `run` stays, to keep them alive, to restart the program
    // with new ones, and to revoke them once it ends.
    let leased = !leases::held().is_empty();
    if let Some(watch) = settings.supervision(leased)? {
        let first = super::watch::FirstRead {
            report,
            child_env,
            early_hup,
        };
        let status = super::watch::supervise(session, settings, first, watch);
        revoke_leases();
        return status;
    }
    let mut command = child_env.command(program);
    let not_started = |error| Failure::NotStarted {
        program: program.name().to_owned(),
        error,
    };
    if !settings.redact {
        // Become the program: signals reach it directly, its status is ours, and our
        // memory, values included, is gone. `exec` only returns on failure. What this
        // process can no longer say after is said first: a revocation that failed on the
        // way (an unusable lease's: a forty-third adversarial pass saw it unsaid here).
        drop(report);
        say_unrevoked(&leases::failed_revocations());
        // The values are the program's now: the login that read them ends here (a
        // forty-seventh adversarial pass saw each plain `run` leave its token alive).
        log_out();
        crate::interrupt::before_exec();
        return Err(not_started(command.exec()));
    }
    let redactor = Redactor::new(child_env.sensitive(session.manifest(), &report));
    drop(report);
    let redaction = Arc::new(RwLock::new(Arc::new(redactor)));
    // Handlers go in before the child starts, so no signal falls between the two.
    let forwarder = Forwarder::install(None).map_err(Failure::Process)?;
    let mut pumps = Vec::new();
    let mut running = match child::spawn(command, Some(&redaction), &mut pumps) {
        Ok(running) => running,
        Err(error) => {
            forwarder.close();
            return Err(not_started(error));
        }
    };
    forwarder.started(child::pid_of(&running));
    let status = child::wait(&mut running);
    let during = forwarder.between();
    let stopped = child::drain(pumps, &forwarder, during);
    forwarder.close();
    if let Some(signal) = stopped {
        return Ok(child::signalled(signal));
    }
    Ok(child::unless_output_lost(child::exit_status(
        status.map_err(Failure::Process)?,
    )))
}

/// Revokes every lease this process holds, saying so when one could not be; once: `run`
/// revokes when its program ends, and the command's end would again (a thirty-third
/// adversarial pass saw a lease being issued waited for 10 s twice).
pub fn revoke_leases() {
    static REVOKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if REVOKED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    // A read no longer waited for (`run --watch`'s, once its program ended) may still run
    // a provider: it ends with the command.
    secretary::source::stop_programs();
    say_unrevoked(&leases::revoke_all());
    log_out();
}

/// Revokes the login tokens the command logged in for (AppRole, JWT) once it holds no
/// lease, saying each that could not be: a token left would work until its TTL. Once: a
/// stop signal during `run`'s log-out before it becomes the program ends the command,
/// whose end waits for that log-out rather than trying it again (a sixty-seventh
/// adversarial pass saw one failed log-out sent and said twice).
pub fn log_out() {
    static DONE: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut done = DONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *done {
        return;
    }
    *done = true;
    for error in leases::log_out_within(std::time::Duration::from_secs(5)) {
        Diagnostic::warning(format!(
            "could not revoke the login token this command used: {error}; unless it was revoked already, it works until its TTL ends"
        ))
        .say_past_silence();
    }
}

/// Says each lease of `events` that could not be revoked: written whatever else is
/// silenced (a signal being acted on), since the events are given once (a thirty-eighth
/// adversarial pass saw them taken here and then silenced by a signal's stop).
pub fn say_unrevoked(events: &[leases::LeaseEvent]) {
    for warning in unrevoked(events) {
        warning.say_past_silence();
    }
}

/// A warning for each lease of `events` that could not be revoked (or whose revocation
/// Vault did not confirm: then its credentials may or may not still work).
pub fn unrevoked(events: &[leases::LeaseEvent]) -> Vec<Diagnostic> {
    events
        .iter()
        .filter_map(|event| {
            let error = event.error.as_ref()?;
            Some(Diagnostic::warning(if event.lease_id.is_empty() {
                error.clone()
            } else {
                format!(
                    "could not revoke lease {} ({}): {error}; its credentials may work until its TTL ends",
                    event.lease_id, event.path
                )
            }))
        })
        .collect()
}
