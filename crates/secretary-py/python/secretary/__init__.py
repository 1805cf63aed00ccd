"""secretary: an application's secrets, declared once in ``secrets.toml``, resolved from
the environment, ``.env`` files, mounted secret files and Vault / OpenBao, validated all
at once, cached, audited, and never printed.

::

    from secretary import SecretManager, get_secret

    secrets = SecretManager()                 # manifest and environment found as the CLI does
    secrets.validate()                        # raises once, listing every problem
    key = secrets.get("secret_key")           # Secret: repr [redacted]; .expose() for the text
    url = get_secret("database_url")          # the old call sites keep working
    secrets.on_change(lambda keys: ...)       # rotation seen in-process

The manager is the secretary library itself (Rust, through PyO3), not a copy of it in
Python: the same manifest checks, sources, cache and audit log as the ``secretary``
command. ``secretary.pydantic`` fills pydantic-settings classes from it and
``secretary.fastapi`` validates at start-up.
"""

from __future__ import annotations

import os
import sys
import threading

from secretary import _native
from secretary._native import (
    Report,
    Resolution,
    Secret,
    SecretInfo,
    SecretManager,
    Stale,
    __version__,
)
from secretary.errors import (
    AuditLogError,
    InvalidSecretError,
    ManifestError,
    SecretaryError,
    SecretNotFoundError,
    SecretValidationError,
    SourceError,
    UnknownEnvironmentError,
)

__all__ = [
    "AuditLogError",
    "InvalidSecretError",
    "ManifestError",
    "Report",
    "Resolution",
    "Secret",
    "SecretInfo",
    "SecretManager",
    "SecretNotFoundError",
    "SecretValidationError",
    "SecretaryError",
    "SourceError",
    "Stale",
    "UnknownEnvironmentError",
    "__version__",
    "end",
    "get_secret",
    "get_secret_manager",
]

_default: SecretManager | None = None
_default_lock = threading.Lock()


def _reset_lock_in_child() -> None:
    # A thread of the parent may have held the lock at the fork; it does not exist here.
    global _default_lock
    _default_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock_in_child)


# A child that multiprocessing starts (`mp.Process`, `Pool` workers; a billiard `Process`
# too: `billiard.util` re-exports these registries) ends with `os._exit` once
# multiprocessing's finalizers have run: `atexit`, where the native module revokes the process's leases, never runs there,
# and a lease the child took would live on until its TTL. So each such child registers a
# finalizer that revokes them. It has to be registered in the child, after
# `Process._bootstrap` has cleared the finalizers inherited from the parent: from an
# after-fork hook of multiprocessing's (`register_after_fork`, run by `_bootstrap` after
# that clearing), not from `os.register_at_fork`. (Billiard's pool workers, Celery's
# prefork, call `os._exit` before the finalizers: the guide says to close the manager on
# Celery's `worker_process_shutdown`.) Revoking twice (this finalizer, then
# `atexit` in a child that does run it) revokes nothing the second time.
#
# `multiprocessing.util` is not imported for this (it costs more than this package's own
# import): it is hooked as soon as it is loaded, here or before the next fork, which is
# always before multiprocessing's first child.
_multiprocessing_hooked = False


def _revoke_leases_when_this_child_ends(_: object = None) -> None:
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(None, _native._revoke_leases, exitpriority=0)


def _hook_multiprocessing() -> None:
    global _multiprocessing_hooked
    if _multiprocessing_hooked:
        return
    util = sys.modules.get("multiprocessing.util")
    if util is None:
        return
    _multiprocessing_hooked = True
    # Held by a weak reference: this module's function lives as long as the process.
    util.register_after_fork(_hook_multiprocessing, _revoke_leases_when_this_child_ends)
    process = sys.modules.get("multiprocessing.process")
    if process is not None and process.parent_process() is not None:
        # Imported in a child multiprocessing has already started: its after-fork hooks
        # have run.
        _revoke_leases_when_this_child_ends()


_hook_multiprocessing()
os.register_at_fork(before=_hook_multiprocessing)


def end() -> None:
    """Ends what this process holds in Vault, as its exit does: revokes every lease it
    holds and the login token of each AppRole or JWT login it made (a token of yours,
    ``VAULT_TOKEN``, never). Call it before ``os.execv`` and its kin, which run no
    ``atexit`` (a fifty-fourth adversarial pass left a login token alive to its TTL by
    handing over to ``gunicorn`` that way), or ``os._exit``. No manager of the process
    takes a lease or logs in to Vault afterwards: such a read fails, saying the process
    is ending.
    A failure is said on the ``secretary`` logger; calling it twice does nothing more."""
    _native._revoke_leases()


def get_secret_manager() -> SecretManager:
    """The process's shared ``SecretManager``, made on first use with no arguments (the
    manifest and environment found as the command line finds them).

    The same object every time, in every thread. In a forked child it is still the same
    object, and starts afresh there by itself. ``get_secret_manager.cache_clear()``
    forgets it, so that the next call makes a new one (tests that move between
    manifests)."""
    manager = _default
    if manager is None:
        with _default_lock:
            manager = _default
            if manager is None:
                manager = _set_default(SecretManager())
    return manager


def _set_default(manager: SecretManager | None) -> SecretManager | None:
    global _default
    _default = manager
    return manager


def _cache_clear() -> None:
    """Forgets the shared manager; the next ``get_secret_manager()`` makes a new one."""
    with _default_lock:
        _set_default(None)


get_secret_manager.cache_clear = _cache_clear  # type: ignore[attr-defined]


def get_secret(key: str, default: str | None = None) -> str | None:
    """The text of secret ``key`` from the shared manager (``get_secret_manager()``), or
    ``default`` when it is optional and not set.

    A required secret that is missing raises ``SecretNotFoundError`` naming the key and
    its description, and so does a key the manifest does not declare: the answer is never
    a silent ``None``. An invalid value raises ``InvalidSecretError``; a failed source
    ``SourceError``."""
    manager = _default
    if manager is None:
        manager = get_secret_manager()
    return manager.get_secret(key, default)
