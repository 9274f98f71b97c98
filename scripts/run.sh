#!/usr/bin/env bash
# make run: a private Redis if none answers on the configured port, then mpimd
# in the foreground. Stops the Redis it started (by pid) when mpimd exits.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${MPIM_CONFIG:-etc/mpimd.conf}
# The [redis_queue] port of the config file (6379 unless changed).
redis_port=$(awk -F= '/^\[/{s=$0} s=="[redis_queue]" && $1~/^ *port *$/ {gsub(/[ ;].*/,"",$2); gsub(/ /,"",$2); print $2; exit}' "$config" 2>/dev/null || true)
redis_port=${redis_port:-6379}

mkdir -p .run
redis_pid=""
cleanup() {
    if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
        kill "$redis_pid"
        wait "$redis_pid" 2>/dev/null || true
        echo "stopped private redis-server (pid $redis_pid)"
    fi
}
trap cleanup EXIT

if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    echo "using the Redis already answering on 127.0.0.1:$redis_port"
else
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$PWD/.run" \
        --save "" --appendonly no --logfile "$PWD/.run/redis.log" &
    redis_pid=$!
    for _ in $(seq 1 100); do
        redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    echo "started private redis-server on 127.0.0.1:$redis_port (pid $redis_pid, files in .run/)"
fi

bin=$(swift build -c release --show-bin-path)/mpimd
# In the foreground, so Ctrl-C reaches mpimd, which shuts down gracefully;
# the EXIT trap then stops the private Redis.
# The web client too, on its own port (MPIM_WEB_PORT, 8088 unless set).
web_port=${MPIM_WEB_PORT:-8088}
echo "web client: http://127.0.0.1:$web_port/ (chat from a browser)"
"$bin" --config "$config" --web-port "$web_port" "$@"
