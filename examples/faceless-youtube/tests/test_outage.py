"""The application restarted while Vault is down (issue 23): with a cache key, it starts
from the encrypted last-known-good copy written while Vault was up, says so in its log
and in ``/healthz``, and never prints a value; a copy sealed with another key stops it."""

from conftest import OpenBao, child_environment
from test_uvicorn import PRODUCTION

KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
OTHER_KEY = "hq3Q9v1x0JYz8m2PKjzXl4nq1vT6cE1dUo0aN3w5rBk="


def test_the_application_restarts_from_the_copy_while_vault_is_down(app_dir, uvicorn, tmp_path):
    (tmp_path / "bao").mkdir()
    server = OpenBao(tmp_path / "bao")
    try:
        for key, value in PRODUCTION.items():
            server.kv_put(f"production/{key}", value=value)
        env = child_environment(
            ENVIRONMENT="production",
            VAULT_ADDR=server.address,
            VAULT_TOKEN=server.token,
            SECRETARY_CACHE_KEY=KEY,
            SECRETARY_STATE_DIR=str(tmp_path / "state"),
        )
        first = uvicorn(app_dir, env)
        health = first.wait_healthy()
        assert health["sources"]["database_url"]["state"] == "ok"
        first.stop()
    finally:
        server.stop()

    # Every Vault node is down: the application starts, in seconds, on the values it had.
    again = uvicorn(app_dir, env)
    health = again.wait_healthy()
    assert health["secrets_validated"] == 14
    assert health["sources"]["database_url"]["state"] == "stale"
    assert health["sources"]["database_url"]["stale_seconds"] < 120
    assert health["sources"]["database_url"]["locator"].startswith("vault:secret/data/production/database_url#value")
    output = again.text()
    assert "STALE: source `vault` could not be reached" in output
    for value in PRODUCTION.values():
        if value != "faceless":
            assert value not in output
    again.stop()

    # Another key: the copy does not open, and the application refuses to start.
    refused = uvicorn(app_dir, {**env, "SECRETARY_CACHE_KEY": OTHER_KEY})
    assert refused.process.wait(timeout=60) == 3
    assert "sealed with another key" in refused.text()
