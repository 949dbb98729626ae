#!/usr/bin/env bash
# Installs the system packages DataCollector builds and tests with, if any
# are missing (Debian/Ubuntu, apt-get, as root). Idempotent: when everything
# is present it only checks and returns.
#
#   scripts/setup.sh            packages to build and run
#   scripts/setup.sh --test     also the packages the test suite needs
#   scripts/setup.sh --bench    also the benchmarks' tools and the reference host
set -euo pipefail

packages=(pkg-config liblua5.4-dev libedit-dev)
# The storage backends link the system SQLite and libpq.
packages+=(libsqlite3-dev libpq-dev)
# The WebSocket source links the system OpenSSL (wss://, the handshake's SHA-1).
packages+=(libssl-dev)
# storage.http gzips its bodies with the system zlib.
packages+=(zlib1g-dev)
# The MQTT source and backend link the system libmosquitto.
packages+=(libmosquitto-dev)
# source.kafka and storage.kafka (and `collector dev kafka`'s mock cluster) link the system librdkafka.
packages+=(librdkafka-dev)
if [[ "${1:-}" == "--test" ]]; then
    # Storage tests: SQLite files, and a throwaway PostgreSQL cluster (scripts/postgres-test-cluster.sh).
    packages+=(sqlite3 postgresql)
    # Source tests: Python fixture servers and a throwaway TLS certificate (openssl req).
    packages+=(python3 python3-pip openssl)
    # Metrics tests: promtool checks the exposition; a throwaway Prometheus server scrapes it.
    packages+=(prometheus)
    # The examples' Lua is linted with luacheck (settings in .luacheckrc).
    packages+=(lua-check)
    # `collector completion` scripts are checked by the shells that run them, the man page by groff.
    packages+=(zsh fish groff-base man-db)
    # MQTT tests start their own mosquitto broker; the examples publish with mosquitto_pub.
    packages+=(mosquitto mosquitto-clients)
    # The Kafka tests produce a message that is not JSON with kcat.
    packages+=(kcat)
fi
if [[ "${1:-}" == "--bench" ]]; then
    # The canonical benchmark: hyperfine times, lua5.4 + lua-cjson is the
    # reference host, python3 generates the data and verifies the output.
    packages+=(hyperfine lua5.4 lua-cjson python3 sqlite3)
    # The Kafka benchmark compares with kcat producing and consuming.
    packages+=(kcat)
    # The PostgreSQL benchmark: a throwaway cluster, and psql's \copy to compare with.
    packages+=(postgresql)
fi

# The WebSocket tests' server is the PyPI package `websockets` (not our code).
install_python_fixtures() {
    [[ "${1:-}" == "--test" ]] || return 0
    command -v python3 >/dev/null 2>&1 || return 0
    python3 -c 'import websockets' 2>/dev/null && return 0
    echo "setup: installing the Python package websockets (WebSocket test server)"
    python3 -m pip install --quiet websockets 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages websockets
}

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (6.2 or later) is not on PATH; install it from swift.org first." >&2
    exit 1
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup: system packages present (${packages[*]})"
    install_python_fixtures "${1:-}"
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
install_python_fixtures "${1:-}"
