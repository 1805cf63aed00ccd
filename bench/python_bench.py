"""The Python package against what the reference application did by hand (issue 14,
"Speed"), side by side in one run:

1. a cached ``get_secret`` from Python: secretary's, against the hand-made class's
   ``functools.lru_cache``d accessor over ``os.getenv``, and a plain ``dict`` lookup;
2. making a ``SecretManager`` and validating the example's 14 secrets (target: < 2 ms);
3. 100 secrets from a local OpenBao, in-process: ``SecretManager(...).validate()``
   against the hand-made class's sequential hvac loop (target: at least 10x faster).

    python bench/python_bench.py EXAMPLE_DIR [VAULT_MANIFEST_DIR]

EXAMPLE_DIR holds the example's secrets.toml and .env; VAULT_MANIFEST_DIR the manifest
``bench/vault_fixture.py`` wrote for 100 secrets (environment ``bench``), with VAULT_ADDR
and VAULT_TOKEN in the environment. Prints one line per measure.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import time
import timeit

import secretary
from secretary import SecretManager

ROUNDS = int(os.environ.get("ROUNDS", "30"))


def per_call_ns(statement, number: int = 1_000_000, repeat: int = 7) -> float:
    """The best of ``repeat`` runs of ``number`` calls, in nanoseconds per call."""
    timer = timeit.Timer(statement)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e9


class HandMadeSecretManager:
    """The reference application's accessor, as it was: ``lru_cache`` over ``os.getenv``."""

    @functools.lru_cache(maxsize=128)
    def get_secret(self, key: str, default: str | None = None) -> str | None:
        return os.getenv(key.upper(), default)


@functools.lru_cache(maxsize=1)
def hand_made_manager() -> HandMadeSecretManager:
    return HandMadeSecretManager()


def hand_made_get_secret(key: str, default: str | None = None) -> str | None:
    """Its module-level call: the shared manager, then the cached method."""
    return hand_made_manager().get_secret(key, default)


def cached_reads(example: str) -> None:
    os.chdir(example)
    manager = SecretManager()
    url = manager.get_secret("database_url")
    os.environ["DATABASE_URL"] = url
    secretary.get_secret_manager.cache_clear()
    shared = secretary.get_secret_manager()
    hand_made = HandMadeSecretManager()
    assert hand_made.get_secret("database_url") == url == secretary.get_secret("database_url")
    plain = {"database_url": url}
    rows = [
        ("dict lookup: values['database_url']", lambda: plain["database_url"]),
        ("hand-made: manager.get_secret (lru_cache over os.getenv)", lambda: hand_made.get_secret("database_url")),
        ("secretary: manager.get_secret (cached)", lambda: manager.get_secret("database_url")),
        ("secretary: manager.get (cached, a Secret)", lambda: manager.get("database_url")),
        ("hand-made: module get_secret (lru_cache'd manager + method)", lambda: hand_made_get_secret("database_url")),
        ("secretary: module get_secret (shared manager)", lambda: secretary.get_secret("database_url")),
    ]
    # The lambda's own call is in every row; measure it to subtract.
    empty = per_call_ns(lambda: None)
    print(f"cached reads, one thread, best of 7 x 1,000,000 calls, minus an empty call ({empty:.1f} ns):")
    for label, call in rows:
        print(f"  {label:<62} {per_call_ns(call) - empty:6.1f} ns")
    del shared


def build_and_validate(example: str) -> None:
    os.chdir(example)
    SecretManager().validate()
    times = []
    for _ in range(max(ROUNDS, 200)):
        start = time.perf_counter()
        SecretManager().validate()
        times.append(time.perf_counter() - start)
    times.sort()
    median = statistics.median(times) * 1e3
    p90 = times[int(len(times) * 0.9)] * 1e3
    print(
        f"SecretManager() + validate() of the example's 14 secrets, {len(times)} runs: "
        f"median {median:.3f} ms, p90 {p90:.3f} ms, best {times[0] * 1e3:.3f} ms (target < 2 ms)"
    )


def vault(manifest_dir: str) -> None:
    import hvac

    address, token = os.environ["VAULT_ADDR"], os.environ["VAULT_TOKEN"]
    manifest = os.path.join(manifest_dir, "secrets.toml")
    keys = [f"s{i:04d}" for i in range(100)]

    def hvac_loop() -> dict[str, str]:
        client = hvac.Client(url=address, token=token)
        values = {}
        for key in keys:
            reply = client.secrets.kv.v2.read_secret_version(
                path=f"bench/{key}", mount_point="secret", raise_on_deleted_version=True
            )
            values[key] = reply["data"]["data"]["value"]
        return values

    def in_process() -> int:
        report = SecretManager(manifest=manifest, environment="bench").validate()
        return report.set_count

    # The floor: bench/ideal_client.rs, raw HTTP/1.1 reads and nothing else, 16 in flight
    # (secretary's shape), as a whole process (about 1 ms of it is the start).
    ideal = os.environ.get("IDEAL_CLIENT")
    port = address.rsplit(":", 1)[1]

    def ideal_client() -> None:
        subprocess.run([ideal, port, "100", "16", "inflight"], check=True)

    assert len(hvac_loop()) == 100 and in_process() == 100
    times: dict[str, list[float]] = {"secretary": [], "hvac": [], "ideal": []}
    for _ in range(ROUNDS):  # interleaved, so that a slow minute falls on all alike
        for name, call in (("secretary", in_process), ("hvac", hvac_loop), ("ideal", ideal_client)):
            if name == "ideal" and not ideal:
                continue
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    ours, theirs = statistics.median(times["secretary"]) * 1e3, statistics.median(times["hvac"]) * 1e3
    print(f"100 secrets from a local OpenBao, {ROUNDS} interleaved rounds, medians:")
    print(f"  secretary: SecretManager(...).validate(), in-process  {ours:8.2f} ms")
    print(f"  hand-made: hvac.Client + 100 sequential reads         {theirs:8.2f} ms")
    if times["ideal"]:
        floor = statistics.median(times["ideal"]) * 1e3
        print(f"  floor: bench/ideal_client.rs, 16 in flight (process)  {floor:8.2f} ms")
        print(f"  secretary is {ours / floor:.2f}x the floor; 10x hvac would be {theirs / 10:.2f} ms, {theirs / 10 / floor:.2f}x the floor")
    print(f"  secretary is {theirs / ours:.1f}x faster than the hvac loop (target: at least 10x)")


def main() -> None:
    example = os.path.abspath(sys.argv[1])
    print(f"python {sys.version.split()[0]}, secretary {secretary.__version__}")
    cached_reads(example)
    build_and_validate(example)
    if len(sys.argv) > 2:
        vault(os.path.abspath(sys.argv[2]))


if __name__ == "__main__":
    main()
