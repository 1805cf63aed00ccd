"""The loop of a manager's ``on_change`` thread ("secretary-on-change"), for managers with
a ``vault_lease`` source: a lease re-issued in the background is told at once.

The waiting is done by ``_native._Watcher.next``, with the interpreter lock released;
the callbacks are called here, in Python, so that no frame of the native module is on
this thread's stack while one runs. The thread ends when ``next`` says so: at the
interpreter's exit (an ``atexit`` hook wakes it and joins it) or in a forked child (which
starts its own).
"""

from __future__ import annotations

import logging

from secretary._native import _Watcher

_log = logging.getLogger("secretary")


def run(watcher: _Watcher) -> None:
    """Calls each callback with the keys of each change until the watcher ends; a
    callback that raises is logged and the others are still called."""
    while (change := watcher.next()) is not None:
        keys, callbacks = change
        for callback in callbacks:
            try:
                callback(list(keys))
            except Exception:  # noqa: BLE001 - a callback's error must not end the thread
                _log.error("an on_change callback raised; the other callbacks were still called", exc_info=True)
