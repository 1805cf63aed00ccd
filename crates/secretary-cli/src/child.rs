//! The program `secretary run` starts, and everything between it and us: its command line
//! and environment, the signals we pass on to it, its output pumped through a redactor,
//! and its exit status. `run`, `run --redact` and `run --watch` all start it from here.
//!
//! - **Program**: what to start ([`Program`]), as `run`'s settings give it.
//! - **Environment**: ours (or, with `--reset`, only [`MINIMAL`]) without the
//!   [`CREDENTIALS`] unless the manifest declares them, plus each secret under its
//!   primary env name. Variables whose names are not UTF-8 are passed on as they are.
//! - **Shell**: with `--shell`, `/bin/sh -c SCRIPT sh ARGS...`: the first word is the
//!   script, the others its positional parameters `$1`, `$2`, ... exactly as given.
//! - **Signals**: [`FORWARDED`] are passed on, except those we inherited as ignored
//!   (`nohup`): those stay ignored for the child too, and are not forwarded.
//! - **Exit status**: the child's code, or 128+N when signal N killed it; 127 when the
//!   program does not exist, 126 when it cannot be executed.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::ops::Deref;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, RwLock, mpsc};
use std::thread::JoinHandle;

use rustix::process::{Pid, Signal};
use secretary::redact::Redactor;
use secretary::{Manifest, Report, SecretValue, Variables};
use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::Cause;
use zeroize::Zeroizing;

use crate::exit::Status;

/// What `--reset` keeps.
pub const MINIMAL: [&str; 6] = ["PATH", "HOME", "USER", "LANG", "TERM", "TZ"];

/// Credentials that are not passed on unless a secret declares them (and then it is
/// sensitive): Vault's, and the key of the audit log's fingerprints.
pub use secretary::manifest::CREDENTIAL_VARIABLES as CREDENTIALS;

/// The signals passed on to the child: each the start-up's guard takes
/// ([`crate::interrupt`]), whose handler stays installed after it hands over (a signal
/// taken there and not passed on would be swallowed).
pub const FORWARDED: [i32; 7] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM];

/// The program and how to start it.
#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    /// The program and its arguments (with `shell`, the script and its parameters).
    pub argv: &'a [String],
    /// Run `argv[0]` as a `/bin/sh` script.
    pub shell: bool,
    /// Start from [`MINIMAL`] instead of our environment.
    pub reset: bool,
}

impl Program<'_> {
    /// What to call the program in messages.
    pub fn name(&self) -> &str {
        self.argv.first().map_or("", String::as_str)
    }
}

/// Why the secrets cannot be passed to a program.
#[derive(Debug)]
pub enum Unpassable {
    /// A secret holds a NUL byte, which no environment variable can carry.
    NulByte {
        /// Its key.
        key: String,
    },
    /// The arguments and environment, as counted, are more than the system takes
    /// ([`crate::room`]).
    TooLarge(crate::room::TooLarge),
}

/// The child's environment: what it inherits from ours, and the secrets.
pub struct Environment {
    inherited: Vec<(OsString, OsString)>,
    secrets: Vec<(String, SecretValue)>,
}

impl Environment {
    /// For `report`'s values, to start `program` with. A value holding a NUL byte cannot
    /// be passed, nor an environment more than the system takes as
    /// [`crate::room::check`] counts it.
    pub fn new(
        manifest: &Manifest,
        vars: &Variables,
        report: &Report,
        program: &Program<'_>,
    ) -> Result<Self, Unpassable> {
        let reset = program.reset;
        let declared: HashSet<&str> = manifest
            .secrets()
            .iter()
            .flat_map(|s| s.env.iter().map(String::as_str))
            .collect();
        let inherited = vars
            .iter()
            .filter(|(name, _)| {
                let text = name.to_str();
                let minimal = text.is_some_and(|name| MINIMAL.contains(&name));
                let credential = text
                    .is_some_and(|name| CREDENTIALS.contains(&name) && !declared.contains(name));
                (!reset || minimal) && !credential
            })
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let mut secrets = Vec::new();
        for resolution in &report.resolutions {
            let spec = &resolution.spec;
            if let Some(value) = &resolution.value {
                if value.expose().contains('\0') {
                    return Err(Unpassable::NulByte {
                        key: spec.key.clone(),
                    });
                }
                secrets.push((spec.primary_env().to_owned(), value.clone()));
            }
        }
        let environment = Self { inherited, secrets };
        environment
            .fits(vars, report, program)
            .map_err(Unpassable::TooLarge)?;
        Ok(environment)
    }

