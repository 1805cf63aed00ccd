"""The hand-made SecretManager's six unit tests, adapted to secretary's API, and passing.

Each says what the old one checked; where the old class was wrong (a cache that
``clear_cache()`` did not clear), the test now checks what it promised.
"""

import pytest

from src.core.secrets import SecretManager, SecretNotFoundError, get_secret, get_secret_manager


def test_secret_manager_creation(app_dir):
    """A manager can be created (it finds secrets.toml and picks `development`)."""
    manager = SecretManager()
    assert manager.environment == "development"
    assert get_secret_manager() is get_secret_manager()


def test_get_secret_from_env(app_dir, monkeypatch):
    """A secret set in the environment is read (before the .env file)."""
    monkeypatch.setenv("YOUTUBE_API_KEY", "test-youtube-key")
    monkeypatch.setenv("POSTGRES_USER", "from-the-environment")
    manager = SecretManager()
    assert manager.get_secret("youtube_api_key") == "test-youtube-key"
    assert manager.get_secret("postgres_user") == "from-the-environment"
    assert get_secret("youtube_api_key") == "test-youtube-key"


def test_missing_required_secret(app_dir):
    """A required secret that nobody set raises SecretNotFoundError (never None),
    naming the key and its description."""
    (app_dir / ".env").write_text("ENVIRONMENT=development\n")
    manager = SecretManager()
    with pytest.raises(SecretNotFoundError) as raised:
        manager.get_secret("postgres_password")
    assert raised.value.key == "postgres_password"
    assert raised.value.description == "PostgreSQL password"
    assert "postgres_password" in str(raised.value) and "PostgreSQL password" in str(raised.value)


def test_secret_caching(app_dir, monkeypatch):
    """A value is cached: the variable changed afterwards still gives the first value."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "first-anthropic-key")
    manager = SecretManager()
    assert manager.get_secret("anthropic_api_key") == "first-anthropic-key"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "second-anthropic-key")
    assert manager.get_secret("anthropic_api_key") == "first-anthropic-key"


def test_clear_cache(app_dir, monkeypatch):
    """After clear_cache(), a variable changed in os.environ is read anew: the process
    environment is read again at a re-read, not only once at construction."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "first-anthropic-key")
    manager = SecretManager()
    assert manager.get_secret("anthropic_api_key") == "first-anthropic-key"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "second-anthropic-key")
    manager.clear_cache()
    assert manager.get_secret("anthropic_api_key") == "second-anthropic-key"


def test_list_secrets(app_dir):
    """list_secrets() returns a dict holding database_url (metadata, never values)."""
    secrets = SecretManager().list_secrets()
    assert isinstance(secrets, dict)
    assert "database_url" in secrets
    assert len(secrets) == 14
    assert secrets["database_url"].description == "PostgreSQL connection URL"
    assert "faceless" not in repr(secrets)
