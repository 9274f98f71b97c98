// The device name this tab logs in with.
//
// The server keeps one session per (user, device): a LOGIN with the device
// of a live session kicks the older one ("duplicate login"). So each tab
// needs a name of its own, and a tab that reconnects or reloads should keep
// its name, so its new session replaces its own stale one rather than
// adding a device (past the server's max_devices the oldest is kicked).
//
// The name ("web-" and six random characters) lives in sessionStorage (per
// tab, kept across reloads). A tab that is duplicated copies sessionStorage,
// so names in use are also claimed in localStorage, which all tabs share: a
// claim is refreshed every 15 s while the tab lives and dropped when the
// page goes away; a name claimed by another live tab is not reused.

import { NAME_PATTERN } from './protocol.js';

const SESSION_KEY = 'mpim.device';
const CLAIMS_KEY = 'mpim.deviceClaims';
const REFRESH_MS = 15000;
const STALE_MS = 45000;

function randomSuffix() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

function readClaims() {
  try {
    const claims = JSON.parse(localStorage.getItem(CLAIMS_KEY) ?? '{}');
    return claims && typeof claims === 'object' ? claims : {};
  } catch {
    return {};
  }
}

function writeClaims(claims) {
  const now = Date.now();
  for (const [name, claim] of Object.entries(claims)) {
    if (!claim || now - claim.at > STALE_MS) delete claims[name];
  }
  try { localStorage.setItem(CLAIMS_KEY, JSON.stringify(claims)); } catch { /* storage off: names stay random per load */ }
}

function sessionGet() {
  try { return sessionStorage.getItem(SESSION_KEY); } catch { return null; }
}

function sessionSet(name) {
  try { sessionStorage.setItem(SESSION_KEY, name); } catch { /* ignore */ }
}

/** Picks this tab's device name, claims it, and keeps the claim fresh. */
export function claimDevice() {
  const tab = randomSuffix();
  const now = Date.now();
  const claims = readClaims();
  let name = sessionGet();
  const taken = (n) => claims[n] && claims[n].tab !== tab && now - claims[n].at <= STALE_MS;
  if (!name || !NAME_PATTERN.test(name) || taken(name)) {
    do name = `web-${randomSuffix()}`; while (taken(name));
    sessionSet(name);
  }
  const claim = () => {
    const current = readClaims();
    current[name] = { tab, at: Date.now() };
    writeClaims(current);
  };
  const release = () => {
    const current = readClaims();
    if (current[name]?.tab === tab) delete current[name];
    writeClaims(current);
  };
  claim();
  setInterval(claim, REFRESH_MS);
  window.addEventListener('pagehide', release);
  window.addEventListener('pageshow', (event) => { if (event.persisted) claim(); });
  return name;
}