    /// Whether `program`'s arguments and this environment fit what the system takes,
    /// each value counted as [`crate::room`] says: a secret passed at its charge, what
    /// is inherited as `vars` whole ([`crate::room::Inherited`]), whatever the manifest
    /// lets through (a seventy-second adversarial pass read an `AWS_SESSION_TOKEN`'s
    /// length off a count of it at its length).
    fn fits(
        &self,
        vars: &Variables,
        report: &Report,
        program: &Program<'_>,
    ) -> Result<(), crate::room::TooLarge> {
        let passed: std::collections::HashMap<&str, &secretary::Resolution> = report
            .resolutions
            .iter()
            .filter(|resolution| resolution.value.is_some())
            .map(|resolution| (resolution.spec.primary_env(), resolution))
            .collect();
        let whole = vars
            .iter()
            .filter(|(name, _)| {
                !program.reset || name.to_str().is_some_and(|n| MINIMAL.contains(&n))
            })
            .fold(crate::room::Inherited::default(), |whole, (name, value)| {
                crate::room::Inherited {
                    strings: whole.strings + 1,
                    bytes: whole
                        .bytes
                        .saturating_add(name.len())
                        .saturating_add(value.len())
                        .saturating_add(2),
                }
            });
        let inherited = self
            .inherited
            .iter()
            .filter(|(name, _)| !name.to_str().is_some_and(|name| passed.contains_key(name)))
            .map(|(name, value)| crate::room::Counted {
                name,
                value: value.len(),
                key: None,
                inherited: true,
            });
        let secrets = passed
            .iter()
            .map(|(name, resolution)| crate::room::Counted {
                name: OsStr::new(name),
                value: resolution.charge().unwrap_or(usize::MAX),
                key: Some(resolution.key()),
                inherited: false,
            });
        let argv = argv(program);
        crate::room::check(&argv, inherited.chain(secrets), whole)
    }

    /// Every sensitive value the child can see, by key: those passed, and those of
    /// declared secrets it inherits from our environment under any of their env names
    /// (`run --only` passes fewer secrets than the child may hold).
    pub fn sensitive<'a>(
        &'a self,
        manifest: &'a Manifest,
        report: &'a Report,
    ) -> Vec<(&'a str, &'a [u8])> {
        let mut values: Vec<(&str, &[u8])> = report
            .resolutions
            .iter()
            .filter(|resolution| resolution.spec.sensitive)
            .filter_map(|resolution| {
                Some((
                    resolution.key(),
                    resolution.value.as_ref()?.expose().as_bytes(),
                ))
            })
            .collect();
        let inherited: std::collections::HashMap<&OsStr, &OsStr> = self
            .inherited
            .iter()
            .map(|(name, value)| (name.as_os_str(), value.as_os_str()))
            .collect();
        for spec in manifest.secrets().iter().filter(|spec| spec.sensitive) {
            for name in &spec.env {
                if let Some(value) = inherited.get(OsStr::new(name)) {
                    values.push((spec.key.as_str(), value.as_bytes()));
                }
            }
        }
        values
    }

    /// The command that starts `program` with this environment.
    pub fn command(&self, program: &Program<'_>) -> Command {
        let argv = argv(program);
        let mut command = Command::new(argv[0]);
        command.args(&argv[1..]);
        command.env_clear();
        command.envs(self.inherited.iter().map(|(n, v)| (n, v)));
        for (name, value) in &self.secrets {
            command.env(name, OsStr::new(value.expose()));
        }
        command
    }
}

