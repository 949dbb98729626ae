#!/usr/bin/env bash
# source.mqtt against mosquitto_sub: how fast each drains N messages at QoS 1
# that wait for it in a persistent session on the same throwaway broker.
#
#   scripts/bench-mqtt.sh [N]        (default 50000; needs a release build:
#                                      swift build -c release --product collector)
#
# Both consumers' sessions are made first (subscribed at QoS 1, then gone),
# N readings (compact JSON, one message each) are published to them with
# mosquitto_pub, then each drains its session: `mosquitto_sub -C N` to
# /dev/null, and `collector run` of source.mqtt -> storage.null (batches of
# 500), which ends once the backend has stored N. Wall times include
# starting each program.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
collector=${COLLECTOR:-.build/release/collector}
[[ -x $collector ]] || { echo "bench-mqtt: build $collector first (swift build -c release --product collector)" >&2; exit 1; }
work=$(mktemp -d)
broker_pid=
cleanup() {
    if [[ -n $broker_pid ]]; then kill "$broker_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
exec {broker_out}< <(exec python3 -u Tests/Fixtures/mqtt_broker.py "$work/broker" 0 "max_queued_messages $((n + 10))" 2>"$work/broker.err")
broker_pid=$!
read -r -t 30 -u "$broker_out" port
sleep 0.5
for id in bench-sub bench-collector; do
    mosquitto_sub -h 127.0.0.1 -p "$port" -i "$id" -c -q 1 -t 'bench/#' -E
done
python3 - "$n" > "$work/readings.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"sensor_id": f"s{i % 50}", "seq": i, "value": round(20 + (i % 100) / 10, 1), "unit": "C"}, separators=(",", ":")))
PY
echo "bench-mqtt: publishing $n messages at QoS 1 to two persistent sessions"
mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t bench/readings -l < "$work/readings.jsonl"
cat > "$work/drain.lua" <<LUA
local p = pipeline "bench" {
  from = source.mqtt { url = "mqtt://127.0.0.1:$port", topics = { "bench/#" }, qos = 1,
    client_id = "bench-collector", clean_session = false, inbox = 1000 },
  to = storage.null { id = "null" },
  batch_size = 500,
}
p:start()
while (p:stats().stored.null or 0) < $n do os.execute("sleep 0.005") end
p:stop()
p:wait()
LUA
now() { date +%s.%N; }
start=$(now)
mosquitto_sub -h 127.0.0.1 -p "$port" -i bench-sub -c -q 1 -t 'bench/#' -C "$n" > /dev/null
sub=$(echo "$(now) - $start" | bc)
start=$(now)
"$collector" run --quiet "$work/drain.lua"
col=$(echo "$(now) - $start" | bc)
printf 'mosquitto_sub -C %d > /dev/null        %6.3f s  %8.0f messages/s\n' "$n" "$sub" "$(echo "$n / $sub" | bc -l)"
printf 'collector: source.mqtt -> storage.null  %6.3f s  %8.0f messages/s\n' "$col" "$(echo "$n / $col" | bc -l)"
