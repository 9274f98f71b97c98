#!/usr/bin/env bash
# Installs what mpim needs to build, run and test, when it is missing:
# hiredis and SQLite headers, the sqlite3 shell (scripts/bench-fill.sh fills
# the large-database bench file with it), pkg-config, redis-server and redis-cli; nc,
# which the README's first chat (`make run`, then `nc localhost 8000`) uses;
# Python's prometheus_client (the reference text-format parser the /metrics
# test checks against, for the system /usr/bin/python3); and, for
# scripts/browser-test.py, Debian's headless-capable Chromium, its
# chromedriver (/usr/bin/chromedriver) and selenium for /usr/bin/python3
# (python3-selenium: Debian's python is externally managed, so no pip here);
# PostgreSQL's server and tools, for the PostgreSQL store backend's tests and
# scripts/postgres-server.sh; for scripts/multihost-test.py, iproute2 (ip:
# namespaces, links, bridges) and nginx with its stream module
# (libnginx-mod-stream, the TCP load balancer).
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists hiredis 2>/dev/null || missing+=(libhiredis-dev)
[ -f /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v nc >/dev/null 2>&1 || missing+=(netcat-openbsd)
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=(python3-prometheus-client)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1 || missing+=(python3-selenium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# ip and nginx live in /usr/sbin, which a user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin" command -v ip >/dev/null 2>&1 || missing+=(iproute2)
PATH="$PATH:/usr/sbin:/sbin" command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "mpim needs: ${missing[*]}" >&2
    echo "run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
