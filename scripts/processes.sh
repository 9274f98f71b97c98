# Sourced by scripts that start servers: the pids they must stop, and how.
#   pids+=("$!")      after starting a process
#   stop_pid PID      SIGTERM, up to 10 s to exit, then SIGKILL; PID leaves the list
#   stop_all          every listed pid, the last started first
pids=()

stop_pid() {
    local pid=$1 kept=() other
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    for other in "${pids[@]}"; do [ "$other" = "$pid" ] || kept+=("$other"); done
    pids=(${kept[@]+"${kept[@]}"})
}

stop_all() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${pids[$i]}"
    done
}
