"""Every access from Python is in the audit log, as from Rust and the command line, and
the log never holds a value."""

import json

import pytest

from secretary import AuditLogError, SecretManager, SecretNotFoundError


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_access_is_recorded_even_a_cached_one(app):
    log = app.dir / "audit.log"
    manager = SecretManager(audit_log="audit.log")
    manager.get("api_key")
    manager.get("api_key")
    manager.get_secret("api_key")
    manager.get_optional("sentry_dsn")
    assert [(line["event"], line["key"], line["outcome"]) for line in lines(log)] == [
        ("resolve", "api_key", "ok"),
        ("get", "api_key", "ok"),
        ("get", "api_key", "ok"),
        ("get", "api_key", "ok"),
        ("resolve", "sentry_dsn", "unset"),
        ("get", "sentry_dsn", "unset"),
    ]
    first = lines(log)[1]
    assert first["source"] == "dotenv" and first["locator"].endswith(".env:2")
    assert first["environment"] == "development"


def test_validate_refresh_and_load_are_recorded_for_every_secret(app):
    log = app.dir / "audit.log"
    manager = SecretManager(audit_log=log)
    manager.validate()
    manager.refresh()
    manager.load()
    events = [(line["event"], line["key"]) for line in lines(log)]
    keys = ["database_url", "api_key", "port", "debug", "sentry_dsn"]
    assert events == [("validate", k) for k in keys] + [("resolve", k) for k in keys] + [("validate", k) for k in keys]


def test_failed_reads_are_recorded_with_their_outcome(app):
    app.write_dotenv("DATABASE_URL=postgresql://db/app\n")
    log = app.dir / "audit.log"
    manager = SecretManager(audit_log=log)
    with pytest.raises(SecretNotFoundError):
        manager.get("api_key")
    assert [(line["event"], line["outcome"]) for line in lines(log)] == [("resolve", "missing"), ("get", "missing")]


def test_the_manifests_audit_table_is_used_without_the_argument(app):
    app.write_manifest(app.manifest.read_text() + '\n[audit]\nfile = "from-manifest.log"\n')
    SecretManager().get("api_key")
    assert [line["event"] for line in lines(app.dir / "from-manifest.log")] == ["resolve", "get"]


def test_a_dash_writes_to_stderr(app, capfd):
    SecretManager(audit_log="-").get("api_key")
    err = capfd.readouterr().err
    assert [json.loads(line)["event"] for line in err.splitlines()] == ["resolve", "get"]


def test_fingerprints_identify_a_value_without_holding_it(app, monkeypatch):
    monkeypatch.setenv("SECRETARY_AUDIT_KEY", "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ")
    log = app.dir / "audit.log"
    SecretManager(audit_log=log).get("api_key")
    record = lines(log)[-1]
    assert record["fingerprint"].startswith("hmac-sha256:")
    text = log.read_text()
    assert "dotenv-api-key-1234" not in text and "b3BlcmF0b3Ita2V5LWZvci10aGUtYXVkaXQtbG9nIQ" not in text


def test_an_audit_log_that_cannot_be_opened_stops_the_manager(app):
    with pytest.raises(AuditLogError, match="cannot open the audit log"):
        SecretManager(audit_log=app.dir / "no-such-dir" / "audit.log")


def test_the_audit_log_is_private_to_its_owner(app):
    log = app.dir / "audit.log"
    SecretManager(audit_log=log).get("api_key")
    assert log.stat().st_mode & 0o777 == 0o600
