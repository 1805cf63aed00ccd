"""The Vault source from Python, against a real OpenBao: reads, a rotation seen after
``clear_cache()`` and ``refresh()``, and failures that are never taken for absences."""

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import VAULT_MANIFEST, clean_environment, free_port
from secretary import SecretManager, SecretValidationError, SourceError


@pytest.fixture
def vault_app(tmp_path, monkeypatch, openbao):
    """An application reading environment `<random>` from the session's OpenBao."""
    clean_environment(monkeypatch, tmp_path)
    environment = f"e{uuid.uuid4().hex[:12]}"
    manifest = VAULT_MANIFEST.replace("[environments.production]", f"[environments.{environment}]")
    (tmp_path / "secrets.toml").write_text(manifest)
    monkeypatch.chdir(tmp_path)
    for name, value in openbao.env.items():
        monkeypatch.setenv(name, value)
    openbao.kv_put(f"{environment}/api_key", value="vault-api-key-v1")
    openbao.kv_put(f"{environment}/database_url", value="postgresql://vault/app")
    return environment


def test_values_come_from_openbao_with_their_version(vault_app):
    manager = SecretManager(environment=vault_app)
    assert manager.get_secret("api_key") == "vault-api-key-v1"
    report = manager.validate()
    assert report["api_key"].locator == f"vault:secret/data/{vault_app}/api_key#value@v1"
    assert (report["api_key"].source, report["api_key"].version) == ("vault", 1)


def test_a_rotation_is_seen_after_clear_cache_and_after_refresh(vault_app, openbao):
    manager = SecretManager(environment=vault_app)
    heard = []
    manager.on_change(heard.append)
    assert manager.get_secret("api_key") == "vault-api-key-v1"
    assert openbao.kv_put(f"{vault_app}/api_key", value="vault-api-key-v2") == 2
    assert manager.get_secret("api_key") == "vault-api-key-v1", "cached until told"
    manager.clear_cache()
    assert manager.get_secret("api_key") == "vault-api-key-v2"
    assert heard == [["api_key"]]
    assert openbao.kv_put(f"{vault_app}/api_key", value="vault-api-key-v3") == 3
    assert manager.refresh() == ["api_key"]
    assert manager.get_secret("api_key") == "vault-api-key-v3"
    assert manager.validate()["api_key"].version == 3
    assert heard == [["api_key"], ["api_key"]]


def test_a_refused_token_fails_closed_and_says_so(vault_app, monkeypatch):
    monkeypatch.setenv("VAULT_TOKEN", "not-a-valid-token")
    manager = SecretManager(environment=vault_app)
    with pytest.raises(SourceError) as raised:
        manager.get_secret("api_key")
    assert raised.value.source == "vault"
    assert "403" in str(raised.value) or "denied" in str(raised.value)
    assert "not-a-valid-token" not in str(raised.value)
    with pytest.raises(SecretValidationError) as all_of_them:
        manager.validate()
    assert "[source_error] source `vault` failed" in str(all_of_them.value)
    assert "affects:     api_key, database_url (2 secrets)" in str(all_of_them.value)


def test_a_path_that_is_not_in_vault_is_missing_not_a_failure(vault_app):
    manifest = pathlib.Path("secrets.toml")
    manifest.write_text(manifest.read_text() + '\n[secrets.absent_key]\ndescription = "Never stored"\nrequired = true\n')
    manager = SecretManager(environment=vault_app)
    with pytest.raises(SecretValidationError) as raised:
        manager.validate()
    [problem] = raised.value.problems
    assert (problem.key, problem.code, problem.description) == ("absent_key", "missing", "Never stored")
    assert problem.looked and f"secret/data/{vault_app}/absent_key" in problem.looked[0]
    assert manager.get_secret("api_key") == "vault-api-key-v1", "the others resolved all the same"


