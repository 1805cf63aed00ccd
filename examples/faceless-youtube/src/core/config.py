"""The application's settings, typed, from the manifest's 14 secrets."""

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr

from secretary.pydantic import SecretarySettings


class Settings(SecretarySettings):
    """Every secret of ``secrets.toml``: the sensitive ones as ``SecretStr``."""

    database_url: SecretStr
    postgres_user: SecretStr
    postgres_password: SecretStr
    youtube_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    google_client_id: SecretStr | None = None
    google_client_secret: SecretStr | None = None
    secret_key: SecretStr
    encryption_key: SecretStr | None = None
    redis_password: SecretStr | None = None
    mongodb_uri: SecretStr | None = None
    environment: Literal["development", "staging", "production"]
    debug_mode: bool
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


@lru_cache
def get_settings() -> Settings:
    """The settings, read once (the API's start-up keeps its own on ``app.state``)."""
    return Settings()
