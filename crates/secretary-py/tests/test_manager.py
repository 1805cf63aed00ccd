"""``SecretManager`` as an application uses it: finding the manifest and environment,
reading values, the cache and ``os.environ``, validation, rotation, metadata."""

import logging
import os
import pathlib
import time

import pytest

import secretary
from secretary import (
    InvalidSecretError,
    ManifestError,
    Report,
    SecretaryError,
    SecretInfo,
    SecretManager,
    SecretNotFoundError,
    SecretValidationError,
    SourceError,
    UnknownEnvironmentError,
)

# --- finding the manifest and the environment, as the command line does


def test_the_manifest_is_found_in_the_working_directory_or_a_parent(app, monkeypatch):
    deep = app.dir / "src" / "api"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    manager = SecretManager()
    assert manager.manifest_path == app.manifest
    assert manager.manifest == "../../secrets.toml" or manager.manifest == str(app.manifest)
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"


def test_secretary_manifest_names_it_and_manifest_wins_over_both(app, tmp_path_factory, monkeypatch):
    other = tmp_path_factory.mktemp("other")
    (other / "secrets.toml").write_text('version = 1\n[secrets.token]\nrequired = true\n')
    monkeypatch.setenv("SECRETARY_MANIFEST", str(other / "secrets.toml"))
    assert list(SecretManager().list_secrets()) == ["token"]
    assert SecretManager(manifest="secrets.toml").manifest_path == app.manifest
    assert SecretManager(manifest=app.manifest).manifest == "secrets.toml"


def test_no_manifest_anywhere_is_a_manifest_error_saying_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRETARY_MANIFEST", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError, match="no secrets.toml found") as raised:
        SecretManager()
    assert "SECRETARY_MANIFEST" in str(raised.value)


def test_a_broken_manifest_reports_every_finding_with_its_line(app):
    app.write_manifest('version = 1\n[secrets.Bad_Key]\ndescription = "x"\n[secrets.token]\ndefault = "abc"\n')
    with pytest.raises(ManifestError) as raised:
        SecretManager()
    message = str(raised.value)
    assert "secrets.toml is not a valid manifest" in message
    assert "(2 errors)" in message
    assert "secrets.toml:2:" in message and "secrets.toml:5:" in message, message
    assert raised.value.path == "secrets.toml"


def test_the_environment_comes_from_the_argument_then_the_variables_then_the_default(app, monkeypatch):
    assert SecretManager().environment == "development"
    monkeypatch.setenv("ENVIRONMENT", "strict")
    assert SecretManager().environment == "strict"
    assert SecretManager(environment="development").environment == "development"


def test_an_undefined_environment_lists_the_defined_ones(app):
    with pytest.raises(UnknownEnvironmentError) as raised:
        SecretManager(environment="prod")
    assert isinstance(raised.value, ManifestError)
    assert "environment `prod` (chosen by the environment argument)" in str(raised.value)
    assert "development, strict" in str(raised.value)
    assert raised.value.environment == "prod"


def test_variables_replace_the_process_environment(app, monkeypatch):
    monkeypatch.setenv("API_KEY", "process-api-key")
    manager = SecretManager(variables={"API_KEY": "given-api-key-99"})
    assert manager.get_secret("api_key") == "given-api-key-99"
    assert SecretManager(variables=os.environ).get_secret("api_key") == "process-api-key"
    with pytest.raises(TypeError, match="variables must map names"):
        SecretManager(variables={"API_KEY": 1})


# --- reading


def test_get_returns_a_secret_and_get_secret_its_text(app):
    manager = SecretManager()
    assert repr(manager.get("database_url")) == "[redacted]"
    assert manager.get("database_url").expose() == "postgresql://app:dotenv-password@db/app"
    assert manager.get_secret("database_url") == "postgresql://app:dotenv-password@db/app"
    assert manager.get_secret("port") == "8000", "a default of a non-secret value"


def test_an_optional_secret_that_is_not_set(app):
    manager = SecretManager()
    assert manager.get_secret("sentry_dsn") is None
    assert manager.get_secret("sentry_dsn", "https://fallback") == "https://fallback"
    assert manager.get_optional("sentry_dsn") is None
    with pytest.raises(SecretNotFoundError) as raised:
        manager.get("sentry_dsn")
    assert raised.value.code == "unset"
    assert "get_secret(key, default)" in raised.value.fix


