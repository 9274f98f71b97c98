#!/usr/bin/env bash
# make bench: the standard benchmark table of mpim, written into Docs/BENCHMARKS.md.
#
# Builds mpimd and mpim-bench in release mode, starts a private redis-server and
# two mpimd gateways (bcrypt cost 4) on free 127.0.0.1 ports in a temporary
# folder, runs the standard rows one after another, and replaces the part of
# Docs/BENCHMARKS.md between its "bench:results" markers with the figures, the
# machine they were measured on and the exact commands. Every process it starts
# is stopped by pid when it ends, however it ends.
#
#   scripts/bench.sh [--no-build]
#   BENCH_SECONDS=5 BENCH_WARMUP=1 BENCH_OUTPUT=Docs/BENCHMARKS.md BENCH_CONNECTIONS=10000
#
# Opt-in rows (issue 25), after the standard ones; without their variable they
# and their target lines are absent:
#   BENCH_SUSTAINED=1  10,000 msg/s offered for 3 minutes (10 s warm-up, then
#                      BENCH_SUSTAINED_SECONDS, default 170, measured)
#   BENCH_LARGE=1      a daemon of its own on a file first filled with
#                      BENCH_LARGE_MESSAGES (default 10000000) messages between
#                      BENCH_LARGE_USERS (default 100000) users
#                      (scripts/bench-fill.sh), then the 64 x 16 row against it
#                      between two on a new, empty file (its target's base),
#                      and the same load with HISTORY readers beside it
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BENCH_SECONDS:-5}
warmup=${BENCH_WARMUP:-1}
output=${BENCH_OUTPUT:-Docs/BENCHMARKS.md}
idle_connections=${BENCH_CONNECTIONS:-19000}
idle_sockets=${BENCH_WS_CONNECTIONS:-10000}
sustained=${BENCH_SUSTAINED:-}
sustained_seconds=${BENCH_SUSTAINED_SECONDS:-170}
large=${BENCH_LARGE:-}
large_messages=${BENCH_LARGE_MESSAGES:-10000000}
large_users=${BENCH_LARGE_USERS:-100000}
build=1
[ "${1:-}" = "--no-build" ] && build=0
[[ $sustained_seconds =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_SUSTAINED_SECONDS must be a positive integer" >&2; exit 64; }
[[ $large_messages =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_LARGE_MESSAGES must be a positive integer" >&2; exit 64; }
[[ $large_users =~ ^[1-9][0-9]*$ ]] && [ "$large_users" -ge 2 ] || { echo "BENCH_LARGE_USERS must be 2 or more" >&2; exit 64; }
if [ -n "$large" ] && ! command -v sqlite3 >/dev/null; then
    echo "BENCH_LARGE needs the sqlite3 command (apt-get install sqlite3)" >&2
    exit 69
fi

# The idle-connection row needs a descriptor per connection in the bench and
# in the daemon (mpimd also lifts its own soft limit), so raise the soft limit.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "$build" = 1 ]; then
    swift build -c release --product mpimd
    swift build -c release --product mpim-bench
fi
bin=${BENCH_BIN:-$(swift build -c release --show-bin-path)}
for program in mpimd mpim-bench; do
    [ -x "$bin/$program" ] || { echo "no $bin/$program: run without --no-build" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mpim-bench.XXXXXX")
# shellcheck source=scripts/processes.sh
. scripts/processes.sh
cleanup() {
    local status=$?
    # Gateways first (they unbind their sessions in Redis), Redis last.
    stop_all
    # The PostgreSQL server last, after the daemon that stores in it.
    if [ -n "${postgres_dir:-}" ]; then
        scripts/postgres-server.sh stop "$postgres_dir" >/dev/null 2>&1 || true
    fi
    if [ "$status" -ne 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
        echo "bench failed; logs were in $work (set BENCH_KEEP=1 to keep them)" >&2
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nobody answers on.
free_port() {
    local port
    while :; do
        # Below Linux's ephemeral range (32768 and up by default), where
        # client sockets, thousands after the idle-connection row, take ports.
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# A port free when probed can still be taken before redis binds it: then
# redis exits and another port is tried.
for attempt in 1 2 3 4 5; do
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$work" --logfile "$work/redis.log" &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 1 100); do
        redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
        kill -0 "$redis_pid" 2>/dev/null || break
        sleep 0.05
    done
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    echo "redis-server did not start on port $redis_port (attempt $attempt):" >&2
    tail -n 3 "$work/redis.log" >&2 || true
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
done
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null

# Fast password hashing (as in the tests) and no per-connection line limit: the
# bench measures the server, not its rate limiter (2000 lines/s by default).
cat >"$work/mpimd.conf" <<EOF
[users]
bcrypt_cost = 4

[gateway]
max_lines_per_second = 10000000
EOF

# start_daemon <gateway id> [mpimd arguments]: sets daemon_pid, daemon_port and daemon_web_port.
# Further arguments go to mpimd (another storage backend).
start_daemon() {
    local id=$1 log="$work/$1.log"
    shift
    "$bin/mpimd" --config "$work/mpimd.conf" --host 127.0.0.1 --port 0 --gateway-id "$id" \
        --redis-host 127.0.0.1 --redis-port "$redis_port" --db "$work/mpim.db" --http-port 0 --web-port 0 "$@" >"$log" 2>&1 &
    daemon_pid=$!
    pids+=("$daemon_pid")
    daemon_port=""
    for _ in $(seq 1 300); do
        daemon_port=$(grep -o 'gateway listening on 127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | sed 's/.*://' || true)
        daemon_web_port=$(grep -o 'web listening on 127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | sed 's/.*://' || true)
        [ -n "$daemon_port" ] && [ -n "$daemon_web_port" ] && return
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "mpimd $id did not start:" >&2
    tail -n 20 "$log" >&2
    exit 1
}
start_daemon bench-a
gw1=$daemon_port gw1_pid=$daemon_pid web1=$daemon_web_port
start_daemon bench-b
gw2=$daemon_port gw2_pid=$daemon_pid
# The idle rows measure the memory connections add, so each runs on a daemon
# of its own that served nothing before: memory an earlier row freed would be
# reused and hide what the connections cost.
start_daemon bench-idle-tcp
idle_tcp=$daemon_port idle_tcp_pid=$daemon_pid
start_daemon bench-idle-ws
idle_web=$daemon_web_port idle_web_pid=$daemon_pid
# A daemon whose SQLite file of its own syncs the log at every commit
# ([sqlite] synchronous = full: a commit survives power loss), for its row.
sed 's/^\[users\]$/[sqlite]\nsynchronous = full\n\n[users]/' "$work/mpimd.conf" >"$work/mpimd-full.conf"
start_daemon bench-full --config "$work/mpimd-full.conf" --db "$work/mpim-full.db"
full_gw=$daemon_port full_gw_pid=$daemon_pid
# A daemon storing in a private PostgreSQL server on loopback (default,
# durable settings: fsync and synchronous_commit on), for the PostgreSQL rows.
# Its CPU is not in the rows: each connection has a backend process of its own.
postgres_dir="$work/postgres"
chmod 755 "$work"  # the postgres user must reach its folder inside
postgres_port=$(scripts/postgres-server.sh start "$postgres_dir")
start_daemon bench-pg --storage postgres --postgres-url "postgres://postgres@127.0.0.1:$postgres_port/mpim"
pg_gw=$daemon_port pg_gw_pid=$daemon_pid
# Split: Users and Groups in a services process of their own, and a gateway
# that calls it over gRPC (loopback), for the split rows beside the
# all-in-one ones of the same run. Messaging stays in the gateway.
services_port=$(free_port)
"$bin/mpimd" --config "$work/mpimd.conf" --gateway-id bench-services --redis-host 127.0.0.1 \
    --redis-port "$redis_port" --db "$work/mpim.db" --http-port 0 --serve users,groups --grpc-port "$services_port" \
    >"$work/bench-services.log" 2>&1 &
services_pid=$!
pids+=("$services_pid")
for _ in $(seq 1 300); do
    grep -q "services listening on 127\.0\.0\.1:$services_port" "$work/bench-services.log" && break
    kill -0 "$services_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q "services listening" "$work/bench-services.log" || {
    echo "mpimd --serve users,groups did not start:" >&2
    tail -n 20 "$work/bench-services.log" >&2
    exit 1
}
start_daemon bench-split --users "127.0.0.1:$services_port" --groups "127.0.0.1:$services_port"
split_gw=$daemon_port split_gw_pid=$daemon_pid

# run_row <kind> <label> <mpim-bench arguments…>: runs one row, keeps its key=value
# line, and the command as the docs show it (ports and pids by name).
rows="$work/rows"
: >"$rows"
run_row() {
    local kind=$1 label=$2
    shift 2
    local shown=() actual=() arg
    for arg in "$@"; do
        case $arg in
            @GW1) actual+=("$gw1"); shown+=('$GW1') ;;
            @GW2) actual+=("$gw2"); shown+=('$GW2') ;;
            @WEB1) actual+=("$web1"); shown+=('$WEB1') ;;
            @REDIS) actual+=("$redis_port"); shown+=('$REDIS') ;;
            @GW1_PID) actual+=("$gw1_pid"); shown+=('$GW1_PID') ;;
            @GW2_PID) actual+=("$gw2_pid"); shown+=('$GW2_PID') ;;
            @REDIS_PID) actual+=("$redis_pid"); shown+=('$REDIS_PID') ;;
            @IDLE_GW) actual+=("$idle_tcp"); shown+=('$IDLE_GW') ;;
            @IDLE_GW_PID) actual+=("$idle_tcp_pid"); shown+=('$IDLE_GW_PID') ;;
            @IDLE_WEB) actual+=("$idle_web"); shown+=('$IDLE_WEB') ;;
            @IDLE_WEB_PID) actual+=("$idle_web_pid"); shown+=('$IDLE_WEB_PID') ;;
            @FULL_GW) actual+=("$full_gw"); shown+=('$FULL_GW') ;;
            @FULL_GW_PID) actual+=("$full_gw_pid"); shown+=('$FULL_GW_PID') ;;
            @PG_GW) actual+=("$pg_gw"); shown+=('$PG_GW') ;;
            @PG_GW_PID) actual+=("$pg_gw_pid"); shown+=('$PG_GW_PID') ;;
            @SPLIT_GW) actual+=("$split_gw"); shown+=('$SPLIT_GW') ;;
            @SPLIT_GW_PID) actual+=("$split_gw_pid"); shown+=('$SPLIT_GW_PID') ;;
            @SERVICES_PID) actual+=("$services_pid"); shown+=('$SERVICES_PID') ;;
            @LARGE_GW) actual+=("$large_gw"); shown+=('$LARGE_GW') ;;
            @LARGE_GW_PID) actual+=("$large_gw_pid"); shown+=('$LARGE_GW_PID') ;;
            @EMPTY_GW) actual+=("$empty_gw"); shown+=('$EMPTY_GW') ;;
            @EMPTY_GW_PID) actual+=("$empty_gw_pid"); shown+=('$EMPTY_GW_PID') ;;
            *) actual+=("$arg"); shown+=("$arg") ;;
        esac
    done
    echo "== $label: mpim-bench ${shown[*]}" >&2
    "$bin/mpim-bench" "${actual[@]}" >"$work/row.out" 2>"$work/row.err" || {
        echo "mpim-bench failed:" >&2
        cat "$work/row.out" "$work/row.err" >&2
        exit 1
    }
    sed '$d' "$work/row.out" >&2
    local figures
    figures=$(tail -n 1 "$work/row.out")
    echo "$figures" >&2
    printf '%s\t%s\t%s\t%s\n' "$kind" "$label" "mpim-bench ${shown[*]}" "$figures" >>"$rows"
}

