"""The Vault source from Python, against a real OpenBao: reads, a rotation seen after
``clear_cache()`` and ``refresh()``, and failures that are never taken for absences."""

import pathlib
import uuid

import pytest

from conftest import VAULT_MANIFEST, clean_environment
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
