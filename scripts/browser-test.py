#!/usr/bin/python3
"""The web client checked in a real browser: headless Chromium (Debian's
`chromium`), driven through Debian's chromedriver by selenium, against the
page and the /ws socket that mpimd itself serves on its web listener.

Scenarios, in order, each on the state the one before left:
  chat       two browser users register; each sees the other's messages, by name
  tcp        a plain TCP user (netcat style, on a second gateway) and a browser
             user exchange messages both ways
  presence   a friend's presence (dot and words) follows STATUS changes, a TCP
             user's LOGOUT/LOGIN and a browser user's log out and in
  reload     after a reload and a new login the conversations are back
             (HISTORY), and what arrived meanwhile too (PULL/SYNC), each once
  drop       the socket is dropped (window.mpimTest.dropSocket(), ?testhooks);
             what the TCP user sends while it is down, and what the browser
             user writes meanwhile, arrive exactly once after the reconnect

Starts a private redis-server and two mpimd (gateway 1 with the web
listener, gateway 2 plain TCP) on free 127.0.0.1 ports, bcrypt cost 4, and
two Chromium sessions; stops every one of them by pid in a `finally`, also on
failure. Screenshots and each page's browser console log go to
.test-artifacts/browser/ (emptied at the start of each run; printed at the
end); a failing run adds a FAIL screenshot of every page and the daemons'
and chromedriver's logs there. An error the pages log to their console
(level SEVERE) fails the run too. Exit status 0 when every check passes, 1
otherwise.

  scripts/browser-test.py                  # builds mpimd (debug) first
  MPIMD=.build/debug/mpimd scripts/browser-test.py   # that one, as built
  scripts/browser-test.py --docs-screenshot Docs/web-client.png
      # also writes the README's picture: the two users chatting, side by side
  MPIM_BROWSER_VERBOSE=1 scripts/browser-test.py   # how long each wait took
"""

import argparse
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import traceback
from pathlib import Path

from testkit import MSG_LINE, REPO, Failure, LineClient, Processes, alive, mpimd_binary, wait_for

ARTIFACTS = REPO / ".test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 15  # seconds, for any one condition
TAG = "browser-test"
VERBOSE = bool(os.environ.get("MPIM_BROWSER_VERBOSE"))  # log how long each wait took

try:
    from selenium import webdriver
    from selenium.common.exceptions import (
        NoSuchElementException, StaleElementReferenceException, TimeoutException,
    )
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as error:
    print(f"{TAG}: FAIL: {sys.executable} cannot import selenium ({error}); "
          "scripts/ensure-deps.sh installs it (Debian's python3-selenium)", file=sys.stderr)
    sys.exit(1)