# The reference first, on the same machine in the same run.
redis_command="redis-benchmark -h 127.0.0.1 -p \$REDIS -c 50 -t ping_inline -q"
echo "== reference: $redis_command" >&2
redis_result=$(redis-benchmark -h 127.0.0.1 -p "$redis_port" -c 50 -t ping_inline -q 2>&1 | tr '\r' '\n' | grep -E 'requests per second' | tail -n 1 | sed 's/^ *//')
echo "$redis_result" >&2
# "PING_INLINE: 98039.22 requests per second, p50=0.263 msec"
redis_rps=$(echo "$redis_result" | grep -o '[0-9.]* requests per second' | cut -d ' ' -f 1 || true)
redis_p50=$(echo "$redis_result" | grep -o 'p50=[0-9.]*' | cut -d = -f 2 || true)

timing=(--seconds "$seconds" --warmup "$warmup")
run_row msg "1:1, 1 pair, window 1" \
    send --port @GW1 --pairs 1 --window 1 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
run_row msg "1:1, 64 pairs, window 1" \
    send --port @GW1 --pairs 64 --window 1 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
run_row msg "1:1, 64 pairs, window 16" \
    send --port @GW1 --pairs 64 --window 16 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
run_row msg "1:1, 16 pairs, window 1" \
    send --port @GW1 --pairs 16 --window 1 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
