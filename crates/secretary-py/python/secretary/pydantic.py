"""pydantic-settings classes filled from the manifest.

::

    from pydantic import SecretStr
    from secretary.pydantic import SecretarySettings

    class Settings(SecretarySettings):
        database_url: SecretStr          # field name = secret key
        debug_mode: bool = False         # "true" in .env becomes True: pydantic converts
        log_level: str = "INFO"

    settings = Settings()                # one resolution for the whole class

Or, with a base class of one's own, add the source where pydantic-settings takes them::

    class Settings(BaseSettings):
        db: SecretStr

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, **_):
            return (init_settings, SecretarySettingsSource(settings_cls, mapping={"db": "database_url"}))

What it promises:

- Each field is filled from the secret of the same key (or the key ``mapping`` gives
  it); fields that no secret declares are left to the other sources and defaults.
- All the secrets are resolved once, for the whole class, by ``SecretManager.load()``.
  The manifest's own problems (a missing required secret, a value breaking its type)
  are raised together first, as one ``SecretValidationError`` with the report
  ``secretary check`` prints; pydantic's own validation runs only after.
- A sensitive secret goes only into a ``SecretStr`` (or ``SecretBytes``) field, and is
  handed to pydantic already wrapped, so that neither the settings' ``repr`` nor one of
  pydantic's error messages can show it. A sensitive secret mapped to any other type is
  refused with a ``TypeError`` naming the field (declare it ``SecretStr``, or mark the
  secret ``sensitive = false`` in the manifest if it is not a secret).
- Values of ``sensitive = false`` secrets are handed over as text, and pydantic converts
  them to the field's type (``bool``, ``int``, ``Literal``, ...).
"""

from __future__ import annotations

import types
import typing
from typing import Any, ClassVar

from pydantic import AliasChoices, AliasPath, SecretBytes, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from secretary import SecretManager, get_secret_manager
from secretary._current import lifespan_manager
from secretary.errors import SecretaryError, SecretNotFoundError


class _SettingsTypeError(SecretaryError, TypeError):
    """A settings class that cannot hold the manifest's secrets as declared: a
    ``TypeError``, and secretary's own (its message names fields and keys, never a
    value), so that the FastAPI lifespan shows it as it is."""

__all__ = ["SecretarySettings", "SecretarySettingsSource"]

_SECRET_TYPES = (SecretStr, SecretBytes)


