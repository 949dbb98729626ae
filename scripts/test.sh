#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing,
# builds with warnings as errors, runs every test, then runs the examples.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test

echo "test: building (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "test: starting a throwaway PostgreSQL cluster for the storage tests"
# Stopped (and its files removed) on every exit, failures and Ctrl-C included.
trap 'scripts/postgres-test-cluster.sh stop >/dev/null 2>&1 || true' EXIT
scripts/postgres-test-cluster.sh start
set -a
# shellcheck source=/dev/null
source .build/postgres-test.env
set +a

echo "test: running the test suite"
set +e
swift test --skip-build > .build/test-output.txt 2>&1
status=$?
set -e
# Failures, skips and the closing summary; the full log is .build/test-output.txt.
awk '/^◇/ {next} /^✔ Test run with/ {print; next} /^✔ (Test|Suite) / {next} {print}' .build/test-output.txt
if [[ $status -ne 0 ]] || ! grep -qE '^✔ Test run with [0-9]+ tests? .*passed' .build/test-output.txt; then
    echo "test: the test suite failed (full log: .build/test-output.txt)" >&2
    exit 1
fi

echo "test: running the examples (in a temporary directory: they leave no files in the repository)"
root=$(pwd)
examples_dir=$(mktemp -d)
for example in examples/*.lua; do
    echo "  collector run $example"
    (cd "$examples_dir" && DB="$examples_dir/quickstart.db" "$root/.build/debug/collector" run "$root/$example" >/dev/null)
done
rm -rf "$examples_dir"
echo "test: running the example processors' tests"
.build/debug/collector test examples/processors/readings.lua examples/processors >/dev/null
echo "test: all passed"