run_row msg "1:1, 64 pairs, steady 10,000 msg/s offered" \
    send --port @GW1 --pairs 64 --window 16 --rate 10000 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
run_row msg "1:1 cross-gateway, 64 pairs, window 16" \
    send --port @GW1 --port @GW2 --pairs 64 --window 16 --payload 64 "${timing[@]}" \
    --server-pid @GW1_PID --server-pid @REDIS_PID --server-pid @GW2_PID
run_row msg "1:1 over WebSocket, 64 pairs, window 16" \
    send --ws --port @WEB1 --pairs 64 --window 16 --payload 64 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
# One group's fan-out on the first gateway: LABEL MEMBERS WINDOW.
group_row() {
    run_row msg "$1" \
        group --port @GW1 --groups 1 --members "$2" --window "$3" --payload 64 "${timing[@]}" \
        --server-pid @GW1_PID --server-pid @REDIS_PID
}
group_row "group of 100 online, window 16" 100 16
group_row "one group of 1000 online, window 16" 1000 16
# The same fan-out with 64 SENDGROUPs in flight: what the daemon delivers
# when a round trip of the 16-deep pipeline is not what bounds the row.
group_row "group of 100 online, window 64" 100 64
group_row "one group of 1000 online, window 64" 1000 64
run_row msg "1:1 with [sqlite] synchronous = full, 64 pairs, window 16" \
    send --port @FULL_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" \
    --server-pid @FULL_GW_PID --server-pid @REDIS_PID
run_row msg "1:1 on PostgreSQL, 64 pairs, window 16" \
    send --port @PG_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" \
    --server-pid @PG_GW_PID --server-pid @REDIS_PID
