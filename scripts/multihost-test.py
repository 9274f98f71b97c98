#!/usr/bin/python3
"""A cluster of mpimd across real hosts (issue 23, item 4), with network
namespaces as the hosts. Needs root (namespaces, links), iproute2, nginx with
its stream module (Debian's libnginx-mod-stream), redis-server and, for the
default `--backend postgres`, PostgreSQL 15 (and the `postgres` user).

Topology (one run; every name carries the run's id, the subnets are two free
10.x.y.0/24):

    front bridge 10.F.0.0/24: the test client (root namespace, .1),
                              host A (.10), host B (.11), host D (.14)
    back bridge  10.K.0.0/24: host A (.10), host B (.11), host C (.12)

    host A   mpimd gateway-a on A:8000          (front; Redis and the store via back)
    host B   mpimd gateway-b on B:8000          (the same)
    host C   redis-server on C:6379, PostgreSQL on C:5432 (database mpim, trust for the back subnet)
    host D   nginx, stream {} on D:8000, round robin over A:8000 and B:8000

Both bridges live in a namespace of their own (the switch); each host has a
`front` and/or `back` link into it, so cutting B's back link (`ip link set
back down` in B) parts B from C and leaves B's clients connected.

With `--backend sqlite` A and B share one SQLite file instead of PostgreSQL
(namespaces share the filesystem); everything else is the same.

Scenarios, in order (each reports pass or fail with the lines it saw; one that
fails does not stop the next):
  delivery   1:1 both ways and a group with members on both hosts, each
             message pushed exactly once; clients through nginx land on both
  presence   a friend on B sees A's user go offline, online, away; the same
             user logging in on B kicks the A session (KICKED reason=duplicate
             login)
  crash      kill -9 of A's daemon in the middle of a burst of SENDs: A's user
             reads offline on B within 2 x heartbeat_ttl, every SEND that got
             +OK msg_id= is in SYNC from B, new clients through nginx land on
             B; A restarts and serves again
  partition  B's back link cut, for 2 x heartbeat_ttl + heartbeat_interval at
             least. postgres: B answers SEND -ERR, never +OK, within
             max(statement_timeout_ms, connect_timeout_ms) + 1 s, and none of
             those is stored after all. sqlite (the store is a local file):
             SEND keeps answering +OK within the Redis timeout + 1 s and the
             message reaches A's user (Docs/RELIABILITY.md, "Redis is down").
             Both: STATUS on B answers -ERR within the Redis command timeout +
             1 s; a client through nginx that lands on A registers, sends and
             receives; once the link is back, B answers SEND +OK and STATUS
             +OK, A's user reads B's user online and pushes reach B again,
             each within 10 s, and every message is delivered (pushed or
             pulled) exactly once.

Every namespace, link, process and temporary folder it made is removed at the
end: on success, on failure, on SIGINT/SIGTERM/SIGHUP. It touches nothing it
did not create; a leftover of an earlier run that was killed with SIGKILL
(`ip netns list | grep mpimh-`) does not disturb a new run and is left alone.
On failure the daemons', Redis's, PostgreSQL's and nginx's logs are copied to
.test-artifacts/multihost/. Exit status 0 when every scenario passed; the
last line counts them (`multihost: 4 passed, 0 failed`). A run takes about
15 s once mpimd is built.

The gateways' PostgreSQL keys ([storage] backend, [postgres] url, pool_size,
connect_timeout_ms, statement_timeout_ms) are those of the PostgreSQL backend;
an mpimd without it refuses the config (exit 78), which the set-up reports.

  scripts/multihost-test.py                       # builds mpimd (debug) first, PostgreSQL
  MPIMD=.build/debug/mpimd scripts/multihost-test.py --backend sqlite
"""

import argparse
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from testkit import REPO, Failure, LineClient, Processes, alive, mpimd_binary, wait_for
ARTIFACTS = REPO / ".test-artifacts" / "multihost"
TAG = "multihost"
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# PostgreSQL refuses to run as root; setpriv execs, so the pid kept is postgres's own.
AS_POSTGRES = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
WAIT = 10  # seconds, for any one reply or push

