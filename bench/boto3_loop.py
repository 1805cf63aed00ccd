"""The usual way to read secrets from AWS Secrets Manager in Python: a boto3 client and a
sequential loop of GetSecretValue, one call per secret. Reads bench/s000 .. bench/s{N-1}.
Endpoint, region and keys come from AWS_* as for any boto3 program.

    python3 bench/boto3_loop.py N
"""
import sys

import boto3

client = boto3.client("secretsmanager")
values = {}
for i in range(int(sys.argv[1])):
    key = f"s{i:03d}"
    values[key] = client.get_secret_value(SecretId=f"bench/{key}")["SecretString"]
assert len(values) == int(sys.argv[1])
assert all(value == f"value-of-s{i:03d}" for i, value in enumerate(values.values()))
