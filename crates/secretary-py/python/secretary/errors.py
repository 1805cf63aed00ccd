"""The exceptions secretary raises: one base, ``SecretaryError``, and a class per kind of
failure. Their messages and attributes never hold a secret's value: they are made from
the library's errors, which name keys, descriptions, sources and places, never values.

::

    SecretaryError
    ├── ManifestError                 the manifest cannot be found, read or used
    │   └── UnknownEnvironmentError   the environment is not defined in it
    ├── SecretNotFoundError           missing, not set, or not declared (also a LookupError)
    ├── InvalidSecretError            a value breaks its type, constraints or placeholder rule (also a ValueError)
    ├── SourceError                   a source failed (Vault down, token refused, malformed .env)
    ├── SecretValidationError         validate(): every problem at once, in ``problems``
    └── AuditLogError                 the audit log cannot be opened or written
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuditLogError",
    "InvalidSecretError",
    "ManifestError",
    "SecretNotFoundError",
    "SecretValidationError",
    "SecretaryError",
    "SourceError",
    "UnknownEnvironmentError",
]


class SecretaryError(Exception):
    """Anything secretary raises. The message never holds a value.

    The attributes say what it is about, where that applies (else ``None`` or empty):

    - ``key``: the secret's key (``database_url``);
    - ``description``: what the secret is for, from the manifest;
    - ``code``: ``missing``, ``unset``, ``invalid``, ``placeholder``, ``source_error``
      or ``undeclared``;
    - ``source``: the source's name in the manifest (``vault``, ``dotenv``, ``default``);
    - ``locator``: exactly where the value came from (``dotenv:.env:12``);
    - ``looked``: every place secretary looked (for a missing secret);
    - ``fix``: what to do about it;
    - ``environment``: the environment (``production``);
    - ``path``: the manifest's path, for manifest errors.
    """

    key: str | None
    description: str | None
    code: str | None
    source: str | None
    locator: str | None
    looked: tuple[str, ...]
    fix: str | None
    environment: str | None
    path: str | None

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        description: str | None = None,
        code: str | None = None,
        source: str | None = None,
        locator: str | None = None,
        looked: tuple[str, ...] = (),
        fix: str | None = None,
        environment: str | None = None,
        path: Any = None,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.description = description or None
        self.code = code
        self.source = source
        self.locator = locator
        self.looked = tuple(looked)
        self.fix = fix
        self.environment = environment
        self.path = None if path is None else str(path)

    @property
    def message(self) -> str:
        """The message: what is wrong, and what to do."""
        return str(self.args[0]) if self.args else ""

    def _attributes(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "description": self.description,
            "code": self.code,
            "source": self.source,
            "locator": self.locator,
            "looked": self.looked,
            "fix": self.fix,
            "environment": self.environment,
            "path": self.path,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions cross processes (Celery results, multiprocessing): keep the
        # attributes, which hold no value either.
        return (_rebuild, (type(self), self.message, self._attributes()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message.splitlines()[0] if self.message else ''!r})"


def _rebuild(cls: type[SecretaryError], message: str, attributes: dict[str, Any]) -> SecretaryError:
    """Makes an exception again from its pickle."""
    return cls(message, **attributes)


class ManifestError(SecretaryError):
    """The manifest cannot be found, read, or used: the message lists every finding with
    its line and column (``path`` is the manifest's)."""


class UnknownEnvironmentError(ManifestError):
    """The environment asked for (``environment=``, or named by ``ENVIRONMENT``) is not
    defined in the manifest; the message lists those that are."""


class SecretNotFoundError(SecretaryError, LookupError):
    """A secret that has no value: a required secret that no source has (``code`` is
    ``missing``; ``looked`` says where secretary looked), an optional one read as if it
    had to be set (``unset``), or a key the manifest does not declare (``undeclared``)."""


class InvalidSecretError(SecretaryError, ValueError):
    """A value that breaks its secret's type or constraints (``code`` ``invalid``), or
    looks like a placeholder where the environment forbids them (``placeholder``).
    ``locator`` says where the value came from; the value itself is never shown."""


class SourceError(SecretaryError):
    """A source failed (Vault unreachable, a token refused, a malformed ``.env``), so the
    secret could not be resolved: secretary never takes a failure for an absence.
    ``source`` names the source; ``fix`` says what to do."""


class SecretValidationError(SecretaryError):
    """Every problem of a validation at once. The message is the report ``secretary
    check`` prints; ``problems`` holds one exception per problem (``SecretNotFoundError``,
    ``InvalidSecretError`` or ``SourceError``, each with its ``key``, ``description``
    and ``fix``), and ``warnings`` what was worth saying besides."""

    problems: tuple[SecretaryError, ...]
    warnings: tuple[str, ...]

    def __init__(
        self,
        message: str,
        *,
        problems: tuple[SecretaryError, ...] = (),
        warnings: tuple[str, ...] = (),
        **attributes: Any,
    ) -> None:
        super().__init__(message, **attributes)
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys that have a problem, in manifest order, each once."""
        return tuple(dict.fromkeys(p.key for p in self.problems if p.key is not None))

    def _attributes(self) -> dict[str, Any]:
        return {**super()._attributes(), "problems": self.problems, "warnings": self.warnings}


class AuditLogError(SecretaryError):
    """The audit log cannot be opened or written. Nothing is handed out then: an access
    must not go unrecorded."""
