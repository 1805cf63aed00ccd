#!/usr/bin/env bash
# Benchmark: `secretary check` on the reference example (env + .env sources) as a whole
# process, side by side with a bare `/bin/true`, with hyperfine. Target (issue 2): the
# median within 1 ms of `/bin/true`.
#
#   bench/check.sh            # prints the table and writes bench/results/check.{md,json}
#
# Installs hyperfine from Debian when it is missing. Runs without a shell (-N) so that
# the figures are the programs' own, not a shell's start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hyperfine >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --locked --quiet

mkdir -p bench/results
manifest=examples/faceless-youtube/secrets.toml
# Start from the example's own environment only, as a fresh shell would.
env -i PATH="$PATH" HOME="$HOME" hyperfine -N --warmup 100 --runs "${RUNS:-2000}" \
  --export-markdown bench/results/check.md --export-json bench/results/check.json \
  --command-name '/bin/true' '/bin/true' \
  --command-name 'secretary check' "target/release/secretary --manifest $manifest check"

python3 - <<'PY'
import json
runs = {r["command"]: r for r in json.load(open("bench/results/check.json"))["results"]}
true, check = runs["/bin/true"], runs["secretary check"]
gap = (check["median"] - true["median"]) * 1e3
print(f"median: /bin/true {true['median']*1e3:.3f} ms, secretary check {check['median']*1e3:.3f} ms, "
      f"difference {gap:.3f} ms (target: under 1 ms) -> {'met' if gap < 1 else 'NOT met'}")
PY
