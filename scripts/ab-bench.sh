#!/usr/bin/env bash
# A/B two mpimd builds on fresh daemons, alternating, to tell a change from
# the machine's run-to-run noise:
#   scripts/ab-bench.sh <mpimd A> <mpimd B> <rounds> <gateways 1|2> -- [send|group|login] <mpim-bench arguments>
# e.g. scripts/ab-bench.sh /tmp/mpimd-before .build/release/mpimd 4 1 -- --pairs 64 --window 16 --seconds 4 --warmup 1
#      scripts/ab-bench.sh /tmp/mpimd-before .build/release/mpimd 3 1 -- group --groups 1 --members 100 --window 16
# Each run: a private redis-server and one or two daemons (bcrypt cost 4, no
# line limit) in a fresh folder on free loopback ports, all stopped by pid.
# Each line ends with mpimd_cpu_us_per_send: the daemons' CPU time over the
# measured seconds per SEND answered (issue 25's CPU figure), e.g. against
# the build before issue 25: scripts/ab-bench.sh <f230c20's mpimd> .build/release/mpimd 4 1 -- --pairs 16 --window 1
# With AB_POSTGRES=1 the daemons store in PostgreSQL: one private server for
# the whole comparison (scripts/postgres-server.sh), a fresh database per run.
# AB_FOLDERS="<parent A> <parent B>" makes each side's fresh folder (its
# SQLite file) under its own parent, default /tmp for both; with the same
# build twice, AB_FOLDERS="/tmp /dev/shm" compares the disk with memory.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 5 ] && [ "$5" = "--" ] || { sed -n 2,16p "$0" >&2; exit 64; }
builds=("$1" "$2"); rounds=$3; gateways=$4; shift 5
read -r -a folders <<<"${AB_FOLDERS:-/tmp /tmp}"
[ ${#folders[@]} = 2 ] && [ -d "${folders[0]}" ] && [ -d "${folders[1]}" ] || { echo "AB_FOLDERS: two existing folders" >&2; exit 64; }
scenario=send
case "${1:-}" in send | group | login) scenario=$1; shift ;; esac
bench=${BENCH_BIN:-$(swift build -c release --show-bin-path)/mpim-bench}

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
}

postgres_dir=""
if [ -n "${AB_POSTGRES:-}" ]; then
    postgres_dir=$(mktemp -d /tmp/mpim-ab-pg-XXXXXX)
    chmod 755 "$postgres_dir"
    trap 'scripts/postgres-server.sh stop "$postgres_dir/server" >/dev/null 2>&1 || true; rm -rf "$postgres_dir"' EXIT
    postgres_port=$(scripts/postgres-server.sh start "$postgres_dir/server")
fi
runs=0

run_once() {
    local mpimd=$1 parent=$2; shift 2
    local work pids=() ports=() servers=()
    work=$(mktemp -d "$parent/mpim-ab-XXXXXX")
    local storage=(--db "$work/mpim.db")
    if [ -n "$postgres_dir" ]; then
        runs=$((runs + 1))
        createdb -h 127.0.0.1 -p "$postgres_port" -U postgres "ab$runs"
        storage=(--storage postgres --postgres-url "postgres://postgres@127.0.0.1:$postgres_port/ab$runs")
    fi
    local redis_port; redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
        --logfile "$work/redis.log" &
    pids+=($!)
    for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    printf '[users]\nbcrypt_cost = 4\n[gateway]\nmax_lines_per_second = 10000000\n' >"$work/mpimd.conf"
    for n in $(seq 1 "$gateways"); do
        "$mpimd" --config "$work/mpimd.conf" --port 0 --http-port 0 --redis-port "$redis_port" \
            "${storage[@]}" --gateway-id "ab-$n" >"$work/gw$n.log" 2>&1 &
        pids+=($!)
        local port=""
        for _ in $(seq 1 200); do
            port=$(grep -o 'gateway listening on 127\.0\.0\.1:[0-9]*' "$work/gw$n.log" | sed 's/.*://' || true)
            [ -n "$port" ] && break
            sleep 0.05
        done
        ports+=(--port "$port")
        servers+=(--server-pid "${pids[-1]}")
    done
    # The daemons' CPU over the measured seconds, per SEND answered: the
    # figure issue 25's first target is about (compare it only within a run
    # of this script: CPU time here swings with the host's load).
    "$bench" "$scenario" "${ports[@]}" "${servers[@]}" "$@" | grep '^scenario=' | tr ' ' '\n' | awk -F= '
        $1 ~ /^(sends_per_s|deliveries_per_s|logins_per_s|send_p99_us|send_p999_us|deliver_p99_us|login_p99_us|lag_p99_us|errors)$/ { printf "%s ", $0 }
        $1 == "sends_per_s" { sends = $2 }
        $1 ~ /^server[0-9]*_cpu_pct$/ { cpu += $2 }
        END { if (sends > 0) printf "mpimd_cpu_us_per_send=%.1f", cpu * 10000 / sends }'
    echo
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
    rm -rf "$work"
}

for round in $(seq 1 "$rounds"); do
    for label in A B; do
        mpimd=${builds[0]} parent=${folders[0]}
        [ "$label" = B ] && mpimd=${builds[1]} parent=${folders[1]}
        printf '%s round %s: ' "$label" "$round"
        run_once "$mpimd" "$parent" "$@"
    done
done
