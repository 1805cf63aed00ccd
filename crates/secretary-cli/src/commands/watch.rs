//! `run --watch DURATION [--on-change signal:NAME|restart] [--grace DURATION]`: keep the
//! program's secrets current.
//!
//! The program runs as a child. Every DURATION, and whenever `run` itself gets SIGHUP
//! (unless it was started with SIGHUP ignored, as by `nohup`), the secrets are resolved
//! again. When a value the child was given has changed, `run` either sends the child a
//! signal (`signal:HUP` by default, for programs that re-read their secrets, from files
//! or `secretary get`, on a signal) or restarts it with the new values (`restart`:
//! SIGTERM, then SIGKILL after the grace period). Each step is said on stderr, naming
//! keys, never values. A re-resolution that fails keeps the child running on the values
//! it has, and says so. The other forwarded signals go to the current child; when the
//! child exits on its own, `run` exits with its status (128+N for signal N).
//!
//! With `--redact`, the output pumps switch at a change to a redactor that knows every
//! value any child was given or inherited since the first: a child signalled to re-read
//! keeps the environment it started with for its whole life, so no value it may print is
//! ever dropped from the redactor.

use std::process::Child;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use secretary::audit::Event;
use secretary::manifest::EnvironmentSpec;
use secretary::redact::Redactor;
use secretary::resolve;
use secretary::{Manifest, Report, SecretValue, Variables};

use super::Failure;
use super::run::{Settings, refuse_nul};
use crate::args::OnChange;
use crate::child::{self, Environment, Forwarder, Shared};
use crate::exit::Status;

/// `--watch`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    pub every: Duration,
    pub on_change: OnChange,
    pub grace: Duration,
}

/// `by` from now; `None` (never) past what the clock can count.
fn later(by: Duration) -> Option<Instant> {
    Instant::now().checked_add(by)
}

/// Every sensitive value a child of this run has been given or has inherited, by key, in
/// the order they were first seen.
struct Generations(Vec<(String, SecretValue)>);

impl Generations {
    fn new(child_env: &Environment, manifest: &Manifest, report: &Report) -> Self {
        Self(
            child_env
                .sensitive(manifest, report)
                .into_iter()
                .map(|(key, value)| (key.to_owned(), SecretValue::new(value.to_owned())))
                .collect(),
        )
    }

    /// Adds the values of `keys` in `report`, and puts a redactor for them all in `shared`.
    fn add(&mut self, report: &Report, keys: &[String], shared: &Shared) {
        for resolution in &report.resolutions {
            if resolution.spec.sensitive && keys.iter().any(|key| key == resolution.key()) {
                if let Some(value) = &resolution.value {
                    self.0.push((resolution.key().to_owned(), value.clone()));
                }
            }
        }
        let all = Arc::new(self.redactor());
        *shared.write().unwrap_or_else(PoisonError::into_inner) = all;
    }

    fn redactor(&self) -> Redactor {
        Redactor::new(
            self.0
                .iter()
                .map(|(key, value)| (key.as_str(), value.expose())),
        )
    }
}

