// The MPIM line protocol as the web client reads and writes it: pure
// functions, no DOM and no socket, so they can be checked on their own.
// The contract is Docs/PROTOCOL.md; every line here is one WebSocket frame.

/** Usernames (and device names): 1–32 of A-Z a-z 0-9 _ . - */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** The longest line the server accepts, in UTF-8 bytes. */
export const MAX_LINE_BYTES = 65536;

const encoder = new TextEncoder();

export function byteLength(text) {
  return encoder.encode(text).length;
}

/** Why a password cannot be sent, or null: 1–128 bytes, no spaces or NUL. */
export function passwordProblem(password) {
  if (password.length === 0) return 'a password is needed';
  if (/[\s\0]/.test(password)) return 'a password may not contain spaces';
  if (byteLength(password) > 128) return 'a password is at most 128 bytes';
  return null;
}

/** Why a message text cannot be sent, or null. The text itself is sent as typed. */
export function textProblem(text) {
  if (text.trim() === '') return 'the message is empty';
  if (/[\n]/.test(text) || text.endsWith('\r')) return 'a message is one line';
  return null;
}

/** A positive 64-bit id as the protocol writes it (kept as a string-safe Number). */
export function parseId(token) {
  if (!/^[0-9]{1,19}$/.test(token ?? '')) return null;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * `key=value key=value ... last=<rest of the line>`: the fields of a push or
 * a reply. `restKeys` are the keys whose value runs to the end of the line
 * (`text=` of MSG/GMSG/SENT, `description=` of GROUPINFO).
 */
export function parseFields(body, restKeys = ['text']) {
  const fields = {};
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ') i += 1;
    if (i >= body.length) break;
    const eq = body.indexOf('=', i);
    const space = body.indexOf(' ', i);
    if (eq < 0 || (space >= 0 && space < eq)) {
      // A bare word (e.g. "pull_done"): keep it as a flag.
      const end = space < 0 ? body.length : space;
      fields[body.slice(i, end)] = true;
      i = end;
      continue;
    }
    const key = body.slice(i, eq);
    if (restKeys.includes(key)) {
      fields[key] = body.slice(eq + 1);
      break;
    }
    const end = body.indexOf(' ', eq + 1);
    fields[key] = body.slice(eq + 1, end < 0 ? body.length : end);
    i = end < 0 ? body.length : end;
  }
  return fields;
}

/**
 * One line from the server, classified:
 * - `{ type: 'ok', body }` / `{ type: 'err', reason }`: a final reply line;
 * - `{ type: 'MSG', id, from, ts, text }`, `{ type: 'GMSG', id, group, from, ts, text }`,
 *   `{ type: 'SENT', id, to, ts, text }`: messages (pushes or data lines of a reply);
 * - `{ type: 'PRESENCE', uid, status }`, `{ type: 'KICKED', reason }`;
 * - `{ type: 'unknown', line }` for anything else (shown, never fatal).
 */
export function parseLine(line) {
  if (line === '+OK' || line.startsWith('+OK ')) return { type: 'ok', body: line.slice(4) };
  if (line === '-ERR' || line.startsWith('-ERR ')) return { type: 'err', reason: line.slice(5) };
  const space = line.indexOf(' ');
  const word = space < 0 ? line : line.slice(0, space);
  const fields = parseFields(space < 0 ? '' : line.slice(space + 1));
  switch (word) {
    case 'MSG': {
      const id = parseId(fields.id), from = parseId(fields.from);
      if (id === null || from === null || fields.text === undefined) break;
      return { type: 'MSG', id, from, ts: Number(fields.ts) || 0, text: fields.text };
    }
    case 'GMSG': {
      const id = parseId(fields.id), group = parseId(fields.group), from = parseId(fields.from);
      if (id === null || group === null || from === null || fields.text === undefined) break;
      return { type: 'GMSG', id, group, from, ts: Number(fields.ts) || 0, text: fields.text };
    }
    case 'SENT': {
      const id = parseId(fields.id), to = parseId(fields.to);
      if (id === null || to === null || fields.text === undefined) break;
      return { type: 'SENT', id, to, ts: Number(fields.ts) || 0, text: fields.text };
    }
    case 'PRESENCE': {
      const uid = parseId(fields.uid);
      if (uid === null || !fields.status) break;
      return { type: 'PRESENCE', uid, status: fields.status };
    }
    case 'KICKED':
      return { type: 'KICKED', reason: parseFields(line.slice(space + 1), ['reason']).reason ?? '' };
    default:
      break;
  }
  return { type: 'unknown', line };
}

/** `friends: 1,2,3` / `groups: ` / `members: 4,5` → [1,2,3] (the label is checked). */
export function parseIdList(body, label) {
  const prefix = `${label}:`;
  if (!body.startsWith(prefix)) return null;
  const list = body.slice(prefix.length).trim();
  if (list === '') return [];
  const ids = list.split(',').map(parseId);
  return ids.includes(null) ? null : ids;
}

/** `1=alice 2=bob` (NAMES) or `1=online 2=away` (WHO) → Map(uid → value). */
export function parsePairs(body) {
  const pairs = new Map();
  for (const token of body.split(' ')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    const uid = parseId(token.slice(0, eq));
    if (eq < 0 || uid === null) return null;
    pairs.set(uid, token.slice(eq + 1));
  }
  return pairs;
}

/** GROUPINFO's reply: name is one word, description the rest of the line. */
export function parseGroupInfo(body) {
  const f = parseFields(body, ['description']);
  const id = parseId(f.group_id);
  if (id === null) return null;
  return {
    id,
    name: typeof f.name === 'string' ? f.name : '',
    creator: parseId(f.creator),
    members: Number(f.members) || 0,
    createdAt: Number(f.created_at) || 0,
    description: typeof f.description === 'string' ? f.description : '',
  };
}

/** A client message id for `@cid=`: 1–64 of A-Z a-z 0-9 _ - */
export function newCid() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'w' + Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 20);
}

/** What a reply reason means to a person; the raw reason is kept beside it. */
const REASONS = {
  'auth failed': 'wrong username or password',
  'auth locked': 'too many failed logins; wait a minute and try again',
  'user exists': 'that username is taken',
  'no such user': 'there is no user by that name',
  'no such group': 'there is no group with that number',
  'not a member': 'you are not a member of that group',
  'not login': 'you are not logged in',
  'rate limited': 'too many commands at once; slow down',
  'already logged in': 'this connection is already logged in',
};

export function explain(reason) {
  const plain = REASONS[reason];
  return plain ? `${plain} (${reason})` : reason;
}
