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
//! it has, and says why: each problem as `check` reports it, with its fix (a token that
//! expired is named as the cause), once until the problems change. A re-read served from
//! the last-known-good copy (Vault could not be reached) is said the same way, once; the
//! values it gives are those the child has, so nothing restarts until Vault is back with
//! new ones. The other forwarded signals go to the current child; when the
//! child exits on its own, `run` exits with its status (128+N for signal N).
//!
//! With `--redact`, the output pumps switch at a change to a redactor that knows every
//! value any child was given or inherited since the first: a child signalled to re-read
//! keeps the environment it started with for its whole life, so no value it may print is
//! ever dropped from the redactor.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::process::Child;
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use secretary::audit::Event;
use secretary::redact::Redactor;
use secretary::source::leases;
use secretary::source::{LoginMethod, SourceError, VaultError};
use secretary::{Manifest, ProblemKind, Report, Variables};
use zeroize::Zeroizing;

use super::Failure;
use super::failure::unpassable;
use super::session::Session;
use super::settings::{RunSettings, Watch};
use crate::args::OnChange;
use crate::child::{self, Environment, Forwarder, Program, Shared};
use crate::diagnostic::Diagnostic;
use crate::exit::Status;
use crate::render;

/// `by` from now; `None` (never) past what the clock can count.
fn later(by: Duration) -> Option<Instant> {
    Instant::now().checked_add(by)
}

/// Every sensitive value a child of this run has been given or has inherited, by key, in
/// the order they were first seen, each once. Zeroed when dropped.
///
/// Kept in a vector for the order, and indexed by a keyed hash of each value for the
/// "seen already" check, so that adding n values costs O(n), not O(n²) (issue 12, item
/// 11). The index holds positions, not copies of the values.
#[derive(Default)]
struct Generations {
    kept: Vec<(String, Zeroizing<Vec<u8>>)>,
    seen: HashMap<u64, Vec<usize>>,
    hasher: RandomState,
}

impl Generations {
    fn new(child_env: &Environment, manifest: &Manifest, report: &Report) -> Self {
        let mut generations = Self::default();
        for (key, value) in child_env.sensitive(manifest, report) {
            generations.insert(key, value);
        }
        generations
    }

    /// Keeps `value` under `key` unless it is kept already; whether it was new.
    fn insert(&mut self, key: &str, value: &[u8]) -> bool {
        let at = self.seen.entry(self.hasher.hash_one(value)).or_default();
        if at
            .iter()
            .any(|&position| self.kept[position].1.as_slice() == value)
        {
            return false;
        }
        at.push(self.kept.len());
        self.kept
            .push((key.to_owned(), Zeroizing::new(value.to_vec())));
        true
    }

    /// Adds the values of `keys` in `report`; when any is new, puts a redactor for them
    /// all in `shared`.
    fn add(&mut self, report: &Report, keys: &[String], shared: &Shared) {
        let keys: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let mut added = false;
        for resolution in &report.resolutions {
            if resolution.spec.sensitive && keys.contains(resolution.key()) {
                if let Some(value) = &resolution.value {
                    added |= self.insert(resolution.key(), value.expose().as_bytes());
                }
            }
        }
        if added {
            let all = Arc::new(self.redactor());
            *shared.write().unwrap_or_else(PoisonError::into_inner) = all;
        }
    }

    fn redactor(&self) -> Redactor {
        Redactor::new(
            self.kept
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_slice())),
        )
    }
}

/// What `run` hands over once the secrets are first read.
pub struct FirstRead {
    /// The secrets as first resolved.
    pub report: Report,
    /// The program's environment, built from them.
    pub child_env: Environment,
    /// Whether a SIGHUP a process sends meanwhile is noted ([`child::note_early_hup`]).
    pub early_hup: bool,
}

/// The signal forwarder, and the channel each SIGHUP to `run` arrives on; one that came
/// while the secrets were first read is there already (a re-read, now).
fn listen(early_hup: bool) -> Result<(Forwarder, mpsc::Receiver<()>), Failure> {
    let (hup_tx, hup_rx) = mpsc::channel::<()>();
    let early_tx = hup_tx.clone();
    let forwarder = Forwarder::install(Some(hup_tx)).map_err(Failure::Process)?;
    if early_hup && crate::interrupt::hup_seen() {
        let _ = early_tx.send(());
    }
    Ok((forwarder, hup_rx))
}