def _live_logins(openbao, mount: str) -> int:
    """How many tokens of the AppRole mount `mount` are alive."""
    try:
        reply = openbao.request("GET", f"sys/leases/lookup/auth/{mount}/login?list=true")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return 0
        raise
    return len(reply["data"]["keys"])


def _approle_app(openbao, tmp_path: pathlib.Path) -> tuple[str, str, dict[str, str]]:
    """An AppRole mount of its own on `openbao` whose role may read the KV secrets, the
    manifest in `tmp_path` logging in with it: the mount, the secret id, and the
    variables of a process that logs in so (no ``VAULT_TOKEN``)."""
    mount = f"approle-{uuid.uuid4().hex[:8]}"
    openbao.request("POST", f"sys/auth/{mount}", {"type": "approle"})
    policy = f"read-{mount}"
    openbao.request("PUT", f"sys/policies/acl/{policy}", {"policy": 'path "secret/data/*" { capabilities = ["read"] }'})
    openbao.request("POST", f"auth/{mount}/role/app", {"token_policies": policy, "token_ttl": "1h"})
    role_id = openbao.request("GET", f"auth/{mount}/role/app/role-id")["data"]["role_id"]
    secret_id = openbao.request("POST", f"auth/{mount}/role/app/secret-id")["data"]["secret_id"]
    manifest = (tmp_path / "secrets.toml").read_text()
    (tmp_path / "secrets.toml").write_text(
        manifest.replace('type = "vault"\n', f'type = "vault"\nauth = "approle"\napprole_mount = "{mount}"\n')
    )
    environment = {k: v for k, v in os.environ.items() if k != "VAULT_TOKEN"}
    environment.update(VAULT_ROLE_ID=role_id, VAULT_SECRET_ID=secret_id)
    return mount, secret_id, environment


def test_a_process_that_logged_in_revokes_its_token_at_exit(vault_app, openbao, tmp_path):
    # A forty-sixth adversarial pass: no login token was ever revoked, so each process
    # under AppRole left one usable to its TTL (768 h by Vault's default).
    mount, secret_id, environment = _approle_app(openbao, tmp_path)
    program = (
        "from secretary import SecretManager\n"
        f"m = SecretManager(environment={vault_app!r})\n"
        "assert m.get_secret('api_key') == 'vault-api-key-v1'\n"
    )
    ended = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=environment
    )
    assert ended.returncode == 0, ended.stderr
    assert secret_id not in ended.stderr + ended.stdout
    assert _live_logins(openbao, mount) == 0, "the login token outlived the process"


def test_end_logs_out_before_an_exec_which_runs_no_atexit(vault_app, openbao, tmp_path):
    # A fifty-fourth adversarial pass: a Python entrypoint that read its secrets and then
    # became gunicorn with os.execv left its login token alive to its TTL.
    mount, secret_id, environment = _approle_app(openbao, tmp_path)
    for call_end, alive in [(False, 1), (True, 0)]:
        program = (
            "import os, sys, secretary\n"
            f"m = secretary.SecretManager(environment={vault_app!r})\n"
            "assert m.get_secret('api_key') == 'vault-api-key-v1'\n"
            + ("secretary.end()\n" if call_end else "")
            + "os.execv(sys.executable, [sys.executable, '-c', 'print(\"exec\")'])\n"
        )
        before = _live_logins(openbao, mount)
        ended = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=environment
        )
        assert ended.returncode == 0, ended.stderr
        assert ended.stdout == "exec\n"
        assert secret_id not in ended.stderr + ended.stdout
        assert _live_logins(openbao, mount) - before == alive, f"end() called: {call_end}"


def _ask_slowly(port: int) -> None:
    """Asks the served application's slow endpoint, and gives up on it in 25 s."""
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=25)  # noqa: S310 - a local test server


