//! `run --watch DURATION [--on-change signal:NAME|restart] [--grace DURATION]`: keep the
//! program's secrets current.
//!
//! The program runs as a child. Every DURATION, and whenever `run` itself gets SIGHUP,
//! the secrets are resolved again. When a value the child was given has changed, `run`
//! either sends the child a signal (`signal:HUP` by default, for programs that re-read
//! their secrets, from files or `secretary get`, on a signal) or restarts it with the new
//! values (`restart`: SIGTERM, then SIGKILL after the grace period). Each step is said on
//! stderr, naming keys, never values. A re-resolution that fails keeps the child running
//! on the values it has, and says so. The other forwarded signals (SIGINT, SIGTERM,
//! SIGQUIT, SIGUSR1, SIGUSR2) go to the current child; when the child exits on its own,
//! `run` exits with its status (128+N for signal N). With `--redact`, the output pumps
//! switch at a change to a redactor that knows the old values and the new.

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use secretary::manifest::EnvironmentSpec;
use secretary::redact::Redactor;
use secretary::resolve::{Scope, resolve};
use secretary::{Manifest, Report, Variables};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;

use super::Failure;
use super::run::{FORWARDED, Options, command, exit_status, forward, not_started, pid_of, send};
use crate::exit::Status;

/// What to do when a value changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// Send the child this signal.
    Signal(i32),
    /// Stop the child (SIGTERM, SIGKILL after the grace period) and start it again.
    Restart,
}

/// `--on-change`: `restart` or `signal:NAME` (`HUP`, `SIGHUP`, `USR1`, ...).
pub fn parse_on_change(text: &str) -> Result<OnChange, String> {
    if text == "restart" {
        return Ok(OnChange::Restart);
    }
    let name = text.strip_prefix("signal:").ok_or_else(|| {
        "expected `restart` or `signal:NAME` (signal:HUP, signal:USR1, ...)".to_owned()
    })?;
    let name = name.trim_start_matches("SIG");
    let number = match name {
        "HUP" => signal_hook::consts::SIGHUP,
        "INT" => signal_hook::consts::SIGINT,
        "QUIT" => signal_hook::consts::SIGQUIT,
        "TERM" => signal_hook::consts::SIGTERM,
        "USR1" => signal_hook::consts::SIGUSR1,
        "USR2" => signal_hook::consts::SIGUSR2,
        _ => {
            return Err(format!(
                "unknown signal `{name}` (HUP, INT, QUIT, TERM, USR1 or USR2)"
            ));
        }
    };
    Ok(OnChange::Signal(number))
}

/// A `--watch` or `--grace` duration, in the grammar of
/// [`secretary::validate::parse_duration`] (`30s`, `5m`), at least 100 ms.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = secretary::validate::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration (30s, 5m, 1h, 500ms)"))?;
    if duration < Duration::from_millis(100) {
        return Err("the interval must be at least 100ms".to_owned());
    }
    Ok(duration)
}

/// `--watch`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    pub every: Duration,
    pub on_change: OnChange,
    pub grace: Duration,
}

/// Runs the program under watch until it exits on its own.
pub fn supervise(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    scope: Scope<'_>,
    options: &Options<'_>,
    mut report: Report,
    watch: Watch,
) -> Result<Status, Failure> {
    let program = &options.command[0];
    let signals = SignalsInfo::<WithOrigin>::new(FORWARDED)?;
    // With --redact, the pumps read the current redactor at every read; a change swaps in
    // one that knows the old values and the new.
    let redaction: Option<Shared> = options.redact.then(|| {
        Arc::new(RwLock::new(Arc::new(Redactor::from_report(
            &report, manifest,
        ))))
    });
    let mut pumps = Vec::new();
    let mut child = match start(
        manifest,
        vars,
        &report,
        options,
        redaction.as_ref(),
        &mut pumps,
    ) {
        Ok(child) => child,
        Err(error) => return Ok(not_started(program, &error)),
    };
    let current = Arc::new(AtomicI32::new(pid_of(&child)));
    let (hup_tx, hup_rx) = mpsc::channel::<()>();
    let handle = signals.handle();
    let forwarder = forward(signals, Arc::clone(&current), Some(hup_tx));
    let mut next = Instant::now() + watch.every;
    // Problems are said once, not at every tick, until they change.
    let mut last_problems: Vec<String> = Vec::new();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let hup = match hup_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(()) => true,
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => break child.wait()?,
        };
        if !hup && Instant::now() < next {
            continue;
        }
        next = Instant::now() + watch.every;
        let Some(fresh) = resolve_again(manifest, environment, vars, scope, &mut last_problems)
        else {
            continue;
        };
        let _ = super::audit_report("resolve", &fresh);
        let changed = changed_keys(&report, &fresh);
        if changed.is_empty() {
            continue;
        }
        if let Some(shared) = &redaction {
            let both = union(manifest, &fresh, &report);
            if let Ok(mut current) = shared.write() {
                *current = Arc::new(both);
            }
        }
        let pid = pid_of(&child);
        match watch.on_change {
            OnChange::Signal(signal) => {
                eprintln!(
                    "secretary run: changed: {}; sending signal {signal} to pid {pid}",
                    changed.join(", ")
                );
                send(pid, signal);
            }
            OnChange::Restart => {
                eprintln!(
                    "secretary run: changed: {}; restarting pid {pid}",
                    changed.join(", ")
                );
                stop(&mut child, watch.grace)?;
                child = match start(
                    manifest,
                    vars,
                    &fresh,
                    options,
                    redaction.as_ref(),
                    &mut pumps,
                ) {
                    Ok(child) => child,
                    Err(error) => {
                        handle.close();
                        let _ = forwarder.join();
                        return Ok(not_started(program, &error));
                    }
                };
                current.store(pid_of(&child), Ordering::SeqCst);
                eprintln!("secretary run: started pid {}", pid_of(&child));
            }
        }
        report = fresh;
    };
    handle.close();
    let _ = forwarder.join();
    for pump in pumps {
        let _ = pump.join();
    }
    Ok(exit_status(status))
}

