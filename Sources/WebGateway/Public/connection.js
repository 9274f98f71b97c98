// One WebSocket to mpimd's /ws, speaking the line protocol: one line per
// text frame, both ways. It matches replies to commands and hands pushes on.
//
// Matching: the server answers the commands of a connection in the order it
// got them, each with exactly one final `+OK`/`-ERR` line, so the commands
// in flight are a FIFO and every final line belongs to the oldest of them.
// PULL, SYNC, HISTORY and GHISTORY write MSG/GMSG data lines before their
// final line; pushes (MSG, GMSG, SENT, PRESENCE, KICKED) may come between any
// two lines. A MSG/GMSG line therefore goes to the oldest command in flight
// when that command is a multi-line one and its `accepts` says the line can
// be one of its data lines (HISTORY <peer> takes only MSG from the peer or
// from oneself, GHISTORY <gid> only GMSG of that group); otherwise it is a
// push. Where the two cannot be told apart (a MSG from the peer during
// HISTORY <peer>), the message is the same either way and the caller files
// it by msg id, so nothing shows twice.

import { parseLine } from './protocol.js';

export class ConnectionLost extends Error {
  constructor(message = 'connection lost') {
    super(message);
    this.name = 'ConnectionLost';
  }
}

export class ReplyError extends Error {
  constructor(reason, command) {
    super(reason);
    this.name = 'ReplyError';
    this.reason = reason;
    this.command = command;
  }
}

/**
 * States: 'disconnected' → 'connecting' (socket opening, greeting not yet
 * read) → 'connected' (greeting read; commands may be sent) → 'disconnected'.
 */
export class LineClient {
  /**
   * @param {object} options
   * @param {string} options.url  ws(s)://host/ws
   * @param {(line: object) => void} options.onPush  a parsed push line
   * @param {(state: string) => void} options.onState
   * @param {(greeting: string) => void} options.onGreeting
   * @param {(info: {reason: string}) => void} options.onClose
   * @param {number} [options.replyTimeoutMs]  no line at all for the oldest
   *   command in this long: the socket is taken for dead and closed
   * @param {typeof WebSocket} [options.WebSocketImpl]  for tests
   */
  constructor({ url, onPush, onState, onGreeting, onClose, replyTimeoutMs = 30000, WebSocketImpl = WebSocket }) {
    this.url = url;
    this.onPush = onPush;
    this.onState = onState;
    this.onGreeting = onGreeting;
    this.onClose = onClose;
    this.replyTimeoutMs = replyTimeoutMs;
    this.WebSocketImpl = WebSocketImpl;
    this.socket = null;
    this.state = 'disconnected';
    this.pending = [];
    this.watchdog = null;
    this.closeReason = null;
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState?.(state);
  }

  /** Opens a socket unless one is open or opening. */
  connect() {
    if (this.socket) return;
    this.closeReason = null;
    let socket;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch (error) {
      this.setState('disconnected');
      this.onClose?.({ reason: `cannot open ${this.url}: ${error.message}` });
      return;
    }
    this.socket = socket;
    this.openedAt = Date.now();
    this.setState('connecting');
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      if (typeof event.data !== 'string') return; // the server sends text frames only
      this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      const reason = this.closeReason ?? (event.reason || (event.code === 1000 ? 'closed by the server' : `connection lost (code ${event.code})`));
      this.teardown(reason);
    };
    socket.onerror = () => {
      // Browsers say nothing useful here; onclose follows with the code.
    };
    this.watchdog = setInterval(() => this.checkReplies(), 1000);
  }

  /** Closes the socket on purpose (logout is not this: LOGOUT keeps it open). */
  close(reason = 'closed') {
    if (!this.socket) return;
    this.closeReason = reason;
    const socket = this.socket;
    this.teardown(reason);
    try { socket.close(1000, reason.slice(0, 100)); } catch { /* already closing */ }
  }

  teardown(reason) {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onmessage = socket.onclose = socket.onerror = null;
    }
    clearInterval(this.watchdog);
    this.watchdog = null;
    const pending = this.pending;
    this.pending = [];
    this.setState('disconnected');
    for (const command of pending) command.reject(new ConnectionLost(reason));
    this.onClose?.({ reason });
  }

  checkReplies() {
    if (this.state === 'connecting' && Date.now() - this.openedAt > this.replyTimeoutMs) {
      this.close(`no greeting in ${Math.round(this.replyTimeoutMs / 1000)} s`);
      return;
    }
    const oldest = this.pending[0];
    if (oldest && Date.now() - oldest.lastHeard > this.replyTimeoutMs) {
      this.close(`no reply to ${oldest.word} in ${Math.round(this.replyTimeoutMs / 1000)} s`);
    }
  }

  receive(line) {
    if (this.state === 'connecting') {
      if (line.startsWith('+OK welcome')) {
        this.setState('connected');
        this.onGreeting?.(line);
      } else {
        // Refused before the greeting (e.g. "-ERR ..."): say why and give up this socket.
        this.close(line.startsWith('-ERR ') ? line.slice(5) : `unexpected first line: ${line}`);
      }
      return;
    }
    const parsed = parseLine(line);
    if (parsed.type === 'ok' || parsed.type === 'err') {
      const command = this.pending.shift();
      if (!command) {
        // A final line no command waits for (e.g. "-ERR line too long" before a close).
        this.onPush?.({ type: 'unsolicited', line });
        return;
      }
      if (parsed.type === 'ok') command.resolve({ body: parsed.body, data: command.data });
      else command.reject(new ReplyError(parsed.reason, command.word));
      return;
    }
    if (parsed.type === 'MSG' || parsed.type === 'GMSG') {
      const command = this.pending[0];
      if (command?.accepts?.(parsed)) {
        command.lastHeard = Date.now();
        command.data.push(parsed);
        command.onData?.(parsed);
        return;
      }
    }
    this.onPush?.(parsed);
  }

  /**
   * Sends one command line; resolves with `{ body, data }` at its `+OK`
   * (`body`: what follows "+OK ", `data`: the MSG/GMSG lines it accepted),
   * rejects with ReplyError at its `-ERR`, or ConnectionLost.
   * @param {string} line  without "\n"
   * @param {object} [options]
   * @param {(msg: object) => boolean} [options.accepts]  which MSG/GMSG lines are its data
   * @param {(msg: object) => void} [options.onData]  called for each as it arrives
   */
  send(line, { accepts = null, onData = null } = {}) {
    if (this.state !== 'connected' || !this.socket) {
      return Promise.reject(new ConnectionLost('not connected'));
    }
    const word = line.replace(/^@cid=\S+ /, '').split(' ', 1)[0].toUpperCase();
    return new Promise((resolve, reject) => {
      const command = { word, accepts, onData, data: [], resolve, reject, lastHeard: Date.now() };
      this.pending.push(command);
      try {
        this.socket.send(line);
      } catch (error) {
        this.close(`send failed: ${error.message}`);
      }
    });
  }

  /** For tests: lose the socket the way a network drop does, without a goodbye. */
  drop() {
    if (this.socket) this.close('dropped on purpose (test hook)');
  }
}
