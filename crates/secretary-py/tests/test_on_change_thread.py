"""``on_change`` from the background: a lease re-issued by the library's keeper is told at
once, from the manager's own thread, with no call into the manager; that thread waits
without the interpreter lock, lets the interpreter exit at once, and a forked child gets
its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from test_leases import LEASED, leased, wait_until

LEASE_KEYS = {"postgres_user", "postgres_password", "database_url"}


def test_a_reissue_is_told_from_the_managers_thread_with_no_call_and_no_lock_held(app, openbao, postgres, monkeypatch):
    secrets = leased(app, openbao, postgres, monkeypatch, "watched", "3s", "6s", "1s")
    secrets.validate()  # what the application was served: all three change with the lease
    first = secrets.get("postgres_user").expose()
    told: list[tuple[list[str], str]] = []
    done = threading.Event()

    @secrets.on_change
    def changed(keys: list[str]) -> None:
        told.append((keys, threading.current_thread().name))
        done.set()

    # From here on this thread never calls the manager: it only runs Python, in short
    # slices, and notes the longest pause between two. A thread that held the
    # interpreter lock while it waited would stop it for seconds at a time.
    longest = 0.0
    last = time.monotonic()
    deadline = last + 20
    while not done.is_set() and time.monotonic() < deadline:
        n = 0
        while n < 20_000:
            n += 1
        now = time.monotonic()
        longest = max(longest, now - last)
        last = now
    assert done.is_set(), "no on_change within 20 s of a lease whose max TTL is 6 s"
    keys, thread = told[0]
    assert LEASE_KEYS <= set(keys), keys
    assert thread == "secretary-on-change"
    assert longest < 1.0, f"this thread was held up {longest:.2f} s while the other waited"
    assert secrets.get("postgres_user").expose() != first
    secrets.close()
    wait_until("every user revoked", 10, lambda: postgres.users("watched") == 0)


EXITS = """
import sys, time
import secretary
secrets = secretary.SecretManager(environment="production")
secrets.validate()
secrets.on_change(lambda keys: print("changed", sorted(keys), flush=True))
print("ready", flush=True)
if sys.argv[1] == "after-a-change":
    deadline = time.monotonic() + 20
    while "changed" not in open(sys.argv[2]).read() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def test_the_interpreter_exits_at_once_with_the_thread_waiting_and_the_leases_are_revoked(app, openbao, postgres):
    postgres.engine(openbao, "exits", "3s", "6s")
    app.write_manifest(LEASED.format(app="exits", port=postgres.port, grace="1s"))
    env = {"PATH": os.environ["PATH"], "HOME": str(app.dir), **openbao.env}
    if "PYTHONPATH" in os.environ:  # a package not installed but on the path
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    for case in ("at-once", "after-a-change"):
        out = app.dir / f"{case}.out"
        started = time.monotonic()
        with out.open("w") as stdout:
            done = subprocess.run(
                [sys.executable, "-c", EXITS, case, str(out)],
                cwd=app.dir, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60,
            )
        took = time.monotonic() - started
        said = out.read_text()
        assert done.returncode == 0, f"{case}: {done.returncode}\n{said}\n{done.stderr}"
        assert "ready" in said, said
        assert done.stderr == "", f"{case}: {done.stderr}"
        if case == "after-a-change":
            assert "changed ['database_url', 'postgres_password', 'postgres_user']" in said, said
        else:
            assert took < 10, f"{case}: the interpreter took {took:.1f} s to exit"
        # The atexit hook revoked the lease: no user is left.
        wait_until(f"{case}: revoked at exit", 2, lambda: postgres.users("exits") == 0)


