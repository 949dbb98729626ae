#!/usr/bin/env bash
# Fault injection: does every record end up stored once or dead-lettered once
# when everything around the collector fails?
#
#   scripts/chaos.sh [SEED...]          seeds to run (default: 1 2 3)
#   scripts/chaos.sh --quick            the test suite's short run (seeds 1 2 3, small inputs)
#   scripts/chaos.sh --soak MINUTES [SEED]   one long run at full rate under faults; RSS must stay flat
#
# Per seed: a followed file of records with unique ids and bad lines among
# them (not JSON, not UTF-8, cut short, and over the 16 MiB line limit
# except with --quick) goes through a Lua processor that fails the records
# the seed picks, into SQLite (and PostgreSQL when COLLECTOR_TEST_POSTGRES_URL
# is set, as scripts/test.sh does) with an SQLite dead-letter destination.
# Meanwhile another process locks the SQLite file and the PostgreSQL cluster
# is killed and started again, and each run of the collector ends by SIGTERM
# or SIGKILL at a random moment and is started again. Checked: every run's
# exit status is a documented one, no ledger mismatch, no run outlives its
# drain deadline by a minute, and at the end every id is stored once per
# backend or (if the processor failed it) dead-lettered once, and every bad
# line dead-lettered once. A failure prints the seed and keeps its files.
#
# COLLECTOR=path picks the binary (default: .build/debug/collector, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
collector=${COLLECTOR:-}
if [[ -z $collector ]]; then
    [[ -x .build/debug/collector ]] || swift build --product collector >/dev/null
    collector=$(pwd)/.build/debug/collector
fi
if [[ ${1:-} == --soak ]]; then
    minutes=${2:-10}
    seed=${3:-1}
    exec python3 scripts/chaos.py --collector "$collector" --seeds "$seed" --soak "$minutes" --records 20000 --bad-ratio 0.001
fi
if [[ ${1:-} == --quick ]]; then
    exec python3 scripts/chaos.py --collector "$collector" --seeds 1 2 3 --records 600 --max-runs 3 --run-seconds 3
fi
seeds=("$@")
[[ ${#seeds[@]} -gt 0 ]] || seeds=(1 2 3)
exec python3 scripts/chaos.py --collector "$collector" --seeds "${seeds[@]}" --oversize --max-runs 6
