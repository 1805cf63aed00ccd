"""The canary sweep, from Python: a canary in every secret (and in the Vault token and the
audit key), then every call and every failing path; the canaries and their base64 never
appear in an exception (message, repr or attribute), a repr, a log record, the audit log
or the process's output."""

import base64
import logging
import uuid

import pydantic
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import Field, SecretStr
from typing import Annotated

import secretary
from conftest import clean_environment
from secretary import SecretaryError, SecretManager
from secretary.fastapi import lifespan
from secretary.pydantic import SecretarySettings

TOKEN = f"cnry{uuid.uuid4().hex[:20]}"


def canary(key: str) -> str:
    return f"{TOKEN}{key.replace('_', '')}"


VALUES = {
    "DATABASE_URL": f"postgresql://app:{canary('db')}@db/app",
    "API_KEY": canary("api_key"),
    "WEBHOOK_SECRET": canary("webhook"),
    "SIGNING_KEY": f"{canary('signing')}-padding-to-32-characters",
}

MANIFEST = """\
version = 1
[sources.env]
type = "env"
[sources.dotenv]
type = "dotenv"
files = [".env"]
[sources.vault]
type = "vault"
[environments.development]
sources = ["env", "dotenv"]
[environments.strict]
sources = ["env", "dotenv"]
forbid_placeholders = true
[environments.production]
sources = ["vault", "env"]

[secrets.database_url]
description = "PostgreSQL connection URL"
required = true
type = "url"
schemes = ["postgresql"]
[secrets.api_key]
description = "Payment API key"
required = true
[secrets.webhook_secret]
description = "Webhook signing secret"
required = true
pattern = "[a-z]+"
[secrets.signing_key]
description = "Session signing key"
required = true
min_length = 32
[secrets.port]
type = "port"
sensitive = false
default = "8000"
"""


