"""Writes the scan benchmark's fixture (issue 16) into DIR:

    python3 bench/scan_fixture.py DIR [MIB]

- DIR/secrets.toml and DIR/.env: 100 sensitive secrets whose values are standard base64
  of 24 random bytes (32 characters, with `+` and `/`, so that URL-encoding changes them);
- DIR/patterns.txt: every literal spelling `secretary scan` searches for, one a line, for
  `grep -F -f`: the value, JSON-escaped, percent-encoded as five encoders write it, inside
  standard and URL-safe base64 at each of the three alignments, and hex in both cases,
  each spelling once (the rules of crates/secretary/src/scan/forms.rs, written again here
  so that grep is given exactly the same strings);
- DIR/tree/: MIB MiB (default 1024) of text in 128 KiB files, 64 directories, with about
  one file in ten holding one value in one of the spellings.

Deterministic (seeded). The values in the fixture are random and used nowhere else.
"""
import base64
import json
import os
import pathlib
import random
import sys
from urllib.parse import quote, quote_plus

out = pathlib.Path(sys.argv[1])
mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
rng = random.Random(16)
values = [base64.b64encode(rng.randbytes(24)).decode() for _ in range(100)]

manifest = ['version = 1', '[sources.dotenv]', 'type = "dotenv"', 'files = [".env"]',
            '[environments.development]', 'sources = ["dotenv"]']
for i in range(100):
    manifest += [f"[secrets.key_{i:03}]", "required = true"]
(out / "secrets.toml").write_text("\n".join(manifest) + "\n")
(out / ".env").write_text("".join(f"KEY_{i:03}='{v}'\n" for i, v in enumerate(values)))
os.chmod(out / ".env", 0o600)

UNRESERVED = "-._~"


def percent(value, keep, plus):
    parts = []
    for byte in value.encode():
        c = chr(byte)
        if byte < 0x80 and (c.isalnum() or c in keep):
            parts.append(c)
        elif plus and c == " ":
            parts.append("+")
        else:
            parts.append(f"%{byte:02X}")
    return "".join(parts)


USERINFO_ENCODED = set(' "#<>?`{}/:;=@[\\]^|')


def userinfo(value):
    return "".join(
        f"%{b:02X}" if b < 0x21 or b > 0x7E or chr(b) in USERINFO_ENCODED else chr(b)
        for b in value.encode()
    )


def base64_inside(value, offset, urlsafe):
    raw = bytes(offset) + value.encode()
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode().rstrip("=")
    first = -(-8 * offset // 6)
    end = min(8 * (offset + len(value)) // 6, len(encoded))
    return encoded[first:end]


def spellings(value):
    found = [value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             quote(value, safe=""), percent(value, UNRESERVED + "!'()*", False),
             percent(value, "*-._", True), quote_plus(value, safe=""), userinfo(value)]
    for offset in range(3):
        found += [base64_inside(value, offset, False), base64_inside(value, offset, True)]
    found += [value.encode().hex(), value.encode().hex().upper()]
    return found


patterns = sorted({s for v in values for s in spellings(v) if s})
(out / "patterns.txt").write_text("".join(p + "\n" for p in patterns))

words = ["def", "return", "self", "import", "from", "config", "value", "request", "user_id",
         "if", "else", "for", "in", "None", "True", "logger.info(", "items", "0x1f", "42",
         "GET", "/api/v1/items", "200", "took", "12ms", "request_id=abc123", "{", "}", "=",
         "settings.DEBUG", "# TODO", "raise", "ValueError(", "'text'", "\"quoted\""]
lines, size = [], 0
while size < 1 << 20:
    line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16)))
    lines.append(line + "\n")
    size += len(lines[-1])
block = "".join(lines).encode()
file_size = 128 * 1024
tree = out / "tree"
for index in range(mib * 8):
    directory = tree / f"d{index % 64:02}"
    directory.mkdir(parents=True, exist_ok=True)
    start = rng.randrange(len(block) - file_size)
    body = bytearray(block[start:start + file_size])
    if rng.random() < 0.1:
        value = rng.choice(values)
        leak = rng.choice(spellings(value)).encode()
        at = body.index(b"\n", rng.randrange(file_size - 1024)) + 1
        body[at:at] = b"token = " + leak + b"\n"
        del body[file_size:]
    (directory / f"f{index:05}.py").write_bytes(body)
