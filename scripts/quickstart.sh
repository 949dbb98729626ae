#!/usr/bin/env bash
# Builds DataCollector and runs the quickstart script: offline, no server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "quickstart: building collector (release)"
swift build -c release --product collector
echo "quickstart: collector run examples/quickstart.lua"
.build/release/collector run examples/quickstart.lua
