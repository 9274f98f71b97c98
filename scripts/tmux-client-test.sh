#!/usr/bin/env bash
# The interactive side of `mpim`, checked in a real terminal (tmux): a
# password asked for is typed unseen and kept out of the history; users show
# by name; a push that arrives while the user is typing is printed above the
# input line, the half-typed line and its cursor stay intact (on screen and in
# what Enter sends); editing mid-line (Ctrl-A/E/K/W, Alt-F, arrows); narrowing
# and widening the window with a long line leaves no stale rows; being signed
# in elsewhere is told plainly and the prompt goes back to "> "; the terminal
# is non-canonical while mpim runs and restored after Ctrl-C.
#
# Starts its own redis-server and mpimd on free 127.0.0.1 ports, a private
# tmux server, and a second (scripted) mpim; stops every one of them by pid.
# Exits 0 when all checks pass (or when tmux is missing: skipped), else 1.
#
#   scripts/tmux-client-test.sh        # builds mpim and mpimd (debug) if needed
#   MPIM=... MPIMD=... scripts/tmux-client-test.sh
#   MPIM_TMUX_KEEP=1 keeps the temporary folder (logs, pane captures)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v tmux >/dev/null 2>&1; then
    echo "tmux-client-test: skipped: tmux is not installed"
    exit 0
fi
for tool in redis-server python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "tmux-client-test: FAIL: $tool is not installed" >&2; exit 1; }
done

bin=$(swift build --show-bin-path)
mpim=${MPIM:-$bin/mpim}
mpimd=${MPIMD:-$bin/mpimd}
if [ -z "${MPIM:-}" ] && [ ! -x "$mpim" ]; then swift build --product mpim >/dev/null; fi
if [ -z "${MPIMD:-}" ] && [ ! -x "$mpimd" ]; then swift build --product mpimd >/dev/null; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mpim-tmux.XXXXXX")
socket="mpim-test-$$"
tmux_cmd=(tmux -L "$socket" -f /dev/null)
redis_pid="" mpimd_pid="" bob_pid="" tmux_pid="" pane_pid="" pane_child=""