/// How often the supervisor looks at the program and its leases: the longest a lease
/// outlives the program's exit, besides the revoke itself.
const TICK: Duration = Duration::from_millis(10);

/// Runs the program under watch until it exits on its own.
pub fn supervise(
    session: &Session,
    settings: &RunSettings<'_>,
    first: FirstRead,
    watch: Watch,
) -> Result<Status, Failure> {
    let FirstRead {
        mut report,
        child_env,
        early_hup,
    } = first;
    let program = &settings.program;
    let (forwarder, hup_rx) = listen(early_hup)?;
    // Only `--redact` needs the values kept; without it nothing is copied.
    let mut generations = if settings.redact {
        Generations::new(&child_env, session.manifest(), &report)
    } else {
        Generations::default()
    };
    let redaction: Option<Shared> = settings
        .redact
        .then(|| Arc::new(RwLock::new(Arc::new(generations.redactor()))));
    let mut pumps = Vec::new();
    let mut running = match child::spawn(child_env.command(program), redaction.as_ref(), &mut pumps)
    {
        Ok(running) => running,
        Err(error) => {
            forwarder.close();
            return Err(Failure::NotStarted {
                program: program.name().to_owned(),
                error,
            });
        }
    };
    drop(child_env);
    forwarder.started(child::pid_of(&running));
    let mut next = later(watch.every);
    // Problems are said once, not at every tick, until they change.
    let mut said = String::new();
    // A lease re-issued (or lost) changes this: then the values are read again at once.
    let mut lease_generation = leases::generation();
    let outcome = loop {
        match child::try_wait(&mut running) {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(error) => break Err(Failure::Process(error)),
        }
        // How soon the program's exit is seen, and so how soon its leases are revoked.
        let hup = match hup_rx.recv_timeout(TICK) {
            Ok(()) => true,
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break child::wait(&mut running).map_err(Failure::Process);
            }
        };
        if stopped_for_a_lost_lease(&mut running, watch.grace) {
            close(forwarder, pumps);
            return Ok(Status::Problems);
        }
        let reissued = settled(&mut lease_generation, &mut running);
        if !hup && !reissued && next.is_none_or(|next| Instant::now() < next) {
            continue;
        }
        next = later(watch.every);
        let (fresh, changed) = match changes(session, settings, &report, &mut said, &mut running) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(error) => break Err(error),
        };
        if let Some(shared) = &redaction {
            generations.add(&fresh, &changed, shared);
        }
        let restart = Restart {
            program,
            grace: watch.grace,
            redaction: redaction.as_ref(),
            forwarder: &forwarder,
        };
        match restart.act(
            watch.on_change,
            &mut running,
            session,
            &fresh,
            &changed,
            &mut pumps,
        ) {
            Ok(Acted::Done) => {}
            Ok(Acted::Ended(failure)) => {
                forwarder.close();
                return Err(failure);
            }
            Ok(Acted::Signalled(signal)) => {
                say!("secretary run: stopped by signal {signal} while restarting the program");
                let _ = child::drain(pumps, &forwarder, Some(signal));
                forwarder.close();
                return Ok(child::signalled(signal));
            }
            Err(error) => break Err(error),
        }
        report = fresh;
    };
    if outcome.is_err() {
        say!(
            "secretary run: stopping pid {} before exiting",
            child::pid_of(&running)
        );
        let _ = stop(&mut running, watch.grace);
    }
    finish(forwarder, pumps, outcome)
}