class Observed:
    """Everything a user or an operator can see."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *values: object) -> None:
        for value in values:
            self.texts.append(repr(value))
            self.texts.append(str(value))
            if isinstance(value, BaseException):
                self.texts.append(repr(value.args))
                for name, attribute in vars(value).items():
                    self.texts.append(f"{name}={attribute!r}")
                for problem in getattr(value, "problems", ()):
                    self.add(problem)
                if value.__cause__ is not None:
                    self.add(value.__cause__)

    def expect_error(self, call, kind=Exception):
        with pytest.raises(kind) as raised:
            call()
        self.add(raised.value)
        return raised.value


# Every other value a test writes somewhere, each forbidden in what is seen.
OTHER_VALUES: set[str] = set()


def forbid(*values: str) -> None:
    OTHER_VALUES.update(values)


def forbidden() -> list[str]:
    words = [TOKEN]
    for value in [*VALUES.values(), *OTHER_VALUES]:
        words.append(value)
        words.append(base64.b64encode(value.encode()).decode())
        words.append(base64.urlsafe_b64encode(value.encode()).decode().rstrip("="))
    return words


@pytest.fixture
def world(tmp_path, monkeypatch, caplog, capfd):
    clean_environment(monkeypatch, tmp_path)
    (tmp_path / "secrets.toml").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    # Both letter cases, as a generated key has: a key of one case is refused as typed.
    monkeypatch.setenv("SECRETARY_AUDIT_KEY", canary("AuditKey"))
    forbid(canary("AuditKey"))
    caplog.set_level(logging.DEBUG)
    observed = Observed()
    yield tmp_path, observed
    out, err = capfd.readouterr()
    observed.texts += [out, err, caplog.text]
    observed.texts += [record.getMessage() for record in caplog.records]
    observed.texts += [record.exc_text or "" for record in caplog.records]
    audit = tmp_path / "audit.log"
    observed.texts.append(audit.read_text() if audit.exists() else "")
    assert audit.exists(), "the sweep reads the audit log too"
    seen = "\n".join(observed.texts)
    leaks = [word for word in forbidden() if word in seen]
    assert leaks == [], f"values leaked: {leaks}"


def write_env(directory, lines: dict[str, str]) -> None:
    path = directory / ".env"
    path.write_text("".join(f"{name}='{value}'\n" for name, value in lines.items()))
    path.chmod(0o600)


def test_successful_calls_show_no_value(world):
    directory, observed = world
    write_env(directory, {**VALUES, "WEBHOOK_SECRET": "lowercaseonly"})
    manager = SecretManager(audit_log="audit.log")
    secret = manager.get("api_key")
    assert secret.expose() == VALUES["API_KEY"]
    observed.add(manager, secret, f"{secret}", "%s" % secret, manager.get_optional("signing_key"))
    observed.add(manager.validate(), *manager.validate(), manager.validate_secrets())
    observed.add(manager.load(), manager.list_secrets(), *manager.list_secrets().values())
    observed.add(manager.refresh(), manager.get_secret("port"))
    logging.getLogger("app").info("connecting with %s, key %r", manager.get("database_url"), secret)

    class Settings(SecretarySettings):
        database_url: SecretStr
        api_key: SecretStr
        port: int

        @classmethod
        def secretary_manager(cls):
            return manager

    settings = Settings()
    observed.add(settings, settings.model_dump(), settings.model_dump_json())


def test_failing_paths_show_no_value(world):
    directory, observed = world
    # Every value invalid for its secret, each with its canary.
    write_env(
        directory,
        {
            "DATABASE_URL": f"mysql://{canary('db')}@db/app",
            "API_KEY": f"change-me-{canary('api_key')}",
            "WEBHOOK_SECRET": canary("webhook"),
            "SIGNING_KEY": canary("signing")[:20],
            "PORT": canary("port"),
        },
    )
    forbid(f"mysql://{canary('db')}@db/app", f"change-me-{canary('api_key')}", canary("signing")[:20], canary("port"))
    manager = SecretManager(audit_log="audit.log")
    for key in ("database_url", "webhook_secret", "signing_key", "port"):
        observed.expect_error(lambda: manager.get(key), secretary.InvalidSecretError)
        observed.expect_error(lambda: manager.get_secret(key), secretary.InvalidSecretError)
    observed.expect_error(manager.validate, secretary.SecretValidationError)
    observed.expect_error(manager.load, secretary.SecretValidationError)
    observed.expect_error(manager.refresh, secretary.SecretValidationError)
    observed.add(manager.validate_secrets())
    strict = SecretManager(environment="strict", audit_log="audit.log")
    observed.expect_error(lambda: strict.get("api_key"), secretary.InvalidSecretError)
    observed.expect_error(strict.validate, secretary.SecretValidationError)

    # Start-up of a web application with the broken values.
    app = FastAPI(lifespan=lifespan(manager=manager))
    observed.expect_error(lambda: TestClient(app).__enter__(), secretary.SecretValidationError)


def test_malformed_files_show_no_value(world):
    directory, observed = world
    (directory / ".env").write_text(f"API_KEY={canary('api_key')}\n{canary('webhook')} no equals sign\nDATABASE_URL=\"{canary('db')}\n")
    (directory / ".env").chmod(0o600)
    forbid(f"{canary('webhook')} no equals sign", f'"{canary("db")}')
    manager = SecretManager(audit_log="audit.log")
    observed.expect_error(lambda: manager.get("api_key"), secretary.SourceError)
    observed.expect_error(manager.validate, secretary.SecretValidationError)
    # A manifest holding a would-be secret where it must not.
    (directory / "secrets.toml").write_text(
        MANIFEST + f'[secrets.leaky]\ndefault = "{canary("default")}"\n[secrets.typo]\nrequired = "{canary("typo")}"\n'
    )
    forbid(canary("default"), canary("typo"))
    observed.expect_error(SecretManager, secretary.ManifestError)
    (directory / "secrets.toml").write_text(MANIFEST + f'[secrets.leaky]\ndefault = "{canary("default")}"\n')
    observed.expect_error(SecretManager, secretary.ManifestError)


def test_vault_failures_show_no_value_and_no_token(world, openbao, monkeypatch):
    directory, observed = world
    environment = f"c{uuid.uuid4().hex[:10]}"
    (directory / "secrets.toml").write_text(MANIFEST.replace("[environments.production]", f"[environments.{environment}]"))
    openbao.kv_put(f"{environment}/database_url", value=f"mysql://{canary('db')}@vault/app")
    openbao.kv_put(f"{environment}/api_key", value=canary("api_key"))
    forbid(f"mysql://{canary('db')}@vault/app")
    monkeypatch.setenv("VAULT_ADDR", openbao.address)
    monkeypatch.setenv("VAULT_TOKEN", openbao.token)
    manager = SecretManager(environment=environment, audit_log="audit.log")
    observed.expect_error(lambda: manager.get("database_url"), secretary.InvalidSecretError)
    assert manager.get_secret("api_key") == canary("api_key")
    observed.expect_error(manager.validate, secretary.SecretValidationError)
    # A token that is refused: it is a credential, and never shown either.
    monkeypatch.setenv("VAULT_TOKEN", canary("token"))
    forbid(canary("token"))
    refused = SecretManager(environment=environment, audit_log="audit.log")
    observed.expect_error(lambda: refused.get("api_key"), secretary.SourceError)
    observed.expect_error(refused.validate, secretary.SecretValidationError)


def test_pydantic_failures_show_no_sensitive_value(world):
    directory, observed = world
    write_env(directory, {**VALUES, "WEBHOOK_SECRET": "lowercaseonly"})

    class Strict(SecretarySettings):
        api_key: Annotated[SecretStr, Field(min_length=200)]
        signing_key: Annotated[SecretStr, Field(max_length=3)]

        @classmethod
        def secretary_manager(cls):
            return SecretManager(audit_log="audit.log")

    error = observed.expect_error(Strict, pydantic.ValidationError)
    observed.add(error.errors(include_url=False), error.json())


def test_every_exception_class_was_swept():
    swept = {
        secretary.InvalidSecretError,
        secretary.SecretValidationError,
        secretary.SourceError,
        secretary.ManifestError,
        secretary.SecretNotFoundError,
    }
    untested_here = {secretary.AuditLogError, secretary.UnknownEnvironmentError}
    assert swept | untested_here | {SecretaryError} == {getattr(secretary, n) for n in secretary.errors.__all__}
