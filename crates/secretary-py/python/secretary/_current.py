"""The manager a FastAPI lifespan validated, while it makes the application's settings:
a ``SecretarySettings`` class that does not choose a manager of its own reads that one,
not the shared ``get_secret_manager()`` (a forty-sixth adversarial pass saw a lifespan
validate, refresh and close a manager of environment ``prod`` while the settings it made
read the shared manager's ``development`` values, and any lease that one took was never
revoked)."""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from secretary import SecretManager

_LIFESPAN_MANAGER: contextvars.ContextVar[SecretManager | None] = contextvars.ContextVar(
    "secretary_lifespan_manager", default=None
)


def lifespan_manager() -> SecretManager | None:
    """The manager of the lifespan whose settings are being made now, if any."""
    return _LIFESPAN_MANAGER.get()


def made_with(manager: SecretManager, settings: Callable[[], Any]) -> Any:
    """``settings()``, made with ``manager`` as the lifespan's manager."""
    token = _LIFESPAN_MANAGER.set(manager)
    try:
        return settings()
    finally:
        _LIFESPAN_MANAGER.reset(token)
