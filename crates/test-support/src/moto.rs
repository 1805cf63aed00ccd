//! A real implementation of the AWS APIs for tests: `moto_server` (`pip install
//! "moto[server]"`) on a free loopback port, one per test binary, shared by its tests
//! (each uses names of its own). Secrets Manager, SSM and STS all answer there.
//!
//! The server runs under a small `sh` guard that reads its stdin, a pipe from the test
//! process: when the test binary exits, however it exits, the pipe closes and the guard
//! kills the server, so no server outlives the run. Requests are recorded by moto
//! (`MOTO_ENABLE_RECORDING`) to a file, which [`Moto::calls`] counts: the server's own
//! view of how many calls were made.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// The shared `moto_server`.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    dir: tempfile::TempDir,
    /// The guard and the pipe that keeps it waiting; dropped only at exit.
    _guard: Mutex<(Child, ChildStdin)>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

impl Moto {
    /// The test binary's server, started on first use.
    ///
    /// # Panics
    /// When `moto_server` cannot be started or does not answer within 60 s.
    pub fn shared() -> &'static Self {
        MOTO.get_or_init(Self::start)
    }

    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server of the caller's own (stopped when dropped), that checks signatures and
    /// IAM policies after its first `setup_calls` requests (`INITIAL_NO_AUTH_ACTION_COUNT`):
    /// see [`Moto::with_iam`].
    fn start_with(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::free_port();
        let log = dir.path().join("moto.log");
        let recording = dir.path().join("recording.jsonl");
        // The guard: start the server, wait for stdin to close, kill it.
        let script = format!(
            "moto_server -H 127.0.0.1 -p {port} >'{}' 2>&1 & server=$!\n\
             trap 'kill $server 2>/dev/null' EXIT\n\
             while read -r _; do :; done\n",
            log.display()
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let moto = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            dir,
            _guard: Mutex::new((child, stdin)),
        };
        moto.wait_until_ready(port);
        moto
    }

    fn wait_until_ready(&self, port: u16) {
        let start = Instant::now();
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::Write as _;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let asked = stream.write_all(
                    b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                );
                let mut first = String::new();
                if asked.is_ok()
                    && BufReader::new(stream).read_line(&mut first).is_ok()
                    && first.contains(" 200 ")
                {
                    return;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto_server did not answer on port {port} within 60 s. The AWS tests need it on PATH: \
                 run ./scripts/test, which installs it (pip install \"moto[server]\"). Its log:\n{}",
                std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A server of its own that, once set up, checks every request's signature and the
    /// IAM policy of its caller as AWS does: a user with `policy` (an IAM policy
    /// document) and an access key, and `secrets` (name, value) stored. Returns it and
    /// the key's id and secret. Stopped when dropped.
    ///
    /// # Panics
    /// When moto cannot be started or refuses the setup.
    pub fn with_iam(policy: &str, secrets: &[(&str, &str)]) -> (Self, String, String) {
        let setup = (3 + secrets.len()).to_string();
        let moto = Self::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", &setup)]);
        let form = |body: &str| moto.form("iam", body);
        form("Action=CreateUser&Version=2010-05-08&UserName=app");
        let key = form("Action=CreateAccessKey&Version=2010-05-08&UserName=app");
        let policy = url_encode(policy);
        form(&format!(
            "Action=PutUserPolicy&Version=2010-05-08&UserName=app&PolicyName=app&PolicyDocument={policy}"
        ));
        for (name, value) in secrets {
            moto.create_secret(name, value);
        }
        let field = |name: &str| {
            key.split(&format!("<{name}>"))
                .nth(1)
                .and_then(|rest| rest.split(&format!("</{name}>")).next())
                .unwrap_or_else(|| panic!("CreateAccessKey answered no {name}: {key}"))
                .to_owned()
        };
        let (id, secret) = (field("AccessKeyId"), field("SecretAccessKey"));
        (moto, id, secret)
    }

    /// A query-protocol call (IAM, STS), unsigned; the answer's body.
    fn form(&self, service: &str, body: &str) -> String {
        use std::io::{Read as _, Write as _};
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{service} {body}: {answer}"
        );
        answer
    }

    /// How many requests moto recorded for `action` whose body holds `marker`: see
    /// [`Moto::recorded`].
    pub fn calls(&self, action: &str, marker: &str) -> usize {
        self.recorded(action, marker).len()
    }

    /// The requests moto recorded (`headers`, `body`, `body_encoded` as moto writes
    /// them, the body decoded) whose `X-Amz-Target` ends with `.action` (or, for STS's
    /// query protocol, whose form says `Action=action`), and whose body holds `marker`
    /// (a test's own prefix: tests share the server).
    pub fn recorded(&self, action: &str, marker: &str) -> Vec<serde_json::Value> {
        let Ok(text) = std::fs::read_to_string(self.dir.path().join("recording.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|mut entry| {
                let target = entry["headers"]
                    .as_object()
                    .and_then(|headers| {
                        headers
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-target"))
                    })
                    .and_then(|(_, value)| value.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let body = entry["body"].as_str().unwrap_or_default();
                let body = if entry["body_encoded"].as_bool() == Some(true) {
                    String::from_utf8_lossy(
                        &base64::engine::general_purpose::STANDARD
                            .decode(body)
                            .unwrap_or_default(),
                    )
                    .into_owned()
                } else {
                    body.to_owned()
                };
                let matches = (target.ends_with(&format!(".{action}"))
                    || body.contains(&format!("Action={action}&"))
                    || body.ends_with(&format!("Action={action}")))
                    && body.contains(marker);
                entry["body"] = serde_json::Value::String(body);
                entry["body_encoded"] = serde_json::Value::Bool(false);
                matches.then_some(entry)
            })
            .collect()
    }

    /// Calls the API with the AWS CLI's JSON protocol, unsigned (moto does not check
    /// signatures): `target` such as `secretsmanager.CreateSecret`, `body` JSON. The
    /// answer's status and body.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub fn call(&self, target: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        use std::io::{Read as _, Write as _};
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let body = body.to_string();
        // A signature-shaped header, for the region moto files the data under.
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: {target}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            if target.starts_with("AmazonSSM") {
                "ssm"
            } else {
                "secretsmanager"
            },
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let json = answer
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    /// Creates the secret `name` holding `value` (a string).
    ///
    /// # Panics
    /// When moto refuses.
    pub fn create_secret(&self, name: &str, value: &str) -> serde_json::Value {
        let (status, answer) = self.call(
            "secretsmanager.CreateSecret",
            &serde_json::json!({ "Name": name, "SecretString": value }),
        );
        assert_eq!(status, 200, "CreateSecret {name}: {answer}");
        answer
    }

    /// Writes a new current version of the secret `name`.
    ///
    /// # Panics
    /// When moto refuses.
    pub fn put_secret(&self, name: &str, value: &str) -> serde_json::Value {
        let (status, answer) = self.call(
            "secretsmanager.PutSecretValue",
            &serde_json::json!({ "SecretId": name, "SecretString": value }),
        );
        assert_eq!(status, 200, "PutSecretValue {name}: {answer}");
        answer
    }

    /// The current value of the secret `name`, if it has one.
    pub fn secret_value(&self, name: &str) -> Option<String> {
        let (status, answer) = self.call(
            "secretsmanager.GetSecretValue",
            &serde_json::json!({ "SecretId": name }),
        );
        (status == 200)
            .then(|| answer["SecretString"].as_str().map(str::to_owned))
            .flatten()
    }

    /// Creates the parameter `name` (`String` or `SecureString`).
    ///
    /// # Panics
    /// When moto refuses.
    pub fn put_parameter(&self, name: &str, value: &str, kind: &str) {
        let (status, answer) = self.call(
            "AmazonSSM.PutParameter",
            &serde_json::json!({ "Name": name, "Value": value, "Type": kind, "Overwrite": true }),
        );
        assert_eq!(status, 200, "PutParameter {name}: {answer}");
    }
}

/// `text` form-encoded.
fn url_encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
