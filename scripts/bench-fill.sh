#!/usr/bin/env bash
# Fills an mpimd SQLite file with users and 1:1 messages, fast, for the
# large-database rows of make bench (BENCH_LARGE=1, issue 25):
#
#   scripts/bench-fill.sh FILE MESSAGES [USERS] [PREFIX]   # defaults: 100000 users, prefix fill_
#
# FILE must hold mpimd's schema (start mpimd on it once: its migrations make
# the tables), no messages, and at least one user: every filled user gets the
# password hash of the first one, so register that one with the password the
# bench logs in with. No daemon may have the file open while this runs.
#
# It adds the users PREFIX1 … PREFIX<USERS> and MESSAGES 1:1 messages in one
# transaction (recursive CTEs inside SQLite, no round trip per row): message n
# belongs to the pair PREFIXk, PREFIXk+1 with k = n mod USERS + 1 (the last
# user with the first), so each pair has about MESSAGES / USERS messages and
# each user talks with its two neighbours; the sender alternates at each round
# of the pairs. Texts are 64 bytes; the timestamps rise with the ids, spread
# evenly over the last days (30, fewer for a small fill) up to now. Alongside,
# what the store keeps for each message (MessageTables, ConversationDays,
# DeliveryCursors): where each day starts, the days each pair talked, and
# every filled user's 1:1 cursor past the last message (all delivered: PULL
# owes nothing). The message indexes are dropped for the insert and created
# again from their own schema text after it. Prints the time it took.
set -euo pipefail

usage() { sed -n 2,9p "$0" >&2; exit 64; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
file=$1 messages=$2 users=${3:-100000} prefix=${4:-fill_}
[[ $messages =~ ^[1-9][0-9]*$ ]] || { echo "bench-fill: MESSAGES must be a positive integer" >&2; exit 64; }
[[ $users =~ ^[1-9][0-9]*$ ]] && [ "$users" -ge 2 ] || { echo "bench-fill: USERS must be 2 or more" >&2; exit 64; }
[[ $prefix =~ ^[A-Za-z0-9_.-]{1,24}$ ]] || { echo "bench-fill: PREFIX: 1-24 of A-Z a-z 0-9 _ . -" >&2; exit 64; }
[ -f "$file" ] || { echo "bench-fill: no file $file" >&2; exit 66; }
command -v sqlite3 >/dev/null || { echo "bench-fill: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 69; }

query() { sqlite3 -batch -noheader "$file" "$1"; }
[ "$(query "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('message', 'user', 'conversationDay', 'conversationPair', 'directCursor')")" = 5 ] ||
    { echo "bench-fill: $file has no mpimd schema: start mpimd on it once" >&2; exit 65; }
[ "$(query "SELECT COUNT(*) FROM message")" = 0 ] || { echo "bench-fill: $file holds messages already" >&2; exit 65; }
base=$(query "SELECT COALESCE(MAX(id), 0) FROM user")
[ "$base" -gt 0 ] || { echo "bench-fill: $file has no user whose password hash to copy" >&2; exit 65; }
hash_of=$(query "SELECT MIN(id) FROM user")
[ "$(query "SELECT COUNT(*) FROM user WHERE name GLOB '$prefix[0-9]*'")" = 0 ] ||
    { echo "bench-fill: $file has users named $prefix<n> already" >&2; exit 65; }
# AUTOINCREMENT: ids continue after any ever used.
first=$(( $(query "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'message'") + 1 ))
last=$((first + messages - 1))

day_ms=86400000
days=$((messages / 1000 < 30 ? (messages / 1000 > 0 ? messages / 1000 : 1) : 30))
now_ms=$(($(date +%s%N) / 1000000))
span_ms=$((days * day_ms))
start_ms=$((now_ms - span_ms))
first_day=$((start_ms / day_ms))
# Message n (0-based) is stored at start + n * span / messages; its pair is n mod users.
created="($start_ms + n * $span_ms / $messages)"
pair="(n % $users)"
# Pair k: user k and the next one round (0-based here, ids from base + 1).
this="($base + 1 + $pair)"
next="($base + 1 + (n + 1) % $users)"
this_sends="((n / $users) % 2 = 0)"

index_sql=$(query "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message' AND sql IS NOT NULL")
drop_sql=$(query "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message' AND sql IS NOT NULL")

echo "bench-fill: $messages messages between $users users (${prefix}1…$prefix$users, ids $((base + 1))…$((base + users))) over $days days into $file" >&2
started=$(date +%s.%N)
sqlite3 -batch -bail "$file" >/dev/null <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1048576;
PRAGMA temp_store = MEMORY;
BEGIN;
$drop_sql
WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $users)
INSERT INTO user (id, name, passwordHash, createdAt)
SELECT $base + n, '$prefix' || n, (SELECT passwordHash FROM user WHERE id = $hash_of), $start_ms FROM k;

WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < $messages - 1)
INSERT INTO message (id, senderID, recipientID, groupID, text, createdAt)
SELECT $first + n,
       CASE WHEN $this_sends THEN $this ELSE $next END,
       CASE WHEN $this_sends THEN $next ELSE $this END,
       NULL, printf('%-64.64s', 'filled message ' || ($first + n) || ' of the large-database bench'), $created
FROM k;
$index_sql

-- Day d starts at the first message stored on it; the first day at 0 (ConversationDays).
WITH RECURSIVE d(day) AS (
    SELECT $first_day UNION ALL SELECT day + 1 FROM d WHERE day < (SELECT MAX(createdAt) FROM message) / $day_ms)
INSERT INTO conversationDay (day, firstMessageID)
SELECT day, CASE WHEN day = $first_day THEN 0
                 ELSE $first + ((day * $day_ms - $start_ms) * $messages + $span_ms - 1) / $span_ms END
FROM d;

INSERT INTO conversationPair (lowUserID, highUserID, day)
SELECT MIN(senderID, recipientID), MAX(senderID, recipientID), createdAt / $day_ms FROM message
GROUP BY 1, 2, 3;

WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $users)
INSERT INTO directCursor (userID, deliveredThrough) SELECT $base + n, $last FROM k;
COMMIT;
PRAGMA journal_mode = WAL;
SQL
finished=$(date +%s.%N)

# The day boundaries were computed, not read: check each against the rows.
wrong=$(query "
    SELECT COUNT(*) FROM conversationDay c
    WHERE c.firstMessageID > 0 AND (
        (SELECT createdAt / $day_ms FROM message WHERE id = c.firstMessageID) IS NOT c.day
        OR (SELECT createdAt / $day_ms FROM message WHERE id = c.firstMessageID - 1) >= c.day)")
[ "$wrong" = 0 ] || { echo "bench-fill: $wrong days start at the wrong message" >&2; exit 70; }
printf 'bench-fill: %d messages, %d users, %d days (%d pair-days) in %.1f s; %s is %d MB\n' \
    "$messages" "$users" "$days" "$(query "SELECT COUNT(*) FROM conversationPair")" \
    "$(awk -v a="$started" -v b="$finished" 'BEGIN { print b - a }')" "$file" "$(($(stat -c %s "$file") / 1000000))" >&2
