//! A real three-node OpenBao cluster on Raft storage for the failover tests: one active
//! node, two standbys, real elections when the active node dies.
//!
//! One cluster per test binary, started on first use ([`Cluster::shared`]) and shared by
//! its tests; a test takes [`Cluster::lock`] for the whole of its run, which leaves the
//! cluster healthy first, whatever the test before did to it.
//!
//! Rust's test harness never drops statics, so no destructor stops the servers. Each node
//! has a small `sh` supervisor instead, for the life of the test process, which starts and
//! kills the node's `bao server` when told to on its stdin, a pipe from the test process.
//! When the test process ends, however it ends (success, panic, `SIGKILL`, Ctrl-C), the
//! kernel closes that pipe: the supervisor reads end-of-file, kills its server with
//! `SIGKILL`, waits for it and removes the node's directory. The supervisor ignores
//! `SIGHUP`, `SIGINT` and `SIGTERM` so that it outlives the test process long enough to do
//! so; only a `SIGKILL` aimed at the supervisor itself could leave a server behind.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::free_port;

/// How many nodes a cluster has.
const NODES: usize = 3;

/// How long anything the harness waits for may take before the test fails: a node's
/// start, an election, the cluster's return to health.
const PATIENCE: Duration = Duration::from_secs(60);

/// How often the harness looks again while it waits.
const POLL: Duration = Duration::from_millis(50);

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

/// A three-node OpenBao 2.7 cluster on Raft storage, on loopback, plain HTTP.
///
/// Nodes are numbered 0, 1, 2, in the order of [`Cluster::addresses`]. Which one is
/// active changes as tests kill nodes and step them down: ask [`Cluster::active`].
pub struct Cluster {
    nodes: Vec<Node>,
    token: String,
    key: String,
    program: PathBuf,
    exclusive: Mutex<()>,
}

/// Exclusive use of the shared cluster, from [`Cluster::lock`]; dereferences to the
/// [`Cluster`].
pub struct ClusterGuard<'a> {
    cluster: &'a Cluster,
    _exclusive: MutexGuard<'a, ()>,
}

impl Deref for ClusterGuard<'_> {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        self.cluster
    }
}

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

static SHARED: OnceLock<Result<Cluster, String>> = OnceLock::new();

