#!/usr/bin/env bash
# Benchmark (issue 16): `secretary scan` of a 1 GiB tree for 100 values in four encodings
# (exact, URL-encoded, base64 at three alignments and in both alphabets, hex in both
# cases: 673 literal strings), side by side with `grep -rnF -f` given the same strings,
# and ripgrep's `rg -nF -f` for reference. Target: at least half of grep's throughput.
#
#   bench/scan.sh          # ROUNDS=5 by default; writes bench/results/scan.txt
#
# The fixture (bench/scan_fixture.py) is written to a temporary directory (needs 1.2 GiB
# free in $TMPDIR) and read once before timing, so that every tool reads from the page
# cache. Each tool is first checked to report the same lines as the others. The timing
# is bench/interleave.py's rounds: each round runs every command once, in an order rotated
# from round to round. grep and secretary (both cores) are timed, and secretary pinned to
# one core with taskset, since grep searches with one. Installs ripgrep from Debian when
# it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }
cargo build --release --locked --quiet -p secretary-cli
mkdir -p bench/results
secretary="$PWD/target/release/secretary"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/scan_fixture.py "$work" "${MIB:-1024}"
cd "$work"

# The same places, found by every tool: file and line, from each one's output.
"$secretary" scan --format json tree >ours.json || test $? -eq 1
python3 - <<'PY'
import json, subprocess
ours = {(f["path"], f["line"]) for f in json.load(open("ours.json"))["found"]}
def places(command):
    out = subprocess.run(command, capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"}).stdout
    return {(line.split(":")[0], int(line.split(":")[1])) for line in out.splitlines()}
grep = places(["grep", "-rnF", "-f", "patterns.txt", "tree"])
rg = places(["rg", "-nF", "--no-heading", "-f", "patterns.txt", "tree"])
assert ours == grep == rg, (len(ours), len(grep), len(rg))
print(f"scan.sh: every tool reports the same {len(ours)} lines")
PY

# interleave.py splits commands on spaces and stops on a non-zero exit: secretary exits
# 1 when it finds values (it does here), so each command is a one-line script.
printf '#!/bin/sh\n"%s" scan tree >/dev/null; test $? -eq 1\n' "$secretary" >ours.sh
printf '#!/bin/sh\ntaskset -c 0 "%s" scan tree >/dev/null; test $? -eq 1\n' "$secretary" >ours1.sh
printf '#!/bin/sh\nLC_ALL=C grep -rnF -f patterns.txt tree >/dev/null\n' >grep.sh
printf '#!/bin/sh\nrg -nF -f patterns.txt tree >/dev/null\n' >rg.sh
chmod +x ours.sh ours1.sh grep.sh rg.sh
cat tree/*/* >/dev/null
{
  echo "tree: $(du -sb tree | cut -f1) bytes in $(find tree -type f | wc -l) files; $(wc -l <patterns.txt) patterns"
  python3 "$OLDPWD/bench/interleave.py" "${ROUNDS:-5}" \
    "grep=$work/grep.sh" "secretary=$work/ours.sh" "secretary-1-core=$work/ours1.sh" "ripgrep=$work/rg.sh"
} | tee "$OLDPWD/bench/results/scan.txt"
