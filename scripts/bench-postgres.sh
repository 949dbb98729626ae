#!/usr/bin/env bash
# The PostgreSQL insert rates of docs/performance.md: builds collector-bench
# (release), starts a throwaway cluster of its own (scripts/postgres-test-cluster.sh,
# cluster `bench`, beside any test cluster), runs `collector-bench postgres`
# against it, and stops and removes the cluster on every exit, failures and
# Ctrl-C included.
#
#   scripts/bench-postgres.sh [N]    N rows (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v psql >/dev/null || { echo "bench-postgres: psql is missing (apt-get install postgresql)" >&2; exit 1; }
swift build -c release --product collector-bench

trap 'scripts/postgres-test-cluster.sh stop bench >/dev/null 2>&1 || true' EXIT
scripts/postgres-test-cluster.sh start bench
url=$(sed -n 's/^COLLECTOR_TEST_POSTGRES_URL=//p' .build/postgres-test-bench.env)
.build/release/collector-bench postgres "$url" "${1:-100000}"
