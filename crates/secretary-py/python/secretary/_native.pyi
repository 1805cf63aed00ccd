"""Types of ``secretary._native``, the compiled part of the package (written by hand; the
tests check that it names what the module has). Import these from ``secretary``."""

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Final, Literal, Self, TypeVar, final, overload

__version__: Final[str]

__all__ = [
    "SecretManager",
    "Report",
    "Resolution",
    "SecretInfo",
    "Secret",
    "Stale",
    "_Watcher",
    "_after_fork_in_child",
    "_revoke_leases",
    "_stop_watchers",
    "__version__",
]

_T = TypeVar("_T")
_Callback = TypeVar("_Callback", bound=Callable[[list[str]], object])

@final
class Secret:
    """A secret value: printed as ``[redacted]``, never pickled, read with ``expose()``."""

    __hash__: None  # type: ignore[assignment]
    def expose(self) -> str:
        """The value's text."""
    def get_secret_value(self) -> str:
        """The value's text: ``expose()`` under the name pydantic's ``SecretStr`` gives it."""
    def __eq__(self, other: object, /) -> bool: ...
    def __copy__(self) -> Secret: ...
    def __deepcopy__(self, memo: object) -> Secret: ...

@final
class SecretInfo:
    """A declared secret, as the manifest describes it. Never holds a value."""

    @property
    def key(self) -> str:
        """The key (``database_url``)."""
    @property
    def description(self) -> str:
        """What it is for."""
    @property
    def required(self) -> bool:
        """Whether its absence is a problem."""
    @property
    def sensitive(self) -> bool:
        """Whether the value is secret."""
    @property
    def env(self) -> tuple[str, ...]:
        """Its environment variable names, the primary first."""
    @property
    def type(self) -> Literal["string", "url", "int", "port", "bool", "enum"]:
        """Its type."""

@final
class Resolution:
    """Where one secret's value came from, after a validation. Never holds the value."""

    @property
    def key(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def state(self) -> Literal["ok", "stale", "unset"]:
        """``ok`` (a valid value), ``stale`` (from the last-known-good copy: Vault could not
        be reached) or ``unset`` (optional, and not set)."""
    @property
    def required(self) -> bool: ...
    @property
    def sensitive(self) -> bool: ...
    @property
    def source(self) -> str | None:
        """The source's name (``dotenv``, ``vault``), ``default``, or ``None`` when unset."""
    @property
    def locator(self) -> str | None:
        """Exactly where: ``dotenv:.env:7``, ``vault:secret/data/production/db#value@v3``."""
    @property
    def version(self) -> int | None:
        """The version read, for sources that keep versions (Vault KV v2)."""
    @property
    def stale(self) -> Stale | None:
        """How old and why, when the value is stale; ``None`` when it is fresh."""

@final
class Stale:
    """Why a value is stale: its source could not be reached. Never holds the value."""

    @property
    def source(self) -> str:
        """The source whose value it is (``vault``)."""
    @property
    def age_seconds(self) -> float:
        """How long ago it was read from the source."""
    @property
    def cause(self) -> str:
        """Why the source could not be read now."""

@final
class Report:
    """Every secret of one validation, in manifest order, and the warnings."""

    @property
    def environment(self) -> str: ...
    @property
    def manifest(self) -> str:
        """The manifest, relative to the working directory when below it."""
    @property
    def resolutions(self) -> tuple[Resolution, ...]: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...
    @property
    def set_count(self) -> int:
        """How many secrets have a value."""
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Resolution]: ...
    def __getitem__(self, key: str, /) -> Resolution: ...

@final
class SecretManager:
    """An application's secrets: found, resolved, validated, cached and audited as the
    ``secretary`` command does, with no value ever in a message."""

    def __new__(
        cls,
        manifest: str | os.PathLike[str] | None = None,
        environment: str | None = None,
        audit_log: str | os.PathLike[str] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Self: ...
    @property
    def environment(self) -> str:
        """The environment's name."""
    @property
    def manifest(self) -> str:
        """The manifest's path, relative to the working directory when below it."""
    @property
    def manifest_path(self) -> Path:
        """The manifest's absolute path."""
    def get(self, key: str) -> Secret:
        """The value of ``key``; raises ``SecretNotFoundError``, ``InvalidSecretError`` or
        ``SourceError`` when it has none that is valid."""
    def get_optional(self, key: str) -> Secret | None:
        """The value of ``key``, or ``None`` when it is optional and not set."""
    @overload
    def get_secret(self, key: str) -> str | None: ...
    @overload
    def get_secret(self, key: str, default: _T) -> str | _T: ...
    def validate(self) -> Report:
        """Resolves and checks every secret; raises one ``SecretValidationError`` listing
        every problem."""
    def validate_secrets(self) -> dict[str, bool]:
        """Each declared key, and whether it is valid."""
    def load(self) -> dict[str, Secret]:
        """Every set secret, from one resolution (raises as ``validate`` does)."""
    def list_secrets(self) -> dict[str, SecretInfo]:
        """Every declared secret's metadata, by key; never a value."""
    def stale(self, key: str) -> Stale | None:
        """How old and why, when the value held for ``key`` is stale; reads no source."""
    def clear_cache(self) -> None:
        """Forgets every cached value."""
    def refresh(self) -> list[str]:
        """Re-reads every secret now; returns the keys whose value changed."""
    def on_change(self, callback: _Callback) -> _Callback:
        """Calls ``callback(keys)`` when a re-read finds changed values."""
    def remove_on_change(self, callback: Callable[[list[str]], object]) -> bool:
        """Stops calling ``callback``; returns whether it was registered."""
    def close(self) -> None:
        """Revokes this process's leases and forgets every cached value."""
    def __enter__(self) -> Self: ...
    def __exit__(self, *_args: object) -> bool: ...

@final
class _Watcher:
    """What a manager's ``on_change`` thread waits on (see ``secretary._on_change``)."""
    def next(self) -> tuple[list[str], list[Callable[[list[str]], object]]] | None:
        """The next change's keys and the callbacks to call; ``None``: the thread ends."""

def _after_fork_in_child() -> None: ...
def _revoke_leases() -> None: ...
def _stop_watchers() -> None: ...
