#!/usr/bin/env bash
# Two builds of `collector` on the canonical workload, run in turn (paired),
# compared by CPU time (user + sys) as well as wall time: on a machine other
# builds share, CPU time moves far less than wall time.
#
#   scripts/bench-compare.sh BEFORE AFTER [N] [SINK]
#
# BEFORE, AFTER: two collector binaries (e.g. a copy of .build/release/collector
# made before a change, and the build after it); N records (default 1000000);
# SINK as canonical.lua takes it (default null). RUNS pairs (default 7).
# Prints each pair, then the medians and AFTER / BEFORE. Every run's summary
# line must be the same, or the script stops.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
before=$1
after=$2
n=${3:-1000000}
sink=${4:-null}
bench=${BENCH_DIR:-$root/../shared/bench}
tmp=${TMPDIR:-/tmp}
input="$tmp/readings-$n.jsonl"
[[ -s "$input" ]] || python3 "$bench/gen_data.py" "$n" "$input"
db=$(mktemp -u "$tmp/compare-XXXXXX.db")
trap 'rm -f "$db" "$db-wal" "$db-shm"' EXIT

# Prints "wall cpu" of one run; the summary line goes to $tmp/compare-summary.
run() {
    (cd "$root/examples" && /usr/bin/time -f '%e %U %S' -o "$tmp/compare-time" \
        env INPUT="$input" SINK="$sink" DB="$db" "$1" run canonical.lua --quiet > "$tmp/compare-out")
    read -r wall user sys < "$tmp/compare-time"
    head -1 "$tmp/compare-out" > "$tmp/compare-summary"
    echo "$wall $(echo "$user + $sys" | bc -l)"
}

expected=
check() {
    local summary
    summary=$(cat "$tmp/compare-summary")
    [[ -z "$expected" ]] && expected=$summary
    [[ "$summary" == "$expected" ]] || { echo "different results: '$summary' vs '$expected'" >&2; exit 1; }
}

walls_b=()
walls_a=()
cpus_b=()
cpus_a=()
for i in $(seq "${RUNS:-7}"); do
    read -r wb cb <<< "$(run "$before")"
    check
    read -r wa ca <<< "$(run "$after")"
    check
    walls_b+=("$wb")
    cpus_b+=("$cb")
    walls_a+=("$wa")
    cpus_a+=("$ca")
    printf 'pair %d: before %5.2f s wall %5.2f s CPU | after %5.2f s wall %5.2f s CPU\n' "$i" "$wb" "$cb" "$wa" "$ca"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mwb=$(median "${walls_b[@]}")
mwa=$(median "${walls_a[@]}")
mcb=$(median "${cpus_b[@]}")
mca=$(median "${cpus_a[@]}")
echo "$expected"
printf 'median wall: before %.3f s, after %.3f s (%.3f×)\n' "$mwb" "$mwa" "$(echo "$mwa / $mwb" | bc -l)"
printf 'median CPU:  before %.3f s, after %.3f s (%.3f×)\n' "$mcb" "$mca" "$(echo "$mca / $mcb" | bc -l)"