def test_a_forked_child_is_told_of_its_own_reissue_from_a_thread_of_its_own(app, openbao, postgres, monkeypatch):
    secrets = leased(app, openbao, postgres, monkeypatch, "forked", "3s", "6s", "1s")
    secrets.on_change(lambda keys: None)
    parent = secrets.get("postgres_user").expose()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own lease, re-issued, told from its own thread
        status = 1
        try:
            told = threading.Event()
            names: list[str] = []

            def changed(keys: list[str]) -> None:
                if "postgres_user" in keys:
                    names.append(threading.current_thread().name)
                    told.set()

            secrets.on_change(changed)
            mine = secrets.get("postgres_user").expose()
            if told.wait(20) and mine != parent:
                os.write(write_end, f"{names[0]} {mine}".encode())
                status = 0
            secrets.close()
        finally:
            os._exit(status)
    os.close(write_end)
    said = os.read(read_end, 300).decode()
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, "the child was not told of its re-issue within 20 s"
    thread, child_user = said.split()
    assert thread == "secretary-on-change"
    assert child_user.startswith("v-token-forked-") and child_user != parent
    secrets.close()
    wait_until("every user revoked", 10, lambda: postgres.users("forked") == 0)


class Watcher:
    """Stands for ``_native._Watcher``: hands out the changes given, then ends."""

    def __init__(self, changes: list[tuple[list[str], list]]) -> None:
        self._changes = list(changes)

    def next(self):
        return self._changes.pop(0) if self._changes else None


def test_nothing_a_callback_raises_ends_the_thread_nor_reaches_the_log_by_its_message(monkeypatch, caplog):
    # A twenty-sixth adversarial pass: `sys.exit()` in a callback (a BaseException, where
    # the loop caught Exception alone) ended the "secretary-on-change" thread silently,
    # and no later change was told: the lifespan's settings were no longer marked stale.
    import logging

    from secretary import _on_change

    interrupted: list[str] = []
    monkeypatch.setattr("_thread.interrupt_main", lambda: interrupted.append(threading.current_thread().name))
    heard: list[list[str]] = []

    def exits(keys: list[str]) -> None:
        sys.exit(5)

    def interrupts(keys: list[str]) -> None:
        raise KeyboardInterrupt

    def fails(keys: list[str]) -> None:
        raise ValueError("CANARY-on-change-value")

    class Stop(BaseException):
        pass

    def stops(keys: list[str]) -> None:
        raise Stop("CANARY-on-change-value")

    watcher = Watcher([
        (["a"], [exits, heard.append]),
        (["b"], [interrupts, heard.append]),
        (["c"], [fails, heard.append]),
        (["d"], [stops, heard.append]),
        (["e"], [heard.append]),
    ])
    ended: list[BaseException | None] = []

    def thread_main() -> None:
        try:
            _on_change.run(watcher)
            ended.append(None)
        except BaseException as error:  # what ended it
            ended.append(error)

    with caplog.at_level(logging.ERROR, logger="secretary"):
        thread = threading.Thread(target=thread_main, name="secretary-on-change")
        thread.start()
        thread.join(10)
    assert not thread.is_alive(), "the loop did not end within 10 s"
    assert ended == [None], ended
    assert heard == [["a"], ["b"], ["c"], ["d"], ["e"]], "a change was not told after a callback raised"
    # A KeyboardInterrupt is handed to the main thread, as Ctrl-C; nothing else is.
    assert interrupted == ["secretary-on-change"]
    said = [r.getMessage() for r in caplog.records]
    for kind, name in (("SystemExit", "exits"), ("KeyboardInterrupt", "interrupts"), ("ValueError", "fails"), ("Stop", "stops")):
        assert any(f"raised {kind} at " in m and f".{name}) raised" in m for m in said), (kind, said)
    assert "CANARY-on-change-value" not in caplog.text


def test_a_callback_that_exits_does_not_end_the_managers_thread(app, openbao, postgres, monkeypatch):
    # The same against a real lease: before, the first re-issue's `sys.exit()` ended the
    # thread, and the second re-issue was never told.
    secrets = leased(app, openbao, postgres, monkeypatch, "exiting", "3s", "6s", "1s")
    secrets.validate()
    told: list[str] = []

    @secrets.on_change
    def exits(keys: list[str]) -> None:
        told.append(threading.current_thread().name)
        sys.exit(3)

    # This thread never calls the manager from here on: only its own thread can tell.
    wait_until("a second re-issue told after a callback exited", 25, lambda: len(told) >= 2)
    assert told[:2] == ["secretary-on-change", "secretary-on-change"]
    secrets.close()
    wait_until("every user revoked", 10, lambda: postgres.users("exiting") == 0)
