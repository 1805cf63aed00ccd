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


def database_engine():  # noqa: ANN201 - SQLAlchemy is imported only here
    """The application's SQLAlchemy engine. Every new connection opens with the current
    ``database_url``: in development the one of ``.env``; in production, where a
    ``vault_lease`` source issues this process a PostgreSQL user of its own, the
    credentials of the lease that is current. ``pool_recycle`` is kept under the
    source's ``reissue_grace`` (10 s by default), so no pooled connection outlives the
    credentials it opened with; ``pool_pre_ping`` replaces one that is gone all the same.
    """
    import psycopg
    from sqlalchemy import create_engine

    from secretary import get_secret_manager
    from secretary.pool import creator

    return create_engine(
        "postgresql+psycopg://",
        creator=creator(get_secret_manager(), "database_url", psycopg.connect),
        pool_pre_ping=True,
        pool_recycle=5,
    )
