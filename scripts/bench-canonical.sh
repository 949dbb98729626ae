#!/usr/bin/env bash
# The canonical workload, side by side with the reference host (Lua 5.4 +
# lua-cjson), as docs/performance.md reports it:
#
#   scripts/bench-canonical.sh [N]        N records (default 1000000)
#
# BENCH_DIR names the shared benchmark folder (gen_data.py, reference_host.lua,
# verify.py); the default is ../shared/bench beside the checkout. The data is
# generated once into ${TMPDIR:-/tmp}. Installs what it needs (scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-1000000}
bench=${BENCH_DIR:-$root/../shared/bench}
tmp=${TMPDIR:-/tmp}
[[ -f "$bench/reference_host.lua" ]] || { echo "bench: no reference_host.lua in $bench (set BENCH_DIR)" >&2; exit 2; }

scripts/setup.sh --bench
input="$tmp/readings-$n.jsonl"
if [[ ! -s "$input" ]]; then
    echo "bench: generating $n records into $input"
    python3 "$bench/gen_data.py" "$n" "$input"
fi
swift build -c release --product collector
collector="$root/.build/release/collector"
ref_out="$tmp/canonical-ref-$n.jsonl"
db="$tmp/canonical-$n.db"

echo "== summaries (must be equal)"
lua5.4 "$bench/reference_host.lua" full "$input" "$ref_out" | tail -1
(cd examples && INPUT="$input" "$collector" run canonical.lua --quiet | sed -n 1p)
(cd examples && INPUT="$input" SINK=sqlite DB="$db" "$collector" run canonical.lua --quiet | sed -n 1p)
echo "== records (verify.py: reference vs the SQLite sink's rows)"
python3 "$bench/verify.py" "$ref_out" "$db"

echo "== wall time, side by side (hyperfine)"
hyperfine -w 1 -r "${RUNS:-5}" -N --export-markdown "$tmp/canonical-$n.md" \
    -n reference "lua5.4 $bench/reference_host.lua full $input" \
    -n "collector null" "env INPUT=$input $collector run $root/examples/canonical.lua --quiet" \
    -n "collector sqlite" "env INPUT=$input SINK=sqlite DB=$db $collector run $root/examples/canonical.lua --quiet"
cat "$tmp/canonical-$n.md"

echo "== peak memory (max RSS)"
for sink in null sqlite; do
    python3 - "$collector" "$root/examples/canonical.lua" "$input" "$sink" "$db" <<'PY'
import os, resource, subprocess, sys
collector, script, data, sink, db = sys.argv[1:]
env = dict(os.environ, INPUT=data, SINK=sink, DB=db)
subprocess.run([collector, "run", script, "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL,
               cwd=os.path.dirname(script))
print(f"collector {sink}: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} MiB")
PY
done

echo "== start-up: a script with an empty pipeline"
empty="$tmp/canonical-empty.lua"
echo 'pipeline "empty" { from = source.generator { count = 0 }, to = storage.null {} }' > "$empty"
hyperfine -w 3 -r 20 -N "$collector run $empty --quiet"
