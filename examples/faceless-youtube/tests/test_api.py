"""The API in-process: start-up validation and /healthz."""

import pytest
from fastapi.testclient import TestClient

from secretary import SecretValidationError


def test_healthz_tells_environment_count_and_sources_never_values(app_dir):
    from src.api.main import app

    with TestClient(app) as client:
        reply = client.get("/healthz")
    assert reply.status_code == 200
    body = reply.json()
    assert (body["status"], body["environment"], body["secrets_validated"], body["secrets_set"]) == (
        "ok",
        "development",
        14,
        10,
    )
    fresh = {"state": "ok", "stale_seconds": None}
    assert body["sources"]["database_url"] == {"source": "dotenv", "locator": "dotenv:.env:7", **fresh}
    assert body["sources"]["log_level"] == {"source": "dotenv", "locator": "dotenv:.env:5", **fresh}
    assert body["sources"]["youtube_api_key"] == {
        "source": None,
        "locator": None,
        "state": "unset",
        "stale_seconds": None,
    }
    for value in ("dev-only", "faceless_dev", "localhost:5432"):
        assert value not in reply.text


def test_start_up_fails_with_the_report_when_a_secret_is_missing(app_dir):
    from src.api.main import app

    text = (app_dir / ".env").read_text()
    (app_dir / ".env").write_text("\n".join(line for line in text.splitlines() if not line.startswith("SECRET_KEY")))
    with pytest.raises(SecretValidationError, match=r"\[missing\] secret_key: required but not set"):
        with TestClient(app):
            pass
