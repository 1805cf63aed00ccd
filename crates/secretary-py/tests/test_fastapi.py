"""``secretary.fastapi.lifespan``: validation at start-up, state for the application, and
rotation while it runs."""

import asyncio
import contextlib
import contextvars
import gc
import logging
import threading
import time
import traceback
import types
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import Json, SecretStr, TypeAdapter, field_validator

from secretary import SecretaryError, SecretManager, SecretValidationError, get_secret_manager
from secretary import fastapi as secretary_fastapi
from secretary.fastapi import lifespan
from secretary.pydantic import SecretarySettings

ROTATED = "DATABASE_URL=postgresql://app:dotenv-password@db/app\nAPI_KEY=rotated-api-key-5678\n"


class Settings(SecretarySettings):
    api_key: SecretStr
    port: int


def make_app(**options) -> FastAPI:
    app = FastAPI(lifespan=lifespan(**options))

    @app.get("/state")
    def state(request: Request):
        report = request.app.state.secret_report
        return {
            "environment": report.environment,
            "secrets": len(report),
            "sources": {r.key: r.locator for r in report},
            "port": request.app.state.settings.port if hasattr(request.app.state, "settings") else None,
            "changes": list(request.app.state.secret_changes.keys),
        }

    return app


def test_start_up_validates_and_leaves_manager_report_and_settings_on_the_state(app):
    application = make_app(settings=Settings)
    with TestClient(application) as client:
        body = client.get("/state").json()
        assert isinstance(application.state.secrets, SecretManager)
        assert application.state.settings.api_key.get_secret_value() == "dotenv-api-key-1234"
    assert body == {
        "environment": "development",
        "secrets": 5,
        "sources": {
            "database_url": "dotenv:.env:1",
            "api_key": "dotenv:.env:2",
            "port": "default",
            "debug": "default",
            "sentry_dsn": None,
        },
        "port": 8000,
        "changes": [],
    }


def test_start_up_fails_with_the_full_report(app):
    app.write_dotenv("DATABASE_URL=mysql://db/app\n")
    with pytest.raises(SecretValidationError) as raised:
        with TestClient(make_app()):
            pass
    assert "2 problems in environment `development`" in str(raised.value)
    assert "[missing] api_key: required but not set" in str(raised.value)


def test_a_manifest_error_stops_the_start_up_too(app):
    app.write_manifest("version = 2\n")
    from secretary import ManifestError

    with pytest.raises(ManifestError):
        with TestClient(make_app(manager=SecretManager)):
            pass


def test_a_rotation_reaches_the_running_application(app, caplog):
    application = make_app(settings=Settings, refresh_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application) as client:
        assert client.get("/state").json()["changes"] == []
        app.write_dotenv(ROTATED)
        deadline = time.monotonic() + 10
        while client.get("/state").json()["changes"] != ["api_key"]:
            assert time.monotonic() < deadline, "the rotation never reached the application"
            time.sleep(0.05)
        assert application.state.settings.api_key.get_secret_value() == "rotated-api-key-5678"
    assert "secretary: secrets changed: api_key" in caplog.messages
    assert "rotated-api-key-5678" not in caplog.text


def test_a_failed_reread_keeps_the_values_in_use_and_says_so_once(app, caplog):
    application = make_app(settings=Settings, refresh_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application) as client:
        app.write_dotenv("this line is broken\n")
        deadline = time.monotonic() + 10
        while not any("re-reading the secrets failed" in m for m in caplog.messages):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)
        assert client.get("/state").json()["sources"]["api_key"] == "dotenv:.env:2"
        assert application.state.settings.api_key.get_secret_value() == "dotenv-api-key-1234"
        app.write_dotenv(ROTATED)
        while not any("works again" in m for m in caplog.messages):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert sum("re-reading the secrets failed" in m for m in caplog.messages) == 1


def test_a_rotation_beside_a_failure_reaches_the_settings_once_everything_reads(app, caplog):
    # The re-read that found the rotation raised (another secret invalid in the same
    # write): the rotated key was cached all the same, so the next re-read found no
    # change, and the settings kept the old key for good while the lifespan said it was
    # fresh again (a seventeenth adversarial pass).
    application = make_app(settings=Settings, refresh_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application) as client:
        refresh = application.state.secret_refresh
        report = application.state.secret_report
        app.write_dotenv(ROTATED + "PORT=not-a-port\n")
        deadline = time.monotonic() + 10
        while not refresh.stale:
            assert time.monotonic() < deadline, "the failed re-read was never reported"
            time.sleep(0.05)
        # Not said while the settings still hold the old key.
        assert client.get("/state").json()["changes"] == []
        assert application.state.settings.api_key.get_secret_value() == "dotenv-api-key-1234"
        app.write_dotenv(ROTATED)
        while refresh.stale:
            assert time.monotonic() < deadline, "the re-read never worked again"
            time.sleep(0.05)
        assert application.state.settings.api_key.get_secret_value() == "rotated-api-key-5678"
        assert application.state.secret_report is not report, "the report was not made again"
        assert application.state.secret_changes.count == 1
        assert list(application.state.secret_changes.keys) == ["api_key"]
    assert "secretary: secrets changed: api_key" in caplog.messages
    assert "rotated-api-key-5678" not in caplog.text