/// Whether leases were re-issued (or lost) since `seen`, which is brought up to date;
/// when they were, once no other was for 150 ms and none is being re-issued (2 s at
/// most): the leases of one round each restarted the program (a forty-fifth
/// adversarial pass: three leases, three restarts within 100 ms; a forty-sixth: the
/// same with each issue answered in 300 ms). False once `running` ended meanwhile (not
/// waited for: its end is seen at the next turn, a forty-sixth pass saw it 2 s late).
fn settled(seen: &mut u64, running: &mut Child) -> bool {
    let mut ended = || matches!(child::try_wait(running), Ok(Some(_)));
    let now = leases::generation();
    if now == *seen {
        return false;
    }
    *seen = now;
    let until = Instant::now() + Duration::from_secs(2);
    let mut quiet = Instant::now();
    while Instant::now() < until && !ended() {
        std::thread::sleep(Duration::from_millis(50));
        let later = leases::generation();
        if later != *seen {
            *seen = later;
            quiet = Instant::now();
        } else if quiet.elapsed() >= Duration::from_millis(150) && !leases::reissuing() {
            break;
        }
    }
    !ended()
}

/// The status `run --watch` ends with once its program has: the program's, or 128+N
/// when a signal ended the wait for its output, and not 0 when output was lost.
fn finish(
    forwarder: Forwarder,
    pumps: Vec<std::thread::JoinHandle<()>>,
    outcome: Result<std::process::ExitStatus, Failure>,
) -> Result<Status, Failure> {
    let stopped = close(forwarder, pumps);
    Ok(child::unless_output_lost(
        stopped.map_or(child::exit_status(outcome?), child::signalled),
    ))
}

/// Waits for the output pumps unless a signal to stop comes meanwhile (that signal),
/// then stops forwarding signals.
fn close(forwarder: Forwarder, pumps: Vec<std::thread::JoinHandle<()>>) -> Option<i32> {
    let during = forwarder.between();
    let stopped = child::drain(pumps, &forwarder, during);
    forwarder.close();
    stopped
}

/// Stops the program when a lease's credentials were lost (ended, and none could be had
/// again): dead credentials are worse than none. Says so; true when it stopped it.
fn stopped_for_a_lost_lease(running: &mut Child, grace: Duration) -> bool {
    let Some(lost) = leases::lost() else {
        return false;
    };
    Diagnostic::error(format!(
        "{lost}; stopping pid {} rather than leave it with credentials that no longer work",
        child::pid_of(running)
    ))
    .help(lost.hint())
    .say();
    let _ = stop(running, grace);
    true
}

/// What a restart needs besides the program it replaces.
struct Restart<'a> {
    program: &'a Program<'a>,
    grace: Duration,
    redaction: Option<&'a Shared>,
    forwarder: &'a Forwarder,
}

/// What became of a change.
enum Acted {
    /// The program was told, or restarted (or the change refused, and said so).
    Done,
    /// The program could not be started again: `run` ends with this failure.
    Ended(Failure),
    /// A signal to stop came while the program was being restarted: it is not started
    /// again, and `run` ends as that signal would end it (128+N).
    Signalled(i32),
}

