// The mpim web client: the page served by mpimd's web listener at `/`,
// talking the line protocol over the WebSocket at `/ws` of the same host.
//
// Credentials: the password is kept in this module's memory only, so the
// page can log in again by itself after a dropped socket. It is never
// written to localStorage or sessionStorage, and there is no "remember me":
// after a reload the user logs in again. localStorage holds, per user, the
// SYNC cursor, the conversation list's ids and unread counters and the
// uid → name cache (never message text), plus the last username typed (to
// fill in the form) and the device-name claims of device.js.
//
// Catching up (Delivery 6 of the protocol): after every LOGIN the page sends
// PULL (messages no session got yet) and SYNC <cursor> until a page comes
// back short. The cursor is advanced only where nothing below it can still
// be missing: to SYNC's `last`, and, while connected, to the highest pushed
// id seen one heartbeat (25 s) earlier, since pushes from several senders
// may arrive slightly out of id order. A reconnect may thus fetch a few
// messages again; they are filed by msg id and shown once. Own messages
// written on other devices while the socket was down are not in SYNC; each
// conversation that was loaded is read again from the newest message back
// to what it had (HISTORY/GHISTORY) when it is next in view.

import { LineClient, ConnectionLost, ReplyError } from './connection.js';
import {
  NAME_PATTERN, MAX_LINE_BYTES, byteLength, passwordProblem, textProblem, parseId, parseFields,
  parseIdList, parsePairs, parseGroupInfo, newCid, explain,
} from './protocol.js';
import { ChatStore, SERVER_UID, userKey, groupKey } from './store.js';
import { View } from './view.js';
import { claimDevice } from './device.js';

const HISTORY_PAGE = 50;
const SYNC_PAGE = 1000;
const NAMES_BATCH = 100;
const WHO_BATCH = 1000;
const HEARTBEAT_MS = 25000;
const GAP_PAGES = 20;
const NO_RECONNECT_KICKS = new Set(['duplicate login', 'too many devices', 'admin']);
const KICK_EXPLAINED = {
  'duplicate login': 'another window logged in as you with the same device name',
  'too many devices': 'you are logged in on too many devices',
  admin: 'an administrator ended the session',
};

const device = claimDevice();
const wide = window.matchMedia('(min-width: 760px)');

let store = null;          // ChatStore of the logged-in user
let me = null;             // { uid, name }
let credentials = null;    // { username, password }: memory only, see the top of the file
let stayLoggedIn = false;  // log in again after a dropped socket
let generation = 0;        // bumped at each login and logout; late async work checks it
let caughtUp = false;
let active = null;         // key of the conversation in view
let checkpoint = 0;        // the highest pushed id one heartbeat ago
let beats = 0;
let reconnectDelay = 0;
let reconnectTimer = null;
let reconnectAt = 0;
let lastCloseReason = '';
const namesWanted = new Set();
const namesAsked = new Set();
let namesTimer = null;
let renderTimer = null;
let persistTimer = null;
const connectedWaiters = [];

const view = new View({
  nameOf: (uid) => nameOf(uid),
  groupName: (gid) => groupName(gid),
  open: (key) => openConversation(key),
  retry: (message) => { store.fail(message, null); render(); deliver(message); },
  discard: (message) => { store.discard(message); render(); },
});

const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
const conn = new LineClient({
  url: wsUrl,
  onPush: handlePush,
  onState: (state) => {
    view.setConnection(state, state === 'disconnected' ? lastCloseReason : '');
    if (state === 'connected') {
      while (connectedWaiters.length) connectedWaiters.shift()();
    }
  },
  onGreeting: (greeting) => {
    view.setGateway(greeting.slice(4));
    if (stayLoggedIn && credentials) logInAgain();
    else reconnectDelay = 0;
  },
  onClose: ({ reason }) => {
    lastCloseReason = reason;
    caughtUp = false;
    view.setSynced(false);
    if (store) store.markGaps();
    scheduleReconnect();
  },
});

// ---- names ----

function nameOf(uid) {
  if (uid === SERVER_UID) return 'Server';
  if (me && uid === me.uid) return me.name;
  const name = store?.names.get(uid);
  if (name === null) return 'unknown user';
  if (name === undefined) {
    wantNames([uid]);
    return '…';
  }
  return name;
}

