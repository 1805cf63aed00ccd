"""Writes the redaction benchmark's fixture (issue 4) into DIR:

    python3 bench/redact_fixture.py DIR

DIR/secrets.toml and DIR/.env (100 secrets, 32-character URL-safe values), DIR/teller.yml
(teller's dotenv provider over the same .env), and DIR/input.log: 1 GiB of log-like
lines, 2% of them carrying one of the values. Deterministic (seeded).
"""
import os
import pathlib
import random
import string
import sys

out = pathlib.Path(sys.argv[1])
rng = random.Random(1)
alphabet = string.ascii_letters + string.digits + "-_"
values = ["".join(rng.choice(alphabet) for _ in range(32)) for _ in range(100)]

manifest = ['version = 1', '[sources.dotenv]', 'type = "dotenv"', 'files = [".env"]',
            '[environments.development]', 'sources = ["dotenv"]']
for i in range(100):
    manifest += [f"[secrets.key_{i:03}]", "required = true"]
(out / "secrets.toml").write_text("\n".join(manifest) + "\n")
(out / ".env").write_text("".join(f"KEY_{i:03}={v}\n" for i, v in enumerate(values)))
os.chmod(out / ".env", 0o600)
(out / "teller.yml").write_text(
    f"providers:\n  dotenv:\n    kind: dotenv\n    maps:\n      - id: all\n        path: {out}/.env\n"
)

words = ["GET", "/api/v1/items", "200", "INFO", "user=42", "took", "12ms",
         "request_id=abc123", "POST", "WARN"]
lines, size = [], 0
while size < 1 << 20:
    line = " ".join(rng.choice(words) for _ in range(12))
    if rng.random() < 0.02:
        line += " token=" + rng.choice(values)
    lines.append(line + "\n")
    size += len(lines[-1])
block = "".join(lines).encode()[: 1 << 20]
with open(out / "input.log", "wb") as f:
    for _ in range(1024):
        f.write(block)
