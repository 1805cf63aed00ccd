"""The typed settings, from the manifest."""

import pytest

from secretary import SecretValidationError
from src.core.config import Settings


def test_settings_are_typed_and_never_show_a_value(app_dir):
    settings = Settings()
    assert settings.environment == "development"
    assert settings.debug_mode is True
    assert settings.log_level == "DEBUG"
    assert settings.postgres_user.get_secret_value() == "faceless"
    assert settings.youtube_api_key is None
    assert "dev-only" not in repr(settings)


def test_settings_report_every_manifest_problem_at_once(app_dir):
    (app_dir / ".env").write_text("ENVIRONMENT=development\nDEBUG=maybe\n")
    with pytest.raises(SecretValidationError) as raised:
        Settings()
    assert set(raised.value.keys) == {"database_url", "postgres_user", "postgres_password", "secret_key", "debug_mode"}
