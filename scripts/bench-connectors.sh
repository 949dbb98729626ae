#!/usr/bin/env bash
# Connectors side by side with the tool a user would otherwise use on the
# same bytes (loopback only), as docs/performance.md's table reports them:
#
#   scripts/bench-connectors.sh [N]     N lines/messages (default 200000)
#
# - source.follow lines/s        vs  tail -n +1 -F FILE | head -n N
# - source.http polls/s          vs  curl in a shell loop (same server, /ok)
# - source.sse events/s          vs  a Python client (socket + json.loads)
# - source.websocket messages/s  vs  a Python client (socket + json.loads)
# - the spool: write and replay rates (collector-bench spool, when built)
# - start-up: `collector run` of a script with an empty pipeline
#
# Every collector run ends in storage.null (each record encoded to JSON and
# counted) and stops once N records are stored. The server is
# scripts/bench_stream_server.py (each body is made before it is sent).
# COLLECTOR names the binary (default: the release build, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-200000}
polls=${POLLS:-500}
tmp=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

if [[ -z "${COLLECTOR:-}" ]]; then
    swift build -c release --product collector
    COLLECTOR="$root/.build/release/collector"
fi
python3 scripts/bench_stream_server.py > "$tmp/port" &
server_pid=$!
for _ in $(seq 50); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
port=$(head -1 "$tmp/port")

# One script for every source: KIND picks it, the run stops at N stored.
cat > "$tmp/stream.lua" <<'LUA'
local n = tonumber(env("N"))
local kind = env("KIND")
local src
if kind == "follow" then
  src = source.follow { path = env("FILE"), poll = "10ms" }
elseif kind == "http" then
  src = source.http { url = env("URL"), every = "1ms", jitter = 0, conditional = false }
elseif kind == "sse" then
  src = source.sse { url = env("URL"), reconnect = "60s" }
elseif kind == "websocket" then
  src = source.websocket { url = env("URL"), reconnect = "60s" }
end
local p = pipeline "bench" { from = src, to = storage.null {}, spool = false }
local stored = 0
on("storage_complete", function(event)
  stored = stored + event.data.count
  if stored >= n then p:stop() end
end)
p:run()
assert(stored >= n, ("stored %d of %d records"):format(stored, n))
LUA

# Wall time of a command, in seconds (best of RUNS).
best() {
    local best_time= t
    for _ in $(seq "${RUNS:-3}"); do
        local start end
        start=$(date +%s.%N)
        "$@" > /dev/null
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc -l)
        if [[ -z "$best_time" ]] || (( $(echo "$t < $best_time" | bc -l) )); then best_time=$t; fi
    done
    echo "$best_time"
}
rate() { printf '%.0f' "$(echo "$1 / $2" | bc -l)"; }
row() { printf '| %s | %s | %.3f s | %s /s |\n' "$1" "$2" "$3" "$(rate "$4" "$3")"; }

echo "| source | what | best wall time | rate |"
echo "|---|---|---:|---:|"

lines="$tmp/lines.jsonl"
python3 - "$n" "$lines" <<'PY'
import sys
line = b'{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,"site":"plant-8","tags":{"line":"c","shift":1}}\n'
open(sys.argv[2], "wb").write(line * int(sys.argv[1]))
PY
t=$(best bash -c "tail -n +1 -F '$lines' 2>/dev/null | head -n $n")
row follow "\`tail -n +1 -F | head -n N\`" "$t" "$n"
t=$(best env KIND=follow N="$n" FILE="$lines" "$COLLECTOR" run "$tmp/stream.lua" --quiet)
row follow "\`source.follow\` → \`storage.null\`" "$t" "$n"

t=$(best bash -c "for i in \$(seq $polls); do curl -s http://127.0.0.1:$port/ok; done")
row http "curl in a shell loop, $polls requests" "$t" "$polls"
t=$(best env KIND=http N="$polls" URL="http://127.0.0.1:$port/ok" "$COLLECTOR" run "$tmp/stream.lua" --quiet)
row http "\`source.http\` (\`every = \"1ms\"\`), $polls polls" "$t" "$polls"

t=$(best python3 scripts/bench_stream_server.py sse-client "$port" "$n")
row sse "Python client (socket, \`json.loads\`)" "$t" "$n"
t=$(best env KIND=sse N="$n" URL="http://127.0.0.1:$port/sse?count=$n" "$COLLECTOR" run "$tmp/stream.lua" --quiet)
row sse "\`source.sse\` → \`storage.null\`" "$t" "$n"

t=$(best python3 scripts/bench_stream_server.py ws-client "$port" "$n")
row websocket "Python client (socket, \`json.loads\`)" "$t" "$n"
t=$(best env KIND=websocket N="$n" URL="ws://127.0.0.1:$port/ws?count=$n" "$COLLECTOR" run "$tmp/stream.lua" --quiet)
row websocket "\`source.websocket\` → \`storage.null\`" "$t" "$n"

# The spool's write and replay rates have a benchmark of their own.
if [[ -x "$root/.build/release/collector-bench" ]]; then
    echo
    "$root/.build/release/collector-bench" spool "$n"
    echo
fi

empty="$tmp/empty.lua"
echo 'pipeline "empty" { from = source.generator { count = 0 }, to = storage.null {} }' > "$empty"
t=$(RUNS=10 best "$COLLECTOR" run "$empty" --quiet)
printf '| start-up | `collector run` of an empty pipeline | %.1f ms | — |\n' "$(echo "$t * 1000" | bc -l)"
