"""The reference application's way: a sequential loop of hvac reads, as its hand-made
SecretManager did. Reads secret/data/bench/s0000 .. s{N-1}.

    python3 bench/hvac_loop.py N
"""
import os
import sys

import hvac

client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
values = {}
for i in range(int(sys.argv[1])):
    key = f"s{i:04d}"
    response = client.secrets.kv.v2.read_secret_version(
        path=f"bench/{key}", mount_point="secret", raise_on_deleted_version=True
    )
    values[key] = response["data"]["data"]["value"]
assert len(values) == int(sys.argv[1])
