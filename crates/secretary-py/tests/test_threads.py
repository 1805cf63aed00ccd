"""One manager shared between threads: the interpreter lock is released while a source
is read, concurrent misses make one read, and a change made on one thread is seen by
all."""

import threading
import time

import pytest

from conftest import VAULT_MANIFEST, clean_environment
from secretary import SecretManager

# Valid for both keys of the manifest (a URL).
RELEASED = "postgresql://released-from-vault/app"


@pytest.fixture
def held_vault(tmp_path, monkeypatch, scripted_vault):
    """An application whose Vault answers only when a Python thread releases it."""
    clean_environment(monkeypatch, tmp_path)
    (tmp_path / "secrets.toml").write_text(VAULT_MANIFEST)
    monkeypatch.chdir(tmp_path)
    vault = scripted_vault("hold", 20, RELEASED)
    monkeypatch.setenv("VAULT_ADDR", vault.address)
    monkeypatch.setenv("VAULT_TOKEN", "scripted-token")
    monkeypatch.setenv("VAULT_CLIENT_TIMEOUT", "60")
    return vault


def release_when_asked(vault, asked: int) -> threading.Thread:
    """A Python thread that waits until the Vault has `asked` reads, then releases them.
    It can only run while the reading thread has let go of the interpreter lock."""

    def run():
        deadline = time.monotonic() + 30
        while vault.requests() < asked and time.monotonic() < deadline:
            time.sleep(0.01)
        vault.release()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_interpreter_lock_is_released_while_a_source_is_read(held_vault):
    manager = SecretManager(environment="production")
    releaser = release_when_asked(held_vault, 1)
    # If get_secret held the lock while Vault held its answer, the releaser could never
    # run, and the scripted Vault would answer `never-released` after its 20 s.
    assert manager.get_secret("api_key") == RELEASED
    releaser.join()


def test_validate_and_refresh_release_it_too(held_vault):
    manager = SecretManager(environment="production")
    releaser = release_when_asked(held_vault, 2)
    report = manager.validate()
    assert report["api_key"].state == "ok"
    assert manager.get_secret("api_key") == RELEASED
    releaser.join()
    assert manager.refresh() == []


def test_concurrent_misses_for_one_key_make_one_source_read(held_vault):
    manager = SecretManager(environment="production")
    results = []
    readers = [threading.Thread(target=lambda: results.append(manager.get_secret("api_key"))) for _ in range(8)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 30
    while held_vault.requests() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # let the other readers queue behind the first
    held_vault.release()
    for reader in readers:
        reader.join()
    assert results == [RELEASED] * 8
    assert held_vault.requests() == 1


def test_a_change_made_on_one_thread_is_seen_by_every_thread(app, monkeypatch):
    monkeypatch.setenv("API_KEY", "first-api-key")
    manager = SecretManager()
    seen: dict[int, set[str]] = {}
    changed = threading.Event()
    stop = threading.Event()

    def reader(index: int) -> None:
        values = seen.setdefault(index, set())
        while not stop.is_set():
            values.add(manager.get_secret("api_key"))
            if changed.is_set() and "second-api-key" in values:
                return

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for thread in readers:
        thread.start()
    time.sleep(0.05)
    monkeypatch.setenv("API_KEY", "second-api-key")
    manager.clear_cache()
    changed.set()
    for thread in readers:
        thread.join(timeout=30)
    stop.set()
    assert all(values <= {"first-api-key", "second-api-key"} for values in seen.values())
    assert all("second-api-key" in values for values in seen.values()), seen
