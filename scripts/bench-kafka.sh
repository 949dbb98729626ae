#!/usr/bin/env bash
# storage.kafka and source.kafka against kcat, on the mock cluster of
# `collector dev kafka` (in memory, on 127.0.0.1), as docs/performance.md reports:
#
#   scripts/bench-kafka.sh [N]        N canonical records (default 200000)
#
# Produce: `kcat -P -l` (a message a line) vs `collector run` of source.file
# -> storage.kafka. Consume: `kcat -C -e` to /dev/null vs `collector run
# --once` of source.kafka -> storage.null. Each run writes to, or reads
# with a group of, its own, so runs do not see each other's data.
# BENCH_DIR names the shared benchmark folder (gen_data.py); default ../shared/bench.
# BASELINE=/path/to/another/collector adds its runs to the same hyperfine
# sessions (before/after pairs). Each table is followed by the CPU time
# (user + system) of every command.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-200000}
runs=${RUNS:-5}
bench=${BENCH_DIR:-$root/../shared/bench}
tmp=$(mktemp -d)
[[ -f "$bench/gen_data.py" ]] || { echo "bench: no gen_data.py in $bench (set BENCH_DIR)" >&2; exit 2; }

scripts/setup.sh --bench
swift build -c release --product collector
collector="$root/.build/release/collector"
input="${TMPDIR:-/tmp}/readings-$n.jsonl"
[[ -s "$input" ]] || python3 "$bench/gen_data.py" "$n" "$input"

kafka_pid=
cleanup() {
    if [[ -n $kafka_pid ]]; then kill "$kafka_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
exec {kafka_out}< <(exec "$collector" dev kafka --partitions 16 --topic kcat-read --topic collector-read 2>"$tmp/kafka.err")
kafka_pid=$!
read -r -t 30 -u "$kafka_out" brokers || { cat "$tmp/kafka.err" >&2; exit 1; }

cat > "$tmp/produce.lua" <<LUA
pipeline "produce" {
  from = source.file { path = env("INPUT"), mode = "lines" },
  to = storage.kafka { brokers = "$brokers", topic = env("TOPIC"), linger_ms = 5 },
  batch_size = 5000,
}
LUA
cat > "$tmp/consume.lua" <<LUA
pipeline "consume" {
  from = source.kafka { brokers = "$brokers", topics = { env("TOPIC") }, group = env("GROUP"), buffer = 10000 },
  to = storage.null {},
  batch_size = 5000,
}
LUA
# What the consumers read: the same records, written once by each producer.
kcat -P -b "$brokers" -t kcat-read -l "$input"
INPUT="$input" TOPIC=collector-read "$collector" run "$tmp/produce.lua" --quiet

read_back=$(kcat -C -b "$brokers" -t kcat-read -e -q -f '.' | wc -c)
[[ $read_back -eq $n ]] || { echo "bench: the mock cluster kept $read_back of $n records (more partitions?)" >&2; exit 1; }

cpu() {
    python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-28s CPU %6.0f ms (user %.0f, system %.0f)" % (r["command"], (r["user"] + r["system"]) * 1000, r["user"] * 1000, r["system"] * 1000))
' "$1"
}
produce_base=()
consume_base=()
if [[ -n ${BASELINE:-} ]]; then
    produce_base=(-n "baseline storage.kafka" "env INPUT=$input TOPIC=produce-base $BASELINE run $tmp/produce.lua --quiet")
    consume_base=(-n "baseline source.kafka" "bash -c 'TOPIC=collector-read GROUP=b-\$RANDOM\$RANDOM $BASELINE run --once $tmp/consume.lua --quiet'")
fi

echo "== produce $n records (hyperfine, $runs runs)"
hyperfine -w 1 -r "$runs" -N --export-markdown "$tmp/produce.md" --export-json "$tmp/produce.json" \
    -n "kcat -P" "kcat -P -b $brokers -t produce-kcat -l $input" \
    -n "collector storage.kafka" "env INPUT=$input TOPIC=produce-collector $collector run $tmp/produce.lua --quiet" \
    "${produce_base[@]}"
cat "$tmp/produce.md"
cpu "$tmp/produce.json"

echo "== consume $n records to /dev/null (hyperfine, $runs runs; a group of its own each run)"
hyperfine -w 1 -r "$runs" -N --export-markdown "$tmp/consume.md" --export-json "$tmp/consume.json" \
    -n "kcat -C" "kcat -C -b $brokers -t kcat-read -e -q -o beginning" \
    -n "kcat -G (a group)" "bash -c 'kcat -b $brokers -G k-\$RANDOM\$RANDOM -X auto.offset.reset=earliest -e -q kcat-read'" \
    -n "collector source.kafka" "bash -c 'TOPIC=collector-read GROUP=g-\$RANDOM\$RANDOM $collector run --once $tmp/consume.lua --quiet'" \
    "${consume_base[@]}"
cat "$tmp/consume.md"
cpu "$tmp/consume.json"