function groupName(gid) {
  const info = store?.groups.get(gid);
  return info ? info.name : `group #${gid}`;
}

/** Asks NAMES for uids not known yet, batched (up to 100 a line). */
function wantNames(uids) {
  if (!store) return;
  for (const uid of uids) {
    if (uid !== SERVER_UID && !store.names.has(uid) && !namesAsked.has(uid)) namesWanted.add(uid);
  }
  if (namesWanted.size > 0 && !namesTimer) namesTimer = setTimeout(flushNames, 0);
}

function flushNames() {
  namesTimer = null;
  if (conn.state !== 'connected' || !me) return;
  const batch = Array.from(namesWanted).slice(0, NAMES_BATCH);
  for (const uid of batch) {
    namesWanted.delete(uid);
    namesAsked.add(uid);
  }
  if (namesWanted.size > 0) namesTimer = setTimeout(flushNames, 0);
  askNames(batch, generation);
}

async function askNames(batch, gen) {
  try {
    const reply = await command(`NAMES ${batch.join(' ')}`);
    const pairs = parsePairs(reply.body);
    if (gen !== generation || !pairs) return;
    for (const [uid, name] of pairs) store.names.set(uid, name);
  } catch (error) {
    if (gen !== generation) return;
    if (error instanceof ReplyError && error.reason === 'no such user') {
      // One of them is unknown: ask one by one to find which.
      if (batch.length > 1) for (const uid of batch) askNames([uid], gen);
      else store.names.set(batch[0], null);
    }
  } finally {
    if (gen === generation) {
      for (const uid of batch) namesAsked.delete(uid);
      render();
      persistSoon();
    }
  }
}

// ---- sending commands ----

function command(line, options) {
  return conn.send(line, options);
}

function waitConnected(ms = 10000) {
  if (conn.state === 'connected') return Promise.resolve();
  conn.connect();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ConnectionLost('cannot reach the server')), ms);
    connectedWaiters.push(() => { clearTimeout(timer); resolve(); });
  });
}

function describe(error) {
  if (error instanceof ReplyError) return explain(error.reason);
  if (error instanceof ConnectionLost) return `not connected (${error.message})`;
  return error?.message ?? String(error);
}

// ---- connection life ----

function scheduleReconnect() {
  clearTimeout(reconnectTimer);
  reconnectDelay = reconnectDelay ? Math.min(reconnectDelay * 2, 15000) : 500;
  const delay = reconnectDelay * (0.8 + Math.random() * 0.4);
  reconnectAt = Date.now() + delay;
  reconnectTimer = setTimeout(() => { reconnectTimer = null; conn.connect(); }, delay);
  tickCountdown();
}

function tickCountdown() {
  if (conn.state !== 'disconnected' || !reconnectTimer) return;
  const seconds = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
  view.setConnection('disconnected', `${lastCloseReason}; retrying in ${seconds} s`);
  setTimeout(tickCountdown, 1000);
}

function reconnectNow() {
  if (conn.state !== 'disconnected') return;
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  conn.connect();
}

window.addEventListener('online', reconnectNow);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    reconnectNow();
    if (markActiveRead()) render();
  }
});

setInterval(heartbeat, HEARTBEAT_MS);

/** Keeps the session alive (PING; the server closes idle ones) and moves the SYNC cursor on. */
function heartbeat() {
  if (conn.state !== 'connected') return;
  if (store && caughtUp) {
    if (checkpoint > (store.cursor ?? 0)) {
      store.cursor = checkpoint;
      persistSoon();
    }
    checkpoint = store.seenMax;
  }
  command('PING').catch(() => {});
  beats += 1;
  if (me && caughtUp && beats % 4 === 0) loadFriends(generation).catch(() => {});
}

// ---- pushes ----

