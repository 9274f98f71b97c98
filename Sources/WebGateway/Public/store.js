// What the web client knows for the logged-in user: conversations and their
// messages, names, friends' presence, groups, and the SYNC cursor. No DOM and
// no socket here; app.js feeds it protocol lines and renders it.
//
// Every message is filed by its msg id, so a message that arrives twice (a
// push and then SYNC after a reconnect, HISTORY over what is already shown,
// a SENT copy and HISTORY) is shown once.

export const SERVER_UID = 0; // an admin broadcast is a MSG from uid 0

export function userKey(uid) { return `u:${uid}`; }
export function groupKey(gid) { return `g:${gid}`; }

export class ChatStore {
  constructor(me) {
    this.me = me;                 // uid of the logged-in user
    this.conversations = new Map(); // key → conversation
    this.names = new Map();       // uid → username (null: no such user)
    this.presence = new Map();    // uid → online | away | busy | offline
    this.friends = [];            // uids, ascending
    this.groups = new Map();      // gid → { id, name, description, creator, members }
    this.members = new Map();     // gid → uids (when asked for)
    // The SYNC cursor: every message addressed to this user with an id at or
    // below it has been seen on this page (see advanceCursor in app.js).
    this.cursor = null;
    this.seenMax = 0;             // the highest msg id addressed to us seen at all
    this.nextLocalId = 1;
  }

  conversation(key) {
    let conv = this.conversations.get(key);
    if (!conv) {
      const [kind, id] = key.split(':');
      const target = Number(id);
      conv = {
        key,
        kind: kind === 'g' ? 'group' : target === SERVER_UID ? 'server' : 'user',
        target,
        messages: new Map(),  // msg id → message
        pending: new Map(),   // local id → own message not yet confirmed
        lastId: 0,            // the newest msg id in it
        lastTs: 0,
        lastRead: 0,          // the newest msg id the user has had in view
        countedTo: 0,         // the newest msg id counted as unread
        unread: 0,
        floor: null,          // the oldest id HISTORY/GHISTORY returned: all above it is here
        historyDone: false,   // HISTORY found nothing older
        historyLoaded: false, // the newest page was fetched on this page
        gapFrom: null,        // after a reconnect: the newest id before the drop
        loading: false,
        listed: false,        // shown in the conversation list
      };
      this.conversations.set(key, conv);
    }
    return conv;
  }

  /**
   * Files a MSG/GMSG/SENT line. `context.historyPeer`: the line is a data line
   * of HISTORY <peer> (a MSG from oneself is then to that peer).
   * `context.live`: it is new to the user (push, PULL, SYNC catch-up), so it
   * may count as unread. `context.viewing`: the key of the conversation in view.
   * Returns { conv, message, added } (added false: already known).
   */
  ingest(line, { historyPeer = null, live = false, viewing = null } = {}) {
    let key, from;
    if (line.type === 'GMSG') {
      key = groupKey(line.group);
      from = line.from;
    } else if (line.type === 'SENT') {
      key = userKey(line.to);
      from = this.me;
    } else if (historyPeer !== null) {
      key = userKey(historyPeer);
      from = line.from;
    } else {
      // A MSG is addressed to us: from the peer, from the server (0), or from
      // ourselves when we wrote to ourselves.
      key = userKey(line.from);
      from = line.from;
    }
    const conv = this.conversation(key);
    conv.listed = true;
    const existing = conv.messages.get(line.id);
    if (existing) return { conv, message: existing, added: false };
    const message = {
      id: line.id, key, from, ts: line.ts, text: line.text,
      mine: from === this.me, pending: false, failed: null,
    };
    this.add(conv, message);
    if (live && line.type !== 'SENT' && from !== this.me) {
      this.seenMax = Math.max(this.seenMax, line.id);
    }
    if (live && !message.mine) this.countUnread(conv, message, viewing);
    return { conv, message, added: true };
  }

  add(conv, message) {
    conv.messages.set(message.id, message);
    if (message.id > conv.lastId) {
      conv.lastId = message.id;
      conv.lastTs = message.ts;
    }
  }

  countUnread(conv, message, viewing) {
    if (viewing === conv.key) {
      conv.lastRead = Math.max(conv.lastRead, message.id);
      return;
    }
    if (message.id > conv.lastRead && message.id > conv.countedTo) {
      conv.unread += 1;
      conv.countedTo = message.id;
    }
  }

