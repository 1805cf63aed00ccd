//! One node of the test cluster: its `sh` supervisor, its server, and a minimal HTTP
//! client for loopback (see the parent module for why a supervisor).

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::PATIENCE;

/// The supervisor of each node (see the module documentation): `$1` is the node's
/// directory. It reads commands on stdin, `start PROGRAM` (the `bao` executable) and
/// `kill`, and acknowledges each on stdout (`started PID`, `killed`); at end-of-file it
/// kills the server and removes the directory. The server's output goes to `bao.log`.
const SUPERVISOR: &str = r#"
dir=$1
pid=
log() { echo "==> test harness: $*" >>"$dir/bao.log"; }
stop() {
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid"
    log "killed bao server (pid $pid) with SIGKILL"
    pid=
  fi
}
trap '' HUP INT TERM
while read -r command program; do
  case $command in
    start)
      stop
      (trap - HUP INT TERM; exec "$program" server -config="$dir/node.hcl" \
        </dev/null >>"$dir/bao.log" 2>&1) &
      pid=$!
      log "started bao server (pid $pid)"
      echo "started $pid" ;;
    kill)
      stop
      echo killed ;;
  esac
done
stop
rm -rf "$dir"
"#;

/// One HTTP answer from a node.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names as the server sent them.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One node: its ports, its directory (configuration, Raft data, log), its process.
pub(super) struct Node {
    index: usize,
    pub(super) name: String,
    pub(super) api: u16,
    pub(super) dir: tempfile::TempDir,
    supervisor: Mutex<Supervisor>,
}

/// The node's supervisor, and the server it runs if any.
struct Supervisor {
    child: Child,
    commands: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
    server: Option<u32>,
}

impl Supervisor {
    /// Sends `command`; returns the supervisor's one-line answer.
    fn ask(&mut self, node: usize, command: &str) -> String {
        let commands = self.commands.as_mut().unwrap();
        let mut answer = String::new();
        let answered = writeln!(commands, "{command}")
            .and_then(|()| commands.flush())
            .and_then(|()| self.answers.read_line(&mut answer));
        match answered {
            Ok(n) if n > 0 => answer.trim().to_owned(),
            outcome => {
                panic!("the supervisor of node {node} did not answer `{command}`: {outcome:?}")
            }
        }
    }
}

impl Node {
    pub(super) fn new(index: usize, api: u16, cluster: u16) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("secretary-cluster-node{index}-"))
            .tempdir()
            .unwrap();
        let name = format!("node{index}");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let config = format!(
            r#"storage "raft" {{
  path = "{data}"
  node_id = "{name}"
  performance_multiplier = 1
  autopilot_reconcile_interval = "1s"
  autopilot_update_interval = "500ms"
}}
listener "tcp" {{
  address = "127.0.0.1:{api}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}
api_addr = "http://127.0.0.1:{api}"
cluster_addr = "https://127.0.0.1:{cluster}"
ui = false
"#,
            data = data.display()
        );
        std::fs::write(dir.path().join("node.hcl"), config).unwrap();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.path().join("bao.log"))
            .unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(SUPERVISOR)
            .arg("sh")
            .arg(dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `sh` for node {index}: {error}"));
        let supervisor = Supervisor {
            commands: child.stdin.take(),
            answers: BufReader::new(child.stdout.take().unwrap()),
            child,
            server: None,
        };
        Self {
            index,
            name,
            api,
            dir,
            supervisor: Mutex::new(supervisor),
        }
    }

    fn supervisor(&self) -> MutexGuard<'_, Supervisor> {
        self.supervisor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the server (the previous one, if any, killed first).
    pub(super) fn spawn(&self, program: &Path) {
        let program = program.to_str().unwrap();
        let mut supervisor = self.supervisor();
        let answer = supervisor.ask(self.index, &format!("start {program}"));
        let pid = answer
            .strip_prefix("started ")
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| panic!("node {}: unexpected answer {answer:?}", self.index));
        supervisor.server = Some(pid);
    }

    /// Kills the server with `SIGKILL` and waits until it is gone; nothing when there is
    /// none.
    pub(super) fn stop(&self) {
        let mut supervisor = self.supervisor();
        if supervisor.server.take().is_some() {
            let answer = supervisor.ask(self.index, "kill");
            assert_eq!(answer, "killed", "node {}: unexpected answer", self.index);
        }
    }

    /// Empties the node's Raft storage (its server must be stopped), for a rebuild.
    pub(super) fn empty_storage(&self) {
        let data = self.dir.path().join("data");
        std::fs::remove_dir_all(&data).unwrap();
        std::fs::create_dir(&data).unwrap();
    }

    /// Whether the server process is alive (not exited, not a zombie).
    pub(super) fn running(&self) -> bool {
        let Some(pid) = self.supervisor().server else {
            return false;
        };
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                // pid (comm) STATE ...: the state follows the last parenthesis.
                stat.rsplit_once(')')
                    .map(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
            })
            .unwrap_or(false)
    }

    /// The real `bao` executable, not the `pip` launcher that exec'd it: running it
    /// directly saves a Python start at every later use.
    pub(super) fn program(&self) -> PathBuf {
        let pid = self.supervisor().server;
        pid.and_then(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok())
            .filter(|path| path.exists())
            .unwrap_or_else(|| PathBuf::from("bao"))
    }

    /// Waits until the API answers anything; fails the test if the server exits first.
    pub(super) fn wait_answering(&self) {
        let start = Instant::now();
        while self.health().is_none() {
            assert!(
                self.running(),
                "the OpenBao server of node {} exited before it answered:\n{}",
                self.index,
                self.log()
            );
            assert!(
                start.elapsed() < PATIENCE,
                "node {} did not answer in {PATIENCE:?}:\n{}",
                self.index,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(super) fn health(&self) -> Option<u16> {
        http(self.api, "GET", "/v1/sys/health", &[], None)
            .ok()
            .map(|answer| answer.status)
    }

    /// Whether this node has applied the log up to `index` (an `X-Vault-Index`): a
    /// lagging node answers 429 to a request carrying it.
    pub(super) fn caught_up(&self, index: &str) -> bool {
        http(
            self.api,
            "GET",
            "/v1/sys/seal-status",
            &[("X-Vault-Index", index)],
            None,
        )
        .is_ok_and(|answer| answer.status == 200)
    }

    /// One request that must be answered.
    pub(super) fn call(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Response {
        let headers: Vec<(&str, &str)> = token.map(|t| ("X-Vault-Token", t)).into_iter().collect();
        http(self.api, method, path, &headers, body).unwrap_or_else(|error| {
            panic!(
                "node {} did not answer {method} {path}: {error}\n{}",
                self.index,
                self.log()
            )
        })
    }

    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }
}

impl Drop for Node {
    /// Only when the cluster failed to start (the shared one is never dropped): what the
    /// end of the test process does otherwise.
    fn drop(&mut self) {
        let supervisor = self
            .supervisor
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        drop(supervisor.commands.take());
        let _ = supervisor.child.wait();
    }
}

/// A minimal HTTP/1.0 client for loopback: one request per connection, so the server
/// closes it after the answer and never chunks the body.
pub(super) fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> io::Result<Response> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw);
    let invalid = || io::Error::new(io::ErrorKind::InvalidData, format!("not HTTP: {raw:?}"));
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(invalid)?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(invalid)?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_owned(),
    })
}
