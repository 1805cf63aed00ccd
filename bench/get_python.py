"""The Python accessor issue 5 compares the cached `SecretManager::get` with: a
`functools.lru_cache`d method, as the reference application's hand-made manager had,
called from 8 threads at once. Prints nanoseconds per call (wall time of all calls over
their number), the same measure as `cargo bench -p secretary --bench get`.

    python3 bench/get_python.py
"""
import functools
import os
import threading
import time

os.environ.setdefault("DATABASE_URL", "postgresql://app:pw@db:5432/app")


class SecretManager:
    @functools.lru_cache(maxsize=None)
    def get(self, key):
        return os.environ[key.upper()]


manager = SecretManager()
manager.get("database_url")
CALLS = 200_000


def work():
    get = manager.get
    for _ in range(CALLS):
        get("database_url")


best = None
for _ in range(5):
    threads = [threading.Thread(target=work) for _ in range(8)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_call = (time.perf_counter() - start) / (8 * CALLS) * 1e9
    best = per_call if best is None else min(best, per_call)
print(f"python lru_cache get, 8 threads: {best:.1f} ns per call (best of 5)")