impl Restart<'_> {
    /// Acts on `changed` keys as `--on-change` says: signals `running`, or restarts it
    /// with `fresh`'s values.
    fn act(
        &self,
        on_change: OnChange,
        running: &mut Child,
        session: &Session,
        fresh: &Report,
        changed: &[String],
        pumps: &mut Vec<std::thread::JoinHandle<()>>,
    ) -> Result<Acted, Failure> {
        let pid = child::pid_of(running);
        match on_change {
            OnChange::Signal(signal) => {
                say!(
                    "secretary run: changed: {}; sending signal {signal} to pid {pid}",
                    changed.join(", ")
                );
                child::send(pid, signal);
                Ok(Acted::Done)
            }
            OnChange::Restart => {
                let child_env =
                    match Environment::new(session.manifest(), session.vars(), fresh, self.program)
                    {
                        Ok(child_env) => child_env,
                        // Said once: the caller compares against these values from now on.
                        Err(error) => {
                            for diagnostic in
                                unpassable(error, "the program keeps the values it has")
                            {
                                diagnostic.say();
                            }
                            return Ok(Acted::Done);
                        }
                    };
                say!(
                    "secretary run: changed: {}; restarting pid {pid}",
                    changed.join(", ")
                );
                self.run(running, &child_env, pumps)
            }
        }
    }

    /// Stops `running` and starts the program again with `child_env`, into `running`;
    /// [`Acted::Ended`] when it could not be started again, [`Acted::Signalled`] when a
    /// signal to stop came meanwhile.
    fn run(
        &self,
        running: &mut Child,
        child_env: &Environment,
        pumps: &mut Vec<std::thread::JoinHandle<()>>,
    ) -> Result<Acted, Failure> {
        // A signal to stop that the program did not survive (it ended meanwhile, during
        // the re-read) ends `run`: it is not started again (a twenty-fourth adversarial
        // pass). One it survived does not count (a twenty-third).
        let during = self.forwarder.stopping();
        if let (Some(signal), Ok(Some(_))) = (during, running.try_wait()) {
            self.forwarder.between();
            return Ok(Acted::Signalled(signal));
        }
        // From here a signal to stop is the whole run's, not the program's being stopped.
        self.forwarder.between();
        stop(running, self.grace).map_err(Failure::Process)?;
        // A signal to stop that came during the restart stops `run` too: the program is
        // not started again (a twenty-second adversarial pass saw a SIGTERM swallowed,
        // and a new program started).
        if let Some(signal) = self.forwarder.stopping() {
            return Ok(Acted::Signalled(signal));
        }
        *running = match child::spawn(child_env.command(self.program), self.redaction, pumps) {
            Ok(started) => started,
            Err(error) => {
                return Ok(Acted::Ended(Failure::NotStarted {
                    program: self.program.name().to_owned(),
                    error,
                }));
            }
        };
        self.forwarder.started(child::pid_of(running));
        say!("secretary run: started pid {}", child::pid_of(running));
        Ok(Acted::Done)
    }
}

/// The secrets resolved again and recorded, with the keys whose value changed since
/// `report`; `None` when re-resolving failed, nothing changed, or the program ended
/// meanwhile (the loop then sees it). An access that cannot be recorded is an error,
/// which ends the run, the program with it: it is never left behind without its
/// supervisor.
fn changes(
    session: &Session,
    settings: &RunSettings<'_>,
    report: &Report,
    last_problems: &mut String,
    running: &mut Child,
) -> Result<Option<(Report, Vec<String>)>, Failure> {
    let Some(fresh) = resolve_again(session, settings, last_problems, running)? else {
        return Ok(None);
    };
    if !fresh.is_ok() {
        return Ok(None);
    }
    let changed = report.changed_keys(&fresh);
    Ok((!changed.is_empty()).then_some((fresh, changed)))
}

/// The secrets resolved again, or `None` (said on stderr) when that failed; problems it
/// found are said, each with its cause and fix as `check` gives them, once until they
/// change.
fn resolve_again(
    session: &Session,
    settings: &RunSettings<'_>,
    last_problems: &mut String,
    running: &mut Child,
) -> Result<Option<Report>, Failure> {
    // Every re-resolution is recorded, one that found problems too: it read what it
    // could (a twenty-sixth adversarial pass saw reads, and a deleted secret's
    // `missing`, left out of the log). Not waited for once the program has ended, nor
    // once its leased credentials are lost (a forty-first adversarial pass saw it run
    // on them until a slow re-read returned): the loop then acts on either.
    let Some(resolved) = session.resolve_unless(&settings.only, Event::Resolve, || {
        matches!(running.try_wait(), Ok(Some(_))) || leases::lost().is_some()
    }) else {
        return Ok(None);
    };
    Ok(match resolved {
        Ok(fresh) if fresh.is_ok() => {
            // Values from the last-known-good copy (Vault could not be reached) are said
            // once, as problems are, until that changes.
            // Which secrets are stale, not how old: the age grows at every poll.
            let stale: Vec<&str> = fresh
                .resolutions
                .iter()
                .filter(|resolution| resolution.stale.is_some())
                .map(secretary::Resolution::key)
                .collect();
            let stale = if stale.is_empty() {
                String::new()
            } else {
                format!("stale: {}", stale.join(", "))
            };
            if stale != *last_problems && !stale.is_empty() {
                let said: Vec<String> = fresh
                    .warnings
                    .iter()
                    .filter(|warning| warning.is_stale())
                    .map(ToString::to_string)
                    .collect();
                say!(
                    "secretary run: re-resolving could not reach a source; the program keeps running, on values from the last-known-good copy:\n{}",
                    said.join("\n")
                );
            }
            *last_problems = stale;
            Some(fresh)
        }
        Ok(fresh) => {
            let problems = render::problems(&fresh);
            // Compared without their numbers: a copy forgotten "12s ago" is the same
            // problem a second later (a twenty-ninth adversarial pass saw it said again
            // at every poll of an outage).
            let seen: String = problems.chars().filter(|c| !c.is_ascii_digit()).collect();
            if seen != *last_problems {
                say!(
                    "secretary run: re-resolving found problems; the program keeps running with the values it has, until a re-read succeeds (at the next poll, or on SIGHUP):"
                );
                say_raw!("{problems}");
                if let Some(note) = token_fixed_at_start(&fresh, session.vars()) {
                    say!("secretary run: {note}");
                }
                *last_problems = seen;
            }
            Some(fresh)
        }
        Err(Failure::Secretary(error)) => {
            say!(
                "secretary run: re-resolving failed ({error}); the program keeps running with the values it has"
            );
            None
        }
        Err(failure) => return Err(failure),
    })
}

