#!/usr/bin/env bash
# Benchmark (issue 5): a cached SecretManager::get from 8 threads at once (criterion),
# and the Python accessor of the same shape (a functools.lru_cache'd method, 8 threads),
# both as wall time of all calls over their number.
# Targets: under 100 ns per call, and at least 10x faster than the Python accessor.
#
#   bench/get.sh          # writes bench/results/get.txt
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
{
  cargo bench --locked -q -p secretary --bench get 2>&1 | grep -E "^cached|^ +time:"
  python3 bench/get_python.py
} | tee bench/results/get.txt
