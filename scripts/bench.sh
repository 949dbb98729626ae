#!/usr/bin/env bash
# Runs the micro-benchmarks (release build); figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product collector-bench
.build/release/collector-bench lua