def log(text):
    print(f"{TAG}: {text}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- processes left by chromedriver -----------------------------------------

def descendants(pid):
    """Pids of a process's children, grandchildren, ... (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# ---- the daemons --------------------------------------------------------------

def start_cluster(processes, work, mpimd):
    redis_port = free_port()
    processes.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(work)])

    def redis_answers():
        try:
            with socket.create_connection(("127.0.0.1", redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for("redis-server to answer", lambda: processes.check_running() or redis_answers(), 10)
    config = work / "mpimd.conf"
    config.write_text("[users]\nbcrypt_cost = 4\n")
    logs = {}
    for gateway, web in (("gw-web-1", True), ("gw-tcp-2", False)):
        argv = [str(mpimd), "--config", str(config), "--host", "127.0.0.1", "--port", "0", "--http-port", "0",
                "--db", str(work / "mpim.db"), "--redis-host", "127.0.0.1", "--redis-port", str(redis_port),
                "--gateway-id", gateway]
        if web:
            argv += ["--web-port", "0"]
        processes.start(gateway, argv)
        logs[gateway] = processes.started[gateway][1]
        # One at a time: both open the same SQLite file, and the first migrates it.
        wait_for(f"{gateway} to listen", lambda: processes.check_running()
                 or "gateway listening on 127.0.0.1:" in logs[gateway].read_text(errors="replace"), 60)

    def port_in(gateway, what):
        match = re.search(rf"{what} listening on 127\.0\.0\.1:(\d+)", logs[gateway].read_text(errors="replace"))
        return int(match.group(1)) if match else None

    web_port = wait_for("the web listener", lambda: processes.check_running() or port_in("gw-web-1", "web"), 30)
    return web_port, port_in("gw-web-1", "gateway"), port_in("gw-tcp-2", "gateway")


# ---- a plain TCP user (what netcat does) ---------------------------------------

class LineUser(LineClient):
    """carol: a plain TCP user on 127.0.0.1 (what netcat does)."""

    def __init__(self, name, port):
        super().__init__(name, "127.0.0.1", port, wait=WAIT)

    def messages(self, text):
        """MSG pushes with exactly this text."""
        return [m for m in (MSG_LINE.match(p) for p in self.pushes) if m and m.group(4) == text]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- a browser user -------------------------------------------------------------

# One round trip for the messages of the open conversation, in page order.
READ_MESSAGES = """
return Array.from(document.querySelectorAll('[data-testid=message]')).map((li) => ({
  id: li.dataset.msgId, from: li.dataset.fromName, pending: li.dataset.pending, mine: li.dataset.mine,
  text: li.querySelector('[data-testid=message-text]').textContent,
}));
"""

READ_LIST = """
const [testid] = arguments;
return Array.from(document.querySelectorAll(`[data-testid="${testid}"]`)).map((li) => {
  const dot = li.querySelector('.presence-dot');
  const words = li.querySelector('[data-testid=friend-presence]');
  return {
    name: li.dataset.name, unread: li.dataset.unread ?? null, presence: li.dataset.presence ?? null,
    dot: dot ? dot.dataset.presence : null, color: dot ? getComputedStyle(dot).backgroundColor : null,
    words: words ? words.textContent : null,
  };
});
"""


class Page:
    """One Chromium session on the web client, for one user."""

    def __init__(self, name, base_url, work, width, height):
        self.name = name
        self.base_url = base_url
        self.console = []
        self.shots = 0
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--force-device-scale-factor=1", "--lang=en-US", f"--window-size={width},{height}",
                    f"--user-data-dir={work / ('chromium-' + name)}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # --log-path as a driver flag: selenium's own keyword for it differs between versions.
        self.service = Service(CHROMEDRIVER, service_args=[f"--log-path={work / f'chromedriver-{name}.log'}"])
        self.driver = webdriver.Chrome(service=self.service, options=options)
        self.driver.set_window_size(width, height)
        self.driver.get(base_url)

    # -- waiting and reading --

    def wait(self, what, condition, timeout=WAIT):
        started = time.monotonic()
        try:
            value = WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                                  ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                                  ).until(lambda _: condition())
        except TimeoutException:
            raise Failure(f"{self.name}: timed out after {timeout}s waiting for {what}") from None
        if VERBOSE:
            log(f"  {self.name}: {time.monotonic() - started:5.2f}s {what}")
        return value

    def tid(self, testid):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def attr(self, testid, name):
        return self.tid(testid).get_attribute(name)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def messages(self):
        return self.js(READ_MESSAGES)

    def entries(self, testid):
        return self.js(READ_LIST, testid)

    def entry(self, testid, name):
        return next((e for e in self.entries(testid) if e["name"] == name), None)

    def count(self, sender, text):
        return sum(1 for m in self.messages() if m["from"] == sender and m["text"] == text)

    def shows(self, sender, text, confirmed=True):
        """The message is in the open conversation once (confirmed: with its msg id)."""
        found = [m for m in self.messages() if m["from"] == sender and m["text"] == text]
        return len(found) == 1 and (not confirmed or (found[0]["id"] != "" and found[0]["pending"] == "false"))

    def synced(self):
        node = self.tid("conn-state")
        return node.get_attribute("data-state") == "connected" and node.get_attribute("data-synced") == "true"

    # -- doing --

    def type_into(self, testid, text):
        field = self.tid(testid)
        field.clear()
        field.send_keys(text)

    def log_in(self, user, password, register=False):
        self.wait("the socket to connect", lambda: self.attr("conn-state", "data-state") == "connected")
        self.type_into("login-username", user)
        self.type_into("login-password", password)
        self.tid("register-submit" if register else "login-submit").click()
        self.wait(f"{user} to be logged in", lambda: self.attr("app", "data-logged-in") == "true",
                  timeout=WAIT)
        self.wait(f"{user} to be caught up (conn-state data-synced)", self.synced)
        if self.tid("me").text != user:
            raise Failure(f"{self.name}: the top bar names {self.tid('me').text!r}, not {user!r}")

    def show_tab(self, tab):
        self.tid(f"tab-{tab}").click()
        self.wait(f"the {tab} tab", lambda: self.attr(f"tab-{tab}", "aria-selected") == "true")

    def back_to_list(self):
        if self.attr("app", "data-pane") == "conversation" and self.tid("back").is_displayed():
            self.tid("back").click()
            self.wait("the list pane", lambda: self.attr("app", "data-pane") == "list")

    def open_chat(self, name):
        self.back_to_list()
        self.show_tab("chats")
        self.type_into("new-chat-name", name)
        self.tid("new-chat-submit").click()
        self.wait(f"the conversation with {name} to open", lambda: self.tid("conversation-title").text == name)

    def open_listed(self, name):
        """Opens a conversation from the list by clicking it."""
        self.back_to_list()
        self.show_tab("chats")
        self.wait(f"{name} in the conversation list", lambda: self.entry("conversation", name))
        for li in self.driver.find_elements(By.CSS_SELECTOR, '[data-testid="conversation"]'):
            if li.get_attribute("data-name") == name:
                li.find_element(By.TAG_NAME, "button").click()
                break
        self.wait(f"the conversation with {name} to open", lambda: self.tid("conversation-title").text == name)

    def send(self, text):
        self.type_into("composer-input", text)
        self.tid("composer-send").click()

    def set_status(self, status):
        Select(self.tid("status-select")).select_by_value(status)

    # -- artifacts --

    def shot(self, label):
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.driver.save_screenshot(str(path))
        return path

    def collect_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception as error:  # the browser may be gone on failure
            self.console.append({"level": "NOTE", "message": f"console log not read: {error}"})

    def write_console(self):
        self.collect_console()
        with open(ARTIFACTS / f"{self.name}-console.log", "w") as f:
            for entry in self.console:
                f.write(f"{entry.get('timestamp', '')} {entry.get('level')} {entry.get('message')}\n")
            if not self.console:
                f.write("(the page logged nothing to the console)\n")

    def quit(self):
        """Ends the session; what chromedriver started and left behind is stopped by pid."""
        process = getattr(self.service, "process", None)
        driver_pid = process.pid if process else None
        leftovers = descendants(driver_pid) if driver_pid else []
        try:
            self.driver.quit()
        except Exception as error:
            log(f"{self.name}: quitting the browser: {error}")
        for pid in ([driver_pid] if driver_pid else []) + leftovers:
            if alive(pid):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass


# ---- the scenarios ----------------------------------------------------------------

class Run:
    def __init__(self, alice, bob, web_port, tcp_port_1, tcp_port_2):
        self.alice, self.bob = alice, bob
        self.web_port, self.tcp_port_1, self.tcp_port_2 = web_port, tcp_port_1, tcp_port_2
        self.carol = None
        self.uid = {}

    def chat(self):
        alice, bob = self.alice, self.bob
        alice.log_in("alice", "alice-pw", register=True)
        bob.log_in("bob", "bob-pw", register=True)
        self.uid["alice"] = int(alice.attr("me", "data-uid"))
        self.uid["bob"] = int(bob.attr("me", "data-uid"))
        alice.open_chat("bob")
        first = "Hi Bob! Alice here, writing from Chromium."
        alice.send(first)
        alice.wait("alice's own message, confirmed with its msg id", lambda: alice.shows("alice", first))
        bob.wait("alice's conversation in bob's list, 1 unread",
                 lambda: (bob.entry("conversation", "alice") or {}).get("unread") == "1")
        bob.shot("unread-from-alice")
        bob.open_listed("alice")
        bob.wait("alice's message on bob's page, by name", lambda: bob.shows("alice", first))
        replies = ["Hello Alice, Bob on a phone-sized window.", "Same server, both over /ws."]
        for text in replies:
            bob.send(text)
            bob.wait("bob's own message, confirmed", lambda: bob.shows("bob", text))
        for text in replies:
            alice.wait(f"bob's message {text!r} on alice's page, by name", lambda: alice.shows("bob", text))
        last = "Great, it works both ways."
        alice.send(last)
        bob.wait("alice's second message on bob's page", lambda: bob.shows("alice", last))
        self.chat_lines = [("alice", first)] + [("bob", t) for t in replies] + [("alice", last)]
        for page in (alice, bob):
            got = [(m["from"], m["text"]) for m in page.messages()]
            if got != self.chat_lines:
                raise Failure(f"{page.name}: the conversation reads {got}, want {self.chat_lines}")
        alice.shot("chat")
        bob.shot("chat")

    def tcp(self):
        alice = self.alice
        # carol is on the other gateway: what she sends reaches alice's web
        # session through Redis, and back.
        carol = self.carol = LineUser("carol (TCP)", self.tcp_port_2)
        self.uid["carol"] = int(carol.field(carol.command("REGISTER carol carol-pw"), "uid"))
        if int(carol.field(carol.command("USER alice"), "uid")) != self.uid["alice"]:
            raise Failure("USER alice over TCP names another uid than alice's page shows")
        hello = "Hello from a plain TCP socket, netcat style."
        sent_id = carol.field(carol.command(f"SEND {self.uid['alice']} {hello}"), "msg_id")
        alice.wait("carol's conversation in alice's list, 1 unread",
                   lambda: (alice.entry("conversation", "carol") or {}).get("unread") == "1")
        alice.open_listed("carol")
        alice.wait("carol's TCP message on alice's page, by name", lambda: alice.shows("carol", hello))
        shown = [m for m in alice.messages() if m["text"] == hello][0]
        if shown["id"] != sent_id:
            raise Failure(f"alice's page files carol's message as id {shown['id']}, the server said {sent_id}")
        answer = "Hi carol, the browser answers the socket."
        alice.send(answer)
        line = carol.wait_push("alice's answer over TCP",
                               lambda p: (m := MSG_LINE.match(p)) is not None and m.group(4) == answer)
        got = MSG_LINE.match(line)
        if int(got.group(2)) != self.uid["alice"]:
            raise Failure(f"carol got the answer from uid {got.group(2)}, not alice's {self.uid['alice']}")
        alice.wait("alice's answer confirmed with the id carol got",
                   lambda: any(m["text"] == answer and m["id"] == got.group(1) for m in alice.messages()))
        self.carol_lines = [("carol", hello), ("alice", answer)]
        alice.shot("tcp-user")

    def presence(self):
        alice, bob, carol = self.alice, self.bob, self.carol
        alice.back_to_list()
        alice.show_tab("friends")

        def friend_is(name, status):
            def check():
                friend = alice.entry("friend", name)
                return friend is not None and friend["presence"] == status and friend["dot"] == status \
                    and friend["words"] == status and friend
            return check

        def expect(name, status, why):
            return alice.wait(f"{name} to show {status} in alice's friends ({why})", friend_is(name, status))

        for name in ("bob", "carol"):
            alice.type_into("add-friend-name", name)
            alice.tid("add-friend-submit").click()
            expect(name, "online", "just added, logged in")
        colors = {"online": expect("bob", "online", "logged in")["color"]}
        for status in ("busy", "away", "online"):
            bob.set_status(status)
            colors[status] = expect("bob", status, f"bob picked {status}")["color"]
            if status == "busy":
                alice.shot("friends-bob-busy")

        carol.command("LOGOUT")
        colors["offline"] = expect("carol", "offline", "carol sent LOGOUT over TCP")["color"]
        if len(set(colors.values())) != 4:
            raise Failure(f"the presence dot has the same color for different states: {colors}")
        carol.command("LOGIN carol carol-pw")
        expect("carol", "online", "carol sent LOGIN again")

        bob.tid("logout").click()
        bob.wait("bob's page to show the login form", lambda: bob.attr("app", "data-logged-in") == "false")
        expect("bob", "offline", "bob logged out in his browser")
        alice.shot("friends-bob-offline")
        bob.log_in("bob", "bob-pw")
        expect("bob", "online", "bob logged in again")

    def reload(self):
        alice, carol = self.alice, self.carol
        alice.driver.refresh()
        alice.wait("the login form after the reload", lambda: alice.attr("app", "data-logged-in") == "false"
                   and alice.tid("login-view").is_displayed())
        # Sent while alice has no session: it must come with PULL/SYNC at her next login.
        meanwhile = "Sent while your page was reloading."
        carol.command(f"SEND {self.uid['alice']} {meanwhile}")
        alice.log_in("alice", "alice-pw")
        alice.wait("carol's conversation listed with 1 unread (the message sent meanwhile)",
                   lambda: (alice.entry("conversation", "carol") or {}).get("unread") == "1")
        alice.wait("bob's conversation listed again", lambda: alice.entry("conversation", "bob"))
        alice.open_listed("bob")
        alice.wait("the conversation with bob back, in order, each message once",
                   lambda: [(m["from"], m["text"]) for m in alice.messages()] == self.chat_lines)
        alice.open_listed("carol")
        self.carol_lines.append(("carol", meanwhile))
        alice.wait("the conversation with carol back, with what carol sent meanwhile, each once",
                   lambda: [(m["from"], m["text"]) for m in alice.messages()] == self.carol_lines)
        alice.shot("after-reload")

    def drop(self):
        alice, carol = self.alice, self.carol
        # The page must have the test hook (?testhooks in its address).
        if not alice.js("return typeof window.mpimTest?.dropSocket === 'function'"):
            raise Failure("window.mpimTest.dropSocket is missing (is ?testhooks in the address?)")
        earlier = []  # what a try that raced the reconnect left in the conversation
        for attempt in range(1, 4):
            typed = f"Typed while the socket was down (try {attempt})."
            gap = [f"Gap message {i} (try {attempt}), sent while alice's socket was down." for i in (1, 2, 3)]
            # Drop the socket and write a message at once, in one script: it
            # goes to the outbox, since there is no socket to send it on.
            state = alice.js("""
                window.mpimTest.dropSocket();
                const input = document.getElementById('composer-input');
                input.value = arguments[0];
                document.getElementById('composer').requestSubmit();
                return document.querySelector('[data-testid=conn-state]').dataset.state;
            """, typed)
            if state == "connected":
                raise Failure("the socket still reads connected right after dropSocket()")
            for text in gap:
                carol.command(f"SEND {self.uid['alice']} {text}")
            # Every gap message was stored before alice's page had a socket again?
            if alice.attr("conn-state", "data-state") != "connected":
                break
            log(f"drop: the page reconnected before the TCP user had sent all (try {attempt}); again")
            alice.wait("the page to catch up before the next try", alice.synced)
            earlier += [("carol", t) for t in gap] + [("alice", typed)]
        else:
            raise Failure("could not send inside the reconnect gap in 3 tries")
        alice.shot("socket-down")
        alice.wait("the page to reconnect, log in again and catch up", alice.synced, timeout=30)
        for text in gap:
            alice.wait(f"{text!r} after the reconnect", lambda: alice.shows("carol", text))
        alice.wait("the message typed while down, confirmed", lambda: alice.shows("alice", typed))
        carol.wait_push("the message alice typed while down, over TCP",
                        lambda p: (m := MSG_LINE.match(p)) is not None and m.group(4) == typed)
        # A round trip after everything: a duplicate would have come before it.
        after = "Back after the drop, anything missing?"
        carol.command(f"SEND {self.uid['alice']} {after}")
        alice.wait("a message sent after the reconnect", lambda: alice.shows("carol", after))
        done = "Nothing missing, nothing twice."
        alice.send(done)
        carol.wait_push("alice's last message", lambda p: (m := MSG_LINE.match(p)) is not None and m.group(4) == done)
        for text in gap + [after]:
            if alice.count("carol", text) != 1:
                raise Failure(f"{text!r} shows {alice.count('carol', text)} times on alice's page")
        if len(carol.messages(typed)) != 1:
            raise Failure(f"carol got the message typed while down {len(carol.messages(typed))} times")
        ids = [m["id"] for m in alice.messages()]
        if len(ids) != len(set(ids)) or "" in ids:
            raise Failure(f"alice's conversation has repeated or missing msg ids: {ids}")
        want = self.carol_lines + earlier + [("carol", t) for t in gap] + [("alice", typed), ("carol", after), ("alice", done)]
        got = [(m["from"], m["text"]) for m in alice.messages()]
        # The typed message may be stored before, between or after the gap messages.
        if sorted(got) != sorted(want) or got[:len(self.carol_lines)] != self.carol_lines:
            raise Failure(f"after the drop alice's conversation reads {got}, want (in some order) {want}")
        alice.shot("after-reconnect")

    def docs_screenshot(self, path):
        """Both users in their conversation, side by side, as one PNG."""
        alice, bob = self.alice, self.bob
        alice.open_listed("bob")
        alice.wait("the chat with bob", lambda: [(m["from"], m["text"]) for m in alice.messages()] == self.chat_lines)
        bob.open_listed("alice")
        bob.wait("the chat with alice", lambda: [(m["from"], m["text"]) for m in bob.messages()] == self.chat_lines)
        images = [page.driver.get_screenshot_as_base64() for page in (alice, bob)]
        compose = bob  # done with bob's page: show both pictures in it
        compose.driver.get("about:blank")
        compose.driver.set_window_size(1500, 900)
        compose.js("""
            document.body.style.cssText = 'margin:0;background:#8a94a6';
            const box = document.createElement('div');
            box.id = 'shot';
            box.style.cssText = 'display:inline-flex;gap:16px;padding:16px;background:#8a94a6;align-items:flex-start';
            for (const data of arguments[0]) {
              const img = document.createElement('img');
              img.src = 'data:image/png;base64,' + data;
              img.style.cssText = 'display:block;box-shadow:0 2px 10px rgba(0,0,0,.35)';
              box.append(img);
            }
            document.body.append(box);
        """, images)
        compose.wait("the pictures to load", lambda: compose.js(
            "return Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)"))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        compose.driver.find_element(By.ID, "shot").screenshot(str(path))
        log(f"wrote {path} ({Path(path).stat().st_size // 1024} KB)")


def main():
    parser = argparse.ArgumentParser(description="The web client in headless Chromium (see the top of the file).")
    parser.add_argument("--docs-screenshot", metavar="PNG", help="also write a picture of two users chatting")
    args = parser.parse_args()

    for tool, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(tool, os.X_OK):
            print(f"{TAG}: FAIL: {tool} is missing (Debian package {package}; scripts/ensure-deps.sh installs it)",
                  file=sys.stderr)
            return 1
    if not shutil.which("redis-server"):
        print(f"{TAG}: FAIL: redis-server is not installed", file=sys.stderr)
        return 1

    started = time.monotonic()
    try:
        # Always built when MPIMD is unset: the page is copied into the build,
        # so an older binary would serve an older page.
        mpimd = mpimd_binary(log)
    except Failure as error:
        print(f"{TAG}: FAIL: {error}", file=sys.stderr)
        return 1
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="mpim-browser."))
    processes = Processes(work)
    pages = []
    run = None
    step = "start-up"
    failed = None
    try:
        web_port, tcp_port_1, tcp_port_2 = start_cluster(processes, work, mpimd)
        base = f"http://127.0.0.1:{web_port}/?testhooks"
        log(f"mpimd: web client {base}, TCP gateways {tcp_port_1} and {tcp_port_2}")
        pages.append(Page("alice", base, work, 1000, 640))
        pages.append(Page("bob", base, work, 390, 640))
        run = Run(*pages, web_port, tcp_port_1, tcp_port_2)
        for step in ("chat", "tcp", "presence", "reload", "drop"):
            t0 = time.monotonic()
            getattr(run, step)()
            processes.check_running()
            log(f"ok: {step} ({time.monotonic() - t0:.1f}s)")
        if args.docs_screenshot:
            step = "docs-screenshot"
            run.docs_screenshot(args.docs_screenshot)
    except Exception as error:  # a Failure, or selenium/socket trouble: all reported the same way
        failed = error
        print(f"{TAG}: FAIL in {step}: {error}", file=sys.stderr)
        if not isinstance(error, Failure):
            traceback.print_exc()
        for page in pages:
            try:
                print(f"  screenshot: {page.shot('FAIL')}", file=sys.stderr)
                print(f"  {page.name}'s page says: {page.tid('conn-state').text!r}; "
                      f"error banner: {page.tid('error-text').text!r}", file=sys.stderr)
            except Exception as shot_error:
                print(f"  no screenshot of {page.name}: {shot_error}", file=sys.stderr)
    finally:
        for page in pages:
            page.write_console()
            page.quit()
        if run and run.carol:
            run.carol.close()
        processes.stop_all()
        if failed:
            for log_path in sorted(work.glob("*.log")):  # the daemons' and chromedriver's
                shutil.copy(log_path, ARTIFACTS / log_path.name)
            for name, (_, log_path, _) in processes.started.items():
                if log_path.exists():
                    tail = log_path.read_text(errors="replace").splitlines()[-8:]
                    print(f"--- {name}.log (tail) ---", *tail, sep="\n", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)

    severe = [e for page in pages for e in page.console if e.get("level") == "SEVERE"]
    if not failed and severe:
        print(f"{TAG}: FAIL: the pages logged errors to the console:", file=sys.stderr)
        for entry in severe:
            print(f"  {entry.get('message')}", file=sys.stderr)
        failed = True
    print(f"{TAG}: screenshots and console logs in {ARTIFACTS}")
    if failed:
        return 1
    log(f"ok: two browser users chat by name; a TCP user and a browser user both ways (across gateways); "
        f"presence follows STATUS, LOGOUT/LOGIN and the page's log out; a reload brings the conversations back "
        f"(HISTORY, PULL/SYNC); a dropped socket reconnects and misses nothing, shows nothing twice "
        f"({time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