run_row msg "1:1 on PostgreSQL, 16 pairs, window 1" \
    send --port @PG_GW --pairs 16 --window 1 --payload 64 "${timing[@]}" \
    --server-pid @PG_GW_PID --server-pid @REDIS_PID
run_row login "login, 16 connections" \
    login --port @GW1 --connections 16 "${timing[@]}" --server-pid @GW1_PID --server-pid @REDIS_PID
# Split against all-in-one (the rows above, same run): LOGIN and a SEND to a
# new recipient cross to the services process over gRPC; a SEND to a known
# one does not (Messaging keeps the users it was told exist).
run_row msg "1:1 split (Users, Groups over gRPC), 64 pairs, window 16" \
    send --port @SPLIT_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" \
    --server-pid @SPLIT_GW_PID --server-pid @REDIS_PID --server-pid @SERVICES_PID
run_row login "login split (Users over gRPC), 16 connections" \
    login --port @SPLIT_GW --connections 16 "${timing[@]}" \
    --server-pid @SPLIT_GW_PID --server-pid @REDIS_PID --server-pid @SERVICES_PID
run_row ping "mpim-bench PING -> redis-server" \
    send --ping-only --port @REDIS --pairs 64 --window 16 "${timing[@]}" --server-pid @REDIS_PID
run_row ping "mpim-bench PING -> mpimd" \
    send --ping-only --port @GW1 --pairs 64 --window 16 "${timing[@]}" --server-pid @GW1_PID
run_row connect "$idle_connections idle logged-in connections" \
    connect --port @IDLE_GW --connections "$idle_connections" --seconds 3 --server-pid @IDLE_GW_PID --server-pid @REDIS_PID
run_row connect "$idle_sockets idle logged-in WebSocket sessions" \
    connect --ws --port @IDLE_WEB --connections "$idle_sockets" --seconds 3 --server-pid @IDLE_WEB_PID --server-pid @REDIS_PID

# --- Opt-in rows (issue 25) ------------------------------------------------------

sustained_label=""
if [ -n "$sustained" ]; then
    sustained_total=$((sustained_seconds + 10))
    if [ $((sustained_total % 60)) = 0 ]; then
        sustained_span="$((sustained_total / 60)) minutes"
    else
        sustained_span="$sustained_total s"
    fi
    sustained_label="1:1, 64 pairs, sustained 10,000 msg/s for $sustained_span"
    run_row msg "$sustained_label" \
        send --port @GW1 --pairs 64 --window 16 --rate 10000 --payload 64 --seconds "$sustained_seconds" --warmup 10 \
        --server-pid @GW1_PID --server-pid @REDIS_PID
fi

# register <port> <name>: a user with the password mpim-bench logs in with (its --password default).
register() {
    local greeting reply
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    IFS= read -r -t 10 greeting <&3 || true
    printf 'REGISTER %s benchpass\nQUIT\n' "$2" >&3
    IFS= read -r -t 10 reply <&3 || true
    exec 3<&-
    [[ $reply == "+OK uid="* ]] || { echo "REGISTER $2 on port $1: ${reply:-no reply} (greeting: ${greeting:-none})" >&2; exit 1; }
}

large_label="" empty_before_label="" empty_after_label="" history_label="" large_fill="" fill_command=""
if [ -n "$large" ]; then
    if [ $((large_messages % 1000000)) = 0 ]; then large_count="$((large_messages / 1000000)) M"; else large_count=$large_messages; fi
    large_db="$work/mpim-large.db"
    # The schema by mpimd's own migrations, and the user whose password hash
    # the filled users share; then the file is closed and filled.
    start_daemon bench-large-schema --db "$large_db"
    register "$daemon_port" fillpassword
    stop_pid "$daemon_pid"
    fill_command="scripts/bench-fill.sh \$LARGE_DB $large_messages $large_users fill_"
    echo "== filling: $fill_command" >&2
    scripts/bench-fill.sh "$large_db" "$large_messages" "$large_users" fill_ 2>"$work/fill.log" || {
        cat "$work/fill.log" >&2
        exit 1
    }
    cat "$work/fill.log" >&2
    large_fill=$(tail -n 1 "$work/fill.log" | sed 's/^bench-fill: //; s/ [^ ]*mpim-large\.db is / the file is /')
    start_daemon bench-large --db "$large_db"
    large_gw=$daemon_port large_gw_pid=$daemon_pid
    # The empty-database figure it is held to, from a daemon on a new file
    # run just before and just after it: this machine's speed drifts by a
    # quarter within minutes, so the same load run earlier in make bench is
    # no fair base.
    start_daemon bench-empty --db "$work/mpim-empty.db"
    empty_gw=$daemon_port empty_gw_pid=$daemon_pid
    large_label="1:1 with $large_count messages stored, 64 pairs, window 16"
    empty_before_label="1:1 on an empty file, 64 pairs, window 16, before the $large_count row"
    empty_after_label="1:1 on an empty file, 64 pairs, window 16, after the $large_count row"
    run_row msg "$empty_before_label" \
        send --port @EMPTY_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" --server-pid @EMPTY_GW_PID --server-pid @REDIS_PID
    run_row msg "$large_label" \
        send --port @LARGE_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" --server-pid @LARGE_GW_PID --server-pid @REDIS_PID
    run_row msg "$empty_after_label" \
        send --port @EMPTY_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" --server-pid @EMPTY_GW_PID --server-pid @REDIS_PID
    # HISTORY beside the same load: 4 readers, 200 a second in all, each reading
    # the latest 50 messages of a filled conversation (fill_k with fill_k+1).
    history_label="1:1 with $large_count messages stored, 64 pairs, window 16, and HISTORY (50) at 200/s"
    run_row msg "$history_label" \
        send --port @LARGE_GW --pairs 64 --window 16 --payload 64 "${timing[@]}" \
        --history 4 --history-rate 200 --history-limit 50 --history-of "fill_:$large_users" \
        --server-pid @LARGE_GW_PID --server-pid @REDIS_PID
