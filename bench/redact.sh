#!/usr/bin/env bash
# Benchmark (issue 4): redaction of a 1 GiB stream with 100 secret values.
#   - in process: criterion, `cargo bench -p secretary --bench redact` (target >= 1 GB/s);
#   - whole process, side by side in one hyperfine run: `secretary redact` and
#     `teller redact` (dotenv provider over the same .env) on the same 1 GiB file.
#
#   bench/redact.sh        # RUNS=5 by default; writes bench/results/redact*.{json,md,txt}
#
# Installs what it needs: hyperfine from Debian, teller with `cargo install teller --locked`
# (needs Debian's protobuf-compiler; a long build, once). Needs 3 GiB free in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
if ! command -v teller >/dev/null; then
  command -v protoc >/dev/null || apt-get install -y -qq protobuf-compiler >/dev/null
  cargo install teller --locked
fi
cargo build --release --locked --quiet
mkdir -p bench/results

cargo bench --locked -q -p secretary --bench redact 2>&1 | tee bench/results/redact-criterion.txt

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/redact_fixture.py "$work"
secretary="$PWD/target/release/secretary"

# Both must really redact: every value gone, the same number of replacements.
(cd "$work" && "$secretary" redact <input.log >ours.log && teller -c teller.yml redact --in input.log >theirs.log)
for out in ours theirs; do
  if grep -qFf <(cut -d= -f2 "$work/.env") "$work/$out.log"; then
    echo "redact.sh: a value survived in $out.log" >&2
    exit 1
  fi
done
test "$(grep -o 'redacted:key_' "$work/ours.log" | wc -l)" -eq "$(grep -o 'REDACTED' "$work/theirs.log" | wc -l)"
rm "$work/ours.log" "$work/theirs.log"

cd "$work"
hyperfine --warmup 1 --runs "${RUNS:-5}" \
  --export-json "$OLDPWD/bench/results/redact.json" --export-markdown "$OLDPWD/bench/results/redact.md" \
  --command-name "secretary redact (1 GiB)" "$secretary redact <input.log >/dev/null" \
  --command-name "teller redact (1 GiB)" "teller -c teller.yml redact --in input.log >/dev/null"