/// The redactor the output pumps use, swapped when values change.
type Shared = Arc<RwLock<Arc<Redactor>>>;

/// Starts the program with `report`'s values; with `redaction`, its stdout and stderr go
/// through pumps (added to `pumps`).
fn start(
    manifest: &Manifest,
    vars: &Variables,
    report: &Report,
    options: &Options<'_>,
    redaction: Option<&Shared>,
    pumps: &mut Vec<std::thread::JoinHandle<()>>,
) -> std::io::Result<Child> {
    let mut command = command(manifest, vars, report, options);
    if redaction.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = command.spawn()?;
    if let Some(shared) = redaction {
        if let Some(stdout) = child.stdout.take() {
            let shared = Arc::clone(shared);
            pumps.push(std::thread::spawn(move || {
                pump(&shared, stdout, std::io::stdout());
            }));
        }
        if let Some(stderr) = child.stderr.take() {
            let shared = Arc::clone(shared);
            pumps.push(std::thread::spawn(move || {
                pump(&shared, stderr, std::io::stderr());
            }));
        }
    }
    Ok(child)
}

/// Copies `from` to `to` through whichever redactor `shared` holds at each read.
fn pump(shared: &Shared, from: impl Read, to: impl Write) {
    let current = || Arc::clone(&shared.read().unwrap_or_else(PoisonError::into_inner));
    let _ = super::redact::pump(current, from, to);
}

/// A redactor for the sensitive values of both reports (the new names a shared value).
fn union(manifest: &Manifest, new: &Report, old: &Report) -> Redactor {
    Redactor::new(
        new.resolutions
            .iter()
            .chain(&old.resolutions)
            .filter_map(|resolution| {
                let value = resolution.value.as_ref()?;
                let spec = manifest.secret(&resolution.key).ok()?;
                spec.sensitive
                    .then_some((resolution.key.as_str(), value.expose()))
            }),
    )
}

/// The secrets resolved again, or `None` (said on stderr) when that failed or found
/// problems; those are said once until they change.
fn resolve_again(
    manifest: &Manifest,
    environment: &EnvironmentSpec,
    vars: &Variables,
    scope: Scope<'_>,
    last_problems: &mut Vec<String>,
) -> Option<Report> {
    match resolve(manifest, environment, vars, scope) {
        Ok(fresh) if fresh.is_ok() => {
            last_problems.clear();
            Some(fresh)
        }
        Ok(fresh) => {
            let keys: Vec<String> = fresh
                .resolutions
                .iter()
                .filter(|r| !r.problems.is_empty())
                .map(|r| r.key.clone())
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
    let mut changed: Vec<String> = new
        .resolutions
        .iter()
        .filter(|fresh| {
            old.get(&fresh.key)
                .is_none_or(|before| value_of(before) != value_of(fresh))
        })
        .map(|fresh| fresh.key.clone())
        .collect();
    changed.sort();
    changed
}

/// A resolution's value, if it has one.
fn value_of(resolution: &secretary::Resolution) -> Option<&str> {
    resolution
        .value
        .as_ref()
        .map(secretary::SecretValue::expose)
}

/// SIGTERM, then SIGKILL when the child has not exited after `grace`.
fn stop(child: &mut Child, grace: Duration) -> std::io::Result<()> {
    send(pid_of(child), signal_hook::consts::SIGTERM);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "secretary run: pid {} did not stop within {:?}; killing it",
        pid_of(child),
        grace
    );
    child.kill()?;
    child.wait().map(|_| ())
}