fi


# --- The results section -------------------------------------------------------

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- Sources Package.swift Package.resolved 2>/dev/null || commit="$commit + uncommitted changes"
cpu_model=$(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //' || echo unknown)
memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
swift_version=$(swift --version 2>&1 | grep -o 'Swift version [^ ]*' | head -n 1)
redis_version=$(redis-server --version | grep -o 'v=[^ ]*' | sed 's/v=//')

section="$work/section.md"
awk -F'\t' -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" -v commit="$commit" -v nproc="$(nproc)" \
    -v cpu="$cpu_model" -v memory="$memory" -v kernel="$(uname -r)" -v swift="$swift_version" \
    -v redis="$redis_version" -v seconds="$seconds" -v warmup="$warmup" \
    -v redis_command="$redis_command" -v redis_rps="$redis_rps" -v redis_p50="$redis_p50" \
    -v idle_connections="$idle_connections" -v idle_sockets="$idle_sockets" \
    -v sustained_label="$sustained_label" -v large_label="$large_label" -v history_label="$history_label" \
    -v empty_before_label="$empty_before_label" -v empty_after_label="$empty_after_label" \
    -v large_fill="$large_fill" -v fill_command="$fill_command" -v large_messages="$large_messages" '
function ms(us) { return sprintf(us < 100 ? "%.3f" : "%.2f", us / 1000) }
function lat(prefix) { return ms(f[prefix "_p50_us"]) " / " ms(f[prefix "_p99_us"]) " / " ms(f[prefix "_p999_us"]) " / " ms(f[prefix "_max_us"]) }
function pct(key) { return (key in f) ? sprintf("%.0f%%", f[key]) : "–" }
# f[key] = value for the key=value line of row i
function load(i,    words, w, eq) {
    delete f
    split(line[i], words, " ")
    for (w in words) { eq = index(words[w], "="); f[substr(words[w], 1, eq - 1)] = substr(words[w], eq + 1) }
}
function min(a, b) { return a + 0 < b + 0 ? a + 0 : b + 0 }
function rate(key) { return sprintf("%.0f", f[key]) }
function row(name,    i) { for (i = 1; i <= n; i++) if (name != "" && label[i] == name) return i; return 0 }
function mib(kb) { return sprintf("%.0f", kb / 1024) }
function target(what, wanted, measured, met) { printf "| %s | %s | %s | %s |\n", what, wanted, measured, (met ? "yes" : "**no**") }
{
    kind[NR] = $1; label[NR] = $2; command[NR] = $3; line[NR] = $4; n = NR
}
END {
    print "<!-- bench:results:start (written by scripts/bench.sh; edit the prose outside these markers) -->"
    print ""
    print "## Results"
    print ""
    print "Measured " date " at commit `" commit "` by `make bench` (`scripts/bench.sh`)."
    print ""
    print "- Machine: " nproc " cores (" cpu "), " memory " memory, Linux " kernel
    print "- " swift ", release build; redis-server " redis
    print "- mpimd: bcrypt cost 4, `max_lines_per_second = 10000000`, SQLite (PostgreSQL 15 for its rows, default"
    print "  durable settings) and Redis on the same machine; the bench, the daemons, Redis and PostgreSQL share the " nproc " cores"
    print "- Each load row: " warmup " s warm-up, then " seconds " s measured; 64-byte message texts"
    print ""
    print "### Targets (issue 8)"
    print ""
    print "Ratios are against `" redis_command "` run in the same `make bench` (" sprintf("%.0f", redis_rps) " requests/s)."
    print ""
    print "| target | wanted | measured | met |"
    print "| --- | --- | --- | :---: |"
    same = row("1:1, 64 pairs, window 16"); load(same); same_rate = min(f["deliveries_per_s"], f["sends_per_s"])
    target("1:1 same gateway, acknowledged and pushed", ">= 0.6 x Redis PING_INLINE", sprintf("%.0f msg/s = %.2f x", same_rate, same_rate / redis_rps), same_rate >= 0.6 * redis_rps && f["errors"] == 0 && f["missing"] == 0)
    load(row("1:1, 64 pairs, steady 10,000 msg/s offered"))
    target("latency at 10,000 msg/s offered: SEND -> +OK p99", "<= 2 ms", ms(f["send_p99_us"]) " ms", f["send_p99_us"] + 0 <= 2000)
    target("latency at 10,000 msg/s offered: SEND -> push p99", "<= 3 ms", ms(f["deliver_p99_us"]) " ms", f["deliver_p99_us"] + 0 <= 3000)
    lateness = "p50 " ms(f["lag_p50_us"]) " ms and p99 " ms(f["lag_p99_us"]) " ms at 10,000 msg/s"
    load(row("1:1 cross-gateway, 64 pairs, window 16")); cross = min(f["deliveries_per_s"], f["sends_per_s"])
    target("1:1 cross-gateway", ">= 0.6 x same gateway", sprintf("%.0f msg/s = %.2f x", cross, cross / same_rate), cross >= 0.6 * same_rate)
    load(row("group of 100 online, window 16"))
    target("group fan-out, 100 online members", ">= 250,000 GMSG/s", sprintf("%.0f GMSG/s", f["deliveries_per_s"]), f["deliveries_per_s"] + 0 >= 250000)
    load(row(idle_connections " idle logged-in connections"))
    target(idle_connections " idle logged-in connections", "all open, <= 12 KB RSS each", sprintf("%d open, %.1f KB each", f["open_after_hold"], f["rss_per_conn_bytes"] / 1000), f["open_after_hold"] + 0 == idle_connections + 0 && f["rss_per_conn_bytes"] + 0 <= 12000)
    load(row("1:1 over WebSocket, 64 pairs, window 16")); ws = min(f["deliveries_per_s"], f["sends_per_s"])
    target("1:1 over WebSocket (issue 22)", ">= 0.5 x the TCP row", sprintf("%.0f msg/s = %.2f x", ws, ws / same_rate), ws >= 0.5 * same_rate && f["errors"] == 0 && f["missing"] == 0)
    load(row(idle_sockets " idle logged-in WebSocket sessions"))
    target(idle_sockets " idle WebSocket sessions (issue 22)", "all open, <= 10 KB RSS each", sprintf("%d open, %.1f KB each", f["open_after_hold"], f["rss_per_conn_bytes"] / 1000), f["open_after_hold"] + 0 == idle_sockets + 0 && f["rss_per_conn_bytes"] + 0 <= 10000)
    load(row("1:1 on PostgreSQL, 64 pairs, window 16")); pg = min(f["deliveries_per_s"], f["sends_per_s"])
    target("1:1 on PostgreSQL, 64 x 16 (issue 23)", ">= 0.3 x Redis PING_INLINE", sprintf("%.0f msg/s = %.2f x", pg, pg / redis_rps), pg >= 0.3 * redis_rps && f["errors"] == 0 && f["missing"] == 0)
    load(row("1:1 on PostgreSQL, 16 pairs, window 1"))
    target("1:1 on PostgreSQL, closed loop 16 x 1 (issue 23): SEND -> +OK p99", "<= 3 ms", ms(f["send_p99_us"]) " ms", f["send_p99_us"] + 0 <= 3000 && f["errors"] == 0)
    load(row("1:1 with [sqlite] synchronous = full, 64 pairs, window 16")); full = min(f["deliveries_per_s"], f["sends_per_s"])
    target("1:1 with [sqlite] synchronous = full, 64 x 16 (issue 25)", ">= 0.5 x Redis PING_INLINE", sprintf("%.0f msg/s = %.2f x", full, full / redis_rps), full >= 0.5 * redis_rps && f["errors"] == 0 && f["missing"] == 0)
    # Issue 25, the cost of one message: the same rows against its targets.
    target("1:1, 64 x 16 (issue 25)", ">= 1.0 x Redis PING_INLINE", sprintf("%.0f msg/s = %.2f x", same_rate, same_rate / redis_rps), same_rate >= redis_rps)
    load(row("1:1, 16 pairs, window 1")); closed = min(f["deliveries_per_s"], f["sends_per_s"])
    target("closed loop 16 x 1 (issue 25): SEND -> +OK p99, SEND -> push p99", "<= 1 ms each, at >= 0.35 x Redis PING_INLINE",
           ms(f["send_p99_us"]) " ms, " ms(f["deliver_p99_us"]) " ms at " sprintf("%.0f msg/s = %.2f x", closed, closed / redis_rps),
           f["send_p99_us"] + 0 <= 1000 && f["deliver_p99_us"] + 0 <= 1000 && closed >= 0.35 * redis_rps)
    load(row("group of 100 online, window 16"))
    target("group fan-out, 100 online members (issue 25)", ">= 500,000 GMSG/s", sprintf("%.0f GMSG/s", f["deliveries_per_s"]), f["deliveries_per_s"] + 0 >= 500000)
    load(row("one group of 1000 online, window 16"))
    target("group fan-out, one group of 1000 online members (issue 25)", ">= 500,000 GMSG/s", sprintf("%.0f GMSG/s", f["deliveries_per_s"]), f["deliveries_per_s"] + 0 >= 500000)
    load(row(idle_connections " idle logged-in connections"))
    target(idle_connections " idle logged-in connections (issue 25)", "<= 6 KB RSS each", sprintf("%.1f KB each", f["rss_per_conn_bytes"] / 1000), f["open_after_hold"] + 0 == idle_connections + 0 && f["rss_per_conn_bytes"] + 0 <= 6000)
    # The opt-in rows (BENCH_SUSTAINED, BENCH_LARGE): a target line only when the row ran.
    if (row(sustained_label)) {
        load(row(sustained_label))
        target(substr(sustained_label, index(sustained_label, "sustained")) " (issue 25): SEND -> +OK p99, p99.9", "<= 2 ms, <= 5 ms",
               ms(f["send_p99_us"]) " ms, " ms(f["send_p999_us"]) " ms (" rate("sends_per_s") " msg/s; mpimd RSS " mib(f["server_rss_kb_start"]) " -> " mib(f["server_rss_kb"]) " MiB)",
               f["send_p99_us"] + 0 <= 2000 && f["send_p999_us"] + 0 <= 5000 && f["errors"] == 0 && f["missing"] == 0)
    }
    if (row(large_label)) {
        load(row(empty_before_label)); empty_before = min(f["deliveries_per_s"], f["sends_per_s"])
        load(row(empty_after_label)); empty_after = min(f["deliveries_per_s"], f["sends_per_s"])
        empty = (empty_before + empty_after) / 2
        load(row(large_label)); large = min(f["deliveries_per_s"], f["sends_per_s"])
        target("64 x 16 with " (large_messages % 1000000 ? large_messages : large_messages / 1000000 " M") " messages stored (issue 25)", ">= 0.9 x the empty-database rows run beside it",
               sprintf("%.0f msg/s = %.2f x (empty file: %.0f before, %.0f after)", large, large / empty, empty_before, empty_after), large >= 0.9 * empty && f["errors"] == 0 && f["missing"] == 0)
    }
    if (row(history_label)) {
        load(row(history_label))
        target("HISTORY (50) p99 under that load (issue 25)", "<= 2 ms", sprintf("%s ms (%s/s, %.1f messages each)", ms(f["history_p99_us"]), rate("histories_per_s"), f["history_messages_per_reply"]),
               f["history_p99_us"] + 0 <= 2000 && f["histories"] + 0 > 0 && f["history_messages_per_reply"] + 0 > 0 && f["errors"] == 0)
    }
    load(row("login, 16 connections"))
    target("login rate", ">= 2,000/s", sprintf("%.0f/s", f["logins_per_s"]), f["logins_per_s"] + 0 >= 2000 && f["errors"] == 0)
    print ""
    print "Those latencies are measured from the time each command was scheduled, so they include"
    print "how late the bench itself sent (`lag_…` figures): " lateness "."
    if (large_fill != "") {
        print ""
        print "The large-database daemon (`$LARGE_GW`) runs on a file of its own, filled before its rows by `" fill_command "`: " large_fill "."
    }
    print ""
    print "### Split against all-in-one (issue 24)"
    print ""
    print "Users and Groups in a services process (`mpimd --serve users,groups`) called over gRPC on"
    print "loopback, against the same services inside the gateway; rows below, same run."
    print ""
    print "| figure | all-in-one | split | split / all-in-one |"
    print "| --- | ---: | ---: | ---: |"
    load(row("login, 16 connections")); login_rate = f["logins_per_s"]; login_p99 = f["login_p99_us"]
    load(row("login split (Users over gRPC), 16 connections"))
    printf "| LOGIN rate | %.0f/s | %.0f/s | %.2f |\n", login_rate, f["logins_per_s"], f["logins_per_s"] / login_rate
    printf "| LOGIN p99 | %s ms | %s ms | %.2f |\n", ms(login_p99), ms(f["login_p99_us"]), f["login_p99_us"] / login_p99
    load(row("1:1 split (Users, Groups over gRPC), 64 pairs, window 16")); split_rate = min(f["deliveries_per_s"], f["sends_per_s"])
    printf "| 1:1 SEND rate, 64 x 16 | %.0f msg/s | %.0f msg/s | %.2f |\n", same_rate, split_rate, split_rate / same_rate
    print ""
    print "### Messages"
    print ""
    print "Latency columns are p50 / p99 / p99.9 / max in milliseconds. CPU is percent of one core"
    print "over the measured seconds (200% = both cores)."
    print ""
    print "| row | sends/s | pushes/s | SEND → +OK (ms) | SEND → push (ms) | errors | mpimd CPU | redis CPU | bench CPU |"
    print "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= n; i++) {
        if (kind[i] != "msg" && kind[i] != "login") continue
        load(i)
        mpimd = pct("server_cpu_pct")
        if ("server3_cpu_pct" in f) mpimd = mpimd " + " pct("server3_cpu_pct")
        if (kind[i] == "login")
            printf "| %s | %s logins/s | – | LOGIN: %s | – | %d | %s | %s | %s |\n", label[i], rate("logins_per_s"), lat("login"), f["errors"], mpimd, pct("server2_cpu_pct"), pct("bench_cpu_pct")
        else
            printf "| %s | %s | %s | %s | %s | %d%s | %s | %s | %s |\n", label[i], rate("sends_per_s"), rate("deliveries_per_s"), lat("send"), lat("deliver"), f["errors"], (f["missing"] > 0 ? " (" f["missing"] " missing)" : ""), mpimd, pct("server2_cpu_pct"), pct("bench_cpu_pct")
    }
    print ""
    history_rows = 0
    for (i = 1; i <= n; i++) { load(i); if ("histories" in f) history_rows++ }
    if (history_rows) {
        print "### HISTORY under load"
        print ""
        print "HISTORY readers beside the load of the row (`--history`), each reading the latest messages of a conversation;"
        print "latency from the scheduled time at a fixed rate, p50 / p99 / p99.9 / max in milliseconds."
        print ""
        print "| row | HISTORY/s | messages each | HISTORY → +OK (ms) |"
        print "| --- | ---: | ---: | --- |"
        for (i = 1; i <= n; i++) {
            load(i)
            if ("histories" in f) printf "| %s | %s | %.1f | %s |\n", label[i], rate("histories_per_s"), f["history_messages_per_reply"], lat("history")
        }
        print ""
    }
    print "### Connections"
    print ""
    print "| row | logged in | connect + greeting + REGISTER /s | connect → greeting (ms) | REGISTER → +OK (ms) | mpimd RSS per connection | errors |"
    print "| --- | ---: | ---: | --- | --- | ---: | ---: |"
    for (i = 1; i <= n; i++) {
        if (kind[i] != "connect") continue
        load(i)
        printf "| %s | %d | %s | %s | %s | %.1f KiB (%.0f → %.0f MiB) | %d |\n", label[i], f["open_after_hold"], rate("connects_per_s"), lat("connect"), lat("register"), f["rss_per_conn_bytes"] / 1024, f["server_rss_kb_before"] / 1024, f["server_rss_kb"] / 1024, f["errors"]
    }
    print ""
    print "### The bench is not the bottleneck"
    print ""
    print "The same bench process, PING lines instead of SENDs (hidden `--ping-only`, which counts"
    print "`+PONG` / `+OK pong`), against Redis and against mpimd; and `redis-benchmark` on the same Redis."
    print ""
    print "| target | replies/s | PING → reply (ms) | target CPU | bench CPU |"
    print "| --- | ---: | --- | ---: | ---: |"
    for (i = 1; i <= n; i++) {
        if (kind[i] != "ping") continue
        load(i)
        printf "| %s | %s | %s | %s | %s |\n", label[i], rate("pings_per_s"), lat("ping"), pct("server_cpu_pct"), pct("bench_cpu_pct")
    }
    printf "| `%s` (50 connections, no pipelining) | %.0f | p50 %s | | |\n", redis_command, redis_rps, redis_p50
    print ""
    print "### Commands"
    print ""
    print "`$GW1`, `$GW2` are the two gateways (`$WEB1` the web listener of the first), `$REDIS` the Redis port, `$FULL_GW` a daemon with `[sqlite] synchronous = full` on a file of its own, `$PG_GW` one storing in PostgreSQL, `$SPLIT_GW` one calling Users and Groups in `$SERVICES_PID` over gRPC, `$IDLE_GW` and `$IDLE_WEB` two more daemons that serve only the idle rows (each starts fresh, so memory an earlier row freed does not hide what idle connections cost), `$…_PID` their pids."
    print ""
    if (fill_command != "") {
        print "`$LARGE_GW` is a daemon on a file of its own (`$LARGE_DB`), filled first as the commands show (its schema made by mpimd itself, which then stopped)."
        print ""
    }
    print "```sh"
    filled = 0
    for (i = 1; i <= n; i++) {
        if (fill_command != "" && !filled && index(command[i], "$LARGE_GW")) { print fill_command; filled = 1 }
        print command[i]
    }
    print redis_command
    print "```"
    print ""
    print "<details><summary>Raw key=value lines</summary>"
    print ""
    print "```"
    for (i = 1; i <= n; i++) print line[i]
    print "```"
    print ""
    print "</details>"
    print ""
    print "<!-- bench:results:end -->"
}' "$rows" >"$section"

# Splice the section into the doc between the markers (or append it).
if [ -f "$output" ] && grep -q '<!-- bench:results:start' "$output"; then
    awk -v section="$section" '
        /<!-- bench:results:start/ { while ((getline l < section) > 0) print l; skip = 1; next }
        /<!-- bench:results:end/ { skip = 0; next }
        !skip { print }' "$output" >"$work/doc.md"
    cp "$work/doc.md" "$output"
else
    { [ -f "$output" ] && cat "$output" && echo; cat "$section"; } >"$work/doc.md"
    cp "$work/doc.md" "$output"
fi
echo "wrote the results into $output" >&2
