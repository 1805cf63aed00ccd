"""Start-up validation for FastAPI (and any Starlette application).

::

    from fastapi import FastAPI
    from secretary.fastapi import lifespan

    app = FastAPI(lifespan=lifespan(settings=Settings))

At start-up, before the first request, every secret is validated. With any problem the
start-up fails with ``SecretValidationError``, whose message is the full report (every
secret, what is wrong, where secretary looked, what to do; never a value), and uvicorn
exits non-zero without listening. Any other failure of a start-up step (the settings
class, an ``on_change`` callback the check runs when a value changed since an earlier
read, the function given as ``manager``), even a ``SystemExit``, fails it with a
``SecretaryError`` naming the error's type, the step and where it was raised: never its
message, nor what it was raised while handling (uvicorn prints a failed start-up's whole
traceback, context included). Otherwise the application's state holds:

- ``app.state.secrets``: the ``SecretManager``;
- ``app.state.secret_report``: the ``Report`` of the last validation (where each secret
  came from: source, locator, version);
- ``app.state.settings``: an instance of ``settings``, when a settings class is given;
- ``app.state.secret_changes``: the keys changed at the last rotation seen, and when;
- ``app.state.secret_refresh``: whether what the application holds is stale (the last
  re-read or the settings built from it failed, or it served values held through an
  outage or from the last-known-good copy), since when, and why (never a value).

With ``refresh_interval`` (seconds), the secrets are re-read that often in a background
task (``SecretManager.refresh()``, off the event loop). When a value changed, the report
and the settings are made again, and the change is logged by key, never by value. A
change counts wherever it was found (``on_change``): by that re-read, even one that
failed for another secret (the secrets that resolved are cached and ``get()`` serves
them), by a ``get()`` after a source's ``ttl``, or by a lease re-issued in the
background; the report and settings are made at the next tick that reads everything,
and ``secret_refresh`` is stale from the change until then (for good without
``refresh_interval``, which nothing makes them again). Any
failure, of the re-read or of the settings class (a pydantic ``ValidationError`` on the
new values), is logged once by its kind and the fields it names that the settings class
declares, never by its message (pydantic's quotes the input) nor by a key of the input;
the application keeps what it has, marked stale in ``app.state.secret_refresh``, and
the loop goes on: the settings are tried again at every tick until they build. A
failure that is no ``Exception`` (a ``SystemExit``, or an ``asyncio.CancelledError``
raised by an ``on_change`` callback or the settings class in their worker thread, which
is no cancellation of the loop) is one more such failure.

At shutdown the refresh loop is cancelled and the manager is closed
(``SecretManager.close()``): the credentials of its ``vault_lease`` sources are revoked
as the application stops, rather than living to the end of their TTL. (uvicorn ends by
raising again the signal that stopped it, so the ``atexit`` hook that does the same at
an ordinary exit does not run there: stopped by SIGTERM, the lifespan also ends the
process's Vault login, ``secretary.end()``; a stop without the signal, a test client's,
leaves the process able to start again.) A re-read or a settings class the loop is in then
is waited for first, at most 10 s, and whatever it ends with is dropped (even a
``SystemExit`` or ``KeyboardInterrupt``: the loop ends all the same), so that no lease is
taken after the close; dropped unseen, also when it ends after the wait (never logged by
asyncio as an exception never retrieved: its message may hold a value). A start-up
cancelled during its reads (asgi-lifespan's ``startup_timeout``, a server stopping) waits
for them the same way, then closes the manager.

Importing this module needs neither FastAPI nor Starlette: the lifespan is the plain
ASGI protocol they both call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

from secretary import SecretManager, get_secret_manager
from secretary._current import made_with
from secretary._on_change import _where
from secretary.errors import SecretaryError

__all__ = ["SecretChanges", "SecretRefresh", "lifespan"]

_log = logging.getLogger("secretary")


class SecretChanges:
    """The keys whose value changed at the last rotation the application saw (empty
    before the first), when (``time.time()``), and how many rotations there have been."""

    def __init__(self) -> None:
        self.keys: tuple[str, ...] = ()
        self.at: float | None = None
        self.count = 0

    def record(self, keys: list[str]) -> None:
        """Notes a rotation of ``keys``."""
        self.keys = tuple(keys)
        self.at = time.time()
        self.count += 1

    def __repr__(self) -> str:
        return f"SecretChanges(keys={self.keys!r}, count={self.count})"


class SecretRefresh:
    """Whether the values and settings the application holds are stale: ``stale`` is
    true from the first failed re-read (or settings build) until one succeeds again;
    ``since`` (``time.time()``) is when it went stale, ``reason`` what failed, by kind and
    field names only."""

    def __init__(self) -> None:
        self.stale = False
        self.since: float | None = None
        self.reason: str | None = None

    def failed(self, reason: str) -> bool:
        """Marks the state stale for ``reason``; true when it was fresh until now."""
        first = not self.stale
        # `stale` last, and cleared first below: a request handler in another thread
        # that sees it true sees its reason too (a test once saw `stale` with no reason).
        if first:
            self.since = time.time()
        self.reason = reason
        self.stale = True
        return first

    def fresh(self) -> bool:
        """Marks the state fresh; true when it was stale until now."""
        was = self.stale
        self.stale = False
        self.since, self.reason = None, None
        return was

    def __repr__(self) -> str:
        return f"SecretRefresh(stale={self.stale!r}, reason={self.reason!r})"


def _describe(error: BaseException, step: str = "in the settings", declared: frozenset[str] = frozenset()) -> str:
    """What failed, without the error's message: a secretary error's first line (which
    never holds a value), else the exception's type, the step it came from (``step``) and,
    for a pydantic validation error, the fields it names that the settings class declares
    (``declared``, from ``_declared``).

    A field is named by the first element of an error's ``loc`` alone, and only when the
    class declares it: the elements after it are dict keys, list indexes and union tags
    taken from the input, and so is the first one for an extra key or a settings
    function's own adapter (a twenty-ninth adversarial pass saw ``routing.CANARYkey42``,
    a key of a JSON secret, in the start-up error uvicorn prints).

    An error that is no ``Exception`` may be an ``on_change`` callback's: the manager
    logs a callback's ``Exception`` and goes on, but raises its ``SystemExit`` (or any
    other ``BaseException``) to the caller once every callback was called, and every
    step may call them: re-reading (``refresh``), checking (``validate``) and the
    settings (whose reads may re-read). So such an error names them as its possible
    cause whatever the step (a twenty-seventh adversarial pass saw a callback's
    ``SystemExit`` blamed on the settings, a twenty-eighth on checking the secrets); the
    callback itself, and where it raised, were logged by then."""
    if isinstance(error, SecretaryError):
        return error.message.splitlines()[0] if error.message else type(error).__name__
    kind = "CancelledError" if isinstance(error, _CancelledInThread) else type(error).__name__
    if not isinstance(error, Exception):
        step = f"{step} (or in an on_change callback)"
    errors = getattr(error, "errors", None)
    if callable(errors) and declared:
        fields: dict[str, None] = {}
        try:
            for e in errors():
                loc = e.get("loc", ())
                if loc and isinstance(loc[0], str) and loc[0] in declared:
                    fields[loc[0]] = None
        except Exception:  # noqa: BLE001 - a foreign errors(): say the type alone
            fields = {}
        if fields:
            return f"{kind} {step} (fields: {', '.join(fields)})"
    return f"{kind} {step}"


def _declared(settings: Callable[[], Any] | None) -> frozenset[str]:
    """The names a settings class declares for its fields, as pydantic's ``loc`` names
    them: each field's name, and its alias and validation alias (the first element of an
    ``AliasPath``, each of ``AliasChoices``). Empty for anything that is no pydantic
    class (a function): what its errors name is not known to be declared rather than
    taken from the input, so no field is named (``_describe``)."""
    fields = getattr(settings, "model_fields", None) if isinstance(settings, type) else None
    if not isinstance(fields, dict):
        return frozenset()
    names: set[str] = set()

    def add(alias: Any) -> None:
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(getattr(alias, "choices", None), list):
            for choice in alias.choices:
                add(choice)
        elif isinstance(getattr(alias, "path", None), list) and alias.path:
            add(alias.path[0])

    for name, field in fields.items():
        add(name)
        add(getattr(field, "alias", None))
        add(getattr(field, "validation_alias", None))
    return frozenset(names)


def lifespan(
    manager: SecretManager | Callable[[], SecretManager] | None = None,
    settings: Callable[[], Any] | None = None,
    *,
    refresh_interval: float | None = None,
    then: Callable[[Any], contextlib.AbstractAsyncContextManager[Any]] | None = None,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]:
    """A lifespan that validates every secret at start-up and leaves the manager, its
    report and the settings on ``app.state``.

    ``manager`` is a ``SecretManager``, or a function that makes one (called at start-up,
    so that a manifest error stops the start-up too); by default the shared
    ``get_secret_manager()``. ``settings`` is a settings class (or any function) called
    after the validation, for instance a ``secretary.pydantic.SecretarySettings``.
    ``refresh_interval`` re-reads the secrets every that many seconds (a finite number
    above zero; anything else is refused here, ``ValueError``). ``then`` is the
    application's own lifespan, entered after secretary's and left before it."""
    if refresh_interval is not None:
        _check_interval(refresh_interval)

    @contextlib.asynccontextmanager
    async def _lifespan(app: Any) -> AsyncIterator[Any]:
        # Every step of the start-up goes through `_started`: what the server prints of
        # a failed start-up (its whole traceback, context included) never holds what a
        # step's error handled (a thirty-second adversarial pass saw an `on_change`
        # callback's `SystemExit`, raised by the check below, print `int()`'s message).
        # Watched from the start: a SIGTERM the server caught during the start-up (after
        # the login, before the application ran) stops it as one after does, and the
        # login must end too (a sixty-fourth adversarial pass left a token a stop).
        stopped = _StopSignal.watch()
        secrets: SecretManager = await _started(lambda: _manager(manager), _MANAGER, in_thread=False)
        # Listening from before the first read: a change found between it and the
        # refresh task's start is not missed (a twenty-first adversarial pass).
        seen = _Seen()
        secrets.on_change(seen)
        try:
            # In a worker thread (`_in_thread`): a start-up cancelled during a read
            # (asgi-lifespan's `startup_timeout`, a server stopping) waits for it before
            # the close below, which must not revoke the leases under a read that could
            # take one after (a twenty-sixth adversarial pass).
            report = await _started(secrets.validate, _CHECK)
            app.state.secrets = secrets
            app.state.secret_report = report
            app.state.secret_changes = SecretChanges()
            app.state.secret_refresh = SecretRefresh()
            # From now on a change found by any re-read marks the settings stale at
            # once, until they are made again (a twenty-second adversarial pass saw
            # `stale=False` beside a rotated-out value until the next tick, or for good
            # without `refresh_interval`).
            seen.watch(app.state.secret_refresh, rebuilt=refresh_interval is not None)
            if settings is not None:
                # Made with this manager (not the shared one) by a settings class that
                # chooses none of its own.
                app.state.settings = await _started(
                    functools.partial(made_with, secrets, settings), _SETTINGS, declared=_declared(settings)
                )
            # Inside the `try`: a start-up cancelled here closes the manager too.
            held = await _started(lambda: _stale_keys(secrets), _STALE)
        except BaseException:
            secrets.remove_on_change(seen)
            # A start-up that fails (a problem, settings that do not build) ends the
            # credentials it took now, not at exit or at their TTL (an eighth adversarial
            # pass: only the `atexit` hook closed the manager then). In `_in_thread`, as
            # below: the cancellation of a start-up cancelled again (anyio's cancel scopes
            # do at every turn of the loop) once cancelled the close before its thread
            # began it, and it never ran (a twenty-sixth adversarial pass).
            await _in_thread(secrets.close)
            if stopped.came():
                from . import end

                await _in_thread(end)
            raise
        _log.info(
            "secretary: %d secrets valid in environment `%s` (%s): %d set",
            len(report),
            report.environment,
            report.manifest,
            report.set_count,
        )
        # A start-up from values held or from the last-known-good copy is stale from the
        # first moment (a nineteenth adversarial pass saw `stale=False` until the first
        # tick, or for good without `refresh_interval`).
        if held:
            reason = _stale_reason(held)
            app.state.secret_refresh.failed(reason)
            _log.error("secretary: started on stale values: %s", reason)
        task = None
        if refresh_interval is not None:
            task = asyncio.create_task(_refresh(app, secrets, settings, refresh_interval, seen))
        try:
            if then is None:
                yield None
            else:
                async with then(app) as state:
                    yield state
        finally:
            try:
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            finally:
                secrets.remove_on_change(seen)
                # Leases end with the application, not at their TTL, whatever the task
                # ended with. uvicorn ends by raising again the signal that stopped it,
                # so the atexit hook never runs there. In `_in_thread`: a cancellation
                # here does not stop the close before it began.
                await _in_thread(secrets.close)
                # Stopped by SIGTERM (docker stop, Kubernetes, systemd), the process dies
                # of it once the server raises it again: it ends in Vault now, as its
                # exit would, or its AppRole or JWT login token lives on to its TTL (a
                # sixty-second adversarial pass counted one a restart). Not otherwise:
                # a test client's stop leaves the process going on.
                if stopped.came():
                    from . import end

                    await _in_thread(end)

    return _lifespan


class _StopSignal:
    """Whether a SIGTERM reached the server while the application ran: the server's own
    handlers are wrapped, not replaced, and only where a server installed them (Python
    callables, on the main thread: uvicorn's); anywhere else nothing is watched.

    A SIGINT after a stop began makes uvicorn quit at once, without the lifespan's
    shutdown, then die of the first signal raised again, so that no ``atexit`` runs
    either (the "CTRL+C to force quit" it invites while connections close): the
    process's leases and login are ended right there, before the server's handler (a
    sixty-seventh adversarial pass left both alive to their TTLs). Any other second
    signal leaves uvicorn draining its requests, whose reads still need them (a
    sixty-ninth pass saw a drain's request fail): the shutdown ends them after."""

    def __init__(self) -> None:
        self._came = False
        self._stops = 0

    @classmethod
    def watch(cls) -> "_StopSignal":
        import signal

        watched = cls()
        if threading.current_thread() is not threading.main_thread():
            return watched
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous):
                signal.signal(signum, watched._wrapped(previous))
        return watched

    def _wrapped(self, previous: Callable[[int, Any], Any]) -> Callable[[int, Any], None]:
        import signal

        def handler(signum: int, frame: Any) -> None:
            self._stops += 1
            if signum == signal.SIGTERM:
                self._came = True
            if signum == signal.SIGINT and self._stops > 1:
                from . import end

                try:
                    end()
                except Exception:  # noqa: BLE001 - the server's handler must still run
                    _log.warning("secretary: could not end the process's Vault login and leases on a forced stop")
            previous(signum, frame)

        return handler

    def came(self) -> bool:
        return self._came


def _check_interval(interval: float) -> None:
    """Refuses a ``refresh_interval`` that is not a finite number of seconds above zero.
    ``<= 0`` alone let NaN through (every comparison with it is false: a loop that never
    waited between re-reads) and infinity (a loop that never re-read): a twenty-sixth
    adversarial pass."""
    try:
        valid = math.isfinite(interval) and interval > 0
    except TypeError:
        raise TypeError(
            f"refresh_interval must be a number of seconds, or None; got a {type(interval).__name__}"
        ) from None
    if not valid:
        raise ValueError(f"refresh_interval must be a finite number of seconds above zero, or None; got {interval!r}")


def _manager(manager: SecretManager | Callable[[], SecretManager] | None) -> SecretManager:
    if manager is None:
        return get_secret_manager()
    if isinstance(manager, SecretManager):
        return manager
    return manager()


async def _refresh(
    app: Any,
    secrets: SecretManager,
    settings: Callable[[], Any] | None,
    interval: float,
    seen: _Seen,
) -> None:
    """Re-reads the secrets every ``interval`` seconds; on a change, makes the report
    and the settings again. Any failure keeps what the application has, marks it stale
    and is logged once; the loop goes on, and what failed is tried again at every tick
    until it works. Only cancellation ends it.

    The changes are taken from ``on_change``, not from what ``refresh()`` returns: a
    re-read that raises has still cached the secrets that resolved, and ``get()`` (a
    ``ttl``) or a lease re-issued in the background re-read between ticks. Each of those
    once changed what ``get()`` served while the settings kept the old value for good and
    said they were fresh (a seventeenth adversarial pass)."""
    state: SecretRefresh = app.state.secret_refresh
    report_due = False
    settings_due = False
    pending: dict[str, None] = {}
    # Whether a failure has been said (once, until the state is fresh again); a start
    # from values held stale was said at start-up. Stale for a change alone is not a
    # failure.
    failing = state.stale
    declared = _declared(settings)
    try:
        while True:
            await asyncio.sleep(interval)
            failure: BaseException | None = None
            step = "while re-reading the secrets"
            try:
                await _in_thread(secrets.refresh)
            except asyncio.CancelledError:
                raise
            except BaseException as error:  # noqa: BLE001 - nothing but cancelling ends the loop
                _unless_cancelling(error)
                failure = error
            changed = seen.take()
            if changed:
                pending.update(dict.fromkeys(changed))
                report_due = True
                settings_due = settings is not None
            if failure is None:
                try:
                    if report_due:
                        step = "while checking the secrets"
                        app.state.secret_report = await _in_thread(secrets.validate)
                        report_due = False
                    if settings_due and settings is not None:
                        step = "in the settings"
                        app.state.settings = await _in_thread(functools.partial(made_with, secrets, settings))
                        settings_due = False
                except asyncio.CancelledError:
                    raise
                except BaseException as error:  # noqa: BLE001 - as above (`sys.exit()` in a
                    # settings class ended the loop unseen: a twenty-second adversarial pass)
                    _unless_cancelling(error)
                    failure = error
            # Said once the report and settings are made again: an application that
            # sees the change sees the settings that hold it (a twentieth adversarial
            # pass saw it said while they still held the old value, and never again).
            if pending and failure is None:
                keys = list(pending)
                pending.clear()
                app.state.secret_changes.record(keys)
                _log.warning("secretary: secrets changed: %s", ", ".join(keys))
            if failure is None:
                # A re-read that served values held through an outage, or from the
                # last-known-good copy, did not fail, and is not fresh either (an
                # eighteenth adversarial pass saw `stale=False` through a whole outage).
                held = await _in_thread(lambda: _stale_keys(secrets))
                if not held:
                    if seen.settle(state) is not None:
                        if failing:
                            _log.warning("secretary: re-reading the secrets works again")
                        failing = False
                    continue
                reason = _stale_reason(held)
            else:
                reason = _describe(failure, step, declared)
            state.failed(reason)
            if not failing:
                failing = True
                _log.error(
                    "secretary: re-reading the secrets failed; keeping the values in use, marked stale: %s",
                    reason,
                )
    finally:
        secrets.remove_on_change(seen)


def _stale_reason(keys: list[str]) -> str:
    """Why the state is stale, when ``keys`` are held stale: by key, never by value."""
    return f"{len(keys)} stale (their source could not be reached): {', '.join(keys)}"


def _stale_keys(secrets: SecretManager) -> list[str]:
    """The keys whose value is held stale (``SecretManager.stale``); reads no source."""
    return [key for key in secrets.list_secrets() if secrets.stale(key) is not None]


class _Seen:
    """An ``on_change`` callback gathering the changed keys until the loop takes them;
    called from whichever thread re-read. Once it ``watch``es the application's
    ``SecretRefresh``, a change marks it stale at once: the report and settings hold the
    old values until the loop makes them again, or for good without one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, None] = {}
        self._state: SecretRefresh | None = None
        self._rebuilt = True

    def watch(self, state: SecretRefresh, *, rebuilt: bool) -> None:
        """Marks ``state`` stale at each change from now on; ``rebuilt`` says whether a
        refresh loop will make the settings again."""
        with self._lock:
            self._state, self._rebuilt = state, rebuilt

    def __call__(self, keys: list[str]) -> None:
        with self._lock:
            self._keys.update(dict.fromkeys(keys))
            if self._state is None or not keys:
                return
            until = (
                "until the next refresh makes them again"
                if self._rebuilt
                else "for good: without refresh_interval they are not made again"
            )
            reason = f"changed: {', '.join(keys)}; the report and settings hold the old values {until}"
            if self._state.failed(reason):
                _log.warning("secretary: %s", reason)

    def settle(self, state: SecretRefresh) -> bool | None:
        """Marks ``state`` fresh unless a change came since the last ``take`` (then it
        stays stale for it: ``None``); else whether it was stale until now. Under the lock,
        so that a change cannot be marked and then cleared."""
        with self._lock:
            if self._keys:
                return None
            return state.fresh()

    def take(self) -> list[str]:
        """The keys changed since the last call, in the order first seen."""
        with self._lock:
            keys, self._keys = list(self._keys), {}
        return keys


async def _in_thread(call: Callable[[], Any]) -> Any:
    """``call()`` in a worker thread (in a copy of the caller's context, as
    ``asyncio.to_thread``). A cancellation (the application stopping, a start-up timed
    out) waits for the thread before it goes on (``_join``): the thread cannot be
    stopped, and the manager must not be closed under a re-read that could take a lease
    after the leases were revoked. Cancelled, it always raises ``CancelledError``,
    whatever the call ended with: a ``SystemExit`` or ``KeyboardInterrupt`` from a
    settings class once took its place, the loop took it for a failure and went on, and
    the shutdown waited for it forever, the manager never closed (a twenty-sixth
    adversarial pass).

    What the call ends with comes back as a value (``_outcome``), never as the future's
    exception: an exception no one retrieves is logged by asyncio with its message and
    traceback (a value, for ``int(secret)``), and one that ends after a cancelled wait
    gave up on it (``_join``) had no one left to retrieve it (on Python 3.11 ``shield``
    even drops its own retriever when the wait is cancelled): a twenty-eighth
    adversarial pass found the value in asyncio's error log after a shutdown. So it is
    raised here, to the caller that waits, or dropped unseen.

    A ``CancelledError`` the call raised in its thread (an ``on_change`` callback, a
    settings class) while this task is not being cancelled is that call's failure, and
    raised as ``_CancelledInThread``: raised as itself, the refresh loop took it for its
    own cancellation and ended for good, silently (the same pass). While this task is
    being cancelled, it is that cancellation (``_unless_cancelling``)."""
    context = contextvars.copy_context()
    future = asyncio.get_running_loop().run_in_executor(None, context.run, _outcome, call)
    try:
        done, result = await asyncio.shield(future)
    except asyncio.CancelledError:
        await _join(future)
        raise
    if done:
        return result
    try:
        if isinstance(result, asyncio.CancelledError):
            _unless_cancelling(result)
            raise _CancelledInThread from result
        raise result
    finally:
        # The error holds the frames of the call, and its traceback this one.
        del result, future


class _Step(NamedTuple):
    """A step of the start-up (``_started``): how ``_describe`` names it, what its
    ``SecretaryError`` says failed, and what to do."""

    step: str
    failed: str
    fix: str


_NOT_SHOWN = "(its own message is not shown: it may quote a value)"
_MANAGER = _Step(
    "while making the manager",
    "the secret manager could not be made at start-up",
    f"correct the function given as `manager`, or the code named {_NOT_SHOWN}",
)
_CHECK = _Step(
    "while checking the secrets",
    "the secrets could not be checked at start-up",
    "correct the code named: an on_change callback's failure is logged above by the callback's name "
    + _NOT_SHOWN,
)
_SETTINGS = _Step(
    "in the settings",
    "the settings could not be built at start-up",
    f"correct the value the fields named hold, or the settings class {_NOT_SHOWN}",
)
_STALE = _Step(
    "while looking for the values held stale",
    "the secrets' state could not be read at start-up",
    f"correct the code named {_NOT_SHOWN}",
)


async def _started(
    call: Callable[[], Any],
    step: _Step,
    *,
    declared: frozenset[str] = frozenset(),
    in_thread: bool = True,
) -> Any:
    """One step of the start-up: ``call()``, in a worker thread (``_in_thread``) unless
    ``in_thread`` is false. Every step the lifespan runs at start-up goes through here:
    the server prints a start-up's failure with its whole traceback, context included
    (Starlette sends ``traceback.format_exc()`` as ``lifespan.startup.failed``, uvicorn
    logs it), and what a step raises may quote a value, in its message or in its context.

    - A ``SecretaryError`` (whose own message holds no value) goes through as itself,
      with neither cause nor context: one raised in an ``except`` block carries that
      block's error as its context (a thirtieth adversarial pass: ``int()``'s message,
      quoting the value).
    - Any other error, not only an ``Exception``, is raised as a ``SecretaryError``
      naming its type, the step (``_describe``: for pydantic, the fields the settings
      class declares, ``declared``) and where it was raised: never its message, nor as
      the cause or context of this one. Pydantic's message quotes the input (a
      twenty-eighth adversarial pass); a ``SystemExit`` raised in a validator's, or an
      ``on_change`` callback's, ``except ValueError:`` (or a ``KeyboardInterrupt``, or a
      ``CancelledError`` raised in the thread, ``_CancelledInThread``) went through as
      itself, and the traceback printed its context, ``int()``'s message quoting the
      value (the twenty-ninth pass for the settings; the thirty-second for the check,
      whose re-read runs the callbacks when a value changed since an earlier read).
    - While this task is being cancelled, whatever the call ended with is that
      cancellation, raised as a bare ``CancelledError``: chained to the error, it would
      print the same context. The task's own ``CancelledError`` (``_unless_cancelling``
      chains it to what the thread raised) and ``GeneratorExit`` (the coroutine closed)
      go through as themselves, with neither cause nor context shown. A ``CancelledError``
      that ``call()`` raises here, when not in a thread and not cancelled, is its
      failure, as in one."""
    try:
        return await _in_thread(call) if in_thread else call()
    except BaseException as error:  # noqa: BLE001 - raised again without its message
        own = isinstance(error, GeneratorExit) or (
            isinstance(error, asyncio.CancelledError) and (in_thread or _cancelling())
        )
        if own or isinstance(error, SecretaryError):
            error.__cause__ = None
            error.__suppress_context__ = True
            raise
        cancelled = _cancelling()
        # Where the thread's `CancelledError` was raised, not where it was wrapped.
        origin = error.__cause__ if isinstance(error, _CancelledInThread) and error.__cause__ else error
        what = f"{_describe(error, step.step, declared)}, raised at {_where(origin)}"
    # Out of the `except`: neither error is the context of the one raised; and `from
    # None`, so that none is shown should a later `except` give it one.
    if cancelled:
        raise asyncio.CancelledError from None
    raise SecretaryError(f"secretary: {step.failed}: {what}", fix=step.fix) from None


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    """In the worker thread: ``(True, call())``, or ``(False, what it raised)``."""
    try:
        return True, call()
    except BaseException as error:  # noqa: BLE001 - raised by `_in_thread` if anyone waits
        return False, error


class _CancelledInThread(BaseException):
    """A ``CancelledError`` that a call in a worker thread raised (an ``on_change``
    callback, a settings class) while the task waiting for it was not being cancelled:
    that call's failure, like a ``SystemExit`` (hence a ``BaseException`` still), never
    the task's cancellation. The ``CancelledError`` is its ``__cause__``."""

    def __init__(self) -> None:
        super().__init__("a call in a worker thread raised CancelledError; the task waiting for it was not cancelled")