stop_pid() {  # stop_pid <pid>: SIGTERM, up to 5 s, then SIGKILL
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    exec 3>&- 2>/dev/null || true
    stop_pid "$pane_child"
    stop_pid "$pane_pid"
    stop_pid "$tmux_pid"
    stop_pid "$bob_pid"
    stop_pid "$mpimd_pid"
    stop_pid "$redis_pid"
    wait 2>/dev/null || true
    if [ -n "${MPIM_TMUX_KEEP:-}" ]; then
        echo "tmux-client-test: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

fail() {
    echo "tmux-client-test: FAIL: $*" >&2
    if [ -n "$tmux_pid" ]; then
        echo "--- pane ---" >&2
        "${tmux_cmd[@]}" capture-pane -p -t chat >&2 2>/dev/null || true
    fi
    for log in bob.out mpimd.log; do
        [ -f "$work/$log" ] && { echo "--- $log (tail) ---" >&2; tail -n 15 "$work/$log" >&2; }
    done
    exit 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for <what> <seconds> <command...>: retries the command every 0.1 s.
wait_for() {
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq 1 $((seconds * 10))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    fail "timed out after ${seconds}s waiting for $what"
}

pane() { "${tmux_cmd[@]}" capture-pane -p -t chat; }
# grep reads it all (no -q): an early exit would fail the pipe under pipefail.
pane_has() { pane | grep -F -- "$1" >/dev/null; }
bob_has() { grep -qF -- "$1" "$work/bob.out"; }

# --- redis-server and mpimd --------------------------------------------------
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
wait_for "redis-server to answer" 10 python3 -c "import socket; s=socket.create_connection(('127.0.0.1',$redis_port),1); s.sendall(b'PING\r\n'); assert s.recv(16).startswith(b'+PONG')"

printf '[users]\nbcrypt_cost = 4\n' >"$work/mpimd.conf"
"$mpimd" --config "$work/mpimd.conf" --host 127.0.0.1 --port 0 --http-port 0 \
    --db "$work/mpim.db" --redis-host 127.0.0.1 --redis-port "$redis_port" \
    --gateway-id gw-tmux >"$work/mpimd.log" 2>&1 &
mpimd_pid=$!
wait_for "mpimd to listen" 30 grep -q "gateway listening on 127.0.0.1:" "$work/mpimd.log"
port=$(grep -o "gateway listening on 127.0.0.1:[0-9]*" "$work/mpimd.log" | head -n 1 | sed 's/.*://')

# --- bob: a scripted mpim (stdin is a pipe) -----------------------------------
mkfifo "$work/bob.in"
"$mpim" --host 127.0.0.1 --port "$port" <"$work/bob.in" >"$work/bob.out" 2>&1 &
bob_pid=$!
exec 3>"$work/bob.in"
bob="bob$$"
alice="alice$$"
echo "/register $bob pw" >&3
wait_for "bob to register" 10 bob_has "registered and logged in as $bob ("

# --- alice: mpim in a tmux pane, its terminal settings saved before and after --
# The pane runs a plain non-interactive sh, which (unlike bash) repairs no
# terminal settings after its child dies: what stty shows after is mpim's doing.
# sh ignores SIGINT so it survives Ctrl-C and runs stty; mpim installs its own handler.
"${tmux_cmd[@]}" new-session -d -s chat -x 120 -y 30 \
    "sh -c 'stty -a > \"\$1/stty-before.txt\"; trap \"\" INT; \"\$0\" --host 127.0.0.1 --port \"\$2\"; echo \"mpim exited with status \$?\"; stty -a > \"\$1/stty-after.txt\"; echo STTY-SAVED; sleep 600' '$mpim' '$work' '$port'"
tmux_pid=$("${tmux_cmd[@]}" display-message -p -t chat '#{pid}')
pane_pid=$("${tmux_cmd[@]}" display-message -p -t chat '#{pane_pid}')
wait_for "mpim in tmux to connect" 15 pane_has "* connected to 127.0.0.1:$port"
pane_child=$(ps -o pid= --ppid "$pane_pid" | tr -d ' ' | head -n 1)
pane_tty=$("${tmux_cmd[@]}" display-message -p -t chat '#{pane_tty}')
stty -a -F "$pane_tty" >"$work/stty-during.txt"
grep -qw -- "-icanon" "$work/stty-during.txt" || fail "the terminal is in canonical mode while mpim runs"
grep -qw -- "-echo" "$work/stty-during.txt" || fail "the terminal echoes while mpim runs"

keys() { "${tmux_cmd[@]}" send-keys -t chat "$@"; }
type_text() { "${tmux_cmd[@]}" send-keys -t chat -l "$1"; }
cursor() { "${tmux_cmd[@]}" display-message -p -t chat "#{cursor_$1}"; }
last_line() { pane | grep -v '^$' | tail -n 1; }
last_line_is() { [ "$(last_line)" = "$1" ]; }

# --- a password asked for is typed unseen and kept out of the history ---------
password="s3cret-$$"
type_text "/register $alice"
keys Enter
wait_for "the password prompt" 10 pane_has "password for $alice:"
type_text "$password"
keys Enter
wait_for "alice to register" 10 pane_has "registered and logged in as $alice ("
keys Up
wait_for "Up to bring back the last line" 10 last_line_is "$alice> /register $alice"
keys C-u
wait_for "Ctrl-U to clear the line" 10 last_line_is "$alice>"

# --- names: /chat by username, the prompt and the pushes name the user ---------
type_text "/chat $bob"
keys Enter
prompt="$alice to $bob> "
wait_for "the conversation prompt" 10 pane_has "${prompt% }"  # capture-pane drops trailing blanks

# --- a push arrives while alice is typing -------------------------------------
typed="half typed, not sent yet"
type_text "$typed"
wait_for "the typed text to show" 10 pane_has "$prompt$typed"
echo "/msg $alice PUSH-WHILE-TYPING" >&3
wait_for "bob's message to be stored" 10 bob_has "sent msg "
wait_for "the push to show in alice's terminal, with bob's name" 10 pane_has "] $bob: PUSH-WHILE-TYPING"
sleep 0.3
pane >"$work/pane-after-push.txt"

push_line=$(grep -nF "$bob: PUSH-WHILE-TYPING" "$work/pane-after-push.txt" | cut -d: -f1)
input_line=$(grep -nxF -- "$prompt$typed" "$work/pane-after-push.txt" | cut -d: -f1 || true)
[ -n "$input_line" ] || fail "the input line is not intact after the push (want a line \"$prompt$typed\")"
[ "$input_line" -gt "$push_line" ] || fail "the push was printed below the input line"
if grep -F "PUSH-WHILE-TYPING" "$work/pane-after-push.txt" | grep -F -- "$typed" >/dev/null; then
    fail "the push and the typed text share a line"
fi
# The cursor sits right after the typed text, on the input line.
[ $(($(cursor y) + 1)) -eq "$input_line" ] || fail "the cursor is on row $(($(cursor y) + 1)), not on the input line ($input_line)"
[ "$(cursor x)" -eq $(( ${#prompt} + ${#typed} )) ] || fail "the cursor is at column $(cursor x), not after the typed text"

# Enter sends exactly what was typed.
keys Enter
wait_for "bob to receive the typed line" 10 bob_has "$alice: $typed"

# --- editing in the middle of the line, a push meanwhile -------------------------
type_text "wrld, hello"
keys C-a M-f Left Left Left
type_text "o"
wait_for "the o inserted mid-line" 10 last_line_is "${prompt}world, hello"
[ "$(cursor x)" -eq $(( ${#prompt} + 2 )) ] || fail "after Ctrl-A, Alt-F, Left x3 and o the cursor is at column $(cursor x), not $(( ${#prompt} + 2 ))"
echo "/msg $alice PUSH-MID-LINE" >&3
wait_for "the second push" 10 pane_has "] $bob: PUSH-MID-LINE"
sleep 0.3
last_line_is "${prompt}world, hello" || fail "the input line changed under a push: \"$(last_line)\""
[ "$(cursor x)" -eq $(( ${#prompt} + 2 )) ] || fail "a push moved the cursor to column $(cursor x)"
keys C-e C-w
type_text "there"
keys Left Left Left Left Left C-k
type_text "there"
wait_for "Ctrl-E, Ctrl-W, Ctrl-K to edit the end" 10 last_line_is "${prompt}world, there"
keys Enter
wait_for "bob to receive the edited line" 10 bob_has "$alice: world, there"

# --- a long half-typed line survives narrowing and widening the window --------
long=$(python3 -c 'print(" ".join("r%02d" % i for i in range(40)), end="")')
type_text "$long"
keys Left Left Left Left Left Left Left Left Left Left
wait_for "the long line to show" 10 pane_has "r39"
# check_wrapped <width>: below the last prompt row, exactly the prompt and the
# line wrapped at <width>; no piece of it anywhere above; the cursor 10 back from the end.
check_wrapped() {
    pane >"$work/pane-$1.txt"
    python3 - "$work/pane-$1.txt" "$prompt" "$long" "$1" "$(cursor x)" "$(cursor y)" <<'PY' || fail "after resizing to $1 columns the input line is not clean (pane in $work/pane-$1.txt)"
import re, sys
path, prompt, text, width, cx, cy = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rows = open(path).read().split("\n")
starts = [i for i, row in enumerate(rows) if row.startswith(prompt[:-1])]
assert starts, "no prompt row"
first = starts[-1]
full = prompt + text
want = [full[i:i + width] for i in range(0, len(full), width)]
got = rows[first:first + len(want)]
assert [g.rstrip() for g in got] == [w.rstrip() for w in want], f"rows {got!r}, want {want!r}"
assert not any(row.strip() for row in rows[first + len(want):]), f"stale rows below: {rows[first + len(want):]!r}"
assert not any(re.search(r"r[0-9][0-9]", row) for row in rows[:first]), "stale pieces above the input line"
at = len(full) - 10
assert (cx, cy) == (at % width, first + at // width), f"cursor at {(cx, cy)}, want {(at % width, first + at // width)}"
PY
}
check_wrapped 120
"${tmux_cmd[@]}" resize-window -t chat -x 50 -y 30
sleep 0.5
check_wrapped 50
"${tmux_cmd[@]}" resize-window -t chat -x 35 -y 30
sleep 0.5
check_wrapped 35
"${tmux_cmd[@]}" resize-window -t chat -x 120 -y 30
sleep 0.5
check_wrapped 120
keys C-e C-u
wait_for "Ctrl-E Ctrl-U to clear the long line" 10 last_line_is "${prompt% }"

# --- signed in on another cli device -------------------------------------------
printf '/login %s %s\n' "$alice" "$password" | "$mpim" --host 127.0.0.1 --port "$port" >"$work/second.out" 2>&1 \
    || fail "the second login of $alice failed: $(cat "$work/second.out")"
wait_for "the kick to be told plainly" 10 pane_has "signed in on another cli device; signed out here"
wait_for "the prompt to go back to '> '" 10 last_line_is ">"
type_text "anyone there?"
keys Enter
wait_for "a plain line to be refused while signed out" 10 pane_has "error: not logged in"
sleep 1
if pane_has "logged in again"; then fail "the client logged in again after being signed out elsewhere"; fi
last_line_is ">" || fail "the prompt is \"$(last_line)\" after being signed out, not \">\""

# The password never showed on the screen, scroll-back included.
if "${tmux_cmd[@]}" capture-pane -p -S - -t chat | grep -F -- "$password" >/dev/null; then
    fail "the password shows in the terminal"
fi

# --- Ctrl-C restores the terminal ---------------------------------------------
"${tmux_cmd[@]}" send-keys -t chat C-c
wait_for "mpim to exit on Ctrl-C and the shell to save stty" 10 pane_has "STTY-SAVED"
pane_has "mpim exited with status 130" || fail "mpim did not end by SIGINT (want status 130)"
setting() { tr ' ;' '\n\n' <"$1" | grep -xE -- '-?(icanon|echo|isig|iexten)' | sort | tr '\n' ' '; }
before=$(setting "$work/stty-before.txt")
after=$(setting "$work/stty-after.txt")
[ "$before" = "$after" ] || fail "terminal not restored after Ctrl-C: before [$before], after [$after]"
pane_child=""

echo "tmux-client-test: ok: password asked unseen and kept out of history, names, push above the intact input line (cursor kept mid-line), Enter sent it, mid-line editing, resize leaves no stale rows, signed-out message and prompt, terminal restored after Ctrl-C"