/// The command line that starts `program`: with `shell`, `/bin/sh -c SCRIPT sh ARGS...`.
fn argv<'a>(program: &Program<'a>) -> Vec<&'a OsStr> {
    let name = program.argv.first().map_or("", String::as_str);
    let rest = program.argv.iter().skip(1).map(OsStr::new);
    if program.shell {
        ["/bin/sh", "-c", name, "sh"]
            .into_iter()
            .map(OsStr::new)
            .chain(rest)
            .collect()
    } else {
        std::iter::once(OsStr::new(name)).chain(rest).collect()
    }
}

/// The child's exit code, or 128+N when signal N killed it.
pub fn exit_status(status: ExitStatus) -> Status {
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    };
    Status::Exit(u8::try_from(code & 0xff).unwrap_or(1))
}

/// The status `run` ends with when signal `signal` stops it: 128+N, as a shell shows.
pub fn signalled(signal: i32) -> Status {
    Status::Exit(u8::try_from(128 + signal).unwrap_or(1))
}

/// The child's pid, as `kill(2)` takes it.
pub fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).unwrap_or(0)
}

/// Sends `signal` to `pid`, if both are valid.
pub fn send(pid: i32, signal: i32) {
    if let (Some(pid), Some(signal)) = (Pid::from_raw(pid), Signal::from_named_raw(signal)) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Whether process `pid` is in this process's group (a terminal's signals reach both).
fn in_our_group(pid: i32) -> bool {
    let theirs = Pid::from_raw(pid).map(|pid| rustix::process::getpgid(Some(pid)));
    matches!(
        (theirs, rustix::process::getpgid(None)),
        (Some(Ok(theirs)), Ok(ours)) if theirs == ours
    )
}

/// Passes [`FORWARDED`] signals (but those inherited as ignored) on to the current child,
/// on a thread of its own until [`Forwarder::close`]. A signal that comes while there is
/// no child (before the first starts, between a restart's stop and start) is held, and
/// sent to the next as it starts: one sent right after `run` started was lost, and the
/// program kept running after a SIGTERM (a twenty-second adversarial pass).
pub struct Forwarder {
    handle: Handle,
    thread: JoinHandle<()>,
    target: Arc<Mutex<Target>>,
}

/// Where the forwarder sends signals, and what it holds meanwhile.
#[derive(Default)]
struct Target {
    /// The current child's pid; 0 while there is none.
    pid: i32,
    /// Signals that came while there was no child, in order.
    held: Vec<i32>,
    /// The first signal that asks the program to stop (INT, TERM, QUIT, and HUP unless
    /// it means "re-read now") since there was last no child: a restart then does not
    /// start it again. One the program survived does not count later (a twenty-third
    /// adversarial pass saw a SIGQUIT for a thread dump stop `run` at the next restart).
    stopping: Option<i32>,
}