def test_a_missing_required_secret_names_key_and_description_whatever_the_default(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\n")
    manager = SecretManager()
    for call in (lambda: manager.get_secret("api_key", "a-default"), lambda: manager.get("api_key")):
        with pytest.raises(SecretNotFoundError) as raised:
            call()
        error = raised.value
        assert (error.key, error.description, error.code) == ("api_key", "Payment API key", "missing")
        assert error.looked == ("env:API_KEY", "dotenv:.env")
        assert "secret `api_key` (Payment API key) in environment `development`: required but not set" in str(error)
        assert "looked in:   env:API_KEY, dotenv:.env" in str(error)
        assert "set API_KEY in the environment, or add `API_KEY=...` to .env" in str(error)
        assert isinstance(error, LookupError) and isinstance(error, SecretaryError)


def test_an_undeclared_key_raises_and_suggests_the_closest(app):
    manager = SecretManager()
    for call in (manager.get, manager.get_secret, manager.get_optional, secretary.get_secret):
        with pytest.raises(SecretNotFoundError) as raised:
            call("api_kee")
        assert raised.value.key == "api_kee"
        assert raised.value.code == "undeclared"
        assert "did you mean `api_key`?" in str(raised.value)


def test_an_invalid_value_names_where_it_came_from_never_the_value(app):
    app.write_dotenv("DATABASE_URL=mysql://app:hunter2-secret@db/app\nAPI_KEY=short\n")
    manager = SecretManager()
    with pytest.raises(InvalidSecretError) as raised:
        manager.get_secret("database_url")
    error = raised.value
    assert (error.key, error.source, error.locator, error.code) == (
        "database_url",
        "dotenv",
        "dotenv:.env:1",
        "invalid",
    )
    assert isinstance(error, ValueError)
    assert "hunter2" not in str(error) and "mysql" not in str(error)
    with pytest.raises(InvalidSecretError, match="shorter than 8 characters"):
        manager.get("api_key")


def test_a_placeholder_is_invalid_where_the_environment_forbids_them(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\nAPI_KEY=your-api-key-here\n")
    assert SecretManager().get_secret("api_key") == "your-api-key-here"
    with pytest.raises(InvalidSecretError) as raised:
        SecretManager(environment="strict").get_secret("api_key")
    assert raised.value.code == "placeholder"
    assert "your-api-key-here" not in str(raised.value)


def test_a_failed_source_is_a_source_error_not_an_absence(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\nthis line has no equals sign\n")
    with pytest.raises(SourceError) as raised:
        SecretManager().get_secret("api_key")
    assert raised.value.source == "dotenv"
    assert ".env has 1 malformed line: line 2" in str(raised.value)


# --- the cache, and os.environ


def test_values_are_cached_until_clear_cache_and_then_os_environ_is_read_again(app, monkeypatch):
    monkeypatch.setenv("API_KEY", "first-api-key")
    manager = SecretManager()
    assert manager.get_secret("api_key") == "first-api-key"
    monkeypatch.setenv("API_KEY", "second-api-key")
    assert manager.get_secret("api_key") == "first-api-key"
    manager.clear_cache()
    assert manager.get_secret("api_key") == "second-api-key"
    monkeypatch.delenv("API_KEY")
    manager.clear_cache()
    assert manager.get_secret("api_key") == "dotenv-api-key-1234", "the .env behind it"


def test_a_variable_set_after_the_manager_was_made_is_seen_at_the_first_read(app, monkeypatch):
    manager = SecretManager()
    monkeypatch.setenv("SENTRY_DSN", "https://sentry/1")
    assert manager.get_secret("sentry_dsn") == "https://sentry/1"


def test_a_changed_dotenv_file_is_read_after_clear_cache(app):
    manager = SecretManager()
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"
    app.write_dotenv(DOTENV_ROTATED)
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"
    manager.clear_cache()
    assert manager.get_secret("api_key") == "rotated-api-key-5678"


DOTENV_ROTATED = "DATABASE_URL=postgresql://app:dotenv-password@db/app\nAPI_KEY=rotated-api-key-5678\n"


# --- validation


def test_validate_returns_where_every_secret_came_from(app, monkeypatch):
    monkeypatch.setenv("API_KEY", "from-the-environment")
    report = SecretManager().validate()
    assert isinstance(report, Report)
    assert (report.environment, report.manifest, len(report), report.set_count) == (
        "development",
        "secrets.toml",
        5,
        4,
    )
    rows = {r.key: (r.state, r.source, r.locator) for r in report}
    assert rows == {
        "database_url": ("ok", "dotenv", "dotenv:.env:1"),
        "api_key": ("ok", "env", "env:API_KEY"),
        "port": ("ok", "default", "default"),
        "debug": ("ok", "default", "default"),
        "sentry_dsn": ("unset", None, None),
    }
    assert report["api_key"].required and report["api_key"].sensitive
    assert report.warnings == ()
    with pytest.raises(KeyError):
        report["nope"]


def test_validate_raises_once_with_every_problem_as_check_prints_them(app):
    app.write_dotenv("DATABASE_URL=mysql://db/app\nPORT=99999\n")
    with pytest.raises(SecretValidationError) as raised:
        SecretManager().validate()
    error = raised.value
    message = str(error)
    assert message.splitlines()[0] == (
        "3 problems in environment `development` (secrets.toml): 2 invalid, 1 missing"
    )
    assert "[invalid] database_url: the value from dotenv:.env:1" in message
    assert "[missing] api_key: required but not set" in message
    assert "    description: Payment API key" in message
    assert "    looked in:   env:API_KEY, dotenv:.env" in message
    assert "[invalid] port: the value from dotenv:.env:2" in message
    assert [(p.key, p.code, type(p)) for p in error.problems] == [
        ("database_url", "invalid", InvalidSecretError),
        ("api_key", "missing", SecretNotFoundError),
        ("port", "invalid", InvalidSecretError),
    ]
    assert error.keys == ("database_url", "api_key", "port")
    assert error.environment == "development"


def test_validate_reports_warnings_and_logs_them(app, caplog):
    (app.dir / ".env").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="secretary"):
        report = SecretManager().validate()
    assert report.warnings == (".env is readable by group or others (mode 0644); run `chmod 600 .env`",)
    assert caplog.messages == list(report.warnings)
    app.write_dotenv("DATABASE_URL=postgresql://db/app\n")
    (app.dir / ".env").chmod(0o644)
    with pytest.raises(SecretValidationError) as raised:
        SecretManager().validate()
    assert str(raised.value).endswith("warning: .env is readable by group or others (mode 0644); run `chmod 600 .env`")


def test_validate_secrets_answers_the_old_callers_without_raising(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\n")
    assert SecretManager().validate_secrets() == {
        "database_url": True,
        "api_key": False,
        "port": True,
        "debug": True,
        "sentry_dsn": True,
    }


def test_load_gives_every_set_secret_from_one_resolution(app):
    values = SecretManager().load()
    assert sorted(values) == ["api_key", "database_url", "debug", "port"]
    assert all(repr(v) == "[redacted]" for v in values.values())
    assert values["port"].expose() == "8000"


def test_list_secrets_gives_metadata_and_reads_no_source(app):
    app.write_dotenv("this line is broken\n")
    secrets = SecretManager().list_secrets()
    assert list(secrets) == ["database_url", "api_key", "port", "debug", "sentry_dsn"]
    info = secrets["database_url"]
    assert isinstance(info, SecretInfo)
    assert (info.key, info.description, info.required, info.sensitive, info.env, info.type) == (
        "database_url",
        "PostgreSQL connection URL",
        True,
        True,
        ("DATABASE_URL",),
        "url",
    )
    assert repr(info) == (
        "SecretInfo(key='database_url', type='url', required=True, sensitive=True, "
        "env=('DATABASE_URL',), description='PostgreSQL connection URL')"
    )


def test_repr_of_the_manager_names_manifest_and_environment(app):
    assert repr(SecretManager()) == "SecretManager(manifest='secrets.toml', environment='development')"


def test_a_manager_cannot_be_pickled(app):
    import pickle

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(SecretManager())


# --- rotation in-process


def test_refresh_rereads_and_on_change_hears_the_changed_keys(app):
    manager = SecretManager()
    heard: list[list[str]] = []
    assert manager.on_change(heard.append) == heard.append
    manager.validate()
    assert manager.refresh() == []
    app.write_dotenv(DOTENV_ROTATED)
    assert manager.refresh() == ["api_key"]
    assert heard == [["api_key"]]
    assert manager.get_secret("api_key") == "rotated-api-key-5678"
    assert manager.remove_on_change(heard.append)
    assert not manager.remove_on_change(heard.append)


def test_on_change_hears_a_reread_after_clear_cache(app, monkeypatch):
    manager = SecretManager()
    heard = []
    manager.on_change(heard.append)
    monkeypatch.setenv("API_KEY", "first-api-key")
    manager.get("api_key")
    monkeypatch.setenv("API_KEY", "second-api-key")
    manager.clear_cache()
    assert heard == []
    manager.get("api_key")
    assert heard == [["api_key"]]


def test_a_sources_ttl_expires_values_and_on_change_hears_of_it(app):
    app.write_manifest(MANIFEST_WITH_TTL)
    manager = SecretManager()
    heard = []
    manager.on_change(heard.append)
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"
    app.write_dotenv(DOTENV_ROTATED)
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"
    deadline = time.monotonic() + 10
    while manager.get_secret("api_key") != "rotated-api-key-5678":
        assert time.monotonic() < deadline, "the ttl never expired"
        time.sleep(0.05)
    assert heard == [["api_key"]]


MANIFEST_WITH_TTL = """\
version = 1
[sources.dotenv]
type = "dotenv"
files = [".env"]
ttl = "200ms"
[secrets.api_key]
required = true
"""


def test_a_failing_callback_is_logged_and_the_others_still_run(app, caplog):
    manager = SecretManager()
    heard = []

    @manager.on_change
    def broken(keys):
        raise RuntimeError("callback bug")

    manager.on_change(heard.append)
    manager.validate()
    app.write_dotenv(DOTENV_ROTATED)
    with caplog.at_level(logging.ERROR, logger="secretary"):
        assert manager.refresh() == ["api_key"]
    assert heard == [["api_key"]]
    assert "an on_change callback (" in caplog.text
    assert "RuntimeError" in caplog.text
    # Never the message: it may hold a value (a twenty-seventh adversarial pass logged
    # `int(secret)`'s, with the value in it).
    assert "callback bug" not in caplog.text


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_a_callback_that_asks_the_program_to_stop_is_not_swallowed(app, stop):
    # A twenty-sixth adversarial pass: Ctrl-C or sys.exit() in a callback was logged,
    # and refresh() returned normally.
    manager = SecretManager()
    heard = []

    @manager.on_change
    def stopping(keys):
        raise stop()

    # Registered after it, as the FastAPI lifespan's listener is: it still hears of the
    # change (a twenty-seventh pass: a change is taken once, and it was lost).
    manager.on_change(heard.append)
    manager.validate()
    app.write_dotenv(DOTENV_ROTATED)
    with pytest.raises(stop):
        manager.refresh()
    assert heard == [["api_key"]]
    assert manager.get_secret("api_key") == "rotated-api-key-5678"


def test_a_failing_callback_is_logged_where_it_raised_never_by_its_message(app, caplog):
    # A twenty-eighth adversarial pass: on Python 3.11 PyO3 keeps an error's traceback
    # apart from its value, and the value alone was logged "at an unknown place".
    manager = SecretManager()

    def parses(keys):
        int(manager.get_secret("api_key"))  # a ValueError quoting the value

    def exits(keys):
        raise SystemExit(0)

    manager.on_change(parses)
    manager.on_change(exits)
    manager.validate()
    app.write_dotenv(DOTENV_ROTATED)
    with caplog.at_level(logging.DEBUG), pytest.raises(SystemExit):
        manager.refresh()
    said = [record.getMessage() for record in caplog.records]
    for kind, callback in (("ValueError", parses), ("SystemExit", exits)):
        where = f"{callback.__code__.co_filename}:{callback.__code__.co_firstlineno + 1} in {callback.__name__}"
        assert any(f".{callback.__name__}) raised {kind} at {where};" in m for m in said), (where, said)
    assert "unknown place" not in caplog.text
    assert "rotated-api-key-5678" not in _shown(caplog.records)


def _shown(records: list[logging.LogRecord]) -> str:
    """All that a handler shows of ``records``: each message, with the exception and
    traceback it carries."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def test_on_change_takes_only_callables(app):
    with pytest.raises(TypeError, match="callable"):
        SecretManager().on_change("not callable")


# --- the shared manager and the module-level call


def test_get_secret_manager_is_one_shared_manager(app):
    first = secretary.get_secret_manager()
    assert secretary.get_secret_manager() is first
    secretary.get_secret_manager.cache_clear()
    assert secretary.get_secret_manager() is not first


def test_module_level_get_secret_keeps_the_old_call_sites_working(app):
    assert secretary.get_secret("api_key") == "dotenv-api-key-1234"
    assert secretary.get_secret("sentry_dsn") is None
    assert secretary.get_secret("sentry_dsn", default="x") == "x"
    with pytest.raises(SecretNotFoundError):
        secretary.get_secret("undeclared_key")


def test_the_manifest_path_is_absolute(app):
    path = SecretManager().manifest_path
    assert isinstance(path, pathlib.Path) and path.is_absolute()
