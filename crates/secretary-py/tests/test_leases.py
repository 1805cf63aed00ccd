"""``vault_lease`` from Python, against OpenBao's database engine over a real
PostgreSQL: a SQLAlchemy pool keeps querying through re-issues with no failed query,
``close`` and the ``with`` block revoke, a forked child takes a lease of its own, and a
multiprocessing child (a ``Process``, a ``Pool`` worker) revokes its own as it ends."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from sqlalchemy import create_engine, text

from conftest import clean_environment, free_port  # noqa: F401
from secretary import SecretManager
from secretary.pool import creator

LEASED = """\
version = 1
[app]
name = "{app}"

[sources.database]
type = "vault_lease"
path = "database/creds/{{app}}"
secrets = {{ postgres_user = "username", postgres_password = "password" }}
reissue_grace = "{grace}"

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
"""


def leased(app, openbao, postgres, monkeypatch, name: str, ttl: str, max_ttl: str, grace: str):
    postgres.engine(openbao, name, ttl, max_ttl)
    app.write_manifest(LEASED.format(app=name, port=postgres.port, grace=grace))
    for key, value in openbao.env.items():
        monkeypatch.setenv(key, value)
    return SecretManager(environment="production")


def wait_until(what: str, seconds: float, done) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.05)


def test_a_pool_keeps_querying_through_two_reissues_without_a_failed_query(app, openbao, postgres, monkeypatch):
    secrets = leased(app, openbao, postgres, monkeypatch, "pooled", "3s", "6s", "3s")
    changed: list[list[str]] = []
    secrets.on_change(changed.append)
    # pool_recycle below reissue_grace: no connection outlives the credentials it opened
    # with; pre-ping replaces one that is gone all the same.
    engine = create_engine(
        "postgresql+psycopg://",
        creator=creator(secrets, "database_url", psycopg.connect),
        pool_pre_ping=True,
        pool_recycle=1,
        pool_size=2,
    )
    users: list[str] = []
    failures = 0
    queries = 0
    longest = 0.0
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline and len(set(users)) < 3:
        started = time.monotonic()
        try:
            with engine.connect() as connection:
                users.append(connection.execute(text("select current_user")).scalar_one())
        except Exception:  # noqa: BLE001 - a failed query is what this test counts
            failures += 1
        queries += 1
        longest = max(longest, time.monotonic() - started)
        time.sleep(0.02)
    engine.dispose()
    assert failures == 0, f"{failures} of {queries} queries failed"
    assert len(set(users)) >= 3, f"two re-issues within 25 s: {sorted(set(users))}"
    assert any("database_url" in keys for keys in changed), changed
    print(f"{queries} queries, 0 failed, the longest {longest * 1000:.0f} ms")
    secrets.close()
    wait_until("every user revoked", 10, lambda: postgres.users("pooled") == 0)


def test_close_and_the_with_block_revoke_and_a_forked_child_takes_its_own_lease(app, openbao, postgres, monkeypatch):
    with leased(app, openbao, postgres, monkeypatch, "closed", "1m", "1h", "10s") as secrets:
        parent_user = secrets.get("postgres_user").expose()
        assert postgres.users("closed") == 1
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own lease, revoked by its own close; never the parent's
            status = 1
            try:
                child_user = secrets.get("postgres_user").expose()
                secrets.close()
                os.write(write_end, child_user.encode())
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        child_user = os.read(read_end, 200).decode()
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
        assert child_user.startswith("v-token-closed-") and child_user != parent_user
        # The child revoked its own lease only: the parent's user still logs in.
        assert postgres.users("closed") == 1
        assert secrets.get("postgres_user").expose() == parent_user
    wait_until("the with block revoked the parent's lease", 2, lambda: postgres.users("closed") == 0)


@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")
def test_multiprocessing_children_revoke_their_own_leases_when_they_end(app, openbao, postgres, monkeypatch):
    # A child multiprocessing starts ends with os._exit once its finalizers have run:
    # atexit never runs there, so without a finalizer of the package's its lease would
    # live until its TTL (1 m here).
    context = multiprocessing.get_context("fork")
    with leased(app, openbao, postgres, monkeypatch, "workers", "1m", "1h", "10s") as secrets:
        parent_user = secrets.get("postgres_user").expose()
        assert postgres.users("workers") == 1

        receive, send = context.Pipe(duplex=False)

        def child() -> None:  # its own lease; returns, so the child ends normally
            send.send(secrets.get("postgres_user").expose())

        process = context.Process(target=child)
        process.start()
        assert receive.poll(30), "the child did not answer within 30 s"
        child_user = receive.recv()
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            pytest.fail("the child did not end within 30 s")
        assert process.exitcode == 0
        assert child_user.startswith("v-token-workers-") and child_user != parent_user
        after_the_process = postgres.users("workers")

        pool = context.Pool(2, initializer=lambda: secrets.get("postgres_user"))
        try:
            # Each worker takes a lease of its own as it starts.
            wait_until(
                "both workers took a lease", 30, lambda: postgres.users("workers") == after_the_process + 2
            )
            pool.close()  # the workers end normally once their queue is empty
            joiner = threading.Thread(target=pool.join, daemon=True)
            joiner.start()
            joiner.join(timeout=30)
            assert not joiner.is_alive(), "the pool's workers did not end within 30 s"
        finally:
            pool.terminate()
        assert (after_the_process, postgres.users("workers")) == (1, 1), (
            "(users once the Process child ended, users once the pool's workers ended): "
            "only the parent's is left when every child revoked its own"
        )
        assert secrets.get("postgres_user").expose() == parent_user, "the parent's lease is untouched"
    wait_until("the with block revoked the parent's lease", 2, lambda: postgres.users("workers") == 0)


def test_the_fastapi_lifespan_revokes_the_leases_when_the_application_stops(app, openbao, postgres, monkeypatch):
    # uvicorn ends by raising again the signal that stopped it: no atexit hook runs there,
    # so the lifespan's end is where the leases go.
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from secretary.fastapi import lifespan

    secrets = leased(app, openbao, postgres, monkeypatch, "lifespan", "1m", "1h", "10s")
    with TestClient(FastAPI(lifespan=lifespan(manager=secrets))):
        assert postgres.users("lifespan") == 1
    wait_until("revoked when the application stopped", 2, lambda: postgres.users("lifespan") == 0)


def test_no_repr_message_or_log_shows_a_leased_password_even_when_the_lease_is_lost(
    app, openbao, postgres, monkeypatch, caplog
):
    postgres.engine(openbao, "canaries", "3s", "1h")
    canary = postgres.canary_passwords(openbao)
    app.write_manifest(LEASED.format(app="canaries", port=postgres.port, grace="1s"))
    # A token of its own, revoked below as when it expires: the lease goes with it, and
    # no new one can be had.
    token = openbao.request("POST", "auth/token/create", {"ttl": "1h"})["auth"]["client_token"]
    monkeypatch.setenv("VAULT_ADDR", openbao.address)
    monkeypatch.setenv("VAULT_TOKEN", token)
    secrets = SecretManager(environment="production")
    report = secrets.validate()
    password = secrets.get("postgres_password")
    assert password.expose() == canary
    shown = [repr(password), str(password), repr(secrets), repr(report), *map(repr, report)]
    openbao.request("POST", "auth/token/revoke", {"token": token})
    raised = []

    def failing() -> bool:
        try:
            secrets.get("database_url")
        except Exception as error:  # noqa: BLE001 - what it raises is what is looked at
            raised.append(error)
            return True
        return False

    wait_until("the lost lease makes get fail", 15, failing)
    error = raised[-1]
    shown += [str(error), repr(error), *map(str, error.args), caplog.text]
    for text in shown:
        assert canary[:8] not in text, text
    assert postgres.users("canaries") == 0, "the token took its user with it"
    secrets.close()


def test_close_and_the_exit_say_each_lease_they_could_not_revoke(tmp_path, monkeypatch, scripted_vault, caplog):
    # A thirty-fourth adversarial pass: `close()` and the interpreter's exit said
    # nothing when Vault refused a revocation, though the credentials then live until
    # their TTL. Never the password.
    clean_environment(monkeypatch, tmp_path)
    (tmp_path / "secrets.toml").write_text(LEASED.format(app="shop", port=5432, grace="10s"))
    monkeypatch.chdir(tmp_path)
    password = "pw-canary-revoke-7f3k"
    vault = scripted_vault("lease-revoke-refused", 0, password)
    monkeypatch.setenv("VAULT_ADDR", vault.address)
    monkeypatch.setenv("VAULT_TOKEN", "scripted-token")
    manager = SecretManager(environment="production")
    assert manager.get_secret("postgres_user") == "v-scripted-user"
    with caplog.at_level("WARNING", logger="secretary"):
        manager.close()
    said = [record.getMessage() for record in caplog.records if record.name == "secretary"]
    assert any(
        "could not revoke lease database/creds/shop/scripted-lease (database/creds/shop)" in message
        and "its credentials work until its TTL ends" in message
        for message in said
    ), said
    assert not any(password in message for message in said), said

    # At the interpreter's exit (the atexit hook), in a process of its own.
    program = (
        "from secretary import SecretManager\n"
        "m = SecretManager(environment='production')\n"
        "assert m.get_secret('postgres_user') == 'v-scripted-user'\n"
    )
    ended = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert ended.returncode == 0, ended.stderr
    assert "could not revoke lease database/creds/shop/scripted-lease" in ended.stderr, ended.stderr
    assert password not in ended.stderr + ended.stdout


def test_end_revokes_the_leases_and_no_lease_is_taken_after_it(app, openbao, postgres, monkeypatch):
    # A fifty-seventh adversarial pass: with a token of the user's, a refresh after
    # `secretary.end()` took a new lease, and the program the process became with
    # os.execv was handed credentials that lived to their TTL.
    postgres.engine(openbao, "ended", "1m", "1h")
    app.write_manifest(LEASED.format(app="ended", port=postgres.port, grace="10s"))
    program = (
        "import os, sys, secretary\n"
        "m = secretary.SecretManager(environment='production')\n"
        "assert m.get('postgres_user').expose().startswith('v-token-ended-')\n"
        "secretary.end()\n"
        "try:\n"
        "    m.refresh()\n"
        "    print('refreshed')\n"
        "except secretary.SecretaryError as error:\n"
        "    print('refused', 'ending' in str(error))\n"
        "os.execv(sys.executable, [sys.executable, '-c', 'pass'])\n"
    )
    environment = dict(os.environ, **openbao.env)
    ended = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd=app.dir, env=environment
    )
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout == "refused True\n", ended.stdout + ended.stderr
    assert postgres.users("ended") == 0, "a lease outlived end()"