impl Forwarder {
    /// Installs the handlers. Call it before the child starts, so that no signal falls
    /// between the two. With `hup`, a SIGHUP to us goes there instead (re-resolve now).
    /// A terminal's Ctrl-C, which reached the child already, is not sent twice.
    pub fn install(hup: Option<mpsc::Sender<()>>) -> io::Result<Self> {
        let wanted: Vec<i32> = FORWARDED
            .into_iter()
            .filter(|&signal| !crate::interrupt::ignored(signal))
            .collect();
        let mut signals = SignalsInfo::<WithOrigin>::new(wanted).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot set up signal forwarding: {error}"),
            )
        })?;
        let handle = signals.handle();
        // The start-up's guard ends: from now on a signal goes to the program.
        crate::interrupt::hand_over();
        // The session's leader alone hears the kernel's SIGHUP when its terminal hangs
        // up (Linux's `tty_signal_session_leader`): a child in our group has not heard
        // it then (a twenty-eighth adversarial pass: `script`, `ssh -t` or a tmux pane
        // that runs `run` directly, and the program ran on after its terminal closed).
        let leader = rustix::process::getsid(None).ok() == Some(rustix::process::getpid());
        let target = Arc::new(Mutex::new(Target::default()));
        let current = Arc::clone(&target);
        let thread = std::thread::spawn(move || {
            for origin in signals.forever() {
                // A terminal's signal: the kernel's, or a hangup a shell passed on to
                // its jobs once the terminal had hung up (a twenty-ninth adversarial
                // pass: from `bash -i`, it came as a process's).
                let terminal = origin.cause == Cause::Kernel
                    || origin.signal == SIGHUP
                        && crate::interrupt::terminal_hung_up(
                            origin.process.map(|process| process.pid),
                        );
                // A SIGHUP a process sends asks `--watch` to re-read; the terminal's is
                // the terminal hanging up, and goes as a terminal's signals go (a
                // twenty-seventh adversarial pass saw it taken for a re-read, and a
                // program in a group of its own never told).
                if let (SIGHUP, Some(hup), false) = (origin.signal, &hup, terminal) {
                    let _ = hup.send(());
                    continue;
                }
                let mut target = current.lock().unwrap_or_else(PoisonError::into_inner);
                if matches!(origin.signal, SIGINT | SIGTERM | SIGQUIT | SIGHUP) {
                    target.stopping.get_or_insert(origin.signal);
                }
                // A terminal's Ctrl-C, Ctrl-\ or hangup reached every process of its
                // foreground group: the child already has it when it shares ours.
                // One that moved to a group of its own (`timeout`, `dumb-init`) did
                // not: it is sent (a twenty-sixth adversarial pass had Ctrl-C do
                // nothing to it, and Ctrl-\ reach a child in our group twice).
                if terminal
                    && matches!(origin.signal, SIGINT | SIGQUIT | SIGHUP)
                    && !(leader && origin.signal == SIGHUP)
                    && (target.pid == 0 && origin.signal == SIGINT
                        || target.pid != 0 && in_our_group(target.pid))
                {
                    continue;
                }
                if target.pid == 0 {
                    target.held.push(origin.signal);
                } else {
                    send(target.pid, origin.signal);
                }
            }
        });
        Ok(Self {
            handle,
            thread,
            target,
        })
    }

    /// The child `pid` started: signals go to it from now on, those held first.
    pub fn started(&self, pid: i32) {
        let mut target = self.target.lock().unwrap_or_else(PoisonError::into_inner);
        target.pid = pid;
        for signal in std::mem::take(&mut target.held) {
            send(pid, signal);
        }
    }

    /// The child is going or gone (a restart stops it, or it ended): signals are held
    /// from now on, never sent to its pid, which another process may have by then, and
    /// only a stopping signal from now on counts for [`Forwarder::stopping`]. The one
    /// recorded during the child's life, if any, is returned.
    pub fn between(&self) -> Option<i32> {
        let mut target = self.target.lock().unwrap_or_else(PoisonError::into_inner);
        target.pid = 0;
        target.stopping.take()
    }

    /// The signal that asked the program to stop, if one came.
    pub fn stopping(&self) -> Option<i32> {
        self.target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stopping
    }

    /// Stops forwarding.
    pub fn close(self) {
        self.handle.close();
        let _ = self.thread.join();
    }
}

