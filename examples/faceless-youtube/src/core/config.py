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
    """The application's SQLAlchemy engine, connecting through ``secretary.pool``'s
    ``creator``: every new connection opens with the ``database_url`` the manager holds at
    that moment. In development that is the one of ``.env``. In production a
    ``vault_lease`` source issues this process a PostgreSQL user of its own, and
    ``database_url`` is built from it: the credentials of the lease that is current, which
    no file, ``.env`` or KV path holds.

    When the lease is re-issued (before its max TTL), the manager's ``on_change`` thread
    disposes of the pool at once, so that every new checkout opens with the new
    credentials; connections checked out then finish their work and are dropped. The old
    credentials keep working for the source's ``reissue_grace`` (10 s by default), and
    ``pool_recycle`` is kept under it, so no pooled connection outlives them;
    ``pool_pre_ping`` replaces one that is gone all the same.
    """
    import psycopg
    from sqlalchemy import create_engine

    from secretary import get_secret_manager
    from secretary.pool import creator

    secrets = get_secret_manager()
    engine = create_engine(
        "postgresql+psycopg://",
        creator=creator(secrets, "database_url", psycopg.connect),
        pool_pre_ping=True,
        pool_recycle=5,
    )

    def new_credentials(keys: list[str]) -> None:
        if "database_url" in keys:
            engine.dispose()

    secrets.on_change(new_credentials)
    return engine