/// When Vault refused a token (403, or 401) that came from `BAO_TOKEN` / `VAULT_TOKEN`,
/// or a JWT or AppRole login failed while its JWT or secret id may have come from
/// `BAO_JWT` / `VAULT_JWT` or `BAO_SECRET_ID` / `VAULT_SECRET_ID`: that `run` read the
/// variable when it started, so a new token, JWT or secret id does not reach it. A token
/// in `~/.vault-token` or a `token_file`, and a `jwt_file` or `secret_id_file`, are read
/// again (a seventeenth adversarial pass: an expired `VAULT_JWT` was told only to be
/// checked).
fn token_fixed_at_start(report: &Report, vars: &Variables) -> Option<String> {
    // As the vault source reads them: BAO_NAME when set (even empty), else VAULT_NAME.
    let set = |name: &str| match vars.get(&format!("BAO_{name}")) {
        Some(value) => (!value.is_empty()).then(|| format!("BAO_{name}")),
        None => vars
            .get(&format!("VAULT_{name}"))
            .is_some_and(|value| !value.is_empty())
            .then(|| format!("VAULT_{name}")),
    };
    let failures = report
        .resolutions
        .iter()
        .flat_map(|resolution| &resolution.problems)
        .filter_map(|problem| match &problem.kind {
            ProblemKind::SourceFailed {
                error: SourceError::Vault(error),
                ..
            } => Some(error),
            _ => None,
        });
    for error in failures {
        match error {
            VaultError::Denied { .. } | VaultError::Unauthenticated { .. } => {
                if let Some(name) = set("TOKEN") {
                    return Some(format!(
                        "the token in {name} was read when `run` started: if it expired, a new login does not reach this run; restart it with a new token (a token in ~/.vault-token or the source's token_file is read again at every re-read)"
                    ));
                }
            }
            VaultError::Login { method, .. } => {
                let (what, variable, file) = match method {
                    LoginMethod::Jwt => ("JWT", "JWT", "jwt_file"),
                    _ => ("secret id", "SECRET_ID", "secret_id_file"),
                };
                if let Some(name) = set(variable) {
                    return Some(format!(
                        "the {what} in {name} was read when `run` started: a new one does not reach this run; restart it with a new one, or leave {name} unset and name a {file} in the source, which is read again at every login"
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// SIGTERM, then SIGKILL when the child has not exited after `grace`.
fn stop(running: &mut Child, grace: Duration) -> std::io::Result<()> {
    terminate(running, grace).map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot stop the program: {error}"))
    })
}

fn terminate(running: &mut Child, grace: Duration) -> std::io::Result<()> {
    child::send(child::pid_of(running), signal_hook::consts::SIGTERM);
    let deadline = later(grace);
    while deadline.is_none_or(|deadline| Instant::now() < deadline) {
        if running.try_wait()?.is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    say!(
        "secretary run: pid {} did not stop within {:?}; killing it",
        child::pid_of(running),
        grace
    );
    running.kill()?;
    running.wait().map(|_| ())
}
