#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (Debian's postgresql package).
#
#   scripts/postgres-test-cluster.sh start [NAME]   create and start cluster NAME (default: main)
#   scripts/postgres-test-cluster.sh stop  [NAME]   stop it and remove its files (idempotent)
#   scripts/postgres-test-cluster.sh env   [NAME]   print the env file's lines
#   scripts/postgres-test-cluster.sh kill  [NAME]   (for tests) pg_ctl stop -m immediate; its files stay
#   scripts/postgres-test-cluster.sh resume [NAME]  (for tests) start a killed cluster again, same port
#
# The cluster lives in a temp dir, runs as the `postgres` user (initdb refuses
# root), listens on 127.0.0.1 on a free port and on a unix socket in its dir,
# and has a role `collector` with a password (password auth on TCP, so the
# wrong-password case is testable). `start` writes .build/postgres-test[-NAME].env:
#
#   COLLECTOR_TEST_POSTGRES_URL=postgresql://collector:PASSWORD@127.0.0.1:PORT/collector_test
#   COLLECTOR_TEST_POSTGRES_CLUSTER=NAME
#
# The tests read COLLECTOR_TEST_POSTGRES_URL from the environment (scripts/test.sh exports it).
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
name=${2:-main}
if [[ ! $name =~ ^[A-Za-z0-9_-]+$ ]]; then echo "postgres-test-cluster: bad cluster name '$name'" >&2; exit 2; fi
mkdir -p .build
state=".build/postgres-test-$name.dir"          # holds the temp dir's path
if [[ $name == main ]]; then envfile=.build/postgres-test.env; else envfile=".build/postgres-test-$name.env"; fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
as_postgres() { runuser -u postgres -- "$@"; }

# A port on 127.0.0.1 nothing answers on (bash's /dev/tcp: refused means free).
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    echo "postgres-test-cluster: no free port found" >&2
    return 1
}

cluster_dir() { [[ -f $state ]] && cat "$state" || true; }

stop_cluster() {
    local dir
    dir=$(cluster_dir)
    if [[ -n $dir && -d $dir ]]; then
        if [[ -n $bindir && -f $dir/data/postmaster.pid ]]; then
            as_postgres "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        # A postmaster that outlived pg_ctl (it should not): end it by its pid, nothing broader.
        if [[ -f $dir/data/postmaster.pid ]]; then
            pid=$(head -n 1 "$dir/data/postmaster.pid" || true)
            [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -rf "$dir"
    fi
    rm -f "$state" "$envfile"
}

case $command in
start)
    [[ -n $bindir ]] || { echo "postgres-test-cluster: no /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; exit 1; }
    stop_cluster  # a leftover from an interrupted run
    dir=$(mktemp -d /tmp/collector-pg-XXXXXX)
    echo "$dir" > "$state"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
    port=$(free_port)
    pwfile="$dir/superuser.pw"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile"
    chown postgres:postgres "$pwfile"
    as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" -A scram-sha-256 \
        --auth-local=trust --locale=C.UTF-8 -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; stop_cluster; exit 1; }
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Throwaway data: skip fsync (the OS cache survives a crash of the server,
# which is what the tests simulate). Commits stay synchronous, so a commit
# the client saw survives "pg_ctl stop -m immediate".
fsync = off
full_page_writes = off
max_connections = 40
CONF
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; stop_cluster; exit 1; }
    as_postgres "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE collector LOGIN PASSWORD '$password'" \
        -c "CREATE DATABASE collector_test OWNER collector" >/dev/null
    {
        echo "COLLECTOR_TEST_POSTGRES_URL=postgresql://collector:$password@127.0.0.1:$port/collector_test"
        echo "COLLECTOR_TEST_POSTGRES_CLUSTER=$name"
    } > "$envfile"
    echo "postgres-test-cluster: '$name' running on 127.0.0.1:$port ($dir); settings in $envfile"
    ;;
stop)
    stop_cluster
    echo "postgres-test-cluster: '$name' stopped and removed"
    ;;
env)
    [[ -f $envfile ]] || { echo "postgres-test-cluster: '$name' is not running (start it first)" >&2; exit 1; }
    cat "$envfile"
    ;;
kill)
    dir=$(cluster_dir)
    [[ -n $dir ]] || { echo "postgres-test-cluster: '$name' is not running" >&2; exit 1; }
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
resume)
    dir=$(cluster_dir)
    [[ -n $dir ]] || { echo "postgres-test-cluster: '$name' does not exist" >&2; exit 1; }
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
*)
    echo "usage: $0 start|stop|env|kill|resume [NAME]" >&2
    exit 2
    ;;
esac