# How long a cancelled task waits for the call its worker thread is in before it goes on
# (and the manager is closed) all the same: a read is bounded by its sources' timeouts
# (a Vault request's is 60 s by default, VAULT_CLIENT_TIMEOUT, each retry its own), a
# settings class by nothing, so a shutdown is not held for a read's full bound. Past it, a lease
# taken by that read may outlive the close until its TTL; a shutdown that never ends (or
# ends by SIGKILL, with no close at all) is worse. The close, in `_in_thread` too, runs
# to its end in its thread whatever the wait.
_JOIN_TIMEOUT = 10.0


async def _join(future: asyncio.Future[Any]) -> None:
    """Waits until a worker thread's ``future`` is done, at most ``_JOIN_TIMEOUT``
    seconds, and drops what it ended with (its caller was cancelled: no one wants it; a
    failure is the future's result, not its exception, so nothing logs it, now or after
    the wait). A further cancellation does not cut the wait short (anyio's cancel scopes
    cancel again at every turn of the loop until the task ends): the caller raises its
    ``CancelledError`` once the wait is over."""
    deadline = time.monotonic() + _JOIN_TIMEOUT
    while not future.done():
        left = deadline - time.monotonic()
        if left <= 0:
            _log.warning(
                "secretary: a call in a worker thread (a read, the settings class or the close) still runs %g s "
                "after the cancellation; going on without it",
                _JOIN_TIMEOUT,
            )
            return
        try:
            await asyncio.wait({future}, timeout=left)
        except asyncio.CancelledError:
            continue


def _unless_cancelling(error: BaseException) -> None:
    """Raises ``CancelledError`` in place of ``error`` when the current task is being
    cancelled: whatever a step raised then, the loop is to end, not to go on with it as
    a failure."""
    if _cancelling():
        raise asyncio.CancelledError from error


def _cancelling() -> bool:
    """Whether the current task is being cancelled. (``Task.cancelling()``: Python 3.11,
    the oldest the package supports.)"""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
