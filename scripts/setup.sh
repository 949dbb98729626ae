#!/usr/bin/env bash
# Installs the system packages DataCollector builds and tests with, if any
# are missing (Debian/Ubuntu, apt-get, as root). Idempotent: when everything
# is present it only checks and returns.
#
#   scripts/setup.sh            packages to build and run
#   scripts/setup.sh --test     also the packages the test suite needs
set -euo pipefail

packages=(pkg-config liblua5.4-dev libedit-dev)
# The storage backends link the system SQLite and libpq.
packages+=(libsqlite3-dev libpq-dev)
if [[ "${1:-}" == "--test" ]]; then
    # Storage tests: SQLite files, and a throwaway PostgreSQL cluster (scripts/postgres-test-cluster.sh).
    packages+=(sqlite3 postgresql)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first." >&2
    exit 1
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup: system packages present (${packages[*]})"
    exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "setup: run as root (or install: apt-get install ${missing[*]})" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: installed ${missing[*]}"