/// Waits for the output `pumps` of a child that has ended (a process it left behind may
/// keep its output open), unless a signal to stop comes meanwhile: then that signal,
/// and the pumps are left. The forwarder was told of the end ([`Forwarder::between`]);
/// when a signal to stop came during the child's life (`during`: it likely ended it),
/// the wait is a second at most (a twenty-fourth adversarial pass waited on a leftover
/// `sleep` after a SIGTERM had ended the program). A SIGTERM to `run` did nothing there
/// once (a twenty-third).
pub fn drain(
    pumps: Vec<JoinHandle<()>>,
    forwarder: &Forwarder,
    during: Option<i32>,
) -> Option<i32> {
    let deadline = during.map(|_| std::time::Instant::now() + std::time::Duration::from_secs(1));
    loop {
        if deadline.is_some_and(|deadline| std::time::Instant::now() > deadline) {
            return None;
        }
        if pumps.iter().all(JoinHandle::is_finished) {
            for pump in pumps {
                let _ = pump.join();
            }
            return None;
        }
        if let Some(signal) = forwarder.stopping() {
            return Some(signal);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// From now on, a SIGHUP a process sends while `run --watch` first resolves the secrets,
/// before the [`Forwarder`] listens, is noted (by the start-up's guard, `interrupt.rs`;
/// [`crate::interrupt::hup_seen`]), not fatal. It killed `run` (status 129) and so the
/// service a "re-read now" was meant for (a fourth adversarial pass). The kernel's (the
/// terminal hanging up) still stops the start-up, as SIGINT and SIGTERM do. False when
/// SIGHUP was inherited as ignored (`nohup`), which stays so.
pub fn note_early_hup() -> bool {
    if crate::interrupt::ignored(SIGHUP) {
        return false;
    }
    crate::interrupt::take_hup();
    true
}

/// The redactor the output pumps use; a change of values puts a new one in.
pub type Shared = Arc<RwLock<Arc<Redactor>>>;

/// Starts `command`; with `redaction`, its stdout and stderr go through [`pump`]s on
/// threads of their own (added to `pumps`), so neither pipe can fill up and block it.
pub fn spawn(
    mut command: Command,
    redaction: Option<&Shared>,
    pumps: &mut Vec<JoinHandle<()>>,
) -> io::Result<Child> {
    if redaction.is_some() {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = match command.spawn() {
        Err(error) if error.raw_os_error() == Some(rustix::io::Errno::NOEXEC.raw_os_error()) => {
            let Some(mut script) = as_script(&command) else {
                return Err(error);
            };
            if redaction.is_some() {
                script.stdout(Stdio::piped()).stderr(Stdio::piped());
            }
            script.spawn()?
        }
        spawned => spawned?,
    };
    if let Some(shared) = redaction {
        if let Some(stdout) = child.stdout.take() {
            let shared = Arc::clone(shared);
            pumps.push(std::thread::spawn(move || {
                lost(
                    "stdout",
                    pump(|| current(&shared), stdout, own(io::stdout())),
                );
            }));
        }
        if let Some(stderr) = child.stderr.take() {
            let shared = Arc::clone(shared);
            pumps.push(std::thread::spawn(move || {
                lost(
                    "stderr",
                    pump(|| current(&shared), stderr, own(io::stderr())),
                );
            }));
        }
    }
    Ok(child)
}

/// `command` as `/bin/sh` runs it when it is a file without a `#!` line (`ENOEXEC`), as
/// `execvp` does for `run` without a supervisor: the same program runs either way (a
/// fortieth adversarial pass saw such a script run by `run` and refused, "Exec format
/// error", by `run --redact`). `None` when the program cannot be found (a name on none
/// of the `PATH` it is given).
fn as_script(command: &Command) -> Option<Command> {
    let program = Path::new(command.get_program());
    let envs: Vec<(&OsStr, &OsStr)> = command
        .get_envs()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
    let path = if program.as_os_str().as_bytes().contains(&b'/') {
        program.to_path_buf()
    } else {
        let search = envs.iter().find(|(name, _)| *name == "PATH")?.1;
        std::env::split_paths(search)
            .map(|dir| dir.join(program))
            .find(|candidate| {
                std::fs::metadata(candidate)
                    .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
            })?
    };
    let mut script = Command::new("/bin/sh");
    script.arg(path).args(command.get_args());
    script.env_clear().envs(envs);
    Some(script)
}

/// A descriptor of the pump's own onto `stream` (a duplicate of 1 or 2), or the stream
/// itself when none can be made. Never the process's `Stdout` when it can be helped: a
/// pump blocked writing to a full pipe held its lock, and `run`'s last flush waited on
/// it after a SIGTERM for as long as the reader did not read (a twenty-sixth
/// adversarial pass; forever with a reader that never reads).
fn own<S: std::os::fd::AsFd + Write + Send + 'static>(stream: S) -> Box<dyn Write + Send> {
    match stream.as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(stream),
    }
}

/// Set when a pump could not write the program's output (a full disk, `ulimit -f`):
/// `run` then says so and does not end with 0 (a twenty-third adversarial pass saw the
/// output cut short, and status 0).
static OUTPUT_LOST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes a pump's failure to write `stream`, said once on stderr (which may be what
/// failed: then only the status tells).
fn lost(stream: &str, result: io::Result<()>) {
    if let Err(error) = result {
        if !OUTPUT_LOST.swap(true, Ordering::SeqCst) {
            // One write: the program's own stderr is pumped beside it, and a line written
            // piece by piece was cut by one of the program's (a fresh-clone CI saw "the
            // program's still-alive").
            let line = format!(
                "secretary run: the program's {stream} could not be written ({error}); what it wrote after is lost\n"
            );
            let _ = io::stderr().write_all(line.as_bytes());
        }
    }
}

/// `status`, but 1 for a 0 when some of the program's output could not be written
/// ([`OUTPUT_LOST`]): output cut short is no success, whatever the program said.
pub fn unless_output_lost(status: Status) -> Status {
    if OUTPUT_LOST.load(Ordering::SeqCst) && status == Status::Exit(0) {
        Status::Exit(1)
    } else {
        status
    }
}

fn current(shared: &Shared) -> Arc<Redactor> {
    Arc::clone(&shared.read().unwrap_or_else(PoisonError::into_inner))
}

/// Copies `from` to `to` through the redactor `current` gives at each read, until end of
/// input, flushing after every read so output appears as the writer produces it.
/// `current` may give a fixed redactor, or (`run --watch`) a newer one after a change:
/// the held-back tail carries over, since the newer one knows every older value too.
/// Stops early, without error, when `to` is closed (the reader then gets `EPIPE` as it
/// would without us). A read error still writes what was held back, then is returned.
pub fn pump<R: Deref<Target = Redactor>>(
    current: impl Fn() -> R,
    mut from: impl Read,
    mut to: impl Write,
) -> io::Result<()> {
    let mut buffer = vec![0; 64 * 1024];
    let mut pending = Zeroizing::new(Vec::new());
    let mut out = Vec::with_capacity(buffer.len() + 64);
    let mut write = |out: &[u8]| match write_out(&mut to, out) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(error) => Err(error),
        Ok(()) => Ok(true),
    };
    let ended = loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break Ok(()),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => break Err(error),
        };
        out.clear();
        current().stream(&mut pending, &buffer[..read], &mut out);
        match write(&out) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(error) => {
                // Output that cannot be written (a full disk, `ulimit -f`) is lost, and
                // said; the program is not killed for it: what it writes is read and
                // dropped until it ends (a fortieth adversarial pass saw it killed by
                // SIGPIPE, its healthy stderr lost, exit 141).
                loop {
                    match from.read(&mut buffer) {
                        Ok(0) => break,
                        Err(error) if error.kind() != io::ErrorKind::Interrupted => break,
                        _ => buffer.fill(0),
                    }
                }
                return Err(error);
            }
        }
    };
    out.clear();
    current().finish_stream(&mut pending, &mut out);
    write(&out)?;
    ended
}

/// Writes all of `out` to `to`, then flushes: as `write_all`, but a descriptor someone
/// made non-blocking (`EAGAIN`: a reader only slow) is waited on, not failed (a fortieth
/// adversarial pass saw output lost and the program killed for it).
fn write_out(to: &mut impl Write, mut out: &[u8]) -> io::Result<()> {
    while !out.is_empty() {
        match to.write(out) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => out = &out[written..],
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(error) => return Err(error),
        }
    }
    loop {
        match to.flush() {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Waits for `child`, with context for the error.
pub fn wait(child: &mut Child) -> io::Result<ExitStatus> {
    child.wait().map_err(waiting)
}

/// Whether `child` has exited, without waiting, with context for the error.
pub fn try_wait(child: &mut Child) -> io::Result<Option<ExitStatus>> {
    child.try_wait().map_err(waiting)
}

/// `error`, saying it came from waiting for the program.
#[expect(clippy::needless_pass_by_value, reason = "the shape `map_err` takes")]
fn waiting(error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("cannot wait for the program: {error}"),
    )
}