def _secret_type(annotation: Any) -> type | None:
    """The pydantic secret type a field's annotation holds (``SecretStr``,
    ``Optional[SecretStr]``, ``Annotated[SecretStr, ...]``), or ``None``."""
    if isinstance(annotation, type) and issubclass(annotation, _SECRET_TYPES):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _secret_type(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        found = [_secret_type(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        if found and all(kind is not None and kind is found[0] for kind in found):
            return found[0]
    return None


def _input_name(settings_name: str, field_name: str, field: FieldInfo, config: Any) -> str:
    """The name pydantic reads a field's input under: its validation alias (the first
    plain name of an ``AliasChoices``), its alias, else its name; its name when the
    model validates by name only (``validate_by_alias=False``: a forty-seventh
    adversarial pass saw the secret handed over under an alias pydantic then ignored). A
    field that reads its input only by a path into nested data (``AliasPath``) is
    refused: the secret would be handed over under a name pydantic never reads, and the
    field would keep its default without a word (a forty-sixth adversarial pass)."""
    if config.get("validate_by_alias", True) is False:
        return field_name
    alias = field.validation_alias
    choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
    for choice in choices:
        if isinstance(choice, AliasPath) and len(choice.path) == 1 and isinstance(choice.path[0], str):
            choice = choice.path[0]
        if isinstance(choice, str):
            return choice
    if alias is not None:
        raise _SettingsTypeError(
            f"field `{field_name}` of {settings_name} reads its input only through a path "
            f"({alias!r}), which a secret cannot be handed over by: give it a plain alias "
            "(or an AliasChoices holding one), or map the field with secretary_mapping"
        )
    return field.alias or field_name


class SecretarySettingsSource(PydanticBaseSettingsSource):
    """A pydantic-settings source that fills a settings class from a ``SecretManager``.

    ``manager`` is the manager to read (by default the shared ``get_secret_manager()``);
    ``mapping`` maps field names to secret keys where they differ (by default a field
    reads the secret of its own name). A key in ``mapping`` that the manifest does not
    declare raises ``SecretNotFoundError`` when the settings are made."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        manager: SecretManager | None = None,
        mapping: dict[str, str] | None = None,
    ) -> None:
        super().__init__(settings_cls)
        self._manager = manager
        self._mapping = dict(mapping or {})
        unknown = set(self._mapping) - set(settings_cls.model_fields)
        if unknown:
            names = ", ".join(sorted(unknown))
            raise _SettingsTypeError(f"mapping names fields that {settings_cls.__name__} does not have: {names}")

    @property
    def manager(self) -> SecretManager:
        """The manager this source reads: the one it was given, else the manager of the
        FastAPI lifespan making the settings, else the shared one (a forty-seventh
        adversarial pass saw a settings class of one's own read the shared manager
        while the lifespan validated another)."""
        if self._manager is not None:
            return self._manager
        return lifespan_manager() or get_secret_manager()

    def _fields(self, manager: SecretManager) -> list[tuple[str, FieldInfo, str, bool]]:
        """Each field that a secret fills: the name pydantic reads its input under, the
        field, the key, and whether it is sensitive. Refuses a sensitive secret in a
        field that would show it, and a field whose input no name reaches."""
        declared = manager.list_secrets()
        fields = []
        for field_name, field in self.settings_cls.model_fields.items():
            key = self._mapping.get(field_name, field_name)
            info = declared.get(key)
            if info is None:
                if field_name in self._mapping:
                    raise SecretNotFoundError(
                        f"field `{field_name}` of {self.settings_cls.__name__} is mapped to secret "
                        f"`{key}`, which {manager.manifest} does not declare",
                        key=key,
                        code="undeclared",
                    )
                continue
            if info.sensitive and _secret_type(field.annotation) is None:
                raise _SettingsTypeError(
                    f"field `{field_name}` of {self.settings_cls.__name__} holds the sensitive secret "
                    f"`{key}` ({info.description or 'no description'}): declare it as SecretStr, so that "
                    "neither the settings' repr nor a validation error can show it "
                    "(or set `sensitive = false` on the secret in the manifest if it is not a secret)"
                )
            name = _input_name(self.settings_cls.__name__, field_name, field, self.settings_cls.model_config)
            fields.append((name, field, key, info.sensitive))
        return fields

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """One field's value, for pydantic-settings' interface; ``__call__`` reads every
        field from a single resolution instead."""
        key = self._mapping.get(field_name, field_name)
        secret = self.manager.get_optional(key)
        value = None if secret is None else secret.expose()
        return value, key, False

    def __call__(self) -> dict[str, Any]:
        """Every field a secret fills, from one resolution of the whole manifest. Raises
        ``SecretValidationError`` (every problem at once) before pydantic validates."""
        manager = self.manager
        fields = self._fields(manager)
        values = manager.load()
        data: dict[str, Any] = {}
        for name, field, key, sensitive in fields:
            secret = values.get(key)
            if secret is None:
                continue  # optional and not set: the field's default applies
            if sensitive:
                kind = _secret_type(field.annotation)
                text = secret.expose()
                wrapped = SecretBytes(text.encode()) if kind is SecretBytes else SecretStr(text)
                data[name] = wrapped
            else:
                data[name] = secret.expose()
        return data

    def __repr__(self) -> str:
        return f"SecretarySettingsSource({self.settings_cls.__name__}, manager={self._manager!r})"


class SecretarySettings(BaseSettings):
    """A ``BaseSettings`` whose fields come from the manifest: arguments given to the
    constructor first, then secretary (the shared ``get_secret_manager()``), then the
    fields' defaults. Environment variables and ``.env`` files are read by secretary,
    as its manifest says, not by pydantic-settings.

    ``secretary_mapping`` (a class variable) maps field names to secret keys where they
    differ; ``secretary_manager()`` (a class method) gives the manager to read."""

    # pydantic's errors quote the input that failed: a value the manifest calls not
    # secret may still be one (it names any variable of the user's), so no error shows
    # an input (a fifteenth adversarial pass: `workers: int` read from PGPASSWORD).
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    secretary_mapping: ClassVar[dict[str, str]] = {}

    @classmethod
    def secretary_manager(cls) -> SecretManager:
        """The manager the settings are read from: by default the shared one, or, when
        a ``secretary.fastapi.lifespan`` makes them, the manager it validated."""
        return lifespan_manager() or get_secret_manager()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Constructor arguments, then secretary."""
        source = SecretarySettingsSource(
            settings_cls, manager=cls.secretary_manager(), mapping=cls.secretary_mapping
        )
        return (init_settings, source)
