"""Seeds a local OpenBao with N secrets in the reference layout and writes the
configurations each tool needs to read them back.

    python3 bench/vault_fixture.py DIR N

Writes DIR/N/secrets.toml (secretary) and DIR/N/teller.yml (teller); with SEED=1 in
the environment it also stores secret/data/bench/s0000 .. s{N-1} with field `value`.
VAULT_ADDR and VAULT_TOKEN come from the environment.
"""
import os
import pathlib
import sys

import hvac

out, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
keys = [f"s{i:04d}" for i in range(count)]
for key in keys if os.environ.get("SEED") == "1" else []:
    client.secrets.kv.v2.create_or_update_secret(
        path=f"bench/{key}", mount_point="secret", secret={"value": f"value-of-{key}"}
    )

folder = out / str(count)
folder.mkdir(parents=True, exist_ok=True)
manifest = [
    "version = 1",
    "[sources.vault]",
    'type = "vault"',
    'path = "{environment}/{key}"',
    "[environments.bench]",
    'sources = ["vault"]',
]
for key in keys:
    manifest += [f"[secrets.{key}]", "required = true"]
(folder / "secrets.toml").write_text("\n".join(manifest) + "\n")

teller = ["providers:", "  vault:", "    kind: hashicorp", "    maps:"]
for key in keys:
    teller += [f"      - id: {key}", f"        path: secret/bench/{key}"]
(folder / "teller.yml").write_text("\n".join(teller) + "\n")
