"""When Vault is down (issue 23), from Python: a running manager keeps its values,
marked stale, and an application restarting during the outage starts from the
last-known-good copy; ``Resolution.stale`` and ``SecretManager.stale`` say how old and
why, never the value."""

import pathlib

import pytest
from conftest import OpenBao, clean_environment
from secretary import SecretManager, Stale

KEY = "x2xBqS3uf8P4BpufOzWYvto6Udr83wNdFOVkuzBIrwM="
CANARY = "canary-py-0c4d9e7f21"

MANIFEST = """\
version = 1

[app]
name = "shop"

[sources.vault]
type = "vault"
path = "{environment}/{key}"

[environments.production]
sources = ["vault"]
last_known_good = { max_age = "24h" }
outage_after = "2s"

[secrets.api_key]
description = "Payment API key"
required = true
"""


@pytest.fixture
def vault(tmp_path: pathlib.Path, monkeypatch):
    """An OpenBao holding the canary, the manifest as the working directory's, the
    variables pointing at the server, a cache key and a state directory; stopped after."""
    clean_environment(monkeypatch, tmp_path)
    server = OpenBao(tmp_path)
    try:
        (tmp_path / "secrets.toml").write_text(MANIFEST)
        monkeypatch.chdir(tmp_path)
        use(monkeypatch, server)
        monkeypatch.setenv("SECRETARY_CACHE_KEY", KEY)
        monkeypatch.setenv("SECRETARY_STATE_DIR", str(tmp_path / "state"))
        server.kv_put("production/api_key", value=CANARY)
        yield server
    finally:
        server.stop()


def use(monkeypatch, server: OpenBao) -> None:
    """Points the variables at `server` (os.environ is read again at every re-read)."""
    monkeypatch.setenv("VAULT_ADDR", server.address)
    monkeypatch.setenv("VAULT_TOKEN", server.token)


def test_a_manager_keeps_its_values_through_an_outage_and_a_restart_starts_from_the_copy(
    tmp_path: pathlib.Path, monkeypatch, vault: OpenBao
):
    manager = SecretManager(environment="production")
    assert manager.get_secret("api_key") == CANARY
    assert manager.stale("api_key") is None
    assert manager.validate()["api_key"].state == "ok"

    vault.stop()
    assert manager.refresh() == []
    stale = manager.stale("api_key")
    assert isinstance(stale, Stale)
    assert stale.source == "vault"
    assert stale.age_seconds < 60
    assert manager.get_secret("api_key") == CANARY
    report = manager.validate()
    resolution = report["api_key"]
    assert resolution.state == "stale"
    assert resolution.stale is not None
    # A value served stale is a value: counted as `secretary check` counts it (a
    # sixty-second adversarial pass saw 0 set while every value was served).
    assert (len(report), report.set_count) == (1, 1)
    assert CANARY not in repr(resolution) + repr(resolution.stale) + resolution.stale.cause

    # The application restarts while Vault is still down: it starts from the copy.
    restarted = SecretManager(environment="production")
    assert restarted.get_secret("api_key") == CANARY
    assert restarted.validate()["api_key"].state == "stale"
    copy = (tmp_path / "state" / "shop.production.lkg").read_bytes()
    assert CANARY.encode() not in copy

    # Vault is back (os.environ is read again at every re-read), with a new value:
    # the running manager goes fresh and tells on_change.
    heard = []
    manager.on_change(heard.append)
    (tmp_path / "bao2").mkdir()
    back = OpenBao(tmp_path / "bao2")
    try:
        back.kv_put("production/api_key", value="rotated-while-down")
        use(monkeypatch, back)
        assert manager.refresh() == ["api_key"]
        assert heard == [["api_key"]]
        assert manager.stale("api_key") is None
        assert manager.get_secret("api_key") == "rotated-while-down"
    finally:
        back.stop()


def test_the_fastapi_lifespan_says_stale_through_an_outage_and_fresh_after(
    tmp_path: pathlib.Path, monkeypatch, vault: OpenBao, caplog
):
    # An eighteenth adversarial pass: a re-read that served values held through an
    # outage did not raise, and `app.state.secret_refresh` said fresh all along.
    import logging
    import time

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from secretary.fastapi import lifespan

    manager = SecretManager(environment="production")
    application = FastAPI(lifespan=lifespan(manager, refresh_interval=0.1))
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application):
        refresh = application.state.secret_refresh
        assert not refresh.stale
        vault.stop()
        deadline = time.monotonic() + 30
        while not refresh.stale:
            assert time.monotonic() < deadline, "the outage was never said"
            time.sleep(0.05)
        assert refresh.reason == "1 stale (their source could not be reached): api_key"
        assert manager.get_secret("api_key") == CANARY
        (tmp_path / "bao2").mkdir()
        back = OpenBao(tmp_path / "bao2")
        try:
            back.kv_put("production/api_key", value=CANARY)
            use(monkeypatch, back)
            while refresh.stale:
                assert time.monotonic() < deadline, "the end of the outage was never said"
                time.sleep(0.05)
        finally:
            back.stop()
    assert sum("re-reading the secrets failed" in m for m in caplog.messages) == 1
    assert "secretary: re-reading the secrets works again" in caplog.messages
    assert CANARY not in caplog.text


def test_a_lifespan_started_from_the_copy_is_stale_from_the_start(
    tmp_path: pathlib.Path, monkeypatch, vault: OpenBao, caplog
):
    # A nineteenth adversarial pass: started during an outage from the copy, the
    # lifespan said fresh (for good without refresh_interval).
    import logging

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from secretary.fastapi import lifespan

    SecretManager(environment="production").validate()
    vault.stop()
    application = FastAPI(lifespan=lifespan(SecretManager(environment="production")))
    with caplog.at_level(logging.INFO, logger="secretary"), TestClient(application):
        refresh = application.state.secret_refresh
        assert refresh.stale
        assert refresh.reason == "1 stale (their source could not be reached): api_key"
    assert "secretary: started on stale values: 1 stale" in caplog.text
    assert CANARY not in caplog.text
