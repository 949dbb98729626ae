#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing,
# builds with warnings as errors, runs every test, then runs the examples.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "test: linting the examples' Lua (luacheck, .luacheckrc; a warning fails the run)"
luacheck --no-color --quiet examples

echo "test: building (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "test: starting a throwaway PostgreSQL cluster for the storage tests"
# What this script starts is stopped (and its files removed) on every exit,
# failures and Ctrl-C included.
fixture_pid=
sink_pid=
broker_pid=
kafka_pid=
examples_dir=
cleanup() {
    if [[ -n $fixture_pid ]]; then kill "$fixture_pid" 2>/dev/null || true; fi
    if [[ -n $sink_pid ]]; then kill "$sink_pid" 2>/dev/null || true; fi
    if [[ -n $broker_pid ]]; then kill "$broker_pid" 2>/dev/null || true; fi
    if [[ -n $kafka_pid ]]; then kill "$kafka_pid" 2>/dev/null || true; fi
    if [[ -n $examples_dir ]]; then rm -rf "$examples_dir"; fi
    scripts/postgres-test-cluster.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/postgres-test-cluster.sh start
set -a
# shellcheck source=/dev/null
source .build/postgres-test.env
set +a

echo "test: running the test suite"
# The command-line tests wait on child processes from test functions that
# hold a thread of the concurrency pool (two threads on a 2-core machine);
# run beside the library tests, they could starve tests that need the pool.
# So they run on their own, after the rest.
run_tests() {
    local log=$1
    shift
    set +e
    swift test --skip-build "$@" > "$log" 2>&1
    local status=$?
    set -e
    # Failures, skips and the closing summary; the full log is $log.
    awk '/^◇/ {next} /^✔ Test run with/ {print; next} /^✔ (Test|Suite) / {next} {print}' "$log"
    if [[ $status -ne 0 ]] || ! grep -qE '^✔ Test run with [0-9]+ tests? .*passed' "$log"; then
        echo "test: the test suite failed (full log: $log)" >&2
        exit 1
    fi
}
run_tests .build/test-output.txt --skip CollectorCLITests
run_tests .build/test-output-cli.txt --filter CollectorCLITests --skip ClusterRunTests
# Cluster mode's end-to-end test times leases of two seconds across four
# processes; beside the other command-line tests a 2-core machine stalls
# them past a lease, so it runs alone.
run_tests .build/test-output-cluster.txt --filter ClusterRunTests

echo "test: fault injection (scripts/chaos.sh --quick: 3 seeds; a failure names its seed)"
# Kills and restarts the PostgreSQL cluster above, so it runs after the tests that use it.
COLLECTOR="$(pwd)/.build/debug/collector" scripts/chaos.sh --quick

echo "test: running the examples (in a temporary directory: they leave no files in the repository)"
root=$(pwd)
examples_dir=$(mktemp -d)
# canonical.lua reads the benchmark's input: 100,000 generated readings
# (our generator writes the same bytes as the benchmark's gen_data.py), and
# must print the figures the benchmark's README gives for them.
cat > "$examples_dir/make-input.lua" <<'LUA'
pipeline "input" { from = source.generator { count = 100000 }, to = storage.jsonl { path = "readings-100000.jsonl", sync = "never" } }
LUA
(cd "$examples_dir" && "$root/.build/debug/collector" run make-input.lua --quiet >/dev/null)
# The examples that poll an API (simple, multi_source, error_handling) poll
# the test suite's HTTP fixture server on 127.0.0.1; it prints its port first.
exec {fixture_out}< <(exec python3 -u Tests/Fixtures/http_fixture.py 2>"$examples_dir/fixture.err")
fixture_pid=$!
if ! read -r -t 30 -u "$fixture_out" port || [[ ! $port =~ ^[0-9]+$ ]]; then
    cat "$examples_dir/fixture.err" >&2
    echo "test: the HTTP fixture server did not start" >&2
    exit 1
fi
api="http://127.0.0.1:$port"
# http_output.lua posts to the suite's HTTP receiver, started the same way.
exec {sink_out}< <(exec python3 -u Tests/Fixtures/http_sink_fixture.py "$examples_dir/received.jsonl" 2>"$examples_dir/sink.err")
sink_pid=$!
if ! read -r -t 30 -u "$sink_out" sink_port || [[ ! $sink_port =~ ^[0-9]+$ ]]; then
    cat "$examples_dir/sink.err" >&2
    echo "test: the HTTP receiver did not start" >&2
    exit 1
fi
# mqtt.lua goes through a throwaway mosquitto broker, started the same way.
exec {broker_out}< <(exec python3 -u Tests/Fixtures/mqtt_broker.py "$examples_dir/broker" 2>"$examples_dir/broker.err")
broker_pid=$!
if ! read -r -t 30 -u "$broker_out" broker_port || [[ ! $broker_port =~ ^[0-9]+$ ]]; then
    cat "$examples_dir/broker.err" >&2
    echo "test: the MQTT broker did not start" >&2
    exit 1
fi
# kafka.lua produces to and consumes from the mock Kafka cluster of `collector dev kafka`.
exec {kafka_out}< <(exec .build/debug/collector dev kafka --topic readings --partitions 3 2>"$examples_dir/kafka.err")
kafka_pid=$!
if ! read -r -t 30 -u "$kafka_out" kafka_brokers || [[ ! $kafka_brokers =~ ^127\.0\.0\.1:[0-9]+ ]]; then
    cat "$examples_dir/kafka.err" >&2
    echo "test: the mock Kafka cluster did not start" >&2
    exit 1
fi
# Each example runs with --once (polling sources collect once), bounded in
# time; its output is shown only when it fails.
# EXPECTED_STATUS (default 0): the status the example must end with.
run_example() {
    local name=$1
    shift
    echo "  $name"
    local status=0
    (cd "$examples_dir" && timeout 120 env \
            DB="$examples_dir/quickstart.db" INPUT="$examples_dir/readings-100000.jsonl" \
            API_URL="$api/ok" API_URLS="$api/ok,$api/echo" FLAKY_URL="$api/flaky/503" \
            HTTP_SINK_URL="http://127.0.0.1:$sink_port/ingest" MQTT_URL="mqtt://127.0.0.1:$broker_port" KAFKA_BROKERS="$kafka_brokers" \
            "$@" >"$examples_dir/output.txt" 2>&1) || status=$?
    if [[ $status -ne ${EXPECTED_STATUS:-0} ]]; then
        cat "$examples_dir/output.txt" >&2
        echo "test: the example $name failed (status $status, expected ${EXPECTED_STATUS:-0})" >&2
        exit 1
    fi
}
for example in examples/*.lua; do
    run_example "collector check $example" "$root/.build/debug/collector" check "$root/$example"
    # error_handling.lua shows a record the database refuses: not stored, so the run ends with 1.
    want_status=0
    [[ $example == examples/error_handling.lua ]] && want_status=1
    EXPECTED_STATUS=$want_status run_example "collector run --once $example" "$root/.build/debug/collector" run --once "$root/$example"
    if [[ $example == examples/canonical.lua ]]; then
        # The figures the benchmark's README gives for these 100,000 records.
        expected="n_in=100000 ok=95002 dropped=4998 high=35586 sum_value=7729702.6900"
        if ! grep -qx "$expected" "$examples_dir/output.txt"; then
            echo "test: canonical.lua printed $(head -1 "$examples_dir/output.txt"), expected $expected" >&2
            exit 1
        fi
    fi
done
run_example "embedding-example (docs/embedding.md)" "$root/.build/debug/embedding-example"
echo "test: running the example processors' tests"
.build/debug/collector test examples/processors/readings.lua examples/processors/window.lua examples/processors >/dev/null
echo "test: all passed"
