#!/usr/bin/env bash
# What a shadow run (p:shadow, collector run --watch --shadow) costs the
# live pipeline: the canonical workload, null sink, with and without a
# shadow run of the same processor (every record the same), runs
# alternated; prints each run's wall time, user CPU and peak RSS, and the
# summary lines (which must be the same in every run).
#
#   scripts/bench-shadow.sh [N]     N records (default 1000000); RUNS=5
#
# COLLECTOR names the binary (default .build/release/collector, built if
# missing); BENCH_DIR the shared benchmark folder (gen_data.py), default
# ../shared/bench beside the checkout. The data goes to $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
bench=${BENCH_DIR:-../shared/bench}
collector=$(realpath "${COLLECTOR:-.build/release/collector}")
if [[ ! -x $collector ]]; then
    swift build -c release --product collector
fi
tmp=${TMPDIR:-/tmp}
input="$tmp/readings-$n.jsonl"
if [[ ! -s $input ]]; then
    python3 "$bench/gen_data.py" "$n" "$input"
fi
cd examples
for run in $(seq "${RUNS:-5}"); do
    for mode in none shadow; do
        shadow=()
        if [[ $mode == shadow ]]; then shadow=(SHADOW=processors/readings.lua); fi
        /usr/bin/time -f "run $run $mode: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
            env INPUT="$input" "${shadow[@]}" "$collector" run canonical.lua --quiet 2>&1 | grep -v '^pipeline '
    done
done
