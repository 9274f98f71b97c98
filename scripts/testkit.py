"""What the scripted tests share (scripts/browser-test.py,
scripts/multihost-test.py): the mpimd to test, processes stopped by pid, and a
client that speaks the line protocol over one TCP connection. Standard
library only."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Failure(Exception):
    """A check that did not hold; its text says which."""


def wait_for(what, predicate, timeout=10, interval=0.05):
    """Polls a condition (a log line, a port) until it holds; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what}")


def mpimd_binary(log):
    """$MPIMD, or the debug build, built now: `make test` passes MPIMD
    (`swift test` has just built it); run alone, a script tests the source as it is."""
    if os.environ.get("MPIMD"):
        mpimd = Path(os.environ["MPIMD"]).absolute()  # the daemons run in a temporary folder
        if not os.access(mpimd, os.X_OK):
            raise Failure(f"MPIMD={os.environ['MPIMD']} is not an executable mpimd")
        return mpimd
    log("building mpimd (debug)")
    build = subprocess.run(["swift", "build", "--product", "mpimd"], cwd=REPO, capture_output=True, text=True)
    if build.returncode != 0:
        sys.stderr.write(build.stdout[-4000:] + build.stderr[-4000:])
        raise Failure(f"swift build --product mpimd failed (status {build.returncode})")
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                              capture_output=True, text=True).stdout.strip()
    return Path(bin_path) / "mpimd"


# ---- processes: started here, stopped here, by pid --------------------------

def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Processes:
    """Each started with its output in <work>/<name>.log, in a session of its
    own (a Ctrl-C in the terminal is the script's to pass on), and stopped by
    pid: its stop signal, `timeout` seconds, SIGKILL. The pid kept is that of
    the process started (wrappers such as `ip netns exec` and setpriv exec)."""

    def __init__(self, work):
        self.work = work
        self.started = {}  # name -> (Popen, log path, stop signal); a name started again replaces its entry

    def start(self, name, argv, stop_signal=signal.SIGTERM):
        log_path = self.work / f"{name}.log"
        with open(log_path, "ab") as out:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                       cwd=self.work, start_new_session=True)
        self.started[name] = (process, log_path, stop_signal)
        return process

    def pid(self, name):
        return self.started[name][0].pid

    def log_text(self, name):
        return self.started[name][1].read_text(errors="replace")

    def running(self, name):
        return name in self.started and self.started[name][0].poll() is None

    def check_running(self, *names):
        """Raises if one of these (all when none is named) has exited."""
        for name in names or list(self.started):
            process, log_path, _ = self.started[name]
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").splitlines()[-5:]
                raise Failure(f"{name} exited with status {process.returncode}; {log_path.name} ends:\n    "
                              + "\n    ".join(tail))

    def kill9(self, name):
        process = self.started[name][0]
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self, name, timeout=5):
        process, _, stop_signal = self.started[name]
        if process.poll() is not None:
            return
        try:
            os.kill(process.pid, stop_signal)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            process.wait()

    def stop_all(self, timeout=5):
        for name in reversed(list(self.started)):
            self.stop(name, timeout)


# ---- a client: one TCP connection speaking the line protocol -------------------

MSG_LINE = re.compile(r"^MSG id=(\d+) from=(\d+) ts=(\d+) text=(.*)$")


class LineClient:
    """Pushes are kept in order; every line in and out goes to a transcript,
    whose end each Failure of this client shows. `wait` bounds any one reply or push."""

    def __init__(self, name, host, port, wait=10):
        self.name = name
        self.wait = wait
        self.transcript = []
        self.buffer = b""
        self.pushes = []
        self.closed = False
        try:
            self.sock = socket.create_connection((host, port), timeout=wait)
        except OSError as error:
            raise Failure(f"{name}: cannot connect to {host}:{port}: {error}") from None
        self.greeting = self.read_line(wait)
        if not self.greeting.startswith("+OK welcome"):
            raise self.failure(f"unexpected greeting {self.greeting!r}")
        self.gateway = self.greeting.split()[-1]

    def failure(self, text):
        seen = "\n    ".join(self.transcript[-12:]) or "(nothing)"
        return Failure(f"{self.name}: {text}; its last lines:\n    {seen}")

    def read_line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.failure(f"no line from the server in {timeout:.1f}s")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                raise self.failure("the server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        line = line.decode().rstrip("\r")
        self.transcript.append(f"< {line}")
        return line

    def send_line(self, line):
        self.transcript.append(f"> {line}")
        self.sock.sendall(line.encode() + b"\n")

    def command(self, line, expect="+OK", timeout=None):
        """The final reply (it must start with `expect`, unless that is None);
        lines before it are kept as pushes."""
        self.send_line(line)
        return self.reply(line, expect, timeout)

    def reply(self, line, expect="+OK", timeout=None):
        while True:
            reply = self.read_line(timeout or self.wait)
            if reply.startswith("+OK") or reply.startswith("-ERR"):
                if expect and not reply.startswith(expect):
                    raise self.failure(f"{line.split()[0]} answered {reply!r}, expected {expect}")
                return reply
            self.pushes.append(reply)

    def field(self, reply, key):
        match = re.search(rf"\b{key}=(\S+)", reply)
        if not match:
            raise self.failure(f"no {key}= in {reply!r}")
        return match.group(1)

    def wait_push(self, what, predicate, timeout=None, since=0):
        """The first push (kept or new, from index `since` on) that matches; it stays in the list."""
        timeout = timeout or self.wait
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for line in self.pushes[seen:]:
                if predicate(line):
                    return line
            seen = max(seen, len(self.pushes))
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.failure(f"timed out after {timeout:.1f}s waiting for {what}")
            try:
                self.pushes.append(self.read_line(left))
            except Failure:
                if self.closed or time.monotonic() < deadline:
                    raise

    def drain(self, seconds):
        """Reads pushes for a while (to see that nothing more arrives)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.pushes.append(self.read_line(left))
            except Failure:
                if self.closed:
                    raise
                return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