def test_a_change_another_caller_found_reaches_the_settings(app):
    # A re-read between ticks (here the application's own refresh(); a get() after a
    # ttl, or a lease re-issued in the background, alike) cached the new value first, so
    # the lifespan's next re-read found nothing and the settings stayed old.
    application = make_app(settings=Settings, refresh_interval=0.5)
    with TestClient(application):
        app.write_dotenv(ROTATED)
        assert application.state.secrets.refresh() == ["api_key"]
        deadline = time.monotonic() + 10
        while application.state.settings.api_key.get_secret_value() != "rotated-api-key-5678":
            assert time.monotonic() < deadline, "the settings never saw the change"
            time.sleep(0.05)
        assert list(application.state.secret_changes.keys) == ["api_key"]


class StrictSettings(Settings):
    @field_validator("api_key")
    @classmethod
    def from_dotenv(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("dotenv-"):
            raise ValueError("not the dotenv's key")
        return value


def test_settings_that_fail_on_a_reread_leave_the_loop_running_and_say_stale(app, caplog):
    # A settings class that raised on a re-read (pydantic's ValidationError) once ended
    # the loop silently, leaving stale settings for the life of the process (issue 25,
    # item 9). pydantic's message quotes the input: it must not reach the log.
    application = make_app(settings=StrictSettings, refresh_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application):
        refresh = application.state.secret_refresh
        assert not refresh.stale
        app.write_dotenv(ROTATED)
        deadline = time.monotonic() + 10
        # Stale from the change at once, then for the settings that failed.
        while refresh.reason != "ValidationError in the settings (fields: api_key)":
            assert time.monotonic() < deadline, "the failed settings were never reported"
            time.sleep(0.05)
        assert refresh.stale
        assert refresh.since is not None
        assert application.state.settings.api_key.get_secret_value() == "dotenv-api-key-1234"
        time.sleep(0.3)  # several more ticks: still stale, still said once
        assert refresh.stale
        app.write_dotenv(ROTATED.replace("rotated-api-key-5678", "dotenv-api-key-9999"))
        while refresh.stale:
            assert time.monotonic() < deadline, "the refresh loop stopped after the failure"
            time.sleep(0.05)
        assert application.state.settings.api_key.get_secret_value() == "dotenv-api-key-9999"
    assert "rotated-api-key-5678" not in caplog.text
    assert sum("re-reading the secrets failed" in m for m in caplog.messages) == 1
    assert "secretary: re-reading the secrets works again" in caplog.messages


def test_the_applications_own_lifespan_runs_inside(app):
    from contextlib import asynccontextmanager

    entered = []

    @asynccontextmanager
    async def own(application):
        entered.append(hasattr(application.state, "secrets"))
        yield
        entered.append("left")

    with TestClient(make_app(then=own)) as client:
        client.get("/state")
    assert entered == [True, "left"]


def test_a_start_up_that_fails_closes_the_manager_at_once():
    class Manager:
        closed = False

        def validate(self):
            return object()

        def on_change(self, callback):
            return callback

        def remove_on_change(self, callback):
            return True

        def close(self):
            Manager.closed = True

    def settings():
        raise RuntimeError("settings that do not build")

    application = FastAPI(lifespan=lifespan(manager=Manager, settings=settings))
    with pytest.raises(SecretaryError, match="RuntimeError in the settings"):
        with TestClient(application):
            pass
    assert Manager.closed


def test_settings_that_fail_at_start_up_never_show_their_message(app, caplog):
    # A twenty-eighth adversarial pass: pydantic's message quotes the input, and the
    # server prints a start-up's failure with its whole traceback (Starlette sends
    # `traceback.format_exc()` as `lifespan.startup.failed`; uvicorn logs it).
    class Wrong(SecretarySettings):
        api_key: SecretStr
        port: int

        @field_validator("api_key")
        @classmethod
        def known(cls, value: SecretStr) -> SecretStr:
            raise ValueError(f"unknown key {value.get_secret_value()}")

    with caplog.at_level(logging.DEBUG), pytest.raises(SecretaryError) as raised:
        with TestClient(make_app(settings=Wrong)):
            pass
    shown = "".join(traceback.format_exception(raised.value))
    assert "ValidationError in the settings" in str(raised.value)
    assert "api_key" in str(raised.value)
    assert "dotenv-api-key-1234" not in shown
    assert "dotenv-api-key-1234" not in caplog.text


def test_a_settings_class_that_cannot_hold_the_secrets_says_why_at_start_up(app):
    # secretary's own refusal names fields and keys, never a value: shown as it is.
    class Leaky(SecretarySettings):
        api_key: str

    with pytest.raises(TypeError, match="field `api_key` of Leaky holds the sensitive secret"):
        with TestClient(make_app(settings=Leaky)):
            pass


@pytest.mark.parametrize("interval", [0, -1, -0.5, float("nan"), float("inf"), float("-inf")])
def test_refresh_interval_must_be_a_finite_number_above_zero(interval):
    # A twenty-sixth adversarial pass: NaN (every comparison with it is false) and
    # infinity passed a check that was `<= 0` alone.
    with pytest.raises(ValueError, match="refresh_interval must be a finite number of seconds above zero"):
        lifespan(refresh_interval=interval)


def test_refresh_interval_must_be_a_number():
    with pytest.raises(TypeError, match="refresh_interval must be a number of seconds"):
        lifespan(refresh_interval="60")
    lifespan(refresh_interval=1)  # an int is seconds too


def test_a_change_marks_the_settings_stale_at_once_until_they_are_made_again(app):
    # A twenty-second adversarial pass: a change found between ticks (a get() after a
    # ttl, a lease re-issued, the application's own refresh()) left `stale` False beside
    # settings that held the rotated-out value, until the next tick; without
    # refresh_interval, for good.
    for interval in (0.5, None):
        application = make_app(settings=Settings, refresh_interval=interval)
        with TestClient(application):
            refresh = application.state.secret_refresh
            assert not refresh.stale
            app.write_dotenv(ROTATED)
            assert application.state.secrets.refresh() == ["api_key"]
            assert refresh.stale, interval
            assert refresh.reason.startswith("changed: api_key;"), refresh.reason
            assert "rotated-api-key-5678" not in refresh.reason
            if interval is None:
                assert "for good" in refresh.reason
                continue
            deadline = time.monotonic() + 10
            while refresh.stale:
                assert time.monotonic() < deadline, "the settings were never made again"
                time.sleep(0.05)
            assert application.state.settings.api_key.get_secret_value() == "rotated-api-key-5678"
        app.write_dotenv(ROTATED.replace("rotated-api-key-5678", "dotenv-api-key-1234"))


class ExitingSettings(Settings):
    @field_validator("api_key")
    @classmethod
    def exits(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value().startswith("rotated-"):
            raise SystemExit(3)
        return value


def test_a_settings_class_that_exits_neither_ends_the_loop_nor_skips_the_close(app, caplog):
    # A twenty-second adversarial pass: `sys.exit()` in a settings class (a BaseException,
    # not an Exception) ended the refresh loop unseen, and its re-raise at shutdown
    # skipped closing the manager, so leases lived on.
    class Tracking:
        closed = False

        def __init__(self):
            self._real = get_secret_manager()

        def __getattr__(self, name):
            return getattr(self._real, name)

        def close(self):
            Tracking.closed = True
            self._real.close()

    application = make_app(manager=Tracking, settings=ExitingSettings, refresh_interval=0.05)
    with caplog.at_level(logging.WARNING, logger="secretary"), TestClient(application):
        refresh = application.state.secret_refresh
        app.write_dotenv(ROTATED)
        deadline = time.monotonic() + 10
        while refresh.reason != "SystemExit in the settings (or in an on_change callback)":
            assert time.monotonic() < deadline, "the exit was never reported"
            time.sleep(0.05)
        app.write_dotenv(ROTATED.replace("rotated-api-key-5678", "dotenv-api-key-9999"))
        while refresh.stale:
            assert time.monotonic() < deadline, "the loop ended with the exit"
            time.sleep(0.05)
    assert Tracking.closed


class Tracked:
    """A manager whose ``close`` is noted, with whether a read was still running then."""

    def __init__(self, real: SecretManager) -> None:
        self._real = real
        self.reading = threading.Event()
        self.closed = threading.Event()
        self.closed_under_a_read = False

    def __getattr__(self, name):
        return getattr(self._real, name)

    def close(self):
        self.closed_under_a_read = self.reading.is_set()
        self.closed.set()
        self._real.close()


async def _in_thread_as_before(call):
    """``secretary.fastapi._in_thread`` before the twenty-sixth adversarial pass:
    cancelled, it raised a ``BaseException`` the call ended with in place of the
    ``CancelledError``."""
    future = asyncio.get_running_loop().run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise


@pytest.mark.parametrize("worker", ["_in_thread", "_in_thread as before"])
@pytest.mark.parametrize("exit_kind", [SystemExit, KeyboardInterrupt])
def test_leaving_while_a_settings_class_exits_ends_the_loop_and_closes_the_manager(
    app, caplog, monkeypatch, exit_kind, worker
):
    # A twenty-sixth adversarial pass: the shutdown's cancellation reached the refresh
    # loop while it waited for a settings class that then raised SystemExit (or
    # KeyboardInterrupt); that exception took the cancellation's place, the loop took
    # it for an ordinary failure and went on, and leaving the lifespan never ended (the
    # manager never closed). `_in_thread` now raises the cancellation whatever the call
    # ended with; "as before", the loop itself takes what it catches while its task is
    # being cancelled for the cancellation.
    if worker == "_in_thread as before":
        monkeypatch.setattr(secretary_fastapi, "_in_thread", _in_thread_as_before)
    manager = Tracked(SecretManager())
    exited: list[bool] = []

    def settings():
        # Once: before the fix, the loop went on, and a settings class that raised at
        # every tick would have eaten the test's own cancellation too.
        if manager.get("api_key").expose().startswith("rotated-") and not exited:
            exited.append(True)
            manager.reading.set()
            try:
                time.sleep(0.5)
            finally:
                manager.reading.clear()
            raise exit_kind(4) if exit_kind is SystemExit else exit_kind()
        return "settings"

    async def scenario() -> bool:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        context = lifespan(manager=lambda: manager, settings=settings, refresh_interval=0.05)(application)
        await context.__aenter__()
        app.write_dotenv(ROTATED)
        assert await asyncio.to_thread(manager.reading.wait, 10), "the settings class never ran on the rotation"
        leaving = asyncio.create_task(context.__aexit__(None, None, None))
        done, _ = await asyncio.wait({leaving}, timeout=10)
        if not done:  # the bug: end it all the same (a second cancellation does)
            leaving.cancel()
            await asyncio.wait({leaving}, timeout=10)
            return False
        assert leaving.result() is False  # nothing raised out of the lifespan
        assert asyncio.all_tasks() == {asyncio.current_task()}, "the refresh loop outlived the lifespan"
        return True

    with caplog.at_level(logging.WARNING, logger="secretary"):
        left = asyncio.run(scenario())
    assert left, "leaving the lifespan did not end within 10 s"
    assert manager.closed.is_set()
    assert not manager.closed_under_a_read, "the manager was closed while the settings class ran"
    # Cancelled, not a failure of the refresh.
    assert not any("re-reading the secrets failed" in m for m in caplog.messages), caplog.messages


class BlockingManager:
    """A manager whose ``validate`` runs until ``release`` (at most 10 s)."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.release = threading.Event()
        self.closed = threading.Event()
        self.closed_under_a_read = False

    def validate(self):
        self.reading.set()
        try:
            self.release.wait(10)
        finally:
            self.reading.clear()
        raise RuntimeError("a validation that ends after the start-up was cancelled")

    def on_change(self, callback):
        return callback

    def remove_on_change(self, callback):
        return True

    def close(self):
        self.closed_under_a_read = self.reading.is_set()
        self.closed.set()


def test_a_start_up_cancelled_during_its_read_closes_the_manager_once_the_read_ended():
    # A twenty-sixth adversarial pass: a start-up cancelled during `validate` (here by
    # anyio's cancel scope, as asgi-lifespan's `startup_timeout` does, cancelling again
    # at every turn of the loop) closed the manager at once, under the read still
    # running in its thread, which could take a lease after the leases were revoked.
    # (Once it waited, anyio's next cancellation often cancelled the close itself
    # before its thread began it: the close must run whatever comes after.)
    manager = BlockingManager()

    async def scenario() -> float:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        context = lifespan(manager=lambda: manager)(application)
        threading.Timer(0.5, manager.release.set).start()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            with anyio.fail_after(0.1):
                await context.__aenter__()
        return time.monotonic() - started

    took = asyncio.run(scenario())
    assert manager.closed.is_set(), "the cancelled start-up did not close the manager"
    assert not manager.closed_under_a_read, "the manager was closed under the running validate"
    assert took < 5, took


def test_a_cancelled_start_up_waits_for_its_read_a_bounded_time(monkeypatch, caplog):
    # The wait for the thread is bounded: a read (or a settings class) that does not end
    # must not hold the start-up's cancellation, nor the close, for ever.
    monkeypatch.setattr(secretary_fastapi, "_JOIN_TIMEOUT", 0.3, raising=False)
    manager = BlockingManager()

    async def scenario() -> float:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        entering = asyncio.create_task(lifespan(manager=lambda: manager)(application).__aenter__())
        assert await asyncio.to_thread(manager.reading.wait, 10)
        started = time.monotonic()
        entering.cancel()
        try:
            done, _ = await asyncio.wait({entering}, timeout=10)
            took = time.monotonic() - started
        finally:
            # Before asyncio.run's end, which waits for the executor's threads.
            manager.release.set()
        assert done and entering.cancelled()
        return took

    with caplog.at_level(logging.WARNING, logger="secretary"):
        took = asyncio.run(scenario())
    assert 0.25 < took < 5, took
    assert manager.closed.is_set()
    assert "still runs 0.3 s after the cancellation" in caplog.text


def test_the_settings_at_start_up_see_the_callers_context():
    # The start-up's reads moved from `asyncio.to_thread` to the lifespan's own
    # `_in_thread`, which copies the context as `to_thread` does.
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")

    class Report(list):
        environment, manifest, set_count = "development", "secrets.toml", 0

    class Manager(BlockingManager):
        def validate(self):
            return Report()

        def list_secrets(self):
            return []

    async def scenario():
        request_id.set("start-up")
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        async with lifespan(manager=Manager, settings=request_id.get)(application):
            return application.state.settings

    assert asyncio.run(scenario()) == "start-up"


def _shown(records: list[logging.LogRecord]) -> str:
    """All that a handler shows of ``records``: each message, with the exception and
    traceback it carries."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


CANARY = "CANARY7q3z9xNEW2"


def test_a_settings_class_that_fails_after_the_shutdown_gave_up_on_it_is_never_logged(app, caplog, monkeypatch):
    # A twenty-eighth adversarial pass: leaving the lifespan waited for a settings class
    # still running (`_JOIN_TIMEOUT`), went on without it, and when it then failed
    # (`int(secret)`: a ValueError quoting the value) asyncio logged "Future exception was
    # never retrieved", message and traceback, at the next garbage collection.
    monkeypatch.setattr(secretary_fastapi, "_JOIN_TIMEOUT", 0.3)
    manager = SecretManager()
    running = threading.Event()
    release = threading.Event()
    raised: list[str] = []

    def settings():
        value = manager.get_secret("api_key")
        if value != CANARY:
            return "settings"
        running.set()
        release.wait(10)
        try:
            return int(value)
        except ValueError as error:
            raised.append(type(error).__name__)
            raise

    async def scenario() -> None:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        context = lifespan(manager=manager, settings=settings, refresh_interval=0.05)(application)
        await context.__aenter__()
        app.write_dotenv(ROTATED.replace("rotated-api-key-5678", CANARY))
        assert await asyncio.to_thread(running.wait, 10), "the settings class never ran on the rotation"
        await asyncio.wait_for(context.__aexit__(None, None, None), 10)
        # It fails now; asyncio.run's end waits for its thread.
        release.set()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
        gc.collect()  # the worker's future, in a cycle with the error's traceback
    assert raised == ["ValueError"], "the settings class did not fail after the shutdown"
    assert "still runs 0.3 s after the cancellation" in caplog.text
    shown = _shown(caplog.records)
    assert CANARY not in shown
    assert "never retrieved" not in shown


@pytest.mark.parametrize("raiser", ["on_change", "settings"])
def test_a_cancelled_error_from_a_callback_or_the_settings_is_a_failure_not_the_end_of_the_loop(
    app, caplog, raiser
):
    # A twenty-eighth adversarial pass: an `asyncio.CancelledError` raised in the worker
    # thread (by an on_change callback, or the settings class) was taken for the refresh
    # loop's own cancellation: the loop ended for good, silently, later rotations never
    # reached the settings, and `secret_refresh` promised a refresh that never came.
    manager = SecretManager()
    first, second = "rotated-CANARY-7q3z-first", "rotated-CANARY-7q3z-second"
    cancelled: list[str] = []

    def cancels(keys):
        if not cancelled:
            cancelled.append(raiser)
            raise asyncio.CancelledError()

    def settings():
        value = manager.get_secret("api_key")
        if raiser == "settings" and value == first:
            cancels([])
        return value

    if raiser == "on_change":
        manager.on_change(cancels)

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, what
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        async with lifespan(manager=manager, settings=settings, refresh_interval=0.05)(application):
            refresh = application.state.secret_refresh
            app.write_dotenv(ROTATED.replace("rotated-api-key-5678", first))
            await until(lambda: cancelled, "the CancelledError was never raised")
            await until(lambda: application.state.settings == first, "the loop ended with the CancelledError")
            app.write_dotenv(ROTATED.replace("rotated-api-key-5678", second))
            await until(lambda: application.state.settings == second, "a later rotation never reached the settings")
            await until(lambda: not refresh.stale, "the state stayed stale")
            assert manager.get_secret("api_key") == second
            assert application.state.secret_changes.count == 2

    with caplog.at_level(logging.DEBUG):
        asyncio.run(asyncio.wait_for(scenario(), 20))
    step = "while re-reading the secrets" if raiser == "on_change" else "in the settings"
    assert (
        "secretary: re-reading the secrets failed; keeping the values in use, marked stale: "
        f"CancelledError {step} (or in an on_change callback)"
    ) in caplog.messages, caplog.messages
    assert "secretary: re-reading the secrets works again" in caplog.messages
    if raiser == "on_change":
        where = f"{cancels.__code__.co_filename}:{cancels.__code__.co_firstlineno + 3} in cancels"
        assert any(f".cancels) raised CancelledError at {where};" in m for m in caplog.messages), caplog.messages
    assert "CANARY" not in _shown(caplog.records)


def test_a_callbacks_exit_found_by_the_check_names_the_callbacks(app, caplog):
    # A twenty-eighth adversarial pass: a callback's SystemExit raised by `validate`
    # (which found a second change) was said to be "SystemExit while checking the
    # secrets"; only the re-read's step named the callbacks, and every step calls them.
    manager = SecretManager()
    first, second = "rotated-CANARY-7q3z-first", "rotated-CANARY-7q3z-second"
    calls: list[list[str]] = []

    def exits(keys):
        calls.append(keys)
        if len(calls) == 1:  # a second change, found by the check after this re-read
            app.write_dotenv(ROTATED.replace("rotated-api-key-5678", second))
        elif len(calls) == 2:
            raise SystemExit(3)

    manager.on_change(exits)

    async def scenario() -> None:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        async with lifespan(manager=manager, settings=lambda: manager.get_secret("api_key"), refresh_interval=0.05)(
            application
        ):
            app.write_dotenv(ROTATED.replace("rotated-api-key-5678", first))
            deadline = time.monotonic() + 10
            while application.state.settings != second or application.state.secret_refresh.stale:
                assert time.monotonic() < deadline, "the second change never reached the settings"
                await asyncio.sleep(0.02)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(asyncio.wait_for(scenario(), 20))
    assert len(calls) >= 2
    assert (
        "secretary: re-reading the secrets failed; keeping the values in use, marked stale: "
        "SystemExit while checking the secrets (or in an on_change callback)"
    ) in caplog.messages, caplog.messages
    where = f"{exits.__code__.co_filename}:{exits.__code__.co_firstlineno + 5} in exits"
    assert any(f".exits) raised SystemExit at {where};" in m for m in caplog.messages), caplog.messages
    assert "CANARY" not in _shown(caplog.records)


ROUTING_MANIFEST = '\n[secrets.routing]\ndescription = "Routing weights, JSON"\nsensitive = false\n'
ROUTING_CANARY = "CANARYkey42"
DOTENV_ROUTED = "DATABASE_URL=postgresql://app:dotenv-password@db/app\nAPI_KEY=dotenv-api-key-1234\nROUTING='{routing}'\n"


class Routed(Settings):
    routing: Json[dict[str, int]]


@pytest.mark.parametrize("built_by", ["class", "function"])
def test_a_settings_error_names_the_fields_the_class_declares_never_a_key_of_the_input(
    app: Any, caplog: pytest.LogCaptureFixture, built_by: str
) -> None:
    # A twenty-ninth adversarial pass: the start-up error (which uvicorn prints) and the
    # refresh loop's log named every element of pydantic's `loc`, and for a JSON, dict
    # or model field those hold the input's keys: `routing.CANARYkey42`. A function's
    # own adapter, with no class to declare a field, has the input's key first.
    app.write_manifest(app.manifest.read_text() + ROUTING_MANIFEST)
    wrong = DOTENV_ROUTED.format(routing=f'{{"{ROUTING_CANARY}": "notanint"}}')
    settings: Any = Routed
    named = "ValidationError in the settings (fields: routing)"
    if built_by == "function":

        def settings() -> dict[str, int]:
            return TypeAdapter(dict[str, int]).validate_json(get_secret_manager().get_secret("routing") or "")

        named = "ValidationError in the settings"
    app.write_dotenv(wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(SecretaryError) as raised:
        with TestClient(make_app(settings=settings)):
            pass
    assert f"the settings could not be built at start-up: {named}, raised at" in str(raised.value), str(raised.value)
    assert ROUTING_CANARY not in "".join(traceback.format_exception(raised.value))
    # The refresh loop's log and state, for the same value found by a re-read.
    # The shared manager, closed by the failed start-up.
    get_secret_manager.cache_clear()  # type: ignore[attr-defined]
    app.write_dotenv(DOTENV_ROUTED.format(routing='{"blue": 1}'))
    application = make_app(settings=settings, refresh_interval=0.05)
    with caplog.at_level(logging.DEBUG), TestClient(application):
        refresh = application.state.secret_refresh
        app.write_dotenv(wrong)
        deadline = time.monotonic() + 10
        while refresh.reason != named:
            assert time.monotonic() < deadline, f"the failed settings were never reported: {refresh.reason}"
            time.sleep(0.02)
    assert (
        f"secretary: re-reading the secrets failed; keeping the values in use, marked stale: {named}"
    ) in caplog.messages, caplog.messages
    assert ROUTING_CANARY not in _shown(caplog.records)


EXIT_CANARY = "CANARY7q3z9x-key"


def _exits_on(value: str, raising: str) -> None:
    """Raises ``raising`` (the name of a ``BaseException``) in the ``except`` of the
    ``ValueError`` that ``int(value)`` raises, which quotes the value: the context of the
    error raised."""
    try:
        int(value)
    except ValueError:
        if raising == "SystemExit":
            raise SystemExit(1)
        if raising == "KeyboardInterrupt":
            raise KeyboardInterrupt
        raise asyncio.CancelledError()


@pytest.mark.parametrize("raising", ["SystemExit", "KeyboardInterrupt", "CancelledError"])
def test_settings_that_fail_at_start_up_with_no_exception_never_show_what_they_handled(
    app: Any, caplog: pytest.LogCaptureFixture, raising: str
) -> None:
    # A twenty-ninth adversarial pass: `SystemExit` raised in a validator's `except
    # ValueError:` went through the start-up as itself, and the traceback the server
    # prints showed its context, `int()`'s message quoting the value. (asyncio.run, not
    # TestClient: unfixed, a KeyboardInterrupt would end the test session.)
    app.write_dotenv(ROTATED.replace("rotated-api-key-5678", EXIT_CANARY))

    class Numeric(Settings):
        @field_validator("api_key")
        @classmethod
        def numeric(cls, value: SecretStr) -> SecretStr:
            _exits_on(value.get_secret_value(), raising)
            return value

    settings: Any = Numeric  # a class with required fields: no `Callable[[], Any]` to mypy

    async def scenario() -> BaseException:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        try:
            async with lifespan(settings=settings)(application):
                pass
        except BaseException as error:  # noqa: BLE001 - what the server would print
            return error
        raise AssertionError("the start-up did not fail")

    with caplog.at_level(logging.DEBUG):
        raised = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert isinstance(raised, SecretaryError), repr(raised)
    where = f"{_exits_on.__code__.co_filename}:"
    assert (
        "secretary: the settings could not be built at start-up: "
        f"{raising} in the settings (or in an on_change callback), raised at {where}"
    ) in str(raised), str(raised)
    assert str(raised).endswith(" in _exits_on"), str(raised)
    assert raised.__cause__ is None and raised.__context__ is None
    assert EXIT_CANARY not in "".join(traceback.format_exception(raised))
    assert EXIT_CANARY not in _shown(caplog.records)


def test_a_start_up_cancelled_while_its_settings_exit_stays_cancelled(app: Any) -> None:
    # The start-up's own cancellation (asgi-lifespan's `startup_timeout`, a server
    # stopping) is not taken for the settings' failure, whatever they end with.
    app.write_dotenv(ROTATED.replace("rotated-api-key-5678", EXIT_CANARY))
    release = threading.Event()

    class Slow(Settings):
        @field_validator("api_key")
        @classmethod
        def numeric(cls, value: SecretStr) -> SecretStr:
            release.wait(10)
            _exits_on(value.get_secret_value(), "SystemExit")
            return value

    settings: Any = Slow

    async def scenario() -> None:
        application = types.SimpleNamespace(state=types.SimpleNamespace())
        threading.Timer(0.3, release.set).start()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(lifespan(settings=settings)(application).__aenter__(), 0.1)

    asyncio.run(scenario())
    assert release.is_set()


def test_a_secretary_error_the_settings_raise_at_start_up_carries_no_context(app, caplog):
    # A thirtieth adversarial pass: a settings class raised a SecretaryError in the
    # `except ValueError:` of `int(value)`, and the traceback uvicorn prints showed that
    # ValueError, quoting the value.
    class Numeric(SecretarySettings):
        api_key: SecretStr
        port: int

        @field_validator("api_key")
        @classmethod
        def numeric(cls, value: SecretStr) -> SecretStr:
            try:
                int(value.get_secret_value())
            except ValueError:
                raise SecretaryError("api_key must be numeric")  # noqa: B904 - the context is the point
            return value

    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as raised:
        with TestClient(make_app(settings=Numeric)):
            pass
    shown = "".join(traceback.format_exception(raised.value))
    assert "dotenv-api-key-1234" not in shown
    assert "dotenv-api-key-1234" not in caplog.text


async def _start_up_error(**options: Any) -> BaseException:
    """What the start-up of ``lifespan(**options)`` fails with: what the server prints."""
    application = types.SimpleNamespace(state=types.SimpleNamespace())
    try:
        async with lifespan(**options)(application):
            pass
    except BaseException as error:  # noqa: BLE001 - what the server would print
        return error
    raise AssertionError("the start-up did not fail")


def _exiting_callback(app: Any, raising: str) -> SecretManager:
    """A manager that read ``api_key``, with an ``on_change`` callback that raises
    ``raising`` in the ``except ValueError:`` of ``int(value)``; the value is then changed
    to ``EXIT_CANARY``, so that the next re-read (the start-up's check) calls it."""
    manager = SecretManager()
    assert manager.get_secret("api_key") == "dotenv-api-key-1234"

    def numeric(keys: list[str]) -> None:
        _exits_on(manager.get_secret("api_key") or "", raising)

    manager.on_change(numeric)
    app.write_dotenv(ROTATED.replace("rotated-api-key-5678", EXIT_CANARY))
    return manager


@pytest.mark.parametrize("raising", ["SystemExit", "KeyboardInterrupt", "CancelledError"])
def test_a_callback_that_fails_at_the_start_up_check_with_no_exception_never_shows_what_it_handled(
    app: Any, caplog: pytest.LogCaptureFixture, raising: str
) -> None:
    # A thirty-second adversarial pass: the start-up's check (`validate`) re-reads, and
    # runs the `on_change` callbacks when a value changed since an earlier read; a
    # callback's `SystemExit` raised in its `except ValueError:` went through the
    # start-up as itself, and the traceback uvicorn prints showed its context, `int()`'s
    # message quoting the value. (asyncio.run, not TestClient: unfixed, a
    # KeyboardInterrupt would end the test session.)
    manager = _exiting_callback(app, raising)
    with caplog.at_level(logging.DEBUG):
        raised = asyncio.run(asyncio.wait_for(_start_up_error(manager=manager), 20))
    assert EXIT_CANARY not in "".join(traceback.format_exception(raised))
    assert isinstance(raised, SecretaryError), repr(raised)
    where = f"{_exits_on.__code__.co_filename}:"
    assert (
        "secretary: the secrets could not be checked at start-up: "
        f"{raising} while checking the secrets (or in an on_change callback), raised at {where}"
    ) in str(raised), str(raised)
    assert str(raised).endswith(" in _exits_on"), str(raised)
    assert raised.__cause__ is None and raised.__suppress_context__
    assert EXIT_CANARY not in _shown(caplog.records)


@pytest.mark.parametrize("raising", ["SystemExit", "KeyboardInterrupt", "CancelledError"])
def test_a_manager_function_that_fails_at_start_up_with_no_exception_never_shows_what_it_handled(
    raising: str,
) -> None:
    # Making the manager is a step of the start-up too (`manager=` a function).
    def manager() -> SecretManager:
        _exits_on(EXIT_CANARY, raising)
        raise AssertionError("unreachable")

    raised = asyncio.run(asyncio.wait_for(_start_up_error(manager=manager), 20))
    assert EXIT_CANARY not in "".join(traceback.format_exception(raised))
    assert isinstance(raised, SecretaryError), repr(raised)
    assert (
        "secretary: the secret manager could not be made at start-up: "
        f"{raising} while making the manager (or in an on_change callback), raised at "
    ) in str(raised), str(raised)
    assert str(raised).endswith(" in _exits_on"), str(raised)


@pytest.mark.parametrize("raising", ["SystemExit", "KeyboardInterrupt", "CancelledError"])
@pytest.mark.parametrize("raiser", ["on_change", "settings"])
def test_a_start_up_step_that_fails_while_the_start_up_is_cancelled_is_a_bare_cancellation(
    app: Any, raiser: str, raising: str
) -> None:
    # While the start-up's task is being cancelled, what a step ended with is that
    # cancellation, printed with nothing chained: `_in_thread` chains the cancellation to
    # a `CancelledError` the thread raised, whose context quoted the value.
    options: dict[str, Any] = {}
    if raiser == "on_change":
        options["manager"] = _exiting_callback(app, raising)
    else:
        app.write_dotenv(ROTATED.replace("rotated-api-key-5678", EXIT_CANARY))
        options["settings"] = lambda: _exits_on(get_secret_manager().get_secret("api_key") or "", raising)

    async def scenario() -> BaseException:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)
        assert task.cancelling() == 1  # being cancelled still: not uncancelled
        return await _start_up_error(**options)

    raised = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert EXIT_CANARY not in "".join(traceback.format_exception(raised))
    assert type(raised) is asyncio.CancelledError, repr(raised)


def test_the_settings_read_the_manager_the_lifespan_validated_not_the_shared_one(app):
    # A forty-sixth adversarial pass: with `manager=`, the lifespan validated, refreshed
    # and closed that manager while a SecretarySettings class read the shared one.
    own = SecretManager(variables={"API_KEY": "the-lifespans-api-key"})
    application = make_app(manager=own, settings=Settings, refresh_interval=0.05)
    with TestClient(application):
        assert application.state.settings.api_key.get_secret_value() == "the-lifespans-api-key"
        made = application.state.settings
        # A change the lifespan's manager sees: the settings are made again, from it.
        app.write_dotenv("DATABASE_URL=postgresql://app:other-password@db/app\nAPI_KEY=rotated-api-key-5678\n")
        deadline = time.monotonic() + 10
        while application.state.settings is made:
            assert time.monotonic() < deadline, "the settings were never made again"
            time.sleep(0.05)
        assert application.state.settings.api_key.get_secret_value() == "the-lifespans-api-key"
    # Outside a lifespan, the class reads the shared manager as before.
    assert Settings().api_key.get_secret_value() == "rotated-api-key-5678"


def test_a_settings_class_of_ones_own_reads_the_manager_the_lifespan_validated(app):
    # A forty-seventh adversarial pass: a BaseSettings of one's own, with the documented
    # SecretarySettingsSource, still read the shared manager under `manager=`.
    from pydantic_settings import BaseSettings

    from secretary.pydantic import SecretarySettingsSource

    class Own(BaseSettings):
        api_key: SecretStr
        port: int

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, **others):
            return (init_settings, SecretarySettingsSource(settings_cls))

    own = SecretManager(variables={"API_KEY": "the-lifespans-api-key"})
    application = make_app(manager=own, settings=Own)
    with TestClient(application):
        assert application.state.settings.api_key.get_secret_value() == "the-lifespans-api-key"
    assert Own().api_key.get_secret_value() == "dotenv-api-key-1234"
