#!/usr/bin/env bash
# Benchmark (issue 4): `secretary run -- /bin/true` on the reference example (14 secrets
# from `.env`), side by side in one hyperfine run with bare `/bin/true` and the peers
# that start a program with a .env file's values:
#   teller run --reset (dotenv provider), dotenvx run, dotenv-cli, python-dotenv's `dotenv run`.
# Target: within 1 ms of bare /bin/true, and faster than every peer.
#
# secretary is measured twice: as `scripts/install` installs it (the fast start-up build:
# the fast-start profile, glibc linked statically; docs/install.md), and as a plain
# `cargo build --release` builds it (dynamically linked). Both are position-independent.
#
#   bench/run.sh        # RUNS=300 by default; writes bench/results/run.{json,md}
#
# Installs what it needs: hyperfine from Debian, python-dotenv from PyPI, dotenvx and
# dotenv-cli from npm (into bench/node_modules, git-ignored), teller with
# `cargo install teller --locked` (needs Debian's protobuf-compiler).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
python3 -c "import dotenv.cli" 2>/dev/null || python3 -m pip install --quiet "python-dotenv[cli]"
[ -x bench/node_modules/.bin/dotenvx ] && [ -x bench/node_modules/.bin/dotenv ] ||
  npm install --silent --prefix bench --no-save @dotenvx/dotenvx dotenv-cli
if ! command -v teller >/dev/null; then
  command -v protoc >/dev/null || apt-get install -y -qq protobuf-compiler >/dev/null
  cargo install teller --locked
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --locked --quiet
scripts/install --root "$work/installed" --quiet
mkdir -p bench/results

app=$PWD/examples/faceless-youtube
node_bin=$PWD/bench/node_modules/.bin
secretary=$PWD/target/release/secretary
installed=$work/installed/bin/secretary
python_dotenv=$(python3 -c 'import shutil, sys, os; print(os.path.join(os.path.dirname(sys.executable), "dotenv"))')
printf 'providers:\n  dotenv:\n    kind: dotenv\n    maps:\n      - id: app\n        path: %s/.env\n' "$app" >"$work/teller.yml"

cd "$app"
# Each must really pass the secrets: the child sees DATABASE_URL.
probe='test -n "$DATABASE_URL"'
env -i PATH="$PATH" HOME="$HOME" "$secretary" run -- /bin/sh -c "$probe"
env -i PATH="$PATH" HOME="$HOME" "$installed" run -- /bin/sh -c "$probe"
teller -c "$work/teller.yml" run --reset -- /bin/sh -c "$probe"
"$node_bin/dotenvx" run -q -f .env -- /bin/sh -c "$probe"
"$node_bin/dotenv" -e .env -- /bin/sh -c "$probe"
"$python_dotenv" -f .env run /bin/sh -c "$probe"

env -i PATH="$PATH" HOME="$HOME" hyperfine -N --warmup 20 --runs "${RUNS:-300}" \
  --export-json "$OLDPWD/bench/results/run.json" --export-markdown "$OLDPWD/bench/results/run.md" \
  --command-name "/bin/true" "/bin/true" \
  --command-name "secretary run (cargo build --release)" "$secretary run -- /bin/true" \
  --command-name "secretary run (installed)" "$installed run -- /bin/true" \
  --command-name "teller run --reset" "teller -c $work/teller.yml run --reset -- /bin/true" \
  --command-name "dotenvx run" "$node_bin/dotenvx run -q -f .env -- /bin/true" \
  --command-name "dotenv-cli" "$node_bin/dotenv -e .env -- /bin/true" \
  --command-name "python-dotenv run" "$python_dotenv -f .env run /bin/true"
cd "$OLDPWD"

python3 - <<'PY'
import json
runs = {r["command"]: r["median"] for r in json.load(open("bench/results/run.json"))["results"]}
true = runs.pop("/bin/true")
ours = runs.pop("secretary run (installed)")
plain = runs.pop("secretary run (cargo build --release)")
for name, median in [("secretary run, installed", ours), ("secretary run, cargo build --release", plain)]:
    print(f"median: /bin/true {true*1e3:.3f} ms, {name} {median*1e3:.3f} ms "
          f"(+{(median-true)*1e3:.3f} ms; target under 1 ms: {'met' if median - true < 1e-3 else 'NOT met'})")
for name, median in runs.items():
    print(f"  {name}: {median*1e3:.1f} ms ({median/ours:.1f}x the installed secretary, "
          f"{median/plain:.1f}x cargo build --release)")
slowest = max(ours, plain)
print(f"faster than every peer, both builds: {'met' if all(m > slowest for m in runs.values()) else 'NOT met'}")
PY
