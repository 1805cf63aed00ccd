"""A manager made before a fork keeps working in the child (gunicorn ``--preload``,
Celery prefork): the child never uses its parent's cache, locks or connections, does
not hang on a lock a parent thread held at the fork, and writes its own pid in the audit
log."""

import json
import multiprocessing
import os
import signal
import threading
import time
import uuid
import warnings

import pytest

import secretary
from conftest import VAULT_MANIFEST, clean_environment
from secretary import SecretManager, SourceError

pytestmark = pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")


def in_child(work, timeout: int = 30):
    """Runs ``work()`` in a forked child and returns what it returned (JSON). The child
    is killed by SIGALRM if it has not finished after ``timeout`` seconds: a hang fails
    the test instead of stopping the suite."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        status = 0
        try:
            signal.alarm(timeout)
            result = {"ok": work()}
        except BaseException as error:  # report anything to the parent
            result = {"error": f"{type(error).__name__}: {error}"}
            status = 1
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(result))
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        pytest.fail(f"the child was killed by signal {os.WTERMSIG(status)} (a hang, if SIGALRM)")
    result = json.loads(text)
    assert "error" not in result, result["error"]
    return result["ok"]


def test_a_forked_child_has_its_own_cache(app, monkeypatch):
    monkeypatch.setenv("API_KEY", "before-the-fork")
    manager = SecretManager()
    assert manager.get_secret("api_key") == "before-the-fork"
    monkeypatch.setenv("API_KEY", "after-the-fork")
    child = in_child(lambda: [manager.get_secret("api_key"), manager.validate().environment])
    assert child == ["after-the-fork", "development"], "the child read its sources itself"
    assert manager.get_secret("api_key") == "before-the-fork", "the parent's cache is untouched"


def test_a_fork_while_another_thread_reads_does_not_hang_the_child(tmp_path, monkeypatch, scripted_vault):
    clean_environment(monkeypatch, tmp_path)
    (tmp_path / "secrets.toml").write_text(VAULT_MANIFEST)
    monkeypatch.chdir(tmp_path)
    vault = scripted_vault("stall-first", 60, "postgresql://from-the-child/app")
    monkeypatch.setenv("VAULT_ADDR", vault.address)
    monkeypatch.setenv("VAULT_TOKEN", "scripted-token")
    monkeypatch.setenv("VAULT_MAX_RETRIES", "0")
    manager = SecretManager(environment="production")
    outcome = []

    def parent_reader():
        try:
            outcome.append(manager.get_secret("api_key"))
        except SourceError as error:
            outcome.append(error)

    reader = threading.Thread(target=parent_reader)
    reader.start()
    deadline = time.monotonic() + 30
    while vault.requests() < 1:
        assert time.monotonic() < deadline, "the parent's read never reached the Vault"
        time.sleep(0.01)
    # The parent's thread is inside a read now, holding the per-key lock of `api_key`
    # that its manager uses to make concurrent misses wait for one read.
    value = in_child(lambda: manager.get_secret("api_key"), timeout=20)
    assert value == "postgresql://from-the-child/app"
    assert vault.requests() == 2, "the child made its own read"
    vault.stop()  # ends the parent's stalled read
    reader.join(timeout=60)
    assert not reader.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SourceError)


def _worker(key: str) -> tuple[int, str | None]:
    return os.getpid(), secretary.get_secret(key)


def test_prefork_workers_share_the_preloaded_manager_and_audit_with_their_own_pid(app):
    app.write_manifest(app.manifest.read_text() + '\n[audit]\nfile = "audit.log"\n')
    preloaded = secretary.get_secret_manager()
    preloaded.validate()
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with context.Pool(2) as pool:
            results = pool.map(_worker, ["api_key", "database_url", "port", "sentry_dsn"] * 3)
    values = {value for _, value in results}
    assert values == {"dotenv-api-key-1234", "postgresql://app:dotenv-password@db/app", "8000", None}
    worker_pids = {pid for pid, _ in results}
    assert os.getpid() not in worker_pids
    lines = [json.loads(line) for line in (app.dir / "audit.log").read_text().splitlines()]
    get_pids = {line["pid"] for line in lines if line["event"] == "get"}
    assert get_pids == worker_pids, "each worker's reads are audited under its own pid"
    assert {line["pid"] for line in lines if line["event"] == "validate"} == {os.getpid()}


def test_a_forked_child_reads_openbao_over_its_own_connection(tmp_path, monkeypatch, openbao):
    clean_environment(monkeypatch, tmp_path)
    environment = f"f{uuid.uuid4().hex[:12]}"
    manifest = VAULT_MANIFEST.replace("[environments.production]", f"[environments.{environment}]")
    (tmp_path / "secrets.toml").write_text(manifest)
    monkeypatch.chdir(tmp_path)
    for name, value in openbao.env.items():
        monkeypatch.setenv(name, value)
    openbao.kv_put(f"{environment}/api_key", value="openbao-v1")
    openbao.kv_put(f"{environment}/database_url", value="postgresql://vault/app")
    manager = SecretManager(environment=environment)
    assert manager.get_secret("api_key") == "openbao-v1"
    openbao.kv_put(f"{environment}/api_key", value="openbao-v2")
    child = in_child(lambda: [manager.get_secret("api_key"), manager.validate()["api_key"].version])
    assert child == ["openbao-v2", 2]
    assert manager.get_secret("api_key") == "openbao-v1"
    manager.clear_cache()
    assert manager.get_secret("api_key") == "openbao-v2"
