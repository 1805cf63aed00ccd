//! A real PostgreSQL for the lease tests: one cluster per test binary (`initdb` in a
//! temporary directory, as the `postgres` user when the tests run as root), on a free
//! loopback port, shared by every test that needs it, and stopped by a watchdog once the
//! test binary has exited. OpenBao's database secrets engine is pointed at it with
//! [`Postgres::engine`].
//!
//! `./scripts/test` installs Debian's `postgresql` when it is missing. When it cannot be
//! found, a test that needs it fails and says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::{OpenBao, free_port};

/// The shared cluster.
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    /// The loopback port it listens on.
    pub port: u16,
    /// The superuser `postgres`'s password (for OpenBao's connection).
    pub password: String,
}

static SHARED: OnceLock<Postgres> = OnceLock::new();

impl Postgres {
    /// The cluster of this test binary, started on first use.
    ///
    /// # Panics
    /// When PostgreSQL cannot be found or does not start.
    pub fn shared() -> &'static Self {
        SHARED.get_or_init(Self::start)
    }

    fn start() -> Self {
        let bin = binaries();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
        // Not a TempDir: the watchdog removes it after the cluster stops, once this
        // process has exited.
        let dir = std::env::temp_dir().join(format!(
            "secretary-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let password = format!("pg-{}", free_port());
        std::fs::write(dir.join("pw"), &password).unwrap();
        if root {
            // The cluster's files belong to `postgres`; the directory above is readable.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(dir.join("pw"), std::fs::Permissions::from_mode(0o644))
                .unwrap();
            let status = Command::new("chown")
                .args(["-R", "postgres:", &dir.join("data").display().to_string()])
                .status()
                .unwrap();
            assert!(
                status.success(),
                "chown postgres failed: is there a `postgres` user?"
            );
        }
        let data = dir.join("data");
        let initdb = as_postgres(root, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-U",
                "postgres",
            ])
            .arg(format!("--pwfile={}", dir.join("pw").display()))
            .args(["-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let port = free_port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            data.display()
        );
        let started = as_postgres(root, &bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(&options)
            .arg("-l")
            .arg(data.join("log"))
            .args(["-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            started.status.success(),
            "PostgreSQL did not start: {}\n{}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(data.join("log")).unwrap_or_default()
        );
        watchdog(root, &bin, &dir);
        let postgres = Self {
            dir,
            bin,
            port,
            password,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while postgres.query("select 1").as_deref() != Some("1") {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL does not answer on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        postgres
    }

    /// The answer of `sql` as the superuser, trimmed; `None` when psql fails.
    pub fn query(&self, sql: &str) -> Option<String> {
        self.query_as("postgres", &self.password, sql)
    }

    /// The answer of `sql` as `user` with `password` over TCP, trimmed; `None` when the
    /// login or the query fails.
    pub fn query_as(&self, user: &str, password: &str, sql: &str) -> Option<String> {
        let output = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", user])
            .args(["-d", "postgres", "-tAX", "-c", sql])
            .env_clear()
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Whether a role called `name` exists.
    pub fn role_exists(&self, name: &str) -> bool {
        let sql = format!(
            "select count(*) from pg_roles where rolname = '{}'",
            name.replace('\'', "''")
        );
        self.query(&sql).as_deref() == Some("1")
    }

    /// `postgresql://postgres:...@127.0.0.1:PORT/postgres`, OpenBao's way in.
    pub fn url(&self) -> String {
        format!("postgresql://127.0.0.1:{}/postgres", self.port)
    }

    /// Enables OpenBao's database secrets engine over this cluster, with a role `role`
    /// whose users may log in, with `default_ttl` and `max_ttl` (`5s`, `1m`).
    pub fn engine(&self, bao: &OpenBao, role: &str, default_ttl: &str, max_ttl: &str) {
        let _ = bao.command(&["secrets", "enable", "database"]).output();
        self.configure(|args| bao.bao(args), role, default_ttl, max_ttl);
    }

    /// Points a database secrets engine already enabled at `database/` over this
    /// cluster, with a role `role` as [`Postgres::engine`] makes it; `bao` runs `bao
    /// ARGS...` as root against the server (one node of a cluster, say).
    pub fn configure(
        &self,
        bao: impl Fn(&[&str]) -> String,
        role: &str,
        default_ttl: &str,
        max_ttl: &str,
    ) {
        self.connect(&bao, &[]);
        bao(&[
            "write",
            &format!("database/roles/{role}"),
            "db_name=pg",
            "creation_statements=CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT CONNECT ON DATABASE postgres TO \"{{name}}\";",
            &format!("default_ttl={default_ttl}"),
            &format!("max_ttl={max_ttl}"),
        ]);
    }

    /// Makes every password the engine over this cluster issues from now on the same
    /// canary, 24 times `Q`, which the returned text is: a test can then look for the
    /// password of a lease it never saw in everything secretary printed or wrote. Call
    /// it after [`Postgres::engine`].
    pub fn canary_passwords(&self, bao: &OpenBao) -> String {
        let policy = bao.dir().join("canary-password.hcl");
        std::fs::write(
            &policy,
            "length = 24\nrule \"charset\" {\n  charset = \"Q\"\n}\n",
        )
        .unwrap();
        bao.bao(&[
            "write",
            "sys/policies/password/canary",
            &format!("policy=@{}", policy.display()),
        ]);
        self.connect(&|args: &[&str]| bao.bao(args), &["password_policy=canary"]);
        "Q".repeat(24)
    }

    /// Writes `database/config/pg`: OpenBao's connection to this cluster, with `extra`.
    fn connect(&self, bao: &impl Fn(&[&str]) -> String, extra: &[&str]) {
        let url = format!(
            "connection_url=postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        );
        let password = format!("password={}", self.password);
        let mut args = vec![
            "write",
            "database/config/pg",
            "plugin_name=postgresql-database-plugin",
            &url,
            "allowed_roles=*",
            "username=postgres",
            &password,
            "verify_connection=true",
        ];
        // Omitted, a password policy set before (canary_passwords) would stay.
        if !extra.iter().any(|arg| arg.starts_with("password_policy=")) {
            args.push("password_policy=");
        }
        args.extend_from_slice(extra);
        bao(&args);
    }

    /// How many users of OpenBao's role `role` exist now (a root token's users are
    /// called `v-token-ROLE-...`, an AppRole login's `v-approle-ROLE-...`; OpenBao cuts
    /// the role's name to 8 characters there, so give roles short names).
    pub fn users(&self, role: &str) -> usize {
        self.query(&format!(
            "select count(*) from pg_roles where rolname like 'v-%-{}-%'",
            role.replace('\'', "''")
        ))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("cannot count the users of role {role}"))
    }

    /// A manifest whose environment `production` reads, from a `vault_lease` source
    /// named `database`, the credentials OpenBao's role `app` (the application's name)
    /// issues over this cluster: `postgres_user`, `postgres_password`, and
    /// `database_url` built from them. `extra` goes into the source's table: more of its
    /// settings, then any table of its own (`[audit]`).
    pub fn leased_manifest(&self, app: &str, extra: &str) -> String {
        Self::leased_manifest_on(self.port, app, extra)
    }

    /// [`Postgres::leased_manifest`] for a server on `port` (none need be there: for a
    /// scripted Vault).
    pub fn leased_manifest_on(port: u16, app: &str, extra: &str) -> String {
        format!(
            r#"version = 1
[app]
name = "{app}"

[sources.database]
type = "vault_lease"
path = "database/creds/{{app}}"
secrets = {{ postgres_user = "username", postgres_password = "password" }}
{extra}

[environments.production]
sources = ["database"]

[secrets.postgres_user]
required = true

[secrets.postgres_password]
required = true

[secrets.database_url]
required = true
type = "url"
template = "postgresql://{{postgres_user}}:{{postgres_password|url}}@127.0.0.1:{port}/postgres"
"#
        )
    }

    /// Makes the database `name` unless it exists.
    pub fn database(&self, name: &str) {
        let exists = self.query(&format!(
            "select count(*) from pg_database where datname = '{}'",
            name.replace('\'', "''")
        ));
        if exists.as_deref() != Some("1") {
            let _ = self.query(&format!("create database \"{}\"", name.replace('"', "")));
        }
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// `program` as the `postgres` user when running as root (PostgreSQL refuses root).
fn as_postgres(root: bool, program: &Path) -> Command {
    let mut command = if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    command
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null());
    command
}

/// Where PostgreSQL's programs are: on PATH (beside `pg_ctl`), else Debian's
/// `/usr/lib/postgresql/N/bin`, the newest.
fn binaries() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("pg_ctl"))
        .find(|pg_ctl| pg_ctl.exists())
        .and_then(|pg_ctl| std::fs::canonicalize(pg_ctl).ok())
        .and_then(|pg_ctl| pg_ctl.parent().map(Path::to_path_buf));
    let debian = || {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .filter(|bin| bin.join("pg_ctl").exists())
            .collect();
        versions.sort();
        versions.pop()
    };
    on_path
        .filter(|bin| bin.join("initdb").exists())
        .or_else(debian)
        .unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed: the lease tests need `initdb` and `pg_ctl`. \
                 Run ./scripts/test, which installs it (apt-get install postgresql)."
            )
        })
}

/// A shell that waits for this process to end, then stops the cluster and removes its
/// directory: a test binary's statics are never dropped.
fn watchdog(root: bool, bin: &Path, dir: &Path) {
    let stop = if root {
        format!(
            "/usr/sbin/runuser -u postgres -- {} -D {}/data -m immediate stop",
            bin.join("pg_ctl").display(),
            dir.display()
        )
    } else {
        format!(
            "{} -D {}/data -m immediate stop",
            bin.join("pg_ctl").display(),
            dir.display()
        )
    };
    let script = format!(
        "trap '' HUP INT; while kill -0 {} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {}",
        std::process::id(),
        dir.display()
    );
    // Not waited for: it outlives this process on purpose.
    #[allow(
        clippy::zombie_processes,
        reason = "the watchdog outlives the test binary"
    )]
    let _watchdog = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
}
