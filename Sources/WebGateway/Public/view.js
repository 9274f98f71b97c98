// Drawing the store into the page. Every user-supplied string goes in
// through textContent, never as HTML. Stable ids and data-testid attributes
// are what the browser tests read; see index.html for the fixed ones and
// the element builders below for the repeated ones.

import { SERVER_UID } from './store.js';

const $ = (id) => document.getElementById(id);

/** An element with attributes (`text` sets textContent, `data` the dataset). */
function el(tag, { text, className, data, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(data ?? {})) node.dataset[k] = String(v);
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Makes `container` hold one node per key, in the order of `keys`, reusing
 * the node a key had (so what a test or the user holds stays valid):
 * `create(key)` makes a missing one, `update(node, key)` refreshes each.
 */
function syncList(container, nodes, keys, create, update) {
  const wanted = new Set(keys);
  for (const [key, node] of nodes) {
    if (!wanted.has(key)) {
      node.remove();
      nodes.delete(key);
    }
  }
  let next = container.firstChild;
  for (const key of keys) {
    let node = nodes.get(key);
    if (!node) {
      node = create(key);
      nodes.set(key, node);
    }
    update(node, key);
    if (node === next) next = next.nextSibling;
    else container.insertBefore(node, next);
  }
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setData(node, values) {
  for (const [k, v] of Object.entries(values)) {
    if (node.dataset[k] !== String(v)) node.dataset[k] = String(v);
  }
}

function members(n) {
  return `${n} member${n === 1 ? '' : 's'}`;
}

const PRESENCE_TEXT = { online: 'online', away: 'away', busy: 'busy', offline: 'offline' };

export function formatTime(ts) {
  if (!ts) return '';
  const date = new Date(ts);
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

export class View {
  /**
   * @param {object} hooks  what the page asks of app.js:
   *   nameOf(uid) → display name, groupName(gid), open(key), retry(message), discard(message)
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.ui = {};
    for (const id of [
      'app', 'me', 'status-select', 'conn-state', 'error-banner', 'error-text', 'login-view', 'main-view',
      'login-error', 'total-unread', 'conversation-list', 'no-conversations', 'friend-list', 'no-friends',
      'group-list', 'no-groups', 'conversation-view', 'conversation-title', 'conversation-subtitle',
      'group-members-button', 'group-leave-button', 'group-members-panel', 'group-members',
      'message-scroller', 'load-older', 'history-state', 'message-list', 'no-conversation', 'composer',
      'composer-input',
    ]) {
      this.ui[id] = $(id);
    }
    this.convEls = new Map();   // conversation key → its <li>
    this.friendEls = new Map(); // uid → <li>
    this.groupEls = new Map();  // gid → <li>
    this.memberEls = new Map(); // uid → <li> of the open group's members
    this.shownKey = null;
    this.shownEls = new Map(); // message object → its <li>
    this.keepAnchor = false;   // older messages are being prepended: keep the view still
    this.errorTimer = null;
    this.errorAboutConnection = false;
  }

  // ---- top bar, errors, views ----

  setConnection(state, detail = '') {
    const node = this.ui['conn-state'];
    node.dataset.state = state;
    const words = { connected: 'Connected', connecting: 'Connecting…', disconnected: 'Disconnected' };
    node.textContent = words[state] + (detail ? ` — ${detail}` : '');
    if (state !== 'connected') node.dataset.synced = 'false';
  }

  setSynced(synced) {
    this.ui['conn-state'].dataset.synced = String(synced);
  }

  setGateway(text) {
    this.ui['conn-state'].title = text;
  }

  /** Shows an error until dismissed (or 15 s); `aboutConnection`: cleared once logged in again. */
  showError(text, { aboutConnection = false } = {}) {
    this.errorAboutConnection = aboutConnection;
    this.ui['error-text'].textContent = text;
    this.ui['error-banner'].hidden = false;
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => this.clearError(), 15000);
  }

  clearConnectionError() {
    if (this.errorAboutConnection) this.clearError();
  }

  clearError() {
    this.ui['error-banner'].hidden = true;
    this.ui['error-text'].textContent = '';
  }

  showLogin(message = '') {
    this.ui.app.dataset.loggedIn = 'false';
    this.ui['login-view'].hidden = false;
    this.ui['main-view'].hidden = true;
    this.ui['login-error'].textContent = message;
    this.ui.me.textContent = '';
    this.ui.me.removeAttribute('data-uid');
    this.ui['status-select'].disabled = true;
    document.title = 'mpim';
  }

  showMain(me) {
    this.ui.app.dataset.loggedIn = 'true';
    this.ui['login-view'].hidden = true;
    this.ui['main-view'].hidden = false;
    this.ui['login-error'].textContent = '';
    this.ui.me.textContent = me.name;
    this.ui.me.dataset.uid = String(me.uid);
    this.ui['status-select'].disabled = false;
  }

  setStatus(status) {
    this.ui['status-select'].value = status;
  }

  setPane(pane) {
    this.ui.app.dataset.pane = pane;
  }

  showTab(panelId) {
    for (const tab of document.querySelectorAll('.tabs [role=tab]')) {
      const selected = tab.dataset.panel === panelId;
      tab.setAttribute('aria-selected', String(selected));
      $(tab.dataset.panel).hidden = !selected;
    }
  }

  // ---- the whole page from the store ----

  render(store, active) {
    const unread = store.totalUnread();
    const badge = this.ui['total-unread'];
    badge.hidden = unread === 0;
    badge.textContent = String(unread);
    document.title = unread > 0 ? `(${unread}) mpim` : 'mpim';
    this.renderConversations(store, active);
    this.renderFriends(store);
    this.renderGroups(store);
    this.renderConversation(store, active);
  }

  titleOf(store, conv) {
    if (conv.kind === 'group') return this.hooks.groupName(conv.target);
    if (conv.kind === 'server') return 'Server';
    return this.hooks.nameOf(conv.target);
  }

  presenceDot() {
    return el('span', { className: 'presence-dot', attrs: { 'aria-hidden': 'true' } });
  }

  renderConversations(store, active) {
    const convs = store.listed();
    syncList(this.ui['conversation-list'], this.convEls, convs.map((c) => c.key), (key) => {
      const conv = store.conversation(key);
      const button = el('button', { className: 'entry', attrs: { type: 'button' } }, [
        conv.kind === 'user' ? this.presenceDot()
          : el('span', { className: `kind-icon ${conv.kind}`, text: conv.kind === 'group' ? '#' : '!', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'entry-main' }, [
          el('span', { className: 'entry-name', data: { testid: 'conversation-name' } }),
          el('span', { className: 'entry-preview', data: { testid: 'conversation-preview' } }),
        ]),
        el('span', { className: 'badge', data: { testid: 'conversation-unread' } }),
      ]);
      button.addEventListener('click', () => this.hooks.open(key));
      return el('li', { data: { testid: 'conversation', key, kind: conv.kind, id: conv.target } }, [button]);
    }, (node, key) => {
      const conv = store.conversation(key);
      const name = this.titleOf(store, conv);
      const last = store.latest(conv);
      let preview = '';
      if (last) preview = last.mine ? `You: ${last.text}` : conv.kind === 'group' ? `${this.hooks.nameOf(last.from)}: ${last.text}` : last.text;
      node.className = key === active ? 'active' : '';
      setData(node, { name, unread: conv.unread });
      const [mark, main, badge] = node.firstChild.children;
      if (conv.kind === 'user') setData(mark, { presence: store.presence.get(conv.target) ?? 'unknown' });
      setText(main.children[0], name);
      setText(main.children[1], preview);
      setText(badge, String(conv.unread));
      badge.hidden = conv.unread === 0;
    });
    this.ui['no-conversations'].hidden = convs.length > 0;
  }

  renderFriends(store) {
    syncList(this.ui['friend-list'], this.friendEls, store.friends, (uid) => {
      const button = el('button', { className: 'entry', attrs: { type: 'button' } }, [
        this.presenceDot(),
        el('span', { className: 'entry-main' }, [el('span', { className: 'entry-name', data: { testid: 'friend-name' } })]),
        el('span', { className: 'presence-text', data: { testid: 'friend-presence' } }),
      ]);
      button.addEventListener('click', () => this.hooks.open(`u:${uid}`));
      return el('li', { data: { testid: 'friend', uid } }, [button]);
    }, (node, uid) => {
      const name = this.hooks.nameOf(uid);
      const status = store.presence.get(uid) ?? 'offline';
      setData(node, { name, presence: status });
      const [dot, main, text] = node.firstChild.children;
      node.firstChild.title = `Chat with ${name}`;
      setData(dot, { presence: status });
      setText(main.firstChild, name);
      setText(text, PRESENCE_TEXT[status] ?? status);
    });
    this.ui['no-friends'].hidden = store.friends.length > 0;
  }

  renderGroups(store) {
    const gids = Array.from(store.conversations.values())
      .filter((c) => c.kind === 'group' && c.listed)
      .map((c) => c.target)
      .sort((a, b) => a - b);
    syncList(this.ui['group-list'], this.groupEls, gids, (gid) => {
      const button = el('button', { className: 'entry', attrs: { type: 'button' } }, [
        el('span', { className: 'kind-icon group', text: '#', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'entry-main' }, [
          el('span', { className: 'entry-name', data: { testid: 'group-name' } }),
          el('span', { className: 'entry-preview', data: { testid: 'group-detail' } }),
        ]),
      ]);
      button.addEventListener('click', () => this.hooks.open(`g:${gid}`));
      return el('li', { data: { testid: 'group', gid } }, [button]);
    }, (node, gid) => {
      const info = store.groups.get(gid);
      const name = this.hooks.groupName(gid);
      setData(node, { name });
      const main = node.firstChild.children[1];
      setText(main.children[0], name);
      setText(main.children[1], `#${gid}${info ? ` · ${members(info.members)}` : ''}`);
    });
    this.ui['no-groups'].hidden = gids.length > 0;
  }

  renderConversation(store, active) {
    const conv = active ? store.conversation(active) : null;
    const view = this.ui['conversation-view'];
    view.dataset.kind = conv?.kind ?? '';
    view.dataset.id = conv ? String(conv.target) : '';
    this.ui['no-conversation'].hidden = conv !== null;
    this.ui.composer.hidden = !conv || conv.kind === 'server';
    const isGroup = conv?.kind === 'group';
    this.ui['group-members-button'].hidden = !isGroup;
    this.ui['group-leave-button'].hidden = !isGroup;
    if (!isGroup) this.ui['group-members-panel'].hidden = true;
    if (!conv) {
      this.ui['conversation-title'].textContent = 'No conversation open';
      this.ui['conversation-subtitle'].textContent = '';
      this.ui['load-older'].hidden = true;
      this.ui['history-state'].textContent = '';
      this.renderMessages(store, null);
      return;
    }
    this.ui['conversation-title'].textContent = this.titleOf(store, conv);
    this.ui['conversation-subtitle'].textContent = this.subtitle(store, conv);
    if (isGroup) this.renderMembers(store, conv.target);
    const canLoad = conv.kind !== 'server' && conv.historyLoaded && !conv.historyDone;
    this.ui['load-older'].hidden = !canLoad;
    this.ui['load-older'].disabled = conv.loading;
    this.ui['history-state'].textContent = conv.loading ? 'Loading…'
      : conv.historyDone && conv.messages.size > 0 ? 'Start of the conversation' : '';
    this.renderMessages(store, conv);
  }

  subtitle(store, conv) {
    if (conv.kind === 'server') return 'Announcements from the server';
    if (conv.kind === 'group') {
      const info = store.groups.get(conv.target);
      if (!info) return `Group #${conv.target}`;
      return [`Group #${conv.target}`, members(info.members), info.description].filter(Boolean).join(' · ');
    }
    if (conv.target === store.me) return 'Notes to yourself';
    const status = store.presence.get(conv.target);
    return status ? PRESENCE_TEXT[status] ?? status : '';
  }

  renderMembers(store, gid) {
    const uids = store.members.get(gid) ?? [];
    const creator = store.groups.get(gid)?.creator;
    syncList(this.ui['group-members'], this.memberEls, uids, (uid) => el('li', { data: { testid: 'group-member', uid } }, [
      this.presenceDot(),
      el('span', { className: 'member-name' }),
      el('span', { className: 'tag', text: 'creator' }),
    ]), (node, uid) => {
      const name = this.hooks.nameOf(uid);
      const [dot, label, tag] = node.children;
      setData(node, { name });
      setData(dot, { presence: uid === store.me ? 'self' : store.presence.get(uid) ?? 'unknown' });
      setText(label, name + (uid === store.me ? ' (you)' : ''));
      tag.hidden = uid !== creator;
    });
  }

  /** The messages of the open conversation, updated in place so the scroll position holds. */
  renderMessages(store, conv) {
    const list = this.ui['message-list'];
    const scroller = this.ui['message-scroller'];
    if (!conv) {
      list.replaceChildren();
      this.shownEls.clear();
      this.shownKey = null;
      return;
    }
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    const oldHeight = scroller.scrollHeight;
    const oldTop = scroller.scrollTop;
    let toBottom = atBottom;
    if (this.shownKey !== conv.key) {
      list.replaceChildren();
      this.shownEls.clear();
      this.shownKey = conv.key;
      toBottom = true;
    }
    syncList(list, this.shownEls, store.ordered(conv), () => this.messageElement(), (node, message) => this.fillMessage(node, message));
    if (this.keepAnchor) {
      scroller.scrollTop = oldTop + (scroller.scrollHeight - oldHeight);
      this.keepAnchor = false;
    } else if (toBottom) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  scrollToBottom() {
    const scroller = this.ui['message-scroller'];
    scroller.scrollTop = scroller.scrollHeight;
  }

  messageElement() {
    const node = el('li', { data: { testid: 'message' } }, [
      el('div', { className: 'meta' }, [
        el('span', { className: 'sender', data: { testid: 'message-sender' } }),
        el('time', { className: 'time', data: { testid: 'message-time' } }),
        el('span', { className: 'state', data: { testid: 'message-state' } }),
      ]),
      el('div', { className: 'text', data: { testid: 'message-text' } }),
      el('div', { className: 'failure' }, [
        el('span', { className: 'failure-text' }),
        el('button', { className: 'link', text: 'Retry', data: { testid: 'message-retry' }, attrs: { type: 'button' } }),
        el('button', { className: 'link', text: 'Discard', data: { testid: 'message-discard' }, attrs: { type: 'button' } }),
      ]),
    ]);
    return node;
  }

  fillMessage(node, message) {
    const sender = message.from === SERVER_UID ? 'Server' : this.hooks.nameOf(message.from);
    const classes = ['message', message.mine ? 'mine' : 'theirs'];
    if (message.from === SERVER_UID) classes.push('server');
    if (message.pending) classes.push('pending');
    if (message.failed) classes.push('failed');
    if (node.className !== classes.join(' ')) node.className = classes.join(' ');
    setData(node, {
      msgId: message.id === null ? '' : message.id, fromName: sender, mine: message.mine, pending: message.pending,
    });
    const [meta, text, failure] = node.children;
    const [senderNode, timeNode, stateNode] = meta.children;
    setText(senderNode, sender);
    setText(timeNode, formatTime(message.ts));
    if (message.ts) timeNode.dateTime = new Date(message.ts).toISOString();
    setText(stateNode, message.failed ? 'not sent' : message.pending ? 'sending…' : '');
    setText(text, message.text);
    failure.hidden = !message.failed;
    if (message.failed) {
      failure.children[0].textContent = `Not sent: ${message.failed}`;
      failure.children[1].onclick = () => this.hooks.retry(message);
      failure.children[2].onclick = () => this.hooks.discard(message);
    }
  }
}
