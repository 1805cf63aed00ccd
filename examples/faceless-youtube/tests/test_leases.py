"""The application in production on leases (issue 22, "done when"): uvicorn runs with a
PostgreSQL user that OpenBao's database engine issued to it, which no file, ``.env``, KV
path or environment variable holds; the user is replaced twice under it while it
answers queries, none failing; and the last one is gone a second after it stops."""

import json
import pathlib
import time
import urllib.error
import urllib.request

from conftest import CANARY, child_environment, production


def ready(url: str) -> tuple[int, float]:
    """``GET /readyz`` (a query through the pool): its status, and how long it took."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=10) as reply:
            status = reply.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


def test_production_runs_on_leases_that_rotate_under_it_with_no_failed_query_and_end_with_it(
    app_dir, uvicorn, openbao, postgres
):
    # Leases of 3 s, re-issued before their 6 s max TTL: about every 4 s.
    production(app_dir, openbao, postgres, ttl="3s", max_ttl="6s")
    env = child_environment(ENVIRONMENT="production", VAULT_ADDR=openbao.address, VAULT_TOKEN=openbao.token)
    # Users an earlier test left (one stopped while Vault was down cannot revoke) are not
    # this application's.
    before = postgres.users()
    server = uvicorn(app_dir, env)
    health = server.wait_healthy()
    assert health["environment"] == "production"
    assert health["sources"]["postgres_password"]["locator"] == "vault_lease:database/creds/faceless-youtube#password"
    assert health["sources"]["database_url"]["locator"] == "template(postgres_user, postgres_password)"

    # Queries through the pool, in a loop, while the credentials are replaced twice.
    users: set[str] = set()
    queries = failed = 0
    longest = 0.0
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and len(users) < 3:
        status, took = ready(server.url)
        queries += 1
        failed += status != 200
        longest = max(longest, took)
        users |= postgres.users() - before
        time.sleep(0.05)
    assert failed == 0, f"{failed} of {queries} queries failed:\n{server.text()}"
    assert len(users) >= 3, f"two re-issues within 40 s: {sorted(users)}\n{server.text()}"
    print(f"{queries} queries through {len(users)} users, none failed; the longest took {longest * 1000:.0f} ms")

    # The credentials are nowhere but in the process: no file of the application, no KV
    # path, no variable of its environment, nothing it printed.
    held = [CANARY, *users]
    for path in pathlib.Path(app_dir).rglob("*"):
        if path.is_file() and path.name != "uvicorn.log":
            text = path.read_bytes()
            assert not any(secret.encode() in text for secret in held), path
    values = json.dumps(openbao.kv_values("production"))
    assert not any(secret in values for secret in held)
    environ = pathlib.Path(f"/proc/{server.process.pid}/environ").read_bytes()
    assert not any(secret.encode() in environ for secret in held)
    assert not any(secret in server.text() for secret in held)

    # Stopped (SIGTERM, as a deployment stops it): every user it had is gone at once.
    server.stop()
    stopped = time.monotonic()
    while postgres.users() & users:
        assert time.monotonic() - stopped < 1, f"left after it stopped: {sorted(postgres.users() & users)}"
        time.sleep(0.02)
    assert postgres.users() <= before, "no user of the application is left"