function handlePush(line) {
  switch (line.type) {
    case 'MSG':
    case 'GMSG':
    case 'SENT':
      if (!store) return;
      fileMessage(line, { live: true });
      return;
    case 'PRESENCE':
      if (!store) return;
      store.presence.set(line.uid, line.status);
      // A PRESENCE from someone not in the list: they befriended us meanwhile.
      if (!store.friends.includes(line.uid) && line.uid !== me?.uid) loadFriends(generation).catch(() => {});
      render();
      return;
    case 'KICKED':
      kicked(line.reason);
      return;
    case 'unsolicited':
      view.showError(`Server: ${line.line}`);
      return;
    default:
      console.warn('mpim: line not understood', line.line);
  }
}

function kicked(reason) {
  if (NO_RECONNECT_KICKS.has(reason)) {
    const why = KICK_EXPLAINED[reason] ?? reason;
    leaveSession();
    view.showLogin(`You were signed out: ${why} (${reason}).`);
    view.showError(`Signed out by the server: ${reason}`);
  } else {
    // idle timeout, slow consumer, server shutdown: the socket closes and we come back.
    view.showError(`The server closed the session (${reason}); reconnecting…`, { aboutConnection: true });
  }
}

/** Files one message line; `live`: new to the user (push, PULL, SYNC after the first). */
function fileMessage(line, { live, historyPeer = null }) {
  const { conv, added } = store.ingest(line, { live, historyPeer, viewing: viewingKey() });
  if (!added) return;
  if (line.type === 'GMSG' && !store.groups.has(line.group)) loadGroupInfo(line.group, generation);
  if (conv.kind === 'group') conv.listed = true;
  render();
  persistSoon();
}

// ---- logging in ----