impl Cluster {
    /// The cluster of this test binary: started on first use (about 7 s: three voters,
    /// healthy, KV v2 at `secret`), then shared by every test in the binary. When it
    /// cannot start, the first test fails with the reason and every later one at once.
    ///
    /// Take [`Cluster::lock`] before using it.
    pub fn shared() -> &'static Cluster {
        let started = SHARED.get_or_init(|| {
            catch_unwind(AssertUnwindSafe(Cluster::start)).map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(no message)".to_owned())
            })
        });
        match started {
            Ok(cluster) => cluster,
            Err(reason) => panic!("the shared OpenBao cluster could not start: {reason}"),
        }
    }

    /// Exclusive use of the cluster until the guard drops. Tests in one binary run in
    /// parallel threads and a cluster test disturbs, or is disturbed by, any other: every
    /// test that uses the cluster holds this guard for its whole run.
    ///
    /// Before it returns, the cluster is healthy again whatever the previous holder did
    /// (even if it panicked): dead nodes started, sealed nodes unsealed, then
    /// [`Cluster::wait_healthy`]. Removed Raft peers are not restored.
    pub fn lock(&'static self) -> ClusterGuard<'static> {
        let exclusive = self
            .exclusive
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.heal();
        ClusterGuard {
            cluster: self,
            _exclusive: exclusive,
        }
    }

    /// `http://127.0.0.1:PORT` of each node's API, node 0 first.
    pub fn addresses(&self) -> Vec<String> {
        (0..NODES).map(|node| self.address(node)).collect()
    }

    /// `http://127.0.0.1:PORT` of `node`'s API.
    pub fn address(&self, node: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[node].api)
    }

    /// The root token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The status `node` answers to `GET /v1/sys/health`: 200 active, 429 standby,
    /// 503 sealed; `None` when it does not answer (killed, or not started yet).
    pub fn health(&self, node: usize) -> Option<u16> {
        self.nodes[node].health()
    }

    /// The active node (`sys/health` 200), waiting for one to be elected if need be;
    /// fails the test if none is within 60 s.
    pub fn active(&self) -> usize {
        let mut active = None;
        self.wait("a node to be active", || {
            active = (0..NODES).find(|&node| self.health(node) == Some(200));
            active.is_some()
        });
        active.unwrap()
    }

    /// Kills `node`'s server with `SIGKILL`, as when its machine dies; returns once the
    /// process is gone. Its data stays, for [`Cluster::restart`].
    pub fn kill(&self, node: usize) {
        assert!(
            self.nodes[node].running(),
            "cannot kill node {node}: it is not running"
        );
        self.nodes[node].stop();
    }

    /// Starts a killed `node` again, on the same ports with the same data; it comes back
    /// sealed: unseals it, then waits until it is a healthy voter that has caught up with
    /// the active node.
    pub fn restart(&self, node: usize) {
        assert!(
            !self.nodes[node].running(),
            "cannot restart node {node}: it is running (kill it first)"
        );
        self.nodes[node].spawn(&self.program);
        self.nodes[node].wait_answering();
        self.unseal(node);
        self.wait(&format!("node {node} to be a healthy voter again"), || {
            self.voter(node)
        });
    }

    /// Seals `node` (`PUT sys/seal` on it: a standby seals only itself); returns once it
    /// answers as sealed.
    pub fn seal(&self, node: usize) {
        let answer = self.call(node, "PUT", "/v1/sys/seal", None);
        assert_eq!(
            answer.status, 204,
            "cannot seal node {node}: {}",
            answer.body
        );
        self.wait(&format!("node {node} to be sealed"), || {
            self.health(node) == Some(503)
        });
    }

    /// Unseals `node` with the cluster's key; returns once it answers as unsealed (it may
    /// still be catching up: [`Cluster::wait_healthy`] waits for that).
    pub fn unseal(&self, node: usize) {
        let body = json!({ "key": self.key }).to_string();
        let answer = self.call(node, "PUT", "/v1/sys/unseal", Some(&body));
        assert_eq!(
            answer.status, 200,
            "cannot unseal node {node}: {}",
            answer.body
        );
        self.wait(&format!("node {node} to be unsealed"), || {
            matches!(self.health(node), Some(200 | 429))
        });
    }

    /// `PUT sys/step-down` on the active node, as `bao operator step-down` does; returns
    /// that node at once, without waiting for the next election (under a second; until
    /// then the old node answers 500 to everything, the others 307 to it). Any node may
    /// be the next active one.
    pub fn step_down(&self) -> usize {
        let node = self.active();
        let answer = self.call(node, "PUT", "/v1/sys/step-down", None);
        assert_eq!(
            answer.status, 204,
            "node {node} did not step down: {}",
            answer.body
        );
        node
    }

    /// Waits (at most 60 s) until every node runs, is unsealed, is a voter and is healthy
    /// by autopilot, one is active and the standbys have applied everything the active
    /// node had; fails the test with each node's state and log otherwise. Fails at once
    /// when a node is not running: [`Cluster::restart`] it first.
    pub fn wait_healthy(&self) {
        for node in 0..NODES {
            assert!(
                self.nodes[node].running(),
                "the cluster cannot be healthy: node {node} is not running (restart it)\n{}",
                self.diagnosis()
            );
        }
        self.wait("the cluster to be healthy", || self.healthy());
    }

    /// Runs `bao ARGS...` as root against `node`; panics with its stderr when it fails;
    /// returns its stdout, trimmed.
    pub fn bao(&self, node: usize, args: &[&str]) -> String {
        let output = Command::new(&self.program)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.nodes[node].dir.path())
            .env("VAULT_ADDR", self.address(node))
            .env("VAULT_TOKEN", &self.token)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "bao {args:?} against node {node} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// Sends one HTTP request to `node` with the root token (`X-Vault-Token`) and
    /// `headers`; `path` starts with `/v1/`. An error when the node does not answer.
    pub fn request(
        &self,
        node: usize,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> io::Result<Response> {
        let mut all = vec![("X-Vault-Token", self.token.as_str())];
        all.extend_from_slice(headers);
        http(self.nodes[node].api, method, path, &all, body)
    }

    /// Writes a new version of `secret/PATH` (KV v2) with `fields` on the active node;
    /// returns the version number.
    pub fn kv_put(&self, path: &str, fields: &[(&str, &str)]) -> u64 {
        let node = self.active();
        let data: serde_json::Map<String, Value> = fields
            .iter()
            .map(|(key, value)| ((*key).to_owned(), Value::from(*value)))
            .collect();
        let body = json!({ "data": data }).to_string();
        let answer = self.call(
            node,
            "POST",
            &format!("/v1/secret/data/{path}"),
            Some(&body),
        );
        assert_eq!(
            answer.status, 200,
            "cannot write secret/{path} on node {node}: {}",
            answer.body
        );
        answer.json()["data"]["version"].as_u64().unwrap()
    }

    /// `field` of the latest version of `secret/PATH`, as `node` answers (a standby from
    /// its own copy); `None` when the secret, its latest version or the field is missing.
    pub fn kv_get(&self, node: usize, path: &str, field: &str) -> Option<String> {
        let answer = self.call(node, "GET", &format!("/v1/secret/data/{path}"), None);
        match answer.status {
            200 => answer.json()["data"]["data"][field]
                .as_str()
                .map(str::to_owned),
            404 => None,
            status => panic!(
                "cannot read secret/{path} on node {node} ({status}): {}",
                answer.body
            ),
        }
    }

    /// Each version of `secret/PATH` that KV still keeps (the latest 10 by default), oldest
    /// first, with its `field`, read on the active node: `None` for a deleted or destroyed
    /// version or one without the field. Empty when the secret does not exist. To check
    /// that a write landed exactly once.
    pub fn kv_versions(&self, path: &str, field: &str) -> Vec<(u64, Option<String>)> {
        let node = self.active();
        let metadata = self.call(node, "GET", &format!("/v1/secret/metadata/{path}"), None);
        match metadata.status {
            200 => {}
            404 => return Vec::new(),
            status => panic!(
                "cannot read the metadata of secret/{path} ({status}): {}",
                metadata.body
            ),
        }
        let metadata = metadata.json();
        let current = metadata["data"]["current_version"].as_u64().unwrap();
        let oldest = metadata["data"]["oldest_version"]
            .as_u64()
            .unwrap_or(0)
            .max(1);
        (oldest..=current)
            .map(|version| {
                let answer = self.call(
                    node,
                    "GET",
                    &format!("/v1/secret/data/{path}?version={version}"),
                    None,
                );
                let value = match answer.status {
                    200 => answer.json()["data"]["data"][field]
                        .as_str()
                        .map(str::to_owned),
                    404 => None,
                    status => panic!(
                        "cannot read version {version} of secret/{path} ({status}): {}",
                        answer.body
                    ),
                };
                (version, value)
            })
            .collect()
    }

    /// What `node`'s server printed, over all its runs (the harness marks each start and
    /// kill).
    pub fn log(&self, node: usize) -> String {
        self.nodes[node].log()
    }

    fn start() -> Cluster {
        let start = Instant::now();
        let _ = writeln!(
            io::stderr(),
            "starting a three-node OpenBao Raft cluster for the cluster tests..."
        );
        let mut ports = Vec::new();
        while ports.len() < 2 * NODES {
            let port = free_port();
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        let leader = format!("http://127.0.0.1:{}", ports[0]);
        let nodes: Vec<Node> = (0..NODES)
            .map(|index| Node::new(index, ports[2 * index], ports[2 * index + 1]))
            .collect();
        for node in &nodes {
            node.spawn(Path::new("bao"));
        }
        for node in &nodes {
            node.wait_answering();
        }
        let program = nodes[0].program();

        let init = json!({ "secret_shares": 1, "secret_threshold": 1 }).to_string();
        let answer = nodes[0].call(None, "PUT", "/v1/sys/init", Some(&init));
        assert_eq!(
            answer.status,
            200,
            "cannot initialise node 0: {}\n{}",
            answer.body,
            nodes[0].log()
        );
        let init = answer.json();
        let cluster = Cluster {
            nodes,
            token: init["root_token"].as_str().unwrap().to_owned(),
            key: init["keys_base64"][0].as_str().unwrap().to_owned(),
            program,
            exclusive: Mutex::new(()),
        };
        cluster.unseal(0);
        cluster.wait("node 0 to be active", || cluster.health(0) == Some(200));
        let autopilot = json!({ "server_stabilization_time": "1s" }).to_string();
        let answer = cluster.call(
            0,
            "POST",
            "/v1/sys/storage/raft/autopilot/configuration",
            Some(&autopilot),
        );
        assert!(
            answer.status < 300,
            "cannot configure autopilot: {}",
            answer.body
        );
        let join = json!({ "leader_api_addr": leader }).to_string();
        for node in 1..NODES {
            let answer =
                cluster.nodes[node].call(None, "POST", "/v1/sys/storage/raft/join", Some(&join));
            assert!(
                answer.status == 200 && answer.json()["joined"] == true,
                "node {node} cannot join the cluster: {}\n{}",
                answer.body,
                cluster.log(node)
            );
            let key = json!({ "key": cluster.key }).to_string();
            let answer = cluster.nodes[node].call(None, "PUT", "/v1/sys/unseal", Some(&key));
            assert_eq!(
                answer.status, 200,
                "cannot unseal node {node}: {}",
                answer.body
            );
        }
        let mounts = cluster.call(0, "GET", "/v1/sys/mounts", None);
        if mounts.json()["data"]["secret/"].is_null() {
            let kv = json!({ "type": "kv", "options": { "version": "2" } }).to_string();
            let answer = cluster.call(0, "POST", "/v1/sys/mounts/secret", Some(&kv));
            assert!(
                answer.status < 300,
                "cannot enable KV v2 at secret: {}",
                answer.body
            );
        }
        cluster.wait_healthy();
        let _ = writeln!(
            io::stderr(),
            "the OpenBao cluster is up (three voters, healthy) after {:.1}s",
            start.elapsed().as_secs_f64()
        );
        cluster
    }

    /// Brings the cluster back to health after whatever a test did.
    fn heal(&self) {
        for node in &self.nodes {
            if !node.running() {
                node.spawn(&self.program);
            }
        }
        for (index, node) in self.nodes.iter().enumerate() {
            node.wait_answering();
            if node.health() == Some(503) {
                self.unseal(index);
            }
        }
        self.wait_healthy();
    }

    /// One request with the root token that must be answered.
    fn call(&self, node: usize, method: &str, path: &str, body: Option<&str>) -> Response {
        self.nodes[node].call(Some(&self.token), method, path, body)
    }

    /// Whether the cluster is healthy now (see [`Cluster::wait_healthy`]).
    fn healthy(&self) -> bool {
        let health: Vec<Option<u16>> = (0..NODES).map(|node| self.health(node)).collect();
        let Some(active) = health.iter().position(|&status| status == Some(200)) else {
            return false;
        };
        if health.iter().filter(|&&status| status == Some(429)).count() != NODES - 1 {
            return false;
        }
        let Some((state, index)) = self.autopilot(active) else {
            return false;
        };
        state["healthy"] == true
            && state["voters"].as_array().map(Vec::len) == Some(NODES)
            && self.nodes.iter().enumerate().all(|(node, n)| {
                let server = &state["servers"][&n.name];
                server["healthy"] == true
                    && matches!(server["status"].as_str(), Some("leader" | "voter"))
                    && (node == active || n.caught_up(&index))
            })
    }

    /// Whether `node` is a healthy voter by the active node's autopilot and has applied
    /// everything the active node had.
    fn voter(&self, node: usize) -> bool {
        let Some(active) = (0..NODES).find(|&n| self.health(n) == Some(200)) else {
            return false;
        };
        let Some((state, index)) = self.autopilot(active) else {
            return false;
        };
        let server = &state["servers"][&self.nodes[node].name];
        server["healthy"] == true
            && matches!(server["status"].as_str(), Some("leader" | "voter"))
            && self.nodes[node].caught_up(&index)
    }

    /// The active node's autopilot state and its `X-Vault-Index` (how far its log goes).
    fn autopilot(&self, active: usize) -> Option<(Value, String)> {
        let answer = self
            .request(
                active,
                "GET",
                "/v1/sys/storage/raft/autopilot/state",
                &[],
                None,
            )
            .ok()?;
        if answer.status != 200 {
            return None;
        }
        let index = answer.header("X-Vault-Index")?.to_owned();
        Some((answer.json()["data"].clone(), index))
    }

    /// Waits until `done`, at most [`PATIENCE`]; fails the test with the diagnosis.
    fn wait(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() <= PATIENCE,
                "timed out after {PATIENCE:?} waiting for {what}\n{}",
                self.diagnosis()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Each node's state and log tail, and the autopilot state: what a failure shows.
    fn diagnosis(&self) -> String {
        let mut out = String::new();
        for (index, node) in self.nodes.iter().enumerate() {
            let _ = writeln!(
                out,
                "--- node {index} ({}, {}): {}, sys/health {} ---",
                node.name,
                self.address(index),
                if node.running() {
                    "running"
                } else {
                    "not running"
                },
                node.health()
                    .map_or("no answer".to_owned(), |status| status.to_string()),
            );
            let log = node.log();
            let lines: Vec<&str> = log.lines().collect();
            for line in &lines[lines.len().saturating_sub(30)..] {
                let _ = writeln!(out, "{line}");
            }
        }
        let state = (0..NODES)
            .find(|&node| self.health(node) == Some(200))
            .and_then(|active| self.autopilot(active));
        let _ = writeln!(
            out,
            "--- autopilot state ---\n{}",
            state.map_or("(no active node to ask)".to_owned(), |(state, _)| {
                serde_json::to_string_pretty(&state).unwrap()
            })
        );
        out
    }
}

/// One node: its ports, its directory (configuration, Raft data, log), its process.
struct Node {
    index: usize,
    name: String,
    api: u16,
    dir: tempfile::TempDir,
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
    fn new(index: usize, api: u16, cluster: u16) -> Self {
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
    fn spawn(&self, program: &Path) {
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
    fn stop(&self) {
        let mut supervisor = self.supervisor();
        if supervisor.server.take().is_some() {
            let answer = supervisor.ask(self.index, "kill");
            assert_eq!(answer, "killed", "node {}: unexpected answer", self.index);
        }
    }

    /// Whether the server process is alive (not exited, not a zombie).
    fn running(&self) -> bool {
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
    fn program(&self) -> PathBuf {
        let pid = self.supervisor().server;
        pid.and_then(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok())
            .filter(|path| path.exists())
            .unwrap_or_else(|| PathBuf::from("bao"))
    }

    /// Waits until the API answers anything; fails the test if the server exits first.
    fn wait_answering(&self) {
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

    fn health(&self) -> Option<u16> {
        http(self.api, "GET", "/v1/sys/health", &[], None)
            .ok()
            .map(|answer| answer.status)
    }

    /// Whether this node has applied the log up to `index` (an `X-Vault-Index`): a
    /// lagging node answers 429 to a request carrying it.
    fn caught_up(&self, index: &str) -> bool {
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
    fn call(&self, token: Option<&str>, method: &str, path: &str, body: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = token.map(|t| ("X-Vault-Token", t)).into_iter().collect();
        http(self.api, method, path, &headers, body).unwrap_or_else(|error| {
            panic!(
                "node {} did not answer {method} {path}: {error}\n{}",
                self.index,
                self.log()
            )
        })
    }

    fn log(&self) -> String {
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
fn http(
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
