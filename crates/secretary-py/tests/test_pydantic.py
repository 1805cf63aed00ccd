"""``secretary.pydantic``: settings classes filled from the manifest."""

import json
from typing import Annotated, Literal

import pydantic
import pytest
from pydantic import Field, SecretStr
import pydantic_settings
from pydantic_settings import BaseSettings

from secretary import SecretManager, SecretNotFoundError, SecretValidationError
from secretary.pydantic import SecretarySettings, SecretarySettingsSource


class Settings(SecretarySettings):
    database_url: SecretStr
    api_key: SecretStr
    port: int
    debug: bool
    sentry_dsn: SecretStr | None = None
    app_name: str = "shop"


def test_fields_come_from_the_secret_of_the_same_key_typed_by_pydantic(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\nAPI_KEY=settings-api-key\nPORT=8443\nDEBUG=yes\n")
    settings = Settings()
    assert settings.database_url.get_secret_value() == "postgresql://db/app"
    assert settings.api_key.get_secret_value() == "settings-api-key"
    assert (settings.port, settings.debug, settings.sentry_dsn, settings.app_name) == (8443, True, None, "shop")
    assert "settings-api-key" not in repr(settings)
    assert "settings-api-key" not in settings.model_dump_json()


def test_constructor_arguments_win_and_defaults_fill_what_is_unset(app):
    settings = Settings(port=9000)
    assert settings.port == 9000
    assert settings.debug is False, "the manifest's default for debug"


def test_the_whole_class_is_read_in_one_resolution(app):
    log = app.dir / "audit.log"

    class Audited(Settings):
        @classmethod
        def secretary_manager(cls):
            return SecretManager(audit_log=log)

    Audited()
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events == ["validate"] * 5, "one validation of the five secrets, and no other read"


def test_the_manifests_problems_come_together_before_pydantics(app):
    app.write_dotenv("DATABASE_URL=mysql://db/app\nPORT=not-a-port\n")
    with pytest.raises(SecretValidationError) as raised:
        Settings()
    assert [(p.key, p.code) for p in raised.value.problems] == [
        ("database_url", "invalid"),
        ("api_key", "missing"),
        ("port", "invalid"),
    ]
    assert not isinstance(raised.value, pydantic.ValidationError)


def test_pydantics_own_validation_follows_and_never_shows_a_sensitive_value(app):
    class Strict(SecretarySettings):
        api_key: Annotated[SecretStr, Field(min_length=64)]
        environment_name: Literal["prod"] = "prod"

    with pytest.raises(pydantic.ValidationError) as raised:
        Strict()
    assert "at least 64" in str(raised.value)
    assert "dotenv-api-key-1234" not in str(raised.value)
    # No input is quoted at all, masked or not (hide_input_in_errors).
    assert "input_value" not in str(raised.value)


def test_pydantics_errors_never_quote_a_value_the_manifest_calls_not_secret(app):
    # A manifest names any variable of the user's and calls it not secret; a field that
    # cannot parse it must not print it.
    from conftest import MANIFEST

    app.write_manifest(MANIFEST + '\n[secrets.workers]\nenv = ["PGPASSWORD"]\nsensitive = false\n')
    app.write_dotenv("DATABASE_URL=postgresql://db/app\nAPI_KEY=settings-api-key\nPGPASSWORD=CANARYpgpw777\n")

    class Workers(SecretarySettings):
        workers: int = 4

    with pytest.raises(pydantic.ValidationError) as raised:
        Workers()
    assert "workers" in str(raised.value)
    assert "CANARYpgpw777" not in str(raised.value)


def test_a_sensitive_secret_in_a_plain_field_is_refused(app):
    class Leaky(SecretarySettings):
        api_key: str

    with pytest.raises(TypeError, match="field `api_key` of Leaky holds the sensitive secret `api_key`"):
        Leaky()


def test_a_mapping_renames_fields(app):
    class Renamed(SecretarySettings):
        secretary_mapping = {"payments_key": "api_key", "http_port": "port"}
        payments_key: SecretStr
        http_port: int

    settings = Renamed()
    assert settings.payments_key.get_secret_value() == "dotenv-api-key-1234"
    assert settings.http_port == 8000


def test_a_mapping_to_an_undeclared_key_is_refused(app):
    class Wrong(SecretarySettings):
        secretary_mapping = {"payments_key": "payment_key"}
        payments_key: SecretStr | None = None

    with pytest.raises(SecretNotFoundError, match="secret `payment_key`"):
        Wrong()


def test_the_source_plugs_into_a_base_settings_of_ones_own(app):
    manager = SecretManager(variables={"API_KEY": "given-to-the-source", "DATABASE_URL": "postgresql://db/x"})

    class Own(BaseSettings):
        api_key: SecretStr
        debug: bool = True

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, **others):
            return (init_settings, SecretarySettingsSource(settings_cls, manager=manager))

    settings = Own()
    assert settings.api_key.get_secret_value() == "given-to-the-source"
    assert settings.debug is False


def test_mapping_names_must_be_fields(app):
    with pytest.raises(TypeError, match="does not have: nope"):
        SecretarySettingsSource(Settings, mapping={"nope": "api_key"})


def test_a_field_read_through_alias_choices_gets_its_secret(app):
    # A forty-sixth adversarial pass: the secret was handed over under the field's name,
    # which pydantic never reads for an AliasChoices; the field kept its default.
    class Chosen(SecretarySettings):
        model_config = pydantic_settings.SettingsConfigDict(extra="ignore")
        api_key: SecretStr = Field(SecretStr("dev-default"), validation_alias=pydantic.AliasChoices("KEY", "API"))
        port: int = Field(1, validation_alias=pydantic.AliasChoices(pydantic.AliasPath("port"), "P"))

    settings = Chosen()
    assert settings.api_key.get_secret_value() == "dotenv-api-key-1234"
    assert settings.port == 8000


def test_a_field_read_only_through_a_path_is_refused(app):
    class Nested(SecretarySettings):
        api_key: SecretStr = Field(SecretStr("dev-default"), validation_alias=pydantic.AliasPath("auth", "key"))

    with pytest.raises(TypeError, match=r"field `api_key` of Nested reads its input only through a path"):
        Nested()


def test_a_model_that_validates_by_name_only_gets_its_secrets_under_their_names(app):
    # A forty-seventh adversarial pass: with `validate_by_alias=False` the secrets were
    # handed over under the aliases, which pydantic then ignored: defaults, silently.
    class ByName(SecretarySettings):
        model_config = pydantic_settings.SettingsConfigDict(
            hide_input_in_errors=True, validate_by_alias=False, validate_by_name=True, extra="ignore"
        )
        api_key: SecretStr = Field(SecretStr("dev-default"), alias="API_KEY_ALIAS")
        port: int = Field(1, validation_alias="P")

    settings = ByName()
    assert settings.api_key.get_secret_value() == "dotenv-api-key-1234"
    assert settings.port == 8000
