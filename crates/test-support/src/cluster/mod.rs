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

mod node;

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::free_port;
pub use node::Response;
use node::{Node, http};

/// How many nodes a cluster has.
const NODES: usize = 3;

/// How long anything the harness waits for may take before the test fails: a node's
/// start, an election, the cluster's return to health.
const PATIENCE: Duration = Duration::from_secs(60);

/// How often the harness looks again while it waits.
const POLL: Duration = Duration::from_millis(50);

/// A three-node OpenBao 2.7 cluster on Raft storage, on loopback, plain HTTP.
///
/// Nodes are numbered 0, 1, 2, in the order of [`Cluster::addresses`]. Which one is
/// active changes as tests kill nodes and step them down: ask [`Cluster::active`].
pub struct Cluster {
    nodes: Vec<Node>,
    /// The root token and unseal key of the cluster's current life: a rebuild (see
    /// [`Cluster::lock`]) initialises it anew and replaces both.
    credentials: Mutex<Credentials>,
    program: PathBuf,
    exclusive: Mutex<()>,
}

/// What initialising the cluster answered.
#[derive(Clone, Default)]
struct Credentials {
    token: String,
    key: String,
}

/// The standbys' goal while the harness waits for health: the active node's
/// `X-Vault-Index` and its Raft log index (autopilot's `last_index`) when the wait began
/// (or when that node became active). An index taken afresh at every look moves on with
/// every write the active node makes, and a standby that is always 60-100 ms behind was
/// then never seen caught up, under load for a whole minute (issue 25, item 14).
#[derive(Default)]
struct Goal(Option<Reached>);

/// How far the active node's log went when the goal was set.
#[derive(Clone)]
struct Reached {
    /// The active node.
    active: usize,
    /// Its `X-Vault-Index`.
    index: String,
    /// Its Raft log index, by its autopilot.
    last: u64,
}

impl Goal {
    /// The goal the standbys must reach: the one already set while `active` stays
    /// active, else `now`, which becomes the goal.
    fn for_active(&mut self, now: Reached) -> Reached {
        match &self.0 {
            Some(goal) if goal.active == now.active => goal.clone(),
            _ => {
                self.0 = Some(now.clone());
                now
            }
        }
    }
}

impl Reached {
    /// Whether `node`, whose autopilot entry is `server`, has what the active node had:
    /// it answers a read at the goal's `X-Vault-Index`, or its Raft log has reached the
    /// goal's index. The second alone once held: a leader killed and restarted, a
    /// healthy voter at the active node's `last_index`, kept answering 412 to the index
    /// for a minute (a fresh-clone run of this stop).
    fn reached_by(&self, node: &node::Node, server: &Value) -> bool {
        server["last_index"]
            .as_u64()
            .is_some_and(|last| last >= self.last)
            || node.caught_up(&self.index)
    }
}

/// Exclusive use of the shared cluster, from [`Cluster::lock`]; dereferences to the
/// [`Cluster`].
pub struct ClusterGuard<'a> {
    cluster: &'a Cluster,
    token: String,
    _exclusive: MutexGuard<'a, ()>,
}

