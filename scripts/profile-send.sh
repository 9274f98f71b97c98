#!/usr/bin/env bash
# Where a message's server CPU goes: runs a 1:1 send load against a private
# mpimd (SQLite) and Redis, samples the daemon with `perf record -g` for a
# window in the middle of it, and prints the daemon's CPU per SEND (its CPU
# time in the window over the SENDs it answered, from /metrics) split by
# what each sample's stack was doing (scripts/perf-per-message.py).
#
#   scripts/profile-send.sh [PAIRS] [WINDOW]     # default 16 1: the closed loop
#   PROFILE_KEEP=1 keeps the folder (perf.data, logs); PROFILE_BIN=<dir with mpimd, mpim-bench>
#   PROFILE_RATE=10000 offers that many SENDs a second in all instead of a closed loop
#
# Needs perf (Debian's linux-perf) and a release build (`swift build -c release`).
# Every process it starts is stopped by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-16}
window=${2:-1}
bin=${PROFILE_BIN:-$(swift build -c release --show-bin-path)}
command -v perf >/dev/null || { echo "$0: perf is not installed (apt-get install linux-perf)" >&2; exit 69; }
for program in mpimd mpim-bench; do
    [ -x "$bin/$program" ] || { echo "$0: no $bin/$program (swift build -c release)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mpim-profile.XXXXXX")
# shellcheck source=scripts/processes.sh
. scripts/processes.sh
cleanup() {
    stop_all
    if [ -n "${PROFILE_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done

printf '[users]\nbcrypt_cost = 4\n\n[gateway]\nmax_lines_per_second = 10000000\n' >"$work/mpimd.conf"
"$bin/mpimd" --config "$work/mpimd.conf" --host 127.0.0.1 --port 0 --http-port 0 --web-port off --gateway-id profile \
    --redis-host 127.0.0.1 --redis-port "$redis_port" --db "$work/mpim.db" >"$work/mpimd.log" 2>&1 &
daemon=$!
pids+=("$daemon")
port="" http=""
for _ in $(seq 1 100); do
    port=$(grep -o 'gateway listening on 127\.0\.0\.1:[0-9]*' "$work/mpimd.log" | head -n 1 | sed 's/.*://' || true)
    http=$(grep -o 'http listening on 127\.0\.0\.1:[0-9]*' "$work/mpimd.log" | head -n 1 | sed 's/.*://' || true)
    [ -n "$port" ] && [ -n "$http" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "mpimd did not start:" >&2; tail "$work/mpimd.log" >&2; exit 1; }

sends() {
    curl -s "127.0.0.1:$http/metrics" | awk '/^mpim_commands_total\{.*command="SEND"/ { n += $2 } END { print n + 0 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }

seconds=8
rate=()
[ -z "${PROFILE_RATE:-}" ] || rate=(--rate "$PROFILE_RATE")
"$bin/mpim-bench" send --port "$port" --pairs "$pairs" --window "$window" --payload 64 ${rate[@]+"${rate[@]}"} \
    --seconds $((seconds + 6)) --warmup 2 --server-pid "$daemon" >"$work/bench.out" 2>&1 &
bench=$!
pids+=("$bench")
sleep 5
before=$(sends) ticks_before=$(cpu_ticks)
perf record -F 2000 -g -p "$daemon" -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1
after=$(sends) ticks_after=$(cpu_ticks)
wait "$bench"

count=$((after - before))
[ "$count" -gt 0 ] || { echo "no SEND answered in the window" >&2; exit 1; }
hz=$(getconf CLK_TCK)
per_send=$(echo "scale=1; ($ticks_after - $ticks_before) * 1000000 / $hz / $count" | bc)
echo "mpim-bench send --pairs $pairs --window $window ${rate[*]:-}: $((count / seconds)) SEND/s over ${seconds} s;" \
    "mpimd CPU $per_send us per SEND"
tail -n 1 "$work/bench.out" | tr ' ' '\n' | grep -E '^(send_p50_us|send_p99_us|deliver_p99_us)=' | tr '\n' ' '
echo
perf script -i "$work/perf.data" 2>/dev/null | python3 scripts/perf-per-message.py "$per_send"