GATEWAY_PORT = 8000
REDIS_PORT = 6379
PG_PORT = 5432
# Short presence timings, so that a dead gateway is noticed in seconds.
HEARTBEAT_TTL = 2.0
HEARTBEAT_INTERVAL = 1.0
REDIS_TIMEOUT_MS = 1000  # [redis_*] connect_timeout_ms and command_timeout_ms
PG_CONNECT_TIMEOUT_MS = 1000
PG_STATEMENT_TIMEOUT_MS = 2000
PG_POOL_SIZE = 4
MARGIN = 1.0  # seconds allowed past a configured timeout
RECOVERY = 10.0  # seconds B may take to serve again once its link is back
SCENARIOS = ("delivery", "presence", "crash", "partition")


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP: stop, clean up, exit 1."""


def log(text):
    print(f"{TAG}: {text}", flush=True)


def run(argv, check=True):
    """Runs a short command (ip, initdb, psql); its output in the Failure when it fails."""
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise Failure(f"`{' '.join(argv)}` failed (status {result.returncode}): "
                      f"{(result.stderr or result.stdout).strip()[-600:]}")
    return result


# ---- the hosts: namespaces, links, bridges ------------------------------------

class Topology:
    """Namespaces `mpimh-<id>-{sw,a,b,c,d}` and one veth end in the root
    namespace (`mpimh<id>`, the test client's). Only what this object created
    is ever deleted."""

    HOSTS = {"a": ("front", "back"), "b": ("front", "back"), "c": ("back",), "d": ("front",)}
    HOST_NUMBER = {"client": 1, "a": 10, "b": 11, "c": 12, "d": 14}

    def __init__(self, run_id):
        self.run_id = run_id
        self.switch = f"mpimh-{run_id}-sw"
        self.client_link = f"mpimh{run_id}"
        self.namespaces = []  # created, in order
        self.client_link_made = False
        self.front, self.back = self.free_subnets()

    def ns(self, host):
        return f"mpimh-{self.run_id}-{host}"

    def address(self, host, side):
        net = self.front if side == "front" else self.back
        return str(net.network_address + self.HOST_NUMBER[host])

    @staticmethod
    def free_subnets():
        """Two 10.x.y.0/24 that overlap no route or address of the root namespace."""
        taken = []
        for argv in (["ip", "-4", "route", "show", "table", "all"], ["ip", "-4", "-o", "addr", "show"]):
            for word in run(argv).stdout.split():
                try:
                    taken.append(ipaddress.ip_network(word, strict=False))
                except ValueError:
                    continue
        taken = [net for net in taken if net.prefixlen > 0]  # a default route collides with nothing
        chosen = []
        for _ in range(1000):
            candidate = ipaddress.ip_network(f"10.{secrets.randbelow(155) + 100}.{secrets.randbelow(256)}.0/24")
            if not any(candidate.overlaps(net) for net in taken + chosen):
                chosen.append(candidate)
                if len(chosen) == 2:
                    return chosen
        raise Failure("no free 10.x.y.0/24 subnet for the test network")

    def build(self):
        for name in [self.switch] + [self.ns(h) for h in self.HOSTS]:
            run(["ip", "netns", "add", name])
            self.namespaces.append(name)
            run(["ip", "-n", name, "link", "set", "lo", "up"])
        sw = self.switch
        for bridge in ("br-front", "br-back"):
            run(["ip", "-n", sw, "link", "add", bridge, "type", "bridge"])
            run(["ip", "-n", sw, "link", "set", bridge, "up"])
        for host, sides in self.HOSTS.items():
            for side in sides:
                port = f"{host}-{side}"
                run(["ip", "link", "add", side, "netns", self.ns(host), "type", "veth",
                     "peer", "name", port, "netns", sw])
                self.attach(port, f"br-{side}")
                run(["ip", "-n", self.ns(host), "addr", "add", f"{self.address(host, side)}/24", "dev", side])
                run(["ip", "-n", self.ns(host), "link", "set", side, "up"])
        # The test client: a link from the root namespace into the front bridge.
        run(["ip", "link", "add", self.client_link, "type", "veth", "peer", "name", "client", "netns", sw])
        self.client_link_made = True
        self.attach("client", "br-front")
        run(["ip", "addr", "add", f"{self.address('client', 'front')}/24", "dev", self.client_link])
        run(["ip", "link", "set", self.client_link, "up"])

    def attach(self, port, bridge):
        run(["ip", "-n", self.switch, "link", "set", port, "master", bridge])
        run(["ip", "-n", self.switch, "link", "set", port, "up"])

    def set_link(self, host, side, up):
        run(["ip", "-n", self.ns(host), "link", "set", side, "up" if up else "down"])

    def pids_inside(self):
        pids = []
        for name in self.namespaces:
            result = run(["ip", "netns", "pids", name], check=False)
            pids += [int(p) for p in result.stdout.split() if p.isdigit()]
        return pids

    def destroy(self):
        """Deletes the namespaces (their links and bridges go with them) and the client's link."""
        problems = []
        for name in reversed(self.namespaces):
            result = run(["ip", "netns", "del", name], check=False)
            if result.returncode != 0:
                problems.append(f"ip netns del {name}: {result.stderr.strip()}")
        self.namespaces = [n for n in self.namespaces if n in self.existing_namespaces()]
        problems += [f"namespace {n} is still there" for n in self.namespaces]
        if self.client_link_made and run(["ip", "link", "show", self.client_link], check=False).returncode == 0:
            run(["ip", "link", "del", self.client_link], check=False)
            if run(["ip", "link", "show", self.client_link], check=False).returncode == 0:
                problems.append(f"link {self.client_link} is still there")
        return problems

    @staticmethod
    def existing_namespaces():
        return {line.split()[0] for line in run(["ip", "netns", "list"]).stdout.splitlines() if line.strip()}


# ---- a client: one TCP connection speaking the line protocol ---------------------

MSG = re.compile(r"^MSG id=(\d+) from=(\d+) ts=\d+ text=(.*)$")
GMSG = re.compile(r"^GMSG id=(\d+) group=(\d+) from=(\d+) ts=\d+ text=(.*)$")


class Client(LineClient):
    """A user's connection to a gateway (port 8000 of a host's front address)."""

    def __init__(self, name, host):
        super().__init__(name, host, GATEWAY_PORT, wait=WAIT)
        self.uid = None

    def listing(self, line):
        """A command with data lines (HISTORY, SYNC, PULL): (data lines, final reply).
        Data lines are the MSG/GMSG lines between the command and its reply."""
        before = len(self.pushes)
        final = self.command(line)
        data = self.pushes[before:]
        del self.pushes[before:]
        return data, final

    def register(self, user):
        self.uid = int(self.field(self.command(f"REGISTER {user} {user}-pw"), "uid"))
        return self.uid

    def login(self, user, device=None):
        self.uid = int(self.field(self.command(f"LOGIN {user} {user}-pw" + (f" {device}" if device else "")),
                                  "uid"))
        return self.uid

    def msg_ids(self, lines=None):
        return [int(m.group(1)) for m in (MSG.match(p) for p in (self.pushes if lines is None else lines)) if m]


def presence_push(uid, status):
    return lambda line: line == f"PRESENCE uid={uid} status={status}"


# ---- the cluster -------------------------------------------------------------------

class Cluster:
    def __init__(self, backend, mpimd, work, topology, processes):
        self.backend = backend
        self.mpimd = mpimd
        self.work = work
        self.net = topology
        self.processes = processes
        self.front = {h: topology.address(h, "front") for h in ("a", "b", "d")}
        self.c = topology.address("c", "back")
        self.clients = []

    # -- host C: Redis and PostgreSQL --

    def start_store(self):
        redis = self.processes.start("redis", self.in_host("c", [
            "redis-server", "--bind", self.c, "--port", str(REDIS_PORT), "--protected-mode", "no",
            "--save", "", "--appendonly", "no", "--dir", str(self.work)]))
        # The test client has no link to the back subnet: ask from host A, as the gateways will.
        wait_for(f"redis-server (pid {redis.pid}) to answer PING on {self.c}:{REDIS_PORT} from host A",
                 lambda: self.processes.check_running("redis") or self.from_host("a", [
                     "redis-cli", "-h", self.c, "-p", str(REDIS_PORT), "PING"]).stdout.strip() == "PONG", 15,
                 interval=0.2)
        if self.backend == "postgres":
            self.start_postgres()

    def in_host(self, host, argv):
        """argv run in the host's namespace (`ip netns exec` execs it: same pid)."""
        return ["ip", "netns", "exec", self.net.ns(host)] + argv

    def from_host(self, host, argv):
        return run(self.in_host(host, argv), check=False)

    def start_postgres(self):
        pg = self.work / "pg"
        pg.mkdir()
        shutil.chown(pg, "postgres", "postgres")
        data = pg / "data"
        run(AS_POSTGRES + [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                           "--no-sync", "-E", "UTF8"])
        (data / "pg_hba.conf").write_text(
            "# multihost-test: the unix socket for set-up, the back subnet for the gateways\n"
            "local all all trust\n"
            f"host all all {self.net.back} trust\n")
        self.processes.start("postgres", self.in_host("c", AS_POSTGRES + [
            str(PG_BIN / "postgres"), "-D", str(data), "-c", f"listen_addresses={self.c}", "-p", str(PG_PORT),
            "-c", f"unix_socket_directories={pg}"]), stop_signal=signal.SIGINT)  # SIGINT: fast shutdown
        psql = self.in_host("c", AS_POSTGRES + [
            str(PG_BIN / "psql"), "-h", str(pg), "-p", str(PG_PORT), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
            "-qAt"])
        wait_for("PostgreSQL to accept connections", lambda: self.processes.check_running("postgres") or run(
            psql + ["-c", "SELECT 1"], check=False).returncode == 0, 30, interval=0.2)
        run(psql + ["-c", "CREATE ROLE mpim LOGIN"])
        run(psql + ["-c", "CREATE DATABASE mpim OWNER mpim"])
        # What the gateways will do: reach it over the back link as mpim.
        check = self.from_host("a", AS_POSTGRES + [str(PG_BIN / "psql"), self.postgres_url(), "-qAt", "-c",
                                                   "SELECT current_user"])
        if check.stdout.strip() != "mpim":
            raise Failure(f"psql {self.postgres_url()} from host A: {(check.stderr or check.stdout).strip()}")

    def postgres_url(self):
        return f"postgres://mpim@{self.c}:{PG_PORT}/mpim"

    # -- hosts A and B: the gateways --

    def config(self, host):
        storage = (f"[storage]\nbackend = postgres\n\n"
                   f"[postgres]\nurl = {self.postgres_url()}\npool_size = {PG_POOL_SIZE}\n"
                   f"connect_timeout_ms = {PG_CONNECT_TIMEOUT_MS}\nstatement_timeout_ms = {PG_STATEMENT_TIMEOUT_MS}\n"
                   if self.backend == "postgres" else
                   f"[sqlite]\n; one file for both hosts: namespaces share the filesystem\n"
                   f"path = {self.work / 'mpim.db'}\n")
        redis = "".join(f"[{role}]\nhost = {self.c}\nport = {REDIS_PORT}\nconnect_timeout_ms = {REDIS_TIMEOUT_MS}\n"
                        f"command_timeout_ms = {REDIS_TIMEOUT_MS}\n\n" for role in ("redis_queue", "redis_cache"))
        text = (f"; multihost-test: host {host.upper()}\n"
                f"[gateway]\nhost = {self.front[host]}\nport = {GATEWAY_PORT}\ngateway_id = gateway-{host}\n\n"
                f"[presence]\nheartbeat_ttl = {HEARTBEAT_TTL:g}\nheartbeat_interval = {HEARTBEAT_INTERVAL:g}\n\n"
                f"{redis}{storage}\n"
                f"[users]\nbcrypt_cost = 4\n\n[http]\nport = 0\n\n[web]\nport = off\n")
        path = self.work / f"mpimd-{host}.conf"
        path.write_text(text)
        return path

    def start_gateway(self, host):
        name = f"gateway-{host}"
        before = 0
        if name in self.processes.started:
            with self.processes.started[name][1].open("a") as out:
                out.write(f"---- started again by {TAG} ----\n")
            before = len(self.processes.log_text(name))
        self.processes.start(name, self.in_host(host, [str(self.mpimd), "--config", str(self.config(host))]))
        listening = f"gateway listening on {self.front[host]}:{GATEWAY_PORT}"
        wait_for(f"{name} to log '{listening}'", lambda: self.processes.check_running(name)
                 or listening in self.processes.log_text(name)[before:], 60)

    def start_gateways(self):
        # One at a time: the first brings the schema up to date.
        for host in ("a", "b"):
            self.start_gateway(host)

    def ensure_gateways(self):
        """A scenario that failed may leave a gateway down; the next one starts from two."""
        for host in ("a", "b"):
            if not self.processes.running(f"gateway-{host}"):
                log(f"  (gateway-{host} is not running: starting it again)")
                self.start_gateway(host)

    # -- host D: nginx --

    def start_nginx(self):
        prefix = self.work / "nginx"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(f"""# multihost-test: host D, a TCP load balancer over the gateways
load_module {STREAM_MODULE};
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} info;
events {{ worker_connections 256; }}
stream {{
    upstream mpim_gateways {{
        server {self.front['a']}:{GATEWAY_PORT} max_fails=1 fail_timeout=2s;
        server {self.front['b']}:{GATEWAY_PORT} max_fails=1 fail_timeout=2s;
    }}
    server {{
        listen {self.front['d']}:{GATEWAY_PORT};
        proxy_pass mpim_gateways;
        proxy_connect_timeout 1s;
        proxy_timeout 10m;
    }}
}}
""")
        run(["ip", "netns", "exec", self.net.ns("d"), "nginx", "-t", "-q", "-p", str(prefix),
             "-e", str(prefix / "error.log"), "-c", str(conf)])
        self.processes.start("nginx", self.in_host("d", [
            "nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"]))
        wait_for("nginx to accept on host D", lambda: self.processes.check_running("nginx") or self.accepts(
            self.front["d"], GATEWAY_PORT), 15)

    @staticmethod
    def accepts(host, port):
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False

    # -- clients --

    def direct(self, name, host):
        client = Client(name, self.front[host])
        self.clients.append(client)
        if client.gateway != f"gateway-{host}":
            raise client.failure(f"host {host.upper()}'s greeting names {client.gateway}")
        return client

    def friends(self, on_a, on_b):
        """Two new users, registered directly on A and on B, made friends."""
        a, b = self.direct(f"{on_a}@A", "a"), self.direct(f"{on_b}@B", "b")
        a.register(on_a)
        b.register(on_b)
        a.command(f"ADDFRIEND {b.uid}")
        return a, b

    def through_nginx(self, name, gateway, timeout=5):
        """A client through host D that landed on `gateway`. Round robin: a try
        or two, or a few seconds after a gateway came back (nginx's fail_timeout)."""
        landed = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            client = Client(name, self.front["d"])
            landed.append(client.gateway)
            if client.gateway == gateway:
                self.clients.append(client)
                return client
            client.command("QUIT")
            client.close()
            time.sleep(0.1)
        raise Failure(f"{name}: {len(landed)} connections through nginx in {timeout}s landed on "
                      f"{sorted(set(landed))}, never on {gateway}")

    def close_clients(self):
        for client in self.clients:
            client.close()
        self.clients = []


# ---- the scenarios -----------------------------------------------------------------

class Scenarios:
    def __init__(self, cluster):
        self.cluster = cluster
        self.net = cluster.net

    def delivery(self):
        c = self.cluster
        ann = c.through_nginx("ann@A", "gateway-a")
        ben = c.through_nginx("ben@B", "gateway-b")
        cat = c.through_nginx("cat@A", "gateway-a")
        dan = c.through_nginx("dan@B", "gateway-b")
        for client, user in ((ann, "ann"), (ben, "ben"), (cat, "cat"), (dan, "dan")):
            client.register(user)
        log("  ann and cat landed on gateway-a, ben and dan on gateway-b (through nginx on host D)")

        text = "hello ben, from host A"
        msg_id = int(ann.field(ann.command(f"SEND {ben.uid} {text}"), "msg_id"))
        ben.wait_push("ann's 1:1 message", lambda p: p == f"MSG id={msg_id} from={ann.uid} "
                      f"ts={p.split('ts=')[1].split()[0]} text={text}" if p.startswith("MSG ") else False)
        text_back = "hi ann, ben on host B here"
        back_id = int(ben.field(ben.command(f"SEND {ann.uid} {text_back}"), "msg_id"))
        ann.wait_push("ben's 1:1 answer", lambda p: (m := MSG.match(p)) is not None
                      and int(m.group(1)) == back_id and int(m.group(2)) == ben.uid and m.group(3) == text_back)
        log(f"  1:1 A->B msg {msg_id} and B->A msg {back_id} pushed")

        gid = int(ann.field(ann.command("CREATEGROUP hosts across-the-bridge"), "group_id"))
        for member in (ben, cat, dan):
            member.command(f"JOINGROUP {gid}")
        members = ann.command(f"MEMBERS {gid}")
        want = ",".join(str(u) for u in sorted(x.uid for x in (ann, ben, cat, dan)))
        if members != f"+OK members: {want}":
            raise ann.failure(f"MEMBERS {gid} answered {members!r}, want members {want}")
        sent = []
        for sender, others, text in ((ann, (ben, cat, dan), "group hello from host A"),
                                     (dan, (ann, ben, cat), "group hello from host B")):
            group_msg_id = int(sender.field(sender.command(f"SENDGROUP {gid} {text}"), "group_msg_id"))
            sent.append((group_msg_id, sender, others, text))
            for member in others:
                member.wait_push(f"GMSG {group_msg_id} from {sender.name}",
                                 lambda p, i=group_msg_id, s=sender, t=text: (m := GMSG.match(p)) is not None
                                 and int(m.group(1)) == i and int(m.group(2)) == gid
                                 and int(m.group(3)) == s.uid and m.group(4) == t)
        # Exactly once, and never to the sending session.
        for client in (ann, ben, cat, dan):
            client.drain(0.5)
        for group_msg_id, sender, others, _ in sent:
            for member in (ann, ben, cat, dan):
                count = sum(1 for p in member.pushes if (m := GMSG.match(p)) and int(m.group(1)) == group_msg_id)
                if count != (0 if member is sender else 1):
                    raise member.failure(f"GMSG {group_msg_id} arrived {count} times "
                                         f"(want {0 if member is sender else 1})")
        for client, ids in ((ben, [msg_id]), (ann, [back_id])):
            if client.msg_ids() != ids:
                raise client.failure(f"1:1 pushes {client.msg_ids()}, want exactly {ids}")
        log(f"  group {gid}: ann (A) and dan (B) each reached the three others once, across both hosts")
        c.close_clients()

    def presence(self):
        c = self.cluster
        eve, fay = c.friends("eve", "fay")
        eve.command("QUIT")
        eve.close()
        started = time.monotonic()
        fay.wait_push("eve offline (her only session on A closed)", presence_push(eve.uid, "offline"))
        log(f"  fay on B: eve offline {time.monotonic() - started:.2f}s after her QUIT on A")
        eve = c.direct("eve@A", "a")
        eve.login("eve")
        started = time.monotonic()
        fay.wait_push("eve online (LOGIN on A)", presence_push(eve.uid, "online"))
        log(f"  fay on B: eve online {time.monotonic() - started:.2f}s after her LOGIN on A")
        eve.command("STATUS away")
        fay.wait_push("eve away (STATUS on A)", presence_push(eve.uid, "away"))
        who = fay.command(f"WHO {eve.uid}")
        if who != f"+OK {eve.uid}=away":
            raise fay.failure(f"WHO {eve.uid} answered {who!r}, want away")
        mark = len(fay.pushes)
        eve.command("STATUS online")
        fay.wait_push("eve online again (STATUS online)", presence_push(eve.uid, "online"), since=mark)
        log("  fay on B saw eve go offline, online, away, online; WHO from B agreed")

        # The same user and device on B: the A session is kicked.
        eve_b = c.direct("eve@B", "b")
        eve_b.login("eve")
        eve.wait_push("KICKED on A after eve's login on B", lambda p: p == "KICKED reason=duplicate login")
        try:
            eve.drain(3)
            raise eve.failure("the kicked session on A is still open 3 s after KICKED")
        except Failure:
            if not eve.closed:
                raise
        who = fay.command(f"WHO {eve.uid}")
        if who != f"+OK {eve.uid}=online":
            raise fay.failure(f"WHO {eve.uid} answered {who!r} with eve's B session live, want online")
        note = eve_b.field(eve_b.command(f"SEND {fay.uid} the session on B is the one"), "msg_id")
        fay.wait_push("a message from eve's B session", lambda p: p.startswith(f"MSG id={note} "))
        log("  eve's login on B kicked her A session (KICKED reason=duplicate login, closed); B's session serves")
        c.close_clients()

    def crash(self):
        c = self.cluster
        gus, hal = c.friends("gus", "hal")
        # A writer streams SENDs while this thread reads the replies; A dies
        # in the middle: some SENDs are answered, the rest never are.
        limit, kill_after = 3000, 300
        texts = [f"burst {i} from host A" for i in range(limit)]
        written = []
        gus.transcript.append(f"> (up to {limit} SENDs to {hal.uid}, streamed by a writer thread)")

        def writer():
            for start in range(0, limit, 20):
                try:
                    gus.sock.sendall("".join(f"SEND {hal.uid} {t}\n" for t in texts[start:start + 20]).encode())
                except OSError:
                    return
                written.append(start + 20)
                time.sleep(0.002)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        acked = {}  # msg_id -> text
        answered = 0
        killed_at = None
        pid = c.processes.pid("gateway-a")
        while answered < limit:
            try:
                reply = gus.reply("SEND", expect=None, timeout=WAIT)
            except Failure:
                if gus.closed and killed_at is not None:
                    break
                raise
            if reply.startswith("+OK msg_id="):
                acked[int(gus.field(reply, "msg_id"))] = texts[answered]
            answered += 1
            if answered == kill_after:
                c.processes.kill9("gateway-a")
                killed_at = time.monotonic()
                sent_by_then = written[-1] if written else 0
        thread.join(timeout=WAIT)
        if killed_at is None:
            raise gus.failure(f"all {limit} SENDs were answered before the kill")
        log(f"  kill -9 of gateway-a (pid {pid}) after {kill_after} replies, ~{sent_by_then} SENDs written by then; "
            f"{len(acked)} got +OK msg_id= before the connection dropped, {answered - len(acked)} another reply")
        if len(acked) < kill_after:
            raise gus.failure(f"only {len(acked)} of the first {kill_after} replies were +OK msg_id=")

        hal.wait_push("gus offline after the kill", presence_push(gus.uid, "offline"), timeout=2 * HEARTBEAT_TTL + 2)
        took = time.monotonic() - killed_at
        if took > 2 * HEARTBEAT_TTL:
            raise hal.failure(f"gus read offline on B {took:.2f}s after the kill, more than 2 x heartbeat_ttl "
                              f"({2 * HEARTBEAT_TTL:g}s)")
        who = hal.command(f"WHO {gus.uid}")
        if who != f"+OK {gus.uid}=offline":
            raise hal.failure(f"WHO {gus.uid} answered {who!r} after the kill")
        log(f"  hal on B: PRESENCE gus offline {took:.2f}s after the kill (limit {2 * HEARTBEAT_TTL:g}s)")

        stored = {}  # msg_id -> text, of gus's messages to hal, read in pages of 1000
        after = 0
        while True:
            data, final = hal.listing(f"SYNC {after} 1000")
            for m in (MSG.match(line) for line in data):
                if m and int(m.group(2)) == gus.uid:
                    stored[int(m.group(1))] = m.group(3)
            if not data:
                break
            after = int(hal.field(final, "last"))
        missing = sorted(set(acked) - set(stored))
        wrong = sorted(i for i in acked if i in stored and stored[i] != acked[i])
        if missing or wrong:
            raise hal.failure(f"{len(missing)} acknowledged messages missing from SYNC (first {missing[:5]}), "
                              f"{len(wrong)} with another text (first {wrong[:5]}); SYNC said {final!r}")
        log(f"  every acknowledged message ({len(acked)}) is in SYNC from B ({len(stored)} stored in all)")

        for attempt in range(2):
            late = Client(f"late-{attempt}", c.front["d"])
            c.clients.append(late)
            if late.gateway != "gateway-b":
                raise late.failure(f"a connection through nginx with A dead landed on {late.gateway}")
        log("  new clients through nginx land on gateway-b while A is dead")

        c.start_gateway("a")
        gus = c.direct("gus@A again", "a")
        gus.login("gus")
        hal.wait_push("gus online on the restarted A", lambda p: p == f"PRESENCE uid={gus.uid} status=online")
        log("  gateway-a restarted; gus logs in there and hal on B sees him online")
        c.close_clients()

    def partition(self):
        c = self.cluster
        postgres = c.backend == "postgres"
        ivy, jon = c.friends("ivy", "jon")
        before = int(ivy.field(ivy.command(f"SEND {jon.uid} before the cut"), "msg_id"))
        jon.wait_push("a message before the cut", lambda p: p.startswith(f"MSG id={before} "))

        self.net.set_link("b", "back", up=False)
        cut_at = time.monotonic()
        log(f"  host B's back link is down (B cannot reach C: {c.c}); its front link stays up")
        try:
            during_ids = self.during_cut(ivy, jon, postgres)
            # Hold the cut past the heartbeat TTL: the case where A may think B dead.
            time.sleep(max(0.0, cut_at + 2 * HEARTBEAT_TTL + HEARTBEAT_INTERVAL - time.monotonic()))
            self.observe_cut(ivy, jon)
        finally:
            self.net.set_link("b", "back", up=True)
        up_at = time.monotonic()
        log(f"  host B's back link is up again after {up_at - cut_at:.1f}s")
        self.after_cut(ivy, jon, postgres, during_ids, up_at)
        c.close_clients()

    def during_cut(self, ivy, jon, postgres):
        c = self.cluster
        if postgres:
            limit = max(PG_STATEMENT_TIMEOUT_MS, PG_CONNECT_TIMEOUT_MS) / 1000 + MARGIN
            for attempt in range(3):
                started = time.monotonic()
                reply = jon.command(f"@cid=cut-{attempt} SEND {ivy.uid} sent during the cut {attempt}",
                                    expect=None, timeout=limit + 5)
                took = time.monotonic() - started
                if not reply.startswith("-ERR"):
                    raise jon.failure(f"SEND on B, cut from PostgreSQL, answered {reply!r} ({took:.2f}s): "
                                      f"a +OK that nothing can have stored")
                if took > limit:
                    raise jon.failure(f"SEND on B answered {reply!r} after {took:.2f}s, past the limit "
                                      f"{limit:.1f}s (max(statement, connect timeout) + {MARGIN:g}s)")
                log(f"  SEND on B: {reply!r} after {took:.2f}s (limit {limit:.1f}s)")
            during_ids = []
        else:
            limit = REDIS_TIMEOUT_MS / 1000 + MARGIN
            during_ids = []
            for attempt in range(2):
                started = time.monotonic()
                reply = jon.command(f"@cid=cut-{attempt} SEND {ivy.uid} sent during the cut {attempt}",
                                    expect=None, timeout=limit + 5)
                took = time.monotonic() - started
                if not reply.startswith("+OK msg_id=") or took > limit:
                    raise jon.failure(f"SEND on B (SQLite local, Redis cut) answered {reply!r} after {took:.2f}s; "
                                      f"want +OK msg_id= within {limit:.1f}s (Redis command timeout + {MARGIN:g}s)")
                during_ids.append(int(jon.field(reply, "msg_id")))
                log(f"  SEND on B (SQLite, Redis unreachable): {reply!r} after {took:.2f}s (limit {limit:.1f}s)")

        # The Redis side, either backend: STATUS has no fallback.
        limit = REDIS_TIMEOUT_MS / 1000 + MARGIN
        started = time.monotonic()
        reply = jon.command("STATUS busy", expect=None, timeout=limit + 5)
        took = time.monotonic() - started
        if not reply.startswith("-ERR") or took > limit:
            raise jon.failure(f"STATUS on B with Redis unreachable answered {reply!r} after {took:.2f}s; "
                              f"want -ERR within {limit:.1f}s")
        log(f"  STATUS on B: {reply!r} after {took:.2f}s (limit {limit:.1f}s)")

        # Clients that nginx sends to A are not affected.
        kim = c.through_nginx("kim@A (during the cut)", "gateway-a")
        kim.register("kim")
        hello = int(kim.field(kim.command(f"SEND {ivy.uid} hello ivy, through nginx, during the cut"), "msg_id"))
        ivy.wait_push("kim's message during the cut", lambda p: p.startswith(f"MSG id={hello} from={kim.uid} "))
        answer = int(ivy.field(ivy.command(f"SEND {kim.uid} hello kim"), "msg_id"))
        kim.wait_push("ivy's answer during the cut", lambda p: p.startswith(f"MSG id={answer} from={ivy.uid} "))
        log("  a client through nginx on gateway-a registers, sends and receives during the cut")
        return during_ids

    def observe_cut(self, ivy, jon):
        """Not a check: what A makes of B while B cannot reach Redis (B's old
        connections stay open on Redis's side, so A need not think B dead)."""
        log(f"  (during the cut, past 2 x heartbeat_ttl: WHO on A says {ivy.command(f'WHO {jon.uid}')!r})")

    def after_cut(self, ivy, jon, postgres, during_ids, up_at):
        # B serves +OK again (one cid: a retry cannot store twice).
        while True:
            reply = jon.command(f"@cid=back SEND {ivy.uid} sent after the cut", expect=None, timeout=RECOVERY + 5)
            if reply.startswith("+OK msg_id="):
                break
            if time.monotonic() - up_at > RECOVERY:
                raise jon.failure(f"SEND on B still answers {reply!r} {RECOVERY:g}s after the link came back")
            time.sleep(0.25)
        after_id = int(jon.field(reply, "msg_id"))
        log(f"  SEND on B: +OK msg_id={after_id} {time.monotonic() - up_at:.2f}s after the link came back")
        while not (reply := jon.command("STATUS online", expect=None)).startswith("+OK"):
            if time.monotonic() - up_at > RECOVERY:
                raise jon.failure(f"STATUS on B still answers {reply!r} {RECOVERY:g}s after the link came back")
            time.sleep(0.25)
        log(f"  STATUS on B: +OK {time.monotonic() - up_at:.2f}s after the link came back")
        while (who := ivy.command(f"WHO {jon.uid}")) != f"+OK {jon.uid}=online":
            if time.monotonic() - up_at > RECOVERY:
                raise ivy.failure(f"WHO {jon.uid} on A still answers {who!r} {RECOVERY:g}s after the link came back")
            time.sleep(0.25)
        log(f"  WHO on A reads jon online {time.monotonic() - up_at:.2f}s after the link came back")

        # Pushes from A reach B again; what was not pushed is pulled: each message once.
        sent = []
        pushed = None
        while pushed is None:
            if time.monotonic() - up_at > RECOVERY:
                raise jon.failure(f"no message from A was pushed to B within {RECOVERY:g}s of the link's return "
                                  f"(sent {sent})")
            msg_id = int(ivy.field(ivy.command(f"SEND {jon.uid} push check {len(sent)}"), "msg_id"))
            sent.append(msg_id)
            try:
                jon.wait_push(f"MSG {msg_id}", lambda p, i=msg_id: p.startswith(f"MSG id={i} "), timeout=1)
                pushed = msg_id
            except Failure:
                if jon.closed:
                    raise
        log(f"  a message from A is pushed to B {time.monotonic() - up_at:.2f}s after the link came back "
            f"({len(sent)} sent)")
        self.exactly_once(jon, sent)
        self.exactly_once(ivy, during_ids + [after_id])
        if postgres:
            data, _ = ivy.listing(f"HISTORY {jon.uid}")
            stored = [line for line in data if "text=sent during the cut" in line]
            if stored:
                raise ivy.failure(f"a SEND answered -ERR during the cut was stored after all: {stored}")
        log(f"  every message of the cut and after it reached its reader once (pushed or pulled)")

    @staticmethod
    def exactly_once(client, ids):
        client.drain(0.3)
        data, _ = client.listing("PULL")
        got = client.msg_ids() + client.msg_ids(data)
        counts = {i: got.count(i) for i in ids}
        if any(n != 1 for n in counts.values()):
            raise client.failure(f"messages pushed or pulled this many times: {counts} (want each once)")


# ---- the run -------------------------------------------------------------------------

def missing_tools(backend):
    problems = []
    if os.geteuid() != 0:
        problems.append("it must run as root (network namespaces)")
    for tool, package in (("ip", "iproute2"), ("nginx", "nginx"), ("redis-server", "redis-server"),
                          ("redis-cli", "redis-tools"), ("setpriv", "util-linux")):
        if not shutil.which(tool):
            problems.append(f"{tool} is missing (Debian package {package})")
    if not STREAM_MODULE.exists():
        problems.append(f"{STREAM_MODULE} is missing (Debian package libnginx-mod-stream)")
    if backend == "postgres":
        if not (PG_BIN / "postgres").exists():
            problems.append(f"{PG_BIN}/postgres is missing (Debian package postgresql-15)")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            problems.append("there is no postgres user (Debian package postgresql-15 makes it)")
    return problems


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def during_cleanup(signum, _frame):
    log(f"{signal.Signals(signum).name} while cleaning up: finishing the clean-up first")


def cleanup(topology, processes, cluster, work):
    """Stops what was started and removes what was made; returns what could not be."""
    problems = []
    if cluster:
        cluster.close_clients()
    if processes:
        processes.stop_all(timeout=10)
    if topology:
        # Anything still inside our namespaces is a child of ours (nginx's or
        # PostgreSQL's workers): stopped by pid.
        leftovers = [p for p in topology.pids_inside() if alive(p)]
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if leftovers:
            time.sleep(0.2)
            problems += [f"process {p} was still running in a test namespace (killed)" for p in leftovers]
        problems += topology.destroy()
    if work and work.exists():
        shutil.rmtree(work, ignore_errors=True)
        if work.exists():
            problems.append(f"{work} could not be removed")
    return problems


def main():
    parser = argparse.ArgumentParser(description="mpimd across hosts made of network namespaces (see the top "
                                                 "of the file).")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres",
                        help="the gateways' store: PostgreSQL on host C (default), or one SQLite file for both")
    args = parser.parse_args()

    problems = missing_tools(args.backend)
    if problems:
        for problem in problems:
            print(f"{TAG}: FAIL: {problem}", file=sys.stderr)
        print(f"{TAG}: scripts/ensure-deps.sh installs what is missing", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        mpimd = mpimd_binary(log)
    except Failure as error:
        print(f"{TAG}: FAIL: {error}", file=sys.stderr)
        return 1
    earlier = sorted(n for n in Topology.existing_namespaces() if n.startswith("mpimh-"))
    if earlier:
        log(f"note: {len(earlier)} namespaces of earlier runs are still there ({', '.join(earlier[:5])}"
            f"{', …' if len(earlier) > 5 else ''}); left alone")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    run_id = secrets.token_hex(3)
    work = topology = processes = cluster = None
    passed, failed = [], []
    step = "set-up"
    try:
        work = Path(tempfile.mkdtemp(prefix=f"mpim-multihost-{run_id}."))
        work.chmod(0o711)  # PostgreSQL (as postgres) reaches its folder inside
        topology = Topology(run_id)
        topology.build()
        log(f"run {run_id}, backend {args.backend}: front {topology.front}, back {topology.back}; "
            f"namespaces {topology.ns('{a,b,c,d}')} and {topology.switch} (the bridges); work {work}")
        processes = Processes(work)
        cluster = Cluster(args.backend, mpimd, work, topology, processes)
        cluster.start_store()
        cluster.start_gateways()
        cluster.start_nginx()
        log(f"host A gateway-a {cluster.front['a']}:{GATEWAY_PORT}, host B gateway-b {cluster.front['b']}:"
            f"{GATEWAY_PORT}, host C Redis {cluster.c}:{REDIS_PORT}"
            + (f" and PostgreSQL {cluster.c}:{PG_PORT}" if args.backend == "postgres" else "")
            + f", host D nginx {cluster.front['d']}:{GATEWAY_PORT} ({time.monotonic() - started:.1f}s)")
        scenarios = Scenarios(cluster)
        for number, step in enumerate(SCENARIOS, 1):
            log(f"[{number}/{len(SCENARIOS)}] {step}")
            t0 = time.monotonic()
            try:
                cluster.ensure_gateways()
                getattr(scenarios, step)()
                processes.check_running()
                passed.append(step)
                log(f"[{number}/{len(SCENARIOS)}] {step}: ok ({time.monotonic() - t0:.1f}s)")
            except Interrupted:
                raise
            except Exception as error:  # a Failure, or socket trouble: reported the same way
                failed.append(step)
                log(f"[{number}/{len(SCENARIOS)}] {step}: FAIL ({time.monotonic() - t0:.1f}s): {error}")
                if not isinstance(error, Failure):
                    traceback.print_exc()
                cluster.close_clients()
    except Interrupted as signame:
        log(f"interrupted by {signame} in {step}: cleaning up")
        if step in SCENARIOS:
            failed.append(step)
    except Exception as error:
        log(f"FAIL in {step}: {error}")
        if not isinstance(error, Failure):
            traceback.print_exc()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, during_cleanup)
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        if len(passed) < len(SCENARIOS) and work and work.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for path in list(work.glob("*.log")) + list(work.glob("*.conf")):
                shutil.copy(path, ARTIFACTS / path.name)
            for path in list(work.glob("nginx/*.conf")) + list(work.glob("nginx/*.log")):
                shutil.copy(path, ARTIFACTS / f"nginx-{path.name}")
            if processes:
                for name in processes.started:
                    tail = processes.log_text(name).splitlines()[-8:]
                    print(f"--- {name}.log (tail) ---", *tail, sep="\n", file=sys.stderr)
            log(f"logs and configs in {ARTIFACTS}")
        problems = cleanup(topology, processes, cluster, work)
    for problem in problems:
        log(f"FAIL: clean-up: {problem}")
    not_run = [s for s in SCENARIOS if s not in passed and s not in failed]
    removed = "everything it made is removed" if not problems else "the clean-up FAILED"
    log(f"{len(passed)} passed ({', '.join(passed) or 'none'}), {len(failed)} failed ({', '.join(failed) or 'none'})"
        + (f", {len(not_run)} not run ({', '.join(not_run)})" if not_run else "")
        + f"; {removed}; {time.monotonic() - started:.0f}s")
    # The last line: scenarios that did not pass (failed, or never reached) count as failed.
    log(f"{len(passed)} passed, {len(SCENARIOS) - len(passed)} failed")
    return 0 if len(passed) == len(SCENARIOS) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
