#!/usr/bin/env bash
# storage.http beside curl, as docs/performance.md reports it: the canonical
# output (the readings processor's records) posted as NDJSON batches of 500
# to the same local receiver, by `collector run` (file -> storage.http) and
# by one curl process posting the same batches from files (keep-alive).
#
#   scripts/bench-http-output.sh [N]      N input records (default 100000)
#
# The receiver is Tests/Fixtures/http_sink_fixture.py --quiet (it reads each
# body and answers 200, counting). Data and batch files go to ${TMPDIR:-/tmp}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-100000}
tmp=${TMPDIR:-/tmp}
work="$tmp/bench-http-output-$n"
mkdir -p "$work"
swift build -c release --product collector
collector="$root/.build/release/collector"

input="$work/readings.jsonl"
output="$work/canonical-output.jsonl"
if [[ ! -s "$output" ]]; then
    echo "bench: generating $n readings and their canonical output"
    cat > "$work/make.lua" <<LUA
pipeline "input" { from = source.generator { count = $n }, to = storage.jsonl { path = "$input", sync = "never" } }
run()
pipeline "output" {
  from = source.file { path = "$input" }, process = { processor.file "$root/examples/processors/readings.lua" },
  to = storage.jsonl { path = "$output", sync = "never" }, spool = false,
}
LUA
    rm -f "$input" "$output"
    "$collector" run "$work/make.lua" --quiet
fi
rm -rf "$work/batches" && mkdir "$work/batches"
split -l 500 -d -a 5 "$output" "$work/batches/b"
batches=$(ls "$work/batches" | wc -l)
echo "bench: $(wc -l < "$output") records, $batches batches of 500, $(du -h "$output" | cut -f1)"

exec {sink_out}< <(exec python3 -u Tests/Fixtures/http_sink_fixture.py /dev/null --quiet)
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true' EXIT
read -r -t 30 -u "$sink_out" port
url="http://127.0.0.1:$port/ingest"

# One curl process, one kept-alive connection, every batch a POST.
config="$work/curl.config"
: > "$config"
for file in "$work"/batches/b*; do
    printf 'url = "%s"\ndata-binary = "@%s"\nheader = "Content-Type: application/x-ndjson"\noutput = "/dev/null"\nsilent\nnext\n' \
        "$url" "$file" >> "$config"
done
sed -i '$ d' "$config" # no "next" after the last batch
cat > "$work/post.lua" <<LUA
pipeline "post" {
  from = source.file { path = "$output" },
  to = storage.http { url = "$url", proxy = false },
  batch_size = 500, spool = false,
}
LUA

echo "== wall time, side by side (hyperfine)"
hyperfine -w 1 -r "${RUNS:-5}" -N --export-markdown "$work/result.md" \
    -n curl "curl --noproxy * -K $config" \
    -n "collector storage.http" "$collector run $work/post.lua --quiet"

# CPU time (user + system) is what the machine's other load disturbs least:
# the three commands run in turn, N rounds, and each one's median is shown.
cat > "$work/null.lua" <<LUA
pipeline "post" { from = source.file { path = "$output" }, to = storage.null {}, batch_size = 500, spool = false }
LUA
echo "== CPU time (user+sys, ms), ${RUNS:-5} paired rounds, median"
declare -A cpu
for round in $(seq "${RUNS:-5}"); do
    for name in curl http null; do
        case $name in
            curl) command=(curl --noproxy '*' -K "$config") ;;
            http) command=("$collector" run "$work/post.lua" --quiet) ;;
            null) command=("$collector" run "$work/null.lua" --quiet) ;;
        esac
        /usr/bin/time -f "%U %S" -o "$work/time.txt" "${command[@]}" > /dev/null
        cpu[$name]+="$(awk '{ printf "%d ", ($1 + $2) * 1000 }' "$work/time.txt")"
    done
done
for name in curl http null; do
    median=$(tr ' ' '\n' <<< "${cpu[$name]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "$name: $median ms (runs: ${cpu[$name]})"
done
