"""Stores bench/s000 .. bench/s{N-1} (value `value-of-sNNN`) in Secrets Manager (moto, at
AWS_ENDPOINT_URL) and writes DIR/secrets.toml: one aws_secrets_manager source, an
environment `bench`, N required secrets.

    python3 bench/aws_fixture.py DIR N
"""
import os
import sys

import boto3

directory, count = sys.argv[1], int(sys.argv[2])
client = boto3.client("secretsmanager")
for i in range(count):
    client.create_secret(Name=f"bench/s{i:03d}", SecretString=f"value-of-s{i:03d}")
os.makedirs(directory, exist_ok=True)
with open(os.path.join(directory, "secrets.toml"), "w") as manifest:
    manifest.write(
        'version = 1\n[sources.aws]\ntype = "aws_secrets_manager"\nname = "{environment}/{key}"\n'
        '[environments.bench]\nsources = ["aws"]\n'
    )
    for i in range(count):
        manifest.write(f"[secrets.s{i:03d}]\nrequired = true\n")
