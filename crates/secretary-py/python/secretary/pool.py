"""Database pools that connect with the current credentials, for ``vault_lease``
sources whose user and password change while the application runs.

::

    import psycopg
    from sqlalchemy import create_engine
    from secretary import get_secret_manager
    from secretary.pool import creator

    secrets = get_secret_manager()
    engine = create_engine(
        "postgresql+psycopg://",
        creator=creator(secrets, "database_url", psycopg.connect),
        pool_pre_ping=True,          # a connection whose user was revoked is replaced
    )
    secrets.on_change(lambda keys: engine.dispose() if "database_url" in keys else None)

Every new connection reads ``database_url`` from the manager at that moment, so a pool
opens its connections with the credentials of the lease that is current; connections
opened before a re-issue keep working for the source's ``reissue_grace``, and
``pool_pre_ping`` replaces one whose user is gone. Disposing of the pool when the URL
changes (``on_change``) moves every new checkout to the new credentials at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from secretary._native import SecretManager

_Connection = TypeVar("_Connection")

__all__ = ["creator"]


def creator(
    manager: SecretManager,
    key: str,
    connect: Callable[[str], _Connection],
) -> Callable[[], _Connection]:
    """A ``creator`` for SQLAlchemy's ``create_engine`` (or any pool that takes a
    function making a connection): each call reads ``key`` from ``manager`` and returns
    ``connect(value)``. The value is never kept by the pool, and never shown."""

    def create() -> _Connection:
        return connect(manager.get(key).expose())

    return create