  markRead(conv) {
    conv.lastRead = Math.max(conv.lastRead, conv.lastId);
    conv.countedTo = Math.max(conv.countedTo, conv.lastId);
    conv.unread = 0;
  }

  /** An own message on its way: shown at once, greyed until its +OK. */
  addPending(key, text, cid) {
    const conv = this.conversation(key);
    conv.listed = true;
    const message = {
      id: null, localId: this.nextLocalId++, key, from: this.me, ts: Date.now(), text,
      mine: true, pending: true, failed: null, cid,
    };
    conv.pending.set(message.localId, message);
    return message;
  }

  /** Its `+OK msg_id=<id>`: the message is stored under that id (once). */
  confirm(message, id) {
    const conv = this.conversation(message.key);
    conv.pending.delete(message.localId);
    message.pending = false;
    message.failed = null;
    if (conv.messages.has(id)) return; // HISTORY or a MSG to oneself got here first
    message.id = id;
    this.add(conv, message);
    conv.lastRead = Math.max(conv.lastRead, id);
  }

  fail(message, reason) {
    message.failed = reason;
  }

  discard(message) {
    this.conversation(message.key).pending.delete(message.localId);
  }

  /** Own messages not yet confirmed, oldest first (sent again after a reconnect). */
  outbox() {
    const all = [];
    for (const conv of this.conversations.values()) {
      for (const m of conv.pending.values()) if (!m.failed) all.push(m);
    }
    return all.sort((a, b) => a.localId - b.localId);
  }

  /** The messages of a conversation in order: by msg id, then own ones still on their way. */
  ordered(conv) {
    const stored = Array.from(conv.messages.values()).sort((a, b) => a.id - b.id);
    const pending = Array.from(conv.pending.values()).sort((a, b) => a.localId - b.localId);
    return stored.concat(pending);
  }

  /** Conversations for the list: the newest activity first. */
  listed() {
    const activity = (c) => (c.pending.size > 0 ? Number.MAX_SAFE_INTEGER : c.lastId);
    return Array.from(this.conversations.values())
      .filter((c) => c.listed)
      .sort((a, b) => activity(b) - activity(a) || a.key.localeCompare(b.key));
  }

  totalUnread() {
    let n = 0;
    for (const c of this.conversations.values()) n += c.unread;
    return n;
  }

  /** After a dropped socket: what each loaded conversation had, so the gap can be fetched. */
  markGaps() {
    for (const conv of this.conversations.values()) {
      if (conv.historyLoaded && conv.gapFrom === null) conv.gapFrom = conv.lastId;
    }
  }

  latest(conv) {
    let best = null;
    for (const m of conv.messages.values()) if (!best || m.id > best.id) best = m;
    if (conv.pending.size > 0) best = Array.from(conv.pending.values()).pop();
    return best;
  }

  // What is kept in localStorage between page loads, per user: ids and
  // counters only, never message text or credentials.
  snapshot() {
    const conversations = [];
    for (const c of this.conversations.values()) {
      // Groups are listed from GROUPS; only their read state is kept.
      const keep = c.kind === 'group' ? c.lastRead > 0 || c.unread > 0 : c.listed;
      if (keep) {
        const { key, lastId, lastTs, lastRead, countedTo, unread } = c;
        conversations.push({ key, lastId, lastTs, lastRead, countedTo, unread });
      }
    }
    const names = {};
    for (const [uid, name] of this.names) if (name) names[uid] = name;
    conversations.sort((a, b) => b.lastId - a.lastId);
    return { v: 1, cursor: this.cursor, conversations: conversations.slice(0, 500), names };
  }

  restore(snapshot) {
    if (!snapshot || snapshot.v !== 1) return;
    if (Number.isSafeInteger(snapshot.cursor)) this.cursor = snapshot.cursor;
    for (const s of snapshot.conversations ?? []) {
      if (typeof s.key !== 'string' || !/^[ug]:\d+$/.test(s.key)) continue;
      const conv = this.conversation(s.key);
      conv.listed = conv.kind !== 'group';
      conv.lastId = Number(s.lastId) || 0;
      conv.lastTs = Number(s.lastTs) || 0;
      conv.lastRead = Number(s.lastRead) || 0;
      conv.countedTo = Number(s.countedTo) || 0;
      conv.unread = Number(s.unread) || 0;
    }
    for (const [uid, name] of Object.entries(snapshot.names ?? {})) {
      if (typeof name === 'string') this.names.set(Number(uid), name);
    }
  }
}