@pytest.mark.parametrize(("during_start_up", "forced"), [(False, False), (True, False), (False, True), (True, True)])
def test_an_application_uvicorn_stops_on_sigterm_logs_out(vault_app, openbao, tmp_path, during_start_up, forced):
    # A sixty-second adversarial pass: uvicorn ends by raising again the SIGTERM that
    # stopped it (docker stop, Kubernetes, systemd), so no atexit hook ran and the
    # lifespan only closed the manager: each restart left an AppRole login token alive
    # to its TTL. Stopped by that signal, the lifespan ends the process's Vault login.
    # A sixty-fourth: so when the signal comes during the start-up, after the login
    # (here while slow settings are made). A sixty-seventh: so when a SIGINT follows
    # (uvicorn's "CTRL+C to force quit"), which skips the lifespan's shutdown.
    mount, secret_id, environment = _approle_app(openbao, tmp_path)
    (tmp_path / "served.py").write_text(
        "import sys, time\n"
        "from fastapi import FastAPI\n"
        "from secretary import SecretManager\n"
        "from secretary.fastapi import lifespan\n"
        "def slow():\n"
        "    print('making settings', file=sys.stderr, flush=True)\n"
        "    time.sleep(3)\n"
        "    return {}\n"
        f"app = FastAPI(lifespan=lifespan(manager=lambda: SecretManager(environment={vault_app!r})"
        + (", settings=slow" if during_start_up else "")
        + "))\n"
        # A request in flight: uvicorn waits for it after a SIGTERM, and a SIGINT then
        # forces it to quit.
        "@app.get('/slow')\n"
        "def slow_request():\n"
        "    time.sleep(20)\n"
    )
    awaited = "making settings" if during_start_up else "Application startup complete"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "served:app", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # The dispositions the test relies on: the defaults, whatever it was started with.
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGINT)],
    )
    try:
        said = ""
        deadline = time.monotonic() + 60
        while awaited not in said:
            assert time.monotonic() < deadline, said
            line = server.stderr.readline()
            assert line, f"uvicorn ended: {said}"
            said += line
        assert _live_logins(openbao, mount) == 1
        if forced and not during_start_up:
            threading.Thread(target=_ask_slowly, args=(port,), daemon=True).start()
            time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        if forced:
            time.sleep(0.3)
            server.send_signal(signal.SIGINT)
        _, rest = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == -signal.SIGTERM, said + rest
    assert secret_id not in said + rest
    assert _live_logins(openbao, mount) == 0, "the login token outlived the application"


def test_a_drain_after_a_second_sigterm_keeps_its_credentials(vault_app, openbao, tmp_path):
    # A sixty-ninth adversarial pass: a second SIGTERM (a process group's stop under
    # `uvicorn --workers`) leaves uvicorn draining, and the lifespan ended the login
    # then: the drain's request failed to read. Only a forced stop (SIGINT after a stop)
    # ends it early; the shutdown ends it after the drain.
    mount, _, environment = _approle_app(openbao, tmp_path)
    (tmp_path / "served.py").write_text(
        "import time\n"
        "from fastapi import FastAPI, Request\n"
        "from secretary import SecretManager\n"
        "from secretary.fastapi import lifespan\n"
        f"app = FastAPI(lifespan=lifespan(manager=lambda: SecretManager(environment={vault_app!r})))\n"
        "@app.get('/drained')\n"
        "def drained(request: Request):\n"
        "    time.sleep(2)\n"
        "    request.app.state.secrets.clear_cache()\n"
        "    return {'read': request.app.state.secrets.get_secret('api_key') == 'vault-api-key-v1'}\n"
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "served:app", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGINT)],
    )
    answers: list[bytes] = []

    def ask() -> None:
        with contextlib.suppress(OSError):
            answers.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/drained", timeout=25).read())  # noqa: S310

    try:
        said = ""
        deadline = time.monotonic() + 60
        while "Application startup complete" not in said:
            assert time.monotonic() < deadline, said
            line = server.stderr.readline()
            assert line, f"uvicorn ended: {said}"
            said += line
        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        asking.join(timeout=30)
        _, rest = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert answers == [b'{"read":true}'], said + rest
    assert _live_logins(openbao, mount) == 0, "the login token outlived the application"
