#!/usr/bin/env bash
# A private PostgreSQL server in a folder, for shell scripts and benchmarks.
#
#   scripts/postgres-server.sh start DIR   # prints the port
#   scripts/postgres-server.sh stop DIR
#
# start makes a new cluster in DIR/data the first time (DIR is created and,
# when run as root, given to the postgres user: PostgreSQL refuses root),
# starts it on a free loopback port with its unix socket in DIR, creates
# the database `mpim`, and prints the port: the URL is
# postgres://postgres@127.0.0.1:PORT/mpim. Settings are PostgreSQL's
# defaults (fsync and synchronous_commit on), so a benchmark measures
# durable commits. stop ends the server by the pid in DIR/data/postmaster.pid
# (fast shutdown), waits until it is gone, and leaves DIR in place.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "$0: PostgreSQL is not installed (scripts/ensure-deps.sh installs it)" >&2; exit 69; }

# Runs a PostgreSQL program as the postgres user when we are root.
as_server() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

server_pid() {
    head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true
}

case $action in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    as_server test -w "$dir" || { echo "$0: $dir is out of the postgres user's reach (a parent folder's mode?)" >&2; exit 1; }
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_server "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    pid=$(server_pid)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "$0: a server runs already in $dir (pid $pid, port $(cat "$dir/port"))" >&2
        exit 1
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" start >/dev/null \
        || { tail -n 20 "$dir/postgres.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = 'mpim'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres mpim
    echo "$port"
    ;;
stop)
    pid=$(server_pid)
    [ -n "$pid" ] || exit 0
    kill -INT "$pid" 2>/dev/null || exit 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    echo "$0: postgres (pid $pid) did not stop within 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    ;;
*)
    usage
    ;;
esac