impl ClusterGuard<'_> {
    /// The root token, valid while this guard is held.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl Deref for ClusterGuard<'_> {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        self.cluster
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
            catch_unwind(AssertUnwindSafe(Cluster::start))
                .map_err(|panic| panic_message(panic.as_ref()))
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
    /// [`Cluster::wait_healthy`]. When that fails (a peer removed, a node that will not
    /// rejoin), the cluster is rebuilt from empty storage, with a new root token, so that
    /// one broken test does not fail every later one; the next test sees only the KV v2
    /// mount at `secret`.
    pub fn lock(&'static self) -> ClusterGuard<'static> {
        let exclusive = self
            .exclusive
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.heal())) {
            let _ = writeln!(
                io::stderr(),
                "the OpenBao cluster did not heal ({}); rebuilding it from empty storage",
                panic_message(panic.as_ref())
            );
            self.rebuild();
        }
        ClusterGuard {
            cluster: self,
            token: self.token(),
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

    /// The root token (the guard's [`ClusterGuard::token`] borrows it).
    pub fn token(&self) -> String {
        self.credentials().token
    }

    fn credentials(&self) -> Credentials {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
        let mut goal = Goal::default();
        self.wait(&format!("node {node} to be a healthy voter again"), || {
            self.voter(node, &mut goal)
        });
    }

    /// Seals `node` (`PUT sys/seal` on it: a standby seals only itself); returns once it
    /// answers as sealed.
    ///
    /// A node busy with Raft (a standby catching up, on a loaded machine) can answer the
    /// seal with a 500 `internal error`, which a fresh-clone CI run once met: the seal is
    /// asked again until it is taken, within the harness's patience, and only another
    /// answer, or a 500 that lasts, fails.
    pub fn seal(&self, node: usize) {
        self.wait(&format!("node {node} to take the seal"), || {
            let answer = self.call(node, "PUT", "/v1/sys/seal", None);
            assert!(
                matches!(answer.status, 204 | 500),
                "cannot seal node {node}: {} {}",
                answer.status,
                answer.body
            );
            answer.status == 204
        });
        self.wait(&format!("node {node} to be sealed"), || {
            self.health(node) == Some(503)
        });
    }

    /// Unseals `node` with the cluster's key; returns once it answers as unsealed (it may
    /// still be catching up: [`Cluster::wait_healthy`] waits for that).
    pub fn unseal(&self, node: usize) {
        let body = json!({ "key": self.credentials().key }).to_string();
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
        let mut goal = Goal::default();
        self.wait("the cluster to be healthy", || self.healthy(&mut goal));
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
            .env("VAULT_TOKEN", self.token())
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
        let token = self.token();
        let mut all = vec![("X-Vault-Token", token.as_str())];
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

    /// Waits (15 s at most) until every node answers each of `paths` (`secret/PATH`,
    /// field `value`) from its own copy: a fresh client reading from a standby then sees
    /// what a test wrote on the active node.
    pub fn wait_replicated(&self, paths: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(15);
        for node in 0..self.nodes.len() {
            for path in paths {
                while self.kv_get(node, path, "value").is_none() {
                    assert!(
                        Instant::now() < deadline,
                        "node {node} never had secret/{path}"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
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
        let cluster = Cluster {
            nodes,
            credentials: Mutex::new(Credentials::default()),
            program,
            exclusive: Mutex::new(()),
        };
        cluster.bootstrap();
        let _ = writeln!(
            io::stderr(),
            "the OpenBao cluster is up (three voters, healthy) after {:.1}s",
            start.elapsed().as_secs_f64()
        );
        cluster
    }

    /// Initialises the running, empty nodes as one cluster: node 0 initialised and
    /// unsealed, the others joined to it and unsealed, KV v2 at `secret`; returns once it
    /// is healthy.
    fn bootstrap(&self) {
        let init = json!({ "secret_shares": 1, "secret_threshold": 1 }).to_string();
        let answer = self.nodes[0].call(None, "PUT", "/v1/sys/init", Some(&init));
        assert_eq!(
            answer.status,
            200,
            "cannot initialise node 0: {}\n{}",
            answer.body,
            self.nodes[0].log()
        );
        let init = answer.json();
        *self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Credentials {
            token: init["root_token"].as_str().unwrap().to_owned(),
            key: init["keys_base64"][0].as_str().unwrap().to_owned(),
        };
        self.unseal(0);
        self.wait("node 0 to be active", || self.health(0) == Some(200));
        let autopilot = json!({ "server_stabilization_time": "1s" }).to_string();
        let answer = self.call(
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
        let join = json!({ "leader_api_addr": self.address(0) }).to_string();
        for node in 1..NODES {
            let answer =
                self.nodes[node].call(None, "POST", "/v1/sys/storage/raft/join", Some(&join));
            assert!(
                answer.status == 200 && answer.json()["joined"] == true,
                "node {node} cannot join the cluster: {}\n{}",
                answer.body,
                self.log(node)
            );
            let key = json!({ "key": self.credentials().key }).to_string();
            let answer = self.nodes[node].call(None, "PUT", "/v1/sys/unseal", Some(&key));
            assert_eq!(
                answer.status, 200,
                "cannot unseal node {node}: {}",
                answer.body
            );
        }
        let mounts = self.call(0, "GET", "/v1/sys/mounts", None);
        if mounts.json()["data"]["secret/"].is_null() {
            let kv = json!({ "type": "kv", "options": { "version": "2" } }).to_string();
            let answer = self.call(0, "POST", "/v1/sys/mounts/secret", Some(&kv));
            assert!(
                answer.status < 300,
                "cannot enable KV v2 at secret: {}",
                answer.body
            );
        }
        self.wait_healthy();
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

    /// Kills every node, empties its storage and starts the cluster anew (see
    /// [`Cluster::lock`]). A failure here fails the test: nothing more can be done.
    fn rebuild(&self) {
        let start = Instant::now();
        for node in &self.nodes {
            node.stop();
            node.empty_storage();
        }
        for node in &self.nodes {
            node.spawn(&self.program);
        }
        for node in &self.nodes {
            node.wait_answering();
        }
        self.bootstrap();
        let _ = writeln!(
            io::stderr(),
            "the OpenBao cluster was rebuilt (three voters, healthy) in {:.1}s",
            start.elapsed().as_secs_f64()
        );
    }

    /// One request with the root token that must be answered.
    fn call(&self, node: usize, method: &str, path: &str, body: Option<&str>) -> Response {
        self.nodes[node].call(Some(&self.token()), method, path, body)
    }

    /// Whether the cluster is healthy now (see [`Cluster::wait_healthy`]), the standbys
    /// measured against `goal`.
    fn healthy(&self, goal_of: &mut Goal) -> bool {
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
        let Some(goal) = self.reached(active, &state, index) else {
            return false;
        };
        let goal = goal_of.for_active(goal);
        state["healthy"] == true
            && state["voters"].as_array().map(Vec::len) == Some(NODES)
            && self.nodes.iter().enumerate().all(|(node, n)| {
                let server = &state["servers"][&n.name];
                server["healthy"] == true
                    && matches!(server["status"].as_str(), Some("leader" | "voter"))
                    && (node == active || goal.reached_by(n, server))
            })
    }

    /// Whether `node` is a healthy voter by the active node's autopilot and has applied
    /// everything the active node had when the wait began (`goal`).
    fn voter(&self, node: usize, goal_of: &mut Goal) -> bool {
        let Some(active) = (0..NODES).find(|&n| self.health(n) == Some(200)) else {
            return false;
        };
        let Some((state, index)) = self.autopilot(active) else {
            return false;
        };
        let Some(goal) = self.reached(active, &state, index) else {
            return false;
        };
        let goal = goal_of.for_active(goal);
        let server = &state["servers"][&self.nodes[node].name];
        server["healthy"] == true
            && matches!(server["status"].as_str(), Some("leader" | "voter"))
            && goal.reached_by(&self.nodes[node], server)
    }

    /// How far the `active` node's log goes now, by its autopilot `state` and its
    /// `X-Vault-Index`; `None` while its autopilot does not list it.
    fn reached(&self, active: usize, state: &Value, index: String) -> Option<Reached> {
        let last = state["servers"][&self.nodes[active].name]["last_index"].as_u64()?;
        Some(Reached {
            active,
            index,
            last,
        })
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

/// The text a panic carried.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}