/// Runs the program under watch until it exits on its own.
pub fn supervise(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    settings: &Settings<'_>,
    mut report: Report,
    child_env: Environment,
    watch: Watch,
) -> Result<Status, Failure> {
    let program = &settings.program;
    let (hup_tx, hup_rx) = mpsc::channel::<()>();
    let forwarder = Forwarder::install(Some(hup_tx))?;
    let mut generations = Generations::new(&child_env, manifest, &report);
    let redaction: Option<Shared> = settings
        .redact
        .then(|| Arc::new(RwLock::new(Arc::new(generations.redactor()))));
    let mut pumps = Vec::new();
    let mut running = match child::spawn(child_env.command(program), redaction.as_ref(), &mut pumps)
    {
        Ok(running) => running,
        Err(error) => {
            forwarder.close();
            return Ok(child::not_started(program.name(), &error));
        }
    };
    drop(child_env);
    forwarder
        .pid
        .store(child::pid_of(&running), Ordering::SeqCst);
    let mut next = later(watch.every);
    // Problems are said once, not at every tick, until they change.
    let mut last_problems: Vec<String> = Vec::new();
    let outcome = loop {
        match running.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(error) => break Err(error),
        }
        let hup = match hup_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(()) => true,
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => break child::wait(&mut running),
        };
        if !hup && next.is_none_or(|next| Instant::now() < next) {
            continue;
        }
        next = later(watch.every);
        let Some(fresh) = resolve_again(manifest, environment, vars, settings, &mut last_problems)
        else {
            continue;
        };
        super::audit_report(Event::Resolve, &fresh)?;
        let changed = changed_keys(&report, &fresh);
        if changed.is_empty() {
            continue;
        }
        if let Some(shared) = &redaction {
            generations.add(&fresh, &changed, shared);
        }
        let pid = child::pid_of(&running);
        match watch.on_change {
            OnChange::Signal(signal) => {
                eprintln!(
                    "secretary run: changed: {}; sending signal {signal} to pid {pid}",
                    changed.join(", ")
                );
                child::send(pid, signal);
            }
            OnChange::Restart => {
                let child_env = match Environment::new(manifest, vars, &fresh, program.reset) {
                    Ok(child_env) => child_env,
                    Err(error) => {
                        refuse_nul(&error, "the program keeps the values it has");
                        continue;
                    }
                };
                eprintln!(
                    "secretary run: changed: {}; restarting pid {pid}",
                    changed.join(", ")
                );
                if let Err(error) = stop(&mut running, watch.grace) {
                    break Err(error);
                }
                let command = child_env.command(program);
                running = match child::spawn(command, redaction.as_ref(), &mut pumps) {
                    Ok(running) => running,
                    Err(error) => {
                        forwarder.close();
                        return Ok(child::not_started(program.name(), &error));
                    }
                };
                forwarder
                    .pid
                    .store(child::pid_of(&running), Ordering::SeqCst);
                eprintln!("secretary run: started pid {}", child::pid_of(&running));
            }
        }
        report = fresh;
    };
    forwarder.close();
    for pump in pumps {
        let _ = pump.join();
    }
    Ok(child::exit_status(outcome?))
}

/// The secrets resolved again, or `None` (said on stderr) when that failed or found
/// problems; those are said once until they change.
fn resolve_again(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    settings: &Settings<'_>,
    last_problems: &mut Vec<String>,
) -> Option<Report> {
    match resolve(manifest, environment, vars, super::scope(&settings.only)) {
        Ok(fresh) if fresh.is_ok() => {
            last_problems.clear();
            Some(fresh)
        }
        Ok(fresh) => {
            let keys: Vec<String> = fresh
                .resolutions
                .iter()
                .filter(|r| !r.problems.is_empty())
                .map(|r| r.key().to_owned())
                .collect();
            if keys != *last_problems {
                eprintln!(
                    "secretary run: re-resolving found problems with {}; the program keeps the values it has (run `secretary check`)",
                    keys.join(", ")
                );
                *last_problems = keys;
            }
            None
        }
        Err(error) => {
            eprintln!(
                "secretary run: re-resolving failed ({error}); the program keeps the values it has"
            );
            None
        }
    }
}

/// The keys whose value differs between two reports (set, unset or changed), in order;
/// compared in place, so no copy of a value is made.
fn changed_keys(old: &Report, new: &Report) -> Vec<String> {
    let before: std::collections::HashMap<&str, Option<&str>> = old
        .resolutions
        .iter()
        .map(|resolution| (resolution.key(), value_of(resolution)))
        .collect();
    let mut changed: Vec<String> = new
        .resolutions
        .iter()
        .filter(|fresh| {
            before
                .get(fresh.key())
                .is_none_or(|value| *value != value_of(fresh))
        })
        .map(|fresh| fresh.key().to_owned())
        .collect();
    changed.sort();
    changed
}

/// A resolution's value, if it has one.
fn value_of(resolution: &secretary::Resolution) -> Option<&str> {
    resolution.value.as_ref().map(SecretValue::expose)
}

/// SIGTERM, then SIGKILL when the child has not exited after `grace`.
fn stop(running: &mut Child, grace: Duration) -> std::io::Result<()> {
    child::send(child::pid_of(running), signal_hook::consts::SIGTERM);
    let deadline = later(grace);
    while deadline.is_none_or(|deadline| Instant::now() < deadline) {
        if running.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "secretary run: pid {} did not stop within {:?}; killing it",
        child::pid_of(running),
        grace
    );
    running.kill()?;
    running.wait().map(|_| ())
}
