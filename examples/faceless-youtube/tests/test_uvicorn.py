"""The application as it runs: uvicorn started with secretary inside, a start refused
with the full report when a required secret is missing, and a secret rotated in a real
OpenBao reaching the running application."""

import time

from conftest import CANARY, PRODUCTION_KV, child_environment, production

DEV_VALUES = ("dev-only-password", "dev-only-signing-key", "dev-only-encryption-key", "dev-only-redis", "faceless_dev")


def test_uvicorn_starts_and_serves_healthz(app_dir, uvicorn):
    server = uvicorn(app_dir, child_environment())
    health = server.wait_healthy()
    assert (health["environment"], health["secrets_validated"], health["secrets_set"]) == ("development", 14, 10)
    assert health["sources"]["secret_key"]["locator"] == "dotenv:.env:11"


def test_uvicorn_refuses_to_start_without_a_required_secret(app_dir, uvicorn):
    env_file = app_dir / ".env"
    kept = [line for line in env_file.read_text().splitlines() if not line.startswith("POSTGRES_PASSWORD")]
    env_file.write_text("\n".join(kept + ["SECRET_KEY=too-short"]) + "\n")
    server = uvicorn(app_dir, child_environment())
    assert server.process.wait(timeout=60) == 3, "uvicorn exits 3 when the start-up fails"
    output = server.text()
    assert server.healthz() is None
    assert "2 problems in environment `development` (secrets.toml): 1 missing, 1 invalid" in output
    assert "[missing] postgres_password: required but not set" in output
    assert "    description: PostgreSQL password" in output
    assert "    looked in:   env:POSTGRES_PASSWORD, dotenv:.env, dotenv:.env.local (no such file)" in output
    assert "    fix:         set POSTGRES_PASSWORD in the environment, or add `POSTGRES_PASSWORD=...` to .env" in output
    assert "[invalid] secret_key: the value from dotenv:.env:22 is shorter than 32 characters" in output, "the later line wins"
    assert "Application startup failed" in output
    for value in DEV_VALUES + ("too-short",):
        assert value not in output


def test_a_rotation_in_openbao_reaches_the_running_application(app_dir, uvicorn, openbao, postgres):
    production(app_dir, openbao, postgres)
    env = child_environment(
        ENVIRONMENT="production",
        VAULT_ADDR=openbao.address,
        VAULT_TOKEN=openbao.token,
        SECRETS_REFRESH_SECONDS="0.2",
    )
    server = uvicorn(app_dir, env)
    health = server.wait_healthy()
    assert health["environment"] == "production"
    sources = health["sources"]
    assert sources["postgres_user"]["locator"] == "vault_lease:database/creds/faceless-youtube#username"
    assert sources["database_url"]["locator"] == "template(postgres_user, postgres_password)"
    locator = sources["secret_key"]["locator"]
    assert locator.startswith("vault:secret/data/production/secret_key#value@v"), locator
    version = int(locator.rsplit("@v", 1)[1])
    rotated = PRODUCTION_KV["secret_key"].replace("0123", "4567")
    assert openbao.kv_put("production/secret_key", value=rotated) == version + 1
    deadline = time.monotonic() + 30
    while (health := server.healthz())["rotations"]["last"] != ["secret_key"]:
        assert time.monotonic() < deadline, f"the rotation never reached the application:\n{server.text()}"
        time.sleep(0.1)
    assert health["sources"]["secret_key"]["locator"] == f"vault:secret/data/production/secret_key#value@v{version + 1}"
    assert health["rotations"]["count"] == 1
    output = server.text()
    assert "secretary: secrets changed: secret_key" in output
    for value in [*PRODUCTION_KV.values(), rotated, CANARY]:
        assert value not in output
