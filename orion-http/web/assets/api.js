// The fetch wrapper of the dashboard: JSON in and out, the session JWT
// (kept in memory and sessionStorage only, never in a URL), errors as
// ApiError carrying the server's `{error, code, details}` sentence, and a
// 401 on an authenticated call signs the user out.

import { toQueryString } from './lib/urlstate.js';

const STORAGE_KEY = 'orion.session';

let token = null;
try {
  token = sessionStorage.getItem(STORAGE_KEY);
} catch {
  token = null;
}

const listeners = new Set();

/** Calls `fn(signedIn, reason)` whenever the session starts or ends; returns an unsubscribe. */
export function onAuthChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(reason) {
  for (const fn of listeners) fn(token !== null, reason);
}

export function isSignedIn() {
  return token !== null;
}

export function setToken(value) {
  token = value;
  try {
    sessionStorage.setItem(STORAGE_KEY, value);
  } catch {
    /* private mode: memory only */
  }
  emit('signin');
}

/**
 * Forgets the session (memory and sessionStorage). `reason` is `'user'`
 * (the Sign out button) or `'expired'` (the server answered 401).
 */
export function signOut(reason = 'user') {
  token = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* nothing stored */
  }
  emit(reason);
}

/** An error answer of the API, or a network failure (`code: 'network'`). */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.code = (body && body.code) || 'unknown';
    this.details = (body && Array.isArray(body.details) && body.details) || [];
  }
}

async function send(path, { method = 'GET', query, body, signal, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const sentToken = token;
  if (sentToken) headers.Authorization = `Bearer ${sentToken}`;
  let res;
  try {
    res = await fetch(`/api${path}${toQueryString(query)}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: 'Could not reach the Orion server. Check your connection and try again.', code: 'network' });
  }
  if (!res.ok) {
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (res.status === 401 && sentToken && sentToken === token) signOut('expired');
    if (res.status === 429) {
      const after = res.headers.get('Retry-After');
      if (after && data && data.error) data.error += ` Try again in ${after} s.`;
    }
    throw new ApiError(res.status, data);
  }
  return res;
}

/** A JSON call; resolves to the parsed body (null for 204). */
export async function request(path, options = {}) {
  const res = await send(path, options);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, query, opts = {}) => request(path, { ...opts, query }),
  post: (path, body, opts = {}) => request(path, { ...opts, method: 'POST', body }),
  put: (path, body, opts = {}) => request(path, { ...opts, method: 'PUT', body }),
  patch: (path, body, opts = {}) => request(path, { ...opts, method: 'PATCH', body }),
  del: (path, opts = {}) => request(path, { ...opts, method: 'DELETE' }),
};

/** `/projects/<name>` with the name escaped. */
export function projectPath(project, rest = '') {
  return `/projects/${encodeURIComponent(project)}${rest}`;
}

/**
 * Downloads an authenticated file: fetch with the JWT in the header, then
 * a Blob behind an object URL (the JWT never goes in a URL).
 * @returns {Promise<number>} the size in bytes
 */
export async function download(path, query, filename, signal) {
  const res = await send(path, { query, signal, accept: '*/*' });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return blob.size;
}

/** The URL of a live-tail WebSocket, authenticated by a fresh single-use ticket. */
export async function liveSocketUrl(params) {
  const { ticket } = await api.post('/auth/ws-ticket', {});
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws${toQueryString({ ticket, ...params })}`;
}
