#!/usr/bin/env bash
# The canonical workload (null sink) on one core and on two, and its peak
# memory for a large input, as docs/performance.md reports them:
#
#   scripts/bench-scaling.sh [N] [BIG]   N records for the scaling runs (default
#                                        1000000), BIG for peak RSS (default 10000000)
#
# Scaling: `taskset -c 0` (one core) against both cores, RUNS runs each
# (default 5), interleaved; records/s from the median wall time, and the
# parallel efficiency: (records/s on 2 cores) / (2 × records/s on 1 core).
# CPU time (user + sys) is printed beside each run. BENCH_DIR, COLLECTOR: as in
# bench-canonical.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-1000000}
big=${2:-10000000}
bench=${BENCH_DIR:-$root/../shared/bench}
tmp=${TMPDIR:-/tmp}
if [[ -z "${COLLECTOR:-}" ]]; then
    swift build -c release --product collector
    COLLECTOR="$root/.build/release/collector"
fi
for count in "$n" "$big"; do
    if [[ ! -s "$tmp/readings-$count.jsonl" ]]; then
        echo "bench: generating $count records into $tmp/readings-$count.jsonl"
        python3 "$bench/gen_data.py" "$count" "$tmp/readings-$count.jsonl"
    fi
done

# One run: wall seconds, CPU seconds and peak RSS (KiB), and the summary line.
run() {
    local input=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/scaling-time" "$@" env INPUT="$input" \
        "$COLLECTOR" run "$root/examples/canonical.lua" --quiet > "$tmp/scaling-out"
    read -r wall user sys rss < "$tmp/scaling-time"
    head -1 "$tmp/scaling-out" > "$tmp/scaling-summary"
    echo "$wall $(echo "$user + $sys" | bc -l) $rss"
}

echo "== scaling, $n records (wall s, CPU s)"
one=()
two=()
for _ in $(seq "${RUNS:-5}"); do
    read -r wall cpu _ <<< "$(run "$tmp/readings-$n.jsonl" taskset -c 0)"
    one+=("$wall")
    echo "1 core:  $wall s wall, $cpu s CPU  $(cat "$tmp/scaling-summary")"
    read -r wall cpu _ <<< "$(run "$tmp/readings-$n.jsonl")"
    two+=("$wall")
    echo "2 cores: $wall s wall, $cpu s CPU  $(cat "$tmp/scaling-summary")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
m1=$(median "${one[@]}")
m2=$(median "${two[@]}")
printf '1 core: %.0f records/s; 2 cores: %.0f records/s; parallel efficiency %.0f %%\n' \
    "$(echo "$n / $m1" | bc -l)" "$(echo "$n / $m2" | bc -l)" "$(echo "100 * $m1 / (2 * $m2)" | bc -l)"

echo "== peak RSS, $big records"
read -r wall cpu rss <<< "$(run "$tmp/readings-$big.jsonl")"
printf '%s s wall, %s s CPU, peak RSS %.1f MiB  %s\n' "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$(cat "$tmp/scaling-summary")"