async function submitLogin(register) {
  const username = document.getElementById('login-username').value.trim();
  const password = document.getElementById('login-password').value;
  const problem = !NAME_PATTERN.test(username) ? 'a username is 1–32 of A–Z a–z 0–9 _ . -' : passwordProblem(password);
  if (problem) {
    view.showLogin(`Cannot ${register ? 'create the account' : 'log in'}: ${problem}.`);
    return;
  }
  const buttons = [document.getElementById('login-button'), document.getElementById('register-button')];
  buttons.forEach((b) => { b.disabled = true; });
  view.showLogin(register ? 'Creating the account…' : 'Logging in…');
  try {
    await waitConnected();
    if (register) {
      await command(`REGISTER ${username} ${password}`);
      // REGISTER logs in as device "cli"; log in again as this tab's device.
      await command('LOGOUT');
    }
    await logIn(username, password, false);
  } catch (error) {
    view.showLogin(`${register ? 'Account not created' : 'Login failed'}: ${describe(error)}.`);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

async function logIn(username, password, again) {
  const reply = await command(`LOGIN ${username} ${password} ${device}`);
  const uid = parseId(parseFields(reply.body).uid);
  if (uid === null) throw new Error(`unexpected reply to LOGIN: ${reply.body}`);
  generation += 1;
  namesAsked.clear(); // what was asked on the old socket got no answer
  if (!again || !store || store.me !== uid) startUser(uid, username);
  credentials = { username, password };
  stayLoggedIn = true;
  reconnectDelay = 0;
  try { localStorage.setItem('mpim.lastUsername', username); } catch { /* ignore */ }
  document.getElementById('login-password').value = '';
  view.clearConnectionError();
  view.showMain(me);
  render();
  catchUp(generation);
}

async function logInAgain() {
  const { username, password } = credentials;
  try {
    await logIn(username, password, true);
  } catch (error) {
    if (error instanceof ConnectionLost) return; // the next reconnect tries again
    if (error instanceof ReplyError && (error.reason === 'auth failed' || error.reason === 'auth locked')) {
      leaveSession();
      view.showLogin(`Logging in again failed: ${describe(error)}.`);
      return;
    }
    view.showError(`Logging in again failed: ${describe(error)}`);
    conn.close(`login failed: ${describe(error)}`);
  }
}

function startUser(uid, username) {
  persistNow();
  store = new ChatStore(uid);
  me = { uid, name: username };
  store.names.set(uid, username);
  active = null;
  checkpoint = 0;
  namesWanted.clear();
  namesAsked.clear();
  try {
    store.restore(JSON.parse(localStorage.getItem(storageKey(uid)) ?? 'null'));
  } catch { /* a broken snapshot is dropped */ }
  view.setPane('list');
}

/** Forgets the session on this page (LOGOUT, a kick that must not be undone, failed re-login). */
function leaveSession() {
  persistNow();
  generation += 1;
  stayLoggedIn = false;
  credentials = null;
  caughtUp = false;
  store = null;
  me = null;
  active = null;
  view.setSynced(false);
  view.render(new ChatStore(0), null);
}

async function logOut() {
  const wasConnected = conn.state === 'connected';
  leaveSession();
  view.showLogin('');
  if (wasConnected) await command('LOGOUT').catch(() => {});
}

/** After each LOGIN: status, friends, groups, the outbox, then PULL and SYNC. */
async function catchUp(gen) {
  caughtUp = false;
  view.setSynced(false);
  const side = [loadMyStatus(gen), loadFriends(gen), loadGroups(gen)].map((p) => p.catch((error) => {
    if (gen === generation && !(error instanceof ConnectionLost)) view.showError(describe(error));
  }));
  for (const message of store.outbox()) deliver(message);
  try {
    await command('PULL', { accepts: () => true, onData: (m) => gen === generation && fileMessage(m, { live: true }) });
    await syncAll(gen);
  } catch (error) {
    if (gen === generation && !(error instanceof ConnectionLost)) view.showError(`Catching up failed: ${describe(error)}`);
    return;
  }
  if (gen !== generation) return;
  caughtUp = true;
  checkpoint = store.seenMax;
  view.setSynced(true);
  persistSoon();
  const conv = active && store.conversation(active);
  if (conv) refreshConversation(conv);
  wantNames(Array.from(store.conversations.values()).filter((c) => c.kind === 'user').map((c) => c.target));
  await Promise.all(side);
}

async function syncAll(gen) {
  // The first SYNC on this browser for this user brings old messages: they are not unread.
  const live = store.cursor !== null;
  let after = store.cursor ?? 0;
  for (;;) {
    const reply = await command(`SYNC ${after} ${SYNC_PAGE}`, {
      accepts: () => true,
      onData: (m) => gen === generation && fileMessage(m, { live }),
    });
    if (gen !== generation) return;
    const last = parseId(String(parseFields(reply.body).last)) ?? after;
    store.cursor = Math.max(store.cursor ?? 0, last);
    persistSoon();
    if (reply.data.length < SYNC_PAGE || last <= after) return;
    after = last;
  }
}

async function loadMyStatus(gen) {
  const reply = await command(`WHO ${me.uid}`);
  if (gen !== generation) return;
  const status = parsePairs(reply.body)?.get(me.uid);
  // WHO answers as others see us: "offline" while logged in means invisible.
  if (status) view.setStatus(status === 'offline' ? 'invisible' : status);
}

async function loadFriends(gen) {
  const reply = await command('GETFRIENDS');
  if (gen !== generation) return;
  const friends = parseIdList(reply.body, 'friends') ?? [];
  store.friends = friends;
  wantNames(friends);
  for (let i = 0; i < friends.length; i += WHO_BATCH) {
    const chunk = friends.slice(i, i + WHO_BATCH);
    const who = await command(`WHO ${chunk.join(' ')}`);
    if (gen !== generation) return;
    for (const [uid, status] of parsePairs(who.body) ?? []) store.presence.set(uid, status);
  }
  render();
}

async function loadGroups(gen) {
  const reply = await command('GROUPS');
  if (gen !== generation) return;
  const gids = new Set(parseIdList(reply.body, 'groups') ?? []);
  for (const conv of store.conversations.values()) {
    if (conv.kind === 'group') conv.listed = gids.has(conv.target);
  }
  for (const gid of gids) store.conversation(groupKey(gid)).listed = true;
  render();
  await Promise.allSettled(Array.from(gids, (gid) => loadGroupInfo(gid, gen)));
}

async function loadGroupInfo(gid, gen) {
  try {
    const reply = await command(`GROUPINFO ${gid}`);
    if (gen !== generation) return;
    const info = parseGroupInfo(reply.body);
    if (info) store.groups.set(gid, info);
    render();
  } catch (error) {
    if (gen === generation && error instanceof ReplyError) view.showError(`Group #${gid}: ${describe(error)}`);
  }
}

async function loadMembers(gid) {
  const gen = generation;
  try {
    const reply = await command(`MEMBERS ${gid}`);
    if (gen !== generation) return;
    const uids = parseIdList(reply.body, 'members') ?? [];
    store.members.set(gid, uids);
    wantNames(uids);
    const info = store.groups.get(gid);
    if (info) info.members = uids.length;
    render();
  } catch (error) {
    if (gen === generation) view.showError(`Members of ${groupName(gid)}: ${describe(error)}`);
  }
}

// ---- conversations ----

function viewingKey() {
  if (!active || document.visibilityState !== 'visible') return null;
  if (!wide.matches && document.getElementById('app').dataset.pane !== 'conversation') return null;
  return active;
}

/** The conversation in view has no unread messages; says whether that changed anything. */
function markActiveRead() {
  const key = viewingKey();
  if (!store || !key) return false;
  const conv = store.conversation(key);
  if (conv.unread === 0 && conv.lastRead >= conv.lastId) return false;
  store.markRead(conv);
  persistSoon();
  return true;
}

function openConversation(key) {
  if (!store) return;
  const conv = store.conversation(key);
  if (conv.kind !== 'group') conv.listed = true;
  active = key;
  view.setPane('conversation');
  document.getElementById('group-members-panel').hidden = true;
  document.getElementById('group-members-button').setAttribute('aria-expanded', 'false');
  store.markRead(conv);
  render();
  persistSoon();
  if (conv.kind === 'group' && !store.groups.has(conv.target)) loadGroupInfo(conv.target, generation);
  if (conv.kind === 'user') wantNames([conv.target]);
  refreshConversation(conv);
  if (wide.matches) document.getElementById('composer-input').focus();
}

/** The newest page of a conversation the first time, or what a dropped socket may have hidden. */
function refreshConversation(conv) {
  if (conv.kind === 'server' || conv.loading || !caughtUp) return;
  if (!conv.historyLoaded) fetchNewest(conv, null);
  else if (conv.gapFrom !== null) fetchNewest(conv, conv.gapFrom);
}

function historyPage(conv, before, gen) {
  if (conv.kind === 'group') {
    const gid = conv.target;
    return command(`GHISTORY ${gid} ${before} ${HISTORY_PAGE}`, {
      accepts: (m) => m.type === 'GMSG' && m.group === gid,
      onData: (m) => gen === generation && fileMessage(m, { live: false }),
    });
  }
  const peer = conv.target;
  return command(`HISTORY ${peer} ${before} ${HISTORY_PAGE}`, {
    // Its data lines are MSG from the peer or from us; any other MSG is a push.
    accepts: (m) => m.type === 'MSG' && (m.from === peer || m.from === me.uid),
    onData: (m) => gen === generation && fileMessage(m, { live: false, historyPeer: peer }),
  });
}

/** Pages back from the newest message: one page, or (stopAt) until the page reaches that id. */
async function fetchNewest(conv, stopAt) {
  const gen = generation;
  conv.loading = true;
  render();
  try {
    let before = 0;
    for (let page = 0; page < GAP_PAGES; page += 1) {
      const reply = await historyPage(conv, before, gen);
      if (gen !== generation) return;
      const ids = reply.data.map((m) => m.id);
      const oldest = ids.length ? Math.min(...ids) : null;
      if (page === 0 && !conv.historyLoaded) {
        conv.floor = oldest;
        conv.historyDone = ids.length < HISTORY_PAGE;
        conv.historyLoaded = true;
      }
      if (stopAt === null || oldest === null || oldest <= stopAt || ids.length < HISTORY_PAGE) break;
      before = oldest;
    }
    conv.gapFrom = null;
    if (viewingKey() === conv.key) store.markRead(conv);
  } catch (error) {
    if (gen === generation && !(error instanceof ConnectionLost)) view.showError(`History: ${describe(error)}`);
  } finally {
    if (gen === generation) {
      conv.loading = false;
      render();
    }
  }
}

async function loadOlder() {
  const conv = active && store?.conversation(active);
  if (!conv || conv.loading || conv.historyDone || !conv.historyLoaded || conv.floor === null) return;
  const gen = generation;
  conv.loading = true;
  render();
  try {
    const reply = await historyPage(conv, conv.floor, gen);
    if (gen !== generation) return;
    const ids = reply.data.map((m) => m.id);
    if (ids.length) conv.floor = Math.min(conv.floor, ...ids);
    conv.historyDone = ids.length < HISTORY_PAGE;
    view.keepAnchor = true;
  } catch (error) {
    if (gen === generation) view.showError(`Older messages: ${describe(error)}`);
  } finally {
    if (gen === generation) {
      conv.loading = false;
      render();
    }
  }
}

// ---- sending ----

function sendLine(message) {
  const conv = store.conversation(message.key);
  const verb = conv.kind === 'group' ? 'SENDGROUP' : 'SEND';
  return `@cid=${message.cid} ${verb} ${conv.target} ${message.text}`;
}

function submitMessage() {
  const input = document.getElementById('composer-input');
  const conv = active && store?.conversation(active);
  if (!conv || conv.kind === 'server') return;
  const text = input.value;
  const problem = textProblem(text);
  if (problem) {
    view.showError(`Not sent: ${problem}.`);
    return;
  }
  const cid = newCid();
  if (byteLength(`@cid=${cid} SENDGROUP ${conv.target} ${text}`) > MAX_LINE_BYTES) {
    view.showError('Not sent: the message is longer than the server takes (64 KiB).');
    return;
  }
  const message = store.addPending(conv.key, text, cid);
  input.value = '';
  render();
  view.scrollToBottom();
  deliver(message);
}

/**
 * Sends an own message with its cid. Lost with the socket, it stays in the
 * outbox and is sent again after the next LOGIN; the cid makes the server
 * answer the first msg_id again rather than store it twice.
 */
async function deliver(message) {
  if (message.sending || !store) return;
  const gen = generation;
  message.sending = true;
  try {
    const reply = await command(sendLine(message));
    if (gen !== generation) return;
    const fields = parseFields(reply.body);
    const id = parseId(String(fields.msg_id ?? fields.group_msg_id));
    if (id === null) throw new Error(`unexpected reply: +OK ${reply.body}`);
    store.confirm(message, id);
  } catch (error) {
    if (gen !== generation || error instanceof ConnectionLost) return;
    store.fail(message, describe(error));
    view.showError(`Message not sent: ${describe(error)}`);
  } finally {
    message.sending = false;
    if (gen === generation) {
      render();
      persistSoon();
    }
  }
}

// ---- people and groups ----

async function lookUp(username) {
  if (!NAME_PATTERN.test(username)) throw new Error('a username is 1–32 of A–Z a–z 0–9 _ . -');
  const reply = await command(`USER ${username}`);
  const fields = parseFields(reply.body);
  const uid = parseId(fields.uid);
  if (uid === null) throw new Error(`unexpected reply: +OK ${reply.body}`);
  store.names.set(uid, typeof fields.name === 'string' ? fields.name : username);
  return uid;
}

async function formAction(form, action, failure) {
  const buttons = form.querySelectorAll('button, input');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await action();
    form.reset();
  } catch (error) {
    view.showError(`${failure}: ${describe(error)}`);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function onSubmit(id, handler) {
  document.getElementById(id).addEventListener('submit', (event) => {
    event.preventDefault();
    if (store) handler(event.currentTarget);
  });
}

onSubmit('new-chat-form', (form) => formAction(form, async () => {
  const uid = await lookUp(document.getElementById('new-chat-name').value.trim());
  openConversation(userKey(uid));
}, 'Cannot open the chat'));

onSubmit('add-friend-form', (form) => formAction(form, async () => {
  const uid = await lookUp(document.getElementById('add-friend-name').value.trim());
  await command(`ADDFRIEND ${uid}`);
  await loadFriends(generation);
}, 'Cannot add the friend'));

onSubmit('group-create-form', (form) => formAction(form, async () => {
  const name = document.getElementById('group-create-name').value.trim();
  const description = document.getElementById('group-create-description').value.trim();
  if (name === '' || /[\s\0]/.test(name)) throw new Error('a group name is one word, without spaces');
  if (/[\0\r\n]/.test(description)) throw new Error('the description is one line');
  const reply = await command(`CREATEGROUP ${name}${description ? ` ${description}` : ''}`);
  const gid = parseId(String(parseFields(reply.body).group_id));
  if (gid === null) throw new Error(`unexpected reply: +OK ${reply.body}`);
  store.conversation(groupKey(gid)).listed = true;
  await loadGroupInfo(gid, generation);
  openConversation(groupKey(gid));
}, 'Cannot create the group'));

onSubmit('group-join-form', (form) => formAction(form, async () => {
  const gid = parseId(document.getElementById('group-join-id').value.trim().replace(/^#/, ''));
  if (gid === null || gid === 0) throw new Error('a group number is a positive whole number');
  await command(`JOINGROUP ${gid}`);
  store.conversation(groupKey(gid)).listed = true;
  await loadGroupInfo(gid, generation);
  openConversation(groupKey(gid));
}, 'Cannot join the group'));

document.getElementById('group-members-button').addEventListener('click', (event) => {
  const conv = active && store?.conversation(active);
  if (!conv || conv.kind !== 'group') return;
  const panel = document.getElementById('group-members-panel');
  panel.hidden = !panel.hidden;
  event.currentTarget.setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) loadMembers(conv.target);
});

document.getElementById('group-leave-button').addEventListener('click', async () => {
  const conv = active && store?.conversation(active);
  if (!conv || conv.kind !== 'group') return;
  if (!window.confirm(`Leave ${groupName(conv.target)}?`)) return;
  try {
    await command(`LEAVEGROUP ${conv.target}`);
    conv.listed = false;
    active = null;
    view.setPane('list');
    render();
  } catch (error) {
    view.showError(`Cannot leave the group: ${describe(error)}`);
  }
});

// ---- the rest of the page ----

document.getElementById('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  submitLogin(false);
});
document.getElementById('register-button').addEventListener('click', () => submitLogin(true));
document.getElementById('logout-button').addEventListener('click', () => logOut());
document.getElementById('error-dismiss').addEventListener('click', () => view.clearError());
document.getElementById('back-button').addEventListener('click', () => view.setPane('list'));
for (const tab of document.querySelectorAll('.tabs [role=tab]')) {
  tab.addEventListener('click', () => view.showTab(tab.dataset.panel));
}
document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  submitMessage();
});
document.getElementById('load-older').addEventListener('click', () => loadOlder());
document.getElementById('message-scroller').addEventListener('scroll', (event) => {
  if (event.currentTarget.scrollTop < 60) loadOlder();
});
document.getElementById('status-select').addEventListener('change', async (event) => {
  const select = event.currentTarget;
  const wanted = select.value;
  try {
    const reply = await command(`STATUS ${wanted}`);
    const status = parseFields(reply.body).status;
    if (typeof status === 'string') select.value = status;
  } catch (error) {
    view.showError(`Status not changed: ${describe(error)}`);
    if (me) loadMyStatus(generation).catch(() => {});
  }
});

function render() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    if (!store) return;
    markActiveRead();
    view.render(store, active);
  }, 16);
}

function storageKey(uid) {
  return `mpim.user.${uid}`;
}

function persistNow() {
  clearTimeout(persistTimer);
  persistTimer = null;
  if (!store) return;
  try { localStorage.setItem(storageKey(store.me), JSON.stringify(store.snapshot())); } catch { /* full or off */ }
}

function persistSoon() {
  if (!persistTimer) persistTimer = setTimeout(persistNow, 500);
}

window.addEventListener('pagehide', persistNow);

// Browser tests only: with ?testhooks in the address, `window.mpimTest` can
// drop the socket the way a network failure would. Nothing else is global.
if (new URLSearchParams(location.search).has('testhooks')) {
  window.mpimTest = Object.freeze({
    dropSocket: () => conn.drop(),
    device: () => device,
    cursor: () => store?.cursor ?? null,
  });
}

try {
  document.getElementById('login-username').value = localStorage.getItem('mpim.lastUsername') ?? '';
} catch { /* ignore */ }
view.showLogin('');
conn.connect();
