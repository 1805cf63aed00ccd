//! Bounded waits on the processes a test starts: the next line a process prints, its
//! exit, its whole output. Each fails the test with a reason after [`PATIENCE`] instead
//! of hanging the suite (issue 25, item 13): a regression that stops a process from
//! printing or exiting is then a failure that names what was awaited.
//!
//! [`default_signals`] gives a command the signal dispositions the tests rely on, whatever
//! the test process inherited (`nohup` and some CI runners start it with SIGHUP, SIGINT
//! and SIGQUIT ignored, and a process keeps ignored dispositions across `exec`).

use std::io::{BufRead as _, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a test waits for a line or an exit before it fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The signals whose disposition [`default_signals`] resets.
const SIGNALS: &str = "HUP,INT,QUIT,TERM,PIPE,USR1,USR2";

/// The lines a process prints on one stream, read by a thread of their own so that
/// every wait for the next one is bounded.
pub struct Lines {
    receiver: mpsc::Receiver<String>,
}

impl Lines {
    /// Reads `stream` (a child's stdout or stderr) line by line from now on.
    pub fn new(stream: impl Read + Send + 'static) -> Self {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&line).into_owned();
                        if sender.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Self { receiver }
    }

    /// The next line, with its line ending; `None` at the end of the stream. Fails the
    /// test when neither comes within [`PATIENCE`].
    pub fn next_line(&self) -> Option<String> {
        match self.receiver.recv_timeout(PATIENCE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "waited {PATIENCE:?} for a line: the process neither printed one nor closed the stream"
            ),
        }
    }

    /// The next line, with its line ending; fails the test at the end of the stream.
    pub fn line(&self) -> String {
        self.next_line()
            .expect("the stream ended before the line the test waits for")
    }

    /// Everything left until the end of the stream.
    pub fn rest(&self) -> String {
        std::iter::from_fn(|| self.next_line()).collect()
    }
}

/// The first `count` lines of `stream`, read within [`PATIENCE`], and the stream handed
/// back, so that the test can close it (a test that closes a pipe's read end to make the
/// writer's next write fail needs it back; a [`Lines`] keeps it open). What was read
/// past the last line is dropped.
pub fn first_lines<R: Read + Send + 'static>(stream: R, count: usize) -> (Vec<String>, R) {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut lines = Vec::new();
        while lines.len() < count {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => lines.push(String::from_utf8_lossy(&line).into_owned()),
            }
        }
        let _ = sender.send((lines, reader.into_inner()));
    });
    let (lines, stream) = receiver.recv_timeout(PATIENCE).unwrap_or_else(|_| {
        panic!("waited {PATIENCE:?} for {count} lines: the process neither printed them nor closed the stream")
    });
    assert_eq!(lines.len(), count, "the stream ended after {lines:?}");
    (lines, stream)
}

/// Waits for `child` to exit, at most [`PATIENCE`]; otherwise kills it and fails the test.
pub fn wait(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("cannot wait for a child process") {
            return status;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "process {} did not exit within {PATIENCE:?}; killed it",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`Child::wait_with_output`] bounded by [`PATIENCE`]: the streams the child still has
/// piped are read, byte for byte, on threads while [`wait`] waits.
pub fn output(mut child: Child) -> Output {
    let stdout = child.stdout.take().map(all_of);
    let stderr = child.stderr.take().map(all_of);
    let status = wait(&mut child);
    let read = |bytes: Option<mpsc::Receiver<Vec<u8>>>| {
        bytes.map_or_else(Vec::new, |bytes| {
            bytes.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!("the process exited, but its output did not end within {PATIENCE:?}")
            })
        })
    };
    Output {
        status,
        stdout: read(stdout),
        stderr: read(stderr),
    }
}

/// Everything `stream` holds, read on a thread of its own.
fn all_of(mut stream: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let _ = sender.send(bytes);
    });
    receiver
}

/// `program` run through GNU `env --default-signal`, which resets SIGHUP, SIGINT,
/// SIGQUIT, SIGTERM, SIGPIPE, SIGUSR1 and SIGUSR2 to their defaults and then `exec`s it
/// (same process): what a test that sends signals, or starts a supervisor, relies on.
/// Without `unsafe` (the workspace forbids it), so no `pre_exec`.
pub fn default_signals(program: &Path) -> Command {
    let mut command = Command::new("env");
    command
        .arg(format!("--default-signal={SIGNALS}"))
        .arg(program);
    command
}
