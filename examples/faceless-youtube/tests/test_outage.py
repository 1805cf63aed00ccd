"""The application while Vault is down (issue 23), now that its PostgreSQL user comes
with a lease (issue 22).

Running, it keeps working: the lease's credentials live until their TTL, and the KV
values are in memory. Restarted, its KV values would come from the encrypted
last-known-good copy written while Vault was up (said in its log), but its database
credentials cannot: none is ever written down, and only Vault issues new ones. So it
refuses to start, with the report that says so, and never prints a value; a copy sealed
with another key is refused too."""

import time
import urllib.error
import urllib.request

from conftest import CANARY, PRODUCTION_KV, OpenBao, child_environment, production

KEY = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM="
OTHER_KEY = "hq3Q9v1x0JYz8m2PKjzXl4nq1vT6cE1dUo0aN3w5rBk="


def readyz(url: str) -> int:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_restarted_while_vault_is_down_it_has_its_kv_values_but_no_database_user_and_will_not_start(
    app_dir, uvicorn, tmp_path, postgres
):
    (tmp_path / "bao").mkdir()
    server = OpenBao(tmp_path / "bao")
    try:
        production(app_dir, server, postgres)
        env = child_environment(
            ENVIRONMENT="production",
            VAULT_ADDR=server.address,
            VAULT_TOKEN=server.token,
            SECRETARY_CACHE_KEY=KEY,
            SECRETARY_STATE_DIR=str(tmp_path / "state"),
        )
        first = uvicorn(app_dir, env)
        health = first.wait_healthy()
        assert health["sources"]["secret_key"]["state"] == "ok"
        assert readyz(first.url) == 200
        first.stop()
    finally:
        server.stop()

    # Every Vault node is down.
    again = uvicorn(app_dir, env)
    assert again.process.wait(timeout=60) == 3, "uvicorn exits 3 when the start-up fails"
    output = again.text()
    assert "STALE: source `vault` could not be reached" in output, output
    assert "4 secrets are served from its last-known-good copy" in output, output
    assert "[source_error] source `database` failed: cannot connect to Vault" in output, output
    # The URL built from the lease's user and password fails with them.
    assert "database_url, postgres_user, postgres_password (3 secrets)" in output, output
    assert "3 problems in environment `production`" in output, output
    for value in [*PRODUCTION_KV.values(), CANARY]:
        assert value not in output

    # Another key: the copy does not open either.
    refused = uvicorn(app_dir, {**env, "SECRETARY_CACHE_KEY": OTHER_KEY})
    assert refused.process.wait(timeout=60) == 3
    assert "sealed with another key" in refused.text()


def test_running_through_an_outage_it_keeps_its_database_user_until_the_lease_ends(app_dir, uvicorn, tmp_path, postgres):
    (tmp_path / "bao").mkdir()
    server = OpenBao(tmp_path / "bao")
    try:
        production(app_dir, server, postgres)
        env = child_environment(ENVIRONMENT="production", VAULT_ADDR=server.address, VAULT_TOKEN=server.token)
        running = uvicorn(app_dir, env)
        running.wait_healthy()
        assert readyz(running.url) == 200
    finally:
        server.stop()
    # Vault is gone; the lease (1 minute) is not: queries go on through the pool, new
    # connections included.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert readyz(running.url) == 200, running.text()
        time.sleep(0.1)
    assert running.healthz()["status"] == "ok"
    running.stop()
    output = running.text()
    for value in [*PRODUCTION_KV.values(), CANARY]:
        assert value not in output
