"""The loop of a manager's ``on_change`` thread ("secretary-on-change"), for managers with
a ``vault_lease`` source: a lease re-issued in the background is told at once.

The waiting is done by ``_native._Watcher.next``, with the interpreter lock released;
the callbacks are called here, in Python, so that no frame of the native module is on
this thread's stack while one runs. The thread ends when ``next`` says so: at the
interpreter's exit (an ``atexit`` hook wakes it and joins it) or in a forked child (which
starts its own).
"""

from __future__ import annotations

import _thread
import logging
from collections.abc import Callable

from secretary._native import _Watcher

_log = logging.getLogger("secretary")


def run(watcher: _Watcher) -> None:
    """Calls each callback with the keys of each change until the watcher ends. Nothing
    a callback raises ends the thread: it is logged (by its type and where it was
    raised, never its message, which may hold a value) and the other callbacks, and
    every later change, are still told.

    That holds for a ``BaseException`` too: ``sys.exit()`` in a callback once ended this
    thread silently (``threading`` ignores ``SystemExit``), and no change was told after
    it, so ``secretary.fastapi``'s lifespan no longer marked its settings stale (a
    twenty-sixth adversarial pass). Here an exit cannot reach the caller it was meant
    for, and ending the thread is the one thing it would do. A ``KeyboardInterrupt`` is,
    besides, handed to the main thread (``_thread.interrupt_main()``), as Ctrl-C would
    be: this thread is never the one a signal interrupts, so a callback raised it to
    stop the program, and that is where it can (the application's own SIGINT handler
    runs, uvicorn's graceful shutdown for one)."""
    while (change := watcher.next()) is not None:
        keys, callbacks = change
        for callback in callbacks:
            try:
                callback(list(keys))
            except BaseException as error:  # noqa: BLE001 - a callback's error must not end the thread
                log_failure(callback, error)
                if isinstance(error, KeyboardInterrupt):
                    _thread.interrupt_main()


def log_failure(callback: Callable[..., object], error: BaseException) -> None:
    """Logs that ``callback`` raised ``error``: by the callback's name, the error's type
    and where it was raised, never its message or traceback, which may hold a value (a
    callback that did ``int(secret)`` logged it: a twenty-seventh adversarial pass). The
    one way a callback's failure is logged, in this thread and in the caller's."""
    _log.error(
        "an on_change callback (%s) raised %s at %s; the other callbacks were still called",
        _name(callback),
        type(error).__name__,
        _where(error),
    )


def _name(callback: Callable[..., object]) -> str:
    """What names ``callback`` in the log: its qualified name, or its type's."""
    name = getattr(callback, "__qualname__", None)
    return name if isinstance(name, str) else type(callback).__qualname__


def _where(error: BaseException) -> str:
    """Where ``error`` was raised: the file, line and function of its innermost frame."""
    tb = error.__traceback__
    if tb is None:
        return "an unknown place"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{code.co_filename}:{tb.tb_lineno} in {code.co_name}"
